/*
 * resources.c - the resource list (R-REP-5): every resource of each unit,
 * once.
 *
 * AWS lists what Resource Explorer knows (aws/resource records), which
 * covers every service, not only those we collect; when Resource Explorer
 * is not enabled, failed, or returned nothing, the list falls back to
 * every resource of the snapshot and says why in the source column.
 * Azure lists the subscription's own list of every resource
 * (azure/resource, GET /resources), with the same fallback.  Other clouds
 * list every resource of their snapshot (their plugins will bring their
 * own inventories: GCP Asset Inventory, OCI resource search).  The
 * snapshot's list leaves out what is not a resource of the unit (the
 * lists themselves, Entra objects).  Rows are de-duplicated by id (lists) or
 * by type and id (snapshot); tags are listed as "key=value; ..." when the
 * resource's JSON carries them (TagSet, Tags, TagList, tags, or Resource
 * Explorer's "tags" property), cut at 2,000 characters.
 */
#include <stdio.h>
#include <string.h>

#include "report/ledger.h"
#include "report/run_priv.h"

enum {
	COL_ENV, COL_CLOUD, COL_UNIT, COL_REGION, COL_SERVICE, COL_TYPE,
	COL_ID, COL_NAME, COL_TAGS, COL_SOURCE, NCOLS
};

static const struct cp_report_col cols[NCOLS] = {
	{ "Environment", "環境", CP_COL_TEXT, 14 },
	{ "Cloud", "クラウド", CP_COL_TEXT, 8 },
	{ "Unit", "ユニット", CP_COL_TEXT, 16 },
	{ "Region", "リージョン", CP_COL_TEXT, 14 },
	{ "Service", "サービス", CP_COL_TEXT, 14 },
	{ "Resource type", "リソース種別", CP_COL_TEXT, 26 },
	{ "Resource ID", "リソース ID", CP_COL_TEXT, 50 },
	{ "Name", "名前", CP_COL_TEXT, 24 },
	{ "Tags", "タグ", CP_COL_TEXT, 30 },
	{ "Source / note", "取得元 / 備考", CP_COL_TEXT, 30 }
};

static const struct cp_report_table table = {
	"Resource list", "リソース一覧", cols, NCOLS
};

const struct cp_report_table *
cp_ledger_resources_table(void)
{
	return &table;
}

#define TAG_MAX "2000"

/* "k=v; ..." of the tags in container (an object or a list of
 * {Key, Value}). */
#define TAGS(container)                                                   \
	"(SELECT substr(group_concat(CASE"                                \
	" WHEN typeof(t.key) = 'text' THEN t.key || '=' ||"               \
	"  coalesce(t.value, '')"                                          \
	" WHEN t.type = 'object' THEN"                                    \
	"  coalesce(json_extract(t.value, '$.Key'), '') || '=' ||"        \
	"  coalesce(json_extract(t.value, '$.Value'), '')"                \
	" ELSE t.value END, '; '), 1, " TAG_MAX ")"                       \
	" FROM json_each(" container ") t)"

/* The first of the members that is an array or object, else []. */
#define FIRST_OF(m)                                                       \
	"WHEN json_type(r.json, '$." m "') IN ('array', 'object')"        \
	" THEN json_extract(r.json, '$." m "') "

/* Columns: region, service, type, id, name, tags. */
enum { Q_REGION, Q_SERVICE, Q_TYPE, Q_ID, Q_NAME, Q_TAGS };

/* Columns are always qualified: json_each() has columns named json,
 * type, key and value of its own. */
static const char explorer_sql[] =
    "SELECT r.region, json_extract(r.json, '$.Service'),"
    " json_extract(r.json, '$.ResourceType') AS rtype, r.id, r.name, "
    TAGS("(SELECT CASE WHEN json_type(p.value, '$.Data') = 'array'"
    " THEN json_extract(p.value, '$.Data') ELSE '[]' END"
    " FROM json_each(CASE WHEN json_type(r.json, '$.Properties') ="
    " 'array' THEN json_extract(r.json, '$.Properties') ELSE '[]' END) p"
    " WHERE json_extract(p.value, '$.Name') = 'tags' LIMIT 1)")
    " FROM resources r WHERE r.type = 'aws/resource'"
    " GROUP BY r.id ORDER BY r.region, rtype, r.id";

/* Azure: the subscription's own list of every resource (azure/resource,
 * GET /resources): service is the provider namespace of the ARM type. */
static const char azure_sql[] =
    "SELECT r.region, CASE WHEN instr(json_extract(r.json, '$.type'), '/')"
    " > 0 THEN substr(json_extract(r.json, '$.type'), 1,"
    " instr(json_extract(r.json, '$.type'), '/') - 1) END,"
    " json_extract(r.json, '$.type') AS rtype, r.id, r.name, "
    TAGS("CASE " FIRST_OF("tags") "ELSE '[]' END")
    " FROM resources r WHERE r.type = 'azure/resource'"
    " GROUP BY r.id ORDER BY r.region, rtype, r.id";

/* ?1: a JSON list of the types left out. */
static const char snapshot_sql[] =
    "SELECT r.region, NULL, r.type, r.id, r.name, "
    TAGS("CASE " FIRST_OF("TagSet") FIRST_OF("Tags") FIRST_OF("TagList")
    FIRST_OF("tags") "ELSE '[]' END")
    " FROM resources r WHERE r.type NOT IN"
    " (SELECT x.value FROM json_each(?1) x)"
    " GROUP BY r.type, r.id ORDER BY r.region, r.type, r.id";

/* Types that describe the collection, not resources. */
static const char aws_skip[] =
    "[\"aws/resource\", \"aws/resource-explorer\","
    " \"aws/iam-credential-report-row\"]";

/* Azure: the list itself, and the tenant's Entra objects, which are not
 * resources of the subscription. */
static const char azure_skip[] =
    "[\"azure/resource\", \"azure/tenant\", \"azure/entra-user\","
    " \"azure/directory-role\", \"azure/directory-role-member\","
    " \"azure/sign-in\"]";

enum { FROM_SNAPSHOT, FROM_EXPLORER, FROM_AZURE };

struct unit_ctx {
	const struct cp_ledger_opts *o;
	const struct cp_env *env;
	const struct cp_unit *unit;
	cp_report *rep;
	const char *source;
};

static void
unit_cells(const struct unit_ctx *u, struct cp_cell *cells)
{
	size_t i;

	for (i = 0; i < NCOLS; i++)
		cells[i] = cp_cell_null();
	cells[COL_ENV] = cp_cell_text(u->env->name);
	cells[COL_CLOUD] = cp_cell_text(u->env->cloud);
	cells[COL_UNIT] = cp_cell_text(u->unit->unit);
}

static cp_err
note_row(const struct unit_ctx *u, const char *note)
{
	struct cp_cell cells[NCOLS];

	unit_cells(u, cells);
	cells[COL_SOURCE] = cp_cell_text(note);
	return cp_report_row(u->rep, cells, NCOLS);
}

static cp_err
missing_row(void *ud, const char *collector, const char *message)
{
	const struct unit_ctx *u = ud;
	char note[1024];

	cp_ledger_collector_note(u->o, collector, message, note,
	    sizeof(note));
	return note_row(u, note);
}

/* The service of a snapshot type: "aws/ec2-instance" -> "ec2",
 * "gcp/compute/instance" -> "compute". */
static const char *
service_of(const char *type, char *buf, size_t n)
{
	const char *s = type != NULL ? strchr(type, '/') : NULL;
	size_t len;

	if (s == NULL)
		return NULL;
	s++;
	len = strcspn(s, "/-");
	if (len == 0)
		return NULL;
	snprintf(buf, n, "%.*s", (int)len, s);
	return buf;
}

static cp_err
list_rows(const struct unit_ctx *u, sqlite3 *db, int from,
    const char *skip, char *why, size_t why_size)
{
	int explorer = from != FROM_SNAPSHOT;
	sqlite3_stmt *st = NULL;
	struct cp_cell cells[NCOLS];
	char service[64];
	cp_err r = CP_OK;
	int rv;

	if (sqlite3_prepare_v2(db, from == FROM_EXPLORER ? explorer_sql :
	    from == FROM_AZURE ? azure_sql : snapshot_sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return cp_ledger_sql_error(db, "resource list", why,
		    why_size);
	if (!explorer)
		sqlite3_bind_text(st, 1, skip, -1, SQLITE_STATIC);
	while (r == CP_OK && (rv = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = cp_ledger_col(st, Q_TYPE);

		unit_cells(u, cells);
		cells[COL_REGION] = cp_cell_text(cp_ledger_col(st, Q_REGION));
		cells[COL_SERVICE] = cp_cell_text(explorer ?
		    cp_ledger_col(st, Q_SERVICE) : service_of(type, service,
		    sizeof(service)));
		cells[COL_TYPE] = cp_cell_text(type);
		cells[COL_ID] = cp_cell_text(cp_ledger_col(st, Q_ID));
		cells[COL_NAME] = cp_cell_text(cp_ledger_col(st, Q_NAME));
		cells[COL_TAGS] = cp_cell_text(cp_ledger_col(st, Q_TAGS));
		cells[COL_SOURCE] = cp_cell_text(u->source);
		r = cp_report_row(u->rep, cells, NCOLS);
	}
	if (r == CP_OK && rv != SQLITE_DONE)
		r = cp_ledger_sql_error(db, "resource list", why, why_size);
	sqlite3_finalize(st);
	return r;
}

/* One integer of sql, or -1. */
static long long
sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * Whether the AWS unit's Resource Explorer list can be used; when not,
 * *why_not is the source text saying why.
 */
static int
use_explorer(const struct unit_ctx *u, sqlite3 *db, const char **why_not)
{
	const struct cp_ledger_opts *o = u->o;

	if (sql_int(db, "SELECT count(*) FROM collector_errors"
	    " WHERE collector = 'resource-explorer'") > 0) {
		*why_not = cp_ledger_text(o, "inventory snapshot (Resource "
		    "Explorer failed or was cut short)", "インベントリの"
		    "スナップショット (Resource Explorer の取得に失敗または"
		    "途中で打ち切り)");
		return 0;
	}
	if (sql_int(db, "SELECT json_extract(json, '$.Enabled') FROM"
	    " resources WHERE type = 'aws/resource-explorer' LIMIT 1") !=
	    1) {
		*why_not = cp_ledger_text(o, "inventory snapshot (Resource "
		    "Explorer is not enabled)", "インベントリのスナップショット"
		    " (Resource Explorer が無効)");
		return 0;
	}
	if (sql_int(db, "SELECT EXISTS (SELECT 1 FROM resources"
	    " WHERE type = 'aws/resource')") != 1) {
		*why_not = cp_ledger_text(o, "inventory snapshot (Resource "
		    "Explorer listed nothing)", "インベントリのスナップショット"
		    " (Resource Explorer の結果が空)");
		return 0;
	}
	return 1;
}

/* Whether the Azure unit's own resource list can be used (as above). */
static int
use_azure_list(const struct unit_ctx *u, sqlite3 *db, const char **why_not)
{
	const struct cp_ledger_opts *o = u->o;

	if (sql_int(db, "SELECT count(*) FROM collector_errors"
	    " WHERE collector = 'resources'") > 0) {
		*why_not = cp_ledger_text(o, "inventory snapshot (the "
		    "subscription's resource list failed)", "インベントリの"
		    "スナップショット (サブスクリプションのリソース一覧の取得に"
		    "失敗)");
		return 0;
	}
	if (sql_int(db, "SELECT EXISTS (SELECT 1 FROM resources"
	    " WHERE type = 'azure/resource')") != 1) {
		*why_not = cp_ledger_text(o, "inventory snapshot (the "
		    "subscription's resource list was empty)", "インベントリの"
		    "スナップショット (サブスクリプションのリソース一覧が空)");
		return 0;
	}
	return 1;
}

cp_err
cp_ledger_resources_unit(const struct cp_ledger_opts *o,
    const struct cp_env *env, const struct cp_unit *unit, cp_report *rep,
    char *why, size_t why_size)
{
	struct unit_ctx u;
	sqlite3 *db = NULL;
	int aws = strcmp(env->cloud, "aws") == 0;
	int azure = strcmp(env->cloud, "azure") == 0, from = FROM_SNAPSHOT;
	cp_err r;

	u.o = o;
	u.env = env;
	u.unit = unit;
	u.rep = rep;
	u.source = cp_ledger_text(o, "inventory snapshot",
	    "インベントリのスナップショット");
	r = cp_ledger_open(o, unit, &db, why, why_size);
	if (r == CP_E_NOTFOUND)
		return note_row(&u, cp_ledger_never_inspected(o));
	if (r != CP_OK)
		return r;
	if (aws && use_explorer(&u, db, &u.source)) {
		from = FROM_EXPLORER;
		u.source = "AWS Resource Explorer";
	}
	if (azure && use_azure_list(&u, db, &u.source)) {
		from = FROM_AZURE;
		u.source = cp_ledger_text(o, "Azure resource list",
		    "Azure のリソース一覧");
	}
	/* What a failed collector hides matters only for the snapshot's
	 * own list. */
	if (from == FROM_SNAPSHOT)
		r = cp_ledger_collector_errors(db, NULL, missing_row, &u, why,
		    why_size);
	if (r == CP_OK)
		r = list_rows(&u, db, from, aws ? aws_skip : azure ?
		    azure_skip : "[]", why, why_size);
	sqlite3_close(db);
	return r;
}

cp_err
rrun_resources(struct rrun *x)
{
	struct cp_ledger_opts o;
	size_t i;
	cp_err r;

	cp_ledger_opts_of(x, &o);
	r = cp_report_table(x->rep, cp_ledger_resources_table());
	for (i = 0; r == CP_OK && i < x->n_units; i++) {
		r = cp_ledger_resources_unit(&o, &x->units[i].env,
		    &x->units[i].unit, x->rep, x->why, x->why_size);
		rrun_step(x);
	}
	return r;
}
