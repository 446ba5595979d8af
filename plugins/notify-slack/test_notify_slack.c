/*
 * test_notify_slack.c - the notify-slack plugin as the core uses it:
 * loaded through a registry from a private plugin directory, with the
 * core's HTTP client lent through the host table, posting to
 * slack_sink.py on 127.0.0.1 (plain HTTP, and HTTPS with a throwaway CA
 * made here with openssl).  The posts are checked against Slack's
 * documented Block Kit shapes and limits; every answer Slack documents
 * for webhooks gives its outcome; the webhook URL never appears in why
 * nor in the log.
 */
#include "plugin/plugintest.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <curl/curl.h>

#include "net/http_client.h"
#include "plugin/loader.h"
#include "plugin/registry.h"

/* What every test webhook URL carries in its path: its token. */
#define SECRET "SECRET"
#define ELLIPSIS "\xe2\x80\xa6"

struct sink {
	pid_t pid;
	int port;
	int posts;		/* posts read back so far */
	int https;
	char dir[700];		/* where it records posts */
};

static struct sink plain = { -1, 0, 0, 0, "" };
static struct sink tls = { -1, 0, 0, 1, "" };
static char workdir[512], plugdir[600], ca_pem[700], other_pem[700];

/* What the log was given, checked line by line for the webhook URL. */
static struct {
	size_t lines, warnings, leaks;
	char last[1024];
} logged;
static cp_log *test_log;

static void
log_hook(void *ud, int level, const char *subsys, const char *msg)
{
	(void)ud;
	logged.lines++;
	if (level == CP_LOG_WARNING)
		logged.warnings++;
	if (strstr(msg, SECRET) != NULL ||
	    (strncmp(subsys, "plugin notify-slack", 19) == 0 &&
	    strstr(msg, "://") != NULL)) {
		fprintf(stderr, "LEAK: %s: %s\n", subsys, msg);
		logged.leaks++;
	}
	snprintf(logged.last, sizeof(logged.last), "%s: %s", subsys, msg);
}

/* ------------------------------------------------------------ helpers */

/* Runs argv with its output discarded; 0 when it exited with 0. */
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

/*
 * In workdir: a CA and a server certificate it signed for 127.0.0.1,
 * and another, unrelated CA.
 */
static int
make_certs(void)
{
	char ca_key[700], srv_key[700], srv_csr[700], srv_pem[700];
	char other_key[700], ext[700];
	FILE *f;

	snprintf(ca_key, sizeof(ca_key), "%s/ca.key", workdir);
	snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", workdir);
	snprintf(other_key, sizeof(other_key), "%s/other.key", workdir);
	snprintf(other_pem, sizeof(other_pem), "%s/other.pem", workdir);
	snprintf(srv_key, sizeof(srv_key), "%s/server.key", workdir);
	snprintf(srv_csr, sizeof(srv_csr), "%s/server.csr", workdir);
	snprintf(srv_pem, sizeof(srv_pem), "%s/server.pem", workdir);
	snprintf(ext, sizeof(ext), "%s/server.ext", workdir);
	f = fopen(ext, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "basicConstraints=CA:FALSE\n"
	    "keyUsage=critical,digitalSignature,keyEncipherment\n"
	    "extendedKeyUsage=serverAuth\n"
	    "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
	fclose(f);
	{
		char *const ca[] = { "openssl", "req", "-x509", "-newkey",
		    "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
		    "-keyout", ca_key, "-out", ca_pem, "-days", "2", "-subj",
		    "/CN=notify-slack test CA", "-addext",
		    "basicConstraints=critical,CA:TRUE", "-addext",
		    "keyUsage=critical,keyCertSign,cRLSign", NULL };
		char *const other[] = { "openssl", "req", "-x509", "-newkey",
		    "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
		    "-keyout", other_key, "-out", other_pem, "-days", "2",
		    "-subj", "/CN=another CA", "-addext",
		    "basicConstraints=critical,CA:TRUE", "-addext",
		    "keyUsage=critical,keyCertSign,cRLSign", NULL };
		char *const csr[] = { "openssl", "req", "-new", "-newkey",
		    "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
		    "-keyout", srv_key, "-out", srv_csr, "-subj",
		    "/CN=127.0.0.1", NULL };
		char *const sign[] = { "openssl", "x509", "-req", "-in",
		    srv_csr, "-CA", ca_pem, "-CAkey", ca_key,
		    "-CAcreateserial", "-out", srv_pem, "-days", "2",
		    "-extfile", ext, NULL };

		if (run(ca) != 0 || run(other) != 0 || run(csr) != 0 ||
		    run(sign) != 0)
			return -1;
	}
	return 0;
}

/* Starts slack_sink.py recording into s->dir; reads its port. */
static int
sink_start(struct sink *s)
{
	char script[1024], cert[700], key[700], line[32];
	const char *py = cp_test_env("CP_PYTHON3", "/usr/bin/python3");
	long long port;
	size_t got = 0;
	ssize_t n;
	int fds[2];

	snprintf(script, sizeof(script),
	    "%s/plugins/notify-slack/slack_sink.py",
	    cp_test_env("CP_TOP_SRCDIR", CP_ABS_SRCDIR));
	snprintf(cert, sizeof(cert), "%s/server.pem", workdir);
	snprintf(key, sizeof(key), "%s/server.key", workdir);
	if (mkdir(s->dir, 0700) != 0 || pipe(fds) != 0)
		return -1;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		if (s->https)
			execl(py, py, script, "--dir", s->dir, "--cert", cert,
			    "--key", key, (char *)NULL);
		else
			execl(py, py, script, "--dir", s->dir, (char *)NULL);
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
sink_stop(struct sink *s)
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
	int fd, port = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return port;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Copies the built plugin into plugdir (mode 0755). */
static int
copy_plugin(void)
{
	char src[4096], dst[4096], chunk[8192];
	ssize_t n;
	int in, out, rc = -1;

	snprintf(src, sizeof(src),
	    "%s/plugins/notify-slack/.libs/notify-slack.so", pt_builddir());
	snprintf(dst, sizeof(dst), "%s/notify-slack.so", plugdir);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "cannot open %s (built?)\n", src);
		return -1;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		goto out;
	while ((n = read(in, chunk, sizeof(chunk))) > 0)
		if (write(out, chunk, (size_t)n) != n)
			goto out;
	if (n == 0 && fchmod(out, 0755) == 0)
		rc = 0;
out:
	close(in);
	if (out >= 0)
		close(out);
	return rc;
}

/* The code points of a UTF-8 string. */
static size_t
u8len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* unit repeated until the string has n code points (a new string). */
static char *
repeat(const char *unit, size_t n)
{
	size_t ulen = strlen(unit), uchars = u8len(unit), have = 0;
	char *s = malloc(n / uchars * ulen + ulen + 1), *p = s;
	const char *u;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	while (have < n) {
		for (u = unit; *u != '\0' && have < n; ) {
			do
				*p++ = *u++;
			while (((unsigned char)*u & 0xc0) == 0x80);
			have++;
		}
	}
	*p = '\0';
	return s;
}

static int
starts_with(const char *s, const char *start)
{
	size_t n = strlen(start);

	return strlen(s) >= n && memcmp(s, start, n) == 0;
}

static int
ends_with(const char *s, const char *end)
{
	size_t a = strlen(s), b = strlen(end);

	return a >= b && strcmp(s + a - b, end) == 0;
}

/* ------------------------------------------------------------ the plugin */

struct inst {
	const struct cp_notifier_ops *ops;
	void *ctx;
};

/* A registry with the plugin's instances: default, small and quick. */
struct world {
	cp_http_pool *pool;
	cp_registry *reg;
	struct inst def;	/* defaults: max_blocks 50, timeout 15 */
	struct inst small;	/* max_blocks 5 */
	struct inst quick;	/* timeout 1 */
};

static void
get_inst(struct world *w, const char *instance, struct inst *in)
{
	const void *ops = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cp_registry_get(w->reg, "notify-slack",
	    instance, CP_CAP_NOTIFIER, &ops, &in->ctx));
	in->ops = ops;
	CU_ASSERT_PTR_NOT_NULL_FATAL(in->ops);
}

static void
world_open(struct world *w, const char *ca_file)
{
	struct cp_config_entry small_e[] = {
		PT_ENTRY("max_blocks", "5", 5),
	};
	struct cp_config_entry quick_e[] = {
		PT_ENTRY("timeout", "1", 8),
	};
	struct cp_plugin_section s[] = {
		PT_SECTION0("notify-slack", NULL, 1, 1),
		PT_SECTION("notify-slack", "small", 4, 1, small_e),
		PT_SECTION("notify-slack", "quick", 7, 1, quick_e),
	};
	struct cp_registry_opts o;
	struct cp_http_settings hs;
	struct cp_config cfg;
	struct cp_diag d;

	memset(w, 0, sizeof(*w));
	memset(&hs, 0, sizeof(hs));
	hs.connect_timeout_ms = 2000;
	hs.timeout_ms = 5000;
	hs.ca_file = ca_file;
	CU_ASSERT_EQUAL_FATAL(cp_http_pool_create(&hs, &w->pool), CP_OK);
	memset(&o, 0, sizeof(o));
	o.log = test_log;
	o.http = w->pool;
	CU_ASSERT_EQUAL_FATAL(cp_registry_create(&o, &w->reg), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_registry_load_dir(w->reg, plugdir), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_registry_refused_count(w->reg), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.path = (char *)"/etc/cloudpatrol/test.ini";
	cfg.sections = s;
	cfg.n_sections = CP_ARRAY_LEN(s);
	cp_diag_init(&d);
	CU_ASSERT_EQUAL(cp_registry_configure(w->reg, &cfg, &d), CP_OK);
	CU_ASSERT_EQUAL(d.n, 0);
	cp_diag_free(&d);
	CU_ASSERT_EQUAL_FATAL(cp_registry_init(w->reg), CP_OK);
	get_inst(w, NULL, &w->def);
	get_inst(w, "small", &w->small);
	get_inst(w, "quick", &w->quick);
}

static void
world_close(struct world *w)
{
	cp_registry_destroy(w->reg);
	cp_http_pool_destroy(w->pool);
}

/* The webhook URL of route on s (its token in the path). */
static void
webhook_url(const struct sink *s, const char *route, char *url, size_t n)
{
	snprintf(url, n, "%s://127.0.0.1:%d/%s/T0" SECRET "/B0" SECRET
	    "/X" SECRET "TOKEN", s->https ? "https" : "http", s->port, route);
}

/*
 * Checks that why quotes no webhook URL: neither its token nor any URL
 * (the host alone is no secret).
 */
static void
expect_no_url(const char *why)
{
	CU_ASSERT_PTR_NULL(strstr(why, SECRET));
	CU_ASSERT_PTR_NULL(strstr(why, "://"));
	if (strstr(why, SECRET) != NULL || strstr(why, "://") != NULL)
		fprintf(stderr, "LEAK in why: %s\n", why);
}

/* Sends msg through in to route on s; returns the outcome. */
static int
send_to(const struct inst *in, const struct sink *s, const char *route,
    const json_t *msg, char *why, size_t n)
{
	char url[256];
	json_t *dest;
	int r;

	webhook_url(s, route, url, sizeof(url));
	dest = json_pack("{s:s, s:s, s:s}", "name", "ops", "type", "slack",
	    "webhook_url", url);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dest);
	memset(why, 0, n);
	r = in->ops->send(in->ctx, dest, msg, why, n);
	json_decref(dest);
	expect_no_url(why);
	return r;
}

/* Whether s recorded a post after the ones read back. */
static int
has_new_post(const struct sink *s)
{
	char path[800];

	snprintf(path, sizeof(path), "%s/%d.json", s->dir, s->posts + 1);
	return access(path, F_OK) == 0;
}

/*
 * The body of the next post s recorded, parsed (jansson refuses any
 * malformed UTF-8); checks method and content type, and that no second
 * post followed: the plugin never retries by itself.
 */
static json_t *
next_post(struct sink *s)
{
	char path[800];
	json_error_t err;
	json_t *meta, *body;

	CU_ASSERT_TRUE_FATAL(has_new_post(s));
	s->posts++;
	snprintf(path, sizeof(path), "%s/%d.json", s->dir, s->posts);
	meta = json_load_file(path, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(meta);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(meta,
	    "method")), "POST");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(meta,
	    "content_type")), "application/json");
	json_decref(meta);
	snprintf(path, sizeof(path), "%s/%d.body", s->dir, s->posts);
	body = json_load_file(path, 0, &err);
	if (body == NULL)
		fprintf(stderr, "%s: %s\n", path, err.text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_FALSE(has_new_post(s));
	return body;
}

/* Sends msg through in to /ok/ and returns what Slack received. */
static json_t *
post_ok(const struct inst *in, const json_t *msg)
{
	char why[512];

	CU_ASSERT_EQUAL(send_to(in, &plain, "ok", msg, why, sizeof(why)),
	    CP_SEND_OK);
	return next_post(&plain);
}

static json_t *
blocks_of(const json_t *body)
{
	return json_object_get(body, "blocks");
}

static json_t *
block(const json_t *body, size_t i)
{
	return json_array_get(blocks_of(body), i);
}

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "(none)";
}

/* The text of a header or section block. */
static const char *
block_text(const json_t *b)
{
	return str(json_object_get(b, "text"), "text");
}

/* A message of lang with the blocks given (taken). */
static json_t *
message(const char *lang, json_t *blocks)
{
	json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "message_id",
	    "<cp.42.7@cloudpatrol>", "kind", "risk", "lang", lang, "subject",
	    "[cloudpatrol] subject", "text", "the whole message", "blocks",
	    blocks);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	return m;
}

/* A message with one block (taken). */
static json_t *
message1(const char *lang, json_t *blk)
{
	json_t *a = json_array();

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	json_array_append_new(a, blk);
	return message(lang, a);
}

static json_t *
text_block(const char *type, const char *text)
{
	return json_pack("{s:s, s:s}", "type", type, "text", text);
}

/* ------------------------------------------------------------ tests */

static void
test_notify_slack_loads_with_defaults(void)
{
	struct cp_config_entry bad_e[] = {
		PT_ENTRY("max_blocks", "51", 2),
		PT_ENTRY("timeout", "0", 3),
	};
	struct cp_plugin_section bad[] = {
		PT_SECTION("notify-slack", NULL, 1, 1, bad_e),
	};
	const struct cp_notifier_ops *ops = NULL;
	const void *vops = NULL;
	struct cp_registry_opts o;
	struct cp_plugin_info pi;
	struct cp_config cfg;
	struct cp_diag d;
	struct world w;
	cp_registry *reg;
	cp_plugin *p;
	void *ctx = NULL;

	world_open(&w, NULL);
	p = cp_registry_find(w.reg, CP_CAP_NOTIFIER, "slack", &vops, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ops = vops;
	CU_ASSERT_STRING_EQUAL(ops->dest_type, "slack");
	CU_ASSERT_PTR_NOT_NULL(ops->check_destination);
	CU_ASSERT_PTR_NOT_NULL(ops->send);
	CU_ASSERT_EQUAL(cp_registry_info_of(w.reg, p, &pi), CP_OK);
	CU_ASSERT_STRING_EQUAL(pi.name, "notify-slack");
	CU_ASSERT_EQUAL(pi.caps, 1u << CP_CAP_NOTIFIER);
	CU_ASSERT_PTR_NULL(cp_registry_find(w.reg, CP_CAP_NOTIFIER, "mail",
	    &vops, &ctx));
	/* Three instances, each with its own context. */
	CU_ASSERT_PTR_NOT_EQUAL(w.def.ctx, w.small.ctx);
	CU_ASSERT_PTR_NOT_EQUAL(w.small.ctx, w.quick.ctx);
	world_close(&w);

	/* The schema's bounds are the host's to enforce. */
	memset(&o, 0, sizeof(o));
	o.log = test_log;
	CU_ASSERT_EQUAL_FATAL(cp_registry_create(&o, &reg), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, plugdir), CP_OK);
	memset(&cfg, 0, sizeof(cfg));
	cfg.path = (char *)"/etc/cloudpatrol/bad.ini";
	cfg.sections = bad;
	cfg.n_sections = CP_ARRAY_LEN(bad);
	cp_diag_init(&d);
	CU_ASSERT_EQUAL(cp_registry_configure(reg, &cfg, &d), CP_E_CONFIG);
	CU_ASSERT_EQUAL(d.n, 2);
	cp_diag_free(&d);
	cp_registry_destroy(reg);
}

static void
test_notify_slack_checks_destinations(void)
{
	static const struct {
		const char *url;	/* NULL: no webhook_url */
		const char *why;	/* NULL: accepted */
	} cases[] = {
		{ "https://hooks.slack.com/services/T0" SECRET "/B0/X", NULL },
		{ "HTTPS://hooks.slack.com:443/services/T/B/X" SECRET, NULL },
		{ "http://127.0.0.1:8080/" SECRET, NULL },
		{ "http://127.9.8.7/" SECRET, NULL },
		{ "http://localhost/" SECRET, NULL },
		{ "http://[::1]:9/" SECRET, NULL },
		{ "https://[2001:db8::1]/" SECRET, NULL },
		{ NULL, "the webhook URL is missing" },
		{ "", "the webhook URL is missing" },
		{ "ftp://hooks.slack.com/" SECRET,
		    "the webhook URL is not an https URL" },
		{ "hooks.slack.com/services/" SECRET,
		    "the webhook URL is not an https URL" },
		{ "http://hooks.slack.com/services/" SECRET,
		    "the webhook URL must use https (plain http only to a "
		    "loopback address)" },
		{ "http://10.0.0.1/" SECRET,
		    "the webhook URL must use https (plain http only to a "
		    "loopback address)" },
		{ "http://128.0.0.1/" SECRET,
		    "the webhook URL must use https (plain http only to a "
		    "loopback address)" },
		{ "https://hooks.slack.com/services/T B/" SECRET,
		    "the webhook URL contains a space or a control character" },
		{ "https://hooks.slack.com/services/" SECRET "\t",
		    "the webhook URL contains a space or a control character" },
		{ "https://hooks.slack.com/services/" SECRET "\n",
		    "the webhook URL contains a space or a control character" },
		{ "https://hooks.slack.com/" SECRET "\x7f",
		    "the webhook URL contains a space or a control character" },
		{ "https://hooks.slack.com/\xc3\xa9/" SECRET,
		    "the webhook URL contains characters outside ASCII "
		    "(percent-encode them)" },
		{ "https://user:pw@hooks.slack.com/" SECRET,
		    "the webhook URL must not carry a user name or password" },
		{ "https://hooks.slack.com:99999/" SECRET,
		    "the webhook URL has a bad port" },
		{ "https://hooks.slack.com:/" SECRET,
		    "the webhook URL has a bad port" },
		{ "https://hooks.slack.com:8x/" SECRET,
		    "the webhook URL has a bad port" },
		{ "https:///" SECRET, "the webhook URL has no valid host" },
		{ "https://[zz]/" SECRET, "the webhook URL has no valid host" },
		{ "https://[]/" SECRET, "the webhook URL has no valid host" },
		{ "https://[::1/" SECRET, "the webhook URL has no valid host" },
		{ "https://hooks_slack.com/" SECRET,
		    "the webhook URL has no valid host" },
	};
	char why[256], long_url[3000];
	json_t *dest, *msg;
	struct world w;
	size_t i;
	cp_err r;

	world_open(&w, NULL);
	msg = message1("en", text_block("section", "hello"));
	for (i = 0; i < CP_ARRAY_LEN(cases); i++) {
		dest = json_pack("{s:s, s:s}", "name", "ops", "type", "slack");
		CU_ASSERT_PTR_NOT_NULL_FATAL(dest);
		if (cases[i].url != NULL)
			json_object_set_new(dest, "webhook_url",
			    json_stringn_nocheck(cases[i].url,
			    strlen(cases[i].url)));
		why[0] = '\0';
		r = w.def.ops->check_destination(w.def.ctx, dest, why,
		    sizeof(why));
		expect_no_url(why);
		if (cases[i].why == NULL) {
			CU_ASSERT_EQUAL(r, CP_OK);
			if (r != CP_OK)
				fprintf(stderr, "case %zu refused: %s\n", i,
				    why);
		} else {
			CU_ASSERT_EQUAL(r, CP_E_INVALID);
			CU_ASSERT_STRING_EQUAL(why, cases[i].why);
			if (strcmp(why, cases[i].why) != 0)
				fprintf(stderr, "case %zu: %s\n", i, why);
			/* send() refuses it the same way, posting nothing. */
			CU_ASSERT_EQUAL(w.def.ops->send(w.def.ctx, dest, msg,
			    why, sizeof(why)), CP_SEND_FAILED);
			CU_ASSERT_STRING_EQUAL(why, cases[i].why);
			CU_ASSERT_FALSE(has_new_post(&plain));
		}
		json_decref(dest);
	}

	/* Not a string, too long, another type, not an object. */
	dest = json_pack("{s:s, s:i}", "type", "slack", "webhook_url", 42);
	CU_ASSERT_EQUAL(w.def.ops->check_destination(w.def.ctx, dest, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "the webhook URL is not a string");
	json_decref(dest);
	memset(long_url, 'a', sizeof(long_url) - 1);
	long_url[sizeof(long_url) - 1] = '\0';
	memcpy(long_url, "https://h/", 10);
	dest = json_pack("{s:s, s:s}", "type", "slack", "webhook_url",
	    long_url);
	CU_ASSERT_EQUAL(w.def.ops->check_destination(w.def.ctx, dest, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why,
	    "the webhook URL is longer than 2048 bytes");
	json_decref(dest);
	dest = json_pack("{s:s, s:[s], s:s}", "type", "mail", "to",
	    "a@example.com", "webhook_url", "https://hooks.slack.com/x");
	CU_ASSERT_EQUAL(w.def.ops->check_destination(w.def.ctx, dest, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "a destination of type 'mail' is not for "
	    "the Slack notifier");
	json_decref(dest);
	dest = json_array();
	CU_ASSERT_EQUAL(w.def.ops->check_destination(w.def.ctx, dest, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "the destination is not a JSON object");
	json_decref(dest);
	/* A why of no size is never written. */
	dest = json_pack("{s:s}", "type", "slack");
	CU_ASSERT_EQUAL(w.def.ops->check_destination(w.def.ctx, dest, NULL,
	    0), CP_E_INVALID);
	json_decref(dest);
	json_decref(msg);
	world_close(&w);
}

static void
test_notify_slack_posts_block_kit(void)
{
	json_t *msg, *body, *b, *f;
	struct world w;
	char why[256];

	world_open(&w, NULL);
	msg = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s},"
	    " {s:s, s:[[s, s], [s, s], [s, s], [s, s], [i, i]]},"
	    " {s:s, s:s, s:[s, s, s]}, {s:s}, {s:s, s:s}, {s:s, s:s}]}",
	    "message_id", "<cp.42.7@cloudpatrol>", "kind", "risk", "lang",
	    "en", "subject", "[cloudpatrol] S3 bucket <logs> is public & open",
	    "text", "the whole message as text",
	    "blocks",
	    "type", "header", "text", "Risk found",
	    "type", "section", "text", "Bucket <logs> & *all* > none",
	    "type", "fields", "fields", "Policy", "s3-public",
	    "Resource", "arn:aws:s3:::logs", "", "value only",
	    "", "  ", 1, 2,
	    "type", "list", "title", "Affected", "items", "a<b", "b", "c",
	    "type", "divider",
	    "type", "chart", "text", "an unknown block is ignored",
	    "type", "header", "text", " \n ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	body = post_ok(&w.def, msg);
	CU_ASSERT_STRING_EQUAL(str(body, "text"),
	    "[cloudpatrol] S3 bucket &lt;logs&gt; is public &amp; open");
	CU_ASSERT_EQUAL_FATAL(json_array_size(blocks_of(body)), 5);

	b = block(body, 0);
	CU_ASSERT_EQUAL(json_object_size(b), 2);
	CU_ASSERT_STRING_EQUAL(str(b, "type"), "header");
	CU_ASSERT_STRING_EQUAL(str(json_object_get(b, "text"), "type"),
	    "plain_text");
	CU_ASSERT_STRING_EQUAL(block_text(b), "Risk found");

	b = block(body, 1);
	CU_ASSERT_STRING_EQUAL(str(b, "type"), "section");
	CU_ASSERT_STRING_EQUAL(str(json_object_get(b, "text"), "type"),
	    "mrkdwn");
	CU_ASSERT_STRING_EQUAL(block_text(b),
	    "Bucket &lt;logs&gt; &amp; *all* &gt; none");

	b = block(body, 2);
	CU_ASSERT_STRING_EQUAL(str(b, "type"), "section");
	CU_ASSERT_PTR_NULL(json_object_get(b, "text"));
	f = json_object_get(b, "fields");
	CU_ASSERT_EQUAL_FATAL(json_array_size(f), 3);
	CU_ASSERT_STRING_EQUAL(str(json_array_get(f, 0), "type"), "mrkdwn");
	CU_ASSERT_STRING_EQUAL(str(json_array_get(f, 0), "text"),
	    "*Policy*\ns3-public");
	CU_ASSERT_STRING_EQUAL(str(json_array_get(f, 1), "text"),
	    "*Resource*\narn:aws:s3:::logs");
	CU_ASSERT_STRING_EQUAL(str(json_array_get(f, 2), "text"),
	    "value only");

	b = block(body, 3);
	CU_ASSERT_STRING_EQUAL(str(b, "type"), "section");
	CU_ASSERT_STRING_EQUAL(block_text(b),
	    "*Affected*\n\xe2\x80\xa2 a&lt;b\n\xe2\x80\xa2 b\n\xe2\x80\xa2 c");

	b = block(body, 4);
	CU_ASSERT_STRING_EQUAL(str(b, "type"), "divider");
	CU_ASSERT_EQUAL(json_object_size(b), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(logged.last, "plugin notify-slack: "
	    "destination 'ops': sent 5 blocks in "));
	json_decref(body);
	json_decref(msg);

	/* No blocks: the text becomes one section; no subject: the text is
	 * the fallback too. */
	msg = json_pack("{s:s, s:s}", "lang", "en", "text", "only <text>");
	body = post_ok(&w.def, msg);
	CU_ASSERT_STRING_EQUAL(str(body, "text"), "only &lt;text&gt;");
	CU_ASSERT_EQUAL_FATAL(json_array_size(blocks_of(body)), 1);
	CU_ASSERT_STRING_EQUAL(block_text(block(body, 0)),
	    "only &lt;text&gt;");
	json_decref(body);
	json_decref(msg);

	/* Nothing at all: a fallback text and no blocks. */
	msg = json_object();
	body = post_ok(&w.def, msg);
	CU_ASSERT_STRING_EQUAL(str(body, "text"), "cloudpatrol");
	CU_ASSERT_PTR_NULL(blocks_of(body));
	json_decref(body);
	json_decref(msg);

	/* Not a message: refused, nothing posted. */
	msg = json_string("hello");
	CU_ASSERT_EQUAL(send_to(&w.def, &plain, "ok", msg, why, sizeof(why)),
	    CP_SEND_FAILED);
	CU_ASSERT_STRING_EQUAL(why, "the message is not a JSON object");
	CU_ASSERT_FALSE(has_new_post(&plain));
	json_decref(msg);
	world_close(&w);
}

/* Checks a text cut to max characters: prefix of src, then "…". */
static void
expect_cut(const char *text, const char *src, size_t max)
{
	size_t n = strlen(text);

	CU_ASSERT_EQUAL(u8len(text), max);
	CU_ASSERT_TRUE(ends_with(text, ELLIPSIS));
	CU_ASSERT_TRUE(n >= 3 && strncmp(text, src, n - 3) == 0);
}

static void
test_notify_slack_keeps_text_limits(void)
{
	char *x400 = repeat("x", 400), *y5000 = repeat("y", 5000);
	char *amp = repeat("&", 3000), *ja4000 = repeat("日本語のテキスト",
	    4000), *ja200 = repeat("脆弱性", 200), *fire = repeat("🔥", 300);
	char *v2500 = repeat("v", 2500), *exact = repeat("z", 3000);
	char label[16], want[2100];
	json_t *blocks, *fields, *msg, *body, *b, *f;
	const char *t;
	struct world w;
	size_t i, k;

	world_open(&w, NULL);
	blocks = json_array();
	fields = json_array();
	for (i = 0; i < 23; i++) {
		snprintf(label, sizeof(label), "L%zu", i);
		json_array_append_new(fields, json_pack("[s, s]", label,
		    v2500));
	}
	json_array_append_new(blocks, text_block("header", x400));
	json_array_append_new(blocks, text_block("section", y5000));
	json_array_append_new(blocks, text_block("section", amp));
	json_array_append_new(blocks, text_block("section", ja4000));
	json_array_append_new(blocks, text_block("header", ja200));
	json_array_append_new(blocks, text_block("header", fire));
	json_array_append_new(blocks, text_block("section", exact));
	json_array_append_new(blocks, json_pack("{s:s, s:o}", "type",
	    "fields", "fields", fields));
	msg = message("en", blocks);
	json_object_set_new(msg, "subject", json_string(y5000));
	body = post_ok(&w.def, msg);
	CU_ASSERT_EQUAL_FATAL(json_array_size(blocks_of(body)), 10);

	/* The fallback text: at most 3000 characters too. */
	expect_cut(str(body, "text"), y5000, 3000);
	/* A header's plain_text: 150 characters, not escaped. */
	expect_cut(block_text(block(body, 0)), x400, 150);
	/* A section's text: 3000. */
	expect_cut(block_text(block(body, 1)), y5000, 3000);
	/* Entities count as what is sent, and are never cut. */
	t = block_text(block(body, 2));
	CU_ASSERT_TRUE(u8len(t) <= 3000);
	CU_ASSERT_TRUE(ends_with(t, ELLIPSIS));
	CU_ASSERT_EQUAL((strlen(t) - 3) % 5, 0);
	for (k = 0; k + 3 < strlen(t); k += 5)
		CU_ASSERT_EQUAL(strncmp(t + k, "&amp;", 5), 0);
	CU_ASSERT_EQUAL(u8len(t), 2996);
	/* Japanese and 4-byte characters: cut on a character boundary. */
	expect_cut(block_text(block(body, 3)), ja4000, 3000);
	expect_cut(block_text(block(body, 4)), ja200, 150);
	expect_cut(block_text(block(body, 5)), fire, 150);
	/* A text that fits exactly is not cut. */
	CU_ASSERT_STRING_EQUAL(block_text(block(body, 6)), exact);
	/* 23 fields: sections of 10, 10 and 3, each field 2000 at most. */
	for (i = 0; i < 3; i++) {
		b = block(body, 7 + i);
		CU_ASSERT_STRING_EQUAL(str(b, "type"), "section");
		f = json_object_get(b, "fields");
		CU_ASSERT_EQUAL(json_array_size(f), i < 2 ? 10 : 3);
		for (k = 0; k < json_array_size(f); k++) {
			t = str(json_array_get(f, k), "text");
			snprintf(want, sizeof(want), "*L%zu*\n", i * 10 + k);
			CU_ASSERT_EQUAL(strncmp(t, want, strlen(want)), 0);
			CU_ASSERT_EQUAL(u8len(t), 2000);
			CU_ASSERT_TRUE(ends_with(t, "v" ELLIPSIS));
		}
	}
	json_decref(body);
	json_decref(msg);
	free(x400);
	free(y5000);
	free(amp);
	free(ja4000);
	free(ja200);
	free(fire);
	free(v2500);
	free(exact);
	world_close(&w);
}

enum item_kind { ITEM_EN, ITEM_JA, ITEM_SHORT, ITEM_97 };

/* The text of item i of a test list. */
static void
item_text(int kind, size_t i, char *buf, size_t n)
{
	if (kind == ITEM_EN)
		snprintf(buf, n,
		    "bucket-%03zu.example-company-logs.s3.amazonaws.com", i);
	else if (kind == ITEM_JA)
		snprintf(buf, n, "リソース %03zu：公開されたストレージ", i);
	else if (kind == ITEM_97)
		snprintf(buf, n, "%03zu%s", i,
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	else
		snprintf(buf, n, "item %zu", i);
}

/*
 * Checks a list section: "*title*", then the items in order while they
 * fit, then the "more" line of (total - shown + more) when anything is
 * left out.  Returns the items shown.
 */
static size_t
expect_list(const char *text, const char *title, int kind, size_t total,
    long long more, int ja)
{
	char line[256], want[256];
	const char *p = text, *nl;
	size_t shown = 0, len;
	long long left;

	CU_ASSERT_TRUE(u8len(text) <= 3000);
	snprintf(want, sizeof(want), "*%s*\n", title);
	CU_ASSERT_TRUE_FATAL(starts_with(p, want));
	p += strlen(want);
	for (;;) {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		CU_ASSERT_FATAL(len < sizeof(line));
		memcpy(line, p, len);
		line[len] = '\0';
		if (!starts_with(line, "\xe2\x80\xa2 "))
			break;
		item_text(kind, shown, want, sizeof(want));
		CU_ASSERT_STRING_EQUAL(line + 4, want);
		shown++;
		if (nl == NULL)
			return shown;
		p = nl + 1;
	}
	/* The last line says how many were left out. */
	CU_ASSERT_PTR_NULL(nl);
	left = (long long)(total - shown) + more;
	if (ja)
		snprintf(want, sizeof(want), "ほか %lld 件", left);
	else
		snprintf(want, sizeof(want), "+%lld more", left);
	CU_ASSERT_STRING_EQUAL(line, want);
	return shown;
}

/* A list block of n items of kind, with more. */
static json_t *
list_block(const char *title, int kind, size_t n, long long more)
{
	json_t *items = json_array();
	char item[256];
	size_t i;

	for (i = 0; i < n; i++) {
		item_text(kind, i, item, sizeof(item));
		json_array_append_new(items, json_string(item));
	}
	return json_pack("{s:s, s:s, s:o, s:I}", "type", "list", "title",
	    title, "items", items, "more", (json_int_t)more);
}

static void
test_notify_slack_cuts_long_lists(void)
{
	json_t *msg, *body, *blocks, *big;
	struct world w;
	size_t shown;
	char *huge;
	const char *t;

	world_open(&w, NULL);
	blocks = json_array();
	json_array_append_new(blocks, list_block("Public buckets", ITEM_EN,
	    200, 0));
	json_array_append_new(blocks, list_block("Public buckets", ITEM_EN,
	    200, 17));
	json_array_append_new(blocks, list_block("Few", ITEM_SHORT, 3, 0));
	json_array_append_new(blocks, list_block("Few", ITEM_SHORT, 3, 5));
	json_array_append_new(blocks, list_block("None", ITEM_SHORT, 0, 9));
	msg = message("en", blocks);
	body = post_ok(&w.def, msg);
	CU_ASSERT_EQUAL_FATAL(json_array_size(blocks_of(body)), 5);
	shown = expect_list(block_text(block(body, 0)), "Public buckets",
	    ITEM_EN, 200, 0, 0);
	CU_ASSERT_TRUE(shown > 50 && shown < 200);
	shown = expect_list(block_text(block(body, 1)), "Public buckets",
	    ITEM_EN, 200, 17, 0);
	CU_ASSERT_TRUE(shown > 50 && shown < 200);
	CU_ASSERT_EQUAL(expect_list(block_text(block(body, 2)), "Few",
	    ITEM_SHORT, 3, 0, 0), 3);
	CU_ASSERT_TRUE(ends_with(block_text(block(body, 2)), "item 2"));
	CU_ASSERT_EQUAL(expect_list(block_text(block(body, 3)), "Few",
	    ITEM_SHORT, 3, 5, 0), 3);
	CU_ASSERT_STRING_EQUAL(block_text(block(body, 4)),
	    "*None*\n+9 more");
	json_decref(body);
	json_decref(msg);

	/*
	 * Lines of exactly 100 characters after a title of 95: 29 items
	 * would leave 5 characters, too few for "+71 more", so 28 are shown.
	 */
	huge = repeat("T", 93);
	msg = message1("en", list_block(huge, ITEM_97, 100, 0));
	body = post_ok(&w.def, msg);
	CU_ASSERT_EQUAL(expect_list(block_text(block(body, 0)), huge,
	    ITEM_97, 100, 0, 0), 28);
	json_decref(body);
	json_decref(msg);
	free(huge);

	/* In Japanese: "ほか N 件", cut on character boundaries. */
	blocks = json_array();
	json_array_append_new(blocks, list_block("公開バケット", ITEM_JA, 200,
	    0));
	msg = message("ja", blocks);
	body = post_ok(&w.def, msg);
	shown = expect_list(block_text(block(body, 0)), "公開バケット",
	    ITEM_JA, 200, 0, 1);
	CU_ASSERT_TRUE(shown > 50 && shown < 200);
	json_decref(body);
	json_decref(msg);

	/* One huge item is cut to 500 characters, and escaped. */
	huge = repeat("<", 1000);
	big = json_pack("{s:s, s:[s]}", "type", "list", "items", huge);
	msg = message1("en", big);
	body = post_ok(&w.def, msg);
	t = block_text(block(body, 0));
	CU_ASSERT_TRUE(starts_with(t, "\xe2\x80\xa2 &lt;&lt;"));
	/* 124 entities of 4 characters and the ellipsis: 497 of 500. */
	CU_ASSERT_EQUAL(u8len(t), 2 + 497);
	CU_ASSERT_TRUE(ends_with(t, "&lt;" ELLIPSIS));
	json_decref(body);
	json_decref(msg);
	free(huge);
	world_close(&w);
}

static void
test_notify_slack_limits_blocks(void)
{
	json_t *blocks, *fields, *msg, *body;
	char text[64];
	struct world w;
	size_t i;

	world_open(&w, NULL);
	/* The default: 50 blocks, the last saying what was left out. */
	blocks = json_array();
	for (i = 0; i < 70; i++) {
		snprintf(text, sizeof(text), "para %zu", i);
		json_array_append_new(blocks, text_block("section", text));
	}
	msg = message("en", blocks);
	body = post_ok(&w.def, msg);
	CU_ASSERT_EQUAL_FATAL(json_array_size(blocks_of(body)), 50);
	for (i = 0; i < 49; i++) {
		snprintf(text, sizeof(text), "para %zu", i);
		CU_ASSERT_STRING_EQUAL(block_text(block(body, i)), text);
	}
	CU_ASSERT_STRING_EQUAL(str(block(body, 49), "type"), "section");
	CU_ASSERT_STRING_EQUAL(block_text(block(body, 49)),
	    "+21 more blocks left out (a Slack message has at most 50 "
	    "blocks).");
	json_decref(body);
	json_decref(msg);

	/* Exactly 50: nothing left out. */
	blocks = json_array();
	for (i = 0; i < 50; i++)
		json_array_append_new(blocks, json_pack("{s:s}", "type",
		    "divider"));
	msg = message("en", blocks);
	body = post_ok(&w.def, msg);
	CU_ASSERT_EQUAL(json_array_size(blocks_of(body)), 50);
	CU_ASSERT_STRING_EQUAL(str(block(body, 49), "type"), "divider");
	json_decref(body);
	json_decref(msg);

	/* max_blocks = 5; fields split into sections count as blocks. */
	fields = json_array();
	for (i = 0; i < 25; i++)
		json_array_append_new(fields, json_pack("[s, s]", "k", "v"));
	blocks = json_array();
	json_array_append_new(blocks, text_block("header", "head"));
	json_array_append_new(blocks, json_pack("{s:s, s:o}", "type",
	    "fields", "fields", fields));
	json_array_append_new(blocks, json_pack("{s:s}", "type", "divider"));
	for (i = 0; i < 7; i++)
		json_array_append_new(blocks, text_block("section", "p"));
	msg = message("en", blocks);
	body = post_ok(&w.small, msg);
	CU_ASSERT_EQUAL_FATAL(json_array_size(blocks_of(body)), 5);
	CU_ASSERT_STRING_EQUAL(str(block(body, 0), "type"), "header");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(block(body, 3),
	    "fields")), 5);
	CU_ASSERT_STRING_EQUAL(block_text(block(body, 4)),
	    "+8 more blocks left out (a Slack message has at most 5 "
	    "blocks).");
	json_decref(body);
	json_decref(msg);

	/* In Japanese. */
	blocks = json_array();
	for (i = 0; i < 10; i++)
		json_array_append_new(blocks, json_pack("{s:s}", "type",
		    "divider"));
	msg = message("ja", blocks);
	body = post_ok(&w.small, msg);
	CU_ASSERT_EQUAL_FATAL(json_array_size(blocks_of(body)), 5);
	CU_ASSERT_STRING_EQUAL(block_text(block(body, 4)),
	    "ほか 6 ブロックを省略しました（Slack のメッセージは最大 5 "
	    "ブロックです）。");
	json_decref(body);
	json_decref(msg);
	world_close(&w);
}

static void
test_notify_slack_reads_slack_answers(void)
{
	static const struct {
		const char *route;
		int want;
		const char *why;
	} cases[] = {
		{ "ok", CP_SEND_OK, "Slack answered 200 ok" },
		{ "ratelimited", CP_SEND_RETRY,
		    "Slack answered 429 rate_limited (retry after 30 s)" },
		{ "error", CP_SEND_RETRY, "Slack answered 500 internal_error" },
		{ "invalid_payload", CP_SEND_FAILED, "Slack answered 400 "
		    "invalid_payload: Slack could not read the message" },
		{ "invalid_blocks", CP_SEND_FAILED, "Slack answered 400 "
		    "invalid_blocks: Slack refused the message's blocks" },
		{ "invalid_token", CP_SEND_FAILED, "Slack answered 403 "
		    "invalid_token: the webhook was revoked: create a new "
		    "one" },
		{ "action_prohibited", CP_SEND_FAILED, "Slack answered 403 "
		    "action_prohibited: an admin restricted posting to the "
		    "channel" },
		{ "channel_not_found", CP_SEND_FAILED, "Slack answered 404 "
		    "channel_not_found: the channel no longer exists" },
		{ "no_service", CP_SEND_FAILED, "Slack answered 404 "
		    "no_service: the webhook is disabled or was removed" },
		{ "archived", CP_SEND_FAILED, "Slack answered 410 "
		    "channel_is_archived: the channel is archived" },
		{ "nosuchroute", CP_SEND_FAILED, "Slack answered 404 "
		    "no_service: the webhook is disabled or was removed" },
	};
	struct sink closed = { -1, 0, 0, 0, "" };
	char why[512], want[700];
	json_t *msg, *body;
	struct world w;
	size_t i, warnings;
	int r;

	world_open(&w, NULL);
	msg = message1("en", text_block("section", "hello"));
	for (i = 0; i < CP_ARRAY_LEN(cases); i++) {
		warnings = logged.warnings;
		r = send_to(&w.def, &plain, cases[i].route, msg, why,
		    sizeof(why));
		CU_ASSERT_EQUAL(r, cases[i].want);
		CU_ASSERT_STRING_EQUAL(why, cases[i].why);
		if (r != cases[i].want || strcmp(why, cases[i].why) != 0)
			fprintf(stderr, "%s: %d %s\n", cases[i].route, r, why);
		/* One post each: no retry inside the HTTP client. */
		body = next_post(&plain);
		CU_ASSERT_STRING_EQUAL(block_text(block(body, 0)), "hello");
		json_decref(body);
		if (r == CP_SEND_OK)
			continue;
		/* Each failure is logged, with its sentence. */
		CU_ASSERT_EQUAL(logged.warnings, warnings + 1);
		snprintf(want, sizeof(want), "plugin notify-slack: destination "
		    "'ops': %s%s", why, r == CP_SEND_RETRY ? " (will retry)" :
		    "");
		CU_ASSERT_STRING_EQUAL(logged.last, want);
	}

	/* An answer that quotes the URL: the URL does not reach why. */
	CU_ASSERT_EQUAL(send_to(&w.def, &plain, "leak", msg, why, sizeof(why)),
	    CP_SEND_FAILED);
	snprintf(want, sizeof(want), "Slack answered 404 no_service for "
	    "127.0.0.1:%d/...", plain.port);
	/* (expect_no_url() refused the address already: compare whole.) */
	CU_ASSERT_STRING_EQUAL(why, want);
	json_decref(next_post(&plain));

	/* Nobody listening: retry later. */
	closed.port = closed_port();
	CU_ASSERT_EQUAL(send_to(&w.def, &closed, "ok", msg, why, sizeof(why)),
	    CP_SEND_RETRY);
	CU_ASSERT_TRUE(starts_with(why,
	    "cannot connect to the webhook URL: "));
	CU_ASSERT_TRUE(ends_with(logged.last, " (will retry)"));

	/* No answer within the instance's timeout (1 s): retry later. */
	CU_ASSERT_EQUAL(send_to(&w.quick, &plain, "slow", msg, why,
	    sizeof(why)), CP_SEND_RETRY);
	CU_ASSERT_TRUE(starts_with(why, "Slack did not answer in time: "));
	CU_ASSERT_TRUE(starts_with(logged.last, "plugin notify-slack/quick: "
	    "destination 'ops': Slack did not answer in time: "));
	json_decref(next_post(&plain));
	json_decref(msg);
	world_close(&w);
}

static void
test_notify_slack_verifies_tls(void)
{
	json_t *msg, *body;
	struct world w;
	char why[512];

	msg = message1("en", text_block("section", "over TLS"));
	/* Trusting the sink's CA: delivered. */
	world_open(&w, ca_pem);
	CU_ASSERT_EQUAL(send_to(&w.def, &tls, "ok", msg, why, sizeof(why)),
	    CP_SEND_OK);
	body = next_post(&tls);
	CU_ASSERT_STRING_EQUAL(block_text(block(body, 0)), "over TLS");
	json_decref(body);
	world_close(&w);

	/* Trusting another CA only: a permanent failure, nothing sent. */
	world_open(&w, other_pem);
	CU_ASSERT_EQUAL(send_to(&w.def, &tls, "ok", msg, why, sizeof(why)),
	    CP_SEND_FAILED);
	CU_ASSERT_TRUE(starts_with(why, "the TLS certificate of the webhook "
	    "URL did not verify: "));
	CU_ASSERT_FALSE(has_new_post(&tls));
	world_close(&w);
	json_decref(msg);
}

/* Last: nothing logged during the whole run named a webhook URL. */
static void
test_notify_slack_never_logs_the_url(void)
{
	CU_ASSERT_TRUE(logged.lines > 20);
	CU_ASSERT_TRUE(logged.warnings >= 12);
	CU_ASSERT_EQUAL(logged.leaks, 0);
}

/* ------------------------------------------------------------ main */

static int
setup(void)
{
	if (pt_mkdtemp(workdir, sizeof(workdir)) != 0)
		return -1;
	snprintf(plugdir, sizeof(plugdir), "%s/plugins", workdir);
	snprintf(plain.dir, sizeof(plain.dir), "%s/posts", workdir);
	snprintf(tls.dir, sizeof(tls.dir), "%s/posts-tls", workdir);
	if (mkdir(plugdir, 0755) != 0 || copy_plugin() != 0)
		return -1;
	if (make_certs() != 0) {
		fprintf(stderr, "openssl failed\n");
		return -1;
	}
	if (sink_start(&plain) != 0 || sink_start(&tls) != 0) {
		fprintf(stderr, "slack_sink.py did not start\n");
		return -1;
	}
	return 0;
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "loads with defaults",
		    test_notify_slack_loads_with_defaults },
		{ "checks destinations",
		    test_notify_slack_checks_destinations },
		{ "posts Block Kit", test_notify_slack_posts_block_kit },
		{ "keeps text limits", test_notify_slack_keeps_text_limits },
		{ "cuts long lists", test_notify_slack_cuts_long_lists },
		{ "limits blocks", test_notify_slack_limits_blocks },
		{ "reads Slack's answers",
		    test_notify_slack_reads_slack_answers },
		{ "verifies TLS", test_notify_slack_verifies_tls },
		{ "never logs the URL", test_notify_slack_never_logs_the_url },
		{ NULL, NULL }
	};
	int rc = 2;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    cp_loader_global_init() != CP_OK)
		return 2;
	test_log = cp_log_create(CP_LOG_TO_STDERR, CP_LOG_DEBUG, "test");
	if (test_log == NULL)
		return 2;
	cp_log_set_hook(test_log, log_hook, NULL);
	if (setup() == 0)
		rc = cp_test_run("notify-slack", tests);
	sink_stop(&plain);
	sink_stop(&tls);
	if (workdir[0] != '\0')
		pt_rmtree(workdir);
	cp_log_destroy(test_log);
	curl_global_cleanup();
	return rc;
}
