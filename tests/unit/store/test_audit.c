/*
 * test_audit.c - the audit log: writing, reading back, limits.
 */
#include "storetest.h"

struct rows {
	char action[8][64];
	int64_t portal[8];
	char time[32];
	int n;
};

static cp_err
collect(void *ud, const struct cp_audit_entry *a)
{
	struct rows *rs = ud;

	if (rs->n < 8) {
		cp_strlcpy(rs->action[rs->n], a->action, sizeof(rs->action[0]));
		rs->portal[rs->n] = a->portal_id;
	}
	cp_strlcpy(rs->time, a->time, sizeof(rs->time));
	rs->n++;
	return CP_OK;
}

static void
test_audit_write_and_list(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	struct rows rs;
	int64_t p = 0, q = 0;

	CU_ASSERT_EQUAL_FATAL(cp_portal_add(st, "acme", "en", &p), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_portal_add(st, "beta", "en", &q), CP_OK);
	CU_ASSERT_EQUAL(cp_audit(st, 0, "root", "portal.add", "acme"), CP_OK);
	CU_ASSERT_EQUAL(cp_audit(st, p, "alice", "env.add", "prod"), CP_OK);
	CU_ASSERT_EQUAL(cp_audit(st, q, "bob", "env.add", NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_audit(st, p, "alice", "env.remove", "prod"), CP_OK);
	/* All, oldest first. */
	memset(&rs, 0, sizeof(rs));
	CU_ASSERT_EQUAL(cp_audit_list(st, -1, 0, collect, &rs), CP_OK);
	CU_ASSERT_EQUAL_FATAL(rs.n, 4);
	CU_ASSERT_STRING_EQUAL(rs.action[0], "portal.add");
	CU_ASSERT_EQUAL(rs.portal[0], 0);
	CU_ASSERT_STRING_EQUAL(rs.action[3], "env.remove");
	CU_ASSERT_EQUAL(rs.portal[3], p);
	/* ISO 8601 UTC: 2024-05-01T09:30:00Z */
	CU_ASSERT_EQUAL(strlen(rs.time), 20);
	CU_ASSERT_EQUAL(rs.time[4], '-');
	CU_ASSERT_EQUAL(rs.time[10], 'T');
	CU_ASSERT_EQUAL(rs.time[13], ':');
	CU_ASSERT_EQUAL(rs.time[19], 'Z');
	/* One portal. */
	memset(&rs, 0, sizeof(rs));
	CU_ASSERT_EQUAL(cp_audit_list(st, p, 0, collect, &rs), CP_OK);
	CU_ASSERT_EQUAL_FATAL(rs.n, 2);
	CU_ASSERT_STRING_EQUAL(rs.action[0], "env.add");
	CU_ASSERT_STRING_EQUAL(rs.action[1], "env.remove");
	/* The installation's own. */
	memset(&rs, 0, sizeof(rs));
	CU_ASSERT_EQUAL(cp_audit_list(st, 0, 0, collect, &rs), CP_OK);
	CU_ASSERT_EQUAL(rs.n, 1);
	/* The newest two, still oldest first. */
	memset(&rs, 0, sizeof(rs));
	CU_ASSERT_EQUAL(cp_audit_list(st, -1, 2, collect, &rs), CP_OK);
	CU_ASSERT_EQUAL_FATAL(rs.n, 2);
	CU_ASSERT_STRING_EQUAL(rs.action[0], "env.add");
	CU_ASSERT_EQUAL(rs.portal[0], q);
	CU_ASSERT_STRING_EQUAL(rs.action[1], "env.remove");
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT count(*) FROM audit_log "
				       "WHERE detail = ''"),
	    1);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_audit_rejects_bad_input(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	struct rows rs;
	char *big;

	CU_ASSERT_EQUAL(cp_audit(st, 0, NULL, "x", NULL), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_audit(st, 0, "", "x", NULL), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_audit(st, 0, "a", NULL, NULL), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_audit(st, 0, "a\nb", "x", NULL), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_audit(st, -5, "a", "x", NULL), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_audit(st, 77, "a", "x", NULL), CP_E_NOTFOUND);
	big = malloc(5000);
	CU_ASSERT_FATAL(big != NULL);
	memset(big, 'd', 4999);
	big[4999] = '\0';
	CU_ASSERT_EQUAL(cp_audit(st, 0, "a", "x", big), CP_E_LIMIT);
	big[4095] = '\0';
	CU_ASSERT_EQUAL(cp_audit(st, 0, "a", "x", big), CP_OK);
	free(big);
	memset(&rs, 0, sizeof(rs));
	CU_ASSERT_EQUAL(cp_audit_list(st, -2, 0, collect, &rs), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_audit_list(st, -1, 0, collect, &rs), CP_OK);
	CU_ASSERT_EQUAL(rs.n, 1);
	cp_store_close(st);
	st_fixture_done(&f);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"write_and_list", test_audit_write_and_list},
	    {"rejects_bad_input", test_audit_rejects_bad_input}, {NULL, NULL}};

	return cp_test_run("audit", tests);
}
