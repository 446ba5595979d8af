/*
 * cmd_asm.c - "cloudpatrol asm ...": the targets of a portal, active scans
 * through the asm-active scanner plugin, and their audit trail.
 *
 * A scan only reaches registered targets; every address is checked
 * against the address classes the configuration allows before the first
 * packet; every scan, refused ones too, is recorded (who, when, targets,
 * ports, source address, User-Agent, outcome).  Targets are handed to the
 * plugin in batches of SCAN_BATCH addresses, a CIDR block expanded as the
 * scan goes, and observations are stored and printed as they come: the
 * number of targets never makes memory grow.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "asm/asm.h"
#include "cli.h"
#include "plugin/host.h"

#define SCAN_BATCH 256		/* addresses per scan() call */
#define SCAN_ADDRS_MAX 16	/* addresses of one FQDN */
#define AUDIT_TARGETS_MAX 1000	/* targets named in the audit row */

static const char asm_help_en[] =
    "Usage: cloudpatrol [-p PORTAL] asm target add TARGET...\n"
    "       cloudpatrol [-p PORTAL] [--json] asm target list\n"
    "       cloudpatrol [-p PORTAL] asm target remove TARGET...\n"
    "       cloudpatrol [-p PORTAL] [--json] asm scan --active [--ports SPEC]"
    " [TARGET...]\n"
    "       cloudpatrol [-p PORTAL] [--json] asm scans\n"
    "A TARGET is an IP address, a CIDR block (at most 65,536 addresses) or "
    "an FQDN.\nA portal's targets are those added and those derived from the "
    "latest snapshots\nof its units: the public addresses and DNS names of "
    "what the asset ledger\ncalls public (A). 'target list' shows both, with "
    "where each came from.\n'target remove' of a derived target excludes it "
    "from every scan; 'target add'\nlifts the exclusion.\n"
    "scan connects only to the portal's targets (all of them when none is "
    "named);\nloopback, private and link-local addresses need "
    "[plugin:asm-active] allow (a\nderived one without it is skipped with a "
    "note).\nSPEC: ports and LO-HI ranges separated by commas, 'top' (1,000 "
    "ports, the\ndefault) or 'all'. Every scan is recorded; 'asm scans' lists "
    "them.\n";
static const char asm_help_ja[] =
    "使い方: cloudpatrol [-p PORTAL] asm target add TARGET...\n"
    "        cloudpatrol [-p PORTAL] [--json] asm target list\n"
    "        cloudpatrol [-p PORTAL] asm target remove TARGET...\n"
    "        cloudpatrol [-p PORTAL] [--json] asm scan --active "
    "[--ports SPEC] [TARGET...]\n"
    "        cloudpatrol [-p PORTAL] [--json] asm scans\n"
    "TARGET は IP アドレス、CIDR (最大 65,536 アドレス)、FQDN のいずれかです。"
    "\nポータルのターゲットは、追加したものと、各ユニットの最新スナップショット"
    "から\n導出したもの (資産台帳が「A: 公開」とする資産のパブリックアドレスと "
    "DNS 名)\nです。'target list' は両方を出所とともに表示します。導出された"
    "ターゲットを\n'target remove' するとスキャン対象から除外され、"
    "'target add' で除外を解除します。\n"
    "scan はポータルのターゲットにだけ接続します (省略時は全ターゲット)。"
    "\nループバック・プライベート・リンクローカルのアドレスには "
    "[plugin:asm-active] allow\nの設定が必要です (導出されたターゲットは、"
    "設定がなければ注記付きでスキップします)。\nSPEC: ポートと LO-HI の範囲"
    "をカンマ区切りで、または 'top'\n(1,000 ポート、既定) か 'all'。"
    "すべてのスキャンは記録され、'asm scans' で一覧できます。\n";

static int
asm_help(struct cli *cli)
{
	printf("%s", cli_text(cli, asm_help_en, asm_help_ja));
	return CLI_OK;
}

static int
target_add(struct cli *cli, int argc, char **argv, const struct cp_portal *p)
{
	int i;

	if (argc < 2)
		return cli_usage(cli, "asm", "asm target add needs a TARGET");
	for (i = 1; i < argc; i++) {
		struct cp_asm_target t;
		char why[512];
		int lifted, added;
		cp_err r;

		if (cp_asm_target_parse(argv[i], &t, why, sizeof(why)) != CP_OK)
			return cli_error(cli, "%s", why);
		if (t.kind != CP_ASM_FQDN && (cp_asm_classify(t.family, t.addr,
		    t.prefix) & (CP_ASM_ADDR_METADATA |
		    CP_ASM_ADDR_RESERVED)) != 0)
			return cli_error(cli, cli_text(cli, "%s is or holds a "
			    "metadata or reserved address: never scanned",
			    "%s はメタデータまたは予約アドレスを含むため、スキャン"
			    "できません"), t.text);
		/* Lifting an exclusion and adding: both, or neither. */
		if (cp_store_begin(cli->store) != CP_OK)
			return cli_error(cli, "%s", cp_store_errmsg(cli->store));
		lifted = 0;
		r = cp_asm_exclusion_remove(cli->store, p->id, t.text);
		if (r == CP_OK) {
			lifted = 1;
			r = cp_audit(cli->store, p->id, "cli",
			    "asm.target.include", t.text);
		} else if (r == CP_E_NOTFOUND) {
			r = CP_OK;
		}
		added = 0;
		if (r == CP_OK) {
			r = cp_asm_target_add(cli->store, p->id, &t);
			added = r == CP_OK;
			if (r == CP_E_EXISTS)
				r = CP_OK;
		}
		if (cp_store_end(cli->store, r) != CP_OK)
			return cli_error(cli, "%s", cp_store_errmsg(cli->store));
		if (!cli->json && lifted)
			printf(cli_text(cli, "lifted the exclusion of %s\n",
			    "%s の除外を解除しました\n"), t.text);
		if (!cli->json && added)
			printf(cli_text(cli, "added target %s\n",
			    "ターゲット %s を追加しました\n"), t.text);
	}
	return CLI_OK;
}

/* The portal's derived targets, with their notes on stderr; NULL (said
 * why) on an error. */
static cp_asm_derived_set *
load_derived(struct cli *cli, const struct cp_portal *p)
{
	cp_asm_derived_set *d = NULL;
	char why[512];
	size_t i;

	if (cp_asm_derived_load(cli->store, p->id,
	    cp_core_config(cli->core)->state_dir, cli_is_ja(cli) ? "ja" : "en",
	    &d, why, sizeof(why)) != CP_OK) {
		cli_error(cli, "%s", why);
		return NULL;
	}
	for (i = 0; i < cp_asm_derived_note_count(d); i++)
		fprintf(stderr, "%s: %s%s\n", cli->prog, cli_text(cli,
		    "note: ", "注記: "), cp_asm_derived_note(d, i));
	return d;
}

/* The classes of an address as a JSON array of words. */
static json_t *
classes_json(unsigned cls)
{
	char words[128];
	const char *p = words;
	json_t *a = json_array();

	cp_asm_class_words(cls, words, sizeof(words));
	while (a != NULL && *p != '\0') {
		size_t n = strcspn(p, ",");

		json_array_append_new(a, json_stringn(p, n));
		p += n;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return a;
}

/* What list says of a target beside its source: classes, exclusion. */
static void
target_note(struct cli *cli, unsigned cls, int excluded, char *buf,
    size_t n)
{
	char words[128];

	cp_asm_class_words(cls, words, sizeof(words));
	snprintf(buf, n, "%s%s%s", excluded ? cli_text(cli, "excluded",
	    "除外") : "", excluded && words[0] != '\0' ? ", " : "", words);
}

struct tl {
	struct cli *cli;
	json_t *arr;
	struct cli_table *t;
	json_t *manual;			/* the added targets, a set */
};

static cp_err
tl_row(void *ud, const char *text, const char *kind, const char *created)
{
	struct tl *l = ud;
	struct cp_asm_target t;
	char why[256], note[160];
	const char *cells[5];
	unsigned cls = 0;

	if (json_object_set_new(l->manual, text, json_true()) != 0)
		return CP_E_NOMEM;
	if (cp_asm_target_parse(text, &t, why, sizeof(why)) == CP_OK &&
	    t.kind != CP_ASM_FQDN)
		cls = cp_asm_classify(t.family, t.addr, t.prefix);
	if (l->arr != NULL)
		return json_array_append_new(l->arr, json_pack("{s:s,s:s,s:s,"
		    "s:s,s:s,s:o,s:b}", "target", text, "kind", kind, "origin",
		    "manual", "source", "manual", "created", created,
		    "classes", classes_json(cls), "excluded", 0)) == 0 ?
		    CP_OK : CP_E_NOMEM;
	target_note(l->cli, cls, 0, note, sizeof(note));
	cells[0] = text;
	cells[1] = kind;
	cells[2] = cli_text(l->cli, "manual", "手動");
	cells[3] = created;
	cells[4] = note;
	return cli_table_add(l->t, cells);
}

static cp_err
tl_derived(struct tl *l, const struct cp_asm_derived *d)
{
	const char *kind = d->t.kind == CP_ASM_FQDN ? "fqdn" : "ip";
	char source[1024], note[160];
	const char *cells[5];

	cp_asm_derived_source(d, source, sizeof(source));
	if (l->arr != NULL)
		return json_array_append_new(l->arr, json_pack("{s:s,s:s,s:s,"
		    "s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:b}", "target",
		    d->t.text, "kind", kind, "origin", "snapshot", "source",
		    source, "env", d->env, "cloud", d->cloud, "unit", d->unit,
		    "resource_type", d->type, "resource_id", d->id,
		    "resource_name", d->name, "seen", d->seen, "classes",
		    classes_json(d->classes), "excluded", d->excluded)) == 0 ?
		    CP_OK : CP_E_NOMEM;
	target_note(l->cli, d->classes, d->excluded, note, sizeof(note));
	cells[0] = d->t.text;
	cells[1] = kind;
	cells[2] = source;
	cells[3] = d->seen;
	cells[4] = note;
	return cli_table_add(l->t, cells);
}

static int
target_list(struct cli *cli, const struct cp_portal *p)
{
	const char *const head_en[] = { "TARGET", "KIND", "SOURCE", "ADDED",
		"NOTE" };
	const char *const head_ja[] = { "ターゲット", "種別", "出所",
		"追加日時", "備考" };
	struct tl l = { cli, NULL, NULL, NULL };
	cp_asm_derived_set *d = NULL;
	int rc = CLI_ERROR;
	cp_err r;
	size_t i;

	l.manual = json_object();
	if (cli->json)
		l.arr = json_array();
	else
		l.t = cli_table_new(5, cli_is_ja(cli) ? head_ja : head_en);
	if (l.manual == NULL || (l.arr == NULL && l.t == NULL)) {
		cli_error(cli, "out of memory");
		goto out;
	}
	if (cp_asm_target_list(cli->store, p->id, tl_row, &l) != CP_OK) {
		cli_error(cli, "%s", cp_store_errmsg(cli->store));
		goto out;
	}
	d = load_derived(cli, p);
	if (d == NULL)
		goto out;
	/* An added target shows once, as added. */
	for (i = 0, r = CP_OK; r == CP_OK && i < cp_asm_derived_count(d);
	    i++) {
		const struct cp_asm_derived *x = cp_asm_derived_at(d, i);

		if (json_object_get(l.manual, x->t.text) == NULL)
			r = tl_derived(&l, x);
	}
	if (r != CP_OK) {
		cli_error(cli, "%s", cp_strerror(r));
		goto out;
	}
	if (cli->json) {
		rc = cli_print_json(l.arr);
		l.arr = NULL;
	} else {
		cli_table_print(l.t, stdout);
		rc = CLI_OK;
	}
out:
	cp_asm_derived_destroy(d);
	json_decref(l.arr);
	json_decref(l.manual);
	cli_table_free(l.t);
	return rc;
}

/*
 * An added target is deleted; a derived one (or one that is both, on the
 * second remove) is excluded, so that no scan reaches it while its
 * resource keeps it public.
 */
static int
target_remove(struct cli *cli, int argc, char **argv,
    const struct cp_portal *p)
{
	cp_asm_derived_set *d = NULL;
	int i, rc = CLI_ERROR;

	if (argc < 2)
		return cli_usage(cli, "asm", "asm target remove needs a TARGET");
	for (i = 1; i < argc; i++) {
		const struct cp_asm_derived *x;
		struct cp_asm_target t;
		char why[512], source[1024];
		const char *text = argv[i];
		cp_err r;

		if (cp_asm_target_parse(argv[i], &t, why, sizeof(why)) == CP_OK)
			text = t.text;
		r = cp_asm_target_remove(cli->store, p->id, text);
		if (r != CP_OK && r != CP_E_NOTFOUND) {
			cli_error(cli, "%s", cp_store_errmsg(cli->store));
			goto out;
		}
		if (d == NULL && (d = load_derived(cli, p)) == NULL)
			goto out;
		x = cp_asm_derived_find(d, text);
		if (x != NULL)
			cp_asm_derived_source(x, source, sizeof(source));
		if (r == CP_OK) {
			if (!cli->json)
				printf(cli_text(cli, "removed target %s\n",
				    "ターゲット %s を削除しました\n"), text);
			if (!cli->json && x != NULL && !x->excluded)
				printf(cli_text(cli, "%s is still derived from "
				    "%s: remove it again to exclude it\n",
				    "%s は引き続き %s から導出されます。除外する"
				    "にはもう一度 remove してください\n"), text,
				    source);
			continue;
		}
		if (x == NULL) {
			cli_error(cli, cli_text(cli, "%s is not a target of "
			    "portal %s: neither added nor derived from its "
			    "snapshots", "%s はポータル %s のターゲットでは"
			    "ありません (追加も、スナップショットからの導出も"
			    "されていません)"), text, p->name);
			goto out;
		}
		if (x->excluded) {
			if (!cli->json)
				printf(cli_text(cli, "%s is excluded already\n",
				    "%s は既に除外されています\n"), text);
			continue;
		}
		r = cp_asm_exclusion_add(cli->store, p->id, text);
		if (r == CP_E_EXISTS) {
			/* Named twice in this command. */
			if (!cli->json)
				printf(cli_text(cli, "%s is excluded already\n",
				    "%s は既に除外されています\n"), text);
			continue;
		}
		if (r != CP_OK || cp_audit(cli->store, p->id, "cli",
		    "asm.target.exclude", text) != CP_OK) {
			cli_error(cli, "%s", cp_store_errmsg(cli->store));
			goto out;
		}
		if (cli->json)
			continue;
		printf(cli_text(cli, "excluded %s (derived from %s): no scan "
		    "reaches it; 'asm target add %s' lifts the exclusion\n",
		    "%s (%s から導出) を除外しました。スキャンされません。"
		    "'asm target add %s' で解除できます\n"), text, source,
		    text);
	}
	rc = CLI_OK;
out:
	cp_asm_derived_destroy(d);
	return rc;
}

static int
cmd_target(struct cli *cli, int argc, char **argv)
{
	struct cp_portal p;
	int rc;

	if (argc < 2)
		return cli_usage(cli, "asm", "asm target needs add, list or "
		    "remove");
	rc = cli_portal(cli, &p);
	if (rc != CLI_OK)
		return rc;
	if (strcmp(argv[1], "add") == 0)
		return target_add(cli, argc - 1, argv + 1, &p);
	if (strcmp(argv[1], "list") == 0) {
		if (argc != 2)
			return cli_usage(cli, "asm", "asm target list takes no "
			    "argument");
		return target_list(cli, &p);
	}
	if (strcmp(argv[1], "remove") == 0)
		return target_remove(cli, argc - 1, argv + 1, &p);
	return cli_usage(cli, "asm", "unknown asm target command '%s'",
	    argv[1]);
}

/* Whether spec is a port set the plugin takes (checked before a scan). */
static int
ports_ok(const char *spec, char *why, size_t why_size)
{
	const char *p = spec;

	if (*spec == '\0' || strlen(spec) > 1024) {
		snprintf(why, why_size, "the port set is empty or too long");
		return 0;
	}
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		char item[32], *end;
		unsigned long lo, hi;

		if (n == 0 || n >= sizeof(item)) {
			snprintf(why, why_size, "bad port set '%.100s'", spec);
			return 0;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		if (strcmp(item, "top") != 0 && strcmp(item, "all") != 0) {
			if (item[0] < '0' || item[0] > '9')
				goto bad;
			lo = hi = strtoul(item, &end, 10);
			if (*end == '-') {
				if (end[1] < '0' || end[1] > '9')
					goto bad;
				hi = strtoul(end + 1, &end, 10);
			}
			if (*end != '\0' || lo < 1 || hi > 65535 || lo > hi)
				goto bad;
		}
		p += n;
		if (*p == ',')
			p++;
		continue;
bad:
		snprintf(why, why_size, "bad port set item '%s': expected a "
		    "port 1-65535, LO-HI, top or all", item);
		return 0;
	}
	return 1;
}

/* A target of the scan, checked, with its addresses when it is a name. */
struct item {
	struct cp_asm_target t;
	char (*addrs)[INET6_ADDRSTRLEN];	/* a name's: SCAN_ADDRS_MAX */
	size_t naddrs;
	const struct cp_asm_derived *d;	/* derived, not named or added */
};

/* Looks name up in the resolve list "NAME=ADDR, ..." first, then DNS. */
static int
resolve(const char *list, struct item *it, char *why, size_t why_size)
{
	struct addrinfo hints, *res = NULL, *a;
	const char *p = list;
	size_t nl = strlen(it->t.text);
	int rc;

	if (it->addrs == NULL)
		it->addrs = calloc(SCAN_ADDRS_MAX, sizeof(*it->addrs));
	if (it->addrs == NULL) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	while (p != NULL && *p != '\0') {
		size_t n;

		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, ", ");
		if (n > nl + 1 && strncasecmp(p, it->t.text, nl) == 0 &&
		    p[nl] == '=' && it->naddrs < SCAN_ADDRS_MAX &&
		    n - nl - 1 < INET6_ADDRSTRLEN) {
			memcpy(it->addrs[it->naddrs], p + nl + 1, n - nl - 1);
			it->addrs[it->naddrs][n - nl - 1] = '\0';
			it->naddrs++;
		}
		p += n;
	}
	if (it->naddrs > 0)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(it->t.text, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(why, why_size, "%s: %s", it->t.text, gai_strerror(rc));
		return -1;
	}
	for (a = res; a != NULL && it->naddrs < SCAN_ADDRS_MAX; a = a->ai_next)
		if (getnameinfo(a->ai_addr, a->ai_addrlen,
		    it->addrs[it->naddrs], INET6_ADDRSTRLEN, NULL, 0,
		    NI_NUMERICHOST) == 0) {
			size_t k;

			for (k = 0; k < it->naddrs; k++)
				if (strcmp(it->addrs[k],
				    it->addrs[it->naddrs]) == 0)
					break;
			if (k == it->naddrs)
				it->naddrs++;
		}
	freeaddrinfo(res);
	return 0;
}

/* The local address a connection to addr would leave from (no packet). */
static void
source_of(const char *addr, char *out, size_t n)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	out[0] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(addr, "9", &hints, &res) != 0)
		return;
	fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		getnameinfo((struct sockaddr *)&ss, len, out, (socklen_t)n,
		    NULL, 0, NI_NUMERICHOST);
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
}

struct scan_run {
	struct cli *cli;
	const struct cp_scanner_ops *ops;
	void *ctx;
	json_t *options;
	int64_t portal_id, scan_id;
	char *batch[SCAN_BATCH];
	size_t nbatch;
	size_t open_ports, printed;
	int failed;
	char why[512];
};

static cp_err
observe(const struct cp_observation_sink *sink, const char *target,
    const char *kind, const json_t *data)
{
	struct scan_run *s = sink->ud;
	const json_t *http, *tls, *cpe;
	char tname[CP_ASM_TARGET_MAX + INET6_ADDRSTRLEN];
	const char *at;
	json_t *o;
	cp_err r;

	if (strcmp(kind, "port") != 0 || !json_is_object(data))
		return CP_OK;
	/* The plugin was given NAME@ADDRESS: the target is NAME. */
	at = strchr(target, '@');
	snprintf(tname, sizeof(tname), "%.*s", at != NULL ?
	    (int)(at - target) : (int)strlen(target), target);
	r = cp_asm_observation_add(s->cli->store, s->scan_id, s->portal_id,
	    tname, data);
	if (r != CP_OK)
		return r;
	s->open_ports++;
	if (s->cli->json) {
		o = json_deep_copy(data);
		if (o == NULL)
			return CP_E_NOMEM;
		json_object_set_new(o, "target", json_string(tname));
		printf("%s", s->printed++ == 0 ? "[\n" : ",\n");
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		json_decref(o);
		return CP_OK;
	}
	if (s->printed++ == 0)
		printf("%-32s %5s  %-8s %s\n", cli_text(s->cli, "TARGET",
		    "ターゲット"), cli_text(s->cli, "PORT", "ポート"),
		    cli_text(s->cli, "SERVICE", "サービス"),
		    cli_text(s->cli, "DETAIL", "詳細"));
	http = json_object_get(data, "http");
	tls = json_object_get(data, "tls");
	cpe = json_object_get(data, "cpe");
	printf("%-32s %5lld  %-8s", tname,
	    (long long)json_integer_value(json_object_get(data, "port")),
	    json_string_value(json_object_get(data, "service")) != NULL ?
	    json_string_value(json_object_get(data, "service")) : "?");
	if (http != NULL)
		printf(" %lld %s \"%s\"",
		    (long long)json_integer_value(json_object_get(http,
		    "status")), json_string_value(json_object_get(http,
		    "server")) != NULL ? json_string_value(json_object_get(
		    http, "server")) : "-", json_string_value(json_object_get(
		    http, "title")) != NULL ? json_string_value(
		    json_object_get(http, "title")) : "");
	else if (json_string_value(json_object_get(data, "banner")) != NULL)
		printf(" %.80s", json_string_value(json_object_get(data,
		    "banner")));
	if (tls != NULL)
		printf(" [%s %s]", json_string_value(json_object_get(tls,
		    "protocol")) != NULL ? json_string_value(json_object_get(
		    tls, "protocol")) : "TLS", json_string_value(
		    json_object_get(tls, "subject")) != NULL ?
		    json_string_value(json_object_get(tls, "subject")) : "");
	if (json_array_size(cpe) > 0)
		printf(" %s", json_string_value(json_array_get(cpe, 0)));
	printf("\n");
	return CP_OK;
}

/* Hands the batch to the plugin and stores what it saw in one go. */
static int
flush(struct scan_run *s)
{
	struct cp_observation_sink sink = { sizeof(sink), observe, s };
	cp_err r;
	size_t i;

	if (s->nbatch == 0 || s->failed)
		goto out;
	r = cp_store_begin(s->cli->store);
	if (r == CP_OK) {
		r = s->ops->scan(s->ctx, (const char *const *)s->batch,
		    s->nbatch, s->options, &sink);
		if (r == CP_OK)
			r = cp_store_commit(s->cli->store);
		else
			cp_store_rollback(s->cli->store);
	}
	if (r != CP_OK) {
		s->failed = 1;
		snprintf(s->why, sizeof(s->why), "the scanner failed: %s",
		    cp_strerror(r));
	}
	fflush(stdout);
out:
	for (i = 0; i < s->nbatch; i++)
		free(s->batch[i]);
	s->nbatch = 0;
	return s->failed ? -1 : 0;
}

static int
push(struct scan_run *s, const char *name, const char *addr)
{
	char buf[CP_ASM_TARGET_MAX + INET6_ADDRSTRLEN + 2];

	if (name != NULL)
		snprintf(buf, sizeof(buf), "%s@%s", name, addr);
	else
		snprintf(buf, sizeof(buf), "%s", addr);
	s->batch[s->nbatch] = strdup(buf);
	if (s->batch[s->nbatch] == NULL) {
		s->failed = 1;
		snprintf(s->why, sizeof(s->why), "out of memory");
		return -1;
	}
	if (++s->nbatch == SCAN_BATCH)
		return flush(s);
	return 0;
}

struct items {
	struct item *v;
	size_t n, cap;
};

/* A zeroed item at the end of l, not yet counted; NULL without memory. */
static struct item *
items_next(struct items *l)
{
	if (l->n == l->cap) {
		size_t nc = l->cap == 0 ? 16 : l->cap * 2;
		struct item *v = realloc(l->v, nc * sizeof(*v));

		if (v == NULL)
			return NULL;
		l->v = v;
		l->cap = nc;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	return &l->v[l->n];
}

static cp_err
collect_registered(void *ud, const char *text, const char *kind,
    const char *created)
{
	struct items *l = ud;
	struct item *it = items_next(l);
	char why[256];

	(void)kind;
	(void)created;
	if (it == NULL)
		return CP_E_NOMEM;
	if (cp_asm_target_parse(text, &it->t, why, sizeof(why)) == CP_OK)
		l->n++;
	return CP_OK;
}

/*
 * Adds the derived targets of d that are not excluded and that no added
 * target covers (those are scanned as added ones, once).  The first
 * n_added items are the added targets.
 */
static cp_err
collect_derived(struct items *l, size_t n_added, const cp_asm_derived_set *d)
{
	size_t i, k;

	for (i = 0; i < cp_asm_derived_count(d); i++) {
		const struct cp_asm_derived *x = cp_asm_derived_at(d, i);
		struct item *it;

		if (x->excluded)
			continue;
		for (k = 0; k < n_added; k++)
			if (cp_asm_target_covers(&l->v[k].t, &x->t))
				break;
		if (k < n_added)
			continue;
		if ((it = items_next(l)) == NULL)
			return CP_E_NOMEM;
		it->t = x->t;
		it->d = x;
		l->n++;
	}
	return CP_OK;
}

/*
 * Skips derived item it, said on stderr and in skipped (for the audit
 * row): a derived target the configuration refuses never stops the scan
 * of the others.
 */
static void
skip_derived(struct cli *cli, struct item *it, const char *why,
    char *skipped, size_t n, size_t *n_skipped)
{
	char source[1024];
	size_t len = strlen(skipped);

	cp_asm_derived_source(it->d, source, sizeof(source));
	fprintf(stderr, "%s: %s%s (%s): %s\n", cli->prog,
	    cli_text(cli, "skipped derived target ",
	    "導出ターゲットをスキップ: "), it->t.text, source, why);
	if (len + 1 < n)
		snprintf(skipped + len, n - len, "%s%s", len > 0 ? ", " : "",
		    it->t.text);
	(*n_skipped)++;
	it->t.kind = 0;			/* dropped below */
}

/*
 * The portal's exclusions, sorted: an excluded address is never probed,
 * whether it comes as a derived target, an address a name resolves to,
 * or an address of an added block.
 */
struct exclusions {
	char **v;
	size_t n, cap;
};

static cp_err
collect_exclusion(void *ud, const char *text, const char *created)
{
	struct exclusions *x = ud;

	(void)created;
	if (x->n == x->cap) {
		size_t cap = x->cap == 0 ? 16 : x->cap * 2;
		char **nv = realloc(x->v, cap * sizeof(*nv));

		if (nv == NULL)
			return CP_E_NOMEM;
		x->v = nv;
		x->cap = cap;
	}
	if ((x->v[x->n] = strdup(text)) == NULL)
		return CP_E_NOMEM;
	x->n++;
	return CP_OK;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_excluded(const struct exclusions *x, const char *text)
{
	return x->n > 0 && bsearch(&text, x->v, x->n, sizeof(*x->v),
	    cmp_str) != NULL;
}

static void
exclusions_free(struct exclusions *x)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		free(x->v[i]);
	free(x->v);
}

/* Says that address addr (of name, or of a block) was left out. */
static void
note_excluded(struct cli *cli, const char *of, const char *addr,
    size_t *n_excluded)
{
	fprintf(stderr, "%s: %s%s (%s)\n", cli->prog, cli_text(cli,
	    "left out excluded address ", "除外されたアドレスを対象外に: "),
	    addr, of);
	(*n_excluded)++;
}

/* Raises the soft limit of open files: a connect scan holds many. */
static void
more_files(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536)
		rl.rlim_cur = 65536;
	else
		rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

static int
cmd_scan(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "active", no_argument, NULL, 'a' },
		{ "passive", no_argument, NULL, 'P' },
		{ "ports", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cp_host *host = cp_host_table();
	const char *ports = "top", *ua, *allow_s;
	struct items items = { NULL, 0, 0 };
	struct scan_run s;
	struct cp_portal portal;
	struct cp_asm_scan rec;
	cp_registry *reg;
	cp_plugin *p;
	const void *ops = NULL;
	json_t *names = NULL;
	cp_asm_derived_set *derived = NULL;
	struct exclusions excl = { NULL, 0, 0 };
	char why[512], source[INET6_ADDRSTRLEN] = "", *names_s = NULL;
	char outcome[700], skipped[300] = "";
	unsigned allow = 0;
	int c, active = 0, rc = CLI_ERROR, refused = 0;
	size_t i, k, n_skipped = 0, n_excluded = 0;

	memset(&s, 0, sizeof(s));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			active = 1;
			break;
		case 'P':
			return cli_error(cli, cli_text(cli, "the passive scan "
			    "is not available in this build",
			    "パッシブスキャンはこのビルドでは使えません"));
		case 'o':
			ports = optarg;
			break;
		case 'h':
			return asm_help(cli);
		default:
			return cli_bad_option(cli, "asm", c, argv);
		}
	}
	if (!active)
		return cli_usage(cli, "asm", "asm scan needs --active");
	if (!ports_ok(ports, why, sizeof(why)))
		return cli_usage(cli, "asm", "%s", why);
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	rc = CLI_ERROR;
	reg = cli_plugins(cli);
	if (reg == NULL)
		return CLI_ERROR;
	p = cp_registry_find(reg, CP_CAP_SCANNER, "asm-active", &ops, &s.ctx);
	if (p == NULL)
		return cli_error(cli, cli_text(cli, "no running plugin offers "
		    "the asm-active scanner (see 'cloudpatrol plugins')",
		    "asm-active スキャナを提供するプラグインが動いていません "
		    "('cloudpatrol plugins' を参照)"));
	s.ops = ops;
	allow_s = host->config_get(p, "allow");
	if (cp_asm_allow_parse(allow_s, &allow, why, sizeof(why)) != CP_OK)
		return cli_error(cli, "%s", why);
	ua = host->config_get(p, "user_agent");
	/* The targets: those named, each added or derived, or all of them. */
	if (optind == argc) {
		size_t n_added;

		if (cp_asm_target_list(cli->store, portal.id,
		    collect_registered, &items) != CP_OK) {
			cli_error(cli, "%s", cp_store_errmsg(cli->store));
			goto out;
		}
		n_added = items.n;
		if ((derived = load_derived(cli, &portal)) == NULL)
			goto out;
		if (collect_derived(&items, n_added, derived) != CP_OK) {
			cli_error(cli, "out of memory");
			goto out;
		}
		if (items.n == 0) {
			cli_error(cli, cli_text(cli, "portal %s has no targets:"
			    " add some with 'cloudpatrol asm target add', or "
			    "inspect its units so that their public addresses "
			    "become targets", "ポータル %s にターゲットがありま"
			    "せん: 'cloudpatrol asm target add' で追加するか、"
			    "ユニットを診断してパブリックアドレスをターゲットに"
			    "してください"), portal.name);
			goto out;
		}
	} else {
		items.cap = (size_t)(argc - optind);
		items.v = calloc(items.cap, sizeof(*items.v));
		if (items.v == NULL) {
			cli_error(cli, "out of memory");
			goto out;
		}
		for (; optind < argc; optind++) {
			struct item *it = &items.v[items.n];
			int yes = 0;

			if (cp_asm_target_parse(argv[optind], &it->t, why,
			    sizeof(why)) != CP_OK) {
				rc = cli_usage(cli, "asm", "%s", why);
				goto out;
			}
			const struct cp_asm_derived *x = NULL;

			if (cp_asm_target_registered(cli->store, portal.id,
			    &it->t, &yes) != CP_OK) {
				cli_error(cli, "%s", cp_store_errmsg(cli->store));
				goto out;
			}
			/* Not added: one of the derived ones, then. */
			if (!yes && derived == NULL &&
			    (derived = load_derived(cli, &portal)) == NULL)
				goto out;
			if (!yes)
				x = cp_asm_derived_find(derived, it->t.text);
			if (x != NULL && x->excluded) {
				snprintf(why, sizeof(why), cli_text(cli, "%s is "
				    "excluded from the targets of portal %s: "
				    "'cloudpatrol asm target add %s' lifts the "
				    "exclusion", "%s はポータル %s のターゲット"
				    "から除外されています: 'cloudpatrol asm "
				    "target add %s' で解除できます"), it->t.text,
				    portal.name, it->t.text);
				refused = 1;
				break;
			}
			if (!yes && x == NULL) {
				snprintf(why, sizeof(why), cli_text(cli, "%s is "
				    "not a target of portal %s: neither added "
				    "nor derived from its snapshots; add it "
				    "first with 'cloudpatrol asm target add %s'",
				    "%s はポータル %s のターゲットではありません"
				    " (追加も、スナップショットからの導出もされて"
				    "いません): 先に 'cloudpatrol asm target add"
				    " %s' で登録してください"), it->t.text,
				    portal.name, it->t.text);
				refused = 1;
				break;
			}
			items.n++;
		}
	}
	if (cp_asm_exclusion_list(cli->store, portal.id, collect_exclusion,
	    &excl) != CP_OK) {
		cli_error(cli, "%s", cp_store_errmsg(cli->store));
		goto out;
	}
	if (excl.n > 1)
		qsort(excl.v, excl.n, sizeof(*excl.v), cmp_str);
	/*
	 * Every address is checked before the first packet.  An added or
	 * named target that fails refuses the scan; a derived one is
	 * skipped with a note (a snapshot's private address is the
	 * cloud's doing, not the operator's request).  Excluded addresses
	 * a name resolves to are left out, and a name with nothing else is
	 * skipped.
	 */
	for (i = 0; !refused && i < items.n; i++) {
		struct item *it = &items.v[i];
		int bad = 0;

		if (it->t.kind != CP_ASM_FQDN) {
			bad = cp_asm_allowed(cp_asm_classify(it->t.family,
			    it->t.addr, it->t.prefix), allow, it->t.text, why,
			    sizeof(why)) != CP_OK;
		} else if (resolve(host->config_get(p, "resolve"), it, why,
		    sizeof(why)) != 0) {
			bad = 1;
		} else {
			for (k = 0; !bad && k < it->naddrs; k++) {
				struct cp_asm_target a;
				char what[400], w2[256];

				if (cp_asm_target_parse(it->addrs[k], &a, w2,
				    sizeof(w2)) != CP_OK ||
				    a.kind != CP_ASM_IP) {
					snprintf(why, sizeof(why), "%s: resolve "
					    "gives '%s', not an address",
					    it->t.text, it->addrs[k]);
					bad = 1;
					break;
				}
				snprintf(what, sizeof(what), "%s (%s)",
				    it->t.text, a.text);
				bad = cp_asm_allowed(cp_asm_classify(a.family,
				    a.addr, a.prefix), allow, what, why,
				    sizeof(why)) != CP_OK;
			}
			for (k = 0; !bad && k < it->naddrs;) {
				if (!is_excluded(&excl, it->addrs[k])) {
					k++;
					continue;
				}
				note_excluded(cli, it->t.text, it->addrs[k],
				    &n_excluded);
				memmove(it->addrs[k], it->addrs[k + 1],
				    (it->naddrs - k - 1) *
				    sizeof(it->addrs[0]));
				it->naddrs--;
			}
			if (!bad && it->naddrs == 0) {
				it->t.kind = 0;		/* dropped below */
				continue;
			}
		}
		if (bad && it->d != NULL)
			skip_derived(cli, it, why, skipped, sizeof(skipped),
			    &n_skipped);
		else if (bad)
			refused = 1;
	}
	/* The skipped ones leave the list. */
	for (i = 0, k = 0; i < items.n; i++) {
		if (items.v[i].t.kind == 0) {
			free(items.v[i].addrs);
			continue;
		}
		items.v[k++] = items.v[i];
	}
	items.n = k;
	if (!refused && items.n == 0) {
		snprintf(why, sizeof(why), cli_text(cli, "every target of "
		    "portal %s was skipped (%zu, and %zu excluded "
		    "address(es)): %s", "ポータル %s のターゲットはすべて"
		    "スキップされました (%zu 件、除外アドレス %zu 件): %s"),
		    portal.name, n_skipped, n_excluded, skipped);
		refused = 1;
	}
	/* The audit row. */
	names = json_array();
	for (i = 0; names != NULL && i < items.n && i < AUDIT_TARGETS_MAX; i++)
		json_array_append_new(names, json_string(items.v[i].t.text));
	if (refused && optind < argc && names != NULL)
		json_array_append_new(names, json_string(argv[optind]));
	names_s = names != NULL ? json_dumps(names, JSON_COMPACT) : NULL;
	if (names_s == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	if (items.n > 0) {
		const struct item *it = &items.v[0];
		char first[INET6_ADDRSTRLEN] = "";

		if (it->t.kind == CP_ASM_FQDN)
			snprintf(first, sizeof(first), "%s", it->naddrs > 0 ?
			    it->addrs[0] : "");
		else
			cp_asm_cidr_addr(&it->t, 0, first, sizeof(first));
		source_of(first, source, sizeof(source));
	}
	memset(&rec, 0, sizeof(rec));
	rec.portal_id = portal.id;
	{
		struct passwd *pw = getpwuid(geteuid());

		rec.who = pw != NULL ? pw->pw_name : "?";
	}
	rec.targets = names_s;
	/* The named target that was refused is in names too. */
	rec.n_targets = items.n + (refused && optind < argc ? 1u : 0u);
	rec.ports = ports;
	rec.source = source;
	rec.user_agent = ua;
	if (refused) {
		if (cp_asm_scan_begin(cli->store, &rec, "refused", why,
		    &s.scan_id) != CP_OK)
			cli_error(cli, "%s", cp_store_errmsg(cli->store));
		cli_error(cli, "%s", why);
		goto out;
	}
	if (cp_asm_scan_begin(cli->store, &rec, "running", "", &s.scan_id) !=
	    CP_OK) {
		cli_error(cli, "%s", cp_store_errmsg(cli->store));
		goto out;
	}
	more_files();
	/* A peer that resets while TLS writes must not end the scan. */
	signal(SIGPIPE, SIG_IGN);
	s.cli = cli;
	s.portal_id = portal.id;
	s.options = json_pack("{s:s}", "ports", ports);
	if (s.options == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	for (i = 0; !s.failed && i < items.n; i++) {
		struct item *it = &items.v[i];
		uint32_t j, n;
		char addr[INET6_ADDRSTRLEN];

		switch (it->t.kind) {
		case CP_ASM_IP:
			if (is_excluded(&excl, it->t.text))
				note_excluded(cli, it->t.text, it->t.text,
				    &n_excluded);
			else
				push(&s, NULL, it->t.text);
			break;
		case CP_ASM_FQDN:
			for (k = 0; k < it->naddrs && !s.failed; k++)
				push(&s, it->t.text, it->addrs[k]);
			break;
		default:
			n = cp_asm_cidr_size(&it->t);
			for (j = 0; j < n && !s.failed; j++) {
				cp_asm_cidr_addr(&it->t, j, addr, sizeof(addr));
				if (is_excluded(&excl, addr))
					note_excluded(cli, it->t.text, addr,
					    &n_excluded);
				else
					push(&s, NULL, addr);
			}
		}
	}
	flush(&s);
	if (cli->json)
		printf("%s", s.printed > 0 ? "\n]\n" : "[]\n");
	snprintf(outcome, sizeof(outcome), "%.300s%s%zu open port(s)",
	    s.failed ? s.why : "", s.failed ? "; " : "", s.open_ports);
	if (n_skipped > 0) {
		size_t len = strlen(outcome);

		snprintf(outcome + len, sizeof(outcome) - len, "; skipped %zu "
		    "derived target(s): %s", n_skipped, skipped);
	}
	if (n_excluded > 0) {
		size_t len = strlen(outcome);

		snprintf(outcome + len, sizeof(outcome) - len, "; left out "
		    "%zu excluded address(es)", n_excluded);
	}
	if (cp_asm_scan_finish(cli->store, s.scan_id, s.failed ? "error" :
	    "ok", outcome, s.open_ports) != CP_OK) {
		cli_error(cli, "%s", cp_store_errmsg(cli->store));
		goto out;
	}
	if (s.failed) {
		cli_error(cli, "%s", s.why);
		goto out;
	}
	if (!cli->json && s.printed == 0)
		printf("%s", cli_text(cli, "no open port found\n",
		    "開いているポートはありませんでした\n"));
	rc = CLI_OK;
out:
	exclusions_free(&excl);
	for (i = 0; i < s.nbatch; i++)
		free(s.batch[i]);
	json_decref(s.options);
	json_decref(names);
	free(names_s);
	for (i = 0; i < items.n; i++)
		free(items.v[i].addrs);
	free(items.v);
	cp_asm_derived_destroy(derived);
	return rc;
}

static cp_err
scan_row(void *ud, const struct cp_asm_scan_row *r)
{
	void **pair = ud;
	struct cli *cli = pair[0];
	json_t *arr = pair[1];
	struct cli_table *t = pair[2];
	char id[32], open[32];
	const char *cells[8];

	if (cli->json) {
		json_t *tg = json_loads(r->targets, 0, NULL);

		return json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:s,"
		    "s:o,s:I,s:s,s:s,s:s,s:s,s:s,s:I}", "id", (json_int_t)r->id,
		    "who", r->who, "started", r->started, "finished",
		    r->finished, "targets", tg != NULL ? tg : json_array(),
		    "n_targets", (json_int_t)r->n_targets, "ports", r->ports,
		    "source", r->source, "user_agent", r->user_agent, "status",
		    r->status, "outcome", r->outcome, "open_ports",
		    (json_int_t)r->open_ports)) == 0 ? CP_OK : CP_E_NOMEM;
	}
	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	snprintf(open, sizeof(open), "%lld", r->open_ports);
	cells[0] = id;
	cells[1] = r->started;
	cells[2] = r->who;
	cells[3] = r->targets;
	cells[4] = r->ports;
	cells[5] = r->source;
	cells[6] = r->status;
	cells[7] = r->outcome;
	(void)open;
	return cli_table_add(t, cells);
}

static int
cmd_scans(struct cli *cli, int argc)
{
	const char *const head_en[] = { "ID", "STARTED", "WHO", "TARGETS",
		"PORTS", "SOURCE", "STATUS", "OUTCOME" };
	const char *const head_ja[] = { "ID", "開始", "実行者", "ターゲット",
		"ポート", "送信元", "状態", "結果" };
	struct cp_portal p;
	void *pair[3] = { cli, NULL, NULL };
	int rc;

	if (argc != 1)
		return cli_usage(cli, "asm", "asm scans takes no argument");
	rc = cli_portal(cli, &p);
	if (rc != CLI_OK)
		return rc;
	if (cli->json)
		pair[1] = json_array();
	else
		pair[2] = cli_table_new(8, cli_is_ja(cli) ? head_ja : head_en);
	if (pair[1] == NULL && pair[2] == NULL)
		return cli_error(cli, "out of memory");
	if (cp_asm_scan_list(cli->store, p.id, 1000, scan_row, pair) !=
	    CP_OK) {
		json_decref(pair[1]);
		cli_table_free(pair[2]);
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	}
	if (cli->json)
		return cli_print_json(pair[1]);
	cli_table_print(pair[2], stdout);
	cli_table_free(pair[2]);
	return CLI_OK;
}

int
cli_cmd_asm(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(cli, "asm", "asm needs target, scan or scans");
	if (cli_is_help(argv[1]))
		return asm_help(cli);
	if (strcmp(argv[1], "target") == 0)
		return cmd_target(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "scan") == 0)
		return cmd_scan(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "scans") == 0)
		return cmd_scans(cli, argc - 1);
	return cli_usage(cli, "asm", "unknown asm command '%s'", argv[1]);
}
