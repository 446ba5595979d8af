/*
 * vuln_match.c - NVD configurations against one CPE name (the reading is
 * in vuln_match.h).
 */
#include <string.h>

#include "asm/vuln_match.h"

static const char *
str_of(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Whether version v is inside the range of entry e (bounds optional). */
static int
in_range(const json_t *e, const char *v)
{
	static const struct {
		const char *key;
		int lo;		/* a lower bound */
		int incl;
	} bounds[] = { { "versionStartIncluding", 1, 1 },
	    { "versionStartExcluding", 1, 0 },
	    { "versionEndIncluding", 0, 1 },
	    { "versionEndExcluding", 0, 0 } };
	size_t i;

	for (i = 0; i < CP_ARRAY_LEN(bounds); i++) {
		const char *b = str_of(e, bounds[i].key);
		int c;

		if (b == NULL)
			continue;
		c = cp_cpe_version_cmp(v, b);
		if (c == CP_CPE_VERSION_INCOMPARABLE)
			return 0;
		if (bounds[i].lo && (c < 0 || (c == 0 && !bounds[i].incl)))
			return 0;
		if (!bounds[i].lo && (c > 0 || (c == 0 && !bounds[i].incl)))
			return 0;
	}
	return 1;
}

static int
has_range(const json_t *e)
{
	return json_object_get(e, "versionStartIncluding") != NULL ||
	    json_object_get(e, "versionStartExcluding") != NULL ||
	    json_object_get(e, "versionEndIncluding") != NULL ||
	    json_object_get(e, "versionEndExcluding") != NULL;
}

int
cp_vuln_entry_match(const json_t *entry, const struct cp_cpe *name)
{
	struct cp_cpe crit;
	const char *cs = str_of(entry, "criteria");
	const char *cv, *v;
	char why[128];
	int i, c;

	if (cs == NULL || cp_cpe_parse(cs, &crit, why, sizeof(why)) != CP_OK)
		return 0;
	for (i = 0; i < CP_CPE_NFIELDS; i++)
		if (i != CP_CPE_VERSION &&
		    !cp_cpe_field_match(crit.f[i], name->f[i]))
			return 0;
	cv = crit.f[CP_CPE_VERSION];
	v = name->f[CP_CPE_VERSION];
	if (strcmp(v, "*") == 0)
		return 1;
	if (has_range(entry)) {
		if (strcmp(cv, "*") != 0 && !cp_cpe_field_match(cv, v))
			return 0;
		return strcmp(v, "-") != 0 && in_range(entry, v);
	}
	if (strcmp(cv, "*") == 0)
		return 1;
	if (strcmp(cv, "-") == 0 || strcmp(v, "-") == 0)
		return strcmp(cv, v) == 0;
	if (strpbrk(cv, "*?") != NULL)
		return cp_cpe_field_match(cv, v);
	c = cp_cpe_version_cmp(v, cv);
	return c == 0;
}

/*
 * One node: 1 true, 0 false; *vuln is set when it has vulnerable entries,
 * *hit when one of them matched.  *budget counts entries looked at.
 */
static int
node_eval(const json_t *node, const struct cp_cpe *name, int *vuln, int *hit,
    size_t *budget)
{
	const json_t *m = json_object_get(node, "cpeMatch"), *e;
	const char *op = str_of(node, "operator");
	int and = op != NULL && strcmp(op, "AND") == 0;
	int any = 0, all = 1, n = 0, res;
	size_t i;

	*vuln = 0;
	json_array_foreach(m, i, e) {
		int ok;

		if (*budget == 0)
			break;
		(*budget)--;
		if (!json_is_true(json_object_get(e, "vulnerable")))
			continue;
		n++;
		ok = cp_vuln_entry_match(e, name);
		any |= ok;
		all &= ok;
	}
	if (n == 0)
		return 1;	/* a platform: assumed */
	*vuln = 1;
	res = and ? all : any;
	if (any)
		*hit = 1;
	if (json_is_true(json_object_get(node, "negate")))
		res = !res;
	return res;
}

int
cp_vuln_configs_apply(const json_t *configurations,
    const struct cp_cpe *name, int *platform)
{
	const json_t *cfg, *nodes, *node;
	size_t i, j, budget = CP_VULN_MATCH_MAX_ENTRIES;

	if (platform != NULL)
		*platform = 0;
	json_array_foreach(configurations, i, cfg) {
		const char *op = str_of(cfg, "operator");
		int and = op != NULL && strcmp(op, "AND") == 0;
		int any = 0, all = 1, hit = 0, plat = 0;

		nodes = json_object_get(cfg, "nodes");
		json_array_foreach(nodes, j, node) {
			int vuln, ok;

			ok = node_eval(node, name, &vuln, &hit, &budget);
			if (!vuln) {
				plat = 1;
				continue;
			}
			any |= ok;
			all &= ok;
		}
		if (hit && (and ? all : any)) {
			if (platform != NULL)
				*platform = plat && and;
			return 1;
		}
	}
	return 0;
}
