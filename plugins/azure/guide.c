/*
 * guide.c - setup_guide(): what the customer runs so that cloudpatrol may
 * read (and, in the remediation variant, fix) their Azure subscriptions.
 *
 * The output is a POSIX shell script of Azure CLI commands whose
 * explanation (English or Japanese) is written as comments, so that
 * `cloudpatrol env setup-guide azure > setup.sh` can be read, edited
 * (the subscription ids) and run as it is.  The variants differ in the
 * built-in role assigned: Reader, or Contributor.
 */
#include <stdio.h>
#include <string.h>

#include "azure.h"

struct guide_text {
	const char *title;		/* the variant's name follows */
	const char *intro;
	const char *role_note;
	const char *remediation_note;	/* only in the remediation variant */
	const char *graph_note;
	const char *register_note;
};

static const struct guide_text guide_en = {
	"# cloudpatrol - Azure setup guide",
	"#\n"
	"# Run these Azure CLI commands once per tenant, signed in (az login)\n"
	"# as someone who may create applications and assign roles on the\n"
	"# subscriptions to patrol. They create a service principal named\n"
	"# cloudpatrol, give it a role on each subscription, and let it read\n"
	"# the directory (users, guests, role members) through Microsoft\n"
	"# Graph. Put your subscription ids in SUBSCRIPTIONS.\n",
	"#\n"
	"# 1. The service principal, with the built-in role in --role on the\n"
	"#    first subscription. Its client secret goes to the file\n"
	"#    cloudpatrol-secret, which only you can read. To use a\n"
	"#    certificate instead, replace --query password by --create-cert:\n"
	"#    the PEM file it writes holds the key and the certificate to give\n"
	"#    as --certificate-file in step 4.\n",
	"#\n"
	"# Remediation: Contributor lets cloudpatrol set an offending network\n"
	"# security group rule to Deny and deallocate a virtual machine, once\n"
	"# you switch remediation on for a policy. cloudpatrol checks per\n"
	"# subscription what the role allows: where it holds only Reader, the\n"
	"# subscription stays read-only.\n",
	"#\n"
	"# 3. Directory read access in Microsoft Graph (application\n"
	"#    permissions Directory.Read.All and AuditLog.Read.All; the second\n"
	"#    shows sign-in activity where the tenant has an Entra ID P1 or P2\n"
	"#    licence). An administrator of the tenant grants consent.\n",
	"#\n"
	"# 4. Register the tenant with cloudpatrol (the secret goes in a file\n"
	"#    only you can read). Every subscription the service principal\n"
	"#    reaches becomes a unit; periodic inspection of each starts off:\n"
	"#    cloudpatrol unit inspect NAME SUBSCRIPTION-ID on\n",
};

static const struct guide_text guide_ja = {
	"# cloudpatrol - Azure 設定ガイド",
	"#\n"
	"# テナントごとに一度、次の Azure CLI コマンドを実行してください。\n"
	"# アプリケーションの作成と、巡回するサブスクリプションへのロール割り\n"
	"# 当てができる利用者で az login しておきます。cloudpatrol という名前\n"
	"# のサービスプリンシパルを作り、各サブスクリプションにロールを割り当\n"
	"# て、Microsoft Graph でディレクトリ (ユーザー、ゲスト、ロールのメン\n"
	"# バー) を読めるようにします。SUBSCRIPTIONS にサブスクリプション ID\n"
	"# を並べてください。\n",
	"#\n"
	"# 1. 最初のサブスクリプションに組み込みロール (--role) を持つ\n"
	"#    サービスプリンシパルを作ります。クライアントシークレットは本人だけが\n"
	"#    読めるファイル cloudpatrol-secret に書き出します。証明書を使う\n"
	"#    ときは --query password の代わりに --create-cert を付けます。\n"
	"#    書き出される PEM ファイルに鍵と証明書が入っているので、手順 4\n"
	"#    で --certificate-file に渡します。\n",
	"#\n"
	"# 対策あり: Contributor では、ポリシーごとに自動修復を有効にする\n"
	"# と、cloudpatrol が問題のあるネットワークセキュリティグループの\n"
	"# ルールを Deny に変え、仮想マシンの割り当てを解除できます。\n"
	"# cloudpatrol はサブスクリプションごとにロールで何ができるかを確か\n"
	"# め、Reader しかないサブスクリプションは読み取り専用のままにします。\n",
	"#\n"
	"# 3. Microsoft Graph でディレクトリを読む権限 (アプリケーションの\n"
	"#    アクセス許可 Directory.Read.All と AuditLog.Read.All。後者は、\n"
	"#    テナントに Entra ID P1 または P2 のライセンスがあればサインイン\n"
	"#    の記録を読むためのものです)。テナントの管理者が同意します。\n",
	"#\n"
	"# 4. テナントを cloudpatrol に登録します (シークレットは本人だけが\n"
	"#    読めるファイルに置きます)。サービスプリンシパルが届くサブスク\n"
	"#    リプションがそれぞれユニットになります。定期点検は最初は無効\n"
	"#    です: cloudpatrol unit inspect NAME サブスクリプションID on\n",
};

static cp_err
put(const struct cp_text_out *out, const char *s)
{
	return out->write(out, s, strlen(s));
}

cp_err
az_setup_guide(struct azure_plugin *p, const char *variant, const char *lang,
    const struct cp_text_out *out)
{
	const struct guide_text *t;
	const char *role;
	char buf[2048];
	int remediation;
	cp_err r;

	if (variant == NULL || strcmp(variant, "readonly") == 0)
		remediation = 0;
	else if (strcmp(variant, "remediation") == 0)
		remediation = 1;
	else {
		az_log(p, CP_LOG_ERROR, "setup guide: unknown variant '%.64s' "
		    "(readonly or remediation)", variant);
		return CP_E_INVALID;
	}
	t = lang != NULL && strcmp(lang, "ja") == 0 ? &guide_ja : &guide_en;
	role = remediation ? "Contributor" : "Reader";
	snprintf(buf, sizeof(buf), "#!/bin/sh\n");
	if ((r = put(out, buf)) != CP_OK)
		return r;
	snprintf(buf, sizeof(buf), "%s (%s)\n", t->title, remediation ?
	    "remediation" : "readonly");
	if ((r = put(out, buf)) != CP_OK || (r = put(out, t->intro)) != CP_OK)
		return r;
	if (remediation && (r = put(out, t->remediation_note)) != CP_OK)
		return r;
	if ((r = put(out, "set -eu\numask 077\n"
	    "SUBSCRIPTIONS=\"00000000-0000-0000-0000-000000000000\"\n"
	    "FIRST=${SUBSCRIPTIONS%% *}\n")) != CP_OK)
		return r;
	if ((r = put(out, t->role_note)) != CP_OK)
		return r;
	snprintf(buf, sizeof(buf),
	    "az ad sp create-for-rbac --name cloudpatrol --role %s \\\n"
	    "    --scopes \"/subscriptions/$FIRST\" --query password -o tsv \\\n"
	    "    > cloudpatrol-secret\n"
	    "APP_ID=$(az ad sp list --display-name cloudpatrol "
	    "--query \"[0].appId\" -o tsv)\n"
	    "#\n"
	    "# 2.\n"
	    "for SUB in $SUBSCRIPTIONS; do\n"
	    "    az role assignment create --assignee \"$APP_ID\" "
	    "--role %s \\\n"
	    "        --scope \"/subscriptions/$SUB\"\n"
	    "done\n", role, role);
	if ((r = put(out, buf)) != CP_OK || (r = put(out, t->graph_note)) !=
	    CP_OK)
		return r;
	if ((r = put(out,
	    "az ad app permission add --id \"$APP_ID\" \\\n"
	    "    --api 00000003-0000-0000-c000-000000000000 \\\n"
	    "    --api-permissions 7ab1d382-f21e-4acd-a863-ba3e13f7da61=Role "
	    "\\\n"
	    "    b0afded3-3588-46d8-8b3d-9842eff778da=Role\n"
	    "az ad app permission admin-consent --id \"$APP_ID\"\n")) != CP_OK)
		return r;
	if ((r = put(out, t->register_note)) != CP_OK)
		return r;
	return put(out,
	    "TENANT=$(az account show --query tenantId -o tsv)\n"
	    "cloudpatrol env add azure NAME --tenant-id \"$TENANT\" "
	    "--client-id \"$APP_ID\" \\\n"
	    "    --client-secret-file cloudpatrol-secret\n");
}
