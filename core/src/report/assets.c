/*
 * assets.c - the cloud asset ledger (R-ASM-1): every resource that has or
 * may get an address, with its public and private addresses and a
 * category:
 *
 *   A: public		it has a public address now
 *   B: possibly public	no public address now, but one step away from it
 *   B: private only	private addresses only, and no path to the internet
 *
 * Rules for AWS (from the snapshot's own data, nothing resolved live):
 *
 * - EC2 instances (not terminated) and network interfaces that are not
 *   attached to a listed instance (those of load balancers, NAT gateways,
 *   RDS, Lambda, endpoints...; an instance's own interfaces are on its
 *   row):
 *     A	a public IPv4 address on any interface (its own or an Elastic
 *		IP), or an IPv6 address in a subnet whose route table sends
 *		::/0 to an internet gateway;
 *     possibly	no public address, but its subnet's route table (the one
 *		associated with the subnet, else the VPC's main one) sends
 *		0.0.0.0/0 to an internet gateway (igw-...): a public or
 *		Elastic IP would expose it, and a subnet that auto-assigns
 *		public IPs (MapPublicIpOnLaunch) is said so; or the routes of
 *		its subnet are not in the snapshot;
 *     private	otherwise.
 * - Elastic IPs not associated with a listed instance or interface: A
 *   (the account holds a public address, associated with nothing, or with
 *   something the snapshot lacks).
 * - Load balancers (elbv2): scheme internet-facing A, internal private,
 *   anything else possibly public.
 * - RDS DB instances: PubliclyAccessible with a subnet of its group
 *   routing to an internet gateway (or routes unknown) A; publicly
 *   accessible without such a route possibly public (a route would expose
 *   it); not publicly accessible private; the flag missing possibly.
 *
 * Rules for Azure: public IP address resources (azure/public-ip) with an
 * address are A (attached or not: the subscription holds the address);
 * those without one (dynamic, not allocated now) possibly public.  Other
 * Azure resources have no rules yet, which one row per unit says.
 *
 * A collector (ec2, elbv2, rds; public-ips) that failed gives a row saying
 * its resources are missing.  Clouds without rules yet get one row per
 * unit saying so.
 *
 * The judgement itself (cp_ledger_assets_each) is shared: the ASM targets
 * derived from the snapshots (asm/derived.c) are the addresses and names
 * of the assets it calls public, so the ledger and the scans never
 * disagree on what is exposed.
 */
#include <stdio.h>
#include <string.h>

#include "report/ledger.h"
#include "report/run_priv.h"
#include "util/util.h"

enum {
	COL_ENV, COL_CLOUD, COL_UNIT, COL_REGION, COL_TYPE, COL_ID, COL_NAME,
	COL_CATEGORY, COL_PUBLIC, COL_PRIVATE, COL_DNS, COL_VPC, COL_SUBNET,
	COL_STATE, COL_REASON, NCOLS
};

static const struct cp_report_col cols[NCOLS] = {
	{ "Environment", "環境", CP_COL_TEXT, 14 },
	{ "Cloud", "クラウド", CP_COL_TEXT, 8 },
	{ "Unit", "ユニット", CP_COL_TEXT, 16 },
	{ "Region", "リージョン", CP_COL_TEXT, 14 },
	{ "Resource type", "リソース種別", CP_COL_TEXT, 24 },
	{ "Resource ID", "リソース ID", CP_COL_TEXT, 40 },
	{ "Name", "名前", CP_COL_TEXT, 20 },
	{ "Category", "区分", CP_COL_TEXT, 18 },
	{ "Public IP addresses", "パブリック IP アドレス", CP_COL_TEXT, 18 },
	{ "Private IP addresses", "プライベート IP アドレス", CP_COL_TEXT,
	    18 },
	{ "DNS name", "DNS 名", CP_COL_TEXT, 40 },
	{ "VPC / network", "VPC / ネットワーク", CP_COL_TEXT, 22 },
	{ "Subnets", "サブネット", CP_COL_TEXT, 26 },
	{ "State", "状態", CP_COL_TEXT, 12 },
	{ "Reason", "判定理由", CP_COL_TEXT, 60 }
};

static const struct cp_report_table table = {
	"Asset ledger", "資産台帳", cols, NCOLS
};

const struct cp_report_table *
cp_ledger_assets_table(void)
{
	return &table;
}

enum category {
	CAT_SKIP = -1,
	CAT_PUBLIC,
	CAT_POSSIBLE,
	CAT_PRIVATE,
	CAT_MISSING,
	CAT_NOT_INSPECTED,
	CAT_NO_RULES
};

static const char *const cat_en[] = {
	"A: public", "B: possibly public", "B: private only",
	"unknown: data missing", "not inspected", "no rules yet"
};

static const char *const cat_ja[] = {
	"A: 公開", "B: 公開の可能性あり", "B: 非公開 (プライベートのみ)",
	"不明: データ欠落", "未診断", "判定ルール未対応"
};

/* ---- SQL ---- */

/* The array at $.a (or, when absent, $.b) of x, else an empty one. */
#define ARR2(x, a, b)                                                     \
	"(CASE WHEN json_type(" x ", '$." a "') = 'array'"                \
	" THEN json_extract(" x ", '$." a "')"                            \
	" WHEN json_type(" x ", '$." b "') = 'array'"                     \
	" THEN json_extract(" x ", '$." b "') ELSE '[]' END)"
#define ARR(x, a) ARR2(x, a, a)

/* Distinct non-empty values v of the selects, joined with ", ". */
#define LIST(selects)                                                     \
	"(SELECT group_concat(v, ', ') FROM (SELECT DISTINCT v FROM ("    \
	selects ") WHERE v IS NOT NULL AND v <> ''))"

/* The botocore and the EC2-XML names of the same lists. */
#define NICS(x) ARR2(x, "NetworkInterfaceSet", "NetworkInterfaces")
#define PRIVS(x) ARR2(x, "PrivateIpAddressesSet", "PrivateIpAddresses")
#define IPV6S(x) ARR2(x, "Ipv6AddressesSet", "Ipv6Addresses")

/* 1 when a route of the route table t goes to an internet gateway for
 * dst (in field).  Columns are always qualified: json_each() has columns
 * named json, type, key and value of its own. */
#define IGW_ROUTE(field, dst)                                             \
	"EXISTS (SELECT 1 FROM json_each(" ARR2("t.json", "RouteSet",      \
	"Routes") ") r WHERE json_extract(r.value, '$.GatewayId')"        \
	" LIKE 'igw-%' AND json_extract(r.value, '$." field "') = '" dst  \
	"' AND coalesce(json_extract(r.value, '$.State'), 'active')"      \
	" = 'active')"

/*
 * Per subnet: whether its route table (its own association, else the
 * VPC's main table) routes IPv4 / IPv6 to an internet gateway (NULL:
 * unknown), and whether it auto-assigns public IPv4.  Then the listed
 * instances and interfaces, to leave out what another row shows.
 */
#define NETWORK_CTES                                                      \
	"WITH rt AS MATERIALIZED (SELECT t.region AS region,"             \
	" json_extract(t.json, '$.VpcId') AS vpc,"                        \
	" " ARR2("t.json", "AssociationSet", "Associations") " AS assoc," \
	" " IGW_ROUTE("DestinationCidrBlock", "0.0.0.0/0") " AS igw4,"    \
	" " IGW_ROUTE("DestinationIpv6CidrBlock", "::/0") " AS igw6"      \
	" FROM resources t WHERE t.type = 'aws/ec2-route-table'),"        \
	" ex AS MATERIALIZED (SELECT rt.region,"                          \
	" json_extract(a.value, '$.SubnetId') AS subnet, rt.igw4, rt.igw6" \
	" FROM rt, json_each(rt.assoc) a"                                 \
	" WHERE json_extract(a.value, '$.SubnetId') IS NOT NULL),"        \
	" mn AS MATERIALIZED (SELECT rt.region, rt.vpc, rt.igw4, rt.igw6" \
	" FROM rt, json_each(rt.assoc) a"                                 \
	" WHERE json_extract(a.value, '$.Main') = 1),"                    \
	" sn AS MATERIALIZED (SELECT s.region,"                           \
	" json_extract(s.json, '$.SubnetId') AS subnet,"                  \
	" json_extract(s.json, '$.MapPublicIpOnLaunch') AS map_public,"   \
	" coalesce((SELECT max(ex.igw4) FROM ex WHERE ex.region ="        \
	"  s.region AND ex.subnet = json_extract(s.json, '$.SubnetId')),"  \
	"  (SELECT max(mn.igw4) FROM mn WHERE mn.region = s.region"       \
	"  AND mn.vpc = json_extract(s.json, '$.VpcId'))) AS igw4,"       \
	" coalesce((SELECT max(ex.igw6) FROM ex WHERE ex.region ="        \
	"  s.region AND ex.subnet = json_extract(s.json, '$.SubnetId')),"  \
	"  (SELECT max(mn.igw6) FROM mn WHERE mn.region = s.region"       \
	"  AND mn.vpc = json_extract(s.json, '$.VpcId'))) AS igw6"        \
	" FROM resources s WHERE s.type = 'aws/ec2-subnet'),"             \
	" inst AS MATERIALIZED (SELECT region,"                           \
	" json_extract(json, '$.InstanceId') AS iid"                      \
	" FROM resources WHERE type = 'aws/ec2-instance'),"               \
	" nic AS MATERIALIZED (SELECT region,"                            \
	" json_extract(json, '$.NetworkInterfaceId') AS nid"              \
	" FROM resources WHERE type = 'aws/ec2-network-interface') "

/*
 * Every statement returns: type, id, name, region, public IPv4s, private
 * IPs, IPv6s, DNS name, VPC, subnets, state, igw4, igw6, map_public,
 * detail 1, detail 2.
 */
enum {
	Q_TYPE, Q_ID, Q_NAME, Q_REGION, Q_PUBLIC, Q_PRIVATE, Q_IPV6, Q_DNS,
	Q_VPC, Q_SUBNET, Q_STATE, Q_IGW4, Q_IGW6, Q_MAP_PUBLIC, Q_D1, Q_D2
};

enum kind { K_INSTANCE, K_NIC, K_EIP, K_LB, K_RDS, K_AZ_PIP, K_COUNT };

static const char *const kind_sql[K_COUNT] = {
	[K_INSTANCE] = NETWORK_CTES
	    "SELECT i.type, i.id, i.name, i.region, "
	    LIST("SELECT json_extract(i.json, '$.PublicIpAddress') AS v"
	    " UNION ALL SELECT json_extract(n.value, '$.Association.PublicIp')"
	    " FROM json_each(" NICS("i.json") ") n"
	    " UNION ALL SELECT json_extract(p.value, '$.Association.PublicIp')"
	    " FROM json_each(" NICS("i.json") ") n,"
	    " json_each(" PRIVS("n.value") ") p") ", "
	    LIST("SELECT json_extract(i.json, '$.PrivateIpAddress') AS v"
	    " UNION ALL SELECT json_extract(n.value, '$.PrivateIpAddress')"
	    " FROM json_each(" NICS("i.json") ") n"
	    " UNION ALL SELECT json_extract(p.value, '$.PrivateIpAddress')"
	    " FROM json_each(" NICS("i.json") ") n,"
	    " json_each(" PRIVS("n.value") ") p") ", "
	    LIST("SELECT json_extract(a.value, '$.Ipv6Address') AS v"
	    " FROM json_each(" NICS("i.json") ") n,"
	    " json_each(" IPV6S("n.value") ") a") ","
	    " coalesce(nullif(json_extract(i.json, '$.PublicDnsName'), ''),"
	    " nullif(json_extract(i.json, '$.DnsName'), '')),"
	    " json_extract(i.json, '$.VpcId'),"
	    " json_extract(i.json, '$.SubnetId'),"
	    " coalesce(json_extract(i.json, '$.State.Name'),"
	    " json_extract(i.json, '$.InstanceState.Name')),"
	    " sn.igw4, sn.igw6, sn.map_public, NULL, NULL"
	    " FROM resources i LEFT JOIN sn ON sn.region = i.region"
	    " AND sn.subnet = json_extract(i.json, '$.SubnetId')"
	    " WHERE i.type = 'aws/ec2-instance' ORDER BY i.region, i.id",
	[K_NIC] = NETWORK_CTES
	    "SELECT e.type, e.id, e.name, e.region, "
	    LIST("SELECT json_extract(e.json, '$.Association.PublicIp') AS v"
	    " UNION ALL SELECT json_extract(p.value, '$.Association.PublicIp')"
	    " FROM json_each(" PRIVS("e.json") ") p") ", "
	    LIST("SELECT json_extract(e.json, '$.PrivateIpAddress') AS v"
	    " UNION ALL SELECT json_extract(p.value, '$.PrivateIpAddress')"
	    " FROM json_each(" PRIVS("e.json") ") p") ", "
	    LIST("SELECT json_extract(a.value, '$.Ipv6Address') AS v"
	    " FROM json_each(" IPV6S("e.json") ") a") ","
	    " json_extract(e.json, '$.Association.PublicDnsName'),"
	    " json_extract(e.json, '$.VpcId'),"
	    " json_extract(e.json, '$.SubnetId'),"
	    " json_extract(e.json, '$.Status'),"
	    " sn.igw4, sn.igw6, sn.map_public,"
	    " json_extract(e.json, '$.Description'),"
	    " json_extract(e.json, '$.InterfaceType')"
	    " FROM resources e LEFT JOIN sn ON sn.region = e.region"
	    " AND sn.subnet = json_extract(e.json, '$.SubnetId')"
	    " WHERE e.type = 'aws/ec2-network-interface'"
	    " AND NOT EXISTS (SELECT 1 FROM inst WHERE inst.region = e.region"
	    " AND inst.iid = json_extract(e.json, '$.Attachment.InstanceId'))"
	    " ORDER BY e.region, e.id",
	[K_EIP] = NETWORK_CTES
	    "SELECT a.type, a.id, a.name, a.region,"
	    " json_extract(a.json, '$.PublicIp'),"
	    " json_extract(a.json, '$.PrivateIpAddress'), NULL, NULL, NULL,"
	    " NULL, NULL, NULL, NULL, NULL,"
	    " coalesce(json_extract(a.json, '$.InstanceId'),"
	    " json_extract(a.json, '$.NetworkInterfaceId'),"
	    " json_extract(a.json, '$.AssociationId')),"
	    " json_extract(a.json, '$.Domain')"
	    " FROM resources a WHERE a.type = 'aws/ec2-address'"
	    " AND NOT EXISTS (SELECT 1 FROM inst WHERE inst.region = a.region"
	    " AND inst.iid = json_extract(a.json, '$.InstanceId'))"
	    " AND NOT EXISTS (SELECT 1 FROM nic WHERE nic.region = a.region"
	    " AND nic.nid = json_extract(a.json, '$.NetworkInterfaceId'))"
	    " ORDER BY a.region, a.id",
	[K_LB] = "SELECT l.type, l.id, l.name, l.region, "
	    LIST("SELECT json_extract(x.value, '$.IpAddress') AS v"
	    " FROM json_each(" ARR("l.json", "AvailabilityZones") ") z,"
	    " json_each(" ARR("z.value", "LoadBalancerAddresses") ") x") ", "
	    LIST("SELECT json_extract(x.value, '$.PrivateIPv4Address') AS v"
	    " FROM json_each(" ARR("l.json", "AvailabilityZones") ") z,"
	    " json_each(" ARR("z.value", "LoadBalancerAddresses") ") x") ", "
	    LIST("SELECT json_extract(x.value, '$.IPv6Address') AS v"
	    " FROM json_each(" ARR("l.json", "AvailabilityZones") ") z,"
	    " json_each(" ARR("z.value", "LoadBalancerAddresses") ") x") ","
	    " json_extract(l.json, '$.DNSName'),"
	    " json_extract(l.json, '$.VpcId'), "
	    LIST("SELECT json_extract(z.value, '$.SubnetId') AS v"
	    " FROM json_each(" ARR("l.json", "AvailabilityZones") ") z") ","
	    " json_extract(l.json, '$.State.Code'), NULL, NULL, NULL,"
	    " json_extract(l.json, '$.Scheme'), json_extract(l.json, '$.Type')"
	    " FROM resources l WHERE l.type = 'aws/elbv2-load-balancer'"
	    " ORDER BY l.region, l.id",
	[K_RDS] = NETWORK_CTES
	    "SELECT d.type, d.id, d.name, d.region, NULL, NULL, NULL,"
	    " json_extract(d.json, '$.Endpoint.Address'),"
	    " json_extract(d.json, '$.DBSubnetGroup.VpcId'), "
	    LIST("SELECT json_extract(s.value, '$.SubnetIdentifier') AS v"
	    " FROM json_each(" ARR("d.json", "DBSubnetGroup.Subnets") ") s") ","
	    " json_extract(d.json, '$.DBInstanceStatus'),"
	    " (SELECT max(sn.igw4) FROM json_each("
	    ARR("d.json", "DBSubnetGroup.Subnets") ") s JOIN sn"
	    " ON sn.region = d.region"
	    " AND sn.subnet = json_extract(s.value, '$.SubnetIdentifier')),"
	    " NULL, NULL,"
	    " json_extract(d.json, '$.PubliclyAccessible'),"
	    " json_extract(d.json, '$.Engine')"
	    " FROM resources d WHERE d.type = 'aws/rds-db-instance'"
	    " ORDER BY d.region, d.id",
	[K_AZ_PIP] = "SELECT p.type, p.id, p.name, p.region,"
	    " json_extract(p.json, '$.properties.ipAddress'), NULL, NULL,"
	    " json_extract(p.json, '$.properties.dnsSettings.fqdn'),"
	    " NULL, NULL, json_extract(p.json, '$.properties.provisioningState'),"
	    " NULL, NULL, NULL,"
	    " coalesce(json_extract(p.json, '$.properties.ipConfiguration.id'),"
	    " json_extract(p.json, '$.properties.natGateway.id')),"
	    " json_extract(p.json, '$.properties.publicIPAllocationMethod')"
	    " FROM resources p WHERE p.type = 'azure/public-ip'"
	    " ORDER BY p.region, p.id"
};

/* What each cloud's rules read: its collectors and its kinds. */
struct cloud_rules {
	const char *cloud;
	const char *const *collectors;	/* NULL-terminated */
	enum kind first, last;		/* kinds first..last */
	int partial;			/* other resources have no rules */
};

static const char *const aws_collectors[] = { "ec2", "elbv2", "rds", NULL };
static const char *const azure_collectors[] = { "public-ips", NULL };

static const struct cloud_rules rules[] = {
	{ "aws", aws_collectors, K_INSTANCE, K_RDS, 0 },
	{ "azure", azure_collectors, K_AZ_PIP, K_AZ_PIP, 1 },
};

static const struct cloud_rules *
rules_of(const char *cloud)
{
	size_t i;

	for (i = 0; cloud != NULL && i < CP_ARRAY_LEN(rules); i++)
		if (strcmp(rules[i].cloud, cloud) == 0)
			return &rules[i];
	return NULL;
}

int
cp_ledger_assets_has_rules(const char *cloud)
{
	return rules_of(cloud) != NULL;
}

const char *const *
cp_ledger_assets_collectors(const char *cloud)
{
	const struct cloud_rules *cr = rules_of(cloud);

	return cr != NULL ? cr->collectors : NULL;
}

/* ---- classification ---- */

struct asset {
	enum kind kind;
	const char *public4, *private_ips, *ipv6, *state, *d1, *d2;
	int igw4, igw6, map_public;	/* -1: unknown */
};

#define IS(s, v) ((s) != NULL && strcmp((s), (v)) == 0)

/* Instances and interfaces. */
static enum category
classify_nic(const struct cp_ledger_opts *o, const struct asset *a,
    char *reason, size_t n)
{
	if (a->kind == K_INSTANCE && (IS(a->state, "terminated") ||
	    IS(a->state, "shutting-down")))
		return CAT_SKIP;
	if (a->public4 != NULL) {
		snprintf(reason, n, "%s", cp_ledger_text(o, "public IPv4 "
		    "address on a network interface (its own or an Elastic "
		    "IP)", "ネットワークインターフェースにパブリック IPv4 "
		    "アドレスあり (自動割り当てまたは Elastic IP)"));
		return CAT_PUBLIC;
	}
	if (a->ipv6 != NULL && a->igw6 == 1) {
		snprintf(reason, n, "%s", cp_ledger_text(o, "IPv6 address "
		    "in a subnet that routes ::/0 to an internet gateway",
		    "::/0 をインターネットゲートウェイへ向けるサブネット内の "
		    "IPv6 アドレス"));
		return CAT_PUBLIC;
	}
	if (a->igw4 == 1) {
		snprintf(reason, n, "%s%s", cp_ledger_text(o, "no public "
		    "address now, but its subnet routes 0.0.0.0/0 to an "
		    "internet gateway: a public or Elastic IP would expose it",
		    "現在パブリックアドレスはないが、サブネットが 0.0.0.0/0 を"
		    "インターネットゲートウェイへ向けている (パブリック IP "
		    "または Elastic IP の付与で公開される)"),
		    a->map_public == 1 ? cp_ledger_text(o, "; the subnet "
		    "gives new instances a public IPv4 address",
		    "。サブネットは新しいインスタンスにパブリック IPv4 "
		    "アドレスを自動で割り当てる") : "");
		return CAT_POSSIBLE;
	}
	if (a->igw4 < 0 || (a->ipv6 != NULL && a->igw6 < 0)) {
		snprintf(reason, n, "%s", cp_ledger_text(o, "no public "
		    "address now; the routes of its subnet are not in the "
		    "snapshot", "現在パブリックアドレスはないが、サブネットの"
		    "ルートがスナップショットにない"));
		return CAT_POSSIBLE;
	}
	snprintf(reason, n, "%s", cp_ledger_text(o, "no public address, and "
	    "its subnet has no route to an internet gateway",
	    "パブリックアドレスがなく、サブネットにインターネットゲートウェイ"
	    "へのルートもない"));
	return CAT_PRIVATE;
}

/* What an Azure id names, from its provider on: "networkInterfaces/x/...". */
static const char *
az_short(const char *id)
{
	const char *p = id != NULL ? strstr(id, "/providers/") : NULL;

	if (p == NULL)
		return id;
	p += strlen("/providers/");
	p = strchr(p, '/');		/* past "Microsoft.Network" */
	return p != NULL && p[1] != '\0' ? p + 1 : id;
}

/* Azure public IP addresses: d1 what it is attached to, d2 allocation. */
static enum category
classify_az_pip(const struct cp_ledger_opts *o, const struct asset *a,
    char *reason, size_t n)
{
	if (a->public4 == NULL) {
		snprintf(reason, n, cp_ledger_text(o, "no address allocated "
		    "now (allocation %s): it gets one when what it is attached "
		    "to starts", "現在アドレスは割り当てられていない (割り当て"
		    "方法 %s)。関連付け先の起動時に割り当てられる"),
		    a->d2 != NULL ? a->d2 : "-");
		return CAT_POSSIBLE;
	}
	if (a->d1 == NULL)
		snprintf(reason, n, "%s", cp_ledger_text(o, "public IP address "
		    "attached to nothing: nothing answers on it now, but the "
		    "subscription holds it", "どこにも関連付けられていない"
		    "パブリック IP アドレス (現在応答するものはないが、"
		    "サブスクリプションが保有している)"));
	else
		snprintf(reason, n, cp_ledger_text(o, "public IP address "
		    "attached to %s", "パブリック IP アドレス (関連付け先 %s)"),
		    az_short(a->d1));
	return CAT_PUBLIC;
}

static enum category
classify(const struct cp_ledger_opts *o, const struct asset *a,
    char *reason, size_t n)
{
	switch (a->kind) {
	case K_INSTANCE:
	case K_NIC:
		return classify_nic(o, a, reason, n);
	case K_EIP:
		if (a->d1 == NULL)
			snprintf(reason, n, "%s", cp_ledger_text(o, "Elastic "
			    "IP associated with nothing: nothing answers on "
			    "it now, but the account holds it",
			    "どこにも関連付けられていない Elastic IP (現在応答"
			    "するものはないが、アカウントが保有している)"));
		else
			snprintf(reason, n, cp_ledger_text(o, "Elastic IP "
			    "associated with %s, which is not in the snapshot",
			    "Elastic IP (関連付け先 %s はスナップショットにない)"),
			    a->d1);
		return CAT_PUBLIC;
	case K_LB:
		if (IS(a->d1, "internet-facing")) {
			snprintf(reason, n, "%s", cp_ledger_text(o, "scheme "
			    "internet-facing: its DNS name resolves to public "
			    "addresses", "スキームが internet-facing (DNS 名が"
			    "パブリックアドレスに解決される)"));
			return CAT_PUBLIC;
		}
		if (IS(a->d1, "internal")) {
			snprintf(reason, n, "%s", cp_ledger_text(o, "scheme "
			    "internal: its DNS name resolves to private "
			    "addresses only", "スキームが internal (DNS 名は"
			    "プライベートアドレスにのみ解決される)"));
			return CAT_PRIVATE;
		}
		snprintf(reason, n, cp_ledger_text(o, "scheme unknown (%s): "
		    "it may be internet-facing", "スキームが不明 (%s)。"
		    "インターネット向けの可能性がある"), a->d1 != NULL ?
		    a->d1 : "-");
		return CAT_POSSIBLE;
	case K_RDS:
		if (IS(a->d1, "1") && a->igw4 == 0) {
			snprintf(reason, n, "%s", cp_ledger_text(o, "publicly "
			    "accessible, but no subnet of its group routes to "
			    "an internet gateway: such a route would expose it",
			    "パブリックアクセス可能だが、サブネットグループの"
			    "どのサブネットにもインターネットゲートウェイへの"
			    "ルートがない (ルートの追加で公開される)"));
			return CAT_POSSIBLE;
		}
		if (IS(a->d1, "1")) {
			snprintf(reason, n, "%s%s", cp_ledger_text(o,
			    "publicly accessible: its endpoint resolves to a "
			    "public address", "パブリックアクセス可能 (エンド"
			    "ポイントがパブリックアドレスに解決される)"),
			    a->igw4 < 0 ? cp_ledger_text(o, "; the routes of "
			    "its subnets are not in the snapshot",
			    "。サブネットのルートはスナップショットにない") :
			    "");
			return CAT_PUBLIC;
		}
		if (IS(a->d1, "0")) {
			snprintf(reason, n, "%s", cp_ledger_text(o, "not "
			    "publicly accessible: its endpoint resolves to "
			    "private addresses", "パブリックアクセス不可 (エンド"
			    "ポイントはプライベートアドレスに解決される)"));
			return CAT_PRIVATE;
		}
		snprintf(reason, n, "%s", cp_ledger_text(o, "PubliclyAccessible"
		    " not reported: it may be public", "PubliclyAccessible "
		    "が不明。公開の可能性がある"));
		return CAT_POSSIBLE;
	case K_AZ_PIP:
		return classify_az_pip(o, a, reason, n);
	default:
		return CAT_SKIP;
	}
}

/* ---- the shared walk ---- */

static int
flag(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, i) != 0;
}

/* "a, b" of two lists, either NULL; NULL when both are. */
static const char *
join(const char *a, const char *b, char **buf)
{
	size_t la, lb;

	if (a == NULL || b == NULL)
		return a != NULL ? a : b;
	/* Whole, however many addresses: a cut list would drop some and
	 * could end in a different, valid address. */
	la = strlen(a);
	lb = strlen(b);
	*buf = malloc(la + lb + 3);
	if (*buf == NULL)
		return NULL;
	memcpy(*buf, a, la);
	memcpy(*buf + la, ", ", 2);
	memcpy(*buf + la + 2, b, lb + 1);
	return *buf;
}

/* Judges the asset of row st and hands it to fn (unless left out). */
static cp_err
judge(const struct cp_ledger_opts *o, enum kind k, sqlite3_stmt *st,
    cp_asset_fn fn, void *ud)
{
	struct cp_asset out;
	struct asset a;
	char reason[1024], *joined = NULL;
	enum category c;
	cp_err r;

	memset(&a, 0, sizeof(a));
	a.kind = k;
	a.public4 = cp_ledger_col(st, Q_PUBLIC);
	a.private_ips = cp_ledger_col(st, Q_PRIVATE);
	a.ipv6 = cp_ledger_col(st, Q_IPV6);
	a.state = cp_ledger_col(st, Q_STATE);
	a.igw4 = flag(st, Q_IGW4);
	a.igw6 = flag(st, Q_IGW6);
	a.map_public = flag(st, Q_MAP_PUBLIC);
	a.d1 = cp_ledger_col(st, Q_D1);
	a.d2 = cp_ledger_col(st, Q_D2);
	c = classify(o, &a, reason, sizeof(reason));
	if (c == CAT_SKIP)
		return CP_OK;
	memset(&out, 0, sizeof(out));
	out.type = cp_ledger_col(st, Q_TYPE);
	out.id = cp_ledger_col(st, Q_ID);
	out.name = cp_ledger_col(st, Q_NAME);
	out.region = cp_ledger_col(st, Q_REGION);
	out.category = c == CAT_PUBLIC ? CP_ASSET_PUBLIC : c == CAT_POSSIBLE ?
	    CP_ASSET_POSSIBLE : CP_ASSET_PRIVATE;
	/* Globally routed IPv6 is public; otherwise it sits with the
	 * private addresses. */
	if (a.igw6 == 1) {
		out.public_ips = join(a.public4, a.ipv6, &joined);
		out.private_ips = a.private_ips;
	} else {
		out.public_ips = a.public4;
		out.private_ips = join(a.private_ips, a.ipv6, &joined);
	}
	if (a.ipv6 != NULL && (a.igw6 == 1 ? a.public4 : a.private_ips) !=
	    NULL && joined == NULL)
		return CP_E_NOMEM;
	out.dns = cp_ledger_col(st, Q_DNS);
	out.vpc = cp_ledger_col(st, Q_VPC);
	out.subnets = cp_ledger_col(st, Q_SUBNET);
	out.state = a.state;
	if (k == K_EIP)
		out.state = a.d1 != NULL ? cp_ledger_text(o, "associated",
		    "関連付け済み") : cp_ledger_text(o, "unassociated",
		    "未関連付け");
	/* An interface's description says whose it is ("ELB app/..."). */
	if (k == K_NIC && a.d1 != NULL)
		out.name = a.d1;
	out.reason = reason;
	r = fn(ud, &out);
	free(joined);
	return r;
}

cp_err
cp_ledger_assets_each(const struct cp_ledger_opts *o, const char *cloud,
    sqlite3 *db, cp_asset_fn fn, void *ud, char *why, size_t why_size)
{
	const struct cloud_rules *cr = rules_of(cloud);
	sqlite3_stmt *st = NULL;
	cp_err r = CP_OK;
	int k, rv = SQLITE_DONE;

	if (cr == NULL) {
		snprintf(why, why_size, "the asset ledger has no rules for "
		    "cloud %s yet", cloud != NULL ? cloud : "?");
		return CP_E_UNSUPPORTED;
	}
	for (k = (int)cr->first; r == CP_OK && k <= (int)cr->last; k++) {
		if (sqlite3_prepare_v2(db, kind_sql[k], -1, &st, NULL) !=
		    SQLITE_OK)
			return cp_ledger_sql_error(db, "asset ledger", why,
			    why_size);
		while (r == CP_OK && (rv = sqlite3_step(st)) == SQLITE_ROW)
			r = judge(o, (enum kind)k, st, fn, ud);
		if (r == CP_OK && rv != SQLITE_DONE)
			r = cp_ledger_sql_error(db, "asset ledger", why,
			    why_size);
		sqlite3_finalize(st);
		st = NULL;
	}
	return r;
}

/* ---- rows ---- */

struct unit_ctx {
	const struct cp_ledger_opts *o;
	const struct cp_env *env;
	const struct cp_unit *unit;
	cp_report *rep;
};

static const char *
cat_text(const struct unit_ctx *u, enum category c)
{
	return cp_ledger_text(u->o, cat_en[c], cat_ja[c]);
}

/* cells with the unit's columns filled and the rest empty. */
static void
unit_cells(const struct unit_ctx *u, struct cp_cell *cells)
{
	size_t i;

	for (i = 0; i < NCOLS; i++)
		cells[i] = cp_cell_null();
	cells[COL_ENV] = cp_cell_text(u->env->name);
	cells[COL_CLOUD] = cp_cell_text(u->env->cloud);
	cells[COL_UNIT] = cp_cell_text(u->unit->unit);
}

static cp_err
note_row(const struct unit_ctx *u, enum category c, const char *reason)
{
	struct cp_cell cells[NCOLS];

	unit_cells(u, cells);
	cells[COL_CATEGORY] = cp_cell_text(cat_text(u, c));
	cells[COL_REASON] = cp_cell_text(reason);
	return cp_report_row(u->rep, cells, NCOLS);
}

static cp_err
missing_row(void *ud, const char *collector, const char *message)
{
	const struct unit_ctx *u = ud;
	char reason[1024];

	cp_ledger_collector_note(u->o, collector, message, reason,
	    sizeof(reason));
	return note_row(u, CAT_MISSING, reason);
}

static cp_err
asset_row(void *ud, const struct cp_asset *a)
{
	const struct unit_ctx *u = ud;
	struct cp_cell cells[NCOLS];
	enum category c = a->category == CP_ASSET_PUBLIC ? CAT_PUBLIC :
	    a->category == CP_ASSET_POSSIBLE ? CAT_POSSIBLE : CAT_PRIVATE;

	unit_cells(u, cells);
	cells[COL_REGION] = cp_cell_text(a->region);
	cells[COL_TYPE] = cp_cell_text(a->type);
	cells[COL_ID] = cp_cell_text(a->id);
	cells[COL_NAME] = cp_cell_text(a->name);
	cells[COL_CATEGORY] = cp_cell_text(cat_text(u, c));
	cells[COL_PUBLIC] = cp_cell_text(a->public_ips);
	cells[COL_PRIVATE] = cp_cell_text(a->private_ips);
	cells[COL_DNS] = cp_cell_text(a->dns);
	cells[COL_VPC] = cp_cell_text(a->vpc);
	cells[COL_SUBNET] = cp_cell_text(a->subnets);
	cells[COL_STATE] = cp_cell_text(a->state);
	cells[COL_REASON] = cp_cell_text(a->reason);
	return cp_report_row(u->rep, cells, NCOLS);
}

cp_err
cp_ledger_assets_unit(const struct cp_ledger_opts *o,
    const struct cp_env *env, const struct cp_unit *unit, cp_report *rep,
    char *why, size_t why_size)
{
	const struct cloud_rules *cr = rules_of(env->cloud);
	struct unit_ctx u;
	sqlite3 *db = NULL;
	char reason[256];
	cp_err r;

	u.o = o;
	u.env = env;
	u.unit = unit;
	u.rep = rep;
	if (cr == NULL) {
		snprintf(reason, sizeof(reason), cp_ledger_text(o, "the asset "
		    "ledger has no rules for cloud %s yet", "クラウド %s の"
		    "資産台帳の判定ルールはまだありません"), env->cloud);
		return note_row(&u, CAT_NO_RULES, reason);
	}
	r = cp_ledger_open(o, unit, &db, why, why_size);
	if (r == CP_E_NOTFOUND)
		return note_row(&u, CAT_NOT_INSPECTED,
		    cp_ledger_never_inspected(o));
	if (r != CP_OK)
		return r;
	r = cp_ledger_collector_errors(db, cr->collectors, missing_row, &u,
	    why, why_size);
	if (r == CP_OK)
		r = cp_ledger_assets_each(o, env->cloud, db, asset_row, &u, why,
		    why_size);
	if (r == CP_OK && cr->partial) {
		snprintf(reason, sizeof(reason), cp_ledger_text(o, "the asset "
		    "ledger covers only the public IP addresses of cloud %s; "
		    "its other resources have no rules yet", "クラウド %s の"
		    "資産台帳はパブリック IP アドレスのみを対象とし、その他の"
		    "リソースの判定ルールはまだありません"), env->cloud);
		r = note_row(&u, CAT_NO_RULES, reason);
	}
	sqlite3_close(db);
	return r;
}

cp_err
rrun_assets(struct rrun *x)
{
	struct cp_ledger_opts o;
	size_t i;
	cp_err r;

	cp_ledger_opts_of(x, &o);
	r = cp_report_table(x->rep, cp_ledger_assets_table());
	for (i = 0; r == CP_OK && i < x->n_units; i++) {
		r = cp_ledger_assets_unit(&o, &x->units[i].env,
		    &x->units[i].unit, x->rep, x->why, x->why_size);
		rrun_step(x);
	}
	return r;
}
