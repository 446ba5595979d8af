/*
 * guide.c - setup_guide(): what the customer deploys so that cloudpatrol
 * may read (and, in the remediation variant, close) their AWS account.
 *
 * The whole output is one valid YAML document: a CloudFormation template
 * whose explanation (English or Japanese) is written as comments around
 * it, so that `cloudpatrol env setup-guide aws > role.yaml` can be
 * deployed as it is.  The template uses only the long forms of the
 * intrinsic functions (Ref:, Fn::GetAtt:), which any YAML parser reads.
 */
#include <string.h>

#include "aws.h"

struct guide_text {
	const char *title_readonly;
	const char *title_remediation;
	const char *intro;		/* the role and who may assume it */
	const char *remediation_note;	/* only in the remediation variant */
	const char *steps;		/* deploying and registering */
	const char *register_note;
};

static const struct guide_text guide_en = {
	"# cloudpatrol - AWS setup guide (read-only role)\n",
	"# cloudpatrol - AWS setup guide (role with remediation)\n",
	"#\n"
	"# This file is a CloudFormation template. Deploy it once in each\n"
	"# AWS account cloudpatrol is to patrol. It creates an IAM role that\n"
	"# cloudpatrol assumes with STS AssumeRole:\n"
	"#   - only the principal named in TrustedPrincipalArn (the IAM user\n"
	"#     or role whose keys [plugin:aws] holds) may assume it, and only\n"
	"#     with your ExternalId;\n"
	"#   - the AWS managed policy ReadOnlyAccess lets it read the\n"
	"#     account, and a small inline policy names the reads cloudpatrol\n"
	"#     relies on (credential report, Cost Explorer, Resource\n"
	"#     Explorer, S3 public access settings) so they stay allowed.\n"
	"# Only the remediation variant lets cloudpatrol change anything.\n",
	"#\n"
	"# Remediation: this variant also allows\n"
	"# ec2:RevokeSecurityGroupIngress and ec2:ModifySecurityGroupRules on\n"
	"# the account's security groups, so that cloudpatrol can close (or\n"
	"# narrow) an ingress rule a policy flags, once you switch\n"
	"# remediation on for that policy.\n",
	"#\n"
	"# 1. Choose an ExternalId: a random secret of 2 to 1224 characters,\n"
	"#    for example: openssl rand -hex 24\n"
	"# 2. Deploy this template in the account to patrol:\n"
	"#      aws cloudformation deploy --template-file role.yaml \\\n"
	"#        --stack-name cloudpatrol --capabilities CAPABILITY_IAM \\\n"
	"#        --parameter-overrides ExternalId=YOUR-EXTERNAL-ID \\\n"
	"#        TrustedPrincipalArn=arn:aws:iam::111122223333:user/cp\n"
	"# 3. Read the role's ARN from the stack's output RoleArn:\n"
	"#      aws cloudformation describe-stacks \\\n"
	"#        --stack-name cloudpatrol --query \"Stacks[0].Outputs\"\n",
	"#\n"
	"# 4. Register the account with cloudpatrol:\n"
	"#      cloudpatrol env add aws NAME --role-arn ROLE-ARN \\\n"
	"#        --external-id YOUR-EXTERNAL-ID\n"
	"#    cloudpatrol checks the role at once and says whether it may\n"
	"#    remediate.\n",
};

static const struct guide_text guide_ja = {
	"# cloudpatrol - AWS 設定ガイド（読み取り専用ロール）\n",
	"# cloudpatrol - AWS 設定ガイド（修復権限つきロール）\n",
	"#\n"
	"# このファイルは CloudFormation テンプレートです。\n"
	"# cloudpatrol で巡回する AWS アカウントごとに一度デプロイして\n"
	"# ください。cloudpatrol が STS AssumeRole で引き受ける IAM\n"
	"# ロールを作成します。\n"
	"#   - 引き受けられるのは TrustedPrincipalArn に指定した\n"
	"#     プリンシパル（[plugin:aws] のキーの IAM ユーザーまたは\n"
	"#     ロール）だけで、ExternalId が一致した場合に限ります。\n"
	"#   - AWS 管理ポリシー ReadOnlyAccess でアカウントを読み取り\n"
	"#     ます。cloudpatrol が使う読み取り（認証情報レポート、\n"
	"#     Cost Explorer、Resource Explorer、S3 のパブリック\n"
	"#     アクセス設定）はインラインポリシーでも明示しています。\n"
	"# 修復用のテンプレートでない限り、何も変更しません。\n",
	"#\n"
	"# 修復: このテンプレートはさらに、アカウントのセキュリティ\n"
	"# グループに対する ec2:RevokeSecurityGroupIngress と\n"
	"# ec2:ModifySecurityGroupRules を許可します。修復を有効にした\n"
	"# ポリシーが検出したインバウンドルールを、cloudpatrol が削除\n"
	"# （または送信元を絞り込み）できるようになります。\n",
	"#\n"
	"# 1. ExternalId を決めます（2〜1224 文字のランダムな秘密）。\n"
	"#    例: openssl rand -hex 24\n"
	"# 2. 巡回するアカウントでこのテンプレートをデプロイします。\n"
	"#      aws cloudformation deploy --template-file role.yaml \\\n"
	"#        --stack-name cloudpatrol --capabilities CAPABILITY_IAM \\\n"
	"#        --parameter-overrides ExternalId=YOUR-EXTERNAL-ID \\\n"
	"#        TrustedPrincipalArn=arn:aws:iam::111122223333:user/cp\n"
	"# 3. スタックの出力 RoleArn からロールの ARN を確かめます。\n"
	"#      aws cloudformation describe-stacks \\\n"
	"#        --stack-name cloudpatrol --query \"Stacks[0].Outputs\"\n",
	"#\n"
	"# 4. cloudpatrol にアカウントを登録します。\n"
	"#      cloudpatrol env add aws NAME --role-arn ROLE-ARN \\\n"
	"#        --external-id YOUR-EXTERNAL-ID\n"
	"#    登録時にロールを確かめ、修復できるかどうかを表示します。\n",
};

static const char guide_template_readonly[] =
	"\n"
	"AWSTemplateFormatVersion: \"2010-09-09\"\n"
	"Description: cloudpatrol audit role (read-only)\n";

static const char guide_template_remediating[] =
	"\n"
	"AWSTemplateFormatVersion: \"2010-09-09\"\n"
	"Description: cloudpatrol audit role (remediation)\n";

static const char guide_template_head[] =
	"Parameters:\n"
	"  ExternalId:\n"
	"    Type: String\n"
	"    NoEcho: true\n"
	"    MinLength: 2\n"
	"    MaxLength: 1224\n"
	"    AllowedPattern: \"[\\\\w+=,.@:/-]*\"\n"
	"    Description: The secret cloudpatrol presents to assume the role.\n"
	"  TrustedPrincipalArn:\n"
	"    Type: String\n"
	"    AllowedPattern: "
	"\"arn:aws[a-z-]*:iam::[0-9]{12}:(root|user/.+|role/.+)\"\n"
	"    Description: The IAM user or role whose keys cloudpatrol uses.\n"
	"Resources:\n"
	"  CloudPatrolRole:\n"
	"    Type: AWS::IAM::Role\n"
	"    Properties:\n"
	"      Description: Assumed by cloudpatrol to patrol this account.\n"
	"      MaxSessionDuration: 3600\n"
	"      AssumeRolePolicyDocument:\n"
	"        Version: \"2012-10-17\"\n"
	"        Statement:\n"
	"          - Effect: Allow\n"
	"            Principal:\n"
	"              AWS:\n"
	"                Ref: TrustedPrincipalArn\n"
	"            Action: \"sts:AssumeRole\"\n"
	"            Condition:\n"
	"              StringEquals:\n"
	"                \"sts:ExternalId\":\n"
	"                  Ref: ExternalId\n"
	"      ManagedPolicyArns:\n"
	"        - \"arn:aws:iam::aws:policy/ReadOnlyAccess\"\n"
	"      Policies:\n"
	"        - PolicyName: cloudpatrol-read\n"
	"          PolicyDocument:\n"
	"            Version: \"2012-10-17\"\n"
	"            Statement:\n"
	"              - Sid: CloudPatrolReads\n"
	"                Effect: Allow\n"
	"                Action:\n"
	"                  - \"ce:GetCostAndUsage\"\n"
	"                  - \"iam:GenerateCredentialReport\"\n"
	"                  - \"iam:GetCredentialReport\"\n"
	"                  - \"resource-explorer-2:ListIndexes\"\n"
	"                  - \"resource-explorer-2:Search\"\n"
	"                  - \"s3:GetAccountPublicAccessBlock\"\n"
	"                  - \"s3:GetBucketPolicyStatus\"\n"
	"                  - \"s3:GetBucketPublicAccessBlock\"\n"
	"                Resource: \"*\"\n";

static const char guide_template_remediation[] =
	"        - PolicyName: cloudpatrol-remediation\n"
	"          PolicyDocument:\n"
	"            Version: \"2012-10-17\"\n"
	"            Statement:\n"
	"              - Sid: CloudPatrolCloseIngress\n"
	"                Effect: Allow\n"
	"                Action:\n"
	"                  - \"ec2:RevokeSecurityGroupIngress\"\n"
	"                  - \"ec2:ModifySecurityGroupRules\"\n"
	"                Resource:\n"
	"                  - Fn::Sub: \"arn:${AWS::Partition}:ec2:*:"
	"${AWS::AccountId}:security-group/*\"\n"
	"                  - Fn::Sub: \"arn:${AWS::Partition}:ec2:*:"
	"${AWS::AccountId}:security-group-rule/*\"\n"
	"              - Sid: CloudPatrolReadRules\n"
	"                Effect: Allow\n"
	"                Action:\n"
	"                  - \"ec2:DescribeSecurityGroupRules\"\n"
	"                Resource: \"*\"\n";

static const char guide_template_tail[] =
	"Outputs:\n"
	"  RoleArn:\n"
	"    Description: The ARN for cloudpatrol env add aws --role-arn.\n"
	"    Value:\n"
	"      Fn::GetAtt:\n"
	"        - CloudPatrolRole\n"
	"        - Arn\n";

static cp_err
guide_put(const struct cp_text_out *out, const char *s)
{
	return out->write(out, s, strlen(s));
}

cp_err
aws_setup_guide(struct aws_plugin *p, const char *variant,
    const char *lang, const struct cp_text_out *out)
{
	const struct guide_text *t;
	int remediation;
	cp_err r;

	if (variant == NULL || strcmp(variant, "readonly") == 0)
		remediation = 0;
	else if (strcmp(variant, "remediation") == 0)
		remediation = 1;
	else {
		aws_log(p, CP_LOG_ERROR, "setup guide: unknown variant '%.64s' "
		    "(readonly or remediation)", variant);
		return CP_E_INVALID;
	}
	t = lang != NULL && strcmp(lang, "ja") == 0 ? &guide_ja : &guide_en;
	if ((r = guide_put(out, remediation ? t->title_remediation :
	    t->title_readonly)) != CP_OK ||
	    (r = guide_put(out, t->intro)) != CP_OK ||
	    (remediation && (r = guide_put(out, t->remediation_note)) !=
	    CP_OK) ||
	    (r = guide_put(out, t->steps)) != CP_OK ||
	    (r = guide_put(out, remediation ? guide_template_remediating :
	    guide_template_readonly)) != CP_OK ||
	    (r = guide_put(out, guide_template_head)) != CP_OK ||
	    (remediation && (r = guide_put(out,
	    guide_template_remediation)) != CP_OK) ||
	    (r = guide_put(out, guide_template_tail)) != CP_OK ||
	    (r = guide_put(out, t->register_note)) != CP_OK)
		return r;
	return CP_OK;
}
