/*
 * cmd_inspect.c - "cloudpatrol inspect [ENV [UNIT]]": one inspection by
 * hand, the same the daemon runs every hour.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "inspect/inspect.h"

static int
inspect_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol [-p PORTAL] inspect [ENV [UNIT]] "
	    "[--remediation-dry-run]\n"
	    "Collects each unit through its cloud plugin, evaluates every "
	    "enabled policy of\nits cloud, records findings (opened, still "
	    "open, resolved), queues notifications\nand remediations, and "
	    "carries out the queued remediations. Without ENV every\n"
	    "environment of the portal; without UNIT every unit whose "
	    "periodic inspection is\non (naming a UNIT inspects it "
	    "whatever its switch). --remediation-dry-run shows\nwhat "
	    "remediation would change and changes nothing. At most [core] "
	    "remediation_ceiling\nresources are changed per unit and run; "
	    "beyond that they are held and notified.\n"
	    "Exit status: 0 when every unit was collected and every policy "
	    "decided, 1 otherwise.\n",
	    "使い方: cloudpatrol [-p PORTAL] inspect [ENV [UNIT]] "
	    "[--remediation-dry-run]\n"
	    "各ユニットをクラウドのプラグインで収集し、有効なポリシーを評価して"
	    "検出結果\n(新規・継続・解消) を記録し、通知と対策を登録して、登録"
	    "された対策を実行します。\nENV を省くとポータルの全環境、UNIT を省く"
	    "と定期診断が on のユニットが対象です\n(UNIT を指定すると switch に"
	    "かかわらず診断します)。--remediation-dry-run は対策の\n内容を表示"
	    "するだけで何も変更しません。1 回の実行で変更するリソースは [core]\n"
	    "remediation_ceiling 件までで、超えた分は保留して通知します。\n"
	    "終了コード: すべて収集・判定できれば 0、そうでなければ 1。\n"));
	return CLI_OK;
}

struct target {
	const char *env;	/* NULL: all */
	const char *unit;	/* NULL: the inspected ones */
};


static json_t *
result_json(const struct cp_env *env, const struct cp_unit *u,
    const struct cp_inspect_result *res)
{
	return json_pack("{s:s, s:s, s:b, s:s, s:I, s:I, s:I, s:I, s:{s:I, "
	    "s:I, s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I}}",
	    "env", env->name, "unit", u->unit, "collected", res->collected,
	    "error", res->error, "resources", (json_int_t)res->resources,
	    "collector_errors", (json_int_t)res->collector_errors,
	    "policies", (json_int_t)res->policies, "policy_errors",
	    (json_int_t)res->policy_errors, "findings",
	    "opened", (json_int_t)res->lc.opened,
	    "still_open", (json_int_t)res->lc.still_open,
	    "resolved", (json_int_t)res->lc.resolved,
	    "notified", (json_int_t)res->lc.notified,
	    "suppressed", (json_int_t)res->lc.suppressed,
	    "excluded", (json_int_t)res->lc.excluded,
	    "remediations_queued", (json_int_t)res->lc.remediations,
	    "remediation", "done", (json_int_t)res->rem.done,
	    "failed", (json_int_t)res->rem.failed,
	    "dry_run", (json_int_t)res->rem.dry_run,
	    "held", (json_int_t)res->rem.held,
	    "retry", (json_int_t)res->rem.retry);
}

static void
print_result(struct cli *cli, const struct cp_env *env,
    const struct cp_unit *u, const struct cp_inspect_result *res)
{
	if (!res->collected) {
		printf(cli_text(cli, "%s/%s: not inspected: %s\n",
		    "%s/%s: 診断できませんでした: %s\n"), env->name, u->unit,
		    res->error);
		return;
	}
	printf(cli_text(cli,
	    "%s/%s: %zu resources, %zu policies (%zu undecided); findings: "
	    "%zu opened, %zu still open, %zu resolved; %zu notified, %zu "
	    "suppressed, %zu excluded; remediation: %zu queued, %zu done, "
	    "%zu failed, %zu dry-run, %zu held\n",
	    "%s/%s: リソース %zu 件、ポリシー %zu 件 (判定不能 %zu)、検出: "
	    "新規 %zu・継続 %zu・解消 %zu、通知 %zu・抑止 %zu・除外 %zu、"
	    "対策: 登録 %zu・完了 %zu・失敗 %zu・試行 %zu・保留 %zu\n"),
	    env->name, u->unit, res->resources, res->policies,
	    res->policy_errors, res->lc.opened, res->lc.still_open,
	    res->lc.resolved, res->lc.notified, res->lc.suppressed,
	    res->lc.excluded, res->lc.remediations, res->rem.done,
	    res->rem.failed, res->rem.dry_run, res->rem.held);
	if (res->collector_errors > 0)
		printf(cli_text(cli, "  %zu collector error(s): that data is "
		    "missing, and the policies that need it decided nothing "
		    "(cloudpatrol status says why)\n", "  収集エラー %zu 件: "
		    "そのデータが欠けているため、それを使うポリシーは判定して"
		    "いません (理由は cloudpatrol status で確認できます)\n"),
		    res->collector_errors);
	if (res->error[0] != '\0')
		printf("  %s\n", res->error);
}

int
cli_cmd_inspect(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "remediation-dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cp_inspect_opts io;
	struct cp_portal portal;
	struct cli_envs envs;
	struct target tg;
	cp_policy_set *set;
	cp_registry *reg;
	json_t *out = NULL;
	size_t i, j, done = 0;
	int c, rc, failed = 0, dry_run = 0;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return inspect_help(cli);
		if (c != 'n')
			return cli_bad_option(cli, "inspect", c, argv);
		dry_run = 1;
	}
	if (argc - optind > 2)
		return cli_usage(cli, "inspect", "inspect takes at most ENV "
		    "and UNIT");
	tg.env = optind < argc ? argv[optind] : NULL;
	tg.unit = optind + 1 < argc ? argv[optind + 1] : NULL;
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	reg = cli_plugins(cli);
	set = cli_policies(cli);
	if (reg == NULL || set == NULL)
		return CLI_ERROR;
	memset(&io, 0, sizeof(io));
	io.state_dir = cp_core_config(cli->core)->state_dir;
	io.remediation_dry_run = dry_run;
	io.remediation_ceiling =
	    (unsigned)cp_core_config(cli->core)->remediation_ceiling;
	io.geoip = cli_geoip(cli);
	io.log = cp_core_log(cli->core);
	io.cancel = cp_core_cancel_flag(cli->core);
	if (cli_list_envs(cli, portal.id, &envs) != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	if (cli->json)
		out = json_array();
	for (i = 0; i < envs.n; i++) {
		struct cli_units units;

		if (tg.env != NULL && strcmp(tg.env, envs.v[i].name) != 0)
			continue;
		if (cli_list_units(cli, envs.v[i].id, &units) != CP_OK) {
			free(envs.v);
			json_decref(out);
			return cli_error(cli, "%s",
			    cp_store_errmsg(cli->store));
		}
		for (j = 0; j < units.n; j++) {
			struct cp_inspect_result res;
			const struct cp_unit *u = &units.v[j];

			if (tg.unit != NULL ? strcmp(tg.unit, u->unit) != 0 :
			    !u->inspect)
				continue;
			if (*io.cancel)
				break;	/* asked to stop: no more units */
			done++;
			if (cp_inspect_unit(reg, cli->store, &portal,
			    &envs.v[i], u, set, &io, &res) != CP_OK ||
			    res.policy_errors > 0)
				failed = 1;
			if (out != NULL) {
				if (json_array_append_new(out,
				    result_json(&envs.v[i], u, &res)) != 0)
					failed = 1;
			} else
				print_result(cli, &envs.v[i], u, &res);
		}
		free(units.v);
	}
	free(envs.v);
	if (done == 0) {
		json_decref(out);
		if (tg.unit != NULL)
			return cli_error(cli, "no unit '%s' in environment "
			    "'%s' of portal %s", tg.unit, tg.env, portal.name);
		if (tg.env != NULL)
			return cli_error(cli, "portal %s has no environment "
			    "'%s' with a unit to inspect", portal.name,
			    tg.env);
		if (cli->json)
			return cli_print_json(json_array());
		printf("%s", cli_text(cli, "nothing to inspect: no unit has "
		    "periodic inspection on\n", "診断対象がありません: 定期診断"
		    "が on のユニットがありません\n"));
		return CLI_OK;
	}
	if (out != NULL && cli_print_json(out) != CLI_OK)
		return CLI_ERROR;
	return failed ? CLI_ERROR : CLI_OK;
}
