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
 *   FIX_BAD_ENV_PARAMS an env_params key whose default is out of bounds
 *   FIX_CLOUD_FLAGS    a cloud flag bit the host does not know
 *   FIX_DESC_FLAGS     a descriptor flag bit (none is defined)
 */
#include <cloudpatrol/plugin.h>

#define FIX_MAGIC CP_PLUGIN_MAGIC
#define FIX_MAJOR CP_ABI_MAJOR
#define FIX_MINOR CP_ABI_MINOR
#define FIX_RESERVED_SLOT NULL
#define FIX_COLLECT fix_collect
#define FIX_ENV_PARAMS NULL
#define FIX_CLOUD_FLAG_BITS 0u
#define FIX_DESC_FLAG_BITS 0u

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
#elif defined(FIX_BAD_ENV_PARAMS)
#define FIX_NAME "bad-env-params"
#undef FIX_ENV_PARAMS
#define FIX_ENV_PARAMS fix_env
#elif defined(FIX_CLOUD_FLAGS)
#define FIX_NAME "cloud-flags"
#undef FIX_CLOUD_FLAG_BITS
#define FIX_CLOUD_FLAG_BITS (CP_CLOUD_F_INSPECT_OPT_IN | 0x80u)
#elif defined(FIX_DESC_FLAGS)
#define FIX_NAME "desc-flags"
#undef FIX_DESC_FLAG_BITS
#define FIX_DESC_FLAG_BITS 0x4u
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

#if defined(FIX_BAD_ENV_PARAMS)
static const struct cp_config_key fix_env[] = {
	{ "region", CP_CFG_STRING, 0, NULL, 0, 0, "where" },
	{ "port", CP_CFG_INT, 0, "0", 1, 65535, "the API's port" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};
#endif

static const struct cp_cloud_ops fix_cloud = {
	.struct_size = sizeof(fix_cloud),
	.cloud = "fixcloud",
	.unit_kind = "unit",
	.env_params = FIX_ENV_PARAMS,
	.validate = fix_validate,
	.collect = FIX_COLLECT,
	.flags = FIX_CLOUD_FLAG_BITS,
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
	.flags = FIX_DESC_FLAG_BITS,
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
