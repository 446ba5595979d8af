/*
 * inspect.c - one inspection of one unit.
 *
 * The collection runs with no store transaction open (a cloud may take
 * minutes); the lifecycle then applies all results of the unit in one
 * transaction.  A collection that fails leaves the previous snapshot and
 * every finding as they were and records the scan as failed (R-INS-7).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "inspect/inspect.h"
#include "inventory/snapshot.h"
#include "lifecycle/settings.h"

cp_err
cp_inspect_snapshot_path(const char *state_dir, int64_t unit_id, char *buf,
    size_t n)
{
	return cp_snprintf(buf, n, "%s/snapshots/unit-%lld.db", state_dir,
	    (long long)unit_id);
}

cp_err
cp_inspect_defaults(const struct cp_policy *p, struct cp_lc_defaults *def,
    json_t **params)
{
	json_t *o = json_object();
	size_t k;

	*params = NULL;
	if (o == NULL)
		return CP_E_NOMEM;
	for (k = 0; k < p->n_params; k++) {
		if (json_object_set_new(o, p->params[k].name,
		    json_deep_copy(p->params[k].def)) != 0) {
			json_decref(o);
			return CP_E_NOMEM;
		}
	}
	memset(def, 0, sizeof(*def));
	def->enabled = p->default_enabled;
	def->notify = p->default_notify;
	def->remediate = p->default_remediate;
	def->params = o;
	*params = o;
	return CP_OK;
}

cp_err
cp_inspect_setting(cp_store *st, int64_t portal_id,
    const struct cp_policy *p, struct cp_lc_setting *out)
{
	struct cp_lc_defaults def;
	json_t *params;
	cp_err r;

	memset(out, 0, sizeof(*out));
	r = cp_inspect_defaults(p, &def, &params);
	if (r != CP_OK)
		return r;
	r = cp_lc_setting_get(st, portal_id, p->id, &def, out);
	json_decref(params);
	return r;
}

/* What the engine's callback needs to feed the lifecycle. */
struct feed {
	cp_lifecycle *lc;
	const struct cp_lc_policy *lp;
	int errors;		/* results that could not decide */
	cp_err err;
};

static cp_err
feed_result(void *ud, const struct cp_policy *p,
    const struct cp_policy_result *r)
{
	struct feed *f = ud;

	cp_err e;

	(void)p;
	if (r->status == CP_RESULT_ERROR)
		f->errors++;
	e = cp_lifecycle_add(f->lc, f->lp, r);
	if (e == CP_E_INVALID) {
		/* One malformed result (no resource id, a key too long):
		 * the lifecycle leaves this policy alone; the others go on. */
		f->errors++;
		return CP_OK;
	}
	f->err = e;
	return e;
}

/* The cloud plugin's remediate(), for cp_remediate_run. */
struct plugin_call {
	const struct cp_cloud_ops *ops;
	void *ctx;
	const json_t *creds;
};

static cp_err
call_remediate(void *ud, const char *unit, const char *action,
    const char *resource, const json_t *params, int dry_run,
    json_t **result)
{
	struct plugin_call *pc = ud;

	if (pc->ops->remediate == NULL)
		return CP_E_UNSUPPORTED;
	return pc->ops->remediate(pc->ctx, pc->creds, unit, action, resource,
	    params, dry_run, result);
}

/* Records a failed collection: the scan says why, nothing else moves. */
static cp_err
collection_failed(cp_store *st, const struct cp_lc_unit *lu, time_t now,
    struct cp_inspect_result *res, cp_err why_code)
{
	cp_err r;

	r = cp_lifecycle_collection_failed(st, lu, now, res->error, NULL);
	return r != CP_OK ? r : why_code;
}

/* Runs every enabled policy of the unit's cloud into the lifecycle. */
static cp_err
evaluate(cp_engine *eng, cp_store *st, cp_lifecycle *lc,
    const struct cp_portal *portal, const struct cp_env *env,
    const cp_policy_set *set, const struct cp_inspect_opts *o,
    struct cp_inspect_result *res)
{
	size_t i, n = cp_policy_set_count(set);
	char why[512];
	cp_err r = CP_OK;

	for (i = 0; i < n && r == CP_OK; i++) {
		const struct cp_policy *p = cp_policy_set_at(set, i);
		struct cp_lc_setting s;
		struct cp_lc_policy lp;
		struct feed f;
		cp_err er;

		if (strcmp(p->cloud, env->cloud) != 0)
			continue;
		if (o->cancel != NULL && *o->cancel)
			return CP_E_CANCELLED;
		r = cp_inspect_setting(st, portal->id, p, &s);
		if (r == CP_E_PARSE || r == CP_E_INVALID) {
			/* Damaged settings of one policy: it cannot decide,
			 * the others still run (DESIGN 5). */
			res->policy_errors++;
			cp_log_msg(o->log, CP_LOG_WARNING, "inspect",
			    "%s: %s", env->name, cp_store_errmsg(st));
			r = CP_OK;
			continue;
		}
		if (r != CP_OK)
			return r;
		if (!s.enabled) {
			cp_lc_setting_clear(&s);
			continue;
		}
		memset(&lp, 0, sizeof(lp));
		lp.id = p->id;
		lp.notify = s.notify;
		lp.remediate = s.remediate && p->remediation_action != NULL;
		lp.action = p->remediation_action;
		lp.action_params = p->remediation_params;
		memset(&f, 0, sizeof(f));
		f.lc = lc;
		f.lp = &lp;
		why[0] = '\0';
		er = cp_engine_run(eng, p, s.params, feed_result, &f, why,
		    sizeof(why));
		cp_lc_setting_clear(&s);
		res->policies++;
		if (f.err != CP_OK)
			return f.err;	/* the store failed */
		if (er == CP_E_CANCELLED)
			return er;
		if (er != CP_OK || f.errors > 0) {
			/* Undecided: its findings stay as they are. */
			res->policy_errors++;
			if (er != CP_OK)
				cp_log_msg(o->log, CP_LOG_WARNING, "inspect",
				    "%s/%s: %s", env->name, env->cloud, why);
			continue;
		}
		r = cp_lifecycle_policy_done(lc, &lp);
	}
	return r;
}

/*
 * What the scan row says of a collection that was only partly useful:
 * "partial: 3 collector error(s), the first ec2: ...; 10 of 18 policies
 * undecided".
 */
static void
partial_note(const struct cp_inspect_result *res, const char *first_error,
    char *buf, size_t n)
{
	char errs[600] = "";

	/* first_error is at most 511 bytes: nothing is cut. */
	if (res->collector_errors > 0)
		snprintf(errs, sizeof(errs), "%zu collector error(s), the "
		    "first %s; ", res->collector_errors, first_error);
	snprintf(buf, n, "partial: %s%zu of %zu policies undecided", errs,
	    res->policy_errors, res->policies);
}

cp_err
cp_inspect_unit(cp_registry *reg, cp_store *st,
    const struct cp_portal *portal, const struct cp_env *env,
    const struct cp_unit *unit, const cp_policy_set *set,
    const struct cp_inspect_opts *o, struct cp_inspect_result *res)
{
	const struct cp_cloud_ops *ops = NULL;
	struct cp_snapshot_meta meta;
	struct cp_engine_opts eo;
	struct cp_remediate_opts ro;
	struct cp_plugin_info pi;
	struct cp_lc_unit lu;
	struct plugin_call pc;
	cp_snapshot_writer *w = NULL;
	cp_lifecycle *lc = NULL;
	cp_engine *eng = NULL;
	cp_plugin *plugin;
	json_t *creds = NULL;
	char path[4096], dir[4096], first_error[512];
	time_t now = o->now != 0 ? o->now : time(NULL);
	void *ctx = NULL;
	cp_err r;

	memset(res, 0, sizeof(*res));
	memset(&lu, 0, sizeof(lu));
	lu.portal_id = portal->id;
	lu.unit_id = unit->id;
	lu.remediation_allowed = env->remediation && unit->remediation;

	plugin = cp_registry_find(reg, CP_CAP_CLOUD, env->cloud,
	    (const void **)&ops, &ctx);
	if (plugin == NULL) {
		snprintf(res->error, sizeof(res->error), "no running plugin "
		    "offers cloud '%s'", env->cloud);
		return collection_failed(st, &lu, now, res, CP_E_NOTFOUND);
	}
	r = cp_env_credentials(st, env->id, &creds);
	if (r != CP_OK) {
		snprintf(res->error, sizeof(res->error), "cannot read the "
		    "credentials: %s", cp_store_errmsg(st));
		return collection_failed(st, &lu, now, res, r);
	}

	/* Collect into a new snapshot. */
	if (cp_snprintf(dir, sizeof(dir), "%s/snapshots", o->state_dir) !=
	    CP_OK || cp_inspect_snapshot_path(o->state_dir, unit->id, path,
	    sizeof(path)) != CP_OK) {
		r = CP_E_LIMIT;
		snprintf(res->error, sizeof(res->error), "state_dir is too "
		    "long");
		goto out_failed;
	}
	r = cp_mkdir_p(dir, 0700);
	if (r != CP_OK) {
		snprintf(res->error, sizeof(res->error), "cannot create %.400s",
		    dir);
		goto out_failed;
	}
	memset(&meta, 0, sizeof(meta));
	meta.cloud = env->cloud;
	meta.env = env->name;
	meta.unit = unit->unit;
	meta.collected_at = now;
	r = cp_lifecycle_last_collected(st, unit->id, &meta.since);
	if (r != CP_OK) {
		snprintf(res->error, sizeof(res->error), "%s",
		    cp_store_errmsg(st));
		goto out_failed;
	}
	if (cp_registry_info_of(reg, plugin, &pi) == CP_OK) {
		meta.plugin = pi.name;
		meta.plugin_version = pi.version;
	}
	r = cp_snapshot_begin(path, &meta, &w, res->error,
	    sizeof(res->error));
	if (r != CP_OK)
		goto out_failed;
	r = ops->collect(ctx, creds, unit->unit, cp_snapshot_sink(w));
	if (r != CP_OK) {
		snprintf(res->error, sizeof(res->error), "collection failed: "
		    "%s", cp_strerror(r));
		cp_snapshot_abort(w);
		w = NULL;
		goto out_failed;
	}
	res->resources = cp_snapshot_count(w);
	res->collector_errors = cp_snapshot_error_count(w);
	cp_strlcpy(first_error, cp_snapshot_first_error(w),
	    sizeof(first_error));
	r = cp_snapshot_commit(w, res->error, sizeof(res->error));
	w = NULL;
	if (r != CP_OK)
		goto out_failed;
	res->collected = 1;

	/* Evaluate and apply. */
	memset(&eo, 0, sizeof(eo));
	eo.geoip = o->geoip;
	eo.budget = o->budget;
	eo.now = now;
	eo.log = o->log;
	eo.cancel = o->cancel;
	r = cp_engine_open(path, NULL, &eo, &eng, res->error,
	    sizeof(res->error));
	if (r != CP_OK)
		goto out_eval_failed;
	r = cp_lifecycle_begin(st, &lu, now, &lc);
	if (r != CP_OK) {
		snprintf(res->error, sizeof(res->error), "%s",
		    cp_store_errmsg(st));
		goto out_eval_failed;
	}
	cp_lifecycle_set_resources(lc, res->resources);
	r = evaluate(eng, st, lc, portal, env, set, o, res);
	if (r == CP_OK && (res->collector_errors > 0 ||
	    res->policy_errors > 0)) {
		char note[1024];

		partial_note(res, first_error, note, sizeof(note));
		cp_lifecycle_set_note(lc, note);
	}
	if (r == CP_OK)
		r = cp_lifecycle_commit(lc, &res->lc);
	else
		cp_lifecycle_abort(lc);
	lc = NULL;
	if (r == CP_E_CANCELLED) {
		snprintf(res->error, sizeof(res->error), "cancelled");
		goto out_eval_failed;
	}
	if (r != CP_OK) {
		snprintf(res->error, sizeof(res->error), "applying the "
		    "results failed: %s: %s", cp_strerror(r),
		    cp_store_errmsg(st));
		goto out_eval_failed;
	}

	/* Remediate what was queued, within the ceiling.  A ceiling of 0
	 * turns automatic remediation off: what is queued waits. */
	if (o->remediation_ceiling == 0)
		goto out;
	memset(&ro, 0, sizeof(ro));
	ro.dry_run = o->remediation_dry_run;
	ro.ceiling = o->remediation_ceiling;
	pc.ops = ops;
	pc.ctx = ctx;
	pc.creds = creds;
	r = cp_remediate_run(st, &lu, now, &ro, call_remediate, &pc,
	    &res->rem);
	if (r != CP_OK)
		snprintf(res->error, sizeof(res->error), "remediation: %s: "
		    "%s", cp_strerror(r), cp_store_errmsg(st));
	goto out;

out_eval_failed:
	/* Collected, but nothing was applied: the scan says why, and the
	 * findings stay as they were. */
	res->collected = 0;
out_failed:
	{
		cp_err rf = collection_failed(st, &lu, now, res, r);

		r = rf;
	}
out:
	cp_engine_close(eng);
	json_decref(creds);
	return r;
}
