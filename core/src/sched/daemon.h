/*
 * daemon.h - "cloudpatrol daemon": the job table run by a pool of worker
 * threads until a signal says stop (DESIGN 7).
 *
 * The main thread sleeps in poll(2) on a signalfd and an eventfd until the
 * next job is due (cp_sched_next_wake), a worker finishes one, or a signal
 * comes; it never polls the table on a timer, except to pick up new units
 * and portals every CP_DAEMON_SYNC seconds.  Each worker has its own store
 * connection and claims due jobs itself.
 *
 * Signals (blocked in every thread, read from the signalfd):
 *   SIGTERM, SIGINT  no new claims; running jobs may finish within
 *		      CP_DAEMON_GRACE seconds, then they are cancelled through
 *		      the core's cancel flag (their periods stay due, for the
 *		      next start) and given CP_DAEMON_CANCEL_GRACE more; the
 *		      daemon exits 0 with the store consistent.
 *   SIGHUP	      reloads the INI and the policy packs: a configuration
 *		      that does not load is refused, the reason logged, and
 *		      the running one kept; one that loads is applied once the
 *		      running jobs have finished (new claims wait), plugins
 *		      included.  state_dir and workers take effect at the
 *		      next start.
 */
#ifndef CP_SCHED_DAEMON_H
#define CP_SCHED_DAEMON_H

#include <stddef.h>

#include "util/util.h"

#define CP_DAEMON_SYNC 300		/* seconds between table syncs */
#define CP_DAEMON_GRACE 20		/* seconds running jobs may finish */
#define CP_DAEMON_CANCEL_GRACE 10	/* seconds cancelled ones may take */

struct cp_daemon_opts {
	const char *config_path;	/* NULL: the search order */
	int foreground;			/* 0: detach (fork, setsid) */
};

/*
 * Runs the daemon until it is told to stop; returns the exit status.
 * Errors before it runs (configuration, lock, store) are printed to
 * stderr, also when detaching (the parent waits until the daemon is
 * ready or has failed).
 */
int cp_daemon_main(const struct cp_daemon_opts *o);

#endif /* CP_SCHED_DAEMON_H */
