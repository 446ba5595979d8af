/*
 * test_aws_global.c - the aws plugin's s3, iam, iam-credential-report,
 * cloudtrail, cloudtrail-events, guardduty, cost and resource-explorer
 * collectors and its setup guide, driven in isolation.
 *
 * The collectors' sources are compiled into this program; aws_call() and
 * the emit functions are replaced by a scripted AWS: every call is turned
 * into a JSON description ({"service", "region", "op", "params", "body",
 * "query", "headers"...}), matched against the rules of the test (the
 * first rule whose "match" is a subset of the call answers, "times"
 * bounds how often), and everything the collectors emit is recorded for
 * the checks.  The wire protocols themselves are tested against the fake
 * AWS in global.sh.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "cptest.h"

#include "util.c"
#include "collect_iam.c"
#include "collect_misc.c"
#include "collect_s3.c"
#include "collect_trail.c"
#include "guide.c"

/* ------------------------------------------------------------ the world */

static struct {
	json_t *rules;		/* [{match, ok | error, times}] */
	json_t *calls;		/* every call, in order */
	json_t *resources;	/* [{type, id, name, region, json}] */
	json_t *events;		/* [{type, time, id, json}] */
	json_t *costs;		/* [{period, amount, currency}] */
	json_t *failures;	/* [{collector, region, api, err, message}] */
	json_t *logs;		/* ["level: text"] */
	unsigned unscripted;
	int cancel_after;	/* cancel after this many calls; 0: never */
} w;

static struct aws_plugin plugin;
static struct cp_host host;

/* JSON written with single quotes (no quote in the data). */
static json_t *
J(const char *text)
{
	json_error_t e;
	char *s = strdup(text), *p;
	json_t *v;

	for (p = s; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(s, 0, &e);
	if (v == NULL)
		fprintf(stderr, "bad test JSON at %d: %s\n%s\n", e.position,
		    e.text, s);
	free(s);
	return v;
}

static void
h_log(cp_plugin *self, int level, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	(void)self;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(w.logs, json_sprintf("%d: %s", level, buf));
}

static int
h_cancelled(cp_plugin *self)
{
	(void)self;
	return w.cancel_after > 0 &&
	    json_array_size(w.calls) >= (size_t)w.cancel_after;
}

static json_t *
h_json_parse(const char *buf, size_t len, char *why, size_t why_size)
{
	json_error_t e;
	json_t *v;

	v = json_loadb(buf, len, JSON_DECODE_ANY, &e);
	if (v == NULL)
		snprintf(why, why_size, "%s", e.text);
	return v;
}

static void
world_reset(const char *rules)
{
	json_decref(w.rules);
	json_decref(w.calls);
	json_decref(w.resources);
	json_decref(w.events);
	json_decref(w.costs);
	json_decref(w.failures);
	json_decref(w.logs);
	memset(&w, 0, sizeof(w));
	w.rules = rules != NULL ? J(rules) : NULL;
	w.calls = json_array();
	w.resources = json_array();
	w.events = json_array();
	w.costs = json_array();
	w.failures = json_array();
	w.logs = json_array();
	CU_ASSERT_FATAL(rules == NULL || w.rules != NULL);
}

static void
world_free(void)
{
	json_decref(w.rules);
	json_decref(w.calls);
	json_decref(w.resources);
	json_decref(w.events);
	json_decref(w.costs);
	json_decref(w.failures);
	json_decref(w.logs);
	memset(&w, 0, sizeof(w));
}

static void
host_init(void)
{
	memset(&host, 0, sizeof(host));
	host.struct_size = sizeof(host);
	host.log = h_log;
	host.cancelled = h_cancelled;
	host.json_parse = h_json_parse;
	memset(&plugin, 0, sizeof(plugin));
	plugin.host = &host;
	plugin.home_region = "us-east-1";
}

/* k for account 123456789012 at now (since: a day before). */
static void
collect_init(struct aws_collect *k, time_t now)
{
	host_init();
	memset(k, 0, sizeof(*k));
	k->p = &plugin;
	k->account = "123456789012";
	k->now = now;
	k->since = now - 86400;
	pthread_mutex_init(&k->mu, NULL);
}

/* ------------------------------------------------- the replaced seams */

static const char *
proto_name(enum aws_protocol p)
{
	switch (p) {
	case AWS_P_EC2:
		return "ec2";
	case AWS_P_QUERY:
		return "query";
	case AWS_P_JSON:
		return "json";
	case AWS_P_REST_XML:
		return "rest-xml";
	case AWS_P_REST_JSON:
		return "rest-json";
	}
	return "?";
}

/* Whether every member of want is in have with an equal value. */
static int
subset(const json_t *want, const json_t *have)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_object(want)) {
		if (!json_is_object(have))
			return 0;
		json_object_foreach((json_t *)want, key, v)
			if (!subset(v, json_object_get(have, key)))
				return 0;
		return 1;
	}
	if (json_is_array(want)) {
		if (!json_is_array(have) ||
		    json_array_size(have) != json_array_size(want))
			return 0;
		json_array_foreach(want, i, v)
			if (!subset(v, json_array_get(have, i)))
				return 0;
		return 1;
	}
	return have != NULL && json_equal(want, have);
}

static json_int_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (json_int_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static json_t *
describe(const struct aws_call *r)
{
	json_t *d, *params, *headers, *lists, *body = NULL;
	const char *op = NULL, *dot;
	char buf[512];
	size_t i;

	d = json_object();
	params = json_object();
	headers = json_array();
	lists = json_array();
	for (i = 0; i < r->n_params; i++)
		json_object_set_new(params, r->params[i].name,
		    json_string(r->params[i].value));
	for (i = 0; r->headers != NULL && r->headers[i] != NULL; i++)
		json_array_append_new(headers, json_string(r->headers[i]));
	for (i = 0; r->lists != NULL && r->lists[i] != NULL; i++)
		json_array_append_new(lists, json_string(r->lists[i]));
	if (r->action != NULL)
		op = r->action;
	else if (r->target != NULL) {
		dot = strrchr(r->target, '.');
		op = dot != NULL ? dot + 1 : r->target;
	} else {
		snprintf(buf, sizeof(buf), "%s %s", r->method, r->path);
		op = buf;
	}
	if (r->body != NULL)
		body = json_loadb(r->body, r->body_len, 0, NULL);
	json_object_set_new(d, "service", json_string(r->service));
	json_object_set_new(d, "region", r->region != NULL ?
	    json_string(r->region) : json_null());
	json_object_set_new(d, "global", json_boolean(r->global));
	json_object_set_new(d, "protocol",
	    json_string(proto_name(r->protocol)));
	json_object_set_new(d, "op", json_string(op));
	json_object_set_new(d, "query", r->query != NULL ?
	    json_string(r->query) : json_null());
	json_object_set_new(d, "params", params);
	json_object_set_new(d, "headers", headers);
	json_object_set_new(d, "lists", lists);
	json_object_set_new(d, "body", body != NULL ? body : json_null());
	json_object_set_new(d, "host_prefix", r->host_prefix != NULL ?
	    json_string(r->host_prefix) : json_null());
	json_object_set_new(d, "endpoint_prefix", r->endpoint_prefix != NULL ?
	    json_string(r->endpoint_prefix) : json_null());
	json_object_set_new(d, "target", r->target != NULL ?
	    json_string(r->target) : json_null());
	json_object_set_new(d, "max_body", json_integer((json_int_t)
	    r->max_body));
	json_object_set_new(d, "at_ms", json_integer(now_ms()));
	return d;
}

static cp_err
code_of(const char *name)
{
	static const struct {
		const char *name;
		cp_err code;
	} codes[] = { { "AUTH", CP_E_AUTH }, { "PERM", CP_E_PERM },
	    { "NOTFOUND", CP_E_NOTFOUND }, { "RETRY", CP_E_RETRY_LATER },
	    { "PARSE", CP_E_PARSE }, { "FAILED", CP_E_FAILED },
	    { "TOO_LARGE", CP_E_HTTP_TOO_LARGE } };
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].name, name) == 0)
			return codes[i].code;
	return CP_E_FAILED;
}

cp_err
aws_call(struct aws_client *c, const struct aws_call *r, json_t **out,
    struct aws_error *err)
{
	json_t *d, *rule, *times, *e;
	size_t i;

	(void)c;
	*out = NULL;
	memset(err, 0, sizeof(*err));
	d = describe(r);
	json_array_append(w.calls, d);
	json_array_foreach(w.rules, i, rule) {
		if (!subset(json_object_get(rule, "match"), d))
			continue;
		times = json_object_get(rule, "times");
		if (times != NULL) {
			if (json_integer_value(times) <= 0)
				continue;
			json_integer_set(times, json_integer_value(times) - 1);
		}
		json_decref(d);
		e = json_object_get(rule, "error");
		if (e != NULL) {
			err->status = (long)json_integer_value(
			    json_object_get(e, "status"));
			snprintf(err->code, sizeof(err->code), "%s",
			    json_string_value(json_object_get(e, "code")));
			snprintf(err->message, sizeof(err->message), "%s",
			    json_string_value(json_object_get(e,
			    "message")));
			return code_of(json_string_value(json_object_get(e,
			    "cp")));
		}
		*out = json_deep_copy(json_object_get(rule, "ok"));
		return CP_OK;
	}
	{
		char *text = json_dumps(d, JSON_COMPACT);

		fprintf(stderr, "unscripted call: %s\n", text);
		free(text);
	}
	w.unscripted++;
	json_decref(d);
	snprintf(err->code, sizeof(err->code), "Unscripted");
	return CP_E_FAILED;
}

cp_err
aws_emit(struct aws_collect *k, const char *type, const char *id,
    const char *name, const char *region, const json_t *obj)
{
	(void)k;
	json_array_append_new(w.resources, json_pack("{sssssssssO}", "type",
	    type, "id", id, "name", name, "region", region, "json", obj));
	return CP_OK;
}

cp_err
aws_emit_event(struct aws_collect *k, const char *type,
    const char *time_iso8601, const char *id, const json_t *obj)
{
	(void)k;
	json_array_append_new(w.events, json_pack("{sssssssO}", "type", type,
	    "time", time_iso8601, "id", id, "json", obj));
	return CP_OK;
}

cp_err
aws_emit_cost(struct aws_collect *k, const char *period, double amount,
    const char *currency)
{
	(void)k;
	json_array_append_new(w.costs, json_pack("{sssfss}", "period", period,
	    "amount", amount, "currency", currency));
	return CP_OK;
}

void
aws_collector_failed(struct aws_collect *k, const char *collector,
    const char *region, const char *api, cp_err r,
    const struct aws_error *err)
{
	(void)k;
	json_array_append_new(w.failures, json_pack("{sssssssiss}",
	    "collector", collector, "region", region != NULL ? region :
	    "global", "api", api, "err", (int)r, "message", err->message));
}

void
aws_iso8601(time_t t, char buf[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

time_t
aws_parse_time(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL)
		return -1;
	return timegm(&tm);
}

char *
aws_uri_encode(const char *s, size_t n, int keep_slash)
{
	char *out = malloc(n * 3 + 1), *p = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    ch == '.' || ch == '~' || (keep_slash && ch == '/'))
			*p++ = (char)ch;
		else
			p += sprintf(p, "%%%02X", ch);
	}
	*p = '\0';
	return out;
}

/* ------------------------------------------------------------ checks */

/* The recorded resource of type and id, or NULL. */
static json_t *
resource(const char *type, const char *id)
{
	json_t *r;
	size_t i;

	json_array_foreach(w.resources, i, r)
		if (strcmp(json_string_value(json_object_get(r, "type")),
		    type) == 0 && strcmp(json_string_value(json_object_get(r,
		    "id")), id) == 0)
			return r;
	return NULL;
}

static size_t
count_type(json_t *list, const char *type)
{
	json_t *r;
	size_t i, n = 0;

	json_array_foreach(list, i, r)
		if (strcmp(json_string_value(json_object_get(r, "type")),
		    type) == 0)
			n++;
	return n;
}

static size_t
count_calls(const char *op)
{
	json_t *c;
	size_t i, n = 0;

	json_array_foreach(w.calls, i, c)
		if (strcmp(json_string_value(json_object_get(c, "op")),
		    op) == 0)
			n++;
	return n;
}

/* Checks that want (single-quoted JSON) is a subset of have. */
#define CHECK_HAS(have, want)						\
	do {								\
		json_t *want_ = J(want);				\
		int ok_ = want_ != NULL && subset(want_, (have));	\
		if (!ok_) {						\
			char *s_ = (have) != NULL ?			\
			    json_dumps((have), JSON_COMPACT) : NULL;	\
			fprintf(stderr, "\n%s:%d: missing %s\n in %s\n",\
			    __FILE__, __LINE__, want, s_ ? s_ : "NULL");\
			free(s_);					\
		}							\
		CU_ASSERT(ok_);						\
		json_decref(want_);					\
	} while (0)

/* Whether some log line contains needle. */
static int
logged(const char *needle)
{
	json_t *l;
	size_t i;

	json_array_foreach(w.logs, i, l)
		if (strstr(json_string_value(l), needle) != NULL)
			return 1;
	return 0;
}

static void
dump_failures(void)
{
	char *s = json_dumps(w.failures, JSON_COMPACT);

	if (json_array_size(w.failures) > 0)
		fprintf(stderr, "\nfailures: %s\n", s);
	free(s);
}

/* ---------------------------------------------------------------- s3 */

static const char s3_rules[] =
	"[{'match': {'op': 'GET /v20180820/configuration/publicAccessBlock',"
	"   'host_prefix': '123456789012.', 'service': 's3',"
	"   'headers': ['x-amz-account-id: 123456789012']},"
	"  'error': {'cp': 'NOTFOUND', 'status': 404,"
	"   'code': 'NoSuchPublicAccessBlockConfiguration', 'message': 'none'}},"
	" {'match': {'op': 'GET /', 'region': null},"
	"  'ok': {'Owner': {'ID': 'abc'}, 'Buckets': ["
	"   {'Name': 'pub-assets', 'CreationDate': '2024-01-02T03:04:05.000Z'},"
	"   {'Name': 'app-logs', 'CreationDate': '2024-02-02T03:04:05.000Z'},"
	"   {'Name': 'eu-old', 'CreationDate': '2014-02-02T03:04:05.000Z'}]}},"
	" {'match': {'op': 'GET /pub-assets', 'query': 'location',"
	"   'region': null}, 'ok': 'ap-northeast-1'},"
	" {'match': {'op': 'GET /app-logs', 'query': 'location'}, 'ok': ''},"
	" {'match': {'op': 'GET /eu-old', 'query': 'location'}, 'ok': 'EU'},"
	" {'match': {'op': 'GET /pub-assets', 'query': 'publicAccessBlock',"
	"   'region': 'ap-northeast-1'},"
	"  'error': {'cp': 'NOTFOUND', 'status': 404,"
	"   'code': 'NoSuchPublicAccessBlockConfiguration', 'message': 'x'}},"
	" {'match': {'op': 'GET /pub-assets', 'query': 'acl',"
	"   'region': 'ap-northeast-1', 'lists': ['AccessControlList']},"
	"  'ok': {'Owner': {'ID': 'abc', 'DisplayName': 'me'},"
	"   'AccessControlList': [{'Grantee': {'ID': 'abc'},"
	"     'Permission': 'FULL_CONTROL'},"
	"    {'Grantee': {'URI': 'http://acs.amazonaws.com/groups/global/AllUsers'},"
	"     'Permission': 'READ'}]}},"
	" {'match': {'op': 'GET /pub-assets', 'query': 'policyStatus',"
	"   'region': 'ap-northeast-1'},"
	"  'ok': {'IsPublic': true}},"
	" {'match': {'op': 'GET /app-logs', 'query': 'publicAccessBlock',"
	"   'region': 'us-east-1'},"
	"  'ok': {'BlockPublicAcls': true, 'IgnorePublicAcls': true,"
	"   'BlockPublicPolicy': true, 'RestrictPublicBuckets': true}},"
	" {'match': {'op': 'GET /app-logs', 'query': 'acl',"
	"   'region': 'us-east-1'},"
	"  'ok': {'Owner': {'ID': 'abc'}, 'AccessControlList': [{'Grantee':"
	"   {'ID': 'abc', 'Type': 'CanonicalUser'}, 'Permission': 'FULL_CONTROL'}]}},"
	" {'match': {'op': 'GET /app-logs', 'query': 'policyStatus'},"
	"  'error': {'cp': 'NOTFOUND', 'status': 404,"
	"   'code': 'NoSuchBucketPolicy', 'message': 'none'}},"
	" {'match': {'op': 'GET /eu-old', 'region': 'eu-west-1',"
	"   'query': 'acl'},"
	"  'error': {'cp': 'PERM', 'status': 403, 'code': 'AccessDenied',"
	"   'message': 'Access Denied'}},"
	" {'match': {'op': 'GET /eu-old', 'region': 'eu-west-1'},"
	"  'ok': {}}]";

static void
test_s3_buckets(void)
{
	struct aws_collect k;
	struct aws_client c;
	json_t *r;

	world_reset(s3_rules);
	collect_init(&k, time(NULL));
	aws_collect_s3(&k, &c);
	CU_ASSERT_EQUAL(w.unscripted, 0);
	r = resource("aws/s3-account-public-access-block",
	    "arn:aws:s3::123456789012:account");
	CHECK_HAS(r, "{'name': '123456789012', 'region': 'global',"
	    " 'json': {'PublicAccessBlock': null}}");
	r = resource("aws/s3-bucket", "arn:aws:s3:::pub-assets");
	CHECK_HAS(r, "{'name': 'pub-assets', 'region': 'global', 'json': {"
	    "'Name': 'pub-assets', 'CreationDate': '2024-01-02T03:04:05.000Z',"
	    "'Region': 'ap-northeast-1', 'PublicAccessBlock': null,"
	    "'PolicyStatus': {'IsPublic': true},"
	    "'Acl': {'Owner': {'ID': 'abc'}}}}");
	CHECK_HAS(json_array_get(json_object_get(json_object_get(
	    json_object_get(r, "json"), "Acl"), "Grants"), 1),
	    "{'Grantee': {'Type': 'Group', 'URI': "
	    "'http://acs.amazonaws.com/groups/global/AllUsers'},"
	    " 'Permission': 'READ'}");
	CHECK_HAS(json_array_get(json_object_get(json_object_get(
	    json_object_get(r, "json"), "Acl"), "Grants"), 0),
	    "{'Grantee': {'Type': 'CanonicalUser', 'ID': 'abc'}}");
	r = resource("aws/s3-bucket", "arn:aws:s3:::app-logs");
	CHECK_HAS(r, "{'json': {'Region': 'us-east-1', 'PolicyStatus': null,"
	    "'PublicAccessBlock': {'BlockPublicAcls': true,"
	    " 'IgnorePublicAcls': true, 'BlockPublicPolicy': true,"
	    " 'RestrictPublicBuckets': true}}}");
	/* The bucket whose ACL is denied is left out and the s3 collector
	 * failed, naming the bucket and its region. */
	CU_ASSERT_PTR_NULL(resource("aws/s3-bucket", "arn:aws:s3:::eu-old"));
	CU_ASSERT_EQUAL(json_array_size(w.failures), 1);
	CHECK_HAS(json_array_get(w.failures, 0), "{'collector': 's3',"
	    " 'region': 'eu-west-1', 'api': 'GetBucketAcl(eu-old)',"
	    " 'message': 'Access Denied'}");
	CU_ASSERT_EQUAL(json_array_size(w.resources), 3);
	pthread_mutex_destroy(&k.mu);
}

static void
test_s3_list_fails(void)
{
	struct aws_collect k;
	struct aws_client c;

	world_reset("[{'match': {'op': 'GET /'}, 'error': {'cp': 'AUTH',"
	    " 'status': 403, 'code': 'InvalidAccessKeyId', 'message': 'bad'}},"
	    " {'match': {'service': 's3'}, 'ok': {}}]");
	collect_init(&k, time(NULL));
	aws_collect_s3(&k, &c);
	CU_ASSERT_EQUAL(w.unscripted, 0);
	CU_ASSERT_EQUAL(json_array_size(w.failures), 1);
	CHECK_HAS(json_array_get(w.failures, 0), "{'collector': 's3',"
	    " 'api': 'ListBuckets', 'message': 'bad'}");
	/* The account's block has no flags set: all four false. */
	CHECK_HAS(resource("aws/s3-account-public-access-block",
	    "arn:aws:s3::123456789012:account"), "{'json': {"
	    "'PublicAccessBlock': {'BlockPublicAcls': false,"
	    " 'RestrictPublicBuckets': false}}}");
	pthread_mutex_destroy(&k.mu);
}

/* An answer without the list (a proxy's page, a wrong endpoint) is not an
 * account without buckets: the collector says it failed. */
static void
test_s3_list_missing(void)
{
	struct aws_collect k;
	struct aws_client c;

	world_reset("[{'match': {'op': 'GET /'}, 'ok': {'Owner': {}}},"
	    " {'match': {'service': 's3'}, 'ok': {}}]");
	collect_init(&k, time(NULL));
	aws_collect_s3(&k, &c);
	CU_ASSERT_EQUAL(json_array_size(w.failures), 1);
	CHECK_HAS(json_array_get(w.failures, 0), "{'collector': 's3',"
	    " 'api': 'ListBuckets', 'message': 'the response has no Buckets"
	    " list'}");
	CU_ASSERT_EQUAL(count_type(w.resources, "aws/s3-bucket"), 0);
	pthread_mutex_destroy(&k.mu);
}

/* --------------------------------------------------------------- iam */

/* "user,arn,...\n" rows, base64 encoded into out. */
static char *
b64(const char *s)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), i, o = 0;
	char *out = malloc(n / 3 * 4 + 8);
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8 |
		    (unsigned char)s[i + 2];
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned char)s[i] << 16;
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8;
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

static const char report_csv[] =
	"user,arn,user_creation_time,password_enabled,mfa_active,"
	"access_key_1_active\n"
	"<root_account>,arn:aws:iam::123456789012:root,"
	"2020-01-01T00:00:00+00:00,not_supported,false,true\n"
	"alice,arn:aws:iam::123456789012:user/alice,"
	"2024-01-01T00:00:00+00:00,true,true,true\n"
	"\"bob, jr\",arn:aws:iam::123456789012:user/bob,"
	"2024-01-01T00:00:00+00:00,true,false,\"fal\"\"se\"\r\n";

static const char iam_rules[] =
	"[{'match': {'op': 'GenerateCredentialReport'}, 'times': 2,"
	"  'ok': {'State': 'STARTED'}},"
	" {'match': {'op': 'GenerateCredentialReport'},"
	"  'ok': {'State': 'COMPLETE'}},"
	" {'match': {'op': 'ListUsers', 'params': {'Marker': 'm2'}},"
	"  'ok': {'IsTruncated': false, 'Users': [{'UserName': 'carol',"
	"   'Arn': 'arn:aws:iam::123456789012:user/carol', 'UserId': 'AID3',"
	"   'CreateDate': '2023-01-01T00:00:00Z'}]}},"
	" {'match': {'op': 'ListUsers', 'service': 'iam', 'global': true,"
	"   'protocol': 'query', 'lists': ['Users', 'Tags']},"
	"  'ok': {'IsTruncated': true, 'Marker': 'm2', 'Users': ["
	"   {'UserName': 'alice', 'UserId': 'AID1',"
	"    'Arn': 'arn:aws:iam::123456789012:user/alice',"
	"    'CreateDate': '2024-01-01T00:00:00Z',"
	"    'PasswordLastUsed': '2025-01-01T00:00:00Z'},"
	"   {'UserName': 'bob', 'UserId': 'AID2',"
	"    'Arn': 'arn:aws:iam::123456789012:user/bob',"
	"    'CreateDate': '2024-02-01T00:00:00Z'}]}},"
	" {'match': {'op': 'ListMFADevices', 'params': {'UserName': 'alice'}},"
	"  'ok': {'IsTruncated': true, 'Marker': 'x', 'MFADevices': ["
	"   {'UserName': 'alice', 'SerialNumber': 'arn:mfa/alice',"
	"    'EnableDate': '2024-01-02T00:00:00Z'}]}, 'times': 1},"
	" {'match': {'op': 'ListMFADevices', 'params': {'UserName': 'alice',"
	"   'Marker': 'x'}},"
	"  'ok': {'IsTruncated': false, 'MFADevices': ["
	"   {'UserName': 'alice', 'SerialNumber': 'arn:mfa/alice2',"
	"    'EnableDate': '2024-01-03T00:00:00Z'}]}},"
	" {'match': {'op': 'ListMFADevices'}, 'ok': {'IsTruncated': false,"
	"   'MFADevices': ''}},"
	" {'match': {'op': 'ListAccessKeys', 'params': {'UserName': 'carol'}},"
	"  'ok': {'IsTruncated': false, 'AccessKeyMetadata': [{"
	"   'UserName': 'carol', 'AccessKeyId': 'AKIACAROL', 'Status': 'Active',"
	"   'CreateDate': '2023-01-01T00:00:00Z'}]}},"
	" {'match': {'op': 'ListAccessKeys'}, 'ok': {'IsTruncated': false,"
	"   'AccessKeyMetadata': []}},"
	" {'match': {'op': 'GetAccessKeyLastUsed', 'params': {'AccessKeyId':"
	"   'AKIACAROL'}}, 'ok': {'UserName': 'carol', 'AccessKeyLastUsed': {"
	"   'LastUsedDate': '2025-02-01T00:00:00Z', 'ServiceName': 's3',"
	"   'Region': 'us-east-1'}}},"
	" {'match': {'op': 'GetLoginProfile', 'params': {'UserName': 'carol'}},"
	"  'error': {'cp': 'NOTFOUND', 'status': 404, 'code': 'NoSuchEntity',"
	"   'message': 'no login profile'}},"
	" {'match': {'op': 'GetLoginProfile'}, 'ok': {'LoginProfile': {"
	"   'UserName': 'x', 'CreateDate': '2024-01-05T00:00:00Z'}}},"
	" {'match': {'op': 'GetAccountSummary', 'lists': []},"
	"  'ok': {'SummaryMap': {'AccountMFAEnabled': 0,"
	"   'AccountAccessKeysPresent': 1, 'Users': 3}}},"
	" {'match': {'op': 'GetAccountPasswordPolicy'},"
	"  'error': {'cp': 'NOTFOUND', 'status': 404, 'code': 'NoSuchEntity',"
	"   'message': 'no policy'}}";

static void
iam_rules_with_report(char *buf, size_t size, const char *csv)
{
	char *enc = b64(csv);

	snprintf(buf, size, "%s, {'match': {'op': 'GetCredentialReport'},"
	    " 'ok': {'Content': '%s', 'ReportFormat': 'text/csv',"
	    " 'GeneratedTime': '2025-01-01T00:00:00Z'}}]", iam_rules, enc);
	free(enc);
}

static void
test_iam_collect(void)
{
	struct aws_collect k;
	struct aws_client c;
	char rules[16384];
	json_t *r;
	struct timespec t0, t1;

	iam_rules_with_report(rules, sizeof(rules), report_csv);
	world_reset(rules);
	collect_init(&k, time(NULL));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	aws_collect_iam(&k, &c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dump_failures();
	CU_ASSERT_EQUAL(w.unscripted, 0);
	CU_ASSERT_EQUAL(json_array_size(w.failures), 0);
	r = resource("aws/iam-user", "arn:aws:iam::123456789012:user/alice");
	CHECK_HAS(r, "{'name': 'alice', 'region': 'global', 'json': {"
	    "'UserName': 'alice', 'UserId': 'AID1',"
	    "'PasswordLastUsed': '2025-01-01T00:00:00Z',"
	    "'LoginProfile': {'CreateDate': '2024-01-05T00:00:00Z'},"
	    "'AccessKeys': []}}");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(json_object_get(r,
	    "json"), "MFADevices")), 2);
	r = resource("aws/iam-user", "arn:aws:iam::123456789012:user/bob");
	CHECK_HAS(r, "{'json': {'MFADevices': [], 'PasswordLastUsed': null}}");
	r = resource("aws/iam-user", "arn:aws:iam::123456789012:user/carol");
	CHECK_HAS(r, "{'json': {'LoginProfile': null, 'AccessKeys': [{"
	    "'AccessKeyId': 'AKIACAROL', 'Status': 'Active',"
	    "'CreateDate': '2023-01-01T00:00:00Z',"
	    "'LastUsedDate': '2025-02-01T00:00:00Z'}]}}");
	CHECK_HAS(resource("aws/iam-account-summary",
	    "arn:aws:iam::123456789012:root"), "{'name': 'root', 'json': {"
	    "'AccountMFAEnabled': 0, 'AccountAccessKeysPresent': 1,"
	    " 'Users': 3}}");
	CHECK_HAS(resource("aws/iam-password-policy",
	    "arn:aws:iam::123456789012:account-password-policy"),
	    "{'name': 'password-policy', 'json': {'PasswordPolicy': null}}");
	/* The report: three polls (two STARTED), then the rows; the
	 * collector waited between the polls (250 ms, then 500 ms). */
	CU_ASSERT_EQUAL(count_calls("GenerateCredentialReport"), 3);
	CU_ASSERT((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 700);
	CU_ASSERT_EQUAL(count_type(w.resources,
	    "aws/iam-credential-report-row"), 3);
	CHECK_HAS(resource("aws/iam-credential-report-row",
	    "arn:aws:iam::123456789012:root"), "{'name': '<root_account>',"
	    " 'json': {'mfa_active': 'false', 'access_key_1_active': 'true',"
	    " 'password_enabled': 'not_supported'}}");
	CHECK_HAS(resource("aws/iam-credential-report-row",
	    "arn:aws:iam::123456789012:user/bob"), "{'name': 'bob, jr',"
	    " 'json': {'access_key_1_active': 'fal\\\"se'}}");
	pthread_mutex_destroy(&k.mu);
}

static void
test_iam_report_failures(void)
{
	static const char *const bad[] = {
		"user,arn\nalice,arn:x,extra\n",	/* field count */
		"user,arn\n\"alice,arn:x\n",		/* open quote */
		"",					/* no header */
	};
	struct aws_collect k;
	struct aws_client c;
	char rules[16384];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		iam_rules_with_report(rules, sizeof(rules), bad[i]);
		world_reset(rules);
		collect_init(&k, time(NULL));
		aws_collect_iam(&k, &c);
		CU_ASSERT_EQUAL(json_array_size(w.failures), 1);
		CHECK_HAS(json_array_get(w.failures, 0), "{'collector':"
		    " 'iam-credential-report', 'api': 'GetCredentialReport',"
		    " 'err': 8}");
		/* The users are there all the same. */
		CU_ASSERT_EQUAL(count_type(w.resources, "aws/iam-user"), 3);
		pthread_mutex_destroy(&k.mu);
	}
	/* Not base64 at all. */
	snprintf(rules, sizeof(rules), "%s, {'match': {'op':"
	    " 'GetCredentialReport'}, 'ok': {'Content': 'abc$',"
	    " 'ReportFormat': 'text/csv'}}]", iam_rules);
	world_reset(rules);
	collect_init(&k, time(NULL));
	aws_collect_iam(&k, &c);
	CHECK_HAS(w.failures, "[{'collector': 'iam-credential-report',"
	    " 'message': 'Content is not valid base64'}]");
	pthread_mutex_destroy(&k.mu);
	/* Too large for the transport. */
	snprintf(rules, sizeof(rules), "%s, {'match': {'op':"
	    " 'GetCredentialReport', 'max_body': %u}, 'error': {'cp':"
	    " 'TOO_LARGE', 'status': 200, 'code': '', 'message': 'big'}}]",
	    iam_rules, (unsigned)IAM_REPORT_BODY_MAX);
	world_reset(rules);
	collect_init(&k, time(NULL));
	aws_collect_iam(&k, &c);
	CU_ASSERT_EQUAL(json_array_size(w.failures), 1);
	CHECK_HAS(w.failures, "[{'collector': 'iam-credential-report',"
	    " 'err': 24}]");
	CU_ASSERT_PTR_NOT_NULL(strstr(json_string_value(json_object_get(
	    json_array_get(w.failures, 0), "message")), "larger than the 16 MiB"));
	pthread_mutex_destroy(&k.mu);
}

static void
test_iam_user_failure(void)
{
	struct aws_collect k;
	struct aws_client c;
	char rules[16384], body[16000];

	/* bob's keys cannot be listed: bob is left out, the listing stops,
	 * the rest of iam goes on. */
	iam_rules_with_report(body, sizeof(body), report_csv);
	snprintf(rules, sizeof(rules), "[{'match': {'op': 'ListAccessKeys',"
	    " 'params': {'UserName': 'bob'}}, 'error': {'cp': 'PERM',"
	    " 'status': 403, 'code': 'AccessDenied', 'message': 'no'}}, %s",
	    body + 1);
	world_reset(rules);
	collect_init(&k, time(NULL));
	aws_collect_iam(&k, &c);
	CU_ASSERT_EQUAL(json_array_size(w.failures), 1);
	CHECK_HAS(w.failures, "[{'collector': 'iam',"
	    " 'api': 'ListAccessKeys(bob)', 'err': 6}]");
	CU_ASSERT_PTR_NOT_NULL(resource("aws/iam-user",
	    "arn:aws:iam::123456789012:user/alice"));
	CU_ASSERT_PTR_NULL(resource("aws/iam-user",
	    "arn:aws:iam::123456789012:user/bob"));
	CU_ASSERT_PTR_NOT_NULL(resource("aws/iam-account-summary",
	    "arn:aws:iam::123456789012:root"));
	CU_ASSERT_EQUAL(count_type(w.resources,
	    "aws/iam-credential-report-row"), 3);
	pthread_mutex_destroy(&k.mu);
}

/* ListUsers answered without its Users list: a failure, not no users. */
static void
test_iam_list_missing(void)
{
	struct aws_collect k;
	struct aws_client c;

	world_reset("[{'match': {'op': 'ListUsers'}, 'ok': {'IsTruncated':"
	    " false}}, {'match': {'service': 'iam'}, 'ok': {}}]");
	collect_init(&k, time(NULL));
	aws_collect_iam(&k, &c);
	/* A report generation answer without a State is an error at once,
	 * not something to poll for a minute. */
	CU_ASSERT_EQUAL(json_array_size(w.failures), 2);
	CHECK_HAS(json_array_get(w.failures, 0), "{'collector':"
	    " 'iam-credential-report', 'api': 'GenerateCredentialReport',"
	    " 'err': 8, 'message': 'the response has no State'}");
	CHECK_HAS(json_array_get(w.failures, 1), "{'collector': 'iam',"
	    " 'api': 'ListUsers', 'message': 'the response has no Users"
	    " list'}");
	CU_ASSERT_EQUAL(count_type(w.resources, "aws/iam-user"), 0);
	pthread_mutex_destroy(&k.mu);
}

static void
test_iam_b64(void)
{
	char *out;
	size_t n;

	CU_ASSERT_EQUAL(iam_b64_decode("aGVsbG8=", 8, 100, &out, &n), CP_OK);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_STRING_EQUAL(out, "hello");
	free(out);
	CU_ASSERT_EQUAL(iam_b64_decode("aGVs\nbG8", 8, 100, &out, &n),
	    CP_OK);
	CU_ASSERT_STRING_EQUAL(out, "hello");
	free(out);
	CU_ASSERT_EQUAL(iam_b64_decode("", 0, 100, &out, &n), CP_OK);
	CU_ASSERT_EQUAL(n, 0);
	free(out);
	CU_ASSERT_EQUAL(iam_b64_decode("aGVsbG8=", 8, 4, &out, &n),
	    CP_E_LIMIT);
	CU_ASSERT_EQUAL(iam_b64_decode("aGV=sbG8", 8, 100, &out, &n),
	    CP_E_PARSE);
	CU_ASSERT_EQUAL(iam_b64_decode("a", 1, 100, &out, &n), CP_E_PARSE);
	CU_ASSERT_EQUAL(iam_b64_decode("aGVsbG9", 7, 100, &out, &n),
	    CP_E_PARSE);	/* trailing bits not zero */
	CU_ASSERT_EQUAL(iam_b64_decode("aGVs*G8=", 8, 100, &out, &n),
	    CP_E_PARSE);
}

static void
test_iam_summary_map(void)
{
	json_t *in, *out;

	in = J("[{'Key': 'AccountMFAEnabled', 'Value': '0'},"
	    " {'Key': 'Users', 'Value': 3}, {'Key': 'X', 'Value': 'abc'}]");
	out = iam_summary_map(in);
	CHECK_HAS(out, "{'AccountMFAEnabled': 0, 'Users': 3, 'X': 'abc'}");
	json_decref(out);
	json_decref(in);
	in = J("{'Entry': [{'Key': 'Users', 'Value': '12'}]}");
	out = iam_summary_map(in);
	CHECK_HAS(out, "{'Users': 12}");
	json_decref(out);
	json_decref(in);
}

static void
test_iam_csv(void)
{
	const char *s = "a,\"b,\"\"c\"\"\",,\"\"\r\nx\n\n";
	char *f[4];
	size_t pos = 0;
	int n;

	n = iam_csv_record(s, strlen(s), &pos, f, 4);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_STRING_EQUAL(f[0], "a");
	CU_ASSERT_STRING_EQUAL(f[1], "b,\"c\"");
	CU_ASSERT_STRING_EQUAL(f[2], "");
	CU_ASSERT_STRING_EQUAL(f[3], "");
	iam_fields_free(f, n);
	n = iam_csv_record(s, strlen(s), &pos, f, 4);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(f[0], "x");
	iam_fields_free(f, n);
	n = iam_csv_record(s, strlen(s), &pos, f, 4);
	CU_ASSERT_EQUAL_FATAL(n, 1);	/* the empty line */
	iam_fields_free(f, n);
	CU_ASSERT_EQUAL(iam_csv_record(s, strlen(s), &pos, f, 4), 0);
	pos = 0;
	CU_ASSERT_EQUAL(iam_csv_record("a,b,c,d,e", 9, &pos, f, 4), -1);
	pos = 0;
	CU_ASSERT_EQUAL(iam_csv_record("\"a\"b", 4, &pos, f, 4), -1);
}

/* -------------------------------------------------------- cloudtrail */

static void
test_cloudtrail_trails(void)
{
	struct aws_collect k;
	struct aws_client c;

	world_reset("[{'match': {'op': 'DescribeTrails', 'protocol': 'json',"
	    "  'region': 'ap-northeast-1', 'service': 'cloudtrail',"
	    "  'target': 'com.amazonaws.cloudtrail.v20131101."
	    "CloudTrail_20131101.DescribeTrails',"
	    "  'body': {'includeShadowTrails': false}},"
	    " 'ok': {'trailList': [{'Name': 'demo-trail',"
	    "  'TrailARN': 'arn:aws:cloudtrail:ap-northeast-1:123456789012:"
	    "trail/demo-trail', 'HomeRegion': 'ap-northeast-1',"
	    "  'IsMultiRegionTrail': false},"
	    "  {'Name': 'org', 'TrailARN': 'arn:aws:cloudtrail:us-east-1:1:"
	    "trail/org', 'HomeRegion': 'us-east-1'}]}},"
	    " {'match': {'op': 'GetTrailStatus', 'body': {'Name': "
	    "  'arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/"
	    "demo-trail'}, 'region': 'ap-northeast-1'},"
	    " 'ok': {'IsLogging': true, 'LatestDeliveryTime': 1700000000.5,"
	    "  'StartLoggingTime': 1600000000}}]");
	collect_init(&k, time(NULL));
	aws_collect_cloudtrail(&k, &c, "ap-northeast-1");
	CU_ASSERT_EQUAL(w.unscripted, 0);
	CU_ASSERT_EQUAL(json_array_size(w.resources), 1);
	CHECK_HAS(resource("aws/cloudtrail-trail", "arn:aws:cloudtrail:"
	    "ap-northeast-1:123456789012:trail/demo-trail"),
	    "{'name': 'demo-trail', 'region': 'ap-northeast-1', 'json': {"
	    "'IsMultiRegionTrail': false, 'Status': {'IsLogging': true,"
	    " 'LatestDeliveryTime': '2023-11-14T22:13:20Z',"
	    " 'StartLoggingTime': '2020-09-13T12:26:40Z'}}}");
	pthread_mutex_destroy(&k.mu);
}

static void
test_cloudtrail_events(void)
{
	struct aws_collect k;
	struct aws_client c;
	char rules[8192];
	json_t *e, *calls_at;
	time_t now = 1764000000;	/* 2025-11-24T16:00:00Z */
	size_t i;
	json_int_t prev = -1;

	snprintf(rules, sizeof(rules),
	    "[{'match': {'op': 'LookupEvents', 'region': 'ap-northeast-1',"
	    "   'body': {'LookupAttributes': [{'AttributeKey': 'EventName',"
	    "   'AttributeValue': 'ConsoleLogin'}], 'MaxResults': 50,"
	    "   'StartTime': %lld, 'EndTime': %lld, 'NextToken': 't2'}},"
	    "  'ok': {'Events': [{'EventId': 'e3', 'EventName': 'ConsoleLogin',"
	    "   'EventTime': %lld, 'Username': 'bob',"
	    "   'CloudTrailEvent': '{not json'}]}},"
	    " {'match': {'op': 'LookupEvents', 'body': {'LookupAttributes':"
	    "   [{'AttributeValue': 'ConsoleLogin'}]}},"
	    "  'ok': {'NextToken': 't2', 'Events': ["
	    "   {'EventId': 'e1', 'EventName': 'ConsoleLogin',"
	    "    'EventTime': %lld, 'Username': 'root', 'CloudTrailEvent':"
	    "    '{\\'userIdentity\\': {\\'type\\': \\'Root\\'}}'},"
	    "   {'EventId': 'old', 'EventName': 'ConsoleLogin',"
	    "    'EventTime': %lld, 'CloudTrailEvent': '{}'},"
	    "   {'EventId': 'atnow', 'EventName': 'ConsoleLogin',"
	    "    'EventTime': %lld, 'CloudTrailEvent': '{}'}]}},"
	    " {'match': {'op': 'LookupEvents', 'body': {'LookupAttributes':"
	    "   [{'AttributeValue': 'CreateUser'}]}},"
	    "  'ok': {'Events': [{'EventId': 'c1', 'EventName': 'CreateUser',"
	    "   'EventTime': %lld, 'CloudTrailEvent': '{}'}]}}]",
	    (long long)(now - 86400), (long long)now,
	    (long long)(now - 3600), (long long)(now - 7200),
	    (long long)(now - 86401), (long long)now,
	    (long long)(now - 86400));
	/* The rule text quotes quotes: \\' becomes \" after J(). */
	world_reset(rules);
	collect_init(&k, now);
	aws_collect_events(&k, &c, "ap-northeast-1");
	dump_failures();
	CU_ASSERT_EQUAL(w.unscripted, 0);
	CU_ASSERT_EQUAL(json_array_size(w.failures), 0);
	CU_ASSERT_EQUAL(count_calls("LookupEvents"), 3);
	/* [since, now): "old" is before since, "atnow" the next one's. */
	CU_ASSERT_EQUAL(json_array_size(w.events), 3);
	e = json_array_get(w.events, 0);
	CHECK_HAS(e, "{'type': 'aws/ConsoleLogin', 'id': 'e1',"
	    " 'time': '2025-11-24T14:00:00Z', 'json': {'EventTime':"
	    " '2025-11-24T14:00:00Z', 'Username': 'root', 'CloudTrailEvent':"
	    " {'userIdentity': {'type': 'Root'}}}}");
	e = json_array_get(w.events, 1);
	CHECK_HAS(e, "{'type': 'aws/ConsoleLogin', 'id': 'e3',"
	    " 'json': {'CloudTrailEvent': '{not json'}}");
	e = json_array_get(w.events, 2);
	CHECK_HAS(e, "{'type': 'aws/CreateUser', 'id': 'c1',"
	    " 'time': '2025-11-23T16:00:00Z'}");
	CU_ASSERT(logged("event e3"));
	/* LookupEvents is paced under 2 requests a second. */
	json_array_foreach(w.calls, i, calls_at) {
		json_int_t at = json_integer_value(json_object_get(calls_at,
		    "at_ms"));
		if (prev >= 0)
			CU_ASSERT(at - prev >= 500);
		prev = at;
	}
	pthread_mutex_destroy(&k.mu);
}

static void
test_guardduty(void)
{
	struct aws_collect k;
	struct aws_client c;

	world_reset("[{'match': {'op': 'GET /detector', 'query':"
	    "  'maxResults=50&nextToken=n%2B2', 'protocol': 'rest-json',"
	    "  'service': 'guardduty', 'region': 'ap-northeast-1'},"
	    " 'ok': {'detectorIds': ['d2']}},"
	    " {'match': {'op': 'GET /detector', 'query': 'maxResults=50',"
	    "  'region': 'ap-northeast-1'},"
	    " 'ok': {'detectorIds': ['d1'], 'nextToken': 'n+2'}},"
	    " {'match': {'op': 'GET /detector/d1'}, 'ok': {'status': 'ENABLED',"
	    "  'findingPublishingFrequency': 'SIX_HOURS', 'serviceRole': 'x'}},"
	    " {'match': {'op': 'GET /detector/d2'}, 'ok': {'status':"
	    "  'DISABLED'}},"
	    " {'match': {'op': 'GET /detector', 'region': 'us-east-1'},"
	    "  'ok': {'detectorIds': [], 'nextToken': ''}},"
	    " {'match': {'op': 'GET /detector', 'region': 'eu-west-1'},"
	    "  'error': {'cp': 'PERM', 'status': 403, 'code':"
	    "  'AccessDeniedException', 'message': 'denied'}}]");
	collect_init(&k, time(NULL));
	aws_collect_guardduty(&k, &c, "ap-northeast-1");
	aws_collect_guardduty(&k, &c, "us-east-1");
	aws_collect_guardduty(&k, &c, "eu-west-1");
	CU_ASSERT_EQUAL(w.unscripted, 0);
	CHECK_HAS(resource("aws/guardduty-region",
	    "arn:aws:guardduty:ap-northeast-1:123456789012:region"),
	    "{'name': 'ap-northeast-1', 'region': 'ap-northeast-1', 'json':"
	    " {'Region': 'ap-northeast-1', 'Detectors': [{'DetectorId': 'd1',"
	    " 'Status': 'ENABLED'}, {'DetectorId': 'd2', 'Status':"
	    " 'DISABLED'}]}}");
	CHECK_HAS(resource("aws/guardduty-region",
	    "arn:aws:guardduty:us-east-1:123456789012:region"),
	    "{'json': {'Region': 'us-east-1', 'Detectors': []}}");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(json_object_get(
	    resource("aws/guardduty-region",
	    "arn:aws:guardduty:us-east-1:123456789012:region"), "json"),
	    "Detectors")), 0);
	CU_ASSERT_PTR_NULL(resource("aws/guardduty-region",
	    "arn:aws:guardduty:eu-west-1:123456789012:region"));
	CU_ASSERT_EQUAL(json_array_size(w.failures), 1);
	CHECK_HAS(w.failures, "[{'collector': 'guardduty', 'region':"
	    " 'eu-west-1', 'api': 'ListDetectors', 'err': 6}]");
	pthread_mutex_destroy(&k.mu);
}

/* -------------------------------------------------------------- cost */

static void
cost_at(const char *iso, const char *start, const char *end)
{
	struct aws_collect k;
	struct aws_client c;
	char rules[2048], want[256];

	snprintf(rules, sizeof(rules),
	    "[{'match': {'op': 'GetCostAndUsage', 'service': 'ce', 'region':"
	    "  'us-east-1', 'target': 'AWSInsightsIndexService.GetCostAndUsage',"
	    "  'body': {'TimePeriod': {'Start': '%s', 'End': '%s'},"
	    "  'Granularity': 'MONTHLY', 'Metrics': ['UnblendedCost']}},"
	    " 'times': 1,"
	    " 'ok': {'NextPageToken': 'p2', 'ResultsByTime': [{'TimePeriod':"
	    "  {'Start': '%s', 'End': '%s'}, 'Total': {'UnblendedCost':"
	    "  {'Amount': '1800.25', 'Unit': 'USD'}}, 'Estimated': true}]}},"
	    " {'match': {'op': 'GetCostAndUsage', 'body': {'NextPageToken':"
	    "  'p2'}}, 'ok': {'ResultsByTime': [{'TimePeriod': {'Start': '%s'},"
	    "  'Total': {'UnblendedCost': {'Amount': '34.02', 'Unit':"
	    "  'USD'}}}]}}]", start, end, start, end, start);
	world_reset(rules);
	collect_init(&k, aws_parse_time(iso));
	aws_collect_cost(&k, &c);
	dump_failures();
	CU_ASSERT_EQUAL(w.unscripted, 0);
	CU_ASSERT_EQUAL(json_array_size(w.costs), 1);
	snprintf(want, sizeof(want), "[{'period': '%.7s', 'currency':"
	    " 'USD'}]", start);
	CHECK_HAS(w.costs, want);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(
	    json_array_get(w.costs, 0), "amount")), 1834.27, 0.001);
	pthread_mutex_destroy(&k.mu);
}

static void
test_cost(void)
{
	cost_at("2025-11-24T16:00:00Z", "2025-11-01", "2025-11-25");
	cost_at("2025-11-01T00:00:00Z", "2025-11-01", "2025-11-02");
	cost_at("2025-11-30T23:59:59Z", "2025-11-01", "2025-12-01");
	cost_at("2025-12-31T12:00:00Z", "2025-12-01", "2026-01-01");
}

static void
test_cost_failures(void)
{
	struct aws_collect k;
	struct aws_client c;

	world_reset("[{'match': {'op': 'GetCostAndUsage'}, 'ok':"
	    " {'ResultsByTime': []}}]");
	collect_init(&k, time(NULL));
	aws_collect_cost(&k, &c);
	CU_ASSERT_EQUAL(json_array_size(w.costs), 0);
	CHECK_HAS(w.failures, "[{'collector': 'cost', 'api':"
	    " 'GetCostAndUsage'}]");
	pthread_mutex_destroy(&k.mu);
	world_reset("[{'match': {'op': 'GetCostAndUsage'}, 'ok':"
	    " {'ResultsByTime': [{'Total': {'UnblendedCost': {'Amount':"
	    " '12abc', 'Unit': 'USD'}}}]}}]");
	collect_init(&k, time(NULL));
	aws_collect_cost(&k, &c);
	CU_ASSERT_EQUAL(json_array_size(w.costs), 0);
	CHECK_HAS(w.failures, "[{'collector': 'cost', 'err': 8}]");
	pthread_mutex_destroy(&k.mu);
}

/* ------------------------------------------------- resource explorer */

static void
test_resource_explorer_none(void)
{
	struct aws_collect k;
	struct aws_client c;

	world_reset("[{'match': {'op': 'POST /ListIndexes', 'service':"
	    " 'resource-explorer-2', 'protocol': 'rest-json', 'region': null},"
	    " 'ok': {'Indexes': []}}]");
	collect_init(&k, time(NULL));
	aws_collect_resource_explorer(&k, &c);
	CU_ASSERT_EQUAL(w.unscripted, 0);
	CU_ASSERT_EQUAL(json_array_size(w.failures), 0);
	CU_ASSERT_EQUAL(json_array_size(w.resources), 1);
	CHECK_HAS(resource("aws/resource-explorer",
	    "arn:aws:resource-explorer-2::123456789012:status"),
	    "{'name': 'resource-explorer', 'region': 'global',"
	    " 'json': {'Enabled': false}}");
	pthread_mutex_destroy(&k.mu);
}

static void
test_resource_explorer_aggregator(void)
{
	struct aws_collect k;
	struct aws_client c;

	world_reset("[{'match': {'op': 'POST /ListIndexes'}, 'times': 1,"
	    " 'ok': {'NextToken': 'i2', 'Indexes': [{'Region': 'us-east-1',"
	    "  'Type': 'LOCAL', 'Arn': 'a1'}]}},"
	    " {'match': {'op': 'POST /ListIndexes', 'body': {'NextToken':"
	    "  'i2'}}, 'ok': {'Indexes': [{'Region': 'ap-northeast-1', 'Type':"
	    "  'AGGREGATOR', 'Arn': 'a2'}]}},"
	    " {'match': {'op': 'POST /Search', 'region': 'ap-northeast-1',"
	    "  'body': {'QueryString': '', 'NextToken': 's2'}},"
	    " 'ok': {'Resources': [{'Arn': 'arn:aws:s3:::demo-bucket',"
	    "  'Region': '', 'ResourceType': 's3:bucket', 'Service': 's3',"
	    "  'OwningAccountId': '123456789012',"
	    "  'LastReportedAt': 1700000000}]}},"
	    " {'match': {'op': 'POST /Search', 'region': 'ap-northeast-1'},"
	    " 'ok': {'NextToken': 's2', 'Count': {'Complete': true,"
	    "  'TotalResources': 2}, 'Resources': [{'Arn':"
	    "  'arn:aws:ec2:ap-northeast-1:123456789012:security-group/sg-1',"
	    "  'Region': 'ap-northeast-1', 'ResourceType':"
	    "  'ec2:security-group', 'Service': 'ec2', 'OwningAccountId':"
	    "  '123456789012', 'LastReportedAt': '2025-01-01T00:00:00Z'}]}}]");
	collect_init(&k, time(NULL));
	aws_collect_resource_explorer(&k, &c);
	dump_failures();
	CU_ASSERT_EQUAL(w.unscripted, 0);
	CU_ASSERT_EQUAL(json_array_size(w.failures), 0);
	CU_ASSERT_EQUAL(count_calls("POST /Search"), 2);
	CHECK_HAS(resource("aws/resource-explorer",
	    "arn:aws:resource-explorer-2::123456789012:status"),
	    "{'json': {'Enabled': true, 'IndexRegion': 'ap-northeast-1',"
	    " 'IndexType': 'AGGREGATOR'}}");
	CHECK_HAS(resource("aws/resource", "arn:aws:ec2:ap-northeast-1:"
	    "123456789012:security-group/sg-1"), "{'name': 'sg-1', 'region':"
	    " 'ap-northeast-1', 'json': {'ResourceType': 'ec2:security-group',"
	    " 'Service': 'ec2', 'OwningAccountId': '123456789012'}}");
	CHECK_HAS(resource("aws/resource", "arn:aws:s3:::demo-bucket"),
	    "{'name': 'demo-bucket', 'region': 'global', 'json':"
	    " {'LastReportedAt': '2023-11-14T22:13:20Z'}}");
	pthread_mutex_destroy(&k.mu);
}

static void
test_resource_explorer_local(void)
{
	struct aws_collect k;
	struct aws_client c;

	world_reset("[{'match': {'op': 'POST /ListIndexes'}, 'ok': {"
	    " 'Indexes': [{'Region': 'us-east-1', 'Type': 'LOCAL'},"
	    "  {'Region': 'ap-northeast-1', 'Type': 'LOCAL'}]}},"
	    " {'match': {'op': 'POST /Search', 'region': 'us-east-1'},"
	    " 'ok': {'Resources': [{'Arn': 'arn:aws:iam::1:user/a',"
	    "  'Region': 'global'}]}},"
	    " {'match': {'op': 'POST /Search', 'region': 'ap-northeast-1'},"
	    " 'error': {'cp': 'AUTH', 'status': 401, 'code':"
	    "  'UnauthorizedException', 'message': 'no default view'}}]");
	collect_init(&k, time(NULL));
	aws_collect_resource_explorer(&k, &c);
	CU_ASSERT_EQUAL(w.unscripted, 0);
	CHECK_HAS(resource("aws/resource-explorer",
	    "arn:aws:resource-explorer-2::123456789012:status"),
	    "{'json': {'Enabled': true, 'IndexRegion': 'us-east-1',"
	    " 'IndexType': 'LOCAL'}}");
	CHECK_HAS(resource("aws/resource", "arn:aws:iam::1:user/a"),
	    "{'name': 'a', 'region': 'global'}");
	CHECK_HAS(w.failures, "[{'collector': 'resource-explorer', 'region':"
	    " 'ap-northeast-1', 'api': 'Search', 'message':"
	    " 'no default view'}]");
	pthread_mutex_destroy(&k.mu);
}

/* ------------------------------------------------------------- guide */

struct text {
	char *s;
	size_t len;
};

static cp_err
text_write(const struct cp_text_out *out, const char *s, size_t n)
{
	struct text *t = out->ud;
	char *ns = realloc(t->s, t->len + n + 1);

	if (ns == NULL)
		return CP_E_NOMEM;
	memcpy(ns + t->len, s, n);
	t->len += n;
	ns[t->len] = '\0';
	t->s = ns;
	return CP_OK;
}

/* Writes the guide to dir/variant-lang.yaml; returns the text. */
static char *
guide(const char *variant, const char *lang, const char *dir)
{
	struct text t = { NULL, 0 };
	struct cp_text_out out = { sizeof(out), text_write, &t };
	char path[1024];
	FILE *f;

	host_init();
	CU_ASSERT_EQUAL_FATAL(aws_setup_guide(&plugin, variant, lang, &out),
	    CP_OK);
	snprintf(path, sizeof(path), "%s/%s-%s.yaml", dir, variant, lang);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(t.s, 1, t.len, f);
	fclose(f);
	return t.s;
}

static void
test_guide(void)
{
	static const char *const variants[] = { "readonly", "remediation" };
	static const char *const langs[] = { "en", "ja" };
	char dir[] = "/tmp/cp-aws-guide.XXXXXX", cmd[2048], *s;
	struct text t = { NULL, 0 };
	struct cp_text_out out = { sizeof(out), text_write, &t };
	size_t i, j;
	int st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	world_reset("[]");
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			s = guide(variants[i], langs[j], dir);
			CU_ASSERT_PTR_NOT_NULL(strstr(s,
			    "cloudpatrol env add aws NAME --role-arn"));
			CU_ASSERT_PTR_NOT_NULL(strstr(s,
			    "arn:aws:iam::aws:policy/ReadOnlyAccess"));
			CU_ASSERT_EQUAL(strstr(s,
			    "ec2:RevokeSecurityGroupIngress\"") != NULL,
			    i == 1);
			CU_ASSERT_EQUAL(strstr(s, "修復") != NULL, j == 1);
			free(s);
		}
	/* The structure of each, by check_guide.py (YAML parsed). */
	snprintf(cmd, sizeof(cmd), "%s %s/tests/plugins/aws/check_guide.py "
	    "%s/readonly-en.yaml readonly %s/readonly-ja.yaml readonly "
	    "%s/remediation-en.yaml remediation %s/remediation-ja.yaml "
	    "remediation", cp_test_env("CP_PYTHON3", "/usr/bin/python3"),
	    CP_TEST_SRCDIR(), dir, dir, dir, dir);
	st = system(cmd);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	/* An unknown variant is refused, with a message. */
	CU_ASSERT_EQUAL(aws_setup_guide(&plugin, "admin", "en", &out),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(t.len, 0);
	CU_ASSERT(logged("unknown variant 'admin'"));
	free(t.s);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "s3_buckets", test_s3_buckets },
		{ "s3_list_fails", test_s3_list_fails },
		{ "s3_list_missing", test_s3_list_missing },
		{ "iam_list_missing", test_iam_list_missing },
		{ "iam_b64", test_iam_b64 },
		{ "iam_csv", test_iam_csv },
		{ "iam_summary_map", test_iam_summary_map },
		{ "iam_collect", test_iam_collect },
		{ "iam_report_failures", test_iam_report_failures },
		{ "iam_user_failure", test_iam_user_failure },
		{ "cloudtrail_trails", test_cloudtrail_trails },
		{ "cloudtrail_events", test_cloudtrail_events },
		{ "guardduty", test_guardduty },
		{ "cost", test_cost },
		{ "cost_failures", test_cost_failures },
		{ "resource_explorer_none", test_resource_explorer_none },
		{ "resource_explorer_aggregator",
		    test_resource_explorer_aggregator },
		{ "resource_explorer_local", test_resource_explorer_local },
		{ "guide", test_guide },
		{ NULL, NULL }
	};
	int r;

	r = cp_test_run("aws_global", tests);
	world_free();
	return r;
}
