/*
 * tz.c - TZif files (RFC 8536) and POSIX TZ strings, read into immutable
 * zone objects so that threads never touch the process's TZ.
 *
 * Only what the scheduler needs: the offset at an instant, and the instant
 * of a local wall time.  Leap-second records are skipped (the "right/"
 * zones are not for civil schedules).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/tz.h"

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZ_TYPES_MAX 256
#define TZ_HEADER 44

/* A transition date of a POSIX rule: Jn, n or Mm.w.d, at time (seconds). */
struct tz_date {
	int kind;		/* 'J', 'N' or 'M' */
	int n, m, w, d;
	long time;
};

struct cp_tz {
	size_t n;		/* transitions */
	int64_t *at;		/* their instants, ascending */
	unsigned char *type;	/* the local time type after each */
	size_t ntypes;
	long utoff[TZ_TYPES_MAX];
	unsigned char isdst[TZ_TYPES_MAX];
	/* The footer: times after the last transition. */
	int has_rule;
	int has_dst;
	long std_off, dst_off;	/* seconds east */
	struct tz_date start, end;
};

int
cp_tz_name_ok(const char *name)
{
	size_t len;

	if (name == NULL)
		return 0;
	len = strlen(name);
	return len >= 1 && len <= CP_TZ_NAME_MAX && name[0] != '/' &&
	    strstr(name, "..") == NULL &&
	    cp_str_only(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789_+-/");
}

void
cp_tz_free(cp_tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->at);
	free(tz->type);
	free(tz);
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* ---- POSIX TZ strings ---- */

static const char *
parse_name(const char *s)
{
	size_t n = 0;

	if (*s == '<') {
		s = strchr(s, '>');
		return s != NULL ? s + 1 : NULL;
	}
	while (isalpha((unsigned char)s[n]))
		n++;
	return n >= 3 ? s + n : NULL;
}

/* [+-]hh[:mm[:ss]], hours up to max_h; *out in seconds. */
static const char *
parse_hms(const char *s, int max_h, long *out)
{
	long v[3] = { 0, 0, 0 };
	int sign = 1, i;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	for (i = 0; i < 3; i++) {
		int digits = 0;

		if (i > 0) {
			if (*s != ':')
				break;
			s++;
		}
		while (isdigit((unsigned char)*s) && digits < 3) {
			v[i] = v[i] * 10 + (*s++ - '0');
			digits++;
		}
		if (digits == 0)
			return NULL;
	}
	if (v[0] > max_h || v[1] > 59 || v[2] > 59)
		return NULL;
	*out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
	return s;
}

static const char *
parse_num(const char *s, int min, int max, int *out)
{
	int v = 0, digits = 0;

	while (isdigit((unsigned char)*s) && digits < 3) {
		v = v * 10 + (*s++ - '0');
		digits++;
	}
	if (digits == 0 || v < min || v > max)
		return NULL;
	*out = v;
	return s;
}

static const char *
parse_date(const char *s, struct tz_date *d)
{
	memset(d, 0, sizeof(*d));
	d->time = 7200;
	if (*s == 'J') {
		d->kind = 'J';
		s = parse_num(s + 1, 1, 365, &d->n);
	} else if (*s == 'M') {
		d->kind = 'M';
		s = parse_num(s + 1, 1, 12, &d->m);
		if (s != NULL && *s == '.')
			s = parse_num(s + 1, 1, 5, &d->w);
		else
			s = NULL;
		if (s != NULL && *s == '.')
			s = parse_num(s + 1, 0, 6, &d->d);
		else
			s = NULL;
	} else {
		d->kind = 'N';
		s = parse_num(s, 0, 365, &d->n);
	}
	if (s != NULL && *s == '/')
		s = parse_hms(s + 1, 167, &d->time);
	return s;
}

/* Parses a footer; 0 when it is not one this reader understands. */
static int
parse_rule(cp_tz *tz, const char *s)
{
	long off;

	if ((s = parse_name(s)) == NULL || (s = parse_hms(s, 24, &off)) ==
	    NULL)
		return 0;
	tz->std_off = -off;
	tz->dst_off = tz->std_off + 3600;
	if (*s != '\0') {
		if ((s = parse_name(s)) == NULL)
			return 0;
		tz->has_dst = 1;
		if (*s != ',' && *s != '\0') {
			if ((s = parse_hms(s, 24, &off)) == NULL)
				return 0;
			tz->dst_off = -off;
		}
		if (*s == '\0') {
			/* No rule: the one POSIX gives as the default. */
			s = "M3.2.0,M11.1.0";
		} else {
			s++;
		}
		if ((s = parse_date(s, &tz->start)) == NULL || *s != ',' ||
		    (s = parse_date(s + 1, &tz->end)) == NULL)
			return 0;
	}
	if (*s != '\0')
		return 0;
	tz->has_rule = 1;
	return 1;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Midnight (UTC-based count) of year-mon-mday; mday may overflow. */
static time_t
civil(int year, int mon, int mday)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	return timegm(&tm);
}

/* The wall-clock instant (as if UTC) of rule date d in year. */
static time_t
rule_wall(int year, const struct tz_date *d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	struct tm tm;
	time_t first;
	int day, last;

	switch (d->kind) {
	case 'J':
		day = d->n - 1 + (is_leap(year) && d->n >= 60 ? 1 : 0);
		return civil(year, 1, 1 + day) + d->time;
	case 'N':
		return civil(year, 1, 1 + d->n) + d->time;
	default:
		first = civil(year, d->m, 1);
		if (gmtime_r(&first, &tm) == NULL)
			return first + d->time;
		day = 1 + (d->d - tm.tm_wday + 7) % 7 + (d->w - 1) * 7;
		last = mdays[d->m - 1] + (d->m == 2 && is_leap(year) ? 1 : 0);
		while (day > last)
			day -= 7;
		return civil(year, d->m, day) + d->time;
	}
}

static long
rule_offset(const cp_tz *tz, time_t t, int *isdst)
{
	struct tm tm;
	time_t local = t + tz->std_off, start, end;
	int dst;

	*isdst = 0;
	if (!tz->has_dst || gmtime_r(&local, &tm) == NULL)
		return tz->std_off;
	start = rule_wall(tm.tm_year + 1900, &tz->start) - tz->std_off;
	end = rule_wall(tm.tm_year + 1900, &tz->end) - tz->dst_off;
	if (start < end)
		dst = t >= start && t < end;
	else
		dst = !(t >= end && t < start);
	*isdst = dst;
	return dst ? tz->dst_off : tz->std_off;
}

/* ---- TZif ---- */

struct tzif_counts {
	uint32_t isut, isstd, leap, time, type, chars;
};

static int
read_counts(const unsigned char *p, size_t len, struct tzif_counts *c,
    int *version)
{
	if (len < TZ_HEADER || memcmp(p, "TZif", 4) != 0)
		return 0;
	*version = p[4];
	c->isut = be32(p + 20);
	c->isstd = be32(p + 24);
	c->leap = be32(p + 28);
	c->time = be32(p + 32);
	c->type = be32(p + 36);
	c->chars = be32(p + 40);
	return c->type >= 1 && c->type <= TZ_TYPES_MAX &&
	    c->time <= CP_TZ_FILE_MAX && c->chars <= CP_TZ_FILE_MAX &&
	    c->leap <= CP_TZ_FILE_MAX && c->isut <= c->type &&
	    c->isstd <= c->type;
}

static size_t
block_len(const struct tzif_counts *c, size_t tsize)
{
	return (size_t)c->time * (tsize + 1) + (size_t)c->type * 6 +
	    c->chars + (size_t)c->leap * (tsize + 4) + c->isstd + c->isut;
}

/* Reads the data block at p (times of tsize bytes) into tz. */
static int
read_block(cp_tz *tz, const unsigned char *p, const struct tzif_counts *c,
    size_t tsize)
{
	const unsigned char *types;
	size_t i;

	tz->n = c->time;
	tz->at = calloc(c->time + 1, sizeof(*tz->at));
	tz->type = calloc(c->time + 1, 1);
	if (tz->at == NULL || tz->type == NULL)
		return 0;
	for (i = 0; i < c->time; i++) {
		tz->at[i] = tsize == 8 ? be64(p + i * 8) :
		    (int64_t)(int32_t)be32(p + i * 4);
		if (i > 0 && tz->at[i] <= tz->at[i - 1])
			return 0;
	}
	p += (size_t)c->time * tsize;
	for (i = 0; i < c->time; i++) {
		tz->type[i] = p[i];
		if (p[i] >= c->type)
			return 0;
	}
	types = p + c->time;
	tz->ntypes = c->type;
	for (i = 0; i < c->type; i++) {
		tz->utoff[i] = (long)(int32_t)be32(types + i * 6);
		tz->isdst[i] = types[i * 6 + 4] != 0;
		if (tz->utoff[i] <= -89999 || tz->utoff[i] >= 93600)
			return 0;
	}
	return 1;
}

static cp_err
parse_tzif(cp_tz *tz, const unsigned char *p, size_t len)
{
	struct tzif_counts c;
	const unsigned char *foot, *nl;
	size_t off;
	char rule[128];
	int version;

	if (!read_counts(p, len, &c, &version))
		return CP_E_PARSE;
	off = TZ_HEADER + block_len(&c, 4);
	if (off > len)
		return CP_E_PARSE;
	if (version == 0)
		return read_block(tz, p + TZ_HEADER, &c, 4) ? CP_OK :
		    CP_E_PARSE;
	p += off;
	len -= off;
	if (!read_counts(p, len, &c, &version))
		return CP_E_PARSE;
	off = TZ_HEADER + block_len(&c, 8);
	if (off > len || !read_block(tz, p + TZ_HEADER, &c, 8))
		return CP_E_PARSE;
	foot = p + off;
	len -= off;
	if (len >= 2 && foot[0] == '\n' &&
	    (nl = memchr(foot + 1, '\n', len - 1)) != NULL &&
	    (size_t)(nl - foot - 1) < sizeof(rule)) {
		memcpy(rule, foot + 1, (size_t)(nl - foot - 1));
		rule[nl - foot - 1] = '\0';
		/* An empty or unknown footer: the last type stays. */
		if (rule[0] != '\0')
			(void)parse_rule(tz, rule);
	}
	return CP_OK;
}

cp_err
cp_tz_load(const char *name, cp_tz **out, char *why, size_t why_size)
{
	const char *dir = getenv("TZDIR");
	char path[4096];
	char *buf = NULL;
	size_t len = 0;
	cp_tz *tz;
	cp_err r;

	*out = NULL;
	if (!cp_tz_name_ok(name)) {
		snprintf(why, why_size, "'%.80s' is not a time zone name "
		    "(like Asia/Tokyo or UTC)", name != NULL ? name : "");
		return CP_E_INVALID;
	}
	if (dir == NULL || dir[0] != '/')
		dir = TZ_DEFAULT_DIR;
	tz = calloc(1, sizeof(*tz));
	if (tz == NULL)
		return CP_E_NOMEM;
	if (cp_snprintf(path, sizeof(path), "%s/%s", dir, name) != CP_OK) {
		r = CP_E_LIMIT;
		snprintf(why, why_size, "time zone path too long");
		goto out;
	}
	r = cp_file_read(path, CP_TZ_FILE_MAX, &buf, &len);
	if (r != CP_OK && (strcmp(name, "UTC") == 0 ||
	    strcmp(name, "Etc/UTC") == 0)) {
		/* A system without tzdata still knows UTC. */
		tz->ntypes = 1;
		r = CP_OK;
		goto out;
	}
	if (r != CP_OK) {
		snprintf(why, why_size, "unknown time zone '%s' (no %s)",
		    name, path);
		r = r == CP_E_NOMEM ? r : CP_E_NOTFOUND;
		goto out;
	}
	r = parse_tzif(tz, (const unsigned char *)buf, len);
	if (r != CP_OK)
		snprintf(why, why_size, "%s is not a TZif time zone file",
		    path);
out:
	free(buf);
	if (r != CP_OK) {
		cp_tz_free(tz);
		return r;
	}
	*out = tz;
	return CP_OK;
}

static long
offset_at(const cp_tz *tz, time_t t, int *isdst)
{
	size_t lo, hi, mid;

	*isdst = 0;
	if (tz == NULL)
		return 0;	/* no zone: UTC */
	if (tz->n == 0 || (int64_t)t >= tz->at[tz->n - 1]) {
		if (tz->has_rule)
			return rule_offset(tz, t, isdst);
		if (tz->n == 0) {
			*isdst = tz->isdst[0];
			return tz->utoff[0];
		}
		*isdst = tz->isdst[tz->type[tz->n - 1]];
		return tz->utoff[tz->type[tz->n - 1]];
	}
	if ((int64_t)t < tz->at[0]) {
		*isdst = tz->isdst[0];
		return tz->utoff[0];
	}
	/* The last transition at or before t. */
	lo = 0;
	hi = tz->n - 1;
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (tz->at[mid] <= (int64_t)t)
			lo = mid;
		else
			hi = mid - 1;
	}
	*isdst = tz->isdst[tz->type[lo]];
	return tz->utoff[tz->type[lo]];
}

long
cp_tz_offset(const cp_tz *tz, time_t t)
{
	int isdst;

	return offset_at(tz, t, &isdst);
}

void
cp_tz_localtime(const cp_tz *tz, time_t t, struct tm *out)
{
	int isdst;
	long off = offset_at(tz, t, &isdst);
	time_t local = t + off;

	memset(out, 0, sizeof(*out));
	(void)gmtime_r(&local, out);
	out->tm_isdst = isdst;
	out->tm_gmtoff = off;
	out->tm_zone = NULL;
}

time_t
cp_tz_mktime(const cp_tz *tz, int year, int mon, int mday, int minute)
{
	time_t wall = civil(year, mon, mday) + (time_t)minute * 60;
	time_t guess = wall - cp_tz_offset(tz, wall), u, best = 0;
	long o, lowest = 0;
	int i, found = 0;

	/* Offsets in force half a day around: a wall time is valid under
	 * an offset when that offset holds at the instant it gives. */
	for (i = -1; i <= 1; i++) {
		o = cp_tz_offset(tz, guess + (time_t)i * 43200);
		if (i == -1 || o < lowest)
			lowest = o;
		u = wall - o;
		if (cp_tz_offset(tz, u) == o && (!found || u < best)) {
			best = u;
			found = 1;
		}
	}
	if (found)
		return best;
	/* A gap: the clock jumped over the wall time; move forward. */
	return wall - lowest;
}
