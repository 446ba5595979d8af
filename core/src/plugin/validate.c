/*
 * validate.c - acceptance of a plugin's descriptor.
 *
 * The order of the checks matters: the version fields come first because
 * they say how the rest may be read.  Only after magic, major, minor and
 * struct_size passed is the descriptor copied (min(struct_size, sizeof
 * local) bytes into a zeroed local), and every later check reads the copy.
 * Ops tables are handled the same way, each with its own size.
 */
#include <stdarg.h>
#include <stdio.h>
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

/* Checks capability i and copies its ops table into out. */
static cp_err
check_cap(struct vctx *v, size_t i, const struct cp_capability *cap,
    struct cp_pcap *out)
{
	const char *kname, *missing;
	uint32_t own_size;
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
	return CP_OK;
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

static cp_err
check_key(struct vctx *v, const struct cp_config_key *k,
    const struct cp_pdef *out)
{
	char name[CP_PLUGIN_KEY_MAX + 1], why[256];
	size_t j;

	safe_copy(name, sizeof(name), k->key);
	if (!key_name_ok(k->key))
		return refuse(v, CP_E_PLUGIN,
		    "config key '%s' is not [a-z0-9_]{1,%d}", name,
		    CP_PLUGIN_KEY_MAX);
	if (strcmp(k->key, "enabled") == 0)
		return refuse(v, CP_E_PLUGIN,
		    "config key 'enabled' belongs to the host");
	if (k->type < CP_CFG_STRING || k->type > CP_CFG_LIST)
		return refuse(v, CP_E_PLUGIN,
		    "config key '%s' has unknown type %u", name, k->type);
	if ((k->flags & ~(CP_CFG_REQUIRED | CP_CFG_SECRET)) != 0)
		return refuse(v, CP_E_PLUGIN,
		    "config key '%s' has unknown flags 0x%x", name, k->flags);
	if (k->type == CP_CFG_INT && k->min > k->max)
		return refuse(v, CP_E_PLUGIN,
		    "config key '%s' has empty bounds [%lld, %lld]", name,
		    k->min, k->max);
	for (j = 0; j < out->n_keys; j++)
		if (strcmp(out->keys[j].key, k->key) == 0)
			return refuse(v, CP_E_PLUGIN,
			    "config key '%s' is declared twice", name);
	if (k->def != NULL &&
	    cp_pconfig_check_value(k, k->def, why, sizeof(why)) != CP_OK)
		return refuse(v, CP_E_PLUGIN,
		    "config key '%s' has a bad default: %s", name, why);
	return CP_OK;
}

static cp_err
check_schema(struct vctx *v, const struct cp_config_key *keys,
    struct cp_pdef *out)
{
	struct cp_config_key k;
	size_t i;
	cp_err r;

	if (keys == NULL)
		return CP_OK;
	for (i = 0;; i++) {
		memcpy(&k, &keys[i], sizeof(k));
		if (k.key == NULL)
			return CP_OK;
		if (i == CP_PLUGIN_MAX_KEYS)
			return refuse(v, CP_E_PLUGIN,
			    "config schema has more than %d keys (or no "
			    "NULL key at its end)", CP_PLUGIN_MAX_KEYS);
		r = check_key(v, &k, out);
		if (r != CP_OK)
			return r;
		out->keys[i] = k;
		out->n_keys = i + 1;
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
		r = check_schema(&v, out->desc.config, out);
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
