/*
 * tz.h - time zones read from the system's tz database, without TZ.
 *
 * The daily patrol report runs at a time of day in its portal's zone, and
 * the monthly reports on the 1st there.  localtime_r() knows only the one
 * zone of the process, and switching it (setenv + tzset) races with every
 * other thread that reads the environment; so a zone is read here from its
 * TZif file (RFC 8536) under /usr/share/zoneinfo ($TZDIR overrides) into an
 * immutable object that any thread may use.  Times after the file's last
 * transition follow its footer (a POSIX TZ string: "EST5EDT,M3.2.0,M11.1.0").
 *
 * A NULL cp_tz is UTC for every function below.
 *
 * Threads: a loaded cp_tz is read-only; share it freely.
 */
#ifndef CP_SCHED_TZ_H
#define CP_SCHED_TZ_H

#include <stddef.h>
#include <time.h>

#include "util/util.h"

typedef struct cp_tz cp_tz;

#define CP_TZ_NAME_MAX 63	/* "America/Argentina/ComodRivadavia" fits */
#define CP_TZ_FILE_MAX (256 * 1024)

/*
 * Whether name looks like a zone name: 1..63 of A-Z a-z 0-9 _ + - /, no
 * "..", not starting with '/'.  Says nothing about whether it exists.
 */
int cp_tz_name_ok(const char *name);

/*
 * Loads zone name ("UTC", "Asia/Tokyo").  CP_E_INVALID for a bad name,
 * CP_E_NOTFOUND for an unknown zone, CP_E_PARSE for a file that is not
 * TZif; why gets a sentence.  *out is owned (cp_tz_free).
 */
cp_err cp_tz_load(const char *name, cp_tz **out, char *why, size_t why_size);
void cp_tz_free(cp_tz *tz);

/* The offset of local time from UTC at t, in seconds east (JST: 32400). */
long cp_tz_offset(const cp_tz *tz, time_t t);

/* The local time at t (tm_gmtoff and tm_isdst set; tm_zone NULL). */
void cp_tz_localtime(const cp_tz *tz, time_t t, struct tm *out);

/*
 * The instant of local wall time year-mon-mday (mon 1..12; mday may run
 * past the month: 32 January is 1 February) at minute of the day.  A
 * wall time that happens twice (the hour a clock goes back) is the first
 * one; one that never happens (the hour it jumps) is moved forward by the
 * jump, as clocks are.
 */
time_t cp_tz_mktime(const cp_tz *tz, int year, int mon, int mday,
    int minute);

#endif /* CP_SCHED_TZ_H */
