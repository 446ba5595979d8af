/*
 * test_exclusion.c - per-resource exclusions: adding, listing, removing,
 * the memo limit in characters (R-HIS-2) and what is refused.
 */
#include "lctest.h"
#include "lifecycle/exclusion.h"

/* "あ" (U+3042) is 3 bytes of UTF-8. */
#define JA "\xe3\x81\x82"

struct seen {
	int n;
	char resource[4][64];
	char memo[4][64];
	time_t created[4];
};

static cp_err
collect(void *ud, const struct cp_exclusion *x)
{
	struct seen *s = ud;

	if (s->n < 4) {
		cp_strlcpy(
		    s->resource[s->n], x->resource, sizeof(s->resource[0]));
		cp_strlcpy(s->memo[s->n], x->memo, sizeof(s->memo[0]));
		s->created[s->n] = x->created;
	}
	s->n++;
	return CP_OK;
}

/* n copies of the 3-byte character, NUL-terminated; free it. */
static char *
japanese(size_t n)
{
	char *s = malloc(n * 3 + 1);
	size_t i;

	CU_ASSERT_FATAL(s != NULL);
	for (i = 0; i < n; i++)
		memcpy(s + i * 3, JA, 3);
	s[n * 3] = '\0';
	return s;
}

static void
test_exclusion_add_list_remove(void)
{
	struct lc_fx x;
	struct seen s;
	int yes = -1;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL(
	    cp_exclusion_add(x.st, x.portal, "sg-2", "lab", T0), CP_OK);
	CU_ASSERT_EQUAL(
	    cp_exclusion_add(x.st, x.portal, "sg-1", NULL, T0 + 1), CP_OK);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(cp_exclusion_list(x.st, x.portal, collect, &s), CP_OK);
	CU_ASSERT_EQUAL_FATAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.resource[0], "sg-1");
	CU_ASSERT_STRING_EQUAL(s.memo[0], "");
	CU_ASSERT_EQUAL(s.created[0], T0 + 1);
	CU_ASSERT_STRING_EQUAL(s.resource[1], "sg-2");
	CU_ASSERT_STRING_EQUAL(s.memo[1], "lab");
	/* Again: the memo changes, the time stays. */
	CU_ASSERT_EQUAL(cp_exclusion_add(x.st, x.portal, "sg-2",
			    "lab, until March", T0 + 50),
	    CP_OK);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(cp_exclusion_list(x.st, x.portal, collect, &s), CP_OK);
	CU_ASSERT_EQUAL_FATAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.memo[1], "lab, until March");
	CU_ASSERT_EQUAL(s.created[1], T0);
	CU_ASSERT_EQUAL(
	    cp_exclusion_check(x.st, x.portal, "sg-2", &yes), CP_OK);
	CU_ASSERT_EQUAL(yes, 1);
	CU_ASSERT_EQUAL(cp_exclusion_remove(x.st, x.portal, "sg-2"), CP_OK);
	CU_ASSERT_EQUAL(
	    cp_exclusion_check(x.st, x.portal, "sg-2", &yes), CP_OK);
	CU_ASSERT_EQUAL(yes, 0);
	CU_ASSERT_EQUAL(
	    cp_exclusion_remove(x.st, x.portal, "sg-2"), CP_E_NOTFOUND);
	CU_ASSERT(st_msg_has(x.st, "not excluded"));
	/* Another portal's list is its own; a missing portal is refused. */
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(
	    cp_exclusion_list(x.st, x.portal + 1, collect, &s), CP_OK);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT_EQUAL(cp_exclusion_add(x.st, x.portal + 1, "sg-1", NULL, T0),
	    CP_E_NOTFOUND);
	lc_fx_close(&x);
}

static void
test_exclusion_memo_counts_characters(void)
{
	struct lc_fx x;
	char *ok = japanese(1000), *over = japanese(1001);

	lc_fx_open(&x);
	/* 1000 Japanese characters are 3000 bytes: accepted. */
	CU_ASSERT_EQUAL(
	    cp_exclusion_add(x.st, x.portal, "sg-1", ok, T0), CP_OK);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT length(memo) FROM "
					 "exclusions"),
	    1000);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT length(CAST(memo AS BLOB)) "
					 "FROM exclusions"),
	    3000);
	/* 1001 are refused, saying why. */
	CU_ASSERT_EQUAL(
	    cp_exclusion_add(x.st, x.portal, "sg-2", over, T0), CP_E_INVALID);
	CU_ASSERT(st_msg_has(x.st, "at most 1000 characters"));
	CU_ASSERT(st_msg_has(x.st, "1001"));
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM exclusions"), 1);
	/* Lines and tabs are fine in a memo. */
	CU_ASSERT_EQUAL(cp_exclusion_add(
			    x.st, x.portal, "sg-3", "line one\n\tline two", T0),
	    CP_OK);
	free(ok);
	free(over);
	lc_fx_close(&x);
}

static void
test_exclusion_refuses_bad_text(void)
{
	struct lc_fx x;
	char long_id[CP_EXCLUSION_RESOURCE_MAX + 2];
	int yes = 0;

	lc_fx_open(&x);
	/* Not UTF-8: a lone continuation byte, an overlong '/'. */
	CU_ASSERT_EQUAL(
	    cp_exclusion_add(x.st, x.portal, "sg-1", "memo \x80", T0),
	    CP_E_INVALID);
	CU_ASSERT(st_msg_has(x.st, "UTF-8"));
	CU_ASSERT_EQUAL(
	    cp_exclusion_add(x.st, x.portal, "sg-1", "\xc0\xaf", T0),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_exclusion_add(x.st, x.portal, "sg-\xff", NULL, T0),
	    CP_E_INVALID);
	/* Control characters. */
	CU_ASSERT_EQUAL(cp_exclusion_add(x.st, x.portal, "sg-1", "bell \a", T0),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(
	    cp_exclusion_add(x.st, x.portal, "sg\n1", NULL, T0), CP_E_INVALID);
	/* Resource ids of 0 and 2049 bytes; 2048 is fine. */
	CU_ASSERT_EQUAL(
	    cp_exclusion_add(x.st, x.portal, "", NULL, T0), CP_E_INVALID);
	CU_ASSERT_EQUAL(
	    cp_exclusion_add(x.st, x.portal, NULL, NULL, T0), CP_E_INVALID);
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	CU_ASSERT_EQUAL(
	    cp_exclusion_add(x.st, x.portal, long_id, NULL, T0), CP_E_INVALID);
	CU_ASSERT_EQUAL(
	    cp_exclusion_check(x.st, x.portal, long_id, &yes), CP_E_INVALID);
	long_id[CP_EXCLUSION_RESOURCE_MAX] = '\0';
	CU_ASSERT_EQUAL(
	    cp_exclusion_add(x.st, x.portal, long_id, NULL, T0), CP_OK);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM exclusions"), 1);
	lc_fx_close(&x);
}

static cp_err
stop(void *ud, const struct cp_exclusion *x)
{
	(void)x;
	(*(int *)ud)++;
	return CP_E_CANCELLED;
}

static void
test_exclusion_list_stops(void)
{
	struct lc_fx x;
	int n = 0;

	lc_fx_open(&x);
	CU_ASSERT_EQUAL(cp_exclusion_add(x.st, x.portal, "a", NULL, T0), CP_OK);
	CU_ASSERT_EQUAL(cp_exclusion_add(x.st, x.portal, "b", NULL, T0), CP_OK);
	CU_ASSERT_EQUAL(
	    cp_exclusion_list(x.st, x.portal, stop, &n), CP_E_CANCELLED);
	CU_ASSERT_EQUAL(n, 1);
	lc_fx_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"add, list, remove", test_exclusion_add_list_remove},
	    {"memo counts characters", test_exclusion_memo_counts_characters},
	    {"refuses bad text", test_exclusion_refuses_bad_text},
	    {"list stops", test_exclusion_list_stops},
	    {NULL, NULL},
	};

	return cp_test_run("exclusion", tests);
}
