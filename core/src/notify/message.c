/*
 * message.c - rendering notices and the patrol report.
 *
 * A message is built once as a sequence of blocks (header, paragraph,
 * fields, list, divider); each block is written at the same time as plain
 * text, as a block of the message JSON and, for the patrol report, as
 * HTML, so the three always say the same.  Every text in both languages
 * is ours; only the policy's own title, description and guidance come
 * from its pack.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudpatrol/message.h>

#include "notify/message.h"

#define SUBJECT_PREFIX "[cloudpatrol] "

/* A message being built. */
struct doc {
	const struct cp_render_ctx *c;
	int ja;
	int want_html;
	struct cp_buf text;
	struct cp_buf html;
	json_t *blocks;
	json_t *fields;		/* the open "fields" block's pairs, or NULL */
	cp_err err;
};

static const char *
tr(const struct doc *d, const char *en, const char *ja)
{
	return d->ja ? ja : en;
}

static const char *
lang(const struct doc *d)
{
	return d->ja ? "ja" : "en";
}

const char *
cp_notify_severity_name(int severity, const char *lang)
{
	static const char *const en[] = { "critical", "high", "medium",
	    "low" };
	static const char *const ja[] = { "緊急", "高", "中", "低" };

	if (severity < 0 || severity > 3)
		return "?";
	return lang != NULL && strcmp(lang, "ja") == 0 ? ja[severity] :
	    en[severity];
}

/*
 * The length of the longest prefix of the UTF-8 text s of at most max
 * bytes that ends on a character boundary.
 */
static size_t
utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/*
 * The length of the longest prefix of s, at most max bytes, that is whole
 * and valid UTF-8: text cut by a fixed buffer must not turn a message
 * into one JSON refuses (and so into a notice retried for a day).
 */
static size_t
utf8_valid_len(const char *s, size_t max)
{
	size_t i = 0, k, len;
	unsigned char c;

	while (i < max && s[i] != '\0') {
		c = (unsigned char)s[i];
		len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 :
		    (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (len == 0 || i + len > max)
			break;
		for (k = 1; k < len; k++)
			if (((unsigned char)s[i + k] & 0xc0) != 0x80)
				return i;
		i += len;
	}
	return i;
}

/* Member key of o as a string, "" when missing or not a string. */
static const char *
js(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

static long long
ji(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* t as "2024-05-01 09:30 UTC" ("" for 0). */
static const char *
fmt_time(time_t t, char buf[32])
{
	struct tm tm;

	buf[0] = '\0';
	if (t > 0 && gmtime_r(&t, &tm) != NULL)
		strftime(buf, 32, "%Y-%m-%d %H:%M UTC", &tm);
	return buf;
}

static void
doc_fail(struct doc *d, cp_err r)
{
	if (d->err == CP_OK)
		d->err = r;
}

static void
put(struct doc *d, struct cp_buf *b, const char *s, size_t n)
{
	if (d->err == CP_OK)
		doc_fail(d, cp_buf_append(b, s, n));
}

static void CP_FMT(3, 4)
putf(struct doc *d, struct cp_buf *b, const char *fmt, ...)
{
	va_list ap;

	if (d->err != CP_OK)
		return;
	va_start(ap, fmt);
	doc_fail(d, cp_buf_vprintf(b, fmt, ap));
	va_end(ap);
}

/* Text into the HTML, escaped; line breaks become <br>. */
static void
put_html(struct doc *d, const char *s, size_t n)
{
	size_t i, start = 0;
	const char *rep;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '\n': rep = "<br>"; break;
		default: continue;
		}
		put(d, &d->html, s + start, i - start);
		put(d, &d->html, rep, strlen(rep));
		start = i + 1;
	}
	put(d, &d->html, s + start, n - start);
}

static void
add_block(struct doc *d, json_t *b)
{
	if (b == NULL || json_array_append_new(d->blocks, b) != 0)
		doc_fail(d, CP_E_NOMEM);
}

/* Closes an open fields block. */
static void
end_fields(struct doc *d)
{
	if (d->fields == NULL)
		return;
	add_block(d, json_pack("{s:s, s:o}", "type", "fields", "fields",
	    d->fields));
	d->fields = NULL;
	put(d, &d->text, "\n", 1);
	if (d->want_html)
		putf(d, &d->html, "</table>\n");
}

static void
doc_header(struct doc *d, const char *s)
{
	end_fields(d);
	add_block(d, json_pack("{s:s, s:s}", "type", "header", "text", s));
	putf(d, &d->text, "%s\n\n", s);
	if (d->want_html) {
		putf(d, &d->html, "<h2>");
		put_html(d, s, strlen(s));
		putf(d, &d->html, "</h2>\n");
	}
}

/* A paragraph whose text (from a payload or a pack) is cut to bound. */
static void
doc_para(struct doc *d, const char *s)
{
	size_t n = utf8_cut(s, CP_MSG_VALUE_MAX * 2);

	end_fields(d);
	add_block(d, json_pack("{s:s, s:s%}", "type", "section", "text", s,
	    n));
	put(d, &d->text, s, n);
	put(d, &d->text, "\n\n", 2);
	if (d->want_html) {
		putf(d, &d->html, "<p>");
		put_html(d, s, n);
		putf(d, &d->html, "</p>\n");
	}
}

static void CP_FMT(2, 3)
doc_paraf(struct doc *d, const char *fmt, ...)
{
	struct cp_buf b;
	va_list ap;

	cp_buf_init(&b, 0);
	va_start(ap, fmt);
	if (cp_buf_vprintf(&b, fmt, ap) != CP_OK)
		doc_fail(d, CP_E_NOMEM);
	else
		doc_para(d, b.data);
	va_end(ap);
	cp_buf_free(&b);
}

/* A titled paragraph: "Title:\ntext". */
static void
doc_titled(struct doc *d, const char *title, const char *s)
{
	struct cp_buf b;

	cp_buf_init(&b, 0);
	if (cp_buf_printf(&b, "%s\n%.*s", title,
	    (int)utf8_cut(s, CP_MSG_VALUE_MAX * 2), s) != CP_OK)
		doc_fail(d, CP_E_NOMEM);
	else
		doc_para(d, b.data);
	cp_buf_free(&b);
}

/* One label and value in the open fields block; "" values are left out. */
static void
doc_field(struct doc *d, const char *label, const char *value)
{
	size_t n = utf8_valid_len(value, CP_MSG_VALUE_MAX), i, start = 0;

	if (d->err != CP_OK || n == 0)
		return;
	if (d->fields == NULL) {
		d->fields = json_array();
		if (d->fields == NULL) {
			doc_fail(d, CP_E_NOMEM);
			return;
		}
		if (d->want_html)
			putf(d, &d->html, "<table>\n");
	}
	if (json_array_append_new(d->fields, json_pack("[s, s%]", label, value,
	    n)) != 0)
		doc_fail(d, CP_E_NOMEM);
	/* Continuation lines are indented under the label. */
	putf(d, &d->text, "%s: ", label);
	for (i = 0; i < n; i++) {
		if (value[i] != '\n')
			continue;
		put(d, &d->text, value + start, i + 1 - start);
		put(d, &d->text, "    ", 4);
		start = i + 1;
	}
	put(d, &d->text, value + start, n - start);
	put(d, &d->text, "\n", 1);
	if (d->want_html) {
		putf(d, &d->html, "<tr><th align=\"left\">");
		put_html(d, label, strlen(label));
		putf(d, &d->html, "</th><td>");
		put_html(d, value, n);
		putf(d, &d->html, "</td></tr>\n");
	}
}

static void CP_FMT(3, 4)
doc_fieldf(struct doc *d, const char *label, const char *fmt, ...)
{
	struct cp_buf b;
	va_list ap;

	cp_buf_init(&b, 0);
	va_start(ap, fmt);
	if (cp_buf_vprintf(&b, fmt, ap) != CP_OK)
		doc_fail(d, CP_E_NOMEM);
	else
		doc_field(d, label, b.data);
	va_end(ap);
	cp_buf_free(&b);
}

/* A list of items (strings; stolen) with more left out. */
static void
doc_list(struct doc *d, const char *title, json_t *items, long long more)
{
	size_t i;
	json_t *v;

	end_fields(d);
	if (items == NULL) {
		doc_fail(d, CP_E_NOMEM);
		return;
	}
	putf(d, &d->text, "%s\n", title);
	if (d->want_html) {
		putf(d, &d->html, "<h3>");
		put_html(d, title, strlen(title));
		putf(d, &d->html, "</h3>\n<ul>\n");
	}
	json_array_foreach(items, i, v) {
		putf(d, &d->text, "  - %s\n", json_string_value(v));
		if (d->want_html) {
			putf(d, &d->html, "<li>");
			put_html(d, json_string_value(v),
			    strlen(json_string_value(v)));
			putf(d, &d->html, "</li>\n");
		}
	}
	if (more > 0)
		putf(d, &d->text, d->ja ? "  (ほか %lld 件)\n" :
		    "  (and %lld more)\n", more);
	put(d, &d->text, "\n", 1);
	if (d->want_html) {
		putf(d, &d->html, "</ul>\n");
		if (more > 0)
			putf(d, &d->html, d->ja ? "<p>ほか %lld 件</p>\n" :
			    "<p>and %lld more</p>\n", more);
	}
	add_block(d, json_pack("{s:s, s:s, s:o, s:I}", "type", "list", "title",
	    title, "items", items, "more", (json_int_t)(more > 0 ? more : 0)));
}

static void
doc_divider(struct doc *d)
{
	end_fields(d);
	add_block(d, json_pack("{s:s}", "type", "divider"));
	if (d->want_html)
		putf(d, &d->html, "<hr>\n");
}

static cp_err
doc_init(struct doc *d, const struct cp_render_ctx *c, int want_html)
{
	memset(d, 0, sizeof(*d));
	d->c = c;
	d->ja = c->lang != NULL && strcmp(c->lang, "ja") == 0;
	d->want_html = want_html;
	cp_buf_init(&d->text, CP_MESSAGE_MAX / 2);
	cp_buf_init(&d->html, CP_MESSAGE_MAX / 2);
	d->blocks = json_array();
	if (d->blocks == NULL)
		return CP_E_NOMEM;
	if (want_html)
		putf(d, &d->html, "<!DOCTYPE html>\n<html lang=\"%s\"><head>"
		    "<meta charset=\"utf-8\"></head><body>\n",
		    lang(d));
	return d->err;
}

static void
doc_fini(struct doc *d)
{
	cp_buf_free(&d->text);
	cp_buf_free(&d->html);
	json_decref(d->blocks);
	json_decref(d->fields);
}

/*
 * Finishes d into the message object: subject made one line and cut.
 * On a full buffer the message is too large: CP_E_LIMIT.
 */
static cp_err
doc_finish(struct doc *d, const char *kind, const char *subject,
    json_t **out)
{
	char subj[CP_MSG_SUBJECT_MAX + 1];
	json_t *m;
	size_t i, n;

	*out = NULL;
	end_fields(d);
	if (d->want_html)
		putf(d, &d->html, "</body></html>\n");
	if (d->err != CP_OK)
		return d->err;
	n = utf8_cut(subject, CP_MSG_SUBJECT_MAX);
	memcpy(subj, subject, n);
	subj[n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)subj[i] < 0x20 || subj[i] == 0x7f)
			subj[i] = ' ';
	m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}", "message_id",
	    d->c->message_id != NULL ? d->c->message_id : "", "kind", kind,
	    "lang", d->ja ? "ja" : "en", "subject", subj, "text",
	    d->text.data != NULL ? d->text.data : "", "blocks", d->blocks);
	if (m == NULL)
		return CP_E_NOMEM;
	if (d->want_html && json_object_set_new(m, "html",
	    json_string(d->html.data)) != 0) {
		json_decref(m);
		return CP_E_NOMEM;
	}
	*out = m;
	return CP_OK;
}

/* ---- pieces shared by the notices ---- */

static const struct cp_policy *
find_policy(const struct doc *d, const char *id)
{
	return d->c->set != NULL && id[0] != '\0' ?
	    cp_policy_set_find(d->c->set, id) : NULL;
}

static const char *
policy_text(const struct doc *d, const struct cp_policy_text *t)
{
	return d->ja ? t->ja : t->en;
}

/* "TC-001 Title" (the id alone for a policy the set does not know). */
static void
field_policy(struct doc *d, const char *id, const struct cp_policy *p)
{
	if (p != NULL)
		doc_fieldf(d, tr(d, "Policy", "ポリシー"), "%s %s", id,
		    policy_text(d, &p->title));
	else
		doc_field(d, tr(d, "Policy", "ポリシー"), id);
}

static void
field_unit(struct doc *d, const char *unit)
{
	const char *env = d->c->env, *name = d->c->unit_name;

	if (env != NULL && env[0] != '\0') {
		if (d->c->cloud != NULL && d->c->cloud[0] != '\0')
			doc_fieldf(d, tr(d, "Environment", "環境"), "%s (%s)",
			    env, d->c->cloud);
		else
			doc_field(d, tr(d, "Environment", "環境"), env);
	}
	if (name != NULL && name[0] != '\0' && strcmp(name, unit) != 0)
		doc_fieldf(d, tr(d, "Unit", "ユニット"), "%s (%s)", unit, name);
	else
		doc_field(d, tr(d, "Unit", "ユニット"), unit);
}

/* "prod/111" or the unit alone. */
static void
unit_label(const struct doc *d, const char *unit, char *buf, size_t n)
{
	if (d->c->env != NULL && d->c->env[0] != '\0')
		snprintf(buf, n, "%s/%s", d->c->env, unit);
	else
		snprintf(buf, n, "%s", unit);
}

/* A parameter's value as text: lists joined with ", ". */
static cp_err
param_text(struct cp_buf *b, const json_t *v)
{
	size_t i;
	json_t *item;
	cp_err r = CP_OK;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return cp_buf_puts(b, json_string_value(v));
	case JSON_INTEGER:
		return cp_buf_printf(b, "%lld",
		    (long long)json_integer_value(v));
	case JSON_REAL:
		return cp_buf_printf(b, "%g", json_real_value(v));
	case JSON_TRUE:
		return cp_buf_puts(b, "true");
	case JSON_FALSE:
		return cp_buf_puts(b, "false");
	case JSON_ARRAY:
		json_array_foreach(v, i, item) {
			if (r == CP_OK && i > 0)
				r = cp_buf_puts(b, ", ");
			if (r == CP_OK)
				r = param_text(b, item);
		}
		return r;
	default:
		return cp_buf_puts(b, "null");
	}
}

/* The configured parameters as "name = value" lines. */
static void
field_params(struct doc *d, const json_t *params)
{
	struct cp_buf b;
	const char *key;
	json_t *v;
	cp_err r = CP_OK;

	if (!json_is_object(params) || json_object_size(params) == 0)
		return;
	cp_buf_init(&b, CP_MSG_VALUE_MAX);
	json_object_foreach((json_t *)params, key, v) {
		if (r == CP_OK && b.len > 0)
			r = cp_buf_puts(&b, "\n");
		if (r == CP_OK)
			r = cp_buf_printf(&b, "%s = ", key);
		if (r == CP_OK)
			r = param_text(&b, v);
	}
	/* A value over the bound is shown as far as it went. */
	if (r != CP_OK && r != CP_E_LIMIT)
		doc_fail(d, r);
	else if (b.data != NULL)
		doc_field(d, tr(d, "Configured value", "設定値"), b.data);
	cp_buf_free(&b);
}

/* ---- risk ---- */

static cp_err
render_risk(struct doc *d, const json_t *pl, json_t **out, char *why,
    size_t why_size)
{
	const char *id = js(pl, "policy"), *unit = js(pl, "unit");
	const char *res = js(pl, "resource"), *name = js(pl, "resource_name");
	const struct cp_policy *p;
	int repeat = json_is_true(json_object_get(pl, "repeat"));
	char when[32], where[400], subject[1024];
	const char *sev = "";

	if (id[0] == '\0' || unit[0] == '\0' || res[0] == '\0') {
		snprintf(why, why_size, "a risk notice needs policy, unit and "
		    "resource");
		return CP_E_INVALID;
	}
	p = find_policy(d, id);
	if (p != NULL)
		sev = cp_notify_severity_name(p->severity, lang(d));
	unit_label(d, unit, where, sizeof(where));
	snprintf(subject, sizeof(subject), "%s%s%s%s%s: %s%s%s - %s",
	    SUBJECT_PREFIX, repeat ? tr(d, "Risk still present",
	    "継続中のリスク") : tr(d, "New risk", "新規リスク"),
	    sev[0] != '\0' ? " [" : "", sev, sev[0] != '\0' ? "]" : "", id,
	    p != NULL ? " " : "", p != NULL ? policy_text(d, &p->title) : "",
	    where);
	doc_header(d, repeat ? tr(d, "A risk is still present (notified "
	    "again after 37 days)",
	    "リスクが継続しています (37 日ぶりの再通知)")
	    : tr(d, "New risk detected", "新たなリスクを検出しました"));
	field_policy(d, id, p);
	doc_field(d, tr(d, "Severity", "重要度"), sev);
	field_unit(d, unit);
	doc_field(d, tr(d, "Resource", "リソース"), res);
	if (strcmp(name, res) != 0)
		doc_field(d, tr(d, "Resource name", "リソース名"), name);
	doc_field(d, tr(d, "Detected value", "検出値"), js(pl, "value"));
	doc_field(d, tr(d, "Rule", "判定条件"), js(pl, "condition"));
	field_params(d, d->c->params);
	doc_field(d, tr(d, "Detail", "詳細"), js(pl, "detail"));
	doc_field(d, tr(d, "First seen", "初回検出"),
	    fmt_time((time_t)ji(pl, "first_seen"), when));
	if (d->c->portal != NULL)
		doc_field(d, tr(d, "Portal", "ポータル"), d->c->portal);
	if (p != NULL) {
		doc_titled(d, tr(d, "About this risk:", "リスクの内容:"),
		    policy_text(d, &p->description));
		doc_titled(d, tr(d, "How to fix:", "対処方法:"),
		    policy_text(d, &p->guidance));
	}
	return doc_finish(d, "risk", subject, out);
}

/* ---- remediation ---- */

/* The ceiling notice: remediation stopped, resources left as they are. */
static cp_err
render_held(struct doc *d, const json_t *pl, json_t **out)
{
	const char *unit = js(pl, "unit");
	long long held = ji(pl, "held"), ceiling = ji(pl, "ceiling");
	const json_t *list = json_object_get(pl, "resources");
	char where[400], subject[1024];
	json_t *items = json_array(), *v;
	size_t i;

	unit_label(d, unit, where, sizeof(where));
	snprintf(subject, sizeof(subject), d->ja ?
	    "%s対策を保留: %lld 件のリソースを変更していません - %s" :
	    "%sRemediation held: %lld resources not changed - %s",
	    SUBJECT_PREFIX, held, where);
	doc_header(d, tr(d, "Remediation stopped at the ceiling",
	    "対策が上限で停止しました"));
	doc_paraf(d, d->ja ? "1 回の実行で変更するリソースは %lld 件"
	    "までです。ほかの %lld 件は変更していません。手作業で対策するか、"
	    "上限 (remediation_ceiling) を引き上げてください。" :
	    "At most %lld resources are changed per run; %lld more were not "
	    "changed. Remediate them by hand or raise the ceiling "
	    "(remediation_ceiling).", ceiling, held);
	field_unit(d, unit);
	if (d->c->portal != NULL)
		doc_field(d, tr(d, "Portal", "ポータル"), d->c->portal);
	json_array_foreach(list, i, v) {
		char line[1024];

		if (items == NULL || i >= CP_MSG_LIST_MAX)
			break;
		snprintf(line, sizeof(line), "%s %.*s (%s)", js(v, "policy"),
		    (int)utf8_cut(js(v, "resource"), 800), js(v, "resource"),
		    js(v, "action"));
		if (json_array_append_new(items, json_string(line)) != 0)
			doc_fail(d, CP_E_NOMEM);
	}
	doc_list(d, tr(d, "Resources not changed:", "変更していないリソース:"),
	    items, held - (long long)json_array_size(items));
	return doc_finish(d, "remediation", subject, out);
}

static cp_err
render_remediation(struct doc *d, const json_t *pl, json_t **out, char *why,
    size_t why_size)
{
	const char *status = js(pl, "status"), *id = js(pl, "policy");
	const char *unit = js(pl, "unit"), *res = js(pl, "resource");
	const char *name = js(pl, "resource_name");
	const char *head, *what;
	const struct cp_policy *p;
	char where[400], subject[1024];

	if (strcmp(status, "held") == 0 &&
	    json_object_get(pl, "ceiling") != NULL)
		return render_held(d, pl, out);
	if (id[0] == '\0' || unit[0] == '\0' || res[0] == '\0') {
		snprintf(why, why_size, "a remediation notice needs policy, "
		    "unit and resource");
		return CP_E_INVALID;
	}
	if (strcmp(status, "done") == 0) {
		what = tr(d, "Remediated", "対策完了");
		head = tr(d, "Remediation complete", "対策が完了しました");
	} else if (strcmp(status, "failed") == 0) {
		what = tr(d, "Remediation failed", "対策失敗");
		head = tr(d, "Remediation failed", "対策に失敗しました");
	} else if (strcmp(status, "dry-run") == 0) {
		what = tr(d, "Remediation dry run", "対策の試行");
		head = tr(d, "Remediation tried (dry run, nothing changed)",
		    "対策を試行しました (dry run: 変更なし)");
	} else if (strcmp(status, "held") == 0) {
		what = tr(d, "Remediation held", "対策を保留");
		head = tr(d, "Remediation held", "対策を保留しました");
	} else {
		snprintf(why, why_size, "unknown remediation status '%.40s'",
		    status);
		return CP_E_INVALID;
	}
	p = find_policy(d, id);
	unit_label(d, unit, where, sizeof(where));
	snprintf(subject, sizeof(subject), "%s%s: %s%s%s - %.300s (%s)",
	    SUBJECT_PREFIX, what, id, p != NULL ? " " : "",
	    p != NULL ? policy_text(d, &p->title) : "", res, where);
	doc_header(d, head);
	field_policy(d, id, p);
	if (p != NULL)
		doc_field(d, tr(d, "Severity", "重要度"),
		    cp_notify_severity_name(p->severity, lang(d)));
	field_unit(d, unit);
	doc_field(d, tr(d, "Resource", "リソース"), res);
	if (strcmp(name, res) != 0)
		doc_field(d, tr(d, "Resource name", "リソース名"), name);
	doc_field(d, tr(d, "Action", "対策"), js(pl, "action"));
	doc_field(d, tr(d, "Before", "対策前"), js(pl, "before"));
	doc_field(d, tr(d, "After", "対策後"), js(pl, "after"));
	doc_field(d, tr(d, "Error", "エラー"), js(pl, "error"));
	if (d->c->portal != NULL)
		doc_field(d, tr(d, "Portal", "ポータル"), d->c->portal);
	if (p != NULL && strcmp(status, "done") != 0)
		doc_titled(d, tr(d, "How to fix by hand:",
		    "手作業での対処方法:"),
		    policy_text(d, &p->guidance));
	return doc_finish(d, "remediation", subject, out);
}

/* ---- the daily patrol report ---- */

/* One line of section A or B (a new string, NULL on no memory). */
static json_t *
item_line(struct doc *d, const json_t *it, int open_list)
{
	const struct cp_policy *p = find_policy(d, js(it, "policy"));
	const char *res = js(it, "resource"), *name = js(it, "resource_name");
	const char *value = js(it, "value");
	const json_t *sev = json_object_get(it, "severity");
	struct cp_buf b;
	char when[32];
	json_t *s = NULL;
	cp_err r;

	cp_buf_init(&b, 0);
	r = cp_buf_printf(&b, "[%s] %s", json_is_integer(sev) ?
	    cp_notify_severity_name((int)json_integer_value(sev), lang(d)) :
	    "?", js(it, "policy"));
	if (r == CP_OK && p != NULL)
		r = cp_buf_printf(&b, " %s", policy_text(d, &p->title));
	if (r == CP_OK)
		r = cp_buf_printf(&b, " - %.*s", (int)utf8_cut(res, 300), res);
	if (r == CP_OK && name[0] != '\0' && strcmp(name, res) != 0)
		r = cp_buf_printf(&b, " (%.*s)", (int)utf8_cut(name, 200),
		    name);
	if (r == CP_OK)
		r = cp_buf_printf(&b, " - %s/%s", js(it, "env"),
		    js(it, "unit"));
	if (r == CP_OK && value[0] != '\0')
		r = cp_buf_printf(&b, " - %.*s", (int)utf8_cut(value, 300),
		    value);
	if (r == CP_OK)
		r = cp_buf_printf(&b, " - %s %s", open_list ?
		    tr(d, "open since", "検出日時") :
		    tr(d, "first seen", "初回検出"),
		    fmt_time((time_t)ji(it, "first_seen"), when));
	if (r == CP_OK && ji(it, "resolved_at") > 0)
		r = cp_buf_puts(&b, tr(d, " (resolved)", " (解消済み)"));
	if (r == CP_OK)
		s = json_string(b.data);
	cp_buf_free(&b);
	return s;
}

static void
patrol_list(struct doc *d, const json_t *sec, const char *title,
    const char *none, int open_list)
{
	const json_t *list = json_object_get(sec, "items");
	json_t *items, *v;
	size_t i;

	if (json_array_size(list) == 0 && ji(sec, "more") <= 0) {
		doc_titled(d, title, none);
		return;
	}
	items = json_array();
	json_array_foreach(list, i, v) {
		if (items == NULL || i >= CP_MSG_LIST_MAX)
			break;
		if (json_array_append_new(items, item_line(d, v, open_list)) !=
		    0)
			doc_fail(d, CP_E_NOMEM);
	}
	doc_list(d, title, items, ji(sec, "more") + (long long)json_array_size(
	    list) - (long long)json_array_size(items));
}

/* "prod/111 (production)" for a row of C, D or E. */
static void
row_label(const json_t *row, char *buf, size_t n)
{
	const char *name = js(row, "name"), *unit = js(row, "unit");

	if (name[0] != '\0' && strcmp(name, unit) != 0)
		snprintf(buf, n, "%s/%s (%s)", js(row, "env"), unit, name);
	else
		snprintf(buf, n, "%s/%s", js(row, "env"), unit);
}

/* Section C, D or E: off, or one field per unit. */
static void
patrol_table(struct doc *d, const json_t *sec, const char *title,
    const char *off, void (*row)(struct doc *, const json_t *, char *,
    size_t))
{
	const json_t *rows = json_object_get(sec, "rows"), *v;
	char label[400], value[2048];
	size_t i;

	if (!json_is_true(json_object_get(sec, "on"))) {
		doc_titled(d, title, off);
		return;
	}
	doc_para(d, title);
	json_array_foreach(rows, i, v) {
		row_label(v, label, sizeof(label));
		if (!json_is_true(json_object_get(v, "snapshot")))
			snprintf(value, sizeof(value), "%s", tr(d, "no data "
			    "yet (not inspected)", "データなし (未診断)"));
		else
			row(d, v, value, sizeof(value));
		doc_field(d, label, value);
	}
	if (json_array_size(rows) == 0)
		doc_para(d, tr(d, "No unit to show.",
		    "対象のユニットはありません。"));
	end_fields(d);
}

static void
cost_row(struct doc *d, const json_t *row, char *buf, size_t n)
{
	const json_t *amounts = json_object_get(row, "amounts"), *a;
	size_t i, len = 0;

	buf[0] = '\0';
	json_array_foreach(amounts, i, a) {
		int w = snprintf(buf + len, n - len, "%s%.2f %s",
		    i > 0 ? ", " : "", json_number_value(json_object_get(a,
		    "amount")), js(a, "currency"));

		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
	if (len == 0)
		snprintf(buf, n, "%s", tr(d, "no cost recorded",
		    "コストの記録なし"));
}

static void
regions_row(struct doc *d, const json_t *row, char *buf, size_t n)
{
	snprintf(buf, n, d->ja ? "国内 %lld・海外 %lld・グローバル %lld" :
	    "domestic %lld, overseas %lld, global %lld",
	    ji(row, "domestic"), ji(row, "overseas"), ji(row, "global"));
}

static void
users_row(struct doc *d, const json_t *row, char *buf, size_t n)
{
	const json_t *names = json_object_get(row, "created_names"), *v;
	size_t i, len;
	int w;

	w = snprintf(buf, n, d->ja ? "ユーザー %lld 人、前日の作成 %lld 人" :
	    "%lld users, %lld created the day before", ji(row, "users"),
	    ji(row, "created"));
	len = w < 0 ? 0 : (size_t)w;
	json_array_foreach(names, i, v) {
		if (len >= n)
			break;
		const char *name = json_string_value(v) != NULL ?
		    json_string_value(v) : "";

		w = snprintf(buf + len, n - len, "%s%.*s",
		    i == 0 ? ": " : ", ", (int)utf8_cut(name, 200), name);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static cp_err
render_patrol(struct doc *d, const json_t *pl, json_t **out)
{
	const json_t *units = json_object_get(pl, "units"), *u;
	const json_t *news = json_object_get(pl, "new");
	const json_t *open = json_object_get(pl, "open");
	long long n_new, n_open;
	char subject[1024], since[32], title[256];
	json_t *ulist;
	size_t i;

	n_new = (long long)json_array_size(json_object_get(news, "items")) +
	    ji(news, "more");
	n_open = (long long)json_array_size(json_object_get(open, "items")) +
	    ji(open, "more");
	if (n_new == 0)
		snprintf(subject, sizeof(subject), d->ja ?
		    "%sパトロール日報 %s (%s): 新規リスクなし・未対策 %lld 件" :
		    "%sDaily patrol report %s (%s): no new risk, %lld open",
		    SUBJECT_PREFIX, js(pl, "date"), js(pl, "portal"), n_open);
	else
		snprintf(subject, sizeof(subject), d->ja ?
		    "%sパトロール日報 %s (%s): "
		    "新規リスク %lld 件・未対策 %lld 件" :
		    "%sDaily patrol report %s (%s): %lld new risks, %lld open",
		    SUBJECT_PREFIX, js(pl, "date"), js(pl, "portal"), n_new,
		    n_open);
	snprintf(title, sizeof(title), "%s %s", tr(d, "Daily patrol report",
	    "パトロール日報"), js(pl, "date"));
	doc_header(d, title);
	doc_paraf(d, d->ja ? "ポータル %s の通知先 %s 向けの日報です。"
	    "リスクの有無にかかわらず毎日お送りします。" :
	    "The daily report of portal %s for destination %s, sent every "
	    "day whether or not there is a risk.", js(pl, "portal"),
	    js(pl, "destination"));
	ulist = json_array();
	json_array_foreach(units, i, u) {
		char label[400];

		if (ulist == NULL || i >= CP_MSG_LIST_MAX)
			break;
		row_label(u, label, sizeof(label));
		if (json_array_append_new(ulist, json_string(label)) != 0)
			doc_fail(d, CP_E_NOMEM);
	}
	doc_list(d, tr(d, "Units:", "対象ユニット:"), ulist,
	    (long long)json_array_size(units) -
	    (long long)json_array_size(ulist));
	doc_divider(d);
	fmt_time((time_t)ji(pl, "since"), since);
	snprintf(title, sizeof(title), d->ja ?
	    "A. 過去 24 時間の新規リスク (%s 以降)" :
	    "A. New risks of the last 24 hours (since %s)", since);
	patrol_list(d, news, title, tr(d, "No new risk.",
	    "新規リスクはありません。"), 0);
	patrol_list(d, open, tr(d, "B. Remediable risks still open",
	    "B. 未修復の修復可能なリスク"), tr(d, "No remediable risk is "
	    "open.", "未修復の修復可能なリスクはありません。"), 1);
	doc_divider(d);
	snprintf(title, sizeof(title), d->ja ? "C. 当月のコスト (%s)" :
	    "C. This month's cost (%s)", js(json_object_get(pl, "cost"),
	    "month"));
	patrol_table(d, json_object_get(pl, "cost"), title, tr(d, "Off: no "
	    "cost policy is enabled with notification on.", "対象外: コストの"
	    "ポリシーが有効 (通知 on) になっていません。"), cost_row);
	patrol_table(d, json_object_get(pl, "regions"), tr(d, "D. Resources "
	    "in domestic and overseas regions", "D. 国内/海外リージョンの"
	    "リソース数"), tr(d, "Off: no overseas-region policy is enabled "
	    "with notification on.", "対象外: 海外リージョン利用のポリシーが"
	    "有効 (通知 on) になっていません。"), regions_row);
	snprintf(title, sizeof(title), d->ja ?
	    "E. ユーザー数と前日 (%s) の作成" :
	    "E. Users, and users created on %s", js(json_object_get(pl,
	    "users"), "day"));
	patrol_table(d, json_object_get(pl, "users"), title, tr(d, "Off: no "
	    "user-creation policy is enabled with notification on.",
	    "対象外: ユーザー追加のポリシーが有効 (通知 on) に"
	    "なっていません。"),
	    users_row);
	return doc_finish(d, "patrol", subject, out);
}

cp_err
cp_notify_render(const json_t *payload, const struct cp_render_ctx *c,
    json_t **out, char *why, size_t why_size)
{
	const char *type = js(payload, "type");
	struct doc d;
	cp_err r;

	*out = NULL;
	if (why_size > 0)
		why[0] = '\0';
	if (!json_is_object(payload)) {
		snprintf(why, why_size, "the payload is not a JSON object");
		return CP_E_INVALID;
	}
	r = doc_init(&d, c, strcmp(type, "patrol") == 0);
	if (r == CP_OK) {
		if (strcmp(type, "risk") == 0)
			r = render_risk(&d, payload, out, why, why_size);
		else if (strcmp(type, "remediation") == 0)
			r = render_remediation(&d, payload, out, why, why_size);
		else if (strcmp(type, "patrol") == 0)
			r = render_patrol(&d, payload, out);
		else {
			snprintf(why, why_size, "unknown notice type '%.40s'",
			    type);
			r = CP_E_INVALID;
		}
	}
	if (r != CP_OK && r != CP_E_INVALID && why_size > 0 && why[0] == '\0')
		snprintf(why, why_size, "rendering the message: %s",
		    cp_strerror(r));
	doc_fini(&d);
	return r;
}

cp_err
cp_notify_render_test(const struct cp_render_ctx *c, const char *dest,
    time_t now, json_t **out)
{
	char subject[512], when[32];
	struct doc d;
	cp_err r;

	*out = NULL;
	r = doc_init(&d, c, 0);
	if (r != CP_OK)
		goto out;
	snprintf(subject, sizeof(subject), d.ja ? "%sテストメッセージ (%s)" :
	    "%sTest message (%s)", SUBJECT_PREFIX, dest);
	doc_header(&d, tr(&d, "Test message", "テストメッセージ"));
	doc_paraf(&d, d.ja ? "通知先 %s (ポータル %s) に cloudpatrol の"
	    "通知が届くことを確かめるメッセージです。" : "This message checks "
	    "that destination %s of portal %s receives cloudpatrol's "
	    "notices.", dest, c->portal != NULL ? c->portal : "-");
	doc_field(&d, tr(&d, "Sent", "送信日時"), fmt_time(now, when));
	r = doc_finish(&d, "test", subject, out);
out:
	doc_fini(&d);
	return r;
}
