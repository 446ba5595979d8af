/*
 * text.c - checks of the text the lifecycle stores: memos are limited in
 * characters, not bytes (R-HIS-2), and whatever goes into a JSON payload
 * must be well-formed UTF-8, or jansson refuses it.
 */
#include <string.h>

#include "lifecycle/lc_priv.h"

/*
 * The length of the well-formed UTF-8 sequence at p (1..4), or 0 when it
 * is not one (Unicode 15, table 3-7).
 */
static size_t
seq_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* The second byte's range excludes overlongs and surrogates. */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

cp_err
cp_lc_utf8_count(const char *s, size_t *chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, count = 0;

	*chars = 0;
	while (*p != '\0') {
		n = seq_len(p);
		if (n == 0)
			return CP_E_INVALID;
		p += n;
		count++;
	}
	*chars = count;
	return CP_OK;
}

size_t
cp_lc_utf8_cut(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max)
		return len;
	/* Step back over continuation bytes to a lead byte. */
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

int
cp_lc_has_controls(const char *s, int lines)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (lines && (*p == '\t' || *p == '\n' || *p == '\r'))
			continue;
		if (*p < 0x20 || *p == 0x7f)
			return 1;
	}
	return 0;
}
