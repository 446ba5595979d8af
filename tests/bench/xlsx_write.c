/*
 * xlsx_write.c - one report written by the report-xlsx plugin, for the
 * xlsx-write benchmark (tests/bench/xlsx-write.sh).
 *
 *   xlsx_write PLUGIN.so OUT.xlsx ROWS
 *
 * Loads PLUGIN.so through a registry the way the core does and writes
 * ROWS rows of 12 columns (text, integers, decimals, percentages,
 * timestamps: xlsx_write_peer.py writes the same values with openpyxl)
 * through its cp_report_ops, as the core would: one JSON array per row.
 * The row's cells are JSON values reused from row to row (set in place),
 * so that what is measured is the writer, not the allocator.  Prints one
 * line on stdout:
 *   <seconds> <peak RSS KiB>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "log/log.h"
#include "plugin/loader.h"
#include "plugin/registry.h"

#define COLS 12
#define T0 1764061200LL		/* 2025-11-25 09:00:00 UTC */

static const char *const columns =
    "{\"name\": \"Resources\", \"columns\": ["
    "{\"title\": \"Resource\", \"type\": \"text\"},"
    "{\"title\": \"Type\", \"type\": \"text\"},"
    "{\"title\": \"Region\", \"type\": \"text\"},"
    "{\"title\": \"Findings\", \"type\": \"integer\"},"
    "{\"title\": \"Open ports\", \"type\": \"integer\"},"
    "{\"title\": \"Cost\", \"type\": \"decimal\"},"
    "{\"title\": \"CPU\", \"type\": \"decimal\"},"
    "{\"title\": \"Score\", \"type\": \"percentage\"},"
    "{\"title\": \"Coverage\", \"type\": \"percentage\"},"
    "{\"title\": \"Created\", \"type\": \"timestamp\"},"
    "{\"title\": \"Checked\", \"type\": \"timestamp\"},"
    "{\"title\": \"Owner\", \"type\": \"text\"}]}";

static const char *const types[] = {
	"aws/ec2-instance", "aws/s3-bucket", "aws/iam-user",
	"aws/rds-db-instance"
};
static const char *const regions[] = {
	"ap-northeast-1", "us-east-1", "eu-west-1"
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sets the cells of row i (the same values as xlsx_write_peer.py). */
static int
fill(json_t **cell, long long i)
{
	char text[64];
	int r = 0;

	snprintf(text, sizeof(text), "i-%012llx", i);
	r |= json_string_set(cell[0], text);
	r |= json_string_set(cell[1], types[i % 4]);
	r |= json_string_set(cell[2], regions[i % 3]);
	r |= json_integer_set(cell[3], i % 17);
	r |= json_integer_set(cell[4], (i * 7) % 65536);
	r |= json_real_set(cell[5], (double)(i % 100000) / 4.0);
	r |= json_real_set(cell[6], (double)(i % 1000) / 8.0);
	r |= json_real_set(cell[7], (double)(i % 1000) / 1000.0);
	r |= json_real_set(cell[8], (double)(i % 200) / 200.0);
	r |= json_integer_set(cell[9], T0 - i * 60);
	r |= json_integer_set(cell[10], T0 + i);
	snprintf(text, sizeof(text), "チーム%lld", i % 50);
	r |= json_string_set(cell[11], text);
	return r;
}

int
main(int argc, char **argv)
{
	const struct cp_report_ops *ops = NULL;
	struct cp_registry_opts o;
	struct cp_config cfg;
	struct cp_diag diag;
	struct rusage ru;
	cp_registry *reg = NULL;
	cp_log *log = NULL;
	json_t *row = NULL, *tbl = NULL, *opts = NULL, *cell[COLS];
	void *ctx = NULL, *doc = NULL;
	const void *p = NULL;
	char tmpdir[4096], *slash;
	long long rows, i;
	double t0, t1;
	cp_err r;
	int rc = 1, k;

	if (argc != 4) {
		fprintf(stderr, "usage: xlsx_write PLUGIN.so OUT.xlsx ROWS\n");
		return 2;
	}
	rows = strtoll(argv[3], NULL, 10);
	if (rows < 0 || rows > 1048575) {
		fprintf(stderr, "xlsx_write: ROWS is 0 to 1048575\n");
		return 2;
	}
	cp_diag_init(&diag);
	log = cp_log_create(CP_LOG_TO_STDERR, CP_LOG_WARNING, "xlsx_write");
	memset(&o, 0, sizeof(o));
	o.log = log;
	if (log == NULL || cp_loader_global_init() != CP_OK ||
	    cp_registry_create(&o, &reg) != CP_OK)
		goto out;
	cp_registry_load_file(reg, argv[1]);
	memset(&cfg, 0, sizeof(cfg));
	if (cp_registry_configure(reg, &cfg, &diag) != CP_OK ||
	    cp_registry_init(reg) != CP_OK ||
	    cp_registry_get(reg, "report-xlsx", NULL, CP_CAP_REPORT, &p,
	    &ctx) == NULL) {
		fprintf(stderr, "xlsx_write: cannot load %s\n", argv[1]);
		goto out;
	}
	ops = p;
	snprintf(tmpdir, sizeof(tmpdir), "%s", argv[2]);
	slash = strrchr(tmpdir, '/');
	if (slash == NULL || slash == tmpdir) {
		fprintf(stderr, "xlsx_write: OUT.xlsx must be an absolute "
		    "path\n");
		goto out;
	}
	*slash = '\0';
	row = json_array();
	tbl = json_loads(columns, 0, NULL);
	opts = json_pack("{s:s, s:s}", "lang", "en", "tmpdir", tmpdir);
	if (row == NULL || tbl == NULL || opts == NULL)
		goto out;
	for (k = 0; k < COLS; k++) {
		cell[k] = k == 0 || k == 1 || k == 2 || k == 11 ?
		    json_string("") : k == 5 || k == 6 || k == 7 || k == 8 ?
		    json_real(0) : json_integer(0);
		if (json_array_append_new(row, cell[k]) != 0)
			goto out;
	}

	t0 = now_s();
	r = ops->open(ctx, argv[2], opts, &doc);
	if (r == CP_OK)
		r = ops->add_table(doc, tbl);
	for (i = 0; r == CP_OK && i < rows; i++) {
		if (fill(cell, i) != 0) {
			r = CP_E_NOMEM;
			break;
		}
		r = ops->add_row(doc, row);
	}
	if (doc != NULL) {
		cp_err rc_close = ops->close(doc, r == CP_OK);

		if (r == CP_OK)
			r = rc_close;
	}
	t1 = now_s();
	if (r != CP_OK) {
		fprintf(stderr, "xlsx_write: failed: %s\n", cp_strerror(r));
		goto out;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("%.3f %ld\n", t1 - t0, ru.ru_maxrss);
	rc = 0;
out:
	json_decref(row);
	json_decref(tbl);
	json_decref(opts);
	cp_registry_destroy(reg);
	cp_log_destroy(log);
	cp_diag_free(&diag);
	return rc;
}
