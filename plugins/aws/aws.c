/*
 * aws.c - the aws cloud plugin: its descriptor and configuration, and
 * collect(), which runs the collectors of one account.
 *
 * collect() checks who the credentials are (GetCallerIdentity must name
 * the unit's account), asks EC2 for the enabled regions, writes the
 * aws/account resource, then runs every regional collector in each
 * region (region_concurrency regions at once, each thread with its own
 * client) while one more thread runs the global collectors.  A collector
 * that fails records its error and the others go on; only what makes the
 * whole collection meaningless fails it: credentials that do not work,
 * the wrong account, no region list, a cancel or a sink that cannot
 * store.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

#define AWS_PLUGIN_VERSION "1.0.0"
#define AWS_EC2_VERSION "2016-11-15"
#define AWS_REGION_NAME_MAX 32
#define AWS_REGIONS_MAX 64
#define AWS_CONCURRENCY_MAX 32
/* Events are collected this far back the first time. */
#define AWS_FIRST_EVENTS_WINDOW (24 * 60 * 60)
/* Events are looked up again this far before the last collection. */
#define AWS_EVENTS_OVERLAP (20 * 60)

static const struct cp_config_key aws_config[] = {
	{ "endpoint", CP_CFG_URL, 0, NULL, 0, 0,
	    "one URL for every AWS service (a fake AWS, another partition); "
	    "unset: AWS's own endpoints" },
	{ "access_key_id", CP_CFG_STRING, 0, NULL, 0, 0,
	    "access key id of cloudpatrol's own credential, which assumes "
	    "the customers' roles" },
	{ "secret_access_key_file", CP_CFG_PATH, 0, NULL, 0, 0,
	    "file holding the secret access key of that credential "
	    "(readable by cloudpatrol only)" },
	{ "session_token_file", CP_CFG_PATH, 0, NULL, 0, 0,
	    "file holding the session token of that credential, when it is "
	    "temporary" },
	{ "home_region", CP_CFG_STRING, 0, "us-east-1", 0, 0,
	    "where STS and DescribeRegions are called; its partition (aws, "
	    "aws-cn, aws-us-gov) chooses IAM's signing region" },
	{ "regions", CP_CFG_LIST, 0, NULL, 0, 0,
	    "collect only these regions (comma-separated); unset: every "
	    "enabled region" },
	{ "region_concurrency", CP_CFG_INT, 0, "4", 1, AWS_CONCURRENCY_MAX,
	    "regions collected at once" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

static const struct cp_config_key aws_env_params[] = {
	{ "access_key_id", CP_CFG_STRING, 0, NULL, 0, 0,
	    "access key id of the credential to read the account with "
	    "(AKIA.../ASIA...)" },
	{ "secret_access_key", CP_CFG_STRING, CP_CFG_SECRET, NULL, 0, 0,
	    "secret access key of that credential" },
	{ "session_token", CP_CFG_STRING, CP_CFG_SECRET, NULL, 0, 0,
	    "session token, when that credential is temporary" },
	{ "role_arn", CP_CFG_STRING, 0, NULL, 0, 0,
	    "role to assume in the account (arn:aws:iam::ACCOUNT:role/NAME), "
	    "instead of an access key" },
	{ "external_id", CP_CFG_STRING, 0, NULL, 0, 0,
	    "external id the role's trust policy requires" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

/* ------------------------------------------------------------ config */

static int
region_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > AWS_REGION_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

/* "a, b,c" into p->regions. */
static cp_err
parse_regions(struct aws_plugin *p, const char *list)
{
	const char *s = list;
	size_t n;
	char **v;

	while (*s != '\0') {
		s += strspn(s, " \t,");
		n = strcspn(s, " \t,");
		if (n == 0)
			break;
		if (!region_name_ok(s, n)) {
			aws_log(p, CP_LOG_ERROR, "regions: '%.*s' is not a "
			    "region name", (int)(n > 64 ? 64 : n), s);
			return CP_E_CONFIG;
		}
		if (p->n_regions >= AWS_REGIONS_MAX) {
			aws_log(p, CP_LOG_ERROR, "regions: more than %d",
			    AWS_REGIONS_MAX);
			return CP_E_CONFIG;
		}
		v = realloc(p->regions, (p->n_regions + 1) * sizeof(*v));
		if (v == NULL)
			return CP_E_NOMEM;
		p->regions = v;
		v[p->n_regions] = strndup(s, n);
		if (v[p->n_regions] == NULL)
			return CP_E_NOMEM;
		p->n_regions++;
		s += n;
	}
	return CP_OK;
}

static void
aws_fini(void *ctx)
{
	struct aws_plugin *p = ctx;

	if (p == NULL)
		return;
	free(p->endpoint);
	free(p->home_region);
	free_strv(p->regions, p->n_regions);
	free(p->access_key_id);
	p->host->secret_free(p->secret_access_key);
	p->host->secret_free(p->session_token);
	free(p);
}

static cp_err
aws_init(const struct cp_host *host, cp_plugin *self, void **ctx)
{
	struct aws_plugin *p;
	const char *v, *secret_file, *token_file;
	cp_err r = CP_E_NOMEM;
	long long conc;

	*ctx = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return CP_E_NOMEM;
	p->host = host;
	p->self = self;
	v = host->config_get(self, "endpoint");
	if (v != NULL && *v != '\0' && (p->endpoint = strdup(v)) == NULL)
		goto fail;
	v = host->config_get(self, "home_region");
	if (v == NULL || *v == '\0')
		v = "us-east-1";
	if (!region_name_ok(v, strlen(v))) {
		aws_log(p, CP_LOG_ERROR, "home_region: '%.64s' is not a "
		    "region name", v);
		r = CP_E_CONFIG;
		goto fail;
	}
	if ((p->home_region = strdup(v)) == NULL)
		goto fail;
	v = host->config_get(self, "regions");
	if (v != NULL && (r = parse_regions(p, v)) != CP_OK)
		goto fail;
	conc = host->config_get_int(self, "region_concurrency");
	p->region_concurrency = conc >= 1 && conc <= AWS_CONCURRENCY_MAX ?
	    (unsigned)conc : 4;

	v = host->config_get(self, "access_key_id");
	secret_file = host->config_get(self, "secret_access_key_file");
	token_file = host->config_get(self, "session_token_file");
	if (v != NULL && *v == '\0')
		v = NULL;
	if ((v == NULL) != (secret_file == NULL) ||
	    (token_file != NULL && v == NULL)) {
		aws_log(p, CP_LOG_ERROR, "access_key_id and "
		    "secret_access_key_file go together (and "
		    "session_token_file needs them)");
		r = CP_E_CONFIG;
		goto fail;
	}
	if (v != NULL) {
		if ((p->access_key_id = strdup(v)) == NULL) {
			r = CP_E_NOMEM;
			goto fail;
		}
		r = host->secret_read_file(self, secret_file,
		    &p->secret_access_key);
		if (r == CP_OK && token_file != NULL)
			r = host->secret_read_file(self, token_file,
			    &p->session_token);
		if (r != CP_OK) {
			aws_log(p, CP_LOG_ERROR, "cannot read the plugin's "
			    "own credential: %s", host->strerror(r));
			r = CP_E_CONFIG;
			goto fail;
		}
	}
	*ctx = p;
	return CP_OK;
fail:
	aws_fini(p);
	return r;
}

/* ------------------------------------------------------------ collect */

/* Logs a failure of the whole collection (or discovery) of an account. */
static void
log_call_failed(struct aws_plugin *p, const char *account,
    const char *region, const char *api, cp_err r, const struct aws_error *e)
{
	aws_log(p, CP_LOG_ERROR, "account %s%s%s %s failed: %s%s%s",
	    account, region != NULL ? " region " : "",
	    region != NULL ? region : "", api, e->code,
	    e->code[0] != '\0' ? ": " : "",
	    e->message[0] != '\0' ? e->message : p->host->strerror(r));
}

/* Opens a session and a client, and checks who the credentials are. */
static cp_err
open_account(struct aws_plugin *p, const json_t *creds, const char *unit,
    struct aws_session **s, struct aws_client *c)
{
	struct aws_error err;
	char why[512];
	cp_err r;

	memset(c, 0, sizeof(*c));
	memset(&err, 0, sizeof(err));
	r = aws_session_open(p, creds, s, why, sizeof(why));
	if (r != CP_OK) {
		aws_log(p, CP_LOG_ERROR, "account %s: %s", unit, why);
		return r;
	}
	r = aws_client_init(c, *s);
	if (r != CP_OK)
		return r;
	r = aws_session_identity(c, &err);
	if (r != CP_OK) {
		log_call_failed(p, unit, NULL, (*s)->role_arn != NULL &&
		    (*s)->cur.access_key == NULL ? "AssumeRole" :
		    "GetCallerIdentity", r, &err);
		return r;
	}
	return CP_OK;
}

static void
close_account(struct aws_session *s, struct aws_client *c)
{
	if (c->s != NULL)
		aws_client_fini(c);
	aws_session_close(s);
}

static int
in_strv(char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* EC2 DescribeRegions in the home region: the enabled regions (within
 * p->regions when configured); err says why there are none. */
static cp_err
enabled_regions(struct aws_plugin *p, struct aws_client *c,
    const char *account, char ***out, size_t *n_out, struct aws_error *errp)
{
	static const char *const lists[] = { "regionInfo", NULL };
	struct aws_error err;
	struct aws_call rq;
	const json_t *info, *it;
	const char *name, *opt;
	json_t *res = NULL;
	char **v = NULL, **nv;
	size_t n = 0, i;
	cp_err r;

	*out = NULL;
	*n_out = 0;
	memset(&rq, 0, sizeof(rq));
	rq.service = "ec2";
	rq.protocol = AWS_P_EC2;
	rq.action = "DescribeRegions";
	rq.version = AWS_EC2_VERSION;
	rq.lists = lists;
	memset(errp, 0, sizeof(*errp));
	r = aws_call(c, &rq, &res, &err);
	if (r != CP_OK) {
		*errp = err;
		return r;
	}
	info = json_object_get(res, "RegionInfo");
	json_array_foreach(info, i, it) {
		name = json_string_value(json_object_get(it, "RegionName"));
		opt = json_string_value(json_object_get(it, "OptInStatus"));
		if (name == NULL || !region_name_ok(name, strlen(name)) ||
		    (opt != NULL && strcmp(opt, "not-opted-in") == 0))
			continue;
		if (p->regions != NULL &&
		    !in_strv(p->regions, p->n_regions, name))
			continue;
		if (n >= AWS_REGIONS_MAX || in_strv(v, n, name))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (nv == NULL)
			goto nomem;
		v = nv;
		if ((v[n] = strdup(name)) == NULL)
			goto nomem;
		n++;
	}
	for (i = 0; i < p->n_regions; i++)
		if (!in_strv(v, n, p->regions[i]))
			aws_log(p, CP_LOG_WARNING, "account %s: region %s "
			    "(in regions) is not enabled: not collected",
			    account, p->regions[i]);
	json_decref(res);
	if (n == 0) {
		snprintf(errp->message, sizeof(errp->message), "no enabled "
		    "region to collect");
		free(v);
		return CP_E_FAILED;
	}
	*out = v;
	*n_out = n;
	return CP_OK;
nomem:
	json_decref(res);
	free_strv(v, n);
	return CP_E_NOMEM;
}

/* The regional collectors and the names they record failures under. */
static const aws_region_fn region_fns[] = {
	aws_collect_ec2, aws_collect_ec2_images, aws_collect_elbv2,
	aws_collect_rds, aws_collect_cloudtrail, aws_collect_events,
	aws_collect_guardduty
};
static const char *const region_collectors[] = {
	"ec2", "ec2-images", "elbv2", "rds", "cloudtrail", "cloudtrail-events",
	"guardduty"
};

/*
 * Without the region list no regional collector can run: each records
 * the reason, so the policies that need them decide nothing (instead of
 * passing on missing data), and the global collectors still run.
 */
static void
regions_unknown(struct aws_collect *k, cp_err r, const struct aws_error *e)
{
	size_t i;

	for (i = 0; i < sizeof(region_collectors) /
	    sizeof(region_collectors[0]); i++)
		aws_collector_failed(k, region_collectors[i],
		    k->p->home_region, "DescribeRegions", r, e);
}

static void
collect_region(struct aws_collect *k, struct aws_client *c,
    const char *region)
{
	const aws_region_fn *fns = region_fns;
	size_t i;

	for (i = 0; i < sizeof(region_fns) / sizeof(region_fns[0]); i++) {
		if (aws_stopping(k))
			return;
		fns[i](k, c, region);
	}
}

/* The global collectors, in a thread of their own. */
static void *
collect_global(void *arg)
{
	static void (*const fns[])(struct aws_collect *,
	    struct aws_client *) = {
		aws_collect_s3, aws_collect_iam, aws_collect_cost,
		aws_collect_resource_explorer
	};
	struct aws_collect *k = arg;
	struct aws_client c;
	size_t i;

	if (aws_client_init(&c, k->s) != CP_OK) {
		pthread_mutex_lock(&k->mu);
		if (k->fatal == CP_OK)
			k->fatal = CP_E_NOMEM;
		pthread_mutex_unlock(&k->mu);
		return NULL;
	}
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		if (aws_stopping(k))
			break;
		fns[i](k, &c);
	}
	aws_client_fini(&c);
	return NULL;
}

/*
 * Where events start: the previous successful collection (ABI 1.1) less
 * AWS_EVENTS_OVERLAP, or a day ago.  CloudTrail delivers events to
 * LookupEvents minutes late, so the windows overlap: an event seen twice
 * keeps its finding open (the key is its EventId) and is notified once.
 */
static time_t
events_since(const struct cp_inventory_sink *sink, time_t now)
{
	time_t t;

	if (sink->struct_size >= offsetof(struct cp_inventory_sink, since) +
	    sizeof(sink->since) && sink->since != NULL &&
	    (t = aws_parse_time(sink->since)) > 0 && t <= now)
		return t > AWS_EVENTS_OVERLAP ? t - AWS_EVENTS_OVERLAP : t;
	return now - AWS_FIRST_EVENTS_WINDOW;
}

static cp_err
emit_account(struct aws_collect *k, const char *alias)
{
	json_t *obj, *regions;
	size_t i;
	cp_err r;

	regions = json_array();
	obj = json_object();
	if (regions == NULL || obj == NULL)
		goto nomem;
	for (i = 0; i < k->n_regions; i++)
		if (json_array_append_new(regions,
		    json_string(k->regions[i])) != 0)
			goto nomem;
	if (json_object_set_new(obj, "AccountId",
	    json_string(k->account)) != 0 ||
	    json_object_set(obj, "Regions", regions) != 0)
		goto nomem;
	r = aws_emit(k, "aws/account", k->account, alias[0] != '\0' ? alias :
	    k->account, "global", obj);
	json_decref(regions);
	json_decref(obj);
	return r;
nomem:
	json_decref(regions);
	json_decref(obj);
	return CP_E_NOMEM;
}

static cp_err
aws_collect_op(void *ctx, const json_t *creds, const char *unit,
    const struct cp_inventory_sink *sink)
{
	struct aws_plugin *p = ctx;
	struct aws_session *s = NULL;
	struct aws_client c;
	struct aws_collect k;
	struct aws_error err, rerr;
	cp_err regions_r;
	char alias[128];
	pthread_t global;
	int global_started = 0, mu_ready = 0;
	char **regions = NULL;
	size_t n_regions = 0;
	cp_err r;

	memset(&k, 0, sizeof(k));
	if (unit == NULL || sink == NULL || sink->resource == NULL ||
	    sink->event == NULL || sink->cost == NULL ||
	    sink->collector_error == NULL)
		return CP_E_INVALID;
	r = open_account(p, creds, unit, &s, &c);
	if (r != CP_OK)
		goto out;
	if (strcmp(s->account, unit) != 0) {
		aws_log(p, CP_LOG_ERROR, "account %s: the environment's "
		    "credentials are for account %s (%s), not this one",
		    unit, s->account, s->arn);
		r = CP_E_CONFIG;
		goto out;
	}
	regions_r = enabled_regions(p, &c, s->account, &regions, &n_regions,
	    &rerr);
	if (regions_r == CP_E_NOMEM || regions_r == CP_E_CANCELLED) {
		r = regions_r;
		goto out;
	}
	if (aws_account_alias(&c, alias, sizeof(alias), &err) != CP_OK)
		aws_log(p, CP_LOG_DEBUG, "account %s: no alias (%s)",
		    s->account, err.code[0] != '\0' ? err.code :
		    err.message);

	if (pthread_mutex_init(&k.mu, NULL) != 0) {
		r = CP_E_NOMEM;
		goto out;
	}
	mu_ready = 1;
	k.p = p;
	k.s = s;
	k.sink = sink;
	k.account = s->account;
	k.regions = regions;
	k.n_regions = n_regions;
	k.now = p->host->now(p->self);
	k.since = events_since(sink, k.now);
	r = emit_account(&k, alias);
	if (r != CP_OK)
		goto out;
	if (regions_r != CP_OK)
		regions_unknown(&k, regions_r, &rerr);

	if (pthread_create(&global, NULL, collect_global, &k) == 0)
		global_started = 1;
	r = aws_for_regions(&k, collect_region);
	if (global_started)
		pthread_join(global, NULL);
	else if (r == CP_OK)
		collect_global(&k);
	pthread_mutex_lock(&k.mu);
	r = k.fatal;
	pthread_mutex_unlock(&k.mu);
	if (r != CP_OK)
		aws_log(p, CP_LOG_ERROR, "account %s: collection stopped: %s",
		    s->account, p->host->strerror(r));
out:
	if (mu_ready)
		pthread_mutex_destroy(&k.mu);
	free_strv(regions, n_regions);
	close_account(s, &c);
	return r;
}

/* ------------------------------------------------------------ other ops */

static cp_err
aws_discover_op(void *ctx, const json_t *creds,
    const struct cp_unit_sink *sink)
{
	struct aws_plugin *p = ctx;
	struct cp_validate_result res;
	struct aws_session *s = NULL;
	struct aws_client c;
	struct aws_error err;
	char alias[128];
	cp_err r;

	r = open_account(p, creds, "(new)", &s, &c);
	if (r != CP_OK)
		goto out;
	if (aws_account_alias(&c, alias, sizeof(alias), &err) != CP_OK)
		alias[0] = '\0';
	memset(&res, 0, sizeof(res));
	res.struct_size = sizeof(res);
	if (aws_validate(p, creds, &res) != CP_OK)
		res.remediation_capable = 0;
	r = sink->unit(sink, s->account, alias[0] != '\0' ? alias :
	    s->account, res.remediation_capable != 0);
out:
	close_account(s, &c);
	return r;
}

static cp_err
aws_validate_op(void *ctx, const json_t *creds,
    struct cp_validate_result *res)
{
	return aws_validate(ctx, creds, res);
}

static cp_err
aws_remediate_op(void *ctx, const json_t *creds, const char *unit,
    const char *action, const char *resource, const json_t *params,
    int dry_run, json_t **result)
{
	return aws_remediate(ctx, creds, unit, action, resource, params,
	    dry_run, result);
}

static cp_err
aws_guide_op(void *ctx, const char *variant, const char *lang,
    const struct cp_text_out *out)
{
	return aws_setup_guide(ctx, variant, lang, out);
}

static const struct cp_cloud_ops aws_cloud = {
	.struct_size = sizeof(aws_cloud),
	.cloud = "aws",
	.unit_kind = "account",
	.env_params = aws_env_params,
	.setup_guide = aws_guide_op,
	.validate = aws_validate_op,
	.discover_units = aws_discover_op,
	.collect = aws_collect_op,
	.remediate = aws_remediate_op,
	.flags = 0,
};

static const struct cp_capability aws_caps[] = {
	{ CP_CAP_CLOUD, sizeof(aws_cloud), &aws_cloud },
	{ CP_CAP_END, 0, NULL }
};

static const struct cp_plugin_descriptor aws_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(aws_desc),
	.name = "aws",
	.version = AWS_PLUGIN_VERSION,
	.description = "collects AWS accounts and remediates their "
	    "security groups",
	.caps = aws_caps,
	.config = aws_config,
	.init = aws_init,
	.fini = aws_fini,
};

CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
{
	(void)host_minor;
	return host_major == CP_ABI_MAJOR ? &aws_desc : NULL;
}
