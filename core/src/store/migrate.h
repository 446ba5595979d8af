/*
 * migrate.h - the schema migrations of the state store.  Private to
 * core/src/store and its tests, which inject their own lists.
 */
#ifndef CP_STORE_MIGRATE_H
#define CP_STORE_MIGRATE_H

#include <stddef.h>

#include "store/store.h"

struct cp_migration {
	const char *what; /* a few words for messages */
	const char *sql;  /* one or more statements */
};

/* This binary's migrations: migration i (from 1) is list[i - 1]. */
const struct cp_migration *cp_store_migrations(size_t *n);

/* Brings st to the last of this binary's migrations. */
cp_err cp_store_migrate(cp_store *st);
/*
 * Brings st to schema version n by applying list[v .. n - 1] to a store at
 * version v, each in a transaction of its own.  CP_E_STORE_VERSION when the
 * store is newer than n; CP_E_STORE when a migration fails, which leaves the
 * store at the version before it.
 */
cp_err cp_store_migrate_with(
    cp_store *st, const struct cp_migration *list, size_t n);
/*
 * For read-only opens: CP_OK only when st is at exactly this binary's
 * version (it cannot migrate).
 */
cp_err cp_store_check_version(cp_store *st);

#endif /* CP_STORE_MIGRATE_H */
