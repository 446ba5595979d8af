/*
 * cmd_vuln.c - "cloudpatrol vuln": the vulnerability intelligence cache
 * (import of downloaded feeds, lookups by CPE name, what is cached).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm/asm.h"
#include "asm/vuln.h"
#include "cli.h"

static int
vuln_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol [--json] vuln COMMAND\n"
	    "  import nvd|epss|kev|jvn FILE  load a downloaded feed into the "
	    "cache\n"
	    "        (NVD API pages or JSON 2.0 feed files, the EPSS CSV, the "
	    "KEV\n        catalog JSON, a MyJVN getVulnOverviewList answer; "
	    "gzip accepted);\n        a file that does not parse leaves the "
	    "cache unchanged\n"
	    "  lookup [--offline] CPE        the CVEs of a CPE 2.3 name with "
	    "CVSS v3.1,\n        EPSS, KEV and JVN; stale sources are "
	    "refreshed first when online\n"
	    "  refresh [--target TARGET]     look up, online, every product "
	    "the portal's\n        latest scans identified (what report asm "
	    "shows)\n"
	    "  status                        what is cached, from where, how "
	    "old\n"
	    "Settings: the [vuln] section of the configuration (base URLs, "
	    "nvd_api_key_file,\n*_max_age, online). This product uses the NVD "
	    "API but is not endorsed or\ncertified by the NVD. EPSS scores "
	    "by FIRST (first.org/epss).\n",
	    "使い方: cloudpatrol [--json] vuln COMMAND\n"
	    "  import nvd|epss|kev|jvn FILE  ダウンロードしたフィードを"
	    "キャッシュに読み込みます\n"
	    "        (NVD API のページまたは JSON 2.0 フィード、EPSS の CSV、"
	    "KEV カタログ JSON、\n        MyJVN getVulnOverviewList の応答。"
	    "gzip 可)。解析できないファイルでは\n        キャッシュは"
	    "変わりません\n"
	    "  lookup [--offline] CPE        CPE 2.3 名の CVE を CVSS v3.1・"
	    "EPSS・KEV・JVN と\n        表示します。オンラインなら古い情報を"
	    "先に更新します\n"
	    "  refresh [--target TARGET]     ポータルの最新のスキャンで特定"
	    "した製品すべて\n        (report asm の内容) をオンラインで"
	    "調べます\n"
	    "  status                        キャッシュの内容・取得元・経過"
	    "時間\n"
	    "設定: 構成ファイルの [vuln] セクション (ベース URL、"
	    "nvd_api_key_file、*_max_age、\nonline)。本製品は NVD API を使用"
	    "していますが、NVD による承認・認定を受けたものでは\nありません。"
	    "EPSS スコアは FIRST (first.org/epss) によるものです。\n"));
	return CLI_OK;
}

/* A cp_vuln on the CLI's store and (unless offline) a new HTTP client. */
static int
open_vuln(struct cli *cli, int offline, cp_http **http, char **key,
    cp_vuln **out)
{
	struct cp_vuln_settings s;
	cp_core *core = cli_core(cli);
	cp_err r;

	*http = NULL;
	*key = NULL;
	*out = NULL;
	if (core == NULL || cli_store(cli) == NULL)
		return CLI_ERROR;
	if (cp_vuln_settings_from_config(cp_core_config(core), &s, key,
	    &cli->diag) != CP_OK) {
		size_t i;

		for (i = 0; i < cli->diag.n; i++)
			fprintf(stderr, "%s\n", cli->diag.lines[i]);
		cp_diag_free(&cli->diag);
		cp_diag_init(&cli->diag);
		return CLI_ERROR;
	}
	if (s.online && !offline) {
		cp_http_pool *pool = cp_core_http(core);

		*http = pool != NULL ? cp_http_create(pool) : NULL;
		if (*http == NULL)
			return cli_error(cli, "out of memory");
	}
	r = cp_vuln_create(cli->store, *http, &s, out);
	if (r != CP_OK)
		return cli_error(cli, "vuln: %s", cp_strerror(r));
	return CLI_OK;
}

static void
close_vuln(cp_http *http, char *key, cp_vuln *v)
{
	cp_vuln_destroy(v);
	cp_http_destroy(http);
	if (key != NULL) {
		cp_memwipe(key, strlen(key));
		free(key);
	}
}

/* An age as "3 h", "2 d"; "-" for none. */
static const char *
age_text(long long s, char buf[32])
{
	if (s < 0)
		snprintf(buf, 32, "-");
	else if (s < 120)
		snprintf(buf, 32, "%lld s", s);
	else if (s < 7200)
		snprintf(buf, 32, "%lld min", s / 60);
	else if (s < 172800)
		snprintf(buf, 32, "%lld h", s / 3600);
	else
		snprintf(buf, 32, "%lld d", s / 86400);
	return buf;
}

static int
do_import(struct cli *cli, int argc, char **argv)
{
	cp_http *http;
	cp_vuln *v;
	char *key;
	size_t items;
	int src, rc;
	cp_err r;

	if (argc != 3)
		return cli_usage(cli, "vuln", "vuln import takes a source "
		    "(nvd, epss, kev, jvn) and a file");
	src = cp_vuln_source_parse(argv[1]);
	if (src < 0)
		return cli_usage(cli, "vuln", "unknown source '%s' (nvd, epss, "
		    "kev, jvn)", argv[1]);
	rc = open_vuln(cli, 1, &http, &key, &v);
	if (rc != CLI_OK)
		return rc;
	r = cp_vuln_import(v, (enum cp_vuln_source)src, argv[2], &items);
	if (r != CP_OK)
		rc = cli_error(cli, "%s", cp_vuln_errmsg(v));
	else if (cli->json)
		rc = cli_print_json(json_pack("{s:s, s:s, s:I}", "source",
		    argv[1], "file", argv[2], "records", (json_int_t)items));
	else
		printf(cli_text(cli, "%s: %zu record(s) loaded from %s\n",
		    "%s: %zu 件を %s から読み込みました\n"), argv[1], items,
		    argv[2]);
	close_vuln(http, key, v);
	return rc;
}

static int
do_lookup(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "offline", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *const head_en[] = { "CVE", "CVSS", "SEVERITY", "EPSS",
	    "PERCENTILE", "KEV", "JVN", "JVN TITLE" };
	const char *const head_ja[] = { "CVE", "CVSS", "深刻度", "EPSS",
	    "パーセンタイル", "KEV", "JVN", "JVN タイトル" };
	struct cp_vuln_result *res = NULL;
	struct cli_table *t;
	cp_http *http;
	cp_vuln *v;
	char *key, age[32];
	int c, offline = 0, rc;
	size_t i;
	cp_err r;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'o')
			offline = 1;
		else
			return cli_bad_option(cli, "vuln", c, argv);
	}
	if (argc - optind != 1)
		return cli_usage(cli, "vuln", "vuln lookup takes one CPE name");
	rc = open_vuln(cli, offline, &http, &key, &v);
	if (rc != CLI_OK)
		return rc;
	r = cp_vuln_lookup(v, argv[optind], offline ? CP_VULN_OFFLINE : 0,
	    &res);
	if (r == CP_E_INVALID) {
		rc = cli_usage(cli, "vuln", "%s", cp_vuln_errmsg(v));
		goto out;
	}
	if (r != CP_OK) {
		rc = cli_error(cli, "%s", cp_vuln_errmsg(v));
		goto out;
	}
	for (i = 0; i < res->n_warnings; i++)
		fprintf(stderr, "%s: %s%s\n", cli->prog, cli_text(cli,
		    "warning: not refreshed, cached data used: ",
		    "警告: 更新できず、キャッシュを使用: "), res->warnings[i]);
	if (cli->json) {
		rc = cli_print_json(cp_vuln_result_json(res));
		goto out;
	}
	printf("%s\n", res->cpe);
	printf(cli_text(cli, "Age of the data: NVD %s", "データの経過時間: "
	    "NVD %s"), age_text(res->age[CP_VULN_NVD], age));
	printf(", EPSS %s", age_text(res->age[CP_VULN_EPSS], age));
	printf(", KEV %s", age_text(res->age[CP_VULN_KEV], age));
	printf(", JVN %s\n", age_text(res->age[CP_VULN_JVN], age));
	if (res->n == 0) {
		printf("%s", cli_text(cli, "No known CVE matches.\n",
		    "該当する既知の CVE はありません。\n"));
		goto out;
	}
	t = cli_table_new(8, cli_is_ja(cli) ? head_ja : head_en);
	for (i = 0; t != NULL && i < res->n; i++) {
		const struct cp_vuln_match *m = &res->matches[i];
		char cvss[16], epss[16], pct[16], kev[24];
		const char *cells[8];

		snprintf(cvss, sizeof(cvss), m->cvss < 0 ? "-" : "%.1f",
		    m->cvss);
		snprintf(epss, sizeof(epss), m->epss < 0 ? "-" : "%.5f",
		    m->epss);
		snprintf(pct, sizeof(pct), m->epss < 0 ? "-" : "%.5f",
		    m->epss_percentile);
		snprintf(kev, sizeof(kev), "%s%s%s", m->kev ?
		    cli_text(cli, "yes", "はい") : cli_text(cli, "no",
		    "いいえ"), m->kev ? " " : "", m->kev_date_added);
		cells[0] = m->cve;
		cells[1] = cvss;
		cells[2] = m->severity[0] != '\0' ? m->severity : "-";
		cells[3] = epss;
		cells[4] = pct;
		cells[5] = kev;
		cells[6] = m->jvn_id[0] != '\0' ? m->jvn_id : "-";
		cells[7] = m->jvn_title[0] != '\0' ? m->jvn_title : "-";
		if (cli_table_add(t, cells) != CP_OK)
			break;
	}
	if (t != NULL) {
		cli_table_print(t, stdout);
		cli_table_free(t);
	}
	printf(cli_text(cli, "%zu CVE(s)\n", "CVE %zu 件\n"), res->n);
out:
	cp_vuln_result_free(res);
	close_vuln(http, key, v);
	return rc;
}

/*
 * Every CPE name of the portal's latest observations looked up online, so
 * that "report asm" (which reads the cache only) has what it needs.  A
 * source that could not be refreshed makes the exit status 1, after the
 * rest was done.
 */
static int
do_refresh(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct cp_asm_target t;
	struct cp_portal p;
	cp_asm_derived_set *derived = NULL;
	const char *target = NULL;
	json_t *cpes = NULL, *doc = NULL;
	cp_http *http = NULL;
	cp_vuln *v = NULL;
	char *key = NULL, why[256];
	size_t i, failed = 0, cves = 0, skipped = 0;
	int c, rc, yes = 0;
	cp_err r;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 't')
			target = optarg;
		else
			return cli_bad_option(cli, "vuln", c, argv);
	}
	if (optind != argc)
		return cli_usage(cli, "vuln", "vuln refresh takes no argument "
		    "'%s' (--target TARGET)", argv[optind]);
	rc = cli_portal(cli, &p);
	if (rc != CLI_OK)
		return rc;
	if (target != NULL) {
		if (cp_asm_target_parse(target, &t, why, sizeof(why)) !=
		    CP_OK)
			return cli_usage(cli, "vuln", "%s", why);
		/* Added, or derived from the snapshots and not excluded. */
		r = cp_asm_target_known(cli->store, p.id,
		    cp_core_config(cli_core(cli))->state_dir,
		    cli_is_ja(cli) ? "ja" : "en", &t, &derived, &yes, why,
		    sizeof(why));
		cp_asm_derived_destroy(derived);
		if (r != CP_OK)
			return cli_error(cli, "%s", why);
		if (!yes)
			return cli_error(cli, cli_text(cli, "%s is not a "
			    "target of portal %s (cloudpatrol asm target "
			    "list)", "%s はポータル %s の対象ではありません "
			    "(cloudpatrol asm target list)"), t.text, p.name);
		target = t.text;
	}
	if (cp_asm_cpes(cli->store, p.id, target, &cpes) != CP_OK)
		return cli_error(cli, "%s", cp_store_errmsg(cli->store));
	rc = open_vuln(cli, 0, &http, &key, &v);
	if (rc != CLI_OK)
		goto out;
	if (http == NULL) {
		rc = cli_error(cli, "%s", cli_text(cli, "the vulnerability "
		    "sources are off ([vuln] online = no); nothing refreshed",
		    "脆弱性情報の取得が無効です ([vuln] online = no)。"
		    "何も更新していません"));
		goto out;
	}
	doc = json_array();
	for (i = 0; doc != NULL && i < json_array_size(cpes); i++) {
		const char *cpe = json_string_value(json_array_get(cpes, i));
		struct cp_vuln_result *res = NULL;
		size_t k;

		if (cp_vuln_versionless(cpe)) {
			skipped++;
			if (cli->json)
				json_array_append_new(doc, json_pack("{s:s, "
				    "s:b, s:s}", "cpe", cpe, "refreshed", 0,
				    "note", "version not disclosed"));
			else
				printf(cli_text(cli, "%s: version not "
				    "disclosed, not looked up\n", "%s: "
				    "バージョン不明のため照会していません\n"),
				    cpe);
			continue;
		}
		r = cp_vuln_lookup(v, cpe, 0, &res);
		if (r == CP_E_INVALID) {
			/* A name the scanner wrote that does not parse (the
			 * message names it): the others still count. */
			fprintf(stderr, "%s: %s\n", cli->prog,
			    cp_vuln_errmsg(v));
			failed++;
			skipped++;
			if (cli->json)
				json_array_append_new(doc, json_pack("{s:s, "
				    "s:b, s:s}", "cpe", cpe, "refreshed", 0,
				    "error", cp_vuln_errmsg(v)));
			continue;
		}
		if (r != CP_OK) {
			/* The store or memory: nothing further would work. */
			rc = cli_error(cli, "%s: %s", cpe, cp_vuln_errmsg(v));
			goto out;
		}
		for (k = 0; k < res->n_warnings; k++)
			fprintf(stderr, "%s: %s: %s%s\n", cli->prog, cpe,
			    cli_text(cli, "not refreshed: ", "更新できません: "),
			    res->warnings[k]);
		failed += res->n_warnings > 0;
		cves += res->n;
		if (cli->json)
			json_array_append_new(doc, json_pack("{s:s, s:I, s:b}",
			    "cpe", res->cpe, "cves", (json_int_t)res->n,
			    "refreshed", res->n_warnings == 0));
		else
			printf(cli_text(cli, "%s: %zu CVE(s)%s\n",
			    "%s: CVE %zu 件%s\n"), res->cpe, res->n,
			    res->n_warnings > 0 ? cli_text(cli, " (cached, "
			    "not refreshed)", " (キャッシュ、未更新)") : "");
		cp_vuln_result_free(res);
	}
	if (cli->json) {
		rc = cli_print_json(json_pack("{s:s, s:o, s:I}", "portal",
		    p.name, "products", doc, "failed", (json_int_t)failed));
		doc = NULL;		/* the pack took it */
	} else if (json_array_size(cpes) == 0)
		printf("%s", cli_text(cli, "No product identified yet "
		    "(cloudpatrol asm scan --active first).\n", "特定した製品は"
		    "まだありません (先に cloudpatrol asm scan --active を実行"
		    "してください)。\n"));
	else
		printf(cli_text(cli, "%zu product(s) looked up, %zu CVE(s) in "
		    "all\n", "製品 %zu 件を照会、CVE 合計 %zu 件\n"),
		    json_array_size(cpes) - skipped, cves);
	if (rc == CLI_OK && failed > 0)
		rc = cli_error(cli, cli_text(cli, "%zu product(s) not "
		    "refreshed (see above)", "%zu 件の製品を更新できませんでした "
		    "(上記参照)"), failed);
out:
	json_decref(doc);
	json_decref(cpes);
	close_vuln(http, key, v);
	return rc;
}

static int
do_status(struct cli *cli, int argc, char **argv)
{
	const char *const head_en[] = { "SOURCE", "RECORDS", "AGE",
	    "MAX AGE", "FROM" };
	const char *const head_ja[] = { "ソース", "件数", "経過",
	    "更新間隔", "取得元" };
	struct cli_table *t;
	cp_http *http;
	cp_vuln *v;
	json_t *doc = NULL, *e;
	char *key;
	const char *name;
	int rc;

	(void)argv;
	if (argc != 1)
		return cli_usage(cli, "vuln", "vuln status takes no argument");
	rc = open_vuln(cli, 1, &http, &key, &v);
	if (rc != CLI_OK)
		return rc;
	if (cp_vuln_status(v, &doc) != CP_OK) {
		rc = cli_error(cli, "%s", cp_vuln_errmsg(v));
		goto out;
	}
	if (cli->json) {
		rc = cli_print_json(doc);
		doc = NULL;
		goto out;
	}
	t = cli_table_new(5, cli_is_ja(cli) ? head_ja : head_en);
	json_object_foreach(doc, name, e) {
		char n[32], a[32], m[32];
		const char *origin = json_string_value(json_object_get(e,
		    "origin"));
		const json_t *age = json_object_get(e, "age_seconds");
		const char *cells[5];

		snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(
		    json_object_get(e, "records")));
		age_text(json_is_integer(age) ? json_integer_value(age) : -1,
		    a);
		age_text(json_integer_value(json_object_get(e,
		    "max_age_seconds")), m);
		cells[0] = name;
		cells[1] = n;
		cells[2] = a;
		cells[3] = m;
		cells[4] = origin != NULL ? origin : "-";
		if (t != NULL)
			cli_table_add(t, cells);
	}
	if (t != NULL) {
		cli_table_print(t, stdout);
		cli_table_free(t);
	}
out:
	json_decref(doc);
	close_vuln(http, key, v);
	return rc;
}

int
cli_cmd_vuln(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1]))
		return argc < 2 ? (vuln_help(cli), CLI_USAGE) :
		    vuln_help(cli);
	if (strcmp(argv[1], "import") == 0)
		return do_import(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "lookup") == 0)
		return do_lookup(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "refresh") == 0)
		return do_refresh(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return do_status(cli, argc - 1, argv + 1);
	return cli_usage(cli, "vuln", "unknown vuln command '%s' (import, "
	    "lookup, refresh, status)", argv[1]);
}
