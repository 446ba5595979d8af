/*
 * run_priv.h - what the parts of a report share with run.c: the run, the
 * units in scope and the score rows of the summary.  Each part (risk.c,
 * audit, assets...) adds its table and rows to x->rep.
 */
#ifndef CP_REPORT_RUN_PRIV_H
#define CP_REPORT_RUN_PRIV_H

#include "report/run.h"

struct rrun_unit {
	struct cp_env env;
	struct cp_unit unit;
};

struct rrun_score {
	const char *report_en, *report_ja;	/* static text */
	char *env, *cloud, *unit;	/* unit NULL: a total */
	size_t pass, fail, other;	/* other: no target / n.a. */
	int scored;
};

struct rrun {
	const struct cp_report_job *j;
	cp_report *rep;
	struct rrun_unit *units;	/* in scope, by environment */
	size_t n_units;
	struct rrun_score *scores;
	size_t n_scores;
	size_t done, total;		/* progress */
	char *why;
	size_t why_size;
};

/* The text in the report's language. */
const char *rrun_text(const struct rrun *x, const char *en, const char *ja);

/* Counts one unit of one part done (progress). */
void rrun_step(struct rrun *x);

/*
 * Adds a score row for unit u (scored 0: never inspected, no figures).
 * Totals per environment and overall are added by run.c.
 */
cp_err rrun_score(struct rrun *x, const char *report_en,
    const char *report_ja, const struct rrun_unit *u, size_t pass,
    size_t fail, size_t other, int scored);

/* The parts. */
cp_err rrun_risk(struct rrun *x, int variant);
cp_err rrun_audit(struct rrun *x);
cp_err rrun_assets(struct rrun *x);
cp_err rrun_accounts(struct rrun *x);
cp_err rrun_resources(struct rrun *x);
cp_err rrun_asm(struct rrun *x);

#endif /* CP_REPORT_RUN_PRIV_H */
