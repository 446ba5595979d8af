/*
 * test_vuln_feed.c - the NVD, EPSS, KEV and MyJVN parsers
 * (asm/vuln_feed.c) on the real samples and on broken input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm/vuln_feed.h"
#include "cptest.h"

static char *
slurp(const char *name, size_t *len)
{
	char path[1024], *buf = NULL;

	snprintf(path, sizeof(path), "%s/tests/fixtures/asm/%s",
	    CP_TEST_SRCDIR(), name);
	CU_ASSERT_EQUAL_FATAL(cp_file_read(path, 4u << 20, &buf, len), CP_OK);
	return buf;
}

static json_t *
load(const char *name)
{
	size_t len;
	char *buf = slurp(name, &len), why[256];
	json_t *doc = cp_vuln_json_parse(buf, len, why, sizeof(why));

	free(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	return doc;
}

static struct cp_nvd_cve last_cve;
static int n_cves;

static cp_err
on_cve(void *ud, const struct cp_nvd_cve *c)
{
	(void)ud;
	last_cve = *c;
	n_cves++;
	return CP_OK;
}

static void
test_vuln_feed_nvd_primary_score(void)
{
	json_t *doc = load("nvd-cve-record-CVE-2022-41741-nginx.json");
	struct cp_nvd_page pg;
	char why[256];

	n_cves = 0;
	CU_ASSERT_EQUAL(cp_vuln_parse_nvd(doc, on_cve, NULL, &pg, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(n_cves, 1);
	CU_ASSERT_STRING_EQUAL(last_cve.id, "CVE-2022-41741");
	/* Primary (nvd@nist.gov) 7.8 wins over the CNA's 7.0. */
	CU_ASSERT_DOUBLE_EQUAL(last_cve.cvss, 7.8, 0.001);
	CU_ASSERT_STRING_EQUAL(last_cve.cvss_source, "nvd@nist.gov");
	CU_ASSERT_STRING_EQUAL(last_cve.severity, "HIGH");
	json_decref(doc);

	doc = load("nvd-cve-record-CVE-2024-7347-nginx-awaiting-analysis.json");
	CU_ASSERT_EQUAL(cp_vuln_parse_nvd(doc, on_cve, NULL, &pg, why,
	    sizeof(why)), CP_OK);
	/* Only the CNA's score; no configurations. */
	CU_ASSERT_DOUBLE_EQUAL(last_cve.cvss, 4.7, 0.001);
	CU_ASSERT_PTR_NULL(last_cve.configurations);
	CU_ASSERT_STRING_EQUAL(last_cve.status, "Awaiting Analysis");
	json_decref(doc);

	doc = load("nvd-cves-2.0-cveId-CVE-2021-26855.json");
	CU_ASSERT_EQUAL(cp_vuln_parse_nvd(doc, on_cve, NULL, &pg, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(pg.total, 1);
	CU_ASSERT_EQUAL(pg.count, 1);
	CU_ASSERT_DOUBLE_EQUAL(last_cve.cvss, 9.8, 0.001);
	json_decref(doc);
}

static void
test_vuln_feed_nvd_refuses(void)
{
	struct cp_nvd_page pg;
	char why[256];
	json_t *doc = json_loads("{\"vulnerabilities\": [{\"cve\": "
	    "{\"id\": \"CVE-12\"}}]}", 0, NULL);

	CU_ASSERT_EQUAL(cp_vuln_parse_nvd(doc, on_cve, NULL, &pg, why,
	    sizeof(why)), CP_E_PARSE);
	json_decref(doc);
	doc = json_loads("{\"a\": 1}", 0, NULL);
	CU_ASSERT_EQUAL(cp_vuln_parse_nvd(doc, on_cve, NULL, &pg, why,
	    sizeof(why)), CP_E_PARSE);
	json_decref(doc);
	/* Too deep. */
	{
		char deep[200];

		memset(deep, '[', sizeof(deep));
		CU_ASSERT_PTR_NULL(cp_vuln_json_parse(deep, sizeof(deep), why,
		    sizeof(why)));
	}
}

/* ---- NVD streamed ---- */

/* Ids and scores the callback saw, as text. */
static char seen[4096];

static cp_err
on_cve_text(void *ud, const struct cp_nvd_cve *c)
{
	size_t len = strlen(seen);

	(void)ud;
	snprintf(seen + len, sizeof(seen) - len, "%s=%.1f ", c->id, c->cvss);
	return CP_OK;
}

/* Streams text in pieces of step bytes; the result of _end (or _feed). */
static cp_err
stream(const char *text, size_t len, size_t step, struct cp_nvd_page *pg,
    char *why, size_t why_size)
{
	struct cp_nvd_stream *ns = NULL;
	size_t at;
	cp_err r;

	seen[0] = '\0';
	why[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(cp_nvd_stream_new(on_cve_text, NULL, &ns),
	    CP_OK);
	for (at = 0, r = CP_OK; r == CP_OK && at < len; at += step)
		r = cp_nvd_stream_feed(ns, text + at, len - at < step ?
		    len - at : step, why, why_size);
	if (r == CP_OK)
		r = cp_nvd_stream_end(ns, pg, why, why_size);
	cp_nvd_stream_free(ns);
	return r;
}

static void
test_vuln_feed_nvd_stream_samples(void)
{
	static const char *const files[] = {
		"nvd-cves-2.0-cveId-CVE-2021-26855.json",
		"nvd-cve-record-CVE-2022-41741-nginx.json",	/* bare */
		"nvd-cve-record-CVE-2024-7347-nginx-awaiting-analysis.json",
	};
	static const size_t steps[] = { 1, 3, 64, 65536 };
	struct cp_nvd_page pg, want_pg;
	char why[256], want[4096];
	size_t f, k, len;

	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		char *buf = slurp(files[f], &len);
		json_t *doc = load(files[f]);

		/* What the whole-document parser sees. */
		seen[0] = '\0';
		CU_ASSERT_EQUAL(cp_vuln_parse_nvd(doc, on_cve_text, NULL,
		    &want_pg, why, sizeof(why)), CP_OK);
		snprintf(want, sizeof(want), "%s", seen);
		CU_ASSERT(want[0] != '\0');
		for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
			CU_ASSERT_EQUAL(stream(buf, len, steps[k], &pg, why,
			    sizeof(why)), CP_OK);
			CU_ASSERT_STRING_EQUAL(seen, want);
			CU_ASSERT_EQUAL(pg.total, want_pg.total);
			CU_ASSERT_EQUAL(pg.count, want_pg.count);
		}
		json_decref(doc);
		free(buf);
	}
}

#define REC(id) "{\"cve\": {\"id\": \"" id "\", \"x\": \"}]{[\\\"\", " \
	"\"vulnerabilities\": [1, {\"a\": \"]\"}]}}"

static void
test_vuln_feed_nvd_stream_shapes(void)
{
	struct cp_nvd_page pg;
	char why[256];
	/* Brackets and quotes inside strings, the name as a value and
	 * nested, whitespace everywhere. */
	const char *ok = "{ \"format\" : \"vulnerabilities\", "
	    "\"totalResults\": 3, \"startIndex\": 0,\n \"vulnerabilities\""
	    " :\n [ " REC("CVE-2024-0001") " ,\n" REC("CVE-2024-0002") ","
	    REC("CVE-2024-0003") "\n ] , \"timestamp\": \"t\" }\n";
	/* An escaped member name is not recognised on the way: the whole
	 * document is then parsed at the end, with the same records. */
	const char *esc;

	esc = "{\"vulnerabilit\\u0069es\": [" REC("CVE-2024-0004")
	    "]}";

	CU_ASSERT_EQUAL(stream(ok, strlen(ok), 5, &pg, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_STRING_EQUAL(seen, "CVE-2024-0001=-1.0 CVE-2024-0002=-1.0 "
	    "CVE-2024-0003=-1.0 ");
	CU_ASSERT_EQUAL(pg.total, 3);
	CU_ASSERT_EQUAL(pg.count, 3);
	CU_ASSERT_EQUAL(stream(esc, strlen(esc), 2, &pg, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_STRING_EQUAL(seen, "CVE-2024-0004=-1.0 ");
	/* A name with an escaped backslash is another member. */
	esc = "{\"\\\\vulnerabilities\": [], \"vulnerabilities\": ["
	    REC("CVE-2024-0005") "]}";
	CU_ASSERT_EQUAL(stream(esc, strlen(esc), 1, &pg, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_STRING_EQUAL(seen, "CVE-2024-0005=-1.0 ");
	/* An empty array. */
	CU_ASSERT_EQUAL(stream("{\"vulnerabilities\":[]}", 22, 1, &pg, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(pg.count, 0);
}

static void
test_vuln_feed_nvd_stream_refuses(void)
{
	static const struct {
		const char *doc, *why;
		cp_err r;
	} bad[] = {
		{ "{\"vulnerabilities\": [" REC("CVE-2024-0001") " x "
		    REC("CVE-2024-0002") "]}", "holds something other than "
		    "objects (after record 1)", CP_E_PARSE },
		{ "{\"vulnerabilities\": [" REC("CVE-2024-0001") ",, "
		    REC("CVE-2024-0002") "]}", "holds something other than "
		    "objects (after record 1)", CP_E_PARSE },
		{ "{\"vulnerabilities\": [" REC("CVE-2024-0001") " "
		    REC("CVE-2024-0002") "]}", "holds something other than "
		    "objects (after record 1)", CP_E_PARSE },
		{ "{\"vulnerabilities\": [" REC("CVE-2024-0001") ",]}",
		    "holds something other than objects (after record 1)",
		    CP_E_PARSE },
		{ "{\"vulnerabilities\": [,]}", "holds something other than "
		    "objects (after record 0)", CP_E_PARSE },
		{ "{\"vulnerabilities\": [], \"timestamp\": \"2026",
		    "not JSON", CP_E_PARSE },
		{ "{\"cve\": {\"id\": \"CVE-2024-0001\", \"descr", "not JSON",
		    CP_E_PARSE },
		{ "{\"vulnerabilities\": [" REC("CVE-2024-0001") ", {\"cve",
		    "ends inside \"vulnerabilities\" (after record 1)",
		    CP_E_PARSE },
		{ "{\"vulnerabilities\": [" REC("CVE-2024-0001") "], \"a\": }",
		    "not JSON", CP_E_PARSE },
		{ "{\"vulnerabilities\": [{\"cv\": {}}]}",
		    "vulnerabilities[0] has no \"cve\" object", CP_E_PARSE },
		{ "{\"vulnerabilities\": [{\"cve\": {\"id\": \"CVE-1\"}}]}",
		    "no valid CVE id", CP_E_PARSE },
		{ "{\"vulnerabilities\": [{\"cve\": {\"id\": [}}]}",
		    "not JSON", CP_E_PARSE },
		{ "[1, 2]", "an NVD document is a JSON object", CP_E_PARSE },
		{ "", "not JSON", CP_E_PARSE },
	};
	struct cp_nvd_page pg;
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(stream(bad[i].doc, strlen(bad[i].doc), 7, &pg,
		    why, sizeof(why)), bad[i].r);
		if (strstr(why, bad[i].why) == NULL)
			fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, why,
			    bad[i].why);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, bad[i].why));
	}
	/* The records before an error were handed over (the importer's
	 * transaction is what undoes them). */
	CU_ASSERT_EQUAL(stream(bad[0].doc, strlen(bad[0].doc), 4096, &pg, why,
	    sizeof(why)), CP_E_PARSE);
	CU_ASSERT_STRING_EQUAL(seen, "CVE-2024-0001=-1.0 ");
}

/* One record over CP_VULN_FEED_MAX_RECORD, and an envelope over
 * CP_VULN_FEED_MAX_REST: refused without holding more. */
static void
test_vuln_feed_nvd_stream_limits(void)
{
	static char chunk[65536];
	struct cp_nvd_stream *ns = NULL;
	char why[256] = "";
	const char *head = "{\"vulnerabilities\": [{\"cve\": {\"x\": \"";
	size_t fed = 0;
	cp_err r;

	memset(chunk, 'a', sizeof(chunk));
	CU_ASSERT_EQUAL_FATAL(cp_nvd_stream_new(on_cve_text, NULL, &ns),
	    CP_OK);
	r = cp_nvd_stream_feed(ns, head, strlen(head), why, sizeof(why));
	while (r == CP_OK && fed < 2u * CP_VULN_FEED_MAX_RECORD) {
		r = cp_nvd_stream_feed(ns, chunk, sizeof(chunk), why,
		    sizeof(why));
		fed += sizeof(chunk);
	}
	CU_ASSERT_EQUAL(r, CP_E_LIMIT);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "vulnerabilities[0] is larger "
	    "than"));
	CU_ASSERT(fed <= CP_VULN_FEED_MAX_RECORD + sizeof(chunk));
	/* It stays failed. */
	CU_ASSERT_EQUAL(cp_nvd_stream_feed(ns, "]}", 2, why, sizeof(why)),
	    CP_E_LIMIT);
	cp_nvd_stream_free(ns);

	CU_ASSERT_EQUAL_FATAL(cp_nvd_stream_new(on_cve_text, NULL, &ns),
	    CP_OK);
	r = cp_nvd_stream_feed(ns, "{\"x\": \"", 7, why, sizeof(why));
	for (fed = 0; r == CP_OK && fed < 2u * CP_VULN_FEED_MAX_REST;
	    fed += sizeof(chunk))
		r = cp_nvd_stream_feed(ns, chunk, sizeof(chunk), why,
		    sizeof(why));
	CU_ASSERT_EQUAL(r, CP_E_LIMIT);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "outside its \"vulnerabilities\""));
	cp_nvd_stream_free(ns);
}

static struct cp_epss last_epss;
static int n_epss;

static cp_err
on_epss(void *ud, const struct cp_epss *e)
{
	(void)ud;
	if (strcmp(e->cve, "CVE-2021-44228") == 0 || n_epss == 0)
		last_epss = *e;
	n_epss++;
	return CP_OK;
}

static cp_err
csv_of(const char *text)
{
	char why[256];

	return cp_vuln_parse_epss_csv(text, strlen(text), on_epss, NULL, why,
	    sizeof(why));
}

static void
test_vuln_feed_epss(void)
{
	json_t *doc = load("epss-v1-api-cve-CVE-2014-9900.json");
	char why[256], *csv;
	size_t len;

	n_epss = 0;
	CU_ASSERT_EQUAL(cp_vuln_parse_epss_json(doc, on_epss, NULL, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(n_epss, 1);
	CU_ASSERT_DOUBLE_EQUAL(last_epss.epss, 0.00523, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(last_epss.percentile, 0.43212, 1e-9);
	CU_ASSERT_STRING_EQUAL(last_epss.date, "2026-10-19");
	json_decref(doc);

	csv = slurp("epss-scores-daily-csv-subset.csv", &len);
	n_epss = 0;
	CU_ASSERT_EQUAL(cp_vuln_parse_epss_csv(csv, len, on_epss, NULL, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT(n_epss > 40);
	CU_ASSERT_STRING_EQUAL(last_epss.cve, "CVE-2021-44228");
	CU_ASSERT_DOUBLE_EQUAL(last_epss.epss, 0.99999, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(last_epss.percentile, 1.0, 1e-9);
	CU_ASSERT_STRING_EQUAL(last_epss.date, "2026-09-29");
	free(csv);

	/* The older header without the model line, columns reordered. */
	n_epss = 0;
	CU_ASSERT_EQUAL(csv_of("percentile,cve,epss\r\n"
	    "0.5,CVE-2020-0001,0.25\r\n"), CP_OK);
	CU_ASSERT_EQUAL(n_epss, 1);
	CU_ASSERT_DOUBLE_EQUAL(last_epss.epss, 0.25, 1e-9);
	/* Broken rows. */
	CU_ASSERT_EQUAL(csv_of("cve,epss\nCVE-2020-0001,1.5\n"), CP_E_PARSE);
	CU_ASSERT_EQUAL(csv_of("hello\n"), CP_E_PARSE);
	CU_ASSERT_EQUAL(csv_of("cve,epss\nnot-a-cve,0.1\n"), CP_E_PARSE);
}

static int n_kev;
static struct cp_kev kev_44228;

static cp_err
on_kev(void *ud, const struct cp_kev *k)
{
	(void)ud;
	if (strcmp(k->cve, "CVE-2021-44228") == 0)
		kev_44228 = *k;
	n_kev++;
	return CP_OK;
}

static void
test_vuln_feed_kev(void)
{
	json_t *doc = load("kev-catalog.json");
	char why[256], version[32];

	n_kev = 0;
	CU_ASSERT_EQUAL(cp_vuln_parse_kev(doc, on_kev, NULL, version,
	    sizeof(version), why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(n_kev, 1674);
	CU_ASSERT_STRING_EQUAL(version, "2026.08.21");
	CU_ASSERT_STRING_EQUAL(kev_44228.date_added, "2021-12-10");
	json_decref(doc);
}

static int n_jvn;
static struct cp_jvn first_jvn;

static cp_err
on_jvn(void *ud, const struct cp_jvn *j)
{
	(void)ud;
	if (n_jvn++ == 0)
		first_jvn = *j;
	return CP_OK;
}

static void
test_vuln_feed_jvn(void)
{
	struct cp_jvn_status st;
	char why[256], *xml;
	size_t len;

	xml = slurp("myjvn-getVulnOverviewList-hnd-sample.xml", &len);
	n_jvn = 0;
	CU_ASSERT_EQUAL(cp_vuln_parse_jvn(xml, len, on_jvn, NULL, &st, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(n_jvn, 2);
	CU_ASSERT_EQUAL(st.total, 6);
	CU_ASSERT_EQUAL(st.returned, 2);
	CU_ASSERT_EQUAL(st.first, 1);
	CU_ASSERT_STRING_EQUAL(first_jvn.id, "JVNDB-2025-002953");
	CU_ASSERT_EQUAL(first_jvn.n_cves, 1);
	CU_ASSERT_STRING_EQUAL(first_jvn.cves[0], "CVE-2025-31084");
	CU_ASSERT_DOUBLE_EQUAL(first_jvn.cvss, 9.8, 0.001);
	CU_ASSERT(strncmp(first_jvn.title, "WordPress", 9) == 0);
	free(xml);
	CU_ASSERT_EQUAL(cp_vuln_parse_jvn("<html/>", 7, on_jvn, NULL, &st, why,
	    sizeof(why)), CP_E_PARSE);
	CU_ASSERT_EQUAL(cp_vuln_parse_jvn("<rdf:RDF xmlns:rdf=\"x\" "
	    "xmlns:status=\"y\"><status:Status retCd=\"1\" errCd=\"E\" "
	    "errMsg=\"bad\"/></rdf:RDF>", 99, on_jvn, NULL, &st, why,
	    sizeof(why)), CP_E_PARSE);
}

static void
test_vuln_feed_cve_ids(void)
{
	CU_ASSERT_TRUE(cp_vuln_cve_id_ok("CVE-2021-44228"));
	CU_ASSERT_TRUE(cp_vuln_cve_id_ok("CVE-1999-0001"));
	CU_ASSERT_FALSE(cp_vuln_cve_id_ok("CVE-1999-001"));
	CU_ASSERT_FALSE(cp_vuln_cve_id_ok("cve-1999-0001"));
	CU_ASSERT_FALSE(cp_vuln_cve_id_ok("CVE-2021-44228'"));
	CU_ASSERT_FALSE(cp_vuln_cve_id_ok(NULL));
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "nvd primary score", test_vuln_feed_nvd_primary_score },
		{ "nvd refuses", test_vuln_feed_nvd_refuses },
		{ "nvd stream samples", test_vuln_feed_nvd_stream_samples },
		{ "nvd stream shapes", test_vuln_feed_nvd_stream_shapes },
		{ "nvd stream refuses", test_vuln_feed_nvd_stream_refuses },
		{ "nvd stream limits", test_vuln_feed_nvd_stream_limits },
		{ "epss", test_vuln_feed_epss },
		{ "kev", test_vuln_feed_kev },
		{ "jvn", test_vuln_feed_jvn },
		{ "cve ids", test_vuln_feed_cve_ids },
		{ NULL, NULL },
	};

	return cp_test_run("vuln_feed", tests);
}
