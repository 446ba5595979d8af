/*
 * output.c - aligned text tables for people; widths count display columns
 * so that Japanese text lines up.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cli.h"

#define TABLE_MAX_ROWS 1000000u

struct cli_table {
	size_t ncols;
	size_t nrows;
	size_t cap;
	char **cells;		/* (nrows + 1) * ncols, row 0 the headers */
	size_t *width;
};

/* Display width of a UTF-8 string (wide characters count two). */
static size_t
display_width(const char *s)
{
	mbstate_t st;
	size_t w = 0, n, len = strlen(s);
	wchar_t wc;
	int cw;

	memset(&st, 0, sizeof(st));
	while (len > 0) {
		n = mbrtowc(&wc, s, len, &st);
		if (n == (size_t)-1 || n == (size_t)-2) {
			/* Not valid in this locale: count bytes. */
			memset(&st, 0, sizeof(st));
			w++;
			s++;
			len--;
			continue;
		}
		if (n == 0)
			break;
		cw = wcwidth(wc);
		w += cw > 0 ? (size_t)cw : 0;
		s += n;
		len -= n;
	}
	return w;
}

struct cli_table *
cli_table_new(size_t ncols, const char *const *headers)
{
	struct cli_table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	t->width = calloc(ncols, sizeof(*t->width));
	if (t->width == NULL || cli_table_add(t, headers) != CP_OK) {
		cli_table_free(t);
		return NULL;
	}
	return t;
}

cp_err
cli_table_add(struct cli_table *t, const char *const *cells)
{
	size_t i, w;
	char **nc;

	if (t->nrows >= TABLE_MAX_ROWS)
		return CP_E_LIMIT;
	if (t->nrows == t->cap) {
		size_t cap = t->cap == 0 ? 16 : t->cap * 2;

		nc = realloc(t->cells, cap * t->ncols * sizeof(*nc));
		if (nc == NULL)
			return CP_E_NOMEM;
		t->cells = nc;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		char *c = strdup(cells[i] != NULL ? cells[i] : "");

		if (c == NULL) {
			while (i-- > 0)
				free(t->cells[t->nrows * t->ncols + i]);
			return CP_E_NOMEM;
		}
		t->cells[t->nrows * t->ncols + i] = c;
		w = display_width(c);
		if (w > t->width[i])
			t->width[i] = w;
	}
	t->nrows++;
	return CP_OK;
}

void
cli_table_print(struct cli_table *t, FILE *fp)
{
	size_t r, i, pad;

	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			const char *c = t->cells[r * t->ncols + i];

			fputs(c, fp);
			if (i + 1 == t->ncols)
				break;
			for (pad = display_width(c); pad < t->width[i] + 2;
			    pad++)
				fputc(' ', fp);
		}
		fputc('\n', fp);
	}
}

void
cli_table_free(struct cli_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t);
}
