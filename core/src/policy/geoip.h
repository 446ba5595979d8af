/*
 * geoip.h - country of an IP address, from the IP2Location LITE DB1 CSV
 * files (https://lite.ip2location.com, CC BY-SA 4.0).
 *
 * Format: one range per line, every field double-quoted,
 *	"ip_from","ip_to","country_code","country_name"
 * with ip_from and ip_to decimal integers: 32-bit in the IPv4 file,
 * 128-bit in the IPv6 file (where IPv4 is mapped at ::ffff:0:0/96).  The
 * country code "-" means no country (reserved ranges).  Ranges are sorted
 * and do not overlap; addresses between ranges have no country.
 *
 * A loaded database is read-only: one may serve every thread.
 */
#ifndef CP_POLICY_GEOIP_H
#define CP_POLICY_GEOIP_H

#include <stddef.h>

#include <cloudpatrol/err.h>

#define CP_GEOIP_MAX_FILE (512u * 1024 * 1024)	/* bytes per file */
#define CP_GEOIP_MAX_ROWS 8000000u		/* ranges per file */

typedef struct cp_geoip cp_geoip;

/*
 * Loads the IPv4 file, the IPv6 file, or both (either may be NULL, not
 * both).  A malformed, unsorted or overlapping line fails the load with
 * "path:line: reason" in why: a wrong country is worse than none.
 */
cp_err cp_geoip_load(const char *ipv4_csv, const char *ipv6_csv,
    cp_geoip **out, char *why, size_t why_size);
void cp_geoip_free(cp_geoip *g);

/*
 * The ISO 3166 country code of ip (an IPv4 or IPv6 address, no prefix)
 * into cc (3 bytes): 1 when found, 0 when ip has no country, is not an
 * address, or its family was not loaded.  An IPv4 address is looked up in
 * the IPv6 table when only that one was loaded, and an IPv4-mapped IPv6
 * address in the IPv4 table.
 */
int cp_geoip_country(const cp_geoip *g, const char *ip, char cc[3]);

/* Ranges loaded for family 4 or 6. */
size_t cp_geoip_count(const cp_geoip *g, int family);

#endif /* CP_POLICY_GEOIP_H */
