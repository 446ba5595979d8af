/*
 * cmd_env.c - "cloudpatrol env ..." and "cloudpatrol unit ...": the
 * generic registration layer.  The cloud plugins say which parameters an
 * environment takes (their env_params schema), check credentials
 * (validate) and list units (discover_units); this file parses, stores,
 * seals the secrets and prints, the same way for every cloud.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "plugin/pconfig.h"

#define ENV_SECRET_MAX (64 * 1024)

static const char env_help_en[] =
    "Usage: cloudpatrol [-p PORTAL] env add CLOUD NAME [--KEY VALUE]... "
    "[--SECRET-file FILE | --SECRET -]...\n"
    "       cloudpatrol [-p PORTAL] env list\n"
    "       cloudpatrol [-p PORTAL] env show NAME\n"
    "       cloudpatrol [-p PORTAL] env test NAME\n"
    "       cloudpatrol [-p PORTAL] env sync NAME\n"
    "       cloudpatrol [-p PORTAL] env remove NAME --yes\n"
    "       cloudpatrol env setup-guide CLOUD [--variant "
    "readonly|remediation]\n"
    "add checks the credentials with the cloud's plugin, records whether "
    "the\nenvironment allows remediation or is read-only, and registers its "
    "units.\nThe keys an environment takes come from its cloud plugin: "
    "'env add CLOUD --help'\nlists them. Secret keys are never taken on the "
    "command line: give a file that\nonly its owner can read "
    "(--KEY-file FILE) or '-' to read standard input.\nsync picks up units "
    "added or removed since; remove deletes the environment and\neverything "
    "it owns. setup-guide prints what to deploy on the cloud side.\n";
static const char env_help_ja[] =
    "使い方: cloudpatrol [-p PORTAL] env add CLOUD NAME [--KEY VALUE]... "
    "[--SECRET-file FILE | --SECRET -]...\n"
    "        cloudpatrol [-p PORTAL] env list\n"
    "        cloudpatrol [-p PORTAL] env show NAME\n"
    "        cloudpatrol [-p PORTAL] env test NAME\n"
    "        cloudpatrol [-p PORTAL] env sync NAME\n"
    "        cloudpatrol [-p PORTAL] env remove NAME --yes\n"
    "        cloudpatrol env setup-guide CLOUD [--variant "
    "readonly|remediation]\n"
    "add はクラウドのプラグインで認証情報を検証し、対策あり (修復可能) か"
    "対策なし\n(読み取り専用) かを記録して、ユニットを登録します。"
    "指定できるキーはクラウドの\nプラグインが決めます ('env add CLOUD "
    "--help' で一覧)。秘密のキーはコマンドラインで\nは受け付けません。"
    "所有者だけが読めるファイル (--KEY-file FILE) か、標準入力を表す\n"
    "'-' で渡してください。sync は追加・削除されたユニットを反映し、"
    "remove は環境と\n所属するすべてを削除します。setup-guide はクラウド側"
    "で必要な設定を表示します。\n";

static int
env_help(struct cli *cli)
{
	printf("%s", cli_text(cli, env_help_en, env_help_ja));
	return CLI_OK;
}

/* The cloud capability for name, or NULL after printing why. */
static const struct cp_cloud_ops *
find_cloud(struct cli *cli, const char *cloud, void **ctx)
{
	cp_registry *reg = cli_plugins(cli);
	const void *ops = NULL;

	if (reg == NULL)
		return NULL;
	if (cp_registry_find(reg, CP_CAP_CLOUD, cloud, &ops, ctx) == NULL) {
		cli_error(cli, "no running plugin offers cloud '%s' (see "
		    "'cloudpatrol plugins')", cloud);
		return NULL;
	}
	return ops;
}

static const char *
type_name(uint32_t type)
{
	switch (type) {
	case CP_CFG_INT:
		return "number";
	case CP_CFG_BOOL:
		return "yes|no";
	case CP_CFG_URL:
		return "URL";
	case CP_CFG_PATH:
		return "path";
	case CP_CFG_LIST:
		return "list";
	default:
		return "text";
	}
}

static void
print_env_params(struct cli *cli, const char *cloud,
    const struct cp_config_key *k)
{
	printf(cli_text(cli, "Keys of a %s environment:\n",
	    "%s 環境のキー:\n"), cloud);
	for (; k != NULL && k->key != NULL; k++) {
		char opt[96];
		size_t i;

		snprintf(opt, sizeof(opt), "--%s%s", k->key,
		    (k->flags & CP_CFG_SECRET) != 0 ? "-file" : "");
		for (i = 2; opt[i] != '\0'; i++)
			if (opt[i] == '_')
				opt[i] = '-';
		printf("  %-28s %-8s %s%s%s\n", opt, type_name(k->type),
		    k->description != NULL ? k->description : "",
		    (k->flags & CP_CFG_REQUIRED) != 0 ?
		    cli_text(cli, " (required)", " (必須)") : "",
		    (k->flags & CP_CFG_SECRET) != 0 ?
		    cli_text(cli, " (secret)", " (秘密)") : "");
	}
}

/* Reads a secret from a private file, or from stdin for "-". */
static int
read_secret(struct cli *cli, const char *key, const char *src, char **out)
{
	char why[512];
	cp_err r;

	if (strcmp(src, "-") == 0)
		r = cp_secret_read_fd(STDIN_FILENO, ENV_SECRET_MAX, out, NULL,
		    why, sizeof(why));
	else
		r = cp_secret_read_file(src, ENV_SECRET_MAX, out, NULL, why,
		    sizeof(why));
	if (r != CP_OK)
		return cli_error(cli, "%s: %s", key, why);
	return CLI_OK;
}

/* "--access-key-id" -> the schema entry "access_key_id" (and whether the
 * option named its -file form). */
static const struct cp_config_key *
match_key(const struct cp_config_key *keys, const char *opt, int *file_form)
{
	char name[96];
	size_t i, len;

	*file_form = 0;
	if (cp_strlcpy(name, opt, sizeof(name)) >= sizeof(name))
		return NULL;
	for (i = 0; name[i] != '\0'; i++)
		if (name[i] == '-')
			name[i] = '_';
	len = strlen(name);
	/* "--KEY-file" names the file of a secret KEY; any other option,
	 * "--key-file" of a plain key called key_file included, is the key
	 * itself. */
	if (len > 5 && strcmp(name + len - 5, "_file") == 0) {
		const struct cp_config_key *k;

		for (k = keys; k != NULL && k->key != NULL; k++) {
			if ((k->flags & CP_CFG_SECRET) != 0 &&
			    strlen(k->key) == len - 5 &&
			    strncmp(k->key, name, len - 5) == 0) {
				*file_form = 1;
				return k;
			}
		}
	}
	for (; keys != NULL && keys[0].key != NULL; keys++)
		if (strcmp(keys->key, name) == 0)
			return keys;
	return NULL;
}

/*
 * Parses "--key value" pairs against the cloud's schema into params (the
 * public keys) and secrets.  Returns CLI_OK or an exit code.
 */
static int
parse_env_params(struct cli *cli, const char *cloud,
    const struct cp_config_key *keys, int argc, char **argv,
    json_t *params, json_t *secrets)
{
	const struct cp_config_key *k;
	char why[256];
	int i, file_form, rc;

	for (i = 0; i < argc; i += 2) {
		const char *opt = argv[i];
		char *secret = NULL;

		if (strncmp(opt, "--", 2) != 0)
			return cli_usage(cli, "env", "unexpected argument "
			    "'%s'", opt);
		k = match_key(keys, opt + 2, &file_form);
		if (k == NULL)
			return cli_usage(cli, "env", "a %s environment has "
			    "no key '%s' ('cloudpatrol env add %s --help' "
			    "lists them)", cloud, opt, cloud);
		if (i + 1 >= argc)
			return cli_usage(cli, "env", "%s needs a value", opt);
		if ((k->flags & CP_CFG_SECRET) != 0) {
			if (!file_form && strcmp(argv[i + 1], "-") != 0)
				return cli_usage(cli, "env", "%s is secret: "
				    "give it with --%s-file FILE or as '-' "
				    "on standard input, never on the command "
				    "line", opt, opt + 2);
			if (json_object_get(secrets, k->key) != NULL)
				return cli_usage(cli, "env", "%s given twice",
				    opt);
			rc = read_secret(cli, opt, argv[i + 1], &secret);
			if (rc != CLI_OK)
				return rc;
			rc = json_object_set_new(secrets, k->key,
			    json_string(secret)) == 0 ? CLI_OK : CLI_ERROR;
			cp_memwipe(secret, strlen(secret));
			free(secret);
			if (rc != CLI_OK)
				return cli_error(cli, "%s: the secret is not "
				    "valid UTF-8 text", opt);
			continue;
		}
		if (json_object_get(params, k->key) != NULL)
			return cli_usage(cli, "env", "%s given twice", opt);
		if (cp_pconfig_check_value(k, argv[i + 1], why,
		    sizeof(why)) != CP_OK)
			return cli_usage(cli, "env", "%s: %s", opt, why);
		if (json_object_set_new(params, k->key,
		    json_string(argv[i + 1])) != 0)
			return cli_error(cli, "%s: not valid UTF-8 text", opt);
	}
	for (k = keys; k != NULL && k->key != NULL; k++) {
		int have = json_object_get(params, k->key) != NULL ||
		    json_object_get(secrets, k->key) != NULL;

		if (!have && k->def != NULL &&
		    (k->flags & CP_CFG_SECRET) == 0)
			json_object_set_new(params, k->key,
			    json_string(k->def));
		else if (!have && (k->flags & CP_CFG_REQUIRED) != 0)
			return cli_usage(cli, "env", "a %s environment needs "
			    "--%s%s", cloud, k->key,
			    (k->flags & CP_CFG_SECRET) != 0 ? "-file" : "");
	}
	return CLI_OK;
}

#define ENV_UNITS_MAX 100000

/* Gathers what discover_units() reports, before anything is stored:
 * the plugin may take long (paging, backoff) and must not do it while the
 * store's write lock is held. */
struct unit_found {
	json_t *units;		/* [{"id", "name", "remediation"}] */
	cp_err err;
};

static cp_err
unit_found_one(const struct cp_unit_sink *sink, const char *id,
    const char *name, int remediation_capable)
{
	struct unit_found *uf = sink->ud;

	if (id == NULL || *id == '\0' || strlen(id) >= 128 ||
	    (name != NULL && strlen(name) >= 128))
		return uf->err = CP_E_INVALID;
	if (json_array_size(uf->units) >= ENV_UNITS_MAX)
		return uf->err = CP_E_LIMIT;
	if (json_array_append_new(uf->units, json_pack("{s:s, s:s, s:b}",
	    "id", id, "name", name != NULL ? name : id, "remediation",
	    remediation_capable != 0)) != 0)
		return uf->err = CP_E_NOMEM;
	return CP_OK;
}

/*
 * Asks the plugin for the units of an environment (without
 * discover_units, the account is the one unit).  *out is a new array.
 */
static cp_err
discover(const struct cp_cloud_ops *ops, void *ctx, const json_t *creds,
    const char *account, const char *name, json_t **out)
{
	struct cp_unit_sink sink;
	struct unit_found uf;
	cp_err r;

	memset(&uf, 0, sizeof(uf));
	uf.units = json_array();
	if (uf.units == NULL)
		return CP_E_NOMEM;
	memset(&sink, 0, sizeof(sink));
	sink.struct_size = sizeof(sink);
	sink.unit = unit_found_one;
	sink.ud = &uf;
	if (ops->discover_units != NULL)
		r = ops->discover_units(ctx, creds, &sink);
	else
		r = unit_found_one(&sink, account[0] != '\0' ? account : name,
		    name, 1);
	if (r == CP_OK)
		r = uf.err;
	if (r != CP_OK) {
		json_decref(uf.units);
		return r;
	}
	*out = uf.units;
	return CP_OK;
}

/* Collects the unit ids of an environment. */
static cp_err
collect_unit(void *ud, const struct cp_unit *u)
{
	return json_array_append_new(ud, json_string(u->unit)) == 0 ?
	    CP_OK : CP_E_NOMEM;
}

static int
has_unit(const json_t *units, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(units, i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")),
		    id) == 0)
			return 1;
	return 0;
}

/*
 * Stores the discovered units of env and removes those the cloud no longer
 * reports (R-REG-3 re-sync).  Runs inside the caller's transaction.  A new
 * unit starts inspected unless the cloud makes inspection opt-in (R-INS-1).
 */
static cp_err
store_units(cp_store *st, const struct cp_cloud_ops *ops,
    const struct cp_env *env, const json_t *units, size_t *removed)
{
	int inspect = (ops->flags & CP_CLOUD_F_INSPECT_OPT_IN) == 0;
	json_t *have, *v;
	size_t i;
	cp_err r = CP_OK;

	*removed = 0;
	json_array_foreach(units, i, v) {
		r = cp_unit_put(st, env->id,
		    json_string_value(json_object_get(v, "id")),
		    json_string_value(json_object_get(v, "name")),
		    json_is_true(json_object_get(v, "remediation")) &&
		    env->remediation, inspect);
		if (r != CP_OK)
			return r;
	}
	have = json_array();
	if (have == NULL)
		return CP_E_NOMEM;
	r = cp_unit_list(st, env->id, collect_unit, have);
	json_array_foreach(have, i, v) {
		if (r != CP_OK)
			break;
		if (has_unit(units, json_string_value(v)))
			continue;
		r = cp_unit_remove(st, env->id, json_string_value(v));
		if (r == CP_OK)
			(*removed)++;
	}
	json_decref(have);
	return r;
}

/* Loads env NAME of the portal and its credentials. */
static int
load_env(struct cli *cli, const char *name, struct cp_portal *portal,
    struct cp_env *env, json_t **creds)
{
	cp_store *st;
	cp_err r;
	int rc;

	rc = cli_portal(cli, portal);
	if (rc != CLI_OK)
		return rc;
	st = cli->store;
	r = cp_env_get(st, portal->id, name, env);
	if (r == CP_E_NOTFOUND)
		return cli_error(cli, "portal %s has no environment '%s' (see "
		    "'cloudpatrol env list')", portal->name, name);
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(st));
	if (creds == NULL)
		return CLI_OK;
	r = cp_env_credentials(st, env->id, creds);
	if (r != CP_OK)
		return cli_error(cli, "environment %s: cannot read its "
		    "credentials: %s", name, cp_store_errmsg(st));
	return CLI_OK;
}

static int
env_add(struct cli *cli, int argc, char **argv)
{
	struct cp_validate_result res;
	const struct cp_cloud_ops *ops;
	struct cp_portal portal;
	struct cp_env env;
	json_t *params = NULL, *secrets = NULL, *creds = NULL, *units = NULL;
	size_t n_units = 0, removed = 0;
	void *ctx = NULL;
	const char *cloud, *name;
	cp_store *st;
	cp_err r;
	int rc = CLI_ERROR;

	if (argc < 2 || cli_is_help(argv[1]))
		return argc < 2 ? cli_usage(cli, "env", "env add needs CLOUD "
		    "and NAME") : env_help(cli);
	cloud = argv[1];
	ops = find_cloud(cli, cloud, &ctx);
	if (ops == NULL)
		return CLI_ERROR;
	if (argc == 2 || cli_is_help(argv[2])) {
		if (argc == 2)
			return cli_usage(cli, "env", "env add %s needs NAME",
			    cloud);
		print_env_params(cli, cloud, ops->env_params);
		return CLI_OK;
	}
	name = argv[2];
	if (!cp_str_only(name, "abcdefghijklmnopqrstuvwxyz0123456789-") ||
	    strlen(name) > 63)
		return cli_usage(cli, "env", "bad environment name '%s': use "
		    "1 to 63 characters of a-z, 0-9 and -", name);
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	st = cli->store;
	if (cp_env_get(st, portal.id, name, &env) == CP_OK)
		return cli_error(cli, "portal %s has an environment '%s' "
		    "already", portal.name, name);
	params = json_object();
	secrets = json_object();
	if (params == NULL || secrets == NULL) {
		rc = cli_error(cli, "out of memory");
		goto out;
	}
	rc = parse_env_params(cli, cloud, ops->env_params, argc - 3, argv + 3,
	    params, secrets);
	if (rc != CLI_OK)
		goto out;
	creds = json_deep_copy(params);
	if (creds == NULL || json_object_update(creds, secrets) != 0) {
		rc = cli_error(cli, "out of memory");
		goto out;
	}
	memset(&res, 0, sizeof(res));
	res.struct_size = sizeof(res);
	r = ops->validate(ctx, creds, &res);
	res.account[sizeof(res.account) - 1] = '\0';
	res.detail[sizeof(res.detail) - 1] = '\0';
	if (r != CP_OK) {
		rc = cli_error(cli, "%s: the credentials did not validate: %s%s%s",
		    name, cp_strerror(r), res.detail[0] != '\0' ? ": " : "",
		    res.detail);
		goto out;
	}
	r = discover(ops, ctx, creds, res.account, name, &units);
	if (r != CP_OK) {
		rc = cli_error(cli, "%s: listing its units failed: %s", name,
		    cp_strerror(r));
		goto out;
	}
	n_units = json_array_size(units);
	/* The environment, its units and the audit row: one transaction,
	 * so nothing half-registered stays behind. */
	r = cp_store_begin(st);
	if (r == CP_OK)
		r = cp_env_add(st, portal.id, name, cloud, res.account,
		    res.remediation_capable != 0, params, secrets, &env.id);
	if (r == CP_OK)
		r = cp_env_get(st, portal.id, name, &env);
	if (r == CP_OK)
		r = store_units(st, ops, &env, units, &removed);
	if (r == CP_OK)
		r = cp_audit(st, portal.id, "cli", "env.add", name);
	if (r == CP_OK)
		r = cp_store_commit(st);
	if (r != CP_OK) {
		cp_store_rollback(st);
		rc = cli_error(cli, "%s", cp_store_errmsg(st));
		goto out;
	}
	if (cli->json) {
		rc = cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}",
		    "name", name, "cloud", cloud, "account", res.account,
		    "mode", env.remediation ? "remediation" : "read-only",
		    "units", (json_int_t)n_units, "detail", res.detail));
		goto out;
	}
	printf(cli_text(cli,
	    "environment %s (%s %s) registered, %s, %zu unit(s)\n",
	    "環境 %s (%s %s) を登録しました。%s、ユニット %zu 件\n"),
	    name, cloud, res.account, env.remediation ?
	    cli_text(cli, "remediation enabled", "対策あり") :
	    cli_text(cli, "read-only", "対策なし (読み取り専用)"), n_units);
	if (res.detail[0] != '\0')
		printf("  %s\n", res.detail);
	rc = CLI_OK;
out:
	json_decref(params);
	json_decref(secrets);
	json_decref(creds);
	json_decref(units);
	return rc;
}

struct env_list_ctx {
	struct cli *cli;
	struct cli_table *t;
	json_t *arr;
};

static cp_err
count_unit(void *ud, const struct cp_unit *u)
{
	(void)u;
	(*(size_t *)ud)++;
	return CP_OK;
}

static cp_err
env_list_one(void *ud, const struct cp_env *e)
{
	struct env_list_ctx *lc = ud;
	const char *mode = e->remediation ? "remediation" : "read-only";
	const char *cells[6];
	char units[32];
	size_t n = 0;

	cp_unit_list(lc->cli->store, e->id, count_unit, &n);
	if (lc->arr != NULL)
		return json_array_append_new(lc->arr, json_pack(
		    "{s:s, s:s, s:s, s:s, s:I, s:s}", "name", e->name,
		    "cloud", e->cloud, "account", e->account, "mode", mode,
		    "units", (json_int_t)n, "created", e->created)) == 0 ?
		    CP_OK : CP_E_NOMEM;
	snprintf(units, sizeof(units), "%zu", n);
	cells[0] = e->name;
	cells[1] = e->cloud;
	cells[2] = e->account;
	cells[3] = e->remediation ? cli_text(lc->cli, "remediation",
	    "対策あり") : cli_text(lc->cli, "read-only", "対策なし");
	cells[4] = units;
	cells[5] = e->created;
	return cli_table_add(lc->t, cells);
}

static int
env_list(struct cli *cli, int argc, char **argv)
{
	const char *const head_en[] = { "NAME", "CLOUD", "ACCOUNT", "MODE",
	    "UNITS", "CREATED" };
	const char *const head_ja[] = { "名前", "クラウド", "アカウント",
	    "対策", "ユニット数", "登録日時" };
	struct env_list_ctx lc;
	struct cp_portal portal;
	int rc;

	if (argc != 1)
		return cli_usage(cli, "env", "env list takes no argument");
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	memset(&lc, 0, sizeof(lc));
	lc.cli = cli;
	if (cli->json)
		lc.arr = json_array();
	else
		lc.t = cli_table_new(6, cli_is_ja(cli) ? head_ja : head_en);
	if (lc.arr == NULL && lc.t == NULL)
		return cli_error(cli, "out of memory");
	if (cp_env_list(cli->store, portal.id, env_list_one, &lc) != CP_OK) {
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
unit_json(void *ud, const struct cp_unit *u)
{
	return json_array_append_new(ud, json_pack("{s:s, s:s, s:b, s:b}",
	    "unit", u->unit, "name", u->name, "remediation", u->remediation,
	    "inspect", u->inspect)) == 0 ? CP_OK : CP_E_NOMEM;
}

/* Shows an environment: its public parameters, and of its secrets only
 * which keys are set. */
static int
env_show(struct cli *cli, int argc, char **argv)
{
	struct cp_portal portal;
	struct cp_env env;
	json_t *creds = NULL, *units, *params, *secret_keys, *doc;
	const struct cp_config_key *k;
	const struct cp_cloud_ops *ops;
	cp_registry *reg;
	void *ctx;
	const char *key;
	json_t *v;
	size_t i;
	int rc;

	if (argc != 2)
		return cli_usage(cli, "env", "env show takes one NAME");
	rc = load_env(cli, argv[1], &portal, &env, &creds);
	if (rc != CLI_OK)
		return rc;
	/* Without its plugin the schema is unknown: every value is then
	 * shown as hidden, and the command still succeeds. */
	reg = cli_plugins(cli);
	ops = NULL;
	if (reg == NULL || cp_registry_find(reg, CP_CAP_CLOUD, env.cloud,
	    (const void **)&ops, &ctx) == NULL) {
		ops = NULL;
		fprintf(stderr, cli_text(cli, "%s: note: no running plugin "
		    "offers cloud '%s': every parameter is shown as hidden\n",
		    "%s: 注意: クラウド '%s' のプラグインが稼働していないため、"
		    "すべてのパラメータを非表示にします\n"), cli->prog,
		    env.cloud);
	}
	params = json_object();
	secret_keys = json_array();
	units = json_array();
	json_object_foreach(creds, key, v) {
		int secret = 1;	/* unknown to the schema: hide it */

		for (k = ops != NULL ? ops->env_params : NULL;
		    k != NULL && k->key != NULL; k++)
			if (strcmp(k->key, key) == 0)
				secret = (k->flags & CP_CFG_SECRET) != 0;
		if (secret)
			json_array_append_new(secret_keys, json_string(key));
		else
			json_object_set(params, key, v);
	}
	json_decref(creds);
	cp_unit_list(cli->store, env.id, unit_json, units);
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}",
	    "name", env.name, "cloud", env.cloud, "account", env.account,
	    "mode", env.remediation ? "remediation" : "read-only",
	    "created", env.created, "params", params, "secrets_set",
	    secret_keys, "units", units);
	if (doc == NULL)
		return cli_error(cli, "out of memory");
	if (cli->json)
		return cli_print_json(doc);
	printf("%s: %s\n%s: %s\n%s: %s\n%s: %s\n%s: %s\n",
	    cli_text(cli, "name", "名前"), env.name,
	    cli_text(cli, "cloud", "クラウド"), env.cloud,
	    cli_text(cli, "account", "アカウント"), env.account,
	    cli_text(cli, "mode", "対策"), env.remediation ?
	    cli_text(cli, "remediation", "対策あり") :
	    cli_text(cli, "read-only", "対策なし"),
	    cli_text(cli, "registered", "登録日時"), env.created);
	json_object_foreach(json_object_get(doc, "params"), key, v)
		printf("%s: %s\n", key, json_string_value(v) != NULL ?
		    json_string_value(v) : "");
	json_array_foreach(json_object_get(doc, "secrets_set"), i, v)
		printf("%s: %s\n", json_string_value(v),
		    cli_text(cli, "(set, hidden)", "(設定済み・非表示)"));
	printf("%s:\n", cli_text(cli, "units", "ユニット"));
	json_array_foreach(json_object_get(doc, "units"), i, v)
		printf("  %s  %s  %s=%s\n",
		    json_string_value(json_object_get(v, "unit")),
		    json_string_value(json_object_get(v, "name")),
		    cli_text(cli, "inspection", "定期診断"),
		    json_is_true(json_object_get(v, "inspect")) ? "on" :
		    "off");
	json_decref(doc);
	return CLI_OK;
}

/* env test NAME: validates the stored credentials again. */
static int
env_test(struct cli *cli, int argc, char **argv)
{
	struct cp_validate_result res;
	const struct cp_cloud_ops *ops;
	struct cp_portal portal;
	struct cp_env env;
	json_t *creds = NULL;
	void *ctx;
	cp_err r;
	int rc;

	if (argc != 2)
		return cli_usage(cli, "env", "env test takes one NAME");
	rc = load_env(cli, argv[1], &portal, &env, &creds);
	if (rc != CLI_OK)
		return rc;
	ops = find_cloud(cli, env.cloud, &ctx);
	if (ops == NULL) {
		json_decref(creds);
		return CLI_ERROR;
	}
	memset(&res, 0, sizeof(res));
	res.struct_size = sizeof(res);
	r = ops->validate(ctx, creds, &res);
	json_decref(creds);
	res.account[sizeof(res.account) - 1] = '\0';
	res.detail[sizeof(res.detail) - 1] = '\0';
	if (r != CP_OK)
		return cli_error(cli, "%s: the credentials did not validate: "
		    "%s%s%s", env.name, cp_strerror(r),
		    res.detail[0] != '\0' ? ": " : "", res.detail);
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:b, s:s, s:s}",
		    "name", env.name, "ok", 1, "mode",
		    res.remediation_capable ? "remediation" : "read-only",
		    "detail", res.detail));
	printf(cli_text(cli, "%s: credentials valid, %s\n",
	    "%s: 認証情報は有効です。%s\n"), env.name,
	    res.remediation_capable ? cli_text(cli, "remediation possible",
	    "対策可能") : cli_text(cli, "read-only", "読み取り専用"));
	if (res.detail[0] != '\0')
		printf("  %s\n", res.detail);
	if ((res.remediation_capable != 0) != env.remediation)
		printf("%s", cli_text(cli, "  note: this differs from the "
		    "mode recorded at registration; remove and add the "
		    "environment again to change it\n",
		    "  注意: 登録時に記録した対策の有無と異なります。変更するには"
		    "環境を削除して登録し直してください\n"));
	return CLI_OK;
}

static int
env_sync(struct cli *cli, int argc, char **argv)
{
	const struct cp_cloud_ops *ops;
	struct cp_portal portal;
	struct cp_env env;
	json_t *creds = NULL, *units = NULL;
	size_t n = 0, removed = 0;
	void *ctx;
	cp_err r;
	int rc;

	if (argc != 2)
		return cli_usage(cli, "env", "env sync takes one NAME");
	rc = load_env(cli, argv[1], &portal, &env, &creds);
	if (rc != CLI_OK)
		return rc;
	ops = find_cloud(cli, env.cloud, &ctx);
	if (ops == NULL) {
		json_decref(creds);
		return CLI_ERROR;
	}
	r = discover(ops, ctx, creds, env.account, env.name, &units);
	json_decref(creds);
	if (r != CP_OK)
		return cli_error(cli, "%s: listing its units failed: %s",
		    env.name, cp_strerror(r));
	n = json_array_size(units);
	r = cp_store_begin(cli->store);
	if (r == CP_OK)
		r = store_units(cli->store, ops, &env, units, &removed);
	if (r == CP_OK)
		r = cp_audit(cli->store, portal.id, "cli", "env.sync", env.name);
	if (r == CP_OK)
		r = cp_store_commit(cli->store);
	json_decref(units);
	if (r != CP_OK) {
		cp_store_rollback(cli->store);
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	}
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:I, s:I}", "name",
		    env.name, "units", (json_int_t)n, "removed",
		    (json_int_t)removed));
	printf(cli_text(cli, "%s: %zu unit(s), %zu removed\n",
	    "%s: ユニット %zu 件、削除 %zu 件\n"), env.name, n, removed);
	return CLI_OK;
}

static int
env_remove(struct cli *cli, int argc, char **argv)
{
	struct cp_portal portal;
	struct cp_env env;
	int yes = 0, i, rc;
	const char *name = NULL;
	cp_err r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0)
			yes = 1;
		else if (name == NULL && argv[i][0] != '-')
			name = argv[i];
		else
			return cli_usage(cli, "env", "unexpected argument "
			    "'%s'", argv[i]);
	}
	if (name == NULL)
		return cli_usage(cli, "env", "env remove takes one NAME");
	if (!yes)
		return cli_usage(cli, "env", "removing environment '%s' "
		    "deletes all it owns: add --yes to confirm", name);
	rc = load_env(cli, name, &portal, &env, NULL);
	if (rc != CLI_OK)
		return rc;
	r = cp_store_begin(cli->store);
	if (r == CP_OK)
		r = cp_env_remove(cli->store, portal.id, name);
	if (r == CP_OK)
		r = cp_audit(cli->store, portal.id, "cli", "env.remove", name);
	if (r == CP_OK)
		r = cp_store_commit(cli->store);
	if (r != CP_OK) {
		cp_store_rollback(cli->store);
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	}
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:b}", "name", name,
		    "removed", 1));
	printf(cli_text(cli, "environment %s removed\n",
	    "環境 %s を削除しました\n"), name);
	return CLI_OK;
}

static cp_err
write_stdout(const struct cp_text_out *out, const char *s, size_t n)
{
	(void)out;
	return fwrite(s, 1, n, stdout) == n ? CP_OK : CP_E_IO;
}

static int
env_setup_guide(struct cli *cli, int argc, char **argv)
{
	const struct cp_cloud_ops *ops;
	struct cp_text_out out;
	const char *variant = "readonly";
	void *ctx;
	cp_err r;

	if (argc == 4 && strcmp(argv[2], "--variant") == 0)
		variant = argv[3];
	else if (argc != 2)
		return cli_usage(cli, "env", "env setup-guide takes CLOUD "
		    "[--variant readonly|remediation]");
	if (strcmp(variant, "readonly") != 0 &&
	    strcmp(variant, "remediation") != 0)
		return cli_usage(cli, "env", "--variant takes readonly or "
		    "remediation, not '%s'", variant);
	ops = find_cloud(cli, argv[1], &ctx);
	if (ops == NULL)
		return CLI_ERROR;
	if (ops->setup_guide == NULL)
		return cli_error(cli, "the %s plugin offers no setup guide",
		    argv[1]);
	memset(&out, 0, sizeof(out));
	out.struct_size = sizeof(out);
	out.write = write_stdout;
	r = ops->setup_guide(ctx, variant, cli_text(cli, "en", "ja"), &out);
	if (r != CP_OK)
		return cli_error(cli, "setup guide of %s: %s", argv[1],
		    cp_strerror(r));
	return CLI_OK;
}

int
cli_cmd_env(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli *, int, char **);
	} subs[] = {
		{ "add", env_add }, { "list", env_list }, { "show", env_show },
		{ "test", env_test }, { "sync", env_sync },
		{ "remove", env_remove }, { "setup-guide", env_setup_guide },
	};
	size_t i;

	if (argc < 2)
		return cli_usage(cli, "env", "env needs add, list, show, "
		    "test, sync, remove or setup-guide");
	if (cli_is_help(argv[1]))
		return env_help(cli);
	for (i = 0; i < CP_ARRAY_LEN(subs); i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		/* "env add CLOUD --help" lists the cloud's keys. */
		if (argc > 2 && cli_is_help(argv[argc - 1]) &&
		    strcmp(argv[1], "add") != 0)
			return env_help(cli);
		return subs[i].fn(cli, argc - 1, argv + 1);
	}
	return cli_usage(cli, "env", "unknown env command '%s'", argv[1]);
}

/* ---- unit ---- */

static int
unit_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol [-p PORTAL] unit list ENV\n"
	    "       cloudpatrol [-p PORTAL] unit inspect ENV UNIT on|off\n"
	    "A unit is what one inspection covers: an AWS account, an Azure "
	    "subscription,\na Google Cloud project, an OCI compartment. "
	    "inspect switches its periodic\ninspection (off by default for "
	    "Azure subscriptions and OCI compartments).\n",
	    "使い方: cloudpatrol [-p PORTAL] unit list ENV\n"
	    "        cloudpatrol [-p PORTAL] unit inspect ENV UNIT on|off\n"
	    "ユニットは 1 回の診断の単位です (AWS アカウント、Azure サブスク"
	    "リプション、\nGoogle Cloud プロジェクト、OCI コンパートメント)。"
	    "inspect は定期診断を切り替え\nます (Azure サブスクリプションと "
	    "OCI コンパートメントは既定で off)。\n"));
	return CLI_OK;
}

static cp_err
unit_row(void *ud, const struct cp_unit *u)
{
	const char *cells[4];

	cells[0] = u->unit;
	cells[1] = u->name;
	cells[2] = u->remediation ? "yes" : "no";
	cells[3] = u->inspect ? "on" : "off";
	return cli_table_add(ud, cells);
}

int
cli_cmd_unit(struct cli *cli, int argc, char **argv)
{
	const char *const head_en[] = { "UNIT", "NAME", "REMEDIATION",
	    "INSPECTION" };
	const char *const head_ja[] = { "ユニット", "名前", "対策",
	    "定期診断" };
	struct cp_portal portal;
	struct cp_env env;
	struct cli_table *t;
	json_t *arr;
	int rc, on;
	cp_err r;

	if (argc < 2 || cli_is_help(argv[1]) || cli_is_help(argv[argc - 1]))
		return argc < 2 ? cli_usage(cli, "unit", "unit needs list or "
		    "inspect") : unit_help(cli);
	if (strcmp(argv[1], "list") == 0) {
		if (argc != 3)
			return cli_usage(cli, "unit", "unit list takes ENV");
		rc = load_env(cli, argv[2], &portal, &env, NULL);
		if (rc != CLI_OK)
			return rc;
		if (cli->json) {
			arr = json_array();
			if (arr == NULL || cp_unit_list(cli->store, env.id,
			    unit_json, arr) != CP_OK) {
				json_decref(arr);
				return cli_error(cli, "%s",
				    cp_store_errmsg(cli->store));
			}
			return cli_print_json(arr);
		}
		t = cli_table_new(4, cli_is_ja(cli) ? head_ja : head_en);
		if (t == NULL)
			return cli_error(cli, "out of memory");
		r = cp_unit_list(cli->store, env.id, unit_row, t);
		if (r == CP_OK)
			cli_table_print(t, stdout);
		cli_table_free(t);
		return r == CP_OK ? CLI_OK : cli_error(cli, "%s",
		    cp_store_errmsg(cli->store));
	}
	if (strcmp(argv[1], "inspect") != 0)
		return cli_usage(cli, "unit", "unknown unit command '%s'",
		    argv[1]);
	if (argc != 5)
		return cli_usage(cli, "unit", "unit inspect takes ENV UNIT "
		    "on|off");
	if (strcmp(argv[4], "on") == 0)
		on = 1;
	else if (strcmp(argv[4], "off") == 0)
		on = 0;
	else
		return cli_usage(cli, "unit", "unit inspect takes on or off, "
		    "not '%s'", argv[4]);
	rc = load_env(cli, argv[2], &portal, &env, NULL);
	if (rc != CLI_OK)
		return rc;
	r = cp_store_begin(cli->store);
	if (r == CP_OK)
		r = cp_unit_set_inspect(cli->store, env.id, argv[3], on);
	if (r == CP_OK)
		r = cp_audit(cli->store, portal.id, "cli", on ?
		    "unit.inspect.on" : "unit.inspect.off", argv[3]);
	if (r == CP_OK)
		r = cp_store_commit(cli->store);
	if (r != CP_OK)
		cp_store_rollback(cli->store);
	if (r == CP_E_NOTFOUND)
		return cli_error(cli, "environment %s has no unit '%s'",
		    env.name, argv[3]);
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:s, s:b}", "env",
		    env.name, "unit", argv[3], "inspect", on));
	printf(cli_text(cli, "%s/%s: periodic inspection %s\n",
	    "%s/%s: 定期診断を %s にしました\n"), env.name, argv[3],
	    on ? "on" : "off");
	return CLI_OK;
}
