/*
 * exec.c - the work of each job kind: the daemon's side of the commands
 * an operator can also run by hand.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "inspect/inspect.h"
#include "notify/deliver.h"
#include "notify/patrol.h"
#include "report/run.h"
#include "sched/exec.h"
#include "sched/retention.h"
#include "sched/tz.h"

/* The names of a unit's portal, environment and unit, by unit id. */
static cp_err
unit_names(cp_store *st, int64_t unit_id, char *portal, char *env,
    char *unit)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	cp_err r = CP_E_NOTFOUND;

	if (sqlite3_prepare_v2(cp_store_db(st), "SELECT p.name, e.name, "
	    "u.unit FROM units u JOIN environments e ON e.id = u.env_id "
	    "JOIN portals p ON p.id = e.portal_id WHERE u.id = ?1", -1, &s,
	    NULL) != SQLITE_OK)
		return CP_E_STORE;
	if (sqlite3_bind_int64(s, 1, unit_id) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		t = sqlite3_column_text(s, 0);
		cp_strlcpy(portal, t != NULL ? (const char *)t : "", 64);
		t = sqlite3_column_text(s, 1);
		cp_strlcpy(env, t != NULL ? (const char *)t : "", 64);
		t = sqlite3_column_text(s, 2);
		cp_strlcpy(unit, t != NULL ? (const char *)t : "", 128);
		r = CP_OK;
	}
	sqlite3_finalize(s);
	return r;
}

static cp_err
portal_by_id(cp_store *st, int64_t id, struct cp_portal *out)
{
	sqlite3_stmt *s = NULL;
	char name[64] = "";
	const unsigned char *t;

	if (sqlite3_prepare_v2(cp_store_db(st), "SELECT name FROM portals "
	    "WHERE id = ?1", -1, &s, NULL) != SQLITE_OK)
		return CP_E_STORE;
	if (sqlite3_bind_int64(s, 1, id) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW &&
	    (t = sqlite3_column_text(s, 0)) != NULL)
		cp_strlcpy(name, (const char *)t, sizeof(name));
	sqlite3_finalize(s);
	if (name[0] == '\0')
		return CP_E_NOTFOUND;
	return cp_portal_get(st, name, out);
}

/* Sends what is queued; a failed delivery is the outbox's business. */
static void
drain(const struct cp_job_ctx *c, cp_store *st, time_t now,
    struct cp_notify_summary *sum)
{
	struct cp_notify_limits lim;

	memset(&lim, 0, sizeof(lim));
	lim.log = c->log;
	lim.cancel = c->cancel;
	memset(sum, 0, sizeof(*sum));
	if (cp_notify_drain(st, c->reg, c->set, now, &lim, sum) != CP_OK &&
	    c->log != NULL)
		cp_log_msg(c->log, CP_LOG_WARNING, "daemon", "sending "
		    "notices: %s", cp_store_errmsg(st));
}

static cp_err
run_inspect(const struct cp_job_ctx *c, cp_store *st,
    const struct cp_job *job, time_t now, int *result, char *why,
    size_t n)
{
	struct cp_inspect_opts io;
	struct cp_inspect_result res;
	struct cp_notify_summary ns;
	struct cp_portal portal;
	struct cp_env env;
	struct cp_unit unit;
	char pname[64], ename[64], uname[128];
	cp_err r;

	r = unit_names(st, job->unit_id, pname, ename, uname);
	if (r == CP_OK)
		r = cp_portal_get(st, pname, &portal);
	if (r == CP_OK)
		r = cp_env_get(st, portal.id, ename, &env);
	if (r == CP_OK)
		r = cp_unit_get(st, env.id, uname, &unit);
	if (r != CP_OK) {
		*result = CP_JOB_ERROR;
		snprintf(why, n, "unit %lld: %s", (long long)job->unit_id,
		    r == CP_E_NOTFOUND ? "gone" : cp_store_errmsg(st));
		return CP_OK;
	}
	if (c->reg == NULL) {
		*result = CP_JOB_ERROR;
		snprintf(why, n, "no plugins loaded");
		return CP_OK;
	}
	memset(&io, 0, sizeof(io));
	io.state_dir = c->state_dir;
	io.now = now;
	io.remediation_ceiling = c->remediation_ceiling;
	io.geoip = c->geoip;
	io.log = c->log;
	io.cancel = c->cancel;
	r = cp_inspect_unit(c->reg, st, &portal, &env, &unit, c->set, &io,
	    &res);
	if (c->cancel != NULL && *c->cancel && r != CP_OK)
		return CP_E_CANCELLED;
	drain(c, st, now, &ns);
	if (r != CP_OK || !res.collected) {
		*result = CP_JOB_ERROR;
		snprintf(why, n, "%s/%s/%s: %s", pname, ename, uname,
		    res.error[0] != '\0' ? res.error : cp_strerror(r));
		return CP_OK;
	}
	*result = res.policy_errors > 0 || res.collector_errors > 0 ?
	    CP_JOB_ERROR : CP_JOB_OK;
	snprintf(why, n, "%s/%s/%s: %zu resources, %zu policies (%zu "
	    "undecided, %zu collector errors), %zu opened, %zu resolved, "
	    "%zu notified, %zu sent", pname, ename, uname, res.resources,
	    res.policies, res.policy_errors, res.collector_errors,
	    res.lc.opened, res.lc.resolved, res.lc.notified, ns.sent);
	return CP_OK;
}

static cp_err
run_patrol(const struct cp_job_ctx *c, cp_store *st,
    const struct cp_job *job, time_t now, int *result, char *why,
    size_t n)
{
	struct cp_patrol_opts po;
	struct cp_notify_summary ns;
	size_t queued = 0, skipped = 0;
	char key[96];
	cp_err r;

	/* Keyed by job and period: a rerun of a period whose record a crash
	 * lost (the report queued, the run not recorded) queues nothing. */
	snprintf(key, sizeof(key), "%s@%lld", job->key,
	    (long long)job->period);
	memset(&po, 0, sizeof(po));
	po.state_dir = c->state_dir;
	po.key = key;
	r = cp_patrol_queue(st, c->set, job->portal_id, now, &po, &queued,
	    &skipped);
	if (r != CP_OK) {
		*result = CP_JOB_ERROR;
		snprintf(why, n, "patrol report: %s", cp_store_errmsg(st));
		return CP_OK;
	}
	drain(c, st, now, &ns);
	*result = CP_JOB_OK;
	snprintf(why, n, "patrol report queued for %zu destination(s) "
	    "(%zu without a unit), %zu notice(s) sent", queued, skipped,
	    ns.sent);
	return CP_OK;
}

/* Writes report name (variant for risk) of the whole portal to path. */
static cp_err
portal_report(const struct cp_job_ctx *c, cp_store *st,
    const struct cp_portal *portal, time_t now, const char *name,
    int variant, const char *path, size_t *units, char *why,
    size_t why_size)
{
	struct cp_report_job j;
	struct cp_report_result res;
	cp_err r;

	memset(&j, 0, sizeof(j));
	j.name = name;
	j.variant = variant;
	j.format = "csv";
	j.path = path;
	j.lang = portal->lang;
	j.store = st;
	j.portal = portal;
	j.policies = c->set;
	j.plugins = c->reg;
	j.state_dir = c->state_dir;
	j.geoip = c->geoip;
	j.log = c->log;
	j.now = now;
	j.cancel = c->cancel;
	r = cp_report_run(&j, &res, why, why_size);
	*units = res.units;
	return r;
}

cp_err
cp_job_risk_report(const struct cp_job_ctx *c, cp_store *st,
    const struct cp_portal *portal, time_t now, const char *path,
    size_t *units, char *why, size_t why_size)
{
	return portal_report(c, st, portal, now, "risk", 'A', path, units,
	    why, why_size);
}

static cp_err
run_monthly(const struct cp_job_ctx *c, cp_store *st,
    const struct cp_job *job, time_t now, int *result, char *why,
    size_t n)
{
	static const struct {
		const char *name, *file;
		int variant;
	} monthly[] = {
		{ "risk", "risk-A", 'A' },
		{ "accounts", "accounts", 0 },
		{ "resources", "resources", 0 }
	};
	struct cp_portal portal;
	char dir[4096], path[4096], label[32], err[512];
	size_t units = 0, i;
	cp_tz *tz = NULL;
	cp_err r;

	r = portal_by_id(st, job->portal_id, &portal);
	if (r != CP_OK) {
		*result = CP_JOB_ERROR;
		snprintf(why, n, "portal %lld: %s", (long long)job->portal_id,
		    cp_strerror(r));
		return CP_OK;
	}
	if (job->scale <= 1 && strcmp(job->tz, "UTC") != 0)
		(void)cp_tz_load(job->tz, &tz, err, sizeof(err));
	cp_sched_period_label(job, tz, job->period, label, sizeof(label));
	cp_tz_free(tz);
	if (cp_snprintf(dir, sizeof(dir), "%s/reports/%s", c->state_dir,
	    portal.name) != CP_OK) {
		*result = CP_JOB_ERROR;
		snprintf(why, n, "state_dir is too long");
		return CP_OK;
	}
	if (cp_mkdir_p(dir, 0750) != CP_OK) {
		*result = CP_JOB_ERROR;
		snprintf(why, n, "cannot create %s: %s", dir, strerror(errno));
		return CP_OK;
	}
	/* The reports the service runs monthly (R-REP-1): risk diagnosis
	 * A, the account ledger and the resource list. */
	for (i = 0; i < sizeof(monthly) / sizeof(monthly[0]); i++) {
		if (cp_snprintf(path, sizeof(path), "%s/%s-%s.csv", dir,
		    monthly[i].file, label) != CP_OK) {
			*result = CP_JOB_ERROR;
			snprintf(why, n, "state_dir is too long");
			return CP_OK;
		}
		r = portal_report(c, st, &portal, now, monthly[i].name,
		    monthly[i].variant, path, &units, err, sizeof(err));
		/* Interrupted by the stop: the period stays due, not
		 * failed (a rerun rewrites the same files). */
		if (r == CP_E_CANCELLED)
			return r;
		if (r != CP_OK) {
			*result = CP_JOB_ERROR;
			snprintf(why, n, "monthly %s report of %s: %s",
			    monthly[i].name, portal.name, err);
			return CP_OK;
		}
	}
	*result = CP_JOB_OK;
	snprintf(why, n, "wrote %s/{risk-A,accounts,resources}-%s.csv (%zu "
	    "unit(s))", dir, label, units);
	return CP_OK;
}

/*
 * The daily resource list of a unit (R-REP-5), from its latest snapshot,
 * to STATE_DIR/reports/PORTAL/resources-ENV-UNIT.csv: replaced whole each
 * day, so the folder always holds the current list.
 */
static cp_err
run_resources(const struct cp_job_ctx *c, cp_store *st,
    const struct cp_job *job, time_t now, int *result, char *why,
    size_t n)
{
	struct cp_report_job j;
	struct cp_report_result res;
	struct cp_portal portal;
	char pname[64], ename[64], uname[128], dir[4096], path[4096];
	char err[512];
	cp_err r;

	if (unit_names(st, job->unit_id, pname, ename, uname) != CP_OK ||
	    portal_by_id(st, job->portal_id, &portal) != CP_OK) {
		snprintf(why, n, "unit %lld: gone", (long long)job->unit_id);
		return CP_OK;
	}
	if (cp_snprintf(dir, sizeof(dir), "%s/reports/%s", c->state_dir,
	    pname) != CP_OK || cp_snprintf(path, sizeof(path),
	    "%s/resources-%s-%s.csv", dir, ename, uname) != CP_OK) {
		snprintf(why, n, "state_dir is too long");
		return CP_OK;
	}
	if (cp_mkdir_p(dir, 0750) != CP_OK) {
		snprintf(why, n, "cannot create %s: %s", dir, strerror(errno));
		return CP_OK;
	}
	memset(&j, 0, sizeof(j));
	j.name = "resources";
	j.env = ename;
	j.unit = uname;
	j.format = "csv";
	j.path = path;
	j.lang = portal.lang;
	j.store = st;
	j.portal = &portal;
	j.policies = c->set;
	j.state_dir = c->state_dir;
	j.log = c->log;
	j.now = now;
	j.cancel = c->cancel;
	r = cp_report_run(&j, &res, err, sizeof(err));
	if (r == CP_E_CANCELLED)
		return r;
	if (r != CP_OK) {
		snprintf(why, n, "resource list of %s/%s/%s: %s", pname, ename,
		    uname, err);
		return CP_OK;
	}
	*result = CP_JOB_OK;
	snprintf(why, n, "wrote %s (%zu row(s))", path, res.rows);
	return CP_OK;
}

cp_err
cp_job_run(const struct cp_job_ctx *c, cp_store *st, const struct cp_job *job,
    time_t now, int *result, char *why, size_t why_size)
{
	struct cp_retention_summary rs;
	struct cp_notify_summary ns;

	*result = CP_JOB_ERROR;
	why[0] = '\0';
	if (c->cancel != NULL && *c->cancel)
		return CP_E_CANCELLED;
	switch (job->kind) {
	case CP_JOB_INSPECT:
		return run_inspect(c, st, job, now, result, why, why_size);
	case CP_JOB_PATROL:
		return run_patrol(c, st, job, now, result, why, why_size);
	case CP_JOB_MONTHLY_RISK:
		return run_monthly(c, st, job, now, result, why, why_size);
	case CP_JOB_RETENTION:
		if (cp_retention_purge(st, c->state_dir, now, &rs) != CP_OK) {
			snprintf(why, why_size, "retention: %s",
			    cp_store_errmsg(st));
			return CP_OK;
		}
		*result = CP_JOB_OK;
		snprintf(why, why_size, "purged %zu notification(s), %zu "
		    "remediation(s), %zu scan(s), %zu outbox row(s), %zu job "
		    "run(s), %zu snapshot file(s)", rs.notifications,
		    rs.remediations, rs.scans, rs.outbox, rs.job_runs,
		    rs.snapshots);
		return CP_OK;
	case CP_JOB_DELIVER:
		drain(c, st, now, &ns);
		*result = CP_JOB_OK;
		snprintf(why, why_size, "%zu sent, %zu to retry, %zu failed",
		    ns.sent, ns.retry, ns.failed);
		return CP_OK;
	case CP_JOB_RESOURCES:
		return run_resources(c, st, job, now, result, why, why_size);
	case CP_JOB_ASM_PASSIVE:
		*result = CP_JOB_UNAVAILABLE;
		snprintf(why, why_size, "the daily ASM passive check is not "
		    "available yet: %s", c->reg != NULL &&
		    cp_registry_find(c->reg, CP_CAP_SCANNER, "asm-passive",
		    NULL, NULL) != NULL ? "the store has no ASM targets yet" :
		    "no asm-passive scanner plugin is loaded");
		return CP_OK;
	default:
		snprintf(why, why_size, "unknown job kind %d", job->kind);
		return CP_OK;
	}
}
