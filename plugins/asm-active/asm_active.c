/*
 * asm_active.c - the asm-active scanner plugin: its settings and scan().
 *
 * A target is "ADDRESS" or "NAME@ADDRESS": the core resolves names (and
 * checks that each address may be scanned) and hands over the address to
 * connect to, with the FQDN to send as SNI and Host: when there is one.
 * options: {"ports": SPEC}; SPEC is a comma-separated list of ports,
 * ranges LO-HI, "top" (the top_ports file) and "all" (1-65535).
 *
 * scan() runs the connect scan over all its targets at once
 * (connect.c), then identifies each open port (identify.c) on a few
 * threads, a chunk at a time, and reports one observation of kind "port"
 * per open port, from the calling thread only:
 *   {"address", "port", "name"?, "service", "banner"?, "http"?, "tls"?,
 *    "cpe": [...], "ms"}
 * Memory is bounded by the targets of one call (the core sends them in
 * batches) and the chunk size.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include <cloudpatrol/plugin.h>

#include "asm_active.h"

#ifndef AA_DATADIR
#define AA_DATADIR "/usr/local/share/cloudpatrol/asm-active"
#endif

#define AA_TARGETS_MAX 65536	/* targets of one scan() call */
#define AA_CHUNK 256		/* identifications between reports */
#define AA_PORTS_FILE_MAX (256 * 1024)

struct aa_ctx {
	const struct cp_host *host;
	cp_plugin *self;
	struct aa_conf conf;
	SSL_CTX *ssl;
	struct aa_cpe_table *cpe;
	char top_ports[16384];
};

static const struct cp_config_key aa_keys[] = {
	{ "allow", CP_CFG_LIST, 0, NULL, 0, 0, "address kinds the core may "
	    "scan besides public ones: loopback, private, link-local" },
	{ "resolve", CP_CFG_LIST, 0, NULL, 0, 0, "NAME=ADDRESS pairs used "
	    "instead of DNS (split horizon, tests)" },
	{ "user_agent", CP_CFG_STRING, 0, "CloudPatrol-Scanner/1.0", 0, 0,
	    "the User-Agent of HTTP requests" },
	{ "concurrency", CP_CFG_INT, 0, "4096", 1, 65536, "connections in "
	    "flight in all" },
	{ "per_host", CP_CFG_INT, 0, "1024", 1, 65536, "connections in "
	    "flight to one host" },
	{ "rate", CP_CFG_INT, 0, "0", 0, 10000000, "connection attempts a "
	    "second (0: no limit)" },
	{ "timeout_ms", CP_CFG_INT, 0, "1500", 10, 60000, "of one connection "
	    "attempt" },
	{ "retries", CP_CFG_INT, 0, "1", 0, 5, "attempts after a timeout" },
	{ "banner_wait_ms", CP_CFG_INT, 0, "400", 0, 30000, "how long a "
	    "service may stay silent before we speak" },
	{ "io_timeout_ms", CP_CFG_INT, 0, "3000", 10, 60000, "each step of "
	    "identification" },
	{ "workers", CP_CFG_INT, 0, "32", 1, 256, "identifications at once" },
	{ "identify", CP_CFG_BOOL, 0, "yes", 0, 0, "identify services (no: "
	    "open ports only)" },
	{ "cpe_table", CP_CFG_PATH, 0, AA_DATADIR "/cpe.tsv", 0, 0,
	    "the banner word to CPE vendor/product table" },
	{ "top_ports", CP_CFG_PATH, 0, AA_DATADIR "/top-ports.txt", 0, 0,
	    "the ports of the port set 'top'" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

/* Reads the top_ports file into one comma-separated list. */
static int
load_top_ports(const char *path, char *out, size_t n, char *why,
    size_t why_size)
{
	char line[256];
	size_t o = 0;
	FILE *fp = fopen(path, "re");

	out[0] = '\0';
	if (fp == NULL) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *p = line, *e;

		if ((e = strchr(p, '#')) != NULL)
			*e = '\0';
		for (e = p; *e != '\0'; e++)
			if (*e == '\n' || *e == '\r' || *e == ' ' ||
			    *e == '\t')
				*e = ',';
		if (o + strlen(p) + 2 >= n) {
			snprintf(why, why_size, "%s: more than %zu bytes of "
			    "ports", path, n);
			fclose(fp);
			return -1;
		}
		o += (size_t)snprintf(out + o, n - o, "%s,", p);
	}
	fclose(fp);
	return 0;
}

/* Sets bits of set for spec; -1 with why on a bad spec. */
static int
parse_ports(const char *spec, const char *top, unsigned char *set,
    int depth, char *why, size_t why_size)
{
	const char *p = spec;

	while (*p != '\0') {
		const char *e = strchr(p, ',');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
		char item[32];
		unsigned long lo, hi;
		char *end;

		if (len == 0) {
			p += e != NULL ? 1 : 0;
			if (e == NULL)
				break;
			continue;
		}
		if (len >= sizeof(item)) {
			snprintf(why, why_size, "bad port set item '%.*s'",
			    (int)(len > 32 ? 32 : len), p);
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (strcmp(item, "all") == 0) {
			memset(set, 0xff, 8192);
			set[0] &= (unsigned char)~1u;
		} else if (strcmp(item, "top") == 0 && depth == 0) {
			if (parse_ports(top, top, set, 1, why, why_size) != 0)
				return -1;
		} else {
			errno = 0;
			lo = strtoul(item, &end, 10);
			hi = lo;
			if (end != item && *end == '-')
				hi = strtoul(end + 1, &end, 10);
			if (end == item || *end != '\0' || errno != 0 ||
			    item[0] == '-' || lo < 1 || hi > 65535 || lo > hi) {
				snprintf(why, why_size, "bad port set item "
				    "'%s': expected a port 1-65535, LO-HI, top "
				    "or all", item);
				return -1;
			}
			for (; lo <= hi; lo++)
				set[lo / 8] |= (unsigned char)(1u << (lo % 8));
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

static int
parse_target(const char *t, struct aa_host *h)
{
	const char *at = strchr(t, '@');
	const char *addr = at != NULL ? at + 1 : t;

	memset(h, 0, sizeof(*h));
	if (at != NULL) {
		if ((size_t)(at - t) >= sizeof(h->name) || at == t)
			return -1;
		memcpy(h->name, t, (size_t)(at - t));
	}
	if (strlen(addr) >= sizeof(h->addr))
		return -1;
	snprintf(h->addr, sizeof(h->addr), "%s", addr);
	if (inet_pton(AF_INET, addr,
	    &((struct sockaddr_in *)&h->sa)->sin_addr) == 1) {
		h->sa.ss_family = AF_INET;
		h->salen = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, addr,
	    &((struct sockaddr_in6 *)&h->sa)->sin6_addr) == 1) {
		h->sa.ss_family = AF_INET6;
		h->salen = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -1;
}

static int
aa_cancelled(void *ud)
{
	struct aa_ctx *x = ud;

	return x->host->cancelled(x->self);
}

static int
open_cmp(const void *a, const void *b)
{
	const struct aa_open *x = a, *y = b;

	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	return (int)x->port - (int)y->port;
}

struct work {
	struct aa_ctx *x;
	const struct aa_host *h;
	const struct aa_open *jobs;
	json_t **res;
	size_t n;
	size_t next;		/* taken atomically */
};

static void *
worker(void *arg)
{
	struct work *w = arg;

	for (;;) {
		size_t i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED);

		if (i >= w->n)
			break;
		w->res[i] = aa_identify(&w->x->conf, w->x->ssl, w->x->cpe,
		    &w->h[w->jobs[i].host], w->jobs[i].port);
	}
	return NULL;
}

/* Identifies jobs[0..n) on up to conf.workers threads. */
static void
identify_chunk(struct aa_ctx *x, const struct aa_host *h,
    const struct aa_open *jobs, size_t n, json_t **res)
{
	pthread_t th[256];
	struct work w = { x, h, jobs, res, n, 0 };
	size_t k, nt = x->conf.workers < n ? x->conf.workers : n;

	for (k = 0; k < nt; k++)
		if (pthread_create(&th[k], NULL, worker, &w) != 0)
			break;
	if (k == 0)
		worker(&w);
	nt = k;
	for (k = 0; k < nt; k++)
		pthread_join(th[k], NULL);
}

static cp_err
report(struct aa_ctx *x, const struct aa_host *h, const char *const *targets,
    const struct aa_open *o, json_t *obs, const struct cp_observation_sink *sink)
{
	cp_err r;

	if (obs == NULL) {
		obs = json_object();
		if (obs == NULL)
			return CP_E_NOMEM;
		json_object_set_new(obs, "service", json_string("unknown"));
		json_object_set_new(obs, "cpe", json_array());
	}
	json_object_set_new(obs, "address", json_string(h[o->host].addr));
	json_object_set_new(obs, "port", json_integer(o->port));
	if (h[o->host].name[0] != '\0')
		json_object_set_new(obs, "name", json_string(h[o->host].name));
	(void)x;
	r = sink->observe(sink, targets[o->host], "port", obs);
	json_decref(obs);
	return r;
}

static cp_err
aa_scan(void *ctx, const char *const *targets, size_t n,
    const json_t *options, const struct cp_observation_sink *sink)
{
	struct aa_ctx *x = ctx;
	struct aa_host *h = NULL;
	struct aa_open *open = NULL, *jobs = NULL;
	unsigned char *set = NULL;
	uint16_t *ports = NULL;
	json_t **res = NULL;
	const char *spec = json_string_value(json_object_get(options, "ports"));
	char why[512];
	size_t i, np = 0, nopen = 0, nj, done;
	cp_err r = CP_E_INVALID;

	if (n > AA_TARGETS_MAX) {
		x->host->log(x->self, CP_LOG_ERROR, "%zu targets in one call; "
		    "at most %d", n, AA_TARGETS_MAX);
		return CP_E_LIMIT;
	}
	h = calloc(n ? n : 1, sizeof(*h));
	set = calloc(8192, 1);
	ports = calloc(65536, sizeof(*ports));
	res = calloc(AA_CHUNK, sizeof(*res));
	jobs = calloc(AA_CHUNK, sizeof(*jobs));
	if (h == NULL || set == NULL || ports == NULL || res == NULL ||
	    jobs == NULL) {
		r = CP_E_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (parse_target(targets[i], &h[i]) != 0) {
			x->host->log(x->self, CP_LOG_ERROR, "target '%.300s' is "
			    "not ADDRESS or NAME@ADDRESS", targets[i]);
			goto out;
		}
	if (parse_ports(spec != NULL ? spec : "top", x->top_ports, set, 0, why,
	    sizeof(why)) != 0) {
		x->host->log(x->self, CP_LOG_ERROR, "%s", why);
		goto out;
	}
	for (i = 1; i < 65536; i++)
		if ((set[i / 8] & (1u << (i % 8))) != 0)
			ports[np++] = (uint16_t)i;
	if (aa_connect_scan(&x->conf, h, n, ports, np, aa_cancelled, x, &open,
	    &nopen, why, sizeof(why)) != 0) {
		x->host->log(x->self, CP_LOG_ERROR, "connect scan: %s", why);
		r = strcmp(why, "cancelled") == 0 ? CP_E_CANCELLED : CP_E_IO;
		goto out;
	}
	if (nopen > 1)		/* none open: open may be NULL */
		qsort(open, nopen, sizeof(*open), open_cmp);
	/* Identify a chunk, report it, next chunk. */
	i = 0;
	while (i < nopen) {
		size_t per = 0;

		nj = 0;
		while (i < nopen && nj < AA_CHUNK) {
			per = (i > 0 && open[i - 1].host == open[i].host) ?
			    per + 1 : 0;
			if (!x->conf.identify || per >= AA_IDENT_PER_HOST) {
				r = report(x, h, targets, &open[i], NULL, sink);
				if (r != CP_OK)
					goto out;
			} else {
				jobs[nj++] = open[i];
			}
			i++;
		}
		if (x->host->cancelled(x->self)) {
			r = CP_E_CANCELLED;
			goto out;
		}
		identify_chunk(x, h, jobs, nj, res);
		for (done = 0; done < nj; done++) {
			r = report(x, h, targets, &jobs[done], res[done], sink);
			res[done] = NULL;
			if (r != CP_OK) {
				for (done++; done < nj; done++)
					json_decref(res[done]);
				goto out;
			}
		}
	}
	r = CP_OK;
out:
	free(h);
	free(set);
	free(ports);
	free(res);
	free(jobs);
	free(open);
	return r;
}

static cp_err
aa_init(const struct cp_host *host, cp_plugin *self, void **ctxp)
{
	struct aa_ctx *x = calloc(1, sizeof(*x));
	const char *v;
	char why[512];

	if (x == NULL)
		return CP_E_NOMEM;
	x->host = host;
	x->self = self;
	v = host->config_get(self, "user_agent");
	snprintf(x->conf.user_agent, sizeof(x->conf.user_agent), "%s",
	    v != NULL ? v : "CloudPatrol-Scanner/1.0");
	if (strpbrk(x->conf.user_agent, "\r\n") != NULL) {
		host->log(self, CP_LOG_ERROR, "user_agent must be one line");
		free(x);
		return CP_E_CONFIG;
	}
	x->conf.inflight = (unsigned)host->config_get_int(self, "concurrency");
	x->conf.per_host = (unsigned)host->config_get_int(self, "per_host");
	x->conf.rate = (double)host->config_get_int(self, "rate");
	x->conf.timeout_ms = (int)host->config_get_int(self, "timeout_ms");
	x->conf.retries = (int)host->config_get_int(self, "retries");
	x->conf.banner_wait_ms = (int)host->config_get_int(self,
	    "banner_wait_ms");
	x->conf.io_timeout_ms = (int)host->config_get_int(self,
	    "io_timeout_ms");
	x->conf.workers = (unsigned)host->config_get_int(self, "workers");
	x->conf.identify = host->config_get_bool(self, "identify");
	v = host->config_get(self, "top_ports");
	if (v == NULL || load_top_ports(v, x->top_ports, sizeof(x->top_ports),
	    why, sizeof(why)) != 0) {
		host->log(self, CP_LOG_WARNING, "top ports: %s; the set 'top' "
		    "is empty", v != NULL ? why : "no file");
		x->top_ports[0] = '\0';
	}
	v = host->config_get(self, "cpe_table");
	if (v == NULL || aa_cpe_load(v, &x->cpe, why, sizeof(why)) != 0)
		host->log(self, CP_LOG_WARNING, "CPE table: %s; no CPE names "
		    "will be made", v != NULL ? why : "no file");
	x->ssl = SSL_CTX_new(TLS_client_method());
	if (x->ssl == NULL) {
		aa_cpe_free(x->cpe);
		free(x);
		return CP_E_CRYPTO;
	}
	/* Observe whatever the peer offers; trust nothing. */
	SSL_CTX_set_verify(x->ssl, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_security_level(x->ssl, 0);
	SSL_CTX_set_min_proto_version(x->ssl, 0);
	*ctxp = x;
	return CP_OK;
}

static void
aa_fini(void *ctx)
{
	struct aa_ctx *x = ctx;

	if (x == NULL)
		return;
	SSL_CTX_free(x->ssl);
	aa_cpe_free(x->cpe);
	free(x);
}

static const struct cp_scanner_ops aa_scanner = {
	.struct_size = sizeof(aa_scanner),
	.scanner = "asm-active",
	.scan = aa_scan,
};

static const struct cp_capability aa_caps[] = {
	{ CP_CAP_SCANNER, sizeof(aa_scanner), &aa_scanner },
	{ CP_CAP_END, 0, NULL }
};

static const struct cp_plugin_descriptor aa_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(aa_desc),
	.name = "asm-active",
	.version = "1.0.0",
	.description = "active scan: TCP connect, HTTP/HTTPS/TLS, banners, CPE",
	.caps = aa_caps,
	.config = aa_keys,
	.init = aa_init,
	.fini = aa_fini,
};

CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
{
	(void)host_minor;
	return host_major == CP_ABI_MAJOR ? &aa_desc : NULL;
}
