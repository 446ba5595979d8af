/*
 * risk.c - the risk diagnosis report, A and B (R-RSK-1..3).
 *
 * Rows come from the store (findings, notifications, remediations,
 * exclusions); the score and the "below the threshold" rows come from
 * evaluating the unit's latest snapshot again, so that passes, which the
 * store does not keep, are counted too.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "inspect/inspect.h"
#include "report/risk.h"
#include "report/run_priv.h"

enum {
	COL_SECTION, COL_ENV, COL_CLOUD, COL_UNIT, COL_POLICY, COL_TITLE,
	COL_CATEGORY, COL_SEVERITY, COL_RESOURCE, COL_NAME, COL_STATUS,
	COL_VALUE, COL_CONDITION, COL_FIRST, COL_LAST, COL_REMEDIATED,
	COL_NOTIFIED, COL_REMEDIATION, COL_GUIDANCE, NCOLS
};

static const struct cp_report_col cols[NCOLS] = {
	{ "A. current state / B. history",
	    "A. 現在の状態 / B. 通知・修復履歴", CP_COL_TEXT, 22 },
	{ "Environment", "環境", CP_COL_TEXT, 14 },
	{ "Cloud", "クラウド", CP_COL_TEXT, 8 },
	{ "Unit", "ユニット", CP_COL_TEXT, 16 },
	{ "Policy ID", "ポリシー ID", CP_COL_TEXT, 11 },
	{ "Policy", "ポリシー名", CP_COL_TEXT, 40 },
	{ "Category", "カテゴリ", CP_COL_TEXT, 16 },
	{ "Severity", "重要度", CP_COL_TEXT, 9 },
	{ "Resource ID", "リソース ID", CP_COL_TEXT, 30 },
	{ "Resource name", "リソース名", CP_COL_TEXT, 20 },
	{ "Status", "状態", CP_COL_TEXT, 14 },
	{ "Detected value", "検知した値", CP_COL_TEXT, 24 },
	{ "Rule / configured value", "判定条件 / 設定値", CP_COL_TEXT, 24 },
	{ "First detected (UTC)", "初回検知日時 (UTC)", CP_COL_TIME, 19 },
	{ "Last detected (UTC)", "最終検知日時 (UTC)", CP_COL_TIME, 19 },
	{ "Remediated at (UTC)", "修復日時 (UTC)", CP_COL_TIME, 19 },
	{ "Notified at (UTC)", "通知日時 (UTC)", CP_COL_TEXT, 19 },
	{ "Remediation", "対策", CP_COL_TEXT, 24 },
	{ "How to fix", "対処方法", CP_COL_TEXT, 50 }
};

static const struct cp_report_table table_a = {
	"Risk diagnosis A", "リスク診断 A", cols + COL_ENV, NCOLS - COL_ENV
};

static const struct cp_report_table table_b = {
	"Risk diagnosis B", "リスク診断 B", cols, NCOLS
};

const struct cp_report_table *
cp_report_risk_table(int variant)
{
	return variant == 'B' ? &table_b : &table_a;
}


static const char *const category_ja[] = {
	"危険な公開", "アカウント管理の不備", "意図しないイベント",
	"異常な利用", "コンプライアンス", "MDfC アラート"
};

static const char *const severity_ja[] = { "緊急", "高", "中", "低" };

static int
is_ja(const struct cp_risk_opts *o)
{
	return o->lang != NULL && strcmp(o->lang, "ja") == 0;
}

static const char *
tr(const struct cp_risk_opts *o, const char *en, const char *ja)
{
	return is_ja(o) ? ja : en;
}

/* The first column, present in report B only. */
static size_t
first_col(const struct cp_risk_opts *o)
{
	return o->variant == 'B' ? COL_SECTION : COL_ENV;
}

/* Emits a row: cells from COL_SECTION (report B) or COL_ENV (A). */
static cp_err
emit(const struct cp_risk_opts *o, cp_report *rep, struct cp_cell *cells)
{
	size_t c = first_col(o), i;

	for (i = 0; i < NCOLS; i++)
		if (cells[i].kind == CP_CELL_TEXT && cells[i].s == NULL)
			cells[i].kind = CP_CELL_NULL;
	return cp_report_row(rep, cells + c, NCOLS - c);
}

static const char *
fmt_time(time_t t, char buf[24])
{
	struct tm tm;

	buf[0] = '\0';
	if (t > 0 && gmtime_r(&t, &tm) != NULL)
		strftime(buf, 24, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static const char *
col_text(sqlite3_stmt *stmt, int i)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);

	return s != NULL ? (const char *)s : "";
}

/* The portal's parameter values that differ from the pack's. */
static void
settings_text(const struct cp_policy *p, const json_t *params, char *buf,
    size_t n)
{
	size_t k, len = 0;

	buf[0] = '\0';
	for (k = 0; k < p->n_params; k++) {
		const json_t *v = json_object_get(params, p->params[k].name);
		char *text;

		if (v == NULL || json_equal(v, p->params[k].def))
			continue;
		text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		if (text == NULL)
			continue;
		len += (size_t)snprintf(buf + len, len < n ? n - len : 0,
		    "%s%s=%s", len > 0 ? ", " : "", p->params[k].name, text);
		free(text);
		if (len >= n)
			break;
	}
}

struct row_ctx {
	const struct cp_risk_opts *o;
	const struct cp_env *env;
	const struct cp_unit *unit;
	cp_report *rep;
};

/* The cells every row has: where, which policy, how to fix. */
static void
common_cells(const struct row_ctx *rc, const struct cp_policy *p,
    struct cp_cell *cells)
{
	const struct cp_risk_opts *o = rc->o;

	cells[COL_ENV] = cp_cell_text(rc->env->name);
	cells[COL_CLOUD] = cp_cell_text(rc->env->cloud);
	cells[COL_UNIT] = cp_cell_text(rc->unit->unit);
	cells[COL_POLICY] = cp_cell_text(p->id);
	cells[COL_TITLE] = cp_cell_text(is_ja(o) ? p->title.ja :
	    p->title.en);
	cells[COL_CATEGORY] = cp_cell_text(is_ja(o) ?
	    category_ja[p->category] : cp_policy_category_name(p->category));
	cells[COL_SEVERITY] = cp_cell_text(is_ja(o) ?
	    severity_ja[p->severity] : cp_policy_severity_name(p->severity));
	cells[COL_GUIDANCE] = cp_cell_text(is_ja(o) ? p->guidance.ja :
	    p->guidance.en);
}

/*
 * Emits one row of a finding.  status and notified are the texts of those
 * columns; the rest comes from the policy and the finding.
 */
static cp_err
finding_row(struct row_ctx *rc, const struct cp_policy *p,
    const struct cp_lc_setting *s, sqlite3_stmt *stmt, int history,
    int excluded)
{
	const struct cp_risk_opts *o = rc->o;
	struct cp_cell cells[NCOLS];
	char notified[24], remtime[24];
	char condition[1024], settings[512], remediation[600];
	time_t notified_at = (time_t)sqlite3_column_int64(stmt, 8);
	const char *rem_status = col_text(stmt, 9);

	settings_text(p, s->params, settings, sizeof(settings));
	snprintf(condition, sizeof(condition), "%s%s%s%s", col_text(stmt, 3),
	    settings[0] != '\0' ? " (" : "", settings,
	    settings[0] != '\0' ? ")" : "");
	if (rem_status[0] != '\0')
		snprintf(remediation, sizeof(remediation), "%s: %s %s%s%s",
		    p->remediation_action != NULL ? p->remediation_action : "",
		    rem_status, fmt_time((time_t)sqlite3_column_int64(stmt,
		    10), remtime), col_text(stmt, 11)[0] != '\0' ? ": " : "",
		    col_text(stmt, 11));
	else if (p->remediation_action == NULL)
		snprintf(remediation, sizeof(remediation), "%s",
		    tr(o, "notify only", "通知のみ"));
	else
		snprintf(remediation, sizeof(remediation), "%s",
		    s->remediate && rc->env->remediation &&
		    rc->unit->remediation ?
		    tr(o, "on", "自動対策あり") : tr(o, "off", "自動対策なし"));
	cells[COL_SECTION] = cp_cell_text(history ? tr(o, "B. history",
	    "B. 通知・修復履歴") : tr(o, "A. current state", "A. 現在の状態"));
	common_cells(rc, p, cells);
	cells[COL_RESOURCE] = cp_cell_text(col_text(stmt, 1));
	cells[COL_NAME] = cp_cell_text(col_text(stmt, 2));
	cells[COL_STATUS] = cp_cell_text(history ? tr(o, "remediated",
	    "修復済み") : tr(o, "at risk", "リスクあり"));
	cells[COL_VALUE] = cp_cell_text(col_text(stmt, 5));
	cells[COL_CONDITION] = cp_cell_text(condition);
	cells[COL_FIRST] = cp_cell_time((time_t)sqlite3_column_int64(stmt,
	    6));
	cells[COL_LAST] = cp_cell_time((time_t)sqlite3_column_int64(stmt, 7));
	cells[COL_REMEDIATED] = cp_cell_time(
	    (time_t)sqlite3_column_int64(stmt, 12));
	if (notified_at > 0)
		cells[COL_NOTIFIED] = cp_cell_text(fmt_time(notified_at,
		    notified));
	else if (!s->notify)
		cells[COL_NOTIFIED] = cp_cell_text(tr(o, "notification off "
		    "(turn it on with 'cloudpatrol policy set ID --notify on')",
		    "通知未設定 ('cloudpatrol policy set ID --notify on' で即時"
		    "通知を有効にしてください)"));
	else if (excluded)
		cells[COL_NOTIFIED] = cp_cell_text(tr(o, "excluded: not "
		    "notified", "除外中のため通知なし"));
	else
		cells[COL_NOTIFIED] = cp_cell_text("");
	cells[COL_REMEDIATION] = cp_cell_text(remediation);
	return emit(o, rc->rep, cells);
}

/*
 * Columns: policy, resource, resource_name, condition, detail, value,
 * first_seen, last_seen, notified (latest, in the window or open),
 * remediation status, its time, its error, resolved_at, excluded.
 */
#define ROW_COLUMNS                                                         \
	"f.policy, f.resource, f.resource_name, f.condition, f.detail,"    \
	" f.value, f.first_seen, f.last_seen,"                             \
	" (SELECT max(n.time) FROM notifications n WHERE n.unit_id ="      \
	"  f.unit_id AND n.policy = f.policy AND n.resource = f.resource"  \
	"  AND n.condition = f.condition AND n.kind = 'risk'),"            \
	" (SELECT r.status FROM remediations r WHERE r.finding_id = f.id"  \
	"  ORDER BY r.time DESC, r.id DESC LIMIT 1),"                      \
	" (SELECT r.time FROM remediations r WHERE r.finding_id = f.id"    \
	"  ORDER BY r.time DESC, r.id DESC LIMIT 1),"                      \
	" (SELECT r.error FROM remediations r WHERE r.finding_id = f.id"   \
	"  ORDER BY r.time DESC, r.id DESC LIMIT 1),"                      \
	" f.resolved_at,"                                                  \
	" EXISTS (SELECT 1 FROM exclusions x WHERE x.portal_id = ?2"       \
	"  AND x.resource = f.resource)"

static const char sql_current[] =
    "SELECT " ROW_COLUMNS " FROM findings f"
    " WHERE f.unit_id = ?1 AND f.resolved_at IS NULL"
    " ORDER BY f.policy, f.resource, f.condition";

/* The latest finding of each resource notified or remediated in the
 * window whose risk is gone now. */
static const char sql_history[] =
    "SELECT " ROW_COLUMNS " FROM findings f"
    " WHERE f.unit_id = ?1 AND f.resolved_at IS NOT NULL"
    " AND f.id = (SELECT max(g.id) FROM findings g WHERE g.unit_id ="
    "  f.unit_id AND g.policy = f.policy AND g.resource = f.resource)"
    " AND NOT EXISTS (SELECT 1 FROM findings o WHERE o.unit_id = f.unit_id"
    "  AND o.policy = f.policy AND o.resource = f.resource"
    "  AND o.resolved_at IS NULL)"
    " AND (EXISTS (SELECT 1 FROM notifications n WHERE n.unit_id ="
    "  f.unit_id AND n.policy = f.policy AND n.resource = f.resource"
    "  AND n.time >= ?3)"
    "  OR EXISTS (SELECT 1 FROM remediations r WHERE r.unit_id = f.unit_id"
    "  AND r.policy = f.policy AND r.resource = f.resource AND r.time >= ?3))"
    " ORDER BY f.policy, f.resource";

static cp_err
store_rows(cp_store *st, struct row_ctx *rc, const cp_policy_set *set,
    int history, time_t since, char *why, size_t why_size)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r = CP_OK;
	int rv;

	rv = sqlite3_prepare_v2(cp_store_db(st), history ? sql_history :
	    sql_current, -1, &stmt, NULL);
	if (rv != SQLITE_OK) {
		snprintf(why, why_size, "reading findings: %s",
		    sqlite3_errmsg(cp_store_db(st)));
		return CP_E_STORE;
	}
	sqlite3_bind_int64(stmt, 1, rc->unit->id);
	sqlite3_bind_int64(stmt, 2, rc->env->portal_id);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)since);
	while (r == CP_OK && (rv = sqlite3_step(stmt)) == SQLITE_ROW) {
		const struct cp_policy *p = cp_policy_set_find(set,
		    col_text(stmt, 0));
		struct cp_lc_setting s;

		if (p == NULL)
			continue;	/* its pack was removed */
		r = cp_inspect_setting(st, rc->env->portal_id, p, &s);
		if (r != CP_OK) {
			snprintf(why, why_size, "%s", cp_store_errmsg(st));
			break;
		}
		if (!s.enabled) {
			/* A disabled policy is not watched: its findings are
			 * neither current nor history. */
			cp_lc_setting_clear(&s);
			continue;
		}
		r = finding_row(rc, p, &s, stmt, history,
		    sqlite3_column_int(stmt, 13));
		cp_lc_setting_clear(&s);
	}
	if (r == CP_OK && rv != SQLITE_DONE) {
		snprintf(why, why_size, "reading findings: %s",
		    sqlite3_errmsg(cp_store_db(st)));
		r = CP_E_STORE;
	}
	sqlite3_finalize(stmt);
	return r;
}

/* Failing resources of one evaluation, and its pass/fail counts. */
struct judge {
	json_t *failing;	/* {resource_id: [name, value, condition]} */
	size_t pass, fail, rows;
};

static cp_err
judge_one(void *ud, const struct cp_policy *p,
    const struct cp_policy_result *r)
{
	struct judge *j = ud;

	(void)p;
	j->rows++;
	if (r->status == CP_RESULT_PASS)
		j->pass++;
	else if (r->status == CP_RESULT_FAIL) {
		j->fail++;
		if (j->failing != NULL)
			json_object_set_new(j->failing, r->resource_id != NULL ?
			    r->resource_id : "", json_pack("[s,s,s]",
			    r->resource_name != NULL ? r->resource_name : "",
			    r->value != NULL ? r->value : "",
			    r->condition != NULL ? r->condition : ""));
	}
	return CP_OK;
}

/*
 * Emits the rows the pack's rule fails but the portal's threshold lets
 * pass (R-RSK-2: "no notification: below the threshold set").
 */
static cp_err
below_threshold_rows(struct row_ctx *rc, const struct cp_policy *p,
    const struct cp_lc_setting *s, const json_t *fail_default,
    const json_t *fail_portal)
{
	const struct cp_risk_opts *o = rc->o;
	struct cp_cell cells[NCOLS];
	const char *id;
	char settings[512];
	json_t *v;
	cp_err r;

	settings_text(p, s->params, settings, sizeof(settings));
	json_object_foreach((json_t *)fail_default, id, v) {
		if (json_object_get(fail_portal, id) != NULL)
			continue;
		memset(cells, 0, sizeof(cells));
		cells[COL_SECTION] = cp_cell_text(tr(o, "A. current state",
		    "A. 現在の状態"));
		common_cells(rc, p, cells);
		cells[COL_RESOURCE] = cp_cell_text(id);
		cells[COL_NAME] = cp_cell_text(json_string_value(
		    json_array_get(v, 0)));
		cells[COL_STATUS] = cp_cell_text(tr(o, "below the portal's "
		    "threshold", "個別設定の基準未満"));
		cells[COL_VALUE] = cp_cell_text(json_string_value(
		    json_array_get(v, 1)));
		cells[COL_CONDITION] = cp_cell_text(settings);
		cells[COL_NOTIFIED] = cp_cell_text(tr(o, "below the threshold "
		    "set for immediate notification: not notified",
		    "即時通知に設定した基準に達しないため、通知履歴なし"));
		r = emit(o, rc->rep, cells);
		if (r != CP_OK)
			return r;
	}
	return CP_OK;
}

/* Evaluates the unit's snapshot again: the score and threshold rows. */
static cp_err
judge_unit(cp_store *st, struct row_ctx *rc, const cp_policy_set *set,
    struct cp_risk_score *score, char *why, size_t why_size)
{
	const struct cp_risk_opts *o = rc->o;
	struct cp_engine_opts eo;
	cp_engine *eng = NULL;
	char path[4096];
	size_t i;
	cp_err r;

	if (cp_inspect_snapshot_path(o->state_dir, rc->unit->id, path,
	    sizeof(path)) != CP_OK)
		return CP_E_LIMIT;
	if (access(path, R_OK) != 0)
		return CP_OK;		/* never inspected: no score */
	memset(&eo, 0, sizeof(eo));
	eo.geoip = o->geoip;
	eo.now = o->now;
	eo.log = o->log;
	r = cp_engine_open_as_collected(path, &eo, &eng, why, why_size);
	if (r != CP_OK)
		return r;
	score->scored = 1;
	for (i = 0; i < cp_policy_set_count(set) && r == CP_OK; i++) {
		const struct cp_policy *p = cp_policy_set_at(set, i);
		struct cp_lc_setting s;
		struct judge jp, jd;
		json_t *defaults;
		struct cp_lc_defaults def;

		if (strcmp(p->cloud, rc->env->cloud) != 0)
			continue;
		r = cp_inspect_setting(st, rc->env->portal_id, p, &s);
		if (r != CP_OK)
			break;
		if (!s.enabled) {
			cp_lc_setting_clear(&s);
			continue;
		}
		memset(&jp, 0, sizeof(jp));
		jp.failing = json_object();
		defaults = NULL;
		/* A run that failed hands over rows to disregard: such a
		 * policy is left out of the score and of the comparison. */
		if (cp_engine_run(eng, p, s.params, judge_one, &jp, why,
		    why_size) != CP_OK) {
			cp_log_msg(o->log, CP_LOG_WARNING, "report",
			    "%s/%s: policy %s left out of the score: %s",
			    rc->env->name, rc->unit->unit, p->id, why);
			why[0] = '\0';
		} else {
			if (jp.rows == 0) {
				score->pass++;
				score->no_target++;
			}
			score->pass += jp.pass;
			score->fail += jp.fail;
			/* The pack's own rule, where the portal changed it. */
			if (cp_inspect_defaults(p, &def, &defaults) == CP_OK &&
			    !json_equal(defaults, s.params)) {
				memset(&jd, 0, sizeof(jd));
				jd.failing = json_object();
				if (cp_engine_run(eng, p, defaults, judge_one,
				    &jd, why, why_size) == CP_OK)
					r = below_threshold_rows(rc, p, &s,
					    jd.failing, jp.failing);
				why[0] = '\0';
				json_decref(jd.failing);
			}
		}
		json_decref(defaults);
		json_decref(jp.failing);
		cp_lc_setting_clear(&s);
	}
	cp_engine_close(eng);
	return r;
}

cp_err
cp_report_risk_unit(cp_store *st, const struct cp_portal *portal,
    const struct cp_env *env, const struct cp_unit *unit,
    const cp_policy_set *set, const struct cp_risk_opts *o, cp_report *rep,
    struct cp_risk_score *score, char *why, size_t why_size)
{
	struct row_ctx rc;
	time_t now = o->now != 0 ? o->now : time(NULL);
	unsigned days = o->days != 0 ? o->days : 30;
	cp_err r;

	(void)portal;
	rc.o = o;
	rc.env = env;
	rc.unit = unit;
	rc.rep = rep;
	r = store_rows(st, &rc, set, 0, 0, why, why_size);
	if (r == CP_OK)
		r = judge_unit(st, &rc, set, score, why, why_size);
	if (r == CP_OK && o->variant == 'B')
		r = store_rows(st, &rc, set, 1, now - (time_t)days * 86400,
		    why, why_size);
	return r;
}

cp_err
rrun_risk(struct rrun *x, int variant)
{
	const struct cp_report_job *j = x->j;
	struct cp_risk_opts o;
	const char *en = variant == 'B' ? "Risk diagnosis B" :
	    "Risk diagnosis A";
	const char *ja = variant == 'B' ? "リスク診断 B" : "リスク診断 A";
	size_t i;
	cp_err r;

	memset(&o, 0, sizeof(o));
	o.variant = variant;
	o.lang = j->lang;
	o.now = j->now;
	o.state_dir = j->state_dir;
	o.geoip = j->geoip;
	o.log = j->log;
	r = cp_report_table(x->rep, cp_report_risk_table(variant));
	for (i = 0; r == CP_OK && i < x->n_units; i++) {
		struct cp_risk_score score;

		memset(&score, 0, sizeof(score));
		r = cp_report_risk_unit(j->store, j->portal,
		    &x->units[i].env, &x->units[i].unit, j->policies, &o,
		    x->rep, &score, x->why, x->why_size);
		if (r == CP_OK)
			r = rrun_score(x, en, ja, &x->units[i], score.pass,
			    score.fail, score.no_target, score.scored);
		rrun_step(x);
	}
	return r;
}
