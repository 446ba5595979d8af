/*
 * retention.c - the daily purge of history past its keeping time.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sched/retention.h"
#include "store/store_priv.h"

static const struct {
	const char *sql;	/* ?1: the cut-off time */
	size_t offset;		/* of the counter in the summary */
} purges[] = {
	{ "DELETE FROM notifications WHERE time < ?1",
	    offsetof(struct cp_retention_summary, notifications) },
	{ "DELETE FROM remediations WHERE time < ?1",
	    offsetof(struct cp_retention_summary, remediations) },
	/* The latest scan of a unit is what status shows: kept. */
	{ "DELETE FROM scans WHERE started < ?1 AND status != 'running' AND "
	  "id NOT IN (SELECT max(id) FROM scans GROUP BY unit_id)",
	    offsetof(struct cp_retention_summary, scans) },
	/* A row whose deliveries are still to be sent stays. */
	{ "DELETE FROM outbox WHERE state IN ('done', 'failed') AND "
	  "updated < ?1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE "
	  "d.outbox_id = outbox.id AND d.state IN ('pending', 'claimed'))",
	    offsetof(struct cp_retention_summary, outbox) },
	{ "DELETE FROM job_runs WHERE finished < ?1",
	    offsetof(struct cp_retention_summary, job_runs) },
};

static cp_err
purge_rows(cp_store *st, time_t cut, struct cp_retention_summary *sum)
{
	sqlite3_stmt *s = NULL;
	size_t i;
	cp_err r;
	int rc;

	r = cp_store_begin(st);
	for (i = 0; r == CP_OK && i < CP_ARRAY_LEN(purges); i++) {
		r = cp_store_prepare(st, purges[i].sql, &s, "purging history");
		if (r != CP_OK)
			break;
		rc = sqlite3_bind_int64(s, 1, (int64_t)cut);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(s);
		if (rc != SQLITE_DONE)
			r = cp_store_sqlfail(st, rc, "purging history");
		else
			*(size_t *)((char *)sum + purges[i].offset) +=
			    (size_t)sqlite3_changes(cp_store_db(st));
		sqlite3_finalize(s);
		s = NULL;
	}
	if (r == CP_OK)
		return cp_store_commit(st);
	cp_store_rollback(st);
	return r;
}

static int
unit_exists(cp_store *st, long long id)
{
	sqlite3_stmt *s = NULL;
	int rc, yes = 1;	/* when in doubt, keep the file */

	if (sqlite3_prepare_v2(cp_store_db(st), "SELECT count(*) FROM units "
	    "WHERE id = ?1", -1, &s, NULL) != SQLITE_OK)
		return 1;
	rc = sqlite3_bind_int64(s, 1, id);
	if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		yes = sqlite3_column_int(s, 0) > 0;
	sqlite3_finalize(s);
	return yes;
}

/*
 * Whether snapshot file name is stray: "unit-N.db..." of a unit that is
 * gone, or "unit-N.db.tmp-PID..." of a process that no longer runs.
 */
static int
stray(cp_store *st, const char *name)
{
	const char *tmp;
	char *end;
	long long id, pid;

	if (strncmp(name, "unit-", 5) != 0)
		return 0;
	errno = 0;
	id = strtoll(name + 5, &end, 10);
	if (errno != 0 || end == name + 5 || strncmp(end, ".db", 3) != 0)
		return 0;
	if (!unit_exists(st, id))
		return 1;
	tmp = strstr(end, ".tmp-");
	if (tmp == NULL)
		return 0;
	pid = strtoll(tmp + 5, &end, 10);
	if (pid <= 0 || pid > 0x7fffffffLL)
		return 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void
purge_files(cp_store *st, const char *state_dir,
    struct cp_retention_summary *sum)
{
	char dir[4096], path[4096];
	struct dirent *de;
	DIR *d;

	if (cp_snprintf(dir, sizeof(dir), "%s/snapshots", state_dir) !=
	    CP_OK || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!stray(st, de->d_name))
			continue;
		if (cp_snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) == CP_OK && unlink(path) == 0)
			sum->snapshots++;
	}
	closedir(d);
}

cp_err
cp_retention_purge(cp_store *st, const char *state_dir, time_t now,
    struct cp_retention_summary *sum)
{
	struct cp_retention_summary local;
	cp_err r;

	if (sum == NULL)
		sum = &local;
	memset(sum, 0, sizeof(*sum));
	r = purge_rows(st, now - (time_t)CP_RETENTION_DAYS * 86400, sum);
	if (r == CP_OK && state_dir != NULL)
		purge_files(st, state_dir, sum);
	return r;
}
