/*
 * client.c - sessions and calls of the azure plugin.
 *
 * A session is one service principal of one tenant: its client secret or
 * certificate, and one token per audience (ARM, Graph) fetched with the
 * OAuth2 client-credentials grant of the Microsoft identity platform and
 * refreshed AZ_REFRESH_MARGIN seconds before it expires.  az_get() calls
 * ARM or Graph with the token of its audience: the core's HTTP client
 * retries 429 and 5xx (honouring Retry-After) and a 401 makes us fetch a
 * new token and try once more.  Tokens and secrets are wiped before they
 * are freed and never logged; a token is sent only to the base URL of its
 * own audience (a nextLink elsewhere is refused).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azure.h"

#define AZ_FORM_TYPE "Content-Type: application/x-www-form-urlencoded"
#define AZ_ASSERTION_TYPE \
	"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define AZ_TOKEN_BODY_MAX (64 * 1024)
#define AZ_FORM_MAX (96 * 1024)

/* ------------------------------------------------------------ helpers */

void
az_error_set(struct az_error *err, const char *fmt, ...)
{
	va_list ap;

	memset(err, 0, sizeof(*err));
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

const char *
az_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int
only_chars(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

#define AZ_ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789"

int
az_arm_id_ok(const char *s)
{
	return s != NULL && s[0] == '/' && strlen(s) < 1024 &&
	    only_chars(s, AZ_ALNUM "/-_.()");
}

static void
wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* A growing text buffer; on overflow or out of memory it turns bad. */
struct az_buf {
	char *s;
	size_t n, cap, max;
	int bad;
};

static void
buf_add(struct az_buf *b, const char *s, size_t n)
{
	char *ns;
	size_t cap;

	if (b->bad)
		return;
	if (b->n + n + 1 > b->max) {
		b->bad = 1;
		return;
	}
	if (b->n + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		ns = malloc(cap);
		if (ns == NULL) {
			b->bad = 1;
			return;
		}
		if (b->s != NULL) {
			memcpy(ns, b->s, b->n);
			explicit_bzero(b->s, b->cap);
			free(b->s);
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

/* Appends s form-encoded (RFC 3986 unreserved kept). */
static void
buf_encode(struct az_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3];

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (strchr(AZ_ALNUM "-._~", ch) != NULL && ch != '\0') {
			buf_add(b, s, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[ch >> 4];
		e[2] = hex[ch & 15];
		buf_add(b, e, 3);
	}
}

static void
buf_wipe_free(struct az_buf *b)
{
	if (b->s != NULL) {
		explicit_bzero(b->s, b->cap);
		free(b->s);
	}
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------ sessions */

static cp_err
cred_str(const json_t *creds, const char *key, size_t max, const char **out,
    char *why, size_t why_size)
{
	const json_t *v = json_object_get(creds, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return CP_OK;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(why, why_size, "%s: not a text of 1 to %zu "
		    "characters", key, max - 1);
		return CP_E_INVALID;
	}
	*out = json_string_value(v);
	return CP_OK;
}

cp_err
az_session_open(struct azure_plugin *p, const json_t *creds,
    struct az_session **out, char *why, size_t why_size)
{
	const char *tenant, *client, *secret, *cert;
	struct az_session *s;
	cp_err r;

	*out = NULL;
	why[0] = '\0';
	if ((r = cred_str(creds, "tenant_id", AZ_ID_MAX, &tenant, why,
	    why_size)) != CP_OK ||
	    (r = cred_str(creds, "client_id", AZ_ID_MAX, &client, why,
	    why_size)) != CP_OK ||
	    (r = cred_str(creds, "client_secret", AZ_SECRET_MAX, &secret, why,
	    why_size)) != CP_OK ||
	    (r = cred_str(creds, "certificate", AZ_CERT_MAX, &cert, why,
	    why_size)) != CP_OK)
		return r;
	if (tenant == NULL || client == NULL) {
		snprintf(why, why_size, "tenant_id and client_id are both "
		    "needed");
		return CP_E_INVALID;
	}
	/* Both go into URLs and forms: ids and domain names only. */
	if (!only_chars(tenant, AZ_ALNUM "-.") ||
	    !only_chars(client, AZ_ALNUM "-")) {
		snprintf(why, why_size, "tenant_id must be a directory id or "
		    "domain name and client_id an application id");
		return CP_E_INVALID;
	}
	if ((secret == NULL) == (cert == NULL)) {
		snprintf(why, why_size, "tenant %s: give either a client "
		    "secret or a certificate", tenant);
		return CP_E_INVALID;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return CP_E_NOMEM;
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		return CP_E_NOMEM;
	}
	s->p = p;
	snprintf(s->tenant, sizeof(s->tenant), "%s", tenant);
	snprintf(s->client_id, sizeof(s->client_id), "%s", client);
	if ((secret != NULL && (s->secret = strdup(secret)) == NULL) ||
	    (cert != NULL && (s->cert_pem = strdup(cert)) == NULL)) {
		az_session_close(s);
		return CP_E_NOMEM;
	}
	*out = s;
	return CP_OK;
}

void
az_session_close(struct az_session *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < AZ_AUD_N; i++)
		wipe_free(s->tok[i].value);
	wipe_free(s->secret);
	wipe_free(s->cert_pem);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

cp_err
az_client_init(struct az_client *c, struct az_session *s)
{
	c->s = s;
	c->http = s->p->host->http_new(s->p->self);
	return c->http != NULL ? CP_OK : CP_E_NOMEM;
}

void
az_client_fini(struct az_client *c)
{
	if (c->http != NULL)
		c->s->p->host->http_free(c->http);
	c->http = NULL;
}

/* ------------------------------------------------------------ tokens */

/* Entra's error: "error", and the first line of "error_description"
 * (which starts with the AADSTS code). */
static void
entra_error(const struct cp_host *host, const struct cp_http_response *resp,
    struct az_error *err)
{
	const char *code, *desc;
	json_t *doc;
	char why[64];
	size_t n;

	memset(err, 0, sizeof(*err));
	err->status = resp->status;
	doc = host->json_parse(resp->body, resp->body_len, why, sizeof(why));
	code = az_str(doc, "error");
	desc = az_str(doc, "error_description");
	if (code != NULL)
		snprintf(err->code, sizeof(err->code), "%s", code);
	if (desc != NULL) {
		n = strcspn(desc, "\r\n");
		snprintf(err->message, sizeof(err->message), "%.*s",
		    (int)(n < sizeof(err->message) ? n :
		    sizeof(err->message) - 1), desc);
	} else {
		snprintf(err->message, sizeof(err->message), "the token "
		    "endpoint answered HTTP %ld", resp->status);
	}
	json_decref(doc);
}

/* POSTs the client-credentials grant for aud; the new token into t. */
static cp_err
fetch_token(struct az_client *c, enum az_aud aud, struct az_token *t,
    struct az_error *err)
{
	struct az_session *s = c->s;
	struct azure_plugin *p = s->p;
	const struct cp_host *host = p->host;
	const char *headers[] = { AZ_FORM_TYPE, "Accept: application/json",
		NULL };
	struct cp_http_response *resp = NULL;
	struct cp_http_request req;
	struct az_buf form, url;
	char *assertion = NULL, why[256];
	const char *tok;
	json_t *doc = NULL, *exp;
	time_t now = host->now(p->self);
	cp_err r;

	memset(&form, 0, sizeof(form));
	memset(&url, 0, sizeof(url));
	form.max = AZ_FORM_MAX;
	url.max = AZ_URL_MAX;
	buf_add(&url, p->login_url, strlen(p->login_url));
	buf_add(&url, "/", 1);
	buf_encode(&url, s->tenant);
	buf_add(&url, "/oauth2/v2.0/token", 18);
	buf_add(&form, "grant_type=client_credentials&client_id=", 40);
	buf_encode(&form, s->client_id);
	buf_add(&form, "&scope=", 7);
	buf_encode(&form, p->scope[aud]);
	if (s->secret != NULL) {
		buf_add(&form, "&client_secret=", 15);
		buf_encode(&form, s->secret);
	} else if (!url.bad) {
		r = az_client_assertion(s->cert_pem, s->client_id, url.s, now,
		    &assertion, why, sizeof(why));
		if (r != CP_OK) {
			az_error_set(err, "the certificate: %s", why);
			goto out;
		}
		buf_add(&form, "&client_assertion_type=", 23);
		buf_encode(&form, AZ_ASSERTION_TYPE);
		buf_add(&form, "&client_assertion=", 18);
		buf_add(&form, assertion, strlen(assertion));
	}
	if (form.bad || url.bad) {
		r = CP_E_NOMEM;
		az_error_set(err, "the token request is too large");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.struct_size = sizeof(req);
	req.method = "POST";
	req.url = url.s;
	req.headers = headers;
	req.body = form.s;
	req.body_len = form.n;
	req.max_body = AZ_TOKEN_BODY_MAX;
	req.max_retries = AZ_HTTP_RETRIES;
	r = host->http_perform(c->http, &req, &resp);
	if (r != CP_OK) {
		az_error_set(err, "token endpoint: %s",
		    host->http_errmsg(c->http));
		goto out;
	}
	if (resp->status != 200) {
		entra_error(host, resp, err);
		r = resp->status == 400 || resp->status == 401 ? CP_E_AUTH :
		    resp->status == 429 ? CP_E_RETRY_LATER : CP_E_FAILED;
		goto out;
	}
	doc = host->json_parse(resp->body, resp->body_len, why, sizeof(why));
	tok = az_str(doc, "access_token");
	exp = json_object_get(doc, "expires_in");
	if (tok == NULL || *tok == '\0' || strlen(tok) >= AZ_TOKEN_MAX ||
	    !only_chars(tok, AZ_ALNUM "-._~+/=")) {
		r = CP_E_PARSE;
		az_error_set(err, "the token endpoint's answer has no usable "
		    "access_token");
		goto out;
	}
	if ((t->value = strdup(tok)) == NULL) {
		r = CP_E_NOMEM;
		goto out;
	}
	/* expires_in is a number (v2.0) or numeric text (v1). */
	if (json_is_integer(exp))
		t->expires = now + (time_t)json_integer_value(exp);
	else if (json_is_string(exp))
		t->expires = now + (time_t)strtol(json_string_value(exp),
		    NULL, 10);
	else
		t->expires = now + 3600;
	if (t->expires <= now)
		t->expires = now + 60;
	r = CP_OK;
out:
	if (doc != NULL) {
		/* The body held a token: wipe our copies. */
		json_t *v = json_object_get(doc, "access_token");

		if (json_is_string(v))
			explicit_bzero((char *)json_string_value(v),
			    json_string_length(v));
		json_decref(doc);
	}
	if (resp != NULL) {
		explicit_bzero(resp->body, resp->body_len);
		host->http_response_free(resp);
	}
	wipe_free(assertion);
	buf_wipe_free(&form);
	buf_wipe_free(&url);
	return r;
}

cp_err
az_token_get(struct az_client *c, enum az_aud aud, char **copy,
    struct az_error *err)
{
	struct az_session *s = c->s;
	struct az_token *t = &s->tok[aud], fresh;
	time_t now = s->p->host->now(s->p->self);
	time_t margin;
	cp_err r = CP_OK;

	*copy = NULL;
	memset(err, 0, sizeof(*err));
	pthread_mutex_lock(&s->mu);
	/* A short-lived token is refreshed at half its life instead. */
	margin = AZ_REFRESH_MARGIN;
	if (t->value == NULL || now + margin >= t->expires) {
		memset(&fresh, 0, sizeof(fresh));
		/* Fetched under the lock: the threads of a collection wait
		 * for one request instead of sending one each. */
		r = fetch_token(c, aud, &fresh, err);
		if (r == CP_OK) {
			wipe_free(t->value);
			*t = fresh;
		}
	}
	if (r == CP_OK && (*copy = strdup(t->value)) == NULL)
		r = CP_E_NOMEM;
	pthread_mutex_unlock(&s->mu);
	return r;
}

/* Forgets the token of aud when it is still old (a 401 said it is dead). */
static void
token_drop(struct az_session *s, enum az_aud aud, const char *old)
{
	pthread_mutex_lock(&s->mu);
	if (s->tok[aud].value != NULL && strcmp(s->tok[aud].value, old) == 0) {
		wipe_free(s->tok[aud].value);
		s->tok[aud].value = NULL;
		s->tok[aud].expires = 0;
	}
	pthread_mutex_unlock(&s->mu);
}

/* ------------------------------------------------------------ calls */

struct bearer {
	const char *token;
};

static cp_err
add_bearer(void *ud, const struct cp_http_request *req,
    cp_http_add_header_fn add, void *add_ctx)
{
	const struct bearer *b = ud;
	char line[AZ_TOKEN_MAX + 32];
	cp_err r;

	(void)req;
	snprintf(line, sizeof(line), "Authorization: Bearer %s", b->token);
	r = add(add_ctx, line);
	explicit_bzero(line, sizeof(line));
	return r;
}

/* ARM's and Graph's error: {"error": {"code", "message"}}. */
static void
cloud_error(const struct cp_host *host, const struct cp_http_response *resp,
    struct az_error *err)
{
	const json_t *e;
	const char *code, *msg;
	json_t *doc;
	char why[64];

	memset(err, 0, sizeof(*err));
	err->status = resp->status;
	doc = host->json_parse(resp->body, resp->body_len, why, sizeof(why));
	e = json_object_get(doc, "error");
	code = az_str(e, "code");
	msg = az_str(e, "message");
	if (code != NULL)
		snprintf(err->code, sizeof(err->code), "%s", code);
	if (msg != NULL)
		snprintf(err->message, sizeof(err->message), "%s", msg);
	else
		snprintf(err->message, sizeof(err->message), "HTTP %ld",
		    resp->status);
	json_decref(doc);
}

static cp_err
map_status(long status)
{
	switch (status) {
	case 401:
		return CP_E_AUTH;
	case 403:
		return CP_E_PERM;
	case 404:
		return CP_E_NOTFOUND;
	case 429:
		return CP_E_RETRY_LATER;
	default:
		return CP_E_FAILED;
	}
}

/* Whether url lies under base (base + "/" or base + "?"...). */
static int
under_base(const char *url, const char *base)
{
	size_t n = strlen(base);

	return strncmp(url, base, n) == 0 && (url[n] == '/' || url[n] == '?');
}

/* The value of a response header, copied (bounded), or NULL. */
static char *
header_copy(const struct cp_host *host, const struct cp_http_response *resp,
    const char *name)
{
	const char *v = host->http_header(resp, name);

	if (v == NULL || *v == '\0' || strlen(v) >= AZ_URL_MAX)
		return NULL;
	return strdup(v);
}

void
az_reply_free(struct az_reply *rep)
{
	if (rep == NULL)
		return;
	json_decref(rep->body);
	free(rep->async_op);
	free(rep->location);
	memset(rep, 0, sizeof(*rep));
}

cp_err
az_send(struct az_client *c, enum az_aud aud, const char *method,
    const char *path, const json_t *body, const char *if_match,
    struct az_reply *out, struct az_error *err)
{
	struct azure_plugin *p = c->s->p;
	const struct cp_host *host = p->host;
	const char *headers[4];
	struct cp_http_response *resp = NULL;
	struct cp_http_request req;
	struct bearer b;
	char url[AZ_URL_MAX], why[128], match[160];
	char *token = NULL, *text = NULL;
	const char *ra;
	size_t nh = 0;
	int attempt;
	cp_err r;

	memset(out, 0, sizeof(*out));
	out->retry_after = -1;
	memset(err, 0, sizeof(*err));
	if (path[0] == '/') {
		if ((size_t)snprintf(url, sizeof(url), "%s%s", p->base[aud],
		    path) >= sizeof(url)) {
			az_error_set(err, "the URL is too long");
			return CP_E_LIMIT;
		}
	} else if (!under_base(path, p->base[aud]) ||
	    strlen(path) >= sizeof(url)) {
		az_error_set(err, "a URL outside %s (or too long): not "
		    "followed", p->base[aud]);
		return CP_E_INVALID;
	} else {
		snprintf(url, sizeof(url), "%s", path);
	}
	headers[nh++] = "Accept: application/json";
	if (body != NULL) {
		headers[nh++] = "Content-Type: application/json";
		text = json_dumps(body, JSON_COMPACT);
		if (text == NULL)
			return CP_E_NOMEM;
	}
	if (if_match != NULL) {
		/* An etag is a short quoted token; nothing else is sent. */
		if (strlen(if_match) > 128 || strpbrk(if_match, "\r\n") !=
		    NULL) {
			free(text);
			az_error_set(err, "the etag is not usable");
			return CP_E_INVALID;
		}
		snprintf(match, sizeof(match), "If-Match: %s", if_match);
		headers[nh++] = match;
	}
	headers[nh] = NULL;
	for (attempt = 0; attempt < 2; attempt++) {
		if (host->cancelled(p->self)) {
			az_error_set(err, "cancelled");
			r = CP_E_CANCELLED;
			goto out;
		}
		r = az_token_get(c, aud, &token, err);
		if (r != CP_OK)
			goto out;
		b.token = token;
		memset(&req, 0, sizeof(req));
		req.struct_size = sizeof(req);
		req.method = method;
		req.url = url;
		req.headers = headers;
		req.body = text;
		req.body_len = text != NULL ? strlen(text) : 0;
		req.max_retries = AZ_HTTP_RETRIES;
		req.sign = add_bearer;
		req.sign_ud = &b;
		r = host->http_perform(c->http, &req, &resp);
		if (r != CP_OK) {
			az_error_set(err, "%s", host->http_errmsg(c->http));
			goto out;
		}
		if (resp->status >= 200 && resp->status < 300) {
			out->status = resp->status;
			out->async_op = header_copy(host, resp,
			    "Azure-AsyncOperation");
			out->location = header_copy(host, resp, "Location");
			ra = host->http_header(resp, "Retry-After");
			if (ra != NULL && strlen(ra) < 8 &&
			    ra[strspn(ra, "0123456789")] == '\0' && *ra != '\0')
				out->retry_after = strtol(ra, NULL, 10);
			if (resp->body_len > 0) {
				out->body = host->json_parse(resp->body,
				    resp->body_len, why, sizeof(why));
				if (out->body == NULL) {
					az_error_set(err, "the answer did not "
					    "parse: %s", why);
					err->status = resp->status;
					r = CP_E_PARSE;
				}
			}
			goto out;
		}
		cloud_error(host, resp, err);
		if (resp->status != 401 || attempt > 0)
			break;
		/* An expired or revoked token: a new one, once. */
		token_drop(c->s, aud, token);
		wipe_free(token);
		token = NULL;
		host->http_response_free(resp);
		resp = NULL;
	}
	r = map_status(err->status);
out:
	if (resp != NULL)
		host->http_response_free(resp);
	if (r != CP_OK)
		az_reply_free(out);
	wipe_free(token);
	free(text);
	return r;
}

cp_err
az_get(struct az_client *c, enum az_aud aud, const char *path, json_t **out,
    struct az_error *err)
{
	struct az_reply rep;
	cp_err r;

	*out = NULL;
	r = az_send(c, aud, "GET", path, NULL, NULL, &rep, err);
	if (r != CP_OK)
		return r;
	if (rep.body == NULL) {
		az_error_set(err, "the answer did not parse: empty");
		err->status = rep.status;
		az_reply_free(&rep);
		return CP_E_PARSE;
	}
	*out = rep.body;
	rep.body = NULL;
	az_reply_free(&rep);
	return CP_OK;
}

cp_err
az_list(struct az_client *c, enum az_aud aud, const char *path,
    az_item_fn fn, void *ud, struct az_error *err)
{
	char *next = NULL;
	const char *link;
	json_t *page = NULL, *items, *item;
	unsigned pages;
	size_t i;
	cp_err r = CP_OK;

	for (pages = 0; pages < AZ_MAX_PAGES; pages++) {
		r = az_get(c, aud, next != NULL ? next : path, &page, err);
		free(next);
		next = NULL;
		if (r != CP_OK)
			return r;
		items = json_object_get(page, "value");
		if (!json_is_array(items)) {
			json_decref(page);
			az_error_set(err, "the answer has no \"value\" list");
			return CP_E_PARSE;
		}
		json_array_foreach(items, i, item) {
			if (!json_is_object(item))
				continue;
			r = fn(ud, item);
			if (r != CP_OK) {
				json_decref(page);
				return r;
			}
		}
		link = az_str(page, aud == AZ_ARM ? "nextLink" :
		    "@odata.nextLink");
		if (link != NULL && *link != '\0' &&
		    (next = strdup(link)) == NULL) {
			json_decref(page);
			return CP_E_NOMEM;
		}
		json_decref(page);
		page = NULL;
		if (next == NULL)
			return CP_OK;
	}
	free(next);
	az_error_set(err, "more than %d pages", AZ_MAX_PAGES);
	return CP_E_LIMIT;
}

/* ------------------------------------------------------------ emitting */

static cp_err
set_fatal(struct az_collect *k, cp_err r)
{
	if (k->fatal == CP_OK)
		k->fatal = r;
	return k->fatal;
}

int
az_stopping(struct az_collect *k)
{
	int stop;

	pthread_mutex_lock(&k->mu);
	if (k->fatal == CP_OK && k->p->host->cancelled(k->p->self))
		k->fatal = CP_E_CANCELLED;
	stop = k->fatal != CP_OK;
	pthread_mutex_unlock(&k->mu);
	return stop;
}

/* Appends one item to a list of k (the tenant cache). */
static cp_err
record(struct az_item **v, size_t *n, const char *type, const char *id,
    const char *name, const char *region, const char *json)
{
	struct az_item *nv, *it;

	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (nv == NULL)
		return CP_E_NOMEM;
	*v = nv;
	it = &nv[*n];
	memset(it, 0, sizeof(*it));
	it->type = strdup(type);
	it->id = strdup(id);
	it->name = name != NULL ? strdup(name) : NULL;
	it->region = region != NULL ? strdup(region) : NULL;
	it->json = strdup(json);
	(*n)++;
	if (it->type == NULL || it->id == NULL || it->json == NULL ||
	    (name != NULL && it->name == NULL) ||
	    (region != NULL && it->region == NULL))
		return CP_E_NOMEM;
	return CP_OK;
}

cp_err
az_emit(struct az_collect *k, const char *type, const char *id,
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
	else if (k->recording)
		r = record(&k->items, &k->n_items, type, id, name, region, js);
	else
		r = k->sink->resource(k->sink, type, id, name, region, js);
	if (r != CP_OK) {
		set_fatal(k, r);
		az_log(k->p, CP_LOG_ERROR, "tenant %s: storing %s %s failed: "
		    "%s", k->tenant, type, id, k->p->host->strerror(r));
	}
	pthread_mutex_unlock(&k->mu);
	free(js);
	return r;
}

cp_err
az_emit_event(struct az_collect *k, const char *type,
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
	else if (k->recording)
		r = record(&k->events, &k->n_events, type, id, time_iso8601,
		    NULL, js);
	else if (k->sink->event == NULL)
		r = CP_OK;
	else
		r = k->sink->event(k->sink, type, time_iso8601, id, js);
	if (r != CP_OK) {
		set_fatal(k, r);
		az_log(k->p, CP_LOG_ERROR, "tenant %s: storing %s %s failed: "
		    "%s", k->tenant, type, id, k->p->host->strerror(r));
	}
	pthread_mutex_unlock(&k->mu);
	free(js);
	return r;
}

void
az_collector_failed(struct az_collect *k, const char *collector,
    const char *api, cp_err r, const struct az_error *err)
{
	char msg[1024], code[16], where[160];
	const char *detail;
	cp_err sr;

	if (k->sub != NULL)
		snprintf(where, sizeof(where), "tenant %s subscription %s",
		    k->tenant, k->sub);
	else
		snprintf(where, sizeof(where), "tenant %s", k->tenant);
	detail = err != NULL && err->message[0] != '\0' ? err->message :
	    k->p->host->strerror(r);
	if (err != NULL && err->code[0] != '\0')
		snprintf(msg, sizeof(msg), "%s %s: %s: %s", where, api,
		    err->code, detail);
	else
		snprintf(msg, sizeof(msg), "%s %s: %s", where, api, detail);
	az_log(k->p, CP_LOG_WARNING, "collector %s failed: %s", collector,
	    msg);
	pthread_mutex_lock(&k->mu);
	if (r == CP_E_CANCELLED)
		set_fatal(k, r);
	if (k->recording) {
		snprintf(code, sizeof(code), "%d", (int)r);
		sr = record(&k->errors, &k->n_errors, collector, code, NULL,
		    NULL, msg);
	} else {
		sr = k->sink->collector_error(k->sink, collector, r, msg);
	}
	if (sr != CP_OK)
		set_fatal(k, sr);
	pthread_mutex_unlock(&k->mu);
}

/* ------------------------------------------------------------ subscriptions */

/* Case-insensitive match of pattern (with '*' wildcards) against s. */
static int
glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *back = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			back = s;
		} else if (*pat != '\0' && tolower((unsigned char)*pat) ==
		    tolower((unsigned char)*s)) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++back;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static int
any_match(const json_t *patterns, const char *action)
{
	const json_t *v;
	size_t i;

	json_array_foreach(patterns, i, v)
		if (json_is_string(v) && glob_match(json_string_value(v),
		    action))
			return 1;
	return 0;
}

int
az_permissions_allow(const json_t *perms, const char *action)
{
	const json_t *p;
	size_t i;

	/* Allowed when one permission grants it and does not take it back
	 * (a deny assignment would be another API: Contributor has none). */
	json_array_foreach(json_object_get(perms, "value"), i, p)
		if (any_match(json_object_get(p, "actions"), action) &&
		    !any_match(json_object_get(p, "notActions"), action))
			return 1;
	return 0;
}

/* What remediation needs in a subscription. */
static const char *const remediation_actions[] = {
	"Microsoft.Network/networkSecurityGroups/securityRules/write",
	"Microsoft.Compute/virtualMachines/deallocate/action",
	NULL
};

struct sub_list {
	struct az_sub *v;
	size_t n;
};

static cp_err
sub_one(void *ud, json_t *item)
{
	struct sub_list *l = ud;
	const char *id = az_str(item, "subscriptionId");
	const char *name = az_str(item, "displayName");
	struct az_sub *nv;

	if (id == NULL || strlen(id) >= AZ_ID_MAX ||
	    !only_chars(id, AZ_ALNUM "-") || l->n >= 100000)
		return CP_OK;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (nv == NULL)
		return CP_E_NOMEM;
	l->v = nv;
	memset(&nv[l->n], 0, sizeof(nv[l->n]));
	snprintf(nv[l->n].id, sizeof(nv[l->n].id), "%s", id);
	snprintf(nv[l->n].name, sizeof(nv[l->n].name), "%s",
	    name != NULL ? name : id);
	l->n++;
	return CP_OK;
}

cp_err
az_list_subscriptions(struct az_client *c, struct az_sub **out, size_t *n,
    struct az_error *err)
{
	struct sub_list l = { NULL, 0 };
	struct az_error perr;
	char path[256];
	json_t *perms;
	size_t i, j;
	cp_err r;

	*out = NULL;
	*n = 0;
	r = az_list(c, AZ_ARM, "/subscriptions?api-version=2022-12-01",
	    sub_one, &l, err);
	if (r != CP_OK) {
		free(l.v);
		return r;
	}
	for (i = 0; i < l.n; i++) {
		snprintf(path, sizeof(path), "/subscriptions/%s/providers/"
		    "Microsoft.Authorization/permissions?"
		    "api-version=2022-04-01", l.v[i].id);
		r = az_get(c, AZ_ARM, path, &perms, &perr);
		if (r == CP_E_CANCELLED || r == CP_E_NOMEM) {
			free(l.v);
			*err = perr;
			return r;
		}
		if (r != CP_OK) {
			/* Unknown: read-only, which never remediates. */
			az_log(c->s->p, CP_LOG_WARNING, "tenant %s "
			    "subscription %s permissions: %s%s%s: taken as "
			    "read-only", c->s->tenant, l.v[i].id, perr.code,
			    perr.code[0] != '\0' ? ": " : "", perr.message);
			continue;
		}
		l.v[i].remediation = 1;
		for (j = 0; remediation_actions[j] != NULL; j++)
			if (!az_permissions_allow(perms,
			    remediation_actions[j]))
				l.v[i].remediation = 0;
		json_decref(perms);
	}
	*out = l.v;
	*n = l.n;
	return CP_OK;
}
