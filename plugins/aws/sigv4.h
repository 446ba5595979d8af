/*
 * sigv4.h - AWS Signature Version 4, as the plugin and the test tool use it.
 *
 * Pure functions over strings: no I/O, no clock (the caller passes the
 * time), no global state, so the official test suite checks them exactly.
 */
#ifndef AWS_SIGV4_H
#define AWS_SIGV4_H

#include <stddef.h>
#include <time.h>

#include <cloudpatrol/err.h>
#include <cloudpatrol/http.h>

/* The path is signed as given: S3 (no dot-segment removal, no re-encoding). */
#define AWS_SIGV4_NO_NORMALIZE 0x1u
/* Add X-Amz-Content-Sha256 (S3 wants the payload hash as a header). */
#define AWS_SIGV4_CONTENT_SHA256 0x2u

struct aws_sigv4_key {
	const char *access_key;
	const char *secret_key;
	const char *session_token;	/* NULL: none */
	const char *region;		/* "us-east-1" */
	const char *service;		/* the signing name: "ec2", "s3"... */
};

/*
 * One request to sign.  headers are "Name: value" lines exactly as they will
 * be sent (they must include Host); a line starting with whitespace continues
 * the one before it (obsolete folding, as in the suite).  path_query is the
 * request target as sent ("/path?query"), already percent-encoded.
 */
struct aws_sigv4_req {
	const char *method;
	const char *path_query;
	const char *const *headers;
	size_t n_headers;
	const void *body;
	size_t body_len;
	time_t when;
	unsigned flags;			/* AWS_SIGV4_* */
};

/* What signing produced; every string is malloc'd (free with _out_free). */
struct aws_sigv4_out {
	char *canonical_request;
	char *string_to_sign;
	char *authorization;		/* the value of the Authorization header */
	char amz_date[17];		/* "20150830T123600Z" */
	char payload_hash[65];		/* lower-case hex SHA-256 of the body */
};

/*
 * Signs r with k.  X-Amz-Date (from r->when) and X-Amz-Security-Token
 * (when k has a session token) are signed as if they were among the
 * headers, unless r->headers already has them.  CP_E_INVALID when the
 * request is malformed (no Host, a bad header line), CP_E_NOMEM.
 */
cp_err aws_sigv4_sign(const struct aws_sigv4_key *k,
    const struct aws_sigv4_req *r, struct aws_sigv4_out *out);
void aws_sigv4_out_free(struct aws_sigv4_out *out);

/*
 * A cp_http_sign_fn for the core HTTP client: ud is a struct
 * aws_sigv4_signer.  Signs req (its URL gives Host and the path, its
 * headers and body the rest) at signer->now() and adds X-Amz-Date,
 * X-Amz-Security-Token, X-Amz-Content-Sha256 (with the flag) and
 * Authorization through add().
 */
struct aws_sigv4_signer {
	struct aws_sigv4_key key;
	unsigned flags;
	time_t (*now)(void *now_ud);
	void *now_ud;
};
cp_err aws_sigv4_http_sign(void *ud, const struct cp_http_request *req,
    cp_http_add_header_fn add, void *add_ctx);

/* Percent-encodes s per SigV4 (unreserved kept; '/' kept when keep_slash). */
char *aws_uri_encode(const char *s, size_t n, int keep_slash);

/*
 * Bounds on what is signed (every input may come from outside): beyond
 * them aws_sigv4_sign and aws_sigv4_http_sign answer CP_E_LIMIT.
 */
#define AWS_SIGV4_MAX_TARGET 16384	/* a URL, or a path and query */
#define AWS_SIGV4_MAX_HEADERS 128	/* header lines of one request */
#define AWS_SIGV4_MAX_HEADER_BYTES 65536 /* all of them, token included */
#define AWS_SIGV4_MAX_FIELD 256		/* key id, secret, region, service */
#define AWS_SIGV4_MAX_HOST 512		/* the authority of a URL */

/*
 * aws_sigv4_sign that also says what was wrong: on failure, when why is not
 * NULL, a NUL-terminated English sentence naming the bad part ("header line
 * 3 has no ':'") is written to why[0..why_len).
 */
cp_err aws_sigv4_sign_why(const struct aws_sigv4_key *k,
    const struct aws_sigv4_req *r, struct aws_sigv4_out *out, char *why,
    size_t why_len);

#endif /* AWS_SIGV4_H */
