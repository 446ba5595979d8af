/*
 * message.h - renders what the outbox holds into the messages notifier
 * plugins carry (the JSON of cloudpatrol/message.h), in the portal's
 * language (English or Japanese; our own texts).
 *
 * The payloads rendered ("type" member of a 'notify' outbox row):
 *
 *   risk		written by the lifecycle (lifecycle.c): policy, unit,
 *			resource, resource_name, detail, value, condition,
 *			first_seen, finding_id, repeat.  The message names the
 *			policy (id and title), severity, environment and unit,
 *			resource, the detected value against the rule (the
 *			condition and the portal's configured parameters),
 *			when it was first seen, what the risk is and the
 *			policy's guidance on how to fix it.
 *   remediation	written by remediate.c: status "done", "failed",
 *			"dry-run" or "held", policy, action, unit, resource,
 *			resource_name, before, after, error; or, for the
 *			ceiling, status "held" with ceiling, held, resources
 *			and message.
 *   patrol		the daily patrol report (patrol.h).
 *
 * Every message has message_id, kind, lang, subject (one line), text and
 * blocks; the patrol report has html too.  Texts from the payload are cut
 * to bounds (a field value to CP_MSG_VALUE_MAX bytes, without splitting a
 * UTF-8 sequence), so a message stays well under CP_MESSAGE_MAX.
 *
 * Threads: any; nothing is shared.
 */
#ifndef CP_NOTIFY_MESSAGE_H
#define CP_NOTIFY_MESSAGE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include <cloudpatrol/err.h>

#include "policy/pack.h"

#define CP_MSG_SUBJECT_MAX 250	/* bytes of a subject */
#define CP_MSG_VALUE_MAX 2048	/* bytes of one field taken from a payload */
#define CP_MSG_LIST_MAX 100	/* items of one list; the rest are counted */

/* What rendering needs besides the payload; all borrowed. */
struct cp_render_ctx {
	const char *lang;		/* "ja" or "en" (anything else: en) */
	const char *message_id;		/* "<cp.OUTBOX.DELIVERY@HOST>" */
	const cp_policy_set *set;	/* titles, guidance; NULL: ids only */
	const char *portal;		/* the portal's name; NULL: none */
	/* The unit of a risk or remediation notice; NULL: unknown. */
	const char *env;		/* its environment's name */
	const char *cloud;
	const char *unit_name;		/* its display name */
	/* The portal's effective parameters of the risk's policy (a JSON
	 * object, shown as the configured values); NULL: none. */
	const json_t *params;
};

/*
 * Renders payload (an outbox 'notify' payload) into *out, a new JSON
 * object of the shape of cloudpatrol/message.h.  A payload of an unknown
 * type or missing what its type needs is CP_E_INVALID with why said in
 * why; CP_E_NOMEM on no memory.
 */
cp_err cp_notify_render(const json_t *payload, const struct cp_render_ctx *c,
    json_t **out, char *why, size_t why_size);

/*
 * The message "dest test" sends: says that destination dest of the portal
 * works, at now.  Its kind is "test".
 */
cp_err cp_notify_render_test(const struct cp_render_ctx *c, const char *dest,
    time_t now, json_t **out);

/* The name of severity (enum cp_policy_severity) in lang. */
const char *cp_notify_severity_name(int severity, const char *lang);

#endif /* CP_NOTIFY_MESSAGE_H */
