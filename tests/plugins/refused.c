/*
 * refused.c - test plugins the host must refuse, one per check.  Each is
 * this file built with one FIX_* macro (tests/plugins/local.mk) that
 * breaks one thing in an otherwise valid plugin:
 *
 *   FIX_WRONG_MAJOR    abi_major one more than the host's
 *   FIX_NEWER_MINOR    abi_minor one more than the host's
 *   FIX_BAD_MAGIC      magic is not CP_PLUGIN_MAGIC
 *   FIX_RESERVED       reserved[2] is not NULL
 *   FIX_NO_ENTRY       exports cp_plugin_start instead of cp_plugin_entry
 *   FIX_NULL_CALLBACK  a cloud capability without collect()
 *   FIX_DUP_NAME       calls itself "good", the name of another plugin
 *   FIX_REFUSES_HOST   cp_plugin_entry returns NULL
 */
#include <cloudpatrol/plugin.h>

#define FIX_MAGIC CP_PLUGIN_MAGIC
#define FIX_MAJOR CP_ABI_MAJOR
#define FIX_MINOR CP_ABI_MINOR
#define FIX_RESERVED_SLOT NULL
#define FIX_COLLECT fix_collect

#if defined(FIX_WRONG_MAJOR)
#define FIX_NAME "wrong-major"
#undef FIX_MAJOR
#define FIX_MAJOR (CP_ABI_MAJOR + 1)
#elif defined(FIX_NEWER_MINOR)
#define FIX_NAME "newer-minor"
#undef FIX_MINOR
#define FIX_MINOR (CP_ABI_MINOR + 1)
#elif defined(FIX_BAD_MAGIC)
#define FIX_NAME "bad-magic"
#undef FIX_MAGIC
#define FIX_MAGIC 0x12345678u
#elif defined(FIX_RESERVED)
#define FIX_NAME "reserved"
#undef FIX_RESERVED_SLOT
#define FIX_RESERVED_SLOT ((void *)&fix_cloud)
#elif defined(FIX_NO_ENTRY)
#define FIX_NAME "no-entry"
#define cp_plugin_entry cp_plugin_start
#elif defined(FIX_NULL_CALLBACK)
#define FIX_NAME "null-callback"
#undef FIX_COLLECT
#define FIX_COLLECT NULL
#elif defined(FIX_DUP_NAME)
#define FIX_NAME "good"
#elif defined(FIX_REFUSES_HOST)
#define FIX_NAME "refuses-host"
#else
#error "define one FIX_* macro"
#endif

static cp_err
fix_validate(void *ctx, const json_t *creds, struct cp_validate_result *res)
{
	return CP_OK;
}

#if !defined(FIX_NULL_CALLBACK)
static cp_err
fix_collect(void *ctx, const json_t *creds, const char *unit,
    const struct cp_inventory_sink *sink)
{
	return CP_OK;
}
#endif

static const struct cp_cloud_ops fix_cloud = {
	.struct_size = sizeof(fix_cloud),
	.cloud = "fixcloud",
	.unit_kind = "unit",
	.validate = fix_validate,
	.collect = FIX_COLLECT,
};

static const struct cp_capability fix_caps[] = {
	{ CP_CAP_CLOUD, sizeof(fix_cloud), &fix_cloud },
	{ CP_CAP_END, 0, NULL }
};

static const struct cp_plugin_descriptor fix_desc = {
	.magic = FIX_MAGIC,
	.abi_major = FIX_MAJOR,
	.abi_minor = FIX_MINOR,
	.struct_size = sizeof(fix_desc),
	.name = FIX_NAME,
	.version = "0.0.1",
	.description = "a test plugin the host must refuse",
	.caps = fix_caps,
	.reserved = { NULL, NULL, FIX_RESERVED_SLOT, NULL },
};

#if defined(FIX_NO_ENTRY)
CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *cp_plugin_entry(
    uint32_t host_major, uint32_t host_minor);
#endif

/* Returns its descriptor whatever the host, so that the host checks it. */
CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
{
#if defined(FIX_REFUSES_HOST)
	(void)&fix_desc;
	return NULL;
#else
	return &fix_desc;
#endif
}
