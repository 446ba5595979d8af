/*
 * env.c - environments (one registered credential of one cloud) and their
 * units (R-REG-1..6, R-INS-1).
 *
 * An environment's public parameters are kept as compact JSON with sorted
 * keys; its secrets as one sealed JSON object, so that nothing of them is
 * readable in the database file.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_priv.h"

#define ENV_COLUMNS "id, portal_id, name, cloud, account, remediation, created"
#define UNIT_COLUMNS "id, env_id, unit, name, remediation, inspect"
#define JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

static cp_err
bad_name(cp_store *st)
{
	return cp_store_fail(st, CP_E_INVALID,
	    "an environment name is 1 to 63 of a-z, 0-9 and '-'");
}

/* Checks params and secrets: objects (or NULL) sharing no key. */
static cp_err
check_objects(
    cp_store *st, const char *name, const json_t *params, const json_t *secrets)
{
	const char *key;
	json_t *v;

	if (params != NULL && !json_is_object(params))
		return cp_store_fail(st, CP_E_INVALID,
		    "environment %s: parameters must be a JSON object", name);
	if (secrets != NULL && !json_is_object(secrets))
		return cp_store_fail(st, CP_E_INVALID,
		    "environment %s: secrets must be a JSON object", name);
	if (params == NULL || secrets == NULL)
		return CP_OK;
	/* json_object_foreach wants a non-const object; it only reads. */
	json_object_foreach((json_t *)params, key, v)
	{
		if (json_object_get(secrets, key) != NULL)
			return cp_store_fail(st, CP_E_INVALID,
			    "environment %s: %s is both a parameter and a "
			    "secret",
			    name, key);
	}
	return CP_OK;
}

/* Dumps secrets and seals them; the dump is wiped. */
static cp_err
seal_json(
    cp_store *st, const json_t *secrets, unsigned char **blob, size_t *len)
{
	char *text;
	cp_err r;

	*blob = NULL;
	*len = 0;
	if (secrets == NULL)
		return CP_OK;
	text = json_dumps(secrets, JSON_FLAGS);
	if (text == NULL)
		return cp_store_fail(
		    st, CP_E_NOMEM, "cannot serialise the secrets");
	r = cp_store_seal(st, text, strlen(text), blob, len);
	cp_memwipe(text, strlen(text));
	free(text);
	return r;
}

cp_err
cp_env_add(cp_store *st, int64_t portal_id, const char *name, const char *cloud,
    const char *account, int remediation, const json_t *params,
    const json_t *secrets, int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	unsigned char *blob = NULL;
	char *ptext = NULL;
	size_t blob_len = 0;
	char now[32];
	cp_err r;
	int rc;

	if (!cp_store_name_ok(name, 63))
		return bad_name(st);
	if (!cp_store_name_ok(cloud, 15))
		return cp_store_fail(st, CP_E_INVALID,
		    "environment %s: a cloud name is 1 to 15 of a-z, 0-9 "
		    "and '-'",
		    name);
	if (account == NULL)
		account = "";
	if (!cp_store_text_ok(account, 0, 127))
		return cp_store_fail(st, CP_E_INVALID,
		    "environment %s: the account is at most 127 "
		    "printable bytes",
		    name);
	r = check_objects(st, name, params, secrets);
	if (r != CP_OK)
		return r;
	ptext = params != NULL ? json_dumps(params, JSON_FLAGS) : strdup("{}");
	if (ptext == NULL)
		return cp_store_fail(
		    st, CP_E_NOMEM, "cannot serialise the parameters");
	r = seal_json(st, secrets, &blob, &blob_len);
	if (r != CP_OK)
		goto out;
	r = cp_store_prepare(st,
	    "INSERT INTO environments (portal_id, name, "
	    "cloud, account, remediation, params, secrets, created) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	    &stmt, "adding an environment");
	if (r != CP_OK)
		goto out;
	cp_store_now(now, sizeof(now));
	rc = sqlite3_bind_int64(stmt, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 2, name);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 3, cloud);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 4, account);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 5, remediation != 0);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 6, ptext);
	if (rc == SQLITE_OK)
		rc = blob != NULL ? sqlite3_bind_blob(stmt, 7, blob,
					(int)blob_len, SQLITE_STATIC)
				  : sqlite3_bind_null(stmt, 7);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 8, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		r = cp_store_fail(st, CP_E_EXISTS,
		    "environment %s exists already in this portal", name);
	else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		r = cp_store_fail(st, CP_E_NOTFOUND, "no portal with id %lld",
		    (long long)portal_id);
	else if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "adding an environment");
	else if (id != NULL)
		*id = sqlite3_last_insert_rowid(st->db);
out:
	sqlite3_finalize(stmt);
	free(blob);
	free(ptext);
	return r;
}

static void
row_to_env(sqlite3_stmt *stmt, struct cp_env *e)
{
	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(stmt, 0);
	e->portal_id = sqlite3_column_int64(stmt, 1);
	cp_store_column_text(stmt, 2, e->name, sizeof(e->name));
	cp_store_column_text(stmt, 3, e->cloud, sizeof(e->cloud));
	cp_store_column_text(stmt, 4, e->account, sizeof(e->account));
	e->remediation = sqlite3_column_int(stmt, 5);
	cp_store_column_text(stmt, 6, e->created, sizeof(e->created));
}

cp_err
cp_env_get(
    cp_store *st, int64_t portal_id, const char *name, struct cp_env *out)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	if (!cp_store_name_ok(name, 63))
		return bad_name(st);
	r = cp_store_prepare(st,
	    "SELECT " ENV_COLUMNS " FROM environments "
	    "WHERE portal_id = ?1 AND name = ?2",
	    &stmt, "reading an environment");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 2, name);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		row_to_env(stmt, out);
	else if (rc == SQLITE_DONE)
		r = cp_store_fail(st, CP_E_NOTFOUND,
		    "no environment %s in this portal", name);
	else
		r = cp_store_sqlfail(st, rc, "reading an environment");
	sqlite3_finalize(stmt);
	return r;
}

/* Unseals a blob of secrets into a JSON object (a new reference). */
static cp_err
unseal_json(cp_store *st, const unsigned char *blob, size_t len, json_t **out)
{
	json_error_t jerr;
	char *text = NULL;
	size_t n = 0;
	cp_err r;

	*out = NULL;
	r = cp_store_unseal(st, blob, len, &text, &n);
	if (r != CP_OK)
		return r;
	*out = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
	cp_memwipe(text, n);
	free(text);
	cp_memwipe(&jerr, sizeof(jerr));
	/* jansson's message may quote the text: it is not repeated. */
	if (*out == NULL || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return cp_store_fail(
		    st, CP_E_PARSE, "the sealed secrets are not a JSON object");
	}
	return CP_OK;
}

cp_err
cp_env_credentials(cp_store *st, int64_t env_id, json_t **out)
{
	sqlite3_stmt *stmt = NULL;
	json_t *params = NULL, *secrets = NULL;
	const void *blob;
	const unsigned char *ptext;
	cp_err r;
	int rc;

	*out = NULL;
	r = cp_store_prepare(st,
	    "SELECT params, secrets FROM environments WHERE id = ?1", &stmt,
	    "reading credentials");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, env_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		r = cp_store_fail(st, CP_E_NOTFOUND,
		    "no environment with id %lld", (long long)env_id);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = cp_store_sqlfail(st, rc, "reading credentials");
		goto out;
	}
	ptext = sqlite3_column_text(stmt, 0);
	params = json_loads(ptext != NULL ? (const char *)ptext : "{}",
	    JSON_REJECT_DUPLICATES, NULL);
	if (params == NULL || !json_is_object(params)) {
		r = cp_store_fail(st, CP_E_PARSE,
		    "environment %lld: the stored parameters are not a "
		    "JSON object",
		    (long long)env_id);
		goto out;
	}
	if (sqlite3_column_type(stmt, 1) != SQLITE_NULL) {
		blob = sqlite3_column_blob(stmt, 1);
		r = unseal_json(
		    st, blob, (size_t)sqlite3_column_bytes(stmt, 1), &secrets);
		if (r != CP_OK)
			goto out;
		if (json_object_update(params, secrets) != 0) {
			r = cp_store_fail(st, CP_E_NOMEM, "out of memory");
			goto out;
		}
	}
	*out = params;
	params = NULL;
out:
	sqlite3_finalize(stmt);
	json_decref(params);
	json_decref(secrets);
	return r;
}

cp_err
cp_env_list(cp_store *st, int64_t portal_id, cp_env_fn fn, void *ud)
{
	struct cp_env e;
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st,
	    "SELECT " ENV_COLUMNS " FROM environments "
	    "WHERE portal_id = ?1 ORDER BY name",
	    &stmt, "listing environments");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, portal_id);
	if (rc != SQLITE_OK)
		goto out_sql;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		row_to_env(stmt, &e);
		r = fn(ud, &e);
		if (r != CP_OK)
			goto out;
	}
	if (rc == SQLITE_DONE)
		goto out;
out_sql:
	r = cp_store_sqlfail(st, rc, "listing environments");
out:
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_env_remove(cp_store *st, int64_t portal_id, const char *name)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	if (!cp_store_name_ok(name, 63))
		return bad_name(st);
	/* One statement: the cascade to units (R-REG-6) is atomic with it. */
	r = cp_store_prepare(st,
	    "DELETE FROM environments WHERE portal_id = ?1 AND name = ?2",
	    &stmt, "removing an environment");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 2, name);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "removing an environment");
	else if (sqlite3_changes(st->db) == 0)
		r = cp_store_fail(st, CP_E_NOTFOUND,
		    "no environment %s in this portal", name);
	sqlite3_finalize(stmt);
	return r;
}

static cp_err
check_unit(cp_store *st, const char *unit)
{
	if (!cp_store_text_ok(unit, 1, 127))
		return cp_store_fail(
		    st, CP_E_INVALID, "a unit id is 1 to 127 printable bytes");
	return CP_OK;
}

cp_err
cp_unit_put(cp_store *st, int64_t env_id, const char *unit, const char *name,
    int remediation, int inspect)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	r = check_unit(st, unit);
	if (r != CP_OK)
		return r;
	if (name == NULL)
		name = "";
	if (!cp_store_text_ok(name, 0, 127))
		return cp_store_fail(st, CP_E_INVALID,
		    "unit %s: a name is at most 127 printable bytes", unit);
	r = cp_store_prepare(st,
	    "INSERT INTO units (env_id, unit, name, "
	    "remediation, inspect) VALUES (?1, ?2, ?3, ?4, ?5) "
	    "ON CONFLICT (env_id, unit) DO UPDATE SET name = excluded.name, "
	    "remediation = excluded.remediation",
	    &stmt, "saving a unit");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, env_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 2, unit);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 3, name);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 4, remediation != 0);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 5, inspect != 0);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		r = cp_store_fail(st, CP_E_NOTFOUND,
		    "no environment with id %lld", (long long)env_id);
	else if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "saving a unit");
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_unit_list(cp_store *st, int64_t env_id, cp_unit_fn fn, void *ud)
{
	struct cp_unit u;
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st,
	    "SELECT " UNIT_COLUMNS " FROM units "
	    "WHERE env_id = ?1 ORDER BY unit",
	    &stmt, "listing units");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, env_id);
	if (rc != SQLITE_OK)
		goto out_sql;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&u, 0, sizeof(u));
		u.id = sqlite3_column_int64(stmt, 0);
		u.env_id = sqlite3_column_int64(stmt, 1);
		cp_store_column_text(stmt, 2, u.unit, sizeof(u.unit));
		cp_store_column_text(stmt, 3, u.name, sizeof(u.name));
		u.remediation = sqlite3_column_int(stmt, 4);
		u.inspect = sqlite3_column_int(stmt, 5);
		r = fn(ud, &u);
		if (r != CP_OK)
			goto out;
	}
	if (rc == SQLITE_DONE)
		goto out;
out_sql:
	r = cp_store_sqlfail(st, rc, "listing units");
out:
	sqlite3_finalize(stmt);
	return r;
}

/* Runs a one-row UPDATE or DELETE on (env_id, unit); no row: NOTFOUND. */
static cp_err
unit_change(cp_store *st, const char *sql, int64_t env_id, const char *unit,
    int on, const char *what)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	r = check_unit(st, unit);
	if (r != CP_OK)
		return r;
	r = cp_store_prepare(st, sql, &stmt, what);
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, env_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 2, unit);
	if (rc == SQLITE_OK && sqlite3_bind_parameter_count(stmt) >= 3)
		rc = sqlite3_bind_int(stmt, 3, on != 0);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, what);
	else if (sqlite3_changes(st->db) == 0)
		r = cp_store_fail(st, CP_E_NOTFOUND,
		    "no unit %s in environment %lld", unit, (long long)env_id);
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_unit_set_inspect(cp_store *st, int64_t env_id, const char *unit, int on)
{
	return unit_change(st,
	    "UPDATE units SET inspect = ?3 WHERE env_id = ?1 AND unit = ?2",
	    env_id, unit, on, "switching inspection");
}

cp_err
cp_unit_remove(cp_store *st, int64_t env_id, const char *unit)
{
	return unit_change(st,
	    "DELETE FROM units WHERE env_id = ?1 AND unit = ?2", env_id, unit,
	    0, "removing a unit");
}

cp_err
cp_unit_get(cp_store *st, int64_t env_id, const char *unit,
    struct cp_unit *out)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	r = check_unit(st, unit);
	if (r != CP_OK)
		return r;
	r = cp_store_prepare(st,
	    "SELECT id, env_id, unit, name, remediation, inspect FROM units "
	    "WHERE env_id = ?1 AND unit = ?2", &stmt, "reading a unit");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(stmt, 1, env_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(stmt, 2, unit);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->id = sqlite3_column_int64(stmt, 0);
		out->env_id = sqlite3_column_int64(stmt, 1);
		cp_strlcpy(out->unit, (const char *)sqlite3_column_text(stmt, 2),
		    sizeof(out->unit));
		cp_strlcpy(out->name, (const char *)sqlite3_column_text(stmt, 3),
		    sizeof(out->name));
		out->remediation = sqlite3_column_int(stmt, 4);
		out->inspect = sqlite3_column_int(stmt, 5);
	} else if (rc == SQLITE_DONE) {
		r = cp_store_fail(st, CP_E_NOTFOUND, "no unit '%s'", unit);
	} else {
		r = cp_store_sqlfail(st, rc, "reading a unit");
	}
	sqlite3_finalize(stmt);
	return r;
}
