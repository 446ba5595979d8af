/*
 * loader.h - the one place that talks to libltdl.
 *
 * libltdl is process-wide state and not thread-safe, so every lt_* call of
 * cloudpatrol is in loader.c, under one mutex.  Modules are opened by
 * absolute path only (no search path, no extension guessing: see
 * CVE-2009-3736) with local symbols, and are never closed: code of a
 * plugin may still be referenced after it is "done".
 */
#ifndef CP_PLUGIN_LOADER_H
#define CP_PLUGIN_LOADER_H

#include <stddef.h>

#include <cloudpatrol/plugin.h>

/*
 * Initialises libltdl (reference counted: each call adds one).  Call from
 * main() before any thread starts; tests call it before loading.
 */
cp_err cp_loader_global_init(void);

/*
 * Opens the module at the absolute path and finds its cp_plugin_entry.
 * On failure returns CP_E_INVALID (not an absolute path) or CP_E_PLUGIN
 * (cannot load, no entry symbol) and writes a phrase to why.  The module
 * stays open either way.
 */
cp_err cp_loader_open(const char *path, cp_plugin_entry_fn *entry,
    char *why, size_t why_size);

#endif /* CP_PLUGIN_LOADER_H */
