/*
 * http_client.c - the core's HTTP client over libcurl.
 *
 * Every request, single or one of many, runs through the same engine: a
 * curl multi handle driven by this thread, and per request a small state
 * machine (pending -> running -> pending again for a retry, or done).  A
 * pending request starts when its backoff has passed and the pool's
 * per-host limits give it a slot; waits are cut into slices of at most
 * HTTP_SLICE_MS so that the cancel flag is seen promptly.
 *
 * Messages name the method and the URL without its query, user or
 * password, and never a request header: they may be logged.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <curl/curl.h>

#include "net/http_client.h"
#include "net/ratelimit.h"
#include "net/retry.h"
#include "net/url.h"
#include "util/util.h"

#define HTTP_DEF_CONNECT_MS 10000L
#define HTTP_DEF_TIMEOUT_MS 30000L
#define HTTP_DEF_RETRIES 4u
#define HTTP_DEF_BACKOFF_BASE_MS 500L
#define HTTP_DEF_BACKOFF_MAX_MS 30000L
#define HTTP_DEF_RETRY_AFTER_MAX_MS 120000L
#define HTTP_MAX_RETRIES 20u          /* cap of any retry count */
#define HTTP_MAX_TIMEOUT_MS 86400000L /* one day */
#define HTTP_MAX_RESP_HEADERS 200     /* lines kept of a response */
#define HTTP_MAX_RESP_HEADER_BYTES 65536
#define HTTP_MAX_REQ_HEADERS 128 /* lines a request may send */
#define HTTP_MAX_HEADER_LINE 8192
#define HTTP_MAX_PARALLEL 16 /* transfers of one client at once */
#define HTTP_MAX_MANY 4096   /* requests of one perform_many */
#define HTTP_SLICE_MS 50L    /* longest wait between cancel checks */
#define HTTP_MSG_MAX 512

/* The size of struct cp_http_request in ABI 1.0. */
#define HTTP_REQUEST_V1_SIZE                                                   \
	(offsetof(struct cp_http_request, sign_ud) + sizeof(void *))

struct cp_http_pool {
	char *ca_file; /* NULL: the system bundle */
	char *proxy;   /* NULL: libcurl's environment rules */
	char *user_agent;
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_body;
	unsigned retries;
	long backoff_base_ms;
	long backoff_max_ms;
	long retry_after_max_ms;
	const volatile int *cancel;
	cp_hostlim *limits;
};

struct cp_http {
	cp_http_pool *pool; /* borrowed */
	CURLM *multi;
	CURL *idle[HTTP_MAX_PARALLEL]; /* easy handles kept for reuse */
	size_t n_idle;
	uint64_t rng;
	char errmsg[HTTP_MSG_MAX];
};

enum xfer_state { XF_PENDING, XF_RUNNING, XF_DONE };

/* One request and the state of its current attempt. */
struct xfer {
	const struct cp_http_request *orig; /* the caller's, for sign() */
	struct cp_http_request req;         /* a zero-extended copy */
	char method[16];
	struct cp_http_target target;
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_body;
	unsigned max_attempts;

	enum xfer_state state;
	unsigned attempts;
	double started;                /* monotonic, first attempt */
	double not_before;             /* monotonic, next attempt */
	CURL *easy;                    /* while running */
	struct curl_slist *hdrs;       /* headers of this attempt */
	struct cp_hostlim_entry *slot; /* while running */
	struct cp_buf body;
	char **headers; /* response lines, NULL-terminated */
	size_t n_headers;
	size_t header_bytes;
	int too_large;    /* the body passed max_body */
	int headers_over; /* the headers passed their bounds */
	int nomem;
	char curl_err[CURL_ERROR_SIZE];
	char detail[HTTP_MSG_MAX]; /* what went wrong last */

	cp_err err;                    /* when done */
	char msg[HTTP_MSG_MAX];        /* when done with an error */
	struct cp_http_response *resp; /* when done with CP_OK */
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_ms(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* splitmix64: the jitter needs spread, not secrecy. */
static uint64_t
http_random(cp_http *h)
{
	uint64_t z;

	h->rng += 0x9e3779b97f4a7c15ULL;
	z = h->rng;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
http_cancelled(const cp_http *h)
{
	return h->pool->cancel != NULL && *h->pool->cancel != 0;
}

static void
http_set_errmsg(cp_http *h, const char *msg)
{
	cp_strlcpy(h->errmsg, msg, sizeof(h->errmsg));
}

/* ------------------------------------------------------------------ pool */

/* A copy of s, or NULL for NULL; *bad set when the copy failed. */
static char *
dup_opt(const char *s, int *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*bad = 1;
	return d;
}

cp_err
cp_http_pool_create(const struct cp_http_settings *s, cp_http_pool **out)
{
	static const struct cp_http_settings none;
	cp_http_pool *pool = NULL;
	int bad = 0;
	cp_err r = CP_E_INVALID;

	if (out == NULL)
		return CP_E_INVALID;
	*out = NULL;
	if (s == NULL)
		s = &none;
	if (s->connect_timeout_ms < 0 || s->timeout_ms < 0 ||
	    s->backoff_base_ms < 0 || s->backoff_max_ms < 0 ||
	    s->retry_after_max_ms < 0 ||
	    s->connect_timeout_ms > HTTP_MAX_TIMEOUT_MS ||
	    s->timeout_ms > HTTP_MAX_TIMEOUT_MS ||
	    s->retries > HTTP_MAX_RETRIES ||
	    (s->user_agent != NULL && strpbrk(s->user_agent, "\r\n") != NULL))
		goto out;
	r = CP_E_NOMEM;
	pool = calloc(1, sizeof(*pool));
	if (pool == NULL)
		goto out;
	pool->ca_file = dup_opt(s->ca_file, &bad);
	pool->proxy = dup_opt(s->proxy, &bad);
	pool->user_agent =
	    dup_opt(s->user_agent != NULL ? s->user_agent
					  : "cloudpatrol/" PACKAGE_VERSION,
		&bad);
	pool->limits = cp_hostlim_create();
	if (bad || pool->limits == NULL)
		goto out;
	pool->connect_timeout_ms = s->connect_timeout_ms > 0
				       ? s->connect_timeout_ms
				       : HTTP_DEF_CONNECT_MS;
	pool->timeout_ms =
	    s->timeout_ms > 0 ? s->timeout_ms : HTTP_DEF_TIMEOUT_MS;
	pool->max_body =
	    s->max_body > 0 && s->max_body < CP_HTTP_DEFAULT_MAX_BODY
		? s->max_body
		: CP_HTTP_DEFAULT_MAX_BODY;
	pool->retries = s->retries > 0 ? s->retries : HTTP_DEF_RETRIES;
	pool->backoff_base_ms = s->backoff_base_ms > 0
				    ? s->backoff_base_ms
				    : HTTP_DEF_BACKOFF_BASE_MS;
	pool->backoff_max_ms =
	    s->backoff_max_ms > 0 ? s->backoff_max_ms : HTTP_DEF_BACKOFF_MAX_MS;
	if (pool->backoff_max_ms < pool->backoff_base_ms)
		pool->backoff_max_ms = pool->backoff_base_ms;
	pool->retry_after_max_ms = s->retry_after_max_ms > 0
				       ? s->retry_after_max_ms
				       : HTTP_DEF_RETRY_AFTER_MAX_MS;
	pool->cancel = s->cancel;
	*out = pool;
	pool = NULL;
	r = CP_OK;
out:
	cp_http_pool_destroy(pool);
	return r;
}

void
cp_http_pool_destroy(cp_http_pool *pool)
{
	if (pool == NULL)
		return;
	cp_hostlim_destroy(pool->limits);
	free(pool->ca_file);
	free(pool->proxy);
	free(pool->user_agent);
	free(pool);
}

/* ---------------------------------------------------------------- client */

cp_http *
cp_http_create(cp_http_pool *pool)
{
	cp_http *h;
	struct timespec ts;

	if (pool == NULL)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->pool = pool;
	h->multi = curl_multi_init();
	if (h->multi == NULL) {
		free(h);
		return NULL;
	}
	if (getrandom(&h->rng, sizeof(h->rng), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(h->rng)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		h->rng = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
			 (uint64_t)(uintptr_t)h;
	}
	http_set_errmsg(h, "no failure");
	return h;
}

void
cp_http_destroy(cp_http *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n_idle; i++)
		curl_easy_cleanup(h->idle[i]);
	curl_multi_cleanup(h->multi);
	free(h);
}

const char *
cp_http_errmsg(const cp_http *h)
{
	return h != NULL ? h->errmsg : "no HTTP client";
}

cp_err
cp_http_set_limits(cp_http *h, const char *host, double rate_per_sec,
    unsigned burst, unsigned max_conn)
{
	cp_err r;

	if (h == NULL)
		return CP_E_INVALID;
	r = cp_hostlim_set(
	    h->pool->limits, host, rate_per_sec, burst, max_conn, mono_now());
	if (r == CP_E_INVALID)
		cp_snprintf(h->errmsg, sizeof(h->errmsg),
		    "limits for host \"%.100s\": malformed host or value",
		    host != NULL ? host : "");
	else if (r == CP_E_LIMIT)
		cp_snprintf(h->errmsg, sizeof(h->errmsg),
		    "limits for host \"%.100s\": more than %d hosts have "
		    "limits",
		    host, CP_HOSTLIM_MAX_HOSTS);
	else if (r != CP_OK)
		http_set_errmsg(h, cp_strerror(r));
	return r;
}

/* An easy handle from the idle ones, or a new one. */
static CURL *
easy_get(cp_http *h)
{
	if (h->n_idle > 0)
		return h->idle[--h->n_idle];
	return curl_easy_init();
}

/*
 * Keeps an easy handle for the next transfer: reset, it keeps its TLS
 * session and DNS caches.
 */
static void
easy_put(cp_http *h, CURL *e)
{
	if (e == NULL)
		return;
	if (h->n_idle < HTTP_MAX_PARALLEL) {
		curl_easy_reset(e);
		h->idle[h->n_idle++] = e;
	} else
		curl_easy_cleanup(e);
}

/* ------------------------------------------------------------- response */

void
cp_http_response_free(struct cp_http_response *resp)
{
	size_t i;

	if (resp == NULL)
		return;
	free(resp->body);
	for (i = 0; i < resp->n_headers; i++)
		free(resp->headers[i]);
	free(resp->headers);
	free(resp);
}

const char *
cp_http_response_header(const struct cp_http_response *resp, const char *name)
{
	size_t i, len;
	const char *v;

	if (resp == NULL || name == NULL)
		return NULL;
	len = strlen(name);
	for (i = 0; i < resp->n_headers; i++) {
		if (strncasecmp(resp->headers[i], name, len) != 0 ||
		    resp->headers[i][len] != ':')
			continue;
		for (v = resp->headers[i] + len + 1; *v == ' ' || *v == '\t';
		     v++)
			;
		return v;
	}
	return NULL;
}

static void
xfer_headers_clear(struct xfer *x)
{
	size_t i;

	for (i = 0; i < x->n_headers; i++)
		free(x->headers[i]);
	free(x->headers);
	x->headers = NULL;
	x->n_headers = 0;
	x->header_bytes = 0;
}

/* libcurl's header callback: keeps the lines of the latest response. */
static size_t
on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t total = size * n, len = total;
	char **v, *line;

	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* A new response (after 1xx or a proxy's CONNECT). */
		xfer_headers_clear(x);
		return total;
	}
	if (len == 0)
		return total;
	if (x->n_headers >= HTTP_MAX_RESP_HEADERS ||
	    len > HTTP_MAX_RESP_HEADER_BYTES - x->header_bytes) {
		x->headers_over = 1;
		return 0;
	}
	v = realloc(x->headers, (x->n_headers + 2) * sizeof(*v));
	if (v == NULL) {
		x->nomem = 1;
		return 0;
	}
	x->headers = v;
	line = strndup(p, len);
	if (line == NULL) {
		x->nomem = 1;
		return 0;
	}
	x->headers[x->n_headers++] = line;
	x->headers[x->n_headers] = NULL;
	x->header_bytes += len;
	return total;
}

/* libcurl's write callback: a short count aborts the transfer. */
static size_t
on_body(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t total = size * n;

	if (total > x->max_body - x->body.len) {
		x->too_large = 1;
		return 0;
	}
	if (cp_buf_append(&x->body, p, total) != CP_OK) {
		x->nomem = 1;
		return 0;
	}
	return total;
}

/* The value of header name in the current attempt's response, or NULL. */
static const char *
xfer_header(const struct xfer *x, const char *name)
{
	struct cp_http_response tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.headers = x->headers;
	tmp.n_headers = x->n_headers;
	return cp_http_response_header(&tmp, name);
}

/* ---------------------------------------------------------- a transfer */

/* A header line is "Name: value" (or "Name:"), on one line. */
static int
header_line_ok(const char *line)
{
	const char *colon;
	size_t i;

	if (line == NULL || strlen(line) > HTTP_MAX_HEADER_LINE ||
	    strpbrk(line, "\r\n") != NULL)
		return 0;
	colon = strchr(line, ':');
	if (colon == NULL || colon == line)
		return 0;
	for (i = 0; line + i < colon; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c <= ' ' || c >= 0x7f || strchr("\"(),/;<=>?@[\\]{}", c))
			return 0;
	}
	return 1;
}

/* Appends a header line to the attempt (the sign callback's add()). */
static cp_err
xfer_add_header(void *ctx, const char *line)
{
	struct xfer *x = ctx;
	struct curl_slist *l;

	if (!header_line_ok(line))
		return CP_E_INVALID;
	l = curl_slist_append(x->hdrs, line);
	if (l == NULL)
		return CP_E_NOMEM;
	x->hdrs = l;
	return CP_OK;
}

/* Ends x with err and the message "METHOD URL: detail (n attempts)". */
static void
xfer_finish_error(struct xfer *x, cp_err err, const char *detail)
{
	x->state = XF_DONE;
	x->err = err;
	if (x->attempts > 0)
		cp_snprintf(x->msg, sizeof(x->msg), "%s %s: %s (%u attempt%s)",
		    x->method, x->target.display, detail, x->attempts,
		    x->attempts == 1 ? "" : "s");
	else
		cp_snprintf(x->msg, sizeof(x->msg), "%s %s: %s", x->method,
		    x->target.display, detail);
}

/*
 * Checks and copies a request into x.  A refused request ends x at once
 * with CP_E_INVALID: no transfer is made.
 */
static void
xfer_prepare(cp_http *h, struct xfer *x, const struct cp_http_request *req)
{
	const cp_http_pool *pool = h->pool;
	char why[256];
	size_t i, size;
	unsigned retries;

	memset(x, 0, sizeof(*x));
	x->state = XF_PENDING;
	x->orig = req;
	cp_strlcpy(x->method, "request", sizeof(x->method));
	cp_strlcpy(x->target.display, "(no URL)", sizeof(x->target.display));
	cp_buf_init(&x->body, 0);
	if (req == NULL || req->struct_size < HTTP_REQUEST_V1_SIZE) {
		xfer_finish_error(
		    x, CP_E_INVALID, "the request has no struct_size");
		return;
	}
	size = req->struct_size < sizeof(x->req) ? req->struct_size
						 : sizeof(x->req);
	memcpy(&x->req, req, size);
	x->req.struct_size = sizeof(x->req);
	if (x->req.method == NULL)
		cp_strlcpy(x->method, x->req.body != NULL ? "POST" : "GET",
		    sizeof(x->method));
	else if (!cp_str_only(x->req.method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") ||
		 strlen(x->req.method) >= sizeof(x->method)) {
		xfer_finish_error(
		    x, CP_E_INVALID, "the method must be an upper-case word");
		return;
	} else
		cp_strlcpy(x->method, x->req.method, sizeof(x->method));
	if (cp_http_target_parse(x->req.url, &x->target, why, sizeof(why)) !=
	    CP_OK) {
		xfer_finish_error(x, CP_E_INVALID, why);
		return;
	}
	for (i = 0; x->req.headers != NULL && x->req.headers[i] != NULL; i++) {
		if (i >= HTTP_MAX_REQ_HEADERS) {
			cp_snprintf(why, sizeof(why),
			    "more than %d request headers",
			    HTTP_MAX_REQ_HEADERS);
			xfer_finish_error(x, CP_E_INVALID, why);
			return;
		}
		if (!header_line_ok(x->req.headers[i])) {
			cp_snprintf(why, sizeof(why),
			    "request header %zu is "
			    "not one \"Name: value\" line",
			    i + 1);
			xfer_finish_error(x, CP_E_INVALID, why);
			return;
		}
	}
	if ((x->req.body == NULL && x->req.body_len > 0) ||
	    (x->req.body != NULL && strcmp(x->method, "HEAD") == 0) ||
	    x->req.connect_timeout_ms < 0 || x->req.timeout_ms < 0 ||
	    x->req.connect_timeout_ms > HTTP_MAX_TIMEOUT_MS ||
	    x->req.timeout_ms > HTTP_MAX_TIMEOUT_MS) {
		xfer_finish_error(x, CP_E_INVALID,
		    "a body length without a body, a body with HEAD, or a "
		    "timeout out of range");
		return;
	}
	x->connect_timeout_ms = x->req.connect_timeout_ms > 0
				    ? x->req.connect_timeout_ms
				    : pool->connect_timeout_ms;
	x->timeout_ms =
	    x->req.timeout_ms > 0 ? x->req.timeout_ms : pool->timeout_ms;
	x->max_body = x->req.max_body > 0 ? x->req.max_body : pool->max_body;
	if (x->max_body > CP_HTTP_DEFAULT_MAX_BODY)
		x->max_body = CP_HTTP_DEFAULT_MAX_BODY;
	if (x->req.max_retries < 0)
		retries = 0;
	else if (x->req.max_retries == 0)
		retries = pool->retries;
	else
		retries = (unsigned)x->req.max_retries < HTTP_MAX_RETRIES
			      ? (unsigned)x->req.max_retries
			      : HTTP_MAX_RETRIES;
	x->max_attempts = retries + 1;
	x->started = x->not_before = mono_now();
}

/* Frees what one attempt gathered. */
static void
xfer_reset_attempt(struct xfer *x)
{
	cp_buf_free(&x->body);
	cp_buf_init(&x->body, x->max_body);
	xfer_headers_clear(x);
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	x->too_large = x->headers_over = x->nomem = 0;
	x->curl_err[0] = '\0';
}

static void
xfer_cleanup(struct xfer *x)
{
	xfer_reset_attempt(x);
	cp_buf_free(&x->body);
	cp_http_response_free(x->resp);
	x->resp = NULL;
}

/* Sets the options of one attempt on e; non-zero when one was refused. */
static int
xfer_setopts(cp_http *h, struct xfer *x, CURL *e)
{
	const cp_http_pool *pool = h->pool;
	const struct cp_http_request *q = &x->req;
	int bad = 0;

	bad |= curl_easy_setopt(e, CURLOPT_URL, q->url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, x) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
		   x->target.https ? "https" : "http") != CURLE_OK;
#else
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS,
		   x->target.https ? (long)CURLPROTO_HTTPS
				   : (long)CURLPROTO_HTTP) != CURLE_OK;
#endif
	bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSLVERSION,
		   (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK;
	if (pool->ca_file != NULL)
		bad |= curl_easy_setopt(e, CURLOPT_CAINFO, pool->ca_file) !=
		       CURLE_OK;
	/* Loopback traffic never goes through a proxy. */
	if (x->target.loopback)
		bad |= curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK;
	else if (pool->proxy != NULL)
		bad |=
		    curl_easy_setopt(e, CURLOPT_PROXY, pool->proxy) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
		   x->connect_timeout_ms) != CURLE_OK;
	bad |=
	    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, x->timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, pool->user_agent) !=
	       CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x) != CURLE_OK;
	bad |=
	    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, x) != CURLE_OK;
	bad |=
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_err) != CURLE_OK;
	if (strcmp(x->method, "HEAD") == 0)
		bad |= curl_easy_setopt(e, CURLOPT_NOBODY, 1L) != CURLE_OK;
	else
		bad |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
			   (curl_off_t)x->max_body) != CURLE_OK;
	if (q->body != NULL || strcmp(x->method, "POST") == 0) {
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
			   (curl_off_t)q->body_len) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS,
			   q->body != NULL ? q->body : "") != CURLE_OK;
	}
	if (strcmp(x->method, "POST") != 0 &&
	    (q->body != NULL || (strcmp(x->method, "GET") != 0 &&
				    strcmp(x->method, "HEAD") != 0)))
		bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method) !=
		       CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs) != CURLE_OK;
	return bad;
}

/*
 * Starts one attempt of x (its slot already taken): builds the headers,
 * has the request signed, and adds it to the multi handle.
 */
static cp_err
xfer_start(cp_http *h, struct xfer *x)
{
	char why[256];
	size_t i;
	cp_err r;

	xfer_reset_attempt(x);
	for (i = 0; x->req.headers != NULL && x->req.headers[i] != NULL; i++)
		if (xfer_add_header(x, x->req.headers[i]) != CP_OK)
			goto nomem;
	/* No "Expect: 100-continue" round trip for larger bodies. */
	if (xfer_add_header(x, "Expect:") != CP_OK)
		goto nomem;
	if (x->req.sign != NULL) {
		r = x->req.sign(x->req.sign_ud, x->orig, xfer_add_header, x);
		if (r != CP_OK) {
			cp_snprintf(why, sizeof(why),
			    "the sign callback failed: %s", cp_strerror(r));
			xfer_finish_error(x, r, why);
			return r;
		}
	}
	x->easy = easy_get(h);
	if (x->easy == NULL)
		goto nomem;
	if (xfer_setopts(h, x, x->easy) != 0) {
		easy_put(h, x->easy);
		x->easy = NULL;
		xfer_finish_error(x, CP_E_HTTP,
		    "libcurl refused an option (built without HTTPS?)");
		return CP_E_HTTP;
	}
	if (curl_multi_add_handle(h->multi, x->easy) != CURLM_OK) {
		easy_put(h, x->easy);
		x->easy = NULL;
		goto nomem;
	}
	x->attempts++;
	x->state = XF_RUNNING;
	return CP_OK;
nomem:
	xfer_finish_error(x, CP_E_NOMEM, "out of memory");
	return CP_E_NOMEM;
}

/* Hands the attempt's response to x->resp: the request is done. */
static void
xfer_finish_response(struct xfer *x, long status)
{
	struct cp_http_response *resp;

	resp = calloc(1, sizeof(*resp));
	if (resp == NULL) {
		xfer_finish_error(x, CP_E_NOMEM, "out of memory");
		return;
	}
	resp->struct_size = sizeof(*resp);
	resp->status = status;
	resp->body_len = x->body.len;
	resp->body = x->body.data != NULL ? cp_buf_steal(&x->body) : strdup("");
	if (resp->body == NULL) {
		free(resp);
		xfer_finish_error(x, CP_E_NOMEM, "out of memory");
		return;
	}
	resp->headers = x->headers;
	resp->n_headers = x->n_headers;
	x->headers = NULL;
	x->n_headers = 0;
	resp->attempts = x->attempts;
	resp->seconds = mono_now() - x->started;
	x->resp = resp;
	x->err = CP_OK;
	x->state = XF_DONE;
}

/* Describes a failed attempt in x->detail. */
static void
xfer_describe(struct xfer *x, CURLcode rc, cp_err err)
{
	const char *curl_msg =
	    x->curl_err[0] != '\0' ? x->curl_err : curl_easy_strerror(rc);
	curl_off_t pretransfer = 0;

	switch (err) {
	case CP_E_HTTP_TIMEOUT:
		if (x->easy != NULL)
			curl_easy_getinfo(
			    x->easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
		if (pretransfer == 0)
			cp_snprintf(x->detail, sizeof(x->detail),
			    "could not connect within %ld ms",
			    x->connect_timeout_ms);
		else
			cp_snprintf(x->detail, sizeof(x->detail),
			    "timed out after %ld ms", x->timeout_ms);
		break;
	case CP_E_HTTP_TOO_LARGE:
		if (x->headers_over)
			cp_snprintf(x->detail, sizeof(x->detail),
			    "more than %d response header lines or %d bytes",
			    HTTP_MAX_RESP_HEADERS, HTTP_MAX_RESP_HEADER_BYTES);
		else
			cp_snprintf(x->detail, sizeof(x->detail),
			    "body larger than %zu bytes", x->max_body);
		break;
	case CP_E_HTTP_TRUNCATED:
		cp_snprintf(x->detail, sizeof(x->detail),
		    "body ended before its Content-Length (%s)", curl_msg);
		break;
	case CP_E_HTTP_TLS:
		cp_snprintf(x->detail, sizeof(x->detail),
		    "TLS failed, the peer was not verified (%s)", curl_msg);
		break;
	case CP_E_HTTP_CONNECT:
		cp_snprintf(x->detail, sizeof(x->detail),
		    "could not connect (%s)", curl_msg);
		break;
	case CP_E_NOMEM:
		cp_snprintf(x->detail, sizeof(x->detail), "out of memory");
		break;
	default:
		cp_snprintf(x->detail, sizeof(x->detail), "%s", curl_msg);
		break;
	}
}

/* Schedules the next attempt of x after wait_ms. */
static void
xfer_retry_later(struct xfer *x, long wait_ms)
{
	x->state = XF_PENDING;
	x->not_before = mono_now() + (double)wait_ms / 1000.0;
}

/*
 * Decides what a finished attempt means: a response, a retry, or a
 * failure.  The attempt's easy handle is out of the multi handle.
 */
static void
xfer_attempt_done(cp_http *h, struct xfer *x, CURLcode rc)
{
	const cp_http_pool *pool = h->pool;
	long status = 0, wait_ms, ra;
	const char *ra_value;
	int retryable;
	cp_err err;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	wait_ms = cp_http_backoff_ms(x->attempts - 1, pool->backoff_base_ms,
	    pool->backoff_max_ms, http_random(h));
	if (rc == CURLE_OK) {
		if (!cp_http_status_retryable(status) ||
		    (x->req.flags & CP_HTTP_F_NO_RETRY_STATUS) != 0 ||
		    x->attempts >= x->max_attempts) {
			xfer_finish_response(x, status);
			goto out;
		}
		ra_value = xfer_header(x, "Retry-After");
		ra = cp_http_retry_after_ms(ra_value, time(NULL));
		if (ra >= 0)
			wait_ms = ra < pool->retry_after_max_ms
				      ? ra
				      : pool->retry_after_max_ms;
		xfer_retry_later(x, wait_ms);
		goto out;
	}
	err = cp_http_curl_outcome(rc, &retryable);
	if (x->nomem) {
		err = CP_E_NOMEM;
		retryable = 0;
	} else if (rc == CURLE_WRITE_ERROR && !x->too_large &&
		   !x->headers_over) {
		err = CP_E_HTTP;
		retryable = 0;
	}
	xfer_describe(x, rc, err);
	if (retryable && x->attempts < x->max_attempts)
		xfer_retry_later(x, wait_ms);
	else
		xfer_finish_error(x, err, x->detail);
out:
	easy_put(h, x->easy);
	x->easy = NULL;
}

/* Takes a running attempt out of the multi handle and frees its slot. */
static void
xfer_detach(cp_http *h, struct xfer *x)
{
	curl_multi_remove_handle(h->multi, x->easy);
	cp_hostlim_release(h->pool->limits, x->slot);
	x->slot = NULL;
}

/* Ends every request not done yet with CP_E_CANCELLED. */
static void
engine_cancel(cp_http *h, struct xfer *xs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct xfer *x = &xs[i];

		if (x->state == XF_RUNNING) {
			xfer_detach(h, x);
			easy_put(h, x->easy);
			x->easy = NULL;
		}
		if (x->state != XF_DONE)
			xfer_finish_error(x, CP_E_CANCELLED, "cancelled");
	}
}

/*
 * Drives xs[0..n) to the end: starts what may start, runs the transfers,
 * schedules retries, and waits in slices for the next event.
 */
static void
engine_run(cp_http *h, struct xfer *xs, size_t n)
{
	cp_hostlim *lim = h->pool->limits;
	size_t i, left = 0, running = 0;

	for (i = 0; i < n; i++)
		if (xs[i].state != XF_DONE)
			left++;
	while (left > 0) {
		double now = mono_now();
		long wait_ms = HTTP_SLICE_MS, w;
		unsigned long gen = 0, g;
		int slot_wait = 0, progressed = 0, q, still;
		CURLMsg *m;

		if (http_cancelled(h)) {
			engine_cancel(h, xs, n);
			return;
		}
		for (i = 0; i < n && running < HTTP_MAX_PARALLEL; i++) {
			struct xfer *x = &xs[i];

			if (x->state != XF_PENDING)
				continue;
			if (x->not_before > now) {
				w = (long)((x->not_before - now) * 1000) + 1;
				if (w < wait_ms)
					wait_ms = w;
				continue;
			}
			if (cp_hostlim_try(lim, x->target.host, x->target.port,
				now, &x->slot, &w, &g) != CP_OK) {
				if (!slot_wait)
					gen = g;
				slot_wait = 1;
				if (w >= 0 && w < wait_ms)
					wait_ms = w;
				continue;
			}
			if (xfer_start(h, x) != CP_OK) {
				cp_hostlim_release(lim, x->slot);
				x->slot = NULL;
				left--;
				continue;
			}
			running++;
		}
		if (running == 0) {
			if (left == 0)
				break;
			if (slot_wait)
				cp_hostlim_wait(lim, gen, wait_ms);
			else
				sleep_ms(wait_ms);
			continue;
		}
		curl_multi_perform(h->multi, &still);
		while ((m = curl_multi_info_read(h->multi, &q)) != NULL) {
			CURL *e = m->easy_handle;
			CURLcode rc = m->data.result;
			struct xfer *x;
			char *priv = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
			x = (struct xfer *)(void *)priv;
			xfer_detach(h, x);
			running--;
			progressed = 1;
			xfer_attempt_done(h, x, rc);
			if (x->state == XF_DONE)
				left--;
		}
		if (!progressed)
			curl_multi_poll(h->multi, NULL, 0, (int)wait_ms, NULL);
	}
}

/* ------------------------------------------------------------ requests */

cp_err
cp_http_perform(cp_http *h, const struct cp_http_request *req,
    struct cp_http_response **resp)
{
	struct xfer x;

	if (resp != NULL)
		*resp = NULL;
	if (h == NULL || resp == NULL)
		return CP_E_INVALID;
	xfer_prepare(h, &x, req);
	engine_run(h, &x, 1);
	if (x.err == CP_OK) {
		*resp = x.resp;
		x.resp = NULL;
	} else
		http_set_errmsg(h, x.msg);
	xfer_cleanup(&x);
	return x.err;
}

cp_err
cp_http_perform_many(cp_http *h, const struct cp_http_request *const *reqs,
    size_t n, struct cp_http_response **resps, cp_err *errs)
{
	struct xfer *xs;
	size_t i, failed = n;
	cp_err r = CP_OK;

	if (h == NULL || (n > 0 && (reqs == NULL || resps == NULL)))
		return CP_E_INVALID;
	for (i = 0; i < n; i++) {
		resps[i] = NULL;
		if (errs != NULL)
			errs[i] = CP_E_INVALID;
	}
	if (n == 0)
		return CP_OK;
	if (n > HTTP_MAX_MANY) {
		cp_snprintf(h->errmsg, sizeof(h->errmsg),
		    "%zu requests at once; at most %d", n, HTTP_MAX_MANY);
		return CP_E_INVALID;
	}
	xs = calloc(n, sizeof(*xs));
	if (xs == NULL) {
		http_set_errmsg(h, "out of memory");
		for (i = 0; errs != NULL && i < n; i++)
			errs[i] = CP_E_NOMEM;
		return CP_E_NOMEM;
	}
	for (i = 0; i < n; i++)
		xfer_prepare(h, &xs[i], reqs[i]);
	engine_run(h, xs, n);
	for (i = 0; i < n; i++) {
		if (errs != NULL)
			errs[i] = xs[i].err;
		if (xs[i].err == CP_OK) {
			resps[i] = xs[i].resp;
			xs[i].resp = NULL;
		} else if (failed == n) {
			failed = i;
			r = xs[i].err;
		}
		if (xs[i].err == CP_E_CANCELLED)
			r = CP_E_CANCELLED;
	}
	if (failed < n)
		cp_snprintf(h->errmsg, sizeof(h->errmsg),
		    "request %zu of %zu: %s", failed + 1, n, xs[failed].msg);
	for (i = 0; i < n; i++)
		xfer_cleanup(&xs[i]);
	free(xs);
	return r;
}

cp_err
cp_http_paginate(cp_http *h, const struct cp_http_request *first,
    cp_http_page_fn page, void *ud)
{
	struct cp_http_request cur, next;
	struct cp_http_response *resp = NULL;
	unsigned max_pages, n;
	int more;
	cp_err r;

	if (h == NULL || page == NULL || first == NULL ||
	    first->struct_size < HTTP_REQUEST_V1_SIZE) {
		if (h != NULL)
			http_set_errmsg(h, "paginate: no request or callback");
		return CP_E_INVALID;
	}
	memset(&cur, 0, sizeof(cur));
	memcpy(&cur, first,
	    first->struct_size < sizeof(cur) ? first->struct_size
					     : sizeof(cur));
	cur.struct_size = sizeof(cur);
	max_pages =
	    cur.max_pages > 0 ? cur.max_pages : CP_HTTP_DEFAULT_MAX_PAGES;
	for (n = 0;; n++) {
		if (n == max_pages) {
			cp_snprintf(h->errmsg, sizeof(h->errmsg),
			    "paging stopped after %u pages (max_pages)", n);
			return CP_E_LIMIT;
		}
		r = cp_http_perform(h, &cur, &resp);
		if (r != CP_OK)
			return r;
		next = cur;
		more = 0;
		r = page(ud, resp, &next, &more);
		cp_http_response_free(resp);
		resp = NULL;
		if (r != CP_OK) {
			cp_snprintf(h->errmsg, sizeof(h->errmsg),
			    "paging stopped at page %u by its callback: %s",
			    n + 1, cp_strerror(r));
			return r;
		}
		if (!more)
			return CP_OK;
		next.struct_size = sizeof(next);
		cur = next;
	}
}
