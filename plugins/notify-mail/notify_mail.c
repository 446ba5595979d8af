/*
 * notify_mail.c - the SMTP notifier: sends the core's rendered messages as
 * e-mail to destinations of type "mail" and "teams" (a Teams channel is
 * reached through its e-mail address).
 *
 * SMTP goes through libcurl directly: the core's HTTP client speaks HTTP
 * only.  The core initialised libcurl before any thread started; this file
 * never calls curl_global_*.  Each send() makes its own easy handle, so it
 * may run on any worker thread, and everything an instance knows lives in
 * the context init() returns, so that two instances (two SMTP servers)
 * coexist.
 *
 * Outcomes (cloudpatrol/message.h): a 4xx answer or no connection is a
 * passing failure (retry); a 5xx answer, a certificate that does not
 * verify or a server without the STARTTLS it must offer is permanent.
 * The sentence in why carries libcurl's error and the server's last
 * answer, never the password.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include <cloudpatrol/message.h>
#include <cloudpatrol/plugin.h>

#include "mime.h"

/* Most recipients of one destination. */
#define NM_RCPT_MAX 100
/* Longest subject accepted from the core, in bytes. */
#define NM_SUBJECT_MAX 998
/* Longest display name of the sender. */
#define NM_NAME_MAX 200
/* Longest server answer kept for why. */
#define NM_REPLY_MAX 256

struct nm_ctx {
	const struct cp_host *host;
	cp_plugin *self;
	char *curl_url;		/* scheme://authority/[helo]: what curl gets */
	char *shown_url;	/* scheme://authority: for the operator */
	long use_ssl;		/* CURLUSESSL_* */
	char *from;
	char *from_name;
	char *username;		/* NULL: no AUTH */
	char *password;		/* secret: wiped by fini */
	char *ca_file;
	long timeout;		/* seconds */
};

/* What one transfer reads and records. */
struct nm_xfer {
	struct nm_ctx *c;
	const char *msg;
	size_t len, off;
	char reply[NM_REPLY_MAX];	/* the server's last final answer */
	char refusal[NM_REPLY_MAX];	/* its last 4xx or 5xx answer */
};

static char *
nm_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
nm_ctx_free(struct nm_ctx *c)
{
	if (c == NULL)
		return;
	if (c->password != NULL)
		c->host->secret_free(c->password);
	free(c->curl_url);
	free(c->shown_url);
	free(c->from);
	free(c->from_name);
	free(c->username);
	free(c->ca_file);
	free(c);
}

/* Whether s is a host name, an IPv4 address or an [IPv6] literal. */
static int
nm_host_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 253)
		return 0;
	if (s[0] == '[') {
		if (n < 3 || s[n - 1] != ']')
			return 0;
		for (i = 1; i < n - 1; i++)
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':' &&
			    s[i] != '.')
				return 0;
		return 1;
	}
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '.')
			return 0;
	return s[0] != '-' && s[0] != '.';
}

/*
 * Splits url into the URL libcurl gets and the one shown: smtp:// or
 * smtps://, a host, an optional port, no credentials and no path (libcurl
 * would take a path as the EHLO name: that is the helo key's job).
 */
static int
nm_parse_url(struct nm_ctx *c, const char *url, const char *helo,
    char *why, size_t why_size)
{
	const char *auth, *end, *colon, *host_end;
	size_t scheme, n;
	char *curl_url = NULL, *shown = NULL;
	long port;

	if (strncasecmp(url, "smtp://", 7) == 0)
		scheme = 4;
	else if (strncasecmp(url, "smtps://", 8) == 0)
		scheme = 5;
	else {
		snprintf(why, why_size, "url must start with smtp:// or "
		    "smtps://");
		return -1;
	}
	auth = url + scheme + 3;
	end = auth + strcspn(auth, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0) {
		snprintf(why, why_size, "url must not have a path or a "
		    "query (use helo for the EHLO name)");
		return -1;
	}
	if (memchr(auth, '@', (size_t)(end - auth)) != NULL) {
		snprintf(why, why_size, "url must not hold credentials (use "
		    "username and password_file)");
		return -1;
	}
	/* host[:port] or [v6][:port] */
	if (*auth == '[') {
		host_end = memchr(auth, ']', (size_t)(end - auth));
		host_end = host_end != NULL ? host_end + 1 : end;
	} else {
		host_end = memchr(auth, ':', (size_t)(end - auth));
		if (host_end == NULL)
			host_end = end;
	}
	colon = host_end < end ? host_end : NULL;
	if (!nm_host_ok(auth, (size_t)(host_end - auth)) ||
	    (colon != NULL && *colon != ':')) {
		snprintf(why, why_size, "url does not name a host");
		return -1;
	}
	if (colon != NULL) {
		port = 0;
		for (n = 1; colon + n < end; n++) {
			if (!isdigit((unsigned char)colon[n]) || n > 5) {
				port = 0;
				break;
			}
			port = port * 10 + (colon[n] - '0');
		}
		if (port < 1 || port > 65535) {
			snprintf(why, why_size, "url has a bad port");
			return -1;
		}
	}
	if (helo != NULL && !nm_host_ok(helo, strlen(helo))) {
		snprintf(why, why_size, "helo must be a host name or an "
		    "[address]");
		return -1;
	}
	n = (size_t)(end - url);
	shown = malloc(n + 1);
	curl_url = malloc(n + 2 + (helo != NULL ? strlen(helo) : 0));
	if (shown == NULL || curl_url == NULL) {
		free(shown);
		free(curl_url);
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	memcpy(shown, url, n);
	shown[n] = '\0';
	snprintf(curl_url, n + 2 + (helo != NULL ? strlen(helo) : 0),
	    "%s/%s", shown, helo != NULL ? helo : "");
	c->shown_url = shown;
	c->curl_url = curl_url;
	c->use_ssl = scheme == 5 ? CURLUSESSL_ALL : CURLUSESSL_NONE;
	return 0;
}

/* Whether s holds a control character. */
static int
nm_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Reads and checks the [plugin:notify-mail] keys into c. */
static int
nm_configure(struct nm_ctx *c, char *why, size_t why_size)
{
	const struct cp_host *h = c->host;
	const char *url = h->config_get(c->self, "url");
	const char *starttls = h->config_get(c->self, "starttls");
	const char *from = h->config_get(c->self, "from");
	const char *from_name = h->config_get(c->self, "from_name");
	const char *username = h->config_get(c->self, "username");
	const char *pwfile = h->config_get(c->self, "password_file");
	const char *ca_file = h->config_get(c->self, "ca_file");
	const char *helo = h->config_get(c->self, "helo");
	char what[160];
	cp_err r;

	if (url == NULL || from == NULL) {
		snprintf(why, why_size, "url and from are required");
		return -1;
	}
	if (nm_parse_url(c, url, helo, why, why_size) != 0)
		return -1;
	if (starttls == NULL || strcmp(starttls, "required") == 0) {
		c->use_ssl = CURLUSESSL_ALL;
	} else if (strcmp(starttls, "off") != 0) {
		snprintf(why, why_size, "starttls must be required or off");
		return -1;
	}
	if (nm_addr_check(from, what, sizeof(what)) != 0) {
		snprintf(why, why_size, "from %s", what);
		return -1;
	}
	if (from_name == NULL)
		from_name = "cloudpatrol";
	if (strlen(from_name) > NM_NAME_MAX || nm_has_control(from_name) ||
	    !nm_utf8_valid(from_name, strlen(from_name))) {
		snprintf(why, why_size, "from_name must be one line of UTF-8 "
		    "of at most %d bytes", NM_NAME_MAX);
		return -1;
	}
	if (username != NULL && (*username == '\0' ||
	    nm_has_control(username))) {
		snprintf(why, why_size, "username must not be empty or hold "
		    "control characters");
		return -1;
	}
	if ((username == NULL) != (pwfile == NULL)) {
		snprintf(why, why_size, "username and password_file go "
		    "together");
		return -1;
	}
	if (ca_file != NULL && access(ca_file, R_OK) != 0) {
		snprintf(why, why_size, "ca_file %s: %s", ca_file,
		    strerror(errno));
		return -1;
	}
	c->from = nm_strdup(from);
	c->from_name = nm_strdup(from_name);
	c->username = nm_strdup(username);
	c->ca_file = nm_strdup(ca_file);
	if (c->from == NULL || c->from_name == NULL ||
	    (username != NULL && c->username == NULL) ||
	    (ca_file != NULL && c->ca_file == NULL)) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	c->timeout = (long)h->config_get_int(c->self, "timeout");
	if (c->timeout <= 0)
		c->timeout = 30;
	if (pwfile != NULL) {
		/* The host logs why a secret file is refused. */
		r = h->secret_read_file(c->self, pwfile, &c->password);
		if (r != CP_OK) {
			snprintf(why, why_size, "password_file cannot be used "
			    "(%s)", h->strerror(r));
			return -1;
		}
		if (strpbrk(c->password, "\r\n") != NULL) {
			snprintf(why, why_size, "password_file holds more "
			    "than one line");
			return -1;
		}
	}
	return 0;
}

static cp_err
nm_init(const struct cp_host *host, cp_plugin *self, void **ctx)
{
	struct nm_ctx *c;
	char why[512];

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return CP_E_NOMEM;
	c->host = host;
	c->self = self;
	if (nm_configure(c, why, sizeof(why)) != 0) {
		host->log(self, CP_LOG_ERROR, "%s", why);
		nm_ctx_free(c);
		return CP_E_CONFIG;
	}
	if (c->use_ssl == CURLUSESSL_NONE && c->username != NULL)
		host->log(self, CP_LOG_WARNING, "starttls = off: the SMTP "
		    "password travels unencrypted");
	host->log(self, CP_LOG_INFO, "SMTP server %s (%s), sender %s",
	    c->shown_url, strncasecmp(c->shown_url, "smtps:", 6) == 0 ?
	    "TLS" : c->use_ssl == CURLUSESSL_ALL ? "STARTTLS required" :
	    "no TLS", c->from);
	*ctx = c;
	return CP_OK;
}

static void
nm_fini(void *ctx)
{
	nm_ctx_free(ctx);
}

/* Appends "; " and a formatted problem to why. */
static void CP_PRINTF(3, 4)
nm_problem(char *why, size_t why_size, const char *fmt, ...)
{
	size_t used = strnlen(why, why_size);
	va_list ap;

	if (why_size == 0 || used + 3 >= why_size)
		return;
	if (used > 0) {
		memcpy(why + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(why + used, why_size - used, fmt, ap);
	va_end(ap);
}

/*
 * Checks a destination and collects its addresses into to (borrowed from
 * dest).  Every problem is added to why.  Returns the number of problems.
 */
static int
nm_dest_read(const json_t *dest, const char **to, size_t *n_to, char *why,
    size_t why_size)
{
	const json_t *type, *arr, *v;
	char what[160];
	int problems = 0;
	size_t i;

	*n_to = 0;
	if (why_size > 0)
		why[0] = '\0';
	if (!json_is_object(dest)) {
		nm_problem(why, why_size, "the destination is not an object");
		return 1;
	}
	type = json_object_get(dest, "type");
	if (!json_is_string(type) ||
	    (strcmp(json_string_value(type), "mail") != 0 &&
	    strcmp(json_string_value(type), "teams") != 0)) {
		nm_problem(why, why_size, "type must be mail or teams");
		problems++;
	}
	arr = json_object_get(dest, "to");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		nm_problem(why, why_size, "to must be a non-empty array of "
		    "e-mail addresses");
		return problems + 1;
	}
	if (json_array_size(arr) > NM_RCPT_MAX) {
		nm_problem(why, why_size, "to has %zu addresses (at most %d)",
		    json_array_size(arr), NM_RCPT_MAX);
		return problems + 1;
	}
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);

		if (s == NULL) {
			nm_problem(why, why_size, "to[%zu] is not a string",
			    i);
			problems++;
		} else if (strlen(s) != json_string_length(v) ||
		    nm_addr_check(s, what, sizeof(what)) != 0) {
			/* Show the address when it is safe to. */
			if (strlen(s) <= 64 && !nm_has_control(s) &&
			    strlen(s) == json_string_length(v))
				nm_problem(why, why_size, "to[%zu] '%s' is not "
				    "a valid e-mail address: it %s", i, s,
				    what);
			else
				nm_problem(why, why_size, "to[%zu] is not a "
				    "valid e-mail address", i);
			problems++;
		} else {
			to[(*n_to)++] = s;
		}
	}
	return problems;
}

static cp_err
nm_check_destination(void *ctx, const json_t *dest, char *why,
    size_t why_size)
{
	const char *to[NM_RCPT_MAX];
	size_t n;

	(void)ctx;
	return nm_dest_read(dest, to, &n, why, why_size) == 0 ? CP_OK :
	    CP_E_INVALID;
}

/* The string member key of message, or NULL; *len its length. */
static const char *
nm_member(const json_t *message, const char *key, size_t *len, int *bad)
{
	const json_t *v = json_object_get(message, key);
	const char *s;

	*len = 0;
	if (v == NULL || json_is_null(v))
		return NULL;
	s = json_string_value(v);
	if (s == NULL) {
		*bad = 1;
		return NULL;
	}
	*len = json_string_length(v);
	if (strlen(s) != *len)
		*bad = 1;	/* an embedded NUL */
	return s;
}

/* 32 hex digits of randomness (the time as a last resort). */
static void
nm_random_hex(char *out, size_t n)
{
	unsigned char r[16];
	struct timespec ts;
	size_t i;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)((unsigned long)ts.tv_nsec >>
			    (i % 4 * 8)) ^ (unsigned char)(ts.tv_sec >> i) ^
			    (unsigned char)((uintptr_t)out >> (i % 8));
	}
	for (i = 0; i < sizeof(r) && 2 * i + 2 < n; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

static size_t
nm_read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	struct nm_xfer *x = ud;
	size_t n = size * nitems;

	if (n > x->len - x->off)
		n = x->len - x->off;
	memcpy(buf, x->msg + x->off, n);
	x->off += n;
	return n;
}

/*
 * libcurl hands every line the server answers to the header callback.
 * The last final line ("250 OK", not "250-...") is kept for why, made
 * printable, and so is the last refusal (4xx, 5xx): after a refusal
 * libcurl still says QUIT, and "221 Bye" is not what the operator needs.
 */
static size_t
nm_reply_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	struct nm_xfer *x = ud;
	size_t n = size * nitems, i, k;

	if (n >= 4 && isdigit((unsigned char)buf[0]) &&
	    isdigit((unsigned char)buf[1]) &&
	    isdigit((unsigned char)buf[2]) && buf[3] != '-') {
		for (i = 0, k = 0; i < n && k + 1 < sizeof(x->reply); i++) {
			if (buf[i] == '\r' || buf[i] == '\n')
				break;
			x->reply[k++] = (unsigned char)buf[i] >= 0x20 &&
			    (unsigned char)buf[i] < 0x7f ? buf[i] : '?';
		}
		x->reply[k] = '\0';
		if (buf[0] == '4' || buf[0] == '5')
			memcpy(x->refusal, x->reply, k + 1);
	}
	return n;
}

static int
nm_progress_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct nm_xfer *x = ud;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return x->c->host->cancelled(x->c->self) ? 1 : 0;
}

/* Replaces every occurrence of the password in why (belt and braces). */
static void
nm_scrub(const struct nm_ctx *c, char *why)
{
	size_t plen;
	char *p;

	if (c->password == NULL || (plen = strlen(c->password)) == 0)
		return;
	while ((p = strstr(why, c->password)) != NULL) {
		memset(p, '*', plen > 3 ? 3 : plen);
		memmove(p + (plen > 3 ? 3 : plen), p + plen,
		    strlen(p + plen) + 1);
	}
}

/* The outcome of a finished transfer, with its sentence in why. */
static int
nm_outcome(struct nm_ctx *c, CURLcode rc, long code, const char *errbuf,
    const struct nm_xfer *x, size_t n_to, char *why, size_t why_size)
{
	const char *err = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
	const char *said = x->refusal[0] != '\0' && rc != CURLE_OK ?
	    x->refusal : x->reply[0] != '\0' ? x->reply : "nothing";

	switch (rc) {
	case CURLE_OK:
		snprintf(why, why_size, "delivered to %zu recipient%s via %s: "
		    "%s", n_to, n_to == 1 ? "" : "s", c->shown_url, said);
		return CP_SEND_OK;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		snprintf(why, why_size, "%s: the server's certificate did not "
		    "verify: %s", c->shown_url, err);
		return CP_SEND_FAILED;
	case CURLE_SSL_CONNECT_ERROR:
		/* curl says this for any broken handshake, resets and
		 * timeouts included: a passing failure, unlike a
		 * certificate that does not verify. */
		snprintf(why, why_size, "%s: the TLS handshake failed: %s; "
		    "will retry", c->shown_url, err);
		return CP_SEND_RETRY;
	case CURLE_USE_SSL_FAILED:
		snprintf(why, why_size, "%s: the server does not offer "
		    "STARTTLS, which starttls = required demands: %s "
		    "(server: %s)", c->shown_url, err, said);
		return CP_SEND_FAILED;
	case CURLE_ABORTED_BY_CALLBACK:
		snprintf(why, why_size, "%s: cancelled", c->shown_url);
		return CP_SEND_RETRY;
	default:
		break;
	}
	if (code >= 400 && code <= 499) {
		snprintf(why, why_size, "%s answered %s (%s); will retry",
		    c->shown_url, said, err);
		return CP_SEND_RETRY;
	}
	if (code >= 500 && code <= 599) {
		snprintf(why, why_size, "%s refused the message: %s (%s)",
		    c->shown_url, said, err);
		return CP_SEND_FAILED;
	}
	switch (rc) {
	case CURLE_LOGIN_DENIED:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
		snprintf(why, why_size, "%s: %s (server: %s)", c->shown_url,
		    err, said);
		return CP_SEND_FAILED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(why, why_size, "cannot reach %s: %s; will retry",
		    c->shown_url, err);
		return CP_SEND_RETRY;
	default:
		snprintf(why, why_size, "%s: %s (server: %s); will retry",
		    c->shown_url, err, said);
		return CP_SEND_RETRY;
	}
}

/* Sends msg to the recipients through one new easy handle. */
static int
nm_transfer(struct nm_ctx *c, const char *const *to, size_t n_to,
    const char *msg, size_t len, char *why, size_t why_size)
{
	char errbuf[CURL_ERROR_SIZE], from[NM_ADDR_MAX + 3];
	char rcpt[NM_ADDR_MAX + 3];
	struct curl_slist *rcpts = NULL, *l;
	struct nm_xfer x;
	CURLcode rc = CURLE_OUT_OF_MEMORY;
	long code = 0;
	int result;
	size_t i;
	CURL *curl;

	memset(&x, 0, sizeof(x));
	x.c = c;
	x.msg = msg;
	x.len = len;
	errbuf[0] = '\0';
	curl = curl_easy_init();
	if (curl == NULL)
		goto out;
	for (i = 0; i < n_to; i++) {
		snprintf(rcpt, sizeof(rcpt), "<%s>", to[i]);
		l = curl_slist_append(rcpts, rcpt);
		if (l == NULL)
			goto out;
		rcpts = l;
	}
	snprintf(from, sizeof(from), "<%s>", c->from);
	rc = CURLE_OK;
#define NM_SET(opt, val)                                                     \
	do {                                                                 \
		if (rc == CURLE_OK)                                          \
			rc = curl_easy_setopt(curl, opt, val);               \
	} while (0)
	NM_SET(CURLOPT_ERRORBUFFER, errbuf);
	NM_SET(CURLOPT_URL, c->curl_url);
#if LIBCURL_VERSION_NUM >= 0x075500
	NM_SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	NM_SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	NM_SET(CURLOPT_NOSIGNAL, 1L);
	NM_SET(CURLOPT_USE_SSL, c->use_ssl);
	NM_SET(CURLOPT_SSL_VERIFYPEER, 1L);
	NM_SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file != NULL)
		NM_SET(CURLOPT_CAINFO, c->ca_file);
	if (c->username != NULL) {
		NM_SET(CURLOPT_USERNAME, c->username);
		NM_SET(CURLOPT_PASSWORD, c->password);
	}
	NM_SET(CURLOPT_MAIL_FROM, from);
	NM_SET(CURLOPT_MAIL_RCPT, rcpts);
	NM_SET(CURLOPT_UPLOAD, 1L);
	NM_SET(CURLOPT_READFUNCTION, nm_read_cb);
	NM_SET(CURLOPT_READDATA, &x);
	NM_SET(CURLOPT_HEADERFUNCTION, nm_reply_cb);
	NM_SET(CURLOPT_HEADERDATA, &x);
	NM_SET(CURLOPT_NOPROGRESS, 0L);
	NM_SET(CURLOPT_XFERINFOFUNCTION, nm_progress_cb);
	NM_SET(CURLOPT_XFERINFODATA, &x);
	NM_SET(CURLOPT_CONNECTTIMEOUT, c->timeout);
	NM_SET(CURLOPT_TIMEOUT, c->timeout);
	NM_SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, c->timeout);
#undef NM_SET
	if (rc == CURLE_OK)
		rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
out:
	result = nm_outcome(c, rc, code, errbuf, &x, n_to, why, why_size);
	/* Cleanup may still talk to the server (QUIT) through x. */
	curl_easy_cleanup(curl);
	curl_slist_free_all(rcpts);
	return result;
}

static int
nm_send(void *ctx, const json_t *dest, const json_t *message, char *why,
    size_t why_size)
{
	struct nm_ctx *c = ctx;
	const char *to[NM_RCPT_MAX];
	char boundary[48], hex[33], gen_id[NM_MSGID_MAX + 1], what[256];
	struct nm_mail m;
	char *msg = NULL;
	size_t n_to, len, subject_len, mid_len;
	int bad = 0, result;
	cp_err r;

	if (why == NULL || why_size == 0)
		return CP_SEND_FAILED;
	why[0] = '\0';
	if (c == NULL || message == NULL) {
		snprintf(why, why_size, "notify-mail is not configured");
		return CP_SEND_FAILED;
	}
	if (nm_dest_read(dest, to, &n_to, what, sizeof(what)) != 0) {
		snprintf(why, why_size, "bad destination: %s", what);
		return CP_SEND_FAILED;
	}
	memset(&m, 0, sizeof(m));
	m.subject = nm_member(message, "subject", &subject_len, &bad);
	m.text = nm_member(message, "text", &m.text_len, &bad);
	m.html = nm_member(message, "html", &m.html_len, &bad);
	m.message_id = nm_member(message, "message_id", &mid_len, &bad);
	if (bad || m.subject == NULL || m.text == NULL) {
		snprintf(why, why_size, "the message needs subject and text "
		    "strings (and html, message_id as strings when given)");
		return CP_SEND_FAILED;
	}
	if (subject_len > NM_SUBJECT_MAX ||
	    m.text_len + m.html_len > CP_MESSAGE_MAX) {
		snprintf(why, why_size, "the message is too large (subject "
		    "%zu bytes, text and html %zu bytes; at most %d and %u)",
		    subject_len, m.text_len + m.html_len, NM_SUBJECT_MAX,
		    CP_MESSAGE_MAX);
		return CP_SEND_FAILED;
	}
	nm_random_hex(hex, sizeof(hex));
	if (m.message_id == NULL) {
		snprintf(gen_id, sizeof(gen_id), "<%s.%lld@%s>", hex,
		    (long long)c->host->now(c->self),
		    strchr(c->from, '@') + 1);
		m.message_id = gen_id;
	}
	snprintf(boundary, sizeof(boundary), "=_cp_%s", hex);
	m.boundary = boundary;
	m.from_addr = c->from;
	m.from_name = c->from_name;
	m.to = to;
	m.n_to = n_to;
	m.date = c->host->now(c->self);
	r = nm_mail_build(&m, &msg, &len, what, sizeof(what));
	if (r != CP_OK) {
		snprintf(why, why_size, "cannot write the message: %s", what);
		return r == CP_E_NOMEM ? CP_SEND_RETRY : CP_SEND_FAILED;
	}
	if (c->host->cancelled(c->self)) {
		snprintf(why, why_size, "%s: cancelled", c->shown_url);
		result = CP_SEND_RETRY;
	} else {
		result = nm_transfer(c, to, n_to, msg, len, why, why_size);
	}
	nm_scrub(c, why);
	c->host->log(c->self, CP_LOG_DEBUG, "message %s: %s", m.message_id,
	    why);
	free(msg);
	return result;
}

static const struct cp_notifier_ops nm_notifier = {
	.struct_size = sizeof(nm_notifier),
	.dest_type = "mail",
	.check_destination = nm_check_destination,
	.send = nm_send,
};

static const struct cp_capability nm_caps[] = {
	{ CP_CAP_NOTIFIER, sizeof(nm_notifier), &nm_notifier },
	{ CP_CAP_END, 0, NULL }
};

static const struct cp_config_key nm_config[] = {
	{ "url", CP_CFG_STRING, CP_CFG_REQUIRED, NULL, 0, 0,
	    "the SMTP server: smtp://host[:port] (STARTTLS) or "
	    "smtps://host[:port] (TLS from the start)" },
	{ "starttls", CP_CFG_STRING, 0, "required", 0, 0,
	    "required or off (smtp:// only)" },
	{ "from", CP_CFG_STRING, CP_CFG_REQUIRED, NULL, 0, 0,
	    "the sender's address" },
	{ "from_name", CP_CFG_STRING, 0, "cloudpatrol", 0, 0,
	    "the sender's display name (UTF-8)" },
	{ "username", CP_CFG_STRING, 0, NULL, 0, 0,
	    "the SMTP login (with password_file)" },
	{ "password_file", CP_CFG_PATH, CP_CFG_SECRET, NULL, 0, 0,
	    "a private file holding the SMTP password" },
	{ "ca_file", CP_CFG_PATH, 0, NULL, 0, 0,
	    "a CA bundle for the server's certificate, in place of "
	    "libcurl's default bundle (its CA path still applies); "
	    "verification is always on" },
	{ "timeout", CP_CFG_INT, 0, "30", 1, 600,
	    "seconds one delivery may take" },
	{ "helo", CP_CFG_STRING, 0, NULL, 0, 0,
	    "the name given in EHLO (default: this host's name)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

static const struct cp_plugin_descriptor nm_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(nm_desc),
	.name = "notify-mail",
	.version = "1.0.0",
	.description = "e-mail notifications over SMTP (mail and Teams "
	    "destinations)",
	.caps = nm_caps,
	.config = nm_config,
	.init = nm_init,
	.fini = nm_fini,
};

CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
{
	(void)host_minor;
	return host_major == CP_ABI_MAJOR ? &nm_desc : NULL;
}
