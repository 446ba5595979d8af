/*
 * notify_slack.c - the Slack notifier: posts a message of the core
 * (<cloudpatrol/message.h>) to a Slack incoming webhook as Block Kit.
 *
 * A destination is {"name", "type": "slack", "webhook_url"}.  The webhook
 * URL is a secret (whoever has it may post to the channel): it never
 * appears in why or in the log, where it is called "the webhook URL".
 *
 * The message's blocks become Block Kit blocks within Slack's documented
 * limits: a header's plain_text at most 150 characters, a section's text
 * at most 3000, at most 10 fields of at most 2000 characters in one
 * section, at most 50 blocks in a message.  A text that does not fit is
 * cut on a character boundary and ends with "…"; a list that does not fit
 * ends with "+N more"; blocks beyond the limit are replaced by a last one
 * saying how many were left out.  Characters are counted as Slack counts
 * them, as the code points of the text sent, so "&amp;" is five.
 *
 * One post per send(), never retried here (max_retries -1, no retry on
 * 429/5xx): the core's outbox retries later what send() calls passing.
 * Slack's answers: 2xx "ok" is sent; 429 (with its Retry-After), 408 and
 * 5xx, and failures to connect or to get an answer in time, are passing;
 * other answers (400 invalid_payload, 403 invalid_token, 404
 * channel_not_found, 410 channel_is_archived...) and a certificate that
 * does not verify are permanent.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cloudpatrol/message.h>
#include <cloudpatrol/plugin.h>

/* Slack's documented limits (Block Kit reference, in characters). */
#define SL_HEADER_MAX 150	/* plain_text of a header block */
#define SL_TEXT_MAX 3000	/* text of a section block */
#define SL_FIELD_MAX 2000	/* one field of a section */
#define SL_FIELDS_MAX 10	/* fields in one section */
#define SL_BLOCKS_MAX 50	/* blocks in one message */

/* Our own bounds. */
#define SL_LABEL_MAX 200	/* a field's label, a list's title */
#define SL_ITEM_MAX 500		/* one item of a list */
#define SL_URL_MAX 2048		/* a webhook URL, in bytes */
#define SL_ANSWER_MAX (64u * 1024)	/* Slack's answer body */
#define SL_WORD_MAX 80		/* what of the answer goes into why */

#define SL_ELLIPSIS "\xe2\x80\xa6"	/* U+2026 */
#define SL_BULLET "\xe2\x80\xa2 "	/* U+2022 and a space */
#define SL_REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD */

struct sl_ctx {
	const struct cp_host *host;
	cp_plugin *self;
	long timeout_ms;
	size_t max_blocks;
};

/* ------------------------------------------------------------ text */

/* A growing string; nomem is set once an allocation failed. */
struct sl_buf {
	char *p;
	size_t len, cap;
	int nomem;
};

static void
sl_buf_add(struct sl_buf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (b->nomem)
		return;
	if (b->p == NULL || n >= b->cap - b->len) {
		cap = b->cap > 0 ? b->cap : 256;
		while (n >= cap - b->len) {
			if (cap > SIZE_MAX / 2) {
				b->nomem = 1;
				return;
			}
			cap *= 2;
		}
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->nomem = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sl_buf_str(struct sl_buf *b, const char *s)
{
	sl_buf_add(b, s, strlen(s));
}

static void
sl_buf_free(struct sl_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Whether s is NULL or holds nothing but blanks. */
static int
sl_blank(const char *s)
{
	if (s == NULL)
		return 1;
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

/* The length of the UTF-8 sequence at s, or 0 when it is malformed. */
static size_t
sl_seq_len(const unsigned char *s, size_t avail)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * One character of s as it is sent: its bytes, or the entity that
 * escapes it for mrkdwn when esc (Slack asks for &amp; &lt; &gt;), or
 * U+FFFD for a malformed byte.  Sets *out, *out_len and *chars (the
 * characters it is in the text sent); returns the bytes of s it used.
 */
static size_t
sl_unit(const char *s, size_t avail, int esc, const char **out,
    size_t *out_len, size_t *chars)
{
	size_t n = sl_seq_len((const unsigned char *)s, avail);

	*chars = 1;
	*out = s;
	*out_len = n;
	if (n == 0) {
		*out = SL_REPLACEMENT;
		*out_len = sizeof(SL_REPLACEMENT) - 1;
		return 1;
	}
	if (!esc || n != 1)
		return n;
	if (*s == '&')
		*out = "&amp;";
	else if (*s == '<')
		*out = "&lt;";
	else if (*s == '>')
		*out = "&gt;";
	else
		return n;
	*out_len = strlen(*out);
	*chars = *out_len;
	return n;
}

/* The characters (code points) of a valid UTF-8 string. */
static size_t
sl_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * Appends s to b (escaped for mrkdwn when esc) in at most max characters:
 * a text that does not fit is cut on a character boundary, never inside
 * an entity, and ends with "…".  Returns the characters appended.
 */
static size_t
sl_put_text(struct sl_buf *b, const char *s, size_t max, int esc)
{
	size_t len = strlen(s), i, n, total = 0, used = 0, budget, ch, ol;
	const char *o;

	if (max == 0)
		return 0;
	for (i = 0; i < len && total <= max; i += n) {
		n = sl_unit(s + i, len - i, esc, &o, &ol, &ch);
		total += ch;
	}
	budget = total <= max ? max : max - 1;
	for (i = 0; i < len; i += n) {
		n = sl_unit(s + i, len - i, esc, &o, &ol, &ch);
		if (used + ch > budget)
			break;
		sl_buf_add(b, o, ol);
		used += ch;
	}
	if (total > max) {
		sl_buf_str(b, SL_ELLIPSIS);
		used++;
	}
	return used;
}

/* Writes a sentence for the operator into why (which may be NULL). */
static void sl_why(char *why, size_t why_size, const char *fmt, ...)
    CP_PRINTF(3, 4);

static void
sl_why(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || why_size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
}

/* Replaces every needle in s (of size bytes) with with. */
static void
sl_replace(char *s, size_t size, const char *needle, size_t nlen,
    const char *with)
{
	struct sl_buf b;
	const char *p = s, *hit;

	if (nlen == 0 || strstr(s, needle) == NULL)
		return;
	memset(&b, 0, sizeof(b));
	while ((hit = strstr(p, needle)) != NULL) {
		sl_buf_add(&b, p, (size_t)(hit - p));
		sl_buf_str(&b, with);
		p = hit + nlen;
	}
	sl_buf_str(&b, p);
	if (b.nomem)
		s[0] = '\0';	/* rather nothing than the secret */
	else
		snprintf(s, size, "%s", b.p);
	sl_buf_free(&b);
}

/*
 * Hides the webhook URL in s: the URL, the URL without its query, and its
 * path (which holds the token) wherever they appear.
 */
static void
sl_hide_url(char *s, size_t size, const char *url)
{
	const char *auth = strstr(url, "://"), *path;
	char needle[SL_URL_MAX + 1];
	size_t base;

	snprintf(needle, sizeof(needle), "%s", url);
	sl_replace(s, size, needle, strlen(needle), "the webhook URL");
	base = strcspn(url, "?#");
	if (base < sizeof(needle)) {
		needle[base] = '\0';
		sl_replace(s, size, needle, base, "the webhook URL");
	}
	if (auth == NULL || (path = strchr(auth + 3, '/')) == NULL ||
	    strlen(path) < 2)
		return;
	snprintf(needle, sizeof(needle), "%s", path);
	sl_replace(s, size, needle, strlen(needle), "/...");
	base = strcspn(needle, "?#");
	if (base > 1) {
		needle[base] = '\0';
		sl_replace(s, size, needle, base, "/...");
	}
}

/* ------------------------------------------------------------ destination */

/* Whether host (brackets kept) is a loopback address or localhost. */
static int
sl_loopback(const char *host)
{
	char buf[64];
	struct in_addr a4;
	struct in6_addr a6;
	size_t len = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']' &&
	    len - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return 0;
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	}
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((const unsigned char *)&a4)[0] == 127;
	return 0;
}

/*
 * Checks a webhook URL: https://HOST[:PORT]/..., or http:// to a loopback
 * host (for tests); printable ASCII only, no user or password.  Answers
 * in why without ever quoting the URL.
 */
static cp_err
sl_check_url(const char *url, char *why, size_t why_size)
{
	const char *auth, *p;
	char host[256];
	size_t alen, hlen, i;
	int https;
	long port;

	if (url == NULL || *url == '\0') {
		sl_why(why, why_size, "the webhook URL is missing");
		return CP_E_INVALID;
	}
	if (strlen(url) > SL_URL_MAX) {
		sl_why(why, why_size, "the webhook URL is longer than %d bytes",
		    SL_URL_MAX);
		return CP_E_INVALID;
	}
	for (p = url; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
			sl_why(why, why_size, "the webhook URL contains a "
			    "space or a control character");
			return CP_E_INVALID;
		}
		if ((unsigned char)*p >= 0x80) {
			sl_why(why, why_size, "the webhook URL contains "
			    "characters outside ASCII (percent-encode them)");
			return CP_E_INVALID;
		}
	}
	if (strncasecmp(url, "https://", 8) == 0) {
		https = 1;
		auth = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		https = 0;
		auth = url + 7;
	} else {
		sl_why(why, why_size, "the webhook URL is not an https URL");
		return CP_E_INVALID;
	}
	alen = strcspn(auth, "/?#");
	if (memchr(auth, '@', alen) != NULL) {
		sl_why(why, why_size, "the webhook URL must not carry a user "
		    "name or password");
		return CP_E_INVALID;
	}
	if (auth[0] == '[') {
		p = memchr(auth, ']', alen);
		hlen = p != NULL ? (size_t)(p - auth) + 1 : alen + 1;
	} else {
		p = memchr(auth, ':', alen);
		hlen = p != NULL ? (size_t)(p - auth) : alen;
	}
	if (hlen == 0 || hlen > alen || hlen >= sizeof(host)) {
		sl_why(why, why_size, "the webhook URL has no valid host");
		return CP_E_INVALID;
	}
	memcpy(host, auth, hlen);
	host[hlen] = '\0';
	if (host[0] != '[') {
		for (i = 0; i < hlen; i++)
			if (strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-",
			    host[i]) == NULL) {
				sl_why(why, why_size, "the webhook URL has no "
				    "valid host");
				return CP_E_INVALID;
			}
	} else {
		struct in6_addr a6;
		char v6[64];

		if (hlen < 3 || hlen - 2 >= sizeof(v6)) {
			sl_why(why, why_size, "the webhook URL has no valid "
			    "host");
			return CP_E_INVALID;
		}
		memcpy(v6, host + 1, hlen - 2);
		v6[hlen - 2] = '\0';
		if (inet_pton(AF_INET6, v6, &a6) != 1) {
			sl_why(why, why_size, "the webhook URL has no valid "
			    "host");
			return CP_E_INVALID;
		}
	}
	if (hlen < alen) {
		/* ":PORT", 1 to 65535 */
		p = auth + hlen;
		port = 0;
		if (*p != ':' || alen - hlen < 2 || alen - hlen > 6)
			port = -1;
		for (i = 1; port >= 0 && i < alen - hlen; i++) {
			if (p[i] < '0' || p[i] > '9')
				port = -1;
			else
				port = port * 10 + (p[i] - '0');
		}
		if (port < 1 || port > 65535) {
			sl_why(why, why_size, "the webhook URL has a bad port");
			return CP_E_INVALID;
		}
	}
	if (!https && !sl_loopback(host)) {
		sl_why(why, why_size, "the webhook URL must use https "
		    "(plain http only to a loopback address)");
		return CP_E_INVALID;
	}
	return CP_OK;
}

/* The URL of a valid Slack destination, or NULL with why. */
static const char *
sl_dest_url(const json_t *dest, char *why, size_t why_size)
{
	const char *type, *url;

	if (!json_is_object(dest)) {
		sl_why(why, why_size, "the destination is not a JSON object");
		return NULL;
	}
	type = json_string_value(json_object_get(dest, "type"));
	if (type != NULL && strcmp(type, "slack") != 0) {
		sl_why(why, why_size, "a destination of type '%.32s' is not "
		    "for the Slack notifier", type);
		return NULL;
	}
	url = json_string_value(json_object_get(dest, "webhook_url"));
	if (json_object_get(dest, "webhook_url") != NULL && url == NULL) {
		sl_why(why, why_size, "the webhook URL is not a string");
		return NULL;
	}
	if (sl_check_url(url, why, why_size) != CP_OK)
		return NULL;
	return url;
}

static cp_err
sl_check_destination(void *ctx, const json_t *dest, char *why,
    size_t why_size)
{
	(void)ctx;
	return sl_dest_url(dest, why, why_size) != NULL ? CP_OK : CP_E_INVALID;
}

/* ------------------------------------------------------------ Block Kit */

/* The Block Kit blocks of one message being built. */
struct sl_build {
	json_t *blocks;		/* kept so far */
	size_t max;		/* most blocks in the message */
	long long left_out;	/* blocks made once blocks was full */
	int ja;			/* the message is in Japanese */
	int nomem;
};

/* {"type": type, "text": t}; NULL on no memory. */
static json_t *
sl_text_obj(const char *type, const struct sl_buf *t)
{
	json_t *o;

	if (t->nomem || t->p == NULL)
		return NULL;
	o = json_object();
	if (o == NULL)
		return NULL;
	if (json_object_set_new(o, "type", json_string(type)) != 0 ||
	    json_object_set_new(o, "text", json_stringn(t->p, t->len)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * {"type": type, key: val}, or {"type": type} when key is NULL.  Takes
 * val (a new reference, NULL meaning no memory), also on failure.
 */
static json_t *
sl_block(const char *type, const char *key, json_t *val)
{
	json_t *b = json_object();

	if (b == NULL || (key != NULL && val == NULL) ||
	    json_object_set_new(b, "type", json_string(type)) != 0) {
		json_decref(b);
		json_decref(val);
		return NULL;
	}
	if (key != NULL && json_object_set_new(b, key, val) != 0) {
		json_decref(b);
		return NULL;
	}
	return b;
}

/* Keeps blk (taken; NULL: no memory), or counts it as left out. */
static void
sl_emit(struct sl_build *bd, json_t *blk)
{
	if (blk == NULL) {
		bd->nomem = 1;
		return;
	}
	if (json_array_size(bd->blocks) >= bd->max) {
		bd->left_out++;
		json_decref(blk);
		return;
	}
	if (json_array_append_new(bd->blocks, blk) != 0)
		bd->nomem = 1;
}

/* A section block of mrkdwn text t. */
static void
sl_emit_section(struct sl_build *bd, const struct sl_buf *t)
{
	sl_emit(bd, sl_block("section", "text", sl_text_obj("mrkdwn", t)));
}

static void
sl_header(struct sl_build *bd, const char *text)
{
	struct sl_buf t;

	if (sl_blank(text))
		return;
	memset(&t, 0, sizeof(t));
	sl_put_text(&t, text, SL_HEADER_MAX, 0);
	sl_emit(bd, sl_block("header", "text", sl_text_obj("plain_text", &t)));
	sl_buf_free(&t);
}

static void
sl_paragraph(struct sl_build *bd, const char *text)
{
	struct sl_buf t;

	if (sl_blank(text))
		return;
	memset(&t, 0, sizeof(t));
	sl_put_text(&t, text, SL_TEXT_MAX, 1);
	sl_emit_section(bd, &t);
	sl_buf_free(&t);
}

/* One field: "*label*\nvalue" in at most SL_FIELD_MAX characters. */
static json_t *
sl_field(const char *label, const char *value)
{
	struct sl_buf t;
	size_t used = 0;
	json_t *f;

	memset(&t, 0, sizeof(t));
	if (!sl_blank(label)) {
		sl_buf_str(&t, "*");
		used = 2 + sl_put_text(&t, label, SL_LABEL_MAX, 1);
		sl_buf_str(&t, "*");
		if (!sl_blank(value)) {
			sl_buf_str(&t, "\n");
			used++;
		}
	}
	if (!sl_blank(value))
		sl_put_text(&t, value, SL_FIELD_MAX - used, 1);
	f = sl_text_obj("mrkdwn", &t);
	sl_buf_free(&t);
	return f;
}

/* Fields [["label", "value"], ...], at most SL_FIELDS_MAX per section. */
static void
sl_fields(struct sl_build *bd, const json_t *fields)
{
	const char *label, *value;
	json_t *sec = NULL, *f, *fo;
	size_t i;

	json_array_foreach(fields, i, f) {
		label = json_string_value(json_array_get(f, 0));
		value = json_string_value(json_array_get(f, 1));
		if (sl_blank(label) && sl_blank(value))
			continue;
		fo = sl_field(label, value);
		if (sec == NULL)
			sec = json_array();
		if (fo == NULL || sec == NULL ||
		    json_array_append_new(sec, fo) != 0) {
			if (sec == NULL)
				json_decref(fo);
			json_decref(sec);
			bd->nomem = 1;
			return;
		}
		if (json_array_size(sec) == SL_FIELDS_MAX) {
			sl_emit(bd, sl_block("section", "fields", sec));
			sec = NULL;
		}
	}
	if (sec != NULL)
		sl_emit(bd, sl_block("section", "fields", sec));
}

/* "+N more" in the message's language. */
static void
sl_more_line(const struct sl_build *bd, long long n, char *buf, size_t size)
{
	snprintf(buf, size, bd->ja ? "ほか %lld 件" : "+%lld more", n);
}

/*
 * The text of a list into t: "*title*", then "• item" lines while they
 * fit, then "+N more" when items (or the message's more) are left out.
 * With reserve, room for the longest "+N more" line is kept.  Returns the
 * items shown.
 */
static size_t
sl_list_text(const struct sl_build *bd, const char *title,
    const json_t *items, size_t n_items, long long more, int reserve,
    struct sl_buf *t)
{
	struct sl_buf line;
	char more_line[96];
	size_t used = 0, budget = SL_TEXT_MAX, shown = 0, ch, i;
	const char *s;
	json_t *it;

	if (reserve) {
		sl_more_line(bd, (long long)n_items + more, more_line,
		    sizeof(more_line));
		budget -= 1 + sl_chars(more_line);
	}
	if (!sl_blank(title)) {
		sl_buf_str(t, "*");
		used = 2 + sl_put_text(t, title, SL_LABEL_MAX, 1);
		sl_buf_str(t, "*");
	}
	json_array_foreach(items, i, it) {
		if ((s = json_string_value(it)) == NULL)
			continue;
		memset(&line, 0, sizeof(line));
		ch = used > 0 ? 3 : 2;
		sl_buf_str(&line, used > 0 ? "\n" SL_BULLET : SL_BULLET);
		ch += sl_put_text(&line, s, SL_ITEM_MAX, 1);
		if (line.nomem || used + ch > budget) {
			t->nomem |= line.nomem;
			sl_buf_free(&line);
			break;
		}
		sl_buf_add(t, line.p, line.len);
		sl_buf_free(&line);
		used += ch;
		shown++;
	}
	if ((long long)(n_items - shown) + more > 0) {
		sl_more_line(bd, (long long)(n_items - shown) + more,
		    more_line, sizeof(more_line));
		if (used > 0)
			sl_buf_str(t, "\n");
		sl_buf_str(t, more_line);
	}
	return shown;
}

/* {"type": "list", "title", "items": [...], "more": N}: one section. */
static void
sl_list(struct sl_build *bd, const json_t *blk)
{
	const char *title = json_string_value(json_object_get(blk, "title"));
	const json_t *items = json_object_get(blk, "items");
	const json_t *jm = json_object_get(blk, "more");
	struct sl_buf t;
	long long more = 0;
	size_t n_items = 0, i;
	json_t *it;

	if (json_is_integer(jm) && json_integer_value(jm) > 0)
		more = json_integer_value(jm);
	if (more > 1000000000000LL)
		more = 1000000000000LL;
	json_array_foreach(items, i, it)
		if (json_is_string(it))
			n_items++;
	if (sl_blank(title) && n_items == 0 && more == 0)
		return;
	memset(&t, 0, sizeof(t));
	if (sl_list_text(bd, title, items, n_items, more, more > 0, &t) <
	    n_items && more == 0) {
		/* Not all fit: again, with room for "+N more". */
		sl_buf_free(&t);
		sl_list_text(bd, title, items, n_items, more, 1, &t);
	}
	sl_emit_section(bd, &t);
	sl_buf_free(&t);
}

/* One block of the message; unknown types are ignored. */
static void
sl_convert(struct sl_build *bd, const json_t *blk)
{
	const char *type = json_string_value(json_object_get(blk, "type"));

	if (type == NULL)
		return;
	if (strcmp(type, "header") == 0)
		sl_header(bd,
		    json_string_value(json_object_get(blk, "text")));
	else if (strcmp(type, "section") == 0)
		sl_paragraph(bd,
		    json_string_value(json_object_get(blk, "text")));
	else if (strcmp(type, "fields") == 0)
		sl_fields(bd, json_object_get(blk, "fields"));
	else if (strcmp(type, "list") == 0)
		sl_list(bd, blk);
	else if (strcmp(type, "divider") == 0)
		sl_emit(bd, sl_block("divider", NULL, NULL));
}

/* Replaces the last block by one saying how many were left out. */
static void
sl_note_left_out(struct sl_build *bd)
{
	struct sl_buf t;
	char note[256];
	size_t n = json_array_size(bd->blocks);

	if (bd->left_out == 0 || n == 0)
		return;
	json_array_remove(bd->blocks, n - 1);
	bd->left_out++;
	snprintf(note, sizeof(note), bd->ja ?
	    "ほか %lld ブロックを省略しました（Slack のメッセージは最大 "
	    "%zu ブロックです）。" :
	    "+%lld more blocks left out (a Slack message has at most %zu "
	    "blocks).", bd->left_out, bd->max);
	memset(&t, 0, sizeof(t));
	sl_put_text(&t, note, SL_TEXT_MAX, 1);
	sl_emit_section(bd, &t);
	sl_buf_free(&t);
}

/*
 * The webhook payload of message: {"text": fallback, "blocks": [...]}
 * as a new string (free it), or NULL on no memory.  *n_blocks gets the
 * number of blocks.
 */
static char *
sl_payload(const struct sl_ctx *c, const json_t *msg, size_t *n_blocks)
{
	const char *lang, *fallback;
	struct sl_build bd;
	struct sl_buf t;
	const json_t *in = json_object_get(msg, "blocks");
	json_t *payload = NULL, *b;
	char *out = NULL;
	size_t i;

	memset(&bd, 0, sizeof(bd));
	memset(&t, 0, sizeof(t));
	*n_blocks = 0;
	bd.blocks = json_array();
	if (bd.blocks == NULL)
		goto out;
	bd.max = c->max_blocks;
	lang = json_string_value(json_object_get(msg, "lang"));
	bd.ja = lang != NULL && strcmp(lang, "ja") == 0;
	json_array_foreach(in, i, b) {
		sl_convert(&bd, b);
		if (bd.nomem)
			goto out;
	}
	if (json_array_size(bd.blocks) == 0)
		sl_paragraph(&bd,
		    json_string_value(json_object_get(msg, "text")));
	sl_note_left_out(&bd);
	if (bd.nomem)
		goto out;

	fallback = json_string_value(json_object_get(msg, "subject"));
	if (sl_blank(fallback))
		fallback = json_string_value(json_object_get(msg, "text"));
	if (sl_blank(fallback))
		fallback = "cloudpatrol";
	sl_put_text(&t, fallback, SL_TEXT_MAX, 1);
	if (t.nomem)
		goto out;
	payload = json_object();
	if (payload == NULL ||
	    json_object_set_new(payload, "text", json_stringn(t.p, t.len)) !=
	    0)
		goto out;
	*n_blocks = json_array_size(bd.blocks);
	if (*n_blocks > 0 &&
	    json_object_set(payload, "blocks", bd.blocks) != 0)
		goto out;
	out = json_dumps(payload, JSON_COMPACT);
out:
	json_decref(payload);
	json_decref(bd.blocks);
	sl_buf_free(&t);
	return out;
}

/* ------------------------------------------------------------ sending */

/* What a word of Slack's answer means, for the operator. */
static const char *
sl_hint(const char *word)
{
	static const char *const hints[][2] = {
		{ "invalid_payload", "Slack could not read the message" },
		{ "invalid_blocks", "Slack refused the message's blocks" },
		{ "invalid_blocks_format", "Slack refused the message's "
		    "blocks" },
		{ "no_text", "the message had no text" },
		{ "invalid_token", "the webhook was revoked: create a new "
		    "one" },
		{ "action_prohibited", "an admin restricted posting to the "
		    "channel" },
		{ "posting_to_general_channel_denied", "only admins may post "
		    "to the channel" },
		{ "channel_not_found", "the channel no longer exists" },
		{ "no_service", "the webhook is disabled or was removed" },
		{ "no_service_id", "the webhook URL is incomplete" },
		{ "no_team", "the workspace no longer exists" },
		{ "team_disabled", "the workspace is disabled" },
		{ "channel_is_archived", "the channel is archived" },
	};
	size_t i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strcmp(word, hints[i][0]) == 0)
			return hints[i][1];
	return NULL;
}

/*
 * Slack's answer as it may be shown: the first line of body, printable
 * ASCII only, the webhook URL hidden (before the line is cut, so that no
 * part of it stays), at most SL_WORD_MAX characters.
 */
static void
sl_answer_word(const char *body, size_t len, const char *url, char *out,
    size_t size)
{
	size_t i, k = 0;
	unsigned char ch;
	char *line;

	out[0] = '\0';
	for (i = 0; i < len && body[i] != '\r' && body[i] != '\n'; i++)
		;
	len = i;
	line = malloc(len + 1);
	if (line == NULL)
		return;
	for (i = 0; i < len; i++) {
		ch = (unsigned char)body[i];
		line[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	line[len] = '\0';
	sl_hide_url(line, len + 1, url);
	for (i = 0; line[i] != '\0' && k + 1 < size && k < SL_WORD_MAX; i++)
		out[k++] = line[i];
	while (k > 0 && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
	free(line);
}

/* Reads Slack's answer to a post into an outcome and a sentence. */
static int
sl_outcome(const struct sl_ctx *c, const struct cp_http_response *resp,
    const char *url, char *why, size_t why_size)
{
	char word[SL_WORD_MAX + 64], after[96];
	const char *hint, *ra;
	long status = resp->status;
	size_t i;

	sl_answer_word(resp->body != NULL ? resp->body : "", resp->body_len,
	    url, word, sizeof(word));
	if (status >= 200 && status < 300) {
		sl_why(why, why_size, "Slack answered %ld %s", status, word);
		return CP_SEND_OK;
	}
	if (status == 429) {
		after[0] = '\0';
		ra = c->host->http_header(resp, "Retry-After");
		if (ra != NULL) {
			for (i = 0; ra[i] >= '0' && ra[i] <= '9'; i++)
				;
			if (i > 0 && i < 10 && ra[i] == '\0')
				snprintf(after, sizeof(after),
				    " (retry after %s s)", ra);
			else if (strlen(ra) < 40 &&
			    strspn(ra, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,:") ==
			    strlen(ra))
				snprintf(after, sizeof(after),
				    " (retry after %s)", ra);
		}
		sl_why(why, why_size, "Slack answered 429 %s%s",
		    word[0] != '\0' ? word : "rate_limited", after);
		return CP_SEND_RETRY;
	}
	hint = sl_hint(word);
	sl_why(why, why_size, "Slack answered %ld%s%s%s%s", status,
	    word[0] != '\0' ? " " : "", word, hint != NULL ? ": " : "",
	    hint != NULL ? hint : "");
	if (status == 408 || status >= 500)
		return CP_SEND_RETRY;
	return CP_SEND_FAILED;
}

/*
 * The outcome of a post that got no answer.  The client's message reads
 * "POST URL: what happened": only what happened is kept, and the webhook
 * URL is hidden should it appear in it.
 */
static int
sl_transport(const struct sl_ctx *c, cp_http *http, cp_err r,
    const char *url, char *why, size_t why_size)
{
	const char *m = c->host->http_errmsg(http), *p;
	/* Room for the whole message: the URL is hidden before any cut,
	 * so a cut can never leave part of it behind. */
	char detail[8192];

	if (m == NULL)
		m = "";
	if (strncmp(m, "POST ", 5) == 0 && (p = strstr(m, ": ")) != NULL)
		m = p + 2;
	snprintf(detail, sizeof(detail), "%s", m);
	sl_hide_url(detail, sizeof(detail), url);
	switch (r) {
	case CP_E_HTTP_TLS:
		sl_why(why, why_size, "the TLS certificate of the webhook URL "
		    "did not verify: %s", detail);
		return CP_SEND_FAILED;
	case CP_E_INVALID:
		sl_why(why, why_size, "the HTTP client refused the webhook "
		    "URL: %s", detail);
		return CP_SEND_FAILED;
	case CP_E_HTTP_CONNECT:
		sl_why(why, why_size, "cannot connect to the webhook URL: %s",
		    detail);
		return CP_SEND_RETRY;
	case CP_E_HTTP_TIMEOUT:
		sl_why(why, why_size, "Slack did not answer in time: %s",
		    detail);
		return CP_SEND_RETRY;
	default:
		sl_why(why, why_size, "the post to the webhook URL failed "
		    "(%s): %s", c->host->strerror(r), detail);
		return CP_SEND_RETRY;
	}
}

static int
sl_send(void *ctx, const json_t *dest, const json_t *message, char *why,
    size_t why_size)
{
	static const char *const headers[] = {
		"Content-Type: application/json", NULL
	};
	const struct sl_ctx *c = ctx;
	struct cp_http_request req;
	struct cp_http_response *resp = NULL;
	const char *url, *name;
	cp_http *http = NULL;
	char *body = NULL, dummy[8];
	size_t n_blocks = 0;
	int res = CP_SEND_FAILED;
	cp_err r;

	if (why == NULL || why_size == 0) {
		why = dummy;
		why_size = sizeof(dummy);
	}
	why[0] = '\0';
	name = json_string_value(json_object_get(dest, "name"));
	if (name == NULL)
		name = "(unnamed)";
	url = sl_dest_url(dest, why, why_size);
	if (url == NULL)
		goto out;
	if (!json_is_object(message)) {
		sl_why(why, why_size, "the message is not a JSON object");
		goto out;
	}
	body = sl_payload(c, message, &n_blocks);
	if (body == NULL) {
		sl_why(why, why_size, "out of memory building the message");
		res = CP_SEND_RETRY;
		goto out;
	}
	http = c->host->http_new(c->self);
	if (http == NULL) {
		sl_why(why, why_size, "no HTTP client (out of memory, or the "
		    "host lends none)");
		res = CP_SEND_RETRY;
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.struct_size = sizeof(req);
	req.flags = CP_HTTP_F_NO_RETRY_STATUS;
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = strlen(body);
	req.timeout_ms = c->timeout_ms;
	req.max_body = SL_ANSWER_MAX;
	req.max_retries = -1;
	r = c->host->http_perform(http, &req, &resp);
	if (r != CP_OK)
		res = sl_transport(c, http, r, url, why, why_size);
	else
		res = sl_outcome(c, resp, url, why, why_size);
out:
	if (res == CP_SEND_OK)
		c->host->log(c->self, CP_LOG_DEBUG, "destination '%.64s': "
		    "sent %zu blocks in %zu bytes", name, n_blocks,
		    body != NULL ? strlen(body) : 0);
	else
		c->host->log(c->self, CP_LOG_WARNING, "destination '%.64s': "
		    "%s%s", name, why, res == CP_SEND_RETRY ?
		    " (will retry)" : "");
	c->host->http_response_free(resp);
	c->host->http_free(http);
	free(body);
	return res;
}

/* ------------------------------------------------------------ plugin */

static cp_err
sl_init(const struct cp_host *host, cp_plugin *self, void **ctx)
{
	struct sl_ctx *c;
	long long timeout = host->config_get_int(self, "timeout");
	long long max_blocks = host->config_get_int(self, "max_blocks");

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return CP_E_NOMEM;
	c->host = host;
	c->self = self;
	c->timeout_ms = (timeout >= 1 && timeout <= 300 ? (long)timeout :
	    15) * 1000;
	c->max_blocks = max_blocks >= 2 && max_blocks <= SL_BLOCKS_MAX ?
	    (size_t)max_blocks : SL_BLOCKS_MAX;
	*ctx = c;
	return CP_OK;
}

static void
sl_fini(void *ctx)
{
	free(ctx);
}

static const struct cp_config_key sl_config[] = {
	{ "timeout", CP_CFG_INT, 0, "15", 1, 300,
	    "seconds one post to Slack may take" },
	{ "max_blocks", CP_CFG_INT, 0, "50", 2, SL_BLOCKS_MAX,
	    "most Block Kit blocks in one message (Slack takes 50)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

static const struct cp_notifier_ops sl_notifier = {
	.struct_size = sizeof(sl_notifier),
	.dest_type = "slack",
	.check_destination = sl_check_destination,
	.send = sl_send,
};

static const struct cp_capability sl_caps[] = {
	{ CP_CAP_NOTIFIER, sizeof(sl_notifier), &sl_notifier },
	{ CP_CAP_END, 0, NULL }
};

static const struct cp_plugin_descriptor sl_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(sl_desc),
	.name = "notify-slack",
	.version = "1.0.0",
	.description = "posts notifications to Slack incoming webhooks",
	.caps = sl_caps,
	.config = sl_config,
	.init = sl_init,
	.fini = sl_fini,
};

CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
{
	(void)host_minor;
	return host_major == CP_ABI_MAJOR ? &sl_desc : NULL;
}
