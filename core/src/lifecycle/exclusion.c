/*
 * exclusion.c - per-resource exclusions of a portal (R-HIS-2).
 *
 * The memo limit is in characters because the operators write Japanese:
 * 1000 characters of it are about 3000 bytes.  The text is checked here,
 * where a sentence can say what is wrong; the schema's CHECK (SQLite's
 * length() counts characters too) only backs it up.
 */
#include <string.h>

#include "lifecycle/exclusion.h"
#include "lifecycle/lc_priv.h"

static cp_err
check_resource(cp_store *st, const char *resource)
{
	size_t n;

	if (resource == NULL || *resource == '\0' ||
	    strlen(resource) > CP_EXCLUSION_RESOURCE_MAX)
		return cp_store_fail(st, CP_E_INVALID,
		    "a resource id is 1 to %d bytes",
		    CP_EXCLUSION_RESOURCE_MAX);
	if (cp_lc_utf8_count(resource, &n) != CP_OK ||
	    cp_lc_has_controls(resource, 0))
		return cp_store_fail(st, CP_E_INVALID,
		    "a resource id must be UTF-8 text without control "
		    "characters");
	return CP_OK;
}

static cp_err
check_memo(cp_store *st, const char *memo)
{
	size_t n;

	if (cp_lc_utf8_count(memo, &n) != CP_OK)
		return cp_store_fail(
		    st, CP_E_INVALID, "the memo is not valid UTF-8 text");
	if (n > CP_EXCLUSION_MEMO_MAX)
		return cp_store_fail(st, CP_E_INVALID,
		    "a memo is at most %d characters; this one has %zu",
		    CP_EXCLUSION_MEMO_MAX, n);
	if (cp_lc_has_controls(memo, 1))
		return cp_store_fail(st, CP_E_INVALID,
		    "the memo holds control characters (only tabs and line "
		    "breaks are allowed)");
	return CP_OK;
}

cp_err
cp_exclusion_add(cp_store *st, int64_t portal_id, const char *resource,
    const char *memo, time_t now)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	if (memo == NULL)
		memo = "";
	r = check_resource(st, resource);
	if (r == CP_OK)
		r = check_memo(st, memo);
	if (r != CP_OK)
		return r;
	r = cp_store_prepare(st,
	    "INSERT INTO exclusions (portal_id, resource, memo, created) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (portal_id, resource) "
	    "DO UPDATE SET memo = excluded.memo",
	    &stmt, "adding an exclusion");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 2, resource);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 3, memo);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(stmt, 4, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		r = cp_store_fail(st, CP_E_NOTFOUND, "no portal with id %lld",
		    (long long)portal_id);
	else if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "adding an exclusion");
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_exclusion_remove(cp_store *st, int64_t portal_id, const char *resource)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	r = check_resource(st, resource);
	if (r != CP_OK)
		return r;
	r = cp_store_prepare(st,
	    "DELETE FROM exclusions WHERE portal_id = ?1 AND resource = ?2",
	    &stmt, "removing an exclusion");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 2, resource);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "removing an exclusion");
	else if (sqlite3_changes(cp_store_db(st)) == 0)
		r = cp_store_fail(st, CP_E_NOTFOUND,
		    "resource %s is not excluded in this portal", resource);
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_exclusion_list(cp_store *st, int64_t portal_id, cp_exclusion_fn fn, void *ud)
{
	struct cp_exclusion x;
	sqlite3_stmt *stmt = NULL;
	const unsigned char *t;
	cp_err r;
	int rc;

	r = cp_store_prepare(st,
	    "SELECT resource, memo, created FROM exclusions "
	    "WHERE portal_id = ?1 ORDER BY resource",
	    &stmt, "listing exclusions");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, portal_id);
	while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&x, 0, sizeof(x));
		x.portal_id = portal_id;
		t = sqlite3_column_text(stmt, 0);
		x.resource = t != NULL ? (const char *)t : "";
		t = sqlite3_column_text(stmt, 1);
		x.memo = t != NULL ? (const char *)t : "";
		x.created = (time_t)sqlite3_column_int64(stmt, 2);
		r = fn(ud, &x);
		if (r != CP_OK)
			goto out;
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "listing exclusions");
out:
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_exclusion_check(
    cp_store *st, int64_t portal_id, const char *resource, int *yes)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	*yes = 0;
	r = check_resource(st, resource);
	if (r != CP_OK)
		return r;
	r = cp_store_prepare(st,
	    "SELECT 1 FROM exclusions WHERE portal_id = ?1 AND resource = ?2",
	    &stmt, "looking up an exclusion");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 2, resource);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*yes = 1;
	else if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "looking up an exclusion");
	sqlite3_finalize(stmt);
	return r;
}
