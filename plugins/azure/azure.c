/*
 * azure.c - the azure cloud plugin: its descriptor and configuration,
 * validate() and discover_units() (an environment is a tenant, its units
 * the subscriptions the service principal reaches), and collect(), which
 * runs the collectors of one subscription.
 *
 * collect() signs in, checks that the subscription is still there and
 * belongs to the tenant, writes it as azure/subscription, runs the ARM
 * collectors, then writes the tenant-level resources (Entra users,
 * directory roles).  Those are collected once and kept for
 * tenant_cache_seconds, so the subscriptions of one inspection share one
 * Graph collection and every subscription's snapshot holds them.  A
 * collector that fails records its error and the others go on; only what
 * makes the whole collection meaningless fails it: a credential that
 * does not sign in, a subscription gone or of another tenant, a cancel
 * or a sink that cannot store.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "azure.h"

#define AZ_PLUGIN_VERSION "0.1.0"

static const struct cp_config_key az_config[] = {
	{ "login_url", CP_CFG_URL, 0, "https://login.microsoftonline.com", 0,
	    0, "the Microsoft identity platform (sovereign clouds: "
	    "login.microsoftonline.us, login.chinacloudapi.cn; or a fake)" },
	{ "arm_url", CP_CFG_URL, 0, "https://management.azure.com", 0, 0,
	    "Azure Resource Manager" },
	{ "graph_url", CP_CFG_URL, 0, "https://graph.microsoft.com", 0, 0,
	    "Microsoft Graph" },
	{ "arm_scope", CP_CFG_STRING, 0,
	    "https://management.azure.com/.default", 0, 0,
	    "the scope ARM tokens are asked for" },
	{ "graph_scope", CP_CFG_STRING, 0,
	    "https://graph.microsoft.com/.default", 0, 0,
	    "the scope Graph tokens are asked for" },
	{ "tenant_cache_seconds", CP_CFG_INT, 0, "600", 0, 86400,
	    "how long the tenant's Entra data collected for one subscription "
	    "is reused for the tenant's other subscriptions" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

static const struct cp_config_key az_env_params[] = {
	{ "tenant_id", CP_CFG_STRING, CP_CFG_REQUIRED, NULL, 0, 0,
	    "directory (tenant) id, or its primary domain" },
	{ "client_id", CP_CFG_STRING, CP_CFG_REQUIRED, NULL, 0, 0,
	    "application (client) id of the service principal" },
	{ "client_secret", CP_CFG_STRING, CP_CFG_SECRET, NULL, 0, 0,
	    "client secret of the service principal" },
	{ "certificate", CP_CFG_STRING, CP_CFG_SECRET, NULL, 0, 0,
	    "PEM with the service principal's certificate and its "
	    "unencrypted RSA key, instead of a client secret" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

/* The tenant-level resources of one tenant, kept between collections. */
struct az_tenant_cache {
	char tenant[AZ_ID_MAX];
	char client[AZ_ID_MAX];
	time_t at;			/* monotonic seconds */
	struct az_item *items;
	size_t n_items;
	struct az_item *errors;
	size_t n_errors;
	struct az_item *events;
	size_t n_events;
	time_t events_from;		/* the sign-ins held start here */
};

static void
items_free(struct az_item *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].type);
		free(v[i].id);
		free(v[i].name);
		free(v[i].region);
		free(v[i].json);
	}
	free(v);
}

static void
cache_free(struct az_tenant_cache *tc)
{
	if (tc == NULL)
		return;
	items_free(tc->items, tc->n_items);
	items_free(tc->errors, tc->n_errors);
	items_free(tc->events, tc->n_events);
	free(tc);
}

static time_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* ------------------------------------------------------------ config */

static void
az_fini(void *ctx)
{
	struct azure_plugin *p = ctx;
	int i;

	if (p == NULL)
		return;
	free(p->login_url);
	for (i = 0; i < AZ_AUD_N; i++) {
		free(p->base[i]);
		free(p->scope[i]);
	}
	cache_free(p->cache);
	pthread_mutex_destroy(&p->cache_mu);
	free(p);
}

/* A copy of the URL key without trailing slashes. */
static char *
url_conf(struct azure_plugin *p, const char *key, const char *def)
{
	const char *v = p->host->config_get(p->self, key);
	size_t n;

	if (v == NULL || *v == '\0')
		v = def;
	n = strlen(v);
	while (n > 0 && v[n - 1] == '/')
		n--;
	if (n == 0 || n > 512)
		return NULL;
	return strndup(v, n);
}

static cp_err
az_init(const struct cp_host *host, cp_plugin *self, void **ctx)
{
	struct azure_plugin *p;
	const char *v;

	*ctx = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return CP_E_NOMEM;
	if (pthread_mutex_init(&p->cache_mu, NULL) != 0) {
		free(p);
		return CP_E_NOMEM;
	}
	p->host = host;
	p->self = self;
	p->login_url = url_conf(p, "login_url",
	    "https://login.microsoftonline.com");
	p->base[AZ_ARM] = url_conf(p, "arm_url",
	    "https://management.azure.com");
	p->base[AZ_GRAPH] = url_conf(p, "graph_url",
	    "https://graph.microsoft.com");
	v = host->config_get(self, "arm_scope");
	p->scope[AZ_ARM] = strdup(v != NULL && *v != '\0' ? v :
	    "https://management.azure.com/.default");
	v = host->config_get(self, "graph_scope");
	p->scope[AZ_GRAPH] = strdup(v != NULL && *v != '\0' ? v :
	    "https://graph.microsoft.com/.default");
	p->tenant_cache_seconds = host->config_get(self,
	    "tenant_cache_seconds") != NULL ?
	    host->config_get_int(self, "tenant_cache_seconds") : 600;
	if (p->login_url == NULL || p->base[AZ_ARM] == NULL ||
	    p->base[AZ_GRAPH] == NULL || p->scope[AZ_ARM] == NULL ||
	    p->scope[AZ_GRAPH] == NULL) {
		az_fini(p);
		return CP_E_NOMEM;
	}
	*ctx = p;
	return CP_OK;
}

/* ------------------------------------------------------------ sessions */

static int
sub_id_ok(const char *s)
{
	return s != NULL && *s != '\0' && strlen(s) < AZ_ID_MAX &&
	    s[strspn(s, "0123456789abcdefABCDEF-")] == '\0';
}

/* Opens a session and a client; signs in to ARM (the error logged and,
 * when detail is given, written there too). */
static cp_err
open_tenant(struct azure_plugin *p, const json_t *creds, const char *sub,
    struct az_session **s, struct az_client *c, char *detail,
    size_t detail_size)
{
	struct az_error err;
	char why[256], *tok = NULL;
	const char *tenant;
	cp_err r;

	memset(c, 0, sizeof(*c));
	r = az_session_open(p, creds, s, why, sizeof(why));
	if (r != CP_OK) {
		az_log(p, CP_LOG_ERROR, "%s", why);
		if (detail != NULL)
			snprintf(detail, detail_size, "%s", why);
		return r;
	}
	r = az_client_init(c, *s);
	if (r != CP_OK)
		return r;
	r = az_token_get(c, AZ_ARM, &tok, &err);
	if (tok != NULL) {
		explicit_bzero(tok, strlen(tok));
		free(tok);
	}
	if (r != CP_OK) {
		tenant = (*s)->tenant;
		az_log(p, CP_LOG_ERROR, "tenant %s%s%s: sign-in failed: %s%s%s",
		    tenant, sub != NULL ? " subscription " : "",
		    sub != NULL ? sub : "", err.code,
		    err.code[0] != '\0' ? ": " : "", err.message);
		if (detail != NULL)
			snprintf(detail, detail_size, "tenant %s: sign-in "
			    "failed: %s%s%.200s", tenant, err.code,
			    err.code[0] != '\0' ? ": " : "", err.message);
	}
	return r;
}

static void
close_tenant(struct az_session *s, struct az_client *c)
{
	if (c->s != NULL)
		az_client_fini(c);
	az_session_close(s);
}

/* ------------------------------------------------------------ validate */

static cp_err
az_validate_op(void *ctx, const json_t *creds,
    struct cp_validate_result *res)
{
	struct azure_plugin *p = ctx;
	struct az_session *s = NULL;
	struct az_client c;
	struct az_error err;
	struct az_sub *subs = NULL;
	size_t n = 0, i, capable = 0;
	cp_err r;

	res->remediation_capable = 0;
	res->account[0] = '\0';
	res->detail[0] = '\0';
	r = open_tenant(p, creds, NULL, &s, &c, res->detail,
	    sizeof(res->detail));
	if (r != CP_OK)
		goto out;
	snprintf(res->account, sizeof(res->account), "%s", s->tenant);
	r = az_list_subscriptions(&c, &subs, &n, &err);
	if (r != CP_OK) {
		snprintf(res->detail, sizeof(res->detail), "tenant %s: listing "
		    "the subscriptions failed: %s%s%.200s", s->tenant, err.code,
		    err.code[0] != '\0' ? ": " : "", err.message);
		goto out;
	}
	if (n == 0) {
		snprintf(res->detail, sizeof(res->detail), "tenant %s: the "
		    "service principal reaches no subscription (assign it "
		    "Reader or Contributor on each subscription to inspect)",
		    s->tenant);
		r = CP_E_PERM;
		goto out;
	}
	for (i = 0; i < n; i++)
		capable += subs[i].remediation != 0;
	res->remediation_capable = capable > 0;
	snprintf(res->detail, sizeof(res->detail), "tenant %s: %zu "
	    "subscription(s), %zu with remediation (Contributor), %zu "
	    "read-only (Reader); periodic inspection starts off: 'unit "
	    "inspect ENV SUBSCRIPTION on'", s->tenant, n, capable,
	    n - capable);
out:
	free(subs);
	close_tenant(s, &c);
	return r;
}

static cp_err
az_discover_op(void *ctx, const json_t *creds,
    const struct cp_unit_sink *sink)
{
	struct azure_plugin *p = ctx;
	struct az_session *s = NULL;
	struct az_client c;
	struct az_error err;
	struct az_sub *subs = NULL;
	size_t n = 0, i;
	cp_err r;

	r = open_tenant(p, creds, NULL, &s, &c, NULL, 0);
	if (r != CP_OK)
		goto out;
	r = az_list_subscriptions(&c, &subs, &n, &err);
	if (r != CP_OK) {
		az_log(p, CP_LOG_ERROR, "tenant %s: listing the subscriptions "
		    "failed: %s%s%s", s->tenant, err.code,
		    err.code[0] != '\0' ? ": " : "", err.message);
		goto out;
	}
	for (i = 0; i < n && r == CP_OK; i++)
		r = sink->unit(sink, subs[i].id, subs[i].name,
		    subs[i].remediation);
out:
	free(subs);
	close_tenant(s, &c);
	return r;
}

/* ------------------------------------------------------------ collect */

/* Writes the tenant-level resources and errors of tc into the sink. */
static cp_err
replay(struct az_collect *k, const struct az_tenant_cache *tc)
{
	const struct cp_inventory_sink *sink = k->sink;
	size_t i;
	cp_err r;

	for (i = 0; i < tc->n_items; i++) {
		const struct az_item *it = &tc->items[i];

		r = sink->resource(sink, it->type, it->id, it->name,
		    it->region, it->json);
		if (r != CP_OK)
			return r;
	}
	for (i = 0; i < tc->n_events && sink->event != NULL; i++) {
		const struct az_item *it = &tc->events[i];

		r = sink->event(sink, it->type, it->name, it->id, it->json);
		if (r != CP_OK)
			return r;
	}
	for (i = 0; i < tc->n_errors; i++) {
		const struct az_item *it = &tc->errors[i];

		r = sink->collector_error(sink, it->type,
		    (cp_err)atoi(it->id), it->json);
		if (r != CP_OK)
			return r;
	}
	return CP_OK;
}

/*
 * The tenant's resources and sign-ins: from the cache when they were
 * collected less than tenant_cache_seconds ago for the same credential
 * with sign-ins from no later than this unit needs (give or take
 * AZ_EVENTS_SLACK, which the overlap of windows covers: units of one
 * inspection start seconds apart), else collected now
 * (and cached when nothing failed, so an error is retried next time).
 */
static cp_err
tenant_level(struct az_collect *k, struct az_client *c)
{
	struct azure_plugin *p = k->p;
	struct az_tenant_cache *tc;
	time_t now = mono_now();
	cp_err r;

	pthread_mutex_lock(&p->cache_mu);
	tc = p->cache;
	if (tc != NULL && strcmp(tc->tenant, k->s->tenant) == 0 &&
	    strcmp(tc->client, k->s->client_id) == 0 &&
	    tc->events_from <= k->events_from + AZ_EVENTS_SLACK &&
	    now - tc->at < p->tenant_cache_seconds) {
		r = replay(k, tc);
		pthread_mutex_unlock(&p->cache_mu);
		return r;
	}
	tc = calloc(1, sizeof(*tc));
	if (tc == NULL) {
		pthread_mutex_unlock(&p->cache_mu);
		return CP_E_NOMEM;
	}
	snprintf(tc->tenant, sizeof(tc->tenant), "%s", k->s->tenant);
	snprintf(tc->client, sizeof(tc->client), "%s", k->s->client_id);
	tc->at = now;
	tc->events_from = k->events_from;
	k->recording = 1;
	az_collect_graph(k, c);
	k->recording = 0;
	tc->items = k->items;
	tc->n_items = k->n_items;
	tc->errors = k->errors;
	tc->n_errors = k->n_errors;
	tc->events = k->events;
	tc->n_events = k->n_events;
	k->items = k->errors = k->events = NULL;
	k->n_items = k->n_errors = k->n_events = 0;
	r = k->fatal;
	if (r == CP_OK)
		r = replay(k, tc);
	if (r == CP_OK && tc->n_errors == 0 && p->tenant_cache_seconds > 0) {
		cache_free(p->cache);
		p->cache = tc;
	} else {
		cache_free(tc);
	}
	pthread_mutex_unlock(&p->cache_mu);
	return r;
}

/* GET the subscription: still there, and of this tenant? */
static cp_err
check_subscription(struct az_collect *k, struct az_client *c)
{
	struct azure_plugin *p = k->p;
	struct az_error err;
	const char *tenant, *name;
	char path[256];
	json_t *sub = NULL;
	cp_err r;

	snprintf(path, sizeof(path), "/subscriptions/%s?api-version="
	    "2022-12-01", k->sub);
	r = az_get(c, AZ_ARM, path, &sub, &err);
	if (r == CP_E_NOTFOUND || r == CP_E_PERM) {
		az_log(p, CP_LOG_ERROR, "tenant %s subscription %s: %s (%s): "
		    "the subscription was removed or the service principal "
		    "lost its role there ('env sync' updates the units)",
		    k->tenant, k->sub, err.code[0] != '\0' ? err.code :
		    "gone", err.message);
		return r;
	}
	if (r != CP_OK) {
		az_log(p, CP_LOG_ERROR, "tenant %s subscription %s: GET "
		    "subscription failed: %s%s%s", k->tenant, k->sub,
		    err.code, err.code[0] != '\0' ? ": " : "", err.message);
		return r;
	}
	tenant = az_str(sub, "tenantId");
	if (tenant != NULL && strchr(k->tenant, '.') == NULL &&
	    strcasecmp(tenant, k->tenant) != 0) {
		az_log(p, CP_LOG_ERROR, "tenant %s subscription %s: the "
		    "subscription belongs to tenant %.64s", k->tenant, k->sub,
		    tenant);
		json_decref(sub);
		return CP_E_CONFIG;
	}
	name = az_str(sub, "displayName");
	snprintf(path, sizeof(path), "/subscriptions/%s", k->sub);
	r = az_emit(k, "azure/subscription", path, name != NULL ? name :
	    k->sub, "global", sub);
	json_decref(sub);
	return r;
}

/* "2026-11-25T09:00:00Z" (seconds and zone optional) as a time, or -1. */
static time_t
parse_utc(const char *s)
{
	struct tm tm;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strlen(s) > 40 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/*
 * Where sign-ins start: the previous successful collection (ABI 1.1) less
 * AZ_EVENTS_OVERLAP, or AZ_FIRST_EVENTS_WINDOW back.  Entra writes the
 * logs minutes late, so windows overlap; an event seen twice keeps its
 * finding (its key is the sign-in id) and is notified once.
 */
static time_t
events_from(const struct cp_inventory_sink *sink, time_t now)
{
	time_t t;

	if (sink->struct_size >= offsetof(struct cp_inventory_sink, since) +
	    sizeof(sink->since) && sink->since != NULL &&
	    (t = parse_utc(sink->since)) > 0 && t <= now)
		return t - AZ_EVENTS_OVERLAP;
	return now - AZ_FIRST_EVENTS_WINDOW;
}

static cp_err
az_collect_op(void *ctx, const json_t *creds, const char *unit,
    const struct cp_inventory_sink *sink)
{
	struct azure_plugin *p = ctx;
	struct az_session *s = NULL;
	struct az_client c;
	struct az_collect k;
	int mu_ready = 0;
	cp_err r;

	memset(&k, 0, sizeof(k));
	memset(&c, 0, sizeof(c));
	if (sink == NULL || sink->resource == NULL ||
	    sink->collector_error == NULL)
		return CP_E_INVALID;
	if (!sub_id_ok(unit)) {
		az_log(p, CP_LOG_ERROR, "unit '%.64s' is not a subscription "
		    "id", unit != NULL ? unit : "");
		return CP_E_INVALID;
	}
	r = open_tenant(p, creds, unit, &s, &c, NULL, 0);
	if (r != CP_OK)
		goto out;
	if (pthread_mutex_init(&k.mu, NULL) != 0) {
		r = CP_E_NOMEM;
		goto out;
	}
	mu_ready = 1;
	k.p = p;
	k.s = s;
	k.sink = sink;
	k.tenant = s->tenant;
	k.sub = unit;
	k.events_from = events_from(sink, p->host->now(p->self));
	r = check_subscription(&k, &c);
	if (r != CP_OK)
		goto out;
	az_collect_arm(&k, &c);
	if (k.fatal == CP_OK) {
		r = tenant_level(&k, &c);
		if (r != CP_OK && k.fatal == CP_OK)
			k.fatal = r;
	}
	r = k.fatal;
	if (r != CP_OK)
		az_log(p, CP_LOG_ERROR, "tenant %s subscription %s: "
		    "collection stopped: %s", s->tenant, unit,
		    p->host->strerror(r));
out:
	items_free(k.items, k.n_items);
	items_free(k.errors, k.n_errors);
	items_free(k.events, k.n_events);
	if (mu_ready)
		pthread_mutex_destroy(&k.mu);
	close_tenant(s, &c);
	return r;
}

/* ------------------------------------------------------------ other ops */

static cp_err
az_guide_op(void *ctx, const char *variant, const char *lang,
    const struct cp_text_out *out)
{
	return az_setup_guide(ctx, variant, lang, out);
}

static cp_err
az_remediate_op(void *ctx, const json_t *creds, const char *unit,
    const char *action, const char *resource, const json_t *params,
    int dry_run, json_t **result)
{
	return az_remediate(ctx, creds, unit, action, resource, params,
	    dry_run, result);
}

static const struct cp_cloud_ops az_cloud = {
	.struct_size = sizeof(az_cloud),
	.cloud = "azure",
	.unit_kind = "subscription",
	.env_params = az_env_params,
	.setup_guide = az_guide_op,
	.validate = az_validate_op,
	.discover_units = az_discover_op,
	.collect = az_collect_op,
	.remediate = az_remediate_op,
	.flags = CP_CLOUD_F_INSPECT_OPT_IN,
};

static const struct cp_capability az_caps[] = {
	{ CP_CAP_CLOUD, sizeof(az_cloud), &az_cloud },
	{ CP_CAP_END, 0, NULL }
};

static const struct cp_plugin_descriptor az_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(az_desc),
	.name = "azure",
	.version = AZ_PLUGIN_VERSION,
	.description = "collects Azure subscriptions and their Entra tenant",
	.caps = az_caps,
	.config = az_config,
	.init = az_init,
	.fini = az_fini,
};

CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
{
	(void)host_minor;
	return host_major == CP_ABI_MAJOR ? &az_desc : NULL;
}
