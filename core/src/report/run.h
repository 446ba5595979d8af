/*
 * run.h - running a named report over a portal, one environment or one
 * unit, to a file: what "cloudpatrol report NAME" and the daemon's
 * monthly jobs call.
 *
 * Reports (R-REP-1):
 *   risk	risk diagnosis A or B (R-RSK-1..3); summary: scores
 *   audit	per framework requirement and resource (R-CIS-2..4);
 *		summary: audit scores
 *   assets	cloud asset ledger: public and private addresses (R-ASM-1)
 *   accounts	account ledger: users and keys per cloud (R-REP-4)
 *   resources	every resource of the units (R-REP-5)
 *   asm	what the active scans saw per target and port, with the
 *		CVEs of the vulnerability cache (R-ASM-5, report/asm.h)
 *   bulk	all of the above for every environment, one sheet each,
 *		scores per environment in the summary (XLSX); the ASM
 *		sheet only when the portal has observations
 */
#ifndef CP_REPORT_RUN_H
#define CP_REPORT_RUN_H

#include <stddef.h>
#include <time.h>

#include "policy/engine.h"
#include "policy/framework.h"
#include "policy/geoip.h"
#include "policy/pack.h"
#include "report/report.h"
#include "store/store.h"

struct cp_report_job {
	const char *name;		/* see above */
	int variant;			/* risk: 'A' or 'B' */
	const char *framework;		/* audit: id; NULL: every one */
	int level;			/* audit: 1 or 2; 0: both */
	const char *env;		/* scope; NULL: the whole portal */
	const char *unit;		/* alone: must be in one env */
	const char *target;		/* asm: one registered target */
	/* output */
	const char *format;		/* "csv", "xlsx" */
	const char *path;		/* "-": standard output (CSV) */
	const char *lang;		/* "en" or "ja" */
	unsigned flags;			/* CP_REPORT_NO_BOM */
	/* what it reads */
	cp_store *store;
	const struct cp_portal *portal;
	const cp_policy_set *policies;
	const cp_framework_set *frameworks;
	cp_registry *plugins;
	const char *state_dir;
	const cp_geoip *geoip;
	cp_log *log;
	time_t now;			/* 0: time(NULL) */
	/* see cp_report_opts.cancel; may be NULL */
	const volatile sig_atomic_t *cancel;
	/* called after each unit of each part; may be NULL */
	void (*progress)(void *ud, size_t done, size_t total);
	void *progress_ud;
};

struct cp_report_result {
	size_t units;			/* units reported (distinct) */
	size_t rows;
	size_t shortened;		/* text cells cut for the format */
	size_t repaired;		/* text cells not valid UTF-8 */
};

/* Whether name is a known report. */
int cp_report_known(const char *name);

/*
 * Writes the report.  CP_E_NOTFOUND when the scope names no environment
 * or unit of the portal; why says what went wrong.
 */
cp_err cp_report_run(const struct cp_report_job *j,
    struct cp_report_result *res, char *why, size_t why_size);

#endif /* CP_REPORT_RUN_H */
