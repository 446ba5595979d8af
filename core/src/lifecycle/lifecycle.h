/*
 * lifecycle.h - turns the results of one inspection of one unit into
 * findings, and queues what they call for (DESIGN 6; R-NOT-1, R-NOT-3,
 * R-INS-4, R-INS-7, R-RSK-2).
 *
 * A finding is keyed by (unit, policy, resource, condition); a unit
 * belongs to one portal.  For a successfully collected unit the caller
 * opens a run, feeds each policy's results in turn and commits:
 *
 *	cp_lifecycle_begin(st, &unit, now, &lc);
 *	for each enabled policy p:
 *		for each result res of p: cp_lifecycle_add(lc, &p, &res);
 *		cp_lifecycle_policy_done(lc, &p);   (p ran to its end)
 *	cp_lifecycle_commit(lc, &summary);
 *
 * The rules, applied at commit to each policy that ran to its end with no
 * CP_RESULT_ERROR among its results:
 * - fail, no open finding: a finding opens (first_seen = last_seen = now);
 * - fail, open finding: last_seen = now, detail and value updated;
 * - open finding the policy did not fail this time (it passed, or the
 *   resource is gone): resolved_at = last_seen + 1 h (R-RSK-2).
 * A policy with an error result, or never finished (no policy_done), or
 * not fed at all, changes none of its findings (R-INS-7).  A collection
 * that failed changes nothing: cp_lifecycle_collection_failed records the
 * scan and why.
 *
 * Notification (R-NOT-3): an opened finding is notified when the policy's
 * notification is on, its resource is not excluded (exclusion.h), and
 * either the key has no risk notification in the last 37 days or the
 * key's previous finding stayed resolved for more than 7 days (its
 * resolved_at <= now - 7 days).  A finding that stays open is notified
 * again only once its key has no notification left in the last 37 days
 * (the records are purged at 37 days, so a risk still present is then
 * notified as new); it is never re-sent hourly.  Notifying is an outbox row
 * (kind "notify", payload type "risk") plus a notification record (kind
 * "risk").
 *
 * Remediation (R-INS-4): an opened finding is queued for remediation (an
 * outbox row of kind "remediate") when the policy's remediation is on, the
 * policy has an action, the unit is registered with remediation and the
 * resource is not excluded.  remediate.h runs the queue.
 *
 * Everything a commit changes (findings, outbox, notification records, the
 * scan row, the purge) is one transaction.  Results are staged in a
 * temporary table of the connection while policies run, so the store's
 * write lock is held only while the commit applies them, not while the
 * policies are evaluated; a run of a million results is one pass over an
 * index, with statements prepared once.
 *
 * Times are Unix seconds passed in by the caller (an injectable clock): the
 * lifecycle never reads the system clock.
 *
 * Threads: a run belongs to the thread of its store handle; one run at a
 * time per handle (begin answers CP_E_BUSY while another is open).
 */
#ifndef CP_LIFECYCLE_H
#define CP_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "policy/result.h"
#include "store/store.h"

#define CP_LC_RESOLVE_DELAY 3600       /* remediated = last seen + 1 h */
#define CP_LC_NOTICE_KEEP (37 * 86400) /* notification records */
#define CP_LC_RETURN_GAP (7 * 86400)   /* resolved longer: new risk */
#define CP_LC_HISTORY_DAYS 30          /* what history shows */

/* Bounds of what a result may carry; longer detail and value are cut. */
#define CP_LC_POLICY_MAX 63
#define CP_LC_RESOURCE_MAX 2048 /* bytes, as exclusions */
#define CP_LC_CONDITION_MAX 512
#define CP_LC_NAME_MAX 1024 /* resource name: cut */
#define CP_LC_TEXT_MAX 4096 /* detail, value: cut */

typedef struct cp_lifecycle cp_lifecycle;

/*
 * A policy as the lifecycle needs it: its id and the portal's effective
 * settings (settings.h).  action NULL or "": notify-only.  All borrowed
 * for the call; the run keeps copies.
 */
struct cp_lc_policy {
	const char *id;
	int notify;                  /* immediate notification on */
	int remediate;               /* remediation on (portal setting) */
	const char *action;          /* the cloud plugin's action name */
	const json_t *action_params; /* a JSON object or NULL */
};

/* The unit inspected and whether it is registered with remediation. */
struct cp_lc_unit {
	int64_t portal_id;
	int64_t unit_id;
	int remediation_allowed; /* environment/unit registered with it */
};

/* What a commit did. */
struct cp_lc_summary {
	size_t results;  /* results fed */
	size_t policies; /* policies applied */
	size_t skipped;  /* policies left alone: error or unfinished */
	size_t opened;
	size_t still_open;
	size_t resolved;
	size_t notified;     /* risk notifications queued (opened and
				renotified after 37 days) */
	size_t suppressed;   /* opened, not notified: 37-day rule */
	size_t excluded;     /* opened on an excluded resource */
	size_t remediations; /* remediations queued */
	int64_t scan_id;     /* the scan row written */
};

/*
 * Opens a run for unit u at now.  The unit must exist and belong to
 * u->portal_id (CP_E_NOTFOUND, CP_E_INVALID).  *out is owned: end it with
 * cp_lifecycle_commit or cp_lifecycle_abort.  st may be used for other
 * work meanwhile, but no transaction of the caller's may be open on it
 * when the run commits.
 */
cp_err cp_lifecycle_begin(
    cp_store *st, const struct cp_lc_unit *u, time_t now, cp_lifecycle **out);

/*
 * Feeds one result of policy p.  Results come policy by policy: feeding
 * another policy leaves the previous one unfinished (it changes nothing)
 * unless cp_lifecycle_policy_done was called for it; feeding a policy again
 * after that is CP_E_INVALID.  An error result makes the whole policy
 * change nothing.  A fail result with no resource, a resource or condition
 * over the bounds or text that is not UTF-8 is CP_E_INVALID, and its
 * policy is then left alone as if it had failed; the run goes on.
 */
cp_err cp_lifecycle_add(cp_lifecycle *lc, const struct cp_lc_policy *p,
    const struct cp_policy_result *r);

/*
 * Says that policy p ran to its end: at commit, its open findings it did
 * not fail this time are resolved.  A policy with no result at all (no
 * target) needs only this call.
 */
cp_err cp_lifecycle_policy_done(cp_lifecycle *lc, const struct cp_lc_policy *p);

/* The number of resources collected, for the scan row (default 0). */
void cp_lifecycle_set_resources(cp_lifecycle *lc, size_t n);

/*
 * Applies the run in one transaction: purges old notification records,
 * changes findings, queues notifications and remediations and writes the
 * scan row ("ok").  sum (may be NULL) is filled on success.  lc is freed
 * in every case.  On failure nothing of it is kept; the scan is then
 * recorded as an error saying why, if the store still takes it.  The
 * detail is in cp_store_errmsg(st).
 */
cp_err cp_lifecycle_commit(cp_lifecycle *lc, struct cp_lc_summary *sum);

/*
 * A sentence the scan row keeps when the collection was partial (some
 * collectors failed, some policies could not decide); the row stays
 * "ok".  At most 1023 bytes are kept; text that is not UTF-8 is dropped.
 */
void cp_lifecycle_set_note(cp_lifecycle *lc, const char *note);

/* Drops a run without changing anything; NULL is fine. */
void cp_lifecycle_abort(cp_lifecycle *lc);

/*
 * Records that collecting unit u failed at now (R-INS-7): a scan row with
 * status "error" and why (at most 1023 bytes kept); no finding changes.
 * *scan_id (may be NULL) gets its id.
 */
cp_err cp_lifecycle_collection_failed(cp_store *st, const struct cp_lc_unit *u,
    time_t now, const char *why, int64_t *scan_id);

/*
 * When unit_id was last collected with success (the start of its newest
 * "ok" scan) into *when; 0 when it never was.
 */
cp_err cp_lifecycle_last_collected(cp_store *st, int64_t unit_id,
    time_t *when);

/*
 * Deletes notification records older than 37 days (R-NOT-3), remediation
 * records older than 37 days (R-HIS-1) and finished outbox rows older than
 * 37 days.  The daemon calls it daily; every commit calls it first.
 * *removed (may be NULL) gets the number of notification records removed.
 */
cp_err cp_lifecycle_purge(cp_store *st, time_t now, size_t *removed);

#endif /* CP_LIFECYCLE_H */
