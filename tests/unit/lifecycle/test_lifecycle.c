/*
 * test_lifecycle.c - the findings lifecycle of DESIGN 6: opening, staying
 * open, resolving, errors, suppression, exclusion, remediation queuing,
 * atomicity and the purge, each against a fixed clock.
 */
#include <time.h>

#include "lctest.h"
#include "lifecycle/exclusion.h"

#define FAIL CP_RESULT_FAIL
#define PASS CP_RESULT_PASS

static long long
count(struct lc_fx *x, const char *sql)
{
	return st_sql_int(x->st, sql);
}

static void
test_lifecycle_opens_a_finding(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_lc_summary sum;
	json_t *j;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(lc_run1(&x, T0, &p, "sg-1", FAIL, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.opened, 1);
	CU_ASSERT_EQUAL(sum.notified, 1);
	CU_ASSERT_EQUAL(sum.results, 1);
	CU_ASSERT_EQUAL(sum.policies, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings "
				  "WHERE resolved_at IS NULL AND resource = "
				  "'sg-1' AND condition = 'c' AND policy = "
				  "'AWS-E001'"),
	    1);
	CU_ASSERT_EQUAL(count(&x, "SELECT first_seen FROM findings"), T0);
	CU_ASSERT_EQUAL(count(&x, "SELECT last_seen FROM findings"), T0);
	/* Queued: one outbox row and one notification record. */
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox WHERE kind = "
				  "'notify' AND state = 'pending'"),
	    1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications "
				  "WHERE kind = 'risk' AND time = 1700000000"),
	    1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox "
				  "WHERE kind = 'remediate'"),
	    0);
	j = lc_payload(x.st, "notify", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(lc_js(j, "type"), "risk");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "policy"), "AWS-E001");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "unit"), "111");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "resource"), "sg-1");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "resource_name"), "sg-1");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "value"), "0.0.0.0/0:22");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "condition"), "c");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "detail"), "port 22 open to the world");
	CU_ASSERT_EQUAL(lc_ji(j, "first_seen"), T0);
	CU_ASSERT_EQUAL(
	    lc_ji(j, "finding_id"), count(&x, "SELECT id FROM findings"));
	CU_ASSERT_EQUAL(lc_ji(j, "unit_id"), x.u.unit_id);
	json_decref(j);
	/* The scan row says ok. */
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM scans WHERE status = "
				  "'ok' AND results = 1 AND started = "
				  "1700000000"),
	    1);
	CU_ASSERT_EQUAL(count(&x, "SELECT id FROM scans"), sum.scan_id);
	lc_fx_close(&x);
}

static void
test_lifecycle_still_open_is_not_renotified(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_policy_result r = lc_res("sg-1", FAIL);
	struct cp_lc_summary sum;
	long long id;
	int i;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(lc_run(&x, T0, &p, &r, 1, NULL), CP_OK);
	id = count(&x, "SELECT id FROM findings");
	/* Hourly for two days: one finding, one notification. */
	r.value = "0.0.0.0/0:3389";
	for (i = 1; i <= 48; i++) {
		CU_ASSERT_EQUAL_FATAL(
		    lc_run(&x, T0 + i * HOUR, &p, &r, 1, &sum), CP_OK);
		CU_ASSERT_EQUAL(sum.still_open, 1);
		CU_ASSERT_EQUAL(sum.opened, 0);
		CU_ASSERT_EQUAL(sum.notified, 0);
	}
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings"), 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT id FROM findings"), id);
	CU_ASSERT_EQUAL(count(&x, "SELECT first_seen FROM findings"), T0);
	CU_ASSERT_EQUAL(
	    count(&x, "SELECT last_seen FROM findings"), T0 + 48 * HOUR);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings WHERE "
				  "value = '0.0.0.0/0:3389'"),
	    1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox"), 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications"), 1);
	lc_fx_close(&x);
}

static void
test_lifecycle_resolves_at_last_seen_plus_an_hour(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_policy_result two[2];
	struct cp_lc_summary sum;

	lc_fx_open(&x);
	two[0] = lc_res("sg-1", FAIL);
	two[1] = lc_res("sg-2", FAIL);
	CU_ASSERT_EQUAL_FATAL(lc_run(&x, T0, &p, two, 2, NULL), CP_OK);
	CU_ASSERT_EQUAL_FATAL(lc_run(&x, T0 + HOUR, &p, two, 2, NULL), CP_OK);
	/* sg-1 passes, sg-2 is gone (no row at all). */
	CU_ASSERT_EQUAL_FATAL(
	    lc_run1(&x, T0 + 2 * HOUR, &p, "sg-1", PASS, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.resolved, 2);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings WHERE "
				  "resolved_at IS NULL"),
	    0);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings WHERE "
				  "resolved_at = last_seen + 3600 AND "
				  "last_seen = 1700003600"),
	    2);
	/* A policy with no result at all (no target) resolves too. */
	CU_ASSERT_EQUAL_FATAL(
	    lc_run1(&x, T0 + 3 * HOUR, &p, "sg-3", FAIL, NULL), CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    lc_run(&x, T0 + 5 * HOUR, &p, NULL, 0, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.resolved, 1);
	CU_ASSERT_EQUAL(lc_sql_int_s(x.st,
			    "SELECT resolved_at FROM findings "
			    "WHERE resource = ?1",
			    "sg-3"),
	    T0 + 4 * HOUR);
	lc_fx_close(&x);
}

static void
test_lifecycle_error_result_changes_nothing(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_policy_result rs[3];
	struct cp_lc_summary sum;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(lc_run1(&x, T0, &p, "sg-1", FAIL, NULL), CP_OK);
	/* sg-1 passes, sg-2 fails, but the policy also errs. */
	rs[0] = lc_res("sg-1", PASS);
	rs[1] = lc_res("sg-2", FAIL);
	rs[2] = lc_res("", CP_RESULT_ERROR);
	CU_ASSERT_EQUAL_FATAL(lc_run(&x, T0 + HOUR, &p, rs, 3, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.skipped, 1);
	CU_ASSERT_EQUAL(sum.policies, 0);
	CU_ASSERT_EQUAL(sum.resolved, 0);
	CU_ASSERT_EQUAL(sum.opened, 0);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings"), 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings WHERE "
				  "resolved_at IS NULL AND last_seen = "
				  "1700000000"),
	    1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox"), 1);
	/* The error may come first, too. */
	rs[0] = lc_res("", CP_RESULT_ERROR);
	rs[2] = lc_res("sg-1", PASS);
	CU_ASSERT_EQUAL_FATAL(
	    lc_run(&x, T0 + 2 * HOUR, &p, rs, 3, &sum), CP_OK);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings WHERE "
				  "resolved_at IS NULL"),
	    1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings"), 1);
	/* The scans were still fine: the collection worked. */
	CU_ASSERT_EQUAL(
	    count(&x, "SELECT count(*) FROM scans WHERE status = 'ok'"), 3);
	lc_fx_close(&x);
}

static void
test_lifecycle_policy_not_run_changes_nothing(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001"), q = lc_pol("AWS-E002");
	struct cp_policy_result pass = lc_res("sg-1", PASS);
	struct cp_lc_summary sum;
	cp_lifecycle *lc = NULL;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(lc_run1(&x, T0, &p, "sg-1", FAIL, NULL), CP_OK);
	/* Only another policy runs: p's finding stays open. */
	CU_ASSERT_EQUAL_FATAL(
	    lc_run1(&x, T0 + HOUR, &q, "sg-9", PASS, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.resolved, 0);
	/* p is fed but never finished (q comes first): unchanged. */
	CU_ASSERT_EQUAL_FATAL(
	    cp_lifecycle_begin(x.st, &x.u, T0 + 2 * HOUR, &lc), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &p, &pass), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &q, &pass), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_policy_done(lc, &q), CP_OK);
	/* p again, after q: a caller's bug. */
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &p, &pass), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_lifecycle_policy_done(lc, &p), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_lifecycle_commit(lc, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.skipped, 1);
	CU_ASSERT_EQUAL(sum.policies, 1);
	/* Fed, and the run ends before policy_done: unchanged too. */
	CU_ASSERT_EQUAL_FATAL(
	    cp_lifecycle_begin(x.st, &x.u, T0 + 3 * HOUR, &lc), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &p, &pass), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_commit(lc, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.skipped, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings WHERE "
				  "resolved_at IS NULL"),
	    1);
	lc_fx_close(&x);
}

static void
test_lifecycle_collection_failure_changes_nothing(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	int64_t scan = 0;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(lc_run1(&x, T0, &p, "sg-1", FAIL, NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_collection_failed(x.st, &x.u, T0 + HOUR,
			    "AccessDenied: credentials expired", &scan),
	    CP_OK);
	CU_ASSERT(scan > 0);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM scans WHERE status = "
				  "'error' AND error = 'AccessDenied: "
				  "credentials expired' AND started = "
				  "1700003600"),
	    1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings WHERE "
				  "resolved_at IS NULL AND last_seen = "
				  "1700000000"),
	    1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox"), 1);
	/* An unknown unit is refused. */
	x.u.unit_id += 100;
	CU_ASSERT_EQUAL(
	    cp_lifecycle_collection_failed(x.st, &x.u, T0, "x", NULL),
	    CP_E_NOTFOUND);
	lc_fx_close(&x);
}

static void
test_lifecycle_suppressed_after_quick_return(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_lc_summary sum;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(lc_run1(&x, T0, &p, "sg-1", FAIL, NULL), CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    lc_run1(&x, T0 + HOUR, &p, "sg-1", PASS, NULL), CP_OK);
	/* Back two days later: resolved only 2 days, notified 2 days ago. */
	CU_ASSERT_EQUAL_FATAL(
	    lc_run1(&x, T0 + 2 * DAY, &p, "sg-1", FAIL, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.opened, 1);
	CU_ASSERT_EQUAL(sum.notified, 0);
	CU_ASSERT_EQUAL(sum.suppressed, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings"), 2);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox"), 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications"), 1);
	lc_fx_close(&x);
}

static void
test_lifecycle_renotified_after_a_week_resolved(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_policy_result rs[2];
	struct cp_lc_summary sum;
	time_t resolved = T0 + HOUR; /* last seen T0, + 1 h */

	lc_fx_open(&x);
	rs[0] = lc_res("sg-1", FAIL);
	rs[1] = lc_res("sg-2", FAIL);
	CU_ASSERT_EQUAL_FATAL(lc_run(&x, T0, &p, rs, 2, NULL), CP_OK);
	CU_ASSERT_EQUAL_FATAL(lc_run(&x, T0 + HOUR, &p, NULL, 0, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.resolved, 2);
	/* One second short of 7 days resolved: still suppressed. */
	CU_ASSERT_EQUAL_FATAL(
	    lc_run1(&x, resolved + 7 * DAY - 1, &p, "sg-2", FAIL, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.opened, 1);
	CU_ASSERT_EQUAL(sum.suppressed, 1);
	/* Exactly 7 days resolved: a new risk. */
	rs[0] = lc_res("sg-1", FAIL);
	rs[1] = lc_res("sg-2", FAIL);
	CU_ASSERT_EQUAL_FATAL(
	    lc_run(&x, resolved + 7 * DAY, &p, rs, 2, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.opened, 1);
	CU_ASSERT_EQUAL(sum.still_open, 1);
	CU_ASSERT_EQUAL(sum.notified, 1);
	CU_ASSERT_EQUAL(sum.suppressed, 0);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications"), 3);
	CU_ASSERT_EQUAL(lc_sql_int_s(x.st,
			    "SELECT count(*) FROM notifications "
			    "WHERE resource = ?1",
			    "sg-1"),
	    2);
	lc_fx_close(&x);
}

static void
test_lifecycle_renotified_after_purge(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_lc_summary sum;
	json_t *j;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(lc_run1(&x, T0, &p, "sg-1", FAIL, NULL), CP_OK);
	/* Still present at 37 days: the record is kept, no notice. */
	CU_ASSERT_EQUAL_FATAL(
	    lc_run1(&x, T0 + 37 * DAY, &p, "sg-1", FAIL, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.notified, 0);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications"), 1);
	/* A second later the record is purged: notified as new. */
	CU_ASSERT_EQUAL_FATAL(
	    lc_run1(&x, T0 + 37 * DAY + 1, &p, "sg-1", FAIL, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.still_open, 1);
	CU_ASSERT_EQUAL(sum.notified, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings"), 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications"), 1);
	CU_ASSERT_EQUAL(
	    count(&x, "SELECT time FROM notifications"), T0 + 37 * DAY + 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox "
				  "WHERE kind = 'notify'"),
	    2);
	j = lc_payload(x.st, "notify", 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(lc_ji(j, "first_seen"), T0);
	CU_ASSERT(json_is_true(json_object_get(j, "repeat")));
	json_decref(j);
	/* And then not again the next hour. */
	CU_ASSERT_EQUAL_FATAL(
	    lc_run1(&x, T0 + 37 * DAY + HOUR, &p, "sg-1", FAIL, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.notified, 0);
	lc_fx_close(&x);
}

static void
test_lifecycle_new_resource_or_condition_is_new(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_policy_result rs[3];
	struct cp_lc_summary sum;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(lc_run1(&x, T0, &p, "sg-1", FAIL, NULL), CP_OK);
	rs[0] = lc_res("sg-1", FAIL);
	rs[1] = lc_res("sg-2", FAIL);
	rs[2] = lc_res("sg-1", FAIL);
	rs[2].condition = "3389";
	CU_ASSERT_EQUAL_FATAL(lc_run(&x, T0 + HOUR, &p, rs, 3, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.still_open, 1);
	CU_ASSERT_EQUAL(sum.opened, 2);
	CU_ASSERT_EQUAL(sum.notified, 2);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications"), 3);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications WHERE "
				  "resource = 'sg-1' AND condition = '3389'"),
	    1);
	lc_fx_close(&x);
}

static void
test_lifecycle_notify_off_queues_nothing(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_lc_summary sum;

	lc_fx_open(&x);
	p.notify = 0;
	CU_ASSERT_EQUAL_FATAL(lc_run1(&x, T0, &p, "sg-1", FAIL, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.opened, 1);
	CU_ASSERT_EQUAL(sum.notified, 0);
	CU_ASSERT_EQUAL(sum.suppressed, 0);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings"), 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox"), 0);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications"), 0);
	lc_fx_close(&x);
}

static void
test_lifecycle_excluded_resource_is_recorded_only(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_policy_result rs[2];
	struct cp_lc_summary sum;

	lc_fx_open(&x);
	p.remediate = 1;
	p.action = "revoke-ingress";
	CU_ASSERT_EQUAL_FATAL(
	    cp_exclusion_add(x.st, x.portal, "sg-1", "test lab", T0), CP_OK);
	rs[0] = lc_res("sg-1", FAIL);
	rs[1] = lc_res("sg-2", FAIL);
	CU_ASSERT_EQUAL_FATAL(lc_run(&x, T0, &p, rs, 2, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.opened, 2);
	CU_ASSERT_EQUAL(sum.excluded, 1);
	CU_ASSERT_EQUAL(sum.notified, 1);
	CU_ASSERT_EQUAL(sum.remediations, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings"), 2);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications "
				  "WHERE resource = 'sg-1'"),
	    0);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox WHERE "
				  "payload LIKE '%sg-1%'"),
	    0);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox WHERE "
				  "payload LIKE '%sg-2%'"),
	    2);
	/* Still excluded after 37 days: not renotified either. */
	CU_ASSERT_EQUAL_FATAL(
	    lc_run(&x, T0 + 38 * DAY, &p, rs, 2, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.notified, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications "
				  "WHERE resource = 'sg-1'"),
	    0);
	/* The exclusion is per portal: another portal's does not count. */
	lc_fx_close(&x);
}

static void
test_lifecycle_exclusion_is_per_portal(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_lc_summary sum;
	int64_t other = 0;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(cp_portal_add(x.st, "beta", "en", &other), CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    cp_exclusion_add(x.st, other, "sg-1", NULL, T0), CP_OK);
	CU_ASSERT_EQUAL_FATAL(lc_run1(&x, T0, &p, "sg-1", FAIL, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.excluded, 0);
	CU_ASSERT_EQUAL(sum.notified, 1);
	lc_fx_close(&x);
}

/* Runs one fail of resource with the given switches; remediations queued. */
static long long
remediation_case(struct lc_fx *x, time_t now, const char *resource,
    int remediate, const char *action, int allowed)
{
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_policy_result r = lc_res(resource, FAIL);
	struct cp_lc_unit u = x->u;
	struct cp_lc_summary sum;

	p.remediate = remediate;
	p.action = action;
	u.remediation_allowed = allowed;
	memset(&sum, 0, sizeof(sum));
	if (lc_run_u(x->st, &u, now, &p, &r, 1, &sum) != CP_OK)
		return -1;
	return (long long)sum.remediations;
}

static void
test_lifecycle_remediation_needs_all_three(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_policy_result r = lc_res("sg-1", FAIL);
	struct cp_lc_summary sum;
	json_t *params, *j;
	int remediate, has_action, allowed, n = 0;
	char res[32];

	lc_fx_open(&x);
	params = json_pack("{s:i}", "port", 22);
	p.action_params = params;
	for (remediate = 0; remediate <= 1; remediate++)
		for (has_action = 0; has_action <= 1; has_action++)
			for (allowed = 0; allowed <= 1; allowed++) {
				struct cp_lc_unit u = x.u;

				snprintf(res, sizeof(res), "sg-%d", n++);
				r = lc_res(res, FAIL);
				p.remediate = remediate;
				p.action = has_action ? "revoke-ingress" : NULL;
				u.remediation_allowed = allowed;
				CU_ASSERT_EQUAL_FATAL(
				    lc_run_u(x.st, &u, T0 + n, &p, &r, 1, &sum),
				    CP_OK);
				CU_ASSERT_EQUAL(sum.remediations,
				    (size_t)(remediate && has_action &&
					     allowed));
			}
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox "
				  "WHERE kind = 'remediate'"),
	    1);
	j = lc_payload(x.st, "remediate", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(lc_js(j, "policy"), "AWS-E001");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "action"), "revoke-ingress");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "resource"), "sg-7");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "unit"), "111");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "value"), "0.0.0.0/0:22");
	CU_ASSERT_EQUAL(lc_ji(json_object_get(j, "params"), "port"), 22);
	CU_ASSERT_EQUAL(lc_ji(j, "finding_id"),
	    lc_sql_int_s(
		x.st, "SELECT id FROM findings WHERE resource = ?1", "sg-7"));
	json_decref(j);
	/* Only at opening: a finding that stays open is not queued again. */
	CU_ASSERT_EQUAL(
	    remediation_case(&x, T0 + HOUR, "sg-7", 1, "revoke-ingress", 1), 0);
	json_decref(params);
	lc_fx_close(&x);
}

static void
test_lifecycle_change_is_one_transaction(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_policy_result rs[3];
	struct cp_lc_summary sum;

	lc_fx_open(&x);
	p.remediate = 1;
	p.action = "revoke-ingress";
	CU_ASSERT_EQUAL_FATAL(lc_run1(&x, T0, &p, "sg-0", FAIL, NULL), CP_OK);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox"), 2);
	/* The third outbox row of the next run fails. */
	CU_ASSERT_EQUAL_FATAL(
	    sqlite3_exec(cp_store_db(x.st),
		"CREATE TEMP TRIGGER boom BEFORE INSERT ON main.outbox "
		"WHEN (SELECT count(*) FROM main.outbox) >= 4 "
		"BEGIN SELECT RAISE(ABORT, 'forced failure'); END",
		NULL, NULL, NULL),
	    SQLITE_OK);
	rs[0] = lc_res("sg-1", FAIL);
	rs[1] = lc_res("sg-2", FAIL);
	rs[2] = lc_res("sg-3", FAIL);
	memset(&sum, 0, sizeof(sum));
	CU_ASSERT_NOT_EQUAL(lc_run(&x, T0 + HOUR, &p, rs, 3, &sum), CP_OK);
	CU_ASSERT(st_msg_has(x.st, "forced failure"));
	CU_ASSERT_EQUAL(sum.opened, 0);
	/* Neither findings nor queued rows of that run; sg-0 unresolved. */
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings"), 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings WHERE "
				  "resolved_at IS NULL"),
	    1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox"), 2);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications"), 1);
	/* The failed run is in the scans, with why. */
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM scans WHERE status = "
				  "'error' AND error LIKE '%forced failure%'"),
	    1);
	/* Without the trigger the same run goes through. */
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(cp_store_db(x.st),
				  "DROP TRIGGER temp.boom", NULL, NULL, NULL),
	    SQLITE_OK);
	CU_ASSERT_EQUAL(lc_run(&x, T0 + HOUR, &p, rs, 3, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.opened, 3);
	CU_ASSERT_EQUAL(sum.resolved, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox"), 8);
	lc_fx_close(&x);
}

static void
test_lifecycle_bad_result_leaves_its_policy_alone(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001"), q = lc_pol("AWS-E002");
	struct cp_lc_policy r3 = lc_pol("AWS-E003"), r4 = lc_pol("AWS-E004");
	struct cp_lc_policy r5 = lc_pol("AWS-E005");
	struct cp_policy_result ok = lc_res("sg-1", FAIL), bad;
	struct cp_lc_summary sum;
	cp_lifecycle *lc = NULL;
	char big[CP_LC_TEXT_MAX + 100];

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(cp_lifecycle_begin(x.st, &x.u, T0, &lc), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &p, &ok), CP_OK);
	bad = lc_res(NULL, FAIL);
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &p, &bad), CP_E_INVALID);
	CU_ASSERT(st_msg_has(x.st, "no resource id"));
	CU_ASSERT_EQUAL(cp_lifecycle_policy_done(lc, &p), CP_OK);
	/* Invalid UTF-8 in a resource id. */
	bad = lc_res("sg-\xc3\x28", FAIL);
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &q, &bad), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_lifecycle_policy_done(lc, &q), CP_OK);
	/* Resource ids and conditions are keys: too long is refused. */
	memset(big, 'a', CP_LC_RESOURCE_MAX + 1);
	big[CP_LC_RESOURCE_MAX + 1] = '\0';
	bad = lc_res(big, FAIL);
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &r3, &bad), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_lifecycle_policy_done(lc, &r3), CP_OK);
	big[CP_LC_CONDITION_MAX + 1] = '\0';
	bad = lc_res("sg-3", FAIL);
	bad.condition = big;
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &r4, &bad), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_lifecycle_policy_done(lc, &r4), CP_OK);
	/* At the bounds they are fine. */
	big[CP_LC_CONDITION_MAX] = '\0';
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &r5, &bad), CP_OK);
	memset(big, 'a', CP_LC_RESOURCE_MAX);
	big[CP_LC_RESOURCE_MAX] = '\0';
	bad = lc_res(big, FAIL);
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &r5, &bad), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_policy_done(lc, &r5), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_commit(lc, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.skipped, 4);
	CU_ASSERT_EQUAL(sum.opened, 2);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings"), 2);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(cp_store_db(x.st),
				  "DELETE FROM notifications; DELETE FROM "
				  "outbox; DELETE FROM findings",
				  NULL, NULL, NULL),
	    SQLITE_OK);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings"), 0);
	/* A long detail is cut, not refused. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok.detail = big;
	CU_ASSERT_EQUAL(lc_run(&x, T0 + HOUR, &p, &ok, 1, &sum), CP_OK);
	CU_ASSERT_EQUAL(
	    count(&x, "SELECT length(detail) FROM findings"), CP_LC_TEXT_MAX);
	/* An unknown status. */
	bad = lc_res("sg-2", 7);
	CU_ASSERT_EQUAL_FATAL(
	    cp_lifecycle_begin(x.st, &x.u, T0 + 2 * HOUR, &lc), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &p, &bad), CP_E_INVALID);
	cp_lifecycle_abort(lc);
	/* A bad policy id. */
	p.id = "";
	CU_ASSERT_EQUAL_FATAL(
	    cp_lifecycle_begin(x.st, &x.u, T0 + 2 * HOUR, &lc), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &p, &ok), CP_E_INVALID);
	cp_lifecycle_abort(lc);
	lc_fx_close(&x);
}

static void
test_lifecycle_checks_the_unit(void)
{
	struct lc_fx x;
	struct cp_lc_unit u;
	cp_lifecycle *lc = NULL, *lc2 = NULL;

	lc_fx_open(&x);
	u = x.u;
	u.portal_id += 1;
	CU_ASSERT_EQUAL(cp_lifecycle_begin(x.st, &u, T0, &lc), CP_E_INVALID);
	CU_ASSERT_PTR_NULL(lc);
	u = x.u;
	u.unit_id += 1;
	CU_ASSERT_EQUAL(cp_lifecycle_begin(x.st, &u, T0, &lc), CP_E_NOTFOUND);
	/* One run per store handle at a time. */
	CU_ASSERT_EQUAL_FATAL(cp_lifecycle_begin(x.st, &x.u, T0, &lc), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_begin(x.st, &x.u, T0, &lc2), CP_E_BUSY);
	CU_ASSERT_PTR_NULL(lc2);
	cp_lifecycle_abort(lc);
	CU_ASSERT_EQUAL(cp_lifecycle_begin(x.st, &x.u, T0, &lc2), CP_OK);
	cp_lifecycle_abort(lc2);
	cp_lifecycle_abort(NULL);
	/* Nothing was written by any of them. */
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM scans"), 0);
	lc_fx_close(&x);
}

static void
test_lifecycle_staging_takes_no_store_lock(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_policy_result r = lc_res("sg-1", FAIL);
	cp_lifecycle *lc = NULL;
	cp_store *other = NULL;
	time_t t0, t1;
	int64_t id = 0;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(cp_store_open(x.f.dir, 0, &other), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_lifecycle_begin(x.st, &x.u, T0, &lc), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_add(lc, &p, &r), CP_OK);
	/* Another connection writes at once, not after the busy timeout. */
	t0 = time(NULL);
	CU_ASSERT_EQUAL(cp_portal_add(other, "beta", "en", &id), CP_OK);
	t1 = time(NULL);
	CU_ASSERT(t1 - t0 < 2);
	CU_ASSERT_EQUAL(cp_lifecycle_policy_done(lc, &p), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_commit(lc, NULL), CP_OK);
	CU_ASSERT_EQUAL(st_sql_int(other, "SELECT count(*) FROM findings"), 1);
	cp_store_close(other);
	lc_fx_close(&x);
}

static void
test_lifecycle_many_results(void)
{
	enum { N = 20000 };
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_lc_summary sum;
	struct cp_policy_result r;
	cp_lifecycle *lc = NULL;
	char id[32];
	int run, i;

	lc_fx_open(&x);
	for (run = 0; run < 2; run++) {
		CU_ASSERT_EQUAL_FATAL(
		    cp_lifecycle_begin(x.st, &x.u, T0 + run * HOUR, &lc),
		    CP_OK);
		for (i = 0; i < N; i++) {
			snprintf(id, sizeof(id), "i-%06d", i);
			/* Run 2: the odd ones pass. */
			r = lc_res(id, run == 1 && (i & 1) ? PASS : FAIL);
			CU_ASSERT_EQUAL_FATAL(
			    cp_lifecycle_add(lc, &p, &r), CP_OK);
		}
		CU_ASSERT_EQUAL(cp_lifecycle_policy_done(lc, &p), CP_OK);
		cp_lifecycle_set_resources(lc, N);
		CU_ASSERT_EQUAL_FATAL(cp_lifecycle_commit(lc, &sum), CP_OK);
		CU_ASSERT_EQUAL(sum.results, N);
	}
	CU_ASSERT_EQUAL(sum.still_open, N / 2);
	CU_ASSERT_EQUAL(sum.resolved, N / 2);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings"), N);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox"), N);
	CU_ASSERT_EQUAL(count(&x, "SELECT max(resources) FROM scans"), N);
	lc_fx_close(&x);
}

/* The start of the newest "ok" scan; failed scans do not count. */
static void
test_lifecycle_last_collected(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_lc_summary sum;
	time_t t = 1;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL(cp_lifecycle_last_collected(x.st, x.u.unit_id, &t),
	    CP_OK);
	CU_ASSERT_EQUAL(t, 0);
	CU_ASSERT_EQUAL_FATAL(lc_run1(&x, T0, &p, "sg-1", FAIL, &sum), CP_OK);
	CU_ASSERT_EQUAL_FATAL(lc_run1(&x, T0 + HOUR, &p, "sg-1", FAIL, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_collection_failed(x.st, &x.u,
	    T0 + 2 * HOUR, "down", NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_last_collected(x.st, x.u.unit_id, &t),
	    CP_OK);
	CU_ASSERT_EQUAL(t, T0 + HOUR);
	/* A partial run is still a collection: it counts. */
	{
		cp_lifecycle *lc = NULL;

		CU_ASSERT_EQUAL_FATAL(cp_lifecycle_begin(x.st, &x.u,
		    T0 + 3 * HOUR, &lc), CP_OK);
		cp_lifecycle_set_note(lc, "partial: \xff");	/* not UTF-8 */
		cp_lifecycle_set_note(lc, "partial: 1 of 1 policies undecided");
		CU_ASSERT_EQUAL(cp_lifecycle_commit(lc, &sum), CP_OK);
	}
	CU_ASSERT_EQUAL(cp_lifecycle_last_collected(x.st, x.u.unit_id, &t),
	    CP_OK);
	CU_ASSERT_EQUAL(t, T0 + 3 * HOUR);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM scans WHERE status = "
	    "'ok' AND error = 'partial: 1 of 1 policies undecided'"), 1);
	/* Another unit has none. */
	CU_ASSERT_EQUAL(cp_lifecycle_last_collected(x.st, x.u.unit_id + 100,
	    &t), CP_OK);
	CU_ASSERT_EQUAL(t, 0);
	lc_fx_close(&x);
}

static void
test_lifecycle_purge(void)
{
	struct lc_fx x;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	size_t removed = 99;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(lc_run1(&x, T0, &p, "sg-1", FAIL, NULL), CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    lc_run1(&x, T0 + 10 * DAY, &p, "sg-2", FAIL, NULL), CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    sqlite3_exec(cp_store_db(x.st),
		"UPDATE outbox SET state = 'done', updated = created;"
		"INSERT INTO remediations (unit_id, policy, resource, action, "
		"status, time) SELECT id, 'AWS-E001', 'sg-1', 'a', 'done', "
		"1700000000 FROM units",
		NULL, NULL, NULL),
	    SQLITE_OK);
	CU_ASSERT_EQUAL(
	    cp_lifecycle_purge(x.st, T0 + 37 * DAY, &removed), CP_OK);
	CU_ASSERT_EQUAL(removed, 0);
	CU_ASSERT_EQUAL(
	    cp_lifecycle_purge(x.st, T0 + 37 * DAY + 1, &removed), CP_OK);
	CU_ASSERT_EQUAL(removed, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications"), 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM remediations"), 0);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox"), 1);
	/* Findings are not purged. */
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM findings"), 2);
	/* Pending work is never purged, however old. */
	CU_ASSERT_EQUAL_FATAL(
	    sqlite3_exec(cp_store_db(x.st),
		"UPDATE outbox SET state = 'pending'", NULL, NULL, NULL),
	    SQLITE_OK);
	CU_ASSERT_EQUAL(
	    cp_lifecycle_purge(x.st, T0 + 400 * DAY, &removed), CP_OK);
	CU_ASSERT_EQUAL(removed, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox"), 1);
	lc_fx_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"opens a finding", test_lifecycle_opens_a_finding},
	    {"still open is not renotified",
		test_lifecycle_still_open_is_not_renotified},
	    {"resolves at last seen + 1 h",
		test_lifecycle_resolves_at_last_seen_plus_an_hour},
	    {"error result changes nothing",
		test_lifecycle_error_result_changes_nothing},
	    {"policy not run changes nothing",
		test_lifecycle_policy_not_run_changes_nothing},
	    {"collection failure changes nothing",
		test_lifecycle_collection_failure_changes_nothing},
	    {"suppressed after a quick return",
		test_lifecycle_suppressed_after_quick_return},
	    {"renotified after a week resolved",
		test_lifecycle_renotified_after_a_week_resolved},
	    {"renotified after the purge",
		test_lifecycle_renotified_after_purge},
	    {"new resource or condition is new",
		test_lifecycle_new_resource_or_condition_is_new},
	    {"notify off queues nothing",
		test_lifecycle_notify_off_queues_nothing},
	    {"excluded resource is recorded only",
		test_lifecycle_excluded_resource_is_recorded_only},
	    {"exclusion is per portal", test_lifecycle_exclusion_is_per_portal},
	    {"remediation needs all three",
		test_lifecycle_remediation_needs_all_three},
	    {"change is one transaction",
		test_lifecycle_change_is_one_transaction},
	    {"bad result leaves its policy alone",
		test_lifecycle_bad_result_leaves_its_policy_alone},
	    {"checks the unit", test_lifecycle_checks_the_unit},
	    {"staging takes no store lock",
		test_lifecycle_staging_takes_no_store_lock},
	    {"many results", test_lifecycle_many_results},
	    {"last collected", test_lifecycle_last_collected},
	    {"purge", test_lifecycle_purge},
	    {NULL, NULL},
	};

	return cp_test_run("lifecycle", tests);
}
