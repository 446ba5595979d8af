/*
 * history.c - reading back notifications, remediations and findings.
 *
 * History merges two tables: notification records of kind "risk" (a
 * remediation's own notice is already told by its remediation row) and
 * remediation rows.  Both are read through the unit, so that a portal's
 * history never shows another portal's rows.
 */
#include <string.h>

#include "lifecycle/history.h"
#include "lifecycle/lc_priv.h"
#include "lifecycle/lifecycle.h"

static const char *
col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? (const char *)t : "";
}

cp_err
cp_lc_history(cp_store *st, int64_t portal_id, int64_t unit_id, time_t now,
    unsigned days, size_t limit, cp_lc_event_fn fn, void *ud)
{
	struct cp_lc_event e;
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

	if (days == 0)
		days = CP_LC_HISTORY_DAYS;
	if (days > 36500)
		return cp_store_fail(
		    st, CP_E_INVALID, "a history window is at most 36500 days");
	r = cp_store_prepare(st,
	    "SELECT 'risk', 'notified', n.unit_id, u.unit, n.policy, "
	    "n.resource, n.condition, '', '', '', '', "
	    "coalesce(n.finding_id, 0), n.time, n.id "
	    "FROM notifications n JOIN units u ON u.id = n.unit_id "
	    "JOIN environments e ON e.id = u.env_id "
	    "WHERE e.portal_id = ?1 AND (?2 = 0 OR n.unit_id = ?2) "
	    "AND n.kind = 'risk' AND n.time >= ?3 "
	    "UNION ALL "
	    "SELECT 'remediation', m.status, m.unit_id, u.unit, m.policy, "
	    "m.resource, '', m.action, m.before, m.after, m.error, "
	    "coalesce(m.finding_id, 0), m.time, m.id "
	    "FROM remediations m JOIN units u ON u.id = m.unit_id "
	    "JOIN environments e ON e.id = u.env_id "
	    "WHERE e.portal_id = ?1 AND (?2 = 0 OR m.unit_id = ?2) "
	    "AND m.time >= ?3 "
	    "ORDER BY 13 DESC, 1 DESC, 14 DESC LIMIT ?4",
	    &s, "reading history");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, unit_id);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(s, 3, now - (time_t)days * 86400);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(
		    s, 4, limit == 0 ? -1 : (sqlite3_int64)limit);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		e.kind = col(s, 0);
		e.status = col(s, 1);
		e.unit_id = sqlite3_column_int64(s, 2);
		e.unit = col(s, 3);
		e.policy = col(s, 4);
		e.resource = col(s, 5);
		e.condition = col(s, 6);
		e.action = col(s, 7);
		e.before = col(s, 8);
		e.after = col(s, 9);
		e.error = col(s, 10);
		e.finding_id = sqlite3_column_int64(s, 11);
		e.time = (time_t)sqlite3_column_int64(s, 12);
		r = fn(ud, &e);
		if (r != CP_OK)
			goto out;
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "reading history");
out:
	sqlite3_finalize(s);
	return r;
}

cp_err
cp_lc_findings(cp_store *st, int64_t portal_id, int64_t unit_id, unsigned flags,
    size_t limit, cp_lc_finding_fn fn, void *ud)
{
	struct cp_lc_finding f;
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st,
	    "SELECT f.id, f.unit_id, u.unit, f.policy, f.resource, "
	    "f.resource_name, f.condition, f.detail, f.value, f.first_seen, "
	    "f.last_seen, coalesce(f.resolved_at, 0) "
	    "FROM findings f JOIN units u ON u.id = f.unit_id "
	    "JOIN environments e ON e.id = u.env_id "
	    "WHERE e.portal_id = ?1 AND (?2 = 0 OR f.unit_id = ?2) "
	    "AND (?3 = 1 OR f.resolved_at IS NULL) "
	    "ORDER BY f.unit_id, f.policy, f.resource, f.condition, f.id "
	    "LIMIT ?4",
	    &s, "listing findings");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, unit_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 3, (flags & CP_LC_FINDINGS_ALL) != 0);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(
		    s, 4, limit == 0 ? -1 : (sqlite3_int64)limit);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&f, 0, sizeof(f));
		f.id = sqlite3_column_int64(s, 0);
		f.unit_id = sqlite3_column_int64(s, 1);
		f.unit = col(s, 2);
		f.policy = col(s, 3);
		f.resource = col(s, 4);
		f.resource_name = col(s, 5);
		f.condition = col(s, 6);
		f.detail = col(s, 7);
		f.value = col(s, 8);
		f.first_seen = (time_t)sqlite3_column_int64(s, 9);
		f.last_seen = (time_t)sqlite3_column_int64(s, 10);
		f.resolved_at = (time_t)sqlite3_column_int64(s, 11);
		r = fn(ud, &f);
		if (r != CP_OK)
			goto out;
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "listing findings");
out:
	sqlite3_finalize(s);
	return r;
}
