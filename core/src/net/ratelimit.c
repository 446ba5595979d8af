/*
 * ratelimit.c - the per-host rate and concurrency limits of an HTTP pool.
 *
 * Entries are never removed before the table is destroyed, so a slot stays
 * valid while a request holds it even if the limits change meanwhile.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/ratelimit.h"
#include "net/url.h"
#include "util/util.h"

#define HOSTLIM_MAX_RATE 1e6
#define HOSTLIM_MAX_BURST 1000000u
#define HOSTLIM_MAX_CONN 10000u

struct cp_hostlim_entry {
	char host[CP_HTTP_HOST_MAX];
	long port; /* 0: any port */
	struct cp_tbucket bucket;
	unsigned max_conn; /* 0: no cap */
	unsigned active;
	struct cp_hostlim_entry *next;
};

struct cp_hostlim {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* signalled when gen changes */
	unsigned long gen;
	struct cp_hostlim_entry *head;
	size_t n;
};

void
cp_tbucket_set(struct cp_tbucket *b, double rate, double burst, double now)
{
	if (b->rate > 0 && now > b->stamp) {
		b->tokens += (now - b->stamp) * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
	if (b->rate <= 0)
		b->tokens = burst < 1 ? 1 : burst;
	b->rate = rate;
	b->burst = burst < 1 ? 1 : burst;
	if (b->tokens > b->burst)
		b->tokens = b->burst;
	b->stamp = now;
}

double
cp_tbucket_take(struct cp_tbucket *b, double now)
{
	if (b->rate <= 0)
		return 0;
	if (now > b->stamp) {
		b->tokens += (now - b->stamp) * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->stamp = now;
	}
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return 0;
	}
	return (1 - b->tokens) / b->rate;
}

cp_hostlim *
cp_hostlim_create(void)
{
	cp_hostlim *lim;
	pthread_condattr_t ca;

	lim = calloc(1, sizeof(*lim));
	if (lim == NULL)
		return NULL;
	if (pthread_mutex_init(&lim->mu, NULL) != 0)
		goto out_free;
	if (pthread_condattr_init(&ca) != 0)
		goto out_mutex;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&lim->cv, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		goto out_mutex;
	}
	pthread_condattr_destroy(&ca);
	return lim;
out_mutex:
	pthread_mutex_destroy(&lim->mu);
out_free:
	free(lim);
	return NULL;
}

void
cp_hostlim_destroy(cp_hostlim *lim)
{
	struct cp_hostlim_entry *e, *next;

	if (lim == NULL)
		return;
	for (e = lim->head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	pthread_cond_destroy(&lim->cv);
	pthread_mutex_destroy(&lim->mu);
	free(lim);
}

/* Splits a limit key into a lower-case host and a port (0: none). */
static cp_err
parse_key(const char *key, char *host, size_t host_size, long *port)
{
	const char *h = key, *end, *colon;
	size_t len, i;
	long long p;

	*port = 0;
	if (key == NULL || *key == '\0')
		return CP_E_INVALID;
	if (key[0] == '[') {
		h = key + 1;
		end = strchr(h, ']');
		if (end == NULL)
			return CP_E_INVALID;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (colon == NULL && end[1] != '\0')
			return CP_E_INVALID;
	} else {
		colon = strchr(key, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL; /* a bare IPv6 address */
		end = colon != NULL ? colon : key + strlen(key);
	}
	if (colon != NULL) {
		if (cp_parse_ll(colon + 1, 1, 65535, &p) != CP_OK)
			return CP_E_INVALID;
		*port = (long)p;
	}
	len = (size_t)(end - h);
	if (len == 0 || len >= host_size)
		return CP_E_INVALID;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c <= ' ' || c >= 0x7f || c == '/' || c == '@')
			return CP_E_INVALID;
		host[i] = (char)tolower(c);
	}
	host[len] = '\0';
	return CP_OK;
}

/* The entry of exactly host and port, or NULL.  Locked. */
static struct cp_hostlim_entry *
find_exact(cp_hostlim *lim, const char *host, long port)
{
	struct cp_hostlim_entry *e;

	for (e = lim->head; e != NULL; e = e->next)
		if (e->port == port && strcmp(e->host, host) == 0)
			return e;
	return NULL;
}

cp_err
cp_hostlim_set(cp_hostlim *lim, const char *key, double rate, unsigned burst,
    unsigned max_conn, double now)
{
	struct cp_hostlim_entry *e;
	char host[CP_HTTP_HOST_MAX];
	long port;
	cp_err r;

	r = parse_key(key, host, sizeof(host), &port);
	if (r != CP_OK)
		return r;
	if (!isfinite(rate) || rate < 0 || rate > HOSTLIM_MAX_RATE ||
	    burst > HOSTLIM_MAX_BURST || max_conn > HOSTLIM_MAX_CONN)
		return CP_E_INVALID;
	pthread_mutex_lock(&lim->mu);
	e = find_exact(lim, host, port);
	if (e == NULL) {
		r = CP_E_LIMIT;
		if (lim->n >= CP_HOSTLIM_MAX_HOSTS)
			goto out;
		r = CP_E_NOMEM;
		e = calloc(1, sizeof(*e));
		if (e == NULL)
			goto out;
		memcpy(e->host, host, sizeof(e->host));
		e->port = port;
		cp_tbucket_set(&e->bucket, 0, 1, now);
		e->next = lim->head;
		lim->head = e;
		lim->n++;
	}
	cp_tbucket_set(&e->bucket, rate > 0 ? rate : e->bucket.rate,
	    burst > 0 ? (double)burst : e->bucket.burst, now);
	if (max_conn > 0)
		e->max_conn = max_conn;
	lim->gen++;
	pthread_cond_broadcast(&lim->cv);
	r = CP_OK;
out:
	pthread_mutex_unlock(&lim->mu);
	return r;
}

cp_err
cp_hostlim_try(cp_hostlim *lim, const char *host, long port, double now,
    struct cp_hostlim_entry **slot, long *wait_ms, unsigned long *gen)
{
	struct cp_hostlim_entry *e;
	double w;
	cp_err r = CP_E_BUSY;

	*slot = NULL;
	*wait_ms = 0;
	pthread_mutex_lock(&lim->mu);
	*gen = lim->gen;
	e = find_exact(lim, host, port);
	if (e == NULL)
		e = find_exact(lim, host, 0);
	if (e == NULL) {
		r = CP_OK;
		goto out;
	}
	if (e->max_conn > 0 && e->active >= e->max_conn) {
		*wait_ms = -1;
		goto out;
	}
	w = cp_tbucket_take(&e->bucket, now);
	if (w > 0) {
		*wait_ms = (long)ceil(w * 1000);
		if (*wait_ms < 1)
			*wait_ms = 1;
		goto out;
	}
	e->active++;
	*slot = e;
	r = CP_OK;
out:
	pthread_mutex_unlock(&lim->mu);
	return r;
}

void
cp_hostlim_release(cp_hostlim *lim, struct cp_hostlim_entry *slot)
{
	if (slot == NULL)
		return;
	pthread_mutex_lock(&lim->mu);
	if (slot->active > 0)
		slot->active--;
	lim->gen++;
	pthread_cond_broadcast(&lim->cv);
	pthread_mutex_unlock(&lim->mu);
}

void
cp_hostlim_wait(cp_hostlim *lim, unsigned long gen, long timeout_ms)
{
	struct timespec ts;

	if (timeout_ms <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&lim->mu);
	while (lim->gen == gen) {
		if (pthread_cond_timedwait(&lim->cv, &lim->mu, &ts) != 0)
			break;
	}
	pthread_mutex_unlock(&lim->mu);
}

unsigned
cp_hostlim_active(cp_hostlim *lim, const struct cp_hostlim_entry *e)
{
	unsigned n;

	if (e == NULL)
		return 0;
	pthread_mutex_lock(&lim->mu);
	n = e->active;
	pthread_mutex_unlock(&lim->mu);
	return n;
}
