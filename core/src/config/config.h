/*
 * config.h - the deployment configuration: one INI file read with inih.
 *
 * Search order: the path given (--config), $CLOUDPATROL_CONFIG,
 * $(sysconfdir)/cloudpatrol/cloudpatrol.ini; with none of them, embedded
 * defaults (which, for a binary run from its build tree, point at the
 * tree's plugins and policies and at ./cloudpatrol-state).
 *
 * [core] and [http] are checked here, [vuln] (vulnerability intelligence)
 * is kept for asm/vuln.c; each [plugin:NAME] (or
 * [plugin:NAME/INSTANCE]) section is kept as key/value/line triples and
 * checked against the plugin's schema by the plugin registry.
 */
#ifndef CP_CONFIG_H
#define CP_CONFIG_H

#include <stddef.h>

#include "util/diag.h"
#include "util/util.h"

struct cp_config_entry {
	char *key;
	char *value;
	int line;
};

struct cp_plugin_section {
	char *plugin;		/* NAME */
	char *instance;		/* INSTANCE, or NULL for the default one */
	int line;		/* of the section header */
	int enabled;		/* enabled = ...; 1 when not given */
	struct cp_config_entry *entries;	/* without "enabled" */
	size_t n_entries;
};

struct cp_config {
	char *path;		/* the file read; NULL: embedded defaults */
	int from_build_tree;	/* defaults taken from the build tree */

	/* [core] */
	char *state_dir;
	char **plugin_dirs;	/* NULL-terminated, absolute */
	char **policy_dirs;	/* NULL-terminated, absolute */
	int workers;
	int log_target;		/* enum cp_log_target */
	int log_level;		/* enum cp_log_level */
	char *language;		/* "ja" | "en" */
	int remediation_ceiling; /* most remediations one run may do */
	char *geoip_ipv4;	/* IP2Location LITE DB1 CSV, or NULL */
	char *geoip_ipv6;
	int cloud_concurrency;	/* daemon: running jobs per cloud; 0: auto */
	int schedule_scale;	/* daemon: 1, or N times shorter periods
				 * (tests only) */

	/* [http] */
	char *ca_file;
	char *proxy;
	long timeout_s;
	long connect_timeout_s;
	long long max_body;

	struct cp_plugin_section *sections;
	size_t n_sections;

	/* [vuln]: kept as written, checked by cp_vuln_settings_from_config */
	struct cp_config_entry *vuln;
	size_t n_vuln;
};

/*
 * Loads the configuration.  path NULL follows the search order.  Every
 * problem goes to diag as "file:line: message"; the result is CP_OK only
 * when there is none (then *out is owned by the caller).
 */
cp_err cp_config_load(const char *path, struct cp_config **out,
    struct cp_diag *diag);
void cp_config_free(struct cp_config *cfg);

/* The embedded defaults alone (what "no config at all" gives). */
cp_err cp_config_defaults(struct cp_config **out);

/* Which file the search order picks, or NULL for the embedded defaults. */
const char *cp_config_find(const char *path);

#endif /* CP_CONFIG_H */
