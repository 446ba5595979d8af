/*
 * deliver.h - sends the notices the outbox holds to the destinations of
 * their units, through the notifier plugins, with retries (R-NOT-1,
 * R-NOT-2, R-OPS-1; DESIGN 1.5).
 *
 * Two steps, both in cp_notify_drain:
 *
 * Fan-out.  Each pending 'notify' outbox row becomes one delivery per
 * destination bound to its unit (a patrol report: to the one destination
 * it names), in the transaction that also marks the row done.  A row
 * whose unit has no destination is marked done with last_error "no
 * destination"; a row whose payload cannot be read is marked failed.
 * Each delivery gets its message id then, <cp.OUTBOX.DELIVERY@HOST>, and
 * keeps it for every attempt.
 *
 * Sending.  Due deliveries are sent one at a time: a transaction records
 * the outcome of the previous one and claims the next (state claimed,
 * next_attempt = the end of its lease, claimed_by = this process); the
 * message is then rendered and handed to the plugin with no transaction
 * open.  Outcomes:
 *   CP_SEND_OK		sent;
 *   CP_SEND_RETRY	pending again after cp_notify_retry_delay() (1, 5,
 *			15, 30 min, 1, 2, 4, 8 h, 8 h...), but never later
 *			than max_age after the first attempt, where one last
 *			attempt is made; a retry answered then fails the
 *			delivery for good with the last reason;
 *   CP_SEND_FAILED	failed for good.
 * A destination whose plugin is not running is retried like CP_SEND_RETRY;
 * a payload that cannot be rendered fails for good.
 *
 * Crashes (kill -9): nothing is lost, and at most the one delivery in
 * flight is sent twice, with the same message id.  A claimed delivery
 * comes back once its lease has run out; sooner, when its claimer is a
 * process of this host and boot that no longer runs (its pid is gone or
 * now belongs to a process started at another time).  One whose claimer
 * died CP_NOTIFY_CRASHES times is failed instead of being tried again.
 *
 * Time: now is the injected clock: every step uses it.  now 0 reads the
 * system clock at each step instead (a long drain keeps its leases true).
 *
 * Threads: like the store handle.  Several processes and threads may drain
 * one store at once: each delivery is claimed by one of them.
 */
#ifndef CP_NOTIFY_DELIVER_H
#define CP_NOTIFY_DELIVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <cloudpatrol/plugin.h>

#include "log/log.h"
#include "plugin/registry.h"
#include "policy/pack.h"
#include "store/store.h"

#define CP_NOTIFY_LEASE 600		/* seconds a claim holds */
#define CP_NOTIFY_MAX_AGE 86400		/* seconds of retrying */
#define CP_NOTIFY_MAX_SENDS 10000	/* deliveries tried per drain */
#define CP_NOTIFY_FANOUT_BATCH 500	/* outbox rows per transaction */
#define CP_NOTIFY_CRASHES 5		/* claimer deaths before failing */
#define CP_NOTIFY_ERROR_MAX 1023	/* bytes of last_error kept */

/* Knobs of a drain; a zero field takes the default. */
struct cp_notify_limits {
	unsigned max_sends;
	unsigned lease;
	unsigned max_age;
	const char *hostname;		/* of message ids; NULL: this host */
	cp_log *log;			/* NULL: nothing is logged */
	const volatile int *cancel;	/* non-zero: stop between sends */
};

/* What a drain did. */
struct cp_notify_summary {
	size_t fanned_out;	/* outbox rows turned into deliveries */
	size_t deliveries;	/* delivery rows made */
	size_t no_destination;	/* outbox rows with nowhere to go */
	size_t malformed;	/* outbox rows that could not be read */
	size_t sent;
	size_t retry;		/* pending again */
	size_t failed;		/* failed for good */
	size_t reclaimed;	/* claims taken over from a dead claimer */
};

/*
 * How a drain reaches the notifiers: find returns the notifier for a
 * destination type ("mail", "teams", "slack") and its ctx, or NULL when
 * none is running.  Production uses the registry (cp_notify_drain);
 * tests plug in their own.
 */
struct cp_notify_router {
	const struct cp_notifier_ops *(*find)(void *ud, const char *type,
	    void **ctx);
	void *ud;
};

/*
 * The running notifier for destinations of type, from the registry:
 * "teams" is carried by the "mail" notifier.  NULL when none runs.
 */
const struct cp_notifier_ops *cp_notify_find(cp_registry *reg,
    const char *type, void **ctx);

/*
 * Fans out and sends what is due at now through the plugins of reg (NULL:
 * none, every delivery waits).  set (may be NULL) gives the policies'
 * titles and guidance.  lim NULL: defaults.  sum (may be NULL) tells what
 * happened, also on failure.  Fails only when the store fails (detail in
 * cp_store_errmsg(st)); st must have no transaction open.
 */
cp_err cp_notify_drain(cp_store *st, cp_registry *reg,
    const cp_policy_set *set, time_t now, const struct cp_notify_limits *lim,
    struct cp_notify_summary *sum);

/* The same through any router. */
cp_err cp_notify_drain_with(cp_store *st, const struct cp_notify_router *rt,
    const cp_policy_set *set, time_t now, const struct cp_notify_limits *lim,
    struct cp_notify_summary *sum);

/* The fan-out alone (the first step of a drain). */
cp_err cp_notify_fanout(cp_store *st, time_t now,
    const struct cp_notify_limits *lim, struct cp_notify_summary *sum);

/* This host's name as message ids carry it ([A-Za-z0-9.-]). */
void cp_notify_hostname(char *buf, size_t n);

/* Seconds to wait after failed attempt number attempt (from 1). */
time_t cp_notify_retry_delay(unsigned attempt);

/*
 * The name claims of process pid carry: "HOST|BOOT-ID|PID|START" (START:
 * its start time in clock ticks since boot).  CP_E_NOTFOUND when there is
 * no such process or it has exited (a zombie); CP_E_LIMIT when buf is
 * short.
 */
cp_err cp_notify_owner(pid_t pid, char *buf, size_t n);

/* ---- what the outbox holds, for the operator (R-OPS-1) ---- */

/* One line of "outbox list"; strings borrowed for the callback. */
struct cp_notify_entry {
	int64_t id;		/* the delivery; 0: a notice not fanned out */
	int64_t outbox_id;
	const char *state;	/* pending, claimed, sent, failed; queued (not
				   fanned out yet), undelivered (no
				   destination) */
	const char *destination;	/* "" when none */
	const char *dest_type;
	const char *kind;	/* risk, remediation, patrol */
	const char *policy;	/* "" when none */
	const char *unit;
	const char *resource;
	long long attempts;
	time_t next_attempt;	/* pending: when; claimed: end of lease */
	const char *last_error;
	const char *message_id;
	time_t created;
	time_t updated;
};

typedef cp_err (*cp_notify_entry_fn)(void *ud,
    const struct cp_notify_entry *e);

#define CP_NOTIFY_LIST_FAILED 0x1u	/* failed ones only */

/*
 * Walks the deliveries and the notices without one of portal_id, newest
 * first, at most limit (0: no limit).
 */
cp_err cp_notify_list(cp_store *st, int64_t portal_id, unsigned flags,
    size_t limit, cp_notify_entry_fn fn, void *ud);

/*
 * Makes the waiting and the failed deliveries of portal_id due at now
 * (failed ones start a new max_age window), in one statement.  *n (may be
 * NULL) gets their number.
 */
cp_err cp_notify_retry_now(cp_store *st, int64_t portal_id, time_t now,
    size_t *n);

#endif /* CP_NOTIFY_DELIVER_H */
