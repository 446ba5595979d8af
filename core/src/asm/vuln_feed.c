/*
 * vuln_feed.c - parsers of the NVD, EPSS, KEV and MyJVN formats (see
 * vuln_feed.h).  Facts about the formats come from the sources' API
 * documentation and the real samples under tests/fixtures/asm/.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm/vuln_feed.h"
#include "net/http_client.h"
#include "net/xml.h"

#define FEED_MAX_DEPTH 64

int
cp_vuln_cve_id_ok(const char *s)
{
	size_t i, n;

	if (s == NULL || strncmp(s, "CVE-", 4) != 0)
		return 0;
	for (i = 4; i < 8; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	if (s[8] != '-')
		return 0;
	n = strlen(s + 9);
	if (n < 4 || n > 19)
		return 0;
	for (i = 9; s[i] != '\0'; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Copies s (may be NULL) into dst, cut at a UTF-8 boundary, trimmed. */
static void
copy_text(char *dst, size_t n, const char *s)
{
	size_t len, start = 0;

	dst[0] = '\0';
	if (s == NULL)
		return;
	while (s[start] == ' ' || s[start] == '\t' || s[start] == '\n' ||
	    s[start] == '\r')
		start++;
	s += start;
	len = strlen(s);
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	while (len > 0 && isspace((unsigned char)dst[len - 1]))
		dst[--len] = '\0';
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int
too_deep(const char *buf, size_t len)
{
	size_t depth = 0, i;
	int in_str = 0, esc = 0;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"')
			in_str = 1;
		else if (c == '[' || c == '{') {
			if (++depth > FEED_MAX_DEPTH)
				return 1;
		} else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return 0;
}

json_t *
cp_vuln_json_parse(const char *buf, size_t len, char *why, size_t why_size)
{
	json_error_t err;
	json_t *doc;

	if (len > CP_VULN_FEED_MAX_BYTES) {
		cp_snprintf(why, why_size, "document of %zu bytes is larger "
		    "than %u bytes", len, CP_VULN_FEED_MAX_BYTES);
		return NULL;
	}
	if (too_deep(buf, len)) {
		cp_snprintf(why, why_size, "JSON nested deeper than %d",
		    FEED_MAX_DEPTH);
		return NULL;
	}
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (doc == NULL)
		cp_snprintf(why, why_size, "not JSON: %s (line %d, column %d)",
		    err.text, err.line, err.column);
	return doc;
}

/* ---- NVD ------------------------------------------------------------- */

/* The CVSS v3.1 metric to show: the Primary one, else the first. */
static void
pick_cvss(const json_t *metrics, struct cp_nvd_cve *c)
{
	const json_t *list = json_object_get(metrics, "cvssMetricV31");
	const json_t *m, *best = NULL, *data;
	size_t i;

	c->cvss = -1;
	json_array_foreach(list, i, m) {
		const char *type = jstr(m, "type");

		if (!json_is_object(json_object_get(m, "cvssData")))
			continue;
		if (best == NULL ||
		    (type != NULL && strcmp(type, "Primary") == 0)) {
			best = m;
			if (type != NULL && strcmp(type, "Primary") == 0)
				break;
		}
	}
	if (best == NULL)
		return;
	data = json_object_get(best, "cvssData");
	if (json_is_number(json_object_get(data, "baseScore"))) {
		double s = json_number_value(json_object_get(data,
		    "baseScore"));

		if (s >= 0 && s <= 10)
			c->cvss = s;
	}
	copy_text(c->severity, sizeof(c->severity), jstr(data,
	    "baseSeverity"));
	copy_text(c->cvss_source, sizeof(c->cvss_source), jstr(best,
	    "source"));
	copy_text(c->cvss_vector, sizeof(c->cvss_vector), jstr(data,
	    "vectorString"));
}

static cp_err
one_cve(const json_t *cve, cp_nvd_cve_fn fn, void *ud, char *why,
    size_t why_size)
{
	struct cp_nvd_cve *c;
	const json_t *d, *cfg;
	const char *id = jstr(cve, "id");
	size_t i;
	cp_err r;

	if (!cp_vuln_cve_id_ok(id)) {
		cp_snprintf(why, why_size, "a record has no valid CVE id%s%.40s",
		    id != NULL ? ": " : "", id != NULL ? id : "");
		return CP_E_PARSE;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return CP_E_NOMEM;
	cp_strlcpy(c->id, id, sizeof(c->id));
	copy_text(c->status, sizeof(c->status), jstr(cve, "vulnStatus"));
	copy_text(c->published, sizeof(c->published), jstr(cve, "published"));
	copy_text(c->modified, sizeof(c->modified), jstr(cve,
	    "lastModified"));
	json_array_foreach(json_object_get(cve, "descriptions"), i, d) {
		const char *lang = jstr(d, "lang");

		if (lang != NULL && strcmp(lang, "en") == 0) {
			copy_text(c->description, sizeof(c->description),
			    jstr(d, "value"));
			break;
		}
	}
	pick_cvss(json_object_get(cve, "metrics"), c);
	cfg = json_object_get(cve, "configurations");
	c->configurations = json_is_array(cfg) ? cfg : NULL;
	r = fn(ud, c);
	free(c);
	return r;
}

/* totalResults and startIndex of an NVD envelope, when it has them. */
static void
page_of(const json_t *doc, struct cp_nvd_page *page)
{
	const json_t *t = json_object_get(doc, "totalResults");

	if (json_is_integer(t))
		page->total = json_integer_value(t);
	t = json_object_get(doc, "startIndex");
	if (json_is_integer(t))
		page->start = json_integer_value(t);
}

/* Element i of "vulnerabilities": {"cve": {...}}. */
static cp_err
nvd_item(const json_t *v, size_t i, cp_nvd_cve_fn fn, void *ud, char *why,
    size_t why_size)
{
	const json_t *cve = json_object_get(v, "cve");

	if (!json_is_object(cve)) {
		cp_snprintf(why, why_size, "vulnerabilities[%zu] has no "
		    "\"cve\" object", i);
		return CP_E_PARSE;
	}
	return one_cve(cve, fn, ud, why, why_size);
}

cp_err
cp_vuln_parse_nvd(const json_t *doc, cp_nvd_cve_fn fn, void *ud,
    struct cp_nvd_page *page, char *why, size_t why_size)
{
	const json_t *list, *v;
	size_t i;
	cp_err r;

	page->total = -1;
	page->start = 0;
	page->count = 0;
	if (!json_is_object(doc)) {
		cp_snprintf(why, why_size, "an NVD document is a JSON object");
		return CP_E_PARSE;
	}
	list = json_object_get(doc, "vulnerabilities");
	if (list == NULL && jstr(doc, "id") != NULL) {
		page->total = 1;
		page->count = 1;
		return one_cve(doc, fn, ud, why, why_size);
	}
	if (!json_is_array(list)) {
		cp_snprintf(why, why_size, "not an NVD CVE API 2.0 answer or "
		    "feed: no \"vulnerabilities\" array");
		return CP_E_PARSE;
	}
	if (json_array_size(list) > CP_VULN_FEED_MAX_RECORDS) {
		cp_snprintf(why, why_size, "more than %u records",
		    CP_VULN_FEED_MAX_RECORDS);
		return CP_E_LIMIT;
	}
	page_of(doc, page);
	json_array_foreach(list, i, v) {
		r = nvd_item(v, i, fn, ud, why, why_size);
		if (r != CP_OK)
			return r;
		page->count++;
	}
	return CP_OK;
}

/* ---- NVD feed files, a record at a time ------------------------------ */

/*
 * The splitter walks the bytes of the document keeping only what JSON's
 * structure needs (depth, inside a string, after a backslash) and the last
 * string seen at depth 1 followed by a colon (a member name).  When the
 * member "vulnerabilities" of the top object opens an array, each object
 * of that array is gathered alone and handed over as soon as it closes;
 * everything else (the envelope, with the array left empty) is kept in
 * rest and parsed at the end, so a broken envelope is still an error.  A
 * document with no such array (one bare record) is all rest.
 */
struct cp_nvd_stream {
	cp_nvd_cve_fn fn;
	void *ud;
	int depth;
	int in_str, esc;
	int in_array;		/* inside the vulnerabilities array */
	int want_item;		/* there: an object must come next */
	int had_item;		/* there: "," may come next */
	int in_item;		/* gathering one of its objects */
	int array_done;
	char name[24];		/* the string being read at depth 1 */
	size_t name_len;
	int name_long;
	int last_is_vuln;	/* the last depth-1 string was that name */
	int colon;		/* ... and a colon followed it */
	struct cp_buf item, rest;
	size_t items;
	cp_err r;
};

cp_err
cp_nvd_stream_new(cp_nvd_cve_fn fn, void *ud, struct cp_nvd_stream **out)
{
	struct cp_nvd_stream *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL)
		return CP_E_NOMEM;
	s->fn = fn;
	s->ud = ud;
	cp_buf_init(&s->item, 0);	/* the walk checks the limits */
	cp_buf_init(&s->rest, 0);
	*out = s;
	return CP_OK;
}

void
cp_nvd_stream_free(struct cp_nvd_stream *s)
{
	if (s == NULL)
		return;
	cp_buf_free(&s->item);
	cp_buf_free(&s->rest);
	free(s);
}

/* One gathered object of the array: parsed, checked, handed over. */
static cp_err
stream_item(struct cp_nvd_stream *s, char *why, size_t why_size)
{
	json_t *v;
	cp_err r;

	if (s->items >= CP_VULN_FEED_MAX_RECORDS) {
		cp_snprintf(why, why_size, "more than %u records",
		    CP_VULN_FEED_MAX_RECORDS);
		return CP_E_LIMIT;
	}
	v = cp_vuln_json_parse(s->item.data, s->item.len, why, why_size);
	if (v == NULL)
		return CP_E_PARSE;
	r = nvd_item(v, s->items, s->fn, s->ud, why, why_size);
	json_decref(v);
	s->items++;
	s->item.len = 0;
	return r;
}

/* The string-and-escape part of the walk; 1 when c was inside a string. */
static int
stream_string(struct cp_nvd_stream *s, char c)
{
	if (!s->in_str)
		return 0;
	if (s->esc) {
		s->esc = 0;
	} else if (c == '\\') {
		s->esc = 1;
		/* An escaped member name is never taken for the one we look
		 * for: the parse of the rest at the end reads it right. */
		if (s->depth == 1)
			s->name_long = 1;
	} else if (c == '"')
		s->in_str = 0;
	if (s->depth == 1 && s->in_str && !s->esc && c != '\\') {
		if (s->name_len + 1 < sizeof(s->name))
			s->name[s->name_len++] = c;
		else
			s->name_long = 1;
	}
	if (s->depth == 1 && !s->in_str) {
		s->name[s->name_len] = '\0';
		s->last_is_vuln = !s->name_long &&
		    strcmp(s->name, "vulnerabilities") == 0;
		s->colon = 0;
	}
	return 1;
}

cp_err
cp_nvd_stream_feed(struct cp_nvd_stream *s, const char *buf, size_t n,
    char *why, size_t why_size)
{
	size_t i, from = 0;	/* buf[from..i) still to be kept */
	cp_err r = CP_OK;

	if (s->r != CP_OK)
		return s->r;
	for (i = 0; i < n && r == CP_OK; i++) {
		char c = buf[i];

		if (s->in_item) {
			/* Strings inside an item are the item's. */
			if (!stream_string(s, c)) {
				if (c == '"')
					s->in_str = 1;
				else if (c == '{' || c == '[')
					s->depth++;
				else if (c == '}' || c == ']')
					s->depth--;
			}
			if (s->depth == 2) {
				r = cp_buf_append(&s->item, buf + from,
				    i + 1 - from);
				if (r == CP_OK)
					r = stream_item(s, why, why_size);
				s->in_item = 0;
				from = i + 1;
			} else if (i + 1 - from + s->item.len >
			    CP_VULN_FEED_MAX_RECORD) {
				cp_snprintf(why, why_size, "vulnerabilities"
				    "[%zu] is larger than %u bytes", s->items,
				    CP_VULN_FEED_MAX_RECORD);
				r = CP_E_LIMIT;
			}
			continue;
		}
		if (stream_string(s, c))
			continue;
		if (s->in_array) {
			/* Between the objects: "," after one, "]" at the
			 * end, white space. */
			if (c == '{' && !s->had_item) {
				r = cp_buf_append(&s->rest, buf + from,
				    i - from);
				from = i;
				s->in_item = 1;
				s->had_item = 1;
				s->want_item = 0;
				s->depth++;
			} else if (c == ']' && !s->want_item) {
				s->in_array = 0;
				s->array_done = 1;
				s->depth--;
				from = i;	/* the "]" goes to rest */
			} else if (c == ',' && s->had_item) {
				s->had_item = 0;
				s->want_item = 1;
				from = i + 1;
			} else if (c == ' ' || c == '\t' || c == '\n' ||
			    c == '\r') {
				from = i + 1;
			} else {
				cp_snprintf(why, why_size, "\"vulnerabilities"
				    "\" holds something other than objects "
				    "(after record %zu)", s->items);
				r = CP_E_PARSE;
			}
			continue;
		}
		if (c == '"') {
			s->in_str = 1;
			if (s->depth == 1) {
				s->name_len = 0;
				s->name_long = 0;
			}
		} else if (c == ':' && s->depth == 1) {
			s->colon = s->last_is_vuln;
		} else if (c == '[' && s->depth == 1 && s->colon &&
		    !s->array_done) {
			s->depth++;
			s->in_array = 1;
			r = cp_buf_append(&s->rest, buf + from, i + 1 - from);
			from = i + 1;
		} else if (c == '{' || c == '[') {
			s->depth++;
		} else if (c == '}' || c == ']') {
			s->depth--;
		}
		if (s->depth == 1 && c != ':' && c != ' ' && c != '\t' &&
		    c != '\n' && c != '\r' && c != '"')
			s->colon = 0;
	}
	if (r == CP_OK && from < n) {
		if (s->in_item)
			r = cp_buf_append(&s->item, buf + from, n - from);
		else if (!s->in_array)
			r = cp_buf_append(&s->rest, buf + from, n - from);
	}
	if (r == CP_OK && s->rest.len > CP_VULN_FEED_MAX_REST) {
		cp_snprintf(why, why_size, "larger than %u bytes outside its "
		    "\"vulnerabilities\" array", CP_VULN_FEED_MAX_REST);
		r = CP_E_LIMIT;
	}
	s->r = r;
	return r;
}

cp_err
cp_nvd_stream_end(struct cp_nvd_stream *s, struct cp_nvd_page *page,
    char *why, size_t why_size)
{
	json_t *doc;
	const json_t *t;
	cp_err r;

	page->total = -1;
	page->start = 0;
	page->count = 0;
	if (s->r != CP_OK)
		return s->r;
	if (s->in_item || s->in_array) {
		cp_snprintf(why, why_size, "the document ends inside "
		    "\"vulnerabilities\" (after record %zu)", s->items);
		return CP_E_PARSE;
	}
	doc = cp_vuln_json_parse(s->rest.data != NULL ? s->rest.data : "",
	    s->rest.len, why, why_size);
	if (doc == NULL)
		return CP_E_PARSE;
	if (!s->array_done) {
		/* No array met on the way: one bare record, or an error. */
		r = cp_vuln_parse_nvd(doc, s->fn, s->ud, page, why, why_size);
		json_decref(doc);
		return r;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		cp_snprintf(why, why_size, "an NVD document is a JSON object");
		return CP_E_PARSE;
	}
	/* The array the walk took must be the one the parse sees. */
	t = json_object_get(doc, "vulnerabilities");
	if (!json_is_array(t) || json_array_size(t) != 0) {
		json_decref(doc);
		cp_snprintf(why, why_size, "more than one \"vulnerabilities\" "
		    "member");
		return CP_E_PARSE;
	}
	page_of(doc, page);
	page->count = (long long)s->items;
	json_decref(doc);
	return CP_OK;
}

/* ---- EPSS ------------------------------------------------------------ */

/* A probability written as text; -1 when it is not one. */
static double
prob_str(const char *s)
{
	double d;
	char *end;

	if (s == NULL)
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	return isfinite(d) && d >= 0 && d <= 1 ? d : -1;
}

/* EPSS API numbers arrive as strings; numbers are taken too. */
static double
prob_of(const json_t *v)
{
	double d;

	if (json_is_number(v)) {
		d = json_number_value(v);
		return isfinite(d) && d >= 0 && d <= 1 ? d : -1;
	}
	return prob_str(json_string_value(v));
}

static int
date_ok(const char *s)
{
	return s != NULL && strlen(s) == 10 && isdigit((unsigned char)s[0]) &&
	    s[4] == '-' && s[7] == '-';
}

cp_err
cp_vuln_parse_epss_json(const json_t *doc, cp_epss_fn fn, void *ud,
    char *why, size_t why_size)
{
	const json_t *data = json_object_get(doc, "data"), *row;
	struct cp_epss e;
	size_t i;
	cp_err r;

	if (!json_is_array(data)) {
		cp_snprintf(why, why_size, "not an EPSS API answer: no "
		    "\"data\" array");
		return CP_E_PARSE;
	}
	json_array_foreach(data, i, row) {
		const char *cve = jstr(row, "cve"), *date = jstr(row, "date");

		memset(&e, 0, sizeof(e));
		e.epss = prob_of(json_object_get(row, "epss"));
		e.percentile = prob_of(json_object_get(row, "percentile"));
		if (!cp_vuln_cve_id_ok(cve) || e.epss < 0 ||
		    e.percentile < 0) {
			cp_snprintf(why, why_size, "EPSS data[%zu] lacks a "
			    "valid cve, epss or percentile", i);
			return CP_E_PARSE;
		}
		cp_strlcpy(e.cve, cve, sizeof(e.cve));
		if (date_ok(date))
			cp_strlcpy(e.date, date, sizeof(e.date));
		r = fn(ud, &e);
		if (r != CP_OK)
			return r;
	}
	return CP_OK;
}

/* Splits line (modified) at commas into at most 8 trimmed cells. */
static size_t
csv_cells(char *line, char **cells)
{
	size_t n = 0;
	char *p = line, *c;

	while (n < 8) {
		c = strchr(p, ',');
		if (c != NULL)
			*c = '\0';
		cells[n++] = cp_strtrim(p);
		if (c == NULL)
			break;
		p = c + 1;
	}
	return n;
}

cp_err
cp_vuln_parse_epss_csv(const char *buf, size_t len, cp_epss_fn fn, void *ud,
    char *why, size_t why_size)
{
	char line[512], date[16] = "", *cells[8];
	int col_cve = -1, col_epss = -1, col_pct = -1, header = 0;
	size_t pos = 0, lineno = 0, rows = 0, n, k;
	struct cp_epss e;
	cp_err r;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;

		lineno++;
		if (l >= sizeof(line)) {
			cp_snprintf(why, why_size, "EPSS CSV line %zu is "
			    "longer than %zu bytes", lineno, sizeof(line) - 1);
			return CP_E_PARSE;
		}
		memcpy(line, buf + pos, l);
		line[l] = '\0';
		pos += l + 1;
		if (l > 0 && line[l - 1] == '\r')
			line[l - 1] = '\0';
		if (line[0] == '\0')
			continue;
		if (line[0] == '#') {
			/* #model_version:v2023.03.01,score_date:2023-...Z */
			const char *d = strstr(line, "score_date:");

			if (d != NULL && strlen(d) >= 21) {
				memcpy(date, d + 11, 10);
				date[10] = '\0';
				if (!date_ok(date))
					date[0] = '\0';
			}
			continue;
		}
		n = csv_cells(line, cells);
		if (!header) {
			for (k = 0; k < n; k++) {
				if (strcmp(cells[k], "cve") == 0)
					col_cve = (int)k;
				else if (strcmp(cells[k], "epss") == 0)
					col_epss = (int)k;
				else if (strcmp(cells[k], "percentile") == 0)
					col_pct = (int)k;
			}
			if (col_cve < 0 || col_epss < 0) {
				cp_snprintf(why, why_size, "EPSS CSV line %zu: "
				    "expected a header naming the columns cve "
				    "and epss", lineno);
				return CP_E_PARSE;
			}
			header = 1;
			continue;
		}
		if (++rows > CP_VULN_FEED_MAX_RECORDS) {
			cp_snprintf(why, why_size, "more than %u EPSS rows",
			    CP_VULN_FEED_MAX_RECORDS);
			return CP_E_LIMIT;
		}
		memset(&e, 0, sizeof(e));
		if ((size_t)col_cve >= n || (size_t)col_epss >= n ||
		    (col_pct >= 0 && (size_t)col_pct >= n) ||
		    !cp_vuln_cve_id_ok(cells[col_cve])) {
			cp_snprintf(why, why_size, "EPSS CSV line %zu: not a "
			    "CVE row", lineno);
			return CP_E_PARSE;
		}
		cp_strlcpy(e.cve, cells[col_cve], sizeof(e.cve));
		e.epss = prob_str(cells[col_epss]);
		e.percentile = col_pct >= 0 ? prob_str(cells[col_pct]) : 0;
		if (e.epss < 0 || e.percentile < 0) {
			cp_snprintf(why, why_size, "EPSS CSV line %zu: epss and "
			    "percentile must be numbers from 0 to 1", lineno);
			return CP_E_PARSE;
		}
		cp_strlcpy(e.date, date, sizeof(e.date));
		r = fn(ud, &e);
		if (r != CP_OK)
			return r;
	}
	if (!header) {
		cp_snprintf(why, why_size, "not an EPSS CSV: no header line");
		return CP_E_PARSE;
	}
	return CP_OK;
}

/* ---- KEV ------------------------------------------------------------- */

cp_err
cp_vuln_parse_kev(const json_t *doc, cp_kev_fn fn, void *ud, char *version,
    size_t version_size, char *why, size_t why_size)
{
	const json_t *list = json_object_get(doc, "vulnerabilities"), *v;
	struct cp_kev k;
	size_t i;
	cp_err r;

	if (!json_is_array(list) || jstr(doc, "catalogVersion") == NULL) {
		cp_snprintf(why, why_size, "not a CISA KEV catalog: no "
		    "\"catalogVersion\" and \"vulnerabilities\"");
		return CP_E_PARSE;
	}
	if (version != NULL)
		copy_text(version, version_size, jstr(doc, "catalogVersion"));
	json_array_foreach(list, i, v) {
		const char *cve = jstr(v, "cveID"), *added = jstr(v,
		    "dateAdded");

		if (!cp_vuln_cve_id_ok(cve) || !date_ok(added)) {
			cp_snprintf(why, why_size, "KEV vulnerabilities[%zu] "
			    "lacks a valid cveID or dateAdded", i);
			return CP_E_PARSE;
		}
		memset(&k, 0, sizeof(k));
		cp_strlcpy(k.cve, cve, sizeof(k.cve));
		cp_strlcpy(k.date_added, added, sizeof(k.date_added));
		copy_text(k.vendor, sizeof(k.vendor), jstr(v, "vendorProject"));
		copy_text(k.product, sizeof(k.product), jstr(v, "product"));
		copy_text(k.name, sizeof(k.name), jstr(v, "vulnerabilityName"));
		if (date_ok(jstr(v, "dueDate")))
			cp_strlcpy(k.due_date, jstr(v, "dueDate"),
			    sizeof(k.due_date));
		copy_text(k.ransomware, sizeof(k.ransomware), jstr(v,
		    "knownRansomwareCampaignUse"));
		r = fn(ud, &k);
		if (r != CP_OK)
			return r;
	}
	return CP_OK;
}

/* ---- MyJVN ----------------------------------------------------------- */

static const char *
xname(const json_t *el)
{
	const char *n = jstr(el, "name");

	return n != NULL ? n : "";
}

static const char *
xattr(const json_t *el, const char *name)
{
	return jstr(json_object_get(el, "attrs"), name);
}

static long long
attr_ll(const json_t *el, const char *name)
{
	const char *s = xattr(el, name);
	long long v;

	if (s == NULL || cp_parse_ll(s, 0, 1000000000LL, &v) != CP_OK)
		return -1;
	return v;
}

static cp_err
jvn_item(const json_t *item, cp_jvn_fn fn, void *ud, char *why,
    size_t why_size)
{
	struct cp_jvn *j;
	const json_t *c;
	size_t i;
	cp_err r;

	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return CP_E_NOMEM;
	j->cvss = -1;
	json_array_foreach(json_object_get(item, "children"), i, c) {
		const char *n = xname(c), *t = jstr(c, "text");

		if (strcmp(n, "title") == 0)
			copy_text(j->title, sizeof(j->title), t);
		else if (strcmp(n, "link") == 0)
			copy_text(j->link, sizeof(j->link), t);
		else if (strcmp(n, "sec:identifier") == 0)
			copy_text(j->id, sizeof(j->id), t);
		else if (strcmp(n, "dcterms:issued") == 0)
			copy_text(j->issued, sizeof(j->issued), t);
		else if (strcmp(n, "dcterms:modified") == 0)
			copy_text(j->modified, sizeof(j->modified), t);
		else if (strcmp(n, "sec:references") == 0) {
			const char *src = xattr(c, "source");
			const char *id = xattr(c, "id");

			if (src != NULL && strcmp(src, "CVE") == 0 &&
			    cp_vuln_cve_id_ok(id) &&
			    j->n_cves < CP_JVN_MAX_CVES)
				cp_strlcpy(j->cves[j->n_cves++], id,
				    sizeof(j->cves[0]));
		} else if (strcmp(n, "sec:cvss") == 0) {
			const char *s = xattr(c, "score");
			const char *v = xattr(c, "version");
			char *end;
			double d;

			if (s == NULL)
				continue;
			d = strtod(s, &end);
			/* The newest CVSS version given wins. */
			if (end != s && *end == '\0' && d >= 0 && d <= 10 &&
			    (j->cvss < 0 || (v != NULL && v[0] >= '3'))) {
				j->cvss = d;
				copy_text(j->severity, sizeof(j->severity),
				    xattr(c, "severity"));
			}
		}
	}
	if (strncmp(j->id, "JVN", 3) != 0) {
		cp_snprintf(why, why_size, "a MyJVN item has no JVN "
		    "sec:identifier");
		free(j);
		return CP_E_PARSE;
	}
	r = fn(ud, j);
	free(j);
	return r;
}

cp_err
cp_vuln_parse_jvn(const char *xml, size_t len, cp_jvn_fn fn, void *ud,
    struct cp_jvn_status *st, char *why, size_t why_size)
{
	json_t *root;
	const json_t *c;
	size_t i;
	int have_status = 0;
	cp_err r = CP_OK;

	st->total = st->returned = 0;
	st->first = 1;
	root = cp_xml_parse_bounded(xml, len, FEED_MAX_DEPTH,
	    CP_XML_MAX_ELEMENTS, why, why_size);
	if (root == NULL)
		return CP_E_PARSE;
	if (strcmp(xname(root), "rdf:RDF") != 0) {
		cp_snprintf(why, why_size, "not a MyJVN answer: the root is "
		    "<%.40s>, not <rdf:RDF>", xname(root));
		r = CP_E_PARSE;
		goto out;
	}
	json_array_foreach(json_object_get(root, "children"), i, c) {
		if (strcmp(xname(c), "status:Status") != 0)
			continue;
		have_status = 1;
		if (xattr(c, "retCd") != NULL &&
		    strcmp(xattr(c, "retCd"), "0") != 0) {
			cp_snprintf(why, why_size, "MyJVN error %.16s: %.200s",
			    xattr(c, "errCd") != NULL ? xattr(c, "errCd") : "",
			    xattr(c, "errMsg") != NULL ? xattr(c, "errMsg") :
			    "");
			r = CP_E_PARSE;
			goto out;
		}
		st->total = attr_ll(c, "totalRes");
		st->returned = attr_ll(c, "totalResRet");
		st->first = attr_ll(c, "firstRes");
		if (st->total < 0 || st->returned < 0 || st->first < 0) {
			st->total = st->returned = 0;
			st->first = 1;
		}
	}
	if (!have_status) {
		cp_snprintf(why, why_size, "not a MyJVN answer: no "
		    "status:Status");
		r = CP_E_PARSE;
		goto out;
	}
	json_array_foreach(json_object_get(root, "children"), i, c) {
		if (strcmp(xname(c), "item") != 0)
			continue;
		r = jvn_item(c, fn, ud, why, why_size);
		if (r != CP_OK)
			break;
	}
out:
	json_decref(root);
	return r;
}
