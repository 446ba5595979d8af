/*
 * audit.c - the audit log: who changed what, and when.  Callers pass
 * names and ids, never secret values.
 */
#include <string.h>

#include "store/store_priv.h"

cp_err
cp_audit(cp_store *st, int64_t portal_id, const char *actor, const char *action,
    const char *detail)
{
	sqlite3_stmt *stmt = NULL;
	char now[32];
	cp_err r;
	int rc;

	if (portal_id < 0)
		return cp_store_fail(st, CP_E_INVALID,
		    "audit: bad portal id %lld", (long long)portal_id);
	if (!cp_store_text_ok(actor, 1, 255) ||
	    !cp_store_text_ok(action, 1, 63))
		return cp_store_fail(st, CP_E_INVALID,
		    "audit: an actor of 1 to 255 and an action of 1 to 63 "
		    "printable bytes are needed");
	if (detail == NULL)
		detail = "";
	if (strlen(detail) > 4095)
		return cp_store_fail(st, CP_E_LIMIT,
		    "audit: the detail is longer than 4095 bytes");
	r = cp_store_prepare(st,
	    "INSERT INTO audit_log (portal_id, time, "
	    "actor, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
	    &stmt, "writing the audit log");
	if (r != CP_OK)
		return r;
	cp_store_now(now, sizeof(now));
	rc = portal_id > 0 ? sqlite3_bind_int64(stmt, 1, portal_id)
			   : sqlite3_bind_null(stmt, 1);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 2, now);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 3, actor);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 4, action);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 5, detail);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		r = cp_store_fail(st, CP_E_NOTFOUND,
		    "audit: no portal with id %lld", (long long)portal_id);
	else if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "writing the audit log");
	sqlite3_finalize(stmt);
	return r;
}

static const char *
column_str(sqlite3_stmt *stmt, int i)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);

	return s != NULL ? (const char *)s : "";
}

cp_err
cp_audit_list(
    cp_store *st, int64_t portal_id, size_t limit, cp_audit_fn fn, void *ud)
{
	struct cp_audit_entry a;
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	if (portal_id < -1)
		return cp_store_fail(st, CP_E_INVALID,
		    "audit: bad portal id %lld", (long long)portal_id);
	/*
	 * The newest limit rows, handed out oldest first.  ?1 = -1: all;
	 * 0: the rows without a portal.  LIMIT -1 is no limit.
	 */
	r = cp_store_prepare(st,
	    "SELECT id, portal_id, time, actor, action, "
	    "detail FROM (SELECT * FROM audit_log WHERE ?1 = -1 "
	    "OR (?1 = 0 AND portal_id IS NULL) OR portal_id = ?1 "
	    "ORDER BY id DESC LIMIT ?2) ORDER BY id",
	    &stmt, "reading the audit log");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 2,
		    limit == 0 || limit > INT64_MAX ? -1
						    : (sqlite3_int64)limit);
	if (rc != SQLITE_OK)
		goto out_sql;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		a.id = sqlite3_column_int64(stmt, 0);
		a.portal_id = sqlite3_column_int64(stmt, 1);
		cp_store_column_text(stmt, 2, a.time, sizeof(a.time));
		a.actor = column_str(stmt, 3);
		a.action = column_str(stmt, 4);
		a.detail = column_str(stmt, 5);
		r = fn(ud, &a);
		if (r != CP_OK)
			goto out;
	}
	if (rc == SQLITE_DONE)
		goto out;
out_sql:
	r = cp_store_sqlfail(st, rc, "reading the audit log");
out:
	sqlite3_finalize(stmt);
	return r;
}
