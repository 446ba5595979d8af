/*
 * settings.h - a portal's choices per policy (R-INS-2, DESIGN 4):
 * enabled, immediate notification, remediation and parameter values, kept
 * in policy_settings.  A policy without a row runs with its pack's
 * defaults; a row holds the whole switch set and only the parameters the
 * portal changed, so that a pack's new default reaches every portal that
 * did not choose otherwise.
 *
 * Checking parameter values against their types and bounds is the policy
 * pack's (cp_policy_param_check_json); these helpers only store them.
 *
 * Threads: like the store handle.
 */
#ifndef CP_SETTINGS_H
#define CP_SETTINGS_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "store/store.h"

/* What the pack says when the portal said nothing. */
struct cp_lc_defaults {
	int enabled;
	int notify;
	int remediate;
	const json_t *params; /* {name: default value}; NULL: none */
};

/* The effective settings of one policy for one portal. */
struct cp_lc_setting {
	int enabled;
	int notify;
	int remediate;
	json_t *params; /* owned: defaults overlaid with the portal's
			   values; never NULL after a get */
	int stored;     /* the portal has a row of its own */
	time_t updated; /* when it was written; 0 without a row */
};

/* A change: -1 keeps a switch; params (may be NULL) is merged. */
struct cp_lc_setting_change {
	int enabled;
	int notify;
	int remediate;
	const json_t *params; /* {name: value}; a null value drops the
				 portal's value (back to the default) */
};

/*
 * The effective settings of policy (1..63 bytes) in portal_id given the
 * pack's defaults def.  out must be cleared with cp_lc_setting_clear.
 * CP_E_PARSE when the stored parameters are damaged.
 */
cp_err cp_lc_setting_get(cp_store *st, int64_t portal_id, const char *policy,
    const struct cp_lc_defaults *def, struct cp_lc_setting *out);
/* Frees what a get left in s; a zeroed s is fine. */
void cp_lc_setting_clear(struct cp_lc_setting *s);

/*
 * Applies ch to the effective settings of policy in portal_id at now, in
 * one transaction (a savepoint when the caller has one open).
 * CP_E_INVALID for a switch other than -1, 0 or 1 or params that are not
 * an object; CP_E_NOTFOUND
 * when the portal does not exist.
 */
cp_err cp_lc_setting_set(cp_store *st, int64_t portal_id, const char *policy,
    const struct cp_lc_defaults *def, const struct cp_lc_setting_change *ch,
    time_t now);

/* Drops the portal's row: the pack's defaults apply again. */
cp_err cp_lc_setting_reset(cp_store *st, int64_t portal_id, const char *policy);

#endif /* CP_SETTINGS_H */
