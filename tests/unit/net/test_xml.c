/*
 * test_xml.c - XML bodies as {"name","attrs","text","children"} trees,
 * bounded in depth, elements and size, with DTDs and entities refused.
 */
#include <stdlib.h>
#include <string.h>

#include "cptest.h"
#include "net/http_client.h"
#include "net/xml.h"

static json_t *
parse(const char *doc, char *why, size_t why_size)
{
	return cp_xml_parse(doc, strlen(doc), why, why_size);
}

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void
test_xml_tree(void)
{
	const char doc[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<DescribeResponse xmlns=\"http://ec2.amazonaws.com/doc/\">"
	    "<requestId>r-1</requestId>"
	    "<set><item id=\"1\" kind=\"a&amp;b\">one</item>"
	    "<item id=\"2\"><![CDATA[<two>]]> &lt;2&gt;</item></set>"
	    "</DescribeResponse>";
	char why[128] = "";
	json_t *root, *set, *item;

	root = parse(doc, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_STRING_EQUAL(str(root, "name"), "DescribeResponse");
	CU_ASSERT_STRING_EQUAL(str(json_object_get(root, "attrs"), "xmlns"),
	    "http://ec2.amazonaws.com/doc/");
	CU_ASSERT_STRING_EQUAL(str(root, "text"), "");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(root, "children")), 2);
	CU_ASSERT_STRING_EQUAL(
	    str(json_array_get(json_object_get(root, "children"), 0), "text"),
	    "r-1");
	set = json_array_get(json_object_get(root, "children"), 1);
	item = json_array_get(json_object_get(set, "children"), 0);
	CU_ASSERT_STRING_EQUAL(str(item, "name"), "item");
	CU_ASSERT_STRING_EQUAL(str(item, "text"), "one");
	CU_ASSERT_STRING_EQUAL(
	    str(json_object_get(item, "attrs"), "kind"), "a&b");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(item, "children")), 0);
	item = json_array_get(json_object_get(set, "children"), 1);
	CU_ASSERT_STRING_EQUAL(str(item, "text"), "<two> <2>");
	json_decref(root);
}

static void
test_xml_namespace_prefixes_kept(void)
{
	const char doc[] =
	    "<s3:ListBucketResult xmlns:s3=\"http://s3.amazonaws.com/\">"
	    "<s3:Key xml:lang=\"en\">a b </s3:Key></s3:ListBucketResult>";
	char why[128] = "";
	json_t *root, *key;

	root = parse(doc, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_STRING_EQUAL(str(root, "name"), "s3:ListBucketResult");
	CU_ASSERT_STRING_EQUAL(str(json_object_get(root, "attrs"), "xmlns:s3"),
	    "http://s3.amazonaws.com/");
	key = json_array_get(json_object_get(root, "children"), 0);
	CU_ASSERT_STRING_EQUAL(str(key, "name"), "s3:Key");
	CU_ASSERT_STRING_EQUAL(
	    str(json_object_get(key, "attrs"), "xml:lang"), "en");
	/* Text is kept as written, white space included. */
	CU_ASSERT_STRING_EQUAL(str(key, "text"), "a b ");
	json_decref(root);
}

static void
test_xml_refuses_dtd_and_entities(void)
{
	const char laughs[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE lolz [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	    "]>\n<lolz>&lol4;</lolz>";
	const char external[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	    "<r>&x;</r>";
	const char undeclared[] = "<r>&nope;</r>";
	char why[256] = "";

	CU_ASSERT_PTR_NULL(parse(laughs, why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "DTD"));
	why[0] = '\0';
	CU_ASSERT_PTR_NULL(parse(external, why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "DTD"));
	why[0] = '\0';
	CU_ASSERT_PTR_NULL(parse(undeclared, why, sizeof(why)));
	CU_ASSERT(why[0] != '\0');
}

static void
test_xml_malformed_says_where(void)
{
	char why[128] = "";

	CU_ASSERT_PTR_NULL(parse("<a>\n<b></a>", why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "line 2"));
	CU_ASSERT_PTR_NULL(parse("", why, sizeof(why)));
	CU_ASSERT_PTR_NULL(parse("<a/><b/>", why, sizeof(why)));
	CU_ASSERT_PTR_NULL(cp_xml_parse(NULL, 0, why, sizeof(why)));
	CU_ASSERT_PTR_NULL(cp_xml_parse(
	    "<a/>", (size_t)CP_HTTP_DEFAULT_MAX_BODY + 1, why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "larger than"));
}

/* depth nested <e> elements. */
static char *
nested(size_t depth)
{
	size_t len = depth * 7 + 1, i;
	char *s = malloc(len), *p = s;

	if (s == NULL)
		return NULL;
	for (i = 0; i < depth; i++, p += 3)
		memcpy(p, "<e>", 3);
	for (i = 0; i < depth; i++, p += 4)
		memcpy(p, "</e>", 4);
	*p = '\0';
	return s;
}

static void
test_xml_depth_limit(void)
{
	char why[128] = "";
	char *s;
	json_t *j;

	s = nested(CP_JSON_MAX_DEPTH);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	j = parse(s, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL(j);
	json_decref(j);
	free(s);
	s = nested(CP_JSON_MAX_DEPTH + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NULL(parse(s, why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "nested too deeply"));
	free(s);
}

static void
test_xml_element_limit(void)
{
	const char doc[] = "<r><a/><a/><a/><a/></r>";
	char why[128] = "";
	json_t *j;

	j = cp_xml_parse_bounded(doc, strlen(doc), 4, 5, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL(j);
	json_decref(j);
	CU_ASSERT_PTR_NULL(
	    cp_xml_parse_bounded(doc, strlen(doc), 4, 4, why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "too many elements"));
	CU_ASSERT_PTR_NULL(
	    cp_xml_parse_bounded(doc, strlen(doc), 1, 5, why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "nested too deeply"));
}

int
main(void)
{
	static const struct cp_test tests[] = {{"tree", test_xml_tree},
	    {"namespace_prefixes_kept", test_xml_namespace_prefixes_kept},
	    {"refuses_dtd_and_entities", test_xml_refuses_dtd_and_entities},
	    {"malformed_says_where", test_xml_malformed_says_where},
	    {"depth_limit", test_xml_depth_limit},
	    {"element_limit", test_xml_element_limit}, {NULL, NULL}};

	return cp_test_run("net/xml", tests);
}
