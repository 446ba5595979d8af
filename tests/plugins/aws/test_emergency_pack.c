/*
 * test_emergency_pack.c - the AWS emergency pack (policies/emergency/aws)
 * against snapshots written from tests/plugins/aws/pack-snapshot.json,
 * without any cloud.
 *
 * The snapshots follow the contract of plugins/aws/README.md: "demo" is
 * the demo estate of tests/fakes/aws/estates/demo (times fixed against
 * NOW) with tricky cases added, "account-block" the S3 account-level
 * public access block, "broken" failed collectors, "empty" a unit whose
 * collectors found nothing.  Every policy runs on every snapshot and the
 * whole set of (policy, resource, status) results is compared with the
 * lists below, worked out by hand from the JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cptest.h"
#include "inventory/snapshot.h"
#include "policy/engine.h"
#include "policy/geoip.h"
#include "policy/pack.h"
#include "util/diag.h"

#define NOW 1716163200		/* 2024-05-20T00:00:00Z */
#define PACK_SIZE 18
#define MAX_LINES 256
#define LINE_SIZE 512
#define MAX_SNAPSHOTS 8

static char dir[] = "/tmp/cp-test-emergency-pack-XXXXXX";
static cp_policy_set *pack;
static cp_geoip *geo;

struct snap {
	const char *name;
	char path[1024];
};

static struct snap snaps[MAX_SNAPSHOTS];
static size_t n_snaps;

/* ------------------------------------------------------------ expected */

#define AP1 "arn:aws:ec2:ap-northeast-1:"
#define US1 "arn:aws:ec2:us-east-1:"
#define SGR "123456789012:security-group-rule/sgr-0000000000000"
#define R(rest) AP1 SGR rest
#define RUS(rest) US1 SGR rest
#define IAM "arn:aws:iam::123456789012:"

/*
 * "demo": the demo estate plus tricky rules (a020 tcp 20-25, a021 tcp
 * 0-65535 from ::/0, a022 udp 3389, a023 icmp, a024 from 0.0.0.0/1, a025
 * protocol -1 as a number, a026 from a prefix list; the egress rule a014
 * is no target), a bucket whose public ACL its own block ignores and
 * whose location is "" (us-east-1), an RDS instance without its public
 * flag, an inactive old key next to an active key of exactly 90 days,
 * users created 5 h and 25 h ago, a failed root sign-in, a failed sign-in
 * from Germany and a sign-in from a private address.
 */
static const char *const want_demo[] = {
	"AWS-E001|" R("a001") "|fail",
	"AWS-E001|" R("a002") "|fail",
	"AWS-E001|" R("a003") "|pass",
	"AWS-E001|" R("a004") "|pass",
	"AWS-E001|" R("a010") "|pass",
	"AWS-E001|" R("a011") "|pass",
	"AWS-E001|" R("a012") "|pass",
	"AWS-E001|" R("a013") "|pass",
	"AWS-E001|" R("a020") "|fail",
	"AWS-E001|" R("a021") "|fail",
	"AWS-E001|" R("a022") "|pass",
	"AWS-E001|" R("a023") "|pass",
	"AWS-E001|" R("a024") "|pass",
	"AWS-E001|" R("a025") "|fail",
	"AWS-E001|" R("a026") "|pass",
	"AWS-E001|" RUS("a005") "|fail",
	"AWS-E002|" R("a001") "|pass",
	"AWS-E002|" R("a002") "|pass",
	"AWS-E002|" R("a003") "|fail",
	"AWS-E002|" R("a004") "|pass",
	"AWS-E002|" R("a010") "|pass",
	"AWS-E002|" R("a011") "|pass",
	"AWS-E002|" R("a012") "|pass",
	"AWS-E002|" R("a013") "|pass",
	"AWS-E002|" R("a020") "|pass",
	"AWS-E002|" R("a021") "|fail",
	"AWS-E002|" R("a022") "|pass",
	"AWS-E002|" R("a023") "|pass",
	"AWS-E002|" R("a024") "|pass",
	"AWS-E002|" R("a025") "|fail",
	"AWS-E002|" R("a026") "|pass",
	"AWS-E002|" RUS("a005") "|fail",
	"AWS-E003|" R("a001") "|pass",
	"AWS-E003|" R("a002") "|pass",
	"AWS-E003|" R("a003") "|pass",
	"AWS-E003|" R("a004") "|pass",
	"AWS-E003|" R("a010") "|pass",
	"AWS-E003|" R("a011") "|pass",
	"AWS-E003|" R("a012") "|pass",
	"AWS-E003|" R("a013") "|pass",
	"AWS-E003|" R("a020") "|pass",
	"AWS-E003|" R("a021") "|fail",
	"AWS-E003|" R("a022") "|pass",
	"AWS-E003|" R("a023") "|pass",
	"AWS-E003|" R("a024") "|pass",
	"AWS-E003|" R("a025") "|fail",
	"AWS-E003|" R("a026") "|pass",
	"AWS-E003|" RUS("a005") "|fail",
	"AWS-E004|arn:aws:s3:::demo-app-logs|pass",
	"AWS-E004|arn:aws:s3:::demo-public-assets|fail",
	"AWS-E004|arn:aws:s3:::legacy-acl-ignored|pass",
	"AWS-E005|arn:aws:ec2:ap-northeast-1::image/ami-00000000000000prv|pass",
	"AWS-E005|arn:aws:ec2:ap-northeast-1::image/ami-00000000000000pub|fail",
	"AWS-E005|" AP1 ":snapshot/snap-0000000000000prv1|pass",
	"AWS-E005|" AP1 ":snapshot/snap-0000000000000pub1|fail",
	"AWS-E006|arn:aws:rds:ap-northeast-1:123456789012:db:analytics-db|pass",
	"AWS-E006|arn:aws:rds:ap-northeast-1:123456789012:db:creating-db|ERROR",
	"AWS-E006|arn:aws:rds:ap-northeast-1:123456789012:db:orders-db|fail",
	"AWS-E007|" IAM "root|fail",
	"AWS-E008|" IAM "root|fail",
	"AWS-E009|ev-alice-login|pass",
	"AWS-E009|ev-alice-vpn|pass",
	"AWS-E009|ev-bob-failed|pass",
	"AWS-E009|ev-bob-login|pass",
	"AWS-E009|ev-root-failed|fail",
	"AWS-E009|ev-root-login|fail",
	"AWS-E010|" IAM "user/alice|pass",
	"AWS-E010|" IAM "user/bob|fail",
	"AWS-E010|" IAM "user/ops/Erin|pass",
	"AWS-E011|" IAM "user/TestRunner|pass",
	"AWS-E011|" IAM "user/alice|pass",
	"AWS-E011|" IAM "user/carol|fail",
	"AWS-E011|" IAM "user/dave|pass",
	"AWS-E012|" IAM "account-password-policy|fail",
	"AWS-E013|123456789012|fail",
	"AWS-E014|arn:aws:guardduty:ap-northeast-1:123456789012:region|pass",
	"AWS-E014|arn:aws:guardduty:ap-northeast-3:123456789012:region|fail",
	"AWS-E014|arn:aws:guardduty:us-east-1:123456789012:region|fail",
	"AWS-E015|ev-alice-login|pass",
	"AWS-E015|ev-alice-vpn|ERROR",
	"AWS-E015|ev-bob-login|fail",
	"AWS-E015|ev-root-login|fail",
	"AWS-E016|123456789012|fail",
	"AWS-E017|arn:aws:ec2:ap-northeast-1::image/ami-00000000000000prv|pass",
	"AWS-E017|arn:aws:ec2:ap-northeast-1::image/ami-00000000000000pub|pass",
	"AWS-E017|" AP1 ":snapshot/snap-0000000000000prv1|pass",
	"AWS-E017|" AP1 ":snapshot/snap-0000000000000pub1|pass",
	"AWS-E017|" AP1 "123456789012:instance/i-0aaa0000000000db1|pass",
	"AWS-E017|" AP1 "123456789012:instance/i-0aaa000000000web1|pass",
	"AWS-E017|" US1 "123456789012:instance/i-0bbb00000000legacy|fail",
	"AWS-E017|arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:"
	    "loadbalancer/app/web-alb/0123456789abcdef|pass",
	"AWS-E017|arn:aws:rds:ap-northeast-1:123456789012:db:analytics-db|pass",
	"AWS-E017|arn:aws:rds:ap-northeast-1:123456789012:db:creating-db|pass",
	"AWS-E017|arn:aws:rds:ap-northeast-1:123456789012:db:orders-db|pass",
	"AWS-E017|arn:aws:s3:::demo-app-logs|pass",
	"AWS-E017|arn:aws:s3:::demo-public-assets|pass",
	"AWS-E017|arn:aws:s3:::legacy-acl-ignored|fail",
	"AWS-E018|" IAM "user/TestRunner|pass",
	"AWS-E018|" IAM "user/alice|pass",
	"AWS-E018|" IAM "user/bob|pass",
	"AWS-E018|" IAM "user/carol|pass",
	"AWS-E018|" IAM "user/dave|pass",
	"AWS-E018|" IAM "user/ops/Erin|fail",
	"AWS-E018|" IAM "user/tmp-admin|fail",
	NULL
};

/*
 * "account-block": the account's block ignores public ACLs but does not
 * restrict public policies; a bucket's own RestrictPublicBuckets; an ACL
 * that could not be read; the legacy location "EU".  No IAM, trail or
 * cost data: the account-wide policies answer an error or a failure,
 * never a pass.
 */
static const char *const want_account_block[] = {
	"AWS-E004|arn:aws:s3:::acl-public|pass",
	"AWS-E004|arn:aws:s3:::acl-unreadable|ERROR",
	"AWS-E004|arn:aws:s3:::both-restricted|pass",
	"AWS-E004|arn:aws:s3:::policy-public|fail",
	"AWS-E007|arn:aws:iam::210987654321:root|ERROR",
	"AWS-E008|arn:aws:iam::210987654321:root|ERROR",
	"AWS-E012|arn:aws:iam::210987654321:account-password-policy|ERROR",
	"AWS-E013|210987654321|fail",
	"AWS-E016|210987654321|ERROR",
	"AWS-E017|arn:aws:s3:::acl-public|pass",
	"AWS-E017|arn:aws:s3:::acl-unreadable|fail",
	"AWS-E017|arn:aws:s3:::both-restricted|pass",
	"AWS-E017|arn:aws:s3:::policy-public|pass",
	NULL
};

/*
 * "broken": the ec2 and guardduty collectors failed, so every policy that
 * requires them gives one ERROR without a resource; the cost is in EUR.
 */
static const char *const want_broken[] = {
	"AWS-E001||ERROR",
	"AWS-E002||ERROR",
	"AWS-E003||ERROR",
	"AWS-E004|arn:aws:s3:::demo-app-logs|pass",
	"AWS-E007|" IAM "root|pass",
	"AWS-E008|" IAM "root|pass",
	"AWS-E012|" IAM "account-password-policy|ERROR",
	"AWS-E013|123456789012|fail",
	"AWS-E014||ERROR",
	"AWS-E016|123456789012|ERROR",
	"AWS-E017||ERROR",
	NULL
};

/* "empty": collectors that worked and found nothing. */
static const char *const want_empty[] = {
	"AWS-E007|" IAM "root|ERROR",
	"AWS-E008|" IAM "root|ERROR",
	"AWS-E012|" IAM "account-password-policy|ERROR",
	"AWS-E013|123456789012|fail",
	"AWS-E016|123456789012|ERROR",
	NULL
};

/* ------------------------------------------------------------ running */

struct got {
	char lines[MAX_LINES][LINE_SIZE];
	size_t n;
	int overflow;
	int with_detail;	/* lines end with |value|detail */
};

static cp_err
collect(void *ud, const struct cp_policy *p, const struct cp_policy_result *r)
{
	static const char *const st[] = {"pass", "fail", "ERROR"};
	struct got *g = ud;

	if (g->n == MAX_LINES) {
		g->overflow = 1;
		return CP_OK;
	}
	if (g->with_detail)
		snprintf(g->lines[g->n++], LINE_SIZE, "%s|%s|%s|%s|%s", p->id,
		    r->resource_id, st[r->status], r->value, r->detail);
	else
		snprintf(g->lines[g->n++], LINE_SIZE, "%s|%s|%s", p->id,
		    r->resource_id, st[r->status]);
	return CP_OK;
}

static int
cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
cmp_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static cp_engine *
open_engine(const char *name, const cp_geoip *g)
{
	struct cp_engine_opts o;
	cp_engine *e = NULL;
	char why[512];
	size_t i;

	for (i = 0; i < n_snaps; i++)
		if (strcmp(snaps[i].name, name) == 0)
			break;
	CU_ASSERT_FATAL(i < n_snaps);
	memset(&o, 0, sizeof(o));
	o.geoip = g;
	o.now = NOW;
	if (cp_engine_open(snaps[i].path, NULL, &o, &e, why, sizeof(why)) !=
	    CP_OK)
		fprintf(stderr, "\nopen %s: %s\n", name, why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return e;
}

/* Runs policy id (every policy when NULL) with params into g. */
static void
run(cp_engine *e, const char *id, const char *params, struct got *g)
{
	const struct cp_policy *p;
	json_t *pj = NULL;
	char why[512];
	size_t i;

	if (params != NULL) {
		pj = json_loads(params, 0, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(pj);
	}
	for (i = 0; i < cp_policy_set_count(pack); i++) {
		p = cp_policy_set_at(pack, i);
		if (id != NULL && strcmp(p->id, id) != 0)
			continue;
		if (cp_engine_run(e, p, pj, collect, g, why, sizeof(why)) !=
		    CP_OK) {
			fprintf(stderr, "\n%s\n", why);
			CU_FAIL("a policy did not run");
		}
	}
	json_decref(pj);
	CU_ASSERT_FALSE(g->overflow);
	qsort(g->lines, g->n, sizeof(g->lines[0]), cmp_line);
}

/* Compares the sorted lines with want (any order); prints the diff. */
static void
expect_lines(struct got *g, const char *const *want, const char *what)
{
	const char *w[MAX_LINES];
	size_t nw = 0, i = 0, j = 0;
	int bad = 0;

	while (want[nw] != NULL && nw < MAX_LINES) {
		w[nw] = want[nw];
		nw++;
	}
	qsort(w, nw, sizeof(w[0]), cmp_ptr);
	while (i < g->n || j < nw) {
		int c = i == g->n ? 1 : j == nw ? -1 :
		    strcmp(g->lines[i], w[j]);

		if (c == 0) {
			i++;
			j++;
			continue;
		}
		if (!bad)
			fprintf(stderr, "\n%s:\n", what);
		bad = 1;
		if (c < 0)
			fprintf(stderr, "  unexpected: %s\n", g->lines[i++]);
		else
			fprintf(stderr, "  missing:    %s\n", w[j++]);
	}
	CU_ASSERT_FALSE(bad);
}

/* The fail lines of policy id with params on snapshot name, joined. */
static const char *
fails(const char *name, const char *id, const char *params)
{
	static char buf[4096];
	struct got *g = calloc(1, sizeof(*g));
	cp_engine *e = open_engine(name, geo);
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	run(e, id, params, g);
	buf[0] = '\0';
	for (i = 0; i < g->n; i++) {
		const char *rid = strchr(g->lines[i], '|') + 1;

		if (strcmp(strrchr(g->lines[i], '|'), "|pass") == 0)
			continue;
		if (buf[0] != '\0')
			strncat(buf, "; ", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, rid, sizeof(buf) - strlen(buf) - 1);
	}
	cp_engine_close(e);
	free(g);
	return buf;
}

/* The "value|detail" of policy id on resource rid in snapshot name. */
static const char *
detail_of(const char *name, const char *id, const char *rid)
{
	static char buf[LINE_SIZE];
	struct got *g = calloc(1, sizeof(*g));
	cp_engine *e = open_engine(name, geo);
	char head[LINE_SIZE];
	size_t i, n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	g->with_detail = 1;
	run(e, id, NULL, g);
	snprintf(buf, sizeof(buf), "(no result for %s)", rid);
	n = (size_t)snprintf(head, sizeof(head), "%s|%s|", id, rid);
	for (i = 0; i < g->n; i++)
		if (strncmp(g->lines[i], head, n) == 0) {
			/* Skip the status. */
			snprintf(buf, sizeof(buf), "%s",
			    strchr(g->lines[i] + n, '|') + 1);
			break;
		}
	cp_engine_close(e);
	free(g);
	return buf;
}

static void
expect_str(const char *got, const char *want, int line)
{
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\nline %d:\n  got: %s\n want: %s\n", line, got,
		    want);
	CU_ASSERT_STRING_EQUAL(got, want);
}

#define EXPECT(got, want) expect_str(got, want, __LINE__)

static void
check_snapshot(const char *name, const char *const *want)
{
	struct got *g = calloc(1, sizeof(*g));
	cp_engine *e = open_engine(name, geo);

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	run(e, NULL, NULL, g);
	expect_lines(g, want, name);
	cp_engine_close(e);
	free(g);
}

/* ------------------------------------------------------------ tests */

static void
test_pack_loads_cleanly(void)
{
	static const char *const collectors[] = {
		"ec2", "ec2-images", "elbv2", "rds", "s3", "iam",
		"iam-credential-report", "cloudtrail", "cloudtrail-events",
		"guardduty", "cost", "resource-explorer", NULL
	};
	const struct cp_policy *p;
	size_t i, j, k;
	char id[32];

	CU_ASSERT_EQUAL(cp_policy_set_count(pack), PACK_SIZE);
	for (i = 0; i < cp_policy_set_count(pack); i++) {
		p = cp_policy_set_at(pack, i);
		snprintf(id, sizeof(id), "AWS-E%03zu", i + 1);
		EXPECT(p->id, id);
		EXPECT(p->cloud, "aws");
		/* Every policy names the collectors its data comes from. */
		CU_ASSERT_TRUE(p->n_requires > 0);
		for (j = 0; j < p->n_requires; j++) {
			for (k = 0; collectors[k] != NULL; k++)
				if (strcmp(collectors[k], p->requires[j]) == 0)
					break;
			if (collectors[k] == NULL)
				fprintf(stderr, "\n%s requires unknown "
				    "collector %s\n", p->id, p->requires[j]);
			CU_ASSERT_PTR_NOT_NULL(collectors[k]);
		}
		/* Only the three security group policies remediate. */
		if (i < 3) {
			CU_ASSERT_PTR_NOT_NULL_FATAL(p->remediation_action);
			EXPECT(p->remediation_action, "revoke-ingress-rule");
		} else
			CU_ASSERT_PTR_NULL(p->remediation_action);
		CU_ASSERT_FALSE(p->default_remediate);
	}
	p = cp_policy_set_find(pack, "AWS-E009");
	CU_ASSERT_EQUAL(p->mode, CP_MODE_EVENT);
	p = cp_policy_set_find(pack, "AWS-E015");
	CU_ASSERT_EQUAL(p->mode, CP_MODE_EVENT);
	p = cp_policy_set_find(pack, "AWS-E016");
	CU_ASSERT_EQUAL(p->mode, CP_MODE_DAILY);
	EXPECT(json_string_value(json_object_get(p->json, "patrol")), "cost");
	p = cp_policy_set_find(pack, "AWS-E017");
	EXPECT(json_string_value(json_object_get(p->json, "patrol")),
	    "regions");
	/* The patrol report reads this parameter by name. */
	CU_ASSERT_PTR_NOT_NULL(cp_policy_param_find(p, "domestic_regions"));
	p = cp_policy_set_find(pack, "AWS-E018");
	EXPECT(json_string_value(json_object_get(p->json, "patrol")), "users");
}

/* Every file of the pack is installed: policies/local.mk lists it. */
static void
test_pack_files_are_listed(void)
{
	const struct cp_policy *p;
	char path[1024], *mk = NULL, name[128];
	size_t i, len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/policies/local.mk", CP_TEST_SRCDIR());
	f = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	mk = calloc(1, 65536);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mk);
	len = fread(mk, 1, 65535, f);
	fclose(f);
	CU_ASSERT_TRUE(len > 0);
	for (i = 0; i < cp_policy_set_count(pack); i++) {
		p = cp_policy_set_at(pack, i);
		snprintf(name, sizeof(name), "policies/emergency/aws/%s.json ",
		    p->id);
		if (strstr(mk, name) == NULL)
			fprintf(stderr, "\n%s is not in policies/local.mk\n",
			    name);
		CU_ASSERT_PTR_NOT_NULL(strstr(mk, name));
		snprintf(name, sizeof(name), "policies/emergency/aws/%s.sql",
		    p->id);
		CU_ASSERT_PTR_NOT_NULL(strstr(mk, name));
	}
	free(mk);
}

static void
test_demo_estate(void)
{
	check_snapshot("demo", want_demo);
}

static void
test_account_level_block(void)
{
	check_snapshot("account-block", want_account_block);
}

static void
test_collector_errors(void)
{
	check_snapshot("broken", want_broken);
	EXPECT(detail_of("broken", "AWS-E014", ""), "|collector guardduty "
	    "failed (credentials refused): 123456789012 ap-northeast-3 "
	    "ListDetectors: AccessDeniedException");
}

static void
test_missing_data(void)
{
	check_snapshot("empty", want_empty);
	EXPECT(detail_of("empty", "AWS-E012", IAM "account-password-policy"),
	    "unknown|the password policy is not in the snapshot");
	EXPECT(detail_of("empty", "AWS-E016", "123456789012"),
	    "unknown|no monthly cost in the snapshot");
	EXPECT(detail_of("broken", "AWS-E016", "123456789012"),
	    "unknown|the cost of 2024-05 is in EUR, not USD");
}

static void
test_details(void)
{
	EXPECT(detail_of("demo", "AWS-E001", R("a020")),
	    "tcp 20-25 from 0.0.0.0/0|inbound tcp 20-25 from 0.0.0.0/0 opens "
	    "administrative port 22 to every address");
	EXPECT(detail_of("demo", "AWS-E001", R("a025")),
	    "all traffic from ::/0|inbound all traffic from ::/0 opens "
	    "administrative ports 22,3389 to every address");
	EXPECT(detail_of("demo", "AWS-E001", R("a013")),
	    "all traffic from sg-0a1b2c3d4e5f0000d|inbound all traffic from "
	    "sg-0a1b2c3d4e5f0000d");
	EXPECT(detail_of("demo", "AWS-E002", R("a021")),
	    "tcp 0-65535 from ::/0|inbound tcp 0-65535 from ::/0 opens "
	    "database ports 1433,1521,3306,5432,5984,6379,9042,9200,9300,"
	    "11211,27017 to every address");
	EXPECT(detail_of("demo", "AWS-E003", R("a023")),
	    "icmp from 0.0.0.0/0|inbound icmp from 0.0.0.0/0");
	EXPECT(detail_of("demo", "AWS-E004", "arn:aws:s3:::demo-public-assets"),
	    "acl=AllUsers:READ policy=public|public through its ACL "
	    "(AllUsers:READ) and its bucket policy");
	EXPECT(detail_of("demo", "AWS-E004", "arn:aws:s3:::legacy-acl-ignored"),
	    "acl=AuthenticatedUsers:WRITE (ignored) policy=private|public "
	    "grants are neutralised by a public access block");
	EXPECT(detail_of("account-block", "AWS-E004",
	    "arn:aws:s3:::policy-public"),
	    "acl=private policy=public|public through its bucket policy");
	EXPECT(detail_of("demo", "AWS-E009", "ev-root-failed"),
	    "192.0.2.9|root console sign-in at 2024-05-19T23:20:00Z from "
	    "192.0.2.9 (result Failure, MFA No)");
	EXPECT(detail_of("demo", "AWS-E011", IAM "user/carol"),
	    "400 days|active key(s) older than 90 days: "
	    "AKIAFAKECAROL0000001 (400 days)");
	EXPECT(detail_of("demo", "AWS-E011", IAM "user/dave"),
	    "90 days|the oldest active key is 90 days old");
	EXPECT(detail_of("demo", "AWS-E012", IAM "account-password-policy"),
	    "length=8 reuse=0 max_age=none|minimum length 8 is below 14; "
	    "remembers 0 previous passwords, not 24");
	EXPECT(detail_of("demo", "AWS-E013", "123456789012"),
	    "0 of 2 trails log all regions|trails: demo-trail (one region, "
	    "logging), old-all-regions (all regions, stopped)");
	EXPECT(detail_of("demo", "AWS-E014",
	    "arn:aws:guardduty:us-east-1:123456789012:region"),
	    "SUSPENDED|detectors in us-east-1: "
	    "98fed76c543b2a109fe8d76c54321ba0 DISABLED");
	EXPECT(detail_of("demo", "AWS-E015", "ev-bob-login"),
	    "US 198.51.100.20|console sign-in at 2024-05-19T23:00:00Z from "
	    "198.51.100.20 in US");
	EXPECT(detail_of("demo", "AWS-E016", "123456789012"),
	    "1834.27 USD|month-to-date cost of 2024-05: 1834.27 USD, above "
	    "1000");
	EXPECT(detail_of("demo", "AWS-E017",
	    "arn:aws:s3:::legacy-acl-ignored"),
	    "us-east-1|s3-bucket in us-east-1, outside the domestic regions");
	EXPECT(detail_of("demo", "AWS-E018", IAM "user/tmp-admin"),
	    "2024-05-19T04:00:00Z|created 2024-05-19T04:00:00Z; the name "
	    "matches *admin*");
}

static void
test_parameters(void)
{
	EXPECT(fails("demo", "AWS-E001", "{\"ports\": [80]}"),
	    R("a011") "|fail; " R("a021") "|fail; " R("a025") "|fail; "
	    RUS("a005") "|fail");
	EXPECT(fails("demo", "AWS-E001", "{\"ports\": [\"5000-6000\"]}"),
	    R("a021") "|fail; " R("a025") "|fail; " RUS("a005") "|fail");
	/* One address family at a time, as CIS splits them (the rules of
	 * the other family are no target). */
	EXPECT(fails("demo", "AWS-E001", "{\"ip_versions\": [4]}"),
	    R("a001") "|fail; " R("a020") "|fail; " RUS("a005") "|fail");
	EXPECT(fails("demo", "AWS-E001", "{\"ip_versions\": [6]}"),
	    R("a002") "|fail; " R("a021") "|fail; " R("a025") "|fail");
	EXPECT(fails("demo", "AWS-E003", "{\"ip_versions\": [4]}"),
	    RUS("a005") "|fail");
	EXPECT(fails("demo", "AWS-E003", "{\"ip_versions\": [6]}"),
	    R("a021") "|fail; " R("a025") "|fail");
	EXPECT(fails("demo", "AWS-E002", "{\"ports\": [443]}"),
	    R("a010") "|fail; " R("a021") "|fail; " R("a025") "|fail; "
	    RUS("a005") "|fail");
	EXPECT(fails("demo", "AWS-E011", "{\"max_age_days\": 400}"), "");
	EXPECT(fails("demo", "AWS-E011", "{\"max_age_days\": 29}"),
	    IAM "user/alice|fail; " IAM "user/carol|fail; "
	    IAM "user/dave|fail");
	EXPECT(fails("demo", "AWS-E012",
	    "{\"min_length\": 8, \"reuse_prevention\": 0}"), "");
	EXPECT(fails("demo", "AWS-E012", "{\"min_length\": 8, "
	    "\"reuse_prevention\": 0, \"required_characters\": "
	    "[\"uppercase\", \"lowercase\"]}"), "");
	EXPECT(fails("demo", "AWS-E012", "{\"min_length\": 8, "
	    "\"reuse_prevention\": 0, \"required_characters\": "
	    "[\"Symbols\"]}"), IAM "account-password-policy|fail");
	EXPECT(fails("demo", "AWS-E012", "{\"min_length\": 8, "
	    "\"reuse_prevention\": 0, \"max_age_days\": 90}"),
	    IAM "account-password-policy|fail");
	EXPECT(fails("demo", "AWS-E015",
	    "{\"allowed_countries\": [\"JP\", \"us\"]}"),
	    "ev-alice-vpn|ERROR");
	EXPECT(fails("demo", "AWS-E016", "{\"threshold\": 1834.27}"), "");
	EXPECT(fails("demo", "AWS-E016", "{\"currency\": \"JPY\"}"),
	    "123456789012|ERROR");
	EXPECT(fails("demo", "AWS-E017", "{\"domestic_regions\": "
	    "[\"ap-northeast-1\", \"ap-northeast-3\", \"us-east-1\"]}"), "");
	EXPECT(fails("demo", "AWS-E018", "{\"only_matching\": 1}"),
	    IAM "user/tmp-admin|fail");
	EXPECT(fails("demo", "AWS-E018", "{\"within_days\": 2}"),
	    IAM "user/TestRunner|fail; " IAM "user/ops/Erin|fail; "
	    IAM "user/tmp-admin|fail");
	EXPECT(fails("demo", "AWS-E018", "{\"only_matching\": 1, "
	    "\"within_days\": 2}"),
	    IAM "user/TestRunner|fail; " IAM "user/tmp-admin|fail");
}

/* Without a GeoIP database no sign-in passes the country check. */
static void
test_no_geoip_is_an_error(void)
{
	struct got *g = calloc(1, sizeof(*g));
	cp_engine *e = open_engine("demo", NULL);
	static const char *const want[] = {
		"AWS-E015|ev-alice-login|ERROR",
		"AWS-E015|ev-alice-vpn|ERROR",
		"AWS-E015|ev-bob-login|ERROR",
		"AWS-E015|ev-root-login|ERROR",
		NULL
	};

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	run(e, "AWS-E015", NULL, g);
	expect_lines(g, want, "AWS-E015 without GeoIP");
	cp_engine_close(e);
	free(g);
}

/* ------------------------------------------------------------ fixtures */

static cp_err
write_snapshot(const json_t *s, const char *path, char *why, size_t n)
{
	struct cp_snapshot_meta m;
	const struct cp_inventory_sink *sink;
	cp_snapshot_writer *w = NULL;
	json_t *v;
	size_t i;
	char *text;
	cp_err r = CP_OK;

	memset(&m, 0, sizeof(m));
	m.cloud = "aws";
	m.env = "pack-test";
	m.unit = json_string_value(json_object_get(s, "unit"));
	m.plugin = "aws";
	m.plugin_version = "test";
	m.collected_at = NOW;
	if (cp_snapshot_begin(path, &m, &w, why, n) != CP_OK)
		return CP_E_IO;
	sink = cp_snapshot_sink(w);
	json_array_foreach(json_object_get(s, "resources"), i, v) {
		text = json_dumps(json_object_get(v, "json"), JSON_COMPACT |
		    JSON_ENCODE_ANY);
		r = text == NULL ? CP_E_NOMEM : sink->resource(sink,
		    json_string_value(json_object_get(v, "type")),
		    json_string_value(json_object_get(v, "id")),
		    json_string_value(json_object_get(v, "name")),
		    json_string_value(json_object_get(v, "region")), text);
		free(text);
		if (r != CP_OK)
			goto fail;
	}
	json_array_foreach(json_object_get(s, "events"), i, v) {
		text = json_dumps(json_object_get(v, "json"), JSON_COMPACT);
		r = text == NULL ? CP_E_NOMEM : sink->event(sink,
		    json_string_value(json_object_get(v, "type")),
		    json_string_value(json_object_get(v, "time")),
		    json_string_value(json_object_get(v, "id")), text);
		free(text);
		if (r != CP_OK)
			goto fail;
	}
	json_array_foreach(json_object_get(s, "costs"), i, v) {
		r = sink->cost(sink,
		    json_string_value(json_object_get(v, "period")),
		    json_number_value(json_object_get(v, "amount")),
		    json_string_value(json_object_get(v, "currency")));
		if (r != CP_OK)
			goto fail;
	}
	json_array_foreach(json_object_get(s, "collector_errors"), i, v) {
		r = sink->collector_error(sink,
		    json_string_value(json_object_get(v, "collector")),
		    CP_E_AUTH, json_string_value(json_object_get(v,
		    "message")));
		if (r != CP_OK)
			goto fail;
	}
	return cp_snapshot_commit(w, why, n);
fail:
	snprintf(why, n, "%s: item %zu refused: %s", path, i, cp_strerror(r));
	cp_snapshot_abort(w);
	return r;
}

static json_t *fixture;

static int
make_snapshots(void)
{
	json_error_t err;
	json_t *s;
	char path[1024], why[512];
	size_t i;

	snprintf(path, sizeof(path), "%s/tests/plugins/aws/pack-snapshot.json",
	    CP_TEST_SRCDIR());
	fixture = json_load_file(path, 0, &err);
	if (fixture == NULL) {
		fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
		return -1;
	}
	json_array_foreach(json_object_get(fixture, "snapshots"), i, s) {
		if (n_snaps == MAX_SNAPSHOTS)
			return -1;
		snaps[n_snaps].name = json_string_value(json_object_get(s,
		    "name"));
		if (snaps[n_snaps].name == NULL)
			return -1;
		snprintf(snaps[n_snaps].path, sizeof(snaps[n_snaps].path),
		    "%s/%s.db", dir, snaps[n_snaps].name);
		if (write_snapshot(s, snaps[n_snaps].path, why, sizeof(why)) !=
		    CP_OK) {
			fprintf(stderr, "%s\n", why);
			return -1;
		}
		n_snaps++;
	}
	return n_snaps == 4 ? 0 : -1;
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{"pack_loads_cleanly", test_pack_loads_cleanly},
		{"pack_files_are_listed", test_pack_files_are_listed},
		{"demo_estate", test_demo_estate},
		{"account_level_block", test_account_level_block},
		{"collector_errors", test_collector_errors},
		{"missing_data", test_missing_data},
		{"details", test_details},
		{"parameters", test_parameters},
		{"no_geoip_is_an_error", test_no_geoip_is_an_error},
		{NULL, NULL},
	};
	char path[1024], why[512], cmd[1200];
	const char *dirs[2] = {path, NULL};
	struct cp_diag diag;
	size_t i;
	int rc = 2;

	if (mkdtemp(dir) == NULL)
		return 2;
	cp_diag_init(&diag);
	snprintf(path, sizeof(path), "%s/tests/plugins/aws/pack-geoip.csv",
	    CP_TEST_SRCDIR());
	if (cp_geoip_load(path, NULL, &geo, why, sizeof(why)) != CP_OK) {
		fprintf(stderr, "%s\n", why);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/policies/emergency/aws",
	    CP_TEST_SRCDIR());
	if (cp_policy_set_load(dirs, &pack, &diag) != CP_OK) {
		fprintf(stderr, "cannot load %s\n", path);
		goto out;
	}
	/* Not even a warning: an unknown key is a typo. */
	for (i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.lines[i]);
	if (diag.n != 0 || make_snapshots() != 0) {
		fprintf(stderr, "set-up failed\n");
		goto out;
	}
	rc = cp_test_run("emergency_pack", tests);
out:
	cp_diag_free(&diag);
	cp_policy_set_free(pack);
	cp_geoip_free(geo);
	json_decref(fixture);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return rc;
}
