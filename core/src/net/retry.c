/*
 * retry.c - backoff with full jitter, Retry-After parsing and the
 * classification of transfer failures.
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "net/http_client.h"
#include "net/retry.h"

long
cp_http_backoff_ms(unsigned retry, long base_ms, long max_ms, uint64_t rnd)
{
	long ceiling = base_ms;
	unsigned i;

	if (base_ms <= 0 || max_ms <= 0)
		return 0;
	for (i = 0; i < retry && ceiling < max_ms; i++)
		ceiling = ceiling > max_ms / 2 ? max_ms : ceiling * 2;
	if (ceiling > max_ms)
		ceiling = max_ms;
	return (long)(rnd % ((uint64_t)ceiling + 1));
}

int
cp_http_status_retryable(long status)
{
	return status == 429 || status == 500 || status == 502 ||
	       status == 503 || status == 504;
}

cp_err
cp_http_curl_outcome(CURLcode rc, int *retryable)
{
	*retryable = 0;
	switch (rc) {
	case CURLE_OK:
		return CP_OK;
	case CURLE_OPERATION_TIMEDOUT:
		*retryable = 1;
		return CP_E_HTTP_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		*retryable = 1;
		return CP_E_HTTP_CONNECT;
	case CURLE_PARTIAL_FILE:
		*retryable = 1;
		return CP_E_HTTP_TRUNCATED;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		*retryable = 1;
		return CP_E_HTTP;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
		return CP_E_HTTP_TLS;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		return CP_E_HTTP_TOO_LARGE;
	case CURLE_OUT_OF_MEMORY:
		return CP_E_NOMEM;
	case CURLE_ABORTED_BY_CALLBACK:
		return CP_E_CANCELLED;
	default:
		return CP_E_HTTP;
	}
}

/* Parses exactly n digits at s. */
static int
digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (no timezone). */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* An IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", as seconds since 1970. */
static int
parse_imf_fixdate(const char *s, size_t len, long long *out)
{
	static const char *const wdays[] = {
	    "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	static const int mdays[] = {
	    31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int day, year, hour, min, sec, mon = -1, leap, i, wd = -1;

	if (len != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' ||
	    s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
	    s[25] != ' ' || memcmp(s + 26, "GMT", 3) != 0)
		return -1;
	for (i = 0; i < 7; i++)
		if (memcmp(s, wdays[i], 3) == 0)
			wd = i;
	for (i = 0; i < 12; i++)
		if (memcmp(s + 8, months[i], 3) == 0)
			mon = i;
	if (wd < 0 || mon < 0 || digits(s + 5, 2, &day) != 0 ||
	    digits(s + 12, 4, &year) != 0 || digits(s + 17, 2, &hour) != 0 ||
	    digits(s + 20, 2, &min) != 0 || digits(s + 23, 2, &sec) != 0)
		return -1;
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (day < 1 || day > mdays[mon] || (mon == 1 && !leap && day > 28) ||
	    hour > 23 || min > 59 || sec > 60)
		return -1;
	*out = days_from_civil(year, mon + 1, day) * 86400LL + hour * 3600LL +
	       min * 60LL + sec;
	return 0;
}

long
cp_http_retry_after_ms(const char *value, time_t now)
{
	const char *s, *e;
	long long secs = 0, when;
	size_t len, i;

	if (value == NULL)
		return -1;
	for (s = value; *s == ' ' || *s == '\t'; s++)
		;
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	len = (size_t)(e - s);
	if (len == 0)
		return -1;
	if (isdigit((unsigned char)s[0])) {
		for (i = 0; i < len; i++) {
			if (!isdigit((unsigned char)s[i]))
				return -1;
			if (secs <= CP_HTTP_RETRY_AFTER_CAP_MS / 1000)
				secs = secs * 10 + (s[i] - '0');
		}
	} else {
		if (parse_imf_fixdate(s, len, &when) != 0)
			return -1;
		secs = when > (long long)now ? when - (long long)now : 0;
	}
	if (secs > CP_HTTP_RETRY_AFTER_CAP_MS / 1000)
		return CP_HTTP_RETRY_AFTER_CAP_MS;
	return (long)(secs * 1000);
}
