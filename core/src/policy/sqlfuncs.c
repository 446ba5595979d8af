/*
 * sqlfuncs.c - param(), cidr_is_any(), cidr_is_public(), port_in(),
 * days_since() and country_of() for policy SQL.
 *
 * They answer NULL rather than raise an error for input they cannot read:
 * cloud JSON is full of optional fields and service tags, and a NULL in a
 * WHERE clause simply does not match.  param() is the exception: asking
 * for a parameter the policy does not declare is a bug in the policy.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/sqlfuncs.h"
#include "util/util.h"

const char *const cp_sqlfuncs_names[] = {
	"param", "cidr_is_any", "cidr_is_public", "port_in", "days_since",
	"country_of", NULL
};

/* ---------------------------------------------------------------- param */

static void
fn_param(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct cp_sqlfuncs *f = sqlite3_user_data(cx);
	const struct cp_policy_param *pp;
	const unsigned char *name;
	const json_t *v = NULL;
	char *text, msg[256];

	(void)argc;
	name = sqlite3_value_text(argv[0]);
	if (name == NULL) {
		sqlite3_result_error(cx, "param(): the name must be text", -1);
		return;
	}
	if (f->policy == NULL) {
		sqlite3_result_null(cx);
		return;
	}
	pp = cp_policy_param_find(f->policy, (const char *)name);
	if (pp == NULL) {
		snprintf(msg, sizeof(msg),
		    "param('%.64s'): policy %s has no such parameter",
		    (const char *)name, f->policy->id);
		sqlite3_result_error(cx, msg, -1);
		return;
	}
	if (f->params != NULL)
		v = json_object_get(f->params, pp->name);
	if (v == NULL)
		v = pp->def;
	switch (pp->type) {
	case CP_PARAM_INTEGER:
		sqlite3_result_int64(cx, (sqlite3_int64)json_integer_value(v));
		break;
	case CP_PARAM_NUMBER:
		sqlite3_result_double(cx, json_number_value(v));
		break;
	case CP_PARAM_STRING:
		sqlite3_result_text(cx, json_string_value(v), -1,
		    SQLITE_TRANSIENT);
		break;
	default:
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (text == NULL) {
			sqlite3_result_error_nomem(cx);
			return;
		}
		sqlite3_result_text(cx, text, -1, free);
		break;
	}
}

/* ---------------------------------------------------------------- cidr */

struct cidr {
	int v6;
	unsigned char a[16];	/* network order; IPv4 in a[0..3] */
	int prefix;
};

/*
 * Copies s without surrounding space into buf (which may be s); 0 when it
 * is empty or does not fit.
 */
static int
trimmed(const char *s, char *buf, size_t n)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || len >= n)
		return 0;
	memmove(buf, s, len);
	buf[len] = '\0';
	return 1;
}

/* An address or CIDR; host bits past the prefix are cleared. */
static int
parse_cidr(const char *s, struct cidr *c)
{
	char buf[64], *slash;
	long long pfx;
	int bits, i;

	if (!trimmed(s, buf, sizeof(buf)))
		return 0;
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, buf, c->a) == 1) {
		c->v6 = 0;
		bits = 32;
	} else if (inet_pton(AF_INET6, buf, c->a) == 1) {
		c->v6 = 1;
		bits = 128;
	} else
		return 0;
	c->prefix = bits;
	if (slash != NULL) {
		if (!cp_str_only(slash + 1, "0123456789") ||
		    strlen(slash + 1) > 3 ||
		    cp_parse_ll(slash + 1, 0, bits, &pfx) != CP_OK)
			return 0;
		c->prefix = (int)pfx;
	}
	for (i = c->prefix; i < bits; i++)
		c->a[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
	return 1;
}

static int
is_any_word(const char *s)
{
	char buf[16];

	if (!trimmed(s, buf, sizeof(buf)))
		return 0;
	return strcmp(buf, "*") == 0 || strcasecmp(buf, "any") == 0 ||
	       strcasecmp(buf, "internet") == 0;
}

/* Whether the first bits of a and b are equal. */
static int
same_prefix(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff00u >> rest);
	return (a[full] & mask) == (b[full] & mask);
}

struct block {
	const char *net;
	int prefix;
};

/* IPv4 blocks that never reach the Internet (RFC 6890 and friends). */
static const struct block private4[] = {
	{"0.0.0.0", 8},		/* "this network" */
	{"10.0.0.0", 8},	/* private */
	{"100.64.0.0", 10},	/* carrier-grade NAT */
	{"127.0.0.0", 8},	/* loopback */
	{"169.254.0.0", 16},	/* link-local */
	{"172.16.0.0", 12},	/* private */
	{"192.0.0.0", 24},	/* IETF protocol assignments */
	{"192.0.2.0", 24},	/* documentation TEST-NET-1 */
	{"192.168.0.0", 16},	/* private */
	{"198.18.0.0", 15},	/* benchmarking */
	{"198.51.100.0", 24},	/* documentation TEST-NET-2 */
	{"203.0.113.0", 24},	/* documentation TEST-NET-3 */
	{"224.0.0.0", 4},	/* multicast */
	{"240.0.0.0", 4},	/* reserved, broadcast */
};

/* IPv6 blocks inside 2000::/3 that are not public. */
static const struct block private6[] = {
	{"2001:2::", 48},	/* benchmarking */
	{"2001:db8::", 32},	/* documentation */
	{"3fff::", 20},		/* documentation */
};

static int
inside(const struct cidr *c, const struct block *b)
{
	unsigned char net[16];

	if (c->prefix < b->prefix)
		return 0;
	if (inet_pton(c->v6 ? AF_INET6 : AF_INET, b->net, net) != 1)
		return 0;
	return same_prefix(c->a, net, b->prefix);
}

static int
cidr_public(struct cidr c)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0,
						 0, 0xff, 0xff};
	static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0,
						0, 0, 0, 0, 0};
	static const unsigned char global[1] = {0x20};
	size_t i;

	if (c.prefix == 0)
		return 1;
	if (c.v6 && c.prefix >= 96 && (memcmp(c.a, mapped, 12) == 0 ||
	    memcmp(c.a, nat64, 12) == 0)) {
		memmove(c.a, c.a + 12, 4);
		memset(c.a + 4, 0, 12);
		c.v6 = 0;
		c.prefix -= 96;
	}
	if (!c.v6) {
		for (i = 0; i < CP_ARRAY_LEN(private4); i++)
			if (inside(&c, &private4[i]))
				return 0;
		return 1;
	}
	/* Global unicast is 2000::/3: a range must overlap it. */
	if (!same_prefix(c.a, global, c.prefix < 3 ? c.prefix : 3))
		return 0;
	for (i = 0; i < CP_ARRAY_LEN(private6); i++)
		if (inside(&c, &private6[i]))
			return 0;
	return 1;
}

static void
fn_cidr_is_any(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = sqlite3_value_text(argv[0]);
	struct cidr c;

	(void)argc;
	if (s == NULL) {
		sqlite3_result_null(cx);
		return;
	}
	sqlite3_result_int(cx, is_any_word((const char *)s) ||
	    (parse_cidr((const char *)s, &c) && c.prefix == 0));
}

static void
fn_cidr_is_public(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = sqlite3_value_text(argv[0]);
	struct cidr c;

	(void)argc;
	if (s == NULL)
		sqlite3_result_null(cx);
	else if (is_any_word((const char *)s))
		sqlite3_result_int(cx, 1);
	else if (parse_cidr((const char *)s, &c))
		sqlite3_result_int(cx, cidr_public(c));
	else
		sqlite3_result_null(cx);
}

/* ---------------------------------------------------------------- ports */

#define MAX_SPANS 256

struct span {
	long lo, hi;
};

static int
parse_port(const char *s, long *out)
{
	long long v;

	if (!cp_str_only(s, "0123456789") || strlen(s) > 5 ||
	    cp_parse_ll(s, 0, 65535, &v) != CP_OK)
		return 0;
	*out = (long)v;
	return 1;
}

/* One item: "22", "20-25", "*", "all", "any", "-1" (all). */
static int
parse_span(const char *item, struct span *sp)
{
	char buf[32], *dash;

	if (!trimmed(item, buf, sizeof(buf)))
		return 0;
	if (strcmp(buf, "*") == 0 || strcmp(buf, "-1") == 0 ||
	    strcasecmp(buf, "all") == 0 || strcasecmp(buf, "any") == 0) {
		sp->lo = 0;
		sp->hi = 65535;
		return 1;
	}
	dash = strchr(buf, '-');
	if (dash == NULL) {
		if (!parse_port(buf, &sp->lo))
			return 0;
		sp->hi = sp->lo;
		return 1;
	}
	*dash = '\0';
	if (!trimmed(buf, buf, sizeof(buf)) || !parse_port(buf, &sp->lo))
		return 0;
	if (!trimmed(dash + 1, dash + 1, sizeof(buf)) ||
	    !parse_port(dash + 1, &sp->hi))
		return 0;
	return sp->lo <= sp->hi;
}

/* A JSON array of port items (strings or integers). */
static int
parse_span_array(const char *s, struct span *sp, int max)
{
	json_t *a, *v;
	size_t i;
	int n = 0, ok = 1;
	char buf[32];

	a = json_loads(s, JSON_DECODE_ANY, NULL);
	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > (size_t)max) {
		json_decref(a);
		return 0;
	}
	json_array_foreach(a, i, v) {
		if (json_is_integer(v))
			snprintf(buf, sizeof(buf), "%lld",
			    (long long)json_integer_value(v));
		else if (json_is_string(v))
			cp_strlcpy(buf, json_string_value(v), sizeof(buf));
		else
			ok = 0;
		if (!ok || !parse_span(buf, &sp[n++])) {
			ok = 0;
			break;
		}
	}
	json_decref(a);
	return ok ? n : 0;
}

/* Reads a range argument into spans; the count, 0 when unreadable. */
static int
value_spans(sqlite3_value *v, struct span *sp, int max)
{
	const char *s, *p, *comma;
	char item[32];
	size_t len;
	int n = 0;

	if (sqlite3_value_type(v) == SQLITE_INTEGER) {
		sqlite3_int64 i = sqlite3_value_int64(v);

		if (i == -1) {
			sp[0].lo = 0;
			sp[0].hi = 65535;
			return 1;
		}
		if (i < 0 || i > 65535)
			return 0;
		sp[0].lo = sp[0].hi = (long)i;
		return 1;
	}
	if (sqlite3_value_type(v) != SQLITE_TEXT)
		return 0;
	s = (const char *)sqlite3_value_text(v);
	if (s == NULL)
		return 0;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '[')
		return parse_span_array(s, sp, max);
	for (p = s;; p = comma + 1) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len >= sizeof(item) || n >= max)
			return 0;
		memcpy(item, p, len);
		item[len] = '\0';
		if (!parse_span(item, &sp[n++]))
			return 0;
		if (comma == NULL)
			break;
	}
	return n;
}

static void
fn_port_in(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct span range[MAX_SPANS], port[1];
	int nr, np, i;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(cx);
		return;
	}
	nr = value_spans(argv[0], range, MAX_SPANS);
	np = value_spans(argv[1], port, 1);
	if (nr == 0 || np != 1) {
		sqlite3_result_null(cx);
		return;
	}
	for (i = 0; i < nr; i++)
		if (range[i].lo <= port[0].hi && port[0].lo <= range[i].hi) {
			sqlite3_result_int(cx, 1);
			return;
		}
	sqlite3_result_int(cx, 0);
}

/* ---------------------------------------------------------------- dates */

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(long long y, unsigned m)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
				   31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* n digits at *p as a number; advances *p.  -1 when not digits. */
static int
digits(const char **p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

/*
 * An ISO 8601 time as whole seconds since the epoch, and in *frac whether
 * a non-zero fraction of a second follows; 0 when unreadable.
 */
static int
parse_iso8601(const char *s, long long *out, int *frac)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;

	*frac = 0;

	if ((y = digits(&s, 4)) < 1 || *s++ != '-' ||
	    (mo = digits(&s, 2)) < 1 || mo > 12 || *s++ != '-' ||
	    (d = digits(&s, 2)) < 1 || d > days_in_month(y, (unsigned)mo))
		return 0;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if ((h = digits(&s, 2)) < 0 || h > 23 || *s++ != ':' ||
		    (mi = digits(&s, 2)) < 0 || mi > 59)
			return 0;
		if (*s == ':') {
			s++;
			if ((sec = digits(&s, 2)) < 0 || sec > 60)
				return 0;
			if (*s == '.' || *s == ',') {
				s++;
				if (!isdigit((unsigned char)*s))
					return 0;
				for (; isdigit((unsigned char)*s); s++)
					if (*s != '0')
						*frac = 1;
			}
		}
		if (*s == 'Z' || *s == 'z')
			s++;
		else if (*s == '+' || *s == '-') {
			sign = *s++ == '-' ? -1 : 1;
			if ((oh = digits(&s, 2)) < 0 || oh > 23)
				return 0;
			if (*s == ':')
				s++;
			if (isdigit((unsigned char)*s) &&
			    ((om = digits(&s, 2)) < 0 || om > 59))
				return 0;
		}
	}
	if (*s != '\0')
		return 0;
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
	return 1;
}

static void
fn_days_since(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct cp_sqlfuncs *f = sqlite3_user_data(cx);
	const unsigned char *s;
	long long t, diff, day, days;
	int frac;

	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_TEXT ||
	    (s = sqlite3_value_text(argv[0])) == NULL ||
	    strlen((const char *)s) > 64 ||
	    !parse_iso8601((const char *)s, &t, &frac)) {
		sqlite3_result_null(cx);
		return;
	}
	/*
	 * In half seconds, so that a fraction (the time is a little later
	 * than t) rounds a whole day down: floor division.
	 */
	diff = 2 * ((long long)f->now - t) - frac;
	day = 2 * 86400;
	days = diff / day;
	if (diff < 0 && diff % day != 0)
		days--;
	sqlite3_result_int64(cx, days);
}

/* ---------------------------------------------------------------- geoip */

static void
fn_country_of(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct cp_sqlfuncs *f = sqlite3_user_data(cx);
	const unsigned char *s = sqlite3_value_text(argv[0]);
	char buf[64], cc[3];

	(void)argc;
	if (s == NULL || f->geoip == NULL ||
	    !trimmed((const char *)s, buf, sizeof(buf)) ||
	    !cp_geoip_country(f->geoip, buf, cc)) {
		sqlite3_result_null(cx);
		return;
	}
	sqlite3_result_text(cx, cc, 2, SQLITE_TRANSIENT);
}

cp_err
cp_sqlfuncs_register(sqlite3 *db, struct cp_sqlfuncs *ctx)
{
	static const struct {
		const char *name;
		int nargs;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} fns[] = {
		{"param", 1, fn_param},
		{"cidr_is_any", 1, fn_cidr_is_any},
		{"cidr_is_public", 1, fn_cidr_is_public},
		{"port_in", 2, fn_port_in},
		{"days_since", 1, fn_days_since},
		{"country_of", 1, fn_country_of},
	};
	size_t i;

	/*
	 * Deterministic: within one statement the answers never change
	 * (param() and the clock are fixed for a run), which lets SQLite
	 * compute param('x') once per query.
	 */
	for (i = 0; i < CP_ARRAY_LEN(fns); i++)
		if (sqlite3_create_function_v2(db, fns[i].name, fns[i].nargs,
		    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, ctx,
		    fns[i].fn, NULL, NULL, NULL) != SQLITE_OK)
			return CP_E_NOMEM;
	return CP_OK;
}
