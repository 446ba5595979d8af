/*
 * log.c - the one place that formats log messages.
 *
 * Lines are formatted into a bounded buffer and written with one write(2)
 * so that lines of different threads never interleave.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "log/log.h"

#define LOG_LINE_MAX 2048

struct cp_log {
	int target;
	int level;
	char ident[32];
	pthread_mutex_t lock;
	void (*hook)(void *ud, int level, const char *subsys, const char *msg);
	void *hook_ud;
};

static const char *const level_names[] = {
	[CP_LOG_ERROR] = "error",
	[CP_LOG_WARNING] = "warning",
	[CP_LOG_INFO] = "info",
	[CP_LOG_DEBUG] = "debug",
};

cp_log *
cp_log_create(int target, int level, const char *ident)
{
	cp_log *log = calloc(1, sizeof(*log));

	if (log == NULL)
		return NULL;
	log->target = target;
	log->level = level;
	cp_strlcpy(log->ident, ident != NULL ? ident : "cloudpatrol",
	    sizeof(log->ident));
	pthread_mutex_init(&log->lock, NULL);
	if (target == CP_LOG_TO_SYSLOG)
		openlog(log->ident, LOG_PID, LOG_DAEMON);
	return log;
}

void
cp_log_destroy(cp_log *log)
{
	if (log == NULL)
		return;
	if (log->target == CP_LOG_TO_SYSLOG)
		closelog();
	pthread_mutex_destroy(&log->lock);
	free(log);
}

void
cp_log_set_level(cp_log *log, int level)
{
	log->level = level;
}

void
cp_log_set_target(cp_log *log, int target)
{
	pthread_mutex_lock(&log->lock);
	if (log->target != target) {
		if (target == CP_LOG_TO_SYSLOG)
			openlog(log->ident, LOG_PID, LOG_DAEMON);
		else
			closelog();
		log->target = target;
	}
	pthread_mutex_unlock(&log->lock);
}

int
cp_log_level(const cp_log *log)
{
	return log->level;
}

cp_err
cp_log_parse_level(const char *s, int *out)
{
	size_t i;

	for (i = 0; i < CP_ARRAY_LEN(level_names); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (int)i;
			return CP_OK;
		}
	}
	return CP_E_INVALID;
}

cp_err
cp_log_parse_target(const char *s, int *out)
{
	if (strcasecmp(s, "stderr") == 0)
		*out = CP_LOG_TO_STDERR;
	else if (strcasecmp(s, "syslog") == 0)
		*out = CP_LOG_TO_SYSLOG;
	else
		return CP_E_INVALID;
	return CP_OK;
}

void
cp_log_set_hook(cp_log *log,
    void (*fn)(void *ud, int level, const char *subsys, const char *msg),
    void *ud)
{
	pthread_mutex_lock(&log->lock);
	log->hook = fn;
	log->hook_ud = ud;
	pthread_mutex_unlock(&log->lock);
}

void
cp_log_vmsg(cp_log *log, int level, const char *subsys, const char *fmt,
    va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
	    LOG_DEBUG };
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX + 64];
	size_t i;
	int n;

	if (log == NULL || level > log->level || level < CP_LOG_ERROR)
		return;
	if (level > CP_LOG_DEBUG)
		level = CP_LOG_DEBUG;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One message is one line: control characters from remote peers
	 * must not forge log lines. */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 && msg[i] != '\t')
			msg[i] = ' ';
	pthread_mutex_lock(&log->lock);
	if (log->hook != NULL)
		log->hook(log->hook_ud, level, subsys != NULL ? subsys : "",
		    msg);
	pthread_mutex_unlock(&log->lock);
	if (log->target == CP_LOG_TO_SYSLOG) {
		syslog(prio[level], "%s%s%s", subsys != NULL ? subsys : "",
		    subsys != NULL ? ": " : "", msg);
		return;
	}
	n = snprintf(line, sizeof(line), "%s: %s: %s%s%s\n", log->ident,
	    level_names[level], subsys != NULL ? subsys : "",
	    subsys != NULL ? ": " : "", msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void
cp_log_msg(cp_log *log, int level, const char *subsys, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cp_log_vmsg(log, level, subsys, fmt, ap);
	va_end(ap);
}
