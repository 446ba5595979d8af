/*
 * ledger.c - what the three ledgers share: opening a unit's snapshot and
 * the rows that stand for missing data.
 *
 * The ledgers run their own, fixed SQL, so they open the snapshot with a
 * plain read-only connection rather than through the policy engine: its
 * sandbox and step budget are walls for policy packs anyone may write, and
 * a ledger of millions of rows must not stop at a policy's budget.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "inspect/inspect.h"
#include "inventory/snapshot.h"
#include "report/ledger.h"
#include "report/run_priv.h"
#include "util/util.h"

const char *
cp_ledger_text(const struct cp_ledger_opts *o, const char *en,
    const char *ja)
{
	return o->lang != NULL && strcmp(o->lang, "ja") == 0 ? ja : en;
}

void
cp_ledger_opts_of(const struct rrun *x, struct cp_ledger_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->lang = x->j->lang;
	o->state_dir = x->j->state_dir;
	o->log = x->j->log;
}

cp_err
cp_ledger_sql_error(sqlite3 *db, const char *what, char *why,
    size_t why_size)
{
	snprintf(why, why_size, "%s: %s", what, sqlite3_errmsg(db));
	return CP_E_IO;
}

cp_err
cp_ledger_open(const struct cp_ledger_opts *o, const struct cp_unit *unit,
    sqlite3 **db, char *why, size_t why_size)
{
	sqlite3_stmt *st = NULL;
	char path[4096];
	struct stat sb;
	int v = -1;

	*db = NULL;
	why[0] = '\0';
	if (cp_inspect_snapshot_path(o->state_dir != NULL ? o->state_dir :
	    ".", unit->id, path, sizeof(path)) != CP_OK) {
		snprintf(why, why_size, "the state directory's path is too "
		    "long");
		return CP_E_LIMIT;
	}
	if (stat(path, &sb) != 0) {
		if (errno == ENOENT)
			return CP_E_NOTFOUND;
		snprintf(why, why_size, "snapshot %s: %s", path,
		    strerror(errno));
		return CP_E_IO;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(why, why_size, "snapshot %s: not a regular file",
		    path);
		return CP_E_INVALID;
	}
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(why, why_size, "snapshot %s: %s", path, *db != NULL ?
		    sqlite3_errmsg(*db) : "out of memory");
		sqlite3_close(*db);
		*db = NULL;
		return CP_E_IO;
	}
	if (sqlite3_prepare_v2(*db, "SELECT value FROM meta WHERE key ="
	    " 'format_version'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v != CP_SNAPSHOT_FORMAT_VERSION) {
		if (v < 0)
			snprintf(why, why_size, "%s is not an inventory "
			    "snapshot", path);
		else
			snprintf(why, why_size, "snapshot %s has "
			    "format_version %d; this build reads %d", path, v,
			    CP_SNAPSHOT_FORMAT_VERSION);
		sqlite3_close(*db);
		*db = NULL;
		return CP_E_INVALID;
	}
	return CP_OK;
}

const char *
cp_ledger_col(sqlite3_stmt *stmt, int i)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);

	return s != NULL && s[0] != '\0' ? (const char *)s : NULL;
}

static int
listed(const char *s, const char *const *only)
{
	if (only == NULL)
		return 1;
	for (; *only != NULL; only++)
		if (strcmp(*only, s) == 0)
			return 1;
	return 0;
}

cp_err
cp_ledger_collector_errors(sqlite3 *db, const char *const *only,
    cp_err (*fn)(void *ud, const char *collector, const char *message),
    void *ud, char *why, size_t why_size)
{
	sqlite3_stmt *st = NULL;
	cp_err r = CP_OK;
	int rv;

	if (sqlite3_prepare_v2(db, "SELECT collector, coalesce(message,"
	    " error) FROM collector_errors ORDER BY collector, rowid", -1,
	    &st, NULL) != SQLITE_OK)
		return cp_ledger_sql_error(db, "reading collector errors", why,
		    why_size);
	while (r == CP_OK && (rv = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = cp_ledger_col(st, 0);

		if (c != NULL && listed(c, only))
			r = fn(ud, c, cp_ledger_col(st, 1));
	}
	if (r == CP_OK && rv != SQLITE_DONE)
		r = cp_ledger_sql_error(db, "reading collector errors", why,
		    why_size);
	sqlite3_finalize(st);
	return r;
}

const char *
cp_ledger_never_inspected(const struct cp_ledger_opts *o)
{
	return cp_ledger_text(o, "never inspected: no snapshot yet "
	    "(run 'cloudpatrol inspect')",
	    "未診断: スナップショットがまだありません "
	    "('cloudpatrol inspect' を実行してください)");
}

void
cp_ledger_collector_note(const struct cp_ledger_opts *o,
    const char *collector, const char *message, char *buf, size_t n)
{
	if (message == NULL)
		message = "?";
	if (o->lang != NULL && strcmp(o->lang, "ja") == 0)
		snprintf(buf, n, "データ欠落: コレクター %s が失敗しました "
		    "(%s)。その収集対象は一覧に含まれていません", collector,
		    message);
	else
		snprintf(buf, n, "data missing: collector %s failed (%s); "
		    "what it collects is not listed", collector, message);
}
