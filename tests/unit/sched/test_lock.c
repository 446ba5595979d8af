/*
 * test_lock.c - the pid file: a second holder is refused with the first
 * one's pid, the lock goes with its holder, an unwritable file is named.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cptest.h"
#include "sched/lock.h"

static char dir[] = "/tmp/cp-test-lock-XXXXXX";

static void
test_lock_second_daemon_is_refused(void)
{
	char why[512], path[512], buf[32];
	pid_t pid = 0, child;
	int fd = -1, fd2 = -1, p[2], status;

	CU_ASSERT_EQUAL(cp_daemon_probe(dir, &pid), 0);
	CU_ASSERT_EQUAL_FATAL(cp_daemon_lock(dir, &fd, why, sizeof(why)),
	    CP_OK);
	snprintf(path, sizeof(path), "%s/cloudpatrol.pid", dir);
	/* Another process (flock is per open file) sees it held. */
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	child = fork();
	if (child == 0) {
		cp_err r = cp_daemon_lock(dir, &fd2, why, sizeof(why));

		(void)!write(p[1], why, strlen(why) + 1);
		_exit(r == CP_E_BUSY ? 0 : 1);
	}
	close(p[1]);
	memset(why, 0, sizeof(why));
	(void)!read(p[0], why, sizeof(why) - 1);
	close(p[0]);
	CU_ASSERT_EQUAL(waitpid(child, &status, 0), child);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snprintf(buf, sizeof(buf), "(pid %ld)", (long)getpid());
	CU_ASSERT_PTR_NOT_NULL(strstr(why, buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "another cloudpatrol daemon"));
	CU_ASSERT_EQUAL(cp_daemon_probe(dir, &pid), 1);
	CU_ASSERT_EQUAL(pid, getpid());
	cp_daemon_unlock(fd);
	CU_ASSERT_EQUAL(cp_daemon_probe(dir, &pid), 0);
	/* Free again. */
	CU_ASSERT_EQUAL(cp_daemon_lock(dir, &fd, why, sizeof(why)), CP_OK);
	cp_daemon_unlock(fd);
	cp_daemon_unlock(-1);
}

static void
test_lock_unwritable_pid_file_is_named(void)
{
	char why[512], path[512];
	int fd = -1;

	snprintf(path, sizeof(path), "%s/cloudpatrol.pid", dir);
	CU_ASSERT_EQUAL(unlink(path), 0);
	/* A directory where the file should be: even root cannot write. */
	CU_ASSERT_EQUAL_FATAL(mkdir(path, 0700), 0);
	CU_ASSERT_EQUAL(cp_daemon_lock(dir, &fd, why, sizeof(why)), CP_E_IO);
	CU_ASSERT_EQUAL(fd, -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "cannot open pid file"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, path));
	CU_ASSERT_EQUAL(rmdir(path), 0);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "second", test_lock_second_daemon_is_refused },
		{ "unwritable", test_lock_unwritable_pid_file_is_named },
		{ NULL, NULL }
	};
	char cmd[256];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	rc = cp_test_run("lock", tests);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
