/*
 * diag.c - gathered diagnostics, "file:line: message".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/diag.h"

void
cp_diag_init(struct cp_diag *d)
{
	d->lines = NULL;
	d->n = d->cap = d->errors = 0;
}

void
cp_diag_free(struct cp_diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	cp_diag_init(d);
}

/*
 * A diagnostic that cannot be stored for lack of memory is still counted as
 * an error, so a failed check never passes silently.
 */
static void
diag_add(struct cp_diag *d, int is_error, const char *file, int line,
    const char *fmt, va_list ap)
{
	struct cp_buf b;
	char **nl;

	if (is_error)
		d->errors++;
	cp_buf_init(&b, 4096);
	if (file != NULL && line > 0)
		cp_buf_printf(&b, "%s:%d: ", file, line);
	else if (file != NULL)
		cp_buf_printf(&b, "%s: ", file);
	if (!is_error)
		cp_buf_puts(&b, "warning: ");
	cp_buf_vprintf(&b, fmt, ap);
	if (b.data == NULL)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap == 0 ? 8 : d->cap * 2;

		nl = realloc(d->lines, cap * sizeof(*nl));
		if (nl == NULL) {
			cp_buf_free(&b);
			return;
		}
		d->lines = nl;
		d->cap = cap;
	}
	d->lines[d->n++] = cp_buf_steal(&b);
}

void
cp_diag_error(struct cp_diag *d, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, 1, file, line, fmt, ap);
	va_end(ap);
}

void
cp_diag_warning(struct cp_diag *d, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, 0, file, line, fmt, ap);
	va_end(ap);
}
