/*
 * test_sched.c - the job table under a simulated clock: a week of
 * scheduling fires exactly the expected jobs (hourly inspections, the
 * daily patrol report at 09:30 Asia/Tokyo, one monthly run across a month
 * boundary, the daily purge); a restart in the middle neither repeats nor
 * skips; a crashed worker's lease runs out and its period runs once;
 * missed periods collapse; the cloud limit holds; switching a unit off
 * and on resumes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cptest.h"
#include "notify/deliver.h"
#include "sched/sched.h"
#include "sched/tz.h"

static char dir[] = "/tmp/cp-test-sched-XXXXXX";

/* 2025-03-28 00:00:00 UTC, a Friday: the week runs into April. */
#define WEEK_START ((time_t)1743120000)
#define WEEK (7 * 86400)

/* The injected clock of a simulation: a plain value moved by hand. */
struct sim {
	time_t now;
	size_t runs[8];			/* per kind */
	size_t patrol_off_time;		/* patrol runs not at 09:30 JST */
	char monthly_label[32];
	int64_t unit1;
	int with_deliver;
};

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

static cp_store *
open_store(void)
{
	cp_store *st = NULL;

	CU_ASSERT_EQUAL_FATAL(cp_store_open(dir, CP_STORE_CREATE, &st), CP_OK);
	/* Thousands of simulated commits: durability is not under test. */
	sql(st, "PRAGMA synchronous = OFF");
	return st;
}

/* A fresh store: portal acme (09:30 Asia/Tokyo), two inspected units of
 * one aws environment and one unit switched off. */
static cp_store *
fresh(struct sim *sim)
{
	cp_store *st;
	int64_t p, e;
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	st = open_store();
	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", "en", &p), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_set_patrol(st, "acme", 570, "Asia/Tokyo"),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_env_add(st, p, "prod", "aws", "1", 0, NULL, NULL,
	    &e), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e, "111", "a", 0, 1), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e, "222", "b", 0, 1), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e, "333", "off", 0, 0), CP_OK);
	memset(sim, 0, sizeof(*sim));
	sim->unit1 = sql_int(st, "SELECT id FROM units WHERE unit = '111'");
	return st;
}

static void
opts(struct cp_sched_opts *o, const char *owner)
{
	memset(o, 0, sizeof(*o));
	o->owner = owner;
}

/*
 * Runs the scheduler from sim->now until end (or until stop_after runs;
 * 0: no stop), as the daemon does: claim what is due, run it, sleep
 * until the next wake.  Returns the number of runs.
 */
static size_t
simulate(cp_store *st, struct sim *sim, time_t end, size_t stop_after)
{
	struct cp_sched_opts o;
	struct cp_job job;
	struct tm tm;
	cp_tz *tokyo = NULL;
	char why[256];
	time_t wake;
	size_t n = 0;

	CU_ASSERT_EQUAL_FATAL(cp_tz_load("Asia/Tokyo", &tokyo, why,
	    sizeof(why)), CP_OK);
	opts(&o, "sim|boot|1|1#w0");
	CU_ASSERT_EQUAL(cp_sched_sync(st, sim->now, &o, NULL), CP_OK);
	/* The minute-by-minute outbox job has a test of its own: ten
	 * thousand runs a week would only make this one slow. */
	if (!sim->with_deliver)
		sql(st, "UPDATE jobs SET enabled = 0 WHERE kind = 'deliver'");
	for (;;) {
		while (cp_sched_claim(st, sim->now, &o, &job, NULL) == CP_OK) {
			CU_ASSERT(job.next_due <= sim->now);
			sim->runs[job.kind]++;
			if (job.kind == CP_JOB_PATROL) {
				cp_tz_localtime(tokyo, sim->now, &tm);
				if (tm.tm_hour != 9 || tm.tm_min != 30)
					sim->patrol_off_time++;
			}
			if (job.kind == CP_JOB_MONTHLY_RISK)
				cp_sched_period_label(&job, tokyo, job.period,
				    sim->monthly_label,
				    sizeof(sim->monthly_label));
			CU_ASSERT_EQUAL(cp_sched_complete(st, &job, sim->now,
			    CP_JOB_OK, NULL), CP_OK);
			if (++n == stop_after)
				goto out;
		}
		if (cp_sched_next_wake(st, sim->now, &wake) != CP_OK ||
		    wake >= end)
			break;
		CU_ASSERT(wake > sim->now);
		sim->now = wake;
	}
	sim->now = end;
out:
	cp_tz_free(tokyo);
	return n;
}

static void
check_week(cp_store *st, const struct sim *sim)
{
	CU_ASSERT_EQUAL(sim->runs[CP_JOB_INSPECT], 2 * 7 * 24);
	CU_ASSERT_EQUAL(sim->runs[CP_JOB_RESOURCES], 2 * 7);
	CU_ASSERT_EQUAL(sim->runs[CP_JOB_ASM_PASSIVE], 7);
	CU_ASSERT_EQUAL(sim->runs[CP_JOB_PATROL], 7);
	CU_ASSERT_EQUAL(sim->patrol_off_time, 0);
	CU_ASSERT_EQUAL(sim->runs[CP_JOB_MONTHLY_RISK], 1);
	CU_ASSERT_STRING_EQUAL(sim->monthly_label, "2025-04");
	CU_ASSERT_EQUAL(sim->runs[CP_JOB_RETENTION], 7);
	CU_ASSERT_EQUAL(sim->runs[CP_JOB_DELIVER], 0);
	/* Every run is recorded once, by period. */
	CU_ASSERT_EQUAL(sql_int(st, "SELECT count(*) FROM job_runs"),
	    2 * 168 + 14 + 7 + 7 + 1 + 7);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT count(DISTINCT r.period) FROM "
	    "job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.key = "
	    "'inspect:1'"), 168);
	/* The unit switched off has no job running. */
	CU_ASSERT_EQUAL(sql_int(st, "SELECT count(*) FROM jobs j JOIN units u "
	    "ON u.id = j.unit_id WHERE u.unit = '333' AND j.enabled = 1"), 0);
}

static void
test_sched_week_fires_exactly_the_expected_jobs(void)
{
	struct sim sim;
	cp_store *st = fresh(&sim);
	long long a, b;

	sim.now = WEEK_START;
	simulate(st, &sim, WEEK_START + WEEK, 0);
	check_week(st, &sim);
	/* Jitter: the two units' hourly inspections start at different,
	 * stable minutes of the hour. */
	a = sql_int(st, "SELECT jitter FROM jobs WHERE key = 'inspect:1'");
	b = sql_int(st, "SELECT jitter FROM jobs WHERE key = 'inspect:2'");
	CU_ASSERT(a >= 0 && a < 3600 && b >= 0 && b < 3600);
	CU_ASSERT_NOT_EQUAL(a, b);
	CU_ASSERT_EQUAL(a, cp_sched_jitter("inspect:1", 3600));
	cp_store_close(st);
}

static void
test_sched_deliver_runs_every_minute(void)
{
	struct sim sim;
	cp_store *st = fresh(&sim);

	sim.now = WEEK_START;
	sim.with_deliver = 1;
	sql(st, "UPDATE units SET inspect = 0");
	simulate(st, &sim, WEEK_START + 3600, 0);
	CU_ASSERT_EQUAL(sim.runs[CP_JOB_DELIVER], 60);
	CU_ASSERT_EQUAL(sim.runs[CP_JOB_INSPECT], 0);
	cp_store_close(st);
}

static void
test_sched_restart_in_the_middle_neither_repeats_nor_skips(void)
{
	struct sim sim;
	cp_store *st = fresh(&sim);
	size_t first;

	sim.now = WEEK_START;
	first = simulate(st, &sim, WEEK_START + WEEK, 123);
	CU_ASSERT_EQUAL(first, 123);
	/* A new scheduler on the same store, at the same moment. */
	cp_store_close(st);
	st = open_store();
	simulate(st, &sim, WEEK_START + WEEK, 0);
	check_week(st, &sim);
	cp_store_close(st);
}

static void
test_sched_crashed_lease_runs_out_and_the_period_runs_once(void)
{
	struct cp_sched_opts a, b;
	struct cp_job ja, jb;
	struct sim sim;
	cp_store *st = fresh(&sim);
	time_t t = WEEK_START + 3 * 3600 + 3599;
	int reclaimed = 0;

	opts(&a, "crashed|boot|1|1#w0");
	opts(&b, "other|boot|2|2#w0");
	a.lease = b.lease = 600;
	CU_ASSERT_EQUAL(cp_sched_sync(st, WEEK_START, &a, NULL), CP_OK);
	sql(st, "UPDATE jobs SET enabled = 0 WHERE key != 'inspect:1'");
	CU_ASSERT_EQUAL_FATAL(cp_sched_claim(st, t, &a, &ja, &reclaimed),
	    CP_OK);
	CU_ASSERT_EQUAL(reclaimed, 0);
	/* "a" dies without a word: while its lease holds nobody runs it,
	 * not even past its next period's due time. */
	CU_ASSERT_EQUAL(cp_sched_claim(st, t + 300, &b, &jb, NULL),
	    CP_E_NOTFOUND);
	CU_ASSERT_EQUAL_FATAL(cp_sched_claim(st, t + 601, &b, &jb,
	    &reclaimed), CP_OK);
	CU_ASSERT_EQUAL(reclaimed, 1);
	CU_ASSERT_EQUAL(jb.period, ja.period);
	CU_ASSERT_EQUAL(cp_sched_complete(st, &jb, t + 700, CP_JOB_OK, NULL),
	    CP_OK);
	/* The first claimer's late word is refused: recorded once. */
	CU_ASSERT_EQUAL(cp_sched_complete(st, &ja, t + 800, CP_JOB_OK, NULL),
	    CP_E_BUSY);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT count(*) FROM job_runs"), 1);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT lease_owner = '' FROM jobs WHERE "
	    "key = 'inspect:1'"), 1);
	cp_store_close(st);
}

static void
test_sched_dead_claimer_is_released_at_start(void)
{
	struct cp_sched_opts o;
	struct cp_job job;
	struct sim sim;
	cp_store *st = fresh(&sim);
	char me[160], dead[200];
	const char *bar;
	size_t n = 0;

	CU_ASSERT_EQUAL_FATAL(cp_notify_owner(getpid(), me, sizeof(me)),
	    CP_OK);
	/* This host and boot, a pid that is not running. */
	bar = strchr(strchr(me, '|') + 1, '|');
	snprintf(dead, sizeof(dead), "%.*s|2147483646|1#w3",
	    (int)(bar - me), me);
	opts(&o, dead);
	CU_ASSERT_EQUAL(cp_sched_sync(st, WEEK_START, &o, NULL), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_sched_claim(st, WEEK_START + 86400, &o, &job,
	    NULL), CP_OK);
	/* A live claimer (this process) is left alone. */
	CU_ASSERT_EQUAL(cp_sched_owner(0, me, sizeof(me)), CP_OK);
	opts(&o, me);
	CU_ASSERT_EQUAL(cp_sched_claim(st, WEEK_START + 86400, &o, &job,
	    NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_sched_release_dead(st, &n), CP_OK);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT count(*) FROM jobs WHERE "
	    "lease_owner != ''"), 1);
	cp_store_close(st);
}

static void
test_sched_missed_periods_collapse_into_one_run(void)
{
	struct cp_sched_opts o;
	struct cp_job job;
	struct sim sim;
	cp_store *st = fresh(&sim);
	time_t down_until = WEEK_START + 5 * 3600 + 3599;

	opts(&o, "me|boot|1|1#w0");
	CU_ASSERT_EQUAL(cp_sched_sync(st, WEEK_START, &o, NULL), CP_OK);
	sql(st, "UPDATE jobs SET enabled = 0 WHERE key != 'inspect:1'");
	/* Down for five hours: one run, for the latest period. */
	CU_ASSERT_EQUAL_FATAL(cp_sched_claim(st, down_until, &o, &job, NULL),
	    CP_OK);
	CU_ASSERT_EQUAL(job.period, WEEK_START + 5 * 3600);
	CU_ASSERT_EQUAL(cp_sched_complete(st, &job, down_until, CP_JOB_OK,
	    NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_sched_claim(st, down_until, &o, &job, NULL),
	    CP_E_NOTFOUND);
	cp_store_close(st);
}

static void
test_sched_cloud_limit_and_switch_off_on(void)
{
	struct cp_sched_opts o;
	struct cp_job j1, j2;
	struct sim sim;
	cp_store *st = fresh(&sim);
	time_t t = WEEK_START + 3599;
	long long period;

	opts(&o, "me|boot|1|1#w0");
	o.cloud_limit = 1;
	CU_ASSERT_EQUAL(cp_sched_sync(st, WEEK_START, &o, NULL), CP_OK);
	sql(st, "UPDATE jobs SET enabled = 0 WHERE kind != 'inspect'");
	CU_ASSERT_EQUAL_FATAL(cp_sched_claim(st, t, &o, &j1, NULL), CP_OK);
	/* One aws job runs: the other waits for it. */
	CU_ASSERT_EQUAL(cp_sched_claim(st, t, &o, &j2, NULL), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(cp_sched_complete(st, &j1, t, CP_JOB_OK, NULL), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_sched_claim(st, t, &o, &j2, NULL), CP_OK);
	CU_ASSERT_NOT_EQUAL(j1.id, j2.id);
	CU_ASSERT_EQUAL(cp_sched_complete(st, &j2, t, CP_JOB_OK, NULL), CP_OK);
	/* Off: disabled, not forgotten; on again: the same next period. */
	period = sql_int(st, "SELECT period FROM jobs WHERE key = "
	    "'inspect:1'");
	sql(st, "UPDATE units SET inspect = 0 WHERE unit = '111'");
	CU_ASSERT_EQUAL(cp_sched_sync(st, t, &o, NULL), CP_OK);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT enabled FROM jobs WHERE key = "
	    "'inspect:1'"), 0);
	sql(st, "UPDATE units SET inspect = 1 WHERE unit = '111'");
	CU_ASSERT_EQUAL(cp_sched_sync(st, t + 60, &o, NULL), CP_OK);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT enabled FROM jobs WHERE key = "
	    "'inspect:1'"), 1);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT period FROM jobs WHERE key = "
	    "'inspect:1'"), period);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT count(*) FROM job_runs"), 2);
	cp_store_close(st);
}

static void
test_sched_patrol_time_change_moves_the_job(void)
{
	struct cp_sched_opts o;
	struct sim sim;
	cp_store *st = fresh(&sim);
	cp_tz *tokyo = NULL;
	char why[128];
	struct tm tm;
	time_t due;

	CU_ASSERT_EQUAL_FATAL(cp_tz_load("Asia/Tokyo", &tokyo, why,
	    sizeof(why)), CP_OK);
	opts(&o, "me|boot|1|1#w0");
	CU_ASSERT_EQUAL(cp_sched_sync(st, WEEK_START, &o, NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_set_patrol(st, "acme", 18 * 60,
	    "Asia/Tokyo"), CP_OK);
	CU_ASSERT_EQUAL(cp_sched_sync(st, WEEK_START, &o, NULL), CP_OK);
	due = (time_t)sql_int(st, "SELECT next_due FROM jobs WHERE kind = "
	    "'patrol'");
	cp_tz_localtime(tokyo, due, &tm);
	CU_ASSERT_EQUAL(tm.tm_hour, 18);
	CU_ASSERT_EQUAL(tm.tm_min, 0);
	CU_ASSERT_EQUAL(tm.tm_mday, 28);
	CU_ASSERT_STRING_EQUAL(cp_job_kind_name(CP_JOB_PATROL), "patrol");
	CU_ASSERT_EQUAL(cp_job_kind_parse("monthly-risk"),
	    CP_JOB_MONTHLY_RISK);
	CU_ASSERT_EQUAL(cp_job_kind_parse("nope"), 0);
	/* Bad settings are refused by the store too. */
	CU_ASSERT_EQUAL(cp_portal_set_patrol(st, "acme", 555, "UTC"),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_portal_set_patrol(st, "nobody", 0, "UTC"),
	    CP_E_NOTFOUND);
	cp_tz_free(tokyo);
	cp_store_close(st);
}

/*
 * A failed patrol report is retried within its day after 5, 15 and 60
 * minutes; the fourth failure is recorded and the job waits for the next
 * day.  A retry that succeeds records the period once.
 */
static void
test_sched_failed_calendar_job_retries_within_its_period(void)
{
	static const long gaps[] = { 300, 900, 3600 };
	struct cp_sched_opts o;
	struct cp_job job;
	struct sim sim;
	cp_store *st = fresh(&sim);
	time_t due, period;
	size_t i;

	opts(&o, "sim|boot|1|1#w0");
	sim.now = WEEK_START;
	CU_ASSERT_EQUAL(cp_sched_sync(st, sim.now, &o, NULL), CP_OK);
	sql(st, "UPDATE jobs SET enabled = 0 WHERE kind != 'patrol'");
	CU_ASSERT_EQUAL(cp_sched_next_wake(st, sim.now, &due), CP_OK);
	sim.now = due;
	CU_ASSERT_EQUAL_FATAL(cp_sched_claim(st, sim.now, &o, &job, NULL),
	    CP_OK);
	period = job.period;
	for (i = 0; i < CP_ARRAY_LEN(gaps); i++) {
		CU_ASSERT_EQUAL(cp_sched_complete(st, &job, sim.now,
		    CP_JOB_ERROR, "store busy"), CP_OK);
		CU_ASSERT_EQUAL(sql_int(st, "SELECT count(*) FROM job_runs"),
		    0);
		CU_ASSERT_EQUAL(cp_sched_next_wake(st, sim.now, &due), CP_OK);
		CU_ASSERT_EQUAL(due, sim.now + gaps[i]);
		CU_ASSERT_EQUAL(cp_sched_claim(st, due - 1, &o, &job, NULL),
		    CP_E_NOTFOUND);
		sim.now = due;
		CU_ASSERT_EQUAL_FATAL(cp_sched_claim(st, sim.now, &o, &job,
		    NULL), CP_OK);
		CU_ASSERT_EQUAL(job.period, period);
	}
	CU_ASSERT_EQUAL(cp_sched_complete(st, &job, sim.now, CP_JOB_ERROR,
	    "store busy"), CP_OK);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT count(*) FROM job_runs WHERE "
	    "result = 'error'"), 1);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT period FROM jobs WHERE kind = "
	    "'patrol'"), period + 86400);
	/* The next day: one failure, then the retry succeeds. */
	CU_ASSERT_EQUAL(cp_sched_next_wake(st, sim.now, &due), CP_OK);
	sim.now = due;
	CU_ASSERT_EQUAL_FATAL(cp_sched_claim(st, sim.now, &o, &job, NULL),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_sched_complete(st, &job, sim.now, CP_JOB_ERROR,
	    "timeout"), CP_OK);
	sim.now += 300;
	CU_ASSERT_EQUAL_FATAL(cp_sched_claim(st, sim.now, &o, &job, NULL),
	    CP_OK);
	CU_ASSERT_EQUAL(job.period, period + 86400);
	CU_ASSERT_EQUAL(cp_sched_complete(st, &job, sim.now, CP_JOB_OK, NULL),
	    CP_OK);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT count(*) FROM job_runs"), 2);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT tries FROM jobs WHERE kind = "
	    "'patrol'"), 0);
	/* An hourly inspection is not retried: its next period is soon. */
	sql(st, "UPDATE jobs SET enabled = 1 WHERE kind = 'inspect'");
	sql(st, "UPDATE jobs SET enabled = 0 WHERE kind = 'patrol'");
	CU_ASSERT_EQUAL(cp_sched_next_wake(st, sim.now, &due), CP_OK);
	sim.now = due > sim.now ? due : sim.now;
	CU_ASSERT_EQUAL_FATAL(cp_sched_claim(st, sim.now, &o, &job, NULL),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_sched_complete(st, &job, sim.now, CP_JOB_ERROR,
	    "denied"), CP_OK);
	CU_ASSERT_EQUAL(sql_int(st, "SELECT count(*) FROM job_runs"), 3);
	cp_store_close(st);
}

static void
test_sched_scaled_periods_are_short(void)
{
	struct cp_job j;
	time_t p;

	memset(&j, 0, sizeof(j));
	j.kind = CP_JOB_PATROL;
	j.minute = 570;
	j.scale = 86400;
	cp_strlcpy(j.tz, "Asia/Tokyo", sizeof(j.tz));
	p = cp_sched_period_of(&j, NULL, 1000);
	CU_ASSERT_EQUAL(p, 1000);
	CU_ASSERT_EQUAL(cp_sched_period_next(&j, NULL, p), 1001);
	j.kind = CP_JOB_INSPECT;
	j.scale = 60;
	j.jitter = 3599;
	CU_ASSERT_EQUAL(cp_sched_period_of(&j, NULL, 125), 120);
	CU_ASSERT_EQUAL(cp_sched_due(&j, NULL, 120), 120 + 3599 % 60);
}

/*
 * The daily patrol in zones with daylight saving time, three years from
 * 2025, at times around midnight, the gap and the overlap: each local day
 * has exactly one due time, inside its period, at the time asked for or
 * (in a gap) up to an hour after it, or the day's last minute when a gap
 * swallows the rest of the day (America/Nuuk jumps from 23:00 to 00:00);
 * glibc's localtime is the judge.
 */
static void
test_sched_patrol_due_in_dst_zones(void)
{
	static const char *const zones[] = { "Europe/Berlin",
	    "America/New_York", "America/Nuuk", "Australia/Lord_Howe",
	    "America/Santiago" };
	static const int minutes[] = { 0, 30, 60, 120, 150, 570, 1380, 1410 };
	size_t zi, mi;
	int bad = 0;

	for (zi = 0; zi < sizeof(zones) / sizeof(zones[0]); zi++) {
		cp_tz *tz = NULL;
		char why[256];

		if (cp_tz_load(zones[zi], &tz, why, sizeof(why)) != CP_OK) {
			CU_FAIL(why);
			continue;
		}
		setenv("TZ", zones[zi], 1);
		tzset();
		for (mi = 0; mi < sizeof(minutes) / sizeof(minutes[0]); mi++) {
			struct cp_job j;
			time_t start = 1735689600, p, due, next;
			int last_yday = -1;

			memset(&j, 0, sizeof(j));
			j.kind = CP_JOB_PATROL;
			j.scale = 1;
			j.minute = minutes[mi];
			snprintf(j.tz, sizeof(j.tz), "%s", zones[zi]);
			for (p = cp_sched_period_of(&j, tz, start);
			    p < start + 3L * 366 * 86400; p = next) {
				struct tm lp, ld;
				int got;

				due = cp_sched_due(&j, tz, p);
				next = cp_sched_period_next(&j, tz, p);
				localtime_r(&p, &lp);
				localtime_r(&due, &ld);
				got = ld.tm_hour * 60 + ld.tm_min;
				if (next <= p) {
					CU_FAIL("no progress");
					break;
				}
				if (due < p || due >= next ||
				    cp_sched_period_of(&j, tz, due) != p ||
				    ld.tm_yday == last_yday ||
				    lp.tm_mday != ld.tm_mday ||
				    (got != j.minute && !(got > j.minute &&
				    got - j.minute <= 60) && due != next - 60)) {
					if (bad++ < 5)
						fprintf(stderr, "%s %d: due "
						    "%04d-%02d-%02d %02d:%02d\n",
						    zones[zi], j.minute,
						    ld.tm_year + 1900,
						    ld.tm_mon + 1, ld.tm_mday,
						    ld.tm_hour, ld.tm_min);
				}
				last_yday = ld.tm_yday;
			}
		}
		cp_tz_free(tz);
	}
	unsetenv("TZ");
	tzset();
	CU_ASSERT_EQUAL(bad, 0);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "week", test_sched_week_fires_exactly_the_expected_jobs },
		{ "deliver", test_sched_deliver_runs_every_minute },
		{ "restart",
		    test_sched_restart_in_the_middle_neither_repeats_nor_skips },
		{ "lease",
		    test_sched_crashed_lease_runs_out_and_the_period_runs_once },
		{ "dead", test_sched_dead_claimer_is_released_at_start },
		{ "collapse", test_sched_missed_periods_collapse_into_one_run },
		{ "limit", test_sched_cloud_limit_and_switch_off_on },
		{ "patrol time", test_sched_patrol_time_change_moves_the_job },
		{ "scale", test_sched_scaled_periods_are_short },
		{ "dst", test_sched_patrol_due_in_dst_zones },
		{ "retry",
		    test_sched_failed_calendar_job_retries_within_its_period },
		{ NULL, NULL }
	};
	char cmd[256];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	rc = cp_test_run("sched", tests);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
