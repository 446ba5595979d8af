/*
 * test_status.c - the health view: last inspection per unit, the queue,
 * failed deliveries, and the healthy verdict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "cptest.h"
#include "ops/status.h"
#include "sched/sched.h"

static char dir[] = "/tmp/cp-test-status-XXXXXX";

static void
sql(cp_store *st, const char *q)
{
	char *err = NULL;

	if (sqlite3_exec(cp_store_db(st), q, NULL, NULL, &err) != SQLITE_OK)
		fprintf(stderr, "sql: %s: %s\n", q, err);
	CU_ASSERT_PTR_NULL(err);
	sqlite3_free(err);
}

static json_t *
unit_of(json_t *doc, const char *unit)
{
	json_t *u;
	size_t i;

	json_array_foreach(json_object_get(doc, "units"), i, u)
		if (strcmp(json_string_value(json_object_get(u, "unit")),
		    unit) == 0)
			return u;
	return NULL;
}

static void
test_status_reports_units_queue_and_health(void)
{
	cp_store *st = NULL;
	int64_t acme, other, e1, e2;
	json_t *doc, *u, *ob, *f;

	CU_ASSERT_EQUAL_FATAL(cp_store_open(dir, CP_STORE_CREATE, &st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", "en", &acme), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "other", "ja", &other), CP_OK);
	CU_ASSERT_EQUAL(cp_env_add(st, acme, "prod", "aws", "1", 0, NULL,
	    NULL, &e1), CP_OK);
	CU_ASSERT_EQUAL(cp_env_add(st, other, "dev", "azure", "t", 0, NULL,
	    NULL, &e2), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e1, "111", "main", 0, 1), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e1, "222", "spare", 0, 1), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e2, "sub", "sub", 0, 0), CP_OK);

	/* Nothing inspected yet: healthy, no scans. */
	CU_ASSERT_EQUAL_FATAL(cp_status_collect(st, 0, &doc), CP_OK);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(doc, "units")), 3);
	CU_ASSERT_TRUE(json_is_null(json_object_get(unit_of(doc, "111"),
	    "last_scan")));
	CU_ASSERT_TRUE(json_is_true(json_object_get(doc, "healthy")));
	json_decref(doc);

	/* Unit 111: ok then error (the last one counts); 222: ok. */
	sql(st, "INSERT INTO scans (unit_id, started, finished, status, "
	    "resources) SELECT id, 100, 101, 'ok', 9 FROM units "
	    "WHERE unit IN ('111', '222')");
	sql(st, "INSERT INTO scans (unit_id, started, finished, status, error)"
	    " SELECT id, 200, 200, 'error', 'collection failed: denied' "
	    "FROM units WHERE unit = '111'");
	sql(st, "INSERT INTO findings (unit_id, policy, resource, first_seen, "
	    "last_seen) SELECT id, 'P-1', 'r' || n, 100, 100 FROM units, "
	    "(SELECT 1 AS n UNION SELECT 2) WHERE unit = '222'");
	sql(st, "INSERT INTO findings (unit_id, policy, resource, first_seen, "
	    "last_seen, resolved_at) SELECT id, 'P-1', 'gone', 1, 1, 3601 "
	    "FROM units WHERE unit = '222'");
	/* The queue: two notices, one remediation; deliveries. */
	sql(st, "INSERT INTO outbox (portal_id, kind, payload, next_attempt, "
	    "created, updated) VALUES (1, 'notify', '{}', 0, 0, 0), "
	    "(1, 'notify', '{}', 0, 0, 0), (1, 'remediate', '{}', 0, 0, 0), "
	    "(2, 'notify', '{}', 0, 0, 0)");
	sql(st, "UPDATE outbox SET state = 'done' WHERE id = 2");
	sql(st, "INSERT INTO destinations (portal_id, name, type, created) "
	    "VALUES (1, 'ops', 'mail', 0), (2, 'jp', 'mail', 0)");
	sql(st, "INSERT INTO deliveries (outbox_id, destination_id, state, "
	    "attempts, next_attempt, last_error, created, updated) VALUES "
	    "(1, 1, 'sent', 1, 0, '', 0, 10), (2, 1, 'failed', 9, 0, "
	    "'550 no such user', 0, 20), (4, 2, 'pending', 0, 0, '', 0, 0)");

	CU_ASSERT_EQUAL_FATAL(cp_status_collect(st, acme, &doc), CP_OK);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(doc, "units")), 2);
	CU_ASSERT_PTR_NULL(unit_of(doc, "sub"));
	u = unit_of(doc, "111");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
	    json_object_get(u, "last_scan"), "status")), "error");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
	    json_object_get(u, "last_scan"), "error")),
	    "collection failed: denied");
	u = unit_of(doc, "222");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(u,
	    "last_scan"), "resources")), 9);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(u,
	    "open_findings")), 2);
	ob = json_object_get(doc, "outbox");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(ob,
	    "pending_notices")), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(ob,
	    "pending_remediations")), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(ob,
	    "deliveries"), "failed")), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(ob,
	    "deliveries"), "pending")), 0);
	f = json_array_get(json_object_get(ob, "failures"), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(f,
	    "last_error")), "550 no such user");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(f,
	    "destination")), "ops");
	CU_ASSERT_TRUE(json_is_false(json_object_get(doc, "healthy")));
	json_decref(doc);

	/* The other portal is healthy: its own queue only. */
	CU_ASSERT_EQUAL_FATAL(cp_status_collect(st, other, &doc), CP_OK);
	CU_ASSERT_TRUE(json_is_true(json_object_get(doc, "healthy")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(
	    json_object_get(doc, "outbox"), "deliveries"), "pending")), 1);
	json_decref(doc);

	/* A partial collection (ok, with a note) is not healthy either. */
	sql(st, "INSERT INTO scans (unit_id, started, finished, status, error)"
	    " SELECT id, 300, 301, 'ok', 'partial: 1 collector error(s)' "
	    "FROM units WHERE unit = 'sub'");
	CU_ASSERT_EQUAL_FATAL(cp_status_collect(st, other, &doc), CP_OK);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
	    json_object_get(unit_of(doc, "sub"), "last_scan"), "error")),
	    "partial: 1 collector error(s)");
	CU_ASSERT_TRUE(json_is_false(json_object_get(doc, "healthy")));
	json_decref(doc);
	cp_store_close(st);
}

/* The jobs: the next due, the failed ones (unhealthy), the unavailable
 * kinds, the unit's next inspection, and whether a daemon runs. */
static void
test_status_reports_jobs_and_the_daemon(void)
{
	struct cp_sched_opts o;
	struct cp_job job;
	cp_store *st = NULL;
	json_t *doc, *jobs, *u;
	time_t now = time(NULL);

	CU_ASSERT_EQUAL_FATAL(cp_store_open(dir, CP_STORE_CREATE, &st), CP_OK);
	memset(&o, 0, sizeof(o));
	o.owner = "test|boot|1|1#w0";
	CU_ASSERT_EQUAL(cp_sched_sync(st, now - 7200, &o, NULL), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_status_collect(st, 0, &doc), CP_OK);
	jobs = json_object_get(doc, "jobs");
	CU_ASSERT(json_integer_value(json_object_get(jobs, "count")) > 3);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(jobs, "next")), 10);
	CU_ASSERT_TRUE(json_is_false(json_object_get(json_object_get(doc,
	    "daemon"), "running")));
	u = unit_of(doc, "111");
	CU_ASSERT_TRUE(json_is_integer(json_object_get(u, "next_inspection")));
	json_decref(doc);
	/* A failed patrol run makes the installation unhealthy. */
	sql(st, "UPDATE jobs SET enabled = 0 WHERE kind != 'patrol'");
	CU_ASSERT_EQUAL_FATAL(cp_sched_claim(st, now + 2 * 86400, &o, &job,
	    NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_sched_complete(st, &job, now + 2 * 86400,
	    CP_JOB_ERROR, "no destination could be reached"), CP_OK);
	sql(st, "UPDATE jobs SET enabled = 1");
	CU_ASSERT_EQUAL(cp_sched_claim(st, now + 3 * 86400, &o, &job, NULL),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_sched_complete(st, &job, now + 3 * 86400,
	    CP_JOB_UNAVAILABLE, "not available yet"), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_status_collect(st, 0, &doc), CP_OK);
	jobs = json_object_get(doc, "jobs");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(jobs, "failed")), 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
	    json_array_get(json_object_get(jobs, "failed"), 0), "error")),
	    "no destination could be reached");
	CU_ASSERT_TRUE(json_is_false(json_object_get(doc, "healthy")));
	json_decref(doc);
	cp_store_close(st);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "reports_units_queue_and_health",
		    test_status_reports_units_queue_and_health },
		{ "reports_jobs_and_the_daemon",
		    test_status_reports_jobs_and_the_daemon },
		{ NULL, NULL }
	};
	char cmd[600];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	rc = cp_test_run("status", tests);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
