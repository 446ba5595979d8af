/*
 * test_asm.c - the ASM report (report/asm.c): observations stored by
 * hand, a vulnerability cache filled from the real samples of
 * tests/fixtures/asm (NVD, KEV, EPSS), rows per (target, port, CPE, CVE),
 * the latest observation of a port only, the notes for a CPE the cache
 * knows nothing of and a service without a CPE, a target never seen,
 * --target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asm/asm.h"
#include "asm/vuln.h"
#include "rectest.h"
#include "report/asm.h"

enum {
	C_TARGET, C_ADDRESS, C_PORT, C_SERVICE, C_BANNER, C_HTTP_STATUS,
	C_HTTP_SERVER, C_HTTP_TITLE, C_TLS_PROTO, C_TLS_SUBJECT, C_TLS_ISSUER,
	C_TLS_EXPIRY, C_TLS_FLAGS, C_CPE, C_CVE, C_CVSS, C_SEVERITY, C_EPSS,
	C_KEV, C_JVN_ID, C_JVN_TITLE, C_NOTE, C_SEEN, NCOLS
};

static char dir[] = "/tmp/cp-test-rasm.XXXXXX";

static void
import(cp_vuln *v, enum cp_vuln_source src, const char *name)
{
	char path[1024];
	size_t items = 0;

	snprintf(path, sizeof(path), "%s/tests/fixtures/asm/%s",
	    CP_TEST_SRCDIR(), name);
	CU_ASSERT_EQUAL(cp_vuln_import(v, src, path, &items), CP_OK);
}

static void
observe(cp_store *st, int64_t scan, int64_t portal, const char *target,
    const char *json)
{
	json_t *o = json_loads(json, 0, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(cp_asm_observation_add(st, scan, portal, target, o),
	    CP_OK);
	json_decref(o);
}

static void
add_target(cp_store *st, int64_t portal, const char *text)
{
	struct cp_asm_target t;
	char why[256];

	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse(text, &t, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_asm_target_add(st, portal, &t), CP_OK);
}

static cp_err
run(cp_store *st, int64_t portal, const char *target, struct rec *rc)
{
	struct cp_report_opts o;
	cp_report *rep = NULL;
	char why[512];
	size_t rows = 0;
	cp_err r;

	memset(&o, 0, sizeof(o));
	o.lang = "en";
	o.text_fn = rec_row;
	o.text_ud = rc;
	CU_ASSERT_EQUAL_FATAL(cp_report_open(&o, &rep, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_report_table(rep, cp_report_asm_table()), CP_OK);
	why[0] = '\0';
	r = cp_report_asm_rows(st, portal, target, NULL, "en", rep, &rows,
	    why, sizeof(why));
	cp_report_close(rep, r == CP_OK, why, sizeof(why));
	return r;
}

/* The row of port and cve (or "" for none). */
static size_t
row_of(const struct rec *rc, const char *port, const char *cve)
{
	size_t i;

	for (i = 1; i < rec_count(rc); i++)
		if (strcmp(rec_cell(rc, i, C_PORT), port) == 0 &&
		    strcmp(rec_cell(rc, i, C_CVE), cve) == 0)
			return i;
	return 0;
}

static void
test_asm_report(void)
{
	struct cp_vuln_settings s;
	struct cp_asm_scan sc;
	struct rec rc;
	cp_store *st = NULL;
	cp_vuln *v = NULL;
	int64_t portal, scan1, scan2;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(cp_store_open(dir, CP_STORE_CREATE, &st), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_portal_add(st, "p", "en", &portal), CP_OK);
	memset(&s, 0, sizeof(s));
	s.nvd_window = 30;
	s.nvd_page_size = 500;
	CU_ASSERT_EQUAL_FATAL(cp_vuln_create(st, NULL, &s, &v), CP_OK);
	import(v, CP_VULN_NVD, "nvd-cve-record-CVE-2022-41741-nginx.json");
	import(v, CP_VULN_NVD, "nvd-cve-record-CVE-2023-38408-openssh.json");
	import(v, CP_VULN_KEV, "kev-catalog.json");
	import(v, CP_VULN_EPSS, "epss-scores-daily-csv-subset.csv");
	cp_vuln_destroy(v);

	add_target(st, portal, "127.0.0.1");
	add_target(st, portal, "127.0.0.2");
	memset(&sc, 0, sizeof(sc));
	sc.portal_id = portal;
	sc.who = "test";
	sc.targets = "[\"127.0.0.1\"]";
	sc.n_targets = 1;
	sc.ports = "top";
	CU_ASSERT_EQUAL_FATAL(cp_asm_scan_begin(st, &sc, "running", "",
	    &scan1), CP_OK);
	/* An older look at port 80: replaced by the later one. */
	observe(st, scan1, portal, "127.0.0.1", "{\"address\":\"127.0.0.1\","
	    "\"port\":80,\"service\":\"http\",\"http\":{\"status\":200,"
	    "\"server\":\"old\"},\"cpe\":[]}");
	CU_ASSERT_EQUAL_FATAL(cp_asm_scan_begin(st, &sc, "running", "",
	    &scan2), CP_OK);
	observe(st, scan2, portal, "127.0.0.1", "{\"address\":\"127.0.0.1\","
	    "\"port\":80,\"service\":\"http\",\"http\":{\"status\":200,"
	    "\"server\":\"nginx/1.22.0\",\"title\":\"Welcome\"},"
	    "\"cpe\":[\"cpe:2.3:a:f5:nginx:1.22.0:*:*:*:*:*:*:*\"]}");
	observe(st, scan2, portal, "127.0.0.1", "{\"address\":\"127.0.0.1\","
	    "\"port\":22,\"service\":\"ssh\",\"banner\":\"SSH-2.0-OpenSSH_9.2p1"
	    "\",\"cpe\":[\"cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*\"]}");
	observe(st, scan2, portal, "127.0.0.1", "{\"address\":\"127.0.0.1\","
	    "\"port\":443,\"service\":\"https\",\"tls\":{\"protocol\":"
	    "\"TLSv1.3\",\"subject\":\"CN=a\",\"issuer\":\"CN=a\",\"not_after\":"
	    "\"2030-01-02T03:04:05Z\",\"self_signed\":true,\"expired\":false},"
	    "\"cpe\":[\"cpe:2.3:a:vendorx:producty:1.0:*:*:*:*:*:*:*\"]}");
	observe(st, scan2, portal, "127.0.0.1", "{\"address\":\"127.0.0.1\","
	    "\"port\":7,\"service\":\"unknown\",\"cpe\":[]}");

	rec_init(&rc);
	CU_ASSERT_EQUAL(run(st, portal, NULL, &rc), CP_OK);
	for (i = 0; i < rec_count(&rc); i++)
		CU_ASSERT_EQUAL(rec_width(&rc, i), NCOLS);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, 0, C_CVE), "CVE");
	/* 4 ports of .1 (one row each here) and .2 never seen. */
	CU_ASSERT_EQUAL(rec_count(&rc), 1 + 4 + 1);
	i = row_of(&rc, "80", "CVE-2022-41741");
	CU_ASSERT(i > 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, i, C_HTTP_SERVER),
	    "nginx/1.22.0");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, i, C_HTTP_STATUS), "200");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, i, C_SEVERITY), "HIGH");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, i, C_CVSS), "7.8");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, i, C_KEV), "no");
	CU_ASSERT_EQUAL(rec_with(&rc, C_HTTP_SERVER, "old"), 0);
	i = row_of(&rc, "22", "CVE-2023-38408");
	CU_ASSERT(i > 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, i, C_CVSS), "9.8");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, i, C_SEVERITY), "CRITICAL");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, i, C_BANNER),
	    "SSH-2.0-OpenSSH_9.2p1");
	i = row_of(&rc, "443", "");
	CU_ASSERT(i > 0);
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, i, C_TLS_FLAGS), "self-signed");
	CU_ASSERT_STRING_EQUAL(rec_cell(&rc, i, C_TLS_EXPIRY),
	    "2030-01-02 03:04:05");
	CU_ASSERT_PTR_NOT_NULL(strstr(rec_cell(&rc, i, C_NOTE),
	    "no vulnerability data cached"));
	i = row_of(&rc, "7", "");
	CU_ASSERT(i > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(rec_cell(&rc, i, C_NOTE), "no CPE"));
	CU_ASSERT_EQUAL(rec_with(&rc, C_TARGET, "127.0.0.2"), 1);
	rec_done(&rc);

	/* One target. */
	rec_init(&rc);
	CU_ASSERT_EQUAL(run(st, portal, "127.0.0.2", &rc), CP_OK);
	CU_ASSERT_EQUAL(rec_count(&rc), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(rec_cell(&rc, 1, C_NOTE),
	    "no open port"));
	rec_done(&rc);
	rec_init(&rc);
	CU_ASSERT_EQUAL(run(st, portal, "192.0.2.1", &rc), CP_E_NOTFOUND);
	rec_done(&rc);
	cp_store_close(st);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "asm report", test_asm_report },
		{ NULL, NULL },
	};
	char cmd[128];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	rc = cp_test_run("report asm", tests);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 2;
	return rc;
}
