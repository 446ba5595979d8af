/*
 * test_retention.c - the daily purge keeps 37 days of history, the latest
 * scan of every unit, outbox rows still being delivered, and the snapshot
 * files of live units; it removes the rest.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cptest.h"
#include "sched/retention.h"

static char dir[] = "/tmp/cp-test-retention-XXXXXX";

#define NOW ((time_t)1750000000)
#define DAY 86400

static void
sql(cp_store *st, const char *q)
{
	char *err = NULL;

	if (sqlite3_exec(cp_store_db(st), q, NULL, NULL, &err) != SQLITE_OK)
		fprintf(stderr, "sql: %s: %s\n", q, err);
	CU_ASSERT_PTR_NULL(err);
	sqlite3_free(err);
}

static long long
sql_int(cp_store *st, const char *q)
{
	sqlite3_stmt *s = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(cp_store_db(st), q, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void
touch(const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/snapshots/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	CU_ASSERT(fd >= 0);
	if (fd >= 0)
		close(fd);
}

static int
exists(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/snapshots/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void
test_retention_purges_only_what_is_past_its_time(void)
{
	struct cp_retention_summary sum;
	cp_store *st = NULL;
	char q[1024], live[64], tmp_live[64];
	int64_t p, e;
	long long u;

	CU_ASSERT_EQUAL_FATAL(cp_store_open(dir, CP_STORE_CREATE, &st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", "en", &p), CP_OK);
	CU_ASSERT_EQUAL(cp_env_add(st, p, "prod", "aws", "1", 0, NULL, NULL,
	    &e), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e, "111", "a", 0, 1), CP_OK);
	u = sql_int(st, "SELECT id FROM units");
	/* Notifications 36 and 38 days old; likewise remediations. */
	snprintf(q, sizeof(q), "INSERT INTO notifications (unit_id, policy, "
	    "resource, kind, time) VALUES (%lld, 'P', 'r', 'risk', %lld), "
	    "(%lld, 'P', 'r', 'risk', %lld)", u, (long long)NOW - 36 * DAY, u,
	    (long long)NOW - 38 * DAY);
	sql(st, q);
	snprintf(q, sizeof(q), "INSERT INTO remediations (unit_id, policy, "
	    "resource, action, status, time) VALUES (%lld, 'P', 'r', 'a', "
	    "'done', %lld)", u, (long long)NOW - 40 * DAY);
	sql(st, q);
	/* Two old scans: the latest of the unit stays. */
	snprintf(q, sizeof(q), "INSERT INTO scans (unit_id, started, "
	    "finished, status) VALUES (%lld, %lld, %lld, 'ok'), (%lld, %lld, "
	    "%lld, 'ok')", u, (long long)NOW - 50 * DAY,
	    (long long)NOW - 50 * DAY, u, (long long)NOW - 45 * DAY,
	    (long long)NOW - 45 * DAY);
	sql(st, q);
	/* Old outbox rows: one done, one done with a delivery pending. */
	snprintf(q, sizeof(q), "INSERT INTO outbox (portal_id, kind, payload, "
	    "state, next_attempt, created, updated) VALUES (%lld, 'notify', "
	    "'{}', 'done', 0, 0, %lld), (%lld, 'notify', '{}', 'done', 0, 0, "
	    "%lld)", (long long)p, (long long)NOW - 40 * DAY, (long long)p,
	    (long long)NOW - 40 * DAY);
	sql(st, q);
	snprintf(q, sizeof(q), "INSERT INTO destinations (portal_id, name, "
	    "type, created) VALUES (%lld, 'ops', 'mail', 0)", (long long)p);
	sql(st, q);
	sql(st, "INSERT INTO deliveries (outbox_id, destination_id, "
	    "next_attempt, created, updated) SELECT max(id), 1, 0, 0, 0 FROM "
	    "outbox");
	/* Snapshots: the live unit's, a gone unit's, a dead writer's temp. */
	CU_ASSERT_EQUAL(mkdir(strcat(strcpy(q, dir), "/snapshots"), 0700), 0);
	snprintf(live, sizeof(live), "unit-%lld.db", u);
	snprintf(tmp_live, sizeof(tmp_live), "unit-%lld.db.tmp-%ld", u,
	    (long)getpid());
	touch(live);
	touch(tmp_live);
	touch("unit-999.db");
	touch("unit-999.db-wal");
	snprintf(q, sizeof(q), "unit-%lld.db.tmp-2147483646", u);
	touch(q);
	touch("README");

	CU_ASSERT_EQUAL(cp_retention_purge(st, dir, NOW, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.notifications, 1);
	CU_ASSERT_EQUAL(sum.remediations, 1);
	CU_ASSERT_EQUAL(sum.scans, 1);
	CU_ASSERT_EQUAL(sum.outbox, 1);
	CU_ASSERT_EQUAL(sum.snapshots, 3);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT count(*) FROM notifications"), 1);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT count(*) FROM scans"), 1);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT count(*) FROM deliveries"), 1);
	CU_ASSERT_TRUE(exists(live));
	CU_ASSERT_TRUE(exists(tmp_live));
	CU_ASSERT_TRUE(exists("README"));
	CU_ASSERT_FALSE(exists("unit-999.db"));
	CU_ASSERT_FALSE(exists("unit-999.db-wal"));
	/* A second purge finds nothing more. */
	CU_ASSERT_EQUAL(cp_retention_purge(st, dir, NOW, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.notifications + sum.scans + sum.outbox +
	    sum.snapshots, 0);
	cp_store_close(st);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "purge", test_retention_purges_only_what_is_past_its_time },
		{ NULL, NULL }
	};
	char cmd[256];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	rc = cp_test_run("retention", tests);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
