/*
 * cmd_findings.c - "findings", "history" and "exclude": what the patrol
 * found, what it sent and did, and what the operator excluded.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "lifecycle/exclusion.h"
#include "lifecycle/history.h"
#include "lifecycle/lifecycle.h"

#define LIST_LIMIT 100000

/* ---- findings ---- */

struct rows {
	struct cli *cli;
	struct cli_table *t;
	json_t *arr;
};

static cp_err
finding_row(void *ud, const struct cp_lc_finding *f)
{
	struct rows *rw = ud;
	char first[32], last[32], resolved[32];
	const char *cells[7];

	if (rw->arr != NULL)
		return json_array_append_new(rw->arr, json_pack(
		    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o}",
		    "id", (json_int_t)f->id, "unit", f->unit, "policy",
		    f->policy, "resource", f->resource, "resource_name",
		    f->resource_name, "condition", f->condition, "detail",
		    f->detail, "value", f->value, "first_seen",
		    (json_int_t)f->first_seen, "last_seen",
		    (json_int_t)f->last_seen, "resolved_at",
		    f->resolved_at != 0 ? json_integer(f->resolved_at) :
		    json_null())) == 0 ? CP_OK : CP_E_NOMEM;
	cells[0] = f->unit;
	cells[1] = f->policy;
	cells[2] = f->resource;
	cells[3] = f->value;
	cells[4] = cli_time(f->first_seen, first);
	cells[5] = cli_time(f->last_seen, last);
	cells[6] = f->resolved_at != 0 ? cli_time(f->resolved_at, resolved) :
	    cli_text(rw->cli, "open", "未対策");
	return cli_table_add(rw->t, cells);
}

/* The unit id of ENV/UNIT, or 0 for the whole portal. */
static int
unit_filter(struct cli *cli, const struct cp_portal *portal,
    const char *envname, const char *unitname, int64_t *unit_id)
{
	struct cp_env env;
	struct cp_unit unit;
	cp_err r;

	*unit_id = 0;
	if (envname == NULL)
		return CLI_OK;
	r = cp_env_get(cli->store, portal->id, envname, &env);
	if (r == CP_E_INVALID)
		return cli_usage(cli, NULL, "bad environment name '%s'",
		    envname);
	if (r == CP_E_NOTFOUND)
		return cli_error(cli, "portal %s has no environment '%s'",
		    portal->name, envname);
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	if (unitname == NULL)
		return cli_usage(cli, NULL, "name the unit too: ENV UNIT");
	r = cp_unit_get(cli->store, env.id, unitname, &unit);
	if (r == CP_OK)
		*unit_id = unit.id;
	if (r == CP_E_NOTFOUND)
		return cli_error(cli, "environment %s has no unit '%s'",
		    envname, unitname);
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	return CLI_OK;
}

int
cli_cmd_findings(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *const head_en[] = { "UNIT", "POLICY", "RESOURCE", "VALUE",
	    "FIRST SEEN", "LAST SEEN", "RESOLVED" };
	const char *const head_ja[] = { "ユニット", "ポリシー", "リソース",
	    "検出値", "初回検出", "最終検出", "解消" };
	struct cp_portal portal;
	struct rows rw;
	unsigned flags = CP_LC_FINDINGS_OPEN;
	int64_t unit_id;
	int c, rc;
	cp_err r;

	while ((c = getopt_long(argc, argv, ":ah", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("%s", cli_text(cli,
			    "Usage: cloudpatrol [-p PORTAL] [--json] findings "
			    "[ENV UNIT] [--all]\nLists the open findings of "
			    "the portal (or of one unit); --all adds the "
			    "resolved ones,\nwhose resolution time is the "
			    "last detection plus one hour.\n",
			    "使い方: cloudpatrol [-p PORTAL] [--json] findings "
			    "[ENV UNIT] [--all]\nポータル (または 1 ユニット) "
			    "の未対策の検出結果を一覧します。--all で解消済みも"
			    "\n含めます (解消時刻は最終検出の 1 時間後)。\n"));
			return CLI_OK;
		}
		if (c != 'a')
			return cli_bad_option(cli, "findings", c, argv);
		flags = CP_LC_FINDINGS_ALL;
	}
	if (argc - optind != 0 && argc - optind != 2)
		return cli_usage(cli, "findings", "findings takes ENV UNIT or "
		    "nothing");
	rc = cli_portal(cli, &portal);
	if (rc == CLI_OK)
		rc = unit_filter(cli, &portal, optind < argc ? argv[optind] :
		    NULL, optind + 1 < argc ? argv[optind + 1] : NULL,
		    &unit_id);
	if (rc != CLI_OK)
		return rc;
	memset(&rw, 0, sizeof(rw));
	rw.cli = cli;
	if (cli->json)
		rw.arr = json_array();
	else
		rw.t = cli_table_new(7, cli_is_ja(cli) ? head_ja : head_en);
	if (rw.arr == NULL && rw.t == NULL)
		return cli_error(cli, "out of memory");
	r = cp_lc_findings(cli->store, portal.id, unit_id, flags, LIST_LIMIT,
	    finding_row, &rw);
	if (r != CP_OK) {
		json_decref(rw.arr);
		cli_table_free(rw.t);
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	}
	if (cli->json)
		return cli_print_json(rw.arr);
	cli_table_print(rw.t, stdout);
	cli_table_free(rw.t);
	return CLI_OK;
}

/* ---- history ---- */

static cp_err
event_row(void *ud, const struct cp_lc_event *e)
{
	struct rows *rw = ud;
	char when[32];
	const char *cells[7];

	if (rw->arr != NULL)
		return json_array_append_new(rw->arr, json_pack(
		    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		    "time", (json_int_t)e->time, "kind", e->kind, "status",
		    e->status, "unit", e->unit, "policy", e->policy,
		    "resource", e->resource, "condition", e->condition,
		    "action", e->action, "before", e->before, "after",
		    e->after, "error", e->error)) == 0 ? CP_OK : CP_E_NOMEM;
	cells[0] = cli_time(e->time, when);
	cells[1] = strcmp(e->kind, "risk") == 0 ?
	    cli_text(rw->cli, "notified", "通知") :
	    cli_text(rw->cli, "remediation", "対策");
	cells[2] = e->status;
	cells[3] = e->unit;
	cells[4] = e->policy;
	cells[5] = e->resource;
	cells[6] = e->action[0] != '\0' ? e->action : e->condition;
	return cli_table_add(rw->t, cells);
}

int
cli_cmd_history(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *const head_en[] = { "TIME", "KIND", "STATUS", "UNIT",
	    "POLICY", "RESOURCE", "CONDITION / ACTION" };
	const char *const head_ja[] = { "日時", "種別", "状態", "ユニット",
	    "ポリシー", "リソース", "条件 / 対策" };
	struct cp_portal portal;
	struct rows rw;
	long long days = CP_LC_HISTORY_DAYS;
	int c, rc;
	cp_err r;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("%s", cli_text(cli,
			    "Usage: cloudpatrol [-p PORTAL] [--json] history "
			    "[--days N]\nNotifications and remediations of the "
			    "last N days (default 30, at most 37:\nolder "
			    "records are purged), newest first.\n",
			    "使い方: cloudpatrol [-p PORTAL] [--json] history "
			    "[--days N]\n直近 N 日 (既定 30、最大 37。それより"
			    "古い記録は削除済み) の通知と対策を\n新しい順に表示"
			    "します。\n"));
			return CLI_OK;
		}
		if (c != 'd')
			return cli_bad_option(cli, "history", c, argv);
		if (cp_parse_ll(optarg, 1, 37, &days) != CP_OK)
			return cli_usage(cli, "history", "--days takes a whole "
			    "number from 1 to 37, not '%s'", optarg);
	}
	if (optind != argc)
		return cli_usage(cli, "history", "history takes no argument");
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	memset(&rw, 0, sizeof(rw));
	rw.cli = cli;
	if (cli->json)
		rw.arr = json_array();
	else
		rw.t = cli_table_new(7, cli_is_ja(cli) ? head_ja : head_en);
	if (rw.arr == NULL && rw.t == NULL)
		return cli_error(cli, "out of memory");
	r = cp_lc_history(cli->store, portal.id, 0, time(NULL),
	    (unsigned)days, LIST_LIMIT, event_row, &rw);
	if (r != CP_OK) {
		json_decref(rw.arr);
		cli_table_free(rw.t);
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	}
	if (cli->json)
		return cli_print_json(rw.arr);
	cli_table_print(rw.t, stdout);
	cli_table_free(rw.t);
	return CLI_OK;
}

/* ---- exclude ---- */

static cp_err
exclusion_row(void *ud, const struct cp_exclusion *x)
{
	struct rows *rw = ud;
	char when[32];
	const char *cells[3];

	if (rw->arr != NULL)
		return json_array_append_new(rw->arr, json_pack(
		    "{s:s, s:s, s:I}", "resource", x->resource, "memo",
		    x->memo, "created", (json_int_t)x->created)) == 0 ?
		    CP_OK : CP_E_NOMEM;
	cells[0] = x->resource;
	cells[1] = cli_time(x->created, when);
	cells[2] = x->memo;
	return cli_table_add(rw->t, cells);
}

static int
exclude_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol [-p PORTAL] exclude add RESOURCE [--memo "
	    "TEXT]\n       cloudpatrol [-p PORTAL] exclude remove RESOURCE\n"
	    "       cloudpatrol [-p PORTAL] exclude list\n"
	    "An excluded resource is still inspected and its findings "
	    "recorded, but it is\nnever notified nor remediated. Exclusions "
	    "are kept until removed; the memo is at\nmost 1000 characters.\n",
	    "使い方: cloudpatrol [-p PORTAL] exclude add RESOURCE [--memo "
	    "TEXT]\n        cloudpatrol [-p PORTAL] exclude remove RESOURCE\n"
	    "        cloudpatrol [-p PORTAL] exclude list\n"
	    "除外したリソースも診断して検出結果は記録しますが、通知と対策は"
	    "行いません。\n除外は削除するまで保持されます。メモは 1000 文字"
	    "までです。\n"));
	return CLI_OK;
}

int
cli_cmd_exclude(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "memo", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *const head_en[] = { "RESOURCE", "SINCE", "MEMO" };
	const char *const head_ja[] = { "リソース", "除外日時", "メモ" };
	const char *memo = NULL, *sub;
	struct cp_portal portal;
	struct rows rw;
	int c, rc;
	cp_err r;

	if (argc < 2)
		return cli_usage(cli, "exclude", "exclude needs add, remove "
		    "or list");
	if (cli_is_help(argv[1]))
		return exclude_help(cli);
	sub = argv[1];
	argc--;
	argv++;
	if (strcmp(sub, "add") != 0 && strcmp(sub, "remove") != 0 &&
	    strcmp(sub, "list") != 0)
		return cli_usage(cli, "exclude", "unknown exclude command "
		    "'%s'", sub);
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return exclude_help(cli);
		if (c == 'm' && strcmp(sub, "add") != 0)
			return cli_usage(cli, "exclude", "--memo goes with "
			    "exclude add");
		if (c != 'm')
			return cli_bad_option(cli, "exclude", c, argv);
		memo = optarg;
	}
	if (strcmp(sub, "list") == 0 ? optind != argc : optind + 1 != argc)
		return cli_usage(cli, "exclude", "exclude %s takes %s", sub,
		    strcmp(sub, "list") == 0 ? "no argument" : "one RESOURCE");
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	if (strcmp(sub, "list") == 0) {
		memset(&rw, 0, sizeof(rw));
		rw.cli = cli;
		if (cli->json)
			rw.arr = json_array();
		else
			rw.t = cli_table_new(3, cli_is_ja(cli) ? head_ja : head_en);
		if (rw.arr == NULL && rw.t == NULL)
			return cli_error(cli, "out of memory");
		r = cp_exclusion_list(cli->store, portal.id, exclusion_row,
		    &rw);
		if (r != CP_OK) {
			json_decref(rw.arr);
			cli_table_free(rw.t);
			return cli_error(cli, "%s",
			    cp_store_errmsg(cli->store));
		}
		if (cli->json)
			return cli_print_json(rw.arr);
		cli_table_print(rw.t, stdout);
		cli_table_free(rw.t);
		return CLI_OK;
	}
	r = cp_store_begin(cli->store);
	if (r == CP_OK)
		r = strcmp(sub, "add") == 0 ?
		    cp_exclusion_add(cli->store, portal.id, argv[optind], memo,
		    time(NULL)) :
		    cp_exclusion_remove(cli->store, portal.id, argv[optind]);
	if (r == CP_OK)
		r = cp_audit(cli->store, portal.id, "cli", strcmp(sub, "add") ==
		    0 ? "exclusion.add" : "exclusion.remove", argv[optind]);
	if (r == CP_OK)
		r = cp_store_commit(cli->store);
	if (r != CP_OK)
		cp_store_rollback(cli->store);
	if (r == CP_E_INVALID)
		return cli_usage(cli, "exclude", "%s",
		    cp_store_errmsg(cli->store));
	if (r == CP_E_NOTFOUND)
		return cli_error(cli, "'%s' is not excluded", argv[optind]);
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:b}", "resource",
		    argv[optind], "excluded", strcmp(sub, "add") == 0));
	printf(strcmp(sub, "add") == 0 ?
	    cli_text(cli, "%s excluded\n", "%s を除外しました\n") :
	    cli_text(cli, "%s no longer excluded\n",
	    "%s の除外を解除しました\n"), argv[optind]);
	return CLI_OK;
}
