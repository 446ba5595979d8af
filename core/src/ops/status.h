/*
 * status.h - the health view of an installation (R-OPS-1): per unit the
 * last inspection and its outcome, the notification queue with its
 * failures, so that an operator (or a monitoring system, from the JSON)
 * sees what is failing without reading logs.
 */
#ifndef CP_OPS_STATUS_H
#define CP_OPS_STATUS_H

#include <jansson.h>

#include "store/store.h"

/*
 * Builds the status of portal_id (0: every portal) as a new JSON object:
 *   {"units": [{"portal", "env", "cloud", "unit", "name", "inspect",
 *               "last_scan": {"started", "finished", "status", "error",
 *                             "resources"} | null,
 *               "open_findings"}],
 *    "outbox": {"pending_notices", "pending_remediations",
 *               "deliveries": {"pending", "claimed", "sent", "failed"},
 *               "failures": [{"id", "destination", "attempts",
 *                             "last_error", "updated"}]},
 *    "healthy": true | false}
 *    "daemon": {"running", "pid"},
 *    "jobs": {"count", "running",
 *             "next": [JOB...] (the 10 due first),
 *             "failed": [JOB...] (whose last run failed),
 *             "unavailable": {KIND: why}},
 * where JOB is {"kind", "key", "portal", "env", "unit", "rule",
 * "next_due", "last_end", "result", "error", "running"}; a unit's
 * "next_inspection" is its inspection job's due time (null: none) and
 * its last scan has "duration" (seconds).
 * failures lists the 20 latest failed deliveries (the count covers all).
 * healthy is false when a unit's last inspection failed or was partial
 * (status "ok" with an error: some collectors failed or some policies
 * could not decide), a delivery failed for good, or a job's last run
 * failed.
 */
cp_err cp_status_collect(cp_store *st, int64_t portal_id, json_t **out);

#endif /* CP_OPS_STATUS_H */
