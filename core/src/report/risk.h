/*
 * risk.h - the risk diagnosis report (R-RSK-1..3), A and B.
 *
 * Report A lists, per unit, the risks present now: one row per open
 * finding.  Report B adds the last 30 days of notification and
 * remediation history: one row per resource whose risk was notified or
 * remediated in the window and is gone now (its latest one), with
 * "remediated" at the last detection plus one hour; a column tells A rows
 * (current state) from B rows (history).  Rows a policy fails under its
 * pack's rule but that stay under the threshold the portal set for it are
 * listed too, saying that no notification was sent for that reason.
 *
 * The score of a unit is pass / (fail + pass) over the judgements of every
 * enabled policy of its cloud on its latest snapshot, one per resource;
 * a policy with no target counts as one pass (R-RSK-3).
 */
#ifndef CP_REPORT_RISK_H
#define CP_REPORT_RISK_H

#include <time.h>

#include "policy/engine.h"
#include "policy/pack.h"
#include "report/report.h"
#include "store/store.h"

struct cp_risk_opts {
	int variant;			/* 'A' or 'B' */
	const char *lang;		/* "ja" or "en" */
	time_t now;			/* 0: time(NULL) */
	unsigned days;			/* history window; 0: 30 */
	const char *state_dir;		/* where the snapshots are */
	const cp_geoip *geoip;
	cp_log *log;
};

struct cp_risk_score {
	size_t pass;
	size_t fail;
	size_t no_target;		/* policies with no target (in pass) */
	int scored;			/* 0: the unit has no snapshot yet */
};

/* The table of the variant ('A' or 'B'). */
const struct cp_report_table *cp_report_risk_table(int variant);

/*
 * Writes the rows of one unit to rep (its current table) and adds its
 * judgements to score.  why gets the reason of a failure.
 */
cp_err cp_report_risk_unit(cp_store *st, const struct cp_portal *portal,
    const struct cp_env *env, const struct cp_unit *unit,
    const cp_policy_set *set, const struct cp_risk_opts *o, cp_report *rep,
    struct cp_risk_score *score, char *why, size_t why_size);

#endif /* CP_REPORT_RISK_H */
