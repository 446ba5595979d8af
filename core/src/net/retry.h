/*
 * retry.h - the retry policy of the HTTP client: which outcomes are worth
 * another attempt and how long to wait before it.  Pure functions, so the
 * policy is tested without a network.
 */
#ifndef CP_NET_RETRY_H
#define CP_NET_RETRY_H

#include <stdint.h>

#include <curl/curl.h>

#include <cloudpatrol/err.h>

/* The largest delay a Retry-After value yields (ms, fits a 32-bit long). */
#define CP_HTTP_RETRY_AFTER_CAP_MS 2147483000L

/*
 * The wait before retry number retry (0 for the first retry) with full
 * jitter: uniform in [0, min(max_ms, base_ms * 2^retry)], drawn from rnd.
 * 0 when base_ms or max_ms is not positive.
 */
long cp_http_backoff_ms(
    unsigned retry, long base_ms, long max_ms, uint64_t rnd);

/* Whether an HTTP status is retried: 429, 500, 502, 503, 504. */
int cp_http_status_retryable(long status);

/*
 * The outcome of a failed libcurl transfer, and in *retryable whether it
 * is worth another attempt (timeouts, connection failures, truncated
 * bodies: yes; TLS verification and everything else: no).  A write error
 * (our size limits) is CP_E_HTTP_TOO_LARGE, never retried.
 */
cp_err cp_http_curl_outcome(CURLcode rc, int *retryable);

#endif /* CP_NET_RETRY_H */
