/*
 * test_str.c - bounded string and number helpers.
 */
#include <limits.h>
#include <string.h>

#include "cptest.h"
#include "util/util.h"

static void
test_str_strlcpy_truncates_and_terminates(void)
{
	char b[5];

	CU_ASSERT_EQUAL(cp_strlcpy(b, "abcdefgh", sizeof(b)), 8);
	CU_ASSERT_STRING_EQUAL(b, "abcd");
	CU_ASSERT_EQUAL(cp_strlcpy(b, "ab", sizeof(b)), 2);
	CU_ASSERT_STRING_EQUAL(b, "ab");
}

static void
test_str_snprintf_reports_truncation(void)
{
	char b[4];

	CU_ASSERT_EQUAL(cp_snprintf(b, sizeof(b), "%d", 123), CP_OK);
	CU_ASSERT_EQUAL(cp_snprintf(b, sizeof(b), "%d", 1234), CP_E_LIMIT);
	CU_ASSERT_STRING_EQUAL(b, "123");
}

static void
test_str_trim(void)
{
	char a[] = "  \t x y \n", b[] = "   ", c[] = "z";

	CU_ASSERT_STRING_EQUAL(cp_strtrim(a), "x y");
	CU_ASSERT_STRING_EQUAL(cp_strtrim(b), "");
	CU_ASSERT_STRING_EQUAL(cp_strtrim(c), "z");
}

static void
test_str_parse_ll(void)
{
	long long v = 0;

	CU_ASSERT_EQUAL(cp_parse_ll("42", 0, 100, &v), CP_OK);
	CU_ASSERT_EQUAL(v, 42);
	CU_ASSERT_EQUAL(cp_parse_ll(" -7 ", -10, 10, &v), CP_OK);
	CU_ASSERT_EQUAL(v, -7);
	CU_ASSERT_EQUAL(cp_parse_ll("101", 0, 100, &v), CP_E_LIMIT);
	CU_ASSERT_EQUAL(cp_parse_ll("12abc", 0, 100, &v), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_parse_ll("", 0, 100, &v), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_parse_ll(NULL, 0, 100, &v), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_parse_ll("99999999999999999999", 0, LLONG_MAX, &v),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(v, -7);
}

static void
test_str_parse_bool(void)
{
	int b = -1;

	CU_ASSERT_EQUAL(cp_parse_bool("Yes", &b), CP_OK);
	CU_ASSERT_EQUAL(b, 1);
	CU_ASSERT_EQUAL(cp_parse_bool("off", &b), CP_OK);
	CU_ASSERT_EQUAL(b, 0);
	CU_ASSERT_EQUAL(cp_parse_bool("TRUE", &b), CP_OK);
	CU_ASSERT_EQUAL(b, 1);
	CU_ASSERT_EQUAL(cp_parse_bool("maybe", &b), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_parse_bool(NULL, &b), CP_E_INVALID);
}

static void
test_str_strv_split(void)
{
	char **v = NULL;
	size_t n = 0;

	CU_ASSERT_EQUAL_FATAL(cp_strv_split(" a, b ,,c ,", &v, &n), CP_OK);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_STRING_EQUAL(v[0], "a");
	CU_ASSERT_STRING_EQUAL(v[1], "b");
	CU_ASSERT_STRING_EQUAL(v[2], "c");
	CU_ASSERT_PTR_NULL(v[3]);
	cp_strv_free(v);
	CU_ASSERT_EQUAL_FATAL(cp_strv_split("", &v, &n), CP_OK);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NULL(v[0]);
	cp_strv_free(v);
	cp_strv_free(NULL);
}

static void
test_str_only(void)
{
	CU_ASSERT_TRUE(cp_str_only("abc-1", "abc1-"));
	CU_ASSERT_FALSE(cp_str_only("abC", "abc"));
	CU_ASSERT_FALSE(cp_str_only("", "abc"));
	CU_ASSERT_FALSE(cp_str_only(NULL, "abc"));
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "strlcpy_truncates_and_terminates",
		    test_str_strlcpy_truncates_and_terminates },
		{ "snprintf_reports_truncation",
		    test_str_snprintf_reports_truncation },
		{ "trim", test_str_trim },
		{ "parse_ll", test_str_parse_ll },
		{ "parse_bool", test_str_parse_bool },
		{ "strv_split", test_str_strv_split },
		{ "only", test_str_only },
		{ NULL, NULL }
	};

	return cp_test_run("str", tests);
}
