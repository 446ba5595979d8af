/*
 * test_sqlfuncs.c - the SQL helpers through SQL, with their edge cases:
 * IPv6, CIDR boundaries, port ranges, dates, parameters, countries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cptest.h"
#include "policy/sqlfuncs.h"

#define NOW 1714521600	/* 2024-05-01T00:00:00Z */

static sqlite3 *db;
static struct cp_sqlfuncs funcs;
static cp_geoip *geo;
static struct cp_policy pol;
static struct cp_policy_param params[4];
static json_t *defs, *given;

/* The first value of sql as text; "NULL" for NULL, "ERR: msg" on error. */
static const char *
q(const char *sql)
{
	static char out[512];
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(out, sizeof(out), "ERR: %s", sqlite3_errmsg(db));
		return out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_NULL)
		snprintf(out, sizeof(out), "NULL");
	else if (rc == SQLITE_ROW)
		snprintf(out, sizeof(out), "%s",
		    (const char *)sqlite3_column_text(st, 0));
	else
		snprintf(out, sizeof(out), "ERR: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return out;
}

/* Checks "SELECT <expr>" gives want, and prints both when not. */
static void
check(const char *expr, const char *want, int line)
{
	char sql[512];
	const char *got;

	snprintf(sql, sizeof(sql), "SELECT %s", expr);
	got = q(sql);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\nline %d: %s = %s, want %s\n", line, expr,
		    got, want);
	CU_ASSERT_STRING_EQUAL(got, want);
}

#define CHECK(expr, want) check(expr, want, __LINE__)

static void
test_sqlfuncs_cidr_is_any(void)
{
	CHECK("cidr_is_any('0.0.0.0/0')", "1");
	CHECK("cidr_is_any(' 0.0.0.0/0 ')", "1");
	CHECK("cidr_is_any('::/0')", "1");
	CHECK("cidr_is_any('::0/0')", "1");
	CHECK("cidr_is_any('*')", "1");
	CHECK("cidr_is_any('Internet')", "1");
	CHECK("cidr_is_any('INTERNET')", "1");
	CHECK("cidr_is_any('Any')", "1");
	CHECK("cidr_is_any('any')", "1");
	CHECK("cidr_is_any('0.0.0.0')", "0");
	CHECK("cidr_is_any('0.0.0.0/1')", "0");
	CHECK("cidr_is_any('10.0.0.0/8')", "0");
	CHECK("cidr_is_any('VirtualNetwork')", "0");
	CHECK("cidr_is_any('')", "0");
	CHECK("cidr_is_any(NULL)", "NULL");
}

static void
test_sqlfuncs_cidr_is_public_ipv4(void)
{
	CHECK("cidr_is_public('8.8.8.8')", "1");
	CHECK("cidr_is_public('8.8.8.0/24')", "1");
	CHECK("cidr_is_public('0.0.0.0/0')", "1");
	CHECK("cidr_is_public('*')", "1");
	CHECK("cidr_is_public('Internet')", "1");
	CHECK("cidr_is_public('10.1.2.3')", "0");
	CHECK("cidr_is_public('10.0.0.0/8')", "0");
	CHECK("cidr_is_public('10.0.0.0/7')", "1");	/* has 11/8 */
	CHECK("cidr_is_public('10.1.2.3/8')", "0");	/* host bits */
	CHECK("cidr_is_public('172.15.255.255')", "1");
	CHECK("cidr_is_public('172.16.0.0')", "0");
	CHECK("cidr_is_public('172.31.255.255')", "0");
	CHECK("cidr_is_public('172.32.0.0')", "1");
	CHECK("cidr_is_public('172.16.0.0/12')", "0");
	CHECK("cidr_is_public('172.16.0.0/11')", "1");
	CHECK("cidr_is_public('192.168.0.0/16')", "0");
	CHECK("cidr_is_public('192.168.0.0/15')", "1");
	CHECK("cidr_is_public('100.64.0.1')", "0");	/* CGNAT */
	CHECK("cidr_is_public('100.127.255.255')", "0");
	CHECK("cidr_is_public('100.128.0.0')", "1");
	CHECK("cidr_is_public('169.254.169.254')", "0");
	CHECK("cidr_is_public('127.0.0.1')", "0");
	CHECK("cidr_is_public('0.1.2.3')", "0");
	CHECK("cidr_is_public('192.0.2.5')", "0");
	CHECK("cidr_is_public('198.51.100.0/24')", "0");
	CHECK("cidr_is_public('203.0.113.9/32')", "0");
	CHECK("cidr_is_public('198.18.0.1')", "0");
	CHECK("cidr_is_public('198.20.0.1')", "1");
	CHECK("cidr_is_public('224.0.0.1')", "0");
	CHECK("cidr_is_public('255.255.255.255')", "0");
	CHECK("cidr_is_public('223.255.255.255')", "1");
	CHECK("cidr_is_public('VirtualNetwork')", "NULL");
	CHECK("cidr_is_public('10.0.0.0/33')", "NULL");
	CHECK("cidr_is_public('10.0.0.1/')", "NULL");
	CHECK("cidr_is_public('10.0.0.1/-1')", "NULL");
	CHECK("cidr_is_public('1.2.3')", "NULL");
	CHECK("cidr_is_public('1.2.3.4.5')", "NULL");
	CHECK("cidr_is_public('')", "NULL");
	CHECK("cidr_is_public(NULL)", "NULL");
}

static void
test_sqlfuncs_cidr_is_public_ipv6(void)
{
	CHECK("cidr_is_public('2606:4700::1111')", "1");
	CHECK("cidr_is_public('2a00:1450::/32')", "1");
	CHECK("cidr_is_public('::/0')", "1");
	CHECK("cidr_is_public('2000::/3')", "1");
	CHECK("cidr_is_public('::/1')", "1");	/* holds 2000::/3 */
	CHECK("cidr_is_public('4000::/2')", "0");
	CHECK("cidr_is_public('::')", "0");
	CHECK("cidr_is_public('::1')", "0");
	CHECK("cidr_is_public('fe80::1')", "0");
	CHECK("cidr_is_public('febf:ffff::1')", "0");
	CHECK("cidr_is_public('fd12:3456::1')", "0");
	CHECK("cidr_is_public('fc00::/7')", "0");
	CHECK("cidr_is_public('ff02::1')", "0");
	CHECK("cidr_is_public('2001:db8::1')", "0");
	CHECK("cidr_is_public('2001:db8::/32')", "0");
	CHECK("cidr_is_public('2001:db8::/31')", "1");
	CHECK("cidr_is_public('3fff:0fff::1')", "0");
	CHECK("cidr_is_public('3fff:1000::1')", "1");
	CHECK("cidr_is_public('::ffff:10.0.0.1')", "0");
	CHECK("cidr_is_public('::ffff:8.8.8.8')", "1");
	CHECK("cidr_is_public('::ffff:192.168.0.0/112')", "0");
	CHECK("cidr_is_public('64:ff9b::8.8.8.8')", "1");
	CHECK("cidr_is_public('64:ff9b::a00:1')", "0");
	CHECK("cidr_is_public('2001:db8::/129')", "NULL");
	CHECK("cidr_is_public('2001:db8:::1')", "NULL");
}

static void
test_sqlfuncs_port_in(void)
{
	CHECK("port_in('22', 22)", "1");
	CHECK("port_in('22', 23)", "0");
	CHECK("port_in(22, 22)", "1");
	CHECK("port_in('20-25', 19)", "0");
	CHECK("port_in('20-25', 20)", "1");
	CHECK("port_in('20-25', 25)", "1");
	CHECK("port_in('20-25', 26)", "0");
	CHECK("port_in(' 20 - 25 ', '22')", "1");
	CHECK("port_in('22,80,443-445', 444)", "1");
	CHECK("port_in('22,80,443-445', 81)", "0");
	CHECK("port_in('22, 80', 80)", "1");
	CHECK("port_in('*', 1)", "1");
	CHECK("port_in('-1', 65535)", "1");
	CHECK("port_in(-1, 0)", "1");
	CHECK("port_in('all', 7)", "1");
	CHECK("port_in('ALL', 7)", "1");
	CHECK("port_in('Any', 7)", "1");
	CHECK("port_in('0-65535', 3389)", "1");
	CHECK("port_in('[\"22\",\"80-90\"]', 85)", "1");
	CHECK("port_in('[22, 80]', 81)", "0");
	CHECK("port_in('[22, 80]', 80)", "1");
	/* A range as the port: true when they overlap. */
	CHECK("port_in('0-1024', '20-25')", "1");
	CHECK("port_in('25-30', '20-25')", "1");
	CHECK("port_in('26-30', '20-25')", "0");
	CHECK("port_in('22', '*')", "1");
	CHECK("port_in('22', '0-21')", "0");
	/* Not ports. */
	CHECK("port_in(NULL, 22)", "NULL");
	CHECK("port_in('22', NULL)", "NULL");
	CHECK("port_in('25-20', 22)", "NULL");
	CHECK("port_in('65536', 1)", "NULL");
	CHECK("port_in('22', 65536)", "NULL");
	CHECK("port_in('22', -5)", "NULL");
	CHECK("port_in('ssh', 22)", "NULL");
	CHECK("port_in('22,', 22)", "NULL");
	CHECK("port_in('', 22)", "NULL");
	CHECK("port_in('[]', 22)", "NULL");
	CHECK("port_in('[{}]', 22)", "NULL");
	CHECK("port_in('22', 22.5)", "NULL");
	CHECK("port_in('22', '22,23')", "NULL");
}

static void
test_sqlfuncs_days_since(void)
{
	CHECK("days_since('2024-04-30T00:00:00Z')", "1");
	CHECK("days_since('2024-04-30T00:00:01Z')", "0");
	CHECK("days_since('2024-05-01T00:00:00Z')", "0");
	CHECK("days_since('2024-05-01T00:00:01Z')", "-1");
	CHECK("days_since('2024-05-03T00:00:00Z')", "-2");
	CHECK("days_since('2024-01-02T03:04:05Z')", "119");
	CHECK("days_since('2024-04-30T00:00:00.123456Z')", "0");
	CHECK("days_since('2024-04-29T23:59:59.999Z')", "1");
	CHECK("days_since('2024-04-30T09:00:00+09:00')", "1");
	CHECK("days_since('2024-04-30T09:00:00+0900')", "1");
	CHECK("days_since('2024-04-29T19:00:00-05')", "1");
	CHECK("days_since('2024-04-29T20:00:00.5-04:00')", "0");
	CHECK("days_since('2024-04-29T20:00:00.000-04:00')", "1");
	CHECK("days_since('2024-05-01T00:00:00,5Z')", "-1");
	CHECK("days_since('2024-04-30 00:00:00')", "1");
	CHECK("days_since('2024-04-30T00:00Z')", "1");
	CHECK("days_since('2024-04-30t00:00:00z')", "1");
	CHECK("days_since('2024-04-01')", "30");
	CHECK("days_since('2024-02-29')", "62");
	CHECK("days_since('2000-02-29T12:00:00Z')", "8827");
	CHECK("days_since('1970-01-01')", "19844");
	CHECK("days_since('2023-02-29')", "NULL");
	CHECK("days_since('1900-02-29')", "NULL");
	CHECK("days_since('2024-13-01')", "NULL");
	CHECK("days_since('2024-04-31')", "NULL");
	CHECK("days_since('2024-04-30T24:00:00Z')", "NULL");
	CHECK("days_since('2024-04-30T00:60:00Z')", "NULL");
	CHECK("days_since('2024-04-30T00:00:00Zjunk')", "NULL");
	CHECK("days_since('2024-04-30T00:00:00.Z')", "NULL");
	CHECK("days_since('2024-4-30')", "NULL");
	CHECK("days_since('yesterday')", "NULL");
	CHECK("days_since('')", "NULL");
	CHECK("days_since(NULL)", "NULL");
	CHECK("days_since(1714521600)", "NULL");
}

static void
test_sqlfuncs_param(void)
{
	CHECK("param('max_age_days')", "30");		/* the portal's */
	CHECK("typeof(param('max_age_days'))", "integer");
	CHECK("param('ratio')", "0.5");			/* the default */
	CHECK("typeof(param('ratio'))", "real");
	CHECK("param('tag')", "owner");
	CHECK("param('countries')", "[\"JP\",\"US\"]");
	CHECK("(SELECT count(*) FROM json_each(param('countries')))", "2");
	CHECK("'US' IN (SELECT value FROM json_each(param('countries')))",
	    "1");
	CHECK("param('nope')",
	    "ERR: param('nope'): policy T-1 has no such parameter");
	CHECK("param(NULL)", "ERR: param(): the name must be text");
	/* While SQL is only being checked, there is no policy. */
	funcs.policy = NULL;
	CHECK("param('nope')", "NULL");
	funcs.policy = &pol;
	funcs.params = NULL;
	CHECK("param('max_age_days')", "90");
	funcs.params = given;
}

static void
test_sqlfuncs_country_of(void)
{
	CHECK("country_of('1.0.1.1')", "CN");
	CHECK("country_of(' 1.1.1.1 ')", "AU");
	CHECK("country_of('::ffff:1.0.0.1')", "AU");
	CHECK("country_of('10.0.0.1')", "NULL");
	CHECK("country_of('0.0.0.1')", "NULL");
	CHECK("country_of('not an ip')", "NULL");
	CHECK("country_of(NULL)", "NULL");
	funcs.geoip = NULL;
	CHECK("country_of('1.0.1.1')", "NULL");
	funcs.geoip = geo;
}

static int
setup(void)
{
	char v4[1024], why[256];

	snprintf(v4, sizeof(v4), "%s/tests/data/geoip/"
	    "ip2location-lite-db1-ipv4-sample.csv", CP_TEST_SRCDIR());
	if (cp_geoip_load(v4, NULL, &geo, why, sizeof(why)) != CP_OK) {
		fprintf(stderr, "%s\n", why);
		return -1;
	}
	defs = json_pack("{s:i, s:f, s:s, s:[s, s]}", "max_age_days", 90,
	    "ratio", 0.5, "tag", "owner", "countries", "JP", "US");
	given = json_pack("{s:i}", "max_age_days", 30);
	params[0].name = "max_age_days";
	params[0].type = CP_PARAM_INTEGER;
	params[1].name = "ratio";
	params[1].type = CP_PARAM_NUMBER;
	params[2].name = "tag";
	params[2].type = CP_PARAM_STRING;
	params[3].name = "countries";
	params[3].type = CP_PARAM_LIST;
	for (int i = 0; i < 4; i++)
		params[i].def = json_object_get(defs, params[i].name);
	pol.id = "T-1";
	pol.params = params;
	pol.n_params = 4;
	funcs.policy = &pol;
	funcs.params = given;
	funcs.geoip = geo;
	funcs.now = NOW;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    cp_sqlfuncs_register(db, &funcs) != CP_OK)
		return -1;
	return 0;
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{"cidr_is_any", test_sqlfuncs_cidr_is_any},
		{"cidr_is_public_ipv4", test_sqlfuncs_cidr_is_public_ipv4},
		{"cidr_is_public_ipv6", test_sqlfuncs_cidr_is_public_ipv6},
		{"port_in", test_sqlfuncs_port_in},
		{"days_since", test_sqlfuncs_days_since},
		{"param", test_sqlfuncs_param},
		{"country_of", test_sqlfuncs_country_of},
		{NULL, NULL},
	};
	int rc;

	if (setup() != 0)
		return 2;
	rc = cp_test_run("sqlfuncs", tests);
	sqlite3_close(db);
	cp_geoip_free(geo);
	json_decref(defs);
	json_decref(given);
	return rc;
}
