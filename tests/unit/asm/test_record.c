/*
 * test_record.c - the audit trail of scans and their observations
 * (asm/record.c) in a real store: a scan begun, finished and listed, a
 * refused one, observations kept and refused, and the products of the
 * latest observation of each port (what vuln refresh and report asm use).
 */
#include <string.h>

#include "../store/storetest.h"
#include "asm/asm.h"

static cp_err
on_scan(void *ud, const struct cp_asm_scan_row *r)
{
	char *buf = ud;
	size_t len = strlen(buf);

	snprintf(buf + len, 1024 - len, "%lld %s %s %s %lld %s|%s|%s|%s; ",
	    (long long)r->id, r->status, r->targets, r->ports,
	    r->open_ports, r->outcome, r->who, r->source,
	    r->finished[0] != '\0' ? "finished" : "running");
	return CP_OK;
}

/* Adds an observation of address:port with the CPE list cpes (JSON). */
static cp_err
observe(cp_store *st, int64_t scan, int64_t portal, const char *target,
    int port, const char *cpes)
{
	json_t *o = json_pack("{s:s, s:i, s:s, s:o}", "address", "192.0.2.1",
	    "port", port, "service", "http", "cpe", json_loads(cpes, 0,
	    NULL));
	cp_err r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	r = cp_asm_observation_add(st, scan, portal, target, o);
	json_decref(o);
	return r;
}

static const char *
cpes_text(cp_store *st, int64_t portal, const char *target)
{
	static char buf[1024];
	json_t *a = NULL;
	char *s;

	buf[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(cp_asm_cpes(st, portal, target, &a), CP_OK);
	s = json_dumps(a, JSON_COMPACT);
	snprintf(buf, sizeof(buf), "%s", s != NULL ? s : "?");
	free(s);
	json_decref(a);
	return buf;
}

static void
test_record_scans(void)
{
	struct st_fixture f;
	struct cp_asm_scan s;
	cp_store *st = st_open_new(&f);
	int64_t p, id1 = 0, id2 = 0;
	char buf[1024] = "";

	CU_ASSERT_EQUAL_FATAL(cp_portal_add(st, "a", "en", &p), CP_OK);
	memset(&s, 0, sizeof(s));
	s.portal_id = p;
	s.who = "alice";
	s.targets = "[\"192.0.2.1\"]";
	s.n_targets = 1;
	s.ports = "80,443";
	s.source = "192.0.2.100";
	s.user_agent = "CloudPatrol-Scanner/1.0";
	CU_ASSERT_EQUAL(cp_asm_scan_begin(st, &s, "running", NULL, &id1),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_asm_scan_list(st, p, 10, on_scan, buf), CP_OK);
	CU_ASSERT_STRING_EQUAL(buf, "1 running [\"192.0.2.1\"] 80,443 0 "
	    "|alice|192.0.2.100|running; ");
	CU_ASSERT_EQUAL(cp_asm_scan_finish(st, id1, "ok", "2 open port(s)", 2),
	    CP_OK);
	/* A refused scan is finished when it is recorded. */
	s.source = NULL;
	CU_ASSERT_EQUAL(cp_asm_scan_begin(st, &s, "refused", "not allowed",
	    &id2), CP_OK);
	CU_ASSERT(id2 > id1);
	buf[0] = '\0';
	CU_ASSERT_EQUAL(cp_asm_scan_list(st, p, 10, on_scan, buf), CP_OK);
	CU_ASSERT_STRING_EQUAL(buf,
	    "2 refused [\"192.0.2.1\"] 80,443 0 not allowed|alice||finished; "
	    "1 ok [\"192.0.2.1\"] 80,443 2 2 open port(s)|alice|192.0.2.100|"
	    "finished; ");
	/* The newest first, at most limit. */
	buf[0] = '\0';
	CU_ASSERT_EQUAL(cp_asm_scan_list(st, p, 1, on_scan, buf), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "2 refused"));
	CU_ASSERT_PTR_NULL(strstr(buf, "1 ok"));
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_record_observations(void)
{
	struct st_fixture f;
	struct cp_asm_scan s;
	cp_store *st = st_open_new(&f);
	int64_t p, q, id1 = 0, id2 = 0;
	json_t *bad;

	CU_ASSERT_EQUAL_FATAL(cp_portal_add(st, "a", "en", &p), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_portal_add(st, "b", "en", &q), CP_OK);
	memset(&s, 0, sizeof(s));
	s.portal_id = p;
	s.who = "alice";
	s.targets = "[]";
	s.ports = "top";
	CU_ASSERT_EQUAL_FATAL(cp_asm_scan_begin(st, &s, "running", NULL,
	    &id1), CP_OK);
	CU_ASSERT_STRING_EQUAL(cpes_text(st, p, NULL), "[]");
	CU_ASSERT_EQUAL(observe(st, id1, p, "192.0.2.1", 80,
	    "[\"cpe:2.3:a:f5:nginx:1.22.0:*:*:*:*:*:*:*\"]"), CP_OK);
	CU_ASSERT_EQUAL(observe(st, id1, p, "192.0.2.1", 22,
	    "[\"cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*\"]"), CP_OK);
	CU_ASSERT_EQUAL(observe(st, id1, p, "www.example", 80,
	    "[\"cpe:2.3:a:f5:nginx:1.22.0:*:*:*:*:*:*:*\"]"), CP_OK);
	/* Distinct and sorted, of one target or all. */
	CU_ASSERT_STRING_EQUAL(cpes_text(st, p, NULL),
	    "[\"cpe:2.3:a:f5:nginx:1.22.0:*:*:*:*:*:*:*\","
	    "\"cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*\"]");
	CU_ASSERT_STRING_EQUAL(cpes_text(st, p, "www.example"),
	    "[\"cpe:2.3:a:f5:nginx:1.22.0:*:*:*:*:*:*:*\"]");
	CU_ASSERT_STRING_EQUAL(cpes_text(st, q, NULL), "[]");
	/* A later scan: port 80 now runs a newer nginx, port 22 says
	 * nothing identifiable; only the latest of each port counts. */
	CU_ASSERT_EQUAL_FATAL(cp_asm_scan_begin(st, &s, "running", NULL,
	    &id2), CP_OK);
	CU_ASSERT_EQUAL(observe(st, id2, p, "192.0.2.1", 80,
	    "[\"cpe:2.3:a:f5:nginx:1.26.0:*:*:*:*:*:*:*\"]"), CP_OK);
	CU_ASSERT_EQUAL(observe(st, id2, p, "192.0.2.1", 22, "[]"), CP_OK);
	CU_ASSERT_STRING_EQUAL(cpes_text(st, p, "192.0.2.1"),
	    "[\"cpe:2.3:a:f5:nginx:1.26.0:*:*:*:*:*:*:*\"]");
	/* Without an address or a port: refused, nothing kept. */
	bad = json_pack("{s:i}", "port", 80);
	CU_ASSERT_EQUAL(cp_asm_observation_add(st, id2, p, "x", bad),
	    CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_store_errmsg(st), "without an "
	    "address and a port"));
	json_decref(bad);
	bad = json_pack("{s:s, s:i}", "address", "192.0.2.1", "port", 70000);
	CU_ASSERT_EQUAL(cp_asm_observation_add(st, id2, p, "x", bad),
	    CP_E_INVALID);
	json_decref(bad);
	CU_ASSERT_STRING_EQUAL(cpes_text(st, p, "x"), "[]");
	cp_store_close(st);
	st_fixture_done(&f);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "scans", test_record_scans },
		{ "observations", test_record_observations },
		{ NULL, NULL },
	};

	return cp_test_run("record", tests);
}
