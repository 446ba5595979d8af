/*
 * settings.c - per-portal policy settings over policy_settings.
 *
 * A set is a read-modify-write of one row, in one transaction, so that two
 * operators changing two switches of one policy at once both win.
 */
#include <stdlib.h>
#include <string.h>

#include "lifecycle/lc_priv.h"
#include "lifecycle/settings.h"

#define JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

static cp_err
check_policy(cp_store *st, const char *policy)
{
	size_t n;

	if (!cp_store_text_ok(policy, 1, 63) ||
	    cp_lc_utf8_count(policy, &n) != CP_OK)
		return cp_store_fail(
		    st, CP_E_INVALID, "a policy id is 1 to 63 printable bytes");
	return CP_OK;
}

void
cp_lc_setting_clear(struct cp_lc_setting *s)
{
	json_decref(s->params);
	memset(s, 0, sizeof(*s));
}

/*
 * Reads the row of (portal, policy): *found, the switches into out and the
 * stored parameters into *stored (a new reference; {} without a row).
 */
static cp_err
read_row(cp_store *st, int64_t portal_id, const char *policy,
    struct cp_lc_setting *out, json_t **stored)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *text;
	cp_err r;
	int rc;

	*stored = NULL;
	r = cp_store_prepare(st,
	    "SELECT enabled, notify, remediate, params, updated "
	    "FROM policy_settings WHERE portal_id = ?1 AND policy = ?2",
	    &s, "reading policy settings");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, policy);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->stored = 1;
		out->enabled = sqlite3_column_int(s, 0);
		out->notify = sqlite3_column_int(s, 1);
		out->remediate = sqlite3_column_int(s, 2);
		out->updated = (time_t)sqlite3_column_int64(s, 4);
		text = sqlite3_column_text(s, 3);
		*stored = json_loads(text != NULL ? (const char *)text : "{}",
		    JSON_REJECT_DUPLICATES, NULL);
		if (*stored == NULL || !json_is_object(*stored)) {
			json_decref(*stored);
			*stored = NULL;
			r = cp_store_fail(st, CP_E_PARSE,
			    "policy %s: the stored parameters are not a JSON "
			    "object",
			    policy);
		}
	} else if (rc == SQLITE_DONE)
		*stored = json_object();
	else
		r = cp_store_sqlfail(st, rc, "reading policy settings");
	if (r == CP_OK && *stored == NULL)
		r = cp_store_fail(st, CP_E_NOMEM, "out of memory");
	sqlite3_finalize(s);
	return r;
}

/* Fills out from def, then the row; out->params is the merged set. */
static cp_err
effective(cp_store *st, int64_t portal_id, const char *policy,
    const struct cp_lc_defaults *def, struct cp_lc_setting *out,
    json_t **stored)
{
	cp_err r;

	memset(out, 0, sizeof(*out));
	if (def != NULL) {
		out->enabled = def->enabled != 0;
		out->notify = def->notify != 0;
		out->remediate = def->remediate != 0;
	}
	if (def != NULL && def->params != NULL && !json_is_object(def->params))
		return cp_store_fail(st, CP_E_INVALID,
		    "policy %s: default parameters must be a JSON object",
		    policy);
	r = read_row(st, portal_id, policy, out, stored);
	if (r != CP_OK)
		return r;
	out->params = def != NULL && def->params != NULL
			  ? json_deep_copy(def->params)
			  : json_object();
	if (out->params == NULL ||
	    json_object_update(out->params, *stored) != 0)
		return cp_store_fail(st, CP_E_NOMEM, "out of memory");
	return CP_OK;
}

cp_err
cp_lc_setting_get(cp_store *st, int64_t portal_id, const char *policy,
    const struct cp_lc_defaults *def, struct cp_lc_setting *out)
{
	json_t *stored = NULL;
	cp_err r;

	memset(out, 0, sizeof(*out));
	r = check_policy(st, policy);
	if (r == CP_OK)
		r = effective(st, portal_id, policy, def, out, &stored);
	json_decref(stored);
	if (r != CP_OK)
		cp_lc_setting_clear(out);
	return r;
}

static int
switch_ok(int v)
{
	return v == -1 || v == 0 || v == 1;
}

/* Writes the row of (portal, policy) with cur's switches and stored. */
static cp_err
write_row(cp_store *st, int64_t portal_id, const char *policy,
    const struct cp_lc_setting *cur, const json_t *stored, time_t now)
{
	sqlite3_stmt *s = NULL;
	char *text;
	cp_err r;
	int rc;

	text = json_dumps(stored, JSON_FLAGS);
	if (text == NULL)
		return cp_store_fail(
		    st, CP_E_NOMEM, "cannot serialise the parameters");
	r = cp_store_prepare(st,
	    "INSERT INTO policy_settings (portal_id, policy, enabled, "
	    "notify, remediate, params, updated) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT (portal_id, policy) DO UPDATE SET "
	    "enabled = excluded.enabled, notify = excluded.notify, "
	    "remediate = excluded.remediate, params = excluded.params, "
	    "updated = excluded.updated",
	    &s, "saving policy settings");
	if (r != CP_OK)
		goto out;
	rc = sqlite3_bind_int64(s, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, policy);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 3, cur->enabled);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 4, cur->notify);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 5, cur->remediate);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 6, text, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(s, 7, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		r = cp_store_fail(st, CP_E_NOTFOUND, "no portal with id %lld",
		    (long long)portal_id);
	else if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "saving policy settings");
out:
	sqlite3_finalize(s);
	free(text);
	return r;
}

/* Merges change into stored: a null value drops the key. */
static cp_err
merge_params(cp_store *st, json_t *stored, const json_t *change)
{
	const char *key;
	json_t *v;

	/* json_object_foreach wants a non-const object; it only reads. */
	json_object_foreach((json_t *)change, key, v)
	{
		if (json_is_null(v)) {
			(void)json_object_del(stored, key);
			continue;
		}
		if (json_object_set(stored, key, v) != 0)
			return cp_store_fail(st, CP_E_NOMEM, "out of memory");
	}
	return CP_OK;
}

cp_err
cp_lc_setting_set(cp_store *st, int64_t portal_id, const char *policy,
    const struct cp_lc_defaults *def, const struct cp_lc_setting_change *ch,
    time_t now)
{
	struct cp_lc_setting cur;
	json_t *stored = NULL;
	cp_err r;

	memset(&cur, 0, sizeof(cur));
	r = check_policy(st, policy);
	if (r != CP_OK)
		return r;
	if (ch == NULL || !switch_ok(ch->enabled) || !switch_ok(ch->notify) ||
	    !switch_ok(ch->remediate))
		return cp_store_fail(st, CP_E_INVALID,
		    "policy %s: a setting is on (1), off (0) or kept (-1)",
		    policy);
	if (ch->params != NULL && !json_is_object(ch->params))
		return cp_store_fail(st, CP_E_INVALID,
		    "policy %s: parameters must be a JSON object", policy);
	r = cp_store_begin(st);
	if (r != CP_OK)
		return r;
	r = effective(st, portal_id, policy, def, &cur, &stored);
	if (r != CP_OK)
		goto out;
	if (ch->enabled != -1)
		cur.enabled = ch->enabled;
	if (ch->notify != -1)
		cur.notify = ch->notify;
	if (ch->remediate != -1)
		cur.remediate = ch->remediate;
	if (ch->params != NULL)
		r = merge_params(st, stored, ch->params);
	if (r == CP_OK)
		r = write_row(st, portal_id, policy, &cur, stored, now);
out:
	r = cp_store_end(st, r);
	json_decref(stored);
	cp_lc_setting_clear(&cur);
	return r;
}

cp_err
cp_lc_setting_reset(cp_store *st, int64_t portal_id, const char *policy)
{
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

	r = check_policy(st, policy);
	if (r != CP_OK)
		return r;
	r = cp_store_prepare(st,
	    "DELETE FROM policy_settings WHERE portal_id = ?1 AND policy = ?2",
	    &s, "resetting policy settings");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, policy);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "resetting policy settings");
	else if (sqlite3_changes(cp_store_db(st)) == 0)
		r = cp_store_fail(st, CP_E_NOTFOUND,
		    "policy %s has no settings of its own in this portal",
		    policy);
	sqlite3_finalize(s);
	return r;
}
