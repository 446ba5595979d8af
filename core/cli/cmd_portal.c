/*
 * cmd_portal.c - "cloudpatrol portal add|list|remove" (R-TEN-1).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sched/tz.h"

static int
portal_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol portal add NAME [--lang ja|en]\n"
	    "       cloudpatrol portal list\n"
	    "       cloudpatrol portal remove NAME --yes\n"
	    "       cloudpatrol portal set NAME [--patrol-time HH:MM] "
	    "[--timezone ZONE]\n"
	    "A portal is one tenant: its environments, policy settings, "
	    "destinations,\nexclusions and history belong to it. NAME is "
	    "1 to 63 characters of a-z, 0-9\nand -. The language (default: "
	    "[core] language) is used for its reports and\nnotifications. "
	    "remove deletes the portal and everything it owns; --yes "
	    "confirms.\nset chooses when the daemon sends the daily patrol "
	    "report: HH:MM in 30-minute\nsteps (default 09:00) in the time "
	    "zone ZONE of the system's tz database\n(default UTC), e.g. "
	    "--patrol-time 09:30 --timezone Asia/Tokyo.\n",
	    "使い方: cloudpatrol portal add NAME [--lang ja|en]\n"
	    "        cloudpatrol portal list\n"
	    "        cloudpatrol portal remove NAME --yes\n"
	    "        cloudpatrol portal set NAME [--patrol-time HH:MM] "
	    "[--timezone ZONE]\n"
	    "ポータルは 1 テナントです。環境、ポリシー設定、通知先、除外、"
	    "履歴はポータルに\n属します。NAME は a-z・0-9・- の 1〜63 文字"
	    "です。言語 (既定は [core] language)\nはレポートと通知に使われ"
	    "ます。remove はポータルと所属するすべてを削除します。\n"
	    "確認のため --yes が必要です。\n"
	    "set はデーモンがパトロール日報を送る時刻を設定します: HH:MM "
	    "(30 分単位、既定\n09:00)、タイムゾーン ZONE はシステムの tz "
	    "データベースの名前 (既定 UTC) です。\n例: --patrol-time 09:30 "
	    "--timezone Asia/Tokyo\n"));
	return CLI_OK;
}

static int
portal_add(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *lang = NULL;
	cp_store *st;
	int64_t id;
	cp_err r;
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return portal_help(cli);
		if (c != 'l')
			return cli_bad_option(cli, "portal", c, argv);
		if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0)
			return cli_usage(cli, "portal",
			    "--lang takes ja or en, not '%s'", optarg);
		lang = optarg;
	}
	if (argc - optind != 1)
		return cli_usage(cli, "portal", "portal add takes one NAME");
	st = cli_store(cli);
	if (st == NULL)
		return CLI_ERROR;
	if (lang == NULL)
		lang = cli->lang != NULL ? cli->lang :
		    cp_core_config(cli->core)->language;
	/* The change and its audit row stand or fall together. */
	r = cp_store_begin(st);
	if (r == CP_OK)
		r = cp_portal_add(st, argv[optind], lang, &id);
	if (r == CP_OK)
		r = cp_audit(st, id, "cli", "portal.add", argv[optind]);
	if (r == CP_OK)
		r = cp_store_commit(st);
	if (r != CP_OK)
		cp_store_rollback(st);
	if (r == CP_E_INVALID)
		return cli_usage(cli, "portal", "bad portal name '%s': use 1 "
		    "to 63 characters of a-z, 0-9 and -", argv[optind]);
	if (r == CP_E_EXISTS)
		return cli_error(cli, "portal '%s' exists already",
		    argv[optind]);
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(st));
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:I, s:s}", "name",
		    argv[optind], "id", (json_int_t)id, "lang", lang));
	printf(cli_text(cli, "portal %s added (language %s)\n",
	    "ポータル %s を追加しました (言語 %s)\n"), argv[optind], lang);
	return CLI_OK;
}

/* "09:30" of a minute of the day. */
static const char *
hhmm(int minute, char buf[8])
{
	snprintf(buf, 8, "%02d:%02d", (minute / 60) % 24, minute % 60);
	return buf;
}

/*
 * Parses HH:MM of the patrol time into minutes; 0 when it is not a time
 * of day on a 30-minute step (why says which).
 */
static int
parse_patrol_time(struct cli *cli, const char *s, int *minute,
    const char **why)
{
	int h, m;

	if (strlen(s) != 5 || s[2] != ':' || !cp_str_only(s, "0123456789:") ||
	    s[0] == ':' || s[1] == ':' || s[3] == ':' || s[4] == ':') {
		*why = cli_text(cli, "expected HH:MM, like 09:30",
		    "HH:MM の形で指定してください (例: 09:30)");
		return 0;
	}
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59) {
		*why = cli_text(cli, "not a time of day (00:00 to 23:30)",
		    "時刻ではありません (00:00〜23:30)");
		return 0;
	}
	if (m != 0 && m != 30) {
		*why = cli_text(cli, "the patrol time goes in 30-minute steps "
		    "(HH:00 or HH:30)", "日報の時刻は 30 分単位です (HH:00 "
		    "または HH:30)");
		return 0;
	}
	*minute = h * 60 + m;
	return 1;
}

static int
portal_set(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "patrol-time", required_argument, NULL, 't' },
		{ "timezone", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cp_portal p;
	const char *time_arg = NULL, *zone = NULL, *why;
	char err[512], when[8];
	cp_store *st;
	cp_tz *tz = NULL;
	int c, minute = -1;
	cp_err r;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return portal_help(cli);
		if (c == 't')
			time_arg = optarg;
		else if (c == 'z')
			zone = optarg;
		else
			return cli_bad_option(cli, "portal", c, argv);
	}
	if (argc - optind != 1)
		return cli_usage(cli, "portal", "portal set takes one NAME");
	if (time_arg == NULL && zone == NULL)
		return cli_usage(cli, "portal", "portal set needs "
		    "--patrol-time HH:MM and/or --timezone ZONE");
	if (time_arg != NULL && !parse_patrol_time(cli, time_arg, &minute,
	    &why))
		return cli_usage(cli, "portal", "--patrol-time %s: %s",
		    time_arg, why);
	if (zone != NULL) {
		r = cp_tz_load(zone, &tz, err, sizeof(err));
		cp_tz_free(tz);
		if (r == CP_E_INVALID)
			return cli_usage(cli, "portal", "--timezone: %s", err);
		if (r != CP_OK)
			return cli_error(cli, "--timezone: %s", err);
	}
	st = cli_store(cli);
	if (st == NULL)
		return CLI_ERROR;
	r = cp_store_begin(st);
	if (r == CP_OK)
		r = cp_portal_get(st, argv[optind], &p);
	if (r == CP_OK)
		r = cp_portal_set_patrol(st, argv[optind], minute >= 0 ?
		    minute : p.patrol_minute, zone != NULL ? zone :
		    p.timezone);
	if (r == CP_OK)
		r = cp_portal_get(st, argv[optind], &p);
	if (r == CP_OK) {
		snprintf(err, sizeof(err), "patrol %s %s",
		    hhmm(p.patrol_minute, when), p.timezone);
		r = cp_audit(st, p.id, "cli", "portal.set", err);
	}
	if (r == CP_OK)
		r = cp_store_commit(st);
	if (r != CP_OK)
		cp_store_rollback(st);
	if (r == CP_E_NOTFOUND)
		return cli_error(cli, "no portal named '%s'", argv[optind]);
	if (r == CP_E_INVALID)
		return cli_usage(cli, "portal", "%s", cp_store_errmsg(st));
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(st));
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:s, s:s}", "name",
		    p.name, "patrol_time", hhmm(p.patrol_minute, when),
		    "timezone", p.timezone));
	printf(cli_text(cli, "portal %s: daily patrol report at %s %s "
	    "(the daemon picks it up within 5 minutes, or at once on "
	    "SIGHUP)\n", "ポータル %s: パトロール日報は毎日 %s (%s) "
	    "(デーモンへの反映は 5 分以内、SIGHUP で即時)\n"), p.name,
	    hhmm(p.patrol_minute, when), p.timezone);
	return CLI_OK;
}

struct list_ctx {
	struct cli *cli;
	struct cli_table *t;
	json_t *arr;
};

static cp_err
list_one(void *ud, const struct cp_portal *p)
{
	struct list_ctx *lc = ud;
	const char *cells[5];
	char when[8];

	if (lc->arr != NULL)
		return json_array_append_new(lc->arr, json_pack(
		    "{s:s, s:s, s:s, s:s, s:s}", "name", p->name, "lang",
		    p->lang, "created", p->created, "patrol_time",
		    hhmm(p->patrol_minute, when), "timezone",
		    p->timezone)) == 0 ? CP_OK : CP_E_NOMEM;
	cells[0] = p->name;
	cells[1] = p->lang;
	cells[2] = hhmm(p->patrol_minute, when);
	cells[3] = p->timezone;
	cells[4] = p->created;
	return cli_table_add(lc->t, cells);
}

static int
portal_list(struct cli *cli, int argc, char **argv)
{
	const char *const head_en[] = { "NAME", "LANGUAGE", "PATROL",
	    "TIME ZONE", "CREATED" };
	const char *const head_ja[] = { "名前", "言語", "日報時刻",
	    "タイムゾーン", "作成日時" };
	struct list_ctx lc;
	cp_store *st;
	cp_err r;

	if (argc > 1 && cli_is_help(argv[1]))
		return portal_help(cli);
	if (argc != 1)
		return cli_usage(cli, "portal", "portal list takes no "
		    "argument");
	st = cli_store(cli);
	if (st == NULL)
		return CLI_ERROR;
	memset(&lc, 0, sizeof(lc));
	lc.cli = cli;
	if (cli->json)
		lc.arr = json_array();
	else
		lc.t = cli_table_new(5, cli_is_ja(cli) ? head_ja : head_en);
	if (lc.arr == NULL && lc.t == NULL)
		return cli_error(cli, "out of memory");
	r = cp_portal_list(st, list_one, &lc);
	if (r != CP_OK) {
		json_decref(lc.arr);
		cli_table_free(lc.t);
		return cli_error(cli, "%s", cp_store_errmsg(st));
	}
	if (cli->json)
		return cli_print_json(lc.arr);
	cli_table_print(lc.t, stdout);
	cli_table_free(lc.t);
	return CLI_OK;
}

static int
portal_remove(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int yes = 0, c;
	cp_store *st;
	cp_err r;

	while ((c = getopt_long(argc, argv, ":yh", opts, NULL)) != -1) {
		if (c == 'h')
			return portal_help(cli);
		if (c != 'y')
			return cli_bad_option(cli, "portal", c, argv);
		yes = 1;
	}
	if (argc - optind != 1)
		return cli_usage(cli, "portal", "portal remove takes one NAME");
	if (!yes)
		return cli_usage(cli, "portal", "removing portal '%s' deletes "
		    "all it owns: add --yes to confirm", argv[optind]);
	st = cli_store(cli);
	if (st == NULL)
		return CLI_ERROR;
	/* Recorded installation-wide (portal 0): the portal's own audit
	 * rows go with it. */
	r = cp_store_begin(st);
	if (r == CP_OK)
		r = cp_portal_remove(st, argv[optind]);
	if (r == CP_OK)
		r = cp_audit(st, 0, "cli", "portal.remove", argv[optind]);
	if (r == CP_OK)
		r = cp_store_commit(st);
	if (r != CP_OK)
		cp_store_rollback(st);
	if (r == CP_E_NOTFOUND)
		return cli_error(cli, "no portal named '%s'", argv[optind]);
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(st));
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:b}", "name",
		    argv[optind], "removed", 1));
	printf(cli_text(cli, "portal %s removed\n",
	    "ポータル %s を削除しました\n"), argv[optind]);
	return CLI_OK;
}

int
cli_cmd_portal(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(cli, "portal", "portal needs add, list, "
		    "set or remove");
	if (cli_is_help(argv[1]))
		return portal_help(cli);
	if (strcmp(argv[1], "add") == 0)
		return portal_add(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return portal_list(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "remove") == 0)
		return portal_remove(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "set") == 0)
		return portal_set(cli, argc - 1, argv + 1);
	return cli_usage(cli, "portal", "unknown portal command '%s'",
	    argv[1]);
}
