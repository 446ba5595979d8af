/*
 * audit.h - the CIS audit report (R-CIS-1..4): per framework requirement
 * and resource, the status, and our own steps to comply for the
 * non-compliant ones.
 *
 * A unit is audited against every loaded framework of its cloud (or the
 * one asked for).  Its latest snapshot is evaluated once, as of the time
 * it was collected, with every enabled policy the frameworks name; each
 * policy runs with its pack's defaults overlaid by the parameters the
 * requirement pins ("params" in framework.json), never with the portal's
 * notification thresholds: the benchmark sets the bar, not the portal.
 *
 * Rows, in framework order, then requirement order (as in the file), then
 * resource: one per requirement and resource (policy/audit.h):
 *   compliant / non-compliant / error	one per resource the policies saw
 *   not applicable			no target: one row, no resource
 *   manual				one row, checked by hand
 *   not assessed			automated but no enabled policy
 *					decides it (yet): one row
 * A unit never inspected has one row per framework saying so, and no
 * score.  Steps to comply are filled in for non-compliant rows only.
 *
 * Levels follow the CIS profiles: level 1 audits the Level 1 requirements
 * only; level 2 (the Level 2 profile extends Level 1) and 0 audit both.
 *
 * Score per unit and framework (R-CIS-3): compliant / (non-compliant +
 * compliant); every other status is left out.
 */
#ifndef CP_REPORT_AUDIT_H
#define CP_REPORT_AUDIT_H

#include <stddef.h>
#include <time.h>

#include "policy/framework.h"
#include "policy/geoip.h"
#include "policy/pack.h"
#include "report/report.h"
#include "store/store.h"

struct cp_audit_opts {
	const char *lang;		/* "ja" or "en" */
	const char *framework;		/* one framework id; NULL: all */
	int level;			/* 1, 2 or 0 (both) */
	const char *state_dir;		/* where the snapshots are */
	const cp_geoip *geoip;
	cp_log *log;
};

/* The figures of one unit against one framework. */
struct cp_audit_score {
	const struct cp_framework *fw;
	size_t compliant;
	size_t non_compliant;
	size_t not_applicable;
	size_t manual;
	size_t not_assessed;
	size_t error;
	int scored;			/* 0: the unit has no snapshot yet */
};

/* The table of the report. */
const struct cp_report_table *cp_report_audit_table(void);

/*
 * Writes the rows of one unit of env to rep (its current table).  For
 * each framework audited, in the order of fws, one entry of scores (at
 * most max_scores) is filled; *n_scores says how many.  why gets the
 * reason of a failure.  A policy that cannot run makes error rows, not a
 * failure.
 */
cp_err cp_report_audit_unit(cp_store *st, const struct cp_env *env,
    const struct cp_unit *unit, const cp_policy_set *set,
    const cp_framework_set *fws, const struct cp_audit_opts *o,
    cp_report *rep, struct cp_audit_score *scores, size_t max_scores,
    size_t *n_scores, char *why, size_t why_size);

#endif /* CP_REPORT_AUDIT_H */
