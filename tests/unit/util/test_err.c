/*
 * test_err.c - every error code has its own name; none is NULL.
 */
#include <string.h>

#include "cptest.h"
#include "util/util.h"

static void
test_err_every_code_has_a_distinct_name(void)
{
	int i, j;

	for (i = 0; i < CP_E_LAST; i++) {
		const char *a = cp_strerror((cp_err)i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_STRING_NOT_EQUAL(a, "unknown error");
		for (j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(a,
			    cp_strerror((cp_err)j));
	}
}

static void
test_err_unknown_codes_are_named(void)
{
	CU_ASSERT_STRING_EQUAL(cp_strerror(CP_E_LAST), "unknown error");
	CU_ASSERT_STRING_EQUAL(cp_strerror((cp_err)-1), "unknown error");
	CU_ASSERT_STRING_EQUAL(cp_strerror((cp_err)100000), "unknown error");
}

static void
test_err_numbers_are_frozen(void)
{
	/* Published numbers never change (err.h). */
	CU_ASSERT_EQUAL(CP_OK, 0);
	CU_ASSERT_EQUAL(CP_E_NOMEM, 1);
	CU_ASSERT_EQUAL(CP_E_ABI, 9);
	CU_ASSERT_EQUAL(CP_E_STORE_VERSION, 12);
	CU_ASSERT_EQUAL(CP_E_HTTP_TIMEOUT, 15);
	CU_ASSERT_EQUAL(CP_E_RETRY_LATER, 20);
	CU_ASSERT_EQUAL(CP_E_BUSY, 26);
	CU_ASSERT_EQUAL(CP_E_LAST, 27);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "every_code_has_a_distinct_name",
		    test_err_every_code_has_a_distinct_name },
		{ "unknown_codes_are_named", test_err_unknown_codes_are_named },
		{ "numbers_are_frozen", test_err_numbers_are_frozen },
		{ NULL, NULL }
	};

	return cp_test_run("err", tests);
}
