/*
 * cptest.h - the few lines every CUnit test binary shares: run one suite,
 * print CUnit's run summary, exit non-zero on any failure.
 */
#ifndef CP_TEST_H
#define CP_TEST_H

#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

struct cp_test {
	const char *name;
	void (*fn)(void);
};

/* Runs tests (ending with a NULL name) as the suite name; returns 0 on pass. */
static inline int
cp_test_run(const char *suite, const struct cp_test *tests)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite(suite, NULL, NULL);
	if (s == NULL)
		return 2;
	for (; tests->name != NULL; tests++)
		if (CU_add_test(s, tests->name, tests->fn) == NULL)
			return 2;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_number_of_tests_run() == 0)
		fails = 1;
	CU_cleanup_registry();
	printf("\n");
	return fails == 0 ? 0 : 1;
}

/* Where the tests find their files (set by make check). */
static inline const char *
cp_test_env(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : fallback;
}

#define CP_TEST_SRCDIR() cp_test_env("CP_TOP_SRCDIR", ".")
#define CP_TEST_BUILDDIR() cp_test_env("CP_TOP_BUILDDIR", ".")

#endif /* CP_TEST_H */
