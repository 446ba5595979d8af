/*
 * test_derived.c - the targets derived from the snapshots (asm/derived.c)
 * over a real store and hand-made snapshots (tests/unit/report's
 * ledgertest.h writes them through the real snapshot writer):
 *
 *   env "a-prod" (aws), unit 111111111111: a public instance (two public
 *     IPv4 addresses, a mixed-case DNS name), an interface not on an
 *     instance repeating its address, an IPv6 instance in a subnet that
 *     routes ::/0 to an internet gateway, an instance "public" on a
 *     private and on a loopback address, a private instance, a terminated
 *     one, a free Elastic IP, an internet-facing and an internal load
 *     balancer;
 *   env "a-prod", unit 222222222222: never inspected;
 *   env "b-az" (azure), unit sub-1: public IP addresses (one with a DNS
 *     name, one the AWS unit has too, one with no address), and a failed
 *     collector;
 *   env "c-gcp" (gcp), unit proj-1: a cloud without rules.
 *
 * Checked: what is derived and what is not, dedup (the first resource
 * wins), IPv6 in canonical form, names lower-cased, the classes of
 * private and loopback addresses, the notes, exclusions, lookups.
 */
#include "../report/ledgertest.h"

#include "asm/asm.h"
#include "store/store.h"

static const struct lt_res aws_estate[] = {
	{ "aws/ec2-route-table", "rtb-main", "rtb-main", "r1",
	    "{\"VpcId\":\"vpc-a\",\"AssociationSet\":[{\"Main\":true}],"
	    "\"RouteSet\":[{\"DestinationCidrBlock\":\"0.0.0.0/0\","
	    "\"GatewayId\":\"igw-1\",\"State\":\"active\"}]}" },
	{ "aws/ec2-route-table", "rtb-priv", "rtb-priv", "r1",
	    "{\"VpcId\":\"vpc-a\",\"AssociationSet\":[{\"Main\":false,"
	    "\"SubnetId\":\"subnet-priv\"}],\"RouteSet\":[]}" },
	{ "aws/ec2-route-table", "rtb-v6", "rtb-v6", "r1",
	    "{\"VpcId\":\"vpc-a\",\"AssociationSet\":[{\"Main\":false,"
	    "\"SubnetId\":\"subnet-v6\"}],\"RouteSet\":[{"
	    "\"DestinationIpv6CidrBlock\":\"::/0\",\"GatewayId\":\"igw-1\","
	    "\"State\":\"active\"}]}" },
	{ "aws/ec2-subnet", "subnet-pub", "subnet-pub", "r1",
	    "{\"SubnetId\":\"subnet-pub\",\"VpcId\":\"vpc-a\"}" },
	{ "aws/ec2-subnet", "subnet-priv", "subnet-priv", "r1",
	    "{\"SubnetId\":\"subnet-priv\",\"VpcId\":\"vpc-a\"}" },
	{ "aws/ec2-subnet", "subnet-v6", "subnet-v6", "r1",
	    "{\"SubnetId\":\"subnet-v6\",\"VpcId\":\"vpc-a\"}" },
	{ "aws/ec2-instance", "arn:i-pub", "web", "r1",
	    "{\"InstanceId\":\"i-pub\",\"State\":{\"Name\":\"running\"},"
	    "\"PublicIpAddress\":\"203.0.113.10\","
	    "\"PublicDnsName\":\"EC2-203-0-113-10.Example.COM\","
	    "\"PrivateIpAddress\":\"10.0.0.10\",\"SubnetId\":\"subnet-pub\","
	    "\"NetworkInterfaces\":[{\"NetworkInterfaceId\":\"eni-pub\","
	    "\"PrivateIpAddresses\":[{\"PrivateIpAddress\":\"10.0.0.11\","
	    "\"Association\":{\"PublicIp\":\"203.0.113.11\"}}]}]}" },
	{ "aws/ec2-instance", "arn:i-v6", "v6", "r1",
	    "{\"InstanceId\":\"i-v6\",\"State\":{\"Name\":\"running\"},"
	    "\"PrivateIpAddress\":\"10.0.2.40\",\"SubnetId\":\"subnet-v6\","
	    "\"NetworkInterfaceSet\":[{\"Ipv6AddressesSet\":"
	    "[{\"Ipv6Address\":\"2001:DB8:2:0:0::40\"}]}]}" },
	{ "aws/ec2-instance", "arn:i-odd", "odd", "r1",
	    "{\"InstanceId\":\"i-odd\",\"State\":{\"Name\":\"running\"},"
	    "\"PublicIpAddress\":\"10.1.2.3\",\"SubnetId\":\"subnet-pub\","
	    "\"NetworkInterfaces\":[{\"Association\":"
	    "{\"PublicIp\":\"127.0.0.2\"}}]}" },
	{ "aws/ec2-instance", "arn:i-priv", "db", "r1",
	    "{\"InstanceId\":\"i-priv\",\"State\":{\"Name\":\"running\"},"
	    "\"PrivateIpAddress\":\"10.0.1.30\",\"SubnetId\":\"subnet-priv\","
	    "\"PrivateDnsName\":\"ip-10-0-1-30.internal\"}" },
	{ "aws/ec2-instance", "arn:i-dead", "dead", "r1",
	    "{\"InstanceId\":\"i-dead\",\"State\":{\"Name\":\"terminated\"},"
	    "\"PublicIpAddress\":\"203.0.113.99\"}" },
	/* Not on a listed instance, with i-pub's address: a duplicate. */
	{ "aws/ec2-network-interface", "arn:eni-x", "eni-x", "r1",
	    "{\"NetworkInterfaceId\":\"eni-x\",\"SubnetId\":\"subnet-pub\","
	    "\"Association\":{\"PublicIp\":\"203.0.113.10\"}}" },
	{ "aws/ec2-address", "arn:eip-free", "203.0.113.30", "r1",
	    "{\"PublicIp\":\"203.0.113.30\"}" },
	{ "aws/elbv2-load-balancer", "arn:lb-ext", "ext", "r1",
	    "{\"Scheme\":\"internet-facing\",\"DNSName\":\"Ext-LB.elb.example\"}" },
	{ "aws/elbv2-load-balancer", "arn:lb-int", "int", "r1",
	    "{\"Scheme\":\"internal\",\"DNSName\":\"internal-int.elb.example\"}" },
};

static const struct lt_res az_estate[] = {
	{ "azure/public-ip", "/subscriptions/s/pip-web", "pip-web", "japaneast",
	    "{\"properties\":{\"ipAddress\":\"20.78.10.11\","
	    "\"dnsSettings\":{\"fqdn\":\"Web.JapanEast.cloudapp.azure.com\"},"
	    "\"ipConfiguration\":{\"id\":\"/subscriptions/s/resourceGroups/r/"
	    "providers/Microsoft.Network/networkInterfaces/nic-web/"
	    "ipConfigurations/c1\"}}}" },
	{ "azure/public-ip", "/subscriptions/s/pip-dup", "pip-dup", "japaneast",
	    "{\"properties\":{\"ipAddress\":\"203.0.113.10\"}}" },
	{ "azure/public-ip", "/subscriptions/s/pip-none", "pip-none",
	    "japaneast", "{\"properties\":{\"publicIPAllocationMethod\":"
	    "\"Dynamic\",\"dnsSettings\":{\"fqdn\":\"none.example\"}}}" },
};

static const struct lt_err az_errs[] = {
	{ "public-ips", "AuthorizationFailed on a second page" },
	{ "key-vaults", "not an asset collector" },
};

struct fx {
	struct lt_fx lt;
	cp_store *st;
	int64_t portal;
};

static int64_t
env_unit(struct fx *x, const char *env, const char *cloud,
    const char *unit)
{
	struct cp_unit u;
	struct cp_env e;
	int64_t id = 0;

	if (cp_env_get(x->st, x->portal, env, &e) == CP_OK)
		id = e.id;
	else
		CU_ASSERT_EQUAL_FATAL(cp_env_add(x->st, x->portal, env, cloud,
		    "acct", 0, NULL, NULL, &id), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_unit_put(x->st, id, unit, unit, 0, 1),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_unit_get(x->st, id, unit, &u), CP_OK);
	return u.id;
}

static void
fx_open(struct fx *x)
{
	int64_t aws, az;

	memset(x, 0, sizeof(*x));
	lt_open(&x->lt, "aws", "en");
	CU_ASSERT_EQUAL_FATAL(cp_store_open(x->lt.state, CP_STORE_CREATE,
	    &x->st), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_portal_add(x->st, "acme", "en", &x->portal),
	    CP_OK);
	aws = env_unit(x, "a-prod", "aws", "111111111111");
	(void)env_unit(x, "a-prod", "aws", "222222222222");
	az = env_unit(x, "b-az", "azure", "sub-1");
	(void)env_unit(x, "c-gcp", "gcp", "proj-1");
	lt_snapshot(&x->lt, aws, "aws", aws_estate,
	    sizeof(aws_estate) / sizeof(aws_estate[0]), NULL, 0);
	lt_snapshot(&x->lt, az, "azure", az_estate,
	    sizeof(az_estate) / sizeof(az_estate[0]), az_errs, 2);
}

static void
fx_close(struct fx *x)
{
	cp_store_close(x->st);
	lt_close(&x->lt);
}

static cp_asm_derived_set *
load(struct fx *x)
{
	cp_asm_derived_set *d = NULL;
	char why[512] = "";
	cp_err r;

	r = cp_asm_derived_load(x->st, x->portal, x->lt.state, "en", &d, why,
	    sizeof(why));
	if (r != CP_OK)
		fprintf(stderr, "derived: %s: %s\n", cp_strerror(r), why);
	CU_ASSERT_EQUAL_FATAL(r, CP_OK);
	return d;
}

/* The entry of text, asserted present. */
static const struct cp_asm_derived *
get(const cp_asm_derived_set *d, const char *text)
{
	const struct cp_asm_derived *x = cp_asm_derived_find(d, text);

	if (x == NULL)
		fprintf(stderr, "not derived: %s\n", text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	return x;
}

static void
test_derived_the_set(void)
{
	/* The ledger's order: instances by id, then the others. */
	static const char *const want[] = {
		"10.1.2.3", "127.0.0.2", "203.0.113.10", "203.0.113.11",
		"ec2-203-0-113-10.example.com", "2001:db8:2::40",
		"203.0.113.30", "ext-lb.elb.example", "20.78.10.11",
		"web.japaneast.cloudapp.azure.com"
	};
	struct fx x;
	cp_asm_derived_set *d;
	size_t i;

	fx_open(&x);
	d = load(&x);
	/* In the order found, each once. */
	CU_ASSERT_EQUAL_FATAL(cp_asm_derived_count(d),
	    sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CU_ASSERT_STRING_EQUAL(cp_asm_derived_at(d, i)->t.text, want[i]);
	/* Not derived: private, terminated, internal, no address. */
	CU_ASSERT_PTR_NULL(cp_asm_derived_find(d, "10.0.1.30"));
	CU_ASSERT_PTR_NULL(cp_asm_derived_find(d, "10.0.0.10"));
	CU_ASSERT_PTR_NULL(cp_asm_derived_find(d, "ip-10-0-1-30.internal"));
	CU_ASSERT_PTR_NULL(cp_asm_derived_find(d, "203.0.113.99"));
	CU_ASSERT_PTR_NULL(cp_asm_derived_find(d, "internal-int.elb.example"));
	CU_ASSERT_PTR_NULL(cp_asm_derived_find(d, "none.example"));
	CU_ASSERT_PTR_NULL(cp_asm_derived_find(d, "EC2-203-0-113-10.Example.COM"));
	cp_asm_derived_destroy(d);
	fx_close(&x);
}

static void
test_derived_sources_and_kinds(void)
{
	const struct cp_asm_derived *e;
	struct fx x;
	cp_asm_derived_set *d;
	char src[512];

	fx_open(&x);
	d = load(&x);
	/* The first resource that named it: the instance, not eni-x nor
	 * the Azure address. */
	e = get(d, "203.0.113.10");
	CU_ASSERT_EQUAL(e->t.kind, CP_ASM_IP);
	CU_ASSERT_STRING_EQUAL(e->env, "a-prod");
	CU_ASSERT_STRING_EQUAL(e->cloud, "aws");
	CU_ASSERT_STRING_EQUAL(e->unit, "111111111111");
	CU_ASSERT_STRING_EQUAL(e->type, "aws/ec2-instance");
	CU_ASSERT_STRING_EQUAL(e->id, "arn:i-pub");
	CU_ASSERT_STRING_EQUAL(e->name, "web");
	CU_ASSERT_STRING_EQUAL(e->seen, "2023-11-14T22:13:20Z");
	CU_ASSERT_EQUAL(e->classes, 0u);
	CU_ASSERT_FALSE(e->excluded);
	cp_asm_derived_source(e, src, sizeof(src));
	CU_ASSERT_STRING_EQUAL(src, "a-prod/111111111111 aws/ec2-instance "
	    "arn:i-pub");
	e = get(d, "ec2-203-0-113-10.example.com");
	CU_ASSERT_EQUAL(e->t.kind, CP_ASM_FQDN);
	e = get(d, "2001:db8:2::40");
	CU_ASSERT_EQUAL(e->t.family, AF_INET6);
	CU_ASSERT_STRING_EQUAL(e->id, "arn:i-v6");
	e = get(d, "ext-lb.elb.example");
	CU_ASSERT_STRING_EQUAL(e->type, "aws/elbv2-load-balancer");
	e = get(d, "web.japaneast.cloudapp.azure.com");
	CU_ASSERT_STRING_EQUAL(e->env, "b-az");
	CU_ASSERT_STRING_EQUAL(e->cloud, "azure");
	CU_ASSERT_STRING_EQUAL(e->type, "azure/public-ip");
	CU_ASSERT_STRING_EQUAL(e->name, "pip-web");
	cp_asm_derived_destroy(d);
	fx_close(&x);
}

/*
 * An instance with 600 routed IPv6 addresses (the lists were cut at 8 KB,
 * and a cut address could parse as another): every one, none more.
 */
static void
test_derived_many_addresses(void)
{
	struct lt_res big[] = {
		aws_estate[2], aws_estate[5],	/* the routed subnet */
		{ "aws/ec2-instance", "arn:i-big", "big", "r1", NULL },
	};
	struct cp_buf j;
	struct fx x;
	cp_asm_derived_set *d;
	int64_t unit;
	char addr[64];
	size_t i;

	cp_buf_init(&j, 0);
	cp_buf_puts(&j, "{\"InstanceId\":\"i-big\",\"State\":{\"Name\":"
	    "\"running\"},\"PublicIpAddress\":\"203.0.113.50\","
	    "\"SubnetId\":\"subnet-v6\",\"NetworkInterfaceSet\":"
	    "[{\"Ipv6AddressesSet\":[");
	for (i = 0; i < 600; i++)
		cp_buf_printf(&j, "%s{\"Ipv6Address\":\"2600:1f18:ab::%zx\"}",
		    i > 0 ? "," : "", i + 0x100);
	CU_ASSERT_EQUAL_FATAL(cp_buf_puts(&j, "]}]}"), CP_OK);
	big[2].json = j.data;
	memset(&x, 0, sizeof(x));
	lt_open(&x.lt, "aws", "en");
	CU_ASSERT_EQUAL_FATAL(cp_store_open(x.lt.state, CP_STORE_CREATE,
	    &x.st), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_portal_add(x.st, "acme", "en", &x.portal),
	    CP_OK);
	unit = env_unit(&x, "a-prod", "aws", "111111111111");
	lt_snapshot(&x.lt, unit, "aws", big, 3, NULL, 0);
	d = load(&x);
	CU_ASSERT_EQUAL(cp_asm_derived_count(d), 601);
	CU_ASSERT_PTR_NOT_NULL(cp_asm_derived_find(d, "203.0.113.50"));
	for (i = 0; i < 600; i++) {
		snprintf(addr, sizeof(addr), "2600:1f18:ab::%zx", i + 0x100);
		CU_ASSERT_PTR_NOT_NULL(cp_asm_derived_find(d, addr));
	}
	for (i = 0; i < cp_asm_derived_count(d); i++) {
		const char *t = cp_asm_derived_at(d, i)->t.text;

		CU_ASSERT(strcmp(t, "203.0.113.50") == 0 ||
		    (strlen(t) == 17 && strncmp(t, "2600:1f18:ab::", 14) == 0));
	}
	cp_asm_derived_destroy(d);
	fx_close(&x);
	cp_buf_free(&j);
}

static void
test_derived_private_marked(void)
{
	const struct cp_asm_derived *e;
	struct fx x;
	cp_asm_derived_set *d;
	char words[64];

	fx_open(&x);
	d = load(&x);
	e = get(d, "10.1.2.3");
	CU_ASSERT_EQUAL(e->classes, CP_ASM_ADDR_PRIVATE);
	cp_asm_class_words(e->classes, words, sizeof(words));
	CU_ASSERT_STRING_EQUAL(words, "private");
	e = get(d, "127.0.0.2");
	CU_ASSERT_EQUAL(e->classes, CP_ASM_ADDR_LOOPBACK);
	CU_ASSERT_STRING_EQUAL(e->id, "arn:i-odd");
	/* Every other one is public. */
	CU_ASSERT_EQUAL(get(d, "203.0.113.30")->classes, 0u);
	CU_ASSERT_EQUAL(get(d, "20.78.10.11")->classes, 0u);
	cp_asm_class_words(CP_ASM_ADDR_LOOPBACK | CP_ASM_ADDR_METADATA, words,
	    sizeof(words));
	CU_ASSERT_STRING_EQUAL(words, "loopback, metadata");
	cp_asm_derived_destroy(d);
	fx_close(&x);
}

static void
test_derived_notes(void)
{
	static const char *const want[] = {
		"a-prod/222222222222: never inspected",
		"b-az/sub-1: data missing: collector public-ips failed "
		"(AuthorizationFailed on a second page)",
		"c-gcp/proj-1: no rules for cloud gcp yet",
	};
	struct fx x;
	cp_asm_derived_set *d;
	size_t i;

	fx_open(&x);
	d = load(&x);
	CU_ASSERT_EQUAL_FATAL(cp_asm_derived_note_count(d), 3);
	for (i = 0; i < 3; i++) {
		const char *n = cp_asm_derived_note(d, i);

		if (strstr(n, want[i]) == NULL)
			fprintf(stderr, "note %zu: %s\n", i, n);
		CU_ASSERT_PTR_NOT_NULL(strstr(n, want[i]));
	}
	CU_ASSERT_PTR_NULL(cp_asm_derived_note(d, 3));
	cp_asm_derived_destroy(d);
	fx_close(&x);
}

static void
test_derived_exclusions(void)
{
	struct fx x;
	cp_asm_derived_set *d;

	fx_open(&x);
	CU_ASSERT_EQUAL(cp_asm_exclusion_add(x.st, x.portal, "203.0.113.30"),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_asm_exclusion_add(x.st, x.portal, "203.0.113.30"),
	    CP_E_EXISTS);
	d = load(&x);
	CU_ASSERT_TRUE(get(d, "203.0.113.30")->excluded);
	CU_ASSERT_FALSE(get(d, "203.0.113.10")->excluded);
	cp_asm_derived_destroy(d);
	CU_ASSERT_EQUAL(cp_asm_exclusion_remove(x.st, x.portal,
	    "203.0.113.30"), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_exclusion_remove(x.st, x.portal,
	    "203.0.113.30"), CP_E_NOTFOUND);
	d = load(&x);
	CU_ASSERT_FALSE(get(d, "203.0.113.30")->excluded);
	cp_asm_derived_destroy(d);
	fx_close(&x);
}

static void
test_derived_empty_portal(void)
{
	struct fx x;
	cp_asm_derived_set *d = NULL;
	int64_t other;
	char why[256];

	fx_open(&x);
	CU_ASSERT_EQUAL_FATAL(cp_portal_add(x.st, "empty", "en", &other),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_asm_derived_load(x.st, other, x.lt.state,
	    "en", &d, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_derived_count(d), 0);
	CU_ASSERT_EQUAL(cp_asm_derived_note_count(d), 0);
	CU_ASSERT_PTR_NULL(cp_asm_derived_find(d, "203.0.113.10"));
	CU_ASSERT_PTR_NULL(cp_asm_derived_at(d, 0));
	cp_asm_derived_destroy(d);
	cp_asm_derived_destroy(NULL);
	fx_close(&x);
}

static void
test_derived_covers(void)
{
	struct cp_asm_target b, t;
	char why[256];

	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse("203.0.113.0/24", &b, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse("203.0.113.10", &t, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_TRUE(cp_asm_target_covers(&b, &t));
	CU_ASSERT_TRUE(cp_asm_target_covers(&t, &t));
	CU_ASSERT_FALSE(cp_asm_target_covers(&t, &b));
	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse("www.example", &t, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_FALSE(cp_asm_target_covers(&b, &t));
	CU_ASSERT_TRUE(cp_asm_target_covers(&t, &t));
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "the_set", test_derived_the_set },
		{ "sources_and_kinds", test_derived_sources_and_kinds },
		{ "many_addresses", test_derived_many_addresses },
		{ "private_marked", test_derived_private_marked },
		{ "notes", test_derived_notes },
		{ "exclusions", test_derived_exclusions },
		{ "empty_portal", test_derived_empty_portal },
		{ "covers", test_derived_covers },
		{ NULL, NULL }
	};

	return cp_test_run("derived", tests);
}
