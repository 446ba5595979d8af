/*
 * sigv4-sign - signs one raw HTTP request file with plugins/aws/sigv4.c and
 * prints what the AWS SigV4 test suite keeps for each case, so a shell can
 * compare them byte for byte (tests/plugins/aws/sigv4-suite.sh).
 *
 * The request file is laid out like the suite's NAME.req: a request line
 * "METHOD TARGET HTTP/1.1" (the target may hold spaces and raw UTF-8: it is
 * everything between the first and the last space), header lines (a line
 * starting with a space or tab continues the one before), then optionally
 * a blank line and the body.  Lines end with LF or CRLF.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sigv4.h"

#define PROG "sigv4-sign"
#define MAX_REQUEST_FILE (1024 * 1024)	/* bytes of one request file */
#define EXIT_BAD_INPUT 1
#define EXIT_USAGE 2
#define WHY_LEN 256
#define SECS_PER_DAY 86400L

/* The suite's credentials and clock. */
#define SUITE_ACCESS_KEY "AKIDEXAMPLE"
#define SUITE_SECRET_KEY "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_REGION "us-east-1"
#define SUITE_SERVICE "service"
#define SUITE_TIME "2015-08-30T12:36:00Z"

enum part { PART_ALL, PART_CREQ, PART_STS, PART_AUTHZ, PART_SREQ };

/* One parsed request file; the strings point into buf. */
struct raw_req {
	char *buf;
	char *method;
	char *target;
	char *request_line;
	char **headers;
	size_t n_headers;
	const char *body;
	size_t body_len;
	int has_body;			/* a blank line was there */
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [OPTION]... REQUEST-FILE\n"
"Signs the raw HTTP request in REQUEST-FILE with AWS Signature Version 4\n"
"and prints the canonical request, the string to sign and the signed\n"
"request, laid out exactly as the AWS SigV4 test suite's NAME.creq,\n"
"NAME.sts and NAME.sreq files.\n"
"\n"
"  --access-key K          access key id (default " SUITE_ACCESS_KEY ")\n"
"  --secret-key S          secret access key (default: the suite's)\n"
"  --session-token T       sign with session token T (X-Amz-Security-Token\n"
"                          is signed and added to the signed request)\n"
"  --session-token-after T add X-Amz-Security-Token: T to the signed request\n"
"                          after signing, unsigned (post-sts-header-after)\n"
"  --region R              region (default " SUITE_REGION ")\n"
"  --service SVC           signing name (default " SUITE_SERVICE ")\n"
"  --time T                signing time, 2015-08-30T12:36:00Z or\n"
"                          20150830T123600Z (default " SUITE_TIME ")\n"
"  --no-normalize          sign the path as given (S3)\n"
"  --content-sha256        sign and add X-Amz-Content-Sha256 (S3)\n"
"  --part creq|sts|authz|sreq\n"
"                          print only that part, byte for byte as the suite's\n"
"                          file of that name (no newline added)\n"
"  --help                  this text\n"
"\n"
"Without --part the output has three sections, each a line \"#### NAME\"\n"
"(creq, sts, sreq), then the part's bytes, then one newline.\n"
"\n"
"Added headers appear in the signed request after the request's own lines\n"
"as \"Name:value\" (X-Amz-Date when the request had none,\n"
"X-Amz-Security-Token, X-Amz-Content-Sha256), then \"Authorization: ...\";\n"
"then, when the request had a body, a blank line and the body.\n"
"\n"
"Exit status: 0 signed, 1 bad input (unreadable file, no request line,\n"
"bad time, a request that cannot be signed), 2 bad usage.\n");
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long
days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(long y, long m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mdays[m - 1] + (m == 2 && leap);
}

/* Reads n digits of s into *v; -1 when they are not all digits. */
static int
digits(const char *s, int n, long *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* "2015-08-30T12:36:00Z" or "20150830T123600Z" → *t; -1 when neither. */
static int
parse_time(const char *s, time_t *t)
{
	long y, mo, d, h, mi, se;
	int ext = strlen(s) == 20;

	if (ext) {
		if (s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
		    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
			return -1;
		if (digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
		    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
		    digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
			return -1;
	} else {
		if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
			return -1;
		if (digits(s, 4, &y) || digits(s + 4, 2, &mo) ||
		    digits(s + 6, 2, &d) || digits(s + 9, 2, &h) ||
		    digits(s + 11, 2, &mi) || digits(s + 13, 2, &se))
			return -1;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
		return -1;
	*t = (time_t)(days_from_civil(y, mo, d) * SECS_PER_DAY + h * 3600 +
	    mi * 60 + se);
	return 0;
}

/* The whole file, NUL-terminated; NULL with a message on failure. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, PROG ": %s: cannot open: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_REQUEST_FILE + 1);
	if (buf == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	n = fread(buf, 1, MAX_REQUEST_FILE + 1, f);
	if (ferror(f)) {
		fprintf(stderr, PROG ": %s: cannot read: %s\n", path,
		    strerror(errno));
		goto fail;
	}
	if (n > MAX_REQUEST_FILE) {
		fprintf(stderr, PROG ": %s: larger than %d bytes\n", path,
		    MAX_REQUEST_FILE);
		goto fail;
	}
	buf[n] = '\0';
	*len = n;
	goto out;
fail:
	free(buf);
	buf = NULL;
out:
	fclose(f);
	return buf;
}

/*
 * Cuts the line at *pos (ending with LF, CRLF or the end of buf) and
 * moves *pos past it; NULL at the end of buf.  *nul is set when the line
 * holds a NUL byte (a header cannot; a body may).
 */
static char *
next_line(char *buf, size_t len, size_t *pos, int *nul)
{
	char *line, *nl;
	size_t n;

	if (*pos >= len)
		return NULL;
	line = buf + *pos;
	nl = memchr(line, '\n', len - *pos);
	n = nl != NULL ? (size_t)(nl - line) : len - *pos;
	*nul = memchr(line, '\0', n) != NULL;
	if (nl == NULL) {
		*pos = len;
	} else {
		*pos = (size_t)(nl - buf) + 1;
		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
	}
	return line;
}

static void
raw_req_free(struct raw_req *q)
{
	free(q->buf);
	free(q->headers);
}

/* Parses the request file at path; 0, or -1 with a message. */
static int
parse_request(const char *path, struct raw_req *q)
{
	size_t len = 0, pos = 0;
	char *line, *sp1, *sp2;
	int nul = 0;

	memset(q, 0, sizeof(*q));
	q->buf = read_file(path, &len);
	if (q->buf == NULL)
		return -1;
	line = next_line(q->buf, len, &pos, &nul);
	sp1 = line != NULL ? strchr(line, ' ') : NULL;
	sp2 = line != NULL ? strrchr(line, ' ') : NULL;
	if (nul || sp1 == NULL || sp1 == line || sp2 == sp1 ||
	    strncmp(sp2 + 1, "HTTP/", 5) != 0) {
		fprintf(stderr, PROG ": %s: no request line (want \"METHOD "
		    "TARGET HTTP/1.1\" on the first line)\n", path);
		return -1;
	}
	/* Keep the line as it was for the signed request. */
	q->request_line = strdup(line);
	q->headers = calloc(AWS_SIGV4_MAX_HEADERS + 1, sizeof(*q->headers));
	if (q->request_line == NULL || q->headers == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	*sp1 = '\0';
	*sp2 = '\0';
	q->method = line;
	q->target = sp1 + 1;
	for (;;) {
		line = next_line(q->buf, len, &pos, &nul);
		if (line == NULL)
			break;
		if (nul) {
			fprintf(stderr, PROG ": %s: header line %zu has a NUL "
			    "byte\n", path, q->n_headers + 1);
			return -1;
		}
		if (*line == '\0') {
			/* The blank line: the rest is the body. */
			q->has_body = 1;
			q->body = q->buf + pos;
			q->body_len = len - pos;
			break;
		}
		if (q->n_headers == AWS_SIGV4_MAX_HEADERS) {
			fprintf(stderr, PROG ": %s: more than %d header "
			    "lines\n", path, AWS_SIGV4_MAX_HEADERS);
			return -1;
		}
		q->headers[q->n_headers++] = line;
	}
	return 0;
}

static int
has_header(const struct raw_req *q, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < q->n_headers; i++)
		if (strncasecmp(q->headers[i], name, n) == 0 &&
		    q->headers[i][n] == ':')
			return 1;
	return 0;
}

/* The signed request: the request as read, the added lines, the body. */
static void
print_sreq(FILE *f, const struct raw_req *q, const struct aws_sigv4_out *o,
    const struct aws_sigv4_key *k, const char *token_after, unsigned flags)
{
	size_t i;

	fputs(q->request_line, f);
	for (i = 0; i < q->n_headers; i++)
		fprintf(f, "\n%s", q->headers[i]);
	if (!has_header(q, "x-amz-date"))
		fprintf(f, "\nX-Amz-Date:%s", o->amz_date);
	if (k->session_token != NULL &&
	    !has_header(q, "x-amz-security-token"))
		fprintf(f, "\nX-Amz-Security-Token:%s", k->session_token);
	if (token_after != NULL)
		fprintf(f, "\nX-Amz-Security-Token:%s", token_after);
	if ((flags & AWS_SIGV4_CONTENT_SHA256) &&
	    !has_header(q, "x-amz-content-sha256"))
		fprintf(f, "\nX-Amz-Content-Sha256:%s", o->payload_hash);
	fprintf(f, "\nAuthorization: %s", o->authorization);
	if (q->has_body) {
		fputs("\n\n", f);
		fwrite(q->body, 1, q->body_len, f);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "access-key", required_argument, NULL, 'a' },
		{ "secret-key", required_argument, NULL, 's' },
		{ "session-token", required_argument, NULL, 't' },
		{ "session-token-after", required_argument, NULL, 'T' },
		{ "region", required_argument, NULL, 'r' },
		{ "service", required_argument, NULL, 'v' },
		{ "time", required_argument, NULL, 'w' },
		{ "no-normalize", no_argument, NULL, 'n' },
		{ "content-sha256", no_argument, NULL, 'c' },
		{ "part", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct aws_sigv4_key k = { SUITE_ACCESS_KEY, SUITE_SECRET_KEY, NULL,
		SUITE_REGION, SUITE_SERVICE };
	const char *when_text = SUITE_TIME, *token_after = NULL;
	struct aws_sigv4_out out;
	struct aws_sigv4_req r;
	struct raw_req q;
	enum part part = PART_ALL;
	char why[WHY_LEN];
	unsigned flags = 0;
	time_t when;
	int c, rc = EXIT_BAD_INPUT;
	cp_err e;

	memset(&out, 0, sizeof(out));
	memset(&q, 0, sizeof(q));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			k.access_key = optarg;
			break;
		case 's':
			k.secret_key = optarg;
			break;
		case 't':
			k.session_token = optarg;
			break;
		case 'T':
			token_after = optarg;
			break;
		case 'r':
			k.region = optarg;
			break;
		case 'v':
			k.service = optarg;
			break;
		case 'w':
			when_text = optarg;
			break;
		case 'n':
			flags |= AWS_SIGV4_NO_NORMALIZE;
			break;
		case 'c':
			flags |= AWS_SIGV4_CONTENT_SHA256;
			break;
		case 'p':
			if (strcmp(optarg, "creq") == 0)
				part = PART_CREQ;
			else if (strcmp(optarg, "sts") == 0)
				part = PART_STS;
			else if (strcmp(optarg, "authz") == 0)
				part = PART_AUTHZ;
			else if (strcmp(optarg, "sreq") == 0)
				part = PART_SREQ;
			else {
				fprintf(stderr, PROG ": --part wants creq, "
				    "sts, authz or sreq, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, PROG ": %s\n", optind == argc ?
		    "no REQUEST-FILE given" : "more than one REQUEST-FILE");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (parse_time(when_text, &when) != 0) {
		fprintf(stderr, PROG ": bad --time '%s' (want "
		    "2015-08-30T12:36:00Z or 20150830T123600Z)\n", when_text);
		return EXIT_BAD_INPUT;
	}
	if (token_after != NULL && k.session_token != NULL) {
		fprintf(stderr, PROG ": --session-token and "
		    "--session-token-after exclude each other\n");
		return EXIT_USAGE;
	}
	if (parse_request(argv[optind], &q) != 0)
		goto out;

	memset(&r, 0, sizeof(r));
	r.method = q.method;
	r.path_query = q.target;
	r.headers = (const char *const *)q.headers;
	r.n_headers = q.n_headers;
	r.body = q.body;
	r.body_len = q.body_len;
	r.when = when;
	r.flags = flags;
	e = aws_sigv4_sign_why(&k, &r, &out, why, sizeof(why));
	if (e != CP_OK) {
		fprintf(stderr, PROG ": %s: cannot sign: %s\n", argv[optind],
		    why[0] != '\0' ? why : "signing failed");
		goto out;
	}
	switch (part) {
	case PART_CREQ:
		fputs(out.canonical_request, stdout);
		break;
	case PART_STS:
		fputs(out.string_to_sign, stdout);
		break;
	case PART_AUTHZ:
		fputs(out.authorization, stdout);
		break;
	case PART_SREQ:
		print_sreq(stdout, &q, &out, &k, token_after, flags);
		break;
	case PART_ALL:
		printf("#### creq\n%s\n#### sts\n%s\n#### sreq\n",
		    out.canonical_request, out.string_to_sign);
		print_sreq(stdout, &q, &out, &k, token_after, flags);
		putchar('\n');
		break;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": cannot write the output\n");
		goto out;
	}
	rc = 0;
out:
	aws_sigv4_out_free(&out);
	free(q.request_line);
	raw_req_free(&q);
	return rc;
}
