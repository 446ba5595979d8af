/*
 * test_url.c - the URL policy: schemes, the loopback rule for plain http,
 * the parts used for limits and messages.
 */
#include <string.h>

#include "cptest.h"
#include "net/url.h"

static void
test_url_https_parts(void)
{
	struct cp_http_target t;
	char why[256];

	CU_ASSERT_EQUAL(
	    cp_http_target_parse("https://user:pw@Management.Azure.COM/"
				 "subs?api-version=1&sig=S#f",
		&t, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_STRING_EQUAL(t.host, "management.azure.com");
	CU_ASSERT_EQUAL(t.port, 443);
	CU_ASSERT_EQUAL(t.https, 1);
	CU_ASSERT_EQUAL(t.loopback, 0);
	CU_ASSERT_PTR_NULL(strstr(t.display, "sig="));
	CU_ASSERT_PTR_NULL(strstr(t.display, "pw"));
	CU_ASSERT_PTR_NULL(strstr(t.display, "user"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t.display, "/subs"));

	/* Webhook tokens live in the path: only its first segment shows. */
	CU_ASSERT_EQUAL(cp_http_target_parse("https://hooks.example.com/"
				 "services/T000/B000/XXXXsecret",
		&t, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_STRING_EQUAL(t.display,
	    "https://hooks.example.com/services/...");

	CU_ASSERT_EQUAL(cp_http_target_parse("https://[2001:db8::1]:8443/", &t,
			    why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_STRING_EQUAL(t.host, "2001:db8::1");
	CU_ASSERT_EQUAL(t.port, 8443);
}

static void
test_url_plain_http_loopback_only(void)
{
	static const char *const ok[] = {"http://127.0.0.1:8080/x",
	    "http://127.1.2.3/", "http://localhost/", "http://LOCALHOST:1/",
	    "http://[::1]:9/", NULL};
	static const char *const refused[] = {"http://192.0.2.1/",
	    "http://example.com/", "http://127.0.0.1.example.com/",
	    "http://[2001:db8::1]/", "http://10.0.0.1/",
	    "http://localhost.example.com/", NULL};
	struct cp_http_target t;
	char why[256];
	size_t i;

	for (i = 0; ok[i] != NULL; i++) {
		CU_ASSERT_EQUAL(
		    cp_http_target_parse(ok[i], &t, why, sizeof(why)), CP_OK);
		CU_ASSERT_EQUAL(t.loopback, 1);
		CU_ASSERT_EQUAL(t.https, 0);
	}
	for (i = 0; refused[i] != NULL; i++) {
		why[0] = '\0';
		CU_ASSERT_EQUAL(
		    cp_http_target_parse(refused[i], &t, why, sizeof(why)),
		    CP_E_INVALID);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "loopback"));
	}
	/* The same hosts are fine over https. */
	CU_ASSERT_EQUAL(
	    cp_http_target_parse("https://192.0.2.1/", &t, why, sizeof(why)),
	    CP_OK);
}

static void
test_url_refuses_other_schemes_and_junk(void)
{
	static const char *const bad[] = {"ftp://127.0.0.1/",
	    "file:///etc/passwd", "gopher://127.0.0.1/", "not a url",
	    "https://", "", "https://host:99999/", "//127.0.0.1/", NULL};
	struct cp_http_target t;
	char why[256];
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		why[0] = '\0';
		CU_ASSERT_EQUAL(
		    cp_http_target_parse(bad[i], &t, why, sizeof(why)),
		    CP_E_INVALID);
		CU_ASSERT(why[0] != '\0');
	}
	CU_ASSERT_EQUAL(
	    cp_http_target_parse(NULL, &t, why, sizeof(why)), CP_E_INVALID);
}

static void
test_url_is_loopback(void)
{
	CU_ASSERT(cp_http_host_is_loopback("127.0.0.1"));
	CU_ASSERT(cp_http_host_is_loopback("127.255.255.254"));
	CU_ASSERT(cp_http_host_is_loopback("::1"));
	CU_ASSERT(cp_http_host_is_loopback("[::1]"));
	CU_ASSERT(cp_http_host_is_loopback("::ffff:127.0.0.1"));
	CU_ASSERT(cp_http_host_is_loopback("localhost"));
	CU_ASSERT(!cp_http_host_is_loopback("128.0.0.1"));
	CU_ASSERT(!cp_http_host_is_loopback("::2"));
	CU_ASSERT(!cp_http_host_is_loopback("localhost.evil"));
	CU_ASSERT(!cp_http_host_is_loopback(""));
	CU_ASSERT(!cp_http_host_is_loopback(NULL));
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"https_parts", test_url_https_parts},
	    {"plain_http_loopback_only", test_url_plain_http_loopback_only},
	    {"refuses_other_schemes_and_junk",
		test_url_refuses_other_schemes_and_junk},
	    {"is_loopback", test_url_is_loopback}, {NULL, NULL}};

	return cp_test_run("net/url", tests);
}
