/*
 * engine.h - evaluating policies against one unit's snapshot.
 *
 * An engine is one read-only, sandboxed SQLite connection (sandbox.h) to a
 * snapshot, with the unit's tenant snapshot attached as schema "tenant".
 * It belongs to one thread; to use two cores, open two engines on the
 * same snapshot (snapshots never change once renamed into place).  Only
 * with SQLite's memory statistics off (SQLITE_CONFIG_MEMSTATUS 0, set
 * before sqlite3_initialize) do they run in parallel: with them on,
 * every allocation of the JSON functions takes one global lock.
 *
 * Evaluating a policy runs its one SELECT and hands each row to a
 * callback as a struct cp_policy_result (policy/result.h):
 *
 * - status 'pass' or 'fail' (exactly, lowercase) maps to CP_RESULT_PASS
 *   and CP_RESULT_FAIL; any other status makes that row CP_RESULT_ERROR
 *   and is logged.  No row at all means the unit has no target.
 * - When the snapshot (or the tenant snapshot) records a collector_error
 *   for a collector the policy "requires", the SQL is not run: the
 *   callback gets exactly one CP_RESULT_ERROR with resource_id "",
 *   condition "collector-error" and a detail naming each failed collector
 *   and its message.
 * - When the statement fails (refused by the sandbox, an SQL error, the
 *   step budget spent, cancelled), cp_engine_run returns an error and why
 *   names the policy ("policy AWS-E001 stopped after 200000000 steps").
 *   Rows already handed to the callback must then be disregarded: the
 *   policy as a whole could not decide.
 */
#ifndef CP_POLICY_ENGINE_H
#define CP_POLICY_ENGINE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include <cloudpatrol/err.h>

#include "log/log.h"
#include "policy/geoip.h"
#include "policy/pack.h"
#include "policy/result.h"

struct cp_engine_opts {
	const cp_geoip *geoip;		/* for country_of(); NULL: none */
	unsigned long long budget;	/* VM steps per policy; 0: default
					 * CP_SANDBOX_DEFAULT_BUDGET */
	time_t now;			/* clock of days_since(); 0: now */
	cp_log *log;			/* NULL: no log lines */
	volatile int *cancel;		/* non-zero stops a query; NULL */
};

typedef struct cp_engine cp_engine;

/*
 * Receives one result of policy p.  Everything is borrowed for the call.
 * A non-OK return stops the run, and cp_engine_run returns it.
 */
typedef cp_err (*cp_result_fn)(void *ud, const struct cp_policy *p,
    const struct cp_policy_result *r);

/*
 * Opens snapshot read-only, with tenant_snapshot (or, when NULL, an empty
 * schema of the same shape) as "tenant".  o may be NULL (defaults); the
 * geoip and log it names must outlive the engine.  A file that is not a
 * snapshot of a format this build reads is refused.
 */
cp_err cp_engine_open(const char *snapshot, const char *tenant_snapshot,
    const struct cp_engine_opts *o, cp_engine **out, char *why,
    size_t why_size);
void cp_engine_close(cp_engine *e);

/*
 * Evaluates p.  params is the portal's settings of p's parameters (an
 * object name -> value, or NULL): each is checked against its bounds and
 * a bad one fails the run; missing ones take their default.  Keys p does
 * not declare are ignored.
 */
cp_err cp_engine_run(cp_engine *e, const struct cp_policy *p,
    const json_t *params, cp_result_fn fn, void *ud, char *why,
    size_t why_size);

/*
 * Like cp_engine_open (no tenant snapshot), with the clock (o->now) set to
 * when the snapshot was collected: a report printed later must judge the
 * estate as it was, not age it (days_since).  A snapshot without a valid
 * collected_at keeps o->now.
 */
cp_err cp_engine_open_as_collected(const char *snapshot,
    const struct cp_engine_opts *o, cp_engine **out, char *why,
    size_t why_size);

/* A meta value of the snapshot ("unit", "collected_at"...) or NULL. */
const char *cp_engine_meta(const cp_engine *e, const char *key);

/* VM steps and rows of the last run (for logs and benchmarks). */
unsigned long long cp_engine_last_steps(const cp_engine *e);
size_t cp_engine_last_rows(const cp_engine *e);

#endif /* CP_POLICY_ENGINE_H */
