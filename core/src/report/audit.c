/*
 * audit.c - the CIS audit report (audit.h).
 *
 * A unit's snapshot is evaluated once: each (policy, parameters) pair the
 * audited requirements need runs one time and its results are kept while
 * the unit is written, because requirements share policies (5.3 and 5.4
 * share the administrative-port checks).  The statuses themselves come
 * from the pure functions of policy/audit.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "inspect/inspect.h"
#include "policy/audit.h"
#include "policy/engine.h"
#include "report/audit.h"
#include "report/run_priv.h"

enum {
	COL_FRAMEWORK, COL_ENV, COL_CLOUD, COL_UNIT, COL_SECTION, COL_REQ,
	COL_LEVEL, COL_ASSESSMENT, COL_TITLE, COL_RESOURCE, COL_NAME,
	COL_STATUS, COL_DETAIL, COL_POLICIES, COL_STEPS, NCOLS
};

static const struct cp_report_col cols[NCOLS] = {
	{ "Framework", "フレームワーク", CP_COL_TEXT, 16 },
	{ "Environment", "環境", CP_COL_TEXT, 14 },
	{ "Cloud", "クラウド", CP_COL_TEXT, 8 },
	{ "Unit", "ユニット", CP_COL_TEXT, 16 },
	{ "Section", "セクション", CP_COL_TEXT, 8 },
	{ "Requirement", "要件", CP_COL_TEXT, 10 },
	{ "Level", "レベル", CP_COL_INTEGER, 6 },
	{ "Assessment", "評価方法", CP_COL_TEXT, 10 },
	{ "Title", "要件名", CP_COL_TEXT, 40 },
	{ "Resource ID", "リソース ID", CP_COL_TEXT, 30 },
	{ "Resource name", "リソース名", CP_COL_TEXT, 20 },
	{ "Status", "状態", CP_COL_TEXT, 14 },
	{ "Detail", "詳細", CP_COL_TEXT, 40 },
	{ "Deciding policies", "判定ポリシー", CP_COL_TEXT, 16 },
	{ "Steps to comply", "準拠するための手順", CP_COL_TEXT, 50 }
};

static const struct cp_report_table audit_table = {
	"CIS audit", "CIS 監査", cols, NCOLS
};

const struct cp_report_table *
cp_report_audit_table(void)
{
	return &audit_table;
}

/* Indexed by enum cp_audit_status. */
static const char *const status_en[] = {
	"compliant", "non-compliant", "not applicable", "manual", "error",
	"not assessed"
};
static const char *const status_ja[] = {
	"準拠", "非準拠", "該当なし", "手動確認", "エラー", "未評価"
};

#define MAX_DETAIL 4096		/* bytes of the detail cell */

/* One result of a policy run, kept for the unit (strings owned). */
struct kept {
	char *rid;
	char *name;
	char *detail;
	int status;			/* enum cp_result_status */
	const char *policy;		/* the policy's id (the set's) */
};

/* One policy run with one set of parameters, and its results. */
struct prun {
	const struct cp_policy *p;
	char *key;			/* the parameters, canonical JSON */
	struct kept *v;
	size_t n, cap;
};

struct unit_ctx {
	const struct cp_audit_opts *o;
	cp_store *st;
	const struct cp_env *env;
	const struct cp_unit *unit;
	const cp_policy_set *set;
	cp_report *rep;
	cp_engine *eng;
	json_t *enabled;		/* policy id -> true/false */
	struct prun *runs;
	size_t n_runs;
	char *why;
	size_t why_size;
};

static int
is_ja(const struct cp_audit_opts *o)
{
	return o->lang != NULL && strcmp(o->lang, "ja") == 0;
}

static const char *
tr(const struct cp_audit_opts *o, const char *en, const char *ja)
{
	return is_ja(o) ? ja : en;
}

static const char *
status_text(const struct cp_audit_opts *o, int status)
{
	if (status < 0 || (size_t)status >= sizeof(status_en) /
	    sizeof(status_en[0]))
		return "?";
	return is_ja(o) ? status_ja[status] : status_en[status];
}

static char *
dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

static cp_err
keep_result(void *ud, const struct cp_policy *p,
    const struct cp_policy_result *res)
{
	struct prun *r = ud;
	struct kept *k;

	if (r->n == r->cap) {
		size_t cap = r->cap == 0 ? 16 : r->cap * 2;
		struct kept *nv = realloc(r->v, cap * sizeof(*nv));

		if (nv == NULL)
			return CP_E_NOMEM;
		r->v = nv;
		r->cap = cap;
	}
	k = &r->v[r->n];
	k->rid = dup_or_empty(res->resource_id);
	k->name = dup_or_empty(res->resource_name);
	k->detail = dup_or_empty(res->detail);
	k->status = res->status;
	k->policy = p->id;
	if (k->rid == NULL || k->name == NULL || k->detail == NULL) {
		free(k->rid);
		free(k->name);
		free(k->detail);
		return CP_E_NOMEM;
	}
	r->n++;
	return CP_OK;
}

static void
prun_clear(struct prun *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].rid);
		free(r->v[i].name);
		free(r->v[i].detail);
	}
	r->n = 0;
}

static void
ctx_free(struct unit_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n_runs; i++) {
		prun_clear(&c->runs[i]);
		free(c->runs[i].v);
		free(c->runs[i].key);
	}
	free(c->runs);
	json_decref(c->enabled);
	cp_engine_close(c->eng);
}

/* Whether the portal has p turned on (looked up once per unit). */
static cp_err
policy_on(struct unit_ctx *c, const struct cp_policy *p, int *on)
{
	struct cp_lc_setting s;
	json_t *v = json_object_get(c->enabled, p->id);
	cp_err r;

	if (v != NULL) {
		*on = json_is_true(v);
		return CP_OK;
	}
	r = cp_inspect_setting(c->st, c->env->portal_id, p, &s);
	if (r != CP_OK) {
		snprintf(c->why, c->why_size, "policy %s: %s", p->id,
		    cp_store_errmsg(c->st));
		return r;
	}
	*on = s.enabled != 0;
	cp_lc_setting_clear(&s);
	if (json_object_set_new(c->enabled, p->id, json_boolean(*on)) != 0)
		return CP_E_NOMEM;
	return CP_OK;
}

/*
 * Runs p with the pack's defaults overlaid by what rq pins, or finds the
 * run already made with the same parameters; *out is its index in
 * c->runs (which later runs may move).  A run that fails is kept as one
 * error for the whole policy (resource ""), as policy/audit.h expects:
 * its rows so far are disregarded.
 */
static cp_err
policy_run(struct unit_ctx *c, const struct cp_policy *p,
    const struct cp_requirement *rq, size_t *out)
{
	struct cp_lc_defaults def;
	struct cp_policy_result err;
	json_t *params = NULL, *pinned;
	struct prun *nv, *r;
	char *key = NULL;
	size_t i;
	cp_err rc;

	rc = cp_inspect_defaults(p, &def, &params);
	if (rc != CP_OK)
		return rc;
	pinned = json_object_get(rq->params, p->id);
	if (pinned != NULL && json_object_update(params, pinned) != 0) {
		json_decref(params);
		return CP_E_NOMEM;
	}
	key = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
	if (key == NULL) {
		json_decref(params);
		return CP_E_NOMEM;
	}
	for (i = 0; i < c->n_runs; i++)
		if (c->runs[i].p == p && strcmp(c->runs[i].key, key) == 0) {
			*out = i;
			free(key);
			json_decref(params);
			return CP_OK;
		}
	nv = realloc(c->runs, (c->n_runs + 1) * sizeof(*nv));
	if (nv == NULL) {
		free(key);
		json_decref(params);
		return CP_E_NOMEM;
	}
	c->runs = nv;
	r = &c->runs[c->n_runs++];
	memset(r, 0, sizeof(*r));
	r->p = p;
	r->key = key;
	rc = cp_engine_run(c->eng, p, params, keep_result, r, c->why,
	    c->why_size);
	json_decref(params);
	if (rc == CP_E_NOMEM)
		return rc;
	if (rc != CP_OK) {
		cp_log_msg(c->o->log, CP_LOG_WARNING, "report",
		    "%s/%s: policy %s could not decide: %s", c->env->name,
		    c->unit->unit, p->id, c->why);
		prun_clear(r);
		memset(&err, 0, sizeof(err));
		err.resource_id = "";
		err.status = CP_RESULT_ERROR;
		err.detail = c->why;
		rc = keep_result(r, p, &err);
		c->why[0] = '\0';
		if (rc != CP_OK)
			return rc;
	}
	*out = c->n_runs - 1;
	return CP_OK;
}

static int
cmp_kept(const void *a, const void *b)
{
	const struct kept *x = *(const struct kept *const *)a;
	const struct kept *y = *(const struct kept *const *)b;

	return strcmp(x->rid, y->rid);
}

/* The first of the n sorted results about rid, or n. */
static size_t
first_of(const struct kept *const *ks, size_t n, const char *rid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ks[mid]->rid, rid) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Appends "POLICY: text" to buf (MAX_DETAIL), "; " between. */
static void
add_detail(char *buf, size_t *len, const char *policy, const char *text)
{
	int w;

	if (*len >= MAX_DETAIL - 1)
		return;
	w = snprintf(buf + *len, MAX_DETAIL - *len, "%s%s: %s",
	    *len > 0 ? "; " : "", policy, text);
	if (w < 0)
		return;
	if ((size_t)w >= MAX_DETAIL - *len) {
		/* Cut: say so rather than end mid-word silently. */
		*len = MAX_DETAIL - 1;
		memcpy(buf + MAX_DETAIL - 4, "...", 4);
	} else
		*len += (size_t)w;
}

/* The deciding policies, those turned off marked. */
static void
policies_text(const struct cp_audit_opts *o, const struct cp_requirement *rq,
    const int *on, char *buf, size_t n)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < rq->n_policies && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s%s",
		    i > 0 ? ", " : "", rq->policies[i], on[i] ? "" :
		    tr(o, " (off)", " (無効)"));
}

struct req_row {
	const struct cp_framework *fw;
	const struct cp_requirement *rq;
	const char *rid;
	const char *name;
	int status;
	const char *detail;
	const char *policies;
};

static cp_err
emit(struct unit_ctx *c, const struct req_row *w)
{
	const struct cp_audit_opts *o = c->o;
	struct cp_cell cells[NCOLS];

	cells[COL_FRAMEWORK] = cp_cell_text(w->fw->id);
	cells[COL_ENV] = cp_cell_text(c->env->name);
	cells[COL_CLOUD] = cp_cell_text(c->env->cloud);
	cells[COL_UNIT] = cp_cell_text(c->unit->unit);
	cells[COL_SECTION] = cp_cell_text(w->rq != NULL ? w->rq->section :
	    NULL);
	cells[COL_REQ] = cp_cell_text(w->rq != NULL ? w->rq->id : NULL);
	cells[COL_LEVEL] = w->rq != NULL ? cp_cell_int(w->rq->level) :
	    cp_cell_null();
	cells[COL_ASSESSMENT] = cp_cell_text(w->rq == NULL ? NULL :
	    w->rq->assessment == CP_ASSESSMENT_MANUAL ?
	    tr(o, "manual", "手動") : tr(o, "automated", "自動"));
	cells[COL_TITLE] = cp_cell_text(w->rq == NULL ? NULL : is_ja(o) ?
	    w->rq->title.ja : w->rq->title.en);
	cells[COL_RESOURCE] = cp_cell_text(w->rid != NULL &&
	    w->rid[0] != '\0' ? w->rid : NULL);
	cells[COL_NAME] = cp_cell_text(w->name != NULL && w->name[0] != '\0' ?
	    w->name : NULL);
	cells[COL_STATUS] = cp_cell_text(w->rq == NULL ?
	    tr(o, "not inspected yet", "未診断") : status_text(o, w->status));
	cells[COL_DETAIL] = cp_cell_text(w->detail != NULL &&
	    w->detail[0] != '\0' ? w->detail : NULL);
	cells[COL_POLICIES] = cp_cell_text(w->policies != NULL &&
	    w->policies[0] != '\0' ? w->policies : NULL);
	cells[COL_STEPS] = cp_cell_text(w->rq != NULL &&
	    w->status == CP_AUDIT_NON_COMPLIANT ? (is_ja(o) ?
	    w->rq->steps.ja : w->rq->steps.en) : NULL);
	return cp_report_row(c->rep, cells, NCOLS);
}

static void
count(struct cp_audit_score *s, int status)
{
	switch (status) {
	case CP_AUDIT_COMPLIANT:
		s->compliant++;
		break;
	case CP_AUDIT_NON_COMPLIANT:
		s->non_compliant++;
		break;
	case CP_AUDIT_NOT_APPLICABLE:
		s->not_applicable++;
		break;
	case CP_AUDIT_MANUAL:
		s->manual++;
		break;
	case CP_AUDIT_NOT_ASSESSED:
		s->not_assessed++;
		break;
	default:
		s->error++;
		break;
	}
}

/* The rows of one requirement, each resource's name and detail found
 * among the sorted results ks of its policies. */
static cp_err
requirement_rows(struct unit_ctx *c, const struct cp_framework *fw,
    const struct cp_requirement *rq, const struct cp_requirement *decide,
    const struct cp_audit_input *in, const struct kept **ks, size_t n,
    const char *policies, struct cp_audit_score *score)
{
	const struct cp_audit_opts *o = c->o;
	struct cp_audit_row *rows = NULL;
	struct req_row w;
	char *detail;
	size_t n_rows = 0, i, k, len;
	cp_err r;

	detail = malloc(MAX_DETAIL);
	if (detail == NULL)
		return CP_E_NOMEM;
	r = cp_audit_requirement(decide, in, n, &rows, &n_rows);
	for (i = 0; r == CP_OK && i < n_rows; i++) {
		memset(&w, 0, sizeof(w));
		w.fw = fw;
		w.rq = rq;
		w.rid = rows[i].resource_id;
		w.status = rows[i].status;
		w.policies = policies;
		w.detail = detail;
		detail[0] = '\0';
		len = 0;
		for (k = first_of(ks, n, w.rid); k < n &&
		    strcmp(ks[k]->rid, w.rid) == 0; k++) {
			if (w.name == NULL && ks[k]->name[0] != '\0')
				w.name = ks[k]->name;
			if ((w.status == CP_AUDIT_NON_COMPLIANT &&
			    ks[k]->status == CP_RESULT_FAIL) ||
			    (w.status == CP_AUDIT_ERROR &&
			    ks[k]->status != CP_RESULT_PASS &&
			    ks[k]->status != CP_RESULT_FAIL))
				add_detail(detail, &len, ks[k]->policy,
				    ks[k]->detail);
		}
		if (w.status == CP_AUDIT_NOT_APPLICABLE)
			w.detail = tr(o, "no resource of the kind its policies "
			    "check", "判定ポリシーの対象となるリソースがありません");
		else if (w.status == CP_AUDIT_MANUAL)
			w.detail = tr(o, "check by hand", "手動で確認してください");
		else if (w.status == CP_AUDIT_NOT_ASSESSED)
			w.detail = rq->n_policies == 0 ?
			    tr(o, "no policy decides this requirement yet",
			    "この要件を判定するポリシーはまだありません") :
			    tr(o, "its policies are off for this portal",
			    "判定ポリシーがこのポータルで無効になっています");
		r = emit(c, &w);
		count(score, w.status);
	}
	free(rows);
	free(detail);
	return r;
}

/*
 * One requirement: its enabled policies are run (or their runs found),
 * their results gathered and folded.  A manual requirement runs nothing.
 */
static cp_err
audit_requirement(struct unit_ctx *c, const struct cp_framework *fw,
    const struct cp_requirement *rq, struct cp_audit_score *score)
{
	const char *ids[64];
	size_t runs[64];
	int on[64];
	struct cp_requirement decide = *rq;
	struct cp_audit_input *in = NULL;
	const struct kept **ks = NULL;
	char policies[1024];
	size_t i, k = 0, n = 0, m;
	cp_err r = CP_OK;

	if (rq->n_policies > 64)
		return CP_E_LIMIT;	/* the loader allows no more */
	for (i = 0; i < rq->n_policies; i++) {
		const struct cp_policy *p = cp_policy_set_find(c->set,
		    rq->policies[i]);

		on[i] = 0;
		if (p == NULL || strcmp(p->cloud, c->env->cloud) != 0)
			continue;	/* not this set's: never run */
		r = policy_on(c, p, &on[i]);
		if (r != CP_OK)
			return r;
		if (!on[i] || rq->assessment == CP_ASSESSMENT_MANUAL)
			continue;
		r = policy_run(c, p, rq, &runs[k]);
		if (r != CP_OK)
			return r;
		ids[k] = p->id;
		n += c->runs[runs[k]].n;
		k++;
	}
	policies_text(c->o, rq, on, policies, sizeof(policies));
	/* Only the policies that ran decide; none left: "not assessed". */
	if (rq->assessment != CP_ASSESSMENT_MANUAL) {
		decide.policies = ids;
		decide.n_policies = k;
	}
	if (n > 0) {
		in = calloc(n, sizeof(*in));
		ks = calloc(n, sizeof(*ks));
		if (in == NULL || ks == NULL) {
			free(in);
			free(ks);
			return CP_E_NOMEM;
		}
	}
	for (i = 0, m = 0; i < k; i++) {
		const struct prun *pr = &c->runs[runs[i]];
		size_t j;

		for (j = 0; j < pr->n; j++, m++) {
			in[m].policy_id = ids[i];
			in[m].resource_id = pr->v[j].rid;
			in[m].status = pr->v[j].status;
			ks[m] = &pr->v[j];
		}
	}
	if (n > 1)
		qsort(ks, n, sizeof(*ks), cmp_kept);
	r = requirement_rows(c, fw, rq, &decide, in, ks, n, policies, score);
	free(in);
	free(ks);
	return r;
}

/* Opens the snapshot at path as it was collected. */
static cp_err
open_engine(struct unit_ctx *c, const char *path)
{
	struct cp_engine_opts eo;

	memset(&eo, 0, sizeof(eo));
	eo.geoip = c->o->geoip;
	eo.log = c->o->log;
	return cp_engine_open_as_collected(path, &eo, &c->eng, c->why,
	    c->why_size);
}

static int
audited(const struct cp_audit_opts *o, const struct cp_env *env,
    const struct cp_framework *fw)
{
	return strcmp(fw->cloud, env->cloud) == 0 && (o->framework == NULL ||
	    strcmp(o->framework, fw->id) == 0);
}

cp_err
cp_report_audit_unit(cp_store *st, const struct cp_env *env,
    const struct cp_unit *unit, const cp_policy_set *set,
    const cp_framework_set *fws, const struct cp_audit_opts *o,
    cp_report *rep, struct cp_audit_score *scores, size_t max_scores,
    size_t *n_scores, char *why, size_t why_size)
{
	struct unit_ctx c;
	char path[4096];
	size_t f, i, n = 0;
	int inspected;
	cp_err r = CP_OK;

	*n_scores = 0;
	for (f = 0; f < cp_framework_set_count(fws); f++)
		if (audited(o, env, cp_framework_set_at(fws, f)))
			n++;
	if (n == 0)
		return CP_OK;		/* no framework for its cloud */
	if (n > max_scores) {
		snprintf(why, why_size, "%zu frameworks, room for %zu", n,
		    max_scores);
		return CP_E_LIMIT;
	}
	if (cp_inspect_snapshot_path(o->state_dir, unit->id, path,
	    sizeof(path)) != CP_OK) {
		snprintf(why, why_size, "the state directory's path is too "
		    "long");
		return CP_E_LIMIT;
	}
	inspected = access(path, R_OK) == 0;
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.st = st;
	c.env = env;
	c.unit = unit;
	c.set = set;
	c.rep = rep;
	c.why = why;
	c.why_size = why_size;
	c.enabled = json_object();
	if (c.enabled == NULL)
		return CP_E_NOMEM;
	if (inspected)
		r = open_engine(&c, path);
	for (f = 0; r == CP_OK && f < cp_framework_set_count(fws); f++) {
		const struct cp_framework *fw = cp_framework_set_at(fws, f);
		struct cp_audit_score *s = &scores[*n_scores];

		if (!audited(o, env, fw))
			continue;
		memset(s, 0, sizeof(*s));
		s->fw = fw;
		s->scored = inspected;
		(*n_scores)++;
		if (!inspected) {
			struct req_row w;

			memset(&w, 0, sizeof(w));
			w.fw = fw;
			w.detail = tr(o, "the unit has no snapshot yet: run "
			    "'cloudpatrol inspect' first", "ユニットのスナップ"
			    "ショットがまだありません。先に 'cloudpatrol inspect'"
			    " を実行してください");
			r = emit(&c, &w);
			continue;
		}
		for (i = 0; r == CP_OK && i < fw->n_requirements; i++) {
			const struct cp_requirement *rq = &fw->requirements[i];

			if (o->level == 1 && rq->level != 1)
				continue;
			r = audit_requirement(&c, fw, rq, s);
		}
	}
	ctx_free(&c);
	return r;
}

cp_err
rrun_audit(struct rrun *x)
{
	const struct cp_report_job *j = x->j;
	size_t n_fw = cp_framework_set_count(j->frameworks), i, k, f;
	struct cp_audit_score *all = NULL;
	struct cp_audit_opts o;
	size_t *counts = NULL;
	cp_err r;

	if (j->level < 0 || j->level > 2) {
		snprintf(x->why, x->why_size, "the level is 1 or 2, not %d",
		    j->level);
		return CP_E_INVALID;
	}
	if (j->framework != NULL && cp_framework_set_find(j->frameworks,
	    j->framework) == NULL) {
		size_t len = (size_t)snprintf(x->why, x->why_size,
		    "unknown framework '%s' (known:", j->framework);

		for (f = 0; f < n_fw && len < x->why_size; f++)
			len += (size_t)snprintf(x->why + len, x->why_size - len,
			    " %s", cp_framework_set_at(j->frameworks, f)->id);
		if (len < x->why_size)
			snprintf(x->why + len, x->why_size - len, "%s)",
			    n_fw == 0 ? " none" : "");
		return CP_E_NOTFOUND;
	}
	memset(&o, 0, sizeof(o));
	o.lang = j->lang;
	o.framework = j->framework;
	o.level = j->level;
	o.state_dir = j->state_dir;
	o.geoip = j->geoip;
	o.log = j->log;
	r = cp_report_table(x->rep, cp_report_audit_table());
	if (r == CP_OK && n_fw > 0 && x->n_units > 0) {
		all = calloc(x->n_units * n_fw, sizeof(*all));
		counts = calloc(x->n_units, sizeof(*counts));
		if (all == NULL || counts == NULL)
			r = CP_E_NOMEM;
	}
	for (i = 0; r == CP_OK && i < x->n_units; i++) {
		if (all != NULL)
			r = cp_report_audit_unit(j->store, &x->units[i].env,
			    &x->units[i].unit, j->policies, j->frameworks, &o,
			    x->rep, all + i * n_fw, n_fw, &counts[i], x->why,
			    x->why_size);
		rrun_step(x);
	}
	/* The summary totals consecutive rows of one report: the scores go
	 * framework by framework, each over the units in scope.  The
	 * framework's title names the report. */
	for (f = 0; r == CP_OK && all != NULL && f < n_fw; f++) {
		const struct cp_framework *fw = cp_framework_set_at(
		    j->frameworks, f);

		for (i = 0; r == CP_OK && i < x->n_units; i++)
			for (k = 0; r == CP_OK && k < counts[i]; k++) {
				const struct cp_audit_score *s =
				    &all[i * n_fw + k];

				if (s->fw == fw)
					r = rrun_score(x, fw->title.en,
					    fw->title.ja, &x->units[i],
					    s->compliant, s->non_compliant,
					    s->not_applicable, s->scored);
			}
	}
	free(all);
	free(counts);
	return r;
}
