/*
 * loader.c - every libltdl call of cloudpatrol, under one mutex.
 *
 * The mutex is the one piece of mutable global state of the plugin
 * subsystem: it guards libltdl's own globals (its handle list and its
 * error string), which exist once per process whatever we do.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
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
 * file that is there, so the obvious cases are told apart here first.
 * Returns 0 when path looks like an ELF shared object.
 */
static int
elf_problem(const char *path, char *why, size_t why_size)
{
	unsigned char h[EI_NIDENT + 4];
	uint16_t type;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(why, why_size, "cannot load: %s", strerror(errno));
		return -1;
	}
	n = read(fd, h, sizeof(h));
	close(fd);
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

cp_err
cp_loader_open(const char *path, cp_plugin_entry_fn *entry, char *why,
    size_t why_size)
{
	lt_dladvise adv;
	lt_dlhandle h;
	union {
		void *p;
		cp_plugin_entry_fn fn;
	} sym;
	cp_err r = CP_E_PLUGIN;

	*entry = NULL;
	if (path == NULL || path[0] != '/') {
		snprintf(why, why_size, "not an absolute path");
		return CP_E_INVALID;
	}
	if (elf_problem(path, why, why_size) != 0)
		return CP_E_PLUGIN;
	pthread_mutex_lock(&lt_lock);
	(void)lt_dlerror();
	if (lt_dladvise_init(&adv) != 0) {
		snprintf(why, why_size, "libltdl: %s", lt_why());
		goto out;
	}
	/*
	 * Local symbols, so that two plugins' statics never meet; no
	 * lt_dladvise_ext: the path is opened as given, never completed with
	 * an extension or looked up in a search path.
	 */
	if (lt_dladvise_local(&adv) != 0) {
		snprintf(why, why_size, "libltdl: %s", lt_why());
		lt_dladvise_destroy(&adv);
		goto out;
	}
	h = lt_dlopenadvise(path, adv);
	lt_dladvise_destroy(&adv);
	if (h == NULL) {
		snprintf(why, why_size, "cannot load: the dynamic linker "
		    "refused it (libltdl: %s): a library it needs is missing, "
		    "or it was built for another system", lt_why());
		goto out;
	}
	sym.p = lt_dlsym(h, CP_PLUGIN_ENTRY_SYMBOL);
	if (sym.p == NULL) {
		snprintf(why, why_size, "no %s symbol",
		    CP_PLUGIN_ENTRY_SYMBOL);
		goto out;
	}
	*entry = sym.fn;
	r = CP_OK;
out:
	pthread_mutex_unlock(&lt_lock);
	return r;
}
