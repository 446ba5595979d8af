/*
 * diag.h - a list of diagnostics ("file:line: message") gathered while
 * reading configuration or loading plugins, so that every problem is
 * reported at once rather than the first only.
 */
#ifndef CP_UTIL_DIAG_H
#define CP_UTIL_DIAG_H

#include <stddef.h>

#include "util/util.h"

struct cp_diag {
	char **lines;
	size_t n;
	size_t cap;
	size_t errors;		/* lines that are errors, not warnings */
};

void cp_diag_init(struct cp_diag *d);
void cp_diag_free(struct cp_diag *d);
/* Adds "file:line: message" (line 0: "file: message"; file NULL: message). */
void cp_diag_error(struct cp_diag *d, const char *file, int line,
    const char *fmt, ...) CP_FMT(4, 5);
void cp_diag_warning(struct cp_diag *d, const char *file, int line,
    const char *fmt, ...) CP_FMT(4, 5);

#endif /* CP_UTIL_DIAG_H */
