/*
 * cpe.c - CPE 2.3 names from what a service said about itself.
 *
 * Which vendor and product a banner word stands for is data, not code:
 * cpe.tsv (installed with the plugin) has one line a product:
 *
 *	KIND<TAB>WORD<TAB>PART:VENDOR:PRODUCT[<TAB>FLAGS]
 *
 * KIND is where the word appears (server, powered-by, ssh), WORD is
 * compared without regard to case with the product word of the text (what
 * comes before "/" in "nginx/1.22.1", before "_" in "OpenSSH_9.2p1"), and
 * the flag "update-suffix" splits a version such as 9.2p1 into version 9.2
 * and update p1, the way NVD names OpenSSH.
 *
 * Some products tell a build number that NVD does not use: Exchange's
 * Outlook on the web sends "X-OWA-Version: 15.2.792.3", which NVD calls
 * version 2019, update cumulative_update_8.  Lines of kind "owa" give the
 * whole build as WORD and the flag "as=VERSION:UPDATE".  Only the builds a
 * cumulative update shipped with are listed: a later security update
 * changes the last number, and since a CPE name cannot say which fixes it
 * has, such a build is better left unnamed than reported with CVEs it no
 * longer has.  Values are bound as NISTIR
 * 7695 says for the formatted string: every punctuation character other
 * than "." "-" "_" gets a backslash, so a banner can never inject "*" or
 * "?" (logical values); text with spaces or control characters gives no
 * name at all.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asm_active.h"

#define CPE_LINES_MAX 4096
#define CPE_LINE_MAX 512
#define CPE_WORD_MAX 64
#define CPE_VALUE_MAX 128

struct cpe_row {
	char kind[16];
	char word[CPE_WORD_MAX];
	char part[4];
	char vendor[CPE_WORD_MAX];
	char product[CPE_WORD_MAX];
	int update_suffix;
	char as_version[CPE_WORD_MAX];	/* "as=" of an exact build */
	char as_update[CPE_WORD_MAX];
};

struct aa_cpe_table {
	struct cpe_row *rows;
	size_t n;
};

void
aa_cpe_free(struct aa_cpe_table *t)
{
	if (t == NULL)
		return;
	free(t->rows);
	free(t);
}

static int
copy_field(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len == 0 || len >= n)
		return -1;
	memcpy(dst, src, len + 1);
	return 0;
}

static int
parse_row(char *line, struct cpe_row *r)
{
	char *f[4] = { NULL, NULL, NULL, NULL };
	char *p = line, *c1, *c2;
	int i;

	for (i = 0; i < 4 && p != NULL; i++) {
		f[i] = p;
		p = strchr(p, '\t');
		if (p != NULL)
			*p++ = '\0';
	}
	if (f[2] == NULL || p != NULL)
		return -1;
	memset(r, 0, sizeof(*r));
	c1 = strchr(f[2], ':');
	c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	if (c2 == NULL || strchr(c2 + 1, ':') != NULL)
		return -1;
	*c1 = *c2 = '\0';
	if (copy_field(r->kind, sizeof(r->kind), f[0]) != 0 ||
	    copy_field(r->word, sizeof(r->word), f[1]) != 0 ||
	    copy_field(r->part, sizeof(r->part), f[2]) != 0 ||
	    copy_field(r->vendor, sizeof(r->vendor), c1 + 1) != 0 ||
	    copy_field(r->product, sizeof(r->product), c2 + 1) != 0)
		return -1;
	if (strcmp(r->part, "a") != 0 && strcmp(r->part, "o") != 0 &&
	    strcmp(r->part, "h") != 0)
		return -1;
	if (f[3] != NULL && strncmp(f[3], "as=", 3) == 0) {
		char *c = strchr(f[3] + 3, ':');

		if (c == NULL)
			return -1;
		*c = '\0';
		if (copy_field(r->as_version, sizeof(r->as_version),
		    f[3] + 3) != 0 || copy_field(r->as_update,
		    sizeof(r->as_update), c + 1) != 0)
			return -1;
	} else if (f[3] != NULL) {
		if (strcmp(f[3], "update-suffix") != 0)
			return -1;
		r->update_suffix = 1;
	}
	return 0;
}

int
aa_cpe_load(const char *path, struct aa_cpe_table **out, char *why,
    size_t why_size)
{
	struct aa_cpe_table *t = NULL;
	char line[CPE_LINE_MAX];
	FILE *fp;
	int lineno = 0, rc = -1;

	*out = NULL;
	fp = fopen(path, "re");
	if (fp == NULL) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->rows = calloc(CPE_LINES_MAX,
	    sizeof(*t->rows))) == NULL) {
		snprintf(why, why_size, "out of memory");
		goto out;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t len = strlen(line);

		lineno++;
		if (len > 0 && line[len - 1] != '\n' && !feof(fp)) {
			snprintf(why, why_size, "%s:%d: line too long", path,
			    lineno);
			goto out;
		}
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (t->n == CPE_LINES_MAX) {
			snprintf(why, why_size, "%s: more than %d products",
			    path, CPE_LINES_MAX);
			goto out;
		}
		if (parse_row(line, &t->rows[t->n]) != 0) {
			snprintf(why, why_size, "%s:%d: expected KIND<TAB>WORD"
			    "<TAB>PART:VENDOR:PRODUCT[<TAB>update-suffix|"
			    "as=VERSION:UPDATE]", path, lineno);
			goto out;
		}
		t->n++;
	}
	*out = t;
	t = NULL;
	rc = 0;
out:
	fclose(fp);
	aa_cpe_free(t);
	return rc;
}

int
aa_cpe_escape(const char *v, char *out, size_t n)
{
	size_t o = 0;

	if (*v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		unsigned char ch = (unsigned char)*v;

		if (ch <= 0x20 || ch >= 0x7f)
			return -1;
		if (!isalnum(ch) && ch != '.' && ch != '-' && ch != '_') {
			if (o + 2 >= n)
				return -1;
			out[o++] = '\\';
		} else if (o + 1 >= n) {
			return -1;
		}
		out[o++] = (char)tolower(ch);
	}
	out[o] = '\0';
	return 0;
}

/* Adds one name for row r and version text ver (may be empty). */
static void
emit(const struct cpe_row *r, const char *ver, json_t *arr)
{
	char version[CPE_VALUE_MAX] = "*", update[CPE_VALUE_MAX] = "*";
	char v[CPE_VALUE_MAX], u[CPE_VALUE_MAX] = "";
	char vend[CPE_VALUE_MAX], prod[CPE_VALUE_MAX], name[640];
	size_t i, len = strlen(ver);

	if (r->as_version[0] != '\0') {
		ver = r->as_version;
		len = strlen(ver);
		snprintf(u, sizeof(u), "%s", r->as_update);
	}
	if (len >= sizeof(v))
		return;
	memcpy(v, ver, len + 1);
	if (r->update_suffix) {
		/* 9.2p1: digits and dots, then the update. */
		for (i = 0; v[i] != '\0' && (isdigit((unsigned char)v[i]) ||
		    v[i] == '.'); i++)
			;
		if (i > 0 && v[i] != '\0' && isalpha((unsigned char)v[i])) {
			snprintf(u, sizeof(u), "%s", v + i);
			v[i] = '\0';
		}
	}
	if (v[0] != '\0' && aa_cpe_escape(v, version, sizeof(version)) != 0)
		return;
	if (u[0] != '\0' && aa_cpe_escape(u, update, sizeof(update)) != 0)
		return;
	if (aa_cpe_escape(r->vendor, vend, sizeof(vend)) != 0 ||
	    aa_cpe_escape(r->product, prod, sizeof(prod)) != 0)
		return;
	snprintf(name, sizeof(name), "cpe:2.3:%s:%s:%s:%s:%s:*:*:*:*:*:*",
	    r->part, vend, prod, version, update);
	for (i = 0; i < json_array_size(arr); i++)
		if (strcmp(json_string_value(json_array_get(arr, i)),
		    name) == 0)
			return;
	json_array_append_new(arr, json_string(name));
}

/* Looks word (n bytes) up under kind. */
static const struct cpe_row *
lookup(const struct aa_cpe_table *t, const char *kind, const char *word,
    size_t n)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].kind, kind) == 0 &&
		    strlen(t->rows[i].word) == n &&
		    strncasecmp(t->rows[i].word, word, n) == 0)
			return &t->rows[i];
	return NULL;
}

void
aa_cpe_match(const struct aa_cpe_table *t, const char *kind,
    const char *text, json_t *arr)
{
	const char *p = text;
	char sep = strcmp(kind, "ssh") == 0 ? '_' : '/';
	const struct cpe_row *r0;

	if (t == NULL || text == NULL)
		return;
	if (strcmp(kind, "owa") == 0) {
		/* The whole value is the build: "15.2.792.3". */
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, " \t");
		if (n > 0 && (r0 = lookup(t, kind, p, n)) != NULL)
			emit(r0, "", arr);
		return;
	}
	/* Words separated by spaces: "Apache/2.4.57 (Debian) OpenSSL/3.0". */
	while (*p != '\0') {
		const char *end, *s;
		const struct cpe_row *r;
		char ver[CPE_VALUE_MAX];
		size_t wl, vl;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		end = p;
		while (*end != '\0' && *end != ' ' && *end != '\t' &&
		    *end != ',')
			end++;
		if (end == p)
			break;
		s = memchr(p, sep, (size_t)(end - p));
		wl = s != NULL ? (size_t)(s - p) : (size_t)(end - p);
		r = lookup(t, kind, p, wl);
		if (r != NULL) {
			vl = s != NULL ? (size_t)(end - s - 1) : 0;
			if (vl >= sizeof(ver))
				vl = 0;
			if (vl > 0)
				memcpy(ver, s + 1, vl);
			ver[vl] = '\0';
			emit(r, ver, arr);
		}
		p = end;
	}
}
