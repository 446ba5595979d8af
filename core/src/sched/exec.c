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
#include "report/csv.h"
#include "report/risk.h"
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
	cp_err r;

	memset(&po, 0, sizeof(po));
	po.state_dir = c->state_dir;
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

struct list_acc {
	void *v;
	size_t n;
	size_t size;
};

static cp_err
add_item(struct list_acc *l, const void *item)
{
	char *nv = realloc(l->v, (l->n + 1) * l->size);

	if (nv == NULL)
		return CP_E_NOMEM;
	memcpy(nv + l->n * l->size, item, l->size);
	l->v = nv;
	l->n++;
	return CP_OK;
}

static cp_err
add_env(void *ud, const struct cp_env *e)
{
	return add_item(ud, e);
}

static cp_err
add_unit(void *ud, const struct cp_unit *u)
{
	return add_item(ud, u);
}

static cp_err
csv_row(void *ud, const char *const *cells, const int *numeric, size_t n)
{
	return cp_csv_row_typed(ud, cells, numeric, n);
}

static cp_err
risk_rows(const struct cp_job_ctx *c, cp_store *st,
    const struct cp_portal *portal, const struct cp_risk_opts *o,
    cp_csv *w, size_t *units, char *why, size_t why_size)
{
	struct list_acc envs = { NULL, 0, sizeof(struct cp_env) };
	struct cp_risk_score score;
	size_t i, j;
	cp_err r;

	memset(&score, 0, sizeof(score));
	r = cp_env_list(st, portal->id, add_env, &envs);
	if (r == CP_OK)
		r = cp_report_risk_header(o, csv_row, w);
	for (i = 0; r == CP_OK && i < envs.n; i++) {
		const struct cp_env *e = (struct cp_env *)envs.v + i;
		struct list_acc us = { NULL, 0, sizeof(struct cp_unit) };

		r = cp_unit_list(st, e->id, add_unit, &us);
		for (j = 0; r == CP_OK && j < us.n; j++) {
			(*units)++;
			r = cp_report_risk_unit(st, portal, e,
			    (struct cp_unit *)us.v + j, c->set, o, csv_row, w,
			    &score, why, why_size);
		}
		free(us.v);
	}
	free(envs.v);
	if (r == CP_OK)
		r = cp_report_risk_score(o, &score, csv_row, w);
	return r;
}

cp_err
cp_job_risk_report(const struct cp_job_ctx *c, cp_store *st,
    const struct cp_portal *portal, time_t now, const char *path,
    size_t *units, char *why, size_t why_size)
{
	struct cp_risk_opts o;
	char tmp[4096];
	FILE *fp = NULL;
	cp_csv *w;
	cp_err r;
	int fd;

	*units = 0;
	why[0] = '\0';
	if (cp_snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) != CP_OK) {
		snprintf(why, why_size, "report path too long");
		return CP_E_LIMIT;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(why, why_size, "cannot write %s: %s", path,
		    strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return CP_E_IO;
	}
	memset(&o, 0, sizeof(o));
	o.variant = 'A';
	o.lang = portal->lang;
	o.now = now;
	o.state_dir = c->state_dir;
	o.geoip = c->geoip;
	o.log = c->log;
	w = cp_csv_create(fp, 0);
	r = w != NULL ? risk_rows(c, st, portal, &o, w, units, why,
	    why_size) : CP_E_NOMEM;
	if (cp_csv_close(w) != CP_OK && r == CP_OK)
		r = CP_E_IO;
	if (fclose(fp) != 0 && r == CP_OK)
		r = CP_E_IO;
	if (r == CP_OK && (chmod(tmp, 0640) != 0 || rename(tmp, path) != 0))
		r = CP_E_IO;
	if (r != CP_OK) {
		if (why[0] == '\0')
			snprintf(why, why_size, "writing %s: %s", path,
			    r == CP_E_IO ? strerror(errno) : cp_strerror(r));
		unlink(tmp);
	}
	return r;
}

static cp_err
run_monthly(const struct cp_job_ctx *c, cp_store *st,
    const struct cp_job *job, time_t now, int *result, char *why,
    size_t n)
{
	struct cp_portal portal;
	char dir[4096], path[4096], label[32], err[512];
	size_t units = 0;
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
	    portal.name) != CP_OK || cp_snprintf(path, sizeof(path),
	    "%s/risk-A-%s.csv", dir, label) != CP_OK) {
		*result = CP_JOB_ERROR;
		snprintf(why, n, "state_dir is too long");
		return CP_OK;
	}
	if (cp_mkdir_p(dir, 0750) != CP_OK) {
		*result = CP_JOB_ERROR;
		snprintf(why, n, "cannot create %s: %s", dir, strerror(errno));
		return CP_OK;
	}
	r = cp_job_risk_report(c, st, &portal, now, path, &units, err,
	    sizeof(err));
	if (r != CP_OK) {
		*result = CP_JOB_ERROR;
		snprintf(why, n, "monthly risk report of %s: %s", portal.name,
		    err);
		return CP_OK;
	}
	*result = CP_JOB_OK;
	snprintf(why, n, "wrote %s (%zu unit(s))", path, units);
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
		*result = CP_JOB_UNAVAILABLE;
		snprintf(why, why_size, "the daily resource list refresh is "
		    "not available yet: this build has no resource list "
		    "report (the hourly inspection keeps the inventory "
		    "current)");
		return CP_OK;
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
