/*
 * test_notify_mail.c - the notify-mail plugin as the core runs it: the
 * built module copied into a private plugin directory, loaded by the
 * registry, configured from an INI file read by cp_config_load, and its
 * send() driven against real SMTP servers (Debian's python3-aiosmtpd, see
 * smtp_server.py) with STARTTLS, implicit TLS and AUTH on certificates of
 * a throwaway CA made here with the openssl CLI.  What arrives is read
 * back with Python's email package (eml_summary.py).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include <cloudpatrol/message.h>
#include <cloudpatrol/plugin.h>

#include "config/config.h"
#include "cptest.h"
#include "log/log.h"
#include "plugin/loader.h"
#include "plugin/registry.h"
#include "util/diag.h"

#define PASSWORD "Pw-7kx!q9 Zr/secret"
#define WRONG_PASSWORD "Wr0ng-pass!word"
#define USERNAME "patrol"
#define FROM_NAME "クラウドパトロール 監視"
#define SUBJECT_JA "[cloudpatrol] 重大なリスクを検出しました"

static char tmp[512];			/* everything of this run */
static char mail_dir[600];		/* where the server saves */
static pid_t server_pid = -1;
static json_t *ports;			/* {"starttls": port, ...} */
static cp_registry *reg;
static cp_log *test_log;
static volatile int cancel_flag;
static const time_t fixed_when = 1700000000;	/* Tue, 14 Nov 2023 */

/* Every log line of the run, for the secret check. */
static char logged[1 << 16];
static size_t logged_len;

static void
log_hook(void *ud, int level, const char *subsys, const char *msg)
{
	int n;

	(void)ud;
	(void)level;
	n = snprintf(logged + logged_len, sizeof(logged) - logged_len,
	    "%s: %s\n", subsys, msg);
	if (n > 0 && (size_t)n < sizeof(logged) - logged_len)
		logged_len += (size_t)n;
}

static time_t
fixed_clock(void *ud)
{
	return *(const time_t *)ud;
}

/* Runs argv quietly (stdin and stdout on /dev/null); its exit status. */
static int
run(char *const argv[])
{
	pid_t pid;
	int st, fd;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs argv and returns what it printed (owned), or NULL. */
static char *
run_capture(char *const argv[])
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	int p[2], st;
	ssize_t n;
	pid_t pid;

	if (buf == NULL || pipe(p) != 0) {
		free(buf);
		return NULL;
	}
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while (pid > 0 && (n = read(p[0], buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap * 2);

			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	close(p[0]);
	buf[len] = '\0';
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fputs(text, fp);
	if (fclose(fp) != 0)
		return -1;
	return chmod(path, mode);
}

/* A CA (NAME-ca.pem) and a server certificate for 127.0.0.1 it signs. */
static int
make_pki(const char *name)
{
	char ca_key[700], ca_pem[700], key[700], csr[700], pem[700];
	char ext[700], subj[128];
	char *const ca[] = { "openssl", "req", "-x509", "-newkey", "ec",
	    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
	    ca_key, "-out", ca_pem, "-days", "2", "-subj", subj, "-addext",
	    "basicConstraints=critical,CA:TRUE", "-addext",
	    "keyUsage=critical,keyCertSign,cRLSign", NULL };
	char *const req[] = { "openssl", "req", "-newkey", "ec", "-pkeyopt",
	    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
	    csr, "-subj", "/CN=127.0.0.1", NULL };
	char *const sign[] = { "openssl", "x509", "-req", "-in", csr, "-CA",
	    ca_pem, "-CAkey", ca_key, "-set_serial", "2", "-days", "2",
	    "-extfile", ext, "-out", pem, NULL };

	snprintf(subj, sizeof(subj), "/CN=cloudpatrol %s test CA", name);
	snprintf(ca_key, sizeof(ca_key), "%s/%s-ca.key", tmp, name);
	snprintf(ca_pem, sizeof(ca_pem), "%s/%s-ca.pem", tmp, name);
	snprintf(key, sizeof(key), "%s/%s-server.key", tmp, name);
	snprintf(csr, sizeof(csr), "%s/%s-server.csr", tmp, name);
	snprintf(pem, sizeof(pem), "%s/%s-server.pem", tmp, name);
	snprintf(ext, sizeof(ext), "%s/server.ext", tmp);
	if (write_file(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
	    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
	    "extendedKeyUsage=serverAuth\n", 0600) != 0)
		return -1;
	return run(ca) == 0 && run(req) == 0 && run(sign) == 0 ? 0 : -1;
}

static const char *
srcdir_file(const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/plugins/notify-mail/%s", CP_TEST_SRCDIR(), name);
	return buf;
}

/* Starts smtp_server.py and waits for its ports. */
static int
start_server(void)
{
	char script[1024], ready[700], cert[700], key[700], ocert[700];
	char okey[700], pwfile[700];
	const char *py = cp_test_env("CP_PYTHON3", "/usr/bin/python3");
	char *const argv[] = { (char *)py, script, "--dir", mail_dir,
	    "--ready", ready, "--cert", cert, "--key", key, "--other-cert",
	    ocert, "--other-key", okey, "--user", USERNAME,
	    "--password-file", pwfile, NULL };
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	json_error_t err;
	int i, st;

	srcdir_file("smtp_server.py", script, sizeof(script));
	snprintf(ready, sizeof(ready), "%s/ports.json", tmp);
	snprintf(cert, sizeof(cert), "%s/good-server.pem", tmp);
	snprintf(key, sizeof(key), "%s/good-server.key", tmp);
	snprintf(ocert, sizeof(ocert), "%s/other-server.pem", tmp);
	snprintf(okey, sizeof(okey), "%s/other-server.key", tmp);
	snprintf(pwfile, sizeof(pwfile), "%s/smtp.pass", tmp);
	server_pid = fork();
	if (server_pid < 0)
		return -1;
	if (server_pid == 0) {
		execv(py, argv);
		_exit(127);
	}
	for (i = 0; i < 1500; i++) {
		if (access(ready, R_OK) == 0) {
			ports = json_load_file(ready, 0, &err);
			return ports != NULL ? 0 : -1;
		}
		if (waitpid(server_pid, &st, WNOHANG) == server_pid) {
			server_pid = -1;
			fprintf(stderr, "smtp_server.py exited (is "
			    "python3-aiosmtpd installed?)\n");
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return -1;
}

static long
port_of(const char *name)
{
	return (long)json_integer_value(json_object_get(ports, name));
}

/* A port nothing listens on: bound, then closed. */
static long
closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	long port = 1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(s, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

/* The INI of the run: one instance per kind of server. */
static int
write_ini(const char *path)
{
	char ini[8192];
	int n;

	n = snprintf(ini, sizeof(ini),
	    "[core]\n"
	    "state_dir = %s/state\n"
	    "\n"
	    "[plugin:notify-mail]\n"
	    "url = smtp://127.0.0.1:%ld\n"
	    "from = patrol@example.com\n"
	    "from_name = " FROM_NAME "\n"
	    "username = " USERNAME "\n"
	    "password_file = %s/smtp.pass\n"
	    "ca_file = %s/good-ca.pem\n"
	    "timeout = 10\n"
	    "helo = patrol.example.com\n"
	    "\n"
	    "[plugin:notify-mail/smtps]\n"
	    "url = smtps://127.0.0.1:%ld/\n"
	    "from = smtps@example.com\n"
	    "username = " USERNAME "\n"
	    "password_file = %s/smtp.pass\n"
	    "ca_file = %s/good-ca.pem\n"
	    "\n"
	    "[plugin:notify-mail/plain]\n"
	    "url = smtp://127.0.0.1:%ld\n"
	    "starttls = off\n"
	    "from = plain@example.com\n"
	    "from_name = Cloud \"Patrol\"\n"
	    "\n"
	    "[plugin:notify-mail/plain-required]\n"
	    "url = smtp://127.0.0.1:%ld\n"
	    "from = plain@example.com\n"
	    "\n"
	    "[plugin:notify-mail/tempfail]\n"
	    "url = smtp://127.0.0.1:%ld\n"
	    "from = patrol@example.com\n"
	    "username = " USERNAME "\n"
	    "password_file = %s/smtp.pass\n"
	    "ca_file = %s/good-ca.pem\n"
	    "\n"
	    "[plugin:notify-mail/othercert]\n"
	    "url = smtp://127.0.0.1:%ld\n"
	    "from = patrol@example.com\n"
	    "username = " USERNAME "\n"
	    "password_file = %s/smtp.pass\n"
	    "ca_file = %s/good-ca.pem\n"
	    "\n"
	    "[plugin:notify-mail/badpass]\n"
	    "url = smtp://127.0.0.1:%ld\n"
	    "from = patrol@example.com\n"
	    "username = " USERNAME "\n"
	    "password_file = %s/wrong.pass\n"
	    "ca_file = %s/good-ca.pem\n"
	    "\n"
	    "[plugin:notify-mail/closed]\n"
	    "url = smtp://127.0.0.1:%ld\n"
	    "from = patrol@example.com\n"
	    "timeout = 5\n",
	    tmp, port_of("starttls"), tmp, tmp,
	    port_of("smtps"), tmp, tmp,
	    port_of("plain"),
	    port_of("plain"),
	    port_of("tempfail"), tmp, tmp,
	    port_of("othercert"), tmp, tmp,
	    port_of("starttls"), tmp, tmp,
	    closed_port());
	if (n < 0 || (size_t)n >= sizeof(ini))
		return -1;
	return write_file(path, ini, 0600);
}

/* Copies the built plugin into dir (0755, ours). */
static int
copy_plugin(const char *dir)
{
	char src[1024], dst[1024], chunk[8192];
	int in, out = -1, rc = -1;
	ssize_t n;

	snprintf(src, sizeof(src), "%s/plugins/notify-mail/.libs/"
	    "notify-mail.so", CP_TEST_BUILDDIR());
	snprintf(dst, sizeof(dst), "%s/notify-mail.so", dir);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "cannot open %s (built?)\n", src);
		return -1;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
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

/* A registry with the plugin of plugdir configured by the INI at path. */
static cp_registry *
registry_from(const char *plugdir, const char *path)
{
	struct cp_registry_opts o;
	struct cp_config *cfg = NULL;
	struct cp_diag d;
	cp_registry *r = NULL;
	size_t i;
	cp_err e;

	memset(&o, 0, sizeof(o));
	o.log = test_log;
	o.clock = fixed_clock;
	o.clock_ud = (void *)&fixed_when;
	o.cancel = &cancel_flag;
	cp_diag_init(&d);
	e = cp_config_load(path, &cfg, &d);
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "config: %s\n", d.lines[i]);
	if (e != CP_OK)
		goto out;
	if (cp_registry_create(&o, &r) != CP_OK ||
	    cp_registry_load_dir(r, plugdir) != CP_OK ||
	    cp_registry_count(r) != 1 ||
	    cp_registry_configure(r, cfg, &d) != CP_OK ||
	    cp_registry_init(r) != CP_OK) {
		for (i = 0; i < d.n; i++)
			fprintf(stderr, "registry: %s\n", d.lines[i]);
		cp_registry_destroy(r);
		r = NULL;
	}
out:
	cp_diag_free(&d);
	cp_config_free(cfg);
	return r;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void
cleanup(void)
{
	int st;

	cp_registry_destroy(reg);
	reg = NULL;
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, &st, 0);
		server_pid = -1;
	}
	json_decref(ports);
	ports = NULL;
	if (tmp[0] != '\0')
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
setup(void)
{
	char plugdir[700], ini[700], path[700];

	snprintf(tmp, sizeof(tmp), "%s/cp-notify-mail.XXXXXX",
	    cp_test_env("TMPDIR", "/tmp"));
	if (mkdtemp(tmp) == NULL) {
		tmp[0] = '\0';
		return -1;
	}
	snprintf(mail_dir, sizeof(mail_dir), "%s/mail", tmp);
	snprintf(plugdir, sizeof(plugdir), "%s/plugins", tmp);
	snprintf(ini, sizeof(ini), "%s/cloudpatrol.ini", tmp);
	if (mkdir(mail_dir, 0700) != 0 || mkdir(plugdir, 0755) != 0 ||
	    copy_plugin(plugdir) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/smtp.pass", tmp);
	if (write_file(path, PASSWORD "\n", 0600) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/wrong.pass", tmp);
	if (write_file(path, WRONG_PASSWORD "\n", 0600) != 0)
		return -1;
	if (make_pki("good") != 0 || make_pki("other") != 0) {
		fprintf(stderr, "openssl could not make the test CA\n");
		return -1;
	}
	if (start_server() != 0 || write_ini(ini) != 0)
		return -1;
	reg = registry_from(plugdir, ini);
	return reg != NULL ? 0 : -1;
}

/* ---- helpers of the tests -------------------------------------------- */

/* The notifier of instance (NULL: found as "mail", the default one). */
static const struct cp_notifier_ops *
notifier(const char *instance, void **ctx)
{
	const struct cp_notifier_ops *ops = NULL;
	cp_plugin *p;

	*ctx = NULL;
	if (instance == NULL)
		p = cp_registry_find(reg, CP_CAP_NOTIFIER, "mail",
		    (const void **)&ops, ctx);
	else
		p = cp_registry_get(reg, "notify-mail", instance,
		    CP_CAP_NOTIFIER, (const void **)&ops, ctx);
	CU_ASSERT_PTR_NOT_NULL(p);
	return p != NULL ? ops : NULL;
}

/* send() of instance; why is kept for the caller. */
static int
send_via(const char *instance, const json_t *dest, const json_t *msg,
    char *why, size_t why_size)
{
	const struct cp_notifier_ops *ops;
	void *ctx;
	int r;

	ops = notifier(instance, &ctx);
	if (ops == NULL)
		return -1;
	r = ops->send(ctx, dest, msg, why, why_size);
	fprintf(stderr, "send via %s: %d: %s\n",
	    instance != NULL ? instance : "(default)", r, why);
	/* Never the password, whatever happened. */
	CU_ASSERT_PTR_NULL(strstr(why, PASSWORD));
	CU_ASSERT_PTR_NULL(strstr(why, WRONG_PASSWORD));
	return r;
}

static json_t *
dest_of(const char *type, const char *a, const char *b, const char *c)
{
	json_t *to = json_array();

	json_array_append_new(to, json_string(a));
	if (b != NULL)
		json_array_append_new(to, json_string(b));
	if (c != NULL)
		json_array_append_new(to, json_string(c));
	return json_pack("{s:s, s:s, s:o}", "name", "ops-team", "type", type,
	    "to", to);
}

static json_t *
message_of(const char *id, const char *subject, const char *text,
    const char *html)
{
	json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:s}", "message_id", id,
	    "kind", "risk", "lang", "ja", "subject", subject, "text", text);

	if (html != NULL)
		json_object_set_new(m, "html", json_string(html));
	return m;
}

/* What eml_summary.py makes of the message saved under id (and its
 * envelope in *env); NULL when nothing arrived. */
static json_t *
arrived(const char *id, json_t **env)
{
	char script[1024], eml[1024], meta[1024];
	const char *py = cp_test_env("CP_PYTHON3", "/usr/bin/python3");
	char *const argv[] = { (char *)py, script, eml, NULL };
	json_error_t err;
	json_t *summary;
	char *out;

	srcdir_file("eml_summary.py", script, sizeof(script));
	snprintf(eml, sizeof(eml), "%s/%.*s.eml", mail_dir,
	    (int)strlen(id) - 2, id + 1);
	snprintf(meta, sizeof(meta), "%s/%.*s.json", mail_dir,
	    (int)strlen(id) - 2, id + 1);
	if (access(eml, R_OK) != 0) {
		fprintf(stderr, "nothing arrived at %s\n", eml);
		return NULL;
	}
	if (env != NULL)
		*env = json_load_file(meta, 0, &err);
	out = run_capture(argv);
	if (out == NULL)
		return NULL;
	summary = json_loads(out, 0, &err);
	if (summary == NULL)
		fprintf(stderr, "eml_summary.py: %s\n", out);
	free(out);
	return summary;
}

static const char *
str_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "(none)";
}

static long long
int_of(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

#define ASSERT_STR(o, k, want)                                               \
	do {                                                                 \
		CU_ASSERT_STRING_EQUAL(str_of(o, k), want);                  \
		if (strcmp(str_of(o, k), want) != 0)                         \
			fprintf(stderr, "%s: got '%s', want '%s'\n", k,      \
			    str_of(o, k), want);                             \
	} while (0)

/* What every message must look like on the wire. */
static void
check_form(const json_t *s)
{
	CU_ASSERT_TRUE(int_of(s, "max_header_line") <= 76);
	CU_ASSERT_TRUE(int_of(s, "max_line") <= 78);
	CU_ASSERT_EQUAL(int_of(s, "bare_lf"), 0);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(s, "defects")), 0);
	CU_ASSERT_TRUE(json_is_true(json_object_get(s, "date_ok")));
	ASSERT_STR(s, "mime_version", "1.0");
	ASSERT_STR(s, "auto_submitted", "auto-generated");
	ASSERT_STR(s, "charset", "utf-8");
	ASSERT_STR(s, "cte", "base64");
}

static const char text_ja[] =
    "重大なリスクが 2 件見つかりました。\n"
    "\n"
    "- sg-0a1b2c: 0.0.0.0/0 から SSH (22/tcp) を許可しています\n"
    ". a line that starts with a dot\n"
    "From here on, a line that starts with From\n"
    "最後の行";

/* ---- the tests ------------------------------------------------------- */

static void
test_notify_mail_delivers_over_starttls(void)
{
	json_t *dest = dest_of("mail", "alice@example.com",
	    "bob@example.org", "carol@sub.example.net");
	json_t *msg = message_of("<cp.1.1@cloudpatrol>", SUBJECT_JA,
	    text_ja, NULL);
	json_t *s, *env = NULL, *to;
	char why[512];

	CU_ASSERT_EQUAL(send_via(NULL, dest, msg, why, sizeof(why)),
	    CP_SEND_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "delivered to 3 recipients"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "250"));
	s = arrived("<cp.1.1@cloudpatrol>", &env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	/* The envelope: over TLS, authenticated, all three recipients. */
	CU_ASSERT_TRUE(json_is_true(json_object_get(env, "tls")));
	ASSERT_STR(env, "login", USERNAME);
	ASSERT_STR(env, "mail_from", "patrol@example.com");
	ASSERT_STR(env, "helo", "patrol.example.com");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(env, "rcpt_tos")), 3);
	/* The headers, decoded by Python. */
	ASSERT_STR(s, "subject", SUBJECT_JA);
	ASSERT_STR(s, "from_name", FROM_NAME);
	ASSERT_STR(s, "from_addr", "patrol@example.com");
	ASSERT_STR(s, "message_id", "<cp.1.1@cloudpatrol>");
	/* The host's clock, in RFC 5322 form. */
	ASSERT_STR(s, "date", "Tue, 14 Nov 2023 22:13:20 +0000");
	ASSERT_STR(s, "content_type", "text/plain");
	to = json_object_get(s, "to");
	CU_ASSERT_EQUAL_FATAL(json_array_size(to), 3);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(to, 0)),
	    "alice@example.com");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(to, 2)),
	    "carol@sub.example.net");
	/* The body, whole, dots and "From " included. */
	ASSERT_STR(s, "text", text_ja);
	CU_ASSERT_TRUE(json_is_null(json_object_get(s, "html")));
	check_form(s);
	json_decref(s);
	json_decref(env);
	json_decref(dest);
	json_decref(msg);
}

static void
test_notify_mail_sends_html_alternative(void)
{
	static const char subject[] =
	    "[cloudpatrol] 日次レポート: 本番環境 (prod-account-123456789012) "
	    "で重大なリスク 12 件、高リスク 34 件、"
	    "中リスク 56 件を検出しました";
	static const char html[] =
	    "<html><body><h1>日次レポート</h1>\n"
	    "<p>重大なリスク: <b>12</b></p></body></html>\n";
	/* A Teams channel travels as mail. */
	json_t *dest = dest_of("teams", "abc123.example.onmicrosoft.com@"
	    "emea.teams.ms", NULL, NULL);
	json_t *msg = message_of("<cp.2.1@cloudpatrol>", subject, text_ja,
	    html);
	json_t *s, *parts;
	char why[512];

	CU_ASSERT_EQUAL(send_via(NULL, dest, msg, why, sizeof(why)),
	    CP_SEND_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "delivered to 1 recipient via"));
	s = arrived("<cp.2.1@cloudpatrol>", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* A long subject: several encoded words, decoded back whole. */
	ASSERT_STR(s, "subject", subject);
	ASSERT_STR(s, "content_type", "multipart/alternative");
	parts = json_object_get(s, "parts");
	CU_ASSERT_EQUAL_FATAL(json_array_size(parts), 3);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(parts, 1)),
	    "text/plain");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(parts, 2)),
	    "text/html");
	ASSERT_STR(s, "text", text_ja);
	ASSERT_STR(s, "html", html);
	check_form(s);
	json_decref(s);
	json_decref(dest);
	json_decref(msg);
}

static void
test_notify_mail_uses_implicit_tls(void)
{
	json_t *dest = dest_of("mail", "alice@example.com", NULL, NULL);
	json_t *msg = message_of("<cp.3.1@cloudpatrol>", "[cloudpatrol] "
	    "plain ASCII subject", "hello\n", NULL);
	json_t *s, *env = NULL;
	char why[512];

	CU_ASSERT_EQUAL(send_via("smtps", dest, msg, why, sizeof(why)),
	    CP_SEND_OK);
	s = arrived("<cp.3.1@cloudpatrol>", &env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	CU_ASSERT_TRUE(json_is_true(json_object_get(env, "tls")));
	ASSERT_STR(env, "login", USERNAME);
	ASSERT_STR(s, "subject", "[cloudpatrol] plain ASCII subject");
	/* The default display name. */
	ASSERT_STR(s, "from_name", "cloudpatrol");
	ASSERT_STR(s, "from_addr", "smtps@example.com");
	ASSERT_STR(s, "text", "hello\n");
	check_form(s);
	json_decref(s);
	json_decref(env);
	json_decref(dest);
	json_decref(msg);
}

static void
test_notify_mail_needs_starttls_when_required(void)
{
	json_t *dest = dest_of("mail", "alice@example.com", NULL, NULL);
	json_t *msg = message_of("<cp.4.1@cloudpatrol>", "no TLS here",
	    "hello\n", NULL);
	json_t *s, *env = NULL;
	char why[512];

	/* starttls = required against a server without STARTTLS. */
	CU_ASSERT_EQUAL(send_via("plain-required", dest, msg, why,
	    sizeof(why)), CP_SEND_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "STARTTLS"));
	CU_ASSERT_EQUAL(access(mail_dir, F_OK), 0);
	s = arrived("<cp.4.1@cloudpatrol>", NULL);
	CU_ASSERT_PTR_NULL(s);
	json_decref(s);

	/* starttls = off sends in the clear; the same Message-ID twice
	 * (a retry) arrives twice with it. */
	CU_ASSERT_EQUAL(send_via("plain", dest, msg, why, sizeof(why)),
	    CP_SEND_OK);
	CU_ASSERT_EQUAL(send_via("plain", dest, msg, why, sizeof(why)),
	    CP_SEND_OK);
	s = arrived("<cp.4.1@cloudpatrol>", &env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	CU_ASSERT_TRUE(json_is_false(json_object_get(env, "tls")));
	ASSERT_STR(s, "from_name", "Cloud \"Patrol\"");
	check_form(s);
	json_decref(s);
	json_decref(env);
	{
		char second[1024];

		snprintf(second, sizeof(second), "%s/cp.4.1@cloudpatrol.2.eml",
		    mail_dir);
		CU_ASSERT_EQUAL(access(second, R_OK), 0);
	}
	json_decref(dest);
	json_decref(msg);
}

static void
test_notify_mail_retries_on_4xx(void)
{
	json_t *dest = dest_of("mail", "alice@example.com", NULL, NULL);
	json_t *busy = dest_of("mail", "alice@example.com",
	    "busy-bob@example.com", NULL);
	json_t *msg = message_of("<cp.5.1@cloudpatrol>", "4xx", "hello\n",
	    NULL);
	char why[512];

	/* 451 at the end of DATA. */
	CU_ASSERT_EQUAL(send_via("tempfail", dest, msg, why, sizeof(why)),
	    CP_SEND_RETRY);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "451 4.3.0 Queue full"));
	/* 451 for one recipient. */
	CU_ASSERT_EQUAL(send_via(NULL, busy, msg, why, sizeof(why)),
	    CP_SEND_RETRY);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "451 4.2.1"));
	CU_ASSERT_PTR_NULL(arrived("<cp.5.1@cloudpatrol>", NULL));
	json_decref(dest);
	json_decref(busy);
	json_decref(msg);
}

static void
test_notify_mail_fails_on_5xx(void)
{
	json_t *dest = dest_of("mail", "alice@example.com",
	    "nobody@example.com", NULL);
	json_t *msg = message_of("<cp.6.1@cloudpatrol>", "5xx", "hello\n",
	    NULL);
	char why[512];

	CU_ASSERT_EQUAL(send_via(NULL, dest, msg, why, sizeof(why)),
	    CP_SEND_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "550 5.1.1 No such user here"));
	CU_ASSERT_PTR_NULL(arrived("<cp.6.1@cloudpatrol>", NULL));
	json_decref(dest);
	json_decref(msg);
}

static void
test_notify_mail_retries_unreachable(void)
{
	json_t *dest = dest_of("mail", "alice@example.com", NULL, NULL);
	json_t *msg = message_of("<cp.7.1@cloudpatrol>", "nobody listens",
	    "hello\n", NULL);
	char why[512];

	CU_ASSERT_EQUAL(send_via("closed", dest, msg, why, sizeof(why)),
	    CP_SEND_RETRY);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "cannot reach smtp://127.0.0.1:"));
	json_decref(dest);
	json_decref(msg);
}

static void
test_notify_mail_fails_foreign_certificate(void)
{
	json_t *dest = dest_of("mail", "alice@example.com", NULL, NULL);
	json_t *msg = message_of("<cp.8.1@cloudpatrol>", "wrong CA",
	    "hello\n", NULL);
	char why[512];

	CU_ASSERT_EQUAL(send_via("othercert", dest, msg, why, sizeof(why)),
	    CP_SEND_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "certificate did not verify"));
	CU_ASSERT_PTR_NULL(arrived("<cp.8.1@cloudpatrol>", NULL));
	json_decref(dest);
	json_decref(msg);
}

static void
test_notify_mail_keeps_the_password_secret(void)
{
	json_t *dest = dest_of("mail", "alice@example.com", NULL, NULL);
	json_t *msg = message_of("<cp.9.1@cloudpatrol>", "bad password",
	    "hello\n", NULL);
	char why[512];

	/* 535 from the server: permanent, and says so. */
	CU_ASSERT_EQUAL(send_via("badpass", dest, msg, why, sizeof(why)),
	    CP_SEND_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "535"));
	CU_ASSERT_PTR_NULL(arrived("<cp.9.1@cloudpatrol>", NULL));
	/* Nothing logged so far (init, every send) holds a password. */
	CU_ASSERT_TRUE(logged_len > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(logged, "plugin notify-mail"));
	CU_ASSERT_PTR_NOT_NULL(strstr(logged, "535"));
	CU_ASSERT_PTR_NULL(strstr(logged, PASSWORD));
	CU_ASSERT_PTR_NULL(strstr(logged, WRONG_PASSWORD));
	json_decref(dest);
	json_decref(msg);
}

/* check_destination: one sentence per problem. */
static void
test_notify_mail_checks_destinations(void)
{
	const struct cp_notifier_ops *ops;
	json_t *d, *to;
	char why[1024];
	void *ctx;
	int i;

	ops = notifier(NULL, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
	CU_ASSERT_STRING_EQUAL(ops->dest_type, "mail");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ops->check_destination);

	d = dest_of("mail", "a@example.com", "b@example.com", NULL);
	CU_ASSERT_EQUAL(ops->check_destination(ctx, d, why, sizeof(why)),
	    CP_OK);
	json_decref(d);
	d = dest_of("teams", "x.y@emea.teams.ms", NULL, NULL);
	CU_ASSERT_EQUAL(ops->check_destination(ctx, d, why, sizeof(why)),
	    CP_OK);
	json_decref(d);

	d = dest_of("slack", "a b@example.com", "<c@example.com>",
	    "d@exa_mple.com");
	CU_ASSERT_EQUAL(ops->check_destination(ctx, d, why, sizeof(why)),
	    CP_E_INVALID);
	fprintf(stderr, "why: %s\n", why);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "type must be mail or teams"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "to[0] 'a b@example.com' is not "
	    "a valid e-mail address"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "to[1] '<c@example.com>'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "character '<'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "to[2] 'd@exa_mple.com'"));
	json_decref(d);

	d = dest_of("mail", "a@example.com\r\nBcc: evil@example.com", NULL,
	    NULL);
	CU_ASSERT_EQUAL(ops->check_destination(ctx, d, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "to[0]"));
	CU_ASSERT_PTR_NULL(strchr(why, '\n'));
	json_decref(d);

	d = json_pack("{s:s, s:[]}", "type", "mail", "to");
	CU_ASSERT_EQUAL(ops->check_destination(ctx, d, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "non-empty array"));
	json_decref(d);
	d = json_pack("{s:s}", "type", "mail");
	CU_ASSERT_EQUAL(ops->check_destination(ctx, d, why, sizeof(why)),
	    CP_E_INVALID);
	json_decref(d);
	d = json_pack("{s:s, s:[i]}", "type", "mail", "to", 42);
	CU_ASSERT_EQUAL(ops->check_destination(ctx, d, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "to[0] is not a string"));
	json_decref(d);

	to = json_array();
	for (i = 0; i < 101; i++) {
		char a[64];

		snprintf(a, sizeof(a), "user%d@example.com", i);
		json_array_append_new(to, json_string(a));
	}
	d = json_pack("{s:s, s:o}", "type", "mail", "to", to);
	CU_ASSERT_EQUAL(ops->check_destination(ctx, d, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "101 addresses (at most 100)"));
	json_array_remove(to, 0);
	CU_ASSERT_EQUAL(ops->check_destination(ctx, d, why, sizeof(why)),
	    CP_OK);
	json_decref(d);
	CU_ASSERT_EQUAL(ops->check_destination(ctx, NULL, why, sizeof(why)),
	    CP_E_INVALID);
}

/* What would break the message is refused before any connection. */
static void
test_notify_mail_refuses_injection(void)
{
	json_t *good = dest_of("mail", "alice@example.com", NULL, NULL);
	json_t *bad = dest_of("mail", "alice@example.com\r\nRCPT TO:<x@y.z>",
	    NULL, NULL);
	json_t *msg;
	char why[512], *big;

	msg = message_of("<cp.10.1@cloudpatrol>", "fine", "hello\n", NULL);
	CU_ASSERT_EQUAL(send_via(NULL, bad, msg, why, sizeof(why)),
	    CP_SEND_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "bad destination"));
	json_decref(msg);

	msg = message_of("<cp.10.2@cloudpatrol>",
	    "subject\r\nBcc: evil@example.com", "hello\n", NULL);
	CU_ASSERT_EQUAL(send_via(NULL, good, msg, why, sizeof(why)),
	    CP_SEND_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "line break"));
	json_decref(msg);

	msg = message_of("<cp 10.3@cloudpatrol>", "fine", "hello\n", NULL);
	CU_ASSERT_EQUAL(send_via(NULL, good, msg, why, sizeof(why)),
	    CP_SEND_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "Message-ID"));
	json_decref(msg);

	msg = json_pack("{s:s, s:s}", "message_id", "<cp.10.4@cloudpatrol>",
	    "subject", "no text");
	CU_ASSERT_EQUAL(send_via(NULL, good, msg, why, sizeof(why)),
	    CP_SEND_FAILED);
	json_decref(msg);

	msg = json_pack("{s:s, s:s, s:s#}", "message_id",
	    "<cp.10.5@cloudpatrol>", "subject", "NUL", "text", "a\0b",
	    (size_t)3);
	CU_ASSERT_EQUAL(send_via(NULL, good, msg, why, sizeof(why)),
	    CP_SEND_FAILED);
	json_decref(msg);

	big = malloc(CP_MESSAGE_MAX + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, 'x', CP_MESSAGE_MAX + 1);
	big[CP_MESSAGE_MAX + 1] = '\0';
	msg = message_of("<cp.10.6@cloudpatrol>", "big", big, NULL);
	CU_ASSERT_EQUAL(send_via(NULL, good, msg, why, sizeof(why)),
	    CP_SEND_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "too large"));
	json_decref(msg);
	free(big);

	/* Cancelled before it starts: passing. */
	msg = message_of("<cp.10.7@cloudpatrol>", "fine", "hello\n", NULL);
	cancel_flag = 1;
	CU_ASSERT_EQUAL(send_via(NULL, good, msg, why, sizeof(why)),
	    CP_SEND_RETRY);
	cancel_flag = 0;
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "cancelled"));
	json_decref(msg);
	CU_ASSERT_PTR_NULL(arrived("<cp.10.2@cloudpatrol>", NULL));
	json_decref(good);
	json_decref(bad);
}

/* Two instances, two contexts, two servers. */
static void
test_notify_mail_runs_instances_apart(void)
{
	void *a, *b;

	CU_ASSERT_PTR_NOT_NULL(notifier(NULL, &a));
	CU_ASSERT_PTR_NOT_NULL(notifier("smtps", &b));
	CU_ASSERT_PTR_NOT_NULL(a);
	CU_ASSERT_PTR_NOT_NULL(b);
	CU_ASSERT_PTR_NOT_EQUAL(a, b);
	/* Each says which server it uses, at init. */
	CU_ASSERT_PTR_NOT_NULL(strstr(logged, "plugin notify-mail/smtps: "
	    "SMTP server smtps://127.0.0.1:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(logged, "STARTTLS required), sender "
	    "patrol@example.com"));
}

/* Configurations init() refuses: the instance stays off, with a reason. */
static void
test_notify_mail_refuses_bad_config(void)
{
	static const struct {
		const char *keys;
		const char *logged;
	} cases[] = {
		{ "url = http://127.0.0.1:25\nfrom = a@example.com\n",
		    "url must start with smtp:// or smtps://" },
		{ "url = smtp://user:pw@127.0.0.1\nfrom = a@example.com\n",
		    "url must not hold credentials" },
		{ "url = smtp://127.0.0.1:99999\nfrom = a@example.com\n",
		    "url has a bad port" },
		{ "url = smtp://127.0.0.1/x\nfrom = a@example.com\n",
		    "url must not have a path" },
		{ "url = smtp://127.0.0.1\nfrom = a@example.com\n"
		    "starttls = maybe\n", "starttls must be required or off" },
		{ "url = smtp://127.0.0.1\nfrom = not an address\n",
		    "from contains a blank" },
		{ "url = smtp://127.0.0.1\nfrom = a@example\n"
		    "from_name = \xff\n",
		    "from_name must be one line of UTF-8" },
		{ "url = smtp://127.0.0.1\nfrom = a@example.com\n"
		    "username = u\n",
		    "username and password_file go together" },
		{ "url = smtp://127.0.0.1\nfrom = a@example.com\n"
		    "helo = bad name\n", "helo must be a host name" },
		{ "url = smtp://127.0.0.1\nfrom = a@example.com\n"
		    "ca_file = /nonexistent/ca.pem\n", "ca_file" },
		{ "url = smtp://127.0.0.1\nfrom = a@example.com\n"
		    "username = u\npassword_file = ",
		    "password_file cannot be used" },
	};
	char dir[700], ini[700], text[2048], path[700];
	struct cp_plugin_info pi;
	cp_registry *r;
	size_t i;

	snprintf(dir, sizeof(dir), "%s/plugins", tmp);
	snprintf(ini, sizeof(ini), "%s/bad.ini", tmp);
	snprintf(path, sizeof(path), "%s/open.pass", tmp);
	CU_ASSERT_EQUAL_FATAL(write_file(path, "pw\n", 0644), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* A key left open at the end names the world-readable file. */
		snprintf(text, sizeof(text), "[core]\nstate_dir = %s/state\n"
		    "[plugin:notify-mail]\n%s%s\n", tmp, cases[i].keys,
		    cases[i].keys[strlen(cases[i].keys) - 1] == ' ' ? path :
		    "");
		CU_ASSERT_EQUAL_FATAL(write_file(ini, text, 0600), 0);
		logged_len = 0;
		logged[0] = '\0';
		r = registry_from(dir, ini);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(cp_registry_info(r, 0, &pi), CP_OK);
		CU_ASSERT_FALSE(pi.initialised);
		CU_ASSERT_PTR_NULL(cp_registry_find(r, CP_CAP_NOTIFIER, "mail",
		    NULL, NULL));
		CU_ASSERT_PTR_NOT_NULL(strstr(logged, cases[i].logged));
		if (strstr(logged, cases[i].logged) == NULL)
			fprintf(stderr, "case %zu: want '%s' in:\n%s\n", i,
			    cases[i].logged, logged);
		cp_registry_destroy(r);
	}
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "delivers over STARTTLS",
		    test_notify_mail_delivers_over_starttls },
		{ "sends HTML as multipart/alternative",
		    test_notify_mail_sends_html_alternative },
		{ "uses implicit TLS", test_notify_mail_uses_implicit_tls },
		{ "needs STARTTLS when required",
		    test_notify_mail_needs_starttls_when_required },
		{ "retries on 4xx", test_notify_mail_retries_on_4xx },
		{ "fails on 5xx", test_notify_mail_fails_on_5xx },
		{ "retries unreachable", test_notify_mail_retries_unreachable },
		{ "fails foreign certificate",
		    test_notify_mail_fails_foreign_certificate },
		{ "keeps the password secret",
		    test_notify_mail_keeps_the_password_secret },
		{ "checks destinations", test_notify_mail_checks_destinations },
		{ "refuses injection", test_notify_mail_refuses_injection },
		{ "runs instances apart",
		    test_notify_mail_runs_instances_apart },
		{ "refuses bad config", test_notify_mail_refuses_bad_config },
		{ NULL, NULL }
	};
	int rc = 1;

	/* What the core's main() does before any plugin runs. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	test_log = cp_log_create(CP_LOG_TO_STDERR, CP_LOG_DEBUG, "test");
	if (test_log == NULL || cp_loader_global_init() != CP_OK)
		return 1;
	cp_log_set_hook(test_log, log_hook, NULL);
	if (setup() == 0)
		rc = cp_test_run("plugins/notify-mail", tests);
	else
		fprintf(stderr, "test_notify_mail: setup failed\n");
	cleanup();
	cp_log_destroy(test_log);
	curl_global_cleanup();
	return rc;
}
