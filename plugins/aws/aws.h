/*
 * aws.h - the seams inside the aws cloud plugin.
 *
 *   aws.c            descriptor, configuration, collect() orchestration
 *   client.c         sessions (static keys, AssumeRole with refresh),
 *                    aws_call() over the core HTTP client, AWS errors,
 *                    throttling retries, region fan-out, emitting
 *   xmljson.c        AWS XML → botocore-shaped JSON
 *   util.c           helpers the collectors share
 *   sigv4.c          Signature Version 4 (sigv4.h)
 *   collect_ec2.c    ec2, ec2-images collectors
 *   collect_elb_rds.c elbv2, rds collectors
 *   collect_s3.c     s3
 *   collect_iam.c    iam, iam-credential-report
 *   collect_trail.c  cloudtrail, cloudtrail-events, guardduty
 *   collect_misc.c   cost, resource-explorer
 *   remediate.c      validate() with the remediation probe, remediate()
 *   guide.c          setup_guide(): the CloudFormation template
 *
 * README.md in this folder is the contract of what collect() writes.
 */
#ifndef AWS_H
#define AWS_H

#include <pthread.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include <cloudpatrol/plugin.h>

#include "sigv4.h"

/* Refresh assumed-role credentials this long before they expire. */
#define AWS_REFRESH_MARGIN 300
/* After a failed refresh, wait this long before the next try. */
#define AWS_REFRESH_RETRY 60
/* Throttling errors are retried this many times by aws_call(). */
#define AWS_THROTTLE_RETRIES 6
/* Largest number of pages one listing follows. */
#define AWS_MAX_PAGES 10000

/* One configured instance of the plugin ([plugin:aws] or [plugin:aws/X]). */
struct aws_plugin {
	const struct cp_host *host;
	cp_plugin *self;
	char *endpoint;			/* override for every service, or NULL */
	char *home_region;		/* "us-east-1" */
	char **regions;			/* collect only these; NULL: all enabled */
	size_t n_regions;
	unsigned region_concurrency;
	char *access_key_id;		/* the plugin's own credential, or NULL */
	char *secret_access_key;
	char *session_token;
};

#define aws_log(p, lvl, ...) ((p)->host->log((p)->self, (lvl), __VA_ARGS__))

struct aws_creds {
	char *access_key;
	char *secret_key;
	char *session_token;		/* NULL: none */
	time_t expires;			/* 0: never */
};

/* A copy of creds (strings duplicated); CP_E_NOMEM. */
cp_err aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src);
/* Wipes and frees the strings. */
void aws_creds_clear(struct aws_creds *c);

/* What went wrong in one call, for the operator. */
struct aws_error {
	long status;			/* HTTP status; 0 when none arrived */
	char code[96];			/* AWS's code ("AccessDenied"), or "" */
	char message[512];		/* AWS's message or the transport's */
};

/*
 * The credentials of one environment: static keys, or a role assumed
 * from the plugin's (or the environment's) keys and refreshed
 * AWS_REFRESH_MARGIN seconds before expiry.  Shared by the threads of a
 * collection; every member after mu is guarded by it.
 */
struct aws_session {
	struct aws_plugin *p;
	char *role_arn;			/* NULL: static keys */
	char *external_id;
	char account[16];		/* filled by aws_session_identity() */
	char arn[256];
	pthread_mutex_t mu;
	struct aws_creds base;		/* the keys that sign AssumeRole */
	struct aws_creds cur;		/* what signs every other call */
	time_t retry_at;		/* a failed refresh: try again then */
};

/*
 * Opens a session from an environment's parameters (creds: access_key_id,
 * secret_access_key, session_token, role_arn, external_id, falling back to
 * the plugin's own keys).  why says what is missing or wrong.
 */
cp_err aws_session_open(struct aws_plugin *p, const json_t *creds,
    struct aws_session **out, char *why, size_t why_size);
void aws_session_close(struct aws_session *s);

/* One thread's client: owns a cp_http; never shared between threads. */
struct aws_client {
	struct aws_session *s;
	cp_http *http;
};
cp_err aws_client_init(struct aws_client *c, struct aws_session *s);
void aws_client_fini(struct aws_client *c);

/* Current credentials (assuming or refreshing the role when due). */
cp_err aws_session_creds(struct aws_client *c, struct aws_creds *copy,
    struct aws_error *err);
/* STS GetCallerIdentity: fills s->account and s->arn. */
cp_err aws_session_identity(struct aws_client *c, struct aws_error *err);

enum aws_protocol {
	AWS_P_EC2 = 1,			/* EC2's query dialect */
	AWS_P_QUERY = 2,		/* IAM, STS, RDS, ELBv2 */
	AWS_P_JSON = 3,			/* JSON 1.1 with X-Amz-Target */
	AWS_P_REST_XML = 4,		/* S3 */
	AWS_P_REST_JSON = 5		/* Resource Explorer, GuardDuty */
};

struct aws_param {
	const char *name;		/* "Filter.1.Name" */
	const char *value;
};

/*
 * One API call.  Zero it, then set what the protocol needs:
 *   EC2/Query   action, version, params
 *   JSON 1.1    target ("CloudTrail_20131101.LookupEvents"), body
 *   REST-*      method, path (already encoded), query, body
 */
struct aws_call {
	const char *service;		/* signing name: "ec2", "s3"... */
	const char *endpoint_prefix;	/* host prefix when not service */
	const char *region;		/* NULL: the home region */
	int global;			/* the service has one global endpoint */
	enum aws_protocol protocol;
	const char *action;
	const char *version;
	const struct aws_param *params;
	size_t n_params;
	const char *target;
	const char *method;
	const char *path;
	const char *query;
	const char *host_prefix;	/* "123456789012." for S3 Control */
	const char *body;
	size_t body_len;
	const char *json_content_type;	/* JSON 1.1: "application/x-amz-json-1.1" */
	/* XML: element names whose children form an array (see xmljson). */
	const char *const *lists;
	size_t max_body;		/* 0: the core's default */
	/* Extra "Name: value" lines, signed too (x-amz-account-id...). */
	const char *const *headers;	/* NULL-terminated, may be NULL */
};

/*
 * Performs r, retrying throttling (Throttling, ThrottlingException,
 * RequestLimitExceeded, TooManyRequestsException, SlowDown, 429, 503) up
 * to AWS_THROTTLE_RETRIES times with backoff.  On success *out is:
 *   EC2        the response element converted (RequestId, the result sets…)
 *   Query      the <ActionResult> element converted
 *   REST-XML   the root element converted ({} for an empty body)
 *   JSON       the parsed body ({} for an empty body)
 * On failure err says what AWS or the transport said and the return is
 *   CP_E_AUTH         signature, expired token, unknown key
 *   CP_E_PERM         AccessDenied, UnauthorizedOperation
 *   CP_E_NOTFOUND     a NoSuch… / …NotFound code
 *   CP_E_RETRY_LATER  still throttled after the retries
 *   CP_E_PARSE        a body that did not parse
 *   CP_E_FAILED       any other AWS error
 *   or the transport's code (CP_E_HTTP_TIMEOUT…).
 * Special case: EC2's DryRunOperation comes back as CP_OK with *out NULL.
 */
cp_err aws_call(struct aws_client *c, const struct aws_call *r,
    json_t **out, struct aws_error *err);

/*
 * Converts a tree from cp_host.xml_parse (one element) into botocore-shaped
 * JSON by the rules of README.md.  lists names extra elements whose
 * children form an array (NULL-terminated, may be NULL).  New reference.
 */
json_t *aws_xml_to_json(const json_t *elem, const char *const *lists);
/* The member name of an XML tag: first letter upper-cased (malloc'd). */
char *aws_member_name(const char *tag);

/* ----------------------------------------------------------------------
 * Collection.
 */
struct aws_collect {
	struct aws_plugin *p;
	struct aws_session *s;
	const struct cp_inventory_sink *sink;
	const char *account;		/* s->account */
	char **regions;			/* the enabled regions collected */
	size_t n_regions;
	time_t since;			/* events after this time */
	time_t now;
	pthread_mutex_t mu;		/* the sink is not thread-safe */
	cp_err fatal;			/* CP_E_CANCELLED or a sink failure */
};

/* Writes one resource (obj compacted to JSON); serialised by k->mu. */
cp_err aws_emit(struct aws_collect *k, const char *type, const char *id,
    const char *name, const char *region, const json_t *obj);
cp_err aws_emit_event(struct aws_collect *k, const char *type,
    const char *time_iso8601, const char *id, const json_t *obj);
cp_err aws_emit_cost(struct aws_collect *k, const char *period,
    double amount, const char *currency);
/*
 * Records that collector failed on api in region (NULL: global) with r
 * and err, as "account A region R API: message", and logs it.
 */
void aws_collector_failed(struct aws_collect *k, const char *collector,
    const char *region, const char *api, cp_err r,
    const struct aws_error *err);

/*
 * Runs fn for every region of k, at most p->region_concurrency at once,
 * each thread with its own client.  Returns the first fatal error
 * (cancelled, sink failure); collector failures are recorded, not
 * returned.
 */
typedef void (*aws_region_fn)(struct aws_collect *k, struct aws_client *c,
    const char *region);
cp_err aws_for_regions(struct aws_collect *k, aws_region_fn fn);

/* The collectors.  Each records its own failures; none stops the others. */
void aws_collect_ec2(struct aws_collect *k, struct aws_client *c,
    const char *region);
void aws_collect_ec2_images(struct aws_collect *k, struct aws_client *c,
    const char *region);
void aws_collect_elbv2(struct aws_collect *k, struct aws_client *c,
    const char *region);
void aws_collect_rds(struct aws_collect *k, struct aws_client *c,
    const char *region);
void aws_collect_cloudtrail(struct aws_collect *k, struct aws_client *c,
    const char *region);
void aws_collect_events(struct aws_collect *k, struct aws_client *c,
    const char *region);
void aws_collect_guardduty(struct aws_collect *k, struct aws_client *c,
    const char *region);
/* Global collectors (run once, in the home region). */
void aws_collect_s3(struct aws_collect *k, struct aws_client *c);
void aws_collect_iam(struct aws_collect *k, struct aws_client *c);
void aws_collect_cost(struct aws_collect *k, struct aws_client *c);
void aws_collect_resource_explorer(struct aws_collect *k,
    struct aws_client *c);

/* ----------------------------------------------------------------------
 * The other cloud operations (cp_cloud_ops members).
 */
cp_err aws_validate(struct aws_plugin *p, const json_t *creds,
    struct cp_validate_result *res);
cp_err aws_remediate(struct aws_plugin *p, const json_t *creds,
    const char *unit, const char *action, const char *resource,
    const json_t *params, int dry_run, json_t **result);
cp_err aws_setup_guide(struct aws_plugin *p, const char *variant,
    const char *lang, const struct cp_text_out *out);

/* Small shared helpers (util.c). */
/* Whether the collection must stop (cancelled, or the sink failed); a
 * cancellation becomes k->fatal. */
int aws_stopping(struct aws_collect *k);
/* Fills err with our own sentence (no HTTP status, no AWS code). */
void aws_error_set(struct aws_error *err, const char *fmt, ...)
    CP_PRINTF(2, 3);
/* The size of a converted list (an array, one object, or nothing) and
 * its element i. */
size_t aws_list_size(const json_t *v);
json_t *aws_list_get(const json_t *v, size_t i);
/* A scalar as text: a string as it is, an integer (the conversion makes
 * numeric text numbers) written into buf; NULL otherwise. */
const char *aws_text(const json_t *v, char *buf, size_t n);

/* More helpers (client.c). */
/* The region of an ARN ("arn:aws:ec2:R:A:…") into buf; 0 when none. */
int aws_arn_region(const char *arn, char *buf, size_t size);
/* An ISO 8601 UTC time ("2026-11-25T09:30:00Z") of t into buf[21]. */
void aws_iso8601(time_t t, char buf[21]);
/* Parses ISO 8601 (with or without fraction, Z or ±hh:mm); -1 on error. */
time_t aws_parse_time(const char *s);
/*
 * IAM ListAccountAliases: the account's alias into buf ("" when it has
 * none); the error of the call otherwise (callers fall back to the id).
 */
cp_err aws_account_alias(struct aws_client *c, char *buf, size_t size,
    struct aws_error *err);

#endif /* AWS_H */
