/*
 * pconfig.h - an instance's configuration: the keys of its [plugin:NAME]
 * or [plugin:NAME/INSTANCE] section checked against the plugin's schema,
 * with the schema's defaults for what the section leaves out.
 */
#ifndef CP_PLUGIN_PCONFIG_H
#define CP_PLUGIN_PCONFIG_H

#include <stddef.h>

#include <cloudpatrol/plugin.h>

#include "config/config.h"
#include "util/diag.h"

struct cp_pdef;

/*
 * Whether value suits key k: an INT within [min, max], a BOOL, an URL of
 * http:// or https:// (or of the scheme of k's default, such as smtp://),
 * an absolute PATH, a LIST of comma-separated words, any STRING; all at
 * most CP_PLUGIN_VALUE_MAX bytes without control characters.  On failure
 * why gets a phrase such as "'abc' is not an integer in [1, 10]" in which
 * the value of a CP_CFG_SECRET key is never shown.
 */
cp_err cp_pconfig_check_value(const struct cp_config_key *k,
    const char *value, char *why, size_t why_size);

/*
 * Fills p's values: the defaults of its plugin's schema, then the entries
 * of sec (NULL: no section).  Unknown keys, keys given twice, bad values
 * and missing required keys (when sec is enabled) go to diag as
 * "file:line: [plugin:NAME] key 'x': message".  Returns CP_E_CONFIG when
 * any was found (p is then disabled), CP_E_NOMEM, or CP_OK.
 */
cp_err cp_pconfig_apply(cp_plugin *p, const struct cp_plugin_section *sec,
    const char *file, struct cp_diag *diag);

/* The first key of def that is CP_CFG_REQUIRED, or NULL. */
const char *cp_pconfig_first_required(const struct cp_pdef *def);

#endif /* CP_PLUGIN_PCONFIG_H */
