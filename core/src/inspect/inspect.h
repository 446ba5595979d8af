/*
 * inspect.h - one inspection of one unit: collect -> snapshot -> evaluate
 * -> lifecycle -> remediate (DESIGN 1).
 *
 * The CLI's "inspect" and the daemon's hourly job both call this, so that
 * every job can also be run once by hand.  The unit's cloud plugin collects
 * into a new snapshot (the previous one stays until the new one is
 * complete); every enabled policy of the unit's cloud runs on it; the
 * lifecycle turns the results into findings and queues notifications and
 * remediations; queued remediations of the unit are then carried out
 * through the plugin, within the ceiling.
 */
#ifndef CP_INSPECT_H
#define CP_INSPECT_H

#include <time.h>

#include "lifecycle/lifecycle.h"
#include "lifecycle/remediate.h"
#include "lifecycle/settings.h"
#include "plugin/registry.h"
#include "policy/engine.h"
#include "policy/pack.h"
#include "store/store.h"

struct cp_inspect_opts {
	const char *state_dir;		/* snapshots go to state_dir/snapshots */
	time_t now;			/* 0: time(NULL) */
	int remediation_dry_run;	/* show what remediation would do */
	unsigned remediation_ceiling;	/* most changes per run; 0: automatic
					 * remediation off (queued ones wait) */
	const cp_geoip *geoip;		/* NULL: country_of() is NULL */
	unsigned long long budget;	/* VM steps per policy; 0: default */
	cp_log *log;			/* required */
	volatile int *cancel;		/* NULL: never cancelled */
};

struct cp_inspect_result {
	int collected;			/* 0: the collection failed */
	char error[512];		/* why, when it did */
	size_t resources;
	size_t policies;		/* policies run */
	size_t policy_errors;		/* policies that could not decide */
	size_t collector_errors;	/* collectors that failed */
	struct cp_lc_summary lc;
	struct cp_remediate_summary rem;
};

/*
 * The portal's effective choices for policy p: its stored setting over
 * the pack's defaults.  Clear *out with cp_lc_setting_clear.
 */
cp_err cp_inspect_setting(cp_store *st, int64_t portal_id,
    const struct cp_policy *p, struct cp_lc_setting *out);
/* The pack's defaults of p as cp_lc_setting_set wants them; *params is
 * owned by the caller (json_decref). */
cp_err cp_inspect_defaults(const struct cp_policy *p,
    struct cp_lc_defaults *def, json_t **params);

/* The snapshot file of a unit. */
cp_err cp_inspect_snapshot_path(const char *state_dir, int64_t unit_id,
    char *buf, size_t n);

/*
 * Inspects unit of env (of portal).  Returns CP_OK when the unit was
 * collected and its results applied (res says what happened, including
 * policies that could not decide); an error when the collection failed, or
 * the results could not be evaluated or applied: then res->collected is 0,
 * the scan is recorded as failed with res->error, and no finding changed
 * (R-INS-7).
 */
cp_err cp_inspect_unit(cp_registry *reg, cp_store *st,
    const struct cp_portal *portal, const struct cp_env *env,
    const struct cp_unit *unit, const cp_policy_set *set,
    const struct cp_inspect_opts *o, struct cp_inspect_result *res);

#endif /* CP_INSPECT_H */
