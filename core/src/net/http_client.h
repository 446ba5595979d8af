/*
 * http_client.h - the core's HTTP client (libcurl), lent to plugins through
 * the host table and used by the core itself.
 *
 * A cp_http_pool is process-wide: it holds the [http] settings and the
 * per-host limits (token-bucket rate, concurrency) that every client shares,
 * under a mutex.  A cp_http is one thread's client (its own curl handles).
 * Outcomes are documented in <cloudpatrol/http.h>.
 */
#ifndef CP_NET_HTTP_CLIENT_H
#define CP_NET_HTTP_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#include <cloudpatrol/http.h>

struct cp_http_settings {
	const char *ca_file;		/* NULL: the system bundle */
	const char *proxy;		/* NULL: libcurl's environment rules */
	long connect_timeout_ms;	/* 0: 10 s */
	long timeout_ms;		/* 0: 30 s */
	size_t max_body;		/* 0: CP_HTTP_DEFAULT_MAX_BODY */
	unsigned retries;		/* default retries; 0: 4 */
	long backoff_base_ms;		/* first backoff; 0: 500 ms */
	long backoff_max_ms;		/* cap of one wait; 0: 30 s */
	long retry_after_max_ms;	/* cap of a Retry-After; 0: 120 s */
	const char *user_agent;		/* NULL: "cloudpatrol/VERSION" */
	const volatile int *cancel;	/* non-zero: stop waiting, cancel */
};

typedef struct cp_http_pool cp_http_pool;

/* The settings are copied. */
cp_err cp_http_pool_create(const struct cp_http_settings *s,
    cp_http_pool **out);
void cp_http_pool_destroy(cp_http_pool *pool);

/* One client of pool, for the calling thread.  NULL on no memory. */
cp_http *cp_http_create(cp_http_pool *pool);
void cp_http_destroy(cp_http *http);

cp_err cp_http_set_limits(cp_http *http, const char *host,
    double rate_per_sec, unsigned burst, unsigned max_conn);
cp_err cp_http_perform(cp_http *http, const struct cp_http_request *req,
    struct cp_http_response **resp);
cp_err cp_http_perform_many(cp_http *http,
    const struct cp_http_request *const *reqs, size_t n,
    struct cp_http_response **resps, cp_err *errs);
cp_err cp_http_paginate(cp_http *http, const struct cp_http_request *first,
    cp_http_page_fn page, void *ud);
void cp_http_response_free(struct cp_http_response *resp);
const char *cp_http_response_header(const struct cp_http_response *resp,
    const char *name);
const char *cp_http_errmsg(const cp_http *http);

/*
 * Parses the delay of a Retry-After value (seconds, or an HTTP date
 * relative to now).  Returns -1 when it is neither.
 */
long cp_http_retry_after_ms(const char *value, time_t now);

/* JSON and XML body helpers (bounded depth: CP_JSON_MAX_DEPTH). */
#define CP_JSON_MAX_DEPTH 64
json_t *cp_json_parse(const char *buf, size_t len, char *why,
    size_t why_size);
json_t *cp_xml_parse(const char *buf, size_t len, char *why,
    size_t why_size);

#endif /* CP_NET_HTTP_CLIENT_H */
