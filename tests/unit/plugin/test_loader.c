/*
 * test_loader.c - the libltdl wrapper: absolute paths only, no extension
 * guessing, the entry symbol found or its absence said, loading from a
 * descriptor what the descriptor is (whatever the path names by then, and
 * whatever was loaded before under the same descriptor number), and safe
 * from several threads at once.
 */
#include "plugintest.h"

#include <pthread.h>

#include "plugin/loader.h"

static void
test_loader_opens_a_plugin(void)
{
	const struct cp_plugin_descriptor *d;
	cp_plugin_entry_fn entry = NULL;
	char path[4096], why[512] = "";

	pt_fixture("good", path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(cp_loader_open(path, &entry, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(entry);
	d = entry(CP_ABI_MAJOR, CP_ABI_MINOR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_STRING_EQUAL(d->name, "good");
	CU_ASSERT_PTR_NULL(entry(CP_ABI_MAJOR + 1, 0));
}

static void
test_loader_wants_absolute_paths(void)
{
	cp_plugin_entry_fn entry = NULL;
	char why[512];

	CU_ASSERT_EQUAL(cp_loader_open("tests/plugins/.libs/good.so", &entry,
	    why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "not an absolute path");
	CU_ASSERT_EQUAL(cp_loader_open("good.so", &entry, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_loader_open(NULL, &entry, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_PTR_NULL(entry);
}

static void
test_loader_guesses_no_extension(void)
{
	cp_plugin_entry_fn entry = NULL;
	char path[4096], why[512];

	/* good.so exists beside it; "good" must not find it. */
	snprintf(path, sizeof(path), "%s/tests/plugins/.libs/good",
	    pt_builddir());
	CU_ASSERT_EQUAL(cp_loader_open(path, &entry, why, sizeof(why)),
	    CP_E_PLUGIN);
	CU_ASSERT_PTR_NULL(entry);
	CU_ASSERT_STRING_EQUAL(why, "cannot load: No such file or directory");
}

/* Writes a file that starts with an ELF header of type e_type. */
static int
write_elf(const char *dir, const char *name, unsigned e_type)
{
	unsigned char h[64];
	char path[600];
	FILE *fp;

	memset(h, 0, sizeof(h));
	memcpy(h, "\177ELF", 4);
	h[4] = 2;		/* ELFCLASS64 */
	h[5] = 1;		/* ELFDATA2LSB */
	h[6] = 1;		/* EV_CURRENT */
	h[16] = (unsigned char)e_type;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL)
		return -1;
	if (fwrite(h, 1, sizeof(h), fp) != sizeof(h)) {
		fclose(fp);
		return -1;
	}
	return fclose(fp);
}

static void
expect_failure(const char *path, const char *want_prefix)
{
	cp_plugin_entry_fn entry = NULL;
	char why[512] = "";

	CU_ASSERT_EQUAL(cp_loader_open(path, &entry, why, sizeof(why)),
	    CP_E_PLUGIN);
	CU_ASSERT_PTR_NULL(entry);
	CU_ASSERT_EQUAL(strncmp(why, want_prefix, strlen(want_prefix)), 0);
	if (strncmp(why, want_prefix, strlen(want_prefix)) != 0)
		fprintf(stderr, "got:  %s\nwant: %s...\n", why, want_prefix);
}

static void
test_loader_says_why_it_fails(void)
{
	char dir[512], path[600];

	CU_ASSERT_FATAL(pt_mkdtemp(dir, sizeof(dir)) == 0);
	snprintf(path, sizeof(path), "%s/missing.so", dir);
	expect_failure(path, "cannot load: No such file or directory");

	CU_ASSERT_FATAL(pt_write(dir, "junk.so", "not an ELF file\n",
	    0755) == 0);
	snprintf(path, sizeof(path), "%s/junk.so", dir);
	expect_failure(path, "cannot load: not an ELF file");

	CU_ASSERT_FATAL(write_elf(dir, "exec.so", 2) == 0);
	snprintf(path, sizeof(path), "%s/exec.so", dir);
	expect_failure(path, "cannot load: not a shared object (ELF type 2)");

	/* An ELF header and nothing behind it: the dynamic linker says no. */
	CU_ASSERT_FATAL(write_elf(dir, "broken.so", 3) == 0);
	snprintf(path, sizeof(path), "%s/broken.so", dir);
	expect_failure(path, "cannot load: the dynamic linker refused it "
	    "(libltdl: ");

	pt_fixture("no-entry", path, sizeof(path));
	expect_failure(path, "no cp_plugin_entry symbol");
	pt_rmtree(dir);
}

/* The name of the plugin loaded from fd, or what went wrong. */
static const char *
name_via_fd(int fd)
{
	const struct cp_plugin_descriptor *d;
	cp_plugin_entry_fn entry = NULL;
	char why[512] = "";

	if (cp_loader_open_fd(fd, &entry, why, sizeof(why)) != CP_OK) {
		fprintf(stderr, "load failed: %s\n", why);
		return "(failed)";
	}
	d = entry(CP_ABI_MAJOR, CP_ABI_MINOR);
	return d != NULL ? d->name : "(refused)";
}

static void
test_loader_loads_what_was_opened(void)
{
	const struct cp_plugin_descriptor *d;
	cp_plugin_entry_fn entry = NULL;
	char dir[512], path[600], other[600], why[512];
	int fd;

	CU_ASSERT_FATAL(pt_mkdtemp(dir, sizeof(dir)) == 0);
	CU_ASSERT_FATAL(pt_copy("good", dir, "p.so", 0755) == 0);
	CU_ASSERT_FATAL(pt_copy("minimal", dir, "q.so", 0755) == 0);
	snprintf(path, sizeof(path), "%s/p.so", dir);
	snprintf(other, sizeof(other), "%s/q.so", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	/* After the checks, the path comes to name another plugin: what is
	 * loaded is still the file that was opened (and checked). */
	CU_ASSERT_FATAL(rename(other, path) == 0);
	CU_ASSERT_STRING_EQUAL(name_via_fd(fd), "good");
	close(fd);
	/* Opened anew, the path gives the new file. */
	CU_ASSERT_EQUAL_FATAL(cp_loader_open(path, &entry, why, sizeof(why)),
	    CP_OK);
	d = entry(CP_ABI_MAJOR, CP_ABI_MINOR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_STRING_EQUAL(d->name, "minimal");
	pt_rmtree(dir);
}

/*
 * libltdl and glibc know a module by the name it was opened by: were the
 * descriptor behind "/proc/self/fd/N" closed, the next plugin loaded
 * through the same number would be answered with the first one.
 */
static void
test_loader_keeps_names_apart(void)
{
	static const char *const order[] = { "good", "minimal", "good",
	    "wrong-major" };
	char dir[512], as[32], path[600];
	size_t i;
	int fd;

	CU_ASSERT_FATAL(pt_mkdtemp(dir, sizeof(dir)) == 0);
	for (i = 0; i < CP_ARRAY_LEN(order); i++) {
		snprintf(as, sizeof(as), "p%zu.so", i);
		CU_ASSERT_FATAL(pt_copy(order[i], dir, as, 0755) == 0);
		snprintf(path, sizeof(path), "%s/%s", dir, as);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_STRING_EQUAL(name_via_fd(fd), order[i]);
		close(fd);
	}
	pt_rmtree(dir);
}

static void
test_loader_wants_a_regular_file(void)
{
	cp_plugin_entry_fn entry = NULL;
	char dir[512], path[600], why[512];

	CU_ASSERT_FATAL(pt_mkdtemp(dir, sizeof(dir)) == 0);
	/* A FIFO must neither hang the open nor be read. */
	snprintf(path, sizeof(path), "%s/fifo.so", dir);
	CU_ASSERT_FATAL(mkfifo(path, 0600) == 0);
	CU_ASSERT_EQUAL(cp_loader_open(path, &entry, why, sizeof(why)),
	    CP_E_PLUGIN);
	CU_ASSERT_STRING_EQUAL(why, "cannot load: not a regular file");
	/* Nor is a symbolic link followed at the end of the path. */
	snprintf(path, sizeof(path), "%s/link.so", dir);
	CU_ASSERT_FATAL(symlink("fifo.so", path) == 0);
	CU_ASSERT_EQUAL(cp_loader_open(path, &entry, why, sizeof(why)),
	    CP_E_PLUGIN);
	CU_ASSERT_STRING_EQUAL(why, "cannot load: Too many levels of "
	    "symbolic links");
	CU_ASSERT_EQUAL(cp_loader_open_fd(-1, &entry, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_STRING_EQUAL(why, "no file descriptor");
	CU_ASSERT_PTR_NULL(entry);
	pt_rmtree(dir);
}

#define THREADS 4
#define ROUNDS 25

static void *
open_many(void *arg)
{
	static const char *const names[] = { "good", "minimal",
	    "wrong-major" };
	cp_plugin_entry_fn entry;
	char path[4096], why[512];
	int i, *fails = arg;

	for (i = 0; i < ROUNDS; i++) {
		pt_fixture(names[i % 3], path, sizeof(path));
		if (cp_loader_open(path, &entry, why, sizeof(why)) != CP_OK ||
		    entry(CP_ABI_MAJOR, CP_ABI_MINOR) == NULL)
			(*fails)++;
	}
	return NULL;
}

static void
test_loader_is_thread_safe(void)
{
	pthread_t t[THREADS];
	int fails[THREADS] = { 0 };
	int i;

	for (i = 0; i < THREADS; i++)
		CU_ASSERT_FATAL(pthread_create(&t[i], NULL, open_many,
		    &fails[i]) == 0);
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(fails[i], 0);
	}
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "opens a plugin", test_loader_opens_a_plugin },
		{ "wants absolute paths", test_loader_wants_absolute_paths },
		{ "guesses no extension", test_loader_guesses_no_extension },
		{ "says why it fails", test_loader_says_why_it_fails },
		{ "loads what was opened",
		    test_loader_loads_what_was_opened },
		{ "keeps names apart", test_loader_keeps_names_apart },
		{ "wants a regular file", test_loader_wants_a_regular_file },
		{ "is thread safe", test_loader_is_thread_safe },
		{ NULL, NULL }
	};

	if (cp_loader_global_init() != CP_OK)
		return 1;
	return cp_test_run("plugin/loader", tests);
}
