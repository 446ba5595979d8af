/*
 * test_engine.c - evaluating the test pack against snapshots written with
 * the snapshot writer: results, parameters from the portal, the tenant
 * schema, collector errors, refused and runaway policies, bad statuses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cptest.h"
#include "inventory/snapshot.h"
#include "log/log.h"
#include "policy/engine.h"

#define NOW 1714521600	/* 2024-05-01T00:00:00Z */

static char dir[] = "/tmp/cp-test-engine-XXXXXX";
static char unit_db[1024], tenant_db[1024], broken_db[1024];
static char broken_tenant_db[1024];
static cp_policy_set *pack;
static cp_geoip *geo;

/* Results of one run as "id|status|value|condition" lines, sorted. */
struct got {
	char lines[32][256];
	size_t n;
	int fail_after;		/* >0: the callback fails on that row */
};

static cp_err
collect(void *ud, const struct cp_policy *p, const struct cp_policy_result *r)
{
	struct got *g = ud;
	static const char *const st[] = {"pass", "fail", "ERROR"};

	(void)p;
	if (g->fail_after > 0 && (int)g->n + 1 >= g->fail_after)
		return CP_E_FAILED;
	if (g->n < 32)
		snprintf(g->lines[g->n++], sizeof(g->lines[0]), "%s|%s|%s|%s",
		    r->resource_id, st[r->status], r->value, r->condition);
	return CP_OK;
}

static int
cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The lines joined with "; " after sorting. */
static const char *
joined(struct got *g)
{
	static char buf[4096];
	size_t i;

	qsort(g->lines, g->n, sizeof(g->lines[0]), cmp_line);
	buf[0] = '\0';
	for (i = 0; i < g->n; i++) {
		if (i > 0)
			strncat(buf, "; ", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, g->lines[i], sizeof(buf) - strlen(buf) - 1);
	}
	return buf;
}

static cp_engine *
open_engine(const char *unit, const char *tenant, const cp_geoip *g)
{
	struct cp_engine_opts o;
	cp_engine *e = NULL;
	char why[512];

	memset(&o, 0, sizeof(o));
	o.geoip = g;
	o.now = NOW;
	if (cp_engine_open(unit, tenant, &o, &e, why, sizeof(why)) != CP_OK)
		fprintf(stderr, "\nopen: %s\n", why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return e;
}

/* Runs policy id with params (JSON text or NULL); the joined results. */
static const char *
run(cp_engine *e, const char *id, const char *params, cp_err want)
{
	const struct cp_policy *p = cp_policy_set_find(pack, id);
	static char why[512];
	struct got g;
	json_t *pj = NULL;
	cp_err r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(&g, 0, sizeof(g));
	if (params != NULL)
		pj = json_loads(params, 0, NULL);
	r = cp_engine_run(e, p, pj, collect, &g, why, sizeof(why));
	json_decref(pj);
	if (r != want)
		fprintf(stderr, "\n%s: %s\n", id, why);
	CU_ASSERT_EQUAL(r, want);
	if (r != CP_OK)
		return why;
	return joined(&g);
}

static void
expect(const char *got, const char *want, int line)
{
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\nline %d:\n  got: %s\n want: %s\n", line, got,
		    want);
	CU_ASSERT_STRING_EQUAL(got, want);
}

#define EXPECT(got, want) expect(got, want, __LINE__)

static void
test_engine_runs_pack(void)
{
	cp_engine *e = open_engine(unit_db, NULL, geo);

	EXPECT(run(e, "TEST-E001", NULL, CP_OK),
	    "fw-open|fail|0.0.0.0/0:22|public-ingress; "
	    "fw-out|pass||public-ingress; "
	    "fw-private|pass||public-ingress; "
	    "fw-range|fail|Internet:3389|public-ingress; "
	    "fw-v6|fail|::/0:22|public-ingress; "
	    "fw-web|pass||public-ingress");
	CU_ASSERT_EQUAL(cp_engine_last_rows(e), 6);
	CU_ASSERT_TRUE(cp_engine_last_steps(e) > 0);
	EXPECT(run(e, "TEST-E002", NULL, CP_OK),
	    "u-new|pass|11|key-age; u-old|fail|121|key-age");
	EXPECT(cp_engine_meta(e, "unit"), "111122223333");
	EXPECT(cp_engine_meta(e, "collected_at"), "2024-05-01T00:00:00Z");
	CU_ASSERT_PTR_NULL(cp_engine_meta(e, "nope"));
	cp_engine_close(e);
	cp_engine_close(NULL);
}

static void
test_engine_params_override_defaults(void)
{
	cp_engine *e = open_engine(unit_db, NULL, geo);

	EXPECT(run(e, "TEST-E001", "{\"ports\": [443]}", CP_OK),
	    "fw-open|pass||public-ingress; "
	    "fw-out|pass||public-ingress; "
	    "fw-private|pass||public-ingress; "
	    "fw-range|pass||public-ingress; "
	    "fw-v6|pass||public-ingress; "
	    "fw-web|fail|0.0.0.0/0:443|public-ingress");
	EXPECT(run(e, "TEST-E002", "{\"max_age_days\": 10}", CP_OK),
	    "u-new|fail|11|key-age; u-old|fail|121|key-age");
	EXPECT(run(e, "TEST-E002", "{\"max_age_days\": null, \"other\": 1}",
	    CP_OK), "u-new|pass|11|key-age; u-old|fail|121|key-age");
	EXPECT(run(e, "TEST-E002", "{\"max_age_days\": 0}", CP_E_INVALID),
	    "policy TEST-E002: parameter max_age_days = 0: must be between 1 "
	    "and 3650");
	EXPECT(run(e, "TEST-E002", "{\"max_age_days\": \"10\"}",
	    CP_E_INVALID), "policy TEST-E002: parameter max_age_days = "
	    "\"10\": must be an integer");
	EXPECT(run(e, "TEST-E002", "[1]", CP_E_INVALID),
	    "policy TEST-E002: parameters must be an object");
	cp_engine_close(e);
}

static void
test_engine_event_policy_uses_geoip(void)
{
	cp_engine *e = open_engine(unit_db, NULL, geo);

	EXPECT(run(e, "TEST-W001", NULL, CP_OK),
	    "ev-au|fail|1.0.0.1|login-country; "
	    "ev-jp|pass|1.32.223.5|login-country; "
	    "ev-private|fail|10.0.0.1|login-country");
	EXPECT(run(e, "TEST-W001", "{\"allowed_countries\": [\"JP\", \"AU\"]}",
	    CP_OK), "ev-au|pass|1.0.0.1|login-country; "
	    "ev-jp|pass|1.32.223.5|login-country; "
	    "ev-private|fail|10.0.0.1|login-country");
	cp_engine_close(e);
	/* Without a database no country is known: nothing is allowed. */
	e = open_engine(unit_db, NULL, NULL);
	EXPECT(run(e, "TEST-W001", NULL, CP_OK),
	    "ev-au|fail|1.0.0.1|login-country; "
	    "ev-jp|fail|1.32.223.5|login-country; "
	    "ev-private|fail|10.0.0.1|login-country");
	cp_engine_close(e);
}

static void
test_engine_tenant_schema(void)
{
	cp_engine *e = open_engine(unit_db, tenant_db, geo);

	EXPECT(run(e, "TEST-T001", NULL, CP_OK),
	    "alice|pass|on|mfa; bob|fail|off|mfa");
	cp_engine_close(e);
	/* No tenant snapshot: the same schema, no rows, no target. */
	e = open_engine(unit_db, NULL, geo);
	EXPECT(run(e, "TEST-T001", NULL, CP_OK), "");
	CU_ASSERT_EQUAL(cp_engine_last_rows(e), 0);
	cp_engine_close(e);
}

static void
test_engine_collector_error_gives_error(void)
{
	cp_engine *e = open_engine(broken_db, broken_tenant_db, geo);

	EXPECT(run(e, "TEST-E001", NULL, CP_OK),
	    "|ERROR||collector-error");
	CU_ASSERT_EQUAL(cp_engine_last_rows(e), 1);
	/* A policy that needs another collector runs. */
	EXPECT(run(e, "TEST-E002", NULL, CP_OK), "u-x|pass|0|key-age");
	/* The tenant snapshot's own collector errors count too. */
	EXPECT(run(e, "TEST-T001", NULL, CP_OK), "|ERROR||collector-error");
	cp_engine_close(e);
}

/* The detail of the collector-error result. */
static cp_err
keep_detail(void *ud, const struct cp_policy *p,
    const struct cp_policy_result *r)
{
	(void)p;
	snprintf(ud, 512, "%s", r->detail);
	return CP_OK;
}

static void
test_engine_collector_error_detail(void)
{
	cp_engine *e = open_engine(broken_db, NULL, geo);
	char detail[512] = "", why[256];

	CU_ASSERT_EQUAL(cp_engine_run(e, cp_policy_set_find(pack, "TEST-E001"),
	    NULL, keep_detail, detail, why, sizeof(why)), CP_OK);
	EXPECT(detail, "collector net failed (credentials refused): "
	    "AccessDenied on DescribeSecurityGroups");
	cp_engine_close(e);
}

/* Runs sql as policy id on e; the code, why in out. */
static cp_err
run_sql(cp_engine *e, const char *id, const char *sql, char *out, size_t n,
    struct got *g)
{
	struct cp_policy p;

	memset(&p, 0, sizeof(p));
	p.id = id;
	p.sql = sql;
	out[0] = '\0';
	memset(g, 0, sizeof(*g));
	return cp_engine_run(e, &p, NULL, collect, g, out, n);
}

static char *
slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	FILE *f = fopen(path, "rb");

	*len = 0;
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(*len + 1);
	if (buf != NULL && fread(buf, 1, *len, f) != *len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

#define COLS "'' AS resource_id, '' AS resource_name, 'pass' AS status, " \
	     "'' AS detail, '' AS value, '' AS condition"

static void
test_engine_refuses_hostile_sql(void)
{
	static const struct {
		const char *sql, *why;
	} cases[] = {
		{"INSERT INTO meta(key, value) VALUES ('x', 'y')",
		    "policy EVIL-1: INSERT into meta is refused: policy SQL "
		    "may only read"},
		{"ATTACH DATABASE '/tmp/cp-evil.db' AS evil",
		    "policy EVIL-1: ATTACH of /tmp/cp-evil.db is refused: "
		    "policy SQL may only read"},
		{"PRAGMA writable_schema = ON",
		    "policy EVIL-1: PRAGMA writable_schema is refused: policy "
		    "SQL may only read"},
		{"PRAGMA query_only = OFF",
		    "policy EVIL-1: PRAGMA query_only is refused: policy SQL "
		    "may only read"},
		{"SELECT load_extension('/tmp/evil.so') AS resource_id, "
		    "'' AS resource_name, '' AS status, '' AS detail, "
		    "'' AS value, '' AS condition",
		    "policy EVIL-1: function load_extension() is refused: "
		    "policy SQL may only read"},
		{"SELECT readfile('/etc/passwd') AS resource_id, "
		    "'' AS resource_name, '' AS status, '' AS detail, "
		    "'' AS value, '' AS condition",
		    "policy EVIL-1: no such function: readfile"},
		{"SELECT " COLS " FROM pragma_database_list",
		    "policy EVIL-1: changing the schema (sqlite_master) is "
		    "refused: policy SQL may only read"},
		{"DELETE FROM resource_data",
		    "policy EVIL-1: DELETE from resource_data is refused: "
		    "policy SQL may only read"},
		{"SELECT " COLS "; DELETE FROM resource_data",
		    "policy EVIL-1: more than one statement (a policy is one "
		    "SELECT)"},
	};
	cp_engine *e = open_engine(unit_db, tenant_db, geo);
	char why[512], *before, *after;
	size_t n1, n2, i;
	struct got g;

	before = slurp(unit_db, &n1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	for (i = 0; i < CP_ARRAY_LEN(cases); i++) {
		CU_ASSERT_EQUAL(run_sql(e, "EVIL-1", cases[i].sql, why,
		    sizeof(why), &g), CP_E_INVALID);
		EXPECT(why, cases[i].why);
		CU_ASSERT_EQUAL(g.n, 0);
	}
	/* The engine still works after refusals. */
	EXPECT(run(e, "TEST-E002", NULL, CP_OK),
	    "u-new|pass|11|key-age; u-old|fail|121|key-age");
	cp_engine_close(e);
	after = slurp(unit_db, &n2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(after);
	CU_ASSERT_EQUAL(n1, n2);
	CU_ASSERT_EQUAL(memcmp(before, after, n1), 0);
	CU_ASSERT_NOT_EQUAL(access("/tmp/cp-evil.db", F_OK), 0);
	free(before);
	free(after);
}

static void
test_engine_runaway_stopped(void)
{
	struct cp_engine_opts o;
	volatile int cancel = 0;
	cp_engine *e = NULL;
	char why[512];
	struct got g;

	memset(&o, 0, sizeof(o));
	o.now = NOW;
	o.budget = 1000000;
	o.cancel = &cancel;
	CU_ASSERT_EQUAL_FATAL(cp_engine_open(unit_db, NULL, &o, &e, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(run_sql(e, "EVIL-2", "WITH RECURSIVE c(x) AS "
	    "(SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT " COLS
	    " FROM c WHERE x = 0", why, sizeof(why), &g), CP_E_LIMIT);
	EXPECT(why, "policy EVIL-2 stopped after 1001000 steps");
	/* A cross join of everything with itself, many times over. */
	CU_ASSERT_EQUAL(run_sql(e, "EVIL-2", "SELECT " COLS " FROM "
	    "resources a, resources b, resources c, resources d, resources f,"
	    " resources h, resources i, resources j, resources k "
	    "WHERE a.json || b.json || c.json = ''", why, sizeof(why), &g),
	    CP_E_LIMIT);
	cancel = 1;
	CU_ASSERT_EQUAL(run_sql(e, "EVIL-2", "WITH RECURSIVE c(x) AS "
	    "(SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT " COLS
	    " FROM c WHERE x = 0", why, sizeof(why), &g), CP_E_CANCELLED);
	EXPECT(why, "policy EVIL-2 cancelled");
	cp_engine_close(e);
}

static void
log_hook(void *ud, int level, const char *subsys, const char *msg)
{
	(void)level;
	(void)subsys;
	snprintf(ud, 512, "%s", msg);
}

static void
test_engine_bad_status_and_sql_errors(void)
{
	struct cp_engine_opts o;
	cp_engine *e = NULL;
	cp_log *log;
	char why[512], logged[512] = "";
	struct got g;

	log = cp_log_create(CP_LOG_TO_STDERR, CP_LOG_ERROR, "test");
	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	cp_log_set_level(log, CP_LOG_WARNING);
	cp_log_set_hook(log, log_hook, logged);
	memset(&o, 0, sizeof(o));
	o.now = NOW;
	o.log = log;
	CU_ASSERT_EQUAL_FATAL(cp_engine_open(unit_db, NULL, &o, &e, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(run_sql(e, "ODD-1", "SELECT id AS resource_id, "
	    "'' AS resource_name, CASE id WHEN 'u-old' THEN 'PASS' ELSE "
	    "'pass' END AS status, '' AS detail, '' AS value, "
	    "'c' AS condition FROM resources WHERE type = 'testcloud/iam/user'",
	    why, sizeof(why), &g), CP_OK);
	EXPECT(joined(&g), "u-new|pass||c; u-nokey|pass||c; u-old|ERROR||c");
	EXPECT(logged, "policy ODD-1: resource 'u-old' has status 'PASS', "
	    "not 'pass' or 'fail': counted as an error");

	/* A run-time SQL error names the policy. */
	CU_ASSERT_EQUAL(run_sql(e, "ODD-2", "SELECT param('nope') AS "
	    "resource_id, '' AS resource_name, 'pass' AS status, "
	    "'' AS detail, '' AS value, '' AS condition", why, sizeof(why),
	    &g), CP_E_INVALID);
	EXPECT(why, "policy ODD-2: param('nope'): policy ODD-2 has no such "
	    "parameter");
	EXPECT(logged, why);

	/* The callback's failure stops the run and is returned. */
	memset(&g, 0, sizeof(g));
	g.fail_after = 2;
	CU_ASSERT_EQUAL(cp_engine_run(e, cp_policy_set_find(pack, "TEST-E001"),
	    NULL, collect, &g, why, sizeof(why)), CP_E_FAILED);
	CU_ASSERT_EQUAL(g.n, 1);
	CU_ASSERT_EQUAL(cp_engine_run(e, NULL, NULL, collect, &g, why,
	    sizeof(why)), CP_E_INVALID);
	cp_engine_close(e);
	cp_log_destroy(log);
}

static void
test_engine_open_errors(void)
{
	cp_engine *e = NULL;
	char why[512], p[1100], odd[1300];
	sqlite3 *db = NULL;
	FILE *f;
	cp_snapshot_writer *w = NULL;
	struct cp_snapshot_meta m = {"testcloud", "e", "u", "p", "1", NOW, 0};

	snprintf(p, sizeof(p), "%s/missing.db", dir);
	CU_ASSERT_EQUAL(cp_engine_open(p, NULL, NULL, &e, why, sizeof(why)),
	    CP_E_NOTFOUND);
	CU_ASSERT_PTR_NULL(e);
	CU_ASSERT_EQUAL(cp_engine_open(unit_db, p, NULL, &e, why,
	    sizeof(why)), CP_E_NOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "tenant snapshot"));
	CU_ASSERT_EQUAL(cp_engine_open(dir, NULL, NULL, &e, why, sizeof(why)),
	    CP_E_INVALID);

	snprintf(p, sizeof(p), "%s/text.db", dir);
	f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("hello, I am not a database\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(cp_engine_open(p, NULL, NULL, &e, why, sizeof(why)),
	    CP_E_INVALID);
	snprintf(odd, sizeof(odd), "%s is not an inventory snapshot", p);
	EXPECT(why, odd);

	snprintf(p, sizeof(p), "%s/v2.db", dir);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(p, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "CREATE TABLE meta(key, value);"
	    "INSERT INTO meta VALUES ('format_version', '2')", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	CU_ASSERT_EQUAL(cp_engine_open(p, NULL, NULL, &e, why, sizeof(why)),
	    CP_E_INVALID);
	snprintf(odd, sizeof(odd), "snapshot %s has format_version 2; this "
	    "build reads 1", p);
	EXPECT(why, odd);
	CU_ASSERT_EQUAL(cp_engine_open(unit_db, p, NULL, &e, why,
	    sizeof(why)), CP_E_INVALID);

	/* A file name that needs escaping in a URI. */
	snprintf(odd, sizeof(odd), "%s/a b?c#d%%20e&mode=rw.db", dir);
	CU_ASSERT_EQUAL_FATAL(cp_snapshot_begin(odd, &m, &w, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_snapshot_sink(w)->resource(cp_snapshot_sink(w),
	    "testcloud/iam/user", "u-odd", NULL, NULL, "{}"), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_snapshot_commit(w, why, sizeof(why)), CP_OK);
	e = open_engine(odd, odd, NULL);
	EXPECT(cp_engine_meta(e, "unit"), "u");
	cp_engine_close(e);
}

/* ------------------------------------------------------------ fixtures */

static int bad_fixture;

static void
add(const struct cp_inventory_sink *s, const char *type, const char *id,
    const char *json)
{
	if (s->resource(s, type, id, id, "r1", json) != CP_OK)
		bad_fixture = 1;
}

static int
make_snapshots(void)
{
	struct cp_snapshot_meta m = {"testcloud", "prod", "111122223333",
				     "testcloud", "0.1", NOW, 0};
	const struct cp_inventory_sink *s;
	cp_snapshot_writer *w = NULL;
	char why[512];
	const char *fw = "testcloud/net/firewall", *user = "testcloud/iam/user";

	snprintf(unit_db, sizeof(unit_db), "%s/unit.db", dir);
	snprintf(tenant_db, sizeof(tenant_db), "%s/tenant.db", dir);
	snprintf(broken_db, sizeof(broken_db), "%s/broken.db", dir);
	if (cp_snapshot_begin(unit_db, &m, &w, why, sizeof(why)) != CP_OK)
		return -1;
	s = cp_snapshot_sink(w);
	add(s, fw, "fw-open", "{\"rules\": [{\"direction\": \"in\", "
	    "\"source\": \"0.0.0.0/0\", \"ports\": \"22\"}]}");
	add(s, fw, "fw-private", "{\"rules\": [{\"direction\": \"in\", "
	    "\"source\": \"10.0.0.0/8\", \"ports\": \"*\"}]}");
	add(s, fw, "fw-web", "{\"rules\": [{\"direction\": \"in\", "
	    "\"source\": \"0.0.0.0/0\", \"ports\": \"443\"}, {\"direction\": "
	    "\"in\", \"source\": \"192.168.1.0/24\", \"ports\": \"22\"}]}");
	add(s, fw, "fw-range", "{\"rules\": [{\"direction\": \"in\", "
	    "\"source\": \"Internet\", \"ports\": \"3000-4000\"}]}");
	add(s, fw, "fw-v6", "{\"rules\": [{\"direction\": \"in\", "
	    "\"source\": \"::/0\", \"ports\": [\"22\", \"80\"]}]}");
	add(s, fw, "fw-out", "{\"rules\": [{\"direction\": \"out\", "
	    "\"source\": \"0.0.0.0/0\", \"ports\": \"22\"}]}");
	add(s, user, "u-old", "{\"key_created\": \"2024-01-01T00:00:00Z\"}");
	add(s, user, "u-new",
	    "{\"key_created\": \"2024-04-20T00:00:00+00:00\"}");
	add(s, user, "u-nokey", "{}");
	s->event(s, "testcloud/signin/login", "2024-04-30T10:00:00Z", "ev-jp",
	    "{\"user\": \"alice\", \"source_ip\": \"1.32.223.5\"}");
	s->event(s, "testcloud/signin/login", "2024-04-30T11:00:00Z", "ev-au",
	    "{\"user\": \"bob\", \"source_ip\": \"1.0.0.1\"}");
	s->event(s, "testcloud/signin/login", "2024-04-30T12:00:00Z",
	    "ev-private", "{\"user\": \"carol\", \"source_ip\": \"10.0.0.1\"}");
	if (cp_snapshot_commit(w, why, sizeof(why)) != CP_OK)
		return -1;

	m.unit = "tenant-1";
	if (cp_snapshot_begin(tenant_db, &m, &w, why, sizeof(why)) != CP_OK)
		return -1;
	s = cp_snapshot_sink(w);
	add(s, "testcloud/directory/user", "alice", "{\"mfa\": true}");
	add(s, "testcloud/directory/user", "bob", "{\"mfa\": false}");
	s->collector_error(s, "directory-logs", CP_E_HTTP, "timeout");
	if (cp_snapshot_commit(w, why, sizeof(why)) != CP_OK)
		return -1;

	/* A unit whose "net" collector failed, with a tenant whose
	 * "directory" collector failed. */
	if (cp_snapshot_begin(broken_db, &m, &w, why, sizeof(why)) != CP_OK)
		return -1;
	s = cp_snapshot_sink(w);
	add(s, user, "u-x", "{\"key_created\": \"2024-05-01\"}");
	s->collector_error(s, "net", CP_E_AUTH,
	    "AccessDenied on DescribeSecurityGroups");
	if (cp_snapshot_commit(w, why, sizeof(why)) != CP_OK)
		return -1;
	m.unit = "tenant-2";
	snprintf(broken_tenant_db, sizeof(broken_tenant_db),
	    "%s/tenant-broken.db", dir);
	if (cp_snapshot_begin(broken_tenant_db, &m, &w, why, sizeof(why)) !=
	    CP_OK)
		return -1;
	s = cp_snapshot_sink(w);
	s->collector_error(s, "directory", CP_E_RETRY_LATER, "throttled");
	if (cp_snapshot_commit(w, why, sizeof(why)) != CP_OK)
		return -1;
	return bad_fixture ? -1 : 0;
}

static void
rm_rf(const char *d)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{"runs_pack", test_engine_runs_pack},
		{"params_override_defaults",
		    test_engine_params_override_defaults},
		{"event_policy_uses_geoip",
		    test_engine_event_policy_uses_geoip},
		{"tenant_schema", test_engine_tenant_schema},
		{"collector_error_gives_error",
		    test_engine_collector_error_gives_error},
		{"collector_error_detail", test_engine_collector_error_detail},
		{"refuses_hostile_sql", test_engine_refuses_hostile_sql},
		{"runaway_stopped", test_engine_runaway_stopped},
		{"bad_status_and_sql_errors",
		    test_engine_bad_status_and_sql_errors},
		{"open_errors", test_engine_open_errors},
		{NULL, NULL},
	};
	char path[1024], why[512];
	const char *dirs[2] = {path, NULL};
	struct cp_diag diag;
	int rc = 2;

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/tests/data/geoip/"
	    "ip2location-lite-db1-ipv4-sample.csv", CP_TEST_SRCDIR());
	if (cp_geoip_load(path, NULL, &geo, why, sizeof(why)) != CP_OK) {
		fprintf(stderr, "%s\n", why);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/tests/data/policy/good",
	    CP_TEST_SRCDIR());
	cp_diag_init(&diag);
	if (cp_policy_set_load(dirs, &pack, &diag) != CP_OK ||
	    diag.errors != 0 || make_snapshots() != 0) {
		fprintf(stderr, "set-up failed\n");
		cp_diag_free(&diag);
		goto out;
	}
	cp_diag_free(&diag);
	rc = cp_test_run("engine", tests);
out:
	cp_policy_set_free(pack);
	cp_geoip_free(geo);
	rm_rf(dir);
	return rc;
}
