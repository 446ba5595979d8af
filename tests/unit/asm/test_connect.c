/*
 * test_connect.c - the connect scan of plugins/asm-active (connect.c,
 * built in): open ports on several loopback addresses are all found when
 * the scanner is slow to take its epoll events.  The cancel callback,
 * called once a round, sleeps past the connection timeout as a loaded
 * machine would; answers already in were once counted as timeouts there,
 * and a retry that met the same delay lost the port (the scan-hosts
 * benchmark missed listeners on 127.0.0.9, .33, .41, .49).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "asm_active.h"
#include "cptest.h"

#define NHOSTS 8
#define NPORTS 160

static int
slow(void *ud)
{
	struct timespec ts = { 0, 30 * 1000000L };	/* > timeout_ms */

	(void)ud;
	nanosleep(&ts, NULL);
	return 0;
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
	size_t nopen = 0, i, k, np = 0, found = 0;
	char why[256];

	memset(h, 0, sizeof(h));
	for (i = 0; i < NHOSTS; i++) {
		struct sockaddr_in sa;
		socklen_t len = sizeof(sa);

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)(2 + i * 8));
		lfd[i] = socket(AF_INET, SOCK_STREAM, 0);
		CU_ASSERT_FATAL(lfd[i] >= 0);
		CU_ASSERT_FATAL(bind(lfd[i], (struct sockaddr *)&sa,
		    sizeof(sa)) == 0);
		CU_ASSERT_FATAL(listen(lfd[i], 128) == 0);
		CU_ASSERT_FATAL(getsockname(lfd[i], (struct sockaddr *)&sa,
		    &len) == 0);
		lport[i] = ntohs(sa.sin_port);
		sa.sin_port = 0;
		memcpy(&h[i].sa, &sa, sizeof(sa));
		h[i].salen = sizeof(sa);
		inet_ntop(AF_INET, &sa.sin_addr, h[i].addr, sizeof(h[i].addr));
	}
	/* Closed ports (low, privileged: nothing of ours listens there)
	 * and the listeners' ports, every one on every host. */
	for (i = 0; i < NPORTS; i++)
		ports[np++] = (uint16_t)(600 + i);
	for (i = 0; i < NHOSTS; i++)
		ports[np++] = lport[i];
	memset(&c, 0, sizeof(c));
	c.inflight = 1024;
	c.per_host = 1024;
	c.timeout_ms = 20;
	c.retries = 1;
	CU_ASSERT_EQUAL_FATAL(aa_connect_scan(&c, h, NHOSTS, ports, np, slow,
	    NULL, &open, &nopen, why, sizeof(why)), 0);
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
	CU_ASSERT_EQUAL(found, NHOSTS);
	free(open);
	for (i = 0; i < NHOSTS; i++)
		close(lfd[i]);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "open ports found when events wait", test_connect_slow_harvest },
		{ NULL, NULL },
	};

	return cp_test_run("connect", tests);
}
