/*
 * result.h - what evaluating one policy on one unit yields: one result per
 * resource the policy looked at.  The seam between the policy engine
 * (core/src/policy) and the findings lifecycle (core/src/lifecycle).
 */
#ifndef CP_POLICY_RESULT_H
#define CP_POLICY_RESULT_H

enum cp_result_status {
	CP_RESULT_PASS = 0,
	CP_RESULT_FAIL = 1,
	/* The policy could not decide (its collector failed, its query
	 * failed): never a pass, never a fail; findings stay as they are. */
	CP_RESULT_ERROR = 2
};

/*
 * One row of a policy's query.  All strings are borrowed for the duration
 * of the callback that receives them; NULL reads as "".
 */
struct cp_policy_result {
	const char *resource_id;
	const char *resource_name;
	int status;			/* enum cp_result_status */
	const char *detail;		/* a sentence for people */
	const char *value;		/* what was found (e.g. "0.0.0.0/0:22") */
	const char *condition;		/* the rule it broke (part of the key) */
};

#endif /* CP_POLICY_RESULT_H */
