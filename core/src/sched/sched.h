/*
 * sched.h - the persistent job table of the daemon (DESIGN 7, 13).
 *
 * Every periodic piece of work is one row of the jobs table, keyed by what
 * it is about ("inspect:12" is the hourly inspection of unit 12):
 *
 *   kind          subject  rule
 *   inspect       unit     every 60 min              (R-INS-1)
 *   resources     unit     every 24 h: not available yet, says so
 *   asm-passive   portal   every 24 h: not available yet, says so
 *   patrol        portal   daily at its HH:MM in its time zone (R-NOT-4)
 *   monthly-risk  portal   the 1st of each month in its zone (R-RSK-4)
 *   retention     -        every 24 h (R-HIS-1)
 *   deliver       -        every 60 s: sends what the outbox holds
 *
 * Inspections and the jobs of a unit exist while the unit's periodic
 * inspection is on; a switched-off job keeps its row (disabled), so that
 * switching it on again neither repeats nor skips a period.
 *
 * Periods.  Time is cut into periods (an hour, a UTC day, a local day, a
 * local month); each job runs once per period, at its due time: the
 * period's start plus a jitter that is a hash of the job's key (so a
 * thousand units spread over the hour, and each keeps its minute across
 * restarts), or, for the patrol report, the portal's time of day.  A job
 * row holds the period it waits for; finishing a run records the period
 * in job_runs (UNIQUE (job_id, period): a period can be recorded once) and
 * moves the row to the next period, in one transaction.  So a restart
 * resumes: a period that was recorded is not run again, one that was not
 * is run.  The work and its record are not one transaction, so a crash
 * between them runs the period's work again; each kind is safe to repeat:
 * the patrol report is queued under the key "JOB@PERIOD#DEST" (the outbox
 * keeps one row per key), the monthly report and the resource list
 * replace the same file atomically, the purge and the outbox are
 * idempotent, and a repeated inspection is one more scan of the present
 * whose findings the lifecycle notifies once.  When the daemon was down
 * over several periods of a
 * job, they are run once, as the latest of them (an inspection, a report
 * or a purge of the present covers the ones before).  A new job starts
 * with the first period due at or after its creation.
 *
 * Claiming.  A worker claims a due job by writing its lease (owner and
 * expiry) in a transaction that only succeeds on a row nobody holds;
 * nothing assumes one process owns the table (a second daemon, or a
 * PostgreSQL backend with SELECT ... FOR UPDATE SKIP LOCKED, claims the
 * same way).  A running job renews its lease; one whose lease ran out
 * (its worker crashed) is claimed again and runs its period again.  Each
 * cloud has at most cloud_limit jobs running at once, over all claimers.
 *
 * Time is always passed in (the injected clock), never read here.
 *
 * Threads: like the store handle.
 */
#ifndef CP_SCHED_H
#define CP_SCHED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/store.h"

enum cp_job_kind {
	CP_JOB_INSPECT = 1,
	CP_JOB_RESOURCES = 2,
	CP_JOB_ASM_PASSIVE = 3,
	CP_JOB_PATROL = 4,
	CP_JOB_MONTHLY_RISK = 5,
	CP_JOB_RETENTION = 6,
	CP_JOB_DELIVER = 7
};

/* How a run ended. */
enum cp_job_result {
	CP_JOB_OK = 0,
	CP_JOB_ERROR = 1,	/* it ran and failed: recorded, not retried
				   before the next period, except by the
				   calendar jobs (CP_SCHED_RETRY) */
	CP_JOB_UNAVAILABLE = 2	/* the capability does not exist yet */
};

#define CP_SCHED_LEASE 600	/* seconds a claim holds without renewal */
/* Failures of a calendar job (patrol, monthly) retried within its period
 * after 5, 15 and 60 minutes; the last one is recorded.  A retry that
 * would fall after the period's end is not made. */
#define CP_SCHED_RETRY { 300, 900, 3600 }
#define CP_SCHED_SCALE_MAX 2592000	/* 30 days become 1 second */
#define CP_JOB_ERROR_MAX 1023	/* bytes of an error kept */

/* One job row, as claimed. */
struct cp_job {
	int64_t id;
	int kind;		/* enum cp_job_kind */
	char key[48];		/* "inspect:12" */
	int64_t portal_id;	/* 0: none */
	int64_t unit_id;	/* 0: none */
	char cloud[16];		/* "" for jobs of no cloud */
	int minute;		/* patrol: minute of the local day */
	char tz[64];		/* patrol, monthly-risk: the portal's zone */
	long jitter;		/* seconds after the period's start */
	unsigned scale;		/* 1: real periods; N: N times shorter */
	time_t period;		/* start of the period this run is for */
	time_t next_due;
	char owner[160];	/* the lease holder (this claim) */
};

struct cp_sched_opts {
	const char *owner;	/* who claims: cp_sched_owner(); required */
	unsigned lease;		/* 0: CP_SCHED_LEASE */
	unsigned cloud_limit;	/* running jobs per cloud; 0: no limit */
	unsigned scale;		/* 0 or 1: real time (schedule_scale) */
};

/* The name of a kind ("inspect"), or "?". */
const char *cp_job_kind_name(int kind);
/* The kind named s; 0 when none. */
int cp_job_kind_parse(const char *s);

/*
 * ---- periods (pure functions; tz may be NULL for UTC) ----
 * The start of the period of job containing t, the start of the one
 * after period p, and the due time of period p.
 */
struct cp_tz;
time_t cp_sched_period_of(const struct cp_job *job, const struct cp_tz *tz,
    time_t t);
time_t cp_sched_period_next(const struct cp_job *job,
    const struct cp_tz *tz, time_t p);
time_t cp_sched_due(const struct cp_job *job, const struct cp_tz *tz,
    time_t p);
/* The jitter of key within a period of len seconds: [0, len). */
long cp_sched_jitter(const char *key, long len);
/* A label of period p for file names: "2026-04" for a month, else
 * "20260401T093000Z". */
void cp_sched_period_label(const struct cp_job *job, const struct cp_tz *tz,
    time_t p, char *buf, size_t n);

/*
 * Makes the table match the store at now: adds the jobs of new units and
 * portals, disables those of units whose inspection is off (enables them
 * again when it is on), and moves the patrol and monthly jobs of a portal
 * whose time or zone changed to their first period due at or after now.
 * One transaction (st must have none open).  *changed (may be NULL)
 * counts rows added or changed.
 */
cp_err cp_sched_sync(cp_store *st, time_t now, const struct cp_sched_opts *o,
    size_t *changed);

/*
 * Claims the most overdue job due at now that nobody holds, within the
 * cloud limit: CP_OK with *job filled, CP_E_NOTFOUND when none is due.
 * *reclaimed (may be NULL) is set when the job's previous lease had run
 * out unfinished.
 */
cp_err cp_sched_claim(cp_store *st, time_t now, const struct cp_sched_opts *o,
    struct cp_job *job, int *reclaimed);

/* Extends the lease of a claimed job; CP_E_BUSY when it was lost. */
cp_err cp_sched_renew(cp_store *st, const struct cp_job *job, time_t now,
    const struct cp_sched_opts *o);

/*
 * Records the run of job's period (started at its claim, ending at now)
 * and moves the job to its next period, releasing the lease; a failed
 * run of a patrol or monthly job with a retry left (CP_SCHED_RETRY) is
 * not recorded but due again after its delay, in the same period (the
 * row's result and error say it failed).  CP_E_BUSY
 * when the lease was lost (nothing recorded: the holder records it);
 * CP_E_EXISTS when the period was recorded already.  error may be NULL.
 */
cp_err cp_sched_complete(cp_store *st, const struct cp_job *job, time_t now,
    int result, const char *error);

/*
 * Gives a claimed job back without recording its period (a cancelled
 * run): it is due again at once, for the next claimer.
 */
cp_err cp_sched_release(cp_store *st, const struct cp_job *job, time_t now,
    const char *why);

/*
 * Clears the leases of claimers known to be dead: processes of this host
 * and boot that no longer run (so a restart after a crash need not wait
 * for the leases to run out).  *n (may be NULL) gets their number.
 */
cp_err cp_sched_release_dead(cp_store *st, size_t *n);

/*
 * When something may next be due, at or after now: the earliest due time
 * of a free job or lease expiry of a held one.  CP_E_NOTFOUND when the
 * table has no enabled job.
 */
cp_err cp_sched_next_wake(cp_store *st, time_t now, time_t *when);

/* This process's claimer name (cp_notify_owner), with a worker suffix. */
cp_err cp_sched_owner(unsigned worker, char *buf, size_t n);

/* One row of the table for the status view; strings borrowed. */
struct cp_job_info {
	int64_t id;
	const char *kind;
	const char *key;
	const char *portal;	/* "" when none */
	const char *env;
	const char *unit;
	const char *rule;
	int enabled;
	time_t next_due;
	time_t last_start, last_end;	/* 0: never */
	const char *result;	/* "", ok, error, unavailable, abandoned */
	const char *error;
	int running;		/* held by a live lease at now */
	long long runs;
};

typedef cp_err (*cp_job_info_fn)(void *ud, const struct cp_job_info *j);

/*
 * Walks the enabled jobs of portal_id (0: all; global jobs always), by
 * next due time, at most limit (0: all).
 */
cp_err cp_sched_list(cp_store *st, int64_t portal_id, time_t now,
    size_t limit, cp_job_info_fn fn, void *ud);

#endif /* CP_SCHED_H */
