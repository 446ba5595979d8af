/*
 * report.h - the report model: a report is a few tables (sheets) whose
 * rows stream to a writer, so a report of millions of rows never sits
 * whole in memory.
 *
 * Writers: CSV is built in; other formats ("xlsx") come from report
 * writer plugins (cloudpatrol/plugin.h, struct cp_report_ops).  A report
 * is written to a temporary name beside the file asked for and renamed
 * over it only when it is complete, so a failure never leaves a partial
 * file under that name.
 *
 *	cp_report_open(&o, &r, why, sizeof(why));
 *	cp_report_table(r, &risks);
 *	for (...) cp_report_row(r, cells, n);
 *	cp_report_summary(r);			(when o.summary was given)
 *	cp_report_row(r, score_cells, n);
 *	cp_report_close(r, 1, why, sizeof(why));
 *
 * Text cells that start like a formula (= + - @ TAB CR) are neutralised
 * with a leading apostrophe in every format.  Text longer than Excel's
 * 32,767 characters is kept whole in CSV and shortened (ending in "…")
 * for plugin writers; cp_report_shortened() tells how many cells were.
 * Sheet names are made valid for Excel: the characters [ ] : * ? / \
 * become "_", a leading or trailing apostrophe is dropped, names are cut
 * to 31 characters and a name already used (ignoring case), or Excel's
 * own "History", gets " (2)", " (3)"...
 */
#ifndef CP_REPORT_REPORT_H
#define CP_REPORT_REPORT_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include <cloudpatrol/err.h>

#include "log/log.h"
#include "plugin/registry.h"

enum cp_col_type {
	CP_COL_TEXT = 0,
	CP_COL_INTEGER,
	CP_COL_DECIMAL,
	CP_COL_PERCENT,		/* a fraction: 0.875 is 87.5 % */
	CP_COL_TIME,		/* seconds since the epoch, UTC */
	CP_COL_URL
};

struct cp_report_col {
	const char *en;			/* header text */
	const char *ja;
	int type;			/* enum cp_col_type */
	unsigned width;			/* characters; 0: from the header */
};

struct cp_report_table {
	const char *en;			/* sheet name (made valid) */
	const char *ja;
	const struct cp_report_col *cols;
	size_t n_cols;
};

enum cp_cell_kind {
	CP_CELL_NULL = 0,		/* an empty cell */
	CP_CELL_TEXT,			/* text and url columns */
	CP_CELL_INT,			/* integer and time columns */
	CP_CELL_REAL			/* decimal and percent columns */
};

struct cp_cell {
	int kind;
	const char *s;
	long long i;
	double d;
};

static inline struct cp_cell
cp_cell_text(const char *s)
{
	struct cp_cell c = { s != NULL ? CP_CELL_TEXT : CP_CELL_NULL, s, 0,
	    0 };
	return c;
}

static inline struct cp_cell
cp_cell_int(long long i)
{
	struct cp_cell c = { CP_CELL_INT, NULL, i, 0 };
	return c;
}

/* A time; 0 or less is an empty cell. */
static inline struct cp_cell
cp_cell_time(time_t t)
{
	struct cp_cell c = { t > 0 ? CP_CELL_INT : CP_CELL_NULL, NULL,
	    (long long)t, 0 };
	return c;
}

static inline struct cp_cell
cp_cell_real(double d)
{
	struct cp_cell c = { CP_CELL_REAL, NULL, 0, d };
	return c;
}

static inline struct cp_cell
cp_cell_null(void)
{
	struct cp_cell c = { CP_CELL_NULL, NULL, 0, 0 };
	return c;
}

#define CP_REPORT_NO_BOM	0x1u	/* CSV without a byte order mark */

#define CP_REPORT_MAX_TABLES	64
#define CP_REPORT_MAX_COLS	256
#define CP_REPORT_MAX_CELL	32767	/* Excel's limit, in UTF-16 units */
#define CP_REPORT_SHEET_MAX	31	/* Excel's limit, in UTF-16 units */

/* Receives every row (a table's header first) as the text CSV holds
 * before quoting; table is the sheet name. */
typedef cp_err (*cp_report_text_fn)(void *ud, const char *table,
    const char *const *cells, size_t n);

struct cp_report_opts {
	const char *format;		/* "csv" or a writer plugin's */
	const char *path;		/* "-": standard output (CSV only) */
	const char *lang;		/* "en" or "ja" */
	const char *title;		/* may be NULL */
	unsigned flags;			/* CP_REPORT_NO_BOM */
	/* Placed first and filled last, after cp_report_summary(); CSV
	 * writes it at the end.  May be NULL. */
	const struct cp_report_table *summary;
	cp_registry *plugins;		/* writer plugins (not for CSV) */
	cp_log *log;
	/* When *cancel becomes non-zero (a signal), the next row fails with
	 * CP_E_CANCELLED and the report is abandoned.  May be NULL. */
	const volatile sig_atomic_t *cancel;
	/* Instead of a file (format and path unused): for tests. */
	cp_report_text_fn text_fn;
	void *text_ud;
};

typedef struct cp_report cp_report;


/*
 * Opens a report.  CP_E_UNSUPPORTED when no writer offers the format,
 * CP_E_IO when the file cannot be created; why says which and why.
 */
cp_err cp_report_open(const struct cp_report_opts *o, cp_report **out,
    char *why, size_t why_size);

/* Starts a table; the rows that follow go to it. */
cp_err cp_report_table(cp_report *r, const struct cp_report_table *t);

/* Rows that follow go to the summary table (opts.summary). */
cp_err cp_report_summary(cp_report *r);

/* One row: n cells, as many as the table has columns. */
cp_err cp_report_row(cp_report *r, const struct cp_cell *cells, size_t n);

/*
 * Finishes (commit 1) or abandons (0) the report and frees r.  Committed,
 * the file is renamed to its path; otherwise nothing is left behind.
 * Returns the first error of the report's life, with why.
 */
cp_err cp_report_close(cp_report *r, int commit, char *why,
    size_t why_size);

/*
 * Rows written so far (all tables), text cells shortened, and text cells
 * that were not valid UTF-8 (each byte that starts no character became
 * U+FFFD; a character cut at the very end was dropped).
 */
size_t cp_report_rows(const cp_report *r);
size_t cp_report_shortened(const cp_report *r);
size_t cp_report_repaired(const cp_report *r);

/*
 * A valid sheet name for want (see above), not equal ignoring case to any
 * of the n names in used.  out holds at least CP_REPORT_SHEET_MAX * 4 + 1
 * bytes.
 */
void cp_report_sheet_name(const char *want, const char *const *used,
    size_t n, char *out, size_t out_size);

/* The text of a cell for CSV: times as "YYYY-MM-DD HH:MM:SS" (UTC),
 * percents as "87.5%".  buf holds at least 64 bytes. */
const char *cp_report_cell_text(int type, const struct cp_cell *c,
    char *buf, size_t buf_size);

#endif /* CP_REPORT_REPORT_H */
