/*
 * remediate.c - running the queued remediations of one unit.
 *
 * A run has two phases.  The claim, one transaction: every due row is
 * looked at, skipped when it no longer applies, claimed while the ceiling
 * allows, and held beyond it.  Then, with no transaction open (a cloud
 * call takes seconds), each claimed row is performed and its outcome
 * recorded in a transaction of its own: a crash loses at most the outcome
 * of the row being performed, and that row comes back after its lease.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle/exclusion.h"
#include "lifecycle/lc_priv.h"
#include "lifecycle/remediate.h"

#define HELD_LISTED 100 /* resources named in the ceiling notice */

/* One outbox row, its payload parsed. */
struct rm_item {
	int64_t id;
	int64_t attempts; /* after this claim */
	json_t *payload;  /* owned */
	/* Borrowed from payload: */
	const char *policy;
	const char *action;
	const char *resource;
	const char *name;
	const char *condition;
	const json_t *params;
	int64_t finding_id;
};

struct rm_run {
	cp_store *st;
	const struct cp_lc_unit *u;
	char unit[128];
	time_t now;
	struct cp_remediate_opts o;
	struct cp_lc_queue q;
	sqlite3_stmt *get;
	sqlite3_stmt *set_state;
	sqlite3_stmt *record;
	sqlite3_stmt *finding;
	struct rm_item *exec; /* claimed, at most ceiling */
	size_t nexec;
	json_t *held; /* the first HELD_LISTED held rows */
	struct cp_remediate_summary *sum;
};

/* What performing one row gave. */
struct rm_outcome {
	const char *status; /* done, failed, dry-run, held */
	char *before;       /* owned */
	char *after;        /* owned */
	char error[1024];
};

static void
item_clear(struct rm_item *it)
{
	json_decref(it->payload);
	memset(it, 0, sizeof(*it));
}

static void
run_fini(struct rm_run *rr)
{
	size_t i;

	for (i = 0; i < rr->nexec; i++)
		item_clear(&rr->exec[i]);
	free(rr->exec);
	json_decref(rr->held);
	cp_lc_queue_fini(&rr->q);
	sqlite3_finalize(rr->get);
	sqlite3_finalize(rr->set_state);
	sqlite3_finalize(rr->record);
	sqlite3_finalize(rr->finding);
}

static cp_err
run_init(struct rm_run *rr)
{
	cp_err r;

	r = cp_lc_queue_init(&rr->q, rr->st);
	if (r == CP_OK)
		r = cp_store_prepare(rr->st,
		    "SELECT payload, attempts, state FROM outbox WHERE id = ?1",
		    &rr->get, "reading a remediation");
	if (r == CP_OK)
		r = cp_store_prepare(rr->st,
		    "UPDATE outbox SET state = ?2, attempts = ?3, "
		    "next_attempt = ?4, updated = ?5, last_error = ?6 "
		    "WHERE id = ?1",
		    &rr->set_state, "updating a remediation");
	if (r == CP_OK)
		r = cp_store_prepare(rr->st,
		    "INSERT INTO remediations (unit_id, finding_id, policy, "
		    "resource, action, status, before, after, error, time) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
		    &rr->record, "recording a remediation");
	if (r == CP_OK)
		r = cp_store_prepare(rr->st,
		    "SELECT resolved_at IS NULL FROM findings WHERE id = ?1",
		    &rr->finding, "reading a finding");
	rr->held = json_array();
	if (r == CP_OK && rr->held == NULL)
		r = cp_store_fail(rr->st, CP_E_NOMEM, "out of memory");
	rr->exec = calloc(rr->o.ceiling, sizeof(*rr->exec));
	if (r == CP_OK && rr->exec == NULL)
		r = cp_store_fail(rr->st, CP_E_NOMEM, "out of memory");
	return r;
}

static cp_err
step_done(struct rm_run *rr, sqlite3_stmt *s, int rc, const char *what)
{
	cp_err r = CP_OK;

	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(rr->st, rc, what);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return r;
}

/* Sets the state of outbox row it (attempts as counted in it). */
static cp_err
set_state(struct rm_run *rr, const struct rm_item *it, const char *state,
    time_t next, const char *err)
{
	sqlite3_stmt *s = rr->set_state;
	int rc;

	rc = sqlite3_bind_int64(s, 1, it->id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, state);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, it->attempts);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(s, 4, next);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(s, 5, rr->now);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(
		    s, 6, err, (int)cp_lc_utf8_cut(err, 1023), SQLITE_STATIC);
	return step_done(rr, s, rc, "updating a remediation");
}

/* Parses the payload text into it; 0 when it is malformed. */
static int
parse_payload(struct rm_item *it, const char *text)
{
	json_int_t fid = 0;

	it->payload = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	if (it->payload == NULL)
		return 0;
	it->name = "";
	it->condition = "";
	if (json_unpack(it->payload, "{s:s, s:s, s:s, s?s, s?s, s?o, s?I}",
		"policy", &it->policy, "action", &it->action, "resource",
		&it->resource, "resource_name", &it->name, "condition",
		&it->condition, "params", &it->params, "finding_id", &fid) != 0)
		return 0;
	if (it->params != NULL && !json_is_object(it->params))
		return 0;
	it->finding_id = (int64_t)fid;
	return 1;
}

/* Why it no longer applies, or NULL when it does. */
static cp_err
skip_reason(struct rm_run *rr, const struct rm_item *it, const char **why)
{
	sqlite3_stmt *s = rr->finding;
	int excluded = 0, rc;
	cp_err r;

	*why = NULL;
	if (!rr->u->remediation_allowed) {
		*why = "the unit is not registered with remediation";
		return CP_OK;
	}
	r = cp_exclusion_check(
	    rr->st, rr->u->portal_id, it->resource, &excluded);
	if (r == CP_E_INVALID) {
		*why = "the resource id is not valid";
		return CP_OK;
	}
	if (r != CP_OK)
		return r;
	if (excluded) {
		*why = "the resource is excluded";
		return CP_OK;
	}
	if (it->finding_id <= 0)
		return CP_OK;
	rc = sqlite3_bind_int64(s, 1, it->finding_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_DONE ||
	    (rc == SQLITE_ROW && sqlite3_column_int(s, 0) == 0))
		*why = "the finding is no longer open";
	else if (rc != SQLITE_ROW)
		r = cp_store_sqlfail(rr->st, rc, "reading a finding");
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return r;
}

/* Records the outcome of it in remediations. */
static cp_err
record(struct rm_run *rr, const struct rm_item *it, const struct rm_outcome *oc)
{
	sqlite3_stmt *s = rr->record;
	int rc;

	rc = sqlite3_bind_int64(s, 1, rr->u->unit_id);
	if (rc == SQLITE_OK)
		rc = it->finding_id > 0
			 ? sqlite3_bind_int64(s, 2, it->finding_id)
			 : sqlite3_bind_null(s, 2);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 3, it->policy);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 4, it->resource);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 5, it->action);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 6, oc->status);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(
		    s, 7, oc->before != NULL ? oc->before : "");
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(
		    s, 8, oc->after != NULL ? oc->after : "");
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 9, oc->error);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(s, 10, rr->now);
	return step_done(rr, s, rc, "recording a remediation");
}

/* Queues the completion notice of it: outbox row and record. */
static cp_err
notice(struct rm_run *rr, const struct rm_item *it, const struct rm_outcome *oc)
{
	json_t *payload;
	cp_err r;

	payload = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, "
			    "s:I, s:s, s:s, s:s}",
	    "type", "remediation", "status", oc->status, "policy", it->policy,
	    "action", it->action, "unit", rr->unit, "unit_id",
	    (json_int_t)rr->u->unit_id, "resource", it->resource,
	    "resource_name", it->name, "condition", it->condition, "finding_id",
	    (json_int_t)it->finding_id, "before",
	    oc->before != NULL ? oc->before : "", "after",
	    oc->after != NULL ? oc->after : "", "error", oc->error);
	if (payload == NULL)
		return cp_store_fail(rr->st, CP_E_NOMEM,
		    "cannot build the notice of remediation %lld",
		    (long long)it->id);
	r = cp_lc_queue_outbox(&rr->q, rr->u->portal_id, rr->u->unit_id,
	    "notify", payload, rr->now, NULL);
	json_decref(payload);
	if (r == CP_OK)
		r = cp_lc_queue_notice(&rr->q, rr->u->unit_id, it->finding_id,
		    it->policy, it->resource, it->condition, "remediation",
		    rr->now);
	return r;
}

/* A final outcome: recorded, the row closed, and notified. */
static cp_err
finish(struct rm_run *rr, const struct rm_item *it, const struct rm_outcome *oc,
    const char *state)
{
	cp_err r;

	r = record(rr, it, oc);
	if (r == CP_OK)
		r = set_state(rr, it, state, rr->now, oc->error);
	if (r == CP_OK)
		r = notice(rr, it, oc);
	return r;
}

/* Holds it: the ceiling stopped it. */
static cp_err
hold(struct rm_run *rr, const struct rm_item *it)
{
	struct rm_outcome oc;
	cp_err r;

	memset(&oc, 0, sizeof(oc));
	oc.status = "held";
	snprintf(oc.error, sizeof(oc.error),
	    "held: more than %u resources would have been remediated in one "
	    "run",
	    rr->o.ceiling);
	r = record(rr, it, &oc);
	if (r == CP_OK)
		r = set_state(rr, it, "failed", rr->now, oc.error);
	if (r == CP_OK)
		r = cp_lc_queue_notice(&rr->q, rr->u->unit_id, it->finding_id,
		    it->policy, it->resource, it->condition, "remediation",
		    rr->now);
	if (r == CP_OK && json_array_size(rr->held) < HELD_LISTED &&
	    json_array_append_new(rr->held,
		json_pack("{s:s, s:s, s:s, s:I}", "policy", it->policy,
		    "action", it->action, "resource", it->resource,
		    "finding_id", (json_int_t)it->finding_id)) != 0)
		r = cp_store_fail(rr->st, CP_E_NOMEM, "out of memory");
	if (r == CP_OK)
		rr->sum->held++;
	return r;
}

/* The one notice that says the ceiling stopped remediation. */
static cp_err
notice_held(struct rm_run *rr)
{
	char msg[256];
	json_t *payload;
	cp_err r;

	snprintf(msg, sizeof(msg),
	    "remediation stopped at the ceiling of %u resources per run: "
	    "%zu resources were not changed; remediate them by hand or "
	    "raise the ceiling",
	    rr->o.ceiling, rr->sum->held);
	payload = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:O, s:s}", "type",
	    "remediation", "status", "held", "unit", rr->unit, "unit_id",
	    (json_int_t)rr->u->unit_id, "ceiling", (json_int_t)rr->o.ceiling,
	    "held", (json_int_t)rr->sum->held, "resources", rr->held, "message",
	    msg);
	if (payload == NULL)
		return cp_store_fail(
		    rr->st, CP_E_NOMEM, "cannot build the ceiling notice");
	r = cp_lc_queue_outbox(&rr->q, rr->u->portal_id, rr->u->unit_id,
	    "notify", payload, rr->now, NULL);
	json_decref(payload);
	return r;
}

/* Reads outbox row id into it; *claimed says it was claimed before. */
static cp_err
load_item(
    struct rm_run *rr, int64_t id, struct rm_item *it, int *ok, int *claimed)
{
	sqlite3_stmt *s = rr->get;
	const unsigned char *text;
	cp_err r = CP_OK;
	int rc;

	memset(it, 0, sizeof(*it));
	it->id = id;
	*ok = 0;
	*claimed = 0;
	rc = sqlite3_bind_int64(s, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		it->attempts = sqlite3_column_int64(s, 1);
		text = sqlite3_column_text(s, 2);
		*claimed =
		    text != NULL && strcmp((const char *)text, "claimed") == 0;
		text = sqlite3_column_text(s, 0);
		*ok = text != NULL && parse_payload(it, (const char *)text);
	} else
		r = cp_store_sqlfail(rr->st, rc, "reading a remediation");
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return r;
}

/* Decides what becomes of one due row during the claim. */
static cp_err
claim_one(struct rm_run *rr, int64_t id)
{
	struct rm_item it;
	struct rm_outcome oc;
	const char *why = NULL;
	int ok = 0, claimed = 0;
	cp_err r;

	r = load_item(rr, id, &it, &ok, &claimed);
	if (r != CP_OK)
		goto out;
	if (!ok)
		why = "the queued remediation is malformed";
	else
		r = skip_reason(rr, &it, &why);
	if (r != CP_OK)
		goto out;
	if (why != NULL) {
		rr->sum->skipped++;
		if (!rr->o.dry_run)
			r = set_state(rr, &it, "failed", rr->now, why);
		goto out;
	}
	if (claimed && it.attempts >= (int64_t)rr->o.max_attempts) {
		/* It died with its process too often: never again. */
		memset(&oc, 0, sizeof(oc));
		oc.status = "failed";
		snprintf(oc.error, sizeof(oc.error),
		    "abandoned: the process stopped during this remediation "
		    "%lld times",
		    (long long)it.attempts);
		rr->sum->failed++;
		if (!rr->o.dry_run)
			r = finish(rr, &it, &oc, "failed");
		goto out;
	}
	if (rr->nexec == rr->o.ceiling) {
		if (rr->o.dry_run)
			rr->sum->held++;
		else
			r = hold(rr, &it);
		goto out;
	}
	if (!rr->o.dry_run) {
		it.attempts++;
		r = set_state(rr, &it, "claimed", rr->now, "");
		if (r != CP_OK)
			goto out;
	}
	rr->exec[rr->nexec++] = it;
	return CP_OK;
out:
	item_clear(&it);
	return r;
}

/* The ids of the due rows, oldest first (at most CP_REMEDIATE_BATCH). */
static cp_err
due_rows(struct rm_run *rr, int64_t **ids, size_t *n)
{
	sqlite3_stmt *s = NULL;
	int64_t *v = NULL, *nv;
	size_t cap = 0;
	cp_err r;
	int rc;

	*ids = NULL;
	*n = 0;
	r = cp_store_prepare(rr->st,
	    "SELECT id FROM outbox WHERE unit_id = ?1 AND kind = 'remediate' "
	    "AND ((state = 'pending' AND next_attempt <= ?2) "
	    "OR (state = 'claimed' AND updated <= ?3)) ORDER BY id LIMIT ?4",
	    &s, "listing remediations");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, rr->u->unit_id);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(s, 2, rr->now);
	if (rc == SQLITE_OK)
		rc = cp_lc_bind_time(s, 3, rr->now - (time_t)rr->o.lease);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 4, CP_REMEDIATE_BATCH);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				r = cp_store_fail(
				    rr->st, CP_E_NOMEM, "out of memory");
				goto out;
			}
			v = nv;
		}
		v[(*n)++] = sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(rr->st, rc, "listing remediations");
out:
	sqlite3_finalize(s);
	if (r == CP_OK)
		*ids = v;
	else {
		free(v);
		*n = 0;
	}
	return r;
}

/* Phase one: look at every due row, in one transaction unless dry. */
static cp_err
claim(struct rm_run *rr)
{
	int64_t *ids = NULL;
	size_t n = 0, i;
	cp_err r;

	if (!rr->o.dry_run) {
		r = cp_store_begin(rr->st);
		if (r != CP_OK)
			return r;
	}
	r = due_rows(rr, &ids, &n);
	for (i = 0; i < n && r == CP_OK; i++)
		r = claim_one(rr, ids[i]);
	free(ids);
	if (r == CP_OK && !rr->o.dry_run && rr->sum->held > 0)
		r = notice_held(rr);
	if (rr->o.dry_run)
		return r;
	if (r == CP_OK)
		return cp_store_commit(rr->st);
	cp_store_rollback(rr->st);
	return r;
}

/* A JSON member of result as text of at most CP_REMEDIATE_TEXT_MAX. */
static char *
member_text(const json_t *result, const char *key)
{
	const json_t *v = json_object_get(result, key);
	char *text;
	size_t cut;

	if (v == NULL || json_is_null(v))
		return NULL;
	text = json_is_string(v) ? strdup(json_string_value(v))
				 : json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
						     JSON_ENCODE_ANY);
	if (text == NULL)
		return NULL;
	cut = cp_lc_utf8_cut(text, CP_REMEDIATE_TEXT_MAX);
	text[cut] = '\0';
	return text;
}

static int
retryable(cp_err r)
{
	return r == CP_E_RETRY_LATER || r == CP_E_BUSY ||
	       r == CP_E_HTTP_CONNECT || r == CP_E_HTTP_TIMEOUT;
}

/* Phase two for one row: perform it, then record what came of it. */
static cp_err
perform(
    struct rm_run *rr, const struct rm_item *it, cp_remediate_fn fn, void *ud)
{
	struct rm_outcome oc;
	json_t *result = NULL, *empty = NULL;
	const json_t *params = it->params;
	const char *emsg;
	size_t n;
	cp_err fr, r;

	memset(&oc, 0, sizeof(oc));
	if (params == NULL) {
		empty = json_object();
		if (empty == NULL)
			return cp_store_fail(
			    rr->st, CP_E_NOMEM, "out of memory");
		params = empty;
	}
	fr = fn(ud, rr->unit, it->action, it->resource, params, rr->o.dry_run,
	    &result);
	json_decref(empty);
	oc.before = member_text(result, "before");
	oc.after = member_text(result, "after");
	if (fr != CP_OK) {
		/* The plugin's words when they are text, else the code's. */
		emsg = json_string_value(json_object_get(result, "error"));
		if (emsg == NULL || *emsg == '\0' ||
		    cp_lc_utf8_count(emsg, &n) != CP_OK)
			emsg = cp_strerror(fr);
		n = cp_lc_utf8_cut(emsg, sizeof(oc.error) - 1);
		memcpy(oc.error, emsg, n);
		oc.error[n] = '\0';
	}
	json_decref(result);
	r = cp_store_begin(rr->st);
	if (r != CP_OK)
		goto out;
	if (rr->o.dry_run) {
		oc.status = "dry-run";
		r = record(rr, it, &oc);
		rr->sum->dry_run++;
	} else if (fr == CP_OK) {
		oc.status = "done";
		r = finish(rr, it, &oc, "done");
		rr->sum->done++;
	} else if (retryable(fr) &&
		   it->attempts < (int64_t)rr->o.max_attempts) {
		r = set_state(rr, it, "pending",
		    rr->now + (time_t)rr->o.retry_delay * (time_t)it->attempts,
		    oc.error);
		rr->sum->retry++;
	} else {
		oc.status = "failed";
		r = finish(rr, it, &oc, "failed");
		rr->sum->failed++;
	}
	if (r == CP_OK)
		r = cp_store_commit(rr->st);
	else
		cp_store_rollback(rr->st);
out:
	free(oc.before);
	free(oc.after);
	return r;
}

cp_err
cp_remediate_run(cp_store *st, const struct cp_lc_unit *u, time_t now,
    const struct cp_remediate_opts *opts, cp_remediate_fn fn, void *ud,
    struct cp_remediate_summary *sum)
{
	struct cp_remediate_summary local;
	struct rm_run rr;
	int64_t portal_id = 0;
	size_t i;
	cp_err r;

	if (sum == NULL)
		sum = &local;
	memset(sum, 0, sizeof(*sum));
	memset(&rr, 0, sizeof(rr));
	if (u == NULL || fn == NULL)
		return cp_store_fail(st, CP_E_INVALID,
		    "remediation needs a unit and a callback");
	rr.st = st;
	rr.u = u;
	rr.now = now;
	rr.sum = sum;
	if (opts != NULL)
		rr.o = *opts;
	if (rr.o.ceiling == 0)
		rr.o.ceiling = CP_REMEDIATE_CEILING;
	if (rr.o.lease == 0)
		rr.o.lease = CP_REMEDIATE_LEASE;
	if (rr.o.max_attempts == 0)
		rr.o.max_attempts = CP_REMEDIATE_ATTEMPTS;
	if (rr.o.retry_delay == 0)
		rr.o.retry_delay = CP_REMEDIATE_RETRY_DELAY;
	r = cp_lc_unit_lookup(
	    st, u->unit_id, &portal_id, rr.unit, sizeof(rr.unit));
	if (r != CP_OK)
		return r;
	if (portal_id != u->portal_id)
		return cp_store_fail(st, CP_E_INVALID,
		    "unit %lld belongs to portal %lld, not %lld",
		    (long long)u->unit_id, (long long)portal_id,
		    (long long)u->portal_id);
	r = run_init(&rr);
	if (r == CP_OK)
		r = claim(&rr);
	for (i = 0; i < rr.nexec && r == CP_OK; i++)
		r = perform(&rr, &rr.exec[i], fn, ud);
	run_fini(&rr);
	return r;
}
