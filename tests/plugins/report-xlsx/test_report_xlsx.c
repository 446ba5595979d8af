/*
 * test_report_xlsx.c - the report-xlsx plugin as the core uses it:
 * loaded through a registry from a private plugin directory (two
 * instances), driven through its cp_report_ops.
 *
 *   test_report_xlsx            the CUnit suite
 *   test_report_xlsx --sample DIR
 *                               writes DIR/sample.xlsx only (for the
 *                               LibreOffice test)
 *
 * The suite writes sample.xlsx (every column type, a summary filled last
 * through "resume", neutralisable and Japanese text, a 32,767-character
 * cell, empty cells, many rows) and checks the refusals: sheet names
 * Excel forbids, cells of the wrong kind or count, rows before any
 * table, unwritable paths, a full disk (RLIMIT_FSIZE and /dev/full).
 * With CP_XLSX_KEEP=DIR, sample.xlsx is written to DIR and kept, and
 * check_xlsx.py reads it back with openpyxl (report-xlsx.sh).
 */
#include "plugin/plugintest.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>

#include <jansson.h>

#include "plugin/loader.h"
#include "plugin/registry.h"

/* Rows of the "Many" sheet, and the first timestamp of the sample. */
#define MANY_ROWS 20000
#define T0 1764061200LL		/* 2025-11-25 09:00:00 UTC */

static char workdir[512], plugdir[600];
static struct pt_log plog;
static cp_log *test_log;
static cp_registry *reg;

struct inst {
	const struct cp_report_ops *ops;
	void *ctx;
};

static struct inst def, other;

/* ------------------------------------------------------------ helpers */

static json_t *
J(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	if (j == NULL)
		fprintf(stderr, "bad test JSON: %s: %s\n", text, err.text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	return j;
}

/* Whether a line logged since the last log_reset() contains needle. */
static int
logged(const char *needle)
{
	size_t i;

	for (i = 0; i < plog.n; i++)
		if (strstr(plog.lines[i], needle) != NULL)
			return 1;
	fprintf(stderr, "not logged: %s\n", needle);
	return 0;
}

static void
log_reset(void)
{
	plog.n = 0;
}

static cp_err
table(const struct inst *in, void *doc, const char *text)
{
	json_t *j = J(text);
	cp_err r = in->ops->add_table(doc, j);

	json_decref(j);
	return r;
}

static cp_err
row(const struct inst *in, void *doc, const char *text)
{
	json_t *j = J(text);
	cp_err r = in->ops->add_row(doc, j);

	json_decref(j);
	return r;
}

/* Opens dir/name with tmpdir dir; the document, or NULL. */
static void *
open_in(const struct inst *in, const char *dir, const char *name)
{
	char path[1024];
	json_t *o;
	void *doc = NULL;
	cp_err r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	o = json_pack("{s:s, s:s, s:s}", "lang", "en", "title",
	    "cloudpatrol test", "tmpdir", dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	r = in->ops->open(in->ctx, path, o, &doc);
	json_decref(o);
	CU_ASSERT_EQUAL(r, CP_OK);
	return r == CP_OK ? doc : NULL;
}

/* The open descriptors of the process. */
static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Whether path is a zip file (an XLSX): it starts with "PK\3\4". */
static int
is_zip(const char *path)
{
	unsigned char magic[4] = { 0 };
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return n == 4 && memcmp(magic, "PK\x03\x04", 4) == 0;
}

/* A string of n copies of unit (a new string). */
static char *
repeat(const char *unit, size_t n)
{
	size_t ulen = strlen(unit), i;
	char *s = malloc(n * ulen + 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * ulen, unit, ulen);
	s[n * ulen] = '\0';
	return s;
}

/* A row of one text cell s; add_row's answer. */
static cp_err
row1(const struct inst *in, void *doc, const char *s)
{
	json_t *j = json_pack("[s]", s);
	cp_err r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	r = in->ops->add_row(doc, j);
	json_decref(j);
	return r;
}

/* ------------------------------------------------------------ sample */

/*
 * Writes dir/sample.xlsx through in: what check_xlsx.py and the
 * LibreOffice test expect, sheet by sheet.
 */
static int
write_sample(const struct inst *in, const char *dir)
{
	void *doc = open_in(in, dir, "sample.xlsx");
	char *long_a, *long_ja, text[64];
	json_t *j;
	cp_err r;
	int i, fails = 0;

	if (doc == NULL)
		return -1;
#define OK(x) do { if ((x) != CP_OK) { fails++; \
	fprintf(stderr, "sample: failed: %s\n", #x); } } while (0)
	/* The summary comes first and is filled last. */
	OK(table(in, doc, "{\"name\": \"Summary\", \"columns\": ["
	    "{\"title\": \"Environment\", \"type\": \"text\", \"width\": 24},"
	    "{\"title\": \"Score\", \"type\": \"percentage\"},"
	    "{\"title\": \"Checked\", \"type\": \"timestamp\"},"
	    "{\"title\": \"Rows\", \"type\": \"integer\"}]}"));
	OK(table(in, doc, "{\"name\": \"Types\", \"columns\": ["
	    "{\"title\": \"Text\", \"type\": \"text\"},"
	    "{\"title\": \"Integer\", \"type\": \"integer\"},"
	    "{\"title\": \"Decimal\", \"type\": \"decimal\"},"
	    "{\"title\": \"Percentage\", \"type\": \"percentage\"},"
	    "{\"title\": \"Timestamp\", \"type\": \"timestamp\"},"
	    "{\"title\": \"URL\", \"type\": \"url\", \"width\": 40}],"
	    "\"resume\": false}"));
	OK(row(in, doc, "[\"plain\", 42, 3.25, 0.875, 1764061200,"
	    " \"https://example.com/a?b=1\"]"));
	OK(row(in, doc, "[null, null, null, null, null, null]"));
	OK(row(in, doc, "[\"=1+1\", -7, -0.5, 1.0, 0, \"ftp://example.com/x\"]"));
	OK(row(in, doc, "[\"+x\", 1234567890123456, 1000000.0, 0.0005,"
	    " -2208988800, \"javascript:alert(1)\"]"));
	OK(row(in, doc, "[\"-2\", 0, 0.0, 0.0, 253402300799,"
	    " \"HTTP://EXAMPLE.COM/UPPER\"]"));
	OK(row(in, doc, "[\"@SUM(A1)\", null, null, null, null, null]"));
	OK(row(in, doc, "[\"\\tx\", null, null, null, null, null]"));
	OK(row(in, doc, "[\"\\rx\", null, null, null, null, null]"));
	OK(row(in, doc, "[\"'=1+1\", null, null, null, null, null]"));
	OK(table(in, doc, "{\"name\": \"日本語\", \"columns\": ["
	    "{\"title\": \"リソース名\", \"type\": \"text\"},"
	    "{\"title\": \"リスク\", \"type\": \"text\"}]}"));
	OK(row(in, doc, "[\"ウェブサーバー\", \"高: 22番ポートが公開\"]"));
	OK(table(in, doc, "{\"name\": \"Long\", \"columns\": ["
	    "{\"title\": \"Text\", \"type\": \"text\"}]}"));
	long_a = repeat("a", 32767);
	long_ja = repeat("\xe3\x81\x82", 32767);	/* U+3042 */
	OK(row1(in, doc, long_a));
	OK(row1(in, doc, long_ja));
	free(long_a);
	free(long_ja);
	OK(table(in, doc, "{\"name\": \"Many\", \"columns\": ["
	    "{\"title\": \"Resource\", \"type\": \"text\"},"
	    "{\"title\": \"N\", \"type\": \"integer\"},"
	    "{\"title\": \"At\", \"type\": \"timestamp\"}]}"));
	for (i = 0; i < MANY_ROWS; i++) {
		snprintf(text, sizeof(text), "resource-%06d", i);
		j = json_pack("[s, I, I]", text, (json_int_t)i,
		    (json_int_t)(T0 + i * 60LL));
		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		r = in->ops->add_row(doc, j);
		json_decref(j);
		if (r != CP_OK) {
			OK(r);
			break;
		}
	}
	/* Back to earlier sheets: rows continue after their last one. */
	OK(table(in, doc, "{\"name\": \"types\", \"resume\": true}"));
	OK(row(in, doc, "[\"after resume\", 1, null, null, null, null]"));
	OK(table(in, doc, "{\"name\": \"SUMMARY\", \"resume\": true}"));
	OK(row(in, doc, "[\"production\", 0.875, 1764061200, 20000]"));
	OK(row(in, doc, "[\"staging\", 0.5, 1764064800, 9]"));
#undef OK
	r = in->ops->close(doc, 1);
	if (r != CP_OK) {
		fprintf(stderr, "sample: close: %d\n", (int)r);
		fails++;
	}
	return fails == 0 ? 0 : -1;
}

/* Where --sample writes, or NULL. */
static const char *sample_dir;

static void
test_report_xlsx_writes_sample(void)
{
	const char *keep = getenv("CP_XLSX_KEEP");
	const char *dir = sample_dir != NULL ? sample_dir :
	    keep != NULL && keep[0] != '\0' ? keep : workdir;
	char path[1024];

	CU_ASSERT_EQUAL(write_sample(&def, dir), 0);
	snprintf(path, sizeof(path), "%s/sample.xlsx", dir);
	CU_ASSERT(is_zip(path));
}

/* ------------------------------------------------------------ refusals */

static void
test_report_xlsx_refuses_sheet_names(void)
{
	static const char *const bad[] = {
		"a[b", "a]b", "a:b", "a*b", "a?b", "a/b", "a\\\\b", "",
		"'quoted", "quoted'",
		"0123456789012345678901234567890X",	/* 32 */
		/* 16 characters beyond U+FFFF: 32 for Excel */
		"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00"
		"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00"
		"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00"
		"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00",
		"RISKS", "risks", "\\u00e4rger", "\\u0434\\u0430",
	};
	char text[512];
	void *doc = open_in(&def, workdir, "names.xlsx");
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"Risks\", \"columns\":"
	    " [{\"title\": \"A\", \"type\": \"text\"}]}"), CP_OK);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"\\u00c4rger\", "
	    "\"columns\": [{\"title\": \"A\", \"type\": \"text\"}]}"), CP_OK);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"\\u0414\\u0410\", "
	    "\"columns\": [{\"title\": \"A\", \"type\": \"text\"}]}"), CP_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "{\"name\": \"%s\", \"columns\": "
		    "[{\"title\": \"A\", \"type\": \"text\"}]}", bad[i]);
		log_reset();
		CU_ASSERT_EQUAL(table(&def, doc, text), CP_E_INVALID);
		CU_ASSERT(plog.n > 0);
	}
	log_reset();
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"a:b\", \"columns\":"
	    " [{\"title\": \"A\", \"type\": \"text\"}]}"), CP_E_INVALID);
	CU_ASSERT(logged("sheet name 'a:b' contains ':'"));
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"RISKS\", \"columns\":"
	    " [{\"title\": \"A\", \"type\": \"text\"}]}"), CP_E_INVALID);
	CU_ASSERT(logged("sheet name 'RISKS' is taken by sheet 'Risks'"));
	CU_ASSERT_EQUAL(table(&def, doc, "{\"columns\":"
	    " [{\"title\": \"A\", \"type\": \"text\"}]}"), CP_E_INVALID);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": 7, \"columns\":"
	    " [{\"title\": \"A\", \"type\": \"text\"}]}"), CP_E_INVALID);
	/* 31 characters, Japanese ones too, are fine. */
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": "
	    "\"0123456789012345678901234567890\", \"columns\":"
	    " [{\"title\": \"A\", \"type\": \"text\"}]}"), CP_OK);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": "
	    "\"リスク診断リスク診断リスク診断リスク診断リスク診断リスク診断リ\","
	    " \"columns\": [{\"title\": \"A\", \"type\": \"text\"}]}"), CP_OK);
	/* The document still works after the refusals. */
	CU_ASSERT_EQUAL(row(&def, doc, "[\"x\"]"), CP_OK);
	CU_ASSERT_EQUAL(def.ops->close(doc, 1), CP_OK);
}

static void
test_report_xlsx_refuses_wrong_cells(void)
{
	static const char *const bad_rows[] = {
		"[1, 1, 1.0, 0.5, 1, \"u\"]",		/* integer in text */
		"[\"t\", \"1\", 1.0, 0.5, 1, \"u\"]",	/* string in integer */
		"[\"t\", 1.5, 1.0, 0.5, 1, \"u\"]",	/* real in integer */
		"[\"t\", 1, 1, 0.5, 1, \"u\"]",		/* integer in decimal */
		"[\"t\", 1, 1.0, \"50%\", 1, \"u\"]",	/* string in percentage */
		"[\"t\", 1, 1.0, 0.5, 1.5, \"u\"]",	/* real in timestamp */
		"[\"t\", 1, 1.0, 0.5, \"2025-11-25\", \"u\"]",
		"[\"t\", 1, 1.0, 0.5, 1, 5]",		/* integer in url */
		"[true, 1, 1.0, 0.5, 1, \"u\"]",
		"[[], 1, 1.0, 0.5, 1, \"u\"]",
		"[\"t\", 1, 1.0, 0.5, 1, {}]",
		"[\"t\", 1, 1.0, 0.5, 1]",		/* 5 cells */
		"[\"t\", 1, 1.0, 0.5, 1, \"u\", \"v\"]",	/* 7 cells */
		"[]",
		"{\"a\": 1}",
		"\"t\"",
		"[\"t\\u0000u\", 1, 1.0, 0.5, 1, \"u\"]",	/* a NUL */
	};
	void *doc = open_in(&def, workdir, "cells.xlsx");
	char *s;
	json_t *j;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	log_reset();
	CU_ASSERT_EQUAL(row(&def, doc, "[\"t\"]"), CP_E_INVALID);
	CU_ASSERT(logged("a row before any table"));
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"T\", \"columns\": ["
	    "{\"title\": \"Text\", \"type\": \"text\"},"
	    "{\"title\": \"Integer\", \"type\": \"integer\"},"
	    "{\"title\": \"Decimal\", \"type\": \"decimal\"},"
	    "{\"title\": \"Percentage\", \"type\": \"percentage\"},"
	    "{\"title\": \"Timestamp\", \"type\": \"timestamp\"},"
	    "{\"title\": \"URL\", \"type\": \"url\"}]}"), CP_OK);
	for (i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++) {
		log_reset();
		j = json_loads(bad_rows[i], JSON_DECODE_ANY |
		    JSON_ALLOW_NUL, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		CU_ASSERT_EQUAL(def.ops->add_row(doc, j), CP_E_INVALID);
		CU_ASSERT(plog.n > 0);
		json_decref(j);
	}
	log_reset();
	CU_ASSERT_EQUAL(row(&def, doc, "[\"t\", \"1\", 1.0, 0.5, 1, \"u\"]"),
	    CP_E_INVALID);
	CU_ASSERT(logged("sheet 'T' row 2 column 2: a string in a column "
	    "of type integer (it takes an integer or null)"));
	CU_ASSERT_EQUAL(row(&def, doc, "[\"t\", 1, 1.0, 0.5, 1]"),
	    CP_E_INVALID);
	CU_ASSERT(logged("sheet 'T' row 2: 5 cells for 6 columns"));

	/* Tables themselves. */
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"U\", \"columns\": []}"),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"U\"}"), CP_E_INVALID);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"U\", \"columns\": ["
	    "{\"title\": \"A\", \"type\": \"money\"}]}"), CP_E_INVALID);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"U\", \"columns\": ["
	    "{\"title\": \"A\", \"type\": \"text\", \"width\": -1}]}"),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"U\", \"columns\": ["
	    "{\"type\": \"text\"}]}"), CP_E_INVALID);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"Nope\", "
	    "\"resume\": true}"), CP_E_INVALID);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"T\", \"resume\": 1}"),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"T\", \"resume\": true,"
	    " \"columns\": [{\"title\": \"A\", \"type\": \"text\"}]}"),
	    CP_E_INVALID);

	/* Cells over Excel's 32,767 characters. */
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"Long\", \"columns\": ["
	    "{\"title\": \"A\", \"type\": \"text\"}]}"), CP_OK);
	s = repeat("a", 32768);
	log_reset();
	CU_ASSERT_EQUAL(row1(&def, doc, s), CP_E_INVALID);
	CU_ASSERT(logged("32768 characters, more than Excel's 32767"));
	free(s);
	s = repeat("=", 32767);
	CU_ASSERT_EQUAL(row1(&def, doc, s), CP_E_INVALID);
	CU_ASSERT(logged("32768 characters once neutralised"));
	free(s);
	s = repeat("\xf0\x9f\x98\x80", 16384);	/* 32,768 for Excel */
	CU_ASSERT_EQUAL(row1(&def, doc, s), CP_E_INVALID);
	free(s);
	s = repeat("\xe3\x81\x82", 32767);
	CU_ASSERT_EQUAL(row1(&def, doc, s), CP_OK);
	free(s);

	/* None of the refused rows were written: the file is whole. */
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"t\", \"resume\": true}"),
	    CP_OK);
	CU_ASSERT_EQUAL(row(&def, doc, "[\"t\", 1, 1.0, 0.5, 1, \"u\"]"),
	    CP_OK);
	CU_ASSERT_EQUAL(def.ops->close(doc, 1), CP_OK);
}

static void
test_report_xlsx_refuses_bad_options(void)
{
	char path[1024];
	json_t *o;
	void *doc = NULL;

	snprintf(path, sizeof(path), "%s/opts.xlsx", workdir);
	o = J("[1]");
	CU_ASSERT_EQUAL(def.ops->open(def.ctx, path, o, &doc), CP_E_INVALID);
	json_decref(o);
	o = J("{\"lang\": \"fr\"}");
	CU_ASSERT_EQUAL(def.ops->open(def.ctx, path, o, &doc), CP_E_INVALID);
	json_decref(o);
	o = J("{\"tmpdir\": \"relative/dir\"}");
	CU_ASSERT_EQUAL(def.ops->open(def.ctx, path, o, &doc), CP_E_INVALID);
	json_decref(o);
	o = J("{\"title\": 5}");
	CU_ASSERT_EQUAL(def.ops->open(def.ctx, path, o, &doc), CP_E_INVALID);
	json_decref(o);
	CU_ASSERT_PTR_NULL(doc);
	/* No options at all: scratch files beside the output. */
	CU_ASSERT_EQUAL(def.ops->open(def.ctx, path, NULL, &doc), CP_OK);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"A\", \"columns\": ["
	    "{\"title\": \"A\", \"type\": \"text\"}]}"), CP_OK);
	CU_ASSERT_EQUAL(def.ops->close(doc, 1), CP_OK);
	CU_ASSERT(is_zip(path));
}

/* ------------------------------------------------------------ faults */

static void
test_report_xlsx_unwritable_paths(void)
{
	char dir[700], path[1200], file[1024];
	json_t *o;
	void *doc = NULL;

	o = json_pack("{s:s}", "tmpdir", workdir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	/* A directory that does not exist. */
	snprintf(path, sizeof(path), "%s/no/such/dir/r.xlsx", workdir);
	log_reset();
	CU_ASSERT_EQUAL(def.ops->open(def.ctx, path, o, &doc), CP_E_IO);
	CU_ASSERT(logged("No such file or directory"));
	/* A parent that is a file (refused to root too). */
	snprintf(file, sizeof(file), "%s/plain-file", workdir);
	CU_ASSERT_EQUAL(pt_write(workdir, "plain-file", "x", 0600), 0);
	snprintf(path, sizeof(path), "%s/r.xlsx", file);
	log_reset();
	CU_ASSERT_EQUAL(def.ops->open(def.ctx, path, o, &doc), CP_E_IO);
	CU_ASSERT(logged("Not a directory"));
	/* A directory without write permission (root ignores those). */
	snprintf(dir, sizeof(dir), "%s/readonly", workdir);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0500), 0);
	if (geteuid() != 0) {
		snprintf(path, sizeof(path), "%s/r.xlsx", dir);
		log_reset();
		CU_ASSERT_EQUAL(def.ops->open(def.ctx, path, o, &doc),
		    CP_E_IO);
		CU_ASSERT(logged("Permission denied"));
	}
	json_decref(o);
	/* A scratch directory that does not exist. */
	snprintf(path, sizeof(path), "%s/r.xlsx", workdir);
	o = J("{\"tmpdir\": \"/nonexistent/cloudpatrol-test\"}");
	log_reset();
	CU_ASSERT_EQUAL(def.ops->open(def.ctx, path, o, &doc), CP_E_IO);
	CU_ASSERT(logged("cannot keep scratch files in "
	    "/nonexistent/cloudpatrol-test"));
	json_decref(o);
	/* A scratch directory that is a file. */
	o = json_pack("{s:s}", "tmpdir", file);
	CU_ASSERT_EQUAL(def.ops->open(def.ctx, path, o, &doc), CP_E_IO);
	json_decref(o);
	CU_ASSERT_PTR_NULL(doc);
}

/* A document on /dev/full: every write of the workbook fails (ENOSPC). */
static void
test_report_xlsx_full_output_device(void)
{
	static const char *const names[] = { "A", "B", "C" };
	int before = open_fds(), i, k;
	char text[128];
	void *doc = NULL;
	json_t *o;

	o = json_pack("{s:s}", "tmpdir", workdir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL_FATAL(def.ops->open(def.ctx, "/dev/full", o, &doc),
	    CP_OK);
	json_decref(o);
	/* Three sheets: the writes fail on the first, the others' scratch
	 * files are closed all the same. */
	for (k = 0; k < 3; k++) {
		snprintf(text, sizeof(text), "{\"name\": \"%s\", \"columns\": "
		    "[{\"title\": \"A\", \"type\": \"text\"}]}", names[k]);
		CU_ASSERT_EQUAL(table(&def, doc, text), CP_OK);
		for (i = 0; i < 100; i++)
			CU_ASSERT_EQUAL(row1(&def, doc, "some text"), CP_OK);
	}
	log_reset();
	CU_ASSERT_EQUAL(def.ops->close(doc, 1), CP_E_IO);
	CU_ASSERT(logged("/dev/full: writing the workbook: libxlsxwriter"));
	CU_ASSERT_EQUAL(open_fds(), before);
}

/*
 * A full disk, as the file size limit: the scratch file of the sheet
 * fails while rows are added, and every later call says so; with a
 * limit the rows fit under but the assembly would not, close refuses.
 */
static void
test_report_xlsx_full_disk(void)
{
	struct rlimit saved, rl;
	struct sigaction ign, old;
	char text[256];
	void *doc;
	cp_err r = CP_OK;
	int i;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	CU_ASSERT_EQUAL_FATAL(sigaction(SIGXFSZ, &ign, &old), 0);
	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &saved), 0);
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';

	doc = open_in(&def, workdir, "full.xlsx");
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"A\", \"columns\": ["
	    "{\"title\": \"A\", \"type\": \"text\"}]}"), CP_OK);
	rl = saved;
	rl.rlim_cur = 256 * 1024;
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &rl), 0);
	log_reset();
	for (i = 0; i < 10000 && r == CP_OK; i++)
		r = row1(&def, doc, text);
	CU_ASSERT_EQUAL(r, CP_E_IO);
	CU_ASSERT(i < 10000);
	CU_ASSERT(logged("writing the scratch file of sheet 'A'"));
	CU_ASSERT_EQUAL(row1(&def, doc, text), CP_E_IO);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"B\", \"columns\": ["
	    "{\"title\": \"A\", \"type\": \"text\"}]}"), CP_E_IO);
	CU_ASSERT_EQUAL(def.ops->close(doc, 1), CP_E_IO);

	/* Rows fit; assembling the sheet would not. */
	CU_ASSERT_EQUAL(setrlimit(RLIMIT_FSIZE, &saved), 0);
	doc = open_in(&def, workdir, "full2.xlsx");
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"A\", \"columns\": ["
	    "{\"title\": \"A\", \"type\": \"text\"}]}"), CP_OK);
	rl.rlim_cur = 1024 * 1024;
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &rl), 0);
	for (i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(row1(&def, doc, text), CP_OK);
	log_reset();
	CU_ASSERT_EQUAL(def.ops->close(doc, 1), CP_E_IO);
	CU_ASSERT(logged("the file size limit"));

	CU_ASSERT_EQUAL(setrlimit(RLIMIT_FSIZE, &saved), 0);
	CU_ASSERT_EQUAL(sigaction(SIGXFSZ, &old, NULL), 0);
}

/* Abandoning a document frees everything and closes its scratch files. */
static void
test_report_xlsx_abandons(void)
{
	int before = open_fds();
	void *doc = open_in(&def, workdir, "abandoned.xlsx");
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"A\", \"columns\": ["
	    "{\"title\": \"A\", \"type\": \"text\"}]}"), CP_OK);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"B\", \"columns\": ["
	    "{\"title\": \"A\", \"type\": \"url\"}]}"), CP_OK);
	for (i = 0; i < 50; i++)
		CU_ASSERT_EQUAL(row1(&def, doc, "https://example.com/"), CP_OK);
	CU_ASSERT(open_fds() > before);
	CU_ASSERT_EQUAL(def.ops->close(doc, 0), CP_OK);
	CU_ASSERT_EQUAL(open_fds(), before);
}

/* Two instances, two documents at once, rows interleaved. */
static void
test_report_xlsx_two_instances(void)
{
	void *a = open_in(&def, workdir, "one.xlsx");
	void *b = open_in(&other, workdir, "two.xlsx");
	char path[1024];
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT(def.ctx != other.ctx);
	CU_ASSERT_EQUAL(table(&def, a, "{\"name\": \"A\", \"columns\": ["
	    "{\"title\": \"A\", \"type\": \"integer\"}]}"), CP_OK);
	CU_ASSERT_EQUAL(table(&other, b, "{\"name\": \"A\", \"columns\": ["
	    "{\"title\": \"A\", \"type\": \"text\"},"
	    "{\"title\": \"B\", \"type\": \"text\"}]}"), CP_OK);
	for (i = 0; i < 100; i++) {
		CU_ASSERT_EQUAL(row(&def, a, "[1]"), CP_OK);
		CU_ASSERT_EQUAL(row(&other, b, "[\"x\", null]"), CP_OK);
	}
	/* The shape of one does not leak into the other. */
	CU_ASSERT_EQUAL(row(&def, a, "[\"x\", null]"), CP_E_INVALID);
	CU_ASSERT_EQUAL(def.ops->close(a, 1), CP_OK);
	CU_ASSERT_EQUAL(other.ops->close(b, 1), CP_OK);
	snprintf(path, sizeof(path), "%s/one.xlsx", workdir);
	CU_ASSERT(is_zip(path));
	snprintf(path, sizeof(path), "%s/two.xlsx", workdir);
	CU_ASSERT(is_zip(path));
}

/*
 * Hyperlinks stay in memory until the end, so they are capped: past the
 * budget, URLs are written as text and the document still closes.
 */
static void
test_report_xlsx_caps_hyperlinks(void)
{
	void *doc = open_in(&def, workdir, "links.xlsx");
	char url[300];
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(table(&def, doc, "{\"name\": \"L\", \"columns\": ["
	    "{\"title\": \"URL\", \"type\": \"url\"}]}"), CP_OK);
	for (i = 0; i < 40000; i++) {
		snprintf(url, sizeof(url), "https://example.com/%0250d", i);
		if (row1(&def, doc, url) != CP_OK) {
			CU_FAIL("a URL row was refused");
			break;
		}
	}
	CU_ASSERT_EQUAL(def.ops->close(doc, 1), CP_OK);
}

/* ------------------------------------------------------------ set-up */

static void
get_inst(const char *instance, struct inst *in)
{
	const void *ops = NULL;

	in->ops = NULL;
	if (cp_registry_get(reg, "report-xlsx", instance, CP_CAP_REPORT, &ops,
	    &in->ctx) != NULL)
		in->ops = ops;
}

static int
setup(void)
{
	struct cp_config_entry other_e[] = {
		PT_ENTRY("zip64", "yes", 4),
	};
	struct cp_plugin_section s[] = {
		PT_SECTION0("report-xlsx", NULL, 1, 1),
		PT_SECTION("report-xlsx", "other", 3, 1, other_e),
	};
	struct cp_registry_opts o;
	struct cp_config cfg;
	struct cp_diag d;
	char src[4096], dst[4096];
	int rc;

	if (pt_mkdtemp(workdir, sizeof(workdir)) != 0)
		return -1;
	snprintf(plugdir, sizeof(plugdir), "%s/plugins", workdir);
	if (mkdir(plugdir, 0700) != 0)
		return -1;
	snprintf(src, sizeof(src),
	    "%s/plugins/report-xlsx/.libs/report-xlsx.so", pt_builddir());
	snprintf(dst, sizeof(dst), "%s/report-xlsx.so", plugdir);
	{
		/* pt_copy copies from tests/plugins/.libs: copy by hand. */
		FILE *in = fopen(src, "rb"), *out;
		char chunk[8192];
		size_t n;

		if (in == NULL) {
			fprintf(stderr, "cannot open %s (built?)\n", src);
			return -1;
		}
		out = fopen(dst, "wb");
		if (out == NULL) {
			fclose(in);
			return -1;
		}
		while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
			fwrite(chunk, 1, n, out);
		fclose(in);
		if (fclose(out) != 0 || chmod(dst, 0755) != 0)
			return -1;
	}
	memset(&o, 0, sizeof(o));
	o.log = test_log;
	if (cp_registry_create(&o, &reg) != CP_OK ||
	    cp_registry_load_dir(reg, plugdir) != CP_OK ||
	    cp_registry_refused_count(reg) != 0)
		return -1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.path = (char *)"/etc/cloudpatrol/test.ini";
	cfg.sections = s;
	cfg.n_sections = CP_ARRAY_LEN(s);
	cp_diag_init(&d);
	rc = cp_registry_configure(reg, &cfg, &d) == CP_OK && d.n == 0 ? 0 :
	    -1;
	cp_diag_free(&d);
	if (rc != 0 || cp_registry_init(reg) != CP_OK)
		return -1;
	get_inst(NULL, &def);
	get_inst("other", &other);
	return def.ops != NULL && other.ops != NULL ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static const struct cp_test tests[] = {
		{ "writes the sample", test_report_xlsx_writes_sample },
		{ "refuses sheet names", test_report_xlsx_refuses_sheet_names },
		{ "refuses wrong cells", test_report_xlsx_refuses_wrong_cells },
		{ "refuses bad options", test_report_xlsx_refuses_bad_options },
		{ "unwritable paths", test_report_xlsx_unwritable_paths },
		{ "full output device",
		    test_report_xlsx_full_output_device },
		{ "full disk", test_report_xlsx_full_disk },
		{ "abandons", test_report_xlsx_abandons },
		{ "two instances", test_report_xlsx_two_instances },
		{ "caps hyperlinks", test_report_xlsx_caps_hyperlinks },
		{ NULL, NULL }
	};
	static const struct cp_test sample_only[] = {
		{ "writes the sample", test_report_xlsx_writes_sample },
		{ NULL, NULL }
	};
	int rc = 2;

	if (cp_loader_global_init() != CP_OK)
		return 2;
	test_log = pt_log_create(&plog);
	if (test_log == NULL)
		return 2;
	if (setup() != 0)
		fprintf(stderr, "test_report_xlsx: set-up failed\n");
	else if (argc == 3 && strcmp(argv[1], "--sample") == 0) {
		sample_dir = argv[2];
		rc = cp_test_run("report-xlsx sample", sample_only);
	}
	else if (argc == 1)
		rc = cp_test_run("report-xlsx", tests);
	else
		fprintf(stderr, "usage: test_report_xlsx [--sample DIR]\n");
	cp_registry_destroy(reg);
	if (workdir[0] != '\0')
		pt_rmtree(workdir);
	cp_log_destroy(test_log);
	return rc;
}
