/*
 * test_target.c - the targets of active scans (asm/target.c): parsing and
 * normalising, the address classes and the allow list, blocks, and the
 * portal's targets and exclusions in a real store.
 */
#include <string.h>

#include "../store/storetest.h"
#include "asm/asm.h"

static void
test_target_parse_forms(void)
{
	static const struct {
		const char *in, *out;
		int kind, prefix;
	} ok[] = {
		{ "192.0.2.1", "192.0.2.1", CP_ASM_IP, 32 },
		{ "2001:DB8:0:0::1", "2001:db8::1", CP_ASM_IP, 128 },
		{ "192.0.2.0/24", "192.0.2.0/24", CP_ASM_CIDR, 24 },
		{ "2001:db8::/112", "2001:db8::/112", CP_ASM_CIDR, 112 },
		{ "WWW.Example.COM", "www.example.com", CP_ASM_FQDN, 0 },
	};
	struct cp_asm_target t;
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse(ok[i].in, &t, why,
		    sizeof(why)), CP_OK);
		CU_ASSERT_STRING_EQUAL(t.text, ok[i].out);
		CU_ASSERT_EQUAL(t.kind, ok[i].kind);
		if (ok[i].kind != CP_ASM_FQDN)
			CU_ASSERT_EQUAL(t.prefix, ok[i].prefix);
	}
}

static void
test_target_parse_refuses(void)
{
	static const struct {
		const char *in, *why;
		cp_err r;
	} bad[] = {
		{ "", "a target is", CP_E_INVALID },
		{ "192.0.2.1/24", "has host bits", CP_E_INVALID },
		{ "192.0.2.0/33", "the prefix length", CP_E_INVALID },
		{ "10.0.0.0/8", "split it", CP_E_LIMIT },
		{ "2001:db8::/64", "split it", CP_E_LIMIT },
		{ "a b", "is not an IP address", CP_E_INVALID },
		{ "http://x.example", "is not an IP address", CP_E_INVALID },
	};
	struct cp_asm_target t;
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		CU_ASSERT_EQUAL(cp_asm_target_parse(bad[i].in, &t, why,
		    sizeof(why)), bad[i].r);
		if (strstr(why, bad[i].why) == NULL)
			fprintf(stderr, "'%s': '%s' lacks '%s'\n", bad[i].in,
			    why, bad[i].why);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, bad[i].why));
	}
}

/* The classes of text (an address or a block). */
static unsigned
classes(const char *text)
{
	struct cp_asm_target t;
	char why[256];

	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse(text, &t, why, sizeof(why)),
	    CP_OK);
	return cp_asm_classify(t.family, t.addr, t.prefix);
}

static void
test_target_classes_and_allow(void)
{
	unsigned allow = 0;
	char why[256], words[64];

	CU_ASSERT_EQUAL(classes("203.0.113.7"), 0u);
	CU_ASSERT_EQUAL(classes("127.0.0.2"), CP_ASM_ADDR_LOOPBACK);
	CU_ASSERT_EQUAL(classes("::1"), CP_ASM_ADDR_LOOPBACK);
	CU_ASSERT_EQUAL(classes("10.1.2.3"), CP_ASM_ADDR_PRIVATE);
	CU_ASSERT_EQUAL(classes("100.64.0.1"), CP_ASM_ADDR_PRIVATE);
	CU_ASSERT_EQUAL(classes("fd00::1"), CP_ASM_ADDR_PRIVATE);
	CU_ASSERT(classes("169.254.169.254") & CP_ASM_ADDR_METADATA);
	CU_ASSERT(classes("fe80::1") & CP_ASM_ADDR_LINKLOCAL);
	CU_ASSERT(classes("0.0.0.0") & CP_ASM_ADDR_RESERVED);
	/* A block that holds a loopback address is loopback. */
	CU_ASSERT(classes("126.255.255.0/24") == 0u);
	cp_asm_class_words(CP_ASM_ADDR_LOOPBACK | CP_ASM_ADDR_PRIVATE, words,
	    sizeof(words));
	CU_ASSERT_STRING_EQUAL(words, "loopback, private");

	CU_ASSERT_EQUAL(cp_asm_allow_parse("loopback, private", &allow, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(allow, CP_ASM_ADDR_LOOPBACK | CP_ASM_ADDR_PRIVATE);
	CU_ASSERT_EQUAL(cp_asm_allow_parse("loopback, metadata", &allow, why,
	    sizeof(why)), CP_E_CONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "unknown word 'metadata'"));
	allow = 0;
	CU_ASSERT_EQUAL(cp_asm_allow_parse(NULL, &allow, why, sizeof(why)),
	    CP_OK);
	CU_ASSERT_EQUAL(allow, 0u);

	CU_ASSERT_EQUAL(cp_asm_allowed(CP_ASM_ADDR_LOOPBACK,
	    CP_ASM_ADDR_LOOPBACK, "x", why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_allowed(CP_ASM_ADDR_PRIVATE,
	    CP_ASM_ADDR_LOOPBACK, "10.1.2.3", why, sizeof(why)), CP_E_PERM);
	CU_ASSERT_STRING_EQUAL(why, "10.1.2.3 is or holds a private address: "
	    "refused unless [plugin:asm-active] allow names private");
	/* Metadata never, whatever allow says. */
	CU_ASSERT_EQUAL(cp_asm_allowed(CP_ASM_ADDR_METADATA |
	    CP_ASM_ADDR_LINKLOCAL, ~0u, "m", why, sizeof(why)), CP_E_PERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "never scanned"));
}

static void
test_target_blocks(void)
{
	struct cp_asm_target b, t;
	char why[256], addr[64];

	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse("192.0.2.0/30", &b, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_cidr_size(&b), 4u);
	cp_asm_cidr_addr(&b, 3, addr, sizeof(addr));
	CU_ASSERT_STRING_EQUAL(addr, "192.0.2.3");
	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse("192.0.2.2", &t, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_target_covers(&b, &t), 1);
	CU_ASSERT_EQUAL(cp_asm_target_covers(&t, &b), 0);
	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse("192.0.2.4", &t, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_target_covers(&b, &t), 0);
	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse("2001:db8::ff00/120", &b,
	    why, sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_cidr_size(&b), 256u);
	cp_asm_cidr_addr(&b, 255, addr, sizeof(addr));
	CU_ASSERT_STRING_EQUAL(addr, "2001:db8::ffff");
	/* A name covers the same name only. */
	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse("a.example", &b, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse("A.example", &t, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_target_covers(&b, &t), 1);
}

/* "text kind" of every target, joined. */
static cp_err
list_one(void *ud, const char *text, const char *kind, const char *created)
{
	char *buf = ud;
	size_t len = strlen(buf);

	CU_ASSERT_PTR_NOT_NULL(created);
	snprintf(buf + len, 512 - len, "%s %s; ", text, kind);
	return CP_OK;
}

static cp_err
list_excl(void *ud, const char *text, const char *created)
{
	char *buf = ud;
	size_t len = strlen(buf);

	(void)created;
	snprintf(buf + len, 512 - len, "%s; ", text);
	return CP_OK;
}

static void
test_target_store(void)
{
	struct st_fixture f;
	struct cp_asm_target t;
	cp_store *st = st_open_new(&f);
	int64_t p1, p2;
	char why[256], buf[512] = "";
	int yes = 0;

	CU_ASSERT_EQUAL_FATAL(cp_portal_add(st, "a", "en", &p1), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_portal_add(st, "b", "en", &p2), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse("192.0.2.0/29", &t, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_target_add(st, p1, &t), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_target_add(st, p1, &t), CP_E_EXISTS);
	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse("www.example.com", &t, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_target_add(st, p1, &t), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_target_list(st, p1, list_one, buf), CP_OK);
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.0/29 cidr; www.example.com fqdn; ");
	/* An address inside the block is registered; not for portal b. */
	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse("192.0.2.7", &t, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_target_registered(st, p1, &t, &yes), CP_OK);
	CU_ASSERT_EQUAL(yes, 1);
	CU_ASSERT_EQUAL(cp_asm_target_registered(st, p2, &t, &yes), CP_OK);
	CU_ASSERT_EQUAL(yes, 0);
	CU_ASSERT_EQUAL_FATAL(cp_asm_target_parse("192.0.2.8", &t, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_target_registered(st, p1, &t, &yes), CP_OK);
	CU_ASSERT_EQUAL(yes, 0);
	CU_ASSERT_EQUAL(cp_asm_target_remove(st, p1, "www.example.com"),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_asm_target_remove(st, p1, "www.example.com"),
	    CP_E_NOTFOUND);
	buf[0] = '\0';
	CU_ASSERT_EQUAL(cp_asm_target_list(st, p1, list_one, buf), CP_OK);
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.0/29 cidr; ");

	/* Exclusions, per portal. */
	CU_ASSERT_EQUAL(cp_asm_exclusion_add(st, p1, "198.51.100.7"), CP_OK);
	CU_ASSERT_EQUAL(cp_asm_exclusion_add(st, p1, "198.51.100.7"),
	    CP_E_EXISTS);
	CU_ASSERT_EQUAL(cp_asm_exclusion_add(st, p1, "a.example"), CP_OK);
	buf[0] = '\0';
	CU_ASSERT_EQUAL(cp_asm_exclusion_list(st, p1, list_excl, buf), CP_OK);
	CU_ASSERT_STRING_EQUAL(buf, "198.51.100.7; a.example; ");
	buf[0] = '\0';
	CU_ASSERT_EQUAL(cp_asm_exclusion_list(st, p2, list_excl, buf), CP_OK);
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT_EQUAL(cp_asm_exclusion_remove(st, p1, "198.51.100.7"),
	    CP_OK);
	CU_ASSERT_EQUAL(cp_asm_exclusion_remove(st, p1, "198.51.100.7"),
	    CP_E_NOTFOUND);
	cp_store_close(st);
	st_fixture_done(&f);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "parse forms", test_target_parse_forms },
		{ "parse refuses", test_target_parse_refuses },
		{ "classes and allow", test_target_classes_and_allow },
		{ "blocks", test_target_blocks },
		{ "store", test_target_store },
		{ NULL, NULL },
	};

	return cp_test_run("target", tests);
}
