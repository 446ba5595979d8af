/*
 * cmd_config.c - "cloudpatrol config check [FILE]": reads the file as the
 * daemon would, loads the plugins to check their sections against their
 * schemas, and reports every problem as "file:line: message".
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int
config_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol [--json] config check [FILE]\n"
	    "Checks FILE (default: the file the search order picks: "
	    "--config,\n$CLOUDPATROL_CONFIG, then the system one) and the "
	    "[plugin:NAME] sections\nagainst the loaded plugins. Every "
	    "problem is printed as file:line: message.\n"
	    "Exit status: 0 no problem, 1 problems found, 2 usage error.\n",
	    "使い方: cloudpatrol [--json] config check [FILE]\n"
	    "FILE (省略時は --config、$CLOUDPATROL_CONFIG、システムの設定の"
	    "順で選ばれる\nファイル) と [plugin:NAME] セクションを、読み込んだ"
	    "プラグインに照らして検査し、\n問題を file:line: message の形で"
	    "すべて表示します。\n"
	    "終了コード: 問題なしで 0、問題ありで 1、使い方の誤りで 2。\n"));
	return CLI_OK;
}

int
cli_cmd_config(struct cli *cli, int argc, char **argv)
{
	struct cp_diag diag;
	cp_registry *reg;
	const char *file;
	json_t *problems;
	size_t i;
	cp_err r;
	int rc;

	if (argc < 2)
		return cli_usage(cli, "config", "config needs check");
	if (cli_is_help(argv[1]) || (argc > 2 && cli_is_help(argv[2])))
		return config_help(cli);
	if (strcmp(argv[1], "check") != 0)
		return cli_usage(cli, "config", "unknown config command '%s'",
		    argv[1]);
	if (argc > 3)
		return cli_usage(cli, "config", "config check takes at most "
		    "one FILE");
	if (argc == 3)
		cli->config_path = argv[2];
	file = cp_config_find(cli->config_path);
	cp_diag_init(&diag);
	r = cp_core_create(cli->config_path, &diag, &cli->core);
	if (r == CP_OK)
		r = cp_core_plugins(cli->core, &diag, &reg);
	rc = r == CP_OK && diag.errors == 0 ? CLI_OK : CLI_ERROR;
	if (cli->json) {
		problems = json_array();
		for (i = 0; problems != NULL && i < diag.n; i++)
			json_array_append_new(problems,
			    json_string(diag.lines[i]));
		cp_diag_free(&diag);
		if (cli_print_json(json_pack("{s:s?, s:b, s:o*}", "file",
		    file, "ok", rc == CLI_OK, "problems", problems)) !=
		    CLI_OK)
			return CLI_ERROR;
		return rc;
	}
	for (i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.lines[i]);
	cp_diag_free(&diag);
	if (rc == CLI_OK)
		printf(cli_text(cli, "%s: ok\n", "%s: 問題なし\n"),
		    file != NULL ? file : cli_text(cli, "built-in defaults",
			"組み込みの既定値"));
	else if (r != CP_OK && r != CP_E_CONFIG)
		fprintf(stderr, "%s: %s\n", cli->prog, cp_strerror(r));
	return rc;
}
