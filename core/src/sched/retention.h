/*
 * retention.h - the daily purge (R-HIS-1): notification and remediation
 * history is kept 37 days, and so are old scans, finished outbox rows and
 * job runs; snapshot files of units that no longer exist, and temporary
 * snapshot files left by dead processes, are removed.
 *
 * Kept whatever their age: open and resolved findings, exclusions, the
 * audit log, the latest scan of every unit, outbox rows with a delivery
 * still to send.
 */
#ifndef CP_SCHED_RETENTION_H
#define CP_SCHED_RETENTION_H

#include <stddef.h>
#include <time.h>

#include "store/store.h"

#define CP_RETENTION_DAYS 37

struct cp_retention_summary {
	size_t notifications;
	size_t remediations;
	size_t scans;
	size_t outbox;
	size_t job_runs;
	size_t snapshots;	/* files removed */
};

/*
 * Purges what is older than CP_RETENTION_DAYS at now, in one transaction,
 * then the stray snapshot files under state_dir/snapshots.  sum may be
 * NULL.  st must have no transaction open.
 */
cp_err cp_retention_purge(cp_store *st, const char *state_dir, time_t now,
    struct cp_retention_summary *sum);

#endif /* CP_SCHED_RETENTION_H */
