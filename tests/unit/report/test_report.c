/*
 * test_report.c - the report model: sheet names made valid for Excel,
 * cell text, CSV output of several tables with the summary last, the
 * temporary name (nothing left behind on failure, a full disk included),
 * typed-cell checks, and what a writer plugin is given: the recording
 * plugin tests/plugins/jsonl-report writes every call as a JSON line.
 */
#include "../plugin/plugintest.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>

#include "plugin/loader.h"
#include "plugin/registry.h"
#include "report/report.h"
#include "util/util.h"

static cp_registry *reg;
static cp_log *tlog;
static char dir[2048];

static const struct cp_report_col cols2[] = {
	{ "Name", "名前", CP_COL_TEXT, 0 },
	{ "Count", "件数", CP_COL_INTEGER, 0 }
};
static const struct cp_report_table t_items = {
	"Items", "項目", cols2, 2
};
static const struct cp_report_table t_more = {
	"Items", "項目", cols2, 2		/* the same name again */
};

static const struct cp_report_col cols_all[] = {
	{ "Text", NULL, CP_COL_TEXT, 30 },
	{ "Int", NULL, CP_COL_INTEGER, 0 },
	{ "Dec", NULL, CP_COL_DECIMAL, 0 },
	{ "Pct", NULL, CP_COL_PERCENT, 0 },
	{ "When", NULL, CP_COL_TIME, 0 },
	{ "Link", NULL, CP_COL_URL, 0 }
};
static const struct cp_report_table t_all = {
	"All [types]", NULL, cols_all, 6
};

static const struct cp_report_col cols_sum[] = {
	{ "Scope", NULL, CP_COL_TEXT, 0 },
	{ "Score", NULL, CP_COL_PERCENT, 0 }
};
static const struct cp_report_table t_sum = {
	"Summary", "サマリー", cols_sum, 2
};

static void
path_of(const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

/* How many entries the test directory holds (temporary files too). */
static size_t
dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	CU_ASSERT_FATAL(d != NULL);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
clear_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096 + 256];

	CU_ASSERT_FATAL(d != NULL);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
}

static struct cp_report_opts
opts(const char *format, const char *path)
{
	struct cp_report_opts o;

	memset(&o, 0, sizeof(o));
	o.format = format;
	o.path = path;
	o.lang = "en";
	o.plugins = reg;
	o.log = tlog;
	return o;
}

static char *
slurp(const char *path)
{
	char *s = NULL;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(cp_file_read(path, 16u << 20, &s, &len), CP_OK);
	return s;
}

static void
test_report_sheet_names(void)
{
	const char *used[3] = { "Risks", "Risks (2)", NULL };
	char out[CP_REPORT_SHEET_MAX * 4 + 1];
	char want[256];
	size_t i;

	cp_report_sheet_name("a[b]c:d*e?f/g\\h", NULL, 0, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "a_b_c_d_e_f_g_h");
	cp_report_sheet_name("'quoted'", NULL, 0, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "quoted");
	cp_report_sheet_name("", NULL, 0, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "Sheet");
	cp_report_sheet_name("''", NULL, 0, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "Sheet");
	cp_report_sheet_name("tab\there", NULL, 0, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "tab_here");
	/* 31 characters, counted as Excel counts (UTF-16 units). */
	cp_report_sheet_name("abcdefghijklmnopqrstuvwxyz0123456789", NULL, 0,
	    out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "abcdefghijklmnopqrstuvwxyz01234");
	want[0] = '\0';
	for (i = 0; i < 40; i++)
		strcat(want, "診");
	cp_report_sheet_name(want, NULL, 0, out, sizeof(out));
	CU_ASSERT_EQUAL(strlen(out), 31 * 3);
	want[0] = '\0';
	for (i = 0; i < 16; i++)
		strcat(want, "\xf0\x9f\x98\x80");	/* 2 units each */
	cp_report_sheet_name(want, NULL, 0, out, sizeof(out));
	CU_ASSERT_EQUAL(strlen(out), 15 * 4);
	/* Unique ignoring case, within the 31 characters. */
	cp_report_sheet_name("risks", used, 1, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "risks (2)");
	cp_report_sheet_name("Risks", used, 2, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "Risks (3)");
	cp_report_sheet_name("history", NULL, 0, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "history (2)");
	used[2] = "abcdefghijklmnopqrstuvwxyz01234";
	cp_report_sheet_name("abcdefghijklmnopqrstuvwxyz0123456789", used, 3,
	    out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "abcdefghijklmnopqrstuvwxyz0 (2)");
}

static void
test_report_cell_text(void)
{
	struct cp_cell c;
	char buf[64];

	c = cp_cell_time(1700000000);
	CU_ASSERT_STRING_EQUAL(cp_report_cell_text(CP_COL_TIME, &c, buf,
	    sizeof(buf)), "2023-11-14 22:13:20");
	c = cp_cell_time(0);
	CU_ASSERT_EQUAL(c.kind, CP_CELL_NULL);
	CU_ASSERT_STRING_EQUAL(cp_report_cell_text(CP_COL_TIME, &c, buf,
	    sizeof(buf)), "");
	c = cp_cell_real(0.875);
	CU_ASSERT_STRING_EQUAL(cp_report_cell_text(CP_COL_PERCENT, &c, buf,
	    sizeof(buf)), "87.5%");
	c = cp_cell_real(0.1);
	CU_ASSERT_STRING_EQUAL(cp_report_cell_text(CP_COL_DECIMAL, &c, buf,
	    sizeof(buf)), "0.1");
	c = cp_cell_int(-5);
	CU_ASSERT_STRING_EQUAL(cp_report_cell_text(CP_COL_INTEGER, &c, buf,
	    sizeof(buf)), "-5");
	c = cp_cell_text(NULL);
	CU_ASSERT_EQUAL(c.kind, CP_CELL_NULL);
}

static void
row2(cp_report *r, const char *name, long long n, cp_err want)
{
	struct cp_cell c[2];

	c[0] = cp_cell_text(name);
	c[1] = cp_cell_int(n);
	CU_ASSERT_EQUAL(cp_report_row(r, c, 2), want);
}

static void
test_report_csv_tables_and_summary(void)
{
	struct cp_report_opts o;
	struct cp_cell c[2];
	cp_report *r;
	char path[4096], why[256], *s;

	clear_dir();
	path_of("out.csv", path, sizeof(path));
	o = opts("csv", path);
	o.lang = "ja";
	o.summary = &t_sum;
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_items), CP_OK);
	row2(r, "=1+1", -5, CP_OK);
	row2(r, "a,b", 3, CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_more), CP_OK);
	row2(r, "x", 1, CP_OK);
	CU_ASSERT_EQUAL(cp_report_summary(r), CP_OK);
	c[0] = cp_cell_text("all");
	c[1] = cp_cell_real(0.5);
	CU_ASSERT_EQUAL(cp_report_row(r, c, 2), CP_OK);
	CU_ASSERT_EQUAL(cp_report_rows(r), 4);
	/* Not there before it is complete. */
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_OK);
	s = slurp(path);
	CU_ASSERT_STRING_EQUAL(s, "\xef\xbb\xbf"
	    "名前,件数\r\n"
	    "\"'=1+1\",-5\r\n"
	    "\"a,b\",3\r\n"
	    "\r\n"
	    "名前,件数\r\n"
	    "x,1\r\n"
	    "\r\n"
	    "Scope,Score\r\n"
	    "all,50.0%\r\n");
	free(s);
	CU_ASSERT_EQUAL(dir_entries(), 1);

	/* Abandoned: nothing new, the old file kept. */
	o = opts("csv", path);
	o.flags = CP_REPORT_NO_BOM;
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_items), CP_OK);
	CU_ASSERT_EQUAL(cp_report_close(r, 0, why, sizeof(why)),
	    CP_E_CANCELLED);
	CU_ASSERT_EQUAL(dir_entries(), 1);
	s = slurp(path);
	CU_ASSERT_EQUAL(strncmp(s, "\xef\xbb\xbf", 3), 0);
	free(s);

	/* Without a BOM. */
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_items), CP_OK);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_OK);
	s = slurp(path);
	CU_ASSERT_STRING_EQUAL(s, "Name,Count\r\n");
	free(s);
}

static void
test_report_bad_cells(void)
{
	struct cp_report_opts o;
	struct cp_cell c[2];
	cp_report *r;
	char path[4096], why[256];

	clear_dir();
	path_of("bad.csv", path, sizeof(path));
	o = opts("csv", path);
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	row2(r, "before", 1, CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "a row before any table");
	CU_ASSERT_EQUAL(dir_entries(), 0);

	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_items), CP_OK);
	c[0] = cp_cell_int(1);		/* an integer in a text column */
	c[1] = cp_cell_int(1);
	CU_ASSERT_EQUAL(cp_report_row(r, c, 2), CP_E_INVALID);
	/* The first error sticks. */
	row2(r, "fine", 1, CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "a cell that does not fit its column "
	    "Name");
	CU_ASSERT_EQUAL(dir_entries(), 0);

	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_items), CP_OK);
	c[0] = cp_cell_text("one cell");
	CU_ASSERT_EQUAL(cp_report_row(r, c, 1), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_E_INVALID);

	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_sum), CP_OK);
	c[0] = cp_cell_text("nan");
	c[1] = cp_cell_real(__builtin_nan(""));
	CU_ASSERT_EQUAL(cp_report_row(r, c, 2), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_E_INVALID);
	/* No summary was given. */
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_summary(r), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_EQUAL(dir_entries(), 0);
}

static void
test_report_unwritable_and_unknown(void)
{
	struct cp_report_opts o;
	cp_report *r;
	char path[4096], why[512];

	clear_dir();
	o = opts("csv", "/nonexistent-dir/x.csv");
	CU_ASSERT_EQUAL(cp_report_open(&o, &r, why, sizeof(why)), CP_E_IO);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "cannot write /nonexistent-dir/"
	    "x.csv: No such file or directory"));
	path_of("x.ods", path, sizeof(path));
	o = opts("ods", path);
	CU_ASSERT_EQUAL(cp_report_open(&o, &r, why, sizeof(why)),
	    CP_E_UNSUPPORTED);
	CU_ASSERT_STRING_EQUAL(why, "no report writer for format 'ods'");
	o = opts("xlsx", path);
	o.plugins = NULL;
	CU_ASSERT_EQUAL(cp_report_open(&o, &r, why, sizeof(why)),
	    CP_E_UNSUPPORTED);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "report-xlsx plugin"));
	o = opts("jsonl", "-");
	CU_ASSERT_EQUAL(cp_report_open(&o, &r, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "jsonl cannot go to standard output: give "
	    "-o FILE");
	CU_ASSERT_EQUAL(dir_entries(), 0);
}

/* A full disk: RLIMIT_FSIZE with SIGXFSZ ignored makes writes fail. */
static void
test_report_full_disk(void)
{
	struct cp_report_opts o;
	struct rlimit old, lim;
	cp_report *r;
	char path[4096], why[256];
	cp_err e = CP_OK;
	int i;

	clear_dir();
	path_of("full.csv", path, sizeof(path));
	CU_ASSERT_FATAL(getrlimit(RLIMIT_FSIZE, &old) == 0);
	signal(SIGXFSZ, SIG_IGN);
	o = opts("csv", path);
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	lim = old;
	lim.rlim_cur = 64 * 1024;
	CU_ASSERT_FATAL(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	e = cp_report_table(r, &t_items);
	for (i = 0; e == CP_OK && i < 100000; i++) {
		struct cp_cell c[2];

		c[0] = cp_cell_text("a row of a report that fills the disk");
		c[1] = cp_cell_int(i);
		e = cp_report_row(r, c, 2);
	}
	CU_ASSERT_EQUAL(e, CP_E_IO);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_E_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "too large"));
	CU_ASSERT_FATAL(setrlimit(RLIMIT_FSIZE, &old) == 0);
	signal(SIGXFSZ, SIG_DFL);
	CU_ASSERT_EQUAL(dir_entries(), 0);
}

/* The lines of a jsonl-report file. */
static json_t *
lines_of(const char *path)
{
	char *s = slurp(path), *p, *nl;
	json_t *a = json_array();

	for (p = s; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		CU_ASSERT_FATAL(json_array_append_new(a, json_loads(p, 0,
		    NULL)) == 0);
	}
	free(s);
	return a;
}

static json_t *
line(json_t *a, size_t i, const char *key)
{
	return json_object_get(json_array_get(a, i), key);
}

static void
test_report_plugin_is_given(void)
{
	struct cp_report_opts o;
	struct cp_cell c[6];
	cp_report *r;
	char path[4096], why[256], *big, *wide;
	json_t *a, *t, *row;
	const char *s;
	size_t i, n;

	clear_dir();
	path_of("out.jsonl", path, sizeof(path));
	o = opts("jsonl", path);
	o.summary = &t_sum;
	o.title = "test";
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_all), CP_OK);
	big = malloc(40001);
	CU_ASSERT_FATAL(big != NULL);
	memset(big, 'x', 40000);
	big[40000] = '\0';
	wide = malloc(20000 * 4 + 1);	/* 40,000 UTF-16 units */
	CU_ASSERT_FATAL(wide != NULL);
	for (i = 0; i < 20000; i++)
		memcpy(wide + 4 * i, "\xf0\x9f\x98\x80", 4);
	wide[80000] = '\0';
	c[0] = cp_cell_text("=HYPERLINK(\"x\")");
	c[1] = cp_cell_int(-5);
	c[2] = cp_cell_real(1.25);
	c[3] = cp_cell_real(0.5);
	c[4] = cp_cell_time(1700000000);
	c[5] = cp_cell_text("https://example.com/a");
	CU_ASSERT_EQUAL(cp_report_row(r, c, 6), CP_OK);
	c[0] = cp_cell_text(big);
	c[1] = cp_cell_null();
	c[2] = cp_cell_null();
	c[3] = cp_cell_null();
	c[4] = cp_cell_time(0);
	c[5] = cp_cell_text("@x");
	CU_ASSERT_EQUAL(cp_report_row(r, c, 6), CP_OK);
	c[0] = cp_cell_text(wide);
	c[5] = cp_cell_text("\tx");
	CU_ASSERT_EQUAL(cp_report_row(r, c, 6), CP_OK);
	CU_ASSERT_EQUAL(cp_report_shortened(r), 2);
	CU_ASSERT_EQUAL(cp_report_summary(r), CP_OK);
	c[0] = cp_cell_text("+all");
	c[1] = cp_cell_real(0.75);
	CU_ASSERT_EQUAL(cp_report_row(r, c, 2), CP_OK);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(dir_entries(), 1);
	free(big);
	free(wide);

	a = lines_of(path);
	CU_ASSERT_EQUAL_FATAL(json_array_size(a), 9);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(line(a, 0,
	    "open"), "lang")), "en");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(line(a, 0,
	    "open"), "title")), "test");
	CU_ASSERT_PTR_NOT_NULL(json_object_get(line(a, 0, "open"), "tmpdir"));
	/* The summary first, then the table with its valid name. */
	t = line(a, 1, "table");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(t, "name")),
	    "Summary");
	t = line(a, 2, "table");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(t, "name")),
	    "All _types_");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(t, "columns")), 6);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
	    json_array_get(json_object_get(t, "columns"), 4), "type")),
	    "timestamp");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(
	    json_object_get(t, "columns"), 0), "width")), 30);
	CU_ASSERT_PTR_NULL(json_object_get(json_array_get(json_object_get(t,
	    "columns"), 1), "width"));
	row = line(a, 3, "row");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(row, 0)),
	    "'=HYPERLINK(\"x\")");
	CU_ASSERT_EQUAL(json_integer_value(json_array_get(row, 1)), -5);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_array_get(row, 2)), 1.25,
	    1e-12);
	CU_ASSERT_EQUAL(json_integer_value(json_array_get(row, 4)),
	    1700000000);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(row, 5)),
	    "https://example.com/a");
	row = line(a, 4, "row");
	s = json_string_value(json_array_get(row, 0));
	n = strlen(s);
	CU_ASSERT_EQUAL(n, 32766 + 3);
	CU_ASSERT_STRING_EQUAL(s + n - 3, "\xe2\x80\xa6");
	CU_ASSERT(json_is_null(json_array_get(row, 1)));
	CU_ASSERT(json_is_null(json_array_get(row, 4)));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(row, 5)),
	    "'@x");
	row = line(a, 5, "row");
	s = json_string_value(json_array_get(row, 0));
	/* 16,383 whole characters of two units, then the ellipsis. */
	CU_ASSERT_EQUAL(strlen(s), 16383 * 4 + 3);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(row, 5)),
	    "'\tx");
	t = line(a, 6, "table");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(t, "name")),
	    "Summary");
	CU_ASSERT(json_is_true(json_object_get(t, "resume")));
	row = line(a, 7, "row");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(row, 0)),
	    "'+all");
	CU_ASSERT(json_is_true(line(a, 8, "close")));
	json_decref(a);
}

static void
test_report_plugin_failures_leave_nothing(void)
{
	static const struct cp_report_table refuse = {
		"refuse", NULL, cols2, 2
	};
	struct cp_report_opts o;
	cp_report *r;
	char path[4096], why[256];

	clear_dir();
	path_of("out.jsonl", path, sizeof(path));
	o = opts("jsonl", path);
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &refuse), CP_E_INVALID);
	row2(r, "x", 1, CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "the writer refused table 'refuse'");
	CU_ASSERT_EQUAL(dir_entries(), 0);

	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_items), CP_OK);
	row2(r, "fine", 1, CP_OK);
	row2(r, "io-error", 2, CP_E_IO);
	row2(r, "fine", 3, CP_E_IO);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_E_IO);
	CU_ASSERT_STRING_EQUAL(why, "the writer failed on a row of 'Items': "
	    "input/output error");
	CU_ASSERT_EQUAL(dir_entries(), 0);
}

/* A relative file name: the writer still gets an absolute tmpdir. */
static void
test_report_relative_path(void)
{
	struct cp_report_opts o;
	cp_report *r;
	char why[256], cwd[4096];
	json_t *a;
	const char *tmpdir;

	clear_dir();
	CU_ASSERT_FATAL(getcwd(cwd, sizeof(cwd)) != NULL);
	CU_ASSERT_FATAL(chdir(dir) == 0);
	o = opts("jsonl", "rel.jsonl");
	CU_ASSERT_EQUAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	if (r != NULL) {
		CU_ASSERT_EQUAL(cp_report_table(r, &t_items), CP_OK);
		CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)),
		    CP_OK);
	}
	a = lines_of("rel.jsonl");
	tmpdir = json_string_value(json_object_get(line(a, 0, "open"),
	    "tmpdir"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(tmpdir);
	CU_ASSERT_EQUAL(tmpdir[0], '/');
	json_decref(a);
	CU_ASSERT_FATAL(chdir(cwd) == 0);
	CU_ASSERT_EQUAL(dir_entries(), 1);
}

/* Text that is not UTF-8 is repaired for every writer; inf is refused. */
static void
test_report_bad_utf8_and_inf(void)
{
	struct cp_report_opts o;
	struct cp_cell c[2];
	cp_report *r;
	char path[4096], why[256], out[CP_REPORT_SHEET_MAX * 4 + 1], *s;
	json_t *a;

	clear_dir();
	path_of("u.jsonl", path, sizeof(path));
	o = opts("jsonl", path);
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_items), CP_OK);
	row2(r, "a\xe3\x81 b", 1, CP_OK);	/* a cut character inside */
	row2(r, "cut at the end \xe3\x81", 2, CP_OK);
	row2(r, "\xc0\xaf overlong, \xed\xa0\x80 surrogate", 3, CP_OK);
	row2(r, "fine \xe3\x81\x82", 4, CP_OK);
	CU_ASSERT_EQUAL(cp_report_repaired(r), 3);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_OK);
	a = lines_of(path);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(line(a, 2,
	    "row"), 0)), "a\xef\xbf\xbd\xef\xbf\xbd b");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(line(a, 3,
	    "row"), 0)), "cut at the end ");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(line(a, 4,
	    "row"), 0)), "\xef\xbf\xbd\xef\xbf\xbd overlong, "
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd surrogate");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(line(a, 5,
	    "row"), 0)), "fine \xe3\x81\x82");
	json_decref(a);

	/* CSV too: what it writes is UTF-8. */
	path_of("u.csv", path, sizeof(path));
	o = opts("csv", path);
	o.flags = CP_REPORT_NO_BOM;
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_items), CP_OK);
	row2(r, "x\xff", 1, CP_OK);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_OK);
	s = slurp(path);
	CU_ASSERT_STRING_EQUAL(s, "Name,Count\r\nx\xef\xbf\xbd,1\r\n");
	free(s);

	/* Sheet names: a byte that starts no character is a "_". */
	cp_report_sheet_name("\xf0[x\xff", NULL, 0, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "__x_");

	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_sum), CP_OK);
	c[0] = cp_cell_text("inf");
	c[1] = cp_cell_real(__builtin_inf());
	CU_ASSERT_EQUAL(cp_report_row(r, c, 2), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "a cell of column Score is not a finite "
	    "number");
}

/* A signal while writing: the next row fails, nothing is left. */
static void
test_report_cancel(void)
{
	static volatile sig_atomic_t stop;
	struct cp_report_opts o;
	cp_report *r;
	char path[4096], why[256];

	clear_dir();
	path_of("c.jsonl", path, sizeof(path));
	o = opts("jsonl", path);
	o.cancel = &stop;
	stop = 0;
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_items), CP_OK);
	row2(r, "one", 1, CP_OK);
	stop = SIGTERM;
	row2(r, "two", 2, CP_E_CANCELLED);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)),
	    CP_E_CANCELLED);
	CU_ASSERT_STRING_EQUAL(why, "interrupted");
	CU_ASSERT_EQUAL(dir_entries(), 0);
}

/* Runs last: the directory is left empty for main to remove. */
static void
test_report_cleanup(void)
{
	clear_dir();
	CU_ASSERT_EQUAL(dir_entries(), 0);
}

struct texts {
	json_t *rows;
};

static cp_err
text_row(void *ud, const char *table, const char *const *cells, size_t n)
{
	struct texts *t = ud;
	json_t *row = json_pack("[s]", table);
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(row, json_string(cells[i]));
	json_array_append_new(t->rows, row);
	return CP_OK;
}

static void
test_report_text_function(void)
{
	struct cp_report_opts o;
	struct texts t;
	cp_report *r;
	char why[256], *s;

	memset(&o, 0, sizeof(o));
	o.lang = "ja";
	o.text_fn = text_row;
	o.text_ud = &t;
	t.rows = json_array();
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &r, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_items), CP_OK);
	row2(r, "=x", 7, CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(r, &t_more), CP_OK);
	CU_ASSERT_EQUAL(cp_report_close(r, 1, why, sizeof(why)), CP_OK);
	s = json_dumps(t.rows, JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "[[\"項目\",\"名前\",\"件数\"],"
	    "[\"項目\",\"=x\",\"7\"],"
	    "[\"項目 (2)\",\"名前\",\"件数\"]]");
	free(s);
	json_decref(t.rows);
}

static int
setup(void)
{
	struct cp_registry_opts ro;
	struct cp_config cfg;
	struct cp_diag diag;
	char so[4096];

	if (pt_mkdtemp(dir, sizeof(dir)) != 0)
		return -1;
	tlog = cp_log_create(CP_LOG_TO_STDERR, CP_LOG_WARNING, "test");
	memset(&ro, 0, sizeof(ro));
	ro.log = tlog;
	if (tlog == NULL || cp_loader_global_init() != CP_OK ||
	    cp_registry_create(&ro, &reg) != CP_OK)
		return -1;
	pt_fixture("jsonl-report", so, sizeof(so));
	if (cp_registry_load_file(reg, so) != CP_OK)
		return -1;
	memset(&cfg, 0, sizeof(cfg));
	cp_diag_init(&diag);
	if (cp_registry_configure(reg, &cfg, &diag) != CP_OK)
		return -1;
	cp_diag_free(&diag);
	cp_registry_init(reg);
	return 0;
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "sheet_names", test_report_sheet_names },
		{ "cell_text", test_report_cell_text },
		{ "csv_tables_and_summary",
		    test_report_csv_tables_and_summary },
		{ "bad_cells", test_report_bad_cells },
		{ "unwritable_and_unknown",
		    test_report_unwritable_and_unknown },
		{ "full_disk", test_report_full_disk },
		{ "plugin_is_given", test_report_plugin_is_given },
		{ "plugin_failures_leave_nothing",
		    test_report_plugin_failures_leave_nothing },
		{ "text_function", test_report_text_function },
		{ "relative_path", test_report_relative_path },
		{ "bad_utf8_and_inf", test_report_bad_utf8_and_inf },
		{ "cancel", test_report_cancel },
		{ "cleanup", test_report_cleanup },
		{ NULL, NULL }
	};
	int rc;

	if (setup() != 0) {
		fprintf(stderr, "set-up failed (is tests/plugins/.libs/"
		    "jsonl-report.so built?)\n");
		return 1;
	}
	rc = cp_test_run("report", tests);
	if (rmdir(dir) != 0)
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
	cp_registry_destroy(reg);
	cp_log_destroy(tlog);
	return rc;
}
