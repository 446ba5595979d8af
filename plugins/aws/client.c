/*
 * client.c - sessions, one API call over the core's HTTP client, AWS's
 * errors, throttling retries, the region fan-out and emitting.
 *
 * Every request goes through cp_host.http_perform with a sign callback
 * (sigv4.c), so each attempt the core makes is signed afresh.  The core
 * retries transport failures; 429 and 5xx come back to us at once
 * (CP_HTTP_F_NO_RETRY_STATUS) because AWS also throttles with 400s
 * ("Throttling"), and one loop here retries all of them alike: at most
 * AWS_THROTTLE_RETRIES times, exponential backoff from 200 ms capped at
 * 10 s with jitter, or the server's Retry-After, watching for cancel.
 *
 * A failed call leaves in aws_error the HTTP status, AWS's code and
 * AWS's message followed by "(HTTP 503, after 7 attempts)", so that the
 * operator sees what AWS said and how hard we tried.  Secrets never reach
 * a message or the log.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws.h"

/* Retry timing (milliseconds). */
#define AWS_BACKOFF_BASE_MS 200
#define AWS_BACKOFF_CAP_MS 10000
#define AWS_RETRY_AFTER_MAX_MS 60000
#define AWS_SLEEP_SLICE_MS 50

/* Bounds of what the caller and the environment give us. */
#define AWS_URL_MAX 8192
#define AWS_EXTRA_HEADERS_MAX 16
#define AWS_KEY_ID_MIN 16
#define AWS_KEY_ID_MAX 128
#define AWS_SECRET_MAX 256
#define AWS_TOKEN_MAX 8192
#define AWS_ROLE_ARN_MAX 2048
#define AWS_EXTERNAL_ID_MIN 2
#define AWS_EXTERNAL_ID_MAX 1224
#define AWS_ERROR_SCAN_DEPTH 4

/* AssumeRole: what we ask for. */
#define AWS_ROLE_SESSION_NAME "cloudpatrol"
#define AWS_ROLE_DURATION "3600"
#define AWS_STS_VERSION "2011-06-15"
#define AWS_IAM_VERSION "2010-05-08"

#define AWS_FORM_TYPE \
	"Content-Type: application/x-www-form-urlencoded; charset=utf-8"
#define AWS_JSON11_TYPE "application/x-amz-json-1.1"

/* ------------------------------------------------------------ strings */

/* A growing string; nomem is set once an allocation failed. */
struct aws_buf {
	char *p;
	size_t len, cap;
	int nomem;
};

static void
buf_add(struct aws_buf *b, const char *s, size_t n)
{
	size_t cap;
	char *np;

	if (b->nomem)
		return;
	if (b->p == NULL || n >= b->cap - b->len) {
		cap = b->cap > 0 ? b->cap : 256;
		while (n >= cap - b->len) {
			if (cap > SIZE_MAX / 2) {
				b->nomem = 1;
				return;
			}
			cap *= 2;
		}
		np = realloc(b->p, cap);
		if (np == NULL) {
			b->nomem = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct aws_buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Appends s percent-encoded as SigV4 wants it (unreserved kept). */
static void
buf_encode(struct aws_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3];

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    ch == '.' || ch == '~') {
			buf_add(b, s, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[ch >> 4];
		esc[2] = hex[ch & 0xf];
		buf_add(b, esc, sizeof(esc));
	}
}

static void
buf_wipe_free(struct aws_buf *b)
{
	if (b->p != NULL)
		explicit_bzero(b->p, b->cap);
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* Copies text from the network into dst: control characters become
 * spaces, so a message cannot forge log lines. */
static void
copy_text(char *dst, size_t size, const char *src)
{
	size_t i;

	if (size == 0)
		return;
	snprintf(dst, size, "%s", src != NULL ? src : "");
	for (i = 0; dst[i] != '\0'; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = ' ';
}

/* ------------------------------------------------------------ helpers */

cp_err
aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->expires = src->expires;
	if ((src->access_key != NULL &&
	    (dst->access_key = strdup(src->access_key)) == NULL) ||
	    (src->secret_key != NULL &&
	    (dst->secret_key = strdup(src->secret_key)) == NULL) ||
	    (src->session_token != NULL &&
	    (dst->session_token = strdup(src->session_token)) == NULL)) {
		aws_creds_clear(dst);
		return CP_E_NOMEM;
	}
	return CP_OK;
}

void
aws_creds_clear(struct aws_creds *c)
{
	if (c == NULL)
		return;
	wipe_free(c->access_key);
	wipe_free(c->secret_key);
	wipe_free(c->session_token);
	memset(c, 0, sizeof(*c));
}

int
aws_arn_region(const char *arn, char *buf, size_t size)
{
	const char *p = arn;
	size_t i, n;

	if (size > 0)
		buf[0] = '\0';
	if (arn == NULL || strncmp(arn, "arn:", 4) != 0 || size == 0)
		return 0;
	/* arn:PARTITION:SERVICE:REGION:... */
	for (i = 0; i < 3; i++) {
		p = strchr(p, ':');
		if (p == NULL)
			return 0;
		p++;
	}
	n = strcspn(p, ":");
	if (n == 0 || n >= size || p[n] != ':')
		return 0;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 1;
}

void
aws_iso8601(time_t t, char buf[21])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		snprintf(buf, 21, "1970-01-01T00:00:00Z");
}

/* n digits of s as a number, or -1. */
static int
digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

time_t
aws_parse_time(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int y, mo, d, h, mi, sec, oh, om, off = 0;
	struct tm tm;
	time_t t;

	if (s == NULL || strlen(s) < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
	    s[16] != ':')
		return -1;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return -1;
	s += 19;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0') {
		off = 0;
	} else if ((*s == '+' || *s == '-') && strlen(s) == 6 &&
	    s[3] == ':') {
		oh = digits(s + 1, 2);
		om = digits(s + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		off = (oh * 60 + om) * 60 * (*s == '-' ? -1 : 1);
	} else if ((*s == '+' || *s == '-') && strlen(s) == 5) {
		oh = digits(s + 1, 2);
		om = digits(s + 3, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		off = (oh * 60 + om) * 60 * (*s == '-' ? -1 : 1);
	} else {
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d)
		return -1;
	return t - off;
}

/* ------------------------------------------------------------ sessions */

/* The string member key of creds: NULL when absent or empty; why when
 * it is there but not text. */
static cp_err
cred_str(const json_t *creds, const char *key, size_t max, const char **out,
    char *why, size_t why_size)
{
	const json_t *v = json_object_get(creds, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return CP_OK;
	if (!json_is_string(v)) {
		snprintf(why, why_size, "%s must be text", key);
		return CP_E_INVALID;
	}
	if (json_string_length(v) > max) {
		snprintf(why, why_size, "%s is longer than %zu characters",
		    key, max);
		return CP_E_INVALID;
	}
	if (json_string_length(v) > 0)
		*out = json_string_value(v);
	return CP_OK;
}

static int
only_chars(const char *s, const char *set)
{
	for (; *s != '\0'; s++)
		if (strchr(set, *s) == NULL)
			return 0;
	return 1;
}

#define AWS_UPPER_DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define AWS_ALNUM "abcdefghijklmnopqrstuvwxyz" AWS_UPPER_DIGITS

/* arn:PARTITION:iam::ACCOUNT:role/PATH/NAME */
static int
role_arn_ok(const char *arn)
{
	const char *p;
	size_t n;

	if (strncmp(arn, "arn:", 4) != 0)
		return 0;
	p = arn + 4;
	n = strcspn(p, ":");
	if (n == 0 || p[n] != ':' || strncmp(p + n, ":iam::", 6) != 0)
		return 0;
	p += n + 6;
	if (strspn(p, "0123456789") != 12 || p[12] != ':')
		return 0;
	p += 13;
	if (strncmp(p, "role/", 5) != 0 || p[5] == '\0')
		return 0;
	return only_chars(p + 5, AWS_ALNUM "+=,.@_-/");
}

static int
key_id_ok(const char *id)
{
	size_t n = strlen(id);

	return n >= AWS_KEY_ID_MIN && n <= AWS_KEY_ID_MAX &&
	    only_chars(id, AWS_UPPER_DIGITS);
}

/* Printable ASCII without blanks: what a secret or token may hold. */
static int
secret_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Fills c from key id, secret and token (copies); why on bad input. */
static cp_err
set_keys(struct aws_creds *c, const char *who, const char *id,
    const char *secret, const char *token, char *why, size_t why_size)
{
	if (!key_id_ok(id)) {
		snprintf(why, why_size, "%s: access_key_id is not an AWS "
		    "access key id (%d to %d capital letters and digits)",
		    who, AWS_KEY_ID_MIN, AWS_KEY_ID_MAX);
		return CP_E_INVALID;
	}
	if (!secret_ok(secret) || (token != NULL && !secret_ok(token))) {
		snprintf(why, why_size, "%s: the secret access key or the "
		    "session token holds blanks or characters outside "
		    "printable ASCII", who);
		return CP_E_INVALID;
	}
	c->access_key = strdup(id);
	c->secret_key = strdup(secret);
	c->session_token = token != NULL ? strdup(token) : NULL;
	if (c->access_key == NULL || c->secret_key == NULL ||
	    (token != NULL && c->session_token == NULL)) {
		aws_creds_clear(c);
		snprintf(why, why_size, "out of memory");
		return CP_E_NOMEM;
	}
	return CP_OK;
}

cp_err
aws_session_open(struct aws_plugin *p, const json_t *creds,
    struct aws_session **out, char *why, size_t why_size)
{
	const char *id, *secret, *token, *role, *ext;
	struct aws_session *s = NULL;
	cp_err r;

	*out = NULL;
	if (why_size > 0)
		why[0] = '\0';
	if (creds != NULL && !json_is_object(creds)) {
		snprintf(why, why_size, "the environment's parameters are "
		    "not an object");
		return CP_E_INVALID;
	}
	if ((r = cred_str(creds, "access_key_id", AWS_KEY_ID_MAX, &id, why,
	    why_size)) != CP_OK ||
	    (r = cred_str(creds, "secret_access_key", AWS_SECRET_MAX, &secret,
	    why, why_size)) != CP_OK ||
	    (r = cred_str(creds, "session_token", AWS_TOKEN_MAX, &token, why,
	    why_size)) != CP_OK ||
	    (r = cred_str(creds, "role_arn", AWS_ROLE_ARN_MAX, &role, why,
	    why_size)) != CP_OK ||
	    (r = cred_str(creds, "external_id", AWS_EXTERNAL_ID_MAX, &ext, why,
	    why_size)) != CP_OK)
		return r;
	if (id != NULL && secret == NULL) {
		snprintf(why, why_size, "access_key_id needs its "
		    "secret_access_key (--secret-access-key-file)");
		return CP_E_INVALID;
	}
	if (secret != NULL && id == NULL) {
		snprintf(why, why_size, "secret_access_key needs its "
		    "access_key_id (--access-key-id)");
		return CP_E_INVALID;
	}
	if (token != NULL && id == NULL) {
		snprintf(why, why_size, "session_token needs access_key_id "
		    "and secret_access_key");
		return CP_E_INVALID;
	}
	if (ext != NULL && role == NULL) {
		snprintf(why, why_size, "external_id is used only with "
		    "role_arn (--role-arn)");
		return CP_E_INVALID;
	}
	if (role != NULL && !role_arn_ok(role)) {
		snprintf(why, why_size, "role_arn '%.200s' is not an IAM role "
		    "ARN (arn:aws:iam::ACCOUNT:role/NAME)", role);
		return CP_E_INVALID;
	}
	if (ext != NULL && (strlen(ext) < AWS_EXTERNAL_ID_MIN ||
	    !only_chars(ext, AWS_ALNUM "+=,.@:/-_"))) {
		snprintf(why, why_size, "external_id must be %d to %d of "
		    "the characters A-Z a-z 0-9 + = , . @ : / - _",
		    AWS_EXTERNAL_ID_MIN, AWS_EXTERNAL_ID_MAX);
		return CP_E_INVALID;
	}
	if (id == NULL && p->access_key_id == NULL) {
		snprintf(why, why_size, role != NULL ?
		    "role_arn is assumed with the plugin's own credential, "
		    "and [plugin:aws] has none (set access_key_id and "
		    "secret_access_key_file there), or give --access-key-id "
		    "and --secret-access-key-file" :
		    "no credential: give --access-key-id and "
		    "--secret-access-key-file, or --role-arn and "
		    "--external-id (assumed with the credential of "
		    "[plugin:aws])");
		return CP_E_INVALID;
	}

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(why, why_size, "out of memory");
		return CP_E_NOMEM;
	}
	s->p = p;
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		snprintf(why, why_size, "cannot create a mutex");
		return CP_E_NOMEM;
	}
	if (id != NULL)
		r = set_keys(&s->base, "the environment", id, secret, token,
		    why, why_size);
	else
		r = set_keys(&s->base, "[plugin:aws]", p->access_key_id,
		    p->secret_access_key, p->session_token, why, why_size);
	if (r != CP_OK)
		goto fail;
	if (role != NULL) {
		s->role_arn = strdup(role);
		s->external_id = ext != NULL ? strdup(ext) : NULL;
		if (s->role_arn == NULL || (ext != NULL &&
		    s->external_id == NULL)) {
			r = CP_E_NOMEM;
			snprintf(why, why_size, "out of memory");
			goto fail;
		}
	} else {
		r = aws_creds_copy(&s->cur, &s->base);
		if (r != CP_OK) {
			snprintf(why, why_size, "out of memory");
			goto fail;
		}
	}
	*out = s;
	return CP_OK;
fail:
	aws_session_close(s);
	return r;
}

void
aws_session_close(struct aws_session *s)
{
	if (s == NULL)
		return;
	aws_creds_clear(&s->base);
	aws_creds_clear(&s->cur);
	free(s->role_arn);
	free(s->external_id);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

cp_err
aws_client_init(struct aws_client *c, struct aws_session *s)
{
	c->s = s;
	c->http = s->p->host->http_new(s->p->self);
	return c->http != NULL ? CP_OK : CP_E_NOMEM;
}

void
aws_client_fini(struct aws_client *c)
{
	if (c == NULL)
		return;
	if (c->http != NULL)
		c->s->p->host->http_free(c->http);
	c->http = NULL;
}

static cp_err call(struct aws_client *c, const struct aws_call *r,
    const struct aws_creds *fixed, int sensitive, json_t **out,
    struct aws_error *err);

/* Zeroes every string of a JSON tree (it held a secret). */
static void
wipe_json(json_t *v)
{
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_string(v)) {
		explicit_bzero((char *)json_string_value(v),
		    json_string_length(v));
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, m)
			wipe_json(m);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			wipe_json(m);
	}
}

static const char *
obj_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* STS AssumeRole with the base keys into s->cur; s->mu is held. */
static cp_err
assume_role(struct aws_client *c, struct aws_error *err)
{
	struct aws_session *s = c->s;
	struct aws_plugin *p = s->p;
	struct aws_param params[4];
	struct aws_call r;
	struct aws_creds fresh;
	const json_t *cr;
	json_t *res = NULL;
	const char *exp;
	size_t n = 0;
	cp_err e;

	params[n].name = "RoleArn";
	params[n++].value = s->role_arn;
	params[n].name = "RoleSessionName";
	params[n++].value = AWS_ROLE_SESSION_NAME;
	params[n].name = "DurationSeconds";
	params[n++].value = AWS_ROLE_DURATION;
	if (s->external_id != NULL) {
		params[n].name = "ExternalId";
		params[n++].value = s->external_id;
	}
	memset(&r, 0, sizeof(r));
	r.service = "sts";
	r.protocol = AWS_P_QUERY;
	r.action = "AssumeRole";
	r.version = AWS_STS_VERSION;
	r.params = params;
	r.n_params = n;
	e = call(c, &r, &s->base, 1, &res, err);
	if (e != CP_OK) {
		aws_log(p, CP_LOG_ERROR, "AssumeRole %s failed: %s%s%s",
		    s->role_arn, err->code, err->code[0] != '\0' ? ": " : "",
		    err->message);
		goto out;
	}
	cr = json_object_get(res, "Credentials");
	memset(&fresh, 0, sizeof(fresh));
	fresh.access_key = (char *)obj_str(cr, "AccessKeyId");
	fresh.secret_key = (char *)obj_str(cr, "SecretAccessKey");
	fresh.session_token = (char *)obj_str(cr, "SessionToken");
	exp = obj_str(cr, "Expiration");
	fresh.expires = aws_parse_time(exp);
	if (fresh.access_key == NULL || fresh.secret_key == NULL ||
	    fresh.session_token == NULL || fresh.expires < 0) {
		err->status = 200;
		snprintf(err->code, sizeof(err->code), "%s", "");
		snprintf(err->message, sizeof(err->message), "AssumeRole %s "
		    "answered without complete credentials (AccessKeyId, "
		    "SecretAccessKey, SessionToken, Expiration)",
		    s->role_arn);
		aws_log(p, CP_LOG_ERROR, "%s", err->message);
		e = CP_E_PARSE;
		goto out;
	}
	aws_creds_clear(&s->cur);
	e = aws_creds_copy(&s->cur, &fresh);
	if (e == CP_OK)
		aws_log(p, CP_LOG_DEBUG, "assumed %s until %s", s->role_arn,
		    exp);
out:
	wipe_json(res);
	json_decref(res);
	return e;
}

cp_err
aws_session_creds(struct aws_client *c, struct aws_creds *copy,
    struct aws_error *err)
{
	struct aws_session *s = c->s;
	struct aws_plugin *p = s->p;
	struct aws_error local;
	time_t now;
	cp_err r = CP_OK;

	if (err == NULL)
		err = &local;
	memset(copy, 0, sizeof(*copy));
	pthread_mutex_lock(&s->mu);
	if (s->role_arn != NULL) {
		now = p->host->now(p->self);
		if (s->cur.access_key == NULL || (s->cur.expires != 0 &&
		    now + AWS_REFRESH_MARGIN >= s->cur.expires) ||
		    s->retry_at != 0) {
			if (s->retry_at == 0 || now >= s->retry_at ||
			    s->cur.access_key == NULL ||
			    now >= s->cur.expires) {
				r = assume_role(c, err);
				s->retry_at = 0;
			}
			/*
			 * A refresh that fails while the credentials still
			 * hold is not an error yet: they are used, and the
			 * refresh is tried again a minute later (not by
			 * every call of every thread).
			 */
			if (r != CP_OK && r != CP_E_NOMEM &&
			    r != CP_E_CANCELLED && s->cur.access_key != NULL &&
			    now < s->cur.expires) {
				aws_log(p, CP_LOG_WARNING, "%s: refreshing the "
				    "role failed (%s); the current credentials "
				    "hold until they expire", s->role_arn,
				    err->message);
				s->retry_at = now + AWS_REFRESH_RETRY;
				r = CP_OK;
			}
		}
	}
	if (r == CP_OK)
		r = aws_creds_copy(copy, &s->cur);
	pthread_mutex_unlock(&s->mu);
	return r;
}

cp_err
aws_session_identity(struct aws_client *c, struct aws_error *err)
{
	struct aws_session *s = c->s;
	struct aws_call r;
	json_t *res = NULL;
	const char *acct, *arn;
	cp_err e;

	memset(&r, 0, sizeof(r));
	r.service = "sts";
	r.protocol = AWS_P_QUERY;
	r.action = "GetCallerIdentity";
	r.version = AWS_STS_VERSION;
	e = aws_call(c, &r, &res, err);
	if (e != CP_OK)
		return e;
	acct = obj_str(res, "Account");
	arn = obj_str(res, "Arn");
	if (acct == NULL || strlen(acct) != 12 ||
	    strspn(acct, "0123456789") != 12 || arn == NULL) {
		if (err != NULL) {
			err->status = 200;
			err->code[0] = '\0';
			snprintf(err->message, sizeof(err->message),
			    "GetCallerIdentity answered without a 12-digit "
			    "Account and an Arn");
		}
		json_decref(res);
		return CP_E_PARSE;
	}
	pthread_mutex_lock(&s->mu);
	snprintf(s->account, sizeof(s->account), "%s", acct);
	copy_text(s->arn, sizeof(s->arn), arn);
	pthread_mutex_unlock(&s->mu);
	json_decref(res);
	return CP_OK;
}

/* ------------------------------------------------------------ errors */

static const char *const auth_codes[] = {
	"SignatureDoesNotMatch", "IncompleteSignature", "InvalidClientTokenId",
	"UnrecognizedClientException", "AuthFailure", "InvalidAccessKeyId",
	"ExpiredToken", "ExpiredTokenException", "RequestExpired",
	"MissingAuthenticationToken", "MissingAuthenticationTokenException",
	"InvalidSignatureException", "InvalidToken", "TokenRefreshRequired",
	"RequestTimeTooSkewed", "NotAuthorized", NULL
};

static const char *const perm_codes[] = {
	"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
	"UnauthorizedAccess", "AuthorizationError", "AllAccessDisabled",
	"Forbidden", "ForbiddenException", NULL
};

static const char *const throttle_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException",
	"RequestThrottled", "RequestThrottledException",
	"RequestLimitExceeded", "TooManyRequestsException", "SlowDown",
	"ProvisionedThroughputExceededException", "BandwidthLimitExceeded",
	"PriorRequestNotComplete", "EC2ThrottledException", NULL
};

static int
in_list(const char *code, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(code, *list) == 0)
			return 1;
	return 0;
}

static int
retryable(long status, const char *code)
{
	return in_list(code, throttle_codes) || status == 429 ||
	    status == 500 || status == 502 || status == 503 || status == 504;
}

static cp_err
map_error(long status, const char *code)
{
	if (code[0] != '\0') {
		if (in_list(code, auth_codes))
			return CP_E_AUTH;
		if (in_list(code, perm_codes))
			return CP_E_PERM;
		if (strncmp(code, "NoSuch", 6) == 0 ||
		    strstr(code, "NotFound") != NULL)
			return CP_E_NOTFOUND;
		if (retryable(status, code))
			return CP_E_RETRY_LATER;
		return CP_E_FAILED;
	}
	if (status == 401)
		return CP_E_AUTH;
	if (status == 403)
		return CP_E_PERM;
	if (status == 404)
		return CP_E_NOTFOUND;
	if (retryable(status, code))
		return CP_E_RETRY_LATER;
	return CP_E_FAILED;
}

static const char *
local_name(const json_t *elem)
{
	const char *n = json_string_value(json_object_get(elem, "name"));
	const char *colon;

	if (n == NULL)
		return "";
	colon = strrchr(n, ':');
	return colon != NULL ? colon + 1 : n;
}

static const json_t *
child(const json_t *elem, const char *name)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(elem, "children"), i, c)
		if (strcmp(local_name(c), name) == 0)
			return c;
	return NULL;
}

/* The first <Error> with a <Code> within depth levels of elem. */
static const json_t *
find_error(const json_t *elem, unsigned depth)
{
	const json_t *c, *hit;
	size_t i;

	if (strcmp(local_name(elem), "Error") == 0 &&
	    child(elem, "Code") != NULL)
		return elem;
	if (depth == 0)
		return NULL;
	json_array_foreach(json_object_get(elem, "children"), i, c) {
		hit = find_error(c, depth - 1);
		if (hit != NULL)
			return hit;
	}
	return NULL;
}

static const char *
skip_blank(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' ||
	    *s == '\n'))
		s++;
	return s;
}

/* AWS's code and message of an error response, whatever its protocol. */
static void
parse_error(const struct cp_host *host, const struct cp_http_response *resp,
    struct aws_error *err)
{
	const char *body = resp->body != NULL ? resp->body : "";
	const char *start = skip_blank(body, body + resp->body_len);
	const char *code = NULL, *msg = NULL, *hdr;
	const json_t *e;
	json_t *doc = NULL;
	char why[128], *hash;

	err->status = resp->status;
	err->code[0] = '\0';
	err->message[0] = '\0';
	if (*start == '<') {
		doc = host->xml_parse(body, resp->body_len, why, sizeof(why));
		e = doc != NULL ? find_error(doc, AWS_ERROR_SCAN_DEPTH) : NULL;
		if (e != NULL) {
			code = json_string_value(json_object_get(child(e,
			    "Code"), "text"));
			msg = json_string_value(json_object_get(child(e,
			    "Message"), "text"));
		}
	} else if (*start == '{') {
		doc = host->json_parse(body, resp->body_len, why, sizeof(why));
		code = obj_str(doc, "__type");
		if (code == NULL)
			code = obj_str(doc, "code");
		if (code == NULL)
			code = obj_str(doc, "Code");
		msg = obj_str(doc, "message");
		if (msg == NULL)
			msg = obj_str(doc, "Message");
		if (msg == NULL)
			msg = obj_str(doc, "errorMessage");
	}
	hdr = host->http_header(resp, "X-Amzn-ErrorType");
	if ((code == NULL || *code == '\0') && hdr != NULL) {
		copy_text(err->code, sizeof(err->code), hdr);
		err->code[strcspn(err->code, ":")] = '\0';
	} else {
		copy_text(err->code, sizeof(err->code), code);
	}
	hash = strrchr(err->code, '#');
	if (hash != NULL)
		memmove(err->code, hash + 1, strlen(hash + 1) + 1);
	err->code[strcspn(err->code, " ")] = '\0';
	copy_text(err->message, sizeof(err->message), msg);
	if (err->code[0] == '\0' && err->message[0] == '\0')
		snprintf(err->message, sizeof(err->message), "the answer "
		    "carries no AWS error");
	json_decref(doc);
}

/* Appends " (HTTP 503, after 7 attempts)" to err->message. */
static void
note_attempts(struct aws_error *err, unsigned attempts)
{
	size_t len = strlen(err->message);
	char note[64];

	if (attempts > 1)
		snprintf(note, sizeof(note), "%s(HTTP %ld, after %u attempts)",
		    len > 0 ? " " : "", err->status, attempts);
	else
		snprintf(note, sizeof(note), "%s(HTTP %ld)", len > 0 ? " " :
		    "", err->status);
	if (len + strlen(note) >= sizeof(err->message))
		len = sizeof(err->message) - strlen(note) - 1;
	snprintf(err->message + len, sizeof(err->message) - len, "%s", note);
}

/* ------------------------------------------------------------ requests */

/* What one call sends, prepared once for all its attempts. */
struct aws_prep {
	char *url;
	struct aws_buf body;		/* EC2/Query form */
	const void *body_ptr;
	size_t body_len;
	const char *method;
	char *target;			/* "X-Amz-Target: ..." */
	const char *headers[AWS_EXTRA_HEADERS_MAX + 4];
	const char *sign_region;
	unsigned sign_flags;
	char api[128];
};

static void
prep_free(struct aws_prep *q)
{
	free(q->url);
	buf_wipe_free(&q->body);
	free(q->target);
	memset(q, 0, sizeof(*q));
}

/* The name of the API for messages: the action or the operation. */
static void
api_name(const struct aws_call *r, char *buf, size_t size)
{
	const char *dot;

	if (r->action != NULL) {
		snprintf(buf, size, "%s", r->action);
	} else if (r->target != NULL) {
		dot = strrchr(r->target, '.');
		snprintf(buf, size, "%s", dot != NULL ? dot + 1 : r->target);
	} else {
		snprintf(buf, size, "%s %s", r->method != NULL ? r->method :
		    "GET", r->path != NULL ? r->path : "/");
		buf[strcspn(buf, "?")] = '\0';
	}
}

/* The URL of r: the configured endpoint, or AWS's host of the service. */
static cp_err
build_url(const struct aws_plugin *p, const struct aws_call *r,
    const char *region, struct aws_buf *u)
{
	const char *path = r->path != NULL && r->protocol >= AWS_P_REST_XML ?
	    r->path : "/";
	const char *prefix = r->endpoint_prefix != NULL ? r->endpoint_prefix :
	    r->service;
	size_t n;

	if (p->endpoint != NULL) {
		n = strlen(p->endpoint);
		while (n > 0 && p->endpoint[n - 1] == '/')
			n--;
		buf_add(u, p->endpoint, n);
	} else if (strcmp(r->service, "s3") == 0 && r->host_prefix != NULL) {
		buf_str(u, "https://");
		buf_str(u, r->host_prefix);
		buf_str(u, r->endpoint_prefix != NULL ? r->endpoint_prefix :
		    "s3-control");
		buf_str(u, ".");
		buf_str(u, region);
		buf_str(u, ".amazonaws.com");
	} else if (strcmp(prefix, "ce") == 0) {
		buf_str(u, "https://ce.us-east-1.amazonaws.com");
	} else if (strcmp(prefix, "resource-explorer-2") == 0) {
		buf_str(u, "https://resource-explorer-2.");
		buf_str(u, region);
		buf_str(u, ".api.aws");
	} else {
		buf_str(u, "https://");
		if (r->host_prefix != NULL)
			buf_str(u, r->host_prefix);
		buf_str(u, prefix);
		if (!r->global) {
			buf_str(u, ".");
			buf_str(u, region);
		}
		buf_str(u, ".amazonaws.com");
	}
	if (path[0] != '/')
		buf_str(u, "/");
	buf_str(u, path);
	if (r->query != NULL && r->query[0] != '\0' &&
	    r->protocol >= AWS_P_REST_XML) {
		buf_str(u, "?");
		buf_str(u, r->query);
	}
	if (u->nomem)
		return CP_E_NOMEM;
	return u->len > AWS_URL_MAX ? CP_E_LIMIT : CP_OK;
}

/*
 * The region a global service (IAM) signs with: us-east-1 in the aws
 * partition, whatever home_region says; in the China and GovCloud
 * partitions their own home region.
 */
static const char *
global_region(const char *home)
{
	if (strncmp(home, "cn-", 3) == 0 || strncmp(home, "us-gov-", 7) == 0 ||
	    strncmp(home, "us-iso", 6) == 0)
		return home;
	return "us-east-1";
}

static cp_err
prepare(const struct aws_plugin *p, const struct aws_call *r,
    struct aws_prep *q, struct aws_error *err)
{
	struct aws_buf u, t;
	size_t i, nh = 0;
	cp_err e;

	memset(q, 0, sizeof(*q));
	memset(&u, 0, sizeof(u));
	api_name(r, q->api, sizeof(q->api));
	if (r->service == NULL || r->protocol < AWS_P_EC2 ||
	    r->protocol > AWS_P_REST_JSON ||
	    ((r->protocol == AWS_P_EC2 || r->protocol == AWS_P_QUERY) &&
	    (r->action == NULL || r->version == NULL)) ||
	    (r->protocol == AWS_P_JSON && r->target == NULL) ||
	    (r->n_params > 0 && r->params == NULL)) {
		snprintf(err->message, sizeof(err->message), "%s: the call "
		    "is incomplete for its protocol", q->api);
		return CP_E_INVALID;
	}
	if (r->global)
		q->sign_region = global_region(p->home_region);
	else if (strcmp(r->endpoint_prefix != NULL ? r->endpoint_prefix :
	    r->service, "ce") == 0)
		q->sign_region = "us-east-1";
	else
		q->sign_region = r->region != NULL ? r->region :
		    p->home_region;
	e = build_url(p, r, r->region != NULL ? r->region : p->home_region,
	    &u);
	if (e != CP_OK) {
		free(u.p);
		snprintf(err->message, sizeof(err->message), "%s: %s", q->api,
		    e == CP_E_LIMIT ? "the URL is too long" : "out of memory");
		return e;
	}
	q->url = u.p;
	q->sign_flags = strcmp(r->service, "s3") == 0 ?
	    AWS_SIGV4_NO_NORMALIZE | AWS_SIGV4_CONTENT_SHA256 : 0;

	switch (r->protocol) {
	case AWS_P_EC2:
	case AWS_P_QUERY:
		q->method = "POST";
		buf_str(&q->body, "Action=");
		buf_encode(&q->body, r->action);
		buf_str(&q->body, "&Version=");
		buf_encode(&q->body, r->version);
		for (i = 0; i < r->n_params; i++) {
			if (r->params[i].name == NULL ||
			    r->params[i].value == NULL)
				continue;
			buf_str(&q->body, "&");
			buf_encode(&q->body, r->params[i].name);
			buf_str(&q->body, "=");
			buf_encode(&q->body, r->params[i].value);
		}
		if (q->body.nomem)
			goto nomem;
		q->body_ptr = q->body.p;
		q->body_len = q->body.len;
		q->headers[nh++] = AWS_FORM_TYPE;
		break;
	case AWS_P_JSON:
		q->method = "POST";
		q->body_ptr = r->body != NULL ? r->body : "{}";
		q->body_len = r->body != NULL ? r->body_len : 2;
		memset(&t, 0, sizeof(t));
		buf_str(&t, "X-Amz-Target: ");
		buf_str(&t, r->target);
		q->target = t.p;
		if (t.nomem)
			goto nomem;
		q->headers[nh++] = q->target;
		q->headers[nh++] = r->json_content_type != NULL &&
		    strcmp(r->json_content_type, "application/x-amz-json-1.0")
		    == 0 ? "Content-Type: application/x-amz-json-1.0" :
		    "Content-Type: " AWS_JSON11_TYPE;
		break;
	default:
		q->method = r->method != NULL ? r->method :
		    r->body != NULL ? "POST" : "GET";
		q->body_ptr = r->body;
		q->body_len = r->body != NULL ? r->body_len : 0;
		if (r->protocol == AWS_P_REST_JSON && r->body != NULL)
			q->headers[nh++] = "Content-Type: application/json";
		break;
	}
	for (i = 0; r->headers != NULL && r->headers[i] != NULL; i++) {
		if (i >= AWS_EXTRA_HEADERS_MAX) {
			snprintf(err->message, sizeof(err->message), "%s: "
			    "more than %d extra headers", q->api,
			    AWS_EXTRA_HEADERS_MAX);
			return CP_E_INVALID;
		}
		q->headers[nh++] = r->headers[i];
	}
	q->headers[nh] = NULL;
	return CP_OK;
nomem:
	snprintf(err->message, sizeof(err->message), "%s: out of memory",
	    q->api);
	return CP_E_NOMEM;
}

/* The body of a 2xx response converted as aws_call() promises. */
static cp_err
parse_ok(const struct aws_plugin *p, const struct aws_call *r,
    const struct aws_prep *q, const struct cp_http_response *resp,
    int sensitive, json_t **out, struct aws_error *err)
{
	const char *body = resp->body != NULL ? resp->body : "";
	const json_t *res = NULL, *c;
	json_t *doc;
	char why[256];
	size_t i, n;

	if (skip_blank(body, body + resp->body_len) == body + resp->body_len) {
		*out = json_object();
		return *out != NULL ? CP_OK : CP_E_NOMEM;
	}
	if (r->protocol == AWS_P_JSON || r->protocol == AWS_P_REST_JSON) {
		*out = p->host->json_parse(body, resp->body_len, why,
		    sizeof(why));
		if (*out != NULL)
			return CP_OK;
		err->status = resp->status;
		snprintf(err->message, sizeof(err->message), "%s: the response "
		    "is not valid JSON: %s", q->api, why);
		return CP_E_PARSE;
	}
	doc = p->host->xml_parse(body, resp->body_len, why, sizeof(why));
	if (doc == NULL) {
		err->status = resp->status;
		snprintf(err->message, sizeof(err->message), "%s: the response "
		    "is not valid XML: %s", q->api, why);
		return CP_E_PARSE;
	}
	if (r->protocol == AWS_P_QUERY) {
		/* <ActionResponse><ActionResult>...</ActionResult>... */
		json_array_foreach(json_object_get(doc, "children"), i, c) {
			n = strlen(local_name(c));
			if (n >= 6 && strcmp(local_name(c) + n - 6,
			    "Result") == 0) {
				res = c;
				break;
			}
		}
		*out = res != NULL ? aws_xml_to_json(res, r->lists) :
		    json_object();
	} else {
		*out = aws_xml_to_json(doc, r->lists);
	}
	if (sensitive)
		wipe_json(doc);
	json_decref(doc);
	return *out != NULL ? CP_OK : CP_E_NOMEM;
}

/* The signer's clock: the host's (a fixed clock under test). */
static time_t
signer_now(void *ud)
{
	const struct aws_plugin *p = ud;

	return p->host->now(p->self);
}

/* Waits ms, in slices that watch for cancel. */
static cp_err
pause_ms(const struct aws_plugin *p, long ms)
{
	struct timespec ts;
	long slice;

	while (ms > 0) {
		if (p->host->cancelled(p->self))
			return CP_E_CANCELLED;
		slice = ms < AWS_SLEEP_SLICE_MS ? ms : AWS_SLEEP_SLICE_MS;
		ts.tv_sec = 0;
		ts.tv_nsec = slice * 1000000L;
		nanosleep(&ts, NULL);
		ms -= slice;
	}
	return p->host->cancelled(p->self) ? CP_E_CANCELLED : CP_OK;
}

/* The wait before retry number n (1...): Retry-After when the server
 * gave one in seconds, else exponential backoff with jitter. */
static long
retry_delay(const struct aws_plugin *p, const struct cp_http_response *resp,
    unsigned n, unsigned *seed)
{
	const char *ra = p->host->http_header(resp, "Retry-After");
	long ms = AWS_BACKOFF_BASE_MS, secs;
	char *end;

	if (ra != NULL) {
		secs = strtol(ra, &end, 10);
		if (end != ra && *end == '\0' && secs >= 0)
			return secs > AWS_RETRY_AFTER_MAX_MS / 1000 ?
			    AWS_RETRY_AFTER_MAX_MS : secs * 1000;
	}
	while (n-- > 1 && ms < AWS_BACKOFF_CAP_MS)
		ms *= 2;
	if (ms > AWS_BACKOFF_CAP_MS)
		ms = AWS_BACKOFF_CAP_MS;
	/* Half fixed, half random: callers throttled together spread. */
	return ms / 2 + (long)(rand_r(seed) % (ms / 2 + 1));
}

/*
 * Performs r signed with fixed (or the session's current credentials),
 * retrying what AWS says is passing.  sensitive: the response holds a
 * secret, wiped before it is freed.
 */
static cp_err
call(struct aws_client *c, const struct aws_call *r,
    const struct aws_creds *fixed, int sensitive, json_t **out,
    struct aws_error *err)
{
	struct aws_plugin *p = c->s->p;
	const struct cp_host *host = p->host;
	struct cp_http_response *resp = NULL;
	struct aws_sigv4_signer signer;
	struct cp_http_request req;
	struct aws_error local;
	struct aws_creds cur;
	struct aws_prep q;
	struct timespec ts;
	unsigned attempts = 0, retry, seed;
	json_t *dummy = NULL;
	cp_err e;

	if (err == NULL)
		err = &local;
	if (out == NULL)
		out = &dummy;
	*out = NULL;
	memset(err, 0, sizeof(*err));
	memset(&cur, 0, sizeof(cur));
	e = prepare(p, r, &q, err);
	if (e != CP_OK)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	seed = (unsigned)ts.tv_nsec ^ (unsigned)(uintptr_t)c;

	for (retry = 0;; retry++) {
		if (host->cancelled(p->self)) {
			e = CP_E_CANCELLED;
			snprintf(err->message, sizeof(err->message), "%s: "
			    "cancelled", q.api);
			goto out;
		}
		if (fixed == NULL) {
			e = aws_session_creds(c, &cur, err);
			if (e != CP_OK)
				goto out;
		}
		memset(&signer, 0, sizeof(signer));
		signer.key.access_key = fixed != NULL ? fixed->access_key :
		    cur.access_key;
		signer.key.secret_key = fixed != NULL ? fixed->secret_key :
		    cur.secret_key;
		signer.key.session_token = fixed != NULL ?
		    fixed->session_token : cur.session_token;
		signer.key.region = q.sign_region;
		signer.key.service = r->service;
		signer.flags = q.sign_flags;
		signer.now = signer_now;
		signer.now_ud = p;

		memset(&req, 0, sizeof(req));
		req.struct_size = sizeof(req);
		req.flags = CP_HTTP_F_NO_RETRY_STATUS;
		req.method = q.method;
		req.url = q.url;
		req.headers = q.headers;
		req.body = q.body_ptr;
		req.body_len = q.body_len;
		req.max_body = r->max_body;
		req.sign = aws_sigv4_http_sign;
		req.sign_ud = &signer;
		e = host->http_perform(c->http, &req, &resp);
		aws_creds_clear(&cur);
		if (e != CP_OK) {
			err->status = 0;
			err->code[0] = '\0';
			snprintf(err->message, sizeof(err->message), "%s: %s",
			    q.api, host->http_errmsg(c->http));
			goto out;
		}
		attempts += resp->attempts > 0 ? resp->attempts : 1;
		if (resp->status >= 200 && resp->status < 300) {
			e = parse_ok(p, r, &q, resp, sensitive, out, err);
			goto out;
		}
		parse_error(host, resp, err);
		if (strcmp(err->code, "DryRunOperation") == 0) {
			e = CP_OK;
			goto out;
		}
		if (!retryable(resp->status, err->code) ||
		    retry >= AWS_THROTTLE_RETRIES)
			break;
		e = pause_ms(p, retry_delay(p, resp, retry + 1, &seed));
		if (sensitive)
			explicit_bzero(resp->body, resp->body_len);
		host->http_response_free(resp);
		resp = NULL;
		if (e != CP_OK) {
			snprintf(err->message, sizeof(err->message), "%s: "
			    "cancelled", q.api);
			goto out;
		}
	}
	e = map_error(err->status, err->code);
	note_attempts(err, attempts);
out:
	if (resp != NULL && sensitive && resp->body != NULL)
		explicit_bzero(resp->body, resp->body_len);
	if (resp != NULL)
		host->http_response_free(resp);
	aws_creds_clear(&cur);
	prep_free(&q);
	json_decref(dummy);
	return e;
}

cp_err
aws_call(struct aws_client *c, const struct aws_call *r, json_t **out,
    struct aws_error *err)
{
	return call(c, r, NULL, 0, out, err);
}

/* ------------------------------------------------------------ emitting */

/* The first fatal error of k (under k->mu). */
static cp_err
set_fatal(struct aws_collect *k, cp_err r)
{
	if (k->fatal == CP_OK)
		k->fatal = r;
	return k->fatal;
}

cp_err
aws_emit(struct aws_collect *k, const char *type, const char *id,
    const char *name, const char *region, const json_t *obj)
{
	char *js;
	cp_err r;

	js = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY);
	pthread_mutex_lock(&k->mu);
	if (k->fatal != CP_OK)
		r = k->fatal;
	else if (js == NULL)
		r = set_fatal(k, CP_E_NOMEM);
	else if ((r = k->sink->resource(k->sink, type, id, name, region,
	    js)) != CP_OK) {
		set_fatal(k, r);
		aws_log(k->p, CP_LOG_ERROR, "account %s: storing %s %s "
		    "failed: %s", k->account, type, id,
		    k->p->host->strerror(r));
	}
	pthread_mutex_unlock(&k->mu);
	free(js);
	return r;
}

cp_err
aws_emit_event(struct aws_collect *k, const char *type,
    const char *time_iso8601, const char *id, const json_t *obj)
{
	char *js;
	cp_err r;

	js = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY);
	pthread_mutex_lock(&k->mu);
	if (k->fatal != CP_OK)
		r = k->fatal;
	else if (js == NULL)
		r = set_fatal(k, CP_E_NOMEM);
	else if ((r = k->sink->event(k->sink, type, time_iso8601, id,
	    js)) != CP_OK) {
		set_fatal(k, r);
		aws_log(k->p, CP_LOG_ERROR, "account %s: storing event %s %s "
		    "failed: %s", k->account, type, id != NULL ? id : "",
		    k->p->host->strerror(r));
	}
	pthread_mutex_unlock(&k->mu);
	free(js);
	return r;
}

cp_err
aws_emit_cost(struct aws_collect *k, const char *period, double amount,
    const char *currency)
{
	cp_err r;

	pthread_mutex_lock(&k->mu);
	if (k->fatal != CP_OK)
		r = k->fatal;
	else if ((r = k->sink->cost(k->sink, period, amount, currency)) !=
	    CP_OK)
		set_fatal(k, r);
	pthread_mutex_unlock(&k->mu);
	return r;
}

void
aws_collector_failed(struct aws_collect *k, const char *collector,
    const char *region, const char *api, cp_err r,
    const struct aws_error *err)
{
	char msg[1024], where[96];
	const char *detail;
	size_t n;
	cp_err sr;

	if (region != NULL)
		snprintf(where, sizeof(where), " region %s", region);
	else
		where[0] = '\0';
	detail = err != NULL && err->message[0] != '\0' ? err->message :
	    k->p->host->strerror(r);
	/* aws_call() names the API in its own messages: once is enough. */
	n = strlen(api);
	if (strncmp(detail, api, n) == 0 && detail[n] == ':' &&
	    detail[n + 1] == ' ')
		detail += n + 2;
	if (err != NULL && err->code[0] != '\0')
		snprintf(msg, sizeof(msg), "account %s%s %s: %s: %s",
		    k->account, where, api, err->code, detail);
	else
		snprintf(msg, sizeof(msg), "account %s%s %s: %s", k->account,
		    where, api, detail);
	aws_log(k->p, CP_LOG_WARNING, "collector %s failed: %s", collector,
	    msg);
	pthread_mutex_lock(&k->mu);
	if (r == CP_E_CANCELLED)
		set_fatal(k, r);
	sr = k->sink->collector_error(k->sink, collector, r, msg);
	if (sr != CP_OK)
		set_fatal(k, sr);
	pthread_mutex_unlock(&k->mu);
}

/* ------------------------------------------------------------ regions */

struct region_pool {
	struct aws_collect *k;
	aws_region_fn fn;
	pthread_mutex_t mu;
	size_t next;
};

/* Whether the collection must stop (cancelled, or a fatal error). */
static int
stopping(struct aws_collect *k)
{
	int stop;

	pthread_mutex_lock(&k->mu);
	if (k->p->host->cancelled(k->p->self))
		set_fatal(k, CP_E_CANCELLED);
	stop = k->fatal != CP_OK;
	pthread_mutex_unlock(&k->mu);
	return stop;
}

static void *
region_worker(void *arg)
{
	struct region_pool *rp = arg;
	struct aws_collect *k = rp->k;
	struct aws_client c;
	size_t i;

	if (aws_client_init(&c, k->s) != CP_OK) {
		pthread_mutex_lock(&k->mu);
		set_fatal(k, CP_E_NOMEM);
		pthread_mutex_unlock(&k->mu);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&rp->mu);
		i = rp->next++;
		pthread_mutex_unlock(&rp->mu);
		if (i >= k->n_regions || stopping(k))
			break;
		rp->fn(k, &c, k->regions[i]);
	}
	aws_client_fini(&c);
	return NULL;
}

cp_err
aws_for_regions(struct aws_collect *k, aws_region_fn fn)
{
	struct region_pool rp;
	pthread_t *th;
	size_t n, started = 0, i;
	cp_err r;

	if (k->n_regions == 0)
		return CP_OK;
	n = k->p->region_concurrency > 0 ? k->p->region_concurrency : 1;
	if (n > k->n_regions)
		n = k->n_regions;
	memset(&rp, 0, sizeof(rp));
	rp.k = k;
	rp.fn = fn;
	if (pthread_mutex_init(&rp.mu, NULL) != 0)
		return CP_E_NOMEM;
	th = calloc(n, sizeof(*th));
	if (th != NULL)
		for (started = 0; started < n; started++)
			if (pthread_create(&th[started], NULL, region_worker,
			    &rp) != 0)
				break;
	/* Without a thread, the caller's own thread does the work. */
	if (started == 0)
		region_worker(&rp);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	pthread_mutex_destroy(&rp.mu);
	pthread_mutex_lock(&k->mu);
	r = k->fatal;
	pthread_mutex_unlock(&k->mu);
	return r;
}

/* IAM ListAccountAliases: the account's alias into buf, or "" when it
 * has none or IAM does not tell. */
cp_err
aws_account_alias(struct aws_client *c, char *buf, size_t size,
    struct aws_error *err)
{
	static const char *const lists[] = { "AccountAliases", NULL };
	struct aws_call r;
	json_t *res = NULL;
	const char *alias;
	cp_err e;

	if (size > 0)
		buf[0] = '\0';
	memset(&r, 0, sizeof(r));
	r.service = "iam";
	r.global = 1;
	r.protocol = AWS_P_QUERY;
	r.action = "ListAccountAliases";
	r.version = AWS_IAM_VERSION;
	r.lists = lists;
	e = aws_call(c, &r, &res, err);
	if (e != CP_OK)
		return e;
	alias = json_string_value(json_array_get(json_object_get(res,
	    "AccountAliases"), 0));
	if (alias != NULL)
		copy_text(buf, size, alias);
	json_decref(res);
	return CP_OK;
}
