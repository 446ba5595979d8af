/*
 * test_validate.c - acceptance of descriptors built in memory: every check
 * of cp_plugin_validate, each with its exact phrase, and the rule that the
 * host never reads more of a plugin's struct than its size says.
 */
#include "plugintest.h"

#include <sys/mman.h>

#include "plugin/registry.h"
#include "plugin/validate.h"

static cp_err
fx_setup_guide(void *ctx, const char *variant, const char *lang,
    const struct cp_text_out *out)
{
	return CP_OK;
}

static cp_err
fx_validate(void *ctx, const json_t *creds, struct cp_validate_result *res)
{
	return CP_OK;
}

static cp_err
fx_collect(void *ctx, const json_t *creds, const char *unit,
    const struct cp_inventory_sink *sink)
{
	return CP_OK;
}

static cp_err
fx_scan(void *ctx, const char *const *targets, size_t n,
    const json_t *options, const struct cp_observation_sink *sink)
{
	return CP_OK;
}

static int
fx_send(void *ctx, const json_t *dest, const json_t *message, char *why,
    size_t why_size)
{
	return CP_SEND_OK;
}

static cp_err
fx_open(void *ctx, const char *path, const json_t *options, void **doc)
{
	return CP_OK;
}

static cp_err
fx_add_table(void *doc, const json_t *table)
{
	return CP_OK;
}

static cp_err
fx_add_row(void *doc, const json_t *row)
{
	return CP_OK;
}

static cp_err
fx_close(void *doc, int commit)
{
	return CP_OK;
}

static cp_err
fx_run(void *ctx, const char *policy_id, const json_t *rows, json_t **res)
{
	return CP_OK;
}

/* A complete, valid plugin that each test breaks in one place. */
struct fx {
	struct cp_cloud_ops cloud;
	struct cp_scanner_ops scanner;
	struct cp_notifier_ops notifier;
	struct cp_report_ops report;
	struct cp_policy_ops policy;
	struct cp_capability caps[CP_PLUGIN_MAX_CAPS + 2];
	struct cp_config_key keys[CP_PLUGIN_MAX_KEYS + 2];
	struct cp_config_key env[CP_PLUGIN_MAX_KEYS + 2];
	char env_key[16];		/* the name of env[0], writable */
	struct cp_plugin_descriptor desc;
};

static const char *const fx_ids[] = { "P-1", NULL };

static void
fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->cloud.struct_size = sizeof(f->cloud);
	f->cloud.cloud = "cloudy";
	f->cloud.unit_kind = "unit";
	f->cloud.setup_guide = fx_setup_guide;
	f->cloud.validate = fx_validate;
	f->cloud.collect = fx_collect;
	f->cloud.env_params = f->env;
	f->scanner.struct_size = sizeof(f->scanner);
	f->scanner.scanner = "scanny";
	f->scanner.scan = fx_scan;
	f->notifier.struct_size = sizeof(f->notifier);
	f->notifier.dest_type = "pager";
	f->notifier.send = fx_send;
	f->report.struct_size = sizeof(f->report);
	f->report.format = "fmt";
	f->report.open = fx_open;
	f->report.add_table = fx_add_table;
	f->report.add_row = fx_add_row;
	f->report.close = fx_close;
	f->policy.struct_size = sizeof(f->policy);
	f->policy.policy_ids = fx_ids;
	f->policy.run = fx_run;
	f->caps[0] = (struct cp_capability){ CP_CAP_CLOUD, sizeof(f->cloud),
	    &f->cloud };
	f->caps[1] = (struct cp_capability){ CP_CAP_SCANNER,
	    sizeof(f->scanner), &f->scanner };
	f->caps[2] = (struct cp_capability){ CP_CAP_NOTIFIER,
	    sizeof(f->notifier), &f->notifier };
	f->caps[3] = (struct cp_capability){ CP_CAP_REPORT,
	    sizeof(f->report), &f->report };
	f->caps[4] = (struct cp_capability){ CP_CAP_POLICY,
	    sizeof(f->policy), &f->policy };
	f->keys[0] = (struct cp_config_key){ "greeting", CP_CFG_STRING,
	    CP_CFG_REQUIRED, NULL, 0, 0, "text" };
	f->keys[1] = (struct cp_config_key){ "count", CP_CFG_INT, 0, "3", 0,
	    10, "a number" };
	f->keys[2] = (struct cp_config_key){ "password", CP_CFG_STRING,
	    CP_CFG_SECRET, NULL, 0, 0, "a secret" };
	snprintf(f->env_key, sizeof(f->env_key), "region");
	f->env[0] = (struct cp_config_key){ f->env_key, CP_CFG_STRING,
	    CP_CFG_REQUIRED, "eu-1", 0, 0, "where" };
	f->env[1] = (struct cp_config_key){ "token", CP_CFG_STRING,
	    CP_CFG_REQUIRED | CP_CFG_SECRET, NULL, 0, 0, NULL };
	f->env[2] = (struct cp_config_key){ "port", CP_CFG_INT, 0, "443", 1,
	    65535, "a port" };
	f->desc.magic = CP_PLUGIN_MAGIC;
	f->desc.abi_major = CP_ABI_MAJOR;
	f->desc.abi_minor = CP_ABI_MINOR;
	f->desc.struct_size = sizeof(f->desc);
	f->desc.name = "fixture";
	f->desc.version = "1.0";
	f->desc.description = "in memory";
	f->desc.caps = f->caps;
	f->desc.config = f->keys;
}

static struct cp_pdef def;

/* Validates f against host 1.0 and checks the result and the phrase. */
static void
expect(struct fx *f, cp_err want, const char *phrase)
{
	char why[512], full[512];
	cp_err r;

	cp_pdef_free(&def);
	r = cp_plugin_validate(&f->desc, CP_ABI_MAJOR, CP_ABI_MINOR, &def,
	    why, sizeof(why));
	CU_ASSERT_EQUAL(r, want);
	if (phrase == NULL) {
		CU_ASSERT_STRING_EQUAL(why, "");
		return;
	}
	snprintf(full, sizeof(full), "ABI %u.%u (host %u.%u): %s",
	    f->desc.abi_major, f->desc.abi_minor, CP_ABI_MAJOR, CP_ABI_MINOR,
	    phrase);
	CU_ASSERT_STRING_EQUAL(why, full);
	if (strcmp(why, full) != 0)
		fprintf(stderr, "got:  %s\nwant: %s\n", why, full);
}

static void
test_validate_accepts_a_complete_plugin(void)
{
	struct fx f;

	fx_init(&f);
	expect(&f, CP_OK, NULL);
	CU_ASSERT_EQUAL(def.n_caps, 5);
	CU_ASSERT_EQUAL(def.cap_mask, (1u << CP_CAP_CLOUD) |
	    (1u << CP_CAP_SCANNER) | (1u << CP_CAP_NOTIFIER) |
	    (1u << CP_CAP_REPORT) | (1u << CP_CAP_POLICY));
	CU_ASSERT_STRING_EQUAL(def.desc.name, "fixture");
	CU_ASSERT_STRING_EQUAL(def.caps[0].key, "cloudy");
	CU_ASSERT_STRING_EQUAL(def.caps[1].key, "scanny");
	CU_ASSERT_STRING_EQUAL(def.caps[2].key, "pager");
	CU_ASSERT_STRING_EQUAL(def.caps[3].key, "fmt");
	CU_ASSERT_PTR_NULL(def.caps[4].key);
	CU_ASSERT_PTR_EQUAL(def.caps[0].ops.cloud.collect, fx_collect);
	CU_ASSERT_PTR_EQUAL(def.caps[4].ops.policy.run, fx_run);
	CU_ASSERT_EQUAL(def.n_keys, 3);
	CU_ASSERT_STRING_EQUAL(def.keys[1].def, "3");
	CU_ASSERT_PTR_NOT_NULL(cp_pdef_key(&def, "password"));
	CU_ASSERT_PTR_NULL(cp_pdef_key(&def, "nope"));

	/* No capability and no schema is fine too. */
	f.desc.caps = NULL;
	f.desc.config = NULL;
	expect(&f, CP_OK, NULL);
	CU_ASSERT_EQUAL(def.n_caps, 0);
	CU_ASSERT_EQUAL(def.n_keys, 0);
}

static void
test_validate_refuses_no_descriptor(void)
{
	char why[256];

	cp_pdef_free(&def);
	CU_ASSERT_EQUAL(cp_plugin_validate(NULL, 1, 0, &def, why,
	    sizeof(why)), CP_E_PLUGIN);
	CU_ASSERT_STRING_EQUAL(why, "ABI unknown (host 1.0): cp_plugin_entry "
	    "returned NULL (the plugin refused this host)");
}

static void
test_validate_refuses_bad_magic(void)
{
	struct fx f;

	fx_init(&f);
	f.desc.magic = 0xdeadbeef;
	expect(&f, CP_E_ABI, "bad magic 0xdeadbeef (expected 0x43504c47)");
}

static void
test_validate_refuses_other_major(void)
{
	struct fx f;
	char why[256];

	fx_init(&f);
	f.desc.abi_major = CP_ABI_MAJOR + 1;
	expect(&f, CP_E_ABI, "major version differs");
	/* An older major, seen from a newer host. */
	fx_init(&f);
	f.desc.abi_minor = 0;
	cp_pdef_free(&def);
	CU_ASSERT_EQUAL(cp_plugin_validate(&f.desc, 2, 0, &def, why,
	    sizeof(why)), CP_E_ABI);
	CU_ASSERT_STRING_EQUAL(why, "ABI 1.0 (host 2.0): major version "
	    "differs");
}

static void
test_validate_refuses_newer_minor(void)
{
	struct fx f;
	char why[256];

	fx_init(&f);
	f.desc.abi_minor = CP_ABI_MINOR + 1;
	expect(&f, CP_E_ABI, "minor version is newer than the host's");
	/* An older minor is welcome. */
	fx_init(&f);
	cp_pdef_free(&def);
	CU_ASSERT_EQUAL(cp_plugin_validate(&f.desc, CP_ABI_MAJOR,
	    CP_ABI_MINOR + 3, &def, why, sizeof(why)), CP_OK);
}

static void
test_validate_refuses_small_struct_size(void)
{
	struct fx f;
	char phrase[128];

	fx_init(&f);
	f.desc.struct_size = sizeof(f.desc) - 8;
	snprintf(phrase, sizeof(phrase), "descriptor struct_size %zu is "
	    "smaller than %zu (ABI 1.0)", sizeof(f.desc) - 8,
	    sizeof(f.desc));
	expect(&f, CP_E_ABI, phrase);
	f.desc.struct_size = 0;
	snprintf(phrase, sizeof(phrase), "descriptor struct_size 0 is "
	    "smaller than %zu (ABI 1.0)", sizeof(f.desc));
	expect(&f, CP_E_ABI, phrase);
}

static void
test_validate_refuses_reserved(void)
{
	struct fx f;
	char phrase[64];
	size_t i;

	fx_init(&f);
	f.desc.reserved_flags = 0x10;
	expect(&f, CP_E_PLUGIN, "reserved_flags is 0x10, must be 0");
	for (i = 0; i < CP_ARRAY_LEN(f.desc.reserved); i++) {
		fx_init(&f);
		f.desc.reserved[i] = &f;
		snprintf(phrase, sizeof(phrase), "reserved[%zu] is not NULL",
		    i);
		expect(&f, CP_E_PLUGIN, phrase);
	}
}

static void
test_validate_refuses_unknown_flags(void)
{
	struct fx f;

	/* No descriptor flag is defined in ABI 1.0: every bit is unknown. */
	fx_init(&f);
	f.desc.flags = 0x1;
	expect(&f, CP_E_PLUGIN, "flags 0x1 has unknown bits 0x1");
	f.desc.flags = 0x80000000u;
	expect(&f, CP_E_PLUGIN,
	    "flags 0x80000000 has unknown bits 0x80000000");

	/* A cloud knows CP_CLOUD_F_INSPECT_OPT_IN only. */
	fx_init(&f);
	f.cloud.flags = CP_CLOUD_F_INSPECT_OPT_IN;
	expect(&f, CP_OK, NULL);
	CU_ASSERT_EQUAL(def.caps[0].ops.cloud.flags,
	    CP_CLOUD_F_INSPECT_OPT_IN);
	f.cloud.flags = 0x2;
	expect(&f, CP_E_PLUGIN,
	    "cloud capability: flags 0x2 has unknown bits 0x2");
	f.cloud.flags = CP_CLOUD_F_INSPECT_OPT_IN | 0x100;
	expect(&f, CP_E_PLUGIN,
	    "cloud capability: flags 0x101 has unknown bits 0x100");
}

static void
test_validate_checks_name(void)
{
	static const char long63[] = "abcdefghijklmnopqrstuvwxyz0123456789"
	    "abcdefghijklmnopqrstuvwxyz0";
	char long64[80];
	struct fx f;

	CU_ASSERT_EQUAL(strlen(long63), 63);
	fx_init(&f);
	f.desc.name = NULL;
	expect(&f, CP_E_PLUGIN, "name is NULL");
	f.desc.name = "";
	expect(&f, CP_E_PLUGIN, "name '' is not [a-z0-9-]{1,63}");
	f.desc.name = "Bad";
	expect(&f, CP_E_PLUGIN, "name 'Bad' is not [a-z0-9-]{1,63}");
	f.desc.name = "a_b";
	expect(&f, CP_E_PLUGIN, "name 'a_b' is not [a-z0-9-]{1,63}");
	f.desc.name = "bad\nname";
	expect(&f, CP_E_PLUGIN, "name 'bad?name' is not [a-z0-9-]{1,63}");
	f.desc.name = long63;
	expect(&f, CP_OK, NULL);
	snprintf(long64, sizeof(long64), "%sz", long63);
	f.desc.name = long64;
	cp_pdef_free(&def);
	CU_ASSERT_EQUAL(cp_plugin_validate(&f.desc, CP_ABI_MAJOR,
	    CP_ABI_MINOR, &def, NULL, 0), CP_E_PLUGIN);
	CU_ASSERT_TRUE(cp_plugin_name_ok("notify-mail"));
	CU_ASSERT_TRUE(cp_plugin_name_ok("a"));
	CU_ASSERT_FALSE(cp_plugin_name_ok("notify mail"));
	CU_ASSERT_FALSE(cp_plugin_name_ok(NULL));
}

static void
test_validate_refuses_null_version(void)
{
	struct fx f;

	fx_init(&f);
	f.desc.version = NULL;
	expect(&f, CP_E_PLUGIN, "version is NULL");
}

static void
test_validate_bounds_capability_list(void)
{
	struct fx f;
	size_t i;

	fx_init(&f);
	for (i = 0; i < CP_PLUGIN_MAX_CAPS; i++)
		f.caps[i] = f.caps[i % 5];
	expect(&f, CP_OK, NULL);
	CU_ASSERT_EQUAL(def.n_caps, CP_PLUGIN_MAX_CAPS);
	f.caps[CP_PLUGIN_MAX_CAPS] = f.caps[0];
	expect(&f, CP_E_PLUGIN,
	    "capability list has no CP_CAP_END within 16 entries");
}

static void
test_validate_refuses_unknown_kind(void)
{
	struct fx f;

	fx_init(&f);
	f.caps[2].kind = 9;
	expect(&f, CP_E_PLUGIN, "capability 2 has unknown kind 9");
}

static void
test_validate_checks_ops_sizes(void)
{
	struct fx f;
	char phrase[128];

	fx_init(&f);
	f.caps[1].ops = NULL;
	expect(&f, CP_E_PLUGIN, "scanner capability has no ops table");

	fx_init(&f);
	f.caps[0].ops_size = 16;
	snprintf(phrase, sizeof(phrase), "cloud ops_size 16 is smaller than "
	    "%zu (ABI 1.0)", sizeof(struct cp_cloud_ops));
	expect(&f, CP_E_PLUGIN, phrase);

	fx_init(&f);
	f.notifier.struct_size = 8;
	snprintf(phrase, sizeof(phrase), "notifier ops struct_size 8 differs "
	    "from ops_size %zu", sizeof(struct cp_notifier_ops));
	expect(&f, CP_E_PLUGIN, phrase);
}

/* Sets one required member of f to NULL. */
static void
clear_member(struct fx *f, const char *member)
{
	if (strcmp(member, "cloud") == 0)
		f->cloud.cloud = NULL;
	else if (strcmp(member, "validate") == 0)
		f->cloud.validate = NULL;
	else if (strcmp(member, "collect") == 0)
		f->cloud.collect = NULL;
	else if (strcmp(member, "scan") == 0)
		f->scanner.scan = NULL;
	else if (strcmp(member, "dest_type") == 0)
		f->notifier.dest_type = NULL;
	else if (strcmp(member, "send") == 0)
		f->notifier.send = NULL;
	else if (strcmp(member, "format") == 0)
		f->report.format = NULL;
	else if (strcmp(member, "open") == 0)
		f->report.open = NULL;
	else if (strcmp(member, "add_table") == 0)
		f->report.add_table = NULL;
	else if (strcmp(member, "add_row") == 0)
		f->report.add_row = NULL;
	else if (strcmp(member, "close") == 0)
		f->report.close = NULL;
	else if (strcmp(member, "run") == 0)
		f->policy.run = NULL;
	else
		CU_FAIL("unknown member");
}

static void
test_validate_requires_callbacks(void)
{
	static const struct {
		const char *kind, *member;
	} req[] = {
		{ "cloud", "cloud" }, { "cloud", "validate" },
		{ "cloud", "collect" }, { "scanner", "scan" },
		{ "notifier", "dest_type" }, { "notifier", "send" },
		{ "report", "format" }, { "report", "open" },
		{ "report", "add_table" }, { "report", "add_row" },
		{ "report", "close" }, { "policy", "run" },
	};
	struct fx f;
	char phrase[128];
	size_t i;

	for (i = 0; i < CP_ARRAY_LEN(req); i++) {
		fx_init(&f);
		clear_member(&f, req[i].member);
		snprintf(phrase, sizeof(phrase), "%s capability: required "
		    "member '%s' is NULL", req[i].kind, req[i].member);
		expect(&f, CP_E_PLUGIN, phrase);
	}
	/* Optional members may be NULL. */
	fx_init(&f);
	f.cloud.setup_guide = NULL;
	f.cloud.unit_kind = NULL;
	f.scanner.scanner = NULL;
	f.policy.policy_ids = NULL;
	expect(&f, CP_OK, NULL);
}

static void
test_validate_checks_schema(void)
{
	struct fx f;
	size_t i;

	fx_init(&f);
	f.keys[1].key = "Count";
	expect(&f, CP_E_PLUGIN, "config key 'Count' is not [a-z0-9_]{1,63}");
	f.keys[1].key = "a-b";
	expect(&f, CP_E_PLUGIN, "config key 'a-b' is not [a-z0-9_]{1,63}");
	f.keys[1].key = "";
	expect(&f, CP_E_PLUGIN, "config key '' is not [a-z0-9_]{1,63}");
	f.keys[1].key = "enabled";
	expect(&f, CP_E_PLUGIN, "config key 'enabled' belongs to the host");

	fx_init(&f);
	f.keys[1].type = 0;
	expect(&f, CP_E_PLUGIN, "config key 'count' has unknown type 0");
	f.keys[1].type = 7;
	expect(&f, CP_E_PLUGIN, "config key 'count' has unknown type 7");

	fx_init(&f);
	f.keys[1].flags = 0x4;
	expect(&f, CP_E_PLUGIN, "config key 'count' has unknown flags 0x4");

	fx_init(&f);
	f.keys[2].key = "greeting";
	expect(&f, CP_E_PLUGIN, "config key 'greeting' is declared twice");

	fx_init(&f);
	f.keys[1].min = 5;
	f.keys[1].max = 4;
	expect(&f, CP_E_PLUGIN, "config key 'count' has empty bounds [5, 4]");

	fx_init(&f);
	f.keys[1].def = "11";
	expect(&f, CP_E_PLUGIN, "config key 'count' has a bad default: '11' "
	    "is not an integer in [0, 10]");
	f.keys[1].type = CP_CFG_URL;
	f.keys[1].def = "not a url";
	expect(&f, CP_E_PLUGIN, "config key 'count' has a bad default: "
	    "'not a url' is not an http:// or https:// URL");

	fx_init(&f);
	f.keys[1].def = "yes";
	f.keys[1].type = CP_CFG_BOOL;
	expect(&f, CP_OK, NULL);
	f.keys[1].def = "sometimes";
	expect(&f, CP_E_PLUGIN, "config key 'count' has a bad default: "
	    "'sometimes' is not a boolean (yes/no, true/false, on/off, 1/0)");

	fx_init(&f);
	f.keys[0].description = "line\nbreak";
	expect(&f, CP_E_PLUGIN, "config key 'greeting' has control "
	    "characters in its description");

	/* 64 keys are fine, 65 are not. */
	fx_init(&f);
	for (i = 0; i < CP_PLUGIN_MAX_KEYS; i++) {
		static char names[CP_PLUGIN_MAX_KEYS][8];

		snprintf(names[i], sizeof(names[i]), "k%zu", i);
		f.keys[i] = (struct cp_config_key){ names[i], CP_CFG_STRING,
		    0, NULL, 0, 0, NULL };
	}
	expect(&f, CP_OK, NULL);
	CU_ASSERT_EQUAL(def.n_keys, CP_PLUGIN_MAX_KEYS);
	f.keys[CP_PLUGIN_MAX_KEYS] = (struct cp_config_key){ "one_more",
	    CP_CFG_STRING, 0, NULL, 0, 0, NULL };
	expect(&f, CP_E_PLUGIN, "config schema has more than 64 keys (or no "
	    "NULL key at its end)");
}

static void
test_validate_copies_env_params(void)
{
	const struct cp_config_key *k;
	struct fx f;

	fx_init(&f);
	expect(&f, CP_OK, NULL);
	CU_ASSERT_EQUAL(def.caps[0].n_env_params, 3);
	k = def.caps[0].ops.cloud.env_params;
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	/* The host's own copy, strings included, ending with a NULL key. */
	CU_ASSERT_PTR_EQUAL(k, def.caps[0].env_params);
	CU_ASSERT_PTR_NOT_EQUAL(k, f.env);
	CU_ASSERT_STRING_EQUAL(k[0].key, "region");
	CU_ASSERT_PTR_NOT_EQUAL(k[0].key, f.env_key);
	CU_ASSERT_STRING_EQUAL(k[0].def, "eu-1");
	CU_ASSERT_PTR_NOT_EQUAL(k[0].def, f.env[0].def);
	CU_ASSERT_STRING_EQUAL(k[0].description, "where");
	CU_ASSERT_EQUAL(k[0].flags, CP_CFG_REQUIRED);
	CU_ASSERT_STRING_EQUAL(k[1].key, "token");
	CU_ASSERT_EQUAL(k[1].flags, CP_CFG_REQUIRED | CP_CFG_SECRET);
	CU_ASSERT_PTR_NULL(k[1].def);
	CU_ASSERT_PTR_NULL(k[1].description);
	CU_ASSERT_STRING_EQUAL(k[2].key, "port");
	CU_ASSERT_EQUAL(k[2].min, 1);
	CU_ASSERT_EQUAL(k[2].max, 65535);
	CU_ASSERT_PTR_NULL(k[3].key);
	/* What the plugin changes afterwards does not reach the host. */
	f.env_key[0] = 'X';
	f.env[0].type = 99;
	CU_ASSERT_STRING_EQUAL(k[0].key, "region");
	CU_ASSERT_EQUAL(k[0].type, CP_CFG_STRING);

	/* None declared: NULL; an empty table: an empty copy. */
	fx_init(&f);
	f.cloud.env_params = NULL;
	expect(&f, CP_OK, NULL);
	CU_ASSERT_PTR_NULL(def.caps[0].ops.cloud.env_params);
	CU_ASSERT_PTR_NULL(def.caps[0].env_params);
	f.cloud.env_params = f.env + 3;
	expect(&f, CP_OK, NULL);
	CU_ASSERT_EQUAL(def.caps[0].n_env_params, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(def.caps[0].ops.cloud.env_params);
	CU_ASSERT_PTR_NULL(def.caps[0].ops.cloud.env_params[0].key);

	/* "enabled" is the host's in a config section only. */
	fx_init(&f);
	snprintf(f.env_key, sizeof(f.env_key), "enabled");
	expect(&f, CP_OK, NULL);

	/* Freed, def owns nothing more; freeing again is harmless. */
	cp_pdef_free(&def);
	CU_ASSERT_PTR_NULL(def.caps[0].env_params);
	CU_ASSERT_PTR_NULL(def.caps[0].ops.cloud.env_params);
	cp_pdef_free(&def);
	cp_pdef_free(NULL);
}

static void
test_validate_checks_env_params(void)
{
	static char names[CP_PLUGIN_MAX_KEYS][8];
	char long_desc[CP_PLUGIN_DESC_MAX + 2];
	struct fx f;
	size_t i;

	fx_init(&f);
	snprintf(f.env_key, sizeof(f.env_key), "Region");
	expect(&f, CP_E_PLUGIN,
	    "cloud env_params key 'Region' is not [a-z0-9_]{1,63}");
	snprintf(f.env_key, sizeof(f.env_key), "a\tb");
	expect(&f, CP_E_PLUGIN,
	    "cloud env_params key 'a?b' is not [a-z0-9_]{1,63}");

	fx_init(&f);
	f.env[1].type = 7;
	expect(&f, CP_E_PLUGIN,
	    "cloud env_params key 'token' has unknown type 7");
	fx_init(&f);
	f.env[1].flags = 0x10;
	expect(&f, CP_E_PLUGIN,
	    "cloud env_params key 'token' has unknown flags 0x10");
	fx_init(&f);
	f.env[2].key = "region";
	expect(&f, CP_E_PLUGIN,
	    "cloud env_params key 'region' is declared twice");
	fx_init(&f);
	f.env[2].min = 10;
	f.env[2].max = 1;
	expect(&f, CP_E_PLUGIN,
	    "cloud env_params key 'port' has empty bounds [10, 1]");

	/* Defaults must suit their type. */
	fx_init(&f);
	f.env[2].def = "70000";
	expect(&f, CP_E_PLUGIN, "cloud env_params key 'port' has a bad "
	    "default: '70000' is not an integer in [1, 65535]");
	fx_init(&f);
	f.env[0].type = CP_CFG_URL;
	expect(&f, CP_E_PLUGIN, "cloud env_params key 'region' has a bad "
	    "default: 'eu-1' is not an http:// or https:// URL");
	fx_init(&f);
	f.env[0].type = CP_CFG_BOOL;
	expect(&f, CP_E_PLUGIN, "cloud env_params key 'region' has a bad "
	    "default: 'eu-1' is not a boolean (yes/no, true/false, on/off, "
	    "1/0)");
	fx_init(&f);
	f.env[0].type = CP_CFG_PATH;
	expect(&f, CP_E_PLUGIN, "cloud env_params key 'region' has a bad "
	    "default: 'eu-1' is not an absolute path");
	fx_init(&f);
	f.env[0].def = "eu\n1";
	expect(&f, CP_E_PLUGIN, "cloud env_params key 'region' has a bad "
	    "default: the value contains control characters");

	/* Descriptions: bounded, no control characters. */
	fx_init(&f);
	f.env[2].description = "a \033[31mred\033[0m port";
	expect(&f, CP_E_PLUGIN, "cloud env_params key 'port' has control "
	    "characters in its description");
	memset(long_desc, 'd', sizeof(long_desc) - 1);
	long_desc[sizeof(long_desc) - 1] = '\0';
	f.env[2].description = long_desc;
	expect(&f, CP_E_PLUGIN, "cloud env_params key 'port' has a "
	    "description longer than 1024 bytes");
	long_desc[CP_PLUGIN_DESC_MAX] = '\0';
	expect(&f, CP_OK, NULL);

	/* 64 keys are fine, 65 (or no NULL key) are not. */
	fx_init(&f);
	for (i = 0; i < CP_PLUGIN_MAX_KEYS; i++) {
		snprintf(names[i], sizeof(names[i]), "e%zu", i);
		f.env[i] = (struct cp_config_key){ names[i], CP_CFG_STRING,
		    0, NULL, 0, 0, NULL };
	}
	expect(&f, CP_OK, NULL);
	CU_ASSERT_EQUAL(def.caps[0].n_env_params, CP_PLUGIN_MAX_KEYS);
	f.env[CP_PLUGIN_MAX_KEYS] = (struct cp_config_key){ "one_more",
	    CP_CFG_STRING, 0, NULL, 0, 0, NULL };
	expect(&f, CP_E_PLUGIN, "cloud env_params has more than 64 keys (or "
	    "no NULL key at its end)");

	/* A refusal after the copy was made leaves def owning nothing
	 * (the leak checkers of make check-valgrind and ASan see it). */
	fx_init(&f);
	f.caps[1] = f.caps[0];
	f.caps[2].kind = 42;
	expect(&f, CP_E_PLUGIN, "capability 2 has unknown kind 42");
	CU_ASSERT_PTR_NULL(def.caps[0].env_params);
	CU_ASSERT_PTR_NULL(def.caps[1].env_params);
	fx_init(&f);
	f.keys[1].type = 0;
	expect(&f, CP_E_PLUGIN, "config key 'count' has unknown type 0");
	CU_ASSERT_PTR_NULL(def.caps[0].env_params);
}

/*
 * A struct placed at the very end of a mapping followed by an
 * inaccessible page: reading a byte past its size crashes the test.
 */
static void *
at_page_end(void **map, size_t *map_len, size_t size)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m;

	*map_len = (size_t)pg * 2;
	m = mmap(NULL, *map_len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	if (mprotect(m + pg, (size_t)pg, PROT_NONE) != 0) {
		munmap(m, *map_len);
		return NULL;
	}
	*map = m;
	return m + pg - size;
}

static void
test_validate_reads_no_more_than_struct_size(void)
{
	struct fx f;
	struct cp_plugin_descriptor *d;
	struct cp_notifier_ops *n;
	struct {
		struct cp_plugin_descriptor d;
		char newer[64];
	} big;
	void *map1, *map2;
	size_t len1, len2;
	char why[256];

	fx_init(&f);
	d = at_page_end(&map1, &len1, sizeof(*d));
	n = at_page_end(&map2, &len2, sizeof(*n));
	CU_ASSERT_FATAL(d != NULL && n != NULL);
	*n = f.notifier;
	f.caps[2].ops = n;
	*d = f.desc;
	cp_pdef_free(&def);
	CU_ASSERT_EQUAL(cp_plugin_validate(d, CP_ABI_MAJOR, CP_ABI_MINOR,
	    &def, why, sizeof(why)), CP_OK);
	CU_ASSERT_PTR_EQUAL(def.caps[2].ops.notifier.send, fx_send);
	munmap(map1, len1);
	munmap(map2, len2);

	/* A larger struct (padded or newer) is copied up to the host's
	 * size only: what follows never reaches the host's copy. */
	fx_init(&f);
	memset(&big, 0xff, sizeof(big));
	big.d = f.desc;
	big.d.struct_size = sizeof(big);
	cp_pdef_free(&def);
	CU_ASSERT_EQUAL(cp_plugin_validate(&big.d, CP_ABI_MAJOR,
	    CP_ABI_MINOR, &def, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(def.desc.struct_size, sizeof(big));
}

static void
test_validate_names_kinds(void)
{
	CU_ASSERT_STRING_EQUAL(cp_cap_kind_name(CP_CAP_CLOUD), "cloud");
	CU_ASSERT_STRING_EQUAL(cp_cap_kind_name(CP_CAP_SCANNER), "scanner");
	CU_ASSERT_STRING_EQUAL(cp_cap_kind_name(CP_CAP_NOTIFIER),
	    "notifier");
	CU_ASSERT_STRING_EQUAL(cp_cap_kind_name(CP_CAP_REPORT), "report");
	CU_ASSERT_STRING_EQUAL(cp_cap_kind_name(CP_CAP_POLICY), "policy");
	CU_ASSERT_STRING_EQUAL(cp_cap_kind_name(CP_CAP_END), "unknown");
	CU_ASSERT_STRING_EQUAL(cp_cap_kind_name(99), "unknown");
	CU_ASSERT_STRING_EQUAL(cp_cap_kind_name(-1), "unknown");
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "accepts a complete plugin",
		    test_validate_accepts_a_complete_plugin },
		{ "refuses no descriptor",
		    test_validate_refuses_no_descriptor },
		{ "refuses bad magic", test_validate_refuses_bad_magic },
		{ "refuses other major", test_validate_refuses_other_major },
		{ "refuses newer minor", test_validate_refuses_newer_minor },
		{ "refuses small struct_size",
		    test_validate_refuses_small_struct_size },
		{ "refuses reserved", test_validate_refuses_reserved },
		{ "refuses unknown flags",
		    test_validate_refuses_unknown_flags },
		{ "checks name", test_validate_checks_name },
		{ "refuses null version", test_validate_refuses_null_version },
		{ "bounds capability list",
		    test_validate_bounds_capability_list },
		{ "refuses unknown kind", test_validate_refuses_unknown_kind },
		{ "checks ops sizes", test_validate_checks_ops_sizes },
		{ "requires callbacks", test_validate_requires_callbacks },
		{ "checks schema", test_validate_checks_schema },
		{ "copies env_params", test_validate_copies_env_params },
		{ "checks env_params", test_validate_checks_env_params },
		{ "reads no more than struct_size",
		    test_validate_reads_no_more_than_struct_size },
		{ "names kinds", test_validate_names_kinds },
		{ NULL, NULL }
	};

	int rc;

	rc = cp_test_run("plugin/validate", tests);
	cp_pdef_free(&def);
	return rc;
}
