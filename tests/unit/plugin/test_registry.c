/*
 * test_registry.c - the registry with the real test plugins of
 * tests/plugins copied into temporary plugin directories: the exact
 * refusal line of every bad plugin while the good ones load, directory
 * and file checks, two instances of one plugin with their own contexts,
 * configuration diagnostics, init failures and lookups.
 */
#include "plugintest.h"

#include "plugin/loader.h"
#include "plugin/registry.h"

static struct pt_log logged;
static cp_log *test_log;
static const time_t fixed_when = 1700000000;
static volatile int cancel_flag;

static time_t
fixed_clock(void *ud)
{
	return *(const time_t *)ud;
}

static cp_registry *
reg_new(void)
{
	struct cp_registry_opts o;
	cp_registry *reg = NULL;

	memset(&o, 0, sizeof(o));
	o.log = test_log;
	o.clock = fixed_clock;
	o.clock_ud = (void *)&fixed_when;
	o.cancel = &cancel_flag;
	CU_ASSERT_EQUAL_FATAL(cp_registry_create(&o, &reg), CP_OK);
	logged.n = 0;
	cancel_flag = 0;
	return reg;
}

/* A private directory with copies of the fixtures (mode 0755). */
static void
dir_with(char *dir, size_t n, const char *const *fixtures)
{
	char as[128];

	CU_ASSERT_FATAL(pt_mkdtemp(dir, n) == 0);
	for (; *fixtures != NULL; fixtures++) {
		snprintf(as, sizeof(as), "%s.so", *fixtures);
		CU_ASSERT_FATAL(pt_copy(*fixtures, dir, as, 0755) == 0);
	}
}

/* Checks that refusal i is "plugin DIR/FILE refused: ABI ...: what". */
static void
expect_refusal(cp_registry *reg, size_t i, const char *dir, const char *file,
    const char *abi, const char *what)
{
	char want[2048], path[1024], logline[2100];
	const char *f = NULL, *line = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(want, sizeof(want), "plugin %s refused: ABI %s (host %u.%u): "
	    "%s", path, abi, CP_ABI_MAJOR, CP_ABI_MINOR, what);
	CU_ASSERT_EQUAL_FATAL(cp_registry_refused(reg, i, &f, &line), CP_OK);
	CU_ASSERT_STRING_EQUAL(f, path);
	CU_ASSERT_STRING_EQUAL(line, want);
	if (strcmp(line, want) != 0)
		fprintf(stderr, "got:  %s\nwant: %s\n", line, want);
	/* Logged as it is kept, at error level. */
	snprintf(logline, sizeof(logline), "plugins: %s", want);
	CU_ASSERT_TRUE(pt_log_has(&logged, CP_LOG_ERROR, logline));
}

/* The refusal whose file is dir/file, or -1. */
static int
refusal_of(cp_registry *reg, const char *dir, const char *file)
{
	char path[1024];
	const char *f;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	for (i = 0; i < cp_registry_refused_count(reg); i++)
		if (cp_registry_refused(reg, i, &f, NULL) == CP_OK &&
		    strcmp(f, path) == 0)
			return (int)i;
	return -1;
}

static const char *
name_at(cp_registry *reg, size_t i)
{
	static struct cp_plugin_info pi;

	if (cp_registry_info(reg, i, &pi) != CP_OK)
		return "(none)";
	return pi.name;
}

static void
test_registry_refuses_each_bad_plugin(void)
{
	static const char *const fx[] = { "wrong-major", "newer-minor",
	    "bad-magic", "reserved", "no-entry", "null-callback",
	    "refuses-host", "bad-env-params", "cloud-flags", "desc-flags",
	    "good", "minimal", NULL };
	char dir[512], v[32];
	cp_registry *reg = reg_new();

	dir_with(dir, sizeof(dir), fx);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_OK);
	/* The good ones load, in the order of their file names. */
	CU_ASSERT_EQUAL_FATAL(cp_registry_count(reg), 2);
	CU_ASSERT_STRING_EQUAL(name_at(reg, 0), "good");
	CU_ASSERT_STRING_EQUAL(name_at(reg, 1), "minimal");
	CU_ASSERT_EQUAL_FATAL(cp_registry_refused_count(reg), 10);
	snprintf(v, sizeof(v), "%u.%u", CP_ABI_MAJOR, CP_ABI_MINOR);
	expect_refusal(reg, 0, dir, "bad-env-params.so", v,
	    "cloud env_params key 'port' has a bad default: '0' is not an "
	    "integer in [1, 65535]");
	expect_refusal(reg, 1, dir, "bad-magic.so", v,
	    "bad magic 0x12345678 (expected 0x43504c47)");
	expect_refusal(reg, 2, dir, "cloud-flags.so", v,
	    "cloud capability: flags 0x81 has unknown bits 0x80");
	expect_refusal(reg, 3, dir, "desc-flags.so", v,
	    "flags 0x4 has unknown bits 0x4");
	snprintf(v, sizeof(v), "%u.%u", CP_ABI_MAJOR, CP_ABI_MINOR + 1);
	expect_refusal(reg, 4, dir, "newer-minor.so", v,
	    "minor version is newer than the host's");
	expect_refusal(reg, 5, dir, "no-entry.so", "unknown",
	    "no cp_plugin_entry symbol");
	snprintf(v, sizeof(v), "%u.%u", CP_ABI_MAJOR, CP_ABI_MINOR);
	expect_refusal(reg, 6, dir, "null-callback.so", v,
	    "cloud capability: required member 'collect' is NULL");
	expect_refusal(reg, 7, dir, "refuses-host.so", "unknown",
	    "cp_plugin_entry returned NULL (the plugin refused this host)");
	expect_refusal(reg, 8, dir, "reserved.so", v,
	    "reserved[2] is not NULL");
	snprintf(v, sizeof(v), "%u.%u", CP_ABI_MAJOR + 1, CP_ABI_MINOR);
	expect_refusal(reg, 9, dir, "wrong-major.so", v,
	    "major version differs");
	CU_ASSERT_EQUAL(cp_registry_refused(reg, 10, NULL, NULL),
	    CP_E_NOTFOUND);
	cp_registry_destroy(reg);
	pt_rmtree(dir);
}

static void
test_registry_refuses_duplicate_names(void)
{
	static const char *const one[] = { "good", NULL };
	static const char *const two[] = { "dup-name", NULL };
	char d1[512], d2[512], path[600], what[1024], v[32];
	cp_registry *reg = reg_new();

	dir_with(d1, sizeof(d1), one);
	dir_with(d2, sizeof(d2), two);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, d1), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, d2), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_count(reg), 1);
	CU_ASSERT_EQUAL_FATAL(cp_registry_refused_count(reg), 1);
	snprintf(v, sizeof(v), "%u.%u", CP_ABI_MAJOR, CP_ABI_MINOR);
	snprintf(what, sizeof(what), "name 'good' is taken by %s/good.so",
	    d1);
	expect_refusal(reg, 0, d2, "dup-name.so", v, what);
	/* The same file twice is the same name twice. */
	snprintf(path, sizeof(path), "%s/good.so", d1);
	CU_ASSERT_EQUAL(cp_registry_load_file(reg, path), CP_E_EXISTS);
	expect_refusal(reg, 1, d1, "good.so", v, what);
	CU_ASSERT_EQUAL(cp_registry_count(reg), 1);
	cp_registry_destroy(reg);
	pt_rmtree(d1);
	pt_rmtree(d2);
}

/* Checks the one refusal of a plugin directory. */
static void
expect_dir_refusal(cp_registry *reg, const char *dir, const char *what)
{
	char want[1024];
	const char *f = NULL, *line = NULL;

	snprintf(want, sizeof(want), "plugin directory %s refused: %s", dir,
	    what);
	CU_ASSERT_EQUAL_FATAL(cp_registry_refused_count(reg), 1);
	CU_ASSERT_EQUAL(cp_registry_refused(reg, 0, &f, &line), CP_OK);
	CU_ASSERT_STRING_EQUAL(f, dir);
	CU_ASSERT_STRING_EQUAL(line, want);
	if (strcmp(line, want) != 0)
		fprintf(stderr, "got:  %s\nwant: %s\n", line, want);
	CU_ASSERT_EQUAL(cp_registry_count(reg), 0);
}

static void
test_registry_checks_directories(void)
{
	static const char *const fx[] = { "good", NULL };
	char dir[512], other[600], file[600];
	cp_registry *reg;

	dir_with(dir, sizeof(dir), fx);

	reg = reg_new();
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, "tests/plugins/.libs"),
	    CP_E_INVALID);
	expect_dir_refusal(reg, "tests/plugins/.libs", "not an absolute path");
	cp_registry_destroy(reg);

	reg = reg_new();
	snprintf(other, sizeof(other), "%s/missing", dir);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, other), CP_E_NOTFOUND);
	expect_dir_refusal(reg, other, "No such file or directory");
	cp_registry_destroy(reg);

	reg = reg_new();
	snprintf(other, sizeof(other), "%s.link", dir);
	CU_ASSERT_FATAL(symlink(dir, other) == 0);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, other), CP_E_PERM);
	expect_dir_refusal(reg, other, "is a symbolic link (mode 0777)");
	unlink(other);
	cp_registry_destroy(reg);

	reg = reg_new();
	snprintf(file, sizeof(file), "%s/good.so", dir);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, file), CP_E_INVALID);
	expect_dir_refusal(reg, file, "is not a directory (mode 0755)");
	cp_registry_destroy(reg);

	reg = reg_new();
	CU_ASSERT_FATAL(chmod(dir, 0777) == 0);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_E_PERM);
	expect_dir_refusal(reg, dir,
	    "is writable by group or others (mode 0777)");
	/* A file in it is refused for its directory, too. */
	CU_ASSERT_EQUAL(cp_registry_load_file(reg, file), CP_E_PERM);
	CU_ASSERT_EQUAL(cp_registry_refused_count(reg), 2);
	cp_registry_destroy(reg);

	reg = reg_new();
	CU_ASSERT_FATAL(chmod(dir, 0770) == 0);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_E_PERM);
	expect_dir_refusal(reg, dir,
	    "is writable by group or others (mode 0770)");
	cp_registry_destroy(reg);

	/* Once private again, it loads; a trailing slash is fine. */
	reg = reg_new();
	CU_ASSERT_FATAL(chmod(dir, 0755) == 0);
	snprintf(other, sizeof(other), "%s//", dir);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, other), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_refused_count(reg), 0);
	CU_ASSERT_EQUAL_FATAL(cp_registry_count(reg), 1);
	{
		struct cp_plugin_info pi;

		CU_ASSERT_EQUAL(cp_registry_info(reg, 0, &pi), CP_OK);
		CU_ASSERT_STRING_EQUAL(pi.file, file);
	}
	cp_registry_destroy(reg);
	pt_rmtree(dir);
}

static void
test_registry_checks_files(void)
{
	static const char *const fx[] = { "good", NULL };
	char dir[512], path[600], v[32];
	cp_registry *reg = reg_new();
	int i;

	dir_with(dir, sizeof(dir), fx);
	snprintf(path, sizeof(path), "%s/link.so", dir);
	CU_ASSERT_FATAL(symlink("good.so", path) == 0);
	CU_ASSERT_FATAL(pt_copy("minimal", dir, "open.so", 0666) == 0);
	CU_ASSERT_FATAL(pt_copy("minimal", dir, "group.so", 0775) == 0);
	CU_ASSERT_FATAL(pt_copy("minimal", dir, "Bad_Name.so", 0755) == 0);
	CU_ASSERT_FATAL(pt_copy("minimal", dir, ".hidden.so", 0755) == 0);
	CU_ASSERT_FATAL(pt_write(dir, "junk.so", "not an ELF file\n",
	    0644) == 0);
	snprintf(path, sizeof(path), "%s/sub.so", dir);
	CU_ASSERT_FATAL(mkdir(path, 0755) == 0);
	/* Not "*.so": never looked at. */
	CU_ASSERT_FATAL(pt_copy("minimal", dir, "minimal.so.1", 0777) == 0);
	CU_ASSERT_FATAL(pt_write(dir, "notes.txt", "hello\n", 0666) == 0);
	CU_ASSERT_FATAL(pt_write(dir, "good.la", "# libtool\n", 0644) == 0);

	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_registry_count(reg), 1);
	CU_ASSERT_STRING_EQUAL(name_at(reg, 0), "good");
	CU_ASSERT_EQUAL(cp_registry_refused_count(reg), 7);
	expect_refusal(reg, refusal_of(reg, dir, "link.so"), dir, "link.so",
	    "unknown", "is a symbolic link (mode 0777)");
	expect_refusal(reg, refusal_of(reg, dir, "open.so"), dir, "open.so",
	    "unknown", "is writable by group or others (mode 0666)");
	expect_refusal(reg, refusal_of(reg, dir, "group.so"), dir,
	    "group.so", "unknown",
	    "is writable by group or others (mode 0775)");
	expect_refusal(reg, refusal_of(reg, dir, "Bad_Name.so"), dir,
	    "Bad_Name.so", "unknown", "file name is not [a-z0-9-]+.so");
	expect_refusal(reg, refusal_of(reg, dir, ".hidden.so"), dir,
	    ".hidden.so", "unknown", "file name is not [a-z0-9-]+.so");
	expect_refusal(reg, refusal_of(reg, dir, "sub.so"), dir, "sub.so",
	    "unknown", "is not a regular file (mode 0755)");
	i = refusal_of(reg, dir, "junk.so");
	CU_ASSERT_FATAL(i >= 0);
	{
		const char *line;
		char want[1024];

		cp_registry_refused(reg, (size_t)i, NULL, &line);
		snprintf(want, sizeof(want), "plugin %s/junk.so refused: ABI "
		    "unknown (host %u.%u): cannot load: not an ELF file", dir,
		    CP_ABI_MAJOR, CP_ABI_MINOR);
		CU_ASSERT_STRING_EQUAL(line, want);
	}
	cp_registry_destroy(reg);

	/* One file at a time, by absolute path only. */
	reg = reg_new();
	snprintf(v, sizeof(v), "%u.%u", CP_ABI_MAJOR, CP_ABI_MINOR);
	CU_ASSERT_EQUAL(cp_registry_load_file(reg, "good.so"), CP_E_INVALID);
	CU_ASSERT_EQUAL_FATAL(cp_registry_refused_count(reg), 1);
	{
		const char *line;

		cp_registry_refused(reg, 0, NULL, &line);
		CU_ASSERT_STRING_EQUAL(line, "plugin good.so refused: ABI "
		    "unknown (host 1.1): not an absolute path");
	}
	snprintf(path, sizeof(path), "%s/good.so", dir);
	CU_ASSERT_EQUAL(cp_registry_load_file(reg, path), CP_OK);
	snprintf(path, sizeof(path), "%s/link.so", dir);
	CU_ASSERT_EQUAL(cp_registry_load_file(reg, path), CP_E_PERM);
	CU_ASSERT_EQUAL(cp_registry_count(reg), 1);
	cp_registry_destroy(reg);
	pt_rmtree(dir);
}

/* Loads dir and expects it refused as a directory with what. */
static void
expect_dir_refused(const char *dir, cp_err want, const char *what)
{
	cp_registry *reg = reg_new();

	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), want);
	expect_dir_refusal(reg, dir, what);
	cp_registry_destroy(reg);
}

/* Loads dir and expects good.so of it loaded, known by its path there. */
static void
expect_dir_loads(const char *dir)
{
	struct cp_plugin_info pi;
	char file[1024];
	cp_registry *reg = reg_new();

	snprintf(file, sizeof(file), "%s/good.so", dir);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_refused_count(reg), 0);
	CU_ASSERT_EQUAL_FATAL(cp_registry_count(reg), 1);
	CU_ASSERT_EQUAL(cp_registry_info(reg, 0, &pi), CP_OK);
	CU_ASSERT_STRING_EQUAL(pi.file, file);
	cp_registry_destroy(reg);
}

/* Loads dir and expects good.so and minimal.so of it loaded. */
static void
expect_dir_loads_both(const char *dir)
{
	cp_registry *reg = reg_new();

	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_refused_count(reg), 0);
	CU_ASSERT_EQUAL(cp_registry_count(reg), 2);
	cp_registry_destroy(reg);
}

/*
 * Every directory from "/" down to the plugin directory is checked, on
 * the descriptor the walk opened it as: a parent writable by others is
 * refused unless sticky; the plugin directory never may be; symbolic
 * links on the way are followed from trusted directories only.
 */
static void
test_registry_checks_parents(void)
{
	char top[512], sub[600], what[1024], path[700];

	CU_ASSERT_FATAL(pt_mkdtemp(top, sizeof(top)) == 0);
	snprintf(sub, sizeof(sub), "%s/sub", top);
	CU_ASSERT_FATAL(mkdir(sub, 0755) == 0);
	CU_ASSERT_FATAL(pt_copy("good", sub, "good.so", 0755) == 0);
	expect_dir_loads(sub);

	CU_ASSERT_FATAL(chmod(top, 0775) == 0);
	snprintf(what, sizeof(what), "parent %s: is writable by group or "
	    "others (mode 0775)", top);
	expect_dir_refused(sub, CP_E_PERM, what);
	CU_ASSERT_FATAL(chmod(top, 0757) == 0);
	snprintf(what, sizeof(what), "parent %s: is writable by group or "
	    "others (mode 0757)", top);
	expect_dir_refused(sub, CP_E_PERM, what);
	/* Sticky, as /tmp: others cannot replace what is ours in it. */
	CU_ASSERT_FATAL(chmod(top, 01777) == 0);
	expect_dir_loads(sub);
	/* But the plugin directory itself may not be writable by others. */
	CU_ASSERT_FATAL(chmod(sub, 01777) == 0);
	expect_dir_refused(sub, CP_E_PERM,
	    "is writable by group or others (mode 1777)");
	CU_ASSERT_FATAL(chmod(sub, 0755) == 0);
	CU_ASSERT_FATAL(chmod(top, 0700) == 0);

	/* A link on the way, in a directory that passed, is followed; the
	 * plugin keeps the name it was found by. */
	snprintf(path, sizeof(path), "%s/alias", top);
	CU_ASSERT_FATAL(symlink("sub", path) == 0);
	snprintf(path, sizeof(path), "%s/alias/.", top);
	expect_dir_loads(path);
	snprintf(path, sizeof(path), "%s/alias/../sub", top);
	expect_dir_loads(path);
	snprintf(path, sizeof(path), "%s/abs", top);
	CU_ASSERT_FATAL(symlink(top, path) == 0);
	snprintf(path, sizeof(path), "%s/abs/abs/alias/../sub", top);
	expect_dir_loads(path);
	/* The link's target is checked like any other directory: as the
	 * plugin directory, or as a parent when the walk goes through it. */
	CU_ASSERT_FATAL(chmod(sub, 0777) == 0);
	snprintf(path, sizeof(path), "%s/abs/alias/.", top);
	expect_dir_refused(path, CP_E_PERM,
	    "is writable by group or others (mode 0777)");
	snprintf(path, sizeof(path), "%s/abs/abs/alias/../sub", top);
	snprintf(what, sizeof(what), "parent %s: is writable by group or "
	    "others (mode 0777)", sub);
	expect_dir_refused(path, CP_E_PERM, what);
	CU_ASSERT_FATAL(chmod(sub, 0755) == 0);
	/* The plugin directory itself may not be a link. */
	snprintf(path, sizeof(path), "%s/alias", top);
	expect_dir_refused(path, CP_E_PERM, "is a symbolic link (mode 0777)");
	/* A loop ends. */
	snprintf(path, sizeof(path), "%s/loop", top);
	CU_ASSERT_FATAL(symlink("loop", path) == 0);
	snprintf(path, sizeof(path), "%s/loop/sub", top);
	expect_dir_refused(path, CP_E_INVALID,
	    "Too many levels of symbolic links");
	/* A file on the way is no directory. */
	snprintf(path, sizeof(path), "%s/good.so/x", sub);
	snprintf(what, sizeof(what), "%s/good.so: is not a directory "
	    "(mode 0755)", sub);
	expect_dir_refused(path, CP_E_INVALID, what);
	pt_rmtree(top);
}

/*
 * Plugin files and every directory above them must be owned by root or
 * by the effective uid.  Needs root (chown); tests run as root.
 */
static void
test_registry_checks_owners(void)
{
	char top[512], dir[600], what[1024], path[700];
	cp_registry *reg;

	if (geteuid() != 0) {
		fprintf(stderr, "checks owners: skipped, needs root for "
		    "chown\n");
		return;
	}
	CU_ASSERT_FATAL(pt_mkdtemp(top, sizeof(top)) == 0);
	snprintf(dir, sizeof(dir), "%s/plugins", top);
	CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
	CU_ASSERT_FATAL(pt_copy("good", dir, "good.so", 0755) == 0);
	CU_ASSERT_FATAL(pt_copy("minimal", dir, "minimal.so", 0755) == 0);

	/* A file of another user is refused; the rest loads. */
	snprintf(path, sizeof(path), "%s/good.so", dir);
	CU_ASSERT_FATAL(chown(path, 65534, (gid_t)-1) == 0);
	reg = reg_new();
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_registry_refused_count(reg), 1);
	expect_refusal(reg, 0, dir, "good.so", "unknown",
	    "owned by uid 65534, not by root or uid 0");
	CU_ASSERT_EQUAL_FATAL(cp_registry_count(reg), 1);
	CU_ASSERT_STRING_EQUAL(name_at(reg, 0), "minimal");
	cp_registry_destroy(reg);
	reg = reg_new();
	CU_ASSERT_EQUAL(cp_registry_load_file(reg, path), CP_E_PERM);
	expect_refusal(reg, 0, dir, "good.so", "unknown",
	    "owned by uid 65534, not by root or uid 0");
	cp_registry_destroy(reg);
	/* Its group does not matter. */
	CU_ASSERT_FATAL(chown(path, 0, 65534) == 0);
	expect_dir_loads_both(dir);

	/* The plugin directory of another user is refused. */
	CU_ASSERT_FATAL(chown(dir, 65534, (gid_t)-1) == 0);
	expect_dir_refused(dir, CP_E_PERM,
	    "owned by uid 65534, not by root or uid 0");
	CU_ASSERT_FATAL(chown(dir, 0, (gid_t)-1) == 0);

	/* So is a parent of another user, even a sticky one. */
	CU_ASSERT_FATAL(chown(top, 65534, (gid_t)-1) == 0);
	snprintf(what, sizeof(what), "parent %s: owned by uid 65534, not by "
	    "root or uid 0", top);
	expect_dir_refused(dir, CP_E_PERM, what);
	CU_ASSERT_FATAL(chmod(top, 01777) == 0);
	expect_dir_refused(dir, CP_E_PERM, what);
	CU_ASSERT_FATAL(chown(top, 0, (gid_t)-1) == 0);
	CU_ASSERT_FATAL(chmod(top, 01777) == 0);
	expect_dir_loads_both(dir);

	/* In a sticky directory others may write, a link of another user
	 * is not followed: they may point it anywhere. */
	snprintf(path, sizeof(path), "%s/alias", top);
	CU_ASSERT_FATAL(symlink("plugins", path) == 0);
	snprintf(path, sizeof(path), "%s/alias/.", top);
	expect_dir_loads_both(path);
	snprintf(path, sizeof(path), "%s/alias", top);
	CU_ASSERT_FATAL(lchown(path, 65534, (gid_t)-1) == 0);
	snprintf(what, sizeof(what), "symbolic link %s/alias: owned by uid "
	    "65534, not by root or uid 0", top);
	snprintf(path, sizeof(path), "%s/alias/.", top);
	expect_dir_refused(path, CP_E_PERM, what);
	pt_rmtree(top);
}

/* A configuration naming path, with the sections given. */
static void
cfg_init(struct cp_config *cfg, const char *path,
    struct cp_plugin_section *s, size_t n)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->path = (char *)path;
	cfg->sections = s;
	cfg->n_sections = n;
}

static const char *const good_and_minimal[] = { "good", "minimal", NULL };

static void
test_registry_runs_two_instances(void)
{
	struct cp_config_entry e1[] = {
		PT_ENTRY("greeting", "first", 11),
		PT_ENTRY("count", "5", 12),
	};
	struct cp_config_entry e2[] = {
		PT_ENTRY("greeting", "second", 21),
		PT_ENTRY("loud", "yes", 22),
		PT_ENTRY("token", "hunter2", 23),
	};
	struct cp_plugin_section s[] = {
		PT_SECTION("good", "second", 20, 1, e2),
		PT_SECTION("good", NULL, 10, 1, e1),
	};
	const struct cp_cloud_ops *c1, *c2;
	const struct cp_notifier_ops *nt;
	struct cp_validate_result r1, r2;
	struct cp_plugin_info pi;
	struct cp_config cfg;
	struct cp_diag d;
	cp_plugin *p1, *p2, *p;
	void *x1, *x2, *x;
	char dir[512], why[128];
	json_t *msg;
	cp_registry *reg = reg_new();

	dir_with(dir, sizeof(dir), good_and_minimal);
	cp_diag_init(&d);
	cfg_init(&cfg, "/etc/cloudpatrol/test.ini", s, CP_ARRAY_LEN(s));
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_configure(reg, &cfg, &d), CP_OK);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_EQUAL(cp_registry_init(reg), CP_OK);

	/* Instances: good's in the order of its sections, then minimal's
	 * default one. */
	CU_ASSERT_EQUAL_FATAL(cp_registry_count(reg), 3);
	CU_ASSERT_EQUAL(cp_registry_info(reg, 0, &pi), CP_OK);
	CU_ASSERT_STRING_EQUAL(pi.name, "good");
	CU_ASSERT_STRING_EQUAL(pi.instance, "second");
	CU_ASSERT_STRING_EQUAL(pi.version, "1.2.3");
	CU_ASSERT_EQUAL(pi.abi_major, CP_ABI_MAJOR);
	CU_ASSERT_EQUAL(pi.caps, (1u << CP_CAP_CLOUD) |
	    (1u << CP_CAP_SCANNER) | (1u << CP_CAP_NOTIFIER) |
	    (1u << CP_CAP_REPORT) | (1u << CP_CAP_POLICY));
	CU_ASSERT_TRUE(pi.enabled && pi.initialised);
	CU_ASSERT_PTR_NULL(pi.problem);
	CU_ASSERT_EQUAL(cp_registry_info(reg, 1, &pi), CP_OK);
	CU_ASSERT_STRING_EQUAL(pi.name, "good");
	CU_ASSERT_PTR_NULL(pi.instance);
	CU_ASSERT_EQUAL(cp_registry_info(reg, 2, &pi), CP_OK);
	CU_ASSERT_STRING_EQUAL(pi.name, "minimal");
	CU_ASSERT_PTR_NULL(pi.instance);
	CU_ASSERT_TRUE(pi.initialised);
	CU_ASSERT_STRING_EQUAL(pi.description, "");
	CU_ASSERT_EQUAL(cp_registry_info(reg, 3, &pi), CP_E_NOTFOUND);

	/* Each instance has its own context and its own values. */
	p1 = cp_registry_get(reg, "good", NULL, CP_CAP_CLOUD,
	    (const void **)&c1, &x1);
	p2 = cp_registry_get(reg, "good", "second", CP_CAP_CLOUD,
	    (const void **)&c2, &x2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p2);
	CU_ASSERT_PTR_NOT_EQUAL(p1, p2);
	/* An instance's identity, from the handle find/get give. */
	CU_ASSERT_EQUAL(cp_registry_info_of(reg, p2, &pi), CP_OK);
	CU_ASSERT_STRING_EQUAL(pi.name, "good");
	CU_ASSERT_STRING_EQUAL(pi.instance, "second");
	CU_ASSERT_STRING_EQUAL(pi.version, "1.2.3");
	CU_ASSERT_EQUAL(cp_registry_info_of(reg, NULL, &pi), CP_E_NOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(x1);
	CU_ASSERT_PTR_NOT_EQUAL(x1, x2);
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	CU_ASSERT_EQUAL(c1->validate(x1, NULL, &r1), CP_OK);
	CU_ASSERT_EQUAL(c1->validate(x1, NULL, &r1), CP_OK);
	cancel_flag = 1;
	CU_ASSERT_EQUAL(c2->validate(x2, NULL, &r2), CP_OK);
	CU_ASSERT_STRING_EQUAL(r1.account, "first");
	CU_ASSERT_STRING_EQUAL(r2.account, "second");
	CU_ASSERT_EQUAL(r1.remediation_capable, 0);
	CU_ASSERT_EQUAL(r2.remediation_capable, 1);
	CU_ASSERT_STRING_EQUAL(r1.detail,
	    "calls=2 count=5 now=1700000000 cancelled=0");
	CU_ASSERT_STRING_EQUAL(r2.detail,
	    "calls=1 count=3 now=1700000000 cancelled=1");
	/* init logged under each instance's own name. */
	CU_ASSERT_TRUE(pt_log_has(&logged, CP_LOG_INFO,
	    "plugin good: started: greeting first count 5"));
	CU_ASSERT_TRUE(pt_log_has(&logged, CP_LOG_INFO,
	    "plugin good/second: started: greeting second count 3"));

	/* Lookups: the first initialised instance with the capability. */
	p = cp_registry_find(reg, CP_CAP_NOTIFIER, "good-dest",
	    (const void **)&nt, &x);
	CU_ASSERT_PTR_EQUAL(p, p2);
	CU_ASSERT_PTR_EQUAL(x, x2);
	msg = json_pack("{s:s}", "text", "hi");
	CU_ASSERT_EQUAL(nt->send(x, NULL, msg, why, sizeof(why)), CP_SEND_OK);
	CU_ASSERT_STRING_EQUAL(why, "second: hi");
	json_decref(msg);
	p = cp_registry_find(reg, CP_CAP_NOTIFIER, "minimal-dest",
	    (const void **)&nt, &x);
	CU_ASSERT_PTR_NOT_NULL(p);
	CU_ASSERT_PTR_NOT_EQUAL(p, p1);
	CU_ASSERT_PTR_NOT_EQUAL(p, p2);
	CU_ASSERT_PTR_NULL(x);
	CU_ASSERT_EQUAL(nt->send(x, NULL, NULL, why, sizeof(why)),
	    CP_SEND_RETRY);
	CU_ASSERT_PTR_EQUAL(cp_registry_find(reg, CP_CAP_CLOUD, "goodcloud",
	    NULL, NULL), p2);
	CU_ASSERT_PTR_EQUAL(cp_registry_find(reg, CP_CAP_SCANNER, NULL, NULL,
	    NULL), p2);
	CU_ASSERT_PTR_EQUAL(cp_registry_find(reg, CP_CAP_REPORT, "good-fmt",
	    NULL, NULL), p2);
	CU_ASSERT_PTR_EQUAL(cp_registry_find(reg, CP_CAP_POLICY, "GOOD-2",
	    NULL, NULL), p2);
	CU_ASSERT_PTR_NULL(cp_registry_find(reg, CP_CAP_POLICY, "GOOD-3",
	    NULL, NULL));
	CU_ASSERT_PTR_NULL(cp_registry_find(reg, CP_CAP_CLOUD, "aws",
	    (const void **)&nt, &x));
	CU_ASSERT_PTR_NULL(nt);
	CU_ASSERT_PTR_NULL(x);
	CU_ASSERT_PTR_NULL(cp_registry_find(reg, 42, NULL, NULL, NULL));

	/* get: by name; kind 0 is any; a missing instance is NULL. */
	CU_ASSERT_PTR_EQUAL(cp_registry_get(reg, "good", "second", 0,
	    (const void **)&nt, &x), p2);
	CU_ASSERT_PTR_NULL(nt);
	CU_ASSERT_PTR_EQUAL(x, x2);
	CU_ASSERT_PTR_NULL(cp_registry_get(reg, "good", "third", 0, NULL,
	    NULL));
	CU_ASSERT_PTR_NULL(cp_registry_get(reg, "minimal", NULL,
	    CP_CAP_CLOUD, NULL, NULL));
	CU_ASSERT_PTR_NULL(cp_registry_get(reg, "nosuch", NULL, 0, NULL,
	    NULL));

	cp_registry_destroy(reg);
	cp_diag_free(&d);
	pt_rmtree(dir);
}

static void
test_registry_makes_default_instances(void)
{
	struct cp_plugin_info pi;
	struct cp_diag d;
	char dir[512];
	cp_registry *reg = reg_new();

	dir_with(dir, sizeof(dir), good_and_minimal);
	cp_diag_init(&d);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_OK);
	/* Before configure: the plugins, none running. */
	CU_ASSERT_EQUAL(cp_registry_count(reg), 2);
	CU_ASSERT_EQUAL(cp_registry_info(reg, 0, &pi), CP_OK);
	CU_ASSERT_STRING_EQUAL(pi.problem, "not configured yet");
	CU_ASSERT_FALSE(pi.enabled);
	CU_ASSERT_PTR_NULL(cp_registry_find(reg, CP_CAP_NOTIFIER, NULL, NULL,
	    NULL));

	CU_ASSERT_EQUAL(cp_registry_configure(reg, NULL, &d), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_init(reg), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_registry_count(reg), 2);
	CU_ASSERT_EQUAL(cp_registry_info(reg, 0, &pi), CP_OK);
	CU_ASSERT_STRING_EQUAL(pi.name, "good");
	CU_ASSERT_FALSE(pi.enabled);
	CU_ASSERT_FALSE(pi.initialised);
	CU_ASSERT_STRING_EQUAL(pi.problem, "not configured: needs greeting");
	CU_ASSERT_EQUAL(cp_registry_info(reg, 1, &pi), CP_OK);
	CU_ASSERT_STRING_EQUAL(pi.name, "minimal");
	CU_ASSERT_TRUE(pi.enabled);
	CU_ASSERT_TRUE(pi.initialised);
	CU_ASSERT_PTR_NULL(cp_registry_find(reg, CP_CAP_CLOUD, NULL, NULL,
	    NULL));
	CU_ASSERT_PTR_NOT_NULL(cp_registry_find(reg, CP_CAP_NOTIFIER, NULL,
	    NULL, NULL));
	CU_ASSERT_EQUAL(d.n, 0);
	cp_registry_destroy(reg);
	cp_diag_free(&d);
	pt_rmtree(dir);
}

static void
check_lines(const struct cp_diag *d, const char *const *want, size_t n)
{
	size_t i;

	CU_ASSERT_EQUAL(d->n, n);
	for (i = 0; i < d->n && i < n; i++) {
		CU_ASSERT_STRING_EQUAL(d->lines[i], want[i]);
		if (strcmp(d->lines[i], want[i]) != 0)
			fprintf(stderr, "got:  %s\nwant: %s\n", d->lines[i],
			    want[i]);
	}
	for (; i < d->n; i++)
		fprintf(stderr, "more: %s\n", d->lines[i]);
}

static void
test_registry_reports_config_problems(void)
{
	struct cp_config_entry e1[] = {
		PT_ENTRY("greeting", "hi", 2),
		PT_ENTRY("colour", "red", 3),
		PT_ENTRY("count", "500", 4),
		PT_ENTRY("endpoint", "ftp://x", 5),
	};
	struct cp_config_entry e2[] = {
		PT_ENTRY("count", "1", 8),
	};
	struct cp_plugin_section s[] = {
		PT_SECTION("good", NULL, 1, 1, e1),
		PT_SECTION("good", "second", 7, 1, e2),
		PT_SECTION0("good", "Bad", 10, 1),
		PT_SECTION0("nosuch", NULL, 12, 1),
		PT_SECTION0("gone", "x", 14, 0),
		PT_SECTION0("good", NULL, 16, 1),
	};
	static const char *const want[] = {
		"/etc/cp.ini:10: [plugin:good/Bad] the instance name is not "
		    "[a-z0-9-]{1,63}",
		"/etc/cp.ini:12: [plugin:nosuch] no plugin named 'nosuch' is "
		    "loaded",
		"/etc/cp.ini:14: warning: [plugin:gone/x] no plugin named "
		    "'gone' is loaded",
		"/etc/cp.ini:16: [plugin:good] section given twice (first at "
		    "line 1)",
		"/etc/cp.ini:3: [plugin:good] key 'colour': unknown key "
		    "(known: greeting, count, loud, endpoint, key_file, tags, "
		    "token)",
		"/etc/cp.ini:4: [plugin:good] key 'count': '500' is not an "
		    "integer in [0, 100]",
		"/etc/cp.ini:5: [plugin:good] key 'endpoint': 'ftp://x' is "
		    "not an http:// or https:// URL",
		"/etc/cp.ini:7: [plugin:good/second] key 'greeting': required "
		    "but not given",
	};
	static const char *const want_defaults[] = {
		"(defaults):3: [plugin:good] key 'colour': unknown key "
		    "(known: greeting, count, loud, endpoint, key_file, tags, "
		    "token)",
		"(defaults):4: [plugin:good] key 'count': '500' is not an "
		    "integer in [0, 100]",
		"(defaults):5: [plugin:good] key 'endpoint': 'ftp://x' is "
		    "not an http:// or https:// URL",
	};
	struct cp_plugin_info pi;
	struct cp_config cfg;
	struct cp_diag d;
	char dir[512];
	cp_registry *reg = reg_new();

	dir_with(dir, sizeof(dir), good_and_minimal);
	cp_diag_init(&d);
	cfg_init(&cfg, "/etc/cp.ini", s, CP_ARRAY_LEN(s));
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_configure(reg, &cfg, &d), CP_E_CONFIG);
	check_lines(&d, want, CP_ARRAY_LEN(want));
	CU_ASSERT_EQUAL(d.errors, CP_ARRAY_LEN(want) - 1);
	/* Broken instances stay off; the others still start. */
	CU_ASSERT_EQUAL(cp_registry_init(reg), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_registry_count(reg), 3);
	CU_ASSERT_EQUAL(cp_registry_info(reg, 0, &pi), CP_OK);
	CU_ASSERT_FALSE(pi.initialised);
	CU_ASSERT_STRING_EQUAL(pi.problem, "configuration error");
	CU_ASSERT_EQUAL(cp_registry_info(reg, 1, &pi), CP_OK);
	CU_ASSERT_STRING_EQUAL(pi.instance, "second");
	CU_ASSERT_FALSE(pi.initialised);
	CU_ASSERT_EQUAL(cp_registry_info(reg, 2, &pi), CP_OK);
	CU_ASSERT_TRUE(pi.initialised);
	cp_registry_destroy(reg);
	cp_diag_free(&d);

	/* Without a file, the diagnostics say "(defaults)". */
	reg = reg_new();
	cp_diag_init(&d);
	cfg_init(&cfg, NULL, s, 1);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_configure(reg, &cfg, &d), CP_E_CONFIG);
	check_lines(&d, want_defaults, CP_ARRAY_LEN(want_defaults));
	cp_registry_destroy(reg);
	cp_diag_free(&d);
	pt_rmtree(dir);
}

static void
test_registry_disables_failing_init(void)
{
	struct cp_config_entry e1[] = {
		PT_ENTRY("greeting", "fail-init", 2),
	};
	struct cp_config_entry e2[] = {
		PT_ENTRY("greeting", "fine", 5),
	};
	struct cp_plugin_section s[] = {
		PT_SECTION("good", NULL, 1, 1, e1),
		PT_SECTION("good", "ok", 4, 1, e2),
		PT_SECTION0("minimal", NULL, 7, 0),
	};
	struct cp_plugin_info pi;
	struct cp_config cfg;
	struct cp_diag d;
	char dir[512];
	cp_registry *reg = reg_new();

	dir_with(dir, sizeof(dir), good_and_minimal);
	cp_diag_init(&d);
	cfg_init(&cfg, "/etc/cp.ini", s, CP_ARRAY_LEN(s));
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_configure(reg, &cfg, &d), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_init(reg), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_registry_count(reg), 3);
	CU_ASSERT_EQUAL(cp_registry_info(reg, 0, &pi), CP_OK);
	CU_ASSERT_FALSE(pi.enabled);
	CU_ASSERT_FALSE(pi.initialised);
	CU_ASSERT_STRING_EQUAL(pi.problem, "init failed: plugin error");
	CU_ASSERT_TRUE(pt_log_has(&logged, CP_LOG_ERROR,
	    "plugin good: refusing to start"));
	CU_ASSERT_EQUAL(cp_registry_info(reg, 1, &pi), CP_OK);
	CU_ASSERT_TRUE(pi.initialised);
	/* Disabled in the configuration: off, with no problem. */
	CU_ASSERT_EQUAL(cp_registry_info(reg, 2, &pi), CP_OK);
	CU_ASSERT_FALSE(pi.enabled);
	CU_ASSERT_FALSE(pi.initialised);
	CU_ASSERT_PTR_NULL(pi.problem);
	CU_ASSERT_PTR_EQUAL(cp_registry_find(reg, CP_CAP_CLOUD, NULL, NULL,
	    NULL), cp_registry_get(reg, "good", "ok", 0, NULL, NULL));
	CU_ASSERT_PTR_NULL(cp_registry_get(reg, "good", NULL, 0, NULL,
	    NULL));
	CU_ASSERT_PTR_NULL(cp_registry_find(reg, CP_CAP_NOTIFIER,
	    "minimal-dest", NULL, NULL));
	cp_registry_destroy(reg);
	cp_diag_free(&d);
	pt_rmtree(dir);
}

static void
test_registry_enforces_its_order(void)
{
	struct cp_registry_opts o;
	struct cp_diag d;
	char dir[512];
	cp_registry *reg = NULL;

	memset(&o, 0, sizeof(o));
	CU_ASSERT_EQUAL(cp_registry_create(&o, &reg), CP_E_INVALID);
	CU_ASSERT_PTR_NULL(reg);
	CU_ASSERT_EQUAL(cp_registry_create(NULL, &reg), CP_E_INVALID);
	cp_registry_destroy(NULL);
	CU_ASSERT_EQUAL(cp_registry_count(NULL), 0);

	reg = reg_new();
	dir_with(dir, sizeof(dir), good_and_minimal);
	cp_diag_init(&d);
	CU_ASSERT_EQUAL(cp_registry_init(reg), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_registry_configure(reg, NULL, NULL), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_configure(reg, NULL, &d), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_registry_load_file(reg, dir), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_registry_count(reg), 0);
	CU_ASSERT_EQUAL(cp_registry_init(reg), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_init(reg), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_registry_refused_count(reg), 0);
	cp_registry_destroy(reg);
	cp_diag_free(&d);
	pt_rmtree(dir);
}

/* The cloud's env_params, as the CLI gets them: the host's own copy. */
static void
test_registry_lends_checked_env_params(void)
{
	struct cp_config_entry e[] = {
		PT_ENTRY("greeting", "hi", 2),
	};
	struct cp_plugin_section s[] = {
		PT_SECTION("good", NULL, 1, 1, e),
	};
	const struct cp_plugin_descriptor *d;
	const struct cp_cloud_ops *ops, *theirs;
	const struct cp_config_key *k;
	cp_plugin_entry_fn entry;
	struct cp_config cfg;
	struct cp_diag diag;
	char dir[512], path[600], why[512];
	cp_registry *reg = reg_new();

	dir_with(dir, sizeof(dir), good_and_minimal);
	cp_diag_init(&diag);
	cfg_init(&cfg, "/etc/cp.ini", s, CP_ARRAY_LEN(s));
	CU_ASSERT_EQUAL(cp_registry_load_dir(reg, dir), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_configure(reg, &cfg, &diag), CP_OK);
	CU_ASSERT_EQUAL(cp_registry_init(reg), CP_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cp_registry_find(reg, CP_CAP_CLOUD,
	    "goodcloud", (const void **)&ops, NULL));
	CU_ASSERT_EQUAL(ops->flags, CP_CLOUD_F_INSPECT_OPT_IN);
	k = ops->env_params;
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_STRING_EQUAL(k[0].key, "region");
	CU_ASSERT_EQUAL(k[0].flags, CP_CFG_REQUIRED);
	CU_ASSERT_STRING_EQUAL(k[0].description, "where the things are");
	CU_ASSERT_STRING_EQUAL(k[1].key, "api_key");
	CU_ASSERT_EQUAL(k[1].flags, CP_CFG_REQUIRED | CP_CFG_SECRET);
	CU_ASSERT_STRING_EQUAL(k[2].key, "port");
	CU_ASSERT_STRING_EQUAL(k[2].def, "443");
	CU_ASSERT_PTR_NULL(k[3].key);
	/* The same module, asked directly: its table is not the one lent. */
	snprintf(path, sizeof(path), "%s/good.so", dir);
	CU_ASSERT_EQUAL_FATAL(cp_loader_open(path, &entry, why, sizeof(why)),
	    CP_OK);
	d = entry(CP_ABI_MAJOR, CP_ABI_MINOR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	theirs = d->caps[0].ops;
	CU_ASSERT_PTR_NOT_NULL_FATAL(theirs->env_params);
	CU_ASSERT_PTR_NOT_EQUAL(k, theirs->env_params);
	CU_ASSERT_PTR_NOT_EQUAL(k[0].key, theirs->env_params[0].key);
	CU_ASSERT_STRING_EQUAL(k[0].key, theirs->env_params[0].key);
	/* cp_registry_get lends the same copy. */
	CU_ASSERT_PTR_NOT_NULL(cp_registry_get(reg, "good", NULL,
	    CP_CAP_CLOUD, (const void **)&theirs, NULL));
	CU_ASSERT_PTR_EQUAL(theirs->env_params, k);
	cp_registry_destroy(reg);
	cp_diag_free(&diag);
	pt_rmtree(dir);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "refuses each bad plugin",
		    test_registry_refuses_each_bad_plugin },
		{ "refuses duplicate names",
		    test_registry_refuses_duplicate_names },
		{ "checks directories", test_registry_checks_directories },
		{ "checks files", test_registry_checks_files },
		{ "checks parents", test_registry_checks_parents },
		{ "checks owners", test_registry_checks_owners },
		{ "runs two instances", test_registry_runs_two_instances },
		{ "makes default instances",
		    test_registry_makes_default_instances },
		{ "reports config problems",
		    test_registry_reports_config_problems },
		{ "disables failing init",
		    test_registry_disables_failing_init },
		{ "enforces its order", test_registry_enforces_its_order },
		{ "lends checked env_params",
		    test_registry_lends_checked_env_params },
		{ NULL, NULL }
	};
	int rc;

	test_log = pt_log_create(&logged);
	if (test_log == NULL || cp_loader_global_init() != CP_OK)
		return 1;
	rc = cp_test_run("plugin/registry", tests);
	cp_log_destroy(test_log);
	return rc;
}
