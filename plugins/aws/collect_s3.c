/*
 * collect_s3.c - the s3 collector: every bucket with its region, public
 * access block, ACL and policy status, and the account's public access
 * block (S3 Control).
 *
 * S3 is collected once per account: ListBuckets answers for every region.
 * Each bucket's own calls are signed for the bucket's region, which
 * GetBucketLocation gives.  A bucket whose calls fail is left out and the
 * collector is marked failed, so that a policy never judges a bucket from
 * half of its settings.
 */
#include <stdlib.h>
#include <string.h>

#include "aws.h"

#define S3_SERVICE "s3"
#define S3_CONTROL_PREFIX "s3-control"
#define S3_DEFAULT_REGION "us-east-1"	/* an empty LocationConstraint */
#define S3_LEGACY_EU "EU"		/* the old name of eu-west-1 */
#define S3_LEGACY_EU_REGION "eu-west-1"
#define S3_REGION_MAX 32		/* longest region name accepted */
#define S3_BUCKET_MAX 255		/* longest bucket name accepted */
#define S3_PATH_MAX 1024		/* an encoded request path */
#define S3_QUERY_MAX 2048		/* an encoded query string */
#define S3_API_MAX 320			/* "GetBucketAcl(bucket)" */
#define S3_FAILURES_MAX 20		/* failures recorded in one run */
#define S3_MAX_BUCKETS "10000"		/* max-buckets of a ListBuckets page */

struct s3_run {
	struct aws_collect *k;
	struct aws_client *c;
	unsigned failures;
};


/* Records a failure; past S3_FAILURES_MAX only the log hears of it. */
static void
s3_failed(struct s3_run *run, const char *region, const char *api,
    const char *bucket, cp_err r, const struct aws_error *err)
{
	char what[S3_API_MAX];

	if (bucket != NULL)
		snprintf(what, sizeof(what), "%s(%s)", api, bucket);
	else
		snprintf(what, sizeof(what), "%s", api);
	run->failures++;
	if (run->failures <= S3_FAILURES_MAX)
		aws_collector_failed(run->k, "s3", region, what, r, err);
	else
		aws_log(run->k->p, CP_LOG_WARNING, "account %s region %s %s: "
		    "%s", run->k->account, region != NULL ? region : "global",
		    what, err->message);
}

/* One REST-XML GET to S3 in region (NULL: the home region). */
static cp_err
s3_get(struct s3_run *run, const char *region, const char *path,
    const char *query, const char *const *lists, json_t **out,
    struct aws_error *err)
{
	struct aws_call call;

	memset(&call, 0, sizeof(call));
	call.service = S3_SERVICE;
	call.region = region;
	call.protocol = AWS_P_REST_XML;
	call.method = "GET";
	call.path = path;
	call.query = query;
	call.lists = lists;
	return aws_call(run->c, &call, out, err);
}

static int
s3_region_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= S3_REGION_MAX)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/*
 * The bucket's region from GetBucketLocation: the element's text, empty
 * for us-east-1, "EU" for eu-west-1.
 */
static cp_err
s3_bucket_region(struct s3_run *run, const char *path, char *region,
    size_t size, struct aws_error *err)
{
	json_t *loc = NULL, *v;
	const char *s = "";
	cp_err r;

	r = s3_get(run, NULL, path, "location", NULL, &loc, err);
	if (r != CP_OK)
		return r;
	v = loc;
	if (json_is_object(v))
		v = json_object_get(v, "LocationConstraint");
	if (json_is_string(v))
		s = json_string_value(v);
	if (*s == '\0')
		s = S3_DEFAULT_REGION;
	else if (strcmp(s, S3_LEGACY_EU) == 0)
		s = S3_LEGACY_EU_REGION;
	if (!s3_region_ok(s)) {
		snprintf(err->message, sizeof(err->message),
		    "GetBucketLocation answered an invalid region");
		json_decref(loc);
		return CP_E_PARSE;
	}
	snprintf(region, size, "%s", s);
	json_decref(loc);
	return CP_OK;
}

/* The four flags of a PublicAccessBlockConfiguration, as booleans. */
static json_t *
s3_pab(const json_t *conf)
{
	static const char *const flags[] = { "BlockPublicAcls",
	    "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets" };
	json_t *o, *v;
	size_t i;

	if (json_is_object(conf) &&
	    json_object_get(conf, "PublicAccessBlockConfiguration") != NULL)
		conf = json_object_get(conf, "PublicAccessBlockConfiguration");
	o = json_object();
	if (o == NULL)
		return NULL;
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		v = json_object_get(conf, flags[i]);
		if (json_is_string(v))	/* "true" kept as text: be lenient */
			v = json_boolean(strcmp(json_string_value(v),
			    "true") == 0);
		else if (json_is_boolean(v))
			json_incref(v);
		else
			v = json_false();	/* absent means not set */
		if (json_object_set_new(o, flags[i], v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/*
 * A grant's grantee as the contract has it: Type (the xsi:type attribute
 * when the conversion kept it, else inferred from what identifies the
 * grantee), URI, ID and the rest AWS sent.
 */
static json_t *
s3_grantee(const json_t *g)
{
	json_t *o;
	const char *type = NULL;

	o = json_is_object(g) ? json_deep_copy(g) : json_object();
	if (o == NULL)
		return NULL;
	if (json_is_string(json_object_get(o, "Type")))
		return o;
	if (json_object_get(o, "URI") != NULL)
		type = "Group";
	else if (json_object_get(o, "EmailAddress") != NULL)
		type = "AmazonCustomerByEmail";
	else if (json_object_get(o, "ID") != NULL)
		type = "CanonicalUser";
	if (type != NULL &&
	    json_object_set_new(o, "Type", json_string(type)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"Owner", "Grants": [{"Grantee", "Permission"}]} from GetBucketAcl. */
static json_t *
s3_acl(const json_t *policy)
{
	json_t *acl, *grants, *list, *g, *grant;
	size_t i, n;

	acl = json_object();
	grants = json_array();
	if (acl == NULL || grants == NULL)
		goto fail;
	if (json_object_get(policy, "Owner") != NULL &&
	    json_object_set(acl, "Owner",
	    json_object_get(policy, "Owner")) != 0)
		goto fail;
	list = json_object_get(policy, "AccessControlList");
	if (json_is_object(list) && json_object_get(list, "Grant") != NULL)
		list = json_object_get(list, "Grant");
	n = aws_list_size(list);
	for (i = 0; i < n; i++) {
		g = aws_list_get(list, i);
		grant = json_object();
		if (grant == NULL ||
		    json_object_set_new(grant, "Grantee",
		    s3_grantee(json_object_get(g, "Grantee"))) != 0 ||
		    json_array_append_new(grants, grant) != 0)
			goto fail;
		if (json_object_get(g, "Permission") != NULL &&
		    json_object_set(grant, "Permission",
		    json_object_get(g, "Permission")) != 0)
			goto fail;
	}
	if (json_object_set_new(acl, "Grants", grants) != 0) {
		grants = NULL;
		goto fail;
	}
	return acl;
fail:
	json_decref(grants);
	json_decref(acl);
	return NULL;
}

/* One bucket: its settings from its own region, then one resource. */
static void
s3_bucket(struct s3_run *run, const json_t *b)
{
	static const char *const acl_lists[] = { "AccessControlList", NULL };
	struct aws_collect *k = run->k;
	struct aws_error err;
	char region[S3_REGION_MAX], path[S3_PATH_MAX], id[S3_PATH_MAX];
	const char *name;
	char *enc = NULL;
	json_t *o = NULL, *pab = NULL, *acl = NULL, *ps = NULL, *v;
	const char *api = "GetBucketLocation", *freg = NULL;
	cp_err r;

	name = json_string_value(json_object_get(b, "Name"));
	if (name == NULL || *name == '\0' || strlen(name) > S3_BUCKET_MAX) {
		aws_log(k->p, CP_LOG_WARNING, "account %s ListBuckets: a "
		    "bucket without a valid name, skipped", k->account);
		return;
	}
	enc = aws_uri_encode(name, strlen(name), 0);
	if (enc == NULL) {
		r = CP_E_NOMEM;
		memset(&err, 0, sizeof(err));
		snprintf(err.message, sizeof(err.message), "out of memory");
		goto failed;
	}
	snprintf(path, sizeof(path), "/%s", enc);
	memset(&err, 0, sizeof(err));
	r = s3_bucket_region(run, path, region, sizeof(region), &err);
	if (r != CP_OK)
		goto failed;
	freg = region;

	api = "GetPublicAccessBlock";
	r = s3_get(run, region, path, "publicAccessBlock", NULL, &v, &err);
	if (r == CP_OK) {
		pab = s3_pab(v);
		json_decref(v);
		if (pab == NULL)
			goto nomem;
	} else if (r == CP_E_NOTFOUND && strcmp(err.code,
	    "NoSuchPublicAccessBlockConfiguration") == 0)
		pab = json_null();	/* none set: not "not found" */
	else
		goto failed;

	api = "GetBucketAcl";
	r = s3_get(run, region, path, "acl", acl_lists, &v, &err);
	if (r != CP_OK)
		goto failed;
	acl = s3_acl(v);
	json_decref(v);
	if (acl == NULL)
		goto nomem;

	api = "GetBucketPolicyStatus";
	r = s3_get(run, region, path, "policyStatus", NULL, &v, &err);
	if (r == CP_OK) {
		ps = json_is_object(json_object_get(v, "PolicyStatus")) ?
		    json_incref(json_object_get(v, "PolicyStatus")) :
		    json_incref(v);
		json_decref(v);
	} else if (r == CP_E_NOTFOUND && strcmp(err.code,
	    "NoSuchBucketPolicy") == 0)
		ps = json_null();
	else
		goto failed;

	o = json_object();
	if (o == NULL ||
	    json_object_set_new(o, "Name", json_string(name)) != 0 ||
	    json_object_set(o, "CreationDate",
	    json_object_get(b, "CreationDate") != NULL ?
	    json_object_get(b, "CreationDate") : json_null()) != 0 ||
	    json_object_set_new(o, "Region", json_string(region)) != 0 ||
	    json_object_set(o, "PublicAccessBlock", pab) != 0 ||
	    json_object_set(o, "Acl", acl) != 0 ||
	    json_object_set(o, "PolicyStatus", ps) != 0)
		goto nomem;
	snprintf(id, sizeof(id), "arn:aws:s3:::%s", name);
	(void)aws_emit(k, "aws/s3-bucket", id, name, "global", o);
	goto out;
nomem:
	r = CP_E_NOMEM;
	snprintf(err.message, sizeof(err.message), "out of memory");
failed:
	s3_failed(run, freg, api, name, r, &err);
out:
	free(enc);
	json_decref(o);
	json_decref(pab);
	json_decref(acl);
	json_decref(ps);
}

/* The account's public access block (S3 Control); null when none. */
static void
s3_account_pab(struct s3_run *run)
{
	struct aws_collect *k = run->k;
	struct aws_call call;
	struct aws_error err;
	char hdr[64], prefix[32], id[64];
	const char *headers[2];
	json_t *v = NULL, *pab = NULL, *o = NULL;
	cp_err r;

	snprintf(hdr, sizeof(hdr), "x-amz-account-id: %s", k->account);
	snprintf(prefix, sizeof(prefix), "%s.", k->account);
	headers[0] = hdr;
	headers[1] = NULL;
	memset(&call, 0, sizeof(call));
	call.service = S3_SERVICE;
	call.endpoint_prefix = S3_CONTROL_PREFIX;
	call.protocol = AWS_P_REST_XML;
	call.method = "GET";
	call.path = "/v20180820/configuration/publicAccessBlock";
	call.host_prefix = prefix;
	call.headers = headers;
	memset(&err, 0, sizeof(err));
	r = aws_call(run->c, &call, &v, &err);
	if (r == CP_E_NOTFOUND && strcmp(err.code,
	    "NoSuchPublicAccessBlockConfiguration") == 0)
		pab = json_null();
	else if (r != CP_OK) {
		s3_failed(run, NULL, "GetPublicAccessBlock(account)", NULL, r,
		    &err);
		return;
	} else if ((pab = s3_pab(v)) == NULL)
		goto nomem;
	o = json_object();
	if (o == NULL || json_object_set(o, "PublicAccessBlock", pab) != 0)
		goto nomem;
	snprintf(id, sizeof(id), "arn:aws:s3::%s:account", k->account);
	(void)aws_emit(k, "aws/s3-account-public-access-block", id,
	    k->account, "global", o);
	goto out;
nomem:
	snprintf(err.message, sizeof(err.message), "out of memory");
	s3_failed(run, NULL, "GetPublicAccessBlock(account)", NULL,
	    CP_E_NOMEM, &err);
out:
	json_decref(v);
	json_decref(pab);
	json_decref(o);
}

void
aws_collect_s3(struct aws_collect *k, struct aws_client *c)
{
	static const char *const lists[] = { "Buckets", NULL };
	struct s3_run run = { k, c, 0 };
	struct aws_error err;
	char query[S3_QUERY_MAX];
	char *token = NULL, *enc;
	json_t *page, *buckets, *next;
	size_t i, n;
	unsigned pages;
	cp_err r;

	s3_account_pab(&run);
	/*
	 * ListBuckets answers every bucket at once unless max-buckets is
	 * given; when a ContinuationToken comes back it is followed.
	 */
	for (pages = 0; pages < AWS_MAX_PAGES; pages++) {
		if (aws_stopping(k))
			break;
		if (token == NULL)
			snprintf(query, sizeof(query), "%s", "");
		else {
			enc = aws_uri_encode(token, strlen(token), 0);
			if (enc == NULL || strlen(enc) + 40 >= sizeof(query)) {
				free(enc);
				memset(&err, 0, sizeof(err));
				snprintf(err.message, sizeof(err.message),
				    "ListBuckets: continuation token too "
				    "long");
				s3_failed(&run, NULL, "ListBuckets", NULL,
				    CP_E_LIMIT, &err);
				break;
			}
			snprintf(query, sizeof(query),
			    "continuation-token=%s&max-buckets=%s", enc,
			    S3_MAX_BUCKETS);
			free(enc);
		}
		memset(&err, 0, sizeof(err));
		r = s3_get(&run, NULL, "/", query[0] != '\0' ? query : NULL,
		    lists, &page, &err);
		if (r != CP_OK) {
			s3_failed(&run, NULL, "ListBuckets", NULL, r, &err);
			break;
		}
		buckets = json_object_get(page, "Buckets");
		if (buckets == NULL) {
			/* Always sent, empty or not: this is no answer. */
			aws_error_set(&err, "the response has no Buckets list");
			s3_failed(&run, NULL, "ListBuckets", NULL, CP_E_PARSE,
			    &err);
			json_decref(page);
			break;
		}
		if (json_is_object(buckets) &&
		    json_object_get(buckets, "Bucket") != NULL)
			buckets = json_object_get(buckets, "Bucket");
		n = aws_list_size(buckets);
		for (i = 0; i < n && !aws_stopping(k); i++)
			s3_bucket(&run, aws_list_get(buckets, i));
		free(token);
		token = NULL;
		next = json_object_get(page, "ContinuationToken");
		if (json_is_string(next) && *json_string_value(next) != '\0')
			token = strdup(json_string_value(next));
		json_decref(page);
		if (token == NULL)
			break;
	}
	free(token);
}
