/*
 * patrol.h - the daily patrol report (R-NOT-4): once a day, to every
 * destination of a portal, about the units bound to it, also when there is
 * no risk at all.
 *
 * Sections, computed at now:
 *   A  new risks of the last 24 hours: findings first seen in
 *	(now - 24 h, now] (notify-only policies included; resolved since or
 *	not);
 *   B  past remediable risks still open: open findings first seen before
 *	that window whose policy has a remediation action, except
 *	notify-only policies and the category mdfc-alert;
 *   C  this month's cost of each unit, from the costs view of its latest
 *	snapshot (periods "YYYY-MM" and "YYYY-MM-DD" of the month of now);
 *   D  resources in domestic and overseas regions of each unit: regions
 *	listed in the policy's parameter domestic_regions (the portal's
 *	value) are domestic, other regions overseas, none or "global"
 *	global;
 *   E  users of each unit and those created the day before now (UTC):
 *	resources of the policy's resource_types, created that day as their
 *	JSON says (CreateDate, createdDateTime, timeCreated, createTime,
 *	creationTimestamp or created).
 * A and B count only policies the portal has enabled with immediate
 * notification on, and never excluded resources.  C, D and E are on for a
 * unit when a policy of the unit's cloud whose JSON says "patrol": "cost"
 * ("regions", "users") is enabled with notification on; a section that
 * is on for no unit says so in the report.
 *
 * The report is an outbox 'notify' row (unit NULL) whose payload is:
 *
 *   {"type": "patrol", "destination_id": 3, "destination": "ops",
 *    "portal": "acme", "date": "2024-05-01", "generated": NOW,
 *    "since": NOW - 86400,
 *    "units": [{"env", "cloud", "unit", "name"}],
 *    "new":  {"items": [ITEM...], "more": N},
 *    "open": {"items": [ITEM...], "more": N},
 *    "cost": {"on": true, "month": "2024-05",
 *	       "rows": [{"env", "unit", "name", "snapshot": true,
 *			 "amounts": [{"amount": 12.5, "currency": "USD"}]}]},
 *    "regions": {"on": true,
 *	       "rows": [{"env", "unit", "name", "snapshot": true,
 *			 "domestic": 3, "overseas": 1, "global": 2}]},
 *    "users": {"on": true, "day": "2024-04-30",
 *	       "rows": [{"env", "unit", "name", "snapshot": true,
 *			 "users": 12, "created": 1, "created_names": [...]}]}}
 *
 *   ITEM = {"policy", "severity", "env", "unit", "resource",
 *	     "resource_name", "value", "first_seen", "resolved_at" (0: open)}
 *
 * "snapshot": false means the unit has not been inspected yet.  Lists keep
 * at most max_items items, newest first; "more" counts the rest.  The
 * renderer (message.h) turns it into text, html and blocks.
 *
 * Threads: like the store handle.  Snapshots are opened read-only.
 */
#ifndef CP_NOTIFY_PATROL_H
#define CP_NOTIFY_PATROL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "policy/pack.h"
#include "store/store.h"

#define CP_PATROL_WINDOW 86400		/* section A: the last 24 hours */
#define CP_PATROL_NAMES_MAX 20		/* users created, named per unit */

struct cp_patrol_opts {
	const char *state_dir;	/* snapshots; NULL: cp_store_dir(st) */
	size_t max_items;	/* per list; 0: CP_MSG_LIST_MAX */
	const char *key;	/* cp_patrol_queue: idempotency key, or NULL */
};

/*
 * Builds the report for destination dest_id at now: *payload is a new
 * object as above.  opts may be NULL.  CP_E_NOTFOUND without such a
 * destination; a unit whose snapshot cannot be read is reported with
 * "snapshot": false, not as an error.
 */
cp_err cp_patrol_build(cp_store *st, const cp_policy_set *set, int64_t dest_id,
    time_t now, const struct cp_patrol_opts *opts, json_t **payload);

/*
 * Queues the report of every destination of portal_id that has a unit
 * bound to it, in one transaction (st must have none open).  *queued and
 * *skipped (destinations without a unit; either may be NULL) say what
 * happened.  With opts->key, each row is keyed "KEY#DEST_ID" and a report
 * queued under that key before is not queued again (and not counted in
 * *queued): the daemon's rerun of a period queues nothing twice.
 */
cp_err cp_patrol_queue(cp_store *st, const cp_policy_set *set,
    int64_t portal_id, time_t now, const struct cp_patrol_opts *opts,
    size_t *queued, size_t *skipped);

#endif /* CP_NOTIFY_PATROL_H */
