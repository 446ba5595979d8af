/*
 * lock.c - the pid file that keeps a second daemon off a state dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "sched/lock.h"

static pid_t
read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long long v;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	v = strtoll(buf, NULL, 10);
	return v > 0 && v <= 0x7fffffffLL ? (pid_t)v : 0;
}

cp_err
cp_daemon_lock(const char *state_dir, int *fd, char *why, size_t why_size)
{
	char path[4096], buf[32];
	pid_t other;
	int f, n;

	*fd = -1;
	if (cp_snprintf(path, sizeof(path), "%s/%s", state_dir,
	    CP_DAEMON_PID_FILE) != CP_OK) {
		snprintf(why, why_size, "state dir path too long");
		return CP_E_LIMIT;
	}
	if (cp_mkdir_p(state_dir, 0700) != CP_OK) {
		snprintf(why, why_size, "cannot create state dir %s: %s",
		    state_dir, strerror(errno));
		return CP_E_IO;
	}
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (f < 0) {
		snprintf(why, why_size, "cannot open pid file %s: %s", path,
		    strerror(errno));
		return CP_E_IO;
	}
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			other = read_pid(f);
			snprintf(why, why_size, "another cloudpatrol daemon "
			    "(pid %ld) is running on state dir %s",
			    (long)other, state_dir);
			close(f);
			return CP_E_BUSY;
		}
		snprintf(why, why_size, "cannot lock %s: %s", path,
		    strerror(errno));
		close(f);
		return CP_E_IO;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(f, 0) != 0 || pwrite(f, buf, (size_t)n, 0) != n) {
		snprintf(why, why_size, "cannot write pid file %s: %s", path,
		    strerror(errno));
		close(f);
		return CP_E_IO;
	}
	*fd = f;
	return CP_OK;
}

void
cp_daemon_unlock(int fd)
{
	if (fd < 0)
		return;
	/* Emptied, not removed: removing races with a daemon starting. */
	(void)ftruncate(fd, 0);
	close(fd);
}

int
cp_daemon_probe(const char *state_dir, pid_t *pid)
{
	char path[4096];
	int f, held = 0;

	*pid = 0;
	if (cp_snprintf(path, sizeof(path), "%s/%s", state_dir,
	    CP_DAEMON_PID_FILE) != CP_OK)
		return 0;
	f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f < 0)
		return 0;
	if (flock(f, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
		held = 1;
		*pid = read_pid(f);
	}
	close(f);
	return held;
}
