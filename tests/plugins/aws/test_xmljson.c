/*
 * test_xmljson.c - aws_xml_to_json (plugins/aws/xmljson.c) against real
 * AWS responses: each fixture's XML, parsed by the core's XML parser (the
 * tree cp_host.xml_parse gives), converted, and compared with what
 * botocore parsed from the same XML (its .botocore-parsed.json sibling)
 * for every member our rules name the same way; plus the rules one by
 * one on small documents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "cptest.h"
#include "net/http_client.h"

#define XT_FILE_MAX (4u * 1024 * 1024)

/* Our member names that botocore spells otherwise (list wrappers). */
static const char *const renames[][2] = {
	{ "SecurityGroupInfo", "SecurityGroups" },
	{ "ReservationSet", "Reservations" },
	{ "InstancesSet", "Instances" },
	{ "RegionInfo", "Regions" },
	{ "TagSet", "Tags" },
	{ "NetworkInterfaceSet", "NetworkInterfaces" },
	{ "BlockDeviceMapping", "BlockDeviceMappings" },
	{ "PrivateIpAddressesSet", "PrivateIpAddresses" },
	{ "AccessControlList", "Grants" },
	{ NULL, NULL }
};

/* Members botocore decodes beyond the XML (URL-encoded policy JSON). */
static const char *const skipped[] = { "AssumeRolePolicyDocument", NULL };

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = malloc(XT_FILE_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, XT_FILE_MAX, f);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static const char *
fixtures(void)
{
	return cp_test_env("CP_SHARED_FIXTURES", CP_ABS_SRCDIR
	    "/tests/fixtures");
}

/* The converted document of a fixture, as aws_call() would return it:
 * Query answers give their <...Result>, the others the root. */
static json_t *
convert_fixture(const char *rel, int query, const char *const *lists)
{
	char path[1024], why[256];
	json_t *tree, *res = NULL, *c, *out;
	char *xml;
	size_t len = 0, i;

	snprintf(path, sizeof(path), "%s/cloud/aws/%s", fixtures(), rel);
	xml = slurp(path, &len);
	if (xml == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		return NULL;
	}
	tree = cp_xml_parse(xml, len, why, sizeof(why));
	free(xml);
	if (tree == NULL) {
		fprintf(stderr, "%s: %s\n", path, why);
		return NULL;
	}
	if (query) {
		json_array_foreach(json_object_get(tree, "children"), i, c) {
			const char *n = json_string_value(json_object_get(c,
			    "name"));

			if (n != NULL && strlen(n) > 6 &&
			    strcmp(n + strlen(n) - 6, "Result") == 0)
				res = c;
		}
	}
	out = aws_xml_to_json(res != NULL ? res : tree, lists);
	json_decref(tree);
	return out;
}

static const char *
renamed(const char *ours)
{
	size_t i;

	for (i = 0; renames[i][0] != NULL; i++)
		if (strcmp(renames[i][0], ours) == 0)
			return renames[i][1];
	return ours;
}

static int
is_skipped(const char *key)
{
	size_t i;

	for (i = 0; skipped[i] != NULL; i++)
		if (strcmp(skipped[i], key) == 0)
			return 1;
	return 0;
}

struct cmp {
	size_t leaves;		/* values compared */
	size_t mismatches;
};

/* Compares ours with botocore's b wherever a member of ours (renamed)
 * exists in b; leaves must agree in type and value. */
static void
compare(const json_t *ours, const json_t *b, const char *path,
    struct cmp *st)
{
	char sub[512];
	const char *key;
	json_t *v, *bv;
	size_t i;

	if (json_is_object(ours) && json_is_object(b)) {
		json_object_foreach((json_t *)ours, key, v) {
			bv = json_object_get(b, renamed(key));
			if (bv == NULL || is_skipped(key))
				continue;
			snprintf(sub, sizeof(sub), "%s.%s", path, key);
			compare(v, bv, sub, st);
		}
		return;
	}
	if (json_is_array(ours) && json_is_array(b)) {
		if (json_array_size(ours) != json_array_size(b)) {
			st->mismatches++;
			fprintf(stderr, "%s: %zu items, botocore %zu\n", path,
			    json_array_size(ours), json_array_size(b));
			return;
		}
		st->leaves++;
		json_array_foreach(ours, i, v) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			compare(v, json_array_get(b, i), sub, st);
		}
		return;
	}
	st->leaves++;
	if (!json_equal((json_t *)ours, (json_t *)b)) {
		char *a = json_dumps(ours, JSON_ENCODE_ANY);
		char *c = json_dumps(b, JSON_ENCODE_ANY);

		st->mismatches++;
		fprintf(stderr, "%s: ours %s, botocore %s\n", path,
		    a != NULL ? a : "?", c != NULL ? c : "?");
		free(a);
		free(c);
	}
}

/* Converts rel and compares it with its botocore-parsed sibling. */
static void
check_fixture(const char *base, int query, const char *const *lists,
    size_t min_leaves, struct cmp *st)
{
	char xml[512], path[1024];
	json_t *ours, *b;
	json_error_t je;

	memset(st, 0, sizeof(*st));
	snprintf(xml, sizeof(xml), "%s.response.xml", base);
	snprintf(path, sizeof(path), "%s/cloud/aws/%s.botocore-parsed.json",
	    fixtures(), base);
	ours = convert_fixture(xml, query, lists);
	b = json_load_file(path, 0, &je);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ours);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	compare(ours, b, base, st);
	if (st->leaves < min_leaves)
		fprintf(stderr, "%s: only %zu values compared\n", base,
		    st->leaves);
	CU_ASSERT(st->leaves >= min_leaves);
	CU_ASSERT_EQUAL(st->mismatches, 0);
	json_decref(ours);
	json_decref(b);
}

static void
test_xmljson_security_groups(void)
{
	static const char *const lists[] = { "ipRanges", "ipv6Ranges",
	    "groups", "ipPermissionsEgress", "prefixListIds", NULL };
	struct cmp st;
	json_t *sg, *perm;

	check_fixture("ec2/ec2-describe-security-groups", 0, lists, 60, &st);

	/* The members the policies read, by name. */
	sg = convert_fixture("ec2/ec2-describe-security-groups.response.xml",
	    0, lists);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sg);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(sg,
	    "RequestId")), "4296401f-8b78-4f99-b1fb-71def4fc3701");
	perm = json_array_get(json_object_get(json_array_get(
	    json_object_get(sg, "SecurityGroupInfo"), 0), "IpPermissions"), 0);
	CU_ASSERT_TRUE(json_is_integer(json_object_get(perm, "FromPort")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(perm, "FromPort")),
	    22);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
	    json_array_get(json_object_get(perm, "IpRanges"), 0), "CidrIp")),
	    "0.0.0.0/0");
	CU_ASSERT_TRUE(json_is_string(json_object_get(json_array_get(
	    json_object_get(sg, "SecurityGroupInfo"), 0), "OwnerId")));
	/* "-1" (all protocols) stays text, as botocore has it. */
	perm = json_array_get(json_object_get(json_array_get(
	    json_object_get(sg, "SecurityGroupInfo"), 4), "IpPermissions"), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(perm,
	    "IpProtocol")), "-1");
	/* An empty named list is [] (botocore too). */
	CU_ASSERT_TRUE(json_is_array(json_object_get(perm, "IpRanges")));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(perm, "IpRanges")), 0);
	json_decref(sg);
}

static void
test_xmljson_instances(void)
{
	static const char *const lists[] = { "productCodes", NULL };
	struct cmp st;

	check_fixture("ec2/ec2-describe-instances", 0, lists, 40, &st);
}

static void
test_xmljson_regions(void)
{
	struct cmp st;

	check_fixture("ec2/ec2-describe-regions", 0, NULL, 8, &st);
}

static void
test_xmljson_iam(void)
{
	static const char *const users[] = { "Users", NULL };
	struct cmp st;
	json_t *sum;

	check_fixture("iam/iam-get-account-summary", 1, NULL, 15, &st);
	check_fixture("iam/iam-get-user", 1, NULL, 3, &st);
	check_fixture("iam/iam-list-access-keys", 1, NULL, 4, &st);
	check_fixture("iam/iam-list-mfa-devices", 1, NULL, 4, &st);
	check_fixture("iam/iam-list-roles", 1, NULL, 4, &st);
	check_fixture("iam/iam-list-users", 1, users, 6, &st);
	check_fixture("iam/iam-list-virtual-mfa-devices", 1, NULL, 4, &st);

	/* SummaryMap's <entry><key/><value/></entry> is an object. */
	sum = convert_fixture("iam/iam-get-account-summary.response.xml", 1,
	    NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sum);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(
	    sum, "SummaryMap"), "AccountMFAEnabled")), 0);
	CU_ASSERT_TRUE(json_is_integer(json_object_get(json_object_get(sum,
	    "SummaryMap"), "Users")));
	json_decref(sum);
}

static void
test_xmljson_s3(void)
{
	static const char *const buckets[] = { "Buckets", NULL };
	static const char *const acl[] = { "AccessControlList", NULL };
	struct cmp st;
	json_t *doc, *grantee;

	check_fixture("s3/s3-list-buckets", 0, buckets, 70, &st);
	check_fixture("s3/s3-get-bucket-acl", 0, acl, 5, &st);
	/* xsi:type becomes Type. */
	doc = convert_fixture("s3/s3-get-bucket-acl.response.xml", 0, acl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	grantee = json_object_get(json_array_get(json_object_get(doc,
	    "AccessControlList"), 0), "Grantee");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(grantee,
	    "Type")), "CanonicalUser");
	CU_ASSERT_PTR_NULL(json_object_get(grantee, "Xsi"));
	json_decref(doc);
}

static void
test_xmljson_sts(void)
{
	struct cmp st;

	check_fixture("sts/sts-get-session-token", 1, NULL, 3, &st);
}

/* Converts a small document (root element) with lists. */
static json_t *
conv(const char *xml, const char *const *lists)
{
	char why[256];
	json_t *tree, *out;

	tree = cp_xml_parse(xml, strlen(xml), why, sizeof(why));
	if (tree == NULL) {
		fprintf(stderr, "%s\n", why);
		return NULL;
	}
	out = aws_xml_to_json(tree, lists);
	json_decref(tree);
	return out;
}

/* Whether the converted xml is exactly the JSON text want. */
static int
conv_is(const char *xml, const char *const *lists, const char *want)
{
	json_t *got = conv(xml, lists);
	json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
	int same = got != NULL && w != NULL && json_equal(got, w);

	if (!same) {
		char *g = got != NULL ? json_dumps(got, JSON_COMPACT) : NULL;

		fprintf(stderr, "%s\n  got  %s\n  want %s\n", xml,
		    g != NULL ? g : "(null)", want);
		free(g);
	}
	json_decref(got);
	json_decref(w);
	return same;
}

static void
test_xmljson_rules(void)
{
	static const char *const tags[] = { "tags", NULL };

	/* Names, numbers, booleans, ids. */
	CU_ASSERT_TRUE(conv_is("<r><groupId>0123</groupId><fromPort>22"
	    "</fromPort><ownerAccount>000011112222</ownerAccount><n>-5</n>"
	    "<z>0</z><lead>007</lead><big>1234567890123456789</big>"
	    "<ok>true</ok><no>false</no><t>2026-11-25T09:30:00.000Z</t>"
	    "<sub><s3:Key xmlns:s3=\"x\">k</s3:Key></sub></r>", NULL,
	    "{\"GroupId\": \"0123\", \"FromPort\": 22, \"OwnerAccount\": "
	    "\"000011112222\", \"N\": -5, \"Z\": 0, \"Lead\": \"007\", "
	    "\"Big\": \"1234567890123456789\", \"Ok\": true, \"No\": false, "
	    "\"T\": \"2026-11-25T09:30:00.000Z\", \"Sub\": {\"Key\": \"k\"}}"));
	/* Text members stay text. */
	CU_ASSERT_TRUE(conv_is("<r><ipProtocol>-1</ipProtocol><value>42"
	    "</value><name>7</name><groupIds><item>1</item></groupIds></r>",
	    NULL, "{\"IpProtocol\": \"-1\", \"Value\": \"42\", \"Name\": "
	    "\"7\", \"GroupIds\": [\"1\"]}"));
	/* Lists: item, member, named, empty *Set, flattened repeats. */
	CU_ASSERT_TRUE(conv_is("<r><a><item><x>1</x></item><item><x>2</x>"
	    "</item></a><b><member>m</member></b><tagSet/><tags><Tag><k>v"
	    "</k></Tag></tags><c>\n  </c><f>1</f><f>2</f><f>3</f></r>", tags,
	    "{\"A\": [{\"X\": 1}, {\"X\": 2}], \"B\": [\"m\"], \"TagSet\": [],"
	    " \"Tags\": [{\"K\": \"v\"}], \"C\": \"\", \"F\": [1, 2, 3]}"));
	/* A map; an empty root. */
	CU_ASSERT_TRUE(conv_is("<r><m><entry><key>Users</key><value>3"
	    "</value></entry><entry><key>X</key><value>y</value></entry>"
	    "</m></r>", NULL, "{\"M\": {\"Users\": 3, \"X\": \"y\"}}"));
	CU_ASSERT_TRUE(conv_is("<LocationConstraint>ap-northeast-1"
	    "</LocationConstraint>", NULL, "\"ap-northeast-1\""));
	CU_ASSERT_TRUE(conv_is("<r> </r>", NULL, "\" \""));
	/* Not an element: NULL. */
	CU_ASSERT_PTR_NULL(aws_xml_to_json(NULL, NULL));
}

static void
test_xmljson_member_name(void)
{
	char *m;

	m = aws_member_name("groupId");
	CU_ASSERT_STRING_EQUAL(m, "GroupId");
	free(m);
	m = aws_member_name("s3:Key");
	CU_ASSERT_STRING_EQUAL(m, "Key");
	free(m);
	m = aws_member_name("");
	CU_ASSERT_STRING_EQUAL(m, "");
	free(m);
	CU_ASSERT_PTR_NULL(aws_member_name(NULL));
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "security groups", test_xmljson_security_groups },
		{ "instances", test_xmljson_instances },
		{ "regions", test_xmljson_regions },
		{ "iam", test_xmljson_iam },
		{ "s3", test_xmljson_s3 },
		{ "sts", test_xmljson_sts },
		{ "rules", test_xmljson_rules },
		{ "member name", test_xmljson_member_name },
		{ NULL, NULL }
	};

	return cp_test_run("aws xmljson", tests);
}
