/*
 * test_secret.c - secrets are read only from private files the user owns,
 * never through a symlink, bounded, and never echoed in messages.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cptest.h"
#include "util/util.h"

static char dir[] = "/tmp/cp-test-secret-XXXXXX";

static void
put(const char *name, const char *text, mode_t mode, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", dir, name);
	CU_ASSERT_EQUAL_FATAL(cp_file_write_atomic(path, text, strlen(text),
	    mode), CP_OK);
}

static void
test_secret_reads_a_private_file(void)
{
	char path[512], why[512], *s = NULL;
	size_t len = 0;

	put("ok", "tok3n\r\n\n", 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(cp_secret_read_file(path, 64, &s, &len, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_STRING_EQUAL(s, "tok3n");
	CU_ASSERT_EQUAL(len, 5);
	cp_memwipe(s, len);
	free(s);
}

static void
test_secret_refuses_unsafe_files(void)
{
	char path[512], link[512], why[512], *s = NULL;

	put("open", "tok3n", 0644, path, sizeof(path));
	CU_ASSERT_EQUAL(cp_secret_read_file(path, 64, &s, NULL, why,
	    sizeof(why)), CP_E_PERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "mode 0644"));
	CU_ASSERT_PTR_NULL(strstr(why, "tok3n"));
	CU_ASSERT_PTR_NULL(s);
	put("private", "tok3n", 0600, path, sizeof(path));
	snprintf(link, sizeof(link), "%s/link", dir);
	CU_ASSERT_EQUAL(symlink(path, link), 0);
	CU_ASSERT_EQUAL(cp_secret_read_file(link, 64, &s, NULL, why,
	    sizeof(why)), CP_E_PERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "symbolic link"));
	/* Owned by someone else (the tests run as root or as a user). */
	if (geteuid() == 0) {
		CU_ASSERT_EQUAL(chown(path, 65534, 65534), 0);
		CU_ASSERT_EQUAL(cp_secret_read_file(path, 64, &s, NULL, why,
		    sizeof(why)), CP_E_PERM);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "owned by uid 65534"));
	}
	snprintf(path, sizeof(path), "%s", dir);
	CU_ASSERT_EQUAL(cp_secret_read_file(path, 64, &s, NULL, why,
	    sizeof(why)), CP_E_PERM);
	snprintf(path, sizeof(path), "%s/none", dir);
	CU_ASSERT_EQUAL(cp_secret_read_file(path, 64, &s, NULL, why,
	    sizeof(why)), CP_E_NOTFOUND);
}

static void
test_secret_bounds_and_empty(void)
{
	char path[512], why[512], *s = NULL;

	put("big", "0123456789", 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(cp_secret_read_file(path, 9, &s, NULL, why,
	    sizeof(why)), CP_E_LIMIT);
	CU_ASSERT_EQUAL(cp_secret_read_file(path, 10, &s, NULL, why,
	    sizeof(why)), CP_OK);
	free(s);
	put("empty", "\n", 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(cp_secret_read_file(path, 10, &s, NULL, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "empty"));
}

static void
test_secret_reads_a_descriptor(void)
{
	char why[256], *s = NULL;
	int p[2];

	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	CU_ASSERT_EQUAL(write(p[1], "from-stdin\n", 11), 11);
	close(p[1]);
	CU_ASSERT_EQUAL(cp_secret_read_fd(p[0], 64, &s, NULL, why,
	    sizeof(why)), CP_OK);
	close(p[0]);
	CU_ASSERT_STRING_EQUAL(s, "from-stdin");
	free(s);
	/* A closed descriptor is an error, not an empty secret. */
	CU_ASSERT_EQUAL(cp_secret_read_fd(p[0], 64, &s, NULL, why,
	    sizeof(why)), CP_E_IO);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "reads_a_private_file", test_secret_reads_a_private_file },
		{ "refuses_unsafe_files", test_secret_refuses_unsafe_files },
		{ "bounds_and_empty", test_secret_bounds_and_empty },
		{ "reads_a_descriptor", test_secret_reads_a_descriptor },
		{ NULL, NULL }
	};
	char cmd[600];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	rc = cp_test_run("secret", tests);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
