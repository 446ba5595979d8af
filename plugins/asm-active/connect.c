/*
 * connect.c - the TCP connect scan: non-blocking sockets watched by one
 * epoll set, many connections in flight.
 *
 * Why this shape (what the scanners before us taught): select() caps a
 * scanner near 1,024 sockets, so we use epoll; every probe that reached an
 * open port is closed with SO_LINGER 0 (a reset) so that TIME_WAIT does not
 * pile up and exhaust local ports; and the (host, port) pairs are walked in
 * a random permutation - an affine walk i -> (start + i * stride) mod N with
 * stride prime to N - which spreads the load over hosts and needs no
 * memory.  A connection attempt that times out is tried once more (the
 * retries setting); a refusal is an answer and is not retried.
 *
 * Why so few system calls (issue 8: a full scan of one host was bound by
 * the CPU at five calls a port): the outcome of an attempt is asked of
 * connect() itself.  Linux answers EALREADY while the handshake runs, 0
 * once connected, or the error that ended the attempt - which it clears,
 * leaving the socket unconnected.  Such a socket is connected again for
 * the next probe instead of being closed and replaced (a refused attempt
 * leaves nothing behind: no TIME_WAIT, its source port already freed), so
 * a closed port costs two calls.  On loopback the answer is in before the
 * first connect() returns, so it is asked at once and such probes never
 * reach epoll; a socket that does wait stays in the epoll set,
 * edge-triggered, from probe to probe, and a wake-up left over from an
 * earlier probe is told apart by asking again.  Should a kernel answer a
 * reused socket with anything a fresh socket would not, the probe is
 * started again on a fresh socket and reuse ends for the scan.
 *
 * Limits: c->inflight sockets at once (also kept under RLIMIT_NOFILE),
 * c->per_host to one host, c->rate attempts a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "asm_active.h"

/* Probes started in one round, between looks at epoll and the clock. */
#define ROUND 512

struct slot {
	int fd;			/* -1: none; kept from probe to probe */
	sa_family_t family;	/* of fd */
	uint8_t busy;		/* a probe is in flight */
	uint8_t polled;		/* fd is in the epoll set */
	uint8_t attempt;
	uint16_t port;
	uint32_t host;
	uint64_t deadline;
};

struct probe {
	uint32_t host;
	uint16_t port;
	uint8_t attempt;
};

struct cs {
	const struct aa_conf *c;
	struct aa_host *h;
	size_t nh;
	const uint16_t *ports;
	struct slot *slots;
	unsigned *freelist;	/* free slots; the last is used next */
	unsigned nfree, nslots;
	int ep;
	int reuse;		/* failed sockets are connected again */
	struct probe *retry;	/* a ring of probes to try again */
	size_t rcap, rhead, rlen;
	struct aa_open *open;
	size_t nopen, capopen;
	int full;		/* AA_OPEN_MAX was reached */
};

uint64_t
aa_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
gcd(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Random bits from the kernel, or the clock if it has none. */
static uint64_t
seed(void)
{
	uint64_t v = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
			v = 0;
		close(fd);
	}
	if (v == 0)
		v = aa_now_ms() * 6364136223846793005ull + 1;
	return v;
}

static int
add_open(struct cs *s, uint32_t host, uint16_t port)
{
	if (s->nopen == s->capopen) {
		size_t n = s->capopen == 0 ? 256 : s->capopen * 2;
		struct aa_open *p;

		if (s->capopen >= AA_OPEN_MAX) {
			s->full = 1;
			return 0;
		}
		if (n > AA_OPEN_MAX)
			n = AA_OPEN_MAX;
		p = realloc(s->open, n * sizeof(*p));
		if (p == NULL)
			return -1;
		s->open = p;
		s->capopen = n;
	}
	s->open[s->nopen].host = host;
	s->open[s->nopen].port = port;
	s->nopen++;
	return 0;
}

/*
 * Whether fd got connected to itself: on loopback a connection to a port
 * in the ephemeral range may pick that very port as its source (TCP
 * simultaneous open), which is no listener.
 */
static int
self_connect(int fd)
{
	struct sockaddr_storage a, b;
	socklen_t la = sizeof(a), lb = sizeof(b);

	if (getsockname(fd, (struct sockaddr *)&a, &la) != 0 ||
	    getpeername(fd, (struct sockaddr *)&b, &lb) != 0)
		return 0;
	return la == lb && memcmp(&a, &b, la) == 0;
}

/* Closes an open connection with a reset rather than a FIN. */
static void
close_reset(int fd)
{
	struct linger lg = { 1, 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* Whether a failed socket() may succeed later (a limit, not a bug). */
static int
transient(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS ||
	    err == ENOMEM;
}

static int
open_fd(struct slot *sl, sa_family_t family)
{
	sl->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sl->family = family;
	sl->polled = 0;
	return sl->fd >= 0 ? 0 : -1;
}

static void
drop_fd(struct slot *sl)
{
	if (sl->fd >= 0)
		close(sl->fd);
	sl->fd = -1;
	sl->polled = 0;
}

static socklen_t
probe_addr(const struct aa_host *h, uint16_t port,
    struct sockaddr_storage *sa)
{
	memcpy(sa, &h->sa, h->salen);
	if (h->sa.ss_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	return h->salen;
}

/* connect(), as 0 or an errno. */
static int
try_connect(int fd, const struct sockaddr_storage *sa, socklen_t len)
{
	return connect(fd, (const struct sockaddr *)sa, len) == 0 ? 0 : errno;
}

/*
 * The state of the attempt in flight on fd (see the head of the file):
 * EALREADY while it runs, 0 when connected, or the error that ended it.
 */
static int
ask(int fd, const struct sockaddr_storage *sa, socklen_t len)
{
	int rc = try_connect(fd, sa, len);

	if (rc == EISCONN)
		return 0;
	/* Unconnected after all: an attempt to the same address began. */
	if (rc == EINPROGRESS)
		return EALREADY;
	return rc;
}

/* A probe timed out: queue it again while it may. */
static void
again(struct cs *s, const struct probe *p)
{
	if (p->attempt >= s->c->retries || s->rlen == s->rcap)
		return;
	s->retry[(s->rhead + s->rlen) % s->rcap] = (struct probe){
		p->host, p->port, (uint8_t)(p->attempt + 1) };
	s->rlen++;
}

/*
 * Takes rc, how the attempt of probe p on sl ended (0: connected).  The
 * socket stays for the next probe unless it is connected or reuse is off.
 * Returns 0, or -1 when out of memory.
 */
static int
outcome(struct cs *s, struct slot *sl, const struct probe *p, int rc)
{
	if (rc == 0) {
		int self = self_connect(sl->fd);

		close_reset(sl->fd);
		sl->fd = -1;
		sl->polled = 0;
		return self ? 0 : add_open(s, p->host, p->port);
	}
	if (rc == ETIMEDOUT)
		again(s, p);
	if (!s->reuse)
		drop_fd(sl);
	return 0;
}

static void
release(struct cs *s, unsigned i)
{
	s->h[s->slots[i].host].inflight--;
	s->slots[i].busy = 0;
	s->freelist[s->nfree++] = i;
}

/*
 * Starts probe p on the next free slot.  Returns 1 when it is in flight
 * or answered, 0 when the system is out of sockets or ports for now (try
 * later), -1 on error (errno).
 */
static int
start(struct cs *s, const struct probe *p, uint64_t now)
{
	struct aa_host *h = &s->h[p->host];
	unsigned i = s->freelist[s->nfree - 1];
	struct slot *sl = &s->slots[i];
	struct sockaddr_storage sa;
	socklen_t len = probe_addr(h, p->port, &sa);
	int rc, reused;

	if (sl->fd >= 0 && sl->family != h->sa.ss_family)
		drop_fd(sl);
	reused = sl->fd >= 0;
	if (!reused && open_fd(sl, h->sa.ss_family) != 0)
		return transient(errno) ? 0 : -1;
	rc = try_connect(sl->fd, &sa, len);
	/*
	 * Beginning an attempt, Linux answers EINPROGRESS or a local error,
	 * never the peer's answer (that waits for the call to end).  Anything
	 * else from a reused socket is checked on a fresh one: if they
	 * differ, the kernel does not connect failed sockets again the way
	 * we expect (an old answer given again would hide an open port).
	 */
	if (reused && rc != EINPROGRESS) {
		int rc2;

		drop_fd(sl);
		if (open_fd(sl, h->sa.ss_family) != 0)
			return transient(errno) ? 0 : -1;
		rc2 = try_connect(sl->fd, &sa, len);
		if (rc2 != rc)
			s->reuse = 0;
		rc = rc2;
	}
	if (rc == EINPROGRESS)
		rc = ask(sl->fd, &sa, len);
	if (rc == EAGAIN || rc == EADDRNOTAVAIL)
		return 0;
	if (rc != EALREADY) {
		if (outcome(s, sl, p, rc) != 0) {
			errno = ENOMEM;
			return -1;
		}
		return 1;
	}
	if (!sl->polled) {
		struct epoll_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLOUT | EPOLLET;
		ev.data.u32 = i;
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, sl->fd, &ev) != 0) {
			int e = errno;

			drop_fd(sl);
			errno = e;
			return -1;
		}
		sl->polled = 1;
	}
	s->nfree--;
	sl->busy = 1;
	sl->host = p->host;
	sl->port = p->port;
	sl->attempt = p->attempt;
	sl->deadline = now + (uint64_t)s->c->timeout_ms;
	h->inflight++;
	return 1;
}

/*
 * Looks at slot i after a wake-up, or at its deadline (expired): takes
 * the answer if there is one.  Returns 0, or -1 when out of memory.
 */
static int
finish(struct cs *s, unsigned i, int expired)
{
	struct slot *sl = &s->slots[i];
	struct probe p = { sl->host, sl->port, sl->attempt };
	struct sockaddr_storage sa;
	socklen_t len;
	int rc;

	if (!sl->busy)
		return 0;	/* a wake-up left from an earlier probe */
	len = probe_addr(&s->h[sl->host], sl->port, &sa);
	rc = ask(sl->fd, &sa, len);
	if (rc == EALREADY) {
		if (!expired)
			return 0;
		drop_fd(sl);
		again(s, &p);
		release(s, i);
		return 0;
	}
	rc = outcome(s, sl, &p, rc);
	release(s, i);
	return rc;
}

/*
 * Ends the attempts past their deadline.  An attempt whose answer has
 * come but was not taken from epoll yet (a loaded machine: more events
 * ready than one epoll_wait returns, or the process not scheduled) is
 * not a timeout: the socket itself is asked first, and an answer is
 * taken as it is.  Counting those as timeouts lost open ports whose
 * retry met the same delay.
 */
static int
expire(struct cs *s, uint64_t now)
{
	unsigned i;

	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].busy && s->slots[i].deadline <= now &&
		    finish(s, i, 1) != 0)
			return -1;
	return 0;
}

/* The most sockets we may hold: the setting, under RLIMIT_NOFILE. */
static unsigned
max_slots(const struct aa_conf *c)
{
	struct rlimit rl;
	unsigned n = c->inflight;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		rlim_t room = rl.rlim_cur > 128 ? rl.rlim_cur - 96 : 32;

		if (n > room)
			n = (unsigned)room;
	}
	return n == 0 ? 1 : n;
}

int
aa_connect_scan(const struct aa_conf *c, struct aa_host *h, size_t nh,
    const uint16_t *ports, size_t np, int (*cancelled)(void *), void *ud,
    struct aa_open **open_out, size_t *nopen, char *why, size_t why_size)
{
	struct epoll_event evs[256];
	struct cs s;
	uint64_t total, next = 0, stride, startoff, started = 0, t0, now;
	uint64_t last_sweep;
	struct probe held;
	int have_held = 0, rc = -1;
	unsigned i;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.h = h;
	s.nh = nh;
	s.ports = ports;
	s.ep = -1;
	*open_out = NULL;
	*nopen = 0;
	total = (uint64_t)nh * np;
	if (total == 0)
		return 0;
	s.nslots = max_slots(c);
	s.slots = calloc(s.nslots, sizeof(*s.slots));
	s.freelist = calloc(s.nslots, sizeof(*s.freelist));
	s.rcap = (size_t)s.nslots * 2;
	s.retry = calloc(s.rcap, sizeof(*s.retry));
	if (s.slots == NULL || s.freelist == NULL || s.retry == NULL) {
		snprintf(why, why_size, "out of memory");
		goto out;
	}
	for (i = 0; i < s.nslots; i++) {
		s.slots[i].fd = -1;
		s.freelist[i] = s.nslots - 1 - i;
	}
	s.nfree = s.nslots;
	s.reuse = 1;
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	if (s.ep < 0) {
		snprintf(why, why_size, "epoll_create1: %s", strerror(errno));
		goto out;
	}
	startoff = seed();
	stride = (startoff >> 20) % total;
	if (stride == 0)
		stride = 1;
	while (gcd(stride, total) != 1)
		stride++;
	startoff %= total;
	t0 = last_sweep = aa_now_ms();
	for (;;) {
		int n, k, wait_ms = 50, budget = ROUND;

		now = aa_now_ms();
		/* Start what the limits allow: retries first. */
		while (s.nfree > 0) {
			struct probe p;
			int r;

			if (budget-- == 0) {
				wait_ms = 0;
				break;
			}
			if (c->rate > 0 && (double)started >=
			    (double)(now - t0 + 1) * c->rate / 1000.0) {
				wait_ms = 1;
				break;
			}
			if (have_held) {
				p = held;
			} else if (s.rlen > 0) {
				p = s.retry[s.rhead];
				s.rhead = (s.rhead + 1) % s.rcap;
				s.rlen--;
			} else if (next < total) {
				uint64_t idx = (startoff +
				    (next * stride) % total) % total;

				next++;
				p.host = (uint32_t)(idx % nh);
				p.port = ports[idx / nh];
				p.attempt = 0;
			} else {
				break;
			}
			have_held = 0;
			if (h[p.host].inflight >= c->per_host) {
				held = p;
				have_held = 1;
				break;
			}
			r = start(&s, &p, aa_now_ms());
			if (r < 0) {
				snprintf(why, why_size, "connecting to %s port "
				    "%u: %s", h[p.host].addr, p.port,
				    strerror(errno));
				goto out;
			}
			if (r == 0) {
				held = p;
				have_held = 1;
				wait_ms = 1;
				break;
			}
			started++;
		}
		if (s.full)
			break;
		if (s.nfree == s.nslots && !have_held && s.rlen == 0 &&
		    next >= total)
			break;
		if (cancelled != NULL && cancelled(ud)) {
			snprintf(why, why_size, "cancelled");
			goto out;
		}
		n = epoll_wait(s.ep, evs, (int)(sizeof(evs) / sizeof(evs[0])),
		    s.nfree == s.nslots ? (wait_ms < 10 ? wait_ms : 10) :
		    wait_ms);
		if (n < 0 && errno != EINTR) {
			snprintf(why, why_size, "epoll_wait: %s",
			    strerror(errno));
			goto out;
		}
		for (k = 0; k < n; k++)
			if (finish(&s, evs[k].data.u32, 0) != 0) {
				snprintf(why, why_size, "out of memory");
				goto out;
			}
		now = aa_now_ms();
		if (now - last_sweep >= 10) {
			if (expire(&s, now) != 0) {
				snprintf(why, why_size, "out of memory");
				goto out;
			}
			last_sweep = now;
		}
	}
	*open_out = s.open;
	*nopen = s.nopen;
	s.open = NULL;
	rc = 0;
out:
	if (s.slots != NULL)
		for (i = 0; i < s.nslots; i++)
			if (s.slots[i].fd >= 0)
				close(s.slots[i].fd);
	if (s.ep >= 0)
		close(s.ep);
	free(s.slots);
	free(s.freelist);
	free(s.retry);
	free(s.open);
	return rc;
}
