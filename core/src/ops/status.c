/*
 * status.c - the health view (R-OPS-1), read from the store in one read
 * transaction so its numbers agree with each other.
 */
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "ops/status.h"
#include "sched/lock.h"
#include "sched/sched.h"

/* Runs sql (?1 = portal_id, 0 meaning all) and hands each row to fn. */
static cp_err
each_row(cp_store *st, const char *sql, int64_t portal_id,
    cp_err (*fn)(sqlite3_stmt *s, json_t *acc), json_t *acc)
{
	sqlite3_stmt *s = NULL;
	cp_err r = CP_OK;
	int rc;

	rc = sqlite3_prepare_v2(cp_store_db(st), sql, -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 1, portal_id);
	while (rc == SQLITE_OK && r == CP_OK &&
	    (rc = sqlite3_step(s)) == SQLITE_ROW) {
		r = fn(s, acc);
		rc = SQLITE_OK;
	}
	if (r == CP_OK && rc != SQLITE_DONE && rc != SQLITE_OK)
		r = CP_E_STORE;
	sqlite3_finalize(s);
	return r;
}

static const char *
text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? (const char *)t : "";
}

static cp_err
unit_row(sqlite3_stmt *s, json_t *units)
{
	json_t *scan = json_null();

	json_t *next = json_null();

	if (sqlite3_column_type(s, 6) != SQLITE_NULL)
		scan = json_pack("{s:I, s:I, s:I, s:s, s:s, s:I}",
		    "started", (json_int_t)sqlite3_column_int64(s, 6),
		    "finished", (json_int_t)sqlite3_column_int64(s, 7),
		    "duration", (json_int_t)sqlite3_column_int64(s, 13),
		    "status", text(s, 8), "error", text(s, 9),
		    "resources", (json_int_t)sqlite3_column_int64(s, 10));
	if (sqlite3_column_type(s, 12) != SQLITE_NULL)
		next = json_integer(sqlite3_column_int64(s, 12));
	return json_array_append_new(units, json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:I, s:o}",
	    "portal", text(s, 0), "env", text(s, 1), "cloud", text(s, 2),
	    "unit", text(s, 3), "name", text(s, 4), "inspect",
	    sqlite3_column_int(s, 5), "last_scan", scan, "open_findings",
	    (json_int_t)sqlite3_column_int64(s, 11), "next_inspection",
	    next)) == 0 ? CP_OK : CP_E_NOMEM;
}

static cp_err
count_row(sqlite3_stmt *s, json_t *counts)
{
	return json_object_set_new(counts, text(s, 0),
	    json_integer(sqlite3_column_int64(s, 1))) == 0 ? CP_OK :
	    CP_E_NOMEM;
}

static cp_err
failure_row(sqlite3_stmt *s, json_t *list)
{
	return json_array_append_new(list, json_pack(
	    "{s:I, s:s, s:I, s:s, s:I}", "id",
	    (json_int_t)sqlite3_column_int64(s, 0), "destination", text(s, 1),
	    "attempts", (json_int_t)sqlite3_column_int64(s, 2), "last_error",
	    text(s, 3), "updated", (json_int_t)sqlite3_column_int64(s, 4))) ==
	    0 ? CP_OK : CP_E_NOMEM;
}

#define PORTAL_MATCH(col) "(?1 = 0 OR " col " = ?1)"
#define STATUS_JOBS_MAX 10	/* next due jobs listed */
#define STATUS_JOB_PROBLEMS_MAX 50

struct job_acc {
	json_t *next;		/* the first STATUS_JOBS_MAX by due time */
	json_t *failed;		/* those whose last run failed */
	json_t *unavailable;	/* kinds not available yet, once each */
	size_t running;
	size_t n;
};

static json_t *
job_json(const struct cp_job_info *j)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, "
	    "s:b}", "kind", j->kind, "key", j->key, "portal", j->portal,
	    "env", j->env, "unit", j->unit, "rule", j->rule, "next_due",
	    (json_int_t)j->next_due, "last_end", (json_int_t)j->last_end,
	    "result", j->result, "error", j->error, "running", j->running);
}

static cp_err
job_row(void *ud, const struct cp_job_info *j)
{
	struct job_acc *a = ud;

	if (j->running)
		a->running++;
	if (a->n++ < STATUS_JOBS_MAX &&
	    json_array_append_new(a->next, job_json(j)) != 0)
		return CP_E_NOMEM;
	if (strcmp(j->result, "error") == 0 &&
	    json_array_size(a->failed) < STATUS_JOB_PROBLEMS_MAX &&
	    json_array_append_new(a->failed, job_json(j)) != 0)
		return CP_E_NOMEM;
	if (strcmp(j->result, "unavailable") == 0 &&
	    json_object_get(a->unavailable, j->kind) == NULL &&
	    json_object_set_new(a->unavailable, j->kind,
	    json_string(j->error)) != 0)
		return CP_E_NOMEM;
	return CP_OK;
}

/* The daemon and its jobs: {"daemon": {...}, "jobs": {...}}. */
static cp_err
add_jobs(cp_store *st, int64_t portal_id, json_t *doc, int *healthy)
{
	struct job_acc a;
	pid_t pid = 0;
	int up;
	cp_err r;

	memset(&a, 0, sizeof(a));
	a.next = json_array();
	a.failed = json_array();
	a.unavailable = json_object();
	if (a.next == NULL || a.failed == NULL || a.unavailable == NULL) {
		r = CP_E_NOMEM;
		goto out;
	}
	r = cp_sched_list(st, portal_id, time(NULL), 0, job_row, &a);
	if (r != CP_OK)
		goto out;
	if (json_array_size(a.failed) > 0)
		*healthy = 0;
	up = cp_daemon_probe(cp_store_dir(st), &pid);
	r = json_object_set_new(doc, "daemon", json_pack("{s:b, s:I}",
	    "running", up, "pid", (json_int_t)pid)) == 0 &&
	    json_object_set_new(doc, "jobs", json_pack("{s:I, s:I, s:O, "
	    "s:O, s:O}", "count", (json_int_t)a.n, "running",
	    (json_int_t)a.running, "next", a.next, "failed", a.failed,
	    "unavailable", a.unavailable)) == 0 ? CP_OK : CP_E_NOMEM;
out:
	json_decref(a.next);
	json_decref(a.failed);
	json_decref(a.unavailable);
	return r;
}

cp_err
cp_status_collect(cp_store *st, int64_t portal_id, json_t **out)
{
	static const char units_sql[] =
	    "SELECT p.name, e.name, e.cloud, u.unit, u.name, u.inspect,"
	    " s.started, s.finished, s.status, s.error, s.resources,"
	    " (SELECT count(*) FROM findings f WHERE f.unit_id = u.id"
	    "  AND f.resolved_at IS NULL),"
	    " (SELECT j.next_due FROM jobs j WHERE j.unit_id = u.id"
	    "  AND j.kind = 'inspect' AND j.enabled = 1),"
	    /* A scan row knows its end only; the daemon's job knows how
	     * long the run that made it took. */
	    " ifnull((SELECT j.last_end - j.last_start FROM jobs j"
	    "  WHERE j.unit_id = u.id AND j.kind = 'inspect'"
	    "  AND j.last_start <= s.started AND j.last_end >= s.finished),"
	    "  s.finished - s.started)"
	    " FROM units u JOIN environments e ON e.id = u.env_id"
	    " JOIN portals p ON p.id = e.portal_id"
	    " LEFT JOIN scans s ON s.id = (SELECT max(id) FROM scans"
	    "  WHERE unit_id = u.id)"
	    " WHERE " PORTAL_MATCH("p.id")
	    " ORDER BY p.name, e.name, u.unit";
	static const char outbox_sql[] =
	    "SELECT kind, count(*) FROM outbox WHERE state IN ('pending',"
	    " 'claimed') AND " PORTAL_MATCH("portal_id") " GROUP BY kind";
	static const char deliveries_sql[] =
	    "SELECT d.state, count(*) FROM deliveries d"
	    " JOIN destinations t ON t.id = d.destination_id"
	    " WHERE " PORTAL_MATCH("t.portal_id") " GROUP BY d.state";
	static const char failures_sql[] =
	    "SELECT d.id, t.name, d.attempts, d.last_error, d.updated"
	    " FROM deliveries d JOIN destinations t ON t.id = d.destination_id"
	    " WHERE d.state = 'failed' AND " PORTAL_MATCH("t.portal_id")
	    " ORDER BY d.updated DESC, d.id DESC LIMIT 20";
	json_t *doc, *units, *kinds, *states, *failures, *u;
	int healthy = 1;
	size_t i;
	cp_err r;

	*out = NULL;
	doc = json_object();
	units = json_array();
	kinds = json_object();
	states = json_object();
	failures = json_array();
	if (doc == NULL || units == NULL || kinds == NULL || states == NULL ||
	    failures == NULL) {
		r = CP_E_NOMEM;
		goto out;
	}
	/* One read transaction: a consistent picture. */
	if (sqlite3_exec(cp_store_db(st), "BEGIN", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		r = CP_E_STORE;
		goto out;
	}
	r = each_row(st, units_sql, portal_id, unit_row, units);
	if (r == CP_OK)
		r = each_row(st, outbox_sql, portal_id, count_row, kinds);
	if (r == CP_OK)
		r = each_row(st, deliveries_sql, portal_id, count_row, states);
	if (r == CP_OK)
		r = each_row(st, failures_sql, portal_id, failure_row,
		    failures);
	(void)sqlite3_exec(cp_store_db(st), "COMMIT", NULL, NULL, NULL);
	if (r != CP_OK)
		goto out;
	json_array_foreach(units, i, u) {
		const json_t *scan = json_object_get(u, "last_scan");
		const char *status = json_string_value(json_object_get(scan,
		    "status"));

		/* An "ok" scan with a note was partial: something failed. */
		if (status != NULL && (strcmp(status, "error") == 0 ||
		    json_string_length(json_object_get(scan, "error")) > 0))
			healthy = 0;
	}
	if (json_integer_value(json_object_get(states, "failed")) > 0)
		healthy = 0;
	r = add_jobs(st, portal_id, doc, &healthy);
	if (r != CP_OK)
		goto out;
	r = json_object_set(doc, "units", units) == 0 &&
	    json_object_set_new(doc, "outbox", json_pack("{s:I, s:I, "
	    "s:{s:I, s:I, s:I, s:I}, s:O}",
	    "pending_notices", json_integer_value(json_object_get(kinds,
	    "notify")),
	    "pending_remediations", json_integer_value(json_object_get(kinds,
	    "remediate")),
	    "deliveries",
	    "pending", json_integer_value(json_object_get(states, "pending")),
	    "claimed", json_integer_value(json_object_get(states, "claimed")),
	    "sent", json_integer_value(json_object_get(states, "sent")),
	    "failed", json_integer_value(json_object_get(states, "failed")),
	    "failures", failures)) == 0 &&
	    json_object_set_new(doc, "healthy", json_boolean(healthy)) == 0 ?
	    CP_OK : CP_E_NOMEM;
	if (r == CP_OK) {
		*out = doc;
		doc = NULL;
	}
out:
	json_decref(doc);
	json_decref(units);
	json_decref(kinds);
	json_decref(states);
	json_decref(failures);
	return r;
}
