/*
 * test_audit.c - the CIS audit report: headers in both languages, one row
 * per requirement and resource with every status (compliant,
 * non-compliant, not applicable, manual, not assessed, error), steps for
 * the non-compliant rows only, the parameters a requirement pins (not the
 * portal's), disabled policies, the level filter, one framework or all of
 * the unit's cloud, a unit never inspected, and the score worked out by
 * hand; then the whole report through cp_report_run to CSV, with its
 * summary and its refusals.
 *
 * The store is built by real inspections (inspect/inspecttest.h: the
 * fixture cloud and the e2e policies TC-001..003); the frameworks are
 * tests/data/report/frameworks.  resources-1.json at IT_T0 judges, by
 * hand:
 *   TC-001 rule-ssh-open, rule-admin-range fail; rule-ssh-office,
 *          rule-web pass
 *   TC-002 bucket-public fails, bucket-private passes
 *   TC-003 user-alice (no MFA), user-carol (idle 1413 days) fail,
 *          user-bob passes; with max_idle_days 3650 carol passes
 */
#include "inspect/inspecttest.h"

#include "policy/framework.h"
#include "report/audit.h"
#include "report/rectest.h"
#include "report/run.h"

enum {
	C_FRAMEWORK, C_ENV, C_CLOUD, C_UNIT, C_SECTION, C_REQ, C_LEVEL,
	C_ASSESSMENT, C_TITLE, C_RESOURCE, C_NAME, C_STATUS, C_DETAIL,
	C_POLICIES, C_STEPS, C_COUNT
};

#define FW1 "cis-testcloud-1.0.0"
#define FW2 "cis-testcloud-2.0.0"

static cp_framework_set *fws;

static const char *const head_en[C_COUNT] = {
	"Framework", "Environment", "Cloud", "Unit", "Section", "Requirement",
	"Level", "Assessment", "Title", "Resource ID", "Resource name",
	"Status", "Detail", "Deciding policies", "Steps to comply"
};

static const char *const head_ja[C_COUNT] = {
	"フレームワーク", "環境", "クラウド", "ユニット", "セクション", "要件",
	"レベル", "評価方法", "要件名", "リソース ID", "リソース名", "状態",
	"詳細", "判定ポリシー", "準拠するための手順"
};

/* The row of framework fw, requirement req and resource rid, or -1. */
static int
rec_find(const struct rec *rc, const char *fw, const char *req,
    const char *rid)
{
	size_t i;

	for (i = 0; i < rec_count(rc); i++)
		if (strcmp(rec_cell(rc, i, C_FRAMEWORK), fw) == 0 &&
		    strcmp(rec_cell(rc, i, C_REQ), req) == 0 &&
		    strcmp(rec_cell(rc, i, C_RESOURCE), rid) == 0)
			return (int)i;
	return -1;
}

/* Requirement and resource of every row, "req/resource=status;" */
static const char *
rec_summary(const struct rec *rc, const char *fw, char *buf, size_t n)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < rec_count(rc) && len < n; i++)
		if (strcmp(rec_cell(rc, i, C_FRAMEWORK), fw) == 0)
			len += (size_t)snprintf(buf + len, n - len, "%s/%s=%s;",
			    rec_cell(rc, i, C_REQ), rec_cell(rc, i, C_RESOURCE),
			    rec_cell(rc, i, C_STATUS));
	return buf;
}

static struct cp_audit_opts
audit_opts(struct it_fx *x, const char *lang, const char *fw, int level)
{
	struct cp_audit_opts o;

	memset(&o, 0, sizeof(o));
	o.lang = lang;
	o.framework = fw;
	o.level = level;
	o.state_dir = x != NULL ? x->state : NULL;
	o.log = it_g.log;
	return o;
}

/* A report whose rows go to rc, its table (and header row) started. */
static cp_report *
rec_report(struct rec *rc, const char *lang, cp_err *table)
{
	struct cp_report_opts ro;
	cp_report *rep = NULL;
	char why[256];

	memset(&ro, 0, sizeof(ro));
	ro.lang = lang;
	ro.text_fn = rec_row;
	ro.text_ud = rc;
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&ro, &rep, why, sizeof(why)),
	    CP_OK);
	*table = cp_report_table(rep, cp_report_audit_table());
	return rep;
}

/* The rows of unit (no header) into rc, its scores into s (2 at most). */
static cp_err
audit_o(struct it_fx *x, const struct cp_unit *unit,
    const struct cp_audit_opts *o, struct rec *rc, struct cp_audit_score *s,
    size_t *n)
{
	char why[512] = "";
	cp_report *rep;
	cp_err r;

	rec_init(rc);
	memset(s, 0, 2 * sizeof(*s));
	rep = rec_report(rc, o->lang, &r);
	CU_ASSERT_EQUAL_FATAL(r, CP_OK);
	json_array_clear(rc->rows);	/* no header */
	r = cp_report_audit_unit(x->st, &x->env, unit, it_g.set, fws, o, rep,
	    s, 2, n, why, sizeof(why));
	cp_report_close(rep, 1, NULL, 0);
	if (r != CP_OK && r != CP_E_IO)
		fprintf(stderr, "audit: %s: %s\n", cp_strerror(r), why);
	return r;
}

static void
audit(struct it_fx *x, const char *lang, const char *fw, int level,
    struct rec *rc, struct cp_audit_score *s, size_t *n)
{
	struct cp_audit_opts o = audit_opts(x, lang, fw, level);

	CU_ASSERT_EQUAL_FATAL(audit_o(x, &x->unit, &o, rc, s, n), CP_OK);
}

static void
inspect_ok(struct it_fx *x, time_t now)
{
	struct cp_inspect_result res;

	CU_ASSERT_EQUAL_FATAL(it_inspect(x, now, &res), CP_OK);
	CU_ASSERT_EQUAL(res.policy_errors, 0);
}

static void
expect_row(const struct rec *rc, int i, const char *const want[C_COUNT])
{
	size_t c;

	CU_ASSERT_FATAL(i >= 0);
	for (c = 0; c < C_COUNT; c++) {
		CU_ASSERT_STRING_EQUAL(rec_cell(rc, (size_t)i, c), want[c]);
		if (strcmp(rec_cell(rc, (size_t)i, c), want[c]) != 0)
			fprintf(stderr, "row %d column %zu: got '%s', want "
			    "'%s'\n", i, c, rec_cell(rc, (size_t)i, c),
			    want[c]);
	}
}

static void
expect_text(const char *got, const char *want)
{
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\ngot:  %s\nwant: %s\n", got, want);
}

static void
test_audit_header(void)
{
	struct rec rc;
	cp_report *rep;
	cp_err r;
	size_t c;

	rec_init(&rc);
	rep = rec_report(&rc, "en", &r);
	CU_ASSERT_EQUAL(r, CP_OK);
	cp_report_close(rep, 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(rec_count(&rc), 1);
	for (c = 0; c < C_COUNT; c++)
		CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, c), head_en[c]);
	rec_done(&rc);

	rec_init(&rc);
	rep = rec_report(&rc, "ja", &r);
	CU_ASSERT_EQUAL(r, CP_OK);
	cp_report_close(rep, 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(rec_count(&rc), 1);
	for (c = 0; c < C_COUNT; c++)
		CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, c), head_ja[c]);
	rec_done(&rc);
}

static void
test_audit_rows_per_requirement_and_resource(void)
{
	const char *const ssh[C_COUNT] = {
		FW1, "prod", "testcloud", IT_UNIT, "2", "2.1", "1",
		"automated", "No SSH from the whole internet", "rule-ssh-open",
		"ssh from anywhere", "non-compliant",
		"TC-001: inbound 22 from 0.0.0.0/0", "TC-001",
		"Limit the rule's source to the office."
	};
	const char *const office[C_COUNT] = {
		FW1, "prod", "testcloud", IT_UNIT, "2", "2.1", "1",
		"automated", "No SSH from the whole internet",
		"rule-ssh-office", "ssh from the office", "compliant", "",
		"TC-001", ""
	};
	const char *const manual[C_COUNT] = {
		FW1, "prod", "testcloud", IT_UNIT, "1", "1.2", "1", "manual",
		"Someone reviews the users each quarter", "", "", "manual",
		"check by hand", "", ""
	};
	const char *const unassessed[C_COUNT] = {
		FW1, "prod", "testcloud", IT_UNIT, "1", "1.3", "2",
		"automated", "Keys are kept in a vault", "", "", "not assessed",
		"no policy decides this requirement yet", "", ""
	};
	struct cp_audit_score s[2];
	struct it_fx x;
	struct rec rc;
	char buf[2048];
	size_t n;
	int i;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	audit(&x, "en", NULL, 0, &rc, s, &n);
	/* Both testcloud frameworks, in id order; never the other cloud's;
	 * requirements in file order, resources sorted. */
	CU_ASSERT_EQUAL(rec_with(&rc, C_FRAMEWORK, "cis-other-1.0.0"), 0);
	expect_text(rec_summary(&rc, FW1, buf, sizeof(buf)),
	    "1.1/user-alice=non-compliant;1.1/user-bob=compliant;"
	    "1.1/user-carol=non-compliant;"
	    "1.2/=manual;1.3/=not assessed;"
	    "1.4/user-alice=non-compliant;1.4/user-bob=compliant;"
	    "1.4/user-carol=compliant;"
	    "2.1/rule-admin-range=non-compliant;2.1/rule-ssh-office=compliant;"
	    "2.1/rule-ssh-open=non-compliant;2.1/rule-web=compliant;"
	    "2.2/bucket-private=compliant;2.2/bucket-public=non-compliant;"
	    "2.2/rule-admin-range=non-compliant;2.2/rule-ssh-office=compliant;"
	    "2.2/rule-ssh-open=non-compliant;2.2/rule-web=compliant;"
	    "3.1/bucket-private=compliant;3.1/bucket-public=non-compliant;");
	expect_text(rec_summary(&rc, FW2, buf, sizeof(buf)),
	    "1.1/bucket-private=compliant;1.1/bucket-public=non-compliant;");
	CU_ASSERT_EQUAL(rec_count(&rc), 22);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, C_FRAMEWORK), FW1);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 21, C_FRAMEWORK), FW2);
	expect_row(&rc, rec_find(&rc, FW1, "2.1", "rule-ssh-open"), ssh);
	expect_row(&rc, rec_find(&rc, FW1, "2.1", "rule-ssh-office"), office);
	expect_row(&rc, rec_find(&rc, FW1, "1.2", ""), manual);
	expect_row(&rc, rec_find(&rc, FW1, "1.3", ""), unassessed);
	/* Steps for the non-compliant rows only. */
	for (i = 0; i < (int)rec_count(&rc); i++)
		CU_ASSERT_EQUAL(rec_cell(&rc, (size_t)i, C_STEPS)[0] != '\0',
		    strcmp(rec_cell(&rc, (size_t)i, C_STATUS),
		    "non-compliant") == 0);
	/* The detail names the policy that failed the resource. */
	i = rec_find(&rc, FW1, "1.1", "user-carol");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_DETAIL),
	    "TC-003: idle for 1413 days");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_NAME), "carol");
	i = rec_find(&rc, FW1, "2.2", "bucket-public");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_POLICIES),
	    "TC-001, TC-002");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_LEVEL), "2");
	/* Scores: FW1 compliant 9, non-compliant 9; FW2 1 and 1. */
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_PTR_EQUAL(s[0].fw, cp_framework_set_find(fws, FW1));
	CU_ASSERT_EQUAL(s[0].scored, 1);
	CU_ASSERT_EQUAL(s[0].compliant, 9);
	CU_ASSERT_EQUAL(s[0].non_compliant, 9);
	CU_ASSERT_EQUAL(s[0].not_applicable, 0);
	CU_ASSERT_EQUAL(s[0].manual, 1);
	CU_ASSERT_EQUAL(s[0].not_assessed, 1);
	CU_ASSERT_EQUAL(s[0].error, 0);
	CU_ASSERT_PTR_EQUAL(s[1].fw, cp_framework_set_find(fws, FW2));
	CU_ASSERT_EQUAL(s[1].compliant, 1);
	CU_ASSERT_EQUAL(s[1].non_compliant, 1);
	rec_done(&rc);
	it_close(&x);
}

static void
test_audit_ja_rows(void)
{
	struct cp_audit_score s[2];
	struct it_fx x;
	struct rec rc;
	size_t n;
	int i;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	audit(&x, "ja", FW1, 0, &rc, s, &n);
	i = rec_find(&rc, FW1, "3.1", "bucket-public");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_STATUS), "非準拠");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_TITLE),
	    "バケットを非公開にする");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_ASSESSMENT), "自動");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_STEPS),
	    "バケットの匿名アクセスを無効にしてください。");
	i = rec_find(&rc, FW1, "3.1", "bucket-private");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_STATUS), "準拠");
	i = rec_find(&rc, FW1, "1.2", "");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_STATUS), "手動確認");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_ASSESSMENT), "手動");
	i = rec_find(&rc, FW1, "1.3", "");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_STATUS), "未評価");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_DETAIL),
	    "この要件を判定するポリシーはまだありません");
	rec_done(&rc);
	it_close(&x);
}

static void
test_audit_level_filter(void)
{
	struct cp_audit_score s[2];
	struct it_fx x;
	struct rec rc;
	char buf[2048];
	size_t n;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	/* Level 1: the Level 1 requirements only. */
	audit(&x, "en", FW1, 1, &rc, s, &n);
	expect_text(rec_summary(&rc, FW1, buf, sizeof(buf)),
	    "1.1/user-alice=non-compliant;1.1/user-bob=compliant;"
	    "1.1/user-carol=non-compliant;1.2/=manual;"
	    "2.1/rule-admin-range=non-compliant;2.1/rule-ssh-office=compliant;"
	    "2.1/rule-ssh-open=non-compliant;2.1/rule-web=compliant;"
	    "3.1/bucket-private=compliant;3.1/bucket-public=non-compliant;");
	CU_ASSERT_EQUAL(rec_with(&rc, C_LEVEL, "2"), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(s[0].compliant, 4);
	CU_ASSERT_EQUAL(s[0].non_compliant, 5);
	CU_ASSERT_EQUAL(s[0].manual, 1);
	CU_ASSERT_EQUAL(s[0].not_assessed, 0);
	rec_done(&rc);
	/* Level 2 is the Level 2 profile: both levels, as with none. */
	audit(&x, "en", FW1, 2, &rc, s, &n);
	CU_ASSERT_EQUAL(rec_count(&rc), 20);
	CU_ASSERT_EQUAL(rec_with(&rc, C_LEVEL, "1"), 10);
	CU_ASSERT_EQUAL(s[0].compliant, 9);
	CU_ASSERT_EQUAL(s[0].non_compliant, 9);
	rec_done(&rc);
	/* One framework: the other is left out. */
	audit(&x, "en", FW2, 0, &rc, s, &n);
	CU_ASSERT_EQUAL(rec_count(&rc), 2);
	CU_ASSERT_EQUAL(rec_with(&rc, C_FRAMEWORK, FW2), 2);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_PTR_EQUAL(s[0].fw, cp_framework_set_find(fws, FW2));
	rec_done(&rc);
	/* Another cloud's framework: nothing for this unit. */
	audit(&x, "en", "cis-other-1.0.0", 0, &rc, s, &n);
	CU_ASSERT_EQUAL(rec_count(&rc), 0);
	CU_ASSERT_EQUAL(n, 0);
	rec_done(&rc);
	it_close(&x);
}

static void
test_audit_not_applicable(void)
{
	const char *const na[C_COUNT] = {
		FW1, "prod", "testcloud", IT_UNIT, "3", "3.1", "1",
		"automated", "Buckets are private", "", "", "not applicable",
		"no resource of the kind its policies check", "TC-002", ""
	};
	struct cp_audit_score s[2];
	struct it_fx x;
	struct rec rc;
	char buf[2048];
	size_t n;

	it_open(&x, "testcloud", 0, 0);
	/* No bucket at all: TC-002 has no target. */
	it_unit_file(&x, "resources.json", "["
	    "{\"type\": \"testcloud/firewall-rule\", \"id\": \"r-open\","
	    " \"name\": \"open\", \"region\": \"tokyo\", \"raw\":"
	    " {\"direction\": \"ingress\", \"action\": \"allow\","
	    " \"source\": \"0.0.0.0/0\", \"ports\": \"22\"}},"
	    "{\"type\": \"testcloud/user\", \"id\": \"u-bob\","
	    " \"name\": \"bob\", \"region\": \"global\", \"raw\":"
	    " {\"mfa\": true, \"last_login\": \"2023-11-01T00:00:00Z\"}}]");
	inspect_ok(&x, IT_T0);
	audit(&x, "en", FW1, 0, &rc, s, &n);
	expect_text(rec_summary(&rc, FW1, buf, sizeof(buf)),
	    "1.1/u-bob=compliant;1.2/=manual;1.3/=not assessed;"
	    "1.4/u-bob=compliant;2.1/r-open=non-compliant;"
	    "2.2/r-open=non-compliant;3.1/=not applicable;");
	expect_row(&rc, rec_find(&rc, FW1, "3.1", ""), na);
	/* 2 / (2 + 2): not applicable, manual, not assessed left out. */
	CU_ASSERT_EQUAL(s[0].compliant, 2);
	CU_ASSERT_EQUAL(s[0].non_compliant, 2);
	CU_ASSERT_EQUAL(s[0].not_applicable, 1);
	rec_done(&rc);
	it_close(&x);
}

static void
test_audit_error_when_a_collector_failed(void)
{
	struct cp_audit_score s[2];
	struct cp_inspect_result res;
	struct it_fx x;
	struct rec rc;
	char buf[2048];
	size_t n;
	int i;

	it_open(&x, "testcloud", 0, 0);
	it_estate(&x, "collector-errors-identity.json",
	    "collector-errors.json");
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0, &res), CP_OK);
	CU_ASSERT_EQUAL(res.policy_errors, 1);
	audit(&x, "en", FW1, 1, &rc, s, &n);
	/* TC-003 could not decide: one error row for the whole policy. */
	expect_text(rec_summary(&rc, FW1, buf, sizeof(buf)),
	    "1.1/=error;1.2/=manual;"
	    "2.1/rule-admin-range=non-compliant;2.1/rule-ssh-office=compliant;"
	    "2.1/rule-ssh-open=non-compliant;2.1/rule-web=compliant;"
	    "3.1/bucket-private=compliant;3.1/bucket-public=non-compliant;");
	i = rec_find(&rc, FW1, "1.1", "");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(rec_cell(&rc, (size_t)i, C_DETAIL),
	    "AccessDenied"));
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_STEPS), "");
	/* Errors are not judgements. */
	CU_ASSERT_EQUAL(s[0].error, 1);
	CU_ASSERT_EQUAL(s[0].compliant, 3);
	CU_ASSERT_EQUAL(s[0].non_compliant, 3);
	rec_done(&rc);
	it_close(&x);
}

/*
 * The benchmark sets the bar: a portal that lets users idle for 30,000
 * days is still told carol fails 1.1, and 1.4's pinned ten years pass
 * her whatever the portal says.  A policy turned off decides nothing:
 * its requirements are "not assessed".
 */
static void
test_audit_benchmark_not_portal_settings(void)
{
	struct cp_audit_score s[2];
	struct it_fx x;
	struct rec rc;
	char buf[2048];
	size_t n;
	int i;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	it_setting(&x, "TC-003", -1, -1, -1, "{\"max_idle_days\": 30000}");
	audit(&x, "en", FW1, 0, &rc, s, &n);
	CU_ASSERT(rec_find(&rc, FW1, "1.1", "user-carol") >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)rec_find(&rc, FW1, "1.1",
	    "user-carol"), C_STATUS), "non-compliant");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)rec_find(&rc, FW1, "1.4",
	    "user-carol"), C_STATUS), "compliant");
	rec_done(&rc);

	it_setting(&x, "TC-003", 0, -1, -1, NULL);
	audit(&x, "en", FW1, 1, &rc, s, &n);
	expect_text(rec_summary(&rc, FW1, buf, sizeof(buf)),
	    "1.1/=not assessed;1.2/=manual;"
	    "2.1/rule-admin-range=non-compliant;2.1/rule-ssh-office=compliant;"
	    "2.1/rule-ssh-open=non-compliant;2.1/rule-web=compliant;"
	    "3.1/bucket-private=compliant;3.1/bucket-public=non-compliant;");
	i = rec_find(&rc, FW1, "1.1", "");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_POLICIES),
	    "TC-003 (off)");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_DETAIL),
	    "its policies are off for this portal");
	CU_ASSERT_EQUAL(s[0].not_assessed, 1);
	CU_ASSERT_EQUAL(s[0].compliant, 3);
	CU_ASSERT_EQUAL(s[0].non_compliant, 3);
	rec_done(&rc);
	it_close(&x);
}

/* Judged as of the collection: dave, idle 80 days then, stays
 * compliant however late the report is printed. */
static void
test_audit_judged_as_of_the_snapshot(void)
{
	struct cp_audit_score s[2];
	struct it_fx x;
	struct rec rc;
	char buf[512];
	size_t n;

	it_open(&x, "testcloud", 0, 0);
	it_unit_file(&x, "resources.json", "["
	    "{\"type\": \"testcloud/user\", \"id\": \"u-dave\","
	    " \"name\": \"dave\", \"region\": \"global\", \"raw\":"
	    " {\"mfa\": true, \"last_login\": \"2023-08-26T00:00:00Z\"}}]");
	inspect_ok(&x, IT_T0);
	audit(&x, "en", FW1, 1, &rc, s, &n);
	expect_text(rec_summary(&rc, FW1, buf, sizeof(buf)),
	    "1.1/u-dave=compliant;1.2/=manual;2.1/=not applicable;"
	    "3.1/=not applicable;");
	rec_done(&rc);
	it_close(&x);
}

static void
test_audit_unit_without_snapshot(void)
{
	struct cp_audit_opts o;
	struct cp_audit_score s[2];
	struct cp_unit other;
	struct it_fx x;
	struct rec rc;
	size_t n;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	CU_ASSERT_EQUAL_FATAL(cp_unit_put(x.st, x.env.id, "222222222222",
	    "staging", 0, 1), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_unit_get(x.st, x.env.id, "222222222222",
	    &other), CP_OK);
	o = audit_opts(&x, "en", NULL, 0);
	CU_ASSERT_EQUAL_FATAL(audit_o(&x, &other, &o, &rc, s, &n), CP_OK);
	/* One row per framework saying so; no requirement, no score. */
	CU_ASSERT_EQUAL_FATAL(rec_count(&rc), 2);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, C_FRAMEWORK), FW1);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 1, C_FRAMEWORK), FW2);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, C_UNIT), "222222222222");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, C_REQ), "");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, C_LEVEL), "");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, C_STATUS),
	    "not inspected yet");
	CU_ASSERT_PTR_NOT_NULL(strstr(rec_cell(&rc, 0, C_DETAIL),
	    "cloudpatrol inspect"));
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(s[0].scored, 0);
	CU_ASSERT_EQUAL(s[0].compliant + s[0].non_compliant, 0);
	rec_done(&rc);
	o.lang = "ja";
	CU_ASSERT_EQUAL_FATAL(audit_o(&x, &other, &o, &rc, s, &n), CP_OK);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, C_STATUS), "未診断");
	rec_done(&rc);
	it_close(&x);
}

static void
test_audit_row_error_stops(void)
{
	struct cp_audit_opts o;
	struct cp_audit_score s[2];
	struct it_fx x;
	struct rec rc;
	char why[256];
	cp_report *rep;
	size_t n;
	cp_err r;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	rec_init(&rc);
	rc.fail_at = 3;			/* the header, then two rows */
	o = audit_opts(&x, "en", NULL, 0);
	rep = rec_report(&rc, "en", &r);
	CU_ASSERT_EQUAL(r, CP_OK);
	CU_ASSERT_EQUAL(cp_report_audit_unit(x.st, &x.env, &x.unit, it_g.set,
	    fws, &o, rep, s, 2, &n, why, sizeof(why)), CP_E_IO);
	CU_ASSERT_EQUAL(rec_count(&rc), 3);
	/* No room for the scores of two frameworks. */
	CU_ASSERT_EQUAL(cp_report_audit_unit(x.st, &x.env, &x.unit, it_g.set,
	    fws, &o, rep, s, 1, &n, why, sizeof(why)), CP_E_LIMIT);
	CU_ASSERT_EQUAL(cp_report_close(rep, 1, why, sizeof(why)), CP_E_IO);
	rec_done(&rc);
	it_close(&x);
}

/* The first 64 KiB of path, to free(); CSV lines end in CRLF. */
static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	buf = calloc(1, 65536);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	n = fread(buf, 1, 65535, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static cp_err
run_job(struct it_fx *x, const char *fw, int level, const char *path,
    char *why, size_t why_size)
{
	struct cp_report_job j;
	struct cp_report_result res;

	memset(&j, 0, sizeof(j));
	j.name = "audit";
	j.framework = fw;
	j.level = level;
	j.format = "csv";
	j.path = path;
	j.lang = "en";
	j.flags = CP_REPORT_NO_BOM;
	j.store = x->st;
	j.portal = &x->portal;
	j.policies = it_g.set;
	j.frameworks = fws;
	j.state_dir = x->state;
	j.log = it_g.log;
	return cp_report_run(&j, &res, why, why_size);
}

/*
 * The whole report: rows, then the summary with one score per unit and
 * framework, named by the framework's title, and the totals over the
 * environment's two units; the unit never inspected has no figures.
 */
static void
test_audit_run_to_csv(void)
{
	struct cp_unit other;
	struct it_fx x;
	char path[800], why[512];
	char *text;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	CU_ASSERT_EQUAL_FATAL(cp_unit_put(x.st, x.env.id, "222222222222",
	    "staging", 0, 1), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_unit_get(x.st, x.env.id, "222222222222",
	    &other), CP_OK);
	snprintf(path, sizeof(path), "%s/audit.csv", x.tmp);
	CU_ASSERT_TRUE(cp_report_known("audit"));
	CU_ASSERT_EQUAL_FATAL(run_job(&x, NULL, 0, path, why, sizeof(why)),
	    CP_OK);
	text = slurp(path);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Framework,Environment,Cloud,"
	    "Unit,Section,Requirement,Level,Assessment,Title,Resource ID,"
	    "Resource name,Status,Detail,Deciding policies,Steps to comply\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, FW1 ",prod,testcloud,"
	    IT_UNIT ",2,2.1,1,automated,No SSH from the whole internet,"
	    "rule-ssh-open,ssh from anywhere,non-compliant,"
	    "TC-001: inbound 22 from 0.0.0.0/0,TC-001,"
	    "Limit the rule's source to the office.\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, FW2 ",prod,testcloud,"
	    "222222222222,,,,,,,,not inspected yet,"));
	/* The summary: per framework, both units, then the total. */
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
	    "Test cloud benchmark 1.0.0,prod,testcloud," IT_UNIT
	    ",9,9,0,50.0%\r\n"
	    "Test cloud benchmark 1.0.0,prod,testcloud,222222222222,,,,\r\n"
	    "Test cloud benchmark 1.0.0,prod,testcloud,,9,9,0,50.0%\r\n"
	    "Test cloud benchmark 1.0.0,All,,,9,9,0,50.0%\r\n"
	    "Test cloud benchmark 2.0.0,prod,testcloud," IT_UNIT
	    ",1,1,0,50.0%\r\n"));
	if (strstr(text, "Test cloud benchmark 2.0.0,prod") == NULL)
		fprintf(stderr, "\n%s\n", text);
	free(text);

	/* Level 1 and one framework: FW1's Level 1 rows only. */
	CU_ASSERT_EQUAL_FATAL(run_job(&x, FW1, 1, path, why, sizeof(why)),
	    CP_OK);
	text = slurp(path);
	CU_ASSERT_PTR_NULL(strstr(text, FW2));
	CU_ASSERT_PTR_NULL(strstr(text, ",1.3,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Test cloud benchmark 1.0.0,prod,"
	    "testcloud," IT_UNIT ",4,5,0,44.4%\r\n"));
	free(text);

	/* Refusals: nothing is written over the last report. */
	CU_ASSERT_EQUAL(run_job(&x, "cis-none", 0, path, why, sizeof(why)),
	    CP_E_NOTFOUND);
	CU_ASSERT_STRING_EQUAL(why, "unknown framework 'cis-none' (known: "
	    "cis-other-1.0.0 cis-testcloud-1.0.0 cis-testcloud-2.0.0)");
	CU_ASSERT_EQUAL(run_job(&x, NULL, 3, path, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "the level is 1 or 2, not 3");
	text = slurp(path);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, ",4,5,0,44.4%\r\n"));
	free(text);
	it_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "header", test_audit_header },
		{ "rows_per_requirement_and_resource",
		    test_audit_rows_per_requirement_and_resource },
		{ "ja_rows", test_audit_ja_rows },
		{ "level_filter", test_audit_level_filter },
		{ "not_applicable", test_audit_not_applicable },
		{ "error_when_a_collector_failed",
		    test_audit_error_when_a_collector_failed },
		{ "benchmark_not_portal_settings",
		    test_audit_benchmark_not_portal_settings },
		{ "judged_as_of_the_snapshot",
		    test_audit_judged_as_of_the_snapshot },
		{ "unit_without_snapshot", test_audit_unit_without_snapshot },
		{ "row_error_stops", test_audit_row_error_stops },
		{ "run_to_csv", test_audit_run_to_csv },
		{ NULL, NULL }
	};
	char src[4096], dir[4200];
	const char *dirs[2] = { dir, NULL };
	struct cp_diag diag;
	int rc = 1;

	cp_diag_init(&diag);
	if (it_global_init() == 0) {
		it_abs(CP_TEST_SRCDIR(), src, sizeof(src));
		snprintf(dir, sizeof(dir), "%s/tests/data/report/frameworks",
		    src);
		if (cp_framework_set_load(dirs, it_g.set, &fws, &diag) ==
		    CP_OK && diag.n == 0 && cp_framework_set_count(fws) == 3)
			rc = cp_test_run("audit", tests);
		else
			fprintf(stderr, "the frameworks of %s did not load\n",
			    dir);
	}
	cp_framework_set_free(fws);
	cp_diag_free(&diag);
	it_global_done();
	return rc;
}
