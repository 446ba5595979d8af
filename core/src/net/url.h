/*
 * url.h - what the HTTP client accepts as a URL: http or https only, plain
 * http only to a loopback address, and the parts it needs to apply per-host
 * limits and to name the request in messages without leaking secrets.
 */
#ifndef CP_NET_URL_H
#define CP_NET_URL_H

#include <cloudpatrol/err.h>

#define CP_HTTP_HOST_MAX 256
#define CP_HTTP_DISPLAY_MAX 256

struct cp_http_target {
	char host[CP_HTTP_HOST_MAX]; /* lower case; IPv6 without [] */
	long port;                   /* explicit or the scheme's default */
	int https;                   /* 1: https, 0: http */
	int loopback;                /* 127.0.0.0/8, ::1, localhost */
	/* scheme://host[:port]/path, without user, password, query or
	 * fragment (they may hold credentials). */
	char display[CP_HTTP_DISPLAY_MAX];
};

/*
 * Parses url into t.  CP_E_INVALID with a sentence in why when the URL is
 * malformed, its scheme is not http(s), or it asks for plain http to a host
 * that is not a loopback address.  No name is resolved.
 */
cp_err cp_http_target_parse(
    const char *url, struct cp_http_target *t, char *why, size_t why_size);

/* Whether host (as in a URL, IPv6 with or without []) is loopback. */
int cp_http_host_is_loopback(const char *host);

#endif /* CP_NET_URL_H */
