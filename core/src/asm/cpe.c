/*
 * cpe.c - CPE 2.3 names: parsing the bindings, ordering versions and
 * matching field values (see cpe.h for the rules).
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "asm/cpe.h"

/* Copies one field of length n, keeping escapes; "" becomes "*". */
static cp_err
put_field(struct cp_cpe *c, int i, const char *p, size_t n, char *why,
    size_t why_size)
{
	if (n >= CP_CPE_FIELD_MAX) {
		snprintf(why, why_size, "CPE field %d is longer than %d bytes",
		    i + 1, CP_CPE_FIELD_MAX - 1);
		return CP_E_INVALID;
	}
	if (n == 0) {
		p = "*";
		n = 1;
	}
	memcpy(c->f[i], p, n);
	c->f[i][n] = '\0';
	return CP_OK;
}

/* "cpe:/part:vendor:product:version:update:edition:language" (2.2). */
static cp_err
parse_uri(const char *s, struct cp_cpe *c, char *why, size_t why_size)
{
	char tmp[CP_CPE_FIELD_MAX];
	const char *p = s + 5, *q;
	int i = 0;
	size_t n, k, o;
	cp_err r;

	while (i < 7) {
		q = strchr(p, ':');
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		/* Percent escapes of 2.2 become 2.3 backslash escapes. */
		for (k = 0, o = 0; k < n && o + 2 < sizeof(tmp); k++) {
			if (p[k] == '%' && k + 2 < n &&
			    isxdigit((unsigned char)p[k + 1]) &&
			    isxdigit((unsigned char)p[k + 2])) {
				unsigned v;

				sscanf(p + k + 1, "%2x", &v);
				if (!isalnum((int)v) && v != '_' && v != '.' &&
				    v != '-')
					tmp[o++] = '\\';
				tmp[o++] = (char)v;
				k += 2;
			} else
				tmp[o++] = (char)tolower((unsigned char)p[k]);
		}
		if (k < n) {
			snprintf(why, why_size, "CPE field %d is too long",
			    i + 1);
			return CP_E_INVALID;
		}
		r = put_field(c, i, tmp, o, why, why_size);
		if (r != CP_OK)
			return r;
		i++;
		if (q == NULL)
			break;
		p = q + 1;
	}
	if (i == 7 && strchr(p, ':') != NULL) {
		snprintf(why, why_size, "a CPE 2.2 URI has at most 7 fields");
		return CP_E_INVALID;
	}
	return CP_OK;
}

cp_err
cp_cpe_parse(const char *s, struct cp_cpe *out, char *why, size_t why_size)
{
	const char *p, *start;
	int i;
	cp_err r;

	for (i = 0; i < CP_CPE_NFIELDS; i++)
		strcpy(out->f[i], "*");
	if (s == NULL || strlen(s) > CP_CPE_NFIELDS * CP_CPE_FIELD_MAX) {
		snprintf(why, why_size, "no CPE name, or a name too long");
		return CP_E_INVALID;
	}
	if (strncasecmp(s, "cpe:/", 5) == 0) {
		r = parse_uri(s, out, why, why_size);
	} else if (strncasecmp(s, "cpe:2.3:", 8) == 0) {
		p = start = s + 8;
		i = 0;
		r = CP_OK;
		for (;; p++) {
			if (*p == '\\' && p[1] != '\0') {
				p++;
				continue;
			}
			if (*p != ':' && *p != '\0')
				continue;
			if (i >= CP_CPE_NFIELDS) {
				snprintf(why, why_size, "a CPE 2.3 name has 11 "
				    "fields after \"cpe:2.3:\"");
				return CP_E_INVALID;
			}
			r = put_field(out, i++, start, (size_t)(p - start),
			    why, why_size);
			if (r != CP_OK || *p == '\0')
				break;
			start = p + 1;
		}
	} else {
		snprintf(why, why_size, "a CPE name starts with \"cpe:2.3:\" "
		    "(or \"cpe:/\" for CPE 2.2)");
		return CP_E_INVALID;
	}
	if (r != CP_OK)
		return r;
	if (strlen(out->f[CP_CPE_PART]) != 1 ||
	    strchr("aoh*", out->f[CP_CPE_PART][0]) == NULL) {
		snprintf(why, why_size, "CPE part \"%s\" is not a, o, h or *",
		    out->f[CP_CPE_PART]);
		return CP_E_INVALID;
	}
	return CP_OK;
}

cp_err
cp_cpe_format(const struct cp_cpe *c, char *buf, size_t n)
{
	return cp_snprintf(buf, n, "cpe:2.3:%s:%s:%s:%s:%s:%s:%s:%s:%s:%s:%s",
	    c->f[0], c->f[1], c->f[2], c->f[3], c->f[4], c->f[5], c->f[6],
	    c->f[7], c->f[8], c->f[9], c->f[10]);
}

/* ---- versions -------------------------------------------------------- */

struct vtok {
	const char *p;
	size_t n;
	int num;	/* digits */
};

/* The next token of *s (skipping separators); 0 at the end. */
static int
next_tok(const char **s, struct vtok *t)
{
	const char *p = *s;

	while (*p != '\0' && !isalnum((unsigned char)*p))
		p++;
	if (*p == '\0') {
		*s = p;
		return 0;
	}
	t->p = p;
	t->num = isdigit((unsigned char)*p) != 0;
	while (*p != '\0' && isalnum((unsigned char)*p) &&
	    (isdigit((unsigned char)*p) != 0) == t->num)
		p++;
	t->n = (size_t)(p - t->p);
	*s = p;
	return 1;
}

/* 0 for a number or a release word, else the rank of a pre-release. */
static int
is_prerelease(const struct vtok *t)
{
	static const struct {
		const char *w;
		int rank;
	} words[] = { { "dev", 1 }, { "snapshot", 1 }, { "alpha", 2 },
	    { "beta", 3 }, { "milestone", 4 }, { "pre", 5 },
	    { "preview", 5 }, { "rc", 6 } };
	size_t i;

	if (t->num)
		return 0;
	for (i = 0; i < CP_ARRAY_LEN(words); i++)
		if (strlen(words[i].w) == t->n &&
		    strncasecmp(words[i].w, t->p, t->n) == 0)
			return words[i].rank;
	return 0;
}

static int
num_cmp(const struct vtok *a, const struct vtok *b)
{
	const char *x = a->p, *y = b->p;
	size_t m = a->n, n = b->n;
	int c;

	while (m > 1 && *x == '0') {
		x++;
		m--;
	}
	while (n > 1 && *y == '0') {
		y++;
		n--;
	}
	if (m != n)
		return m < n ? -1 : 1;
	c = memcmp(x, y, m);
	return c < 0 ? -1 : c > 0;
}

static int
word_cmp(const struct vtok *a, const struct vtok *b)
{
	size_t n = a->n < b->n ? a->n : b->n;
	int c = strncasecmp(a->p, b->p, n);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return a->n == b->n ? 0 : a->n < b->n ? -1 : 1;
}

/* Whether the rest of s (after a common prefix) is only zeros. */
static int
only_zeros(const char *s)
{
	struct vtok t;

	while (next_tok(&s, &t))
		if (!t.num || num_cmp(&t, &(struct vtok){ "0", 1, 1 }) != 0)
			return 0;
	return 1;
}

int
cp_cpe_version_cmp(const char *a, const char *b)
{
	struct vtok ta, tb;
	int ha, hb, first = 1, c;

	for (;;) {
		const char *sa = a, *sb = b;

		ha = next_tok(&a, &ta);
		hb = next_tok(&b, &tb);
		if (!ha && !hb)
			return 0;
		if (!ha || !hb) {
			/* One ran out: a pre-release word makes the longer
			 * one earlier, trailing zeros make no difference,
			 * anything else makes it later. */
			const struct vtok *t = ha ? &ta : &tb;
			int longer_is_a = ha;

			if (first)
				return CP_CPE_VERSION_INCOMPARABLE;
			if (is_prerelease(t))
				return longer_is_a ? -1 : 1;
			if (only_zeros(longer_is_a ? sa : sb))
				return 0;
			return longer_is_a ? 1 : -1;
		}
		if (ta.num && tb.num)
			c = num_cmp(&ta, &tb);
		else if (!ta.num && !tb.num) {
			int pa = is_prerelease(&ta), pb = is_prerelease(&tb);

			if (pa != pb)
				c = pa == 0 ? 1 : pb == 0 ? -1 :
				    pa < pb ? -1 : 1;
			else
				c = word_cmp(&ta, &tb);
		} else {
			if (first)
				return CP_CPE_VERSION_INCOMPARABLE;
			/* A word where the other has a number: a
			 * pre-release or a letter suffix, both before
			 * the next numbered release. */
			c = ta.num ? 1 : -1;
		}
		if (c != 0)
			return c;
		first = 0;
	}
}

/* ---- fields ---------------------------------------------------------- */

/* Whether s has an unescaped * or ?. */
static int
has_wildcard(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '*' || *s == '?')
			return 1;
	}
	return 0;
}

int
cp_cpe_field_match(const char *crit, const char *target)
{
	if (strcmp(crit, "*") == 0 || strcmp(target, "*") == 0)
		return 1;
	if (strcmp(crit, "-") == 0 || strcmp(target, "-") == 0)
		return strcmp(crit, target) == 0;
	if (has_wildcard(crit))
		return fnmatch(crit, target, FNM_CASEFOLD) == 0;
	return strcasecmp(crit, target) == 0;
}
