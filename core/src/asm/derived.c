/*
 * derived.c - the targets a portal gets from its own snapshots (issue 8,
 * R-ASM-1 and R-ASM-3): the public addresses and DNS names of what the
 * asset ledger calls public, read from the latest snapshot of every unit.
 *
 * The judgement of what is public is the ledger's (report/assets.c,
 * cp_ledger_assets_each), never a second parser: the ledger an auditor
 * reads and the set a scan reaches cannot drift apart.  The set is built
 * whole in memory (bounded by CP_ASM_DERIVED_MAX), deduplicated keeping
 * the first resource that named a target, then indexed by text for the
 * scan's and the CLI's lookups.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm/asm.h"
#include "report/ledger.h"
#include "util/util.h"

struct cp_asm_derived_set {
	struct cp_asm_derived *v;	/* in the order found */
	size_t n, cap;
	struct cp_asm_derived **by_text; /* sorted by t.text */
	char *notes[CP_ASM_DERIVED_NOTES_MAX];
	size_t n_notes;
};

/* The unit being read and where its entries go. */
struct walk {
	cp_asm_derived_set *s;
	const struct cp_ledger_opts *o;
	const struct cp_env *env;
	const struct cp_unit *unit;
	char seen[32];
	char *why;
	size_t why_size;
};

static void
note(cp_asm_derived_set *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void
note(cp_asm_derived_set *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (s->n_notes == CP_ASM_DERIVED_NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->notes[s->n_notes] = strdup(buf);
	if (s->notes[s->n_notes] != NULL)
		s->n_notes++;
}

/* The strings of an entry, in one allocation: env, cloud, unit, type, id,
 * name, seen. */
static char *
pack(const char *const *parts, size_t n, const char **out)
{
	size_t len = 0, i, k;
	char *blob, *p;

	for (i = 0; i < n; i++)
		len += strlen(parts[i] != NULL ? parts[i] : "") + 1;
	blob = malloc(len);
	if (blob == NULL)
		return NULL;
	for (i = 0, p = blob; i < n; i++) {
		k = strlen(parts[i] != NULL ? parts[i] : "") + 1;
		memcpy(p, parts[i] != NULL ? parts[i] : "", k);
		out[i] = p;
		p += k;
	}
	return blob;
}

/* Adds text (an address or a name) found on asset a. */
static cp_err
add(struct walk *w, const struct cp_asset *a, const char *text)
{
	cp_asm_derived_set *s = w->s;
	struct cp_asm_derived *d;
	struct cp_asm_target t;
	const char *parts[7], *out[7];
	char why[256];

	if (cp_asm_target_parse(text, &t, why, sizeof(why)) != CP_OK ||
	    t.kind == CP_ASM_CIDR)
		return CP_OK;		/* not something one can scan */
	if (s->n == CP_ASM_DERIVED_MAX) {
		snprintf(w->why, w->why_size, "the snapshots of the portal "
		    "name more than %d public addresses and names; the "
		    "derived targets stop there", CP_ASM_DERIVED_MAX);
		return CP_E_LIMIT;
	}
	if (s->n == s->cap) {
		size_t nc = s->cap == 0 ? 64 : s->cap * 2;
		struct cp_asm_derived *v = realloc(s->v, nc * sizeof(*v));

		if (v == NULL)
			return CP_E_NOMEM;
		s->v = v;
		s->cap = nc;
	}
	d = &s->v[s->n];
	memset(d, 0, sizeof(*d));
	d->t = t;
	if (t.kind == CP_ASM_IP)
		d->classes = cp_asm_classify(t.family, t.addr, t.prefix);
	parts[0] = w->env->name;
	parts[1] = w->env->cloud;
	parts[2] = w->unit->unit;
	parts[3] = a->type;
	parts[4] = a->id;
	parts[5] = a->name;
	parts[6] = w->seen;
	if (pack(parts, 7, out) == NULL)
		return CP_E_NOMEM;
	d->env = out[0];
	d->cloud = out[1];
	d->unit = out[2];
	d->type = out[3];
	d->id = out[4];
	d->name = out[5];
	d->seen = out[6];
	s->n++;
	return CP_OK;
}

/* The public addresses and name of an asset the ledger calls public. */
static cp_err
take(void *ud, const struct cp_asset *a)
{
	struct walk *w = ud;
	const char *p = a->public_ips;
	cp_err r = CP_OK;

	if (a->category != CP_ASSET_PUBLIC)
		return CP_OK;
	while (r == CP_OK && p != NULL && *p != '\0') {
		char one[CP_ASM_TARGET_MAX];
		size_t n;

		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, ", ");
		if (n > 0 && n < sizeof(one)) {
			memcpy(one, p, n);
			one[n] = '\0';
			r = add(w, a, one);
		}
		p += n;
	}
	if (r == CP_OK && a->dns != NULL)
		r = add(w, a, a->dns);
	return r;
}

static cp_err
missing(void *ud, const char *collector, const char *message)
{
	struct walk *w = ud;
	char buf[768];

	cp_ledger_collector_note(w->o, collector, message, buf, sizeof(buf));
	note(w->s, "%s/%s: %s", w->env->name, w->unit->unit, buf);
	return CP_OK;
}

static void
read_seen(sqlite3 *db, char *out, size_t n)
{
	sqlite3_stmt *st = NULL;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key ="
	    " 'collected_at'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st,
		    0));
	sqlite3_finalize(st);
}

static cp_err
read_unit(cp_asm_derived_set *s, const struct cp_ledger_opts *o,
    const struct cp_env *env, const struct cp_unit *unit, char *why,
    size_t why_size)
{
	const char *const *collectors;
	struct walk w;
	sqlite3 *db = NULL;
	char uwhy[512];
	cp_err r;

	if (!cp_ledger_assets_has_rules(env->cloud)) {
		note(s, cp_ledger_text(o, "%s/%s: no rules for cloud %s yet: "
		    "no targets derived", "%s/%s: クラウド %s の判定ルールが"
		    "まだないため、ターゲットは導出されません"), env->name,
		    unit->unit, env->cloud);
		return CP_OK;
	}
	r = cp_ledger_open(o, unit, &db, uwhy, sizeof(uwhy));
	if (r == CP_E_NOTFOUND) {
		note(s, "%s/%s: %s", env->name, unit->unit,
		    cp_ledger_never_inspected(o));
		return CP_OK;
	}
	if (r != CP_OK) {
		note(s, "%s/%s: %s", env->name, unit->unit, uwhy);
		return CP_OK;
	}
	memset(&w, 0, sizeof(w));
	w.s = s;
	w.o = o;
	w.env = env;
	w.unit = unit;
	w.why = why;
	w.why_size = why_size;
	read_seen(db, w.seen, sizeof(w.seen));
	collectors = cp_ledger_assets_collectors(env->cloud);
	r = cp_ledger_collector_errors(db, collectors, missing, &w, uwhy,
	    sizeof(uwhy));
	if (r == CP_OK)
		r = cp_ledger_assets_each(o, env->cloud, db, take, &w, uwhy,
		    sizeof(uwhy));
	sqlite3_close(db);
	if (r == CP_E_LIMIT || r == CP_E_NOMEM)
		return r;
	if (r != CP_OK)		/* a snapshot this build half reads */
		note(s, "%s/%s: %s", env->name, unit->unit, uwhy);
	return CP_OK;
}

/* ---- the portal's units ---- */

struct units {
	struct cp_env *envs;
	size_t n_envs;
	struct cp_unit *v;
	size_t *env_of;			/* index into envs */
	size_t n;
	size_t cur;			/* the env whose units come now */
};

static cp_err
take_env(void *ud, const struct cp_env *e)
{
	struct units *u = ud;
	struct cp_env *nv = realloc(u->envs, (u->n_envs + 1) * sizeof(*nv));

	if (nv == NULL)
		return CP_E_NOMEM;
	u->envs = nv;
	u->envs[u->n_envs++] = *e;
	return CP_OK;
}

static cp_err
take_unit(void *ud, const struct cp_unit *un)
{
	struct units *u = ud;
	struct cp_unit *nv = realloc(u->v, (u->n + 1) * sizeof(*nv));
	size_t *ne;

	if (nv == NULL)
		return CP_E_NOMEM;
	u->v = nv;
	ne = realloc(u->env_of, (u->n + 1) * sizeof(*ne));
	if (ne == NULL)
		return CP_E_NOMEM;
	u->env_of = ne;
	u->v[u->n] = *un;
	u->env_of[u->n] = u->cur;
	u->n++;
	return CP_OK;
}

/* ---- dedup and index ---- */

static int
by_text_cmp(const void *a, const void *b)
{
	const struct cp_asm_derived *x = *(const struct cp_asm_derived *const *)a;
	const struct cp_asm_derived *y = *(const struct cp_asm_derived *const *)b;
	int c = strcmp(x->t.text, y->t.text);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;	/* the first found first */
}

/* Keeps the first entry of each text, in the order found, and indexes
 * them by text. */
static cp_err
dedup(cp_asm_derived_set *s)
{
	size_t i, k;
	char *gone;

	if (s->n == 0)
		return CP_OK;
	s->by_text = malloc(s->n * sizeof(*s->by_text));
	gone = calloc(s->n, 1);
	if (s->by_text == NULL || gone == NULL) {
		free(gone);
		return CP_E_NOMEM;
	}
	for (i = 0; i < s->n; i++)
		s->by_text[i] = &s->v[i];
	qsort(s->by_text, s->n, sizeof(*s->by_text), by_text_cmp);
	for (i = 1; i < s->n; i++)
		if (strcmp(s->by_text[i]->t.text, s->by_text[i - 1]->t.text)
		    == 0)
			gone[s->by_text[i] - s->v] = 1;
	for (i = 0, k = 0; i < s->n; i++) {
		if (gone[i]) {
			free((char *)s->v[i].env);
			continue;
		}
		s->v[k++] = s->v[i];
	}
	free(gone);
	s->n = k;
	for (i = 0; i < s->n; i++)
		s->by_text[i] = &s->v[i];
	qsort(s->by_text, s->n, sizeof(*s->by_text), by_text_cmp);
	return CP_OK;
}

static cp_err
mark_excluded(void *ud, const char *text, const char *created)
{
	const cp_asm_derived_set *s = ud;
	struct cp_asm_derived *d;

	(void)created;
	d = (struct cp_asm_derived *)cp_asm_derived_find(s, text);
	if (d != NULL)
		d->excluded = 1;
	return CP_OK;
}

cp_err
cp_asm_derived_load(cp_store *st, int64_t portal_id, const char *state_dir,
    const char *lang, cp_asm_derived_set **out, char *why, size_t why_size)
{
	struct cp_ledger_opts o;
	struct units u;
	cp_asm_derived_set *s = NULL;
	cp_err r = CP_E_NOMEM;
	size_t i, e;

	*out = NULL;
	why[0] = '\0';
	memset(&u, 0, sizeof(u));
	memset(&o, 0, sizeof(o));
	o.lang = lang;
	o.state_dir = state_dir;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto out;
	r = cp_env_list(st, portal_id, take_env, &u);
	for (e = 0; r == CP_OK && e < u.n_envs; e++) {
		u.cur = e;
		r = cp_unit_list(st, u.envs[e].id, take_unit, &u);
	}
	if (r != CP_OK) {
		if (why[0] == '\0')
			snprintf(why, why_size, "reading the units: %s",
			    r == CP_E_NOMEM ? cp_strerror(r) :
			    cp_store_errmsg(st));
		goto out;
	}
	for (i = 0; r == CP_OK && i < u.n; i++)
		r = read_unit(s, &o, &u.envs[u.env_of[i]], &u.v[i], why,
		    why_size);
	if (r == CP_OK)
		r = dedup(s);
	if (r == CP_OK) {
		r = cp_asm_exclusion_list(st, portal_id, mark_excluded, s);
		if (r != CP_OK)
			snprintf(why, why_size, "%s", cp_store_errmsg(st));
	}
	if (r != CP_OK && why[0] == '\0')
		snprintf(why, why_size, "deriving targets: %s", cp_strerror(r));
out:
	if (r == CP_OK)
		*out = s;
	else
		cp_asm_derived_destroy(s);
	free(u.envs);
	free(u.v);
	free(u.env_of);
	return r;
}

void
cp_asm_derived_destroy(cp_asm_derived_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free((char *)s->v[i].env);
	for (i = 0; i < s->n_notes; i++)
		free(s->notes[i]);
	free(s->v);
	free(s->by_text);
	free(s);
}

size_t
cp_asm_derived_count(const cp_asm_derived_set *s)
{
	return s != NULL ? s->n : 0;
}

const struct cp_asm_derived *
cp_asm_derived_at(const cp_asm_derived_set *s, size_t i)
{
	return s != NULL && i < s->n ? &s->v[i] : NULL;
}

const struct cp_asm_derived *
cp_asm_derived_find(const cp_asm_derived_set *s, const char *text)
{
	size_t lo = 0, hi;

	if (s == NULL || s->by_text == NULL || text == NULL)
		return NULL;
	hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(text, s->by_text[mid]->t.text);

		if (c == 0)
			return s->by_text[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t
cp_asm_derived_note_count(const cp_asm_derived_set *s)
{
	return s != NULL ? s->n_notes : 0;
}

const char *
cp_asm_derived_note(const cp_asm_derived_set *s, size_t i)
{
	return s != NULL && i < s->n_notes ? s->notes[i] : NULL;
}

void
cp_asm_derived_source(const struct cp_asm_derived *d, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s %s %s", d->env, d->unit, d->type, d->id);
}

cp_err
cp_asm_target_known(cp_store *st, int64_t portal_id, const char *state_dir,
    const char *lang, const struct cp_asm_target *t,
    cp_asm_derived_set **derived, int *yes, char *why, size_t why_size)
{
	const struct cp_asm_derived *x;
	cp_err r;

	r = cp_asm_target_registered(st, portal_id, t, yes);
	if (r != CP_OK) {
		snprintf(why, why_size, "reading the targets: %s",
		    cp_store_errmsg(st));
		return r;
	}
	if (*yes || state_dir == NULL)
		return CP_OK;
	if (*derived == NULL) {
		r = cp_asm_derived_load(st, portal_id, state_dir, lang,
		    derived, why, why_size);
		if (r != CP_OK)
			return r;
	}
	x = cp_asm_derived_find(*derived, t->text);
	*yes = x != NULL && !x->excluded;
	return CP_OK;
}
