/*
 * cmd_notify.c - "cloudpatrol notify ..." and "cloudpatrol outbox ...":
 * sending what is queued now, the daily patrol report by hand, and what
 * the outbox holds for the operator (R-NOT-1, R-NOT-4, R-OPS-1).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "notify/deliver.h"
#include "notify/dest.h"
#include "notify/message.h"
#include "notify/patrol.h"

#define OUTBOX_LIMIT 200
#define OUTBOX_LIMIT_MAX 100000

static int
notify_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol notify send\n"
	    "       cloudpatrol [-p PORTAL] notify patrol [--dry-run]\n"
	    "send hands every queued notice to the destinations of its unit "
	    "now, through\nthe notifier plugins; passing failures are tried "
	    "again later (1, 5, 15, 30 min,\n1, 2, 4, 8 h...) for up to 24 "
	    "hours. patrol queues the daily patrol report of\nthe portal, one "
	    "per destination, for the next send; --dry-run prints the\nreports "
	    "instead and queues nothing.\n",
	    "使い方: cloudpatrol notify send\n"
	    "        cloudpatrol [-p PORTAL] notify patrol [--dry-run]\n"
	    "send は登録済みの通知を、ユニットの通知先へ通知プラグインで今すぐ"
	    "送ります。\n一時的な失敗は時間をおいて (1・5・15・30 分、1・2・4・"
	    "8 時間…) 最大 24 時間\n再送します。patrol はポータルのパトロール"
	    "日報を通知先ごとに登録し、次の send で\n送ります。--dry-run は"
	    "日報を"
	    "表示するだけで登録しません。\n"));
	return CLI_OK;
}

static json_t *
summary_json(const struct cp_notify_summary *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "fanned_out", (json_int_t)s->fanned_out, "deliveries",
	    (json_int_t)s->deliveries, "no_destination",
	    (json_int_t)s->no_destination, "malformed",
	    (json_int_t)s->malformed, "sent", (json_int_t)s->sent, "retry",
	    (json_int_t)s->retry, "failed", (json_int_t)s->failed,
	    "reclaimed", (json_int_t)s->reclaimed);
}

static int
notify_send(struct cli *cli, int argc)
{
	struct cp_notify_limits lim;
	struct cp_notify_summary sum;
	cp_registry *reg;
	cp_policy_set *set;
	cp_err r;

	if (argc != 1)
		return cli_usage(cli, "notify", "notify send takes no "
		    "argument");
	if (cli_store(cli) == NULL)
		return CLI_ERROR;
	reg = cli_plugins(cli);
	set = cli_policies(cli);
	if (reg == NULL || set == NULL)
		return CLI_ERROR;
	memset(&lim, 0, sizeof(lim));
	lim.log = cp_core_log(cli->core);
	lim.cancel = cp_core_cancel_flag(cli->core);
	r = cp_notify_drain(cli->store, reg, set, 0, &lim, &sum);
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	if (cli->json)
		return cli_print_json(summary_json(&sum));
	printf(cli_text(cli,
	    "%zu notice(s) fanned out into %zu deliveries, %zu without a "
	    "destination; sent %zu, to retry %zu, failed %zu\n",
	    "通知 %zu 件を %zu 件の配信に展開 (通知先なし %zu 件)、"
	    "送信 %zu 件・"
	    "再送待ち %zu 件・失敗 %zu 件\n"), sum.fanned_out, sum.deliveries,
	    sum.no_destination, sum.sent, sum.retry, sum.failed);
	if (sum.reclaimed > 0)
		printf(cli_text(cli, "  %zu delivery(ies) taken over from a "
		    "stopped process\n", "  停止したプロセスの配信 %zu 件を"
		    "引き継ぎました\n"), sum.reclaimed);
	if (sum.retry > 0 || sum.failed > 0)
		printf("%s", cli_text(cli, "  see 'cloudpatrol outbox list'\n",
		    "  'cloudpatrol outbox list' で確認できます\n"));
	return CLI_OK;
}

/* Gathers the ids of the destinations that have a unit. */
static cp_err
dest_with_units(void *ud, const struct cp_dest *d)
{
	if (d->units == 0)
		return CP_OK;
	return json_array_append_new(ud, json_integer(d->id)) == 0 ? CP_OK :
	    CP_E_NOMEM;
}

/* Prints the report each destination with a unit would get. */
static int
patrol_dry_run(struct cli *cli, const struct cp_portal *portal,
    const cp_policy_set *set, const struct cp_patrol_opts *po, time_t now)
{
	struct cp_render_ctx rc;
	json_t *ids, *out = NULL, *pl = NULL, *msg = NULL, *v;
	char why[256];
	size_t i;
	cp_err r;
	int ret = CLI_OK;

	ids = json_array();
	if (cli->json)
		out = json_array();
	if (ids == NULL || (cli->json && out == NULL)) {
		ret = cli_error(cli, "out of memory");
		goto out;
	}
	r = cp_dest_list(cli->store, portal->id, dest_with_units, ids);
	if (r != CP_OK) {
		ret = cli_error(cli, "%s", cp_store_errmsg(cli->store));
		goto out;
	}
	memset(&rc, 0, sizeof(rc));
	rc.lang = portal->lang;
	rc.message_id = "";
	rc.set = set;
	rc.portal = portal->name;
	json_array_foreach(ids, i, v) {
		r = cp_patrol_build(cli->store, set, (int64_t)
		    json_integer_value(v), now, po, &pl);
		if (r != CP_OK) {
			ret = cli_error(cli, "%s", cp_store_errmsg(cli->store));
			goto out;
		}
		r = cp_notify_render(pl, &rc, &msg, why, sizeof(why));
		if (r != CP_OK) {
			ret = cli_error(cli, "%s", why);
			goto out;
		}
		if (out != NULL) {
			if (json_array_append_new(out, json_pack("{s:O, s:O}",
			    "destination", json_object_get(pl, "destination"),
			    "message", msg)) != 0) {
				ret = cli_error(cli, "out of memory");
				goto out;
			}
		} else
			printf("==== %s: %s\n%s\n%s\n", cli_text(cli,
			    "destination", "通知先"), json_string_value(
			    json_object_get(pl, "destination")),
			    json_string_value(json_object_get(msg, "subject")),
			    json_string_value(json_object_get(msg, "text")));
		json_decref(pl);
		json_decref(msg);
		pl = msg = NULL;
	}
	if (json_array_size(ids) == 0 && out == NULL)
		printf("%s", cli_text(cli, "no destination has a unit: nothing "
		    "to report\n", "ユニットを紐づけた通知先がありません\n"));
	if (out != NULL) {
		ret = cli_print_json(out);
		out = NULL;
	}
out:
	json_decref(ids);
	json_decref(out);
	json_decref(pl);
	json_decref(msg);
	return ret;
}

static int
notify_patrol(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cp_patrol_opts po;
	struct cp_portal portal;
	cp_policy_set *set;
	size_t queued = 0, skipped = 0;
	time_t now = time(NULL);
	int c, rc, dry_run = 0;
	cp_err r;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return notify_help(cli);
		if (c != 'n')
			return cli_bad_option(cli, "notify", c, argv);
		dry_run = 1;
	}
	if (optind != argc)
		return cli_usage(cli, "notify", "notify patrol takes no "
		    "argument");
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	set = cli_policies(cli);
	if (set == NULL)
		return CLI_ERROR;
	memset(&po, 0, sizeof(po));
	po.state_dir = cp_core_config(cli->core)->state_dir;
	if (dry_run)
		return patrol_dry_run(cli, &portal, set, &po, now);
	r = cp_patrol_queue(cli->store, set, portal.id, now, &po, &queued,
	    &skipped);
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:I}", "queued",
		    (json_int_t)queued, "skipped", (json_int_t)skipped));
	printf(cli_text(cli, "%zu patrol report(s) queued; 'cloudpatrol "
	    "notify send' delivers them\n",
	    "パトロール日報 %zu 件を登録しました"
	    "。'cloudpatrol notify send' で送信します\n"), queued);
	if (skipped > 0)
		printf(cli_text(cli, "  %zu destination(s) without a unit "
		    "skipped\n", "  ユニットのない通知先 %zu 件は対象外です\n"),
		    skipped);
	return CLI_OK;
}

int
cli_cmd_notify(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(cli, "notify", "notify needs send or patrol");
	if (cli_is_help(argv[1]))
		return notify_help(cli);
	if (strcmp(argv[1], "send") == 0) {
		if (argc == 3 && cli_is_help(argv[2]))
			return notify_help(cli);
		return notify_send(cli, argc - 1);
	}
	if (strcmp(argv[1], "patrol") == 0)
		return notify_patrol(cli, argc - 1, argv + 1);
	return cli_usage(cli, "notify", "unknown notify command '%s'",
	    argv[1]);
}

/* ---- outbox ---- */

static int
outbox_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol [-p PORTAL] outbox list [--failed] "
	    "[--limit N]\n"
	    "       cloudpatrol [-p PORTAL] outbox retry\n"
	    "list shows the portal's notices and their deliveries, newest "
	    "first: state\n(queued, pending, claimed, sent, failed, "
	    "undelivered: no destination), the\ndestination, attempts, the "
	    "next attempt and the last error; --failed only\nthe failed ones. "
	    "retry makes the waiting and the failed deliveries due now\n(for "
	    "the next 'cloudpatrol notify send').\n",
	    "使い方: cloudpatrol [-p PORTAL] outbox list [--failed] "
	    "[--limit N]\n"
	    "        cloudpatrol [-p PORTAL] outbox retry\n"
	    "list はポータルの通知と配信を新しい順に表示します: 状態 (queued・"
	    "pending・\nclaimed・sent・failed・undelivered: 通知先なし)、通知"
	    "先、試行回数、次回の試行、\n最後のエラー。--failed は失敗したもの"
	    "だけを表示します。retry は再送待ちと失敗\nした配信を次の "
	    "'cloudpatrol notify send' で送るようにします。\n"));
	return CLI_OK;
}

struct rows {
	struct cli *cli;
	struct cli_table *t;
	json_t *arr;
};

static cp_err
outbox_row(void *ud, const struct cp_notify_entry *e)
{
	struct rows *rw = ud;
	char id[32], attempts[32], next[32], what[512];
	const char *cells[8];

	if (rw->arr != NULL)
		return json_array_append_new(rw->arr, json_pack(
		    "{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, "
		    "s:s, s:s, s:I, s:I}", "id", (json_int_t)e->id, "outbox_id",
		    (json_int_t)e->outbox_id, "state", e->state, "destination",
		    e->destination, "type", e->dest_type, "kind", e->kind,
		    "policy", e->policy, "unit", e->unit, "resource",
		    e->resource, "attempts", (json_int_t)e->attempts,
		    "next_attempt", (json_int_t)e->next_attempt, "last_error",
		    e->last_error, "message_id", e->message_id, "created",
		    (json_int_t)e->created, "updated", (json_int_t)e->updated))
		    == 0 ? CP_OK : CP_E_NOMEM;
	if (e->id != 0)
		snprintf(id, sizeof(id), "%lld", (long long)e->id);
	else
		snprintf(id, sizeof(id), "(%lld)", (long long)e->outbox_id);
	snprintf(attempts, sizeof(attempts), "%lld", e->attempts);
	if (e->policy[0] != '\0')
		snprintf(what, sizeof(what), "%s %s %.300s", e->kind,
		    e->policy, e->resource);
	else
		snprintf(what, sizeof(what), "%s %s", e->kind, e->unit);
	cells[0] = id;
	cells[1] = e->state;
	cells[2] = e->destination[0] != '\0' ? e->destination : "-";
	cells[3] = what;
	cells[4] = attempts;
	cells[5] = strcmp(e->state, "pending") == 0 ||
	    strcmp(e->state, "claimed") == 0 ? cli_time(e->next_attempt, next) :
	    "";
	cells[6] = e->last_error;
	cells[7] = e->message_id;
	return cli_table_add(rw->t, cells);
}

static int
outbox_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "failed", no_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *const head_en[] = { "ID", "STATE", "DESTINATION", "WHAT",
	    "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR", "MESSAGE ID" };
	const char *const head_ja[] = { "ID", "状態", "通知先", "内容",
	    "試行回数", "次回の試行", "最後のエラー", "メッセージ ID" };
	struct cp_portal portal;
	struct rows rw;
	long long limit = OUTBOX_LIMIT;
	unsigned flags = 0;
	int c, rc;
	cp_err r;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return outbox_help(cli);
		if (c == 'f')
			flags |= CP_NOTIFY_LIST_FAILED;
		else if (c == 'l') {
			if (cp_parse_ll(optarg, 1, OUTBOX_LIMIT_MAX, &limit) !=
			    CP_OK)
				return cli_usage(cli, "outbox", "--limit takes "
				    "a whole number from 1 to %d, not '%s'",
				    OUTBOX_LIMIT_MAX, optarg);
		} else
			return cli_bad_option(cli, "outbox", c, argv);
	}
	if (optind != argc)
		return cli_usage(cli, "outbox", "outbox list takes no "
		    "argument");
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	memset(&rw, 0, sizeof(rw));
	rw.cli = cli;
	if (cli->json)
		rw.arr = json_array();
	else
		rw.t = cli_table_new(8, strcmp(cli_text(cli, "en", "ja"),
		    "ja") == 0 ? head_ja : head_en);
	if (rw.arr == NULL && rw.t == NULL)
		return cli_error(cli, "out of memory");
	r = cp_notify_list(cli->store, portal.id, flags, (size_t)limit,
	    outbox_row, &rw);
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

static int
outbox_retry(struct cli *cli, int argc)
{
	struct cp_portal portal;
	size_t n = 0;
	char detail[64];
	int rc;
	cp_err r;

	if (argc != 1)
		return cli_usage(cli, "outbox", "outbox retry takes no "
		    "argument");
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	r = cp_store_begin(cli->store);
	if (r == CP_OK)
		r = cp_notify_retry_now(cli->store, portal.id, time(NULL), &n);
	snprintf(detail, sizeof(detail), "%zu deliveries", n);
	if (r == CP_OK)
		r = cp_audit(cli->store, portal.id, "cli", "outbox.retry",
		    detail);
	if (r == CP_OK)
		r = cp_store_commit(cli->store);
	if (r != CP_OK) {
		cp_store_rollback(cli->store);
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	}
	if (cli->json)
		return cli_print_json(json_pack("{s:I}", "due",
		    (json_int_t)n));
	printf(cli_text(cli, "%zu delivery(ies) due now; 'cloudpatrol notify "
	    "send' sends them\n", "配信 %zu 件を再送待ちにしました。"
	    "'cloudpatrol notify send' で送信します\n"), n);
	return CLI_OK;
}

int
cli_cmd_outbox(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(cli, "outbox", "outbox needs list or retry");
	if (cli_is_help(argv[1]))
		return outbox_help(cli);
	if (strcmp(argv[1], "list") == 0)
		return outbox_list(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "retry") == 0) {
		if (argc == 3 && cli_is_help(argv[2]))
			return outbox_help(cli);
		return outbox_retry(cli, argc - 1);
	}
	return cli_usage(cli, "outbox", "unknown outbox command '%s'",
	    argv[1]);
}
