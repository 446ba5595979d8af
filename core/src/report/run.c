/*
 * run.c - a named report over the units in scope, with its summary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/asm.h"
#include "report/run_priv.h"

static const struct cp_report_col summary_cols[] = {
	{ "Report", "レポート", CP_COL_TEXT, 24 },
	{ "Environment", "環境", CP_COL_TEXT, 16 },
	{ "Cloud", "クラウド", CP_COL_TEXT, 8 },
	{ "Unit", "ユニット", CP_COL_TEXT, 18 },
	{ "Pass / compliant", "合格 / 準拠", CP_COL_INTEGER, 10 },
	{ "Fail / non-compliant", "不合格 / 非準拠", CP_COL_INTEGER, 10 },
	{ "No target / not applicable", "診断対象なし / 該当なし",
	    CP_COL_INTEGER, 12 },
	{ "Score", "スコア", CP_COL_PERCENT, 10 }
};

static const struct cp_report_table summary_table = {
	"Summary", "サマリー", summary_cols,
	sizeof(summary_cols) / sizeof(summary_cols[0])
};

const char *
rrun_text(const struct rrun *x, const char *en, const char *ja)
{
	return x->j->lang != NULL && strcmp(x->j->lang, "ja") == 0 ? ja : en;
}

void
rrun_step(struct rrun *x)
{
	x->done++;
	if (x->j->progress != NULL)
		x->j->progress(x->j->progress_ud, x->done, x->total);
}

static cp_err
add_score(struct rrun *x, const char *en, const char *ja, const char *env,
    const char *cloud, const char *unit, size_t pass, size_t fail,
    size_t other, int scored)
{
	struct rrun_score *nv, *s;

	nv = realloc(x->scores, (x->n_scores + 1) * sizeof(*nv));
	if (nv == NULL)
		return CP_E_NOMEM;
	x->scores = nv;
	s = &x->scores[x->n_scores];
	memset(s, 0, sizeof(*s));
	s->report_en = en;
	s->report_ja = ja;
	s->env = env != NULL ? strdup(env) : NULL;
	s->cloud = cloud != NULL ? strdup(cloud) : NULL;
	s->unit = unit != NULL ? strdup(unit) : NULL;
	s->pass = pass;
	s->fail = fail;
	s->other = other;
	s->scored = scored;
	x->n_scores++;
	if ((env != NULL && s->env == NULL) ||
	    (cloud != NULL && s->cloud == NULL) ||
	    (unit != NULL && s->unit == NULL))
		return CP_E_NOMEM;
	return CP_OK;
}

cp_err
rrun_score(struct rrun *x, const char *report_en, const char *report_ja,
    const struct rrun_unit *u, size_t pass, size_t fail, size_t other,
    int scored)
{
	return add_score(x, report_en, report_ja, u->env.name, u->env.cloud,
	    u->unit.unit, pass, fail, other, scored);
}

static cp_err
score_row(struct rrun *x, const struct rrun_score *s, const char *env)
{
	struct cp_cell c[8];
	size_t total = s->pass + s->fail;

	c[0] = cp_cell_text(rrun_text(x, s->report_en, s->report_ja));
	c[1] = cp_cell_text(env);
	c[2] = cp_cell_text(s->cloud);
	c[3] = cp_cell_text(s->unit);
	c[4] = s->scored ? cp_cell_int((long long)s->pass) : cp_cell_null();
	c[5] = s->scored ? cp_cell_int((long long)s->fail) : cp_cell_null();
	c[6] = s->scored ? cp_cell_int((long long)s->other) : cp_cell_null();
	c[7] = s->scored && total > 0 ? cp_cell_real((double)s->pass /
	    (double)total) : cp_cell_null();
	return cp_report_row(x->rep, c, 8);
}

/*
 * The summary: per report its unit rows, a total per environment of more
 * than one unit, and an overall total when there is more than one unit.
 */
static cp_err
write_summary(struct rrun *x)
{
	size_t i, k;
	cp_err r = cp_report_summary(x->rep);

	for (i = 0; r == CP_OK && i < x->n_scores; ) {
		struct rrun_score all;
		size_t end = i, units = 0;

		while (end < x->n_scores &&
		    x->scores[end].report_en == x->scores[i].report_en)
			end++;
		memset(&all, 0, sizeof(all));
		all.report_en = x->scores[i].report_en;
		all.report_ja = x->scores[i].report_ja;
		for (k = i; r == CP_OK && k < end; ) {
			struct rrun_score env;
			size_t e = k;

			memset(&env, 0, sizeof(env));
			env.report_en = all.report_en;
			env.report_ja = all.report_ja;
			env.cloud = x->scores[k].cloud;
			while (r == CP_OK && e < end && strcmp(x->scores[e].env,
			    x->scores[k].env) == 0) {
				const struct rrun_score *s = &x->scores[e];

				r = score_row(x, s, s->env);
				env.pass += s->pass;
				env.fail += s->fail;
				env.other += s->other;
				env.scored |= s->scored;
				units++;
				e++;
			}
			if (r == CP_OK && e - k > 1)
				r = score_row(x, &env, x->scores[k].env);
			all.pass += env.pass;
			all.fail += env.fail;
			all.other += env.other;
			all.scored |= env.scored;
			k = e;
		}
		if (r == CP_OK && units > 1)
			r = score_row(x, &all, rrun_text(x, "All", "全体"));
		i = end;
	}
	return r;
}

static cp_err
add_unit(void *ud, const struct cp_unit *u)
{
	struct rrun *x = ud;
	struct rrun_unit *nv;

	if (x->j->unit != NULL && strcmp(x->j->unit, u->unit) != 0)
		return CP_OK;
	nv = realloc(x->units, (x->n_units + 1) * sizeof(*nv));
	if (nv == NULL)
		return CP_E_NOMEM;
	x->units = nv;
	x->units[x->n_units].unit = *u;
	x->n_units++;
	return CP_OK;
}

static cp_err
add_env(void *ud, const struct cp_env *env)
{
	struct rrun *x = ud;
	size_t first = x->n_units, i;
	cp_err r;

	if (x->j->env != NULL && strcmp(x->j->env, env->name) != 0)
		return CP_OK;
	r = cp_unit_list(x->j->store, env->id, add_unit, x);
	for (i = first; i < x->n_units; i++)
		x->units[i].env = *env;
	return r;
}

/* The units in scope; CP_E_NOTFOUND when the scope names none. */
static cp_err
load_units(struct rrun *x)
{
	cp_err r = cp_env_list(x->j->store, x->j->portal->id, add_env, x);

	if (r != CP_OK) {
		snprintf(x->why, x->why_size, "reading the environments: %s",
		    cp_store_errmsg(x->j->store));
		return r;
	}
	if (x->j->env == NULL && x->j->unit != NULL && x->n_units > 1) {
		/* --unit alone: it must name one unit of the portal. */
		snprintf(x->why, x->why_size, "unit '%s' is in environments "
		    "'%s' and '%s': give --env", x->j->unit,
		    x->units[0].env.name, x->units[1].env.name);
		return CP_E_INVALID;
	}
	if (x->n_units == 0 && (x->j->env != NULL || x->j->unit != NULL)) {
		snprintf(x->why, x->why_size, "portal %s has no %s '%s'",
		    x->j->portal->name, x->j->unit != NULL ? "unit" :
		    "environment", x->j->unit != NULL ? x->j->unit :
		    x->j->env);
		return CP_E_NOTFOUND;
	}
	return CP_OK;
}

enum part {
	P_RISK_A = 1 << 0,
	P_RISK_B = 1 << 1,
	P_AUDIT = 1 << 2,
	P_ASSETS = 1 << 3,
	P_ACCOUNTS = 1 << 4,
	P_RESOURCES = 1 << 5,
	P_ASM = 1 << 6,
	/* bulk: the ASM sheet only when the portal has observations */
	P_ASM_IF_ANY = 1 << 7
};

struct known {
	const char *name;
	unsigned parts;			/* 0: the job's risk variant */
	int summary;
};

static const struct known reports[] = {
	{ "risk", 0, 1 },
	{ "audit", P_AUDIT, 1 },
	{ "assets", P_ASSETS, 0 },
	{ "accounts", P_ACCOUNTS, 0 },
	{ "resources", P_RESOURCES, 0 },
	{ "asm", P_ASM, 0 },
	{ "bulk", P_RISK_A | P_RISK_B | P_AUDIT | P_ASSETS |
	    P_ACCOUNTS | P_RESOURCES | P_ASM_IF_ANY, 1 },
};

static const struct known *
find_report(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(reports) / sizeof(reports[0]);
	    i++)
		if (strcmp(reports[i].name, name) == 0)
			return &reports[i];
	return NULL;
}

int
cp_report_known(const char *name)
{
	return find_report(name) != NULL;
}

static size_t
count_parts(unsigned parts)
{
	size_t n = 0;

	for (; parts != 0; parts >>= 1)
		n += parts & 1u;
	return n;
}

static cp_err
run_parts(struct rrun *x, unsigned parts)
{
	cp_err r = CP_OK;

	if (r == CP_OK && (parts & P_RISK_A) != 0)
		r = rrun_risk(x, 'A');
	if (r == CP_OK && (parts & P_RISK_B) != 0)
		r = rrun_risk(x, 'B');
	if (r == CP_OK && (parts & P_AUDIT) != 0)
		r = rrun_audit(x);
	if (r == CP_OK && (parts & P_ASSETS) != 0)
		r = rrun_assets(x);
	if (r == CP_OK && (parts & P_ACCOUNTS) != 0)
		r = rrun_accounts(x);
	if (r == CP_OK && (parts & P_RESOURCES) != 0)
		r = rrun_resources(x);
	if (r == CP_OK && (parts & P_ASM) != 0)
		r = rrun_asm(x);
	return r;
}

cp_err
cp_report_run(const struct cp_report_job *j, struct cp_report_result *res,
    char *why, size_t why_size)
{
	const struct known *k = find_report(j->name);
	struct cp_report_opts o;
	struct rrun x;
	unsigned parts;
	size_t i;
	cp_err r, rc;

	memset(res, 0, sizeof(*res));
	why[0] = '\0';
	if (k == NULL) {
		snprintf(why, why_size, "unknown report '%s'", j->name != NULL ?
		    j->name : "");
		return CP_E_INVALID;
	}
	parts = k->parts != 0 ? k->parts : j->variant == 'B' ? P_RISK_B :
	    P_RISK_A;
	memset(&x, 0, sizeof(x));
	x.j = j;
	x.why = why;
	x.why_size = why_size;
	if (j->target != NULL && (parts & P_ASM) == 0) {
		snprintf(why, why_size, "--target is for report asm");
		return CP_E_INVALID;
	}
	r = load_units(&x);
	if (r == CP_OK && (parts & P_ASM_IF_ANY) != 0) {
		int any = 0;

		r = cp_report_asm_any(j->store, j->portal->id, &any);
		if (r != CP_OK)
			snprintf(why, why_size, "reading the observations: %s",
			    cp_store_errmsg(j->store));
		parts &= ~(unsigned)P_ASM_IF_ANY;
		if (any)
			parts |= P_ASM;
	}
	if (r == CP_OK) {
		x.total = x.n_units * count_parts(parts & ~(unsigned)P_ASM);
		memset(&o, 0, sizeof(o));
		o.format = j->format;
		o.path = j->path;
		o.lang = j->lang;
		o.flags = j->flags;
		o.summary = k->summary ? &summary_table : NULL;
		o.plugins = j->plugins;
		o.log = j->log;
		o.title = j->name;
		o.cancel = j->cancel;
		r = cp_report_open(&o, &x.rep, why, why_size);
	}
	if (r == CP_OK)
		r = run_parts(&x, parts);
	if (r == CP_OK && k->summary)
		r = write_summary(&x);
	if (x.rep != NULL) {
		res->rows = cp_report_rows(x.rep);
		res->shortened = cp_report_shortened(x.rep);
		res->repaired = cp_report_repaired(x.rep);
		rc = cp_report_close(x.rep, r == CP_OK, r == CP_OK || why[0] ==
		    '\0' ? why : NULL, why_size);
		if (r == CP_OK)
			r = rc;
	}
	res->units = x.n_units;
	for (i = 0; i < x.n_scores; i++) {
		free(x.scores[i].env);
		free(x.scores[i].cloud);
		free(x.scores[i].unit);
	}
	free(x.scores);
	free(x.units);
	return r;
}
