/*
 * cmd_daemon.c - "cloudpatrol daemon [--foreground]": the periodic patrol
 * (DESIGN 7); the work is core/src/sched/daemon.c.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "sched/daemon.h"

static int
daemon_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol [-c FILE] daemon [--foreground]\n"
	    "Runs the jobs of every portal on schedule: the inspection of each "
	    "unit whose\nperiodic inspection is on every 60 minutes, the daily "
	    "patrol report of each\nportal at its time ('portal set'), on the "
	    "1st the monthly reports (risk A, the\naccount ledger, the resource "
	    "list) in STATE_DIR/reports/PORTAL/, the daily\nresource list of "
	    "each unit there too, the daily purge of history older than 37\n"
	    "days, and sending the outbox.\n"
	    "[core] workers jobs run at once, at most "
	    "cloud_concurrency of one cloud. A\nrestart skips no period and "
	    "never reruns a recorded one; a run cut short by a\ncrash before "
	    "its record runs again without sending its report twice;\n"
	    "periods missed while it was down run once.\n"
	    "Without --foreground it detaches and logs to syslog; systemd runs "
	    "it with\n--foreground. STATE_DIR/cloudpatrol.pid keeps a second "
	    "daemon off the store.\nSIGTERM/SIGINT: stop after the running "
	    "jobs (cancelled after 20 s); SIGHUP:\nreload the configuration "
	    "and policies (a broken one is refused and logged).\n"
	    "'cloudpatrol status' shows the jobs and the health.\n",
	    "使い方: cloudpatrol [-c FILE] daemon [--foreground]\n"
	    "全ポータルのジョブを予定どおり実行します: 定期診断が on のユニット"
	    "の診断を 60 分\nごと、各ポータルのパトロール日報を指定時刻 "
	    "('portal set')、毎月 1 日に月次レポート\n(リスク診断 A、"
	    "アカウント台帳、リソース一覧。STATE_DIR/reports/PORTAL/)、\n"
	    "各ユニットのリソース一覧 (同じ場所) と 37 日より古い履歴の削除を"
	    "毎日、送信キューの\n配信。同時実行は [core] workers 件まで、"
	    "1 クラウドあたり cloud_concurrency\n件まで。再起動しても期間を飛ばさず、"
	    "記録済みの期間を\n再実行しません。記録前にクラッシュした実行は"
	    "やり直しますが、レポートを二重に\n送りません。停止中に過ぎた"
	    "期間はまとめて 1 回実行します。\n"
	    "--foreground なしではデタッチして syslog に記録します (systemd は "
	    "--foreground で\n起動)。STATE_DIR/cloudpatrol.pid により同じストア"
	    "で 2 つ目のデーモンは起動\nできません。SIGTERM/SIGINT: 実行中の"
	    "ジョブの終了を待って停止 (20 秒後に取り消し)、\nSIGHUP: 設定と"
	    "ポリシーを再読み込み (壊れた設定は拒否してログに記録)。\n"
	    "ジョブと稼働状況は 'cloudpatrol status' で確認できます。\n"));
	return CLI_OK;
}

int
cli_cmd_daemon(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cp_daemon_opts o;
	int c, fg = 0;

	while ((c = getopt_long(argc, argv, ":fh", opts, NULL)) != -1) {
		if (c == 'h')
			return daemon_help(cli);
		if (c != 'f')
			return cli_bad_option(cli, "daemon", c, argv);
		fg = 1;
	}
	if (optind != argc)
		return cli_usage(cli, "daemon", "daemon takes no argument");
	o.config_path = cli->config_path;
	o.foreground = fg;
	return cp_daemon_main(&o);
}
