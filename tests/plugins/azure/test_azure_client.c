/*
 * test_azure_client.c - the azure plugin's client (plugins/azure/
 * client.c, assertion.c): sessions and their checks, the certificate
 * assertion verified with OpenSSL, tokens cached per audience and
 * refreshed, a 401 answered with a new token, paging, ARM and Entra
 * errors, throttling, the permissions API's wildcards, and a token never
 * sent outside its base URL; remediation (an NSG rule set to Deny, a VM
 * deallocated, a Reader subscription refused before any change, dry
 * run).  Driven through a host table of our own
 * that lends the core's HTTP client and parsers and counts token
 * requests, against the fake Azure (tests/fakes/azure, pages of 2).
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "azure.h"
#include "cptest.h"
#include "net/http_client.h"
#include "util/util.h"

#define TENANT "7a1c3e52-9d4b-4f0e-8a6c-2b5d9e7f1a30"
#define APP "3f6b8e21-4c7d-4a9e-b1f2-6d8c0e5a7b94"
#define SECRET "demo-azure-secret-0001"
#define PROD "1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081"
#define DEV "9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4"
#define NSGS "/subscriptions/" PROD "/providers/Microsoft.Network/" \
	"networkSecurityGroups?api-version=2023-09-01"

static struct {
	char dir[256];
	pid_t fake;
	int port;
	char url[64];
	cp_http_pool *pool;
	pthread_mutex_t mu;
	long offset;			/* added to the clock */
	unsigned tokens;		/* token requests */
} w;

/* ------------------------------------------------------------ host */

static void
th_log(cp_plugin *self, int level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	(void)self;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "  [log %d] %s\n", level, line);
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
	(void)self;
	return 0;
}

static cp_http *
th_http_new(cp_plugin *self)
{
	(void)self;
	return cp_http_create(w.pool);
}

static cp_err
th_http_perform(cp_http *http, const struct cp_http_request *req,
    struct cp_http_response **resp)
{
	if (strstr(req->url, "/oauth2/v2.0/token") != NULL) {
		pthread_mutex_lock(&w.mu);
		w.tokens++;
		pthread_mutex_unlock(&w.mu);
	}
	return cp_http_perform(http, req, resp);
}

static const struct cp_host host = {
	.struct_size = sizeof(struct cp_host),
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.log = th_log,
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

static const char *
src_path(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s/%s", cp_test_env("CP_TOP_SRCDIR", CP_ABS_SRCDIR),
	    rel);
	return buf;
}

static int
fake_start(void)
{
	char script[1024], estate[1024], portfile[512], buf[16];
	const char *py = cp_test_env("CP_PYTHON3", "/usr/bin/python3");
	FILE *f;
	int i;

	src_path(script, sizeof(script), "tests/fakes/azure/fakeazure.py");
	src_path(estate, sizeof(estate), "tests/fakes/azure/estates/demo");
	snprintf(portfile, sizeof(portfile), "%s/port", w.dir);
	w.fake = fork();
	if (w.fake < 0)
		return -1;
	if (w.fake == 0) {
		setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
		execl(py, py, script, "--estate", estate, "--port-file",
		    portfile, "--page-size", "2", "--quiet", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 300 && w.port <= 0; i++) {
		f = fopen(portfile, "r");
		if (f != NULL) {
			buf[0] = '\0';
			if (fgets(buf, sizeof(buf), f) != NULL)
				w.port = atoi(buf);
			fclose(f);
		}
		if (w.port <= 0)
			usleep(20000);
	}
	if (w.port <= 0) {
		fprintf(stderr, "the fake Azure did not start\n");
		return -1;
	}
	snprintf(w.url, sizeof(w.url), "http://127.0.0.1:%d", w.port);
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

	snprintf(url, sizeof(url), "%s%s", w.url, path);
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

/* ------------------------------------------------------------ plugin */

static struct azure_plugin plugin;

static void
plugin_reset(void)
{
	memset(&plugin, 0, sizeof(plugin));
	plugin.host = &host;
	plugin.login_url = w.url;
	plugin.base[AZ_ARM] = w.url;
	plugin.base[AZ_GRAPH] = w.url;
	plugin.scope[AZ_ARM] = "https://management.azure.com/.default";
	plugin.scope[AZ_GRAPH] = "https://graph.microsoft.com/.default";
	CU_ASSERT_EQUAL(fake_ctl("POST", "/__reset", NULL), 200);
	pthread_mutex_lock(&w.mu);
	w.offset = 0;
	w.tokens = 0;
	pthread_mutex_unlock(&w.mu);
}

static char *
read_text(const char *rel)
{
	char path[1024], *text = NULL;
	size_t len;

	src_path(path, sizeof(path), rel);
	if (cp_file_read(path, 1 << 20, &text, &len) != CP_OK)
		return NULL;
	return text;
}

static struct az_session *
open_ok(json_t *creds, struct az_client *c)
{
	struct az_session *s = NULL;
	char why[256];

	CU_ASSERT_EQUAL_FATAL(az_session_open(&plugin, creds, &s, why,
	    sizeof(why)), CP_OK);
	json_decref(creds);
	CU_ASSERT_EQUAL_FATAL(az_client_init(c, s), CP_OK);
	return s;
}

static void
close_both(struct az_session *s, struct az_client *c)
{
	az_client_fini(c);
	az_session_close(s);
}

static json_t *
secret_creds(const char *secret)
{
	return json_pack("{s:s, s:s, s:s}", "tenant_id", TENANT,
	    "client_id", APP, "client_secret", secret);
}

/* ------------------------------------------------------------ tests */

static void
test_session_checks(void)
{
	struct az_session *s = NULL;
	char why[256];
	json_t *c;

	plugin_reset();
	c = json_pack("{s:s, s:s}", "tenant_id", TENANT, "client_id", APP);
	CU_ASSERT_EQUAL(az_session_open(&plugin, c, &s, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "client secret or a certificate"));
	json_object_set_new(c, "client_secret", json_string("x"));
	json_object_set_new(c, "certificate", json_string("y"));
	CU_ASSERT_EQUAL(az_session_open(&plugin, c, &s, why, sizeof(why)),
	    CP_E_INVALID);
	json_decref(c);
	c = json_pack("{s:s, s:s, s:s}", "tenant_id", "a/b?c", "client_id",
	    APP, "client_secret", "x");
	CU_ASSERT_EQUAL(az_session_open(&plugin, c, &s, why, sizeof(why)),
	    CP_E_INVALID);
	json_decref(c);
	CU_ASSERT_PTR_NULL(s);
}

/* Decodes base64url into buf; its length, or -1. */
static int
unb64url(const char *s, size_t n, unsigned char *buf, size_t cap)
{
	char tmp[4096];
	size_t i, m;
	int len;

	if (n + 4 >= sizeof(tmp))
		return -1;
	for (i = 0; i < n; i++)
		tmp[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	m = n;
	while (m % 4 != 0)
		tmp[m++] = '=';
	tmp[m] = '\0';
	if (m / 4 * 3 > cap)
		return -1;
	len = EVP_DecodeBlock(buf, (unsigned char *)tmp, (int)m);
	if (len < 0)
		return -1;
	return len - (int)(m - n);
}

static void
test_assertion(void)
{
	char *pem = read_text("tests/fakes/azure/estates/demo/app-client.pem");
	char *jwt = NULL, why[256];
	const char *dot1, *dot2;
	unsigned char head[1024], sig[1024], *der = NULL, digest[32];
	unsigned int dlen;
	json_t *h, *claims;
	EVP_MD_CTX *md;
	X509 *cert;
	BIO *b;
	int hl, cl, sl, derlen;
	char expect[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(pem);
	CU_ASSERT_EQUAL_FATAL(az_client_assertion(pem, APP,
	    "https://login.example/t/oauth2/v2.0/token", 1716163200, &jwt,
	    why, sizeof(why)), CP_OK);
	dot1 = strchr(jwt, '.');
	dot2 = dot1 != NULL ? strchr(dot1 + 1, '.') : NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(dot2);
	hl = unb64url(jwt, (size_t)(dot1 - jwt), head, sizeof(head) - 1);
	CU_ASSERT_FATAL(hl > 0);
	head[hl] = '\0';
	h = json_loads((char *)head, 0, NULL);
	CU_ASSERT_STRING_EQUAL(az_str(h, "alg"), "RS256");
	cl = unb64url(dot1 + 1, (size_t)(dot2 - dot1 - 1), head,
	    sizeof(head) - 1);
	CU_ASSERT_FATAL(cl > 0);
	head[cl] = '\0';
	claims = json_loads((char *)head, 0, NULL);
	CU_ASSERT_STRING_EQUAL(az_str(claims, "iss"), APP);
	CU_ASSERT_STRING_EQUAL(az_str(claims, "sub"), APP);
	CU_ASSERT_STRING_EQUAL(az_str(claims, "aud"),
	    "https://login.example/t/oauth2/v2.0/token");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(claims, "exp")),
	    1716163200 + 600);
	CU_ASSERT_EQUAL(strlen(az_str(claims, "jti")), 32);

	/* x5t#S256 is the certificate's SHA-256, and the signature
	 * verifies with its key. */
	b = BIO_new_mem_buf(pem, -1);
	cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cert);
	derlen = i2d_X509(cert, &der);
	EVP_Digest(der, (size_t)derlen, digest, &dlen, EVP_sha256(), NULL);
	OPENSSL_free(der);
	hl = EVP_EncodeBlock((unsigned char *)expect, digest, 32);
	expect[hl - 1] = '\0';		/* one '=' of padding */
	for (hl = 0; expect[hl] != '\0'; hl++)
		expect[hl] = expect[hl] == '+' ? '-' : expect[hl] == '/' ?
		    '_' : expect[hl];
	CU_ASSERT_STRING_EQUAL(az_str(h, "x5t#S256"), expect);
	sl = unb64url(dot2 + 1, strlen(dot2 + 1), sig, sizeof(sig));
	CU_ASSERT_EQUAL(sl, 256);
	md = EVP_MD_CTX_new();
	CU_ASSERT_EQUAL(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
	    X509_get0_pubkey(cert)), 1);
	CU_ASSERT_EQUAL(EVP_DigestVerify(md, sig, (size_t)sl,
	    (const unsigned char *)jwt, (size_t)(dot2 - jwt)), 1);
	EVP_MD_CTX_free(md);
	X509_free(cert);
	json_decref(h);
	json_decref(claims);
	free(jwt);

	/* A certificate alone (no key) is refused with a reason. */
	jwt = NULL;
	CU_ASSERT_EQUAL(az_client_assertion(strstr(pem, "-----BEGIN CERT"),
	    APP, "x", 0, &jwt, why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "private key"));
	CU_ASSERT_PTR_NULL(jwt);
	free(pem);
}

static void
test_permissions(void)
{
	json_t *reader = json_loads("{\"value\": [{\"actions\": [\"*/read\"],"
	    " \"notActions\": []}]}", 0, NULL);
	json_t *contrib = json_loads("{\"value\": [{\"actions\": [\"*\"], "
	    "\"notActions\": [\"Microsoft.Authorization/*/Write\"]}]}", 0,
	    NULL);
	json_t *nsg_only = json_loads("{\"value\": [{\"actions\": "
	    "[\"microsoft.network/networkSecurityGroups/*\"]}, {\"actions\": "
	    "[\"*\"], \"notActions\": [\"Microsoft.Compute/*\"]}]}", 0, NULL);
	const char *rule =
	    "Microsoft.Network/networkSecurityGroups/securityRules/write";
	const char *stop = "Microsoft.Compute/virtualMachines/deallocate/action";

	CU_ASSERT_FALSE(az_permissions_allow(reader, rule));
	CU_ASSERT_TRUE(az_permissions_allow(reader,
	    "Microsoft.Network/networkSecurityGroups/read"));
	CU_ASSERT_TRUE(az_permissions_allow(contrib, rule));
	CU_ASSERT_TRUE(az_permissions_allow(contrib, stop));
	CU_ASSERT_FALSE(az_permissions_allow(contrib,
	    "Microsoft.Authorization/roleAssignments/write"));
	CU_ASSERT_TRUE(az_permissions_allow(nsg_only, rule));
	CU_ASSERT_FALSE(az_permissions_allow(nsg_only, stop));
	CU_ASSERT_FALSE(az_permissions_allow(NULL, rule));
	json_decref(reader);
	json_decref(contrib);
	json_decref(nsg_only);
}

static cp_err
count_item(void *ud, json_t *item)
{
	(void)item;
	(*(int *)ud)++;
	return CP_OK;
}

static void
test_tokens_and_paging(void)
{
	struct az_client c;
	struct az_session *s;
	struct az_error err;
	json_t *out = NULL;
	int n = 0;

	plugin_reset();
	s = open_ok(secret_creds(SECRET), &c);
	CU_ASSERT_EQUAL(az_list(&c, AZ_ARM, NSGS, count_item, &n, &err),
	    CP_OK);
	CU_ASSERT_EQUAL(n, 3);			/* two pages */
	CU_ASSERT_EQUAL(az_get(&c, AZ_GRAPH, "/v1.0/directoryRoles", &out,
	    &err), CP_OK);
	json_decref(out);
	CU_ASSERT_EQUAL(w.tokens, 2);		/* one per audience */
	/* Cached until AZ_REFRESH_MARGIN before it expires (3599 s). */
	w.offset = 3599 - AZ_REFRESH_MARGIN - 10;
	CU_ASSERT_EQUAL(az_get(&c, AZ_ARM, NSGS, &out, &err), CP_OK);
	json_decref(out);
	CU_ASSERT_EQUAL(w.tokens, 2);
	w.offset = 3599 - AZ_REFRESH_MARGIN + 1;
	CU_ASSERT_EQUAL(az_get(&c, AZ_ARM, NSGS, &out, &err), CP_OK);
	json_decref(out);
	CU_ASSERT_EQUAL(w.tokens, 3);
	/* A token that dies early: a 401, a new token, success. */
	CU_ASSERT_EQUAL(fake_ctl("POST", "/__fault", "{\"kind\": "
	    "\"expired-token\", \"match\": \"networkSecurityGroups\"}"), 200);
	CU_ASSERT_EQUAL(az_get(&c, AZ_ARM, NSGS, &out, &err), CP_OK);
	json_decref(out);
	CU_ASSERT_EQUAL(w.tokens, 4);
	/* A token is never sent outside its base URL. */
	CU_ASSERT_EQUAL(az_get(&c, AZ_ARM, "http://127.0.0.2:1/x", &out,
	    &err), CP_E_INVALID);
	CU_ASSERT_EQUAL(az_get(&c, AZ_ARM, "http://127.0.0.1:1", &out,
	    &err), CP_E_INVALID);
	close_both(s, &c);
}

static void
test_errors(void)
{
	struct az_client c;
	struct az_session *s;
	struct az_error err;
	char *tok = NULL;
	json_t *out = NULL;

	plugin_reset();
	s = open_ok(secret_creds("wrong"), &c);
	CU_ASSERT_EQUAL(az_token_get(&c, AZ_ARM, &tok, &err), CP_E_AUTH);
	CU_ASSERT_STRING_EQUAL(err.code, "invalid_client");
	CU_ASSERT_EQUAL(strncmp(err.message, "AADSTS7000215:", 14), 0);
	CU_ASSERT_PTR_NULL(strchr(err.message, '\n'));
	close_both(s, &c);

	s = open_ok(secret_creds(SECRET), &c);
	CU_ASSERT_EQUAL(az_get(&c, AZ_ARM, "/subscriptions/00000000-0000-"
	    "0000-0000-000000000000?api-version=2022-12-01", &out, &err),
	    CP_E_NOTFOUND);
	CU_ASSERT_STRING_EQUAL(err.code, "SubscriptionNotFound");
	CU_ASSERT_EQUAL(az_get(&c, AZ_ARM, "/subscriptions/" PROD, &out,
	    &err), CP_E_FAILED);
	CU_ASSERT_STRING_EQUAL(err.code, "MissingApiVersionParameter");
	CU_ASSERT_EQUAL(err.status, 400);
	/* Throttled a few times: retried (Retry-After 0) to success; for
	 * ever: CP_E_RETRY_LATER. */
	CU_ASSERT_EQUAL(fake_ctl("POST", "/__fault", "{\"kind\": "
	    "\"throttle\", \"match\": \"networkSecurityGroups\", \"count\": "
	    "3}"), 200);
	CU_ASSERT_EQUAL(az_get(&c, AZ_ARM, NSGS, &out, &err), CP_OK);
	json_decref(out);
	CU_ASSERT_EQUAL(fake_ctl("POST", "/__fault", "{\"kind\": "
	    "\"throttle\", \"match\": \"networkSecurityGroups\", \"count\": "
	    "-1}"), 200);
	CU_ASSERT_EQUAL(az_get(&c, AZ_ARM, NSGS, &out, &err),
	    CP_E_RETRY_LATER);
	CU_ASSERT_STRING_EQUAL(err.code, "TooManyRequests");
	CU_ASSERT_EQUAL(fake_ctl("POST", "/__reset", NULL), 200);
	CU_ASSERT_EQUAL(fake_ctl("POST", "/__fault", "{\"kind\": "
	    "\"malformed\", \"match\": \"networkSecurityGroups\"}"), 200);
	CU_ASSERT_EQUAL(az_get(&c, AZ_ARM, NSGS, &out, &err), CP_E_PARSE);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_EQUAL(fake_ctl("POST", "/__fault", "{\"kind\": "
	    "\"forbidden\", \"match\": \"networkSecurityGroups\"}"), 200);
	CU_ASSERT_EQUAL(az_get(&c, AZ_ARM, NSGS, &out, &err), CP_E_PERM);
	CU_ASSERT_STRING_EQUAL(err.code, "AuthorizationFailed");
	close_both(s, &c);
}

static void
test_subscriptions_and_certificate(void)
{
	struct az_client c;
	struct az_session *s;
	struct az_error err;
	struct az_sub *subs = NULL;
	char *pem = read_text("tests/fakes/azure/estates/demo/app-client.pem");
	size_t n = 0;

	plugin_reset();
	CU_ASSERT_PTR_NOT_NULL_FATAL(pem);
	s = open_ok(json_pack("{s:s, s:s, s:s}", "tenant_id", TENANT,
	    "client_id", APP, "certificate", pem), &c);
	CU_ASSERT_EQUAL_FATAL(az_list_subscriptions(&c, &subs, &n, &err),
	    CP_OK);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(subs[0].id, PROD);
	CU_ASSERT_STRING_EQUAL(subs[0].name, "cp-demo-prod");
	CU_ASSERT_EQUAL(subs[0].remediation, 1);
	CU_ASSERT_STRING_EQUAL(subs[1].id, DEV);
	CU_ASSERT_EQUAL(subs[1].remediation, 0);
	free(subs);
	close_both(s, &c);
	free(pem);
}

/* ------------------------------------------------------------ remediate */

#define RULES "/subscriptions/%s/resourceGroups/%s/providers/" \
	"Microsoft.Network/networkSecurityGroups/%s/securityRules/%s"
#define VMS "/subscriptions/%s/resourceGroups/%s/providers/" \
	"Microsoft.Compute/virtualMachines/%s"

/* How many requests the fake saw with method (and path containing what). */
static int
fake_count(const char *method, const char *what)
{
	struct cp_http_request req;
	struct cp_http_response *resp = NULL;
	cp_http *h = cp_http_create(w.pool);
	const json_t *e;
	json_t *log = NULL;
	char url[256], why[64];
	size_t i;
	int n = -1;

	snprintf(url, sizeof(url), "%s/__requests", w.url);
	memset(&req, 0, sizeof(req));
	req.struct_size = sizeof(req);
	req.url = url;
	req.max_retries = -1;
	req.max_body = 16 << 20;
	if (h != NULL && cp_http_perform(h, &req, &resp) == CP_OK)
		log = cp_json_parse(resp->body, resp->body_len, why,
		    sizeof(why));
	if (log != NULL) {
		n = 0;
		json_array_foreach(log, i, e) {
			const char *m = json_string_value(json_object_get(e,
			    "method"));
			const char *path = json_string_value(json_object_get(e,
			    "path"));

			if (m != NULL && path != NULL &&
			    (method == NULL || strcmp(m, method) == 0) &&
			    (what == NULL || strstr(path, what) != NULL))
				n++;
		}
	}
	json_decref(log);
	cp_http_response_free(resp);
	cp_http_destroy(h);
	return n;
}

static const char *
res_text(const json_t *res, const char *key)
{
	const char *v = json_string_value(json_object_get(res, key));

	return v != NULL ? v : "";
}

static void
test_remediate(void)
{
	json_t *creds = secret_creds(SECRET), *res = NULL;
	char id[512];

	plugin_reset();
	/* Refused before any request: unknown action, malformed id, a rule
	 * of another subscription, a default rule. */
	snprintf(id, sizeof(id), RULES, PROD, "rg-prod", "nsg-web",
	    "allow-ssh-any");
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, PROD, "delete-nsg", id,
	    NULL, 0, &res), CP_E_INVALID);
	json_decref(res);
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, PROD, "deny-inbound-rule",
	    "/subscriptions/" PROD "/resourceGroups/rg/providers/"
	    "Microsoft.Network/networkSecurityGroups/n", NULL, 0, &res),
	    CP_E_INVALID);
	json_decref(res);
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, DEV, "deny-inbound-rule",
	    id, NULL, 0, &res), CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(res_text(res, "error"),
	    "not to " DEV));
	json_decref(res);
	snprintf(id, sizeof(id), "/subscriptions/%s/resourceGroups/rg-prod/"
	    "providers/Microsoft.Network/networkSecurityGroups/nsg-web/"
	    "defaultSecurityRules/AllowVnetInBound", PROD);
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, PROD, "deny-inbound-rule",
	    id, NULL, 0, &res), CP_E_INVALID);
	json_decref(res);
	CU_ASSERT_EQUAL(fake_count(NULL, NULL), 0);

	/* A Reader subscription: refused, nothing sent but the question. */
	snprintf(id, sizeof(id), RULES, DEV, "rg-dev", "nsg-dev", "allow-rdp");
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, DEV, "deny-inbound-rule",
	    id, NULL, 0, &res), CP_E_PERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(res_text(res, "error"), "read-only"));
	json_decref(res);
	snprintf(id, sizeof(id), VMS, DEV, "rg-dev", "vm-dev01");
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, DEV, "deallocate-vm", id,
	    NULL, 0, &res), CP_E_PERM);
	json_decref(res);
	CU_ASSERT_EQUAL(fake_count(NULL, "/resourceGroups/"), 0);
	CU_ASSERT_EQUAL(fake_count("PUT", NULL), 0);
	CU_ASSERT_EQUAL(fake_count("POST", DEV), 0);

	/* Dry run: read, nothing written. */
	snprintf(id, sizeof(id), RULES, PROD, "rg-prod", "nsg-web",
	    "allow-ssh-any");
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, PROD, "deny-inbound-rule",
	    id, NULL, 1, &res), CP_OK);
	CU_ASSERT_STRING_EQUAL(res_text(res, "before"),
	    "nsg-web/allow-ssh-any: Allow Inbound Tcp 22 from * (priority 110)");
	CU_ASSERT_STRING_EQUAL(res_text(res, "after"), "unchanged (dry run)");
	json_decref(res);
	CU_ASSERT_EQUAL(fake_count("PUT", NULL), 0);

	/* For real: PUT with the etag, the operation followed, read back. */
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, PROD, "deny-inbound-rule",
	    id, NULL, 0, &res), CP_OK);
	CU_ASSERT_STRING_EQUAL(res_text(res, "after"),
	    "nsg-web/allow-ssh-any: Deny Inbound Tcp 22 from * (priority 110)");
	CU_ASSERT_PTR_NULL(json_object_get(res, "error"));
	json_decref(res);
	CU_ASSERT_EQUAL(fake_count("PUT", "allow-ssh-any"), 1);
	CU_ASSERT_EQUAL(fake_count("GET", "/operations/"), 2);
	/* Again: already Deny, nothing sent. */
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, PROD, "deny-inbound-rule",
	    id, NULL, 0, &res), CP_OK);
	CU_ASSERT_STRING_EQUAL(res_text(res, "after"),
	    "unchanged: already Deny");
	json_decref(res);
	CU_ASSERT_EQUAL(fake_count("PUT", NULL), 1);
	/* A rule that is not open to every address is left alone. */
	snprintf(id, sizeof(id), RULES, PROD, "rg-prod", "nsg-web",
	    "allow-mgmt-office");
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, PROD, "deny-inbound-rule",
	    id, NULL, 0, &res), CP_E_FAILED);
	CU_ASSERT_STRING_EQUAL(res_text(res, "after"), "unchanged");
	json_decref(res);
	snprintf(id, sizeof(id), RULES, PROD, "rg-prod", "nsg-web", "nosuch");
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, PROD, "deny-inbound-rule",
	    id, NULL, 0, &res), CP_E_NOTFOUND);
	json_decref(res);
	CU_ASSERT_EQUAL(fake_count("PUT", NULL), 1);

	/* Deallocate: POST, 202, polled to the end, read back. */
	snprintf(id, sizeof(id), VMS, PROD, "rg-prod", "vm-jump01");
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, PROD, "deallocate-vm", id,
	    NULL, 1, &res), CP_OK);
	CU_ASSERT_STRING_EQUAL(res_text(res, "before"),
	    "vm-jump01: PowerState/running");
	json_decref(res);
	CU_ASSERT_EQUAL(fake_count("POST", "/deallocate"), 0);
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, PROD, "deallocate-vm", id,
	    NULL, 0, &res), CP_OK);
	CU_ASSERT_STRING_EQUAL(res_text(res, "after"),
	    "vm-jump01: PowerState/deallocated");
	json_decref(res);
	CU_ASSERT_EQUAL(fake_count("POST", "/deallocate"), 1);
	/* A write that fails is reported with ARM's code. */
	snprintf(id, sizeof(id), VMS, PROD, "rg-prod", "vm-web01");
	CU_ASSERT_EQUAL(fake_ctl("POST", "/__fault", "{\"kind\": "
	    "\"forbidden\", \"match\": \"/deallocate\"}"), 200);
	CU_ASSERT_EQUAL(az_remediate(&plugin, creds, PROD, "deallocate-vm", id,
	    NULL, 0, &res), CP_E_PERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(res_text(res, "error"),
	    "AuthorizationFailed"));
	CU_ASSERT_STRING_EQUAL(res_text(res, "after"), "unchanged");
	json_decref(res);
	json_decref(creds);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "session checks", test_session_checks },
		{ "certificate assertion", test_assertion },
		{ "permissions", test_permissions },
		{ "tokens and paging", test_tokens_and_paging },
		{ "errors", test_errors },
		{ "subscriptions, certificate", test_subscriptions_and_certificate },
		{ "remediate", test_remediate },
		{ NULL, NULL }
	};
	struct cp_http_settings hs;
	char tmpl[] = "/tmp/cp-azure-client.XXXXXX";
	char path[512];
	int rc;

	pthread_mutex_init(&w.mu, NULL);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    mkdtemp(tmpl) == NULL)
		return 2;
	snprintf(w.dir, sizeof(w.dir), "%s", tmpl);
	memset(&hs, 0, sizeof(hs));
	hs.timeout_ms = 5000;
	hs.connect_timeout_ms = 1000;
	hs.backoff_base_ms = 1;
	hs.backoff_max_ms = 5;
	if (cp_http_pool_create(&hs, &w.pool) != CP_OK || fake_start() != 0) {
		fake_stop();
		return 2;
	}
	rc = cp_test_run("azure client", tests);
	fake_stop();
	cp_http_pool_destroy(w.pool);
	snprintf(path, sizeof(path), "%s/port", w.dir);
	unlink(path);
	rmdir(w.dir);
	pthread_mutex_destroy(&w.mu);
	curl_global_cleanup();
	return rc;
}
