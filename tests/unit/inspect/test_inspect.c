/*
 * test_inspect.c - one inspection of one unit, in-process, through the
 * fixture cloud plugin (tests/fakes/testcloud) and the e2e policies
 * TC-001..003: what a first and a second run open and count, a failed
 * collection (findings and snapshot untouched, a failed scan recorded), an
 * unknown cloud, policies that cannot decide (collector error, bad or
 * damaged parameters), disabled policies, cancellation, and remediation
 * within the ceiling, with the ceiling 0 (off), as a dry run and without
 * registration.
 *
 * The estate (tests/e2e/estate/resources-1.json) at IT_T0 fails:
 *   TC-001 (port 22 from anywhere): rule-ssh-open, rule-admin-range
 *   TC-002 (public bucket):         bucket-public
 *   TC-003 (no MFA, idle > 90 d):   user-alice, user-carol
 */
#include "inspect/inspecttest.h"

#include <dirent.h>

#include "policy/engine.h"

#define RUN1_OPEN                                                       \
	"TC-001/rule-admin-range\nTC-001/rule-ssh-open\n"               \
	"TC-002/bucket-public\nTC-003/user-alice\nTC-003/user-carol\n"

/* The last warning of subsystem "inspect", as the hook saw it. */
static char inspect_warning[1024];

static void
log_hook(void *ud, int level, const char *subsys, const char *msg)
{
	(void)ud;
	if (level == CP_LOG_WARNING && strcmp(subsys, "inspect") == 0)
		snprintf(inspect_warning, sizeof(inspect_warning), "%s", msg);
}

/*
 * The last warning names the policy exactly once: the reasons the engine
 * and the store give name it already, a prefix must not repeat it.
 */
static void
expect_warning_names_once(const char *what)
{
	const char *first = strstr(inspect_warning, what);

	CU_ASSERT_FATAL(first != NULL);
	CU_ASSERT_PTR_NULL(strstr(first + 1, what));
	if (strstr(first + 1, what) != NULL)
		fprintf(stderr, "logged: %s\n", inspect_warning);
}

/* Reads the unit's snapshot whole (owned by the caller); NULL if none. */
static char *
snapshot_bytes(struct it_fx *x, size_t *len)
{
	char path[4096], *buf = NULL;

	CU_ASSERT_FATAL(cp_inspect_snapshot_path(x->state, x->unit.id, path,
	    sizeof(path)) == CP_OK);
	if (cp_file_read(path, 256u * 1024 * 1024, &buf, len) != CP_OK)
		return NULL;
	return buf;
}

/* The names in state/snapshots, sorted, one a line, in buf. */
static const char *
snapshot_files(struct it_fx *x, char *buf, size_t n)
{
	struct dirent **names = NULL;
	char dir[700];
	size_t len = 0;
	int i, k;

	buf[0] = '\0';
	snprintf(dir, sizeof(dir), "%s/snapshots", x->state);
	k = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < k; i++) {
		if (names[i]->d_name[0] != '.' && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s\n",
			    names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return buf;
}

/* What testcloud was told as "since" on its last collection. */
static const char *
it_since(struct it_fx *x, char *buf, size_t n)
{
	char path[800];
	FILE *fp;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/since", x->unitdir);
	fp = fopen(path, "r");
	if (fp == NULL)
		return buf;
	if (fgets(buf, (int)n, fp) != NULL)
		buf[strcspn(buf, "\n")] = '\0';
	fclose(fp);
	return buf;
}

static void
test_inspect_snapshot_path(void)
{
	char buf[64];

	CU_ASSERT_EQUAL(cp_inspect_snapshot_path("/var/lib/cp", 42, buf,
	    sizeof(buf)), CP_OK);
	CU_ASSERT_STRING_EQUAL(buf, "/var/lib/cp/snapshots/unit-42.db");
	/* One byte short of "/s/snapshots/unit-7.db" and its NUL. */
	CU_ASSERT_EQUAL(cp_inspect_snapshot_path("/s", 7, buf, 22),
	    CP_E_LIMIT);
	CU_ASSERT_EQUAL(cp_inspect_snapshot_path("/s", 7, buf, 23), CP_OK);
	CU_ASSERT_STRING_EQUAL(buf, "/s/snapshots/unit-7.db");
}

static void
test_inspect_defaults(void)
{
	struct cp_lc_defaults def;
	json_t *params = NULL;

	CU_ASSERT_EQUAL_FATAL(cp_inspect_defaults(it_policy("TC-001"), &def,
	    &params), CP_OK);
	CU_ASSERT_EQUAL(def.enabled, 1);
	CU_ASSERT_EQUAL(def.notify, 1);
	CU_ASSERT_EQUAL(def.remediate, 0);
	CU_ASSERT_PTR_EQUAL(def.params, params);
	CU_ASSERT_EQUAL(json_object_size(params), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(params, "port")),
	    22);
	json_decref(params);

	/* No parameters: an empty object, not NULL. */
	CU_ASSERT_EQUAL_FATAL(cp_inspect_defaults(it_policy("TC-002"), &def,
	    &params), CP_OK);
	CU_ASSERT_PTR_NOT_NULL(params);
	CU_ASSERT_EQUAL(json_object_size(params), 0);
	json_decref(params);
}

static void
test_inspect_setting(void)
{
	const struct cp_policy *p = it_policy("TC-003");
	struct cp_lc_setting s;
	struct it_fx x;

	it_open(&x, "testcloud", 0, 0);
	/* No row: the pack's defaults. */
	CU_ASSERT_EQUAL_FATAL(cp_inspect_setting(x.st, x.portal.id, p, &s),
	    CP_OK);
	CU_ASSERT_EQUAL(s.enabled, 1);
	CU_ASSERT_EQUAL(s.notify, 1);
	CU_ASSERT_EQUAL(s.remediate, 0);
	CU_ASSERT_EQUAL(s.stored, 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(s.params,
	    "max_idle_days")), 90);
	cp_lc_setting_clear(&s);

	/* The portal's choices over them. */
	it_setting(&x, "TC-003", -1, 0, -1, "{\"max_idle_days\": 365}");
	CU_ASSERT_EQUAL_FATAL(cp_inspect_setting(x.st, x.portal.id, p, &s),
	    CP_OK);
	CU_ASSERT_EQUAL(s.enabled, 1);
	CU_ASSERT_EQUAL(s.notify, 0);
	CU_ASSERT_EQUAL(s.stored, 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(s.params,
	    "max_idle_days")), 365);
	cp_lc_setting_clear(&s);

	/* Another portal is not touched. */
	CU_ASSERT_EQUAL_FATAL(cp_inspect_setting(x.st, x.portal.id + 1, p,
	    &s), CP_OK);
	CU_ASSERT_EQUAL(s.stored, 0);
	CU_ASSERT_EQUAL(s.notify, 1);
	cp_lc_setting_clear(&s);
	it_close(&x);
}

static void
test_inspect_first_run_opens_findings(void)
{
	struct cp_inspect_result res;
	struct it_fx x;
	struct stat sb;
	char path[4096], open[1024];
	cp_engine *eng = NULL;
	char why[256];

	it_open(&x, "testcloud", 0, 0);
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0, &res), CP_OK);
	CU_ASSERT_EQUAL(res.collected, 1);
	CU_ASSERT_STRING_EQUAL(res.error, "");
	CU_ASSERT_EQUAL(res.resources, 9);
	CU_ASSERT_EQUAL(res.policies, 3);
	CU_ASSERT_EQUAL(res.policy_errors, 0);
	CU_ASSERT_EQUAL(res.lc.policies, 3);
	CU_ASSERT_EQUAL(res.lc.skipped, 0);
	CU_ASSERT_EQUAL(res.lc.opened, 5);
	CU_ASSERT_EQUAL(res.lc.still_open, 0);
	CU_ASSERT_EQUAL(res.lc.resolved, 0);
	CU_ASSERT_EQUAL(res.lc.notified, 5);
	CU_ASSERT_EQUAL(res.lc.remediations, 0);
	CU_ASSERT_EQUAL(res.rem.done + res.rem.held + res.rem.dry_run, 0);
	CU_ASSERT_STRING_EQUAL(it_open_findings(&x, open, sizeof(open)),
	    RUN1_OPEN);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM findings"
	    " WHERE first_seen = 1700000000 AND last_seen = 1700000000",
	    NULL), 5);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM outbox WHERE"
	    " kind = 'notify'", NULL), 5);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM scans WHERE"
	    " status = 'ok' AND resources = 9", NULL), 1);

	/* The snapshot is where the path says, private, and of this unit. */
	CU_ASSERT_EQUAL_FATAL(cp_inspect_snapshot_path(x.state, x.unit.id,
	    path, sizeof(path)), CP_OK);
	CU_ASSERT_EQUAL_FATAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL_FATAL(cp_engine_open(path, NULL, NULL, &eng, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_STRING_EQUAL(cp_engine_meta(eng, "unit"), IT_UNIT);
	CU_ASSERT_STRING_EQUAL(cp_engine_meta(eng, "cloud"), "testcloud");
	cp_engine_close(eng);
	it_close(&x);
}

static void
test_inspect_second_run_opens_nothing(void)
{
	struct cp_inspect_result res;
	struct it_fx x;
	char open[1024], line[64];

	it_open(&x, "testcloud", 0, 0);
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0, &res), CP_OK);
	CU_ASSERT_STRING_EQUAL(it_since(&x, line, sizeof(line)), "none");
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0 + IT_HOUR, &res), CP_OK);
	CU_ASSERT_EQUAL(res.policies, 3);
	CU_ASSERT_EQUAL(res.lc.opened, 0);
	CU_ASSERT_EQUAL(res.lc.still_open, 5);
	CU_ASSERT_EQUAL(res.lc.resolved, 0);
	CU_ASSERT_EQUAL(res.lc.notified, 0);
	CU_ASSERT_STRING_EQUAL(it_open_findings(&x, open, sizeof(open)),
	    RUN1_OPEN);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM outbox WHERE"
	    " kind = 'notify'", NULL), 5);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM findings WHERE"
	    " last_seen = 1700003600", NULL), 5);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM scans WHERE"
	    " status = 'ok'", NULL), 2);
	/* The plugin was told when the unit was last collected. */
	CU_ASSERT_STRING_EQUAL(it_since(&x, line, sizeof(line)),
	    "2023-11-14T22:13:20Z");
	it_close(&x);
}

static void
test_inspect_resolves_what_is_fixed(void)
{
	struct cp_inspect_result res;
	struct it_fx x;
	char open[1024];

	it_open(&x, "testcloud", 0, 0);
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0, &res), CP_OK);
	/* The bucket is private, the admin range gone, three rules new. */
	it_estate(&x, "resources-2.json", "resources.json");
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0 + IT_DAY, &res), CP_OK);
	CU_ASSERT_EQUAL(res.resources, 11);
	CU_ASSERT_EQUAL(res.lc.opened, 3);
	CU_ASSERT_EQUAL(res.lc.still_open, 3);
	CU_ASSERT_EQUAL(res.lc.resolved, 2);
	CU_ASSERT_EQUAL(res.lc.notified, 3);
	CU_ASSERT_STRING_EQUAL(it_open_findings(&x, open, sizeof(open)),
	    "TC-001/rule-excluded\nTC-001/rule-rdp-new-1\n"
	    "TC-001/rule-rdp-new-2\nTC-001/rule-ssh-open\n"
	    "TC-003/user-alice\nTC-003/user-carol\n");
	/* Resolved at the last detection plus one hour. */
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT resolved_at FROM findings"
	    " WHERE resource = ?1", "bucket-public"), IT_T0 + IT_HOUR);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT resolved_at FROM findings"
	    " WHERE resource = ?1", "rule-admin-range"), IT_T0 + IT_HOUR);
	it_close(&x);
}

static void
test_inspect_failed_collection_changes_nothing(void)
{
	struct cp_inspect_result res;
	struct it_fx x;
	char open[1024], files[256], want[64];
	char *before, *after;
	size_t nb = 0, na = 0;
	cp_err r;

	it_open(&x, "testcloud", 0, 0);
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0, &res), CP_OK);
	before = snapshot_bytes(&x, &nb);
	CU_ASSERT_FATAL(before != NULL);

	/* Had it been collected, this estate would move findings. */
	it_estate(&x, "resources-2.json", "resources.json");
	it_unit_file(&x, "fail", "cloud unreachable\n");
	r = it_inspect(&x, IT_T0 + IT_HOUR, &res);
	CU_ASSERT_EQUAL(r, CP_E_RETRY_LATER);
	CU_ASSERT_EQUAL(res.collected, 0);
	CU_ASSERT_EQUAL(res.policies, 0);
	CU_ASSERT_EQUAL(res.lc.opened + res.lc.resolved, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.error, "collection failed"));
	CU_ASSERT_STRING_EQUAL(it_open_findings(&x, open, sizeof(open)),
	    RUN1_OPEN);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM findings"
	    " WHERE last_seen = 1700000000 AND resolved_at IS NULL", NULL),
	    5);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM outbox", NULL),
	    5);
	/* A failed scan that says why. */
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM scans WHERE"
	    " status = 'error' AND error = ?1", res.error), 1);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM scans WHERE"
	    " status = 'ok'", NULL), 1);
	/* The previous snapshot, byte for byte. */
	after = snapshot_bytes(&x, &na);
	CU_ASSERT_FATAL(after != NULL);
	CU_ASSERT_EQUAL(na, nb);
	CU_ASSERT(na == nb && memcmp(before, after, nb) == 0);
	free(before);
	free(after);
	/* And nothing left beside it. */
	snprintf(want, sizeof(want), "unit-%lld.db\n", (long long)x.unit.id);
	CU_ASSERT_STRING_EQUAL(snapshot_files(&x, files, sizeof(files)),
	    want);

	/* Once the cloud answers again, the change is seen. */
	it_unit_rm(&x, "fail");
	CU_ASSERT_EQUAL(it_inspect(&x, IT_T0 + 2 * IT_HOUR, &res), CP_OK);
	CU_ASSERT_EQUAL(res.lc.resolved, 2);
	CU_ASSERT_EQUAL(res.lc.opened, 3);
	it_close(&x);
}

static void
test_inspect_unknown_cloud_fails_cleanly(void)
{
	struct cp_inspect_result res;
	struct it_fx x;
	char path[4096];

	it_open(&x, "nocloud", 0, 0);
	CU_ASSERT_EQUAL(it_inspect(&x, IT_T0, &res), CP_E_NOTFOUND);
	CU_ASSERT_EQUAL(res.collected, 0);
	CU_ASSERT_EQUAL(res.policies, 0);
	CU_ASSERT_STRING_EQUAL(res.error,
	    "no running plugin offers cloud 'nocloud'");
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM scans WHERE"
	    " status = 'error' AND error = ?1", res.error), 1);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM findings", NULL),
	    0);
	CU_ASSERT_EQUAL_FATAL(cp_inspect_snapshot_path(x.state, x.unit.id,
	    path, sizeof(path)), CP_OK);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
	it_close(&x);
}

static void
test_inspect_collector_error_leaves_policy_undecided(void)
{
	struct cp_inspect_result res;
	struct it_fx x;
	char open[1024];

	it_open(&x, "testcloud", 0, 0);
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0, &res), CP_OK);
	/* alice and carol are still in the estate, but carol's idle time
	 * and alice's MFA cannot be read: TC-003 (requires "identity")
	 * cannot decide, so its findings stay as they are. */
	it_estate(&x, "resources-2.json", "resources.json");
	it_estate(&x, "collector-errors-identity.json",
	    "collector-errors.json");
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0 + IT_HOUR, &res), CP_OK);
	CU_ASSERT_EQUAL(res.collected, 1);
	CU_ASSERT_EQUAL(res.policies, 3);
	CU_ASSERT_EQUAL(res.policy_errors, 1);
	CU_ASSERT_EQUAL(res.lc.skipped, 1);
	CU_ASSERT_EQUAL(res.lc.opened, 3);
	CU_ASSERT_EQUAL(res.lc.still_open, 1);
	CU_ASSERT_EQUAL(res.lc.resolved, 2);
	CU_ASSERT_STRING_EQUAL(it_open_findings(&x, open, sizeof(open)),
	    "TC-001/rule-excluded\nTC-001/rule-rdp-new-1\n"
	    "TC-001/rule-rdp-new-2\nTC-001/rule-ssh-open\n"
	    "TC-003/user-alice\nTC-003/user-carol\n");
	/* Not even touched: last seen in the first run. */
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM findings WHERE"
	    " policy = 'TC-003' AND last_seen = 1700000000", NULL), 2);
	/* The scan is "ok" but says it was partial, and why. */
	CU_ASSERT_EQUAL(res.collector_errors, 1);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM scans WHERE"
	    " status = 'ok' AND started = 1700003600 AND error = ?1",
	    "partial: 1 collector error(s), the first identity: AccessDenied:"
	    " not allowed to list users; 1 of 3 policies undecided"), 1);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM scans WHERE"
	    " started = 1700000000 AND error = ''", NULL), 1);
	it_close(&x);
}

static void
test_inspect_bad_parameter_leaves_policy_undecided(void)
{
	struct cp_inspect_result res;
	struct it_fx x;
	char open[1024];

	it_open(&x, "testcloud", 0, 0);
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0, &res), CP_OK);
	/* A stored value out of the pack's bounds fails TC-001's run. */
	it_setting(&x, "TC-001", -1, -1, -1, "{\"port\": 70000}");
	it_estate(&x, "resources-2.json", "resources.json");
	inspect_warning[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0 + IT_HOUR, &res), CP_OK);
	CU_ASSERT_EQUAL(res.policies, 3);
	CU_ASSERT_EQUAL(res.policy_errors, 1);
	CU_ASSERT_EQUAL(res.lc.opened, 0);
	CU_ASSERT_EQUAL(res.lc.resolved, 1);	/* the bucket (TC-002) */
	CU_ASSERT_STRING_EQUAL(it_open_findings(&x, open, sizeof(open)),
	    "TC-001/rule-admin-range\nTC-001/rule-ssh-open\n"
	    "TC-003/user-alice\nTC-003/user-carol\n");
	/* Logged, naming the environment and the reason. */
	CU_ASSERT_PTR_NOT_NULL(strstr(inspect_warning, "prod/testcloud: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(inspect_warning,
	    "parameter port = 70000: must be between 1 and 65535"));
	expect_warning_names_once("policy TC-001");
	it_close(&x);
}

static void
test_inspect_damaged_setting_leaves_policy_undecided(void)
{
	struct cp_inspect_result res;
	struct it_fx x;
	char open[1024];

	it_open(&x, "testcloud", 0, 0);
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0, &res), CP_OK);
	/* TC-002's stored parameters are not JSON any more: it cannot
	 * decide, the others run. */
	it_setting(&x, "TC-002", -1, -1, -1, NULL);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(cp_store_db(x.st),
	    "UPDATE policy_settings SET params = '{broken'"
	    " WHERE policy = 'TC-002'", NULL, NULL, NULL), SQLITE_OK);
	it_estate(&x, "resources-2.json", "resources.json");
	inspect_warning[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0 + IT_HOUR, &res), CP_OK);
	expect_warning_names_once("policy TC-002");
	CU_ASSERT_EQUAL(res.collected, 1);
	CU_ASSERT_EQUAL(res.policies, 2);
	CU_ASSERT_EQUAL(res.policy_errors, 1);
	CU_ASSERT_EQUAL(res.lc.opened, 3);
	CU_ASSERT_EQUAL(res.lc.resolved, 1);	/* the admin range */
	CU_ASSERT_STRING_EQUAL(it_open_findings(&x, open, sizeof(open)),
	    "TC-001/rule-excluded\nTC-001/rule-rdp-new-1\n"
	    "TC-001/rule-rdp-new-2\nTC-001/rule-ssh-open\n"
	    "TC-002/bucket-public\n"
	    "TC-003/user-alice\nTC-003/user-carol\n");
	it_close(&x);
}

static void
test_inspect_disabled_policy_does_not_run(void)
{
	struct cp_inspect_result res;
	struct it_fx x;
	char open[1024];

	it_open(&x, "testcloud", 0, 0);
	it_setting(&x, "TC-002", 0, -1, -1, NULL);
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0, &res), CP_OK);
	CU_ASSERT_EQUAL(res.policies, 2);
	CU_ASSERT_EQUAL(res.lc.policies, 2);
	CU_ASSERT_EQUAL(res.lc.opened, 4);
	CU_ASSERT_EQUAL(res.lc.notified, 4);
	CU_ASSERT_STRING_EQUAL(it_open_findings(&x, open, sizeof(open)),
	    "TC-001/rule-admin-range\nTC-001/rule-ssh-open\n"
	    "TC-003/user-alice\nTC-003/user-carol\n");

	/* Enabled again, it runs again. */
	it_setting(&x, "TC-002", 1, -1, -1, NULL);
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0 + IT_HOUR, &res), CP_OK);
	CU_ASSERT_EQUAL(res.policies, 3);
	CU_ASSERT_EQUAL(res.lc.opened, 1);
	it_close(&x);
}

static void
test_inspect_cancelled_changes_nothing(void)
{
	struct cp_inspect_result res;
	struct it_fx x;

	it_open(&x, "testcloud", 0, 0);
	x.cancel = 1;
	CU_ASSERT_EQUAL(it_inspect(&x, IT_T0, &res), CP_E_CANCELLED);
	CU_ASSERT_EQUAL(res.collected, 0);
	CU_ASSERT_EQUAL(res.policies, 0);
	CU_ASSERT_STRING_EQUAL(res.error, "cancelled");
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM scans WHERE"
	    " status = 'error' AND error = 'cancelled'", NULL), 1);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM scans WHERE"
	    " status = 'ok'", NULL), 0);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM findings", NULL),
	    0);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM outbox", NULL),
	    0);
	it_close(&x);
}

/* Whether the remediations file has a line for resource. */
static int
remediated(struct it_fx *x, const char *resource)
{
	FILE *fp = fopen(x->jsonl, "r");
	char line[4096];
	int found = 0;

	if (fp == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		json_t *j = json_loads(line, 0, NULL);
		const char *a, *r;

		a = json_string_value(json_object_get(j, "action"));
		r = json_string_value(json_object_get(j, "resource"));
		found = a != NULL && r != NULL &&
		    strcmp(a, "revoke-rule") == 0 && strcmp(r, resource) == 0 &&
		    json_is_false(json_object_get(j, "dry_run"));
		json_decref(j);
	}
	fclose(fp);
	return found;
}

/* A store whose unit may be remediated by TC-001. */
static void
open_remediable(struct it_fx *x)
{
	it_open(x, "testcloud", 1, 1);
	it_setting(x, "TC-001", -1, -1, 1, NULL);
}

static void
test_inspect_remediates_new_findings(void)
{
	struct cp_inspect_result res;
	struct it_fx x;

	open_remediable(&x);
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0, &res), CP_OK);
	CU_ASSERT_EQUAL(res.lc.opened, 5);
	CU_ASSERT_EQUAL(res.lc.remediations, 2);
	CU_ASSERT_EQUAL(res.rem.done, 2);
	CU_ASSERT_EQUAL(res.rem.held, 0);
	CU_ASSERT_EQUAL(res.rem.failed, 0);
	CU_ASSERT_EQUAL(it_lines(x.jsonl), 2);
	CU_ASSERT(remediated(&x, "rule-ssh-open"));
	CU_ASSERT(remediated(&x, "rule-admin-range"));
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM remediations"
	    " WHERE status = 'done' AND action = 'revoke-rule'", NULL), 2);

	/* Nothing new: nothing is remediated again. */
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0 + IT_HOUR, &res), CP_OK);
	CU_ASSERT_EQUAL(res.lc.remediations, 0);
	CU_ASSERT_EQUAL(res.rem.done, 0);
	CU_ASSERT_EQUAL(it_lines(x.jsonl), 2);
	it_close(&x);
}

static void
test_inspect_ceiling_holds_the_rest(void)
{
	struct cp_inspect_opts o;
	struct cp_inspect_result res;
	struct it_fx x;

	open_remediable(&x);
	o = it_opts(&x, IT_T0);
	o.remediation_ceiling = 1;
	CU_ASSERT_EQUAL_FATAL(it_inspect_o(&x, &o, &res), CP_OK);
	CU_ASSERT_EQUAL(res.lc.remediations, 2);
	CU_ASSERT_EQUAL(res.rem.done, 1);
	CU_ASSERT_EQUAL(res.rem.held, 1);
	CU_ASSERT_EQUAL(it_lines(x.jsonl), 1);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM remediations"
	    " WHERE status = 'held'", NULL), 1);
	it_close(&x);
}

/* inspect.h: a ceiling of 0 turns automatic remediation off; what is
 * queued waits for a run that may change something. */
static void
test_inspect_ceiling_zero_remediates_nothing(void)
{
	struct cp_inspect_opts o;
	struct cp_inspect_result res;
	struct it_fx x;

	open_remediable(&x);
	o = it_opts(&x, IT_T0);
	o.remediation_ceiling = 0;
	CU_ASSERT_EQUAL_FATAL(it_inspect_o(&x, &o, &res), CP_OK);
	CU_ASSERT_EQUAL(res.lc.remediations, 2);
	CU_ASSERT_EQUAL(res.rem.done, 0);
	CU_ASSERT_EQUAL(res.rem.held, 0);
	CU_ASSERT_EQUAL(res.rem.dry_run, 0);
	CU_ASSERT_EQUAL(it_lines(x.jsonl), -1);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM remediations",
	    NULL), 0);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM outbox WHERE"
	    " kind = 'remediate' AND state = 'pending'", NULL), 2);
	/* Still 0 an hour later: still waiting. */
	o.now = IT_T0 + IT_HOUR;
	CU_ASSERT_EQUAL_FATAL(it_inspect_o(&x, &o, &res), CP_OK);
	CU_ASSERT_EQUAL(res.rem.done, 0);
	CU_ASSERT_EQUAL(it_lines(x.jsonl), -1);
	/* With a ceiling again, the waiting ones are done. */
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0 + 2 * IT_HOUR, &res),
	    CP_OK);
	CU_ASSERT_EQUAL(res.rem.done, 2);
	CU_ASSERT_EQUAL(it_lines(x.jsonl), 2);
	it_close(&x);
}

static void
test_inspect_dry_run_changes_nothing(void)
{
	struct cp_inspect_opts o;
	struct cp_inspect_result res;
	struct it_fx x;

	open_remediable(&x);
	o = it_opts(&x, IT_T0);
	o.remediation_dry_run = 1;
	CU_ASSERT_EQUAL_FATAL(it_inspect_o(&x, &o, &res), CP_OK);
	CU_ASSERT_EQUAL(res.lc.remediations, 2);
	CU_ASSERT_EQUAL(res.rem.dry_run, 2);
	CU_ASSERT_EQUAL(res.rem.done, 0);
	CU_ASSERT_EQUAL(it_lines(x.jsonl), -1);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM remediations"
	    " WHERE status = 'done'", NULL), 0);
	/* They stay queued: a real run afterwards does them. */
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0 + IT_HOUR, &res), CP_OK);
	CU_ASSERT_EQUAL(res.rem.done, 2);
	CU_ASSERT_EQUAL(it_lines(x.jsonl), 2);
	it_close(&x);
}

static void
test_inspect_remediation_failure_is_recorded(void)
{
	struct cp_inspect_result res;
	struct it_fx x;

	open_remediable(&x);
	/* testcloud cannot append to a folder: its remediate() fails. */
	CU_ASSERT_FATAL(mkdir(x.jsonl, 0700) == 0);
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0, &res), CP_OK);
	CU_ASSERT_EQUAL(res.lc.remediations, 2);
	CU_ASSERT_EQUAL(res.rem.done, 0);
	CU_ASSERT_EQUAL(res.rem.failed, 2);
	CU_ASSERT_EQUAL(it_sql_int(&x, "SELECT count(*) FROM remediations"
	    " WHERE status = 'failed'", NULL), 2);
	/* The findings were applied all the same. */
	CU_ASSERT_EQUAL(res.lc.opened, 5);
	it_close(&x);
}

static void
test_inspect_remediation_needs_registration(void)
{
	struct cp_inspect_result res;
	struct it_fx x;

	/* The environment may remediate, the unit was registered without. */
	it_open(&x, "testcloud", 1, 0);
	it_setting(&x, "TC-001", -1, -1, 1, NULL);
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0, &res), CP_OK);
	CU_ASSERT_EQUAL(res.lc.opened, 5);
	CU_ASSERT_EQUAL(res.lc.remediations, 0);
	CU_ASSERT_EQUAL(res.rem.done, 0);
	CU_ASSERT_EQUAL(it_lines(x.jsonl), -1);
	it_close(&x);

	/* Registered, but the policy's remediation is off (the default). */
	it_open(&x, "testcloud", 1, 1);
	CU_ASSERT_EQUAL_FATAL(it_inspect(&x, IT_T0, &res), CP_OK);
	CU_ASSERT_EQUAL(res.lc.remediations, 0);
	CU_ASSERT_EQUAL(it_lines(x.jsonl), -1);
	it_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "snapshot_path", test_inspect_snapshot_path },
		{ "defaults", test_inspect_defaults },
		{ "setting", test_inspect_setting },
		{ "first_run_opens_findings",
		    test_inspect_first_run_opens_findings },
		{ "second_run_opens_nothing",
		    test_inspect_second_run_opens_nothing },
		{ "resolves_what_is_fixed",
		    test_inspect_resolves_what_is_fixed },
		{ "failed_collection_changes_nothing",
		    test_inspect_failed_collection_changes_nothing },
		{ "unknown_cloud_fails_cleanly",
		    test_inspect_unknown_cloud_fails_cleanly },
		{ "collector_error_leaves_policy_undecided",
		    test_inspect_collector_error_leaves_policy_undecided },
		{ "bad_parameter_leaves_policy_undecided",
		    test_inspect_bad_parameter_leaves_policy_undecided },
		{ "damaged_setting_leaves_policy_undecided",
		    test_inspect_damaged_setting_leaves_policy_undecided },
		{ "disabled_policy_does_not_run",
		    test_inspect_disabled_policy_does_not_run },
		{ "cancelled_changes_nothing",
		    test_inspect_cancelled_changes_nothing },
		{ "remediates_new_findings",
		    test_inspect_remediates_new_findings },
		{ "ceiling_holds_the_rest",
		    test_inspect_ceiling_holds_the_rest },
		{ "ceiling_zero_remediates_nothing",
		    test_inspect_ceiling_zero_remediates_nothing },
		{ "dry_run_changes_nothing",
		    test_inspect_dry_run_changes_nothing },
		{ "remediation_failure_is_recorded",
		    test_inspect_remediation_failure_is_recorded },
		{ "remediation_needs_registration",
		    test_inspect_remediation_needs_registration },
		{ NULL, NULL }
	};
	int rc;

	rc = 1;
	if (it_global_init() == 0) {
		cp_log_set_hook(it_g.log, log_hook, NULL);
		rc = cp_test_run("inspect", tests);
	}
	it_global_done();
	return rc;
}
