/*
 * host.h - one instance of a plugin (struct cp_plugin) and the host table
 * 1.0 that lends it the core's services.
 *
 * The host table is one constant object shared by every plugin; the
 * cp_plugin *self each function receives says who is calling, so logs,
 * configuration values and the clock are per instance.
 */
#ifndef CP_PLUGIN_HOST_H
#define CP_PLUGIN_HOST_H

#include <time.h>

#include <cloudpatrol/plugin.h>

#include "log/log.h"
#include "net/http_client.h"
#include "plugin/validate.h"

/* Largest secret file host->secret_read_file reads. */
#define CP_SECRET_MAX (64u * 1024)

/* What the registry lends every instance (owned by the registry). */
struct cp_host_env {
	cp_log *log;			/* required */
	cp_http_pool *http;		/* NULL: http_new returns NULL */
	const volatile int *cancel;	/* NULL: never cancelled */
	time_t (*clock)(void *ud);	/* NULL: time() */
	void *clock_ud;
};

struct cp_plugin {
	const struct cp_host_env *env;	/* borrowed from the registry */
	const struct cp_pdef *def;	/* borrowed from the registry */
	const char *file;		/* borrowed: the plugin's .so */
	char *instance;			/* NULL: the default instance */
	char *subsys;			/* "plugin NAME[/INSTANCE]" for logs */
	/* Value of def->keys[i] after defaults; NULL: none.  Owned; the
	 * values of secret keys are wiped when freed. */
	char *values[CP_PLUGIN_MAX_KEYS];
	int enabled;
	int initialised;
	char *problem;			/* why it is not running, or NULL */
	void *ctx;			/* what init() returned */
};

/* The host table 1.0: a constant shared by all plugins. */
const struct cp_host *cp_host_table(void);

/*
 * A new instance of def, named instance (NULL: the default one), enabled
 * and not initialised.  env, def and file are borrowed and must outlive
 * it.  NULL on no memory.
 */
cp_plugin *cp_instance_create(const struct cp_host_env *env,
    const struct cp_pdef *def, const char *file, const char *instance);
/* fini() when initialised, then frees (secrets wiped).  NULL: no-op. */
void cp_instance_destroy(cp_plugin *p);

/* Disables p and records why (the previous problem is replaced). */
void cp_instance_disable(cp_plugin *p, const char *fmt, ...) CP_FMT(2, 3);

/*
 * Calls init() of an enabled instance.  A failure disables it with the
 * problem recorded and logged; the plugin must have freed what it made.
 */
cp_err cp_instance_init(cp_plugin *p);

#endif /* CP_PLUGIN_HOST_H */
