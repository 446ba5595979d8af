/*
 * pack.c - loading and checking policy packs (the format is in pack.h).
 *
 * Every check a policy can fail is done here, at load, so that a broken
 * pack is found when the operator installs it rather than at 3 a.m. when
 * the scheduler runs it: the JSON against the format, the parameters'
 * defaults against their bounds, and the SQL prepared in the same
 * sandbox the engine uses.  One message per broken file, naming the file.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/http_client.h"
#include "policy/pack.h"
#include "policy/sandbox.h"
#include "policy/sqlfuncs.h"
#include "util/util.h"

#define MAX_TITLE 1024		/* bytes of a title */
#define MAX_TEXT (32 * 1024)	/* bytes of a description or guidance */
#define MAX_ITEMS 64		/* resource types, requires */
#define MAX_PARAMS 32
#define MAX_NAME 63

/* A policy and what it owns; pub comes first. */
struct policy_item {
	struct cp_policy pub;
	char *json_path;
	char *sql_path;
	char *sql;
	const char **types;
	const char **reqs;
	struct cp_policy_param *params;
};

struct cp_policy_set {
	struct policy_item **v;
	size_t n;
	size_t cap;
};

static const char *const category_names[] = {
	"exposure", "account-management", "unintended-event",
	"abnormal-usage", "compliance", "mdfc-alert", NULL
};
static const char *const severity_names[] = {
	"critical", "high", "medium", "low", NULL
};
static const char *const mode_names[] = {
	"periodic", "daily", "event", NULL
};
static const char *const type_names[] = {
	"integer", "number", "string", "list", NULL
};
static const char *const known_keys[] = {
	"id", "title", "description", "guidance", "cloud", "category",
	"severity", "resource_types", "mode", "requires", "remediation",
	"params", "frameworks", "defaults", "patrol", NULL
};

/* The daily patrol report sections a policy may switch on (R-NOT-4). */
static const char *const patrol_names[] = { "cost", "regions", "users",
    NULL };

static int
in_known(const char *key)
{
	size_t i;

	for (i = 0; known_keys[i] != NULL; i++)
		if (strcmp(known_keys[i], key) == 0)
			return 1;
	return 0;
}

static const char *
name_of(const char *const *names, size_t count, int v)
{
	return v >= 0 && (size_t)v < count ? names[v] : "?";
}

const char *
cp_policy_category_name(int category)
{
	return name_of(category_names, CP_ARRAY_LEN(category_names) - 1,
	    category);
}

const char *
cp_policy_severity_name(int severity)
{
	return name_of(severity_names, CP_ARRAY_LEN(severity_names) - 1,
	    severity);
}

const char *
cp_policy_mode_name(int mode)
{
	return name_of(mode_names, CP_ARRAY_LEN(mode_names) - 1, mode);
}

const char *
cp_policy_param_type_name(int type)
{
	return name_of(type_names, CP_ARRAY_LEN(type_names) - 1, type);
}

/* ------------------------------------------------------------ walking */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct walk {
	cp_err (*fn)(void *ud, const char *path, const char *name);
	void *ud;
	struct cp_diag *diag;
	size_t files;
};

static cp_err
walk_dir(struct walk *wk, const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	char **names = NULL, **nn, path[4096];
	size_t n = 0, cap = 0, i;
	cp_err r = CP_OK;

	d = opendir(dir);
	if (d == NULL) {
		cp_diag_error(wk->diag, dir, 0, "cannot read directory: %s",
		    strerror(errno));
		return CP_OK;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (++wk->files > CP_POLICY_MAX_FILES) {
			cp_diag_error(wk->diag, dir, 0, "more than %u entries; "
			    "the rest is ignored", CP_POLICY_MAX_FILES);
			break;
		}
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			nn = realloc(names, cap * sizeof(*nn));
			if (nn == NULL) {
				r = CP_E_NOMEM;
				goto out;
			}
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (names[n] == NULL) {
			r = CP_E_NOMEM;
			goto out;
		}
		n++;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n && r == CP_OK; i++) {
		if (cp_snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]) != CP_OK) {
			cp_diag_error(wk->diag, dir, 0, "path of %s too long",
			    names[i]);
			continue;
		}
		if (stat(path, &st) != 0)
			continue;	/* a dangling link */
		if (S_ISDIR(st.st_mode)) {
			if (depth < CP_POLICY_MAX_DEPTH)
				r = walk_dir(wk, path, depth + 1);
		} else if (S_ISREG(st.st_mode))
			r = wk->fn(wk->ud, path, names[i]);
	}
out:
	closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

cp_err
cp_policy_walk(const char *dir,
    cp_err (*fn)(void *ud, const char *path, const char *name), void *ud,
    struct cp_diag *diag)
{
	struct walk wk = {fn, ud, diag, 0};

	return walk_dir(&wk, dir, 0);
}

/* ------------------------------------------------------------ fields */

static int
has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static int
valid_id(const char *s)
{
	return strlen(s) <= CP_POLICY_ID_MAX &&
	       cp_str_only(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
}

static int
valid_word(const char *s, const char *set)
{
	return strlen(s) <= MAX_NAME && cp_str_only(s, set);
}

#define LOWER_WORD "abcdefghijklmnopqrstuvwxyz0123456789-"

/* A required or optional string member; why names the field. */
static cp_err
get_string(json_t *o, const char *key, int required, size_t max,
    const char **out, char *why, size_t why_size)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return CP_OK;
		cp_snprintf(why, why_size, "missing required field '%s'", key);
		return CP_E_INVALID;
	}
	if (!json_is_string(v) || json_string_length(v) == 0) {
		cp_snprintf(why, why_size, "%s must be a non-empty string",
		    key);
		return CP_E_INVALID;
	}
	if (json_string_length(v) > max || strlen(json_string_value(v)) !=
	    json_string_length(v)) {
		cp_snprintf(why, why_size, "%s is longer than %zu bytes or "
		    "holds a NUL", key, max);
		return CP_E_INVALID;
	}
	*out = json_string_value(v);
	return CP_OK;
}

/* {"en": "...", "ja": "..."}, both required; prefix names the field. */
static cp_err
get_text_obj(json_t *v, const char *field, size_t max,
    struct cp_policy_text *t, char *why, size_t why_size)
{
	char key[128];
	cp_err r;

	if (!json_is_object(v)) {
		cp_snprintf(why, why_size, "%s must be an object "
		    "{\"en\": \"...\", \"ja\": \"...\"}", field);
		return CP_E_INVALID;
	}
	snprintf(key, sizeof(key), "%s.en", field);
	r = get_string(v, "en", 1, max, &t->en, why, why_size);
	if (r == CP_OK) {
		snprintf(key, sizeof(key), "%s.ja", field);
		r = get_string(v, "ja", 1, max, &t->ja, why, why_size);
	}
	if (r != CP_OK) {
		/* Restate with the full name of the field. */
		cp_snprintf(why, why_size, "%s is missing, empty or longer "
		    "than %zu bytes", key, max);
	}
	return r;
}

static cp_err
get_text(json_t *o, const char *key, size_t max, struct cp_policy_text *t,
    char *why, size_t why_size)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL) {
		cp_snprintf(why, why_size, "missing required field '%s'", key);
		return CP_E_INVALID;
	}
	return get_text_obj(v, key, max, t, why, why_size);
}

/* A string member that must be one of names; its index in *out. */
static cp_err
get_enum(json_t *o, const char *key, const char *const *names, int *out,
    char *why, size_t why_size)
{
	const char *s;
	struct cp_buf b;
	int i;
	cp_err r;

	r = get_string(o, key, 1, 64, &s, why, why_size);
	if (r != CP_OK)
		return r;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return CP_OK;
		}
	cp_buf_init(&b, 512);
	for (i = 0; names[i] != NULL; i++)
		cp_buf_printf(&b, "%s%s", i > 0 ? ", " : "", names[i]);
	cp_snprintf(why, why_size, "%s '%.64s' is not one of %s", key, s,
	    b.data != NULL ? b.data : "");
	cp_buf_free(&b);
	return CP_E_INVALID;
}

/*
 * An array of strings, each matching set (or any text when set is NULL)
 * and at most maxlen bytes.  *out is a new array the caller frees.
 */
static cp_err
get_string_array(json_t *o, const char *key, int required, const char *set,
    size_t maxlen, const char ***out, size_t *n, char *why, size_t why_size)
{
	json_t *a = json_object_get(o, key), *v;
	const char **arr;
	size_t i;

	*out = NULL;
	*n = 0;
	if (a == NULL) {
		if (!required)
			return CP_OK;
		cp_snprintf(why, why_size, "missing required field '%s'", key);
		return CP_E_INVALID;
	}
	if (!json_is_array(a) || json_array_size(a) > MAX_ITEMS) {
		cp_snprintf(why, why_size, "%s must be an array of at most %d "
		    "strings", key, MAX_ITEMS);
		return CP_E_INVALID;
	}
	arr = calloc(json_array_size(a) + 1, sizeof(*arr));
	if (arr == NULL)
		return CP_E_NOMEM;
	json_array_foreach(a, i, v) {
		const char *s = json_string_value(v);

		if (s == NULL || *s == '\0' || strlen(s) > maxlen ||
		    (set != NULL && !cp_str_only(s, set))) {
			cp_snprintf(why, why_size, "%s[%zu] is not a valid "
			    "name", key, i);
			free(arr);
			return CP_E_INVALID;
		}
		arr[i] = s;
	}
	*out = arr;
	*n = json_array_size(a);
	return CP_OK;
}

/* ------------------------------------------------------------ params */

/* "%.15g" of a bound: 3650, 0.5, 1000000. */
static void
fmt_num(double v, char *buf, size_t n)
{
	snprintf(buf, n, "%.15g", v);
}

/* The sentence for a value outside [min, max], unit after the bound. */
static void
bounds_msg(const struct cp_policy_param *pp, const char *unit, char *buf,
    size_t n)
{
	char lo[32], hi[32];

	fmt_num(pp->min, lo, sizeof(lo));
	fmt_num(pp->max, hi, sizeof(hi));
	if (pp->has_min && pp->has_max)
		snprintf(buf, n, "must be between %s and %s%s", lo, hi, unit);
	else if (pp->has_min)
		snprintf(buf, n, "must be at least %s%s", lo, unit);
	else
		snprintf(buf, n, "must be at most %s%s", hi, unit);
}

static int
out_of_bounds(const struct cp_policy_param *pp, double v)
{
	return (pp->has_min && v < pp->min) || (pp->has_max && v > pp->max);
}

/* Why value does not fit pp, without the "name = value: " head. */
static int
value_problem(const struct cp_policy_param *pp, const json_t *v, char *buf,
    size_t n)
{
	json_t *item;
	size_t i;

	switch (pp->type) {
	case CP_PARAM_INTEGER:
		if (!json_is_integer(v)) {
			snprintf(buf, n, "must be an integer");
			return 1;
		}
		if (out_of_bounds(pp, (double)json_integer_value(v))) {
			bounds_msg(pp, "", buf, n);
			return 1;
		}
		return 0;
	case CP_PARAM_NUMBER:
		if (!json_is_number(v) || !isfinite(json_number_value(v))) {
			snprintf(buf, n, "must be a number");
			return 1;
		}
		if (out_of_bounds(pp, json_number_value(v))) {
			bounds_msg(pp, "", buf, n);
			return 1;
		}
		return 0;
	case CP_PARAM_STRING:
		if (!json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			snprintf(buf, n, "must be a string");
			return 1;
		}
		if (json_string_length(v) > CP_POLICY_MAX_STRING) {
			snprintf(buf, n, "must be at most %d bytes long",
			    CP_POLICY_MAX_STRING);
			return 1;
		}
		if (out_of_bounds(pp, (double)json_string_length(v))) {
			bounds_msg(pp, " bytes long", buf, n);
			return 1;
		}
		return 0;
	default:
		if (!json_is_array(v)) {
			snprintf(buf, n, "must be a list");
			return 1;
		}
		if (json_array_size(v) > CP_POLICY_MAX_LIST) {
			snprintf(buf, n, "must have at most %d items",
			    CP_POLICY_MAX_LIST);
			return 1;
		}
		json_array_foreach(v, i, item) {
			if (!(json_is_string(item) &&
			    json_string_length(item) <= 1024) &&
			    !json_is_number(item)) {
				snprintf(buf, n, "items must be strings (at "
				    "most 1024 bytes) or numbers");
				return 1;
			}
		}
		if (out_of_bounds(pp, (double)json_array_size(v))) {
			bounds_msg(pp, " items", buf, n);
			return 1;
		}
		return 0;
	}
}

/* "name = value: problem"; value as JSON, shortened. */
static cp_err
value_fail(const struct cp_policy_param *pp, const json_t *v,
    const char *shown, const char *problem, char *why, size_t why_size)
{
	char *text = NULL;

	if (shown == NULL)
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	cp_snprintf(why, why_size, "%s = %.80s: %s", pp->name,
	    shown != NULL ? shown : text != NULL ? text : "?", problem);
	free(text);
	return CP_E_INVALID;
}

cp_err
cp_policy_param_check_json(const struct cp_policy_param *pp,
    const json_t *value, char *why, size_t why_size)
{
	char problem[256];

	if (pp == NULL || value == NULL) {
		cp_snprintf(why, why_size, "no parameter or value");
		return CP_E_INVALID;
	}
	if (value_problem(pp, value, problem, sizeof(problem)))
		return value_fail(pp, value, NULL, problem, why, why_size);
	return CP_OK;
}

const struct cp_policy_param *
cp_policy_param_find(const struct cp_policy *p, const char *name)
{
	size_t i;

	if (p == NULL || name == NULL)
		return NULL;
	for (i = 0; i < p->n_params; i++)
		if (strcmp(p->params[i].name, name) == 0)
			return &p->params[i];
	return NULL;
}

/* The text value of a list: a JSON array, or comma-separated words. */
static json_t *
parse_list(const char *value, char *why, size_t why_size)
{
	json_t *a;
	char **words = NULL;
	size_t n = 0, i;
	const char *s = value;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '[') {
		a = cp_json_parse(s, strlen(s), why, why_size);
		return a;
	}
	a = json_array();
	if (a == NULL || cp_strv_split(value, &words, &n) != CP_OK) {
		json_decref(a);
		cp_snprintf(why, why_size, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(words[i])) != 0) {
			json_decref(a);
			a = NULL;
			cp_snprintf(why, why_size, "out of memory");
			break;
		}
	cp_strv_free(words);
	return a;
}

cp_err
cp_policy_check_param(const struct cp_policy *p, const char *name,
    const char *value, json_t **parsed, char *why, size_t why_size)
{
	const struct cp_policy_param *pp;
	json_t *v = NULL;
	char problem[256], *end;
	long long ll;
	double d;
	size_t i;
	struct cp_buf b;

	*parsed = NULL;
	pp = cp_policy_param_find(p, name);
	if (pp == NULL) {
		cp_buf_init(&b, 1024);
		for (i = 0; p != NULL && i < p->n_params; i++)
			cp_buf_printf(&b, "%s%s", i > 0 ? ", " : "",
			    p->params[i].name);
		cp_snprintf(why, why_size, "policy %s has no parameter "
		    "'%.64s' (%s%s)", p != NULL ? p->id : "?",
		    name != NULL ? name : "", b.data != NULL ? "it has: " :
		    "it has none", b.data != NULL ? b.data : "");
		cp_buf_free(&b);
		return CP_E_NOTFOUND;
	}
	if (value == NULL)
		value = "";
	switch (pp->type) {
	case CP_PARAM_INTEGER:
		if (cp_parse_ll(value, LLONG_MIN, LLONG_MAX, &ll) != CP_OK)
			return value_fail(pp, NULL, value, "must be an integer",
			    why, why_size);
		v = json_integer(ll);
		break;
	case CP_PARAM_NUMBER:
		errno = 0;
		d = strtod(value, &end);
		if (end == value || *end != '\0' || errno != 0 || !isfinite(d))
			return value_fail(pp, NULL, value, "must be a number",
			    why, why_size);
		v = json_real(d);
		break;
	case CP_PARAM_STRING:
		v = json_string(value);
		if (v == NULL)
			return value_fail(pp, NULL, value,
			    "must be UTF-8 text", why, why_size);
		break;
	default:
		v = parse_list(value, problem, sizeof(problem));
		if (v == NULL)
			return value_fail(pp, NULL, value, problem, why,
			    why_size);
		break;
	}
	if (v == NULL) {
		cp_snprintf(why, why_size, "out of memory");
		return CP_E_NOMEM;
	}
	if (value_problem(pp, v, problem, sizeof(problem))) {
		json_decref(v);
		return value_fail(pp, NULL, value, problem, why, why_size);
	}
	*parsed = v;
	return CP_OK;
}

static cp_err
get_bound(json_t *o, const char *key, int *has, double *out, char *why,
    size_t why_size, const char *pname)
{
	json_t *v = json_object_get(o, key);

	*has = 0;
	if (v == NULL)
		return CP_OK;
	if (!json_is_number(v) || !isfinite(json_number_value(v))) {
		cp_snprintf(why, why_size, "parameter %s: %s must be a number",
		    pname, key);
		return CP_E_INVALID;
	}
	*has = 1;
	*out = json_number_value(v);
	return CP_OK;
}

static cp_err
parse_param(json_t *o, size_t idx, struct cp_policy_param *pp, char *why,
    size_t why_size)
{
	char field[96], problem[256];
	const char *s;
	int t;
	cp_err r;

	if (!json_is_object(o)) {
		cp_snprintf(why, why_size, "params[%zu] must be an object",
		    idx);
		return CP_E_INVALID;
	}
	s = json_string_value(json_object_get(o, "name"));
	if (s == NULL || strlen(s) > MAX_NAME || *s < 'a' || *s > 'z' ||
	    !cp_str_only(s, "abcdefghijklmnopqrstuvwxyz0123456789_")) {
		cp_snprintf(why, why_size, "params[%zu].name must match "
		    "[a-z][a-z0-9_]{0,62}", idx);
		return CP_E_INVALID;
	}
	pp->name = s;
	r = get_enum(o, "type", type_names, &t, why, why_size);
	if (r != CP_OK) {
		cp_snprintf(problem, sizeof(problem), "%s", why);
		cp_snprintf(why, why_size, "parameter %s: %s", s, problem);
		return r;
	}
	pp->type = t;
	if ((r = get_bound(o, "min", &pp->has_min, &pp->min, why, why_size,
	    s)) != CP_OK || (r = get_bound(o, "max", &pp->has_max, &pp->max,
	    why, why_size, s)) != CP_OK)
		return r;
	if (pp->has_min && pp->has_max && pp->min > pp->max) {
		cp_snprintf(why, why_size, "parameter %s: min is above max",
		    s);
		return CP_E_INVALID;
	}
	if ((pp->type == CP_PARAM_STRING || pp->type == CP_PARAM_LIST) &&
	    pp->has_min && pp->min < 0) {
		cp_snprintf(why, why_size, "parameter %s: min of a length "
		    "cannot be negative", s);
		return CP_E_INVALID;
	}
	snprintf(field, sizeof(field), "parameter %s: description", s);
	r = get_text_obj(json_object_get(o, "description"), field, MAX_TEXT,
	    &pp->description, why, why_size);
	if (r != CP_OK)
		return r;
	pp->def = json_object_get(o, "default");
	if (pp->def == NULL) {
		cp_snprintf(why, why_size, "parameter %s: missing required "
		    "field 'default'", s);
		return CP_E_INVALID;
	}
	if (value_problem(pp, pp->def, problem, sizeof(problem))) {
		char *text = json_dumps(pp->def, JSON_COMPACT |
		    JSON_ENCODE_ANY);

		cp_snprintf(why, why_size, "default %s = %.80s: %s", s,
		    text != NULL ? text : "?", problem);
		free(text);
		return CP_E_INVALID;
	}
	return CP_OK;
}

static cp_err
parse_params(json_t *root, struct policy_item *it, char *why,
    size_t why_size)
{
	json_t *a = json_object_get(root, "params"), *o;
	size_t i, j;
	cp_err r;

	if (a == NULL || json_is_null(a))
		return CP_OK;
	if (!json_is_array(a) || json_array_size(a) > MAX_PARAMS) {
		cp_snprintf(why, why_size, "params must be an array of at "
		    "most %d objects", MAX_PARAMS);
		return CP_E_INVALID;
	}
	if (json_array_size(a) == 0)
		return CP_OK;
	it->params = calloc(json_array_size(a), sizeof(*it->params));
	if (it->params == NULL)
		return CP_E_NOMEM;
	json_array_foreach(a, i, o) {
		r = parse_param(o, i, &it->params[i], why, why_size);
		if (r != CP_OK)
			return r;
		for (j = 0; j < i; j++)
			if (strcmp(it->params[j].name,
			    it->params[i].name) == 0) {
				cp_snprintf(why, why_size, "parameter %s is "
				    "declared twice", it->params[i].name);
				return CP_E_INVALID;
			}
	}
	it->pub.params = it->params;
	it->pub.n_params = json_array_size(a);
	return CP_OK;
}

/* ------------------------------------------------------------ policy */

static cp_err
parse_remediation(json_t *root, struct cp_policy *p, char *why,
    size_t why_size)
{
	json_t *rem = json_object_get(root, "remediation"), *params;
	cp_err r;

	if (rem == NULL || json_is_null(rem))
		return CP_OK;
	if (!json_is_object(rem)) {
		cp_snprintf(why, why_size, "remediation must be null or an "
		    "object {\"action\": ..., \"params\": {...}}");
		return CP_E_INVALID;
	}
	r = get_string(rem, "action", 1, MAX_NAME, &p->remediation_action,
	    why, why_size);
	if (r == CP_OK && !cp_str_only(p->remediation_action, LOWER_WORD)) {
		cp_snprintf(why, why_size, "remediation.action '%.64s' must "
		    "match [a-z0-9-]+", p->remediation_action);
		r = CP_E_INVALID;
	}
	if (r != CP_OK) {
		if (strncmp(why, "missing", 7) == 0)
			cp_snprintf(why, why_size, "missing required field "
			    "'remediation.action'");
		return r;
	}
	params = json_object_get(rem, "params");
	if (params == NULL || json_is_null(params)) {
		params = json_object();
		if (params == NULL || json_object_set_new(rem, "params",
		    params) != 0)
			return CP_E_NOMEM;
	} else if (!json_is_object(params)) {
		cp_snprintf(why, why_size, "remediation.params must be an "
		    "object");
		return CP_E_INVALID;
	}
	p->remediation_params = params;
	return CP_OK;
}

static cp_err
parse_frameworks(json_t *root, struct cp_policy *p, char *why,
    size_t why_size)
{
	json_t *fw = json_object_get(root, "frameworks"), *reqs, *v;
	const char *key;
	size_t i;

	if (fw == NULL || json_is_null(fw)) {
		fw = json_object();
		if (fw == NULL || json_object_set_new(root, "frameworks",
		    fw) != 0)
			return CP_E_NOMEM;
	}
	if (!json_is_object(fw)) {
		cp_snprintf(why, why_size, "frameworks must be an object "
		    "{\"<framework>\": [\"<requirement>\", ...]}");
		return CP_E_INVALID;
	}
	json_object_foreach(fw, key, reqs) {
		if (!valid_word(key, LOWER_WORD ".") || !json_is_array(reqs)) {
			cp_snprintf(why, why_size, "frameworks.%.64s must be "
			    "an array of requirement ids", key);
			return CP_E_INVALID;
		}
		json_array_foreach(reqs, i, v) {
			if (!json_is_string(v) || json_string_length(v) == 0 ||
			    json_string_length(v) > MAX_NAME) {
				cp_snprintf(why, why_size, "frameworks.%.64s"
				    "[%zu] is not a requirement id", key, i);
				return CP_E_INVALID;
			}
		}
	}
	p->frameworks = fw;
	return CP_OK;
}

static cp_err
get_bool(json_t *o, const char *key, int def, int *out, char *why,
    size_t why_size)
{
	json_t *v = json_object_get(o, key);

	*out = def;
	if (v == NULL)
		return CP_OK;
	if (!json_is_boolean(v)) {
		cp_snprintf(why, why_size, "defaults.%s must be true or false",
		    key);
		return CP_E_INVALID;
	}
	*out = json_is_true(v);
	return CP_OK;
}

static cp_err
parse_defaults(json_t *root, struct cp_policy *p, char *why,
    size_t why_size)
{
	json_t *d = json_object_get(root, "defaults");
	cp_err r;

	if (d != NULL && !json_is_null(d) && !json_is_object(d)) {
		cp_snprintf(why, why_size, "defaults must be an object");
		return CP_E_INVALID;
	}
	if ((r = get_bool(d, "enabled", 1, &p->default_enabled, why,
	    why_size)) != CP_OK ||
	    (r = get_bool(d, "notify", 1, &p->default_notify, why,
	    why_size)) != CP_OK ||
	    (r = get_bool(d, "remediate", 0, &p->default_remediate, why,
	    why_size)) != CP_OK)
		return r;
	if (p->default_remediate && p->remediation_action == NULL) {
		cp_snprintf(why, why_size, "defaults.remediate is true but "
		    "the policy has no remediation");
		return CP_E_INVALID;
	}
	return CP_OK;
}

/* Fills it from the parsed document; why says the first problem. */
static cp_err
parse_policy(json_t *root, const char *stem, struct policy_item *it,
    char *why, size_t why_size)
{
	struct cp_policy *p = &it->pub;
	cp_err r;

	if (!json_is_object(root)) {
		cp_snprintf(why, why_size, "not a JSON object");
		return CP_E_INVALID;
	}
	if ((r = get_string(root, "id", 1, CP_POLICY_ID_MAX + 1, &p->id, why,
	    why_size)) != CP_OK)
		return r;
	if (!valid_id(p->id)) {
		cp_snprintf(why, why_size, "id '%.64s' must match "
		    "[A-Z0-9-]{1,63}", p->id);
		return CP_E_INVALID;
	}
	if (strcmp(p->id, stem) != 0) {
		cp_snprintf(why, why_size, "id '%s' does not match the file "
		    "name %.64s.json", p->id, stem);
		return CP_E_INVALID;
	}
	if ((r = get_text(root, "title", MAX_TITLE, &p->title, why,
	    why_size)) != CP_OK ||
	    (r = get_text(root, "description", MAX_TEXT, &p->description,
	    why, why_size)) != CP_OK ||
	    (r = get_text(root, "guidance", MAX_TEXT, &p->guidance, why,
	    why_size)) != CP_OK ||
	    (r = get_string(root, "cloud", 1, 32, &p->cloud, why,
	    why_size)) != CP_OK)
		return r;
	if (!cp_str_only(p->cloud, LOWER_WORD)) {
		cp_snprintf(why, why_size, "cloud '%s' must match [a-z0-9-]+",
		    p->cloud);
		return CP_E_INVALID;
	}
	if ((r = get_enum(root, "category", category_names, &p->category,
	    why, why_size)) != CP_OK ||
	    (r = get_enum(root, "severity", severity_names, &p->severity, why,
	    why_size)) != CP_OK ||
	    (r = get_string_array(root, "resource_types", 1, NULL, 256,
	    &it->types, &p->n_resource_types, why, why_size)) != CP_OK ||
	    (r = get_enum(root, "mode", mode_names, &p->mode, why,
	    why_size)) != CP_OK ||
	    (r = get_string_array(root, "requires", 0,
	    "abcdefghijklmnopqrstuvwxyz0123456789_-", MAX_NAME, &it->reqs,
	    &p->n_requires, why, why_size)) != CP_OK)
		return r;
	p->resource_types = it->types;
	p->requires = it->reqs;
	if ((r = parse_remediation(root, p, why, why_size)) != CP_OK)
		return r;
	if (json_object_get(root, "patrol") != NULL) {
		int section;

		if ((r = get_enum(root, "patrol", patrol_names, &section, why,
		    why_size)) != CP_OK)
			return r;
	}
	if (p->mode == CP_MODE_EVENT && p->remediation_action != NULL) {
		cp_snprintf(why, why_size, "event policies are notify-only: "
		    "remediation must be null");
		return CP_E_INVALID;
	}
	if ((r = parse_params(root, it, why, why_size)) != CP_OK ||
	    (r = parse_frameworks(root, p, why, why_size)) != CP_OK ||
	    (r = parse_defaults(root, p, why, why_size)) != CP_OK)
		return r;
	return CP_OK;
}

static void
item_free(struct policy_item *it)
{
	if (it == NULL)
		return;
	json_decref(it->pub.json);
	free(it->json_path);
	free(it->sql_path);
	free(it->sql);
	free(it->types);
	free(it->reqs);
	free(it->params);
	free(it);
}

/*
 * Every param('name') with a literal name in the SQL must be declared, so
 * that a typo fails at load and not on a customer's data.
 */
static cp_err
check_param_names(const struct cp_policy *p, const char *sql, char *why,
    size_t why_size)
{
	const char *s = sql, *q, *end;
	char name[80];
	size_t len;

	while ((s = strstr(s, "param")) != NULL) {
		if (s > sql && (s[-1] == '_' || (s[-1] >= 'a' &&
		    s[-1] <= 'z') || (s[-1] >= 'A' && s[-1] <= 'Z') ||
		    (s[-1] >= '0' && s[-1] <= '9'))) {
			s += 5;
			continue;
		}
		q = s + 5;
		s = q;
		while (*q == ' ' || *q == '\t' || *q == '\n')
			q++;
		if (*q++ != '(')
			continue;
		while (*q == ' ' || *q == '\t' || *q == '\n')
			q++;
		if (*q++ != '\'')
			continue;
		end = strchr(q, '\'');
		if (end == NULL)
			continue;
		len = (size_t)(end - q);
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, q, len);
		name[len] = '\0';
		if (cp_policy_param_find(p, name) == NULL) {
			cp_snprintf(why, why_size, "param('%s') is not a "
			    "parameter of %s", name, p->id);
			return CP_E_INVALID;
		}
	}
	return CP_OK;
}

struct loader {
	cp_policy_set *set;
	struct cp_diag *diag;
	sqlite3 *checker;
	struct cp_sandbox sb;
};

static cp_err
set_add(cp_policy_set *set, struct policy_item *it)
{
	struct policy_item **nv;

	if (set->n == set->cap) {
		size_t cap = set->cap == 0 ? 64 : set->cap * 2;

		nv = realloc(set->v, cap * sizeof(*nv));
		if (nv == NULL)
			return CP_E_NOMEM;
		set->v = nv;
		set->cap = cap;
	}
	set->v[set->n++] = it;
	return CP_OK;
}

/* Reads and checks X.sql beside X.json; why names the problem. */
static cp_err
load_sql(struct loader *ld, struct policy_item *it, const char **where,
    char *why, size_t why_size)
{
	sqlite3_stmt *st = NULL;
	int cols[CP_COL_COUNT];
	size_t len = 0;
	const char *s;
	cp_err r;

	*where = it->sql_path;
	r = cp_file_read(it->sql_path, CP_POLICY_MAX_SQL, &it->sql, &len);
	if (r == CP_E_NOTFOUND) {
		*where = it->json_path;
		cp_snprintf(why, why_size, "its SQL file %s is missing",
		    it->sql_path);
		return r;
	}
	if (r == CP_E_LIMIT) {
		cp_snprintf(why, why_size, "larger than %u bytes",
		    CP_POLICY_MAX_SQL);
		return r;
	}
	if (r != CP_OK) {
		cp_snprintf(why, why_size, "cannot read: %s", strerror(errno));
		return r;
	}
	if (strlen(it->sql) != len) {
		cp_snprintf(why, why_size, "holds a NUL byte");
		return CP_E_INVALID;
	}
	for (s = it->sql; *s == ' ' || *s == '\t' || *s == '\n' ||
	    *s == '\r'; s++)
		;
	if (*s == '\0') {
		cp_snprintf(why, why_size, "empty");
		return CP_E_INVALID;
	}
	r = cp_sandbox_prepare(ld->checker, &ld->sb, it->sql, &st, cols, why,
	    why_size);
	sqlite3_finalize(st);
	if (r != CP_OK)
		return r;
	it->pub.sql = it->sql;
	return check_param_names(&it->pub, it->sql, why, why_size);
}

static cp_err
load_one(struct loader *ld, const char *path, const char *name)
{
	struct policy_item *it = NULL;
	char stem[128], why[512];
	const char *where = path;
	size_t len = 0, i;
	char *text = NULL;
	json_t *root = NULL;
	const char *key;
	json_t *v;
	cp_err r = CP_E_NOMEM;

	len = strlen(name) - strlen(".json");
	if (len >= sizeof(stem))
		len = sizeof(stem) - 1;
	memcpy(stem, name, len);
	stem[len] = '\0';
	it = calloc(1, sizeof(*it));
	if (it == NULL)
		goto out;
	it->json_path = strdup(path);
	if (it->json_path == NULL)
		goto out;
	it->sql_path = strdup(path);
	if (it->sql_path == NULL)
		goto out;
	/* X.json -> X.sql, in place: ".json" is one byte longer. */
	memcpy(it->sql_path + strlen(path) - 5, ".sql", 5);
	it->pub.json_path = it->json_path;
	it->pub.sql_path = it->sql_path;

	r = cp_file_read(path, CP_POLICY_MAX_JSON, &text, &len);
	if (r == CP_E_LIMIT) {
		cp_snprintf(why, sizeof(why), "larger than %u bytes",
		    CP_POLICY_MAX_JSON);
		goto bad;
	}
	if (r != CP_OK) {
		cp_snprintf(why, sizeof(why), "cannot read: %s",
		    strerror(errno));
		goto bad;
	}
	root = cp_json_parse(text, len, why, sizeof(why));
	if (root == NULL) {
		char reason[400];

		cp_snprintf(reason, sizeof(reason), "%s", why);
		cp_snprintf(why, sizeof(why), "not valid JSON: %s", reason);
		r = CP_E_PARSE;
		goto bad;
	}
	it->pub.json = root;
	root = NULL;
	r = parse_policy(it->pub.json, stem, it, why, sizeof(why));
	if (r != CP_OK)
		goto bad;
	for (i = 0; i < ld->set->n; i++)
		if (strcmp(ld->set->v[i]->pub.id, it->pub.id) == 0) {
			cp_snprintf(why, sizeof(why), "duplicate policy id "
			    "'%s' (also in %s)", it->pub.id,
			    ld->set->v[i]->json_path);
			r = CP_E_EXISTS;
			goto bad;
		}
	r = load_sql(ld, it, &where, why, sizeof(why));
	if (r != CP_OK)
		goto bad;
	json_object_foreach(it->pub.json, key, v) {
		if (!in_known(key))
			cp_diag_warning(ld->diag, path, 0, "unknown field "
			    "'%.64s' is ignored", key);
	}
	r = set_add(ld->set, it);
	if (r != CP_OK)
		goto out;
	it = NULL;
	r = CP_OK;
	goto out;
bad:
	if (r == CP_E_NOMEM)
		goto out;
	cp_diag_error(ld->diag, where, 0, "%s", why);
	r = CP_OK;
out:
	free(text);
	json_decref(root);
	item_free(it);
	return r;
}

static cp_err
visit(void *ud, const char *path, const char *name)
{
	struct loader *ld = ud;
	char json[4096];
	size_t len;

	if (strcmp(name, "framework.json") == 0)
		return CP_OK;
	if (has_suffix(name, ".json") && strlen(name) > 5)
		return load_one(ld, path, name);
	if (has_suffix(name, ".sql")) {
		len = strlen(path);
		if (cp_snprintf(json, sizeof(json), "%.*sjson", (int)(len - 3),
		    path) == CP_OK && access(json, F_OK) != 0)
			cp_diag_warning(ld->diag, path, 0, "no %.*sjson beside "
			    "it; ignored", (int)(strlen(name) - 3), name);
	}
	return CP_OK;
}

static int
cmp_item(const void *a, const void *b)
{
	const struct policy_item *x = *(struct policy_item *const *)a;
	const struct policy_item *y = *(struct policy_item *const *)b;

	return strcmp(x->pub.id, y->pub.id);
}

cp_err
cp_policy_set_load(const char *const *dirs, cp_policy_set **out,
    struct cp_diag *diag)
{
	struct loader ld;
	struct cp_sqlfuncs funcs;
	char why[512];
	size_t i;
	cp_err r;

	*out = NULL;
	memset(&ld, 0, sizeof(ld));
	memset(&funcs, 0, sizeof(funcs));
	ld.diag = diag;
	ld.set = calloc(1, sizeof(*ld.set));
	if (ld.set == NULL)
		return CP_E_NOMEM;
	r = cp_sandbox_open_checker(&ld.checker, &ld.sb, &funcs, why,
	    sizeof(why));
	if (r != CP_OK) {
		cp_diag_error(diag, NULL, 0, "%s", why);
		goto out;
	}
	for (i = 0; dirs != NULL && dirs[i] != NULL && r == CP_OK; i++)
		r = cp_policy_walk(dirs[i], visit, &ld, diag);
	if (r != CP_OK)
		goto out;
	if (ld.set->n > 0)
		qsort(ld.set->v, ld.set->n, sizeof(*ld.set->v), cmp_item);
	*out = ld.set;
	ld.set = NULL;
out:
	sqlite3_close(ld.checker);
	cp_policy_set_free(ld.set);
	return r;
}

void
cp_policy_set_free(cp_policy_set *set)
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
cp_policy_set_count(const cp_policy_set *set)
{
	return set != NULL ? set->n : 0;
}

const struct cp_policy *
cp_policy_set_at(const cp_policy_set *set, size_t i)
{
	if (set == NULL || i >= set->n)
		return NULL;
	return &set->v[i]->pub;
}

const struct cp_policy *
cp_policy_set_find(const cp_policy_set *set, const char *id)
{
	size_t lo = 0, hi, mid;
	int c;

	if (set == NULL || id == NULL)
		return NULL;
	hi = set->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(id, set->v[mid]->pub.id);
		if (c == 0)
			return &set->v[mid]->pub;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
