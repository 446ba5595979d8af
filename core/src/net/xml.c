/*
 * xml.c - XML response bodies as jansson trees, for the APIs that answer
 * in XML (AWS query protocol, S3).
 *
 * expat's events build the tree directly: each element becomes
 * {"name", "attrs", "text", "children"}, names keep their namespace prefix
 * as written ("s3:Key"), and "text" is the character data directly inside
 * the element, concatenated, white space kept.  A document type
 * declaration is refused outright, so no entity can be declared: no
 * entity expansion attack (billion laughs) and no external entity can
 * reach us.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "net/http_client.h"
#include "net/xml.h"
#include "util/util.h"

struct xml_frame {
	json_t *elem;     /* borrowed: the tree owns it */
	json_t *children; /* borrowed */
	struct cp_buf text;
};

struct xml_ctx {
	XML_Parser p;
	json_t *root;            /* owned */
	struct xml_frame *stack; /* max_depth frames */
	unsigned depth, max_depth;
	size_t elements, max_elements;
	size_t max_text;
	int failed;
	char *why;
	size_t why_size;
};

/* Stops the parser with a reason of our own. */
static void
xml_fail(struct xml_ctx *c, const char *reason)
{
	if (c->failed)
		return;
	c->failed = 1;
	cp_snprintf(c->why, c->why_size, "line %lu column %lu: %s",
	    (unsigned long)XML_GetCurrentLineNumber(c->p),
	    (unsigned long)XML_GetCurrentColumnNumber(c->p), reason);
	XML_StopParser(c->p, XML_FALSE);
}

/* Builds {"name", "attrs", "text": "", "children": []} for one element. */
static json_t *
xml_element(const XML_Char *name, const XML_Char **atts, json_t **children)
{
	json_t *elem, *attrs;
	size_t i;

	*children = NULL;
	elem = json_object();
	attrs = json_object();
	if (elem == NULL || attrs == NULL)
		goto fail;
	for (i = 0; atts[i] != NULL && atts[i + 1] != NULL; i += 2)
		if (json_object_set_new(
			attrs, atts[i], json_string(atts[i + 1])) != 0)
			goto fail;
	if (json_object_set_new(elem, "name", json_string(name)) != 0 ||
	    json_object_set(elem, "attrs", attrs) != 0 ||
	    json_object_set_new(elem, "text", json_string("")) != 0 ||
	    json_object_set_new(elem, "children", json_array()) != 0)
		goto fail;
	json_decref(attrs);
	*children = json_object_get(elem, "children");
	return elem;
fail:
	json_decref(attrs);
	json_decref(elem);
	return NULL;
}

static void XMLCALL
xml_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_ctx *c = ud;
	struct xml_frame *f;
	json_t *elem, *children;

	if (c->failed)
		return;
	if (c->depth >= c->max_depth) {
		xml_fail(c, "elements nested too deeply");
		return;
	}
	if (c->elements >= c->max_elements) {
		xml_fail(c, "too many elements");
		return;
	}
	elem = xml_element(name, atts, &children);
	if (elem == NULL) {
		xml_fail(c, "out of memory");
		return;
	}
	if (c->depth == 0)
		c->root = elem;
	else if (json_array_append_new(c->stack[c->depth - 1].children, elem) !=
		 0) {
		xml_fail(c, "out of memory");
		return;
	}
	c->elements++;
	f = &c->stack[c->depth++];
	f->elem = elem;
	f->children = children;
	cp_buf_init(&f->text, c->max_text);
}

static void XMLCALL
xml_end(void *ud, const XML_Char *name)
{
	struct xml_ctx *c = ud;
	struct xml_frame *f;
	json_t *s;

	(void)name;
	if (c->failed || c->depth == 0)
		return;
	f = &c->stack[c->depth - 1];
	if (f->text.len > 0) {
		s = json_stringn(f->text.data, f->text.len);
		if (s == NULL || json_object_set_new(f->elem, "text", s) != 0) {
			xml_fail(c, "out of memory");
			return;
		}
	}
	cp_buf_free(&f->text);
	c->depth--;
}

static void XMLCALL
xml_chars(void *ud, const XML_Char *s, int len)
{
	struct xml_ctx *c = ud;

	if (c->failed || c->depth == 0 || len <= 0)
		return;
	if (cp_buf_append(&c->stack[c->depth - 1].text, s, (size_t)len) !=
	    CP_OK)
		xml_fail(c, "out of memory");
}

static void XMLCALL
xml_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	xml_fail(ud, "a document type declaration (DTD) is not allowed");
}

static void XMLCALL
xml_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
    int value_len, const XML_Char *base, const XML_Char *sysid,
    const XML_Char *pubid, const XML_Char *notation)
{
	(void)name;
	(void)is_param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	xml_fail(ud, "entity declarations are not allowed");
}

json_t *
cp_xml_parse_bounded(const char *buf, size_t len, unsigned max_depth,
    size_t max_elements, char *why, size_t why_size)
{
	struct xml_ctx c;
	json_t *r = NULL;
	unsigned i;

	memset(&c, 0, sizeof(c));
	c.why = why;
	c.why_size = why_size;
	c.max_depth = max_depth;
	c.max_elements = max_elements;
	c.max_text = len + 1;
	if (buf == NULL) {
		cp_snprintf(why, why_size, "no document");
		return NULL;
	}
	if (len > CP_HTTP_DEFAULT_MAX_BODY) {
		cp_snprintf(why, why_size,
		    "document of %zu bytes is larger than %u bytes", len,
		    CP_HTTP_DEFAULT_MAX_BODY);
		return NULL;
	}
	if (max_depth == 0) {
		cp_snprintf(why, why_size, "no depth allowed");
		return NULL;
	}
	c.stack = calloc(max_depth, sizeof(*c.stack));
	c.p = XML_ParserCreate(NULL);
	if (c.stack == NULL || c.p == NULL) {
		cp_snprintf(why, why_size, "out of memory");
		goto out;
	}
	XML_SetUserData(c.p, &c);
	XML_SetElementHandler(c.p, xml_start, xml_end);
	XML_SetCharacterDataHandler(c.p, xml_chars);
	XML_SetStartDoctypeDeclHandler(c.p, xml_doctype);
	XML_SetEntityDeclHandler(c.p, xml_entity);
	XML_SetParamEntityParsing(c.p, XML_PARAM_ENTITY_PARSING_NEVER);
	/* A second line of defence (expat >= 2.4 declares it with XML_DTD). */
#if defined(XML_DTD) && XML_MAJOR_VERSION * 100 + XML_MINOR_VERSION >= 204
	XML_SetBillionLaughsAttackProtectionMaximumAmplification(c.p, 10.0f);
	XML_SetBillionLaughsAttackProtectionActivationThreshold(
	    c.p, 1024 * 1024);
#endif
	if (XML_Parse(c.p, buf, (int)len, XML_TRUE) != XML_STATUS_OK) {
		if (!c.failed)
			cp_snprintf(why, why_size, "line %lu column %lu: %s",
			    (unsigned long)XML_GetCurrentLineNumber(c.p),
			    (unsigned long)XML_GetCurrentColumnNumber(c.p),
			    XML_ErrorString(XML_GetErrorCode(c.p)));
		goto out;
	}
	if (c.failed)
		goto out;
	if (c.root == NULL) {
		cp_snprintf(why, why_size, "no root element");
		goto out;
	}
	r = c.root;
	c.root = NULL;
out:
	if (c.stack != NULL)
		for (i = 0; i < c.depth; i++)
			cp_buf_free(&c.stack[i].text);
	json_decref(c.root);
	free(c.stack);
	if (c.p != NULL)
		XML_ParserFree(c.p);
	return r;
}

json_t *
cp_xml_parse(const char *buf, size_t len, char *why, size_t why_size)
{
	return cp_xml_parse_bounded(
	    buf, len, CP_JSON_MAX_DEPTH, CP_XML_MAX_ELEMENTS, why, why_size);
}
