/*
 * pconfig.c - an instance's configuration against its plugin's schema.
 *
 * Every problem of a section is reported, not only the first, each as
 * "file:line: [plugin:NAME] key 'x': message"; the value of a secret key
 * never appears in a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plugin/host.h"
#include "plugin/pconfig.h"
#include "plugin/validate.h"
#include "util/util.h"

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Length of the scheme of an URL ("https" of "https://x"), or 0. */
static size_t
scheme_len(const char *url)
{
	size_t n;

	if (!((url[0] >= 'a' && url[0] <= 'z') ||
	    (url[0] >= 'A' && url[0] <= 'Z')))
		return 0;
	n = strspn(url, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
	if (strncmp(url + n, "://", 3) != 0)
		return 0;
	return n;
}

/*
 * Whether the authority of an URL (what follows "scheme://" up to the
 * first '/', '?' or '#': [user@]host[:port]) names a host: a name or an
 * [IPv6] literal, and a port of 1 to 5 digits when one is given.
 */
static int
authority_ok(const char *a)
{
	size_t len = strcspn(a, "/?#"), i;
	const char *at, *host, *end = a + len, *port;

	for (at = NULL, i = 0; i < len; i++)
		if (a[i] == '@')
			at = a + i;
	host = at != NULL ? at + 1 : a;
	if (host < end && *host == '[') {
		port = memchr(host, ']', (size_t)(end - host));
		if (port == NULL || port == host + 1)
			return 0;
		port++;
	} else {
		port = memchr(host, ':', (size_t)(end - host));
		if (port == NULL)
			port = end;
		if (port == host)
			return 0;
	}
	if (port == end)
		return 1;
	if (*port != ':' || end - port < 2 || end - port > 6)
		return 0;
	for (port++; port < end; port++)
		if (*port < '0' || *port > '9')
			return 0;
	return 1;
}

/*
 * http:// and https:// always; another scheme only when the key's default
 * uses it (a mail plugin's smtp://).  A host must follow the scheme.
 */
static int
url_ok(const char *url, const char *def)
{
	size_t n = scheme_len(url), dn;

	if (n == 0)
		return 0;
	if (!authority_ok(url + n + 3) || strpbrk(url, " \t") != NULL)
		return 0;
	if ((n == 4 && strncasecmp(url, "http", 4) == 0) ||
	    (n == 5 && strncasecmp(url, "https", 5) == 0))
		return 1;
	if (def == NULL)
		return 0;
	dn = scheme_len(def);
	return dn == n && strncasecmp(url, def, n) == 0;
}

/* Comma-separated words: no blank inside a word. */
static int
list_ok(const char *s)
{
	const char *p = s, *end;

	for (;;) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		for (; p < end; p++)
			if (*p == ' ' || *p == '\t')
				return 0;
		p = strchr(p, ',');
		if (p == NULL)
			return 1;
		p++;
	}
}

cp_err
cp_pconfig_check_value(const struct cp_config_key *k, const char *value,
    char *why, size_t why_size)
{
	char shown[96];
	long long ll;
	int b;
	size_t len = strnlen(value, CP_PLUGIN_VALUE_MAX + 1);

	if ((k->flags & CP_CFG_SECRET) != 0)
		cp_strlcpy(shown, "the value", sizeof(shown));
	else if (len > 64 || has_control(value))
		snprintf(shown, sizeof(shown), "the value");
	else
		snprintf(shown, sizeof(shown), "'%s'", value);
	if (len > CP_PLUGIN_VALUE_MAX) {
		snprintf(why, why_size, "%s is longer than %d bytes", shown,
		    CP_PLUGIN_VALUE_MAX);
		return CP_E_LIMIT;
	}
	if (has_control(value)) {
		snprintf(why, why_size, "%s contains control characters",
		    shown);
		return CP_E_INVALID;
	}
	switch (k->type) {
	case CP_CFG_STRING:
		return CP_OK;
	case CP_CFG_INT:
		if (cp_parse_ll(value, k->min, k->max, &ll) == CP_OK)
			return CP_OK;
		snprintf(why, why_size, "%s is not an integer in [%lld, %lld]",
		    shown, k->min, k->max);
		return CP_E_INVALID;
	case CP_CFG_BOOL:
		if (cp_parse_bool(value, &b) == CP_OK)
			return CP_OK;
		snprintf(why, why_size, "%s is not a boolean (yes/no, "
		    "true/false, on/off, 1/0)", shown);
		return CP_E_INVALID;
	case CP_CFG_URL:
		if (url_ok(value, k->def))
			return CP_OK;
		if (k->def != NULL && scheme_len(k->def) > 0 &&
		    !url_ok(k->def, NULL))
			snprintf(why, why_size, "%s is not an http://, "
			    "https:// or %.*s:// URL", shown,
			    (int)scheme_len(k->def), k->def);
		else
			snprintf(why, why_size, "%s is not an http:// or "
			    "https:// URL", shown);
		return CP_E_INVALID;
	case CP_CFG_PATH:
		if (value[0] == '/')
			return CP_OK;
		snprintf(why, why_size, "%s is not an absolute path", shown);
		return CP_E_INVALID;
	case CP_CFG_LIST:
		if (list_ok(value))
			return CP_OK;
		snprintf(why, why_size, "%s is not a comma-separated list of "
		    "words", shown);
		return CP_E_INVALID;
	default:
		snprintf(why, why_size, "unknown type %u", k->type);
		return CP_E_INVALID;
	}
}

const char *
cp_pconfig_first_required(const struct cp_pdef *def)
{
	size_t i;

	for (i = 0; i < def->n_keys; i++)
		if ((def->keys[i].flags & CP_CFG_REQUIRED) != 0)
			return def->keys[i].key;
	return NULL;
}

static void
free_value(cp_plugin *p, size_t i)
{
	if (p->values[i] == NULL)
		return;
	if ((p->def->keys[i].flags & CP_CFG_SECRET) != 0)
		cp_memwipe(p->values[i], strlen(p->values[i]));
	free(p->values[i]);
	p->values[i] = NULL;
}

static cp_err
set_value(cp_plugin *p, size_t i, const char *v)
{
	char *copy = strdup(v);

	if (copy == NULL)
		return CP_E_NOMEM;
	free_value(p, i);
	p->values[i] = copy;
	return CP_OK;
}

/* "(known: a, b, c)" or "(the plugin takes no keys)". */
static void
known_keys(const struct cp_pdef *def, struct cp_buf *b)
{
	size_t i;

	if (def->n_keys == 0) {
		cp_buf_puts(b, "(the plugin takes no keys)");
		return;
	}
	cp_buf_puts(b, "(known: ");
	for (i = 0; i < def->n_keys; i++)
		cp_buf_printf(b, "%s%s", i > 0 ? ", " : "", def->keys[i].key);
	cp_buf_puts(b, ")");
}

static int
key_index(const struct cp_pdef *def, const char *key)
{
	size_t i;

	for (i = 0; i < def->n_keys; i++)
		if (strcmp(def->keys[i].key, key) == 0)
			return (int)i;
	return -1;
}

/* Checks one entry of sec; returns 1 when it is an error. */
static int
apply_entry(cp_plugin *p, const struct cp_config_entry *e, const char *file,
    const char *head, int *given, struct cp_diag *diag, cp_err *r)
{
	const struct cp_pdef *def = p->def;
	struct cp_buf b;
	char why[256];
	int i = key_index(def, e->key);

	if (i < 0) {
		cp_buf_init(&b, 4096);
		known_keys(def, &b);
		cp_diag_error(diag, file, e->line,
		    "%s key '%s': unknown key %s", head, e->key,
		    b.data != NULL ? b.data : "");
		cp_buf_free(&b);
		return 1;
	}
	if (given[i] != 0) {
		cp_diag_error(diag, file, e->line,
		    "%s key '%s': given twice (first at line %d)", head,
		    e->key, given[i]);
		return 1;
	}
	given[i] = e->line > 0 ? e->line : -1;
	if (cp_pconfig_check_value(&def->keys[i], e->value, why,
	    sizeof(why)) != CP_OK) {
		cp_diag_error(diag, file, e->line, "%s key '%s': %s", head,
		    e->key, why);
		return 1;
	}
	if (set_value(p, (size_t)i, e->value) != CP_OK)
		*r = CP_E_NOMEM;
	return 0;
}

cp_err
cp_pconfig_apply(cp_plugin *p, const struct cp_plugin_section *sec,
    const char *file, struct cp_diag *diag)
{
	const struct cp_pdef *def = p->def;
	int given[CP_PLUGIN_MAX_KEYS];
	char head[160];
	const char *need;
	size_t i, errors = 0;
	cp_err r = CP_OK;

	memset(given, 0, sizeof(given));
	if (p->instance != NULL)
		snprintf(head, sizeof(head), "[plugin:%s/%s]",
		    def->desc.name, p->instance);
	else
		snprintf(head, sizeof(head), "[plugin:%s]", def->desc.name);
	for (i = 0; i < def->n_keys; i++) {
		free_value(p, i);
		if (def->keys[i].def != NULL &&
		    set_value(p, i, def->keys[i].def) != CP_OK)
			return CP_E_NOMEM;
	}
	if (sec == NULL) {
		/* The default instance of a plugin without a section. */
		need = cp_pconfig_first_required(def);
		if (need != NULL)
			cp_instance_disable(p, "not configured: needs %s",
			    need);
		return CP_OK;
	}
	for (i = 0; i < sec->n_entries; i++)
		errors += (size_t)apply_entry(p, &sec->entries[i], file, head,
		    given, diag, &r);
	if (r != CP_OK)
		return r;
	for (i = 0; sec->enabled && i < def->n_keys; i++) {
		if ((def->keys[i].flags & CP_CFG_REQUIRED) == 0 ||
		    given[i] != 0)
			continue;
		cp_diag_error(diag, file, sec->line,
		    "%s key '%s': required but not given", head,
		    def->keys[i].key);
		errors++;
	}
	if (errors > 0) {
		cp_instance_disable(p, "configuration error");
		return CP_E_CONFIG;
	}
	if (!sec->enabled) {
		/* Disabled by the operator: no problem to report. */
		p->enabled = 0;
		free(p->problem);
		p->problem = NULL;
	}
	return CP_OK;
}
