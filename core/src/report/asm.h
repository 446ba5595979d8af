/*
 * asm.h - the ASM report (R-ASM-5): what the active scans of a portal saw,
 * joined with the vulnerability intelligence cache.
 *
 * One row per (target, address, port, CPE, CVE), from the latest
 * observation of each (target, address, port) in asm_observations: the
 * service, banner, HTTP and TLS facts, then per CPE of the observation
 * the CVEs that cp_vuln_lookup finds offline (the cache only, never the
 * network), with CVSS, severity, EPSS, KEV and JVN.  A service without a
 * CPE, or a CPE without a known CVE, still gets one row (its CVE cells
 * empty) and the Note column says why: no product identified, no
 * vulnerability data cached for the product ("cloudpatrol vuln import"),
 * or no known CVE in the cache.  A registered target never seen open
 * gets one row "no open port observed".
 */
#ifndef CP_REPORT_ASM_H
#define CP_REPORT_ASM_H

#include <stddef.h>
#include <stdint.h>

#include "report/report.h"
#include "store/store.h"

/* The table (columns in asm.c). */
const struct cp_report_table *cp_report_asm_table(void);

/* Whether the portal has any observation (for the bulk workbook). */
cp_err cp_report_asm_any(cp_store *st, int64_t portal_id, int *yes);

/*
 * Writes the rows of portal_id (target NULL: every target; else that one
 * target, CP_E_NOTFOUND when it is not one of the portal's) to rep, whose
 * current table must be cp_report_asm_table().  The targets are those
 * added and, when state_dir is not NULL, those derived from the snapshots
 * under it and not excluded (asm/asm.h).  lang "ja" or "en".  *rows gets
 * the rows written; why says what went wrong.
 */
cp_err cp_report_asm_rows(cp_store *st, int64_t portal_id,
    const char *target, const char *state_dir, const char *lang,
    cp_report *rep, size_t *rows, char *why, size_t why_size);

#endif /* CP_REPORT_ASM_H */
