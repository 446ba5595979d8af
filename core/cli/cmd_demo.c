/*
 * cmd_demo.c - "cloudpatrol demo": the whole patrol against a fake cloud
 * on this machine.
 *
 * It starts the fake AWS and the fake Azure (tests/fakes/aws and
 * tests/fakes/azure, installed under $(datadir)/cloudpatrol/demo) seeded
 * with a deliberately misconfigured account and tenant, and local mail
 * and Slack receivers (demo_sinks.py); writes a configuration that points
 * cloudpatrol at them, with its state in the folder it names; then runs,
 * as separate processes of this very binary, the commands an operator
 * would type: register the account and the tenant, switch inspection on
 * for the tenant's subscriptions, bind two destinations, inspect, list
 * the findings, write the risk reports, scan the services demo_sinks.py
 * exposes on 127.0.0.1 and look their products up in a fake NVD, EPSS,
 * KEV and MyJVN (tests/fakes/fakevuln.py), write the ASM report and the
 * bulk workbook, deliver the notices and the daily patrol report.  Every command is printed before it runs, so it can be
 * repeated by hand afterwards.  Nothing leaves 127.0.0.1.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config/config.h"
#include "net/http_client.h"

#define DEMO_DEFAULT_DIR "cloudpatrol-demo"
#define DEMO_MARKER ".cloudpatrol-demo"
#define DEMO_PORTAL "demo"
#define DEMO_ENV "demo-prod"
#define DEMO_AZ_ENV "demo-azure"
#define DEMO_AZ_SUBS 4			/* subscriptions the demo binds */
#define DEMO_AZ_ID_MAX 64
#define DEMO_START_TIMEOUT_MS 60000	/* the fake and sinks to listen */
#define DEMO_POLL_MS 100
#define DEMO_FILE_MAX (1024 * 1024)	/* estate account.json, ready files */
#define DEMO_ARGS_MAX 32

struct demo {
	struct cli *cli;
	char dir[1024];			/* the demo's folder, absolute */
	char root[1024];		/* the demo data: aws/, demo_sinks.py */
	char ini[1200];
	char self[1024];		/* this binary */
	const char *lang;
	pid_t fake, sinks, vuln;
	int fake_port, smtp_port, slack_port, vuln_port;
	char exposed[128];		/* the exposed services' ports: "P,P" */
	char account[32];
	char access_key[128];
	char *secret_key;
	int workbook;			/* the bulk workbook was written */
	/* The fake Azure: its tenant, the demo application and the
	 * subscriptions it reaches (units "demo-azure/SUB"). */
	pid_t fakeaz;
	int fakeaz_port;
	char az_tenant[DEMO_AZ_ID_MAX];
	char az_client[DEMO_AZ_ID_MAX];
	char *az_secret;
	char az_units[DEMO_AZ_SUBS][DEMO_AZ_ID_MAX + 16];
	size_t n_az;
};

static int
demo_help(struct cli *cli)
{
	printf("%s", cli_text(cli,
	    "Usage: cloudpatrol [--lang ja|en] demo [--dir DIR]\n"
	    "Runs the whole patrol against a fake AWS account and a fake "
	    "Azure tenant on\nthis machine: starts the fakes "
	    "(deliberately misconfigured estates) and local\nmail and Slack "
	    "receivers, registers the account and the tenant, inspects\n"
	    "them, lists the findings, writes the risk "
	    "reports, scans the services the\nreceivers expose on "
	    "127.0.0.1 and looks their products up in a fake NVD,\nEPSS, "
	    "KEV and MyJVN, writes the ASM report and the bulk workbook "
	    "(with the\nreport-xlsx plugin), and delivers the "
	    "notifications and the daily patrol report.\n"
	    "Everything is kept in DIR (default ./" DEMO_DEFAULT_DIR "): "
	    "the configuration, the state, the reports, the mail\n"
	    "(mail/*.eml) and the Slack posts (slack/*.json).  A second run "
	    "starts afresh.\nNothing leaves 127.0.0.1.  Needs Debian's "
	    "python3-botocore and python3-aiosmtpd.\n",
	    "使い方: cloudpatrol [--lang ja|en] demo [--dir DIR]\n"
	    "このマシン上の疑似 AWS アカウントと疑似 Azure テナントに対して"
	    "パトロール全体を\n実行します。わざと危険な設定にした疑似クラウド"
	    "と、ローカルのメール・Slack\n受信口を起動し、アカウントとテナント"
	    "を登録して診断し、検出結果を一覧"
	    "し、リスク診断レポートを書き、\n受信口が 127.0.0.1 で公開する"
	    "サービスをスキャンしてその製品を疑似 NVD・EPSS・\nKEV・MyJVN "
	    "で調べ、ASM レポートと一括レポート (report-xlsx プラグインが"
	    "\nあるとき) を書き、通知とパトロール日報を配信します。"
	    "設定・状態・レポート・メール (mail/*.eml)・\nSlack 投稿 "
	    "(slack/*.json) はすべて DIR (既定は ./" DEMO_DEFAULT_DIR
	    ") に置きます。\n再実行すると最初からやり直します。通信は "
	    "127.0.0.1 の中だけです。Debian の\npython3-botocore と "
	    "python3-aiosmtpd が必要です。\n"));
	return CLI_OK;
}

static int demo_failf(const char *fmt, ...) CP_FMT(1, 2);

/* Says what went wrong on stderr; returns CLI_ERROR. */
static int
demo_failf(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cloudpatrol demo: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_ERROR;
}

#define demo_fail(d, en, ja, arg) \
	demo_failf(cli_text((d)->cli, en, ja), arg)

/* Whether path exists as a regular file. */
static int
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where the fake and the sinks are: the source tree, or the install. */
static int
find_root(struct demo *d)
{
	const struct cp_config *cfg = cp_core_config(cli_core(d->cli));
	char probe[1200];

	snprintf(d->root, sizeof(d->root), "%s",
	    cfg != NULL && cfg->from_build_tree ? CP_ABS_SRCDIR "/tests/fakes"
					       : CP_DEMODIR);
	snprintf(probe, sizeof(probe), "%s/aws/fakeaws.py", d->root);
	if (!is_file(probe))
		return demo_fail(d, "the demo's fake cloud is missing: %s",
		    "デモ用の疑似クラウドがありません: %s", probe);
	snprintf(probe, sizeof(probe), "%s/azure/fakeazure.py", d->root);
	if (!is_file(probe))
		return demo_fail(d, "the demo's fake cloud is missing: %s",
		    "デモ用の疑似クラウドがありません: %s", probe);
	if (cfg != NULL && cfg->from_build_tree)
		snprintf(probe, sizeof(probe), "%s/fakevuln.py", d->root);
	else
		snprintf(probe, sizeof(probe), "%s/vuln/fixtures/"
		    "kev-catalog.json", d->root);
	if (!is_file(probe))
		return demo_fail(d, "the demo's fake intelligence server is "
		    "missing: %s", "デモ用の疑似脆弱性情報サーバーがありません: "
		    "%s", probe);
	if (!(cfg != NULL && cfg->from_build_tree)) {
		snprintf(probe, sizeof(probe), "%s/vuln/fakevuln.py", d->root);
		if (!is_file(probe))
			return demo_fail(d, "the demo's fake intelligence "
			    "server is missing: %s", "デモ用の疑似脆弱性情報"
			    "サーバーがありません: %s", probe);
	}
	snprintf(probe, sizeof(probe), "%s/demo_sinks.py", d->root);
	if (!is_file(probe))
		return demo_fail(d, "the demo's receivers are missing: %s",
		    "デモ用の受信口がありません: %s", probe);
	return CLI_OK;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 ? 0 : -1;
}

/* Removes path and everything under it (symlinks are not followed). */
static int
rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Makes the demo folder: new, empty, or one an earlier demo made (whose
 * contents go).  Anything else is refused: the demo never deletes what
 * it did not write.
 */
static int
prepare_dir(struct demo *d, const char *arg)
{
	static const char *const ours[] = { "state", "mail", "slack",
	    "cloudpatrol.ini", "aws-secret-key", "slack-webhook",
	    "fakeaws.log", "fakeaws.port", "sinks.log", "sinks.ready",
	    "azure-client-secret", "fakeazure.log", "fakeazure.port",
	    "fakevuln.log", "fakevuln.port", "risk-A.csv", "risk-B.csv",
	    "asm.csv", "cloudpatrol-bulk.xlsx" };
	char path[1200], cwd[512];
	size_t i;

	if (arg[0] == '/')
		snprintf(d->dir, sizeof(d->dir), "%s", arg);
	else if (getcwd(cwd, sizeof(cwd)) != NULL)
		snprintf(d->dir, sizeof(d->dir), "%s/%s", cwd, arg);
	else
		return demo_fail(d, "cannot tell the current folder: %s",
		    "現在のフォルダーが分かりません: %s", strerror(errno));
	if (strlen(d->dir) > 400)
		return demo_fail(d, "the folder name is too long: %s",
		    "フォルダー名が長すぎます: %s", d->dir);
	if (mkdir(d->dir, 0700) != 0 && errno != EEXIST)
		return demo_fail(d, "cannot create %s", "%s を作成できません",
		    d->dir);
	snprintf(path, sizeof(path), "%s/" DEMO_MARKER, d->dir);
	if (!is_file(path)) {
		DIR *dp = opendir(d->dir);
		struct dirent *e;
		int empty = 1;

		if (dp == NULL)
			return demo_fail(d, "cannot read %s",
			    "%s を読めません", d->dir);
		while ((e = readdir(dp)) != NULL)
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0)
				empty = 0;
		closedir(dp);
		if (!empty)
			return demo_fail(d, "%s is not empty and not a demo "
			    "folder; give another with --dir",
			    "%s は空でなく、デモのフォルダーでもありません。"
			    "--dir で別の場所を指定してください", d->dir);
		if (cp_file_write_atomic(path, "cloudpatrol demo\n", 17,
		    0600) != CP_OK)
			return demo_fail(d, "cannot write in %s",
			    "%s に書き込めません", d->dir);
		return CLI_OK;
	}
	for (i = 0; i < CP_ARRAY_LEN(ours); i++) {
		snprintf(path, sizeof(path), "%s/%s", d->dir, ours[i]);
		if (rm_tree(path) != 0)
			return demo_fail(d, "cannot remove the previous run's "
			    "%s", "前回の %s を削除できません", path);
	}
	return CLI_OK;
}

/*
 * Starts argv[0] with its output in log; it gets SIGTERM when we die.
 * Returns the pid, or -1.
 */
static pid_t
spawn(char *const argv[], const char *log)
{
	pid_t parent = getpid(), pid;
	int fd;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(127);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	execv(argv[0], argv);
	dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0],
	    strerror(errno));
	_exit(127);
}

static void
stop(pid_t *pid)
{
	int i;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (i = 0; i < 50; i++) {
		if (waitpid(*pid, NULL, WNOHANG) != 0)
			break;
		usleep(DEMO_POLL_MS * 1000);
	}
	if (i == 50) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

/*
 * Waits until path exists (its writer renames it into place) while *pid
 * lives; *text gets its contents.  A helper that died is reaped and *pid
 * becomes -1, so that nobody signals its number again.
 */
static int
wait_file(struct demo *d, pid_t *pid, const char *path, const char *log,
    char **text)
{
	int waited, status;
	size_t len;

	for (waited = 0; waited < DEMO_START_TIMEOUT_MS;
	     waited += DEMO_POLL_MS) {
		*text = NULL;
		if (cp_file_read(path, DEMO_FILE_MAX, text, &len) == CP_OK) {
			if (len > 0)
				return CLI_OK;
			free(*text);
			*text = NULL;
		}
		if (waitpid(*pid, &status, WNOHANG) == *pid) {
			*pid = -1;
			return demo_fail(d, "a helper process ended before it "
			    "was ready; see %s", "補助プロセスが準備完了前に"
			    "終了しました。%s を見てください", log);
		}
		usleep(DEMO_POLL_MS * 1000);
	}
	return demo_fail(d, "a helper process was not ready in time; see %s",
	    "補助プロセスが時間内に準備できませんでした。%s を見てください",
	    log);
}

/* The account and the first credential of the demo estate. */
static int
read_estate(struct demo *d)
{
	char path[1200], *text = NULL, why[256];
	json_t *root, *cred;
	const char *id, *ak, *sk;
	size_t len;
	int rc = CLI_OK;

	snprintf(path, sizeof(path), "%s/aws/estates/demo/account.json",
	    d->root);
	if (cp_file_read(path, DEMO_FILE_MAX, &text, &len) != CP_OK)
		return demo_fail(d, "cannot read %s", "%s を読めません", path);
	root = cp_json_parse(text, len, why, sizeof(why));
	free(text);
	cred = json_array_get(json_object_get(root, "Credentials"), 0);
	id = json_string_value(json_object_get(root, "AccountId"));
	ak = json_string_value(json_object_get(cred, "AccessKeyId"));
	sk = json_string_value(json_object_get(cred, "SecretAccessKey"));
	if (id == NULL || ak == NULL || sk == NULL ||
	    strlen(id) >= sizeof(d->account) ||
	    strlen(ak) >= sizeof(d->access_key))
		rc = demo_fail(d, "%s lacks AccountId or a credential",
		    "%s に AccountId か認証情報がありません", path);
	else {
		snprintf(d->account, sizeof(d->account), "%s", id);
		snprintf(d->access_key, sizeof(d->access_key), "%s", ak);
		d->secret_key = strdup(sk);
		if (d->secret_key == NULL)
			rc = CLI_ERROR;
	}
	json_decref(root);
	return rc;
}

/* A JSON file of the demo data (root/rel), parsed; NULL after saying why. */
static json_t *
read_json(struct demo *d, const char *rel)
{
	char path[1200], *text = NULL, why[256];
	json_t *root;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", d->root, rel);
	if (cp_file_read(path, DEMO_FILE_MAX, &text, &len) != CP_OK) {
		demo_fail(d, "cannot read %s", "%s を読めません", path);
		return NULL;
	}
	root = cp_json_parse(text, len, why, sizeof(why));
	free(text);
	if (root == NULL)
		demo_fail(d, "%s does not parse", "%s を解析できません", path);
	return root;
}

/* The Azure tenant, the application's id and secret, and the
 * subscriptions the application holds a role in. */
static int
read_az_estate(struct demo *d)
{
	json_t *tenant, *subs;
	const json_t *app, *sub, *role;
	const char *t, *c, *sec, *id;
	size_t i, j;
	int rc = CLI_OK;

	if ((tenant = read_json(d, "azure/estates/demo/tenant.json")) == NULL)
		return CLI_ERROR;
	app = json_array_get(json_object_get(tenant, "applications"), 0);
	t = json_string_value(json_object_get(tenant, "tenantId"));
	c = json_string_value(json_object_get(app, "appId"));
	sec = json_string_value(json_object_get(app, "secret"));
	if (t == NULL || c == NULL || sec == NULL ||
	    strlen(t) >= sizeof(d->az_tenant) ||
	    strlen(c) >= sizeof(d->az_client)) {
		json_decref(tenant);
		return demo_fail(d, "%s lacks the tenant or its application",
		    "%s にテナントかアプリケーションがありません",
		    "azure/estates/demo/tenant.json");
	}
	snprintf(d->az_tenant, sizeof(d->az_tenant), "%s", t);
	snprintf(d->az_client, sizeof(d->az_client), "%s", c);
	d->az_secret = strdup(sec);
	json_decref(tenant);
	if (d->az_secret == NULL)
		return CLI_ERROR;
	subs = read_json(d, "azure/estates/demo/subscriptions.json");
	if (subs == NULL)
		return CLI_ERROR;
	json_array_foreach(json_object_get(subs, "subscriptions"), i, sub) {
		id = json_string_value(json_object_get(sub, "subscriptionId"));
		json_array_foreach(json_object_get(sub, "principalRoles"), j,
		    role) {
			const char *a = json_string_value(json_object_get(role,
			    "appId"));

			if (id != NULL && strlen(id) < DEMO_AZ_ID_MAX &&
			    a != NULL && strcmp(a, d->az_client) == 0 &&
			    d->n_az < DEMO_AZ_SUBS) {
				snprintf(d->az_units[d->n_az],
				    sizeof(d->az_units[d->n_az]),
				    DEMO_AZ_ENV "/%s", id);
				d->n_az++;
				break;
			}
		}
	}
	json_decref(subs);
	if (d->n_az == 0)
		rc = demo_fail(d, "%s gives the application no subscription",
		    "%s にアプリケーションのサブスクリプションがありません",
		    "azure/estates/demo/subscriptions.json");
	return rc;
}

/*
 * Starts argv (a Python script, its output in log) and waits for it to
 * write ready; what it wrote in *text.
 */
static int
start_script(struct demo *d, char *const argv[], const char *log,
    const char *ready, pid_t *pid, char **text)
{
	*pid = spawn(argv, log);
	if (*pid < 0)
		return demo_fail(d, "cannot start %s", "%s を起動できません",
		    argv[1]);
	return wait_file(d, pid, ready, log, text);
}

/* Starts the fake AWS (azure 0) or the fake Azure (azure 1). */
static int
start_one_fake(struct demo *d, int azure)
{
	char script[1200], estate[1200], port[1200], log[1200];
	char *argv[] = { CP_PYTHON3, script, "--estate", estate,
	    "--port-file", port, "--quiet", NULL };
	const char *name = azure ? "azure/fakeazure.py" : "aws/fakeaws.py";
	const char *base = azure ? "fakeazure" : "fakeaws";
	pid_t *pid = azure ? &d->fakeaz : &d->fake;
	int *where = azure ? &d->fakeaz_port : &d->fake_port;
	char *text = NULL;
	int rc;

	snprintf(script, sizeof(script), "%s/%s", d->root, name);
	snprintf(estate, sizeof(estate), "%s/%s/estates/demo", d->root,
	    azure ? "azure" : "aws");
	snprintf(port, sizeof(port), "%s/%s.port", d->dir, base);
	snprintf(log, sizeof(log), "%s/%s.log", d->dir, base);
	rc = start_script(d, argv, log, port, pid, &text);
	if (rc == CLI_OK) {
		*where = atoi(text);
		if (*where <= 0 || *where > 65535)
			rc = demo_fail(d, "the fake cloud wrote no port to %s",
			    "疑似クラウドが %s にポートを書きませんでした",
			    port);
	}
	free(text);
	return rc;
}

/*
 * The fake NVD, EPSS, KEV and MyJVN, answering from the real samples in
 * tests/fixtures/asm (installed beside it as vuln/fixtures).
 */
static int
start_vuln(struct demo *d)
{
	const struct cp_config *cfg = cp_core_config(cli_core(d->cli));
	char script[1200], fix[1200], port[1200], log[1200];
	char *argv[] = { CP_PYTHON3, script, "--fixtures", fix,
	    "--port-file", port, "--quiet", NULL };
	char *text = NULL;
	int rc;

	snprintf(script, sizeof(script), "%s/vuln/fakevuln.py", d->root);
	if (cfg != NULL && cfg->from_build_tree) {
		snprintf(script, sizeof(script), "%s/fakevuln.py", d->root);
		snprintf(fix, sizeof(fix), "%s/../fixtures/asm", d->root);
	} else {
		snprintf(fix, sizeof(fix), "%s/vuln/fixtures", d->root);
	}
	snprintf(port, sizeof(port), "%s/fakevuln.port", d->dir);
	snprintf(log, sizeof(log), "%s/fakevuln.log", d->dir);
	rc = start_script(d, argv, log, port, &d->vuln, &text);
	if (rc == CLI_OK) {
		d->vuln_port = atoi(text);
		if (d->vuln_port <= 0 || d->vuln_port > 65535)
			rc = demo_fail(d, "the fake intelligence server wrote "
			    "no port to %s", "疑似脆弱性情報サーバーが %s に"
			    "ポートを書きませんでした", port);
	}
	free(text);
	return rc;
}

static int
start_fake(struct demo *d)
{
	int rc = start_one_fake(d, 0);

	if (rc == CLI_OK)
		rc = start_one_fake(d, 1);
	return rc == CLI_OK ? start_vuln(d) : rc;
}

/* "exposed": [port, ...] of the ready file as "P,P,..." in d->exposed. */
static int
exposed_ports(struct demo *d, const json_t *a)
{
	size_t i, len = 0;

	for (i = 0; i < json_array_size(a); i++) {
		json_int_t p = json_integer_value(json_array_get(a, i));

		if (p <= 0 || p > 65535 || len + 8 >= sizeof(d->exposed))
			return -1;
		len += (size_t)snprintf(d->exposed + len,
		    sizeof(d->exposed) - len, "%s%d", len > 0 ? "," : "",
		    (int)p);
	}
	return len > 0 ? 0 : -1;
}

static int
start_sinks(struct demo *d)
{
	char script[1200], ready[1200], log[1200], why[256];
	char *argv[] = { CP_PYTHON3, script, "--dir", d->dir, "--ready",
	    ready, NULL };
	char *text = NULL;
	json_t *j;
	int rc;

	snprintf(script, sizeof(script), "%s/demo_sinks.py", d->root);
	snprintf(ready, sizeof(ready), "%s/sinks.ready", d->dir);
	snprintf(log, sizeof(log), "%s/sinks.log", d->dir);
	rc = start_script(d, argv, log, ready, &d->sinks, &text);
	if (rc != CLI_OK)
		return rc;
	j = cp_json_parse(text, strlen(text), why, sizeof(why));
	free(text);
	d->smtp_port = (int)json_integer_value(json_object_get(j, "smtp"));
	d->slack_port = (int)json_integer_value(json_object_get(j, "slack"));
	rc = exposed_ports(d, json_object_get(j, "exposed"));
	json_decref(j);
	if (d->smtp_port <= 0 || d->smtp_port > 65535 || d->slack_port <= 0 ||
	    d->slack_port > 65535 || rc != 0)
		return demo_fail(d, "the receivers wrote no ports to %s",
		    "受信口が %s にポートを書きませんでした", ready);
	return CLI_OK;
}

/* The configuration, the secret key file and the webhook URL file. */
static int
write_files(struct demo *d)
{
	const struct cp_config *cfg = cp_core_config(cli_core(d->cli));
	char path[1200], text[6144], data[1200] = "";
	int n;

	snprintf(path, sizeof(path), "%s/aws-secret-key", d->dir);
	if (cp_file_write_atomic(path, d->secret_key, strlen(d->secret_key),
	    0600) != CP_OK)
		return demo_fail(d, "cannot write %s", "%s を書けません", path);
	snprintf(path, sizeof(path), "%s/azure-client-secret", d->dir);
	if (cp_file_write_atomic(path, d->az_secret, strlen(d->az_secret),
	    0600) != CP_OK)
		return demo_fail(d, "cannot write %s", "%s を書けません", path);
	snprintf(path, sizeof(path), "%s/slack-webhook", d->dir);
	n = snprintf(text, sizeof(text), "http://127.0.0.1:%d/hook/demo\n",
	    d->slack_port);
	if (cp_file_write_atomic(path, text, (size_t)n, 0600) != CP_OK)
		return demo_fail(d, "cannot write %s", "%s を書けません", path);
	/* From a build tree, the scanner's tables are in the source tree. */
	if (cfg != NULL && cfg->from_build_tree)
		snprintf(data, sizeof(data), "cpe_table = "
		    CP_ABS_SRCDIR "/plugins/asm-active/cpe.tsv\ntop_ports = "
		    CP_ABS_SRCDIR "/plugins/asm-active/top-ports.txt\n");
	n = snprintf(text, sizeof(text),
	    "; Written by \"cloudpatrol demo\": a patrol of a fake AWS "
	    "account and a fake\n; Azure tenant on this machine.  Try: "
	    "cloudpatrol -c %s -p "
	    DEMO_PORTAL " findings\n"
	    "[core]\n"
	    "state_dir = %s/state\n"
	    "language = %s\n"
	    "log_level = warning\n"
	    "geoip_ipv4 = %s/aws/estates/demo/geoip.csv\n"
	    "\n[plugin:aws]\n"
	    "endpoint = http://127.0.0.1:%d\n"
	    "\n[plugin:azure]\n"
	    "login_url = http://127.0.0.1:%d\n"
	    "arm_url = http://127.0.0.1:%d\n"
	    "graph_url = http://127.0.0.1:%d\n"
	    "\n[plugin:notify-mail]\n"
	    "url = smtp://127.0.0.1:%d\n"
	    "starttls = off\n"
	    "from = patrol@cloudpatrol.example\n"
	    "from_name = Cloud Patrol (demo)\n"
	    "\n; The scan reaches only the demo's own services on this "
	    "machine.\n"
	    "[plugin:asm-active]\n"
	    "allow = loopback\n"
	    "%s"
	    "\n; The fake intelligence server has no rate limit to wait "
	    "for.\n"
	    "[vuln]\n"
	    "nvd_url = http://127.0.0.1:%d/rest/json/cves/2.0\n"
	    "epss_url = http://127.0.0.1:%d/data/v1/epss\n"
	    "kev_url = http://127.0.0.1:%d/kev.json\n"
	    "jvn_url = http://127.0.0.1:%d/myjvn\n"
	    "nvd_window = 0.05\n",
	    d->ini, d->dir, d->lang, d->root, d->fake_port, d->fakeaz_port,
	    d->fakeaz_port, d->fakeaz_port, d->smtp_port, data, d->vuln_port,
	    d->vuln_port, d->vuln_port, d->vuln_port);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    cp_file_write_atomic(d->ini, text, (size_t)n, 0600) != CP_OK)
		return demo_fail(d, "cannot write %s", "%s を書けません",
		    d->ini);
	return CLI_OK;
}

/*
 * Runs "cloudpatrol -c INI -p demo [--lang L] ARGS..." as a child, after
 * printing it; args ends with NULL.  CLI_OK when it exited 0.
 */
static int
run_args(struct demo *d, const char *what_en, const char *what_ja,
    const char *const *args)
{
	char *argv[DEMO_ARGS_MAX];
	pid_t pid;
	size_t n = 0, i;
	int status;

	argv[n++] = d->self;
	argv[n++] = "-c";
	argv[n++] = d->ini;
	argv[n++] = "-p";
	argv[n++] = DEMO_PORTAL;
	argv[n++] = "--lang";
	argv[n++] = (char *)d->lang;
	for (i = 0; args[i] != NULL && n < DEMO_ARGS_MAX - 1; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;

	if (what_en[0] != '\0')
		printf("\n== %s\n", cli_text(d->cli, what_en, what_ja));
	printf("$ cloudpatrol -c %s -p " DEMO_PORTAL, d->ini);
	for (i = 7; i < n; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return demo_fail(d, "cannot fork: %s", "fork できません: %s",
		    strerror(errno));
	if (pid == 0) {
		/* A demo stopped from outside takes its step along. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
			_exit(127);
		execv(d->self, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return demo_failf(cli_text(d->cli, "this step failed; the fake "
		    "clouds' logs are %s/fakeaws.log and fakeazure.log",
		    "この手順が失敗しました。疑似クラウドのログは "
		    "%s/fakeaws.log と fakeazure.log にあります"), d->dir);
	return CLI_OK;
}

/* run_args() with the arguments given inline, NULL last. */
static int
run(struct demo *d, const char *what_en, const char *what_ja, ...)
{
	const char *args[DEMO_ARGS_MAX];
	const char *a;
	va_list ap;
	size_t n = 0;

	va_start(ap, what_ja);
	while ((a = va_arg(ap, const char *)) != NULL &&
	    n < DEMO_ARGS_MAX - 1)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	return run_args(d, what_en, what_ja, args);
}

/*
 * "dest add NAME ARGS... --unit U" for the AWS account and every Azure
 * subscription: one destination gets the notices of both clouds.
 */
static int
run_dest(struct demo *d, const char *what_en, const char *what_ja,
    const char *unit, const char *const *head)
{
	const char *args[DEMO_ARGS_MAX];
	size_t n = 0, i;

	for (i = 0; head[i] != NULL && n < DEMO_ARGS_MAX - 4; i++)
		args[n++] = head[i];
	args[n++] = "--unit";
	args[n++] = unit;
	for (i = 0; i < d->n_az && n < DEMO_ARGS_MAX - 10; i++) {
		args[n++] = "--unit";
		args[n++] = d->az_units[i];
	}
	args[n] = NULL;
	return run_args(d, what_en, what_ja, args);
}

/* Periodic inspection of the Azure subscriptions starts off: on. */
static int
az_units_on(struct demo *d)
{
	size_t i;
	int rc = CLI_OK;

	for (i = 0; i < d->n_az && rc == CLI_OK; i++)
		rc = run(d, i == 0 ? "Inspect the Azure subscriptions (off "
		    "until switched on)" : "", i == 0 ? "Azure サブスクリプ"
		    "ションの診断を有効に (既定は無効)" : "", "unit",
		    "inspect", DEMO_AZ_ENV, d->az_units[i] +
		    sizeof(DEMO_AZ_ENV), "on", NULL);
	return rc;
}

/* The number of regular files in dir (mail/, slack/). */
static int
count_files(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (dp == NULL)
		return 0;
	while ((e = readdir(dp)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

/* Waits a little for the receivers to have saved what they answered. */
static void
summary(struct demo *d)
{
	char mail[1200], slack[1200];

	snprintf(mail, sizeof(mail), "%s/mail", d->dir);
	snprintf(slack, sizeof(slack), "%s/slack", d->dir);
	printf("\n== %s\n", cli_text(d->cli, "Done", "完了"));
	if (d->workbook)
		printf(cli_text(d->cli, "Workbook:       %s/cloudpatrol-bulk"
		    ".xlsx\n", "一括レポート:       %s/cloudpatrol-bulk.xlsx\n"),
		    d->dir);
	else
		printf("%s", cli_text(d->cli, "Workbook:       not written: "
		    "the report-xlsx plugin is not built\n                "
		    "(configure found no libxlsxwriter)\n", "一括レポート:  "
		    "     未作成 (report-xlsx プラグインがビルドされていません。"
		    "\n                    configure が libxlsxwriter を見つけ"
		    "られませんでした)\n"));
	printf(cli_text(d->cli,
	    "Risk reports:   %s/risk-A.csv, %s/risk-B.csv\n"
	    "ASM report:     %s/asm.csv\n"
	    "Mail received:  %d message(s) in %s\n"
	    "Slack received: %d post(s) in %s\n"
	    "State and configuration: %s\n"
	    "Look further:   cloudpatrol -c %s -p " DEMO_PORTAL
	    " findings | history | status\n",
	    "リスク診断レポート: %s/risk-A.csv, %s/risk-B.csv\n"
	    "ASM レポート:       %s/asm.csv\n"
	    "受信したメール:     %d 通 (%s)\n"
	    "受信した Slack:     %d 件 (%s)\n"
	    "状態と設定:         %s\n"
	    "続きの操作:         cloudpatrol -c %s -p " DEMO_PORTAL
	    " findings | history | status\n"),
	    d->dir, d->dir, d->dir, count_files(mail), mail,
	    count_files(slack), slack,
	    d->dir, d->ini);
}

static int
demo_steps(struct demo *d)
{
	char unit[128], secret[1200], hook[1200], risk_a[1200], risk_b[1200];
	char bulk[1200], az_secret[1200], asm_csv[1200];
	const char *mail[] = { "dest", "add", "secops", "--type", "mail",
	    "--to", "secops@example.com", NULL };
	const char *slack[] = { "dest", "add", "chat", "--type", "slack",
	    "--webhook-url-file", hook, NULL };
	int rc;

	snprintf(unit, sizeof(unit), DEMO_ENV "/%s", d->account);
	snprintf(secret, sizeof(secret), "%s/aws-secret-key", d->dir);
	snprintf(az_secret, sizeof(az_secret), "%s/azure-client-secret",
	    d->dir);
	snprintf(hook, sizeof(hook), "%s/slack-webhook", d->dir);
	snprintf(risk_a, sizeof(risk_a), "%s/risk-A.csv", d->dir);
	snprintf(risk_b, sizeof(risk_b), "%s/risk-B.csv", d->dir);
	snprintf(bulk, sizeof(bulk), "%s/cloudpatrol-bulk.xlsx", d->dir);
	snprintf(asm_csv, sizeof(asm_csv), "%s/asm.csv", d->dir);
	/* The workbook needs a writer plugin for xlsx. */
	d->workbook = cp_registry_find(cli_plugins(d->cli), CP_CAP_REPORT,
	    "xlsx", NULL, NULL) != NULL;
	if ((rc = run(d, "A portal for the demo", "デモ用のポータル",
		 "portal", "add", DEMO_PORTAL, "--lang", d->lang, NULL)) ||
	    (rc = run(d, "Register the AWS account (read from the fake)",
		 "AWS アカウントの登録 (疑似クラウドから読み取り)", "env",
		 "add", "aws", DEMO_ENV, "--access-key-id", d->access_key,
		 "--secret-access-key-file", secret, NULL)) ||
	    (rc = run(d, "Register the Azure tenant: its subscriptions "
		 "become units", "Azure テナントの登録 (サブスクリプションが"
		 "ユニットになります)", "env", "add", "azure", DEMO_AZ_ENV,
		 "--tenant-id", d->az_tenant, "--client-id", d->az_client,
		 "--client-secret-file", az_secret, NULL)) ||
	    (rc = az_units_on(d)) ||
	    (rc = run_dest(d, "Where notifications go: mail and Slack",
		 "通知先: メールと Slack", unit, mail)) ||
	    (rc = run_dest(d, "", "", unit, slack)) ||
	    (rc = run(d, "Inspect: collect, evaluate every policy, record",
		 "診断: 収集し、全ポリシーで評価して記録", "inspect", NULL)) ||
	    (rc = run(d, "What was found", "検出されたリスク", "findings",
		 NULL)) ||
	    (rc = run(d, "Risk diagnosis reports (A and B)",
		 "リスク診断レポート (A と B)", "report", "risk",
		 "--variant", "A", "-o", risk_a, NULL)) ||
	    (rc = run(d, "", "", "report", "risk", "--variant", "B", "-o",
		 risk_b, NULL)) ||
	    (rc = run(d, "Attack surface: a target, an active scan of the "
		 "services exposed on it", "攻撃対象領域: 対象を登録し、公開"
		 "されたサービスをアクティブスキャン", "asm", "target", "add",
		 "127.0.0.1", NULL)) ||
	    (rc = run(d, "", "", "asm", "scan", "--active", "--ports",
		 d->exposed, "127.0.0.1", NULL)) ||
	    (rc = run(d, "The products found, looked up in NVD, EPSS, KEV "
		 "and JVN (fakes)", "特定した製品を NVD・EPSS・KEV・JVN (疑似) "
		 "で照会", "vuln", "refresh", NULL)) ||
	    (rc = run(d, "The ASM report", "ASM レポート", "report", "asm",
		 "-o", asm_csv, NULL)) ||
	    (rc = run(d, "Every scan in the audit trail", "全スキャンの"
		 "監査記録", "asm", "scans", NULL)) ||
	    (d->workbook && (rc = run(d, "Every report in one workbook",
		 "全レポートを 1 つのブックに", "report", "bulk", "-o", bulk,
		 NULL))) ||
	    (rc = run(d, "Deliver the risk notifications",
		 "リスク通知の配信", "notify", "send", NULL)) ||
	    (rc = run(d, "The daily patrol report, now",
		 "パトロール日報 (今すぐ)", "notify", "patrol", NULL)) ||
	    (rc = run(d, "", "", "notify", "send", NULL)))
		return rc;
	summary(d);
	return CLI_OK;
}

int
cli_cmd_demo(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct demo d;
	const char *dir = DEMO_DEFAULT_DIR;
	ssize_t n;
	int c, rc;

	memset(&d, 0, sizeof(d));
	d.cli = cli;
	d.fake = d.fakeaz = d.sinks = d.vuln = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'h':
			return demo_help(cli);
		default:
			return cli_bad_option(cli, "demo", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage(cli, "demo", "demo takes no argument '%s'",
		    argv[optind]);
	if (cli->portal != NULL)
		return cli_usage(cli, "demo", "the demo makes its own portal; "
		    "leave out -p");
	if (cli_core(cli) == NULL)
		return CLI_ERROR;
	d.lang = cli_text(cli, "en", "ja");
	n = readlink("/proc/self/exe", d.self, sizeof(d.self) - 1);
	if (n <= 0 || (size_t)n >= sizeof(d.self) - 1)
		return demo_fail(&d, "cannot find this program: %s",
		    "このプログラムの場所が分かりません: %s", strerror(errno));
	d.self[n] = '\0';
	if ((rc = find_root(&d)) != CLI_OK ||
	    (rc = prepare_dir(&d, dir)) != CLI_OK ||
	    (rc = read_estate(&d)) != CLI_OK ||
	    (rc = read_az_estate(&d)) != CLI_OK)
		goto out;
	snprintf(d.ini, sizeof(d.ini), "%s/cloudpatrol.ini", d.dir);
	printf(cli_text(cli,
	    "cloudpatrol demo: a patrol of a fake AWS account and a fake Azure "
	    "tenant on this\nmachine (nothing leaves 127.0.0.1); everything is "
	    "kept in %s\n",
	    "cloudpatrol demo: このマシン上の疑似 AWS アカウントと疑似 Azure "
	    "テナントを\nパトロールします (通信は 127.0.0.1 の中だけ)。"
	    "すべて %s に置きます\n"),
	    d.dir);
	if ((rc = start_fake(&d)) != CLI_OK ||
	    (rc = start_sinks(&d)) != CLI_OK ||
	    (rc = write_files(&d)) != CLI_OK)
		goto out;
	printf(cli_text(cli,
	    "Fake AWS on http://127.0.0.1:%d; fake Azure on "
	    "http://127.0.0.1:%d; mail to\nsmtp://127.0.0.1:%d; Slack to "
	    "http://127.0.0.1:%d; fake NVD/EPSS/KEV/MyJVN on\n"
	    "http://127.0.0.1:%d; exposed services on 127.0.0.1 ports %s\n",
	    "疑似 AWS: http://127.0.0.1:%d、疑似 Azure: http://127.0.0.1:%d、"
	    "\nメール: smtp://127.0.0.1:%d、Slack: http://127.0.0.1:%d、"
	    "\n疑似 NVD/EPSS/KEV/MyJVN: http://127.0.0.1:%d、"
	    "公開サービス: 127.0.0.1 のポート %s\n"),
	    d.fake_port, d.fakeaz_port, d.smtp_port, d.slack_port,
	    d.vuln_port, d.exposed);
	rc = demo_steps(&d);
out:
	stop(&d.fake);
	stop(&d.fakeaz);
	stop(&d.vuln);
	stop(&d.sinks);
	if (d.az_secret != NULL) {
		cp_memwipe(d.az_secret, strlen(d.az_secret));
		free(d.az_secret);
	}
	if (d.secret_key != NULL) {
		cp_memwipe(d.secret_key, strlen(d.secret_key));
		free(d.secret_key);
	}
	return rc;
}
