/*
 * cmd_status.c - "cloudpatrol status": what is failing, for people and for
 * monitoring (R-OPS-1).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ops/status.h"

static int
status_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol [-p PORTAL] [--json] status\n"
	    "The health of the installation (of one portal with -p): per "
	    "unit the last\ninspection (when, how long, its result or error), "
	    "the open findings and the\nnext inspection; the notification "
	    "queue and the deliveries that failed for\ngood, with their reason; "
	    "whether the daemon runs, its next jobs, the jobs whose\nlast run "
	    "failed and those not available yet; plugins that were refused or\n"
	    "failed to start. Exit status: 0 healthy, 1 when an inspection, a "
	    "delivery or\na job failed or a plugin has a problem (for "
	    "monitoring).\n",
	    "使い方: cloudpatrol [-p PORTAL] [--json] status\n"
	    "インストール全体 (-p で 1 ポータル) の状態です。ユニットごとの最後の"
	    "診断 (日時・\n所要時間・結果またはエラー)、未対策の検出数、次の"
	    "診断、通知キューと最終的に\n失敗した配信 (理由付き)、デーモンの"
	    "稼働、次のジョブ、最後の実行が失敗したジョブと\n未対応のジョブ、"
	    "拒否された・起動できなかったプラグインを表示します。\n終了コード: "
	    "正常で 0、診断・配信・ジョブの失敗やプラグインの問題があれば 1 "
	    "(監視向け)。\n"));
	return CLI_OK;
}

/* Plugins refused or enabled but not running: as JSON strings. */
static json_t *
plugin_problems(struct cli *cli)
{
	json_t *list = json_array();
	cp_registry *reg = cli_plugins(cli);
	size_t i;

	if (list == NULL || reg == NULL)
		return list;
	for (i = 0; i < cp_registry_refused_count(reg); i++) {
		const char *file, *reason;

		if (cp_registry_refused(reg, i, &file, &reason) == CP_OK)
			json_array_append_new(list, json_string(reason));
	}
	for (i = 0; i < cp_registry_count(reg); i++) {
		struct cp_plugin_info pi;
		char line[1024];

		if (cp_registry_info(reg, i, &pi) != CP_OK ||
		    !pi.enabled || pi.initialised || pi.problem == NULL)
			continue;
		snprintf(line, sizeof(line), "plugin %s%s%s: %s", pi.name,
		    pi.instance != NULL ? "/" : "",
		    pi.instance != NULL ? pi.instance : "", pi.problem);
		json_array_append_new(list, json_string(line));
	}
	return list;
}

static void
print_job(const json_t *j, const char *text)
{
	char when[32];
	const char *unit = json_string_value(json_object_get(j, "unit"));

	printf("  %-23s  %-12s  %s%s%s%s%s\n", cli_time((time_t)
	    json_integer_value(json_object_get(j, "next_due")), when),
	    json_string_value(json_object_get(j, "kind")),
	    json_string_value(json_object_get(j, "portal")),
	    unit[0] != '\0' ? "/" : "", json_string_value(json_object_get(j,
	    "env")), unit[0] != '\0' ? "/" : "", unit);
	if (text != NULL && text[0] != '\0')
		printf("      %s\n", text);
}

/* The daemon, its next jobs, the failed and the unavailable ones. */
static void
print_jobs(struct cli *cli, const json_t *doc)
{
	const json_t *d = json_object_get(doc, "daemon");
	const json_t *jobs = json_object_get(doc, "jobs"), *j;
	const char *kind;
	size_t i;

	if (json_is_true(json_object_get(d, "running")))
		printf(cli_text(cli, "\nDaemon: running (pid %lld), %lld job(s) "
		    "running now\n", "\nデーモン: 稼働中 (pid %lld)、実行中の"
		    "ジョブ %lld 件\n"), (long long)json_integer_value(
		    json_object_get(d, "pid")), (long long)json_integer_value(
		    json_object_get(jobs, "running")));
	else
		printf("%s", cli_text(cli, "\nDaemon: not running "
		    "('cloudpatrol daemon' runs the jobs)\n", "\nデーモン: "
		    "停止中 ('cloudpatrol daemon' でジョブを実行します)\n"));
	if (json_array_size(json_object_get(jobs, "next")) > 0)
		printf("%s", cli_text(cli, "Next jobs:\n", "次のジョブ:\n"));
	json_array_foreach(json_object_get(jobs, "next"), i, j)
		print_job(j, NULL);
	if (json_array_size(json_object_get(jobs, "failed")) > 0)
		printf("%s", cli_text(cli, "Jobs whose last run failed:\n",
		    "最後の実行が失敗したジョブ:\n"));
	json_array_foreach(json_object_get(jobs, "failed"), i, j)
		print_job(j, json_string_value(json_object_get(j, "error")));
	if (json_object_size(json_object_get(jobs, "unavailable")) > 0)
		printf("%s", cli_text(cli, "Not available yet:\n",
		    "未対応のジョブ:\n"));
	json_object_foreach((json_t *)json_object_get(jobs, "unavailable"),
	    kind, j)
		printf("  %s: %s\n", kind, json_string_value(j));
}

int
cli_cmd_status(struct cli *cli, int argc, char **argv)
{
	const char *const head_en[] = { "PORTAL", "ENV", "UNIT",
	    "LAST INSPECTION", "TOOK", "RESULT", "RESOURCES",
	    "OPEN FINDINGS", "NEXT INSPECTION" };
	const char *const head_ja[] = { "ポータル", "環境", "ユニット",
	    "最後の診断", "所要", "結果", "リソース数", "未対策",
	    "次の診断" };
	struct cp_portal portal;
	struct cli_table *t;
	json_t *doc, *problems, *u, *ob, *d, *f;
	int64_t portal_id = 0;
	size_t i;
	int rc, healthy;

	if (argc > 1 && cli_is_help(argv[1]))
		return status_help(cli);
	if (argc > 1)
		return cli_usage(cli, "status", "status takes no argument");
	if (cli_store(cli) == NULL)
		return CLI_ERROR;
	if (cli->portal != NULL) {
		rc = cli_portal(cli, &portal);
		if (rc != CLI_OK)
			return rc;
		portal_id = portal.id;
	}
	if (cp_status_collect(cli->store, portal_id, &doc) != CP_OK)
		return cli_error(cli, "status: %s",
		    cp_store_errmsg(cli->store));
	problems = plugin_problems(cli);
	healthy = json_is_true(json_object_get(doc, "healthy")) &&
	    json_array_size(problems) == 0 && !cli->plugin_problems;
	json_object_set_new(doc, "plugin_problems", problems);
	json_object_set_new(doc, "healthy", json_boolean(healthy));
	if (cli->json) {
		rc = cli_print_json(doc);
		return rc != CLI_OK ? rc : healthy ? CLI_OK : CLI_ERROR;
	}
	t = cli_table_new(9, cli_is_ja(cli) ? head_ja : head_en);
	json_array_foreach(json_object_get(doc, "units"), i, u) {
		const json_t *s = json_object_get(u, "last_scan");
		char when[32], res[32], open[32], result[600], took[32],
		    next[32];
		const char *cells[9];

		snprintf(res, sizeof(res), "%lld", json_is_null(s) ? 0LL :
		    (long long)json_integer_value(json_object_get(s,
		    "resources")));
		snprintf(open, sizeof(open), "%lld", (long long)
		    json_integer_value(json_object_get(u, "open_findings")));
		if (json_is_null(s))
			snprintf(result, sizeof(result), "%s",
			    cli_text(cli, "never inspected", "未診断"));
		else
			snprintf(result, sizeof(result), "%s%s%s",
			    json_string_value(json_object_get(s, "status")),
			    json_string_length(json_object_get(s, "error")) >
			    0 ? ": " : "", json_string_value(json_object_get(s,
			    "error")));
		cells[0] = json_string_value(json_object_get(u, "portal"));
		cells[1] = json_string_value(json_object_get(u, "env"));
		cells[2] = json_string_value(json_object_get(u, "unit"));
		cells[3] = json_is_null(s) ? "" : cli_time((time_t)
		    json_integer_value(json_object_get(s, "finished")), when);
		took[0] = '\0';
		if (!json_is_null(s))
			snprintf(took, sizeof(took), "%llds", (long long)
			    json_integer_value(json_object_get(s,
			    "duration")));
		cells[4] = took;
		cells[5] = result;
		cells[6] = res;
		cells[7] = open;
		cells[8] = cli_time((time_t)json_integer_value(json_object_get(
		    u, "next_inspection")), next);
		if (t != NULL)
			cli_table_add(t, cells);
	}
	if (t != NULL)
		cli_table_print(t, stdout);
	cli_table_free(t);
	ob = json_object_get(doc, "outbox");
	d = json_object_get(ob, "deliveries");
	printf(cli_text(cli, "\nQueue: %lld notice(s) and %lld remediation(s) "
	    "waiting; deliveries: %lld pending, %lld sending, %lld sent, "
	    "%lld failed\n", "\nキュー: 通知 %lld 件・対策 %lld 件が待機中、"
	    "配信: 待機 %lld・送信中 %lld・送信済み %lld・失敗 %lld\n"),
	    (long long)json_integer_value(json_object_get(ob,
	    "pending_notices")), (long long)json_integer_value(
	    json_object_get(ob, "pending_remediations")),
	    (long long)json_integer_value(json_object_get(d, "pending")),
	    (long long)json_integer_value(json_object_get(d, "claimed")),
	    (long long)json_integer_value(json_object_get(d, "sent")),
	    (long long)json_integer_value(json_object_get(d, "failed")));
	json_array_foreach(json_object_get(ob, "failures"), i, f) {
		char when[32];

		printf("  #%lld %s: %s (%lld %s, %s)\n", (long long)
		    json_integer_value(json_object_get(f, "id")),
		    json_string_value(json_object_get(f, "destination")),
		    json_string_value(json_object_get(f, "last_error")),
		    (long long)json_integer_value(json_object_get(f,
		    "attempts")), cli_text(cli, "attempts", "回"),
		    cli_time((time_t)json_integer_value(json_object_get(f,
		    "updated")), when));
	}
	print_jobs(cli, doc);
	json_array_foreach(json_object_get(doc, "plugin_problems"), i, f)
		printf("%s%s\n", i == 0 ? cli_text(cli, "\nPlugins:\n  ",
		    "\nプラグイン:\n  ") : "  ", json_string_value(f));
	printf("%s\n", healthy ? cli_text(cli, "\nStatus: healthy",
	    "\n状態: 正常") : cli_text(cli, "\nStatus: NOT healthy",
	    "\n状態: 異常あり"));
	json_decref(doc);
	return healthy ? CLI_OK : CLI_ERROR;
}
