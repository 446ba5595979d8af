/*
 * lc_priv.h - what the files of the findings lifecycle share: checks of
 * text (text.c), the queue of outbox and notification rows (queue.c) and
 * the look-up of a unit (lifecycle.c).  Private to core/src/lifecycle and
 * its tests.
 */
#ifndef CP_LC_PRIV_H
#define CP_LC_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "store/store_priv.h"

/* ---- text.c ---- */

/*
 * Counts the code points of the NUL-terminated s into *chars.
 * CP_E_INVALID when s is not well-formed UTF-8 (overlong forms, UTF-16
 * surrogates and code points above U+10FFFF are refused).
 */
cp_err cp_lc_utf8_count(const char *s, size_t *chars);
/*
 * The length in bytes of the longest prefix of the valid UTF-8 text s that
 * is at most max bytes and does not split a code point.
 */
size_t cp_lc_utf8_cut(const char *s, size_t max);
/*
 * Whether s holds a control character (C0, DEL); tab, newline and carriage
 * return count only when lines is 0.
 */
int cp_lc_has_controls(const char *s, int lines);

/* ---- queue.c: outbox rows and notification records ---- */

/* Statements prepared once per run and reused for every row. */
struct cp_lc_queue {
	cp_store *st;
	sqlite3_stmt *outbox;
	sqlite3_stmt *notice;
};

/* Prepares q's statements on st; q is cleared first. */
cp_err cp_lc_queue_init(struct cp_lc_queue *q, cp_store *st);
/* Finalizes q's statements; a zeroed q is fine. */
void cp_lc_queue_fini(struct cp_lc_queue *q);
/*
 * Adds an outbox row of kind ("notify", "remediate") for portal and unit,
 * due now, whose payload is the compact JSON of payload (a JSON object,
 * borrowed).  *id (may be NULL) gets the row's id.
 */
cp_err cp_lc_queue_outbox(struct cp_lc_queue *q, int64_t portal_id,
    int64_t unit_id, const char *kind, const json_t *payload, time_t now,
    int64_t *id);
/*
 * Records a notification of kind ("risk", "remediation") on the key
 * (unit, policy, resource, condition) at now; finding_id 0 records none.
 */
cp_err cp_lc_queue_notice(struct cp_lc_queue *q, int64_t unit_id,
    int64_t finding_id, const char *policy, const char *resource,
    const char *condition, const char *kind, time_t now);

/* ---- lifecycle.c ---- */

/*
 * Reads unit_id's cloud id (into unit, of size n) and the portal it
 * belongs to.  CP_E_NOTFOUND when there is no such unit.
 */
cp_err cp_lc_unit_lookup(
    cp_store *st, int64_t unit_id, int64_t *portal_id, char *unit, size_t n);

/* Binds a time (Unix seconds) at i. */
static inline int
cp_lc_bind_time(sqlite3_stmt *stmt, int i, time_t t)
{
	return sqlite3_bind_int64(stmt, i, (sqlite3_int64)t);
}

#endif /* CP_LC_PRIV_H */
