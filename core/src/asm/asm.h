/*
 * asm.h - the targets of active scans and the record of every scan
 * (R-ASM-1, R-ASM-3): what a portal may scan, which addresses are never
 * scanned unless the configuration allows them, the audit trail of scans
 * and the observations they made.
 */
#ifndef CP_ASM_H
#define CP_ASM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>

#include <cloudpatrol/err.h>

#include "store/store.h"

#define CP_ASM_TARGET_MAX 254		/* a target as text, with its NUL */
/* The most addresses a CIDR block may hold (a /16 of IPv4, /112 of v6). */
#define CP_ASM_CIDR_MAX 65536u

enum cp_asm_kind { CP_ASM_IP = 1, CP_ASM_CIDR = 2, CP_ASM_FQDN = 3 };

struct cp_asm_target {
	int kind;			/* enum cp_asm_kind */
	char text[CP_ASM_TARGET_MAX];	/* normalised */
	int family;			/* AF_INET/AF_INET6 (ip, cidr) */
	unsigned char addr[16];		/* the address or network */
	int prefix;			/* bits (cidr); 32 or 128 for an ip */
};

/*
 * Parses "192.0.2.1", "2001:db8::1", "192.0.2.0/24" or "www.example.com"
 * into out (addresses in their canonical text, host bits of a block must
 * be zero, names lower-cased, blocks of more than CP_ASM_CIDR_MAX
 * addresses refused).  CP_E_INVALID or CP_E_LIMIT with why.
 */
cp_err cp_asm_target_parse(const char *s, struct cp_asm_target *out,
    char *why, size_t why_size);

/* What an address is, as bits. */
#define CP_ASM_ADDR_LOOPBACK 0x1u
#define CP_ASM_ADDR_PRIVATE 0x2u	/* RFC 1918, CGNAT, ULA */
#define CP_ASM_ADDR_LINKLOCAL 0x4u
#define CP_ASM_ADDR_METADATA 0x8u	/* cloud instance metadata */
#define CP_ASM_ADDR_RESERVED 0x10u	/* unspecified, multicast... */

/*
 * The classes an address block (family, addr, prefix bits) overlaps:
 * a /8 that holds a loopback address is loopback.
 */
unsigned cp_asm_classify(int family, const unsigned char *addr, int prefix);
/*
 * Parses the [plugin:asm-active] allow list ("loopback, private,
 * link-local"); CP_E_CONFIG with why for another word.
 */
cp_err cp_asm_allow_parse(const char *list, unsigned *allow, char *why,
    size_t why_size);
/*
 * CP_OK when a block of these classes may be scanned under allow, else
 * CP_E_PERM with why naming the class and the setting that allows it
 * (metadata and reserved addresses never may).
 */
cp_err cp_asm_allowed(unsigned classes, unsigned allow, const char *what,
    char *why, size_t why_size);

/* ---- the targets of a portal (store) ---- */
cp_err cp_asm_target_add(cp_store *st, int64_t portal_id,
    const struct cp_asm_target *t);
/* CP_E_NOTFOUND when portal has no such target. */
cp_err cp_asm_target_remove(cp_store *st, int64_t portal_id,
    const char *text);
typedef cp_err (*cp_asm_target_fn)(void *ud, const char *text,
    const char *kind, const char *created);
cp_err cp_asm_target_list(cp_store *st, int64_t portal_id,
    cp_asm_target_fn fn, void *ud);
/*
 * Whether t is registered: the same text, or (an address) inside a
 * registered block.  *yes is 1 or 0.
 */
cp_err cp_asm_target_registered(cp_store *st, int64_t portal_id,
    const struct cp_asm_target *t, int *yes);

/*
 * Whether b covers t: the same name, or address block b holds address or
 * block t.  1 or 0.
 */
int cp_asm_target_covers(const struct cp_asm_target *b,
    const struct cp_asm_target *t);

/*
 * ---- exclusions: derived targets the operator never wants scanned ----
 * text as cp_asm_target_parse normalised it.  add: CP_E_EXISTS when it is
 * excluded already; remove (lifting it): CP_E_NOTFOUND when it is not.
 */
cp_err cp_asm_exclusion_add(cp_store *st, int64_t portal_id,
    const char *text);
cp_err cp_asm_exclusion_remove(cp_store *st, int64_t portal_id,
    const char *text);
typedef cp_err (*cp_asm_exclusion_fn)(void *ud, const char *text,
    const char *created);
cp_err cp_asm_exclusion_list(cp_store *st, int64_t portal_id,
    cp_asm_exclusion_fn fn, void *ud);

/*
 * ---- targets derived from the snapshots (derived.c) ----
 * The public addresses and DNS names of the assets the asset ledger calls
 * public (A) in the latest snapshot of each unit of a portal: AWS
 * instances, interfaces, Elastic IPs, internet-facing load balancers,
 * publicly accessible RDS instances; Azure public IP addresses.  One entry
 * per target, the first resource that named it being its source; IPv6
 * addresses in canonical form, names lower-cased.  An address the
 * configuration may refuse (loopback, private...) is kept, with its
 * classes, for the scan to skip with a note.
 */
#define CP_ASM_DERIVED_MAX 100000	/* derived targets of one portal */
#define CP_ASM_DERIVED_NOTES_MAX 100	/* notes kept about units */

struct cp_asm_derived {
	struct cp_asm_target t;
	unsigned classes;		/* cp_asm_classify; 0 for a name */
	int excluded;			/* in asm_target_exclusions */
	const char *env, *cloud, *unit;	/* owned by the set */
	const char *type, *id, *name;	/* the resource it came from */
	const char *seen;		/* the snapshot's collected_at */
};

typedef struct cp_asm_derived_set cp_asm_derived_set;

/*
 * Reads the latest snapshots of every unit of portal_id under state_dir
 * into a new set (cp_asm_derived_destroy); notes are in lang ("en" or
 * "ja").  A unit never inspected, of a
 * cloud without rules, or whose snapshot this build cannot read gives a
 * note (cp_asm_derived_note), not an error.  Errors: the store's
 * (CP_E_STORE...), CP_E_NOMEM, CP_E_LIMIT beyond CP_ASM_DERIVED_MAX, with
 * why.
 */
cp_err cp_asm_derived_load(cp_store *st, int64_t portal_id,
    const char *state_dir, const char *lang, cp_asm_derived_set **out,
    char *why, size_t why_size);
void cp_asm_derived_destroy(cp_asm_derived_set *s);
size_t cp_asm_derived_count(const cp_asm_derived_set *s);
/* Entry i (< count), in the order found: env, unit, the ledger's order. */
const struct cp_asm_derived *cp_asm_derived_at(const cp_asm_derived_set *s,
    size_t i);
/* The entry whose normalised text is text, or NULL. */
const struct cp_asm_derived *cp_asm_derived_find(
    const cp_asm_derived_set *s, const char *text);
size_t cp_asm_derived_note_count(const cp_asm_derived_set *s);
const char *cp_asm_derived_note(const cp_asm_derived_set *s, size_t i);
/*
 * Whether t is one of the portal's targets: added (or inside an added
 * block), or derived and not excluded.  The derived set is loaded into
 * *derived when needed and not there yet (with state_dir; NULL: added
 * ones only); the caller destroys it.  why on an error.
 */
cp_err cp_asm_target_known(cp_store *st, int64_t portal_id,
    const char *state_dir, const char *lang, const struct cp_asm_target *t,
    cp_asm_derived_set **derived, int *yes, char *why, size_t why_size);
/* "ENV/UNIT TYPE ID", where d came from. */
void cp_asm_derived_source(const struct cp_asm_derived *d, char *buf,
    size_t n);
/* The class words of classes ("loopback, private"), "" for none. */
void cp_asm_class_words(unsigned classes, char *buf, size_t n);

/* Address i of block t (i < 2^(bits - prefix)), as text. */
void cp_asm_cidr_addr(const struct cp_asm_target *t, uint32_t i, char *out,
    size_t n);
/* How many addresses block t holds. */
uint32_t cp_asm_cidr_size(const struct cp_asm_target *t);

/* ---- the audit trail ---- */
struct cp_asm_scan {
	int64_t portal_id;
	const char *who;
	const char *targets;		/* JSON array */
	size_t n_targets;
	const char *ports;
	const char *source;
	const char *user_agent;
};
/* Records a scan starting (status running, or refused with outcome). */
cp_err cp_asm_scan_begin(cp_store *st, const struct cp_asm_scan *s,
    const char *status, const char *outcome, int64_t *id);
cp_err cp_asm_scan_finish(cp_store *st, int64_t id, const char *status,
    const char *outcome, size_t open_ports);
/* Stores one observation (the plugin's "port" object) of scan id. */
cp_err cp_asm_observation_add(cp_store *st, int64_t scan_id,
    int64_t portal_id, const char *target, const json_t *obs);

struct cp_asm_scan_row {
	int64_t id;
	char who[64];
	char started[32];
	char finished[32];
	char targets[1024];
	long long n_targets;
	char ports[256];
	char source[64];
	char user_agent[128];
	char status[16];
	char outcome[512];
	long long open_ports;
};
typedef cp_err (*cp_asm_scan_fn)(void *ud, const struct cp_asm_scan_row *r);
/* The scans of a portal, the newest first, at most limit. */
cp_err cp_asm_scan_list(cp_store *st, int64_t portal_id, size_t limit,
    cp_asm_scan_fn fn, void *ud);
/*
 * The distinct CPE names of the latest observation of every port of the
 * portal (of target only, unless NULL), sorted: what the ASM report looks
 * up.  A new JSON array of strings in *out.
 */
cp_err cp_asm_cpes(cp_store *st, int64_t portal_id, const char *target,
    json_t **out);

#endif /* CP_ASM_H */
