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
 * Limits: c->inflight sockets at once (also kept under RLIMIT_NOFILE),
 * c->per_host to one host, c->rate attempts a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "asm_active.h"

struct slot {
	int fd;			/* -1: free */
	uint32_t host;
	uint16_t port;
	uint8_t attempt;
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
	unsigned *freelist;
	unsigned nfree, nslots;
	int ep;
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

static void
release(struct cs *s, unsigned i)
{
	s->h[s->slots[i].host].inflight--;
	s->slots[i].fd = -1;
	s->freelist[s->nfree++] = i;
}

/* A probe timed out or failed softly: queue it again while it may. */
static void
again(struct cs *s, const struct slot *sl)
{
	if (sl->attempt >= s->c->retries || s->rlen == s->rcap)
		return;
	s->retry[(s->rhead + s->rlen) % s->rcap] = (struct probe){
		sl->host, sl->port, (uint8_t)(sl->attempt + 1) };
	s->rlen++;
}

/*
 * Starts probe p.  Returns 1 when started (or answered at once), 0 when
 * the system is out of sockets or ports for now (try later), -1 on error.
 */
static int
start(struct cs *s, const struct probe *p, uint64_t now)
{
	struct aa_host *h = &s->h[p->host];
	struct sockaddr_storage sa = h->sa;
	struct epoll_event ev;
	unsigned i;
	int fd, rc;

	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return errno == EMFILE || errno == ENFILE ||
		    errno == ENOBUFS || errno == ENOMEM ? 0 : -1;
	if (sa.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&sa)->sin6_port = htons(p->port);
	else
		((struct sockaddr_in *)&sa)->sin_port = htons(p->port);
	rc = connect(fd, (struct sockaddr *)&sa, h->salen);
	if (rc == 0) {
		int self = self_connect(fd);

		close_reset(fd);
		if (self)
			return 1;
		return add_open(s, p->host, p->port) == 0 ? 1 : -1;
	}
	if (errno == ECONNREFUSED || errno == ENETUNREACH ||
	    errno == EHOSTUNREACH || errno == EACCES || errno == EPERM) {
		close(fd);
		return 1;
	}
	if (errno == EAGAIN || errno == EADDRNOTAVAIL) {
		close(fd);
		return 0;
	}
	if (errno != EINPROGRESS) {
		close(fd);
		return 1;
	}
	i = s->freelist[--s->nfree];
	s->slots[i] = (struct slot){ fd, p->host, p->port, p->attempt,
		now + (uint64_t)s->c->timeout_ms };
	h->inflight++;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLOUT;
	ev.data.u32 = i;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		close(fd);
		release(s, i);
		return -1;
	}
	return 1;
}

static int
finish(struct cs *s, unsigned i)
{
	struct slot *sl = &s->slots[i];
	int err = 0;
	socklen_t len = sizeof(err);
	int rc = 0;

	if (getsockopt(sl->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == 0) {
		int self = self_connect(sl->fd);

		close_reset(sl->fd);
		if (!self)
			rc = add_open(s, sl->host, sl->port);
	} else {
		close(sl->fd);
		if (err == ETIMEDOUT)
			again(s, sl);
	}
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

	for (i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		struct pollfd pfd;

		if (sl->fd < 0 || sl->deadline > now)
			continue;
		pfd.fd = sl->fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 1 && pfd.revents != 0) {
			if (finish(s, i) != 0)
				return -1;
			continue;
		}
		close(sl->fd);
		again(s, sl);
		release(s, i);
	}
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
		int n, k, wait_ms = 50;

		now = aa_now_ms();
		/* Start what the limits allow: retries first. */
		while (s.nfree > 0) {
			struct probe p;
			int r;

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
			if (finish(&s, evs[k].data.u32) != 0) {
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
