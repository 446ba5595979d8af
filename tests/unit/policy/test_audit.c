/*
 * test_audit.c - audit statuses per requirement and resource, and both
 * scores, against figures computed by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cptest.h"
#include "policy/audit.h"
#include "policy/result.h"

static const char *one[] = {"P1"};
static const char *two[] = {"P1", "P2"};

static struct cp_requirement
req(int assessment, const char **pol, size_t n)
{
	struct cp_requirement r;

	memset(&r, 0, sizeof(r));
	r.id = "1.1";
	r.level = 1;
	r.assessment = assessment;
	r.policies = pol;
	r.n_policies = n;
	return r;
}

/* The rows as "resource=status;..." */
static const char *
text(const struct cp_audit_row *rows, size_t n)
{
	static char buf[1024];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		strncat(buf, rows[i].resource_id,
		    sizeof(buf) - strlen(buf) - 1);
		strncat(buf, "=", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, cp_audit_status_name(rows[i].status),
		    sizeof(buf) - strlen(buf) - 1);
		strncat(buf, ";", sizeof(buf) - strlen(buf) - 1);
	}
	return buf;
}

static const char *
audit(const struct cp_requirement *rq, const struct cp_audit_input *in,
    size_t n)
{
	struct cp_audit_row *rows = NULL;
	size_t nr = 0;
	const char *t;

	CU_ASSERT_EQUAL_FATAL(cp_audit_requirement(rq, in, n, &rows, &nr),
	    CP_OK);
	CU_ASSERT_TRUE(nr > 0);
	t = text(rows, nr);
	free(rows);
	return t;
}

static void
test_audit_statuses(void)
{
	static const struct cp_audit_input in[] = {
		{"P1", "vm-b", CP_RESULT_PASS},
		{"P1", "vm-a", CP_RESULT_PASS},
		{"P1", "vm-c", CP_RESULT_FAIL},
		{"P1", "vm-c", CP_RESULT_PASS},	/* another condition */
		{"P2", "vm-a", CP_RESULT_FAIL},
		{"P2", "vm-b", CP_RESULT_ERROR},
		{"P2", "vm-d", CP_RESULT_PASS},
		{"P3", "vm-e", CP_RESULT_FAIL},	/* decides nothing */
		{"P2", "", CP_RESULT_ERROR},	/* the whole policy */
	};
	struct cp_requirement r1 = req(CP_ASSESSMENT_AUTOMATED, one, 1);
	struct cp_requirement r2 = req(CP_ASSESSMENT_AUTOMATED, two, 2);
	struct cp_requirement rm = req(CP_ASSESSMENT_MANUAL, one, 1);
	static const char *p9[] = {"P9"};
	struct cp_requirement r9 = req(CP_ASSESSMENT_AUTOMATED, p9, 1);

	/* P1 alone: a and b passed, c failed once. */
	CU_ASSERT_STRING_EQUAL(audit(&r1, in, 9),
	    "vm-a=compliant;vm-b=compliant;vm-c=non-compliant;");
	/* P1 and P2: the worst wins; an error only beats a pass. */
	CU_ASSERT_STRING_EQUAL(audit(&r2, in, 9),
	    "=error;vm-a=non-compliant;vm-b=error;vm-c=non-compliant;"
	    "vm-d=compliant;");
	/* Manual: one row, whatever the results. */
	CU_ASSERT_STRING_EQUAL(audit(&rm, in, 9), "=manual;");
	/* No row of its policies: no target. */
	CU_ASSERT_STRING_EQUAL(audit(&r9, in, 9), "=not applicable;");
	CU_ASSERT_STRING_EQUAL(audit(&r1, NULL, 0), "=not applicable;");
}

static void
test_audit_not_assessed(void)
{
	static const struct cp_audit_input in[] = {
		{"P1", "vm-a", CP_RESULT_FAIL},
		{"P2", "", CP_RESULT_ERROR},
	};
	struct cp_requirement none = req(CP_ASSESSMENT_AUTOMATED, NULL, 0);
	struct cp_requirement manual = req(CP_ASSESSMENT_MANUAL, NULL, 0);
	struct cp_audit_row *rows = NULL;
	size_t n = 0;
	double s = -1;

	/* Automated, no deciding policy: whatever else ran, one row that
	 * says nobody looked, not "no target". */
	CU_ASSERT_STRING_EQUAL(audit(&none, in, 2), "=not assessed;");
	CU_ASSERT_STRING_EQUAL(audit(&none, NULL, 0), "=not assessed;");
	/* Manual stays manual without a policy. */
	CU_ASSERT_STRING_EQUAL(audit(&manual, NULL, 0), "=manual;");
	/* Never scored. */
	CU_ASSERT_EQUAL_FATAL(cp_audit_requirement(&none, in, 2, &rows, &n),
	    CP_OK);
	CU_ASSERT_EQUAL(rows[0].status, CP_AUDIT_NOT_ASSESSED);
	s = 42;
	CU_ASSERT_FALSE(cp_score_audit(rows, n, &s));
	CU_ASSERT_DOUBLE_EQUAL(s, 42, 0);
	free(rows);
}

static void
test_audit_status_names(void)
{
	CU_ASSERT_STRING_EQUAL(cp_audit_status_name(CP_AUDIT_COMPLIANT),
	    "compliant");
	CU_ASSERT_STRING_EQUAL(cp_audit_status_name(CP_AUDIT_NON_COMPLIANT),
	    "non-compliant");
	CU_ASSERT_STRING_EQUAL(cp_audit_status_name(CP_AUDIT_NOT_APPLICABLE),
	    "not applicable");
	CU_ASSERT_STRING_EQUAL(cp_audit_status_name(CP_AUDIT_MANUAL),
	    "manual");
	CU_ASSERT_STRING_EQUAL(cp_audit_status_name(CP_AUDIT_ERROR), "error");
	CU_ASSERT_STRING_EQUAL(cp_audit_status_name(CP_AUDIT_NOT_ASSESSED),
	    "not assessed");
	CU_ASSERT_STRING_EQUAL(cp_audit_status_name(6), "?");
	CU_ASSERT_STRING_EQUAL(cp_audit_status_name(-1), "?");
}

static void
test_audit_score_risk(void)
{
	double s = -1;

	/* 6 pass, 2 fail, 2 policies with no target: (6 + 2) / 10. */
	CU_ASSERT_TRUE(cp_score_risk(6, 2, 2, &s));
	CU_ASSERT_DOUBLE_EQUAL(s, 0.8, 1e-12);
	/* Without the no-target rule it would be 6 / 8 = 0.75. */
	CU_ASSERT_TRUE(cp_score_risk(6, 2, 0, &s));
	CU_ASSERT_DOUBLE_EQUAL(s, 0.75, 1e-12);
	/* Nothing but "no target": no risk at all. */
	CU_ASSERT_TRUE(cp_score_risk(0, 0, 3, &s));
	CU_ASSERT_DOUBLE_EQUAL(s, 1.0, 1e-12);
	CU_ASSERT_TRUE(cp_score_risk(0, 4, 0, &s));
	CU_ASSERT_DOUBLE_EQUAL(s, 0.0, 1e-12);
	/* 1 pass, 2 fail, 0 no target: 1/3. */
	CU_ASSERT_TRUE(cp_score_risk(1, 2, 0, &s));
	CU_ASSERT_DOUBLE_EQUAL(s, 1.0 / 3.0, 1e-12);
	s = 42;
	CU_ASSERT_FALSE(cp_score_risk(0, 0, 0, &s));
	CU_ASSERT_DOUBLE_EQUAL(s, 42, 0);
}

static void
test_audit_score_audit(void)
{
	static const struct cp_audit_row rows[] = {
		{"a", CP_AUDIT_COMPLIANT},
		{"b", CP_AUDIT_COMPLIANT},
		{"c", CP_AUDIT_COMPLIANT},
		{"d", CP_AUDIT_NON_COMPLIANT},
		{"", CP_AUDIT_NOT_APPLICABLE},
		{"", CP_AUDIT_NOT_APPLICABLE},
		{"", CP_AUDIT_MANUAL},
		{"e", CP_AUDIT_ERROR},
		{"", CP_AUDIT_NOT_ASSESSED},
	};
	double s = -1;

	/* 3 compliant / (1 + 3); no target, manual, error and not
	 * assessed left out. */
	CU_ASSERT_TRUE(cp_score_audit(rows, 9, &s));
	CU_ASSERT_DOUBLE_EQUAL(s, 0.75, 1e-12);
	/* Only the not-applicable ones: nothing to score. */
	s = 42;
	CU_ASSERT_FALSE(cp_score_audit(rows + 4, 5, &s));
	CU_ASSERT_DOUBLE_EQUAL(s, 42, 0);
	CU_ASSERT_TRUE(cp_score_audit(rows + 3, 2, &s));
	CU_ASSERT_DOUBLE_EQUAL(s, 0.0, 1e-12);
	/* The two scores differ on the same facts: with 2 no-target
	 * requirements the risk rule gives (3 + 2) / 6. */
	CU_ASSERT_TRUE(cp_score_risk(3, 1, 2, &s));
	CU_ASSERT_DOUBLE_EQUAL(s, 5.0 / 6.0, 1e-12);
}

static void
test_audit_bad_arguments(void)
{
	struct cp_requirement r1 = req(CP_ASSESSMENT_AUTOMATED, one, 1);
	struct cp_audit_row *rows = (void *)1;
	size_t n = 9;

	CU_ASSERT_EQUAL(cp_audit_requirement(NULL, NULL, 0, &rows, &n),
	    CP_E_INVALID);
	CU_ASSERT_PTR_NULL(rows);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(cp_audit_requirement(&r1, NULL, 3, &rows, &n),
	    CP_E_INVALID);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{"statuses", test_audit_statuses},
		{"not_assessed", test_audit_not_assessed},
		{"status_names", test_audit_status_names},
		{"score_risk", test_audit_score_risk},
		{"score_audit", test_audit_score_audit},
		{"bad_arguments", test_audit_bad_arguments},
		{NULL, NULL},
	};

	return cp_test_run("audit", tests);
}
