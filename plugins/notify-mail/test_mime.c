/*
 * test_mime.c - the mail plugin's message writer on its own: encoded words
 * that keep UTF-8 characters whole and lines within 76 columns, quoting of
 * display names, base64 bodies in canonical CRLF form, dates, and the
 * checks of addresses and Message-IDs that keep headers from being
 * injected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cptest.h"

#include "mime.h"

/* Decodes standard base64 (no blanks); its length, or -1. */
static long
b64_decode(const char *s, size_t n, unsigned char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	    "opqrstuvwxyz0123456789+/";
	unsigned long v = 0;
	size_t i, bits = 0;
	long o = 0;
	const char *p;

	for (i = 0; i < n; i++) {
		if (s[i] == '=')
			break;
		p = strchr(tab, s[i]);
		if (p == NULL || s[i] == '\0')
			return -1;
		v = (v << 6) | (unsigned long)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	return o;
}

/* Every line of s ends in CRLF and is at most max long. */
static int
lines_ok(const char *s, size_t max)
{
	const char *nl;

	for (; *s != '\0'; s = nl + 1) {
		nl = strchr(s, '\n');
		if (nl == NULL || nl == s || nl[-1] != '\r')
			return 0;
		if ((size_t)(nl - 1 - s) > max) {
			fprintf(stderr, "line of %zu: %.*s\n",
			    (size_t)(nl - 1 - s), (int)(nl - 1 - s), s);
			return 0;
		}
	}
	return 1;
}

/*
 * Decodes the encoded words of a header written by nm_header_text or the
 * display name of nm_header_mailbox into out, checking that each word is
 * at most 75 characters and valid UTF-8 on its own.  0 on success.
 */
static int
decode_words(const char *h, char *out, size_t n)
{
	unsigned char dec[128];
	const char *p = h, *end;
	size_t len = 0;
	long k;

	while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
		end = strstr(p + 10, "?=");
		if (end == NULL || end + 2 - p > 75)
			return -1;
		k = b64_decode(p + 10, (size_t)(end - p - 10), dec);
		if (k <= 0 || !nm_utf8_valid((char *)dec, (size_t)k) ||
		    len + (size_t)k >= n)
			return -1;
		memcpy(out + len, dec, (size_t)k);
		len += (size_t)k;
		p = end + 2;
	}
	out[len] = '\0';
	return 0;
}

static void
test_mime_encodes_long_subjects(void)
{
	static const char *const subjects[] = {
		"[cloudpatrol] 重大なリスクを検出しました",
		"[cloudpatrol] 日次レポート: 本番環境 "
		    "(prod-account-123456789012) で重大なリスク 12 件、"
		    "高リスク 34 件、中リスク 56 件を検出しました。"
		    "詳しくは本文をご覧ください。",
		"é", "𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞",
		"ab\tcd", NULL
	};
	struct nm_buf b = { 0 };
	char back[2048];
	size_t i;

	for (i = 0; subjects[i] != NULL; i++) {
		b.len = 0;
		CU_ASSERT_EQUAL(nm_header_text(&b, "Subject", subjects[i]), 0);
		CU_ASSERT_FATAL(b.p != NULL);
		CU_ASSERT_EQUAL(strncmp(b.p, "Subject: =?UTF-8?B?", 19), 0);
		CU_ASSERT_TRUE(lines_ok(b.p, 76));
		CU_ASSERT_EQUAL(decode_words(b.p, back, sizeof(back)), 0);
		CU_ASSERT_STRING_EQUAL(back, subjects[i]);
	}
	/* The long one takes several words, one per line. */
	b.len = 0;
	nm_header_text(&b, "Subject", subjects[1]);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.p, "?=\r\n =?UTF-8?B?"));
	nm_buf_free(&b);
	nm_buf_free(NULL);
}

static void
test_mime_keeps_plain_subjects(void)
{
	struct nm_buf b = { 0 };
	char back[256], longer[200];

	CU_ASSERT_EQUAL(nm_header_text(&b, "Subject", "[cloudpatrol] 3 new "
	    "findings"), 0);
	CU_ASSERT_STRING_EQUAL(b.p, "Subject: [cloudpatrol] 3 new "
	    "findings\r\n");
	/* Text that looks like an encoded word is encoded itself. */
	b.len = 0;
	nm_header_text(&b, "Subject", "=?UTF-8?B?QQ==?=");
	CU_ASSERT_EQUAL(decode_words(b.p, back, sizeof(back)), 0);
	CU_ASSERT_STRING_EQUAL(back, "=?UTF-8?B?QQ==?=");
	/* So is ASCII too long for one line. */
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	b.len = 0;
	nm_header_text(&b, "Subject", longer);
	CU_ASSERT_TRUE(lines_ok(b.p, 76));
	CU_ASSERT_EQUAL(decode_words(b.p, back, sizeof(back)), 0);
	CU_ASSERT_STRING_EQUAL(back, longer);
	nm_buf_free(&b);
}

static void
test_mime_writes_mailboxes(void)
{
	struct nm_buf b = { 0 };
	char back[256];

	nm_header_mailbox(&b, "From", "cloudpatrol", "patrol@example.com");
	CU_ASSERT_STRING_EQUAL(b.p, "From: \"cloudpatrol\" "
	    "<patrol@example.com>\r\n");
	b.len = 0;
	nm_header_mailbox(&b, "From", "Cloud \"Patrol\" \\o/", "a@b.example");
	CU_ASSERT_STRING_EQUAL(b.p, "From: \"Cloud \\\"Patrol\\\" \\\\o/\" "
	    "<a@b.example>\r\n");
	b.len = 0;
	nm_header_mailbox(&b, "From", "", "a@b.example");
	CU_ASSERT_STRING_EQUAL(b.p, "From: <a@b.example>\r\n");
	b.len = 0;
	nm_header_mailbox(&b, "From", "クラウドパトロール",
	    "patrol@example.com");
	CU_ASSERT_EQUAL(strncmp(b.p, "From: =?UTF-8?B?", 16), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.p, "?= <patrol@example.com>\r\n"));
	CU_ASSERT_EQUAL(decode_words(b.p, back, sizeof(back)), 0);
	CU_ASSERT_STRING_EQUAL(back, "クラウドパトロール");
	CU_ASSERT_TRUE(lines_ok(b.p, 76));
	/* A long address goes to a line of its own. */
	b.len = 0;
	nm_header_mailbox(&b, "From", "クラウドパトロール",
	    "a-rather-long-sender-address-for-notifications@"
	    "mail.example.com");
	CU_ASSERT_PTR_NOT_NULL(strstr(b.p, "?=\r\n <a-rather-long"));
	CU_ASSERT_TRUE(lines_ok(b.p, 76));
	nm_buf_free(&b);
}

static void
test_mime_checks_addresses(void)
{
	static const char *const good[] = { "a@example.com",
	    "first.last+tag@sub.example.co.jp", "x_y-z@a-b.example", "a@b",
	    "abc123.example.onmicrosoft.com@emea.teams.ms", NULL };
	static const char *const bad[] = { "", "a", "@example.com", "a@",
	    "a b@example.com", "a@exa mple.com", "<a@example.com>",
	    "a@example.com>", "a@@example.com", "a@b@example.com",
	    "a@example.com\r\nBcc: x@y", "a@example.com\n", ".a@example.com",
	    "a.@example.com", "a..b@example.com", "a@-example.com",
	    "a@example-.com", "a@example..com", "a@.example.com",
	    "a@exa_mple.com", "\"a\"@example.com", "a,b@example.com",
	    "ä@example.com", "a@[127.0.0.1]", "a(comment)@example.com", NULL };
	char why[160], longer[300];
	size_t i;

	for (i = 0; good[i] != NULL; i++) {
		CU_ASSERT_EQUAL(nm_addr_check(good[i], why, sizeof(why)), 0);
		if (nm_addr_check(good[i], why, sizeof(why)) != 0)
			fprintf(stderr, "refused %s: %s\n", good[i], why);
	}
	for (i = 0; bad[i] != NULL; i++) {
		CU_ASSERT_EQUAL(nm_addr_check(bad[i], why, sizeof(why)), -1);
		if (nm_addr_check(bad[i], why, sizeof(why)) == 0)
			fprintf(stderr, "accepted %s\n", bad[i]);
	}
	nm_addr_check("a b@example.com", why, sizeof(why));
	CU_ASSERT_STRING_EQUAL(why, "contains a blank, a control or a "
	    "non-ASCII character");
	nm_addr_check("a@b\r\n", why, sizeof(why));
	CU_ASSERT_STRING_EQUAL(why, "contains a line break");
	CU_ASSERT_EQUAL(nm_addr_check(NULL, why, sizeof(why)), -1);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	longer[10] = '@';
	CU_ASSERT_EQUAL(nm_addr_check(longer, why, sizeof(why)), -1);
	/* The local part: at most 64. */
	memset(longer, 'a', 70);
	snprintf(longer + 64, sizeof(longer) - 64, "@example.com");
	CU_ASSERT_EQUAL(nm_addr_check(longer, why, sizeof(why)), 0);
	memset(longer, 'a', 70);
	snprintf(longer + 65, sizeof(longer) - 65, "@example.com");
	CU_ASSERT_EQUAL(nm_addr_check(longer, why, sizeof(why)), -1);
}

static void
test_mime_checks_message_ids(void)
{
	char why[160];

	CU_ASSERT_EQUAL(nm_msgid_check("<cp.42.7@cloudpatrol>", why,
	    sizeof(why)), 0);
	CU_ASSERT_EQUAL(nm_msgid_check("cp.42.7@cloudpatrol", why,
	    sizeof(why)), -1);
	CU_ASSERT_EQUAL(nm_msgid_check("<cp 42@cloudpatrol>", why,
	    sizeof(why)), -1);
	CU_ASSERT_EQUAL(nm_msgid_check("<cp@x>\r\nBcc: a@b", why,
	    sizeof(why)), -1);
	CU_ASSERT_EQUAL(nm_msgid_check("<cp.42>", why, sizeof(why)), -1);
	CU_ASSERT_EQUAL(nm_msgid_check("<@x>", why, sizeof(why)), -1);
	CU_ASSERT_EQUAL(nm_msgid_check("<a<b@x>", why, sizeof(why)), -1);
	CU_ASSERT_EQUAL(nm_msgid_check(NULL, why, sizeof(why)), -1);
}

static void
test_mime_writes_dates(void)
{
	char d[64];

	nm_date(1700000000, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "Tue, 14 Nov 2023 22:13:20 +0000");
	nm_date(0, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	nm_date(951782400, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "Tue, 29 Feb 2000 00:00:00 +0000");
}

static void
test_mime_encodes_bodies(void)
{
	struct nm_buf b = { 0 };
	unsigned char dec[4096];
	char text[1000], *flat, *w;
	const char *r;
	long n;
	size_t i;

	nm_base64_body(&b, "a\nb\r\nc\rd", 8, 1);
	CU_ASSERT_TRUE(lines_ok(b.p, 76));
	n = b64_decode(b.p, b.len - 2, dec);
	CU_ASSERT_EQUAL(n, 10);
	CU_ASSERT_EQUAL(memcmp(dec, "a\r\nb\r\nc\r\nd", 10), 0);
	/* Not text: bytes as they are. */
	b.len = 0;
	nm_base64_body(&b, "a\nb", 3, 0);
	CU_ASSERT_STRING_EQUAL(b.p, "YQpi\r\n");
	b.len = 0;
	b.p[0] = '\0';
	nm_base64_body(&b, "", 0, 1);
	CU_ASSERT_STRING_EQUAL(b.p, "");
	/* Long text: full lines of 76, decoding back to the input. */
	for (i = 0; i < sizeof(text) - 1; i++)
		text[i] = (char)('a' + i % 26);
	text[sizeof(text) - 1] = '\0';
	b.len = 0;
	nm_base64_body(&b, text, strlen(text), 1);
	CU_ASSERT_TRUE(lines_ok(b.p, 76));
	CU_ASSERT_EQUAL(strncmp(b.p + 76, "\r\n", 2), 0);
	flat = malloc(b.len + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(flat);
	for (r = b.p, w = flat; *r != '\0'; r++)
		if (*r != '\r' && *r != '\n')
			*w++ = *r;
	*w = '\0';
	n = b64_decode(flat, strlen(flat), dec);
	CU_ASSERT_EQUAL(n, (long)strlen(text));
	CU_ASSERT_EQUAL(memcmp(dec, text, strlen(text)), 0);
	free(flat);
	nm_buf_free(&b);
}

static void
test_mime_validates_utf8(void)
{
	CU_ASSERT_TRUE(nm_utf8_valid("plain", 5));
	CU_ASSERT_TRUE(nm_utf8_valid("重大", strlen("重大")));
	CU_ASSERT_TRUE(nm_utf8_valid("\xf0\x9d\x84\x9e", 4));
	CU_ASSERT_FALSE(nm_utf8_valid("\xc0\xaf", 2));		/* overlong */
	CU_ASSERT_FALSE(nm_utf8_valid("\xe0\x80\xaf", 3));	/* overlong */
	CU_ASSERT_FALSE(nm_utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	CU_ASSERT_FALSE(nm_utf8_valid("\xf4\x90\x80\x80", 4));	/* > 10FFFF */
	CU_ASSERT_FALSE(nm_utf8_valid("\xe9\x87", 2));		/* cut */
	CU_ASSERT_FALSE(nm_utf8_valid("\x80", 1));
	CU_ASSERT_FALSE(nm_utf8_valid("\xff", 1));
}

static void
test_mime_builds_messages(void)
{
	static const char *const to[] = { "a@example.com", "b@example.org",
	    "c@example.net", "d@example.com", "e@example.com" };
	struct nm_mail m;
	char *out = NULL, why[256];
	size_t len;

	memset(&m, 0, sizeof(m));
	m.from_addr = "patrol@example.com";
	m.from_name = "cloudpatrol";
	m.to = to;
	m.n_to = 5;
	m.subject = "[cloudpatrol] 重大なリスクを検出しました";
	m.text = "line 1\nline 2\n";
	m.text_len = strlen(m.text);
	m.html = "<p>line 1</p>\n";
	m.html_len = strlen(m.html);
	m.message_id = "<cp.1.2@cloudpatrol>";
	m.date = 1700000000;
	m.boundary = "=_cp_0123456789abcdef";
	CU_ASSERT_EQUAL_FATAL(nm_mail_build(&m, &out, &len, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_EQUAL(strlen(out), len);
	CU_ASSERT_TRUE(lines_ok(out, 76));
	CU_ASSERT_EQUAL(strncmp(out, "From: \"cloudpatrol\" "
	    "<patrol@example.com>\r\nTo: a@example.com, b@example.org, "
	    "c@example.net, d@example.com,\r\n e@example.com\r\n", 107), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\nDate: Tue, 14 Nov 2023 "
	    "22:13:20 +0000\r\nMessage-ID: <cp.1.2@cloudpatrol>\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative;\r\n boundary=\""
	    "=_cp_0123456789abcdef\"\r\n\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\n--=_cp_0123456789abcdef\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\n--=_cp_0123456789abcdef\r\n"
	    "Content-Type: text/html; charset=UTF-8\r\n"));
	CU_ASSERT_EQUAL(strcmp(out + len - 29,
	    "\r\n--=_cp_0123456789abcdef--\r\n"), 0);
	free(out);

	/* Without HTML: one text/plain part. */
	m.html = NULL;
	CU_ASSERT_EQUAL_FATAL(nm_mail_build(&m, &out, &len, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "bGluZSAxDQpsaW5lIDINCg==\r\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "boundary"));
	free(out);

	/* What would inject headers or break the message. */
	m.subject = "x\r\nBcc: evil@example.com";
	CU_ASSERT_EQUAL(nm_mail_build(&m, &out, &len, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_STRING_EQUAL(why, "the subject is missing or holds a line "
	    "break");
	m.subject = "ok";
	m.from_name = "Name\nBcc: x@y";
	CU_ASSERT_EQUAL(nm_mail_build(&m, &out, &len, why, sizeof(why)),
	    CP_E_INVALID);
	m.from_name = "ok";
	m.message_id = "<a@b>\r\nX: y";
	CU_ASSERT_EQUAL(nm_mail_build(&m, &out, &len, why, sizeof(why)),
	    CP_E_INVALID);
	m.message_id = "<a@b>";
	m.text = "\xff";
	m.text_len = 1;
	CU_ASSERT_EQUAL(nm_mail_build(&m, &out, &len, why, sizeof(why)),
	    CP_E_INVALID);
	m.text = "ok";
	m.text_len = 2;
	m.html = "<p/>";
	m.html_len = 4;
	m.boundary = "plain-boundary";
	CU_ASSERT_EQUAL(nm_mail_build(&m, &out, &len, why, sizeof(why)),
	    CP_E_INVALID);
	m.boundary = "=_ok";
	m.n_to = 0;
	CU_ASSERT_EQUAL(nm_mail_build(&m, &out, &len, why, sizeof(why)),
	    CP_E_INVALID);
	m.n_to = 1;
	CU_ASSERT_EQUAL(nm_mail_build(&m, &out, &len, why, sizeof(why)),
	    CP_OK);
	free(out);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "encodes long subjects", test_mime_encodes_long_subjects },
		{ "keeps plain subjects", test_mime_keeps_plain_subjects },
		{ "writes mailboxes", test_mime_writes_mailboxes },
		{ "checks addresses", test_mime_checks_addresses },
		{ "checks message ids", test_mime_checks_message_ids },
		{ "writes dates", test_mime_writes_dates },
		{ "encodes bodies", test_mime_encodes_bodies },
		{ "validates UTF-8", test_mime_validates_utf8 },
		{ "builds messages", test_mime_builds_messages },
		{ NULL, NULL }
	};

	return cp_test_run("plugins/notify-mail/mime", tests);
}
