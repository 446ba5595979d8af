/*
 * mime.c - writes the mail plugin's messages (see mime.h).
 *
 * Header text that is not plain ASCII travels as RFC 2047 "B" encoded
 * words.  A word is at most 75 characters and its line at most
 * NM_LINE_MAX, so a long subject becomes several words on folded lines;
 * a word never splits a UTF-8 character, because a decoder may decode
 * each word on its own.  Bodies are base64: whatever the text holds, the
 * lines on the wire stay short and no line can start with a dot or look
 * like a boundary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mime.h"

/* "=?UTF-8?B?" + "?=": what an encoded word adds to its base64. */
#define NM_EW_OVERHEAD 12
/* Longest encoded word (RFC 2047 section 2). */
#define NM_EW_MAX 75
/* Base64 characters per body line (RFC 2045 allows at most 76). */
#define NM_B64_LINE 76

static const char nm_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
nm_buf_add(struct nm_buf *b, const char *s, size_t n)
{
	size_t want;
	char *p;

	if (b->failed)
		return -1;
	if (n >= ((size_t)-1) / 2 - b->len) {
		b->failed = 1;
		return -1;
	}
	if (b->len + n + 1 > b->cap) {
		want = b->cap == 0 ? 1024 : b->cap;
		while (want < b->len + n + 1)
			want *= 2;
		p = realloc(b->p, want);
		if (p == NULL) {
			b->failed = 1;
			return -1;
		}
		b->p = p;
		b->cap = want;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
nm_buf_adds(struct nm_buf *b, const char *s)
{
	return nm_buf_add(b, s, strlen(s));
}

void
nm_buf_free(struct nm_buf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int
nm_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, need;
	unsigned long cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			need = 1;
			cp = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			need = 2;
			cp = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			need = 3;
			cp = s[i] & 0x07;
		} else {
			return 0;
		}
		if (n - i <= need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* Whether a domain label character. */
static int
nm_is_ldh(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

int
nm_addr_check(const char *addr, char *why, size_t why_size)
{
	const char *at, *p, *label;
	size_t len;

	if (addr == NULL || *addr == '\0') {
		snprintf(why, why_size, "is empty");
		return -1;
	}
	len = strnlen(addr, NM_ADDR_MAX + 1);
	if (len > NM_ADDR_MAX) {
		snprintf(why, why_size, "is longer than %d bytes",
		    NM_ADDR_MAX);
		return -1;
	}
	for (p = addr; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\r' || c == '\n') {
			snprintf(why, why_size, "contains a line break");
			return -1;
		}
		if (c <= 0x20 || c >= 0x7f) {
			snprintf(why, why_size, "contains a blank, a control "
			    "or a non-ASCII character");
			return -1;
		}
		if (strchr("<>()[]\\,;:\"", c) != NULL) {
			snprintf(why, why_size, "contains the character '%c'",
			    c);
			return -1;
		}
	}
	at = strchr(addr, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL) {
		snprintf(why, why_size, "is not of the form local@domain");
		return -1;
	}
	if (at == addr || at - addr > 64) {
		snprintf(why, why_size, "has a local part that is empty or "
		    "longer than 64 bytes");
		return -1;
	}
	if (addr[0] == '.' || at[-1] == '.' || strstr(addr, "..") != NULL) {
		snprintf(why, why_size, "has a misplaced dot");
		return -1;
	}
	/* The domain: labels of letters, digits and inner hyphens. */
	label = at + 1;
	if (*label == '\0') {
		snprintf(why, why_size, "has no domain");
		return -1;
	}
	for (p = label;; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || p - label > 63 || *label == '-' ||
			    p[-1] == '-') {
				snprintf(why, why_size, "has a domain that is "
				    "not a host name");
				return -1;
			}
			if (*p == '\0')
				break;
			label = p + 1;
		} else if (!nm_is_ldh((unsigned char)*p)) {
			snprintf(why, why_size, "has a domain that is not a "
			    "host name");
			return -1;
		}
	}
	return 0;
}

int
nm_msgid_check(const char *id, char *why, size_t why_size)
{
	size_t len, i;
	const char *at;

	if (id == NULL) {
		snprintf(why, why_size, "is missing");
		return -1;
	}
	len = strnlen(id, NM_MSGID_MAX + 1);
	if (len > NM_MSGID_MAX) {
		snprintf(why, why_size, "is longer than %d bytes",
		    NM_MSGID_MAX);
		return -1;
	}
	if (len < 5 || id[0] != '<' || id[len - 1] != '>') {
		snprintf(why, why_size, "is not of the form <left@right>");
		return -1;
	}
	for (i = 1; i < len - 1; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>') {
			snprintf(why, why_size, "contains a blank, a bracket "
			    "or a character that is not printable ASCII");
			return -1;
		}
	}
	at = memchr(id + 1, '@', len - 2);
	if (at == NULL || at == id + 1 || at == id + len - 2) {
		snprintf(why, why_size, "is not of the form <left@right>");
		return -1;
	}
	return 0;
}

void
nm_date(time_t t, char *buf, size_t n)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	/* Fixed English names: strftime would follow the locale. */
	if (gmtime_r(&t, &tm) == NULL) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	snprintf(buf, n, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Base64 of s[0..n) (n <= 57) into out, NUL-terminated; its length. */
static size_t
nm_b64_chunk(const unsigned char *s, size_t n, char *out)
{
	size_t i, o = 0;
	unsigned long v;

	for (i = 0; i < n; i += 3) {
		v = (unsigned long)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		out[o++] = nm_b64[(v >> 18) & 63];
		out[o++] = nm_b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? nm_b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? nm_b64[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/*
 * Writes s[0..n) as encoded words starting at column *col, folding before
 * a word that would pass NM_LINE_MAX; *col is the column after the last
 * word.  Each word takes as many whole UTF-8 characters as fit.
 */
static int
nm_encoded_words(struct nm_buf *b, const char *s, size_t n, size_t *col)
{
	char word[NM_EW_OVERHEAD + 68], enc[64];
	size_t avail, max, k;

	while (n > 0) {
		avail = NM_LINE_MAX > *col ? NM_LINE_MAX - *col : 0;
		if (avail > NM_EW_MAX)
			avail = NM_EW_MAX;
		max = avail >= NM_EW_OVERHEAD + 4 ?
		    (avail - NM_EW_OVERHEAD) / 4 * 3 : 0;
		k = max < n ? max : n;
		/* Never end a word inside a character. */
		while (k > 0 && k < n && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
		if (k == 0) {
			if (*col <= 1)
				return -1;	/* cannot happen: max >= 45 */
			if (nm_buf_adds(b, "\r\n ") != 0)
				return -1;
			*col = 1;
			continue;
		}
		nm_b64_chunk((const unsigned char *)s, k, enc);
		snprintf(word, sizeof(word), "=?UTF-8?B?%s?=", enc);
		if (nm_buf_adds(b, word) != 0)
			return -1;
		*col += strlen(word);
		s += k;
		n -= k;
		if (n > 0) {
			if (nm_buf_adds(b, "\r\n ") != 0)
				return -1;
			*col = 1;
		}
	}
	return 0;
}

/* Whether s is printable ASCII (space to tilde) only. */
static int
nm_printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

int
nm_header_text(struct nm_buf *b, const char *name, const char *value)
{
	size_t col = strlen(name) + 2;

	if (nm_buf_adds(b, name) != 0 || nm_buf_adds(b, ": ") != 0)
		return -1;
	if (nm_printable_ascii(value) && strstr(value, "=?") == NULL &&
	    col + strlen(value) <= NM_LINE_MAX) {
		if (nm_buf_adds(b, value) != 0)
			return -1;
	} else if (nm_encoded_words(b, value, strlen(value), &col) != 0) {
		return -1;
	}
	return nm_buf_adds(b, "\r\n");
}

int
nm_header_mailbox(struct nm_buf *b, const char *name, const char *display,
    const char *addr)
{
	struct nm_buf q = { 0 };
	size_t col = strlen(name) + 2;
	const char *p;
	int r = -1;

	if (nm_buf_adds(b, name) != 0 || nm_buf_adds(b, ": ") != 0)
		return -1;
	if (display != NULL && *display != '\0') {
		/* A quoted string when it is plain ASCII and fits. */
		if (nm_printable_ascii(display) &&
		    strstr(display, "=?") == NULL) {
			nm_buf_adds(&q, "\"");
			for (p = display; *p != '\0'; p++) {
				if (*p == '"' || *p == '\\')
					nm_buf_adds(&q, "\\");
				nm_buf_add(&q, p, 1);
			}
			nm_buf_adds(&q, "\"");
			if (q.failed)
				goto out;
		}
		if (q.len > 0 && col + q.len <= NM_LINE_MAX) {
			if (nm_buf_add(b, q.p, q.len) != 0)
				goto out;
			col += q.len;
		} else if (nm_encoded_words(b, display, strlen(display),
		    &col) != 0) {
			goto out;
		}
		if (col + 3 + strlen(addr) <= NM_LINE_MAX) {
			if (nm_buf_adds(b, " ") != 0)
				goto out;
		} else if (nm_buf_adds(b, "\r\n ") != 0) {
			goto out;
		}
	}
	if (nm_buf_adds(b, "<") != 0 || nm_buf_adds(b, addr) != 0 ||
	    nm_buf_adds(b, ">\r\n") != 0)
		goto out;
	r = 0;
out:
	nm_buf_free(&q);
	return r;
}

/* Base64 output state: three bytes waiting, one line being filled. */
struct nm_b64 {
	struct nm_buf *b;
	unsigned char in[3];
	size_t nin;
	char line[NM_B64_LINE + 3];
	size_t col;
};

static void
nm_b64_flush_line(struct nm_b64 *e)
{
	e->line[e->col++] = '\r';
	e->line[e->col++] = '\n';
	nm_buf_add(e->b, e->line, e->col);
	e->col = 0;
}

static void
nm_b64_put(struct nm_b64 *e, unsigned char c)
{
	char quad[5];

	e->in[e->nin++] = c;
	if (e->nin < 3)
		return;
	nm_b64_chunk(e->in, 3, quad);
	memcpy(e->line + e->col, quad, 4);
	e->col += 4;
	e->nin = 0;
	if (e->col == NM_B64_LINE)
		nm_b64_flush_line(e);
}

int
nm_base64_body(struct nm_buf *b, const char *data, size_t n, int text)
{
	struct nm_b64 e;
	char quad[5];
	size_t i;

	memset(&e, 0, sizeof(e));
	e.b = b;
	for (i = 0; i < n && !b->failed; i++) {
		unsigned char c = (unsigned char)data[i];

		if (text && (c == '\r' || c == '\n')) {
			nm_b64_put(&e, '\r');
			nm_b64_put(&e, '\n');
			if (c == '\r' && i + 1 < n && data[i + 1] == '\n')
				i++;
		} else {
			nm_b64_put(&e, c);
		}
	}
	if (e.nin > 0) {
		nm_b64_chunk(e.in, e.nin, quad);
		memcpy(e.line + e.col, quad, 4);
		e.col += 4;
	}
	if (e.col > 0)
		nm_b64_flush_line(&e);
	return b->failed ? -1 : 0;
}

/* "To: a@x, b@y" folded between addresses. */
static int
nm_header_addrs(struct nm_buf *b, const char *name, const char *const *to,
    size_t n)
{
	size_t col = strlen(name) + 2, i, len;

	nm_buf_adds(b, name);
	nm_buf_adds(b, ": ");
	for (i = 0; i < n; i++) {
		len = strlen(to[i]) + (i + 1 < n ? 1 : 0);
		if (i > 0) {
			if (col + 1 + len > NM_LINE_MAX) {
				nm_buf_adds(b, "\r\n ");
				col = 1;
			} else {
				nm_buf_adds(b, " ");
				col++;
			}
		}
		nm_buf_adds(b, to[i]);
		if (i + 1 < n)
			nm_buf_adds(b, ",");
		col += len;
	}
	nm_buf_adds(b, "\r\n");
	return b->failed ? -1 : 0;
}

/* A boundary that base64 text can never contain: "=_" leads it. */
static int
nm_boundary_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 3 && n <= 60 && strncmp(s, "=_", 2) == 0 &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789=_.-") == n;
}

/* Checks what would break the message; 0 or -1 with why. */
static int
nm_mail_check(const struct nm_mail *m, char *why, size_t why_size)
{
	char what[160];
	size_t i;

	if (nm_addr_check(m->from_addr, what, sizeof(what)) != 0) {
		snprintf(why, why_size, "the sender address %s", what);
		return -1;
	}
	if (m->n_to == 0) {
		snprintf(why, why_size, "no recipient");
		return -1;
	}
	for (i = 0; i < m->n_to; i++)
		if (nm_addr_check(m->to[i], what, sizeof(what)) != 0) {
			snprintf(why, why_size, "recipient %zu %s", i + 1,
			    what);
			return -1;
		}
	if (m->subject == NULL || strpbrk(m->subject, "\r\n") != NULL) {
		snprintf(why, why_size, "the subject is missing or holds a "
		    "line break");
		return -1;
	}
	if (!nm_utf8_valid(m->subject, strlen(m->subject)) ||
	    (m->from_name != NULL && !nm_utf8_valid(m->from_name,
	    strlen(m->from_name)))) {
		snprintf(why, why_size, "the subject or the sender's name is "
		    "not UTF-8");
		return -1;
	}
	if (m->from_name != NULL && strpbrk(m->from_name, "\r\n") != NULL) {
		snprintf(why, why_size, "the sender's name holds a line "
		    "break");
		return -1;
	}
	if (m->text == NULL || !nm_utf8_valid(m->text, m->text_len) ||
	    (m->html != NULL && !nm_utf8_valid(m->html, m->html_len))) {
		snprintf(why, why_size, "the text or the HTML is missing or "
		    "not UTF-8");
		return -1;
	}
	if (nm_msgid_check(m->message_id, what, sizeof(what)) != 0) {
		snprintf(why, why_size, "the Message-ID %s", what);
		return -1;
	}
	if (m->html != NULL && (m->boundary == NULL ||
	    !nm_boundary_ok(m->boundary))) {
		snprintf(why, why_size, "bad MIME boundary");
		return -1;
	}
	return 0;
}

/* The headers and body of one text part. */
static void
nm_part(struct nm_buf *b, const char *subtype, const char *data, size_t n)
{
	nm_buf_adds(b, "Content-Type: text/");
	nm_buf_adds(b, subtype);
	nm_buf_adds(b, "; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	nm_base64_body(b, data, n, 1);
}

cp_err
nm_mail_build(const struct nm_mail *m, char **out, size_t *len, char *why,
    size_t why_size)
{
	struct nm_buf b = { 0 };
	char date[64];

	*out = NULL;
	*len = 0;
	if (nm_mail_check(m, why, why_size) != 0)
		return CP_E_INVALID;
	nm_header_mailbox(&b, "From", m->from_name, m->from_addr);
	nm_header_addrs(&b, "To", m->to, m->n_to);
	nm_header_text(&b, "Subject", m->subject);
	nm_date(m->date, date, sizeof(date));
	nm_buf_adds(&b, "Date: ");
	nm_buf_adds(&b, date);
	nm_buf_adds(&b, "\r\nMessage-ID: ");
	nm_buf_adds(&b, m->message_id);
	/* RFC 3834: keeps vacation responders from answering. */
	nm_buf_adds(&b, "\r\nAuto-Submitted: auto-generated\r\n"
	    "MIME-Version: 1.0\r\n");
	if (m->html == NULL) {
		nm_part(&b, "plain", m->text, m->text_len);
	} else {
		nm_buf_adds(&b, "Content-Type: multipart/alternative;\r\n"
		    " boundary=\"");
		nm_buf_adds(&b, m->boundary);
		nm_buf_adds(&b, "\"\r\n\r\n"
		    "This is a multi-part message in MIME format.\r\n");
		nm_buf_adds(&b, "\r\n--");
		nm_buf_adds(&b, m->boundary);
		nm_buf_adds(&b, "\r\n");
		nm_part(&b, "plain", m->text, m->text_len);
		nm_buf_adds(&b, "\r\n--");
		nm_buf_adds(&b, m->boundary);
		nm_buf_adds(&b, "\r\n");
		nm_part(&b, "html", m->html, m->html_len);
		nm_buf_adds(&b, "\r\n--");
		nm_buf_adds(&b, m->boundary);
		nm_buf_adds(&b, "--\r\n");
	}
	if (b.failed) {
		nm_buf_free(&b);
		snprintf(why, why_size, "out of memory");
		return CP_E_NOMEM;
	}
	*out = b.p;
	*len = b.len;
	return CP_OK;
}
