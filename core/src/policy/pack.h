/*
 * pack.h - policy packs: folders of <ID>.json + <ID>.sql pairs.
 *
 * A pack is data; anyone can write one without C.  The configured
 * policy_dirs are each searched to CP_POLICY_MAX_DEPTH levels below them
 * (e.g. policies/emergency/aws/AWS-E001.json).  Hidden entries are
 * skipped; framework.json files belong to framework.h; other files are
 * ignored.
 *
 * <ID>.json (at most 256 KiB) is one JSON object:
 *
 *   "id"		required; [A-Z0-9-]{1,63}; equals the file's stem
 *   "title"		required; {"en": "...", "ja": "..."}, both non-empty
 *   "description"	required; {"en", "ja"}
 *   "guidance"		required; {"en", "ja"}: how to fix a failure
 *   "cloud"		required; [a-z0-9-]+ ("aws", "azure", "gcp", "oci",
 *			"asm", "testcloud"...)
 *   "category"		required; "exposure", "account-management",
 *			"unintended-event", "abnormal-usage", "compliance",
 *			"mdfc-alert"
 *   "severity"		required; "critical", "high", "medium", "low"
 *   "resource_types"	required; array of the types the SQL reads
 *			(may be empty for policies over events or costs)
 *   "mode"		required; "periodic" (hourly), "daily", "event"
 *   "requires"		optional; array of collector names: when the
 *			snapshot records a collector_error for one of them,
 *			the policy is not evaluated and yields one
 *			CP_RESULT_ERROR (see engine.h)
 *   "remediation"	optional; null or absent: notify-only; else
 *			{"action": "[a-z0-9-]+", "params": {...}}.  Event
 *			policies are always notify-only (R-INS-5).
 *   "params"		optional; array of parameters the SQL reads with
 *			param(name):
 *			{"name": "[a-z][a-z0-9_]{0,62}",
 *			 "type": "integer"|"number"|"string"|"list",
 *			 "default": <value of that type>,
 *			 "min": <number>, "max": <number>,  (both optional)
 *			 "description": {"en", "ja"}}
 *			min and max bound the value of an integer or number,
 *			the length in bytes of a string, the number of items
 *			of a list.  A list holds strings and numbers.
 *   "frameworks"	optional; {"cis-aws-3.0.0": ["1.12", ...], ...}
 *   "defaults"		optional; {"enabled": true, "notify": true,
 *			"remediate": false} (these are the values when
 *			absent); remediate needs a remediation.
 *   "patrol"		optional; "cost", "regions" or "users": while the
 *			policy is enabled with notification on, the daily
 *			patrol report carries that section (R-NOT-4 C-E).
 *
 * Any other key is reported as a warning (a typo must not pass silently)
 * and the policy still loads.
 *
 * <ID>.sql (at most 64 KiB) is exactly one read-only statement (a SELECT,
 * possibly WITH ...) over the snapshot views (see inventory/snapshot.h),
 * the "tenant" schema and the helper functions of sqlfuncs.h, returning
 * the columns resource_id, resource_name, status, detail, value,
 * condition (by name, in any order, no others).  It is prepared at load
 * time in the same sandbox the engine uses, so a statement that does not
 * parse, writes, or calls a function outside the allow-list is refused
 * before it ever runs.  Double-quoted strings are identifiers only: write
 * 'pass', not "pass".  json_each() and json_tree() have a column called
 * json too: give resources an alias and write res.json next to them.
 * Reading an array member by path on the whole document
 * (json_extract(res.json, r.fullkey || '.x')) reuses SQLite's parse of
 * the document and is faster than json_extract(r.value, '$.x'), which
 * parses each member again.
 *
 * A broken file is reported in the diag list as "<path>: <reason>" and
 * skipped; the other policies load.
 */
#ifndef CP_POLICY_PACK_H
#define CP_POLICY_PACK_H

#include <stddef.h>

#include <jansson.h>

#include <cloudpatrol/err.h>

#include "util/diag.h"

#define CP_POLICY_MAX_JSON (256u * 1024)
#define CP_POLICY_MAX_SQL (64u * 1024)
#define CP_POLICY_MAX_DEPTH 3		/* directory levels below a dir */
#define CP_POLICY_MAX_FILES 20000	/* files looked at per dir */
#define CP_POLICY_ID_MAX 63
#define CP_POLICY_MAX_LIST 1000		/* items of a list parameter */
#define CP_POLICY_MAX_STRING 4096	/* bytes of a string parameter */

enum cp_policy_category {
	CP_CATEGORY_EXPOSURE = 0,
	CP_CATEGORY_ACCOUNT_MANAGEMENT = 1,
	CP_CATEGORY_UNINTENDED_EVENT = 2,
	CP_CATEGORY_ABNORMAL_USAGE = 3,
	CP_CATEGORY_COMPLIANCE = 4,
	CP_CATEGORY_MDFC_ALERT = 5
};

enum cp_policy_severity {
	CP_SEVERITY_CRITICAL = 0,
	CP_SEVERITY_HIGH = 1,
	CP_SEVERITY_MEDIUM = 2,
	CP_SEVERITY_LOW = 3
};

enum cp_policy_mode {
	CP_MODE_PERIODIC = 0,
	CP_MODE_DAILY = 1,
	CP_MODE_EVENT = 2
};

enum cp_param_type {
	CP_PARAM_INTEGER = 0,
	CP_PARAM_NUMBER = 1,
	CP_PARAM_STRING = 2,
	CP_PARAM_LIST = 3
};

/* A text in both languages; borrowed from the policy's JSON. */
struct cp_policy_text {
	const char *en;
	const char *ja;
};

struct cp_policy_param {
	const char *name;
	int type;			/* enum cp_param_type */
	const json_t *def;		/* the default, of that type */
	int has_min, has_max;
	double min, max;
	struct cp_policy_text description;
};

/*
 * One loaded policy.  Every pointer is owned by the set and valid until
 * cp_policy_set_free(); strings point into json.
 */
struct cp_policy {
	const char *id;
	struct cp_policy_text title;
	struct cp_policy_text description;
	struct cp_policy_text guidance;
	const char *cloud;
	int category;			/* enum cp_policy_category */
	int severity;			/* enum cp_policy_severity */
	int mode;			/* enum cp_policy_mode */
	const char **resource_types;
	size_t n_resource_types;
	const char **requires;		/* collector names */
	size_t n_requires;
	const char *remediation_action;	/* NULL: notify-only */
	const json_t *remediation_params; /* an object; NULL if notify-only */
	struct cp_policy_param *params;
	size_t n_params;
	const json_t *frameworks;	/* an object; never NULL */
	int default_enabled;
	int default_notify;
	int default_remediate;
	const char *sql;		/* the statement's text */
	const char *json_path;
	const char *sql_path;
	json_t *json;			/* the whole document */
};

typedef struct cp_policy_set cp_policy_set;

/*
 * Loads every policy of dirs (NULL-terminated).  Problems with a file or a
 * directory go to diag (not NULL) as errors (the file is skipped) or
 * warnings; the set holds what loaded.  Returns CP_OK with *out set even
 * when files were refused (check diag->errors); CP_E_NOMEM only when the
 * set itself could not be built.  Not thread-safe while loading; the loaded set is
 * read-only and may be shared between threads.
 */
cp_err cp_policy_set_load(const char *const *dirs, cp_policy_set **out,
    struct cp_diag *diag);
void cp_policy_set_free(cp_policy_set *set);

/* Policies sorted by id. */
size_t cp_policy_set_count(const cp_policy_set *set);
const struct cp_policy *cp_policy_set_at(const cp_policy_set *set,
    size_t i);
/* The policy with this id, or NULL. */
const struct cp_policy *cp_policy_set_find(const cp_policy_set *set,
    const char *id);

/* The parameter called name, or NULL. */
const struct cp_policy_param *cp_policy_param_find(
    const struct cp_policy *p, const char *name);

/*
 * Checks a value given on the command line for parameter name of p:
 * integer and number are decimal text, string is taken as is, a list is a
 * JSON array or comma-separated words.  On success *parsed is a new
 * reference to the value as JSON.  Otherwise why says, e.g.,
 * "max_age_days = 0: must be between 1 and 3650", and CP_E_NOTFOUND
 * means p has no such parameter, CP_E_INVALID a bad value.
 */
cp_err cp_policy_check_param(const struct cp_policy *p, const char *name,
    const char *value, json_t **parsed, char *why, size_t why_size);

/*
 * Checks a value already in JSON (from the portal's settings) against
 * the parameter; why as above.
 */
cp_err cp_policy_param_check_json(const struct cp_policy_param *pp,
    const json_t *value, char *why, size_t why_size);

/* Names as written in the JSON ("exposure", "high", "periodic"...). */
const char *cp_policy_category_name(int category);
const char *cp_policy_severity_name(int severity);
const char *cp_policy_mode_name(int mode);
const char *cp_policy_param_type_name(int type);

/*
 * Calls fn for every regular file below dir (to CP_POLICY_MAX_DEPTH
 * levels, in name order, hidden entries skipped) with its path and its
 * base name.  Unreadable directories go to diag.  Shared by the pack and
 * framework loaders.  fn's non-OK return stops the walk and is returned.
 */
cp_err cp_policy_walk(const char *dir,
    cp_err (*fn)(void *ud, const char *path, const char *name), void *ud,
    struct cp_diag *diag);

#endif /* CP_POLICY_PACK_H */
