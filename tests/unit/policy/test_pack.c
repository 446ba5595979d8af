/*
 * test_pack.c - loading policy packs: a good pack, every kind of broken
 * file with its exact message (the others still load), parameter checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cptest.h"
#include "policy/pack.h"
#include "util/util.h"

static char dir[] = "/tmp/cp-test-pack-XXXXXX";

static void
good_dir(char *buf, size_t n)
{
	snprintf(buf, n, "%s/tests/data/policy/good", CP_TEST_SRCDIR());
}

static void
write_file(const char *name, const char *text)
{
	char p[1024], d[1024], *slash;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	snprintf(d, sizeof(d), "%s", p);
	slash = strrchr(d, '/');
	*slash = '\0';
	CU_ASSERT_EQUAL_FATAL(cp_mkdir_p(d, 0700), CP_OK);
	f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

/* A valid policy document for id, to be spoiled by the caller. */
static json_t *
base_policy(const char *id)
{
	json_t *j = json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s},"
	    " s:s, s:s, s:s, s:[s], s:s, s:[s],"
	    " s:[{s:s, s:s, s:i, s:i, s:i, s:{s:s, s:s}}]}",
	    "id", id,
	    "title", "en", "Title", "ja", "タイトル",
	    "description", "en", "Description", "ja", "説明",
	    "guidance", "en", "Fix it", "ja", "直す",
	    "cloud", "testcloud", "category", "compliance", "severity", "low",
	    "resource_types", "testcloud/iam/user", "mode", "daily",
	    "requires", "iam",
	    "params", "name", "max_age_days", "type", "integer", "default", 90,
	    "min", 1, "max", 3650, "description", "en", "Days", "ja", "日数");

	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	return j;
}

static const char good_sql[] =
    "SELECT id AS resource_id, name AS resource_name,\n"
    "  CASE WHEN days_since(json_extract(json, '$.created')) >\n"
    "    param('max_age_days') THEN 'fail' ELSE 'pass' END AS status,\n"
    "  '' AS detail, '' AS value, 'age' AS condition\n"
    "FROM resources WHERE type = 'testcloud/iam/user'\n";

/* Writes <name>.json from j (consumed) and <name>.sql from sql. */
static void
write_policy(const char *name, json_t *j, const char *sql)
{
	char fn[256], *text;

	text = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	snprintf(fn, sizeof(fn), "%s.json", name);
	write_file(fn, text);
	free(text);
	if (sql != NULL) {
		snprintf(fn, sizeof(fn), "%s.sql", name);
		write_file(fn, sql);
	}
}

static int
diag_has(const struct cp_diag *d, const char *line)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->lines[i], line) == 0)
			return 1;
	fprintf(stderr, "\nmissing diag line: %s\n", line);
	for (i = 0; i < d->n; i++)
		fprintf(stderr, "  have: %s\n", d->lines[i]);
	return 0;
}

static void
test_pack_good_loads(void)
{
	char gd[1024];
	const char *dirs[2] = {gd, NULL};
	cp_policy_set *set = NULL;
	struct cp_diag diag;
	const struct cp_policy *p;
	size_t i;

	good_dir(gd, sizeof(gd));
	cp_diag_init(&diag);
	CU_ASSERT_EQUAL_FATAL(cp_policy_set_load(dirs, &set, &diag), CP_OK);
	for (i = 0; i < diag.n; i++)
		fprintf(stderr, "\n%s\n", diag.lines[i]);
	CU_ASSERT_EQUAL(diag.n, 0);
	CU_ASSERT_EQUAL_FATAL(cp_policy_set_count(set), 4);
	/* Sorted by id. */
	CU_ASSERT_STRING_EQUAL(cp_policy_set_at(set, 0)->id, "TEST-E001");
	CU_ASSERT_STRING_EQUAL(cp_policy_set_at(set, 3)->id, "TEST-W001");
	CU_ASSERT_PTR_NULL(cp_policy_set_at(set, 4));

	p = cp_policy_set_find(set, "TEST-E001");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(p->title.ja,
	    "ファイアウォールがインターネットから管理ポートへの通信を許可している");
	CU_ASSERT_STRING_EQUAL(p->cloud, "testcloud");
	CU_ASSERT_EQUAL(p->category, CP_CATEGORY_EXPOSURE);
	CU_ASSERT_EQUAL(p->severity, CP_SEVERITY_HIGH);
	CU_ASSERT_EQUAL(p->mode, CP_MODE_PERIODIC);
	CU_ASSERT_EQUAL(p->n_resource_types, 1);
	CU_ASSERT_STRING_EQUAL(p->resource_types[0], "testcloud/net/firewall");
	CU_ASSERT_EQUAL(p->n_requires, 1);
	CU_ASSERT_STRING_EQUAL(p->requires[0], "net");
	CU_ASSERT_STRING_EQUAL(p->remediation_action, "revoke-ingress");
	CU_ASSERT_TRUE(json_is_object(p->remediation_params));
	CU_ASSERT_EQUAL_FATAL(p->n_params, 1);
	CU_ASSERT_STRING_EQUAL(p->params[0].name, "ports");
	CU_ASSERT_EQUAL(p->params[0].type, CP_PARAM_LIST);
	CU_ASSERT_EQUAL(json_array_size(p->params[0].def), 2);
	CU_ASSERT_TRUE(p->params[0].has_min && p->params[0].has_max);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(p->frameworks,
	    "cis-test-1.0.0")), 1);
	CU_ASSERT_TRUE(p->default_enabled && p->default_notify);
	CU_ASSERT_FALSE(p->default_remediate);
	CU_ASSERT_PTR_NOT_NULL(strstr(p->sql, "WITH bad AS"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p->json_path,
	    "testcloud/TEST-E001.json"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p->sql_path, "testcloud/TEST-E001.sql"));
	CU_ASSERT_PTR_NOT_NULL(json_object_get(p->json, "guidance"));

	p = cp_policy_set_find(set, "TEST-W001");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->mode, CP_MODE_EVENT);
	CU_ASSERT_PTR_NULL(p->remediation_action);
	CU_ASSERT_PTR_NULL(p->remediation_params);
	CU_ASSERT_EQUAL(p->n_resource_types, 0);
	CU_ASSERT_EQUAL(p->n_requires, 0);
	CU_ASSERT_TRUE(json_is_object(p->frameworks));

	CU_ASSERT_PTR_NOT_NULL(cp_policy_set_find(set, "TEST-T001"));
	CU_ASSERT_PTR_NULL(cp_policy_set_find(set, "TEST-E999"));
	CU_ASSERT_PTR_NULL(cp_policy_set_find(set, NULL));
	cp_policy_set_free(set);
	cp_policy_set_free(NULL);
	cp_diag_free(&diag);
}

static void
test_pack_broken_files_reported(void)
{
	const char *dirs[2] = {dir, NULL};
	cp_policy_set *set = NULL;
	struct cp_diag diag;
	char line[2048], *big;
	json_t *j;

	/* Two good policies... */
	write_policy("GOOD-1", base_policy("GOOD-1"), good_sql);
	j = base_policy("GOOD-2");
	json_object_set_new(j, "colour", json_string("blue"));
	write_policy("GOOD-2", j, good_sql);
	write_file("ORPHAN.sql", good_sql);
	write_file("README.md", "not a policy");
	/* ...and one broken file of every kind. */
	j = base_policy("BAD-MISSING");
	json_object_del(j, "severity");
	write_policy("BAD-MISSING", j, good_sql);
	j = base_policy("BAD-SEVERITY");
	json_object_set_new(j, "severity", json_string("urgent"));
	write_policy("BAD-SEVERITY", j, good_sql);
	j = base_policy("BAD-MODE");
	json_object_set_new(j, "mode", json_string("hourly"));
	write_policy("BAD-MODE", j, good_sql);
	j = base_policy("BAD-PATROL");
	json_object_set_new(j, "patrol", json_string("weekly"));
	write_policy("BAD-PATROL", j, good_sql);
	j = base_policy("BAD-DEFAULT");
	json_object_set_new(json_array_get(json_object_get(j, "params"), 0),
	    "default", json_integer(0));
	write_policy("BAD-DEFAULT", j, good_sql);
	j = base_policy("BAD-TITLE");
	json_object_del(json_object_get(j, "title"), "ja");
	write_policy("BAD-TITLE", j, good_sql);
	write_policy("BAD-NAME", base_policy("BAD-OTHER"), good_sql);
	write_policy("BAD-NOSQL", base_policy("BAD-NOSQL"), NULL);
	write_policy("BAD-EMPTY", base_policy("BAD-EMPTY"), " \n\t\n");
	write_policy("BAD-TWO", base_policy("BAD-TWO"),
	    "SELECT 1 AS resource_id, 2 AS resource_name, 'pass' AS status, "
	    "'' AS detail, '' AS value, '' AS condition; "
	    "SELECT 1 AS resource_id, 2 AS resource_name, 'pass' AS status, "
	    "'' AS detail, '' AS value, '' AS condition;");
	write_policy("BAD-WRITE", base_policy("BAD-WRITE"),
	    "INSERT INTO meta(key, value) VALUES ('x', 'y')");
	write_policy("BAD-COLUMNS", base_policy("BAD-COLUMNS"),
	    "SELECT id AS resource_id, name AS resource_name, 'pass' AS status,"
	    " '' AS detail, '' AS value FROM resources");
	write_policy("BAD-PARAM", base_policy("BAD-PARAM"),
	    "SELECT id AS resource_id, name AS resource_name, 'pass' AS status,"
	    " '' AS detail, param('max_age') AS value, '' AS condition "
	    "FROM resources");
	write_policy("BAD-SYNTAX", base_policy("BAD-SYNTAX"),
	    "SELEC id FROM resources");
	j = base_policy("BAD-EVENT");
	json_object_set_new(j, "mode", json_string("event"));
	json_object_set_new(j, "remediation", json_pack("{s:s}", "action",
	    "stop-vm"));
	write_policy("BAD-EVENT", j, good_sql);
	j = base_policy("BAD-REMEDIATE");
	json_object_set_new(j, "defaults", json_pack("{s:b}", "remediate",
	    1));
	write_policy("BAD-REMEDIATE", j, good_sql);
	write_file("BAD-JSON.json", "{\"id\": \"BAD-JSON\",\n  \"title\": }");
	write_file("BAD-JSON.sql", good_sql);
	big = malloc(300 * 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, ' ', 300 * 1024 - 1);
	big[0] = '{';
	big[300 * 1024 - 2] = '}';
	big[300 * 1024 - 1] = '\0';
	write_file("BAD-BIG.json", big);
	free(big);
	write_file("BAD-BIG.sql", good_sql);
	/* The same id again, one level down. */
	write_policy("sub/GOOD-1", base_policy("GOOD-1"), good_sql);

	cp_diag_init(&diag);
	CU_ASSERT_EQUAL_FATAL(cp_policy_set_load(dirs, &set, &diag), CP_OK);
	CU_ASSERT_EQUAL(cp_policy_set_count(set), 2);
	CU_ASSERT_PTR_NOT_NULL(cp_policy_set_find(set, "GOOD-1"));
	CU_ASSERT_PTR_NOT_NULL(cp_policy_set_find(set, "GOOD-2"));

#define EXPECT(fmt, ...)                                                     \
	do {                                                                 \
		snprintf(line, sizeof(line), fmt, __VA_ARGS__);              \
		CU_ASSERT_TRUE(diag_has(&diag, line));                       \
	} while (0)
	EXPECT("%s/BAD-MISSING.json: missing required field 'severity'", dir);
	EXPECT("%s/BAD-SEVERITY.json: severity 'urgent' is not one of "
	    "critical, high, medium, low", dir);
	EXPECT("%s/BAD-MODE.json: mode 'hourly' is not one of periodic, "
	    "daily, event", dir);
	EXPECT("%s/BAD-PATROL.json: patrol 'weekly' is not one of cost, "
	    "regions, users", dir);
	EXPECT("%s/BAD-DEFAULT.json: default max_age_days = 0: must be "
	    "between 1 and 3650", dir);
	EXPECT("%s/BAD-TITLE.json: title.ja is missing, empty or longer than "
	    "1024 bytes", dir);
	EXPECT("%s/BAD-NAME.json: id 'BAD-OTHER' does not match the file "
	    "name BAD-NAME.json", dir);
	EXPECT("%s/BAD-NOSQL.json: its SQL file %s/BAD-NOSQL.sql is missing",
	    dir, dir);
	EXPECT("%s/BAD-EMPTY.sql: empty", dir);
	EXPECT("%s/BAD-TWO.sql: more than one statement (a policy is one "
	    "SELECT)", dir);
	EXPECT("%s/BAD-WRITE.sql: INSERT into meta is refused: policy SQL may "
	    "only read", dir);
	EXPECT("%s/BAD-COLUMNS.sql: the statement returns no column "
	    "'condition'", dir);
	EXPECT("%s/BAD-PARAM.sql: param('max_age') is not a parameter of "
	    "BAD-PARAM", dir);
	EXPECT("%s/BAD-SYNTAX.sql: near \"SELEC\": syntax error", dir);
	EXPECT("%s/BAD-EVENT.json: event policies are notify-only: "
	    "remediation must be null", dir);
	EXPECT("%s/BAD-REMEDIATE.json: defaults.remediate is true but the "
	    "policy has no remediation", dir);
	EXPECT("%s/BAD-JSON.json: not valid JSON: line 2 column 12: "
	    "unexpected token near '}'", dir);
	EXPECT("%s/BAD-BIG.json: larger than 262144 bytes", dir);
	EXPECT("%s/sub/GOOD-1.json: duplicate policy id 'GOOD-1' (also in "
	    "%s/GOOD-1.json)", dir, dir);
	EXPECT("%s/GOOD-2.json: warning: unknown field 'colour' is ignored",
	    dir);
	EXPECT("%s/ORPHAN.sql: warning: no ORPHAN.json beside it; ignored",
	    dir);
#undef EXPECT
	CU_ASSERT_EQUAL(diag.errors, 19);
	CU_ASSERT_EQUAL(diag.n, 21);
	cp_policy_set_free(set);
	cp_diag_free(&diag);
}

static void
test_pack_walk_depth_and_missing_dir(void)
{
	char deep[1024], missing[1024], line[2048];
	const char *dirs[3] = {deep, missing, NULL};
	cp_policy_set *set = NULL;
	struct cp_diag diag;

	write_policy("deep/a/b/c/DEEP-3", base_policy("DEEP-3"), good_sql);
	write_policy("deep/a/b/c/d/DEEP-4", base_policy("DEEP-4"), good_sql);
	snprintf(deep, sizeof(deep), "%s/deep", dir);
	snprintf(missing, sizeof(missing), "%s/none", dir);
	cp_diag_init(&diag);
	CU_ASSERT_EQUAL_FATAL(cp_policy_set_load(dirs, &set, &diag), CP_OK);
	CU_ASSERT_EQUAL(cp_policy_set_count(set), 1);
	CU_ASSERT_PTR_NOT_NULL(cp_policy_set_find(set, "DEEP-3"));
	snprintf(line, sizeof(line), "%s/none: cannot read directory: "
	    "No such file or directory", dir);
	CU_ASSERT_TRUE(diag_has(&diag, line));
	CU_ASSERT_EQUAL(diag.errors, 1);
	cp_policy_set_free(set);
	cp_diag_free(&diag);
}

static void
test_pack_check_param(void)
{
	char gd[1024], why[512];
	const char *dirs[2] = {gd, NULL};
	cp_policy_set *set = NULL;
	struct cp_diag diag;
	const struct cp_policy *age, *fw;
	json_t *v = NULL, *big;

	good_dir(gd, sizeof(gd));
	cp_diag_init(&diag);
	CU_ASSERT_EQUAL_FATAL(cp_policy_set_load(dirs, &set, &diag), CP_OK);
	age = cp_policy_set_find(set, "TEST-E002");
	fw = cp_policy_set_find(set, "TEST-E001");
	CU_ASSERT_PTR_NOT_NULL_FATAL(age);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fw);

	CU_ASSERT_EQUAL(cp_policy_check_param(age, "max_age_days", "0", &v,
	    why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "max_age_days = 0: must be between 1 and "
	    "3650");
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_EQUAL(cp_policy_check_param(age, "max_age_days", "3651", &v,
	    why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_policy_check_param(age, "max_age_days", "12abc",
	    &v, why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "max_age_days = 12abc: must be an integer");
	CU_ASSERT_EQUAL(cp_policy_check_param(age, "max_age_days", "3650", &v,
	    why, sizeof(why)), CP_OK);
	CU_ASSERT_TRUE(json_is_integer(v) && json_integer_value(v) == 3650);
	json_decref(v);
	CU_ASSERT_EQUAL(cp_policy_check_param(age, "max_age", "1", &v, why,
	    sizeof(why)), CP_E_NOTFOUND);
	CU_ASSERT_STRING_EQUAL(why, "policy TEST-E002 has no parameter "
	    "'max_age' (it has: max_age_days)");

	/* Lists: comma-separated words or a JSON array. */
	CU_ASSERT_EQUAL(cp_policy_check_param(fw, "ports", "22, 80 ,443", &v,
	    why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(json_array_size(v), 3);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(v, 1)), "80");
	json_decref(v);
	CU_ASSERT_EQUAL(cp_policy_check_param(fw, "ports", "[22, 8080]", &v,
	    why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(json_integer_value(json_array_get(v, 1)), 8080);
	json_decref(v);
	CU_ASSERT_EQUAL(cp_policy_check_param(fw, "ports", "", &v, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "ports = : must be between 1 and 50 items");
	CU_ASSERT_EQUAL(cp_policy_check_param(fw, "ports", "[{\"a\": 1}]", &v,
	    why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "ports = [{\"a\": 1}]: items must be "
	    "strings (at most 1024 bytes) or numbers");
	CU_ASSERT_EQUAL(cp_policy_check_param(fw, "ports", "[1,", &v, why,
	    sizeof(why)), CP_E_INVALID);

	/* Values from the portal, already JSON. */
	big = json_integer(5000);
	CU_ASSERT_EQUAL(cp_policy_param_check_json(&age->params[0], big, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "max_age_days = 5000: must be between 1 "
	    "and 3650");
	json_decref(big);
	big = json_string("90");
	CU_ASSERT_EQUAL(cp_policy_param_check_json(&age->params[0], big, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why,
	    "max_age_days = \"90\": must be an integer");
	json_decref(big);
	cp_policy_set_free(set);
	cp_diag_free(&diag);
}

static void
test_pack_param_types(void)
{
	const char *dirs[2] = {NULL, NULL};
	char pdir[1024], why[512];
	cp_policy_set *set = NULL;
	struct cp_diag diag;
	const struct cp_policy *p;
	json_t *j, *v = NULL;

	j = base_policy("TYPES-1");
	json_object_set_new(j, "params", json_pack("[{s:s, s:s, s:f, s:f, "
	    "s:f, s:{s:s, s:s}}, {s:s, s:s, s:s, s:i, s:i, s:{s:s, s:s}}]",
	    "name", "ratio", "type", "number", "default", 0.5, "min", 0.0,
	    "max", 1.0, "description", "en", "r", "ja", "r",
	    "name", "tag", "type", "string", "default", "owner", "min", 1,
	    "max", 8, "description", "en", "t", "ja", "t"));
	write_policy("types/TYPES-1", j, "SELECT '' AS resource_id, "
	    "'' AS resource_name, 'pass' AS status, '' AS detail, "
	    "param('ratio') || param('tag') AS value, '' AS condition");
	snprintf(pdir, sizeof(pdir), "%s/types", dir);
	dirs[0] = pdir;
	cp_diag_init(&diag);
	CU_ASSERT_EQUAL_FATAL(cp_policy_set_load(dirs, &set, &diag), CP_OK);
	CU_ASSERT_EQUAL(diag.n, 0);
	p = cp_policy_set_find(set, "TYPES-1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(cp_policy_check_param(p, "ratio", "1.5", &v, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "ratio = 1.5: must be between 0 and 1");
	CU_ASSERT_EQUAL(cp_policy_check_param(p, "ratio", "nan", &v, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "ratio = nan: must be a number");
	CU_ASSERT_EQUAL(cp_policy_check_param(p, "ratio", "0.25", &v, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(v), 0.25, 1e-12);
	json_decref(v);
	CU_ASSERT_EQUAL(cp_policy_check_param(p, "tag", "much-too-long", &v,
	    why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "tag = much-too-long: must be between 1 "
	    "and 8 bytes long");
	CU_ASSERT_EQUAL(cp_policy_check_param(p, "tag", "env", &v, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_STRING_EQUAL(json_string_value(v), "env");
	json_decref(v);
	cp_policy_set_free(set);
	cp_diag_free(&diag);
}

static void
test_pack_names(void)
{
	CU_ASSERT_STRING_EQUAL(cp_policy_category_name(CP_CATEGORY_MDFC_ALERT),
	    "mdfc-alert");
	CU_ASSERT_STRING_EQUAL(cp_policy_category_name(
	    CP_CATEGORY_ACCOUNT_MANAGEMENT), "account-management");
	CU_ASSERT_STRING_EQUAL(cp_policy_category_name(99), "?");
	CU_ASSERT_STRING_EQUAL(cp_policy_severity_name(CP_SEVERITY_CRITICAL),
	    "critical");
	CU_ASSERT_STRING_EQUAL(cp_policy_severity_name(-1), "?");
	CU_ASSERT_STRING_EQUAL(cp_policy_mode_name(CP_MODE_EVENT), "event");
	CU_ASSERT_STRING_EQUAL(cp_policy_param_type_name(CP_PARAM_LIST),
	    "list");
}

static void
rm_rf(const char *d)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{"good_loads", test_pack_good_loads},
		{"broken_files_reported", test_pack_broken_files_reported},
		{"walk_depth_and_missing_dir",
		    test_pack_walk_depth_and_missing_dir},
		{"check_param", test_pack_check_param},
		{"param_types", test_pack_param_types},
		{"names", test_pack_names},
		{NULL, NULL},
	};
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	rc = cp_test_run("pack", tests);
	rm_rf(dir);
	return rc;
}
