/*
 * test_config.c - the INI reader: defaults, every key, and a precise
 * "file:line: message" for every kind of mistake.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "cptest.h"
#include "log/log.h"

static char dir[] = "/tmp/cp-test-config-XXXXXX";

/* Writes text to dir/name and returns the path (static buffer). */
static const char *
write_ini(const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* Whether some diagnostic equals want exactly. */
static int
has_line(const struct cp_diag *d, const char *want)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->lines[i], want) == 0)
			return 1;
	fprintf(stderr, "missing diagnostic: %s\n got:\n", want);
	for (i = 0; i < d->n; i++)
		fprintf(stderr, "  %s\n", d->lines[i]);
	return 0;
}

/* Whether some diagnostic starts with want. */
static int
has_prefix(const struct cp_diag *d, const char *want)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strncmp(d->lines[i], want, strlen(want)) == 0)
			return 1;
	return 0;
}

static void
test_config_defaults_without_file(void)
{
	struct cp_config *cfg = NULL;
	struct cp_diag d;

	unsetenv("CLOUDPATROL_CONFIG");
	cp_diag_init(&d);
	/* The test binary runs from the build tree: tree defaults. */
	CU_ASSERT_EQUAL(cp_config_load(NULL, &cfg, &d), CP_OK);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_PTR_NULL(cfg->path);
	CU_ASSERT_EQUAL(cfg->from_build_tree, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cfg->state_dir, "/cloudpatrol-state"));
	CU_ASSERT_PTR_NOT_NULL(cfg->plugin_dirs);
	CU_ASSERT_EQUAL(cfg->workers, 4);
	CU_ASSERT_EQUAL(cfg->log_level, CP_LOG_INFO);
	CU_ASSERT_EQUAL(cfg->timeout_s, 30);
	cp_config_free(cfg);
	cp_diag_free(&d);
}

static void
test_config_language_from_locale(void)
{
	struct cp_config *cfg = NULL;

	setenv("LC_ALL", "ja_JP.UTF-8", 1);
	CU_ASSERT_EQUAL(cp_config_defaults(&cfg), CP_OK);
	CU_ASSERT_STRING_EQUAL(cfg->language, "ja");
	cp_config_free(cfg);
	setenv("LC_ALL", "C", 1);
	CU_ASSERT_EQUAL(cp_config_defaults(&cfg), CP_OK);
	CU_ASSERT_STRING_EQUAL(cfg->language, "en");
	cp_config_free(cfg);
	unsetenv("LC_ALL");
}

static void
test_config_reads_every_key(void)
{
	struct cp_config *cfg = NULL;
	struct cp_diag d;
	const char *path = write_ini("good.ini",
	    "; a comment\n"
	    "[core]\n"
	    "state_dir = /var/lib/cp-test   ; inline comment\n"
	    "plugin_dirs = /a/plugins, /b/plugins\n"
	    "policy_dirs = /p\n"
	    "workers = 8\n"
	    "log = syslog\n"
	    "log_level = debug\n"
	    "language = ja\n"
	    "remediation_ceiling = 3\n"
	    "geoip_ipv4 = /etc/hostname\n"
	    "\n"
	    "[http]\n"
	    "ca_file = /etc/hostname\n"
	    "proxy = http://127.0.0.1:3128\n"
	    "timeout = 12\n"
	    "connect_timeout = 3\n"
	    "max_body = 2048\n"
	    "[plugin:aws]\n"
	    "enabled = no\n"
	    "endpoint = https://127.0.0.1:9/\n"
	    "[plugin:aws/second]\n"
	    "[plugin:notify-mail]\n"
	    "url = smtp://127.0.0.1:2525\n");

	cp_diag_init(&d);
	CU_ASSERT_EQUAL_FATAL(cp_config_load(path, &cfg, &d), CP_OK);
	CU_ASSERT_STRING_EQUAL(cfg->path, path);
	CU_ASSERT_STRING_EQUAL(cfg->state_dir, "/var/lib/cp-test");
	CU_ASSERT_STRING_EQUAL(cfg->plugin_dirs[0], "/a/plugins");
	CU_ASSERT_STRING_EQUAL(cfg->plugin_dirs[1], "/b/plugins");
	CU_ASSERT_PTR_NULL(cfg->plugin_dirs[2]);
	CU_ASSERT_STRING_EQUAL(cfg->policy_dirs[0], "/p");
	CU_ASSERT_EQUAL(cfg->workers, 8);
	CU_ASSERT_EQUAL(cfg->log_target, CP_LOG_TO_SYSLOG);
	CU_ASSERT_EQUAL(cfg->log_level, CP_LOG_DEBUG);
	CU_ASSERT_STRING_EQUAL(cfg->language, "ja");
	CU_ASSERT_EQUAL(cfg->remediation_ceiling, 3);
	CU_ASSERT_STRING_EQUAL(cfg->geoip_ipv4, "/etc/hostname");
	CU_ASSERT_PTR_NULL(cfg->geoip_ipv6);
	CU_ASSERT_STRING_EQUAL(cfg->ca_file, "/etc/hostname");
	CU_ASSERT_STRING_EQUAL(cfg->proxy, "http://127.0.0.1:3128");
	CU_ASSERT_EQUAL(cfg->timeout_s, 12);
	CU_ASSERT_EQUAL(cfg->connect_timeout_s, 3);
	CU_ASSERT_EQUAL(cfg->max_body, 2048);
	CU_ASSERT_EQUAL_FATAL(cfg->n_sections, 3);
	CU_ASSERT_STRING_EQUAL(cfg->sections[0].plugin, "aws");
	CU_ASSERT_PTR_NULL(cfg->sections[0].instance);
	CU_ASSERT_EQUAL(cfg->sections[0].enabled, 0);
	CU_ASSERT_EQUAL(cfg->sections[0].line, 19);
	CU_ASSERT_EQUAL_FATAL(cfg->sections[0].n_entries, 1);
	CU_ASSERT_STRING_EQUAL(cfg->sections[0].entries[0].key, "endpoint");
	CU_ASSERT_EQUAL(cfg->sections[0].entries[0].line, 21);
	/* A section with no key is still an instance. */
	CU_ASSERT_STRING_EQUAL(cfg->sections[1].plugin, "aws");
	CU_ASSERT_STRING_EQUAL(cfg->sections[1].instance, "second");
	CU_ASSERT_EQUAL(cfg->sections[1].enabled, 1);
	CU_ASSERT_EQUAL(cfg->sections[1].n_entries, 0);
	CU_ASSERT_STRING_EQUAL(cfg->sections[2].entries[0].value,
	    "smtp://127.0.0.1:2525");
	cp_config_free(cfg);
	cp_diag_free(&d);
}

static void
test_config_reports_every_mistake_with_its_line(void)
{
	struct cp_config *cfg = NULL;
	struct cp_diag d;
	char want[600];
	const char *path = write_ini("bad.ini",
	    "[core]\n"				/* 1 */
	    "workers = many\n"			/* 2 */
	    "log = file\n"			/* 3 */
	    "colour = blue\n"			/* 4 */
	    "state_dir = relative/dir\n"	/* 5 */
	    "log_level = loud\n"		/* 6 */
	    "[http]\n"				/* 7 */
	    "timeout = 99999\n"			/* 8 */
	    "ca_file = /nonexistent/ca.pem\n"	/* 9 */
	    "[databases]\n"			/* 10 */
	    "x = 1\n"				/* 11 */
	    "[plugin:Bad_Name]\n"		/* 12 */
	    "[plugin:aws]\n"			/* 13 */
	    "enabled = perhaps\n"		/* 14 */
	    "region = a\n"			/* 15 */
	    "region = b\n"			/* 16 */
	    "[plugin:aws]\n"			/* 17 */
	    "this line has no equals sign\n");	/* 18 */

	cp_diag_init(&d);
	CU_ASSERT_EQUAL(cp_config_load(path, &cfg, &d), CP_E_CONFIG);
	CU_ASSERT_PTR_NULL(cfg);
#define WANT(line, msg)                                                  \
	do {                                                             \
		snprintf(want, sizeof(want), "%s:%d: %s", path, line, msg);   \
		CU_ASSERT_TRUE(has_line(&d, want));                      \
	} while (0)
	WANT(2, "[core] workers = many: not a whole number");
	WANT(3, "[core] log = file: expected stderr or syslog");
	WANT(4, "[core] unknown key 'colour' (known: state_dir, plugin_dirs, "
	    "policy_dirs, workers, cloud_concurrency, log, log_level, "
	    "language, remediation_ceiling, geoip_ipv4, geoip_ipv6, "
	    "schedule_scale)");
	WANT(5, "[core] state_dir: 'relative/dir' is not an absolute path");
	WANT(6, "[core] log_level = loud: expected error, warning, info or "
	    "debug");
	WANT(8, "[http] timeout = 99999: out of range (1 to 3600)");
	WANT(9, "[http] ca_file: cannot read '/nonexistent/ca.pem': No such "
	    "file or directory");
	WANT(10, "unknown section [databases] (known: [core], [http], "
	    "[vuln], [plugin:NAME])");
	WANT(12, "bad section name [plugin:Bad_Name]: expected [plugin:NAME] "
	    "or [plugin:NAME/INSTANCE] with NAME and INSTANCE made of a-z, "
	    "0-9 and -");
	WANT(14, "[plugin:aws] enabled = perhaps: expected yes or no");
	WANT(16, "[plugin:aws] key 'region' given twice (first at line 15)");
	WANT(17, "section [plugin:aws] given twice (first at line 13)");
	WANT(18, "syntax error: expected [section] or key = value");
#undef WANT
	CU_ASSERT_EQUAL(d.errors, d.n);
	cp_diag_free(&d);
}

static void
test_config_refuses_long_lines_and_duplicates(void)
{
	struct cp_config *cfg = NULL;
	struct cp_diag d;
	char text[4096], want[600];
	const char *path;

	memset(text, 0, sizeof(text));
	strcpy(text, "[core]\nworkers = 2\nworkers = 3\nstate_dir = /");
	memset(text + strlen(text), 'x', 1500);
	strcat(text, "\n");
	path = write_ini("long.ini", text);
	cp_diag_init(&d);
	CU_ASSERT_EQUAL(cp_config_load(path, &cfg, &d), CP_E_CONFIG);
	snprintf(want, sizeof(want), "%s:3: [core] key 'workers' given twice",
	    path);
	CU_ASSERT_TRUE(has_line(&d, want));
	/* inih's line buffer is fixed when the library is built. */
	snprintf(want, sizeof(want), "%s:4: line longer than ", path);
	CU_ASSERT_TRUE(has_prefix(&d, want));
	cp_diag_free(&d);
}

static void
test_config_long_sections_and_indented_keys(void)
{
	struct cp_config *cfg = NULL;
	struct cp_diag d;
	const char *path = write_ini("long-section.ini",
	    "[core]\n"
	    "  workers = 3\n"
	    "\tlog_level = debug\n"
	    "[plugin:testcloud/production-eu-west-secondary-account-a]\n"
	    "enabled = no\n"
	    "endpoint = https://127.0.0.1:1/\n");

	cp_diag_init(&d);
	CU_ASSERT_EQUAL_FATAL(cp_config_load(path, &cfg, &d), CP_OK);
	/* Indented lines are keys, not continuations of the line above. */
	CU_ASSERT_EQUAL(cfg->workers, 3);
	CU_ASSERT_EQUAL(cfg->log_level, CP_LOG_DEBUG);
	/* inih truncates long section names; the keys still land. */
	CU_ASSERT_EQUAL_FATAL(cfg->n_sections, 1);
	CU_ASSERT_STRING_EQUAL(cfg->sections[0].instance,
	    "production-eu-west-secondary-account-a");
	CU_ASSERT_EQUAL(cfg->sections[0].enabled, 0);
	CU_ASSERT_EQUAL(cfg->sections[0].n_entries, 1);
	cp_config_free(cfg);
	cp_diag_free(&d);
}

static void
test_config_search_order(void)
{
	struct cp_config *cfg = NULL;
	struct cp_diag d;
	const char *a = write_ini("a.ini", "[core]\nworkers = 5\n");
	char apath[512];

	snprintf(apath, sizeof(apath), "%s", a);
	write_ini("b.ini", "[core]\nworkers = 6\n");
	cp_diag_init(&d);
	setenv("CLOUDPATROL_CONFIG", apath, 1);
	CU_ASSERT_STRING_EQUAL(cp_config_find(NULL), apath);
	CU_ASSERT_EQUAL(cp_config_load(NULL, &cfg, &d), CP_OK);
	CU_ASSERT_EQUAL(cfg->workers, 5);
	cp_config_free(cfg);
	/* --config wins over the environment. */
	CU_ASSERT_STRING_EQUAL(cp_config_find("/x.ini"), "/x.ini");
	unsetenv("CLOUDPATROL_CONFIG");
	/* A named file that does not exist is an error, not the defaults. */
	CU_ASSERT_EQUAL(cp_config_load("/nonexistent/cp.ini", &cfg, &d),
	    CP_E_NOTFOUND);
	CU_ASSERT_TRUE(has_line(&d, "/nonexistent/cp.ini: cannot read: no "
	    "such file"));
	cp_diag_free(&d);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "defaults_without_file", test_config_defaults_without_file },
		{ "language_from_locale", test_config_language_from_locale },
		{ "reads_every_key", test_config_reads_every_key },
		{ "reports_every_mistake_with_its_line",
		    test_config_reports_every_mistake_with_its_line },
		{ "refuses_long_lines_and_duplicates",
		    test_config_refuses_long_lines_and_duplicates },
		{ "long_sections_and_indented_keys",
		    test_config_long_sections_and_indented_keys },
		{ "search_order", test_config_search_order },
		{ NULL, NULL }
	};
	char cmd[600];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	rc = cp_test_run("config", tests);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
