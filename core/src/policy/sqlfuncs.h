/*
 * sqlfuncs.h - the SQL helper functions policy SQL may call, besides
 * SQLite's own deterministic built-ins and JSON functions.
 *
 *   param(name)
 *	The portal's value of the policy's parameter, else its default:
 *	an integer, a real, text, or for a list its JSON text (read it with
 *	json_each(param('x'))).  A name the policy does not declare is an
 *	SQL error.
 *   cidr_is_any(text)
 *	1 when text means "every address" as the clouds spell it:
 *	0.0.0.0/0, ::/0 (any prefix length 0), "*", "Internet", "Any"
 *	(case-insensitive); 0 otherwise; NULL for NULL.
 *   cidr_is_public(text)
 *	1 when the IPv4 or IPv6 address or CIDR reaches beyond private
 *	space: it is not wholly inside a private, loopback, link-local,
 *	CGNAT, benchmarking, documentation, multicast, reserved or ULA
 *	block (an IPv4-mapped or NAT64 address is judged by its IPv4
 *	address; IPv6 outside 2000::/3 is not public).  Every any-range
 *	(see cidr_is_any) is public.  0 when private; NULL when text is
 *	neither (e.g. "VirtualNetwork").  Host bits after the prefix are
 *	ignored ("10.1.2.3/8" is 10.0.0.0/8).
 *   port_in(range, port)
 *	1 when the port (an integer, or text "22", "20-25", "*") overlaps
 *	the range, 0 when not.  range is a port "22", a span "20-25", a
 *	comma list "22,80,443-445", a JSON array '["22","80-90"]' or
 *	[22, 80], or every port: "*", "all", "any", "-1", -1.  So
 *	port_in('0-1024', '20-25') is 1 and port_in('22', '*') is 1.
 *	NULL when either is NULL or not a port (0-65535) or span.
 *   days_since(iso8601)
 *	Whole days (rounded down) from the time to the engine's clock:
 *	"2024-01-02T03:04:05Z", with a fraction ".123Z", with an offset
 *	"+09:00"/"+0900"/"-05", with a space for the T, without zone (UTC),
 *	or a date "2024-01-02" (midnight UTC).  A time in the future gives
 *	a negative number.  NULL for NULL, for numbers and for garbage.
 *   country_of(ip)
 *	The ISO country code of an IPv4 or IPv6 address from the
 *	IP2Location LITE database (geoip.h), or NULL (no database, no
 *	country, not an address).
 */
#ifndef CP_POLICY_SQLFUNCS_H
#define CP_POLICY_SQLFUNCS_H

#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include <cloudpatrol/err.h>

#include "policy/geoip.h"
#include "policy/pack.h"

/*
 * What the functions of one connection read.  The engine changes policy
 * and params between runs; the functions only read them.
 */
struct cp_sqlfuncs {
	const struct cp_policy *policy;	/* NULL: checking SQL, param()
					 * returns NULL */
	const json_t *params;		/* name -> value; NULL: defaults */
	const cp_geoip *geoip;		/* NULL: country_of() is NULL */
	time_t now;			/* days_since() counts to here */
};

/* Registers the functions on db with ctx, which must outlive db. */
cp_err cp_sqlfuncs_register(sqlite3 *db, struct cp_sqlfuncs *ctx);

/* Names of the functions above, NULL-terminated (for the authorizer). */
extern const char *const cp_sqlfuncs_names[];

#endif /* CP_POLICY_SQLFUNCS_H */
