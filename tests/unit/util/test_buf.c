/*
 * test_buf.c - the bounded growable buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "cptest.h"
#include "util/util.h"

static void
test_buf_grows_and_terminates(void)
{
	struct cp_buf b;
	char *s;
	int i;

	cp_buf_init(&b, 0);
	for (i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(cp_buf_printf(&b, "%d,", i % 10), CP_OK);
	CU_ASSERT_EQUAL(b.len, 2000);
	CU_ASSERT_EQUAL(b.data[b.len], '\0');
	CU_ASSERT_EQUAL(strncmp(b.data, "0,1,2,", 6), 0);
	s = cp_buf_steal(&b);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(b.len, 0);
	free(s);
	cp_buf_free(&b);
}

static void
test_buf_refuses_past_its_limit(void)
{
	struct cp_buf b;

	cp_buf_init(&b, 8);
	CU_ASSERT_EQUAL(cp_buf_puts(&b, "12345678"), CP_OK);
	CU_ASSERT_EQUAL(cp_buf_puts(&b, "9"), CP_E_LIMIT);
	CU_ASSERT_EQUAL(cp_buf_printf(&b, "%s", "x"), CP_E_LIMIT);
	CU_ASSERT_STRING_EQUAL(b.data, "12345678");
	cp_buf_free(&b);
}

static void
test_buf_empty_append_makes_a_string(void)
{
	struct cp_buf b;

	cp_buf_init(&b, 0);
	CU_ASSERT_EQUAL(cp_buf_append(&b, "", 0), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(b.data);
	CU_ASSERT_STRING_EQUAL(b.data, "");
	cp_buf_free(&b);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "grows_and_terminates", test_buf_grows_and_terminates },
		{ "refuses_past_its_limit", test_buf_refuses_past_its_limit },
		{ "empty_append_makes_a_string",
		    test_buf_empty_append_makes_a_string },
		{ NULL, NULL }
	};

	return cp_test_run("buf", tests);
}
