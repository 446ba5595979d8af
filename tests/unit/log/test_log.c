/*
 * test_log.c - levels filter, one line per message, no forged lines.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cptest.h"
#include "log/log.h"

struct seen {
	int n;
	int level;
	char subsys[64];
	char msg[256];
};

static void
hook(void *ud, int level, const char *subsys, const char *msg)
{
	struct seen *s = ud;

	s->n++;
	s->level = level;
	cp_strlcpy(s->subsys, subsys, sizeof(s->subsys));
	cp_strlcpy(s->msg, msg, sizeof(s->msg));
}

static void
test_log_filters_by_level(void)
{
	struct seen s;
	cp_log *log = cp_log_create(CP_LOG_TO_STDERR, CP_LOG_WARNING, "t");

	memset(&s, 0, sizeof(s));
	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	cp_log_set_hook(log, hook, &s);
	cp_log_msg(log, CP_LOG_INFO, "store", "hidden");
	CU_ASSERT_EQUAL(s.n, 0);
	cp_log_msg(log, CP_LOG_ERROR, "store", "shown %d", 7);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_EQUAL(s.level, CP_LOG_ERROR);
	CU_ASSERT_STRING_EQUAL(s.subsys, "store");
	CU_ASSERT_STRING_EQUAL(s.msg, "shown 7");
	cp_log_set_level(log, CP_LOG_DEBUG);
	CU_ASSERT_EQUAL(cp_log_level(log), CP_LOG_DEBUG);
	cp_log_msg(log, CP_LOG_DEBUG, NULL, "now shown");
	CU_ASSERT_EQUAL(s.n, 2);
	cp_log_destroy(log);
	cp_log_destroy(NULL);
}

static void
test_log_one_line_per_message(void)
{
	struct seen s;
	cp_log *log = cp_log_create(CP_LOG_TO_STDERR, CP_LOG_DEBUG, "t");

	memset(&s, 0, sizeof(s));
	cp_log_set_hook(log, hook, &s);
	cp_log_msg(log, CP_LOG_WARNING, "net", "a\nerror: forged\r");
	CU_ASSERT_STRING_EQUAL(s.msg, "a error: forged ");
	cp_log_destroy(log);
}

static void
test_log_writes_formatted_line_to_stderr(void)
{
	char path[] = "/tmp/cp-test-log-XXXXXX", buf[256];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	cp_log *log = cp_log_create(CP_LOG_TO_STDERR, CP_LOG_INFO, "cp");
	ssize_t n;

	CU_ASSERT_FATAL(fd >= 0 && saved >= 0);
	dup2(fd, STDERR_FILENO);
	cp_log_msg(log, CP_LOG_WARNING, "plugin aws", "slow: %d ms", 1500);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	CU_ASSERT_FATAL(n > 0);
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "cp: warning: plugin aws: slow: 1500 ms\n");
	close(fd);
	unlink(path);
	cp_log_destroy(log);
}

static void
test_log_parses_names(void)
{
	int v = -1;

	CU_ASSERT_EQUAL(cp_log_parse_level("DEBUG", &v), CP_OK);
	CU_ASSERT_EQUAL(v, CP_LOG_DEBUG);
	CU_ASSERT_EQUAL(cp_log_parse_level("loud", &v), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_log_parse_target("syslog", &v), CP_OK);
	CU_ASSERT_EQUAL(v, CP_LOG_TO_SYSLOG);
	CU_ASSERT_EQUAL(cp_log_parse_target("file", &v), CP_E_INVALID);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "filters_by_level", test_log_filters_by_level },
		{ "one_line_per_message", test_log_one_line_per_message },
		{ "writes_formatted_line_to_stderr",
		    test_log_writes_formatted_line_to_stderr },
		{ "parses_names", test_log_parses_names },
		{ NULL, NULL }
	};

	return cp_test_run("log", tests);
}
