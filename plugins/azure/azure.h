/*
 * azure.h - the seams inside the azure cloud plugin.
 *
 *   azure.c          descriptor, configuration, validate(),
 *                    discover_units(), collect() orchestration and the
 *                    tenant-level cache
 *   client.c         sessions (client secret or certificate), tokens per
 *                    audience with refresh, az_get()/az_list() over the
 *                    core HTTP client, ARM/Graph errors, emitting
 *   assertion.c      the certificate client assertion (RS256 JWT)
 *   collect_arm.c    the subscription collectors (ARM)
 *   collect_graph.c  the tenant collectors (Microsoft Graph)
 *   remediate.c      remediate(): an NSG rule to Deny, a VM deallocated
 *   guide.c          setup_guide(): the az commands
 *
 * README.md in this folder is the contract of what collect() writes.
 */
#ifndef AZURE_H
#define AZURE_H

#include <pthread.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include <cloudpatrol/plugin.h>

/* Refresh a token this long before it expires. */
#define AZ_REFRESH_MARGIN 300
/* Largest number of pages one listing follows. */
#define AZ_MAX_PAGES 10000
/* Retries of 429/5xx by the core's HTTP client (Retry-After honoured). */
#define AZ_HTTP_RETRIES 6
/* Bounds of what we accept from the operator and the cloud. */
#define AZ_ID_MAX 128			/* tenant, client, subscription ids */
#define AZ_URL_MAX 4096
#define AZ_TOKEN_MAX 16384
#define AZ_SECRET_MAX 1024
#define AZ_CERT_MAX (60 * 1024)
/* Sign-in events: the window overlaps the previous one by this much (the
 * logs arrive minutes late), starts a day back the first time, and holds
 * at most AZ_SIGNINS_MAX events. */
#define AZ_EVENTS_OVERLAP (20 * 60)
#define AZ_EVENTS_SLACK (5 * 60)
#define AZ_FIRST_EVENTS_WINDOW (24 * 60 * 60)
#define AZ_SIGNINS_MAX 100000

/* The audiences a session holds tokens for. */
enum az_aud {
	AZ_ARM = 0,
	AZ_GRAPH = 1,
	AZ_AUD_N = 2
};

struct az_tenant_cache;

/* One configured instance of the plugin ([plugin:azure]). */
struct azure_plugin {
	const struct cp_host *host;
	cp_plugin *self;
	char *login_url;		/* https://login.microsoftonline.com */
	char *base[AZ_AUD_N];		/* ARM and Graph base URLs */
	char *scope[AZ_AUD_N];		/* the scopes tokens are asked for */
	long long tenant_cache_seconds;
	pthread_mutex_t cache_mu;
	struct az_tenant_cache *cache;	/* guarded by cache_mu */
};

#define az_log(p, lvl, ...) ((p)->host->log((p)->self, (lvl), __VA_ARGS__))

/* What went wrong in one call, for the operator. */
struct az_error {
	long status;			/* HTTP status; 0 when none arrived */
	char code[96];			/* ARM/Graph/Entra code, or "" */
	char message[512];		/* their message or the transport's */
};

struct az_token {
	char *value;			/* NULL: none yet */
	time_t expires;
};

/*
 * The credential of one environment (a service principal of one tenant)
 * and its tokens.  Shared by the threads of a collection; tok is guarded
 * by mu.
 */
struct az_session {
	struct azure_plugin *p;
	char tenant[AZ_ID_MAX];
	char client_id[AZ_ID_MAX];
	char *secret;			/* client secret, or NULL */
	char *cert_pem;			/* private key + certificate, or NULL */
	pthread_mutex_t mu;
	struct az_token tok[AZ_AUD_N];
};

/*
 * Opens a session from an environment's parameters (tenant_id,
 * client_id, and client_secret or certificate).  why says what is
 * missing or wrong.
 */
cp_err az_session_open(struct azure_plugin *p, const json_t *creds,
    struct az_session **out, char *why, size_t why_size);
void az_session_close(struct az_session *s);

/* One thread's client: owns a cp_http; never shared between threads. */
struct az_client {
	struct az_session *s;
	cp_http *http;
};
cp_err az_client_init(struct az_client *c, struct az_session *s);
void az_client_fini(struct az_client *c);

/*
 * A token for aud (fetched, or refreshed when it expires within
 * AZ_REFRESH_MARGIN); *copy is malloc'd, wipe and free it.  On failure
 * err says what Entra said (AADSTS code and sentence).
 */
cp_err az_token_get(struct az_client *c, enum az_aud aud, char **copy,
    struct az_error *err);

/*
 * GET base(aud) + path (path starts with '/', already encoded, with its
 * query) or, with path absolute, that URL when it lies under base(aud).
 * A 401 drops the token and retries once with a new one; 429 and 5xx are
 * retried by the core honouring Retry-After.  On success *out is the
 * parsed body.  On failure err says what the cloud or the transport said
 * and the return is
 *   CP_E_AUTH 401, CP_E_PERM 403, CP_E_NOTFOUND 404,
 *   CP_E_RETRY_LATER 429 after the retries, CP_E_PARSE a body that did
 *   not parse, CP_E_FAILED any other status, or the transport's code.
 */
cp_err az_get(struct az_client *c, enum az_aud aud, const char *path,
    json_t **out, struct az_error *err);

/* What a call answered with success (2xx). */
struct az_reply {
	long status;
	json_t *body;			/* NULL: the body was empty */
	char *async_op;			/* Azure-AsyncOperation, or NULL */
	char *location;			/* Location, or NULL */
	long retry_after;		/* seconds; -1: not given */
};
void az_reply_free(struct az_reply *rep);

/*
 * method base(aud) + path (as az_get) with body as JSON (NULL: none) and
 * If-Match: if_match when given.  Errors as az_get; on success *out
 * holds the status, the parsed body and the headers of an asynchronous
 * operation (free with az_reply_free).
 */
cp_err az_send(struct az_client *c, enum az_aud aud, const char *method,
    const char *path, const json_t *body, const char *if_match,
    struct az_reply *out, struct az_error *err);

/*
 * Every item of a list (the "value" arrays of every page, following
 * nextLink or @odata.nextLink, which must stay under base(aud)).  fn
 * returning anything but CP_OK stops the listing with that code.
 */
typedef cp_err (*az_item_fn)(void *ud, json_t *item);
cp_err az_list(struct az_client *c, enum az_aud aud, const char *path,
    az_item_fn fn, void *ud, struct az_error *err);

/* The certificate assertion (assertion.c): a JWT for the token URL aud,
 * signed with the key of pem; *out is malloc'd. */
cp_err az_client_assertion(const char *pem, const char *client_id,
    const char *aud, time_t now, char **out, char *why, size_t why_size);

/* ----------------------------------------------------------------------
 * Collection.
 */

/* One resource kept for the tenant cache (or being emitted). */
struct az_item {
	char *type, *id, *name, *region, *json;
};

struct az_collect {
	struct azure_plugin *p;
	struct az_session *s;
	const struct cp_inventory_sink *sink;
	const char *tenant;
	const char *sub;		/* the subscription id; NULL: tenant */
	pthread_mutex_t mu;		/* the sink is not thread-safe */
	cp_err fatal;			/* CP_E_CANCELLED or a sink failure */
	/* Tenant collectors record here instead of emitting (the cache). */
	struct az_item *items;
	size_t n_items;
	struct az_item *errors;		/* type = collector, json = message,
					   id = code as text */
	size_t n_errors;
	struct az_item *events;		/* name = time */
	size_t n_events;
	int recording;
	time_t events_from;		/* sign-ins from here (UTC) */
};

/* Writes one event (obj compacted to JSON), or records it. */
cp_err az_emit_event(struct az_collect *k, const char *type,
    const char *time_iso8601, const char *id, const json_t *obj);
/* Writes one resource (obj compacted to JSON), or records it. */
cp_err az_emit(struct az_collect *k, const char *type, const char *id,
    const char *name, const char *region, const json_t *obj);
/*
 * Records that collector failed on api, as "tenant T subscription S API:
 * code: message", and logs it.
 */
void az_collector_failed(struct az_collect *k, const char *collector,
    const char *api, cp_err r, const struct az_error *err);
/* Whether the collection must stop (cancelled, or the sink failed). */
int az_stopping(struct az_collect *k);
/* Fills err with our own sentence. */
void az_error_set(struct az_error *err, const char *fmt, ...)
    CP_PRINTF(2, 3);
/* A string member of o, or NULL. */
const char *az_str(const json_t *o, const char *key);
/* Whether s is an ARM resource id we put into URLs (bounded, only the
 * characters ARM ids are made of). */
int az_arm_id_ok(const char *s);

/* The subscription collectors (collect_arm.c); each records its own
 * failures and none stops the others. */
void az_collect_arm(struct az_collect *k, struct az_client *c);
/* The tenant collectors (collect_graph.c). */
void az_collect_graph(struct az_collect *k, struct az_client *c);

/* The subscriptions a credential reaches and what it may do in each. */
struct az_sub {
	char id[AZ_ID_MAX];
	char name[AZ_ID_MAX];
	int remediation;		/* may write NSG rules and stop VMs */
};
cp_err az_list_subscriptions(struct az_client *c, struct az_sub **out,
    size_t *n, struct az_error *err);
/* Whether actions/notActions of the permissions API allow action. */
int az_permissions_allow(const json_t *perms, const char *action);

/* remediate() (remediate.c): deny-inbound-rule, deallocate-vm. */
cp_err az_remediate(struct azure_plugin *p, const json_t *creds,
    const char *unit, const char *action, const char *resource,
    const json_t *params, int dry_run, json_t **result);

cp_err az_setup_guide(struct azure_plugin *p, const char *variant,
    const char *lang, const struct cp_text_out *out);

#endif /* AZURE_H */
