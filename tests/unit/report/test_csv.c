/*
 * test_csv.c - RFC 4180 quoting, the BOM, and formula neutralisation;
 * what is written is read back with Python's csv module.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cptest.h"
#include "report/csv.h"

/* Writes rows with flags and returns the bytes (owned by the caller). */
static char *
write_rows(unsigned flags, const char *const *rows[], size_t nrows,
    size_t ncols, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);
	cp_csv *w;
	size_t i;

	CU_ASSERT_FATAL(fp != NULL);
	w = cp_csv_create(fp, flags);
	CU_ASSERT_FATAL(w != NULL);
	for (i = 0; i < nrows; i++)
		CU_ASSERT_EQUAL(cp_csv_row(w, rows[i], ncols), CP_OK);
	CU_ASSERT_EQUAL(cp_csv_close(w), CP_OK);
	fclose(fp);
	return buf;
}

static void
test_csv_quotes_per_rfc4180(void)
{
	const char *const r1[] = { "plain", "a,b", "say \"hi\"", "two\nlines",
	    NULL };
	const char *const *rows[] = { r1 };
	size_t len;
	char *s = write_rows(CP_CSV_NO_BOM, rows, 1, 5, &len);

	CU_ASSERT_STRING_EQUAL(s,
	    "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
	free(s);
}

static void
test_csv_bom_by_default(void)
{
	const char *const r1[] = { "名前" };
	const char *const *rows[] = { r1 };
	size_t len;
	char *s = write_rows(0, rows, 1, 1, &len);

	CU_ASSERT_EQUAL(memcmp(s, "\xef\xbb\xbf名前\r\n", len), 0);
	free(s);
	/* An empty report is still a BOM, so Excel knows the encoding. */
	s = write_rows(0, rows, 0, 1, &len);
	CU_ASSERT_EQUAL(len, 3);
	free(s);
}

static void
test_csv_neutralises_formulas(void)
{
	const char *const r1[] = { "=1+2", "+cmd", "-2", "@SUM(A1)", "\tx",
	    "\ry", "ok=1" };
	const char *const *rows[] = { r1 };
	size_t len;
	char *s = write_rows(CP_CSV_NO_BOM, rows, 1, 7, &len);

	CU_ASSERT_STRING_EQUAL(s, "\"'=1+2\",\"'+cmd\",\"'-2\",\"'@SUM(A1)\","
	    "\"'\tx\",\"'\ry\",ok=1\r\n");
	free(s);
	CU_ASSERT_TRUE(cp_csv_is_formula("=x"));
	CU_ASSERT_FALSE(cp_csv_is_formula("x="));
	CU_ASSERT_FALSE(cp_csv_is_formula(""));
	CU_ASSERT_FALSE(cp_csv_is_formula(NULL));
}

static void
test_csv_numbers_stay_numbers(void)
{
	const char *const f[] = { "-5", "-5" };
	const int numeric[] = { 1, 0 };
	char *buf = NULL;
	size_t len;
	FILE *fp = open_memstream(&buf, &len);
	cp_csv *w = cp_csv_create(fp, CP_CSV_NO_BOM);

	CU_ASSERT_EQUAL(cp_csv_row_typed(w, f, numeric, 2), CP_OK);
	CU_ASSERT_EQUAL(cp_csv_close(w), CP_OK);
	fclose(fp);
	CU_ASSERT_STRING_EQUAL(buf, "-5,\"'-5\"\r\n");
	free(buf);
}

/* Python's csv module reads back exactly what was written. */
static void
test_csv_python_reads_it_back(void)
{
	char dir[] = "/tmp/cp-test-csv-XXXXXX", path[256], cmd[1024];
	const char *const r1[] = { "id", "名前", "note" };
	const char *const r2[] = { "1", "東京, 本社", "line1\nline2 \"q\"" };
	const char *const r3[] = { "2", "=HYPERLINK(\"x\")", "" };
	FILE *fp, *py;
	cp_csv *w;
	char out[512];
	size_t n;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/r.csv", dir);
	fp = fopen(path, "w");
	w = cp_csv_create(fp, 0);
	cp_csv_row(w, r1, 3);
	cp_csv_row(w, r2, 3);
	cp_csv_row(w, r3, 3);
	CU_ASSERT_EQUAL(cp_csv_close(w), CP_OK);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "%s -c 'import csv,json,sys; "
	    "print(json.dumps(list(csv.reader(open(sys.argv[1], "
	    "encoding=\"utf-8-sig\", newline=\"\"))), ensure_ascii=False))' "
	    "%s", cp_test_env("CP_PYTHON3", "/usr/bin/python3"), path);
	py = popen(cmd, "r");
	CU_ASSERT_FATAL(py != NULL);
	n = fread(out, 1, sizeof(out) - 1, py);
	out[n] = '\0';
	CU_ASSERT_EQUAL(pclose(py), 0);
	CU_ASSERT_STRING_EQUAL(out, "[[\"id\", \"名前\", \"note\"], "
	    "[\"1\", \"東京, 本社\", \"line1\\nline2 \\\"q\\\"\"], "
	    "[\"2\", \"'=HYPERLINK(\\\"x\\\")\", \"\"]]\n");
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "quotes_per_rfc4180", test_csv_quotes_per_rfc4180 },
		{ "bom_by_default", test_csv_bom_by_default },
		{ "neutralises_formulas", test_csv_neutralises_formulas },
		{ "numbers_stay_numbers", test_csv_numbers_stay_numbers },
		{ "python_reads_it_back", test_csv_python_reads_it_back },
		{ NULL, NULL }
	};

	return cp_test_run("csv", tests);
}
