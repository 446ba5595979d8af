/*
 * cli.c - what every subcommand shares: language, errors, and the core
 * pieces opened on first use.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

const char *
cli_text(const struct cli *cli, const char *en, const char *ja)
{
	const char *lang = cli->lang;

	if (lang == NULL && cli->core != NULL)
		lang = cp_core_config(cli->core)->language;
	return lang != NULL && strcmp(lang, "ja") == 0 ? ja : en;
}

int
cli_is_ja(const struct cli *cli)
{
	return strcmp(cli_text(cli, "en", "ja"), "ja") == 0;
}

int
cli_error(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_ERROR;
}

int
cli_usage(struct cli *cli, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s: try '%s%s%s --help'\n", cli->prog, cli->prog,
	    cmd != NULL ? " " : "", cmd != NULL ? cmd : "");
	return CLI_USAGE;
}

int
cli_bad_option(struct cli *cli, const char *cmd, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	if (c == ':')
		return cli_usage(cli, cmd, "option '%s' needs a value", arg);
	if (optopt != 0)
		return cli_usage(cli, cmd, "unknown option '-%c'", optopt);
	return cli_usage(cli, cmd, "unknown option '%s'", arg);
}

int
cli_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* Prints and forgets the gathered diagnostics. */
static void
flush_diag(struct cli *cli)
{
	size_t i;

	for (i = 0; i < cli->diag.n; i++)
		fprintf(stderr, "%s\n", cli->diag.lines[i]);
	cp_diag_free(&cli->diag);
}

cp_core *
cli_core(struct cli *cli)
{
	cp_err r;

	if (cli->core != NULL)
		return cli->core;
	r = cp_core_create(cli->config_path, &cli->diag, &cli->core);
	flush_diag(cli);
	if (r != CP_OK) {
		cli_error(cli, "%s", r == CP_E_CONFIG ?
		    "the configuration has errors (listed above)" :
		    cp_strerror(r));
		return NULL;
	}
	return cli->core;
}

cp_store *
cli_store(struct cli *cli)
{
	char why[1024];
	cp_core *core = cli_core(cli);

	if (core == NULL)
		return NULL;
	if (cli->store != NULL)
		return cli->store;
	if (cp_core_store(core, CP_STORE_CREATE, &cli->store, why,
	    sizeof(why)) != CP_OK) {
		cli_error(cli, "%s", why);
		return NULL;
	}
	return cli->store;
}

cp_registry *
cli_plugins(struct cli *cli)
{
	cp_core *core = cli_core(cli);
	cp_registry *reg;
	cp_err r;

	if (core == NULL)
		return NULL;
	r = cp_core_plugins(core, &cli->diag, &reg);
	flush_diag(cli);
	if (r == CP_E_CONFIG && reg != NULL) {
		if (!cli->plugin_problems)
			cli_error(cli, "the plugin configuration has errors "
			    "(listed above): the instances they concern are "
			    "not running");
		cli->plugin_problems = 1;
		return reg;
	}
	if (r != CP_OK) {
		cli_error(cli, "plugins: %s", cp_strerror(r));
		return NULL;
	}
	return reg;
}

/* Counts portals and remembers the last one seen. */
struct only_portal {
	size_t n;
	struct cp_portal last;
};

static cp_err
count_portal(void *ud, const struct cp_portal *p)
{
	struct only_portal *op = ud;

	op->n++;
	op->last = *p;
	return CP_OK;
}

int
cli_portal(struct cli *cli, struct cp_portal *out)
{
	struct only_portal op;
	cp_store *st = cli_store(cli);
	cp_err r;

	if (st == NULL)
		return CLI_ERROR;
	if (cli->portal != NULL) {
		r = cp_portal_get(st, cli->portal, out);
		if (r == CP_E_INVALID)
			return cli_usage(cli, NULL, "bad portal name '%s': use "
			    "1 to 63 characters of a-z, 0-9 and -",
			    cli->portal);
		if (r == CP_E_NOTFOUND)
			return cli_error(cli, "no portal named '%s' "
			    "(see 'cloudpatrol portal list')", cli->portal);
		if (r != CP_OK)
			return cli_error(cli, "%s", cp_store_errmsg(st));
		return CLI_OK;
	}
	memset(&op, 0, sizeof(op));
	r = cp_portal_list(st, count_portal, &op);
	if (r != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(st));
	if (op.n == 1) {
		*out = op.last;
		return CLI_OK;
	}
	if (op.n == 0)
		return cli_error(cli, "no portal yet: add one with "
		    "'cloudpatrol portal add NAME'");
	return cli_usage(cli, NULL, "%zu portals exist: choose one with "
	    "--portal NAME", op.n);
}

int
cli_print_json(json_t *v)
{
	char *s;

	if (v == NULL) {
		fprintf(stderr, "cloudpatrol: out of memory\n");
		return CLI_ERROR;
	}
	s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(v);
	if (s == NULL) {
		fprintf(stderr, "cloudpatrol: out of memory\n");
		return CLI_ERROR;
	}
	printf("%s\n", s);
	free(s);
	return CLI_OK;
}

cp_policy_set *
cli_policies(struct cli *cli)
{
	cp_core *core = cli_core(cli);
	cp_err r;

	if (core == NULL)
		return NULL;
	if (cli->policies != NULL)
		return cli->policies;
	r = cp_policy_set_load((const char *const *)
	    cp_core_config(core)->policy_dirs, &cli->policies, &cli->diag);
	flush_diag(cli);
	if (r != CP_OK) {
		cli_error(cli, "policies: %s", cp_strerror(r));
		return NULL;
	}
	return cli->policies;
}

cp_framework_set *
cli_frameworks(struct cli *cli)
{
	cp_policy_set *set = cli_policies(cli);
	cp_err r;

	if (set == NULL)
		return NULL;
	if (cli->frameworks != NULL)
		return cli->frameworks;
	r = cp_framework_set_load((const char *const *)
	    cp_core_config(cli->core)->policy_dirs, set, &cli->frameworks,
	    &cli->diag);
	flush_diag(cli);
	if (r != CP_OK) {
		cli_error(cli, "frameworks: %s", cp_strerror(r));
		return NULL;
	}
	return cli->frameworks;
}

const cp_geoip *
cli_geoip(struct cli *cli)
{
	const struct cp_config *cfg;
	char why[512];

	if (cli->geoip_loaded || cli_core(cli) == NULL)
		return cli->geoip;
	cli->geoip_loaded = 1;
	cfg = cp_core_config(cli->core);
	if (cfg->geoip_ipv4 == NULL && cfg->geoip_ipv6 == NULL)
		return NULL;
	if (cp_geoip_load(cfg->geoip_ipv4, cfg->geoip_ipv6, &cli->geoip, why,
	    sizeof(why)) != CP_OK) {
		cli_error(cli, "geoip: %s (country_of() answers NULL)", why);
		cli->geoip = NULL;
	}
	return cli->geoip;
}

void
cli_cleanup(struct cli *cli)
{
	cp_framework_set_free(cli->frameworks);
	cp_policy_set_free(cli->policies);
	cp_geoip_free(cli->geoip);
	cp_store_close(cli->store);
	cp_core_destroy(cli->core);
	cp_diag_free(&cli->diag);
}

const char *
cli_time(time_t t, char buf[32])
{
	struct tm tm;

	buf[0] = '\0';
	if (t != 0 && gmtime_r(&t, &tm) != NULL)
		strftime(buf, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return buf;
}

static cp_err
add_env(void *ud, const struct cp_env *e)
{
	struct cli_envs *l = ud;
	struct cp_env *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return CP_E_NOMEM;
	l->v = nv;
	l->v[l->n++] = *e;
	return CP_OK;
}

cp_err
cli_list_envs(struct cli *cli, int64_t portal_id, struct cli_envs *out)
{
	cp_err r;

	memset(out, 0, sizeof(*out));
	r = cp_env_list(cli->store, portal_id, add_env, out);
	if (r != CP_OK) {
		free(out->v);
		memset(out, 0, sizeof(*out));
	}
	return r;
}

static cp_err
add_unit(void *ud, const struct cp_unit *u)
{
	struct cli_units *l = ud;
	struct cp_unit *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return CP_E_NOMEM;
	l->v = nv;
	l->v[l->n++] = *u;
	return CP_OK;
}

cp_err
cli_list_units(struct cli *cli, int64_t env_id, struct cli_units *out)
{
	cp_err r;

	memset(out, 0, sizeof(*out));
	r = cp_unit_list(cli->store, env_id, add_unit, out);
	if (r != CP_OK) {
		free(out->v);
		memset(out, 0, sizeof(*out));
	}
	return r;
}
