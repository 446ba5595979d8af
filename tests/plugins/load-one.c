/*
 * load-one.c - loads one plugin file into a registry the way the core
 * does (no configuration: its default instance), and prints what became
 * of it.  Used by tests/e2e/out-of-tree-plugin.sh.
 *
 *   load-one /abs/path/NAME.so
 *
 * Prints "loaded NAME VERSION ABI x.y caps LIST: running" (or the
 * instance's problem) for each instance, or the refusal line.  Exit 0
 * when every instance runs, 1 otherwise, 2 on usage.
 */
#include <stdio.h>
#include <string.h>

#include "log/log.h"
#include "plugin/loader.h"
#include "plugin/registry.h"

static void
caps_text(unsigned caps, char *buf, size_t n)
{
	int k;
	size_t len = 0;

	buf[0] = '\0';
	for (k = CP_CAP_CLOUD; k <= CP_CAP_POLICY; k++) {
		if ((caps & (1u << k)) == 0)
			continue;
		len += (size_t)snprintf(buf + len, len < n ? n - len : 0,
		    "%s%s", len > 0 ? "," : "", cp_cap_kind_name(k));
		if (len >= n)
			return;
	}
}

int
main(int argc, char **argv)
{
	struct cp_registry_opts o;
	struct cp_config cfg;
	struct cp_plugin_info pi;
	struct cp_diag diag;
	cp_registry *reg = NULL;
	cp_log *log = NULL;
	const char *reason;
	char caps[128];
	size_t i;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: load-one /abs/path/NAME.so\n");
		return 2;
	}
	cp_diag_init(&diag);
	log = cp_log_create(CP_LOG_TO_STDERR, CP_LOG_INFO, "load-one");
	memset(&o, 0, sizeof(o));
	o.log = log;
	if (log == NULL || cp_loader_global_init() != CP_OK ||
	    cp_registry_create(&o, &reg) != CP_OK) {
		fprintf(stderr, "load-one: cannot set up\n");
		goto out;
	}
	cp_registry_load_file(reg, argv[1]);
	for (i = 0; i < cp_registry_refused_count(reg); i++)
		if (cp_registry_refused(reg, i, NULL, &reason) == CP_OK)
			printf("%s\n", reason);
	memset(&cfg, 0, sizeof(cfg));
	if (cp_registry_configure(reg, &cfg, &diag) != CP_OK) {
		for (i = 0; i < diag.n; i++)
			printf("%s\n", diag.lines[i]);
		goto out;
	}
	cp_registry_init(reg);
	rc = cp_registry_count(reg) > 0 ? 0 : 1;
	for (i = 0; i < cp_registry_count(reg); i++) {
		if (cp_registry_info(reg, i, &pi) != CP_OK)
			continue;
		caps_text(pi.caps, caps, sizeof(caps));
		printf("loaded %s%s%s %s ABI %u.%u caps %s: %s\n", pi.name,
		    pi.instance != NULL ? "/" : "",
		    pi.instance != NULL ? pi.instance : "", pi.version,
		    pi.abi_major, pi.abi_minor, caps[0] != '\0' ? caps : "-",
		    pi.initialised ? "running" :
		    pi.problem != NULL ? pi.problem : "disabled");
		if (!pi.initialised)
			rc = 1;
	}
out:
	cp_registry_destroy(reg);
	cp_log_destroy(log);
	cp_diag_free(&diag);
	return rc;
}
