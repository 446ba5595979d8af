/*
 * validate.c - acceptance of a plugin's descriptor.
 *
 * The order of the checks matters: the version fields come first because
 * they say how the rest may be read.  Only after magic, major, minor and
 * struct_size passed is the descriptor copied (min(struct_size, sizeof
 * local) bytes into a zeroed local), and every later check reads the copy.
 * Ops tables are handled the same way, each with its own size.  Flag
 * words may carry known bits only, so that a bit a later ABI defines is
 * never silently ignored.  A cloud's env_params get the checks of the
 * config schema and are deep-copied: the host never lends plugin memory
 * it has not checked.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/pconfig.h"
#include "plugin/registry.h"
#include "plugin/validate.h"
#include "util/util.h"

struct vctx {
	uint32_t major, minor;		/* the plugin's */
	uint32_t host_major, host_minor;
	int versions_known;
	char *why;
	size_t why_size;
};

static cp_err
refuse(struct vctx *v, cp_err r, const char *fmt, ...) CP_FMT(3, 4);

/* Writes "ABI x.y (host a.b): phrase" and returns r. */
static cp_err
refuse(struct vctx *v, cp_err r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (v->why == NULL || v->why_size == 0)
		return r;
	if (v->versions_known)
		n = snprintf(v->why, v->why_size, "ABI %u.%u (host %u.%u): ",
		    v->major, v->minor, v->host_major, v->host_minor);
	else
		n = snprintf(v->why, v->why_size, "ABI unknown (host %u.%u): ",
		    v->host_major, v->host_minor);
	if (n < 0 || (size_t)n >= v->why_size)
		return r;
	va_start(ap, fmt);
	vsnprintf(v->why + n, v->why_size - (size_t)n, fmt, ap);
	va_end(ap);
	return r;
}

/* A bounded, printable copy of a string from plugin memory, for messages. */
static void
safe_copy(char *dst, size_t n, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

int
cp_plugin_name_ok(const char *s)
{
	size_t len;

	if (s == NULL)
		return 0;
	len = strnlen(s, CP_PLUGIN_NAME_MAX + 1);
	return len >= 1 && len <= CP_PLUGIN_NAME_MAX &&
	    cp_str_only(s, "abcdefghijklmnopqrstuvwxyz0123456789-");
}

static int
key_name_ok(const char *s)
{
	size_t len = strnlen(s, CP_PLUGIN_KEY_MAX + 1);

	return len >= 1 && len <= CP_PLUGIN_KEY_MAX &&
	    cp_str_only(s, "abcdefghijklmnopqrstuvwxyz0123456789_");
}

static const uint32_t ops_size_1_0[] = {
	[CP_CAP_CLOUD] = CP_CLOUD_OPS_SIZE_1_0,
	[CP_CAP_SCANNER] = CP_SCANNER_OPS_SIZE_1_0,
	[CP_CAP_NOTIFIER] = CP_NOTIFIER_OPS_SIZE_1_0,
	[CP_CAP_REPORT] = CP_REPORT_OPS_SIZE_1_0,
	[CP_CAP_POLICY] = CP_POLICY_OPS_SIZE_1_0,
};

/* The first required member of a copied ops table that is NULL, or NULL. */
static const char *
missing_member(struct cp_pcap *c)
{
	switch (c->kind) {
	case CP_CAP_CLOUD:
		c->key = c->ops.cloud.cloud;
		if (c->ops.cloud.cloud == NULL)
			return "cloud";
		if (c->ops.cloud.validate == NULL)
			return "validate";
		if (c->ops.cloud.collect == NULL)
			return "collect";
		break;
	case CP_CAP_SCANNER:
		c->key = c->ops.scanner.scanner;
		if (c->ops.scanner.scan == NULL)
			return "scan";
		break;
	case CP_CAP_NOTIFIER:
		c->key = c->ops.notifier.dest_type;
		if (c->ops.notifier.dest_type == NULL)
			return "dest_type";
		if (c->ops.notifier.send == NULL)
			return "send";
		break;
	case CP_CAP_REPORT:
		c->key = c->ops.report.format;
		if (c->ops.report.format == NULL)
			return "format";
		if (c->ops.report.open == NULL)
			return "open";
		if (c->ops.report.add_table == NULL)
			return "add_table";
		if (c->ops.report.add_row == NULL)
			return "add_row";
		if (c->ops.report.close == NULL)
			return "close";
		break;
	case CP_CAP_POLICY:
		c->key = NULL;
		if (c->ops.policy.run == NULL)
			return "run";
		break;
	}
	return NULL;
}

/* Where a key table comes from: it names the table in refusals. */
struct key_table {
	const char *key_what;	/* "config key 'x' ..." */
	const char *list_what;	/* "config schema has more than ..." */
	int host_keys;		/* whether "enabled" is the host's */
};

static const struct key_table config_table = {
	"config key", "config schema", 1
};

static const struct key_table env_table = {
	"cloud env_params key", "cloud env_params", 0
};

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Checks key k of table t against the n keys already accepted. */
static cp_err
check_key(struct vctx *v, const struct key_table *t,
    const struct cp_config_key *k, const struct cp_config_key *seen,
    size_t n)
{
	char name[CP_PLUGIN_KEY_MAX + 1], why[256];
	const char *w = t->key_what;
	size_t j;

	safe_copy(name, sizeof(name), k->key);
	if (!key_name_ok(k->key))
		return refuse(v, CP_E_PLUGIN, "%s '%s' is not "
		    "[a-z0-9_]{1,%d}", w, name, CP_PLUGIN_KEY_MAX);
	if (t->host_keys && strcmp(k->key, "enabled") == 0)
		return refuse(v, CP_E_PLUGIN,
		    "%s 'enabled' belongs to the host", w);
	if (k->type < CP_CFG_STRING || k->type > CP_CFG_LIST)
		return refuse(v, CP_E_PLUGIN,
		    "%s '%s' has unknown type %u", w, name, k->type);
	if ((k->flags & ~(CP_CFG_REQUIRED | CP_CFG_SECRET)) != 0)
		return refuse(v, CP_E_PLUGIN,
		    "%s '%s' has unknown flags 0x%x", w, name, k->flags);
	if (k->type == CP_CFG_INT && k->min > k->max)
		return refuse(v, CP_E_PLUGIN,
		    "%s '%s' has empty bounds [%lld, %lld]", w, name, k->min,
		    k->max);
	for (j = 0; j < n; j++)
		if (strcmp(seen[j].key, k->key) == 0)
			return refuse(v, CP_E_PLUGIN,
			    "%s '%s' is declared twice", w, name);
	if (k->def != NULL &&
	    cp_pconfig_check_value(k, k->def, why, sizeof(why)) != CP_OK)
		return refuse(v, CP_E_PLUGIN,
		    "%s '%s' has a bad default: %s", w, name, why);
	/* Descriptions are printed to terminals by the CLI. */
	if (k->description != NULL &&
	    strnlen(k->description, CP_PLUGIN_DESC_MAX + 1) >
	    CP_PLUGIN_DESC_MAX)
		return refuse(v, CP_E_PLUGIN, "%s '%s' has a description "
		    "longer than %d bytes", w, name, CP_PLUGIN_DESC_MAX);
	if (k->description != NULL && has_control(k->description))
		return refuse(v, CP_E_PLUGIN, "%s '%s' has control "
		    "characters in its description", w, name);
	return CP_OK;
}

/*
 * Checks the key table keys (ending with a NULL key, NULL: none) and
 * copies its entries, not their strings, into dst (CP_PLUGIN_MAX_KEYS
 * entries); *n gets their count.
 */
static cp_err
check_keys(struct vctx *v, const struct key_table *t,
    const struct cp_config_key *keys, struct cp_config_key *dst, size_t *n)
{
	struct cp_config_key k;
	size_t i;
	cp_err r;

	*n = 0;
	if (keys == NULL)
		return CP_OK;
	for (i = 0;; i++) {
		memcpy(&k, &keys[i], sizeof(k));
		if (k.key == NULL)
			return CP_OK;
		if (i == CP_PLUGIN_MAX_KEYS)
			return refuse(v, CP_E_PLUGIN,
			    "%s has more than %d keys (or no NULL key at its "
			    "end)", t->list_what, CP_PLUGIN_MAX_KEYS);
		r = check_key(v, t, &k, dst, i);
		if (r != CP_OK)
			return r;
		dst[i] = k;
		*n = i + 1;
	}
}

/* Appends the string src at *p; returns the copy (NULL for NULL). */
static const char *
put_str(char **p, const char *src)
{
	char *s = *p;
	size_t len;

	if (src == NULL)
		return NULL;
	len = strlen(src) + 1;
	memcpy(s, src, len);
	*p += len;
	return s;
}

static size_t
str_size(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

/*
 * A copy of the n checked keys with their strings, in one allocation:
 * the array with its NULL key, then the strings.  NULL on no memory.
 */
static struct cp_config_key *
keys_dup(const struct cp_config_key *keys, size_t n)
{
	struct cp_config_key *copy;
	size_t i, size = (n + 1) * sizeof(*copy);
	char *p;

	for (i = 0; i < n; i++)
		size += str_size(keys[i].key) + str_size(keys[i].def) +
		    str_size(keys[i].description);
	copy = calloc(1, size);
	if (copy == NULL)
		return NULL;
	p = (char *)(copy + n + 1);
	for (i = 0; i < n; i++) {
		copy[i] = keys[i];
		copy[i].key = put_str(&p, keys[i].key);
		copy[i].def = put_str(&p, keys[i].def);
		copy[i].description = put_str(&p, keys[i].description);
	}
	return copy;
}

/*
 * A cloud's env_params get the checks of a config schema (but "enabled"
 * is theirs to use), and the host keeps its own copy: the CLI reads the
 * table long after validation, and the plugin's may be anywhere.
 */
static cp_err
check_env_params(struct vctx *v, struct cp_pcap *c)
{
	struct cp_config_key keys[CP_PLUGIN_MAX_KEYS];
	const struct cp_config_key *src = c->ops.cloud.env_params;
	size_t n;
	cp_err r;

	c->ops.cloud.env_params = NULL;
	r = check_keys(v, &env_table, src, keys, &n);
	if (r != CP_OK || src == NULL)
		return r;
	c->env_params = keys_dup(keys, n);
	if (c->env_params == NULL)
		return refuse(v, CP_E_NOMEM, "no memory for a copy of "
		    "env_params");
	c->n_env_params = n;
	c->ops.cloud.env_params = c->env_params;
	return CP_OK;
}

/* Checks capability i and copies its ops table into out. */
static cp_err
check_cap(struct vctx *v, size_t i, const struct cp_capability *cap,
    struct cp_pcap *out)
{
	const char *kname, *missing;
	uint32_t own_size, unknown;
	size_t n;

	if (cap->kind < CP_CAP_CLOUD || cap->kind > CP_CAP_POLICY)
		return refuse(v, CP_E_PLUGIN,
		    "capability %zu has unknown kind %u", i, cap->kind);
	kname = cp_cap_kind_name((int)cap->kind);
	if (cap->ops == NULL)
		return refuse(v, CP_E_PLUGIN,
		    "%s capability has no ops table", kname);
	if (cap->ops_size < ops_size_1_0[cap->kind])
		return refuse(v, CP_E_PLUGIN,
		    "%s ops_size %u is smaller than %u (ABI 1.0)", kname,
		    cap->ops_size, ops_size_1_0[cap->kind]);
	/* Every ops table starts with its own size. */
	memcpy(&own_size, cap->ops, sizeof(own_size));
	if (own_size != cap->ops_size)
		return refuse(v, CP_E_PLUGIN,
		    "%s ops struct_size %u differs from ops_size %u", kname,
		    own_size, cap->ops_size);
	memset(out, 0, sizeof(*out));
	out->kind = cap->kind;
	n = cap->ops_size < ops_size_1_0[cap->kind] ? cap->ops_size :
	    ops_size_1_0[cap->kind];
	memcpy(&out->ops, cap->ops, n);
	missing = missing_member(out);
	if (missing != NULL)
		return refuse(v, CP_E_PLUGIN,
		    "%s capability: required member '%s' is NULL", kname,
		    missing);
	if (out->kind != CP_CAP_CLOUD)
		return CP_OK;
	unknown = out->ops.cloud.flags & ~CP_CLOUD_FLAGS_KNOWN;
	if (unknown != 0)
		return refuse(v, CP_E_PLUGIN,
		    "cloud capability: flags 0x%x has unknown bits 0x%x",
		    out->ops.cloud.flags, unknown);
	return check_env_params(v, out);
}

static cp_err
check_caps(struct vctx *v, const struct cp_capability *caps,
    struct cp_pdef *out)
{
	struct cp_capability cap;
	size_t i;
	cp_err r;

	if (caps == NULL)
		return CP_OK;
	for (i = 0;; i++) {
		memcpy(&cap, &caps[i], sizeof(cap));
		if (cap.kind == CP_CAP_END)
			return CP_OK;
		if (i == CP_PLUGIN_MAX_CAPS)
			return refuse(v, CP_E_PLUGIN,
			    "capability list has no CP_CAP_END within %d "
			    "entries", CP_PLUGIN_MAX_CAPS);
		r = check_cap(v, i, &cap, &out->caps[i]);
		if (r != CP_OK)
			return r;
		out->n_caps = i + 1;
		out->cap_mask |= 1u << cap.kind;
	}
}

void
cp_pdef_free(struct cp_pdef *def)
{
	size_t i;

	if (def == NULL)
		return;
	/* All slots: a refused capability may have got a copy too. */
	for (i = 0; i < CP_PLUGIN_MAX_CAPS; i++) {
		free(def->caps[i].env_params);
		def->caps[i].env_params = NULL;
		def->caps[i].n_env_params = 0;
		if (def->caps[i].kind == CP_CAP_CLOUD)
			def->caps[i].ops.cloud.env_params = NULL;
	}
}

cp_err
cp_plugin_validate(const struct cp_plugin_descriptor *d, uint32_t host_major,
    uint32_t host_minor, struct cp_pdef *out, char *why, size_t why_size)
{
	struct vctx v;
	uint32_t head[4];
	char name[CP_PLUGIN_NAME_MAX + 2];
	size_t i, n;
	cp_err r;

	memset(out, 0, sizeof(*out));
	memset(&v, 0, sizeof(v));
	v.host_major = host_major;
	v.host_minor = host_minor;
	v.why = why;
	v.why_size = why_size;
	if (why != NULL && why_size > 0)
		why[0] = '\0';
	if (d == NULL)
		return refuse(&v, CP_E_PLUGIN,
		    "cp_plugin_entry returned NULL (the plugin refused this "
		    "host)");

	/* magic, abi_major, abi_minor, struct_size: present in every ABI. */
	memcpy(head, d, sizeof(head));
	v.major = head[1];
	v.minor = head[2];
	v.versions_known = 1;
	if (head[0] != CP_PLUGIN_MAGIC)
		return refuse(&v, CP_E_ABI,
		    "bad magic 0x%08x (expected 0x%08x)", head[0],
		    CP_PLUGIN_MAGIC);
	if (v.major != host_major)
		return refuse(&v, CP_E_ABI, "major version differs");
	if (v.minor > host_minor)
		return refuse(&v, CP_E_ABI,
		    "minor version is newer than the host's");
	if (head[3] < CP_DESCRIPTOR_SIZE_1_0)
		return refuse(&v, CP_E_ABI,
		    "descriptor struct_size %u is smaller than %u (ABI 1.0)",
		    head[3], CP_DESCRIPTOR_SIZE_1_0);
	n = head[3] < sizeof(out->desc) ? head[3] : sizeof(out->desc);
	memcpy(&out->desc, d, n);

	if (out->desc.reserved_flags != 0)
		return refuse(&v, CP_E_PLUGIN,
		    "reserved_flags is 0x%x, must be 0",
		    out->desc.reserved_flags);
	if ((out->desc.flags & ~CP_PLUGIN_FLAGS_KNOWN) != 0)
		return refuse(&v, CP_E_PLUGIN,
		    "flags 0x%x has unknown bits 0x%x", out->desc.flags,
		    out->desc.flags & ~CP_PLUGIN_FLAGS_KNOWN);
	/* Slots past the copied size are zero in the copy. */
	for (i = 0; i < CP_ARRAY_LEN(out->desc.reserved); i++)
		if (out->desc.reserved[i] != NULL)
			return refuse(&v, CP_E_PLUGIN,
			    "reserved[%zu] is not NULL", i);
	if (out->desc.name == NULL)
		return refuse(&v, CP_E_PLUGIN, "name is NULL");
	if (!cp_plugin_name_ok(out->desc.name)) {
		safe_copy(name, sizeof(name), out->desc.name);
		return refuse(&v, CP_E_PLUGIN,
		    "name '%s' is not [a-z0-9-]{1,%d}", name,
		    CP_PLUGIN_NAME_MAX);
	}
	if (out->desc.version == NULL)
		return refuse(&v, CP_E_PLUGIN, "version is NULL");
	r = check_caps(&v, out->desc.caps, out);
	if (r == CP_OK)
		r = check_keys(&v, &config_table, out->desc.config,
		    out->keys, &out->n_keys);
	if (r != CP_OK)
		cp_pdef_free(out);
	return r;
}

const struct cp_config_key *
cp_pdef_key(const struct cp_pdef *def, const char *key)
{
	size_t i;

	for (i = 0; i < def->n_keys; i++)
		if (strcmp(def->keys[i].key, key) == 0)
			return &def->keys[i];
	return NULL;
}

const char *
cp_cap_kind_name(int kind)
{
	static const char *const names[] = {
		[CP_CAP_CLOUD] = "cloud",
		[CP_CAP_SCANNER] = "scanner",
		[CP_CAP_NOTIFIER] = "notifier",
		[CP_CAP_REPORT] = "report",
		[CP_CAP_POLICY] = "policy",
	};

	if (kind < CP_CAP_CLOUD || kind > CP_CAP_POLICY)
		return "unknown";
	return names[kind];
}
