/*
 * url.c - the URL policy of the HTTP client.
 *
 * libcurl's URL parser does the parsing, so that what we check is what
 * libcurl will connect to.  Plain http is refused before any transfer
 * unless the host is a loopback address, literally: a name other than
 * "localhost" is never resolved to decide, so DNS cannot turn a remote
 * host into an allowed one.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "net/url.h"
#include "util/util.h"

#define URL_MAX 8192

int
cp_http_host_is_loopback(const char *host)
{
	char buf[CP_HTTP_HOST_MAX];
	struct in_addr a4;
	struct in6_addr a6;
	size_t len;

	if (host == NULL)
		return 0;
	len = strlen(host);
	if (len >= sizeof(buf))
		return 0;
	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0)
		return 1;
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
	} else
		memcpy(buf, host, len + 1);
	if (inet_pton(AF_INET, buf, &a4) == 1)
		return ((const unsigned char *)&a4)[0] == 127;
	if (inet_pton(AF_INET6, buf, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
	}
	return 0;
}

/* Copies host into t->host: lower case, IPv6 brackets dropped. */
static cp_err
target_set_host(struct cp_http_target *t, const char *host)
{
	size_t len = strlen(host), i;

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(t->host))
		return CP_E_INVALID;
	for (i = 0; i < len; i++)
		t->host[i] = (char)tolower((unsigned char)host[i]);
	t->host[len] = '\0';
	return CP_OK;
}

/*
 * The URL without the parts that may carry credentials: user, password,
 * query and fragment go, and of the path only the first segment stays,
 * since webhook URLs (Slack, Teams) carry their token in the path.
 */
static void
target_set_display(struct cp_http_target *t, CURLU *u)
{
	char *s = NULL, *path = NULL, *cut;
	size_t len;

	curl_url_set(u, CURLUPART_USER, NULL, 0);
	curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
	curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
	curl_url_set(u, CURLUPART_QUERY, NULL, 0);
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
	    path != NULL && path[0] == '/' &&
	    (cut = strchr(path + 1, '/')) != NULL && cut[1] != '\0') {
		char shown[1024];

		cut[1] = '\0';
		if (cp_snprintf(shown, sizeof(shown), "%s...", path) == CP_OK)
			curl_url_set(u, CURLUPART_PATH, shown, 0);
	}
	curl_free(path);
	if (curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK || s == NULL) {
		cp_strlcpy(t->display, "(URL)", sizeof(t->display));
		return;
	}
	len = cp_strlcpy(t->display, s, sizeof(t->display));
	if (len >= sizeof(t->display))
		memcpy(t->display + sizeof(t->display) - 4, "...", 4);
	curl_free(s);
}

cp_err
cp_http_target_parse(
    const char *url, struct cp_http_target *t, char *why, size_t why_size)
{
	CURLU *u = NULL;
	CURLUcode uc;
	char *scheme = NULL, *host = NULL, *port = NULL;
	long long portv;
	cp_err r = CP_E_INVALID;

	memset(t, 0, sizeof(*t));
	cp_strlcpy(t->display, "(malformed URL)", sizeof(t->display));
	if (url == NULL || *url == '\0') {
		cp_snprintf(why, why_size, "no URL");
		goto out;
	}
	if (strlen(url) > URL_MAX) {
		cp_snprintf(why, why_size, "URL longer than %d bytes", URL_MAX);
		goto out;
	}
	u = curl_url();
	if (u == NULL) {
		r = CP_E_NOMEM;
		cp_snprintf(why, why_size, "out of memory");
		goto out;
	}
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		cp_snprintf(
		    why, why_size, "malformed URL (%s)", curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
		CURLUE_OK) {
		cp_snprintf(why, why_size, "URL without a scheme or host");
		goto out;
	}
	target_set_display(t, u);
	if (strcasecmp(scheme, "https") == 0)
		t->https = 1;
	else if (strcasecmp(scheme, "http") != 0) {
		cp_snprintf(why, why_size,
		    "only http:// and https:// URLs are allowed");
		goto out;
	}
	if (target_set_host(t, host) != CP_OK) {
		cp_snprintf(why, why_size, "URL host is empty or too long");
		goto out;
	}
	if (cp_parse_ll(port, 1, 65535, &portv) != CP_OK) {
		cp_snprintf(why, why_size, "URL port out of range");
		goto out;
	}
	t->port = (long)portv;
	t->loopback = cp_http_host_is_loopback(host);
	if (!t->https && !t->loopback) {
		cp_snprintf(why, why_size,
		    "plain http:// is allowed only to a loopback address "
		    "(127.0.0.0/8, ::1, localhost); use https://");
		goto out;
	}
	r = CP_OK;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return r;
}
