/*
 * test_message.c - rendering every kind of notice in English and Japanese:
 * the values are all there, in text and in blocks; bounds and escaping.
 */
#include "notify/message.h"
#include "notifytest.h"

#define RISK                                                              \
	"{\"type\": \"risk\", \"policy\": \"TC-1\", \"unit\": \"111\", "  \
	"\"unit_id\": 1, \"resource\": \"sg-0abc\", \"resource_name\": "  \
	"\"web-sg\", \"detail\": \"inbound 22 from anywhere\", "        \
	"\"value\": \"0.0.0.0/0:22\", \"condition\": \"source=any "       \
	"port=22\", \"first_seen\": 1700000000, \"finding_id\": 9, "     \
	"\"repeat\": false}"

/* A pack with TC-1 (remediable, parameter port) and TC-2. */
static void
pack(struct nt_fx *x)
{
	nt_policy(x, "TC-1", "exposure", "high", "[\"testcloud/x\"]",
	    "\"remediation\": {\"action\": \"revoke-rule\", \"params\": {}}, "
	    "\"params\": [{\"name\": \"port\", \"type\": \"integer\", "
	    "\"default\": 22, \"min\": 1, \"max\": 65535, \"description\": "
	    "{\"en\": \"port\", \"ja\": \"ポート\"}}]");
	nt_policy(x, "TC-2", "account-management", "medium",
	    "[\"testcloud/x\"]", "");
	nt_load(x);
}

/* Renders text (JSON) with the usual context in lang. */
static json_t *
render(struct nt_fx *x, const char *text, const char *lang,
    const json_t *params)
{
	struct cp_render_ctx c;
	json_t *pl = json_loads(text, 0, NULL), *m = NULL;
	char why[256];
	cp_err r;

	CU_ASSERT_FATAL(pl != NULL);
	memset(&c, 0, sizeof(c));
	c.lang = lang;
	c.message_id = "<cp.1.2@host>";
	c.set = x != NULL ? x->set : NULL;
	c.portal = "acme";
	c.env = "prod";
	c.cloud = "testcloud";
	c.unit_name = "main";
	c.params = params;
	r = cp_notify_render(pl, &c, &m, why, sizeof(why));
	if (r != CP_OK)
		fprintf(stderr, "render: %s\n", why);
	CU_ASSERT_EQUAL(r, CP_OK);
	json_decref(pl);
	return m;
}

/* The value shown for label in the fields blocks, or NULL. */
static const char *
field(const json_t *m, const char *label)
{
	const json_t *b, *pair;
	size_t i, j;

	json_array_foreach(json_object_get(m, "blocks"), i, b) {
		if (strcmp(nt_js(b, "type"), "fields") != 0)
			continue;
		json_array_foreach(json_object_get(b, "fields"), j, pair)
			if (strcmp(json_string_value(json_array_get(pair, 0)),
			    label) == 0)
				return json_string_value(json_array_get(pair,
				    1));
	}
	return NULL;
}

/* Whether the text of m holds s. */
static int
text_has(const json_t *m, const char *s)
{
	if (strstr(nt_js(m, "text"), s) != NULL)
		return 1;
	fprintf(stderr, "text lacks \"%s\":\n%s\n", s, nt_js(m, "text"));
	return 0;
}

static int
field_is(const json_t *m, const char *label, const char *want)
{
	const char *v = field(m, label);

	if (v != NULL && strcmp(v, want) == 0)
		return 1;
	fprintf(stderr, "field %s is \"%s\", not \"%s\"\n", label,
	    v != NULL ? v : "(none)", want);
	return 0;
}

static int
block_count(const json_t *m, const char *type)
{
	const json_t *b;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(m, "blocks"), i, b)
		n += strcmp(nt_js(b, "type"), type) == 0;
	return n;
}

static void
test_message_risk_in_english(void)
{
	struct nt_fx x;
	json_t *params = json_pack("{s:i, s:[s, s]}", "port", 22, "allowed",
	    "10.0.0.0/8", "192.168.0.0/16");
	json_t *m;

	nt_fx_open(&x, "en");
	pack(&x);
	m = render(&x, RISK, "en", params);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_STRING_EQUAL(nt_js(m, "message_id"), "<cp.1.2@host>");
	CU_ASSERT_STRING_EQUAL(nt_js(m, "kind"), "risk");
	CU_ASSERT_STRING_EQUAL(nt_js(m, "lang"), "en");
	CU_ASSERT_STRING_EQUAL(nt_js(m, "subject"), "[cloudpatrol] New risk "
	    "[high]: TC-1 Title of TC-1 - prod/111");
	CU_ASSERT_PTR_NULL(json_object_get(m, "html"));
	CU_ASSERT(field_is(m, "Policy", "TC-1 Title of TC-1"));
	CU_ASSERT(field_is(m, "Severity", "high"));
	CU_ASSERT(field_is(m, "Environment", "prod (testcloud)"));
	CU_ASSERT(field_is(m, "Unit", "111 (main)"));
	CU_ASSERT(field_is(m, "Resource", "sg-0abc"));
	CU_ASSERT(field_is(m, "Resource name", "web-sg"));
	CU_ASSERT(field_is(m, "Detected value", "0.0.0.0/0:22"));
	CU_ASSERT(field_is(m, "Rule", "source=any port=22"));
	CU_ASSERT(field_is(m, "Configured value",
	    "port = 22\nallowed = 10.0.0.0/8, 192.168.0.0/16"));
	CU_ASSERT(field_is(m, "Detail", "inbound 22 from anywhere"));
	CU_ASSERT(field_is(m, "First seen", "2023-11-14 22:13 UTC"));
	CU_ASSERT(field_is(m, "Portal", "acme"));
	CU_ASSERT_EQUAL(block_count(m, "header"), 1);
	/* The same in the text, the guidance last. */
	CU_ASSERT(text_has(m, "New risk detected\n\n"));
	CU_ASSERT(text_has(m, "Policy: TC-1 Title of TC-1\n"));
	CU_ASSERT(text_has(m, "Detected value: 0.0.0.0/0:22\n"));
	CU_ASSERT(text_has(m, "Configured value: port = 22\n    allowed = "
	    "10.0.0.0/8, 192.168.0.0/16\n"));
	CU_ASSERT(text_has(m, "First seen: 2023-11-14 22:13 UTC\n"));
	CU_ASSERT(text_has(m, "About this risk:\nWhat TC-1 means"));
	CU_ASSERT(text_has(m, "How to fix:\nHow to fix TC-1"));
	json_decref(m);
	json_decref(params);
	nt_fx_close(&x);
}

static void
test_message_risk_in_japanese(void)
{
	struct nt_fx x;
	json_t *params = json_pack("{s:i}", "port", 22);
	json_t *m;

	nt_fx_open(&x, "ja");
	pack(&x);
	m = render(&x, RISK, "ja", params);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_STRING_EQUAL(nt_js(m, "lang"), "ja");
	CU_ASSERT_STRING_EQUAL(nt_js(m, "subject"), "[cloudpatrol] 新規リスク "
	    "[高]: TC-1 TC-1 の題名 - prod/111");
	CU_ASSERT(field_is(m, "ポリシー", "TC-1 TC-1 の題名"));
	CU_ASSERT(field_is(m, "重要度", "高"));
	CU_ASSERT(field_is(m, "環境", "prod (testcloud)"));
	CU_ASSERT(field_is(m, "ユニット", "111 (main)"));
	CU_ASSERT(field_is(m, "リソース", "sg-0abc"));
	CU_ASSERT(field_is(m, "リソース名", "web-sg"));
	CU_ASSERT(field_is(m, "検出値", "0.0.0.0/0:22"));
	CU_ASSERT(field_is(m, "判定条件", "source=any port=22"));
	CU_ASSERT(field_is(m, "設定値", "port = 22"));
	CU_ASSERT(field_is(m, "初回検出", "2023-11-14 22:13 UTC"));
	CU_ASSERT(text_has(m, "新たなリスクを検出しました"));
	CU_ASSERT(text_has(m, "リスクの内容:\nTC-1 の説明"));
	CU_ASSERT(text_has(m, "対処方法:\nTC-1 の直し方"));
	CU_ASSERT(strstr(nt_js(m, "text"), "How to fix") == NULL);
	json_decref(m);
	json_decref(params);
	nt_fx_close(&x);
}

static void
test_message_risk_repeat_and_unknown_policy(void)
{
	json_t *m;

	/* No pack: the id alone, no guidance; a repeat says so. */
	m = render(NULL, "{\"type\": \"risk\", \"policy\": \"XX-9\", \"unit\": "
	    "\"111\", \"resource\": \"r\", \"resource_name\": \"r\", "
	    "\"repeat\": true, \"first_seen\": 0}", "en", NULL);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_STRING_EQUAL(nt_js(m, "subject"), "[cloudpatrol] Risk "
	    "still present: XX-9 - prod/111");
	CU_ASSERT(field_is(m, "Policy", "XX-9"));
	CU_ASSERT_PTR_NULL(field(m, "Severity"));
	CU_ASSERT_PTR_NULL(field(m, "Resource name"));
	CU_ASSERT_PTR_NULL(field(m, "First seen"));
	CU_ASSERT(text_has(m, "notified again after 37 days"));
	CU_ASSERT(strstr(nt_js(m, "text"), "How to fix") == NULL);
	json_decref(m);
}

static void
test_message_remediation_done_and_failed(void)
{
	struct nt_fx x;
	json_t *m;

	nt_fx_open(&x, "en");
	pack(&x);
	m = render(&x, "{\"type\": \"remediation\", \"status\": \"done\", "
	    "\"policy\": \"TC-1\", \"action\": \"revoke-rule\", \"unit\": "
	    "\"111\", \"unit_id\": 1, \"resource\": \"sg-0abc\", "
	    "\"resource_name\": \"web-sg\", \"condition\": \"c\", "
	    "\"finding_id\": 3, \"before\": \"{\\\"ingress\\\":\\\"0.0.0.0/0"
	    ":22\\\"}\", \"after\": \"no public ingress\", \"error\": \"\"}",
	    "en", NULL);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_STRING_EQUAL(nt_js(m, "kind"), "remediation");
	CU_ASSERT_STRING_EQUAL(nt_js(m, "subject"), "[cloudpatrol] "
	    "Remediated: TC-1 Title of TC-1 - sg-0abc (prod/111)");
	CU_ASSERT(text_has(m, "Remediation complete"));
	CU_ASSERT(field_is(m, "Action", "revoke-rule"));
	CU_ASSERT(field_is(m, "Before", "{\"ingress\":\"0.0.0.0/0:22\"}"));
	CU_ASSERT(field_is(m, "After", "no public ingress"));
	CU_ASSERT(field_is(m, "Severity", "high"));
	CU_ASSERT(field_is(m, "Unit", "111 (main)"));
	CU_ASSERT_PTR_NULL(field(m, "Error"));
	CU_ASSERT(strstr(nt_js(m, "text"), "by hand") == NULL);
	json_decref(m);
	m = render(&x, "{\"type\": \"remediation\", \"status\": \"failed\", "
	    "\"policy\": \"TC-1\", \"action\": \"revoke-rule\", \"unit\": "
	    "\"111\", \"resource\": \"sg-0abc\", \"before\": \"\", "
	    "\"after\": \"\", \"error\": \"AccessDenied: not allowed\"}", "ja",
	    NULL);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_STRING_EQUAL(nt_js(m, "subject"), "[cloudpatrol] 対策失敗: "
	    "TC-1 TC-1 の題名 - sg-0abc (prod/111)");
	CU_ASSERT(text_has(m, "対策に失敗しました"));
	CU_ASSERT(field_is(m, "対策", "revoke-rule"));
	CU_ASSERT(field_is(m, "エラー", "AccessDenied: not allowed"));
	CU_ASSERT_PTR_NULL(field(m, "対策前"));
	CU_ASSERT(text_has(m, "手作業での対処方法:\nTC-1 の直し方"));
	json_decref(m);
	nt_fx_close(&x);
}

static void
test_message_remediation_held_at_the_ceiling(void)
{
	json_t *m;

	m = render(NULL, "{\"type\": \"remediation\", \"status\": \"held\", "
	    "\"unit\": \"111\", \"unit_id\": 1, \"ceiling\": 10, \"held\": 7, "
	    "\"resources\": [{\"policy\": \"TC-1\", \"action\": \"revoke\", "
	    "\"resource\": \"sg-1\", \"finding_id\": 1}, {\"policy\": "
	    "\"TC-1\", \"action\": \"revoke\", \"resource\": \"sg-2\", "
	    "\"finding_id\": 2}], \"message\": \"stopped\"}", "en", NULL);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_STRING_EQUAL(nt_js(m, "subject"), "[cloudpatrol] "
	    "Remediation held: 7 resources not changed - prod/111");
	CU_ASSERT(text_has(m, "At most 10 resources are changed per run; 7 "
	    "more were not changed."));
	CU_ASSERT(text_has(m, "  - TC-1 sg-1 (revoke)\n  - TC-1 sg-2 "
	    "(revoke)\n  (and 5 more)\n"));
	CU_ASSERT_EQUAL(block_count(m, "list"), 1);
	json_decref(m);
	m = render(NULL, "{\"type\": \"remediation\", \"status\": \"held\", "
	    "\"unit\": \"111\", \"ceiling\": 10, \"held\": 1, \"resources\": "
	    "[]}", "ja", NULL);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT(strstr(nt_js(m, "subject"), "対策を保留: 1 件") != NULL);
	CU_ASSERT(text_has(m, "1 回の実行で変更するリソースは 10 件までです"));
	json_decref(m);
}

static void
test_message_malformed_payloads(void)
{
	struct cp_render_ctx c;
	const char *bad[] = {
		"{\"type\": \"risk\", \"unit\": \"1\", \"resource\": \"r\"}",
		"{\"type\": \"risk\", \"policy\": \"P\", \"unit\": \"1\"}",
		"{\"type\": \"remediation\", \"status\": \"done\", "
		"\"unit\": \"1\"}",
		"{\"type\": \"remediation\", \"status\": \"exploded\", "
		"\"policy\": \"P\", \"unit\": \"1\", \"resource\": \"r\"}",
		"{\"type\": \"fax\"}",
		"{}",
		"[1, 2]",
	};
	char why[256];
	json_t *pl, *m;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.lang = "en";
	for (i = 0; i < CP_ARRAY_LEN(bad); i++) {
		pl = json_loads(bad[i], 0, NULL);
		CU_ASSERT_FATAL(pl != NULL);
		m = (json_t *)1;
		why[0] = '\0';
		CU_ASSERT_EQUAL(cp_notify_render(pl, &c, &m, why, sizeof(why)),
		    CP_E_INVALID);
		CU_ASSERT_PTR_NULL(m);
		CU_ASSERT(why[0] != '\0');
		json_decref(pl);
	}
}

static void
test_message_bounds_and_one_line_subject(void)
{
	struct cp_buf b;
	json_t *pl, *m;
	size_t i;

	/* A unit id with a line break and 3 KiB of Japanese detail. */
	cp_buf_init(&b, 0);
	for (i = 0; i < 1000; i++)
		CU_ASSERT_FATAL(cp_buf_puts(&b, "あ") == CP_OK);
	pl = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "risk", "policy",
	    "TC-1", "unit", "111\r\nBcc: evil@example.com", "resource", "r",
	    "detail", b.data);
	CU_ASSERT_FATAL(pl != NULL);
	{
		struct cp_render_ctx c;
		char why[128];

		memset(&c, 0, sizeof(c));
		c.lang = "en";
		CU_ASSERT_EQUAL(cp_notify_render(pl, &c, &m, why, sizeof(why)),
		    CP_OK);
	}
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT(strchr(nt_js(m, "subject"), '\n') == NULL);
	CU_ASSERT(strchr(nt_js(m, "subject"), '\r') == NULL);
	CU_ASSERT(strlen(nt_js(m, "subject")) <= CP_MSG_SUBJECT_MAX);
	/* Cut on a character boundary, at most the bound. */
	CU_ASSERT(strlen(field(m, "Detail")) <= CP_MSG_VALUE_MAX);
	CU_ASSERT(strlen(field(m, "Detail")) >= CP_MSG_VALUE_MAX - 3);
	CU_ASSERT_EQUAL(strlen(field(m, "Detail")) % 3, 0);
	json_decref(m);
	json_decref(pl);
	cp_buf_free(&b);
}

/* A patrol payload with every section on. */
static const char patrol_on[] =
    "{\"type\": \"patrol\", \"destination_id\": 1, \"destination\": "
    "\"ops\", \"portal\": \"acme\", \"date\": \"2023-11-14\", "
    "\"generated\": 1700000000, \"since\": 1699913600, "
    "\"units\": [{\"env\": \"prod\", \"cloud\": \"testcloud\", \"unit\": "
    "\"111\", \"name\": \"main\"}],"
    "\"new\": {\"items\": [{\"policy\": \"TC-1\", \"severity\": 1, \"env\": "
    "\"prod\", \"unit\": \"111\", \"resource\": \"sg-<script>\", "
    "\"resource_name\": \"web & co\", \"value\": \"0.0.0.0/0:22\", "
    "\"first_seen\": 1699999000, \"resolved_at\": 0}, {\"policy\": \"TC-2\", "
    "\"severity\": 2, \"env\": \"prod\", \"unit\": \"111\", \"resource\": "
    "\"user-bob\", \"resource_name\": \"bob\", \"value\": \"\", "
    "\"first_seen\": 1699990000, \"resolved_at\": 1699995000}], "
    "\"more\": 5},"
    "\"open\": {\"items\": [{\"policy\": \"TC-1\", \"severity\": 1, \"env\": "
    "\"prod\", \"unit\": \"111\", \"resource\": \"sg-old\", "
    "\"resource_name\": \"sg-old\", \"value\": \"v\", \"first_seen\": "
    "1690000000, \"resolved_at\": 0}], \"more\": 0},"
    "\"cost\": {\"on\": true, \"month\": \"2023-11\", \"rows\": [{\"env\": "
    "\"prod\", \"unit\": \"111\", \"name\": \"main\", \"snapshot\": true, "
    "\"amounts\": [{\"amount\": 1234.5, \"currency\": \"JPY\"}, "
    "{\"amount\": 10.25, \"currency\": \"USD\"}]}, {\"env\": \"prod\", "
    "\"unit\": \"222\", \"name\": \"222\", \"snapshot\": false}]},"
    "\"regions\": {\"on\": true, \"rows\": [{\"env\": \"prod\", \"unit\": "
    "\"111\", \"name\": \"main\", \"snapshot\": true, \"domestic\": 4, "
    "\"overseas\": 2, \"global\": 3}]},"
    "\"users\": {\"on\": true, \"day\": \"2023-11-13\", \"rows\": [{\"env\": "
    "\"prod\", \"unit\": \"111\", \"name\": \"main\", \"snapshot\": true, "
    "\"users\": 12, \"created\": 2, \"created_names\": [\"alice\", "
    "\"carol\"]}]}}";

/* Long Japanese user names, cut by the report's buffers, still make a
 * sendable message: every field is whole, valid UTF-8. */
static void
test_message_patrol_long_japanese_names(void)
{
	json_t *pl = json_loads(patrol_on, 0, NULL), *names, *m;
	json_t *fields;
	struct nt_fx x;
	char name[400], *text;
	size_t i, k;

	CU_ASSERT_FATAL(pl != NULL);
	names = json_array();
	for (i = 0; i < 40; i++) {
		name[0] = '\0';
		for (k = 0; k < 90; k++)	/* 270 bytes: past 200 */
			strcat(name, "名");
		json_array_append_new(names, json_string(name));
	}
	json_object_set_new(json_array_get(json_object_get(json_object_get(pl,
	    "users"), "rows"), 0), "created_names", names);
	text = json_dumps(pl, 0);
	json_decref(pl);
	CU_ASSERT_FATAL(text != NULL);
	nt_fx_open(&x, "ja");
	pack(&x);
	m = render(&x, text, "ja", NULL);
	free(text);
	CU_ASSERT_FATAL(m != NULL);
	/* The message encodes: jansson refuses invalid UTF-8 anywhere. */
	text = json_dumps(m, 0);
	CU_ASSERT_PTR_NOT_NULL(text);
	free(text);
	fields = json_object_get(m, "blocks");
	CU_ASSERT_TRUE(json_array_size(fields) > 0);
	json_decref(m);
	nt_fx_close(&x);
}

static void
test_message_patrol_in_english(void)
{
	struct nt_fx x;
	const char *html;
	json_t *m;

	nt_fx_open(&x, "en");
	pack(&x);
	m = render(&x, patrol_on, "en", NULL);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_STRING_EQUAL(nt_js(m, "kind"), "patrol");
	CU_ASSERT_STRING_EQUAL(nt_js(m, "subject"), "[cloudpatrol] Daily "
	    "patrol report 2023-11-14 (acme): 7 new risks, 1 open");
	CU_ASSERT(text_has(m, "Daily patrol report 2023-11-14\n"));
	CU_ASSERT(text_has(m, "destination ops"));
	CU_ASSERT(text_has(m, "  - prod/111 (main)\n"));
	CU_ASSERT(text_has(m, "A. New risks of the last 24 hours (since "
	    "2023-11-13 22:13 UTC)\n"));
	CU_ASSERT(text_has(m, "  - [high] TC-1 Title of TC-1 - sg-<script> "
	    "(web & co) - prod/111 - 0.0.0.0/0:22 - first seen 2023-11-14 "
	    "21:56 UTC\n"));
	CU_ASSERT(text_has(m, "  - [medium] TC-2 Title of TC-2 - user-bob "
	    "(bob) - prod/111 - first seen 2023-11-14 19:26 UTC (resolved)\n"
	    "  (and 5 more)\n"));
	CU_ASSERT(text_has(m, "B. Remediable risks still open\n  - [high] "
	    "TC-1 Title of TC-1 - sg-old - prod/111 - v - open since "
	    "2023-07-22 04:26 UTC\n"));
	CU_ASSERT(text_has(m, "C. This month's cost (2023-11)\n"));
	CU_ASSERT(field_is(m, "prod/111 (main)", "1234.50 JPY, 10.25 USD"));
	CU_ASSERT(text_has(m, "prod/222: no data yet (not inspected)\n"));
	CU_ASSERT(text_has(m, "prod/111 (main): domestic 4, overseas 2, "
	    "global 3\n"));
	CU_ASSERT(text_has(m, "E. Users, and users created on 2023-11-13\n"));
	CU_ASSERT(text_has(m, "prod/111 (main): 12 users, 2 created the day "
	    "before: alice, carol\n"));
	CU_ASSERT(strstr(nt_js(m, "text"), "Off:") == NULL);
	CU_ASSERT_EQUAL(block_count(m, "list"), 3);
	CU_ASSERT(block_count(m, "divider") >= 1);
	/* The HTML says the same, escaped. */
	html = nt_js(m, "html");
	CU_ASSERT(strncmp(html, "<!DOCTYPE html>", 15) == 0);
	CU_ASSERT(strstr(html, "sg-&lt;script&gt; (web &amp; co)") != NULL);
	CU_ASSERT(strstr(html, "<script>") == NULL);
	CU_ASSERT(strstr(html, "1234.50 JPY") != NULL);
	CU_ASSERT(strstr(html, "and 5 more") != NULL);
	CU_ASSERT(strstr(html, "</html>") != NULL);
	json_decref(m);
	nt_fx_close(&x);
}

static void
test_message_patrol_in_japanese_with_sections_off(void)
{
	json_t *m;

	m = render(NULL, "{\"type\": \"patrol\", \"destination\": \"ops\", "
	    "\"portal\": \"acme\", \"date\": \"2023-11-14\", \"since\": "
	    "1699913600, \"units\": [], \"new\": {\"items\": [], \"more\": 0}, "
	    "\"open\": {\"items\": [], \"more\": 0}, \"cost\": {\"on\": false, "
	    "\"month\": \"2023-11\", \"rows\": []}, \"regions\": {\"on\": "
	    "false, \"rows\": []}, \"users\": {\"on\": false, \"day\": "
	    "\"2023-11-13\", \"rows\": []}}", "ja", NULL);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_STRING_EQUAL(nt_js(m, "subject"), "[cloudpatrol] パトロール"
	    "日報 2023-11-14 (acme): 新規リスクなし・未対策 0 件");
	CU_ASSERT(text_has(m, "A. 過去 24 時間の新規リスク (2023-11-13 22:13 "
	    "UTC 以降)\n新規リスクはありません。"));
	CU_ASSERT(text_has(m, "B. 未修復の修復可能なリスク\n未修復の修復可能な"
	    "リスクはありません。"));
	CU_ASSERT(text_has(m, "C. 当月のコスト (2023-11)\n対象外: "));
	CU_ASSERT(text_has(m, "D. 国内/海外リージョンのリソース数\n対象外: "));
	CU_ASSERT(text_has(m, "E. ユーザー数と前日 (2023-11-13) の作成\n"
	    "対象外: "));
	CU_ASSERT(text_has(m, "リスクの有無にかかわらず毎日お送りします"));
	CU_ASSERT(strstr(nt_js(m, "html"), "<html lang=\"ja\">") != NULL);
	json_decref(m);
}

static void
test_message_test_message(void)
{
	struct cp_render_ctx c;
	json_t *m = NULL;

	memset(&c, 0, sizeof(c));
	c.lang = "en";
	c.message_id = "<cp.test.1.2@h>";
	c.portal = "acme";
	CU_ASSERT_EQUAL(cp_notify_render_test(&c, "ops", T0, &m), CP_OK);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_STRING_EQUAL(nt_js(m, "kind"), "test");
	CU_ASSERT_STRING_EQUAL(nt_js(m, "subject"),
	    "[cloudpatrol] Test message (ops)");
	CU_ASSERT(text_has(m, "destination ops of portal acme"));
	CU_ASSERT(field_is(m, "Sent", "2023-11-14 22:13 UTC"));
	json_decref(m);
	c.lang = "ja";
	CU_ASSERT_EQUAL(cp_notify_render_test(&c, "ops", T0, &m), CP_OK);
	CU_ASSERT_STRING_EQUAL(nt_js(m, "subject"),
	    "[cloudpatrol] テストメッセージ (ops)");
	json_decref(m);
}

static void
test_message_severity_names(void)
{
	CU_ASSERT_STRING_EQUAL(cp_notify_severity_name(0, "en"), "critical");
	CU_ASSERT_STRING_EQUAL(cp_notify_severity_name(3, "en"), "low");
	CU_ASSERT_STRING_EQUAL(cp_notify_severity_name(0, "ja"), "緊急");
	CU_ASSERT_STRING_EQUAL(cp_notify_severity_name(2, "ja"), "中");
	CU_ASSERT_STRING_EQUAL(cp_notify_severity_name(9, "ja"), "?");
	CU_ASSERT_STRING_EQUAL(cp_notify_severity_name(1, NULL), "high");
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "risk in English", test_message_risk_in_english },
		{ "risk in Japanese", test_message_risk_in_japanese },
		{ "risk repeat, unknown policy",
		    test_message_risk_repeat_and_unknown_policy },
		{ "remediation done and failed",
		    test_message_remediation_done_and_failed },
		{ "remediation held at the ceiling",
		    test_message_remediation_held_at_the_ceiling },
		{ "malformed payloads", test_message_malformed_payloads },
		{ "bounds, one-line subject",
		    test_message_bounds_and_one_line_subject },
		{ "patrol in English", test_message_patrol_in_english },
		{ "patrol, long Japanese names",
		    test_message_patrol_long_japanese_names },
		{ "patrol in Japanese, sections off",
		    test_message_patrol_in_japanese_with_sections_off },
		{ "test message", test_message_test_message },
		{ "severity names", test_message_severity_names },
		{ NULL, NULL }
	};

	return cp_test_run("message", tests);
}
