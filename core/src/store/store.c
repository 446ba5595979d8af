/*
 * store.c - opening and closing the SQLite state store, its transactions
 * and its error messages.
 *
 * Opening checks the files before SQLite sees them: the database and the
 * key file must be private to their owner (a leaked database holds every
 * finding of every customer; a leaked key unseals their credentials).  The
 * database file is created here with mode 0600 whatever the umask, so that
 * SQLite, which gives the -wal and -shm files the mode of the database,
 * never makes a readable one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/migrate.h"
#include "store/store_priv.h"

#define BUSY_TIMEOUT_MS 5000

cp_err
cp_store_fail(cp_store *st, cp_err r, const char *fmt, ...)
{
	va_list ap;

	if (st == NULL)
		return r;
	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
	return r;
}

cp_err
cp_store_sqlfail(cp_store *st, int rc, const char *what)
{
	const char *msg = sqlite3_errmsg(st->db);
	cp_err r;

	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		r = CP_E_EXISTS;
		break;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		r = CP_E_NOTFOUND;
		break;
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_TOOBIG:
		r = CP_E_INVALID;
		break;
	case SQLITE_NOMEM:
		r = CP_E_NOMEM;
		break;
	default:
		switch (rc & 0xff) {
		case SQLITE_BUSY:
		case SQLITE_LOCKED:
			r = CP_E_BUSY;
			break;
		case SQLITE_READONLY:
		case SQLITE_PERM:
		case SQLITE_AUTH:
			r = CP_E_PERM;
			break;
		case SQLITE_IOERR:
		case SQLITE_FULL:
		case SQLITE_CANTOPEN:
			r = CP_E_IO;
			break;
		default:
			r = CP_E_STORE;
			break;
		}
		break;
	}
	return cp_store_fail(st, r, "store %s: %s: %s", st->db_path, what,
	    msg != NULL ? msg : sqlite3_errstr(rc));
}

cp_err
cp_store_prepare(
    cp_store *st, const char *sql, sqlite3_stmt **out, const char *what)
{
	int rc;

	*out = NULL;
	rc = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);
	if (rc != SQLITE_OK)
		return cp_store_sqlfail(st, rc, what);
	return CP_OK;
}

int
cp_store_bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(stmt, i);
	return sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT);
}

void
cp_store_now(char *buf, size_t n)
{
	struct tm tm;
	time_t t = time(NULL);

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		cp_strlcpy(buf, "1970-01-01T00:00:00Z", n);
}

void
cp_store_column_text(sqlite3_stmt *stmt, int i, char *dst, size_t n)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);

	cp_strlcpy(dst, s != NULL ? (const char *)s : "", n);
}

int
cp_store_name_ok(const char *s, size_t max)
{
	return s != NULL && strlen(s) <= max &&
	       cp_str_only(s, "abcdefghijklmnopqrstuvwxyz0123456789-");
}

int
cp_store_text_ok(const char *s, size_t min, size_t max)
{
	size_t len;
	const unsigned char *p;

	if (s == NULL)
		return 0;
	len = strlen(s);
	if (len < min || len > max)
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static char *
path_join(const char *dir, const char *name)
{
	struct cp_buf b;

	cp_buf_init(&b, 4096);
	if (cp_buf_printf(&b, "%s/%s", dir, name) != CP_OK) {
		cp_buf_free(&b);
		return NULL;
	}
	return cp_buf_steal(&b);
}

/* Makes sure dir exists (creating it 0700 when asked) and is a directory. */
static cp_err
check_dir(cp_store *st, int create)
{
	struct stat sb;

	if (stat(st->dir, &sb) != 0) {
		if (errno != ENOENT)
			return cp_store_fail(st, CP_E_IO, "state dir %s: %s",
			    st->dir, strerror(errno));
		if (!create)
			return cp_store_fail(st, CP_E_NOTFOUND,
			    "state dir %s does not exist", st->dir);
		if (cp_mkdir_p(st->dir, 0700) != CP_OK ||
		    stat(st->dir, &sb) != 0)
			return cp_store_fail(st, CP_E_IO,
			    "cannot create state dir %s: %s", st->dir,
			    strerror(errno));
	}
	if (!S_ISDIR(sb.st_mode))
		return cp_store_fail(st, CP_E_INVALID,
		    "state dir %s is not a directory", st->dir);
	return CP_OK;
}

/* fsync()s the state dir so that newly created names survive a crash. */
static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/*
 * Creates the database file 0600 (umask or not) when it is missing and
 * create is set; an existing one must be private.
 */
static cp_err
prepare_db_file(cp_store *st, int create)
{
	char why[sizeof(st->errmsg)];
	cp_err r;
	int fd;

	r = cp_file_check_private(st->db_path, why, sizeof(why));
	if (r == CP_OK)
		return CP_OK;
	if (r != CP_E_NOTFOUND)
		return cp_store_fail(
		    st, r, "refusing to open the store: %s", why);
	if (!create)
		return cp_store_fail(
		    st, CP_E_NOTFOUND, "store %s does not exist", st->db_path);
	fd = open(st->db_path,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		/* Another opener was faster: check its file instead. */
		r = cp_file_check_private(st->db_path, why, sizeof(why));
		return r == CP_OK ? CP_OK
				  : cp_store_fail(st, r,
					"refusing to open the store: %s", why);
	}
	if (fd < 0)
		return cp_store_fail(st, CP_E_IO, "cannot create %s: %s",
		    st->db_path, strerror(errno));
	if (fchmod(fd, 0600) != 0) {
		r = cp_store_fail(st, CP_E_IO, "cannot chmod %s: %s",
		    st->db_path, strerror(errno));
		close(fd);
		return r;
	}
	close(fd);
	sync_dir(st->dir);
	return CP_OK;
}

/* The key file, when present, must be private before anything is read. */
static cp_err
check_key_file(cp_store *st)
{
	char why[sizeof(st->errmsg)];
	cp_err r;

	r = cp_file_check_private(st->key_path, why, sizeof(why));
	if (r == CP_OK || r == CP_E_NOTFOUND)
		return CP_OK;
	return cp_store_fail(st, r, "refusing to open the store: %s", why);
}

/*
 * SQLite gives the -wal and -shm files the mode of the database; one left
 * readable by something else is made private again, as they hold the
 * latest changes.
 */
static cp_err
tighten_side_files(cp_store *st)
{
	static const char *const suffix[] = {"-wal", "-shm"};
	char path[4096];
	struct stat sb;
	size_t i;

	for (i = 0; i < CP_ARRAY_LEN(suffix); i++) {
		if (cp_snprintf(path, sizeof(path), "%s%s", st->db_path,
			suffix[i]) != CP_OK)
			return cp_store_fail(
			    st, CP_E_LIMIT, "state dir path too long");
		if (lstat(path, &sb) != 0)
			continue;
		if (!S_ISREG(sb.st_mode))
			return cp_store_fail(st, CP_E_PERM,
			    "refusing to open the store: %s is not a regular "
			    "file",
			    path);
		if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0 &&
		    chmod(path, 0600) != 0)
			return cp_store_fail(st, CP_E_PERM,
			    "refusing to open the store: %s has mode %04o and "
			    "cannot be changed (%s); run: chmod 600 %s",
			    path, (unsigned)(sb.st_mode & 07777),
			    strerror(errno), path);
	}
	return CP_OK;
}

static cp_err
exec_sql(cp_store *st, const char *sql, const char *what)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? CP_OK : cp_store_sqlfail(st, rc, what);
}

/* Opens the connection and sets what every connection needs. */
static cp_err
open_db(cp_store *st, int readonly)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *mode;
	int flags, rc, on = 0, waited;
	cp_err r;

	flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
		SQLITE_OPEN_NOFOLLOW;
	rc = sqlite3_open_v2(st->db_path, &st->db, flags, NULL);
	if (rc != SQLITE_OK) {
		if (st->db == NULL)
			return cp_store_fail(st, CP_E_NOMEM,
			    "store %s: out of memory", st->db_path);
		return cp_store_sqlfail(st, rc, "opening");
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_ENABLE_FKEY, 1, &on);
	if (on != 1)
		return cp_store_fail(st, CP_E_UNSUPPORTED,
		    "store %s: this SQLite cannot enforce foreign keys",
		    st->db_path);
	r = exec_sql(st, "PRAGMA foreign_keys = ON", "enabling foreign keys");
	if (r != CP_OK)
		return r;
	if (readonly)
		return CP_OK;
	/* journal_mode answers the mode it ended in: it must be WAL. */
	r = cp_store_prepare(
	    st, "PRAGMA journal_mode = WAL", &stmt, "switching to WAL");
	if (r != CP_OK)
		return r;
	/* The switch needs the database to itself, and SQLite answers BUSY
	 * at once (without its busy handler) when another connection opens
	 * the same new store at that moment: wait and retry, within the
	 * busy timeout.  Once the file is in WAL mode it stays so, and the
	 * pragma is a read. */
	for (waited = 0;; waited += 10) {
		rc = sqlite3_step(stmt);
		if (((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) !=
		    SQLITE_LOCKED) || waited >= BUSY_TIMEOUT_MS)
			break;
		sqlite3_reset(stmt);
		usleep(10000);
	}
	if (rc != SQLITE_ROW) {
		r = cp_store_sqlfail(st, rc, "switching to WAL");
		goto out;
	}
	mode = sqlite3_column_text(stmt, 0);
	if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
		r = cp_store_fail(st, CP_E_STORE,
		    "store %s: cannot use WAL mode (journal mode is %s)",
		    st->db_path, mode != NULL ? (const char *)mode : "?");
		goto out;
	}
	r = CP_OK;
out:
	sqlite3_finalize(stmt);
	return r;
}

/* Whether the store holds any sealed secret (so a lost key matters). */
static cp_err
has_sealed_secrets(cp_store *st, int *yes)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st,
	    "SELECT EXISTS (SELECT 1 FROM environments "
	    "WHERE secrets IS NOT NULL)",
	    &stmt, "looking for secrets");
	if (r != CP_OK)
		return r;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*yes = sqlite3_column_int(stmt, 0);
	else
		r = cp_store_sqlfail(st, rc, "looking for secrets");
	sqlite3_finalize(stmt);
	return r;
}

/*
 * Loads the key; creates it only for a store that has never sealed
 * anything, so that a lost key file is reported rather than silently
 * replaced by one that unseals nothing.
 */
static cp_err
load_key(cp_store *st, int create)
{
	int sealed = 0;
	cp_err r;

	r = cp_store_key_load(st, 0);
	if (r != CP_E_NOTFOUND || !create)
		return r;
	r = has_sealed_secrets(st, &sealed);
	if (r != CP_OK)
		return r;
	if (sealed)
		return cp_store_fail(st, CP_E_NOTFOUND,
		    "key file %s is missing but store %s holds sealed "
		    "secrets: restore the key file from a backup",
		    st->key_path, st->db_path);
	return cp_store_key_load(st, 1);
}

cp_err
cp_store_open(const char *state_dir, unsigned flags, cp_store **out)
{
	cp_store *st;
	int create = (flags & CP_STORE_CREATE) != 0;
	int readonly = (flags & CP_STORE_READONLY) != 0;
	cp_err r;

	*out = NULL;
	if (state_dir == NULL || *state_dir == '\0')
		return CP_E_INVALID;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return CP_E_NOMEM;
	*out = st;
	cp_strlcpy(st->errmsg, "no error", sizeof(st->errmsg));
	st->flags = flags;
	if (create && readonly)
		return cp_store_fail(
		    st, CP_E_INVALID, "a store cannot be created read-only");
	if (sqlite3_threadsafe() == 0)
		return cp_store_fail(st, CP_E_UNSUPPORTED,
		    "this SQLite library was built without thread support");
	st->dir = strdup(state_dir);
	if (st->dir == NULL)
		return cp_store_fail(st, CP_E_NOMEM, "out of memory");
	st->db_path = path_join(state_dir, CP_STORE_DB_NAME);
	st->key_path = path_join(state_dir, CP_STORE_KEY_NAME);
	if (st->db_path == NULL || st->key_path == NULL)
		return cp_store_fail(
		    st, CP_E_LIMIT, "state dir path too long or out of memory");
	r = check_dir(st, create);
	if (r != CP_OK)
		return r;
	r = check_key_file(st);
	if (r != CP_OK)
		return r;
	r = prepare_db_file(st, create);
	if (r != CP_OK)
		return r;
	r = tighten_side_files(st);
	if (r != CP_OK)
		return r;
	r = open_db(st, readonly);
	if (r != CP_OK)
		return r;
	r = readonly ? cp_store_check_version(st) : cp_store_migrate(st);
	if (r != CP_OK)
		return r;
	r = load_key(st, create);
	if (r == CP_OK)
		r = tighten_side_files(st);
	if (r == CP_OK)
		cp_strlcpy(st->errmsg, "no error", sizeof(st->errmsg));
	return r;
}

void
cp_store_close(cp_store *st)
{
	if (st == NULL)
		return;
	if (st->db != NULL) {
		if ((st->flags & CP_STORE_READONLY) == 0)
			(void)sqlite3_exec(
			    st->db, "PRAGMA optimize", NULL, NULL, NULL);
		sqlite3_close_v2(st->db);
	}
	cp_memwipe(st->key, sizeof(st->key));
	free(st->dir);
	free(st->db_path);
	free(st->key_path);
	free(st);
}

const char *
cp_store_errmsg(const cp_store *st)
{
	return st != NULL ? st->errmsg : "no store handle";
}

const char *
cp_store_dir(const cp_store *st)
{
	return st->dir;
}

struct sqlite3 *
cp_store_db(cp_store *st)
{
	return st->db;
}

/*
 * Transactions nest: the outermost begin is BEGIN IMMEDIATE, inner ones
 * are savepoints, so that a function which keeps its own change atomic can
 * also be called inside a caller's larger transaction.
 */
cp_err
cp_store_begin(cp_store *st)
{
	char sql[32];
	cp_err r;

	if (st->depth == 0) {
		if (sqlite3_get_autocommit(st->db) == 0)
			return cp_store_fail(st, CP_E_INVALID,
			    "store %s: a transaction is already open",
			    st->db_path);
		r = exec_sql(st, "BEGIN IMMEDIATE", "beginning a transaction");
	} else {
		snprintf(sql, sizeof(sql), "SAVEPOINT cp_%d", st->depth);
		r = exec_sql(st, sql, "beginning a nested transaction");
	}
	if (r == CP_OK)
		st->depth++;
	return r;
}

cp_err
cp_store_commit(cp_store *st)
{
	char sql[32];
	cp_err r;

	if (st->depth == 0 || sqlite3_get_autocommit(st->db) != 0) {
		st->depth = 0;
		return cp_store_fail(st, CP_E_INVALID,
		    "store %s: commit without a transaction", st->db_path);
	}
	if (st->depth > 1) {
		snprintf(sql, sizeof(sql), "RELEASE cp_%d", st->depth - 1);
		r = exec_sql(st, sql, "ending a nested transaction");
		if (r != CP_OK) {
			cp_store_rollback(st);
			return r;
		}
		st->depth--;
		return CP_OK;
	}
	r = exec_sql(st, "COMMIT", "committing");
	if (r != CP_OK) {
		cp_store_rollback(st);
		return r;
	}
	st->depth = 0;
	return CP_OK;
}

cp_err
cp_store_end(cp_store *st, cp_err r)
{
	if (r == CP_OK)
		return cp_store_commit(st);
	cp_store_rollback(st);
	return r;
}

void
cp_store_rollback(cp_store *st)
{
	char sql[64];

	if (st == NULL || st->db == NULL)
		return;
	if (st->depth > 1) {
		snprintf(sql, sizeof(sql), "ROLLBACK TO cp_%d; RELEASE cp_%d",
		    st->depth - 1, st->depth - 1);
		(void)sqlite3_exec(st->db, sql, NULL, NULL, NULL);
		st->depth--;
		return;
	}
	st->depth = 0;
	if (sqlite3_get_autocommit(st->db) == 0)
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

