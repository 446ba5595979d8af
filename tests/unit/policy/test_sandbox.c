/*
 * test_sandbox.c - what policy SQL may and may not do: reading with CTEs,
 * JSON table functions and window functions is fine; writing, attaching,
 * PRAGMAs, transactions and unlisted functions are refused with a
 * sentence; a runaway statement is stopped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cptest.h"
#include "policy/sandbox.h"

static sqlite3 *db;
static struct cp_sandbox sb;
static struct cp_sqlfuncs funcs;

#define COLS "'' AS resource_id, '' AS resource_name, 'pass' AS status, " \
	     "'' AS detail, '' AS value, '' AS condition"

/* Prepares sql; returns the code, the message in why. */
static cp_err
prep(const char *sql, char *why, size_t n)
{
	sqlite3_stmt *st = NULL;
	int cols[CP_COL_COUNT];
	cp_err r;

	why[0] = '\0';
	r = cp_sandbox_prepare(db, &sb, sql, &st, cols, why, n);
	if (r == CP_OK) {
		CU_ASSERT_PTR_NOT_NULL(st);
	} else {
		CU_ASSERT_PTR_NULL(st);
	}
	sqlite3_finalize(st);
	return r;
}

static void
allowed(const char *sql, int line)
{
	char why[512];

	if (prep(sql, why, sizeof(why)) != CP_OK) {
		fprintf(stderr, "\nline %d: refused: %s\n", line, why);
		CU_FAIL("refused");
	}
}

static void
refused(const char *sql, const char *want, int line)
{
	char why[512];

	if (prep(sql, why, sizeof(why)) == CP_OK) {
		fprintf(stderr, "\nline %d: allowed: %s\n", line, sql);
		CU_FAIL("allowed");
		return;
	}
	if (strcmp(why, want) != 0) {
		fprintf(stderr, "\nline %d:  got: %s\n         want: %s\n",
		    line, why, want);
		CU_FAIL("wrong message");
	}
}

#define ALLOWED(sql) allowed(sql, __LINE__)
#define REFUSED(sql, want) refused(sql, want, __LINE__)
#define RO ": policy SQL may only read"

static void
test_sandbox_reading_allowed(void)
{
	ALLOWED("SELECT " COLS);
	ALLOWED("SELECT " COLS " FROM resources WHERE type = 'x'");
	ALLOWED("SELECT " COLS " FROM tenant.resources, tenant.events");
	ALLOWED("SELECT " COLS " FROM costs, collector_errors, meta");
	ALLOWED("WITH a AS (SELECT id FROM resources) SELECT " COLS
		" FROM a");
	ALLOWED("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
		"FROM c WHERE x < 3) SELECT " COLS " FROM c");
	ALLOWED("SELECT " COLS " FROM resources AS r, json_each(r.json, "
		"'$.rules') AS j, json_tree(r.json) AS t");
	ALLOWED("SELECT r.json ->> '$.a' AS resource_id, r.json -> 'b' AS "
		"resource_name, 'pass' AS status, row_number() OVER () AS "
		"detail, json_extract(r.json, '$.c') AS value, "
		"group_concat(r.id) AS condition FROM resources AS r");
	ALLOWED("SELECT " COLS " WHERE cidr_is_public('1.1.1.1') AND "
		"port_in('22', 22) AND days_since('2024-01-01') > 0 AND "
		"cidr_is_any('*') AND country_of('1.1.1.1') IS NULL AND "
		"param('x') IS NULL AND lower(upper('a')) = 'a' AND "
		"coalesce(NULL, 1) AND abs(-1) AND round(1.5) AND "
		"datetime('2024-01-01') IS NOT NULL");
	/* Trailing space, semicolons and comments are one statement. */
	ALLOWED("SELECT " COLS ";  -- the end\n /* really */ ;\n");
}

static void
test_sandbox_column_order_free(void)
{
	sqlite3_stmt *st = NULL;
	int cols[CP_COL_COUNT];
	char why[256];

	CU_ASSERT_EQUAL_FATAL(cp_sandbox_prepare(db, &sb,
	    "SELECT 'c' AS CONDITION, 'v' AS value, 'd' AS detail, "
	    "'pass' AS status, 'n' AS resource_name, 'i' AS resource_id",
	    &st, cols, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cols[CP_COL_RESOURCE_ID], 5);
	CU_ASSERT_EQUAL(cols[CP_COL_RESOURCE_NAME], 4);
	CU_ASSERT_EQUAL(cols[CP_COL_STATUS], 3);
	CU_ASSERT_EQUAL(cols[CP_COL_DETAIL], 2);
	CU_ASSERT_EQUAL(cols[CP_COL_VALUE], 1);
	CU_ASSERT_EQUAL(cols[CP_COL_CONDITION], 0);
	sqlite3_finalize(st);

	REFUSED("SELECT '' AS resource_id, '' AS resource_name, '' AS status, "
		"'' AS detail, '' AS value",
		"the statement returns no column 'condition'");
	REFUSED("SELECT " COLS ", 1 AS extra",
		"column 'extra' is not one of resource_id, resource_name, "
		"status, detail, value, condition");
	REFUSED("SELECT '' AS resource_id, '' AS resource_name, '' AS status, "
		"'' AS detail, '' AS value, '' AS condition, '' AS status",
		"column 'status' appears twice");
	REFUSED("SELECT \"pass\" AS status", "no such column: pass");
}

static void
test_sandbox_writes_refused(void)
{
	REFUSED("INSERT INTO meta(key, value) VALUES ('a', 'b')",
		"INSERT into meta is refused" RO);
	REFUSED("UPDATE resource_data SET name = 'x'",
		"UPDATE of resource_data is refused" RO);
	REFUSED("DELETE FROM event_data", "DELETE from event_data is refused"
		RO);
	REFUSED("CREATE TEMP TABLE x(a)",
		"changing the schema (sqlite_temp_master) is refused" RO);
	REFUSED("CREATE TEMP VIEW v AS SELECT 1",
		"changing the schema (sqlite_temp_master) is refused" RO);
	REFUSED("DROP VIEW resources", "changing the schema (sqlite_master) is "
		"refused" RO);
	REFUSED("ALTER TABLE meta RENAME TO m", "ALTER TABLE meta is refused"
		RO);
	REFUSED("ATTACH DATABASE '/tmp/other.db' AS other",
		"ATTACH of /tmp/other.db is refused" RO);
	REFUSED("DETACH DATABASE tenant", "DETACH of tenant is refused" RO);
	REFUSED("BEGIN", "transaction BEGIN is refused" RO);
	REFUSED("SAVEPOINT s", "SAVEPOINT s is refused" RO);
	REFUSED("ANALYZE", "changing the schema (sqlite_master) is refused"
		RO);
	REFUSED("REINDEX", "REINDEX sqlite_autoindex_meta_1 is refused"
		RO);
	/* Every PRAGMA, read or write, and their table forms. */
	REFUSED("PRAGMA writable_schema = 1", "PRAGMA writable_schema is "
		"refused" RO);
	REFUSED("PRAGMA table_info(resources)", "PRAGMA table_info is refused"
		RO);
	REFUSED("PRAGMA journal_mode = WAL", "PRAGMA journal_mode is refused"
		RO);
	REFUSED("SELECT " COLS " FROM pragma_table_info('meta')",
		"changing the schema (sqlite_master) is refused"
		RO);
	REFUSED("SELECT " COLS " FROM sqlite_dbpage",
		"no such table: sqlite_dbpage");
	REFUSED("SELECT " COLS " FROM temp.sqlite_master",
		"reading temp.sqlite_master is refused" RO);
	REFUSED("EXPLAIN SELECT " COLS, "not a SELECT statement");
}

static void
test_sandbox_functions_refused(void)
{
	REFUSED("SELECT load_extension('/tmp/evil.so') AS resource_id, "
		"'' AS resource_name, '' AS status, '' AS detail, "
		"'' AS value, '' AS condition",
		"function load_extension() is refused" RO);
	REFUSED("SELECT " COLS " WHERE random() > 0",
		"function random() is refused" RO);
	REFUSED("SELECT " COLS " WHERE randomblob(8) IS NOT NULL",
		"function randomblob() is refused" RO);
	REFUSED("SELECT " COLS " WHERE length(zeroblob(1000000000)) > 0",
		"function zeroblob() is refused" RO);
	REFUSED("SELECT " COLS " WHERE sqlite_version() > ''",
		"function sqlite_version() is refused" RO);
	REFUSED("SELECT " COLS " WHERE changes() = 0",
		"function changes() is refused" RO);
	REFUSED("SELECT " COLS " WHERE readfile('/etc/passwd') IS NULL",
		"no such function: readfile");
	REFUSED("SELECT " COLS " WHERE writefile('/tmp/x', 'y') IS NULL",
		"no such function: writefile");
	REFUSED("SELECT " COLS " WHERE fts3_tokenizer('simple') IS NULL",
		"function fts3_tokenizer() is refused" RO);
}

static void
test_sandbox_statement_shape(void)
{
	REFUSED("SELECT " COLS "; SELECT " COLS,
		"more than one statement (a policy is one SELECT)");
	REFUSED("SELECT " COLS "; DROP TABLE meta",
		"more than one statement (a policy is one SELECT)");
	REFUSED("  -- nothing\n", "no SQL statement");
	REFUSED("SELEC 1", "near \"SELEC\": syntax error");
	REFUSED("SELECT " COLS " FROM nowhere", "no such table: nowhere");
}

static void
test_sandbox_runaway_stopped(void)
{
	sqlite3_stmt *st = NULL;
	int cols[CP_COL_COUNT], rc;
	volatile int cancel = 0;
	char why[256];

	CU_ASSERT_EQUAL_FATAL(cp_sandbox_prepare(db, &sb,
	    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
	    "SELECT " COLS " FROM c WHERE x < 0", &st, cols, why,
	    sizeof(why)), CP_OK);
	sb.budget = 100000;
	cp_sandbox_reset(&sb);
	rc = sqlite3_step(st);
	CU_ASSERT_EQUAL(rc, SQLITE_INTERRUPT);
	CU_ASSERT_EQUAL(sb.stopped, 1);
	CU_ASSERT_TRUE(sb.steps > 100000 && sb.steps <= 100000 +
	    CP_SANDBOX_PROGRESS_STEP);

	/* The cancel flag stops it too, whatever the budget. */
	sqlite3_reset(st);
	sb.budget = 0;
	sb.cancel = &cancel;
	cancel = 1;
	cp_sandbox_reset(&sb);
	CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_INTERRUPT);
	CU_ASSERT_EQUAL(sb.stopped, 2);
	sb.cancel = NULL;
	sb.budget = CP_SANDBOX_DEFAULT_BUDGET;
	sqlite3_finalize(st);
}

static void
test_sandbox_limits(void)
{
	char *sql;
	size_t n = 200 * 1024, i;

	/* A statement longer than SQLITE_LIMIT_SQL_LENGTH. */
	sql = malloc(n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sql);
	memcpy(sql, "SELECT " COLS " --", strlen("SELECT " COLS " --"));
	for (i = strlen("SELECT " COLS " --"); i < n; i++)
		sql[i] = 'x';
	sql[n] = '\0';
	REFUSED(sql, "string or blob too big");
	free(sql);
	/* A string past SQLITE_LIMIT_LENGTH cannot be built. */
	{
		sqlite3_stmt *st = NULL;
		int cols[CP_COL_COUNT];
		char why[256];

		CU_ASSERT_EQUAL_FATAL(cp_sandbox_prepare(db, &sb,
		    "WITH RECURSIVE s(x, n) AS (SELECT 'x', 0 UNION ALL "
		    "SELECT x || x, n + 1 FROM s WHERE n < 30) "
		    "SELECT x AS resource_id, '' AS resource_name, "
		    "'' AS status, '' AS detail, '' AS value, "
		    "'' AS condition FROM s WHERE n = 30", &st, cols, why,
		    sizeof(why)), CP_OK);
		CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_TOOBIG);
		sqlite3_finalize(st);
	}
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{"reading_allowed", test_sandbox_reading_allowed},
		{"column_order_free", test_sandbox_column_order_free},
		{"writes_refused", test_sandbox_writes_refused},
		{"functions_refused", test_sandbox_functions_refused},
		{"statement_shape", test_sandbox_statement_shape},
		{"runaway_stopped", test_sandbox_runaway_stopped},
		{"limits", test_sandbox_limits},
		{NULL, NULL},
	};
	char why[256];
	int rc;

	funcs.now = 1714521600;
	if (cp_sandbox_open_checker(&db, &sb, &funcs, why, sizeof(why)) !=
	    CP_OK) {
		fprintf(stderr, "%s\n", why);
		return 2;
	}
	sb.budget = CP_SANDBOX_DEFAULT_BUDGET;
	rc = cp_test_run("sandbox", tests);
	sqlite3_close(db);
	return rc;
}
