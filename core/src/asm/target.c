/*
 * target.c - what a portal may scan actively: parsing and normalising
 * targets, the address classes never scanned without the configuration's
 * consent (loopback, private, link-local; metadata and reserved never),
 * the asm_targets table, and the exclusions of derived targets
 * (asm_target_exclusions; the derived targets are in derived.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asm/asm.h"
#include "store/store_priv.h"

/* An FQDN: labels of [a-z0-9-] (and "_"), 1-63 bytes, 253 in all. */
static int
fqdn_ok(const char *s)
{
	size_t len = strlen(s), lab = 0, i;
	int alpha = 0;

	if (len == 0 || len > 253 || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return 0;
			lab = 0;
			continue;
		}
		if (!isalnum(ch) && ch != '-' && ch != '_')
			return 0;
		if (lab == 0 && ch == '-')
			return 0;
		if (isalpha(ch))
			alpha = 1;
		if (++lab > 63)
			return 0;
	}
	return alpha;
}

cp_err
cp_asm_target_parse(const char *s, struct cp_asm_target *out, char *why,
    size_t why_size)
{
	char buf[CP_ASM_TARGET_MAX], *slash;
	int bits, i;
	size_t len;

	memset(out, 0, sizeof(*out));
	len = s != NULL ? strlen(s) : 0;
	if (len == 0 || len >= sizeof(buf)) {
		snprintf(why, why_size, "a target is an IP address, a CIDR "
		    "block or an FQDN of at most 253 characters");
		return CP_E_INVALID;
	}
	memcpy(buf, s, len + 1);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		bits = 128;
	} else if (slash == NULL && fqdn_ok(buf)) {
		out->kind = CP_ASM_FQDN;
		for (i = 0; buf[i] != '\0'; i++)
			out->text[i] = (char)tolower((unsigned char)buf[i]);
		return CP_OK;
	} else {
		snprintf(why, why_size, "'%.260s' is not an IP address, a CIDR "
		    "block or an FQDN", s);
		return CP_E_INVALID;
	}
	out->prefix = bits;
	out->kind = CP_ASM_IP;
	if (slash != NULL) {
		char *end;
		long p = strtol(slash + 1, &end, 10);

		if (slash[1] == '\0' || *end != '\0' || p < 0 || p > bits ||
		    !isdigit((unsigned char)slash[1])) {
			snprintf(why, why_size, "'%.260s': the prefix length "
			    "must be 0-%d", s, bits);
			return CP_E_INVALID;
		}
		out->prefix = (int)p;
		out->kind = p == bits ? CP_ASM_IP : CP_ASM_CIDR;
		for (i = out->prefix; i < bits; i++)
			if ((out->addr[i / 8] & (0x80u >> (i % 8))) != 0) {
				snprintf(why, why_size, "'%.260s' has host bits "
				    "set: the network is written with zeros "
				    "after the prefix", s);
				return CP_E_INVALID;
			}
		if (bits - out->prefix > 16) {
			snprintf(why, why_size, "'%.260s' holds 2^%d addresses; "
			    "a block may hold at most %u (a /%d): split it",
			    s, bits - out->prefix, CP_ASM_CIDR_MAX, bits - 16);
			return CP_E_LIMIT;
		}
	}
	inet_ntop(out->family, out->addr, out->text, sizeof(out->text));
	if (out->kind == CP_ASM_CIDR) {
		len = strlen(out->text);
		snprintf(out->text + len, sizeof(out->text) - len, "/%d",
		    out->prefix);
	}
	return CP_OK;
}

struct range {
	int family;
	unsigned char addr[16];
	int prefix;
	unsigned cls;
};

/* The special blocks (IANA special-purpose registries). */
static const struct range ranges[] = {
	{ AF_INET, { 127 }, 8, CP_ASM_ADDR_LOOPBACK },
	{ AF_INET, { 10 }, 8, CP_ASM_ADDR_PRIVATE },
	{ AF_INET, { 172, 16 }, 12, CP_ASM_ADDR_PRIVATE },
	{ AF_INET, { 192, 168 }, 16, CP_ASM_ADDR_PRIVATE },
	{ AF_INET, { 100, 64 }, 10, CP_ASM_ADDR_PRIVATE },
	{ AF_INET, { 169, 254 }, 16, CP_ASM_ADDR_LINKLOCAL },
	{ AF_INET, { 169, 254, 169, 254 }, 32, CP_ASM_ADDR_METADATA },
	{ AF_INET, { 168, 63, 129, 16 }, 32, CP_ASM_ADDR_METADATA },
	{ AF_INET, { 0 }, 8, CP_ASM_ADDR_RESERVED },
	{ AF_INET, { 224 }, 4, CP_ASM_ADDR_RESERVED },
	{ AF_INET, { 240 }, 4, CP_ASM_ADDR_RESERVED },
	{ AF_INET6, { 0 }, 127, CP_ASM_ADDR_RESERVED },	/* :: and ::1 */
	{ AF_INET6, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128,
	    CP_ASM_ADDR_LOOPBACK },
	{ AF_INET6, { 0xfc }, 7, CP_ASM_ADDR_PRIVATE },
	{ AF_INET6, { 0xfe, 0x80 }, 10, CP_ASM_ADDR_LINKLOCAL },
	{ AF_INET6, { 0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0x02, 0x54 }, 128, CP_ASM_ADDR_METADATA },
	{ AF_INET6, { 0xff }, 8, CP_ASM_ADDR_RESERVED },
};

/* Whether the first bits of a and b agree. */
static int
same_prefix(const unsigned char *a, const unsigned char *b, int bits)
{
	int i;

	for (i = 0; i < bits; i++) {
		unsigned m = 0x80u >> (i % 8);

		if ((a[i / 8] & m) != (b[i / 8] & m))
			return 0;
	}
	return 1;
}

unsigned
cp_asm_classify(int family, const unsigned char *addr, int prefix)
{
	unsigned cls = 0;
	size_t i;

	for (i = 0; i < CP_ARRAY_LEN(ranges); i++) {
		const struct range *r = &ranges[i];
		int bits = r->prefix < prefix ? r->prefix : prefix;

		if (r->family != family)
			continue;
		/* ::/127 holds ::1 too: loopback says it better. */
		if (family == AF_INET6 && r->prefix == 127 && prefix == 128 &&
		    addr[15] == 1)
			continue;
		if (same_prefix(addr, r->addr, bits))
			cls |= r->cls;
	}
	/* IPv4-mapped IPv6 (::ffff:a.b.c.d) is what its IPv4 address is. */
	if (family == AF_INET6 && prefix >= 96 && memcmp(addr,
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
		cls |= cp_asm_classify(AF_INET, addr + 12, prefix - 96);
	return cls;
}

cp_err
cp_asm_allow_parse(const char *list, unsigned *allow, char *why,
    size_t why_size)
{
	const char *p = list;

	*allow = 0;
	while (p != NULL && *p != '\0') {
		size_t n;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		if (n == 8 && strncmp(p, "loopback", n) == 0)
			*allow |= CP_ASM_ADDR_LOOPBACK;
		else if (n == 7 && strncmp(p, "private", n) == 0)
			*allow |= CP_ASM_ADDR_PRIVATE;
		else if (n == 10 && strncmp(p, "link-local", n) == 0)
			*allow |= CP_ASM_ADDR_LINKLOCAL;
		else {
			snprintf(why, why_size, "[plugin:asm-active] allow: "
			    "unknown word '%.*s' (loopback, private, "
			    "link-local)", (int)(n > 40 ? 40 : n), p);
			return CP_E_CONFIG;
		}
		p += n;
	}
	return CP_OK;
}

cp_err
cp_asm_allowed(unsigned cls, unsigned allow, const char *what, char *why,
    size_t why_size)
{
	static const struct {
		unsigned cls;
		const char *name;
	} names[] = {
		{ CP_ASM_ADDR_METADATA, "a cloud metadata address" },
		{ CP_ASM_ADDR_RESERVED, "a reserved address (unspecified, "
		    "multicast or future use)" },
		{ CP_ASM_ADDR_LOOPBACK, "a loopback address" },
		{ CP_ASM_ADDR_LINKLOCAL, "a link-local address" },
		{ CP_ASM_ADDR_PRIVATE, "a private address" },
	};
	size_t i;

	/* No allow list lets metadata or reserved addresses through. */
	allow &= CP_ASM_ADDR_LOOPBACK | CP_ASM_ADDR_PRIVATE |
	    CP_ASM_ADDR_LINKLOCAL;
	for (i = 0; i < CP_ARRAY_LEN(names); i++) {
		if ((cls & names[i].cls) == 0 || (allow & names[i].cls) != 0)
			continue;
		if (names[i].cls == CP_ASM_ADDR_METADATA ||
		    names[i].cls == CP_ASM_ADDR_RESERVED)
			snprintf(why, why_size, "%s is or holds %s: never "
			    "scanned", what, names[i].name);
		else
			snprintf(why, why_size, "%s is or holds %s: refused "
			    "unless [plugin:asm-active] allow names %s", what,
			    names[i].name, names[i].cls == CP_ASM_ADDR_LOOPBACK ?
			    "loopback" : names[i].cls == CP_ASM_ADDR_PRIVATE ?
			    "private" : "link-local");
		return CP_E_PERM;
	}
	return CP_OK;
}

void
cp_asm_class_words(unsigned cls, char *buf, size_t n)
{
	static const struct {
		unsigned cls;
		const char *word;
	} words[] = {
		{ CP_ASM_ADDR_LOOPBACK, "loopback" },
		{ CP_ASM_ADDR_PRIVATE, "private" },
		{ CP_ASM_ADDR_LINKLOCAL, "link-local" },
		{ CP_ASM_ADDR_METADATA, "metadata" },
		{ CP_ASM_ADDR_RESERVED, "reserved" },
	};
	size_t i, len = 0;

	if (n > 0)
		buf[0] = '\0';
	for (i = 0; i < CP_ARRAY_LEN(words) && len < n; i++) {
		if ((cls & words[i].cls) == 0)
			continue;
		snprintf(buf + len, n - len, "%s%s", len > 0 ? ", " : "",
		    words[i].word);
		len += strlen(buf + len);
	}
}

uint32_t
cp_asm_cidr_size(const struct cp_asm_target *t)
{
	int bits = t->family == AF_INET ? 32 : 128;

	if (t->kind != CP_ASM_CIDR)
		return 1;
	return (uint32_t)1u << (bits - t->prefix);
}

void
cp_asm_cidr_addr(const struct cp_asm_target *t, uint32_t i, char *out,
    size_t n)
{
	unsigned char a[16];
	int last = t->family == AF_INET ? 3 : 15;
	uint32_t carry = i;
	int k;

	memcpy(a, t->addr, sizeof(a));
	for (k = last; k >= 0 && carry != 0; k--) {
		uint32_t v = a[k] + (carry & 0xffu);

		a[k] = (unsigned char)(v & 0xffu);
		carry = (carry >> 8) + (v >> 8);
	}
	if (inet_ntop(t->family, a, out, (socklen_t)n) == NULL && n > 0)
		out[0] = '\0';
}

cp_err
cp_asm_target_add(cp_store *st, int64_t portal_id,
    const struct cp_asm_target *t)
{
	static const char *const kinds[] = { "", "ip", "cidr", "fqdn" };
	sqlite3_stmt *stmt = NULL;
	char now[32];
	cp_err r;
	int rc = SQLITE_DONE;

	r = cp_store_prepare(st, "INSERT INTO asm_targets (portal_id, target,"
	    " kind, created) VALUES (?1, ?2, ?3, ?4)", &stmt,
	    "adding a target");
	if (r != CP_OK)
		return r;
	cp_store_now(now, sizeof(now));
	sqlite3_bind_int64(stmt, 1, portal_id);
	cp_store_bind_text(stmt, 2, t->text);
	cp_store_bind_text(stmt, 3, kinds[t->kind]);
	cp_store_bind_text(stmt, 4, now);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "adding a target");
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_asm_target_remove(cp_store *st, int64_t portal_id, const char *text)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc = SQLITE_DONE;

	r = cp_store_prepare(st, "DELETE FROM asm_targets WHERE portal_id = ?1"
	    " AND target = ?2", &stmt, "removing a target");
	if (r != CP_OK)
		return r;
	sqlite3_bind_int64(stmt, 1, portal_id);
	cp_store_bind_text(stmt, 2, text);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "removing a target");
	else if (sqlite3_changes(sqlite3_db_handle(stmt)) == 0)
		r = cp_store_fail(st, CP_E_NOTFOUND, "no target '%s'", text);
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_asm_target_list(cp_store *st, int64_t portal_id, cp_asm_target_fn fn,
    void *ud)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc = SQLITE_DONE;

	r = cp_store_prepare(st, "SELECT target, kind, created FROM "
	    "asm_targets WHERE portal_id = ?1 ORDER BY id", &stmt,
	    "listing targets");
	if (r != CP_OK)
		return r;
	sqlite3_bind_int64(stmt, 1, portal_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && r == CP_OK)
		r = fn(ud, (const char *)sqlite3_column_text(stmt, 0),
		    (const char *)sqlite3_column_text(stmt, 1),
		    (const char *)sqlite3_column_text(stmt, 2));
	if (r == CP_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = cp_store_sqlfail(st, rc, "listing targets");
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_asm_target_registered(cp_store *st, int64_t portal_id,
    const struct cp_asm_target *t, int *yes)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc = SQLITE_DONE;

	*yes = 0;
	r = cp_store_prepare(st, "SELECT target, kind FROM asm_targets WHERE "
	    "portal_id = ?1 AND (target = ?2 OR kind = 'cidr')", &stmt,
	    "looking a target up");
	if (r != CP_OK)
		return r;
	sqlite3_bind_int64(stmt, 1, portal_id);
	cp_store_bind_text(stmt, 2, t->text);
	while (!*yes && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(stmt, 0);
		struct cp_asm_target b;
		char why[64];

		if (strcmp(text, t->text) == 0) {
			*yes = 1;
			break;
		}
		if (t->kind == CP_ASM_FQDN || cp_asm_target_parse(text, &b, why,
		    sizeof(why)) != CP_OK)
			continue;
		if (cp_asm_target_covers(&b, t))
			*yes = 1;
	}
	sqlite3_finalize(stmt);
	return CP_OK;
}

int
cp_asm_target_covers(const struct cp_asm_target *b,
    const struct cp_asm_target *t)
{
	if (b->kind == CP_ASM_FQDN || t->kind == CP_ASM_FQDN)
		return b->kind == t->kind && strcmp(b->text, t->text) == 0;
	return b->family == t->family && b->prefix <= t->prefix &&
	    same_prefix(b->addr, t->addr, b->prefix);
}

/* ---- exclusions of derived targets ---- */

/* One statement on (portal_id, text) that changes a row, or fails. */
static cp_err
exclusion_exec(cp_store *st, const char *sql, int64_t portal_id,
    const char *text, const char *what)
{
	sqlite3_stmt *stmt = NULL;
	char now[32];
	cp_err r;
	int rc;

	r = cp_store_prepare(st, sql, &stmt, what);
	if (r != CP_OK)
		return r;
	cp_store_now(now, sizeof(now));
	sqlite3_bind_int64(stmt, 1, portal_id);
	cp_store_bind_text(stmt, 2, text);
	if (sqlite3_bind_parameter_count(stmt) >= 3)
		cp_store_bind_text(stmt, 3, now);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, what);
	else if (sqlite3_changes(sqlite3_db_handle(stmt)) == 0)
		r = cp_store_fail(st, CP_E_NOTFOUND, "'%s' is not excluded",
		    text);
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_asm_exclusion_add(cp_store *st, int64_t portal_id, const char *text)
{
	return exclusion_exec(st, "INSERT INTO asm_target_exclusions "
	    "(portal_id, target, created) VALUES (?1, ?2, ?3)", portal_id,
	    text, "excluding a target");
}

cp_err
cp_asm_exclusion_remove(cp_store *st, int64_t portal_id, const char *text)
{
	return exclusion_exec(st, "DELETE FROM asm_target_exclusions WHERE "
	    "portal_id = ?1 AND target = ?2", portal_id, text,
	    "lifting an exclusion");
}

cp_err
cp_asm_exclusion_list(cp_store *st, int64_t portal_id,
    cp_asm_exclusion_fn fn, void *ud)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc = SQLITE_DONE;

	r = cp_store_prepare(st, "SELECT target, created FROM "
	    "asm_target_exclusions WHERE portal_id = ?1 ORDER BY id", &stmt,
	    "listing exclusions");
	if (r != CP_OK)
		return r;
	sqlite3_bind_int64(stmt, 1, portal_id);
	while (r == CP_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		r = fn(ud, (const char *)sqlite3_column_text(stmt, 0),
		    (const char *)sqlite3_column_text(stmt, 1));
	if (r == CP_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = cp_store_sqlfail(st, rc, "listing exclusions");
	sqlite3_finalize(stmt);
	return r;
}
