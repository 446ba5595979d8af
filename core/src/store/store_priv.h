/*
 * store_priv.h - what the files of the SQLite store backend share: the
 * handle, error helpers and the checks of names.  Private to core/src/store
 * and its tests.
 */
#ifndef CP_STORE_PRIV_H
#define CP_STORE_PRIV_H

#include <stddef.h>

#include <sqlite3.h>

#include "store/store.h"

#define CP_STORE_KEY_LEN 32
#define CP_STORE_DB_NAME "cloudpatrol.db"
#define CP_STORE_KEY_NAME "secret.key"

struct cp_store {
	sqlite3 *db;
	char *dir;      /* owned */
	char *db_path;  /* owned: <dir>/cloudpatrol.db */
	char *key_path; /* owned: <dir>/secret.key */
	unsigned flags;
	int have_key;
	int depth;		/* nesting of cp_store_begin; 0: none */
	unsigned char key[CP_STORE_KEY_LEN]; /* wiped on close */
	char errmsg[1024];
};

/* Sets st's errmsg and returns r. */
cp_err cp_store_fail(cp_store *st, cp_err r, const char *fmt, ...) CP_FMT(3, 4);
/*
 * Maps the SQLite result rc of doing what ("adding portal x") to a cp_err
 * and sets the errmsg from the connection's message: a unique constraint
 * is CP_E_EXISTS, a foreign key CP_E_NOTFOUND, busy CP_E_BUSY.
 */
cp_err cp_store_sqlfail(cp_store *st, int rc, const char *what);
/* Prepares sql (a constant) on st; the errmsg names what on failure. */
cp_err cp_store_prepare(
    cp_store *st, const char *sql, sqlite3_stmt **out, const char *what);
/* Binds text s (NULL: SQL NULL) at i; SQLITE_OK or an SQLite error. */
int cp_store_bind_text(sqlite3_stmt *stmt, int i, const char *s);
/* The current time as ISO 8601 UTC ("2024-05-01T09:30:00Z"). */
void cp_store_now(char *buf, size_t n);
/* Copies column i of stmt (NULL: "") into dst of size n. */
void cp_store_column_text(sqlite3_stmt *stmt, int i, char *dst, size_t n);

/* Whether s is [a-z0-9-]{1,max}. */
int cp_store_name_ok(const char *s, size_t max);
/* Whether s has printable ASCII or UTF-8 only, and min..max bytes. */
int cp_store_text_ok(const char *s, size_t min, size_t max);

/*
 * Reads <dir>/secret.key into st, creating it when it is missing and
 * create is set.  Refuses a key file that group or others may read, or of
 * the wrong size.
 */
cp_err cp_store_key_load(cp_store *st, int create);

#endif /* CP_STORE_PRIV_H */
