/*
 * test_vuln_match.c - NVD configurations against CPE names
 * (asm/vuln_match.c), on real records and on tricky hand-made ones.
 */
#include <stdio.h>
#include <string.h>

#include "asm/vuln_match.h"
#include "cptest.h"

static json_t *
record(const char *name)
{
	char path[1024];
	json_t *doc;

	snprintf(path, sizeof(path), "%s/tests/fixtures/asm/%s",
	    CP_TEST_SRCDIR(), name);
	doc = json_load_file(path, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	return doc;
}

static int
applies(const json_t *cfgs, const char *cpe, int *plat)
{
	struct cp_cpe c;
	char why[128];

	CU_ASSERT_EQUAL_FATAL(cp_cpe_parse(cpe, &c, why, sizeof(why)), CP_OK);
	return cp_vuln_configs_apply(cfgs, &c, plat);
}

static void
test_vuln_match_nginx_boundary(void)
{
	json_t *doc = record("nvd-cve-record-CVE-2022-41741-nginx.json");
	const json_t *cfg = json_object_get(doc, "configurations");

	/* versionEndIncluding 1.22.0: 1.22.1 is not affected. */
	CU_ASSERT_FALSE(applies(cfg, "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*",
	    NULL));
	CU_ASSERT_TRUE(applies(cfg, "cpe:2.3:a:f5:nginx:1.22.0:*:*:*:*:*:*:*",
	    NULL));
	CU_ASSERT_TRUE(applies(cfg, "cpe:2.3:a:f5:nginx:1.1.3:*:*:*:*:*:*:*",
	    NULL));
	CU_ASSERT_FALSE(applies(cfg, "cpe:2.3:a:f5:nginx:1.1.2:*:*:*:*:*:*:*",
	    NULL));
	/* Listed exactly. */
	CU_ASSERT_TRUE(applies(cfg, "cpe:2.3:a:f5:nginx:1.23.1:*:*:*:*:*:*:*",
	    NULL));
	CU_ASSERT_FALSE(applies(cfg, "cpe:2.3:a:f5:nginx:1.23.2:*:*:*:*:*:*:*",
	    NULL));
	/* plus r22..r27: a plus release, not the open source edition. */
	CU_ASSERT_TRUE(applies(cfg, "cpe:2.3:a:f5:nginx:r25:*:*:*:plus:*:*:*",
	    NULL));
	CU_ASSERT_FALSE(applies(cfg,
	    "cpe:2.3:a:f5:nginx:r25:*:*:*:open_source:*:*:*", NULL));
	/* Another product. */
	CU_ASSERT_FALSE(applies(cfg,
	    "cpe:2.3:a:apache:http_server:1.22.0:*:*:*:*:*:*:*", NULL));
	/* Version unknown: the product's whole list. */
	CU_ASSERT_TRUE(applies(cfg, "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*",
	    NULL));
	json_decref(doc);
}

static void
test_vuln_match_openssh_update(void)
{
	json_t *doc = record("nvd-cve-record-CVE-2023-38408-openssh.json");
	const json_t *cfg = json_object_get(doc, "configurations");
	int plat = -1;

	CU_ASSERT_TRUE(applies(cfg,
	    "cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*", &plat));
	CU_ASSERT_TRUE(applies(cfg,
	    "cpe:2.3:a:openbsd:openssh:9.3:p1:*:*:*:*:*:*", NULL));
	CU_ASSERT_FALSE(applies(cfg,
	    "cpe:2.3:a:openbsd:openssh:9.4:p1:*:*:*:*:*:*", NULL));
	CU_ASSERT_FALSE(applies(cfg,
	    "cpe:2.3:a:openbsd:openssh:9.3:p2:*:*:*:*:*:*", NULL));
	json_decref(doc);
}

static void
test_vuln_match_httpd_range(void)
{
	json_t *doc = record("nvd-cve-record-CVE-2023-45802-apache-httpd.json");
	const json_t *cfg = json_object_get(doc, "configurations");

	CU_ASSERT_TRUE(applies(cfg,
	    "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*", NULL));
	CU_ASSERT_TRUE(applies(cfg,
	    "cpe:2.3:a:apache:http_server:2.4.17:*:*:*:*:*:*:*", NULL));
	CU_ASSERT_FALSE(applies(cfg,
	    "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*", NULL));
	CU_ASSERT_FALSE(applies(cfg,
	    "cpe:2.3:a:apache:http_server:2.4.16:*:*:*:*:*:*:*", NULL));
	json_decref(doc);
}

static void
test_vuln_match_awaiting_analysis(void)
{
	json_t *doc = record(
	    "nvd-cve-record-CVE-2024-7347-nginx-awaiting-analysis.json");

	/* No configurations: applies to nothing yet. */
	CU_ASSERT_FALSE(applies(json_object_get(doc, "configurations"),
	    "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*", NULL));
	json_decref(doc);
}

static void
test_vuln_match_and_platform(void)
{
	/* An application on a platform (AND of a vulnerable node and a
	 * platform node), an AND node of two vulnerable entries, and a
	 * negated node. */
	json_t *cfgs = json_loads("["
	    "{\"operator\": \"AND\", \"nodes\": ["
	    " {\"operator\": \"OR\", \"cpeMatch\": [{\"vulnerable\": true,"
	    "  \"criteria\": \"cpe:2.3:a:acme:web:*:*:*:*:*:*:*:*\","
	    "  \"versionStartExcluding\": \"2.0\","
	    "  \"versionEndExcluding\": \"2.5\"}]},"
	    " {\"operator\": \"OR\", \"cpeMatch\": [{\"vulnerable\": false,"
	    "  \"criteria\": \"cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*\"}]}"
	    "]},"
	    "{\"nodes\": [{\"operator\": \"AND\", \"cpeMatch\": ["
	    " {\"vulnerable\": true,"
	    "  \"criteria\": \"cpe:2.3:a:acme:tool:1.0:*:*:*:*:*:*:*\"},"
	    " {\"vulnerable\": true,"
	    "  \"criteria\": \"cpe:2.3:a:acme:other:1.0:*:*:*:*:*:*:*\"}]}]}"
	    "]", 0, NULL);
	int plat = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfgs);
	CU_ASSERT_TRUE(applies(cfgs, "cpe:2.3:a:acme:web:2.4.9", &plat));
	CU_ASSERT_EQUAL(plat, 1);
	CU_ASSERT_FALSE(applies(cfgs, "cpe:2.3:a:acme:web:2.0", NULL));
	CU_ASSERT_TRUE(applies(cfgs, "cpe:2.3:a:acme:web:2.0.1", NULL));
	CU_ASSERT_FALSE(applies(cfgs, "cpe:2.3:a:acme:web:2.5", NULL));
	CU_ASSERT_TRUE(applies(cfgs, "cpe:2.3:a:acme:web:2.5rc1", NULL));
	/* One name cannot satisfy both vulnerable entries of an AND. */
	CU_ASSERT_FALSE(applies(cfgs, "cpe:2.3:a:acme:tool:1.0", NULL));
	/* The platform alone is not vulnerable. */
	CU_ASSERT_FALSE(applies(cfgs, "cpe:2.3:o:microsoft:windows:-", NULL));
	json_decref(cfgs);
}

static void
test_vuln_match_exchange_updates(void)
{
	json_t *doc = record("nvd-cves-2.0-cveId-CVE-2021-26855.json");
	const json_t *cve = json_object_get(json_array_get(
	    json_object_get(doc, "vulnerabilities"), 0), "cve");
	const json_t *cfg = json_object_get(cve, "configurations");

	CU_ASSERT_TRUE(applies(cfg, "cpe:2.3:a:microsoft:exchange_server:2013:"
	    "cumulative_update_21:*:*:*:*:*:*", NULL));
	CU_ASSERT_FALSE(applies(cfg, "cpe:2.3:a:microsoft:exchange_server:"
	    "2013:cumulative_update_99:*:*:*:*:*:*", NULL));
	json_decref(doc);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "nginx boundary", test_vuln_match_nginx_boundary },
		{ "openssh update", test_vuln_match_openssh_update },
		{ "httpd range", test_vuln_match_httpd_range },
		{ "awaiting analysis", test_vuln_match_awaiting_analysis },
		{ "AND and platform", test_vuln_match_and_platform },
		{ "exchange updates", test_vuln_match_exchange_updates },
		{ NULL, NULL },
	};

	return cp_test_run("vuln_match", tests);
}
