/*
 * test_sigv4.c - plugins/aws/sigv4.c: URI encoding, the canonical parts
 * the suite does not reach, and aws_sigv4_http_sign (the HTTP client's
 * sign callback) against vectors of AWS's SigV4 test suite, read from the
 * fixtures (tests/fixtures, copied from the shared set).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cptest.h"
#include "sigv4.h"

#define SUITE_TIME 1440938160	/* 2015-08-30T12:36:00Z, the suite's */
#define MAX_LINES 16
#define MAX_FIXTURE (64 * 1024)
#define SUITE_TOKEN \
	"6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"

/* What the sign callback added, and when add() should start failing. */
struct added {
	char *lines[MAX_LINES];
	size_t n;
	int fail_at;			/* -1: never */
	cp_err fail_with;
};

static cp_err
record_add(void *ctx, const char *line)
{
	struct added *a = ctx;

	if (a->fail_at >= 0 && (size_t)a->fail_at == a->n)
		return a->fail_with;
	if (a->n == MAX_LINES)
		return CP_E_LIMIT;
	a->lines[a->n] = strdup(line);
	if (a->lines[a->n] == NULL)
		return CP_E_NOMEM;
	a->n++;
	return CP_OK;
}

static void
added_init(struct added *a)
{
	memset(a, 0, sizeof(*a));
	a->fail_at = -1;
}

static void
added_free(struct added *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->lines[i]);
	a->n = 0;
}

/* The added line whose name is name ("Authorization"), or NULL. */
static const char *
added_value(const struct added *a, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < a->n; i++)
		if (strncmp(a->lines[i], name, n) == 0 &&
		    strncmp(a->lines[i] + n, ": ", 2) == 0)
			return a->lines[i] + n + 2;
	return NULL;
}

static time_t
fixed_now(void *ud)
{
	return *(const time_t *)ud;
}

static time_t suite_time = SUITE_TIME;

static void
suite_signer(struct aws_sigv4_signer *s)
{
	memset(s, 0, sizeof(*s));
	s->key.access_key = "AKIDEXAMPLE";
	s->key.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	s->key.region = "us-east-1";
	s->key.service = "service";
	s->now = fixed_now;
	s->now_ud = &suite_time;
}

static void
request(struct cp_http_request *r, const char *url)
{
	memset(r, 0, sizeof(*r));
	r->struct_size = sizeof(*r);
	r->url = url;
}

/* The suite's file CASE/CASE.EXT, malloc'd; NULL (and a failure) if none. */
static char *
fixture(const char *name, const char *ext)
{
	char path[1024];
	const char *root;
	char *buf;
	size_t n;
	FILE *f;

	root = cp_test_env("CP_SHARED_FIXTURES", NULL);
	if (root != NULL)
		snprintf(path, sizeof(path),
		    "%s/cloud/aws/sigv4-test-suite/%s/%s.%s", root, name,
		    name, ext);
	else
		snprintf(path, sizeof(path), "%s/tests/fixtures/cloud/aws/"
		    "sigv4-test-suite/%s/%s.%s", CP_TEST_SRCDIR(), name, name,
		    ext);
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "cannot open the fixture %s\n", path);
		CU_FAIL_FATAL("a suite fixture is missing");
		return NULL;
	}
	buf = malloc(MAX_FIXTURE + 1);
	if (buf == NULL) {
		fclose(f);
		CU_FAIL_FATAL("out of memory");
		return NULL;
	}
	n = fread(buf, 1, MAX_FIXTURE, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* The last line of a .creq: the payload hash. */
static const char *
last_line(const char *s)
{
	const char *nl = strrchr(s, '\n');

	return nl != NULL ? nl + 1 : s;
}

static void
test_sigv4_uri_encode(void)
{
	char *s;

	s = aws_uri_encode("-._~AZaz09", 10, 0);
	CU_ASSERT_STRING_EQUAL(s, "-._~AZaz09");
	free(s);
	s = aws_uri_encode("a b/c$+=&%", 10, 0);
	CU_ASSERT_STRING_EQUAL(s, "a%20b%2Fc%24%2B%3D%26%25");
	free(s);
	s = aws_uri_encode("a b/c", 5, 1);
	CU_ASSERT_STRING_EQUAL(s, "a%20b/c");
	free(s);
	/* Raw UTF-8, upper-case hex; n bytes only. */
	s = aws_uri_encode("\xe1\x88\xb4tail", 3, 1);
	CU_ASSERT_STRING_EQUAL(s, "%E1%88%B4");
	free(s);
	s = aws_uri_encode("", 0, 0);
	CU_ASSERT_STRING_EQUAL(s, "");
	free(s);
	s = aws_uri_encode(NULL, 0, 0);
	CU_ASSERT_STRING_EQUAL(s, "");
	free(s);
	CU_ASSERT_PTR_NULL(aws_uri_encode(NULL, 1, 0));
}

/* The suite's get-vanilla through the HTTP client's path. */
static void
test_sigv4_http_sign_vanilla(void)
{
	struct aws_sigv4_signer s;
	struct cp_http_request r;
	struct added a;
	char *authz = fixture("get-vanilla", "authz");

	suite_signer(&s);
	request(&r, "https://example.amazonaws.com/");
	added_init(&a);
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a), CP_OK);
	CU_ASSERT_EQUAL(a.n, 2);
	CU_ASSERT_STRING_EQUAL(added_value(&a, "X-Amz-Date"),
	    "20150830T123600Z");
	CU_ASSERT_STRING_EQUAL(added_value(&a, "Authorization"), authz);
	CU_ASSERT_PTR_NULL(added_value(&a, "X-Amz-Security-Token"));
	CU_ASSERT_PTR_NULL(added_value(&a, "X-Amz-Content-Sha256"));
	added_free(&a);

	/* No path, the default port, a fragment: the same request. */
	request(&r, "HTTPS://example.amazonaws.com:443#frag");
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a), CP_OK);
	CU_ASSERT_STRING_EQUAL(added_value(&a, "Authorization"), authz);
	added_free(&a);
	free(authz);
}

/* get-vanilla-with-session-token: the token is signed and sent. */
static void
test_sigv4_http_sign_session_token(void)
{
	struct aws_sigv4_signer s;
	struct cp_http_request r;
	struct added a;
	char *authz = fixture("get-vanilla-with-session-token", "authz");

	suite_signer(&s);
	s.key.session_token = SUITE_TOKEN;
	request(&r, "https://example.amazonaws.com/");
	added_init(&a);
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a), CP_OK);
	CU_ASSERT_EQUAL(a.n, 3);
	CU_ASSERT_STRING_EQUAL(added_value(&a, "X-Amz-Security-Token"),
	    SUITE_TOKEN);
	CU_ASSERT_STRING_EQUAL(added_value(&a, "Authorization"), authz);
	/* The last line added is Authorization. */
	CU_ASSERT_EQUAL(strncmp(a.lines[a.n - 1], "Authorization: ", 15), 0);
	added_free(&a);
	free(authz);
}

/* post-x-www-form-urlencoded: a body and a header of the caller's. */
static void
test_sigv4_http_sign_body(void)
{
	static const char *const hdrs[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept:",		/* curl drops it: not signed */
		NULL
	};
	struct aws_sigv4_signer s;
	struct cp_http_request r;
	struct added a;
	char *authz = fixture("post-x-www-form-urlencoded", "authz");

	suite_signer(&s);
	request(&r, "https://example.amazonaws.com/");
	r.headers = hdrs;
	r.body = "Param1=value1";
	r.body_len = strlen("Param1=value1");
	added_init(&a);
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a), CP_OK);
	CU_ASSERT_STRING_EQUAL(added_value(&a, "Authorization"), authz);
	added_free(&a);
	free(authz);
}

/* AWS_SIGV4_CONTENT_SHA256: the payload hash is sent and signed. */
static void
test_sigv4_content_sha256(void)
{
	struct aws_sigv4_signer s;
	struct cp_http_request r;
	struct aws_sigv4_req q;
	struct aws_sigv4_out o;
	const char *hdr = "Host: example.amazonaws.com";
	char *creq = fixture("post-x-www-form-urlencoded", "creq");
	struct added a;

	suite_signer(&s);
	s.flags = AWS_SIGV4_CONTENT_SHA256;
	request(&r, "https://example.amazonaws.com/");
	r.method = "PUT";
	r.body = "Param1=value1";
	r.body_len = strlen("Param1=value1");
	added_init(&a);
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a), CP_OK);
	CU_ASSERT_STRING_EQUAL(added_value(&a, "X-Amz-Content-Sha256"),
	    last_line(creq));
	CU_ASSERT_PTR_NOT_NULL(strstr(added_value(&a, "Authorization"),
	    "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"));

	/* The same through aws_sigv4_sign, whose parts we can see. */
	memset(&q, 0, sizeof(q));
	q.method = "PUT";
	q.path_query = "/";
	q.headers = &hdr;
	q.n_headers = 1;
	q.body = r.body;
	q.body_len = r.body_len;
	q.when = SUITE_TIME;
	q.flags = AWS_SIGV4_CONTENT_SHA256;
	CU_ASSERT_EQUAL_FATAL(aws_sigv4_sign(&s.key, &q, &o), CP_OK);
	CU_ASSERT_STRING_EQUAL(o.payload_hash, last_line(creq));
	CU_ASSERT_PTR_NOT_NULL(strstr(o.canonical_request,
	    "\nx-amz-content-sha256:"));
	CU_ASSERT_STRING_EQUAL(o.authorization,
	    added_value(&a, "Authorization"));
	aws_sigv4_out_free(&o);
	added_free(&a);
	free(creq);
}

/* Signs GET path with the given header lines; the Authorization value. */
static char *
sign_direct(const struct aws_sigv4_key *k, const char *path,
    const char *const *hdrs, size_t n, unsigned flags, char **creq)
{
	struct aws_sigv4_req q;
	struct aws_sigv4_out o;
	char why[256];
	char *auth;

	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.path_query = path;
	q.headers = hdrs;
	q.n_headers = n;
	q.when = SUITE_TIME;
	q.flags = flags;
	if (aws_sigv4_sign_why(k, &q, &o, why, sizeof(why)) != CP_OK) {
		fprintf(stderr, "sign %s: %s\n", path, why);
		return NULL;
	}
	auth = o.authorization;
	o.authorization = NULL;
	if (creq != NULL) {
		*creq = o.canonical_request;
		o.canonical_request = NULL;
	}
	aws_sigv4_out_free(&o);
	return auth;
}

/* Host is what curl sends: the port unless it is the scheme's default. */
static void
test_sigv4_http_sign_host_port(void)
{
	static const struct {
		const char *url, *host, *path;
	} cases[] = {
		{ "http://127.0.0.1:8080/x?b=1&a=2", "Host: 127.0.0.1:8080",
		    "/x?b=1&a=2" },
		{ "https://h.example:08443", "Host: h.example:8443", "/" },
		{ "http://h.example:80/", "Host: h.example", "/" },
		{ "https://h.example:80/", "Host: h.example:80", "/" },
		{ "http://[::1]:9000/p", "Host: [::1]:9000", "/p" },
		{ "http://[::1]?q", "Host: [::1]", "/?q" },
	};
	struct aws_sigv4_signer s;
	struct cp_http_request r;
	struct added a;
	size_t i;
	char *want;

	suite_signer(&s);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		request(&r, cases[i].url);
		added_init(&a);
		CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a),
		    CP_OK);
		want = sign_direct(&s.key, cases[i].path, &cases[i].host, 1,
		    0, NULL);
		CU_ASSERT_PTR_NOT_NULL(want);
		if (want == NULL || added_value(&a, "Authorization") == NULL ||
		    strcmp(added_value(&a, "Authorization"), want) != 0) {
			fprintf(stderr, "%s: not signed as %s\n",
			    cases[i].url, cases[i].host);
			CU_FAIL("Host or target of a URL");
		}
		free(want);
		added_free(&a);
	}
}

static void
test_sigv4_http_sign_malformed_url(void)
{
	static const char *const bad[] = {
		"ftp://example.com/", "example.com/", "https://", "https:///p",
		"https://user@example.com/", "https://example.com:/",
		"https://example.com:99999/", "https://example.com:0/",
		"https://example.com:8x/", "https://[::1/", "https://[::1]x/",
		"https://ex ample.com/", "https://example.com/a b",
		"https://example.com/\xe1\x88\xb4", "https://:443/",
	};
	struct aws_sigv4_signer s;
	struct cp_http_request r;
	struct added a;
	size_t i;

	suite_signer(&s);
	added_init(&a);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		request(&r, bad[i]);
		if (aws_sigv4_http_sign(&s, &r, record_add, &a) !=
		    CP_E_INVALID) {
			fprintf(stderr, "accepted: %s\n", bad[i]);
			CU_FAIL("a malformed URL was signed");
		}
	}
	request(&r, NULL);
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(a.n, 0);
	/* No clock, no signer. */
	request(&r, "https://example.com/");
	s.now = NULL;
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(NULL, &r, record_add, &a),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(a.n, 0);
}

static void
test_sigv4_bad_header_line(void)
{
	static const char *const no_colon[] = { "NoColonHere", NULL };
	static const char *const folded[] = { " continues", NULL };
	static const char *const bad_name[] = { "Bad Name: x", NULL };
	static const char *const ctl[] = { "X-A: a\r\nX-B: b", NULL };
	static const char *const *const bad[] = { no_colon, folded, bad_name,
		ctl };
	const char *lines[] = { "Host: h", "X: 1", "NoColon" };
	struct aws_sigv4_signer s;
	struct cp_http_request r;
	struct aws_sigv4_req q;
	struct aws_sigv4_out o;
	struct added a;
	char why[128];
	size_t i;

	suite_signer(&s);
	added_init(&a);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		request(&r, "https://example.com/");
		r.headers = bad[i];
		CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a),
		    CP_E_INVALID);
	}
	CU_ASSERT_EQUAL(a.n, 0);

	/* aws_sigv4_sign says which line. */
	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.path_query = "/";
	q.headers = lines;
	q.n_headers = 3;
	q.when = SUITE_TIME;
	CU_ASSERT_EQUAL(aws_sigv4_sign_why(&s.key, &q, &o, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "header line 3 has no ':'");
	CU_ASSERT_PTR_NULL(o.authorization);
	/* No Host. */
	q.headers = lines + 1;
	q.n_headers = 1;
	CU_ASSERT_EQUAL(aws_sigv4_sign_why(&s.key, &q, &o, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "the request has no Host header");
	/* An X-Amz-Date that is not the signing time. */
	lines[1] = "X-Amz-Date: 20150830T123601Z";
	q.headers = lines;
	q.n_headers = 2;
	CU_ASSERT_EQUAL(aws_sigv4_sign(&s.key, &q, &o), CP_E_INVALID);
	lines[1] = "x-amz-date:20150830T123600Z";
	CU_ASSERT_EQUAL(aws_sigv4_sign(&s.key, &q, &o), CP_OK);
	aws_sigv4_out_free(&o);
	/* Keys that would break the scope. */
	s.key.region = "us/east";
	CU_ASSERT_EQUAL(aws_sigv4_sign(&s.key, &q, &o), CP_E_INVALID);
	s.key.region = "us-east-1";
	s.key.session_token = "a\nb";
	CU_ASSERT_EQUAL(aws_sigv4_sign(&s.key, &q, &o), CP_E_INVALID);
}

/* Every external size has a bound; past it CP_E_LIMIT, not a crash. */
static void
test_sigv4_long_inputs_bounded(void)
{
	size_t big = 4 * AWS_SIGV4_MAX_HEADER_BYTES, i;
	const char **many = NULL;
	char *url = malloc(big + 1), *hdr = malloc(big + 1);
	struct aws_sigv4_signer s;
	struct cp_http_request r;
	struct added a;

	CU_ASSERT_FATAL(url != NULL && hdr != NULL);
	suite_signer(&s);
	added_init(&a);

	/* A URL at the bound signs; one byte more does not. */
	memcpy(url, "https://example.com/", 20);
	memset(url + 20, 'a', AWS_SIGV4_MAX_TARGET - 20);
	url[AWS_SIGV4_MAX_TARGET] = '\0';
	request(&r, url);
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a), CP_OK);
	added_free(&a);
	url[AWS_SIGV4_MAX_TARGET] = 'a';
	url[AWS_SIGV4_MAX_TARGET + 1] = '\0';
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a),
	    CP_E_LIMIT);
	memset(url + 20, 'a', big - 20);
	url[big] = '\0';
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a),
	    CP_E_LIMIT);

	/* One header value larger than all headers may be. */
	memcpy(hdr, "X-Big: ", 7);
	memset(hdr + 7, 'v', big - 7);
	hdr[big] = '\0';
	{
		const char *const one[] = { hdr, NULL };

		request(&r, "https://example.com/");
		r.headers = one;
		CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a),
		    CP_E_LIMIT);
	}

	/* Too many header lines. */
	many = calloc(AWS_SIGV4_MAX_HEADERS + 2, sizeof(*many));
	CU_ASSERT_FATAL(many != NULL);
	for (i = 0; i < AWS_SIGV4_MAX_HEADERS + 1; i++)
		many[i] = "X-Many: 1";
	request(&r, "https://example.com/");
	r.headers = many;
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a),
	    CP_E_LIMIT);
	many[AWS_SIGV4_MAX_HEADERS - 1] = NULL;	/* room for Host */
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(added_value(&a, "Authorization"),
	    "SignedHeaders=host;x-amz-date;x-many,"));
	added_free(&a);

	/* A secret key longer than a key can be. */
	memset(hdr, 'k', AWS_SIGV4_MAX_FIELD + 1);
	hdr[AWS_SIGV4_MAX_FIELD + 1] = '\0';
	s.key.secret_key = hdr;
	request(&r, "https://example.com/");
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(a.n, 0);
	free(many);
	free(url);
	free(hdr);
}

/* A failing add() stops signing with its code. */
static void
test_sigv4_add_failure(void)
{
	struct aws_sigv4_signer s;
	struct cp_http_request r;
	struct added a;
	int at;

	suite_signer(&s);
	s.key.session_token = SUITE_TOKEN;
	s.flags = AWS_SIGV4_CONTENT_SHA256;
	request(&r, "https://example.amazonaws.com/");
	for (at = 0; at < 4; at++) {
		added_init(&a);
		a.fail_at = at;
		a.fail_with = at % 2 ? CP_E_NOMEM : CP_E_INVALID;
		CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a),
		    a.fail_with);
		CU_ASSERT_EQUAL(a.n, (size_t)at);
		added_free(&a);
	}
}

/* The canonical query: decoded, re-encoded, sorted, '=' always. */
static void
test_sigv4_canonical_query(void)
{
	static const char *const host[] = { "Host: h" };
	struct aws_sigv4_signer s;
	char *creq = NULL, *auth;

	suite_signer(&s);
	auth = sign_direct(&s.key, "/?b=2&a=%7e&a=1&c&&d=x+y&%C3%A9=%2f", host,
	    1, 0, &creq);
	CU_ASSERT_PTR_NOT_NULL_FATAL(auth);
	CU_ASSERT_EQUAL(strncmp(creq, "GET\n/\n%C3%A9=%2F&a=1&a=~&b=2&c=&"
	    "d=x%2By\n", strlen("GET\n/\n%C3%A9=%2F&a=1&a=~&b=2&c=&d=x%2By\n")),
	    0);
	free(auth);
	free(creq);
	creq = NULL;
	CU_ASSERT_PTR_NULL(sign_direct(&s.key, "/?a=%zz", host, 1, 0, NULL));
	CU_ASSERT_PTR_NULL(sign_direct(&s.key, "/?a=%2", host, 1, 0, NULL));
	/* An empty query is an empty line. */
	auth = sign_direct(&s.key, "/?", host, 1, 0, &creq);
	CU_ASSERT_PTR_NOT_NULL_FATAL(auth);
	CU_ASSERT_EQUAL(strncmp(creq, "GET\n/\n\n", 7), 0);
	free(auth);
	free(creq);
}

/* Non-S3: normalized and encoded again; S3: as sent. */
static void
test_sigv4_path(void)
{
	static const struct {
		const char *path;
		unsigned flags;
		const char *want;
	} cases[] = {
		{ "/a/./b//../c%20d", 0, "GET\n/a/c%2520d\n" },
		{ "/a/b/..", 0, "GET\n/a\n" },
		{ "/a/b/../", 0, "GET\n/a/\n" },
		{ "/../..", 0, "GET\n/\n" },
		{ "/a/./b//../c%20d", AWS_SIGV4_NO_NORMALIZE,
		    "GET\n/a/./b//../c%20d\n" },
		{ "/my-object//example//photo.user", AWS_SIGV4_NO_NORMALIZE,
		    "GET\n/my-object//example//photo.user\n" },
		{ "/k$ey%2f%zz", AWS_SIGV4_NO_NORMALIZE,
		    "GET\n/k%24ey%2F%25zz\n" },
	};
	static const char *const host[] = { "Host: h" };
	struct aws_sigv4_signer s;
	char *creq, *auth;
	size_t i;

	suite_signer(&s);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		creq = NULL;
		auth = sign_direct(&s.key, cases[i].path, host, 1,
		    cases[i].flags, &creq);
		CU_ASSERT_PTR_NOT_NULL(auth);
		if (creq != NULL && strncmp(creq, cases[i].want,
		    strlen(cases[i].want)) != 0) {
			fprintf(stderr, "%s: got %.40s\n", cases[i].path, creq);
			CU_FAIL("canonical URI");
		}
		free(auth);
		free(creq);
	}
	CU_ASSERT_PTR_NULL(sign_direct(&s.key, "relative", host, 1, 0, NULL));
}

/* Header canonicalization beyond the suite: folds, names, "Name;". */
static void
test_sigv4_headers(void)
{
	static const char *const a[] = { "Host: h", "My-H:  x\t\ty  ",
		"my-h: z", "  w" };
	static const char *const curl_hdrs[] = { "X-Empty;", "Accept:  ",
		NULL };
	static const char *const b[] = { "Host: h", "X-Empty:" };
	struct aws_sigv4_signer s;
	struct cp_http_request r;
	struct added ad;
	char *creq = NULL, *auth;

	suite_signer(&s);
	auth = sign_direct(&s.key, "/", a, 4, 0, &creq);
	CU_ASSERT_PTR_NOT_NULL_FATAL(auth);
	CU_ASSERT_PTR_NOT_NULL(strstr(creq, "\nmy-h:x y,z w\n"));
	free(auth);
	free(creq);

	/* Through the client: "X-Empty;" is an empty header, "Accept:" none. */
	request(&r, "https://h/");
	r.headers = curl_hdrs;
	added_init(&ad);
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &ad), CP_OK);
	auth = sign_direct(&s.key, "/", b, 2, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(auth);
	CU_ASSERT_STRING_EQUAL(added_value(&ad, "Authorization"), auth);
	free(auth);
	added_free(&ad);
}

/* The time comes from now(now_ud) at every call. */
static void
test_sigv4_now(void)
{
	struct aws_sigv4_signer s;
	struct cp_http_request r;
	struct added a;
	time_t t = 0;

	suite_signer(&s);
	s.now_ud = &t;
	request(&r, "https://h/");
	added_init(&a);
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a), CP_OK);
	CU_ASSERT_STRING_EQUAL(added_value(&a, "X-Amz-Date"),
	    "19700101T000000Z");
	CU_ASSERT_PTR_NOT_NULL(strstr(added_value(&a, "Authorization"),
	    "Credential=AKIDEXAMPLE/19700101/us-east-1/service/"));
	added_free(&a);
	t = SUITE_TIME + 11 * 3600 + 23 * 60 + 59;	/* the last second */
	CU_ASSERT_EQUAL(aws_sigv4_http_sign(&s, &r, record_add, &a), CP_OK);
	CU_ASSERT_STRING_EQUAL(added_value(&a, "X-Amz-Date"),
	    "20150830T235959Z");
	added_free(&a);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "uri_encode", test_sigv4_uri_encode },
		{ "http_sign_vanilla", test_sigv4_http_sign_vanilla },
		{ "http_sign_session_token",
		    test_sigv4_http_sign_session_token },
		{ "http_sign_body", test_sigv4_http_sign_body },
		{ "content_sha256", test_sigv4_content_sha256 },
		{ "http_sign_host_port", test_sigv4_http_sign_host_port },
		{ "http_sign_malformed_url",
		    test_sigv4_http_sign_malformed_url },
		{ "bad_header_line", test_sigv4_bad_header_line },
		{ "long_inputs_bounded", test_sigv4_long_inputs_bounded },
		{ "add_failure", test_sigv4_add_failure },
		{ "canonical_query", test_sigv4_canonical_query },
		{ "path", test_sigv4_path },
		{ "headers", test_sigv4_headers },
		{ "now", test_sigv4_now },
		{ NULL, NULL }
	};

	return cp_test_run("sigv4", tests);
}
