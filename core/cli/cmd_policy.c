/*
 * cmd_policy.c - "policy list" and "policy set": the portal's one set of
 * policy choices (R-INS-2).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "inspect/inspect.h"

static int
policy_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol [-p PORTAL] [--json] policy list [--cloud C] "
	    "[--framework F]\n"
	    "       cloudpatrol [-p PORTAL] policy show ID\n"
	    "       cloudpatrol [-p PORTAL] policy set ID [--enable|--disable] "
	    "[--notify on|off]\n"
	    "                   [--remediate on|off] [--param NAME=VALUE]... "
	    "[--reset]\n"
	    "list shows every loaded policy with the portal's choices; set "
	    "changes them.\n--remediate on is refused for a notify-only "
	    "policy; parameters are checked\nagainst their type and bounds; "
	    "--param NAME= (empty) returns a parameter to its\ndefault; "
	    "--reset returns the whole policy to the pack's defaults.\n",
	    "使い方: cloudpatrol [-p PORTAL] [--json] policy list [--cloud C] "
	    "[--framework F]\n"
	    "        cloudpatrol [-p PORTAL] policy show ID\n"
	    "        cloudpatrol [-p PORTAL] policy set ID [--enable|--disable] "
	    "[--notify on|off]\n"
	    "                    [--remediate on|off] [--param NAME=VALUE]... "
	    "[--reset]\n"
	    "list は読み込んだポリシーとポータルの設定を表示し、set で変更"
	    "します。通知のみの\nポリシーに --remediate on は指定できません。"
	    "パラメータは型と範囲を検査します。\n--param NAME= (空) で既定値に"
	    "戻し、--reset でポリシー全体をパックの既定値に\n戻します。\n"));
	return CLI_OK;
}

static const char *
on_off(int v)
{
	return v ? "on" : "off";
}

static const struct cp_policy *
find_policy(struct cli *cli, const char *id)
{
	cp_policy_set *set = cli_policies(cli);
	const struct cp_policy *p;

	if (set == NULL)
		return NULL;
	p = cp_policy_set_find(set, id);
	if (p == NULL)
		cli_error(cli, "no policy '%s' (see 'cloudpatrol policy list')",
		    id);
	return p;
}

static int
policy_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cloud", required_argument, NULL, 'c' },
		{ "framework", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char *const head_en[] = { "ID", "CLOUD", "SEVERITY", "CATEGORY",
	    "ENABLED", "NOTIFY", "REMEDIATE", "TITLE" };
	const char *const head_ja[] = { "ID", "クラウド", "重要度", "カテゴリ",
	    "有効", "通知", "対策", "名称" };
	const char *cloud = NULL, *fw = NULL;
	struct cp_portal portal;
	struct cli_table *t = NULL;
	cp_policy_set *set;
	json_t *arr = NULL;
	size_t i;
	int c, rc, ja = cli_is_ja(cli);

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'c')
			cloud = optarg;
		else if (c == 'f')
			fw = optarg;
		else
			return cli_bad_option(cli, "policy", c, argv);
	}
	if (optind != argc)
		return cli_usage(cli, "policy", "policy list takes no argument");
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	set = cli_policies(cli);
	if (set == NULL)
		return CLI_ERROR;
	if (cli->json)
		arr = json_array();
	else
		t = cli_table_new(8, ja ? head_ja : head_en);
	if (arr == NULL && t == NULL)
		return cli_error(cli, "out of memory");
	for (i = 0; i < cp_policy_set_count(set); i++) {
		const struct cp_policy *p = cp_policy_set_at(set, i);
		struct cp_lc_setting s;
		const char *cells[8];
		cp_err r;

		if (cloud != NULL && strcmp(p->cloud, cloud) != 0)
			continue;
		if (fw != NULL && json_object_get(p->frameworks, fw) == NULL)
			continue;
		r = cp_inspect_setting(cli->store, portal.id, p, &s);
		if (r != CP_OK) {
			json_decref(arr);
			cli_table_free(t);
			return cli_error(cli, "%s", cp_store_errmsg(cli->store));
		}
		if (arr != NULL) {
			r = json_array_append_new(arr, json_pack("{s:s, s:s, s:s, "
			    "s:s, s:s, s:b, s:b, s:b, s:b, s:O, s:O}",
			    "id", p->id, "cloud", p->cloud, "severity",
			    cp_policy_severity_name(p->severity), "category",
			    cp_policy_category_name(p->category), "title",
			    ja ? p->title.ja : p->title.en, "enabled",
			    s.enabled, "notify", s.notify, "remediate",
			    s.remediate && p->remediation_action != NULL,
			    "remediable", p->remediation_action != NULL,
			    "params", s.params, "frameworks", p->frameworks)) ==
			    0 ? CP_OK : CP_E_NOMEM;
		} else {
			cells[0] = p->id;
			cells[1] = p->cloud;
			cells[2] = cp_policy_severity_name(p->severity);
			cells[3] = cp_policy_category_name(p->category);
			cells[4] = on_off(s.enabled);
			cells[5] = on_off(s.notify);
			cells[6] = p->remediation_action == NULL ? "-" :
			    on_off(s.remediate);
			cells[7] = ja ? p->title.ja : p->title.en;
			r = cli_table_add(t, cells);
		}
		cp_lc_setting_clear(&s);
		if (r != CP_OK) {
			json_decref(arr);
			cli_table_free(t);
			return cli_error(cli, "out of memory");
		}
	}
	if (arr != NULL)
		return cli_print_json(arr);
	cli_table_print(t, stdout);
	cli_table_free(t);
	return CLI_OK;
}

static int
parse_on_off(struct cli *cli, const char *opt, const char *v, int *out)
{
	if (strcmp(v, "on") == 0)
		*out = 1;
	else if (strcmp(v, "off") == 0)
		*out = 0;
	else
		return cli_usage(cli, "policy", "%s takes on or off, not '%s'",
		    opt, v);
	return CLI_OK;
}

/* Notes NAME=VALUE (as text, checked later); "NAME=" means the default. */
static int
add_param(struct cli *cli, json_t *params, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char name[128];

	if (eq == NULL || eq == arg)
		return cli_usage(cli, "policy", "--param takes NAME=VALUE, not "
		    "'%s'", arg);
	if ((size_t)(eq - arg) >= sizeof(name))
		return cli_usage(cli, "policy", "parameter name too long");
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	if (json_object_set_new(params, name, eq[1] == '\0' ? json_null() :
	    json_string(eq + 1)) != 0)
		return cli_usage(cli, "policy", "--param %s: not valid UTF-8",
		    name);
	return CLI_OK;
}

static int
policy_set(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "enable", no_argument, NULL, 'e' },
		{ "disable", no_argument, NULL, 'd' },
		{ "notify", required_argument, NULL, 'n' },
		{ "remediate", required_argument, NULL, 'r' },
		{ "param", required_argument, NULL, 'p' },
		{ "reset", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	struct cp_lc_setting_change ch;
	struct cp_lc_defaults def;
	struct cp_portal portal;
	const struct cp_policy *p;
	json_t *params = NULL, *defaults = NULL;
	char why[512];
	int c, rc, reset = 0, changed = 0;
	cp_err r;

	memset(&ch, 0, sizeof(ch));
	ch.enabled = ch.notify = ch.remediate = -1;
	params = json_object();
	if (params == NULL)
		return cli_error(cli, "out of memory");
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		rc = CLI_OK;
		changed = 1;
		switch (c) {
		case 'e':
		case 'd':
			ch.enabled = c == 'e';
			break;
		case 'n':
			rc = parse_on_off(cli, "--notify", optarg, &ch.notify);
			break;
		case 'r':
			rc = parse_on_off(cli, "--remediate", optarg,
			    &ch.remediate);
			break;
		case 'R':
			reset = 1;
			break;
		case 'p':
			rc = add_param(cli, params, optarg);
			break;
		default:
			rc = cli_bad_option(cli, "policy", c, argv);
			break;
		}
		if (rc != CLI_OK) {
			json_decref(params);
			return rc;
		}
	}
	if (argc - optind != 1) {
		json_decref(params);
		return cli_usage(cli, "policy", "policy set takes one ID");
	}
	if (!changed) {
		json_decref(params);
		return cli_usage(cli, "policy", "policy set needs something to "
		    "change (see --help)");
	}
	rc = cli_portal(cli, &portal);
	p = rc == CLI_OK ? find_policy(cli, argv[optind]) : NULL;
	if (p == NULL) {
		json_decref(params);
		return rc != CLI_OK ? rc : CLI_ERROR;
	}
	if (ch.remediate == 1 && p->remediation_action == NULL) {
		json_decref(params);
		return cli_usage(cli, "policy", "policy %s only notifies: it "
		    "has no remediation to turn on", p->id);
	}
	/* Every value is checked against its type and bounds, and stored
	 * as the type it has. */
	{
		const char *name;
		json_t *v, *checked = json_object();
		void *tmp;

		json_object_foreach_safe(params, tmp, name, v) {
			json_t *parsed = NULL;

			if (json_is_null(v)) {
				if (cp_policy_param_find(p, name) == NULL)
					goto bad_name;
				json_object_set_new(checked, name,
				    json_null());
				continue;
			}
			r = cp_policy_check_param(p, name,
			    json_string_value(v), &parsed, why, sizeof(why));
			if (r != CP_OK) {
				json_decref(checked);
				json_decref(params);
				return cli_usage(cli, "policy", "%s", why);
			}
			json_object_set_new(checked, name, parsed);
			continue;
bad_name:
			json_decref(checked);
			json_decref(params);
			return cli_usage(cli, "policy", "policy %s has no "
			    "parameter '%s'", p->id, name);
		}
		json_decref(params);
		params = checked;
	}
	ch.params = json_object_size(params) > 0 ? params : NULL;
	r = cp_inspect_defaults(p, &def, &defaults);
	if (r == CP_OK)
		r = cp_store_begin(cli->store);
	if (r == CP_OK && reset) {
		r = cp_lc_setting_reset(cli->store, portal.id, p->id);
		if (r == CP_E_NOTFOUND)
			r = CP_OK;	/* at the defaults already */
	}
	if (r == CP_OK && (ch.enabled >= 0 || ch.notify >= 0 ||
	    ch.remediate >= 0 || ch.params != NULL))
		r = cp_lc_setting_set(cli->store, portal.id, p->id, &def, &ch,
		    time(NULL));
	if (r == CP_OK)
		r = cp_audit(cli->store, portal.id, "cli", "policy.set", p->id);
	if (r == CP_OK)
		r = cp_store_commit(cli->store);
	if (r != CP_OK)
		cp_store_rollback(cli->store);
	json_decref(defaults);
	json_decref(params);
	if (r == CP_E_INVALID)
		return cli_usage(cli, "policy", "%s",
		    cp_store_errmsg(cli->store));
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:b}", "policy", p->id,
		    "updated", 1));
	printf(cli_text(cli, "policy %s updated\n",
	    "ポリシー %s を更新しました\n"), p->id);
	return CLI_OK;
}

static int
policy_show(struct cli *cli, int argc, char **argv)
{
	struct cp_lc_setting s;
	struct cp_portal portal;
	const struct cp_policy *p;
	json_t *doc;
	int rc, ja = cli_is_ja(cli);
	cp_err r;

	if (argc != 2)
		return cli_usage(cli, "policy", "policy show takes one ID");
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	p = find_policy(cli, argv[1]);
	if (p == NULL)
		return CLI_ERROR;
	r = cp_inspect_setting(cli->store, portal.id, p, &s);
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	doc = json_deep_copy(p->json);
	if (doc != NULL) {
		json_object_set_new(doc, "portal_settings", json_pack(
		    "{s:b, s:b, s:b, s:O}", "enabled", s.enabled, "notify",
		    s.notify, "remediate", s.remediate &&
		    p->remediation_action != NULL, "params", s.params));
	}
	if (cli->json) {
		cp_lc_setting_clear(&s);
		return cli_print_json(doc);
	}
	printf("%s  %s\n%s\n\n", p->id, ja ? p->title.ja : p->title.en,
	    ja ? p->description.ja : p->description.en);
	printf("%s: %s  %s: %s  %s: %s\n", cli_text(cli, "cloud",
	    "クラウド"), p->cloud, cli_text(cli, "severity", "重要度"),
	    cp_policy_severity_name(p->severity), cli_text(cli, "category",
	    "カテゴリ"), cp_policy_category_name(p->category));
	printf("%s: %s  %s: %s  %s: %s\n", cli_text(cli, "enabled", "有効"),
	    on_off(s.enabled), cli_text(cli, "notify", "通知"),
	    on_off(s.notify), cli_text(cli, "remediate", "対策"),
	    p->remediation_action == NULL ? cli_text(cli, "(notify only)",
	    "(通知のみ)") : on_off(s.remediate));
	{
		const char *name;
		json_t *v;

		json_object_foreach(s.params, name, v) {
			char *text = json_dumps(v, JSON_ENCODE_ANY);

			printf("%s = %s\n", name, text != NULL ? text : "?");
			free(text);
		}
	}
	printf("\n%s\n", ja ? p->guidance.ja : p->guidance.en);
	cp_lc_setting_clear(&s);
	json_decref(doc);
	return CLI_OK;
}

int
cli_cmd_policy(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(cli, "policy", "policy needs list, show or "
		    "set");
	if (cli_is_help(argv[1]) || cli_is_help(argv[argc - 1]))
		return policy_help(cli);
	if (strcmp(argv[1], "list") == 0)
		return policy_list(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return policy_show(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "set") == 0)
		return policy_set(cli, argc - 1, argv + 1);
	return cli_usage(cli, "policy", "unknown policy command '%s'",
	    argv[1]);
}
