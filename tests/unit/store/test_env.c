/*
 * test_env.c - environments (parameters, sealed secrets, credentials) and
 * their units.
 */
#include "storetest.h"

static int64_t
new_portal(cp_store *st, const char *name)
{
	int64_t id = 0;

	CU_ASSERT_EQUAL_FATAL(cp_portal_add(st, name, "en", &id), CP_OK);
	return id;
}

static cp_err
count_env(void *ud, const struct cp_env *e)
{
	(void)e;
	(*(int *)ud)++;
	return CP_OK;
}

struct units {
	struct cp_unit v[4];
	int n;
};

static cp_err
collect_unit(void *ud, const struct cp_unit *u)
{
	struct units *us = ud;

	if (us->n < 4)
		us->v[us->n] = *u;
	us->n++;
	return CP_OK;
}

/* The stored text of the params column of env id. */
static char *
params_text(cp_store *st, int64_t id)
{
	sqlite3_stmt *stmt = NULL;
	char *s = NULL;

	if (sqlite3_prepare_v2(cp_store_db(st),
		"SELECT params FROM environments WHERE id = ?1", -1, &stmt,
		NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		s = strdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return s;
}

static void
test_env_add_get_list(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	int64_t pa = new_portal(st, "acme"), pb = new_portal(st, "other");
	json_t *params = json_pack(
	    "{s:s,s:i,s:{s:b}}", "zone", "eu", "depth", 3, "opts", "fast", 1);
	int64_t id = 0, id2 = 0;
	struct cp_env e;
	char *text;
	int n = 0;

	CU_ASSERT_EQUAL_FATAL(cp_env_add(st, pa, "prod", "azure", "tenant-0001",
				  1, params, NULL, &id),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_env_get(st, pa, "prod", &e), CP_OK);
	CU_ASSERT_EQUAL(e.id, id);
	CU_ASSERT_EQUAL(e.portal_id, pa);
	CU_ASSERT_STRING_EQUAL(e.name, "prod");
	CU_ASSERT_STRING_EQUAL(e.cloud, "azure");
	CU_ASSERT_STRING_EQUAL(e.account, "tenant-0001");
	CU_ASSERT_EQUAL(e.remediation, 1);
	CU_ASSERT_EQUAL(strlen(e.created), 20);
	/* Compact, sorted keys. */
	text = params_text(st, id);
	CU_ASSERT_STRING_EQUAL(text, "{\"depth\":3,\"opts\":{\"fast\":true},"
				     "\"zone\":\"eu\"}");
	free(text);
	/* The same name in another portal is another environment. */
	CU_ASSERT_EQUAL(
	    cp_env_add(st, pb, "prod", "aws", NULL, 0, NULL, NULL, &id2),
	    CP_OK);
	CU_ASSERT(id2 != id);
	CU_ASSERT_EQUAL(cp_env_get(st, pb, "prod", &e), CP_OK);
	CU_ASSERT_STRING_EQUAL(e.account, "");
	CU_ASSERT_EQUAL(e.remediation, 0);
	text = params_text(st, id2);
	CU_ASSERT_STRING_EQUAL(text, "{}");
	free(text);
	CU_ASSERT_EQUAL(
	    cp_env_add(st, pa, "dev", "gcp", "proj-1", 0, NULL, NULL, NULL),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_env_list(st, pa, count_env, &n), CP_OK);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(
	    cp_env_add(st, pa, "prod", "aws", "x", 0, NULL, NULL, NULL),
	    CP_E_EXISTS);
	CU_ASSERT_EQUAL(cp_env_get(st, pa, "staging", &e), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(
	    cp_env_add(st, 9999, "prod", "aws", "x", 0, NULL, NULL, NULL),
	    CP_E_NOTFOUND);
	CU_ASSERT(st_msg_has(st, "9999"));
	json_decref(params);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_env_rejects_bad_input(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	int64_t p = new_portal(st, "acme");
	json_t *arr = json_array();
	json_t *a = json_pack("{s:s}", "key", "public");
	json_t *b = json_pack("{s:s}", "key", "secret-ABC");
	char acct[200];

	CU_ASSERT_EQUAL(
	    cp_env_add(st, p, "Prod", "aws", "1", 0, NULL, NULL, NULL),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(
	    cp_env_add(st, p, "prod", "AWS", "1", 0, NULL, NULL, NULL),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_env_add(st, p, "prod", "a-very-long-cloud", "1", 0,
			    NULL, NULL, NULL),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(
	    cp_env_add(st, p, "prod", "aws", "1\n2", 0, NULL, NULL, NULL),
	    CP_E_INVALID);
	memset(acct, 'x', sizeof(acct) - 1);
	acct[128] = '\0';
	CU_ASSERT_EQUAL(
	    cp_env_add(st, p, "prod", "aws", acct, 0, NULL, NULL, NULL),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(
	    cp_env_add(st, p, "prod", "aws", "1", 0, arr, NULL, NULL),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(
	    cp_env_add(st, p, "prod", "aws", "1", 0, NULL, arr, NULL),
	    CP_E_INVALID);
	/* A key both public and secret: refused, and the secret not shown. */
	CU_ASSERT_EQUAL(
	    cp_env_add(st, p, "prod", "aws", "1", 0, a, b, NULL), CP_E_INVALID);
	CU_ASSERT(st_msg_has(st, "both a parameter and a secret"));
	CU_ASSERT_PTR_NULL(strstr(cp_store_errmsg(st), "secret-ABC"));
	/* Text that looks like SQL is stored as text. */
	CU_ASSERT_EQUAL(cp_env_add(st, p, "prod", "aws",
			    "1'); DROP TABLE portals; --", 0, NULL, NULL, NULL),
	    CP_OK);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT count(*) FROM portals"), 1);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT count(*) FROM environments"), 1);
	json_decref(arr);
	json_decref(a);
	json_decref(b);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_env_credentials(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	int64_t p = new_portal(st, "acme");
	json_t *params =
	    json_pack("{s:s,s:s}", "tenant_id", "t-1", "client_id", "c-1");
	json_t *secrets = json_pack("{s:s}", "client_secret", "hunter2-xyz");
	json_t *want = json_pack("{s:s,s:s,s:s}", "tenant_id", "t-1",
	    "client_id", "c-1", "client_secret", "hunter2-xyz");
	json_t *cred = NULL;
	int64_t e1 = 0, e2 = 0, e3 = 0;

	CU_ASSERT_EQUAL_FATAL(
	    cp_env_add(st, p, "full", "azure", "t-1", 0, params, secrets, &e1),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    cp_env_add(st, p, "public", "azure", "t-1", 0, params, NULL, &e2),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    cp_env_add(st, p, "secret", "azure", "t-1", 0, NULL, secrets, &e3),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_env_credentials(st, e1, &cred), CP_OK);
	CU_ASSERT(json_equal(cred, want));
	/* A new reference: changing it changes nothing stored. */
	CU_ASSERT_EQUAL(json_object_set_new(cred, "extra", json_true()), 0);
	json_decref(cred);
	CU_ASSERT_EQUAL_FATAL(cp_env_credentials(st, e1, &cred), CP_OK);
	CU_ASSERT(json_equal(cred, want));
	json_decref(cred);
	CU_ASSERT_EQUAL_FATAL(cp_env_credentials(st, e2, &cred), CP_OK);
	CU_ASSERT(json_equal(cred, params));
	json_decref(cred);
	CU_ASSERT_EQUAL_FATAL(cp_env_credentials(st, e3, &cred), CP_OK);
	CU_ASSERT(json_equal(cred, secrets));
	json_decref(cred);
	cred = json_true();
	CU_ASSERT_EQUAL(cp_env_credentials(st, 12345, &cred), CP_E_NOTFOUND);
	CU_ASSERT_PTR_NULL(cred);
	json_decref(params);
	json_decref(secrets);
	json_decref(want);
	cp_store_close(st);
	st_fixture_done(&f);
}

/* Flips the last byte of env id's sealed secrets; 0 when done. */
static int
flip_last_secret_byte(cp_store *st, int64_t id)
{
	sqlite3_stmt *stmt = NULL;
	unsigned char buf[512];
	int n = -1;

	if (sqlite3_prepare_v2(cp_store_db(st),
		"SELECT secrets FROM environments WHERE id = ?1", -1, &stmt,
		NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		n = sqlite3_column_bytes(stmt, 0);
		if (n > 0 && n <= (int)sizeof(buf))
			memcpy(buf, sqlite3_column_blob(stmt, 0), (size_t)n);
		else
			n = -1;
	}
	sqlite3_finalize(stmt);
	if (n <= 0)
		return -1;
	buf[n - 1] ^= 0x80;
	if (sqlite3_prepare_v2(cp_store_db(st),
		"UPDATE environments SET secrets = ?2 WHERE id = ?1", -1, &stmt,
		NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_blob(stmt, 2, buf, n, SQLITE_STATIC);
	n = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(stmt);
	return n;
}

static void
test_env_tampered_secrets(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	int64_t p = new_portal(st, "acme");
	json_t *secrets = json_pack("{s:s}", "key", "sekrit-value");
	json_t *cred = NULL;
	int64_t e = 0;

	CU_ASSERT_EQUAL_FATAL(
	    cp_env_add(st, p, "prod", "aws", "1", 0, NULL, secrets, &e), CP_OK);
	/* Flip the last byte (the tag) in the database. */
	CU_ASSERT_EQUAL_FATAL(flip_last_secret_byte(st, e), 0);
	CU_ASSERT_EQUAL(cp_env_credentials(st, e, &cred), CP_E_CRYPTO);
	CU_ASSERT_PTR_NULL(cred);
	CU_ASSERT_PTR_NULL(strstr(cp_store_errmsg(st), "sekrit"));
	json_decref(secrets);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_env_remove_cascades(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	int64_t p = new_portal(st, "acme");
	int64_t e1 = 0, e2 = 0;
	struct cp_env e;

	CU_ASSERT_EQUAL_FATAL(
	    cp_env_add(st, p, "prod", "aws", "1", 0, NULL, NULL, &e1), CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    cp_env_add(st, p, "dev", "aws", "2", 0, NULL, NULL, &e2), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e1, "1", "a", 0, 0), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e1, "1b", "b", 0, 0), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e2, "2", "c", 0, 0), CP_OK);
	CU_ASSERT_EQUAL(cp_env_remove(st, p, "prod"), CP_OK);
	CU_ASSERT_EQUAL(cp_env_get(st, p, "prod", &e), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT count(*) FROM units"), 1);
	CU_ASSERT_EQUAL(cp_env_remove(st, p, "prod"), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(cp_env_remove(st, p + 1, "dev"), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(cp_env_remove(st, p, "Dev"), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_env_get(st, p, "dev", &e), CP_OK);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_env_units(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	int64_t p = new_portal(st, "acme");
	struct units us;
	int64_t e = 0;

	CU_ASSERT_EQUAL_FATAL(
	    cp_env_add(st, p, "prod", "azure", "t", 1, NULL, NULL, &e), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e, "sub-b", "Second", 1, 0), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_put(st, e, "sub-a", NULL, 0, 1), CP_OK);
	memset(&us, 0, sizeof(us));
	CU_ASSERT_EQUAL(cp_unit_list(st, e, collect_unit, &us), CP_OK);
	CU_ASSERT_EQUAL_FATAL(us.n, 2);
	CU_ASSERT_STRING_EQUAL(us.v[0].unit, "sub-a");
	CU_ASSERT_STRING_EQUAL(us.v[0].name, "");
	CU_ASSERT_EQUAL(us.v[0].inspect, 1);
	CU_ASSERT_EQUAL(us.v[0].remediation, 0);
	CU_ASSERT_EQUAL(us.v[0].env_id, e);
	CU_ASSERT_STRING_EQUAL(us.v[1].unit, "sub-b");
	CU_ASSERT_STRING_EQUAL(us.v[1].name, "Second");
	CU_ASSERT_EQUAL(us.v[1].remediation, 1);
	CU_ASSERT_EQUAL(us.v[1].inspect, 0);
	/* Put again: an update of the same row, which keeps the
	 * operator's inspection switch (a re-sync never resets it). */
	CU_ASSERT_EQUAL(cp_unit_put(st, e, "sub-b", "Renamed", 0, 1), CP_OK);
	memset(&us, 0, sizeof(us));
	CU_ASSERT_EQUAL(cp_unit_list(st, e, collect_unit, &us), CP_OK);
	CU_ASSERT_EQUAL_FATAL(us.n, 2);
	CU_ASSERT_STRING_EQUAL(us.v[1].name, "Renamed");
	CU_ASSERT_EQUAL(us.v[1].remediation, 0);
	CU_ASSERT_EQUAL(us.v[1].inspect, 0);
	CU_ASSERT_EQUAL(cp_unit_put(st, e, "sub-a", "A", 0, 0), CP_OK);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT inspect FROM units "
				       "WHERE unit = 'sub-a'"),
	    1);
	/* The inspection switch. */
	CU_ASSERT_EQUAL(cp_unit_set_inspect(st, e, "sub-b", 1), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_set_inspect(st, e, "sub-b", 0), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_set_inspect(st, e, "sub-b", 0), CP_OK);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT inspect FROM units "
				       "WHERE unit = 'sub-b'"),
	    0);
	CU_ASSERT_EQUAL(cp_unit_set_inspect(st, e, "sub-b", 7), CP_OK);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT inspect FROM units "
				       "WHERE unit = 'sub-b'"),
	    1);
	CU_ASSERT_EQUAL(cp_unit_set_inspect(st, e, "nope", 1), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(
	    cp_unit_set_inspect(st, e + 1, "sub-b", 1), CP_E_NOTFOUND);
	/* Removal. */
	CU_ASSERT_EQUAL(cp_unit_remove(st, e, "sub-a"), CP_OK);
	CU_ASSERT_EQUAL(cp_unit_remove(st, e, "sub-a"), CP_E_NOTFOUND);
	memset(&us, 0, sizeof(us));
	CU_ASSERT_EQUAL(cp_unit_list(st, e, collect_unit, &us), CP_OK);
	CU_ASSERT_EQUAL(us.n, 1);
	/* Bad input and a missing environment. */
	CU_ASSERT_EQUAL(cp_unit_put(st, e, "", "x", 0, 0), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_unit_put(st, e, NULL, "x", 0, 0), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_unit_put(st, e, "a\tb", "x", 0, 0), CP_E_INVALID);
	CU_ASSERT_EQUAL(
	    cp_unit_put(st, e + 100, "u", "x", 0, 0), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(cp_unit_remove(st, e, ""), CP_E_INVALID);
	cp_store_close(st);
	st_fixture_done(&f);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"add_get_list", test_env_add_get_list},
	    {"rejects_bad_input", test_env_rejects_bad_input},
	    {"credentials", test_env_credentials},
	    {"tampered_secrets", test_env_tampered_secrets},
	    {"remove_cascades", test_env_remove_cascades},
	    {"units", test_env_units}, {NULL, NULL}};

	return cp_test_run("env", tests);
}
