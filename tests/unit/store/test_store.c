/*
 * test_store.c - opening the store: file modes, refusals, pragmas,
 * transactions, read-only handles and two writers at once.
 */
#include "storetest.h"

#include <fcntl.h>
#include <pthread.h>

static cp_err
count_portal(void *ud, const struct cp_portal *p)
{
	(void)p;
	(*(int *)ud)++;
	return CP_OK;
}

static void
test_store_create_modes(void)
{
	struct st_fixture f;
	char path[800];
	cp_store *st = NULL;
	mode_t old;
	cp_err r;

	CU_ASSERT_FATAL(st_fixture_init(&f) == 0);
	/* With no umask at all the files must still be private. */
	old = umask(0);
	r = cp_store_open(f.dir, CP_STORE_CREATE, &st);
	CU_ASSERT_EQUAL_FATAL(r, CP_OK);
	CU_ASSERT_EQUAL(st_mode(f.dir), 0700);
	CU_ASSERT_EQUAL(st_mode(f.db), 0600);
	CU_ASSERT_EQUAL(st_mode(f.key), 0600);
	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", "en", NULL), CP_OK);
	snprintf(path, sizeof(path), "%s-wal", f.db);
	CU_ASSERT_EQUAL(st_mode(path), 0600);
	snprintf(path, sizeof(path), "%s-shm", f.db);
	CU_ASSERT_EQUAL(st_mode(path), 0600);
	CU_ASSERT_STRING_EQUAL(cp_store_dir(st), f.dir);
	umask(old);
	cp_store_close(st);
	/* Reopening without CREATE finds everything. */
	CU_ASSERT_EQUAL(cp_store_open(f.dir, 0, &st), CP_OK);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_store_refuses_readable_db(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);

	cp_store_close(st);
	CU_ASSERT_FATAL(chmod(f.db, 0644) == 0);
	CU_ASSERT_EQUAL(cp_store_open(f.dir, CP_STORE_CREATE, &st), CP_E_PERM);
	CU_ASSERT(st_msg_has(st, f.db));
	CU_ASSERT(st_msg_has(st, "0644"));
	CU_ASSERT(st_msg_has(st, "chmod 600"));
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_store_refuses_readable_key(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);

	cp_store_close(st);
	CU_ASSERT_FATAL(chmod(f.key, 0644) == 0);
	CU_ASSERT_EQUAL(cp_store_open(f.dir, 0, &st), CP_E_PERM);
	CU_ASSERT(st_msg_has(st, f.key));
	CU_ASSERT(st_msg_has(st, "0644"));
	CU_ASSERT(st_msg_has(st, "chmod 600"));
	cp_store_close(st);
	CU_ASSERT_FATAL(chmod(f.key, 0640) == 0);
	CU_ASSERT_EQUAL(cp_store_open(f.dir, 0, &st), CP_E_PERM);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_store_refuses_bad_key_size(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);

	cp_store_close(st);
	CU_ASSERT_FATAL(truncate(f.key, 16) == 0);
	CU_ASSERT_EQUAL(
	    cp_store_open(f.dir, CP_STORE_CREATE, &st), CP_E_INVALID);
	CU_ASSERT(st_msg_has(st, f.key));
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_store_missing_dir(void)
{
	struct st_fixture f;
	cp_store *st = NULL;

	CU_ASSERT_FATAL(st_fixture_init(&f) == 0);
	CU_ASSERT_EQUAL(cp_store_open(f.dir, 0, &st), CP_E_NOTFOUND);
	CU_ASSERT(st_msg_has(st, f.dir));
	cp_store_close(st);
	CU_ASSERT_EQUAL(cp_store_open("", 0, &st), CP_E_INVALID);
	CU_ASSERT_PTR_NULL(st);
	/* A dir without a store is not made one unless asked. */
	CU_ASSERT_FATAL(mkdir(f.dir, 0700) == 0);
	CU_ASSERT_EQUAL(cp_store_open(f.dir, 0, &st), CP_E_NOTFOUND);
	CU_ASSERT(st_msg_has(st, f.db));
	cp_store_close(st);
	CU_ASSERT_EQUAL(
	    cp_store_open(f.dir, CP_STORE_CREATE | CP_STORE_READONLY, &st),
	    CP_E_INVALID);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_store_lost_key(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	json_t *sec = json_pack("{s:s}", "secret", "x");
	int64_t pid = 0;

	/* No sealed secret yet: a missing key is simply made again. */
	cp_store_close(st);
	CU_ASSERT_FATAL(unlink(f.key) == 0);
	CU_ASSERT_EQUAL(cp_store_open(f.dir, 0, &st), CP_E_NOTFOUND);
	CU_ASSERT(st_msg_has(st, "missing"));
	cp_store_close(st);
	CU_ASSERT_EQUAL_FATAL(
	    cp_store_open(f.dir, CP_STORE_CREATE, &st), CP_OK);
	CU_ASSERT_EQUAL(st_mode(f.key), 0600);
	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", "ja", &pid), CP_OK);
	CU_ASSERT_EQUAL(
	    cp_env_add(st, pid, "prod", "aws", "1", 0, NULL, sec, NULL), CP_OK);
	cp_store_close(st);
	/* With sealed secrets, a new key would unseal nothing: refused. */
	CU_ASSERT_FATAL(unlink(f.key) == 0);
	CU_ASSERT_EQUAL(
	    cp_store_open(f.dir, CP_STORE_CREATE, &st), CP_E_NOTFOUND);
	CU_ASSERT(st_msg_has(st, "restore the key file"));
	cp_store_close(st);
	CU_ASSERT_EQUAL(access(f.key, F_OK), -1);
	json_decref(sec);
	st_fixture_done(&f);
}

static void
test_store_pragmas(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	sqlite3_stmt *stmt = NULL;

	CU_ASSERT_EQUAL(st_sql_int(st, "PRAGMA foreign_keys"), 1);
	CU_ASSERT_EQUAL(st_sql_int(st, "PRAGMA busy_timeout"), 5000);
	CU_ASSERT_FATAL(
	    sqlite3_prepare_v2(cp_store_db(st), "PRAGMA journal_mode", -1,
		&stmt, NULL) == SQLITE_OK);
	CU_ASSERT_FATAL(sqlite3_step(stmt) == SQLITE_ROW);
	CU_ASSERT_STRING_EQUAL(
	    (const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_store_transactions(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	struct cp_portal p;

	CU_ASSERT_STRING_EQUAL(cp_store_errmsg(st), "no error");
	CU_ASSERT_EQUAL(cp_store_commit(st), CP_E_INVALID);
	CU_ASSERT_EQUAL_FATAL(cp_store_begin(st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "gone", "en", NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "gone-too", "en", NULL), CP_OK);
	cp_store_rollback(st);
	CU_ASSERT_EQUAL(cp_portal_get(st, "gone", &p), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(cp_portal_get(st, "gone-too", &p), CP_E_NOTFOUND);
	cp_store_rollback(st); /* none open: nothing happens */
	CU_ASSERT_EQUAL_FATAL(cp_store_begin(st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "kept", "en", NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_store_commit(st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_get(st, "kept", &p), CP_OK);
	CU_ASSERT_STRING_EQUAL(p.name, "kept");
	/* cp_store_end: the outcome decides; a failure is passed on. */
	CU_ASSERT_EQUAL_FATAL(cp_store_begin(st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "ended", "en", NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_store_end(st, CP_E_IO), CP_E_IO);
	CU_ASSERT_EQUAL(cp_portal_get(st, "ended", &p), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL_FATAL(cp_store_begin(st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "ended", "en", NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_store_end(st, CP_OK), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_get(st, "ended", &p), CP_OK);
	CU_ASSERT_EQUAL(cp_store_end(st, CP_OK), CP_E_INVALID);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_store_nested_transactions(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	struct cp_portal p;

	/* An inner rollback undoes only the inner change. */
	CU_ASSERT_EQUAL_FATAL(cp_store_begin(st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "outer", "en", NULL), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_store_begin(st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "inner", "en", NULL), CP_OK);
	cp_store_rollback(st);
	CU_ASSERT_EQUAL(cp_store_commit(st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_get(st, "outer", &p), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_get(st, "inner", &p), CP_E_NOTFOUND);
	/* An inner commit is undone by the outer rollback. */
	CU_ASSERT_EQUAL_FATAL(cp_store_begin(st), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_store_begin(st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "inner2", "en", NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_store_commit(st), CP_OK);
	cp_store_rollback(st);
	CU_ASSERT_EQUAL(cp_portal_get(st, "inner2", &p), CP_E_NOTFOUND);
	/* Three levels, all committed. */
	CU_ASSERT_EQUAL(cp_store_begin(st), CP_OK);
	CU_ASSERT_EQUAL(cp_store_begin(st), CP_OK);
	CU_ASSERT_EQUAL(cp_store_begin(st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(st, "deep", "en", NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_store_commit(st), CP_OK);
	CU_ASSERT_EQUAL(cp_store_commit(st), CP_OK);
	CU_ASSERT_EQUAL(cp_store_commit(st), CP_OK);
	CU_ASSERT_EQUAL(cp_store_commit(st), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_portal_get(st, "deep", &p), CP_OK);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_store_readonly(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	cp_store *ro = NULL;
	struct cp_portal p;

	CU_ASSERT_EQUAL(cp_portal_add(st, "acme", "en", NULL), CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    cp_store_open(f.dir, CP_STORE_READONLY, &ro), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_get(ro, "acme", &p), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_add(ro, "other", "en", NULL), CP_E_PERM);
	CU_ASSERT(st_msg_has(ro, "readonly"));
	cp_store_close(ro);
	cp_store_close(st);
	/* Alone, after the last writer has gone (no -wal, no -shm). */
	CU_ASSERT_EQUAL_FATAL(
	    cp_store_open(f.dir, CP_STORE_READONLY, &ro), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_get(ro, "acme", &p), CP_OK);
	CU_ASSERT_STRING_EQUAL(p.lang, "en");
	cp_store_close(ro);
	st_fixture_done(&f);
}

static void
test_store_errmsg_never_null(void)
{
	CU_ASSERT_PTR_NOT_NULL(cp_store_errmsg(NULL));
	cp_store_close(NULL);
	cp_store_rollback(NULL);
}

static void
test_store_side_files_tightened(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	char wal[800];
	int fd;

	cp_store_close(st);
	/* An empty -wal left readable by someone else. */
	snprintf(wal, sizeof(wal), "%s-wal", f.db);
	fd = open(wal, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_FATAL(chmod(wal, 0644) == 0);
	CU_ASSERT_EQUAL_FATAL(cp_store_open(f.dir, 0, &st), CP_OK);
	CU_ASSERT_EQUAL(st_mode(wal), 0600);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_store_not_a_database(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	static const char junk[] =
	    "this is not a database, it only has a "
	    "name like one; SQLite has to say so when it reads the header";
	char side[800];

	cp_store_close(st);
	snprintf(side, sizeof(side), "%s-wal", f.db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", f.db);
	unlink(side);
	CU_ASSERT_FATAL(
	    cp_file_write_atomic(f.db, junk, sizeof(junk), 0600) == CP_OK);
	CU_ASSERT_EQUAL(cp_store_open(f.dir, 0, &st), CP_E_STORE);
	CU_ASSERT(st_msg_has(st, f.db));
	CU_ASSERT(st_msg_has(st, "not a database"));
	cp_store_close(st);
	st_fixture_done(&f);
}

/* ---- two writers ---- */

#define WRITES 60

struct writer {
	const char *dir;
	int n;
	int failures;
	char msg[1024];
};

/*
 * Each writer opens its own handle (one per thread) and mixes single
 * statements with transactions of several rows.
 */
static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	cp_store *st = NULL;
	char name[64];
	int64_t pid;
	cp_err r;
	int i;

	r = cp_store_open(w->dir, CP_STORE_CREATE, &st);
	if (r != CP_OK) {
		snprintf(
		    w->msg, sizeof(w->msg), "open: %s", cp_store_errmsg(st));
		w->failures++;
		cp_store_close(st);
		return NULL;
	}
	for (i = 0; i < WRITES; i++) {
		snprintf(name, sizeof(name), "w%d-p%d", w->n, i);
		if (i % 2 == 0) {
			r = cp_portal_add(st, name, "en", &pid);
			if (r == CP_OK)
				r = cp_audit(st, pid, "test", "add", name);
		} else {
			r = cp_store_begin(st);
			if (r == CP_OK)
				r = cp_portal_add(st, name, "ja", &pid);
			if (r == CP_OK)
				r = cp_env_add(st, pid, "prod", "aws", "1", 1,
				    NULL, NULL, NULL);
			if (r == CP_OK)
				r = cp_audit(st, pid, "test", "add", name);
			if (r == CP_OK)
				r = cp_store_commit(st);
			else
				cp_store_rollback(st);
		}
		if (r != CP_OK) {
			snprintf(w->msg, sizeof(w->msg), "%s: %s", name,
			    cp_store_errmsg(st));
			w->failures++;
		}
	}
	cp_store_close(st);
	return NULL;
}

static void
test_store_concurrent_writers(void)
{
	struct st_fixture f;
	struct writer w[2];
	pthread_t t[2];
	cp_store *st = NULL;
	int i, n = 0;

	CU_ASSERT_FATAL(st_fixture_init(&f) == 0);
	for (i = 0; i < 2; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].dir = f.dir;
		w[i].n = i;
		CU_ASSERT_FATAL(
		    pthread_create(&t[i], NULL, writer_run, &w[i]) == 0);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		if (w[i].failures != 0)
			fprintf(stderr, "writer %d: %d failures, last: %s\n", i,
			    w[i].failures, w[i].msg);
		CU_ASSERT_EQUAL(w[i].failures, 0);
	}
	CU_ASSERT_EQUAL_FATAL(cp_store_open(f.dir, 0, &st), CP_OK);
	CU_ASSERT_EQUAL(cp_portal_list(st, count_portal, &n), CP_OK);
	CU_ASSERT_EQUAL(n, 2 * WRITES);
	CU_ASSERT_EQUAL(
	    st_sql_int(st, "SELECT count(*) FROM environments"), WRITES);
	CU_ASSERT_EQUAL(
	    st_sql_int(st, "SELECT count(*) FROM audit_log"), 2 * WRITES);
	cp_store_close(st);
	st_fixture_done(&f);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"create_modes", test_store_create_modes},
	    {"refuses_readable_db", test_store_refuses_readable_db},
	    {"refuses_readable_key", test_store_refuses_readable_key},
	    {"refuses_bad_key_size", test_store_refuses_bad_key_size},
	    {"missing_dir", test_store_missing_dir},
	    {"lost_key", test_store_lost_key}, {"pragmas", test_store_pragmas},
	    {"transactions", test_store_transactions},
	    {"nested_transactions", test_store_nested_transactions},
	    {"readonly", test_store_readonly},
	    {"errmsg_never_null", test_store_errmsg_never_null},
	    {"side_files_tightened", test_store_side_files_tightened},
	    {"not_a_database", test_store_not_a_database},
	    {"concurrent_writers", test_store_concurrent_writers},
	    {NULL, NULL}};

	return cp_test_run("store", tests);
}
