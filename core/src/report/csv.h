/*
 * csv.h - the built-in CSV report writer.
 *
 * RFC 4180: fields separated by commas, records by CRLF, a field quoted
 * when it holds a comma, a quote, CR or LF, quotes doubled inside.  UTF-8,
 * with a byte order mark by default so that Excel reads Japanese text
 * right.  A text cell that starts with = + - @, TAB or CR is neutralised
 * with a leading apostrophe (OWASP's rule against formula injection):
 * reports carry text from the cloud, which an attacker may control.
 */
#ifndef CP_REPORT_CSV_H
#define CP_REPORT_CSV_H

#include <stdio.h>

#include "util/util.h"

typedef struct cp_csv cp_csv;

#define CP_CSV_NO_BOM 0x1u	/* no byte order mark (for tools) */

/* A writer on fp (borrowed; the caller closes it).  NULL on no memory. */
cp_csv *cp_csv_create(FILE *fp, unsigned flags);
/* Flushes; CP_E_IO when any write failed.  Frees w. */
cp_err cp_csv_close(cp_csv *w);

/*
 * Writes one record of n fields.  A NULL field is empty.  Fields are text:
 * they are neutralised when they start like a formula.
 */
cp_err cp_csv_row(cp_csv *w, const char *const *fields, size_t n);

/*
 * Writes one record where numeric[i] marks fields that are numbers the
 * writer produced itself (never neutralised: "-5" stays a number).
 */
cp_err cp_csv_row_typed(cp_csv *w, const char *const *fields,
    const int *numeric, size_t n);

/* Whether a text cell would be neutralised (shared with other writers). */
int cp_csv_is_formula(const char *s);

#endif /* CP_REPORT_CSV_H */
