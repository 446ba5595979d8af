/*
 * vuln_match.h - whether an NVD CVE record applies to one CPE name.
 *
 * NVD describes what is affected with configurations[], each with nodes[]
 * of cpeMatch[] entries: {vulnerable, criteria, versionStartIncluding,
 * versionStartExcluding, versionEndIncluding, versionEndExcluding}.  Our
 * reading, for ONE name found on a target:
 *
 * - An entry matches when every field of its criteria admits the name's
 *   field (cp_cpe_field_match), and the version is inside the range when
 *   the entry has one (the criteria's version is then "*"), or equal to
 *   the criteria's version (cp_cpe_version_cmp) when it has none.  A name
 *   whose version is "*" matches every version (the product's whole
 *   list); a version that cannot be ordered against a bound is outside.
 * - A node is true when one (OR) or all (AND) of its vulnerable entries
 *   match; a node with no vulnerable entry describes a platform (the OS
 *   or hardware it runs on) that a single name cannot show, and is taken
 *   as satisfied.  negate inverts a node with vulnerable entries.
 * - A configuration is true when one (OR, the default) or all (AND) of its
 *   nodes are true, and at least one vulnerable entry matched: so "nginx
 *   on some OS" (AND of an application node and a platform node) applies
 *   to nginx, flagged as platform-dependent.
 * - The record applies when one configuration is true.  A record with no
 *   configurations (NVD status "Awaiting Analysis", "Received") applies
 *   to nothing: NVD has not said what it affects yet.
 */
#ifndef CP_ASM_VULN_MATCH_H
#define CP_ASM_VULN_MATCH_H

#include <jansson.h>

#include "asm/cpe.h"

/* At most this many cpeMatch entries are looked at per record. */
#define CP_VULN_MATCH_MAX_ENTRIES 20000

/*
 * Whether one cpeMatch entry (a JSON object) matches name.  Entries with
 * a malformed criteria never match.
 */
int cp_vuln_entry_match(const json_t *entry, const struct cp_cpe *name);

/*
 * Whether the configurations array of a record applies to name (1) or not
 * (0).  *platform (may be NULL) is set to 1 when it applies only through a
 * configuration that also names a platform.
 */
int cp_vuln_configs_apply(const json_t *configurations,
    const struct cp_cpe *name, int *platform);

#endif /* CP_ASM_VULN_MATCH_H */
