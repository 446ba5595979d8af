/*
 * inspecttest.h - what the tests of inspect.c and risk.c share: the
 * fixture cloud plugin (tests/fakes/testcloud) loaded once per binary from
 * a private copy, the e2e policy pack (TC-001..003), and per test a
 * temporary store with portal "acme", environment "prod" and unit
 * "111111111111" whose estate is a folder of JSON files.
 *
 * Call it_global_init() once at the start of main() and it_global_done()
 * before returning (also when the init failed: it cleans up what was
 * made).
 */
#ifndef CP_INSPECTTEST_H
#define CP_INSPECTTEST_H

/* nftw and mkdtemp need it before any libc header. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "config/config.h"
#include "core/core.h"
#include "cptest.h"
#include "inspect/inspect.h"
#include "lifecycle/settings.h"
#include "log/log.h"
#include "plugin/registry.h"
#include "policy/pack.h"
#include "store/store.h"

/* The fixed clock (2023-11-14 22:13:20 UTC). */
#define IT_T0 ((time_t)1700000000)
#define IT_T0_TEXT "2023-11-14 22:13:20"
#define IT_HOUR ((time_t)3600)
#define IT_DAY ((time_t)86400)
#define IT_UNIT "111111111111"

/* What one binary loads once. */
struct it_global {
	char plugins[512];	/* private copy of testcloud.so */
	cp_log *log;
	cp_registry *reg;
	cp_policy_set *set;
};

static struct it_global it_g;

/* One test's store and cloud. */
struct it_fx {
	char tmp[512];		/* the mkdtemp dir; removed by it_close */
	char cloud[600];	/* the fixture folder (env param) */
	char unitdir[700];	/* cloud/units/UNIT */
	char state[600];	/* the state dir */
	char jsonl[800];	/* unitdir/remediations.jsonl */
	cp_store *st;
	struct cp_portal portal;
	struct cp_env env;
	struct cp_unit unit;
	volatile int cancel;
};

/* dir made absolute (relative to the current directory). */
static inline void
it_abs(const char *dir, char *buf, size_t n)
{
	char cwd[4096];
	cp_err r;

	if (dir[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		r = cp_snprintf(buf, n, "%s", dir);
	else if (strcmp(dir, ".") == 0)
		r = cp_snprintf(buf, n, "%s", cwd);
	else
		r = cp_snprintf(buf, n, "%s/%s", cwd, dir);
	if (r != CP_OK)
		buf[0] = '\0';
}

/* Copies src to dst with mode; 0 on success. */
static inline int
it_copy(const char *src, const char *dst, mode_t mode)
{
	char chunk[8192];
	ssize_t n;
	int in, out, rc = -1;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "cannot open %s\n", src);
		return -1;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		goto out;
	while ((n = read(in, chunk, sizeof(chunk))) > 0)
		if (write(out, chunk, (size_t)n) != n)
			goto out;
	if (n == 0 && fchmod(out, mode) == 0)
		rc = 0;
out:
	close(in);
	if (out >= 0 && close(out) != 0)
		rc = -1;
	return rc;
}

/* Writes text to path (0644); 0 on success. */
static inline int
it_write(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fputs(text, fp);
	return fclose(fp) == 0 ? 0 : -1;
}

static inline int
it_rm_one(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb;
	(void)f;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static inline void
it_rmtree(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, it_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new private directory under $TMPDIR; 0 on success. */
static inline int
it_mkdtemp(char *buf, size_t n, const char *what)
{
	snprintf(buf, n, "%s/cp-%s-XXXXXX", cp_test_env("TMPDIR", "/tmp"),
	    what);
	if (mkdtemp(buf) == NULL) {
		buf[0] = '\0';
		return -1;
	}
	return chmod(buf, 0700);
}

/*
 * Loads testcloud from a private copy and the e2e policies; 0 on
 * success (messages on stderr otherwise).
 */
static inline int
it_global_init(void)
{
	struct cp_registry_opts ro;
	struct cp_config *cfg = NULL;
	struct cp_diag diag;
	char build[4096], src[4096], so[4200], dst[700], pol[4200];
	const char *dirs[2];
	const void *ops = NULL;
	void *ctx = NULL;
	cp_err r;

	memset(&it_g, 0, sizeof(it_g));
	if (cp_core_global_init() != CP_OK)
		return -1;
	it_abs(CP_TEST_BUILDDIR(), build, sizeof(build));
	it_abs(CP_TEST_SRCDIR(), src, sizeof(src));
	snprintf(so, sizeof(so), "%s/tests/fakes/.libs/testcloud.so", build);
	if (it_mkdtemp(it_g.plugins, sizeof(it_g.plugins), "plugins") != 0 ||
	    chmod(it_g.plugins, 0755) != 0)
		return -1;
	snprintf(dst, sizeof(dst), "%s/testcloud.so", it_g.plugins);
	if (it_copy(so, dst, 0755) != 0)
		return -1;
	it_g.log = cp_log_create(CP_LOG_TO_STDERR, CP_LOG_WARNING, "test");
	if (it_g.log == NULL)
		return -1;
	memset(&ro, 0, sizeof(ro));
	ro.log = it_g.log;
	cp_diag_init(&diag);
	r = cp_registry_create(&ro, &it_g.reg);
	if (r == CP_OK)
		r = cp_registry_load_dir(it_g.reg, it_g.plugins);
	if (r == CP_OK)
		r = cp_config_defaults(&cfg);
	if (r == CP_OK)
		r = cp_registry_configure(it_g.reg, cfg, &diag);
	if (r == CP_OK)
		r = cp_registry_init(it_g.reg);
	cp_config_free(cfg);
	if (r == CP_OK && cp_registry_find(it_g.reg, CP_CAP_CLOUD,
	    "testcloud", &ops, &ctx) == NULL) {
		fprintf(stderr, "testcloud did not load from %s\n", dst);
		r = CP_E_PLUGIN;
	}
	snprintf(pol, sizeof(pol), "%s/tests/e2e/policies", src);
	dirs[0] = pol;
	dirs[1] = NULL;
	if (r == CP_OK)
		r = cp_policy_set_load(dirs, &it_g.set, &diag);
	if (r == CP_OK && (diag.errors > 0 ||
	    cp_policy_set_count(it_g.set) != 3)) {
		fprintf(stderr, "policies of %s did not load\n", pol);
		r = CP_E_CONFIG;
	}
	cp_diag_free(&diag);
	if (r != CP_OK)
		fprintf(stderr, "set-up failed: %s\n", cp_strerror(r));
	return r == CP_OK ? 0 : -1;
}

static inline void
it_global_done(void)
{
	cp_policy_set_free(it_g.set);
	cp_registry_destroy(it_g.reg);
	cp_log_destroy(it_g.log);
	it_rmtree(it_g.plugins);
	cp_core_global_cleanup();
}

static inline const struct cp_policy *
it_policy(const char *id)
{
	const struct cp_policy *p = cp_policy_set_find(it_g.set, id);

	CU_ASSERT_FATAL(p != NULL);
	return p;
}

/* Copies tests/e2e/estate/name into the unit's folder as as. */
static inline void
it_estate(struct it_fx *x, const char *name, const char *as)
{
	char src[4096], from[4200], to[1000];

	it_abs(CP_TEST_SRCDIR(), src, sizeof(src));
	snprintf(from, sizeof(from), "%s/tests/e2e/estate/%s", src, name);
	snprintf(to, sizeof(to), "%s/%s", x->unitdir, as);
	CU_ASSERT_FATAL(it_copy(from, to, 0644) == 0);
}

/* Writes text as the unit's file name. */
static inline void
it_unit_file(struct it_fx *x, const char *name, const char *text)
{
	char path[1000];

	snprintf(path, sizeof(path), "%s/%s", x->unitdir, name);
	CU_ASSERT_FATAL(it_write(path, text) == 0);
}

static inline void
it_unit_rm(struct it_fx *x, const char *name)
{
	char path[1000];

	snprintf(path, sizeof(path), "%s/%s", x->unitdir, name);
	CU_ASSERT_FATAL(unlink(path) == 0);
}

/*
 * A new store with portal "acme" and environment "prod" of cloud (with
 * remediation env_rem) holding unit IT_UNIT (with remediation unit_rem)
 * whose estate is resources-1.json.
 */
static inline void
it_open(struct it_fx *x, const char *cloud, int env_rem, int unit_rem)
{
	json_t *params, *secrets;
	char token[700];
	int64_t pid, eid;
	cp_err r;

	memset(x, 0, sizeof(*x));
	CU_ASSERT_FATAL(it_mkdtemp(x->tmp, sizeof(x->tmp), "inspect") == 0);
	snprintf(x->cloud, sizeof(x->cloud), "%s/cloud", x->tmp);
	snprintf(x->unitdir, sizeof(x->unitdir), "%s/units/%s", x->cloud,
	    IT_UNIT);
	snprintf(x->state, sizeof(x->state), "%s/state", x->tmp);
	snprintf(x->jsonl, sizeof(x->jsonl), "%s/remediations.jsonl",
	    x->unitdir);
	snprintf(token, sizeof(token), "%s/token", x->cloud);
	CU_ASSERT_FATAL(cp_mkdir_p(x->unitdir, 0700) == CP_OK);
	CU_ASSERT_FATAL(it_write(token, "tok\n") == 0);
	it_unit_file(x, "unit.json", "{\"name\": \"production\"}");
	it_estate(x, "resources-1.json", "resources.json");

	r = cp_store_open(x->state, CP_STORE_CREATE, &x->st);
	if (r != CP_OK)
		fprintf(stderr, "store: %s\n", cp_store_errmsg(x->st));
	CU_ASSERT_FATAL(r == CP_OK);
	CU_ASSERT_FATAL(cp_portal_add(x->st, "acme", "en", &pid) == CP_OK);
	CU_ASSERT_FATAL(cp_portal_get(x->st, "acme", &x->portal) == CP_OK);
	params = json_pack("{s:s}", "fixtures", x->cloud);
	secrets = json_pack("{s:s}", "token", "tok");
	CU_ASSERT_FATAL(params != NULL && secrets != NULL);
	r = cp_env_add(x->st, pid, "prod", cloud, IT_UNIT, env_rem, params,
	    secrets, &eid);
	json_decref(params);
	json_decref(secrets);
	CU_ASSERT_FATAL(r == CP_OK);
	CU_ASSERT_FATAL(cp_env_get(x->st, pid, "prod", &x->env) == CP_OK);
	CU_ASSERT_FATAL(cp_unit_put(x->st, eid, IT_UNIT, "production",
	    unit_rem, 1) == CP_OK);
	CU_ASSERT_FATAL(cp_unit_get(x->st, eid, IT_UNIT, &x->unit) == CP_OK);
}

static inline void
it_close(struct it_fx *x)
{
	cp_store_close(x->st);
	x->st = NULL;
	it_rmtree(x->tmp);
}

/* Options of a run at now: no dry run, a ceiling of 10. */
static inline struct cp_inspect_opts
it_opts(struct it_fx *x, time_t now)
{
	struct cp_inspect_opts o;

	memset(&o, 0, sizeof(o));
	o.state_dir = x->state;
	o.now = now;
	o.remediation_ceiling = 10;
	o.log = it_g.log;
	o.cancel = &x->cancel;
	return o;
}

static inline cp_err
it_inspect_o(struct it_fx *x, const struct cp_inspect_opts *o,
    struct cp_inspect_result *res)
{
	return cp_inspect_unit(it_g.reg, x->st, &x->portal, &x->env, &x->unit,
	    it_g.set, o, res);
}

/* One inspection at now with the default options. */
static inline cp_err
it_inspect(struct it_fx *x, time_t now, struct cp_inspect_result *res)
{
	struct cp_inspect_opts o = it_opts(x, now);

	return it_inspect_o(x, &o, res);
}

/*
 * Sets the portal's switches of policy id (-1 keeps one) and its
 * parameters params (a JSON text or NULL).
 */
static inline void
it_setting(struct it_fx *x, const char *id, int enabled, int notify,
    int remediate, const char *params)
{
	const struct cp_policy *p = it_policy(id);
	struct cp_lc_setting_change ch;
	struct cp_lc_defaults def;
	json_t *defaults = NULL, *pj = NULL;
	cp_err r;

	CU_ASSERT_FATAL(cp_inspect_defaults(p, &def, &defaults) == CP_OK);
	if (params != NULL) {
		pj = json_loads(params, 0, NULL);
		CU_ASSERT_FATAL(pj != NULL);
	}
	memset(&ch, 0, sizeof(ch));
	ch.enabled = enabled;
	ch.notify = notify;
	ch.remediate = remediate;
	ch.params = pj;
	r = cp_lc_setting_set(x->st, x->portal.id, id, &def, &ch, IT_T0);
	if (r != CP_OK)
		fprintf(stderr, "setting: %s\n", cp_store_errmsg(x->st));
	json_decref(pj);
	json_decref(defaults);
	CU_ASSERT_FATAL(r == CP_OK);
}

/* The first column of sql (with ?1 bound to arg, when not NULL). */
static inline long long
it_sql_int(struct it_fx *x, const char *sql, const char *arg)
{
	sqlite3_stmt *s = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(cp_store_db(x->st), sql, -1, &s, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql,
		    sqlite3_errmsg(cp_store_db(x->st)));
		return -2;
	}
	if (arg != NULL)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/*
 * The open findings of the unit as "POLICY/resource" lines sorted, in
 * buf.
 */
static inline const char *
it_open_findings(struct it_fx *x, char *buf, size_t n)
{
	sqlite3_stmt *s = NULL;
	size_t len = 0;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(cp_store_db(x->st),
	    "SELECT policy, resource FROM findings WHERE unit_id = ?1"
	    " AND resolved_at IS NULL ORDER BY policy, resource",
	    -1, &s, NULL) != SQLITE_OK)
		return "(error)";
	sqlite3_bind_int64(s, 1, x->unit.id);
	while (sqlite3_step(s) == SQLITE_ROW && len < n)
		len += (size_t)snprintf(buf + len, n - len, "%s/%s\n",
		    (const char *)sqlite3_column_text(s, 0),
		    (const char *)sqlite3_column_text(s, 1));
	sqlite3_finalize(s);
	return buf;
}

/* The number of lines of path, or -1 when it does not exist. */
static inline long
it_lines(const char *path)
{
	FILE *fp = fopen(path, "r");
	long n = 0;
	int c;

	if (fp == NULL)
		return -1;
	while ((c = fgetc(fp)) != EOF)
		if (c == '\n')
			n++;
	fclose(fp);
	return n;
}

#endif /* CP_INSPECTTEST_H */
