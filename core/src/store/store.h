/*
 * store.h - the state store: portals, environments, units, audit log and
 * encrypted secrets, behind one interface so that another backend
 * (PostgreSQL) can be added without touching the callers.
 *
 * The SQLite backend keeps <state_dir>/cloudpatrol.db in WAL mode with a
 * busy timeout, migrated by PRAGMA user_version (one transaction each), and
 * <state_dir>/secret.key (32 random bytes, created 0600 on first use) for
 * AES-256-GCM.  A cp_store is one connection: one per thread.
 */
#ifndef CP_STORE_H
#define CP_STORE_H

#include <stdint.h>

#include <jansson.h>

#include "util/util.h"

typedef struct cp_store cp_store;

/* The schema version this binary writes (the last migration). */
int cp_store_schema_version(void);

#define CP_STORE_CREATE 0x1u	/* create the state dir, db and key file */
#define CP_STORE_READONLY 0x2u	/* open for reading only */

/*
 * Opens the store under state_dir, creating and migrating it as needed.
 * Refuses a database or key file that group or others may read
 * (CP_E_PERM), and a database newer than this binary (CP_E_STORE_VERSION).
 * On failure *out may still hold a handle whose errmsg says why; destroy it
 * with cp_store_close.
 */
cp_err cp_store_open(const char *state_dir, unsigned flags, cp_store **out);
void cp_store_close(cp_store *st);
/* The detail of the last failure on st; never NULL. */
const char *cp_store_errmsg(const cp_store *st);

cp_err cp_store_begin(cp_store *st);
cp_err cp_store_commit(cp_store *st);
void cp_store_rollback(cp_store *st);

/* ---- secrets (AES-256-GCM; the blob is nonce | ciphertext | tag) ---- */
cp_err cp_store_seal(cp_store *st, const void *plain, size_t n,
    unsigned char **blob, size_t *blob_len);
/* *plain is NUL-terminated and owned: wipe it (cp_memwipe) then free. */
cp_err cp_store_unseal(cp_store *st, const unsigned char *blob,
    size_t blob_len, char **plain, size_t *n);

/* ---- portals (R-TEN-1) ---- */
struct cp_portal {
	int64_t id;
	char name[64];		/* [a-z0-9-]{1,63} */
	char lang[8];		/* "ja" | "en" */
	char created[32];	/* ISO 8601 UTC */
};

typedef cp_err (*cp_portal_fn)(void *ud, const struct cp_portal *p);

cp_err cp_portal_add(cp_store *st, const char *name, const char *lang,
    int64_t *id);
cp_err cp_portal_get(cp_store *st, const char *name, struct cp_portal *out);
cp_err cp_portal_list(cp_store *st, cp_portal_fn fn, void *ud);
/* Removes the portal and everything it owns (R-REG-6). */
cp_err cp_portal_remove(cp_store *st, const char *name);

/* ---- environments and units (R-REG-1..6) ---- */
struct cp_env {
	int64_t id;
	int64_t portal_id;
	char name[64];
	char cloud[16];
	char account[128];	/* the cloud's id of the credential */
	int remediation;	/* registered with remediation */
	char created[32];
};

typedef cp_err (*cp_env_fn)(void *ud, const struct cp_env *e);

/*
 * Adds an environment.  params holds its public settings (stored as JSON),
 * secrets its secret ones (sealed before they are stored); either may be
 * NULL.
 */
cp_err cp_env_add(cp_store *st, int64_t portal_id, const char *name,
    const char *cloud, const char *account, int remediation,
    const json_t *params, const json_t *secrets, int64_t *id);
cp_err cp_env_get(cp_store *st, int64_t portal_id, const char *name,
    struct cp_env *out);
/* The merged parameters and unsealed secrets of env: a new reference. */
cp_err cp_env_credentials(cp_store *st, int64_t env_id, json_t **out);
cp_err cp_env_list(cp_store *st, int64_t portal_id, cp_env_fn fn, void *ud);
/* Removes the environment and everything it owns (R-REG-6). */
cp_err cp_env_remove(cp_store *st, int64_t portal_id, const char *name);

struct cp_unit {
	int64_t id;
	int64_t env_id;
	char unit[128];		/* the cloud's id: account, subscription */
	char name[128];
	int remediation;
	int inspect;		/* the periodic inspection switch (R-INS-1) */
};

typedef cp_err (*cp_unit_fn)(void *ud, const struct cp_unit *u);

/* Adds or updates a unit (by env and unit id). */
cp_err cp_unit_put(cp_store *st, int64_t env_id, const char *unit,
    const char *name, int remediation, int inspect);
cp_err cp_unit_list(cp_store *st, int64_t env_id, cp_unit_fn fn, void *ud);
cp_err cp_unit_set_inspect(cp_store *st, int64_t env_id, const char *unit,
    int on);
cp_err cp_unit_remove(cp_store *st, int64_t env_id, const char *unit);

/* ---- audit log: who did what, never secrets ---- */
cp_err cp_audit(cp_store *st, int64_t portal_id, const char *actor,
    const char *action, const char *detail);

#endif /* CP_STORE_H */
