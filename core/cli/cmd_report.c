/*
 * cmd_report.c - "cloudpatrol report NAME ...": reports written to a file
 * (through a temporary name, so a failed report never leaves half a file)
 * as CSV or through a report writer plugin (XLSX).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "report/run.h"

static int
report_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol [-p PORTAL] [--lang ja|en] report NAME\n"
	    "           [[--env ENV] [--unit UNIT] | --all] [--format csv|xlsx] "
	    "[--no-bom]\n           [--target T] [--lang ja|en] -o FILE\n"
	    "Reports:\n"
	    "  risk --variant A|B   risk diagnosis: A lists the risks present "
	    "now, B adds the\n"
	    "                       notifications and remediations of the last "
	    "30 days\n"
	    "  audit [--framework ID] [--level 1|2]\n"
	    "                       CIS audit per framework requirement and "
	    "resource, with the\n"
	    "                       steps to comply for the non-compliant ones; "
	    "every framework\n"
	    "                       of the unit's cloud unless --framework; "
	    "--level 1 audits the\n"
	    "                       Level 1 requirements only, --level 2 (the "
	    "default) both\n"
	    "  assets               cloud asset ledger: resources with public "
	    "addresses (A), their\n"
	    "                       private addresses, and private-only or "
	    "possibly public\n"
	    "                       ones (B), with the reason\n"
	    "  accounts             account ledger: users, MFA, password, "
	    "access keys (AWS\n"
	    "                       IAM and root; one sheet per cloud)\n"
	    "  resources            resource list (AWS: Resource Explorer, "
	    "else the inventory)\n"
	    "  asm [--target T]     attack surface: per target (added, or derived "
	    "from the\n"
	    "                       snapshots) and open port, the latest scan's "
	    "service,\n"
	    "                       banner, HTTP and TLS facts and CPE, with the "
	    "CVEs of\n"
	    "                       the vulnerability cache (CVSS, severity, "
	    "EPSS, KEV,\n"
	    "                       JVN; offline, see 'cloudpatrol vuln "
	    "import');\n"
	    "                       --target T: that target only, else all "
	    "targets\n"
	    "  bulk                 every report above for every environment, "
	    "one sheet each\n"
	    "                       (xlsx); the ASM sheet only when the portal "
	    "has scans\n"
	    "The summary gives the scores per unit: pass / (fail + pass), where "
	    "a policy\nwith no target counts as a pass; for an audit, compliant "
	    "/ (non-compliant +\ncompliant). The format comes from --format, "
	    "else from the name of FILE (.xlsx:\nxlsx, else csv). CSV is UTF-8 "
	    "with a byte order mark (--no-bom leaves it out),\nits summary "
	    "last; XLSX needs the report-xlsx plugin and puts the summary "
	    "first.\nCells that start like a formula are neutralised. -o - "
	    "writes CSV to standard\noutput. Without --env or --unit, every "
	    "unit of the portal; --unit alone names a\nunit of one "
	    "environment.\n"
	    "Asset ledger categories (AWS, from the latest snapshot):\n"
	    "  A: public           a public IPv4 on an instance or network "
	    "interface (its\n"
	    "                      own or an Elastic IP), IPv6 in a subnet "
	    "routing ::/0 to an\n"
	    "                      internet gateway, an Elastic IP on nothing "
	    "listed, an\n"
	    "                      internet-facing load balancer, a publicly "
	    "accessible RDS\n"
	    "                      instance whose subnets route to an internet "
	    "gateway\n"
	    "  B: possibly public  no public address, but the subnet routes "
	    "0.0.0.0/0 to an\n"
	    "                      internet gateway (or its routes are "
	    "unknown); a publicly\n"
	    "                      accessible RDS instance without such a "
	    "route; a load\n"
	    "                      balancer of unknown scheme\n"
	    "  B: private only     none of the above (internal load balancers, "
	    "private RDS)\n"
	    "Azure: public IP address resources only: A with an address, else "
	    "B: possibly\npublic. The public addresses and DNS names of A become "
	    "ASM targets\n('cloudpatrol asm target list').\n",
	    "使い方: cloudpatrol [-p PORTAL] [--lang ja|en] report NAME\n"
	    "            [[--env ENV] [--unit UNIT] | --all] [--format csv|xlsx] "
	    "[--no-bom]\n            [--target T] [--lang ja|en] -o FILE\n"
	    "レポート:\n"
	    "  risk --variant A|B   リスク診断レポート。A は現在のリスク、B は"
	    "それに過去 30 日の\n"
	    "                       通知・修復履歴を加えます\n"
	    "  audit [--framework ID] [--level 1|2]\n"
	    "                       CIS 準拠監査。要件とリソースごとの状態と、"
	    "非準拠の要件には\n"
	    "                       準拠するための手順を出力します。--framework "
	    "がなければ\n"
	    "                       ユニットのクラウドの全フレームワーク。--level 1 "
	    "はレベル 1 の\n"
	    "                       要件のみ、--level 2 (既定) は両方を監査します"
	    "\n"
	    "  assets               資産台帳。パブリックアドレスを持つリソース "
	    "(A) とその\n"
	    "                       プライベートアドレス、プライベートのみ・公開の"
	    "可能性がある\n"
	    "                       リソース (B) を判定理由とともに一覧します\n"
	    "  accounts             アカウント台帳。ユーザー、MFA、パスワード、"
	    "アクセスキー\n"
	    "                       (AWS IAM とルート。クラウドごとに 1 シート)\n"
	    "  resources            リソース一覧 (AWS は Resource Explorer、"
	    "なければインベントリ)\n"
	    "  asm [--target T]     アタックサーフェス。対象 (追加したもの、"
	    "スナップショットから\n"
	    "                       導出したもの) と開いているポートごとに、"
	    "最新のスキャンの\n"
	    "                       サービス、バナー、HTTP・TLS の情報と CPE、"
	    "脆弱性キャッシュの\n"
	    "                       CVE (CVSS、深刻度、EPSS、KEV、JVN) を"
	    "出力します\n"
	    "                       (オフライン。'cloudpatrol vuln import' を"
	    "参照)。\n"
	    "                       --target T でその対象のみ、なければ全対象\n"
	    "  bulk                 上のすべてのレポートを全環境について 1 シート"
	    "ずつ (xlsx)。\n"
	    "                       ASM のシートはスキャン結果があるときのみ\n"
	    "サマリーはユニットごとのスコア (合格 / (不合格 + 合格)、診断対象なし"
	    "は合格。監査は\n準拠 / (非準拠 + 準拠)) です。形式は --format、"
	    "なければ FILE の名前で決まります\n(.xlsx なら xlsx、それ以外は "
	    "csv)。CSV は BOM 付き UTF-8 (--no-bom で BOM なし) で、\n"
	    "サマリーは末尾です。XLSX には report-xlsx プラグインが必要で、"
	    "サマリーは先頭の\nシートです。数式として解釈されうるセルは無害化"
	    "します。-o - で CSV を標準出力に\n書き出します。--env も --unit "
	    "もなければポータルの全ユニット、--unit だけのときは\n1 つの環境の"
	    "ユニットを指します。\n"
	    "資産台帳の区分 (AWS、最新のスナップショットより):\n"
	    "  A: 公開              インスタンスまたはネットワークインター"
	    "フェースのパブリック\n"
	    "                       IPv4 (自動割り当てまたは Elastic IP)、"
	    "::/0 をインターネット\n"
	    "                       ゲートウェイへ向けるサブネットの IPv6、"
	    "どこにも関連付けられて\n"
	    "                       いない Elastic IP、internet-facing の"
	    "ロードバランサー、\n"
	    "                       サブネットがインターネットゲートウェイへ"
	    "ルートを持つパブリック\n"
	    "                       アクセス可能な RDS\n"
	    "  B: 公開の可能性あり  パブリックアドレスはないがサブネットが "
	    "0.0.0.0/0 をインター\n"
	    "                       ネットゲートウェイへ向けている (またはルート"
	    "不明)、そのような\n"
	    "                       ルートのないパブリックアクセス可能な RDS、"
	    "スキーム不明の\n"
	    "                       ロードバランサー\n"
	    "  B: 非公開            上記以外 (internal のロードバランサー、"
	    "非公開の RDS など)\n"
	    "Azure はパブリック IP アドレスリソースのみが対象です。アドレスが"
	    "あれば A、\nなければ B: 公開の可能性あり。A のパブリックアドレスと "
	    "DNS 名は ASM の\nターゲットになります ('cloudpatrol asm target "
	    "list')。\n"));
	return CLI_OK;
}

/* The signal that interrupted the report (SIGINT, SIGTERM), or 0. */
static volatile sig_atomic_t report_signal;

static void
on_signal(int sig)
{
	report_signal = sig;
}

/*
 * SIGINT and SIGTERM end the report at its next row, so that its
 * temporary file is removed; the signal is raised again afterwards.
 */
static void
catch_signals(int on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on ? on_signal : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* A progress bar on a terminal. */
static void
progress(void *ud, size_t done, size_t total)
{
	size_t width = 40, fill;

	(void)ud;
	if (total == 0)
		return;
	fill = done * width / total;
	fprintf(stderr, "\r[%-*.*s] %zu/%zu", (int)width, (int)fill,
	    "########################################", done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Usage error naming the frameworks that did load. */
static int
unknown_framework(struct cli *cli, const cp_framework_set *set,
    const char *id)
{
	char known[1024];
	size_t i, len = 0;

	known[0] = '\0';
	for (i = 0; i < cp_framework_set_count(set) && len < sizeof(known);
	    i++)
		len += (size_t)snprintf(known + len, sizeof(known) - len,
		    "%s%s", i > 0 ? ", " : "", cp_framework_set_at(set, i)->id);
	return cli_usage(cli, "report", "unknown framework '%s' (known: %s)",
	    id, len > 0 ? known : "none");
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

int
cli_cmd_report(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "variant", required_argument, NULL, 'v' },
		{ "framework", required_argument, NULL, 'F' },
		{ "level", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "env", required_argument, NULL, 'e' },
		{ "unit", required_argument, NULL, 'u' },
		{ "target", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "lang", required_argument, NULL, 'g' },
		{ "no-bom", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cp_report_job j;
	struct cp_report_result res;
	struct cp_portal portal;
	const char *name;
	char why[1024];
	int c, rc, all = 0;
	cp_err r;

	if (argc < 2 || cli_is_help(argv[1]))
		return argc < 2 ? cli_usage(cli, "report", "report needs a "
		    "name: risk, audit, assets, accounts, resources, asm, bulk") :
		    report_help(cli);
	name = argv[1];
	if (!cp_report_known(name))
		return cli_usage(cli, "report", "unknown report '%s' (known: "
		    "risk, audit, assets, accounts, resources, bulk)", name);
	memset(&j, 0, sizeof(j));
	j.name = name;
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return report_help(cli);
		case 'v':
			if (strcmp(optarg, "A") != 0 &&
			    strcmp(optarg, "B") != 0)
				return cli_usage(cli, "report", "--variant "
				    "takes A or B, not '%s'", optarg);
			j.variant = optarg[0];
			break;
		case 'F':
			j.framework = optarg;
			break;
		case 'l':
			if (strcmp(optarg, "1") != 0 &&
			    strcmp(optarg, "2") != 0)
				return cli_usage(cli, "report", "--level "
				    "takes 1 or 2, not '%s'", optarg);
			j.level = optarg[0] - '0';
			break;
		case 'f':
			if (strcmp(optarg, "csv") != 0 &&
			    strcmp(optarg, "xlsx") != 0)
				return cli_usage(cli, "report", "--format "
				    "takes csv or xlsx, not '%s'", optarg);
			j.format = optarg;
			break;
		case 'e':
			j.env = optarg;
			break;
		case 'u':
			j.unit = optarg;
			break;
		case 't':
			j.target = optarg;
			break;
		case 'a':
			all = 1;
			break;
		case 'g':
			/* Also after the command, as report jobs are written. */
			if (strcmp(optarg, "ja") != 0 &&
			    strcmp(optarg, "en") != 0)
				return cli_usage(cli, "report", "--lang takes "
				    "ja or en, not '%s'", optarg);
			cli->lang = optarg;
			break;
		case 'B':
			j.flags |= CP_REPORT_NO_BOM;
			break;
		case 'o':
			j.path = optarg;
			break;
		default:
			return cli_bad_option(cli, "report", c, argv);
		}
	}
	if (optind != argc)
		return cli_usage(cli, "report", "unexpected argument '%s'",
		    argv[optind]);
	if (strcmp(name, "risk") == 0 && j.variant == 0)
		return cli_usage(cli, "report", "report risk needs --variant "
		    "A or B");
	if (strcmp(name, "risk") != 0 && j.variant != 0)
		return cli_usage(cli, "report", "--variant is for report "
		    "risk");
	if (strcmp(name, "audit") != 0 && (j.framework != NULL ||
	    j.level != 0))
		return cli_usage(cli, "report", "--framework and --level are "
		    "for report audit");
	if (strcmp(name, "asm") != 0 && j.target != NULL)
		return cli_usage(cli, "report", "--target is for report asm");
	if (strcmp(name, "asm") == 0 && (j.env != NULL || j.unit != NULL ||
	    all))
		return cli_usage(cli, "report", "report asm is per portal: "
		    "--target T instead of --env, --unit, --all");
	if (j.path == NULL)
		return cli_usage(cli, "report", "report %s needs -o FILE%s",
		    name, strcmp(name, "bulk") == 0 ? "" :
		    " (- for standard output)");
	if (all && (j.env != NULL || j.unit != NULL))
		return cli_usage(cli, "report", "--all excludes --env and "
		    "--unit");
	if (j.format == NULL)
		j.format = ends_with(j.path, ".xlsx") ? "xlsx" : "csv";
	if (strcmp(name, "bulk") == 0) {
		if (strcmp(j.format, "xlsx") != 0)
			return cli_usage(cli, "report", "report bulk writes "
			    "one workbook: give -o FILE.xlsx");
		if (j.env != NULL)
			return cli_usage(cli, "report", "report bulk covers "
			    "every environment: no --env");
	}
	if (strcmp(j.path, "-") == 0 && strcmp(j.format, "csv") != 0)
		return cli_usage(cli, "report", "only CSV goes to standard "
		    "output: give -o FILE.%s", j.format);
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	j.lang = cli_text(cli, "en", "ja");
	j.store = cli->store;
	j.portal = &portal;
	j.policies = cli_policies(cli);
	j.frameworks = cli_frameworks(cli);
	if (j.policies == NULL || j.frameworks == NULL)
		return CLI_ERROR;
	if (j.framework != NULL &&
	    cp_framework_set_find(j.frameworks, j.framework) == NULL)
		return unknown_framework(cli, j.frameworks, j.framework);
	j.plugins = strcmp(j.format, "csv") != 0 ? cli_plugins(cli) : NULL;
	if (strcmp(j.format, "csv") != 0 && j.plugins == NULL)
		return CLI_ERROR;
	j.state_dir = cp_core_config(cli->core)->state_dir;
	j.geoip = cli_geoip(cli);
	j.log = cp_core_log(cli->core);
	if (isatty(STDERR_FILENO) && !cli->json && strcmp(j.path, "-") != 0)
		j.progress = progress;
	j.cancel = &report_signal;
	catch_signals(1);
	r = cp_report_run(&j, &res, why, sizeof(why));
	catch_signals(0);
	if (report_signal != 0) {
		fprintf(stderr, "%s", cli_text(cli, "cloudpatrol: report "
		    "interrupted: no file written\n", "cloudpatrol: レポートを"
		    "中断しました。ファイルは書き出していません\n"));
		raise(report_signal);
		return CLI_ERROR;
	}
	if (r != CP_OK)
		return cli_error(cli, "report %s: %s", name, why[0] != '\0' ?
		    why : cp_strerror(r));
	if (res.shortened > 0)
		fprintf(stderr, cli_text(cli, "cloudpatrol: report %s: %zu "
		    "cell(s) longer than 32,767 characters were shortened "
		    "(Excel's limit; CSV keeps them whole)\n",
		    "cloudpatrol: report %s: 32,767 文字を超える %zu 個のセルを"
		    "短縮しました (Excel の上限。CSV は全文を保持します)\n"),
		    name, res.shortened);
	if (res.repaired > 0)
		fprintf(stderr, cli_text(cli, "cloudpatrol: report %s: %zu "
		    "cell(s) were not valid UTF-8 (shown with U+FFFD)\n",
		    "cloudpatrol: report %s: UTF-8 として正しくない %zu 個のセル"
		    "を U+FFFD で置き換えました\n"), name, res.repaired);
	if (strcmp(j.path, "-") == 0)
		return CLI_OK;
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:s, s:I, s:I, s:I}",
		    "file", j.path, "format", j.format, "units",
		    (json_int_t)res.units, "rows", (json_int_t)res.rows,
		    "shortened", (json_int_t)res.shortened));
	if (strcmp(name, "asm") == 0)	/* per target, not per unit */
		printf(cli_text(cli, "wrote %s (%zu row(s))\n",
		    "%s を書き出しました (%zu 行)\n"), j.path, res.rows);
	else
		printf(cli_text(cli, "wrote %s (%zu unit(s))\n",
		    "%s を書き出しました (ユニット %zu 件)\n"), j.path,
		    res.units);
	return CLI_OK;
}
