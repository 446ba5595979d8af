/*
 * dest.h - notification destinations of a portal (R-NOT-2): where its
 * risk notices, remediation notices and daily patrol reports go, and the
 * units each one is bound to.
 *
 * A destination has a name ([a-z0-9-]{1,63}, unique in its portal), a type
 * and settings:
 *   mail, teams	params {"to": ["a@example.com", ...]}: 1 to
 *			CP_DEST_TO_MAX addresses (a Teams channel is reached
 *			by its e-mail address)
 *   slack		secrets {"webhook_url": "https://hooks..."}: the URL
 *			is a secret, sealed in the store (cp_store_seal) and
 *			never shown or logged
 * Their number is not limited.  One destination gets all three kinds of
 * message for the units bound to it; removing a destination, a unit or
 * the portal removes the bindings and pending deliveries with it.
 *
 * Each function is one or two statements and opens no transaction of its
 * own: call a changing one inside the caller's cp_store_begin, so that the
 * change and its audit row are committed together.
 *
 * Threads: like the store handle.
 */
#ifndef CP_NOTIFY_DEST_H
#define CP_NOTIFY_DEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "store/store.h"

#define CP_DEST_NAME_MAX 63
#define CP_DEST_TO_MAX 100u	/* addresses of one destination */
#define CP_DEST_ADDR_MAX 254u	/* bytes of one address (RFC 5321) */
#define CP_DEST_URL_MAX 2048u	/* bytes of a webhook URL */

/* What the store keeps of a destination (secrets stay sealed). */
struct cp_dest {
	int64_t id;
	int64_t portal_id;
	char name[64];
	char type[8];		/* "mail", "teams", "slack" */
	json_t *params;		/* owned: {"to": [...]} or {} */
	int has_secret;		/* a sealed webhook URL is stored */
	size_t units;		/* units bound to it */
	time_t created;
};

/* Frees what a get or list left in d; a zeroed d is fine. */
void cp_dest_clear(struct cp_dest *d);

/*
 * Checks a destination as the core sees it, before any plugin does: the
 * name, the type, the addresses of mail and teams (each printable, at most
 * CP_DEST_ADDR_MAX bytes, one '@' with text on both sides, no space, ',',
 * '<', '>' or quote) and the webhook URL of slack (https://, at most
 * CP_DEST_URL_MAX bytes, no space or control).  Members that do not belong
 * to the type are refused.  why gets a sentence that never quotes a
 * secret.  CP_OK or CP_E_INVALID.
 */
cp_err cp_dest_check(const char *name, const char *type, const json_t *params,
    const json_t *secrets, char *why, size_t why_size);

/*
 * Adds a destination to portal_id at now after cp_dest_check; secrets
 * (may be NULL) are sealed.  CP_E_INVALID (errmsg says why), CP_E_EXISTS
 * when the name is taken, CP_E_NOTFOUND without such a portal.  *id (may
 * be NULL) gets its id.
 */
cp_err cp_dest_add(cp_store *st, int64_t portal_id, const char *name,
    const char *type, const json_t *params, const json_t *secrets, time_t now,
    int64_t *id);

/* A destination by name; CP_E_NOTFOUND when none.  Clear *out after. */
cp_err cp_dest_get(cp_store *st, int64_t portal_id, const char *name,
    struct cp_dest *out);
/* A destination by id; CP_E_NOTFOUND when none.  Clear *out after. */
cp_err cp_dest_get_id(cp_store *st, int64_t id, struct cp_dest *out);

/* d is borrowed for the call.  A return other than CP_OK stops the walk. */
typedef cp_err (*cp_dest_fn)(void *ud, const struct cp_dest *d);

/* Walks the destinations of portal_id by name. */
cp_err cp_dest_list(cp_store *st, int64_t portal_id, cp_dest_fn fn, void *ud);

/* Removes a destination, its bindings and deliveries.  CP_E_NOTFOUND. */
cp_err cp_dest_remove(cp_store *st, int64_t portal_id, const char *name);

/*
 * Binds unit_id to destination dest_id.  The unit must belong to the
 * destination's portal (CP_E_INVALID otherwise; CP_E_NOTFOUND when either
 * does not exist).  Binding a unit twice is CP_E_EXISTS.
 */
cp_err cp_dest_bind(cp_store *st, int64_t dest_id, int64_t unit_id);
/* Undoes a binding; CP_E_NOTFOUND when there was none. */
cp_err cp_dest_unbind(cp_store *st, int64_t dest_id, int64_t unit_id);

/* A unit bound to a destination; strings borrowed for the call. */
struct cp_dest_unit {
	int64_t unit_id;
	const char *env;	/* the environment's name */
	const char *cloud;
	const char *unit;	/* the cloud's id of the unit */
	const char *name;	/* its display name */
};

typedef cp_err (*cp_dest_unit_fn)(void *ud, const struct cp_dest_unit *u);

/* Walks the units bound to dest_id by environment and unit. */
cp_err cp_dest_units(cp_store *st, int64_t dest_id, cp_dest_unit_fn fn,
    void *ud);

/* How the deliveries to a destination stand (R-OPS-1). */
struct cp_dest_counts {
	size_t sent;
	size_t waiting;		/* pending or being sent */
	size_t failed;
};

cp_err cp_dest_counts(cp_store *st, int64_t dest_id,
    struct cp_dest_counts *out);

/*
 * The destination as notifier plugins take it (cloudpatrol/message.h):
 * {"name", "type", "to"} or {"name", "type", "webhook_url"}, the secret
 * unsealed.  A new reference: drop it as soon as the plugin has used it
 * (jansson cannot wipe its copy of the URL).
 */
cp_err cp_dest_plugin_json(cp_store *st, int64_t dest_id, json_t **out);

#endif /* CP_NOTIFY_DEST_H */
