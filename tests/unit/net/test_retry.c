/*
 * test_retry.c - backoff with full jitter, Retry-After parsing and the
 * classification of transfer failures, as pure functions.
 */
#include <stdint.h>

#include "cptest.h"
#include "net/http_client.h"
#include "net/retry.h"

static void
test_retry_backoff_full_jitter(void)
{
	unsigned i;

	/* The ceiling doubles from the base up to the cap. */
	CU_ASSERT_EQUAL(cp_http_backoff_ms(0, 100, 10000, UINT64_MAX),
	    (long)(UINT64_MAX % 101));
	CU_ASSERT_EQUAL(cp_http_backoff_ms(0, 100, 10000, 100), 100);
	CU_ASSERT_EQUAL(cp_http_backoff_ms(0, 100, 10000, 101), 0);
	CU_ASSERT_EQUAL(cp_http_backoff_ms(3, 100, 10000, 800), 800);
	CU_ASSERT_EQUAL(cp_http_backoff_ms(3, 100, 10000, 801), 0);
	CU_ASSERT_EQUAL(cp_http_backoff_ms(10, 100, 10000, 10000), 10000);
	CU_ASSERT_EQUAL(cp_http_backoff_ms(10, 100, 10000, 10001), 0);
	/* Huge retry numbers neither overflow nor pass the cap. */
	for (i = 0; i < 1000; i += 7) {
		long w = cp_http_backoff_ms(
		    i, 500, 30000, (uint64_t)i * 0x9e3779b97f4a7c15ULL);

		CU_ASSERT(w >= 0 && w <= 30000);
	}
	CU_ASSERT_EQUAL(cp_http_backoff_ms(1000, 1, 1000, 1000), 1000);
	CU_ASSERT_EQUAL(cp_http_backoff_ms(2, 0, 1000, 5), 0);
	CU_ASSERT_EQUAL(cp_http_backoff_ms(2, 10, 0, 5), 0);
	/* A cap below the base wins. */
	CU_ASSERT_EQUAL(cp_http_backoff_ms(0, 500, 100, 100), 100);
}

static void
test_retry_after_seconds(void)
{
	CU_ASSERT_EQUAL(cp_http_retry_after_ms("120", 0), 120000);
	CU_ASSERT_EQUAL(cp_http_retry_after_ms("0", 0), 0);
	CU_ASSERT_EQUAL(cp_http_retry_after_ms("  7\t", 0), 7000);
	CU_ASSERT_EQUAL(cp_http_retry_after_ms("99999999999999999999999", 0),
	    CP_HTTP_RETRY_AFTER_CAP_MS);
	CU_ASSERT_EQUAL(cp_http_retry_after_ms("-1", 0), -1);
	CU_ASSERT_EQUAL(cp_http_retry_after_ms("1.5", 0), -1);
	CU_ASSERT_EQUAL(cp_http_retry_after_ms("12abc", 0), -1);
	CU_ASSERT_EQUAL(cp_http_retry_after_ms("", 0), -1);
	CU_ASSERT_EQUAL(cp_http_retry_after_ms("   ", 0), -1);
	CU_ASSERT_EQUAL(cp_http_retry_after_ms(NULL, 0), -1);
}

static void
test_retry_after_http_date(void)
{
	/* Wed, 21 Oct 2015 07:28:00 GMT is 1445412480. */
	const time_t t = 1445412480;

	CU_ASSERT_EQUAL(
	    cp_http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", t - 10),
	    10000);
	CU_ASSERT_EQUAL(
	    cp_http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", t + 100),
	    0);
	CU_ASSERT_EQUAL(cp_http_retry_after_ms(
			    "Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 1),
	    1000);
	CU_ASSERT_EQUAL(cp_http_retry_after_ms(
			    "Thu, 29 Feb 2024 00:00:00 GMT", 1709164800 - 60),
	    60000);
	CU_ASSERT_EQUAL(
	    cp_http_retry_after_ms("Fri, 31 Dec 1999 23:59:59 GMT", 946684799),
	    0);
	/* Not IMF-fixdate: other zones, obsolete forms, bad fields. */
	CU_ASSERT_EQUAL(
	    cp_http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 UTC", 0), -1);
	CU_ASSERT_EQUAL(
	    cp_http_retry_after_ms("Wednesday, 21-Oct-15 07:28:00 GMT", 0), -1);
	CU_ASSERT_EQUAL(
	    cp_http_retry_after_ms("Wed Oct 21 07:28:00 2015", 0), -1);
	CU_ASSERT_EQUAL(
	    cp_http_retry_after_ms("Wed, 32 Oct 2015 07:28:00 GMT", 0), -1);
	CU_ASSERT_EQUAL(
	    cp_http_retry_after_ms("Wed, 29 Feb 2015 07:28:00 GMT", 0), -1);
	CU_ASSERT_EQUAL(
	    cp_http_retry_after_ms("Wed, 21 Foo 2015 07:28:00 GMT", 0), -1);
	CU_ASSERT_EQUAL(
	    cp_http_retry_after_ms("Wed, 21 Oct 2015 24:28:00 GMT", 0), -1);
	CU_ASSERT_EQUAL(
	    cp_http_retry_after_ms("Xyz, 21 Oct 2015 07:28:00 GMT", 0), -1);
}

static void
test_retry_status_retryable(void)
{
	CU_ASSERT(cp_http_status_retryable(429));
	CU_ASSERT(cp_http_status_retryable(500));
	CU_ASSERT(cp_http_status_retryable(502));
	CU_ASSERT(cp_http_status_retryable(503));
	CU_ASSERT(cp_http_status_retryable(504));
	CU_ASSERT(!cp_http_status_retryable(200));
	CU_ASSERT(!cp_http_status_retryable(400));
	CU_ASSERT(!cp_http_status_retryable(401));
	CU_ASSERT(!cp_http_status_retryable(403));
	CU_ASSERT(!cp_http_status_retryable(404));
	CU_ASSERT(!cp_http_status_retryable(501));
	CU_ASSERT(!cp_http_status_retryable(505));
}

static void
test_retry_curl_outcome(void)
{
	int retry = -1;

	CU_ASSERT_EQUAL(cp_http_curl_outcome(CURLE_OK, &retry), CP_OK);
	CU_ASSERT_EQUAL(cp_http_curl_outcome(CURLE_OPERATION_TIMEDOUT, &retry),
	    CP_E_HTTP_TIMEOUT);
	CU_ASSERT_EQUAL(retry, 1);
	CU_ASSERT_EQUAL(cp_http_curl_outcome(CURLE_COULDNT_CONNECT, &retry),
	    CP_E_HTTP_CONNECT);
	CU_ASSERT_EQUAL(retry, 1);
	CU_ASSERT_EQUAL(
	    cp_http_curl_outcome(CURLE_COULDNT_RESOLVE_HOST, &retry),
	    CP_E_HTTP_CONNECT);
	CU_ASSERT_EQUAL(retry, 1);
	CU_ASSERT_EQUAL(cp_http_curl_outcome(CURLE_PARTIAL_FILE, &retry),
	    CP_E_HTTP_TRUNCATED);
	CU_ASSERT_EQUAL(retry, 1);
	CU_ASSERT_EQUAL(
	    cp_http_curl_outcome(CURLE_RECV_ERROR, &retry), CP_E_HTTP);
	CU_ASSERT_EQUAL(retry, 1);
	CU_ASSERT_EQUAL(
	    cp_http_curl_outcome(CURLE_GOT_NOTHING, &retry), CP_E_HTTP);
	CU_ASSERT_EQUAL(retry, 1);
	/* Never retried. */
	CU_ASSERT_EQUAL(
	    cp_http_curl_outcome(CURLE_PEER_FAILED_VERIFICATION, &retry),
	    CP_E_HTTP_TLS);
	CU_ASSERT_EQUAL(retry, 0);
	CU_ASSERT_EQUAL(cp_http_curl_outcome(CURLE_SSL_CACERT_BADFILE, &retry),
	    CP_E_HTTP_TLS);
	CU_ASSERT_EQUAL(retry, 0);
	CU_ASSERT_EQUAL(cp_http_curl_outcome(CURLE_WRITE_ERROR, &retry),
	    CP_E_HTTP_TOO_LARGE);
	CU_ASSERT_EQUAL(retry, 0);
	CU_ASSERT_EQUAL(cp_http_curl_outcome(CURLE_FILESIZE_EXCEEDED, &retry),
	    CP_E_HTTP_TOO_LARGE);
	CU_ASSERT_EQUAL(retry, 0);
	CU_ASSERT_EQUAL(
	    cp_http_curl_outcome(CURLE_UNSUPPORTED_PROTOCOL, &retry),
	    CP_E_HTTP);
	CU_ASSERT_EQUAL(retry, 0);
	CU_ASSERT_EQUAL(
	    cp_http_curl_outcome(CURLE_OUT_OF_MEMORY, &retry), CP_E_NOMEM);
	CU_ASSERT_EQUAL(retry, 0);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"backoff_full_jitter", test_retry_backoff_full_jitter},
	    {"after_seconds", test_retry_after_seconds},
	    {"after_http_date", test_retry_after_http_date},
	    {"status_retryable", test_retry_status_retryable},
	    {"curl_outcome", test_retry_curl_outcome}, {NULL, NULL}};

	return cp_test_run("net/retry", tests);
}
