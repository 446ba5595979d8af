/*
 * test_connect.c - the connect scan of plugins/asm-active (connect.c,
 * built in), on loopback only:
 *  - open ports on several loopback addresses are all found when the
 *    scanner is slow to take its epoll events (the cancel callback,
 *    called once a round, sleeps past the connection timeout as a loaded
 *    machine would; answers already in were once counted as timeouts
 *    there, and a retry that met the same delay lost the port - the
 *    scan-hosts benchmark missed listeners on 127.0.0.9, .33, .41, .49);
 *  - sockets are connected again after a refusal, and when the kernel
 *    will not do that properly (played here: a failed socket gives its
 *    old answer again) the scan falls back to a fresh socket a probe and
 *    finds the same ports;
 *  - answers that come late reach the scanner through epoll (a listener
 *    whose accept queue is full drops SYNs; the kernel sends the SYN
 *    again after a second);
 *  - a filtered port (SYNs dropped) times out and is tried exactly
 *    retries + 1 times, counted by the kernel in a network namespace of
 *    our own (a user namespace too when not root; failing when none
 *    can be made).
 * connect() and socket() are wrapped (-Wl,--wrap) to count sockets and
 * to play the kernel that does not connect failed sockets again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "asm_active.h"
#include "cptest.h"

#define NHOSTS 8
#define NPORTS 160
#define FD_MAX 4096

int __real_connect(int fd, const struct sockaddr *sa, socklen_t len);
int __real_socket(int domain, int type, int protocol);
int __wrap_connect(int fd, const struct sockaddr *sa, socklen_t len);
int __wrap_socket(int domain, int type, int protocol);

static unsigned long nsockets;	/* socket() calls */
static int stale;		/* play a kernel that repeats old answers */
static int failed[FD_MAX];	/* the error fd's last attempt ended with */
/* Play a slower network: the call right after EINPROGRESS says EALREADY
 * (still connecting), so every probe waits in epoll for its answer. */
static int defer;
static int pending[FD_MAX];
static unsigned long ndeferred;

int
__wrap_socket(int domain, int type, int protocol)
{
	int fd = __real_socket(domain, type, protocol);

	if (fd >= 0) {
		nsockets++;
		if (fd < FD_MAX)
			failed[fd] = pending[fd] = 0;
	}
	return fd;
}

int
__wrap_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int rc;

	if (stale && fd >= 0 && fd < FD_MAX && failed[fd] != 0) {
		errno = failed[fd];
		return -1;
	}
	if (defer && fd >= 0 && fd < FD_MAX && pending[fd]) {
		pending[fd] = 0;
		ndeferred++;
		errno = EALREADY;
		return -1;
	}
	rc = __real_connect(fd, sa, len);
	if (defer && rc != 0 && errno == EINPROGRESS && fd >= 0 &&
	    fd < FD_MAX)
		pending[fd] = 1;
	if (rc != 0 && fd >= 0 && fd < FD_MAX && errno != EINPROGRESS &&
	    errno != EALREADY)
		failed[fd] = errno;
	return rc;
}

static uint64_t
elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)(t.tv_sec - t0->tv_sec) * 1000u +
	    (uint64_t)((t.tv_nsec - t0->tv_nsec) / 1000000L);
}

static void
host_at(struct aa_host *h, uint32_t addr)
{
	struct sockaddr_in sa;

	memset(h, 0, sizeof(*h));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(addr);
	memcpy(&h->sa, &sa, sizeof(sa));
	h->salen = sizeof(sa);
	inet_ntop(AF_INET, &sa.sin_addr, h->addr, sizeof(h->addr));
}

/* A listener on h's address with a backlog of backlog; its port. */
static int
listen_on(const struct aa_host *h, int backlog, uint16_t *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd;

	memcpy(&sa, &h->sa, sizeof(sa));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(listen(fd, backlog) == 0);
	CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/*
 * A listener whose accept queue is full: one connection waits in it, so
 * the kernel drops further SYNs.  *filler gets that connection.
 */
static int
listen_full(const struct aa_host *h, uint16_t *port, int *filler)
{
	struct sockaddr_in sa;
	int fd = listen_on(h, 0, port);

	memcpy(&sa, &h->sa, sizeof(sa));
	sa.sin_port = htons(*port);
	*filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(*filler >= 0);
	CU_ASSERT_FATAL(connect(*filler, (struct sockaddr *)&sa,
	    sizeof(sa)) == 0);
	return fd;
}

static int
slow(void *ud)
{
	struct timespec ts = { 0, 30 * 1000000L };	/* > timeout_ms */

	(void)ud;
	nanosleep(&ts, NULL);
	return 0;
}

/* Hosts 127.0.0.2, .10, ... each with a listener; *np ports to probe. */
static void
loopback_hosts(struct aa_host *h, int *lfd, uint16_t *lport,
    uint16_t *ports, size_t *np)
{
	size_t i;

	for (i = 0; i < NHOSTS; i++) {
		host_at(&h[i], 0x7f000000u | (uint32_t)(2 + i * 8));
		lfd[i] = listen_on(&h[i], 128, &lport[i]);
	}
	/* Closed ports (low, privileged: nothing of ours listens there)
	 * and the listeners' ports, every one on every host. */
	*np = 0;
	for (i = 0; i < NPORTS; i++)
		ports[(*np)++] = (uint16_t)(600 + i);
	for (i = 0; i < NHOSTS; i++)
		ports[(*np)++] = lport[i];
}

/* How many of the listeners were found; anything else found fails. */
static size_t
count_found(const struct aa_host *h, const uint16_t *lport,
    const struct aa_open *open, size_t nopen)
{
	size_t i, k, found = 0;

	for (k = 0; k < nopen; k++)
		CU_ASSERT(open[k].host < NHOSTS &&
		    open[k].port == lport[open[k].host]);
	for (i = 0; i < NHOSTS; i++) {
		int seen = 0;

		for (k = 0; k < nopen; k++)
			if (open[k].host == i && open[k].port == lport[i])
				seen = 1;
		if (!seen)
			fprintf(stderr, "missed %s port %u\n", h[i].addr,
			    lport[i]);
		found += (size_t)seen;
	}
	return found;
}

static void
test_connect_slow_harvest(void)
{
	struct aa_conf c;
	struct aa_host h[NHOSTS];
	uint16_t ports[NPORTS + NHOSTS];
	int lfd[NHOSTS];
	uint16_t lport[NHOSTS];
	struct aa_open *open = NULL;
	size_t nopen = 0, i, np;
	char why[256];

	loopback_hosts(h, lfd, lport, ports, &np);
	memset(&c, 0, sizeof(c));
	c.inflight = 1024;
	c.per_host = 1024;
	c.timeout_ms = 20;
	c.retries = 1;
	/* Every answer through epoll, harvested late: answers already in
	 * must not be counted as timeouts. */
	defer = 1;
	ndeferred = 0;
	CU_ASSERT_EQUAL_FATAL(aa_connect_scan(&c, h, NHOSTS, ports, np, slow,
	    NULL, &open, &nopen, why, sizeof(why)), 0);
	defer = 0;
	CU_ASSERT(ndeferred >= np);
	CU_ASSERT_EQUAL(count_found(h, lport, open, nopen), NHOSTS);
	free(open);
	for (i = 0; i < NHOSTS; i++)
		close(lfd[i]);
}

/*
 * The same ports found with sockets connected again (few socket() calls)
 * and, when the kernel repeats a failed socket's old answer, with a fresh
 * socket a probe (one socket() call each): the fallback is taken.
 */
static void
test_connect_reuse_and_fallback(void)
{
	struct aa_conf c;
	struct aa_host h[NHOSTS];
	uint16_t ports[NPORTS + NHOSTS];
	int lfd[NHOSTS];
	uint16_t lport[NHOSTS];
	struct aa_open *open = NULL;
	size_t nopen = 0, i, np, probes;
	char why[256];
	int mode;

	loopback_hosts(h, lfd, lport, ports, &np);
	probes = np * NHOSTS;
	memset(&c, 0, sizeof(c));
	c.inflight = 1024;
	c.per_host = 1024;
	c.timeout_ms = 1000;
	c.retries = 1;
	for (mode = 0; mode < 2; mode++) {
		stale = mode;
		nsockets = 0;
		CU_ASSERT_EQUAL_FATAL(aa_connect_scan(&c, h, NHOSTS, ports,
		    np, NULL, NULL, &open, &nopen, why, sizeof(why)), 0);
		stale = 0;
		CU_ASSERT_EQUAL(count_found(h, lport, open, nopen), NHOSTS);
		if (mode == 0) {
			CU_ASSERT(nsockets < probes / 4);
		} else {
			CU_ASSERT(nsockets >= probes);
		}
		free(open);
		open = NULL;
	}
	for (i = 0; i < NHOSTS; i++)
		close(lfd[i]);
}

struct late {
	struct timespec t0;
	int done;
	int a, a_filler;	/* to accept: its port opens */
	int b, b_filler;	/* to close: its port refuses */
};

/* After 100 ms: room in a's queue, and b gone. */
static int
late_turn(void *ud)
{
	struct late *l = ud;
	int fd;

	if (l->done || elapsed_ms(&l->t0) < 100)
		return 0;
	fd = accept(l->a, NULL, NULL);
	if (fd >= 0)
		close(fd);
	close(l->b);
	close(l->b_filler);
	l->b = l->b_filler = -1;
	l->done = 1;
	return 0;
}

/*
 * Two SYNs dropped by full queues; after 100 ms one queue has room and
 * the other listener is gone; the kernel's second SYN, a second later,
 * gets an open and a refused answer, both through epoll, long before
 * the 3 s timeout.  Two slots: the closed ports after a and b in the
 * walk wait for them and then reuse their sockets, still in epoll.
 */
static void
test_connect_late_answers(void)
{
	struct aa_conf c;
	struct aa_host h;
	uint16_t ports[22], pa, pb;
	struct aa_open *open = NULL;
	size_t nopen = 0, i;
	struct late l;
	char why[256];
	uint64_t ms;

	host_at(&h, 0x7f000001u);
	memset(&l, 0, sizeof(l));
	l.a = listen_full(&h, &pa, &l.a_filler);
	l.b = listen_full(&h, &pb, &l.b_filler);
	ports[0] = pa;
	ports[1] = pb;
	for (i = 2; i < 22; i++)
		ports[i] = (uint16_t)(800 + i);
	memset(&c, 0, sizeof(c));
	c.inflight = 2;
	c.per_host = 2;
	c.timeout_ms = 3000;
	c.retries = 0;
	clock_gettime(CLOCK_MONOTONIC, &l.t0);
	CU_ASSERT_EQUAL_FATAL(aa_connect_scan(&c, &h, 1, ports, 22,
	    late_turn, &l, &open, &nopen, why, sizeof(why)), 0);
	ms = elapsed_ms(&l.t0);
	CU_ASSERT(l.done);
	CU_ASSERT(ms < 3000);
	CU_ASSERT_EQUAL(nopen, 1);
	if (nopen == 1)
		CU_ASSERT_EQUAL(open[0].port, pa);
	free(open);
	close(l.a);
	close(l.a_filler);
	if (l.b >= 0) {
		close(l.b);
		close(l.b_filler);
	}
}

/* The kernel's count of SYNs dropped by full accept queues (this netns). */
static long
listen_overflows(void)
{
	char names[8192], values[8192];
	const char *n, *v;
	FILE *f = fopen("/proc/net/netstat", "r");
	long r = -1;

	if (f == NULL)
		return -1;
	while (fgets(names, sizeof(names), f) != NULL &&
	    fgets(values, sizeof(values), f) != NULL) {
		if (strncmp(names, "TcpExt:", 7) != 0)
			continue;
		n = names;
		v = values;
		/* Walk both lines field by field. */
		while (*n != '\0' && *v != '\0') {
			size_t ln = strcspn(n, " \n"), lv = strcspn(v, " \n");

			if (ln == 15 && strncmp(n, "ListenOverflows", 15) == 0) {
				r = strtol(v, NULL, 10);
				break;
			}
			n += ln + strspn(n + ln, " \n");
			v += lv + strspn(v + lv, " \n");
		}
		break;
	}
	fclose(f);
	return r;
}

/* Up with lo of this (new) network namespace. */
static int
lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

/*
 * In the child, in a network namespace of its own: a filtered port
 * probed with retries 0, 1 and 2 gets 1, 2 and 3 SYNs, each attempt
 * waiting out its timeout.  Exits 0, 1 (with a message) or 77 (no
 * namespace).
 */
static void
filtered_child(void)
{
	struct aa_conf c;
	struct aa_host h;
	struct aa_open *open = NULL;
	uint16_t port;
	size_t nopen = 0;
	char why[256];
	int lfd, filler, retries, bad = 0;

	/* As root, a network namespace; otherwise inside a user namespace
	 * of our own (Debian allows them unprivileged). */
	if ((unshare(CLONE_NEWNET) != 0 &&
	    unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) || lo_up() != 0) {
		fprintf(stderr, "cannot make a network namespace of our own: "
		    "%s\n", strerror(errno));
		_exit(77);
	}
	host_at(&h, 0x7f000001u);
	lfd = listen_full(&h, &port, &filler);
	memset(&c, 0, sizeof(c));
	c.inflight = 16;
	c.per_host = 16;
	c.timeout_ms = 150;	/* well under the kernel's 1 s resend */
	for (retries = 0; retries <= 2; retries++) {
		long before = listen_overflows(), after;
		struct timespec t0;
		uint64_t ms;

		c.retries = retries;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (aa_connect_scan(&c, &h, 1, &port, 1, NULL, NULL, &open,
		    &nopen, why, sizeof(why)) != 0) {
			fprintf(stderr, "scan: %s\n", why);
			_exit(1);
		}
		ms = elapsed_ms(&t0);
		after = listen_overflows();
		free(open);
		open = NULL;
		if (before < 0 || after - before != retries + 1 || nopen != 0 ||
		    ms < (uint64_t)(retries + 1) * 150u) {
			fprintf(stderr, "retries %d: %ld SYNs dropped, %zu "
			    "open, %llu ms\n", retries, after - before, nopen,
			    (unsigned long long)ms);
			bad = 1;
		}
	}
	close(filler);
	close(lfd);
	_exit(bad);
}

static void
test_connect_filtered_retried(void)
{
	pid_t pid;
	int st = 0;

	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		filtered_child();
	CU_ASSERT_FATAL(waitpid(pid, &st, 0) == pid);
	CU_ASSERT_FATAL(WIFEXITED(st));
	/* 77: no namespace could be made (said on stderr): a failure too,
	 * not a skip. */
	CU_ASSERT_EQUAL(WEXITSTATUS(st), 0);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "open ports found when events wait", test_connect_slow_harvest },
		{ "sockets reused, or fresh when the kernel will not",
		    test_connect_reuse_and_fallback },
		{ "late answers come through epoll", test_connect_late_answers },
		{ "a filtered port times out, retried", test_connect_filtered_retried },
		{ NULL, NULL },
	};

	return cp_test_run("connect", tests);
}
