/*
 * portal.c - portals, the tenants of one installation (R-TEN-1).  Every
 * other row of the store belongs to a portal and goes with it.
 */
#include <string.h>

#include "store/store_priv.h"

#define PORTAL_COLUMNS "id, name, lang, created, patrol_minute, timezone"

static int
lang_ok(const char *lang)
{
	return lang != NULL &&
	       (strcmp(lang, "ja") == 0 || strcmp(lang, "en") == 0);
}

static void
row_to_portal(sqlite3_stmt *stmt, struct cp_portal *p)
{
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(stmt, 0);
	cp_store_column_text(stmt, 1, p->name, sizeof(p->name));
	cp_store_column_text(stmt, 2, p->lang, sizeof(p->lang));
	cp_store_column_text(stmt, 3, p->created, sizeof(p->created));
	p->patrol_minute = sqlite3_column_int(stmt, 4);
	cp_store_column_text(stmt, 5, p->timezone, sizeof(p->timezone));
}

cp_err
cp_portal_add(cp_store *st, const char *name, const char *lang, int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	char now[32];
	cp_err r;
	int rc;

	if (!cp_store_name_ok(name, 63))
		return cp_store_fail(st, CP_E_INVALID,
		    "a portal name is 1 to 63 of a-z, 0-9 and '-'");
	if (!lang_ok(lang))
		return cp_store_fail(st, CP_E_INVALID,
		    "portal %s: language must be ja or en", name);
	r = cp_store_prepare(st,
	    "INSERT INTO portals (name, lang, created) VALUES (?1, ?2, ?3)",
	    &stmt, "adding a portal");
	if (r != CP_OK)
		return r;
	cp_store_now(now, sizeof(now));
	rc = cp_store_bind_text(stmt, 1, name);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 2, lang);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 3, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		r = cp_store_fail(
		    st, CP_E_EXISTS, "portal %s exists already", name);
	else if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "adding a portal");
	else if (id != NULL)
		*id = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_portal_get(cp_store *st, const char *name, struct cp_portal *out)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	if (!cp_store_name_ok(name, 63))
		return cp_store_fail(st, CP_E_INVALID,
		    "a portal name is 1 to 63 of a-z, 0-9 and '-'");
	r = cp_store_prepare(st,
	    "SELECT " PORTAL_COLUMNS " FROM portals WHERE name = ?1", &stmt,
	    "reading a portal");
	if (r != CP_OK)
		return r;
	rc = cp_store_bind_text(stmt, 1, name);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		row_to_portal(stmt, out);
	else if (rc == SQLITE_DONE)
		r = cp_store_fail(st, CP_E_NOTFOUND, "no portal %s", name);
	else
		r = cp_store_sqlfail(st, rc, "reading a portal");
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_portal_list(cp_store *st, cp_portal_fn fn, void *ud)
{
	struct cp_portal p;
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st,
	    "SELECT " PORTAL_COLUMNS " FROM portals ORDER BY name", &stmt,
	    "listing portals");
	if (r != CP_OK)
		return r;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		row_to_portal(stmt, &p);
		r = fn(ud, &p);
		if (r != CP_OK)
			goto out;
	}
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "listing portals");
out:
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_portal_remove(cp_store *st, const char *name)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	if (!cp_store_name_ok(name, 63))
		return cp_store_fail(st, CP_E_INVALID,
		    "a portal name is 1 to 63 of a-z, 0-9 and '-'");
	/* One statement: the cascade is atomic with it. */
	r = cp_store_prepare(st, "DELETE FROM portals WHERE name = ?1", &stmt,
	    "removing a portal");
	if (r != CP_OK)
		return r;
	rc = cp_store_bind_text(stmt, 1, name);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "removing a portal");
	else if (sqlite3_changes(st->db) == 0)
		r = cp_store_fail(st, CP_E_NOTFOUND, "no portal %s", name);
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_portal_set_patrol(cp_store *st, const char *name, int minute,
    const char *tz)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	if (!cp_store_name_ok(name, 63))
		return cp_store_fail(st, CP_E_INVALID,
		    "a portal name is 1 to 63 of a-z, 0-9 and '-'");
	if (minute < 0 || minute > 1410 || minute % 30 != 0)
		return cp_store_fail(st, CP_E_INVALID,
		    "the patrol time is in 30-minute steps, 00:00 to 23:30");
	if (!cp_store_text_ok(tz, 1, 63))
		return cp_store_fail(st, CP_E_INVALID, "bad time zone name");
	r = cp_store_prepare(st,
	    "UPDATE portals SET patrol_minute = ?2, timezone = ?3 "
	    "WHERE name = ?1", &stmt, "setting the patrol time");
	if (r != CP_OK)
		return r;
	rc = cp_store_bind_text(stmt, 1, name);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 2, minute);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 3, tz);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "setting the patrol time");
	else if (sqlite3_changes(st->db) == 0)
		r = cp_store_fail(st, CP_E_NOTFOUND, "no portal %s", name);
	sqlite3_finalize(stmt);
	return r;
}
