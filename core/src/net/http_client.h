/*
 * http_client.h - the core's HTTP client (libcurl), lent to plugins through
 * the host table and used by the core itself.
 *
 * A cp_http_pool is process-wide: it holds the [http] settings and the
 * per-host limits (token-bucket rate, concurrency) that every client shares,
 * under a mutex.  A cp_http is one thread's client (its own curl handles).
 * Outcomes are documented in <cloudpatrol/http.h>.
 *
 * Policy, whatever the caller asks: TLS peers are always verified (against
 * ca_file when set); only http and https are spoken, plain http only to a
 * loopback address (127.0.0.0/8, ::1, localhost) and never through a proxy;
 * redirects are not followed.  Every attempt gets the connect and total
 * timeouts of the request, or of the settings.  429, 500, 502, 503, 504,
 * connection failures, timeouts and truncated bodies are retried with
 * exponential backoff and full jitter, or after the server's Retry-After
 * (capped by retry_after_max_ms); any method is retried, so a request that
 * must not be repeated sets max_retries = -1.  Waits are cut into slices
 * of at most 50 ms that watch the cancel flag.
 *
 * Bounds: a body of at most max_body bytes (CP_HTTP_DEFAULT_MAX_BODY at
 * most); at most 200 response header lines and 64 KiB of them (more is
 * CP_E_HTTP_TOO_LARGE); at most 128 request header lines.
 *
 * The library must have been initialised (curl_global_init) by main().
 */
#ifndef CP_NET_HTTP_CLIENT_H
#define CP_NET_HTTP_CLIENT_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include <cloudpatrol/http.h>

struct cp_http_settings {
	const char *ca_file;		/* NULL: the system bundle */
	const char *proxy;		/* NULL: libcurl's environment rules */
	long connect_timeout_ms;	/* 0: 10 s */
	long timeout_ms;		/* 0: 30 s */
	size_t max_body;		/* 0: CP_HTTP_DEFAULT_MAX_BODY */
	unsigned retries;		/* default retries; 0: 4; at most 20 */
	long backoff_base_ms;		/* first backoff; 0: 500 ms */
	long backoff_max_ms;		/* cap of one wait; 0: 30 s */
	long retry_after_max_ms;	/* cap of a Retry-After; 0: 120 s */
	const char *user_agent;		/* NULL: "cloudpatrol/VERSION" */
	const volatile int *cancel;	/* non-zero: stop waiting, cancel */
};

typedef struct cp_http_pool cp_http_pool;

/*
 * The settings are copied (cancel is borrowed: it must outlive the pool).
 * CP_E_INVALID on a negative or absurd value.  Destroy the pool after
 * every client of it.
 */
cp_err cp_http_pool_create(const struct cp_http_settings *s,
    cp_http_pool **out);
void cp_http_pool_destroy(cp_http_pool *pool);

/* One client of pool, for the calling thread.  NULL on no memory. */
cp_http *cp_http_create(cp_http_pool *pool);
void cp_http_destroy(cp_http *http);

/*
 * Sets the limits of host for every client of the pool (see
 * cp_host.http_set_limits): host is "name", "name:port" or "[v6]:port"; a
 * key with a port wins over the name alone.  A zero leaves that limit as
 * it is; a host's first rate gets a burst of 1 unless burst says more.
 * Waiting for a limit does not count against the request's timeouts.
 */
cp_err cp_http_set_limits(cp_http *http, const char *host,
    double rate_per_sec, unsigned burst, unsigned max_conn);
/* One request; *resp is owned by the caller (cp_http_response_free). */
cp_err cp_http_perform(cp_http *http, const struct cp_http_request *req,
    struct cp_http_response **resp);
/*
 * Up to 4096 requests, at most 16 in flight and within the host limits.
 * resps[i] (owned by the caller) and errs[i] (may be NULL) are the outcome
 * of reqs[i].  Returns CP_OK when every request got a response, else
 * CP_E_CANCELLED if cancelled, else the code of the first failed request
 * (whose message becomes the client's errmsg).
 */
cp_err cp_http_perform_many(cp_http *http,
    const struct cp_http_request *const *reqs, size_t n,
    struct cp_http_response **resps, cp_err *errs);
/*
 * Pages through a listing (see cp_host.http_paginate).  Every response is
 * handed to the callback, whatever its status: the callback checks
 * page->status.  CP_E_LIMIT after max_pages pages that all asked for more.
 */
cp_err cp_http_paginate(cp_http *http, const struct cp_http_request *first,
    cp_http_page_fn page, void *ud);
void cp_http_response_free(struct cp_http_response *resp);
/* The first header name (any case) of resp, value without leading blanks. */
const char *cp_http_response_header(const struct cp_http_response *resp,
    const char *name);
/*
 * "METHOD URL: what happened (n attempts)" of the last failure; the URL
 * without query, user or password; never a request header.  Never NULL.
 */
const char *cp_http_errmsg(const cp_http *http);

/*
 * Parses the delay of a Retry-After value (seconds, or an IMF-fixdate
 * relative to now; a date in the past is 0).  Returns -1 when it is
 * neither.
 */
long cp_http_retry_after_ms(const char *value, time_t now);

/* JSON and XML body helpers (bounded depth: CP_JSON_MAX_DEPTH). */
#define CP_JSON_MAX_DEPTH 64
/*
 * A document of at most CP_HTTP_DEFAULT_MAX_BODY bytes, arrays and objects
 * nested at most CP_JSON_MAX_DEPTH deep, any JSON value at the top.
 * Returns a new reference, or NULL with a sentence in why.
 */
json_t *cp_json_parse(const char *buf, size_t len, char *why,
    size_t why_size);
/*
 * The root element as {"name", "attrs": {...}, "text", "children": [...]}:
 * names with their namespace prefix as written, text the character data
 * directly inside the element (CDATA included, white space kept).  At most
 * CP_JSON_MAX_DEPTH nested elements and 500000 in all; a DTD is refused,
 * so no entity can be declared or fetched.  Returns a new reference, or
 * NULL with a sentence in why.
 */
json_t *cp_xml_parse(const char *buf, size_t len, char *why,
    size_t why_size);

#endif /* CP_NET_HTTP_CLIENT_H */
