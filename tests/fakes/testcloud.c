/*
 * testcloud.c - a cloud plugin for tests and the demo that reads its
 * "cloud" from JSON files instead of an API, so that registration,
 * collection, policies, the lifecycle and remediation are tested without
 * any cloud.
 *
 * An environment is a folder (env parameter "fixtures"):
 *   token                          the secret the environment must be given
 *   account                        the account id validate() reports
 *   remediation                    present: the credential may remediate
 *   units/UNIT/unit.json           {"name": "..."}
 *   units/UNIT/resources.json      [{"type","id","name","region","raw"}]
 *   units/UNIT/events.json         [{"type","time","id","raw"}]
 *   units/UNIT/costs.json          [{"period","amount","currency"}]
 *   units/UNIT/collector-errors.json [{"collector","error","message"}]
 *   units/UNIT/fail                present: collect() fails (its text says
 *                                  why), as an unreachable cloud would
 * collect() writes the sink's "since" (ABI 1.1) to units/UNIT/since, or
 * "none" when the unit was never collected.
 * remediate() appends what it was asked to units/UNIT/remediations.jsonl
 * and answers {"action", "resource", "before", "after"}.
 */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cloudpatrol/plugin.h>

#define TC_FILE_MAX (64L * 1024 * 1024)

struct tc_ctx {
	const struct cp_host *host;
	cp_plugin *self;
};

static cp_err
tc_init(const struct cp_host *host, cp_plugin *self, void **ctx)
{
	struct tc_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return CP_E_NOMEM;
	c->host = host;
	c->self = self;
	*ctx = c;
	return CP_OK;
}

static void
tc_fini(void *ctx)
{
	free(ctx);
}

/* Reads a whole file of at most TC_FILE_MAX bytes; NULL when missing. */
static char *
tc_read(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    n > TC_FILE_MAX || fseek(fp, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc((size_t)n + 1);
	if (buf == NULL)
		goto out;
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
out:
	fclose(fp);
	return buf;
}

/* The first line of a small text file, or NULL. */
static char *
tc_read_line(const char *path)
{
	char *s = tc_read(path, NULL);

	if (s != NULL)
		s[strcspn(s, "\r\n")] = '\0';
	return s;
}

static const char *
tc_fixtures(const json_t *creds)
{
	return json_string_value(json_object_get(creds, "fixtures"));
}

/* Parses dir/name as JSON through the host; NULL when the file is absent. */
static json_t *
tc_load(struct tc_ctx *c, const char *dir, const char *name, cp_err *err)
{
	char path[4096], why[256];
	size_t len;
	char *text;
	json_t *v;

	*err = CP_OK;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = tc_read(path, &len);
	if (text == NULL)
		return NULL;
	v = c->host->json_parse(text, len, why, sizeof(why));
	free(text);
	if (v == NULL) {
		c->host->log(c->self, CP_LOG_ERROR, "%s: %s", path, why);
		*err = CP_E_PARSE;
	}
	return v;
}

static cp_err
tc_validate(void *ctx, const json_t *creds, struct cp_validate_result *res)
{
	const char *dir = tc_fixtures(creds);
	const char *token = json_string_value(json_object_get(creds, "token"));
	char path[4096], *want, *account;
	struct stat st;
	cp_err r = CP_OK;

	(void)ctx;
	if (dir == NULL || token == NULL)
		return CP_E_INVALID;
	snprintf(path, sizeof(path), "%s/token", dir);
	want = tc_read_line(path);
	if (want == NULL) {
		snprintf(res->detail, sizeof(res->detail),
		    "no cloud at %s", dir);
		return CP_E_NOTFOUND;
	}
	if (strcmp(want, token) != 0) {
		snprintf(res->detail, sizeof(res->detail),
		    "the token was refused");
		r = CP_E_AUTH;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/account", dir);
	account = tc_read_line(path);
	snprintf(res->account, sizeof(res->account), "%s",
	    account != NULL ? account : "test-account");
	free(account);
	snprintf(path, sizeof(path), "%s/remediation", dir);
	res->remediation_capable = stat(path, &st) == 0;
	snprintf(res->detail, sizeof(res->detail), "%s",
	    res->remediation_capable ? "may change security rules" :
	    "read-only access");
out:
	free(want);
	return r;
}

static int
tc_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static cp_err
tc_discover_units(void *ctx, const json_t *creds,
    const struct cp_unit_sink *sink)
{
	struct tc_ctx *c = ctx;
	char path[4096], *names[256];
	const char *dir = tc_fixtures(creds);
	struct dirent *de;
	size_t n = 0, i;
	cp_err r = CP_OK;
	DIR *d;

	snprintf(path, sizeof(path), "%s/units", dir != NULL ? dir : "");
	d = opendir(path);
	if (d == NULL)
		return CP_E_NOTFOUND;
	while ((de = readdir(d)) != NULL && n < 256) {
		if (de->d_name[0] == '.')
			continue;
		names[n] = strdup(de->d_name);
		if (names[n] == NULL) {
			r = CP_E_NOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), tc_name_cmp);
	for (i = 0; i < n; i++) {
		char udir[4200];
		json_t *u;
		cp_err lr;

		if (r == CP_OK) {
			snprintf(udir, sizeof(udir), "%s/%s", path, names[i]);
			u = tc_load(c, udir, "unit.json", &lr);
			r = lr != CP_OK ? lr : sink->unit(sink, names[i],
			    json_string_value(json_object_get(u, "name")), 1);
			json_decref(u);
		}
		free(names[i]);
	}
	return r;
}

/* Hands every element of a JSON array file to one of the sink's calls. */
static cp_err
tc_collect_file(struct tc_ctx *c, const char *udir, const char *name,
    const struct cp_inventory_sink *sink)
{
	json_t *arr, *o;
	size_t i;
	cp_err r;

	arr = tc_load(c, udir, name, &r);
	if (arr == NULL)
		return r;
	if (!json_is_array(arr)) {
		json_decref(arr);
		return CP_E_PARSE;
	}
	json_array_foreach(arr, i, o) {
		json_t *rv = json_object_get(o, "raw");
		char *raw = rv != NULL ? json_dumps(rv, JSON_COMPACT |
		    JSON_ENCODE_ANY) : strdup("{}");

		if (raw == NULL) {
			r = CP_E_NOMEM;
			break;
		}
#define S(k) json_string_value(json_object_get(o, k))
		if (strcmp(name, "resources.json") == 0)
			r = sink->resource(sink, S("type"), S("id"), S("name"),
			    S("region"), raw);
		else if (strcmp(name, "events.json") == 0)
			r = sink->event(sink, S("type"), S("time"), S("id"),
			    raw);
		else if (strcmp(name, "costs.json") == 0)
			r = sink->cost(sink, S("period"),
			    json_number_value(json_object_get(o, "amount")),
			    S("currency"));
		else
			r = sink->collector_error(sink, S("collector"),
			    (cp_err)json_integer_value(json_object_get(o,
				"error")), S("message"));
#undef S
		free(raw);
		if (r != CP_OK)
			break;
	}
	json_decref(arr);
	return r;
}

/* Records what the host said about the last collection. */
static cp_err
tc_note_since(const char *udir, const struct cp_inventory_sink *sink)
{
	const char *since = NULL;
	char path[4200];
	FILE *fp;

	if (sink->struct_size >= offsetof(struct cp_inventory_sink, since) +
	    sizeof(sink->since))
		since = sink->since;
	snprintf(path, sizeof(path), "%s/since", udir);
	fp = fopen(path, "w");
	if (fp == NULL)
		return CP_E_IO;
	fprintf(fp, "%s\n", since != NULL ? since : "none");
	return fclose(fp) == 0 ? CP_OK : CP_E_IO;
}

static cp_err
tc_collect(void *ctx, const json_t *creds, const char *unit,
    const struct cp_inventory_sink *sink)
{
	static const char *const files[] = { "resources.json",
	    "events.json", "costs.json", "collector-errors.json" };
	struct tc_ctx *c = ctx;
	const char *dir = tc_fixtures(creds);
	char udir[4096], path[4200], *why;
	struct stat st;
	size_t i;
	cp_err r;

	if (dir == NULL || strchr(unit, '/') != NULL || unit[0] == '.')
		return CP_E_INVALID;
	snprintf(udir, sizeof(udir), "%s/units/%s", dir, unit);
	if (stat(udir, &st) != 0)
		return CP_E_NOTFOUND;
	snprintf(path, sizeof(path), "%s/fail", udir);
	why = tc_read_line(path);
	if (why != NULL) {
		c->host->log(c->self, CP_LOG_WARNING, "unit %s: %s", unit,
		    why);
		free(why);
		return CP_E_RETRY_LATER;
	}
	r = tc_note_since(udir, sink);
	if (r != CP_OK)
		return r;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (c->host->cancelled(c->self))
			return CP_E_CANCELLED;
		r = tc_collect_file(c, udir, files[i], sink);
		if (r != CP_OK)
			return r;
	}
	return CP_OK;
}

static cp_err
tc_remediate(void *ctx, const json_t *creds, const char *unit,
    const char *action, const char *resource, const json_t *params,
    int dry_run, json_t **result)
{
	const char *dir = tc_fixtures(creds);
	char path[4200], *line;
	json_t *rec;
	FILE *fp;

	(void)ctx;
	if (dir == NULL || strchr(unit, '/') != NULL || unit[0] == '.')
		return CP_E_INVALID;
	rec = json_pack("{s:s, s:s, s:O?, s:O?, s:b}", "action", action,
	    "resource", resource,
	    "before", json_object_get(params, "before"),
	    "after", json_object_get(params, "after"), "dry_run", dry_run);
	if (rec == NULL)
		return CP_E_NOMEM;
	if (!dry_run) {
		snprintf(path, sizeof(path), "%s/units/%s/remediations.jsonl",
		    dir, unit);
		line = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
		fp = fopen(path, "a");
		if (line == NULL || fp == NULL ||
		    fprintf(fp, "%s\n", line) < 0) {
			free(line);
			if (fp != NULL)
				fclose(fp);
			json_decref(rec);
			return CP_E_IO;
		}
		free(line);
		if (fclose(fp) != 0) {
			json_decref(rec);
			return CP_E_IO;
		}
	}
	*result = rec;
	return CP_OK;
}

static cp_err
tc_setup_guide(void *ctx, const char *variant, const char *lang,
    const struct cp_text_out *out)
{
	const char *text;

	(void)ctx;
	if (strcmp(lang, "ja") == 0)
		text = strcmp(variant, "remediation") == 0 ?
		    "フィクスチャのフォルダに token と remediation を置きます。\n" :
		    "フィクスチャのフォルダに token を置きます。\n";
	else
		text = strcmp(variant, "remediation") == 0 ?
		    "Put a token file and a remediation file in the fixture "
		    "folder.\n" :
		    "Put a token file in the fixture folder.\n";
	return out->write(out, text, strlen(text));
}

static const struct cp_config_key tc_env_params[] = {
	{ "fixtures", CP_CFG_PATH, CP_CFG_REQUIRED, NULL, 0, 0,
	    "the folder that holds the test cloud" },
	{ "token", CP_CFG_STRING, CP_CFG_REQUIRED | CP_CFG_SECRET, NULL, 0, 0,
	    "the secret the folder's token file holds" },
	{ "label", CP_CFG_STRING, 0, "test", 0, 0, "a free label" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

static const struct cp_cloud_ops tc_cloud = {
	.struct_size = sizeof(tc_cloud),
	.cloud = "testcloud",
	.unit_kind = "unit",
	.env_params = tc_env_params,
	.setup_guide = tc_setup_guide,
	.validate = tc_validate,
	.discover_units = tc_discover_units,
	.collect = tc_collect,
	.remediate = tc_remediate,
};

static const struct cp_capability tc_caps[] = {
	{ CP_CAP_CLOUD, sizeof(tc_cloud), &tc_cloud },
	{ CP_CAP_END, 0, NULL }
};

static const struct cp_plugin_descriptor tc_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(tc_desc),
	.name = "testcloud",
	.version = "1.0.0",
	.description = "a cloud read from JSON fixture files (tests, demo)",
	.caps = tc_caps,
	.init = tc_init,
	.fini = tc_fini,
};

CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
{
	(void)host_minor;
	return host_major == CP_ABI_MAJOR ? &tc_desc : NULL;
}
