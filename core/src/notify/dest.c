/*
 * dest.c - notification destinations and their unit bindings.
 *
 * The public settings are kept as compact JSON, the secret ones as one
 * sealed JSON object, as environments keep theirs: nothing of a webhook
 * URL is readable in the database file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/url.h"
#include "notify/dest.h"
#include "store/store_priv.h"

#define JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)
#define DEST_COLUMNS                                                         \
	"d.id, d.portal_id, d.name, d.type, d.params, d.secrets IS NOT NULL, " \
	"d.created, (SELECT count(*) FROM destination_units du "            \
	"WHERE du.destination_id = d.id)"

void
cp_dest_clear(struct cp_dest *d)
{
	if (d == NULL)
		return;
	json_decref(d->params);
	memset(d, 0, sizeof(*d));
}

static int
type_ok(const char *type)
{
	return type != NULL && (strcmp(type, "mail") == 0 ||
	    strcmp(type, "teams") == 0 || strcmp(type, "slack") == 0);
}

/* Whether a is an address we are willing to hand to a mail server. */
static int
address_ok(const char *a)
{
	const char *at;
	size_t len = strlen(a);
	const unsigned char *p;

	if (len < 3 || len > CP_DEST_ADDR_MAX)
		return 0;
	for (p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || strchr(",;<>\"'()[]\\", *p))
			return 0;
	at = strchr(a, '@');
	return at != NULL && at != a && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL;
}

/* https://..., or http:// to this machine (local sinks, the demo). */
static int
url_ok(const char *u)
{
	struct cp_http_target t;
	const unsigned char *p;
	size_t len = strlen(u);
	char why[256];

	if (len <= 8 || len > CP_DEST_URL_MAX)
		return 0;
	if (strncmp(u, "https://", 8) != 0 && (strncmp(u, "http://", 7) != 0 ||
	    cp_http_target_parse(u, &t, why, sizeof(why)) != CP_OK))
		return 0;
	for (p = (const unsigned char *)u; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Puts a sentence in why; returns CP_E_INVALID. */
static cp_err CP_FMT(3, 4)
refuse(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
	return CP_E_INVALID;
}

/* Whether o (an object or NULL) has a member other than allowed. */
static const char *
stray_key(const json_t *o, const char *allowed)
{
	const char *key;
	json_t *v;

	if (o == NULL)
		return NULL;
	/* json_object_foreach wants a non-const object; it only reads. */
	json_object_foreach((json_t *)o, key, v)
		if (allowed == NULL || strcmp(key, allowed) != 0)
			return key;
	return NULL;
}

cp_err
cp_dest_check(const char *name, const char *type, const json_t *params,
    const json_t *secrets, char *why, size_t why_size)
{
	const json_t *to, *url, *v;
	const char *stray;
	size_t i;

	if (name == NULL || !cp_store_name_ok(name, CP_DEST_NAME_MAX) ||
	    name[0] == '\0')
		return refuse(why, why_size, "a destination name is 1 to "
		    "63 of a-z, 0-9 and '-'");
	if (!type_ok(type))
		return refuse(why, why_size, "destination %s: the type is "
		    "mail, teams or slack", name);
	if ((params != NULL && !json_is_object(params)) ||
	    (secrets != NULL && !json_is_object(secrets)))
		return refuse(why, why_size, "destination %s: settings "
		    "must be JSON objects", name);
	if (strcmp(type, "slack") == 0) {
		stray = stray_key(params, NULL);
		if (stray == NULL)
			stray = stray_key(secrets, "webhook_url");
		if (stray != NULL)
			return refuse(why, why_size, "destination %s: a "
			    "slack destination takes no '%s'", name, stray);
		url = json_object_get(secrets, "webhook_url");
		if (!json_is_string(url))
			return refuse(why, why_size, "destination %s: a "
			    "slack destination needs its webhook URL", name);
		if (!url_ok(json_string_value(url)))
			return refuse(why, why_size, "destination %s: the "
			    "webhook URL must start with https:// (http:// only "
			    "to this machine) and hold no space (at most %u "
			    "bytes)", name,
			    CP_DEST_URL_MAX);
		return CP_OK;
	}
	stray = stray_key(params, "to");
	if (stray == NULL)
		stray = stray_key(secrets, NULL);
	if (stray != NULL)
		return refuse(why, why_size, "destination %s: a %s "
		    "destination takes no '%s'", name, type, stray);
	to = json_object_get(params, "to");
	if (!json_is_array(to) || json_array_size(to) == 0 ||
	    json_array_size(to) > CP_DEST_TO_MAX)
		return refuse(why, why_size, "destination %s: a %s "
		    "destination needs 1 to %u addresses", name, type,
		    CP_DEST_TO_MAX);
	json_array_foreach(to, i, v) {
		size_t j;

		if (!json_is_string(v) || !address_ok(json_string_value(v)))
			return refuse(why, why_size, "destination %s: "
			    "'%.300s' is not an e-mail address", name,
			    json_is_string(v) ? json_string_value(v) : "?");
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(to, j)),
			    json_string_value(v)) == 0)
				return refuse(why, why_size,
				    "destination %s: %.300s is given twice",
				    name, json_string_value(v));
	}
	return CP_OK;
}

/* Dumps secrets and seals them; the dump is wiped. */
static cp_err
seal_json(cp_store *st, const json_t *secrets, unsigned char **blob,
    size_t *len)
{
	char *text;
	cp_err r;

	*blob = NULL;
	*len = 0;
	if (secrets == NULL || json_object_size(secrets) == 0)
		return CP_OK;
	text = json_dumps(secrets, JSON_FLAGS);
	if (text == NULL)
		return cp_store_fail(st, CP_E_NOMEM,
		    "cannot serialise the destination's secrets");
	r = cp_store_seal(st, text, strlen(text), blob, len);
	cp_memwipe(text, strlen(text));
	free(text);
	return r;
}

cp_err
cp_dest_add(cp_store *st, int64_t portal_id, const char *name,
    const char *type, const json_t *params, const json_t *secrets, time_t now,
    int64_t *id)
{
	sqlite3_stmt *s = NULL;
	unsigned char *blob = NULL;
	size_t blob_len = 0;
	char why[512], *ptext = NULL;
	cp_err r;
	int rc;

	if (cp_dest_check(name, type, params, secrets, why, sizeof(why)) !=
	    CP_OK)
		return cp_store_fail(st, CP_E_INVALID, "%s", why);
	ptext = params != NULL ? json_dumps(params, JSON_FLAGS) : strdup("{}");
	if (ptext == NULL)
		return cp_store_fail(st, CP_E_NOMEM,
		    "cannot serialise the destination's settings");
	r = seal_json(st, secrets, &blob, &blob_len);
	if (r == CP_OK)
		r = cp_store_prepare(st,
		    "INSERT INTO destinations (portal_id, name, type, params, "
		    "secrets, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		    &s, "adding a destination");
	if (r != CP_OK)
		goto out;
	rc = sqlite3_bind_int64(s, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, name);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 3, type);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 4, ptext);
	if (rc == SQLITE_OK)
		rc = blob != NULL ? sqlite3_bind_blob(s, 5, blob, (int)blob_len,
		    SQLITE_STATIC) : sqlite3_bind_null(s, 5);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 6, (sqlite3_int64)now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		r = cp_store_fail(st, CP_E_EXISTS, "destination %s exists "
		    "already in this portal", name);
	else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		r = cp_store_fail(st, CP_E_NOTFOUND, "no portal with id %lld",
		    (long long)portal_id);
	else if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "adding a destination");
	else if (id != NULL)
		*id = sqlite3_last_insert_rowid(cp_store_db(st));
out:
	sqlite3_finalize(s);
	free(blob);
	free(ptext);
	return r;
}

static cp_err
row_to_dest(cp_store *st, sqlite3_stmt *s, struct cp_dest *d)
{
	const unsigned char *p;

	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(s, 0);
	d->portal_id = sqlite3_column_int64(s, 1);
	cp_store_column_text(s, 2, d->name, sizeof(d->name));
	cp_store_column_text(s, 3, d->type, sizeof(d->type));
	p = sqlite3_column_text(s, 4);
	d->params = json_loads(p != NULL ? (const char *)p : "{}",
	    JSON_REJECT_DUPLICATES, NULL);
	d->has_secret = sqlite3_column_int(s, 5);
	d->created = (time_t)sqlite3_column_int64(s, 6);
	d->units = (size_t)sqlite3_column_int64(s, 7);
	if (d->params == NULL || !json_is_object(d->params)) {
		cp_dest_clear(d);
		return cp_store_fail(st, CP_E_PARSE, "destination %lld: the "
		    "stored settings are not a JSON object",
		    (long long)sqlite3_column_int64(s, 0));
	}
	return CP_OK;
}

/* Runs a get whose statement is bound; one row into out. */
static cp_err
get_one(cp_store *st, sqlite3_stmt *s, int rc, struct cp_dest *out,
    const char *what)
{
	memset(out, 0, sizeof(*out));
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		return row_to_dest(st, s, out);
	if (rc == SQLITE_DONE)
		return cp_store_fail(st, CP_E_NOTFOUND, "no such destination: "
		    "%s", what);
	return cp_store_sqlfail(st, rc, "reading a destination");
}

cp_err
cp_dest_get(cp_store *st, int64_t portal_id, const char *name,
    struct cp_dest *out)
{
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!cp_store_name_ok(name, CP_DEST_NAME_MAX) || name[0] == '\0')
		return cp_store_fail(st, CP_E_NOTFOUND, "no destination "
		    "'%.80s'", name);
	r = cp_store_prepare(st, "SELECT " DEST_COLUMNS " FROM destinations d "
	    "WHERE d.portal_id = ?1 AND d.name = ?2", &s,
	    "reading a destination");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, name);
	r = get_one(st, s, rc, out, name);
	sqlite3_finalize(s);
	return r;
}

cp_err
cp_dest_get_id(cp_store *st, int64_t id, struct cp_dest *out)
{
	sqlite3_stmt *s = NULL;
	char what[32];
	cp_err r;

	memset(out, 0, sizeof(*out));
	r = cp_store_prepare(st, "SELECT " DEST_COLUMNS " FROM destinations d "
	    "WHERE d.id = ?1", &s, "reading a destination");
	if (r != CP_OK)
		return r;
	snprintf(what, sizeof(what), "id %lld", (long long)id);
	r = get_one(st, s, sqlite3_bind_int64(s, 1, id), out, what);
	sqlite3_finalize(s);
	return r;
}

cp_err
cp_dest_list(cp_store *st, int64_t portal_id, cp_dest_fn fn, void *ud)
{
	sqlite3_stmt *s = NULL;
	struct cp_dest d;
	cp_err r;
	int rc;

	r = cp_store_prepare(st, "SELECT " DEST_COLUMNS " FROM destinations d "
	    "WHERE d.portal_id = ?1 ORDER BY d.name", &s,
	    "listing destinations");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, portal_id);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		r = row_to_dest(st, s, &d);
		if (r == CP_OK) {
			r = fn(ud, &d);
			cp_dest_clear(&d);
		}
		if (r != CP_OK)
			goto out;
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "listing destinations");
out:
	sqlite3_finalize(s);
	return r;
}

cp_err
cp_dest_remove(cp_store *st, int64_t portal_id, const char *name)
{
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st, "DELETE FROM destinations WHERE portal_id = "
	    "?1 AND name = ?2", &s, "removing a destination");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, name);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "removing a destination");
	else if (sqlite3_changes(cp_store_db(st)) == 0)
		r = cp_store_fail(st, CP_E_NOTFOUND, "no destination '%.80s'",
		    name);
	sqlite3_finalize(s);
	return r;
}

cp_err
cp_dest_bind(cp_store *st, int64_t dest_id, int64_t unit_id)
{
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

	/* The unit must be of the destination's portal: a notice of one
	 * tenant never reaches another's destination. */
	r = cp_store_prepare(st,
	    "SELECT (SELECT portal_id FROM destinations WHERE id = ?1), "
	    "(SELECT e.portal_id FROM units u JOIN environments e "
	    "ON e.id = u.env_id WHERE u.id = ?2)", &s, "binding a unit");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, dest_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, unit_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW)
		r = cp_store_sqlfail(st, rc, "binding a unit");
	else if (sqlite3_column_type(s, 0) == SQLITE_NULL)
		r = cp_store_fail(st, CP_E_NOTFOUND, "no destination with id "
		    "%lld", (long long)dest_id);
	else if (sqlite3_column_type(s, 1) == SQLITE_NULL)
		r = cp_store_fail(st, CP_E_NOTFOUND, "no unit with id %lld",
		    (long long)unit_id);
	else if (sqlite3_column_int64(s, 0) != sqlite3_column_int64(s, 1))
		r = cp_store_fail(st, CP_E_INVALID, "the unit belongs to "
		    "another portal than the destination");
	sqlite3_finalize(s);
	s = NULL;
	if (r != CP_OK)
		return r;
	r = cp_store_prepare(st, "INSERT INTO destination_units "
	    "(destination_id, unit_id) VALUES (?1, ?2)", &s,
	    "binding a unit");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, dest_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, unit_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
	    rc == SQLITE_CONSTRAINT_UNIQUE)
		r = cp_store_fail(st, CP_E_EXISTS, "the unit is bound to the "
		    "destination already");
	else if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "binding a unit");
	sqlite3_finalize(s);
	return r;
}

cp_err
cp_dest_unbind(cp_store *st, int64_t dest_id, int64_t unit_id)
{
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st, "DELETE FROM destination_units WHERE "
	    "destination_id = ?1 AND unit_id = ?2", &s, "unbinding a unit");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, dest_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, unit_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "unbinding a unit");
	else if (sqlite3_changes(cp_store_db(st)) == 0)
		r = cp_store_fail(st, CP_E_NOTFOUND, "the unit is not bound to "
		    "the destination");
	sqlite3_finalize(s);
	return r;
}

cp_err
cp_dest_units(cp_store *st, int64_t dest_id, cp_dest_unit_fn fn, void *ud)
{
	sqlite3_stmt *s = NULL;
	struct cp_dest_unit u;
	cp_err r;
	int rc;

	r = cp_store_prepare(st,
	    "SELECT u.id, e.name, e.cloud, u.unit, u.name "
	    "FROM destination_units du JOIN units u ON u.id = du.unit_id "
	    "JOIN environments e ON e.id = u.env_id "
	    "WHERE du.destination_id = ?1 ORDER BY e.name, u.unit", &s,
	    "listing a destination's units");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, dest_id);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		u.unit_id = sqlite3_column_int64(s, 0);
		u.env = (const char *)sqlite3_column_text(s, 1);
		u.cloud = (const char *)sqlite3_column_text(s, 2);
		u.unit = (const char *)sqlite3_column_text(s, 3);
		u.name = (const char *)sqlite3_column_text(s, 4);
		if (u.env == NULL || u.cloud == NULL || u.unit == NULL ||
		    u.name == NULL) {
			r = cp_store_fail(st, CP_E_NOMEM, "out of memory");
			goto out;
		}
		r = fn(ud, &u);
		if (r != CP_OK)
			goto out;
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "listing a destination's units");
out:
	sqlite3_finalize(s);
	return r;
}

cp_err
cp_dest_counts(cp_store *st, int64_t dest_id, struct cp_dest_counts *out)
{
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

	memset(out, 0, sizeof(*out));
	r = cp_store_prepare(st,
	    "SELECT coalesce(sum(state = 'sent'), 0), "
	    "coalesce(sum(state IN ('pending', 'claimed')), 0), "
	    "coalesce(sum(state = 'failed'), 0) FROM deliveries "
	    "WHERE destination_id = ?1", &s, "counting deliveries");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, dest_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->sent = (size_t)sqlite3_column_int64(s, 0);
		out->waiting = (size_t)sqlite3_column_int64(s, 1);
		out->failed = (size_t)sqlite3_column_int64(s, 2);
	} else
		r = cp_store_sqlfail(st, rc, "counting deliveries");
	sqlite3_finalize(s);
	return r;
}

/* Unseals a blob into a JSON object; the plain text is wiped. */
static cp_err
unseal_json(cp_store *st, const void *blob, size_t len, json_t **out)
{
	char *text = NULL;
	size_t n = 0;
	cp_err r;

	*out = NULL;
	r = cp_store_unseal(st, blob, len, &text, &n);
	if (r != CP_OK)
		return r;
	*out = json_loadb(text, n, JSON_REJECT_DUPLICATES, NULL);
	cp_memwipe(text, n);
	free(text);
	if (*out == NULL || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return cp_store_fail(st, CP_E_PARSE, "the destination's sealed "
		    "secrets are not a JSON object");
	}
	return CP_OK;
}

cp_err
cp_dest_plugin_json(cp_store *st, int64_t dest_id, json_t **out)
{
	sqlite3_stmt *s = NULL;
	json_t *o = NULL, *secrets = NULL;
	const unsigned char *p;
	cp_err r;
	int rc;

	*out = NULL;
	r = cp_store_prepare(st, "SELECT name, type, params, secrets FROM "
	    "destinations WHERE id = ?1", &s, "reading a destination");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, dest_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		r = cp_store_fail(st, CP_E_NOTFOUND, "no destination with id "
		    "%lld", (long long)dest_id);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = cp_store_sqlfail(st, rc, "reading a destination");
		goto out;
	}
	p = sqlite3_column_text(s, 2);
	o = json_loads(p != NULL ? (const char *)p : "{}",
	    JSON_REJECT_DUPLICATES, NULL);
	if (o == NULL || !json_is_object(o)) {
		r = cp_store_fail(st, CP_E_PARSE, "destination %lld: the "
		    "stored settings are not a JSON object",
		    (long long)dest_id);
		goto out;
	}
	if (sqlite3_column_type(s, 3) != SQLITE_NULL) {
		r = unseal_json(st, sqlite3_column_blob(s, 3),
		    (size_t)sqlite3_column_bytes(s, 3), &secrets);
		if (r != CP_OK)
			goto out;
		if (json_object_update(o, secrets) != 0) {
			r = cp_store_fail(st, CP_E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (json_object_set_new(o, "name", json_string((const char *)
	    sqlite3_column_text(s, 0))) != 0 ||
	    json_object_set_new(o, "type", json_string((const char *)
	    sqlite3_column_text(s, 1))) != 0) {
		r = cp_store_fail(st, CP_E_NOMEM, "out of memory");
		goto out;
	}
	*out = o;
	o = NULL;
out:
	sqlite3_finalize(s);
	json_decref(o);
	json_decref(secrets);
	return r;
}
