/*
 * test_json.c - JSON bodies: parsed, refused when malformed, too deep or
 * too large, with a reason.
 */
#include <stdlib.h>
#include <string.h>

#include "cptest.h"
#include "net/http_client.h"

/* depth nested arrays around 1, optionally inside a string first. */
static char *
nested(size_t depth, const char *prefix)
{
	size_t plen = strlen(prefix), len = plen + 2 * depth + 2, i;
	char *s = malloc(len);

	if (s == NULL)
		return NULL;
	memcpy(s, prefix, plen);
	for (i = 0; i < depth; i++)
		s[plen + i] = '[';
	s[plen + depth] = '1';
	for (i = 0; i < depth; i++)
		s[plen + depth + 1 + i] = ']';
	s[len - 1] = '\0';
	return s;
}

static void
test_json_parses(void)
{
	const char doc[] = "{\"value\": [{\"id\": \"a\"}, {\"id\": \"b\"}],"
			   " \"nextLink\": null}";
	char why[128] = "";
	json_t *j;

	j = cp_json_parse(doc, strlen(doc), why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "value")), 2);
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(j, "value"), 1), "id")),
	    "b");
	json_decref(j);
	/* Scalars are documents too; len bounds the input. */
	j = cp_json_parse("42 trailing", 2, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(json_integer_value(j), 42);
	json_decref(j);
}

static void
test_json_malformed_says_where(void)
{
	const char doc[] = "{\"a\": 1,\n \"b\": }";
	char why[128] = "";

	CU_ASSERT_PTR_NULL(cp_json_parse(doc, strlen(doc), why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "line 2"));
	CU_ASSERT_PTR_NULL(cp_json_parse("", 0, why, sizeof(why)));
	CU_ASSERT_PTR_NULL(cp_json_parse(NULL, 0, why, sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "no document");
	/* A NUL inside a string is refused. */
	CU_ASSERT_PTR_NULL(
	    cp_json_parse("\"a\\u0000b\"", 10, why, sizeof(why)));
}

static void
test_json_depth_limit(void)
{
	char why[128] = "";
	char *s;
	json_t *j;

	s = nested(CP_JSON_MAX_DEPTH, "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	j = cp_json_parse(s, strlen(s), why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL(j);
	json_decref(j);
	free(s);

	s = nested(CP_JSON_MAX_DEPTH + 1, "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NULL(cp_json_parse(s, strlen(s), why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "deeper than 64"));
	free(s);

	/* Far deeper than jansson's own limit: refused before parsing. */
	s = nested(100000, "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NULL(cp_json_parse(s, strlen(s), why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "deeper than 64"));
	free(s);
}

static void
test_json_brackets_in_strings_do_not_count(void)
{
	char doc[512], why[128] = "";
	size_t i, n = 0;
	json_t *j;

	/* 100 brackets and an escaped quote inside a string, then [[1]]. */
	doc[n++] = '[';
	doc[n++] = '"';
	for (i = 0; i < 100; i++)
		doc[n++] = i % 2 ? '{' : '[';
	memcpy(doc + n, "\\\"]", 3);
	n += 3;
	memcpy(doc + n, "\", [[1]]]", 9);
	n += 9;
	j = cp_json_parse(doc, n, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL(j);
	CU_ASSERT_EQUAL(json_array_size(j), 2);
	json_decref(j);
}

static void
test_json_size_limit(void)
{
	char why[128] = "";

	/* The length alone decides; the buffer is not read. */
	CU_ASSERT_PTR_NULL(cp_json_parse(
	    "{}", (size_t)CP_HTTP_DEFAULT_MAX_BODY + 1, why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "larger than"));
}

int
main(void)
{
	static const struct cp_test tests[] = {{"parses", test_json_parses},
	    {"malformed_says_where", test_json_malformed_says_where},
	    {"depth_limit", test_json_depth_limit},
	    {"brackets_in_strings_do_not_count",
		test_json_brackets_in_strings_do_not_count},
	    {"size_limit", test_json_size_limit}, {NULL, NULL}};

	return cp_test_run("net/json", tests);
}
