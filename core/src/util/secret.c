/*
 * secret.c - reading secrets (keys, tokens, passwords) from files and
 * standard input without leaving copies behind.
 *
 * The file is opened once with O_NOFOLLOW and every check is made on that
 * descriptor, so the path cannot be swapped between check and read.  The
 * buffer is sized once (never realloc'ed, which would leave a copy in
 * freed memory) and wiped on every failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

/* Reads fd to its end into a fresh buffer of max + 1 bytes. */
static cp_err
read_all(int fd, size_t max, char **out, size_t *len, char *why,
    size_t why_size, const char *what)
{
	char *buf;
	size_t n = 0;
	ssize_t r;

	buf = malloc(max + 1);
	if (buf == NULL)
		return CP_E_NOMEM;
	for (;;) {
		/* One byte past max tells a secret that is too long. */
		r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, why_size, "%s: %s", what,
			    strerror(errno));
			cp_memwipe(buf, n);
			free(buf);
			return CP_E_IO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			snprintf(why, why_size, "%s: larger than %zu bytes",
			    what, max);
			cp_memwipe(buf, n);
			free(buf);
			return CP_E_LIMIT;
		}
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	if (n == 0) {
		snprintf(why, why_size, "%s: the secret is empty", what);
		free(buf);
		return CP_E_INVALID;
	}
	*out = buf;
	if (len != NULL)
		*len = n;
	return CP_OK;
}

cp_err
cp_secret_read_fd(int fd, size_t max, char **out, size_t *len, char *why,
    size_t why_size)
{
	*out = NULL;
	return read_all(fd, max, out, len, why, why_size, "standard input");
}

cp_err
cp_secret_read_file(const char *path, size_t max, char **out, size_t *len,
    char *why, size_t why_size)
{
	struct stat st;
	cp_err r;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, why_size, "%s: %s", path, errno == ELOOP ?
		    "is a symbolic link; give the file itself" :
		    strerror(errno));
		return errno == ENOENT ? CP_E_NOTFOUND : CP_E_PERM;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		close(fd);
		return CP_E_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, why_size, "%s: not a regular file", path);
		close(fd);
		return CP_E_PERM;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(why, why_size, "%s: owned by uid %ld, not by this "
		    "user (uid %ld) or root", path, (long)st.st_uid,
		    (long)geteuid());
		close(fd);
		return CP_E_PERM;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(why, why_size, "%s: mode %04o lets group or others "
		    "in; run: chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return CP_E_PERM;
	}
	r = read_all(fd, max, out, len, why, why_size, path);
	close(fd);
	return r;
}
