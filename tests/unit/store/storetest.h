/*
 * storetest.h - what the store's tests share: a fresh state dir under
 * $TMPDIR, removed afterwards, and a few look-ups through SQL.
 */
#ifndef CP_STORETEST_H
#define CP_STORETEST_H

#define _GNU_SOURCE 1
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cptest.h"
#include "store/store.h"

struct st_fixture {
	char tmp[512]; /* the mkdtemp dir */
	char dir[600]; /* <tmp>/state: the state dir */
	char db[700];  /* <dir>/cloudpatrol.db */
	char key[700]; /* <dir>/secret.key */
};

/* Makes a temporary dir; the state dir inside it does not exist yet. */
static inline int
st_fixture_init(struct st_fixture *f)
{
	const char *t = cp_test_env("TMPDIR", "/tmp");

	memset(f, 0, sizeof(*f));
	snprintf(f->tmp, sizeof(f->tmp), "%s/cp-store-XXXXXX", t);
	if (mkdtemp(f->tmp) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/state", f->tmp);
	snprintf(f->db, sizeof(f->db), "%s/cloudpatrol.db", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/secret.key", f->dir);
	return 0;
}

static inline int
st_rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

static inline void
st_fixture_done(struct st_fixture *f)
{
	if (f->tmp[0] != '\0')
		nftw(f->tmp, st_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new store in a new fixture; CUnit-asserts that it opened. */
static inline cp_store *
st_open_new(struct st_fixture *f)
{
	cp_store *st = NULL;
	cp_err r;

	CU_ASSERT_FATAL(st_fixture_init(f) == 0);
	r = cp_store_open(f->dir, CP_STORE_CREATE, &st);
	if (r != CP_OK)
		fprintf(stderr, "open: %s\n", cp_store_errmsg(st));
	CU_ASSERT_FATAL(r == CP_OK);
	CU_ASSERT_FATAL(st != NULL);
	return st;
}

/* The mode bits of path, or -1. */
static inline int
st_mode(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return -1;
	return (int)(sb.st_mode & 07777);
}

/* The first column of the first row of sql as an integer (-1: none). */
static inline long long
st_sql_int(cp_store *st, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(cp_store_db(st), sql, -1, &stmt, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

/* Whether errmsg of st contains needle (printed when it does not). */
static inline int
st_msg_has(cp_store *st, const char *needle)
{
	const char *m = cp_store_errmsg(st);

	if (strstr(m, needle) != NULL)
		return 1;
	fprintf(stderr, "errmsg \"%s\" lacks \"%s\"\n", m, needle);
	return 0;
}

#endif /* CP_STORETEST_H */
