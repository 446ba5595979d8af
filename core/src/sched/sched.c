/*
 * sched.c - the job table: periods, sync, claims, leases and the record
 * of each period's run (see sched.h for the model).
 *
 * Every change is one short write transaction on the caller's handle; the
 * claim is a conditional UPDATE of a row nobody holds, which SQLite
 * serialises (BEGIN IMMEDIATE) and a PostgreSQL backend would express as
 * SELECT ... FOR UPDATE SKIP LOCKED followed by the same UPDATE.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "notify/deliver.h"
#include "sched/sched.h"
#include "sched/tz.h"
#include "store/store_priv.h"

#define JOB_COLUMNS "id, kind, key, ifnull(portal_id, 0), " \
	"ifnull(unit_id, 0), cloud, minute, tz, jitter, scale, period, " \
	"next_due, lease_owner, lease_until"

static const char *const kind_names[] = {
	NULL, "inspect", "resources", "asm-passive", "patrol",
	"monthly-risk", "retention", "deliver"
};

const char *
cp_job_kind_name(int kind)
{
	if (kind < 1 || (size_t)kind >= CP_ARRAY_LEN(kind_names))
		return "?";
	return kind_names[kind];
}

int
cp_job_kind_parse(const char *s)
{
	size_t i;

	for (i = 1; s != NULL && i < CP_ARRAY_LEN(kind_names); i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (int)i;
	return 0;
}

/* ---- periods ---- */

/* The nominal length of a period of kind, in seconds. */
static long
nominal_len(int kind)
{
	switch (kind) {
	case CP_JOB_INSPECT:
		return 3600;
	case CP_JOB_DELIVER:
		return 60;
	case CP_JOB_MONTHLY_RISK:
		return 30L * 86400;
	default:
		return 86400;
	}
}

/* Whether job follows the calendar of its zone (unscaled patrol, month). */
static int
calendar(const struct cp_job *job)
{
	return job->scale <= 1 && (job->kind == CP_JOB_PATROL ||
	    job->kind == CP_JOB_MONTHLY_RISK);
}

static long
period_len(const struct cp_job *job)
{
	long len = nominal_len(job->kind);

	if (job->scale > 1) {
		len /= (long)job->scale;
		if (len < 1)
			len = 1;
	}
	return len;
}

long
cp_sched_jitter(const char *key, long len)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */
	const unsigned char *p;

	if (len <= 1)
		return 0;
	for (p = (const unsigned char *)key; *p != '\0'; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return (long)(h % (uint64_t)len);
}

/* The local midnight of the day (mday_add days after the day) of t. */
static time_t
local_day(const struct cp_tz *tz, time_t t, int mday_add, int minute)
{
	struct tm tm;

	cp_tz_localtime(tz, t, &tm);
	return cp_tz_mktime(tz, tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday + mday_add, minute);
}

static time_t
local_month(const struct cp_tz *tz, time_t t, int mon_add)
{
	struct tm tm;

	cp_tz_localtime(tz, t, &tm);
	return cp_tz_mktime(tz, tm.tm_year + 1900, tm.tm_mon + 1 + mon_add,
	    1, 0);
}

time_t
cp_sched_period_of(const struct cp_job *job, const struct cp_tz *tz,
    time_t t)
{
	long len = period_len(job);
	time_t p;

	if (!calendar(job)) {
		p = t - t % len;
		return t < 0 && t % len != 0 ? p - len : p;
	}
	p = job->kind == CP_JOB_PATROL ? local_day(tz, t, 0, 0) :
	    local_month(tz, t, 0);
	/* A midnight moved forward by a gap can lie after t. */
	if (p > t)
		p = job->kind == CP_JOB_PATROL ? local_day(tz, t, -1, 0) :
		    local_month(tz, t, -1);
	return p;
}

time_t
cp_sched_period_next(const struct cp_job *job, const struct cp_tz *tz,
    time_t p)
{
	if (!calendar(job))
		return p + period_len(job);
	/* Noon of the period's first day is safely inside it. */
	if (job->kind == CP_JOB_PATROL)
		return local_day(tz, p + 43200, 1, 0);
	return local_month(tz, p + 43200, 1);
}

time_t
cp_sched_due(const struct cp_job *job, const struct cp_tz *tz, time_t p)
{
	long len = period_len(job);

	if (job->kind == CP_JOB_PATROL) {
		time_t due, next;

		if (!calendar(job))
			return p + ((long)job->minute * 60 / (long)job->scale) %
			    len;
		due = local_day(tz, p + 43200, 0, job->minute);
		/* A gap that swallows the time moves it forward; near
		 * midnight that could be into the next day, which would run
		 * that day twice and this one never: the last minute of
		 * the day is as late as it gets. */
		next = cp_sched_period_next(job, tz, p);
		return due < next ? due : next - 60;
	}
	if (job->kind == CP_JOB_MONTHLY_RISK && calendar(job))
		return p + job->jitter % 3600;
	return p + job->jitter % len;
}

void
cp_sched_period_label(const struct cp_job *job, const struct cp_tz *tz,
    time_t p, char *buf, size_t n)
{
	struct tm tm;

	if (calendar(job) && job->kind == CP_JOB_MONTHLY_RISK) {
		cp_tz_localtime(tz, p + 43200, &tm);
		snprintf(buf, n, "%04d-%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1);
		return;
	}
	if (gmtime_r(&p, &tm) == NULL ||
	    strftime(buf, n, "%Y%m%dT%H%M%SZ", &tm) == 0)
		snprintf(buf, n, "%lld", (long long)p);
}

/* The first period of job due at or after t. */
static time_t
first_due_from(const struct cp_job *job, const struct cp_tz *tz, time_t t)
{
	time_t p = cp_sched_period_of(job, tz, t);

	if (cp_sched_due(job, tz, p) < t)
		p = cp_sched_period_next(job, tz, p);
	return p;
}

/* The last period of job due at or before t. */
static time_t
last_due_by(const struct cp_job *job, const struct cp_tz *tz, time_t t)
{
	time_t p = cp_sched_period_of(job, tz, t);

	if (cp_sched_due(job, tz, p) > t)
		p = cp_sched_period_of(job, tz, p - 1);
	return p;
}

/* The zone of job, or NULL (UTC) when it needs none or is unknown. */
static cp_tz *
job_tz(const struct cp_job *job)
{
	char why[256];
	cp_tz *tz = NULL;

	if (!calendar(job) || strcmp(job->tz, "UTC") == 0)
		return NULL;
	if (cp_tz_load(job->tz, &tz, why, sizeof(why)) != CP_OK)
		return NULL;	/* the zone went away: UTC rather than never */
	return tz;
}

/* ---- rows ---- */

static void
row_to_job(sqlite3_stmt *s, struct cp_job *j)
{
	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(s, 0);
	j->kind = cp_job_kind_parse((const char *)sqlite3_column_text(s, 1));
	cp_store_column_text(s, 2, j->key, sizeof(j->key));
	j->portal_id = sqlite3_column_int64(s, 3);
	j->unit_id = sqlite3_column_int64(s, 4);
	cp_store_column_text(s, 5, j->cloud, sizeof(j->cloud));
	j->minute = sqlite3_column_int(s, 6);
	cp_store_column_text(s, 7, j->tz, sizeof(j->tz));
	j->jitter = (long)sqlite3_column_int64(s, 8);
	j->scale = (unsigned)sqlite3_column_int(s, 9);
	if (j->scale < 1)
		j->scale = 1;
	j->period = (time_t)sqlite3_column_int64(s, 10);
	j->next_due = (time_t)sqlite3_column_int64(s, 11);
	cp_store_column_text(s, 12, j->owner, sizeof(j->owner));
}

/* What the table should hold for one subject. */
struct want {
	int kind;
	int64_t portal_id;
	int64_t unit_id;
	const char *cloud;
	int minute;
	const char *tz;
};

static void
want_to_job(const struct want *w, unsigned scale, struct cp_job *j,
    char *rule, size_t rule_size)
{
	char scaled[48] = "";

	memset(j, 0, sizeof(*j));
	j->kind = w->kind;
	j->portal_id = w->portal_id;
	j->unit_id = w->unit_id;
	cp_strlcpy(j->cloud, w->cloud != NULL ? w->cloud : "",
	    sizeof(j->cloud));
	cp_strlcpy(j->tz, w->tz != NULL ? w->tz : "UTC", sizeof(j->tz));
	j->scale = scale > 1 ? scale : 1;
	if (w->unit_id != 0)
		snprintf(j->key, sizeof(j->key), "%s:%lld",
		    cp_job_kind_name(w->kind), (long long)w->unit_id);
	else if (w->portal_id != 0)
		snprintf(j->key, sizeof(j->key), "%s:portal:%lld",
		    cp_job_kind_name(w->kind), (long long)w->portal_id);
	else
		snprintf(j->key, sizeof(j->key), "%s",
		    cp_job_kind_name(w->kind));
	if (j->scale > 1)
		snprintf(scaled, sizeof(scaled), ", scaled 1/%u", j->scale);
	switch (w->kind) {
	case CP_JOB_PATROL:
		j->minute = w->minute;
		snprintf(rule, rule_size, "daily %02d:%02d %s%s",
		    w->minute / 60, w->minute % 60, j->tz, scaled);
		break;
	case CP_JOB_MONTHLY_RISK:
		j->jitter = cp_sched_jitter(j->key, 3600);
		snprintf(rule, rule_size, "monthly on the 1st, %s%s", j->tz,
		    scaled);
		break;
	default:
		cp_strlcpy(j->tz, "UTC", sizeof(j->tz));
		j->jitter = cp_sched_jitter(j->key, nominal_len(w->kind));
		snprintf(rule, rule_size, "every %s%s",
		    w->kind == CP_JOB_INSPECT ? "60 min" :
		    w->kind == CP_JOB_DELIVER ? "60 s" : "24 h", scaled);
		break;
	}
}

static int
bind_job_rule(sqlite3_stmt *s, const struct cp_job *j, const char *rule)
{
	int rc = cp_store_bind_text(s, 1, j->key);

	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, rule);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 3, j->minute);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 4, j->tz);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 5, j->jitter);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 6, (int)j->scale);
	return rc;
}

/* Adds the job of w, or brings its row up to date. */
static cp_err
put_job(cp_store *st, const struct want *w, time_t now,
    const struct cp_sched_opts *o, size_t *changed)
{
	sqlite3_stmt *s = NULL;
	struct cp_job j;
	char rule[160], old_rule[160];
	int64_t id = 0, last_period = 0;
	int rc, enabled = 1, have_last = 0, held = 0;
	time_t p;
	cp_tz *tz;
	cp_err r;

	want_to_job(w, o->scale, &j, rule, sizeof(rule));
	r = cp_store_prepare(st, "SELECT id, rule, enabled, last_period, "
	    "lease_until FROM jobs WHERE key = ?1", &s, "reading a job");
	if (r != CP_OK)
		return r;
	rc = cp_store_bind_text(s, 1, j.key);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		cp_store_column_text(s, 1, old_rule, sizeof(old_rule));
		enabled = sqlite3_column_int(s, 2);
		have_last = sqlite3_column_type(s, 3) != SQLITE_NULL;
		last_period = sqlite3_column_int64(s, 3);
		held = sqlite3_column_int64(s, 4) >= now;
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc != SQLITE_DONE)
		return cp_store_sqlfail(st, rc, "reading a job");
	if (id != 0 && enabled && strcmp(old_rule, rule) == 0)
		return CP_OK;
	tz = job_tz(&j);
	p = first_due_from(&j, tz, now);
	if (have_last && p <= (time_t)last_period)
		p = cp_sched_period_next(&j, tz, (time_t)last_period);
	j.period = p;
	j.next_due = cp_sched_due(&j, tz, p);
	cp_tz_free(tz);
	if (id == 0) {
		r = cp_store_prepare(st, "INSERT INTO jobs (key, rule, "
		    "minute, tz, jitter, scale, kind, portal_id, unit_id, "
		    "cloud, period, next_due) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		    "?7, nullif(?8, 0), nullif(?9, 0), ?10, ?11, ?12)", &s,
		    "adding a job");
	} else if (strcmp(old_rule, rule) == 0 || held) {
		/* Switched on again: it resumes at the period it waits
		 * for.  A held job gets its new rule when it completes. */
		r = cp_store_prepare(st, "UPDATE jobs SET rule = ?2, "
		    "minute = ?3, tz = ?4, jitter = ?5, scale = ?6, "
		    "enabled = 1 WHERE key = ?1", &s, "enabling a job");
	} else {
		r = cp_store_prepare(st, "UPDATE jobs SET rule = ?2, "
		    "minute = ?3, tz = ?4, jitter = ?5, scale = ?6, "
		    "enabled = 1, period = ?11, next_due = ?12, tries = 0 "
		    "WHERE key = ?1", &s, "moving a job");
	}
	if (r != CP_OK)
		return r;
	rc = bind_job_rule(s, &j, rule);
	if (rc == SQLITE_OK && sqlite3_bind_parameter_count(s) >= 12) {
		rc = cp_store_bind_text(s, 7, cp_job_kind_name(j.kind));
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 8, j.portal_id);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 9, j.unit_id);
		if (rc == SQLITE_OK)
			rc = cp_store_bind_text(s, 10, j.cloud);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 11, (int64_t)j.period);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 12, (int64_t)j.next_due);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return cp_store_sqlfail(st, rc, "writing a job");
	(*changed)++;
	return CP_OK;
}

static cp_err
sync_units(cp_store *st, time_t now, const struct cp_sched_opts *o,
    size_t *changed)
{
	sqlite3_stmt *s = NULL;
	struct want w;
	char cloud[16];
	cp_err r;
	int rc;

	r = cp_store_prepare(st, "SELECT u.id, e.portal_id, e.cloud FROM "
	    "units u JOIN environments e ON e.id = u.env_id WHERE "
	    "u.inspect = 1 ORDER BY u.id", &s, "listing units");
	if (r != CP_OK)
		return r;
	memset(&w, 0, sizeof(w));
	while (r == CP_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		w.unit_id = sqlite3_column_int64(s, 0);
		w.portal_id = sqlite3_column_int64(s, 1);
		cp_store_column_text(s, 2, cloud, sizeof(cloud));
		w.cloud = cloud;
		w.kind = CP_JOB_INSPECT;
		r = put_job(st, &w, now, o, changed);
		/* Only work that calls the cloud counts against its limit;
		 * the resource list is written from the latest snapshot. */
		w.kind = CP_JOB_RESOURCES;
		w.cloud = "";
		if (r == CP_OK)
			r = put_job(st, &w, now, o, changed);
	}
	if (r == CP_OK && rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "listing units");
	sqlite3_finalize(s);
	return r;
}

static cp_err
sync_portals(cp_store *st, time_t now, const struct cp_sched_opts *o,
    size_t *changed)
{
	static const int kinds[] = { CP_JOB_PATROL, CP_JOB_MONTHLY_RISK,
	    CP_JOB_ASM_PASSIVE };
	sqlite3_stmt *s = NULL;
	struct want w;
	char tz[64];
	size_t i;
	cp_err r;
	int rc;

	r = cp_store_prepare(st, "SELECT id, patrol_minute, timezone FROM "
	    "portals ORDER BY id", &s, "listing portals");
	if (r != CP_OK)
		return r;
	memset(&w, 0, sizeof(w));
	while (r == CP_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		w.portal_id = sqlite3_column_int64(s, 0);
		w.minute = sqlite3_column_int(s, 1);
		cp_store_column_text(s, 2, tz, sizeof(tz));
		w.tz = tz;
		for (i = 0; r == CP_OK && i < CP_ARRAY_LEN(kinds); i++) {
			w.kind = kinds[i];
			r = put_job(st, &w, now, o, changed);
		}
	}
	if (r == CP_OK && rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "listing portals");
	sqlite3_finalize(s);
	return r;
}

cp_err
cp_sched_sync(cp_store *st, time_t now, const struct cp_sched_opts *o,
    size_t *changed)
{
	struct want w;
	size_t n = 0;
	char *err = NULL;
	cp_err r;
	int rc;

	r = cp_store_begin(st);
	if (r != CP_OK)
		return r;
	r = sync_units(st, now, o, &n);
	if (r == CP_OK)
		r = sync_portals(st, now, o, &n);
	memset(&w, 0, sizeof(w));
	w.kind = CP_JOB_RETENTION;
	if (r == CP_OK)
		r = put_job(st, &w, now, o, &n);
	w.kind = CP_JOB_DELIVER;
	if (r == CP_OK)
		r = put_job(st, &w, now, o, &n);
	if (r == CP_OK) {
		rc = sqlite3_exec(cp_store_db(st), "UPDATE jobs SET enabled = 0"
		    " WHERE enabled = 1 AND unit_id IS NOT NULL AND unit_id NOT"
		    " IN (SELECT id FROM units WHERE inspect = 1)", NULL, NULL,
		    &err);
		sqlite3_free(err);
		if (rc != SQLITE_OK)
			r = cp_store_sqlfail(st, rc, "disabling jobs");
		else
			n += (size_t)sqlite3_changes(cp_store_db(st));
	}
	r = cp_store_end(st, r);
	if (changed != NULL)
		*changed = n;
	return r;
}

/* ---- claims ---- */

cp_err
cp_sched_claim(cp_store *st, time_t now, const struct cp_sched_opts *o,
    struct cp_job *job, int *reclaimed)
{
	sqlite3_stmt *s = NULL;
	unsigned lease = o->lease != 0 ? o->lease : CP_SCHED_LEASE;
	time_t p, last;
	cp_tz *tz;
	cp_err r;
	int rc;

	if (reclaimed != NULL)
		*reclaimed = 0;
	r = cp_store_begin(st);
	if (r != CP_OK)
		return r;
	r = cp_store_prepare(st, "SELECT " JOB_COLUMNS " FROM jobs j WHERE "
	    "enabled = 1 AND next_due <= ?1 AND lease_until < ?1 AND (?2 = 0 "
	    "OR j.cloud = '' OR j.cloud NOT IN (SELECT cloud FROM jobs WHERE "
	    "lease_until >= ?1 AND cloud != '' GROUP BY cloud HAVING "
	    "count(*) >= ?2)) ORDER BY next_due, id LIMIT 1", &s,
	    "finding a due job");
	if (r != CP_OK)
		goto out;
	rc = sqlite3_bind_int64(s, 1, (int64_t)now);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 2, (int)o->cloud_limit);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		r = CP_E_NOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = cp_store_sqlfail(st, rc, "finding a due job");
		goto out;
	}
	row_to_job(s, job);
	if (reclaimed != NULL)
		*reclaimed = job->owner[0] != '\0';
	sqlite3_finalize(s);
	s = NULL;
	/* Periods missed while nobody ran collapse into the latest. */
	tz = job_tz(job);
	last = last_due_by(job, tz, now);
	p = job->period;
	if (last > p) {
		job->period = last;
		job->next_due = cp_sched_due(job, tz, last);
	}
	cp_tz_free(tz);
	cp_strlcpy(job->owner, o->owner, sizeof(job->owner));
	r = cp_store_prepare(st, "UPDATE jobs SET lease_owner = ?2, "
	    "lease_until = ?3, last_start = ?4, period = ?5, next_due = ?6, "
	    "tries = CASE WHEN period = ?5 THEN tries ELSE 0 END "
	    "WHERE id = ?1 AND lease_until < ?4", &s, "claiming a job");
	if (r != CP_OK)
		goto out;
	rc = sqlite3_bind_int64(s, 1, job->id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, o->owner);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, (int64_t)now + lease);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 4, (int64_t)now);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 5, (int64_t)job->period);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 6, (int64_t)job->next_due);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "claiming a job");
	else if (sqlite3_changes(cp_store_db(st)) != 1)
		r = CP_E_NOTFOUND;	/* taken meanwhile */
out:
	sqlite3_finalize(s);
	r = cp_store_end(st, r);
	return r;
}

/* Runs one UPDATE on a held job: ?1 id, ?2 owner, ?3 now. */
static cp_err
held_update(cp_store *st, const char *sql, const struct cp_job *job,
    time_t now, long long extra, const char *text, const char *what)
{
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st, sql, &s, what);
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, job->id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, job->owner);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, (int64_t)now);
	if (rc == SQLITE_OK && sqlite3_bind_parameter_count(s) >= 4)
		rc = sqlite3_bind_int64(s, 4, extra);
	if (rc == SQLITE_OK && sqlite3_bind_parameter_count(s) >= 5)
		rc = cp_store_bind_text(s, 5, text != NULL ? text : "");
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, what);
	else if (sqlite3_changes(cp_store_db(st)) != 1)
		r = cp_store_fail(st, CP_E_BUSY, "job %s: the lease was lost",
		    job->key);
	sqlite3_finalize(s);
	return r;
}

cp_err
cp_sched_renew(cp_store *st, const struct cp_job *job, time_t now,
    const struct cp_sched_opts *o)
{
	unsigned lease = o->lease != 0 ? o->lease : CP_SCHED_LEASE;

	return held_update(st, "UPDATE jobs SET lease_until = ?3 + ?4 "
	    "WHERE id = ?1 AND lease_owner = ?2", job, now, lease, NULL,
	    "renewing a lease");
}

cp_err
cp_sched_release(cp_store *st, const struct cp_job *job, time_t now,
    const char *why)
{
	char err[CP_JOB_ERROR_MAX + 1];

	cp_strlcpy(err, why != NULL ? why : "", sizeof(err));
	return held_update(st, "UPDATE jobs SET lease_owner = '', "
	    "lease_until = 0, last_end = ?3, result = 'abandoned', "
	    "error = ?5, next_due = min(next_due, ?3 + ?4) WHERE id = ?1 AND "
	    "lease_owner = ?2", job, now, 0, err, "releasing a job");
}

static const char *
result_name(int result)
{
	return result == CP_JOB_OK ? "ok" : result == CP_JOB_UNAVAILABLE ?
	    "unavailable" : "error";
}

cp_err
cp_sched_complete(cp_store *st, const struct cp_job *job, time_t now,
    int result, const char *error)
{
	static const long retry[] = CP_SCHED_RETRY;
	sqlite3_stmt *s = NULL;
	struct cp_job cur;
	char err[CP_JOB_ERROR_MAX + 1];
	time_t next, due;
	int64_t started = 0;
	int tries = 0;
	cp_tz *tz;
	cp_err r;
	int rc;

	cp_strlcpy(err, error != NULL ? error : "", sizeof(err));
	r = cp_store_begin(st);
	if (r != CP_OK)
		return r;
	/* The rule as it is now: the portal may have changed it while the
	 * job ran. */
	r = cp_store_prepare(st, "SELECT " JOB_COLUMNS ", last_start, tries "
	    "FROM jobs WHERE id = ?1 AND lease_owner = ?2", &s,
	    "reading a job");
	if (r != CP_OK)
		goto out;
	rc = sqlite3_bind_int64(s, 1, job->id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, job->owner);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		r = cp_store_fail(st, CP_E_BUSY, "job %s: the lease was lost",
		    job->key);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = cp_store_sqlfail(st, rc, "reading a job");
		goto out;
	}
	row_to_job(s, &cur);
	started = sqlite3_column_int64(s, 14);
	tries = sqlite3_column_int(s, 15);
	sqlite3_finalize(s);
	s = NULL;
	tz = job_tz(&cur);
	next = cp_sched_period_next(&cur, tz, job->period);
	due = cp_sched_due(&cur, tz, next);
	cp_tz_free(tz);
	/* A daily report or a month's report that failed (a store or cloud
	 * hiccup) is worth another try before its period is lost. */
	if (result == CP_JOB_ERROR && (cur.kind == CP_JOB_PATROL ||
	    cur.kind == CP_JOB_MONTHLY_RISK) && tries >= 0 &&
	    (size_t)tries < CP_ARRAY_LEN(retry) &&
	    now + retry[tries] < next) {
		r = cp_store_prepare(st, "UPDATE jobs SET next_due = ?3, "
		    "last_end = ?4, result = 'error', error = ?5, "
		    "tries = tries + 1, lease_owner = '', lease_until = 0 "
		    "WHERE id = ?1 AND lease_owner = ?2", &s,
		    "retrying a job");
		if (r != CP_OK)
			goto out;
		rc = sqlite3_bind_int64(s, 1, job->id);
		if (rc == SQLITE_OK)
			rc = cp_store_bind_text(s, 2, job->owner);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 3,
			    (int64_t)(now + retry[tries]));
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 4, (int64_t)now);
		if (rc == SQLITE_OK)
			rc = cp_store_bind_text(s, 5, err);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(s);
		if (rc != SQLITE_DONE)
			r = cp_store_sqlfail(st, rc, "retrying a job");
		goto out;
	}
	r = cp_store_prepare(st, "INSERT INTO job_runs (job_id, period, "
	    "started, finished, result, error, owner) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7)", &s, "recording a run");
	if (r != CP_OK)
		goto out;
	rc = sqlite3_bind_int64(s, 1, job->id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, (int64_t)job->period);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, started);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 4, (int64_t)now);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 5, result_name(result));
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 6, err);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 7, job->owner);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		r = cp_store_sqlfail(st, rc, "recording a run");
		if (r == CP_E_EXISTS)
			cp_store_fail(st, r, "job %s: period %lld was recorded "
			    "already", job->key, (long long)job->period);
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	r = cp_store_prepare(st, "UPDATE jobs SET last_period = period, "
	    "period = ?3, next_due = ?4, last_end = ?5, result = ?6, "
	    "error = ?7, runs = runs + 1, lease_owner = '', lease_until = 0, "
	    "tries = 0 WHERE id = ?1 AND lease_owner = ?2", &s,
	    "finishing a job");
	if (r != CP_OK)
		goto out;
	rc = sqlite3_bind_int64(s, 1, job->id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, job->owner);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, (int64_t)next);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 4, (int64_t)due);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 5, (int64_t)now);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 6, result_name(result));
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 7, err);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "finishing a job");
out:
	sqlite3_finalize(s);
	if (r == CP_OK)
		return cp_store_commit(st);
	cp_store_rollback(st);
	if (r == CP_E_EXISTS) {
		/* Someone recorded this period: only let go of it. */
		(void)held_update(st, "UPDATE jobs SET lease_owner = '', "
		    "lease_until = 0 WHERE id = ?1 AND lease_owner = ?2 AND "
		    "?3 = ?3", job, now, 0, NULL, "releasing a job");
	}
	return r;
}

cp_err
cp_sched_owner(unsigned worker, char *buf, size_t n)
{
	char base[160];
	cp_err r;

	r = cp_notify_owner(getpid(), base, sizeof(base));
	if (r != CP_OK)
		return r;
	return cp_snprintf(buf, n, "%s#w%u", base, worker);
}

/* Whether owner ("HOST|BOOT|PID|START#wN") is a dead process of ours. */
static int
owner_dead(const char *owner, const char *me)
{
	char cur[160], host_boot[160];
	const char *bar, *hash;
	long long pid;
	size_t hb;

	/* HOST|BOOT of owner and of this process must agree. */
	bar = strchr(owner, '|');
	bar = bar != NULL ? strchr(bar + 1, '|') : NULL;
	if (bar == NULL)
		return 0;
	hb = (size_t)(bar - owner);
	if (hb >= sizeof(host_boot) || strncmp(owner, me, hb) != 0 ||
	    me[hb] != '|')
		return 0;
	memcpy(host_boot, owner, hb);
	host_boot[hb] = '\0';
	pid = strtoll(bar + 1, NULL, 10);
	if (pid <= 0 || pid > 0x7fffffffLL)
		return 0;
	if (cp_notify_owner((pid_t)pid, cur, sizeof(cur)) == CP_E_NOTFOUND)
		return 1;
	hash = strchr(owner, '#');
	hb = hash != NULL ? (size_t)(hash - owner) : strlen(owner);
	/* The pid runs, but started at another time: not the claimer. */
	return strlen(cur) != hb || strncmp(cur, owner, hb) != 0;
}

cp_err
cp_sched_release_dead(cp_store *st, size_t *n)
{
	sqlite3_stmt *s = NULL, *u = NULL;
	char me[160], owner[160];
	size_t count = 0;
	cp_err r;
	int rc;

	if (n != NULL)
		*n = 0;
	if (cp_notify_owner(getpid(), me, sizeof(me)) != CP_OK)
		return CP_OK;
	r = cp_store_begin(st);
	if (r != CP_OK)
		return r;
	r = cp_store_prepare(st, "SELECT DISTINCT lease_owner FROM jobs "
	    "WHERE lease_owner != ''", &s, "listing leases");
	if (r == CP_OK)
		r = cp_store_prepare(st, "UPDATE jobs SET lease_owner = '', "
		    "lease_until = 0, result = 'abandoned', error = 'its "
		    "worker died' WHERE lease_owner = ?1", &u,
		    "releasing leases");
	while (r == CP_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		cp_store_column_text(s, 0, owner, sizeof(owner));
		if (!owner_dead(owner, me))
			continue;
		sqlite3_reset(u);
		rc = cp_store_bind_text(u, 1, owner);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(u);
		if (rc != SQLITE_DONE)
			r = cp_store_sqlfail(st, rc, "releasing leases");
		else
			count += (size_t)sqlite3_changes(cp_store_db(st));
		rc = SQLITE_ROW;
	}
	if (r == CP_OK && rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "listing leases");
	sqlite3_finalize(s);
	sqlite3_finalize(u);
	r = cp_store_end(st, r);
	if (n != NULL)
		*n = count;
	return r;
}

cp_err
cp_sched_next_wake(cp_store *st, time_t now, time_t *when)
{
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st, "SELECT min(CASE WHEN lease_until >= ?1 "
	    "THEN max(next_due, lease_until + 1) ELSE next_due END) FROM jobs "
	    "WHERE enabled = 1", &s, "reading the next due job");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, (int64_t)now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_NULL)
		r = CP_E_NOTFOUND;
	else if (rc == SQLITE_ROW)
		*when = (time_t)sqlite3_column_int64(s, 0);
	else
		r = cp_store_sqlfail(st, rc, "reading the next due job");
	sqlite3_finalize(s);
	return r;
}

static const char *
col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? (const char *)t : "";
}

cp_err
cp_sched_list(cp_store *st, int64_t portal_id, time_t now, size_t limit,
    cp_job_info_fn fn, void *ud)
{
	sqlite3_stmt *s = NULL;
	struct cp_job_info ji;
	cp_err r;
	int rc;

	r = cp_store_prepare(st, "SELECT j.id, j.kind, j.key, "
	    "ifnull(p.name, ''), ifnull(e.name, ''), ifnull(u.unit, ''), "
	    "j.rule, j.enabled, j.next_due, ifnull(j.last_start, 0), "
	    "ifnull(j.last_end, 0), j.result, j.error, j.lease_until >= ?2 "
	    "AND j.lease_owner != '', j.runs FROM jobs j "
	    "LEFT JOIN units u ON u.id = j.unit_id "
	    "LEFT JOIN environments e ON e.id = u.env_id "
	    "LEFT JOIN portals p ON p.id = j.portal_id "
	    "WHERE j.enabled = 1 AND (?1 = 0 OR j.portal_id IS NULL OR "
	    "j.portal_id = ?1) ORDER BY j.next_due, j.id LIMIT ?3", &s,
	    "listing jobs");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, (int64_t)now);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, limit == 0 ? -1 :
		    (int64_t)limit);
	while (r == CP_OK && rc == SQLITE_OK &&
	    (rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&ji, 0, sizeof(ji));
		ji.id = sqlite3_column_int64(s, 0);
		ji.kind = col(s, 1);
		ji.key = col(s, 2);
		ji.portal = col(s, 3);
		ji.env = col(s, 4);
		ji.unit = col(s, 5);
		ji.rule = col(s, 6);
		ji.enabled = sqlite3_column_int(s, 7);
		ji.next_due = (time_t)sqlite3_column_int64(s, 8);
		ji.last_start = (time_t)sqlite3_column_int64(s, 9);
		ji.last_end = (time_t)sqlite3_column_int64(s, 10);
		ji.result = col(s, 11);
		ji.error = col(s, 12);
		ji.running = sqlite3_column_int(s, 13);
		ji.runs = sqlite3_column_int64(s, 14);
		r = fn(ud, &ji);
		rc = SQLITE_OK;
	}
	if (r == CP_OK && rc != SQLITE_DONE && rc != SQLITE_OK)
		r = cp_store_sqlfail(st, rc, "listing jobs");
	sqlite3_finalize(s);
	return r;
}
