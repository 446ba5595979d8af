/*
 * test_pconfig.c - an instance's configuration against a schema built in
 * memory: value checks of every type, defaults, and the exact
 * "file:line: [plugin:NAME] key 'x': message" diagnostics.
 */
#include "plugintest.h"

#include "plugin/host.h"
#include "plugin/pconfig.h"
#include "plugin/validate.h"

static const struct cp_config_key demo_keys[] = {
	{ "greeting", CP_CFG_STRING, CP_CFG_REQUIRED, NULL, 0, 0, "text" },
	{ "count", CP_CFG_INT, 0, "3", 0, 10, "a number" },
	{ "loud", CP_CFG_BOOL, 0, "no", 0, 0, "a switch" },
	{ "endpoint", CP_CFG_URL, 0, NULL, 0, 0, "a web address" },
	{ "server", CP_CFG_URL, 0, "smtp://localhost:25", 0, 0, "mail" },
	{ "dir", CP_CFG_PATH, 0, NULL, 0, 0, "a directory" },
	{ "tags", CP_CFG_LIST, 0, "a, b", 0, 0, "words" },
	{ "pin", CP_CFG_INT, CP_CFG_SECRET, NULL, 0, 9999, "a secret" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

static const struct cp_plugin_descriptor demo_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(demo_desc),
	.name = "demo",
	.version = "1",
	.config = demo_keys,
};

static const struct cp_plugin_descriptor plain_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(plain_desc),
	.name = "plain",
	.version = "1",
	.config = demo_keys + 1,	/* without the required key */
};

static struct cp_pdef demo, plain;
static struct cp_host_env env;
static struct pt_log logged;

static const struct cp_config_key *
key(const char *name)
{
	const struct cp_config_key *k = cp_pdef_key(&demo, name);

	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	return k;
}

/* Checks value against key name; expects phrase (NULL: accepted). */
static void
check(const char *name, const char *value, const char *phrase)
{
	char why[512] = "";
	cp_err r = cp_pconfig_check_value(key(name), value, why, sizeof(why));

	if (phrase == NULL) {
		CU_ASSERT_EQUAL(r, CP_OK);
		if (r != CP_OK)
			fprintf(stderr, "refused %s = %s: %s\n", name, value,
			    why);
		return;
	}
	CU_ASSERT_NOT_EQUAL(r, CP_OK);
	CU_ASSERT_STRING_EQUAL(why, phrase);
	if (strcmp(why, phrase) != 0)
		fprintf(stderr, "got:  %s\nwant: %s\n", why, phrase);
}

static void
test_pconfig_checks_values(void)
{
	char big[CP_PLUGIN_VALUE_MAX + 2];

	check("greeting", "anything at all, even = signs", NULL);
	check("count", "0", NULL);
	check("count", " 10 ", NULL);
	check("count", "11", "'11' is not an integer in [0, 10]");
	check("count", "-1", "'-1' is not an integer in [0, 10]");
	check("count", "3x", "'3x' is not an integer in [0, 10]");
	check("loud", "yes", NULL);
	check("loud", "Off", NULL);
	check("loud", "maybe", "'maybe' is not a boolean (yes/no, "
	    "true/false, on/off, 1/0)");
	check("endpoint", "https://example.com/x", NULL);
	check("endpoint", "HTTP://127.0.0.1:8080", NULL);
	check("endpoint", "ftp://example.com",
	    "'ftp://example.com' is not an http:// or https:// URL");
	check("endpoint", "https://", "'https://' is not an http:// or "
	    "https:// URL");
	check("endpoint", "https:///x", "'https:///x' is not an http:// or "
	    "https:// URL");
	check("endpoint", "example.com", "'example.com' is not an http:// "
	    "or https:// URL");
	/* A host must be named; a port is digits. */
	check("endpoint", "https://user:pw@example.com:8443/x?y#z", NULL);
	check("endpoint", "https://[::1]:8080/", NULL);
	check("endpoint", "http://h?q", NULL);
	check("endpoint", "https://:443/x", "'https://:443/x' is not an "
	    "http:// or https:// URL");
	check("endpoint", "https://user@/x", "'https://user@/x' is not an "
	    "http:// or https:// URL");
	check("endpoint", "https://?q", "'https://?q' is not an http:// or "
	    "https:// URL");
	check("endpoint", "https://[]:80", "'https://[]:80' is not an "
	    "http:// or https:// URL");
	check("endpoint", "https://[::1", "'https://[::1' is not an http:// "
	    "or https:// URL");
	check("endpoint", "https://h:", "'https://h:' is not an http:// or "
	    "https:// URL");
	check("endpoint", "https://h:80x", "'https://h:80x' is not an "
	    "http:// or https:// URL");
	check("endpoint", "https://h:123456", "'https://h:123456' is not an "
	    "http:// or https:// URL");
	check("endpoint", "https://[::1]x", "'https://[::1]x' is not an "
	    "http:// or https:// URL");
	/* The scheme of the default is accepted too. */
	check("server", "smtp://mail.example.com:587", NULL);
	check("server", "https://relay.example.com", NULL);
	check("server", "smtps://mail.example.com", "'smtps://mail.example."
	    "com' is not an http://, https:// or smtp:// URL");
	check("dir", "/var/lib/x", NULL);
	check("dir", "var/lib/x", "'var/lib/x' is not an absolute path");
	check("tags", "a, b,c", NULL);
	check("tags", "", NULL);
	check("tags", "a b, c", "'a b, c' is not a comma-separated list of "
	    "words");
	check("greeting", "a\x01z", "the value contains control characters");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	check("greeting", big, "the value is longer than 4096 bytes");
	/* A secret's value never shows. */
	check("pin", "1234", NULL);
	check("pin", "hunter2", "the value is not an integer in [0, 9999]");
}

static cp_plugin *
instance(const struct cp_pdef *def, const char *name)
{
	cp_plugin *p = cp_instance_create(&env, def, "/x/demo.so", name);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	return p;
}

static void
test_pconfig_applies_defaults(void)
{
	struct cp_diag d;
	cp_plugin *p;

	cp_diag_init(&d);
	p = instance(&plain, NULL);
	CU_ASSERT_EQUAL(cp_pconfig_apply(p, NULL, "(defaults)", &d), CP_OK);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_TRUE(p->enabled);
	CU_ASSERT_PTR_NULL(p->problem);
	CU_ASSERT_STRING_EQUAL(p->values[0], "3");
	CU_ASSERT_STRING_EQUAL(p->values[1], "no");
	CU_ASSERT_PTR_NULL(p->values[2]);
	CU_ASSERT_STRING_EQUAL(p->values[5], "a, b");
	cp_instance_destroy(p);

	/* Without a section, a required key leaves the instance off. */
	p = instance(&demo, NULL);
	CU_ASSERT_EQUAL(cp_pconfig_apply(p, NULL, "(defaults)", &d), CP_OK);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_FALSE(p->enabled);
	CU_ASSERT_STRING_EQUAL(p->problem, "not configured: needs greeting");
	CU_ASSERT_STRING_EQUAL(cp_pconfig_first_required(&demo), "greeting");
	CU_ASSERT_PTR_NULL(cp_pconfig_first_required(&plain));
	cp_instance_destroy(p);
	cp_diag_free(&d);
}

static void
test_pconfig_takes_section_values(void)
{
	struct cp_config_entry e[] = {
		PT_ENTRY("greeting", "hello", 3),
		PT_ENTRY("count", "7", 4),
		PT_ENTRY("pin", "0042", 5),
	};
	struct cp_plugin_section s = PT_SECTION("demo", NULL, 2, 1, e);
	struct cp_diag d;
	cp_plugin *p;

	cp_diag_init(&d);
	p = instance(&demo, NULL);
	CU_ASSERT_EQUAL(cp_pconfig_apply(p, &s, "/etc/cp.ini", &d), CP_OK);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_TRUE(p->enabled);
	CU_ASSERT_STRING_EQUAL(p->values[0], "hello");
	CU_ASSERT_STRING_EQUAL(p->values[1], "7");
	CU_ASSERT_STRING_EQUAL(p->values[2], "no");
	CU_ASSERT_STRING_EQUAL(p->values[7], "0042");
	cp_instance_destroy(p);
	cp_diag_free(&d);
}

static void
test_pconfig_reports_every_problem(void)
{
	struct cp_config_entry e[] = {
		PT_ENTRY("greeting", "hi", 3),
		PT_ENTRY("colour", "red", 4),
		PT_ENTRY("count", "11", 5),
		PT_ENTRY("pin", "hunter2", 6),
		PT_ENTRY("greeting", "again", 7),
		PT_ENTRY("dir", "relative/dir", 8),
	};
	struct cp_plugin_section s = PT_SECTION("demo", NULL, 2, 1, e);
	static const char *const want[] = {
		"/etc/cp.ini:4: [plugin:demo] key 'colour': unknown key "
		    "(known: greeting, count, loud, endpoint, server, dir, "
		    "tags, pin)",
		"/etc/cp.ini:5: [plugin:demo] key 'count': '11' is not an "
		    "integer in [0, 10]",
		"/etc/cp.ini:6: [plugin:demo] key 'pin': the value is not an "
		    "integer in [0, 9999]",
		"/etc/cp.ini:7: [plugin:demo] key 'greeting': given twice "
		    "(first at line 3)",
		"/etc/cp.ini:8: [plugin:demo] key 'dir': 'relative/dir' is "
		    "not an absolute path",
	};
	struct cp_diag d;
	cp_plugin *p;
	size_t i;

	cp_diag_init(&d);
	p = instance(&demo, NULL);
	CU_ASSERT_EQUAL(cp_pconfig_apply(p, &s, "/etc/cp.ini", &d),
	    CP_E_CONFIG);
	CU_ASSERT_EQUAL(d.n, CP_ARRAY_LEN(want));
	CU_ASSERT_EQUAL(d.errors, CP_ARRAY_LEN(want));
	for (i = 0; i < d.n && i < CP_ARRAY_LEN(want); i++) {
		CU_ASSERT_STRING_EQUAL(d.lines[i], want[i]);
		CU_ASSERT_PTR_NULL(strstr(d.lines[i], "hunter2"));
		if (strcmp(d.lines[i], want[i]) != 0)
			fprintf(stderr, "got:  %s\nwant: %s\n", d.lines[i],
			    want[i]);
	}
	CU_ASSERT_FALSE(p->enabled);
	CU_ASSERT_STRING_EQUAL(p->problem, "configuration error");
	cp_instance_destroy(p);
	cp_diag_free(&d);
}

static void
test_pconfig_requires_keys(void)
{
	struct cp_config_entry e[] = {
		PT_ENTRY("count", "2", 11),
	};
	struct cp_plugin_section s = PT_SECTION("demo", "two", 10, 1, e);
	struct cp_plugin_section off = PT_SECTION("demo", "off", 20, 0, e);
	struct cp_diag d;
	cp_plugin *p;

	cp_diag_init(&d);
	p = instance(&demo, "two");
	CU_ASSERT_EQUAL(cp_pconfig_apply(p, &s, "cp.ini", &d), CP_E_CONFIG);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.lines[0], "cp.ini:10: [plugin:demo/two] "
	    "key 'greeting': required but not given");
	cp_instance_destroy(p);

	/* A disabled section needs no required key; it is simply off. */
	p = instance(&demo, "off");
	CU_ASSERT_EQUAL(cp_pconfig_apply(p, &off, "cp.ini", &d), CP_OK);
	CU_ASSERT_EQUAL(d.n, 1);
	CU_ASSERT_FALSE(p->enabled);
	CU_ASSERT_PTR_NULL(p->problem);
	cp_instance_destroy(p);
	cp_diag_free(&d);
}

static void
test_pconfig_checks_disabled_sections_too(void)
{
	struct cp_config_entry e[] = {
		PT_ENTRY("loud", "maybe", 31),
	};
	struct cp_plugin_section off = PT_SECTION("demo", NULL, 30, 0, e);
	struct cp_diag d;
	cp_plugin *p;

	cp_diag_init(&d);
	p = instance(&demo, NULL);
	CU_ASSERT_EQUAL(cp_pconfig_apply(p, &off, "cp.ini", &d), CP_E_CONFIG);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.lines[0], "cp.ini:31: [plugin:demo] key "
	    "'loud': 'maybe' is not a boolean (yes/no, true/false, on/off, "
	    "1/0)");
	cp_instance_destroy(p);
	cp_diag_free(&d);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "checks values", test_pconfig_checks_values },
		{ "applies defaults", test_pconfig_applies_defaults },
		{ "takes section values", test_pconfig_takes_section_values },
		{ "reports every problem", test_pconfig_reports_every_problem },
		{ "requires keys", test_pconfig_requires_keys },
		{ "checks disabled sections too",
		    test_pconfig_checks_disabled_sections_too },
		{ NULL, NULL }
	};
	char why[256];
	int rc;

	env.log = pt_log_create(&logged);
	if (env.log == NULL ||
	    cp_plugin_validate(&demo_desc, CP_ABI_MAJOR, CP_ABI_MINOR, &demo,
	    why, sizeof(why)) != CP_OK ||
	    cp_plugin_validate(&plain_desc, CP_ABI_MAJOR, CP_ABI_MINOR,
	    &plain, why, sizeof(why)) != CP_OK) {
		fprintf(stderr, "set-up failed: %s\n", why);
		return 1;
	}
	rc = cp_test_run("plugin/pconfig", tests);
	cp_pdef_free(&demo);
	cp_pdef_free(&plain);
	cp_log_destroy(env.log);
	return rc;
}
