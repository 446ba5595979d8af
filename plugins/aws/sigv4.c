/*
 * sigv4.c - AWS Signature Version 4 (header form), as sigv4.h describes.
 *
 * Pure: no globals, no clock, no I/O.  Checked byte for byte against AWS's
 * official test suite by tests/plugins/aws/sigv4-suite.sh.
 *
 * The canonical URI, and why it is encoded the way it is:
 *   AWS asks every service but S3 to normalize the path (remove "." and
 *   ".." segments, collapse "//") and to URI-encode each segment twice;
 *   S3 gets the path unnormalized and encoded once.  The path we are given
 *   (aws_sigv4_req.path_query, or the URL of the HTTP client) is the one
 *   sent on the wire, which is already encoded once.  So for non-S3
 *   services we encode the normalized path once more (that is the second
 *   encoding: "%20" becomes "%2520", as botocore does), and for S3 we sign
 *   the path as sent.  The official suite writes its request lines with
 *   raw, unencoded paths ("GET /example space/", raw UTF-8) and expects
 *   them encoded once ("/example%20space/"): our one pass of encoding over
 *   the path as given yields exactly that, so the suite passes and real
 *   requests get AWS's double encoding, with one rule.
 *
 *   For S3 "as sent" still makes the path canonical: a byte that is not
 *   unreserved, '/' or part of a %XX escape is encoded, and %xx escapes
 *   are upper-cased; a correctly encoded path is unchanged.
 *
 * The canonical query decodes each name and value (%XX only: '+' is a
 * literal plus, so callers encode spaces as %20) and encodes them again,
 * so "%7e" and "~" sign alike; pairs sort by encoded name, then value.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sigv4.h"

#define SHA256_LEN 32
#define SHA256_HEX_LEN (2 * SHA256_LEN)
#define ALGORITHM "AWS4-HMAC-SHA256"
#define SCOPE_TERMINATOR "aws4_request"
#define AMZ_DATE_LEN 16			/* "20150830T123600Z" */
#define SCOPE_DATE_LEN 8		/* "20150830" */
#define MAX_METHOD 32
#define MAX_YEAR 9999

/* A growing string; err keeps the first failure so callers check once. */
struct sb {
	char *p;
	size_t len;
	size_t cap;
	cp_err err;
};

/* One header of the canonical set: lower-case name, canonical value. */
struct hdr {
	char *name;
	char *value;
	size_t seq;			/* position in the request */
};

/* One query parameter, both halves already SigV4-encoded. */
struct qparam {
	char *key;
	char *value;
};

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";

static void set_why(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes the reason of a failure when the caller asked for one. */
static void
set_why(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || why_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

static void
sb_addn(struct sb *b, const char *s, size_t n)
{
	size_t need, cap;
	char *p;

	if (b->err != CP_OK)
		return;
	if (n > SIZE_MAX - b->len - 1) {
		b->err = CP_E_LIMIT;
		return;
	}
	need = b->len + n + 1;
	if (need > b->cap) {
		cap = b->cap == 0 ? 256 : b->cap;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->err = CP_E_NOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_add(struct sb *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

static void
sb_addc(struct sb *b, char c)
{
	sb_addn(b, &c, 1);
}

/* The string, owned by the caller; NULL after any failure. */
static char *
sb_take(struct sb *b)
{
	char *p;

	if (b->err == CP_OK && b->p == NULL)
		sb_addn(b, "", 0);
	if (b->err != CP_OK) {
		free(b->p);
		b->p = NULL;
		return NULL;
	}
	p = b->p;
	b->p = NULL;
	return p;
}

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
sb_encode(struct sb *b, const char *s, size_t n, int keep_slash)
{
	char esc[3];
	size_t i, run;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		/* Copy runs of kept bytes at once. */
		for (run = 0; i + run < n; run++) {
			c = (unsigned char)s[i + run];
			if (!is_unreserved(c) && !(keep_slash && c == '/'))
				break;
		}
		sb_addn(b, s + i, run);
		i += run;
		if (i == n)
			break;
		esc[0] = '%';
		esc[1] = hex_upper[c >> 4];
		esc[2] = hex_upper[c & 0xf];
		sb_addn(b, esc, sizeof(esc));
	}
}

char *
aws_uri_encode(const char *s, size_t n, int keep_slash)
{
	struct sb b = { NULL, 0, 0, CP_OK };

	if (s == NULL && n != 0)
		return NULL;
	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	sb_encode(&b, s != NULL ? s : "", n, keep_slash);
	return sb_take(&b);
}

static void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex_lower[in[i] >> 4];
		out[2 * i + 1] = hex_lower[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static int
sha256_hex(const void *data, size_t n, char out[SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(data != NULL ? data : "", n, md, &len, EVP_sha256(),
		NULL) != 1 || len != SHA256_LEN)
		return -1;
	hex_encode(md, SHA256_LEN, out);
	return 0;
}

static int
hmac_sha256(const void *key, size_t key_len, const char *msg,
    unsigned char out[SHA256_LEN])
{
	unsigned int len = 0;

	if (key_len > INT32_MAX)
		return -1;
	if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg,
		strlen(msg), out, &len) == NULL || len != SHA256_LEN)
		return -1;
	return 0;
}

/*
 * The signature: HMAC chain "AWS4"+secret → date → region → service →
 * "aws4_request", then HMAC of the string to sign.  Intermediate keys are
 * wiped.
 */
static cp_err
compute_signature(const struct aws_sigv4_key *k, const char *scope_date,
    const char *sts, char out[SHA256_HEX_LEN + 1])
{
	char ksecret[sizeof("AWS4") + AWS_SIGV4_MAX_FIELD];
	unsigned char a[SHA256_LEN], b[SHA256_LEN];
	size_t slen = strlen(k->secret_key);
	cp_err r = CP_E_CRYPTO;

	memcpy(ksecret, "AWS4", 4);
	memcpy(ksecret + 4, k->secret_key, slen);
	if (hmac_sha256(ksecret, 4 + slen, scope_date, a) != 0 ||
	    hmac_sha256(a, SHA256_LEN, k->region, b) != 0 ||
	    hmac_sha256(b, SHA256_LEN, k->service, a) != 0 ||
	    hmac_sha256(a, SHA256_LEN, SCOPE_TERMINATOR, b) != 0 ||
	    hmac_sha256(b, SHA256_LEN, sts, a) != 0)
		goto out;
	hex_encode(a, SHA256_LEN, out);
	r = CP_OK;
out:
	OPENSSL_cleanse(ksecret, sizeof(ksecret));
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	return r;
}

/* A scope part: non-empty, bounded, printable, no '/' or space. */
static int
field_ok(const char *s, int allow_slash)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n == 0 || n > AWS_SIGV4_MAX_FIELD)
		return 0;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c >= 0x7f || (!allow_slash && c == '/'))
			return 0;
	}
	return 1;
}

/* An HTTP token (method, header name): visible ASCII, no separators. */
static int
is_tchar(unsigned char c)
{
	return c > ' ' && c < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", c) == NULL;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Appends v to b trimmed, with each run of spaces and tabs made one
 * space (SigV4's canonical header value).
 */
static void
sb_add_trimmed(struct sb *b, const char *v)
{
	int pending = 0;

	while (is_ws(*v))
		v++;
	for (; *v != '\0'; v++) {
		if (is_ws(*v)) {
			pending = 1;
			continue;
		}
		if (pending)
			sb_addc(b, ' ');
		pending = 0;
		sb_addc(b, *v);
	}
}

static void
hdrs_free(struct hdr *h, size_t n)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
}

static int
hdr_cmp(const void *pa, const void *pb)
{
	const struct hdr *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (c != 0)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static struct hdr *
hdr_find(struct hdr *h, size_t n, const char *lname)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(h[i].name, lname) == 0)
			return &h[i];
	return NULL;
}

/*
 * Parses the request's header lines into h (room for n_headers + 3):
 * names lower-cased, folded lines joined to the header they continue with
 * one space, values canonical.
 */
static cp_err
parse_headers(const struct aws_sigv4_req *r, struct hdr *h, size_t *nh,
    char *why, size_t why_len)
{
	struct sb v = { NULL, 0, 0, CP_OK };
	size_t i, j, total = 0, n = 0;
	const char *line, *colon;
	cp_err e = CP_OK;

	for (i = 0; i < r->n_headers; i++) {
		line = r->headers[i];
		if (line == NULL) {
			set_why(why, why_len, "header line %zu is NULL", i + 1);
			e = CP_E_INVALID;
			goto out;
		}
		total += strlen(line);
		if (total > AWS_SIGV4_MAX_HEADER_BYTES) {
			set_why(why, why_len, "the header lines exceed %zu "
			    "bytes", (size_t)AWS_SIGV4_MAX_HEADER_BYTES);
			e = CP_E_LIMIT;
			goto out;
		}
		for (j = 0; line[j] != '\0'; j++) {
			unsigned char c = (unsigned char)line[j];

			if ((c < ' ' && c != '\t') || c == 0x7f) {
				set_why(why, why_len, "header line %zu has "
				    "a control character", i + 1);
				e = CP_E_INVALID;
				goto out;
			}
		}
		if (is_ws(line[0])) {
			/* Obsolete folding: continues the header before. */
			if (n == 0) {
				set_why(why, why_len, "header line %zu "
				    "continues no header", i + 1);
				e = CP_E_INVALID;
				goto out;
			}
			sb_add(&v, h[n - 1].value);
			sb_addc(&v, ' ');
			sb_add(&v, line);
			free(h[n - 1].value);
			h[n - 1].value = sb_take(&v);
			v = (struct sb){ NULL, 0, 0, CP_OK };
			if (h[n - 1].value == NULL) {
				e = CP_E_NOMEM;
				goto out;
			}
			continue;
		}
		colon = strchr(line, ':');
		if (colon == NULL || colon == line) {
			set_why(why, why_len, colon == NULL ?
			    "header line %zu has no ':'" :
			    "header line %zu has no name", i + 1);
			e = CP_E_INVALID;
			goto out;
		}
		for (j = 0; line + j < colon; j++)
			if (!is_tchar((unsigned char)line[j])) {
				set_why(why, why_len, "header line %zu has "
				    "a bad character in its name", i + 1);
				e = CP_E_INVALID;
				goto out;
			}
		h[n].name = malloc((size_t)(colon - line) + 1);
		h[n].value = strdup(colon + 1);
		h[n].seq = n;
		n++;
		if (h[n - 1].name == NULL || h[n - 1].value == NULL) {
			e = CP_E_NOMEM;
			goto out;
		}
		for (j = 0; line + j < colon; j++)
			h[n - 1].name[j] =
			    (char)tolower((unsigned char)line[j]);
		h[n - 1].name[j] = '\0';
	}
	/* Canonical values, now that folded lines are joined. */
	for (i = 0; i < n; i++) {
		sb_add_trimmed(&v, h[i].value);
		free(h[i].value);
		h[i].value = sb_take(&v);
		v = (struct sb){ NULL, 0, 0, CP_OK };
		if (h[i].value == NULL) {
			e = CP_E_NOMEM;
			goto out;
		}
	}
out:
	free(v.p);
	*nh = n;
	return e;
}

/* Adds name: value to h unless a header of that name is there already. */
static cp_err
hdr_default(struct hdr *h, size_t *nh, const char *lname, const char *value)
{
	struct hdr *x = &h[*nh];

	if (hdr_find(h, *nh, lname) != NULL)
		return CP_OK;
	x->name = strdup(lname);
	x->value = strdup(value);
	x->seq = *nh;
	(*nh)++;
	if (x->name == NULL || x->value == NULL)
		return CP_E_NOMEM;
	return CP_OK;
}

/*
 * The path without dot segments and empty segments, the way botocore and
 * the suite do it: "/a/b/../c/" → "/a/c/"; a trailing '/' is kept only
 * when the path had one and something is left.
 */
static void
sb_normalized_path(struct sb *b, const char *path, size_t n)
{
	size_t *starts = NULL, *lens = NULL, depth = 0, i, s, len, max;

	max = n / 2 + 1;
	starts = calloc(max, sizeof(*starts));
	lens = calloc(max, sizeof(*lens));
	if (starts == NULL || lens == NULL) {
		if (b->err == CP_OK)
			b->err = CP_E_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i = s + len + 1) {
		s = i;
		for (len = 0; s + len < n && path[s + len] != '/'; len++)
			;
		if (len == 0 || (len == 1 && path[s] == '.'))
			continue;
		if (len == 2 && path[s] == '.' && path[s + 1] == '.') {
			if (depth > 0)
				depth--;
			continue;
		}
		starts[depth] = s;
		lens[depth] = len;
		depth++;
	}
	sb_addc(b, '/');
	for (i = 0; i < depth; i++) {
		if (i > 0)
			sb_addc(b, '/');
		sb_encode(b, path + starts[i], lens[i], 0);
	}
	if (depth > 0 && n > 0 && path[n - 1] == '/')
		sb_addc(b, '/');
out:
	free(starts);
	free(lens);
}

/* S3: the path as sent, with any byte that was left unencoded encoded. */
static void
sb_s3_path(struct sb *b, const char *path, size_t n)
{
	char esc[3];
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c == '%' && i + 2 < n &&
		    hex_value((unsigned char)path[i + 1]) >= 0 &&
		    hex_value((unsigned char)path[i + 2]) >= 0) {
			esc[0] = '%';
			esc[1] = (char)toupper((unsigned char)path[i + 1]);
			esc[2] = (char)toupper((unsigned char)path[i + 2]);
			sb_addn(b, esc, sizeof(esc));
			i += 2;
		} else if (c == '/')
			sb_addc(b, '/');
		else
			sb_encode(b, path + i, 1, 0);
	}
}

static int
qparam_cmp(const void *pa, const void *pb)
{
	const struct qparam *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);

	return c != 0 ? c : strcmp(a->value, b->value);
}

/* Decodes %XX in s[0..n), encodes it per SigV4; NULL, *bad: a bad '%'. */
static char *
requote(const char *s, size_t n, int *bad)
{
	struct sb d = { NULL, 0, 0, CP_OK }, e = { NULL, 0, 0, CP_OK };
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '%') {
			if (i + 2 >= n) {
				*bad = 1;
				goto fail;
			}
			if (hex_value((unsigned char)s[i + 1]) < 0 ||
			    hex_value((unsigned char)s[i + 2]) < 0) {
				*bad = 1;
				goto fail;
			}
			c = (char)(hex_value((unsigned char)s[i + 1]) << 4 |
			    hex_value((unsigned char)s[i + 2]));
			i += 2;
		}
		sb_addc(&d, c);
	}
	if (d.err != CP_OK)
		goto fail;
	sb_encode(&e, d.p != NULL ? d.p : "", d.len, 0);
	free(d.p);
	return sb_take(&e);
fail:
	free(d.p);
	free(e.p);
	return NULL;
}

/* The canonical query string of q[0..n) into b. */
static cp_err
sb_canonical_query(struct sb *b, const char *q, size_t n, char *why,
    size_t why_len)
{
	struct qparam *p = NULL;
	size_t np = 0, max = n / 2 + 1, i, s, len, eq;
	int bad = 0;
	cp_err e = CP_OK;

	if (n == 0)
		return CP_OK;
	p = calloc(max, sizeof(*p));
	if (p == NULL)
		return CP_E_NOMEM;
	for (i = 0; i < n; i = s + len + 1) {
		s = i;
		for (len = 0; s + len < n && q[s + len] != '&'; len++)
			;
		if (len == 0)
			continue;	/* "a=1&&b=2": no empty parameter */
		for (eq = 0; eq < len && q[s + eq] != '='; eq++)
			;
		p[np].key = requote(q + s, eq, &bad);
		p[np].value = eq < len ?
		    requote(q + s + eq + 1, len - eq - 1, &bad) : strdup("");
		np++;
		if (bad) {
			set_why(why, why_len, "the query has a bad %%-escape "
			    "in its parameter at byte %zu", s + 1);
			e = CP_E_INVALID;
			goto out;
		}
		if (p[np - 1].key == NULL || p[np - 1].value == NULL) {
			e = CP_E_NOMEM;
			goto out;
		}
	}
	qsort(p, np, sizeof(*p), qparam_cmp);
	for (i = 0; i < np; i++) {
		if (i > 0)
			sb_addc(b, '&');
		sb_add(b, p[i].key);
		sb_addc(b, '=');
		sb_add(b, p[i].value);
	}
out:
	for (i = 0; i < np; i++) {
		free(p[i].key);
		free(p[i].value);
	}
	free(p);
	return e;
}

/* Frees a string that may hold a session token, zeroed first. */
static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
aws_sigv4_out_free(struct aws_sigv4_out *out)
{
	if (out == NULL)
		return;
	/* The canonical request holds the session token. */
	wipe_free(out->canonical_request);
	free(out->string_to_sign);
	free(out->authorization);
	out->canonical_request = NULL;
	out->string_to_sign = NULL;
	out->authorization = NULL;
}

/* r->when as "YYYYMMDDTHHMMSSZ"; -1 when it has no such form. */
static int
format_amz_date(time_t when, char out[AMZ_DATE_LEN + 1])
{
	struct tm tm;

	if (gmtime_r(&when, &tm) == NULL || tm.tm_year + 1900 < 0 ||
	    tm.tm_year + 1900 > MAX_YEAR)
		return -1;
	if (strftime(out, AMZ_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) !=
	    AMZ_DATE_LEN)
		return -1;
	return 0;
}

static cp_err
check_inputs(const struct aws_sigv4_key *k, const struct aws_sigv4_req *r,
    char *why, size_t why_len)
{
	size_t i;

	if (!field_ok(k->access_key, 0) || !field_ok(k->secret_key, 1) ||
	    !field_ok(k->region, 0) || !field_ok(k->service, 0)) {
		set_why(why, why_len, "the access key, secret key, region or "
		    "service is missing, longer than %zu bytes or has a "
		    "space, control character or '/'",
		    (size_t)AWS_SIGV4_MAX_FIELD);
		return CP_E_INVALID;
	}
	if (k->session_token != NULL) {
		if (strlen(k->session_token) > AWS_SIGV4_MAX_HEADER_BYTES) {
			set_why(why, why_len, "the session token is longer "
			    "than %zu bytes",
			    (size_t)AWS_SIGV4_MAX_HEADER_BYTES);
			return CP_E_LIMIT;
		}
		for (i = 0; k->session_token[i] != '\0'; i++)
			if ((unsigned char)k->session_token[i] <= ' ' ||
			    (unsigned char)k->session_token[i] == 0x7f) {
				set_why(why, why_len, "the session token has "
				    "a space or control character");
				return CP_E_INVALID;
			}
	}
	if (r->method == NULL || r->method[0] == '\0' ||
	    strlen(r->method) > MAX_METHOD) {
		set_why(why, why_len, "the method is missing or longer than "
		    "%zu bytes", (size_t)MAX_METHOD);
		return CP_E_INVALID;
	}
	for (i = 0; r->method[i] != '\0'; i++)
		if (!is_tchar((unsigned char)r->method[i])) {
			set_why(why, why_len, "the method '%s' is not an HTTP "
			    "token", r->method);
			return CP_E_INVALID;
		}
	if (r->path_query == NULL || r->path_query[0] != '/') {
		set_why(why, why_len, "the request target does not start "
		    "with '/'");
		return CP_E_INVALID;
	}
	if (strlen(r->path_query) > AWS_SIGV4_MAX_TARGET) {
		set_why(why, why_len, "the request target is longer than %zu "
		    "bytes", (size_t)AWS_SIGV4_MAX_TARGET);
		return CP_E_LIMIT;
	}
	for (i = 0; r->path_query[i] != '\0'; i++)
		if ((unsigned char)r->path_query[i] < ' ' ||
		    (unsigned char)r->path_query[i] == 0x7f) {
			set_why(why, why_len, "the request target has a "
			    "control character at byte %zu", i + 1);
			return CP_E_INVALID;
		}
	if (r->n_headers > AWS_SIGV4_MAX_HEADERS) {
		set_why(why, why_len, "the request has more than %zu header "
		    "lines", (size_t)AWS_SIGV4_MAX_HEADERS);
		return CP_E_LIMIT;
	}
	if (r->n_headers > 0 && r->headers == NULL) {
		set_why(why, why_len, "the header lines are missing");
		return CP_E_INVALID;
	}
	if (r->body == NULL && r->body_len != 0) {
		set_why(why, why_len, "the body is missing");
		return CP_E_INVALID;
	}
	return CP_OK;
}

/* Method, URI, query, headers, signed headers, payload hash. */
static cp_err
build_canonical(const struct aws_sigv4_req *r, struct hdr *h, size_t nh,
    struct sb *creq, struct sb *signed_names, const char *payload,
    char *why, size_t why_len)
{
	const char *pq = r->path_query, *qm = strchr(pq, '?');
	size_t plen = qm != NULL ? (size_t)(qm - pq) : strlen(pq);
	size_t i, j;
	cp_err e;

	sb_add(creq, r->method);
	sb_addc(creq, '\n');
	if (r->flags & AWS_SIGV4_NO_NORMALIZE)
		sb_s3_path(creq, pq, plen);
	else
		sb_normalized_path(creq, pq, plen);
	sb_addc(creq, '\n');
	if (qm != NULL) {
		e = sb_canonical_query(creq, qm + 1, strlen(qm + 1), why,
		    why_len);
		if (e != CP_OK)
			return e;
	}
	sb_addc(creq, '\n');
	qsort(h, nh, sizeof(*h), hdr_cmp);
	for (i = 0; i < nh; i = j) {
		sb_add(creq, h[i].name);
		sb_addc(creq, ':');
		for (j = i; j < nh && strcmp(h[j].name, h[i].name) == 0; j++) {
			if (j > i)
				sb_addc(creq, ',');
			sb_add(creq, h[j].value);
		}
		sb_addc(creq, '\n');
		if (i > 0)
			sb_addc(signed_names, ';');
		sb_add(signed_names, h[i].name);
	}
	sb_addc(creq, '\n');
	sb_add(creq, signed_names->p != NULL ? signed_names->p : "");
	sb_addc(creq, '\n');
	sb_add(creq, payload);
	if (creq->err != CP_OK)
		return creq->err;
	return signed_names->err;
}

cp_err
aws_sigv4_sign_why(const struct aws_sigv4_key *k,
    const struct aws_sigv4_req *r, struct aws_sigv4_out *out, char *why,
    size_t why_len)
{
	struct sb creq = { NULL, 0, 0, CP_OK }, sts = { NULL, 0, 0, CP_OK };
	struct sb names = { NULL, 0, 0, CP_OK }, auth = { NULL, 0, 0, CP_OK };
	char scope_date[SCOPE_DATE_LEN + 1], hash[SHA256_HEX_LEN + 1];
	char sig[SHA256_HEX_LEN + 1];
	struct hdr *h = NULL, *x;
	size_t nh = 0;
	cp_err e = CP_E_INVALID;

	if (why != NULL && why_len > 0)
		why[0] = '\0';
	if (out == NULL || k == NULL || r == NULL) {
		set_why(why, why_len, "nothing to sign");
		return CP_E_INVALID;
	}
	memset(out, 0, sizeof(*out));
	e = check_inputs(k, r, why, why_len);
	if (e != CP_OK)
		return e;
	if (format_amz_date(r->when, out->amz_date) != 0) {
		set_why(why, why_len, "the signing time is out of range");
		return CP_E_INVALID;
	}
	memcpy(scope_date, out->amz_date, SCOPE_DATE_LEN);
	scope_date[SCOPE_DATE_LEN] = '\0';
	if (sha256_hex(r->body, r->body_len, out->payload_hash) != 0)
		return CP_E_CRYPTO;

	/* Room for the request's headers and the three we may add. */
	h = calloc(r->n_headers + 3, sizeof(*h));
	if (h == NULL)
		return CP_E_NOMEM;
	e = parse_headers(r, h, &nh, why, why_len);
	if (e != CP_OK)
		goto out;
	e = CP_E_INVALID;
	if (hdr_find(h, nh, "host") == NULL) {
		set_why(why, why_len, "the request has no Host header");
		goto out;
	}
	x = hdr_find(h, nh, "x-amz-date");
	if (x != NULL && strcmp(x->value, out->amz_date) != 0) {
		set_why(why, why_len, "the X-Amz-Date header is not the "
		    "signing time %s", out->amz_date);
		goto out;
	}
	if ((e = hdr_default(h, &nh, "x-amz-date", out->amz_date)) != CP_OK)
		goto out;
	if (k->session_token != NULL && (e = hdr_default(h, &nh,
	    "x-amz-security-token", k->session_token)) != CP_OK)
		goto out;
	if ((r->flags & AWS_SIGV4_CONTENT_SHA256) && (e = hdr_default(h, &nh,
	    "x-amz-content-sha256", out->payload_hash)) != CP_OK)
		goto out;
	/* S3 signs what X-Amz-Content-Sha256 says ("UNSIGNED-PAYLOAD"...). */
	x = hdr_find(h, nh, "x-amz-content-sha256");
	e = build_canonical(r, h, nh, &creq, &names,
	    x != NULL ? x->value : out->payload_hash, why, why_len);
	if (e != CP_OK)
		goto out;

	if (sha256_hex(creq.p, creq.len, hash) != 0) {
		e = CP_E_CRYPTO;
		goto out;
	}
	sb_add(&sts, ALGORITHM "\n");
	sb_add(&sts, out->amz_date);
	sb_addc(&sts, '\n');
	sb_add(&sts, scope_date);
	sb_addc(&sts, '/');
	sb_add(&sts, k->region);
	sb_addc(&sts, '/');
	sb_add(&sts, k->service);
	sb_add(&sts, "/" SCOPE_TERMINATOR "\n");
	sb_add(&sts, hash);
	if ((e = sts.err) != CP_OK)
		goto out;
	if ((e = compute_signature(k, scope_date, sts.p, sig)) != CP_OK)
		goto out;

	sb_add(&auth, ALGORITHM " Credential=");
	sb_add(&auth, k->access_key);
	sb_addc(&auth, '/');
	sb_add(&auth, scope_date);
	sb_addc(&auth, '/');
	sb_add(&auth, k->region);
	sb_addc(&auth, '/');
	sb_add(&auth, k->service);
	sb_add(&auth, "/" SCOPE_TERMINATOR ", SignedHeaders=");
	sb_add(&auth, names.p);
	sb_add(&auth, ", Signature=");
	sb_add(&auth, sig);
	out->canonical_request = sb_take(&creq);
	out->string_to_sign = sb_take(&sts);
	out->authorization = sb_take(&auth);
	e = CP_OK;
	if (out->canonical_request == NULL || out->string_to_sign == NULL ||
	    out->authorization == NULL) {
		e = CP_E_NOMEM;
		aws_sigv4_out_free(out);
	}
out:
	if (e == CP_E_NOMEM)
		set_why(why, why_len, "out of memory");
	free(creq.p);
	free(sts.p);
	free(names.p);
	free(auth.p);
	hdrs_free(h, nh);
	return e;
}

cp_err
aws_sigv4_sign(const struct aws_sigv4_key *k, const struct aws_sigv4_req *r,
    struct aws_sigv4_out *out)
{
	return aws_sigv4_sign_why(k, r, out, NULL, 0);
}

/*
 * The parts of an http(s) URL that signing needs: the Host header value
 * exactly as curl sends it (the port only when it is not the scheme's
 * default, printed as a number) and the request target ("/" when the URL
 * has no path; the fragment dropped).  No userinfo, no spaces or control
 * or non-ASCII bytes (the caller encodes them).
 */
static cp_err
split_url(const char *url, char *host, size_t host_size, const char **target,
    size_t *target_len, int *needs_slash)
{
	const char *a, *end, *port = NULL, *p;
	unsigned long default_port, portnum = 0;
	size_t hlen, i;

	if (url == NULL)
		return CP_E_INVALID;
	if (strlen(url) > AWS_SIGV4_MAX_TARGET)
		return CP_E_LIMIT;
	for (i = 0; url[i] != '\0'; i++)
		if ((unsigned char)url[i] <= ' ' ||
		    (unsigned char)url[i] >= 0x7f)
			return CP_E_INVALID;
	if (strncasecmp(url, "https://", 8) == 0) {
		a = url + 8;
		default_port = 443;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		a = url + 7;
		default_port = 80;
	} else
		return CP_E_INVALID;
	end = a + strcspn(a, "/?#");
	if (end == a || memchr(a, '@', (size_t)(end - a)) != NULL)
		return CP_E_INVALID;
	if (a[0] == '[') {
		p = memchr(a, ']', (size_t)(end - a));
		if (p == NULL || p == a + 1)
			return CP_E_INVALID;
		p++;
		if (p < end && *p != ':')
			return CP_E_INVALID;
		hlen = (size_t)(p - a);
		if (p < end)
			port = p + 1;
	} else {
		p = memchr(a, ':', (size_t)(end - a));
		hlen = (size_t)((p != NULL ? p : end) - a);
		if (p != NULL)
			port = p + 1;
		if (hlen == 0)
			return CP_E_INVALID;
	}
	if (port != NULL) {
		if (port == end)
			return CP_E_INVALID;
		for (p = port; p < end; p++) {
			if (*p < '0' || *p > '9')
				return CP_E_INVALID;
			portnum = portnum * 10 + (unsigned long)(*p - '0');
			if (portnum > 65535)
				return CP_E_INVALID;
		}
		if (portnum == 0)
			return CP_E_INVALID;
	}
	if (hlen + sizeof(":65535") > host_size)
		return CP_E_LIMIT;
	memcpy(host, a, hlen);
	host[hlen] = '\0';
	if (port != NULL && portnum != default_port)
		snprintf(host + hlen, host_size - hlen, ":%lu", portnum);
	*target = end;
	*target_len = strcspn(end, "#");
	*needs_slash = *end != '/';
	return CP_OK;
}

/* The name of a "Name: value" line is lname (lower case). */
static int
line_is(const char *line, const char *lname)
{
	size_t n = strlen(lname);

	return strncasecmp(line, lname, n) == 0 && line[n] == ':';
}

/*
 * What curl makes of a caller's header line: "Name:" with nothing after
 * the colon removes a header curl would add (so it is not sent: *skip),
 * and "Name;" sends an empty one (*conv is then "Name:", malloc'd).
 */
static cp_err
curl_line(const char *line, int *skip, char **conv)
{
	const char *colon = strchr(line, ':'), *v;
	size_t n = strlen(line);

	*skip = 0;
	*conv = NULL;
	if (is_ws(line[0]))
		return CP_E_INVALID;	/* curl sends no folded lines */
	if (colon == NULL) {
		if (n < 2 || line[n - 1] != ';')
			return CP_E_INVALID;
		*conv = strdup(line);
		if (*conv == NULL)
			return CP_E_NOMEM;
		(*conv)[n - 1] = ':';
		return CP_OK;
	}
	for (v = colon + 1; is_ws(*v); v++)
		;
	*skip = *v == '\0';
	return CP_OK;
}

static cp_err
add_line(cp_http_add_header_fn add, void *add_ctx, const char *name,
    const char *value)
{
	struct sb b = { NULL, 0, 0, CP_OK };
	char *line;
	cp_err e;

	sb_add(&b, name);
	sb_add(&b, ": ");
	sb_add(&b, value);
	line = sb_take(&b);
	if (line == NULL)
		return CP_E_NOMEM;
	e = add(add_ctx, line);
	wipe_free(line);
	return e;
}

cp_err
aws_sigv4_http_sign(void *ud, const struct cp_http_request *req,
    cp_http_add_header_fn add, void *add_ctx)
{
	const struct aws_sigv4_signer *s = ud;
	char host[AWS_SIGV4_MAX_HOST + sizeof(":65535")];
	char *target = NULL, *host_line = NULL;
	const char **lines = NULL;
	char **owned = NULL;
	struct aws_sigv4_req r;
	struct aws_sigv4_out out;
	const char *t;
	size_t n = 0, nl = 0, no = 0, i, tlen;
	int has_host = 0, has_date = 0, has_token = 0, has_sha = 0;
	int skip, slash;
	char *conv;
	cp_err e;

	memset(&out, 0, sizeof(out));
	if (s == NULL || req == NULL || add == NULL || s->now == NULL)
		return CP_E_INVALID;
	e = split_url(req->url, host, sizeof(host), &t, &tlen, &slash);
	if (e != CP_OK)
		return e;
	for (n = 0; req->headers != NULL && req->headers[n] != NULL; n++)
		if (n == AWS_SIGV4_MAX_HEADERS)
			return CP_E_LIMIT;
	lines = calloc(n + 1, sizeof(*lines));
	owned = calloc(n + 1, sizeof(*owned));
	target = malloc(tlen + 2);
	if (lines == NULL || owned == NULL || target == NULL) {
		e = CP_E_NOMEM;
		goto out;
	}
	snprintf(target, tlen + 2, "%s%.*s", slash ? "/" : "", (int)tlen, t);
	for (i = 0; i < n; i++) {
		e = curl_line(req->headers[i], &skip, &conv);
		if (e != CP_OK)
			goto out;
		if (skip)
			continue;
		if (conv != NULL)
			owned[no++] = conv;
		lines[nl] = conv != NULL ? conv : req->headers[i];
		has_host |= line_is(lines[nl], "host");
		has_date |= line_is(lines[nl], "x-amz-date");
		has_token |= line_is(lines[nl], "x-amz-security-token");
		has_sha |= line_is(lines[nl], "x-amz-content-sha256");
		nl++;
	}
	if (!has_host) {
		host_line = malloc(sizeof("Host: ") + strlen(host));
		if (host_line == NULL) {
			e = CP_E_NOMEM;
			goto out;
		}
		snprintf(host_line, sizeof("Host: ") + strlen(host), "Host: %s",
		    host);
		lines[nl++] = host_line;
	}
	memset(&r, 0, sizeof(r));
	r.method = req->method != NULL ? req->method :
	    req->body != NULL ? "POST" : "GET";
	r.path_query = target;
	r.headers = lines;
	r.n_headers = nl;
	r.body = req->body;
	r.body_len = req->body != NULL ? req->body_len : 0;
	r.when = s->now(s->now_ud);
	r.flags = s->flags;
	e = aws_sigv4_sign(&s->key, &r, &out);
	if (e != CP_OK)
		goto out;
	if (!has_date &&
	    (e = add_line(add, add_ctx, "X-Amz-Date", out.amz_date)) != CP_OK)
		goto out;
	if (s->key.session_token != NULL && !has_token &&
	    (e = add_line(add, add_ctx, "X-Amz-Security-Token",
	    s->key.session_token)) != CP_OK)
		goto out;
	if ((s->flags & AWS_SIGV4_CONTENT_SHA256) && !has_sha &&
	    (e = add_line(add, add_ctx, "X-Amz-Content-Sha256",
	    out.payload_hash)) != CP_OK)
		goto out;
	e = add_line(add, add_ctx, "Authorization", out.authorization);
out:
	aws_sigv4_out_free(&out);
	for (i = 0; i < no; i++)
		free(owned[i]);
	free(owned);
	free(lines);
	free(target);
	free(host_line);
	return e;
}
