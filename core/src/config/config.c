/*
 * config.c - reads the one INI file of a deployment.
 *
 * inih is built by Debian without line numbers in its handler, so the
 * file is fed to ini_parse_stream() through a reader of our own that counts
 * lines, refuses over-long ones and notes every section header (inih does
 * not report sections without keys, and a plugin section may have none).
 */

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "config/config.h"
#include "log/log.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
#define CONFIG_MAX_SECTIONS 256
#define CONFIG_MAX_ENTRIES 256

enum {
	SECT_NONE = -1,		/* before any header */
	SECT_CORE = -2,
	SECT_HTTP = -3,
	SECT_BAD = -4,		/* reported already: its keys are ignored */
	SECT_VULN = -5
};

struct parse_state {
	struct cp_config *cfg;
	struct cp_diag *diag;
	const char *file;
	const char *text;	/* the whole file, NUL-terminated */
	size_t pos;
	int line;		/* the line last handed to inih */
	/* The section of the lines being read, as the reader saw its
	 * header (inih truncates long section names): SECT_* or the
	 * index of a plugin section. */
	long cur;
	/* which [core]/[http] keys were given, to refuse duplicates */
	char seen[32][24];
	size_t n_seen;
};

static const char *
diag_file(const struct parse_state *ps)
{
	return ps->file != NULL ? ps->file : "(defaults)";
}

/* A fresh copy of s, or NULL (and an error noted) on no memory. */
static char *
dup_or_note(struct parse_state *ps, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "out of memory");
	return d;
}

/* ---- embedded defaults ---------------------------------------------- */

/* Whether the running executable lives in the build tree it came from. */
static int
running_from_build_tree(void)
{
	char exe[PATH_MAX], tree[PATH_MAX];
	size_t n;

	if (realpath("/proc/self/exe", exe) == NULL)
		return 0;
	if (realpath(CP_ABS_BUILDDIR, tree) == NULL)
		return 0;
	n = strlen(tree);
	return strncmp(exe, tree, n) == 0 && exe[n] == '/';
}

/* The plugin folders of a build tree: every plugins/NAME/.libs. */
static cp_err
build_tree_plugin_dirs(char ***out)
{
	glob_t g;
	char pattern[PATH_MAX];
	char **v;
	size_t i, n = 0;
	int gr;

	if (cp_snprintf(pattern, sizeof(pattern), "%s/plugins/*/.libs",
	    CP_ABS_BUILDDIR) != CP_OK)
		return CP_E_LIMIT;
	gr = glob(pattern, GLOB_ONLYDIR, NULL, &g);
	if (gr != 0 && gr != GLOB_NOMATCH)
		return CP_E_IO;
	v = calloc((gr == 0 ? g.gl_pathc : 0) + 1, sizeof(*v));
	if (v == NULL) {
		if (gr == 0)
			globfree(&g);
		return CP_E_NOMEM;
	}
	for (i = 0; gr == 0 && i < g.gl_pathc; i++) {
		v[n] = strdup(g.gl_pathv[i]);
		if (v[n] == NULL) {
			globfree(&g);
			cp_strv_free(v);
			return CP_E_NOMEM;
		}
		n++;
	}
	if (gr == 0)
		globfree(&g);
	*out = v;
	return CP_OK;
}

/* "ja" when the locale asks for Japanese, "en" otherwise. */
static const char *
language_from_locale(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	size_t i;

	for (i = 0; i < CP_ARRAY_LEN(vars); i++) {
		const char *v = getenv(vars[i]);

		if (v != NULL && *v != '\0')
			return strncmp(v, "ja", 2) == 0 ? "ja" : "en";
	}
	return "en";
}

static cp_err
set_defaults(struct cp_config *cfg)
{
	char cwd[PATH_MAX], path[PATH_MAX];
	const char *sd;
	cp_err r;

	cfg->from_build_tree = running_from_build_tree();
	cfg->workers = 4;
	cfg->schedule_scale = 1;
	cfg->remediation_ceiling = 10;
	cfg->log_target = CP_LOG_TO_STDERR;
	cfg->log_level = CP_LOG_INFO;
	cfg->timeout_s = 30;
	cfg->connect_timeout_s = 10;
	cfg->max_body = 16LL * 1024 * 1024;
	cfg->language = strdup(language_from_locale());
	if (cfg->language == NULL)
		return CP_E_NOMEM;
	if (cfg->from_build_tree) {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return CP_E_IO;
		if (cp_snprintf(path, sizeof(path), "%s/cloudpatrol-state",
		    cwd) != CP_OK)
			return CP_E_LIMIT;
		cfg->state_dir = strdup(path);
		r = build_tree_plugin_dirs(&cfg->plugin_dirs);
		if (r != CP_OK)
			return r;
		r = cp_strv_split(CP_ABS_SRCDIR "/policies", &cfg->policy_dirs,
		    NULL);
	} else if ((sd = getenv("STATE_DIRECTORY")) != NULL && sd[0] == '/') {
		/* systemd's StateDirectory= (the first of a ':' list): the
		 * one place a hardened unit lets the daemon write. */
		cfg->state_dir = strndup(sd, strcspn(sd, ":"));
		r = cp_strv_split(CP_PLUGINDIR, &cfg->plugin_dirs, NULL);
		if (r != CP_OK)
			return r;
		r = cp_strv_split(CP_POLICYDIR, &cfg->policy_dirs, NULL);
	} else {
		cfg->state_dir = strdup(CP_LOCALSTATEDIR "/lib/cloudpatrol");
		r = cp_strv_split(CP_PLUGINDIR, &cfg->plugin_dirs, NULL);
		if (r != CP_OK)
			return r;
		r = cp_strv_split(CP_POLICYDIR, &cfg->policy_dirs, NULL);
	}
	if (r != CP_OK)
		return r;
	return cfg->state_dir != NULL ? CP_OK : CP_E_NOMEM;
}

/* ---- the reader: lines, sections ------------------------------------ */

static int
valid_word(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 63)
		return 0;
	for (i = 0; i < len; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

static struct cp_plugin_section *
find_section(struct cp_config *cfg, const char *plugin, const char *inst)
{
	size_t i;

	for (i = 0; i < cfg->n_sections; i++) {
		struct cp_plugin_section *s = &cfg->sections[i];

		if (strcmp(s->plugin, plugin) != 0)
			continue;
		if ((s->instance == NULL) != (inst == NULL))
			continue;
		if (inst == NULL || strcmp(s->instance, inst) == 0)
			return s;
	}
	return NULL;
}

/*
 * Notes a section header seen by the reader.  [core] and [http] need no
 * record; [plugin:NAME] and [plugin:NAME/INSTANCE] become sections, named
 * so that the handler can find them again by the text between brackets.
 */
static void
note_section(struct parse_state *ps, const char *name)
{
	struct cp_config *cfg = ps->cfg;
	struct cp_plugin_section *s, *ns;
	const char *p, *slash;
	char plugin[64], inst[64];
	size_t plen;

	ps->cur = SECT_BAD;
	if (strcmp(name, "core") == 0 || strcmp(name, "http") == 0) {
		ps->cur = name[0] == 'c' ? SECT_CORE : SECT_HTTP;
		return;
	}
	if (strcmp(name, "vuln") == 0) {
		ps->cur = SECT_VULN;
		return;
	}
	if (strncmp(name, "plugin:", 7) != 0) {
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "unknown section [%s] (known: [core], [http], [vuln], "
		    "[plugin:NAME])", name);
		return;
	}
	p = name + 7;
	slash = strchr(p, '/');
	plen = slash != NULL ? (size_t)(slash - p) : strlen(p);
	if (!valid_word(p, plen) ||
	    (slash != NULL && !valid_word(slash + 1, strlen(slash + 1)))) {
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "bad section name [%s]: expected [plugin:NAME] or "
		    "[plugin:NAME/INSTANCE] with NAME and INSTANCE made of "
		    "a-z, 0-9 and -", name);
		return;
	}
	memcpy(plugin, p, plen);
	plugin[plen] = '\0';
	cp_strlcpy(inst, slash != NULL ? slash + 1 : "", sizeof(inst));
	s = find_section(cfg, plugin, slash != NULL ? inst : NULL);
	if (s != NULL) {
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "section [%s] given twice (first at line %d)", name,
		    s->line);
		return;
	}
	if (cfg->n_sections >= CONFIG_MAX_SECTIONS) {
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "more than %d plugin sections", CONFIG_MAX_SECTIONS);
		return;
	}
	ns = realloc(cfg->sections, (cfg->n_sections + 1) * sizeof(*ns));
	if (ns == NULL) {
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "out of memory");
		return;
	}
	cfg->sections = ns;
	s = &ns[cfg->n_sections];
	memset(s, 0, sizeof(*s));
	s->line = ps->line;
	s->enabled = 1;
	s->plugin = dup_or_note(ps, plugin);
	s->instance = slash != NULL ? dup_or_note(ps, inst) : NULL;
	if (s->plugin == NULL || (slash != NULL && s->instance == NULL)) {
		free(s->plugin);
		free(s->instance);
		return;
	}
	ps->cur = (long)cfg->n_sections;
	cfg->n_sections++;
}

/*
 * inih's reader: hands over one line at a time, so the handler knows the
 * line it is called for.  Lines longer than inih's buffer are refused here
 * rather than split into two bogus lines.
 */
static char *
reader(char *str, int num, void *stream)
{
	struct parse_state *ps = stream;
	const char *start = ps->text + ps->pos, *nl, *p;
	size_t len, take;

	if (*start == '\0')
		return NULL;
	nl = strchr(start, '\n');
	len = nl != NULL ? (size_t)(nl - start) + 1 : strlen(start);
	ps->pos += len;
	ps->line++;
	take = len;
	if (take >= (size_t)num) {
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "line longer than %d characters", num - 2);
		take = 0;
	}
	/* Leading blanks go: inih would read an indented line as the
	 * continuation of the value above, which this file format does not
	 * have. */
	for (p = start; take > 0 && (*p == ' ' || *p == '\t'); p++)
		take--;
	memcpy(str, p, take);
	str[take] = '\0';
	p = str;
	if (*p == '[') {
		const char *end = strchr(p, ']');

		if (end != NULL && end - p - 1 < 128) {
			char name[128];

			memcpy(name, p + 1, (size_t)(end - p - 1));
			name[end - p - 1] = '\0';
			cp_strtrim(name);
			note_section(ps, name);
		}
	}
	return str;
}

/* ---- the handler: keys ---------------------------------------------- */

static int
seen_before(struct parse_state *ps, const char *section, const char *key)
{
	char id[24];
	size_t i;

	snprintf(id, sizeof(id), "%c%s", section[0], key);
	for (i = 0; i < ps->n_seen; i++)
		if (strcmp(ps->seen[i], id) == 0)
			return 1;
	if (ps->n_seen < CP_ARRAY_LEN(ps->seen))
		cp_strlcpy(ps->seen[ps->n_seen++], id, sizeof(ps->seen[0]));
	return 0;
}

static void
set_string(struct parse_state *ps, char **dst, const char *value)
{
	char *d = dup_or_note(ps, value);

	if (d == NULL)
		return;
	free(*dst);
	*dst = d;
}

static void
set_int(struct parse_state *ps, const char *sect, const char *key,
    const char *value, long long min, long long max, long long *dst)
{
	cp_err r = cp_parse_ll(value, min, max, dst);

	if (r == CP_E_LIMIT)
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "[%s] %s = %s: out of range (%lld to %lld)", sect, key,
		    value, min, max);
	else if (r != CP_OK)
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "[%s] %s = %s: not a whole number", sect, key, value);
}

/* Sets a list of absolute directories; relative ones are refused. */
static void
set_dirs(struct parse_state *ps, const char *key, const char *value,
    char ***dst)
{
	char **v;
	size_t i;

	if (cp_strv_split(value, &v, NULL) != CP_OK) {
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "out of memory");
		return;
	}
	for (i = 0; v[i] != NULL; i++) {
		if (v[i][0] != '/') {
			cp_diag_error(ps->diag, diag_file(ps), ps->line,
			    "[core] %s: '%s' is not an absolute path", key,
			    v[i]);
			cp_strv_free(v);
			return;
		}
	}
	cp_strv_free(*dst);
	*dst = v;
}

static void
core_key(struct parse_state *ps, const char *key, const char *value)
{
	struct cp_config *cfg = ps->cfg;
	long long n;

	if (strcmp(key, "state_dir") == 0) {
		if (value[0] != '/')
			cp_diag_error(ps->diag, diag_file(ps), ps->line,
			    "[core] state_dir: '%s' is not an absolute path",
			    value);
		else
			set_string(ps, &cfg->state_dir, value);
	} else if (strcmp(key, "plugin_dirs") == 0) {
		set_dirs(ps, key, value, &cfg->plugin_dirs);
	} else if (strcmp(key, "policy_dirs") == 0) {
		set_dirs(ps, key, value, &cfg->policy_dirs);
	} else if (strcmp(key, "workers") == 0) {
		n = cfg->workers;
		set_int(ps, "core", key, value, 1, 256, &n);
		cfg->workers = (int)n;
	} else if (strcmp(key, "cloud_concurrency") == 0) {
		n = cfg->cloud_concurrency;
		set_int(ps, "core", key, value, 0, 256, &n);
		cfg->cloud_concurrency = (int)n;
	} else if (strcmp(key, "schedule_scale") == 0) {
		n = cfg->schedule_scale;
		set_int(ps, "core", key, value, 1, 2592000, &n);
		cfg->schedule_scale = (int)n;
	} else if (strcmp(key, "log") == 0) {
		if (cp_log_parse_target(value, &cfg->log_target) != CP_OK)
			cp_diag_error(ps->diag, diag_file(ps), ps->line,
			    "[core] log = %s: expected stderr or syslog",
			    value);
	} else if (strcmp(key, "log_level") == 0) {
		if (cp_log_parse_level(value, &cfg->log_level) != CP_OK)
			cp_diag_error(ps->diag, diag_file(ps), ps->line,
			    "[core] log_level = %s: expected error, warning, "
			    "info or debug", value);
	} else if (strcmp(key, "remediation_ceiling") == 0) {
		n = cfg->remediation_ceiling;
		set_int(ps, "core", key, value, 0, 100000, &n);
		cfg->remediation_ceiling = (int)n;
	} else if (strcmp(key, "geoip_ipv4") == 0 ||
	    strcmp(key, "geoip_ipv6") == 0) {
		if (value[0] != '/')
			cp_diag_error(ps->diag, diag_file(ps), ps->line,
			    "[core] %s: '%s' is not an absolute path", key,
			    value);
		else if (access(value, R_OK) != 0)
			cp_diag_error(ps->diag, diag_file(ps), ps->line,
			    "[core] %s: cannot read '%s': %s", key, value,
			    strerror(errno));
		else
			set_string(ps, strcmp(key, "geoip_ipv4") == 0 ?
			    &cfg->geoip_ipv4 :
			    &cfg->geoip_ipv6, value);
	} else if (strcmp(key, "language") == 0) {
		if (strcmp(value, "ja") != 0 && strcmp(value, "en") != 0)
			cp_diag_error(ps->diag, diag_file(ps), ps->line,
			    "[core] language = %s: expected ja or en", value);
		else
			set_string(ps, &cfg->language, value);
	} else {
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "[core] unknown key '%s' (known: state_dir, plugin_dirs, "
		    "policy_dirs, workers, cloud_concurrency, log, log_level, "
		    "language, remediation_ceiling, geoip_ipv4, geoip_ipv6, "
		    "schedule_scale)", key);
	}
}

static void
http_key(struct parse_state *ps, const char *key, const char *value)
{
	struct cp_config *cfg = ps->cfg;
	long long n;

	if (strcmp(key, "ca_file") == 0) {
		if (value[0] != '/')
			cp_diag_error(ps->diag, diag_file(ps), ps->line,
			    "[http] ca_file: '%s' is not an absolute path",
			    value);
		else if (access(value, R_OK) != 0)
			cp_diag_error(ps->diag, diag_file(ps), ps->line,
			    "[http] ca_file: cannot read '%s': %s", value,
			    strerror(errno));
		else
			set_string(ps, &cfg->ca_file, value);
	} else if (strcmp(key, "proxy") == 0) {
		set_string(ps, &cfg->proxy, value);
	} else if (strcmp(key, "timeout") == 0) {
		n = cfg->timeout_s;
		set_int(ps, "http", key, value, 1, 3600, &n);
		cfg->timeout_s = (long)n;
	} else if (strcmp(key, "connect_timeout") == 0) {
		n = cfg->connect_timeout_s;
		set_int(ps, "http", key, value, 1, 600, &n);
		cfg->connect_timeout_s = (long)n;
	} else if (strcmp(key, "max_body") == 0) {
		set_int(ps, "http", key, value, 1024, 1024LL * 1024 * 1024,
		    &cfg->max_body);
	} else {
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "[http] unknown key '%s' (known: ca_file, proxy, timeout, "
		    "connect_timeout, max_body)", key);
	}
}

static void
plugin_key(struct parse_state *ps, const char *key, const char *value)
{
	struct cp_plugin_section *s;
	struct cp_config_entry *ne;
	char section[160];
	size_t i;

	s = &ps->cfg->sections[ps->cur];
	snprintf(section, sizeof(section), "plugin:%s%s%s", s->plugin,
	    s->instance != NULL ? "/" : "", s->instance != NULL ?
	    s->instance : "");
	if (strcmp(key, "enabled") == 0) {
		if (cp_parse_bool(value, &s->enabled) != CP_OK)
			cp_diag_error(ps->diag, diag_file(ps), ps->line,
			    "[%s] enabled = %s: expected yes or no", section,
			    value);
		return;
	}
	for (i = 0; i < s->n_entries; i++) {
		if (strcmp(s->entries[i].key, key) == 0) {
			cp_diag_error(ps->diag, diag_file(ps), ps->line,
			    "[%s] key '%s' given twice (first at line %d)",
			    section, key, s->entries[i].line);
			return;
		}
	}
	if (s->n_entries >= CONFIG_MAX_ENTRIES) {
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "[%s] more than %d keys", section, CONFIG_MAX_ENTRIES);
		return;
	}
	ne = realloc(s->entries, (s->n_entries + 1) * sizeof(*ne));
	if (ne == NULL) {
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "out of memory");
		return;
	}
	s->entries = ne;
	ne[s->n_entries].key = dup_or_note(ps, key);
	ne[s->n_entries].value = dup_or_note(ps, value);
	ne[s->n_entries].line = ps->line;
	if (ne[s->n_entries].key == NULL || ne[s->n_entries].value == NULL) {
		free(ne[s->n_entries].key);
		free(ne[s->n_entries].value);
		return;
	}
	s->n_entries++;
}

/* [vuln] keys are kept in order; asm/vuln.c checks them. */
static void
vuln_key(struct parse_state *ps, const char *key, const char *value)
{
	struct cp_config *cfg = ps->cfg;
	struct cp_config_entry *ne;
	size_t i;

	for (i = 0; i < cfg->n_vuln; i++) {
		if (strcmp(cfg->vuln[i].key, key) == 0) {
			cp_diag_error(ps->diag, diag_file(ps), ps->line,
			    "[vuln] key '%s' given twice (first at line %d)",
			    key, cfg->vuln[i].line);
			return;
		}
	}
	if (cfg->n_vuln >= CONFIG_MAX_ENTRIES) {
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "[vuln] more than %d keys", CONFIG_MAX_ENTRIES);
		return;
	}
	ne = realloc(cfg->vuln, (cfg->n_vuln + 1) * sizeof(*ne));
	if (ne == NULL) {
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "out of memory");
		return;
	}
	cfg->vuln = ne;
	ne[cfg->n_vuln].key = dup_or_note(ps, key);
	ne[cfg->n_vuln].value = dup_or_note(ps, value);
	ne[cfg->n_vuln].line = ps->line;
	if (ne[cfg->n_vuln].key == NULL || ne[cfg->n_vuln].value == NULL) {
		free(ne[cfg->n_vuln].key);
		free(ne[cfg->n_vuln].value);
		return;
	}
	cfg->n_vuln++;
}

/*
 * inih's section argument is not used: it is cut at inih's own limit, so
 * a long [plugin:NAME/INSTANCE] would lose its keys.  The reader noted the
 * section of this line.
 */
static int
handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *ps = user;

	(void)section;
	switch (ps->cur) {
	case SECT_CORE:
	case SECT_HTTP:
		if (seen_before(ps, ps->cur == SECT_CORE ? "core" : "http",
		    key)) {
			cp_diag_error(ps->diag, diag_file(ps), ps->line,
			    "[%s] key '%s' given twice",
			    ps->cur == SECT_CORE ? "core" : "http", key);
			return 1;
		}
		if (ps->cur == SECT_CORE)
			core_key(ps, key, value);
		else
			http_key(ps, key, value);
		break;
	case SECT_NONE:
		cp_diag_error(ps->diag, diag_file(ps), ps->line,
		    "key '%s' outside of any section", key);
		break;
	case SECT_BAD:
		break;		/* the header was reported */
	case SECT_VULN:
		vuln_key(ps, key, value);
		break;
	default:
		plugin_key(ps, key, value);
		break;
	}
	return 1;
}

/* ---- public --------------------------------------------------------- */

const char *
cp_config_find(const char *path)
{
	static const char sys[] = CP_SYSCONFDIR "/cloudpatrol/cloudpatrol.ini";
	const char *env;

	if (path != NULL)
		return path;
	env = getenv("CLOUDPATROL_CONFIG");
	if (env != NULL && *env != '\0')
		return env;
	if (access(sys, F_OK) == 0)
		return sys;
	return NULL;
}

void
cp_config_free(struct cp_config *cfg)
{
	size_t i, j;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n_sections; i++) {
		struct cp_plugin_section *s = &cfg->sections[i];

		for (j = 0; j < s->n_entries; j++) {
			free(s->entries[j].key);
			if (s->entries[j].value != NULL)
				cp_memwipe(s->entries[j].value,
				    strlen(s->entries[j].value));
			free(s->entries[j].value);
		}
		free(s->entries);
		free(s->plugin);
		free(s->instance);
	}
	free(cfg->sections);
	for (i = 0; i < cfg->n_vuln; i++) {
		free(cfg->vuln[i].key);
		free(cfg->vuln[i].value);
	}
	free(cfg->vuln);
	free(cfg->path);
	free(cfg->state_dir);
	cp_strv_free(cfg->plugin_dirs);
	cp_strv_free(cfg->policy_dirs);
	free(cfg->language);
	free(cfg->geoip_ipv4);
	free(cfg->geoip_ipv6);
	free(cfg->ca_file);
	free(cfg->proxy);
	free(cfg);
}

cp_err
cp_config_defaults(struct cp_config **out)
{
	struct cp_config *cfg;
	cp_err r;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return CP_E_NOMEM;
	r = set_defaults(cfg);
	if (r != CP_OK) {
		cp_config_free(cfg);
		return r;
	}
	*out = cfg;
	return CP_OK;
}

cp_err
cp_config_load(const char *path, struct cp_config **out,
    struct cp_diag *diag)
{
	struct parse_state ps;
	struct cp_config *cfg = NULL;
	char *text = NULL;
	const char *file;
	size_t errors0 = diag->errors;
	cp_err r;
	int pr;

	*out = NULL;
	r = cp_config_defaults(&cfg);
	if (r != CP_OK) {
		cp_diag_error(diag, NULL, 0, "embedded defaults: %s",
		    cp_strerror(r));
		return r;
	}
	file = cp_config_find(path);
	if (file == NULL) {
		*out = cfg;
		return CP_OK;
	}
	cfg->path = strdup(file);
	if (cfg->path == NULL) {
		r = CP_E_NOMEM;
		goto out;
	}
	r = cp_file_read(file, CONFIG_MAX_BYTES, &text, NULL);
	if (r != CP_OK) {
		cp_diag_error(diag, file, 0, "cannot read: %s",
		    r == CP_E_LIMIT ? "larger than 1 MiB" :
		    r == CP_E_NOTFOUND ? "no such file" : strerror(errno));
		goto out;
	}
	memset(&ps, 0, sizeof(ps));
	ps.cfg = cfg;
	ps.diag = diag;
	ps.file = file;
	ps.text = text;
	ps.cur = SECT_NONE;
	pr = ini_parse_stream(reader, &ps, handler, &ps);
	if (pr > 0)
		cp_diag_error(diag, file, pr,
		    "syntax error: expected [section] or key = value");
	else if (pr < 0)
		cp_diag_error(diag, file, 0, "cannot parse: out of memory");
	r = diag->errors == errors0 ? CP_OK : CP_E_CONFIG;
out:
	free(text);
	if (r != CP_OK) {
		cp_config_free(cfg);
		return r;
	}
	*out = cfg;
	return CP_OK;
}
