/*
 * sandbox.h - the walls around policy SQL.
 *
 * Policy SQL comes from packs anyone may write, and it runs against the
 * inventory of a customer's cloud.  A connection that runs it is hardened
 * once (no extension loading, defensive mode, untrusted schema, tight
 * limits) and watched by two callbacks: an authorizer that lets a
 * statement read tables and call only allow-listed functions (SQLite's
 * deterministic built-ins, its JSON and date functions, ours), and a
 * progress handler that stops a statement past a budget of VM steps.
 *
 * What is allowed, by authorizer action: SQLITE_SELECT, SQLITE_READ,
 * SQLITE_RECURSIVE (WITH RECURSIVE), SQLITE_FUNCTION for an allowed
 * function.  Everything else - INSERT, UPDATE, DELETE, CREATE, DROP,
 * ALTER, ATTACH, DETACH, every PRAGMA, transactions, savepoints, ANALYZE,
 * REINDEX, virtual tables - is refused, and so are functions such as
 * load_extension(), random(), zeroblob(), sqlite_version(), readfile().
 */
#ifndef CP_POLICY_SANDBOX_H
#define CP_POLICY_SANDBOX_H

#include <stddef.h>

#include <sqlite3.h>

#include <cloudpatrol/err.h>

#include "policy/sqlfuncs.h"

/* VM steps between two calls of the progress handler. */
#define CP_SANDBOX_PROGRESS_STEP 1000
/*
 * Steps a policy may take by default.  Measured: a policy reading one
 * field takes about 14 steps per resource, one walking an NSG's rules
 * about 90; so this passes units of millions of resources, and stops a
 * runaway recursive CTE within a few seconds.
 */
#define CP_SANDBOX_DEFAULT_BUDGET 200000000ull

/* The result columns every policy returns, in this order here. */
enum cp_policy_column {
	CP_COL_RESOURCE_ID = 0,
	CP_COL_RESOURCE_NAME = 1,
	CP_COL_STATUS = 2,
	CP_COL_DETAIL = 3,
	CP_COL_VALUE = 4,
	CP_COL_CONDITION = 5,
	CP_COL_COUNT = 6
};

extern const char *const cp_policy_column_names[CP_COL_COUNT];

/* A connection's watch state; owned by whoever owns the connection. */
struct cp_sandbox {
	char refused[256];		/* the authorizer's first refusal */
	unsigned long long steps;	/* VM steps of the current statement */
	unsigned long long budget;	/* 0: no limit */
	volatile int *cancel;		/* non-zero stops the statement */
	int stopped;			/* 1 budget spent, 2 cancelled */
};

/*
 * Hardens db and installs the authorizer and progress handler watching
 * sb, which must outlive db.  Call after every ATTACH and schema set-up:
 * from here on the connection only reads.
 */
cp_err cp_sandbox_install(sqlite3 *db, struct cp_sandbox *sb, char *why,
    size_t why_size);

/* Clears the refusal and step count before a statement. */
void cp_sandbox_reset(struct cp_sandbox *sb);

/*
 * Prepares sql as a policy statement: exactly one statement (what follows
 * it may only be space and comments), read-only, not EXPLAIN, returning
 * exactly the six columns of enum cp_policy_column by name (any order,
 * case-insensitive).  cols[c] receives the result index of column c.
 * why says what is wrong, e.g. "INSERT into meta is refused: policy SQL
 * may only read" or "more than one statement".
 */
cp_err cp_sandbox_prepare(sqlite3 *db, struct cp_sandbox *sb,
    const char *sql, sqlite3_stmt **out, int cols[CP_COL_COUNT], char *why,
    size_t why_size);

/*
 * An in-memory database with the snapshot schema in "main" and "tenant",
 * the helper functions on funcs, and the sandbox: for checking policy SQL
 * when packs load.  Close with sqlite3_close().
 */
cp_err cp_sandbox_open_checker(sqlite3 **out, struct cp_sandbox *sb,
    struct cp_sqlfuncs *funcs, char *why, size_t why_size);

#endif /* CP_POLICY_SANDBOX_H */
