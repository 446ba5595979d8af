/*
 * test_core.c - the context object: config, lazily made pieces, store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/core.h"
#include "cptest.h"

static char dir[] = "/tmp/cp-test-core-XXXXXX";
static char ini[600];

static void
test_core_create_and_open_store(void)
{
	struct cp_diag d;
	char why[512], db[700];
	cp_core *core = NULL;
	cp_store *st = NULL;
	struct stat sb;
	FILE *fp;

	snprintf(ini, sizeof(ini), "%s/cp.ini", dir);
	fp = fopen(ini, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fprintf(fp, "[core]\nstate_dir = %s/state\nplugin_dirs = %s\n"
	    "log_level = error\n", dir, dir);
	fclose(fp);
	cp_diag_init(&d);
	CU_ASSERT_EQUAL_FATAL(cp_core_create(ini, &d, &core), CP_OK);
	CU_ASSERT_EQUAL(cp_core_config(core)->log_level, CP_LOG_ERROR);
	CU_ASSERT_PTR_NOT_NULL(cp_core_log(core));
	CU_ASSERT_EQUAL(*cp_core_cancel_flag(core), 0);
	/* The HTTP pool is made once and kept. */
	CU_ASSERT_PTR_NOT_NULL(cp_core_http(core));
	CU_ASSERT_PTR_EQUAL(cp_core_http(core), cp_core_http(core));
	CU_ASSERT_EQUAL(cp_core_store(core, CP_STORE_CREATE, &st, why,
	    sizeof(why)), CP_OK);
	snprintf(db, sizeof(db), "%s/state/cloudpatrol.db", dir);
	CU_ASSERT_EQUAL(stat(db, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 077, 0);
	cp_store_close(st);
	cp_core_destroy(core);
	cp_core_destroy(NULL);
	cp_diag_free(&d);
}

static void
test_core_bad_config_fails_with_diagnostics(void)
{
	struct cp_diag d;
	cp_core *core = NULL;
	FILE *fp;

	snprintf(ini, sizeof(ini), "%s/bad.ini", dir);
	fp = fopen(ini, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fprintf(fp, "[core]\nworkers = -1\n");
	fclose(fp);
	cp_diag_init(&d);
	CU_ASSERT_EQUAL(cp_core_create(ini, &d, &core), CP_E_CONFIG);
	CU_ASSERT_PTR_NULL(core);
	CU_ASSERT_EQUAL(d.errors, 1);
	cp_diag_free(&d);
}

static void
test_core_loads_no_plugins_from_an_empty_dir(void)
{
	struct cp_diag d;
	cp_core *core = NULL;
	cp_registry *reg = NULL, *again = NULL;
	FILE *fp;

	snprintf(ini, sizeof(ini), "%s/empty.ini", dir);
	fp = fopen(ini, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fprintf(fp, "[core]\nplugin_dirs = %s\n", dir);
	fclose(fp);
	cp_diag_init(&d);
	CU_ASSERT_EQUAL_FATAL(cp_core_create(ini, &d, &core), CP_OK);
	CU_ASSERT_EQUAL(cp_core_plugins(core, &d, &reg), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(reg);
	CU_ASSERT_EQUAL(cp_registry_count(reg), 0);
	/* Loaded once: the second call hands back the same registry. */
	CU_ASSERT_EQUAL(cp_core_plugins(core, &d, &again), CP_OK);
	CU_ASSERT_PTR_EQUAL(reg, again);
	cp_core_destroy(core);
	cp_diag_free(&d);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "create_and_open_store", test_core_create_and_open_store },
		{ "bad_config_fails_with_diagnostics",
		    test_core_bad_config_fails_with_diagnostics },
		{ "loads_no_plugins_from_an_empty_dir",
		    test_core_loads_no_plugins_from_an_empty_dir },
		{ NULL, NULL }
	};
	char cmd[600];
	int rc;

	if (mkdtemp(dir) == NULL || cp_core_global_init() != CP_OK)
		return 2;
	rc = cp_test_run("core", tests);
	cp_core_global_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
