/*
 * aws_collect.c - one collection of an AWS account by the aws plugin, for
 * the aws-collect benchmark (tests/bench/aws-collect.sh).
 *
 *   aws_collect CONFIG ACCESS-KEY-ID SECRET-KEY-FILE ACCOUNT SNAPSHOT
 *
 * Loads the plugins of CONFIG the way the daemon does, has the aws plugin
 * collect ACCOUNT into the snapshot file SNAPSHOT (no policy runs: only
 * the collection is measured), and prints one line on stdout:
 *   <seconds> <peak RSS KiB> <resources> <security groups> <errors>
 * Collector errors are listed on stderr; exit 1 when there was any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <sqlite3.h>

#include "core/core.h"
#include "inventory/snapshot.h"
#include "util/util.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The first column of sql over the snapshot at path, or -1. */
static long long
count(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
print_errors(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(db, "SELECT collector, message "
	    "FROM collector_errors", -1, &st, NULL) == SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW)
			fprintf(stderr, "aws_collect: %s: %s\n",
			    sqlite3_column_text(st, 0),
			    sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int
main(int argc, char **argv)
{
	struct cp_snapshot_meta meta = { "aws", "bench", NULL, "aws", "bench",
	    0, 0 };
	const struct cp_cloud_ops *ops = NULL;
	struct cp_diag diag;
	struct rusage ru;
	cp_core *core = NULL;
	cp_registry *reg = NULL;
	cp_snapshot_writer *w = NULL;
	json_t *creds = NULL;
	void *ctx = NULL;
	char why[512] = "";
	double t0, t1;
	long long errors;
	cp_err r;
	int rc = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: aws_collect CONFIG ACCESS-KEY-ID "
		    "SECRET-KEY-FILE ACCOUNT SNAPSHOT\n");
		return 2;
	}
	cp_diag_init(&diag);
	if (cp_core_global_init() != CP_OK ||
	    cp_core_create(argv[1], &diag, &core) != CP_OK ||
	    cp_core_plugins(core, &diag, &reg) != CP_OK) {
		fprintf(stderr, "aws_collect: cannot load %s\n", argv[1]);
		goto out;
	}
	if (cp_registry_find(reg, CP_CAP_CLOUD, "aws", (const void **)&ops,
	    &ctx) == NULL) {
		fprintf(stderr, "aws_collect: no aws plugin is running\n");
		goto out;
	}
	{
		char *secret = NULL;
		size_t len;

		if (cp_secret_read_file(argv[3], 4096, &secret, &len, why,
		    sizeof(why)) != CP_OK) {
			fprintf(stderr, "aws_collect: %s\n", why);
			goto out;
		}
		creds = json_pack("{s:s, s:s}", "access_key_id", argv[2],
		    "secret_access_key", secret);
		cp_memwipe(secret, len);
		free(secret);
	}
	meta.unit = argv[4];
	meta.collected_at = time(NULL);
	if (creds == NULL) {
		fprintf(stderr, "aws_collect: the key id or secret is not "
		    "UTF-8 text\n");
		goto out;
	}
	if (cp_snapshot_begin(argv[5], &meta, &w, why, sizeof(why)) !=
	    CP_OK) {
		fprintf(stderr, "aws_collect: %s\n", why);
		goto out;
	}
	t0 = now_s();
	r = ops->collect(ctx, creds, argv[4], cp_snapshot_sink(w));
	if (r != CP_OK) {
		fprintf(stderr, "aws_collect: collect: %s\n", cp_strerror(r));
		cp_snapshot_abort(w);
		goto out;
	}
	if (cp_snapshot_commit(w, why, sizeof(why)) != CP_OK) {
		fprintf(stderr, "aws_collect: %s\n", why);
		goto out;
	}
	t1 = now_s();
	getrusage(RUSAGE_SELF, &ru);
	errors = count(argv[5], "SELECT count(*) FROM collector_errors");
	printf("%.3f %ld %lld %lld %lld\n", t1 - t0, ru.ru_maxrss,
	    count(argv[5], "SELECT count(*) FROM resources"),
	    count(argv[5], "SELECT count(*) FROM resources WHERE type = "
	    "'aws/ec2-security-group'"), errors);
	print_errors(argv[5]);
	rc = errors == 0 ? 0 : 1;
out:
	json_decref(creds);
	cp_core_destroy(core);
	cp_diag_free(&diag);
	cp_core_global_cleanup();
	return rc;
}
