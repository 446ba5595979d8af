/*
 * str.c - string and number helpers that replace the banned libc calls
 * (strcpy, strcat, atoi, strtok): every one is bounded and checked.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"

size_t
cp_strlcpy(char *dst, const char *src, size_t n)
{
	size_t len = strlen(src);

	if (n > 0) {
		size_t c = len < n - 1 ? len : n - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return len;
}

cp_err
cp_snprintf(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(dst, n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return CP_E_INVALID;
	return (size_t)r < n ? CP_OK : CP_E_LIMIT;
}

char *
cp_strtrim(char *s)
{
	char *start = s, *end;

	while (isspace((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	if (start != s)
		memmove(s, start, (size_t)(end - start) + 1);
	return s;
}

int
cp_str_only(const char *s, const char *set)
{
	return s != NULL && *s != '\0' && s[strspn(s, set)] == '\0';
}

cp_err
cp_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL)
		return CP_E_INVALID;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return CP_E_INVALID;
	errno = 0;
	v = strtoll(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno != 0 || *end != '\0')
		return CP_E_INVALID;
	if (v < min || v > max)
		return CP_E_LIMIT;
	*out = v;
	return CP_OK;
}

cp_err
cp_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	if (s == NULL)
		return CP_E_INVALID;
	for (i = 0; i < CP_ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return CP_OK;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return CP_OK;
		}
	}
	return CP_E_INVALID;
}

void
cp_strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

cp_err
cp_strv_split(const char *s, char ***out, size_t *n)
{
	char **v = NULL, *copy = NULL, *p, *next;
	size_t count = 0, cap = 0;
	cp_err r = CP_E_NOMEM;

	*out = NULL;
	if (n != NULL)
		*n = 0;
	copy = strdup(s != NULL ? s : "");
	if (copy == NULL)
		goto out;
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		goto out;
	for (p = copy; p != NULL; p = next) {
		char *word, **nv;

		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		cp_strtrim(p);
		if (*p == '\0')
			continue;
		if (count + 2 > cap) {
			cap = cap == 0 ? 4 : cap * 2;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL)
				goto out;
			v = nv;
		}
		word = strdup(p);
		if (word == NULL)
			goto out;
		v[count++] = word;
		v[count] = NULL;
	}
	*out = v;
	v = NULL;
	if (n != NULL)
		*n = count;
	r = CP_OK;
out:
	cp_strv_free(v);
	free(copy);
	return r;
}
