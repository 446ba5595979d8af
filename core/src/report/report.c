/*
 * report.c - the report model over the CSV writer and writer plugins.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "report/csv.h"
#include "report/report.h"
#include "util/util.h"

#define NAME_BYTES (CP_REPORT_SHEET_MAX * 4 + 1)

struct rtable {
	char name[NAME_BYTES];
	int types[CP_REPORT_MAX_COLS];
	size_t n_cols;
	const struct cp_report_table *def;
};

struct cp_report {
	const char *lang;
	char *path;			/* asked for; NULL: standard output */
	char *tmp;			/* written */
	cp_log *log;
	cp_report_text_fn text_fn;
	void *text_ud;
	const volatile sig_atomic_t *cancel;
	/* CSV */
	FILE *fp;
	cp_csv *csv;
	/* plugin */
	const struct cp_report_ops *ops;
	void *doc;
	json_t *row;			/* reused row array */
	/* tables */
	struct rtable tables[CP_REPORT_MAX_TABLES];
	size_t n_tables;
	struct rtable *cur;
	const struct cp_report_table *summary_def;
	int summary;			/* index of the summary, -1: none */
	size_t rows, shortened, repaired;
	cp_err err;
	char why[512];
};

static const char *const type_names[] = {
	[CP_COL_TEXT] = "text",
	[CP_COL_INTEGER] = "integer",
	[CP_COL_DECIMAL] = "decimal",
	[CP_COL_PERCENT] = "percentage",
	[CP_COL_TIME] = "timestamp",
	[CP_COL_URL] = "url"
};

static int
is_ja(const cp_report *r)
{
	return r->lang != NULL && strcmp(r->lang, "ja") == 0;
}

/* Records the first failure. */
static cp_err fail(cp_report *r, cp_err err, const char *fmt, ...)
    CP_FMT(3, 4);

static cp_err
fail(cp_report *r, cp_err err, const char *fmt, ...)
{
	va_list ap;

	if (r->err == CP_OK) {
		r->err = err;
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof(r->why), fmt, ap);
		va_end(ap);
	}
	return err;
}

/*
 * The length of the valid UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 when s does not
 * start one (a stray or cut byte).  s[0] is not NUL.
 */
static size_t
u8valid(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80 || (c == 0xf0 && s[1] < 0x90) ||
		    (c == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* Like u8valid, but a byte that starts no character counts as one. */
static size_t
u8len(const unsigned char *s)
{
	size_t l = u8valid(s);

	return l != 0 ? l : 1;
}

/*
 * s as valid UTF-8: NULL when it is valid already, else a copy (the
 * caller's) where every byte that starts no character is U+FFFD, except
 * an incomplete character at the very end (text cut by a fixed-size
 * buffer), which is dropped.
 */
static char *
u8repair(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, bad = 0;
	char *out, *o;

	for (i = 0; p[i] != '\0'; i += u8len(p + i))
		if (u8valid(p + i) == 0)
			bad++;
	if (bad == 0)
		return NULL;
	out = malloc(i + bad * 2 + 1);
	if (out == NULL)
		return NULL;
	o = out;
	for (i = 0; p[i] != '\0'; ) {
		size_t l = u8valid(p + i), k;

		if (l != 0) {
			memcpy(o, p + i, l);
			o += l;
			i += l;
			continue;
		}
		/* A cut character at the end: drop it. */
		for (k = 1; p[i + k] != '\0' && (p[i + k] & 0xc0) == 0x80; k++)
			;
		if (p[i + k] == '\0' && p[i] >= 0xc2 && p[i] <= 0xf4 &&
		    k < (p[i] >= 0xf0 ? 4u : p[i] >= 0xe0 ? 3u : 2u))
			break;
		memcpy(o, "\xef\xbf\xbd", 3);
		o += 3;
		i++;
	}
	*o = '\0';
	return out;
}

void
cp_report_sheet_name(const char *want, const char *const *used, size_t n,
    char *out, size_t out_size)
{
	char base[NAME_BYTES];
	size_t len = 0, units = 0, i, k;
	const unsigned char *s = (const unsigned char *)(want != NULL ?
	    want : "");

	while (*s == '\'')
		s++;
	while (*s != '\0') {
		size_t l = u8len(s);
		size_t u = l == 4 ? 2 : 1;

		if (units + u > CP_REPORT_SHEET_MAX)
			break;
		if (l == 1 && (*s < 0x20 || u8valid(s) == 0 ||
		    strchr("[]:*?/\\", *s) != NULL))
			base[len++] = '_';
		else {
			memcpy(base + len, s, l);
			len += l;
		}
		units += u;
		s += l;
	}
	while (len > 0 && base[len - 1] == '\'')
		len--;
	base[len] = '\0';
	if (len == 0)
		snprintf(base, sizeof(base), "Sheet");
	for (k = 1;; k++) {
		char suffix[24];
		size_t cut = strlen(base), su;

		if (k == 1)
			suffix[0] = '\0';
		else
			snprintf(suffix, sizeof(suffix), " (%zu)", k);
		su = strlen(suffix);
		/* Cut the base (by whole characters) to leave room. */
		if (su > 0) {
			size_t u = 0, b = 0;

			while (base[b] != '\0') {
				size_t l = u8len((const unsigned char *)base +
				    b);
				size_t uu = l == 4 ? 2 : 1;

				if (u + uu + su > CP_REPORT_SHEET_MAX)
					break;
				u += uu;
				b += l;
			}
			cut = b;
		}
		snprintf(out, out_size, "%.*s%s", (int)cut, base, suffix);
		/* Excel keeps "History" for itself. */
		if (strcasecmp(out, "History") == 0)
			continue;
		for (i = 0; i < n; i++)
			if (strcasecmp(used[i], out) == 0)
				break;
		if (i == n)
			return;
	}
}

const char *
cp_report_cell_text(int type, const struct cp_cell *c, char *buf,
    size_t buf_size)
{
	time_t t;
	struct tm tm;

	buf[0] = '\0';
	switch (c->kind) {
	case CP_CELL_TEXT:
		return c->s;
	case CP_CELL_INT:
		if (type == CP_COL_TIME) {
			t = (time_t)c->i;
			if (gmtime_r(&t, &tm) != NULL)
				strftime(buf, buf_size, "%Y-%m-%d %H:%M:%S",
				    &tm);
		} else
			snprintf(buf, buf_size, "%lld", c->i);
		return buf;
	case CP_CELL_REAL:
		if (type == CP_COL_PERCENT)
			snprintf(buf, buf_size, "%.1f%%", c->d * 100.0);
		else
			snprintf(buf, buf_size, "%.15g", c->d);
		return buf;
	default:
		return buf;
	}
}

/* The table JSON of the writer plugins' contract. */
static json_t *
table_json(const cp_report *r, const struct rtable *t)
{
	json_t *cols = json_array(), *tj;
	size_t i;

	for (i = 0; cols != NULL && i < t->n_cols; i++) {
		const struct cp_report_col *c = &t->def->cols[i];
		const char *title = is_ja(r) && c->ja != NULL ? c->ja : c->en;
		char safe[256];
		json_t *cj;

		if (cp_csv_is_formula(title)) {
			snprintf(safe, sizeof(safe), "'%s", title);
			title = safe;
		}
		cj = json_pack("{s:s, s:s}", "title", title, "type",
		    type_names[t->types[i]]);

		if (cj != NULL && c->width > 0)
			json_object_set_new(cj, "width",
			    json_integer((json_int_t)c->width));
		if (cj == NULL || json_array_append_new(cols, cj) != 0) {
			json_decref(cols);
			return NULL;
		}
	}
	tj = json_pack("{s:s, s:o}", "name", t->name, "columns", cols);
	return tj;
}

/* A row of text to the CSV writer or the text function. */
static cp_err
text_row(cp_report *r, const char *const *cells, const int *numeric,
    size_t n)
{
	cp_err e;

	if (r->text_fn != NULL) {
		e = r->text_fn(r->text_ud, r->cur != NULL ? r->cur->name : "",
		    cells, n);
		return e != CP_OK ? fail(r, e, "the row function failed") :
		    CP_OK;
	}
	if (cp_csv_row_typed(r->csv, cells, numeric, n) != CP_OK)
		return fail(r, CP_E_IO, "%s", strerror(errno));
	return CP_OK;
}

static cp_err
csv_header(cp_report *r, const struct rtable *t)
{
	const char *cells[CP_REPORT_MAX_COLS];
	size_t i;

	for (i = 0; i < t->n_cols; i++)
		cells[i] = is_ja(r) && t->def->cols[i].ja != NULL ?
		    t->def->cols[i].ja : t->def->cols[i].en;
	return text_row(r, cells, NULL, t->n_cols);
}

/* Registers table def under a valid, unique name. */
static cp_err
add_table(cp_report *r, const struct cp_report_table *def,
    struct rtable **out)
{
	const char *used[CP_REPORT_MAX_TABLES];
	struct rtable *t;
	size_t i;

	if (def == NULL || def->n_cols == 0 ||
	    def->n_cols > CP_REPORT_MAX_COLS)
		return fail(r, CP_E_INVALID, "a table needs 1 to 256 "
		    "columns");
	if (r->n_tables == CP_REPORT_MAX_TABLES)
		return fail(r, CP_E_LIMIT, "more than 64 tables");
	for (i = 0; i < r->n_tables; i++)
		used[i] = r->tables[i].name;
	t = &r->tables[r->n_tables];
	memset(t, 0, sizeof(*t));
	cp_report_sheet_name(is_ja(r) && def->ja != NULL ? def->ja : def->en,
	    used, r->n_tables, t->name, sizeof(t->name));
	t->def = def;
	t->n_cols = def->n_cols;
	for (i = 0; i < def->n_cols; i++) {
		int ty = def->cols[i].type;

		if (ty < CP_COL_TEXT || ty > CP_COL_URL)
			return fail(r, CP_E_INVALID, "column %s has no known "
			    "type", def->cols[i].en);
		t->types[i] = ty;
	}
	r->n_tables++;
	*out = t;
	return CP_OK;
}

/* Tells the plugin about table t (resume: a table it knows). */
static cp_err
plugin_table(cp_report *r, const struct rtable *t, int resume)
{
	json_t *tj = resume ? json_pack("{s:s, s:b}", "name", t->name,
	    "resume", 1) : table_json(r, t);
	cp_err e;

	if (tj == NULL)
		return fail(r, CP_E_NOMEM, "out of memory");
	e = r->ops->add_table(r->doc, tj);
	json_decref(tj);
	if (e != CP_OK)
		return fail(r, e, "the writer refused table '%s'", t->name);
	return CP_OK;
}

cp_err
cp_report_table(cp_report *r, const struct cp_report_table *def)
{
	struct rtable *t;
	cp_err e;

	if (r->err != CP_OK)
		return r->err;
	e = add_table(r, def, &t);
	if (e != CP_OK)
		return e;
	if (r->ops == NULL) {
		r->cur = t;
		/* A blank record between tables. */
		if (r->n_tables > 1 && r->csv != NULL &&
		    cp_csv_row(r->csv, NULL, 0) != CP_OK)
			return fail(r, CP_E_IO, "%s", strerror(errno));
		return csv_header(r, t);
	}
	if ((e = plugin_table(r, t, 0)) != CP_OK)
		return e;
	r->cur = t;
	return CP_OK;
}

cp_err
cp_report_summary(cp_report *r)
{
	if (r->err != CP_OK)
		return r->err;
	if (r->summary_def == NULL)
		return fail(r, CP_E_INVALID, "the report has no summary");
	if (r->ops == NULL)
		return cp_report_table(r, r->summary_def);
	r->cur = &r->tables[r->summary];
	return plugin_table(r, r->cur, 1);
}

/* Counts UTF-16 units of s up to max; *cut: bytes that fit max - 1. */
static size_t
u16_units(const char *s, size_t max, size_t *cut)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t units = 0, b = 0;

	*cut = 0;
	while (p[b] != '\0') {
		size_t l = u8len(p + b);

		units += l == 4 ? 2 : 1;
		if (units <= max - 1)
			*cut = b + l;
		if (units > max)
			return units;
		b += l;
	}
	return units;
}

/* A text cell for a plugin: neutralised, at most CP_REPORT_MAX_CELL. */
static json_t *
plugin_text(cp_report *r, const char *s)
{
	size_t cut, n = strlen(s);
	int neutral = cp_csv_is_formula(s);
	int shorten = u16_units(s, CP_REPORT_MAX_CELL - (size_t)neutral,
	    &cut) > CP_REPORT_MAX_CELL - (size_t)neutral;
	char *buf;
	json_t *j;

	if (!neutral && !shorten) {
		j = json_stringn(s, n);
		return j != NULL ? j : json_string("\xef\xbf\xbd");
	}
	if (shorten) {
		r->shortened++;
		n = cut;
	}
	buf = malloc(n + 5);
	if (buf == NULL)
		return NULL;
	if (neutral)
		buf[0] = '\'';
	memcpy(buf + neutral, s, n);
	if (shorten)
		memcpy(buf + neutral + n, "\xe2\x80\xa6", 3);	/* ... */
	j = json_stringn(buf, (size_t)neutral + n + (shorten ? 3 : 0));
	free(buf);
	return j != NULL ? j : json_string("\xef\xbf\xbd");
}

static int
kind_fits(int type, int kind)
{
	switch (kind) {
	case CP_CELL_NULL:
		return 1;
	case CP_CELL_TEXT:
		return type == CP_COL_TEXT || type == CP_COL_URL;
	case CP_CELL_INT:
		return type == CP_COL_INTEGER || type == CP_COL_TIME;
	case CP_CELL_REAL:
		return type == CP_COL_DECIMAL || type == CP_COL_PERCENT;
	default:
		return 0;
	}
}

static cp_err
csv_row(cp_report *r, const struct cp_cell *cells, size_t n)
{
	const char *text[CP_REPORT_MAX_COLS];
	int numeric[CP_REPORT_MAX_COLS];
	char bufs[CP_REPORT_MAX_COLS][64];
	size_t i;

	for (i = 0; i < n; i++) {
		text[i] = cp_report_cell_text(r->cur->types[i], &cells[i],
		    bufs[i], sizeof(bufs[i]));
		numeric[i] = cells[i].kind == CP_CELL_INT ||
		    cells[i].kind == CP_CELL_REAL;
	}
	return text_row(r, text, numeric, n);
}

static cp_err
plugin_row(cp_report *r, const struct cp_cell *cells, size_t n)
{
	size_t i;
	cp_err e;

	json_array_clear(r->row);
	for (i = 0; i < n; i++) {
		json_t *v;

		switch (cells[i].kind) {
		case CP_CELL_TEXT:
			v = plugin_text(r, cells[i].s);
			break;
		case CP_CELL_INT:
			v = json_integer((json_int_t)cells[i].i);
			break;
		case CP_CELL_REAL:
			v = json_real(cells[i].d);
			break;
		default:
			v = json_null();
			break;
		}
		if (v == NULL || json_array_append_new(r->row, v) != 0)
			return fail(r, CP_E_NOMEM, "out of memory");
	}
	e = r->ops->add_row(r->doc, r->row);
	if (e != CP_OK)
		return fail(r, e, "the writer failed on a row of '%s': %s%s",
		    r->cur->name, cp_strerror(e), e == CP_E_LIMIT ? " (a sheet "
		    "holds at most 1,048,576 rows in XLSX; CSV has no limit)" :
		    "");
	return CP_OK;
}

/*
 * Text cells that are not valid UTF-8 (cloud data, or our own text cut
 * by a fixed-size buffer) repaired: *fixed is NULL when all are valid,
 * else a copy of the row whose repaired cells point into *copies.
 */
static cp_err
repair_row(cp_report *r, const struct cp_cell *cells, size_t n,
    struct cp_cell **fixed, char ***copies)
{
	size_t i;

	*fixed = NULL;
	*copies = NULL;
	for (i = 0; i < n; i++) {
		char *c;

		if (cells[i].kind != CP_CELL_TEXT ||
		    (c = u8repair(cells[i].s)) == NULL)
			continue;
		if (*fixed == NULL) {
			*fixed = malloc(n * sizeof(**fixed));
			*copies = calloc(n, sizeof(**copies));
			if (*fixed == NULL || *copies == NULL) {
				free(*fixed);
				free(*copies);
				free(c);
				*fixed = NULL;
				return fail(r, CP_E_NOMEM, "out of memory");
			}
			memcpy(*fixed, cells, n * sizeof(**fixed));
		}
		(*copies)[i] = c;
		(*fixed)[i].s = c;
		r->repaired++;
	}
	return CP_OK;
}

cp_err
cp_report_row(cp_report *r, const struct cp_cell *cells, size_t n)
{
	struct cp_cell *fixed;
	char **copies;
	size_t i;
	cp_err e;

	if (r->err != CP_OK)
		return r->err;
	if (r->cancel != NULL && *r->cancel != 0)
		return fail(r, CP_E_CANCELLED, "interrupted");
	if (r->cur == NULL)
		return fail(r, CP_E_INVALID, "a row before any table");
	if (n != r->cur->n_cols)
		return fail(r, CP_E_INVALID, "a row of '%s' with the wrong "
		    "number of cells", r->cur->name);
	for (i = 0; i < n; i++) {
		if (!kind_fits(r->cur->types[i], cells[i].kind) ||
		    (cells[i].kind == CP_CELL_TEXT && cells[i].s == NULL))
			return fail(r, CP_E_INVALID, "a cell that does not "
			    "fit its column %s", r->cur->def->cols[i].en);
		if (cells[i].kind == CP_CELL_REAL && !isfinite(cells[i].d))
			return fail(r, CP_E_INVALID, "a cell of column %s is "
			    "not a finite number", r->cur->def->cols[i].en);
	}
	e = repair_row(r, cells, n, &fixed, &copies);
	if (e != CP_OK)
		return e;
	if (fixed != NULL)
		cells = fixed;
	e = r->ops == NULL ? csv_row(r, cells, n) : plugin_row(r, cells, n);
	if (e == CP_OK)
		r->rows++;
	if (fixed != NULL) {
		for (i = 0; i < n; i++)
			free(copies[i]);
		free(copies);
		free(fixed);
	}
	return e;
}

size_t
cp_report_rows(const cp_report *r)
{
	return r->rows;
}

size_t
cp_report_shortened(const cp_report *r)
{
	return r->shortened;
}

size_t
cp_report_repaired(const cp_report *r)
{
	return r->repaired;
}

static void
report_free(cp_report *r)
{
	json_decref(r->row);
	free(r->path);
	free(r->tmp);
	free(r);
}

/* Reserves a temporary name beside path: fd open on it. */
static int
reserve_tmp(cp_report *r)
{
	size_t n = strlen(r->path) + 16;
	int fd;

	r->tmp = malloc(n);
	if (r->tmp == NULL)
		return -1;
	snprintf(r->tmp, n, "%s.tmp-XXXXXX", r->path);
	fd = mkstemp(r->tmp);
	if (fd < 0) {
		free(r->tmp);
		r->tmp = NULL;
	}
	return fd;
}

static cp_err
open_plugin(cp_report *r, const struct cp_report_opts *o, char *why,
    size_t why_size)
{
	const void *ops = NULL;
	void *ctx = NULL;
	json_t *opts;
	char dir[4096], absdir[PATH_MAX], *slash;
	cp_err e;
	int fd;

	if (o->plugins == NULL || cp_registry_find(o->plugins,
	    CP_CAP_REPORT, o->format, &ops, &ctx) == NULL) {
		snprintf(why, why_size, "no report writer for format '%s'%s",
		    o->format, strcmp(o->format, "xlsx") == 0 ? " (the "
		    "report-xlsx plugin was not built or is not enabled; it "
		    "needs libxlsxwriter)" : "");
		return CP_E_UNSUPPORTED;
	}
	r->ops = ops;
	if (r->path == NULL) {
		snprintf(why, why_size, "%s cannot go to standard output: "
		    "give -o FILE", o->format);
		return CP_E_INVALID;
	}
	fd = reserve_tmp(r);
	if (fd < 0) {
		snprintf(why, why_size, "cannot write %s: %s", r->path,
		    strerror(errno));
		return CP_E_IO;
	}
	close(fd);
	/* The scratch folder: the file's own, as an absolute path. */
	snprintf(dir, sizeof(dir), "%s", r->tmp);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (realpath(dir, absdir) == NULL) {
		snprintf(why, why_size, "cannot write %s: %s", r->path,
		    strerror(errno));
		unlink(r->tmp);
		return CP_E_IO;
	}
	opts = json_pack("{s:s, s:s}", "lang", is_ja(r) ? "ja" : "en",
	    "tmpdir", absdir);
	if (opts != NULL && o->title != NULL)
		json_object_set_new(opts, "title", json_string(o->title));
	r->row = json_array();
	if (opts == NULL || r->row == NULL) {
		json_decref(opts);
		unlink(r->tmp);
		snprintf(why, why_size, "out of memory");
		return CP_E_NOMEM;
	}
	e = r->ops->open(ctx, r->tmp, opts, &r->doc);
	json_decref(opts);
	if (e != CP_OK) {
		r->doc = NULL;
		unlink(r->tmp);
		snprintf(why, why_size, "cannot write %s: the %s writer "
		    "failed: %s", r->path, o->format, cp_strerror(e));
		return e;
	}
	return CP_OK;
}

static cp_err
open_csv(cp_report *r, const struct cp_report_opts *o, char *why,
    size_t why_size)
{
	int fd;

	if (r->path == NULL)
		r->fp = stdout;
	else {
		fd = reserve_tmp(r);
		if (fd < 0 || (r->fp = fdopen(fd, "w")) == NULL) {
			snprintf(why, why_size, "cannot write %s: %s",
			    r->path, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(r->tmp);
			}
			return CP_E_IO;
		}
	}
	r->csv = cp_csv_create(r->fp, (o->flags & CP_REPORT_NO_BOM) != 0 ?
	    CP_CSV_NO_BOM : 0);
	if (r->csv == NULL) {
		if (r->fp != stdout) {
			fclose(r->fp);
			unlink(r->tmp);
		}
		snprintf(why, why_size, "out of memory");
		return CP_E_NOMEM;
	}
	return CP_OK;
}

cp_err
cp_report_open(const struct cp_report_opts *o, cp_report **out, char *why,
    size_t why_size)
{
	cp_report *r;
	struct rtable *t;
	cp_err e;

	*out = NULL;
	if (o->text_fn != NULL) {
		r = calloc(1, sizeof(*r));
		if (r == NULL) {
			snprintf(why, why_size, "out of memory");
			return CP_E_NOMEM;
		}
		r->lang = o->lang != NULL && strcmp(o->lang, "ja") == 0 ?
		    "ja" : "en";
		r->log = o->log;
		r->summary = -1;
		r->summary_def = o->summary;
		r->text_fn = o->text_fn;
		r->text_ud = o->text_ud;
		r->cancel = o->cancel;
		*out = r;
		return CP_OK;
	}
	if (o->format == NULL || o->path == NULL || o->path[0] == '\0') {
		snprintf(why, why_size, "a report needs a format and a file");
		return CP_E_INVALID;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(why, why_size, "out of memory");
		return CP_E_NOMEM;
	}
	r->lang = o->lang != NULL && strcmp(o->lang, "ja") == 0 ? "ja" : "en";
	r->log = o->log;
	r->summary = -1;
	r->cancel = o->cancel;
	if (strcmp(o->path, "-") != 0 && (r->path = strdup(o->path)) ==
	    NULL) {
		free(r);
		snprintf(why, why_size, "out of memory");
		return CP_E_NOMEM;
	}
	e = strcmp(o->format, "csv") == 0 ? open_csv(r, o, why, why_size) :
	    open_plugin(r, o, why, why_size);
	if (e != CP_OK) {
		report_free(r);
		return e;
	}
	r->summary_def = o->summary;
	if (o->summary != NULL && r->ops != NULL) {
		/* First in the document, filled last. */
		e = add_table(r, o->summary, &t);
		if (e == CP_OK)
			e = plugin_table(r, t, 0);
		if (e == CP_OK)
			r->summary = 0;
	}
	*out = r;
	if (e != CP_OK)
		snprintf(why, why_size, "%s", r->why);
	return e;
}

cp_err
cp_report_close(cp_report *r, int commit, char *why, size_t why_size)
{
	cp_err e;

	if (r == NULL)
		return CP_OK;
	if (r->err != CP_OK)
		commit = 0;
	if (r->csv != NULL) {
		if (cp_csv_close(r->csv) != CP_OK)
			fail(r, CP_E_IO, "%s", strerror(errno));
		if (r->fp != stdout && fclose(r->fp) != 0)
			fail(r, CP_E_IO, "%s", strerror(errno));
		if (r->fp == stdout && fflush(stdout) != 0)
			fail(r, CP_E_IO, "%s", strerror(errno));
	} else if (r->ops != NULL && r->doc != NULL) {
		e = r->ops->close(r->doc, commit && r->err == CP_OK);
		if (e != CP_OK)
			fail(r, e, "the writer could not finish the file: %s",
			    cp_strerror(e));
	}
	if (r->tmp != NULL) {
		if (commit && r->err == CP_OK && (chmod(r->tmp, 0640) != 0 ||
		    rename(r->tmp, r->path) != 0))
			fail(r, CP_E_IO, "%s", strerror(errno));
		if (!commit || r->err != CP_OK)
			unlink(r->tmp);
	}
	e = r->err;
	if (e == CP_OK && !commit)
		e = CP_E_CANCELLED;
	if (why != NULL && why_size > 0)
		snprintf(why, why_size, "%s", e == CP_OK ? "" : r->err !=
		    CP_OK ? r->why : "abandoned");
	report_free(r);
	return e;
}
