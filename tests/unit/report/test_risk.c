/*
 * test_risk.c - the risk diagnosis report: the headers of A and B in both
 * languages, A rows (one per open finding, every column), B rows (the
 * latest resolved finding of a resource notified in the window), the
 * notification and remediation columns, the "below the portal's
 * threshold" rows, disabled and undecided policies, and the score worked
 * out by hand (judged as of the snapshot's collection).
 *
 * The store is built by real inspections (inspect/inspecttest.h: the
 * fixture cloud and the e2e policies TC-001..003) at fixed times.
 * resources-1.json at IT_T0 judges, by hand:
 *   TC-001 port 22 from anywhere: rule-ssh-open, rule-admin-range fail;
 *          rule-ssh-office, rule-web pass
 *   TC-002 public bucket: bucket-public fails, bucket-private passes
 *   TC-003 no MFA or idle > 90 days: user-alice (no MFA), user-carol
 *          (idle 1413 days: 2020-01-01 to 2023-11-14) fail, user-bob
 *          passes
 */
#include "inspect/inspecttest.h"

#include "lifecycle/exclusion.h"
#include "report/rectest.h"
#include "report/risk.h"

/* The columns of report A; report B has the section column first. */
enum {
	C_ENV, C_CLOUD, C_UNIT, C_POLICY, C_TITLE, C_CATEGORY, C_SEVERITY,
	C_RESOURCE, C_NAME, C_STATUS, C_VALUE, C_CONDITION, C_FIRST, C_LAST,
	C_REMEDIATED, C_NOTIFIED, C_REMEDIATION, C_GUIDANCE, C_COUNT
};
#define B(c) ((c) + 1)

#define T1_TEXT "2023-11-14 23:13:20"	/* IT_T0 + 1 h */
#define T3_TEXT "2023-11-15 01:13:20"	/* IT_T0 + 3 h */

static const char *const head_a_en[C_COUNT] = {
	"Environment", "Cloud", "Unit", "Policy ID", "Policy", "Category",
	"Severity", "Resource ID", "Resource name", "Status",
	"Detected value", "Rule / configured value", "First detected (UTC)",
	"Last detected (UTC)", "Remediated at (UTC)", "Notified at (UTC)",
	"Remediation", "How to fix"
};

/* A report whose rows go to rc, its table (and header row) started. */
static cp_report *
rec_report(struct rec *rc, const struct cp_risk_opts *o, cp_err *table)
{
	struct cp_report_opts ro;
	cp_report *rep = NULL;
	char why[256];

	memset(&ro, 0, sizeof(ro));
	ro.lang = o->lang;
	ro.text_fn = rec_row;
	ro.text_ud = rc;
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&ro, &rep, why, sizeof(why)),
	    CP_OK);
	*table = cp_report_table(rep, cp_report_risk_table(o->variant));
	return rep;
}

/* The header row of the variant into rc. */
static cp_err
risk_header(const struct cp_risk_opts *o, struct rec *rc)
{
	cp_err r;
	cp_report *rep = rec_report(rc, o, &r);

	cp_report_close(rep, 1, NULL, 0);
	return r;
}

/* The first row whose cell c1 is v1 and cell c2 is v2, or -1. */
static int
rec_find(const struct rec *rc, size_t c1, const char *v1, size_t c2,
    const char *v2)
{
	size_t i;

	for (i = 0; i < rec_count(rc); i++)
		if (strcmp(rec_cell(rc, i, c1), v1) == 0 &&
		    strcmp(rec_cell(rc, i, c2), v2) == 0)
			return (int)i;
	return -1;
}

static struct cp_risk_opts
risk_opts(struct it_fx *x, int variant, const char *lang, time_t now)
{
	struct cp_risk_opts o;

	memset(&o, 0, sizeof(o));
	o.variant = variant;
	o.lang = lang;
	o.now = now;
	o.state_dir = x != NULL ? x->state : NULL;
	o.log = it_g.log;
	return o;
}

/* The rows of the unit (no header) into rc; score is cleared first. */
static cp_err
report_o(struct it_fx *x, const struct cp_unit *unit,
    const struct cp_risk_opts *o, struct rec *rc, struct cp_risk_score *score)
{
	char why[512] = "";
	cp_err r;

	cp_report *rep;

	rec_init(rc);
	memset(score, 0, sizeof(*score));
	rep = rec_report(rc, o, &r);
	CU_ASSERT_EQUAL_FATAL(r, CP_OK);
	json_array_clear(rc->rows);	/* no header */
	r = cp_report_risk_unit(x->st, &x->portal, &x->env, unit, it_g.set,
	    o, rep, score, why, sizeof(why));
	cp_report_close(rep, 1, NULL, 0);
	if (r != CP_OK && r != CP_E_IO)
		fprintf(stderr, "report: %s: %s\n", cp_strerror(r), why);
	return r;
}

static void
report(struct it_fx *x, int variant, const char *lang, time_t now,
    struct rec *rc, struct cp_risk_score *score)
{
	struct cp_risk_opts o = risk_opts(x, variant, lang, now);

	CU_ASSERT_EQUAL_FATAL(report_o(x, &x->unit, &o, rc, score), CP_OK);
}

static void
inspect_ok(struct it_fx *x, time_t now)
{
	struct cp_inspect_result res;

	CU_ASSERT_EQUAL_FATAL(it_inspect(x, now, &res), CP_OK);
	CU_ASSERT_EQUAL(res.policy_errors, 0);
}

/* Checks every cell of row i of report A against want. */
static void
expect_row(const struct rec *rc, int i, const char *const want[C_COUNT])
{
	size_t c;

	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_EQUAL_FATAL(rec_width(rc, (size_t)i), C_COUNT);
	for (c = 0; c < C_COUNT; c++) {
		CU_ASSERT_STRING_EQUAL(rec_cell(rc, (size_t)i, c), want[c]);
		if (strcmp(rec_cell(rc, (size_t)i, c), want[c]) != 0)
			fprintf(stderr, "row %d column %zu: got '%s', want "
			    "'%s'\n", i, c, rec_cell(rc, (size_t)i, c),
			    want[c]);
	}
}

static void
test_risk_header(void)
{
	struct cp_risk_opts o;
	struct rec rc;
	size_t c;

	/* A: no section column. */
	rec_init(&rc);
	o = risk_opts(NULL, 'A', "en", IT_T0);
	CU_ASSERT_EQUAL(risk_header(&o, &rc), CP_OK);
	CU_ASSERT_EQUAL_FATAL(rec_count(&rc), 1);
	CU_ASSERT_EQUAL_FATAL(rec_width(&rc, 0), C_COUNT);
	for (c = 0; c < C_COUNT; c++)
		CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, c), head_a_en[c]);
	rec_done(&rc);

	/* B: the section column first, then A's. */
	rec_init(&rc);
	o = risk_opts(NULL, 'B', "en", IT_T0);
	CU_ASSERT_EQUAL(risk_header(&o, &rc), CP_OK);
	CU_ASSERT_EQUAL_FATAL(rec_width(&rc, 0), C_COUNT + 1);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, 0),
	    "A. current state / B. history");
	for (c = 0; c < C_COUNT; c++)
		CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, B(c)), head_a_en[c]);
	rec_done(&rc);

	/* Japanese. */
	rec_init(&rc);
	o = risk_opts(NULL, 'B', "ja", IT_T0);
	CU_ASSERT_EQUAL(risk_header(&o, &rc), CP_OK);
	CU_ASSERT_EQUAL_FATAL(rec_width(&rc, 0), C_COUNT + 1);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, 0),
	    "A. 現在の状態 / B. 通知・修復履歴");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, B(C_ENV)), "環境");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, B(C_POLICY)), "ポリシー ID");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, B(C_FIRST)),
	    "初回検知日時 (UTC)");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, B(C_GUIDANCE)), "対処方法");
	rec_done(&rc);

	rec_init(&rc);
	o = risk_opts(NULL, 'A', "ja", IT_T0);
	CU_ASSERT_EQUAL(risk_header(&o, &rc), CP_OK);
	CU_ASSERT_EQUAL_FATAL(rec_width(&rc, 0), C_COUNT);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, C_ENV), "環境");
	rec_done(&rc);
}

static void
test_risk_a_rows_one_per_open_finding(void)
{
	const struct cp_policy *p1 = it_policy("TC-001");
	const struct cp_policy *p2 = it_policy("TC-002");
	const char *const ssh[C_COUNT] = {
		"prod", "testcloud", IT_UNIT, "TC-001",
		"Administrative port open to the whole internet", "exposure",
		"high", "rule-ssh-open", "ssh from anywhere", "at risk",
		"0.0.0.0/0:22", "source=any port=22", IT_T0_TEXT, IT_T0_TEXT,
		"", IT_T0_TEXT, "off", p1->guidance.en
	};
	const char *const bucket[C_COUNT] = {
		"prod", "testcloud", IT_UNIT, "TC-002",
		"Storage bucket readable by anyone", "exposure", "critical",
		"bucket-public", "press-kit", "at risk", "public",
		"public=true", IT_T0_TEXT, IT_T0_TEXT, "", IT_T0_TEXT,
		"notify only", p2->guidance.en
	};
	struct cp_risk_score score;
	struct it_fx x;
	struct rec rc;
	int i;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	report(&x, 'A', "en", IT_T0 + IT_HOUR, &rc, &score);
	/* Ordered by policy, then resource. */
	CU_ASSERT_EQUAL_FATAL(rec_count(&rc), 5);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, C_RESOURCE),
	    "rule-admin-range");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 1, C_RESOURCE), "rule-ssh-open");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 2, C_RESOURCE), "bucket-public");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 3, C_RESOURCE), "user-alice");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 4, C_RESOURCE), "user-carol");
	CU_ASSERT_EQUAL(rec_with(&rc, C_STATUS, "at risk"), 5);
	expect_row(&rc, 1, ssh);
	expect_row(&rc, 2, bucket);
	i = rec_find(&rc, C_POLICY, "TC-003", C_RESOURCE, "user-carol");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_VALUE), "1413 days");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_CONDITION),
	    "idle<=90");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_SEVERITY),
	    "medium");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_CATEGORY),
	    "account-management");
	/* TC-001 pass 2 fail 2, TC-002 pass 1 fail 1, TC-003 pass 1
	 * fail 2. */
	CU_ASSERT_EQUAL(score.scored, 1);
	CU_ASSERT_EQUAL(score.pass, 4);
	CU_ASSERT_EQUAL(score.fail, 5);
	CU_ASSERT_EQUAL(score.no_target, 0);
	rec_done(&rc);
	it_close(&x);
}

static void
test_risk_b_rows_history(void)
{
	struct cp_risk_opts o;
	struct cp_risk_score score;
	struct it_fx x;
	struct rec rc;
	size_t i;
	int k;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	/* The bucket is fixed and the admin range removed: both resolved
	 * at IT_T0 + 1 h; three new rules open. */
	it_estate(&x, "resources-2.json", "resources.json");
	inspect_ok(&x, IT_T0 + IT_HOUR);

	report(&x, 'B', "en", IT_T0 + 2 * IT_HOUR, &rc, &score);
	CU_ASSERT_EQUAL_FATAL(rec_count(&rc), 8);
	for (i = 0; i < rec_count(&rc); i++) {
		CU_ASSERT_EQUAL(rec_width(&rc, i), C_COUNT + 1);
		/* Current rows first, history after. */
		CU_ASSERT_STRING_EQUAL(rec_cell(&rc, i, 0), i < 6 ?
		    "A. current state" : "B. history");
	}
	CU_ASSERT_EQUAL(rec_with(&rc, B(C_STATUS), "at risk"), 6);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 6, B(C_RESOURCE)),
	    "rule-admin-range");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 7, B(C_RESOURCE)),
	    "bucket-public");
	k = 7;
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, k, B(C_POLICY)), "TC-002");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, k, B(C_NAME)), "press-kit");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, k, B(C_STATUS)), "remediated");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, k, B(C_VALUE)), "public");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, k, B(C_FIRST)), IT_T0_TEXT);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, k, B(C_LAST)), IT_T0_TEXT);
	/* Remediated = last detection + 1 h. */
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, k, B(C_REMEDIATED)), T1_TEXT);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, k, B(C_NOTIFIED)), IT_T0_TEXT);
	/* Current rows have no remediation time. */
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, B(C_REMEDIATED)), "");
	/* On the last snapshot: TC-001 pass 2 fail 4, TC-002 pass 2,
	 * TC-003 pass 1 fail 2. */
	CU_ASSERT_EQUAL(score.pass, 5);
	CU_ASSERT_EQUAL(score.fail, 6);
	rec_done(&rc);

	/* A has no history and no section column. */
	report(&x, 'A', "en", IT_T0 + 2 * IT_HOUR, &rc, &score);
	CU_ASSERT_EQUAL(rec_count(&rc), 6);
	CU_ASSERT_EQUAL(rec_width(&rc, 0), C_COUNT);
	CU_ASSERT_EQUAL(rec_with(&rc, C_STATUS, "remediated"), 0);
	rec_done(&rc);

	/* A window of one day two days later: the notices are older. */
	o = risk_opts(&x, 'B', "en", IT_T0 + 2 * IT_DAY);
	o.days = 1;
	CU_ASSERT_EQUAL_FATAL(report_o(&x, &x.unit, &o, &rc, &score), CP_OK);
	CU_ASSERT_EQUAL(rec_count(&rc), 6);
	CU_ASSERT_EQUAL(rec_with(&rc, 0, "B. history"), 0);
	rec_done(&rc);
	/* The default window is 30 days. */
	o.days = 0;
	CU_ASSERT_EQUAL_FATAL(report_o(&x, &x.unit, &o, &rc, &score), CP_OK);
	CU_ASSERT_EQUAL(rec_with(&rc, 0, "B. history"), 2);
	rec_done(&rc);
	o.now = IT_T0 + 31 * IT_DAY;
	CU_ASSERT_EQUAL_FATAL(report_o(&x, &x.unit, &o, &rc, &score), CP_OK);
	CU_ASSERT_EQUAL(rec_with(&rc, 0, "B. history"), 0);
	rec_done(&rc);
	it_close(&x);
}

static void
test_risk_b_keeps_the_latest_finding(void)
{
	struct cp_risk_score score;
	struct it_fx x;
	struct rec rc;
	int i;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);			/* bucket public */
	it_estate(&x, "resources-2.json", "resources.json");
	inspect_ok(&x, IT_T0 + IT_HOUR);	/* fixed: resolved T0 + 1 h */
	it_estate(&x, "resources-1.json", "resources.json");
	inspect_ok(&x, IT_T0 + 2 * IT_HOUR);	/* public again */
	it_estate(&x, "resources-2.json", "resources.json");
	inspect_ok(&x, IT_T0 + 3 * IT_HOUR);	/* resolved T0 + 3 h */
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM findings WHERE"
	    " resource = ?1", "bucket-public"), 2);

	report(&x, 'B', "en", IT_T0 + 4 * IT_HOUR, &rc, &score);
	CU_ASSERT_EQUAL(rec_with(&rc, B(C_RESOURCE), "bucket-public"), 1);
	CU_ASSERT_EQUAL(rec_with(&rc, B(C_RESOURCE), "rule-admin-range"), 1);
	CU_ASSERT_EQUAL(rec_with(&rc, 0, "B. history"), 2);
	i = rec_find(&rc, 0, "B. history", B(C_RESOURCE), "bucket-public");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_REMEDIATED)),
	    T3_TEXT);
	/* The risk came back within 7 days: not notified again, so the
	 * latest notice is still the first one. */
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_NOTIFIED)),
	    IT_T0_TEXT);
	rec_done(&rc);
	it_close(&x);
}

static void
test_risk_ja_rows(void)
{
	const struct cp_policy *p1 = it_policy("TC-001");
	struct cp_risk_score score;
	struct it_fx x;
	struct rec rc;
	int i;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	it_estate(&x, "resources-2.json", "resources.json");
	inspect_ok(&x, IT_T0 + IT_HOUR);
	report(&x, 'B', "ja", IT_T0 + 2 * IT_HOUR, &rc, &score);
	i = rec_find(&rc, B(C_POLICY), "TC-001", B(C_RESOURCE),
	    "rule-ssh-open");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, 0), "A. 現在の状態");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_TITLE)),
	    "管理用ポートがインターネット全体に公開されている");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_CATEGORY)),
	    "危険な公開");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_SEVERITY)), "高");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_STATUS)),
	    "リスクあり");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_REMEDIATION)),
	    "自動対策なし");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_GUIDANCE)),
	    p1->guidance.ja);
	i = rec_find(&rc, B(C_POLICY), "TC-002", B(C_RESOURCE),
	    "bucket-public");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, 0),
	    "B. 通知・修復履歴");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_TITLE)),
	    "誰でも読めるストレージバケット");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_SEVERITY)),
	    "緊急");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_STATUS)),
	    "修復済み");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_REMEDIATION)),
	    "通知のみ");
	i = rec_find(&rc, B(C_POLICY), "TC-003", B(C_RESOURCE), "user-alice");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_CATEGORY)),
	    "アカウント管理の不備");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, B(C_SEVERITY)), "中");
	rec_done(&rc);
	it_close(&x);
}

static void
test_risk_notified_column(void)
{
	struct cp_risk_score score;
	struct it_fx x;
	struct rec rc;
	int i;

	it_open(&x, "testcloud", 0, 0);
	it_setting(&x, "TC-002", -1, 0, -1, NULL);
	CU_ASSERT_EQUAL_FATAL(cp_exclusion_add(x.st, x.portal.id,
	    "rule-ssh-open", "lab", IT_T0), CP_OK);
	inspect_ok(&x, IT_T0);
	report(&x, 'A', "en", IT_T0 + IT_HOUR, &rc, &score);
	CU_ASSERT_EQUAL(rec_count(&rc), 5);
	i = rec_find(&rc, C_POLICY, "TC-002", C_RESOURCE, "bucket-public");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_NOTIFIED),
	    "notification off (turn it on with 'cloudpatrol policy set ID "
	    "--notify on')");
	i = rec_find(&rc, C_POLICY, "TC-001", C_RESOURCE, "rule-ssh-open");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_NOTIFIED),
	    "excluded: not notified");
	i = rec_find(&rc, C_POLICY, "TC-001", C_RESOURCE, "rule-admin-range");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_NOTIFIED),
	    IT_T0_TEXT);
	rec_done(&rc);

	report(&x, 'A', "ja", IT_T0 + IT_HOUR, &rc, &score);
	i = rec_find(&rc, C_POLICY, "TC-001", C_RESOURCE, "rule-ssh-open");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_NOTIFIED),
	    "除外中のため通知なし");
	i = rec_find(&rc, C_POLICY, "TC-002", C_RESOURCE, "bucket-public");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(rec_cell(&rc, (size_t)i, C_NOTIFIED),
	    "通知未設定"));
	rec_done(&rc);
	it_close(&x);
}

static void
test_risk_remediation_column(void)
{
	struct cp_risk_score score;
	struct it_fx x;
	struct rec rc;
	int i;

	/* Remediated through the plugin. */
	it_open(&x, "testcloud", 1, 1);
	it_setting(&x, "TC-001", -1, -1, 1, NULL);
	inspect_ok(&x, IT_T0);
	report(&x, 'A', "en", IT_T0 + IT_HOUR, &rc, &score);
	i = rec_find(&rc, C_POLICY, "TC-001", C_RESOURCE, "rule-ssh-open");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_REMEDIATION),
	    "revoke-rule: done " IT_T0_TEXT);
	i = rec_find(&rc, C_POLICY, "TC-003", C_RESOURCE, "user-alice");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_REMEDIATION),
	    "notify only");
	rec_done(&rc);
	it_close(&x);

	/* On, with nothing done yet (a dry run only). */
	it_open(&x, "testcloud", 1, 1);
	it_setting(&x, "TC-001", -1, -1, 1, NULL);
	{
		struct cp_inspect_opts io = it_opts(&x, IT_T0);
		struct cp_inspect_result res;

		io.remediation_dry_run = 1;
		CU_ASSERT_EQUAL_FATAL(it_inspect_o(&x, &io, &res), CP_OK);
	}
	report(&x, 'A', "en", IT_T0 + IT_HOUR, &rc, &score);
	i = rec_find(&rc, C_POLICY, "TC-001", C_RESOURCE, "rule-ssh-open");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_REMEDIATION),
	    "revoke-rule: dry-run " IT_T0_TEXT);
	rec_done(&rc);
	it_close(&x);

	/* The policy's remediation is on, but the unit was registered
	 * without it: nothing will ever be remediated there, so the report
	 * must not say it is on. */
	it_open(&x, "testcloud", 1, 0);
	it_setting(&x, "TC-001", -1, -1, 1, NULL);
	inspect_ok(&x, IT_T0);
	report(&x, 'A', "en", IT_T0 + IT_HOUR, &rc, &score);
	i = rec_find(&rc, C_POLICY, "TC-001", C_RESOURCE, "rule-ssh-open");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_REMEDIATION),
	    "off");
	rec_done(&rc);
	it_close(&x);

	/* The environment without remediation: off too. */
	it_open(&x, "testcloud", 0, 1);
	it_setting(&x, "TC-001", -1, -1, 1, NULL);
	inspect_ok(&x, IT_T0);
	report(&x, 'A', "en", IT_T0 + IT_HOUR, &rc, &score);
	i = rec_find(&rc, C_POLICY, "TC-001", C_RESOURCE, "rule-ssh-open");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_REMEDIATION),
	    "off");
	rec_done(&rc);
	it_close(&x);
}

static void
test_risk_below_threshold_row(void)
{
	const struct cp_policy *p3 = it_policy("TC-003");
	const char *const carol[C_COUNT] = {
		"prod", "testcloud", IT_UNIT, "TC-003",
		"User signs in without multi-factor authentication",
		"account-management", "medium", "user-carol", "carol",
		"below the portal's threshold", "1413 days",
		"max_idle_days=30000", "", "", "",
		"below the threshold set for immediate notification: not "
		"notified", "", p3->guidance.en
	};
	struct cp_risk_score score;
	struct it_fx x;
	struct rec rc;
	int i;

	it_open(&x, "testcloud", 0, 0);
	/* carol (idle 1413 days) passes the portal's 30000 but fails the
	 * pack's 90. */
	it_setting(&x, "TC-003", -1, -1, -1, "{\"max_idle_days\": 30000}");
	inspect_ok(&x, IT_T0);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM findings WHERE"
	    " resource = ?1", "user-carol"), 0);
	report(&x, 'A', "en", IT_T0 + IT_HOUR, &rc, &score);
	CU_ASSERT_EQUAL_FATAL(rec_count(&rc), 5);
	CU_ASSERT_EQUAL(rec_with(&rc, C_STATUS, "at risk"), 4);
	CU_ASSERT_EQUAL(rec_with(&rc, C_STATUS,
	    "below the portal's threshold"), 1);
	i = rec_find(&rc, C_POLICY, "TC-003", C_RESOURCE, "user-carol");
	expect_row(&rc, i, carol);
	/* A row under the portal's setting shows it next to the rule. */
	i = rec_find(&rc, C_POLICY, "TC-003", C_RESOURCE, "user-alice");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_CONDITION),
	    "mfa=required (max_idle_days=30000)");
	/* The score follows the portal's setting: TC-001 pass 2 fail 2,
	 * TC-002 pass 1 fail 1, TC-003 pass 2 (bob, carol) fail 1. */
	CU_ASSERT_EQUAL(score.pass, 5);
	CU_ASSERT_EQUAL(score.fail, 4);
	rec_done(&rc);

	/* In B, the section says it is current. */
	report(&x, 'B', "en", IT_T0 + IT_HOUR, &rc, &score);
	i = rec_find(&rc, B(C_POLICY), "TC-003", B(C_RESOURCE), "user-carol");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, 0),
	    "A. current state");
	CU_ASSERT_EQUAL(rec_width(&rc, (size_t)i), C_COUNT + 1);
	rec_done(&rc);

	report(&x, 'A', "ja", IT_T0 + IT_HOUR, &rc, &score);
	i = rec_find(&rc, C_POLICY, "TC-003", C_RESOURCE, "user-carol");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_STATUS),
	    "個別設定の基準未満");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, (size_t)i, C_NOTIFIED),
	    "即時通知に設定した基準に達しないため、通知履歴なし");
	rec_done(&rc);

	/* A stricter setting than the pack's adds no such row. */
	it_setting(&x, "TC-003", -1, -1, -1, "{\"max_idle_days\": 1}");
	report(&x, 'A', "en", IT_T0 + IT_HOUR, &rc, &score);
	CU_ASSERT_EQUAL(rec_with(&rc, C_STATUS,
	    "below the portal's threshold"), 0);
	rec_done(&rc);
	it_close(&x);
}

static void
test_risk_no_target_counts_as_pass(void)
{
	struct cp_risk_score score;
	struct it_fx x;
	struct rec rc;

	it_open(&x, "testcloud", 0, 0);
	/* No bucket at all: TC-002 has no target. */
	it_unit_file(&x, "resources.json", "["
	    "{\"type\": \"testcloud/firewall-rule\", \"id\": \"r-open\","
	    " \"name\": \"open\", \"region\": \"tokyo\", \"raw\":"
	    " {\"direction\": \"ingress\", \"action\": \"allow\","
	    " \"source\": \"0.0.0.0/0\", \"ports\": \"22\"}},"
	    "{\"type\": \"testcloud/firewall-rule\", \"id\": \"r-office\","
	    " \"name\": \"office\", \"region\": \"tokyo\", \"raw\":"
	    " {\"direction\": \"ingress\", \"action\": \"allow\","
	    " \"source\": \"203.0.113.0/24\", \"ports\": \"22\"}},"
	    "{\"type\": \"testcloud/user\", \"id\": \"u-bob\","
	    " \"name\": \"bob\", \"region\": \"global\", \"raw\":"
	    " {\"mfa\": true, \"last_login\": \"2023-11-01T00:00:00Z\"}}]");
	inspect_ok(&x, IT_T0);
	report(&x, 'A', "en", IT_T0, &rc, &score);
	CU_ASSERT_EQUAL(rec_count(&rc), 1);
	/* TC-001 pass 1 fail 1, TC-002 no target (1 pass), TC-003 pass 1. */
	CU_ASSERT_EQUAL(score.scored, 1);
	CU_ASSERT_EQUAL(score.pass, 3);
	CU_ASSERT_EQUAL(score.fail, 1);
	CU_ASSERT_EQUAL(score.no_target, 1);
	rec_done(&rc);

	/* A disabled policy is not judged at all. */
	it_setting(&x, "TC-003", 0, -1, -1, NULL);
	report(&x, 'A', "en", IT_T0, &rc, &score);
	CU_ASSERT_EQUAL(score.pass, 2);
	CU_ASSERT_EQUAL(score.fail, 1);
	rec_done(&rc);
	it_close(&x);
}

static void
test_risk_disabled_policy_is_left_out(void)
{
	struct cp_risk_score score;
	struct it_fx x;
	struct rec rc;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	it_estate(&x, "resources-2.json", "resources.json");
	inspect_ok(&x, IT_T0 + IT_HOUR);	/* bucket-public resolved */
	/* TC-001 still has open findings, TC-002 a resolved one: neither
	 * is reported once its policy is off, nor judged. */
	it_setting(&x, "TC-001", 0, -1, -1, NULL);
	it_setting(&x, "TC-002", 0, -1, -1, NULL);
	report(&x, 'B', "en", IT_T0 + 2 * IT_HOUR, &rc, &score);
	CU_ASSERT_EQUAL(rec_count(&rc), 2);
	CU_ASSERT_EQUAL(rec_with(&rc, B(C_POLICY), "TC-003"), 2);
	/* TC-003 alone: bob passes, alice and carol fail. */
	CU_ASSERT_EQUAL(score.pass, 1);
	CU_ASSERT_EQUAL(score.fail, 2);
	rec_done(&rc);
	it_close(&x);
}

static void
test_risk_policy_that_cannot_decide_is_not_scored(void)
{
	struct cp_risk_score score;
	struct it_fx x;
	struct rec rc;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	/* A stored port out of bounds: TC-001 cannot run.  Its open
	 * findings stay listed, but it is out of the score, and the pack's
	 * own rule is not compared with a run that failed. */
	it_setting(&x, "TC-001", -1, -1, -1, "{\"port\": 70000}");
	report(&x, 'A', "en", IT_T0 + IT_HOUR, &rc, &score);
	CU_ASSERT_EQUAL(rec_count(&rc), 5);
	CU_ASSERT_EQUAL(rec_with(&rc, C_STATUS, "at risk"), 5);
	/* TC-002 pass 1 fail 1, TC-003 pass 1 fail 2. */
	CU_ASSERT_EQUAL(score.scored, 1);
	CU_ASSERT_EQUAL(score.pass, 2);
	CU_ASSERT_EQUAL(score.fail, 3);
	rec_done(&rc);

	/* A collector error: TC-003 cannot decide either. */
	it_setting(&x, "TC-001", -1, -1, -1, "{\"port\": null}");
	it_estate(&x, "collector-errors-identity.json",
	    "collector-errors.json");
	{
		struct cp_inspect_result res;

		CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0 + IT_HOUR, &res),
		    CP_OK);
		CU_ASSERT_EQUAL(res.policy_errors, 1);
	}
	report(&x, 'A', "en", IT_T0 + 2 * IT_HOUR, &rc, &score);
	/* TC-001 pass 2 fail 2, TC-002 pass 1 fail 1; TC-003 neither a
	 * pass nor "no target". */
	CU_ASSERT_EQUAL(score.pass, 3);
	CU_ASSERT_EQUAL(score.fail, 3);
	CU_ASSERT_EQUAL(score.no_target, 0);
	rec_done(&rc);
	it_close(&x);
}

/*
 * The score and the threshold rows judge the latest snapshot as the
 * inspection did, at its collection time: a report printed later must not
 * age the estate (here a user idle 80 days at collection, 100 days at the
 * report) and so contradict its own rows.
 */
static void
test_risk_score_judges_as_of_the_snapshot(void)
{
	struct cp_risk_score score;
	struct it_fx x;
	struct rec rc;

	it_open(&x, "testcloud", 0, 0);
	it_unit_file(&x, "resources.json", "["
	    "{\"type\": \"testcloud/user\", \"id\": \"u-dave\","
	    " \"name\": \"dave\", \"region\": \"global\", \"raw\":"
	    " {\"mfa\": true, \"last_login\": \"2023-08-26T00:00:00Z\"}}]");
	inspect_ok(&x, IT_T0);
	/* TC-001 and TC-002 no target, TC-003 dave (80 days) passes. */
	report(&x, 'A', "en", IT_T0, &rc, &score);
	CU_ASSERT_EQUAL(rec_count(&rc), 0);
	CU_ASSERT_EQUAL(score.pass, 3);
	CU_ASSERT_EQUAL(score.fail, 0);
	rec_done(&rc);

	report(&x, 'A', "en", IT_T0 + 20 * IT_DAY, &rc, &score);
	CU_ASSERT_EQUAL(rec_count(&rc), 0);
	CU_ASSERT_EQUAL(score.pass, 3);
	CU_ASSERT_EQUAL(score.fail, 0);
	rec_done(&rc);

	/* Nor a "below the threshold" row the inspection never saw. */
	it_setting(&x, "TC-003", -1, -1, -1, "{\"max_idle_days\": 365}");
	report(&x, 'A', "en", IT_T0 + 20 * IT_DAY, &rc, &score);
	CU_ASSERT_EQUAL(rec_count(&rc), 0);
	rec_done(&rc);
	it_close(&x);
}

static void
test_risk_unit_without_snapshot(void)
{
	struct cp_risk_opts o;
	struct cp_risk_score score;
	struct cp_unit other;
	struct it_fx x;
	struct rec rc;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	CU_ASSERT_EQUAL_FATAL(cp_unit_put(x.st, x.env.id, "222222222222",
	    "staging", 0, 1), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_unit_get(x.st, x.env.id, "222222222222",
	    &other), CP_OK);
	o = risk_opts(&x, 'B', "en", IT_T0 + IT_HOUR);
	CU_ASSERT_EQUAL_FATAL(report_o(&x, &other, &o, &rc, &score), CP_OK);
	CU_ASSERT_EQUAL(rec_count(&rc), 0);
	CU_ASSERT_EQUAL(score.scored, 0);
	CU_ASSERT_EQUAL(score.pass, 0);
	CU_ASSERT_EQUAL(score.fail, 0);
	rec_done(&rc);
	it_close(&x);
}

static void
test_risk_row_error_stops(void)
{
	struct cp_risk_opts o;
	struct cp_risk_score score;
	struct it_fx x;
	struct rec rc;
	char why[256];
	cp_report *rep;
	cp_err r;

	it_open(&x, "testcloud", 0, 0);
	inspect_ok(&x, IT_T0);
	rec_init(&rc);
	rc.fail_at = 3;			/* the header, then two rows */
	memset(&score, 0, sizeof(score));
	o = risk_opts(&x, 'A', "en", IT_T0);
	rep = rec_report(&rc, &o, &r);
	CU_ASSERT_EQUAL(r, CP_OK);
	CU_ASSERT_EQUAL(cp_report_risk_unit(x.st, &x.portal, &x.env, &x.unit,
	    it_g.set, &o, rep, &score, why, sizeof(why)), CP_E_IO);
	CU_ASSERT_EQUAL(rec_count(&rc), 3);
	/* The report keeps its first error: nothing more is written. */
	CU_ASSERT_EQUAL(cp_report_risk_unit(x.st, &x.portal, &x.env, &x.unit,
	    it_g.set, &o, rep, &score, why, sizeof(why)), CP_E_IO);
	CU_ASSERT_EQUAL(rec_count(&rc), 3);
	CU_ASSERT_EQUAL(cp_report_close(rep, 1, why, sizeof(why)), CP_E_IO);
	rec_done(&rc);

	rec_init(&rc);
	rc.fail_at = 1;
	CU_ASSERT_EQUAL(risk_header(&o, &rc), CP_E_IO);
	rec_done(&rc);
	it_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "header", test_risk_header },
		{ "a_rows_one_per_open_finding",
		    test_risk_a_rows_one_per_open_finding },
		{ "b_rows_history", test_risk_b_rows_history },
		{ "b_keeps_the_latest_finding",
		    test_risk_b_keeps_the_latest_finding },
		{ "ja_rows", test_risk_ja_rows },
		{ "notified_column", test_risk_notified_column },
		{ "remediation_column", test_risk_remediation_column },
		{ "below_threshold_row", test_risk_below_threshold_row },
		{ "no_target_counts_as_pass",
		    test_risk_no_target_counts_as_pass },
		{ "disabled_policy_is_left_out",
		    test_risk_disabled_policy_is_left_out },
		{ "policy_that_cannot_decide_is_not_scored",
		    test_risk_policy_that_cannot_decide_is_not_scored },
		{ "score_judges_as_of_the_snapshot",
		    test_risk_score_judges_as_of_the_snapshot },
		{ "unit_without_snapshot", test_risk_unit_without_snapshot },
		{ "row_error_stops", test_risk_row_error_stops },
		{ NULL, NULL }
	};
	int rc;

	rc = 1;
	if (it_global_init() == 0)
		rc = cp_test_run("risk", tests);
	it_global_done();
	return rc;
}
