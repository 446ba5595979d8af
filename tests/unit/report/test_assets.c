/*
 * test_assets.c - the cloud asset ledger: every AWS classification rule
 * on one hand-made snapshot (botocore and EC2-XML shapes), every column
 * of a public instance, what is left out (terminated instances, an
 * instance's own interfaces, Elastic IPs shown on another row), a failed
 * collector, a unit never inspected, a cloud without rules, Azure's
 * public IP addresses, Japanese.
 *
 * The network of region r1, by hand:
 *   vpc-a   main table rtb-main: 0.0.0.0/0 -> igw-1
 *   subnet-pub   (vpc-a, no association: main; auto-assigns public IPs)
 *   subnet-priv  (vpc-a) -> rtb-priv: local only, ::/0 -> eigw- (egress)
 *   subnet-v6    (vpc-a) -> rtb-v6: ::/0 -> igw-1 only
 *   subnet-gone  not in the snapshot: routes unknown
 */
#include "ledgertest.h"

enum {
	C_ENV, C_CLOUD, C_UNIT, C_REGION, C_TYPE, C_ID, C_NAME, C_CATEGORY,
	C_PUBLIC, C_PRIVATE, C_DNS, C_VPC, C_SUBNET, C_STATE, C_REASON,
	C_COUNT
};

#define A_PUBLIC "A: public"
#define B_MAYBE "B: possibly public"
#define B_PRIVATE "B: private only"

static const struct lt_res estate[] = {
	{ "aws/ec2-route-table", "rtb-main", "rtb-main", "r1",
	    "{\"RouteTableId\":\"rtb-main\",\"VpcId\":\"vpc-a\","
	    "\"AssociationSet\":[{\"Main\":true}],"
	    "\"RouteSet\":[{\"DestinationCidrBlock\":\"10.0.0.0/16\","
	    "\"GatewayId\":\"local\",\"State\":\"active\"},"
	    "{\"DestinationCidrBlock\":\"0.0.0.0/0\","
	    "\"GatewayId\":\"igw-1\",\"State\":\"active\"}]}" },
	/* botocore's names */
	{ "aws/ec2-route-table", "rtb-priv", "rtb-priv", "r1",
	    "{\"RouteTableId\":\"rtb-priv\",\"VpcId\":\"vpc-a\","
	    "\"Associations\":[{\"Main\":false,"
	    "\"SubnetId\":\"subnet-priv\"}],"
	    "\"Routes\":[{\"DestinationCidrBlock\":\"10.0.0.0/16\","
	    "\"GatewayId\":\"local\"},"
	    "{\"DestinationIpv6CidrBlock\":\"::/0\","
	    "\"EgressOnlyInternetGatewayId\":\"eigw-1\"},"
	    "{\"DestinationCidrBlock\":\"0.0.0.0/0\","
	    "\"GatewayId\":\"igw-old\",\"State\":\"blackhole\"}]}" },
	{ "aws/ec2-route-table", "rtb-v6", "rtb-v6", "r1",
	    "{\"RouteTableId\":\"rtb-v6\",\"VpcId\":\"vpc-a\","
	    "\"AssociationSet\":[{\"Main\":false,"
	    "\"SubnetId\":\"subnet-v6\"}],"
	    "\"RouteSet\":[{\"DestinationIpv6CidrBlock\":\"::/0\","
	    "\"GatewayId\":\"igw-1\",\"State\":\"active\"}]}" },
	{ "aws/ec2-subnet", "subnet-pub", "subnet-pub", "r1",
	    "{\"SubnetId\":\"subnet-pub\",\"VpcId\":\"vpc-a\","
	    "\"MapPublicIpOnLaunch\":true}" },
	{ "aws/ec2-subnet", "subnet-priv", "subnet-priv", "r1",
	    "{\"SubnetId\":\"subnet-priv\",\"VpcId\":\"vpc-a\","
	    "\"MapPublicIpOnLaunch\":false}" },
	{ "aws/ec2-subnet", "subnet-v6", "subnet-v6", "r1",
	    "{\"SubnetId\":\"subnet-v6\",\"VpcId\":\"vpc-a\","
	    "\"MapPublicIpOnLaunch\":false}" },
	/* A public instance, botocore's shape: a secondary address with its
	 * own public IP. */
	{ "aws/ec2-instance", "arn:i-pub", "web", "r1",
	    "{\"InstanceId\":\"i-pub\",\"State\":{\"Name\":\"running\"},"
	    "\"PublicIpAddress\":\"203.0.113.10\","
	    "\"PublicDnsName\":\"ec2-203-0-113-10.example\","
	    "\"PrivateIpAddress\":\"10.0.0.10\",\"VpcId\":\"vpc-a\","
	    "\"SubnetId\":\"subnet-pub\",\"NetworkInterfaces\":[{"
	    "\"NetworkInterfaceId\":\"eni-pub\","
	    "\"PrivateIpAddress\":\"10.0.0.10\","
	    "\"Association\":{\"PublicIp\":\"203.0.113.10\"},"
	    "\"PrivateIpAddresses\":[{\"PrivateIpAddress\":\"10.0.0.10\"},"
	    "{\"PrivateIpAddress\":\"10.0.0.11\","
	    "\"Association\":{\"PublicIp\":\"203.0.113.11\"}}]}]}" },
	/* The plugin's EC2-XML shape: no public address, public subnet. */
	{ "aws/ec2-instance", "arn:i-maybe", "batch", "r1",
	    "{\"InstanceId\":\"i-maybe\",\"State\":{\"Name\":\"stopped\"},"
	    "\"PrivateIpAddress\":\"10.0.0.20\",\"DnsName\":\"\","
	    "\"VpcId\":\"vpc-a\",\"SubnetId\":\"subnet-pub\","
	    "\"NetworkInterfaceSet\":[{\"NetworkInterfaceId\":\"eni-maybe\","
	    "\"PrivateIpAddress\":\"10.0.0.20\"}]}" },
	{ "aws/ec2-instance", "arn:i-priv", "db", "r1",
	    "{\"InstanceId\":\"i-priv\",\"State\":{\"Name\":\"running\"},"
	    "\"PrivateIpAddress\":\"10.0.1.30\",\"VpcId\":\"vpc-a\","
	    "\"SubnetId\":\"subnet-priv\",\"NetworkInterfaceSet\":[{"
	    "\"PrivateIpAddress\":\"10.0.1.30\",\"Ipv6AddressesSet\":"
	    "[{\"Ipv6Address\":\"2001:db8:1::30\"}]}]}" },
	{ "aws/ec2-instance", "arn:i-v6", "v6", "r1",
	    "{\"InstanceId\":\"i-v6\",\"State\":{\"Name\":\"running\"},"
	    "\"PrivateIpAddress\":\"10.0.2.40\",\"VpcId\":\"vpc-a\","
	    "\"SubnetId\":\"subnet-v6\",\"NetworkInterfaceSet\":[{"
	    "\"PrivateIpAddress\":\"10.0.2.40\",\"Ipv6AddressesSet\":"
	    "[{\"Ipv6Address\":\"2001:db8:2::40\"}]}]}" },
	{ "aws/ec2-instance", "arn:i-lost", "lost", "r1",
	    "{\"InstanceId\":\"i-lost\",\"State\":{\"Name\":\"running\"},"
	    "\"PrivateIpAddress\":\"10.0.3.50\",\"VpcId\":\"vpc-a\","
	    "\"SubnetId\":\"subnet-gone\"}" },
	{ "aws/ec2-instance", "arn:i-dead", "dead", "r1",
	    "{\"InstanceId\":\"i-dead\",\"State\":{\"Name\":\"terminated\"},"
	    "\"PublicIpAddress\":\"203.0.113.99\"}" },
	/* Interfaces: i-pub's own (left out), a NAT gateway's, Lambda's. */
	{ "aws/ec2-network-interface", "arn:eni-pub", "eni-pub", "r1",
	    "{\"NetworkInterfaceId\":\"eni-pub\",\"SubnetId\":\"subnet-pub\","
	    "\"Attachment\":{\"InstanceId\":\"i-pub\"},"
	    "\"Association\":{\"PublicIp\":\"203.0.113.10\"}}" },
	{ "aws/ec2-network-interface", "arn:eni-nat", "eni-nat", "r1",
	    "{\"NetworkInterfaceId\":\"eni-nat\",\"SubnetId\":\"subnet-pub\","
	    "\"VpcId\":\"vpc-a\",\"Status\":\"in-use\","
	    "\"InterfaceType\":\"nat_gateway\","
	    "\"Description\":\"Interface for NAT Gateway nat-1\","
	    "\"PrivateIpAddress\":\"10.0.0.5\","
	    "\"Association\":{\"PublicIp\":\"203.0.113.20\","
	    "\"PublicDnsName\":\"ec2-203-0-113-20.example\"},"
	    "\"PrivateIpAddressesSet\":[{\"PrivateIpAddress\":\"10.0.0.5\","
	    "\"Association\":{\"PublicIp\":\"203.0.113.20\"}}]}" },
	{ "aws/ec2-network-interface", "arn:eni-fn", "eni-fn", "r1",
	    "{\"NetworkInterfaceId\":\"eni-fn\",\"SubnetId\":\"subnet-priv\","
	    "\"VpcId\":\"vpc-a\",\"Status\":\"in-use\","
	    "\"Description\":\"AWS Lambda VPC ENI\","
	    "\"PrivateIpAddress\":\"10.0.1.6\"}" },
	/* Elastic IPs: on i-pub (left out), free, on what is not here. */
	{ "aws/ec2-address", "arn:eip-web", "203.0.113.10", "r1",
	    "{\"PublicIp\":\"203.0.113.10\",\"InstanceId\":\"i-pub\","
	    "\"NetworkInterfaceId\":\"eni-pub\"}" },
	{ "aws/ec2-address", "arn:eip-free", "203.0.113.30", "r1",
	    "{\"PublicIp\":\"203.0.113.30\",\"Domain\":\"vpc\"}" },
	{ "aws/ec2-address", "arn:eip-away", "203.0.113.31", "r1",
	    "{\"PublicIp\":\"203.0.113.31\","
	    "\"NetworkInterfaceId\":\"eni-elsewhere\","
	    "\"PrivateIpAddress\":\"10.0.9.9\"}" },
	/* Load balancers. */
	{ "aws/elbv2-load-balancer", "arn:lb-ext", "ext", "r1",
	    "{\"Scheme\":\"internet-facing\",\"Type\":\"network\","
	    "\"DNSName\":\"ext.elb.example\",\"VpcId\":\"vpc-a\","
	    "\"State\":{\"Code\":\"active\"},\"AvailabilityZones\":[{"
	    "\"SubnetId\":\"subnet-pub\",\"LoadBalancerAddresses\":[{"
	    "\"IpAddress\":\"203.0.113.40\","
	    "\"PrivateIPv4Address\":\"10.0.0.40\"}]},"
	    "{\"SubnetId\":\"subnet-v6\",\"LoadBalancerAddresses\":[]}]}" },
	{ "aws/elbv2-load-balancer", "arn:lb-int", "int", "r1",
	    "{\"Scheme\":\"internal\",\"DNSName\":\"internal-int.example\","
	    "\"AvailabilityZones\":[{\"SubnetId\":\"subnet-priv\"}]}" },
	{ "aws/elbv2-load-balancer", "arn:lb-odd", "odd", "r1",
	    "{\"DNSName\":\"odd.example\"}" },
	/* RDS. */
	{ "aws/rds-db-instance", "arn:db-pub", "db-pub", "r1",
	    "{\"PubliclyAccessible\":true,\"DBInstanceStatus\":\"available\","
	    "\"Endpoint\":{\"Address\":\"db-pub.example\",\"Port\":5432},"
	    "\"DBSubnetGroup\":{\"VpcId\":\"vpc-a\",\"Subnets\":["
	    "{\"SubnetIdentifier\":\"subnet-priv\"},"
	    "{\"SubnetIdentifier\":\"subnet-pub\"}]}}" },
	{ "aws/rds-db-instance", "arn:db-nogw", "db-nogw", "r1",
	    "{\"PubliclyAccessible\":true,\"DBSubnetGroup\":{\"Subnets\":["
	    "{\"SubnetIdentifier\":\"subnet-priv\"}]}}" },
	{ "aws/rds-db-instance", "arn:db-priv", "db-priv", "r1",
	    "{\"PubliclyAccessible\":false,\"DBSubnetGroup\":{\"Subnets\":["
	    "{\"SubnetIdentifier\":\"subnet-pub\"}]}}" },
	{ "aws/rds-db-instance", "arn:db-what", "db-what", "r1",
	    "{\"DBSubnetGroup\":{\"Subnets\":[]}}" },
	{ "aws/rds-db-instance", "arn:db-far", "db-far", "r1",
	    "{\"PubliclyAccessible\":true,\"DBSubnetGroup\":{\"Subnets\":["
	    "{\"SubnetIdentifier\":\"subnet-gone\"}]}}" },
	/* Not an asset. */
	{ "aws/s3-bucket", "arn:aws:s3:::b", "b", "global", "{}" }
};

#define N_ESTATE (sizeof(estate) / sizeof(estate[0]))

static void
run_estate(struct lt_fx *x, struct lt_rec *rc)
{
	lt_snapshot(x, x->unit.id, "aws", estate, N_ESTATE, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(lt_run(x, cp_ledger_assets_table(),
	    cp_ledger_assets_unit, rc), CP_OK);
}

static void
test_assets_header(void)
{
	static const char *const en[C_COUNT] = {
		"Environment", "Cloud", "Unit", "Region", "Resource type",
		"Resource ID", "Name", "Category", "Public IP addresses",
		"Private IP addresses", "DNS name", "VPC / network",
		"Subnets", "State", "Reason"
	};
	const struct cp_report_table *t = cp_ledger_assets_table();
	size_t i;

	CU_ASSERT_EQUAL_FATAL(t->n_cols, C_COUNT);
	CU_ASSERT_STRING_EQUAL(t->en, "Asset ledger");
	CU_ASSERT_STRING_EQUAL(t->ja, "資産台帳");
	for (i = 0; i < C_COUNT; i++) {
		CU_ASSERT_STRING_EQUAL(t->cols[i].en, en[i]);
		CU_ASSERT_PTR_NOT_NULL(t->cols[i].ja);
		CU_ASSERT_EQUAL(t->cols[i].type, CP_COL_TEXT);
		CU_ASSERT(t->cols[i].width > 0);
	}
}

static void
test_assets_public_instance_every_column(void)
{
	static const char *const want[C_COUNT] = {
		"prod", "aws", "111111111111", "r1", "aws/ec2-instance",
		"arn:i-pub", "web", A_PUBLIC, "203.0.113.10, 203.0.113.11",
		"10.0.0.10, 10.0.0.11", "ec2-203-0-113-10.example", "vpc-a",
		"subnet-pub", "running",
		"public IPv4 address on a network interface (its own or an "
		"Elastic IP)"
	};
	struct lt_fx x;
	struct lt_rec rc;
	size_t c;
	int i;

	lt_open(&x, "aws", "en");
	run_estate(&x, &rc);
	i = lt_find(&rc, C_ID, "arn:i-pub");
	CU_ASSERT_FATAL(i > 0);
	CU_ASSERT_EQUAL_FATAL(lt_width(&rc, (size_t)i), C_COUNT);
	for (c = 0; c < C_COUNT; c++)
		LT_CELL(&rc, C_ID, "arn:i-pub", c, want[c]);
	lt_done(&rc);
	lt_close(&x);
}

static void
test_assets_instances_and_interfaces(void)
{
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "aws", "en");
	run_estate(&x, &rc);
	/* Stopped, no public address, in a public subnet (XML shape). */
	LT_CELL(&rc, C_ID, "arn:i-maybe", C_CATEGORY, B_MAYBE);
	LT_CELL(&rc, C_ID, "arn:i-maybe", C_PUBLIC, "");
	LT_CELL(&rc, C_ID, "arn:i-maybe", C_PRIVATE, "10.0.0.20");
	LT_CELL(&rc, C_ID, "arn:i-maybe", C_DNS, "");
	LT_CELL(&rc, C_ID, "arn:i-maybe", C_STATE, "stopped");
	LT_CELL(&rc, C_ID, "arn:i-maybe", C_REASON, "no public address now, "
	    "but its subnet routes 0.0.0.0/0 to an internet gateway: a public "
	    "or Elastic IP would expose it; the subnet gives new instances a "
	    "public IPv4 address");
	/* A private subnet: the egress-only IPv6 route and the blackhole
	 * route do not count; its IPv6 sits with the private addresses. */
	LT_CELL(&rc, C_ID, "arn:i-priv", C_CATEGORY, B_PRIVATE);
	LT_CELL(&rc, C_ID, "arn:i-priv", C_PUBLIC, "");
	LT_CELL(&rc, C_ID, "arn:i-priv", C_PRIVATE,
	    "10.0.1.30, 2001:db8:1::30");
	LT_CELL(&rc, C_ID, "arn:i-priv", C_REASON, "no public address, and "
	    "its subnet has no route to an internet gateway");
	/* IPv6 routed to an internet gateway is public. */
	LT_CELL(&rc, C_ID, "arn:i-v6", C_CATEGORY, A_PUBLIC);
	LT_CELL(&rc, C_ID, "arn:i-v6", C_PUBLIC, "2001:db8:2::40");
	LT_CELL(&rc, C_ID, "arn:i-v6", C_PRIVATE, "10.0.2.40");
	LT_CELL(&rc, C_ID, "arn:i-v6", C_REASON, "IPv6 address in a subnet "
	    "that routes ::/0 to an internet gateway");
	/* A subnet the snapshot lacks. */
	LT_CELL(&rc, C_ID, "arn:i-lost", C_CATEGORY, B_MAYBE);
	LT_CELL(&rc, C_ID, "arn:i-lost", C_REASON, "no public address now; "
	    "the routes of its subnet are not in the snapshot");
	/* Left out: the terminated one, i-pub's own interface. */
	CU_ASSERT_EQUAL(lt_find(&rc, C_ID, "arn:i-dead"), -1);
	CU_ASSERT_EQUAL(lt_find(&rc, C_ID, "arn:eni-pub"), -1);
	/* A NAT gateway's interface, named by its description. */
	LT_CELL(&rc, C_ID, "arn:eni-nat", C_CATEGORY, A_PUBLIC);
	LT_CELL(&rc, C_ID, "arn:eni-nat", C_NAME,
	    "Interface for NAT Gateway nat-1");
	LT_CELL(&rc, C_ID, "arn:eni-nat", C_PUBLIC, "203.0.113.20");
	LT_CELL(&rc, C_ID, "arn:eni-nat", C_PRIVATE, "10.0.0.5");
	LT_CELL(&rc, C_ID, "arn:eni-nat", C_DNS, "ec2-203-0-113-20.example");
	LT_CELL(&rc, C_ID, "arn:eni-nat", C_STATE, "in-use");
	LT_CELL(&rc, C_ID, "arn:eni-fn", C_CATEGORY, B_PRIVATE);
	LT_CELL(&rc, C_ID, "arn:eni-fn", C_TYPE, "aws/ec2-network-interface");
	lt_done(&rc);
	lt_close(&x);
}

static void
test_assets_addresses_balancers_databases(void)
{
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "aws", "en");
	run_estate(&x, &rc);
	/* Elastic IPs: the one on i-pub shows on i-pub's row. */
	CU_ASSERT_EQUAL(lt_find(&rc, C_ID, "arn:eip-web"), -1);
	LT_CELL(&rc, C_ID, "arn:eip-free", C_CATEGORY, A_PUBLIC);
	LT_CELL(&rc, C_ID, "arn:eip-free", C_PUBLIC, "203.0.113.30");
	LT_CELL(&rc, C_ID, "arn:eip-free", C_STATE, "unassociated");
	LT_CELL(&rc, C_ID, "arn:eip-free", C_REASON, "Elastic IP associated "
	    "with nothing: nothing answers on it now, but the account holds "
	    "it");
	LT_CELL(&rc, C_ID, "arn:eip-away", C_CATEGORY, A_PUBLIC);
	LT_CELL(&rc, C_ID, "arn:eip-away", C_PRIVATE, "10.0.9.9");
	LT_CELL(&rc, C_ID, "arn:eip-away", C_STATE, "associated");
	LT_CELL(&rc, C_ID, "arn:eip-away", C_REASON, "Elastic IP associated "
	    "with eni-elsewhere, which is not in the snapshot");
	/* Load balancers by scheme. */
	LT_CELL(&rc, C_ID, "arn:lb-ext", C_CATEGORY, A_PUBLIC);
	LT_CELL(&rc, C_ID, "arn:lb-ext", C_PUBLIC, "203.0.113.40");
	LT_CELL(&rc, C_ID, "arn:lb-ext", C_PRIVATE, "10.0.0.40");
	LT_CELL(&rc, C_ID, "arn:lb-ext", C_DNS, "ext.elb.example");
	LT_CELL(&rc, C_ID, "arn:lb-ext", C_SUBNET, "subnet-pub, subnet-v6");
	LT_CELL(&rc, C_ID, "arn:lb-ext", C_STATE, "active");
	LT_CELL(&rc, C_ID, "arn:lb-int", C_CATEGORY, B_PRIVATE);
	LT_CELL(&rc, C_ID, "arn:lb-int", C_DNS, "internal-int.example");
	LT_CELL(&rc, C_ID, "arn:lb-odd", C_CATEGORY, B_MAYBE);
	LT_CELL(&rc, C_ID, "arn:lb-odd", C_REASON, "scheme unknown (-): it "
	    "may be internet-facing");
	/* RDS: the flag and the routes of the subnet group. */
	LT_CELL(&rc, C_ID, "arn:db-pub", C_CATEGORY, A_PUBLIC);
	LT_CELL(&rc, C_ID, "arn:db-pub", C_DNS, "db-pub.example");
	LT_CELL(&rc, C_ID, "arn:db-pub", C_VPC, "vpc-a");
	LT_CELL(&rc, C_ID, "arn:db-pub", C_SUBNET,
	    "subnet-priv, subnet-pub");
	LT_CELL(&rc, C_ID, "arn:db-pub", C_STATE, "available");
	LT_CELL(&rc, C_ID, "arn:db-pub", C_REASON, "publicly accessible: its "
	    "endpoint resolves to a public address");
	LT_CELL(&rc, C_ID, "arn:db-nogw", C_CATEGORY, B_MAYBE);
	LT_CELL(&rc, C_ID, "arn:db-priv", C_CATEGORY, B_PRIVATE);
	LT_CELL(&rc, C_ID, "arn:db-what", C_CATEGORY, B_MAYBE);
	LT_CELL(&rc, C_ID, "arn:db-far", C_CATEGORY, A_PUBLIC);
	LT_CELL(&rc, C_ID, "arn:db-far", C_REASON, "publicly accessible: its "
	    "endpoint resolves to a public address; the routes of its "
	    "subnets are not in the snapshot");
	/* Header + 5 instances + 2 interfaces + 2 addresses + 3 balancers
	 * + 5 databases; no bucket, no network plumbing. */
	CU_ASSERT_EQUAL(lt_count(&rc), 1 + 5 + 2 + 2 + 3 + 5);
	CU_ASSERT_EQUAL(lt_find(&rc, C_ID, "arn:aws:s3:::b"), -1);
	CU_ASSERT_EQUAL(lt_find(&rc, C_ID, "rtb-main"), -1);
	lt_done(&rc);
	lt_close(&x);
}

static void
test_assets_japanese(void)
{
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "aws", "ja");
	run_estate(&x, &rc);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 0, C_CATEGORY), "区分");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 0, C_REASON), "判定理由");
	LT_CELL(&rc, C_ID, "arn:i-pub", C_CATEGORY, "A: 公開");
	LT_CELL(&rc, C_ID, "arn:i-maybe", C_CATEGORY, "B: 公開の可能性あり");
	LT_CELL(&rc, C_ID, "arn:i-priv", C_CATEGORY,
	    "B: 非公開 (プライベートのみ)");
	LT_CELL(&rc, C_ID, "arn:eip-free", C_STATE, "未関連付け");
	LT_CELL(&rc, C_ID, "arn:lb-int", C_REASON, "スキームが internal "
	    "(DNS 名はプライベートアドレスにのみ解決される)");
	lt_done(&rc);
	lt_close(&x);
}

static void
test_assets_collector_failed(void)
{
	static const struct lt_err errs[] = {
		{ "elbv2", "AccessDenied on DescribeLoadBalancers" },
		{ "s3", "not an asset collector" }
	};
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "aws", "en");
	lt_snapshot(&x, x.unit.id, "aws", estate, 3, errs, 2);
	CU_ASSERT_EQUAL_FATAL(lt_run(&x, cp_ledger_assets_table(),
	    cp_ledger_assets_unit, &rc), CP_OK);
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 2);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_UNIT), "111111111111");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_CATEGORY),
	    "unknown: data missing");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_REASON), "data missing: "
	    "collector elbv2 failed (AccessDenied on DescribeLoadBalancers); "
	    "what it collects is not listed");
	lt_done(&rc);
	lt_close(&x);
}

static void
test_assets_unit_never_inspected(void)
{
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "aws", "en");
	CU_ASSERT_EQUAL_FATAL(lt_run(&x, cp_ledger_assets_table(),
	    cp_ledger_assets_unit, &rc), CP_OK);
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 2);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_ENV), "prod");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_CATEGORY), "not inspected");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_REASON), "never inspected: "
	    "no snapshot yet (run 'cloudpatrol inspect')");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_ID), "");
	lt_done(&rc);
	lt_close(&x);
}

static void
test_assets_cloud_without_rules(void)
{
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "gcp", "en");
	CU_ASSERT_EQUAL_FATAL(lt_run(&x, cp_ledger_assets_table(),
	    cp_ledger_assets_unit, &rc), CP_OK);
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 2);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_CLOUD), "gcp");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_CATEGORY), "no rules yet");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_REASON), "the asset ledger "
	    "has no rules for cloud gcp yet");
	lt_done(&rc);
	lt_close(&x);
}

/* Azure: public IP addresses only, and a row saying so. */
static void
test_assets_azure_public_ips(void)
{
	static const struct lt_res az[] = {
		{ "azure/public-ip", "/subscriptions/s/pip-web", "pip-web",
		    "japaneast", "{\"properties\":{\"ipAddress\":"
		    "\"20.78.10.11\",\"provisioningState\":\"Succeeded\","
		    "\"dnsSettings\":{\"fqdn\":\"web.example\"},"
		    "\"ipConfiguration\":{\"id\":\"/subscriptions/s/"
		    "resourceGroups/r/providers/Microsoft.Network/"
		    "networkInterfaces/nic-web/ipConfigurations/c1\"}}}" },
		{ "azure/public-ip", "/subscriptions/s/pip-free", "pip-free",
		    "japaneast", "{\"properties\":{\"ipAddress\":"
		    "\"2603:1030::11\"}}" },
		{ "azure/public-ip", "/subscriptions/s/pip-none", "pip-none",
		    "japaneast", "{\"properties\":{"
		    "\"publicIPAllocationMethod\":\"Dynamic\"}}" },
		{ "azure/virtual-machine", "/subscriptions/s/vm", "vm",
		    "japaneast", "{}" }
	};
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "azure", "en");
	lt_snapshot(&x, x.unit.id, "azure", az, 4, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(lt_run(&x, cp_ledger_assets_table(),
	    cp_ledger_assets_unit, &rc), CP_OK);
	CU_ASSERT_EQUAL(lt_count(&rc), 1 + 3 + 1);
	LT_CELL(&rc, C_ID, "/subscriptions/s/pip-web", C_CATEGORY, A_PUBLIC);
	LT_CELL(&rc, C_ID, "/subscriptions/s/pip-web", C_PUBLIC,
	    "20.78.10.11");
	LT_CELL(&rc, C_ID, "/subscriptions/s/pip-web", C_DNS, "web.example");
	LT_CELL(&rc, C_ID, "/subscriptions/s/pip-web", C_STATE, "Succeeded");
	LT_CELL(&rc, C_ID, "/subscriptions/s/pip-web", C_REASON, "public IP "
	    "address attached to networkInterfaces/nic-web/ipConfigurations/"
	    "c1");
	LT_CELL(&rc, C_ID, "/subscriptions/s/pip-free", C_CATEGORY, A_PUBLIC);
	LT_CELL(&rc, C_ID, "/subscriptions/s/pip-free", C_PUBLIC,
	    "2603:1030::11");
	LT_CELL(&rc, C_ID, "/subscriptions/s/pip-free", C_REASON, "public IP "
	    "address attached to nothing: nothing answers on it now, but the "
	    "subscription holds it");
	LT_CELL(&rc, C_ID, "/subscriptions/s/pip-none", C_CATEGORY, B_MAYBE);
	LT_CELL(&rc, C_ID, "/subscriptions/s/pip-none", C_REASON, "no address "
	    "allocated now (allocation Dynamic): it gets one when what it is "
	    "attached to starts");
	CU_ASSERT_EQUAL(lt_find(&rc, C_ID, "/subscriptions/s/vm"), -1);
	LT_CELL(&rc, C_CATEGORY, "no rules yet", C_REASON, "the asset ledger "
	    "covers only the public IP addresses of cloud azure; its other "
	    "resources have no rules yet");
	lt_done(&rc);
	lt_close(&x);
}

static void
test_assets_not_a_snapshot(void)
{
	struct lt_fx x;
	struct lt_rec rc;
	char dir[700], path[800];
	FILE *fp;

	lt_open(&x, "aws", "en");
	snprintf(dir, sizeof(dir), "%s/snapshots", x.state);
	CU_ASSERT_FATAL(cp_mkdir_p(dir, 0700) == CP_OK);
	CU_ASSERT_FATAL(cp_inspect_snapshot_path(x.state, x.unit.id, path,
	    sizeof(path)) == CP_OK);
	fp = fopen(path, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs("not a database\n", fp);
	fclose(fp);
	CU_ASSERT_NOT_EQUAL(lt_run(&x, cp_ledger_assets_table(),
	    cp_ledger_assets_unit, &rc), CP_OK);
	lt_done(&rc);
	lt_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "header", test_assets_header },
		{ "public_instance_every_column",
		    test_assets_public_instance_every_column },
		{ "instances_and_interfaces",
		    test_assets_instances_and_interfaces },
		{ "addresses_balancers_databases",
		    test_assets_addresses_balancers_databases },
		{ "japanese", test_assets_japanese },
		{ "collector_failed", test_assets_collector_failed },
		{ "unit_never_inspected", test_assets_unit_never_inspected },
		{ "cloud_without_rules", test_assets_cloud_without_rules },
		{ "azure_public_ips", test_assets_azure_public_ips },
		{ "not_a_snapshot", test_assets_not_a_snapshot },
		{ NULL, NULL }
	};

	return cp_test_run("assets", tests);
}
