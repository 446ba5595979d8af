/*
 * test_host.c - the host table 1.0 and instances: every member present,
 * logs attributed to the instance, configuration values, clock and
 * cancellation, secret files, the HTTP client and parsers forwarded to
 * the core, and init()/fini() of an instance.
 */
#include "plugintest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "plugin/host.h"
#include "plugin/pconfig.h"
#include "plugin/validate.h"

static int init_calls, fini_calls;
static cp_err init_result;

static cp_err
fake_init(const struct cp_host *host, cp_plugin *self, void **ctx)
{
	init_calls++;
	if (init_result != CP_OK)
		return init_result;
	host->log(self, CP_LOG_INFO, "hello %d", 42);
	*ctx = &init_calls;
	return CP_OK;
}

static void
fake_fini(void *ctx)
{
	CU_ASSERT_PTR_EQUAL(ctx, &init_calls);
	fini_calls++;
}

static const struct cp_config_key fake_keys[] = {
	{ "who", CP_CFG_STRING, 0, "anon", 0, 0, "a name" },
	{ "n", CP_CFG_INT, 0, "7", 0, 100, "a number" },
	{ "on", CP_CFG_BOOL, 0, "yes", 0, 0, "a switch" },
	{ "token", CP_CFG_STRING, CP_CFG_SECRET, NULL, 0, 0, "a secret" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

static const struct cp_plugin_descriptor fake_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(fake_desc),
	.name = "demo",
	.version = "1",
	.config = fake_keys,
	.init = fake_init,
	.fini = fake_fini,
};

static const struct cp_plugin_descriptor bare_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(bare_desc),
	.name = "bare",
	.version = "1",
};

static struct cp_pdef fake, bare;
static struct cp_host_env env;
static struct pt_log logged;

static cp_plugin *
instance(const struct cp_pdef *def, const char *name)
{
	cp_plugin *p = cp_instance_create(&env, def, "/x/demo.so", name);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	return p;
}

static void
test_host_table_is_complete(void)
{
	const struct cp_host *h = cp_host_table();
	struct cp_host older;

	CU_ASSERT_EQUAL(h->struct_size, sizeof(struct cp_host));
	CU_ASSERT_EQUAL(h->abi_major, CP_ABI_MAJOR);
	CU_ASSERT_EQUAL(h->abi_minor, CP_ABI_MINOR);
	CU_ASSERT_EQUAL(h->reserved0, 0);
	CU_ASSERT_PTR_NOT_NULL(h->log);
	CU_ASSERT_PTR_NOT_NULL(h->config_get);
	CU_ASSERT_PTR_NOT_NULL(h->config_get_int);
	CU_ASSERT_PTR_NOT_NULL(h->config_get_bool);
	CU_ASSERT_PTR_NOT_NULL(h->strerror);
	CU_ASSERT_PTR_NOT_NULL(h->now);
	CU_ASSERT_PTR_NOT_NULL(h->cancelled);
	CU_ASSERT_PTR_NOT_NULL(h->secret_read_file);
	CU_ASSERT_PTR_NOT_NULL(h->secret_free);
	CU_ASSERT_PTR_NOT_NULL(h->http_new);
	CU_ASSERT_PTR_NOT_NULL(h->http_free);
	CU_ASSERT_PTR_NOT_NULL(h->json_parse);
	CU_ASSERT_PTR_NOT_NULL(h->xml_parse);
	/* Forwarded as they are to the core's client. */
	CU_ASSERT_PTR_EQUAL(h->http_set_limits, cp_http_set_limits);
	CU_ASSERT_PTR_EQUAL(h->http_perform, cp_http_perform);
	CU_ASSERT_PTR_EQUAL(h->http_perform_many, cp_http_perform_many);
	CU_ASSERT_PTR_EQUAL(h->http_paginate, cp_http_paginate);
	CU_ASSERT_PTR_EQUAL(h->http_response_free, cp_http_response_free);
	CU_ASSERT_PTR_EQUAL(h->http_header, cp_http_response_header);
	CU_ASSERT_PTR_EQUAL(h->http_errmsg, cp_http_errmsg);
	CU_ASSERT_STRING_EQUAL(h->strerror(CP_E_NOMEM),
	    cp_strerror(CP_E_NOMEM));
	CU_ASSERT_PTR_NOT_NULL(h->strerror(CP_E_LAST + 5));
	/* One table for everyone. */
	CU_ASSERT_PTR_EQUAL(cp_host_table(), h);

	CU_ASSERT_TRUE(CP_HOST_HAS(h, xml_parse));
	older = *h;
	older.struct_size = offsetof(struct cp_host, xml_parse);
	CU_ASSERT_FALSE(CP_HOST_HAS(&older, xml_parse));
	CU_ASSERT_TRUE(CP_HOST_HAS(&older, json_parse));
}

static void
test_host_logs_with_identity(void)
{
	const struct cp_host *h = cp_host_table();
	cp_plugin *one = instance(&fake, NULL);
	cp_plugin *two = instance(&fake, "second");

	logged.n = 0;
	h->log(one, CP_LOG_WARNING, "x=%d", 5);
	h->log(two, CP_LOG_ERROR, "%s", "broken");
	h->log(NULL, CP_LOG_ERROR, "nobody");
	CU_ASSERT_EQUAL(logged.n, 2);
	CU_ASSERT_TRUE(pt_log_has(&logged, CP_LOG_WARNING,
	    "plugin demo: x=5"));
	CU_ASSERT_TRUE(pt_log_has(&logged, CP_LOG_ERROR,
	    "plugin demo/second: broken"));
	cp_instance_destroy(one);
	cp_instance_destroy(two);
}

static void
test_host_reads_config(void)
{
	const struct cp_host *h = cp_host_table();
	struct cp_config_entry e[] = {
		PT_ENTRY("who", "bob", 2),
		PT_ENTRY("n", "12", 3),
		PT_ENTRY("on", "no", 4),
	};
	struct cp_plugin_section s = PT_SECTION("demo", "b", 1, 1, e);
	struct cp_diag d;
	cp_plugin *a = instance(&fake, NULL);
	cp_plugin *b = instance(&fake, "b");

	cp_diag_init(&d);
	CU_ASSERT_EQUAL(cp_pconfig_apply(a, NULL, "(defaults)", &d), CP_OK);
	CU_ASSERT_EQUAL(cp_pconfig_apply(b, &s, "cp.ini", &d), CP_OK);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_STRING_EQUAL(h->config_get(a, "who"), "anon");
	CU_ASSERT_EQUAL(h->config_get_int(a, "n"), 7);
	CU_ASSERT_EQUAL(h->config_get_bool(a, "on"), 1);
	CU_ASSERT_STRING_EQUAL(h->config_get(b, "who"), "bob");
	CU_ASSERT_EQUAL(h->config_get_int(b, "n"), 12);
	CU_ASSERT_EQUAL(h->config_get_bool(b, "on"), 0);
	/* Missing and unknown keys. */
	CU_ASSERT_PTR_NULL(h->config_get(a, "token"));
	CU_ASSERT_EQUAL(h->config_get_int(a, "token"), 0);
	CU_ASSERT_PTR_NULL(h->config_get(a, "nope"));
	CU_ASSERT_EQUAL(h->config_get_int(a, "nope"), 0);
	CU_ASSERT_EQUAL(h->config_get_bool(a, "nope"), 0);
	CU_ASSERT_PTR_NULL(h->config_get(a, NULL));
	CU_ASSERT_PTR_NULL(h->config_get(NULL, "who"));
	/* Not a number, read as a number. */
	CU_ASSERT_EQUAL(h->config_get_int(b, "who"), 0);
	cp_instance_destroy(a);
	cp_instance_destroy(b);
	cp_diag_free(&d);
}

static time_t
fixed_clock(void *ud)
{
	return *(const time_t *)ud;
}

static void
test_host_clock_and_cancel(void)
{
	const struct cp_host *h = cp_host_table();
	static const time_t when = 1700000000;
	volatile int flag = 0;
	struct cp_host_env e = env;
	cp_plugin *p;
	time_t t;

	p = cp_instance_create(&e, &fake, "/x/demo.so", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	t = time(NULL);
	CU_ASSERT_TRUE(h->now(p) >= t && h->now(p) <= t + 5);
	CU_ASSERT_EQUAL(h->cancelled(p), 0);
	e.clock = fixed_clock;
	e.clock_ud = (void *)&when;
	e.cancel = &flag;
	CU_ASSERT_EQUAL(h->now(p), when);
	CU_ASSERT_EQUAL(h->cancelled(p), 0);
	flag = 1;
	CU_ASSERT_EQUAL(h->cancelled(p), 1);
	CU_ASSERT_EQUAL(h->cancelled(NULL), 0);
	cp_instance_destroy(p);
}

static void
test_host_reads_secret_files(void)
{
	const struct cp_host *h = cp_host_table();
	char dir[512], path[600], *s = (char *)"untouched", *big;
	cp_plugin *p = instance(&fake, NULL);

	CU_ASSERT_FATAL(pt_mkdtemp(dir, sizeof(dir)) == 0);
	CU_ASSERT_FATAL(pt_write(dir, "ok", "s3cret\r\n\n", 0600) == 0);
	snprintf(path, sizeof(path), "%s/ok", dir);
	CU_ASSERT_EQUAL(h->secret_read_file(p, path, &s), CP_OK);
	CU_ASSERT_STRING_EQUAL(s, "s3cret");
	h->secret_free(s);
	h->secret_free(NULL);

	CU_ASSERT_FATAL(pt_write(dir, "empty", "", 0400) == 0);
	snprintf(path, sizeof(path), "%s/empty", dir);
	CU_ASSERT_EQUAL(h->secret_read_file(p, path, &s), CP_OK);
	CU_ASSERT_STRING_EQUAL(s, "");
	h->secret_free(s);

	/* Readable by the group: refused, and the log names the path but
	 * never the content. */
	logged.n = 0;
	CU_ASSERT_FATAL(pt_write(dir, "shared", "topsecret\n", 0640) == 0);
	snprintf(path, sizeof(path), "%s/shared", dir);
	s = (char *)"untouched";
	CU_ASSERT_EQUAL(h->secret_read_file(p, path, &s), CP_E_PERM);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(logged.n, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(logged.lines[0], path));
	CU_ASSERT_PTR_NULL(strstr(logged.lines[0], "topsecret"));
	CU_ASSERT_EQUAL(strncmp(logged.lines[0], "plugin demo: secret file",
	    24), 0);

	/* A symlink, even to a private file, is not a secret file. */
	snprintf(path, sizeof(path), "%s/link", dir);
	CU_ASSERT_EQUAL(symlink("ok", path), 0);
	CU_ASSERT_EQUAL(h->secret_read_file(p, path, &s), CP_E_PERM);

	snprintf(path, sizeof(path), "%s/missing", dir);
	CU_ASSERT_EQUAL(h->secret_read_file(p, path, &s), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(h->secret_read_file(p, "relative/file", &s),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(h->secret_read_file(p, NULL, &s), CP_E_INVALID);
	CU_ASSERT_EQUAL(h->secret_read_file(p, "/x", NULL), CP_E_INVALID);

	/* 64 KiB is the most a secret may be. */
	big = malloc(CP_SECRET_MAX + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, 'k', CP_SECRET_MAX);
	big[CP_SECRET_MAX] = '\0';
	CU_ASSERT_FATAL(pt_write(dir, "max", big, 0600) == 0);
	snprintf(path, sizeof(path), "%s/max", dir);
	CU_ASSERT_EQUAL(h->secret_read_file(p, path, &s), CP_OK);
	CU_ASSERT_EQUAL(s != NULL ? strlen(s) : 0, CP_SECRET_MAX);
	h->secret_free(s);
	big[CP_SECRET_MAX] = 'k';
	big[CP_SECRET_MAX + 1] = '\0';
	CU_ASSERT_FATAL(pt_write(dir, "big", big, 0600) == 0);
	snprintf(path, sizeof(path), "%s/big", dir);
	CU_ASSERT_EQUAL(h->secret_read_file(p, path, &s), CP_E_LIMIT);
	CU_ASSERT_PTR_NULL(s);
	free(big);

	cp_instance_destroy(p);
	pt_rmtree(dir);
}

/* A one-shot HTTP server on 127.0.0.1 for the forwarding test. */
struct one_shot {
	int fd;
	int port;
};

static void *
serve_once(void *arg)
{
	static const char reply[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\nX-Test: yes\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\nok";
	struct one_shot *srv = arg;
	char buf[4096];
	size_t have = 0;
	ssize_t n;
	int c;

	c = accept(srv->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	while (have < sizeof(buf) - 1) {
		n = read(c, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			break;
	}
	if (write(c, reply, sizeof(reply) - 1) < 0)
		perror("write");
	close(c);
	return NULL;
}

static int
one_shot_start(struct one_shot *srv, pthread_t *t)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	srv->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv->fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(srv->fd, 4) != 0 ||
	    getsockname(srv->fd, (struct sockaddr *)&a, &len) != 0) {
		close(srv->fd);
		return -1;
	}
	srv->port = ntohs(a.sin_port);
	return pthread_create(t, NULL, serve_once, srv);
}

static void
test_host_lends_http(void)
{
	const struct cp_host *h = cp_host_table();
	struct cp_http_settings hs;
	struct cp_host_env e = env;
	struct cp_http_request req;
	struct cp_http_response *resp = NULL;
	struct one_shot srv;
	cp_http_pool *pool = NULL;
	cp_plugin *p;
	cp_http *http;
	pthread_t t;
	char url[64];

	/* No pool lent: no client. */
	p = cp_instance_create(&e, &fake, "/x/demo.so", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NULL(h->http_new(p));
	CU_ASSERT_PTR_NULL(h->http_new(NULL));
	h->http_free(NULL);

	memset(&hs, 0, sizeof(hs));
	CU_ASSERT_EQUAL_FATAL(cp_http_pool_create(&hs, &pool), CP_OK);
	e.http = pool;
	http = h->http_new(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(http);
	CU_ASSERT_EQUAL(h->http_set_limits(http, "127.0.0.1", 100, 10, 4),
	    CP_OK);
	CU_ASSERT_FATAL(one_shot_start(&srv, &t) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", srv.port);
	memset(&req, 0, sizeof(req));
	req.struct_size = sizeof(req);
	req.url = url;
	req.max_retries = -1;
	req.timeout_ms = 5000;
	CU_ASSERT_EQUAL(h->http_perform(http, &req, &resp), CP_OK);
	pthread_join(t, NULL);
	close(srv.fd);
	CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
	CU_ASSERT_EQUAL(resp->status, 200);
	CU_ASSERT_STRING_EQUAL(resp->body, "ok");
	CU_ASSERT_STRING_EQUAL(h->http_header(resp, "x-test"), "yes");
	CU_ASSERT_PTR_NOT_NULL(h->http_errmsg(http));
	h->http_response_free(resp);
	h->http_free(http);
	cp_instance_destroy(p);
	cp_http_pool_destroy(pool);
}

static void
test_host_parses_json_and_xml(void)
{
	const struct cp_host *h = cp_host_table();
	static const char js[] = "{\"a\": [1, 2]}";
	static const char xs[] = "<r a=\"1\"><c>t</c></r>";
	char why[256];
	json_t *j;

	j = h->json_parse(js, sizeof(js) - 1, why, sizeof(why));
	CU_ASSERT_TRUE(json_is_object(j));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "a")), 2);
	json_decref(j);
	why[0] = '\0';
	CU_ASSERT_PTR_NULL(h->json_parse("{", 1, why, sizeof(why)));
	CU_ASSERT_NOT_EQUAL(why[0], '\0');

	j = h->xml_parse(xs, sizeof(xs) - 1, why, sizeof(why));
	CU_ASSERT_TRUE(json_is_object(j));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "name")),
	    "r");
	json_decref(j);
	why[0] = '\0';
	CU_ASSERT_PTR_NULL(h->xml_parse("<r>", 3, why, sizeof(why)));
	CU_ASSERT_NOT_EQUAL(why[0], '\0');
}

static void
test_host_inits_and_finis(void)
{
	cp_plugin *p;

	/* A good init: ctx kept, fini once at destroy. */
	init_calls = fini_calls = 0;
	init_result = CP_OK;
	logged.n = 0;
	p = instance(&fake, "one");
	CU_ASSERT_EQUAL(cp_instance_init(p), CP_OK);
	CU_ASSERT_TRUE(p->initialised);
	CU_ASSERT_PTR_EQUAL(p->ctx, &init_calls);
	CU_ASSERT_TRUE(pt_log_has(&logged, CP_LOG_INFO,
	    "plugin demo/one: hello 42"));
	/* A second init is a no-op. */
	CU_ASSERT_EQUAL(cp_instance_init(p), CP_OK);
	CU_ASSERT_EQUAL(init_calls, 1);
	cp_instance_destroy(p);
	CU_ASSERT_EQUAL(fini_calls, 1);

	/* A failing init: disabled with the problem, never fini'd. */
	init_calls = fini_calls = 0;
	init_result = CP_E_PLUGIN;
	logged.n = 0;
	p = instance(&fake, NULL);
	CU_ASSERT_EQUAL(cp_instance_init(p), CP_E_PLUGIN);
	CU_ASSERT_FALSE(p->initialised);
	CU_ASSERT_FALSE(p->enabled);
	CU_ASSERT_STRING_EQUAL(p->problem, "init failed: plugin error");
	CU_ASSERT_TRUE(pt_log_has(&logged, CP_LOG_ERROR, "plugin demo: init "
	    "failed: plugin error; the instance is disabled"));
	cp_instance_destroy(p);
	CU_ASSERT_EQUAL(fini_calls, 0);

	/* A disabled instance is never started. */
	init_calls = 0;
	init_result = CP_OK;
	p = instance(&fake, NULL);
	cp_instance_disable(p, "off for %s", "a test");
	CU_ASSERT_STRING_EQUAL(p->problem, "off for a test");
	CU_ASSERT_EQUAL(cp_instance_init(p), CP_OK);
	CU_ASSERT_EQUAL(init_calls, 0);
	CU_ASSERT_FALSE(p->initialised);
	cp_instance_destroy(p);
	CU_ASSERT_EQUAL(fini_calls, 0);

	/* No init, no fini: still runs, with a NULL context. */
	p = instance(&bare, NULL);
	CU_ASSERT_EQUAL(cp_instance_init(p), CP_OK);
	CU_ASSERT_TRUE(p->initialised);
	CU_ASSERT_PTR_NULL(p->ctx);
	CU_ASSERT_STRING_EQUAL(p->subsys, "plugin bare");
	cp_instance_destroy(p);
	cp_instance_destroy(NULL);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "table is complete", test_host_table_is_complete },
		{ "logs with identity", test_host_logs_with_identity },
		{ "reads config", test_host_reads_config },
		{ "clock and cancel", test_host_clock_and_cancel },
		{ "reads secret files", test_host_reads_secret_files },
		{ "lends http", test_host_lends_http },
		{ "parses json and xml", test_host_parses_json_and_xml },
		{ "inits and finis", test_host_inits_and_finis },
		{ NULL, NULL }
	};
	char why[256];
	int rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	env.log = pt_log_create(&logged);
	if (env.log == NULL ||
	    cp_plugin_validate(&fake_desc, CP_ABI_MAJOR, CP_ABI_MINOR, &fake,
	    why, sizeof(why)) != CP_OK ||
	    cp_plugin_validate(&bare_desc, CP_ABI_MAJOR, CP_ABI_MINOR, &bare,
	    why, sizeof(why)) != CP_OK) {
		fprintf(stderr, "set-up failed: %s\n", why);
		return 1;
	}
	rc = cp_test_run("plugin/host", tests);
	cp_pdef_free(&fake);
	cp_pdef_free(&bare);
	cp_log_destroy(env.log);
	curl_global_cleanup();
	return rc;
}
