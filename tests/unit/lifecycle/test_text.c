/*
 * test_text.c - UTF-8 counting, validation and cutting, and control
 * characters.
 */
#include "cptest.h"
#include "lifecycle/lc_priv.h"

static size_t
chars(const char *s)
{
	size_t n = 9999;

	CU_ASSERT_EQUAL(cp_lc_utf8_count(s, &n), CP_OK);
	return n;
}

static void
test_text_counts_code_points(void)
{
	CU_ASSERT_EQUAL(chars(""), 0);
	CU_ASSERT_EQUAL(chars("abc"), 3);
	/* é (2 bytes), あ (3), 😀 (4), U+10FFFF (4). */
	CU_ASSERT_EQUAL(chars("\xc3\xa9"), 1);
	CU_ASSERT_EQUAL(chars("\xe3\x81\x82\xe3\x81\x84"), 2);
	CU_ASSERT_EQUAL(chars("a\xf0\x9f\x98\x80z"), 3);
	CU_ASSERT_EQUAL(chars("\xf4\x8f\xbf\xbf"), 1);
	/* U+D7FF and U+E000 sit just beside the surrogates. */
	CU_ASSERT_EQUAL(chars("\xed\x9f\xbf\xee\x80\x80"), 2);
}

static void
test_text_refuses_malformed(void)
{
	static const char *const bad[] = {
	    "\x80",             /* lone continuation */
	    "a\xbf",            /* lone continuation */
	    "\xc3",             /* cut short */
	    "\xe3\x81",         /* cut short */
	    "\xc0\xaf",         /* overlong '/' */
	    "\xc1\xbf",         /* overlong */
	    "\xe0\x80\xaf",     /* overlong */
	    "\xf0\x80\x80\xaf", /* overlong */
	    "\xed\xa0\x80",     /* surrogate U+D800 */
	    "\xed\xbf\xbf",     /* surrogate U+DFFF */
	    "\xf4\x90\x80\x80", /* U+110000 */
	    "\xf5\x80\x80\x80", /* not a lead byte */
	    "\xff",             /* never in UTF-8 */
	    "\xe3\x41\x82",     /* ASCII inside a sequence */
	};
	size_t i, n;

	for (i = 0; i < CP_ARRAY_LEN(bad); i++) {
		n = 7;
		CU_ASSERT_EQUAL(cp_lc_utf8_count(bad[i], &n), CP_E_INVALID);
		CU_ASSERT_EQUAL(n, 0);
	}
}

static void
test_text_cut_keeps_code_points_whole(void)
{
	/* あいう: 9 bytes. */
	const char *s = "\xe3\x81\x82\xe3\x81\x84\xe3\x81\x86";

	CU_ASSERT_EQUAL(cp_lc_utf8_cut(s, 100), 9);
	CU_ASSERT_EQUAL(cp_lc_utf8_cut(s, 9), 9);
	CU_ASSERT_EQUAL(cp_lc_utf8_cut(s, 8), 6);
	CU_ASSERT_EQUAL(cp_lc_utf8_cut(s, 7), 6);
	CU_ASSERT_EQUAL(cp_lc_utf8_cut(s, 6), 6);
	CU_ASSERT_EQUAL(cp_lc_utf8_cut(s, 5), 3);
	CU_ASSERT_EQUAL(cp_lc_utf8_cut(s, 2), 0);
	CU_ASSERT_EQUAL(cp_lc_utf8_cut("abcdef", 4), 4);
	CU_ASSERT_EQUAL(cp_lc_utf8_cut("", 4), 0);
}

static void
test_text_controls(void)
{
	CU_ASSERT_FALSE(cp_lc_has_controls("plain text", 0));
	CU_ASSERT_FALSE(cp_lc_has_controls("\xe3\x81\x82", 0));
	CU_ASSERT_TRUE(cp_lc_has_controls("a\nb", 0));
	CU_ASSERT_FALSE(cp_lc_has_controls("a\nb\tc\r\n", 1));
	CU_ASSERT_TRUE(cp_lc_has_controls("a\x1b[31m", 1));
	CU_ASSERT_TRUE(cp_lc_has_controls("del\x7f", 1));
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"counts code points", test_text_counts_code_points},
	    {"refuses malformed", test_text_refuses_malformed},
	    {"cut keeps code points whole",
		test_text_cut_keeps_code_points_whole},
	    {"controls", test_text_controls},
	    {NULL, NULL},
	};

	return cp_test_run("text", tests);
}
