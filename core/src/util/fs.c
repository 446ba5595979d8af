/*
 * fs.c - file helpers: bounded reads, private-file checks, atomic writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

void
cp_memwipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
}

cp_err
cp_file_read(const char *path, size_t max, char **out, size_t *len)
{
	struct cp_buf b;
	char chunk[8192];
	ssize_t n;
	int fd;
	cp_err r = CP_OK;

	*out = NULL;
	if (len != NULL)
		*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? CP_E_NOTFOUND : CP_E_IO;
	cp_buf_init(&b, max);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = CP_E_IO;
			break;
		}
		if (n == 0)
			break;
		r = cp_buf_append(&b, chunk, (size_t)n);
		if (r != CP_OK)
			break;
	}
	close(fd);
	if (r == CP_OK && b.data == NULL)
		r = cp_buf_append(&b, "", 0);
	if (r != CP_OK) {
		cp_buf_free(&b);
		return r;
	}
	if (len != NULL)
		*len = b.len;
	*out = cp_buf_steal(&b);
	return CP_OK;
}

cp_err
cp_file_check_private(const char *path, char *why, size_t why_size)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? CP_E_NOTFOUND : CP_E_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, why_size, "%s: not a regular file", path);
		return CP_E_PERM;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(why, why_size,
		    "%s: mode %04o lets group or others in; "
		    "run: chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		return CP_E_PERM;
	}
	return CP_OK;
}

cp_err
cp_mkdir_p(const char *dir, mode_t mode)
{
	char path[4096];
	char *p;

	if (cp_snprintf(path, sizeof(path), "%s", dir) != CP_OK)
		return CP_E_LIMIT;
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, mode) != 0 && errno != EEXIST)
			return CP_E_IO;
		*p = '/';
	}
	if (mkdir(path, mode) != 0 && errno != EEXIST)
		return CP_E_IO;
	return CP_OK;
}

/* Makes a rename in the folder of path durable. */
static void
sync_parent(const char *path)
{
	char dir[4096];
	char *slash;
	int fd;

	if (cp_snprintf(dir, sizeof(dir), "%s", path) != CP_OK)
		return;
	slash = strrchr(dir, '/');
	if (slash == NULL)
		cp_strlcpy(dir, ".", sizeof(dir));
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/*
 * The temporary file gets an unpredictable name and is created with
 * O_EXCL (mkstemp), and its mode is set before a byte is written, so a
 * secret never sits in a file someone prepared or could read.
 */
cp_err
cp_file_write_atomic(const char *path, const void *p, size_t n, mode_t mode)
{
	char tmp[4096];
	const char *c = p;
	int fd;

	if (cp_snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) != CP_OK)
		return CP_E_LIMIT;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return CP_E_IO;
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		c += w;
		n -= (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return CP_E_IO;
	}
	sync_parent(path);
	return CP_OK;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return CP_E_IO;
}
