/*
 * test_fs.c - bounded reads, private-file checks, atomic writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cptest.h"
#include "util/util.h"

static char dir[] = "/tmp/cp-test-fs-XXXXXX";

static void
path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static void
test_fs_write_atomic_then_read(void)
{
	char p[512], *data = NULL;
	struct stat st;
	size_t len = 0;

	path_of(p, sizeof(p), "f");
	CU_ASSERT_EQUAL(cp_file_write_atomic(p, "hello\n", 6, 0600), CP_OK);
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL(cp_file_read(p, 100, &data, &len), CP_OK);
	CU_ASSERT_EQUAL(len, 6);
	CU_ASSERT_STRING_EQUAL(data, "hello\n");
	free(data);
	CU_ASSERT_EQUAL(cp_file_read(p, 5, &data, &len), CP_E_LIMIT);
	CU_ASSERT_PTR_NULL(data);
	path_of(p, sizeof(p), "missing");
	CU_ASSERT_EQUAL(cp_file_read(p, 5, &data, &len), CP_E_NOTFOUND);
}

static void
test_fs_check_private(void)
{
	char p[512], why[512], l[512];

	path_of(p, sizeof(p), "secret");
	CU_ASSERT_EQUAL(cp_file_write_atomic(p, "s", 1, 0600), CP_OK);
	CU_ASSERT_EQUAL(cp_file_check_private(p, why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(chmod(p, 0640), 0);
	CU_ASSERT_EQUAL(cp_file_check_private(p, why, sizeof(why)), CP_E_PERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "mode 0640"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "chmod 600"));
	CU_ASSERT_EQUAL(chmod(p, 0604), 0);
	CU_ASSERT_EQUAL(cp_file_check_private(p, why, sizeof(why)), CP_E_PERM);
	/* A symlink is not a regular file, even to a private one. */
	CU_ASSERT_EQUAL(chmod(p, 0600), 0);
	path_of(l, sizeof(l), "link");
	CU_ASSERT_EQUAL(symlink(p, l), 0);
	CU_ASSERT_EQUAL(cp_file_check_private(l, why, sizeof(why)), CP_E_PERM);
	path_of(p, sizeof(p), "none");
	CU_ASSERT_EQUAL(cp_file_check_private(p, why, sizeof(why)),
	    CP_E_NOTFOUND);
}

static void
test_fs_mkdir_p(void)
{
	char p[512];
	struct stat st;

	path_of(p, sizeof(p), "a/b/c");
	CU_ASSERT_EQUAL(cp_mkdir_p(p, 0700), CP_OK);
	CU_ASSERT_EQUAL(cp_mkdir_p(p, 0700), CP_OK);
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_TRUE(S_ISDIR(st.st_mode));
}

static void
test_fs_memwipe(void)
{
	char s[8] = "secret!";

	cp_memwipe(s, sizeof(s));
	CU_ASSERT_EQUAL(memcmp(s, "\0\0\0\0\0\0\0\0", 8), 0);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "write_atomic_then_read", test_fs_write_atomic_then_read },
		{ "check_private", test_fs_check_private },
		{ "mkdir_p", test_fs_mkdir_p },
		{ "memwipe", test_fs_memwipe },
		{ NULL, NULL }
	};
	char cmd[600];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	rc = cp_test_run("fs", tests);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
