/*
 * snapshot.c - writing an inventory snapshot through a temporary file.
 *
 * Speed matters here (a large tenant has millions of objects) and safety
 * comes from the rename, not from SQLite's journal: the temporary file is
 * written with the journal off and without syncs, in one transaction with
 * statements prepared once, and becomes visible only after commit has
 * synced it.  A crash before the rename leaves a stray PATH.tmp-PID and
 * the old snapshot, never a torn one.  Indexes are built at commit, which
 * is faster than keeping them up to date row by row.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "inventory/snapshot.h"
#include "util/util.h"

enum {
	ST_RESOURCE,
	ST_EVENT,
	ST_COST,
	ST_ERROR,
	ST_COUNT
};

struct cp_snapshot_writer {
	struct cp_inventory_sink sink;	/* first: the sink's ud is w */
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	char *path;
	char *tmp;
	char since[32];			/* sink.since points here */
	char first_error[512];		/* "collector: message" */
	size_t n_resources;
	size_t n_events;
	size_t n_costs;
	size_t n_errors;
	cp_err failed;			/* first storage error, sticky */
	char errmsg[256];
};

/* Tables hold the rows; the views are what policies read. */
#define SCHEMA_FMT \
    "CREATE TABLE IF NOT EXISTS %1$s.meta(" \
    "key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;" \
    "CREATE TABLE IF NOT EXISTS %1$s.resource_data(" \
    "rid INTEGER PRIMARY KEY, type TEXT NOT NULL, id TEXT NOT NULL," \
    " name TEXT, region TEXT, json TEXT NOT NULL);" \
    "CREATE TABLE IF NOT EXISTS %1$s.event_data(" \
    "eid INTEGER PRIMARY KEY, type TEXT NOT NULL, time TEXT," \
    " id TEXT, json TEXT NOT NULL);" \
    "CREATE TABLE IF NOT EXISTS %1$s.cost_data(" \
    "period TEXT NOT NULL, amount REAL NOT NULL, currency TEXT);" \
    "CREATE TABLE IF NOT EXISTS %1$s.collector_error_data(" \
    "collector TEXT NOT NULL, code INTEGER NOT NULL," \
    " error TEXT NOT NULL, message TEXT);" \
    "CREATE VIEW IF NOT EXISTS %1$s.resources AS " \
    "SELECT type, id, name, region, json FROM resource_data;" \
    "CREATE VIEW IF NOT EXISTS %1$s.events AS " \
    "SELECT type, time, id, json FROM event_data;" \
    "CREATE VIEW IF NOT EXISTS %1$s.costs AS " \
    "SELECT period, amount, currency FROM cost_data;" \
    "CREATE VIEW IF NOT EXISTS %1$s.collector_errors AS " \
    "SELECT collector, error, message FROM collector_error_data;"

static const char index_sql[] =
    "CREATE INDEX resource_data_type ON resource_data(type);"
    "CREATE INDEX event_data_type ON event_data(type);";

/*
 * The JSON is checked by SQLite itself as it is inserted: one parse, and
 * the same notion of "valid" the policies' json_extract() will apply.
 */
static const char *const stmt_sql[ST_COUNT] = {
	[ST_RESOURCE] = "INSERT INTO resource_data(type, id, name, region,"
			" json) SELECT ?1, ?2, ?3, ?4, ?5"
			" WHERE json_valid(?5) AND json_type(?5) = 'object'",
	[ST_EVENT] = "INSERT INTO event_data(type, time, id, json)"
		     " SELECT ?1, ?2, ?3, ?4"
		     " WHERE json_valid(?4) AND json_type(?4) = 'object'",
	[ST_COST] = "INSERT INTO cost_data(period, amount, currency)"
		    " VALUES (?1, ?2, ?3)",
	[ST_ERROR] = "INSERT INTO collector_error_data(collector, code, error,"
		     " message) VALUES (?1, ?2, ?3, ?4)",
};

cp_err
cp_snapshot_schema_sql(const char *schema, char *buf, size_t n)
{
	int len;

	if (schema == NULL || !cp_str_only(schema,
	    "abcdefghijklmnopqrstuvwxyz0123456789_"))
		return CP_E_INVALID;
	len = snprintf(buf, n, SCHEMA_FMT, schema);
	if (len < 0 || (size_t)len >= n)
		return CP_E_LIMIT;
	return CP_OK;
}

static cp_err
w_fail(cp_snapshot_writer *w, cp_err r, const char *what)
{
	if (w->failed == CP_OK) {
		w->failed = r;
		snprintf(w->errmsg, sizeof(w->errmsg), "%s: %s", what,
		    w->db != NULL ? sqlite3_errmsg(w->db) : cp_strerror(r));
	}
	return r;
}

static int
field_ok(const char *s, int required)
{
	if (s == NULL)
		return !required;
	if (required && *s == '\0')
		return 0;
	return strlen(s) <= CP_SNAPSHOT_MAX_FIELD;
}

/* CP_E_INVALID for a missing field, CP_E_LIMIT for an oversized one. */
static cp_err
check_field(const char *s, int required)
{
	if (s == NULL || *s == '\0')
		return required ? CP_E_INVALID : CP_OK;
	return field_ok(s, required) ? CP_OK : CP_E_LIMIT;
}

static cp_err
check_json(const char *json)
{
	if (json == NULL || *json == '\0')
		return CP_E_PARSE;
	if (strlen(json) > CP_SNAPSHOT_MAX_JSON)
		return CP_E_LIMIT;
	return CP_OK;
}

static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/*
 * Steps an INSERT whose parameters are bound.  A row that the WHERE clause
 * dropped is a document that is not a JSON object.
 */
static cp_err
w_insert(cp_snapshot_writer *w, int which, const char *what)
{
	sqlite3_stmt *st = w->st[which];
	int rc;
	cp_err r = CP_OK;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_TOOBIG)
			r = CP_E_LIMIT;
		else
			r = w_fail(w, rc == SQLITE_NOMEM ? CP_E_NOMEM :
			    CP_E_IO, what);
	} else if (sqlite3_changes(w->db) != 1)
		r = CP_E_PARSE;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r;
}

static cp_snapshot_writer *
sink_writer(const struct cp_inventory_sink *sink)
{
	return sink != NULL ? sink->ud : NULL;
}

static cp_err
sink_resource(const struct cp_inventory_sink *sink, const char *type,
    const char *id, const char *name, const char *region,
    const char *raw_json)
{
	cp_snapshot_writer *w = sink_writer(sink);
	sqlite3_stmt *st;
	cp_err r;

	if (w == NULL)
		return CP_E_INVALID;
	if (w->failed != CP_OK)
		return w->failed;
	if ((r = check_field(type, 1)) != CP_OK ||
	    (r = check_field(id, 1)) != CP_OK ||
	    (r = check_field(name, 0)) != CP_OK ||
	    (r = check_field(region, 0)) != CP_OK ||
	    (r = check_json(raw_json)) != CP_OK)
		return r;
	if (w->n_resources >= CP_SNAPSHOT_MAX_ROWS)
		return CP_E_LIMIT;
	st = w->st[ST_RESOURCE];
	bind_text(st, 1, type);
	bind_text(st, 2, id);
	bind_text(st, 3, name);
	bind_text(st, 4, region);
	bind_text(st, 5, raw_json);
	r = w_insert(w, ST_RESOURCE, "insert resource");
	if (r == CP_OK)
		w->n_resources++;
	return r;
}

static cp_err
sink_event(const struct cp_inventory_sink *sink, const char *type,
    const char *time_iso8601, const char *id, const char *raw_json)
{
	cp_snapshot_writer *w = sink_writer(sink);
	sqlite3_stmt *st;
	cp_err r;

	if (w == NULL)
		return CP_E_INVALID;
	if (w->failed != CP_OK)
		return w->failed;
	if ((r = check_field(type, 1)) != CP_OK ||
	    (r = check_field(time_iso8601, 0)) != CP_OK ||
	    (r = check_field(id, 0)) != CP_OK ||
	    (r = check_json(raw_json)) != CP_OK)
		return r;
	if (w->n_events >= CP_SNAPSHOT_MAX_ROWS)
		return CP_E_LIMIT;
	st = w->st[ST_EVENT];
	bind_text(st, 1, type);
	bind_text(st, 2, time_iso8601);
	bind_text(st, 3, id);
	bind_text(st, 4, raw_json);
	r = w_insert(w, ST_EVENT, "insert event");
	if (r == CP_OK)
		w->n_events++;
	return r;
}

static cp_err
sink_cost(const struct cp_inventory_sink *sink, const char *period,
    double amount, const char *currency)
{
	cp_snapshot_writer *w = sink_writer(sink);
	sqlite3_stmt *st;
	cp_err r;

	if (w == NULL || !isfinite(amount))
		return CP_E_INVALID;
	if (w->failed != CP_OK)
		return w->failed;
	if ((r = check_field(period, 1)) != CP_OK ||
	    (r = check_field(currency, 0)) != CP_OK)
		return r;
	if (w->n_costs >= CP_SNAPSHOT_MAX_ROWS)
		return CP_E_LIMIT;
	st = w->st[ST_COST];
	bind_text(st, 1, period);
	sqlite3_bind_double(st, 2, amount);
	bind_text(st, 3, currency);
	r = w_insert(w, ST_COST, "insert cost");
	if (r == CP_OK)
		w->n_costs++;
	return r;
}

/* The length of s cut to at most max bytes, not inside a UTF-8 sequence. */
static size_t
cut_utf8(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max)
		return len;
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	return len;
}

static cp_err
sink_collector_error(const struct cp_inventory_sink *sink,
    const char *collector, cp_err err, const char *message)
{
	cp_snapshot_writer *w = sink_writer(sink);
	sqlite3_stmt *st;
	cp_err r;

	if (w == NULL)
		return CP_E_INVALID;
	if (w->failed != CP_OK)
		return w->failed;
	if ((r = check_field(collector, 1)) != CP_OK)
		return r;
	if (w->n_errors >= CP_SNAPSHOT_MAX_ROWS)
		return CP_E_LIMIT;
	st = w->st[ST_ERROR];
	bind_text(st, 1, collector);
	sqlite3_bind_int(st, 2, (int)err);
	bind_text(st, 3, cp_strerror(err));
	if (message != NULL)
		sqlite3_bind_text(st, 4, message,
		    (int)cut_utf8(message, CP_SNAPSHOT_MAX_MESSAGE),
		    SQLITE_STATIC);
	r = w_insert(w, ST_ERROR, "insert collector error");
	if (r == CP_OK && w->n_errors++ == 0) {
		size_t n;

		snprintf(w->first_error, sizeof(w->first_error), "%s: %s",
		    collector, message != NULL ? message : cp_strerror(err));
		n = cut_utf8(w->first_error, sizeof(w->first_error) - 1);
		w->first_error[n] = '\0';
	}
	return r;
}

static void
iso8601(time_t t, char *buf, size_t n)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		cp_strlcpy(buf, "1970-01-01T00:00:00Z", n);
}

static cp_err
put_meta(cp_snapshot_writer *w, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(w->db,
	    "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", -1, &st,
	    NULL);
	if (rc == SQLITE_OK) {
		bind_text(st, 1, key);
		bind_text(st, 2, value != NULL ? value : "");
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return w_fail(w, CP_E_IO, "write meta");
	return CP_OK;
}

static void
w_free(cp_snapshot_writer *w)
{
	size_t i;

	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(w->st[i]);
	sqlite3_close(w->db);
	free(w->path);
	free(w->tmp);
	free(w);
}

void
cp_snapshot_abort(cp_snapshot_writer *w)
{
	if (w == NULL)
		return;
	/* Close first: the file must not be written after it is gone. */
	for (size_t i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(w->st[i]);
		w->st[i] = NULL;
	}
	sqlite3_close(w->db);
	w->db = NULL;
	if (w->tmp != NULL)
		(void)unlink(w->tmp);
	w_free(w);
}

/* Creates the temporary file 0600, whatever the umask, before SQLite. */
static cp_err
create_tmp(const char *tmp, char *why, size_t why_size)
{
	int fd;

	if (unlink(tmp) != 0 && errno != ENOENT) {
		snprintf(why, why_size, "cannot remove stale %s: %s", tmp,
		    strerror(errno));
		return CP_E_IO;
	}
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		snprintf(why, why_size, "cannot create %s: %s", tmp,
		    strerror(errno));
		return errno == ENOENT ? CP_E_NOTFOUND : CP_E_IO;
	}
	if (fchmod(fd, 0600) != 0) {
		snprintf(why, why_size, "chmod %s: %s", tmp, strerror(errno));
		close(fd);
		return CP_E_IO;
	}
	close(fd);
	return CP_OK;
}

static cp_err
exec_sql(cp_snapshot_writer *w, const char *sql, const char *what)
{
	if (sqlite3_exec(w->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return w_fail(w, CP_E_IO, what);
	return CP_OK;
}

cp_err
cp_snapshot_begin(const char *path, const struct cp_snapshot_meta *m,
    cp_snapshot_writer **out, char *why, size_t why_size)
{
	cp_snapshot_writer *w = NULL;
	char schema[2048], ts[32], ver[16];
	size_t i;
	cp_err r = CP_E_NOMEM;

	*out = NULL;
	if (path == NULL || *path == '\0' || m == NULL) {
		snprintf(why, why_size, "snapshot: no path or metadata");
		return CP_E_INVALID;
	}
	if (strlen(path) > 3900) {
		snprintf(why, why_size, "snapshot path too long");
		return CP_E_LIMIT;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		goto nomem;
	w->path = strdup(path);
	if (w->path == NULL ||
	    asprintf(&w->tmp, "%s.tmp-%ld", path, (long)getpid()) < 0) {
		w->tmp = NULL;
		goto nomem;
	}
	r = create_tmp(w->tmp, why, why_size);
	if (r != CP_OK) {
		free(w->tmp);
		w->tmp = NULL;	/* not ours: keep abort from unlinking */
		goto out;
	}
	if (sqlite3_open_v2(w->tmp, &w->db, SQLITE_OPEN_READWRITE,
	    NULL) != SQLITE_OK) {
		r = w_fail(w, CP_E_IO, "open");
		snprintf(why, why_size, "snapshot %s: %s", w->tmp, w->errmsg);
		goto out;
	}
	sqlite3_extended_result_codes(w->db, 1);
	r = cp_snapshot_schema_sql("main", schema, sizeof(schema));
	if (r != CP_OK)
		goto out;
	/*
	 * Large pages keep a 1-4 KB document on one page instead of a
	 * chain of overflow pages.  No journal, no syncs: see the top.
	 */
	if ((r = exec_sql(w, "PRAGMA page_size = 65536;"
	    "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
	    "PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -16384;"
	    "PRAGMA temp_store = FILE;", "configure")) != CP_OK ||
	    (r = exec_sql(w, schema, "create schema")) != CP_OK ||
	    (r = exec_sql(w, "BEGIN", "begin")) != CP_OK)
		goto sqlfail;
	iso8601(m->collected_at, ts, sizeof(ts));
	snprintf(ver, sizeof(ver), "%d", CP_SNAPSHOT_FORMAT_VERSION);
	if ((r = put_meta(w, "format_version", ver)) != CP_OK ||
	    (r = put_meta(w, "cloud", m->cloud)) != CP_OK ||
	    (r = put_meta(w, "env", m->env)) != CP_OK ||
	    (r = put_meta(w, "unit", m->unit)) != CP_OK ||
	    (r = put_meta(w, "plugin", m->plugin)) != CP_OK ||
	    (r = put_meta(w, "plugin_version", m->plugin_version)) != CP_OK ||
	    (r = put_meta(w, "collected_at", ts)) != CP_OK)
		goto sqlfail;
	for (i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(w->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &w->st[i], NULL) != SQLITE_OK) {
			r = w_fail(w, CP_E_IO, "prepare");
			goto sqlfail;
		}
	w->sink.struct_size = sizeof(w->sink);
	w->sink.resource = sink_resource;
	w->sink.event = sink_event;
	w->sink.cost = sink_cost;
	w->sink.collector_error = sink_collector_error;
	w->sink.ud = w;
	if (m->since > 0) {
		iso8601(m->since, w->since, sizeof(w->since));
		w->sink.since = w->since;
	}
	*out = w;
	return CP_OK;
sqlfail:
	snprintf(why, why_size, "snapshot %s: %s", w->tmp, w->errmsg);
	goto out;
nomem:
	r = CP_E_NOMEM;
	snprintf(why, why_size, "snapshot %s: out of memory", path);
out:
	cp_snapshot_abort(w);
	return r;
}

const struct cp_inventory_sink *
cp_snapshot_sink(cp_snapshot_writer *w)
{
	return w != NULL ? &w->sink : NULL;
}

size_t
cp_snapshot_count(const cp_snapshot_writer *w)
{
	return w != NULL ? w->n_resources : 0;
}

size_t
cp_snapshot_event_count(const cp_snapshot_writer *w)
{
	return w != NULL ? w->n_events : 0;
}

const char *
cp_snapshot_first_error(const cp_snapshot_writer *w)
{
	return w != NULL ? w->first_error : "";
}

size_t
cp_snapshot_error_count(const cp_snapshot_writer *w)
{
	return w != NULL ? w->n_errors : 0;
}

static cp_err
fsync_path(const char *path, int dir)
{
	int fd, rc;

	fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return CP_E_IO;
	rc = fsync(fd);
	close(fd);
	return rc == 0 ? CP_OK : CP_E_IO;
}

/* The directory of path, for syncing the rename. */
static cp_err
dir_of(const char *path, char *buf, size_t n)
{
	char copy[4096];

	if (cp_snprintf(copy, sizeof(copy), "%s", path) != CP_OK)
		return CP_E_LIMIT;
	return cp_snprintf(buf, n, "%s", dirname(copy));
}

cp_err
cp_snapshot_commit(cp_snapshot_writer *w, char *why, size_t why_size)
{
	char count[32], dir[4096];
	size_t i;
	cp_err r;

	if (w == NULL) {
		snprintf(why, why_size, "snapshot: no writer");
		return CP_E_INVALID;
	}
	if (w->failed != CP_OK) {
		r = w->failed;
		snprintf(why, why_size, "snapshot %s: %s", w->path,
		    w->errmsg);
		goto out;
	}
	snprintf(count, sizeof(count), "%zu", w->n_resources);
	if ((r = put_meta(w, "resources", count)) != CP_OK ||
	    (r = exec_sql(w, index_sql, "create indexes")) != CP_OK ||
	    (r = exec_sql(w, "COMMIT", "commit")) != CP_OK) {
		snprintf(why, why_size, "snapshot %s: %s", w->path,
		    w->errmsg);
		goto out;
	}
	for (i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(w->st[i]);
		w->st[i] = NULL;
	}
	if (sqlite3_close(w->db) != SQLITE_OK) {
		snprintf(why, why_size, "snapshot %s: close: %s", w->path,
		    sqlite3_errmsg(w->db));
		r = CP_E_IO;
		goto out;
	}
	w->db = NULL;
	if (fsync_path(w->tmp, 0) != CP_OK) {
		snprintf(why, why_size, "snapshot %s: fsync: %s", w->tmp,
		    strerror(errno));
		r = CP_E_IO;
		goto out;
	}
	if (rename(w->tmp, w->path) != 0) {
		snprintf(why, why_size, "snapshot: rename %s to %s: %s",
		    w->tmp, w->path, strerror(errno));
		r = CP_E_IO;
		goto out;
	}
	/* The name is in place: nothing of ours to remove any more. */
	free(w->tmp);
	w->tmp = NULL;
	if (dir_of(w->path, dir, sizeof(dir)) == CP_OK)
		(void)fsync_path(dir, 1);
	r = CP_OK;
out:
	cp_snapshot_abort(w);
	return r;
}
