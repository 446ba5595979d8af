/*
 * collect_ec2.c - the "ec2" and "ec2-images" collectors.
 *
 * Each Describe… listing of one region is followed page by page
 * (NextToken) and every item is emitted as one resource in the shape
 * README.md promises.  A listing that fails, or that cannot be followed
 * to its end, is recorded as a failure of its collector and the
 * collector goes on with its other listings: the snapshot then says the
 * collector failed, so no policy that needs it can pass on partial data.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aws.h"

#define EC2_SERVICE "ec2"
#define EC2_VERSION "2016-11-15"
/* The largest page most listings accept; DescribeRouteTables' is 100. */
#define EC2_PAGE "1000"
#define EC2_PAGE_ROUTE_TABLES "100"
/* Bounds on what a response may carry into our buffers. */
#define EC2_TOKEN_MAX 4096
#define EC2_ID_MAX 255
#define EC2_ARN_MAX 600
#define EC2_NAME_MAX 600
/* A number written as text (a tag value the XML conversion made one). */
#define EC2_NUM_MAX 32
/* Parameters of one page: the extras, MaxResults and NextToken. */
#define EC2_EXTRA_MAX 4
#define EC2_PARAMS_MAX (EC2_EXTRA_MAX + 2)

/*
 * The XML elements of the listings below whose children form a list, so
 * that a list with one element or none is still an array (names from
 * the locationNames of botocore's EC2 model).
 */
static const char *const ec2_lists[] = {
	"securityGroupInfo", "ipPermissions", "ipPermissionsEgress",
	"ipRanges", "ipv6Ranges", "groups", "prefixListIds", "tagSet",
	"securityGroupRuleSet",
	"reservationSet", "instancesSet", "groupSet", "blockDeviceMapping",
	"networkInterfaceSet", "privateIpAddressesSet", "ipv6AddressesSet",
	"ipv4PrefixSet", "ipv6PrefixSet", "productCodes", "licenseSet",
	"elasticGpuAssociationSet",
	"elasticInferenceAcceleratorAssociationSet",
	"addressesSet", "vpcSet", "cidrBlockAssociationSet",
	"ipv6CidrBlockAssociationSet", "subnetSet", "routeTableSet",
	"routeSet", "associationSet", "propagatingVgwSet",
	"internetGatewaySet", "attachmentSet", "networkAclSet", "entrySet",
	"snapshotSet", "imagesSet",
	NULL
};

/* A plain listing: one resource per item, named by a member or a tag. */
struct ec2_kind {
	const char *api;
	const char *set;		/* the member holding the items */
	const char *max_results;	/* NULL: the API does not page */
	const char *type;
	const char *arn_kind;		/* "vpc" in arn:aws:ec2:R:A:vpc/ID */
	const char *id_member;
	const char *alt_id_member;	/* when id_member is absent */
	const char *name_member;	/* NULL: the Name tag, then the id */
	int name_is_id;			/* the id is the name */
};

static const struct ec2_kind ec2_kinds[] = {
	{ "DescribeNetworkInterfaces", "NetworkInterfaceSet", EC2_PAGE,
	    "aws/ec2-network-interface", "network-interface",
	    "NetworkInterfaceId", NULL, NULL, 1 },
	{ "DescribeAddresses", "AddressesSet", NULL, "aws/ec2-address",
	    "elastic-ip", "AllocationId", "PublicIp", "PublicIp", 0 },
	{ "DescribeVpcs", "VpcSet", EC2_PAGE, "aws/ec2-vpc", "vpc", "VpcId",
	    NULL, NULL, 0 },
	{ "DescribeSubnets", "SubnetSet", EC2_PAGE, "aws/ec2-subnet",
	    "subnet", "SubnetId", NULL, NULL, 0 },
	{ "DescribeRouteTables", "RouteTableSet", EC2_PAGE_ROUTE_TABLES,
	    "aws/ec2-route-table", "route-table", "RouteTableId", NULL, NULL,
	    0 },
	{ "DescribeInternetGateways", "InternetGatewaySet", EC2_PAGE,
	    "aws/ec2-internet-gateway", "internet-gateway",
	    "InternetGatewayId", NULL, NULL, 0 },
	{ "DescribeNetworkAcls", "NetworkAclSet", EC2_PAGE,
	    "aws/ec2-network-acl", "network-acl", "NetworkAclId", NULL, NULL,
	    0 },
};

/* One collector's work in one region. */
struct ec2_run {
	struct aws_collect *k;
	struct aws_client *c;
	const char *region;
	const char *collector;		/* "ec2", "ec2-images" */
	const struct ec2_kind *kind;	/* the plain listing under way */
	json_t *group_names;		/* GroupId → GroupName */
	json_t *public_snapshots;	/* ids restorable by all; NULL: unknown */
};

typedef cp_err (*ec2_item_fn)(struct ec2_run *x, json_t *item,
    struct aws_error *err);

/* ------------------------------------------------------------ helpers */


/* The partition of region's ARNs. */
static const char *
ec2_partition(const char *region)
{
	if (strncmp(region, "cn-", 3) == 0)
		return "aws-cn";
	if (strncmp(region, "us-gov-", 7) == 0)
		return "aws-us-gov";
	return "aws";
}

/* An id as AWS sends it: short printable text without spaces. */
static int
ec2_id_ok(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.:_-");
	return n > 0 && n <= EC2_ID_MAX && s[n] == '\0';
}

/* The value of the tag key of item's TagSet, or NULL. */
static const char *
ec2_tag(const json_t *item, const char *key, char *buf, size_t n)
{
	const json_t *tags = json_object_get(item, "TagSet"), *t;
	size_t i;

	json_array_foreach(tags, i, t) {
		const char *k = json_string_value(json_object_get(t, "Key"));

		if (k != NULL && strcmp(k, key) == 0)
			return aws_text(json_object_get(t, "Value"), buf, n);
	}
	return NULL;
}

/*
 * Gives a member the name README.md documents for it where that is
 * botocore's rather than the XML tag's (groupDescription → Description).
 */
static cp_err
ec2_rename(json_t *obj, const char *from, const char *to)
{
	json_t *v = json_object_get(obj, from);

	if (v == NULL || json_object_get(obj, to) != NULL)
		return CP_OK;
	json_incref(v);
	if (json_object_del(obj, from) != 0 ||
	    json_object_set_new(obj, to, v) != 0)
		return CP_E_NOMEM;
	return CP_OK;
}

/* Emits item as type with the ARN arn:P:ec2:R:ACCOUNT:KIND/ID. */
static cp_err
ec2_put(struct ec2_run *x, const char *type, const char *arn_kind,
    int with_account, const char *id, const char *name, const json_t *item,
    struct aws_error *err)
{
	char arn[EC2_ARN_MAX];
	int len;
	cp_err r;

	len = snprintf(arn, sizeof(arn), "arn:%s:ec2:%s:%s:%s/%s",
	    ec2_partition(x->region), x->region,
	    with_account ? x->k->account : "", arn_kind, id);
	if (len < 0 || (size_t)len >= sizeof(arn)) {
		aws_error_set(err, "the ARN of %s %s is too long", type, id);
		return CP_E_PARSE;
	}
	r = aws_emit(x->k, type, arn, name, x->region, item);
	if (r != CP_OK)
		aws_error_set(err, "could not store %s %s", type, arn);
	return r;
}

static void
ec2_failed(struct ec2_run *x, const char *api, cp_err r,
    const struct aws_error *err)
{
	aws_collector_failed(x->k, x->collector, x->region, api, r, err);
}

/*
 * Follows one listing to its end, calling fn for every item of set.  A
 * failure is recorded (an item that fn finds malformed too, and then the
 * listing goes on); the return is the last failure, or CP_OK.
 */
static cp_err
ec2_list(struct ec2_run *x, const char *api, const char *set,
    const char *max_results, const struct aws_param *extra, size_t n_extra,
    ec2_item_fn fn)
{
	struct aws_param params[EC2_PARAMS_MAX];
	char token[EC2_TOKEN_MAX] = "";
	struct aws_call call;
	struct aws_error err;
	json_t *out = NULL, *items, *item;
	const char *next;
	size_t n, i, page;
	cp_err r = CP_OK, ir;

	if (n_extra > EC2_EXTRA_MAX)
		return CP_E_INVALID;
	for (page = 0; page < AWS_MAX_PAGES; page++) {
		if (aws_stopping(x->k))
			return CP_E_CANCELLED;
		for (n = 0; n < n_extra; n++)
			params[n] = extra[n];
		if (max_results != NULL) {
			params[n].name = "MaxResults";
			params[n++].value = max_results;
		}
		if (token[0] != '\0') {
			params[n].name = "NextToken";
			params[n++].value = token;
		}
		memset(&call, 0, sizeof(call));
		call.service = EC2_SERVICE;
		call.region = x->region;
		call.protocol = AWS_P_EC2;
		call.action = api;
		call.version = EC2_VERSION;
		call.params = params;
		call.n_params = n;
		call.lists = ec2_lists;
		memset(&err, 0, sizeof(err));
		ir = aws_call(x->c, &call, &out, &err);
		if (ir == CP_OK && out == NULL) {
			aws_error_set(&err, "no response to %s", api);
			ir = CP_E_PARSE;
		}
		if (ir != CP_OK) {
			ec2_failed(x, api, ir, &err);
			return ir;
		}
		/* AWS always sends the set, empty or not: an answer
		 * without it is not an empty account. */
		items = json_object_get(out, set);
		if (!json_is_array(items)) {
			aws_error_set(&err, "the response has no %s list",
			    set);
			r = CP_E_PARSE;
			ec2_failed(x, api, r, &err);
			goto out;
		}
		json_array_foreach(items, i, item) {
			memset(&err, 0, sizeof(err));
			ir = fn(x, item, &err);
			if (ir == CP_OK)
				continue;
			if (err.message[0] == '\0')
				aws_error_set(&err, "%s",
				    x->k->p->host->strerror(ir));
			r = ir;
			ec2_failed(x, api, ir, &err);
			if (ir != CP_E_PARSE)
				goto out;
		}
		next = json_string_value(json_object_get(out, "NextToken"));
		if (next == NULL || *next == '\0')
			goto out;
		if (strlen(next) >= sizeof(token)) {
			aws_error_set(&err, "a NextToken of more than %zu bytes",
			    sizeof(token) - 1);
			r = CP_E_LIMIT;
			ec2_failed(x, api, r, &err);
			goto out;
		}
		if (strcmp(next, token) == 0) {
			aws_error_set(&err, "the same NextToken came back twice "
			    "(page %zu)", page + 1);
			r = CP_E_PARSE;
			ec2_failed(x, api, r, &err);
			goto out;
		}
		snprintf(token, sizeof(token), "%s", next);
		json_decref(out);
		out = NULL;
	}
	aws_error_set(&err, "the listing did not end within %d pages",
	    AWS_MAX_PAGES);
	r = CP_E_LIMIT;
	ec2_failed(x, api, r, &err);
out:
	json_decref(out);
	return r;
}

/* The string member of item that is its id, checked. */
static const char *
ec2_item_id(const json_t *item, const char *member, const char *api,
    struct aws_error *err)
{
	const char *id = json_string_value(json_object_get(item, member));

	if (!ec2_id_ok(id)) {
		aws_error_set(err, "an item without a proper %s (%s)", member, api);
		return NULL;
	}
	return id;
}

/* ------------------------------------------------------------ ec2 */

static cp_err
ec2_group(struct ec2_run *x, json_t *item, struct aws_error *err)
{
	const char *id, *name;
	cp_err r;

	id = ec2_item_id(item, "GroupId", "DescribeSecurityGroups", err);
	if (id == NULL)
		return CP_E_PARSE;
	name = json_string_value(json_object_get(item, "GroupName"));
	if (ec2_rename(item, "GroupDescription", "Description") != CP_OK)
		return CP_E_NOMEM;
	if (name != NULL && json_object_set_new(x->group_names, id,
	    json_string(name)) != 0)
		return CP_E_NOMEM;
	r = ec2_put(x, "aws/ec2-security-group", "security-group", 1, id,
	    name != NULL ? name : id, item, err);
	return r;
}

static cp_err
ec2_rule(struct ec2_run *x, json_t *item, struct aws_error *err)
{
	const char *id, *gid, *gname;
	char name[EC2_NAME_MAX];

	id = ec2_item_id(item, "SecurityGroupRuleId",
	    "DescribeSecurityGroupRules", err);
	if (id == NULL)
		return CP_E_PARSE;
	gid = json_string_value(json_object_get(item, "GroupId"));
	gname = gid != NULL ? json_string_value(json_object_get(
	    x->group_names, gid)) : NULL;
	if (gname != NULL && json_object_set_new(item, "GroupName",
	    json_string(gname)) != 0)
		return CP_E_NOMEM;
	snprintf(name, sizeof(name), "%s/%s",
	    gname != NULL ? gname : gid != NULL ? gid : "?", id);
	return ec2_put(x, "aws/ec2-security-group-rule",
	    "security-group-rule", 1, id, name, item, err);
}

static cp_err
ec2_reservation(struct ec2_run *x, json_t *item, struct aws_error *err)
{
	json_t *instances = json_object_get(item, "InstancesSet"), *inst;
	char buf[EC2_NUM_MAX];
	const char *id, *name;
	size_t i;
	cp_err r, last = CP_OK;

	if (instances != NULL && !json_is_array(instances)) {
		aws_error_set(err, "a reservation whose InstancesSet is not a "
		    "list");
		return CP_E_PARSE;
	}
	json_array_foreach(instances, i, inst) {
		id = ec2_item_id(inst, "InstanceId", "DescribeInstances", err);
		if (id == NULL) {
			last = CP_E_PARSE;
			continue;
		}
		if (ec2_rename(inst, "InstanceState", "State") != CP_OK ||
		    ec2_rename(inst, "IpAddress", "PublicIpAddress") != CP_OK)
			return CP_E_NOMEM;
		name = ec2_tag(inst, "Name", buf, sizeof(buf));
		r = ec2_put(x, "aws/ec2-instance", "instance", 1, id,
		    name != NULL ? name : id, inst, err);
		if (r != CP_OK)
			return r;
	}
	return last;
}

static cp_err
ec2_plain(struct ec2_run *x, json_t *item, struct aws_error *err)
{
	const struct ec2_kind *kd = x->kind;
	const char *id, *name = NULL;
	char buf[EC2_NUM_MAX];

	id = json_string_value(json_object_get(item, kd->id_member));
	if (id == NULL && kd->alt_id_member != NULL)
		id = json_string_value(json_object_get(item,
		    kd->alt_id_member));
	if (!ec2_id_ok(id)) {
		aws_error_set(err, "an item without a proper %s (%s)",
		    kd->id_member, kd->api);
		return CP_E_PARSE;
	}
	if (kd->name_member != NULL)
		name = aws_text(json_object_get(item, kd->name_member), buf,
		    sizeof(buf));
	else if (!kd->name_is_id)
		name = ec2_tag(item, "Name", buf, sizeof(buf));
	return ec2_put(x, kd->type, kd->arn_kind, 1, id,
	    name != NULL ? name : id, item, err);
}

void
aws_collect_ec2(struct aws_collect *k, struct aws_client *c,
    const char *region)
{
	struct ec2_run x;
	struct aws_error err;
	size_t i;

	memset(&x, 0, sizeof(x));
	x.k = k;
	x.c = c;
	x.region = region;
	x.collector = "ec2";
	x.group_names = json_object();
	if (x.group_names == NULL) {
		aws_error_set(&err, "out of memory");
		ec2_failed(&x, "DescribeSecurityGroups", CP_E_NOMEM, &err);
		return;
	}
	/* Groups first: every rule carries its group's name. */
	ec2_list(&x, "DescribeSecurityGroups", "SecurityGroupInfo", EC2_PAGE,
	    NULL, 0, ec2_group);
	ec2_list(&x, "DescribeSecurityGroupRules", "SecurityGroupRuleSet",
	    EC2_PAGE, NULL, 0, ec2_rule);
	ec2_list(&x, "DescribeInstances", "ReservationSet", EC2_PAGE, NULL, 0,
	    ec2_reservation);
	for (i = 0; i < sizeof(ec2_kinds) / sizeof(ec2_kinds[0]); i++) {
		x.kind = &ec2_kinds[i];
		ec2_list(&x, x.kind->api, x.kind->set, x.kind->max_results,
		    NULL, 0, ec2_plain);
	}
	json_decref(x.group_names);
}

/* ------------------------------------------------------------ ec2-images */

static cp_err
ec2_public_snapshot(struct ec2_run *x, json_t *item, struct aws_error *err)
{
	const char *id;

	id = ec2_item_id(item, "SnapshotId", "DescribeSnapshots", err);
	if (id == NULL)
		return CP_E_PARSE;
	if (json_object_set_new(x->public_snapshots, id, json_true()) != 0)
		return CP_E_NOMEM;
	return CP_OK;
}

static cp_err
ec2_snapshot(struct ec2_run *x, json_t *item, struct aws_error *err)
{
	const char *id;

	id = ec2_item_id(item, "SnapshotId", "DescribeSnapshots", err);
	if (id == NULL)
		return CP_E_PARSE;
	/* Without the public listing the flag is unknown, not false. */
	if (x->public_snapshots != NULL &&
	    json_object_set_new(item, "Public", json_boolean(
	    json_object_get(x->public_snapshots, id) != NULL)) != 0)
		return CP_E_NOMEM;
	return ec2_put(x, "aws/ec2-snapshot", "snapshot", 0, id, id, item,
	    err);
}

static cp_err
ec2_image(struct ec2_run *x, json_t *item, struct aws_error *err)
{
	const char *id, *name;
	char buf[EC2_NUM_MAX];

	id = ec2_item_id(item, "ImageId", "DescribeImages", err);
	if (id == NULL)
		return CP_E_PARSE;
	name = aws_text(json_object_get(item, "Name"), buf, sizeof(buf));
	return ec2_put(x, "aws/ec2-image", "image", 0, id,
	    name != NULL ? name : id, item, err);
}

void
aws_collect_ec2_images(struct aws_collect *k, struct aws_client *c,
    const char *region)
{
	static const struct aws_param self[] = { { "Owner.1", "self" } };
	static const struct aws_param self_public[] = {
		{ "Owner.1", "self" }, { "RestorableBy.1", "all" }
	};
	struct aws_error err;
	struct ec2_run x;

	memset(&x, 0, sizeof(x));
	x.k = k;
	x.c = c;
	x.region = region;
	x.collector = "ec2-images";
	/* Which of our snapshots anyone may restore, then all of ours. */
	x.public_snapshots = json_object();
	if (x.public_snapshots == NULL) {
		aws_error_set(&err, "out of memory");
		ec2_failed(&x, "DescribeSnapshots", CP_E_NOMEM, &err);
	} else if (ec2_list(&x, "DescribeSnapshots", "SnapshotSet", EC2_PAGE,
	    self_public, 2, ec2_public_snapshot) != CP_OK) {
		json_decref(x.public_snapshots);
		x.public_snapshots = NULL;
	}
	ec2_list(&x, "DescribeSnapshots", "SnapshotSet", EC2_PAGE, self, 1,
	    ec2_snapshot);
	ec2_list(&x, "DescribeImages", "ImagesSet", NULL, self, 1, ec2_image);
	json_decref(x.public_snapshots);
}
