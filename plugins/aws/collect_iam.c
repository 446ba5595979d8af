/*
 * collect_iam.c - the iam and iam-credential-report collectors.
 *
 * iam: every user with MFA devices, access keys (with their last use)
 * and login profile, the account summary and the password policy.
 * iam-credential-report: the credential report, one resource per CSV row.
 *
 * The report is asked for first, so that IAM builds it while the users
 * are listed; it is then polled with a short bounded wait.  A user whose
 * calls fail is not emitted (a user without its MFA list would look like
 * a user without MFA): the collector is marked failed instead.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"

#define IAM_SERVICE "iam"
#define IAM_VERSION "2010-05-08"
#define IAM_COLLECTOR "iam"
#define IAM_REPORT_COLLECTOR "iam-credential-report"
#define IAM_MAX_ITEMS "1000"		/* MaxItems of every listing */
#define IAM_NAME_MAX 128		/* IAM user names are at most 64 */
#define IAM_API_MAX 320			/* "ListAccessKeys(user)" */
#define IAM_REPORT_MAX (64u * 1024 * 1024)	/* decoded report */
/* The base64 of the report plus the XML around it. */
#define IAM_REPORT_BODY_MAX (IAM_REPORT_MAX / 3 * 4 + 1024 * 1024)
#define IAM_REPORT_POLLS 60		/* GenerateCredentialReport calls */
#define IAM_REPORT_POLL_MS 1000		/* between two of them, at most */
#define IAM_SLEEP_STEP_MS 100		/* cancellation checks while waiting */
#define IAM_CSV_COLUMNS_MAX 64		/* columns of the report */
#define IAM_CSV_ROWS_MAX 200000		/* rows of the report */

struct iam_run {
	struct aws_collect *k;
	struct aws_client *c;
};

/* Text that gets built up: the fields of a CSV row. */
struct iam_buf {
	char *s;
	size_t len, cap;
};


/* One IAM Query call (IAM has one global endpoint). */
static cp_err
iam_call(struct iam_run *run, const char *action,
    const struct aws_param *params, size_t n_params,
    const char *const *lists, size_t max_body, json_t **out,
    struct aws_error *err)
{
	struct aws_call call;

	memset(&call, 0, sizeof(call));
	call.service = IAM_SERVICE;
	call.global = 1;
	call.protocol = AWS_P_QUERY;
	call.action = action;
	call.version = IAM_VERSION;
	call.params = params;
	call.n_params = n_params;
	call.lists = lists;
	call.max_body = max_body;
	memset(err, 0, sizeof(*err));
	return aws_call(run->c, &call, out, err);
}

static int
iam_truncated(const json_t *page)
{
	const json_t *v = json_object_get(page, "IsTruncated");

	return json_is_true(v) ||
	    (json_is_string(v) && strcmp(json_string_value(v), "true") == 0);
}

/*
 * Every item of listkey across the pages of action for user (Marker
 * paging) into *out (a new array).
 */
static cp_err
iam_list_all(struct iam_run *run, const char *action, const char *user,
    const char *listkey, json_t **out, struct aws_error *err)
{
	const char *lists[2] = { listkey, NULL };
	struct aws_param params[3];
	json_t *all, *page = NULL, *items;
	char *marker = NULL;
	const char *m;
	size_t n, i;
	unsigned pages;
	cp_err r = CP_OK;

	*out = NULL;
	all = json_array();
	if (all == NULL) {
		aws_error_set(err, "out of memory");
		return CP_E_NOMEM;
	}
	for (pages = 0;; pages++) {
		if (pages >= AWS_MAX_PAGES) {
			memset(err, 0, sizeof(*err));
			snprintf(err->message, sizeof(err->message),
			    "more than %d pages", AWS_MAX_PAGES);
			r = CP_E_LIMIT;
			break;
		}
		n = 0;
		params[n].name = "UserName";
		params[n++].value = user;
		params[n].name = "MaxItems";
		params[n++].value = IAM_MAX_ITEMS;
		if (marker != NULL) {
			params[n].name = "Marker";
			params[n++].value = marker;
		}
		r = iam_call(run, action, params, n, lists, 0, &page, err);
		if (r != CP_OK)
			break;
		/* AWS always sends the list element, empty or not. */
		items = json_object_get(page, listkey);
		if (items == NULL) {
			aws_error_set(err, "the response has no %s list",
			    listkey);
			r = CP_E_PARSE;
			break;
		}
		for (i = 0; i < aws_list_size(items); i++)
			if (json_array_append(all,
			    aws_list_get(items, i)) != 0) {
				aws_error_set(err, "out of memory");
				r = CP_E_NOMEM;
				break;
			}
		free(marker);
		marker = NULL;
		m = json_string_value(json_object_get(page, "Marker"));
		if (r == CP_OK && iam_truncated(page) && m != NULL &&
		    (marker = strdup(m)) == NULL) {
			aws_error_set(err, "out of memory");
			r = CP_E_NOMEM;
		}
		json_decref(page);
		page = NULL;
		if (r != CP_OK || marker == NULL)
			break;
	}
	free(marker);
	if (r != CP_OK) {
		json_decref(all);
		return r;
	}
	*out = all;
	return CP_OK;
}

/* The user's access keys, each with LastUsedDate (null: never used). */
static cp_err
iam_access_keys(struct iam_run *run, const char *user, json_t **out,
    const char **api, struct aws_error *err)
{
	struct aws_param param;
	json_t *keys = NULL, *last, *key, *used, *date;
	char idbuf[64];
	const char *id;
	size_t i;
	cp_err r;

	*api = "ListAccessKeys";
	r = iam_list_all(run, "ListAccessKeys", user, "AccessKeyMetadata",
	    &keys, err);
	if (r != CP_OK)
		return r;
	*api = "GetAccessKeyLastUsed";
	for (i = 0; i < json_array_size(keys); i++) {
		key = json_array_get(keys, i);
		id = aws_text(json_object_get(key, "AccessKeyId"), idbuf,
		    sizeof(idbuf));
		if (!json_is_object(key) || id == NULL)
			continue;
		param.name = "AccessKeyId";
		param.value = id;
		r = iam_call(run, "GetAccessKeyLastUsed", &param, 1, NULL, 0,
		    &last, err);
		if (r != CP_OK)
			break;
		used = json_object_get(last, "AccessKeyLastUsed");
		date = json_object_get(used, "LastUsedDate");
		if (json_object_set(key, "LastUsedDate",
		    date != NULL ? date : json_null()) != 0) {
			aws_error_set(err, "out of memory");
			r = CP_E_NOMEM;
		}
		json_decref(last);
		if (r != CP_OK)
			break;
	}
	if (r != CP_OK) {
		json_decref(keys);
		return r;
	}
	*out = keys;
	return CP_OK;
}

/* One user with its MFA devices, access keys and login profile. */
static cp_err
iam_user(struct iam_run *run, const json_t *u, const char **api,
    char *who, size_t who_size, struct aws_error *err)
{
	struct aws_param param;
	json_t *o = NULL, *mfa = NULL, *keys = NULL, *lp = NULL, *v;
	char namebuf[IAM_NAME_MAX];
	const char *name, *arn;
	cp_err r;

	*api = "ListUsers";
	name = aws_text(json_object_get(u, "UserName"), namebuf,
	    sizeof(namebuf));
	arn = json_string_value(json_object_get(u, "Arn"));
	if (name == NULL || arn == NULL || strlen(name) >= IAM_NAME_MAX) {
		aws_log(run->k->p, CP_LOG_WARNING, "account %s ListUsers: a "
		    "user without a valid UserName or Arn, skipped",
		    run->k->account);
		return CP_OK;
	}
	snprintf(who, who_size, "%s", name);
	*api = "ListMFADevices";
	r = iam_list_all(run, "ListMFADevices", name, "MFADevices", &mfa,
	    err);
	if (r != CP_OK)
		goto out;
	r = iam_access_keys(run, name, &keys, api, err);
	if (r != CP_OK)
		goto out;
	*api = "GetLoginProfile";
	param.name = "UserName";
	param.value = name;
	r = iam_call(run, "GetLoginProfile", &param, 1, NULL, 0, &v, err);
	if (r == CP_OK) {
		lp = json_object_get(v, "LoginProfile");
		lp = json_is_object(lp) ? json_incref(lp) : json_null();
		json_decref(v);
	} else if (r == CP_E_NOTFOUND &&
	    strcmp(err->code, "NoSuchEntity") == 0)	/* no console */
		lp = json_null();
	else
		goto out;
	r = CP_E_NOMEM;
	o = json_deep_copy(u);
	if (o == NULL)
		goto oom;
	if (json_object_get(o, "PasswordLastUsed") == NULL &&
	    json_object_set_new(o, "PasswordLastUsed", json_null()) != 0)
		goto oom;
	if (json_object_set(o, "LoginProfile", lp) != 0 ||
	    json_object_set(o, "MFADevices", mfa) != 0 ||
	    json_object_set(o, "AccessKeys", keys) != 0)
		goto oom;
	(void)aws_emit(run->k, "aws/iam-user", arn, name, "global", o);
	r = CP_OK;
	goto out;
oom:
	aws_error_set(err, "out of memory");
out:
	json_decref(o);
	json_decref(mfa);
	json_decref(keys);
	json_decref(lp);
	return r;
}

/* Every user, page by page; the first failure ends the listing. */
static void
iam_users(struct iam_run *run)
{
	static const char *const lists[] = { "Users", "Tags", NULL };
	struct aws_collect *k = run->k;
	struct aws_param params[2];
	struct aws_error err;
	json_t *page, *users;
	char *marker = NULL;
	char api_what[IAM_API_MAX], who[IAM_NAME_MAX];
	const char *m, *api = "ListUsers";
	size_t n, i;
	unsigned pages;
	cp_err r;

	for (pages = 0; pages < AWS_MAX_PAGES; pages++) {
		if (aws_stopping(k))
			break;
		n = 0;
		params[n].name = "MaxItems";
		params[n++].value = IAM_MAX_ITEMS;
		if (marker != NULL) {
			params[n].name = "Marker";
			params[n++].value = marker;
		}
		r = iam_call(run, "ListUsers", params, n, lists, 0, &page,
		    &err);
		if (r != CP_OK) {
			aws_collector_failed(k, IAM_COLLECTOR, NULL,
			    "ListUsers", r, &err);
			break;
		}
		users = json_object_get(page, "Users");
		if (users == NULL) {
			/* Always sent, empty or not: this is no answer. */
			aws_error_set(&err, "the response has no Users list");
			aws_collector_failed(k, IAM_COLLECTOR, NULL,
			    "ListUsers", CP_E_PARSE, &err);
			json_decref(page);
			break;
		}
		for (i = 0; i < aws_list_size(users); i++) {
			if (aws_stopping(k))
				break;
			who[0] = '\0';
			r = iam_user(run, aws_list_get(users, i), &api, who,
			    sizeof(who), &err);
			if (r != CP_OK)
				break;
		}
		free(marker);
		marker = NULL;
		m = json_string_value(json_object_get(page, "Marker"));
		if (r == CP_OK && iam_truncated(page) && m != NULL)
			marker = strdup(m);
		if (r == CP_OK && iam_truncated(page) && marker == NULL) {
			aws_error_set(&err, "out of memory");
			r = CP_E_NOMEM;
			api = "ListUsers";
		}
		json_decref(page);
		if (r != CP_OK) {
			snprintf(api_what, sizeof(api_what), "%s(%s)", api,
			    who);
			aws_collector_failed(k, IAM_COLLECTOR, NULL,
			    who[0] != '\0' ? api_what : api, r, &err);
			break;
		}
		if (marker == NULL)
			break;
	}
	free(marker);
}

/*
 * GetAccountSummary's SummaryMap as an object of numbers.  The XML map
 * (<entry><key/><value/></entry>) converts to an object keyed by name;
 * a list of {Key, Value} is folded into one as well.
 */
static json_t *
iam_summary_map(const json_t *map)
{
	json_t *o, *e, *v;
	const char *key, *s;
	char *end;
	long long n;
	size_t i;

	if (json_is_object(map) && json_object_get(map, "Entry") != NULL)
		map = json_object_get(map, "Entry");
	if (json_is_object(map) && json_object_get(map, "Key") == NULL)
		return json_deep_copy(map);
	o = json_object();
	if (o == NULL)
		return NULL;
	for (i = 0; i < aws_list_size(map); i++) {
		e = aws_list_get(map, i);
		key = json_string_value(json_object_get(e, "Key"));
		v = json_object_get(e, "Value");
		if (key == NULL || v == NULL)
			continue;
		if (json_is_string(v)) {
			s = json_string_value(v);
			errno = 0;
			n = strtoll(s, &end, 10);
			if (*s != '\0' && *end == '\0' && errno == 0)
				v = json_integer(n);
			else
				v = json_incref(v);
		} else
			v = json_incref(v);
		if (json_object_set_new(o, key, v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static void
iam_summary(struct iam_run *run)
{
	struct aws_collect *k = run->k;
	struct aws_error err;
	char id[64];
	json_t *v, *o;
	cp_err r;

	r = iam_call(run, "GetAccountSummary", NULL, 0, NULL, 0, &v, &err);
	if (r != CP_OK) {
		aws_collector_failed(k, IAM_COLLECTOR, NULL,
		    "GetAccountSummary", r, &err);
		return;
	}
	o = iam_summary_map(json_object_get(v, "SummaryMap"));
	json_decref(v);
	if (o == NULL) {
		aws_error_set(&err, "out of memory");
		aws_collector_failed(k, IAM_COLLECTOR, NULL,
		    "GetAccountSummary", CP_E_NOMEM, &err);
		return;
	}
	snprintf(id, sizeof(id), "arn:aws:iam::%s:root", k->account);
	(void)aws_emit(k, "aws/iam-account-summary", id, "root", "global", o);
	json_decref(o);
}

static void
iam_password_policy(struct iam_run *run)
{
	struct aws_collect *k = run->k;
	struct aws_error err;
	char id[80];
	json_t *v = NULL, *pp, *o;
	cp_err r;

	r = iam_call(run, "GetAccountPasswordPolicy", NULL, 0, NULL, 0, &v,
	    &err);
	if (r == CP_OK) {
		pp = json_object_get(v, "PasswordPolicy");
		if (!json_is_object(pp))
			pp = json_null();
	} else if (r == CP_E_NOTFOUND &&
	    strcmp(err.code, "NoSuchEntity") == 0)	/* none set */
		pp = json_null();
	else {
		aws_collector_failed(k, IAM_COLLECTOR, NULL,
		    "GetAccountPasswordPolicy", r, &err);
		return;
	}
	o = json_pack("{sO}", "PasswordPolicy", pp);
	json_decref(v);
	if (o == NULL) {
		aws_error_set(&err, "out of memory");
		aws_collector_failed(k, IAM_COLLECTOR, NULL,
		    "GetAccountPasswordPolicy", CP_E_NOMEM, &err);
		return;
	}
	snprintf(id, sizeof(id), "arn:aws:iam::%s:account-password-policy",
	    k->account);
	(void)aws_emit(k, "aws/iam-password-policy", id, "password-policy",
	    "global", o);
	json_decref(o);
}

/* ---------------------------------------------------------------------
 * The credential report.
 */

/* Sleeps ms milliseconds, waking early when the collection stops. */
static int
iam_wait(struct aws_collect *k, unsigned ms)
{
	struct timespec ts;
	unsigned slept;

	for (slept = 0; slept < ms; slept += IAM_SLEEP_STEP_MS) {
		if (aws_stopping(k))
			return -1;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)IAM_SLEEP_STEP_MS * 1000000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	return aws_stopping(k) ? -1 : 0;
}

/* GenerateCredentialReport once; *complete when the report is ready. */
static cp_err
iam_report_generate(struct iam_run *run, int *complete,
    struct aws_error *err)
{
	json_t *v;
	const char *state;
	cp_err r;

	*complete = 0;
	r = iam_call(run, "GenerateCredentialReport", NULL, 0, NULL, 0, &v,
	    err);
	if (r != CP_OK)
		return r;
	state = json_string_value(json_object_get(v, "State"));
	if (state == NULL || (strcmp(state, "COMPLETE") != 0 &&
	    strcmp(state, "STARTED") != 0 && strcmp(state, "INPROGRESS") !=
	    0)) {
		/* Not a state to wait for: polling would not change it. */
		memset(err, 0, sizeof(*err));
		snprintf(err->message, sizeof(err->message), "the response "
		    "has %s State", state != NULL ? "an unknown" : "no");
		json_decref(v);
		return CP_E_PARSE;
	}
	*complete = strcmp(state, "COMPLETE") == 0;
	json_decref(v);
	return CP_OK;
}

static int
iam_b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/*
 * Decodes base64 text (whitespace ignored, padding optional) into a
 * malloc'd buffer of at most max bytes.  CP_E_PARSE on a bad character
 * or length, CP_E_LIMIT when the result is larger than max.
 */
static cp_err
iam_b64_decode(const char *s, size_t len, size_t max, char **out,
    size_t *out_len)
{
	unsigned char *buf;
	unsigned acc = 0;
	size_t i, n = 0, bits = 0, pad = 0;
	int v;

	*out = NULL;
	*out_len = 0;
	if (len / 4 * 3 > max + 3)
		return CP_E_LIMIT;
	buf = malloc(len / 4 * 3 + 4);
	if (buf == NULL)
		return CP_E_NOMEM;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
			continue;
		if (ch == '=') {
			pad++;
			continue;
		}
		v = iam_b64_value(ch);
		if (v < 0 || pad > 0)
			goto bad;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Leftover bits must be a partial sextet of zeros, pad at most 2. */
	if (pad > 2 || bits >= 6 || acc != 0)
		goto bad;
	if (n > max) {
		free(buf);
		return CP_E_LIMIT;
	}
	buf[n] = '\0';
	*out = (char *)buf;
	*out_len = n;
	return CP_OK;
bad:
	free(buf);
	return CP_E_PARSE;
}

static int
iam_buf_add(struct iam_buf *b, char ch)
{
	char *ns;
	size_t ncap;

	if (b->len + 2 > b->cap) {
		ncap = b->cap != 0 ? b->cap * 2 : 64;
		ns = realloc(b->s, ncap);
		if (ns == NULL)
			return -1;
		b->s = ns;
		b->cap = ncap;
	}
	b->s[b->len++] = ch;
	b->s[b->len] = '\0';
	return 0;
}

/*
 * Splits the CSV record at *pos (RFC 4180: quoted fields, "" inside
 * quotes, CRLF or LF ends) into fields[], each malloc'd.  Returns the
 * number of fields, 0 at the end of the text, -1 on a malformed record
 * or too many fields, -2 when out of memory.
 */
static int
iam_csv_record(const char *s, size_t len, size_t *pos, char **fields,
    int max)
{
	struct iam_buf b = { NULL, 0, 0 };
	size_t i = *pos;
	int n = 0, quoted, end = 0;

	if (i >= len)
		return 0;
	while (!end) {
		if (n >= max)
			goto bad;
		quoted = i < len && s[i] == '"';
		if (quoted)
			i++;
		if (iam_buf_add(&b, '\0') != 0)
			goto nomem;
		b.len = 0;
		for (;;) {
			if (i >= len) {
				if (quoted)
					goto bad;	/* unterminated quote */
				end = 1;
				break;
			}
			if (quoted && s[i] == '"') {
				if (i + 1 < len && s[i + 1] == '"') {
					if (iam_buf_add(&b, '"') != 0)
						goto nomem;
					i += 2;
					continue;
				}
				quoted = 0;
				i++;
				if (i < len && s[i] != ',' && s[i] != '\n' &&
				    s[i] != '\r')
					goto bad;
				continue;
			}
			if (!quoted && s[i] == ',') {
				i++;
				break;
			}
			if (!quoted && (s[i] == '\n' || s[i] == '\r')) {
				if (s[i] == '\r' && i + 1 < len &&
				    s[i + 1] == '\n')
					i++;
				i++;
				end = 1;
				break;
			}
			if (iam_buf_add(&b, s[i]) != 0)
				goto nomem;
			i++;
		}
		fields[n++] = b.s;
		b.s = NULL;
		b.len = b.cap = 0;
	}
	*pos = i;
	return n;
bad:
	free(b.s);
	while (n > 0)
		free(fields[--n]);
	return -1;
nomem:
	free(b.s);
	while (n > 0)
		free(fields[--n]);
	return -2;
}

static void
iam_fields_free(char **fields, int n)
{
	while (n > 0)
		free(fields[--n]);
}

/*
 * Emits one aws/iam-credential-report-row per data row of csv.  Returns
 * CP_OK, or CP_E_PARSE / CP_E_LIMIT / CP_E_NOMEM with err->message set.
 */
static cp_err
iam_report_rows(struct aws_collect *k, const char *csv, size_t len,
    struct aws_error *err)
{
	char *head[IAM_CSV_COLUMNS_MAX], *row[IAM_CSV_COLUMNS_MAX];
	const char *arn, *user;
	size_t pos = 0, rows = 0;
	json_t *o;
	int nh, nr, i;
	cp_err r = CP_OK;

	memset(err, 0, sizeof(*err));
	nh = iam_csv_record(csv, len, &pos, head, IAM_CSV_COLUMNS_MAX);
	if (nh <= 0) {
		snprintf(err->message, sizeof(err->message),
		    "GetCredentialReport: %s", nh == -2 ? "out of memory" :
		    "the report has no valid CSV header");
		return nh == -2 ? CP_E_NOMEM : CP_E_PARSE;
	}
	for (;;) {
		if (aws_stopping(k))
			break;
		nr = iam_csv_record(csv, len, &pos, row, IAM_CSV_COLUMNS_MAX);
		if (nr == 0)
			break;
		if (nr < 0) {
			snprintf(err->message, sizeof(err->message),
			    "GetCredentialReport: %s in CSV row %zu",
			    nr == -2 ? "out of memory" : "malformed record",
			    rows + 2);
			r = nr == -2 ? CP_E_NOMEM : CP_E_PARSE;
			break;
		}
		if (nr == 1 && row[0][0] == '\0') {	/* an empty line */
			iam_fields_free(row, nr);
			continue;
		}
		if (++rows > IAM_CSV_ROWS_MAX) {
			iam_fields_free(row, nr);
			snprintf(err->message, sizeof(err->message),
			    "GetCredentialReport: more than %d rows",
			    IAM_CSV_ROWS_MAX);
			r = CP_E_LIMIT;
			break;
		}
		if (nr != nh) {
			iam_fields_free(row, nr);
			snprintf(err->message, sizeof(err->message),
			    "GetCredentialReport: CSV row %zu has %d fields, "
			    "the header %d", rows + 1, nr, nh);
			r = CP_E_PARSE;
			break;
		}
		o = json_object();
		for (i = 0; o != NULL && i < nr; i++)
			if (json_object_set_new(o, head[i],
			    json_string(row[i])) != 0) {
				json_decref(o);
				o = NULL;
			}
		if (o == NULL) {
			iam_fields_free(row, nr);
			snprintf(err->message, sizeof(err->message),
			    "GetCredentialReport: row %zu is not valid "
			    "UTF-8 or memory ran out", rows + 1);
			r = CP_E_PARSE;
			break;
		}
		arn = json_string_value(json_object_get(o, "arn"));
		user = json_string_value(json_object_get(o, "user"));
		if (arn == NULL || *arn == '\0')
			aws_log(k->p, CP_LOG_WARNING, "account %s "
			    "GetCredentialReport: row %zu has no arn, "
			    "skipped", k->account, rows + 1);
		else
			(void)aws_emit(k, "aws/iam-credential-report-row",
			    arn, user != NULL ? user : arn, "global", o);
		json_decref(o);
		iam_fields_free(row, nr);
	}
	iam_fields_free(head, nh);
	return r;
}

/* GetCredentialReport, decoded and emitted. */
static cp_err
iam_report_get(struct iam_run *run, struct aws_error *err)
{
	json_t *v = NULL;
	const char *content, *format;
	char *csv = NULL;
	size_t csv_len;
	cp_err r;

	r = iam_call(run, "GetCredentialReport", NULL, 0, NULL,
	    IAM_REPORT_BODY_MAX, &v, err);
	if (r == CP_E_HTTP_TOO_LARGE) {
		/* The core's client may read less than we ask for. */
		snprintf(err->message, sizeof(err->message), "the credential "
		    "report is larger than the %u MiB answer this collector "
		    "reads", (unsigned)((IAM_REPORT_BODY_MAX <
		    CP_HTTP_DEFAULT_MAX_BODY ? IAM_REPORT_BODY_MAX :
		    CP_HTTP_DEFAULT_MAX_BODY) / (1024 * 1024)));
		return CP_E_LIMIT;
	}
	if (r != CP_OK)
		return r;
	format = json_string_value(json_object_get(v, "ReportFormat"));
	content = json_string_value(json_object_get(v, "Content"));
	memset(err, 0, sizeof(*err));
	if (format != NULL && strcmp(format, "text/csv") != 0) {
		snprintf(err->message, sizeof(err->message), "unexpected "
		    "ReportFormat \"%.64s\"", format);
		r = CP_E_PARSE;
		goto out;
	}
	if (content == NULL) {
		snprintf(err->message, sizeof(err->message), "the answer has "
		    "no Content");
		r = CP_E_PARSE;
		goto out;
	}
	r = iam_b64_decode(content, strlen(content), IAM_REPORT_MAX, &csv,
	    &csv_len);
	if (r != CP_OK) {
		snprintf(err->message, sizeof(err->message), "%s",
		    r == CP_E_LIMIT ? "the credential report is larger than "
		    "64 MiB" : r == CP_E_NOMEM ? "out of memory" :
		    "Content is not valid base64");
		goto out;
	}
	r = iam_report_rows(run->k, csv, csv_len, err);
out:
	free(csv);
	json_decref(v);
	return r;
}

/* Polls until the report is complete (bounded), then reads it. */
static void
iam_report_finish(struct iam_run *run, int complete)
{
	struct aws_collect *k = run->k;
	struct aws_error err;
	unsigned polls;
	cp_err r;

	for (polls = 1; !complete; polls++) {
		if (polls >= IAM_REPORT_POLLS) {
			memset(&err, 0, sizeof(err));
			snprintf(err.message, sizeof(err.message),
			    "the report was not complete after %d polls",
			    IAM_REPORT_POLLS);
			aws_collector_failed(k, IAM_REPORT_COLLECTOR, NULL,
			    "GenerateCredentialReport", CP_E_RETRY_LATER,
			    &err);
			return;
		}
		/* A small report is ready within a second: wait 250 ms,
		 * 500 ms, then IAM_REPORT_POLL_MS each time. */
		if (iam_wait(k, polls == 1 ? IAM_REPORT_POLL_MS / 4 :
		    polls == 2 ? IAM_REPORT_POLL_MS / 2 : IAM_REPORT_POLL_MS) !=
		    0)
			return;
		r = iam_report_generate(run, &complete, &err);
		if (r != CP_OK) {
			aws_collector_failed(k, IAM_REPORT_COLLECTOR, NULL,
			    "GenerateCredentialReport", r, &err);
			return;
		}
	}
	if (aws_stopping(k))
		return;
	r = iam_report_get(run, &err);
	if (r != CP_OK)
		aws_collector_failed(k, IAM_REPORT_COLLECTOR, NULL,
		    "GetCredentialReport", r, &err);
}

void
aws_collect_iam(struct aws_collect *k, struct aws_client *c)
{
	struct iam_run run = { k, c };
	struct aws_error err;
	int complete = 0;
	cp_err started;

	started = iam_report_generate(&run, &complete, &err);
	if (started != CP_OK)
		aws_collector_failed(k, IAM_REPORT_COLLECTOR, NULL,
		    "GenerateCredentialReport", started, &err);
	iam_users(&run);
	if (!aws_stopping(k))
		iam_summary(&run);
	if (!aws_stopping(k))
		iam_password_policy(&run);
	if (started == CP_OK && !aws_stopping(k))
		iam_report_finish(&run, complete);
}
