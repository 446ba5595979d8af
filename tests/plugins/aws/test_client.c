/*
 * test_client.c - the aws plugin's client (plugins/aws/client.c): the
 * small helpers, sessions (static keys, AssumeRole and its refresh),
 * aws_call's protocols, errors, retries and parsing, and the region
 * fan-out, driven through a host table of our own that lends the core's
 * HTTP client and parsers and records what the plugin does, against the
 * fake AWS (tests/fakes/aws) serving the demo estate.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "aws.h"
#include "cptest.h"
#include "net/http_client.h"
#include "util/util.h"

#define ACCOUNT "123456789012"
#define KEY_RW "AKIAFAKEDEMO00000001"
#define SECRET_RW "demo-secret-remediate-0001"
#define ROLE "arn:aws:iam::123456789012:role/CloudPatrolAudit"
#define ROLE_EXT "cp-demo-external-7f3a"
/* The fake's session life (--session-duration) and our clock jump past
 * the refresh point. */
#define SESSION_LIFE 900
#define PAST_REFRESH (SESSION_LIFE - AWS_REFRESH_MARGIN + 1)
#define LOG_MAX (256u * 1024)

/* The world of the test: the fake, the pool, what the host recorded. */
static struct {
	char dir[256];
	pid_t fake;
	int port;
	char endpoint[64];
	cp_http_pool *pool;
	pthread_mutex_t mu;
	long offset;			/* added to the clock */
	int cancel;
	int reset_clock_after_assume;
	unsigned assumes;		/* AssumeRole requests */
	const char *watch;		/* an action to count */
	unsigned watch_calls, watch_attempts;
	char logs[LOG_MAX];
	size_t log_len;
} w;

/* ------------------------------------------------------------ host */

static void
th_log(cp_plugin *self, int level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	size_t n;

	(void)self;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "  [log %d] %s\n", level, line);
	pthread_mutex_lock(&w.mu);
	n = strlen(line);
	if (w.log_len + n + 2 < sizeof(w.logs)) {
		memcpy(w.logs + w.log_len, line, n);
		w.log_len += n;
		w.logs[w.log_len++] = '\n';
		w.logs[w.log_len] = '\0';
	}
	pthread_mutex_unlock(&w.mu);
}

static const char *
th_config_get(cp_plugin *self, const char *key)
{
	(void)self;
	(void)key;
	return NULL;
}

static time_t
th_now(cp_plugin *self)
{
	long off;

	(void)self;
	pthread_mutex_lock(&w.mu);
	off = w.offset;
	pthread_mutex_unlock(&w.mu);
	return time(NULL) + off;
}

static int
th_cancelled(cp_plugin *self)
{
	int c;

	(void)self;
	pthread_mutex_lock(&w.mu);
	c = w.cancel;
	pthread_mutex_unlock(&w.mu);
	return c;
}

static cp_http *
th_http_new(cp_plugin *self)
{
	(void)self;
	return cp_http_create(w.pool);
}

static int
body_is_action(const struct cp_http_request *req, const char *action)
{
	char want[128];
	size_t n;

	if (action == NULL || req->body == NULL)
		return 0;
	n = (size_t)snprintf(want, sizeof(want), "Action=%s&", action);
	return req->body_len >= n && memcmp(req->body, want, n) == 0;
}

/* The core's http_perform, counting what passes. */
static cp_err
th_http_perform(cp_http *http, const struct cp_http_request *req,
    struct cp_http_response **resp)
{
	int assume = body_is_action(req, "AssumeRole");
	int watched;
	cp_err r;

	pthread_mutex_lock(&w.mu);
	watched = body_is_action(req, w.watch);
	pthread_mutex_unlock(&w.mu);
	r = cp_http_perform(http, req, resp);
	pthread_mutex_lock(&w.mu);
	if (watched) {
		w.watch_calls++;
		w.watch_attempts += r == CP_OK ? (*resp)->attempts : 1;
	}
	if (assume) {
		w.assumes++;
		if (w.reset_clock_after_assume)
			w.offset = 0;
	}
	pthread_mutex_unlock(&w.mu);
	return r;
}

static const struct cp_host host = {
	.struct_size = sizeof(struct cp_host),
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.log = th_log,
	.config_get = th_config_get,
	.strerror = cp_strerror,
	.now = th_now,
	.cancelled = th_cancelled,
	.http_new = th_http_new,
	.http_free = cp_http_destroy,
	.http_set_limits = cp_http_set_limits,
	.http_perform = th_http_perform,
	.http_response_free = cp_http_response_free,
	.http_header = cp_http_response_header,
	.http_errmsg = cp_http_errmsg,
	.json_parse = cp_json_parse,
	.xml_parse = cp_xml_parse,
};

/* ------------------------------------------------------------ the fake */

static int
fake_start(void)
{
	char script[1024], estate[1024], portfile[512], buf[16];
	const char *py = cp_test_env("CP_PYTHON3", "/usr/bin/python3");
	const char *src = cp_test_env("CP_TOP_SRCDIR", CP_ABS_SRCDIR);
	char life[16];
	FILE *f;
	int i;

	snprintf(script, sizeof(script), "%s/tests/fakes/aws/fakeaws.py", src);
	snprintf(estate, sizeof(estate), "%s/tests/fakes/aws/estates/demo",
	    src);
	snprintf(portfile, sizeof(portfile), "%s/port", w.dir);
	snprintf(life, sizeof(life), "%d", SESSION_LIFE);
	w.fake = fork();
	if (w.fake < 0)
		return -1;
	if (w.fake == 0) {
		execl(py, py, script, "--estate", estate, "--port-file",
		    portfile, "--session-duration", life, "--quiet",
		    (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 300; i++) {
		f = fopen(portfile, "r");
		if (f != NULL) {
			buf[0] = '\0';
			if (fgets(buf, sizeof(buf), f) != NULL)
				w.port = atoi(buf);
			fclose(f);
			if (w.port > 0)
				break;
		}
		usleep(50000);
	}
	if (w.port <= 0) {
		fprintf(stderr, "the fake AWS did not start\n");
		return -1;
	}
	snprintf(w.endpoint, sizeof(w.endpoint), "http://127.0.0.1:%d",
	    w.port);
	return 0;
}

static void
fake_stop(void)
{
	if (w.fake > 0) {
		kill(w.fake, SIGTERM);
		waitpid(w.fake, NULL, 0);
		w.fake = -1;
	}
}

/* A control request to the fake (/__fault...); its HTTP status. */
static long
fake_ctl(const char *method, const char *path, const char *json)
{
	static const char *const hdrs[] = {
		"Content-Type: application/json", NULL };
	struct cp_http_request req;
	struct cp_http_response *resp = NULL;
	char url[256];
	cp_http *h = cp_http_create(w.pool);
	long status = -1;

	snprintf(url, sizeof(url), "%s%s", w.endpoint, path);
	memset(&req, 0, sizeof(req));
	req.struct_size = sizeof(req);
	req.method = method;
	req.url = url;
	req.headers = hdrs;
	req.body = json;
	req.body_len = json != NULL ? strlen(json) : 0;
	req.max_retries = -1;
	if (h != NULL && cp_http_perform(h, &req, &resp) == CP_OK)
		status = resp->status;
	cp_http_response_free(resp);
	cp_http_destroy(h);
	return status;
}

static void
fault(const char *json)
{
	CU_ASSERT_EQUAL(fake_ctl("POST", "/__fault", json) / 100, 2);
}

static void
faults_clear(void)
{
	CU_ASSERT_EQUAL(fake_ctl("DELETE", "/__fault", NULL) / 100, 2);
}

/* ------------------------------------------------------------ plugin */

static struct aws_plugin plugin;

static void
plugin_reset(void)
{
	memset(&plugin, 0, sizeof(plugin));
	plugin.host = &host;
	plugin.endpoint = w.endpoint;
	plugin.home_region = "us-east-1";
	plugin.region_concurrency = 2;
}

static json_t *
keys(const char *id, const char *secret)
{
	return json_pack("{s:s, s:s}", "access_key_id", id,
	    "secret_access_key", secret);
}

/* Opens a session and a client from creds; CU-fatal on failure. */
static struct aws_session *
open_ok(const json_t *creds, struct aws_client *c)
{
	struct aws_session *s = NULL;
	char why[512];

	CU_ASSERT_EQUAL_FATAL(aws_session_open(&plugin, creds, &s, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL_FATAL(aws_client_init(c, s), CP_OK);
	return s;
}

static void
close_both(struct aws_session *s, struct aws_client *c)
{
	aws_client_fini(c);
	aws_session_close(s);
}

static cp_err
ec2_call(struct aws_client *c, const char *action, const char *region,
    const struct aws_param *params, size_t n, json_t **out,
    struct aws_error *err)
{
	struct aws_call r;

	memset(&r, 0, sizeof(r));
	r.service = "ec2";
	r.region = region;
	r.protocol = AWS_P_EC2;
	r.action = action;
	r.version = "2016-11-15";
	r.params = params;
	r.n_params = n;
	return aws_call(c, &r, out, err);
}

static void
watch(const char *action)
{
	pthread_mutex_lock(&w.mu);
	w.watch = action;
	w.watch_calls = w.watch_attempts = 0;
	pthread_mutex_unlock(&w.mu);
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ tests */

static void
test_client_helpers(void)
{
	struct aws_creds a, b;
	char buf[64], iso[21];

	CU_ASSERT_EQUAL(aws_parse_time("2026-11-25T09:30:00Z"), 1795599000);
	CU_ASSERT_EQUAL(aws_parse_time("2026-11-25T09:30:00.123Z"),
	    1795599000);
	CU_ASSERT_EQUAL(aws_parse_time("2026-11-25T18:30:00+09:00"),
	    1795599000);
	CU_ASSERT_EQUAL(aws_parse_time("2026-11-25T04:30:00-0500"),
	    1795599000);
	CU_ASSERT_EQUAL(aws_parse_time("2024-02-29T23:59:59Z"), 1709251199);
	CU_ASSERT_EQUAL(aws_parse_time("2023-02-29T00:00:00Z"), -1);
	CU_ASSERT_EQUAL(aws_parse_time("2026-13-01T00:00:00Z"), -1);
	CU_ASSERT_EQUAL(aws_parse_time("2026-11-25T09:30:00"), -1);
	CU_ASSERT_EQUAL(aws_parse_time("2026-11-25T09:30:00Zjunk"), -1);
	CU_ASSERT_EQUAL(aws_parse_time("2026-11-25T09:30:00."), -1);
	CU_ASSERT_EQUAL(aws_parse_time(""), -1);
	CU_ASSERT_EQUAL(aws_parse_time(NULL), -1);

	aws_iso8601(1795599000, iso);
	CU_ASSERT_STRING_EQUAL(iso, "2026-11-25T09:30:00Z");
	CU_ASSERT_EQUAL(aws_parse_time(iso), 1795599000);

	CU_ASSERT_EQUAL(aws_arn_region("arn:aws:ec2:ap-northeast-1:"
	    ACCOUNT ":security-group/sg-1", buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "ap-northeast-1");
	CU_ASSERT_EQUAL(aws_arn_region("arn:aws:s3:::bucket", buf,
	    sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT_EQUAL(aws_arn_region("arn:aws:ec2:us-east-1", buf,
	    sizeof(buf)), 0);
	CU_ASSERT_EQUAL(aws_arn_region("not-an-arn", buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(aws_arn_region("arn:aws:ec2:us-east-1:1:x", buf, 4),
	    0);

	memset(&a, 0, sizeof(a));
	a.access_key = "AK";
	a.secret_key = "SK";
	a.expires = 42;
	CU_ASSERT_EQUAL(aws_creds_copy(&b, &a), CP_OK);
	CU_ASSERT_STRING_EQUAL(b.access_key, "AK");
	CU_ASSERT_STRING_EQUAL(b.secret_key, "SK");
	CU_ASSERT_PTR_NULL(b.session_token);
	CU_ASSERT_EQUAL(b.expires, 42);
	aws_creds_clear(&b);
	CU_ASSERT_PTR_NULL(b.access_key);
	aws_creds_clear(NULL);
}

/* aws_session_open refuses what cannot work, and says why. */
static void
test_client_session_open(void)
{
	static const struct {
		const char *creds;
		const char *why;
	} bad[] = {
		{ "{}", "no credential" },
		{ "{\"access_key_id\": \"" KEY_RW "\"}", "secret_access_key" },
		{ "{\"secret_access_key\": \"x\"}", "access_key_id" },
		{ "{\"role_arn\": \"" ROLE "\"}", "plugin's own credential" },
		{ "{\"external_id\": \"abc\", \"access_key_id\": \"" KEY_RW
		    "\", \"secret_access_key\": \"x\"}", "only with role_arn" },
		{ "{\"role_arn\": \"arn:aws:iam::12:role/x\", "
		    "\"access_key_id\": \"" KEY_RW "\", "
		    "\"secret_access_key\": \"x\"}", "not an IAM role ARN" },
		{ "{\"access_key_id\": \"short\", \"secret_access_key\": "
		    "\"x\"}", "not an AWS access key id" },
		{ "{\"access_key_id\": 5}", "must be text" },
		{ NULL, NULL }
	};
	struct aws_session *s = NULL;
	char why[512];
	json_t *creds;
	size_t i;

	plugin_reset();
	for (i = 0; bad[i].creds != NULL; i++) {
		creds = json_loads(bad[i].creds, 0, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(creds);
		CU_ASSERT_EQUAL(aws_session_open(&plugin, creds, &s, why,
		    sizeof(why)), CP_E_INVALID);
		CU_ASSERT_PTR_NULL(s);
		if (strstr(why, bad[i].why) == NULL) {
			fprintf(stderr, "%s: why '%s' lacks '%s'\n",
			    bad[i].creds, why, bad[i].why);
			CU_FAIL("why");
		}
		json_decref(creds);
	}

	/* With the plugin's own keys, a role (or nothing) is enough. */
	plugin.access_key_id = KEY_RW;
	plugin.secret_access_key = SECRET_RW;
	creds = json_pack("{s:s, s:s}", "role_arn", ROLE, "external_id",
	    ROLE_EXT);
	CU_ASSERT_EQUAL(aws_session_open(&plugin, creds, &s, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_STRING_EQUAL(s->base.access_key, KEY_RW);
	CU_ASSERT_PTR_NULL(s->cur.access_key);
	aws_session_close(s);
	json_decref(creds);
	creds = json_object();
	CU_ASSERT_EQUAL(aws_session_open(&plugin, creds, &s, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_STRING_EQUAL(s->cur.access_key, KEY_RW);
	aws_session_close(s);
	json_decref(creds);
	aws_session_close(NULL);
}

static void
test_client_static_keys(void)
{
	struct aws_session *s;
	struct aws_client c;
	struct aws_error err;
	json_t *creds;
	char alias[64];

	plugin_reset();
	creds = keys(KEY_RW, SECRET_RW);
	s = open_ok(creds, &c);
	CU_ASSERT_EQUAL(aws_session_identity(&c, &err), CP_OK);
	CU_ASSERT_STRING_EQUAL(s->account, ACCOUNT);
	CU_ASSERT_STRING_EQUAL(s->arn, "arn:aws:iam::" ACCOUNT
	    ":user/cloudpatrol");
	CU_ASSERT_EQUAL(aws_account_alias(&c, alias, sizeof(alias), &err),
	    CP_OK);
	CU_ASSERT_STRING_EQUAL(alias, "demo-prod");
	close_both(s, &c);
	json_decref(creds);
}

static void
test_client_bad_keys(void)
{
	struct aws_session *s;
	struct aws_client c;
	struct aws_error err;
	json_t *creds;

	plugin_reset();
	creds = keys(KEY_RW, "not-the-secret");
	s = open_ok(creds, &c);
	CU_ASSERT_EQUAL(aws_session_identity(&c, &err), CP_E_AUTH);
	CU_ASSERT_STRING_EQUAL(err.code, "SignatureDoesNotMatch");
	CU_ASSERT_EQUAL(err.status, 403);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "(HTTP 403)"));
	close_both(s, &c);
	json_decref(creds);

	/* An unknown key, on EC2 (AuthFailure). */
	creds = keys("AKIAFAKEUNKNOWN00009", "whatever");
	s = open_ok(creds, &c);
	CU_ASSERT_EQUAL(ec2_call(&c, "DescribeRegions", NULL, NULL, 0, NULL,
	    &err), CP_E_AUTH);
	CU_ASSERT_STRING_EQUAL(err.code, "AuthFailure");
	close_both(s, &c);
	json_decref(creds);
}

static cp_err
identity_arn(struct aws_client *c, char *arn, size_t size)
{
	struct aws_error err;
	cp_err r = aws_session_identity(c, &err);

	snprintf(arn, size, "%s", r == CP_OK ? c->s->arn : err.message);
	return r;
}

struct refresher {
	struct aws_client c;
	cp_err r;
};

static void *
refresh_thread(void *arg)
{
	struct refresher *t = arg;
	struct aws_error err;

	t->r = aws_session_identity(&t->c, &err);
	return NULL;
}

static void
test_client_assume_role(void)
{
	struct refresher th[4];
	pthread_t tid[4];
	struct aws_session *s;
	struct aws_client c;
	struct aws_creds cr;
	json_t *creds;
	char arn[512];
	time_t first;
	size_t i;

	plugin_reset();
	pthread_mutex_lock(&w.mu);
	w.assumes = 0;
	w.offset = 0;
	pthread_mutex_unlock(&w.mu);
	creds = json_pack("{s:s, s:s, s:s, s:s}", "access_key_id", KEY_RW,
	    "secret_access_key", SECRET_RW, "role_arn", ROLE, "external_id",
	    ROLE_EXT);
	s = open_ok(creds, &c);
	CU_ASSERT_EQUAL(identity_arn(&c, arn, sizeof(arn)), CP_OK);
	CU_ASSERT_STRING_EQUAL(arn, "arn:aws:sts::" ACCOUNT
	    ":assumed-role/CloudPatrolAudit/cloudpatrol");
	CU_ASSERT_EQUAL(w.assumes, 1);
	first = s->cur.expires;
	CU_ASSERT_TRUE(first > time(NULL) + SESSION_LIFE - 60);
	CU_ASSERT_TRUE(first <= time(NULL) + SESSION_LIFE + 1);
	CU_ASSERT_PTR_NOT_NULL(s->cur.session_token);
	CU_ASSERT_STRING_NOT_EQUAL(s->cur.access_key, KEY_RW);

	/* Still fresh: no new AssumeRole. */
	CU_ASSERT_EQUAL(identity_arn(&c, arn, sizeof(arn)), CP_OK);
	CU_ASSERT_EQUAL(w.assumes, 1);

	/* Within the margin of the expiry: refreshed once, then reused. */
	pthread_mutex_lock(&w.mu);
	w.offset = PAST_REFRESH;
	pthread_mutex_unlock(&w.mu);
	CU_ASSERT_EQUAL(aws_session_creds(&c, &cr, NULL), CP_OK);
	aws_creds_clear(&cr);
	CU_ASSERT_EQUAL(w.assumes, 2);
	pthread_mutex_lock(&w.mu);
	w.offset = 0;
	pthread_mutex_unlock(&w.mu);
	CU_ASSERT_EQUAL(identity_arn(&c, arn, sizeof(arn)), CP_OK);
	CU_ASSERT_EQUAL(w.assumes, 2);

	/* Four threads find the credentials due at once: one refresh, the
	 * others get its result (the clock goes back once it is done, as
	 * if the new expiry were later). */
	pthread_mutex_lock(&w.mu);
	w.offset = PAST_REFRESH;
	w.reset_clock_after_assume = 1;
	pthread_mutex_unlock(&w.mu);
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL_FATAL(aws_client_init(&th[i].c, s), CP_OK);
		CU_ASSERT_EQUAL_FATAL(pthread_create(&tid[i], NULL,
		    refresh_thread, &th[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		CU_ASSERT_EQUAL(th[i].r, CP_OK);
		aws_client_fini(&th[i].c);
	}
	CU_ASSERT_EQUAL(w.assumes, 3);
	pthread_mutex_lock(&w.mu);
	w.reset_clock_after_assume = 0;
	w.offset = 0;
	pthread_mutex_unlock(&w.mu);
	close_both(s, &c);
	json_decref(creds);

	/* No secret ever reached the log. */
	CU_ASSERT_PTR_NULL(strstr(w.logs, SECRET_RW));
}

/*
 * A refresh that fails while the credentials still hold: they are used,
 * the next try waits AWS_REFRESH_RETRY seconds, and only expired
 * credentials make it an error.
 */
static void
test_client_refresh_failure(void)
{
	struct aws_session *s;
	struct aws_client c;
	struct aws_creds cr;
	struct aws_error err;
	json_t *creds;
	char arn[512], old[128];
	unsigned n;

	plugin_reset();
	pthread_mutex_lock(&w.mu);
	w.assumes = 0;
	w.offset = 0;
	pthread_mutex_unlock(&w.mu);
	creds = json_pack("{s:s, s:s, s:s, s:s}", "access_key_id", KEY_RW,
	    "secret_access_key", SECRET_RW, "role_arn", ROLE, "external_id",
	    ROLE_EXT);
	s = open_ok(creds, &c);
	CU_ASSERT_EQUAL_FATAL(identity_arn(&c, arn, sizeof(arn)), CP_OK);
	snprintf(old, sizeof(old), "%s", s->cur.access_key);
	fault("{\"service\": \"sts\", \"action\": \"AssumeRole\", "
	    "\"kind\": \"access-denied\", \"count\": -1}");

	/* Due, refused: the current credentials are used. */
	pthread_mutex_lock(&w.mu);
	w.offset = PAST_REFRESH;
	pthread_mutex_unlock(&w.mu);
	n = w.assumes;
	CU_ASSERT_EQUAL(aws_session_creds(&c, &cr, &err), CP_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cr.access_key);
	CU_ASSERT_STRING_EQUAL(cr.access_key, old);
	aws_creds_clear(&cr);
	CU_ASSERT_EQUAL(w.assumes, n + 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(w.logs, "refreshing the role failed"));
	/* Within the minute: no new try. */
	CU_ASSERT_EQUAL(aws_session_creds(&c, &cr, &err), CP_OK);
	aws_creds_clear(&cr);
	CU_ASSERT_EQUAL(w.assumes, n + 1);
	/* Expired and still refused: now it is an error.  (The clock
	 * cannot move past the life of the credentials without leaving the
	 * fake's 15 minutes of allowed skew: their expiry moves instead.) */
	pthread_mutex_lock(&w.mu);
	w.offset = 0;
	pthread_mutex_unlock(&w.mu);
	pthread_mutex_lock(&s->mu);
	s->cur.expires = time(NULL) - 1;
	pthread_mutex_unlock(&s->mu);
	CU_ASSERT_EQUAL(aws_session_creds(&c, &cr, &err), CP_E_PERM);
	CU_ASSERT_STRING_EQUAL(err.code, "AccessDenied");
	/* Allowed again: a fresh set. */
	faults_clear();
	CU_ASSERT_EQUAL(aws_session_creds(&c, &cr, &err), CP_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cr.access_key);
	CU_ASSERT_STRING_NOT_EQUAL(cr.access_key, old);
	aws_creds_clear(&cr);
	pthread_mutex_lock(&w.mu);
	w.offset = 0;
	pthread_mutex_unlock(&w.mu);
	close_both(s, &c);
	json_decref(creds);
}

static void
test_client_assume_role_refused(void)
{
	struct aws_session *s;
	struct aws_client c;
	struct aws_error err;
	json_t *creds;

	plugin_reset();
	creds = json_pack("{s:s, s:s, s:s, s:s}", "access_key_id", KEY_RW,
	    "secret_access_key", SECRET_RW, "role_arn", ROLE, "external_id",
	    "wrong-external-id");
	s = open_ok(creds, &c);
	CU_ASSERT_EQUAL(aws_session_identity(&c, &err), CP_E_PERM);
	CU_ASSERT_STRING_EQUAL(err.code, "AccessDenied");
	CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "sts:AssumeRole"));
	CU_ASSERT_PTR_NOT_NULL(strstr(w.logs, "AssumeRole " ROLE
	    " failed: AccessDenied"));
	close_both(s, &c);
	json_decref(creds);
}

static void
test_client_throttling(void)
{
	struct aws_session *s;
	struct aws_client c;
	struct aws_error err;
	json_t *creds, *out = NULL;
	double t0;

	plugin_reset();
	creds = keys(KEY_RW, SECRET_RW);
	s = open_ok(creds, &c);

	/* EC2: 503 RequestLimitExceeded twice, then an answer. */
	watch("DescribeRegions");
	fault("{\"service\": \"ec2\", \"action\": \"DescribeRegions\", "
	    "\"kind\": \"throttle\", \"count\": 2}");
	CU_ASSERT_EQUAL(ec2_call(&c, "DescribeRegions", NULL, NULL, 0, &out,
	    &err), CP_OK);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(out, "RegionInfo")),
	    3);
	CU_ASSERT_EQUAL(w.watch_attempts, 3);
	json_decref(out);
	out = NULL;

	/* Query: 400 Throttling with Retry-After: 1, which is waited. */
	watch("GetCallerIdentity");
	fault("{\"service\": \"sts\", \"action\": \"GetCallerIdentity\", "
	    "\"kind\": \"throttle-retry-after\", \"count\": 1}");
	t0 = mono();
	CU_ASSERT_EQUAL(aws_session_identity(&c, &err), CP_OK);
	CU_ASSERT_TRUE(mono() - t0 >= 0.95);
	CU_ASSERT_EQUAL(w.watch_attempts, 2);

	/* Throttled for good: the retries run out. */
	watch("DescribeRegions");
	fault("{\"service\": \"ec2\", \"action\": \"DescribeRegions\", "
	    "\"kind\": \"throttle\", \"count\": -1}");
	CU_ASSERT_EQUAL(ec2_call(&c, "DescribeRegions", NULL, NULL, 0, &out,
	    &err), CP_E_RETRY_LATER);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_STRING_EQUAL(err.code, "RequestLimitExceeded");
	CU_ASSERT_EQUAL(err.status, 503);
	CU_ASSERT_EQUAL(w.watch_attempts, AWS_THROTTLE_RETRIES + 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "(HTTP 503, after 7 "
	    "attempts)"));
	faults_clear();

	/* A 500 passes too. */
	watch("DescribeRegions");
	fault("{\"service\": \"ec2\", \"action\": \"DescribeRegions\", "
	    "\"kind\": \"500\", \"count\": 1}");
	CU_ASSERT_EQUAL(ec2_call(&c, "DescribeRegions", NULL, NULL, 0, &out,
	    &err), CP_OK);
	CU_ASSERT_EQUAL(w.watch_attempts, 2);
	json_decref(out);
	watch(NULL);
	close_both(s, &c);
	json_decref(creds);
}

static void
test_client_errors(void)
{
	static const struct aws_param sg[] = {
		{ "GroupId", "sg-0a1b2c3d4e5f00001" },
		{ "SecurityGroupRuleId.1", "sgr-0000000000000a001" },
		{ "DryRun", "true" } };
	struct aws_session *s;
	struct aws_client c;
	struct aws_error err;
	struct aws_call r;
	json_t *creds, *out = NULL;

	plugin_reset();
	creds = keys(KEY_RW, SECRET_RW);
	s = open_ok(creds, &c);

	/* A malformed body: CP_E_PARSE naming the API. */
	fault("{\"service\": \"ec2\", \"action\": \"DescribeRegions\", "
	    "\"kind\": \"malformed\"}");
	CU_ASSERT_EQUAL(ec2_call(&c, "DescribeRegions", NULL, NULL, 0, &out,
	    &err), CP_E_PARSE);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "DescribeRegions: the "
	    "response is not valid XML"));

	/* EC2 DryRun that would succeed: CP_OK and nothing. */
	CU_ASSERT_EQUAL(ec2_call(&c, "RevokeSecurityGroupIngress",
	    "ap-northeast-1", sg, 3, &out, &err), CP_OK);
	CU_ASSERT_PTR_NULL(out);

	/* EC2 denied: UnauthorizedOperation is CP_E_PERM. */
	fault("{\"service\": \"ec2\", \"kind\": \"access-denied\"}");
	CU_ASSERT_EQUAL(ec2_call(&c, "DescribeRegions", NULL, NULL, 0, &out,
	    &err), CP_E_PERM);
	CU_ASSERT_STRING_EQUAL(err.code, "UnauthorizedOperation");

	/* JSON 1.1 (CloudTrail): __type, and a body that parses. */
	memset(&r, 0, sizeof(r));
	r.service = "cloudtrail";
	r.region = "ap-northeast-1";
	r.protocol = AWS_P_JSON;
	r.target = "com.amazonaws.cloudtrail.v20131101."
	    "CloudTrail_20131101.DescribeTrails";
	r.body = "{}";
	r.body_len = 2;
	CU_ASSERT_EQUAL(aws_call(&c, &r, &out, &err), CP_OK);
	CU_ASSERT_TRUE(json_is_array(json_object_get(out, "trailList")));
	json_decref(out);
	out = NULL;
	fault("{\"service\": \"cloudtrail\", \"kind\": \"access-denied\"}");
	CU_ASSERT_EQUAL(aws_call(&c, &r, &out, &err), CP_E_PERM);
	CU_ASSERT_STRING_EQUAL(err.code, "AccessDeniedException");
	CU_ASSERT_EQUAL(err.status, 400);
	fault("{\"service\": \"cloudtrail\", \"kind\": \"malformed\"}");
	CU_ASSERT_EQUAL(aws_call(&c, &r, &out, &err), CP_E_PARSE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "DescribeTrails: the "
	    "response is not valid JSON"));

	/* REST-JSON (GuardDuty): the code from X-Amzn-ErrorType. */
	memset(&r, 0, sizeof(r));
	r.service = "guardduty";
	r.region = "ap-northeast-1";
	r.protocol = AWS_P_REST_JSON;
	r.method = "GET";
	r.path = "/detector";
	CU_ASSERT_EQUAL(aws_call(&c, &r, &out, &err), CP_OK);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(out, "detectorIds")),
	    1);
	json_decref(out);
	out = NULL;
	fault("{\"service\": \"guardduty\", \"kind\": \"access-denied\"}");
	CU_ASSERT_EQUAL(aws_call(&c, &r, &out, &err), CP_E_PERM);
	CU_ASSERT_STRING_EQUAL(err.code, "AccessDeniedException");

	/* REST-XML (S3): the buckets, and NoSuch... as CP_E_NOTFOUND. */
	memset(&r, 0, sizeof(r));
	r.service = "s3";
	r.region = "us-east-1";
	r.protocol = AWS_P_REST_XML;
	r.method = "GET";
	r.path = "/";
	CU_ASSERT_EQUAL(aws_call(&c, &r, &out, &err), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(json_object_get(out, "Buckets"));
	json_decref(out);
	out = NULL;
	r.region = "ap-northeast-1";
	r.path = "/demo-app-logs";
	r.query = "policyStatus=";
	CU_ASSERT_EQUAL(aws_call(&c, &r, &out, &err), CP_E_NOTFOUND);
	CU_ASSERT_STRING_EQUAL(err.code, "NoSuchBucketPolicy");
	CU_ASSERT_EQUAL(err.status, 404);

	/* A call that lacks what its protocol needs. */
	memset(&r, 0, sizeof(r));
	r.service = "ec2";
	r.protocol = AWS_P_EC2;
	CU_ASSERT_EQUAL(aws_call(&c, &r, &out, &err), CP_E_INVALID);

	/* Cancelled: nothing is sent. */
	pthread_mutex_lock(&w.mu);
	w.cancel = 1;
	pthread_mutex_unlock(&w.mu);
	CU_ASSERT_EQUAL(ec2_call(&c, "DescribeRegions", NULL, NULL, 0, &out,
	    &err), CP_E_CANCELLED);
	pthread_mutex_lock(&w.mu);
	w.cancel = 0;
	pthread_mutex_unlock(&w.mu);
	faults_clear();
	close_both(s, &c);
	json_decref(creds);
}

/* ------------------------------------------------------------ regions */

struct rec {
	json_t *resources;		/* [[type, id, name, region]] */
	json_t *errors;			/* [[collector, code, message]] */
	int fail_with;			/* resource() fails with this */
	int active, max_active;
	pthread_mutex_t mu;
};

static cp_err
rec_resource(const struct cp_inventory_sink *sink, const char *type,
    const char *id, const char *name, const char *region, const char *js)
{
	struct rec *rc = sink->ud;

	(void)js;
	if (rc->fail_with != 0)
		return (cp_err)rc->fail_with;
	json_array_append_new(rc->resources, json_pack("[s, s, s, s]", type,
	    id, name, region));
	return CP_OK;
}

static cp_err
rec_event(const struct cp_inventory_sink *sink, const char *type,
    const char *t, const char *id, const char *js)
{
	(void)sink;
	(void)type;
	(void)t;
	(void)id;
	(void)js;
	return CP_OK;
}

static cp_err
rec_cost(const struct cp_inventory_sink *sink, const char *period,
    double amount, const char *currency)
{
	(void)sink;
	(void)period;
	(void)amount;
	(void)currency;
	return CP_OK;
}

static cp_err
rec_error(const struct cp_inventory_sink *sink, const char *collector,
    cp_err err, const char *message)
{
	struct rec *rc = sink->ud;

	json_array_append_new(rc->errors, json_pack("[s, i, s]", collector,
	    (int)err, message));
	return CP_OK;
}

/* One region: its security groups, or the collector's failure. */
static void
sg_region(struct aws_collect *k, struct aws_client *c, const char *region)
{
	static const char *const lists[] = { "ipRanges", NULL };
	struct rec *rc = k->sink->ud;
	struct aws_error err;
	struct aws_call r;
	json_t *out = NULL, *g;
	size_t i;
	cp_err e;

	pthread_mutex_lock(&rc->mu);
	if (++rc->active > rc->max_active)
		rc->max_active = rc->active;
	pthread_mutex_unlock(&rc->mu);
	memset(&r, 0, sizeof(r));
	r.service = "ec2";
	r.region = region;
	r.protocol = AWS_P_EC2;
	r.action = "DescribeSecurityGroups";
	r.version = "2016-11-15";
	r.lists = lists;
	e = aws_call(c, &r, &out, &err);
	if (e != CP_OK) {
		aws_collector_failed(k, "ec2", region,
		    "DescribeSecurityGroups", e, &err);
	} else {
		json_array_foreach(json_object_get(out, "SecurityGroupInfo"),
		    i, g)
			if (aws_emit(k, "aws/ec2-security-group",
			    json_string_value(json_object_get(g, "GroupId")),
			    json_string_value(json_object_get(g,
			    "GroupName")), region, g) != CP_OK)
				break;
	}
	json_decref(out);
	pthread_mutex_lock(&rc->mu);
	rc->active--;
	pthread_mutex_unlock(&rc->mu);
}

static size_t
count_region(const json_t *resources, const char *region)
{
	const json_t *v;
	size_t i, n = 0;

	json_array_foreach(resources, i, v)
		if (strcmp(json_string_value(json_array_get(v, 3)), region) ==
		    0)
			n++;
	return n;
}

static void
test_client_regions(void)
{
	static char *regions[] = { "ap-northeast-1", "ap-northeast-3",
	    "us-east-1" };
	struct cp_inventory_sink sink;
	struct aws_collect k;
	struct aws_session *s;
	struct aws_client c;
	struct rec rc;
	json_t *creds;
	const char *msg;

	plugin_reset();
	creds = keys(KEY_RW, SECRET_RW);
	s = open_ok(creds, &c);
	CU_ASSERT_EQUAL_FATAL(aws_session_identity(&c, NULL), CP_OK);
	memset(&rc, 0, sizeof(rc));
	rc.resources = json_array();
	rc.errors = json_array();
	pthread_mutex_init(&rc.mu, NULL);
	memset(&sink, 0, sizeof(sink));
	sink.struct_size = sizeof(sink);
	sink.resource = rec_resource;
	sink.event = rec_event;
	sink.cost = rec_cost;
	sink.collector_error = rec_error;
	sink.ud = &rc;
	memset(&k, 0, sizeof(k));
	k.p = &plugin;
	k.s = s;
	k.sink = &sink;
	k.account = s->account;
	k.regions = regions;
	k.n_regions = 3;
	pthread_mutex_init(&k.mu, NULL);

	/* ap-northeast-3 stalls past the timeout: its failure is recorded,
	 * the other regions complete. */
	fault("{\"service\": \"ec2\", \"region\": \"ap-northeast-3\", "
	    "\"kind\": \"stall\", \"count\": -1, \"seconds\": 3}");
	CU_ASSERT_EQUAL(aws_for_regions(&k, sg_region), CP_OK);
	faults_clear();
	CU_ASSERT_TRUE(rc.max_active >= 1 && rc.max_active <= 2);
	CU_ASSERT_EQUAL(count_region(rc.resources, "ap-northeast-1"), 5);
	CU_ASSERT_EQUAL(count_region(rc.resources, "us-east-1"), 2);
	CU_ASSERT_EQUAL(count_region(rc.resources, "ap-northeast-3"), 0);
	CU_ASSERT_EQUAL_FATAL(json_array_size(rc.errors), 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
	    json_array_get(rc.errors, 0), 0)), "ec2");
	CU_ASSERT_EQUAL(json_integer_value(json_array_get(json_array_get(
	    rc.errors, 0), 1)), CP_E_HTTP_TIMEOUT);
	msg = json_string_value(json_array_get(json_array_get(rc.errors, 0),
	    2));
	CU_ASSERT_PTR_NOT_NULL(msg);
	if (msg != NULL) {
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "account " ACCOUNT
		    " region ap-northeast-3 DescribeSecurityGroups: "));
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "timed out"));
		CU_ASSERT_PTR_NULL(strstr(msg, "DescribeSecurityGroups: "
		    "DescribeSecurityGroups"));
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(w.logs, "collector ec2 failed: "
	    "account " ACCOUNT " region ap-northeast-3"));

	/* A sink that fails stops everything with its error. */
	rc.fail_with = CP_E_STORE;
	json_array_clear(rc.errors);
	k.fatal = CP_OK;
	CU_ASSERT_EQUAL(aws_for_regions(&k, sg_region), CP_E_STORE);
	CU_ASSERT_EQUAL(aws_emit(&k, "x", "y", "z", "global", creds),
	    CP_E_STORE);

	pthread_mutex_destroy(&k.mu);
	pthread_mutex_destroy(&rc.mu);
	json_decref(rc.resources);
	json_decref(rc.errors);
	close_both(s, &c);
	json_decref(creds);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "helpers", test_client_helpers },
		{ "session open", test_client_session_open },
		{ "static keys", test_client_static_keys },
		{ "bad keys", test_client_bad_keys },
		{ "assume role and refresh", test_client_assume_role },
		{ "refresh failure", test_client_refresh_failure },
		{ "assume role refused", test_client_assume_role_refused },
		{ "throttling", test_client_throttling },
		{ "errors and protocols", test_client_errors },
		{ "regions", test_client_regions },
		{ NULL, NULL }
	};
	struct cp_http_settings hs;
	char tmpl[] = "/tmp/cp-aws-client.XXXXXX";
	char path[512];
	int rc;

	pthread_mutex_init(&w.mu, NULL);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    mkdtemp(tmpl) == NULL)
		return 2;
	snprintf(w.dir, sizeof(w.dir), "%s", tmpl);
	memset(&hs, 0, sizeof(hs));
	hs.timeout_ms = 1000;
	hs.connect_timeout_ms = 1000;
	hs.retries = 1;
	hs.backoff_base_ms = 50;
	if (cp_http_pool_create(&hs, &w.pool) != CP_OK ||
	    fake_start() != 0) {
		fake_stop();
		return 2;
	}
	rc = cp_test_run("aws client", tests);
	fake_stop();
	cp_http_pool_destroy(w.pool);
	snprintf(path, sizeof(path), "%s/port", w.dir);
	unlink(path);
	rmdir(w.dir);
	pthread_mutex_destroy(&w.mu);
	curl_global_cleanup();
	return rc;
}
