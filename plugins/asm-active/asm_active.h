/*
 * asm_active.h - what the files of the asm-active scanner share: its
 * settings, the hosts of one scan() call and the stages (connect scan,
 * identification, CPE naming).  Private to plugins/asm-active.
 */
#ifndef AA_ASM_ACTIVE_H
#define AA_ASM_ACTIVE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>

#define AA_NAME_MAX 256		/* an FQDN, with its NUL */
#define AA_ADDR_MAX 64		/* an address as text */
#define AA_UA_MAX 128		/* the User-Agent */
#define AA_BANNER_MAX 1024	/* bytes of a banner kept */
#define AA_RESPONSE_MAX (64 * 1024)	/* bytes of an HTTP answer read */
#define AA_TITLE_MAX 256	/* bytes of a title kept */
#define AA_PATH_MAX 256		/* a redirect followed: its path */
#define AA_OPEN_MAX (4u * 1024 * 1024)	/* open ports of one call */
#define AA_IDENT_PER_HOST 256	/* open ports identified per host */

struct aa_conf {
	char user_agent[AA_UA_MAX];
	unsigned inflight;		/* connections in flight, in all */
	unsigned per_host;		/* connections in flight to one host */
	double rate;			/* connection attempts a second; 0: any */
	int timeout_ms;			/* of one connection attempt */
	int retries;			/* attempts after a timeout */
	int banner_wait_ms;		/* how long a server may stay silent */
	int io_timeout_ms;		/* each step of identification */
	unsigned workers;		/* identifications at once */
	int identify;			/* 0: ports only */
};

struct aa_host {
	struct sockaddr_storage sa;
	socklen_t salen;
	char addr[AA_ADDR_MAX];
	char name[AA_NAME_MAX];		/* "" when the target was an address */
	unsigned inflight;
};

struct aa_open {
	uint32_t host;
	uint16_t port;
};

/*
 * Connects to every (host, port) in a random order within c's limits;
 * *open gets the open ones (malloc'd; the caller frees it).  cancelled(ud)
 * is polled.  Returns 0, or -1 with why.
 */
int aa_connect_scan(const struct aa_conf *c, struct aa_host *h, size_t nh,
    const uint16_t *ports, size_t np, int (*cancelled)(void *), void *ud,
    struct aa_open **open, size_t *nopen, char *why, size_t why_size);

/* The CPE table: one product a line (cpe.tsv). */
struct aa_cpe_table;
int aa_cpe_load(const char *path, struct aa_cpe_table **out, char *why,
    size_t why_size);
void aa_cpe_free(struct aa_cpe_table *t);
/*
 * Appends to arr the CPE 2.3 names of what text shows; kind is "server"
 * (an HTTP Server header), "powered-by" (X-Powered-By), "ssh" (the
 * software field of an SSH identification string) or "owa" (Exchange's
 * X-OWA-Version build).
 */
void aa_cpe_match(const struct aa_cpe_table *t, const char *kind,
    const char *text, json_t *arr);
/* Writes value bound for a CPE 2.3 formatted string; 0, or -1 when it
 * cannot be one (empty, control characters, too long). */
int aa_cpe_escape(const char *value, char *out, size_t out_size);

/*
 * Identifies the service on h:port: banner, HTTP, TLS, CPE.  Returns a
 * new object (never NULL unless out of memory).  ssl_ctx is a
 * SSL_CTX * (verification off: it observes, it never trusts).
 */
json_t *aa_identify(const struct aa_conf *c, void *ssl_ctx,
    const struct aa_cpe_table *cpe, const struct aa_host *h, uint16_t port);

/* Printable ASCII of n bytes of s, others as \xNN, at most max bytes. */
void aa_printable(const char *s, size_t n, char *out, size_t max);
/* Milliseconds of a monotonic clock. */
uint64_t aa_now_ms(void);

#endif /* AA_ASM_ACTIVE_H */
