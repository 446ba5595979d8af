/*
 * framework.h - compliance frameworks (CIS benchmarks, guidelines): which
 * requirements they have and which policies decide each.
 *
 * A framework is a file called framework.json anywhere in the policy
 * directories (to CP_POLICY_MAX_DEPTH levels, e.g.
 * policies/cis/aws-3.0.0/framework.json), at most 1 MiB:
 *
 *   {"id": "cis-aws-3.0.0",		[a-z0-9.-]{1,63}, unique
 *    "title": {"en": "...", "ja": "..."},
 *    "cloud": "aws",
 *    "requirements": [			at least one
 *      {"id": "1.4",			unique in the framework
 *       "title": {"en", "ja"},		our own short words
 *       "level": 1,			1 or 2
 *       "assessment": "automated",	or "manual"
 *       "section": "1",
 *       "policies": ["AWS-C014"],	loaded policy ids that decide it;
 *					may be empty or left out
 *       "params": {"AWS-C014":		optional: parameter values the
 *         {"max_age_days": 90}},	audit runs a listed policy with
 *       "steps": {"en", "ja"}}]}	how to become compliant (R-CIS-4)
 *
 * Only ids, levels and the assessment kind come from the benchmark; the
 * titles and steps are written in our own words.  A broken file is
 * reported as "<path>: <reason>" and skipped.  A policy whose
 * "frameworks" mapping disagrees with a loaded framework gets a warning.
 *
 * An automated requirement that names no policy is one no policy decides
 * yet: the audit reports it "not assessed" (policy/audit.h) rather than
 * refusing the whole framework, so a benchmark can be written down in
 * full before every check exists.
 *
 * "params" pins the thresholds of the benchmark: the audit judges a
 * policy with its pack's defaults overlaid by these values, never with
 * the thresholds a portal set for its notifications.  It also lets one
 * policy decide two requirements exactly (a password policy check run
 * once for the length alone, once for reuse alone).  Each key must be one
 * of the requirement's policies, each value a parameter of that policy
 * within its bounds.
 */
#ifndef CP_POLICY_FRAMEWORK_H
#define CP_POLICY_FRAMEWORK_H

#include <stddef.h>

#include <jansson.h>

#include <cloudpatrol/err.h>

#include "policy/pack.h"
#include "util/diag.h"

#define CP_FRAMEWORK_MAX_JSON (1024u * 1024)
#define CP_FRAMEWORK_MAX_REQUIREMENTS 2000

enum cp_assessment {
	CP_ASSESSMENT_AUTOMATED = 0,
	CP_ASSESSMENT_MANUAL = 1
};

/* Strings borrowed from the framework's JSON. */
struct cp_requirement {
	const char *id;
	struct cp_policy_text title;
	int level;			/* 1 or 2 */
	int assessment;			/* enum cp_assessment */
	const char *section;
	const char **policies;		/* the policies that decide it */
	size_t n_policies;
	struct cp_policy_text steps;
	const json_t *params;		/* {policy: {name: value}} or NULL */
};

struct cp_framework {
	const char *id;
	struct cp_policy_text title;
	const char *cloud;
	const struct cp_requirement *requirements;	/* in file order */
	size_t n_requirements;
	const char *path;
	json_t *json;
};

typedef struct cp_framework_set cp_framework_set;

/*
 * Loads every framework.json below dirs, checking policy references
 * against policies.  Like cp_policy_set_load: CP_OK with *out set, broken
 * files in diag.
 */
cp_err cp_framework_set_load(const char *const *dirs,
    const cp_policy_set *policies, cp_framework_set **out,
    struct cp_diag *diag);
void cp_framework_set_free(cp_framework_set *set);

/* Frameworks sorted by id. */
size_t cp_framework_set_count(const cp_framework_set *set);
const struct cp_framework *cp_framework_set_at(const cp_framework_set *set,
    size_t i);
const struct cp_framework *cp_framework_set_find(
    const cp_framework_set *set, const char *id);
const struct cp_requirement *cp_framework_requirement(
    const struct cp_framework *fw, const char *id);

#endif /* CP_POLICY_FRAMEWORK_H */
