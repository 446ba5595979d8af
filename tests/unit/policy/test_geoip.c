/*
 * test_geoip.c - the IP2Location LITE DB1 CSV loader: lookups on the real
 * sample rows (IPv4 and IPv6), and every malformed line refused with its
 * line number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cptest.h"
#include "policy/geoip.h"

static char dir[] = "/tmp/cp-test-geoip-XXXXXX";
static char v4[1024], v6[1024];

static const char *
country(const cp_geoip *g, const char *ip)
{
	static char cc[3];

	if (!cp_geoip_country(g, ip, cc))
		return "--";
	return cc;
}

static void
test_geoip_ipv4_sample(void)
{
	cp_geoip *g = NULL;
	char why[512];

	CU_ASSERT_EQUAL_FATAL(cp_geoip_load(v4, NULL, &g, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_geoip_count(g, 4), 86);
	CU_ASSERT_EQUAL(cp_geoip_count(g, 6), 0);
	CU_ASSERT_STRING_EQUAL(country(g, "1.0.0.1"), "AU");
	CU_ASSERT_STRING_EQUAL(country(g, "1.0.0.0"), "AU");	/* first */
	CU_ASSERT_STRING_EQUAL(country(g, "1.0.0.255"), "AU");	/* last */
	CU_ASSERT_STRING_EQUAL(country(g, "1.0.1.0"), "CN");	/* next */
	CU_ASSERT_STRING_EQUAL(country(g, "1.1.1.1"), "AU");
	CU_ASSERT_STRING_EQUAL(country(g, "2.2.2.2"), "US");
	CU_ASSERT_STRING_EQUAL(country(g, "1.178.112.5"), "PS");
	CU_ASSERT_STRING_EQUAL(country(g, "223.255.254.200"), "SG");
	CU_ASSERT_STRING_EQUAL(country(g, "223.255.255.1"), "AU");
	/* "-" rows and the gaps between the sample's windows. */
	CU_ASSERT_STRING_EQUAL(country(g, "0.0.0.1"), "--");
	CU_ASSERT_STRING_EQUAL(country(g, "224.0.0.1"), "--");
	CU_ASSERT_STRING_EQUAL(country(g, "255.255.255.255"), "--");
	CU_ASSERT_STRING_EQUAL(country(g, "10.0.0.1"), "--");
	/* An IPv4-mapped IPv6 address uses the IPv4 table. */
	CU_ASSERT_STRING_EQUAL(country(g, "::ffff:1.0.1.1"), "CN");
	/* No IPv6 table, not addresses. */
	CU_ASSERT_STRING_EQUAL(country(g, "2001:db8::1"), "--");
	CU_ASSERT_STRING_EQUAL(country(g, "1.0.0"), "--");
	CU_ASSERT_STRING_EQUAL(country(g, "1.0.0.1/32"), "--");
	CU_ASSERT_STRING_EQUAL(country(g, ""), "--");
	CU_ASSERT_STRING_EQUAL(country(g, NULL), "--");
	CU_ASSERT_STRING_EQUAL(country(NULL, "1.0.0.1"), "--");
	cp_geoip_free(g);
	cp_geoip_free(NULL);
}

static void
test_geoip_ipv6_excerpt(void)
{
	cp_geoip *g = NULL;
	char why[512];

	CU_ASSERT_EQUAL_FATAL(cp_geoip_load(NULL, v6, &g, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_geoip_count(g, 6), 4);
	/* 281470698520576 is ::ffff:1.0.0.0 */
	CU_ASSERT_STRING_EQUAL(country(g, "::ffff:1.0.0.0"), "US");
	CU_ASSERT_STRING_EQUAL(country(g, "::ffff:1.0.0.255"), "US");
	CU_ASSERT_STRING_EQUAL(country(g, "::ffff:1.0.1.0"), "CN");
	CU_ASSERT_STRING_EQUAL(country(g, "::FFFF:1.0.3.255"), "CN");
	CU_ASSERT_STRING_EQUAL(country(g, "::ffff:1.0.4.0"), "--");
	/* Only the IPv6 table: an IPv4 address is looked up mapped. */
	CU_ASSERT_STRING_EQUAL(country(g, "1.0.1.7"), "CN");
	CU_ASSERT_STRING_EQUAL(country(g, "::1"), "--");	/* "-" */
	CU_ASSERT_STRING_EQUAL(country(g, "2001:db8::1"), "--"); /* past */
	cp_geoip_free(g);

	/* Both: IPv4 answers come from the IPv4 file. */
	CU_ASSERT_EQUAL_FATAL(cp_geoip_load(v4, v6, &g, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_STRING_EQUAL(country(g, "1.0.0.1"), "AU");
	CU_ASSERT_STRING_EQUAL(country(g, "::ffff:1.0.0.1"), "AU");
	cp_geoip_free(g);
}

/* Loads text as a file of family 4 or 6; the code, message in why. */
static cp_err
load_text(const char *text, int family, char *why, size_t n)
{
	char p[1024];
	cp_geoip *g = NULL;
	FILE *f;
	cp_err r;

	snprintf(p, sizeof(p), "%s/t.csv", dir);
	f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	r = cp_geoip_load(family == 4 ? p : NULL, family == 6 ? p : NULL, &g,
	    why, n);
	if (r != CP_OK)
		CU_ASSERT_PTR_NULL(g);
	cp_geoip_free(g);
	return r;
}

/* Checks that text fails with "<path>:<suffix>". */
static void
expect_fail(const char *text, int family, const char *suffix)
{
	char why[512], want[1100];

	snprintf(want, sizeof(want), "%s/t.csv:%s", dir, suffix);
	CU_ASSERT_NOT_EQUAL(load_text(text, family, why, sizeof(why)), CP_OK);
	if (strcmp(why, want) != 0)
		fprintf(stderr, "\n got: %s\nwant: %s\n", why, want);
	CU_ASSERT_STRING_EQUAL(why, want);
}

static void
test_geoip_malformed_lines(void)
{
	char why[512], *longline;

	expect_fail("\"0\",\"10\",\"-\",\"-\"\n\"11\",\"20\",\"JP\"\n", 4,
	    "2: not 4 fields \"from\",\"to\",\"CC\",\"Country\"");
	expect_fail("\"0\",\"10\",\"-\",\"-\"\n"
	    "\"x1\",\"20\",\"JP\",\"Japan\"\n", 4, "2: range \"x1\"-\"20\" is not two decimal numbers");
	expect_fail("\"0\",\"10\",\"-\",\"-\"\n\"5\",\"20\",\"JP\",\"Japan\"\n",
	    4, "2: range overlaps or precedes the one before");
	expect_fail("\"30\",\"20\",\"JP\",\"Japan\"\n", 4,
	    "1: range starts after it ends");
	expect_fail("\"0\",\"10\",\"Japan\",\"Japan\"\n", 4,
	    "1: country code \"Japan\" is not two capital letters or \"-\"");
	expect_fail("\"0\",\"10\",\"jp\",\"Japan\"\n", 4,
	    "1: country code \"jp\" is not two capital letters or \"-\"");
	expect_fail("\"281470681743360\",\"281470698520575\",\"-\",\"-\"\n",
	    4, "1: 281470698520575 is not an IPv4 number (is this the IPv6 "
	    "file?)");
	expect_fail("\"0\",\"10\",\"JP\",\"Japan\"x\n", 4,
	    "1: not 4 fields \"from\",\"to\",\"CC\",\"Country\"");
	expect_fail("\"0\",\"10\",\"JP\",\"Japan\n", 4,
	    "1: not 4 fields \"from\",\"to\",\"CC\",\"Country\"");
	/* 2^128 does not fit. */
	expect_fail("\"0\",\"340282366920938463463374607431768211456\",\"-\","
	    "\"-\"\n", 6, "1: range \"0\"-\"340282366920938463463374607431768"
	    "211456\" is not two decimal numbers");
	longline = malloc(2000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(longline);
	memset(longline, '1', 1998);
	longline[1998] = '\n';
	longline[1999] = '\0';
	expect_fail(longline, 4, "1: line longer than 510 bytes");
	free(longline);

	/* What is fine: 2^128 - 1, CRLF, a BOM, quotes inside a name,
	 * bare fields, blank lines. */
	CU_ASSERT_EQUAL(load_text("\xef\xbb\xbf\"0\",\"3\",\"-\",\"-\"\r\n"
	    "\r\n4,9,JP,\"Japan \"\"Nihon\"\", the country\"\r\n"
	    "\"10\",\"340282366920938463463374607431768211455\",\"US\",\"x\"\n",
	    6, why, sizeof(why)), CP_OK);

	CU_ASSERT_EQUAL(load_text("", 4, why, sizeof(why)), CP_E_PARSE);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "no ranges"));
	{
		cp_geoip *g = NULL;
		char p[1100];

		CU_ASSERT_EQUAL(cp_geoip_load(NULL, NULL, &g, why,
		    sizeof(why)), CP_E_INVALID);

		snprintf(p, sizeof(p), "%s/missing.csv", dir);
		CU_ASSERT_EQUAL(cp_geoip_load(p, NULL, &g, why, sizeof(why)),
		    CP_E_NOTFOUND);
		CU_ASSERT_PTR_NULL(g);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "missing.csv"));
	}
}

static void
rm_rf(const char *d)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{"ipv4_sample", test_geoip_ipv4_sample},
		{"ipv6_excerpt", test_geoip_ipv6_excerpt},
		{"malformed_lines", test_geoip_malformed_lines},
		{NULL, NULL},
	};
	int rc;

	snprintf(v4, sizeof(v4), "%s/tests/data/geoip/"
	    "ip2location-lite-db1-ipv4-sample.csv", CP_TEST_SRCDIR());
	snprintf(v6, sizeof(v6), "%s/tests/data/geoip/"
	    "ip2location-lite-db1-ipv6-excerpt.csv", CP_TEST_SRCDIR());
	if (mkdtemp(dir) == NULL)
		return 2;
	rc = cp_test_run("geoip", tests);
	rm_rf(dir);
	return rc;
}
