/*
 * plugintest.h - what the plugin tests share: temporary plugin
 * directories holding copies of the test plugins built in
 * tests/plugins/.libs, a log that records what it is given, and
 * hand-made configurations.
 */
#ifndef CP_PLUGINTEST_H
#define CP_PLUGINTEST_H

/* Include this first: nftw and mkdtemp need it before any libc header. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "cptest.h"
#include "log/log.h"

/*
 * The absolute top build directory: $CP_TOP_BUILDDIR, or the current
 * directory (where make check runs the tests) when it is not set.
 */
static inline const char *
pt_builddir(void)
{
	static char cwd[4096];
	const char *b = CP_TEST_BUILDDIR();

	if (b[0] == '/')
		return b;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return b;
	if (strcmp(b, ".") != 0)
		snprintf(cwd + strlen(cwd), sizeof(cwd) - strlen(cwd), "/%s",
		    b);
	return cwd;
}

/* Where the built test plugins are (an absolute path). */
static inline void
pt_fixture(const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/tests/plugins/.libs/%s.so", pt_builddir(),
	    name);
}

/* A new private (0700) directory; buf gets its absolute path. */
static inline int
pt_mkdtemp(char *buf, size_t n)
{
	const char *tmp = cp_test_env("TMPDIR", "/tmp");

	snprintf(buf, n, "%s/cp-plugin-test.XXXXXX", tmp);
	if (mkdtemp(buf) == NULL)
		return -1;
	return chmod(buf, 0700);
}

/* Copies the test plugin fixture to dir/as with mode; 0 on success. */
static inline int
pt_copy(const char *fixture, const char *dir, const char *as, mode_t mode)
{
	char src[4096], dst[4096], chunk[8192];
	ssize_t n;
	int in, out, rc = -1;

	pt_fixture(fixture, src, sizeof(src));
	snprintf(dst, sizeof(dst), "%s/%s", dir, as);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "cannot open %s (built?)\n", src);
		return -1;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		goto out;
	while ((n = read(in, chunk, sizeof(chunk))) > 0)
		if (write(out, chunk, (size_t)n) != n)
			goto out;
	if (n == 0 && fchmod(out, mode) == 0)
		rc = 0;
out:
	close(in);
	if (out >= 0)
		close(out);
	return rc;
}

/* Writes text to dir/name with mode. */
static inline int
pt_write(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	if (fp == NULL)
		return -1;
	fputs(text, fp);
	if (fclose(fp) != 0)
		return -1;
	return chmod(path, mode);
}

static inline int
pt_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes dir and everything in it (symlinks are not followed). */
static inline void
pt_rmtree(const char *dir)
{
	chmod(dir, 0700);
	nftw(dir, pt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A log that keeps the last lines it was given as "subsys: message". */
#define PT_LOG_LINES 128
struct pt_log {
	char lines[PT_LOG_LINES][1024];
	int levels[PT_LOG_LINES];
	size_t n;
};

static inline void
pt_log_hook(void *ud, int level, const char *subsys, const char *msg)
{
	struct pt_log *l = ud;

	if (l->n == PT_LOG_LINES)
		return;
	snprintf(l->lines[l->n], sizeof(l->lines[0]), "%s: %s", subsys, msg);
	l->levels[l->n++] = level;
}

/* Whether the log has exactly line at level. */
static inline int
pt_log_has(const struct pt_log *l, int level, const char *line)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->levels[i] == level && strcmp(l->lines[i], line) == 0)
			return 1;
	return 0;
}

/* A logger at debug level that records into l and writes nothing. */
static inline cp_log *
pt_log_create(struct pt_log *l)
{
	cp_log *log;

	memset(l, 0, sizeof(*l));
	/* Level ERROR for the stderr writer would hide lines from the hook
	 * too, so the level is debug and stderr gets them: tests are
	 * allowed to be chatty. */
	log = cp_log_create(CP_LOG_TO_STDERR, CP_LOG_DEBUG, "test");
	if (log != NULL)
		cp_log_set_hook(log, pt_log_hook, l);
	return log;
}

/* A [plugin:...] section in a hand-made configuration. */
#define PT_ENTRY(k, v, l) { (char *)(k), (char *)(v), (l) }
#define PT_SECTION(p, i, line, en, entries)                                 \
	{ (char *)(p), (char *)(i), (line), (en), (entries),                \
	    CP_ARRAY_LEN(entries) }

#define PT_SECTION0(p, i, line, en)                                          \
	{ (char *)(p), (char *)(i), (line), (en), NULL, 0 }

#endif /* CP_PLUGINTEST_H */
