/*
 * validate.h - acceptance of a plugin's descriptor against the host's ABI.
 *
 * The host never works from the plugin's own structs: validation copies
 * the descriptor, every ops table and the config schema into zero-filled
 * structs of the host's own size (min(struct_size, sizeof local) bytes of
 * each), and checks the copies.  A refusal is one phrase naming both ABI
 * versions and the check that failed.
 */
#ifndef CP_PLUGIN_VALIDATE_H
#define CP_PLUGIN_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include <cloudpatrol/plugin.h>

/* Bounds on what a descriptor may declare. */
#define CP_PLUGIN_MAX_CAPS 16	/* capabilities before CP_CAP_END */
#define CP_PLUGIN_MAX_KEYS 64	/* config keys before the NULL key */
#define CP_PLUGIN_NAME_MAX 63	/* [a-z0-9-]{1,63} */
#define CP_PLUGIN_KEY_MAX 63	/* [a-z0-9_]{1,63} */
#define CP_PLUGIN_VALUE_MAX 4096	/* a default or a configured value */
#define CP_PLUGIN_DESC_MAX 1024	/* the description of a key */

/* The flag bits this host knows (ABI 1.0): any other bit is refused. */
#define CP_PLUGIN_FLAGS_KNOWN 0u	/* descriptor: none defined */
#define CP_CLOUD_FLAGS_KNOWN CP_CLOUD_F_INSPECT_OPT_IN

/*
 * Sizes of the ABI 1.0 structs: a plugin's struct may be larger (built
 * against a newer minor of the same major, which is refused anyway, or
 * padded), never smaller.  Pinned by tests/unit/plugin/test_abi.c.
 */
#define CP_DESCRIPTOR_SIZE_1_0 ((uint32_t)sizeof(struct cp_plugin_descriptor))
#define CP_CLOUD_OPS_SIZE_1_0 ((uint32_t)sizeof(struct cp_cloud_ops))
#define CP_SCANNER_OPS_SIZE_1_0 ((uint32_t)sizeof(struct cp_scanner_ops))
#define CP_NOTIFIER_OPS_SIZE_1_0 ((uint32_t)sizeof(struct cp_notifier_ops))
#define CP_REPORT_OPS_SIZE_1_0 ((uint32_t)sizeof(struct cp_report_ops))
#define CP_POLICY_OPS_SIZE_1_0 ((uint32_t)sizeof(struct cp_policy_ops))

/*
 * One capability, as the host copied it.  For a cloud, ops.cloud.
 * env_params never points into the plugin: it is env_params below (or
 * NULL when the plugin declares none).
 */
struct cp_pcap {
	uint32_t kind;		/* enum cp_cap_kind */
	/* What lookups match: cloud name, scanner name, destination type,
	 * report format; NULL for a policy provider (it matches by id). */
	const char *key;
	union {
		struct cp_cloud_ops cloud;
		struct cp_scanner_ops scanner;
		struct cp_notifier_ops notifier;
		struct cp_report_ops report;
		struct cp_policy_ops policy;
	} ops;
	/* A cloud's env_params, checked like a config schema and copied
	 * with its strings into one allocation, ending with a NULL key.
	 * Owned; freed by cp_pdef_free. */
	struct cp_config_key *env_params;
	size_t n_env_params;
};

/*
 * The host's copy of an accepted plugin.  Apart from the env_params of
 * its clouds (owned: see cp_pdef_free), strings still point into the
 * plugin's memory, which stays mapped for the life of the process.
 */
struct cp_pdef {
	struct cp_plugin_descriptor desc;
	struct cp_pcap caps[CP_PLUGIN_MAX_CAPS];
	size_t n_caps;
	unsigned cap_mask;		/* bit (1u << kind) per capability */
	struct cp_config_key keys[CP_PLUGIN_MAX_KEYS];
	size_t n_keys;
};

/*
 * Checks the descriptor d returned by a plugin's entry against the host's
 * ABI host_major.host_minor and fills *out, which must not hold an earlier
 * result (cp_pdef_free it first).  On refusal returns CP_E_ABI (magic,
 * versions, size), CP_E_NOMEM, or CP_E_PLUGIN (any other check) and writes
 * to why one phrase: "ABI 2.0 (host 1.0): major version differs"; *out
 * then owns nothing.  d is borrowed; nothing outside *out and why is
 * touched.  On success, free *out with cp_pdef_free.
 */
cp_err cp_plugin_validate(const struct cp_plugin_descriptor *d,
    uint32_t host_major, uint32_t host_minor, struct cp_pdef *out,
    char *why, size_t why_size);

/*
 * Frees what cp_plugin_validate allocated in def (the env_params copies)
 * and clears those members, so that def may be validated into again.
 * def itself is not freed; NULL is a no-op.
 */
void cp_pdef_free(struct cp_pdef *def);

/* Whether s is a valid plugin name: [a-z0-9-]{1,63}. */
int cp_plugin_name_ok(const char *s);

/* The schema entry of key in def, or NULL. */
const struct cp_config_key *cp_pdef_key(const struct cp_pdef *def,
    const char *key);

#endif /* CP_PLUGIN_VALIDATE_H */
