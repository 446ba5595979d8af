/*
 * log.h - the one place that formats log messages.
 *
 * A cp_log writes "LEVEL subsystem: message" lines to stderr, or hands them
 * to syslog(3) (and so to journald).  It is safe to call from any thread.
 */
#ifndef CP_LOG_H
#define CP_LOG_H

#include <stdarg.h>

#include <cloudpatrol/plugin.h>

#include "util/util.h"

typedef struct cp_log cp_log;

enum cp_log_target {
	CP_LOG_TO_STDERR = 0,
	CP_LOG_TO_SYSLOG = 1
};

/* A new logger at level (enum cp_log_level) to target.  NULL on no memory. */
cp_log *cp_log_create(int target, int level, const char *ident);
void cp_log_destroy(cp_log *log);
void cp_log_set_level(cp_log *log, int level);
/* Sends what follows to target (a detached daemon has no stderr). */
void cp_log_set_target(cp_log *log, int target);
int cp_log_level(const cp_log *log);
/* Parses "error", "warning", "info", "debug". */
cp_err cp_log_parse_level(const char *s, int *out);
/* Parses "stderr", "syslog". */
cp_err cp_log_parse_target(const char *s, int *out);

/* Logs one message of subsystem (a word: "store", "plugin aws"). */
void cp_log_msg(cp_log *log, int level, const char *subsys,
    const char *fmt, ...) CP_FMT(4, 5);
void cp_log_vmsg(cp_log *log, int level, const char *subsys,
    const char *fmt, va_list ap) CP_FMT(4, 0);

/*
 * Tests capture what is logged: every formatted line also goes to fn
 * (level, subsystem, message) when set.
 */
void cp_log_set_hook(cp_log *log,
    void (*fn)(void *ud, int level, const char *subsys, const char *msg),
    void *ud);

#endif /* CP_LOG_H */
