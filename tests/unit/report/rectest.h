/*
 * rectest.h - what the report tests share: a record of the rows a report
 * gives a text function (cp_report_opts.text_fn), as JSON arrays of
 * strings, with a fault on demand.
 */
#ifndef CP_RECTEST_H
#define CP_RECTEST_H

#include <string.h>

#include <jansson.h>

#include "cptest.h"
#include "report/report.h"

/* What the row callback was given: an array of arrays of strings. */
struct rec {
	json_t *rows;
	size_t fail_at;		/* answer CP_E_IO at this row (1-based) */
};

static inline cp_err
rec_row(void *ud, const char *table, const char *const *cells, size_t n)
{
	struct rec *rc = ud;
	json_t *row = json_array();
	size_t i;

	(void)table;
	CU_ASSERT_FATAL(row != NULL);
	for (i = 0; i < n; i++)
		CU_ASSERT_FATAL(json_array_append_new(row, json_string(
		    cells[i] != NULL ? cells[i] : "")) == 0);
	CU_ASSERT_FATAL(json_array_append_new(rc->rows, row) == 0);
	if (rc->fail_at != 0 && json_array_size(rc->rows) == rc->fail_at)
		return CP_E_IO;
	return CP_OK;
}

static inline void
rec_init(struct rec *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->rows = json_array();
	CU_ASSERT_FATAL(rc->rows != NULL);
}

static inline size_t
rec_count(const struct rec *rc)
{
	return json_array_size(rc->rows);
}

static inline size_t
rec_width(const struct rec *rc, size_t i)
{
	return json_array_size(json_array_get(rc->rows, i));
}

/* Cell c of row i, or "(none)". */
static inline const char *
rec_cell(const struct rec *rc, size_t i, size_t c)
{
	const char *s = json_string_value(json_array_get(json_array_get(
	    rc->rows, i), c));

	return s != NULL ? s : "(none)";
}

/* How many rows have v in cell c. */
static inline size_t
rec_with(const struct rec *rc, size_t c, const char *v)
{
	size_t i, n = 0;

	for (i = 0; i < rec_count(rc); i++)
		if (strcmp(rec_cell(rc, i, c), v) == 0)
			n++;
	return n;
}

static inline void
rec_done(struct rec *rc)
{
	json_decref(rc->rows);
	rc->rows = NULL;
}

#endif /* CP_RECTEST_H */
