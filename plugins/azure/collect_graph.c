/*
 * collect_graph.c - the collectors of the tenant, over Microsoft Graph:
 * the users (guests among them) with their sign-in activity when the
 * tenant's licence shows it, the sign-in events since the last
 * collection when it has the logs, and the directory roles with their
 * members.
 * azure.c runs them once per collection of a tenant and writes what they
 * found into every subscription's snapshot.  README.md is the contract.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "azure.h"

#define AZ_USER_FIELDS "id,displayName,userPrincipalName,mail,userType," \
	"accountEnabled,createdDateTime,externalUserState," \
	"externalUserStateChangeDateTime"
#define AZ_GRAPH_ID_MAX 128

struct graph_ctx {
	struct az_collect *k;
	struct az_client *c;
	const char *template_id;	/* the role being listed */
	size_t emitted;
};

static int
graph_id_ok(const char *s)
{
	return s != NULL && *s != '\0' && strlen(s) < AZ_GRAPH_ID_MAX &&
	    s[strspn(s, "0123456789abcdefABCDEF-")] == '\0';
}

static cp_err
user_item(void *ud, json_t *item)
{
	struct graph_ctx *g = ud;
	const char *id = az_str(item, "id");
	const char *upn = az_str(item, "userPrincipalName");

	if (az_stopping(g->k))
		return CP_E_CANCELLED;
	if (id == NULL || *id == '\0' || strlen(id) >= AZ_GRAPH_ID_MAX)
		return CP_OK;
	g->emitted++;
	return az_emit(g->k, "azure/entra-user", id, upn != NULL ? upn : id,
	    "global", item);
}

/*
 * The users.  signInActivity needs an Entra ID P1/P2 licence: without
 * one Graph refuses the whole query with 403, so we ask again without it
 * and say so in the azure/tenant object.
 */
static void
collect_users(struct az_collect *k, struct az_client *c, json_t *tenant)
{
	struct graph_ctx g;
	struct az_error err;
	cp_err r;

	memset(&g, 0, sizeof(g));
	g.k = k;
	g.c = c;
	r = az_list(c, AZ_GRAPH, "/v1.0/users?$select=" AZ_USER_FIELDS
	    ",signInActivity&$top=999", user_item, &g, &err);
	if (r == CP_E_PERM && g.emitted == 0) {
		json_object_set_new(tenant, "signInActivity",
		    json_string("not-licensed"));
		json_object_set_new(tenant, "signInActivityReason",
		    json_string(err.code[0] != '\0' ? err.code :
		    err.message));
		r = az_list(c, AZ_GRAPH, "/v1.0/users?$select="
		    AZ_USER_FIELDS "&$top=999", user_item, &g, &err);
	} else if (r == CP_OK) {
		json_object_set_new(tenant, "signInActivity",
		    json_string("available"));
	}
	if (r != CP_OK && !az_stopping(k))
		az_collector_failed(k, "entra-users", "GET /v1.0/users", r,
		    &err);
}

static cp_err
signin_item(void *ud, json_t *item)
{
	struct graph_ctx *g = ud;
	const char *id = az_str(item, "id");
	const char *at = az_str(item, "createdDateTime");

	if (az_stopping(g->k))
		return CP_E_CANCELLED;
	if (id == NULL || *id == '\0' || strlen(id) >= AZ_GRAPH_ID_MAX ||
	    at == NULL || strlen(at) > 40)
		return CP_OK;
	if (g->emitted >= AZ_SIGNINS_MAX)
		return CP_E_LIMIT;
	g->emitted++;
	return az_emit_event(g->k, "azure/sign-in", at, id, item);
}

/*
 * The sign-ins since k->events_from (Graph's auditLogs/signIns, newest
 * first).  Reading them needs an Entra ID P1/P2 licence: without one
 * Graph answers 403, which is the tenant's state ("not-licensed" in
 * azure/tenant), not a failure.
 */
static void
collect_signins(struct az_collect *k, struct az_client *c, json_t *tenant)
{
	struct graph_ctx g;
	struct az_error err;
	struct tm tm;
	char from[32], path[256];
	cp_err r;

	memset(&g, 0, sizeof(g));
	g.k = k;
	g.c = c;
	if (gmtime_r(&k->events_from, &tm) == NULL)
		return;
	strftime(from, sizeof(from), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(path, sizeof(path), "/v1.0/auditLogs/signIns?$filter="
	    "createdDateTime%%20ge%%20%s&$top=999", from);
	r = az_list(c, AZ_GRAPH, path, signin_item, &g, &err);
	if (r == CP_E_PERM && g.emitted == 0) {
		json_object_set_new(tenant, "signInLogs",
		    json_string("not-licensed"));
		json_object_set_new(tenant, "signInLogsReason",
		    json_string(err.code[0] != '\0' ? err.code :
		    err.message));
		az_log(k->p, CP_LOG_INFO, "tenant %s: no sign-in logs "
		    "(auditLogs/signIns: %s): the tenant needs Entra ID P1 or "
		    "P2", k->tenant, err.code[0] != '\0' ? err.code :
		    err.message);
		return;
	}
	if (r == CP_E_LIMIT)
		az_error_set(&err, "more than %d sign-ins since %s: the rest "
		    "were not collected", AZ_SIGNINS_MAX, from);
	if (r != CP_OK) {
		if (!az_stopping(k))
			az_collector_failed(k, "entra-sign-ins",
			    "GET /v1.0/auditLogs/signIns", r, &err);
		return;
	}
	json_object_set_new(tenant, "signInLogs", json_string("available"));
	json_object_set_new(tenant, "signInLogsFrom", json_string(from));
}

static cp_err
member_item(void *ud, json_t *item)
{
	struct graph_ctx *g = ud;
	const char *id = az_str(item, "id");
	const char *name = az_str(item, "userPrincipalName");
	char key[2 * AZ_GRAPH_ID_MAX + 2];

	if (id == NULL || *id == '\0' || strlen(id) >= AZ_GRAPH_ID_MAX)
		return CP_OK;
	if (name == NULL)
		name = az_str(item, "displayName");
	snprintf(key, sizeof(key), "%s/%s", g->template_id, id);
	return az_emit(g->k, "azure/directory-role-member", key,
	    name != NULL ? name : id, "global", item);
}

static void
collect_roles(struct az_collect *k, struct az_client *c)
{
	struct graph_ctx g;
	struct az_error err;
	const char *id, *tmpl, *name;
	char path[256], api[300];
	json_t *roles = NULL, *role;
	size_t i;
	cp_err r;

	r = az_get(c, AZ_GRAPH, "/v1.0/directoryRoles", &roles, &err);
	if (r == CP_OK && !json_is_array(json_object_get(roles, "value"))) {
		az_error_set(&err, "the answer has no \"value\" list");
		r = CP_E_PARSE;
	}
	if (r != CP_OK) {
		if (!az_stopping(k))
			az_collector_failed(k, "entra-roles",
			    "GET /v1.0/directoryRoles", r, &err);
		json_decref(roles);
		return;
	}
	json_array_foreach(json_object_get(roles, "value"), i, role) {
		id = az_str(role, "id");
		tmpl = az_str(role, "roleTemplateId");
		name = az_str(role, "displayName");
		if (!graph_id_ok(id) || !graph_id_ok(tmpl))
			continue;
		if (az_emit(k, "azure/directory-role", id,
		    name != NULL ? name : id, "global", role) != CP_OK)
			break;
		memset(&g, 0, sizeof(g));
		g.k = k;
		g.c = c;
		g.template_id = tmpl;
		snprintf(path, sizeof(path), "/v1.0/directoryRoles/%s/members"
		    "?$top=999", id);
		r = az_list(c, AZ_GRAPH, path, member_item, &g, &err);
		if (r != CP_OK) {
			if (!az_stopping(k)) {
				snprintf(api, sizeof(api), "GET /v1.0/"
				    "directoryRoles/%s/members", id);
				az_collector_failed(k, "entra-roles", api, r,
				    &err);
			}
			break;
		}
	}
	json_decref(roles);
}

void
az_collect_graph(struct az_collect *k, struct az_client *c)
{
	json_t *tenant;

	tenant = json_pack("{s:s, s:s, s:s}", "tenantId", k->tenant,
	    "signInActivity", "unknown", "signInLogs", "unknown");
	if (tenant == NULL)
		return;
	collect_users(k, c, tenant);
	if (!az_stopping(k))
		collect_signins(k, c, tenant);
	if (!az_stopping(k))
		az_emit(k, "azure/tenant", k->tenant, k->tenant, "global",
		    tenant);
	json_decref(tenant);
	if (!az_stopping(k))
		collect_roles(k, c);
}
