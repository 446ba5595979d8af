/*
 * audit.c - audit statuses per requirement and resource, and the scores.
 *
 * The inputs of one requirement are gathered, sorted by resource and
 * folded: the worst outcome for a resource wins (a fail beats an error,
 * which beats a pass), so a resource is compliant only when everything
 * that looked at it passed it.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/audit.h"
#include "policy/result.h"

const char *
cp_audit_status_name(int status)
{
	static const char *const names[] = {
		"compliant", "non-compliant", "not applicable", "manual",
		"error", "not assessed"
	};

	if (status < 0 || (size_t)status >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[status];
}

static int
decides(const struct cp_requirement *rq, const char *policy)
{
	size_t i;

	for (i = 0; policy != NULL && i < rq->n_policies; i++)
		if (strcmp(rq->policies[i], policy) == 0)
			return 1;
	return 0;
}

static const char *
rid(const struct cp_audit_input *in)
{
	return in->resource_id != NULL ? in->resource_id : "";
}

static int
cmp_input(const void *a, const void *b)
{
	const struct cp_audit_input *x =
	    *(const struct cp_audit_input *const *)a;
	const struct cp_audit_input *y =
	    *(const struct cp_audit_input *const *)b;

	return strcmp(rid(x), rid(y));
}

/* How bad a result is for its resource: higher wins. */
static int
rank(int result)
{
	switch (result) {
	case CP_RESULT_FAIL:
		return 2;
	case CP_RESULT_PASS:
		return 0;
	default:
		return 1;
	}
}

static int
status_of(int worst)
{
	return worst == 2 ? CP_AUDIT_NON_COMPLIANT :
	       worst == 1 ? CP_AUDIT_ERROR : CP_AUDIT_COMPLIANT;
}

cp_err
cp_audit_requirement(const struct cp_requirement *rq,
    const struct cp_audit_input *in, size_t n, struct cp_audit_row **rows,
    size_t *n_rows)
{
	const struct cp_audit_input **pick = NULL;
	struct cp_audit_row *out = NULL;
	size_t i, k = 0, m = 0;
	int worst;

	*rows = NULL;
	*n_rows = 0;
	if (rq == NULL || (n > 0 && in == NULL))
		return CP_E_INVALID;
	if (rq->assessment != CP_ASSESSMENT_MANUAL && n > 0) {
		pick = calloc(n, sizeof(*pick));
		if (pick == NULL)
			return CP_E_NOMEM;
		for (i = 0; i < n; i++)
			if (decides(rq, in[i].policy_id))
				pick[k++] = &in[i];
	}
	out = calloc(k > 0 ? k : 1, sizeof(*out));
	if (out == NULL) {
		free(pick);
		return CP_E_NOMEM;
	}
	if (rq->assessment == CP_ASSESSMENT_MANUAL || k == 0) {
		/* Nothing to fold: one row for the requirement.  No
		 * policy at all is not the same as no target. */
		out[0].resource_id = "";
		out[0].status = rq->assessment == CP_ASSESSMENT_MANUAL ?
		    CP_AUDIT_MANUAL : rq->n_policies == 0 ?
		    CP_AUDIT_NOT_ASSESSED : CP_AUDIT_NOT_APPLICABLE;
		free(pick);
		*rows = out;
		*n_rows = 1;
		return CP_OK;
	}
	qsort(pick, k, sizeof(*pick), cmp_input);
	/* status holds the worst rank while folding. */
	for (i = 0; i < k; i++) {
		worst = rank(pick[i]->status);
		if (i == 0 || strcmp(rid(pick[i]), rid(pick[i - 1])) != 0) {
			out[m].resource_id = rid(pick[i]);
			out[m].status = worst;
			m++;
		} else if (worst > out[m - 1].status)
			out[m - 1].status = worst;
	}
	for (i = 0; i < m; i++)
		out[i].status = status_of(out[i].status);
	free(pick);
	*rows = out;
	*n_rows = m;
	return CP_OK;
}

int
cp_score_risk(size_t pass, size_t fail, size_t no_target, double *score)
{
	size_t good = pass + no_target;

	if (good + fail == 0)
		return 0;
	*score = (double)good / (double)(good + fail);
	return 1;
}

int
cp_score_audit(const struct cp_audit_row *rows, size_t n, double *score)
{
	size_t good = 0, bad = 0, i;

	for (i = 0; i < n; i++) {
		if (rows[i].status == CP_AUDIT_COMPLIANT)
			good++;
		else if (rows[i].status == CP_AUDIT_NON_COMPLIANT)
			bad++;
	}
	if (good + bad == 0)
		return 0;
	*score = (double)good / (double)(good + bad);
	return 1;
}
