/*
 * test_dest.c - destinations: checks, storage with the webhook URL sealed,
 * unit bindings within one portal, and what plugins are handed.
 */
#include "notifytest.h"

#define URL "https://hooks.example.com/services/T0/B0/very-secret"

static cp_err
check(const char *name, const char *type, const char *params,
    const char *secrets, char *why, size_t n)
{
	json_t *p = params != NULL ? json_loads(params, 0, NULL) : NULL;
	json_t *s = secrets != NULL ? json_loads(secrets, 0, NULL) : NULL;
	cp_err r;

	r = cp_dest_check(name, type, p, s, why, n);
	json_decref(p);
	json_decref(s);
	return r;
}

static void
test_dest_check_refuses_what_does_not_fit(void)
{
	char why[512];

	CU_ASSERT_EQUAL(check("ops", "mail", "{\"to\": [\"a@example.com\", "
	    "\"b@example.com\"]}", NULL, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(check("ops", "teams", "{\"to\": [\"chan@teams.ms\"]}",
	    NULL, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(check("hook", "slack", "{}", "{\"webhook_url\": \""
	    URL "\"}", why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(check("Ops", "mail", "{\"to\": [\"a@b.c\"]}", NULL,
	    why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT(strstr(why, "name") != NULL);
	CU_ASSERT_EQUAL(check("", "mail", "{\"to\": [\"a@b.c\"]}", NULL, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_EQUAL(check("ops", "fax", "{\"to\": [\"a@b.c\"]}", NULL,
	    why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_EQUAL(check("ops", "mail", "{\"to\": []}", NULL, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_EQUAL(check("ops", "mail", "{}", NULL, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(check("ops", "mail", "{\"to\": [\"not-an-address\"]}",
	    NULL, why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT(strstr(why, "not-an-address") != NULL);
	CU_ASSERT_EQUAL(check("ops", "mail", "{\"to\": [\"a@b@c\"]}", NULL,
	    why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_EQUAL(check("ops", "mail", "{\"to\": [\"a b@c.d\"]}", NULL,
	    why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_EQUAL(check("ops", "mail", "{\"to\": [\"x@y.z, w@v.u\"]}",
	    NULL, why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_EQUAL(check("ops", "mail", "{\"to\": [\"a@b.c\", "
	    "\"a@b.c\"]}", NULL, why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT(strstr(why, "twice") != NULL);
	CU_ASSERT_EQUAL(check("ops", "mail", "{\"to\": [\"a@b.c\"], "
	    "\"cc\": 1}", NULL, why, sizeof(why)), CP_E_INVALID);
	/* A mail destination never takes a secret, slack no address. */
	CU_ASSERT_EQUAL(check("ops", "mail", "{\"to\": [\"a@b.c\"]}",
	    "{\"webhook_url\": \"" URL "\"}", why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(check("hook", "slack", "{\"to\": [\"a@b.c\"]}",
	    "{\"webhook_url\": \"" URL "\"}", why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(check("hook", "slack", "{}", "{}", why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(check("hook", "slack", NULL, "{\"webhook_url\": "
	    "\"http://hooks.example.com/x\"}", why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(check("hook", "slack", NULL, "{\"webhook_url\": "
	    "\"https://hooks.example.com/a b\"}", why, sizeof(why)),
	    CP_E_INVALID);
	/* Plain http only to this machine (a local sink). */
	CU_ASSERT_EQUAL(check("hook", "slack", NULL, "{\"webhook_url\": "
	    "\"http://127.0.0.1:8080/hook/x\"}", why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(check("hook", "slack", NULL, "{\"webhook_url\": "
	    "\"http://[::1]:8080/hook/x\"}", why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(check("hook", "slack", NULL, "{\"webhook_url\": "
	    "\"http://10.0.0.1/hook/x\"}", why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_EQUAL(check("hook", "slack", NULL, "{\"webhook_url\": "
	    "\"ftp://127.0.0.1/hook/x\"}", why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_EQUAL(check("hook", "slack", NULL, "{\"webhook_url\": "
	    "\"https://hooks.example.com/a b\"}", why, sizeof(why)),
	    CP_E_INVALID);
	/* The reason never quotes the URL. */
	CU_ASSERT(strstr(why, "hooks.example.com") == NULL);
}

static void
test_dest_add_get_list_remove(void)
{
	struct nt_fx x;
	struct cp_dest d;
	json_t *p = json_pack("{s:[s, s]}", "to", "a@example.com",
	    "b@example.com");
	int64_t id = 0, id2 = 0;

	nt_fx_open(&x, "en");
	CU_ASSERT_EQUAL(cp_dest_add(x.st, x.portal, "ops", "mail", p, NULL,
	    T0, &id), CP_OK);
	CU_ASSERT(id > 0);
	CU_ASSERT_EQUAL(cp_dest_add(x.st, x.portal, "ops", "teams", p, NULL,
	    T0, &id2), CP_E_EXISTS);
	CU_ASSERT_EQUAL(cp_dest_add(x.st, x.portal + 100, "other", "mail", p,
	    NULL, T0, &id2), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(cp_dest_add(x.st, x.portal, "bad name", "mail", p,
	    NULL, T0, &id2), CP_E_INVALID);
	CU_ASSERT(st_msg_has(x.st, "name"));
	CU_ASSERT_EQUAL(cp_dest_get(x.st, x.portal, "ops", &d), CP_OK);
	CU_ASSERT_EQUAL(d.id, id);
	CU_ASSERT_STRING_EQUAL(d.type, "mail");
	CU_ASSERT(json_equal(d.params, p));
	CU_ASSERT_EQUAL(d.has_secret, 0);
	CU_ASSERT_EQUAL(d.created, T0);
	CU_ASSERT_EQUAL(d.units, 0);
	cp_dest_clear(&d);
	CU_ASSERT_EQUAL(cp_dest_get_id(x.st, id, &d), CP_OK);
	CU_ASSERT_STRING_EQUAL(d.name, "ops");
	cp_dest_clear(&d);
	cp_dest_clear(NULL);
	CU_ASSERT_EQUAL(cp_dest_get(x.st, x.portal, "nope", &d),
	    CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(cp_dest_get_id(x.st, id + 50, &d), CP_E_NOTFOUND);
	nt_dest(&x, "chat", "slack", x.unit);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM destinations"),
	    2);
	CU_ASSERT_EQUAL(cp_dest_remove(x.st, x.portal, "chat"), CP_OK);
	CU_ASSERT_EQUAL(cp_dest_remove(x.st, x.portal, "chat"),
	    CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM "
	    "destination_units"), 0);
	json_decref(p);
	nt_fx_close(&x);
}

static cp_err
count_dest(void *ud, const struct cp_dest *d)
{
	char *names = ud;

	snprintf(names + strlen(names), 200 - strlen(names), "%s,", d->name);
	return CP_OK;
}

static cp_err
stop_at_first(void *ud, const struct cp_dest *d)
{
	(void)ud;
	(void)d;
	return CP_E_CANCELLED;
}

static void
test_dest_list_by_name(void)
{
	struct nt_fx x;
	char names[200] = "";
	int64_t other;

	nt_fx_open(&x, "en");
	nt_dest(&x, "zeta", "mail", x.unit);
	nt_dest(&x, "alpha", "teams", 0);
	nt_dest(&x, "mid", "slack", x.unit2);
	CU_ASSERT_FATAL(cp_portal_add(x.st, "other", "en", &other) == CP_OK);
	CU_ASSERT_EQUAL(cp_dest_list(x.st, x.portal, count_dest, names),
	    CP_OK);
	CU_ASSERT_STRING_EQUAL(names, "alpha,mid,zeta,");
	names[0] = '\0';
	CU_ASSERT_EQUAL(cp_dest_list(x.st, other, count_dest, names), CP_OK);
	CU_ASSERT_STRING_EQUAL(names, "");
	CU_ASSERT_EQUAL(cp_dest_list(x.st, x.portal, stop_at_first, NULL),
	    CP_E_CANCELLED);
	nt_fx_close(&x);
}

/* Whether the bytes of needle appear anywhere in the database files. */
static int
in_db_files(const struct nt_fx *x, const char *needle)
{
	const char *suffix[] = { "", "-wal" };
	char path[800], *buf = NULL;
	size_t i, len = 0;
	int found = 0;

	for (i = 0; i < 2 && !found; i++) {
		snprintf(path, sizeof(path), "%s%s", x->f.db, suffix[i]);
		if (cp_file_read(path, 64u * 1024 * 1024, &buf, &len) != CP_OK)
			continue;
		found = memmem(buf, len, needle, strlen(needle)) != NULL;
		free(buf);
		buf = NULL;
	}
	return found;
}

static void
test_dest_webhook_url_is_sealed(void)
{
	struct nt_fx x;
	struct cp_dest d;
	json_t *j = NULL;
	int64_t id;

	nt_fx_open(&x, "en");
	id = nt_dest(&x, "chat", "slack", x.unit);
	nt_dest(&x, "ops", "mail", x.unit);
	CU_ASSERT_EQUAL(cp_dest_get(x.st, x.portal, "chat", &d), CP_OK);
	CU_ASSERT_EQUAL(d.has_secret, 1);
	CU_ASSERT_EQUAL(json_object_size(d.params), 0);
	cp_dest_clear(&d);
	/* Nothing of the URL is readable in the store's files. */
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM destinations "
	    "WHERE params LIKE '%secret%' OR CAST(secrets AS TEXT) LIKE "
	    "'%secret%'"), 0);
	nt_exec(x.st, "PRAGMA wal_checkpoint(TRUNCATE)");
	CU_ASSERT(!in_db_files(&x, "services/T0/B0/secret"));
	/* The search does find what is stored in the clear. */
	CU_ASSERT(in_db_files(&x, "ops@example.com"));
	/* The plugin is handed the URL, unsealed. */
	CU_ASSERT_EQUAL(cp_dest_plugin_json(x.st, id, &j), CP_OK);
	CU_ASSERT_STRING_EQUAL(nt_js(j, "name"), "chat");
	CU_ASSERT_STRING_EQUAL(nt_js(j, "type"), "slack");
	CU_ASSERT_STRING_EQUAL(nt_js(j, "webhook_url"),
	    "https://hooks.example.com/services/T0/B0/secret");
	json_decref(j);
	CU_ASSERT_EQUAL(cp_dest_plugin_json(x.st, id + 9, &j), CP_E_NOTFOUND);
	CU_ASSERT_PTR_NULL(j);
	/* A blob changed behind the store's back does not unseal. */
	nt_exec(x.st, "UPDATE destinations SET secrets = "
	    "randomblob(length(secrets)) WHERE name = 'chat'");
	CU_ASSERT_EQUAL(cp_dest_plugin_json(x.st, id, &j), CP_E_CRYPTO);
	nt_fx_close(&x);
}

static void
test_dest_plugin_json_of_mail(void)
{
	struct nt_fx x;
	json_t *j = NULL;
	int64_t id;

	nt_fx_open(&x, "en");
	id = nt_dest(&x, "ops", "mail", x.unit);
	CU_ASSERT_EQUAL(cp_dest_plugin_json(x.st, id, &j), CP_OK);
	CU_ASSERT_STRING_EQUAL(nt_js(j, "type"), "mail");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
	    json_object_get(j, "to"), 0)), "ops@example.com");
	CU_ASSERT_PTR_NULL(json_object_get(j, "webhook_url"));
	json_decref(j);
	nt_fx_close(&x);
}

static cp_err
unit_row(void *ud, const struct cp_dest_unit *u)
{
	char *s = ud;

	snprintf(s + strlen(s), 200 - strlen(s), "%s/%s/%s/%s;", u->env,
	    u->cloud, u->unit, u->name);
	return CP_OK;
}

static void
test_dest_bind_within_the_portal(void)
{
	struct nt_fx x;
	struct cp_dest d;
	char units[200] = "";
	int64_t id, other, oenv, ounit;

	nt_fx_open(&x, "en");
	id = nt_dest(&x, "ops", "mail", 0);
	CU_ASSERT_EQUAL(cp_dest_bind(x.st, id, x.unit2), CP_OK);
	CU_ASSERT_EQUAL(cp_dest_bind(x.st, id, x.unit), CP_OK);
	CU_ASSERT_EQUAL(cp_dest_bind(x.st, id, x.unit), CP_E_EXISTS);
	CU_ASSERT_EQUAL(cp_dest_bind(x.st, id + 7, x.unit), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(cp_dest_bind(x.st, id, x.unit + 70), CP_E_NOTFOUND);
	/* A unit of another portal never reaches this destination. */
	CU_ASSERT_FATAL(cp_portal_add(x.st, "other", "en", &other) == CP_OK);
	CU_ASSERT_FATAL(cp_env_add(x.st, other, "dev", "testcloud", "o", 0,
	    NULL, NULL, &oenv) == CP_OK);
	CU_ASSERT_FATAL(cp_unit_put(x.st, oenv, "999", "", 0, 1) == CP_OK);
	ounit = nt_unit_id(x.st, oenv, "999");
	CU_ASSERT_EQUAL(cp_dest_bind(x.st, id, ounit), CP_E_INVALID);
	CU_ASSERT(st_msg_has(x.st, "another portal"));
	CU_ASSERT_EQUAL(cp_dest_units(x.st, id, unit_row, units), CP_OK);
	CU_ASSERT_STRING_EQUAL(units,
	    "prod/testcloud/111/main;prod/testcloud/222/staging;");
	CU_ASSERT_EQUAL(cp_dest_get(x.st, x.portal, "ops", &d), CP_OK);
	CU_ASSERT_EQUAL(d.units, 2);
	cp_dest_clear(&d);
	CU_ASSERT_EQUAL(cp_dest_unbind(x.st, id, x.unit2), CP_OK);
	CU_ASSERT_EQUAL(cp_dest_unbind(x.st, id, x.unit2), CP_E_NOTFOUND);
	/* Removing the unit removes its binding (R-REG-6). */
	CU_ASSERT_EQUAL(cp_unit_remove(x.st, x.env, "111"), CP_OK);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM "
	    "destination_units"), 0);
	/* Removing the portal removes its destinations. */
	CU_ASSERT_EQUAL(cp_portal_remove(x.st, "acme"), CP_OK);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM destinations"),
	    0);
	nt_fx_close(&x);
}

static void
test_dest_counts_of_deliveries(void)
{
	struct nt_fx x;
	struct cp_dest_counts c;
	int64_t id;

	nt_fx_open(&x, "en");
	id = nt_dest(&x, "ops", "mail", x.unit);
	nt_risk(&x, x.unit, "TC-1", "r1", T0);
	nt_risk(&x, x.unit, "TC-1", "r2", T0);
	nt_risk(&x, x.unit, "TC-1", "r3", T0);
	CU_ASSERT_EQUAL(cp_notify_fanout(x.st, T0, NULL, NULL), CP_OK);
	nt_exec(x.st, "UPDATE deliveries SET state = 'sent' WHERE id = 1");
	nt_exec(x.st, "UPDATE deliveries SET state = 'failed' WHERE id = 2");
	CU_ASSERT_EQUAL(cp_dest_counts(x.st, id, &c), CP_OK);
	CU_ASSERT_EQUAL(c.sent, 1);
	CU_ASSERT_EQUAL(c.failed, 1);
	CU_ASSERT_EQUAL(c.waiting, 1);
	CU_ASSERT_EQUAL(cp_dest_remove(x.st, x.portal, "ops"), CP_OK);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM deliveries"),
	    0);
	nt_fx_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "check refuses what does not fit",
		    test_dest_check_refuses_what_does_not_fit },
		{ "add, get, list, remove", test_dest_add_get_list_remove },
		{ "list by name", test_dest_list_by_name },
		{ "webhook URL is sealed", test_dest_webhook_url_is_sealed },
		{ "plugin JSON of mail", test_dest_plugin_json_of_mail },
		{ "bind within the portal", test_dest_bind_within_the_portal },
		{ "counts of deliveries", test_dest_counts_of_deliveries },
		{ NULL, NULL }
	};

	return cp_test_run("dest", tests);
}
