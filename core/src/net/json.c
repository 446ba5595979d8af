/*
 * json.c - parsing response bodies as JSON, bounded in size and depth.
 *
 * jansson's own depth limit (2048) is far above what a cloud API answers,
 * so the nesting is measured first with a scan of the brackets outside
 * strings: a hostile body is refused before any tree is built.
 */
#include <stdio.h>
#include <string.h>

#include "net/http_client.h"
#include "util/util.h"

/*
 * Whether arrays and objects in buf nest deeper than limit.  Malformed
 * documents are left to the parser.
 */
static int
json_too_deep(const char *buf, size_t len, size_t limit)
{
	size_t depth = 0, i;
	int in_str = 0, esc = 0;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '[' || c == '{') {
			if (++depth > limit)
				return 1;
		} else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return 0;
}

json_t *
cp_json_parse(const char *buf, size_t len, char *why, size_t why_size)
{
	json_error_t e;
	json_t *j;

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
	if (json_too_deep(buf, len, CP_JSON_MAX_DEPTH)) {
		cp_snprintf(why, why_size, "nested deeper than %d levels",
		    CP_JSON_MAX_DEPTH);
		return NULL;
	}
	j = json_loadb(buf, len, JSON_DECODE_ANY, &e);
	if (j == NULL)
		cp_snprintf(why, why_size, "line %d column %d: %s", e.line,
		    e.column, e.text);
	return j;
}
