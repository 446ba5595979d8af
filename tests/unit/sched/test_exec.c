/*
 * test_exec.c - what each job kind does: the monthly risk report lands
 * under the state dir with its month in the name, the patrol report is
 * queued, the purge runs, the capabilities that do not exist say so, and
 * a cancelled run is reported as such (its period must run again); a
 * rerun of a period whose record was lost queues no second report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cptest.h"
#include "notify/dest.h"
#include "sched/exec.h"

static char dir[] = "/tmp/cp-test-exec-XXXXXX";

static void
job_of(struct cp_job *j, int kind, int64_t portal_id, int64_t unit_id)
{
	memset(j, 0, sizeof(*j));
	j->kind = kind;
	j->portal_id = portal_id;
	j->unit_id = unit_id;
	j->scale = 1;
	cp_strlcpy(j->tz, "Asia/Tokyo", sizeof(j->tz));
}

static void
test_exec_each_kind_does_its_work(void)
{
	struct cp_job_ctx c;
	struct cp_job j;
	struct cp_diag diag;
	cp_policy_set *set = NULL;
	cp_store *st = NULL;
	const char *dirs[2];
	char why[1024], pdir[512], path[600], *csv = NULL;
	volatile int cancel = 0;
	int64_t p, e;
	size_t len;
	int result;

	CU_ASSERT_EQUAL_FATAL(cp_store_open(dir, CP_STORE_CREATE, &st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", "en", &p), CP_OK);
	CU_ASSERT_EQUAL(cp_env_add(st, p, "prod", "testcloud", "1", 0, NULL,
	    NULL, &e), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e, "111", "a", 0, 1), CP_OK);
	snprintf(pdir, sizeof(pdir), "%s/tests/data/policy/good",
	    CP_TEST_SRCDIR());
	dirs[0] = pdir;
	dirs[1] = NULL;
	cp_diag_init(&diag);
	CU_ASSERT_EQUAL_FATAL(cp_policy_set_load(dirs, &set, &diag), CP_OK);
	cp_diag_free(&diag);
	memset(&c, 0, sizeof(c));
	c.set = set;
	c.state_dir = dir;
	c.cancel = &cancel;

	/* The month of a period that starts 1 April 00:00 in Tokyo. */
	job_of(&j, CP_JOB_MONTHLY_RISK, p, 0);
	j.period = 1743433200;
	CU_ASSERT_EQUAL(cp_job_run(&c, st, &j, 1743433300, &result, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(result, CP_JOB_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(why,
	    "/reports/acme/{risk-A,accounts,resources}-2025-04.csv"));
	snprintf(path, sizeof(path), "%s/reports/acme/risk-A-2025-04.csv",
	    dir);
	CU_ASSERT_EQUAL_FATAL(cp_file_read(path, 1 << 20, &csv, &len), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "Score"));
	free(csv);
	/* The other reports R-REP-1 marks monthly: accounts, resources. */
	snprintf(path, sizeof(path), "%s/reports/acme/accounts-2025-04.csv",
	    dir);
	CU_ASSERT_EQUAL_FATAL(cp_file_read(path, 1 << 20, &csv, &len), CP_OK);
	free(csv);
	snprintf(path, sizeof(path), "%s/reports/acme/resources-2025-04.csv",
	    dir);
	CU_ASSERT_EQUAL_FATAL(cp_file_read(path, 1 << 20, &csv, &len), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "Resource ID"));
	free(csv);

	job_of(&j, CP_JOB_PATROL, p, 0);
	CU_ASSERT_EQUAL(cp_job_run(&c, st, &j, 1743433300, &result, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(result, CP_JOB_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "patrol report queued"));

	job_of(&j, CP_JOB_RETENTION, 0, 0);
	CU_ASSERT_EQUAL(cp_job_run(&c, st, &j, 1743433300, &result, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(result, CP_JOB_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "purged"));

	/* The resource list of a unit never inspected: written, saying so. */
	job_of(&j, CP_JOB_RESOURCES, p, 1);
	CU_ASSERT_EQUAL(cp_job_run(&c, st, &j, 1743433300, &result, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(result, CP_JOB_OK);
	snprintf(path, sizeof(path), "%s/reports/acme/resources-prod-111.csv",
	    dir);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, path));
	CU_ASSERT_EQUAL_FATAL(cp_file_read(path, 1 << 20, &csv, &len), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "Resource ID"));
	free(csv);
	job_of(&j, CP_JOB_RESOURCES, p, 42);
	CU_ASSERT_EQUAL(cp_job_run(&c, st, &j, 1743433300, &result, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(result, CP_JOB_ERROR);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "gone"));
	job_of(&j, CP_JOB_ASM_PASSIVE, p, 0);
	CU_ASSERT_EQUAL(cp_job_run(&c, st, &j, 1743433300, &result, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(result, CP_JOB_UNAVAILABLE);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "no asm-passive scanner"));

	/* Without plugins an inspection fails and says why. */
	job_of(&j, CP_JOB_INSPECT, p, 1);
	CU_ASSERT_EQUAL(cp_job_run(&c, st, &j, 1743433300, &result, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(result, CP_JOB_ERROR);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "no plugins loaded"));
	job_of(&j, CP_JOB_INSPECT, p, 42);
	CU_ASSERT_EQUAL(cp_job_run(&c, st, &j, 1743433300, &result, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "gone"));

	cancel = 1;
	CU_ASSERT_EQUAL(cp_job_run(&c, st, &j, 1743433300, &result, why,
	    sizeof(why)), CP_E_CANCELLED);
	cp_policy_set_free(set);
	cp_store_close(st);
}

static long long
count_patrol_rows(cp_store *st)
{
	sqlite3_stmt *s = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(cp_store_db(st), "SELECT count(*) FROM outbox "
	    "WHERE payload LIKE '%\"type\":\"patrol\"%'", -1, &s,
	    NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/*
 * A crash after the patrol report was queued but before its period was
 * recorded: the period runs again (its lease runs out) and must not queue
 * the report a second time; the next period queues its own.
 */
static void
test_exec_patrol_rerun_of_a_period_queues_once(void)
{
	struct cp_job_ctx c;
	struct cp_job j;
	cp_store *st = NULL;
	char sdir[512], why[1024];
	json_t *params;
	int64_t p, e, u, d;
	int result;

	snprintf(sdir, sizeof(sdir), "%s/rerun", dir);
	CU_ASSERT_EQUAL_FATAL(cp_store_open(sdir, CP_STORE_CREATE, &st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", "en", &p), CP_OK);
	CU_ASSERT_EQUAL(cp_env_add(st, p, "prod", "testcloud", "1", 0, NULL,
	    NULL, &e), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e, "111", "a", 0, 1), CP_OK);
	u = 1;
	params = json_pack("{s:[s]}", "to", "ops@example.com");
	CU_ASSERT_EQUAL_FATAL(cp_dest_add(st, p, "ops", "mail", params, NULL,
	    1743433300, &d), CP_OK);
	json_decref(params);
	CU_ASSERT_EQUAL_FATAL(cp_dest_bind(st, d, u), CP_OK);
	memset(&c, 0, sizeof(c));
	c.state_dir = sdir;

	job_of(&j, CP_JOB_PATROL, p, 0);
	cp_strlcpy(j.key, "patrol:portal:1", sizeof(j.key));
	j.period = 1743433200;
	CU_ASSERT_EQUAL(cp_job_run(&c, st, &j, 1743467400, &result, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(result, CP_JOB_OK);
	CU_ASSERT_EQUAL(count_patrol_rows(st), 1);
	/* Not recorded (the crash); the same period runs again. */
	CU_ASSERT_EQUAL(cp_job_run(&c, st, &j, 1743468000, &result, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(result, CP_JOB_OK);
	CU_ASSERT_EQUAL(count_patrol_rows(st), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "queued for 0 destination(s)"));
	j.period += 86400;
	CU_ASSERT_EQUAL(cp_job_run(&c, st, &j, 1743553800, &result, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(count_patrol_rows(st), 2);
	cp_store_close(st);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "kinds", test_exec_each_kind_does_its_work },
		{ "patrol rerun", test_exec_patrol_rerun_of_a_period_queues_once },
		{ NULL, NULL }
	};
	char cmd[256];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	rc = cp_test_run("exec", tests);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
