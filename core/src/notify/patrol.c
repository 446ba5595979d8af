/*
 * patrol.c - building and queuing the daily patrol report.
 *
 * The report's data is gathered when it is queued and kept in the outbox
 * payload; the message is rendered from it when it is sent (message.c),
 * in the portal's language, like every other notice.  A and B come from
 * the findings in the store, C, D and E from each unit's latest snapshot,
 * opened read-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inspect/inspect.h"
#include "notify/dest.h"
#include "notify/message.h"
#include "notify/patrol.h"
#include "store/store_priv.h"

#define SNAPSHOT_BUSY_MS 5000

/* The creation time of a user, as the clouds write it. */
#define CREATED_EXPR                                                     \
	"substr(coalesce(json_extract(json, '$.CreateDate'), "           \
	"json_extract(json, '$.createdDateTime'), "                      \
	"json_extract(json, '$.timeCreated'), "                          \
	"json_extract(json, '$.createTime'), "                           \
	"json_extract(json, '$.creationTimestamp'), "                    \
	"json_extract(json, '$.created')), 1, 10)"

enum { SEC_COST = 0, SEC_REGIONS = 1, SEC_USERS = 2, SEC_N = 3 };

static const char *const sec_names[SEC_N] = { "cost", "regions", "users" };

struct patrol {
	cp_store *st;
	const cp_policy_set *set;
	int64_t portal_id;
	time_t now;
	size_t max_items;
	const char *state_dir;
	json_t *on;	/* policy id -> its effective parameters, for the
			   policies the portal has enabled with notification
			   on; policies known to be off map to null */
};

static void
patrol_fini(struct patrol *pt)
{
	json_decref(pt->on);
}

/*
 * The portal's effective parameters of p when it is enabled with
 * notification on (borrowed from the cache), else NULL.
 */
static cp_err
policy_on(struct patrol *pt, const struct cp_policy *p, const json_t **params)
{
	struct cp_lc_setting s;
	json_t *v;
	cp_err r;

	*params = NULL;
	v = json_object_get(pt->on, p->id);
	if (v != NULL) {
		*params = json_is_object(v) ? v : NULL;
		return CP_OK;
	}
	r = cp_inspect_setting(pt->st, pt->portal_id, p, &s);
	if (r != CP_OK)
		return r;
	v = s.enabled && s.notify ? json_incref(s.params) : json_null();
	cp_lc_setting_clear(&s);
	if (json_object_set_new(pt->on, p->id, v) != 0)
		return cp_store_fail(pt->st, CP_E_NOMEM, "out of memory");
	*params = json_is_object(v) ? v : NULL;
	return CP_OK;
}

/* "2024-05-01" of t (UTC) into buf, or "2024-05" with month set. */
static void
day_of(time_t t, int month, char *buf, size_t n)
{
	struct tm tm;

	buf[0] = '\0';
	if (gmtime_r(&t, &tm) == NULL)
		return;
	if (month)
		strftime(buf, n, "%Y-%m", &tm);
	else
		strftime(buf, n, "%Y-%m-%d", &tm);
}

/* ---- A and B: findings ---- */

/* A list section being filled: items kept, more counted. */
struct list {
	json_t *items;
	long long more;
};

static cp_err
list_add(struct patrol *pt, struct list *l, sqlite3_stmt *s,
    const struct cp_policy *p)
{
	json_t *it;

	if (json_array_size(l->items) >= pt->max_items) {
		l->more++;
		return CP_OK;
	}
	it = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
	    "policy", p->id, "severity", p->severity,
	    "env", (const char *)sqlite3_column_text(s, 1),
	    "unit", (const char *)sqlite3_column_text(s, 2),
	    "resource", (const char *)sqlite3_column_text(s, 3),
	    "resource_name", (const char *)sqlite3_column_text(s, 4),
	    "value", (const char *)sqlite3_column_text(s, 5),
	    "first_seen", (json_int_t)sqlite3_column_int64(s, 6),
	    "resolved_at", (json_int_t)sqlite3_column_int64(s, 7));
	if (it == NULL || json_array_append_new(l->items, it) != 0)
		return cp_store_fail(pt->st, CP_E_NOMEM, "out of memory");
	return CP_OK;
}

/*
 * Fills section A (open 0) or B (open 1) of destination dest_id.  Rows of
 * policies the set does not know are left out: whether their notification
 * is on cannot be told.
 */
static cp_err
findings(struct patrol *pt, int64_t dest_id, int open, json_t **out)
{
	static const char *const sql[2] = {
	    "SELECT f.policy, e.name, u.unit, f.resource, f.resource_name, "
	    "f.value, f.first_seen, coalesce(f.resolved_at, 0) "
	    "FROM destination_units du JOIN findings f ON f.unit_id = "
	    "du.unit_id JOIN units u ON u.id = f.unit_id "
	    "JOIN environments e ON e.id = u.env_id "
	    "WHERE du.destination_id = ?1 AND f.first_seen > ?2 "
	    "AND f.first_seen <= ?3 AND NOT EXISTS (SELECT 1 FROM exclusions x "
	    "WHERE x.portal_id = e.portal_id AND x.resource = f.resource) "
	    "ORDER BY f.first_seen DESC, f.id DESC",
	    "SELECT f.policy, e.name, u.unit, f.resource, f.resource_name, "
	    "f.value, f.first_seen, 0 "
	    "FROM destination_units du JOIN findings f ON f.unit_id = "
	    "du.unit_id JOIN units u ON u.id = f.unit_id "
	    "JOIN environments e ON e.id = u.env_id "
	    "WHERE du.destination_id = ?1 AND f.resolved_at IS NULL "
	    "AND f.first_seen <= ?2 AND NOT EXISTS (SELECT 1 FROM exclusions x "
	    "WHERE x.portal_id = e.portal_id AND x.resource = f.resource) "
	    "ORDER BY f.first_seen DESC, f.id DESC" };
	sqlite3_stmt *s = NULL;
	const struct cp_policy *p;
	const json_t *params;
	struct list l;
	cp_err r;
	int rc;

	*out = NULL;
	memset(&l, 0, sizeof(l));
	l.items = json_array();
	if (l.items == NULL)
		return cp_store_fail(pt->st, CP_E_NOMEM, "out of memory");
	r = cp_store_prepare(pt->st, sql[open], &s, "reading findings");
	if (r != CP_OK)
		goto out;
	rc = sqlite3_bind_int64(s, 1, dest_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2,
		    (sqlite3_int64)(pt->now - CP_PATROL_WINDOW));
	if (rc == SQLITE_OK && !open)
		rc = sqlite3_bind_int64(s, 3, (sqlite3_int64)pt->now);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		p = cp_policy_set_find(pt->set,
		    (const char *)sqlite3_column_text(s, 0));
		if (p == NULL)
			continue;
		if (open && (p->remediation_action == NULL ||
		    p->category == CP_CATEGORY_MDFC_ALERT))
			continue;
		r = policy_on(pt, p, &params);
		if (r == CP_OK && params != NULL)
			r = list_add(pt, &l, s, p);
		if (r != CP_OK)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		r = cp_store_sqlfail(pt->st, rc, "reading findings");
		goto out;
	}
	*out = json_pack("{s:O, s:I}", "items", l.items, "more",
	    (json_int_t)l.more);
	if (*out == NULL)
		r = cp_store_fail(pt->st, CP_E_NOMEM, "out of memory");
out:
	sqlite3_finalize(s);
	json_decref(l.items);
	return r;
}

/* ---- C, D and E: snapshots ---- */

/* The enabled patrol policy of kind sec for cloud, and its parameters. */
static cp_err
patrol_policy(struct patrol *pt, int sec, const char *cloud,
    const struct cp_policy **out, const json_t **params)
{
	const struct cp_policy *p;
	const char *kind;
	size_t i, n = cp_policy_set_count(pt->set);
	cp_err r;

	*out = NULL;
	*params = NULL;
	for (i = 0; i < n; i++) {
		p = cp_policy_set_at(pt->set, i);
		kind = json_string_value(json_object_get(p->json, "patrol"));
		if (kind == NULL || strcmp(kind, sec_names[sec]) != 0 ||
		    strcmp(p->cloud, cloud) != 0)
			continue;
		r = policy_on(pt, p, params);
		if (r != CP_OK)
			return r;
		if (*params != NULL) {
			*out = p;
			return CP_OK;
		}
	}
	return CP_OK;
}

/* Binds the JSON text of v (an array) at i. */
static int
bind_json(sqlite3_stmt *s, int i, const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	int rc;

	if (text == NULL)
		return SQLITE_NOMEM;
	rc = sqlite3_bind_text(s, i, text, -1, free);
	return rc;
}

/* The resource types of p as a JSON array (a new reference). */
static json_t *
types_of(const struct cp_policy *p)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < p->n_resource_types; i++)
		if (json_array_append_new(a,
		    json_string(p->resource_types[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* C: this month's cost by currency into row; 0 on success. */
static int
snap_cost(sqlite3 *db, const char *month, json_t *row)
{
	sqlite3_stmt *s = NULL;
	json_t *amounts = json_array();
	int rc;

	if (amounts == NULL)
		return SQLITE_NOMEM;
	rc = sqlite3_prepare_v2(db,
	    "SELECT coalesce(currency, ''), coalesce(sum(CASE WHEN period = "
	    "?1 THEN amount END), sum(amount)) FROM costs WHERE period = ?1 "
	    "OR period LIKE ?1 || '-%' GROUP BY 1 ORDER BY 1 LIMIT 32",
	    -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 1, month, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (json_array_append_new(amounts, json_pack("{s:f, s:s}",
		    "amount", sqlite3_column_double(s, 1), "currency",
		    (const char *)sqlite3_column_text(s, 0))) != 0)
			rc = SQLITE_NOMEM;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE && json_object_set(row, "amounts", amounts) != 0)
		rc = SQLITE_NOMEM;
	json_decref(amounts);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* D: resources by region into row. */
static int
snap_regions(sqlite3 *db, const struct cp_policy *p, const json_t *params,
    json_t *row)
{
	const json_t *dom = json_object_get(params, "domestic_regions");
	sqlite3_stmt *s = NULL;
	json_t *types = types_of(p), *empty = json_array();
	int rc;

	rc = types == NULL || empty == NULL ? SQLITE_NOMEM :
	    sqlite3_prepare_v2(db,
	    "SELECT coalesce(sum(r.region IN (SELECT value FROM "
	    "json_each(?1))), 0), "
	    "coalesce(sum(coalesce(r.region, '') NOT IN ('', 'global') AND "
	    "r.region NOT IN (SELECT value FROM json_each(?1))), 0), "
	    "coalesce(sum(coalesce(r.region, '') IN ('', 'global')), 0) "
	    "FROM resources r WHERE json_array_length(?2) = 0 OR r.type IN "
	    "(SELECT value FROM json_each(?2))", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = bind_json(s, 1, json_is_array(dom) ? dom : empty);
	if (rc == SQLITE_OK)
		rc = bind_json(s, 2, types);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (json_object_set_new(row, "domestic",
		    json_integer(sqlite3_column_int64(s, 0))) != 0 ||
		    json_object_set_new(row, "overseas",
		    json_integer(sqlite3_column_int64(s, 1))) != 0 ||
		    json_object_set_new(row, "global",
		    json_integer(sqlite3_column_int64(s, 2))) != 0)
			rc = SQLITE_NOMEM;
	}
	sqlite3_finalize(s);
	json_decref(types);
	json_decref(empty);
	return rc;
}

/* E: users and those created on day into row. */
static int
snap_users(sqlite3 *db, const struct cp_policy *p, const char *day,
    json_t *row)
{
	sqlite3_stmt *s = NULL;
	json_t *types = types_of(p), *names = json_array();
	int rc;

	rc = types == NULL || names == NULL ? SQLITE_NOMEM :
	    sqlite3_prepare_v2(db,
	    "SELECT count(*), coalesce(sum(" CREATED_EXPR " = ?2), 0) "
	    "FROM resources WHERE type IN (SELECT value FROM json_each(?1))",
	    -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = bind_json(s, 1, types);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 2, day, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (json_object_set_new(row, "users",
		    json_integer(sqlite3_column_int64(s, 0))) != 0 ||
		    json_object_set_new(row, "created",
		    json_integer(sqlite3_column_int64(s, 1))) != 0)
			rc = SQLITE_NOMEM;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db,
		    "SELECT coalesce(name, id) FROM resources WHERE type IN "
		    "(SELECT value FROM json_each(?1)) AND " CREATED_EXPR
		    " = ?2 ORDER BY 1 LIMIT ?3", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = bind_json(s, 1, types);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 2, day, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 3, CP_PATROL_NAMES_MAX);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (json_array_append_new(names, json_string((const char *)
		    sqlite3_column_text(s, 0))) != 0)
			rc = SQLITE_NOMEM;
	}
	if (rc == SQLITE_DONE)
		rc = json_object_set(row, "created_names", names) == 0 ?
		    SQLITE_OK : SQLITE_NOMEM;
	sqlite3_finalize(s);
	json_decref(types);
	json_decref(names);
	return rc;
}

/* The sections C, D and E being built. */
struct tables {
	json_t *sec[SEC_N];	/* {"on", "rows", ...} */
	char month[16];
	char day[16];
};

/* Adds the rows of one unit to the sections that are on for its cloud. */
static cp_err
unit_tables(struct patrol *pt, struct tables *tb, const json_t *unit)
{
	const struct cp_policy *p[SEC_N];
	const json_t *params[SEC_N];
	char path[4096];
	sqlite3 *db = NULL;
	json_t *row;
	int sec, any = 0, have = 0, rc = SQLITE_OK;
	cp_err r;

	for (sec = 0; sec < SEC_N; sec++) {
		r = patrol_policy(pt, sec, json_string_value(json_object_get(
		    unit, "cloud")), &p[sec], &params[sec]);
		if (r != CP_OK)
			return r;
		any |= p[sec] != NULL;
	}
	if (!any)
		return CP_OK;
	if (cp_inspect_snapshot_path(pt->state_dir, (int64_t)
	    json_integer_value(json_object_get(unit, "unit_id")), path,
	    sizeof(path)) == CP_OK && access(path, R_OK) == 0 &&
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK) {
		sqlite3_busy_timeout(db, SNAPSHOT_BUSY_MS);
		have = 1;
	}
	for (sec = 0; sec < SEC_N; sec++) {
		if (p[sec] == NULL)
			continue;
		row = json_pack("{s:O, s:O, s:O, s:b}", "env",
		    json_object_get(unit, "env"), "unit",
		    json_object_get(unit, "unit"), "name",
		    json_object_get(unit, "name"), "snapshot", have);
		if (row == NULL) {
			r = cp_store_fail(pt->st, CP_E_NOMEM, "out of memory");
			goto out;
		}
		if (have && sec == SEC_COST)
			rc = snap_cost(db, tb->month, row);
		else if (have && sec == SEC_REGIONS)
			rc = snap_regions(db, p[sec], params[sec], row);
		else if (have)
			rc = snap_users(db, p[sec], tb->day, row);
		/* A snapshot that cannot be read counts as none. */
		if (rc == SQLITE_NOMEM ||
		    (rc != SQLITE_OK && json_object_set_new(row, "snapshot",
		    json_false()) != 0)) {
			json_decref(row);
			r = cp_store_fail(pt->st, CP_E_NOMEM, "out of memory");
			goto out;
		}
		rc = SQLITE_OK;
		if (json_object_set_new(tb->sec[sec], "on", json_true()) != 0 ||
		    json_array_append_new(json_object_get(tb->sec[sec],
		    "rows"), row) != 0) {
			r = cp_store_fail(pt->st, CP_E_NOMEM, "out of memory");
			goto out;
		}
	}
	r = CP_OK;
out:
	sqlite3_close(db);
	return r;
}

/* ---- the report ---- */

static cp_err
collect_unit(void *ud, const struct cp_dest_unit *u)
{
	return json_array_append_new(ud, json_pack("{s:I, s:s, s:s, s:s, s:s}",
	    "unit_id", (json_int_t)u->unit_id, "env", u->env, "cloud",
	    u->cloud, "unit", u->unit, "name", u->name)) == 0 ? CP_OK :
	    CP_E_NOMEM;
}

static cp_err
portal_name(cp_store *st, int64_t id, char *buf, size_t n)
{
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st, "SELECT name FROM portals WHERE id = ?1", &s,
	    "reading a portal");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		cp_store_column_text(s, 0, buf, n);
	else
		r = cp_store_sqlfail(st, rc, "reading a portal");
	sqlite3_finalize(s);
	return r;
}

static cp_err
build(struct patrol *pt, const struct cp_dest *d, json_t **payload)
{
	struct tables tb;
	json_t *units = NULL, *news = NULL, *open = NULL, *pl = NULL, *u;
	char date[16], portal[64];
	size_t i;
	int sec;
	cp_err r;

	*payload = NULL;
	memset(&tb, 0, sizeof(tb));
	day_of(pt->now, 1, tb.month, sizeof(tb.month));
	day_of(pt->now - 86400, 0, tb.day, sizeof(tb.day));
	day_of(pt->now, 0, date, sizeof(date));
	units = json_array();
	for (sec = 0; sec < SEC_N; sec++)
		tb.sec[sec] = json_pack("{s:b, s:[]}", "on", 0, "rows");
	r = units == NULL || tb.sec[0] == NULL || tb.sec[1] == NULL ||
	    tb.sec[2] == NULL ? cp_store_fail(pt->st, CP_E_NOMEM,
	    "out of memory") : CP_OK;
	if (r == CP_OK)
		r = portal_name(pt->st, d->portal_id, portal, sizeof(portal));
	if (r == CP_OK)
		r = cp_dest_units(pt->st, d->id, collect_unit, units);
	if (r == CP_OK)
		r = findings(pt, d->id, 0, &news);
	if (r == CP_OK)
		r = findings(pt, d->id, 1, &open);
	json_array_foreach(units, i, u) {
		if (r != CP_OK)
			break;
		r = unit_tables(pt, &tb, u);
	}
	if (r != CP_OK)
		goto out;
	if (json_object_set_new(tb.sec[SEC_COST], "month",
	    json_string(tb.month)) != 0 || json_object_set_new(
	    tb.sec[SEC_USERS], "day", json_string(tb.day)) != 0) {
		r = cp_store_fail(pt->st, CP_E_NOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(units, i, u)
		json_object_del(u, "unit_id");
	pl = json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:O, s:O, s:O, "
	    "s:O, s:O, s:O}", "type", "patrol", "destination_id",
	    (json_int_t)d->id, "destination", d->name, "portal", portal,
	    "date", date, "generated", (json_int_t)pt->now, "since",
	    (json_int_t)(pt->now - CP_PATROL_WINDOW), "units", units, "new",
	    news, "open", open, "cost", tb.sec[SEC_COST], "regions",
	    tb.sec[SEC_REGIONS], "users", tb.sec[SEC_USERS]);
	if (pl == NULL)
		r = cp_store_fail(pt->st, CP_E_NOMEM, "out of memory");
	*payload = pl;
out:
	json_decref(units);
	json_decref(news);
	json_decref(open);
	for (sec = 0; sec < SEC_N; sec++)
		json_decref(tb.sec[sec]);
	return r;
}

static cp_err
patrol_init(struct patrol *pt, cp_store *st, const cp_policy_set *set,
    int64_t portal_id, time_t now, const struct cp_patrol_opts *o)
{
	memset(pt, 0, sizeof(*pt));
	pt->st = st;
	pt->set = set;
	pt->portal_id = portal_id;
	pt->now = now;
	pt->max_items = o != NULL && o->max_items != 0 ? o->max_items :
	    CP_MSG_LIST_MAX;
	if (pt->max_items > CP_MSG_LIST_MAX)
		pt->max_items = CP_MSG_LIST_MAX;
	pt->state_dir = o != NULL && o->state_dir != NULL ? o->state_dir :
	    cp_store_dir(st);
	pt->on = json_object();
	if (pt->on == NULL)
		return cp_store_fail(st, CP_E_NOMEM, "out of memory");
	return CP_OK;
}

cp_err
cp_patrol_build(cp_store *st, const cp_policy_set *set, int64_t dest_id,
    time_t now, const struct cp_patrol_opts *opts, json_t **payload)
{
	struct patrol pt;
	struct cp_dest d;
	cp_err r;

	*payload = NULL;
	r = cp_dest_get_id(st, dest_id, &d);
	if (r != CP_OK)
		return r;
	r = patrol_init(&pt, st, set, d.portal_id, now, opts);
	if (r == CP_OK)
		r = build(&pt, &d, payload);
	patrol_fini(&pt);
	cp_dest_clear(&d);
	return r;
}

/* The destinations of a portal: their ids, those with a unit. */
static cp_err
collect_dest(void *ud, const struct cp_dest *d)
{
	json_t *ids = ud;

	if (d->units == 0)
		return json_array_append_new(json_array_get(ids, 1),
		    json_integer(d->id)) == 0 ? CP_OK : CP_E_NOMEM;
	return json_array_append_new(json_array_get(ids, 0),
	    json_integer(d->id)) == 0 ? CP_OK : CP_E_NOMEM;
}

cp_err
cp_patrol_queue(cp_store *st, const cp_policy_set *set, int64_t portal_id,
    time_t now, const struct cp_patrol_opts *opts, size_t *queued,
    size_t *skipped)
{
	struct patrol pt;
	struct cp_dest d;
	sqlite3_stmt *s = NULL;
	json_t *ids = NULL, *reports = NULL, *v, *pl;
	char *text, key[201];
	size_t i, n = 0;
	cp_err r;
	int rc;

	if (queued != NULL)
		*queued = 0;
	if (skipped != NULL)
		*skipped = 0;
	r = patrol_init(&pt, st, set, portal_id, now, opts);
	if (r != CP_OK)
		goto out;
	ids = json_pack("[[], []]");
	reports = json_array();
	if (ids == NULL || reports == NULL) {
		r = cp_store_fail(st, CP_E_NOMEM, "out of memory");
		goto out;
	}
	r = cp_dest_list(st, portal_id, collect_dest, ids);
	/* Built before the write transaction: reading snapshots must not
	 * hold the store's write lock. */
	json_array_foreach(json_array_get(ids, 0), i, v) {
		if (r != CP_OK)
			break;
		r = cp_dest_get_id(st, (int64_t)json_integer_value(v), &d);
		if (r != CP_OK)
			break;
		r = build(&pt, &d, &pl);
		cp_dest_clear(&d);
		if (r == CP_OK && json_array_append_new(reports, pl) != 0)
			r = cp_store_fail(st, CP_E_NOMEM, "out of memory");
	}
	if (r != CP_OK)
		goto out;
	r = cp_store_begin(st);
	if (r != CP_OK)
		goto out;
	r = cp_store_prepare(st,
	    "INSERT INTO outbox (portal_id, unit_id, kind, payload, "
	    "next_attempt, created, updated, idem_key) "
	    "VALUES (?1, NULL, 'notify', ?2, ?3, ?3, ?3, ?4) "
	    "ON CONFLICT (idem_key) WHERE idem_key IS NOT NULL DO NOTHING",
	    &s, "queuing a patrol report");
	json_array_foreach(reports, i, pl) {
		if (r != CP_OK)
			break;
		text = json_dumps(pl, JSON_COMPACT | JSON_SORT_KEYS);
		rc = text == NULL ? SQLITE_NOMEM :
		    sqlite3_bind_int64(s, 1, portal_id);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 3, (sqlite3_int64)now);
		if (rc == SQLITE_OK && opts != NULL && opts->key != NULL) {
			if (cp_snprintf(key, sizeof(key), "%s#%lld",
			    opts->key, (long long)json_integer_value(
			    json_object_get(pl, "destination_id"))) != CP_OK)
				rc = SQLITE_TOOBIG;
			else
				rc = cp_store_bind_text(s, 4, key);
		}
		if (rc == SQLITE_OK)
			rc = sqlite3_step(s);
		if (rc != SQLITE_DONE)
			r = cp_store_sqlfail(st, rc, "queuing a patrol report");
		else
			n += (size_t)sqlite3_changes(cp_store_db(st));
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		free(text);
	}
	sqlite3_finalize(s);
	r = cp_store_end(st, r);
	if (r == CP_OK && queued != NULL)
		*queued = n;
	if (r == CP_OK && skipped != NULL)
		*skipped = json_array_size(json_array_get(ids, 1));
out:
	json_decref(ids);
	json_decref(reports);
	patrol_fini(&pt);
	return r;
}
