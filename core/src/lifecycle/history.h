/*
 * history.h - what the lifecycle recorded, read back: the notification
 * and remediation history of a portal or unit (R-HIS-1, R-RSK-2: shown
 * for 30 days, kept 37) and the findings (the CLI's "findings").
 *
 * Threads: like the store handle.  Strings handed to callbacks are
 * borrowed for the call only.
 */
#ifndef CP_HISTORY_H
#define CP_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/store.h"

/* One line of history. */
struct cp_lc_event {
	const char *kind;   /* "risk": a risk was notified;
			       "remediation": a remediation was recorded */
	const char *status; /* risk: "notified"; remediation: "done",
			       "failed", "dry-run" or "held" */
	int64_t unit_id;
	const char *unit; /* the cloud's id of the unit */
	const char *policy;
	const char *resource;
	const char *condition; /* risk only; "" otherwise */
	const char *action;    /* remediation only; "" otherwise */
	const char *before;    /* remediation only */
	const char *after;
	const char *error;
	int64_t finding_id; /* 0: none (the finding is gone) */
	time_t time;
};

typedef cp_err (*cp_lc_event_fn)(void *ud, const struct cp_lc_event *e);

/*
 * Walks the history of portal_id (of unit_id only, when it is not 0) in
 * the days before now (0: CP_LC_HISTORY_DAYS), newest first, at most
 * limit lines (0: no limit).  A callback return other than CP_OK stops the
 * walk and is returned.
 */
cp_err cp_lc_history(cp_store *st, int64_t portal_id, int64_t unit_id,
    time_t now, unsigned days, size_t limit, cp_lc_event_fn fn, void *ud);

struct cp_lc_finding {
	int64_t id;
	int64_t unit_id;
	const char *unit;
	const char *policy;
	const char *resource;
	const char *resource_name;
	const char *condition;
	const char *detail;
	const char *value;
	time_t first_seen;
	time_t last_seen;
	time_t resolved_at; /* 0: open */
};

typedef cp_err (*cp_lc_finding_fn)(void *ud, const struct cp_lc_finding *f);

#define CP_LC_FINDINGS_OPEN 0x0u /* open findings only */
#define CP_LC_FINDINGS_ALL 0x1u  /* resolved ones too */

/*
 * Walks the findings of portal_id (of unit_id only, when it is not 0) by
 * unit, policy, resource, condition and age; at most limit (0: no limit).
 */
cp_err cp_lc_findings(cp_store *st, int64_t portal_id, int64_t unit_id,
    unsigned flags, size_t limit, cp_lc_finding_fn fn, void *ud);

#endif /* CP_HISTORY_H */
