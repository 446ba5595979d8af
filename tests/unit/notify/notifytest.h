/*
 * notifytest.h - what the notify tests share: a temporary store with one
 * portal, one environment and two units, a policy pack written on the
 * spot, outbox rows made by hand, and a fake notifier that records what
 * it is sent and answers as told.
 */
#ifndef CP_NOTIFYTEST_H
#define CP_NOTIFYTEST_H

#include <jansson.h>

#include <cloudpatrol/plugin.h>

#include "notify/deliver.h"
#include "notify/dest.h"
#include "policy/pack.h"
#include "store/storetest.h"
#include "util/diag.h"

/* The injectable clock starts here (2023-11-14T22:13:20Z). */
#define T0 ((time_t)1700000000)
#define MINUTE ((time_t)60)
#define HOUR ((time_t)3600)
#define DAY ((time_t)86400)

struct nt_fx {
	struct st_fixture f;
	cp_store *st;
	int64_t portal;
	int64_t env;
	int64_t unit;		/* "111", named "main" */
	int64_t unit2;		/* "222", named "staging" */
	char pdir[700];		/* the policy pack: <tmp>/policies */
	cp_policy_set *set;
};

static inline int64_t
nt_unit_id(cp_store *st, int64_t env, const char *unit)
{
	struct cp_unit u;

	CU_ASSERT_FATAL(cp_unit_get(st, env, unit, &u) == CP_OK);
	return u.id;
}

/* A store with portal "acme" in lang, environment "prod" of testcloud. */
static inline void
nt_fx_open(struct nt_fx *x, const char *lang)
{
	memset(x, 0, sizeof(*x));
	x->st = st_open_new(&x->f);
	CU_ASSERT_FATAL(cp_portal_add(x->st, "acme", lang, &x->portal) ==
	    CP_OK);
	CU_ASSERT_FATAL(cp_env_add(x->st, x->portal, "prod", "testcloud",
	    "acct", 1, NULL, NULL, &x->env) == CP_OK);
	CU_ASSERT_FATAL(cp_unit_put(x->st, x->env, "111", "main", 1, 1) ==
	    CP_OK);
	CU_ASSERT_FATAL(cp_unit_put(x->st, x->env, "222", "staging", 1, 1) ==
	    CP_OK);
	x->unit = nt_unit_id(x->st, x->env, "111");
	x->unit2 = nt_unit_id(x->st, x->env, "222");
	snprintf(x->pdir, sizeof(x->pdir), "%s/policies", x->f.tmp);
	CU_ASSERT_FATAL(mkdir(x->pdir, 0700) == 0);
}

static inline void
nt_fx_close(struct nt_fx *x)
{
	cp_policy_set_free(x->set);
	cp_store_close(x->st);
	st_fixture_done(&x->f);
}

/*
 * Writes policy id into the pack: category, severity, resource_types (a
 * JSON array) and extra members (JSON text after a comma, or "").
 */
static inline void
nt_policy(struct nt_fx *x, const char *id, const char *category,
    const char *severity, const char *types, const char *extra)
{
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s.json", x->pdir, id);
	fp = fopen(path, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fprintf(fp,
	    "{\"id\": \"%s\",\n"
	    " \"title\": {\"en\": \"Title of %s\", \"ja\": \"%s の題名\"},\n"
	    " \"description\": {\"en\": \"What %s means\", "
	    "\"ja\": \"%s の説明\"},\n"
	    " \"guidance\": {\"en\": \"How to fix %s\", "
	    "\"ja\": \"%s の直し方\"},\n"
	    " \"cloud\": \"testcloud\", \"category\": \"%s\",\n"
	    " \"severity\": \"%s\", \"resource_types\": %s,\n"
	    " \"mode\": \"periodic\"%s%s}\n",
	    id, id, id, id, id, id, id, category, severity, types,
	    extra[0] != '\0' ? ", " : "", extra);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/%s.sql", x->pdir, id);
	fp = fopen(path, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fprintf(fp, "SELECT id AS resource_id, name AS resource_name, "
	    "'fail' AS status, '' AS detail, '' AS value, '' AS condition "
	    "FROM resources WHERE type = 'testcloud/x'\n");
	fclose(fp);
}

/* Loads the pack written so far into x->set. */
static inline void
nt_load(struct nt_fx *x)
{
	const char *dirs[2];
	struct cp_diag diag;

	dirs[0] = x->pdir;
	dirs[1] = NULL;
	cp_diag_init(&diag);
	cp_policy_set_free(x->set);
	x->set = NULL;
	CU_ASSERT_FATAL(cp_policy_set_load(dirs, &x->set, &diag) == CP_OK);
	if (diag.errors > 0)
		fprintf(stderr, "pack: %s\n", diag.lines[0]);
	CU_ASSERT_EQUAL(diag.errors, 0);
	cp_diag_free(&diag);
}

/* Runs sql on the store (CUnit-asserted). */
static inline void
nt_exec(cp_store *st, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(cp_store_db(st), sql, NULL, NULL, &err) !=
	    SQLITE_OK)
		fprintf(stderr, "sql: %s: %s\n", sql, err);
	CU_ASSERT(err == NULL);
	sqlite3_free(err);
}

/* A pending 'notify' outbox row of unit (0: none) at now. */
static inline int64_t
nt_outbox(cp_store *st, int64_t portal, int64_t unit, const char *payload,
    time_t now)
{
	sqlite3_stmt *s = NULL;
	int64_t id = 0;

	CU_ASSERT_FATAL(sqlite3_prepare_v2(cp_store_db(st),
	    "INSERT INTO outbox (portal_id, unit_id, kind, payload, "
	    "next_attempt, created, updated) VALUES (?1, ?2, 'notify', ?3, "
	    "?4, ?4, ?4)", -1, &s, NULL) == SQLITE_OK);
	sqlite3_bind_int64(s, 1, portal);
	if (unit > 0)
		sqlite3_bind_int64(s, 2, unit);
	sqlite3_bind_text(s, 3, payload, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)now);
	if (sqlite3_step(s) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(cp_store_db(st));
	sqlite3_finalize(s);
	CU_ASSERT_FATAL(id > 0);
	return id;
}

/* A risk payload as the lifecycle writes it. */
static inline int64_t
nt_risk(struct nt_fx *x, int64_t unit, const char *policy,
    const char *resource, time_t now)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "{\"type\": \"risk\", \"policy\": \"%s\", "
	    "\"unit\": \"%s\", \"unit_id\": %lld, \"resource\": \"%s\", "
	    "\"resource_name\": \"name-%s\", \"detail\": \"detail of %s\", "
	    "\"value\": \"0.0.0.0/0:22\", \"condition\": \"port=22\", "
	    "\"first_seen\": %lld, \"finding_id\": 1, \"repeat\": false}",
	    policy, unit == x->unit ? "111" : "222", (long long)unit,
	    resource, resource, resource, (long long)now);
	return nt_outbox(x->st, x->portal, unit, buf, now);
}

/* A mail destination of the portal bound to unit (0: none). */
static inline int64_t
nt_dest(struct nt_fx *x, const char *name, const char *type, int64_t unit)
{
	json_t *params, *secrets = NULL;
	int64_t id = 0;

	if (strcmp(type, "slack") == 0) {
		params = json_object();
		secrets = json_pack("{s:s}", "webhook_url",
		    "https://hooks.example.com/services/T0/B0/secret");
	} else
		params = json_pack("{s:[s]}", "to", "ops@example.com");
	CU_ASSERT_FATAL(cp_dest_add(x->st, x->portal, name, type, params,
	    secrets, T0, &id) == CP_OK);
	if (unit > 0)
		CU_ASSERT_FATAL(cp_dest_bind(x->st, id, unit) == CP_OK);
	json_decref(params);
	json_decref(secrets);
	return id;
}

/* ---- a fake notifier ---- */

#define NT_ANSWERS 64

struct nt_sink {
	int answers[NT_ANSWERS];	/* per call; past n_answers: dflt */
	size_t n_answers;
	int dflt;			/* CP_SEND_OK unless set */
	const char *why;
	int offline;			/* find() answers NULL */
	size_t calls;
	json_t *sent;			/* [{"dest", "message"}] */
	char last_type[16];
};

static inline int
nt_send(void *ctx, const json_t *dest, const json_t *message, char *why,
    size_t why_size)
{
	struct nt_sink *k = ctx;
	int a = k->calls < k->n_answers ? k->answers[k->calls] : k->dflt;

	k->calls++;
	json_array_append_new(k->sent, json_pack("{s:O, s:O}", "dest", dest,
	    "message", message));
	if (a != CP_SEND_OK)
		snprintf(why, why_size, "%s", k->why != NULL ? k->why :
		    "the sink said no");
	return a;
}

static const struct cp_notifier_ops nt_ops = {
	.struct_size = sizeof(nt_ops),
	.dest_type = "mail",
	.send = nt_send,
};

static inline const struct cp_notifier_ops *
nt_find(void *ud, const char *type, void **ctx)
{
	struct nt_sink *k = ud;

	*ctx = k;
	if (k->offline)
		return NULL;
	snprintf(k->last_type, sizeof(k->last_type), "%s", type);
	return &nt_ops;
}

static inline void
nt_sink_init(struct nt_sink *k, struct cp_notify_router *rt)
{
	memset(k, 0, sizeof(*k));
	k->dflt = CP_SEND_OK;
	k->sent = json_array();
	rt->find = nt_find;
	rt->ud = k;
}

static inline void
nt_sink_fini(struct nt_sink *k)
{
	json_decref(k->sent);
}

/* The message of the n-th send (borrowed). */
static inline const json_t *
nt_sent(const struct nt_sink *k, size_t n)
{
	return json_object_get(json_array_get(k->sent, n), "message");
}

static inline const char *
nt_js(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

#endif /* CP_NOTIFYTEST_H */
