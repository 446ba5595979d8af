/*
 * sandbox.c - hardening a connection for policy SQL, its authorizer and
 * progress handler, and preparing a policy's one statement.
 *
 * The read-only open and the authorizer overlap on purpose: the first
 * keeps the snapshot file safe whatever SQLite allows, the second keeps a
 * policy from reaching anything but the data (PRAGMAs that read files,
 * ATTACH of another file, functions with side effects).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "inventory/snapshot.h"
#include "policy/sandbox.h"
#include "util/util.h"

const char *const cp_policy_column_names[CP_COL_COUNT] = {
	"resource_id", "resource_name", "status", "detail", "value",
	"condition"
};

/*
 * SQLite's functions a policy may call: no side effects, no access to
 * anything outside the statement, bounded memory.  Date functions are
 * here although 'now' reads the real clock: days_since() is the one
 * that follows the engine's clock.
 */
static const char *const allowed_functions[] = {
	/* core scalars */
	"abs", "char", "coalesce", "format", "glob", "hex", "ifnull", "iif",
	"instr", "length", "like", "likelihood", "likely", "lower", "ltrim",
	"max", "min", "nullif", "octet_length", "printf", "quote", "replace",
	"round", "rtrim", "sign", "substr", "substring", "trim", "typeof",
	"unhex", "unicode", "unlikely", "upper",
	/* aggregates */
	"avg", "count", "group_concat", "string_agg", "sum", "total",
	/* window functions */
	"row_number", "rank", "dense_rank", "percent_rank", "cume_dist",
	"ntile", "lag", "lead", "first_value", "last_value", "nth_value",
	/* dates */
	"date", "time", "datetime", "julianday", "unixepoch", "strftime",
	"timediff",
	/* math */
	"acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil",
	"ceiling", "cos", "cosh", "degrees", "exp", "floor", "ln", "log",
	"log10", "log2", "mod", "pi", "pow", "power", "radians", "sin", "sinh",
	"sqrt", "tan", "tanh", "trunc",
	/* JSON, and the -> and ->> operators */
	"json", "json_array", "json_array_length", "json_extract",
	"json_insert", "json_object", "json_patch", "json_remove",
	"json_replace", "json_set", "json_type", "json_valid", "json_quote",
	"json_group_array", "json_group_object", "json_error_position",
	"->", "->>",
	NULL
};

/* Table-valued functions (eponymous virtual tables) a policy may read. */
static const char *const allowed_vtabs[] = {
	"json_each", "json_tree", NULL
};

/* Eponymous virtual tables that show the database's insides. */
static const char *const denied_vtabs[] = {
	"sqlite_dbpage", "sqlite_stmt", "dbstat", "fts3tokenize", NULL
};

static int
in_list(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcasecmp(*list, name) == 0)
			return 1;
	return 0;
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "?";
}

/* A sentence for the refused action, e.g. "INSERT into meta". */
static void
describe(int action, const char *a, const char *b, const char *db,
    char *buf, size_t n)
{
	/* CREATE, DROP and ANALYZE first ask to write the schema table. */
	if ((action == SQLITE_INSERT || action == SQLITE_UPDATE ||
	    action == SQLITE_DELETE) && a != NULL &&
	    (strcmp(a, "sqlite_master") == 0 ||
	    strcmp(a, "sqlite_temp_master") == 0 ||
	    strcmp(a, "sqlite_schema") == 0)) {
		snprintf(buf, n, "changing the schema (%s)", a);
		return;
	}
	switch (action) {
	case SQLITE_INSERT:
		snprintf(buf, n, "INSERT into %s", nz(a));
		break;
	case SQLITE_UPDATE:
		snprintf(buf, n, "UPDATE of %s", nz(a));
		break;
	case SQLITE_DELETE:
		snprintf(buf, n, "DELETE from %s", nz(a));
		break;
	case SQLITE_PRAGMA:
		snprintf(buf, n, "PRAGMA %s", nz(a));
		break;
	case SQLITE_ATTACH:
		snprintf(buf, n, "ATTACH of %s", nz(a));
		break;
	case SQLITE_DETACH:
		snprintf(buf, n, "DETACH of %s", nz(a));
		break;
	case SQLITE_TRANSACTION:
		snprintf(buf, n, "transaction %s", nz(a));
		break;
	case SQLITE_SAVEPOINT:
		snprintf(buf, n, "SAVEPOINT %s", nz(b));
		break;
	case SQLITE_FUNCTION:
		snprintf(buf, n, "function %s()", nz(b));
		break;
	case SQLITE_READ:
		snprintf(buf, n, "reading %s%s%s", db != NULL ? db : "",
		    db != NULL ? "." : "", nz(a));
		break;
	case SQLITE_CREATE_INDEX:
	case SQLITE_CREATE_TABLE:
	case SQLITE_CREATE_TEMP_INDEX:
	case SQLITE_CREATE_TEMP_TABLE:
	case SQLITE_CREATE_TEMP_TRIGGER:
	case SQLITE_CREATE_TEMP_VIEW:
	case SQLITE_CREATE_TRIGGER:
	case SQLITE_CREATE_VIEW:
	case SQLITE_CREATE_VTABLE:
		snprintf(buf, n, "CREATE %s", nz(a));
		break;
	case SQLITE_DROP_INDEX:
	case SQLITE_DROP_TABLE:
	case SQLITE_DROP_TEMP_INDEX:
	case SQLITE_DROP_TEMP_TABLE:
	case SQLITE_DROP_TEMP_TRIGGER:
	case SQLITE_DROP_TEMP_VIEW:
	case SQLITE_DROP_TRIGGER:
	case SQLITE_DROP_VIEW:
	case SQLITE_DROP_VTABLE:
		snprintf(buf, n, "DROP %s", nz(a));
		break;
	case SQLITE_ALTER_TABLE:
		snprintf(buf, n, "ALTER TABLE %s", nz(b));
		break;
	case SQLITE_REINDEX:
		snprintf(buf, n, "REINDEX %s", nz(a));
		break;
	case SQLITE_ANALYZE:
		snprintf(buf, n, "ANALYZE %s", nz(a));
		break;
	default:
		snprintf(buf, n, "action %d", action);
		break;
	}
}

/*
 * Reading is allowed from the snapshot's schemas and from the JSON
 * table-valued functions; the temp schema holds nothing of ours.
 */
static int
authorize(void *ud, int action, const char *a, const char *b,
    const char *db, const char *trigger)
{
	struct cp_sandbox *sb = ud;

	(void)trigger;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_READ:
		/* PRAGMA functions and the other introspection tables are
		 * PRAGMAs in disguise. */
		if (a != NULL && (strncasecmp(a, "pragma_", 7) == 0 ||
		    in_list(denied_vtabs, a)))
			break;
		if (db == NULL || strcmp(db, "main") == 0 ||
		    strcmp(db, "tenant") == 0)
			return SQLITE_OK;
		if (a != NULL && in_list(allowed_vtabs, a))
			return SQLITE_OK;
		break;
	case SQLITE_FUNCTION:
		if (b != NULL && (in_list(allowed_functions, b) ||
		    in_list(cp_sqlfuncs_names, b)))
			return SQLITE_OK;
		break;
	default:
		break;
	}
	if (sb->refused[0] == '\0')
		describe(action, a, b, db, sb->refused, sizeof(sb->refused));
	return SQLITE_DENY;
}

static int
progress(void *ud)
{
	struct cp_sandbox *sb = ud;

	sb->steps += CP_SANDBOX_PROGRESS_STEP;
	if (sb->cancel != NULL && *sb->cancel != 0) {
		sb->stopped = 2;
		return 1;
	}
	if (sb->budget != 0 && sb->steps > sb->budget) {
		sb->stopped = 1;
		return 1;
	}
	return 0;
}

void
cp_sandbox_reset(struct cp_sandbox *sb)
{
	sb->refused[0] = '\0';
	sb->steps = 0;
	sb->stopped = 0;
}

cp_err
cp_sandbox_install(sqlite3 *db, struct cp_sandbox *sb, char *why,
    size_t why_size)
{
	static const struct {
		int op, on;
	} cfg[] = {
		{SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0},
		{SQLITE_DBCONFIG_DEFENSIVE, 1},
		{SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0},
		{SQLITE_DBCONFIG_ENABLE_TRIGGER, 0},
		{SQLITE_DBCONFIG_DQS_DML, 0},
		{SQLITE_DBCONFIG_DQS_DDL, 0},
	};
	/*
	 * A document may be 4 MiB (inventory/snapshot.h); a policy at most
	 * 64 KiB; the rest bounds what a statement may build.
	 */
	static const struct {
		int id, value;
	} limits[] = {
		{SQLITE_LIMIT_LENGTH, 16 * 1024 * 1024},
		{SQLITE_LIMIT_SQL_LENGTH, 128 * 1024},
		{SQLITE_LIMIT_COLUMN, 100},
		{SQLITE_LIMIT_EXPR_DEPTH, 200},
		{SQLITE_LIMIT_COMPOUND_SELECT, 64},
		{SQLITE_LIMIT_VDBE_OP, 250000},
		{SQLITE_LIMIT_FUNCTION_ARG, 64},
		{SQLITE_LIMIT_ATTACHED, 2},
		{SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000},
		{SQLITE_LIMIT_VARIABLE_NUMBER, 32},
		{SQLITE_LIMIT_TRIGGER_DEPTH, 1},
		{SQLITE_LIMIT_WORKER_THREADS, 0},
	};
	size_t i;
	int got;

	for (i = 0; i < CP_ARRAY_LEN(cfg); i++) {
		got = -1;
		if (sqlite3_db_config(db, cfg[i].op, cfg[i].on, &got) !=
		    SQLITE_OK || got != cfg[i].on) {
			cp_snprintf(why, why_size, "sandbox: this SQLite "
			    "refuses db_config option %d", cfg[i].op);
			return CP_E_UNSUPPORTED;
		}
	}
	for (i = 0; i < CP_ARRAY_LEN(limits); i++)
		sqlite3_limit(db, limits[i].id, limits[i].value);
	/*
	 * The first use of json_each or json_tree on a connection creates
	 * its eponymous table, which the authorizer sees as an UPDATE of
	 * sqlite_master: create them here, before it watches.
	 */
	if (sqlite3_exec(db, "SELECT * FROM json_each('[]');"
	    "SELECT * FROM json_tree('[]')", NULL, NULL, NULL) != SQLITE_OK) {
		cp_snprintf(why, why_size, "sandbox: %s", sqlite3_errmsg(db));
		return CP_E_UNSUPPORTED;
	}
	cp_sandbox_reset(sb);
	if (sqlite3_set_authorizer(db, authorize, sb) != SQLITE_OK) {
		cp_snprintf(why, why_size, "sandbox: cannot set authorizer");
		return CP_E_UNSUPPORTED;
	}
	sqlite3_progress_handler(db, CP_SANDBOX_PROGRESS_STEP, progress, sb);
	return CP_OK;
}

/* Skips space and SQL comments; returns where something else starts. */
static const char *
skip_space_comments(const char *s)
{
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
		    *s == '\f' || *s == '\v' || *s == ';')
			s++;
		if (s[0] == '-' && s[1] == '-') {
			s = strchr(s, '\n');
			if (s == NULL)
				return "";
		} else if (s[0] == '/' && s[1] == '*') {
			s = strstr(s + 2, "*/");
			if (s == NULL)
				return "";
			s += 2;
		} else
			return s;
	}
}

static cp_err
check_columns(sqlite3_stmt *st, int cols[CP_COL_COUNT], char *why,
    size_t why_size)
{
	int n = sqlite3_column_count(st), i, c;
	const char *name;

	for (c = 0; c < CP_COL_COUNT; c++)
		cols[c] = -1;
	for (i = 0; i < n; i++) {
		name = sqlite3_column_name(st, i);
		if (name == NULL)
			return CP_E_NOMEM;
		for (c = 0; c < CP_COL_COUNT; c++)
			if (strcasecmp(name, cp_policy_column_names[c]) == 0)
				break;
		if (c == CP_COL_COUNT) {
			cp_snprintf(why, why_size, "column '%.64s' is not one "
			    "of resource_id, resource_name, status, detail, "
			    "value, condition", name);
			return CP_E_INVALID;
		}
		if (cols[c] != -1) {
			cp_snprintf(why, why_size, "column '%s' appears twice",
			    cp_policy_column_names[c]);
			return CP_E_INVALID;
		}
		cols[c] = i;
	}
	for (c = 0; c < CP_COL_COUNT; c++)
		if (cols[c] == -1) {
			cp_snprintf(why, why_size, "the statement returns no "
			    "column '%s'", cp_policy_column_names[c]);
			return CP_E_INVALID;
		}
	return CP_OK;
}

cp_err
cp_sandbox_prepare(sqlite3 *db, struct cp_sandbox *sb, const char *sql,
    sqlite3_stmt **out, int cols[CP_COL_COUNT], char *why, size_t why_size)
{
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	int rc;
	cp_err r = CP_E_INVALID;

	*out = NULL;
	cp_sandbox_reset(sb);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, &tail);
	if (rc != SQLITE_OK) {
		if (sb->refused[0] != '\0')
			cp_snprintf(why, why_size, "%s is refused: policy SQL "
			    "may only read", sb->refused);
		else
			cp_snprintf(why, why_size, "%s", sqlite3_errmsg(db));
		r = (rc & 0xff) == SQLITE_NOMEM ? CP_E_NOMEM : CP_E_INVALID;
		goto out;
	}
	if (st == NULL) {
		cp_snprintf(why, why_size, "no SQL statement");
		goto out;
	}
	if (tail != NULL && *skip_space_comments(tail) != '\0') {
		cp_snprintf(why, why_size, "more than one statement (a policy "
		    "is one SELECT)");
		goto out;
	}
	if (!sqlite3_stmt_readonly(st) || sqlite3_stmt_isexplain(st) != 0 ||
	    sqlite3_column_count(st) == 0) {
		cp_snprintf(why, why_size, "not a SELECT statement");
		goto out;
	}
	r = check_columns(st, cols, why, why_size);
	if (r != CP_OK)
		goto out;
	*out = st;
	st = NULL;
out:
	sqlite3_finalize(st);
	return r;
}

cp_err
cp_sandbox_open_checker(sqlite3 **out, struct cp_sandbox *sb,
    struct cp_sqlfuncs *funcs, char *why, size_t why_size)
{
	sqlite3 *db = NULL;
	char schema[4096];
	cp_err r = CP_E_NOMEM;

	*out = NULL;
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(db, "ATTACH DATABASE ':memory:' AS tenant", NULL,
	    NULL, NULL) != SQLITE_OK ||
	    cp_snapshot_schema_sql("main", schema, sizeof(schema)) != CP_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    cp_snapshot_schema_sql("tenant", schema, sizeof(schema)) != CP_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (cp_sqlfuncs_register(db, funcs) != CP_OK)
		goto fail;
	r = cp_sandbox_install(db, sb, why, why_size);
	if (r != CP_OK) {
		sqlite3_close(db);
		return r;
	}
	*out = db;
	return CP_OK;
fail:
	cp_snprintf(why, why_size, "policy checker: %s",
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_close(db);
	return r;
}
