/*
 * loader.c - every libltdl call of cloudpatrol, under one mutex.
 *
 * The mutex is the one piece of mutable global state of the plugin
 * subsystem: it guards libltdl's own globals (its handle list and its
 * error string), which exist once per process whatever we do.
 *
 * A module is loaded from a descriptor, by the name /proc/self/fd/M of a
 * duplicate M of it.  Both libltdl (its handle list) and glibc (its list
 * of loaded objects) answer a second open of a name they know with the
 * module they already have, without looking at the file: once M was
 * closed and its number reused, "/proc/self/fd/M" would load the first
 * plugin again in place of the new one.  So M is never closed once its
 * module is mapped, which costs one descriptor per loaded module; modules
 * are never unloaded anyway.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ltdl.h>

#include "plugin/loader.h"

static pthread_mutex_t lt_lock = PTHREAD_MUTEX_INITIALIZER;

cp_err
cp_loader_global_init(void)
{
	int rc;

	pthread_mutex_lock(&lt_lock);
	rc = lt_dlinit();
	pthread_mutex_unlock(&lt_lock);
	return rc == 0 ? CP_OK : CP_E_PLUGIN;
}

/* libltdl's last error, or a fallback; call with lt_lock held. */
static const char *
lt_why(void)
{
	const char *e = lt_dlerror();

	return e != NULL ? e : "unknown libltdl error";
}

/*
 * libltdl says "file not found" for every failure of dlopen(), even for a
 * file that is there, so the obvious cases are told apart here first,
 * from the header of the file open as fd.  Returns 0 when it looks like
 * an ELF shared object.
 */
static int
elf_problem(int fd, char *why, size_t why_size)
{
	unsigned char h[EI_NIDENT + 4];
	uint16_t type;
	ssize_t n;

	do
		n = pread(fd, h, sizeof(h), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(why, why_size, "cannot load: %s", strerror(errno));
		return -1;
	}
	if (n != (ssize_t)sizeof(h) || memcmp(h, ELFMAG, SELFMAG) != 0) {
		snprintf(why, why_size, "cannot load: not an ELF file");
		return -1;
	}
	/* e_type follows e_ident, in the file's byte order. */
	if (h[EI_DATA] == ELFDATA2MSB)
		type = (uint16_t)(h[EI_NIDENT] << 8 | h[EI_NIDENT + 1]);
	else
		type = (uint16_t)(h[EI_NIDENT] | h[EI_NIDENT + 1] << 8);
	if (type != ET_DYN) {
		snprintf(why, why_size, "cannot load: not a shared object "
		    "(ELF type %u)", (unsigned)type);
		return -1;
	}
	return 0;
}

/*
 * Whether name (/proc/self/fd/M) leads to the file open as fd: without
 * /proc mounted it leads nowhere, and the dynamic linker's message would
 * not say why.
 */
static int
proc_problem(int fd, const char *name, char *why, size_t why_size)
{
	struct stat a, b;

	if (fstat(fd, &a) != 0) {
		snprintf(why, why_size, "cannot load: %s", strerror(errno));
		return -1;
	}
	if (stat(name, &b) != 0) {
		snprintf(why, why_size, "cannot load: %s: %s (plugins are "
		    "loaded through /proc: is it mounted?)", name,
		    strerror(errno));
		return -1;
	}
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		snprintf(why, why_size, "cannot load: %s is not the file "
		    "that was checked (is /proc mounted?)", name);
		return -1;
	}
	return 0;
}

/*
 * Maps the module named name and finds its entry; call with lt_lock held.
 * Returns 1 when the module is mapped (whatever else failed), 0 when not.
 */
static int
lt_load(const char *name, cp_plugin_entry_fn *entry, cp_err *r, char *why,
    size_t why_size)
{
	const lt_dlinfo *info;
	lt_dladvise adv;
	lt_dlhandle h;
	union {
		void *p;
		cp_plugin_entry_fn fn;
	} sym;

	(void)lt_dlerror();
	if (lt_dladvise_init(&adv) != 0) {
		snprintf(why, why_size, "libltdl: %s", lt_why());
		return 0;
	}
	/*
	 * Local symbols, so that two plugins' statics never meet; no
	 * lt_dladvise_ext: the name is opened as given, never completed with
	 * an extension or looked up in a search path.
	 */
	if (lt_dladvise_local(&adv) != 0) {
		snprintf(why, why_size, "libltdl: %s", lt_why());
		lt_dladvise_destroy(&adv);
		return 0;
	}
	h = lt_dlopenadvise(name, adv);
	lt_dladvise_destroy(&adv);
	if (h == NULL) {
		snprintf(why, why_size, "cannot load: the dynamic linker "
		    "refused it (libltdl: %s): a library it needs is missing, "
		    "or it was built for another system", lt_why());
		return 0;
	}
	/* A reused handle would be another file's: see the head comment. */
	info = lt_dlgetinfo(h);
	if (info == NULL || info->ref_count != 1) {
		snprintf(why, why_size, "cannot load: libltdl already had a "
		    "module named %s", name);
		return 1;
	}
	sym.p = lt_dlsym(h, CP_PLUGIN_ENTRY_SYMBOL);
	if (sym.p == NULL) {
		snprintf(why, why_size, "no %s symbol",
		    CP_PLUGIN_ENTRY_SYMBOL);
		return 1;
	}
	*entry = sym.fn;
	*r = CP_OK;
	return 1;
}

cp_err
cp_loader_open_fd(int fd, cp_plugin_entry_fn *entry, char *why,
    size_t why_size)
{
	char name[64];
	int keep, mapped;
	cp_err r = CP_E_PLUGIN;

	*entry = NULL;
	if (fd < 0) {
		snprintf(why, why_size, "no file descriptor");
		return CP_E_INVALID;
	}
	if (elf_problem(fd, why, why_size) != 0)
		return CP_E_PLUGIN;
	keep = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (keep < 0) {
		snprintf(why, why_size, "cannot load: %s", strerror(errno));
		return CP_E_PLUGIN;
	}
	snprintf(name, sizeof(name), "/proc/self/fd/%d", keep);
	if (proc_problem(keep, name, why, why_size) != 0) {
		close(keep);
		return CP_E_PLUGIN;
	}
	pthread_mutex_lock(&lt_lock);
	mapped = lt_load(name, entry, &r, why, why_size);
	pthread_mutex_unlock(&lt_lock);
	/* Mapped: keep stays open for good (see the head comment). */
	if (!mapped)
		close(keep);
	return r;
}

cp_err
cp_loader_open(const char *path, cp_plugin_entry_fn *entry, char *why,
    size_t why_size)
{
	struct stat st;
	int fd;
	cp_err r;

	*entry = NULL;
	if (path == NULL || path[0] != '/') {
		snprintf(why, why_size, "not an absolute path");
		return CP_E_INVALID;
	}
	/* O_NONBLOCK: a FIFO in place of the file must not hang us. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY);
	if (fd < 0) {
		snprintf(why, why_size, "cannot load: %s", strerror(errno));
		return CP_E_PLUGIN;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, why_size, "cannot load: not a regular file");
		close(fd);
		return CP_E_PLUGIN;
	}
	r = cp_loader_open_fd(fd, entry, why, why_size);
	close(fd);
	return r;
}
