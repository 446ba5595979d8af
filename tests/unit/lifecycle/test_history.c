/*
 * test_history.c - the notification and remediation history (30 days,
 * newest first, per portal or unit) and the findings listing.
 */
#include "lctest.h"
#include "lifecycle/history.h"

struct events {
	int n;
	char what[8][96]; /* "kind status resource time" */
};

static cp_err
collect_event(void *ud, const struct cp_lc_event *e)
{
	struct events *ev = ud;

	if (ev->n < 8)
		snprintf(ev->what[ev->n], sizeof(ev->what[0]),
		    "%s %s %s %s %lld", e->kind, e->status, e->unit,
		    e->resource, (long long)(e->time - T0) / DAY);
	ev->n++;
	return CP_OK;
}

struct found {
	int n;
	char what[8][96]; /* "unit resource resolved-offset" */
};

static cp_err
collect_finding(void *ud, const struct cp_lc_finding *f)
{
	struct found *fs = ud;

	if (fs->n < 8)
		snprintf(fs->what[fs->n], sizeof(fs->what[0]), "%s %s %s %lld",
		    f->unit, f->policy, f->resource,
		    f->resolved_at == 0 ? -1LL
					: (long long)(f->resolved_at - T0));
	fs->n++;
	return CP_OK;
}

/* The scene: see each test; unit2 is "222" of portal acme. */
static void
scene(struct lc_fx *x, struct cp_lc_unit *unit2)
{
	struct cp_lc_policy p = lc_pol("AWS-E001"), q = lc_pol("AWS-E002");
	struct cp_policy_result rs[2];
	struct cp_lc_unit ub;
	int64_t portal_b = 0, env_b = 0;

	/* acme/111: sg-0 at day 0 (resolved), sg-5 at 5, sg-10 at 10. */
	CU_ASSERT_EQUAL_FATAL(
	    lc_run1(x, T0, &p, "sg-0", CP_RESULT_FAIL, NULL), CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    lc_run1(x, T0 + 5 * DAY, &p, "sg-5", CP_RESULT_FAIL, NULL), CP_OK);
	rs[0] = lc_res("sg-5", CP_RESULT_FAIL);
	rs[1] = lc_res("sg-10", CP_RESULT_FAIL);
	CU_ASSERT_EQUAL_FATAL(lc_run(x, T0 + 10 * DAY, &p, rs, 2, NULL), CP_OK);
	/* acme/222: vm-1 at day 12. */
	CU_ASSERT_EQUAL_FATAL(
	    cp_unit_put(x->st, x->env, "222", "second", 0, 1), CP_OK);
	*unit2 = x->u;
	unit2->unit_id = lc_unit_id(x->st, x->env, "222");
	rs[0] = lc_res("vm-1", CP_RESULT_FAIL);
	CU_ASSERT_EQUAL_FATAL(
	    lc_run_u(x->st, unit2, T0 + 12 * DAY, &q, rs, 1, NULL), CP_OK);
	/* Remediations of acme/111 at days 1 and 20. */
	CU_ASSERT_EQUAL_FATAL(
	    sqlite3_exec(cp_store_db(x->st),
		"INSERT INTO remediations (unit_id, policy, resource, "
		"action, status, before, after, time) SELECT id, "
		"'AWS-E001', 'sg-5', 'revoke-ingress', 'done', 'open', "
		"'closed', 1700000000 + 20 * 86400 FROM units "
		"WHERE unit = '111';"
		"INSERT INTO remediations (unit_id, policy, resource, "
		"action, status, time) SELECT id, 'AWS-E001', 'sg-0', "
		"'revoke-ingress', 'failed', 1700000000 + 86400 FROM units "
		"WHERE unit = '111'",
		NULL, NULL, NULL),
	    SQLITE_OK);
	/* Portal beta: b-1 at day 10, never shown in acme's. */
	CU_ASSERT_EQUAL_FATAL(
	    cp_portal_add(x->st, "beta", "en", &portal_b), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_env_add(x->st, portal_b, "prod", "aws", "333",
				  0, NULL, NULL, &env_b),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    cp_unit_put(x->st, env_b, "333", "", 0, 1), CP_OK);
	memset(&ub, 0, sizeof(ub));
	ub.portal_id = portal_b;
	ub.unit_id = lc_unit_id(x->st, env_b, "333");
	rs[0] = lc_res("b-1", CP_RESULT_FAIL);
	CU_ASSERT_EQUAL_FATAL(
	    lc_run_u(x->st, &ub, T0 + 10 * DAY, &p, rs, 1, NULL), CP_OK);
}

static void
test_history_thirty_days_newest_first(void)
{
	struct lc_fx x;
	struct cp_lc_unit u2;
	struct events ev;

	lc_fx_open(&x);
	scene(&x, &u2);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(cp_lc_history(x.st, x.portal, 0, T0 + 35 * DAY, 0, 0,
			    collect_event, &ev),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(ev.n, 4);
	CU_ASSERT_STRING_EQUAL(ev.what[0], "remediation done 111 sg-5 20");
	CU_ASSERT_STRING_EQUAL(ev.what[1], "risk notified 222 vm-1 12");
	CU_ASSERT_STRING_EQUAL(ev.what[2], "risk notified 111 sg-10 10");
	CU_ASSERT_STRING_EQUAL(ev.what[3], "risk notified 111 sg-5 5");
	/* A wider window shows more. */
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(cp_lc_history(x.st, x.portal, 0, T0 + 35 * DAY, 40, 0,
			    collect_event, &ev),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(ev.n, 6);
	CU_ASSERT_STRING_EQUAL(ev.what[4], "remediation failed 111 sg-0 1");
	CU_ASSERT_STRING_EQUAL(ev.what[5], "risk notified 111 sg-0 0");
	lc_fx_close(&x);
}

static void
test_history_per_unit_and_limit(void)
{
	struct lc_fx x;
	struct cp_lc_unit u2;
	struct events ev;

	lc_fx_open(&x);
	scene(&x, &u2);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(cp_lc_history(x.st, x.portal, u2.unit_id, T0 + 35 * DAY,
			    0, 0, collect_event, &ev),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(ev.n, 1);
	CU_ASSERT_STRING_EQUAL(ev.what[0], "risk notified 222 vm-1 12");
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(cp_lc_history(x.st, x.portal, 0, T0 + 35 * DAY, 0, 2,
			    collect_event, &ev),
	    CP_OK);
	CU_ASSERT_EQUAL(ev.n, 2);
	/* Another portal's unit shows nothing in acme. */
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(cp_lc_history(x.st, x.portal + 1, 0, T0 + 35 * DAY, 0,
			    0, collect_event, &ev),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(ev.n, 1);
	CU_ASSERT_STRING_EQUAL(ev.what[0], "risk notified 333 b-1 10");
	lc_fx_close(&x);
}

static void
test_history_findings_open_or_all(void)
{
	struct lc_fx x;
	struct cp_lc_unit u2;
	struct found fs;

	lc_fx_open(&x);
	scene(&x, &u2);
	memset(&fs, 0, sizeof(fs));
	CU_ASSERT_EQUAL(cp_lc_findings(x.st, x.portal, 0, CP_LC_FINDINGS_OPEN,
			    0, collect_finding, &fs),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(fs.n, 3);
	CU_ASSERT_STRING_EQUAL(fs.what[0], "111 AWS-E001 sg-10 -1");
	CU_ASSERT_STRING_EQUAL(fs.what[1], "111 AWS-E001 sg-5 -1");
	CU_ASSERT_STRING_EQUAL(fs.what[2], "222 AWS-E002 vm-1 -1");
	memset(&fs, 0, sizeof(fs));
	CU_ASSERT_EQUAL(cp_lc_findings(x.st, x.portal, x.u.unit_id,
			    CP_LC_FINDINGS_ALL, 0, collect_finding, &fs),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(fs.n, 3);
	CU_ASSERT_STRING_EQUAL(fs.what[0], "111 AWS-E001 sg-0 3600");
	memset(&fs, 0, sizeof(fs));
	CU_ASSERT_EQUAL(cp_lc_findings(x.st, x.portal, 0, CP_LC_FINDINGS_ALL, 1,
			    collect_finding, &fs),
	    CP_OK);
	CU_ASSERT_EQUAL(fs.n, 1);
	lc_fx_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"thirty days, newest first",
		test_history_thirty_days_newest_first},
	    {"per unit and limit", test_history_per_unit_and_limit},
	    {"findings open or all", test_history_findings_open_or_all},
	    {NULL, NULL},
	};

	return cp_test_run("history", tests);
}
