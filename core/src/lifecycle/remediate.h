/*
 * remediate.h - runs the remediations the lifecycle queued (R-INS-4,
 * R-NOT-1): claims a unit's pending "remediate" outbox rows, has a callback
 * (in production the cloud plugin's remediate) perform each action,
 * records the outcome in remediations and queues a completion notice.
 *
 * Safety:
 * - dry run: the callback is asked with dry_run set, what it would do is
 *   recorded as "dry-run", the rows stay pending and nobody is notified
 *   (rows beyond the ceiling are only counted as held);
 * - ceiling: one run changes at most `ceiling` resources (default 10).
 *   Rows beyond it are not remediated: they are recorded as "held", taken
 *   off the queue, and one notice says that the ceiling stopped them, so
 *   that a policy gone wrong cannot rewrite a whole account;
 * - a row is looked at again just before it runs: a resource excluded
 *   since, a finding no longer open, or a unit no longer registered with
 *   remediation is skipped (the row fails with the reason; no notice);
 * - crash safety: claiming a row and recording its outcome are separate
 *   transactions around the callback.  A row claimed by a process that
 *   died is claimed again once its lease has run out; one that did so
 *   max_attempts times is failed instead of being retried forever.  Within
 *   a run every row is performed at most once.  An action repeated after a
 *   crash must therefore be harmless to repeat, as closing a port is.
 *
 * Times are Unix seconds passed in (an injectable clock).
 * Threads: like the store handle; the callback runs on the caller's thread
 * with no transaction open.
 */
#ifndef CP_REMEDIATE_H
#define CP_REMEDIATE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "lifecycle/lifecycle.h"

#define CP_REMEDIATE_CEILING 10      /* resources changed per run */
#define CP_REMEDIATE_LEASE 900       /* seconds a claim is held */
#define CP_REMEDIATE_ATTEMPTS 3      /* tries of one row */
#define CP_REMEDIATE_RETRY_DELAY 300 /* seconds, times the attempt */
#define CP_REMEDIATE_BATCH 10000     /* rows looked at per run */
#define CP_REMEDIATE_TEXT_MAX 65536  /* bytes kept of before/after/error */

/*
 * Performs action on resource of unit with params (a JSON object); with
 * dry_run set it must change nothing and say what it would do.  *result
 * (owned by the caller afterwards; may stay NULL) is a JSON object whose
 * "before" and "after" describe the resource, and "error" a failure.
 * CP_E_RETRY_LATER, CP_E_BUSY, CP_E_HTTP_CONNECT and CP_E_HTTP_TIMEOUT are
 * retried later; any other failure is final.  The plugin's remediate, with
 * ctx and the credentials in ud, fits behind this.
 */
typedef cp_err (*cp_remediate_fn)(void *ud, const char *unit,
    const char *action, const char *resource, const json_t *params, int dry_run,
    json_t **result);

/* Knobs of a run; a zero field takes the default above. */
struct cp_remediate_opts {
	int dry_run;
	unsigned ceiling;
	unsigned lease;
	unsigned max_attempts;
	unsigned retry_delay;
};

struct cp_remediate_summary {
	size_t done;    /* performed */
	size_t failed;  /* failed for good */
	size_t retry;   /* failed for now: due again later */
	size_t dry_run; /* asked in a dry run */
	size_t held;    /* stopped by the ceiling */
	size_t skipped; /* no longer applicable, or malformed */
};

/*
 * Runs the due remediations of unit u at now through fn (with ud).  opts
 * NULL: defaults.  sum (may be NULL) tells what happened, also on failure.
 * Fails only when the store fails (detail in cp_store_errmsg(st)); rows
 * then stay claimed and return after the lease.  st must have no
 * transaction open.
 */
cp_err cp_remediate_run(cp_store *st, const struct cp_lc_unit *u, time_t now,
    const struct cp_remediate_opts *opts, cp_remediate_fn fn, void *ud,
    struct cp_remediate_summary *sum);

#endif /* CP_REMEDIATE_H */
