/*
 * registry.h - loads plugins, validates them against the ABI, configures
 * their instances and hands out their capabilities.
 *
 * Lifecycle: create -> load_dir (each configured directory) -> configure
 * (the [plugin:...] sections) -> init (every enabled instance, while the
 * process is still single-threaded) -> lookups -> destroy (fini of every
 * instance; shared objects are never unloaded).
 *
 * A refused plugin is recorded with one line naming the file, both ABI
 * versions and the check that failed; the others keep loading.
 */
#ifndef CP_PLUGIN_REGISTRY_H
#define CP_PLUGIN_REGISTRY_H

#include <stddef.h>
#include <time.h>

#include <cloudpatrol/plugin.h>

#include "config/config.h"
#include "log/log.h"
#include "net/http_client.h"
#include "util/diag.h"

typedef struct cp_registry cp_registry;

struct cp_registry_opts {
	cp_log *log;			/* borrowed; required */
	cp_http_pool *http;		/* borrowed; NULL: no HTTP for plugins */
	const volatile int *cancel;	/* borrowed; NULL: not cancelled */
	time_t (*clock)(void *ud);	/* NULL: time() */
	void *clock_ud;
};

cp_err cp_registry_create(const struct cp_registry_opts *opts,
    cp_registry **out);
/* Calls fini() of every initialised instance; never dlcloses. */
void cp_registry_destroy(cp_registry *reg);

/*
 * Loads every "*.so" in dir, in the order of their names.  dir must be
 * absolute and not a symbolic link; it and every directory above it up to
 * "/" must be owned by root or by the effective uid and not be writable
 * by group or others, except that a parent may be a sticky directory such
 * as /tmp.  Each file must be a regular file (not a link) of root or the
 * effective uid, not writable by group or others; it is opened once,
 * checked on that descriptor and loaded from it (never by its path
 * again), and keeps its path here as its name in info and refusals.
 * Refusals are recorded, not returned: the result is an error only when
 * dir itself cannot be used (that is recorded as a refusal of the
 * directory too).  Only before configure (CP_E_INVALID after).
 */
cp_err cp_registry_load_dir(cp_registry *reg, const char *dir);
/*
 * Loads one file (absolute; its directory checked as in load_dir);
 * returns why it was refused (and records it).
 */
cp_err cp_registry_load_file(cp_registry *reg, const char *path);

/*
 * Creates the instances: one per [plugin:NAME] / [plugin:NAME/INSTANCE]
 * section, and one default instance for each loaded plugin without a
 * section.  Keys are checked against each plugin's schema; every problem
 * goes to diag as "file:line: message".  A section naming no loaded plugin
 * is an error.
 */
cp_err cp_registry_configure(cp_registry *reg, const struct cp_config *cfg,
    struct cp_diag *diag);
/*
 * Calls init() of every enabled instance; a failing one is disabled with
 * its problem recorded and logged (the result is still CP_OK).  Call
 * once, after configure, while the process is single-threaded.
 */
cp_err cp_registry_init(cp_registry *reg);

/* ---- what was loaded ---- */
struct cp_plugin_info {
	const char *name;
	const char *instance;		/* NULL: the default instance */
	const char *version;
	const char *description;
	const char *file;
	uint32_t abi_major, abi_minor;
	unsigned caps;			/* bit (1u << kind) per capability */
	int enabled;
	int initialised;
	const char *problem;		/* why it is not running, or NULL */
};

size_t cp_registry_count(const cp_registry *reg);
cp_err cp_registry_info(const cp_registry *reg, size_t i,
    struct cp_plugin_info *out);
/* What cp_registry_info says of instance p (as find/get return it). */
cp_err cp_registry_info_of(const cp_registry *reg, const cp_plugin *p,
    struct cp_plugin_info *out);
size_t cp_registry_refused_count(const cp_registry *reg);
/*
 * The file (or directory) and the one line of refusal i, as logged:
 * "plugin FILE refused: ABI 2.0 (host 1.0): major version differs".
 * Both borrowed until destroy.
 */
cp_err cp_registry_refused(const cp_registry *reg, size_t i,
    const char **file, const char **reason);

/*
 * The first initialised instance offering capability kind for key (the
 * cloud name, destination type, report format or scanner name; NULL: any).
 * *ops is the host's zero-filled copy of the plugin's table, valid until
 * destroy; *ctx is what init() returned.  For a cloud, ops->env_params is
 * the host's own copy too, strings included: checked like a config schema
 * (at most CP_PLUGIN_MAX_KEYS keys [a-z0-9_]+, known types and flags,
 * unique, defaults valid for their type) and ending with a NULL key; NULL
 * when the plugin declares none.  ops->flags holds known bits only.
 */
cp_plugin *cp_registry_find(cp_registry *reg, int kind, const char *key,
    const void **ops, void **ctx);

/*
 * The instance NAME/INSTANCE (instance NULL: the section [plugin:NAME] or
 * the default instance) when it is initialised and offers capability kind
 * (0: any; *ops is then NULL); NULL otherwise.  ops and ctx may be NULL.
 * *ops is the same host copy cp_registry_find lends.
 */
cp_plugin *cp_registry_get(cp_registry *reg, const char *name,
    const char *instance, int kind, const void **ops, void **ctx);

/* The name of a capability kind ("cloud"...), or "unknown". */
const char *cp_cap_kind_name(int kind);

#endif /* CP_PLUGIN_REGISTRY_H */
