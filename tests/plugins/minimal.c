/*
 * minimal.c - the smallest plugin the host accepts: one notifier, no
 * config keys, no init and no fini.
 */
#include <cloudpatrol/plugin.h>

static int
minimal_send(void *ctx, const json_t *dest, const json_t *message,
    char *why, size_t why_size)
{
	return CP_SEND_RETRY;
}

static const struct cp_notifier_ops minimal_notifier = {
	.struct_size = sizeof(minimal_notifier),
	.dest_type = "minimal-dest",
	.send = minimal_send,
};

static const struct cp_capability minimal_caps[] = {
	{ CP_CAP_NOTIFIER, sizeof(minimal_notifier), &minimal_notifier },
	{ CP_CAP_END, 0, NULL }
};

static const struct cp_plugin_descriptor minimal_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(minimal_desc),
	.name = "minimal",
	.version = "0.1",
	.caps = minimal_caps,
};

CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
{
	return &minimal_desc;
}
