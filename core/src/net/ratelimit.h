/*
 * ratelimit.h - per-host limits shared by every HTTP client of a pool: a
 * token bucket capping the request rate and a cap on the requests in
 * flight.  One mutex guards the table; a condition variable wakes the
 * clients waiting for a slot.
 *
 * Times are seconds of a monotonic clock, passed in, so that the token
 * bucket is tested without sleeping.
 */
#ifndef CP_NET_RATELIMIT_H
#define CP_NET_RATELIMIT_H

#include <stddef.h>

#include <cloudpatrol/err.h>

/* Hosts with limits, at most (cp_hostlim_set answers CP_E_LIMIT). */
#define CP_HOSTLIM_MAX_HOSTS 4096

/* A token bucket: rate tokens a second, at most burst kept. */
struct cp_tbucket {
	double rate; /* 0: no rate limit */
	double burst;
	double tokens;
	double stamp; /* when tokens was last brought up to date */
};

/* Sets the rate and burst (a burst below 1 counts as 1), keeping tokens. */
void cp_tbucket_set(
    struct cp_tbucket *b, double rate, double burst, double now);
/*
 * Takes one token at now and returns 0, or takes none and returns the
 * seconds until one is available.
 */
double cp_tbucket_take(struct cp_tbucket *b, double now);

typedef struct cp_hostlim cp_hostlim;
/* The limits of one host; owned by the table, valid until it is destroyed. */
struct cp_hostlim_entry;

cp_hostlim *cp_hostlim_create(void);
/* All slots must have been released. */
void cp_hostlim_destroy(cp_hostlim *lim);

/*
 * Sets the limits of key ("host", "host:port", "[v6]:port"; a key without
 * a port applies to every port of the host without a key of its own).  A
 * zero rate, burst or max_conn leaves that limit as it is; a new host
 * starts unlimited with a burst of 1.  CP_E_INVALID on a malformed key or
 * value, CP_E_LIMIT when the table is full.
 */
cp_err cp_hostlim_set(cp_hostlim *lim, const char *key, double rate,
    unsigned burst, unsigned max_conn, double now);

/*
 * Tries to take a slot for a request to host:port at now.  CP_OK with
 * *slot set (NULL when no limit applies; release it otherwise), or
 * CP_E_BUSY with *wait_ms the delay until a token is due (-1: until a
 * request in flight ends) and *gen the table's generation for
 * cp_hostlim_wait.
 */
cp_err cp_hostlim_try(cp_hostlim *lim, const char *host, long port, double now,
    struct cp_hostlim_entry **slot, long *wait_ms, unsigned long *gen);
/* Gives back a slot from cp_hostlim_try (NULL: no-op). */
void cp_hostlim_release(cp_hostlim *lim, struct cp_hostlim_entry *slot);
/*
 * Waits up to timeout_ms for a change of the table (a released slot, new
 * limits) since generation gen; returns at once if one happened.
 */
void cp_hostlim_wait(cp_hostlim *lim, unsigned long gen, long timeout_ms);

/* Requests of the entry in flight (for tests). */
unsigned cp_hostlim_active(cp_hostlim *lim, const struct cp_hostlim_entry *e);

#endif /* CP_NET_RATELIMIT_H */
