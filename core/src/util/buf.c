/*
 * buf.c - a growable, bounded, always NUL-terminated byte buffer.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

void
cp_buf_init(struct cp_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

/* Makes room for n more bytes plus the NUL, within the buffer's limit. */
static cp_err
buf_reserve(struct cp_buf *b, size_t n)
{
	size_t limit = b->max != 0 ? b->max : SIZE_MAX / 2;
	size_t need, cap;
	char *p;

	if (n > limit || b->len > limit - n)
		return CP_E_LIMIT;
	need = b->len + n + 1;
	if (need <= b->cap)
		return CP_OK;
	cap = b->cap != 0 ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 4 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (p == NULL)
		return CP_E_NOMEM;
	b->data = p;
	b->cap = cap;
	return CP_OK;
}

cp_err
cp_buf_append(struct cp_buf *b, const void *p, size_t n)
{
	cp_err r = buf_reserve(b, n);

	if (r != CP_OK)
		return r;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return CP_OK;
}

cp_err
cp_buf_puts(struct cp_buf *b, const char *s)
{
	return cp_buf_append(b, s, strlen(s));
}

cp_err
cp_buf_vprintf(struct cp_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	cp_err r;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return CP_E_INVALID;
	r = buf_reserve(b, (size_t)n);
	if (r != CP_OK)
		return r;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return CP_OK;
}

cp_err
cp_buf_printf(struct cp_buf *b, const char *fmt, ...)
{
	va_list ap;
	cp_err r;

	va_start(ap, fmt);
	r = cp_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

char *
cp_buf_steal(struct cp_buf *b)
{
	char *p = b->data;

	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
cp_buf_free(struct cp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
