/*
 * good.c - a test plugin the host must accept: all five capability kinds,
 * a config schema with every kind of key, a cloud with env_params and
 * the one cloud flag, and per-instance state in the
 * context init() returns (never in globals), so that two instances of it
 * coexist.  Every callback counts its calls in the context.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudpatrol/plugin.h>

struct good_ctx {
	const struct cp_host *host;
	cp_plugin *self;
	char greeting[128];
	long long count;
	int loud;
	unsigned calls;
};

struct good_doc {
	unsigned tables, rows;
};

static cp_err
good_init(const struct cp_host *host, cp_plugin *self, void **ctx)
{
	struct good_ctx *c;
	const char *greeting = host->config_get(self, "greeting");

	if (greeting == NULL)
		return CP_E_CONFIG;
	if (strcmp(greeting, "fail-init") == 0) {
		host->log(self, CP_LOG_ERROR, "refusing to start");
		return CP_E_PLUGIN;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return CP_E_NOMEM;
	c->host = host;
	c->self = self;
	snprintf(c->greeting, sizeof(c->greeting), "%s", greeting);
	c->count = host->config_get_int(self, "count");
	c->loud = host->config_get_bool(self, "loud");
	host->log(self, CP_LOG_INFO, "started: greeting %s count %lld",
	    c->greeting, c->count);
	*ctx = c;
	return CP_OK;
}

static void
good_fini(void *ctx)
{
	free(ctx);
}

static cp_err
good_setup_guide(void *ctx, const char *variant, const char *lang,
    const struct cp_text_out *out)
{
	struct good_ctx *c = ctx;

	c->calls++;
	return out->write(out, c->greeting, strlen(c->greeting));
}

static cp_err
good_validate(void *ctx, const json_t *creds, struct cp_validate_result *res)
{
	struct good_ctx *c = ctx;

	c->calls++;
	res->remediation_capable = c->loud;
	snprintf(res->account, sizeof(res->account), "%s", c->greeting);
	snprintf(res->detail, sizeof(res->detail),
	    "calls=%u count=%lld now=%lld cancelled=%d", c->calls, c->count,
	    (long long)c->host->now(c->self), c->host->cancelled(c->self));
	return CP_OK;
}

static cp_err
good_discover_units(void *ctx, const json_t *creds,
    const struct cp_unit_sink *sink)
{
	struct good_ctx *c = ctx;

	c->calls++;
	return sink->unit(sink, "unit-1", c->greeting, c->loud);
}

static cp_err
good_collect(void *ctx, const json_t *creds, const char *unit,
    const struct cp_inventory_sink *sink)
{
	struct good_ctx *c = ctx;

	c->calls++;
	return sink->resource(sink, "good/thing", "thing-1", c->greeting,
	    "local", "{}");
}

static cp_err
good_scan(void *ctx, const char *const *targets, size_t n,
    const json_t *options, const struct cp_observation_sink *sink)
{
	struct good_ctx *c = ctx;
	size_t i;
	cp_err r;

	c->calls++;
	for (i = 0; i < n; i++) {
		r = sink->observe(sink, targets[i], "greeting", NULL);
		if (r != CP_OK)
			return r;
	}
	return CP_OK;
}

static int
good_send(void *ctx, const json_t *dest, const json_t *message, char *why,
    size_t why_size)
{
	struct good_ctx *c = ctx;
	const char *text = json_string_value(json_object_get(message, "text"));

	c->calls++;
	snprintf(why, why_size, "%s: %s", c->greeting,
	    text != NULL ? text : "");
	return CP_SEND_OK;
}

static cp_err
good_open(void *ctx, const char *path, const json_t *options, void **doc)
{
	struct good_ctx *c = ctx;

	c->calls++;
	*doc = calloc(1, sizeof(struct good_doc));
	return *doc != NULL ? CP_OK : CP_E_NOMEM;
}

static cp_err
good_add_table(void *doc, const json_t *table)
{
	((struct good_doc *)doc)->tables++;
	return CP_OK;
}

static cp_err
good_add_row(void *doc, const json_t *row)
{
	((struct good_doc *)doc)->rows++;
	return CP_OK;
}

static cp_err
good_close(void *doc, int commit)
{
	free(doc);
	return CP_OK;
}

static cp_err
good_run(void *ctx, const char *policy_id, const json_t *rows,
    json_t **results)
{
	struct good_ctx *c = ctx;

	c->calls++;
	*results = json_array();
	return *results != NULL ? CP_OK : CP_E_NOMEM;
}

/* What an environment of goodcloud takes ("env add"). */
static const struct cp_config_key good_env_params[] = {
	{ "region", CP_CFG_STRING, CP_CFG_REQUIRED, NULL, 0, 0,
	    "where the things are" },
	{ "api_key", CP_CFG_STRING, CP_CFG_REQUIRED | CP_CFG_SECRET, NULL, 0,
	    0, "the key of the thing API" },
	{ "port", CP_CFG_INT, 0, "443", 1, 65535, "the API's port" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

static const struct cp_cloud_ops good_cloud = {
	.struct_size = sizeof(good_cloud),
	.cloud = "goodcloud",
	.unit_kind = "thing",
	.env_params = good_env_params,
	.flags = CP_CLOUD_F_INSPECT_OPT_IN,
	.setup_guide = good_setup_guide,
	.validate = good_validate,
	.discover_units = good_discover_units,
	.collect = good_collect,
};

static const struct cp_scanner_ops good_scanner = {
	.struct_size = sizeof(good_scanner),
	.scanner = "good-scan",
	.scan = good_scan,
};

static const struct cp_notifier_ops good_notifier = {
	.struct_size = sizeof(good_notifier),
	.dest_type = "good-dest",
	.send = good_send,
};

static const struct cp_report_ops good_report = {
	.struct_size = sizeof(good_report),
	.format = "good-fmt",
	.open = good_open,
	.add_table = good_add_table,
	.add_row = good_add_row,
	.close = good_close,
};

static const char *const good_policy_ids[] = { "GOOD-1", "GOOD-2", NULL };

static const struct cp_policy_ops good_policy = {
	.struct_size = sizeof(good_policy),
	.policy_ids = good_policy_ids,
	.run = good_run,
};

static const struct cp_capability good_caps[] = {
	{ CP_CAP_CLOUD, sizeof(good_cloud), &good_cloud },
	{ CP_CAP_SCANNER, sizeof(good_scanner), &good_scanner },
	{ CP_CAP_NOTIFIER, sizeof(good_notifier), &good_notifier },
	{ CP_CAP_REPORT, sizeof(good_report), &good_report },
	{ CP_CAP_POLICY, sizeof(good_policy), &good_policy },
	{ CP_CAP_END, 0, NULL }
};

static const struct cp_config_key good_keys[] = {
	{ "greeting", CP_CFG_STRING, CP_CFG_REQUIRED, NULL, 0, 0,
	    "what validate() reports as the account" },
	{ "count", CP_CFG_INT, 0, "3", 0, 100, "a number" },
	{ "loud", CP_CFG_BOOL, 0, "no", 0, 0, "remediation capable" },
	{ "endpoint", CP_CFG_URL, 0, NULL, 0, 0, "an endpoint" },
	{ "key_file", CP_CFG_PATH, 0, NULL, 0, 0, "a file" },
	{ "tags", CP_CFG_LIST, 0, "a, b", 0, 0, "some words" },
	{ "token", CP_CFG_STRING, CP_CFG_SECRET, NULL, 0, 0, "a secret" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

static const struct cp_plugin_descriptor good_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(good_desc),
	.name = "good",
	.version = "1.2.3",
	.description = "a test plugin with every capability",
	.caps = good_caps,
	.config = good_keys,
	.init = good_init,
	.fini = good_fini,
};

CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
{
	return host_major == CP_ABI_MAJOR ? &good_desc : NULL;
}
