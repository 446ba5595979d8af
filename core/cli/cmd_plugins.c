/*
 * cmd_plugins.c - "cloudpatrol plugins": what was loaded, from where, with
 * which ABI and capabilities, and what was refused and why.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* "cloud,notifier" from a capability bit set. */
static void
caps_text(unsigned caps, char *buf, size_t n)
{
	int k;

	buf[0] = '\0';
	for (k = CP_CAP_CLOUD; k <= CP_CAP_POLICY; k++) {
		if ((caps & (1u << k)) == 0)
			continue;
		if (buf[0] != '\0')
			strncat(buf, ",", n - strlen(buf) - 1);
		strncat(buf, cp_cap_kind_name(k), n - strlen(buf) - 1);
	}
	if (buf[0] == '\0')
		cp_strlcpy(buf, "-", n);
}

static const char *
status_text(struct cli *cli, const struct cp_plugin_info *pi)
{
	if (pi->initialised)
		return cli_text(cli, "running", "稼働中");
	if (!pi->enabled && pi->problem == NULL)
		return cli_text(cli, "disabled", "無効");
	return cli_text(cli, "not running", "停止");
}

static int
print_json(struct cli *cli, cp_registry *reg)
{
	json_t *root, *list, *refused;
	size_t i, n = cp_registry_count(reg);
	char abi[32];

	root = json_object();
	list = json_array();
	refused = json_array();
	if (root == NULL || list == NULL || refused == NULL) {
		json_decref(root);
		json_decref(list);
		json_decref(refused);
		return cli_print_json(NULL);
	}
	json_object_set_new(root, "plugins", list);
	json_object_set_new(root, "refused", refused);
	for (i = 0; i < n; i++) {
		struct cp_plugin_info pi;
		json_t *caps_a = json_array();
		int k;

		if (cp_registry_info(reg, i, &pi) != CP_OK)
			continue;
		for (k = CP_CAP_CLOUD; k <= CP_CAP_POLICY; k++)
			if ((pi.caps & (1u << k)) != 0)
				json_array_append_new(caps_a,
				    json_string(cp_cap_kind_name(k)));
		snprintf(abi, sizeof(abi), "%u.%u", pi.abi_major,
		    pi.abi_minor);
		json_array_append_new(list, json_pack(
		    "{s:s, s:s?, s:s, s:s?, s:s, s:s, s:o, s:b, s:b, s:s?}",
		    "name", pi.name, "instance", pi.instance,
		    "version", pi.version, "description", pi.description,
		    "file", pi.file, "abi", abi,
		    "capabilities", caps_a, "enabled", pi.enabled,
		    "running", pi.initialised, "problem", pi.problem));
	}
	for (i = 0; i < cp_registry_refused_count(reg); i++) {
		const char *file, *reason;

		if (cp_registry_refused(reg, i, &file, &reason) == CP_OK)
			json_array_append_new(refused, json_pack(
			    "{s:s, s:s}", "file", file, "reason", reason));
	}
	return cli_print_json(root);
}

static int
print_text(struct cli *cli, cp_registry *reg)
{
	const char *const head_en[] = { "NAME", "VERSION", "ABI",
	    "CAPABILITIES", "STATUS", "FILE" };
	const char *const head_ja[] = { "名前", "バージョン", "ABI",
	    "機能", "状態", "ファイル" };
	struct cli_table *t;
	size_t i, n = cp_registry_count(reg);
	const char *const *dirs = (const char *const *)
	    cp_core_config(cli->core)->plugin_dirs;

	if (n == 0) {
		printf("%s", cli_text(cli, "No plugin loaded. Plugin "
		    "directories:", "読み込まれたプラグインはありません。"
		    "プラグインのディレクトリ:"));
		for (i = 0; dirs[i] != NULL; i++)
			printf(" %s", dirs[i]);
		printf("%s\n", dirs[0] == NULL ? cli_text(cli, " (none)",
		    " (なし)") : "");
	}
	t = cli_table_new(6, cli_is_ja(cli) ?
	    head_ja : head_en);
	if (t == NULL)
		return cli_error(cli, "out of memory");
	for (i = 0; i < n; i++) {
		struct cp_plugin_info pi;
		char name[160], abi[32], caps[128], status[512];
		const char *cells[6];

		if (cp_registry_info(reg, i, &pi) != CP_OK)
			continue;
		snprintf(name, sizeof(name), "%s%s%s", pi.name,
		    pi.instance != NULL ? "/" : "",
		    pi.instance != NULL ? pi.instance : "");
		snprintf(abi, sizeof(abi), "%u.%u", pi.abi_major,
		    pi.abi_minor);
		caps_text(pi.caps, caps, sizeof(caps));
		snprintf(status, sizeof(status), "%s%s%s",
		    status_text(cli, &pi), pi.problem != NULL ? ": " : "",
		    pi.problem != NULL ? pi.problem : "");
		cells[0] = name;
		cells[1] = pi.version;
		cells[2] = abi;
		cells[3] = caps;
		cells[4] = status;
		cells[5] = pi.file;
		if (cli_table_add(t, cells) != CP_OK) {
			cli_table_free(t);
			return cli_error(cli, "out of memory");
		}
	}
	if (n > 0)
		cli_table_print(t, stdout);
	cli_table_free(t);
	for (i = 0; i < cp_registry_refused_count(reg); i++) {
		const char *file, *reason;

		if (i == 0)
			printf("%s", cli_text(cli, "\nRefused:\n",
			    "\n拒否されたプラグイン:\n"));
		if (cp_registry_refused(reg, i, &file, &reason) == CP_OK)
			printf("  %s\n", reason);
	}
	return CLI_OK;
}

int
cli_cmd_plugins(struct cli *cli, int argc, char **argv)
{
	cp_registry *reg;
	int rc;

	if (argc > 1 && cli_is_help(argv[1])) {
		printf("%s", cli_text(cli,
		    "Usage: cloudpatrol [--config F] [--json] plugins\n"
		    "Lists the plugins found in the configured plugin "
		    "directories: name (/instance),\nversion, ABI, "
		    "capabilities, status and file; then every refused "
		    "plugin with\nthe one-line reason (file, both ABI "
		    "versions, the failed check).\n"
		    "Exit status: 0 when every plugin loaded and its section "
		    "is right, 1 when a\nplugin was refused or a [plugin:...] "
		    "section is wrong (the list is still\nprinted), 2 on a "
		    "usage error.\n",
		    "使い方: cloudpatrol [--config F] [--json] plugins\n"
		    "設定されたプラグインディレクトリのプラグインを一覧します: "
		    "名前 (/インスタンス)、\nバージョン、ABI、機能、状態、"
		    "ファイル。続いて拒否されたプラグインを理由 (ファイル、\n"
		    "双方の ABI バージョン、失敗した検査) とともに 1 行ずつ"
		    "示します。\n"
		    "終了コード: すべて読み込めて設定も正しければ 0、拒否または "
		    "[plugin:...] の誤り\nがあれば 1 (一覧は表示)、使い方の誤りで "
		    "2。\n"));
		return CLI_OK;
	}
	if (argc > 1)
		return cli_usage(cli, "plugins", "plugins takes no argument");
	reg = cli_plugins(cli);
	if (reg == NULL)
		return CLI_ERROR;
	rc = cli->json ? print_json(cli, reg) : print_text(cli, reg);
	if (rc == CLI_OK && (cp_registry_refused_count(reg) > 0 ||
	    cli->plugin_problems))
		rc = CLI_ERROR;
	return rc;
}
