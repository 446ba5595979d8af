/*
 * test_portal.c - portals: add, get, list, remove and what removal takes
 * with it.
 */
#include "storetest.h"

struct names {
	char v[8][64];
	int n;
	int stop_at; /* stop the walk after this many (0: never) */
};

static cp_err
collect(void *ud, const struct cp_portal *p)
{
	struct names *ns = ud;

	if (ns->n < 8)
		cp_strlcpy(ns->v[ns->n], p->name, sizeof(ns->v[0]));
	ns->n++;
	if (ns->stop_at != 0 && ns->n == ns->stop_at)
		return CP_E_CANCELLED;
	return CP_OK;
}

static void
test_portal_add_get_list(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	struct names ns;
	struct cp_portal p;
	int64_t a = 0, b = 0;

	CU_ASSERT_EQUAL(cp_portal_add(st, "zeta-9", "ja", &a), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", "en", &b), CP_OK);
	CU_ASSERT(a > 0 && b > 0 && a != b);
	CU_ASSERT_EQUAL_FATAL(cp_portal_get(st, "zeta-9", &p), CP_OK);
	CU_ASSERT_EQUAL(p.id, a);
	CU_ASSERT_STRING_EQUAL(p.name, "zeta-9");
	CU_ASSERT_STRING_EQUAL(p.lang, "ja");
	CU_ASSERT_EQUAL(strlen(p.created), 20);
	CU_ASSERT_EQUAL(p.created[10], 'T');
	CU_ASSERT_EQUAL(p.created[19], 'Z');
	memset(&ns, 0, sizeof(ns));
	CU_ASSERT_EQUAL(cp_portal_list(st, collect, &ns), CP_OK);
	CU_ASSERT_EQUAL(ns.n, 2);
	CU_ASSERT_STRING_EQUAL(ns.v[0], "acme");
	CU_ASSERT_STRING_EQUAL(ns.v[1], "zeta-9");
	/* A callback's error stops the walk and comes back. */
	memset(&ns, 0, sizeof(ns));
	ns.stop_at = 1;
	CU_ASSERT_EQUAL(cp_portal_list(st, collect, &ns), CP_E_CANCELLED);
	CU_ASSERT_EQUAL(ns.n, 1);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_portal_rejects_bad_input(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	static const char *const bad[] = {
	    "", "Acme", "a b", "a_b", "a.b", "x'; DROP TABLE portals;--",
	    "caf\xc3\xa9",
	    "1234567890123456789012345678901234567890"
	    "123456789012345678901234", /* 64 */
	};
	char longest[64];
	struct cp_portal p;
	size_t i;

	for (i = 0; i < CP_ARRAY_LEN(bad); i++) {
		CU_ASSERT_EQUAL(
		    cp_portal_add(st, bad[i], "en", NULL), CP_E_INVALID);
		CU_ASSERT_EQUAL(cp_portal_get(st, bad[i], &p), CP_E_INVALID);
		CU_ASSERT_EQUAL(cp_portal_remove(st, bad[i]), CP_E_INVALID);
	}
	CU_ASSERT_EQUAL(cp_portal_add(st, NULL, "en", NULL), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", "fr", NULL), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", NULL, NULL), CP_E_INVALID);
	memset(longest, 'a', 63);
	longest[63] = '\0';
	CU_ASSERT_EQUAL(cp_portal_add(st, longest, "en", NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_get(st, longest, &p), CP_OK);
	CU_ASSERT_STRING_EQUAL(p.name, longest);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT count(*) FROM portals"), 1);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_portal_duplicate_and_missing(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	struct cp_portal p;

	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", "en", NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", "ja", NULL), CP_E_EXISTS);
	CU_ASSERT(st_msg_has(st, "acme"));
	CU_ASSERT_EQUAL(cp_portal_get(st, "nobody", &p), CP_E_NOTFOUND);
	CU_ASSERT(st_msg_has(st, "nobody"));
	CU_ASSERT_EQUAL(cp_portal_remove(st, "nobody"), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(cp_portal_remove(st, "acme"), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_get(st, "acme", &p), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(cp_portal_remove(st, "acme"), CP_E_NOTFOUND);
	/* The name is free again, under a new id. */
	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", "ja", NULL), CP_OK);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_portal_remove_cascades(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	json_t *sec = json_pack("{s:s}", "key", "v");
	int64_t a = 0, b = 0, ea = 0, eb = 0;

	CU_ASSERT_EQUAL_FATAL(cp_portal_add(st, "gone", "en", &a), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_portal_add(st, "kept", "en", &b), CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    cp_env_add(st, a, "prod", "aws", "111", 1, NULL, sec, &ea), CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    cp_env_add(st, b, "prod", "aws", "222", 0, NULL, sec, &eb), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, ea, "111", "main", 1, 1), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, ea, "112", "other", 1, 0), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, eb, "222", "main", 0, 1), CP_OK);
	CU_ASSERT_EQUAL(cp_audit(st, a, "ops", "env.add", "prod"), CP_OK);
	CU_ASSERT_EQUAL(cp_audit(st, b, "ops", "env.add", "prod"), CP_OK);
	CU_ASSERT_EQUAL(cp_audit(st, 0, "ops", "portal.remove", "gone"), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_remove(st, "gone"), CP_OK);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT count(*) FROM portals"), 1);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT count(*) FROM environments"), 1);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT count(*) FROM units"), 1);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT count(*) FROM units "
				       "WHERE unit = '222'"),
	    1);
	/* Its audit rows went too; the installation's stayed. */
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT count(*) FROM audit_log"), 2);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT count(*) FROM audit_log "
				       "WHERE portal_id IS NULL"),
	    1);
	json_decref(sec);
	cp_store_close(st);
	st_fixture_done(&f);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"add_get_list", test_portal_add_get_list},
	    {"rejects_bad_input", test_portal_rejects_bad_input},
	    {"duplicate_and_missing", test_portal_duplicate_and_missing},
	    {"remove_cascades", test_portal_remove_cascades}, {NULL, NULL}};

	return cp_test_run("portal", tests);
}
