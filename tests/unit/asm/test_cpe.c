/*
 * test_cpe.c - CPE names and version order (asm/cpe.c).
 */
#include <string.h>

#include "asm/cpe.h"
#include "cptest.h"

static void
test_cpe_parse_forms(void)
{
	struct cp_cpe c;
	char why[128], buf[CP_CPE_NAME_MAX];

	CU_ASSERT_EQUAL(cp_cpe_parse("cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*",
	    &c, why, sizeof(why)), CP_OK);
	CU_ASSERT_STRING_EQUAL(c.f[CP_CPE_PRODUCT], "nginx");
	CU_ASSERT_STRING_EQUAL(c.f[CP_CPE_VERSION], "1.22.1");
	/* Shodan's short form: the rest is ANY. */
	CU_ASSERT_EQUAL(cp_cpe_parse("cpe:2.3:a:openbsd:openssh:8.9p1", &c,
	    why, sizeof(why)), CP_OK);
	CU_ASSERT_STRING_EQUAL(c.f[CP_CPE_VERSION], "8.9p1");
	CU_ASSERT_STRING_EQUAL(c.f[CP_CPE_OTHER], "*");
	/* Escaped colon stays in its field. */
	CU_ASSERT_EQUAL(cp_cpe_parse("cpe:2.3:a:v:p\\:x:1.0:*:*:*:*:*:*:*",
	    &c, why, sizeof(why)), CP_OK);
	CU_ASSERT_STRING_EQUAL(c.f[CP_CPE_PRODUCT], "p\\:x");
	CU_ASSERT_STRING_EQUAL(c.f[CP_CPE_VERSION], "1.0");
	/* CPE 2.2 URI, percent escapes become backslashes. */
	CU_ASSERT_EQUAL(cp_cpe_parse("cpe:/a:openbsd:openssh:9.2:p1", &c, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_STRING_EQUAL(c.f[CP_CPE_UPDATE], "p1");
	CU_ASSERT_EQUAL(cp_cpe_parse("cpe:/a:rockwellautomation:"
	    "industrial_data_center_%28idc%29", &c, why, sizeof(why)), CP_OK);
	CU_ASSERT_STRING_EQUAL(c.f[CP_CPE_PRODUCT],
	    "industrial_data_center_\\(idc\\)");
	CU_ASSERT_EQUAL(cp_cpe_format(&c, buf, sizeof(buf)), CP_OK);
	CU_ASSERT_EQUAL(strncmp(buf, "cpe:2.3:a:rockwell", 18), 0);
}

static void
test_cpe_parse_refuses(void)
{
	struct cp_cpe c;
	char why[128], longf[300];

	CU_ASSERT_EQUAL(cp_cpe_parse("nginx/1.22", &c, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_cpe_parse("cpe:2.3:x:f5:nginx", &c, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_cpe_parse("cpe:2.3:a:a:b:c:d:e:f:g:h:i:j:k", &c,
	    why, sizeof(why)), CP_E_INVALID);
	memset(longf, 'x', sizeof(longf) - 1);
	longf[sizeof(longf) - 1] = '\0';
	memcpy(longf, "cpe:2.3:a:", 10);
	CU_ASSERT_EQUAL(cp_cpe_parse(longf, &c, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_cpe_parse(NULL, &c, why, sizeof(why)),
	    CP_E_INVALID);
}

static void
test_cpe_version_table(void)
{
	static const struct {
		const char *a, *b;
		int want;
	} t[] = {
		{ "1.22.1", "1.22.0", 1 },
		{ "1.22.0", "1.22.0", 0 },
		{ "1.9.5", "1.10.0", -1 },		/* numeric, not text */
		{ "1.0", "1.0.0", 0 },			/* trailing zeros */
		{ "1", "1.0.0.1", -1 },
		{ "1.0.2", "1.0.2k", -1 },		/* OpenSSL letters */
		{ "1.0.2k", "1.0.2l", -1 },
		{ "1.0.2zh", "1.0.2k", 1 },
		{ "1.0.2k", "1.0.3", -1 },
		{ "9.2", "9.2p1", -1 },			/* OpenSSH */
		{ "9.2p1", "9.3", -1 },
		{ "9.3p2", "9.3p10", -1 },
		{ "1.0rc1", "1.0", -1 },		/* pre-releases */
		{ "1.0-rc2", "1.0-rc10", -1 },
		{ "1.0-beta", "1.0-rc1", -1 },
		{ "1.0-alpha", "1.0-beta", -1 },
		{ "1.0-dev", "1.0-alpha", -1 },
		{ "2.0.0-RC1", "2.0.0", -1 },		/* case */
		{ "2.4.57", "2.4.58", -1 },
		{ "007", "7", 0 },			/* leading zeros */
		{ "18446744073709551616", "18446744073709551615", 1 },
		{ "r27", "r22", 1 },
		{ "1.22.1", "r22", CP_CPE_VERSION_INCOMPARABLE },
		{ "", "1", CP_CPE_VERSION_INCOMPARABLE },
		{ "2013", "2016", -1 },
	};
	size_t i;

	for (i = 0; i < CP_ARRAY_LEN(t); i++) {
		int got = cp_cpe_version_cmp(t[i].a, t[i].b);

		if (got != t[i].want)
			printf("\n  %s vs %s: got %d, want %d", t[i].a, t[i].b,
			    got, t[i].want);
		CU_ASSERT_EQUAL(got, t[i].want);
		/* Antisymmetric. */
		if (t[i].want != CP_CPE_VERSION_INCOMPARABLE)
			CU_ASSERT_EQUAL(cp_cpe_version_cmp(t[i].b, t[i].a),
			    -t[i].want);
	}
}

static void
test_cpe_field_match(void)
{
	CU_ASSERT_TRUE(cp_cpe_field_match("*", "open_source"));
	CU_ASSERT_TRUE(cp_cpe_field_match("open_source", "*"));
	CU_ASSERT_TRUE(cp_cpe_field_match("Nginx", "nginx"));
	CU_ASSERT_FALSE(cp_cpe_field_match("plus", "open_source"));
	CU_ASSERT_TRUE(cp_cpe_field_match("-", "-"));
	CU_ASSERT_FALSE(cp_cpe_field_match("-", "p1"));
	CU_ASSERT_FALSE(cp_cpe_field_match("p1", "-"));
	CU_ASSERT_TRUE(cp_cpe_field_match("cumulative_update_*",
	    "cumulative_update_21"));
	CU_ASSERT_TRUE(cp_cpe_field_match("1.?", "1.5"));
	/* An escaped star is a literal. */
	CU_ASSERT_FALSE(cp_cpe_field_match("a\\*", "ab"));
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "parse forms", test_cpe_parse_forms },
		{ "parse refuses", test_cpe_parse_refuses },
		{ "version table", test_cpe_version_table },
		{ "field match", test_cpe_field_match },
		{ NULL, NULL },
	};

	return cp_test_run("cpe", tests);
}
