/*
 * main.c - the cloudpatrol executable: global options, then one command.
 */
#include <config.h>

#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cli_command commands[] = {
	{ "version", cli_cmd_version, "print the version and the plugin ABI",
	    "バージョンとプラグイン ABI を表示" },
	{ "plugins", cli_cmd_plugins, "list plugins, and the refused ones",
	    "プラグインの一覧 (拒否されたものも)" },
	{ "portal", cli_cmd_portal, "add, list or remove portals (tenants)",
	    "ポータル (テナント) の追加・一覧・削除" },
	{ "env", cli_cmd_env, "register and manage cloud environments",
	    "クラウド環境の登録と管理" },
	{ "unit", cli_cmd_unit, "list units, switch periodic inspection",
	    "ユニットの一覧と定期診断の切り替え" },
	{ "inspect", cli_cmd_inspect, "collect, evaluate and act, once",
	    "収集・評価・対処を 1 回実行" },
	{ "findings", cli_cmd_findings, "list the risks found",
	    "検出されたリスクの一覧" },
	{ "history", cli_cmd_history, "notifications and remediations",
	    "通知と対策の履歴" },
	{ "exclude", cli_cmd_exclude, "exclude resources from inspection",
	    "リソースを診断対象から除外" },
	{ "policy", cli_cmd_policy, "list policies, change their settings",
	    "ポリシーの一覧と設定変更" },
	{ "report", cli_cmd_report, "write reports (CSV, XLSX)",
	    "レポートの出力 (CSV、XLSX)" },
	{ "dest", cli_cmd_dest, "notification destinations",
	    "通知先の管理" },
	{ "notify", cli_cmd_notify, "send notices now, the patrol report",
	    "通知の送信とパトロール日報" },
	{ "outbox", cli_cmd_outbox, "queued notices and their deliveries",
	    "通知と配信の状況" },
	{ "status", cli_cmd_status, "health: failed inspections, deliveries",
	    "稼働状況: 失敗した診断・配信" },
	{ "asm", cli_cmd_asm, "attack surface: targets, active scans",
	    "攻撃対象領域: ターゲットとアクティブスキャン" },
	{ "daemon", cli_cmd_daemon, "run the jobs on schedule (the patrol)",
	    "ジョブを予定どおり実行 (巡回デーモン)" },
	{ "demo", cli_cmd_demo, "a whole patrol of a fake cloud, locally",
	    "疑似クラウドでパトロール全体を体験 (ローカル)" },
	{ "config", cli_cmd_config, "check the configuration file",
	    "設定ファイルの検査" },
	{ "vuln", cli_cmd_vuln, "CVE, CVSS, EPSS, KEV and JVN by CPE name",
	    "CPE 名から CVE・CVSS・EPSS・KEV・JVN を調べる" },
};

static void
usage(struct cli *cli, FILE *fp)
{
	size_t i;

	fprintf(fp, "%s",
	    cli_text(cli,
		"Usage: cloudpatrol [OPTIONS] COMMAND [ARGS]\n"
		"A self-hosted security patrol for Azure, AWS, Google Cloud "
		"and OCI.\n\n"
		"Options:\n"
		"  -c, --config FILE   configuration file (else "
		"$CLOUDPATROL_CONFIG,\n"
		"                      then the system one, then built-in "
		"defaults)\n"
		"  -p, --portal NAME   the portal to work on\n"
		"      --json          machine-readable output\n"
		"      --lang ja|en    language of the output\n"
		"  -h, --help          this help\n\n"
		"Commands:\n",
		"使い方: cloudpatrol [オプション] コマンド [引数]\n"
		"Azure・AWS・Google Cloud・OCI のセキュリティ巡回 "
		"(セルフホスト版)\n\n"
		"オプション:\n"
		"  -c, --config FILE   設定ファイル (省略時は "
		"$CLOUDPATROL_CONFIG、\n"
		"                      システムの設定、組み込みの既定値の"
		"順)\n"
		"  -p, --portal NAME   対象のポータル\n"
		"      --json          機械可読な出力\n"
		"      --lang ja|en    出力の言語\n"
		"  -h, --help          このヘルプ\n\n"
		"コマンド:\n"));
	for (i = 0; i < CP_ARRAY_LEN(commands); i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name,
		    cli_text(cli, commands[i].summary_en,
			commands[i].summary_ja));
	fprintf(fp, "%s", cli_text(cli,
	    "\n'cloudpatrol COMMAND --help' describes a command.\n"
	    "Exit status: 0 ok, 1 error, 2 usage error.\n",
	    "\n'cloudpatrol コマンド --help' で各コマンドの説明を表示します。\n"
	    "終了コード: 0 成功、1 エラー、2 使い方の誤り。\n"));
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "portal", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli cli;
	const char *cmd;
	size_t i;
	int c, rc, first;

	setlocale(LC_ALL, "");
	/* A file over the size limit is a write error to report (and a
	 * temporary file to remove), not a signal that kills us. */
	signal(SIGXFSZ, SIG_IGN);
	memset(&cli, 0, sizeof(cli));
	cli.prog = "cloudpatrol";
	cp_diag_init(&cli.diag);
	/* '+': stop at the command; its own options are its own.  ':' and
	 * opterr = 0: every option error is ours to word. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:c:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'p':
			cli.portal = optarg;
			break;
		case 'j':
			cli.json = 1;
			break;
		case 'l':
			if (strcmp(optarg, "ja") != 0 &&
			    strcmp(optarg, "en") != 0)
				return cli_usage(&cli, NULL,
				    "--lang takes ja or en, not '%s'", optarg);
			cli.lang = optarg;
			break;
		case 'h':
			usage(&cli, stdout);
			return CLI_OK;
		case 'V':
			return cli_cmd_version(&cli, 0, NULL);
		default:
			return cli_bad_option(&cli, NULL, c, argv);
		}
	}
	if (optind >= argc) {
		usage(&cli, stderr);
		return CLI_USAGE;
	}
	cmd = argv[optind];
	for (i = 0; i < CP_ARRAY_LEN(commands); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			break;
	if (i == CP_ARRAY_LEN(commands))
		return cli_usage(&cli, NULL, "unknown command '%s'", cmd);
	if (cp_core_global_init() != CP_OK) {
		fprintf(stderr, "cloudpatrol: cannot initialise libraries\n");
		return CLI_ERROR;
	}
	/* The command sees argv starting at its own name; getopt_long is
	 * reset for its own options. */
	first = optind;
	optind = 0;
	rc = commands[i].run(&cli, argc - first, argv + first);
	cli_cleanup(&cli);
	cp_core_global_cleanup();
	return rc;
}
