/*
 * vuln.c - the vulnerability intelligence cache: imports, online
 * refreshes through the core's HTTP client, and lookups by CPE name (see
 * vuln.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>
#include <zlib.h>

#include "asm/vuln.h"
#include "asm/vuln_feed.h"
#include "asm/vuln_match.h"
#include "net/url.h"

/* Bounds of one lookup. */
#define VULN_MAX_CVES 100000	/* CVEs of one product looked at */
#define VULN_MAX_PAGES 200	/* pages of one refresh (NVD, MyJVN) */
#define VULN_MAX_REFRESH_BYTES (256u * 1024 * 1024)	/* their bytes */
#define VULN_EPSS_BATCH 100	/* CVE ids per EPSS request (URL < 2000) */
#define VULN_THROTTLE_TRIES 3

struct cp_vuln {
	cp_store *st;
	cp_http *http;
	struct cp_vuln_settings s;
	time_t (*now)(void *);
	void *now_ud;
	int limits_set;
	char errmsg[1024];
};

static const char *const source_names[] = { "nvd", "epss", "kev", "jvn" };

const char *
cp_vuln_source_name(enum cp_vuln_source s)
{
	return (unsigned)s < CP_VULN_NSOURCES ? source_names[s] : "?";
}

int
cp_vuln_source_parse(const char *name)
{
	int i;

	for (i = 0; i < CP_VULN_NSOURCES; i++)
		if (name != NULL && strcmp(name, source_names[i]) == 0)
			return i;
	return -1;
}

static cp_err
fail(cp_vuln *v, cp_err r, const char *fmt, ...) CP_FMT(3, 4);

static cp_err
fail(cp_vuln *v, cp_err r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->errmsg, sizeof(v->errmsg), fmt, ap);
	va_end(ap);
	return r;
}

/* Every failure says something: what the step that failed did not name
 * (memory, the store) is named here. */
static cp_err
said(cp_vuln *v, cp_err r)
{
	if (r != CP_OK && v->errmsg[0] == '\0')
		fail(v, r, "%s", r == CP_E_STORE ? cp_store_errmsg(v->st) :
		    cp_strerror(r));
	return r;
}

static time_t
now_of(cp_vuln *v)
{
	return v->now != NULL ? v->now(v->now_ud) : time(NULL);
}

static sqlite3 *
db_of(cp_vuln *v)
{
	return cp_store_db(v->st);
}

static cp_err
sqlfail(cp_vuln *v, const char *what)
{
	return fail(v, CP_E_STORE, "vulnerability cache: %s: %s", what,
	    sqlite3_errmsg(db_of(v)));
}

static cp_err
prep(cp_vuln *v, const char *sql, sqlite3_stmt **stmt)
{
	if (sqlite3_prepare_v2(db_of(v), sql, -1, stmt, NULL) != SQLITE_OK)
		return sqlfail(v, "preparing a statement");
	return CP_OK;
}

/* ---- settings -------------------------------------------------------- */

static const char *const defaults_url[] = {
	"https://services.nvd.nist.gov/rest/json/cves/2.0",
	"https://api.first.org/data/v1/epss",
	"https://www.cisa.gov/sites/default/files/feeds/"
	    "known_exploited_vulnerabilities.json",
	"https://jvndb.jvn.jp/myjvn",
};

/* "90", "90s", "30m", "24h", "7d" as seconds; -1 when malformed. */
static long
parse_age(const char *s)
{
	char num[32];
	size_t n = strlen(s);
	long long x, mul = 1;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 's': mul = 1; num[n - 1] = '\0'; break;
	case 'm': mul = 60; num[n - 1] = '\0'; break;
	case 'h': mul = 3600; num[n - 1] = '\0'; break;
	case 'd': mul = 86400; num[n - 1] = '\0'; break;
	default: break;
	}
	if (cp_parse_ll(num, 0, 3650LL * 86400 / mul, &x) != CP_OK)
		return -1;
	return (long)(x * mul);
}

cp_err
cp_vuln_settings_from_config(const struct cp_config *cfg,
    struct cp_vuln_settings *out, char **key, struct cp_diag *diag)
{
	const char *file = cfg->path != NULL ? cfg->path : "(defaults)";
	size_t i, errors = diag->errors;
	int src;

	memset(out, 0, sizeof(*out));
	*key = NULL;
	for (i = 0; i < CP_VULN_NSOURCES; i++)
		(&out->nvd_url)[i] = defaults_url[i];
	out->jvn_lang = "ja";
	out->max_age[CP_VULN_NVD] = 7 * 86400;
	out->max_age[CP_VULN_EPSS] = 86400;
	out->max_age[CP_VULN_KEV] = 86400;
	out->max_age[CP_VULN_JVN] = 7 * 86400;
	out->nvd_window = 30;
	out->nvd_page_size = 500;
	out->online = 1;
	for (i = 0; i < cfg->n_vuln; i++) {
		const struct cp_config_entry *e = &cfg->vuln[i];
		const char *k = e->key, *val = e->value;
		char name[32];
		long long n;

		if (strlen(k) > 4 && strcmp(k + strlen(k) - 4, "_url") == 0 &&
		    strlen(k) < sizeof(name)) {
			memcpy(name, k, strlen(k) - 4);
			name[strlen(k) - 4] = '\0';
			src = cp_vuln_source_parse(name);
			if (src >= 0) {
				struct cp_http_target t;
				char why[256];

				if (cp_http_target_parse(val, &t, why,
				    sizeof(why)) != CP_OK)
					cp_diag_error(diag, file, e->line,
					    "[vuln] %s: %s", k, why);
				(&out->nvd_url)[src] = val;
				continue;
			}
		}
		if (strlen(k) > 8 && strcmp(k + strlen(k) - 8, "_max_age") == 0 &&
		    strlen(k) < sizeof(name)) {
			memcpy(name, k, strlen(k) - 8);
			name[strlen(k) - 8] = '\0';
			src = cp_vuln_source_parse(name);
			if (src >= 0) {
				out->max_age[src] = parse_age(val);
				if (out->max_age[src] < 0)
					cp_diag_error(diag, file, e->line,
					    "[vuln] %s = %s: expected a duration "
					    "such as 3600, 30m, 24h or 7d", k,
					    val);
				continue;
			}
		}
		if (strcmp(k, "online") == 0) {
			if (cp_parse_bool(val, &out->online) != CP_OK)
				cp_diag_error(diag, file, e->line,
				    "[vuln] online = %s: expected yes or no",
				    val);
		} else if (strcmp(k, "jvn_lang") == 0) {
			if (strcmp(val, "ja") != 0 && strcmp(val, "en") != 0)
				cp_diag_error(diag, file, e->line,
				    "[vuln] jvn_lang = %s: expected ja or en",
				    val);
			out->jvn_lang = val;
		} else if (strcmp(k, "nvd_window") == 0) {
			char *end;
			double w = strtod(val, &end);

			if (end == val || *end != '\0' || !(w >= 0.001) ||
			    w > 3600)
				cp_diag_error(diag, file, e->line,
				    "[vuln] nvd_window = %s: expected seconds "
				    "(0.001 to 3600)", val);
			else
				out->nvd_window = w;
		} else if (strcmp(k, "nvd_page_size") == 0) {
			if (cp_parse_ll(val, 1, 2000, &n) != CP_OK)
				cp_diag_error(diag, file, e->line,
				    "[vuln] nvd_page_size = %s: expected 1 to "
				    "2000", val);
			else
				out->nvd_page_size = (unsigned)n;
		} else if (strcmp(k, "nvd_api_key_file") == 0) {
			char *buf = NULL, why[256];
			size_t len;

			if (cp_secret_read_file(val, 256, &buf, &len, why,
			    sizeof(why)) != CP_OK) {
				cp_diag_error(diag, file, e->line,
				    "[vuln] nvd_api_key_file: %s", why);
				continue;
			}
			cp_strtrim(buf);
			if (!cp_str_only(buf, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")) {
				cp_diag_error(diag, file, e->line,
				    "[vuln] nvd_api_key_file: the key may hold "
				    "only letters, digits and '-'");
				cp_memwipe(buf, len);
				free(buf);
				continue;
			}
			if (*key != NULL) {
				cp_memwipe(*key, strlen(*key));
				free(*key);
			}
			*key = buf;
			out->nvd_api_key = buf;
		} else
			cp_diag_error(diag, file, e->line,
			    "[vuln] unknown key '%s' (known: online, "
			    "nvd_url, epss_url, kev_url, jvn_url, "
			    "nvd_api_key_file, nvd_window, nvd_page_size, "
			    "jvn_lang, nvd_max_age, epss_max_age, "
			    "kev_max_age, jvn_max_age)", k);
	}
	return diag->errors > errors ? CP_E_CONFIG : CP_OK;
}

/* ---- the handle ------------------------------------------------------ */

cp_err
cp_vuln_create(cp_store *st, cp_http *http, const struct cp_vuln_settings *s,
    cp_vuln **out)
{
	cp_vuln *v;

	*out = NULL;
	if (st == NULL || s == NULL || s->nvd_window <= 0 ||
	    s->nvd_page_size == 0 || s->nvd_page_size > 2000)
		return CP_E_INVALID;
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return CP_E_NOMEM;
	v->st = st;
	v->http = http;
	v->s = *s;
	*out = v;
	return CP_OK;
}

void
cp_vuln_destroy(cp_vuln *v)
{
	free(v);
}

void
cp_vuln_set_clock(cp_vuln *v, time_t (*now)(void *ud), void *ud)
{
	v->now = now;
	v->now_ud = ud;
}

const char *
cp_vuln_errmsg(const cp_vuln *v)
{
	return v != NULL && v->errmsg[0] != '\0' ? v->errmsg : "no error";
}

/* ---- cache writes ---------------------------------------------------- */

struct writer {
	cp_vuln *v;
	sqlite3_stmt *cve, *unlink, *link, *query, *epss, *kev, *jvn,
	    *jvn_unlink, *jvn_link;
	time_t now;
	size_t items;
	int mark_queries;	/* NVD import: products count as refreshed */
};

static void
writer_free(struct writer *w)
{
	sqlite3_finalize(w->cve);
	sqlite3_finalize(w->unlink);
	sqlite3_finalize(w->link);
	sqlite3_finalize(w->query);
	sqlite3_finalize(w->epss);
	sqlite3_finalize(w->kev);
	sqlite3_finalize(w->jvn);
	sqlite3_finalize(w->jvn_unlink);
	sqlite3_finalize(w->jvn_link);
}

static cp_err
writer_init(struct writer *w, cp_vuln *v)
{
	cp_err r;

	memset(w, 0, sizeof(*w));
	w->v = v;
	w->now = now_of(v);
	r = prep(v, "INSERT INTO vuln_cve (cve_id, status, published, "
	    "modified, cvss, severity, cvss_source, cvss_vector, "
	    "description, configurations, fetched) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
	    "ON CONFLICT (cve_id) DO UPDATE SET status = ?2, published = ?3, "
	    "modified = ?4, cvss = ?5, severity = ?6, cvss_source = ?7, "
	    "cvss_vector = ?8, description = ?9, configurations = ?10, "
	    "fetched = ?11", &w->cve);
	if (r == CP_OK)
		r = prep(v, "DELETE FROM vuln_cve_product WHERE cve_id = ?",
		    &w->unlink);
	if (r == CP_OK)
		r = prep(v, "INSERT OR IGNORE INTO vuln_cve_product (vendor, "
		    "product, cve_id) VALUES (?, ?, ?)", &w->link);
	if (r == CP_OK)
		r = prep(v, "INSERT INTO vuln_query (source, key, fetched, "
		    "items) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (source, key) "
		    "DO UPDATE SET fetched = ?3, items = ?4", &w->query);
	if (r == CP_OK)
		r = prep(v, "INSERT INTO vuln_epss (cve_id, epss, percentile, "
		    "score_date, fetched) VALUES (?1, ?2, ?3, ?4, ?5) "
		    "ON CONFLICT (cve_id) DO UPDATE SET epss = ?2, "
		    "percentile = ?3, score_date = ?4, fetched = ?5", &w->epss);
	if (r == CP_OK)
		r = prep(v, "INSERT OR REPLACE INTO vuln_kev (cve_id, "
		    "date_added, vendor, product, name, due_date, ransomware) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?)", &w->kev);
	if (r == CP_OK)
		r = prep(v, "INSERT INTO vuln_jvn (jvn_id, title, link, cvss, "
		    "severity, published, modified, fetched) VALUES "
		    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (jvn_id) DO "
		    "UPDATE SET title = ?2, link = ?3, cvss = ?4, "
		    "severity = ?5, published = ?6, modified = ?7, "
		    "fetched = ?8", &w->jvn);
	if (r == CP_OK)
		r = prep(v, "DELETE FROM vuln_jvn_cve WHERE jvn_id = ?",
		    &w->jvn_unlink);
	if (r == CP_OK)
		r = prep(v, "INSERT OR IGNORE INTO vuln_jvn_cve (cve_id, "
		    "jvn_id) VALUES (?, ?)", &w->jvn_link);
	if (r != CP_OK)
		writer_free(w);
	return r;
}

static cp_err
step(struct writer *w, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return sqlfail(w->v, what);
	return CP_OK;
}

static void
bind_score(sqlite3_stmt *s, int i, double d)
{
	if (d < 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_double(s, i, d);
}

static cp_err
mark_query(struct writer *w, const char *src, const char *key,
    long long items)
{
	sqlite3_bind_text(w->query, 1, src, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->query, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(w->query, 3, (sqlite3_int64)w->now);
	sqlite3_bind_int64(w->query, 4, items);
	return step(w, w->query, "recording a query");
}

/* The vendor:product keys of the vulnerable criteria of a record. */
static cp_err
link_products(struct writer *w, const char *id, const json_t *cfgs)
{
	const json_t *cfg, *node, *e;
	size_t i, j, k, budget = CP_VULN_MATCH_MAX_ENTRIES;
	struct cp_cpe c;
	char why[128], key[2 * CP_CPE_FIELD_MAX + 2];
	cp_err r;

	sqlite3_bind_text(w->unlink, 1, id, -1, SQLITE_STATIC);
	r = step(w, w->unlink, "unlinking a CVE");
	json_array_foreach(cfgs, i, cfg)
	json_array_foreach(json_object_get(cfg, "nodes"), j, node)
	json_array_foreach(json_object_get(node, "cpeMatch"), k, e) {
		if (r != CP_OK || budget-- == 0)
			return r;
		if (!json_is_true(json_object_get(e, "vulnerable")) ||
		    cp_cpe_parse(json_string_value(json_object_get(e,
		    "criteria")), &c, why, sizeof(why)) != CP_OK)
			continue;
		sqlite3_bind_text(w->link, 1, c.f[CP_CPE_VENDOR], -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(w->link, 2, c.f[CP_CPE_PRODUCT], -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(w->link, 3, id, -1, SQLITE_STATIC);
		r = step(w, w->link, "linking a CVE to its product");
		if (r == CP_OK && w->mark_queries) {
			snprintf(key, sizeof(key), "%s:%s", c.f[CP_CPE_VENDOR],
			    c.f[CP_CPE_PRODUCT]);
			r = mark_query(w, "nvd", key, 0);
		}
	}
	return r;
}

static cp_err
put_cve(void *ud, const struct cp_nvd_cve *c)
{
	struct writer *w = ud;
	sqlite3_stmt *s = w->cve;
	char *cfg;
	cp_err r;

	cfg = c->configurations != NULL ? json_dumps(c->configurations,
	    JSON_COMPACT) : strdup("[]");
	if (cfg == NULL)
		return CP_E_NOMEM;
	sqlite3_bind_text(s, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, c->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, c->published, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, c->modified, -1, SQLITE_STATIC);
	bind_score(s, 5, c->cvss);
	sqlite3_bind_text(s, 6, c->severity, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, c->cvss_source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, c->cvss_vector, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, c->description, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, cfg, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 11, (sqlite3_int64)w->now);
	r = step(w, s, "storing a CVE");
	free(cfg);
	if (r == CP_OK)
		r = link_products(w, c->id, c->configurations);
	if (r == CP_OK)
		w->items++;
	return r;
}

static cp_err
put_epss(void *ud, const struct cp_epss *e)
{
	struct writer *w = ud;
	sqlite3_stmt *s = w->epss;

	sqlite3_bind_text(s, 1, e->cve, -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 2, e->epss);
	sqlite3_bind_double(s, 3, e->percentile);
	sqlite3_bind_text(s, 4, e->date, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)w->now);
	w->items++;
	return step(w, s, "storing an EPSS score");
}

static cp_err
put_kev(void *ud, const struct cp_kev *k)
{
	struct writer *w = ud;
	sqlite3_stmt *s = w->kev;

	sqlite3_bind_text(s, 1, k->cve, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, k->date_added, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, k->vendor, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, k->product, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, k->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, k->due_date, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, k->ransomware, -1, SQLITE_STATIC);
	w->items++;
	return step(w, s, "storing a KEV entry");
}

static cp_err
put_jvn(void *ud, const struct cp_jvn *j)
{
	struct writer *w = ud;
	sqlite3_stmt *s = w->jvn;
	size_t i;
	cp_err r;

	sqlite3_bind_text(s, 1, j->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, j->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, j->link, -1, SQLITE_STATIC);
	bind_score(s, 4, j->cvss);
	sqlite3_bind_text(s, 5, j->severity, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, j->issued, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, j->modified, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)w->now);
	r = step(w, s, "storing a JVN entry");
	if (r == CP_OK) {
		sqlite3_bind_text(w->jvn_unlink, 1, j->id, -1, SQLITE_STATIC);
		r = step(w, w->jvn_unlink, "unlinking a JVN entry");
	}
	for (i = 0; i < j->n_cves && r == CP_OK; i++) {
		sqlite3_bind_text(w->jvn_link, 1, j->cves[i], -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(w->jvn_link, 2, j->id, -1, SQLITE_STATIC);
		r = step(w, w->jvn_link, "linking a JVN entry to a CVE");
	}
	if (r == CP_OK)
		w->items++;
	return r;
}

/* Records that source src was updated from origin. */
static cp_err
mark_source(struct writer *w, enum cp_vuln_source src, const char *origin,
    const char *detail)
{
	sqlite3_stmt *s = NULL;
	cp_err r;

	r = prep(w->v, "INSERT INTO vuln_source (source, updated, origin, "
	    "items, detail) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (source) "
	    "DO UPDATE SET updated = ?2, origin = ?3, items = ?4, "
	    "detail = ?5", &s);
	if (r != CP_OK)
		return r;
	sqlite3_bind_text(s, 1, source_names[src], -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)w->now);
	sqlite3_bind_text(s, 3, origin, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)w->items);
	sqlite3_bind_text(s, 5, detail != NULL ? detail : "", -1,
	    SQLITE_TRANSIENT);
	r = step(w, s, "recording a source");
	sqlite3_finalize(s);
	return r;
}

/*
 * Parses body (a document of source src) into the cache through w, in the
 * transaction the caller opened.  why gets a parse error.
 */
static cp_err
load_body(struct writer *w, enum cp_vuln_source src, const char *body,
    size_t len, int csv, struct cp_nvd_page *page, struct cp_jvn_status *js,
    char *detail, size_t detail_size, char *why, size_t why_size)
{
	struct cp_nvd_page pg;
	struct cp_jvn_status jst;
	json_t *doc = NULL;
	cp_err r;

	if (src == CP_VULN_JVN)
		return cp_vuln_parse_jvn(body, len, put_jvn, w,
		    js != NULL ? js : &jst, why, why_size);
	if (src == CP_VULN_EPSS && csv)
		return cp_vuln_parse_epss_csv(body, len, put_epss, w, why,
		    why_size);
	doc = cp_vuln_json_parse(body, len, why, why_size);
	if (doc == NULL)
		return CP_E_PARSE;
	if (src == CP_VULN_NVD)
		r = cp_vuln_parse_nvd(doc, put_cve, w, page != NULL ? page :
		    &pg, why, why_size);
	else if (src == CP_VULN_EPSS)
		r = cp_vuln_parse_epss_json(doc, put_epss, w, why, why_size);
	else {
		if (sqlite3_exec(db_of(w->v), "DELETE FROM vuln_kev", NULL,
		    NULL, NULL) != SQLITE_OK)
			r = sqlfail(w->v, "emptying the KEV table");
		else
			r = cp_vuln_parse_kev(doc, put_kev, w, detail,
			    detail_size, why, why_size);
	}
	json_decref(doc);
	return r;
}

/* Reads path (plain or gzip) of at most CP_VULN_FEED_MAX_BYTES. */
static cp_err
read_feed(cp_vuln *v, const char *path, char **out, size_t *len)
{
	gzFile gz;
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0;
	int got;
	cp_err r = CP_OK;

	*out = NULL;
	gz = gzopen(path, "rb");
	if (gz == NULL)
		return fail(v, CP_E_IO, "%s: cannot open it", path);
	for (;;) {
		if (cap - n < 65536 + 1) {
			if (cap >= CP_VULN_FEED_MAX_BYTES) {
				r = fail(v, CP_E_LIMIT, "%s: larger than %u "
				    "bytes (uncompressed)", path,
				    CP_VULN_FEED_MAX_BYTES);
				break;
			}
			cap = cap == 0 ? 1u << 20 : cap * 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				r = fail(v, CP_E_NOMEM, "%s: out of memory",
				    path);
				break;
			}
			buf = nb;
		}
		got = gzread(gz, buf + n, 65536);
		if (got < 0) {
			int e;

			/* zlib's message starts with the file name. */
			r = fail(v, CP_E_PARSE, "%s", gzerror(gz, &e));
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	gzclose(gz);
	if (r != CP_OK) {
		free(buf);
		return r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return CP_OK;
}

/* Ends the transaction the caller began: commits when r is CP_OK (and
 * says why a commit failed), else rolls back. */
static cp_err
in_tx(cp_vuln *v, cp_err r)
{
	if (r == CP_OK) {
		r = cp_store_commit(v->st);
		if (r != CP_OK)
			fail(v, r, "%s", cp_store_errmsg(v->st));
	} else
		cp_store_rollback(v->st);
	return r;
}

/*
 * The end of an import's transaction (r: how the loading went): the
 * source marked and everything committed, or everything undone and why
 * said.
 */
static cp_err
import_end(struct writer *w, cp_err r, enum cp_vuln_source src,
    const char *path, const char *detail, const char *why, size_t *items)
{
	cp_vuln *v = w->v;

	if (r == CP_OK)
		r = mark_source(w, src, path, detail);
	if (r != CP_OK && why[0] != '\0')
		fail(v, r, "%s: %s; the cache is unchanged", path, why);
	r = in_tx(v, r);
	if (r == CP_OK)
		*items = w->items;
	return r;
}

/*
 * An NVD file streamed through cp_nvd_stream: a yearly feed holds
 * hundreds of megabytes, and only one record at a time is in memory.  One
 * transaction, as for the other sources: a file that fails anywhere leaves
 * the cache as it was.
 */
static cp_err
import_nvd(cp_vuln *v, const char *path, size_t *items)
{
	struct cp_nvd_stream *ns = NULL;
	struct cp_nvd_page page;
	struct writer w;
	char *buf, why[512] = "";
	gzFile gz;
	int got = 0;
	cp_err r;

	buf = malloc(65536);
	if (buf == NULL)
		return fail(v, CP_E_NOMEM, "%s: out of memory", path);
	gz = gzopen(path, "rb");
	if (gz == NULL) {
		free(buf);
		return fail(v, CP_E_IO, "%s: cannot open it", path);
	}
	r = writer_init(&w, v);
	if (r != CP_OK)
		goto out;
	w.mark_queries = 1;
	r = cp_nvd_stream_new(put_cve, &w, &ns);
	if (r == CP_OK)
		r = cp_store_begin(v->st);
	if (r != CP_OK) {
		fail(v, r, "%s", r == CP_E_NOMEM ? "out of memory" :
		    cp_store_errmsg(v->st));
		goto out_writer;
	}
	while (r == CP_OK && (got = gzread(gz, buf, 65536)) > 0)
		r = cp_nvd_stream_feed(ns, buf, (size_t)got, why, sizeof(why));
	if (r == CP_OK && got < 0) {
		int e;

		/* zlib's message starts with the file name. */
		r = fail(v, CP_E_PARSE, "%s; the cache is unchanged",
		    gzerror(gz, &e));
	}
	if (r == CP_OK)
		r = cp_nvd_stream_end(ns, &page, why, sizeof(why));
	r = import_end(&w, r, CP_VULN_NVD, path, "", why, items);
out_writer:
	cp_nvd_stream_free(ns);
	writer_free(&w);
out:
	gzclose(gz);
	free(buf);
	return r;
}

static cp_err
import(cp_vuln *v, enum cp_vuln_source src, const char *path, size_t *items)
{
	struct writer w;
	char *body = NULL, why[512] = "", detail[64] = "";
	size_t len = 0;
	int csv;
	cp_err r;

	*items = 0;
	if ((unsigned)src >= CP_VULN_NSOURCES)
		return fail(v, CP_E_INVALID, "unknown source");
	if (src == CP_VULN_NVD)
		return import_nvd(v, path, items);
	r = read_feed(v, path, &body, &len);
	if (r != CP_OK)
		return r;
	/* The EPSS CSV starts with "#model_version" or "cve,". */
	csv = src == CP_VULN_EPSS && len > 0 && body[0] != '{';
	r = writer_init(&w, v);
	if (r != CP_OK)
		goto out;
	r = cp_store_begin(v->st);
	if (r != CP_OK) {
		fail(v, r, "%s", cp_store_errmsg(v->st));
		goto out_writer;
	}
	r = load_body(&w, src, body, len, csv, NULL, NULL, detail,
	    sizeof(detail), why, sizeof(why));
	r = import_end(&w, r, src, path, detail, why, items);
out_writer:
	writer_free(&w);
out:
	free(body);
	return r;
}

/* ---- online refreshes ------------------------------------------------ */

/* Appends s to b with every byte but [A-Za-z0-9-._~:] percent-encoded. */
static cp_err
put_escaped(struct cp_buf *b, const char *s)
{
	cp_err r = CP_OK;

	for (; *s != '\0' && r == CP_OK; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("-._~:", c) != NULL)
			r = cp_buf_append(b, s, 1);
		else
			r = cp_buf_printf(b, "%%%02X", c);
	}
	return r;
}

static void
pause_s(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* NVD's answers to a full window (403, 429) and its overloaded 503. */
static int
throttled(long status)
{
	return status == 403 || status == 429 || status == 503;
}

/*
 * GET url (with NVD's key header when nvd) into *resp with status 200.
 * NVD answers 403 or 429 when its window is full: wait one window, try
 * again.
 */
static cp_err
fetch(cp_vuln *v, const char *url, int nvd, struct cp_http_response **resp)
{
	struct cp_http_request req;
	const char *headers[3] = { "Accept: application/json", NULL, NULL };
	char keyh[300];
	int tries;
	cp_err r;

	*resp = NULL;
	if (nvd && v->s.nvd_api_key != NULL) {
		snprintf(keyh, sizeof(keyh), "apiKey: %s", v->s.nvd_api_key);
		headers[1] = keyh;
	}
	memset(&req, 0, sizeof(req));
	req.struct_size = sizeof(req);
	req.url = url;
	req.headers = headers;
	/*
	 * One quick retry of a failed connection; a source that stays
	 * down costs a lookup little, the cache is served instead.  NVD's
	 * throttling answers come back here, so that the wait is NVD's
	 * window and not the client's backoff.
	 */
	req.max_retries = 1;
	if (nvd)
		req.flags = CP_HTTP_F_NO_RETRY_STATUS;
	for (tries = 0;; tries++) {
		r = cp_http_perform(v->http, &req, resp);
		if (r != CP_OK) {
			fail(v, r, "%s", cp_http_errmsg(v->http));
			break;
		}
		if ((*resp)->status == 200)
			break;
		if (nvd && throttled((*resp)->status) &&
		    tries + 1 < VULN_THROTTLE_TRIES) {
			cp_http_response_free(*resp);
			*resp = NULL;
			pause_s(v->s.nvd_window);
			continue;
		}
		r = fail(v, CP_E_HTTP, "GET %.200s: HTTP %ld%s", url,
		    (*resp)->status, nvd && throttled((*resp)->status) ?
		    " (NVD's rate limit: still refused after waiting its "
		    "window; an API key raises the limit)" : "");
		break;
	}
	if (r != CP_OK) {
		cp_http_response_free(*resp);
		*resp = NULL;
	}
	return r;
}

/* NVD's rate as a token bucket on the NVD host, once per handle. */
static void
nvd_limits(cp_vuln *v)
{
	struct cp_http_target t;
	char why[128], key[CP_HTTP_HOST_MAX + 32];
	unsigned per = v->s.nvd_api_key != NULL ? 50 : 5;

	if (v->limits_set || cp_http_target_parse(v->s.nvd_url, &t, why,
	    sizeof(why)) != CP_OK)
		return;
	snprintf(key, sizeof(key), strchr(t.host, ':') != NULL ? "[%s]:%ld" :
	    "%s:%ld", t.host, t.port);
	if (cp_http_set_limits(v->http, key, per / v->s.nvd_window, per, 1) ==
	    CP_OK)
		v->limits_set = 1;
}

/*
 * The answers of one paged refresh.  They are all fetched and checked
 * before one transaction writes them, so that a refresh that fails on
 * any page leaves the cache as it was, and the store is never locked
 * while the network (or NVD's window) is waited for.
 */
struct pages {
	struct cp_http_response *r[VULN_MAX_PAGES];
	size_t n;
	size_t bytes;
};

static void
pages_free(struct pages *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		cp_http_response_free(p->r[i]);
	p->n = 0;
}

/* Keeps resp (taking it on success) within the bounds of a refresh. */
static cp_err
pages_add(cp_vuln *v, struct pages *p, struct cp_http_response *resp,
    const char *what)
{
	if (p->n == VULN_MAX_PAGES || resp->body_len > VULN_MAX_REFRESH_BYTES
	    - p->bytes)
		return fail(v, CP_E_LIMIT, "%s: more than %d pages or %u bytes; "
		    "import the feed files instead", what, VULN_MAX_PAGES,
		    VULN_MAX_REFRESH_BYTES);
	p->bytes += resp->body_len;
	p->r[p->n++] = resp;
	return CP_OK;
}

static cp_err
count_cve(void *ud, const struct cp_nvd_cve *c)
{
	(void)c;
	(*(long long *)ud)++;
	return CP_OK;
}

static cp_err
count_jvn(void *ud, const struct cp_jvn *j)
{
	(void)j;
	(*(long long *)ud)++;
	return CP_OK;
}

/* Writes the checked pages of src, then marks the query and the source. */
static cp_err
pages_store(cp_vuln *v, const struct pages *p, enum cp_vuln_source src,
    const char *key, long long seen)
{
	struct writer w;
	char why[512];
	size_t i;
	cp_err r;

	r = writer_init(&w, v);
	if (r != CP_OK)
		return r;
	r = cp_store_begin(v->st);
	if (r != CP_OK) {
		fail(v, r, "%s", cp_store_errmsg(v->st));
		writer_free(&w);
		return r;
	}
	for (i = 0; i < p->n && r == CP_OK; i++) {
		r = load_body(&w, src, p->r[i]->body, p->r[i]->body_len, 0,
		    NULL, NULL, NULL, 0, why, sizeof(why));
		if (r == CP_E_PARSE)
			fail(v, r, "%s", why);
	}
	if (r == CP_OK)
		r = mark_query(&w, cp_vuln_source_name(src), key, seen);
	if (r == CP_OK)
		r = mark_source(&w, src, (&v->s.nvd_url)[src], NULL);
	r = in_tx(v, r);
	writer_free(&w);
	return r;
}

/* Appends PART:VENDOR:PRODUCT of c, escaped for a query string. */
static cp_err
put_product(struct cp_buf *url, const struct cp_cpe *c)
{
	cp_err r;

	r = put_escaped(url, c->f[CP_CPE_PART]);
	if (r == CP_OK)
		r = cp_buf_puts(url, ":");
	if (r == CP_OK)
		r = put_escaped(url, c->f[CP_CPE_VENDOR]);
	if (r == CP_OK)
		r = cp_buf_puts(url, ":");
	if (r == CP_OK)
		r = put_escaped(url, c->f[CP_CPE_PRODUCT]);
	return r;
}

/*
 * Every page of NVD's CVEs of the product of c.  A page is checked as it
 * comes (it must parse and continue where the last one ended), so a bad
 * answer stops the refresh before anything is written.
 */
static cp_err
refresh_nvd(cp_vuln *v, const struct cp_cpe *c, const char *key)
{
	struct cp_http_response *resp = NULL;
	struct cp_nvd_page page;
	struct pages p;
	struct cp_buf url;
	char why[512];
	long long start = 0, seen = 0, n;
	json_t *doc;
	cp_err r = CP_OK;

	nvd_limits(v);
	memset(&p, 0, sizeof(p));
	cp_buf_init(&url, 8192);
	for (;;) {
		url.len = 0;
		r = cp_buf_printf(&url, "%s?virtualMatchString=cpe:2.3:",
		    v->s.nvd_url);
		if (r == CP_OK)
			r = put_product(&url, c);
		if (r == CP_OK)
			r = cp_buf_printf(&url, "&resultsPerPage=%u&"
			    "startIndex=%lld", v->s.nvd_page_size, start);
		if (r == CP_OK)
			r = fetch(v, url.data, 1, &resp);
		if (r != CP_OK)
			break;
		n = 0;
		doc = cp_vuln_json_parse(resp->body, resp->body_len, why,
		    sizeof(why));
		r = doc == NULL ? CP_E_PARSE : cp_vuln_parse_nvd(doc,
		    count_cve, &n, &page, why, sizeof(why));
		json_decref(doc);
		if (r == CP_OK && page.start != start) {
			snprintf(why, sizeof(why), "page at startIndex %lld "
			    "when %lld was asked for", page.start, start);
			r = CP_E_PARSE;
		}
		if (r == CP_E_PARSE)
			fail(v, r, "%s (page %zu); the cache is unchanged", why,
			    p.n + 1);
		if (r == CP_OK)
			r = pages_add(v, &p, resp, "NVD");
		if (r != CP_OK) {
			cp_http_response_free(resp);
			break;
		}
		seen += n;
		start = page.start + page.count;
		if (page.count == 0 || page.total < 0 || start >= page.total)
			break;
	}
	if (r == CP_OK)
		r = pages_store(v, &p, CP_VULN_NVD, key, seen);
	cp_buf_free(&url);
	pages_free(&p);
	return r;
}

static cp_err
refresh_kev(cp_vuln *v)
{
	struct cp_http_response *resp = NULL;
	struct writer w;
	char why[512], version[64] = "";
	cp_err r;

	r = fetch(v, v->s.kev_url, 0, &resp);
	if (r != CP_OK)
		return r;
	r = writer_init(&w, v);
	if (r == CP_OK) {
		r = cp_store_begin(v->st);
		if (r == CP_OK) {
			r = load_body(&w, CP_VULN_KEV, resp->body,
			    resp->body_len, 0, NULL, NULL, version,
			    sizeof(version), why, sizeof(why));
			if (r == CP_E_PARSE)
				fail(v, r, "KEV: %s", why);
			if (r == CP_OK)
				r = mark_source(&w, CP_VULN_KEV, v->s.kev_url,
				    version);
			r = in_tx(v, r);
		}
		writer_free(&w);
	}
	cp_http_response_free(resp);
	return r;
}

/* EPSS for the ids (a comma-separated list). */
static cp_err
refresh_epss(cp_vuln *v, const char *ids)
{
	struct cp_http_response *resp = NULL;
	struct writer w;
	struct cp_buf url;
	char why[512];
	cp_err r;

	cp_buf_init(&url, 8192);
	r = cp_buf_printf(&url, "%s?cve=%s", v->s.epss_url, ids);
	if (r == CP_OK)
		r = fetch(v, url.data, 0, &resp);
	cp_buf_free(&url);
	if (r != CP_OK)
		return r;
	r = writer_init(&w, v);
	if (r == CP_OK) {
		r = cp_store_begin(v->st);
		if (r == CP_OK) {
			r = load_body(&w, CP_VULN_EPSS, resp->body,
			    resp->body_len, 0, NULL, NULL, NULL, 0, why,
			    sizeof(why));
			if (r == CP_E_PARSE)
				fail(v, r, "EPSS: %s", why);
			if (r == CP_OK)
				r = mark_source(&w, CP_VULN_EPSS,
				    v->s.epss_url, NULL);
			r = in_tx(v, r);
		}
		writer_free(&w);
	}
	cp_http_response_free(resp);
	return r;
}

/* Every page of MyJVN's entries of the product of c (as refresh_nvd). */
static cp_err
refresh_jvn(cp_vuln *v, const struct cp_cpe *c, const char *key)
{
	struct cp_http_response *resp = NULL;
	struct cp_jvn_status js;
	struct pages p;
	struct cp_buf url;
	char why[512];
	long long start = 1, seen = 0, n;
	cp_err r = CP_OK;

	memset(&p, 0, sizeof(p));
	cp_buf_init(&url, 8192);
	for (;;) {
		url.len = 0;
		/* CPE 2.2 product name, all dates (the default is the
		 * last week only). */
		r = cp_buf_printf(&url, "%s?method=getVulnOverviewList&"
		    "feed=hnd&cpeName=cpe:/", v->s.jvn_url);
		if (r == CP_OK)
			r = put_product(&url, c);
		if (r == CP_OK)
			r = cp_buf_printf(&url, "&rangeDatePublic=n&"
			    "rangeDatePublished=n&rangeDateFirstPublished=n&"
			    "maxCountItem=50&startItem=%lld&lang=%s", start,
			    v->s.jvn_lang);
		if (r == CP_OK)
			r = fetch(v, url.data, 0, &resp);
		if (r != CP_OK)
			break;
		n = 0;
		r = cp_vuln_parse_jvn(resp->body, resp->body_len, count_jvn,
		    &n, &js, why, sizeof(why));
		if (r == CP_OK && js.returned > 0 && js.first != start) {
			snprintf(why, sizeof(why), "page at item %lld when "
			    "%lld was asked for", js.first, start);
			r = CP_E_PARSE;
		}
		if (r == CP_E_PARSE)
			fail(v, r, "%s (page %zu); the cache is unchanged", why,
			    p.n + 1);
		if (r == CP_OK)
			r = pages_add(v, &p, resp, "MyJVN");
		if (r != CP_OK) {
			cp_http_response_free(resp);
			break;
		}
		seen += n;
		start = js.first + js.returned;
		if (js.returned <= 0 || start > js.total)
			break;
	}
	if (r == CP_OK)
		r = pages_store(v, &p, CP_VULN_JVN, key, seen);
	cp_buf_free(&url);
	pages_free(&p);
	return r;
}

/* ---- lookups --------------------------------------------------------- */

/* One integer of a one-row query with up to two text parameters; -1. */
static long long
query_ll(cp_vuln *v, const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *s = NULL;
	long long x = -1;

	if (prep(v, sql, &s) != CP_OK)
		return -1;
	if (a != NULL)
		sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
	if (b != NULL)
		sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_type(s, 0) != SQLITE_NULL)
		x = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return x;
}

static long long
age_of(cp_vuln *v, long long when)
{
	long long a;

	if (when < 0)
		return -1;
	a = (long long)now_of(v) - when;
	return a < 0 ? 0 : a;
}

static cp_err
warn(struct cp_vuln_result *res, const char *fmt, ...) CP_FMT(2, 3);

static cp_err
warn(struct cp_vuln_result *res, const char *fmt, ...)
{
	char buf[1200], **nw, *d;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	d = strdup(buf);
	if (d == NULL)
		return CP_E_NOMEM;
	nw = realloc(res->warnings, (res->n_warnings + 1) * sizeof(*nw));
	if (nw == NULL) {
		free(d);
		return CP_E_NOMEM;
	}
	res->warnings = nw;
	nw[res->n_warnings++] = d;
	return CP_OK;
}

static int
by_score(const void *a, const void *b)
{
	const struct cp_vuln_match *x = a, *y = b;

	if (x->cvss != y->cvss)
		return x->cvss > y->cvss ? -1 : 1;
	return strcmp(y->cve, x->cve);	/* newest first */
}

/* The CVEs of the cache that apply to c, into res->matches. */
static cp_err
collect(cp_vuln *v, const struct cp_cpe *c, struct cp_vuln_result *res)
{
	sqlite3_stmt *s = NULL;
	size_t cap = 0, rows = 0;
	cp_err r;
	int rc;

	r = prep(v, "SELECT c.cve_id, c.cvss, c.severity, c.cvss_source, "
	    "c.status, c.configurations FROM vuln_cve_product p JOIN "
	    "vuln_cve c ON c.cve_id = p.cve_id WHERE p.vendor = ?1 AND "
	    "p.product = ?2", &s);
	if (r != CP_OK)
		return r;
	sqlite3_bind_text(s, 1, c->f[CP_CPE_VENDOR], -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, c->f[CP_CPE_PRODUCT], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && rows++ < VULN_MAX_CVES) {
		const char *cfgtext = (const char *)sqlite3_column_text(s, 5);
		struct cp_vuln_match *m;
		json_t *cfg;
		int plat = 0, ok;

		cfg = cfgtext != NULL ? json_loads(cfgtext, 0, NULL) : NULL;
		ok = cfg != NULL && cp_vuln_configs_apply(cfg, c, &plat);
		json_decref(cfg);
		if (!ok)
			continue;
		if (res->n == cap) {
			size_t nc = cap == 0 ? 16 : cap * 2;

			m = realloc(res->matches, nc * sizeof(*m));
			if (m == NULL) {
				r = CP_E_NOMEM;
				break;
			}
			res->matches = m;
			cap = nc;
		}
		m = &res->matches[res->n++];
		memset(m, 0, sizeof(*m));
		cp_strlcpy(m->cve, (const char *)sqlite3_column_text(s, 0),
		    sizeof(m->cve));
		m->cvss = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1 :
		    sqlite3_column_double(s, 1);
		cp_strlcpy(m->severity, (const char *)sqlite3_column_text(s,
		    2), sizeof(m->severity));
		cp_strlcpy(m->cvss_source, (const char *)sqlite3_column_text(s,
		    3), sizeof(m->cvss_source));
		cp_strlcpy(m->status, (const char *)sqlite3_column_text(s, 4),
		    sizeof(m->status));
		m->platform = plat;
		m->epss = m->epss_percentile = -1;
	}
	if (r == CP_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sqlfail(v, "reading CVEs");
	sqlite3_finalize(s);
	return r;
}

/* EPSS, KEV and JVN of every match, and the oldest EPSS score used. */
static cp_err
enrich(cp_vuln *v, struct cp_vuln_result *res, long long *epss_oldest)
{
	sqlite3_stmt *e = NULL, *k = NULL, *j = NULL;
	size_t i;
	cp_err r;

	*epss_oldest = -1;
	r = prep(v, "SELECT epss, percentile, fetched FROM vuln_epss "
	    "WHERE cve_id = ?", &e);
	if (r == CP_OK)
		r = prep(v, "SELECT date_added FROM vuln_kev WHERE cve_id = ?",
		    &k);
	if (r == CP_OK)
		r = prep(v, "SELECT j.jvn_id, j.title FROM vuln_jvn_cve x "
		    "JOIN vuln_jvn j ON j.jvn_id = x.jvn_id WHERE "
		    "x.cve_id = ? ORDER BY j.jvn_id DESC LIMIT 1", &j);
	for (i = 0; r == CP_OK && i < res->n; i++) {
		struct cp_vuln_match *m = &res->matches[i];

		sqlite3_bind_text(e, 1, m->cve, -1, SQLITE_STATIC);
		if (sqlite3_step(e) == SQLITE_ROW) {
			long long f = sqlite3_column_int64(e, 2);

			m->epss = sqlite3_column_double(e, 0);
			m->epss_percentile = sqlite3_column_double(e, 1);
			if (*epss_oldest < 0 || f < *epss_oldest)
				*epss_oldest = f;
		}
		sqlite3_reset(e);
		sqlite3_bind_text(k, 1, m->cve, -1, SQLITE_STATIC);
		if (sqlite3_step(k) == SQLITE_ROW) {
			m->kev = 1;
			cp_strlcpy(m->kev_date_added, (const char *)
			    sqlite3_column_text(k, 0),
			    sizeof(m->kev_date_added));
		}
		sqlite3_reset(k);
		sqlite3_bind_text(j, 1, m->cve, -1, SQLITE_STATIC);
		if (sqlite3_step(j) == SQLITE_ROW) {
			cp_strlcpy(m->jvn_id, (const char *)
			    sqlite3_column_text(j, 0), sizeof(m->jvn_id));
			cp_strlcpy(m->jvn_title, (const char *)
			    sqlite3_column_text(j, 1), sizeof(m->jvn_title));
		}
		sqlite3_reset(j);
	}
	sqlite3_finalize(e);
	sqlite3_finalize(k);
	sqlite3_finalize(j);
	return r;
}

/* Fetches EPSS for the matches whose score is missing or stale. */
static cp_err
refresh_epss_of(cp_vuln *v, struct cp_vuln_result *res)
{
	struct cp_buf ids;
	long long cutoff = (long long)now_of(v) -
	    v->s.max_age[CP_VULN_EPSS];
	size_t i, batch = 0;
	cp_err r = CP_OK;

	cp_buf_init(&ids, 8192);
	for (i = 0; i <= res->n && r == CP_OK; i++) {
		if (i < res->n) {
			long long f = query_ll(v, "SELECT fetched FROM "
			    "vuln_epss WHERE cve_id = ?", res->matches[i].cve,
			    NULL);

			if (f >= 0 && f >= cutoff)
				continue;
			r = cp_buf_printf(&ids, "%s%s", batch > 0 ? "," : "",
			    res->matches[i].cve);
			batch++;
		}
		if (batch > 0 && (batch == VULN_EPSS_BATCH || i == res->n)) {
			if (r == CP_OK)
				r = refresh_epss(v, ids.data);
			ids.len = 0;
			batch = 0;
		}
	}
	cp_buf_free(&ids);
	return r;
}

int
cp_vuln_versionless(const char *cpe)
{
	struct cp_cpe c;
	char why[128];

	return cp_cpe_parse(cpe, &c, why, sizeof(why)) == CP_OK &&
	    strcmp(c.f[CP_CPE_VERSION], "*") == 0;
}

static cp_err
lookup(cp_vuln *v, const char *cpe, unsigned flags,
    struct cp_vuln_result **out)
{
	struct cp_vuln_result *res;
	struct cp_cpe c;
	char why[256], key[2 * CP_CPE_FIELD_MAX + 2];
	long long when, stale, epss_oldest;
	int online = v->s.online && v->http != NULL &&
	    !(flags & CP_VULN_OFFLINE);
	cp_err r;
	int i;

	*out = NULL;
	if (cp_cpe_parse(cpe, &c, why, sizeof(why)) != CP_OK)
		return fail(v, CP_E_INVALID, "%.200s: %s", cpe, why);
	if (strcmp(c.f[CP_CPE_VENDOR], "*") == 0 ||
	    strcmp(c.f[CP_CPE_PRODUCT], "*") == 0)
		return fail(v, CP_E_INVALID, "%.200s: a lookup needs a vendor "
		    "and a product", cpe);
	res = calloc(1, sizeof(*res));
	if (res == NULL)
		return CP_E_NOMEM;
	cp_cpe_format(&c, res->cpe, sizeof(res->cpe));
	snprintf(key, sizeof(key), "%s:%s", c.f[CP_CPE_VENDOR],
	    c.f[CP_CPE_PRODUCT]);
	for (i = 0; i < CP_VULN_NSOURCES; i++)
		res->age[i] = -1;
	r = CP_OK;
	if (online) {
		when = query_ll(v, "SELECT fetched FROM vuln_query WHERE "
		    "source = 'nvd' AND key = ?", key, NULL);
		stale = (long long)now_of(v) - v->s.max_age[CP_VULN_NVD];
		if ((when < 0 || when < stale) &&
		    refresh_nvd(v, &c, key) != CP_OK)
			r = warn(res, "NVD: %s", cp_vuln_errmsg(v));
		when = query_ll(v, "SELECT updated FROM vuln_source WHERE "
		    "source = 'kev'", NULL, NULL);
		stale = (long long)now_of(v) - v->s.max_age[CP_VULN_KEV];
		if (r == CP_OK && (when < 0 || when < stale) &&
		    refresh_kev(v) != CP_OK)
			r = warn(res, "KEV: %s", cp_vuln_errmsg(v));
		when = query_ll(v, "SELECT fetched FROM vuln_query WHERE "
		    "source = 'jvn' AND key = ?", key, NULL);
		stale = (long long)now_of(v) - v->s.max_age[CP_VULN_JVN];
		if (r == CP_OK && (when < 0 || when < stale) &&
		    refresh_jvn(v, &c, key) != CP_OK)
			r = warn(res, "MyJVN: %s", cp_vuln_errmsg(v));
	}
	if (r == CP_OK)
		r = collect(v, &c, res);
	if (r == CP_OK && online && res->n > 0 &&
	    refresh_epss_of(v, res) != CP_OK)
		r = warn(res, "EPSS: %s", cp_vuln_errmsg(v));
	if (r == CP_OK)
		r = enrich(v, res, &epss_oldest);
	if (r != CP_OK) {
		cp_vuln_result_free(res);
		return r;
	}
	if (res->n > 1)
		qsort(res->matches, res->n, sizeof(*res->matches), by_score);
	when = query_ll(v, "SELECT fetched FROM vuln_query WHERE source = "
	    "'nvd' AND key = ?", key, NULL);
	res->age[CP_VULN_NVD] = age_of(v, when);
	res->age[CP_VULN_EPSS] = age_of(v, epss_oldest);
	res->age[CP_VULN_KEV] = age_of(v, query_ll(v, "SELECT updated FROM "
	    "vuln_source WHERE source = 'kev'", NULL, NULL));
	when = query_ll(v, "SELECT fetched FROM vuln_query WHERE source = "
	    "'jvn' AND key = ?", key, NULL);
	if (when < 0)
		when = query_ll(v, "SELECT updated FROM vuln_source WHERE "
		    "source = 'jvn'", NULL, NULL);
	res->age[CP_VULN_JVN] = age_of(v, when);
	*out = res;
	return CP_OK;
}

void
cp_vuln_result_free(struct cp_vuln_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_warnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	free(r->matches);
	free(r);
}

static json_t *
score_json(double d)
{
	return d < 0 ? json_null() : json_real(d);
}

json_t *
cp_vuln_result_json(const struct cp_vuln_result *r)
{
	json_t *o = json_object(), *list = json_array(), *ages = json_object();
	json_t *w = json_array();
	size_t i;
	int s;

	if (o == NULL || list == NULL || ages == NULL || w == NULL) {
		json_decref(o);
		json_decref(list);
		json_decref(ages);
		json_decref(w);
		return NULL;
	}
	json_object_set_new(o, "cpe", json_string(r->cpe));
	for (i = 0; i < r->n; i++) {
		const struct cp_vuln_match *m = &r->matches[i];

		json_array_append_new(list, json_pack("{s:s, s:o, s:s, s:s, "
		    "s:s, s:b, s:o, s:o, s:b, s:o, s:o, s:o}",
		    "cve", m->cve, "cvss", score_json(m->cvss),
		    "severity", m->severity, "cvss_source", m->cvss_source,
		    "nvd_status", m->status, "platform_dependent", m->platform,
		    "epss", score_json(m->epss),
		    "epss_percentile", score_json(m->epss_percentile),
		    "kev", m->kev,
		    "kev_date_added", m->kev ? json_string(m->kev_date_added) :
		    json_null(),
		    "jvn_id", m->jvn_id[0] != '\0' ? json_string(m->jvn_id) :
		    json_null(),
		    "jvn_title", m->jvn_id[0] != '\0' ?
		    json_string(m->jvn_title) : json_null()));
	}
	json_object_set_new(o, "matches", list);
	for (s = 0; s < CP_VULN_NSOURCES; s++)
		json_object_set_new(ages, source_names[s], r->age[s] < 0 ?
		    json_null() : json_integer(r->age[s]));
	json_object_set_new(o, "age_seconds", ages);
	for (i = 0; i < r->n_warnings; i++)
		json_array_append_new(w, json_string(r->warnings[i]));
	json_object_set_new(o, "warnings", w);
	return o;
}

cp_err
cp_vuln_status(cp_vuln *v, json_t **out)
{
	static const char *const count_sql[] = {
		"SELECT count(*) FROM vuln_cve",
		"SELECT count(*) FROM vuln_epss",
		"SELECT count(*) FROM vuln_kev",
		"SELECT count(*) FROM vuln_jvn",
	};
	sqlite3_stmt *s = NULL;
	json_t *o;
	int i;
	cp_err r;

	*out = NULL;
	o = json_object();
	if (o == NULL)
		return CP_E_NOMEM;
	r = prep(v, "SELECT updated, origin, detail FROM vuln_source WHERE "
	    "source = ?", &s);
	for (i = 0; r == CP_OK && i < CP_VULN_NSOURCES; i++) {
		json_t *e = json_object();
		long long n = query_ll(v, count_sql[i], NULL, NULL);

		if (e == NULL) {
			r = CP_E_NOMEM;
			break;
		}
		json_object_set_new(e, "records", json_integer(n < 0 ? 0 : n));
		json_object_set_new(e, "max_age_seconds",
		    json_integer(v->s.max_age[i]));
		sqlite3_bind_text(s, 1, source_names[i], -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			long long u = sqlite3_column_int64(s, 0);

			json_object_set_new(e, "updated", json_integer(u));
			json_object_set_new(e, "age_seconds",
			    json_integer(age_of(v, u)));
			json_object_set_new(e, "origin", json_string((const
			    char *)sqlite3_column_text(s, 1)));
			json_object_set_new(e, "detail", json_string((const
			    char *)sqlite3_column_text(s, 2)));
		} else {
			json_object_set_new(e, "updated", json_null());
			json_object_set_new(e, "age_seconds", json_null());
		}
		sqlite3_reset(s);
		json_object_set_new(o, source_names[i], e);
	}
	sqlite3_finalize(s);
	if (r != CP_OK) {
		json_decref(o);
		return r;
	}
	*out = o;
	return CP_OK;
}

cp_err
cp_vuln_import(cp_vuln *v, enum cp_vuln_source src, const char *path,
    size_t *items)
{
	v->errmsg[0] = '\0';
	return said(v, import(v, src, path, items));
}

cp_err
cp_vuln_lookup(cp_vuln *v, const char *cpe, unsigned flags,
    struct cp_vuln_result **out)
{
	v->errmsg[0] = '\0';
	return said(v, lookup(v, cpe, flags, out));
}
