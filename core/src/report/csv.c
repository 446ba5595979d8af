/*
 * csv.c - RFC 4180 output with formula neutralisation.
 */
#include <stdlib.h>
#include <string.h>

#include "report/csv.h"

struct cp_csv {
	FILE *fp;
	unsigned flags;
	int started;
	int failed;
};

cp_csv *
cp_csv_create(FILE *fp, unsigned flags)
{
	cp_csv *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->fp = fp;
	w->flags = flags;
	return w;
}

cp_err
cp_csv_close(cp_csv *w)
{
	int failed;

	if (w == NULL)
		return CP_OK;
	if (!w->started && (w->flags & CP_CSV_NO_BOM) == 0 &&
	    fputs("\xef\xbb\xbf", w->fp) == EOF)
		w->failed = 1;
	if (fflush(w->fp) != 0 || ferror(w->fp))
		w->failed = 1;
	failed = w->failed;
	free(w);
	return failed ? CP_E_IO : CP_OK;
}

int
cp_csv_is_formula(const char *s)
{
	return s != NULL && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

static void
put_field(cp_csv *w, const char *s, int numeric)
{
	const char *p;
	int quote, neutral;

	if (s == NULL)
		s = "";
	neutral = !numeric && cp_csv_is_formula(s);
	quote = neutral || strpbrk(s, ",\"\r\n") != NULL;
	if (quote && fputc('"', w->fp) == EOF)
		w->failed = 1;
	if (neutral && fputc('\'', w->fp) == EOF)
		w->failed = 1;
	for (p = s; *p != '\0'; p++) {
		if (*p == '"' && fputc('"', w->fp) == EOF)
			w->failed = 1;
		if (fputc(*p, w->fp) == EOF)
			w->failed = 1;
	}
	if (quote && fputc('"', w->fp) == EOF)
		w->failed = 1;
}

cp_err
cp_csv_row_typed(cp_csv *w, const char *const *fields, const int *numeric,
    size_t n)
{
	size_t i;

	if (!w->started) {
		w->started = 1;
		if ((w->flags & CP_CSV_NO_BOM) == 0 &&
		    fputs("\xef\xbb\xbf", w->fp) == EOF)
			w->failed = 1;
	}
	for (i = 0; i < n; i++) {
		if (i > 0 && fputc(',', w->fp) == EOF)
			w->failed = 1;
		put_field(w, fields[i], numeric != NULL && numeric[i]);
	}
	if (fputs("\r\n", w->fp) == EOF)
		w->failed = 1;
	return w->failed ? CP_E_IO : CP_OK;
}

cp_err
cp_csv_row(cp_csv *w, const char *const *fields, size_t n)
{
	return cp_csv_row_typed(w, fields, NULL, n);
}
