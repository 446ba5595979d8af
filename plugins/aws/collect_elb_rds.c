/*
 * collect_elb_rds.c - the "elbv2" and "rds" collectors.
 *
 * Both services speak the Query protocol and page with Marker.  A load
 * balancer is emitted with its listeners (DescribeListeners, one listing
 * per load balancer); a listing that fails or does not end is recorded
 * as a failure of its collector, so policies that need it give errors
 * instead of passing on partial data.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aws.h"

#define ELB_SERVICE "elasticloadbalancing"
#define ELB_VERSION "2015-12-01"
#define ELB_PAGE "400"			/* PageSize: 1..400 */
#define RDS_SERVICE "rds"
#define RDS_VERSION "2014-10-31"
#define RDS_PAGE "100"			/* MaxRecords: 20..100 */
#define QL_MARKER_MAX 4096
#define QL_ARN_MAX 2048
#define QL_PARAMS_MAX 3

/* Elements whose children form lists (botocore's locationNames). */
static const char *const elb_lists[] = {
	"LoadBalancers", "AvailabilityZones", "LoadBalancerAddresses",
	"SecurityGroups", "Listeners", "Certificates", "DefaultActions",
	"TargetGroups", "AlpnPolicy",
	NULL
};

static const char *const rds_lists[] = {
	"DBInstances", "AssociatedRoles",
	"DBInstanceAutomatedBackupsReplications", "DBParameterGroups",
	"DBSecurityGroups", "DomainMemberships", "EnabledCloudwatchLogsExports",
	"LogTypesToDisable", "LogTypesToEnable", "OptionGroupMemberships",
	"ProcessorFeatures", "ReadReplicaDBClusterIdentifiers",
	"ReadReplicaDBInstanceIdentifiers", "StatusInfos", "Subnets",
	"SupportedNetworkTypes", "TagList", "VpcSecurityGroups",
	NULL
};

/* One Query listing paged by Marker. */
struct ql_listing {
	const char *collector;		/* "elbv2", "rds" */
	const char *service;
	const char *version;
	const char *api;
	const char *set;		/* the member holding the items */
	const char *page_param;		/* "PageSize", "MaxRecords" */
	const char *page_size;
	const char *next_member;	/* "NextMarker" (ELBv2), "Marker" (RDS) */
	const char *const *lists;
	const char *arg_name;		/* one fixed parameter, or NULL */
	const char *arg_value;
};

struct ql_run {
	struct aws_collect *k;
	struct aws_client *c;
	const char *region;
};

/* Called for every item; ud is the caller's. */
typedef cp_err (*ql_item_fn)(struct ql_run *x, json_t *item, void *ud,
    struct aws_error *err);


/* An ARN or identifier as AWS sends it: bounded, printable, no spaces. */
static int
ql_text_ok(const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		return 0;
	for (n = 0; s[n] != '\0'; n++)
		if ((unsigned char)s[n] <= ' ' || s[n] == 0x7f)
			return 0;
	return n > 0 && n <= max;
}

/*
 * Follows one listing to its end, calling fn for every item.  Failures
 * are not recorded here: the return says what failed and err why, and
 * the caller knows which collector to charge.  An item fn finds
 * malformed (CP_E_PARSE) does not stop the listing; *item_failed then
 * holds its error.
 */
static cp_err
ql_list(struct ql_run *x, const struct ql_listing *l, ql_item_fn fn,
    void *ud, struct aws_error *err, cp_err *item_failed,
    struct aws_error *item_err)
{
	struct aws_param params[QL_PARAMS_MAX];
	char marker[QL_MARKER_MAX] = "";
	struct aws_call call;
	json_t *out = NULL, *items, *item;
	const char *next;
	size_t n, i, page;
	cp_err r = CP_OK, ir;

	for (page = 0; page < AWS_MAX_PAGES; page++) {
		if (aws_stopping(x->k))
			return CP_E_CANCELLED;
		n = 0;
		if (l->arg_name != NULL) {
			params[n].name = l->arg_name;
			params[n++].value = l->arg_value;
		}
		params[n].name = l->page_param;
		params[n++].value = l->page_size;
		if (marker[0] != '\0') {
			params[n].name = "Marker";
			params[n++].value = marker;
		}
		memset(&call, 0, sizeof(call));
		call.service = l->service;
		call.region = x->region;
		call.protocol = AWS_P_QUERY;
		call.action = l->api;
		call.version = l->version;
		call.params = params;
		call.n_params = n;
		call.lists = l->lists;
		memset(err, 0, sizeof(*err));
		r = aws_call(x->c, &call, &out, err);
		if (r == CP_OK && out == NULL) {
			aws_error_set(err, "no response to %s", l->api);
			r = CP_E_PARSE;
		}
		if (r != CP_OK)
			return r;
		/* AWS always sends the list, empty or not. */
		items = json_object_get(out, l->set);
		if (!json_is_array(items)) {
			aws_error_set(err, "the response has no %s list",
			    l->set);
			r = CP_E_PARSE;
			goto out;
		}
		json_array_foreach(items, i, item) {
			ir = fn(x, item, ud, item_err);
			if (ir == CP_OK)
				continue;
			if (ir != CP_E_PARSE) {
				*err = *item_err;
				r = ir;
				goto out;
			}
			*item_failed = ir;
		}
		next = json_string_value(json_object_get(out,
		    l->next_member));
		if (next == NULL || *next == '\0')
			goto out;
		if (strlen(next) >= sizeof(marker)) {
			aws_error_set(err, "a marker of more than %zu bytes",
			    sizeof(marker) - 1);
			r = CP_E_LIMIT;
			goto out;
		}
		if (strcmp(next, marker) == 0) {
			aws_error_set(err, "the same marker came back twice "
			    "(page %zu)", page + 1);
			r = CP_E_PARSE;
			goto out;
		}
		snprintf(marker, sizeof(marker), "%s", next);
		json_decref(out);
		out = NULL;
	}
	aws_error_set(err, "the listing did not end within %d pages",
	    AWS_MAX_PAGES);
	r = CP_E_LIMIT;
out:
	json_decref(out);
	return r;
}

/* Runs l, recording every failure under its collector's name. */
static void
ql_collect(struct ql_run *x, const struct ql_listing *l, ql_item_fn fn,
    void *ud)
{
	struct aws_error err, item_err;
	cp_err r, item_failed = CP_OK;

	memset(&item_err, 0, sizeof(item_err));
	r = ql_list(x, l, fn, ud, &err, &item_failed, &item_err);
	if (item_failed != CP_OK)
		aws_collector_failed(x->k, l->collector, x->region, l->api,
		    item_failed, &item_err);
	if (r != CP_OK && r != CP_E_CANCELLED)
		aws_collector_failed(x->k, l->collector, x->region, l->api, r,
		    &err);
}

/* ------------------------------------------------------------ elbv2 */

static cp_err
elb_listener(struct ql_run *x, json_t *item, void *ud, struct aws_error *err)
{
	(void)x;
	if (json_array_append(ud, item) != 0) {
		aws_error_set(err, "out of memory");
		return CP_E_NOMEM;
	}
	return CP_OK;
}

static cp_err
elb_load_balancer(struct ql_run *x, json_t *item, void *ud,
    struct aws_error *err)
{
	struct ql_listing l = {
		.collector = "elbv2", .service = ELB_SERVICE,
		.version = ELB_VERSION, .api = "DescribeListeners",
		.set = "Listeners", .page_param = "PageSize",
		.page_size = ELB_PAGE, .next_member = "NextMarker",
		.lists = elb_lists, .arg_name = "LoadBalancerArn",
	};
	struct aws_error lerr, item_err;
	const char *arn, *name;
	json_t *listeners;
	cp_err r, item_failed = CP_OK;

	(void)ud;
	arn = json_string_value(json_object_get(item, "LoadBalancerArn"));
	if (!ql_text_ok(arn, QL_ARN_MAX)) {
		aws_error_set(err, "a load balancer without a proper "
		    "LoadBalancerArn");
		return CP_E_PARSE;
	}
	name = json_string_value(json_object_get(item, "LoadBalancerName"));
	listeners = json_array();
	if (listeners == NULL) {
		aws_error_set(err, "out of memory");
		return CP_E_NOMEM;
	}
	l.arg_value = arn;
	r = ql_list(x, &l, elb_listener, listeners, &lerr, &item_failed,
	    &item_err);
	if (r == CP_E_CANCELLED) {
		json_decref(listeners);
		return r;
	}
	/*
	 * Without its listeners the load balancer is still worth storing;
	 * the failure is recorded, so nothing passes on its account.
	 */
	if (r != CP_OK) {
		aws_collector_failed(x->k, "elbv2", x->region,
		    "DescribeListeners", r, &lerr);
		json_decref(listeners);
	} else if (json_object_set_new(item, "Listeners", listeners) != 0) {
		aws_error_set(err, "out of memory");
		return CP_E_NOMEM;
	}
	r = aws_emit(x->k, "aws/elbv2-load-balancer", arn,
	    name != NULL ? name : arn, x->region, item);
	if (r != CP_OK)
		aws_error_set(err, "could not store load balancer %s", arn);
	return r;
}

void
aws_collect_elbv2(struct aws_collect *k, struct aws_client *c,
    const char *region)
{
	static const struct ql_listing l = {
		.collector = "elbv2", .service = ELB_SERVICE,
		.version = ELB_VERSION, .api = "DescribeLoadBalancers",
		.set = "LoadBalancers", .page_param = "PageSize",
		.page_size = ELB_PAGE, .next_member = "NextMarker",
		.lists = elb_lists,
	};
	struct ql_run x = { k, c, region };

	ql_collect(&x, &l, elb_load_balancer, NULL);
}

/* ------------------------------------------------------------ rds */

static cp_err
rds_instance(struct ql_run *x, json_t *item, void *ud, struct aws_error *err)
{
	const char *arn, *name;
	cp_err r;

	(void)ud;
	arn = json_string_value(json_object_get(item, "DBInstanceArn"));
	if (!ql_text_ok(arn, QL_ARN_MAX)) {
		aws_error_set(err, "a DB instance without a proper DBInstanceArn");
		return CP_E_PARSE;
	}
	name = json_string_value(json_object_get(item,
	    "DBInstanceIdentifier"));
	r = aws_emit(x->k, "aws/rds-db-instance", arn,
	    name != NULL ? name : arn, x->region, item);
	if (r != CP_OK)
		aws_error_set(err, "could not store DB instance %s", arn);
	return r;
}

void
aws_collect_rds(struct aws_collect *k, struct aws_client *c,
    const char *region)
{
	static const struct ql_listing l = {
		.collector = "rds", .service = RDS_SERVICE,
		.version = RDS_VERSION, .api = "DescribeDBInstances",
		.set = "DBInstances", .page_param = "MaxRecords",
		.page_size = RDS_PAGE, .next_member = "Marker",
		.lists = rds_lists,
	};
	struct ql_run x = { k, c, region };

	ql_collect(&x, &l, rds_instance, NULL);
}
