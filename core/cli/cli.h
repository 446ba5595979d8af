/*
 * cli.h - what the subcommands of the cloudpatrol executable share: the
 * global options, lazily opened core pieces, errors and output.
 *
 * Exit codes: CLI_OK 0, CLI_ERROR 1 (the command failed), CLI_USAGE 2 (the
 * command line is wrong).
 */
#ifndef CP_CLI_H
#define CP_CLI_H

#include <stdio.h>

#include <jansson.h>

#include "core/core.h"
#include "policy/framework.h"
#include "policy/geoip.h"
#include "policy/pack.h"

enum { CLI_OK = 0, CLI_ERROR = 1, CLI_USAGE = 2 };

struct cli {
	const char *config_path;	/* --config */
	const char *portal;		/* --portal */
	int json;			/* --json */
	const char *lang;		/* --lang, else [core] language */
	cp_core *core;
	int plugin_problems;		/* some [plugin:] section was wrong */
	cp_store *store;
	cp_policy_set *policies;
	cp_framework_set *frameworks;
	cp_geoip *geoip;
	int geoip_loaded;
	struct cp_diag diag;
	const char *prog;
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary_en;
	const char *summary_ja;
};

/* Whether the CLI speaks Japanese. */
int cli_is_ja(const struct cli *cli);

/* The text in the CLI's language. */
const char *cli_text(const struct cli *cli, const char *en, const char *ja)
    __attribute__((format_arg(2)));

/* Prints "cloudpatrol: message" to stderr; returns CLI_ERROR. */
int cli_error(struct cli *cli, const char *fmt, ...) CP_FMT(2, 3);
/* Prints "cloudpatrol: message" and a hint to --help; returns CLI_USAGE. */
int cli_usage(struct cli *cli, const char *cmd, const char *fmt, ...)
    CP_FMT(3, 4);

/* The core, made on first use (config loaded, diagnostics printed). */
cp_core *cli_core(struct cli *cli);
/* The store, opened (and created) on first use; NULL after an error. */
cp_store *cli_store(struct cli *cli);
/*
 * The plugins, loaded on first use; NULL after an error.  A wrong
 * [plugin:...] section is reported and sets plugin_problems, but the other
 * plugins are still returned.
 */
cp_registry *cli_plugins(struct cli *cli);
/*
 * The policy packs of [core] policy_dirs, loaded on first use; broken files
 * are reported and skipped.  NULL only on no memory.
 */
cp_policy_set *cli_policies(struct cli *cli);
/*
 * The compliance frameworks (framework.json) of the policy directories,
 * loaded on first use; broken files are reported and skipped.  NULL only
 * on no memory.
 */
cp_framework_set *cli_frameworks(struct cli *cli);
/* The IP2Location data of [core] geoip_*, or NULL when none is set. */
const cp_geoip *cli_geoip(struct cli *cli);
/* Releases what the cli_* helpers opened. */
void cli_cleanup(struct cli *cli);

/* The portal of --portal, or the only one; CLI_OK or an exit code. */
int cli_portal(struct cli *cli, struct cp_portal *out);

/*
 * Reports a getopt error for command cmd (c is what getopt_long returned,
 * '?' or ':'); returns CLI_USAGE.  Commands run getopt_long with opterr = 0
 * and optstring starting with ':'.
 */
int cli_bad_option(struct cli *cli, const char *cmd, int c, char **argv);

/* The environments of a portal and the units of an environment, as
 * arrays owned by the caller (free(v)). */
struct cli_envs {
	struct cp_env *v;
	size_t n;
};
struct cli_units {
	struct cp_unit *v;
	size_t n;
};
cp_err cli_list_envs(struct cli *cli, int64_t portal_id,
    struct cli_envs *out);
cp_err cli_list_units(struct cli *cli, int64_t env_id,
    struct cli_units *out);

/* Whether arg is -h or --help. */
int cli_is_help(const char *arg);

/* Prints a JSON value to stdout (indented) and frees it. */
int cli_print_json(json_t *v);

/* A text table printed with aligned columns (UTF-8 aware). */
struct cli_table;
struct cli_table *cli_table_new(size_t ncols, const char *const *headers);
cp_err cli_table_add(struct cli_table *t, const char *const *cells);
void cli_table_print(struct cli_table *t, FILE *fp);
void cli_table_free(struct cli_table *t);

/* The subcommands (one file each group). */
int cli_cmd_version(struct cli *cli, int argc, char **argv);
int cli_cmd_plugins(struct cli *cli, int argc, char **argv);
int cli_cmd_portal(struct cli *cli, int argc, char **argv);
int cli_cmd_config(struct cli *cli, int argc, char **argv);
int cli_cmd_env(struct cli *cli, int argc, char **argv);
int cli_cmd_unit(struct cli *cli, int argc, char **argv);
int cli_cmd_inspect(struct cli *cli, int argc, char **argv);
int cli_cmd_findings(struct cli *cli, int argc, char **argv);
int cli_cmd_history(struct cli *cli, int argc, char **argv);
int cli_cmd_exclude(struct cli *cli, int argc, char **argv);
int cli_cmd_policy(struct cli *cli, int argc, char **argv);
int cli_cmd_report(struct cli *cli, int argc, char **argv);
int cli_cmd_status(struct cli *cli, int argc, char **argv);
int cli_cmd_dest(struct cli *cli, int argc, char **argv);
int cli_cmd_notify(struct cli *cli, int argc, char **argv);
int cli_cmd_outbox(struct cli *cli, int argc, char **argv);
int cli_cmd_demo(struct cli *cli, int argc, char **argv);
int cli_cmd_daemon(struct cli *cli, int argc, char **argv);
int cli_cmd_asm(struct cli *cli, int argc, char **argv);
int cli_cmd_vuln(struct cli *cli, int argc, char **argv);

/* A time as "2026-11-25 09:30:00 UTC"; "" for 0. */
const char *cli_time(time_t t, char buf[32]);

#endif /* CP_CLI_H */
