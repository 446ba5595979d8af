/*
 * audit.h - turning policy results into a framework audit (R-CIS-2) and
 * the two scores of the reports (R-RSK-3, R-CIS-3).  Pure functions: no
 * I/O, no state.
 *
 * Per requirement and resource, from the results of the requirement's
 * deciding policies:
 *   manual		the requirement is assessed by hand (one row, no
 *			resource; results are not looked at)
 *   not assessed	automated, but no policy decides it (yet): it names
 *			none, or the caller passed a copy without those it
 *			did not run (one row, no resource)
 *   not applicable	no deciding policy returned a row: no target (one
 *			row, no resource)
 *   non-compliant	some deciding policy failed the resource
 *   error		none failed it, but some could not decide
 *			(CP_RESULT_ERROR; resource "" when a whole policy
 *			could not run)
 *   compliant		every row for the resource passed
 */
#ifndef CP_POLICY_AUDIT_H
#define CP_POLICY_AUDIT_H

#include <stddef.h>

#include <cloudpatrol/err.h>

#include "policy/framework.h"

enum cp_audit_status {
	CP_AUDIT_COMPLIANT = 0,
	CP_AUDIT_NON_COMPLIANT = 1,
	CP_AUDIT_NOT_APPLICABLE = 2,
	CP_AUDIT_MANUAL = 3,
	CP_AUDIT_ERROR = 4,
	CP_AUDIT_NOT_ASSESSED = 5
};

/* One result of one policy on the unit (strings borrowed). */
struct cp_audit_input {
	const char *policy_id;
	const char *resource_id;
	int status;			/* enum cp_result_status */
};

/* One row of the audit; resource_id borrowed from the input, or "". */
struct cp_audit_row {
	const char *resource_id;
	int status;			/* enum cp_audit_status */
};

/* "compliant", "non-compliant", "not applicable", "manual", "error",
 * "not assessed"; "?" for anything else. */
const char *cp_audit_status_name(int status);

/*
 * The rows of requirement rq from the unit's results in (n of them, any
 * policies: those that do not decide rq are ignored), sorted by resource.
 * *rows is the caller's (free()); never empty on success.
 */
cp_err cp_audit_requirement(const struct cp_requirement *rq,
    const struct cp_audit_input *in, size_t n, struct cp_audit_row **rows,
    size_t *n_rows);

/*
 * Risk diagnosis score (R-RSK-3): pass / (fail + pass), where a policy
 * with no target counts as one pass.  Errors are not judgments.  Returns
 * 0 (and leaves *score) when there is nothing to score.
 */
int cp_score_risk(size_t pass, size_t fail, size_t no_target,
    double *score);

/*
 * Audit score (R-CIS-3): compliant / (non-compliant + compliant); not
 * applicable, manual, not assessed and error rows are left out.  0 when
 * nothing to score.
 */
int cp_score_audit(const struct cp_audit_row *rows, size_t n,
    double *score);

#endif /* CP_POLICY_AUDIT_H */
