/*
 * xmljson.c - AWS XML (EC2, Query, REST-XML) as botocore-shaped JSON.
 *
 * The input is the tree of cp_host.xml_parse: {"name", "attrs", "text",
 * "children"}.  The rules (README.md, "What a snapshot holds"):
 *
 *   - an element becomes a member named by its tag, namespace prefix
 *     dropped and first letter upper-cased (groupId -> GroupId); a tag
 *     repeated among its siblings (a flattened list) becomes an array;
 *   - an element whose children are all <item> or <member>, or that the
 *     caller names in lists, becomes an array of its children converted;
 *     an empty element named in lists or ending in "Set" (EC2's lists)
 *     becomes [];
 *   - an element whose children are all <entry><key/><value/></entry>
 *     (IAM's SummaryMap) becomes an object keyed by the keys;
 *   - attributes of an element with children (S3's xsi:type) become
 *     members too (Type), xmlns declarations excepted;
 *   - a leaf's text: "true"/"false" become booleans; a whole number (no
 *     leading zero, no sign but '-', at most 18 digits) becomes a number,
 *     except in members whose name ends in Id, Ids, Identifier(s),
 *     Account or Alias(es) (account ids keep their leading zeros) or in
 *     one of the string members botocore never gives as numbers
 *     (Protocol: IpProtocol "-1"; Value, Key, Name, Description, Arn,
 *     Version, Token, Marker, Message); anything else
 *     stays the text AWS sent (times included).  A leaf of only white
 *     space that spans lines (pretty-printing) is "".
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

/* Digits of the largest whole number kept as a number (fits int64). */
#define XJ_MAX_DIGITS 18

/* Member names whose values stay text even when they look like numbers. */
static const char *const xj_text_suffixes[] = {
	"Id", "Ids", "Identifier", "Identifiers", "Account", "Alias",
	"Aliases", "Protocol", "Value", "Key", "Name", "Description", "Arn",
	"Version", "Token", "Marker", "Message", NULL
};

/* The tag without its namespace prefix ("s3:Key" -> "Key"). */
static const char *
xj_local(const char *tag)
{
	const char *colon = strrchr(tag, ':');

	return colon != NULL ? colon + 1 : tag;
}

char *
aws_member_name(const char *tag)
{
	char *m;

	if (tag == NULL)
		return NULL;
	m = strdup(xj_local(tag));
	if (m != NULL && m[0] >= 'a' && m[0] <= 'z')
		m[0] = (char)(m[0] - 'a' + 'A');
	return m;
}

static const char *
xj_name(const json_t *elem)
{
	const char *n = json_string_value(json_object_get(elem, "name"));

	return n != NULL ? xj_local(n) : "";
}

static int
xj_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Whether tag (or its member name) is one the caller says is a list. */
static int
xj_named_list(const char *tag, const char *const *lists)
{
	for (; lists != NULL && *lists != NULL; lists++) {
		const char *l = xj_local(*lists);

		if (strcmp(l, tag) == 0 ||
		    (tolower((unsigned char)l[0]) ==
		    tolower((unsigned char)tag[0]) && l[0] != '\0' &&
		    strcmp(l + 1, tag + 1) == 0))
			return 1;
	}
	return 0;
}

/* Whether every child element is called name (and there is one). */
static int
xj_all_named(const json_t *children, const char *name)
{
	size_t i;
	json_t *c;

	if (json_array_size(children) == 0)
		return 0;
	json_array_foreach(children, i, c)
		if (strcmp(xj_name(c), name) != 0)
			return 0;
	return 1;
}

static int
xj_text_member(const char *member)
{
	const char *const *s;

	for (s = xj_text_suffixes; *s != NULL; s++)
		if (xj_ends_with(member, *s))
			return 1;
	return 0;
}

/* A whole number in its one canonical spelling. */
static int
xj_whole_number(const char *t)
{
	const char *d = t[0] == '-' ? t + 1 : t;
	size_t n = strlen(d), i;

	if (n == 0 || n > XJ_MAX_DIGITS || (d[0] == '0' && n > 1) ||
	    (t[0] == '-' && strcmp(d, "0") == 0))
		return 0;
	for (i = 0; i < n; i++)
		if (d[i] < '0' || d[i] > '9')
			return 0;
	return 1;
}

/* Only white space, with a line break in it (indentation). */
static int
xj_indentation(const char *t)
{
	int newline = 0;

	for (; *t != '\0'; t++) {
		if (*t == '\n')
			newline = 1;
		else if (*t != ' ' && *t != '\t' && *t != '\r')
			return 0;
	}
	return newline;
}

/* The value of a leaf, by the rules of the member it becomes. */
static json_t *
xj_scalar(const char *text, const char *member)
{
	if (xj_indentation(text))
		return json_string("");
	if (strcmp(text, "true") == 0)
		return json_true();
	if (strcmp(text, "false") == 0)
		return json_false();
	if (!xj_text_member(member) && xj_whole_number(text))
		return json_integer((json_int_t)strtoll(text, NULL, 10));
	return json_string(text);
}

static json_t *xj_convert(const json_t *elem, const char *member,
    const char *const *lists);

/* The children of elem, each converted, as an array. */
static json_t *
xj_array(const json_t *children, const char *member, const char *const *lists)
{
	json_t *arr = json_array(), *c, *v;
	size_t i;

	if (arr == NULL)
		return NULL;
	json_array_foreach(children, i, c) {
		v = xj_convert(c, member, lists);
		if (v == NULL || json_array_append_new(arr, v) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* <entry><key>K</key><value>V</value></entry>... as {"K": V}. */
static json_t *
xj_map(const json_t *children, const char *const *lists)
{
	json_t *obj = json_object(), *e, *kv, *key, *value, *v;
	const char *k;
	size_t i, j;

	if (obj == NULL)
		return NULL;
	json_array_foreach(children, i, e) {
		key = value = NULL;
		json_array_foreach(json_object_get(e, "children"), j, kv) {
			if (strcmp(xj_name(kv), "key") == 0)
				key = kv;
			else if (strcmp(xj_name(kv), "value") == 0)
				value = kv;
		}
		k = key != NULL ? json_string_value(json_object_get(key,
		    "text")) : NULL;
		if (k == NULL)
			continue;
		v = value != NULL ? xj_convert(value, k, lists) : json_null();
		if (v == NULL || json_object_set_new(obj, k, v) != 0) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

/* Whether every <entry> child holds a <key>: a map. */
static int
xj_is_map(const json_t *children)
{
	json_t *e, *kv;
	size_t i, j;
	int has_key;

	if (!xj_all_named(children, "entry"))
		return 0;
	json_array_foreach(children, i, e) {
		has_key = 0;
		json_array_foreach(json_object_get(e, "children"), j, kv)
			if (strcmp(xj_name(kv), "key") == 0)
				has_key = 1;
		if (!has_key)
			return 0;
	}
	return 1;
}

/* Adds v as member m of obj; a repeated member becomes an array. */
static int
xj_put(json_t *obj, json_t *repeated, const char *m, json_t *v)
{
	json_t *old = json_object_get(obj, m), *arr;

	if (old == NULL)
		return json_object_set_new(obj, m, v);
	if (json_object_get(repeated, m) != NULL)
		return json_array_append_new(old, v);
	arr = json_array();
	if (arr == NULL) {
		json_decref(v);
		return -1;
	}
	/* The _new calls take their reference even when they fail. */
	if (json_array_append(arr, old) != 0 ||
	    json_array_append_new(arr, v) != 0 ||
	    json_object_set_new(repeated, m, json_true()) != 0) {
		json_decref(arr);
		return -1;
	}
	return json_object_set_new(obj, m, arr);
}

/* An element with child elements (and maybe attributes) as an object. */
static json_t *
xj_object(const json_t *elem, const char *const *lists)
{
	json_t *obj = json_object(), *repeated = json_object(), *c, *v;
	const char *attr;
	char *m = NULL;
	size_t i;

	if (obj == NULL || repeated == NULL)
		goto fail;
	json_array_foreach(json_object_get(elem, "children"), i, c) {
		m = aws_member_name(xj_name(c));
		if (m == NULL)
			goto fail;
		v = xj_convert(c, m, lists);
		if (v == NULL || xj_put(obj, repeated, m, v) != 0)
			goto fail;
		free(m);
		m = NULL;
	}
	json_object_foreach(json_object_get(elem, "attrs"), attr, v) {
		if (strcmp(attr, "xmlns") == 0 ||
		    strncmp(attr, "xmlns:", 6) == 0 || !json_is_string(v))
			continue;
		m = aws_member_name(attr);
		if (m == NULL)
			goto fail;
		if (json_object_get(obj, m) == NULL &&
		    json_object_set(obj, m, v) != 0)
			goto fail;
		free(m);
		m = NULL;
	}
	json_decref(repeated);
	return obj;
fail:
	free(m);
	json_decref(repeated);
	json_decref(obj);
	return NULL;
}

/* elem converted; member is the name it becomes (for the leaf rules). */
static json_t *
xj_convert(const json_t *elem, const char *member, const char *const *lists)
{
	const json_t *children = json_object_get(elem, "children");
	const char *tag = xj_name(elem), *text;
	size_t n = json_array_size(children);

	if (xj_named_list(tag, lists))
		return xj_array(children, member, lists);
	if (n > 0) {
		if (xj_all_named(children, "item") ||
		    xj_all_named(children, "member"))
			return xj_array(children, member, lists);
		if (xj_is_map(children))
			return xj_map(children, lists);
		return xj_object(elem, lists);
	}
	text = json_string_value(json_object_get(elem, "text"));
	if (text == NULL)
		text = "";
	if ((text[0] == '\0' || xj_indentation(text)) &&
	    xj_ends_with(tag, "Set"))
		return json_array();
	return xj_scalar(text, member);
}

json_t *
aws_xml_to_json(const json_t *elem, const char *const *lists)
{
	json_t *v;
	char *m;

	if (!json_is_object(elem))
		return NULL;
	m = aws_member_name(xj_name(elem));
	if (m == NULL)
		return NULL;
	v = xj_convert(elem, m, lists);
	free(m);
	return v;
}
