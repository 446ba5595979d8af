/*
 * test_patrol.c - the daily patrol report on a store and snapshots built
 * here, its sections worked out by hand: A new risks of 24 hours, B old
 * remediable risks still open, C cost, D regions, E users; queuing one
 * report per destination.
 */
#include "inspect/inspect.h"
#include "inventory/snapshot.h"
#include "notify/patrol.h"
#include "notifytest.h"

/* The report is made at NOW: 2023-11-24 22:13:20 UTC. */
#define NOW (T0 + 10 * DAY)

struct pt_fx {
	struct nt_fx x;
	int64_t d1;	/* bound to unit 111 */
	int64_t d2;	/* bound to unit 222 */
	int64_t d3;	/* no unit */
};

static void
pack(struct nt_fx *x)
{
	const char *rem = "\"remediation\": {\"action\": \"fix\", "
	    "\"params\": {}}";
	char extra[512];

	nt_policy(x, "TC-R", "exposure", "high", "[\"testcloud/x\"]", rem);
	nt_policy(x, "TC-N", "exposure", "medium", "[\"testcloud/x\"]", "");
	nt_policy(x, "TC-M", "mdfc-alert", "high", "[\"testcloud/x\"]", rem);
	snprintf(extra, sizeof(extra), "%s, \"defaults\": {\"notify\": false}",
	    rem);
	nt_policy(x, "TC-OFF", "exposure", "low", "[\"testcloud/x\"]", extra);
	snprintf(extra, sizeof(extra), "%s, \"defaults\": {\"enabled\": "
	    "false}", rem);
	nt_policy(x, "TC-DIS", "exposure", "low", "[\"testcloud/x\"]", extra);
	nt_policy(x, "TC-COST", "abnormal-usage", "medium", "[]",
	    "\"patrol\": \"cost\"");
	nt_policy(x, "TC-REG", "unintended-event", "medium",
	    "[\"testcloud/vm\"]", "\"patrol\": \"regions\", \"params\": "
	    "[{\"name\": \"domestic_regions\", \"type\": \"list\", "
	    "\"default\": [\"tokyo\", \"osaka\"], \"description\": {\"en\": "
	    "\"d\", \"ja\": \"d\"}}]");
	nt_policy(x, "TC-USR", "account-management", "low",
	    "[\"testcloud/user\"]", "\"patrol\": \"users\"");
	nt_load(x);
}

/* A finding of unit on policy first seen at first (resolved 0: open). */
static void
finding(struct nt_fx *x, int64_t unit, const char *policy,
    const char *resource, time_t first, time_t resolved)
{
	sqlite3_stmt *s = NULL;

	CU_ASSERT_FATAL(sqlite3_prepare_v2(cp_store_db(x->st),
	    "INSERT INTO findings (unit_id, policy, resource, resource_name, "
	    "value, first_seen, last_seen, resolved_at) VALUES (?1, ?2, ?3, "
	    "'name-' || ?3, 'v-' || ?3, ?4, ?4, ?5)", -1, &s, NULL) ==
	    SQLITE_OK);
	sqlite3_bind_int64(s, 1, unit);
	sqlite3_bind_text(s, 2, policy, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, resource, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)first);
	if (resolved != 0)
		sqlite3_bind_int64(s, 5, (sqlite3_int64)resolved);
	CU_ASSERT(sqlite3_step(s) == SQLITE_DONE);
	sqlite3_finalize(s);
}

/* The snapshot of unit 111. */
static void
snapshot(struct nt_fx *x)
{
	struct cp_snapshot_meta meta;
	const struct cp_inventory_sink *k;
	cp_snapshot_writer *w = NULL;
	char path[1024], dir[800], why[256];

	snprintf(dir, sizeof(dir), "%s/snapshots", x->f.dir);
	CU_ASSERT_FATAL(cp_mkdir_p(dir, 0700) == CP_OK);
	CU_ASSERT_FATAL(cp_inspect_snapshot_path(x->f.dir, x->unit, path,
	    sizeof(path)) == CP_OK);
	memset(&meta, 0, sizeof(meta));
	meta.cloud = "testcloud";
	meta.unit = "111";
	meta.collected_at = NOW - HOUR;
	CU_ASSERT_FATAL(cp_snapshot_begin(path, &meta, &w, why, sizeof(why)) ==
	    CP_OK);
	k = cp_snapshot_sink(w);
	CU_ASSERT(k->resource(k, "testcloud/vm", "vm-a", "a", "tokyo", "{}") ==
	    CP_OK);
	CU_ASSERT(k->resource(k, "testcloud/vm", "vm-b", "b", "osaka", "{}") ==
	    CP_OK);
	CU_ASSERT(k->resource(k, "testcloud/vm", "vm-c", "c", "us-east",
	    "{}") == CP_OK);
	CU_ASSERT(k->resource(k, "testcloud/vm", "vm-d", "d", NULL, "{}") ==
	    CP_OK);
	CU_ASSERT(k->resource(k, "testcloud/vm", "vm-e", "e", "global",
	    "{}") == CP_OK);
	CU_ASSERT(k->resource(k, "testcloud/bucket", "bk", "bk", "us-west",
	    "{}") == CP_OK);
	/* The day before NOW is 2023-11-23. */
	CU_ASSERT(k->resource(k, "testcloud/user", "u-alice", "alice",
	    "global", "{\"CreateDate\": \"2023-11-23T05:00:00Z\"}") == CP_OK);
	CU_ASSERT(k->resource(k, "testcloud/user", "u-bob", "bob", "global",
	    "{\"createdDateTime\": \"2023-11-23T23:59:59Z\"}") == CP_OK);
	CU_ASSERT(k->resource(k, "testcloud/user", "u-carol", "carol",
	    "global", "{\"timeCreated\": \"2023-11-22T10:00:00Z\"}") == CP_OK);
	CU_ASSERT(k->resource(k, "testcloud/user", "u-dave", "dave", "global",
	    "{}") == CP_OK);
	/* JPY has a monthly figure (the daily ones are in it); USD has
	 * daily ones only; October is another month. */
	CU_ASSERT(k->cost(k, "2023-11", 1000, "JPY") == CP_OK);
	CU_ASSERT(k->cost(k, "2023-11-01", 10, "JPY") == CP_OK);
	CU_ASSERT(k->cost(k, "2023-11-02", 20, "JPY") == CP_OK);
	CU_ASSERT(k->cost(k, "2023-11-05", 5.5, "USD") == CP_OK);
	CU_ASSERT(k->cost(k, "2023-11-06", 4.5, "USD") == CP_OK);
	CU_ASSERT(k->cost(k, "2023-10", 999, "JPY") == CP_OK);
	CU_ASSERT_FATAL(cp_snapshot_commit(w, why, sizeof(why)) == CP_OK);
}

static void
pt_open(struct pt_fx *p)
{
	struct nt_fx *x = &p->x;

	nt_fx_open(x, "en");
	pack(x);
	p->d1 = nt_dest(x, "d1", "mail", x->unit);
	p->d2 = nt_dest(x, "d2", "slack", x->unit2);
	p->d3 = nt_dest(x, "d3", "teams", 0);
	/* Unit 111. */
	finding(x, x->unit, "TC-R", "r-new", NOW - HOUR, 0);
	finding(x, x->unit, "TC-N", "n-new", NOW - 2 * HOUR, 0);
	finding(x, x->unit, "TC-R", "r-fixed", NOW - 5 * HOUR, NOW - HOUR);
	finding(x, x->unit, "TC-R", "r-old", NOW - 3 * DAY, 0);
	finding(x, x->unit, "TC-R", "r-25h", NOW - 25 * HOUR, 0);
	finding(x, x->unit, "TC-R", "r-old-fixed", NOW - 3 * DAY, NOW - DAY);
	finding(x, x->unit, "TC-N", "n-old", NOW - 3 * DAY, 0);
	finding(x, x->unit, "TC-M", "m-old", NOW - 3 * DAY, 0);
	finding(x, x->unit, "TC-M", "m-new", NOW - 3 * HOUR, 0);
	finding(x, x->unit, "TC-OFF", "off-new", NOW - HOUR, 0);
	finding(x, x->unit, "TC-OFF", "off-old", NOW - 3 * DAY, 0);
	finding(x, x->unit, "TC-DIS", "dis-new", NOW - HOUR, 0);
	finding(x, x->unit, "TC-DIS", "dis-old", NOW - 3 * DAY, 0);
	finding(x, x->unit, "TC-R", "excluded", NOW - HOUR, 0);
	finding(x, x->unit, "TC-R", "excluded-old", NOW - 3 * DAY, 0);
	finding(x, x->unit, "XX-GONE", "gone", NOW - HOUR, 0);
	finding(x, x->unit, "TC-R", "later", NOW + 10, 0);
	finding(x, x->unit, "TC-R", "edge", NOW - DAY, 0);
	nt_exec(x->st, "INSERT INTO exclusions (portal_id, resource, memo, "
	    "created) VALUES (1, 'excluded', '', 0), (1, 'excluded-old', '', "
	    "0)");
	/* Unit 222. */
	finding(x, x->unit2, "TC-R", "other-unit", NOW - HOUR, 0);
	snapshot(x);
}

static void
pt_close(struct pt_fx *p)
{
	nt_fx_close(&p->x);
}

static json_t *
build(struct pt_fx *p, int64_t dest, size_t max_items)
{
	struct cp_patrol_opts o;
	json_t *pl = NULL;
	cp_err r;

	memset(&o, 0, sizeof(o));
	o.max_items = max_items;
	r = cp_patrol_build(p->x.st, p->x.set, dest, NOW, &o, &pl);
	if (r != CP_OK)
		fprintf(stderr, "build: %s\n", cp_store_errmsg(p->x.st));
	CU_ASSERT_EQUAL(r, CP_OK);
	return pl;
}

/* The resources of a list section, joined with ",". */
static const char *
resources(const json_t *pl, const char *sec, char *buf, size_t n)
{
	const json_t *it;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(json_object_get(json_object_get(pl, sec), "items"),
	    i, it)
		snprintf(buf + strlen(buf), n - strlen(buf), "%s%s",
		    i > 0 ? "," : "", nt_js(it, "resource"));
	return buf;
}

static const json_t *
row0(const json_t *pl, const char *sec)
{
	return json_array_get(json_object_get(json_object_get(pl, sec),
	    "rows"), 0);
}

static long long
ji(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void
test_patrol_sections_a_and_b(void)
{
	struct pt_fx p;
	char buf[512];
	const json_t *it;
	json_t *pl;

	pt_open(&p);
	pl = build(&p, p.d1, 0);
	CU_ASSERT_FATAL(pl != NULL);
	CU_ASSERT_STRING_EQUAL(nt_js(pl, "type"), "patrol");
	CU_ASSERT_EQUAL(ji(pl, "destination_id"), p.d1);
	CU_ASSERT_STRING_EQUAL(nt_js(pl, "destination"), "d1");
	CU_ASSERT_STRING_EQUAL(nt_js(pl, "portal"), "acme");
	CU_ASSERT_STRING_EQUAL(nt_js(pl, "date"), "2023-11-24");
	CU_ASSERT_EQUAL(ji(pl, "generated"), NOW);
	CU_ASSERT_EQUAL(ji(pl, "since"), NOW - DAY);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(pl, "units")), 1);
	CU_ASSERT_STRING_EQUAL(nt_js(json_array_get(json_object_get(pl,
	    "units"), 0), "name"), "main");
	/*
	 * By hand, A: first seen in (NOW - 24 h, NOW], notification on,
	 * not excluded: r-new (1 h), n-new (2 h, notify-only), m-new (3 h,
	 * MDfC counts in A), r-fixed (5 h, resolved since).  Not: off-new
	 * (notification off), dis-new (disabled), excluded, gone (unknown
	 * policy), later (after NOW), edge (exactly 24 h old), other-unit.
	 */
	CU_ASSERT_STRING_EQUAL(resources(pl, "new", buf, sizeof(buf)),
	    "r-new,n-new,m-new,r-fixed");
	CU_ASSERT_EQUAL(ji(json_object_get(pl, "new"), "more"), 0);
	it = json_array_get(json_object_get(json_object_get(pl, "new"),
	    "items"), 0);
	CU_ASSERT_STRING_EQUAL(nt_js(it, "policy"), "TC-R");
	CU_ASSERT_EQUAL(ji(it, "severity"), 1);
	CU_ASSERT_STRING_EQUAL(nt_js(it, "env"), "prod");
	CU_ASSERT_STRING_EQUAL(nt_js(it, "unit"), "111");
	CU_ASSERT_STRING_EQUAL(nt_js(it, "resource_name"), "name-r-new");
	CU_ASSERT_STRING_EQUAL(nt_js(it, "value"), "v-r-new");
	CU_ASSERT_EQUAL(ji(it, "first_seen"), NOW - HOUR);
	CU_ASSERT_EQUAL(ji(it, "resolved_at"), 0);
	it = json_array_get(json_object_get(json_object_get(pl, "new"),
	    "items"), 3);
	CU_ASSERT_EQUAL(ji(it, "resolved_at"), NOW - HOUR);
	/*
	 * B: open, first seen at or before NOW - 24 h, remediable, not
	 * MDfC, notification on, not excluded: r-25h, edge, r-old.  Not:
	 * r-old-fixed (resolved), n-old (notify-only), m-old (MDfC),
	 * off-old, dis-old, excluded-old.
	 */
	CU_ASSERT_STRING_EQUAL(resources(pl, "open", buf, sizeof(buf)),
	    "edge,r-25h,r-old");
	json_decref(pl);
	/* The other destination sees its own unit only. */
	pl = build(&p, p.d2, 0);
	CU_ASSERT_STRING_EQUAL(resources(pl, "new", buf, sizeof(buf)),
	    "other-unit");
	CU_ASSERT_STRING_EQUAL(resources(pl, "open", buf, sizeof(buf)), "");
	json_decref(pl);
	/* Lists are bounded; the rest is counted. */
	pl = build(&p, p.d1, 1);
	CU_ASSERT_STRING_EQUAL(resources(pl, "new", buf, sizeof(buf)),
	    "r-new");
	CU_ASSERT_EQUAL(ji(json_object_get(pl, "new"), "more"), 3);
	CU_ASSERT_EQUAL(ji(json_object_get(pl, "open"), "more"), 2);
	json_decref(pl);
	pt_close(&p);
}

static void
test_patrol_sections_c_d_e(void)
{
	struct pt_fx p;
	const json_t *row, *a;
	json_t *pl;

	pt_open(&p);
	pl = build(&p, p.d1, 0);
	CU_ASSERT_FATAL(pl != NULL);
	/* C: JPY the monthly 1000 (not + 30, not October), USD 5.5 + 4.5. */
	CU_ASSERT(json_is_true(json_object_get(json_object_get(pl, "cost"),
	    "on")));
	CU_ASSERT_STRING_EQUAL(nt_js(json_object_get(pl, "cost"), "month"),
	    "2023-11");
	row = row0(pl, "cost");
	CU_ASSERT_STRING_EQUAL(nt_js(row, "env"), "prod");
	CU_ASSERT_STRING_EQUAL(nt_js(row, "unit"), "111");
	CU_ASSERT(json_is_true(json_object_get(row, "snapshot")));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(row, "amounts")), 2);
	a = json_array_get(json_object_get(row, "amounts"), 0);
	CU_ASSERT_STRING_EQUAL(nt_js(a, "currency"), "JPY");
	CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(a,
	    "amount")), 1000.0, 0.001);
	a = json_array_get(json_object_get(row, "amounts"), 1);
	CU_ASSERT_STRING_EQUAL(nt_js(a, "currency"), "USD");
	CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(a,
	    "amount")), 10.0, 0.001);
	/* D over testcloud/vm: tokyo, osaka | us-east | none, "global". */
	row = row0(pl, "regions");
	CU_ASSERT_EQUAL(ji(row, "domestic"), 2);
	CU_ASSERT_EQUAL(ji(row, "overseas"), 1);
	CU_ASSERT_EQUAL(ji(row, "global"), 2);
	/* E over testcloud/user: 4 users, alice and bob made 2023-11-23. */
	CU_ASSERT_STRING_EQUAL(nt_js(json_object_get(pl, "users"), "day"),
	    "2023-11-23");
	row = row0(pl, "users");
	CU_ASSERT_EQUAL(ji(row, "users"), 4);
	CU_ASSERT_EQUAL(ji(row, "created"), 2);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(row,
	    "created_names")), 2);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
	    json_object_get(row, "created_names"), 1)), "bob");
	json_decref(pl);
	/* Unit 222 was never inspected: its rows say so. */
	pl = build(&p, p.d2, 0);
	row = row0(pl, "cost");
	CU_ASSERT_STRING_EQUAL(nt_js(row, "unit"), "222");
	CU_ASSERT(json_is_false(json_object_get(row, "snapshot")));
	CU_ASSERT_PTR_NULL(json_object_get(row, "amounts"));
	json_decref(pl);
	pt_close(&p);
}

/* Changes one policy's settings for the portal. */
static void
set_policy(struct pt_fx *p, const char *id, int enabled, int notify,
    const json_t *params)
{
	struct cp_lc_setting_change ch;
	struct cp_lc_defaults def;
	json_t *dp = NULL;

	CU_ASSERT_FATAL(cp_inspect_defaults(cp_policy_set_find(p->x.set, id),
	    &def, &dp) == CP_OK);
	memset(&ch, 0, sizeof(ch));
	ch.enabled = enabled;
	ch.notify = notify;
	ch.remediate = -1;
	ch.params = params;
	CU_ASSERT_FATAL(cp_lc_setting_set(p->x.st, p->x.portal, id, &def, &ch,
	    NOW) == CP_OK);
	json_decref(dp);
}

static void
test_patrol_follows_the_portal_settings(void)
{
	struct pt_fx p;
	char buf[512];
	json_t *pl, *dom = json_pack("{s:[s]}", "domestic_regions", "tokyo");

	pt_open(&p);
	/* Cost's notification off, users disabled, regions narrowed; TC-R
	 * off as well: A and B lose its findings. */
	set_policy(&p, "TC-COST", -1, 0, NULL);
	set_policy(&p, "TC-USR", 0, -1, NULL);
	set_policy(&p, "TC-REG", -1, -1, dom);
	set_policy(&p, "TC-R", -1, 0, NULL);
	pl = build(&p, p.d1, 0);
	CU_ASSERT_FATAL(pl != NULL);
	CU_ASSERT(json_is_false(json_object_get(json_object_get(pl, "cost"),
	    "on")));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(json_object_get(pl,
	    "cost"), "rows")), 0);
	CU_ASSERT(json_is_false(json_object_get(json_object_get(pl, "users"),
	    "on")));
	CU_ASSERT(json_is_true(json_object_get(json_object_get(pl, "regions"),
	    "on")));
	CU_ASSERT_EQUAL(ji(row0(pl, "regions"), "domestic"), 1);
	CU_ASSERT_EQUAL(ji(row0(pl, "regions"), "overseas"), 2);
	CU_ASSERT_STRING_EQUAL(resources(pl, "new", buf, sizeof(buf)),
	    "n-new,m-new");
	CU_ASSERT_STRING_EQUAL(resources(pl, "open", buf, sizeof(buf)), "");
	json_decref(pl);
	json_decref(dom);
	pt_close(&p);
}

static void
test_patrol_queue_one_per_destination(void)
{
	struct cp_notify_summary sum;
	struct pt_fx p;
	size_t queued = 9, skipped = 9;
	json_t *pl = NULL;
	char sql[256];

	pt_open(&p);
	CU_ASSERT_EQUAL(cp_patrol_queue(p.x.st, p.x.set, p.x.portal, NOW,
	    NULL, &queued, &skipped), CP_OK);
	CU_ASSERT_EQUAL(queued, 2);
	CU_ASSERT_EQUAL(skipped, 1);
	CU_ASSERT_EQUAL(st_sql_int(p.x.st, "SELECT count(*) FROM outbox WHERE "
	    "kind = 'notify' AND unit_id IS NULL AND state = 'pending' AND "
	    "json_extract(payload, '$.type') = 'patrol' AND created = "
	    "1700864000"), 2);
	/* Each goes to its own destination only. */
	CU_ASSERT_EQUAL(cp_notify_fanout(p.x.st, NOW, NULL, &sum), CP_OK);
	CU_ASSERT_EQUAL(sum.deliveries, 2);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM deliveries d JOIN "
	    "outbox o ON o.id = d.outbox_id WHERE d.destination_id = "
	    "json_extract(o.payload, '$.destination_id') AND "
	    "d.destination_id IN (%lld, %lld)", (long long)p.d1,
	    (long long)p.d2);
	CU_ASSERT_EQUAL(st_sql_int(p.x.st, sql), 2);
	/* The queued payload is the built one. */
	CU_ASSERT_EQUAL(st_sql_int(p.x.st, "SELECT json_array_length(payload, "
	    "'$.new.items') FROM outbox WHERE json_extract(payload, "
	    "'$.destination') = 'd1'"), 4);
	/* A portal without destinations queues nothing. */
	CU_ASSERT_EQUAL(cp_dest_remove(p.x.st, p.x.portal, "d1"), CP_OK);
	CU_ASSERT_EQUAL(cp_dest_remove(p.x.st, p.x.portal, "d2"), CP_OK);
	CU_ASSERT_EQUAL(cp_dest_remove(p.x.st, p.x.portal, "d3"), CP_OK);
	CU_ASSERT_EQUAL(cp_patrol_queue(p.x.st, p.x.set, p.x.portal, NOW,
	    NULL, &queued, &skipped), CP_OK);
	CU_ASSERT_EQUAL(queued, 0);
	CU_ASSERT_EQUAL(skipped, 0);
	CU_ASSERT_EQUAL(cp_patrol_build(p.x.st, p.x.set, p.d1, NOW, NULL, &pl),
	    CP_E_NOTFOUND);
	CU_ASSERT_PTR_NULL(pl);
	pt_close(&p);
}

static void
test_patrol_report_without_any_risk(void)
{
	struct nt_fx x;
	int64_t d;
	json_t *pl = NULL;

	nt_fx_open(&x, "ja");
	pack(&x);
	d = nt_dest(&x, "ops", "mail", x.unit);
	CU_ASSERT_EQUAL(cp_patrol_build(x.st, x.set, d, NOW, NULL, &pl),
	    CP_OK);
	CU_ASSERT_FATAL(pl != NULL);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(json_object_get(pl,
	    "new"), "items")), 0);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(json_object_get(pl,
	    "open"), "items")), 0);
	/* Policies on, but no snapshot yet. */
	CU_ASSERT(json_is_true(json_object_get(json_object_get(pl, "cost"),
	    "on")));
	CU_ASSERT(json_is_false(json_object_get(row0(pl, "cost"),
	    "snapshot")));
	json_decref(pl);
	nt_fx_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "sections A and B", test_patrol_sections_a_and_b },
		{ "sections C, D and E", test_patrol_sections_c_d_e },
		{ "follows the portal's settings",
		    test_patrol_follows_the_portal_settings },
		{ "queue one per destination",
		    test_patrol_queue_one_per_destination },
		{ "report without any risk",
		    test_patrol_report_without_any_risk },
		{ NULL, NULL }
	};

	return cp_test_run("patrol", tests);
}
