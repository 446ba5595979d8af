/*
 * engine.c - one read-only connection to a unit's snapshot, and running a
 * policy's statement on it.
 *
 * The order of opening matters: the snapshot and the tenant snapshot are
 * opened and attached first, what the engine itself needs (meta,
 * collector errors) is read, and only then are the sandbox's callbacks
 * installed - after that the connection cannot attach or write anything.
 *
 * Snapshots are never changed after their rename, so they are opened
 * "immutable": no locks, no change checks, one less system call per page.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "inventory/snapshot.h"
#include "policy/engine.h"
#include "policy/sandbox.h"
#include "policy/sqlfuncs.h"
#include "util/util.h"

#define MAX_META 64
#define MAX_COLLECTOR_ERRORS 1000

struct collector_error {
	char *collector;
	char *error;
	char *message;
};

struct meta_kv {
	char *key;
	char *value;
};

struct cp_engine {
	sqlite3 *db;
	struct cp_sandbox sb;
	struct cp_sqlfuncs funcs;
	cp_log *log;
	struct collector_error *errs;
	size_t n_errs;
	struct meta_kv meta[MAX_META];
	size_t n_meta;
	unsigned long long last_steps;
	size_t last_rows;
};

/* "file:" URI of path for read-only, immutable use. */
static cp_err
ro_uri(const char *path, char *buf, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	struct cp_buf b;
	const unsigned char *p;
	char esc[3];
	cp_err r = CP_OK;

	cp_buf_init(&b, n);
	r = cp_buf_puts(&b, "file:");
	for (p = (const unsigned char *)path; *p != '\0' && r == CP_OK; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-~", *p) != NULL) {
			r = cp_buf_append(&b, p, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 15];
		r = cp_buf_append(&b, esc, 3);
	}
	if (r == CP_OK)
		r = cp_buf_puts(&b, "?mode=ro&immutable=1");
	if (r == CP_OK)
		r = cp_snprintf(buf, n, "%s", b.data);
	cp_buf_free(&b);
	return r;
}

static cp_err
check_file(const char *what, const char *path, char *why, size_t why_size)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		cp_snprintf(why, why_size, "%s %s: %s", what, path,
		    strerror(errno));
		return errno == ENOENT ? CP_E_NOTFOUND : CP_E_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		cp_snprintf(why, why_size, "%s %s: not a regular file", what,
		    path);
		return CP_E_INVALID;
	}
	return CP_OK;
}

/* The format_version of schema's meta, or -1 when it has none. */
static int
format_version(sqlite3 *db, const char *schema)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	int v = -1;

	snprintf(sql, sizeof(sql), "SELECT value FROM %s.meta "
	    "WHERE key = 'format_version'", schema);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static cp_err
check_format(sqlite3 *db, const char *schema, const char *path, char *why,
    size_t why_size)
{
	int v = format_version(db, schema);

	if (v == CP_SNAPSHOT_FORMAT_VERSION)
		return CP_OK;
	if (v < 0)
		cp_snprintf(why, why_size, "%s is not an inventory snapshot",
		    path);
	else
		cp_snprintf(why, why_size, "snapshot %s has format_version %d;"
		    " this build reads %d", path, v,
		    CP_SNAPSHOT_FORMAT_VERSION);
	return CP_E_INVALID;
}

/*
 * Gives "tenant" the schema of a snapshot and no rows.  The connection is
 * read-only, so the empty database is built on a connection of its own
 * and loaded as a read-only in-memory image.
 */
static cp_err
attach_empty_tenant(sqlite3 *db, char *why, size_t why_size)
{
	sqlite3 *tmp = NULL;
	unsigned char *img = NULL;
	sqlite3_int64 size = 0;
	char schema[4096];
	cp_err r = CP_E_NOMEM;

	if (sqlite3_open_v2(":memory:", &tmp, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    cp_snapshot_schema_sql("main", schema, sizeof(schema)) != CP_OK ||
	    sqlite3_exec(tmp, schema, NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	img = sqlite3_serialize(tmp, "main", &size, 0);
	if (img == NULL)
		goto out;
	if (sqlite3_exec(db, "ATTACH DATABASE ':memory:' AS tenant", NULL,
	    NULL, NULL) != SQLITE_OK)
		goto out;
	/* FREEONCLOSE: from here the image is SQLite's, even on failure. */
	if (sqlite3_deserialize(db, "tenant", img, size, size,
	    SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY) !=
	    SQLITE_OK) {
		img = NULL;
		goto out;
	}
	img = NULL;
	r = CP_OK;
out:
	if (r != CP_OK)
		cp_snprintf(why, why_size, "empty tenant schema: %s",
		    sqlite3_errmsg(tmp != NULL ? tmp : db));
	sqlite3_free(img);
	sqlite3_close(tmp);
	return r;
}

static cp_err
attach_tenant(sqlite3 *db, const char *path, char *why, size_t why_size)
{
	sqlite3_stmt *st = NULL;
	char uri[8192];
	cp_err r;

	r = check_file("tenant snapshot", path, why, why_size);
	if (r != CP_OK)
		return r;
	if (ro_uri(path, uri, sizeof(uri)) != CP_OK) {
		cp_snprintf(why, why_size, "tenant snapshot path too long");
		return CP_E_LIMIT;
	}
	if (sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS tenant", -1, &st,
	    NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		cp_snprintf(why, why_size, "tenant snapshot %s: %s", path,
		    sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return CP_E_IO;
	}
	sqlite3_finalize(st);
	return check_format(db, "tenant", path, why, why_size);
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return strdup(s != NULL ? (const char *)s : "");
}

static cp_err
read_meta(cp_engine *e)
{
	sqlite3_stmt *st = NULL;
	cp_err r = CP_OK;

	if (sqlite3_prepare_v2(e->db, "SELECT key, value FROM main.meta",
	    -1, &st, NULL) != SQLITE_OK)
		return CP_E_IO;
	while (e->n_meta < MAX_META && sqlite3_step(st) == SQLITE_ROW) {
		struct meta_kv *kv = &e->meta[e->n_meta];

		kv->key = col_dup(st, 0);
		kv->value = col_dup(st, 1);
		e->n_meta++;
		if (kv->key == NULL || kv->value == NULL) {
			r = CP_E_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	return r;
}

static cp_err
read_collector_errors(cp_engine *e)
{
	sqlite3_stmt *st = NULL;
	cp_err r = CP_OK;

	if (sqlite3_prepare_v2(e->db, "SELECT collector, error, message "
	    "FROM main.collector_errors UNION ALL "
	    "SELECT collector, error, message FROM tenant.collector_errors",
	    -1, &st, NULL) != SQLITE_OK)
		return CP_E_IO;
	e->errs = calloc(MAX_COLLECTOR_ERRORS, sizeof(*e->errs));
	if (e->errs == NULL) {
		sqlite3_finalize(st);
		return CP_E_NOMEM;
	}
	while (e->n_errs < MAX_COLLECTOR_ERRORS &&
	    sqlite3_step(st) == SQLITE_ROW) {
		struct collector_error *ce = &e->errs[e->n_errs++];

		ce->collector = col_dup(st, 0);
		ce->error = col_dup(st, 1);
		ce->message = col_dup(st, 2);
		if (ce->collector == NULL || ce->error == NULL ||
		    ce->message == NULL) {
			r = CP_E_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	return r;
}

void
cp_engine_close(cp_engine *e)
{
	size_t i;

	if (e == NULL)
		return;
	sqlite3_close(e->db);
	for (i = 0; i < e->n_errs; i++) {
		free(e->errs[i].collector);
		free(e->errs[i].error);
		free(e->errs[i].message);
	}
	free(e->errs);
	for (i = 0; i < e->n_meta; i++) {
		free(e->meta[i].key);
		free(e->meta[i].value);
	}
	free(e);
}

cp_err
cp_engine_open(const char *snapshot, const char *tenant_snapshot,
    const struct cp_engine_opts *o, cp_engine **out, char *why,
    size_t why_size)
{
	static const struct cp_engine_opts none;
	cp_engine *e = NULL;
	char uri[8192];
	cp_err r;

	*out = NULL;
	if (o == NULL)
		o = &none;
	if (snapshot == NULL) {
		cp_snprintf(why, why_size, "no snapshot to open");
		return CP_E_INVALID;
	}
	r = check_file("snapshot", snapshot, why, why_size);
	if (r != CP_OK)
		return r;
	if (ro_uri(snapshot, uri, sizeof(uri)) != CP_OK) {
		cp_snprintf(why, why_size, "snapshot path too long");
		return CP_E_LIMIT;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		cp_snprintf(why, why_size, "out of memory");
		return CP_E_NOMEM;
	}
	e->log = o->log;
	e->funcs.geoip = o->geoip;
	e->funcs.now = o->now != 0 ? o->now : time(NULL);
	e->sb.budget = o->budget != 0 ? o->budget : CP_SANDBOX_DEFAULT_BUDGET;
	e->sb.cancel = o->cancel;
	if (sqlite3_open_v2(uri, &e->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		cp_snprintf(why, why_size, "snapshot %s: %s", snapshot,
		    e->db != NULL ? sqlite3_errmsg(e->db) : "out of memory");
		r = CP_E_IO;
		goto out;
	}
	sqlite3_extended_result_codes(e->db, 1);
	r = check_format(e->db, "main", snapshot, why, why_size);
	if (r != CP_OK)
		goto out;
	if (tenant_snapshot != NULL)
		r = attach_tenant(e->db, tenant_snapshot, why, why_size);
	else
		r = attach_empty_tenant(e->db, why, why_size);
	if (r != CP_OK)
		goto out;
	if ((r = read_meta(e)) != CP_OK ||
	    (r = read_collector_errors(e)) != CP_OK) {
		cp_snprintf(why, why_size, "snapshot %s: cannot read meta or "
		    "collector errors: %s", snapshot, sqlite3_errmsg(e->db));
		goto out;
	}
	/* The default page cache (2 MiB) is enough: a policy reads the
	 * documents of one type once, in order; a larger cache measured no
	 * faster. */
	if (cp_sqlfuncs_register(e->db, &e->funcs) != CP_OK) {
		cp_snprintf(why, why_size, "snapshot %s: %s", snapshot,
		    sqlite3_errmsg(e->db));
		r = CP_E_NOMEM;
		goto out;
	}
	r = cp_sandbox_install(e->db, &e->sb, why, why_size);
	if (r != CP_OK)
		goto out;
	*out = e;
	return CP_OK;
out:
	cp_engine_close(e);
	return r;
}

/* The time of a snapshot's collected_at ("2026-11-25T09:30:00Z"), or 0. */
static time_t
collected_time(const char *iso)
{
	struct tm tm;
	const char *end;

	if (iso == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	end = strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return 0;
	return timegm(&tm);
}

cp_err
cp_engine_open_as_collected(const char *snapshot,
    const struct cp_engine_opts *o, cp_engine **out, char *why,
    size_t why_size)
{
	struct cp_engine_opts eo = *o;
	time_t collected;
	cp_err r;

	r = cp_engine_open(snapshot, NULL, &eo, out, why, why_size);
	if (r != CP_OK)
		return r;
	collected = collected_time(cp_engine_meta(*out, "collected_at"));
	if (collected == 0 || collected == eo.now)
		return CP_OK;
	cp_engine_close(*out);
	*out = NULL;
	eo.now = collected;
	return cp_engine_open(snapshot, NULL, &eo, out, why, why_size);
}

const char *
cp_engine_meta(const cp_engine *e, const char *key)
{
	size_t i;

	for (i = 0; e != NULL && key != NULL && i < e->n_meta; i++)
		if (strcmp(e->meta[i].key, key) == 0)
			return e->meta[i].value;
	return NULL;
}

unsigned long long
cp_engine_last_steps(const cp_engine *e)
{
	return e != NULL ? e->last_steps : 0;
}

size_t
cp_engine_last_rows(const cp_engine *e)
{
	return e != NULL ? e->last_rows : 0;
}

/*
 * When a collector p requires failed, the one ERROR result that stands
 * for the whole policy.  Returns 1 when it was handed over (or the
 * callback failed, in *r).
 */
static int
collectors_failed(cp_engine *e, const struct cp_policy *p, cp_result_fn fn,
    void *ud, cp_err *r)
{
	struct cp_policy_result res;
	struct cp_buf b;
	size_t i, j;
	int found = 0;

	cp_buf_init(&b, 4096);
	for (i = 0; i < p->n_requires; i++)
		for (j = 0; j < e->n_errs; j++) {
			if (strcmp(p->requires[i], e->errs[j].collector) != 0)
				continue;
			found = 1;
			cp_buf_printf(&b, "%scollector %s failed (%s): %s",
			    b.len > 0 ? "; " : "", e->errs[j].collector,
			    e->errs[j].error, e->errs[j].message);
			break;
		}
	if (!found)
		return 0;
	memset(&res, 0, sizeof(res));
	res.resource_id = "";
	res.resource_name = "";
	res.status = CP_RESULT_ERROR;
	res.detail = b.data != NULL ? b.data : "a required collector failed";
	res.value = "";
	res.condition = "collector-error";
	*r = fn(ud, p, &res);
	e->last_rows = 1;
	cp_buf_free(&b);
	return 1;
}

/* The values param() will see: the portal's, checked, else defaults. */
static cp_err
resolve_params(const struct cp_policy *p, const json_t *given,
    json_t **out, char *why, size_t why_size)
{
	json_t *res, *v;
	char problem[512];
	size_t i;

	*out = NULL;
	if (given != NULL && !json_is_object(given)) {
		cp_snprintf(why, why_size, "policy %s: parameters must be an "
		    "object", p->id);
		return CP_E_INVALID;
	}
	res = json_object();
	if (res == NULL)
		return CP_E_NOMEM;
	for (i = 0; i < p->n_params; i++) {
		const struct cp_policy_param *pp = &p->params[i];

		v = given != NULL ? json_object_get(given, pp->name) : NULL;
		if (v == NULL || json_is_null(v))
			v = (json_t *)pp->def;
		else if (cp_policy_param_check_json(pp, v, problem,
		    sizeof(problem)) != CP_OK) {
			cp_snprintf(why, why_size, "policy %s: parameter %s",
			    p->id, problem);
			json_decref(res);
			return CP_E_INVALID;
		}
		if (json_object_set(res, pp->name, v) != 0) {
			json_decref(res);
			return CP_E_NOMEM;
		}
	}
	*out = res;
	return CP_OK;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? (const char *)s : "";
}

static cp_err
run_stmt(cp_engine *e, const struct cp_policy *p, sqlite3_stmt *st,
    const int cols[CP_COL_COUNT], cp_result_fn fn, void *ud, char *why,
    size_t why_size)
{
	struct cp_policy_result res;
	const char *status;
	size_t rows = 0;
	int rc;
	cp_err r = CP_OK;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rows++;
		res.resource_id = col_text(st, cols[CP_COL_RESOURCE_ID]);
		res.resource_name = col_text(st, cols[CP_COL_RESOURCE_NAME]);
		res.detail = col_text(st, cols[CP_COL_DETAIL]);
		res.value = col_text(st, cols[CP_COL_VALUE]);
		res.condition = col_text(st, cols[CP_COL_CONDITION]);
		status = col_text(st, cols[CP_COL_STATUS]);
		if (strcmp(status, "pass") == 0)
			res.status = CP_RESULT_PASS;
		else if (strcmp(status, "fail") == 0)
			res.status = CP_RESULT_FAIL;
		else {
			res.status = CP_RESULT_ERROR;
			cp_log_msg(e->log, CP_LOG_WARNING, "policy",
			    "policy %s: resource '%.200s' has status '%.32s', "
			    "not 'pass' or 'fail': counted as an error", p->id,
			    res.resource_id, status);
		}
		r = fn(ud, p, &res);
		if (r != CP_OK) {
			cp_snprintf(why, why_size, "policy %s: the result "
			    "callback failed: %s", p->id, cp_strerror(r));
			break;
		}
	}
	e->last_rows = rows;
	e->last_steps = (unsigned long long)sqlite3_stmt_status(st,
	    SQLITE_STMTSTATUS_VM_STEP, 0);
	if (r != CP_OK || rc == SQLITE_DONE)
		return r;
	if (e->sb.stopped == 1) {
		cp_snprintf(why, why_size, "policy %s stopped after %llu steps",
		    p->id, e->sb.steps);
		r = CP_E_LIMIT;
	} else if (e->sb.stopped == 2) {
		cp_snprintf(why, why_size, "policy %s cancelled", p->id);
		r = CP_E_CANCELLED;
	} else {
		cp_snprintf(why, why_size, "policy %s: %s", p->id,
		    sqlite3_errmsg(e->db));
		r = (rc & 0xff) == SQLITE_NOMEM ? CP_E_NOMEM : CP_E_INVALID;
	}
	cp_log_msg(e->log, CP_LOG_WARNING, "policy", "%s", why);
	return r;
}

cp_err
cp_engine_run(cp_engine *e, const struct cp_policy *p, const json_t *params,
    cp_result_fn fn, void *ud, char *why, size_t why_size)
{
	sqlite3_stmt *st = NULL;
	json_t *values = NULL;
	int cols[CP_COL_COUNT];
	char problem[512];
	cp_err r = CP_OK;

	if (e == NULL || p == NULL || p->sql == NULL || fn == NULL) {
		cp_snprintf(why, why_size, "engine: nothing to run");
		return CP_E_INVALID;
	}
	e->last_rows = 0;
	e->last_steps = 0;
	if (collectors_failed(e, p, fn, ud, &r))
		return r;
	r = resolve_params(p, params, &values, why, why_size);
	if (r != CP_OK)
		return r;
	e->funcs.policy = p;
	e->funcs.params = values;
	r = cp_sandbox_prepare(e->db, &e->sb, p->sql, &st, cols, problem,
	    sizeof(problem));
	if (r != CP_OK) {
		cp_snprintf(why, why_size, "policy %s: %s", p->id, problem);
		cp_log_msg(e->log, CP_LOG_WARNING, "policy", "%s", why);
		goto out;
	}
	cp_sandbox_reset(&e->sb);
	r = run_stmt(e, p, st, cols, fn, ud, why, why_size);
out:
	sqlite3_finalize(st);
	e->funcs.policy = NULL;
	e->funcs.params = NULL;
	json_decref(values);
	return r;
}
