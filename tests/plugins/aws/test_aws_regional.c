/*
 * test_aws_regional.c - the aws plugin's regional collectors (ec2,
 * ec2-images, elbv2, rds), validate() and remediate(), as the core uses
 * them: the plugin loaded through a registry from a private plugin
 * directory, talking to the fake AWS (tests/fakes/aws/fakeaws.py) on
 * 127.0.0.1 with the demo estate and two items per page, so that every
 * listing pages.  The fake's control endpoints inject faults and show
 * its estate after a remediation.
 */
#include "plugin/plugintest.h"

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <curl/curl.h>

#include "net/http_client.h"
#include "plugin/loader.h"
#include "plugin/registry.h"

#define ACCOUNT "123456789012"
#define KEY_RW "AKIAFAKEDEMO00000001"
#define SECRET_RW "demo-secret-remediate-0001"
#define KEY_RO "AKIAFAKEDEMO00000002"
#define SECRET_RO "demo-secret-readonly-0002"
#define TOKYO "ap-northeast-1"
#define RULE_ARN(id) "arn:aws:ec2:" TOKYO ":" ACCOUNT ":security-group-rule/" id
#define SSH_RULE "sgr-0000000000000a001"	/* web-frontend tcp 22 */
#define RDP_RULE "sgr-0000000000000a002"	/* windows-jump 3389 ::/0 */
#define MYSQL_RULE "sgr-0000000000000a003"	/* db-mysql 3306 */
#define FAKE_WAIT_MS 15000

static char workdir[512], plugdir[600];
static pid_t fake_pid = -1;
static int fake_port;
static cp_log *test_log;

static struct {
	cp_http_pool *pool;
	cp_registry *reg;
	const struct cp_cloud_ops *ops;
	void *ctx;
} w;

/* ------------------------------------------------------------ the fake */

struct buf {
	char *p;
	size_t n;
};

static size_t
buf_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t n = size * nmemb;
	char *p = realloc(b->p, b->n + n + 1);

	if (p == NULL)
		return 0;
	memcpy(p + b->n, data, n);
	b->p = p;
	b->n += n;
	p[b->n] = '\0';
	return n;
}

/* One request to the fake's control endpoints; the body it answered. */
static long
fake_req(const char *method, const char *path, const char *body,
    char **answer)
{
	struct buf b = { NULL, 0 };
	struct curl_slist *h = NULL;
	char url[256];
	long status = 0;
	CURL *c;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", fake_port, path);
	c = curl_easy_init();
	if (c == NULL)
		return 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (body != NULL) {
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	if (answer != NULL)
		*answer = b.p;
	else
		free(b.p);
	return status;
}

static void
fake_reset(void)
{
	CU_ASSERT_EQUAL(fake_req("DELETE", "/__fault", NULL, NULL) / 100, 2);
	CU_ASSERT_EQUAL(fake_req("POST", "/__reset", "{}", NULL) / 100, 2);
}

static void
fake_fault(const char *json)
{
	CU_ASSERT_EQUAL(fake_req("POST", "/__fault", json, NULL) / 100, 2);
}

static json_t *
fake_json(const char *path)
{
	char *text = NULL;
	json_t *j = NULL;

	if (fake_req("GET", path, NULL, &text) == 200 && text != NULL)
		j = json_loads(text, 0, NULL);
	free(text);
	return j;
}

/* Appends to cidrs the CIDRs of every object in v with this rule id. */
static void
find_rule(const json_t *v, const char *id, json_t *cidrs)
{
	static const char *const keys[] = { "CidrIp", "CidrIpv6", "CidrIpv4" };
	const char *k, *rid;
	const json_t *m;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			find_rule(m, id, cidrs);
		return;
	}
	if (!json_is_object(v))
		return;
	rid = json_string_value(json_object_get(v, "SecurityGroupRuleId"));
	if (rid != NULL && strcmp(rid, id) == 0)
		for (i = 0; i < 3; i++)
			if (json_is_string(json_object_get(v, keys[i])))
				json_array_append(cidrs,
				    json_object_get(v, keys[i]));
	json_object_foreach((json_t *)v, k, m)
		find_rule(m, id, cidrs);
}

/* The CIDRs the fake's estate holds for rule id (an array). */
static json_t *
estate_rule(const char *id)
{
	json_t *ec2 = fake_json("/__estate/ec2"), *cidrs = json_array();

	CU_ASSERT_PTR_NOT_NULL_FATAL(ec2);
	find_rule(ec2, id, cidrs);
	json_decref(ec2);
	return cidrs;
}

/* Whether cidrs is exactly the one CIDR want. */
static int
only_cidr(const json_t *cidrs, const char *want)
{
	return json_array_size(cidrs) == 1 && strcmp(json_string_value(
	    json_array_get(cidrs, 0)), want) == 0;
}

/* How many requests for action the fake answered with status (0: any). */
static size_t
fake_calls(const char *action, long status)
{
	json_t *reqs = fake_json("/__requests"), *q;
	size_t i, n = 0;

	json_array_foreach(reqs, i, q) {
		const char *a = json_string_value(json_object_get(q, "action"));

		if (a != NULL && strcmp(a, action) == 0 && (status == 0 ||
		    json_integer_value(json_object_get(q, "status")) == status))
			n++;
	}
	json_decref(reqs);
	return n;
}

static int
fake_start(void)
{
	char script[1024], estate[1024], portfile[700], text[32] = "";
	const char *py = cp_test_env("CP_PYTHON3", "/usr/bin/python3");
	const char *src = cp_test_env("CP_TOP_SRCDIR", CP_ABS_SRCDIR);
	long long port;
	FILE *f;
	int i;

	snprintf(script, sizeof(script), "%s/tests/fakes/aws/fakeaws.py", src);
	snprintf(estate, sizeof(estate), "%s/tests/fakes/aws/estates/demo",
	    src);
	snprintf(portfile, sizeof(portfile), "%s/fake.port", workdir);
	fake_pid = fork();
	if (fake_pid < 0)
		return -1;
	if (fake_pid == 0) {
		/* A test that crashes takes the fake with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(py, py, script, "--estate", estate, "--host",
		    "127.0.0.1", "--port", "0", "--port-file", portfile,
		    "--page-size", "2", "--quiet", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < FAKE_WAIT_MS / 50; i++) {
		f = fopen(portfile, "r");
		if (f != NULL) {
			if (fgets(text, sizeof(text), f) == NULL)
				text[0] = '\0';
			fclose(f);
			text[strcspn(text, "\r\n")] = '\0';
			if (cp_parse_ll(text, 1, 65535, &port) == CP_OK) {
				fake_port = (int)port;
				return 0;
			}
		}
		if (waitpid(fake_pid, NULL, WNOHANG) == fake_pid) {
			fake_pid = -1;
			return -1;
		}
		usleep(50 * 1000);
	}
	return -1;
}

static void
fake_stop(void)
{
	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
		fake_pid = -1;
	}
}

/* ------------------------------------------------------------ the plugin */

static int
copy_plugin(void)
{
	char src[4096], dst[4096], chunk[8192];
	ssize_t n;
	int in, out, rc = -1;

	snprintf(src, sizeof(src), "%s/plugins/aws/.libs/aws.so",
	    pt_builddir());
	snprintf(dst, sizeof(dst), "%s/aws.so", plugdir);
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

static int
world_open(void)
{
	char endpoint[64];
	struct cp_config_entry e[] = {
		PT_ENTRY("endpoint", endpoint, 2),
	};
	struct cp_plugin_section s[] = {
		PT_SECTION("aws", NULL, 1, 1, e),
	};
	struct cp_registry_opts o;
	struct cp_http_settings hs;
	struct cp_config cfg;
	struct cp_diag d;
	const void *ops = NULL;
	cp_err r;

	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d",
	    fake_port);
	memset(&hs, 0, sizeof(hs));
	hs.connect_timeout_ms = 2000;
	hs.timeout_ms = 20000;
	hs.backoff_base_ms = 10;
	hs.backoff_max_ms = 200;
	if (cp_http_pool_create(&hs, &w.pool) != CP_OK)
		return -1;
	memset(&o, 0, sizeof(o));
	o.log = test_log;
	o.http = w.pool;
	if (cp_registry_create(&o, &w.reg) != CP_OK ||
	    cp_registry_load_dir(w.reg, plugdir) != CP_OK ||
	    cp_registry_refused_count(w.reg) != 0)
		return -1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.path = (char *)"/etc/cloudpatrol/test.ini";
	cfg.sections = s;
	cfg.n_sections = CP_ARRAY_LEN(s);
	cp_diag_init(&d);
	r = cp_registry_configure(w.reg, &cfg, &d);
	if (r != CP_OK && d.n > 0)
		fprintf(stderr, "configure: %s\n", d.lines[0]);
	cp_diag_free(&d);
	if (r != CP_OK || cp_registry_init(w.reg) != CP_OK)
		return -1;
	if (cp_registry_get(w.reg, "aws", NULL, CP_CAP_CLOUD, &ops,
	    &w.ctx) == NULL)
		return -1;
	w.ops = ops;
	return 0;
}

static void
world_close(void)
{
	cp_registry_destroy(w.reg);
	cp_http_pool_destroy(w.pool);
}

static json_t *
creds(const char *key, const char *secret)
{
	json_t *c = json_pack("{s:s, s:s}", "access_key_id", key,
	    "secret_access_key", secret);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

/* ------------------------------------------------------------ a sink */

/* What one collect() gave: our resources by id, collector errors. */
struct rec {
	pthread_mutex_t mu;
	json_t *res;		/* id → {type, name, region, json} */
	json_t *errs;		/* [{collector, err, message}] */
	size_t dup;		/* ids given twice */
};

static cp_err
rec_resource(const struct cp_inventory_sink *sink, const char *type,
    const char *id, const char *name, const char *region,
    const char *raw_json)
{
	struct rec *r = sink->ud;
	json_t *o;

	/* Only our collectors' types: Resource Explorer's aws/resource
	 * rows carry the same ARNs. */
	if (strncmp(type, "aws/ec2-", 8) != 0 &&
	    strncmp(type, "aws/elbv2-", 10) != 0 &&
	    strncmp(type, "aws/rds-", 8) != 0)
		return CP_OK;
	o = json_loads(raw_json, 0, NULL);
	if (o == NULL)
		return CP_E_INVALID;
	pthread_mutex_lock(&r->mu);
	if (json_object_get(r->res, id) != NULL)
		r->dup++;
	json_object_set_new(r->res, id, json_pack("{s:s, s:s, s:s, s:o}",
	    "type", type, "name", name != NULL ? name : "",
	    "region", region != NULL ? region : "", "json", o));
	pthread_mutex_unlock(&r->mu);
	return CP_OK;
}

static cp_err
rec_event(const struct cp_inventory_sink *sink, const char *type,
    const char *time_iso8601, const char *id, const char *raw_json)
{
	(void)sink;
	(void)type;
	(void)time_iso8601;
	(void)id;
	(void)raw_json;
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
	struct rec *r = sink->ud;

	pthread_mutex_lock(&r->mu);
	json_array_append_new(r->errs, json_pack("{s:s, s:i, s:s}",
	    "collector", collector, "err", (int)err, "message",
	    message != NULL ? message : ""));
	pthread_mutex_unlock(&r->mu);
	return CP_OK;
}

/* Collects the demo account into r with the remediation key. */
static cp_err
collect(struct rec *r)
{
	struct cp_inventory_sink sink;
	json_t *c = creds(KEY_RW, SECRET_RW);
	cp_err e;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	r->res = json_object();
	r->errs = json_array();
	memset(&sink, 0, sizeof(sink));
	sink.struct_size = sizeof(sink);
	sink.resource = rec_resource;
	sink.event = rec_event;
	sink.cost = rec_cost;
	sink.collector_error = rec_error;
	sink.ud = r;
	e = w.ops->collect(w.ctx, c, ACCOUNT, &sink);
	json_decref(c);
	return e;
}

static void
rec_free(struct rec *r)
{
	json_decref(r->res);
	json_decref(r->errs);
	pthread_mutex_destroy(&r->mu);
}

static int
ours(const char *collector)
{
	return strcmp(collector, "ec2") == 0 ||
	    strcmp(collector, "ec2-images") == 0 ||
	    strcmp(collector, "elbv2") == 0 || strcmp(collector, "rds") == 0;
}

/* The errors of our four collectors; printed when there are any. */
static size_t
our_errors(const struct rec *r, const char *only)
{
	const json_t *e;
	size_t i, n = 0;

	json_array_foreach(r->errs, i, e) {
		const char *c = json_string_value(json_object_get(e,
		    "collector"));

		if (!ours(c) || (only != NULL && strcmp(c, only) == 0))
			continue;
		fprintf(stderr, "collector error %s: %s\n", c,
		    json_string_value(json_object_get(e, "message")));
		n++;
	}
	return n;
}

static size_t
errors_of(const struct rec *r, const char *collector)
{
	const json_t *e;
	size_t i, n = 0;

	json_array_foreach(r->errs, i, e)
		if (strcmp(json_string_value(json_object_get(e, "collector")),
		    collector) == 0)
			n++;
	return n;
}

static size_t
count_type(const struct rec *r, const char *type)
{
	const char *id;
	json_t *v;
	size_t n = 0;

	json_object_foreach(r->res, id, v)
		if (strcmp(json_string_value(json_object_get(v, "type")),
		    type) == 0)
			n++;
	return n;
}

static const json_t *
res_json(const struct rec *r, const char *id)
{
	return json_object_get(json_object_get(r->res, id), "json");
}

/* A string member, or "(none)": CUnit's string checks take no NULL. */
static const char *
jstr(const json_t *o, const char *member)
{
	const char *v = json_string_value(json_object_get(o, member));

	return v != NULL ? v : "(none)";
}

static const char *
res_str(const struct rec *r, const char *id, const char *member)
{
	return jstr(json_object_get(r->res, id), member);
}

/* ------------------------------------------------------------ tests */

static void
test_aws_regional_validates(void)
{
	struct cp_validate_result res;
	json_t *c;

	memset(&res, 0, sizeof(res));
	res.struct_size = sizeof(res);
	c = creds(KEY_RW, SECRET_RW);
	CU_ASSERT_EQUAL(w.ops->validate(w.ctx, c, &res), CP_OK);
	CU_ASSERT_EQUAL(res.remediation_capable, 1);
	CU_ASSERT_STRING_EQUAL(res.account, ACCOUNT);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.detail,
	    "arn:aws:iam::" ACCOUNT ":user/cloudpatrol;"));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.detail, "may remediate"));
	printf("\n  %s\n", res.detail);
	json_decref(c);

	memset(&res, 0, sizeof(res));
	res.struct_size = sizeof(res);
	c = creds(KEY_RO, SECRET_RO);
	CU_ASSERT_EQUAL(w.ops->validate(w.ctx, c, &res), CP_OK);
	CU_ASSERT_EQUAL(res.remediation_capable, 0);
	CU_ASSERT_STRING_EQUAL(res.account, ACCOUNT);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.detail, "cloudpatrol-ro"));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.detail, "read-only"));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.detail, "UnauthorizedOperation"));
	printf("  %s\n", res.detail);
	json_decref(c);

	/* A wrong secret and an unknown key: AWS's own words. */
	memset(&res, 0, sizeof(res));
	res.struct_size = sizeof(res);
	c = creds(KEY_RW, "not-the-secret");
	CU_ASSERT_NOT_EQUAL(w.ops->validate(w.ctx, c, &res), CP_OK);
	CU_ASSERT_EQUAL(res.remediation_capable, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.detail, "SignatureDoesNotMatch"));
	printf("  %s\n", res.detail);
	json_decref(c);

	memset(&res, 0, sizeof(res));
	res.struct_size = sizeof(res);
	c = creds("AKIAFAKEUNKNOWN00009", SECRET_RW);
	CU_ASSERT_NOT_EQUAL(w.ops->validate(w.ctx, c, &res), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.detail, "InvalidClientTokenId"));
	printf("  %s\n", res.detail);
	json_decref(c);
}

static void
test_aws_regional_collects_the_estate(void)
{
	struct rec r;
	const json_t *j, *perm, *lst;
	json_t *reqs;
	const char *sg = "arn:aws:ec2:" TOKYO ":" ACCOUNT
	    ":security-group/sg-0a1b2c3d4e5f00001";
	const char *snap = "arn:aws:ec2:" TOKYO "::snapshot/";
	const char *ami = "arn:aws:ec2:" TOKYO "::image/";
	char id[256];
	size_t i, pages = 0;

	fake_reset();
	CU_ASSERT_EQUAL(collect(&r), CP_OK);
	CU_ASSERT_EQUAL(our_errors(&r, NULL), 0);
	CU_ASSERT_EQUAL(r.dup, 0);

	/* The group, with its permissions as arrays and ports as numbers. */
	CU_ASSERT_STRING_EQUAL(res_str(&r, sg, "type"),
	    "aws/ec2-security-group");
	CU_ASSERT_STRING_EQUAL(res_str(&r, sg, "name"), "web-frontend");
	CU_ASSERT_STRING_EQUAL(res_str(&r, sg, "region"), TOKYO);
	j = res_json(&r, sg);
	CU_ASSERT_STRING_EQUAL(jstr(j, "GroupId"), "sg-0a1b2c3d4e5f00001");
	CU_ASSERT_TRUE(json_is_string(json_object_get(j, "Description")));
	CU_ASSERT_TRUE(json_is_array(json_object_get(j, "IpPermissions")));
	CU_ASSERT_TRUE(json_is_array(json_object_get(j,
	    "IpPermissionsEgress")));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "IpPermissions")),
	    3);
	json_array_foreach(json_object_get(j, "IpPermissions"), i, perm) {
		CU_ASSERT_TRUE(json_is_integer(json_object_get(perm,
		    "FromPort")));
		CU_ASSERT_TRUE(json_is_array(json_object_get(perm,
		    "IpRanges")));
		CU_ASSERT_TRUE(json_is_array(json_object_get(perm,
		    "Ipv6Ranges")));
	}

	/* The rule, named after its group. */
	CU_ASSERT_STRING_EQUAL(res_str(&r, RULE_ARN(SSH_RULE), "type"),
	    "aws/ec2-security-group-rule");
	CU_ASSERT_STRING_EQUAL(res_str(&r, RULE_ARN(SSH_RULE), "name"),
	    "web-frontend/" SSH_RULE);
	j = res_json(&r, RULE_ARN(SSH_RULE));
	CU_ASSERT_STRING_EQUAL(jstr(j, "GroupName"), "web-frontend");
	CU_ASSERT_TRUE(json_is_false(json_object_get(j, "IsEgress")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "FromPort")),
	    22);
	CU_ASSERT_STRING_EQUAL(jstr(j, "CidrIpv4"), "0.0.0.0/0");
	j = res_json(&r, RULE_ARN(RDP_RULE));
	CU_ASSERT_STRING_EQUAL(jstr(j, "CidrIpv6"), "::/0");

	/* Instances, flattened out of their reservations. */
	j = res_json(&r, "arn:aws:ec2:" TOKYO ":" ACCOUNT
	    ":instance/i-0aaa000000000web1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(res_str(&r, "arn:aws:ec2:" TOKYO ":" ACCOUNT
	    ":instance/i-0aaa000000000web1", "name"), "web-1");
	CU_ASSERT_STRING_EQUAL(jstr(json_object_get(j, "State"), "Name"),
	    "running");
	CU_ASSERT_STRING_EQUAL(jstr(j, "PublicIpAddress"), "198.51.100.10");
	CU_ASSERT_TRUE(json_is_array(json_object_get(j, "GroupSet")));
	CU_ASSERT_TRUE(json_is_array(json_object_get(j, "TagSet")));
	CU_ASSERT_PTR_NOT_NULL(json_object_get(r.res, "arn:aws:ec2:us-east-1:"
	    ACCOUNT ":instance/i-0bbb00000000legacy"));
	CU_ASSERT_EQUAL(count_type(&r, "aws/ec2-instance"), 3);
	CU_ASSERT_EQUAL(count_type(&r, "aws/ec2-address"), 1);
	CU_ASSERT_TRUE(count_type(&r, "aws/ec2-network-interface") >= 2);
	/* Every region has its default VPC, subnets and the rest. */
	CU_ASSERT_TRUE(count_type(&r, "aws/ec2-vpc") >= 3);
	CU_ASSERT_TRUE(count_type(&r, "aws/ec2-subnet") >= 3);
	CU_ASSERT_TRUE(count_type(&r, "aws/ec2-route-table") >= 3);
	CU_ASSERT_TRUE(count_type(&r, "aws/ec2-internet-gateway") >= 3);
	CU_ASSERT_TRUE(count_type(&r, "aws/ec2-network-acl") >= 3);
	CU_ASSERT_TRUE(count_type(&r, "aws/ec2-security-group") >= 8);

	/* Snapshots and images with their public flags. */
	snprintf(id, sizeof(id), "%ssnap-0000000000000pub1", snap);
	CU_ASSERT_TRUE(json_is_true(json_object_get(res_json(&r, id),
	    "Public")));
	snprintf(id, sizeof(id), "%ssnap-0000000000000prv1", snap);
	CU_ASSERT_TRUE(json_is_false(json_object_get(res_json(&r, id),
	    "Public")));
	snprintf(id, sizeof(id), "%sami-00000000000000pub", ami);
	CU_ASSERT_TRUE(json_is_true(json_object_get(res_json(&r, id),
	    "IsPublic")));
	snprintf(id, sizeof(id), "%sami-00000000000000prv", ami);
	CU_ASSERT_TRUE(json_is_false(json_object_get(res_json(&r, id),
	    "IsPublic")));

	/* The load balancer with its two listeners; the DB instances. */
	CU_ASSERT_EQUAL(count_type(&r, "aws/elbv2-load-balancer"), 1);
	CU_ASSERT_EQUAL(count_type(&r, "aws/rds-db-instance"), 2);
	{
		const char *k;
		json_t *v;

		json_object_foreach(r.res, k, v) {
			const char *t = jstr(v, "type");
			const json_t *o = json_object_get(v, "json");

			if (strcmp(t, "aws/elbv2-load-balancer") == 0) {
				CU_ASSERT_STRING_EQUAL(jstr(v, "name"), "web-alb");
				lst = json_object_get(o, "Listeners");
				CU_ASSERT_EQUAL(json_array_size(lst), 2);
				CU_ASSERT_TRUE(json_is_integer(json_object_get(
				    json_array_get(lst, 0), "Port")));
			}
			if (strcmp(t, "aws/rds-db-instance") == 0) {
				const char *name = jstr(v, "name");

				CU_ASSERT_TRUE(strncmp(k, "arn:aws:rds:", 12) ==
				    0);
				CU_ASSERT_TRUE(json_is_boolean(json_object_get(o,
				    "PubliclyAccessible")));
				CU_ASSERT_TRUE(json_is_array(json_object_get(o,
				    "VpcSecurityGroups")));
				CU_ASSERT_EQUAL(json_is_true(json_object_get(o,
				    "PubliclyAccessible")),
				    strcmp(name, "orders-db") == 0);
			}
		}
	}

	/* Two items a page: the listings had to page to get all this. */
	reqs = fake_json("/__requests");
	CU_ASSERT_PTR_NOT_NULL_FATAL(reqs);
	json_array_foreach(reqs, i, j) {
		const char *a = json_string_value(json_object_get(j, "action"));
		const char *rg = json_string_value(json_object_get(j,
		    "region"));

		if (a != NULL && rg != NULL &&
		    strcmp(a, "DescribeSecurityGroups") == 0 &&
		    strcmp(rg, TOKYO) == 0)
			pages++;
	}
	CU_ASSERT_TRUE(pages >= 3);
	json_decref(reqs);
	rec_free(&r);
}

static void
test_aws_regional_retries_throttling(void)
{
	struct rec r;

	fake_reset();
	CU_ASSERT_EQUAL(fake_req("DELETE", "/__requests", NULL, NULL) / 100, 2);
	fake_fault("{\"service\": \"ec2\", \"region\": null, \"action\": "
	    "\"DescribeSecurityGroups\", \"kind\": \"throttle\", "
	    "\"count\": 3}");
	CU_ASSERT_EQUAL(collect(&r), CP_OK);
	CU_ASSERT_EQUAL(fake_calls("DescribeSecurityGroups", 503), 3);
	CU_ASSERT_EQUAL(our_errors(&r, NULL), 0);
	CU_ASSERT_TRUE(count_type(&r, "aws/ec2-security-group") >= 8);
	CU_ASSERT_PTR_NOT_NULL(json_object_get(r.res, "arn:aws:ec2:" TOKYO
	    ":" ACCOUNT ":security-group/sg-0a1b2c3d4e5f00001"));
	rec_free(&r);
}

static void
test_aws_regional_rds_denied_fails_rds_only(void)
{
	struct rec r;

	fake_reset();
	fake_fault("{\"service\": \"rds\", \"region\": null, \"action\": "
	    "null, \"kind\": \"access-denied\", \"count\": -1}");
	CU_ASSERT_EQUAL(collect(&r), CP_OK);
	CU_ASSERT_EQUAL(our_errors(&r, "rds"), 0);
	/* One per enabled region. */
	CU_ASSERT_EQUAL(errors_of(&r, "rds"), 3);
	CU_ASSERT_EQUAL(count_type(&r, "aws/rds-db-instance"), 0);
	CU_ASSERT_TRUE(count_type(&r, "aws/ec2-security-group") >= 8);
	CU_ASSERT_EQUAL(count_type(&r, "aws/elbv2-load-balancer"), 1);
	rec_free(&r);
	fake_reset();
}

static void
test_aws_regional_ec2_failure_fails_ec2(void)
{
	struct rec r;

	/* One listing failing for good fails "ec2"; the rest is there. */
	fake_reset();
	fake_fault("{\"service\": \"ec2\", \"region\": \"" TOKYO "\", "
	    "\"action\": \"DescribeSubnets\", \"kind\": \"500\", "
	    "\"count\": -1}");
	CU_ASSERT_EQUAL(collect(&r), CP_OK);
	CU_ASSERT_TRUE(errors_of(&r, "ec2") >= 1);
	CU_ASSERT_EQUAL(our_errors(&r, "ec2"), 0);
	CU_ASSERT_PTR_NOT_NULL(json_object_get(r.res, RULE_ARN(SSH_RULE)));
	rec_free(&r);
	fake_reset();
}

/* remediate() with its result checked and freed; returns its code. */
static cp_err
remediate(const char *key, const char *secret, const char *unit,
    const char *action, const char *arn, const char *narrow, int dry_run,
    json_t **result)
{
	json_t *c = creds(key, secret), *params = json_object();
	cp_err r;

	if (narrow != NULL)
		json_object_set_new(params, "narrow_to", json_string(narrow));
	*result = NULL;
	r = w.ops->remediate(w.ctx, c, unit, action, arn, params, dry_run,
	    result);
	json_decref(c);
	json_decref(params);
	CU_ASSERT_PTR_NOT_NULL(*result);
	if (*result != NULL) {
		char *s = json_dumps(*result, JSON_COMPACT);

		printf("\n  %s -> %s", s, cp_strerror(r));
		free(s);
		CU_ASSERT_STRING_EQUAL(jstr(*result, "action"), action);
		CU_ASSERT_EQUAL(json_is_string(json_object_get(*result,
		    "error")), r != CP_OK);
	}
	return r;
}

static const char *
member(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v != NULL ? v : "(none)";
}

static void
test_aws_regional_remediation_dry_run_changes_nothing(void)
{
	json_t *res, *cidrs;

	fake_reset();
	CU_ASSERT_EQUAL(remediate(KEY_RW, SECRET_RW, ACCOUNT,
	    "revoke-ingress-rule", RULE_ARN(SSH_RULE), NULL, 1, &res), CP_OK);
	CU_ASSERT_STRING_EQUAL(member(res, "before"), "sg-0a1b2c3d4e5f00001 "
	    "(web-frontend) " SSH_RULE " tcp 22 from 0.0.0.0/0");
	CU_ASSERT_STRING_EQUAL(member(res, "after"), "unchanged (dry run)");
	json_decref(res);
	CU_ASSERT_EQUAL(remediate(KEY_RW, SECRET_RW, ACCOUNT,
	    "revoke-ingress-rule", RULE_ARN(SSH_RULE), "203.0.113.0/24", 1,
	    &res), CP_OK);
	CU_ASSERT_STRING_EQUAL(member(res, "after"), "unchanged (dry run)");
	json_decref(res);
	cidrs = estate_rule(SSH_RULE);
	CU_ASSERT_TRUE(only_cidr(cidrs, "0.0.0.0/0"));
	json_decref(cidrs);

	/* The read-only key may not even dry-run it. */
	CU_ASSERT_EQUAL(remediate(KEY_RO, SECRET_RO, ACCOUNT,
	    "revoke-ingress-rule", RULE_ARN(SSH_RULE), NULL, 1, &res),
	    CP_E_PERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(member(res, "error"),
	    "UnauthorizedOperation"));
	json_decref(res);
	CU_ASSERT_EQUAL(remediate(KEY_RO, SECRET_RO, ACCOUNT,
	    "revoke-ingress-rule", RULE_ARN(SSH_RULE), NULL, 0, &res),
	    CP_E_PERM);
	json_decref(res);
	cidrs = estate_rule(SSH_RULE);
	CU_ASSERT_TRUE(only_cidr(cidrs, "0.0.0.0/0"));
	json_decref(cidrs);
}

static void
test_aws_regional_remediation_revokes(void)
{
	json_t *res, *cidrs;
	struct rec r;

	fake_reset();
	CU_ASSERT_EQUAL(remediate(KEY_RW, SECRET_RW, ACCOUNT,
	    "revoke-ingress-rule", RULE_ARN(SSH_RULE), NULL, 0, &res), CP_OK);
	CU_ASSERT_STRING_EQUAL(member(res, "resource"), RULE_ARN(SSH_RULE));
	CU_ASSERT_STRING_EQUAL(member(res, "before"), "sg-0a1b2c3d4e5f00001 "
	    "(web-frontend) " SSH_RULE " tcp 22 from 0.0.0.0/0");
	CU_ASSERT_STRING_EQUAL(member(res, "after"), "revoked");
	json_decref(res);
	cidrs = estate_rule(SSH_RULE);
	CU_ASSERT_EQUAL(json_array_size(cidrs), 0);
	json_decref(cidrs);
	/* The other rules of the group stay. */
	CU_ASSERT_EQUAL(collect(&r), CP_OK);
	CU_ASSERT_PTR_NULL(json_object_get(r.res, RULE_ARN(SSH_RULE)));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(res_json(&r,
	    "arn:aws:ec2:" TOKYO ":" ACCOUNT
	    ":security-group/sg-0a1b2c3d4e5f00001"), "IpPermissions")), 2);
	rec_free(&r);
	/* Gone: a second try says so and changes nothing. */
	CU_ASSERT_EQUAL(remediate(KEY_RW, SECRET_RW, ACCOUNT,
	    "revoke-ingress-rule", RULE_ARN(SSH_RULE), NULL, 0, &res),
	    CP_E_NOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(member(res, "error"),
	    "no longer exists"));
	json_decref(res);
}

static void
test_aws_regional_remediation_narrows(void)
{
	json_t *res, *cidrs;

	fake_reset();
	CU_ASSERT_EQUAL(remediate(KEY_RW, SECRET_RW, ACCOUNT,
	    "revoke-ingress-rule", RULE_ARN(RDP_RULE), "2001:db8:1::/48", 0,
	    &res), CP_OK);
	CU_ASSERT_STRING_EQUAL(member(res, "before"), "sg-0a1b2c3d4e5f00002 "
	    "(windows-jump) " RDP_RULE " tcp 3389 from ::/0");
	CU_ASSERT_STRING_EQUAL(member(res, "after"),
	    "tcp 3389 from 2001:db8:1::/48");
	json_decref(res);
	cidrs = estate_rule(RDP_RULE);
	CU_ASSERT_TRUE(only_cidr(cidrs, "2001:db8:1::/48"));
	json_decref(cidrs);

	CU_ASSERT_EQUAL(remediate(KEY_RW, SECRET_RW, ACCOUNT,
	    "revoke-ingress-rule", RULE_ARN(MYSQL_RULE), "203.0.113.0/24", 0,
	    &res), CP_OK);
	CU_ASSERT_STRING_EQUAL(member(res, "after"),
	    "tcp 3306 from 203.0.113.0/24");
	json_decref(res);
	cidrs = estate_rule(MYSQL_RULE);
	CU_ASSERT_TRUE(only_cidr(cidrs, "203.0.113.0/24"));
	json_decref(cidrs);

	/* No longer open: left alone. */
	CU_ASSERT_EQUAL(remediate(KEY_RW, SECRET_RW, ACCOUNT,
	    "revoke-ingress-rule", RULE_ARN(MYSQL_RULE), NULL, 0, &res),
	    CP_E_FAILED);
	CU_ASSERT_STRING_EQUAL(member(res, "before"), "sg-0a1b2c3d4e5f00003 "
	    "(db-mysql) " MYSQL_RULE " tcp 3306 from 203.0.113.0/24");
	CU_ASSERT_PTR_NOT_NULL(strstr(member(res, "error"),
	    "no longer open to the internet"));
	json_decref(res);
	cidrs = estate_rule(MYSQL_RULE);
	CU_ASSERT_TRUE(only_cidr(cidrs, "203.0.113.0/24"));
	json_decref(cidrs);
}

static void
test_aws_regional_remediation_refuses(void)
{
	static const struct {
		const char *unit, *action, *arn, *narrow, *why;
	} bad[] = {
		{ ACCOUNT, "delete-group", RULE_ARN(SSH_RULE), NULL,
		    "unknown action" },
		{ ACCOUNT, "revoke-ingress-rule", "sgr-0000000000000a001",
		    NULL, "is not the ARN" },
		{ ACCOUNT, "revoke-ingress-rule", "arn:aws:ec2:" TOKYO ":"
		    ACCOUNT ":security-group/sg-0a1b2c3d4e5f00001", NULL,
		    "is not the ARN" },
		{ ACCOUNT, "revoke-ingress-rule", "arn:aws:ec2:" TOKYO
		    ":12345:security-group-rule/" SSH_RULE, NULL,
		    "is not the ARN" },
		{ ACCOUNT, "revoke-ingress-rule", "arn:aws:s3:" TOKYO ":"
		    ACCOUNT ":security-group-rule/" SSH_RULE, NULL,
		    "is not the ARN" },
		{ "999999999999", "revoke-ingress-rule", RULE_ARN(SSH_RULE),
		    NULL, "not to account 999999999999" },
		{ ACCOUNT, "revoke-ingress-rule", RULE_ARN(SSH_RULE),
		    "0.0.0.0/0", "whole internet" },
		{ ACCOUNT, "revoke-ingress-rule", RULE_ARN(SSH_RULE), "::/0",
		    "whole internet" },
		{ ACCOUNT, "revoke-ingress-rule", RULE_ARN(SSH_RULE),
		    "203.0.113.7/24", "bits set" },
		{ ACCOUNT, "revoke-ingress-rule", RULE_ARN(SSH_RULE),
		    "203.0.113.0/33", "is not a CIDR" },
		{ ACCOUNT, "revoke-ingress-rule", RULE_ARN(SSH_RULE),
		    "203.0.113.0", "is not a CIDR" },
		{ ACCOUNT, "revoke-ingress-rule", RULE_ARN(SSH_RULE),
		    "office", "is not a CIDR" },
	};
	const char *k, *egress = NULL;
	json_t *res, *cidrs, *v;
	struct rec r;
	size_t i;

	fake_reset();
	for (i = 0; i < CP_ARRAY_LEN(bad); i++) {
		CU_ASSERT_EQUAL(remediate(KEY_RW, SECRET_RW, bad[i].unit,
		    bad[i].action, bad[i].arn, bad[i].narrow, 0, &res),
		    CP_E_INVALID);
		CU_ASSERT_PTR_NOT_NULL(strstr(member(res, "error"),
		    bad[i].why));
		json_decref(res);
	}
	/* An outbound rule is no inbound rule, open or not. */
	CU_ASSERT_EQUAL(collect(&r), CP_OK);
	json_object_foreach(r.res, k, v)
		if (json_is_true(json_object_get(json_object_get(v, "json"),
		    "IsEgress")) && strncmp(k, "arn:aws:ec2:" TOKYO ":",
		    strlen("arn:aws:ec2:" TOKYO ":")) == 0) {
			egress = k;
			break;
		}
	CU_ASSERT_PTR_NOT_NULL_FATAL(egress);
	CU_ASSERT_EQUAL(remediate(KEY_RW, SECRET_RW, ACCOUNT,
	    "revoke-ingress-rule", egress, NULL, 0, &res), CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(member(res, "error"), "outbound"));
	json_decref(res);
	rec_free(&r);
	cidrs = estate_rule(SSH_RULE);
	CU_ASSERT_TRUE(only_cidr(cidrs, "0.0.0.0/0"));
	json_decref(cidrs);
}

/* ------------------------------------------------------------ main */

static int
setup(void)
{
	if (pt_mkdtemp(workdir, sizeof(workdir)) != 0)
		return -1;
	snprintf(plugdir, sizeof(plugdir), "%s/plugins", workdir);
	if (mkdir(plugdir, 0755) != 0 || copy_plugin() != 0)
		return -1;
	if (fake_start() != 0) {
		fprintf(stderr, "fakeaws.py did not start\n");
		return -1;
	}
	if (world_open() != 0) {
		fprintf(stderr, "the aws plugin did not load\n");
		return -1;
	}
	return 0;
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "validates", test_aws_regional_validates },
		{ "collects the estate",
		    test_aws_regional_collects_the_estate },
		{ "retries throttling", test_aws_regional_retries_throttling },
		{ "rds denied fails rds only",
		    test_aws_regional_rds_denied_fails_rds_only },
		{ "ec2 failure fails ec2",
		    test_aws_regional_ec2_failure_fails_ec2 },
		{ "remediation dry run changes nothing",
		    test_aws_regional_remediation_dry_run_changes_nothing },
		{ "remediation revokes", test_aws_regional_remediation_revokes },
		{ "remediation narrows", test_aws_regional_remediation_narrows },
		{ "remediation refuses", test_aws_regional_remediation_refuses },
		{ NULL, NULL }
	};
	int rc = 2;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    cp_loader_global_init() != CP_OK)
		return 2;
	test_log = cp_log_create(CP_LOG_TO_STDERR, CP_LOG_INFO, "test");
	if (test_log == NULL)
		return 2;
	if (setup() == 0)
		rc = cp_test_run("aws-regional", tests);
	if (w.reg != NULL)
		world_close();
	fake_stop();
	if (workdir[0] != '\0')
		pt_rmtree(workdir);
	cp_log_destroy(test_log);
	curl_global_cleanup();
	return rc;
}
