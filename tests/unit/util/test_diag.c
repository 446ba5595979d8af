/*
 * test_diag.c - gathered diagnostics keep their form and their count.
 */
#include "cptest.h"
#include "util/diag.h"

static void
test_diag_formats_file_and_line(void)
{
	struct cp_diag d;

	cp_diag_init(&d);
	cp_diag_error(&d, "a.ini", 3, "bad %s", "thing");
	cp_diag_error(&d, "a.ini", 0, "unreadable");
	cp_diag_error(&d, NULL, 0, "plain");
	cp_diag_warning(&d, "a.ini", 7, "odd");
	CU_ASSERT_EQUAL_FATAL(d.n, 4);
	CU_ASSERT_EQUAL(d.errors, 3);
	CU_ASSERT_STRING_EQUAL(d.lines[0], "a.ini:3: bad thing");
	CU_ASSERT_STRING_EQUAL(d.lines[1], "a.ini: unreadable");
	CU_ASSERT_STRING_EQUAL(d.lines[2], "plain");
	CU_ASSERT_STRING_EQUAL(d.lines[3], "a.ini:7: warning: odd");
	cp_diag_free(&d);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_EQUAL(d.errors, 0);
}

static void
test_diag_many_lines(void)
{
	struct cp_diag d;
	int i;

	cp_diag_init(&d);
	for (i = 0; i < 100; i++)
		cp_diag_error(&d, "f", i + 1, "e%d", i);
	CU_ASSERT_EQUAL(d.n, 100);
	CU_ASSERT_STRING_EQUAL(d.lines[99], "f:100: e99");
	cp_diag_free(&d);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "formats_file_and_line", test_diag_formats_file_and_line },
		{ "many_lines", test_diag_many_lines },
		{ NULL, NULL }
	};

	return cp_test_run("diag", tests);
}
