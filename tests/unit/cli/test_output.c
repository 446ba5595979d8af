/*
 * test_output.c - text tables line up by display width, Japanese included.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cptest.h"

/* Prints t into a string (owned by the caller). */
static char *
render(struct cli_table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	CU_ASSERT_FATAL(fp != NULL);
	cli_table_print(t, fp);
	fclose(fp);
	return buf;
}

static void
test_output_aligns_columns(void)
{
	const char *const head[] = { "NAME", "LANG" };
	const char *const r1[] = { "acme-corporation", "ja" };
	const char *const r2[] = { "x", NULL };
	struct cli_table *t = cli_table_new(2, head);
	char *s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(cli_table_add(t, r1), CP_OK);
	CU_ASSERT_EQUAL(cli_table_add(t, r2), CP_OK);
	s = render(t);
	CU_ASSERT_STRING_EQUAL(s,
	    "NAME              LANG\n"
	    "acme-corporation  ja\n"
	    "x                 \n");
	free(s);
	cli_table_free(t);
	cli_table_free(NULL);
}

static void
test_output_counts_wide_characters_twice(void)
{
	const char *const head[] = { "名前", "X" };
	const char *const r1[] = { "abcdef", "1" };
	struct cli_table *t = cli_table_new(2, head);
	char *s;

	CU_ASSERT_EQUAL(cli_table_add(t, r1), CP_OK);
	s = render(t);
	/* "名前" is four columns wide: two spaces of padding follow it. */
	CU_ASSERT_STRING_EQUAL(s, "名前    X\nabcdef  1\n");
	free(s);
	cli_table_free(t);
}

static void
test_output_text_follows_language(void)
{
	struct cli cli;

	memset(&cli, 0, sizeof(cli));
	cli.lang = "ja";
	CU_ASSERT_STRING_EQUAL(cli_text(&cli, "name", "名前"), "名前");
	cli.lang = "en";
	CU_ASSERT_STRING_EQUAL(cli_text(&cli, "name", "名前"), "name");
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "aligns_columns", test_output_aligns_columns },
		{ "counts_wide_characters_twice",
		    test_output_counts_wide_characters_twice },
		{ "text_follows_language", test_output_text_follows_language },
		{ NULL, NULL }
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		return 2;
	return cp_test_run("output", tests);
}
