/*
 * geoip.c - the IP2Location LITE DB1 CSV files as sorted arrays of
 * ranges, searched by bisection.
 *
 * The files are read line by line (the IPv6 one is tens of megabytes) and
 * checked as they are read: a range that is not after the one before it
 * would make the bisection answer wrong countries, so it fails the load.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "policy/geoip.h"
#include "util/util.h"

/* An IPv6 address as a 128-bit number. */
struct u128 {
	uint64_t hi;
	uint64_t lo;
};

struct range_table {
	struct u128 *from;
	struct u128 *to;
	char (*cc)[2];			/* {0, 0}: no country */
	size_t n;
	size_t cap;
};

struct cp_geoip {
	struct range_table t4;		/* hi is 0, lo the IPv4 number */
	struct range_table t6;
};

static int
u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

/* A decimal of up to 128 bits; 0 when it is not one or overflows. */
static int
parse_u128(const char *s, struct u128 *out)
{
	uint32_t limb[4] = {0, 0, 0, 0};	/* limb[0] least significant */
	int i;

	if (*s == '\0' || strlen(s) > 39)
		return 0;
	for (; *s != '\0'; s++) {
		uint64_t carry;

		if (*s < '0' || *s > '9')
			return 0;
		carry = (uint64_t)(*s - '0');
		for (i = 0; i < 4; i++) {
			uint64_t v = (uint64_t)limb[i] * 10 + carry;

			limb[i] = (uint32_t)v;
			carry = v >> 32;
		}
		if (carry != 0)
			return 0;
	}
	out->hi = ((uint64_t)limb[3] << 32) | limb[2];
	out->lo = ((uint64_t)limb[1] << 32) | limb[0];
	return 1;
}

/*
 * Reads one CSV field at *p into buf: quoted ("" is a quote) or bare.
 * Leaves *p after the comma.  0 on a malformed field.
 */
static int
csv_field(const char **p, char *buf, size_t n, int last)
{
	const char *s = *p;
	size_t len = 0;

	if (*s == '"') {
		for (s++;; s++) {
			if (*s == '\0')
				return 0;
			if (*s == '"') {
				if (s[1] != '"')
					break;
				s++;
			}
			if (len + 1 >= n)
				return 0;
			buf[len++] = *s;
		}
		s++;
	} else {
		for (; *s != '\0' && *s != ','; s++) {
			if (len + 1 >= n)
				return 0;
			buf[len++] = *s;
		}
	}
	buf[len] = '\0';
	if (last) {
		if (*s != '\0')
			return 0;
	} else {
		if (*s != ',')
			return 0;
		s++;
	}
	*p = s;
	return 1;
}

static int
table_add(struct range_table *t, struct u128 from, struct u128 to,
    const char cc[2])
{
	if (t->n == t->cap) {
		size_t cap = t->cap == 0 ? 1024 : t->cap * 2;
		struct u128 *f, *o;
		char (*c)[2];

		f = realloc(t->from, cap * sizeof(*f));
		if (f == NULL)
			return 0;
		t->from = f;
		o = realloc(t->to, cap * sizeof(*o));
		if (o == NULL)
			return 0;
		t->to = o;
		c = realloc(t->cc, cap * sizeof(*c));
		if (c == NULL)
			return 0;
		t->cc = c;
		t->cap = cap;
	}
	t->from[t->n] = from;
	t->to[t->n] = to;
	memcpy(t->cc[t->n], cc, 2);
	t->n++;
	return 1;
}

static void
table_free(struct range_table *t)
{
	free(t->from);
	free(t->to);
	free(t->cc);
	memset(t, 0, sizeof(*t));
}

/* Checks one line's fields and appends its range; why on failure. */
static cp_err
parse_line(struct range_table *t, const char *line, int v6, char *why,
    size_t why_size)
{
	char f_from[48], f_to[48], f_cc[8], f_name[256];
	const char *p = line;
	struct u128 from, to;
	char cc[2] = {0, 0};

	if (!csv_field(&p, f_from, sizeof(f_from), 0) ||
	    !csv_field(&p, f_to, sizeof(f_to), 0) ||
	    !csv_field(&p, f_cc, sizeof(f_cc), 0) ||
	    !csv_field(&p, f_name, sizeof(f_name), 1)) {
		cp_snprintf(why, why_size,
		    "not 4 fields \"from\",\"to\",\"CC\",\"Country\"");
		return CP_E_PARSE;
	}
	if (!parse_u128(f_from, &from) || !parse_u128(f_to, &to)) {
		cp_snprintf(why, why_size, "range \"%s\"-\"%s\" is not two "
		    "decimal numbers", f_from, f_to);
		return CP_E_PARSE;
	}
	if (!v6 && (from.hi != 0 || to.hi != 0 || from.lo > UINT32_MAX ||
	    to.lo > UINT32_MAX)) {
		cp_snprintf(why, why_size, "%s is not an IPv4 number "
		    "(is this the IPv6 file?)", f_to);
		return CP_E_PARSE;
	}
	if (u128_cmp(from, to) > 0) {
		cp_snprintf(why, why_size, "range starts after it ends");
		return CP_E_PARSE;
	}
	if (t->n > 0 && u128_cmp(from, t->to[t->n - 1]) <= 0) {
		cp_snprintf(why, why_size,
		    "range overlaps or precedes the one before");
		return CP_E_PARSE;
	}
	if (strcmp(f_cc, "-") != 0) {
		if (strlen(f_cc) != 2 || f_cc[0] < 'A' || f_cc[0] > 'Z' ||
		    f_cc[1] < 'A' || f_cc[1] > 'Z') {
			cp_snprintf(why, why_size, "country code \"%s\" is "
			    "not two capital letters or \"-\"", f_cc);
			return CP_E_PARSE;
		}
		memcpy(cc, f_cc, 2);
	}
	if (t->n >= CP_GEOIP_MAX_ROWS) {
		cp_snprintf(why, why_size, "more than %u ranges",
		    CP_GEOIP_MAX_ROWS);
		return CP_E_LIMIT;
	}
	if (!table_add(t, from, to, cc)) {
		cp_snprintf(why, why_size, "out of memory");
		return CP_E_NOMEM;
	}
	return CP_OK;
}

static cp_err
load_file(struct range_table *t, const char *path, int v6, char *why,
    size_t why_size)
{
	char line[512], reason[256];
	struct stat st;
	FILE *f;
	int lineno = 0;
	size_t len;
	cp_err r = CP_OK;

	f = fopen(path, "re");
	if (f == NULL) {
		cp_snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? CP_E_NOTFOUND : CP_E_IO;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		cp_snprintf(why, why_size, "%s: not a regular file", path);
		fclose(f);
		return CP_E_IO;
	}
	if ((unsigned long long)st.st_size > CP_GEOIP_MAX_FILE) {
		cp_snprintf(why, why_size, "%s: larger than %u bytes", path,
		    CP_GEOIP_MAX_FILE);
		fclose(f);
		return CP_E_LIMIT;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(f)) {
			cp_snprintf(why, why_size, "%s:%d: line longer than "
			    "%zu bytes", path, lineno, sizeof(line) - 2);
			r = CP_E_PARSE;
			break;
		}
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0)
			continue;
		/* The UTF-8 byte order mark some exports start with. */
		if (lineno == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
			memmove(line, line + 3, len - 2);
		r = parse_line(t, line, v6, reason, sizeof(reason));
		if (r != CP_OK) {
			cp_snprintf(why, why_size, "%s:%d: %s", path, lineno,
			    reason);
			break;
		}
	}
	if (r == CP_OK && ferror(f)) {
		cp_snprintf(why, why_size, "%s: read error", path);
		r = CP_E_IO;
	}
	if (r == CP_OK && t->n == 0) {
		cp_snprintf(why, why_size, "%s: no ranges", path);
		r = CP_E_PARSE;
	}
	fclose(f);
	return r;
}

cp_err
cp_geoip_load(const char *ipv4_csv, const char *ipv6_csv, cp_geoip **out,
    char *why, size_t why_size)
{
	cp_geoip *g;
	cp_err r = CP_OK;

	*out = NULL;
	if (ipv4_csv == NULL && ipv6_csv == NULL) {
		cp_snprintf(why, why_size, "geoip: no file given");
		return CP_E_INVALID;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		cp_snprintf(why, why_size, "geoip: out of memory");
		return CP_E_NOMEM;
	}
	if (ipv4_csv != NULL)
		r = load_file(&g->t4, ipv4_csv, 0, why, why_size);
	if (r == CP_OK && ipv6_csv != NULL)
		r = load_file(&g->t6, ipv6_csv, 1, why, why_size);
	if (r != CP_OK) {
		cp_geoip_free(g);
		return r;
	}
	*out = g;
	return CP_OK;
}

void
cp_geoip_free(cp_geoip *g)
{
	if (g == NULL)
		return;
	table_free(&g->t4);
	table_free(&g->t6);
	free(g);
}

size_t
cp_geoip_count(const cp_geoip *g, int family)
{
	if (g == NULL)
		return 0;
	return family == 4 ? g->t4.n : family == 6 ? g->t6.n : 0;
}

static int
table_find(const struct range_table *t, struct u128 ip, char cc[3])
{
	size_t lo = 0, hi = t->n, mid;

	/* The last range whose start is <= ip. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (u128_cmp(t->from[mid], ip) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	lo--;
	if (u128_cmp(ip, t->to[lo]) > 0 || t->cc[lo][0] == 0)
		return 0;
	cc[0] = t->cc[lo][0];
	cc[1] = t->cc[lo][1];
	cc[2] = '\0';
	return 1;
}

static struct u128
from_bytes(const unsigned char *b, size_t n)
{
	struct u128 v = {0, 0};
	size_t i;

	for (i = 0; i < n; i++) {
		v.hi = (v.hi << 8) | (v.lo >> 56);
		v.lo = (v.lo << 8) | b[i];
	}
	return v;
}

int
cp_geoip_country(const cp_geoip *g, const char *ip, char cc[3])
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0,
						 0, 0xff, 0xff};
	unsigned char b[16];
	struct u128 v;

	cc[0] = '\0';
	if (g == NULL || ip == NULL)
		return 0;
	if (inet_pton(AF_INET, ip, b) == 1) {
		v = from_bytes(b, 4);
		if (g->t4.n > 0)
			return table_find(&g->t4, v, cc);
		v.lo |= 0xffff00000000ull;	/* ::ffff:a.b.c.d */
		return table_find(&g->t6, v, cc);
	}
	if (inet_pton(AF_INET6, ip, b) != 1)
		return 0;
	if (memcmp(b, mapped, sizeof(mapped)) == 0 && g->t4.n > 0)
		return table_find(&g->t4, from_bytes(b + 12, 4), cc);
	return table_find(&g->t6, from_bytes(b, 16), cc);
}
