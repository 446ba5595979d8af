/*
 * core.c - the context object of one cloudpatrol process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "core/core.h"
#include "plugin/loader.h"

struct cp_core {
	struct cp_config *cfg;
	cp_log *log;
	cp_http_pool *http;
	cp_registry *reg;
	int plugins_loaded;
	cp_err plugins_result;
	volatile int cancel;
};

cp_err
cp_core_global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return CP_E_HTTP;
	/* One connection per thread, never shared: multi-thread mode.
	 * Memory statistics off: they take a global lock on every
	 * allocation, which halves policy evaluation on two threads. */
	if (sqlite3_config(SQLITE_CONFIG_MULTITHREAD) != SQLITE_OK ||
	    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK ||
	    sqlite3_initialize() != SQLITE_OK) {
		curl_global_cleanup();
		return CP_E_STORE;
	}
	if (cp_loader_global_init() != CP_OK) {
		sqlite3_shutdown();
		curl_global_cleanup();
		return CP_E_PLUGIN;
	}
	return CP_OK;
}

void
cp_core_global_cleanup(void)
{
	/* Plugins stay mapped (never dlclose), so lt_dlexit is not called:
	 * it would unload them under fini-registered code. */
	sqlite3_shutdown();
	curl_global_cleanup();
}

cp_err
cp_core_create(const char *config_path, struct cp_diag *diag, cp_core **out)
{
	cp_core *core;
	cp_err r;

	*out = NULL;
	core = calloc(1, sizeof(*core));
	if (core == NULL)
		return CP_E_NOMEM;
	r = cp_config_load(config_path, &core->cfg, diag);
	if (r != CP_OK) {
		free(core);
		return r;
	}
	core->log = cp_log_create(core->cfg->log_target, core->cfg->log_level,
	    "cloudpatrol");
	if (core->log == NULL) {
		cp_core_destroy(core);
		return CP_E_NOMEM;
	}
	*out = core;
	return CP_OK;
}

void
cp_core_destroy(cp_core *core)
{
	if (core == NULL)
		return;
	cp_registry_destroy(core->reg);
	cp_http_pool_destroy(core->http);
	cp_log_destroy(core->log);
	cp_config_free(core->cfg);
	free(core);
}

const struct cp_config *
cp_core_config(const cp_core *core)
{
	return core->cfg;
}

cp_log *
cp_core_log(cp_core *core)
{
	return core->log;
}

volatile int *
cp_core_cancel_flag(cp_core *core)
{
	return &core->cancel;
}

cp_http_pool *
cp_core_http(cp_core *core)
{
	struct cp_http_settings s;

	if (core->http != NULL)
		return core->http;
	memset(&s, 0, sizeof(s));
	s.ca_file = core->cfg->ca_file;
	s.proxy = core->cfg->proxy;
	s.connect_timeout_ms = core->cfg->connect_timeout_s * 1000;
	s.timeout_ms = core->cfg->timeout_s * 1000;
	s.max_body = (size_t)core->cfg->max_body;
	s.cancel = &core->cancel;
	if (cp_http_pool_create(&s, &core->http) != CP_OK)
		core->http = NULL;
	return core->http;
}

cp_err
cp_core_plugins(cp_core *core, struct cp_diag *diag, cp_registry **out)
{
	struct cp_registry_opts o;
	size_t i;
	cp_err r, rinit;

	*out = NULL;
	if (core->plugins_loaded) {
		*out = core->reg;
		return core->plugins_result;
	}
	core->plugins_loaded = 1;
	memset(&o, 0, sizeof(o));
	o.log = core->log;
	o.http = cp_core_http(core);
	o.cancel = &core->cancel;
	r = cp_registry_create(&o, &core->reg);
	if (r != CP_OK)
		return core->plugins_result = r;
	for (i = 0; core->cfg->plugin_dirs[i] != NULL; i++) {
		r = cp_registry_load_dir(core->reg, core->cfg->plugin_dirs[i]);
		if (r != CP_OK)
			cp_diag_error(diag, core->cfg->plugin_dirs[i], 0,
			    "cannot load plugins from this directory: %s",
			    cp_strerror(r));
	}
	/* A bad [plugin:...] section disables its own instance only: the
	 * others still start, and the problem is returned afterwards. */
	r = cp_registry_configure(core->reg, core->cfg, diag);
	rinit = cp_registry_init(core->reg);
	if (r == CP_OK)
		r = rinit;
	*out = core->reg;
	return core->plugins_result = r;
}

cp_err
cp_core_store(cp_core *core, unsigned flags, cp_store **out, char *why,
    size_t why_size)
{
	cp_store *st = NULL;
	cp_err r;

	*out = NULL;
	r = cp_store_open(core->cfg->state_dir, flags, &st);
	if (r != CP_OK) {
		snprintf(why, why_size, "%s", st != NULL ?
		    cp_store_errmsg(st) : cp_strerror(r));
		cp_store_close(st);
		return r;
	}
	*out = st;
	return CP_OK;
}
