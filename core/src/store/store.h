/*
 * store.h - the state store: portals, environments, units, audit log and
 * encrypted secrets, behind one interface so that another backend
 * (PostgreSQL) can be added without touching the callers.
 *
 * The SQLite backend keeps <state_dir>/cloudpatrol.db in WAL mode with a
 * busy timeout, migrated by PRAGMA user_version (one transaction each), and
 * <state_dir>/secret.key (32 random bytes, created 0600 on first use) for
 * AES-256-GCM.
 *
 * Threads: a cp_store is one SQLite connection.  Open one per thread and
 * never share a handle between threads; several handles (in one process or
 * in several) may work on one state dir at once.  Writers wait for each
 * other (busy timeout, BEGIN IMMEDIATE), so SQLITE_BUSY reaches the caller
 * only as CP_E_BUSY after the timeout has passed.
 *
 * Errors: every function returns a cp_err and leaves a sentence in
 * cp_store_errmsg(st).  Secret values never appear in it.
 */
#ifndef CP_STORE_H
#define CP_STORE_H

#include <stdint.h>

#include <jansson.h>

#include "util/util.h"

typedef struct cp_store cp_store;
struct sqlite3;

/* The schema version this binary writes (the last migration). */
int cp_store_schema_version(void);

#define CP_STORE_CREATE 0x1u   /* create the state dir, db and key file */
#define CP_STORE_READONLY 0x2u /* open for reading only */

/*
 * Opens the store under state_dir, creating and migrating it as needed.
 * Refuses a database or key file that group or others may read
 * (CP_E_PERM), and a database newer than this binary (CP_E_STORE_VERSION).
 * On failure *out may still hold a handle whose errmsg says why; destroy it
 * with cp_store_close.
 */
cp_err cp_store_open(const char *state_dir, unsigned flags, cp_store **out);
void cp_store_close(cp_store *st);
/* The detail of the last failure on st; never NULL (also for st NULL). */
const char *cp_store_errmsg(const cp_store *st);
/* The state dir st was opened on (borrowed from st). */
const char *cp_store_dir(const cp_store *st);
/*
 * The SQLite connection of st, for the core's later subsystems (their
 * tables come with migrations in migrate.c).  Borrowed: never close it and
 * never hand it to another thread.
 */
struct sqlite3 *cp_store_db(cp_store *st);

/*
 * One write transaction (BEGIN IMMEDIATE: it waits for other writers up to
 * the busy timeout).  Transactions nest: a begin inside an open one is a
 * savepoint, whose commit keeps its changes for the outer transaction and
 * whose rollback undoes only them; nothing is durable before the outermost
 * commit.  A failed commit rolls back that level.  Rollback without a
 * transaction does nothing.  Every begin is paired with one commit or one
 * rollback.
 */
cp_err cp_store_begin(cp_store *st);
cp_err cp_store_commit(cp_store *st);
void cp_store_rollback(cp_store *st);
/* Ends the transaction by the outcome of its work: commits when r is
 * CP_OK (and returns the commit's result), else rolls back and returns
 * r. */
cp_err cp_store_end(cp_store *st, cp_err r);

/*
 * ---- secrets (AES-256-GCM) ----
 * The blob is version (1 byte) | nonce (12) | ciphertext | tag (16); the
 * version byte is authenticated as well.  Seal returns an owned *blob
 * (free).  Unseal answers CP_E_CRYPTO for any blob that was changed or
 * sealed under another key.  Plain texts are limited to 1 MiB (CP_E_LIMIT).
 */
#define CP_STORE_SECRET_MAX (1024u * 1024u)

cp_err cp_store_seal(cp_store *st, const void *plain, size_t n,
    unsigned char **blob, size_t *blob_len);
/* *plain is NUL-terminated and owned: wipe it (cp_memwipe) then free. */
cp_err cp_store_unseal(cp_store *st, const unsigned char *blob, size_t blob_len,
    char **plain, size_t *n);

/* ---- portals (R-TEN-1) ---- */
struct cp_portal {
	int64_t id;
	char name[64];    /* [a-z0-9-]{1,63} */
	char lang[8];     /* "ja" | "en" */
	char created[32]; /* ISO 8601 UTC */
	int patrol_minute; /* the daily patrol report: minute of the day */
	char timezone[64]; /* its time zone: "UTC", "Asia/Tokyo" */
};

/* List callbacks: a return other than CP_OK stops the walk and is returned. */
typedef cp_err (*cp_portal_fn)(void *ud, const struct cp_portal *p);

/* Names: CP_E_INVALID unless [a-z0-9-]{1,63}; CP_E_EXISTS when taken. */
cp_err cp_portal_add(
    cp_store *st, const char *name, const char *lang, int64_t *id);
cp_err cp_portal_get(cp_store *st, const char *name, struct cp_portal *out);
cp_err cp_portal_list(cp_store *st, cp_portal_fn fn, void *ud);
/*
 * Removes the portal and everything it owns (R-REG-6), its audit rows
 * included: record a portal's removal with portal_id 0.  CP_E_NOTFOUND when
 * there is no such portal.
 */
cp_err cp_portal_remove(cp_store *st, const char *name);
/*
 * Sets when the daily patrol report of portal name goes out: minute of the
 * day (0..1410, a multiple of 30) in time zone tz (a name the caller has
 * checked, cp_tz_load).  CP_E_INVALID for a minute off the 30-minute
 * steps, CP_E_NOTFOUND without such a portal.
 */
cp_err cp_portal_set_patrol(cp_store *st, const char *name, int minute,
    const char *tz);

/* ---- environments and units (R-REG-1..6) ---- */
struct cp_env {
	int64_t id;
	int64_t portal_id;
	char name[64];
	char cloud[16];
	char account[128]; /* the cloud's id of the credential */
	int remediation;   /* registered with remediation */
	char created[32];
};

typedef cp_err (*cp_env_fn)(void *ud, const struct cp_env *e);

/*
 * Adds an environment.  params holds its public settings (stored as JSON),
 * secrets its secret ones (sealed before they are stored); either may be
 * NULL, else a JSON object, and no key may be in both.  name is like a
 * portal's, cloud [a-z0-9-]{1,15}, account printable and at most 127
 * bytes.  CP_E_NOTFOUND when the portal does not exist.
 */
cp_err cp_env_add(cp_store *st, int64_t portal_id, const char *name,
    const char *cloud, const char *account, int remediation,
    const json_t *params, const json_t *secrets, int64_t *id);
cp_err cp_env_get(
    cp_store *st, int64_t portal_id, const char *name, struct cp_env *out);
/*
 * The merged parameters and unsealed secrets of env: a new reference
 * (json_decref).  jansson cannot wipe its copies of the secret strings:
 * drop the reference as soon as the credentials have been used.
 */
cp_err cp_env_credentials(cp_store *st, int64_t env_id, json_t **out);
cp_err cp_env_list(cp_store *st, int64_t portal_id, cp_env_fn fn, void *ud);
/* Removes the environment and everything it owns (R-REG-6). */
cp_err cp_env_remove(cp_store *st, int64_t portal_id, const char *name);

struct cp_unit {
	int64_t id;
	int64_t env_id;
	char unit[128]; /* the cloud's id: account, subscription */
	char name[128];
	int remediation;
	int inspect; /* the periodic inspection switch (R-INS-1) */
};

typedef cp_err (*cp_unit_fn)(void *ud, const struct cp_unit *u);

/*
 * Adds a unit, or updates the name and remediation of one that exists (by
 * env and unit id); inspect applies only to a new unit, so the operator's
 * periodic-inspection switch survives every re-sync.  unit is 1..127
 * printable bytes, name at
 * most 127.  CP_E_NOTFOUND when the environment does not exist; set_inspect
 * and remove answer it when the unit does not.
 */
cp_err cp_unit_put(cp_store *st, int64_t env_id, const char *unit,
    const char *name, int remediation, int inspect);
cp_err cp_unit_list(cp_store *st, int64_t env_id, cp_unit_fn fn, void *ud);
/* One unit of env_id by the cloud's id; CP_E_NOTFOUND when none. */
cp_err cp_unit_get(cp_store *st, int64_t env_id, const char *unit,
    struct cp_unit *out);
cp_err cp_unit_set_inspect(
    cp_store *st, int64_t env_id, const char *unit, int on);
cp_err cp_unit_remove(cp_store *st, int64_t env_id, const char *unit);

/*
 * ---- audit log: who did what, never secrets ----
 * portal_id 0 records an installation-wide action.  actor (at most 255
 * bytes) and action (at most 63) are required, detail (at most 4095) may be
 * NULL.  The time is now, ISO 8601 UTC.
 */
cp_err cp_audit(cp_store *st, int64_t portal_id, const char *actor,
    const char *action, const char *detail);

struct cp_audit_entry {
	int64_t id;
	int64_t portal_id; /* 0: installation-wide */
	char time[32];     /* ISO 8601 UTC */
	const char *actor; /* borrowed for the callback only */
	const char *action;
	const char *detail;
};

typedef cp_err (*cp_audit_fn)(void *ud, const struct cp_audit_entry *a);

/*
 * Walks the audit rows of portal_id (0: the installation-wide ones, -1:
 * all), oldest first, at most limit of the newest rows (0: no limit).
 */
cp_err cp_audit_list(
    cp_store *st, int64_t portal_id, size_t limit, cp_audit_fn fn, void *ud);

#endif /* CP_STORE_H */
