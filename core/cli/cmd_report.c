/*
 * cmd_report.c - "cloudpatrol report NAME ...": reports written to a file
 * through a temporary name, so a failed report never leaves half a file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "report/csv.h"
#include "report/risk.h"

static int
report_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol [-p PORTAL] [--lang ja|en] report risk "
	    "--variant A|B\n"
	    "           [--env ENV [--unit UNIT]] [--format csv] [--no-bom] "
	    "-o FILE\n"
	    "The risk diagnosis report of every unit of the portal (or of "
	    "one environment\nor unit). A lists the risks present now; B adds "
	    "the notifications and\nremediations of the last 30 days. The "
	    "last line is the score: pass / (fail +\npass), where a policy "
	    "with no target counts as a pass. CSV is UTF-8 with a byte\norder "
	    "mark (--no-bom leaves it out); cells that start like a formula "
	    "are\nneutralised. -o - writes to standard output.\n",
	    "使い方: cloudpatrol [-p PORTAL] [--lang ja|en] report risk "
	    "--variant A|B\n"
	    "            [--env ENV [--unit UNIT]] [--format csv] [--no-bom] "
	    "-o FILE\n"
	    "ポータルの全ユニット (または 1 環境・1 ユニット) のリスク診断"
	    "レポートです。\nA は現在のリスク、B はそれに過去 30 日の通知・修復"
	    "履歴を加えます。最終行は\nスコア (合格 / (不合格 + 合格)、診断対象"
	    "なしは合格) です。CSV は BOM 付き UTF-8\n(--no-bom で BOM なし) "
	    "で、数式として解釈されうるセルは無害化します。\n-o - で標準出力に"
	    "書き出します。\n"));
	return CLI_OK;
}

static cp_err
csv_row(void *ud, const char *const *cells, const int *numeric, size_t n)
{
	return cp_csv_row_typed(ud, cells, numeric, n);
}


/* Writes the rows of every chosen unit; why gets a failure's reason. */
static cp_err
write_risk(struct cli *cli, const struct cp_portal *portal,
    const char *envname, const char *unitname,
    const struct cp_risk_opts *o, cp_csv *w, size_t *units_done,
    char *why, size_t why_size)
{
	struct cp_risk_score score;
	struct cli_envs envs;
	cp_policy_set *set = cli_policies(cli);
	size_t i, j;
	cp_err r;

	if (set == NULL)
		return CP_E_NOMEM;
	memset(&score, 0, sizeof(score));
	r = cli_list_envs(cli, portal->id, &envs);
	if (r == CP_OK)
		r = cp_report_risk_header(o, csv_row, w);
	for (i = 0; r == CP_OK && i < envs.n; i++) {
		struct cli_units units;

		if (envname != NULL && strcmp(envname, envs.v[i].name) != 0)
			continue;
		r = cli_list_units(cli, envs.v[i].id, &units);
		for (j = 0; r == CP_OK && j < units.n; j++) {
			if (unitname != NULL &&
			    strcmp(unitname, units.v[j].unit) != 0)
				continue;
			(*units_done)++;
			r = cp_report_risk_unit(cli->store, portal,
			    &envs.v[i], &units.v[j], set, o, csv_row, w,
			    &score, why, why_size);
		}
		free(units.v);
	}
	free(envs.v);
	if (r == CP_OK)
		r = cp_report_risk_score(o, &score, csv_row, w);
	if (r != CP_OK && why[0] == '\0')
		snprintf(why, why_size, "%s", cp_strerror(r));
	return r;
}

int
cli_cmd_report(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "variant", required_argument, NULL, 'v' },
		{ "format", required_argument, NULL, 'f' },
		{ "env", required_argument, NULL, 'e' },
		{ "unit", required_argument, NULL, 'u' },
		{ "no-bom", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cp_risk_opts o;
	struct cp_portal portal;
	const char *out = NULL, *envname = NULL, *unitname = NULL;
	char tmp[4096], why[1024];
	unsigned flags = 0;
	size_t units_done = 0;
	FILE *fp;
	cp_csv *w;
	int c, rc, variant = 0, fd = -1;
	cp_err r;

	if (argc < 2 || cli_is_help(argv[1]))
		return argc < 2 ? cli_usage(cli, "report", "report needs a "
		    "name: risk") : report_help(cli);
	if (strcmp(argv[1], "risk") != 0)
		return cli_usage(cli, "report", "unknown report '%s' (known: "
		    "risk)", argv[1]);
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return report_help(cli);
		case 'v':
			if (strcmp(optarg, "A") != 0 &&
			    strcmp(optarg, "B") != 0)
				return cli_usage(cli, "report", "--variant "
				    "takes A or B, not '%s'", optarg);
			variant = optarg[0];
			break;
		case 'f':
			if (strcmp(optarg, "csv") != 0)
				return cli_usage(cli, "report", "--format "
				    "'%s' is not available: csv (xlsx comes "
				    "with the report-xlsx plugin)", optarg);
			break;
		case 'e':
			envname = optarg;
			break;
		case 'u':
			unitname = optarg;
			break;
		case 'B':
			flags |= CP_CSV_NO_BOM;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return cli_bad_option(cli, "report", c, argv);
		}
	}
	if (optind != argc)
		return cli_usage(cli, "report", "unexpected argument '%s'",
		    argv[optind]);
	if (variant == 0)
		return cli_usage(cli, "report", "report risk needs --variant "
		    "A or B");
	if (out == NULL)
		return cli_usage(cli, "report", "report risk needs -o FILE "
		    "(- for standard output)");
	if (unitname != NULL && envname == NULL)
		return cli_usage(cli, "report", "--unit needs --env");
	rc = cli_portal(cli, &portal);
	if (rc != CLI_OK)
		return rc;
	memset(&o, 0, sizeof(o));
	o.variant = variant;
	o.lang = cli_text(cli, "en", "ja");
	o.state_dir = cp_core_config(cli->core)->state_dir;
	o.geoip = cli_geoip(cli);
	o.log = cp_core_log(cli->core);
	if (strcmp(out, "-") == 0) {
		fp = stdout;
	} else {
		if (cp_snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out) != CP_OK)
			return cli_error(cli, "%s: name too long", out);
		fd = mkstemp(tmp);
		if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			return cli_error(cli, "cannot write %s: %s", out,
			    strerror(errno));
		}
	}
	w = cp_csv_create(fp, flags);
	why[0] = '\0';
	r = w != NULL ? write_risk(cli, &portal, envname, unitname, &o, w,
	    &units_done, why, sizeof(why)) : CP_E_NOMEM;
	if (cp_csv_close(w) != CP_OK && r == CP_OK) {
		r = CP_E_IO;
		snprintf(why, sizeof(why), "write error");
	}
	if (r == CP_OK && units_done == 0 && envname != NULL) {
		r = CP_E_NOTFOUND;
		snprintf(why, sizeof(why), "portal %s has no %s '%s'",
		    portal.name, unitname != NULL ? "unit" : "environment",
		    unitname != NULL ? unitname : envname);
	}
	if (fp != stdout) {
		if (fclose(fp) != 0 && r == CP_OK) {
			r = CP_E_IO;
			snprintf(why, sizeof(why), "%s", strerror(errno));
		}
		if (r == CP_OK && (chmod(tmp, 0640) != 0 ||
		    rename(tmp, out) != 0)) {
			r = CP_E_IO;
			snprintf(why, sizeof(why), "%s", strerror(errno));
		}
		if (r != CP_OK)
			unlink(tmp);
	}
	if (r != CP_OK)
		return cli_error(cli, "report risk: %s", why);
	if (fp == stdout)
		return CLI_OK;
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:I}", "file", out,
		    "units", (json_int_t)units_done));
	printf(cli_text(cli, "wrote %s (%zu unit(s))\n",
	    "%s を書き出しました (ユニット %zu 件)\n"), out, units_done);
	return CLI_OK;
}
