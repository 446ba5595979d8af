/*
 * registry.c - the plugins loaded, their instances, and the refused ones.
 *
 * A plugin file goes through: the directory walk (open_dir: every
 * directory from "/" down checked for owner and mode), the file checks
 * (name; opened once without following a link, then type, owner and mode
 * checked on that descriptor), the loader (from that same descriptor; the
 * entry symbol), its entry (which may refuse the host), validation of its
 * descriptor, and the unique-name check.  Any failure is one refusal line, logged and kept;
 * loading goes on with the next file.  Instances are made only by
 * configure and started only by init, after every plugin was validated.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/host.h"
#include "plugin/loader.h"
#include "plugin/pconfig.h"
#include "plugin/registry.h"
#include "plugin/validate.h"
#include "util/util.h"

#define REG_MAX_PLUGINS 256	/* plugins loaded */
#define REG_MAX_INSTANCES 1024	/* instances configured */
#define REG_MAX_REFUSED 1024	/* refusals kept (all are logged) */
#define REG_MAX_DIR_FILES 4096	/* "*.so" names read from one directory */
#define REG_PATH_MAX 4096
#define REG_MAX_LINKS 32	/* symbolic links followed to a directory */

enum reg_state {
	REG_LOADING = 0,
	REG_CONFIGURED = 1,
	REG_INITIALISED = 2
};

struct reg_plugin {
	char *file;
	struct cp_pdef def;
};

struct reg_refusal {
	char *file;
	char *line;
};

struct cp_registry {
	struct cp_host_env env;
	enum reg_state state;
	struct reg_plugin **plugins;
	size_t n_plugins;
	cp_plugin **inst;
	size_t n_inst;
	struct reg_refusal *refused;
	size_t n_refused;
};

/*
 * Makes room for element n of arr (elements of elem bytes), growing the
 * capacity through 4, 8, 16...  Returns the array, perhaps moved, or NULL
 * on no memory (arr is then unchanged).
 */
static void *
grow(void *arr, size_t n, size_t elem)
{
	size_t cap;

	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return arr;
	cap = n == 0 ? 4 : n * 2;
	return realloc(arr, cap * elem);
}

cp_err
cp_registry_create(const struct cp_registry_opts *opts, cp_registry **out)
{
	cp_registry *reg;

	*out = NULL;
	if (opts == NULL || opts->log == NULL)
		return CP_E_INVALID;
	reg = calloc(1, sizeof(*reg));
	if (reg == NULL)
		return CP_E_NOMEM;
	reg->env.log = opts->log;
	reg->env.http = opts->http;
	reg->env.cancel = opts->cancel;
	reg->env.clock = opts->clock;
	reg->env.clock_ud = opts->clock_ud;
	*out = reg;
	return CP_OK;
}

void
cp_registry_destroy(cp_registry *reg)
{
	size_t i;

	if (reg == NULL)
		return;
	/* Last started, first stopped. */
	for (i = reg->n_inst; i > 0; i--)
		cp_instance_destroy(reg->inst[i - 1]);
	free(reg->inst);
	for (i = 0; i < reg->n_plugins; i++) {
		cp_pdef_free(&reg->plugins[i]->def);
		free(reg->plugins[i]->file);
		free(reg->plugins[i]);
	}
	free(reg->plugins);
	for (i = 0; i < reg->n_refused; i++) {
		free(reg->refused[i].file);
		free(reg->refused[i].line);
	}
	free(reg->refused);
	free(reg);
}

static void
refuse(cp_registry *reg, const char *what, const char *file,
    const char *fmt, ...) CP_FMT(4, 5);

/*
 * Logs and keeps "plugin FILE refused: REASON" (what is "plugin" or
 * "plugin directory").  Past REG_MAX_REFUSED the line is only logged.
 */
static void
refuse(cp_registry *reg, const char *what, const char *file,
    const char *fmt, ...)
{
	struct cp_buf b;
	struct reg_refusal rf, *nr;
	va_list ap;

	cp_buf_init(&b, 8192);
	cp_buf_printf(&b, "%s %s refused: ", what, file);
	va_start(ap, fmt);
	cp_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (b.data == NULL) {
		cp_log_msg(reg->env.log, CP_LOG_ERROR, "plugins",
		    "%s %s refused (no memory for the reason)", what, file);
		return;
	}
	cp_log_msg(reg->env.log, CP_LOG_ERROR, "plugins", "%s", b.data);
	nr = reg->n_refused < REG_MAX_REFUSED ? grow(reg->refused,
	    reg->n_refused, sizeof(*reg->refused)) : NULL;
	if (nr == NULL) {
		cp_buf_free(&b);
		return;
	}
	reg->refused = nr;
	rf.file = strdup(file);
	rf.line = cp_buf_steal(&b);
	if (rf.file == NULL || rf.line == NULL) {
		free(rf.file);
		free(rf.line);
		return;
	}
	reg->refused[reg->n_refused++] = rf;
}

/* "ABI unknown (host 1.0): " is how a refusal before the entry starts. */
#define PRE_ABI "ABI unknown (host %u.%u): "
#define PRE_ABI_ARGS CP_ABI_MAJOR, CP_ABI_MINOR

static int
file_name_ok(const char *name)
{
	size_t len = strlen(name);
	char stem[256];

	if (len <= 3 || len - 3 >= sizeof(stem) ||
	    strcmp(name + len - 3, ".so") != 0)
		return 0;
	memcpy(stem, name, len - 3);
	stem[len - 3] = '\0';
	return cp_str_only(stem, "abcdefghijklmnopqrstuvwxyz0123456789-");
}

/* Whether uid may own what we load: root, or the user we run as. */
static int
owner_ok(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/*
 * Why st is unusable as a plugin file (want_dir 0) or directory
 * (want_dir 1), as a phrase in why; CP_OK when it is fine.  It must be
 * of the right type, owned by root or by our effective uid, and not
 * writable by group or others - unless sticky_ok and the sticky bit is
 * set, which is accepted of the parents of a plugin directory only.
 * Returns CP_E_INVALID for a wrong type, CP_E_PERM for the rest.
 */
static cp_err
node_problem(const struct stat *st, int want_dir, int sticky_ok, char *why,
    size_t why_size)
{
	unsigned mode = (unsigned)(st->st_mode & 07777);

	if (S_ISLNK(st->st_mode)) {
		snprintf(why, why_size, "is a symbolic link (mode %04o)",
		    mode);
		return CP_E_PERM;
	}
	if (want_dir && !S_ISDIR(st->st_mode)) {
		snprintf(why, why_size, "is not a directory (mode %04o)",
		    mode);
		return CP_E_INVALID;
	}
	if (!want_dir && !S_ISREG(st->st_mode)) {
		snprintf(why, why_size, "is not a regular file (mode %04o)",
		    mode);
		return CP_E_PERM;
	}
	if (!owner_ok(st->st_uid)) {
		snprintf(why, why_size, "owned by uid %lu, not by root or "
		    "uid %lu", (unsigned long)st->st_uid,
		    (unsigned long)geteuid());
		return CP_E_PERM;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    !(sticky_ok && (st->st_mode & S_ISVTX) != 0)) {
		snprintf(why, why_size, "is writable by group or others "
		    "(mode %04o)", mode);
		return CP_E_PERM;
	}
	return CP_OK;
}

/* Whether nothing but slashes is left of p. */
static int
path_done(const char *p)
{
	return p[strspn(p, "/")] == '\0';
}

/*
 * Whether nothing but slashes and "." is left of p: the directory reached
 * is then the plugin directory, checked as such, not as a parent.
 */
static int
path_final(const char *p)
{
	for (;;) {
		p += strspn(p, "/");
		if (*p == '\0')
			return 1;
		if (p[0] != '.' || (p[1] != '/' && p[1] != '\0'))
			return 0;
		p++;
	}
}

/* Sets at (a canonical path) to its parent, "/" staying "/". */
static void
path_up(char *at)
{
	char *slash = strrchr(at, '/');

	if (slash == NULL || slash == at)
		at[1] = '\0';
	else
		*slash = '\0';
}

/* The state of open_dir's walk. */
struct walk {
	cp_registry *reg;
	const char *dir;		/* what is being opened, as given */
	char at[REG_PATH_MAX];		/* canonical path of cur */
	char rest[REG_PATH_MAX];	/* what is left to walk */
	int cur;			/* descriptor of at */
	size_t links;			/* symbolic links followed */
	cp_err r;
};

static int
walk_fail(struct walk *w, cp_err r, const char *fmt, ...) CP_FMT(3, 4);

/* Records "plugin directory DIR refused: ..." and sets w->r; returns -1. */
static int
walk_fail(struct walk *w, cp_err r, const char *fmt, ...)
{
	char why[REG_PATH_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	refuse(w->reg, "plugin directory", w->dir, "%s", why);
	w->r = r;
	return -1;
}

/* Checks w->cur as a parent of the plugin directory. */
static int
walk_check_parent(struct walk *w)
{
	struct stat st;
	char why[256];
	cp_err r;

	if (fstat(w->cur, &st) != 0)
		return walk_fail(w, CP_E_IO, "%s: %s", w->at, strerror(errno));
	r = node_problem(&st, 1, 1, why, sizeof(why));
	if (r != CP_OK)
		return walk_fail(w, r, "parent %s: %s", w->at, why);
	return 0;
}

/* Opens "/" as w->cur, checked as a parent unless nothing follows. */
static int
walk_root(struct walk *w)
{
	if (w->cur >= 0)
		close(w->cur);
	cp_strlcpy(w->at, "/", sizeof(w->at));
	w->cur = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->cur < 0)
		return walk_fail(w, CP_E_IO, "/: %s", strerror(errno));
	return path_final(w->rest) ? 0 : walk_check_parent(w);
}

/*
 * Follows the symbolic link comp of w->cur, whose remaining path is
 * after: only a link owned by root or us, in a directory that passed, is
 * one that only they can have made or can change.
 */
static int
walk_link(struct walk *w, const char *comp, const struct stat *lst,
    const char *after)
{
	char target[REG_PATH_MAX], rest[REG_PATH_MAX];
	ssize_t n;

	if (!owner_ok(lst->st_uid))
		return walk_fail(w, CP_E_PERM, "symbolic link %s%s%s: owned "
		    "by uid %lu, not by root or uid %lu", w->at,
		    strcmp(w->at, "/") == 0 ? "" : "/", comp,
		    (unsigned long)lst->st_uid, (unsigned long)geteuid());
	if (++w->links > REG_MAX_LINKS)
		return walk_fail(w, CP_E_INVALID, "%s", strerror(ELOOP));
	n = readlinkat(w->cur, comp, target, sizeof(target) - 1);
	if (n < 0)
		return walk_fail(w, CP_E_IO, "%s", strerror(errno));
	if ((size_t)n >= sizeof(target) - 1)
		return walk_fail(w, CP_E_LIMIT, "path too long");
	target[n] = '\0';
	if (cp_snprintf(rest, sizeof(rest), "%s/%s", target, after) != CP_OK)
		return walk_fail(w, CP_E_LIMIT, "path too long");
	cp_strlcpy(w->rest, rest, sizeof(w->rest));
	return target[0] == '/' ? walk_root(w) : 0;
}

/*
 * Takes one step: the first component of w->rest, which goes.  Returns
 * 0, or -1 with the refusal recorded.
 */
static int
walk_step(struct walk *w)
{
	char comp[NAME_MAX + 1], after[REG_PATH_MAX], why[256];
	const char *p = w->rest + strspn(w->rest, "/");
	size_t len = strcspn(p, "/");
	struct stat lst;
	int fd, last;
	cp_err r;

	if (len > NAME_MAX)
		return walk_fail(w, CP_E_LIMIT, "%s", strerror(ENAMETOOLONG));
	memcpy(comp, p, len);
	comp[len] = '\0';
	cp_strlcpy(after, p + len, sizeof(after));
	last = path_done(after);
	cp_strlcpy(w->rest, after, sizeof(w->rest));
	if (strcmp(comp, ".") == 0)
		return 0;
	fd = openat(w->cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR) &&
	    fstatat(w->cur, comp, &lst, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(lst.st_mode) && !last)
			return walk_link(w, comp, &lst, after);
		r = node_problem(&lst, 1, 0, why, sizeof(why));
		if (r == CP_OK)
			r = CP_E_INVALID;
		if (last)
			return walk_fail(w, r, "%s", why);
		return walk_fail(w, r, "%s/%s: %s", strcmp(w->at, "/") == 0 ?
		    "" : w->at, comp, why);
	}
	if (fd < 0)
		return walk_fail(w, errno == ENOENT ? CP_E_NOTFOUND : CP_E_IO,
		    "%s", strerror(errno));
	close(w->cur);
	w->cur = fd;
	if (strcmp(comp, "..") == 0)
		path_up(w->at);
	else if (cp_snprintf(w->at + strlen(w->at),
	    sizeof(w->at) - strlen(w->at), "%s%s",
	    strcmp(w->at, "/") == 0 ? "" : "/", comp) != CP_OK)
		return walk_fail(w, CP_E_LIMIT, "path too long");
	return path_final(after) ? 0 : walk_check_parent(w);
}

/*
 * Opens a plugin directory (absolute) by walking from "/" one component
 * at a time with openat(O_NOFOLLOW), so that each directory is checked on
 * the very descriptor the next one is opened from, and what is finally
 * open is what was checked.  Every directory must be owned by root or by
 * our effective uid and not be writable by group or others.  A sticky
 * directory that others may write (/tmp) is accepted as a parent: there
 * nobody else may rename or replace what we own, and the directory below
 * it must be ours or root's; the plugin directory itself may never be
 * writable by others.  A symbolic link on the way is followed only when
 * it is owned by root or us and lies in a directory that passed; the
 * plugin directory itself must not be one.  Returns the descriptor, or -1
 * with *r set and the refusal recorded.
 */
static int
open_dir(cp_registry *reg, const char *dir, cp_err *r)
{
	struct walk w;
	struct stat st;
	char why[256];

	if (dir[0] != '/') {
		refuse(reg, "plugin directory", dir, "not an absolute path");
		*r = CP_E_INVALID;
		return -1;
	}
	memset(&w, 0, sizeof(w));
	w.reg = reg;
	w.dir = dir;
	w.cur = -1;
	w.r = CP_OK;
	cp_strlcpy(w.rest, dir, sizeof(w.rest));
	if (walk_root(&w) != 0)
		goto fail;
	while (!path_done(w.rest))
		if (walk_step(&w) != 0)
			goto fail;
	if (fstat(w.cur, &st) != 0) {
		walk_fail(&w, CP_E_IO, "%s", strerror(errno));
		goto fail;
	}
	*r = node_problem(&st, 1, 0, why, sizeof(why));
	if (*r != CP_OK) {
		walk_fail(&w, *r, "%s", why);
		goto fail;
	}
	return w.cur;
fail:
	if (w.cur >= 0)
		close(w.cur);
	*r = w.r;
	return -1;
}

static struct reg_plugin *
find_plugin(const cp_registry *reg, const char *name)
{
	size_t i;

	for (i = 0; i < reg->n_plugins; i++)
		if (strcmp(reg->plugins[i]->def.desc.name, name) == 0)
			return reg->plugins[i];
	return NULL;
}

/*
 * Opens the file name of the directory dirfd and checks it on the
 * descriptor it got: the checks and the load see the same file.  Returns
 * the descriptor, or -1 with the refusal of path recorded.
 */
static int
open_file(cp_registry *reg, int dirfd, const char *name, const char *path,
    cp_err *r)
{
	struct stat st;
	char why[256];
	int fd;

	/* Types are checked before the open: a FIFO or a device is never
	 * opened (O_NONBLOCK covers one that takes its place meanwhile). */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		refuse(reg, "plugin", path, PRE_ABI "%s", PRE_ABI_ARGS,
		    strerror(errno));
		*r = CP_E_IO;
		return -1;
	}
	if (node_problem(&st, 0, 0, why, sizeof(why)) != CP_OK &&
	    !S_ISREG(st.st_mode)) {
		refuse(reg, "plugin", path, PRE_ABI "%s", PRE_ABI_ARGS, why);
		*r = CP_E_PERM;
		return -1;
	}
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		*r = errno == ELOOP ? CP_E_PERM : CP_E_IO;
		refuse(reg, "plugin", path, PRE_ABI "%s", PRE_ABI_ARGS,
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		refuse(reg, "plugin", path, PRE_ABI "%s", PRE_ABI_ARGS,
		    strerror(errno));
		*r = CP_E_IO;
		close(fd);
		return -1;
	}
	if (node_problem(&st, 0, 0, why, sizeof(why)) != CP_OK) {
		refuse(reg, "plugin", path, PRE_ABI "%s", PRE_ABI_ARGS, why);
		*r = CP_E_PERM;
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Loads the file name of the directory open as dirfd; path is its name
 * for messages and for cp_plugin_info.  The file is opened once, checked
 * on that descriptor and loaded from it: never re-resolved by path.
 */
static cp_err
load_in_dir(cp_registry *reg, int dirfd, const char *name, const char *path)
{
	const struct cp_plugin_descriptor *d;
	struct reg_plugin *lp = NULL, *other, **np;
	cp_plugin_entry_fn entry;
	char why[1024];
	int fd;
	cp_err r;

	if (!file_name_ok(name)) {
		refuse(reg, "plugin", path, PRE_ABI "file name is not "
		    "[a-z0-9-]+.so", PRE_ABI_ARGS);
		return CP_E_INVALID;
	}
	if (reg->n_plugins >= REG_MAX_PLUGINS) {
		refuse(reg, "plugin", path, PRE_ABI "more than %d plugins",
		    PRE_ABI_ARGS, REG_MAX_PLUGINS);
		return CP_E_LIMIT;
	}
	fd = open_file(reg, dirfd, name, path, &r);
	if (fd < 0)
		return r;
	r = cp_loader_open_fd(fd, &entry, why, sizeof(why));
	close(fd);
	if (r != CP_OK) {
		refuse(reg, "plugin", path, PRE_ABI "%s", PRE_ABI_ARGS, why);
		return r;
	}
	d = entry(CP_ABI_MAJOR, CP_ABI_MINOR);
	lp = calloc(1, sizeof(*lp));
	if (lp == NULL)
		return CP_E_NOMEM;
	r = cp_plugin_validate(d, CP_ABI_MAJOR, CP_ABI_MINOR, &lp->def, why,
	    sizeof(why));
	if (r != CP_OK) {
		refuse(reg, "plugin", path, "%s", why);
		goto out;
	}
	other = find_plugin(reg, lp->def.desc.name);
	if (other != NULL) {
		refuse(reg, "plugin", path, "ABI %u.%u (host %u.%u): name "
		    "'%s' is taken by %s", lp->def.desc.abi_major,
		    lp->def.desc.abi_minor, PRE_ABI_ARGS, lp->def.desc.name,
		    other->file);
		r = CP_E_EXISTS;
		goto out;
	}
	lp->file = strdup(path);
	np = grow(reg->plugins, reg->n_plugins, sizeof(*reg->plugins));
	if (np != NULL)
		reg->plugins = np;
	if (lp->file == NULL || np == NULL) {
		r = CP_E_NOMEM;
		goto out;
	}
	reg->plugins[reg->n_plugins++] = lp;
	cp_log_msg(reg->env.log, CP_LOG_DEBUG, "plugins",
	    "loaded %s %s (ABI %u.%u) from %s", lp->def.desc.name,
	    lp->def.desc.version, lp->def.desc.abi_major,
	    lp->def.desc.abi_minor, path);
	lp = NULL;
out:
	if (lp != NULL) {
		cp_pdef_free(&lp->def);
		free(lp->file);
	}
	free(lp);
	return r;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A copy of dir without trailing slashes ("/" stays "/"). */
static cp_err
clean_dir(const char *dir, char *buf, size_t n)
{
	size_t len;

	if (cp_snprintf(buf, n, "%s", dir) != CP_OK)
		return CP_E_LIMIT;
	len = strlen(buf);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	return CP_OK;
}

/* Names of the "*.so" entries of the directory dirfd, sorted. */
static cp_err
read_names(int dirfd, char ***out, size_t *n_out)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL, **nn;
	size_t n = 0, len;
	int fd;
	cp_err r = CP_OK;

	*out = NULL;
	*n_out = 0;
	fd = dup(dirfd);
	if (fd < 0)
		return CP_E_IO;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return CP_E_IO;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 3 || strcmp(de->d_name + len - 3, ".so") != 0)
			continue;
		if (n >= REG_MAX_DIR_FILES) {
			r = CP_E_LIMIT;
			break;
		}
		nn = grow(names, n, sizeof(*names));
		if (nn == NULL) {
			r = CP_E_NOMEM;
			break;
		}
		names = nn;
		names[n] = strdup(de->d_name);
		if (names[n] == NULL) {
			r = CP_E_NOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	*out = names;
	*n_out = n;
	return r;
}

cp_err
cp_registry_load_dir(cp_registry *reg, const char *dir)
{
	char clean[REG_PATH_MAX], path[REG_PATH_MAX];
	char **names = NULL;
	size_t i, n = 0;
	int dirfd = -1;
	cp_err r = CP_OK;

	if (reg == NULL || dir == NULL || reg->state != REG_LOADING)
		return CP_E_INVALID;
	if (clean_dir(dir, clean, sizeof(clean)) != CP_OK) {
		refuse(reg, "plugin directory", dir, "path too long");
		return CP_E_LIMIT;
	}
	dirfd = open_dir(reg, clean, &r);
	if (dirfd < 0)
		return r;
	r = read_names(dirfd, &names, &n);
	if (r == CP_E_LIMIT)
		refuse(reg, "plugin directory", clean,
		    "more than %d *.so files; only the first read are loaded",
		    REG_MAX_DIR_FILES);
	if (r != CP_OK && r != CP_E_LIMIT)
		goto out;
	r = CP_OK;
	for (i = 0; i < n && r != CP_E_NOMEM; i++) {
		if (cp_snprintf(path, sizeof(path), "%s%s%s", clean,
		    strcmp(clean, "/") == 0 ? "" : "/", names[i]) != CP_OK) {
			refuse(reg, "plugin", names[i], PRE_ABI "path too long",
			    PRE_ABI_ARGS);
			continue;
		}
		r = load_in_dir(reg, dirfd, names[i], path);
	}
	if (r != CP_E_NOMEM)
		r = CP_OK;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(dirfd);
	return r;
}

cp_err
cp_registry_load_file(cp_registry *reg, const char *path)
{
	char dir[REG_PATH_MAX];
	const char *base;
	int dirfd;
	cp_err r = CP_OK;

	if (reg == NULL || path == NULL || reg->state != REG_LOADING)
		return CP_E_INVALID;
	if (path[0] != '/') {
		refuse(reg, "plugin", path, PRE_ABI "not an absolute path",
		    PRE_ABI_ARGS);
		return CP_E_INVALID;
	}
	if (cp_snprintf(dir, sizeof(dir), "%s", path) != CP_OK) {
		refuse(reg, "plugin", path, PRE_ABI "path too long",
		    PRE_ABI_ARGS);
		return CP_E_LIMIT;
	}
	base = strrchr(path, '/') + 1;
	if (base == path + 1)
		dir[1] = '\0';
	else
		dir[base - path - 1] = '\0';
	dirfd = open_dir(reg, dir, &r);
	if (dirfd < 0)
		return r;
	r = load_in_dir(reg, dirfd, base, path);
	close(dirfd);
	return r;
}

static int
same_instance(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
instance_name_ok(const char *s)
{
	return strnlen(s, CP_PLUGIN_NAME_MAX + 1) <= CP_PLUGIN_NAME_MAX &&
	    cp_str_only(s, "abcdefghijklmnopqrstuvwxyz0123456789-");
}

/*
 * Whether section i of cfg may make an instance: its instance name is
 * valid, its plugin is loaded, and no earlier section has its name.
 */
static int
section_ok(const cp_registry *reg, const struct cp_config *cfg, size_t i,
    const char *file, struct cp_diag *diag)
{
	const struct cp_plugin_section *s = &cfg->sections[i];
	const char *sep = s->instance != NULL ? "/" : "";
	const char *inst = s->instance != NULL ? s->instance : "";
	size_t j;

	if (s->plugin == NULL)
		return 0;
	if (s->instance != NULL && !instance_name_ok(s->instance)) {
		cp_diag_error(diag, file, s->line, "[plugin:%s%s%s] the "
		    "instance name is not [a-z0-9-]{1,%d}", s->plugin, sep,
		    inst, CP_PLUGIN_NAME_MAX);
		return 0;
	}
	if (find_plugin(reg, s->plugin) == NULL) {
		/* A disabled section of a missing plugin harms nothing. */
		if (s->enabled)
			cp_diag_error(diag, file, s->line, "[plugin:%s%s%s] "
			    "no plugin named '%s' is loaded", s->plugin, sep,
			    inst, s->plugin);
		else
			cp_diag_warning(diag, file, s->line, "[plugin:%s%s%s] "
			    "no plugin named '%s' is loaded", s->plugin, sep,
			    inst, s->plugin);
		return 0;
	}
	for (j = 0; j < i; j++) {
		const struct cp_plugin_section *o = &cfg->sections[j];

		if (o->plugin != NULL && strcmp(o->plugin, s->plugin) == 0 &&
		    same_instance(o->instance, s->instance)) {
			cp_diag_error(diag, file, s->line, "[plugin:%s%s%s] "
			    "section given twice (first at line %d)",
			    s->plugin, sep, inst, o->line);
			return 0;
		}
	}
	return 1;
}

static cp_err
add_instance(cp_registry *reg, struct reg_plugin *lp,
    const struct cp_plugin_section *sec, const char *file,
    struct cp_diag *diag)
{
	cp_plugin *p, **ni;
	cp_err r;

	if (reg->n_inst >= REG_MAX_INSTANCES) {
		cp_diag_error(diag, file, sec != NULL ? sec->line : 0,
		    "more than %d plugin instances", REG_MAX_INSTANCES);
		return CP_E_LIMIT;
	}
	ni = grow(reg->inst, reg->n_inst, sizeof(*reg->inst));
	if (ni == NULL)
		return CP_E_NOMEM;
	reg->inst = ni;
	p = cp_instance_create(&reg->env, &lp->def, lp->file,
	    sec != NULL ? sec->instance : NULL);
	if (p == NULL)
		return CP_E_NOMEM;
	reg->inst[reg->n_inst++] = p;
	r = cp_pconfig_apply(p, sec, file, diag);
	return r == CP_E_NOMEM ? r : CP_OK;
}

cp_err
cp_registry_configure(cp_registry *reg, const struct cp_config *cfg,
    struct cp_diag *diag)
{
	struct cp_diag local;
	struct cp_diag *d = diag != NULL ? diag : &local;
	const char *file;
	unsigned char *ok = NULL;
	size_t i, j, n_sec, errors_before, made;
	cp_err r = CP_OK;

	if (reg == NULL || reg->state != REG_LOADING)
		return CP_E_INVALID;
	cp_diag_init(&local);
	errors_before = d->errors;
	file = cfg != NULL && cfg->path != NULL ? cfg->path : "(defaults)";
	n_sec = cfg != NULL ? cfg->n_sections : 0;
	if (n_sec > 0) {
		ok = calloc(n_sec, 1);
		if (ok == NULL) {
			r = CP_E_NOMEM;
			goto out;
		}
	}
	for (i = 0; i < n_sec; i++)
		ok[i] = (unsigned char)section_ok(reg, cfg, i, file, d);
	/* Instances in the order of the plugins, then of their sections. */
	for (i = 0; i < reg->n_plugins && r == CP_OK; i++) {
		struct reg_plugin *lp = reg->plugins[i];

		made = 0;
		for (j = 0; j < n_sec && r == CP_OK; j++) {
			if (!ok[j] || strcmp(cfg->sections[j].plugin,
			    lp->def.desc.name) != 0)
				continue;
			r = add_instance(reg, lp, &cfg->sections[j], file, d);
			made++;
		}
		if (made == 0 && r == CP_OK)
			r = add_instance(reg, lp, NULL, file, d);
	}
	reg->state = REG_CONFIGURED;
	if (r == CP_OK && d->errors > errors_before)
		r = CP_E_CONFIG;
out:
	free(ok);
	cp_diag_free(&local);
	return r;
}

cp_err
cp_registry_init(cp_registry *reg)
{
	size_t i;

	if (reg == NULL || reg->state != REG_CONFIGURED)
		return CP_E_INVALID;
	for (i = 0; i < reg->n_inst; i++)
		(void)cp_instance_init(reg->inst[i]);
	reg->state = REG_INITIALISED;
	return CP_OK;
}

size_t
cp_registry_count(const cp_registry *reg)
{
	if (reg == NULL)
		return 0;
	return reg->state == REG_LOADING ? reg->n_plugins : reg->n_inst;
}

cp_err
cp_registry_info(const cp_registry *reg, size_t i, struct cp_plugin_info *out)
{
	const struct cp_pdef *def;
	const cp_plugin *p = NULL;

	memset(out, 0, sizeof(*out));
	if (reg == NULL || i >= cp_registry_count(reg))
		return CP_E_NOTFOUND;
	if (reg->state == REG_LOADING) {
		def = &reg->plugins[i]->def;
		out->file = reg->plugins[i]->file;
		out->problem = "not configured yet";
	} else {
		p = reg->inst[i];
		def = p->def;
		out->file = p->file;
		out->instance = p->instance;
		out->enabled = p->enabled;
		out->initialised = p->initialised;
		out->problem = p->problem;
	}
	out->name = def->desc.name;
	out->version = def->desc.version;
	out->description = def->desc.description != NULL ?
	    def->desc.description : "";
	out->abi_major = def->desc.abi_major;
	out->abi_minor = def->desc.abi_minor;
	out->caps = def->cap_mask;
	return CP_OK;
}

size_t
cp_registry_refused_count(const cp_registry *reg)
{
	return reg != NULL ? reg->n_refused : 0;
}

cp_err
cp_registry_refused(const cp_registry *reg, size_t i, const char **file,
    const char **reason)
{
	if (reg == NULL || i >= reg->n_refused)
		return CP_E_NOTFOUND;
	if (file != NULL)
		*file = reg->refused[i].file;
	if (reason != NULL)
		*reason = reg->refused[i].line;
	return CP_OK;
}

/* Whether capability c answers to key (NULL: any). */
static int
cap_matches(const struct cp_pcap *c, const char *key)
{
	const char *const *ids;
	size_t i;

	if (key == NULL)
		return 1;
	if (c->kind != CP_CAP_POLICY)
		return c->key != NULL && strcmp(c->key, key) == 0;
	ids = c->ops.policy.policy_ids;
	for (i = 0; ids != NULL && ids[i] != NULL && i < 65536; i++)
		if (strcmp(ids[i], key) == 0)
			return 1;
	return 0;
}

/* The capability of kind (matching key) that p offers, or NULL. */
static const struct cp_pcap *
instance_cap(const cp_plugin *p, int kind, const char *key)
{
	size_t i;

	for (i = 0; i < p->def->n_caps; i++)
		if ((int)p->def->caps[i].kind == kind &&
		    cap_matches(&p->def->caps[i], key))
			return &p->def->caps[i];
	return NULL;
}

cp_plugin *
cp_registry_find(cp_registry *reg, int kind, const char *key,
    const void **ops, void **ctx)
{
	const struct cp_pcap *c;
	size_t i;

	if (ops != NULL)
		*ops = NULL;
	if (ctx != NULL)
		*ctx = NULL;
	if (reg == NULL || reg->state == REG_LOADING)
		return NULL;
	for (i = 0; i < reg->n_inst; i++) {
		cp_plugin *p = reg->inst[i];

		if (!p->initialised || !p->enabled)
			continue;
		c = instance_cap(p, kind, key);
		if (c == NULL)
			continue;
		if (ops != NULL)
			*ops = &c->ops;
		if (ctx != NULL)
			*ctx = p->ctx;
		return p;
	}
	return NULL;
}

cp_plugin *
cp_registry_get(cp_registry *reg, const char *name, const char *instance,
    int kind, const void **ops, void **ctx)
{
	const struct cp_pcap *c = NULL;
	size_t i;

	if (ops != NULL)
		*ops = NULL;
	if (ctx != NULL)
		*ctx = NULL;
	if (reg == NULL || name == NULL || reg->state == REG_LOADING)
		return NULL;
	for (i = 0; i < reg->n_inst; i++) {
		cp_plugin *p = reg->inst[i];

		if (strcmp(p->def->desc.name, name) != 0 ||
		    !same_instance(p->instance, instance))
			continue;
		if (!p->initialised || !p->enabled)
			return NULL;
		if (kind != 0) {
			c = instance_cap(p, kind, NULL);
			if (c == NULL)
				return NULL;
		}
		if (ops != NULL && c != NULL)
			*ops = &c->ops;
		if (ctx != NULL)
			*ctx = p->ctx;
		return p;
	}
	return NULL;
}

cp_err
cp_registry_info_of(const cp_registry *reg, const cp_plugin *p,
    struct cp_plugin_info *out)
{
	size_t i, n = cp_registry_count(reg);

	memset(out, 0, sizeof(*out));
	if (reg == NULL || p == NULL || reg->state == REG_LOADING)
		return CP_E_NOTFOUND;
	for (i = 0; i < n; i++)
		if (reg->inst[i] == p)
			return cp_registry_info(reg, i, out);
	return CP_E_NOTFOUND;
}
