/*
 * core.h - the core's one context object, created in main().
 *
 * It owns what a run of cloudpatrol needs: the configuration, the logger,
 * the process-wide HTTP pool, the plugin registry and the cancel flag.
 * Nothing else in the core keeps mutable global state.  Pieces are made on
 * first use, so a command that needs no plugin loads none.
 */
#ifndef CP_CORE_H
#define CP_CORE_H

#include <signal.h>

#include "config/config.h"
#include "log/log.h"
#include "net/http_client.h"
#include "plugin/registry.h"
#include "store/store.h"
#include "util/diag.h"

typedef struct cp_core cp_core;

/*
 * Process-wide library set-up (libcurl, SQLite in multi-thread mode,
 * libltdl).  Call once in main() before any thread and before
 * cp_core_create; cp_core_global_cleanup at exit.
 */
cp_err cp_core_global_init(void);
void cp_core_global_cleanup(void);

/*
 * Loads the configuration (path NULL: the search order of config.h) and
 * creates the logger.  Problems go to diag; on failure *out is NULL.
 */
cp_err cp_core_create(const char *config_path, struct cp_diag *diag,
    cp_core **out);
void cp_core_destroy(cp_core *core);

const struct cp_config *cp_core_config(const cp_core *core);
cp_log *cp_core_log(cp_core *core);
/* The flag signal handlers set to ask running work to stop. */
volatile int *cp_core_cancel_flag(cp_core *core);

/* The HTTP pool built from [http], made on first call; NULL on no memory. */
cp_http_pool *cp_core_http(cp_core *core);

/*
 * Loads the plugins of every configured directory, configures their
 * instances and initialises them, once.  Refusals are logged and kept in
 * the registry; configuration problems go to diag and disable only the
 * instances they concern: the result is then CP_E_CONFIG, with *out set.
 */
cp_err cp_core_plugins(cp_core *core, struct cp_diag *diag,
    cp_registry **out);

/*
 * Opens (creating when asked) the store under the configured state_dir.
 * The handle is the caller's: close it with cp_store_close.  why gets the
 * reason of a failure.
 */
cp_err cp_core_store(cp_core *core, unsigned flags, cp_store **out,
    char *why, size_t why_size);

#endif /* CP_CORE_H */
