/*
 * mime.h - the mail plugin's message writer: an RFC 5322 message with MIME
 * parts (RFC 2045/2046), non-ASCII header text as RFC 2047 encoded words,
 * CRLF line ends, header lines within 76 columns where the writer chooses
 * the breaks, and bodies in base64 lines of 76 characters.
 *
 * Everything here is pure: no I/O, no clock, no randomness (the caller
 * gives the date and the MIME boundary), so that it is tested alone.
 * All names are internal to the plugin (hidden by -fvisibility=hidden).
 */
#ifndef NM_MIME_H
#define NM_MIME_H

#include <stddef.h>
#include <time.h>

#include <cloudpatrol/err.h>

/* Longest address accepted (RFC 5321: 64 local + "@" + 255 domain, less). */
#define NM_ADDR_MAX 254
/* Longest Message-ID accepted, brackets included. */
#define NM_MSGID_MAX 250
/* Longest line of a header the writer folds (RFC 2047 wants 76). */
#define NM_LINE_MAX 76

/* A growing buffer; a failed allocation sticks in failed. */
struct nm_buf {
	char *p;		/* NUL-terminated, owned */
	size_t len, cap;
	int failed;
};

/* Appends n bytes; 0 on success, -1 when out of memory (sticky). */
int nm_buf_add(struct nm_buf *b, const char *s, size_t n);
int nm_buf_adds(struct nm_buf *b, const char *s);
void nm_buf_free(struct nm_buf *b);

/* Whether s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
int nm_utf8_valid(const char *s, size_t n);

/*
 * Checks an envelope address: local@domain in printable ASCII without
 * blanks, quotes, brackets or other specials, a domain of dot-separated
 * labels [A-Za-z0-9-] (not starting or ending with '-'), at most
 * NM_ADDR_MAX bytes.  Returns 0, or -1 with a sentence in why that does
 * not repeat the address.
 */
int nm_addr_check(const char *addr, char *why, size_t why_size);

/*
 * Checks a Message-ID: "<left@right>" in printable ASCII without blanks
 * or further brackets, at most NM_MSGID_MAX bytes.  0 or -1 with why.
 */
int nm_msgid_check(const char *id, char *why, size_t why_size);

/* "Tue, 14 Nov 2023 22:13:20 +0000" for t in UTC (n >= 32). */
void nm_date(time_t t, char *buf, size_t n);

/*
 * Writes "Name: value\r\n" with value as unstructured text: kept as it is
 * when it is printable ASCII that fits on the line and holds no "=?";
 * otherwise as UTF-8 "B" encoded words folded so that no line passes
 * NM_LINE_MAX, each word holding whole UTF-8 characters.  value must be
 * valid UTF-8 without CR, LF or NUL (the caller checks).
 */
int nm_header_text(struct nm_buf *b, const char *name, const char *value);

/*
 * Writes "Name: display <addr>\r\n": the display name quoted when it is
 * printable ASCII, in encoded words otherwise, the address on a folded
 * line when it does not fit.
 */
int nm_header_mailbox(struct nm_buf *b, const char *name,
    const char *display, const char *addr);

/*
 * Writes data in base64 lines of 76 characters ending in CRLF, after
 * turning its line ends (LF, CR or CRLF) into CRLF when text is non-zero
 * (the canonical form of RFC 2045 for text parts).
 */
int nm_base64_body(struct nm_buf *b, const char *data, size_t n, int text);

/* What a message is made of; every string borrowed. */
struct nm_mail {
	const char *from_addr;
	const char *from_name;		/* UTF-8 */
	const char *const *to;
	size_t n_to;
	const char *subject;		/* UTF-8, one line */
	const char *text;		/* UTF-8 */
	size_t text_len;
	const char *html;		/* UTF-8 or NULL */
	size_t html_len;
	const char *message_id;		/* "<...@...>" */
	time_t date;
	const char *boundary;		/* "=_" + [A-Za-z0-9=_.-]: never in
					   base64 text; at most 60 */
};

/*
 * Builds the whole message.  On success *out is owned by the caller
 * (free()) and *len its length.  CP_E_INVALID with why for input that
 * would break the message (CR or LF in the subject, a bad address or
 * Message-ID, text that is not UTF-8), CP_E_NOMEM.
 */
cp_err nm_mail_build(const struct nm_mail *m, char **out, size_t *len,
    char *why, size_t why_size);

#endif /* NM_MIME_H */
