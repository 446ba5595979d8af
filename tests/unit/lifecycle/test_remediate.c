/*
 * test_remediate.c - running queued remediations through a fake cloud:
 * done, failed, retried, dry run, the ceiling, leases, skips, and the
 * completion notices.
 */
#include "lctest.h"
#include "lifecycle/exclusion.h"
#include "lifecycle/remediate.h"

/* The fake cloud: records calls, answers per resource. */
struct fake {
	int calls;
	int dry_calls;
	char last_action[64];
	char last_resource[64];
	char last_unit[64];
	long long last_port;
	cp_err answer;     /* what every call returns */
	const char *error; /* "error" member on failure; NULL: none */
	/* Called in the middle of the first call, when set. */
	void (*during)(struct fake *f);
	cp_store *other;
	struct cp_lc_unit u;
	struct cp_remediate_summary inner;
	cp_err inner_r;
};

static cp_err
fake_remediate(void *ud, const char *unit, const char *action,
    const char *resource, const json_t *params, int dry_run, json_t **result)
{
	struct fake *f = ud;
	void (*during)(struct fake *) = f->during;

	f->calls++;
	if (dry_run)
		f->dry_calls++;
	cp_strlcpy(f->last_action, action, sizeof(f->last_action));
	cp_strlcpy(f->last_resource, resource, sizeof(f->last_resource));
	cp_strlcpy(f->last_unit, unit, sizeof(f->last_unit));
	f->last_port =
	    (long long)json_integer_value(json_object_get(params, "port"));
	f->during = NULL;
	if (during != NULL)
		during(f);
	if (f->answer != CP_OK) {
		*result = f->error != NULL
			      ? json_pack("{s:s}", "error", f->error)
			      : NULL;
		return f->answer;
	}
	*result = json_pack("{s:{s:s}, s:s}", "before", "ingress",
	    "0.0.0.0/0:22", "after",
	    dry_run ? "would remove 0.0.0.0/0:22" : "no public ingress");
	return CP_OK;
}

/*
 * Opens n findings <prefix>-0.. with remediation queued; the findings of
 * earlier calls are resolved (they are not in these results).
 */
static void
queue_n(struct lc_fx *x, const char *prefix, int n, time_t now)
{
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_policy_result *rs;
	struct cp_lc_summary sum;
	json_t *params = json_pack("{s:i}", "port", 22);
	char(*ids)[16];
	int i;

	rs = calloc((size_t)n, sizeof(*rs));
	ids = calloc((size_t)n, sizeof(*ids));
	CU_ASSERT_FATAL(rs != NULL && ids != NULL && params != NULL);
	for (i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "%s-%d", prefix, i);
		rs[i] = lc_res(ids[i], CP_RESULT_FAIL);
	}
	p.remediate = 1;
	p.action = "revoke-ingress";
	p.action_params = params;
	CU_ASSERT_EQUAL_FATAL(lc_run(x, now, &p, rs, (size_t)n, &sum), CP_OK);
	CU_ASSERT_EQUAL_FATAL(sum.remediations, (size_t)n);
	json_decref(params);
	free(rs);
	free(ids);
}

static long long
count(struct lc_fx *x, const char *sql)
{
	return st_sql_int(x->st, sql);
}

/* The notify payloads of type "remediation" with status. */
static long long
notices(struct lc_fx *x, const char *status)
{
	return lc_sql_int_s(x->st,
	    "SELECT count(*) FROM outbox WHERE kind = 'notify' AND "
	    "json_extract(payload, '$.type') = 'remediation' AND "
	    "json_extract(payload, '$.status') = ?1",
	    status);
}

static void
test_remediate_done_and_notified(void)
{
	struct lc_fx x;
	struct fake f;
	struct cp_remediate_summary sum;
	json_t *j;

	lc_fx_open(&x);
	memset(&f, 0, sizeof(f));
	queue_n(&x, "sg", 2, T0);
	CU_ASSERT_EQUAL_FATAL(cp_remediate_run(x.st, &x.u, T0 + 60, NULL,
				  fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(f.calls, 2);
	CU_ASSERT_EQUAL(f.dry_calls, 0);
	CU_ASSERT_EQUAL(sum.done, 2);
	CU_ASSERT_STRING_EQUAL(f.last_action, "revoke-ingress");
	CU_ASSERT_STRING_EQUAL(f.last_unit, "111");
	CU_ASSERT_EQUAL(f.last_port, 22);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM remediations WHERE "
				  "status = 'done' AND after = 'no public "
				  "ingress' AND before = "
				  "'{\"ingress\":\"0.0.0.0/0:22\"}' AND "
				  "time = 1700000060 AND finding_id IS NOT "
				  "NULL"),
	    2);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox WHERE kind = "
				  "'remediate' AND state = 'done' AND "
				  "attempts = 1"),
	    2);
	CU_ASSERT_EQUAL(notices(&x, "done"), 2);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications WHERE "
				  "kind = 'remediation'"),
	    2);
	j = lc_payload(x.st, "notify", 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(lc_js(j, "type"), "remediation");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "policy"), "AWS-E001");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "action"), "revoke-ingress");
	CU_ASSERT_STRING_EQUAL(lc_js(j, "after"), "no public ingress");
	CU_ASSERT(lc_ji(j, "finding_id") > 0);
	json_decref(j);
	/* Nothing is done twice. */
	CU_ASSERT_EQUAL(cp_remediate_run(x.st, &x.u, T0 + 3 * DAY, NULL,
			    fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(f.calls, 2);
	CU_ASSERT_EQUAL(sum.done, 0);
	lc_fx_close(&x);
}

static void
test_remediate_failed_is_recorded_and_notified(void)
{
	struct lc_fx x;
	struct fake f;
	struct cp_remediate_summary sum;
	char long_ja[600 * 3 + 1];
	int i;

	lc_fx_open(&x);
	memset(&f, 0, sizeof(f));
	f.answer = CP_E_AUTH;
	f.error = "AccessDenied: ec2:RevokeSecurityGroupIngress";
	queue_n(&x, "sg", 1, T0);
	CU_ASSERT_EQUAL_FATAL(
	    cp_remediate_run(x.st, &x.u, T0, NULL, fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(sum.failed, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM remediations WHERE "
				  "status = 'failed' AND error = "
				  "'AccessDenied: "
				  "ec2:RevokeSecurityGroupIngress'"),
	    1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox WHERE kind = "
				  "'remediate' AND state = 'failed'"),
	    1);
	CU_ASSERT_EQUAL(notices(&x, "failed"), 1);
	/* Without an error text, the code's name is the error. */
	f.error = NULL;
	f.answer = CP_E_FAILED;
	queue_n(&x, "vm", 2, T0 + DAY);
	CU_ASSERT_EQUAL(cp_remediate_run(x.st, &x.u, T0 + DAY, NULL,
			    fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(sum.failed, 2);
	CU_ASSERT_EQUAL(lc_sql_int_s(x.st,
			    "SELECT count(*) FROM remediations "
			    "WHERE error = ?1",
			    cp_strerror(CP_E_FAILED)),
	    2);
	/* A long Japanese error is cut between characters. */
	memset(long_ja, 0, sizeof(long_ja));
	for (i = 0; i < 600; i++)
		memcpy(long_ja + i * 3, "\xe3\x81\x82", 3);
	f.error = long_ja;
	queue_n(&x, "db", 1, T0 + 2 * DAY);
	CU_ASSERT_EQUAL(cp_remediate_run(x.st, &x.u, T0 + 2 * DAY, NULL,
			    fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(sum.failed, 1);
	CU_ASSERT_EQUAL(lc_sql_int_s(x.st,
			    "SELECT length(error) FROM remediations "
			    "WHERE resource = ?1",
			    "db-0"),
	    341);
	CU_ASSERT_EQUAL(notices(&x, "failed"), 4);
	lc_fx_close(&x);
}

static void
test_remediate_retries_then_fails(void)
{
	struct lc_fx x;
	struct fake f;
	struct cp_remediate_summary sum;
	struct cp_remediate_opts o;

	lc_fx_open(&x);
	memset(&f, 0, sizeof(f));
	memset(&o, 0, sizeof(o));
	o.retry_delay = 100;
	o.max_attempts = 2;
	f.answer = CP_E_RETRY_LATER;
	queue_n(&x, "sg", 1, T0);
	CU_ASSERT_EQUAL_FATAL(
	    cp_remediate_run(x.st, &x.u, T0, &o, fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(sum.retry, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox WHERE kind = "
				  "'remediate' AND state = 'pending' AND "
				  "next_attempt = 1700000100 AND attempts = 1"),
	    1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM remediations"), 0);
	CU_ASSERT_EQUAL(notices(&x, "failed"), 0);
	/* Not yet due. */
	CU_ASSERT_EQUAL(
	    cp_remediate_run(x.st, &x.u, T0 + 99, &o, fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(f.calls, 1);
	/* Due: the second and last attempt fails for good. */
	CU_ASSERT_EQUAL(cp_remediate_run(
			    x.st, &x.u, T0 + 100, &o, fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(f.calls, 2);
	CU_ASSERT_EQUAL(sum.failed, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox WHERE kind = "
				  "'remediate' AND state = 'failed' AND "
				  "attempts = 2"),
	    1);
	CU_ASSERT_EQUAL(notices(&x, "failed"), 1);
	lc_fx_close(&x);
}

static void
test_remediate_dry_run_changes_nothing(void)
{
	struct lc_fx x;
	struct fake f;
	struct cp_remediate_summary sum;
	struct cp_remediate_opts o;

	lc_fx_open(&x);
	memset(&f, 0, sizeof(f));
	memset(&o, 0, sizeof(o));
	o.dry_run = 1;
	queue_n(&x, "sg", 3, T0);
	CU_ASSERT_EQUAL_FATAL(
	    cp_remediate_run(x.st, &x.u, T0, &o, fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(f.calls, 3);
	CU_ASSERT_EQUAL(f.dry_calls, 3);
	CU_ASSERT_EQUAL(sum.dry_run, 3);
	CU_ASSERT_EQUAL(sum.done, 0);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM remediations WHERE "
				  "status = 'dry-run' AND after = 'would "
				  "remove 0.0.0.0/0:22'"),
	    3);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox WHERE kind = "
				  "'remediate' AND state = 'pending' AND "
				  "attempts = 0"),
	    3);
	CU_ASSERT_EQUAL(notices(&x, "dry-run"), 0);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications WHERE "
				  "kind = 'remediation'"),
	    0);
	/* A real run afterwards does them. */
	CU_ASSERT_EQUAL(cp_remediate_run(
			    x.st, &x.u, T0 + 1, NULL, fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(sum.done, 3);
	CU_ASSERT_EQUAL(f.dry_calls, 3);
	lc_fx_close(&x);
}

static void
test_remediate_ceiling_holds_the_rest(void)
{
	struct lc_fx x;
	struct fake f;
	struct cp_remediate_summary sum;
	struct cp_remediate_opts o;
	json_t *j;

	lc_fx_open(&x);
	memset(&f, 0, sizeof(f));
	queue_n(&x, "sg", 13, T0);
	CU_ASSERT_EQUAL_FATAL(
	    cp_remediate_run(x.st, &x.u, T0, NULL, fake_remediate, &f, &sum),
	    CP_OK);
	/* The default ceiling is 10. */
	CU_ASSERT_EQUAL(f.calls, 10);
	CU_ASSERT_EQUAL(sum.done, 10);
	CU_ASSERT_EQUAL(sum.held, 3);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM remediations WHERE "
				  "status = 'held'"),
	    3);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox WHERE kind = "
				  "'remediate' AND state = 'failed' AND "
				  "last_error LIKE 'held%'"),
	    3);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM notifications WHERE "
				  "kind = 'remediation'"),
	    13);
	/* One notice explains the ceiling. */
	CU_ASSERT_EQUAL(notices(&x, "held"), 1);
	j = lc_payload(x.st, "notify", 13);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(lc_js(j, "status"), "held");
	CU_ASSERT_EQUAL(lc_ji(j, "held"), 3);
	CU_ASSERT_EQUAL(lc_ji(j, "ceiling"), 10);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "resources")), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(lc_js(j, "message"), "ceiling"));
	json_decref(j);
	/* Held rows are not picked up again. */
	CU_ASSERT_EQUAL(cp_remediate_run(x.st, &x.u, T0 + DAY, NULL,
			    fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(f.calls, 10);
	/* The ceiling is a parameter; in a dry run it only counts. */
	queue_n(&x, "vm", 5, T0 + 2 * DAY);
	memset(&o, 0, sizeof(o));
	o.ceiling = 2;
	o.dry_run = 1;
	CU_ASSERT_EQUAL(cp_remediate_run(x.st, &x.u, T0 + 2 * DAY, &o,
			    fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(sum.dry_run, 2);
	CU_ASSERT_EQUAL(sum.held, 3);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM remediations WHERE "
				  "status = 'held'"),
	    3);
	o.dry_run = 0;
	CU_ASSERT_EQUAL(cp_remediate_run(x.st, &x.u, T0 + 2 * DAY, &o,
			    fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(sum.done, 2);
	CU_ASSERT_EQUAL(sum.held, 3);
	CU_ASSERT_EQUAL(notices(&x, "held"), 2);
	lc_fx_close(&x);
}

static void
test_remediate_reclaims_after_lease(void)
{
	struct lc_fx x;
	struct fake f;
	struct cp_remediate_summary sum;

	lc_fx_open(&x);
	memset(&f, 0, sizeof(f));
	queue_n(&x, "sg", 1, T0);
	/* A process claimed it at T0 and died. */
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(cp_store_db(x.st),
				  "UPDATE outbox SET state = 'claimed', "
				  "attempts = 1, updated = 1700000000 "
				  "WHERE kind = 'remediate'",
				  NULL, NULL, NULL),
	    SQLITE_OK);
	CU_ASSERT_EQUAL(cp_remediate_run(x.st, &x.u, T0 + 899, NULL,
			    fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(f.calls, 0);
	CU_ASSERT_EQUAL(cp_remediate_run(x.st, &x.u, T0 + 900, NULL,
			    fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(f.calls, 1);
	CU_ASSERT_EQUAL(sum.done, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT attempts FROM outbox WHERE kind = "
				  "'remediate' AND state = 'done'"),
	    2);
	lc_fx_close(&x);
}

static void
test_remediate_abandons_after_max_attempts(void)
{
	struct lc_fx x;
	struct fake f;
	struct cp_remediate_summary sum;

	lc_fx_open(&x);
	memset(&f, 0, sizeof(f));
	queue_n(&x, "sg", 1, T0);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(cp_store_db(x.st),
				  "UPDATE outbox SET state = 'claimed', "
				  "attempts = 3, updated = 1700000000 "
				  "WHERE kind = 'remediate'",
				  NULL, NULL, NULL),
	    SQLITE_OK);
	CU_ASSERT_EQUAL(cp_remediate_run(x.st, &x.u, T0 + DAY, NULL,
			    fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(f.calls, 0);
	CU_ASSERT_EQUAL(sum.failed, 1);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM remediations WHERE "
				  "status = 'failed' AND error LIKE "
				  "'abandoned%'"),
	    1);
	CU_ASSERT_EQUAL(notices(&x, "failed"), 1);
	lc_fx_close(&x);
}

/* Runs remediation on a second handle, from inside the first's call. */
static void
run_other(struct fake *f)
{
	f->inner_r = cp_remediate_run(
	    f->other, &f->u, T0, NULL, fake_remediate, f, &f->inner);
}

static void
test_remediate_claimed_rows_are_not_run_twice(void)
{
	struct lc_fx x;
	struct fake f;
	struct cp_remediate_summary sum;

	lc_fx_open(&x);
	memset(&f, 0, sizeof(f));
	queue_n(&x, "sg", 3, T0);
	CU_ASSERT_EQUAL_FATAL(cp_store_open(x.f.dir, 0, &f.other), CP_OK);
	f.u = x.u;
	f.during = run_other;
	CU_ASSERT_EQUAL(
	    cp_remediate_run(x.st, &x.u, T0, NULL, fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(f.inner_r, CP_OK);
	CU_ASSERT_EQUAL(f.inner.done + f.inner.failed + f.inner.held, 0);
	CU_ASSERT_EQUAL(f.calls, 3);
	CU_ASSERT_EQUAL(sum.done, 3);
	cp_store_close(f.other);
	lc_fx_close(&x);
}

static void
test_remediate_skips_what_no_longer_applies(void)
{
	struct lc_fx x;
	struct fake f;
	struct cp_remediate_summary sum;
	struct cp_lc_unit u;
	struct cp_lc_policy p = lc_pol("AWS-E001");
	struct cp_policy_result keep[2];

	lc_fx_open(&x);
	memset(&f, 0, sizeof(f));
	queue_n(&x, "sg", 3, T0);
	/* sg-0 excluded since; sg-1 fixed since (resolved). */
	CU_ASSERT_EQUAL_FATAL(
	    cp_exclusion_add(x.st, x.portal, "sg-0", NULL, T0), CP_OK);
	keep[0] = lc_res("sg-0", CP_RESULT_FAIL);
	keep[1] = lc_res("sg-2", CP_RESULT_FAIL);
	CU_ASSERT_EQUAL_FATAL(lc_run(&x, T0 + HOUR, &p, keep, 2, NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_remediate_run(x.st, &x.u, T0 + HOUR, NULL,
			    fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(f.calls, 1);
	CU_ASSERT_STRING_EQUAL(f.last_resource, "sg-2");
	CU_ASSERT_EQUAL(sum.skipped, 2);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox WHERE kind = "
				  "'remediate' AND state = 'failed' AND "
				  "(last_error LIKE '%excluded%' OR "
				  "last_error LIKE '%no longer open%')"),
	    2);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM remediations"), 1);
	/* A unit no longer registered with remediation. */
	queue_n(&x, "vm", 4, T0 + DAY);
	u = x.u;
	u.remediation_allowed = 0;
	CU_ASSERT_EQUAL(cp_remediate_run(
			    x.st, &u, T0 + DAY, NULL, fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(f.calls, 1);
	CU_ASSERT_EQUAL(sum.skipped, 4);
	CU_ASSERT_EQUAL(count(&x, "SELECT count(*) FROM outbox WHERE kind = "
				  "'remediate' AND state = 'pending'"),
	    0);
	/* A malformed row is skipped, not performed. */
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(cp_store_db(x.st),
				  "INSERT INTO outbox (portal_id, unit_id, "
				  "kind, payload, next_attempt, created, "
				  "updated) SELECT e.portal_id, u.id, "
				  "'remediate', '{\"policy\": 1}', 0, 0, 0 "
				  "FROM units u JOIN environments e "
				  "ON e.id = u.env_id",
				  NULL, NULL, NULL),
	    SQLITE_OK);
	CU_ASSERT_EQUAL(cp_remediate_run(x.st, &x.u, T0 + 2 * DAY, NULL,
			    fake_remediate, &f, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(f.calls, 1);
	CU_ASSERT_EQUAL(sum.skipped, 1);
	lc_fx_close(&x);
}

static void
test_remediate_checks_arguments(void)
{
	struct lc_fx x;
	struct fake f;
	struct cp_lc_unit u;

	lc_fx_open(&x);
	memset(&f, 0, sizeof(f));
	CU_ASSERT_EQUAL(cp_remediate_run(x.st, &x.u, T0, NULL, NULL, &f, NULL),
	    CP_E_INVALID);
	u = x.u;
	u.portal_id++;
	CU_ASSERT_EQUAL(
	    cp_remediate_run(x.st, &u, T0, NULL, fake_remediate, &f, NULL),
	    CP_E_INVALID);
	u = x.u;
	u.unit_id += 9;
	CU_ASSERT_EQUAL(
	    cp_remediate_run(x.st, &u, T0, NULL, fake_remediate, &f, NULL),
	    CP_E_NOTFOUND);
	lc_fx_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"done and notified", test_remediate_done_and_notified},
	    {"failed is recorded and notified",
		test_remediate_failed_is_recorded_and_notified},
	    {"retries then fails", test_remediate_retries_then_fails},
	    {"dry run changes nothing", test_remediate_dry_run_changes_nothing},
	    {"ceiling holds the rest", test_remediate_ceiling_holds_the_rest},
	    {"reclaims after lease", test_remediate_reclaims_after_lease},
	    {"abandons after max attempts",
		test_remediate_abandons_after_max_attempts},
	    {"claimed rows are not run twice",
		test_remediate_claimed_rows_are_not_run_twice},
	    {"skips what no longer applies",
		test_remediate_skips_what_no_longer_applies},
	    {"checks arguments", test_remediate_checks_arguments},
	    {NULL, NULL},
	};

	return cp_test_run("remediate", tests);
}
