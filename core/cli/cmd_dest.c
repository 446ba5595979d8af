/*
 * cmd_dest.c - "cloudpatrol dest ...": where a portal's notices go
 * (R-NOT-2).  A destination is checked by its notifier plugin before it
 * is stored; a Slack webhook URL is read from a private file or standard
 * input, stored sealed and never printed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "notify/deliver.h"
#include "notify/dest.h"
#include "notify/message.h"

#define HIDDEN "(set, hidden)"
#define DEST_UNITS_MAX 10000	/* --unit options of one command */

static const char dest_help_en[] =
    "Usage: cloudpatrol [-p PORTAL] dest add NAME --type mail|teams "
    "--to ADDR [--to ADDR]...\n"
    "                                  --unit ENV/UNIT [--unit ENV/UNIT]...\n"
    "       cloudpatrol [-p PORTAL] dest add NAME --type slack "
    "(--webhook-url-file FILE | --webhook-url -)\n"
    "                                  --unit ENV/UNIT [--unit ENV/UNIT]...\n"
    "       cloudpatrol [-p PORTAL] dest list\n"
    "       cloudpatrol [-p PORTAL] dest show NAME\n"
    "       cloudpatrol [-p PORTAL] dest remove NAME --yes\n"
    "       cloudpatrol [-p PORTAL] dest bind NAME --unit ENV/UNIT...\n"
    "       cloudpatrol [-p PORTAL] dest unbind NAME --unit ENV/UNIT...\n"
    "       cloudpatrol [-p PORTAL] dest test NAME\n"
    "A destination gets the risk notices, the remediation notices and the "
    "daily\npatrol report of the units bound to it; there may be any number "
    "of them.\nA Teams channel is reached by its e-mail address (type "
    "teams). The Slack\nwebhook URL is a secret: give it in a file only its "
    "owner can read, or '-' to\nread it from standard input; it is stored "
    "encrypted and never shown. add checks\nthe destination with its "
    "notifier plugin; test sends a test message now.\n";
static const char dest_help_ja[] =
    "使い方: cloudpatrol [-p PORTAL] dest add NAME --type mail|teams "
    "--to ADDR [--to ADDR]...\n"
    "                                  --unit ENV/UNIT [--unit ENV/UNIT]...\n"
    "        cloudpatrol [-p PORTAL] dest add NAME --type slack "
    "(--webhook-url-file FILE | --webhook-url -)\n"
    "                                  --unit ENV/UNIT [--unit ENV/UNIT]...\n"
    "        cloudpatrol [-p PORTAL] dest list\n"
    "        cloudpatrol [-p PORTAL] dest show NAME\n"
    "        cloudpatrol [-p PORTAL] dest remove NAME --yes\n"
    "        cloudpatrol [-p PORTAL] dest bind NAME --unit ENV/UNIT...\n"
    "        cloudpatrol [-p PORTAL] dest unbind NAME --unit ENV/UNIT...\n"
    "        cloudpatrol [-p PORTAL] dest test NAME\n"
    "通知先には、紐づけたユニットのリスク通知・対策通知・パトロール日報が"
    "届きます。\n数に上限はありません。Teams はチャンネルのメールアドレスで"
    "登録します (type teams)。\nSlack の Webhook URL は秘密情報です。所有者"
    "だけが読めるファイルか、標準入力を表す\n'-' で渡してください。暗号化して"
    "保存し、表示しません。add は通知プラグインで\n通知先を検査し、test は"
    "テストメッセージをすぐに送ります。\n";

static int
dest_help(struct cli *cli)
{
	printf("%s", cli_text(cli, dest_help_en, dest_help_ja));
	return CLI_OK;
}

/* What the options of a dest command said. */
struct dest_args {
	const char *name;
	const char *type;
	const char *webhook;	/* a file, or "-" */
	json_t *to;		/* addresses */
	json_t *units;		/* ENV/UNIT strings */
	int yes;
};

static void
args_free(struct dest_args *a)
{
	json_decref(a->to);
	json_decref(a->units);
}

/* Parses the options of sub (argv[0] is sub); CLI_OK or an exit code. */
static int
parse_args(struct cli *cli, const char *sub, int argc, char **argv,
    struct dest_args *a)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "to", required_argument, NULL, 'T' },
		{ "unit", required_argument, NULL, 'u' },
		{ "webhook-url-file", required_argument, NULL, 'F' },
		{ "webhook-url", required_argument, NULL, 'W' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, add = strcmp(sub, "add") == 0;

	memset(a, 0, sizeof(*a));
	a->to = json_array();
	a->units = json_array();
	if (a->to == NULL || a->units == NULL)
		return cli_error(cli, "out of memory");
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			dest_help(cli);
			return -1;
		case 't':
		case 'T':
		case 'F':
		case 'W':
			if (!add)
				return cli_usage(cli, "dest", "dest %s takes "
				    "no --type, --to or webhook URL", sub);
			if (c == 't') {
				a->type = optarg;
				break;
			}
			if (c == 'T') {
				if (json_array_append_new(a->to,
				    json_string(optarg)) != 0)
					return cli_usage(cli, "dest", "'%s' is "
					    "not valid UTF-8 text", optarg);
				break;
			}
			if (a->webhook != NULL)
				return cli_usage(cli, "dest", "give the "
				    "webhook URL once");
			if (c == 'W' && strcmp(optarg, "-") != 0)
				return cli_usage(cli, "dest", "the webhook "
				    "URL is secret: give it with "
				    "--webhook-url-file FILE or as '-' on "
				    "standard input, never on the command "
				    "line");
			a->webhook = optarg;
			break;
		case 'u':
			if (json_array_size(a->units) >= DEST_UNITS_MAX ||
			    json_array_append_new(a->units,
			    json_string(optarg)) != 0)
				return cli_usage(cli, "dest", "bad --unit '%s'",
				    optarg);
			break;
		case 'y':
			a->yes = 1;
			break;
		default:
			return cli_bad_option(cli, "dest", c, argv);
		}
	}
	if (optind + 1 != argc)
		return cli_usage(cli, "dest", "dest %s takes one NAME", sub);
	a->name = argv[optind];
	return CLI_OK;
}

/* The unit ENV/UNIT of the portal; CLI_OK or an exit code. */
static int
find_unit(struct cli *cli, const struct cp_portal *portal, const char *spec,
    int64_t *unit_id)
{
	const char *slash = strchr(spec, '/');
	char env_name[64];
	struct cp_env env;
	struct cp_unit unit;
	size_t n;
	cp_err r;

	if (slash == NULL || slash == spec || slash[1] == '\0' ||
	    (n = (size_t)(slash - spec)) >= sizeof(env_name))
		return cli_usage(cli, "dest", "a unit is given as ENV/UNIT, "
		    "not '%s'", spec);
	memcpy(env_name, spec, n);
	env_name[n] = '\0';
	r = cp_env_get(cli->store, portal->id, env_name, &env);
	if (r == CP_E_NOTFOUND || r == CP_E_INVALID)
		return cli_error(cli, "portal %s has no environment '%s'",
		    portal->name, env_name);
	if (r == CP_OK)
		r = cp_unit_get(cli->store, env.id, slash + 1, &unit);
	if (r == CP_E_NOTFOUND)
		return cli_error(cli, "environment %s has no unit '%s' (see "
		    "'cloudpatrol unit list %s')", env_name, slash + 1,
		    env_name);
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	*unit_id = unit.id;
	return CLI_OK;
}

/* The unit ids of every --unit, duplicates dropped. */
static int
find_units(struct cli *cli, const struct cp_portal *portal,
    const json_t *specs, int64_t **ids, size_t *n)
{
	size_t i, j;
	json_t *v;
	int rc;

	*n = 0;
	*ids = calloc(json_array_size(specs) + 1, sizeof(**ids));
	if (*ids == NULL)
		return cli_error(cli, "out of memory");
	json_array_foreach(specs, i, v) {
		int64_t id;

		rc = find_unit(cli, portal, json_string_value(v), &id);
		if (rc != CLI_OK)
			return rc;
		for (j = 0; j < *n && (*ids)[j] != id; j++)
			;
		if (j == *n)
			(*ids)[(*n)++] = id;
	}
	return CLI_OK;
}

/* Reads the webhook URL from a private file, or stdin for "-". */
static int
read_webhook(struct cli *cli, const char *src, char **out)
{
	char why[512];
	cp_err r;

	if (strcmp(src, "-") == 0)
		r = cp_secret_read_fd(STDIN_FILENO, CP_DEST_URL_MAX + 2, out,
		    NULL, why, sizeof(why));
	else
		r = cp_secret_read_file(src, CP_DEST_URL_MAX + 2, out, NULL,
		    why, sizeof(why));
	if (r != CP_OK)
		return cli_error(cli, "webhook URL: %s", why);
	return CLI_OK;
}

/* The plugin for type, or NULL after saying why. */
static const struct cp_notifier_ops *
find_notifier(struct cli *cli, const char *type, void **ctx)
{
	cp_registry *reg = cli_plugins(cli);
	const struct cp_notifier_ops *ops;

	if (reg == NULL)
		return NULL;
	ops = cp_notify_find(reg, type, ctx);
	if (ops == NULL)
		cli_error(cli, "no notifier plugin for %s destinations is "
		    "running (see 'cloudpatrol plugins')", type);
	return ops;
}

static int
dest_add(struct cli *cli, int argc, char **argv)
{
	const struct cp_notifier_ops *ops;
	struct cp_portal portal;
	struct dest_args a;
	json_t *params = NULL, *secrets = NULL, *plugin_dest = NULL;
	int64_t *units = NULL, id = 0;
	size_t n_units = 0, i;
	char why[512], *url = NULL, detail[256];
	void *ctx = NULL;
	int rc, slack;
	cp_err r;

	rc = parse_args(cli, "add", argc, argv, &a);
	if (rc != CLI_OK)
		goto out;
	if (a.type == NULL) {
		rc = cli_usage(cli, "dest", "dest add needs --type mail, teams "
		    "or slack");
		goto out;
	}
	slack = strcmp(a.type, "slack") == 0;
	if (slack && (a.webhook == NULL || json_array_size(a.to) > 0)) {
		rc = cli_usage(cli, "dest", "a slack destination takes "
		    "--webhook-url-file FILE (or --webhook-url -) and no --to");
		goto out;
	}
	if (!slack && (a.webhook != NULL || json_array_size(a.to) == 0)) {
		rc = cli_usage(cli, "dest", "a %s destination takes --to ADDR "
		    "and no webhook URL", a.type);
		goto out;
	}
	if (json_array_size(a.units) == 0) {
		rc = cli_usage(cli, "dest", "name the units it is for: --unit "
		    "ENV/UNIT");
		goto out;
	}
	params = slack ? json_object() : json_pack("{s:O}", "to", a.to);
	secrets = json_object();
	if (params == NULL || secrets == NULL) {
		rc = cli_error(cli, "out of memory");
		goto out;
	}
	if (slack) {
		rc = read_webhook(cli, a.webhook, &url);
		if (rc != CLI_OK)
			goto out;
		r = json_object_set_new(secrets, "webhook_url",
		    json_string(url)) == 0 ? CP_OK : CP_E_INVALID;
		cp_memwipe(url, strlen(url));
		free(url);
		if (r != CP_OK) {
			rc = cli_error(cli, "webhook URL: not valid UTF-8 "
			    "text");
			goto out;
		}
	}
	if (cp_dest_check(a.name, a.type, params, secrets, why,
	    sizeof(why)) != CP_OK) {
		rc = cli_usage(cli, "dest", "%s", why);
		goto out;
	}
	rc = cli_portal(cli, &portal);
	if (rc == CLI_OK)
		rc = find_units(cli, &portal, a.units, &units, &n_units);
	if (rc != CLI_OK)
		goto out;
	ops = find_notifier(cli, a.type, &ctx);
	if (ops == NULL) {
		rc = cli_error(cli, "destination %s not added", a.name);
		goto out;
	}
	if (ops->check_destination != NULL) {
		plugin_dest = json_deep_copy(params);
		if (plugin_dest == NULL || json_object_update(plugin_dest,
		    secrets) != 0 || json_object_set_new(plugin_dest, "name",
		    json_string(a.name)) != 0 || json_object_set_new(
		    plugin_dest, "type", json_string(a.type)) != 0) {
			rc = cli_error(cli, "out of memory");
			goto out;
		}
		why[0] = '\0';
		r = ops->check_destination(ctx, plugin_dest, why, sizeof(why));
		why[sizeof(why) - 1] = '\0';
		if (r != CP_OK) {
			rc = cli_error(cli, "destination %s refused by its "
			    "plugin: %s", a.name, why[0] != '\0' ? why :
			    cp_strerror(r));
			goto out;
		}
	}
	snprintf(detail, sizeof(detail), "%s (%s, %zu unit(s))", a.name,
	    a.type, n_units);
	r = cp_store_begin(cli->store);
	if (r == CP_OK)
		r = cp_dest_add(cli->store, portal.id, a.name, a.type, params,
		    secrets, time(NULL), &id);
	for (i = 0; r == CP_OK && i < n_units; i++)
		r = cp_dest_bind(cli->store, id, units[i]);
	if (r == CP_OK)
		r = cp_audit(cli->store, portal.id, "cli", "destination.add",
		    detail);
	if (r == CP_OK)
		r = cp_store_commit(cli->store);
	if (r != CP_OK) {
		cp_store_rollback(cli->store);
		rc = cli_error(cli, "%s", cp_store_errmsg(cli->store));
		goto out;
	}
	if (cli->json)
		rc = cli_print_json(json_pack("{s:s, s:s, s:I}", "name",
		    a.name, "type", a.type, "units", (json_int_t)n_units));
	else
		printf(cli_text(cli, "destination %s (%s) added for %zu "
		    "unit(s)\n", "通知先 %s (%s) を追加しました (ユニット %zu "
		    "件)\n"), a.name, a.type, n_units);
out:
	json_decref(plugin_dest);
	json_decref(params);
	json_decref(secrets);
	free(units);
	args_free(&a);
	return rc < 0 ? CLI_OK : rc;
}

/* The destination NAME of the portal; CLI_OK or an exit code. */
static int
load_dest(struct cli *cli, const char *name, struct cp_portal *portal,
    struct cp_dest *d)
{
	int rc;
	cp_err r;

	memset(d, 0, sizeof(*d));
	rc = cli_portal(cli, portal);
	if (rc != CLI_OK)
		return rc;
	r = cp_dest_get(cli->store, portal->id, name, d);
	if (r == CP_E_NOTFOUND)
		return cli_error(cli, "portal %s has no destination '%s' (see "
		    "'cloudpatrol dest list')", portal->name, name);
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	return CLI_OK;
}

/* The addresses of d joined, or the hidden URL. */
static void
target_text(const struct cp_dest *d, char *buf, size_t n)
{
	const json_t *to = json_object_get(d->params, "to"), *v;
	size_t i, len = 0;
	int w;

	buf[0] = '\0';
	if (strcmp(d->type, "slack") == 0) {
		snprintf(buf, n, "webhook URL %s", d->has_secret ? HIDDEN :
		    "(none)");
		return;
	}
	json_array_foreach(to, i, v) {
		w = snprintf(buf + len, n - len, "%s%s", i > 0 ? ", " : "",
		    json_string_value(v) != NULL ? json_string_value(v) : "");
		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
}

/* The JSON of d as shown: never the URL. */
static json_t *
dest_json(const struct cp_dest *d)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "name", d->name, "type",
	    d->type, "units", (json_int_t)d->units, "created",
	    (json_int_t)d->created);

	if (o == NULL)
		return NULL;
	if (strcmp(d->type, "slack") == 0) {
		if (json_object_set_new(o, "webhook_url", json_string(
		    d->has_secret ? HIDDEN : "")) != 0)
			goto fail;
	} else if (json_object_set(o, "to", json_object_get(d->params, "to")
	    != NULL ? json_object_get(d->params, "to") : json_null()) != 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

struct list_ctx {
	struct cli *cli;
	struct cli_table *t;
	json_t *arr;
};

static cp_err
list_row(void *ud, const struct cp_dest *d)
{
	struct list_ctx *lc = ud;
	char target[1024], units[32];
	const char *cells[4];

	if (lc->arr != NULL)
		return json_array_append_new(lc->arr, dest_json(d)) == 0 ?
		    CP_OK : CP_E_NOMEM;
	target_text(d, target, sizeof(target));
	snprintf(units, sizeof(units), "%zu", d->units);
	cells[0] = d->name;
	cells[1] = d->type;
	cells[2] = target;
	cells[3] = units;
	return cli_table_add(lc->t, cells);
}

static int
dest_list(struct cli *cli, int argc, char **argv)
{
	const char *const head_en[] = { "NAME", "TYPE", "TO", "UNITS" };
	const char *const head_ja[] = { "名前", "種別", "宛先", "ユニット数" };
	struct cp_portal portal;
	struct list_ctx lc;
	int rc;
	cp_err r;

	(void)argv;
	if (argc != 1)
		return cli_usage(cli, "dest", "dest list takes no argument");
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	memset(&lc, 0, sizeof(lc));
	lc.cli = cli;
	if (cli->json)
		lc.arr = json_array();
	else
		lc.t = cli_table_new(4, strcmp(cli_text(cli, "en", "ja"),
		    "ja") == 0 ? head_ja : head_en);
	if (lc.arr == NULL && lc.t == NULL)
		return cli_error(cli, "out of memory");
	r = cp_dest_list(cli->store, portal.id, list_row, &lc);
	if (r != CP_OK) {
		json_decref(lc.arr);
		cli_table_free(lc.t);
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	}
	if (cli->json)
		return cli_print_json(lc.arr);
	cli_table_print(lc.t, stdout);
	cli_table_free(lc.t);
	return CLI_OK;
}

static cp_err
unit_name(void *ud, const struct cp_dest_unit *u)
{
	char label[400];

	if (strcmp(u->name, u->unit) != 0 && u->name[0] != '\0')
		snprintf(label, sizeof(label), "%s/%s (%s)", u->env, u->unit,
		    u->name);
	else
		snprintf(label, sizeof(label), "%s/%s", u->env, u->unit);
	return json_array_append_new(ud, json_string(label)) == 0 ? CP_OK :
	    CP_E_NOMEM;
}

static int
dest_show(struct cli *cli, int argc, char **argv)
{
	struct cp_dest_counts cnt;
	struct cp_portal portal;
	struct cp_dest d;
	char target[4096], when[32];
	json_t *units = NULL, *o, *v;
	size_t i;
	int rc;
	cp_err r;

	if (argc != 2)
		return cli_usage(cli, "dest", "dest show takes one NAME");
	rc = load_dest(cli, argv[1], &portal, &d);
	if (rc != CLI_OK)
		return rc;
	units = json_array();
	r = units == NULL ? CP_E_NOMEM : cp_dest_units(cli->store, d.id,
	    unit_name, units);
	if (r == CP_OK)
		r = cp_dest_counts(cli->store, d.id, &cnt);
	if (r != CP_OK) {
		rc = cli_error(cli, "%s", cp_store_errmsg(cli->store));
		goto out;
	}
	if (cli->json) {
		o = dest_json(&d);
		if (o == NULL || json_object_set(o, "units", units) != 0 ||
		    json_object_set_new(o, "deliveries", json_pack(
		    "{s:I, s:I, s:I}", "sent", (json_int_t)cnt.sent, "waiting",
		    (json_int_t)cnt.waiting, "failed", (json_int_t)cnt.failed))
		    != 0) {
			json_decref(o);
			o = NULL;
		}
		rc = cli_print_json(o);
		goto out;
	}
	target_text(&d, target, sizeof(target));
	printf("%-12s %s\n", cli_text(cli, "name:", "名前:"), d.name);
	printf("%-12s %s\n", cli_text(cli, "type:", "種別:"), d.type);
	printf("%-12s %s\n", cli_text(cli, "to:", "宛先:"), target);
	printf("%-12s %s\n", cli_text(cli, "created:", "作成:"),
	    cli_time(d.created, when));
	printf("%-12s %zu %s, %zu %s, %zu %s\n", cli_text(cli, "deliveries:",
	    "配信:"), cnt.sent, cli_text(cli, "sent", "送信済み"), cnt.waiting,
	    cli_text(cli, "waiting", "待機中"), cnt.failed, cli_text(cli,
	    "failed", "失敗"));
	printf("%s\n", cli_text(cli, "units:", "ユニット:"));
	json_array_foreach(units, i, v)
		printf("  %s\n", json_string_value(v));
	rc = CLI_OK;
out:
	json_decref(units);
	cp_dest_clear(&d);
	return rc;
}

static int
dest_remove(struct cli *cli, int argc, char **argv)
{
	struct cp_portal portal;
	struct dest_args a;
	struct cp_dest d;
	int rc;
	cp_err r;

	memset(&d, 0, sizeof(d));
	rc = parse_args(cli, "remove", argc, argv, &a);
	if (rc != CLI_OK)
		goto out;
	if (!a.yes || json_array_size(a.units) > 0) {
		rc = cli_usage(cli, "dest", "removing destination '%s' drops "
		    "its bindings and waiting deliveries: add --yes to confirm "
		    "(and no --unit)", a.name);
		goto out;
	}
	rc = load_dest(cli, a.name, &portal, &d);
	if (rc != CLI_OK)
		goto out;
	r = cp_store_begin(cli->store);
	if (r == CP_OK)
		r = cp_dest_remove(cli->store, portal.id, a.name);
	if (r == CP_OK)
		r = cp_audit(cli->store, portal.id, "cli", "destination.remove",
		    a.name);
	if (r == CP_OK)
		r = cp_store_commit(cli->store);
	if (r != CP_OK) {
		cp_store_rollback(cli->store);
		rc = cli_error(cli, "%s", cp_store_errmsg(cli->store));
		goto out;
	}
	if (cli->json)
		rc = cli_print_json(json_pack("{s:s, s:b}", "name", a.name,
		    "removed", 1));
	else
		printf(cli_text(cli, "destination %s removed\n",
		    "通知先 %s を削除しました\n"), a.name);
out:
	cp_dest_clear(&d);
	args_free(&a);
	return rc < 0 ? CLI_OK : rc;
}

/* bind and unbind: one audit row per unit, all in one transaction. */
static int
dest_bind(struct cli *cli, int bind, int argc, char **argv)
{
	const char *sub = bind ? "bind" : "unbind";
	struct cp_portal portal;
	struct dest_args a;
	struct cp_dest d;
	int64_t *units = NULL;
	size_t n = 0, i;
	char detail[512];
	int rc;
	cp_err r;

	memset(&d, 0, sizeof(d));
	rc = parse_args(cli, sub, argc, argv, &a);
	if (rc == CLI_OK && json_array_size(a.units) == 0)
		rc = cli_usage(cli, "dest", "dest %s needs --unit ENV/UNIT",
		    sub);
	if (rc == CLI_OK && a.yes)
		rc = cli_usage(cli, "dest", "dest %s takes no --yes", sub);
	if (rc == CLI_OK)
		rc = load_dest(cli, a.name, &portal, &d);
	if (rc == CLI_OK)
		rc = find_units(cli, &portal, a.units, &units, &n);
	if (rc != CLI_OK)
		goto out;
	r = cp_store_begin(cli->store);
	for (i = 0; r == CP_OK && i < n; i++) {
		r = bind ? cp_dest_bind(cli->store, d.id, units[i]) :
		    cp_dest_unbind(cli->store, d.id, units[i]);
		snprintf(detail, sizeof(detail), "%s %s", a.name,
		    json_string_value(json_array_get(a.units, i)));
		if (r == CP_OK)
			r = cp_audit(cli->store, portal.id, "cli", bind ?
			    "destination.bind" : "destination.unbind", detail);
	}
	if (r == CP_OK)
		r = cp_store_commit(cli->store);
	if (r != CP_OK) {
		cp_store_rollback(cli->store);
		rc = cli_error(cli, "%s", cp_store_errmsg(cli->store));
		goto out;
	}
	if (cli->json)
		rc = cli_print_json(json_pack("{s:s, s:s, s:I}", "name",
		    a.name, bind ? "bound" : "unbound", (json_int_t)n));
	else
		printf(bind ? cli_text(cli, "%zu unit(s) bound to %s\n",
		    "%zu 件のユニットを %s に紐づけました\n") : cli_text(cli,
		    "%zu unit(s) unbound from %s\n",
		    "%zu 件のユニットを %s から外しました\n"), n, a.name);
out:
	free(units);
	cp_dest_clear(&d);
	args_free(&a);
	return rc < 0 ? CLI_OK : rc;
}

static int
dest_test(struct cli *cli, int argc, char **argv)
{
	const struct cp_notifier_ops *ops;
	struct cp_render_ctx rc_ctx;
	struct cp_portal portal;
	struct cp_dest d;
	json_t *msg = NULL, *pdest = NULL;
	char why[1024], host[128], mid[256];
	const char *outcome;
	void *ctx = NULL;
	time_t now = time(NULL);
	int rc, res;
	cp_err r;

	if (argc != 2)
		return cli_usage(cli, "dest", "dest test takes one NAME");
	rc = load_dest(cli, argv[1], &portal, &d);
	if (rc != CLI_OK)
		return rc;
	ops = find_notifier(cli, d.type, &ctx);
	if (ops == NULL) {
		rc = CLI_ERROR;
		goto out;
	}
	cp_notify_hostname(host, sizeof(host));
	snprintf(mid, sizeof(mid), "<cp.test.%lld.%lld@%s>", (long long)d.id,
	    (long long)now, host);
	memset(&rc_ctx, 0, sizeof(rc_ctx));
	rc_ctx.lang = portal.lang;
	rc_ctx.message_id = mid;
	rc_ctx.portal = portal.name;
	r = cp_notify_render_test(&rc_ctx, d.name, now, &msg);
	if (r == CP_OK)
		r = cp_dest_plugin_json(cli->store, d.id, &pdest);
	if (r != CP_OK) {
		rc = cli_error(cli, "%s: %s", d.name, r == CP_E_NOMEM ?
		    "out of memory" : cp_store_errmsg(cli->store));
		goto out;
	}
	why[0] = '\0';
	res = ops->send(ctx, pdest, msg, why, sizeof(why));
	why[sizeof(why) - 1] = '\0';
	json_decref(pdest);
	pdest = NULL;
	outcome = res == CP_SEND_OK ? "sent" : res == CP_SEND_RETRY ?
	    "retry" : "failed";
	if (cli->json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:s}", "name", d.name,
		    "outcome", outcome, "message_id", mid, "why", why));
	else if (res == CP_SEND_OK)
		printf(cli_text(cli, "test message sent to %s\n",
		    "%s にテストメッセージを送りました\n"), d.name);
	else
		cli_error(cli, "%s: %s: %s", d.name, res == CP_SEND_RETRY ?
		    cli_text(cli, "not sent, a passing failure",
		    "送信できませんでした (一時的な失敗)") :
		    cli_text(cli, "not sent", "送信できませんでした"),
		    why[0] != '\0' ? why : "?");
	rc = res == CP_SEND_OK ? CLI_OK : CLI_ERROR;
out:
	json_decref(msg);
	json_decref(pdest);
	cp_dest_clear(&d);
	return rc;
}

int
cli_cmd_dest(struct cli *cli, int argc, char **argv)
{
	const char *sub;

	if (argc < 2)
		return cli_usage(cli, "dest", "dest needs add, list, show, "
		    "remove, bind, unbind or test");
	if (cli_is_help(argv[1]))
		return dest_help(cli);
	sub = argv[1];
	argc--;
	argv++;
	if (argc >= 2 && cli_is_help(argv[1]))
		return dest_help(cli);
	if (strcmp(sub, "add") == 0)
		return dest_add(cli, argc, argv);
	if (strcmp(sub, "list") == 0)
		return dest_list(cli, argc, argv);
	if (strcmp(sub, "show") == 0)
		return dest_show(cli, argc, argv);
	if (strcmp(sub, "remove") == 0)
		return dest_remove(cli, argc, argv);
	if (strcmp(sub, "bind") == 0)
		return dest_bind(cli, 1, argc, argv);
	if (strcmp(sub, "unbind") == 0)
		return dest_bind(cli, 0, argc, argv);
	if (strcmp(sub, "test") == 0)
		return dest_test(cli, argc, argv);
	return cli_usage(cli, "dest", "unknown dest command '%s'", sub);
}
