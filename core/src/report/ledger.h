/*
 * ledger.h - the ledgers: the cloud asset ledger (R-ASM-1), the account
 * ledger (R-REP-4) and the resource list (R-REP-5).
 *
 * Each is read from the latest snapshot of every unit in scope, with SQL,
 * one row at a time, so a unit of millions of resources never sits in
 * memory.  A unit never inspected gives one row saying so; a collector
 * that failed in the snapshot gives one row saying which data is missing,
 * so a short ledger is never mistaken for a complete one.
 *
 * The caller starts the table (cp_ledger_*_table) and then asks for the
 * rows of each unit (cp_ledger_*_unit).  The account ledger has one
 * column set per cloud: cp_ledger_accounts_table(cloud) is that cloud's
 * table, or, for a cloud without one, the table of "other clouds" whose
 * one row per unit says there is no ledger for it yet.
 */
#ifndef CP_REPORT_LEDGER_H
#define CP_REPORT_LEDGER_H

#include <stddef.h>

#include <sqlite3.h>

#include "log/log.h"
#include "report/report.h"
#include "store/store.h"

struct cp_ledger_opts {
	const char *lang;		/* "en" or "ja" */
	const char *state_dir;		/* where the snapshots are */
	cp_log *log;			/* may be NULL */
};

/* Asset ledger (assets.c). */
const struct cp_report_table *cp_ledger_assets_table(void);
cp_err cp_ledger_assets_unit(const struct cp_ledger_opts *o,
    const struct cp_env *env, const struct cp_unit *unit, cp_report *rep,
    char *why, size_t why_size);

/*
 * The asset ledger's judgement, shared with the ASM targets derived from
 * the snapshots (asm/derived.c): one asset of a unit's snapshot, its
 * category, and its addresses split into public and private (IPv6 is
 * public only in a subnet that routes ::/0 to an internet gateway).
 * Lists are ", "-joined; a NULL member is unknown or empty.  Every string
 * is borrowed for the callback only.  reason is in o's language.
 */
enum cp_asset_category {
	CP_ASSET_PUBLIC = 0,		/* A: it has a public address now */
	CP_ASSET_POSSIBLE = 1,		/* B: one step away from one */
	CP_ASSET_PRIVATE = 2		/* B: private addresses only */
};

struct cp_asset {
	const char *type, *id, *name, *region;
	enum cp_asset_category category;
	const char *public_ips;		/* IPv4 and IPv6 */
	const char *private_ips;
	const char *dns;		/* its DNS name (public when A) */
	const char *vpc, *subnets, *state, *reason;
};

typedef cp_err (*cp_asset_fn)(void *ud, const struct cp_asset *a);

/* Whether the asset ledger has rules for cloud ("aws", "azure"). */
int cp_ledger_assets_has_rules(const char *cloud);
/*
 * The collectors whose failure leaves assets of cloud out (NULL-terminated,
 * static), for cp_ledger_collector_errors; NULL without rules.
 */
const char *const *cp_ledger_assets_collectors(const char *cloud);
/*
 * Calls fn for each asset of db, an open snapshot of cloud (from
 * cp_ledger_open), in the ledger's order; what the ledger leaves out
 * (terminated instances, an instance's own interfaces...) fn never sees.
 * A return of fn other than CP_OK stops the walk and is returned.
 * CP_E_UNSUPPORTED for a cloud without rules; collector errors are not
 * reported here (cp_ledger_collector_errors).
 */
cp_err cp_ledger_assets_each(const struct cp_ledger_opts *o,
    const char *cloud, sqlite3 *db, cp_asset_fn fn, void *ud, char *why,
    size_t why_size);

/* Account ledger (accounts.c): whether cloud has a column set. */
int cp_ledger_accounts_has(const char *cloud);
const struct cp_report_table *cp_ledger_accounts_table(const char *cloud);
/* The rows of unit for the table of env->cloud (started by the caller). */
cp_err cp_ledger_accounts_unit(const struct cp_ledger_opts *o,
    const struct cp_env *env, const struct cp_unit *unit, cp_report *rep,
    char *why, size_t why_size);

/* Resource list (resources.c). */
const struct cp_report_table *cp_ledger_resources_table(void);
cp_err cp_ledger_resources_unit(const struct cp_ledger_opts *o,
    const struct cp_env *env, const struct cp_unit *unit, cp_report *rep,
    char *why, size_t why_size);

/* ---- shared by the three (ledger.c) ---- */

/* The text in the ledger's language. */
const char *cp_ledger_text(const struct cp_ledger_opts *o, const char *en,
    const char *ja)
#if defined(__GNUC__)
    __attribute__((format_arg(2)))
#endif
    ;

/*
 * Opens the unit's latest snapshot read-only.  CP_E_NOTFOUND (why empty)
 * when the unit was never inspected; another error, with why, when the
 * file is there but is not a snapshot this build reads.
 */
cp_err cp_ledger_open(const struct cp_ledger_opts *o,
    const struct cp_unit *unit, sqlite3 **db, char *why, size_t why_size);

/*
 * Calls fn for each collector error of db whose collector is in the
 * NULL-terminated list (NULL: every one), ordered by collector.
 */
cp_err cp_ledger_collector_errors(sqlite3 *db, const char *const *only,
    cp_err (*fn)(void *ud, const char *collector, const char *message),
    void *ud, char *why, size_t why_size);

/* Column i of stmt as text, or NULL (for an empty cell). */
const char *cp_ledger_col(sqlite3_stmt *stmt, int i);

/* The "never inspected" and "collector failed" sentences. */
const char *cp_ledger_never_inspected(const struct cp_ledger_opts *o);
void cp_ledger_collector_note(const struct cp_ledger_opts *o,
    const char *collector, const char *message, char *buf, size_t n);

/* The options of a report run. */
struct rrun;
void cp_ledger_opts_of(const struct rrun *x, struct cp_ledger_opts *o);

/* why for a failed statement on db. */
cp_err cp_ledger_sql_error(sqlite3 *db, const char *what, char *why,
    size_t why_size);

#endif /* CP_REPORT_LEDGER_H */
