/*
 * asm.c - the ASM report (R-ASM-5): latest observations per target,
 * address and port, joined with the vulnerability cache (see asm.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "asm/asm.h"
#include "asm/vuln.h"
#include "report/asm.h"
#include "report/run_priv.h"
#include "store/store_priv.h"

enum {
	C_TARGET, C_ADDRESS, C_PORT, C_SERVICE, C_BANNER, C_HTTP_STATUS,
	C_HTTP_SERVER, C_HTTP_TITLE, C_TLS_PROTO, C_TLS_SUBJECT, C_TLS_ISSUER,
	C_TLS_EXPIRY, C_TLS_FLAGS, C_CPE, C_CVE, C_CVSS, C_SEVERITY, C_EPSS,
	C_KEV, C_JVN_ID, C_JVN_TITLE, C_NOTE, C_SEEN, NCOLS
};

static const struct cp_report_col cols[NCOLS] = {
	{ "Target", "対象", CP_COL_TEXT, 22 },
	{ "Address", "アドレス", CP_COL_TEXT, 16 },
	{ "Port", "ポート", CP_COL_INTEGER, 6 },
	{ "Service", "サービス", CP_COL_TEXT, 8 },
	{ "Banner", "バナー", CP_COL_TEXT, 30 },
	{ "HTTP status", "HTTP ステータス", CP_COL_INTEGER, 8 },
	{ "HTTP server", "HTTP サーバー", CP_COL_TEXT, 20 },
	{ "HTTP title", "HTTP タイトル", CP_COL_TEXT, 24 },
	{ "TLS protocol", "TLS プロトコル", CP_COL_TEXT, 9 },
	{ "TLS subject", "TLS サブジェクト", CP_COL_TEXT, 28 },
	{ "TLS issuer", "TLS 発行者", CP_COL_TEXT, 28 },
	{ "TLS expires (UTC)", "TLS 有効期限 (UTC)", CP_COL_TEXT, 19 },
	{ "TLS flags", "TLS の問題", CP_COL_TEXT, 20 },
	{ "CPE", "CPE", CP_COL_TEXT, 40 },
	{ "CVE", "CVE", CP_COL_TEXT, 16 },
	{ "CVSS", "CVSS", CP_COL_DECIMAL, 6 },
	{ "Severity", "深刻度", CP_COL_TEXT, 9 },
	{ "EPSS", "EPSS", CP_COL_PERCENT, 8 },
	{ "KEV", "KEV", CP_COL_TEXT, 5 },
	{ "JVN ID", "JVN ID", CP_COL_TEXT, 20 },
	{ "JVN title", "JVN タイトル", CP_COL_TEXT, 40 },
	{ "Note", "備考", CP_COL_TEXT, 30 },
	{ "Observed (UTC)", "観測日時 (UTC)", CP_COL_TEXT, 19 }
};

static const struct cp_report_table table = {
	"ASM", "ASM", cols, NCOLS
};

const struct cp_report_table *
cp_report_asm_table(void)
{
	return &table;
}

struct actx {
	cp_store *st;
	cp_vuln *v;
	cp_report *rep;
	int ja;
	size_t rows;
	char *why;
	size_t why_size;
};

static const char *
tr(const struct actx *a, const char *en, const char *ja)
{
	return a->ja ? ja : en;
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* "2025-01-02T03:04:05Z" as "2025-01-02 03:04:05". */
static const char *
iso_time(const char *s, char *buf, size_t n)
{
	size_t i;

	if (s == NULL)
		return NULL;
	snprintf(buf, n, "%s", s);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == 'T')
			buf[i] = ' ';
	if (i > 0 && buf[i - 1] == 'Z')
		buf[i - 1] = '\0';
	return buf;
}

static const char *
tls_flags(const struct actx *a, const json_t *tls, char *buf, size_t n)
{
	static const struct {
		const char *key, *en, *ja;
	} f[] = {
		{ "self_signed", "self-signed", "自己署名" },
		{ "expired", "expired", "期限切れ" },
		{ "name_mismatch", "name mismatch", "名前の不一致" }
	};
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (json_is_true(json_object_get(tls, f[i].key)) && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s",
			    len > 0 ? ", " : "", tr(a, f[i].en, f[i].ja));
	return tls != NULL ? buf : NULL;
}

/* The cells every row of one observation shares. */
struct obs {
	const char *target, *address, *service, *banner, *seen;
	long long port;
	json_t *http, *tls, *cpe;
	char expiry[32], flags[128];
};

static cp_err
emit(struct actx *a, const struct obs *o, const char *cpe,
    const struct cp_vuln_match *m, const char *note)
{
	struct cp_cell c[NCOLS];
	const json_t *status = json_object_get(o->http, "status");
	size_t i;
	cp_err r;

	for (i = 0; i < NCOLS; i++)
		c[i] = cp_cell_null();
	c[C_TARGET] = cp_cell_text(o->target);
	c[C_ADDRESS] = cp_cell_text(o->address);
	if (o->port > 0)
		c[C_PORT] = cp_cell_int(o->port);
	c[C_SERVICE] = cp_cell_text(o->service);
	c[C_BANNER] = cp_cell_text(o->banner);
	if (json_is_integer(status))
		c[C_HTTP_STATUS] = cp_cell_int(json_integer_value(status));
	c[C_HTTP_SERVER] = cp_cell_text(jstr(o->http, "server"));
	c[C_HTTP_TITLE] = cp_cell_text(jstr(o->http, "title"));
	c[C_TLS_PROTO] = cp_cell_text(jstr(o->tls, "protocol"));
	c[C_TLS_SUBJECT] = cp_cell_text(jstr(o->tls, "subject"));
	c[C_TLS_ISSUER] = cp_cell_text(jstr(o->tls, "issuer"));
	c[C_TLS_EXPIRY] = cp_cell_text(o->expiry[0] != '\0' ? o->expiry :
	    NULL);
	c[C_TLS_FLAGS] = cp_cell_text(o->tls != NULL ? o->flags : NULL);
	c[C_CPE] = cp_cell_text(cpe);
	if (m != NULL) {
		c[C_CVE] = cp_cell_text(m->cve);
		if (m->cvss >= 0)
			c[C_CVSS] = cp_cell_real(m->cvss);
		c[C_SEVERITY] = cp_cell_text(m->severity[0] != '\0' ?
		    m->severity : NULL);
		if (m->epss >= 0)
			c[C_EPSS] = cp_cell_real(m->epss);
		c[C_KEV] = cp_cell_text(m->kev ? tr(a, "yes", "はい") :
		    tr(a, "no", "いいえ"));
		c[C_JVN_ID] = cp_cell_text(m->jvn_id[0] != '\0' ? m->jvn_id :
		    NULL);
		c[C_JVN_TITLE] = cp_cell_text(m->jvn_title[0] != '\0' ?
		    m->jvn_title : NULL);
	}
	c[C_NOTE] = cp_cell_text(note);
	c[C_SEEN] = cp_cell_text(o->seen);
	r = cp_report_row(a->rep, c, NCOLS);
	if (r == CP_OK)
		a->rows++;
	else
		snprintf(a->why, a->why_size, "writing the ASM report: %s",
		    cp_strerror(r));
	return r;
}

/* The rows of one CPE of an observation. */
static cp_err
cpe_rows(struct actx *a, const struct obs *o, const char *cpe)
{
	struct cp_vuln_result *res = NULL;
	const char *note;
	size_t i;
	cp_err r;

	if (cp_vuln_versionless(cpe))
		return emit(a, o, cpe, NULL, tr(a, "version not disclosed: "
		    "CVEs not matched", "バージョン不明のため CVE を照合して"
		    "いません"));
	r = cp_vuln_lookup(a->v, cpe, CP_VULN_OFFLINE, &res);
	if (r == CP_E_INVALID)
		return emit(a, o, cpe, NULL, tr(a, "not a valid CPE name",
		    "CPE 名として正しくありません"));
	if (r != CP_OK) {
		snprintf(a->why, a->why_size, "looking up %s: %s", cpe,
		    cp_vuln_errmsg(a->v));
		return r;
	}
	for (i = 0; r == CP_OK && i < res->n; i++)
		r = emit(a, o, cpe, &res->matches[i], NULL);
	if (r == CP_OK && res->n == 0) {
		note = res->age[CP_VULN_NVD] < 0 ?
		    tr(a, "no vulnerability data cached for this product "
		    "(cloudpatrol vuln refresh, or vuln import)",
		    "この製品の脆弱性情報がキャッシュにありません "
		    "(cloudpatrol vuln refresh または vuln import)") :
		    tr(a, "no known CVE in the cache",
		    "キャッシュに既知の CVE はありません");
		r = emit(a, o, cpe, NULL, note);
	}
	cp_vuln_result_free(res);
	return r;
}

static json_t *
col_json(sqlite3_stmt *stmt, int i)
{
	const char *s = (const char *)sqlite3_column_text(stmt, i);

	return s != NULL ? json_loads(s, 0, NULL) : NULL;
}

static const char *
col_str(sqlite3_stmt *stmt, int i)
{
	return (const char *)sqlite3_column_text(stmt, i);
}

static cp_err
observation_rows(struct actx *a, sqlite3_stmt *stmt)
{
	struct obs o;
	size_t i, n_cpe = 0;
	cp_err r = CP_OK;

	memset(&o, 0, sizeof(o));
	o.target = col_str(stmt, 0);
	o.address = col_str(stmt, 1);
	o.port = sqlite3_column_int64(stmt, 2);
	o.service = col_str(stmt, 3);
	o.banner = col_str(stmt, 4);
	o.http = col_json(stmt, 5);
	o.tls = col_json(stmt, 6);
	o.cpe = col_json(stmt, 7);
	o.seen = col_str(stmt, 8);
	iso_time(jstr(o.tls, "not_after"), o.expiry, sizeof(o.expiry));
	tls_flags(a, o.tls, o.flags, sizeof(o.flags));
	for (i = 0; r == CP_OK && i < json_array_size(o.cpe); i++) {
		const char *cpe = json_string_value(json_array_get(o.cpe, i));

		if (cpe == NULL)
			continue;
		n_cpe++;
		r = cpe_rows(a, &o, cpe);
	}
	if (r == CP_OK && n_cpe == 0)
		r = emit(a, &o, NULL, NULL, tr(a, "no product identified "
		    "(no CPE)", "製品を特定できませんでした (CPE なし)"));
	json_decref(o.http);
	json_decref(o.tls);
	json_decref(o.cpe);
	return r;
}

/* Targets registered but never seen open: one row each. */
struct unseen {
	struct actx *a;
	const char *only;
	int64_t portal_id;
	cp_err r;
};

static cp_err
unseen_target(void *ud, const char *text, const char *kind,
    const char *created)
{
	struct unseen *u = ud;
	sqlite3_stmt *stmt = NULL;
	struct obs o;
	int seen = 0;
	cp_err r;

	(void)kind;
	(void)created;
	if (u->only != NULL && strcmp(u->only, text) != 0)
		return CP_OK;
	r = cp_store_prepare(u->a->st, "SELECT 1 FROM asm_observations "
	    "WHERE portal_id = ?1 AND target = ?2 LIMIT 1", &stmt,
	    "reading the observations");
	if (r != CP_OK)
		return r;
	sqlite3_bind_int64(stmt, 1, u->portal_id);
	sqlite3_bind_text(stmt, 2, text, -1, SQLITE_TRANSIENT);
	seen = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	if (seen)
		return CP_OK;
	memset(&o, 0, sizeof(o));
	o.target = text;
	return emit(u->a, &o, NULL, NULL, tr(u->a, "no open port observed "
	    "(not scanned yet, or nothing open)", "開いているポートは観測されて"
	    "いません (未スキャン、または開いているポートなし)"));
}

cp_err
cp_report_asm_any(cp_store *st, int64_t portal_id, int *yes)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;

	*yes = 0;
	r = cp_store_prepare(st, "SELECT 1 FROM asm_observations WHERE "
	    "portal_id = ?1 LIMIT 1", &stmt, "reading the observations");
	if (r != CP_OK)
		return r;
	sqlite3_bind_int64(stmt, 1, portal_id);
	*yes = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return CP_OK;
}

cp_err
cp_report_asm_rows(cp_store *st, int64_t portal_id, const char *target,
    const char *state_dir, const char *lang, cp_report *rep, size_t *rows,
    char *why, size_t why_size)
{
	struct cp_vuln_settings s;
	struct cp_asm_target t;
	struct actx a;
	struct unseen u;
	cp_asm_derived_set *derived = NULL;
	sqlite3_stmt *stmt = NULL;
	int rc, yes = 0;
	size_t i;
	cp_err r;

	*rows = 0;
	memset(&a, 0, sizeof(a));
	a.st = st;
	a.rep = rep;
	a.ja = lang != NULL && strcmp(lang, "ja") == 0;
	a.why = why;
	a.why_size = why_size;
	if (target != NULL) {
		r = cp_asm_target_parse(target, &t, why, why_size);
		if (r != CP_OK)
			return r;
		r = cp_asm_target_known(st, portal_id, state_dir, lang, &t,
		    &derived, &yes, why, why_size);
		if (r != CP_OK) {
			cp_asm_derived_destroy(derived);
			return r;
		}
		if (!yes) {
			cp_asm_derived_destroy(derived);
			snprintf(why, why_size, "'%s' is not a target of the "
			    "portal (cloudpatrol asm target list)", t.text);
			return CP_E_NOTFOUND;
		}
		target = t.text;
	} else if (state_dir != NULL) {
		r = cp_asm_derived_load(st, portal_id, state_dir, lang,
		    &derived, why, why_size);
		if (r != CP_OK)
			return r;
	}
	/* Offline: the settings only need to be valid, no URL is used. */
	memset(&s, 0, sizeof(s));
	s.nvd_window = 30;
	s.nvd_page_size = 500;
	r = cp_vuln_create(st, NULL, &s, &a.v);
	if (r != CP_OK) {
		cp_asm_derived_destroy(derived);
		snprintf(why, why_size, "the vulnerability cache: %s",
		    cp_strerror(r));
		return r;
	}
	/* The latest observation of each (target, address, port). */
	r = cp_store_prepare(st, "SELECT o.target, o.address, o.port, "
	    "o.service, o.banner, o.http, o.tls, o.cpe, o.seen "
	    "FROM asm_observations o WHERE o.portal_id = ?1 "
	    "AND (?2 IS NULL OR o.target = ?2) AND o.id = (SELECT max(p.id) "
	    "FROM asm_observations p WHERE p.portal_id = o.portal_id AND "
	    "p.target = o.target AND p.address = o.address AND "
	    "p.port = o.port) ORDER BY o.target, o.address, o.port", &stmt,
	    "reading the observations");
	if (r == CP_OK) {
		sqlite3_bind_int64(stmt, 1, portal_id);
		if (target != NULL)
			sqlite3_bind_text(stmt, 2, target, -1,
			    SQLITE_TRANSIENT);
		while (r == CP_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
			r = observation_rows(&a, stmt);
		if (r == CP_OK && rc != SQLITE_DONE)
			r = cp_store_sqlfail(st, rc,
			    "reading the observations");
		sqlite3_finalize(stmt);
	}
	if (r == CP_OK) {
		memset(&u, 0, sizeof(u));
		u.a = &a;
		u.only = target;
		u.portal_id = portal_id;
		r = cp_asm_target_list(st, portal_id, unseen_target, &u);
	}
	/* The derived targets not scanned yet (an added one is above). */
	for (i = 0; r == CP_OK && i < cp_asm_derived_count(derived); i++) {
		const struct cp_asm_derived *x = cp_asm_derived_at(derived, i);

		if (x->excluded)
			continue;
		r = cp_asm_target_registered(st, portal_id, &x->t, &yes);
		if (r == CP_OK && !yes)
			r = unseen_target(&u, x->t.text, NULL, NULL);
	}
	if (r != CP_OK && why[0] == '\0')
		snprintf(why, why_size, "the ASM report: %s",
		    cp_store_errmsg(st));
	cp_vuln_destroy(a.v);
	cp_asm_derived_destroy(derived);
	*rows = a.rows;
	return r;
}

cp_err
rrun_asm(struct rrun *x)
{
	const struct cp_report_job *j = x->j;
	size_t rows = 0;
	cp_err r;

	r = cp_report_table(x->rep, &table);
	if (r == CP_OK)
		r = cp_report_asm_rows(j->store, j->portal->id, j->target,
		    j->state_dir, j->lang, x->rep, &rows, x->why,
		    x->why_size);
	return r;
}
