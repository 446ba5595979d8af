/*
 * test_ledger.c - the ledgers as named reports (cp_report_run): known
 * names, a scope of several units and clouds written to CSV, one row for
 * a unit never inspected, the account ledger's table per cloud, progress,
 * and bad scopes (unknown environment or unit: an error and no file).
 */
#include "ledgertest.h"

#include "report/run.h"
#include "store/store.h"

struct run_fx {
	struct lt_fx lt;		/* its tmp and state dirs */
	cp_store *st;
	struct cp_portal portal;
	int64_t unit_ids[3];		/* prod/111, prod/222, az/sub-1 */
	char out[700];
	size_t steps, total;
};

static const struct lt_res estate[] = {
	{ "aws/ec2-instance", "arn:i-1", "web", "r1",
	    "{\"InstanceId\":\"i-1\",\"PublicIpAddress\":\"203.0.113.1\","
	    "\"State\":{\"Name\":\"running\"}}" },
	{ "aws/iam-user", "arn:aws:iam::111:user/alice", "alice", "global",
	    "{\"UserName\":\"alice\",\"MFADevices\":[]}" }
};

static void
unit_id(struct run_fx *f, int64_t env_id, const char *unit, size_t i)
{
	struct cp_unit u;

	CU_ASSERT_FATAL(cp_unit_put(f->st, env_id, unit, unit, 0, 1) ==
	    CP_OK);
	CU_ASSERT_FATAL(cp_unit_get(f->st, env_id, unit, &u) == CP_OK);
	f->unit_ids[i] = u.id;
}

/* Portal acme: aws "prod" (111 inspected, 222 not), azure "az". */
static void
run_open(struct run_fx *f)
{
	int64_t pid, prod, az;

	memset(f, 0, sizeof(*f));
	lt_open(&f->lt, "aws", "en");
	CU_ASSERT_FATAL(cp_store_open(f->lt.state, CP_STORE_CREATE, &f->st) ==
	    CP_OK);
	CU_ASSERT_FATAL(cp_portal_add(f->st, "acme", "en", &pid) == CP_OK);
	CU_ASSERT_FATAL(cp_portal_get(f->st, "acme", &f->portal) == CP_OK);
	CU_ASSERT_FATAL(cp_env_add(f->st, pid, "prod", "aws", "111", 0, NULL,
	    NULL, &prod) == CP_OK);
	CU_ASSERT_FATAL(cp_env_add(f->st, pid, "az", "azure", "t-1", 0, NULL,
	    NULL, &az) == CP_OK);
	unit_id(f, prod, "111", 0);
	unit_id(f, prod, "222", 1);
	unit_id(f, az, "sub-1", 2);
	lt_snapshot(&f->lt, f->unit_ids[0], "aws", estate, 2, NULL, 0);
	snprintf(f->out, sizeof(f->out), "%s/out.csv", f->lt.tmp);
}

static void
run_close(struct run_fx *f)
{
	cp_store_close(f->st);
	lt_close(&f->lt);
}

static void
progress(void *ud, size_t done, size_t total)
{
	struct run_fx *f = ud;

	f->steps++;
	CU_ASSERT_EQUAL(done, f->steps);
	f->total = total;
}

static cp_err
report(struct run_fx *f, const char *name, const char *env,
    const char *unit, struct cp_report_result *res, char *why, size_t n)
{
	struct cp_report_job j;

	memset(&j, 0, sizeof(j));
	j.name = name;
	j.env = env;
	j.unit = unit;
	j.format = "csv";
	j.path = f->out;
	j.lang = "en";
	j.flags = CP_REPORT_NO_BOM;
	j.store = f->st;
	j.portal = &f->portal;
	j.state_dir = f->lt.state;
	j.now = 1700000000;
	j.progress = progress;
	j.progress_ud = f;
	f->steps = f->total = 0;
	return cp_report_run(&j, res, why, n);
}

/* The written file, or "" (static buffer). */
static const char *
slurp(const char *path)
{
	static char buf[65536];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (fp != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

static void
test_ledger_known(void)
{
	CU_ASSERT(cp_report_known("assets"));
	CU_ASSERT(cp_report_known("accounts"));
	CU_ASSERT(cp_report_known("resources"));
	CU_ASSERT(cp_report_known("bulk"));
	CU_ASSERT(!cp_report_known("ledger"));
}

static void
test_ledger_assets_of_an_environment(void)
{
	struct cp_report_result res;
	struct run_fx f;
	char why[512];
	const char *csv;

	run_open(&f);
	CU_ASSERT_EQUAL_FATAL(report(&f, "assets", "prod", NULL, &res, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(res.units, 2);
	CU_ASSERT_EQUAL(res.rows, 2);
	CU_ASSERT_EQUAL(f.steps, 2);
	CU_ASSERT_EQUAL(f.total, 2);
	csv = slurp(f.out);
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "Environment,Cloud,Unit,Region,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "prod,aws,111,r1,aws/ec2-instance,"
	    "arn:i-1,web,A: public,203.0.113.1,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "prod,aws,222,,,,,not inspected,"
	    ",,,,,,never inspected"));
	/* No summary for a ledger. */
	CU_ASSERT_PTR_NULL(strstr(csv, "Score"));
	run_close(&f);
}

static void
test_ledger_accounts_table_per_cloud(void)
{
	struct cp_report_result res;
	struct run_fx f;
	char why[512];
	const char *csv, *aws, *azure;

	run_open(&f);
	CU_ASSERT_EQUAL_FATAL(report(&f, "accounts", NULL, NULL, &res, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(res.units, 3);
	CU_ASSERT_EQUAL(f.steps, 3);
	csv = slurp(f.out);
	aws = strstr(csv, "Environment,Cloud,Account,ARN,");
	azure = strstr(csv, "\r\n\r\nEnvironment,Cloud,Subscription,"
	    "Object ID,");
	CU_ASSERT_FATAL(aws != NULL && azure != NULL && aws < azure);
	CU_ASSERT_PTR_NOT_NULL(strstr(aws, "prod,aws,111,"
	    "arn:aws:iam::111:user/alice,alice,no,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(aws, "prod,aws,222,,,,,,,,,"
	    "never inspected"));
	CU_ASSERT_PTR_NOT_NULL(strstr(azure, "az,azure,sub-1,"));
	/* No cloud without a column set: no table of the other clouds. */
	CU_ASSERT_PTR_NULL(strstr(csv, "Environment,Cloud,Unit,Note"));
	run_close(&f);
}

static void
test_ledger_resources_of_one_unit(void)
{
	struct cp_report_result res;
	struct run_fx f;
	char why[512];
	const char *csv;

	run_open(&f);
	CU_ASSERT_EQUAL_FATAL(report(&f, "resources", "prod", "111", &res,
	    why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(res.units, 1);
	CU_ASSERT_EQUAL(res.rows, 2);	/* two resources (no header) */
	csv = slurp(f.out);
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "prod,aws,111,global,iam,"
	    "aws/iam-user,arn:aws:iam::111:user/alice,alice,,"));
	CU_ASSERT_PTR_NULL(strstr(csv, ",222,"));
	run_close(&f);
}

static void
test_ledger_bad_scope(void)
{
	struct cp_report_result res;
	struct run_fx f;
	char why[512];

	run_open(&f);
	CU_ASSERT_EQUAL(report(&f, "assets", "nope", NULL, &res, why,
	    sizeof(why)), CP_E_NOTFOUND);
	CU_ASSERT_STRING_EQUAL(why, "portal acme has no environment 'nope'");
	CU_ASSERT_EQUAL(access(f.out, F_OK), -1);
	CU_ASSERT_EQUAL(report(&f, "accounts", "prod", "333", &res, why,
	    sizeof(why)), CP_E_NOTFOUND);
	CU_ASSERT_STRING_EQUAL(why, "portal acme has no unit '333'");
	CU_ASSERT_EQUAL(access(f.out, F_OK), -1);
	run_close(&f);
}

static void
test_ledger_broken_snapshot_leaves_no_file(void)
{
	struct cp_report_result res;
	struct run_fx f;
	char why[512], path[800];
	FILE *fp;

	run_open(&f);
	CU_ASSERT_FATAL(cp_inspect_snapshot_path(f.lt.state, f.unit_ids[1],
	    path, sizeof(path)) == CP_OK);
	fp = fopen(path, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs("garbage", fp);
	fclose(fp);
	CU_ASSERT_NOT_EQUAL(report(&f, "resources", "prod", NULL, &res, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "is not an inventory snapshot"));
	CU_ASSERT_EQUAL(access(f.out, F_OK), -1);
	run_close(&f);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "known", test_ledger_known },
		{ "assets_of_an_environment",
		    test_ledger_assets_of_an_environment },
		{ "accounts_table_per_cloud",
		    test_ledger_accounts_table_per_cloud },
		{ "resources_of_one_unit", test_ledger_resources_of_one_unit },
		{ "bad_scope", test_ledger_bad_scope },
		{ "broken_snapshot_leaves_no_file",
		    test_ledger_broken_snapshot_leaves_no_file },
		{ NULL, NULL }
	};

	return cp_test_run("ledger", tests);
}
