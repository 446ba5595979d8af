/*
 * accounts.c - the account ledger (R-REP-4): the users of each unit, with
 * the columns that matter on its cloud.
 *
 * Each cloud has its own column set (struct acct_cloud): a table whose
 * columns begin with environment, cloud and unit and end with a note, and
 * a function that writes a unit's rows.  The first three and the note are
 * what the shared rows use (never inspected, collector failed).  A cloud
 * whose plugin has not landed has no set yet: its units go to a small
 * table of their own, one row each saying so.  To add GCP (principals
 * and roles) or OCI (domain, name, mail, created, last access, state,
 * groups, MFA, credentials), add a table and a rows function and list
 * them in clouds[].
 *
 * Azure: one row per Entra user (display name, UPN, mail, member/guest,
 * invitation state, created, sign-in enabled, last sign-in).
 *
 * AWS: one row per IAM user, and the root user, from the users' records
 * (aws/iam-user: login profile, MFA devices, access keys with their last
 * use) and the credential report (aws/iam-credential-report-row).  Where
 * both have a value the user's record wins, as it is read live while the
 * report may be hours old; the root user is in the report only.
 */
#include <stdio.h>
#include <string.h>

#include "report/ledger.h"
#include "report/run_priv.h"

struct acct_ctx {
	const struct cp_ledger_opts *o;
	const struct cp_env *env;
	const struct cp_unit *unit;
	cp_report *rep;
	size_t n_cols;			/* of the cloud's table */
};

struct acct_cloud {
	const char *cloud;
	const struct cp_report_table *table;
	const char *const *collectors;	/* whose failure hides users */
	cp_err (*rows)(struct acct_ctx *c, sqlite3 *db, char *why,
	    size_t why_size);
};

/* ---- AWS ---- */

enum {
	AWS_ENV, AWS_CLOUD, AWS_UNIT, AWS_ARN, AWS_USER, AWS_MFA,
	AWS_CREATED, AWS_PASSWORD, AWS_PASSWORD_USED, AWS_KEYS,
	AWS_KEY_USED, AWS_NOTE, AWS_NCOLS
};

static const struct cp_report_col aws_cols[AWS_NCOLS] = {
	{ "Environment", "環境", CP_COL_TEXT, 14 },
	{ "Cloud", "クラウド", CP_COL_TEXT, 8 },
	{ "Account", "アカウント", CP_COL_TEXT, 14 },
	{ "ARN", "ARN", CP_COL_TEXT, 44 },
	{ "User name", "ユーザー名", CP_COL_TEXT, 20 },
	{ "MFA", "MFA", CP_COL_TEXT, 6 },
	{ "Created (UTC)", "作成日時 (UTC)", CP_COL_TIME, 19 },
	{ "Console password", "コンソールパスワード", CP_COL_TEXT, 10 },
	{ "Password last used (UTC)", "パスワード最終使用日時 (UTC)",
	    CP_COL_TIME, 19 },
	{ "Active access keys", "有効なアクセスキー数", CP_COL_INTEGER, 8 },
	{ "Access key last used (UTC)", "アクセスキー最終使用日時 (UTC)",
	    CP_COL_TIME, 19 },
	{ "Note", "備考", CP_COL_TEXT, 40 }
};

static const struct cp_report_table aws_table = {
	"Account ledger (AWS)", "アカウント台帳 (AWS)", aws_cols, AWS_NCOLS
};

/* An ISO 8601 time of json at path as seconds; NULL for "N/A" and the
 * like. */
#define SECS(json, path) "CAST(strftime('%s', json_extract(" json ", '" \
	path "')) AS INTEGER)"

/*
 * Per user: arn, name, then from the user's record (u_) and from the
 * credential report (c_): mfa, created, password, password used, active
 * keys, key last used; flags saying which source has the user.
 */
enum {
	A_ARN, A_NAME, A_U_MFA, A_U_CREATED, A_U_PASSWORD, A_U_PW_USED,
	A_U_KEYS, A_U_KEY_USED, A_C_MFA, A_C_CREATED, A_C_PASSWORD,
	A_C_PW_USED, A_C_KEYS, A_C_KEY_USED, A_HAS_USER, A_HAS_REPORT
};

#define USER_COLUMNS                                                      \
	" CASE json_type(u.json, '$.MFADevices') WHEN 'array' THEN"       \
	"  json_array_length(u.json, '$.MFADevices') > 0 END,"            \
	" " SECS("u.json", "$.CreateDate") ","                            \
	" CASE json_type(u.json, '$.LoginProfile') WHEN 'object' THEN 1"  \
	"  WHEN 'null' THEN 0 END,"                                       \
	" " SECS("u.json", "$.PasswordLastUsed") ","                      \
	" CASE json_type(u.json, '$.AccessKeys') WHEN 'array' THEN"       \
	"  (SELECT count(*) FROM json_each(u.json, '$.AccessKeys') k"     \
	"  WHERE json_extract(k.value, '$.Status') = 'Active') END,"      \
	" (SELECT max(" SECS("k.value", "$.LastUsedDate") ")"             \
	"  FROM json_each(CASE json_type(u.json, '$.AccessKeys')"         \
	"  WHEN 'array' THEN json_extract(u.json, '$.AccessKeys')"        \
	"  ELSE '[]' END) k),"

#define REPORT_COLUMNS                                                    \
	" CASE json_extract(c.json, '$.mfa_active') WHEN 'true' THEN 1"   \
	"  WHEN 'false' THEN 0 END,"                                      \
	" " SECS("c.json", "$.user_creation_time") ","                    \
	" CASE json_extract(c.json, '$.password_enabled') WHEN 'true'"    \
	"  THEN 1 WHEN 'false' THEN 0 END,"                               \
	" " SECS("c.json", "$.password_last_used") ","                    \
	" CASE WHEN c.json IS NOT NULL THEN"                              \
	"  (json_extract(c.json, '$.access_key_1_active') = 'true') +"    \
	"  (json_extract(c.json, '$.access_key_2_active') = 'true') END," \
	" max(coalesce(" SECS("c.json", "$.access_key_1_last_used_date")  \
	", 0), coalesce(" SECS("c.json", "$.access_key_2_last_used_date") \
	", 0)),"

#define NULL_COLUMNS " NULL, NULL, NULL, NULL, NULL, NULL,"

static const char aws_sql[] =
    "WITH u AS MATERIALIZED (SELECT id, name, json FROM resources"
    " WHERE type = 'aws/iam-user'),"
    " c AS MATERIALIZED (SELECT id, name, json FROM resources"
    " WHERE type = 'aws/iam-credential-report-row')"
    " SELECT * FROM ("
    "SELECT u.id AS arn, coalesce(json_extract(u.json, '$.UserName'),"
    " u.name) AS uname," USER_COLUMNS REPORT_COLUMNS " 1,"
    " c.id IS NOT NULL"
    " FROM u LEFT JOIN c ON c.id = u.id"
    " UNION ALL SELECT c.id, coalesce(json_extract(c.json, '$.user'),"
    " c.name)," NULL_COLUMNS REPORT_COLUMNS " 0, 1"
    " FROM c WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.id = c.id))"
    " ORDER BY arn NOT LIKE '%:root', uname, arn";

static int
opt_int(sqlite3_stmt *st, int i, long long *v)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return 0;
	*v = sqlite3_column_int64(st, i);
	return 1;
}

/* The user's value (column u), else the report's (column c); 0: none. */
static int
pick(sqlite3_stmt *st, int u, int c, long long *v)
{
	return opt_int(st, u, v) || opt_int(st, c, v);
}

static struct cp_cell
yes_no(const struct acct_ctx *x, sqlite3_stmt *st, int u, int c)
{
	long long v;

	if (!pick(st, u, c, &v))
		return cp_cell_null();
	return cp_cell_text(v != 0 ? cp_ledger_text(x->o, "yes", "あり") :
	    cp_ledger_text(x->o, "no", "なし"));
}

static struct cp_cell
when(sqlite3_stmt *st, int u, int c)
{
	long long v;

	return pick(st, u, c, &v) ? cp_cell_time((time_t)v) : cp_cell_null();
}

static cp_err
aws_user_row(struct acct_ctx *x, sqlite3_stmt *st)
{
	struct cp_cell cells[AWS_NCOLS];
	const char *arn = cp_ledger_col(st, A_ARN), *note = NULL;
	size_t len = arn != NULL ? strlen(arn) : 0;
	int root = len > 5 && strcmp(arn + len - 5, ":root") == 0;
	long long v;

	memset(cells, 0, sizeof(cells));
	cells[AWS_ENV] = cp_cell_text(x->env->name);
	cells[AWS_CLOUD] = cp_cell_text(x->env->cloud);
	cells[AWS_UNIT] = cp_cell_text(x->unit->unit);
	cells[AWS_ARN] = cp_cell_text(arn);
	cells[AWS_USER] = cp_cell_text(cp_ledger_col(st, A_NAME));
	cells[AWS_MFA] = yes_no(x, st, A_U_MFA, A_C_MFA);
	cells[AWS_CREATED] = when(st, A_U_CREATED, A_C_CREATED);
	cells[AWS_PASSWORD] = yes_no(x, st, A_U_PASSWORD, A_C_PASSWORD);
	cells[AWS_PASSWORD_USED] = when(st, A_U_PW_USED, A_C_PW_USED);
	cells[AWS_KEYS] = pick(st, A_U_KEYS, A_C_KEYS, &v) ?
	    cp_cell_int(v) : cp_cell_null();
	/* The report writes 0 for "no key used" (see REPORT_COLUMNS). */
	cells[AWS_KEY_USED] = when(st, A_U_KEY_USED, A_C_KEY_USED);
	if (root) {
		/* The report says "not_supported" for root's password: it
		 * always has one. */
		cells[AWS_PASSWORD] = cp_cell_text(cp_ledger_text(x->o, "yes",
		    "あり"));
		note = cp_ledger_text(x->o, "root user of the account (from "
		    "the credential report)", "アカウントのルートユーザー "
		    "(認証情報レポートより)");
	} else if (sqlite3_column_int(st, A_HAS_USER) == 0)
		note = cp_ledger_text(x->o, "in the credential report only: "
		    "the user was probably deleted since it was made",
		    "認証情報レポートにのみ存在 (レポート作成後に削除された"
		    "可能性があります)");
	else if (sqlite3_column_int(st, A_HAS_REPORT) == 0)
		note = cp_ledger_text(x->o, "not in the credential report yet "
		    "(created after it was made)", "認証情報レポートに未掲載 "
		    "(レポート作成後に作成されたユーザー)");
	cells[AWS_NOTE] = cp_cell_text(note);
	return cp_report_row(x->rep, cells, AWS_NCOLS);
}

static cp_err
aws_rows(struct acct_ctx *x, sqlite3 *db, char *why, size_t why_size)
{
	sqlite3_stmt *st = NULL;
	cp_err r = CP_OK;
	int rv;

	if (sqlite3_prepare_v2(db, aws_sql, -1, &st, NULL) != SQLITE_OK)
		return cp_ledger_sql_error(db, "account ledger", why,
		    why_size);
	while (r == CP_OK && (rv = sqlite3_step(st)) == SQLITE_ROW)
		r = aws_user_row(x, st);
	if (r == CP_OK && rv != SQLITE_DONE)
		r = cp_ledger_sql_error(db, "account ledger", why, why_size);
	sqlite3_finalize(st);
	return r;
}

static const char *const aws_collectors[] = {
	"iam", "iam-credential-report", NULL
};

/* ---- Azure ---- */

/*
 * One row per Entra user of the tenant (azure/entra-user), in the ledger
 * of each of its subscriptions: the tenant-level data is in every
 * subscription's snapshot.  Last sign-in is there when the tenant's
 * licence shows sign-in activity.
 */
enum {
	AZ_ENV, AZ_CLOUD, AZ_UNIT, AZ_OBJECT, AZ_DISPLAY, AZ_UPN, AZ_MAIL,
	AZ_TYPE, AZ_INVITATION, AZ_CREATED, AZ_ENABLED, AZ_LAST_SIGNIN,
	AZ_NOTE, AZ_NCOLS
};

static const struct cp_report_col az_cols[AZ_NCOLS] = {
	{ "Environment", "環境", CP_COL_TEXT, 14 },
	{ "Cloud", "クラウド", CP_COL_TEXT, 8 },
	{ "Subscription", "サブスクリプション", CP_COL_TEXT, 36 },
	{ "Object ID", "オブジェクト ID", CP_COL_TEXT, 36 },
	{ "Display name", "表示名", CP_COL_TEXT, 20 },
	{ "User principal name", "ユーザー プリンシパル名", CP_COL_TEXT,
	    36 },
	{ "Mail", "メール", CP_COL_TEXT, 28 },
	{ "Member or guest", "メンバー/ゲスト", CP_COL_TEXT, 10 },
	{ "Invitation state", "招待の状態", CP_COL_TEXT, 18 },
	{ "Created (UTC)", "作成日時 (UTC)", CP_COL_TIME, 19 },
	{ "Sign-in enabled", "サインイン可", CP_COL_TEXT, 8 },
	{ "Last sign-in (UTC)", "最終サインイン日時 (UTC)", CP_COL_TIME,
	    19 },
	{ "Note", "備考", CP_COL_TEXT, 40 }
};

static const struct cp_report_table az_table = {
	"Account ledger (Azure)", "アカウント台帳 (Azure)", az_cols, AZ_NCOLS
};

enum {
	Z_ID, Z_DISPLAY, Z_UPN, Z_MAIL, Z_TYPE, Z_STATE, Z_CREATED, Z_ENABLED,
	Z_LAST
};

static const char az_sql[] =
    "SELECT id, json_extract(json, '$.displayName'),"
    " coalesce(json_extract(json, '$.userPrincipalName'), name),"
    " json_extract(json, '$.mail'), json_extract(json, '$.userType'),"
    " json_extract(json, '$.externalUserState'),"
    " " SECS("json", "$.createdDateTime") ","
    " json_extract(json, '$.accountEnabled'),"
    " " SECS("json", "$.signInActivity.lastSignInDateTime")
    " FROM resources WHERE type = 'azure/entra-user'"
    " ORDER BY json_extract(json, '$.userType') = 'Guest', 3, id";

static cp_err
az_user_row(struct acct_ctx *x, sqlite3_stmt *st)
{
	struct cp_cell cells[AZ_NCOLS];
	const char *type = cp_ledger_col(st, Z_TYPE), *note = NULL;
	long long v;

	memset(cells, 0, sizeof(cells));
	cells[AZ_ENV] = cp_cell_text(x->env->name);
	cells[AZ_CLOUD] = cp_cell_text(x->env->cloud);
	cells[AZ_UNIT] = cp_cell_text(x->unit->unit);
	cells[AZ_OBJECT] = cp_cell_text(cp_ledger_col(st, Z_ID));
	cells[AZ_DISPLAY] = cp_cell_text(cp_ledger_col(st, Z_DISPLAY));
	cells[AZ_UPN] = cp_cell_text(cp_ledger_col(st, Z_UPN));
	cells[AZ_MAIL] = cp_cell_text(cp_ledger_col(st, Z_MAIL));
	cells[AZ_TYPE] = type == NULL ? cp_cell_null() :
	    cp_cell_text(strcmp(type, "Guest") == 0 ?
	    cp_ledger_text(x->o, "guest", "ゲスト") :
	    strcmp(type, "Member") == 0 ?
	    cp_ledger_text(x->o, "member", "メンバー") : type);
	cells[AZ_INVITATION] = cp_cell_text(cp_ledger_col(st, Z_STATE));
	cells[AZ_CREATED] = opt_int(st, Z_CREATED, &v) ?
	    cp_cell_time((time_t)v) : cp_cell_null();
	cells[AZ_ENABLED] = !opt_int(st, Z_ENABLED, &v) ? cp_cell_null() :
	    cp_cell_text(v != 0 ? cp_ledger_text(x->o, "yes", "可") :
	    cp_ledger_text(x->o, "no", "不可"));
	cells[AZ_LAST_SIGNIN] = opt_int(st, Z_LAST, &v) ?
	    cp_cell_time((time_t)v) : cp_cell_null();
	if (type != NULL && strcmp(type, "Guest") == 0 &&
	    cp_ledger_col(st, Z_STATE) != NULL &&
	    strcmp(cp_ledger_col(st, Z_STATE), "PendingAcceptance") == 0)
		note = cp_ledger_text(x->o, "invited, not accepted yet",
		    "招待済み、未承諾");
	cells[AZ_NOTE] = cp_cell_text(note);
	return cp_report_row(x->rep, cells, AZ_NCOLS);
}

static cp_err
az_rows(struct acct_ctx *x, sqlite3 *db, char *why, size_t why_size)
{
	sqlite3_stmt *st = NULL;
	cp_err r = CP_OK;
	int rv;

	if (sqlite3_prepare_v2(db, az_sql, -1, &st, NULL) != SQLITE_OK)
		return cp_ledger_sql_error(db, "account ledger", why,
		    why_size);
	while (r == CP_OK && (rv = sqlite3_step(st)) == SQLITE_ROW)
		r = az_user_row(x, st);
	if (r == CP_OK && rv != SQLITE_DONE)
		r = cp_ledger_sql_error(db, "account ledger", why, why_size);
	sqlite3_finalize(st);
	return r;
}

static const char *const az_collectors[] = { "entra-users", NULL };

/* ---- clouds without a column set ---- */

enum { OTHER_ENV, OTHER_CLOUD, OTHER_UNIT, OTHER_NOTE, OTHER_NCOLS };

static const struct cp_report_col other_cols[OTHER_NCOLS] = {
	{ "Environment", "環境", CP_COL_TEXT, 14 },
	{ "Cloud", "クラウド", CP_COL_TEXT, 8 },
	{ "Unit", "ユニット", CP_COL_TEXT, 16 },
	{ "Note", "備考", CP_COL_TEXT, 60 }
};

static const struct cp_report_table other_table = {
	"Account ledger (other clouds)", "アカウント台帳 (その他)",
	other_cols, OTHER_NCOLS
};

static const struct acct_cloud clouds[] = {
	{ "aws", &aws_table, aws_collectors, aws_rows },
	{ "azure", &az_table, az_collectors, az_rows },
};

static const struct acct_cloud *
find_cloud(const char *cloud)
{
	size_t i;

	for (i = 0; cloud != NULL && i < sizeof(clouds) / sizeof(clouds[0]);
	    i++)
		if (strcmp(clouds[i].cloud, cloud) == 0)
			return &clouds[i];
	return NULL;
}

int
cp_ledger_accounts_has(const char *cloud)
{
	return find_cloud(cloud) != NULL;
}

const struct cp_report_table *
cp_ledger_accounts_table(const char *cloud)
{
	const struct acct_cloud *c = find_cloud(cloud);

	return c != NULL ? c->table : &other_table;
}

/* A row of the unit with only a note. */
static cp_err
note_row(struct acct_ctx *x, const char *note)
{
	struct cp_cell cells[CP_REPORT_MAX_COLS];
	size_t i;

	for (i = 0; i < x->n_cols; i++)
		cells[i] = cp_cell_null();
	cells[0] = cp_cell_text(x->env->name);
	cells[1] = cp_cell_text(x->env->cloud);
	cells[2] = cp_cell_text(x->unit->unit);
	cells[x->n_cols - 1] = cp_cell_text(note);
	return cp_report_row(x->rep, cells, x->n_cols);
}

static cp_err
missing_row(void *ud, const char *collector, const char *message)
{
	struct acct_ctx *x = ud;
	char note[1024];

	cp_ledger_collector_note(x->o, collector, message, note,
	    sizeof(note));
	return note_row(x, note);
}

cp_err
cp_ledger_accounts_unit(const struct cp_ledger_opts *o,
    const struct cp_env *env, const struct cp_unit *unit, cp_report *rep,
    char *why, size_t why_size)
{
	const struct acct_cloud *c = find_cloud(env->cloud);
	struct acct_ctx x;
	sqlite3 *db = NULL;
	char note[256];
	cp_err r;

	x.o = o;
	x.env = env;
	x.unit = unit;
	x.rep = rep;
	x.n_cols = cp_ledger_accounts_table(env->cloud)->n_cols;
	if (c == NULL) {
		snprintf(note, sizeof(note), cp_ledger_text(o, "no account "
		    "ledger for cloud %s yet: its plugin has not landed",
		    "クラウド %s のアカウント台帳はまだありません (プラグイン"
		    "未対応)"), env->cloud);
		return note_row(&x, note);
	}
	r = cp_ledger_open(o, unit, &db, why, why_size);
	if (r == CP_E_NOTFOUND)
		return note_row(&x, cp_ledger_never_inspected(o));
	if (r != CP_OK)
		return r;
	r = cp_ledger_collector_errors(db, c->collectors, missing_row, &x,
	    why, why_size);
	if (r == CP_OK)
		r = c->rows(&x, db, why, why_size);
	sqlite3_close(db);
	return r;
}

/* Starts table t and writes the rows of the units whose cloud is cloud
 * (NULL: the clouds without a column set), if there are any. */
static cp_err
accounts_table(struct rrun *x, const struct cp_ledger_opts *o,
    const char *cloud, const struct cp_report_table *t, int always)
{
	size_t i;
	int started = 0;
	cp_err r = CP_OK;

	for (i = 0; r == CP_OK && i < x->n_units; i++) {
		const struct rrun_unit *u = &x->units[i];

		if (cloud != NULL ? strcmp(u->env.cloud, cloud) != 0 :
		    find_cloud(u->env.cloud) != NULL)
			continue;
		if (!started) {
			r = cp_report_table(x->rep, t);
			started = 1;
		}
		if (r == CP_OK)
			r = cp_ledger_accounts_unit(o, &u->env, &u->unit,
			    x->rep, x->why, x->why_size);
		rrun_step(x);
	}
	if (r == CP_OK && !started && always)
		r = cp_report_table(x->rep, t);
	return r;
}

/*
 * One table per cloud with a column set that has units in scope, then
 * the table of the other clouds' units; with no unit at all, the first
 * cloud's table alone, so the sheet is there.
 */
cp_err
rrun_accounts(struct rrun *x)
{
	struct cp_ledger_opts o;
	size_t i;
	cp_err r = CP_OK;

	cp_ledger_opts_of(x, &o);
	for (i = 0; r == CP_OK && i < sizeof(clouds) / sizeof(clouds[0]);
	    i++)
		r = accounts_table(x, &o, clouds[i].cloud, clouds[i].table,
		    i == 0 && x->n_units == 0);
	if (r == CP_OK)
		r = accounts_table(x, &o, NULL, &other_table, 0);
	return r;
}
