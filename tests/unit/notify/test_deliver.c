/*
 * test_deliver.c - fan-out of the outbox into deliveries and sending them
 * through a fake notifier with an injected clock: retries on schedule up
 * to 24 hours, failures, leases, dead claimers, the operator's view.
 */
#include <sys/wait.h>

#include "inspect/inspect.h"
#include "notifytest.h"

static struct cp_notify_limits
limits(void)
{
	struct cp_notify_limits l;

	memset(&l, 0, sizeof(l));
	l.hostname = "testhost";
	return l;
}

static cp_err
drain(struct nt_fx *x, struct cp_notify_router *rt, time_t now,
    struct cp_notify_summary *sum)
{
	struct cp_notify_limits l = limits();
	cp_err r;

	r = cp_notify_drain_with(x->st, rt, x->set, now, &l, sum);
	if (r != CP_OK)
		fprintf(stderr, "drain: %s\n", cp_store_errmsg(x->st));
	return r;
}

static long long
q(struct nt_fx *x, const char *sql)
{
	return st_sql_int(x->st, sql);
}

static void
test_deliver_fanout_to_bound_destinations(void)
{
	struct cp_notify_limits l = limits();
	struct cp_notify_summary sum;
	struct nt_fx x;
	int64_t a, b, other, oenv, ounit, od;
	char payload[256];

	nt_fx_open(&x, "en");
	a = nt_dest(&x, "a", "mail", x.unit);
	b = nt_dest(&x, "b", "slack", x.unit);
	/* Another portal's destination bound to its own unit. */
	CU_ASSERT_FATAL(cp_portal_add(x.st, "other", "en", &other) == CP_OK);
	CU_ASSERT_FATAL(cp_env_add(x.st, other, "dev", "testcloud", "o", 0,
	    NULL, NULL, &oenv) == CP_OK);
	CU_ASSERT_FATAL(cp_unit_put(x.st, oenv, "999", "", 0, 1) == CP_OK);
	ounit = nt_unit_id(x.st, oenv, "999");
	{
		json_t *p = json_pack("{s:[s]}", "to", "o@example.com");

		CU_ASSERT_FATAL(cp_dest_add(x.st, other, "o", "mail", p, NULL,
		    T0, &od) == CP_OK);
		CU_ASSERT_FATAL(cp_dest_bind(x.st, od, ounit) == CP_OK);
		json_decref(p);
	}
	nt_risk(&x, x.unit, "TC-1", "r1", T0);		/* outbox 1 */
	nt_risk(&x, x.unit2, "TC-1", "r2", T0);		/* 2: nowhere */
	nt_outbox(x.st, x.portal, x.unit, "{\"no\": \"type\"}", T0); /* 3 */
	snprintf(payload, sizeof(payload), "{\"type\": \"patrol\", "
	    "\"destination_id\": %lld}", (long long)b);
	nt_outbox(x.st, x.portal, 0, payload, T0);		/* 4: to b */
	snprintf(payload, sizeof(payload), "{\"type\": \"patrol\", "
	    "\"destination_id\": %lld}", (long long)od);
	nt_outbox(x.st, x.portal, 0, payload, T0);		/* 5: foreign */
	nt_exec(x.st, "INSERT INTO outbox (portal_id, unit_id, kind, payload, "
	    "next_attempt, created, updated) VALUES (1, 1, 'remediate', '{}', "
	    "0, 0, 0)");					/* 6 */
	CU_ASSERT_EQUAL(cp_notify_fanout(x.st, T0 + 5, &l, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.fanned_out, 2);
	CU_ASSERT_EQUAL(sum.deliveries, 3);
	CU_ASSERT_EQUAL(sum.no_destination, 2);
	CU_ASSERT_EQUAL(sum.malformed, 1);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE "
	    "outbox_id = 1"), 2);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE "
	    "outbox_id = 4"), 1);
	CU_ASSERT_EQUAL(q(&x, "SELECT destination_id FROM deliveries WHERE "
	    "outbox_id = 4"), b);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE "
	    "outbox_id = 5"), 0);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE "
	    "state = 'pending' AND next_attempt = 1700000005 AND attempts = 0"),
	    3);
	/* Message ids name the notice and the delivery. */
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE "
	    "message_id = '<cp.' || outbox_id || '.' || id || '@testhost>'"),
	    3);
	snprintf(payload, sizeof(payload), "SELECT count(*) FROM deliveries "
	    "WHERE outbox_id = 1 AND destination_id IN (%lld, %lld)",
	    (long long)a, (long long)b);
	CU_ASSERT_EQUAL(q(&x, payload), 2);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM outbox WHERE id IN "
	    "(1, 4) AND state = 'done' AND last_error = ''"), 2);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM outbox WHERE id IN "
	    "(2, 5) AND state = 'done' AND last_error = 'no destination'"), 2);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM outbox WHERE id = 3 AND "
	    "state = 'failed' AND last_error LIKE '%malformed%'"), 1);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM outbox WHERE id = 6 AND "
	    "state = 'pending'"), 1);
	/* Once: a second fan-out finds nothing. */
	CU_ASSERT_EQUAL(cp_notify_fanout(x.st, T0 + 6, &l, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.fanned_out + sum.no_destination + sum.malformed,
	    0);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries"), 3);
	nt_fx_close(&x);
}

static void
test_deliver_fanout_in_batches(void)
{
	struct cp_notify_summary sum;
	struct nt_fx x;
	char res[32];
	int i;

	nt_fx_open(&x, "en");
	nt_dest(&x, "a", "mail", x.unit);
	nt_exec(x.st, "BEGIN");
	for (i = 0; i < CP_NOTIFY_FANOUT_BATCH * 2 + 3; i++) {
		snprintf(res, sizeof(res), "r%d", i);
		nt_risk(&x, x.unit, "TC-1", res, T0);
	}
	nt_exec(x.st, "COMMIT");
	CU_ASSERT_EQUAL(cp_notify_fanout(x.st, T0, NULL, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.fanned_out, CP_NOTIFY_FANOUT_BATCH * 2 + 3);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries"),
	    CP_NOTIFY_FANOUT_BATCH * 2 + 3);
	nt_fx_close(&x);
}

static void
test_deliver_sends_rendered_messages(void)
{
	struct cp_lc_setting_change ch;
	struct cp_lc_defaults def;
	struct cp_notify_router rt;
	struct cp_notify_summary sum;
	struct nt_sink k;
	struct nt_fx x;
	const json_t *m;
	json_t *defparams, *mine;

	nt_fx_open(&x, "ja");
	nt_policy(&x, "TC-1", "exposure", "high", "[\"testcloud/x\"]",
	    "\"params\": [{\"name\": \"port\", \"type\": \"integer\", "
	    "\"default\": 22, \"description\": {\"en\": \"p\", \"ja\": "
	    "\"p\"}}]");
	nt_load(&x);
	/* The portal watches another port: the notice shows its value. */
	CU_ASSERT_FATAL(cp_inspect_defaults(cp_policy_set_find(x.set, "TC-1"),
	    &def, &defparams) == CP_OK);
	memset(&ch, 0, sizeof(ch));
	ch.enabled = ch.notify = ch.remediate = -1;
	mine = json_pack("{s:i}", "port", 2222);
	ch.params = mine;
	CU_ASSERT_FATAL(cp_lc_setting_set(x.st, x.portal, "TC-1", &def, &ch,
	    T0) == CP_OK);
	nt_sink_init(&k, &rt);
	nt_dest(&x, "a", "mail", x.unit);
	nt_dest(&x, "b", "slack", x.unit);
	nt_risk(&x, x.unit, "TC-1", "sg-1", T0);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + 1, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.sent, 2);
	CU_ASSERT_EQUAL(k.calls, 2);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE "
	    "state = 'sent' AND attempts = 1 AND claimed_by = ''"), 2);
	m = nt_sent(&k, 0);
	CU_ASSERT_STRING_EQUAL(nt_js(m, "message_id"), "<cp.1.1@testhost>");
	CU_ASSERT_STRING_EQUAL(nt_js(m, "lang"), "ja");
	CU_ASSERT_STRING_EQUAL(nt_js(m, "kind"), "risk");
	CU_ASSERT(strstr(nt_js(m, "subject"), "TC-1 TC-1 の題名") != NULL);
	CU_ASSERT(strstr(nt_js(m, "text"), "設定値: port = 2222") != NULL);
	CU_ASSERT(strstr(nt_js(m, "text"), "環境: prod (testcloud)") != NULL);
	CU_ASSERT(strstr(nt_js(m, "text"), "ユニット: 111 (main)") != NULL);
	CU_ASSERT(strstr(nt_js(m, "text"), "ポータル: acme") != NULL);
	CU_ASSERT_STRING_EQUAL(nt_js(json_object_get(json_array_get(k.sent,
	    0), "dest"), "name"), "a");
	CU_ASSERT_STRING_EQUAL(nt_js(json_object_get(json_array_get(k.sent,
	    1), "dest"), "webhook_url"),
	    "https://hooks.example.com/services/T0/B0/secret");
	CU_ASSERT_STRING_EQUAL(nt_js(nt_sent(&k, 1), "message_id"),
	    "<cp.1.2@testhost>");
	CU_ASSERT_STRING_EQUAL(k.last_type, "slack");
	/* Nothing is sent twice. */
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + 2 * DAY, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.sent, 0);
	CU_ASSERT_EQUAL(k.calls, 2);
	nt_sink_fini(&k);
	json_decref(mine);
	json_decref(defparams);
	nt_fx_close(&x);
}

static void
test_deliver_retry_schedule_then_failed(void)
{
	/* Attempts at these offsets from the first, then failed for good. */
	static const time_t at[] = { 0, 60, 360, 1260, 3060, 6660, 13860,
	    28260, 57060, 85860, 86400 };
	struct cp_notify_router rt;
	struct cp_notify_summary sum;
	struct nt_sink k;
	struct nt_fx x;
	time_t t0 = T0 + 100;
	size_t i;

	nt_fx_open(&x, "en");
	nt_sink_init(&k, &rt);
	k.dflt = CP_SEND_RETRY;
	k.why = "421 try again later";
	nt_dest(&x, "a", "mail", x.unit);
	nt_risk(&x, x.unit, "TC-1", "r", T0);
	for (i = 0; i < CP_ARRAY_LEN(at); i++) {
		/* A moment before it is due, nothing happens. */
		if (i > 0) {
			CU_ASSERT_EQUAL(drain(&x, &rt, t0 + at[i] - 1, &sum),
			    CP_OK);
			CU_ASSERT_EQUAL(k.calls, i);
		}
		CU_ASSERT_EQUAL(drain(&x, &rt, t0 + at[i], &sum), CP_OK);
		CU_ASSERT_EQUAL(k.calls, i + 1);
		if (i + 1 < CP_ARRAY_LEN(at)) {
			CU_ASSERT_EQUAL(sum.retry, 1);
			CU_ASSERT_EQUAL(q(&x, "SELECT next_attempt FROM "
			    "deliveries"), (long long)(t0 + at[i + 1]));
			CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries "
			    "WHERE state = 'pending' AND last_error = "
			    "'421 try again later'"), 1);
		}
	}
	CU_ASSERT_EQUAL(sum.failed, 1);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE "
	    "state = 'failed' AND last_error = '421 try again later' AND "
	    "attempts = 11 AND first_attempt = 1700000100"), 1);
	/* Every attempt carried the same message id. */
	for (i = 0; i < k.calls; i++)
		CU_ASSERT_STRING_EQUAL(nt_js(nt_sent(&k, i), "message_id"),
		    "<cp.1.1@testhost>");
	CU_ASSERT_EQUAL(drain(&x, &rt, t0 + 30 * DAY, &sum), CP_OK);
	CU_ASSERT_EQUAL(k.calls, CP_ARRAY_LEN(at));
	CU_ASSERT_EQUAL(cp_notify_retry_delay(0), 60);
	CU_ASSERT_EQUAL(cp_notify_retry_delay(4), 1800);
	CU_ASSERT_EQUAL(cp_notify_retry_delay(8), 28800);
	CU_ASSERT_EQUAL(cp_notify_retry_delay(50), 28800);
	nt_sink_fini(&k);
	nt_fx_close(&x);
}

static void
test_deliver_retry_then_success(void)
{
	struct cp_notify_router rt;
	struct cp_notify_summary sum;
	struct nt_sink k;
	struct nt_fx x;

	nt_fx_open(&x, "en");
	nt_sink_init(&k, &rt);
	k.answers[0] = CP_SEND_RETRY;
	k.answers[1] = CP_SEND_RETRY;
	k.n_answers = 2;
	nt_dest(&x, "a", "mail", x.unit);
	nt_risk(&x, x.unit, "TC-1", "r", T0);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0, &sum), CP_OK);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + MINUTE, &sum), CP_OK);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + 6 * MINUTE, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.sent, 1);
	CU_ASSERT_EQUAL(k.calls, 3);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE "
	    "state = 'sent' AND attempts = 3 AND last_error = ''"), 1);
	CU_ASSERT_STRING_EQUAL(nt_js(nt_sent(&k, 0), "message_id"),
	    nt_js(nt_sent(&k, 2), "message_id"));
	nt_sink_fini(&k);
	nt_fx_close(&x);
}

static void
test_deliver_failed_for_good(void)
{
	struct cp_notify_router rt;
	struct cp_notify_summary sum;
	struct nt_sink k;
	struct nt_fx x;

	nt_fx_open(&x, "en");
	nt_sink_init(&k, &rt);
	k.answers[0] = CP_SEND_FAILED;
	k.answers[1] = 77;
	k.n_answers = 2;
	k.why = "550 no such mailbox";
	nt_dest(&x, "a", "mail", x.unit);
	nt_risk(&x, x.unit, "TC-1", "r", T0);
	nt_risk(&x, x.unit, "TC-1", "r2", T0);
	/* A notice that cannot be rendered fails without a send. */
	nt_outbox(x.st, x.portal, x.unit, "{\"type\": \"risk\"}", T0);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.failed, 3);
	CU_ASSERT_EQUAL(sum.sent, 0);
	CU_ASSERT_EQUAL(k.calls, 2);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE id = 1 "
	    "AND state = 'failed' AND last_error = '550 no such mailbox'"), 1);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE id = 2 "
	    "AND state = 'failed' AND last_error LIKE '%answered 77%'"), 1);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE id = 3 "
	    "AND state = 'failed' AND last_error LIKE 'cannot render%'"), 1);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + DAY, &sum), CP_OK);
	CU_ASSERT_EQUAL(k.calls, 2);
	nt_sink_fini(&k);
	nt_fx_close(&x);
}

static void
test_deliver_waits_for_a_missing_plugin(void)
{
	struct cp_notify_router rt;
	struct cp_notify_summary sum;
	struct nt_sink k;
	struct nt_fx x;

	nt_fx_open(&x, "en");
	nt_sink_init(&k, &rt);
	k.offline = 1;
	nt_dest(&x, "a", "teams", x.unit);
	nt_risk(&x, x.unit, "TC-1", "r", T0);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.retry, 1);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE "
	    "state = 'pending' AND last_error LIKE 'no notifier plugin for "
	    "teams destinations%' AND next_attempt = 1700000060"), 1);
	k.offline = 0;
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + MINUTE, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.sent, 1);
	CU_ASSERT_STRING_EQUAL(k.last_type, "teams");
	/* No router at all: everything waits. */
	nt_risk(&x, x.unit, "TC-1", "r2", T0);
	CU_ASSERT_EQUAL(cp_notify_drain(x.st, NULL, NULL, T0 + 2 * MINUTE,
	    NULL, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.retry, 1);
	{
		void *ctx = (void *)1;

		CU_ASSERT_PTR_NULL(cp_notify_find(NULL, "mail", &ctx));
		CU_ASSERT_PTR_NULL(ctx);
	}
	nt_sink_fini(&k);
	nt_fx_close(&x);
}

/* Marks every delivery claimed by owner until lease_end. */
static void
claim_all(struct nt_fx *x, const char *owner, time_t lease_end,
    int attempts)
{
	sqlite3_stmt *s = NULL;

	CU_ASSERT_FATAL(sqlite3_prepare_v2(cp_store_db(x->st),
	    "UPDATE deliveries SET state = 'claimed', claimed_by = ?1, "
	    "next_attempt = ?2, attempts = ?3, first_attempt = ?4", -1, &s,
	    NULL) == SQLITE_OK);
	sqlite3_bind_text(s, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)lease_end);
	sqlite3_bind_int(s, 3, attempts);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)T0);
	CU_ASSERT(sqlite3_step(s) == SQLITE_DONE);
	sqlite3_finalize(s);
}

static void
test_deliver_lease_runs_out(void)
{
	struct cp_notify_limits l = limits();
	struct cp_notify_router rt;
	struct cp_notify_summary sum;
	struct nt_sink k;
	struct nt_fx x;

	nt_fx_open(&x, "en");
	nt_sink_init(&k, &rt);
	nt_dest(&x, "a", "mail", x.unit);
	nt_risk(&x, x.unit, "TC-1", "r", T0);
	CU_ASSERT_EQUAL(cp_notify_fanout(x.st, T0, &l, NULL), CP_OK);
	/* A process of another host claimed it and went silent. */
	claim_all(&x, "elsewhere|boot|42|4242", T0 + CP_NOTIFY_LEASE, 1);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + CP_NOTIFY_LEASE - 1, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(k.calls, 0);
	CU_ASSERT_EQUAL(sum.reclaimed, 0);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + CP_NOTIFY_LEASE, &sum), CP_OK);
	CU_ASSERT_EQUAL(k.calls, 1);
	CU_ASSERT_EQUAL(sum.reclaimed, 1);
	CU_ASSERT_EQUAL(sum.sent, 1);
	CU_ASSERT_STRING_EQUAL(nt_js(nt_sent(&k, 0), "message_id"),
	    "<cp.1.1@testhost>");
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE "
	    "state = 'sent' AND attempts = 2"), 1);
	nt_sink_fini(&k);
	nt_fx_close(&x);
}

/* "HOST|BOOT|" of this process's claims into buf. */
static void
my_prefix(char *buf, size_t n)
{
	char *p;

	CU_ASSERT_FATAL(cp_notify_owner(getpid(), buf, n) == CP_OK);
	p = strchr(buf, '|');
	CU_ASSERT_FATAL(p != NULL);
	p = strchr(p + 1, '|');
	CU_ASSERT_FATAL(p != NULL);
	p[1] = '\0';
}

static void
test_deliver_dead_claimer_is_taken_over(void)
{
	struct cp_notify_router rt;
	struct cp_notify_summary sum;
	struct nt_sink k;
	struct nt_fx x;
	char prefix[256], owner[300], host[128];
	pid_t child;
	int status;

	nt_fx_open(&x, "en");
	nt_sink_init(&k, &rt);
	nt_dest(&x, "a", "mail", x.unit);
	nt_risk(&x, x.unit, "TC-1", "r", T0);
	CU_ASSERT_EQUAL(cp_notify_fanout(x.st, T0, NULL, NULL), CP_OK);
	my_prefix(prefix, sizeof(prefix));
	/* A live process of this host holds it: its lease is respected. */
	CU_ASSERT_FATAL(cp_notify_owner(getppid(), owner, sizeof(owner)) ==
	    CP_OK);
	claim_all(&x, owner, T0 + CP_NOTIFY_LEASE, 1);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + 1, &sum), CP_OK);
	CU_ASSERT_EQUAL(k.calls, 0);
	/* Its pid now names a process started at another time. */
	snprintf(owner, sizeof(owner), "%s%ld|1", prefix, (long)getppid());
	claim_all(&x, owner, T0 + CP_NOTIFY_LEASE, 1);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + 1, &sum), CP_OK);
	CU_ASSERT_EQUAL(k.calls, 1);
	CU_ASSERT_EQUAL(sum.reclaimed, 1);
	/* A process that exited: taken over at once, not after the lease. */
	child = fork();
	CU_ASSERT_FATAL(child >= 0);
	if (child == 0)
		_exit(0);
	CU_ASSERT_FATAL(waitpid(child, &status, 0) == child);
	CU_ASSERT_EQUAL(cp_notify_owner(child, owner, sizeof(owner)),
	    CP_E_NOTFOUND);
	snprintf(owner, sizeof(owner), "%s%ld|12345", prefix, (long)child);
	claim_all(&x, owner, T0 + CP_NOTIFY_LEASE, 1);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + 2, &sum), CP_OK);
	CU_ASSERT_EQUAL(k.calls, 2);
	CU_ASSERT_EQUAL(sum.reclaimed, 1);
	CU_ASSERT_EQUAL(sum.sent, 1);
	/* A claim of an earlier boot of this host is dead too. */
	cp_notify_hostname(host, sizeof(host));
	snprintf(owner, sizeof(owner), "%s|an-old-boot|%ld|1", host,
	    (long)getpid());
	claim_all(&x, owner, T0 + CP_NOTIFY_LEASE, 1);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + 3, &sum), CP_OK);
	CU_ASSERT_EQUAL(k.calls, 3);
	/* Every time the same message id. */
	CU_ASSERT_STRING_EQUAL(nt_js(nt_sent(&k, 0), "message_id"),
	    nt_js(nt_sent(&k, 2), "message_id"));
	nt_sink_fini(&k);
	nt_fx_close(&x);
}

static void
test_deliver_abandoned_after_repeated_crashes(void)
{
	struct cp_notify_router rt;
	struct cp_notify_summary sum;
	struct nt_sink k;
	struct nt_fx x;

	nt_fx_open(&x, "en");
	nt_sink_init(&k, &rt);
	nt_dest(&x, "a", "mail", x.unit);
	nt_risk(&x, x.unit, "TC-1", "r", T0);
	nt_risk(&x, x.unit, "TC-1", "r2", T0);
	CU_ASSERT_EQUAL(cp_notify_fanout(x.st, T0, NULL, NULL), CP_OK);
	claim_all(&x, "elsewhere|b|1|1", T0 + 10, CP_NOTIFY_CRASHES);
	/* Delivery 1's senders died five times already; delivery 2 was
	 * only retried often (attempts), which is no reason to give up. */
	nt_exec(x.st, "UPDATE deliveries SET crashes = 5 WHERE id = 1");
	nt_exec(x.st, "UPDATE deliveries SET attempts = 9 WHERE id = 2");
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + 10, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.reclaimed, 2);
	CU_ASSERT_EQUAL(sum.failed, 1);
	CU_ASSERT_EQUAL(sum.sent, 1);
	CU_ASSERT_EQUAL(k.calls, 1);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE id = 1 "
	    "AND state = 'failed' AND last_error LIKE 'abandoned%'"), 1);
	nt_sink_fini(&k);
	nt_fx_close(&x);
}

static void
test_deliver_max_sends_and_cancel(void)
{
	struct cp_notify_limits l = limits();
	struct cp_notify_router rt;
	struct cp_notify_summary sum;
	struct nt_sink k;
	struct nt_fx x;
	volatile int cancel = 1;
	char res[16];
	int i;

	nt_fx_open(&x, "en");
	nt_sink_init(&k, &rt);
	nt_dest(&x, "a", "mail", x.unit);
	for (i = 0; i < 5; i++) {
		snprintf(res, sizeof(res), "r%d", i);
		nt_risk(&x, x.unit, "TC-1", res, T0);
	}
	l.cancel = &cancel;
	CU_ASSERT_EQUAL(cp_notify_drain_with(x.st, &rt, NULL, T0, &l, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(sum.deliveries, 5);
	CU_ASSERT_EQUAL(k.calls, 0);
	cancel = 0;
	l.max_sends = 2;
	CU_ASSERT_EQUAL(cp_notify_drain_with(x.st, &rt, NULL, T0, &l, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(sum.sent, 2);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE "
	    "state = 'claimed'"), 0);
	l.max_sends = 0;
	CU_ASSERT_EQUAL(cp_notify_drain_with(x.st, &rt, NULL, T0, &l, &sum),
	    CP_OK);
	CU_ASSERT_EQUAL(sum.sent, 3);
	CU_ASSERT_EQUAL(k.calls, 5);
	nt_sink_fini(&k);
	nt_fx_close(&x);
}

struct seen {
	char states[512];
	size_t n;
};

static cp_err
entry(void *ud, const struct cp_notify_entry *e)
{
	struct seen *s = ud;

	snprintf(s->states + strlen(s->states), sizeof(s->states) -
	    strlen(s->states), "%lld:%lld:%s:%s:%s:%s:%s:%lld;",
	    (long long)e->id, (long long)e->outbox_id, e->state,
	    e->destination, e->kind, e->policy, e->resource, e->attempts);
	s->n++;
	return CP_OK;
}

static void
test_deliver_list_and_retry_now(void)
{
	struct cp_notify_router rt;
	struct cp_notify_summary sum;
	struct nt_sink k;
	struct nt_fx x;
	struct seen s;
	size_t n = 0;

	nt_fx_open(&x, "en");
	nt_sink_init(&k, &rt);
	nt_dest(&x, "a", "mail", x.unit);
	nt_risk(&x, x.unit, "TC-1", "ok", T0);		/* 1 */
	nt_risk(&x, x.unit2, "TC-1", "nowhere", T0);	/* 2 */
	nt_risk(&x, x.unit, "TC-2", "bad", T0);		/* 3 */
	k.answers[0] = CP_SEND_OK;
	k.answers[1] = CP_SEND_FAILED;
	k.n_answers = 2;
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(cp_notify_list(x.st, x.portal, 0, 0, entry, &s),
	    CP_OK);
	CU_ASSERT_STRING_EQUAL(s.states, "0:3:queued::risk:TC-2:bad:0;"
	    "0:2:queued::risk:TC-1:nowhere:0;0:1:queued::risk:TC-1:ok:0;");
	CU_ASSERT_EQUAL(drain(&x, &rt, T0, &sum), CP_OK);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(cp_notify_list(x.st, x.portal, 0, 0, entry, &s),
	    CP_OK);
	CU_ASSERT_STRING_EQUAL(s.states, "2:3:failed:a:risk:TC-2:bad:1;"
	    "0:2:undelivered::risk:TC-1:nowhere:0;"
	    "1:1:sent:a:risk:TC-1:ok:1;");
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(cp_notify_list(x.st, x.portal, CP_NOTIFY_LIST_FAILED,
	    0, entry, &s), CP_OK);
	CU_ASSERT_STRING_EQUAL(s.states, "2:3:failed:a:risk:TC-2:bad:1;");
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(cp_notify_list(x.st, x.portal, 0, 1, entry, &s),
	    CP_OK);
	CU_ASSERT_EQUAL(s.n, 1);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(cp_notify_list(x.st, x.portal + 1, 0, 0, entry, &s),
	    CP_OK);
	CU_ASSERT_EQUAL(s.n, 0);
	/* The operator fixed the mailbox: the failed one goes again. */
	CU_ASSERT_EQUAL(cp_notify_retry_now(x.st, x.portal, T0 + HOUR, &n),
	    CP_OK);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE id = 2 "
	    "AND state = 'pending' AND attempts = 0 AND first_attempt IS NULL "
	    "AND next_attempt = 1700003600"), 1);
	CU_ASSERT_EQUAL(drain(&x, &rt, T0 + HOUR, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.sent, 1);
	CU_ASSERT_EQUAL(q(&x, "SELECT count(*) FROM deliveries WHERE "
	    "state = 'sent'"), 2);
	nt_sink_fini(&k);
	nt_fx_close(&x);
}

static void
test_deliver_owner_names_this_process(void)
{
	char owner[256], host[128];
	pid_t child;
	int status, i;

	CU_ASSERT_EQUAL(cp_notify_owner(getpid(), owner, sizeof(owner)),
	    CP_OK);
	cp_notify_hostname(host, sizeof(host));
	CU_ASSERT(host[0] != '\0');
	CU_ASSERT(strncmp(owner, host, strlen(host)) == 0);
	CU_ASSERT(strchr(host, '|') == NULL);
	CU_ASSERT_EQUAL(cp_notify_owner(getpid(), owner, 8), CP_E_LIMIT);
	child = fork();
	CU_ASSERT_FATAL(child >= 0);
	if (child == 0)
		_exit(0);
	/* Exited, not reaped yet: a zombie is no claimer. */
	for (i = 0; i < 200 && cp_notify_owner(child, owner, sizeof(owner)) ==
	    CP_OK; i++)
		usleep(10000);
	CU_ASSERT_EQUAL(cp_notify_owner(child, owner, sizeof(owner)),
	    CP_E_NOTFOUND);
	CU_ASSERT_FATAL(waitpid(child, &status, 0) == child);
	CU_ASSERT_EQUAL(cp_notify_owner(child, owner, sizeof(owner)),
	    CP_E_NOTFOUND);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "fan-out to bound destinations",
		    test_deliver_fanout_to_bound_destinations },
		{ "fan-out in batches", test_deliver_fanout_in_batches },
		{ "sends rendered messages",
		    test_deliver_sends_rendered_messages },
		{ "retry schedule then failed",
		    test_deliver_retry_schedule_then_failed },
		{ "retry then success", test_deliver_retry_then_success },
		{ "failed for good", test_deliver_failed_for_good },
		{ "waits for a missing plugin",
		    test_deliver_waits_for_a_missing_plugin },
		{ "lease runs out", test_deliver_lease_runs_out },
		{ "dead claimer is taken over",
		    test_deliver_dead_claimer_is_taken_over },
		{ "abandoned after repeated crashes",
		    test_deliver_abandoned_after_repeated_crashes },
		{ "max sends and cancel", test_deliver_max_sends_and_cancel },
		{ "list and retry now", test_deliver_list_and_retry_now },
		{ "owner names this process",
		    test_deliver_owner_names_this_process },
		{ NULL, NULL }
	};

	return cp_test_run("deliver", tests);
}
