/*
 * lifecycle.c - one inspection run of one unit: results in, findings,
 * notifications and remediations out (DESIGN 6).
 *
 * While the policies run, fail results are staged in a temporary table of
 * the connection (temp.cp_lc_fail), indexed by (policy, resource,
 * condition); passes only count, since "not failed" is all resolution
 * needs to know.  Writing the temporary table takes no lock on the store,
 * so other threads and processes keep writing while policies are
 * evaluated.  Rows are gathered in memory and written a batch at a time in
 * a transaction of their own that touches only the temporary schema (one
 * transaction per row would cost a journal round per row).  The commit then
 * applies every finished, error-free policy in one transaction: one UPDATE
 * resolves what the policy no longer fails (NOT EXISTS against the staged
 * index), and one walk over its staged fails opens or refreshes findings and
 * queues what they call for.  Each row costs a few index look-ups, so a run is
 * O(n log n) in its results.
 */
#include <stdlib.h>
#include <string.h>

#include "lifecycle/lc_priv.h"
#include "lifecycle/lifecycle.h"

#define NO_POLICY SIZE_MAX
#define STAGE_ROWS 256              /* rows gathered before a flush */
#define STAGE_BYTES (1024u * 1024u) /* or bytes */
#define STAGE_FIELDS 5

enum lc_state {
	LC_RUNNING = 0,   /* results are being fed */
	LC_DONE = 1,      /* ran to its end: applied at commit */
	LC_ERROR = 2,     /* an error result: left alone */
	LC_UNFINISHED = 3 /* another policy came before its end: left alone */
};

struct lc_policy {
	char *id;
	char *action;   /* NULL: notify-only */
	json_t *params; /* the action's parameters; NULL: none */
	int notify;
	int remediate;
	int state; /* enum lc_state */
};

/* A staged row not yet written: its fields are slices of the arena. */
struct lc_pending {
	size_t pidx;
	size_t off[STAGE_FIELDS];
	size_t len[STAGE_FIELDS];
};

struct cp_lifecycle {
	cp_store *st;
	struct cp_lc_unit u;
	char unit[128]; /* the cloud's id of the unit */
	time_t now;
	struct lc_policy *pol;
	size_t npol;
	size_t cap;
	size_t cur;          /* the policy being fed, or NO_POLICY */
	sqlite3_stmt *stage; /* INSERT INTO temp.cp_lc_fail */
	struct lc_pending pend[STAGE_ROWS];
	size_t npend;
	struct cp_buf arena; /* the text of pend */
	cp_err stage_err;    /* a failed flush: the run cannot commit */
	char stage_why[512]; /* and why */
	size_t results;
	size_t resources;
	int have_table;
	char note[1024];     /* a partial collection, kept in the scan row */
};

/* One staged fail, borrowed from the cursor over temp.cp_lc_fail. */
struct lc_row {
	const char *resource;
	const char *condition;
	const char *name;
	const char *detail;
	const char *value;
};

/* The statements of a commit, prepared once. */
struct lc_apply {
	cp_lifecycle *lc;
	struct cp_lc_queue q;
	sqlite3_stmt *find_open;
	sqlite3_stmt *seen;
	sqlite3_stmt *insert;
	sqlite3_stmt *recent;
	sqlite3_stmt *prev;
	sqlite3_stmt *excluded;
	sqlite3_stmt *resolve;
	sqlite3_stmt *fails;
};

static const char stage_sql[] =
    "CREATE TEMP TABLE cp_lc_fail ("
    " seq INTEGER PRIMARY KEY,"
    " pidx INTEGER NOT NULL,"
    " resource TEXT NOT NULL,"
    " condition TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " detail TEXT NOT NULL,"
    " value TEXT NOT NULL);"
    "CREATE INDEX temp.cp_lc_fail_key ON cp_lc_fail (pidx, resource, "
    "condition);";

cp_err
cp_lc_unit_lookup(
    cp_store *st, int64_t unit_id, int64_t *portal_id, char *unit, size_t n)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st,
	    "SELECT u.unit, e.portal_id FROM units u "
	    "JOIN environments e ON e.id = u.env_id WHERE u.id = ?1",
	    &stmt, "reading a unit");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, unit_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		cp_store_column_text(stmt, 0, unit, n);
		*portal_id = sqlite3_column_int64(stmt, 1);
	} else if (rc == SQLITE_DONE)
		r = cp_store_fail(st, CP_E_NOTFOUND, "no unit with id %lld",
		    (long long)unit_id);
	else
		r = cp_store_sqlfail(st, rc, "reading a unit");
	sqlite3_finalize(stmt);
	return r;
}

/* Checks that u names an existing unit of its portal. */
static cp_err
check_unit(cp_store *st, const struct cp_lc_unit *u, char *unit, size_t n)
{
	int64_t portal_id = 0;
	size_t chars;
	cp_err r;

	if (u == NULL || u->unit_id <= 0)
		return cp_store_fail(st, CP_E_INVALID, "no unit given");
	r = cp_lc_unit_lookup(st, u->unit_id, &portal_id, unit, n);
	if (r != CP_OK)
		return r;
	/* It goes into JSON payloads, which must be UTF-8. */
	if (cp_lc_utf8_count(unit, &chars) != CP_OK)
		return cp_store_fail(st, CP_E_INVALID,
		    "unit %lld: its id is not UTF-8 text",
		    (long long)u->unit_id);
	if (portal_id != u->portal_id)
		return cp_store_fail(st, CP_E_INVALID,
		    "unit %lld belongs to portal %lld, not %lld",
		    (long long)u->unit_id, (long long)portal_id,
		    (long long)u->portal_id);
	return CP_OK;
}

static void
drop_stage(cp_lifecycle *lc)
{
	sqlite3_finalize(lc->stage);
	lc->stage = NULL;
	if (lc->have_table)
		(void)sqlite3_exec(cp_store_db(lc->st),
		    "DROP TABLE IF EXISTS temp.cp_lc_fail", NULL, NULL, NULL);
	lc->have_table = 0;
}

static void
lc_free(cp_lifecycle *lc)
{
	size_t i;

	if (lc == NULL)
		return;
	drop_stage(lc);
	cp_buf_free(&lc->arena);
	for (i = 0; i < lc->npol; i++) {
		free(lc->pol[i].id);
		free(lc->pol[i].action);
		json_decref(lc->pol[i].params);
	}
	free(lc->pol);
	free(lc);
}

cp_err
cp_lifecycle_begin(
    cp_store *st, const struct cp_lc_unit *u, time_t now, cp_lifecycle **out)
{
	cp_lifecycle *lc = NULL;
	char *err = NULL;
	cp_err r;
	int rc;

	*out = NULL;
	lc = calloc(1, sizeof(*lc));
	if (lc == NULL)
		return cp_store_fail(st, CP_E_NOMEM, "out of memory");
	lc->st = st;
	lc->now = now;
	lc->cur = NO_POLICY;
	cp_buf_init(&lc->arena, 4 * STAGE_BYTES);
	r = check_unit(st, u, lc->unit, sizeof(lc->unit));
	if (r != CP_OK)
		goto out;
	lc->u = *u;
	rc = sqlite3_exec(cp_store_db(st), stage_sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		/* The table exists only while another run is open. */
		r = cp_store_fail(st,
		    err != NULL && strstr(err, "already exists") != NULL
			? CP_E_BUSY
			: CP_E_STORE,
		    "cannot stage the results of unit %lld: %s",
		    (long long)u->unit_id,
		    err != NULL ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		/* Drop a half-made table, never another run's. */
		if (r != CP_E_BUSY)
			lc->have_table = 1;
		goto out;
	}
	lc->have_table = 1;
	r = cp_store_prepare(st,
	    "INSERT INTO temp.cp_lc_fail (pidx, resource, condition, name, "
	    "detail, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	    &lc->stage, "staging results");
	if (r != CP_OK)
		goto out;
	*out = lc;
	lc = NULL;
out:
	lc_free(lc);
	return r;
}

/* Whether s is an acceptable policy id: 1..63 printable UTF-8 bytes. */
static int
policy_id_ok(const char *s)
{
	size_t n;

	return cp_store_text_ok(s, 1, CP_LC_POLICY_MAX) &&
	       cp_lc_utf8_count(s, &n) == CP_OK;
}

/* Appends policy p to the run; its state starts as running. */
static cp_err
add_policy(cp_lifecycle *lc, const struct cp_lc_policy *p)
{
	struct lc_policy *lp, *v;
	size_t cap;

	if (p->action_params != NULL && !json_is_object(p->action_params))
		return cp_store_fail(lc->st, CP_E_INVALID,
		    "policy %s: action parameters must be a JSON object",
		    p->id);
	if (lc->npol == lc->cap) {
		cap = lc->cap == 0 ? 16 : lc->cap * 2;
		v = realloc(lc->pol, cap * sizeof(*v));
		if (v == NULL)
			return cp_store_fail(
			    lc->st, CP_E_NOMEM, "out of memory");
		lc->pol = v;
		lc->cap = cap;
	}
	lp = &lc->pol[lc->npol];
	memset(lp, 0, sizeof(*lp));
	lp->id = strdup(p->id);
	if (p->action != NULL && *p->action != '\0')
		lp->action = strdup(p->action);
	if (p->action_params != NULL)
		lp->params = json_deep_copy(p->action_params);
	if (lp->id == NULL ||
	    (p->action != NULL && *p->action != '\0' && lp->action == NULL) ||
	    (p->action_params != NULL && lp->params == NULL)) {
		free(lp->id);
		free(lp->action);
		json_decref(lp->params);
		return cp_store_fail(lc->st, CP_E_NOMEM, "out of memory");
	}
	lp->notify = p->notify != 0;
	lp->remediate = p->remediate != 0;
	lp->state = LC_RUNNING;
	lc->cur = lc->npol++;
	return CP_OK;
}

/*
 * Finds p in the run: the policy being fed, or a new one (which ends the
 * previous policy unfinished).  A policy met again after its end is a bug
 * of the caller.
 */
static cp_err
select_policy(
    cp_lifecycle *lc, const struct cp_lc_policy *p, struct lc_policy **out)
{
	size_t i;
	cp_err r;

	if (p == NULL || !policy_id_ok(p->id))
		return cp_store_fail(lc->st, CP_E_INVALID,
		    "a policy id is 1 to %d printable bytes", CP_LC_POLICY_MAX);
	if (lc->cur != NO_POLICY && strcmp(lc->pol[lc->cur].id, p->id) == 0) {
		*out = &lc->pol[lc->cur];
		return CP_OK;
	}
	if (lc->cur != NO_POLICY && lc->pol[lc->cur].state == LC_RUNNING)
		lc->pol[lc->cur].state = LC_UNFINISHED;
	lc->cur = NO_POLICY;
	/* Policies per unit are a few hundred: a scan is cheap enough. */
	for (i = 0; i < lc->npol; i++)
		if (strcmp(lc->pol[i].id, p->id) == 0)
			return cp_store_fail(lc->st, CP_E_INVALID,
			    "policy %s was fed already: results come policy "
			    "by policy",
			    p->id);
	r = add_policy(lc, p);
	if (r == CP_OK)
		*out = &lc->pol[lc->cur];
	return r;
}

/*
 * Checks one text field of a fail result: UTF-8, no control characters,
 * and either at most max bytes (cut 0) or cut to max bytes.  *len gets the
 * length to store.
 */
static int
field_ok(const char *s, size_t max, int cut, int lines, size_t *len)
{
	size_t n;

	if (cp_lc_utf8_count(s, &n) != CP_OK || cp_lc_has_controls(s, lines))
		return 0;
	n = strlen(s);
	if (n > max && !cut)
		return 0;
	*len = n > max ? cp_lc_utf8_cut(s, max) : n;
	return 1;
}

static cp_err
bad_result(cp_lifecycle *lc, struct lc_policy *lp, const char *what)
{
	lp->state = LC_ERROR;
	return cp_store_fail(lc->st, CP_E_INVALID,
	    "policy %s: a fail result has %s; the policy changes nothing in "
	    "this run",
	    lp->id, what);
}

/*
 * Writes the gathered rows to temp.cp_lc_fail, in a transaction of their
 * own unless the caller has one open (then they join it).
 */
static cp_err
flush(cp_lifecycle *lc)
{
	sqlite3 *db = cp_store_db(lc->st);
	const struct lc_pending *pr;
	sqlite3_stmt *s = lc->stage;
	int own, rc = SQLITE_OK, i;
	size_t k;
	cp_err r = CP_OK;

	if (lc->stage_err != CP_OK)
		return cp_store_fail(
		    lc->st, lc->stage_err, "%s", lc->stage_why);
	if (lc->npend == 0)
		return CP_OK;
	own = sqlite3_get_autocommit(db) != 0;
	if (own)
		rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (k = 0; k < lc->npend && rc == SQLITE_OK; k++) {
		pr = &lc->pend[k];
		rc = sqlite3_bind_int64(s, 1, (sqlite3_int64)pr->pidx);
		for (i = 0; i < STAGE_FIELDS && rc == SQLITE_OK; i++)
			rc = sqlite3_bind_text(s, i + 2,
			    lc->arena.data + pr->off[i], (int)pr->len[i],
			    SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	if (rc == SQLITE_OK && own)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = cp_store_sqlfail(lc->st, rc, "staging results");
		if (own && sqlite3_get_autocommit(db) == 0)
			(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		lc->stage_err = r;
		cp_strlcpy(lc->stage_why, cp_store_errmsg(lc->st),
		    sizeof(lc->stage_why));
	}
	lc->npend = 0;
	lc->arena.len = 0;
	return r;
}

/* Gathers one fail result of lp; flushes a full batch. */
static cp_err
stage_fail(
    cp_lifecycle *lc, struct lc_policy *lp, const struct cp_policy_result *res)
{
	const char *f[STAGE_FIELDS];
	size_t len[STAGE_FIELDS];
	struct lc_pending *pr;
	int i;

	f[0] = res->resource_id != NULL ? res->resource_id : "";
	f[1] = res->condition != NULL ? res->condition : "";
	f[2] = res->resource_name != NULL ? res->resource_name : "";
	f[3] = res->detail != NULL ? res->detail : "";
	f[4] = res->value != NULL ? res->value : "";
	if (*f[0] == '\0')
		return bad_result(lc, lp, "no resource id");
	if (!field_ok(f[0], CP_LC_RESOURCE_MAX, 0, 0, &len[0]))
		return bad_result(lc, lp,
		    "a resource id that is not 1 to 2048 bytes of UTF-8 text");
	if (!field_ok(f[1], CP_LC_CONDITION_MAX, 0, 0, &len[1]))
		return bad_result(lc, lp,
		    "a condition that is not at most 512 bytes of UTF-8 text");
	if (!field_ok(f[2], CP_LC_NAME_MAX, 1, 0, &len[2]) ||
	    !field_ok(f[3], CP_LC_TEXT_MAX, 1, 1, &len[3]) ||
	    !field_ok(f[4], CP_LC_TEXT_MAX, 1, 1, &len[4]))
		return bad_result(lc, lp, "text that is not UTF-8");
	if (lc->stage_err != CP_OK)
		return cp_store_fail(
		    lc->st, lc->stage_err, "%s", lc->stage_why);
	pr = &lc->pend[lc->npend];
	pr->pidx = (size_t)(lp - lc->pol);
	for (i = 0; i < STAGE_FIELDS; i++) {
		pr->off[i] = lc->arena.len;
		pr->len[i] = len[i];
		if (cp_buf_append(&lc->arena, f[i], len[i]) != CP_OK) {
			lc->stage_err = CP_E_NOMEM;
			cp_strlcpy(lc->stage_why,
			    "out of memory staging results",
			    sizeof(lc->stage_why));
			return cp_store_fail(
			    lc->st, CP_E_NOMEM, "%s", lc->stage_why);
		}
	}
	lc->npend++;
	if (lc->npend == STAGE_ROWS || lc->arena.len >= STAGE_BYTES)
		return flush(lc);
	return CP_OK;
}

cp_err
cp_lifecycle_add(cp_lifecycle *lc, const struct cp_lc_policy *p,
    const struct cp_policy_result *res)
{
	struct lc_policy *lp = NULL;
	cp_err r;

	r = select_policy(lc, p, &lp);
	if (r != CP_OK)
		return r;
	if (res == NULL)
		return cp_store_fail(lc->st, CP_E_INVALID, "no result given");
	lc->results++;
	if (lp->state != LC_RUNNING)
		return CP_OK;
	switch (res->status) {
	case CP_RESULT_PASS:
		return CP_OK;
	case CP_RESULT_FAIL:
		return stage_fail(lc, lp, res);
	case CP_RESULT_ERROR:
		lp->state = LC_ERROR;
		return CP_OK;
	default:
		lp->state = LC_ERROR;
		return cp_store_fail(lc->st, CP_E_INVALID,
		    "policy %s: unknown result status %d; the policy changes "
		    "nothing in this run",
		    lp->id, res->status);
	}
}

cp_err
cp_lifecycle_policy_done(cp_lifecycle *lc, const struct cp_lc_policy *p)
{
	struct lc_policy *lp = NULL;
	cp_err r;

	r = select_policy(lc, p, &lp);
	if (r != CP_OK)
		return r;
	if (lp->state == LC_RUNNING)
		lp->state = LC_DONE;
	lc->cur = NO_POLICY;
	return CP_OK;
}

void
cp_lifecycle_set_resources(cp_lifecycle *lc, size_t n)
{
	lc->resources = n;
}

void
cp_lifecycle_set_note(cp_lifecycle *lc, const char *note)
{
	size_t n;

	if (note == NULL || cp_lc_utf8_count(note, &n) != CP_OK) {
		lc->note[0] = '\0';
		return;
	}
	n = cp_lc_utf8_cut(note, sizeof(lc->note) - 1);
	memcpy(lc->note, note, n);
	lc->note[n] = '\0';
}

void
cp_lifecycle_abort(cp_lifecycle *lc)
{
	lc_free(lc);
}

/* ---- commit ---- */

static void
apply_fini(struct lc_apply *a)
{
	cp_lc_queue_fini(&a->q);
	sqlite3_finalize(a->find_open);
	sqlite3_finalize(a->seen);
	sqlite3_finalize(a->insert);
	sqlite3_finalize(a->recent);
	sqlite3_finalize(a->prev);
	sqlite3_finalize(a->excluded);
	sqlite3_finalize(a->resolve);
	sqlite3_finalize(a->fails);
}

static cp_err
apply_init(struct lc_apply *a, cp_lifecycle *lc)
{
	static const struct {
		size_t off;
		const char *sql;
	} stmts[] = {
	    {offsetof(struct lc_apply, find_open),
		"SELECT id, first_seen FROM findings WHERE unit_id = ?1 "
		"AND policy = ?2 AND resource = ?3 AND condition = ?4 "
		"AND resolved_at IS NULL"},
	    {offsetof(struct lc_apply, seen),
		"UPDATE findings SET last_seen = ?2, resource_name = ?3, "
		"detail = ?4, value = ?5 WHERE id = ?1"},
	    {offsetof(struct lc_apply, insert),
		"INSERT INTO findings (unit_id, policy, resource, "
		"condition, resource_name, detail, value, first_seen, "
		"last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"},
	    {offsetof(struct lc_apply, recent),
		"SELECT EXISTS (SELECT 1 FROM notifications "
		"WHERE unit_id = ?1 AND policy = ?2 AND resource = ?3 "
		"AND condition = ?4 AND time >= ?5 AND kind = 'risk')"},
	    {offsetof(struct lc_apply, prev),
		"SELECT resolved_at FROM findings WHERE unit_id = ?1 "
		"AND policy = ?2 AND resource = ?3 AND condition = ?4 "
		"AND resolved_at IS NOT NULL ORDER BY id DESC LIMIT 1"},
	    {offsetof(struct lc_apply, excluded),
		"SELECT EXISTS (SELECT 1 FROM exclusions "
		"WHERE portal_id = ?1 AND resource = ?2)"},
	    {offsetof(struct lc_apply, resolve),
		"UPDATE findings SET resolved_at = last_seen + ?3 "
		"WHERE unit_id = ?1 AND policy = ?2 AND resolved_at IS NULL "
		"AND NOT EXISTS (SELECT 1 FROM temp.cp_lc_fail f "
		"WHERE f.pidx = ?4 AND f.resource = findings.resource "
		"AND f.condition = findings.condition)"},
	    {offsetof(struct lc_apply, fails),
		"SELECT resource, condition, name, detail, value "
		"FROM temp.cp_lc_fail WHERE pidx = ?1 "
		"ORDER BY resource, condition, seq"},
	};
	size_t i;
	cp_err r;

	memset(a, 0, sizeof(*a));
	a->lc = lc;
	r = cp_lc_queue_init(&a->q, lc->st);
	for (i = 0; i < CP_ARRAY_LEN(stmts) && r == CP_OK; i++)
		r = cp_store_prepare(lc->st, stmts[i].sql,
		    (sqlite3_stmt **)((char *)a + stmts[i].off),
		    "preparing the findings update");
	if (r != CP_OK)
		apply_fini(a);
	return r;
}

/* Binds the key (unit, policy, resource, condition) at 1..4. */
static int
bind_key(sqlite3_stmt *s, const struct lc_apply *a, const struct lc_policy *lp,
    const struct lc_row *row)
{
	int rc;

	rc = sqlite3_bind_int64(s, 1, a->lc->u.unit_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 2, lp->id, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 3, row->resource, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 4, row->condition, -1, SQLITE_STATIC);
	return rc;
}

/*
 * Steps s (bound up to rc) for at most one row: *found says whether there
 * was one, *v0 and *v1 (may be NULL) get its first two integer columns.
 */
static cp_err
step_one(struct lc_apply *a, sqlite3_stmt *s, int rc, int *found, int64_t *v0,
    int64_t *v1, const char *what)
{
	cp_err r = CP_OK;

	*found = 0;
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*found = 1;
		if (v0 != NULL)
			*v0 = sqlite3_column_int64(s, 0);
		if (v1 != NULL)
			*v1 = sqlite3_column_int64(s, 1);
	} else if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(a->lc->st, rc, what);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return r;
}

/* Steps a bound UPDATE or INSERT. */
static cp_err
step_change(struct lc_apply *a, sqlite3_stmt *s, int rc, const char *what)
{
	cp_err r = CP_OK;

	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(a->lc->st, rc, what);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return r;
}

/* Whether the key has a risk notification in the last 37 days. */
static cp_err
notified_recently(struct lc_apply *a, const struct lc_policy *lp,
    const struct lc_row *row, int *yes)
{
	int64_t v = 0;
	int found, rc;
	cp_err r;

	rc = bind_key(a->recent, a, lp, row);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(
		    a->recent, 5, a->lc->now - CP_LC_NOTICE_KEEP);
	r = step_one(
	    a, a->recent, rc, &found, &v, NULL, "looking up notifications");
	*yes = found && v != 0;
	return r;
}

static cp_err
is_excluded(struct lc_apply *a, const struct lc_row *row, int *yes)
{
	sqlite3_stmt *s = a->excluded;
	int64_t v = 0;
	int found, rc;
	cp_err r;

	rc = sqlite3_bind_int64(s, 1, a->lc->u.portal_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 2, row->resource, -1, SQLITE_STATIC);
	r = step_one(a, s, rc, &found, &v, NULL, "looking up exclusions");
	*yes = found && v != 0;
	return r;
}

/* Queues the risk notification of finding fid: outbox and record. */
static cp_err
notify(struct lc_apply *a, const struct lc_policy *lp, const struct lc_row *row,
    int64_t fid, time_t first_seen, int repeat)
{
	cp_lifecycle *lc = a->lc;
	json_t *payload;
	cp_err r;

	payload = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, "
			    "s:I, s:I, s:b}",
	    "type", "risk", "policy", lp->id, "unit", lc->unit, "unit_id",
	    (json_int_t)lc->u.unit_id, "resource", row->resource,
	    "resource_name", row->name, "detail", row->detail, "value",
	    row->value, "condition", row->condition, "first_seen",
	    (json_int_t)first_seen, "finding_id", (json_int_t)fid, "repeat",
	    repeat);
	if (payload == NULL)
		return cp_store_fail(lc->st, CP_E_NOMEM,
		    "cannot build the notification of finding %lld",
		    (long long)fid);
	r = cp_lc_queue_outbox(&a->q, lc->u.portal_id, lc->u.unit_id, "notify",
	    payload, lc->now, NULL);
	json_decref(payload);
	if (r == CP_OK)
		r = cp_lc_queue_notice(&a->q, lc->u.unit_id, fid, lp->id,
		    row->resource, row->condition, "risk", lc->now);
	return r;
}

/* Queues the remediation of finding fid. */
static cp_err
queue_remediation(struct lc_apply *a, const struct lc_policy *lp,
    const struct lc_row *row, int64_t fid)
{
	cp_lifecycle *lc = a->lc;
	json_t *payload, *params;
	cp_err r;

	params = lp->params != NULL ? json_incref(lp->params) : json_object();
	payload = json_pack("{s:s, s:s, s:o, s:s, s:I, s:s, s:s, s:s, s:I, "
			    "s:s}",
	    "policy", lp->id, "action", lp->action, "params", params, "unit",
	    lc->unit, "unit_id", (json_int_t)lc->u.unit_id, "resource",
	    row->resource, "resource_name", row->name, "condition",
	    row->condition, "finding_id", (json_int_t)fid, "value", row->value);
	if (payload == NULL)
		return cp_store_fail(lc->st, CP_E_NOMEM,
		    "cannot build the remediation of finding %lld",
		    (long long)fid);
	r = cp_lc_queue_outbox(&a->q, lc->u.portal_id, lc->u.unit_id,
	    "remediate", payload, lc->now, NULL);
	json_decref(payload);
	return r;
}

/* A finding that is open already: refresh it, renotify after 37 days. */
static cp_err
still_open(struct lc_apply *a, const struct lc_policy *lp,
    const struct lc_row *row, int64_t fid, time_t first_seen,
    struct cp_lc_summary *sum)
{
	sqlite3_stmt *s = a->seen;
	int recent = 0, excluded = 0, rc;
	cp_err r;

	rc = sqlite3_bind_int64(s, 1, fid);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(s, 2, a->lc->now);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 3, row->name, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 4, row->detail, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 5, row->value, -1, SQLITE_STATIC);
	r = step_change(a, s, rc, "updating a finding");
	if (r != CP_OK)
		return r;
	sum->still_open++;
	if (!lp->notify)
		return CP_OK;
	r = notified_recently(a, lp, row, &recent);
	if (r == CP_OK && !recent)
		r = is_excluded(a, row, &excluded);
	if (r != CP_OK || recent || excluded)
		return r;
	r = notify(a, lp, row, fid, first_seen, 1);
	if (r == CP_OK)
		sum->notified++;
	return r;
}

/* A fail with no open finding: open one and queue what it calls for. */
static cp_err
open_finding(struct lc_apply *a, const struct lc_policy *lp,
    const struct lc_row *row, struct cp_lc_summary *sum)
{
	cp_lifecycle *lc = a->lc;
	sqlite3_stmt *s = a->insert;
	int64_t prev_at = 0, fid;
	int have_prev = 0, recent = 0, excluded = 0, rc;
	cp_err r;

	/* The previous finding of the key, before this one exists. */
	rc = bind_key(a->prev, a, lp, row);
	r = step_one(a, a->prev, rc, &have_prev, &prev_at, NULL,
	    "looking up earlier findings");
	if (r == CP_OK && lp->notify)
		r = notified_recently(a, lp, row, &recent);
	if (r == CP_OK)
		r = is_excluded(a, row, &excluded);
	if (r != CP_OK)
		return r;
	rc = bind_key(s, a, lp, row);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 5, row->name, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 6, row->detail, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 7, row->value, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(s, 8, lc->now);
	r = step_change(a, s, rc, "opening a finding");
	if (r != CP_OK)
		return r;
	fid = sqlite3_last_insert_rowid(cp_store_db(lc->st));
	sum->opened++;
	if (excluded) {
		sum->excluded++;
		return CP_OK;
	}
	if (lp->notify) {
		/* R-NOT-3: new, or back after more than 7 days resolved. */
		if (!recent ||
		    (have_prev && prev_at <= lc->now - CP_LC_RETURN_GAP)) {
			r = notify(a, lp, row, fid, lc->now, 0);
			if (r != CP_OK)
				return r;
			sum->notified++;
		} else
			sum->suppressed++;
	}
	if (lp->remediate && lp->action != NULL && lc->u.remediation_allowed) {
		r = queue_remediation(a, lp, row, fid);
		if (r != CP_OK)
			return r;
		sum->remediations++;
	}
	return CP_OK;
}

static cp_err
apply_row(struct lc_apply *a, const struct lc_policy *lp,
    const struct lc_row *row, struct cp_lc_summary *sum)
{
	int64_t fid = 0, first = 0;
	int found, rc;
	cp_err r;

	rc = bind_key(a->find_open, a, lp, row);
	r = step_one(
	    a, a->find_open, rc, &found, &fid, &first, "looking up a finding");
	if (r != CP_OK)
		return r;
	if (found)
		return still_open(a, lp, row, fid, (time_t)first, sum);
	return open_finding(a, lp, row, sum);
}

static const char *
col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? (const char *)t : "";
}

/* Applies policy number i: resolve what it did not fail, then its fails. */
static cp_err
apply_policy(struct lc_apply *a, size_t i, struct cp_lc_summary *sum)
{
	const struct lc_policy *lp = &a->lc->pol[i];
	sqlite3_stmt *s = a->resolve;
	struct lc_row row;
	cp_err r;
	int rc;

	rc = sqlite3_bind_int64(s, 1, a->lc->u.unit_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 2, lp->id, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, CP_LC_RESOLVE_DELAY);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 4, (sqlite3_int64)i);
	r = step_change(a, s, rc, "resolving findings");
	if (r != CP_OK)
		return r;
	sum->resolved += (size_t)sqlite3_changes(cp_store_db(a->lc->st));
	s = a->fails;
	rc = sqlite3_bind_int64(s, 1, (sqlite3_int64)i);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		row.resource = col_text(s, 0);
		row.condition = col_text(s, 1);
		row.name = col_text(s, 2);
		row.detail = col_text(s, 3);
		row.value = col_text(s, 4);
		r = apply_row(a, lp, &row, sum);
		if (r != CP_OK)
			goto out;
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(a->lc->st, rc, "reading staged results");
out:
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return r;
}

/*
 * Writes the scan row of unit at now: "ok", or "error" with why.  An "ok"
 * row may carry note (a partial collection) in its error column.
 */
static cp_err
record_scan(cp_store *st, int64_t unit_id, time_t now, const char *why,
    const char *note, size_t resources, size_t results, int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st,
	    "INSERT INTO scans (unit_id, started, finished, status, error, "
	    "resources, results) VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6)",
	    &stmt, "recording a scan");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, unit_id);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(stmt, 2, now);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 3, why == NULL ? "ok" : "error");
	if (rc == SQLITE_OK)
		rc = why == NULL
			 ? cp_store_bind_text(stmt, 4, note != NULL ? note : "")
			 : sqlite3_bind_text(stmt, 4, why,
			       (int)cp_lc_utf8_cut(why, 1023), SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 5, (sqlite3_int64)resources);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 6, (sqlite3_int64)results);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "recording a scan");
	else if (id != NULL)
		*id = sqlite3_last_insert_rowid(cp_store_db(st));
	sqlite3_finalize(stmt);
	return r;
}

/* Runs one DELETE with the cut-off bound at 1; *n gets the rows gone. */
static cp_err
purge_one(cp_store *st, const char *sql, time_t cutoff, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st, sql, &stmt, "purging old records");
	if (r != CP_OK)
		return r;
	rc = cp_lc_bind_time(stmt, 1, cutoff);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "purging old records");
	else if (n != NULL)
		*n = (size_t)sqlite3_changes(cp_store_db(st));
	sqlite3_finalize(stmt);
	return r;
}

/* The purge, in the caller's transaction. */
static cp_err
purge(cp_store *st, time_t now, size_t *removed)
{
	time_t cutoff = now - CP_LC_NOTICE_KEEP;
	cp_err r;

	r = purge_one(
	    st, "DELETE FROM notifications WHERE time < ?1", cutoff, removed);
	if (r == CP_OK)
		r = purge_one(st, "DELETE FROM remediations WHERE time < ?1",
		    cutoff, NULL);
	if (r == CP_OK)
		r = purge_one(st,
		    "DELETE FROM outbox WHERE state IN ('done', 'failed') "
		    "AND updated < ?1",
		    cutoff, NULL);
	return r;
}

cp_err
cp_lifecycle_purge(cp_store *st, time_t now, size_t *removed)
{
	cp_err r;

	if (removed != NULL)
		*removed = 0;
	r = cp_store_begin(st);
	if (r != CP_OK)
		return r;
	r = purge(st, now, removed);
	if (r == CP_OK)
		return cp_store_commit(st);
	cp_store_rollback(st);
	return r;
}

/* The commit's transaction; the caller rolls back on failure. */
static cp_err
apply(cp_lifecycle *lc, struct cp_lc_summary *sum)
{
	struct lc_apply a;
	size_t i;
	cp_err r;

	r = purge(lc->st, lc->now, NULL);
	if (r != CP_OK)
		return r;
	r = apply_init(&a, lc);
	if (r != CP_OK)
		return r;
	for (i = 0; i < lc->npol && r == CP_OK; i++) {
		if (lc->pol[i].state != LC_DONE) {
			sum->skipped++;
			continue;
		}
		r = apply_policy(&a, i, sum);
		sum->policies++;
	}
	apply_fini(&a);
	if (r == CP_OK)
		r = record_scan(lc->st, lc->u.unit_id, lc->now, NULL,
		    lc->note, lc->resources, lc->results, &sum->scan_id);
	return r;
}

cp_err
cp_lifecycle_commit(cp_lifecycle *lc, struct cp_lc_summary *sum)
{
	struct cp_lc_summary s;
	char why[sizeof(((cp_store *)NULL)->errmsg)];
	cp_store *st = lc->st;
	cp_err r;

	memset(&s, 0, sizeof(s));
	s.results = lc->results;
	if (lc->cur != NO_POLICY && lc->pol[lc->cur].state == LC_RUNNING)
		lc->pol[lc->cur].state = LC_UNFINISHED;
	r = flush(lc);
	/* The stage statement must not hold the temporary table open. */
	sqlite3_finalize(lc->stage);
	lc->stage = NULL;
	if (r == CP_OK)
		r = cp_store_begin(st);
	if (r == CP_OK) {
		r = apply(lc, &s);
		r = cp_store_end(st, r);
	}
	if (r != CP_OK) {
		/*
		 * R-INS-7: the run failed; say so in a scan row if we can
		 * (never inside a transaction of the caller's).
		 */
		cp_strlcpy(why, cp_store_errmsg(st), sizeof(why));
		if (sqlite3_get_autocommit(cp_store_db(st)) != 0)
			(void)record_scan(st, lc->u.unit_id, lc->now, why, NULL,
			    lc->resources, lc->results, NULL);
		cp_store_fail(st, r, "%s", why);
	} else if (sum != NULL)
		*sum = s;
	lc_free(lc);
	return r;
}

cp_err
cp_lifecycle_collection_failed(cp_store *st, const struct cp_lc_unit *u,
    time_t now, const char *why, int64_t *scan_id)
{
	char unit[128];
	size_t n;
	cp_err r;

	r = check_unit(st, u, unit, sizeof(unit));
	if (r != CP_OK)
		return r;
	if (why == NULL || *why == '\0')
		why = "collection failed";
	if (cp_lc_utf8_count(why, &n) != CP_OK)
		why = "collection failed (the reason was not UTF-8 text)";
	return record_scan(st, u->unit_id, now, why, NULL, 0, 0, scan_id);
}

cp_err
cp_lifecycle_last_collected(cp_store *st, int64_t unit_id, time_t *when)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	*when = 0;
	r = cp_store_prepare(st,
	    "SELECT max(started) FROM scans WHERE unit_id = ?1 "
	    "AND status = 'ok'", &stmt, "reading the last scan");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, unit_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(stmt, 0) == SQLITE_INTEGER)
			*when = (time_t)sqlite3_column_int64(stmt, 0);
	} else
		r = cp_store_sqlfail(st, rc, "reading the last scan");
	sqlite3_finalize(stmt);
	return r;
}
