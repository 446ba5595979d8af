/*
 * report-xlsx.c - the XLSX report writer: the report-writer contract of
 * <cloudpatrol/plugin.h> (struct cp_report_ops, format "xlsx") over
 * libxlsxwriter in constant-memory mode.
 *
 * One worksheet per table.  The header row is bold and frozen, an
 * autofilter covers the header and the data, each column gets the width
 * of its "width" hint or one from its title.  Cells are typed: integers,
 * decimals (0.00), percentages (0.0%) and timestamps (yyyy-mm-dd
 * hh:mm:ss, UTC) are numbers Excel can compute with; http(s) URLs are
 * hyperlinks; text is text, with a leading apostrophe when it starts like
 * a formula (= + - @ TAB CR: OWASP's rule; the core does it first, and
 * a neutralised cell starts with the apostrophe, so doing it again
 * changes nothing).
 *
 * Memory stays bounded whatever the row count: libxlsxwriter keeps one
 * row per sheet in memory and streams the rest to a scratch file of that
 * sheet (in the "tmpdir" option), which is why rows of a sheet only ever
 * go forward and why "resume" can add rows to an earlier sheet.  What
 * else grows with the data is capped here: hyperlinks (kept in memory by
 * libxlsxwriter until the end) to XL_LINKS_PER_SHEET per sheet and
 * XL_LINK_BUDGET bytes per document; further URLs are written as text.
 *
 * libxlsxwriter does not check its writes to the scratch files; a full
 * disk would give a truncated sheet inside a file it calls good.  So the
 * scratch file of each sheet is checked after every row (ferror), and
 * before the workbook is assembled the free space and the file size
 * limit are checked against the largest sheet.  Every lxw_error is
 * checked; I/O failures are CP_E_IO and leave the document broken: every
 * later call fails the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include <cloudpatrol/plugin.h>

/* Excel's limits (Excel specifications and limits). */
#define XL_NAME_MAX 31			/* characters in a sheet name */
#define XL_CELL_MAX 32767		/* characters in a cell */
#define XL_URL_MAX 2079			/* characters in a hyperlink */
#define XL_LINKS_PER_SHEET 65530	/* hyperlinks in a worksheet */
#define XL_ROWS_MAX 1048576u		/* rows in a worksheet */
#define XL_COLS_MAX 16384u		/* columns in a worksheet */
#define XL_WIDTH_HINT_MAX 255.0		/* a column's width */
#define XL_INT_DIGITS_MAX 999999999999999LL	/* 15 digits: exact */
/* Timestamps Excel shows as dates: 1900-03-01 to 9999-12-31 23:59:59
 * (before March 1900 its serials carry the 1900 leap-year bug). */
#define XL_TS_MIN (-2203891200LL)
#define XL_TS_MAX 253402300799LL

/* Our own bounds. */
#define XL_TABLES_MAX 256		/* sheets: each holds a scratch file */
#define XL_LINK_BUDGET (8u * 1024 * 1024)	/* hyperlink bytes kept */
#define XL_LINK_OVERHEAD 192		/* libxlsxwriter's bytes per link */
#define XL_WIDTH_MIN 8			/* default widths, in characters */
#define XL_WIDTH_MAX 60
#define XL_WIDTH_TS 20			/* "yyyy-mm-dd hh:mm:ss" and a bit */
#define XL_WIDTH_NUM 10
#define XL_SPACE_MARGIN (1024LL * 1024)	/* beyond the largest sheet */
#define XL_TITLE_MAX 255		/* document title, in bytes */

enum xl_type {
	XL_TEXT = 0,
	XL_INT,
	XL_DEC,
	XL_PCT,
	XL_TS,
	XL_URL
};

static const char *const xl_type_names[] = {
	"text", "integer", "decimal", "percentage", "timestamp", "url"
};

/* What a column type takes, for messages. */
static const char *const xl_type_wants[] = {
	"a string", "an integer", "a real", "a real (a fraction)",
	"an integer (seconds since the epoch)", "a string"
};

struct xl_ctx {
	const struct cp_host *host;
	cp_plugin *self;
	int zip64;
};

struct xl_table {
	char *name;
	lxw_worksheet *ws;
	unsigned char *types;		/* enum xl_type per column */
	lxw_col_t ncols;
	uint32_t rows;			/* written, the header included */
	uint32_t links;			/* hyperlinks written */
};

struct xl_doc {
	const struct xl_ctx *ctx;
	lxw_workbook *wb;
	lxw_format *bold, *f_int, *f_dec, *f_pct, *f_ts;
	struct xl_table *tables;
	size_t ntables;
	struct xl_table *cur;		/* where rows go */
	char *path;
	char *tmpdir;
	char *title;
	char *buf;			/* a neutralised cell, a number */
	size_t buf_cap;
	size_t link_bytes;
	int broken;			/* an I/O error happened */
};

/* ------------------------------------------------------------ helpers */

static void xl_log(const struct xl_ctx *c, int level, const char *fmt, ...)
    CP_PRINTF(3, 4);

static void
xl_log(const struct xl_ctx *c, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->host->log(c->self, level, "%s", msg);
}

static char *
xl_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

/* Decodes the code point at *s (valid UTF-8, as jansson guarantees). */
static uint32_t
xl_next_cp(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	uint32_t cp;
	size_t n, i;

	if (p[0] < 0x80) {
		*s += 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f;
		n = 2;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f;
		n = 3;
	} else {
		cp = p[0] & 0x07;
		n = 4;
	}
	for (i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
		cp = (cp << 6) | (p[i] & 0x3f);
	*s += i;
	return cp;
}

/*
 * The length of s in UTF-16 code units: how Excel counts the characters
 * of a cell or a sheet name (a character beyond U+FFFF counts two).
 */
static size_t
xl_units(const char *s, size_t len)
{
	size_t i, n = 0;
	unsigned char b;

	for (i = 0; i < len; i++) {
		b = (unsigned char)s[i];
		if ((b & 0xc0) != 0x80)
			n += b >= 0xf0 ? 2 : 1;
	}
	return n;
}

/* Whether a code point is shown two columns wide (East Asian wide). */
static int
xl_wide(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) ||
	    (cp >= 0x2e80 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) ||
	    (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) ||
	    (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) ||
	    (cp >= 0x20000 && cp <= 0x3fffd);
}

/* The columns a text takes on screen. */
static size_t
xl_display_width(const char *s)
{
	size_t w = 0;

	while (*s != '\0')
		w += xl_wide(xl_next_cp(&s)) ? 2 : 1;
	return w;
}

/*
 * Excel compares sheet names ignoring case.  Folds ASCII, Latin-1,
 * Greek, Cyrillic and full-width Latin capitals (the letters report
 * names are written in); other scripts compare as they are.
 */
static uint32_t
xl_fold(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 0x20;
	if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
		return cp + 0x20;
	if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)
		return cp + 0x20;
	if (cp >= 0x410 && cp <= 0x42f)
		return cp + 0x20;
	if (cp >= 0x400 && cp <= 0x40f)
		return cp + 0x50;
	if (cp >= 0xff21 && cp <= 0xff3a)
		return cp + 0x20;
	return cp;
}

static int
xl_same_name(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0')
		if (xl_fold(xl_next_cp(&a)) != xl_fold(xl_next_cp(&b)))
			return 0;
	return *a == '\0' && *b == '\0';
}

/* Whether a text cell must be neutralised (OWASP: = + - @ TAB CR). */
static int
xl_formula_like(const char *s)
{
	return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

/* Makes doc->buf hold at least n bytes. */
static cp_err
xl_reserve(struct xl_doc *d, size_t n)
{
	char *p;

	if (n <= d->buf_cap)
		return CP_OK;
	p = realloc(d->buf, n);
	if (p == NULL)
		return CP_E_NOMEM;
	d->buf = p;
	d->buf_cap = n;
	return CP_OK;
}

/*
 * What an lxw_error means for the core: allocation failures, file and
 * zip failures (a full disk, an unwritable path), and the rest, which
 * this file checks before libxlsxwriter could refuse it.
 */
static cp_err
xl_map(lxw_error e)
{
	switch (e) {
	case LXW_NO_ERROR:
		return CP_OK;
	case LXW_ERROR_MEMORY_MALLOC_FAILED:
		return CP_E_NOMEM;
	case LXW_ERROR_CREATING_XLSX_FILE:
	case LXW_ERROR_CREATING_TMPFILE:
	case LXW_ERROR_READING_TMPFILE:
	case LXW_ERROR_ZIP_FILE_OPERATION:
	case LXW_ERROR_ZIP_PARAMETER_ERROR:
	case LXW_ERROR_ZIP_BAD_ZIP_FILE:
	case LXW_ERROR_ZIP_INTERNAL_ERROR:
	case LXW_ERROR_ZIP_FILE_ADD:
	case LXW_ERROR_ZIP_CLOSE:
		return CP_E_IO;
	default:
		return CP_E_INVALID;
	}
}

/* Records a failure of libxlsxwriter; I/O failures break the document. */
static cp_err
xl_lxw_fail(struct xl_doc *d, lxw_error e, const char *what)
{
	cp_err r = xl_map(e);

	if (r == CP_E_IO || r == CP_E_NOMEM)
		d->broken = 1;
	xl_log(d->ctx, CP_LOG_ERROR, "%s: %s: libxlsxwriter: %s", d->path,
	    what, lxw_strerror(e));
	return r;
}

/*
 * libxlsxwriter ignores write errors on a sheet's scratch file: look at
 * the file's error flag ourselves (the lxw_worksheet member is public).
 */
static cp_err
xl_check_scratch(struct xl_doc *d, const struct xl_table *t, int flush)
{
	FILE *f = t->ws->optimize_tmpfile;

	if (f == NULL)
		return CP_OK;
	if ((flush && fflush(f) != 0) || ferror(f)) {
		d->broken = 1;
		xl_log(d->ctx, CP_LOG_ERROR, "%s: writing the scratch file of "
		    "sheet '%s' in %s failed (a full disk or the file size "
		    "limit)", d->path, t->name, d->tmpdir);
		return CP_E_IO;
	}
	return CP_OK;
}

/* ------------------------------------------------------------ open */

/* The directory part of path (a new string), "." when it has none. */
static char *
xl_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n;
	char *d;

	if (slash == NULL)
		return xl_strdup(".");
	n = slash == path ? 1 : (size_t)(slash - path);
	d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, path, n);
	d[n] = '\0';
	return d;
}

/* Reads the options; 0 when they are fine, else logs why. */
static cp_err
xl_options(struct xl_doc *d, const json_t *options)
{
	const json_t *lang, *title, *tmpdir;

	if (options != NULL && !json_is_object(options)) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: the options are not a JSON "
		    "object", d->path);
		return CP_E_INVALID;
	}
	lang = json_object_get(options, "lang");
	if (lang != NULL && !json_is_null(lang) &&
	    (!json_is_string(lang) ||
	    (strcmp(json_string_value(lang), "en") != 0 &&
	    strcmp(json_string_value(lang), "ja") != 0))) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: option lang is neither "
		    "\"en\" nor \"ja\"", d->path);
		return CP_E_INVALID;
	}
	title = json_object_get(options, "title");
	if (title != NULL && !json_is_null(title)) {
		if (!json_is_string(title) ||
		    json_string_length(title) > XL_TITLE_MAX ||
		    strlen(json_string_value(title)) !=
		    json_string_length(title)) {
			xl_log(d->ctx, CP_LOG_ERROR, "%s: option title is not "
			    "a string of at most %d bytes", d->path,
			    XL_TITLE_MAX);
			return CP_E_INVALID;
		}
		d->title = xl_strdup(json_string_value(title));
		if (d->title == NULL)
			return CP_E_NOMEM;
	}
	tmpdir = json_object_get(options, "tmpdir");
	if (tmpdir != NULL && !json_is_null(tmpdir)) {
		if (!json_is_string(tmpdir) ||
		    json_string_value(tmpdir)[0] != '/' ||
		    strlen(json_string_value(tmpdir)) !=
		    json_string_length(tmpdir) ||
		    json_string_length(tmpdir) >= 4096) {
			xl_log(d->ctx, CP_LOG_ERROR, "%s: option tmpdir is not "
			    "an absolute path", d->path);
			return CP_E_INVALID;
		}
		d->tmpdir = xl_strdup(json_string_value(tmpdir));
	} else {
		/* Beside the output: the same disk, never a RAM /tmp. */
		d->tmpdir = xl_dirname(d->path);
	}
	if (d->tmpdir == NULL)
		return CP_E_NOMEM;
	return CP_OK;
}

/* Whether the scratch directory can take files; logs why not. */
static cp_err
xl_check_tmpdir(const struct xl_doc *d)
{
	struct stat st;
	const char *why = NULL;

	if (stat(d->tmpdir, &st) != 0)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	else if (access(d->tmpdir, W_OK | X_OK) != 0)
		why = strerror(errno);
	if (why == NULL)
		return CP_OK;
	xl_log(d->ctx, CP_LOG_ERROR, "%s: cannot keep scratch files in %s: "
	    "%s", d->path, d->tmpdir, why);
	return CP_E_IO;
}

/* The formats every document uses; NULL members on no memory. */
static cp_err
xl_formats(struct xl_doc *d)
{
	d->bold = workbook_add_format(d->wb);
	d->f_int = workbook_add_format(d->wb);
	d->f_dec = workbook_add_format(d->wb);
	d->f_pct = workbook_add_format(d->wb);
	d->f_ts = workbook_add_format(d->wb);
	if (d->bold == NULL || d->f_int == NULL || d->f_dec == NULL ||
	    d->f_pct == NULL || d->f_ts == NULL)
		return CP_E_NOMEM;
	format_set_bold(d->bold);
	format_set_num_format(d->f_int, "0");
	format_set_num_format(d->f_dec, "0.00");
	format_set_num_format(d->f_pct, "0.0%");
	format_set_num_format(d->f_ts, "yyyy-mm-dd hh:mm:ss");
	return CP_OK;
}

static void xl_doc_free(struct xl_doc *d);

static cp_err
xl_open(void *ctx, const char *path, const json_t *options, void **doc)
{
	const struct xl_ctx *c = ctx;
	lxw_workbook_options wo;
	lxw_doc_properties props;
	struct xl_doc *d;
	lxw_error e;
	cp_err r;
	int fd;

	*doc = NULL;
	if (path == NULL || path[0] == '\0') {
		xl_log(c, CP_LOG_ERROR, "no output path");
		return CP_E_INVALID;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return CP_E_NOMEM;
	d->ctx = c;
	r = CP_E_NOMEM;
	d->path = xl_strdup(path);
	if (d->path == NULL)
		goto out;
	r = xl_options(d, options);
	if (r != CP_OK)
		goto out;
	/*
	 * libxlsxwriter opens the output only when the workbook is closed:
	 * make sure now that it can be written, so that an unwritable path
	 * fails before any row is produced.
	 */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		xl_log(c, CP_LOG_ERROR, "cannot create %s: %s", path,
		    strerror(errno));
		r = CP_E_IO;
		goto out;
	}
	close(fd);
	r = xl_check_tmpdir(d);
	if (r != CP_OK)
		goto out;

	memset(&wo, 0, sizeof(wo));
	wo.constant_memory = LXW_TRUE;
	wo.tmpdir = d->tmpdir;
	wo.use_zip64 = c->zip64 ? LXW_TRUE : LXW_FALSE;
	d->wb = workbook_new_opt(path, &wo);
	if (d->wb == NULL)
		goto out;
	r = xl_formats(d);
	if (r != CP_OK)
		goto out;
	memset(&props, 0, sizeof(props));
	props.title = d->title;
	props.comments = "cloudpatrol";
	/* The host's clock: fixed under test, so files compare. */
	props.created = c->host->now(c->self);
	e = workbook_set_properties(d->wb, &props);
	if (e != LXW_NO_ERROR) {
		r = xl_lxw_fail(d, e, "setting the document properties");
		goto out;
	}
	*doc = d;
	return CP_OK;
out:
	xl_doc_free(d);
	return r;
}

/* ------------------------------------------------------------ tables */

/* Checks a sheet name against Excel's rules; logs why it is refused. */
static cp_err
xl_check_name(struct xl_doc *d, const json_t *jname)
{
	const char *name = json_string_value(jname), *bad;
	size_t len, units, i;

	if (name == NULL) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: a table without a name",
		    d->path);
		return CP_E_INVALID;
	}
	len = json_string_length(jname);
	units = xl_units(name, len);
	if (strlen(name) != len || units == 0 || units > XL_NAME_MAX) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet name '%.200s' is not "
		    "1 to %d characters", d->path, name, XL_NAME_MAX);
		return CP_E_INVALID;
	}
	bad = strpbrk(name, "[]:*?/\\");
	if (bad != NULL) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet name '%s' contains "
		    "'%c' (Excel forbids [ ] : * ? / \\)", d->path, name,
		    *bad);
		return CP_E_INVALID;
	}
	if (name[0] == '\'' || name[len - 1] == '\'') {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet name '%s' starts or "
		    "ends with an apostrophe", d->path, name);
		return CP_E_INVALID;
	}
	for (i = 0; i < d->ntables; i++)
		if (xl_same_name(d->tables[i].name, name)) {
			xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet name '%s' is "
			    "taken by sheet '%s' (Excel ignores case)",
			    d->path, name, d->tables[i].name);
			return CP_E_INVALID;
		}
	return CP_OK;
}

/* The table called name (ignoring case), or NULL. */
static struct xl_table *
xl_find(struct xl_doc *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->ntables; i++)
		if (xl_same_name(d->tables[i].name, name))
			return &d->tables[i];
	return NULL;
}

static int
xl_type_of(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(xl_type_names) / sizeof(xl_type_names[0]); i++)
		if (strcmp(s, xl_type_names[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * Reads the columns into types[] and widths[]; logs why they are
 * refused.  A width hint is used as given (up to Excel's 255); without
 * one, the title's width plus room for the filter button, between
 * XL_WIDTH_MIN and XL_WIDTH_MAX, and never so narrow that a number or a
 * date shows as ####.
 */
static cp_err
xl_columns(struct xl_doc *d, const char *name, const json_t *cols,
    unsigned char *types, double *widths)
{
	const json_t *col, *title, *type, *width;
	size_t i;
	double w;
	int t;

	json_array_foreach(cols, i, col) {
		title = json_object_get(col, "title");
		type = json_object_get(col, "type");
		width = json_object_get(col, "width");
		if (!json_is_object(col) || !json_is_string(title) ||
		    !json_is_string(type)) {
			xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet '%s' column "
			    "%zu: not an object with a title and a type",
			    d->path, name, i + 1);
			return CP_E_INVALID;
		}
		t = xl_type_of(json_string_value(type));
		if (t < 0) {
			xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet '%s' column "
			    "%zu: unknown type '%.40s'", d->path, name, i + 1,
			    json_string_value(type));
			return CP_E_INVALID;
		}
		if (strlen(json_string_value(title)) !=
		    json_string_length(title) ||
		    xl_units(json_string_value(title),
		    json_string_length(title)) >= XL_CELL_MAX) {
			xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet '%s' column "
			    "%zu: the title holds a NUL or is too long",
			    d->path, name, i + 1);
			return CP_E_INVALID;
		}
		types[i] = (unsigned char)t;
		if (width != NULL && !json_is_null(width)) {
			w = json_number_value(width);
			if (!json_is_number(width) || !(w > 0)) {
				xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet '%s' "
				    "column %zu: width is not a positive "
				    "number", d->path, name, i + 1);
				return CP_E_INVALID;
			}
			widths[i] = w < XL_WIDTH_HINT_MAX ? w :
			    XL_WIDTH_HINT_MAX;
			continue;
		}
		w = (double)xl_display_width(json_string_value(title)) + 3;
		if (w < XL_WIDTH_MIN)
			w = XL_WIDTH_MIN;
		if (w > XL_WIDTH_MAX)
			w = XL_WIDTH_MAX;
		if (t == XL_TS && w < XL_WIDTH_TS)
			w = XL_WIDTH_TS;
		if ((t == XL_INT || t == XL_DEC || t == XL_PCT) &&
		    w < XL_WIDTH_NUM)
			w = XL_WIDTH_NUM;
		widths[i] = w;
	}
	return CP_OK;
}

/* Writes s (a text cell) at row, col: neutralised when formula-like. */
static cp_err
xl_put_text(struct xl_doc *d, struct xl_table *t, uint32_t row,
    lxw_col_t col, const char *s, size_t len, lxw_format *fmt)
{
	lxw_error e;

	if (xl_formula_like(s)) {
		if (xl_reserve(d, len + 2) != CP_OK)
			return CP_E_NOMEM;
		d->buf[0] = '\'';
		memcpy(d->buf + 1, s, len + 1);
		s = d->buf;
	}
	e = worksheet_write_string(t->ws, row, col, s, fmt);
	if (e != LXW_NO_ERROR)
		return xl_lxw_fail(d, e, "writing a cell");
	return CP_OK;
}

/* Starts a new table: its sheet, header row, widths and freeze. */
static cp_err
xl_new_table(struct xl_doc *d, const json_t *table, const char *name)
{
	const json_t *cols = json_object_get(table, "columns"), *col, *title;
	struct xl_table *t, *grown;
	unsigned char *types = NULL;
	double *widths = NULL;
	size_t n, i;
	lxw_error e;
	cp_err r;

	n = json_array_size(cols);
	if (!json_is_array(cols) || n == 0 || n > XL_COLS_MAX) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet '%s': columns is not "
		    "an array of 1 to %u columns", d->path, name, XL_COLS_MAX);
		return CP_E_INVALID;
	}
	if (d->ntables == XL_TABLES_MAX) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet '%s': a document holds "
		    "at most %d sheets", d->path, name, XL_TABLES_MAX);
		return CP_E_LIMIT;
	}
	r = CP_E_NOMEM;
	types = calloc(n, sizeof(*types));
	widths = calloc(n, sizeof(*widths));
	if (types == NULL || widths == NULL)
		goto out;
	r = xl_columns(d, name, cols, types, widths);
	if (r != CP_OK)
		goto out;
	r = CP_E_NOMEM;
	grown = realloc(d->tables, (d->ntables + 1) * sizeof(*grown));
	if (grown == NULL)
		goto out;
	d->tables = grown;
	t = &d->tables[d->ntables];
	memset(t, 0, sizeof(*t));
	t->name = xl_strdup(name);
	if (t->name == NULL)
		goto out;
	t->ws = workbook_add_worksheet(d->wb, name);
	if (t->ws == NULL) {
		/* Its only failures: no memory, or no scratch file. */
		free(t->name);
		d->broken = 1;
		xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet '%s': cannot add the "
		    "worksheet (no scratch file in %s, or no memory)", d->path,
		    name, d->tmpdir);
		r = CP_E_IO;
		goto out;
	}
	t->types = types;
	t->ncols = (lxw_col_t)n;
	types = NULL;
	d->ntables++;
	d->cur = t;

	json_array_foreach(cols, i, col) {
		title = json_object_get(col, "title");
		r = xl_put_text(d, t, 0, (lxw_col_t)i,
		    json_string_value(title), json_string_length(title),
		    d->bold);
		if (r != CP_OK)
			goto out;
		e = worksheet_set_column(t->ws, (lxw_col_t)i, (lxw_col_t)i,
		    widths[i], NULL);
		if (e != LXW_NO_ERROR) {
			r = xl_lxw_fail(d, e, "setting a column width");
			goto out;
		}
	}
	t->rows = 1;
	worksheet_freeze_panes(t->ws, 1, 0);
	r = xl_check_scratch(d, t, 0);
out:
	free(types);
	free(widths);
	return r;
}

static cp_err
xl_add_table(void *doc, const json_t *table)
{
	struct xl_doc *d = doc;
	const json_t *jname = json_object_get(table, "name");
	const json_t *resume = json_object_get(table, "resume");
	struct xl_table *t;
	const char *name;

	if (d->broken)
		return CP_E_IO;
	if (!json_is_object(table)) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: a table is not a JSON "
		    "object", d->path);
		return CP_E_INVALID;
	}
	if (resume != NULL && !json_is_boolean(resume)) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: resume is not true or false",
		    d->path);
		return CP_E_INVALID;
	}
	if (json_is_true(resume)) {
		name = json_string_value(jname);
		t = name != NULL ? xl_find(d, name) : NULL;
		if (t == NULL) {
			xl_log(d->ctx, CP_LOG_ERROR, "%s: cannot resume sheet "
			    "'%.200s': there is no such sheet", d->path,
			    name != NULL ? name : "(no name)");
			return CP_E_INVALID;
		}
		if (json_object_get(table, "columns") != NULL) {
			xl_log(d->ctx, CP_LOG_ERROR, "%s: resuming sheet '%s' "
			    "takes no columns (it has them)", d->path,
			    t->name);
			return CP_E_INVALID;
		}
		d->cur = t;
		return CP_OK;
	}
	if (xl_check_name(d, jname) != CP_OK)
		return CP_E_INVALID;
	return xl_new_table(d, table, json_string_value(jname));
}

/* ------------------------------------------------------------ rows */

/* Checks that a row fits the current table, before anything is written. */
static cp_err
xl_check_row(struct xl_doc *d, const struct xl_table *t, const json_t *row)
{
	const json_t *cell;
	const char *s;
	size_t i, len, units;
	int want, ok;

	if (!json_is_array(row)) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet '%s' row %u: not a "
		    "JSON array", d->path, t->name, t->rows + 1);
		return CP_E_INVALID;
	}
	if (json_array_size(row) != t->ncols) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet '%s' row %u: %zu cells "
		    "for %u columns", d->path, t->name, t->rows + 1,
		    json_array_size(row), (unsigned)t->ncols);
		return CP_E_INVALID;
	}
	if (t->rows >= XL_ROWS_MAX) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet '%s' is full (Excel "
		    "takes %u rows)", d->path, t->name, XL_ROWS_MAX);
		return CP_E_LIMIT;
	}
	json_array_foreach(row, i, cell) {
		want = t->types[i];
		switch (json_typeof(cell)) {
		case JSON_NULL:
			continue;
		case JSON_STRING:
			ok = want == XL_TEXT || want == XL_URL;
			break;
		case JSON_INTEGER:
			ok = want == XL_INT || want == XL_TS;
			break;
		case JSON_REAL:
			ok = want == XL_DEC || want == XL_PCT;
			break;
		default:
			ok = 0;
			break;
		}
		if (!ok) {
			xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet '%s' row %u "
			    "column %zu: %s in a column of type %s (it takes "
			    "%s or null)", d->path, t->name, t->rows + 1,
			    i + 1, json_is_string(cell) ? "a string" :
			    json_is_integer(cell) ? "an integer" :
			    json_is_real(cell) ? "a real" :
			    json_is_boolean(cell) ? "a boolean" :
			    json_is_array(cell) ? "an array" : "an object",
			    xl_type_names[want], xl_type_wants[want]);
			return CP_E_INVALID;
		}
		if (!json_is_string(cell))
			continue;
		s = json_string_value(cell);
		len = json_string_length(cell);
		if (strlen(s) != len) {
			xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet '%s' row %u "
			    "column %zu: the text holds a NUL character",
			    d->path, t->name, t->rows + 1, i + 1);
			return CP_E_INVALID;
		}
		/* Counting is needed only when the bytes could exceed. */
		if (len < XL_CELL_MAX)
			continue;
		units = xl_units(s, len) + (xl_formula_like(s) ? 1 : 0);
		if (units > XL_CELL_MAX) {
			xl_log(d->ctx, CP_LOG_ERROR, "%s: sheet '%s' row %u "
			    "column %zu: %zu characters%s, more than Excel's "
			    "%d", d->path, t->name, t->rows + 1, i + 1, units,
			    xl_formula_like(s) ? " once neutralised" : "",
			    XL_CELL_MAX);
			return CP_E_INVALID;
		}
	}
	return CP_OK;
}

/* Whether s is an http(s) URL short enough for an Excel hyperlink. */
static int
xl_linkable(const struct xl_doc *d, const struct xl_table *t,
    const char *s, size_t len)
{
	return (strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0) && len <= XL_URL_MAX &&
	    t->links < XL_LINKS_PER_SHEET &&
	    d->link_bytes + len + XL_LINK_OVERHEAD <= XL_LINK_BUDGET;
}

static cp_err
xl_put_url(struct xl_doc *d, struct xl_table *t, uint32_t row,
    lxw_col_t col, const char *s, size_t len)
{
	lxw_error e;

	if (!xl_linkable(d, t, s, len))
		return xl_put_text(d, t, row, col, s, len, NULL);
	e = worksheet_write_url(t->ws, row, col, s, NULL);
	if (e == LXW_ERROR_WORKSHEET_MAX_URL_LENGTH_EXCEEDED ||
	    e == LXW_ERROR_WORKSHEET_MAX_NUMBER_URLS_EXCEEDED)
		/* Longer once escaped: text keeps it all the same. */
		return xl_put_text(d, t, row, col, s, len, NULL);
	if (e != LXW_NO_ERROR)
		return xl_lxw_fail(d, e, "writing a hyperlink");
	t->links++;
	d->link_bytes += len + XL_LINK_OVERHEAD;
	return CP_OK;
}

/*
 * An integer Excel cannot hold exactly (more than 15 digits), or a
 * timestamp it cannot show as a date, is written as text: nothing lost.
 */
static cp_err
xl_put_int(struct xl_doc *d, struct xl_table *t, uint32_t row,
    lxw_col_t col, json_int_t v, int ts)
{
	char text[64];
	struct tm tm;
	time_t tt;
	lxw_error e;

	if (ts && v >= XL_TS_MIN && v <= XL_TS_MAX)
		e = worksheet_write_number(t->ws, row, col,
		    (double)v / 86400.0 + 25569.0, d->f_ts);
	else if (!ts && v >= -XL_INT_DIGITS_MAX && v <= XL_INT_DIGITS_MAX)
		e = worksheet_write_number(t->ws, row, col, (double)v,
		    d->f_int);
	else {
		tt = (time_t)v;
		text[0] = '\0';
		if (ts && (json_int_t)tt == v && gmtime_r(&tt, &tm) != NULL)
			strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm);
		if (text[0] == '\0')
			snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT,
			    v);
		e = worksheet_write_string(t->ws, row, col, text, NULL);
	}
	if (e != LXW_NO_ERROR)
		return xl_lxw_fail(d, e, "writing a number");
	return CP_OK;
}

static cp_err
xl_add_row(void *doc, const json_t *row)
{
	struct xl_doc *d = doc;
	struct xl_table *t = d->cur;
	const json_t *cell;
	uint32_t r_no;
	lxw_col_t col;
	lxw_error e;
	size_t i;
	cp_err r;

	if (d->broken)
		return CP_E_IO;
	if (t == NULL) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: a row before any table",
		    d->path);
		return CP_E_INVALID;
	}
	r = xl_check_row(d, t, row);
	if (r != CP_OK)
		return r;
	r_no = t->rows;
	json_array_foreach(row, i, cell) {
		col = (lxw_col_t)i;
		e = LXW_NO_ERROR;
		switch (t->types[i]) {
		case XL_TEXT:
			if (json_is_string(cell))
				r = xl_put_text(d, t, r_no, col,
				    json_string_value(cell),
				    json_string_length(cell), NULL);
			break;
		case XL_URL:
			if (json_is_string(cell))
				r = xl_put_url(d, t, r_no, col,
				    json_string_value(cell),
				    json_string_length(cell));
			break;
		case XL_INT:
		case XL_TS:
			if (json_is_integer(cell))
				r = xl_put_int(d, t, r_no, col,
				    json_integer_value(cell),
				    t->types[i] == XL_TS);
			break;
		case XL_DEC:
		case XL_PCT:
			if (json_is_real(cell))
				e = worksheet_write_number(t->ws, r_no, col,
				    json_real_value(cell),
				    t->types[i] == XL_DEC ? d->f_dec :
				    d->f_pct);
			break;
		}
		if (e != LXW_NO_ERROR)
			r = xl_lxw_fail(d, e, "writing a number");
		if (r != CP_OK)
			return r;
	}
	t->rows++;
	return xl_check_scratch(d, t, 0);
}

/* ------------------------------------------------------------ close */

/*
 * Before libxlsxwriter assembles the workbook: every scratch file was
 * written whole, and the disk and the file size limit leave room for the
 * largest sheet (assembled into one more scratch file, whose writes
 * libxlsxwriter does not check either).
 */
static cp_err
xl_precheck(struct xl_doc *d)
{
	struct statvfs vfs;
	struct rlimit rl;
	long long size, largest = 0, need, avail;
	size_t i;
	FILE *f;

	for (i = 0; i < d->ntables; i++) {
		if (xl_check_scratch(d, &d->tables[i], 1) != CP_OK)
			return CP_E_IO;
		f = d->tables[i].ws->optimize_tmpfile;
		size = f != NULL ? (long long)ftello(f) : 0;
		if (size > largest)
			largest = size;
	}
	need = largest + XL_SPACE_MARGIN;
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long long)rl.rlim_cur < need) {
		d->broken = 1;
		xl_log(d->ctx, CP_LOG_ERROR, "%s: the file size limit (%lld "
		    "bytes) leaves no room for the largest sheet (%lld bytes)",
		    d->path, (long long)rl.rlim_cur, largest);
		return CP_E_IO;
	}
	if (statvfs(d->tmpdir, &vfs) == 0) {
		avail = (long long)vfs.f_bavail * (long long)vfs.f_frsize;
		if (avail < need) {
			d->broken = 1;
			xl_log(d->ctx, CP_LOG_ERROR, "%s: %s has %lld bytes "
			    "free, too few to assemble the largest sheet "
			    "(%lld bytes)", d->path, d->tmpdir, avail,
			    largest);
			return CP_E_IO;
		}
	}
	return CP_OK;
}

/* A sheet's scratch file, as it was before workbook_close(). */
struct xl_scratch {
	FILE *f;
	int fd;
	dev_t dev;
	ino_t ino;
};

/*
 * When workbook_close() fails half-way, the scratch files of the sheets
 * it did not reach stay open (libxlsxwriter closes one only once it
 * copied it): an open, unlinked file that keeps its disk space, on a
 * disk that may be full.  A descriptor that still refers to the same
 * unlinked file was not closed (nobody else can open that file), so its
 * stream is closed here.
 */
static void
xl_close_leftovers(const struct xl_scratch *sc, size_t n)
{
	struct stat st;
	size_t i;

	for (i = 0; i < n; i++)
		if (sc[i].f != NULL && fstat(sc[i].fd, &st) == 0 &&
		    st.st_dev == sc[i].dev && st.st_ino == sc[i].ino)
			fclose(sc[i].f);
}

/* Sets the filters and writes the workbook; frees d->wb either way. */
static cp_err
xl_finish(struct xl_doc *d)
{
	struct xl_scratch *sc;
	struct xl_table *t;
	struct stat st;
	lxw_workbook *wb = d->wb;
	lxw_error e;
	size_t i;
	cp_err r;
	int fd;

	for (i = 0; i < d->ntables; i++) {
		t = &d->tables[i];
		e = worksheet_autofilter(t->ws, 0, 0, t->rows - 1,
		    t->ncols - 1);
		if (e != LXW_NO_ERROR)
			return xl_lxw_fail(d, e, "setting an autofilter");
	}
	r = xl_precheck(d);
	if (r != CP_OK)
		return r;
	sc = calloc(d->ntables + 1, sizeof(*sc));
	if (sc == NULL)
		return CP_E_NOMEM;
	for (i = 0; i < d->ntables; i++) {
		sc[i].f = d->tables[i].ws->optimize_tmpfile;
		if (sc[i].f == NULL)
			continue;
		sc[i].fd = fileno(sc[i].f);
		if (sc[i].fd < 0 || fstat(sc[i].fd, &st) != 0) {
			sc[i].f = NULL;
			continue;
		}
		sc[i].dev = st.st_dev;
		sc[i].ino = st.st_ino;
	}
	d->wb = NULL;
	e = workbook_close(wb);
	if (e != LXW_NO_ERROR)
		xl_close_leftovers(sc, d->ntables);
	free(sc);
	if (e != LXW_NO_ERROR)
		return xl_lxw_fail(d, e, "writing the workbook");
	/* The core renames the file next: let it be on the disk first. */
	fd = open(d->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)) {
		xl_log(d->ctx, CP_LOG_ERROR, "%s: %s", d->path,
		    strerror(errno));
		r = CP_E_IO;
	}
	if (fd >= 0)
		close(fd);
	return r;
}

static void
xl_doc_free(struct xl_doc *d)
{
	size_t i;

	if (d == NULL)
		return;
	/* lxw_workbook_free() leaves the scratch files open. */
	for (i = 0; d->wb != NULL && i < d->ntables; i++)
		if (d->tables[i].ws->optimize_tmpfile != NULL) {
			fclose(d->tables[i].ws->optimize_tmpfile);
			d->tables[i].ws->optimize_tmpfile = NULL;
			d->tables[i].ws->file = NULL;
		}
	lxw_workbook_free(d->wb);
	for (i = 0; i < d->ntables; i++) {
		free(d->tables[i].name);
		free(d->tables[i].types);
	}
	free(d->tables);
	free(d->path);
	free(d->tmpdir);
	free(d->title);
	free(d->buf);
	free(d);
}

static cp_err
xl_close(void *doc, int commit)
{
	struct xl_doc *d = doc;
	cp_err r = CP_OK;

	if (d == NULL)
		return CP_OK;
	if (commit && d->broken)
		r = CP_E_IO;
	else if (commit)
		r = xl_finish(d);
	xl_doc_free(d);
	return r;
}

/* ------------------------------------------------------------ plugin */

static cp_err
xl_init(const struct cp_host *host, cp_plugin *self, void **ctx)
{
	struct xl_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return CP_E_NOMEM;
	c->host = host;
	c->self = self;
	c->zip64 = host->config_get_bool(self, "zip64");
	*ctx = c;
	return CP_OK;
}

static void
xl_fini(void *ctx)
{
	free(ctx);
}

static const struct cp_config_key xl_config[] = {
	{ "zip64", CP_CFG_BOOL, 0, "no", 0, 0,
	    "write ZIP64 records, for sheets over 4 GiB of XML (some "
	    "readers warn about them)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

static const struct cp_report_ops xl_report = {
	.struct_size = sizeof(xl_report),
	.format = "xlsx",
	.open = xl_open,
	.add_table = xl_add_table,
	.add_row = xl_add_row,
	.close = xl_close,
};

static const struct cp_capability xl_caps[] = {
	{ CP_CAP_REPORT, sizeof(xl_report), &xl_report },
	{ CP_CAP_END, 0, NULL }
};

static const struct cp_plugin_descriptor xl_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(xl_desc),
	.name = "report-xlsx",
	.version = "1.0.0",
	.description = "writes reports as Excel workbooks (libxlsxwriter)",
	.caps = xl_caps,
	.config = xl_config,
	.init = xl_init,
	.fini = xl_fini,
};

CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
{
	(void)host_minor;
	return host_major == CP_ABI_MAJOR ? &xl_desc : NULL;
}
