/*
 * lctest.h - what the lifecycle's tests share: a temporary store with one
 * portal, environment and unit, a fixed clock, and runs of one policy.
 */
#ifndef CP_LCTEST_H
#define CP_LCTEST_H

#include <jansson.h>

#include "lifecycle/lifecycle.h"
#include "store/storetest.h"

/* The injectable clock starts here (2023-11-14T22:13:20Z). */
#define T0 ((time_t)1700000000)
#define HOUR ((time_t)3600)
#define DAY ((time_t)86400)

struct lc_fx {
	struct st_fixture f;
	cp_store *st;
	int64_t portal;
	int64_t env;
	struct cp_lc_unit u;
};

/* The id of unit (cloud id) in environment env. */
static inline int64_t
lc_unit_id(cp_store *st, int64_t env, const char *unit)
{
	sqlite3_stmt *s = NULL;
	int64_t id = -1;

	CU_ASSERT_FATAL(sqlite3_prepare_v2(cp_store_db(st),
			    "SELECT id FROM units WHERE env_id = ?1 "
			    "AND unit = ?2",
			    -1, &s, NULL) == SQLITE_OK);
	sqlite3_bind_int64(s, 1, env);
	sqlite3_bind_text(s, 2, unit, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return id;
}

/* A store with portal "acme", environment "prod" and unit "111". */
static inline void
lc_fx_open(struct lc_fx *x)
{
	memset(x, 0, sizeof(*x));
	x->st = st_open_new(&x->f);
	CU_ASSERT_FATAL(
	    cp_portal_add(x->st, "acme", "ja", &x->portal) == CP_OK);
	CU_ASSERT_FATAL(cp_env_add(x->st, x->portal, "prod", "aws", "111", 1,
			    NULL, NULL, &x->env) == CP_OK);
	CU_ASSERT_FATAL(
	    cp_unit_put(x->st, x->env, "111", "main", 1, 1) == CP_OK);
	x->u.portal_id = x->portal;
	x->u.unit_id = lc_unit_id(x->st, x->env, "111");
	x->u.remediation_allowed = 1;
	CU_ASSERT_FATAL(x->u.unit_id > 0);
}

static inline void
lc_fx_close(struct lc_fx *x)
{
	cp_store_close(x->st);
	st_fixture_done(&x->f);
}

/* A fail or pass result on resource with condition "c". */
static inline struct cp_policy_result
lc_res(const char *resource, int status)
{
	struct cp_policy_result r;

	memset(&r, 0, sizeof(r));
	r.resource_id = resource;
	r.resource_name = resource;
	r.status = status;
	r.detail = "port 22 open to the world";
	r.value = "0.0.0.0/0:22";
	r.condition = "c";
	return r;
}

/* A policy with notification on and remediation off. */
static inline struct cp_lc_policy
lc_pol(const char *id)
{
	struct cp_lc_policy p;

	memset(&p, 0, sizeof(p));
	p.id = id;
	p.notify = 1;
	return p;
}

/*
 * One run of unit u at now: policy p with results res[0..n), finished;
 * commits and returns the commit's result.
 */
static inline cp_err
lc_run_u(cp_store *st, const struct cp_lc_unit *u, time_t now,
    const struct cp_lc_policy *p, const struct cp_policy_result *res, size_t n,
    struct cp_lc_summary *sum)
{
	cp_lifecycle *lc = NULL;
	size_t i;
	cp_err r;

	r = cp_lifecycle_begin(st, u, now, &lc);
	if (r != CP_OK)
		return r;
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(cp_lifecycle_add(lc, p, &res[i]), CP_OK);
	CU_ASSERT_EQUAL(cp_lifecycle_policy_done(lc, p), CP_OK);
	r = cp_lifecycle_commit(lc, sum);
	if (r != CP_OK)
		fprintf(stderr, "commit: %s\n", cp_store_errmsg(st));
	return r;
}

static inline cp_err
lc_run(struct lc_fx *x, time_t now, const struct cp_lc_policy *p,
    const struct cp_policy_result *res, size_t n, struct cp_lc_summary *sum)
{
	return lc_run_u(x->st, &x->u, now, p, res, n, sum);
}

/* One fail (or pass) of resource under p at now. */
static inline cp_err
lc_run1(struct lc_fx *x, time_t now, const struct cp_lc_policy *p,
    const char *resource, int status, struct cp_lc_summary *sum)
{
	struct cp_policy_result r = lc_res(resource, status);

	return lc_run(x, now, p, &r, 1, sum);
}

/* sql's first column as an integer, bound to one text parameter. */
static inline long long
lc_sql_int_s(cp_store *st, const char *sql, const char *arg)
{
	sqlite3_stmt *s = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(cp_store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		return -2;
	sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/*
 * The payload of the n-th (from 0) outbox row of kind, parsed (a new
 * reference; NULL when there is none).
 */
static inline json_t *
lc_payload(cp_store *st, const char *kind, int n)
{
	sqlite3_stmt *s = NULL;
	json_t *j = NULL;
	const unsigned char *t;

	if (sqlite3_prepare_v2(cp_store_db(st),
		"SELECT payload FROM outbox WHERE kind = ?1 ORDER BY id "
		"LIMIT 1 OFFSET ?2",
		-1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, n);
	if (sqlite3_step(s) == SQLITE_ROW) {
		t = sqlite3_column_text(s, 0);
		j = json_loads((const char *)t, 0, NULL);
	}
	sqlite3_finalize(s);
	return j;
}

/* Member key of object j as a string ("" when missing). */
static inline const char *
lc_js(const json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));

	return v != NULL ? v : "";
}

static inline long long
lc_ji(const json_t *j, const char *key)
{
	return (long long)json_integer_value(json_object_get(j, key));
}

#endif /* CP_LCTEST_H */
