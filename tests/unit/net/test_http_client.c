/*
 * test_http_client.c - the HTTP client against tests/fakes/http_test_server.py
 * (plain HTTP and HTTPS with a throwaway CA made here with openssl): every
 * documented outcome, retries, limits, signing, paging and cancellation.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cptest.h"
#include "net/http_client.h"
#include "util/util.h"

struct server {
	pid_t pid;
	int port;
};

static struct server plain = {-1, 0};
static struct server tls = {-1, 0};
static char tmpdir[256];
static char ca_pem[300];
static volatile int cancel_flag;

/* ------------------------------------------------------------ helpers */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs argv and waits; 0 when it exited with 0. */
static int
run(char *const argv[])
{
	pid_t pid;
	int st, devnull;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* A CA and a server certificate for 127.0.0.1 and localhost, in tmpdir. */
static int
make_certs(void)
{
	char ca_key[300], srv_key[300], srv_csr[300], srv_pem[300], ext[300];
	FILE *f;

	snprintf(ca_key, sizeof(ca_key), "%s/ca.key", tmpdir);
	snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", tmpdir);
	snprintf(srv_key, sizeof(srv_key), "%s/server.key", tmpdir);
	snprintf(srv_csr, sizeof(srv_csr), "%s/server.csr", tmpdir);
	snprintf(srv_pem, sizeof(srv_pem), "%s/server.pem", tmpdir);
	snprintf(ext, sizeof(ext), "%s/server.ext", tmpdir);
	f = fopen(ext, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "basicConstraints=CA:FALSE\n"
		   "keyUsage=critical,digitalSignature,keyEncipherment\n"
		   "extendedKeyUsage=serverAuth\n"
		   "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
	fclose(f);
	{
		char *const ca[] = {"openssl", "req", "-x509", "-newkey", "ec",
		    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
		    "-keyout", ca_key, "-out", ca_pem, "-days", "2", "-subj",
		    "/CN=cloudpatrol test CA", "-addext",
		    "basicConstraints=critical,CA:TRUE", "-addext",
		    "keyUsage=critical,keyCertSign,cRLSign", NULL};
		char *const csr[] = {"openssl", "req", "-new", "-newkey", "ec",
		    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
		    "-keyout", srv_key, "-out", srv_csr, "-subj",
		    "/CN=127.0.0.1", NULL};
		char *const sign[] = {"openssl", "x509", "-req", "-in", srv_csr,
		    "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial", "-out",
		    srv_pem, "-days", "2", "-extfile", ext, NULL};

		if (run(ca) != 0 || run(csr) != 0 || run(sign) != 0)
			return -1;
	}
	return 0;
}

/* Starts the test server (HTTPS when cert is set) and reads its port. */
static int
server_start(struct server *s, const char *cert, const char *key)
{
	char script[1024], line[32];
	const char *py = cp_test_env("CP_PYTHON3", "/usr/bin/python3");
	int fds[2];
	ssize_t n;
	size_t got = 0;
	long long port;

	/* CP_ABS_SRCDIR: make check's serial harness may not export it. */
	snprintf(script, sizeof(script), "%s/tests/fakes/http_test_server.py",
	    cp_test_env("CP_TOP_SRCDIR", CP_ABS_SRCDIR));
	if (pipe(fds) != 0)
		return -1;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		if (cert != NULL)
			execl(py, py, script, "--cert", cert, "--key", key,
			    (char *)NULL);
		else
			execl(py, py, script, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (got < sizeof(line) - 1) {
		n = read(fds[0], line + got, 1);
		if (n <= 0 || line[got] == '\n')
			break;
		got++;
	}
	line[got] = '\0';
	close(fds[0]);
	if (cp_parse_ll(line, 1, 65535, &port) != CP_OK)
		return -1;
	s->port = (int)port;
	return 0;
}

static void
server_stop(struct server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = -1;
	}
}

/* A port where nothing listens (bound, then closed). */
static int
closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd, port = 0;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Small backoffs so that retries take milliseconds. */
static struct cp_http_settings
test_settings(void)
{
	struct cp_http_settings s;

	memset(&s, 0, sizeof(s));
	s.connect_timeout_ms = 2000;
	s.timeout_ms = 5000;
	s.retries = 2;
	s.backoff_base_ms = 10;
	s.backoff_max_ms = 40;
	s.retry_after_max_ms = 200;
	s.cancel = &cancel_flag;
	return s;
}

static struct cp_http_request
get(const char *url)
{
	struct cp_http_request q;

	memset(&q, 0, sizeof(q));
	q.struct_size = sizeof(q);
	q.url = url;
	return q;
}

static void
url_of(char *buf, size_t size, const char *path)
{
	snprintf(buf, size, "http://127.0.0.1:%d%s", plain.port, path);
}

/* The server's records of key: count and maximum concurrency. */
static json_t *
stats(cp_http *h, const char *key)
{
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256], why[128];
	json_t *j = NULL;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/stats?key=%s",
	    plain.port, key);
	q = get(url);
	if (cp_http_perform(h, &q, &resp) == CP_OK)
		j = cp_json_parse(resp->body, resp->body_len, why, sizeof(why));
	cp_http_response_free(resp);
	return j;
}

static long long
stat_int(cp_http *h, const char *key, const char *field)
{
	json_t *j = stats(h, key);
	long long v = json_integer_value(json_object_get(j, field));

	json_decref(j);
	return v;
}

/* How often the echoed request carried header name, and the last value. */
static int
echoed_header(const struct cp_http_response *resp, const char *name,
    char *value, size_t value_size)
{
	char why[128];
	json_t *j, *pair;
	size_t i;
	int n = 0;

	j = cp_json_parse(resp->body, resp->body_len, why, sizeof(why));
	json_array_foreach(json_object_get(j, "headers"), i, pair)
	{
		if (strcasecmp(json_string_value(json_array_get(pair, 0)),
			name) == 0) {
			n++;
			if (value != NULL)
				snprintf(value, value_size, "%s",
				    json_string_value(json_array_get(pair, 1)));
		}
	}
	json_decref(j);
	return n;
}

struct fixture {
	cp_http_pool *pool;
	cp_http *h;
};

static void
fixture_open(struct fixture *f, const struct cp_http_settings *s)
{
	cancel_flag = 0;
	f->pool = NULL;
	f->h = NULL;
	CU_ASSERT_EQUAL_FATAL(cp_http_pool_create(s, &f->pool), CP_OK);
	f->h = cp_http_create(f->pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->h);
}

static void
fixture_close(struct fixture *f)
{
	cp_http_destroy(f->h);
	cp_http_pool_destroy(f->pool);
}

/* ------------------------------------------------------------- basics */

static void
test_http_client_get_ok(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256], ua[128] = "";

	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/echo?key=get-ok");
	q = get(url);
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->status, 200);
	CU_ASSERT_EQUAL(resp->attempts, 1);
	CU_ASSERT_EQUAL(resp->struct_size, sizeof(*resp));
	CU_ASSERT(resp->body_len > 0);
	CU_ASSERT_EQUAL(resp->body[resp->body_len], '\0');
	CU_ASSERT_STRING_EQUAL(
	    cp_http_response_header(resp, "content-type"), "application/json");
	CU_ASSERT_PTR_NULL(cp_http_response_header(resp, "X-Absent"));
	CU_ASSERT_PTR_NULL(cp_http_response_header(resp, "Content"));
	CU_ASSERT_EQUAL(echoed_header(resp, "User-Agent", ua, sizeof(ua)), 1);
	CU_ASSERT_STRING_EQUAL(ua, "cloudpatrol/" PACKAGE_VERSION);
	CU_ASSERT_EQUAL(echoed_header(resp, "Expect", NULL, 0), 0);
	cp_http_response_free(resp);
	cp_http_response_free(NULL);
	/* "localhost" is loopback too. */
	snprintf(url, sizeof(url), "http://localhost:%d/echo", plain.port);
	q = get(url);
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	cp_http_response_free(resp);
	fixture_close(&f);
}

static void
test_http_client_user_agent_and_headers(void)
{
	struct cp_http_settings s = test_settings();
	static const char *const hdrs[] = {
	    "X-One: 1", "Accept: application/json", NULL};
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256], v[128] = "";

	s.user_agent = "patrol-test/9";
	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/echo");
	q = get(url);
	q.headers = hdrs;
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(echoed_header(resp, "User-Agent", v, sizeof(v)), 1);
	CU_ASSERT_STRING_EQUAL(v, "patrol-test/9");
	CU_ASSERT_EQUAL(echoed_header(resp, "X-One", v, sizeof(v)), 1);
	CU_ASSERT_STRING_EQUAL(v, "1");
	cp_http_response_free(resp);
	fixture_close(&f);
}

static void
test_http_client_methods_and_bodies(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256], why[128];
	const char body[] = "{\"hello\": \"world\"}";
	json_t *j;

	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/echo");
	/* A body without a method is a POST. */
	q = get(url);
	q.body = body;
	q.body_len = strlen(body);
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	j = cp_json_parse(resp->body, resp->body_len, why, sizeof(why));
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(j, "method")), "POST");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "body_len")),
	    (json_int_t)strlen(body));
	json_decref(j);
	cp_http_response_free(resp);
	/* GET and PUT with a body keep their method. */
	q.method = "PUT";
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	j = cp_json_parse(resp->body, resp->body_len, why, sizeof(why));
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(j, "method")), "PUT");
	json_decref(j);
	cp_http_response_free(resp);
	q.method = "GET";
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	j = cp_json_parse(resp->body, resp->body_len, why, sizeof(why));
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(j, "method")), "GET");
	json_decref(j);
	cp_http_response_free(resp);
	/* DELETE without a body, POST without a body, HEAD. */
	q = get(url);
	q.method = "DELETE";
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(resp->body, "\"DELETE\""));
	cp_http_response_free(resp);
	q.method = "POST";
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(resp->body, "\"POST\""));
	cp_http_response_free(resp);
	q.method = "HEAD";
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->status, 200);
	CU_ASSERT_EQUAL(resp->body_len, 0);
	CU_ASSERT_STRING_EQUAL(resp->body, "");
	cp_http_response_free(resp);
	fixture_close(&f);
}

static void
test_http_client_invalid_requests(void)
{
	struct cp_http_settings s = test_settings();
	static const char *const crlf[] = {"X-A: 1\r\nX-Injected: 1", NULL};
	static const char *const noname[] = {": v", NULL};
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = (void *)1;
	char url[256];

	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/echo?key=invalid");
	q = get(url);
	q.struct_size = 8;
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_INVALID);
	CU_ASSERT_PTR_NULL(resp);
	CU_ASSERT_EQUAL(cp_http_perform(f.h, NULL, &resp), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_http_perform(NULL, &q, &resp), CP_E_INVALID);
	q = get(NULL);
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_INVALID);
	q = get(url);
	q.headers = crlf;
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "header 1"));
	q.headers = noname;
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_INVALID);
	q = get(url);
	q.method = "G ET";
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_INVALID);
	q.method = "get";
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_INVALID);
	q = get(url);
	q.body_len = 3;
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_INVALID);
	q = get(url);
	q.timeout_ms = -1;
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_INVALID);
	q = get("ftp://127.0.0.1/");
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_INVALID);
	q = get("file:///etc/passwd");
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_INVALID);
	/* None of them reached the server. */
	CU_ASSERT_EQUAL(stat_int(f.h, "invalid", "count"), 0);
	fixture_close(&f);
}

static void
test_http_client_plain_http_refused(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	double t0;

	s.connect_timeout_ms = 10000;
	fixture_open(&f, &s);
	/* TEST-NET-1: a connect would hang or fail as a connect error. */
	q = get("http://192.0.2.1/x?token=SECRET");
	t0 = now_s();
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_INVALID);
	CU_ASSERT(now_s() - t0 < 1.0);
	CU_ASSERT_PTR_NULL(resp);
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "loopback"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(cp_http_errmsg(f.h), "GET http://192.0.2.1/x"));
	CU_ASSERT_PTR_NULL(strstr(cp_http_errmsg(f.h), "SECRET"));
	q = get("http://example.com/");
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_INVALID);
	fixture_close(&f);
}

/* ------------------------------------------------------------ retries */

static void
test_http_client_retry_500(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256];

	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/flaky?code=500&n=2&key=r500");
	q = get(url);
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->status, 200);
	CU_ASSERT_EQUAL(resp->attempts, 3);
	cp_http_response_free(resp);
	CU_ASSERT_EQUAL(stat_int(f.h, "r500", "count"), 3);
	/* 502, 503 and 504 are retried too. */
	url_of(url, sizeof(url), "/flaky?code=502&n=1&key=r502");
	q = get(url);
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->attempts, 2);
	cp_http_response_free(resp);
	url_of(url, sizeof(url), "/flaky?code=504&n=1&key=r504");
	q = get(url);
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->attempts, 2);
	cp_http_response_free(resp);
	fixture_close(&f);
}

static void
test_http_client_retry_after_honoured(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256];
	double t0;

	fixture_open(&f, &s);
	/* Retry-After: 1 capped at 200 ms; the backoff alone is <= 40 ms. */
	url_of(url, sizeof(url), "/flaky?code=429&n=1&ra=1&key=ra-secs");
	q = get(url);
	t0 = now_s();
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT(now_s() - t0 >= 0.19);
	CU_ASSERT(now_s() - t0 < 0.9);
	CU_ASSERT_EQUAL(resp->status, 200);
	CU_ASSERT_EQUAL(resp->attempts, 2);
	CU_ASSERT(resp->seconds >= 0.19);
	cp_http_response_free(resp);
	/* An HTTP date one second ahead, capped the same way. */
	url_of(url, sizeof(url), "/flaky?code=503&n=1&ra=date&key=ra-date");
	q = get(url);
	t0 = now_s();
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT(now_s() - t0 >= 0.19);
	CU_ASSERT_EQUAL(resp->attempts, 2);
	cp_http_response_free(resp);
	/* Retry-After: 0 means at once. */
	url_of(url, sizeof(url), "/flaky?code=429&n=2&ra=0&key=ra-zero");
	q = get(url);
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->attempts, 3);
	cp_http_response_free(resp);
	fixture_close(&f);
}

static void
test_http_client_status_after_last_retry(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256];

	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/flaky?code=503&n=100&key=always503");
	q = get(url);
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->status, 503);
	CU_ASSERT_EQUAL(resp->attempts, 3);
	cp_http_response_free(resp);
	CU_ASSERT_EQUAL(stat_int(f.h, "always503", "count"), 3);
	/* The request's own retry count wins over the settings. */
	url_of(url, sizeof(url), "/flaky?code=429&n=100&key=always429");
	q = get(url);
	q.max_retries = 4;
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->status, 429);
	CU_ASSERT_EQUAL(resp->attempts, 5);
	cp_http_response_free(resp);
	/* -1: no retry at all. */
	url_of(url, sizeof(url), "/flaky?code=500&n=100&key=noretry");
	q = get(url);
	q.max_retries = -1;
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->attempts, 1);
	cp_http_response_free(resp);
	CU_ASSERT_EQUAL(stat_int(f.h, "noretry", "count"), 1);
	fixture_close(&f);
}

static void
test_http_client_no_retry_status_flag(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256];

	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/flaky?code=500&n=1&key=flag");
	q = get(url);
	q.flags = CP_HTTP_F_NO_RETRY_STATUS;
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->status, 500);
	CU_ASSERT_EQUAL(resp->attempts, 1);
	CU_ASSERT_STRING_EQUAL(resp->body, "{}");
	cp_http_response_free(resp);
	fixture_close(&f);
}

static void
test_http_client_no_retry_4xx(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256];

	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/status?code=404&key=s404");
	q = get(url);
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->status, 404);
	CU_ASSERT_EQUAL(resp->attempts, 1);
	cp_http_response_free(resp);
	url_of(url, sizeof(url), "/status?code=403&key=s403");
	q = get(url);
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->status, 403);
	cp_http_response_free(resp);
	CU_ASSERT_EQUAL(stat_int(f.h, "s404", "count"), 1);
	CU_ASSERT_EQUAL(stat_int(f.h, "s403", "count"), 1);
	fixture_close(&f);
}

/* ------------------------------------------------------- transport */

static void
test_http_client_timeout(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256];

	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/sleep?ms=3000&key=stall");
	q = get(url);
	q.timeout_ms = 300;
	q.max_retries = 1;
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_HTTP_TIMEOUT);
	CU_ASSERT_PTR_NULL(resp);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(cp_http_errmsg(f.h), "timed out after 300 ms (2 attempts)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "GET http://"));
	CU_ASSERT_EQUAL(stat_int(f.h, "stall", "count"), 2);
	fixture_close(&f);
}

static void
test_http_client_connect_error(void)
{
	struct cp_http_settings s = test_settings();
	static const char *const auth[] = {
	    "Authorization: Bearer SEKRET1", NULL};
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256];

	fixture_open(&f, &s);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x?sig=SEKRET2",
	    closed_port());
	q = get(url);
	q.headers = auth;
	q.max_retries = 1;
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_HTTP_CONNECT);
	CU_ASSERT_PTR_NULL(resp);
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "(2 attempts)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "/x"));
	CU_ASSERT_PTR_NULL(strstr(cp_http_errmsg(f.h), "SEKRET"));
	fixture_close(&f);
}

static void
test_http_client_truncated(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256];

	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/truncated?key=trunc-always");
	q = get(url);
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_HTTP_TRUNCATED);
	CU_ASSERT_PTR_NULL(resp);
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "(3 attempts)"));
	CU_ASSERT_EQUAL(stat_int(f.h, "trunc-always", "count"), 3);
	/* Once truncated, then whole: the retry saves it. */
	url_of(url, sizeof(url), "/truncated?n=1&key=trunc-once");
	q = get(url);
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->attempts, 2);
	cp_http_response_free(resp);
	fixture_close(&f);
}

static void
test_http_client_too_large(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256];

	s.max_body = 4096;
	fixture_open(&f, &s);
	/* Refused on its Content-Length. */
	url_of(url, sizeof(url), "/big?bytes=2000000&key=big-cl");
	q = get(url);
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_HTTP_TOO_LARGE);
	CU_ASSERT_PTR_NULL(resp);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(cp_http_errmsg(f.h), "larger than 4096 bytes"));
	CU_ASSERT_EQUAL(stat_int(f.h, "big-cl", "count"), 1);
	/* Chunked, no length: cut off while streaming. */
	url_of(url, sizeof(url), "/big?bytes=2000000&chunked=1&key=big-ch");
	q = get(url);
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_HTTP_TOO_LARGE);
	CU_ASSERT_EQUAL(stat_int(f.h, "big-ch", "count"), 1);
	/* The request's own limit; exactly the limit is fine. */
	url_of(url, sizeof(url), "/big?bytes=1000&chunked=1");
	q = get(url);
	q.max_body = 999;
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_HTTP_TOO_LARGE);
	q.max_body = 1000;
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(resp->body_len, 1000);
	CU_ASSERT_EQUAL(resp->body[1000], '\0');
	cp_http_response_free(resp);
	fixture_close(&f);
}

static void
test_http_client_headers_bounded(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256];

	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/headers?n=50");
	q = get(url);
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_STRING_EQUAL(cp_http_response_header(resp, "x-h-49"), "v49");
	CU_ASSERT(resp->n_headers >= 50);
	cp_http_response_free(resp);
	url_of(url, sizeof(url), "/headers?n=300&key=hdr300");
	q = get(url);
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_HTTP_TOO_LARGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "header"));
	CU_ASSERT_EQUAL(stat_int(f.h, "hdr300", "count"), 1);
	fixture_close(&f);
}

/* ----------------------------------------------------------- signing */

struct signer {
	int calls;
	cp_err fail;
};

static cp_err
sign_cb(void *ud, const struct cp_http_request *req, cp_http_add_header_fn add,
    void *add_ctx)
{
	struct signer *sg = ud;
	char line[64];
	cp_err r;

	sg->calls++;
	if (sg->fail != CP_OK)
		return sg->fail;
	if (req == NULL || req->url == NULL)
		return CP_E_INVALID;
	snprintf(line, sizeof(line), "X-Sig: attempt-%d", sg->calls);
	r = add(add_ctx, line);
	if (r != CP_OK)
		return r;
	/* A header line that would inject another one is refused. */
	if (add(add_ctx, "X-Bad: 1\r\nX-Evil: 1") != CP_E_INVALID)
		return CP_E_FAILED;
	return CP_OK;
}

static void
test_http_client_sign_each_attempt(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	struct signer sg = {0, CP_OK};
	char url[256], v[64] = "";

	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/flaky?code=500&n=2&key=sign");
	q = get(url);
	q.sign = sign_cb;
	q.sign_ud = &sg;
	CU_ASSERT_EQUAL_FATAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	CU_ASSERT_EQUAL(sg.calls, 3);
	/* Only this attempt's signature was sent. */
	CU_ASSERT_EQUAL(echoed_header(resp, "X-Sig", v, sizeof(v)), 1);
	CU_ASSERT_STRING_EQUAL(v, "attempt-3");
	CU_ASSERT_EQUAL(echoed_header(resp, "X-Evil", NULL, 0), 0);
	cp_http_response_free(resp);
	/* A failing signer abandons the request before any traffic. */
	sg.calls = 0;
	sg.fail = CP_E_AUTH;
	url_of(url, sizeof(url), "/echo?key=sign-fail");
	q = get(url);
	q.sign = sign_cb;
	q.sign_ud = &sg;
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_AUTH);
	CU_ASSERT_EQUAL(sg.calls, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "sign"));
	CU_ASSERT_EQUAL(stat_int(f.h, "sign-fail", "count"), 0);
	fixture_close(&f);
}

/* --------------------------------------------------------------- TLS */

static void
test_http_client_tls_with_ca_file(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256];

	s.ca_file = ca_pem;
	fixture_open(&f, &s);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/echo", tls.port);
	q = get(url);
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	if (resp != NULL)
		CU_ASSERT_EQUAL(resp->status, 200);
	cp_http_response_free(resp);
	resp = NULL;
	snprintf(url, sizeof(url), "https://localhost:%d/echo", tls.port);
	q = get(url);
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_OK);
	cp_http_response_free(resp);
	fixture_close(&f);
}

static void
test_http_client_tls_system_bundle_fails(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256];

	fixture_open(&f, &s);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/echo", tls.port);
	q = get(url);
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_HTTP_TLS);
	CU_ASSERT_PTR_NULL(resp);
	/* Never retried. */
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "(1 attempt)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "TLS"));
	fixture_close(&f);
}

/* ------------------------------------------------------ cancellation */

static void *
cancel_later(void *arg)
{
	struct timespec ts = {0, 150 * 1000000L};

	(void)arg;
	nanosleep(&ts, NULL);
	cancel_flag = 1;
	return NULL;
}

static void
test_http_client_cancel(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	char url[256];
	pthread_t t;
	double t0;

	/* While waiting between retries (backoff of up to 10 s). */
	s.backoff_base_ms = 10000;
	s.backoff_max_ms = 10000;
	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/flaky?code=500&n=100&key=cancel-wait");
	q = get(url);
	q.max_retries = 3;
	CU_ASSERT_FATAL(pthread_create(&t, NULL, cancel_later, NULL) == 0);
	t0 = now_s();
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_CANCELLED);
	CU_ASSERT(now_s() - t0 < 2.0);
	CU_ASSERT_PTR_NULL(resp);
	pthread_join(t, NULL);
	/* Already cancelled: nothing starts. */
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_CANCELLED);
	/* During a transfer. */
	cancel_flag = 0;
	url_of(url, sizeof(url), "/sleep?ms=3000&key=cancel-xfer");
	q = get(url);
	CU_ASSERT_FATAL(pthread_create(&t, NULL, cancel_later, NULL) == 0);
	t0 = now_s();
	CU_ASSERT_EQUAL(cp_http_perform(f.h, &q, &resp), CP_E_CANCELLED);
	CU_ASSERT(now_s() - t0 < 2.0);
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "cancelled"));
	pthread_join(t, NULL);
	fixture_close(&f);
}

/* ----------------------------------------------------- many, limits */

#define MANY 6

static cp_err
many(
    cp_http *h, const char *path, struct cp_http_response **resps, cp_err *errs)
{
	struct cp_http_request qs[MANY];
	const struct cp_http_request *ptrs[MANY];
	char url[256];
	size_t i;

	url_of(url, sizeof(url), path);
	for (i = 0; i < MANY; i++) {
		qs[i] = get(url);
		ptrs[i] = &qs[i];
	}
	return cp_http_perform_many(h, ptrs, MANY, resps, errs);
}

static void
free_all(struct cp_http_response **resps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cp_http_response_free(resps[i]);
}

static void
test_http_client_many_parallel(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_response *resps[MANY];
	cp_err errs[MANY];
	size_t i;

	fixture_open(&f, &s);
	CU_ASSERT_EQUAL(many(f.h, "/sleep?ms=300&key=par", resps, errs), CP_OK);
	for (i = 0; i < MANY; i++) {
		CU_ASSERT_EQUAL(errs[i], CP_OK);
		CU_ASSERT_PTR_NOT_NULL(resps[i]);
		if (resps[i] != NULL)
			CU_ASSERT_EQUAL(resps[i]->status, 200);
	}
	free_all(resps, MANY);
	CU_ASSERT_EQUAL(stat_int(f.h, "par", "count"), MANY);
	CU_ASSERT(stat_int(f.h, "par", "max_concurrent") >= 3);
	CU_ASSERT_EQUAL(cp_http_perform_many(f.h, NULL, 0, NULL, NULL), CP_OK);
	fixture_close(&f);
}

static void
test_http_client_many_max_conn(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_response *resps[MANY];
	cp_err errs[MANY];
	char host[64];

	fixture_open(&f, &s);
	snprintf(host, sizeof(host), "127.0.0.1:%d", plain.port);
	CU_ASSERT_EQUAL(cp_http_set_limits(f.h, host, 0, 0, 2), CP_OK);
	CU_ASSERT_EQUAL(
	    many(f.h, "/sleep?ms=150&key=maxconn", resps, errs), CP_OK);
	free_all(resps, MANY);
	CU_ASSERT_EQUAL(stat_int(f.h, "maxconn", "count"), MANY);
	CU_ASSERT_EQUAL(stat_int(f.h, "maxconn", "max_concurrent"), 2);
	fixture_close(&f);
}

static void
test_http_client_rate_limit(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_response *resps[MANY];
	cp_err errs[MANY];
	json_t *j, *times;
	double first, last;

	fixture_open(&f, &s);
	/* The host's key without a port applies to every port. */
	CU_ASSERT_EQUAL(cp_http_set_limits(f.h, "127.0.0.1", 20, 1, 0), CP_OK);
	CU_ASSERT_EQUAL(many(f.h, "/echo?key=rate", resps, errs), CP_OK);
	free_all(resps, MANY);
	/* Loosen it again so that the stats request is not held. */
	CU_ASSERT_EQUAL(
	    cp_http_set_limits(f.h, "127.0.0.1", 1e6, 1000000, 0), CP_OK);
	j = stats(f.h, "rate");
	times = json_object_get(j, "times");
	CU_ASSERT_EQUAL_FATAL(json_array_size(times), MANY);
	first = json_real_value(json_array_get(times, 0));
	last = json_real_value(json_array_get(times, MANY - 1));
	/* Six requests at 20/s with a burst of 1: at least 5 * 50 ms. */
	CU_ASSERT(last - first >= 0.24);
	json_decref(j);
	CU_ASSERT_EQUAL(cp_http_set_limits(f.h, "", 1, 1, 1), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_http_set_limits(f.h, "h", -1, 1, 1), CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "limits"));
	fixture_close(&f);
}

struct worker {
	cp_http_pool *pool;
	int ok;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct cp_http_request q;
	struct cp_http_response *resp = NULL;
	cp_http *h = cp_http_create(w->pool);
	char url[256];
	int i;

	if (h == NULL)
		return NULL;
	url_of(url, sizeof(url), "/sleep?ms=60&key=threads");
	q = get(url);
	for (i = 0; i < 3; i++) {
		if (cp_http_perform(h, &q, &resp) == CP_OK)
			w->ok++;
		cp_http_response_free(resp);
		resp = NULL;
	}
	cp_http_destroy(h);
	return NULL;
}

static void
test_http_client_limits_shared_by_threads(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct worker w[3];
	pthread_t t[3];
	char host[64];
	int i;

	fixture_open(&f, &s);
	snprintf(host, sizeof(host), "127.0.0.1:%d", plain.port);
	CU_ASSERT_EQUAL(cp_http_set_limits(f.h, host, 0, 0, 1), CP_OK);
	for (i = 0; i < 3; i++) {
		w[i].pool = f.pool;
		w[i].ok = 0;
		CU_ASSERT_FATAL(
		    pthread_create(&t[i], NULL, worker_run, &w[i]) == 0);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(w[i].ok, 3);
	}
	CU_ASSERT_EQUAL(stat_int(f.h, "threads", "count"), 9);
	CU_ASSERT_EQUAL(stat_int(f.h, "threads", "max_concurrent"), 1);
	fixture_close(&f);
}

static void
test_http_client_many_mixed_outcomes(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request qs[4];
	const struct cp_http_request *ptrs[4];
	struct cp_http_response *resps[4];
	cp_err errs[4];
	char u0[256], u1[256], u2[256];
	size_t i;

	fixture_open(&f, &s);
	url_of(u0, sizeof(u0), "/echo");
	url_of(u1, sizeof(u1), "/status?code=404");
	snprintf(u2, sizeof(u2), "http://127.0.0.1:%d/", closed_port());
	qs[0] = get(u0);
	qs[1] = get(u1);
	qs[2] = get(u2);
	qs[2].max_retries = -1;
	qs[3] = get("http://192.0.2.1/");
	for (i = 0; i < 4; i++)
		ptrs[i] = &qs[i];
	CU_ASSERT_EQUAL(
	    cp_http_perform_many(f.h, ptrs, 4, resps, errs), CP_E_HTTP_CONNECT);
	CU_ASSERT_EQUAL(errs[0], CP_OK);
	CU_ASSERT_EQUAL(errs[1], CP_OK);
	CU_ASSERT_EQUAL(errs[2], CP_E_HTTP_CONNECT);
	CU_ASSERT_EQUAL(errs[3], CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(resps[0]);
	CU_ASSERT(resps[1] != NULL && resps[1]->status == 404);
	CU_ASSERT_PTR_NULL(resps[2]);
	CU_ASSERT_PTR_NULL(resps[3]);
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "request 3 of 4"));
	free_all(resps, 4);
	fixture_close(&f);
}

/* ------------------------------------------------------------ paging */

struct pager {
	int pages;
	int items;
	int fail_at;
	char next[512];
};

static cp_err
page_cb(void *ud, const struct cp_http_response *page,
    struct cp_http_request *next, int *more)
{
	struct pager *p = ud;
	char why[128];
	json_t *j;
	const char *link;

	p->pages++;
	if (p->fail_at == p->pages)
		return CP_E_PARSE;
	if (page->status != 200)
		return CP_E_FAILED;
	j = cp_json_parse(page->body, page->body_len, why, sizeof(why));
	if (j == NULL)
		return CP_E_PARSE;
	p->items += (int)json_array_size(json_object_get(j, "items"));
	link = json_string_value(json_object_get(j, "next"));
	if (link != NULL) {
		snprintf(p->next, sizeof(p->next), "%s", link);
		next->url = p->next;
		*more = 1;
	}
	json_decref(j);
	return CP_OK;
}

static void
test_http_client_paginate(void)
{
	struct cp_http_settings s = test_settings();
	struct fixture f;
	struct cp_http_request q;
	struct pager p;
	char url[256];

	fixture_open(&f, &s);
	url_of(url, sizeof(url), "/pages?n=40&per=100&key=pages");
	q = get(url);
	memset(&p, 0, sizeof(p));
	CU_ASSERT_EQUAL(cp_http_paginate(f.h, &q, page_cb, &p), CP_OK);
	CU_ASSERT_EQUAL(p.pages, 40);
	CU_ASSERT_EQUAL(p.items, 4000);
	CU_ASSERT_EQUAL(stat_int(f.h, "pages", "count"), 40);
	/* max_pages stops it. */
	q.max_pages = 3;
	memset(&p, 0, sizeof(p));
	CU_ASSERT_EQUAL(cp_http_paginate(f.h, &q, page_cb, &p), CP_E_LIMIT);
	CU_ASSERT_EQUAL(p.pages, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "3 pages"));
	/* So does the callback. */
	q.max_pages = 0;
	memset(&p, 0, sizeof(p));
	p.fail_at = 2;
	CU_ASSERT_EQUAL(cp_http_paginate(f.h, &q, page_cb, &p), CP_E_PARSE);
	CU_ASSERT_EQUAL(p.pages, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(cp_http_errmsg(f.h), "page 2"));
	/* And a failed request. */
	q = get("http://192.0.2.1/");
	memset(&p, 0, sizeof(p));
	CU_ASSERT_EQUAL(cp_http_paginate(f.h, &q, page_cb, &p), CP_E_INVALID);
	CU_ASSERT_EQUAL(p.pages, 0);
	CU_ASSERT_EQUAL(cp_http_paginate(f.h, &q, NULL, &p), CP_E_INVALID);
	fixture_close(&f);
}

/* -------------------------------------------------------------- pool */

static void
test_http_client_pool_settings(void)
{
	struct cp_http_settings s;
	cp_http_pool *pool = NULL;
	cp_http *h;

	CU_ASSERT_EQUAL(cp_http_pool_create(NULL, &pool), CP_OK);
	h = cp_http_create(pool);
	CU_ASSERT_PTR_NOT_NULL(h);
	CU_ASSERT_STRING_EQUAL(cp_http_errmsg(h), "no failure");
	cp_http_destroy(h);
	cp_http_destroy(NULL);
	cp_http_pool_destroy(pool);
	cp_http_pool_destroy(NULL);
	CU_ASSERT_PTR_NULL(cp_http_create(NULL));
	memset(&s, 0, sizeof(s));
	s.timeout_ms = -1;
	CU_ASSERT_EQUAL(cp_http_pool_create(&s, &pool), CP_E_INVALID);
	CU_ASSERT_PTR_NULL(pool);
	memset(&s, 0, sizeof(s));
	s.user_agent = "x\r\nX-Injected: 1";
	CU_ASSERT_EQUAL(cp_http_pool_create(&s, &pool), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_http_pool_create(NULL, NULL), CP_E_INVALID);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"get_ok", test_http_client_get_ok},
	    {"user_agent_and_headers", test_http_client_user_agent_and_headers},
	    {"methods_and_bodies", test_http_client_methods_and_bodies},
	    {"invalid_requests", test_http_client_invalid_requests},
	    {"plain_http_refused", test_http_client_plain_http_refused},
	    {"retry_500", test_http_client_retry_500},
	    {"retry_after_honoured", test_http_client_retry_after_honoured},
	    {"status_after_last_retry",
		test_http_client_status_after_last_retry},
	    {"no_retry_status_flag", test_http_client_no_retry_status_flag},
	    {"no_retry_4xx", test_http_client_no_retry_4xx},
	    {"timeout", test_http_client_timeout},
	    {"connect_error", test_http_client_connect_error},
	    {"truncated", test_http_client_truncated},
	    {"too_large", test_http_client_too_large},
	    {"headers_bounded", test_http_client_headers_bounded},
	    {"sign_each_attempt", test_http_client_sign_each_attempt},
	    {"tls_with_ca_file", test_http_client_tls_with_ca_file},
	    {"tls_system_bundle_fails",
		test_http_client_tls_system_bundle_fails},
	    {"cancel", test_http_client_cancel},
	    {"many_parallel", test_http_client_many_parallel},
	    {"many_max_conn", test_http_client_many_max_conn},
	    {"rate_limit", test_http_client_rate_limit},
	    {"limits_shared_by_threads",
		test_http_client_limits_shared_by_threads},
	    {"many_mixed_outcomes", test_http_client_many_mixed_outcomes},
	    {"paginate", test_http_client_paginate},
	    {"pool_settings", test_http_client_pool_settings}, {NULL, NULL}};
	char cert[300], key[300];
	const char *tmp = cp_test_env("TMPDIR", "/tmp");
	int rc = 1;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	snprintf(tmpdir, sizeof(tmpdir), "%s/cp-http-test-XXXXXX", tmp);
	if (mkdtemp(tmpdir) == NULL) {
		fprintf(stderr, "mkdtemp %s: %s\n", tmpdir, strerror(errno));
		goto out_curl;
	}
	snprintf(cert, sizeof(cert), "%s/server.pem", tmpdir);
	snprintf(key, sizeof(key), "%s/server.key", tmpdir);
	if (make_certs() != 0) {
		fprintf(stderr, "could not make test certificates with "
				"openssl\n");
		goto out_dir;
	}
	if (server_start(&plain, NULL, NULL) != 0 ||
	    server_start(&tls, cert, key) != 0) {
		fprintf(stderr, "could not start the test server\n");
		goto out_servers;
	}
	rc = cp_test_run("net/http_client", tests);
out_servers:
	server_stop(&plain);
	server_stop(&tls);
out_dir : {
	char *const rm[] = {"rm", "-rf", tmpdir, NULL};

	run(rm);
}
out_curl:
	curl_global_cleanup();
	return rc;
}
