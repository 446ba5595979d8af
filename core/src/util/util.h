/*
 * util.h - small helpers shared by the core: errors, strings, numbers,
 * growable buffers and files.  Private to libcloudpatrol and its tests.
 */
#ifndef CP_UTIL_H
#define CP_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cloudpatrol/err.h>

#define CP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define CP_FMT(f, a) __attribute__((format(printf, f, a)))
#else
#define CP_FMT(f, a)
#endif

/* The name of err ("out of memory"); never NULL, also for unknown codes. */
const char *cp_strerror(cp_err err);

/* Copies src into dst of size n, always NUL-terminated; returns strlen(src). */
size_t cp_strlcpy(char *dst, const char *src, size_t n);
/* snprintf into dst; CP_E_LIMIT when the text did not fit. */
cp_err cp_snprintf(char *dst, size_t n, const char *fmt, ...) CP_FMT(3, 4);
/* Strips leading and trailing white space in place; returns s. */
char *cp_strtrim(char *s);
/* Whether s is non-empty and made only of the characters in set. */
int cp_str_only(const char *s, const char *set);

/* Parses a whole decimal integer within [min, max]. */
cp_err cp_parse_ll(const char *s, long long min, long long max,
    long long *out);
/* Parses yes/no, true/false, on/off, 1/0 (case-insensitive). */
cp_err cp_parse_bool(const char *s, int *out);

/*
 * Splits a comma-separated list into trimmed, non-empty words.  *out is a
 * NULL-terminated array owned by the caller (cp_strv_free).
 */
cp_err cp_strv_split(const char *s, char ***out, size_t *n);
void cp_strv_free(char **v);

/* A growable byte buffer, always NUL-terminated, never past max. */
struct cp_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;		/* 0: no limit beyond SIZE_MAX / 2 */
};

void cp_buf_init(struct cp_buf *b, size_t max);
cp_err cp_buf_append(struct cp_buf *b, const void *p, size_t n);
cp_err cp_buf_puts(struct cp_buf *b, const char *s);
cp_err cp_buf_printf(struct cp_buf *b, const char *fmt, ...) CP_FMT(2, 3);
cp_err cp_buf_vprintf(struct cp_buf *b, const char *fmt, va_list ap)
    CP_FMT(2, 0);
/* Hands the data to the caller (owned; may be NULL when empty). */
char *cp_buf_steal(struct cp_buf *b);
void cp_buf_free(struct cp_buf *b);

/*
 * Reads a whole file of at most max bytes (NUL-terminated, *len without
 * the NUL).  CP_E_LIMIT when larger.
 */
cp_err cp_file_read(const char *path, size_t max, char **out, size_t *len);
/*
 * Refuses (CP_E_PERM) a file that group or others may read or write, or
 * that is not a regular file.  why gets a sentence naming the path.
 */
cp_err cp_file_check_private(const char *path, char *why, size_t why_size);
/* Creates dir and its parents with mode (existing ones are kept). */
cp_err cp_mkdir_p(const char *dir, mode_t mode);
/* Writes a file through a temporary name and rename(), with mode. */
cp_err cp_file_write_atomic(const char *path, const void *p, size_t n,
    mode_t mode);
/*
 * Reads a secret from path: opened without following a symlink, it must be
 * a regular file owned by this user or root that group and others cannot
 * read or write, of at most max bytes.  Trailing CR/LF are dropped; an
 * empty secret is CP_E_INVALID.  *out is NUL-terminated and owned: wipe it
 * (cp_memwipe) and free it.  why names the path and the problem, never the
 * secret.  No copy of the secret is left behind on any path.
 */
cp_err cp_secret_read_file(const char *path, size_t max, char **out,
    size_t *len, char *why, size_t why_size);
/* The same from an open descriptor read to its end (standard input). */
cp_err cp_secret_read_fd(int fd, size_t max, char **out, size_t *len,
    char *why, size_t why_size);

/* Overwrites n bytes at p with zeros in a way the compiler keeps. */
void cp_memwipe(void *p, size_t n);

#endif /* CP_UTIL_H */
