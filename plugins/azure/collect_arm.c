/*
 * collect_arm.c - the collectors of one subscription, over Azure
 * Resource Manager.  Each lists one kind of resource across the whole
 * subscription (every nextLink followed) and writes every object as ARM
 * returned it; some write the parts too (an NSG's rules, a virtual
 * network's subnets, a SQL server's firewall rules, a storage account's
 * blob containers).  A collector that fails records one error naming the
 * tenant, the subscription and the API, and the next one runs.
 * README.md is the contract.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "azure.h"

#define AZ_NET_API "2023-09-01"
#define AZ_STORAGE_API "2023-01-01"
/* The blob containers are listed per storage account; after this many
 * accounts failed, the rest are not asked (one more error says so). */
#define AZ_CONTAINER_FAILURES_MAX 16

struct emit_ctx {
	struct az_collect *k;
	struct az_client *c;
	const char *type;
	const char *collector;
	int (*more)(struct emit_ctx *e, json_t *item, const char *region);
	json_t *vms;			/* virtual machines by id */
	int failed;			/* a part failed (recorded) */
	const char *part_region;	/* region of the parts being listed */
	unsigned part_failures;		/* accounts whose containers failed */
};

/* id, name and location of an ARM object; 0 when it has no usable id. */
static int
arm_names(const json_t *item, const char **id, const char **name,
    const char **region)
{
	*id = az_str(item, "id");
	*name = az_str(item, "name");
	*region = az_str(item, "location");
	if (*region == NULL)
		*region = "global";
	return *id != NULL && **id != '\0' && strlen(*id) < 2048;
}

static cp_err
emit_parts(struct emit_ctx *e, const json_t *parts, const char *type,
    const char *region)
{
	const char *id, *name, *ignored;
	json_t *part;
	size_t i;
	cp_err r;

	json_array_foreach(parts, i, part) {
		if (!arm_names(part, &id, &name, &ignored))
			continue;
		r = az_emit(e->k, type, id, name, region, part);
		if (r != CP_OK)
			return r;
	}
	return CP_OK;
}

static int
nsg_rules(struct emit_ctx *e, json_t *nsg, const char *region)
{
	const json_t *props = json_object_get(nsg, "properties");

	return emit_parts(e, json_object_get(props, "securityRules"),
	    "azure/network-security-rule", region) == CP_OK &&
	    emit_parts(e, json_object_get(props, "defaultSecurityRules"),
	    "azure/network-security-rule", region) == CP_OK;
}

static int
vnet_subnets(struct emit_ctx *e, json_t *vnet, const char *region)
{
	return emit_parts(e, json_object_get(json_object_get(vnet,
	    "properties"), "subnets"), "azure/subnet", region) == CP_OK;
}

static cp_err
fw_rule(void *ud, json_t *item)
{
	struct emit_ctx *e = ud;
	const char *id, *name, *region;

	if (!arm_names(item, &id, &name, &region))
		return CP_OK;
	return az_emit(e->k, "azure/sql-firewall-rule", id, name, "global",
	    item);
}

static int
sql_rules(struct emit_ctx *e, json_t *server, const char *region)
{
	const char *id = az_str(server, "id");
	struct az_error err;
	char path[1200], api[300];
	cp_err r;

	(void)region;
	if (!az_arm_id_ok(id)) {
		az_error_set(&err, "the server id is not one we put in a URL");
		r = CP_E_INVALID;
	} else {
		snprintf(path, sizeof(path), "%s/firewallRules?api-version="
		    "2021-11-01", id);
		r = az_list(e->c, AZ_ARM, path, fw_rule, e, &err);
	}
	if (r != CP_OK && !az_stopping(e->k)) {
		snprintf(api, sizeof(api), "Microsoft.Sql/servers/"
		    "firewallRules (%s)", az_str(server, "name") != NULL ?
		    az_str(server, "name") : "?");
		az_collector_failed(e->k, e->collector, api, r, &err);
		e->failed = 1;
	}
	return !az_stopping(e->k);
}

static cp_err
container_item(void *ud, json_t *item)
{
	struct emit_ctx *e = ud;
	const char *id, *name, *ignored;

	if (az_stopping(e->k))
		return CP_E_CANCELLED;
	if (!arm_names(item, &id, &name, &ignored))
		return CP_OK;
	return az_emit(e->k, "azure/blob-container", id, name, e->part_region,
	    item);
}

/*
 * The blob containers of one storage account, collector blob-containers
 * (their own: a failure here must not leave the policies on the accounts
 * themselves undecided).  A failed account is recorded by name and the
 * next account is asked; after AZ_CONTAINER_FAILURES_MAX failures (the
 * API refused everywhere, a throttling storm) the rest are skipped.  A
 * FileStorage account has no blob service: it is not asked (ARM would
 * refuse, and AZ-E004 would stay undecided for nothing).
 */
static int
blob_containers(struct emit_ctx *e, json_t *account, const char *region)
{
	static const char api[] =
	    "Microsoft.Storage/storageAccounts/blobServices/containers";
	const char *id = az_str(account, "id");
	const char *name = az_str(account, "name");
	struct az_error err;
	char path[1200], what[300];
	cp_err r;

	if (e->part_failures >= AZ_CONTAINER_FAILURES_MAX ||
	    (az_str(account, "kind") != NULL &&
	    strcmp(az_str(account, "kind"), "FileStorage") == 0))
		return !az_stopping(e->k);
	e->part_region = region;
	if (!az_arm_id_ok(id)) {
		az_error_set(&err, "the account id is not one we put in a URL");
		r = CP_E_INVALID;
	} else {
		snprintf(path, sizeof(path), "%s/blobServices/default/"
		    "containers?api-version=" AZ_STORAGE_API, id);
		r = az_list(e->c, AZ_ARM, path, container_item, e, &err);
	}
	if (r == CP_OK || az_stopping(e->k))
		return !az_stopping(e->k);
	snprintf(what, sizeof(what), "%s (storage account %.128s)", api,
	    name != NULL ? name : "?");
	az_collector_failed(e->k, "blob-containers", what, r, &err);
	if (++e->part_failures == AZ_CONTAINER_FAILURES_MAX) {
		az_error_set(&err, "%d storage accounts failed; the containers "
		    "of the others are not listed", AZ_CONTAINER_FAILURES_MAX);
		az_collector_failed(e->k, "blob-containers", api, CP_E_LIMIT,
		    &err);
	}
	return !az_stopping(e->k);
}

static cp_err
emit_item(void *ud, json_t *item)
{
	struct emit_ctx *e = ud;
	const char *id, *name, *region;
	cp_err r;

	if (az_stopping(e->k))
		return CP_E_CANCELLED;
	if (!arm_names(item, &id, &name, &region))
		return CP_OK;
	r = az_emit(e->k, e->type, id, name, region, item);
	if (r != CP_OK)
		return r;
	if (e->more != NULL && !e->more(e, item, region))
		return e->k->fatal != CP_OK ? e->k->fatal : CP_E_FAILED;
	return CP_OK;
}

/* One ARM list collector. */
struct arm_list {
	const char *collector;
	const char *type;		/* our resource type */
	const char *provider;		/* "Microsoft.Network/..." */
	const char *api_version;
	int (*more)(struct emit_ctx *e, json_t *item, const char *region);
	/* The collector of what more() lists when it is not this one's, and
	 * its API: when the list fails, those parts are incomplete too. */
	const char *parts, *parts_api;
};

static const struct arm_list arm_lists[] = {
	{ "network-security-groups", "azure/network-security-group",
	    "Microsoft.Network/networkSecurityGroups", AZ_NET_API,
	    nsg_rules, NULL, NULL },
	{ "network-interfaces", "azure/network-interface",
	    "Microsoft.Network/networkInterfaces", AZ_NET_API, NULL,
	    NULL, NULL },
	{ "public-ips", "azure/public-ip",
	    "Microsoft.Network/publicIPAddresses", AZ_NET_API, NULL,
	    NULL, NULL },
	{ "load-balancers", "azure/load-balancer",
	    "Microsoft.Network/loadBalancers", AZ_NET_API, NULL, NULL, NULL },
	{ "application-gateways", "azure/application-gateway",
	    "Microsoft.Network/applicationGateways", AZ_NET_API, NULL,
	    NULL, NULL },
	{ "virtual-networks", "azure/virtual-network",
	    "Microsoft.Network/virtualNetworks", AZ_NET_API, vnet_subnets,
	    NULL, NULL },
	{ "storage-accounts", "azure/storage-account",
	    "Microsoft.Storage/storageAccounts", AZ_STORAGE_API,
	    blob_containers, "blob-containers",
	    "Microsoft.Storage/storageAccounts/blobServices/containers" },
	{ "sql-servers", "azure/sql-server", "Microsoft.Sql/servers",
	    "2021-11-01", sql_rules, NULL, NULL },
	{ "key-vaults", "azure/key-vault", "Microsoft.KeyVault/vaults",
	    "2023-07-01", NULL, NULL, NULL },
	{ "role-assignments", "azure/role-assignment",
	    "Microsoft.Authorization/roleAssignments", "2022-04-01", NULL,
	    NULL, NULL },
};

static void
run_list(struct az_collect *k, struct az_client *c,
    const struct arm_list *l)
{
	struct emit_ctx e;
	struct az_error err;
	char path[512];
	cp_err r;

	memset(&e, 0, sizeof(e));
	e.k = k;
	e.c = c;
	e.type = l->type;
	e.collector = l->collector;
	e.more = l->more;
	snprintf(path, sizeof(path), "/subscriptions/%s/providers/%s?"
	    "api-version=%s", k->sub, l->provider, l->api_version);
	r = az_list(c, AZ_ARM, path, emit_item, &e, &err);
	if (r == CP_OK || az_stopping(k))
		return;
	if (!e.failed)
		az_collector_failed(k, l->collector, l->provider, r, &err);
	if (l->parts != NULL) {
		az_error_set(&err, "not listed for every account: %s failed",
		    l->provider);
		az_collector_failed(k, l->parts, l->parts_api, r, &err);
	}
}

/* ------------------------------------------------------------ VMs */

static cp_err
vm_keep(void *ud, json_t *item)
{
	struct emit_ctx *e = ud;
	const char *id = az_str(item, "id");

	if (id == NULL || strlen(id) >= 2048)
		return CP_OK;
	return json_object_set(e->vms, id, item) == 0 ? CP_OK : CP_E_NOMEM;
}

/* statusOnly=true: the instance view of each VM, added to its object. */
static cp_err
vm_status(void *ud, json_t *item)
{
	struct emit_ctx *e = ud;
	const char *id = az_str(item, "id");
	json_t *vm, *props, *view;

	view = json_object_get(json_object_get(item, "properties"),
	    "instanceView");
	if (id == NULL || view == NULL ||
	    (vm = json_object_get(e->vms, id)) == NULL)
		return CP_OK;
	props = json_object_get(vm, "properties");
	if (!json_is_object(props))
		return CP_OK;
	return json_object_set(props, "instanceView", view) == 0 ? CP_OK :
	    CP_E_NOMEM;
}

static void
collect_vms(struct az_collect *k, struct az_client *c)
{
	static const char *const api = "Microsoft.Compute/virtualMachines";
	struct emit_ctx e;
	struct az_error err;
	const char *id, *name, *region, *key;
	char path[512];
	json_t *vm;
	cp_err r;

	memset(&e, 0, sizeof(e));
	e.k = k;
	e.c = c;
	if ((e.vms = json_object()) == NULL)
		return;
	snprintf(path, sizeof(path), "/subscriptions/%s/providers/%s?"
	    "api-version=2024-03-01", k->sub, api);
	r = az_list(c, AZ_ARM, path, vm_keep, &e, &err);
	if (r != CP_OK) {
		if (!az_stopping(k))
			az_collector_failed(k, "virtual-machines", api, r,
			    &err);
		json_decref(e.vms);
		return;
	}
	snprintf(path, sizeof(path), "/subscriptions/%s/providers/%s?"
	    "api-version=2024-03-01&statusOnly=true", k->sub, api);
	r = az_list(c, AZ_ARM, path, vm_status, &e, &err);
	if (r != CP_OK && !az_stopping(k))
		az_collector_failed(k, "virtual-machines",
		    "Microsoft.Compute/virtualMachines (statusOnly)", r, &err);
	json_object_foreach(e.vms, key, vm) {
		if (!arm_names(vm, &id, &name, &region) ||
		    az_emit(k, "azure/virtual-machine", id, name, region,
		    vm) != CP_OK)
			break;
	}
	json_decref(e.vms);
}

/* ------------------------------------------------------------ resources */

static cp_err
resource_item(void *ud, json_t *item)
{
	struct emit_ctx *e = ud;
	const char *id, *name, *region;

	if (!arm_names(item, &id, &name, &region))
		return CP_OK;
	return az_emit(e->k, "azure/resource", id, name, region, item);
}

static void
collect_resources(struct az_collect *k, struct az_client *c)
{
	struct emit_ctx e;
	struct az_error err;
	char path[256];
	cp_err r;

	memset(&e, 0, sizeof(e));
	e.k = k;
	e.c = c;
	snprintf(path, sizeof(path), "/subscriptions/%s/resources?"
	    "api-version=2021-04-01", k->sub);
	r = az_list(c, AZ_ARM, path, resource_item, &e, &err);
	if (r != CP_OK && !az_stopping(k))
		az_collector_failed(k, "resources", "resources", r, &err);
}

/* ------------------------------------------------------------ cost */

#define AZ_COST_API "2023-03-01"
#define AZ_COST_PAGES 100
#define AZ_COST_CURRENCIES 16

/* The month-to-date totals of one subscription, by currency. */
struct cost_sum {
	char currency[AZ_COST_CURRENCIES][8];
	double amount[AZ_COST_CURRENCIES];
	size_t n;
	int rows;
};

/* The index of the column called name in columns, or -1. */
static int
cost_column(const json_t *columns, const char *name)
{
	const json_t *col;
	size_t i;

	json_array_foreach(columns, i, col) {
		const char *n = az_str(col, "name");

		if (n != NULL && strcmp(n, name) == 0 && i < 64)
			return (int)i;
	}
	return -1;
}

/* Adds the rows of one answer (properties.columns/rows) to sum. */
static cp_err
cost_add(const json_t *props, struct cost_sum *sum, struct az_error *err)
{
	const json_t *cols = json_object_get(props, "columns"), *row;
	int ci = cost_column(cols, "Cost"), ui = cost_column(cols, "Currency");
	const char *cur;
	double v;
	size_t i, j;

	if (ci < 0)
		ci = cost_column(cols, "PreTaxCost");
	if (ci < 0 || ui < 0) {
		az_error_set(err, "the answer has no Cost and Currency "
		    "columns");
		return CP_E_PARSE;
	}
	json_array_foreach(json_object_get(props, "rows"), i, row) {
		if (!json_is_number(json_array_get(row, (size_t)ci)) ||
		    (cur = json_string_value(json_array_get(row,
		    (size_t)ui))) == NULL || strlen(cur) == 0 ||
		    strlen(cur) >= sizeof(sum->currency[0])) {
			az_error_set(err, "a row without a number and a "
			    "currency");
			return CP_E_PARSE;
		}
		v = json_number_value(json_array_get(row, (size_t)ci));
		for (j = 0; j < sum->n; j++)
			if (strcmp(sum->currency[j], cur) == 0)
				break;
		if (j == sum->n) {
			if (sum->n == AZ_COST_CURRENCIES) {
				az_error_set(err, "more than %d currencies",
				    AZ_COST_CURRENCIES);
				return CP_E_LIMIT;
			}
			snprintf(sum->currency[j], sizeof(sum->currency[j]),
			    "%s", cur);
			sum->amount[j] = 0;
			sum->n++;
		}
		sum->amount[j] += v;
		sum->rows++;
	}
	return CP_OK;
}

/*
 * Month-to-date actual cost of the subscription (Cost Management query,
 * no grouping: one row per currency), written as costs of "YYYY-MM".  A
 * subscription with no charge yet answers no row and writes none.
 */
static void
collect_cost(struct az_collect *k, struct az_client *c)
{
	static const char api[] = "Microsoft.CostManagement/query";
	struct cost_sum sum;
	struct az_reply rep;
	struct az_error err;
	const json_t *props;
	char path[AZ_URL_MAX], period[32];
	const char *next;
	json_t *body;
	time_t now = k->p->host->now(k->p->self);
	struct tm tm;
	unsigned pages;
	size_t i;
	cp_err r = CP_OK;

	memset(&sum, 0, sizeof(sum));
	if (k->sink->cost == NULL || gmtime_r(&now, &tm) == NULL)
		return;
	snprintf(period, sizeof(period), "%04d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1);
	body = json_pack("{s:s, s:s, s:{s:s, s:{s:{s:s, s:s}}}}", "type",
	    "ActualCost", "timeframe", "MonthToDate", "dataset",
	    "granularity", "None", "aggregation", "totalCost", "name", "Cost",
	    "function", "Sum");
	if (body == NULL)
		return;
	snprintf(path, sizeof(path), "/subscriptions/%s/providers/"
	    "Microsoft.CostManagement/query?api-version=" AZ_COST_API,
	    k->sub);
	for (pages = 0; pages < AZ_COST_PAGES; pages++) {
		if (az_stopping(k))
			goto out;
		r = az_send(c, AZ_ARM, "POST", path, body, NULL, &rep, &err);
		if (r != CP_OK)
			break;
		props = json_object_get(rep.body, "properties");
		r = cost_add(props, &sum, &err);
		next = az_str(props, "nextLink");
		if (r == CP_OK && next != NULL && *next != '\0' &&
		    strlen(next) < sizeof(path))
			snprintf(path, sizeof(path), "%s", next);
		else
			next = NULL;
		az_reply_free(&rep);
		if (r != CP_OK || next == NULL)
			break;
	}
	if (r == CP_OK && pages == AZ_COST_PAGES) {
		az_error_set(&err, "more than %d pages", AZ_COST_PAGES);
		r = CP_E_LIMIT;
	}
	if (r != CP_OK) {
		if (!az_stopping(k))
			az_collector_failed(k, "cost", api, r, &err);
		goto out;
	}
	pthread_mutex_lock(&k->mu);
	for (i = 0; i < sum.n && r == CP_OK && k->fatal == CP_OK; i++)
		r = k->sink->cost(k->sink, period, sum.amount[i],
		    sum.currency[i]);
	if (r != CP_OK && k->fatal == CP_OK)
		k->fatal = r;
	pthread_mutex_unlock(&k->mu);
out:
	json_decref(body);
}

void
az_collect_arm(struct az_collect *k, struct az_client *c)
{
	size_t i;

	for (i = 0; i < sizeof(arm_lists) / sizeof(arm_lists[0]); i++) {
		if (az_stopping(k))
			return;
		run_list(k, c, &arm_lists[i]);
	}
	if (!az_stopping(k))
		collect_vms(k, c);
	if (!az_stopping(k))
		collect_resources(k, c);
	if (!az_stopping(k))
		collect_cost(k, c);
}
