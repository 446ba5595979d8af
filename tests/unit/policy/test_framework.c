/*
 * test_framework.c - loading framework.json files: the test benchmark,
 * every kind of broken file with its message, cross-check warnings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cptest.h"
#include "policy/framework.h"
#include "util/util.h"

static char dir[] = "/tmp/cp-test-framework-XXXXXX";
static char good[1024];
static cp_policy_set *policies;

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

/* A valid framework document to be spoiled by the caller. */
static json_t *
base(const char *id)
{
	json_t *j = json_pack("{s:s, s:{s:s, s:s}, s:s, s:[{s:s, s:i, s:s, "
	    "s:s, s:{s:s, s:s}, s:[s], s:{s:s, s:s}}]}",
	    "id", id, "title", "en", "T", "ja", "T", "cloud", "testcloud",
	    "requirements", "id", "1.2", "level", 1, "assessment", "automated",
	    "section", "1", "title", "en", "R", "ja", "R", "policies",
	    "TEST-E002", "steps", "en", "S", "ja", "S");

	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	return j;
}

static json_t *
req0(json_t *j)
{
	return json_array_get(json_object_get(j, "requirements"), 0);
}

/* Writes j (consumed) as <dir>/<sub>/framework.json. */
static void
put(const char *sub, json_t *j)
{
	char d[1024], p[1100];

	snprintf(d, sizeof(d), "%s/%s", dir, sub);
	CU_ASSERT_EQUAL_FATAL(cp_mkdir_p(d, 0700), CP_OK);
	snprintf(p, sizeof(p), "%s/framework.json", d);
	CU_ASSERT_EQUAL(json_dump_file(j, p, JSON_INDENT(1)), 0);
	json_decref(j);
}

static void
test_framework_good_loads(void)
{
	const char *dirs[2] = {good, NULL};
	cp_framework_set *set = NULL;
	const struct cp_framework *fw;
	const struct cp_requirement *rq;
	struct cp_diag diag;

	cp_diag_init(&diag);
	CU_ASSERT_EQUAL_FATAL(cp_framework_set_load(dirs, policies, &set,
	    &diag), CP_OK);
	CU_ASSERT_EQUAL(diag.n, 0);
	CU_ASSERT_EQUAL_FATAL(cp_framework_set_count(set), 1);
	fw = cp_framework_set_find(set, "cis-test-1.0.0");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fw);
	CU_ASSERT_PTR_EQUAL(fw, cp_framework_set_at(set, 0));
	CU_ASSERT_PTR_NULL(cp_framework_set_at(set, 1));
	CU_ASSERT_STRING_EQUAL(fw->cloud, "testcloud");
	CU_ASSERT_STRING_EQUAL(fw->title.ja,
	    "テストクラウド基礎ベンチマーク 1.0.0");
	CU_ASSERT_EQUAL_FATAL(fw->n_requirements, 4);
	rq = &fw->requirements[0];
	CU_ASSERT_STRING_EQUAL(rq->id, "1.1");
	CU_ASSERT_EQUAL(rq->assessment, CP_ASSESSMENT_MANUAL);
	CU_ASSERT_EQUAL(rq->n_policies, 0);
	rq = cp_framework_requirement(fw, "2.2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rq);
	CU_ASSERT_EQUAL(rq->level, 2);
	CU_ASSERT_EQUAL(rq->assessment, CP_ASSESSMENT_AUTOMATED);
	CU_ASSERT_STRING_EQUAL(rq->section, "2");
	CU_ASSERT_EQUAL(rq->n_policies, 2);
	CU_ASSERT_STRING_EQUAL(rq->policies[1], "TEST-T001");
	CU_ASSERT_PTR_NOT_NULL(strstr(rq->steps.en, "multi-factor"));
	CU_ASSERT_PTR_NULL(cp_framework_requirement(fw, "9.9"));
	CU_ASSERT_PTR_NULL(cp_framework_set_find(set, "cis-none"));
	cp_framework_set_free(set);
	cp_framework_set_free(NULL);
	cp_diag_free(&diag);
}

static void
test_framework_broken_files_reported(void)
{
	const char *dirs[2] = {dir, NULL};
	const struct cp_framework *fw;
	cp_framework_set *set = NULL;
	struct cp_diag diag;
	char line[2048], p[1100];
	json_t *j;
	FILE *f;

	put("a-good", base("fw-good"));
	j = base("fw-extra");
	json_object_set_new(j, "version", json_string("1"));
	json_object_set_new(req0(j), "profile", json_string("x"));
	put("b-extra", j);
	j = base("fw-unknown");
	json_array_append_new(json_object_get(req0(j), "policies"),
	    json_string("TEST-X999"));
	put("c-unknown", j);
	/* No policy yet: loads, and the audit says "not assessed". */
	j = base("fw-nopol");
	json_array_clear(json_object_get(req0(j), "policies"));
	put("d-nopol", j);
	j = base("fw-nopol2");
	json_object_del(req0(j), "policies");
	put("d-nopol2", j);
	/* Pinned parameters: good, and every way to get them wrong. */
	j = base("fw-params");
	json_object_set_new(req0(j), "params", json_pack("{s:{s:i}}",
	    "TEST-E002", "max_age_days", 45));
	put("n-params", j);
	j = base("fw-params-list");
	json_object_set_new(req0(j), "params", json_pack("[]"));
	put("o-params", j);
	j = base("fw-params-other");
	json_object_set_new(req0(j), "params", json_pack("{s:{}}",
	    "TEST-E001"));
	put("p-params", j);
	j = base("fw-params-name");
	json_object_set_new(req0(j), "params", json_pack("{s:{s:i}}",
	    "TEST-E002", "max_days", 45));
	put("q-params", j);
	j = base("fw-params-bound");
	json_object_set_new(req0(j), "params", json_pack("{s:{s:i}}",
	    "TEST-E002", "max_age_days", 0));
	put("r-params", j);
	j = base("fw-params-value");
	json_object_set_new(req0(j), "params", json_pack("{s:i}",
	    "TEST-E002", 3));
	put("s-params", j);
	j = base("fw-level");
	json_object_set_new(req0(j), "level", json_integer(3));
	put("e-level", j);
	j = base("fw-assess");
	json_object_set_new(req0(j), "assessment", json_string("auto"));
	put("f-assess", j);
	j = base("fw-twice");
	json_array_append(json_object_get(j, "requirements"), req0(j));
	put("g-twice", j);
	j = base("fw-title");
	json_object_del(json_object_get(j, "title"), "ja");
	put("h-title", j);
	j = base("fw-empty");
	json_array_clear(json_object_get(j, "requirements"));
	put("i-empty", j);
	put("j-dup", base("fw-good"));
	j = base("fw-steps");
	json_object_del(req0(j), "steps");
	put("k-steps", j);
	j = base("FW-Upper");
	put("l-id", j);
	snprintf(p, sizeof(p), "%s/m-json", dir);
	CU_ASSERT_EQUAL_FATAL(cp_mkdir_p(p, 0700), CP_OK);
	snprintf(p, sizeof(p), "%s/m-json/framework.json", dir);
	f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("{\"id\": ", f);
	fclose(f);

	cp_diag_init(&diag);
	CU_ASSERT_EQUAL_FATAL(cp_framework_set_load(dirs, policies, &set,
	    &diag), CP_OK);
	CU_ASSERT_EQUAL(cp_framework_set_count(set), 5);
	CU_ASSERT_PTR_NOT_NULL(cp_framework_set_find(set, "fw-good"));
	CU_ASSERT_PTR_NOT_NULL(cp_framework_set_find(set, "fw-extra"));
	fw = cp_framework_set_find(set, "fw-nopol");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fw);
	CU_ASSERT_EQUAL(fw->requirements[0].n_policies, 0);
	CU_ASSERT_EQUAL(fw->requirements[0].assessment,
	    CP_ASSESSMENT_AUTOMATED);
	CU_ASSERT_PTR_NULL(fw->requirements[0].params);
	fw = cp_framework_set_find(set, "fw-nopol2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fw);
	CU_ASSERT_EQUAL(fw->requirements[0].n_policies, 0);
	fw = cp_framework_set_find(set, "fw-params");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fw);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(
	    fw->requirements[0].params, "TEST-E002"), "max_age_days")), 45);
#define EXPECT(sub, msg)                                                     \
	do {                                                                 \
		snprintf(line, sizeof(line), "%s/%s/framework.json: %s", dir, \
		    sub, msg);                                               \
		CU_ASSERT_TRUE(diag_has(&diag, line));                       \
	} while (0)
	EXPECT("b-extra", "warning: unknown field 'version' is ignored");
	EXPECT("b-extra", "warning: requirement 1.2: unknown field 'profile' "
	    "is ignored");
	EXPECT("c-unknown", "requirement 1.2: unknown policy TEST-X999");
	EXPECT("o-params", "requirement 1.2: params must be an object of "
	    "policy ids");
	EXPECT("p-params", "requirement 1.2: params names TEST-E001, which is "
	    "not one of its policies");
	EXPECT("q-params", "requirement 1.2: policy TEST-E002 has no "
	    "parameter max_days");
	EXPECT("r-params", "requirement 1.2: TEST-E002: max_age_days = 0: "
	    "must be between 1 and 3650");
	EXPECT("s-params", "requirement 1.2: params of TEST-E002 must be an "
	    "object");
	EXPECT("e-level", "requirement 1.2: level must be 1 or 2");
	EXPECT("f-assess", "requirement 1.2: assessment must be automated or "
	    "manual");
	EXPECT("g-twice", "requirement 1.2 appears twice");
	EXPECT("h-title", "title needs \"en\" and \"ja\"");
	EXPECT("i-empty", "requirements must be an array of 1 to 2000 "
	    "requirements");
	snprintf(p, sizeof(p), "duplicate framework id 'fw-good' (also in "
	    "%s/a-good/framework.json)", dir);
	EXPECT("j-dup", p);
	EXPECT("k-steps", "requirement 1.2: steps needs \"en\" and \"ja\"");
	EXPECT("l-id", "id must match [a-z0-9.-]{1,63}");
	EXPECT("m-json", "not valid JSON: line 1 column 7: unexpected token "
	    "near end of file");
#undef EXPECT
	CU_ASSERT_EQUAL(diag.errors, 15);
	CU_ASSERT_EQUAL(diag.n, 17);
	cp_framework_set_free(set);
	cp_diag_free(&diag);
}

static void
test_framework_cross_check_warns(void)
{
	char sub[1024], line[2048];
	const char *dirs[2] = {sub, NULL};
	const struct cp_policy *e1, *e2;
	cp_framework_set *set = NULL;
	struct cp_diag diag;
	json_t *j;

	/* cis-test-1.0.0 again, but 2.1 decided by TEST-E002 and no 1.2:
	 * both TEST-E001 and TEST-E002 map to it differently. */
	j = base("cis-test-1.0.0");
	json_object_set_new(req0(j), "id", json_string("2.1"));
	put("cross/cis", j);
	snprintf(sub, sizeof(sub), "%s/cross", dir);
	cp_diag_init(&diag);
	CU_ASSERT_EQUAL_FATAL(cp_framework_set_load(dirs, policies, &set,
	    &diag), CP_OK);
	CU_ASSERT_EQUAL(cp_framework_set_count(set), 1);
	e1 = cp_policy_set_find(policies, "TEST-E001");
	e2 = cp_policy_set_find(policies, "TEST-E002");
	snprintf(line, sizeof(line), "%s: warning: cis-test-1.0.0 requirement "
	    "2.1 does not list TEST-E001", e1->json_path);
	CU_ASSERT_TRUE(diag_has(&diag, line));
	snprintf(line, sizeof(line), "%s: warning: cis-test-1.0.0 has no "
	    "requirement 1.2", e2->json_path);
	CU_ASSERT_TRUE(diag_has(&diag, line));
	CU_ASSERT_EQUAL(diag.errors, 0);
	CU_ASSERT_EQUAL(diag.n, 2);
	cp_framework_set_free(set);
	cp_diag_free(&diag);
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
		{"good_loads", test_framework_good_loads},
		{"broken_files_reported", test_framework_broken_files_reported},
		{"cross_check_warns", test_framework_cross_check_warns},
		{NULL, NULL},
	};
	const char *dirs[2] = {good, NULL};
	struct cp_diag diag;
	int rc = 2;

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(good, sizeof(good), "%s/tests/data/policy/good",
	    CP_TEST_SRCDIR());
	cp_diag_init(&diag);
	if (cp_policy_set_load(dirs, &policies, &diag) == CP_OK &&
	    diag.errors == 0)
		rc = cp_test_run("framework", tests);
	cp_diag_free(&diag);
	cp_policy_set_free(policies);
	rm_rf(dir);
	return rc;
}
