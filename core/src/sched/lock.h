/*
 * lock.h - the daemon's pid and lock file, STATE_DIR/cloudpatrol.pid.
 *
 * One daemon per state dir on a machine: the daemon holds an exclusive
 * flock(2) on the file for its whole life and writes its pid in it.  The
 * kernel drops the lock when the process dies, however it dies, so a
 * stale file never blocks a restart.  (Several daemons sharing one job
 * table on different machines is what the leases of sched.h are for.)
 */
#ifndef CP_SCHED_LOCK_H
#define CP_SCHED_LOCK_H

#include <stddef.h>
#include <sys/types.h>

#include "util/util.h"

#define CP_DAEMON_PID_FILE "cloudpatrol.pid"

/*
 * Takes the lock of state_dir and writes this process's pid: CP_OK with
 * *fd (keep it open; cp_daemon_unlock at exit), CP_E_BUSY when another
 * process holds it (why names its pid), CP_E_IO when the file cannot be
 * created or written.
 */
cp_err cp_daemon_lock(const char *state_dir, int *fd, char *why,
    size_t why_size);
/* Empties the file and lets the lock go; fd < 0 does nothing. */
void cp_daemon_unlock(int fd);
/*
 * Whether a daemon holds the lock of state_dir: 1 (with *pid), 0 when
 * none does or there is no file.
 */
int cp_daemon_probe(const char *state_dir, pid_t *pid);

#endif /* CP_SCHED_LOCK_H */
