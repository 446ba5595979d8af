/*
 * test_aa_cpe.c - the asm-active plugin's CPE names from banners
 * (plugins/asm-active/cpe.c) with the cpe.tsv the plugin installs, and
 * the table's own errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asm_active.h"
#include "cptest.h"

static struct aa_cpe_table *
real_table(void)
{
	struct aa_cpe_table *t = NULL;
	char path[1024], why[256];

	snprintf(path, sizeof(path), "%s/plugins/asm-active/cpe.tsv",
	    CP_TEST_SRCDIR());
	CU_ASSERT_EQUAL_FATAL(aa_cpe_load(path, &t, why, sizeof(why)), 0);
	return t;
}

/* The names kind/text gives, joined by spaces ("" for none). */
static const char *
names(const struct aa_cpe_table *t, const char *kind, const char *text)
{
	static char buf[2048];
	json_t *a = json_array();
	size_t i, len = 0;

	buf[0] = '\0';
	aa_cpe_match(t, kind, text, a);
	for (i = 0; i < json_array_size(a) && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    i > 0 ? " " : "", json_string_value(json_array_get(a, i)));
	json_decref(a);
	return buf;
}

static void
test_banners(void)
{
	struct aa_cpe_table *t = real_table();

	CU_ASSERT_STRING_EQUAL(names(t, "server", "nginx/1.22.1"),
	    "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*");
	CU_ASSERT_STRING_EQUAL(names(t, "server",
	    "Apache/2.4.57 (Debian) OpenSSL/3.0.11"),
	    "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:* "
	    "cpe:2.3:a:openssl:openssl:3.0.11:*:*:*:*:*:*:*");
	CU_ASSERT_STRING_EQUAL(names(t, "ssh", "OpenSSH_9.2p1 Debian-2"),
	    "cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*");
	/* No version: the product only. */
	CU_ASSERT_STRING_EQUAL(names(t, "powered-by", "ASP.NET"),
	    "cpe:2.3:a:microsoft:asp.net:*:*:*:*:*:*:*:*");
	/* A banner cannot inject logical values or more fields. */
	CU_ASSERT_STRING_EQUAL(names(t, "server", "nginx/1.*"),
	    "cpe:2.3:a:f5:nginx:1.\\*:*:*:*:*:*:*:*");
	CU_ASSERT_STRING_EQUAL(names(t, "server", "nginx/1:2:3"),
	    "cpe:2.3:a:f5:nginx:1\\:2\\:3:*:*:*:*:*:*:*");
	CU_ASSERT_STRING_EQUAL(names(t, "server", "unknown/1.0"), "");
	aa_cpe_free(t);
}

static void
test_exchange_builds(void)
{
	struct aa_cpe_table *t = real_table();

	/* The build a cumulative update shipped with: NVD's names. */
	CU_ASSERT_STRING_EQUAL(names(t, "owa", "15.2.792.3"),
	    "cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_8:"
	    "*:*:*:*:*:*");
	CU_ASSERT_STRING_EQUAL(names(t, "owa", " 15.1.2176.2 "),
	    "cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_19:"
	    "*:*:*:*:*:*");
	CU_ASSERT_STRING_EQUAL(names(t, "owa", "15.2.221.12"),
	    "cpe:2.3:a:microsoft:exchange_server:2019:-:*:*:*:*:*:*");
	/* CU8 with the March 2021 security update: not named at all. */
	CU_ASSERT_STRING_EQUAL(names(t, "owa", "15.2.792.10"), "");
	CU_ASSERT_STRING_EQUAL(names(t, "owa", "15.2.792"), "");
	CU_ASSERT_STRING_EQUAL(names(t, "owa", ""), "");
	/* A build is only a build under its own kind. */
	CU_ASSERT_STRING_EQUAL(names(t, "server", "15.2.792.3"), "");
	aa_cpe_free(t);
}

/* Loads text as a table; the error text, or "" when it loaded. */
static const char *
load_text(const char *text)
{
	static char why[256];
	struct aa_cpe_table *t = NULL;
	char path[] = "/tmp/cp-aa-cpe-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp;

	CU_ASSERT_FATAL(fd >= 0);
	fp = fdopen(fd, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs(text, fp);
	fclose(fp);
	why[0] = '\0';
	if (aa_cpe_load(path, &t, why, sizeof(why)) == 0)
		CU_ASSERT_STRING_EQUAL(why, "");
	aa_cpe_free(t);
	unlink(path);
	/* Without the file's random name. */
	return strchr(why, ':') != NULL ? strchr(why, ':') : why;
}

static void
test_table_errors(void)
{
	CU_ASSERT_STRING_EQUAL(load_text("# comment\n\nserver\tx\ta:v:p\n"),
	    "");
	CU_ASSERT_STRING_EQUAL(load_text("owa\t1.2\ta:v:p\tas=1:u\n"), "");
	CU_ASSERT_PTR_NOT_NULL(strstr(load_text("\nserver\tx\ta:v\n"),
	    ":2: expected"));
	CU_ASSERT_PTR_NOT_NULL(strstr(load_text("owa\t1\ta:v:p\tas=2019\n"),
	    ":1: expected"));
	CU_ASSERT_PTR_NOT_NULL(strstr(load_text("owa\t1\ta:v:p\tas=:u\n"),
	    ":1: expected"));
	CU_ASSERT_PTR_NOT_NULL(strstr(load_text("ssh\tx\tq:v:p\n"),
	    ":1: expected"));
	CU_ASSERT_PTR_NOT_NULL(strstr(load_text("ssh\tx\ta:v:p\tsuffix\n"),
	    ":1: expected"));
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "banners", test_banners },
		{ "exchange builds", test_exchange_builds },
		{ "table errors", test_table_errors },
		{ NULL, NULL },
	};

	return cp_test_run("aa_cpe", tests);
}
