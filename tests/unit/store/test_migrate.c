/*
 * test_migrate.c - schema migrations: from nothing to the current version,
 * refusal of a newer store, rollback of a failed migration.
 */
#include "storetest.h"

#include <fcntl.h>

#include "store/migrate.h"

static int
table_exists(cp_store *st, const char *name)
{
	sqlite3_stmt *stmt = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(cp_store_db(st),
		"SELECT 1 FROM sqlite_schema "
		"WHERE type = 'table' AND name = ?1",
		-1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return found;
}

/* Sets user_version of the closed store's database behind its back. */
static void
set_user_version(const char *db, int v)
{
	sqlite3 *h = NULL;
	char sql[64];

	CU_ASSERT_FATAL(
	    sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	CU_ASSERT_FATAL(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK);
	CU_ASSERT_FATAL(sqlite3_close(h) == SQLITE_OK);
}

static void
test_migrate_from_zero(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	size_t n;

	CU_ASSERT_PTR_NOT_NULL(cp_store_migrations(&n));
	CU_ASSERT_EQUAL((size_t)cp_store_schema_version(), n);
	CU_ASSERT(n >= 1);
	CU_ASSERT_EQUAL(
	    st_sql_int(st, "PRAGMA user_version"), cp_store_schema_version());
	CU_ASSERT_EQUAL(table_exists(st, "portals"), 1);
	CU_ASSERT_EQUAL(table_exists(st, "environments"), 1);
	CU_ASSERT_EQUAL(table_exists(st, "units"), 1);
	CU_ASSERT_EQUAL(table_exists(st, "audit_log"), 1);
	/* Running again changes nothing. */
	CU_ASSERT_EQUAL(cp_store_migrate(st), CP_OK);
	CU_ASSERT_EQUAL(
	    st_sql_int(st, "PRAGMA user_version"), cp_store_schema_version());
	cp_store_close(st);
	/* And so does opening it again. */
	CU_ASSERT_EQUAL(cp_store_open(f.dir, 0, &st), CP_OK);
	CU_ASSERT_EQUAL(
	    st_sql_int(st, "PRAGMA user_version"), cp_store_schema_version());
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_migrate_refuses_newer(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	char want[1200];
	int newer = cp_store_schema_version() + 6;

	cp_store_close(st);
	set_user_version(f.db, newer);
	snprintf(want, sizeof(want),
	    "store %s is at schema version %d, this "
	    "cloudpatrol knows up to %d: upgrade cloudpatrol",
	    f.db, newer, cp_store_schema_version());
	CU_ASSERT_EQUAL(
	    cp_store_open(f.dir, CP_STORE_CREATE, &st), CP_E_STORE_VERSION);
	CU_ASSERT_STRING_EQUAL(cp_store_errmsg(st), want);
	cp_store_close(st);
	CU_ASSERT_EQUAL(
	    cp_store_open(f.dir, CP_STORE_READONLY, &st), CP_E_STORE_VERSION);
	CU_ASSERT_STRING_EQUAL(cp_store_errmsg(st), want);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_migrate_failure_rolls_back(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	struct cp_migration list[16];
	const struct cp_migration *base;
	char want[64];
	size_t n;

	base = cp_store_migrations(&n);
	CU_ASSERT_FATAL(n + 2 <= CP_ARRAY_LEN(list));
	memcpy(list, base, n * sizeof(*base));
	list[n].what = "extra a";
	list[n].sql = "CREATE TABLE extra_a (x INTEGER);"
		      "INSERT INTO extra_a VALUES (1);";
	list[n + 1].what = "extra b";
	list[n + 1].sql = "CREATE TABLE extra_b (y INTEGER);"
			  "INSERT INTO extra_a VALUES (2);"
			  "INSERT INTO no_such_table VALUES (1);";
	CU_ASSERT_EQUAL(cp_store_migrate_with(st, list, n + 2), CP_E_STORE);
	CU_ASSERT_EQUAL(
	    st_sql_int(st, "PRAGMA user_version"), (long long)n + 1);
	CU_ASSERT_EQUAL(table_exists(st, "extra_a"), 1);
	CU_ASSERT_EQUAL(table_exists(st, "extra_b"), 0);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT count(*) FROM extra_a"), 1);
	snprintf(want, sizeof(want), "migration %zu (extra b) failed", n + 2);
	CU_ASSERT(st_msg_has(st, want));
	CU_ASSERT(st_msg_has(st, "no_such_table"));
	snprintf(want, sizeof(want), "stays at schema version %zu", n + 1);
	CU_ASSERT(st_msg_has(st, want));
	/* The handle is usable: no transaction was left open. */
	CU_ASSERT(sqlite3_get_autocommit(cp_store_db(st)) != 0);
	CU_ASSERT_EQUAL(cp_portal_add(st, "after", "en", NULL), CP_OK);
	cp_store_close(st);
	/* Now this binary's list is behind the store: refused. */
	CU_ASSERT_EQUAL(cp_store_open(f.dir, 0, &st), CP_E_STORE_VERSION);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_migrate_appended(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	struct cp_migration list[16];
	const struct cp_migration *base;
	size_t n;

	base = cp_store_migrations(&n);
	CU_ASSERT_FATAL(n + 2 <= CP_ARRAY_LEN(list));
	memcpy(list, base, n * sizeof(*base));
	list[n].what = "widgets";
	list[n].sql = "CREATE TABLE widgets (id INTEGER PRIMARY KEY, "
		      "portal_id INTEGER NOT NULL REFERENCES portals (id) "
		      "ON DELETE CASCADE) STRICT;";
	list[n + 1].what = "widget names";
	list[n + 1].sql = "ALTER TABLE widgets ADD COLUMN name TEXT;";
	CU_ASSERT_EQUAL(cp_store_migrate_with(st, list, n + 2), CP_OK);
	CU_ASSERT_EQUAL(
	    st_sql_int(st, "PRAGMA user_version"), (long long)n + 2);
	CU_ASSERT_EQUAL(st_sql_int(st, "SELECT count(*) FROM widgets"), 0);
	/* A shorter list than the store: refused, nothing touched. */
	CU_ASSERT_EQUAL(
	    cp_store_migrate_with(st, list, n + 1), CP_E_STORE_VERSION);
	CU_ASSERT_EQUAL(
	    st_sql_int(st, "PRAGMA user_version"), (long long)n + 2);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_migrate_own_transaction_refused(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	struct cp_migration list[16];
	const struct cp_migration *base;
	size_t n;

	base = cp_store_migrations(&n);
	CU_ASSERT_FATAL(n + 1 <= CP_ARRAY_LEN(list));
	memcpy(list, base, n * sizeof(*base));
	list[n].what = "rogue";
	list[n].sql = "COMMIT;";
	CU_ASSERT_EQUAL(cp_store_migrate_with(st, list, n + 1), CP_E_STORE);
	CU_ASSERT(st_msg_has(st, "ended its own transaction"));
	CU_ASSERT_EQUAL(st_sql_int(st, "PRAGMA user_version"), (long long)n);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_migrate_readonly_old(void)
{
	struct st_fixture f;
	cp_store *st = NULL;
	int fd;

	/* An empty (version 0) database: read-only cannot migrate it. */
	CU_ASSERT_FATAL(st_fixture_init(&f) == 0);
	CU_ASSERT_FATAL(mkdir(f.dir, 0700) == 0);
	fd = open(f.db, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL(
	    cp_store_open(f.dir, CP_STORE_READONLY, &st), CP_E_STORE);
	CU_ASSERT(st_msg_has(st, "is at schema version 0"));
	CU_ASSERT(st_msg_has(st, "read-write"));
	cp_store_close(st);
	/* Read-write migrates it from 0. */
	CU_ASSERT_EQUAL(cp_store_open(f.dir, CP_STORE_CREATE, &st), CP_OK);
	CU_ASSERT_EQUAL(
	    st_sql_int(st, "PRAGMA user_version"), cp_store_schema_version());
	cp_store_close(st);
	st_fixture_done(&f);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"from_zero", test_migrate_from_zero},
	    {"refuses_newer", test_migrate_refuses_newer},
	    {"failure_rolls_back", test_migrate_failure_rolls_back},
	    {"appended", test_migrate_appended},
	    {"own_transaction_refused", test_migrate_own_transaction_refused},
	    {"readonly_old", test_migrate_readonly_old}, {NULL, NULL}};

	return cp_test_run("migrate", tests);
}
