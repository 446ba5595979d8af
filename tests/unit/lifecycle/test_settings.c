/*
 * test_settings.c - per-portal policy settings over the pack's defaults.
 */
#include "lctest.h"
#include "lifecycle/settings.h"

static struct cp_lc_setting_change
keep_all(void)
{
	struct cp_lc_setting_change ch;

	memset(&ch, 0, sizeof(ch));
	ch.enabled = -1;
	ch.notify = -1;
	ch.remediate = -1;
	return ch;
}

static void
test_settings_defaults_without_a_row(void)
{
	struct lc_fx x;
	struct cp_lc_defaults def;
	struct cp_lc_setting s;
	json_t *params = json_pack(
	    "{s:i, s:s}", "max_age_days", 90, "region", "ap-northeast-1");

	lc_fx_open(&x);
	def.enabled = 1;
	def.notify = 1;
	def.remediate = 0;
	def.params = params;
	CU_ASSERT_EQUAL(
	    cp_lc_setting_get(x.st, x.portal, "AWS-E001", &def, &s), CP_OK);
	CU_ASSERT_EQUAL(s.enabled, 1);
	CU_ASSERT_EQUAL(s.notify, 1);
	CU_ASSERT_EQUAL(s.remediate, 0);
	CU_ASSERT_EQUAL(s.stored, 0);
	CU_ASSERT_EQUAL(s.updated, 0);
	CU_ASSERT(json_equal(s.params, params));
	/* A copy: changing it leaves the defaults alone. */
	CU_ASSERT_PTR_NOT_EQUAL(s.params, params);
	cp_lc_setting_clear(&s);
	/* No defaults at all: everything off, no parameters. */
	CU_ASSERT_EQUAL(
	    cp_lc_setting_get(x.st, x.portal, "AWS-E001", NULL, &s), CP_OK);
	CU_ASSERT_EQUAL(s.enabled, 0);
	CU_ASSERT_EQUAL(json_object_size(s.params), 0);
	cp_lc_setting_clear(&s);
	json_decref(params);
	lc_fx_close(&x);
}

static void
test_settings_set_merges_and_keeps(void)
{
	struct lc_fx x;
	struct cp_lc_defaults def;
	struct cp_lc_setting s;
	struct cp_lc_setting_change ch = keep_all();
	json_t *params = json_pack(
	    "{s:i, s:s}", "max_age_days", 90, "region", "ap-northeast-1");
	json_t *change = json_pack("{s:i}", "max_age_days", 30);
	json_t *drop = json_pack("{s:n}", "max_age_days");

	lc_fx_open(&x);
	def.enabled = 1;
	def.notify = 1;
	def.remediate = 0;
	def.params = params;
	ch.remediate = 1;
	ch.params = change;
	CU_ASSERT_EQUAL(
	    cp_lc_setting_set(x.st, x.portal, "AWS-E001", &def, &ch, T0),
	    CP_OK);
	CU_ASSERT_EQUAL(
	    cp_lc_setting_get(x.st, x.portal, "AWS-E001", &def, &s), CP_OK);
	CU_ASSERT_EQUAL(s.enabled, 1);
	CU_ASSERT_EQUAL(s.notify, 1);
	CU_ASSERT_EQUAL(s.remediate, 1);
	CU_ASSERT_EQUAL(s.stored, 1);
	CU_ASSERT_EQUAL(s.updated, T0);
	CU_ASSERT_EQUAL(
	    json_integer_value(json_object_get(s.params, "max_age_days")), 30);
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(s.params, "region")),
	    "ap-northeast-1");
	cp_lc_setting_clear(&s);
	/* Only what the portal changed is stored. */
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM "
					 "policy_settings WHERE params = "
					 "'{\"max_age_days\":30}'"),
	    1);
	/* Notification off; the rest is kept; null drops a value. */
	ch = keep_all();
	ch.notify = 0;
	ch.params = drop;
	CU_ASSERT_EQUAL(
	    cp_lc_setting_set(x.st, x.portal, "AWS-E001", &def, &ch, T0 + 1),
	    CP_OK);
	CU_ASSERT_EQUAL(
	    cp_lc_setting_get(x.st, x.portal, "AWS-E001", &def, &s), CP_OK);
	CU_ASSERT_EQUAL(s.notify, 0);
	CU_ASSERT_EQUAL(s.remediate, 1);
	CU_ASSERT_EQUAL(
	    json_integer_value(json_object_get(s.params, "max_age_days")), 90);
	cp_lc_setting_clear(&s);
	/* Reset: the defaults again; a second reset finds nothing. */
	CU_ASSERT_EQUAL(cp_lc_setting_reset(x.st, x.portal, "AWS-E001"), CP_OK);
	CU_ASSERT_EQUAL(
	    cp_lc_setting_get(x.st, x.portal, "AWS-E001", &def, &s), CP_OK);
	CU_ASSERT_EQUAL(s.stored, 0);
	CU_ASSERT_EQUAL(s.notify, 1);
	cp_lc_setting_clear(&s);
	CU_ASSERT_EQUAL(
	    cp_lc_setting_reset(x.st, x.portal, "AWS-E001"), CP_E_NOTFOUND);
	json_decref(params);
	json_decref(change);
	json_decref(drop);
	lc_fx_close(&x);
}

static void
test_settings_refuses_bad_input(void)
{
	struct lc_fx x;
	struct cp_lc_setting s;
	struct cp_lc_setting_change ch = keep_all();
	json_t *arr = json_array();
	char long_id[80];

	lc_fx_open(&x);
	ch.enabled = 2;
	CU_ASSERT_EQUAL(
	    cp_lc_setting_set(x.st, x.portal, "AWS-E001", NULL, &ch, T0),
	    CP_E_INVALID);
	ch = keep_all();
	ch.params = arr;
	CU_ASSERT_EQUAL(
	    cp_lc_setting_set(x.st, x.portal, "AWS-E001", NULL, &ch, T0),
	    CP_E_INVALID);
	ch = keep_all();
	CU_ASSERT_EQUAL(
	    cp_lc_setting_set(x.st, x.portal + 7, "AWS-E001", NULL, &ch, T0),
	    CP_E_NOTFOUND);
	memset(long_id, 'A', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	CU_ASSERT_EQUAL(
	    cp_lc_setting_get(x.st, x.portal, long_id, NULL, &s), CP_E_INVALID);
	CU_ASSERT_EQUAL(
	    cp_lc_setting_get(x.st, x.portal, "", NULL, &s), CP_E_INVALID);
	/* A damaged row is reported, not taken for defaults. */
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(cp_store_db(x.st),
				  "INSERT INTO policy_settings VALUES "
				  "(1, 'AWS-E009', 1, 1, 0, 'not json', 0)",
				  NULL, NULL, NULL),
	    SQLITE_OK);
	CU_ASSERT_EQUAL(cp_lc_setting_get(x.st, x.portal, "AWS-E009", NULL, &s),
	    CP_E_PARSE);
	CU_ASSERT_PTR_NULL(s.params);
	CU_ASSERT_EQUAL(st_sql_int(x.st, "SELECT count(*) FROM "
					 "policy_settings"),
	    1);
	json_decref(arr);
	lc_fx_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"defaults without a row", test_settings_defaults_without_a_row},
	    {"set merges and keeps", test_settings_set_merges_and_keeps},
	    {"refuses bad input", test_settings_refuses_bad_input},
	    {NULL, NULL},
	};

	return cp_test_run("settings", tests);
}
