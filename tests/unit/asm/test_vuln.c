/*
 * test_vuln.c - the cache (asm/vuln.c): imports of the real samples, a
 * lookup offline that joins NVD, EPSS, KEV and JVN, all-or-nothing
 * imports, ages from an injected clock, the [vuln] settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "asm/vuln.h"
#include "cptest.h"

static char dir[] = "/tmp/cp-test-vuln.XXXXXX";
static time_t fake_now;

static time_t
clock_fn(void *ud)
{
	(void)ud;
	return fake_now;
}

static void
fixture(const char *name, char *path, size_t n)
{
	snprintf(path, n, "%s/tests/fixtures/asm/%s", CP_TEST_SRCDIR(), name);
}

static void
settings(struct cp_vuln_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->nvd_url = s->epss_url = s->kev_url = s->jvn_url =
	    "http://127.0.0.1:9/none";
	s->jvn_lang = "ja";
	s->max_age[CP_VULN_NVD] = 3600;
	s->max_age[CP_VULN_EPSS] = 3600;
	s->max_age[CP_VULN_KEV] = 3600;
	s->max_age[CP_VULN_JVN] = 3600;
	s->nvd_window = 30;
	s->nvd_page_size = 500;
}

static void
import_ok(cp_vuln *v, enum cp_vuln_source src, const char *name,
    size_t want)
{
	char path[1024];
	size_t items = 0;

	fixture(name, path, sizeof(path));
	CU_ASSERT_EQUAL(cp_vuln_import(v, src, path, &items), CP_OK);
	if (want > 0)
		CU_ASSERT_EQUAL(items, want);
}

/* A JVN answer naming CVE-2023-38408 (built like the real sample). */
static void
write_jvn(const char *path)
{
	FILE *fp = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<rdf:RDF xmlns=\"http://purl.org/rss/1.0/\" "
	    "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
	    "xmlns:sec=\"http://jvn.jp/rss/mod_sec/3.0/\" "
	    "xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\">"
	    "<item rdf:about=\"x\"><title>OpenSSH の ssh-agent における脆弱性"
	    "</title><sec:identifier>JVNDB-2023-000001</sec:identifier>"
	    "<sec:references source=\"CVE\" id=\"CVE-2023-38408\">u"
	    "</sec:references><sec:cvss score=\"9.8\" severity=\"Critical\" "
	    "version=\"3.0\" type=\"Base\"/></item>"
	    "<status:Status retCd=\"0\" totalRes=\"1\" totalResRet=\"1\" "
	    "firstRes=\"1\"/></rdf:RDF>\n");
	fclose(fp);
}

static void
test_vuln_import_and_lookup(void)
{
	struct cp_vuln_settings s;
	struct cp_vuln_result *res = NULL;
	cp_store *st = NULL;
	cp_vuln *v = NULL;
	char path[1024];
	json_t *doc;

	settings(&s);
	CU_ASSERT_EQUAL_FATAL(cp_store_open(dir, CP_STORE_CREATE, &st), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_vuln_create(st, NULL, &s, &v), CP_OK);
	fake_now = 1700000000;
	cp_vuln_set_clock(v, clock_fn, NULL);
	import_ok(v, CP_VULN_NVD, "nvd-cve-record-CVE-2023-38408-openssh.json",
	    1);
	import_ok(v, CP_VULN_NVD, "nvd-cve-record-CVE-2022-41741-nginx.json",
	    1);
	import_ok(v, CP_VULN_NVD,
	    "nvd-cve-record-CVE-2024-7347-nginx-awaiting-analysis.json", 1);
	import_ok(v, CP_VULN_KEV, "kev-catalog.json", 1674);
	import_ok(v, CP_VULN_EPSS, "epss-scores-daily-csv-subset.csv", 0);
	snprintf(path, sizeof(path), "%s/jvn.xml", dir);
	write_jvn(path);
	{
		size_t items;

		CU_ASSERT_EQUAL(cp_vuln_import(v, CP_VULN_JVN, path, &items),
		    CP_OK);
		CU_ASSERT_EQUAL(items, 1);
	}
	/* An EPSS score for the OpenSSH CVE, gzip-compressed. */
	snprintf(path, sizeof(path), "%s/epss.csv.gz", dir);
	{
		gzFile gz = gzopen(path, "wb");
		size_t items;

		CU_ASSERT_PTR_NOT_NULL_FATAL(gz);
		gzputs(gz, "#model_version:v2023.03.01,score_date:"
		    "2024-01-02T00:00:00Z\ncve,epss,percentile\n"
		    "CVE-2023-38408,0.41,0.97\n");
		gzclose(gz);
		CU_ASSERT_EQUAL(cp_vuln_import(v, CP_VULN_EPSS, path, &items),
		    CP_OK);
		CU_ASSERT_EQUAL(items, 1);
	}

	fake_now += 7200;
	CU_ASSERT_EQUAL_FATAL(cp_vuln_lookup(v,
	    "cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*", CP_VULN_OFFLINE,
	    &res), CP_OK);
	CU_ASSERT_EQUAL_FATAL(res->n, 1);
	CU_ASSERT_STRING_EQUAL(res->matches[0].cve, "CVE-2023-38408");
	CU_ASSERT_DOUBLE_EQUAL(res->matches[0].cvss, 9.8, 0.001);
	CU_ASSERT_STRING_EQUAL(res->matches[0].severity, "CRITICAL");
	CU_ASSERT_DOUBLE_EQUAL(res->matches[0].epss, 0.41, 1e-9);
	CU_ASSERT_EQUAL(res->matches[0].kev, 0);
	CU_ASSERT_STRING_EQUAL(res->matches[0].jvn_id, "JVNDB-2023-000001");
	CU_ASSERT_EQUAL(res->age[CP_VULN_NVD], 7200);
	CU_ASSERT_EQUAL(res->age[CP_VULN_KEV], 7200);
	doc = cp_vuln_result_json(res);
	CU_ASSERT_PTR_NOT_NULL(doc);
	json_decref(doc);
	cp_vuln_result_free(res);

	/* nginx 1.22.1: CVE-2022-41741 ends at 1.22.0; CVE-2024-7347 has
	 * no configurations yet. */
	CU_ASSERT_EQUAL_FATAL(cp_vuln_lookup(v, "cpe:2.3:a:f5:nginx:1.22.1",
	    CP_VULN_OFFLINE, &res), CP_OK);
	CU_ASSERT_EQUAL(res->n, 0);
	cp_vuln_result_free(res);
	CU_ASSERT_EQUAL_FATAL(cp_vuln_lookup(v, "cpe:2.3:a:f5:nginx:1.22.0",
	    CP_VULN_OFFLINE, &res), CP_OK);
	CU_ASSERT_EQUAL(res->n, 1);
	cp_vuln_result_free(res);

	CU_ASSERT_EQUAL(cp_vuln_lookup(v, "nginx 1.22", 0, &res),
	    CP_E_INVALID);
	CU_ASSERT_PTR_NULL(res);

	CU_ASSERT_EQUAL(cp_vuln_status(v, &doc), CP_OK);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(
	    doc, "kev"), "records")), 1674);
	json_decref(doc);
	cp_vuln_destroy(v);
	cp_store_close(st);
}

static void
test_vuln_bad_file_leaves_cache(void)
{
	struct cp_vuln_settings s;
	cp_store *st = NULL;
	cp_vuln *v = NULL;
	char path[1024];
	json_t *before, *after;
	size_t items;
	FILE *fp;

	settings(&s);
	CU_ASSERT_EQUAL_FATAL(cp_store_open(dir, CP_STORE_CREATE, &st), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_vuln_create(st, NULL, &s, &v), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_vuln_status(v, &before), CP_OK);
	/* A KEV catalog whose last entry is broken: nothing changes. */
	snprintf(path, sizeof(path), "%s/bad-kev.json", dir);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fprintf(fp, "{\"catalogVersion\": \"x\", \"vulnerabilities\": ["
	    "{\"cveID\": \"CVE-2021-44228\", \"dateAdded\": \"2021-12-10\"},"
	    "{\"cveID\": \"CVE-2021-44228\", \"dateAdded\": \"yesterday\"}]}");
	fclose(fp);
	CU_ASSERT_EQUAL(cp_vuln_import(v, CP_VULN_KEV, path, &items),
	    CP_E_PARSE);
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_vuln_errmsg(v), "unchanged"));
	/* Not JSON at all, and a missing file. */
	fixture("epss-scores-daily-csv-subset.csv", path, sizeof(path));
	CU_ASSERT_EQUAL(cp_vuln_import(v, CP_VULN_NVD, path, &items),
	    CP_E_PARSE);
	CU_ASSERT_EQUAL(cp_vuln_import(v, CP_VULN_JVN, "/nonexistent/x.xml",
	    &items), CP_E_IO);
	CU_ASSERT_EQUAL_FATAL(cp_vuln_status(v, &after), CP_OK);
	CU_ASSERT_TRUE(json_equal(before, after));
	json_decref(before);
	json_decref(after);
	cp_vuln_destroy(v);
	cp_store_close(st);
}

static void
test_vuln_settings(void)
{
	struct cp_config *cfg = NULL;
	struct cp_vuln_settings s;
	struct cp_diag d;
	char path[1024], keyfile[1024], *key = NULL;
	FILE *fp;

	snprintf(keyfile, sizeof(keyfile), "%s/nvd.key", dir);
	fp = fopen(keyfile, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fprintf(fp, "abcd-1234\n");
	fclose(fp);
	chmod(keyfile, 0600);
	snprintf(path, sizeof(path), "%s/cp.ini", dir);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fprintf(fp, "[core]\nstate_dir = %s\n[vuln]\nnvd_url = "
	    "http://127.0.0.1:1/nvd\nnvd_max_age = 2d\nnvd_window = 0.05\n"
	    "nvd_api_key_file = %s\nonline = no\n", dir, keyfile);
	fclose(fp);
	cp_diag_init(&d);
	CU_ASSERT_EQUAL_FATAL(cp_config_load(path, &cfg, &d), CP_OK);
	CU_ASSERT_EQUAL(cp_vuln_settings_from_config(cfg, &s, &key, &d),
	    CP_OK);
	CU_ASSERT_STRING_EQUAL(s.nvd_url, "http://127.0.0.1:1/nvd");
	CU_ASSERT_EQUAL(s.max_age[CP_VULN_NVD], 2 * 86400);
	CU_ASSERT_EQUAL(s.max_age[CP_VULN_KEV], 86400);
	CU_ASSERT_DOUBLE_EQUAL(s.nvd_window, 0.05, 1e-9);
	CU_ASSERT_EQUAL(s.online, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	CU_ASSERT_STRING_EQUAL(key, "abcd-1234");
	free(key);
	cp_config_free(cfg);
	cp_diag_free(&d);

	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fprintf(fp, "[vuln]\nkev_max_age = soon\ncolour = blue\n"
	    "nvd_url = http://example.com/\n");
	fclose(fp);
	cp_diag_init(&d);
	CU_ASSERT_EQUAL_FATAL(cp_config_load(path, &cfg, &d), CP_OK);
	CU_ASSERT_EQUAL(cp_vuln_settings_from_config(cfg, &s, &key, &d),
	    CP_E_CONFIG);
	CU_ASSERT_EQUAL(d.errors, 3);
	free(key);
	cp_config_free(cfg);
	cp_diag_free(&d);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "import and lookup", test_vuln_import_and_lookup },
		{ "bad file leaves cache", test_vuln_bad_file_leaves_cache },
		{ "settings", test_vuln_settings },
		{ NULL, NULL },
	};
	char cmd[128];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	rc = cp_test_run("vuln", tests);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 2;
	return rc;
}
