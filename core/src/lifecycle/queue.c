/*
 * queue.c - the rows the lifecycle writes beside a finding: outbox work
 * (notifications to send, remediations to run) and the notification
 * records the suppression rules and the history read.  Both are written in
 * the caller's transaction, so that a finding and what it queues are
 * committed together or not at all (DESIGN 1.4).
 */
#include <stdlib.h>
#include <string.h>

#include "lifecycle/lc_priv.h"

cp_err
cp_lc_queue_init(struct cp_lc_queue *q, cp_store *st)
{
	cp_err r;

	memset(q, 0, sizeof(*q));
	q->st = st;
	r = cp_store_prepare(st,
	    "INSERT INTO outbox (portal_id, unit_id, kind, payload, "
	    "next_attempt, created, updated) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5)",
	    &q->outbox, "preparing the outbox");
	if (r == CP_OK)
		r = cp_store_prepare(st,
		    "INSERT INTO notifications (unit_id, finding_id, policy, "
		    "resource, condition, kind, time) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		    &q->notice, "preparing the notification records");
	if (r != CP_OK)
		cp_lc_queue_fini(q);
	return r;
}

void
cp_lc_queue_fini(struct cp_lc_queue *q)
{
	sqlite3_finalize(q->outbox);
	sqlite3_finalize(q->notice);
	q->outbox = NULL;
	q->notice = NULL;
}

/* Steps a bound INSERT, then resets it for the next row. */
static cp_err
step_insert(cp_store *st, sqlite3_stmt *stmt, int rc, const char *what)
{
	cp_err r = CP_OK;

	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, what);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return r;
}

cp_err
cp_lc_queue_outbox(struct cp_lc_queue *q, int64_t portal_id, int64_t unit_id,
    const char *kind, const json_t *payload, time_t now, int64_t *id)
{
	char *text;
	cp_err r;
	int rc;

	if (!json_is_object(payload))
		return cp_store_fail(q->st, CP_E_INVALID,
		    "an outbox payload must be a JSON object");
	text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL)
		return cp_store_fail(
		    q->st, CP_E_NOMEM, "cannot serialise an outbox payload");
	rc = sqlite3_bind_int64(q->outbox, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = unit_id > 0 ? sqlite3_bind_int64(q->outbox, 2, unit_id)
				 : sqlite3_bind_null(q->outbox, 2);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(q->outbox, 3, kind);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(q->outbox, 4, text, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(q->outbox, 5, now);
	r = step_insert(q->st, q->outbox, rc, "queuing outbox work");
	if (r == CP_OK && id != NULL)
		*id = sqlite3_last_insert_rowid(cp_store_db(q->st));
	free(text);
	return r;
}

cp_err
cp_lc_queue_notice(struct cp_lc_queue *q, int64_t unit_id, int64_t finding_id,
    const char *policy, const char *resource, const char *condition,
    const char *kind, time_t now)
{
	sqlite3_stmt *s = q->notice;
	int rc;

	rc = sqlite3_bind_int64(s, 1, unit_id);
	if (rc == SQLITE_OK)
		rc = finding_id > 0 ? sqlite3_bind_int64(s, 2, finding_id)
				    : sqlite3_bind_null(s, 2);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 3, policy);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 4, resource);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(
		    s, 5, condition != NULL ? condition : "");
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 6, kind);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(s, 7, now);
	return step_insert(q->st, s, rc, "recording a notification");
}
