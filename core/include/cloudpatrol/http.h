/*
 * cloudpatrol/http.h - the HTTP client the core lends to plugins.
 *
 * Plugins reach it only through the host table (plugin.h): they never link
 * libcurl for HTTP(S) themselves.  The client verifies TLS always, applies
 * the [http] timeouts of the configuration, retries transport errors, 429 and
 * 5xx with exponential backoff and jitter (honouring Retry-After), caps the
 * request rate and the concurrency per host, and refuses bodies larger than
 * a limit.
 *
 * Outcome of a request (cp_host.http_perform):
 *   CP_OK                 a response arrived; its status may be any code,
 *                         including 4xx, and a 429/5xx that was still
 *                         failing when the retries ran out.
 *   CP_E_HTTP_CONNECT     no connection could be made (after retries).
 *   CP_E_HTTP_TIMEOUT     the connect or total timeout passed (after retries).
 *   CP_E_HTTP_TLS         the peer's certificate did not verify (no retry).
 *   CP_E_HTTP_TOO_LARGE   the body exceeded max_body (no retry).
 *   CP_E_HTTP_TRUNCATED   the body ended before Content-Length (after retries).
 *   CP_E_HTTP             any other transfer failure.
 *   CP_E_INVALID          the request itself is malformed (no transfer).
 *   CP_E_CANCELLED        the host asked the work to stop.
 * The client handle keeps a human-readable detail of the last failure
 * (cp_host.http_errmsg).
 */
#ifndef CLOUDPATROL_HTTP_H
#define CLOUDPATROL_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <cloudpatrol/err.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One HTTP client: owned by one thread at a time.  Since: ABI 1.0 */
typedef struct cp_http cp_http;

/* Default and largest body a response may have (bytes). */
#define CP_HTTP_DEFAULT_MAX_BODY (16u * 1024 * 1024)
/* Largest number of pages cp_host.http_paginate follows by default. */
#define CP_HTTP_DEFAULT_MAX_PAGES 10000u

/*
 * Adds one header line ("Name: value") to the request being sent.  Given to
 * a sign callback; returns CP_OK or CP_E_NOMEM / CP_E_INVALID.
 */
typedef cp_err (*cp_http_add_header_fn)(void *add_ctx, const char *line);

struct cp_http_request;

/*
 * Called before every attempt of a request (so a retry is signed afresh with
 * the current time or a refreshed token).  It may add headers through add().
 * Returning anything but CP_OK abandons the request with that code.
 */
typedef cp_err (*cp_http_sign_fn)(void *ud, const struct cp_http_request *req,
    cp_http_add_header_fn add, void *add_ctx);

/*
 * A request.  Zero a struct, set struct_size = sizeof(struct
 * cp_http_request), then the members you need; zero means "the default".
 * All pointers are borrowed for the duration of the call.  Since: ABI 1.0
 */
struct cp_http_request {
	uint32_t struct_size;
	uint32_t flags;			/* CP_HTTP_F_* */
	const char *method;		/* NULL: GET, or POST when body != NULL */
	const char *url;		/* http:// only to loopback addresses */
	const char *const *headers;	/* NULL-terminated "Name: value" */
	const void *body;
	size_t body_len;
	long connect_timeout_ms;	/* 0: [http] connect_timeout */
	long timeout_ms;		/* 0: [http] timeout */
	size_t max_body;		/* 0: CP_HTTP_DEFAULT_MAX_BODY */
	int max_retries;		/* -1: none; 0: default (4) */
	unsigned max_pages;		/* paginate only; 0: default */
	cp_http_sign_fn sign;		/* NULL: none */
	void *sign_ud;
};

/* Do not retry on 429/5xx: return the first response as it is. */
#define CP_HTTP_F_NO_RETRY_STATUS 0x1u

/*
 * A response.  Owned by the caller of http_perform; free it with
 * cp_host.http_response_free.  body is NUL-terminated (body[body_len] == 0)
 * so text bodies can be used as strings.  Since: ABI 1.0
 */
struct cp_http_response {
	uint32_t struct_size;
	long status;			/* the final HTTP status */
	char *body;
	size_t body_len;
	char **headers;			/* "Name: value" of the final response */
	size_t n_headers;
	unsigned attempts;		/* 1 + the retries made */
	double seconds;			/* wall time of all attempts */
};

/*
 * Called with each page by cp_host.http_paginate.  *next starts as a copy of
 * the request that fetched this page; to ask for another page set *more to 1
 * and change next->url and/or next->body to storage owned by ud that stays
 * valid until the next call.  Returning anything but CP_OK stops paging with
 * that code.
 */
typedef cp_err (*cp_http_page_fn)(void *ud,
    const struct cp_http_response *page, struct cp_http_request *next,
    int *more);

#ifdef __cplusplus
}
#endif

#endif /* CLOUDPATROL_HTTP_H */
