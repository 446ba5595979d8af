/*
 * test_abi.c - the plugin ABI pinned down.
 *
 * The _Static_asserts below fix the size and the offset of every member of
 * every struct that crosses the plugin boundary (plugin.h and http.h), and
 * the numbers of every enum and constant of the ABI, on LP64.  Reordering
 * a member, changing a type or inserting one anywhere but at the end makes
 * this file fail to compile: that is an ABI break (a new MAJOR).  Adding a
 * member at the end is a new MINOR: update these numbers and the ABI
 * history at the top of plugin.h together.
 *
 * The tests check that every plugin built in this tree exports exactly one
 * dynamic symbol, cp_plugin_entry (nm -D --defined-only).
 */
#include "plugintest.h"

#include <glob.h>
#include <sys/wait.h>

#include <cloudpatrol/cloudpatrol.h>

#define SIZE(s, n) _Static_assert(sizeof(struct s) == (n), \
	"the size of struct " #s " changed")
#define AT(s, m, off) _Static_assert(offsetof(struct s, m) == (off), \
	"struct " #s ": member " #m " moved")
#define VALUE(c, v) _Static_assert((c) == (v), #c " changed")

#if defined(__LP64__)

/* struct cp_config_key */
SIZE(cp_config_key, 48);
AT(cp_config_key, key, 0);
AT(cp_config_key, type, 8);
AT(cp_config_key, flags, 12);
AT(cp_config_key, def, 16);
AT(cp_config_key, min, 24);
AT(cp_config_key, max, 32);
AT(cp_config_key, description, 40);

/* struct cp_text_out */
SIZE(cp_text_out, 24);
AT(cp_text_out, struct_size, 0);
AT(cp_text_out, write, 8);
AT(cp_text_out, ud, 16);

/* struct cp_inventory_sink */
SIZE(cp_inventory_sink, 56);
AT(cp_inventory_sink, struct_size, 0);
AT(cp_inventory_sink, resource, 8);
AT(cp_inventory_sink, event, 16);
AT(cp_inventory_sink, cost, 24);
AT(cp_inventory_sink, collector_error, 32);
AT(cp_inventory_sink, ud, 40);
AT(cp_inventory_sink, since, 48);

/* struct cp_unit_sink */
SIZE(cp_unit_sink, 24);
AT(cp_unit_sink, struct_size, 0);
AT(cp_unit_sink, unit, 8);
AT(cp_unit_sink, ud, 16);

/* struct cp_observation_sink */
SIZE(cp_observation_sink, 24);
AT(cp_observation_sink, struct_size, 0);
AT(cp_observation_sink, observe, 8);
AT(cp_observation_sink, ud, 16);

/* struct cp_capability */
SIZE(cp_capability, 16);
AT(cp_capability, kind, 0);
AT(cp_capability, ops_size, 4);
AT(cp_capability, ops, 8);

/* struct cp_validate_result */
SIZE(cp_validate_result, 648);
AT(cp_validate_result, struct_size, 0);
AT(cp_validate_result, remediation_capable, 4);
AT(cp_validate_result, account, 8);
AT(cp_validate_result, detail, 136);

/* struct cp_cloud_ops */
SIZE(cp_cloud_ops, 80);
AT(cp_cloud_ops, struct_size, 0);
AT(cp_cloud_ops, cloud, 8);
AT(cp_cloud_ops, unit_kind, 16);
AT(cp_cloud_ops, env_params, 24);
AT(cp_cloud_ops, setup_guide, 32);
AT(cp_cloud_ops, validate, 40);
AT(cp_cloud_ops, discover_units, 48);
AT(cp_cloud_ops, collect, 56);
AT(cp_cloud_ops, remediate, 64);
AT(cp_cloud_ops, flags, 72);

/* struct cp_scanner_ops */
SIZE(cp_scanner_ops, 24);
AT(cp_scanner_ops, struct_size, 0);
AT(cp_scanner_ops, scanner, 8);
AT(cp_scanner_ops, scan, 16);

/* struct cp_notifier_ops */
SIZE(cp_notifier_ops, 32);
AT(cp_notifier_ops, struct_size, 0);
AT(cp_notifier_ops, dest_type, 8);
AT(cp_notifier_ops, check_destination, 16);
AT(cp_notifier_ops, send, 24);

/* struct cp_report_ops */
SIZE(cp_report_ops, 48);
AT(cp_report_ops, struct_size, 0);
AT(cp_report_ops, format, 8);
AT(cp_report_ops, open, 16);
AT(cp_report_ops, add_table, 24);
AT(cp_report_ops, add_row, 32);
AT(cp_report_ops, close, 40);

/* struct cp_policy_ops */
SIZE(cp_policy_ops, 24);
AT(cp_policy_ops, struct_size, 0);
AT(cp_policy_ops, policy_ids, 8);
AT(cp_policy_ops, run, 16);

/* struct cp_host */
SIZE(cp_host, 176);
AT(cp_host, struct_size, 0);
AT(cp_host, abi_major, 4);
AT(cp_host, abi_minor, 8);
AT(cp_host, reserved0, 12);
AT(cp_host, log, 16);
AT(cp_host, config_get, 24);
AT(cp_host, config_get_int, 32);
AT(cp_host, config_get_bool, 40);
AT(cp_host, strerror, 48);
AT(cp_host, now, 56);
AT(cp_host, cancelled, 64);
AT(cp_host, secret_read_file, 72);
AT(cp_host, secret_free, 80);
AT(cp_host, http_new, 88);
AT(cp_host, http_free, 96);
AT(cp_host, http_set_limits, 104);
AT(cp_host, http_perform, 112);
AT(cp_host, http_perform_many, 120);
AT(cp_host, http_paginate, 128);
AT(cp_host, http_response_free, 136);
AT(cp_host, http_header, 144);
AT(cp_host, http_errmsg, 152);
AT(cp_host, json_parse, 160);
AT(cp_host, xml_parse, 168);

/* struct cp_plugin_descriptor */
SIZE(cp_plugin_descriptor, 112);
AT(cp_plugin_descriptor, magic, 0);
AT(cp_plugin_descriptor, abi_major, 4);
AT(cp_plugin_descriptor, abi_minor, 8);
AT(cp_plugin_descriptor, struct_size, 12);
AT(cp_plugin_descriptor, flags, 16);
AT(cp_plugin_descriptor, reserved_flags, 20);
AT(cp_plugin_descriptor, name, 24);
AT(cp_plugin_descriptor, version, 32);
AT(cp_plugin_descriptor, description, 40);
AT(cp_plugin_descriptor, caps, 48);
AT(cp_plugin_descriptor, config, 56);
AT(cp_plugin_descriptor, init, 64);
AT(cp_plugin_descriptor, fini, 72);
AT(cp_plugin_descriptor, reserved, 80);

/* struct cp_http_request */
SIZE(cp_http_request, 96);
AT(cp_http_request, struct_size, 0);
AT(cp_http_request, flags, 4);
AT(cp_http_request, method, 8);
AT(cp_http_request, url, 16);
AT(cp_http_request, headers, 24);
AT(cp_http_request, body, 32);
AT(cp_http_request, body_len, 40);
AT(cp_http_request, connect_timeout_ms, 48);
AT(cp_http_request, timeout_ms, 56);
AT(cp_http_request, max_body, 64);
AT(cp_http_request, max_retries, 72);
AT(cp_http_request, max_pages, 76);
AT(cp_http_request, sign, 80);
AT(cp_http_request, sign_ud, 88);

/* struct cp_http_response */
SIZE(cp_http_response, 64);
AT(cp_http_response, struct_size, 0);
AT(cp_http_response, status, 8);
AT(cp_http_response, body, 16);
AT(cp_http_response, body_len, 24);
AT(cp_http_response, headers, 32);
AT(cp_http_response, n_headers, 40);
AT(cp_http_response, attempts, 48);
AT(cp_http_response, seconds, 56);

#endif /* LP64 */

/* Constants and enum values: frozen like the layout. */
VALUE(CP_PLUGIN_MAGIC, 0x43504c47u);
VALUE(CP_ABI_MAJOR, 1u);
VALUE(CP_ABI_MINOR, 1u);
VALUE(CP_LOG_ERROR, 0);
VALUE(CP_LOG_WARNING, 1);
VALUE(CP_LOG_INFO, 2);
VALUE(CP_LOG_DEBUG, 3);
VALUE(CP_CFG_STRING, 1);
VALUE(CP_CFG_INT, 2);
VALUE(CP_CFG_BOOL, 3);
VALUE(CP_CFG_URL, 4);
VALUE(CP_CFG_PATH, 5);
VALUE(CP_CFG_LIST, 6);
VALUE(CP_CFG_REQUIRED, 0x1u);
VALUE(CP_CFG_SECRET, 0x2u);
VALUE(CP_CAP_END, 0);
VALUE(CP_CAP_CLOUD, 1);
VALUE(CP_CAP_SCANNER, 2);
VALUE(CP_CAP_NOTIFIER, 3);
VALUE(CP_CAP_REPORT, 4);
VALUE(CP_CAP_POLICY, 5);
VALUE(CP_SEND_OK, 0);
VALUE(CP_SEND_RETRY, 1);
VALUE(CP_SEND_FAILED, 2);
VALUE(CP_CLOUD_F_INSPECT_OPT_IN, 0x1u);
VALUE(CP_HTTP_F_NO_RETRY_STATUS, 0x1u);
VALUE(CP_HTTP_DEFAULT_MAX_BODY, 16u * 1024 * 1024);
VALUE(CP_HTTP_DEFAULT_MAX_PAGES, 10000u);

/*
 * The defined dynamic symbols of the shared object at path, one per line,
 * into buf.  Returns the number of symbols, or -1 when nm failed.
 */
static int
dynamic_symbols(const char *path, char *buf, size_t n)
{
	int fds[2], status, count = 0;
	size_t have = 0;
	ssize_t r;
	pid_t pid;
	char *line, *end, out[8192];

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execlp("nm", "nm", "-D", "--defined-only", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (have < sizeof(out) - 1 &&
	    (r = read(fds[0], out + have, sizeof(out) - 1 - have)) > 0)
		have += (size_t)r;
	out[have] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	/* "0000000000001550 T cp_plugin_entry": keep the name. */
	buf[0] = '\0';
	for (line = out; *line != '\0'; line = end) {
		const char *name;

		end = strchr(line, '\n');
		if (end != NULL)
			*end++ = '\0';
		else
			end = line + strlen(line);
		if (*line == '\0')
			continue;
		name = strrchr(line, ' ');
		name = name != NULL ? name + 1 : line;
		snprintf(buf + strlen(buf), n - strlen(buf), "%s%s",
		    count > 0 ? "\n" : "", name);
		count++;
	}
	return count;
}

static void
expect_only(const char *path, const char *symbol)
{
	char syms[4096];
	int n = dynamic_symbols(path, syms, sizeof(syms));

	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_STRING_EQUAL(n >= 0 ? syms : "(nm failed)", symbol);
	if (n != 1 || strcmp(syms, symbol) != 0)
		fprintf(stderr, "%s exports:\n%s\n", path,
		    n >= 0 ? syms : "(nm failed)");
}

static void
test_abi_test_plugins_export_only_the_entry(void)
{
	static const char *const names[] = { "good", "minimal",
	    "wrong-major", "newer-minor", "bad-magic", "reserved",
	    "null-callback", "dup-name", "refuses-host" };
	char path[4096];
	size_t i;

	for (i = 0; i < CP_ARRAY_LEN(names); i++) {
		pt_fixture(names[i], path, sizeof(path));
		expect_only(path, CP_PLUGIN_ENTRY_SYMBOL);
	}
	/* The fixture without an entry exports its other symbol only. */
	pt_fixture("no-entry", path, sizeof(path));
	expect_only(path, "cp_plugin_start");
}

static void
test_abi_tree_plugins_export_only_the_entry(void)
{
	char pattern[4096];
	glob_t g;
	size_t i;

	snprintf(pattern, sizeof(pattern), "%s/plugins/*/.libs/*.so",
	    pt_builddir());
	memset(&g, 0, sizeof(g));
	if (glob(pattern, 0, NULL, &g) != 0) {
		/* No plugin built in the tree yet: nothing to check. */
		globfree(&g);
		return;
	}
	for (i = 0; i < g.gl_pathc; i++)
		expect_only(g.gl_pathv[i], CP_PLUGIN_ENTRY_SYMBOL);
	globfree(&g);
}

static json_t *
fake_parse(const char *buf, size_t len, char *why, size_t why_size)
{
	return NULL;
}

static void
test_abi_host_has_tests_size_and_presence(void)
{
	struct cp_host h;

	memset(&h, 0, sizeof(h));
	h.struct_size = offsetof(struct cp_host, json_parse);
	h.json_parse = NULL;
	CU_ASSERT_FALSE(CP_HOST_HAS(&h, json_parse));
	h.struct_size = sizeof(h);
	CU_ASSERT_FALSE(CP_HOST_HAS(&h, json_parse));
	h.json_parse = fake_parse;
	CU_ASSERT_TRUE(CP_HOST_HAS(&h, json_parse));
	h.struct_size = offsetof(struct cp_host, json_parse) +
	    sizeof(h.json_parse) - 1;
	CU_ASSERT_FALSE(CP_HOST_HAS(&h, json_parse));
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "test plugins export only the entry",
		    test_abi_test_plugins_export_only_the_entry },
		{ "tree plugins export only the entry",
		    test_abi_tree_plugins_export_only_the_entry },
		{ "host_has tests size and presence",
		    test_abi_host_has_tests_size_and_presence },
		{ NULL, NULL }
	};

	return cp_test_run("plugin/abi", tests);
}
