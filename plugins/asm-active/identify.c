/*
 * identify.c - what listens on an open port: a banner, HTTP, HTTPS.
 *
 * One identification is a few steps, each with its own deadline
 * (io_timeout_ms) and every read bounded (AA_BANNER_MAX, AA_RESPONSE_MAX),
 * so that a peer that sends forever, sends garbage or never answers costs
 * at most a few deadlines:
 *  1. connect and wait banner_wait_ms for the server to speak first (SSH,
 *     SMTP, FTP): a banner is kept, and named if it is an SSH one;
 *  2. otherwise ask HTTP on the same connection ("GET /", Host: the FQDN
 *     when the target was one, our User-Agent);
 *  3. when that got no HTTP answer, or nginx's "plain HTTP request was
 *     sent to HTTPS port", connect again with TLS (SNI: the FQDN) and ask
 *     HTTP inside it.  Ports 443 and 8443 start with TLS.
 * TLS is observed, never trusted: verification is off and the facts are
 * reported (protocol, cipher, certificate subject, issuer, SANs, validity,
 * key, signature algorithm, self-signed, expired, name mismatch).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "asm_active.h"

void
aa_printable(const char *s, size_t n, char *out, size_t max)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < max; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			out[o++] = (char)ch;
		} else if (ch == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else {
			o += (size_t)snprintf(out + o, max - o, "\\x%02x", ch);
		}
	}
	out[o] = '\0';
}

/* A non-blocking TCP connection within ms; -1 on failure. */
static int
dial(const struct aa_host *h, uint16_t port, int ms)
{
	struct sockaddr_storage sa = h->sa;
	struct pollfd pfd;
	int fd, err = 0;
	socklen_t len = sizeof(err);

	if (sa.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&sa)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&sa)->sin_port = htons(port);
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, h->salen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, ms) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static void
hangup(int fd)
{
	struct linger lg = { 1, 0 };

	if (fd < 0)
		return;
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static int
left_ms(uint64_t deadline)
{
	uint64_t now = aa_now_ms();

	return now >= deadline ? 0 : (int)(deadline - now);
}

/* Waits for fd to be readable (or writable) until deadline. */
static int
wait_fd(int fd, short ev, uint64_t deadline)
{
	struct pollfd pfd = { fd, ev, 0 };
	int ms = left_ms(deadline);

	if (ms == 0)
		return 0;
	return poll(&pfd, 1, ms) == 1;
}

/* The transport: a socket, with TLS on it or not. */
struct conn {
	int fd;
	SSL *ssl;
};

static ssize_t
conn_read(struct conn *c, char *buf, size_t n, uint64_t deadline)
{
	for (;;) {
		ssize_t r;

		if (c->ssl == NULL) {
			r = read(c->fd, buf, n);
			if (r >= 0)
				return r;
			if (errno != EAGAIN && errno != EINTR)
				return -1;
			if (!wait_fd(c->fd, POLLIN, deadline))
				return -1;
		} else {
			int e, k = SSL_read(c->ssl, buf, (int)n);

			if (k > 0)
				return k;
			e = SSL_get_error(c->ssl, k);
			if (e == SSL_ERROR_ZERO_RETURN)
				return 0;
			if (e != SSL_ERROR_WANT_READ &&
			    e != SSL_ERROR_WANT_WRITE)
				return -1;
			if (!wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN :
			    POLLOUT, deadline))
				return -1;
		}
	}
}

static int
conn_write(struct conn *c, const char *buf, size_t n, uint64_t deadline)
{
	size_t off = 0;

	while (off < n) {
		if (c->ssl == NULL) {
			ssize_t r = send(c->fd, buf + off, n - off,
			    MSG_NOSIGNAL);

			if (r > 0) {
				off += (size_t)r;
				continue;
			}
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				return -1;
			if (!wait_fd(c->fd, POLLOUT, deadline))
				return -1;
		} else {
			int e, k = SSL_write(c->ssl, buf + off, (int)(n - off));

			if (k > 0) {
				off += (size_t)k;
				continue;
			}
			e = SSL_get_error(c->ssl, k);
			if (e != SSL_ERROR_WANT_READ &&
			    e != SSL_ERROR_WANT_WRITE)
				return -1;
			if (!wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN :
			    POLLOUT, deadline))
				return -1;
		}
	}
	return 0;
}

static void
set_str(json_t *o, const char *key, const char *s, size_t n)
{
	char buf[AA_BANNER_MAX * 4 + 8];

	aa_printable(s, n, buf, sizeof(buf));
	json_object_set_new(o, key, json_string(buf));
}

/* The value of header name in the head (n bytes), or NULL; *len. */
static const char *
header(const char *head, size_t n, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	const char *p = head, *end = head + n;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol != NULL ? eol : end;

		if ((size_t)(le - p) > nl && strncasecmp(p, name, nl) == 0 &&
		    p[nl] == ':') {
			const char *v = p + nl + 1;

			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			while (le > v && (le[-1] == '\r' || le[-1] == ' '))
				le--;
			*len = (size_t)(le - v);
			return v;
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	return NULL;
}

static const char *
find_ci(const char *s, size_t n, const char *pat)
{
	size_t pl = strlen(pat), i;

	for (i = 0; i + pl <= n; i++)
		if (strncasecmp(s + i, pat, pl) == 0)
			return s + i;
	return NULL;
}

/* The <title> of an HTML body, spaces folded; "" when none. */
static void
title_of(const char *body, size_t n, char *out, size_t max)
{
	const char *t = find_ci(body, n, "<title"), *e, *end;
	size_t o = 0;
	int sp = 0;

	out[0] = '\0';
	if (t == NULL)
		return;
	end = body + n;
	t = memchr(t, '>', (size_t)(end - t));
	if (t == NULL)
		return;
	t++;
	e = find_ci(t, (size_t)(end - t), "</title");
	if (e == NULL)
		e = end;
	for (; t < e && o + 5 < max; t++) {
		unsigned char ch = (unsigned char)*t;

		if (isspace(ch)) {
			sp = o > 0;
			continue;
		}
		if (sp)
			out[o++] = ' ';
		sp = 0;
		if (ch >= 0x20 && ch < 0x7f)
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, max - o, "\\x%02x", ch);
	}
	out[o] = '\0';
}

/*
 * Asks "GET path" and reads the answer: headers and enough of the body for
 * its title, never more than AA_RESPONSE_MAX.  Returns the HTTP facts, or
 * NULL when the answer was not HTTP (*raw, *rawn: what came).
 */
static json_t *
http_ask(const struct aa_conf *cf, const struct aa_host *h, uint16_t port,
    struct conn *c, const char *path, const struct aa_cpe_table *cpe,
    json_t *cpes, char *buf, size_t *got)
{
	char req[1024], title[AA_TITLE_MAX];
	const char *host = h->name[0] != '\0' ? h->name : h->addr;
	const char *hend, *v;
	uint64_t deadline = aa_now_ms() + (uint64_t)cf->io_timeout_ms;
	size_t n = 0, vl;
	json_t *o;
	int status, trunc = 0;

	if (strchr(host, ':') != NULL)
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: [%s]:%u"
		    "\r\nUser-Agent: %s\r\nAccept: */*\r\nConnection: close"
		    "\r\n\r\n", path, host, port, cf->user_agent);
	else if ((c->ssl != NULL && port == 443) ||
	    (c->ssl == NULL && port == 80))
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
		    "User-Agent: %s\r\nAccept: */*\r\nConnection: close\r\n\r\n",
		    path, host, cf->user_agent);
	else
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%u\r\n"
		    "User-Agent: %s\r\nAccept: */*\r\nConnection: close\r\n\r\n",
		    path, host, port, cf->user_agent);
	*got = 0;
	if (conn_write(c, req, strlen(req), deadline) != 0)
		return NULL;
	while (n < AA_RESPONSE_MAX) {
		ssize_t r = conn_read(c, buf + n, AA_RESPONSE_MAX - n, deadline);

		if (r <= 0)
			break;
		n += (size_t)r;
		hend = find_ci(buf, n, "\r\n\r\n");
		if (hend != NULL && (find_ci(hend, (size_t)(buf + n - hend),
		    "</title") != NULL || (size_t)(buf + n - hend) > 16384))
			break;
	}
	if (n == AA_RESPONSE_MAX)
		trunc = 1;
	*got = n;
	if (n < 12 || strncmp(buf, "HTTP/", 5) != 0)
		return NULL;
	v = memchr(buf, ' ', n < 16 ? n : 16);
	if (v == NULL || (size_t)(buf + n - v) < 4 ||
	    !isdigit((unsigned char)v[1]) || !isdigit((unsigned char)v[2]) ||
	    !isdigit((unsigned char)v[3]))
		return NULL;
	status = (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
	o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "status", json_integer(status));
	hend = find_ci(buf, n, "\r\n\r\n");
	if (hend == NULL) {
		hend = buf + n;
		json_object_set_new(o, "headers_truncated", json_true());
	}
	if ((v = header(buf, (size_t)(hend - buf), "Server", &vl)) != NULL) {
		char tmp[AA_BANNER_MAX + 1];

		if (vl > AA_BANNER_MAX)
			vl = AA_BANNER_MAX;
		set_str(o, "server", v, vl);
		memcpy(tmp, v, vl);
		tmp[vl] = '\0';
		aa_cpe_match(cpe, "server", tmp, cpes);
	}
	if ((v = header(buf, (size_t)(hend - buf), "X-Powered-By", &vl)) !=
	    NULL) {
		char tmp[AA_BANNER_MAX + 1];

		if (vl > AA_BANNER_MAX)
			vl = AA_BANNER_MAX;
		set_str(o, "powered_by", v, vl);
		memcpy(tmp, v, vl);
		tmp[vl] = '\0';
		aa_cpe_match(cpe, "powered-by", tmp, cpes);
	}
	if ((v = header(buf, (size_t)(hend - buf), "X-OWA-Version", &vl)) !=
	    NULL) {
		char tmp[AA_BANNER_MAX + 1];

		if (vl > 64)
			vl = 64;
		set_str(o, "owa_version", v, vl);
		memcpy(tmp, v, vl);
		tmp[vl] = '\0';
		aa_cpe_match(cpe, "owa", tmp, cpes);
	}
	if ((v = header(buf, (size_t)(hend - buf), "Location", &vl)) != NULL)
		set_str(o, "location", v, vl > 512 ? 512 : vl);
	title_of(hend, (size_t)(buf + n - hend), title, sizeof(title));
	if (title[0] != '\0')
		json_object_set_new(o, "title", json_string(title));
	if (trunc)
		json_object_set_new(o, "truncated", json_true());
	return o;
}

static void
set_time(json_t *o, const char *key, const ASN1_TIME *t)
{
	struct tm tm;
	char buf[32];

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, key, json_string(buf));
}

static void
set_name(json_t *o, const char *key, const X509_NAME *nm)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;

	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		if (n > 0 && p != NULL)
			set_str(o, key, p, n > 1024 ? 1024 : (size_t)n);
	}
	BIO_free(b);
}

/* The facts of a finished handshake, name being what we asked for. */
static json_t *
tls_facts(SSL *ssl, const char *name)
{
	json_t *o = json_object(), *sans = json_array();
	X509 *cert = SSL_get1_peer_certificate(ssl);
	GENERAL_NAMES *gens;
	EVP_PKEY *key;
	int i, mismatch;

	if (o == NULL || sans == NULL) {
		json_decref(o);
		json_decref(sans);
		X509_free(cert);
		return NULL;
	}
	json_object_set_new(o, "protocol", json_string(SSL_get_version(ssl)));
	json_object_set_new(o, "cipher",
	    json_string(SSL_CIPHER_get_name(SSL_get_current_cipher(ssl))));
	if (cert == NULL) {
		json_decref(sans);
		return o;
	}
	set_name(o, "subject", X509_get_subject_name(cert));
	set_name(o, "issuer", X509_get_issuer_name(cert));
	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && i < 100;
	    i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char buf[300];

		if (g->type == GEN_DNS) {
			const ASN1_STRING *s = g->d.dNSName;
			char tmp[256];
			int len = ASN1_STRING_length(s);

			if (len > 255)
				len = 255;
			memcpy(tmp, ASN1_STRING_get0_data(s), (size_t)len);
			aa_printable(tmp, (size_t)len, buf, sizeof(buf));
			json_array_append_new(sans, json_pack("s+", "DNS:",
			    buf));
		} else if (g->type == GEN_IPADD) {
			const ASN1_OCTET_STRING *s = g->d.iPAddress;
			char ip[AA_ADDR_MAX] = "";

			if (s->length == 4)
				inet_ntop(AF_INET, s->data, ip, sizeof(ip));
			else if (s->length == 16)
				inet_ntop(AF_INET6, s->data, ip, sizeof(ip));
			if (ip[0] != '\0')
				json_array_append_new(sans, json_pack("s+",
				    "IP:", ip));
		}
	}
	GENERAL_NAMES_free(gens);
	json_object_set_new(o, "sans", sans);
	set_time(o, "not_before", X509_get0_notBefore(cert));
	set_time(o, "not_after", X509_get0_notAfter(cert));
	key = X509_get0_pubkey(cert);
	if (key != NULL) {
		int id = EVP_PKEY_get_base_id(key);

		json_object_set_new(o, "key_type", json_string(
		    id == EVP_PKEY_RSA ? "RSA" : id == EVP_PKEY_EC ? "EC" :
		    id == EVP_PKEY_ED25519 ? "Ed25519" : id == EVP_PKEY_DSA ?
		    "DSA" : OBJ_nid2sn(id)));
		json_object_set_new(o, "key_bits",
		    json_integer(EVP_PKEY_get_bits(key)));
	}
	json_object_set_new(o, "signature_algorithm",
	    json_string(OBJ_nid2ln(X509_get_signature_nid(cert))));
	json_object_set_new(o, "self_signed",
	    json_boolean(X509_self_signed(cert, 0) == 1));
	json_object_set_new(o, "expired",
	    json_boolean(X509_cmp_time(X509_get0_notAfter(cert), NULL) < 0));
	if (strchr(name, ':') != NULL || strspn(name, "0123456789.") ==
	    strlen(name))
		mismatch = X509_check_ip_asc(cert, name, 0) != 1;
	else
		mismatch = X509_check_host(cert, name, 0, 0, NULL) != 1;
	json_object_set_new(o, "name_mismatch", json_boolean(mismatch));
	X509_free(cert);
	return o;
}

/* A TLS handshake on a new connection within the deadline. */
static int
tls_open(const struct aa_conf *cf, SSL_CTX *ctx, const struct aa_host *h,
    uint16_t port, struct conn *c)
{
	uint64_t deadline = aa_now_ms() + (uint64_t)cf->io_timeout_ms;

	c->ssl = NULL;
	c->fd = dial(h, port, cf->io_timeout_ms);
	if (c->fd < 0)
		return -1;
	c->ssl = SSL_new(ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return -1;
	if (h->name[0] != '\0')
		SSL_set_tlsext_host_name(c->ssl, h->name);
	SSL_set_connect_state(c->ssl);
	for (;;) {
		int k = SSL_connect(c->ssl), e;

		if (k == 1)
			return 0;
		e = SSL_get_error(c->ssl, k);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return -1;
		if (!wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
		    deadline))
			return -1;
	}
}

static void
conn_close(struct conn *c)
{
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	hangup(c->fd);
	c->fd = -1;
	ERR_clear_error();
}

/* Whether an answer to plain HTTP says "speak TLS". */
static int
wants_tls(const char *buf, size_t n)
{
	if (n >= 2 && (unsigned char)buf[0] == 0x15 &&
	    (unsigned char)buf[1] == 0x03)
		return 1;	/* a TLS alert record */
	return find_ci(buf, n, "sent to HTTPS port") != NULL ||
	    find_ci(buf, n, "speaking plain HTTP to an SSL") != NULL;
}

/* Reads a server-first banner: up to a newline, AA_BANNER_MAX bytes. */
static size_t
read_banner(const struct aa_conf *cf, int fd, char *buf)
{
	uint64_t deadline = aa_now_ms() + (uint64_t)cf->banner_wait_ms;
	struct conn c = { fd, NULL };
	size_t n = 0;

	if (!wait_fd(fd, POLLIN, deadline))
		return 0;
	deadline = aa_now_ms() + (uint64_t)cf->io_timeout_ms;
	while (n < AA_BANNER_MAX) {
		ssize_t r = conn_read(&c, buf + n, AA_BANNER_MAX - n, deadline);

		if (r <= 0)
			break;
		if (memchr(buf + n, '\n', (size_t)r) != NULL) {
			n += (size_t)r;
			break;
		}
		n += (size_t)r;
	}
	return n;
}

static void
banner_facts(const struct aa_cpe_table *cpe, json_t *o, json_t *cpes,
    const char *buf, size_t n)
{
	size_t len = 0;
	char line[AA_BANNER_MAX + 1];

	while (len < n && buf[len] != '\r' && buf[len] != '\n')
		len++;
	set_str(o, "banner", buf, len == 0 ? n : len);
	if (len >= 8 && strncmp(buf, "SSH-", 4) == 0) {
		const char *sw = memchr(buf + 4, '-', len - 4);

		json_object_set_new(o, "service", json_string("ssh"));
		if (sw != NULL) {
			size_t sl = (size_t)(buf + len - sw - 1);

			memcpy(line, sw + 1, sl);
			line[sl] = '\0';
			aa_cpe_match(cpe, "ssh", line, cpes);
		}
	} else if (len >= 4 && strncmp(buf, "220", 3) == 0) {
		json_object_set_new(o, "service", json_string(
		    find_ci(buf, len, "FTP") != NULL ? "ftp" :
		    find_ci(buf, len, "SMTP") != NULL ? "smtp" : "unknown"));
	} else {
		json_object_set_new(o, "service", json_string("unknown"));
	}
}

/*
 * The path of a redirect to the same place (scheme, host as asked, port),
 * in out; 0, or -1 for anything else.  "/x", "http://host:port/x".
 */
static int
same_origin(const char *loc, const struct aa_host *h, uint16_t port, int tls,
    char *out, size_t n)
{
	const char *host = h->name[0] != '\0' ? h->name : h->addr;
	const char *p = loc, *scheme = tls ? "https://" : "http://";
	size_t hl = strlen(host), i;

	if (p[0] != '/' || p[1] == '/') {
		char auth[AA_NAME_MAX + 16];

		if (strncasecmp(p, scheme, strlen(scheme)) != 0)
			return -1;
		p += strlen(scheme);
		/* host, host:port ([v6]:port) */
		if (strchr(host, ':') != NULL)
			snprintf(auth, sizeof(auth), "[%s]", host);
		else
			snprintf(auth, sizeof(auth), "%s", host);
		hl = strlen(auth);
		if (strncasecmp(p, auth, hl) != 0)
			return -1;
		p += hl;
		if (*p == ':') {
			char *end;
			unsigned long v = strtoul(p + 1, &end, 10);

			if (end == p + 1 || v != port)
				return -1;
			p = end;
		} else if (port != (tls ? 443 : 80)) {
			return -1;
		}
		if (*p == '\0')
			p = "/";
		if (*p != '/')
			return -1;
	}
	for (i = 0; p[i] != '\0'; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return -1;
	if (i >= n || strcmp(p, "/") == 0)
		return -1;
	memcpy(out, p, i + 1);
	return 0;
}

/*
 * An answer that redirects to another path of the same place (the web
 * root of Exchange sends browsers to /owa/, whose answers carry
 * X-OWA-Version) is followed once, on a new connection: what the second
 * answer tells about the product is added to cpes, and its facts are kept
 * as http.redirect.  Never to another host, port or scheme.
 */
static void
follow(const struct aa_conf *cf, void *ssl_ctx, const struct aa_host *h,
    uint16_t port, int tls, json_t *http, const struct aa_cpe_table *cpe,
    json_t *cpes, char *buf)
{
	json_int_t status = json_integer_value(json_object_get(http,
	    "status"));
	const char *loc = json_string_value(json_object_get(http, "location"));
	struct conn c = { -1, NULL };
	char path[AA_PATH_MAX];
	json_t *next = NULL;
	size_t n;

	if ((status != 301 && status != 302 && status != 303 &&
	    status != 307 && status != 308) || loc == NULL ||
	    same_origin(loc, h, port, tls, path, sizeof(path)) != 0)
		return;
	if (tls) {
		if (tls_open(cf, ssl_ctx, h, port, &c) == 0)
			next = http_ask(cf, h, port, &c, path, cpe, cpes, buf,
			    &n);
	} else {
		c.fd = dial(h, port, cf->io_timeout_ms);
		if (c.fd >= 0)
			next = http_ask(cf, h, port, &c, path, cpe, cpes, buf,
			    &n);
	}
	conn_close(&c);
	if (next != NULL) {
		json_object_set_new(next, "path", json_string(path));
		json_object_set_new(http, "redirect", next);
	}
}

json_t *
aa_identify(const struct aa_conf *cf, void *ssl_ctx,
    const struct aa_cpe_table *cpe, const struct aa_host *h, uint16_t port)
{
	json_t *o = json_object(), *cpes = json_array(), *http = NULL;
	struct conn c = { -1, NULL };
	char *buf = malloc(AA_RESPONSE_MAX);
	int tls_first = port == 443 || port == 8443, tried_tls = 0;
	size_t n = 0;
	uint64_t t0 = aa_now_ms();

	if (o == NULL || cpes == NULL || buf == NULL)
		goto out;
	json_object_set_new(o, "service", json_string("unknown"));
	if (tls_first)
		goto tls;
	c.fd = dial(h, port, cf->io_timeout_ms);
	if (c.fd < 0) {
		json_object_set_new(o, "error", json_string("connect failed"));
		goto done;
	}
	n = read_banner(cf, c.fd, buf);
	if (n > 0) {
		banner_facts(cpe, o, cpes, buf, n);
		goto done;
	}
plain:
	http = http_ask(cf, h, port, &c, "/", cpe, cpes, buf, &n);
	conn_close(&c);
	if (http != NULL && !wants_tls(buf, n)) {
		json_object_set_new(o, "service", json_string("http"));
		follow(cf, ssl_ctx, h, port, 0, http, cpe, cpes, buf);
		json_object_set_new(o, "http", http);
		goto done;
	}
	json_decref(http);
	http = NULL;
	if (n > 0 && !wants_tls(buf, n))
		banner_facts(cpe, o, cpes, buf, n);
	if (tried_tls)
		goto done;
tls:
	tried_tls = 1;
	if (tls_open(cf, ssl_ctx, h, port, &c) == 0) {
		json_t *facts = tls_facts(c.ssl, h->name[0] != '\0' ? h->name :
		    h->addr);

		json_object_set_new(o, "service", json_string("tls"));
		if (facts != NULL)
			json_object_set_new(o, "tls", facts);
		http = http_ask(cf, h, port, &c, "/", cpe, cpes, buf, &n);
		conn_close(&c);
		if (http != NULL) {
			json_object_set_new(o, "service", json_string("https"));
			follow(cf, ssl_ctx, h, port, 1, http, cpe, cpes, buf);
			json_object_set_new(o, "http", http);
		}
		goto done;
	}
	conn_close(&c);
	if (tls_first) {
		c.fd = dial(h, port, cf->io_timeout_ms);
		if (c.fd >= 0)
			goto plain;
	}
done:
	conn_close(&c);
	json_object_set_new(o, "cpe", cpes);
	cpes = NULL;
	json_object_set_new(o, "ms", json_integer((json_int_t)(aa_now_ms() -
	    t0)));
out:
	free(buf);
	json_decref(cpes);
	return o;
}
