/*
 * exec.h - what each kind of job does when it runs (sched.h lists them).
 *
 * The same work as the CLI's one-shot commands: an inspection is
 * cp_inspect_unit (as "cloudpatrol inspect ENV UNIT"), the patrol report
 * cp_patrol_queue ("notify patrol"), the monthly risk report the CSV of
 * "report risk --variant A" for the whole portal, written to
 * STATE_DIR/reports/PORTAL/risk-A-LABEL.csv.  Work that queues notices
 * (inspection, patrol) sends them right after (cp_notify_drain); the
 * deliver job sends retries that fall due.  Kinds whose capability does
 * not exist in this build answer CP_JOB_UNAVAILABLE with the reason.
 *
 * Threads: a run uses the caller's store handle; the context is shared
 * read-only between workers.
 */
#ifndef CP_SCHED_EXEC_H
#define CP_SCHED_EXEC_H

#include <stddef.h>
#include <time.h>

#include "log/log.h"
#include "plugin/registry.h"
#include "policy/geoip.h"
#include "policy/pack.h"
#include "sched/sched.h"
#include "store/store.h"

struct cp_job_ctx {
	cp_registry *reg;		/* may be NULL: no plugin work */
	const cp_policy_set *set;
	const cp_geoip *geoip;		/* may be NULL */
	const char *state_dir;
	unsigned remediation_ceiling;
	cp_log *log;			/* may be NULL */
	volatile int *cancel;		/* set: stop as soon as possible */
};

/*
 * Runs job for its period at now on st.  CP_OK with *result (enum
 * cp_job_result) and why (the error, or what was done); CP_E_CANCELLED
 * when the run was cut short by the cancel flag (its period must run
 * again).
 */
cp_err cp_job_run(const struct cp_job_ctx *c, cp_store *st,
    const struct cp_job *job, time_t now, int *result, char *why,
    size_t why_size);

/*
 * Writes report A of portal to path (through a temporary file), in the
 * portal's language.  *units gets the number of units in it.
 */
cp_err cp_job_risk_report(const struct cp_job_ctx *c, cp_store *st,
    const struct cp_portal *portal, time_t now, const char *path,
    size_t *units, char *why, size_t why_size);

#endif /* CP_SCHED_EXEC_H */
