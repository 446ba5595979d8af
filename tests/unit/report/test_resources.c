/*
 * test_resources.c - the resource list: AWS from Resource Explorer
 * (de-duplicated, with its tags), the fall-back to the snapshot's own
 * resources (disabled, failed, empty), tags in their several shapes,
 * another cloud, a unit never inspected.
 */
#include "ledgertest.h"

enum {
	C_ENV, C_CLOUD, C_UNIT, C_REGION, C_SERVICE, C_TYPE, C_ID, C_NAME,
	C_TAGS, C_SOURCE, C_COUNT
};

#define RE_ON "{\"Enabled\":true,\"IndexRegion\":\"r1\"," \
	"\"IndexType\":\"AGGREGATOR\"}"
#define RE_OFF "{\"Enabled\":false,\"IndexRegion\":null,\"IndexType\":null}"

#define EXPLORED(arn, type, region, service)                               \
	{ "aws/resource", arn, NULL, region,                              \
	    "{\"Arn\":\"" arn "\",\"ResourceType\":\"" type "\","         \
	    "\"Region\":\"" region "\",\"Service\":\"" service "\"}" }

/* The snapshot's own resources, then what Resource Explorer found. */
static const struct lt_res collected[] = {
	{ "aws/ec2-instance", "arn:aws:ec2:r1:1:instance/i-1", "web", "r1",
	    "{\"InstanceId\":\"i-1\",\"TagSet\":[{\"Key\":\"Name\","
	    "\"Value\":\"web\"},{\"Key\":\"env\",\"Value\":\"prod\"}]}" },
	{ "aws/s3-bucket", "arn:aws:s3:::logs", "logs", "global",
	    "{\"Name\":\"logs\",\"Tags\":{\"team\":\"ops\"}}" },
	{ "aws/iam-user", "arn:aws:iam::1:user/a", "a", "global",
	    "{\"UserName\":\"a\",\"Tags\":[]}" },
	/* Bookkeeping, never listed as resources. */
	{ "aws/iam-credential-report-row", "arn:aws:iam::1:user/a", "a",
	    "global", "{\"user\":\"a\"}" },
	{ "aws/account", "1", "demo", "global", "{\"AccountId\":\"1\"}" },
	{ "aws/account", "1", "demo", "global", "{\"AccountId\":\"1\"}" },
};

static const struct lt_res explored[] = {
	EXPLORED("arn:aws:lambda:r1:1:function:f", "lambda:function", "r1",
	    "lambda"),
	EXPLORED("arn:aws:ec2:r1:1:instance/i-1", "ec2:instance", "r1",
	    "ec2"),
	/* A global resource seen by two local indexes. */
	EXPLORED("arn:aws:iam::1:user/a", "iam:user", "global", "iam"),
	EXPLORED("arn:aws:iam::1:user/a", "iam:user", "global", "iam"),
	{ "aws/resource", "arn:aws:sqs:r2:1:q", "q", "r2",
	    "{\"Arn\":\"arn:aws:sqs:r2:1:q\",\"ResourceType\":\"sqs:queue\","
	    "\"Region\":\"r2\",\"Service\":\"sqs\",\"Properties\":["
	    "{\"Name\":\"other\",\"Data\":{}},"
	    "{\"Name\":\"tags\",\"Data\":[{\"Key\":\"owner\","
	    "\"Value\":\"=cmd\"}]}]}" }
};

/* The two, and the status record (RE_ON or RE_OFF). */
static void
write_unit(struct lt_fx *x, const char *status, int with_explored,
    const struct lt_err *errs, size_t n_errs)
{
	struct lt_res all[32];
	size_t n = 0, i;

	for (i = 0; i < sizeof(collected) / sizeof(collected[0]); i++)
		all[n++] = collected[i];
	if (status != NULL) {
		all[n].type = "aws/resource-explorer";
		all[n].id = "arn:aws:resource-explorer-2::1:status";
		all[n].name = "resource-explorer";
		all[n].region = "global";
		all[n].json = status;
		n++;
	}
	for (i = 0; with_explored && i < sizeof(explored) /
	    sizeof(explored[0]); i++)
		all[n++] = explored[i];
	lt_snapshot(x, x->unit.id, x->env.cloud, all, n, errs, n_errs);
}

static void
run(struct lt_fx *x, struct lt_rec *rc)
{
	CU_ASSERT_EQUAL_FATAL(lt_run(x, cp_ledger_resources_table(),
	    cp_ledger_resources_unit, rc), CP_OK);
}

static void
test_resources_header(void)
{
	static const char *const en[C_COUNT] = {
		"Environment", "Cloud", "Unit", "Region", "Service",
		"Resource type", "Resource ID", "Name", "Tags",
		"Source / note"
	};
	const struct cp_report_table *t = cp_ledger_resources_table();
	size_t i;

	CU_ASSERT_STRING_EQUAL(t->en, "Resource list");
	CU_ASSERT_STRING_EQUAL(t->ja, "リソース一覧");
	CU_ASSERT_EQUAL_FATAL(t->n_cols, C_COUNT);
	for (i = 0; i < C_COUNT; i++) {
		CU_ASSERT_STRING_EQUAL(t->cols[i].en, en[i]);
		CU_ASSERT_PTR_NOT_NULL(t->cols[i].ja);
	}
}

static void
test_resources_from_resource_explorer(void)
{
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "aws", "en");
	write_unit(&x, RE_ON, 1, NULL, 0);
	run(&x, &rc);
	/* De-duplicated, by region, type and ARN. */
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 5);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_ID), "arn:aws:iam::1:user/a");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 2, C_ID),
	    "arn:aws:ec2:r1:1:instance/i-1");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 3, C_ID),
	    "arn:aws:lambda:r1:1:function:f");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 4, C_ID), "arn:aws:sqs:r2:1:q");
	LT_CELL(&rc, C_ID, "arn:aws:lambda:r1:1:function:f", C_ENV, "prod");
	LT_CELL(&rc, C_ID, "arn:aws:lambda:r1:1:function:f", C_CLOUD, "aws");
	LT_CELL(&rc, C_ID, "arn:aws:lambda:r1:1:function:f", C_UNIT,
	    "111111111111");
	LT_CELL(&rc, C_ID, "arn:aws:lambda:r1:1:function:f", C_REGION, "r1");
	LT_CELL(&rc, C_ID, "arn:aws:lambda:r1:1:function:f", C_SERVICE,
	    "lambda");
	LT_CELL(&rc, C_ID, "arn:aws:lambda:r1:1:function:f", C_TYPE,
	    "lambda:function");
	LT_CELL(&rc, C_ID, "arn:aws:lambda:r1:1:function:f", C_SOURCE,
	    "AWS Resource Explorer");
	LT_CELL(&rc, C_ID, "arn:aws:sqs:r2:1:q", C_NAME, "q");
	/* The text as it is; neutralising is the writer's job. */
	LT_CELL(&rc, C_ID, "arn:aws:sqs:r2:1:q", C_TAGS, "owner==cmd");
	lt_done(&rc);
	lt_close(&x);
}

static void
test_resources_snapshot_when_explorer_is_off(void)
{
	struct lt_fx x;
	struct lt_rec rc;
	const char *src = "inventory snapshot (Resource Explorer is not "
	    "enabled)";

	lt_open(&x, "aws", "en");
	write_unit(&x, RE_OFF, 0, NULL, 0);
	run(&x, &rc);
	/* account (once), bucket, user, instance: no bookkeeping. */
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 5);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_TYPE), "aws/account");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 2, C_TYPE), "aws/iam-user");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 3, C_TYPE), "aws/s3-bucket");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 4, C_TYPE), "aws/ec2-instance");
	LT_CELL(&rc, C_TYPE, "aws/ec2-instance", C_SERVICE, "ec2");
	LT_CELL(&rc, C_TYPE, "aws/ec2-instance", C_NAME, "web");
	LT_CELL(&rc, C_TYPE, "aws/ec2-instance", C_TAGS, "Name=web; env=prod");
	LT_CELL(&rc, C_TYPE, "aws/ec2-instance", C_SOURCE, src);
	LT_CELL(&rc, C_TYPE, "aws/s3-bucket", C_SERVICE, "s3");
	LT_CELL(&rc, C_TYPE, "aws/s3-bucket", C_TAGS, "team=ops");
	LT_CELL(&rc, C_TYPE, "aws/iam-user", C_TAGS, "");
	LT_CELL(&rc, C_TYPE, "aws/account", C_SERVICE, "account");
	lt_done(&rc);

	/* No status record at all: the same. */
	lt_close(&x);
	lt_open(&x, "aws", "en");
	write_unit(&x, NULL, 0, NULL, 0);
	run(&x, &rc);
	CU_ASSERT_EQUAL(lt_count(&rc), 5);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_SOURCE), src);
	lt_done(&rc);
	lt_close(&x);
}

static void
test_resources_snapshot_when_explorer_failed_or_empty(void)
{
	static const struct lt_err errs[] = {
		{ "resource-explorer", "only the first 1000 resources" }
	};
	struct lt_fx x;
	struct lt_rec rc;

	/* Failed: what the snapshot has, and a row naming the failure. */
	lt_open(&x, "aws", "en");
	write_unit(&x, RE_ON, 1, errs, 1);
	run(&x, &rc);
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 6);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_TYPE), "");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_SOURCE), "data missing: "
	    "collector resource-explorer failed (only the first 1000 "
	    "resources); what it collects is not listed");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 2, C_SOURCE), "inventory "
	    "snapshot (Resource Explorer failed or was cut short)");
	CU_ASSERT_EQUAL(lt_find(&rc, C_TYPE, "lambda:function"), -1);
	lt_done(&rc);
	lt_close(&x);

	/* Enabled but empty. */
	lt_open(&x, "aws", "ja");
	write_unit(&x, RE_ON, 0, NULL, 0);
	run(&x, &rc);
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 5);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 0, C_SOURCE), "取得元 / 備考");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_SOURCE), "インベントリの"
	    "スナップショット (Resource Explorer の結果が空)");
	lt_done(&rc);
	lt_close(&x);
}

static void
test_resources_other_cloud(void)
{
	static const struct lt_res gcp[] = {
		{ "gcp/compute/instance", "projects/p/zones/z/instances/vm",
		    "vm", "z", "{\"labels\":{\"a\":\"b\"},\"tags\":"
		    "{\"items\":[\"http\"]}}" },
		{ "gcp/resource", "//x/y", "y", NULL, "{\"tags\":\"odd\"}" }
	};
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "gcp", "en");
	lt_snapshot(&x, x.unit.id, "gcp", gcp, 2, NULL, 0);
	run(&x, &rc);
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 3);
	LT_CELL(&rc, C_NAME, "vm", C_SERVICE, "compute");
	LT_CELL(&rc, C_NAME, "vm", C_SOURCE, "inventory snapshot");
	LT_CELL(&rc, C_NAME, "y", C_REGION, "");
	LT_CELL(&rc, C_NAME, "y", C_SERVICE, "resource");
	LT_CELL(&rc, C_NAME, "y", C_TAGS, "");
	lt_done(&rc);
	lt_close(&x);
}

/* Azure: the subscription's own list; without it, the snapshot less the
 * tenant's Entra objects. */
static void
test_resources_azure_list(void)
{
#define AZ "/subscriptions/s/resourceGroups/rg/providers/"
	static const struct lt_res az[] = {
		{ "azure/resource", AZ "Microsoft.Compute/virtualMachines/vm1",
		    "vm1", "japaneast", "{\"type\":"
		    "\"Microsoft.Compute/virtualMachines\",\"tags\":"
		    "{\"env\":\"prod\"}}" },
		{ "azure/resource", AZ "Microsoft.Storage/storageAccounts/st1",
		    "st1", "japanwest", "{\"type\":"
		    "\"Microsoft.Storage/storageAccounts\"}" },
		{ "azure/virtual-machine", AZ
		    "Microsoft.Compute/virtualMachines/vm1", "vm1", "japaneast",
		    "{}" },
		{ "azure/entra-user", "u1", "alice", "global", "{}" },
		{ "azure/tenant", "t", "tenant", "global", "{}" }
	};
	static const struct lt_err errs[] = {
		{ "resources", "AuthorizationFailed" }
	};
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "azure", "en");
	lt_snapshot(&x, x.unit.id, "azure", az, 5, NULL, 0);
	run(&x, &rc);
	/* The header and the two listed resources, nothing twice. */
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 3);
	LT_CELL(&rc, C_NAME, "vm1", C_SERVICE, "Microsoft.Compute");
	LT_CELL(&rc, C_NAME, "vm1", C_TYPE,
	    "Microsoft.Compute/virtualMachines");
	LT_CELL(&rc, C_NAME, "vm1", C_TAGS, "env=prod");
	LT_CELL(&rc, C_NAME, "vm1", C_SOURCE, "Azure resource list");
	LT_CELL(&rc, C_NAME, "st1", C_REGION, "japanwest");
	lt_done(&rc);
	lt_close(&x);

	/* The list failed: the snapshot's own resources, no Entra objects. */
	lt_open(&x, "azure", "en");
	lt_snapshot(&x, x.unit.id, "azure", az, 5, errs, 1);
	run(&x, &rc);
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 3);
	CU_ASSERT_EQUAL(lt_find(&rc, C_NAME, "alice"), -1);
	CU_ASSERT_EQUAL(lt_find(&rc, C_TYPE, "azure/tenant"), -1);
	LT_CELL(&rc, C_NAME, "vm1", C_TYPE, "azure/virtual-machine");
	LT_CELL(&rc, C_NAME, "vm1", C_SOURCE, "inventory snapshot (the "
	    "subscription's resource list failed)");
	lt_done(&rc);
	lt_close(&x);
#undef AZ
}

static void
test_resources_unit_never_inspected(void)
{
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "aws", "en");
	run(&x, &rc);
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 2);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_UNIT), "111111111111");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_ID), "");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_SOURCE), "never inspected: "
	    "no snapshot yet (run 'cloudpatrol inspect')");
	lt_done(&rc);
	lt_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "header", test_resources_header },
		{ "from_resource_explorer",
		    test_resources_from_resource_explorer },
		{ "snapshot_when_explorer_is_off",
		    test_resources_snapshot_when_explorer_is_off },
		{ "snapshot_when_explorer_failed_or_empty",
		    test_resources_snapshot_when_explorer_failed_or_empty },
		{ "other_cloud", test_resources_other_cloud },
		{ "azure_list", test_resources_azure_list },
		{ "unit_never_inspected",
		    test_resources_unit_never_inspected },
		{ NULL, NULL }
	};

	return cp_test_run("resources", tests);
}
