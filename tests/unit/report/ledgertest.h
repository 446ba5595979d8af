/*
 * ledgertest.h - what the tests of the ledgers share: a temporary state
 * directory, hand-made snapshots written through the real snapshot
 * writer, an environment and units made by hand (no store needed), and a
 * report whose rows are recorded as arrays of strings.
 */
#ifndef CP_LEDGERTEST_H
#define CP_LEDGERTEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1		/* nftw, mkdtemp */
#endif

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cptest.h"
#include "inspect/inspect.h"
#include "inventory/snapshot.h"
#include "report/ledger.h"
#include "util/util.h"

/* One resource of a hand-made snapshot. */
struct lt_res {
	const char *type, *id, *name, *region, *json;
};

/* One collector error of a hand-made snapshot. */
struct lt_err {
	const char *collector, *message;
};

struct lt_fx {
	char tmp[512];
	char state[600];
	struct cp_env env;
	struct cp_unit unit;
	struct cp_ledger_opts o;
};

/* What the row function was given. */
struct lt_rec {
	json_t *rows;			/* [[cell, ...], ...] */
	json_t *tables;			/* the table of each row */
};

static inline int
lt_rm_one(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb;
	(void)f;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* A state dir, environment "prod" of cloud, unit 111111111111 (id 1). */
static inline void
lt_open(struct lt_fx *x, const char *cloud, const char *lang)
{
	memset(x, 0, sizeof(*x));
	snprintf(x->tmp, sizeof(x->tmp), "%s/cp-ledger-XXXXXX",
	    cp_test_env("TMPDIR", "/tmp"));
	CU_ASSERT_FATAL(mkdtemp(x->tmp) != NULL);
	snprintf(x->state, sizeof(x->state), "%s/state", x->tmp);
	x->env.id = 1;
	x->env.portal_id = 1;
	snprintf(x->env.name, sizeof(x->env.name), "prod");
	snprintf(x->env.cloud, sizeof(x->env.cloud), "%s", cloud);
	x->unit.id = 1;
	x->unit.env_id = 1;
	snprintf(x->unit.unit, sizeof(x->unit.unit), "111111111111");
	x->o.lang = lang;
	x->o.state_dir = x->state;
}

static inline void
lt_close(struct lt_fx *x)
{
	if (x->tmp[0] != '\0')
		nftw(x->tmp, lt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes the snapshot of unit id of x's state dir. */
static inline void
lt_snapshot(struct lt_fx *x, int64_t unit_id, const char *cloud,
    const struct lt_res *res, size_t n, const struct lt_err *errs,
    size_t n_errs)
{
	struct cp_snapshot_meta m;
	cp_snapshot_writer *w = NULL;
	const struct cp_inventory_sink *s;
	char dir[700], path[800], why[256];
	size_t i;

	snprintf(dir, sizeof(dir), "%s/snapshots", x->state);
	CU_ASSERT_FATAL(cp_mkdir_p(dir, 0700) == CP_OK);
	CU_ASSERT_FATAL(cp_inspect_snapshot_path(x->state, unit_id, path,
	    sizeof(path)) == CP_OK);
	memset(&m, 0, sizeof(m));
	m.cloud = cloud;
	m.env = "prod";
	m.unit = "111111111111";
	m.collected_at = 1700000000;
	CU_ASSERT_EQUAL_FATAL(cp_snapshot_begin(path, &m, &w, why,
	    sizeof(why)), CP_OK);
	s = cp_snapshot_sink(w);
	for (i = 0; i < n; i++) {
		cp_err r = s->resource(s, res[i].type, res[i].id,
		    res[i].name, res[i].region, res[i].json);

		if (r != CP_OK)
			fprintf(stderr, "resource %s: %s\n", res[i].id,
			    cp_strerror(r));
		CU_ASSERT_EQUAL_FATAL(r, CP_OK);
	}
	for (i = 0; i < n_errs; i++)
		CU_ASSERT_EQUAL_FATAL(s->collector_error(s, errs[i].collector,
		    CP_E_AUTH, errs[i].message), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_snapshot_commit(w, why, sizeof(why)),
	    CP_OK);
}

static inline cp_err
lt_row(void *ud, const char *table, const char *const *cells, size_t n)
{
	struct lt_rec *rc = ud;
	json_t *row = json_array();
	size_t i;

	CU_ASSERT_FATAL(row != NULL);
	for (i = 0; i < n; i++)
		CU_ASSERT_FATAL(json_array_append_new(row, json_string(
		    cells[i] != NULL ? cells[i] : "")) == 0);
	CU_ASSERT_FATAL(json_array_append_new(rc->rows, row) == 0);
	CU_ASSERT_FATAL(json_array_append_new(rc->tables,
	    json_string(table)) == 0);
	return CP_OK;
}

typedef cp_err (*lt_unit_fn)(const struct cp_ledger_opts *o,
    const struct cp_env *env, const struct cp_unit *unit, cp_report *rep,
    char *why, size_t why_size);

/*
 * The header of table t and the rows fn writes for x's unit into rc
 * (row 0 is the header).  Returns fn's result.
 */
static inline cp_err
lt_run(struct lt_fx *x, const struct cp_report_table *t, lt_unit_fn fn,
    struct lt_rec *rc)
{
	struct cp_report_opts ro;
	cp_report *rep = NULL;
	char why[512] = "";
	cp_err r;

	rc->rows = json_array();
	rc->tables = json_array();
	CU_ASSERT_FATAL(rc->rows != NULL && rc->tables != NULL);
	memset(&ro, 0, sizeof(ro));
	ro.lang = x->o.lang;
	ro.text_fn = lt_row;
	ro.text_ud = rc;
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&ro, &rep, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_report_table(rep, t), CP_OK);
	r = fn(&x->o, &x->env, &x->unit, rep, why, sizeof(why));
	if (r != CP_OK)
		fprintf(stderr, "ledger: %s: %s\n", cp_strerror(r), why);
	cp_report_close(rep, r == CP_OK, NULL, 0);
	return r;
}

static inline void
lt_done(struct lt_rec *rc)
{
	json_decref(rc->rows);
	json_decref(rc->tables);
	rc->rows = rc->tables = NULL;
}

static inline size_t
lt_count(const struct lt_rec *rc)
{
	return json_array_size(rc->rows);
}

static inline size_t
lt_width(const struct lt_rec *rc, size_t i)
{
	return json_array_size(json_array_get(rc->rows, i));
}

/* Cell c of row i, or "(none)". */
static inline const char *
lt_cell(const struct lt_rec *rc, size_t i, size_t c)
{
	const char *s = json_string_value(json_array_get(json_array_get(
	    rc->rows, i), c));

	return s != NULL ? s : "(none)";
}

/* The row whose cell c is v, or -1 (asserting there is at most one). */
static inline int
lt_find(const struct lt_rec *rc, size_t c, const char *v)
{
	size_t i;
	int found = -1;

	for (i = 0; i < lt_count(rc); i++)
		if (strcmp(lt_cell(rc, i, c), v) == 0) {
			CU_ASSERT(found < 0);
			found = (int)i;
		}
	return found;
}

/* Checks cell c of the row whose cell key_c is key. */
#define LT_CELL(rc, key_c, key, c, want)                                  \
	do {                                                              \
		int row_ = lt_find((rc), (key_c), (key));                 \
		CU_ASSERT_FATAL(row_ >= 0);                               \
		if (strcmp(lt_cell((rc), (size_t)row_, (c)), (want)) != 0) \
			fprintf(stderr, "%s column %d: got '%s', want "   \
			    "'%s'\n", (key), (int)(c),                    \
			    lt_cell((rc), (size_t)row_, (c)), (want));    \
		CU_ASSERT_STRING_EQUAL(lt_cell((rc), (size_t)row_, (c)),  \
		    (want));                                              \
	} while (0)

#endif /* CP_LEDGERTEST_H */
