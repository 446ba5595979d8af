/*
 * exclusion.h - per-resource exclusions (R-HIS-2, R-NOT-5): a resource of
 * a portal that is excluded still has its findings recorded, but gets no
 * notification and no remediation.  Exclusions are kept until removed;
 * each carries a memo of at most 1000 characters (code points, not
 * bytes).
 *
 * Threads: like the store handle they are called on.
 */
#ifndef CP_EXCLUSION_H
#define CP_EXCLUSION_H

#include <stdint.h>
#include <time.h>

#include "store/store.h"

#define CP_EXCLUSION_MEMO_MAX 1000     /* characters */
#define CP_EXCLUSION_RESOURCE_MAX 2048 /* bytes */

struct cp_exclusion {
	int64_t portal_id;
	const char *resource; /* borrowed for the callback only */
	const char *memo;
	time_t created;
};

/* List callback: a return other than CP_OK stops the walk and is returned. */
typedef cp_err (*cp_exclusion_fn)(void *ud, const struct cp_exclusion *x);

/*
 * Excludes resource (1..2048 bytes of UTF-8 text, no control characters)
 * in portal_id from now on, with memo (NULL: none; UTF-8, at most 1000
 * characters, newlines and tabs allowed).  Excluding it again replaces the
 * memo and keeps the original time.  CP_E_INVALID with a sentence in
 * cp_store_errmsg(st) for a bad resource or memo; CP_E_NOTFOUND when the
 * portal does not exist.
 */
cp_err cp_exclusion_add(cp_store *st, int64_t portal_id, const char *resource,
    const char *memo, time_t now);
/* Ends the exclusion.  CP_E_NOTFOUND when resource was not excluded. */
cp_err cp_exclusion_remove(
    cp_store *st, int64_t portal_id, const char *resource);
/* Walks the exclusions of portal_id, by resource. */
cp_err cp_exclusion_list(
    cp_store *st, int64_t portal_id, cp_exclusion_fn fn, void *ud);
/* Whether resource is excluded in portal_id (*yes 1 or 0). */
cp_err cp_exclusion_check(
    cp_store *st, int64_t portal_id, const char *resource, int *yes);

#endif /* CP_EXCLUSION_H */
