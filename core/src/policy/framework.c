/*
 * framework.c - loading framework.json files (format in framework.h).
 *
 * A framework names policies by id, so it is loaded after the policies
 * and every reference is checked: an audit that silently skips a
 * requirement because of a typo would report compliance that was never
 * measured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http_client.h"
#include "policy/framework.h"
#include "util/util.h"

#define MAX_TEXT (32 * 1024)

struct fw_item {
	struct cp_framework pub;
	struct cp_requirement *reqs;
	char *path;
};

struct cp_framework_set {
	struct fw_item **v;
	size_t n;
	size_t cap;
};

static const char *const known_keys[] = {
	"id", "title", "cloud", "requirements", NULL
};
static const char *const req_keys[] = {
	"id", "title", "level", "assessment", "section", "policies", "steps",
	"params", NULL
};

static int
known(const char *const *keys, const char *k)
{
	for (; *keys != NULL; keys++)
		if (strcmp(*keys, k) == 0)
			return 1;
	return 0;
}

static const char *
str_member(json_t *o, const char *key, size_t max)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/* {"en", "ja"}: both non-empty; 0 when not. */
static int
text_member(json_t *o, const char *key, size_t max, struct cp_policy_text *t)
{
	json_t *v = json_object_get(o, key);

	t->en = str_member(v, "en", max);
	t->ja = str_member(v, "ja", max);
	return t->en != NULL && t->ja != NULL;
}

static void
item_free(struct fw_item *it)
{
	size_t i;

	if (it == NULL)
		return;
	for (i = 0; it->reqs != NULL && i < it->pub.n_requirements; i++)
		free(it->reqs[i].policies);
	free(it->reqs);
	free(it->path);
	json_decref(it->pub.json);
	free(it);
}

static int
names_policy(const struct cp_requirement *rq, const char *id)
{
	size_t i;

	for (i = 0; i < rq->n_policies; i++)
		if (strcmp(rq->policies[i], id) == 0)
			return 1;
	return 0;
}

/*
 * "params": {policy: {name: value}}.  Checked here, not when the audit
 * runs: a threshold the benchmark pins that the policy cannot take would
 * otherwise turn every unit's row into an error.
 */
static cp_err
parse_params(json_t *o, const cp_policy_set *policies,
    struct cp_requirement *rq, char *why, size_t n)
{
	json_t *all = json_object_get(o, "params"), *vals, *v;
	const struct cp_policy_param *pp;
	const struct cp_policy *p;
	const char *id, *name;
	char reason[256];

	rq->params = NULL;
	if (all == NULL)
		return CP_OK;
	if (!json_is_object(all)) {
		cp_snprintf(why, n, "requirement %s: params must be an object "
		    "of policy ids", rq->id);
		return CP_E_INVALID;
	}
	json_object_foreach(all, id, vals) {
		if (!names_policy(rq, id)) {
			cp_snprintf(why, n, "requirement %s: params names "
			    "%.64s, which is not one of its policies", rq->id,
			    id);
			return CP_E_INVALID;
		}
		p = cp_policy_set_find(policies, id);
		if (!json_is_object(vals) || p == NULL) {
			cp_snprintf(why, n, "requirement %s: params of %.64s "
			    "must be an object", rq->id, id);
			return CP_E_INVALID;
		}
		json_object_foreach(vals, name, v) {
			pp = cp_policy_param_find(p, name);
			if (pp == NULL) {
				cp_snprintf(why, n, "requirement %s: policy %s "
				    "has no parameter %.64s", rq->id, id,
				    name);
				return CP_E_INVALID;
			}
			if (cp_policy_param_check_json(pp, v, reason,
			    sizeof(reason)) != CP_OK) {
				cp_snprintf(why, n, "requirement %s: %s: %s",
				    rq->id, id, reason);
				return CP_E_INVALID;
			}
		}
	}
	rq->params = all;
	return CP_OK;
}

static cp_err
parse_requirement(json_t *o, size_t idx, const cp_policy_set *policies,
    struct cp_requirement *rq, char *why, size_t n)
{
	json_t *a, *v;
	const char *s;
	size_t i;

	if (!json_is_object(o)) {
		cp_snprintf(why, n, "requirements[%zu] must be an object", idx);
		return CP_E_INVALID;
	}
	rq->id = str_member(o, "id", 63);
	if (rq->id == NULL || !cp_str_only(rq->id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-")) {
		cp_snprintf(why, n, "requirements[%zu].id must match "
		    "[A-Za-z0-9._-]{1,63}", idx);
		return CP_E_INVALID;
	}
	if (!text_member(o, "title", 1024, &rq->title)) {
		cp_snprintf(why, n, "requirement %s: title needs \"en\" and "
		    "\"ja\"", rq->id);
		return CP_E_INVALID;
	}
	if (!text_member(o, "steps", MAX_TEXT, &rq->steps)) {
		cp_snprintf(why, n, "requirement %s: steps needs \"en\" and "
		    "\"ja\"", rq->id);
		return CP_E_INVALID;
	}
	v = json_object_get(o, "level");
	if (!json_is_integer(v) || (json_integer_value(v) != 1 &&
	    json_integer_value(v) != 2)) {
		cp_snprintf(why, n, "requirement %s: level must be 1 or 2",
		    rq->id);
		return CP_E_INVALID;
	}
	rq->level = (int)json_integer_value(v);
	s = str_member(o, "assessment", 16);
	if (s != NULL && strcmp(s, "automated") == 0)
		rq->assessment = CP_ASSESSMENT_AUTOMATED;
	else if (s != NULL && strcmp(s, "manual") == 0)
		rq->assessment = CP_ASSESSMENT_MANUAL;
	else {
		cp_snprintf(why, n, "requirement %s: assessment must be "
		    "automated or manual", rq->id);
		return CP_E_INVALID;
	}
	rq->section = str_member(o, "section", 63);
	if (rq->section == NULL) {
		cp_snprintf(why, n, "requirement %s: missing section", rq->id);
		return CP_E_INVALID;
	}
	a = json_object_get(o, "policies");
	if (a != NULL && (!json_is_array(a) || json_array_size(a) > 64)) {
		cp_snprintf(why, n, "requirement %s: policies must be an "
		    "array of at most 64 policy ids", rq->id);
		return CP_E_INVALID;
	}
	/* An automated requirement without a policy is allowed: the audit
	 * reports it "not assessed" (see framework.h). */
	rq->n_policies = json_array_size(a);
	rq->policies = calloc(rq->n_policies + 1, sizeof(*rq->policies));
	if (rq->policies == NULL)
		return CP_E_NOMEM;
	json_array_foreach(a, i, v) {
		s = json_string_value(v);
		if (s == NULL || cp_policy_set_find(policies, s) == NULL) {
			cp_snprintf(why, n, "requirement %s: unknown policy "
			    "%.64s", rq->id, s != NULL ? s : "(not a string)");
			return CP_E_INVALID;
		}
		rq->policies[i] = s;
	}
	return parse_params(o, policies, rq, why, n);
}

static cp_err
parse_framework(struct fw_item *it, const cp_policy_set *policies,
    struct cp_diag *diag, char *why, size_t n)
{
	struct cp_framework *fw = &it->pub;
	json_t *root = fw->json, *a, *o;
	const char *key;
	size_t i, j;
	cp_err r;

	if (!json_is_object(root)) {
		cp_snprintf(why, n, "not a JSON object");
		return CP_E_INVALID;
	}
	fw->id = str_member(root, "id", 63);
	if (fw->id == NULL || !cp_str_only(fw->id,
	    "abcdefghijklmnopqrstuvwxyz0123456789.-")) {
		cp_snprintf(why, n, "id must match [a-z0-9.-]{1,63}");
		return CP_E_INVALID;
	}
	if (!text_member(root, "title", 1024, &fw->title)) {
		cp_snprintf(why, n, "title needs \"en\" and \"ja\"");
		return CP_E_INVALID;
	}
	fw->cloud = str_member(root, "cloud", 32);
	if (fw->cloud == NULL || !cp_str_only(fw->cloud,
	    "abcdefghijklmnopqrstuvwxyz0123456789-")) {
		cp_snprintf(why, n, "cloud must match [a-z0-9-]+");
		return CP_E_INVALID;
	}
	a = json_object_get(root, "requirements");
	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > CP_FRAMEWORK_MAX_REQUIREMENTS) {
		cp_snprintf(why, n, "requirements must be an array of 1 to %d "
		    "requirements", CP_FRAMEWORK_MAX_REQUIREMENTS);
		return CP_E_INVALID;
	}
	it->reqs = calloc(json_array_size(a), sizeof(*it->reqs));
	if (it->reqs == NULL)
		return CP_E_NOMEM;
	json_array_foreach(a, i, o) {
		fw->n_requirements = i + 1;	/* what item_free frees */
		r = parse_requirement(o, i, policies, &it->reqs[i], why, n);
		if (r != CP_OK)
			return r;
		for (j = 0; j < i; j++)
			if (strcmp(it->reqs[j].id, it->reqs[i].id) == 0) {
				cp_snprintf(why, n, "requirement %s appears "
				    "twice", it->reqs[i].id);
				return CP_E_INVALID;
			}
	}
	fw->requirements = it->reqs;
	json_object_foreach(root, key, o) {
		if (!known(known_keys, key))
			cp_diag_warning(diag, it->path, 0, "unknown field "
			    "'%.64s' is ignored", key);
	}
	json_array_foreach(a, i, o) {
		json_t *v;

		json_object_foreach(o, key, v) {
			if (!known(req_keys, key))
				cp_diag_warning(diag, it->path, 0,
				    "requirement %s: unknown field '%.64s' is "
				    "ignored", it->reqs[i].id, key);
		}
	}
	return CP_OK;
}

struct loader {
	cp_framework_set *set;
	const cp_policy_set *policies;
	struct cp_diag *diag;
};

static cp_err
visit(void *ud, const char *path, const char *name)
{
	struct loader *ld = ud;
	struct fw_item *it = NULL, **nv;
	char *text = NULL, why[512], reason[400];
	size_t len = 0, i;
	cp_err r;

	if (strcmp(name, "framework.json") != 0)
		return CP_OK;
	it = calloc(1, sizeof(*it));
	if (it == NULL || (it->path = strdup(path)) == NULL) {
		free(it);
		return CP_E_NOMEM;
	}
	it->pub.path = it->path;
	r = cp_file_read(path, CP_FRAMEWORK_MAX_JSON, &text, &len);
	if (r == CP_E_LIMIT)
		cp_snprintf(why, sizeof(why), "larger than %u bytes",
		    CP_FRAMEWORK_MAX_JSON);
	else if (r != CP_OK)
		cp_snprintf(why, sizeof(why), "cannot read: %s",
		    cp_strerror(r));
	else {
		it->pub.json = cp_json_parse(text, len, reason,
		    sizeof(reason));
		if (it->pub.json == NULL) {
			cp_snprintf(why, sizeof(why), "not valid JSON: %s",
			    reason);
			r = CP_E_PARSE;
		} else
			r = parse_framework(it, ld->policies, ld->diag, why,
			    sizeof(why));
	}
	free(text);
	for (i = 0; r == CP_OK && i < ld->set->n; i++)
		if (strcmp(ld->set->v[i]->pub.id, it->pub.id) == 0) {
			cp_snprintf(why, sizeof(why), "duplicate framework id "
			    "'%s' (also in %s)", it->pub.id,
			    ld->set->v[i]->path);
			r = CP_E_EXISTS;
		}
	if (r == CP_E_NOMEM) {
		item_free(it);
		return r;
	}
	if (r != CP_OK) {
		cp_diag_error(ld->diag, path, 0, "%s", why);
		item_free(it);
		return CP_OK;
	}
	if (ld->set->n == ld->set->cap) {
		size_t cap = ld->set->cap == 0 ? 16 : ld->set->cap * 2;

		nv = realloc(ld->set->v, cap * sizeof(*nv));
		if (nv == NULL) {
			item_free(it);
			return CP_E_NOMEM;
		}
		ld->set->v = nv;
		ld->set->cap = cap;
	}
	ld->set->v[ld->set->n++] = it;
	return CP_OK;
}

/*
 * A policy's "frameworks" mapping should agree with the frameworks: the
 * pack and the framework are often written by different people.
 */
static void
cross_check(const cp_framework_set *set, const cp_policy_set *policies,
    struct cp_diag *diag)
{
	const struct cp_policy *p;
	const struct cp_framework *fw;
	const struct cp_requirement *rq;
	const char *key;
	json_t *ids, *v;
	size_t i, j;

	for (i = 0; i < cp_policy_set_count(policies); i++) {
		p = cp_policy_set_at(policies, i);
		json_object_foreach((json_t *)p->frameworks, key, ids) {
			fw = cp_framework_set_find(set, key);
			if (fw == NULL)
				continue;
			json_array_foreach(ids, j, v) {
				rq = cp_framework_requirement(fw,
				    json_string_value(v));
				if (rq == NULL)
					cp_diag_warning(diag, p->json_path, 0,
					    "%s has no requirement %s",
					    fw->id, json_string_value(v));
				else if (!names_policy(rq, p->id))
					cp_diag_warning(diag, p->json_path, 0,
					    "%s requirement %s does not list "
					    "%s", fw->id, rq->id, p->id);
			}
		}
	}
}

static int
cmp_item(const void *a, const void *b)
{
	const struct fw_item *x = *(struct fw_item *const *)a;
	const struct fw_item *y = *(struct fw_item *const *)b;

	return strcmp(x->pub.id, y->pub.id);
}

cp_err
cp_framework_set_load(const char *const *dirs, const cp_policy_set *policies,
    cp_framework_set **out, struct cp_diag *diag)
{
	struct loader ld;
	size_t i;
	cp_err r = CP_OK;

	*out = NULL;
	ld.set = calloc(1, sizeof(*ld.set));
	if (ld.set == NULL)
		return CP_E_NOMEM;
	ld.policies = policies;
	ld.diag = diag;
	for (i = 0; dirs != NULL && dirs[i] != NULL && r == CP_OK; i++)
		r = cp_policy_walk(dirs[i], visit, &ld, diag);
	if (r != CP_OK) {
		cp_framework_set_free(ld.set);
		return r;
	}
	if (ld.set->n > 0)
		qsort(ld.set->v, ld.set->n, sizeof(*ld.set->v), cmp_item);
	cross_check(ld.set, policies, diag);
	*out = ld.set;
	return CP_OK;
}

void
cp_framework_set_free(cp_framework_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		item_free(set->v[i]);
	free(set->v);
	free(set);
}

size_t
cp_framework_set_count(const cp_framework_set *set)
{
	return set != NULL ? set->n : 0;
}

const struct cp_framework *
cp_framework_set_at(const cp_framework_set *set, size_t i)
{
	return set != NULL && i < set->n ? &set->v[i]->pub : NULL;
}

const struct cp_framework *
cp_framework_set_find(const cp_framework_set *set, const char *id)
{
	size_t i;

	for (i = 0; set != NULL && id != NULL && i < set->n; i++)
		if (strcmp(set->v[i]->pub.id, id) == 0)
			return &set->v[i]->pub;
	return NULL;
}

const struct cp_requirement *
cp_framework_requirement(const struct cp_framework *fw, const char *id)
{
	size_t i;

	for (i = 0; fw != NULL && id != NULL && i < fw->n_requirements; i++)
		if (strcmp(fw->requirements[i].id, id) == 0)
			return &fw->requirements[i];
	return NULL;
}
