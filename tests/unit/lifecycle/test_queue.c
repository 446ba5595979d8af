/*
 * test_queue.c - outbox rows and notification records, written in the
 * caller's transaction.
 */
#include "lctest.h"
#include "lifecycle/lc_priv.h"

static void
test_queue_outbox_row(void)
{
	struct lc_fx x;
	struct cp_lc_queue q;
	json_t *payload = json_pack("{s:s, s:i}", "type", "risk", "n", 1);
	json_t *j;
	int64_t id = 0;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(cp_lc_queue_init(&q, x.st), CP_OK);
	CU_ASSERT_EQUAL(cp_lc_queue_outbox(&q, x.portal, x.u.unit_id, "notify",
			    payload, T0, &id),
	    CP_OK);
	CU_ASSERT(id > 0);
	/* Reused statement: a second row. */
	CU_ASSERT_EQUAL(cp_lc_queue_outbox(&q, x.portal, 0, "remediate",
			    payload, T0 + 5, NULL),
	    CP_OK);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM outbox WHERE "
					 "state = 'pending' AND attempts = 0 "
					 "AND next_attempt = created AND "
					 "updated = created"),
	    2);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM outbox WHERE "
					 "unit_id IS NULL AND kind = "
					 "'remediate' AND created = "
					 "1700000005"),
	    1);
	j = lc_payload(x.st, "notify", 0);
	CU_ASSERT(json_equal(j, payload));
	json_decref(j);
	/* Only objects, only known kinds. */
	CU_ASSERT_EQUAL(cp_lc_queue_outbox(&q, x.portal, 0, "notify",
			    json_object_get(payload, "n"), T0, NULL),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(
	    cp_lc_queue_outbox(&q, x.portal, 0, "fax", payload, T0, NULL),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM outbox"), 2);
	cp_lc_queue_fini(&q);
	cp_lc_queue_fini(&q);
	json_decref(payload);
	lc_fx_close(&x);
}

static void
test_queue_notice_record(void)
{
	struct lc_fx x;
	struct cp_lc_queue q;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(cp_lc_queue_init(&q, x.st), CP_OK);
	CU_ASSERT_EQUAL(cp_lc_queue_notice(&q, x.u.unit_id, 0, "AWS-E001",
			    "sg-1", NULL, "risk", T0),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_lc_queue_notice(&q, x.u.unit_id, 0, "AWS-E001",
			    "sg-1", "c", "remediation", T0 + 1),
	    CP_OK);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM notifications "
					 "WHERE finding_id IS NULL AND "
					 "resource = 'sg-1'"),
	    2);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM notifications "
					 "WHERE condition = '' AND kind = "
					 "'risk' AND time = 1700000000"),
	    1);
	/* A finding that does not exist; a kind that does not either. */
	CU_ASSERT_EQUAL(cp_lc_queue_notice(&q, x.u.unit_id, 999, "AWS-E001",
			    "sg-1", "", "risk", T0),
	    CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(cp_lc_queue_notice(&q, x.u.unit_id, 0, "AWS-E001",
			    "sg-1", "", "digest", T0),
	    CP_E_INVALID);
	cp_lc_queue_fini(&q);
	lc_fx_close(&x);
}

static void
test_queue_joins_the_transaction(void)
{
	struct lc_fx x;
	struct cp_lc_queue q;
	json_t *payload = json_pack("{s:s}", "type", "risk");

	lc_fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(cp_lc_queue_init(&q, x.st), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_store_begin(x.st), CP_OK);
	CU_ASSERT_EQUAL(cp_lc_queue_outbox(&q, x.portal, x.u.unit_id, "notify",
			    payload, T0, NULL),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_lc_queue_notice(&q, x.u.unit_id, 0, "AWS-E001",
			    "sg-1", "", "risk", T0),
	    CP_OK);
	cp_store_rollback(x.st);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM outbox"), 0);
	CU_ASSERT_EQUAL(
	    st_sql_int(x.st, "SELECT count(*) FROM notifications"), 0);
	cp_lc_queue_fini(&q);
	json_decref(payload);
	lc_fx_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"outbox row", test_queue_outbox_row},
	    {"notice record", test_queue_notice_record},
	    {"joins the transaction", test_queue_joins_the_transaction},
	    {NULL, NULL},
	};

	return cp_test_run("queue", tests);
}
