/*
 * loader.h - the one place that talks to libltdl.
 *
 * libltdl is process-wide state and not thread-safe, so every lt_* call of
 * cloudpatrol is in loader.c, under one mutex.  Modules are opened by
 * absolute path only (no search path, no extension guessing: see
 * CVE-2009-3736) with local symbols, and are never closed: code of a
 * plugin may still be referenced after it is "done".
 *
 * The registry opens a plugin file once, checks it on that descriptor and
 * hands the descriptor to cp_loader_open_fd(), which maps that very file
 * through /proc/self/fd/N: renaming or replacing the path after the checks
 * changes nothing about what is loaded.
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
 * Loads the shared object open as fd (read-only; the caller checked the
 * file on this descriptor) and finds its cp_plugin_entry.  The ELF header
 * is read from fd, and the module is mapped through /proc/self/fd/M,
 * where M is a duplicate of fd that stays open for the life of the
 * process once the module is mapped: libltdl and the dynamic linker know
 * a module by that name, so the name must never come to mean another
 * file.  fd itself stays the caller's: close it when this returned.
 * Returns CP_E_INVALID (fd < 0) or CP_E_PLUGIN (not an ELF shared object,
 * /proc not mounted, cannot load, no entry symbol) with a phrase in why.
 * The module stays mapped once loaded, even without an entry symbol.
 */
cp_err cp_loader_open_fd(int fd, cp_plugin_entry_fn *entry, char *why,
    size_t why_size);

/*
 * Opens the file at the absolute path (never through a symbolic link at
 * its end) and loads it with cp_loader_open_fd.  Returns CP_E_INVALID
 * (not an absolute path) or CP_E_PLUGIN (cannot open, not a regular file,
 * or as cp_loader_open_fd) with a phrase in why.
 */
cp_err cp_loader_open(const char *path, cp_plugin_entry_fn *entry,
    char *why, size_t why_size);

#endif /* CP_PLUGIN_LOADER_H */
