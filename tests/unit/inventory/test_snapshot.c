/*
 * test_snapshot.c - writing snapshots: round trip through the sink, the
 * views and meta, refusals, and the old file surviving every failure.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cptest.h"
#include "inventory/snapshot.h"

static char dir[] = "/tmp/cp-test-snapshot-XXXXXX";

static const struct cp_snapshot_meta meta = {
	.cloud = "aws",
	.env = "prod",
	.unit = "123456789012",
	.plugin = "aws",
	.plugin_version = "1.2.3",
	.collected_at = 1714532400,	/* 2024-05-01T03:00:00Z */
};

static void
path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

/* The first column of the first row of sql, as text ("" for none). */
static void
query1(const char *path, const char *sql, char *out, size_t n)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	*out = '\0';
	CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		snprintf(out, n, "%s",
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Writes a snapshot of n resources to path. */
static void
write_snapshot(const char *path, int n)
{
	cp_snapshot_writer *w = NULL;
	const struct cp_inventory_sink *s;
	char why[256], id[32];
	int i;

	CU_ASSERT_EQUAL_FATAL(cp_snapshot_begin(path, &meta, &w, why,
	    sizeof(why)), CP_OK);
	s = cp_snapshot_sink(w);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "sg-%d", i);
		CU_ASSERT_EQUAL(s->resource(s, "aws/ec2/security-group", id,
		    "web", "ap-northeast-1", "{\"GroupId\": \"x\"}"), CP_OK);
	}
	CU_ASSERT_EQUAL(cp_snapshot_commit(w, why, sizeof(why)), CP_OK);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int
tmp_exists(const char *path, pid_t pid)
{
	char tmp[600];

	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)pid);
	return access(tmp, F_OK) == 0;
}

static void
test_snapshot_round_trip(void)
{
	cp_snapshot_writer *w = NULL;
	const struct cp_inventory_sink *s;
	char p[512], why[256], v[512];
	struct stat st;

	path_of(p, sizeof(p), "rt.db");
	CU_ASSERT_EQUAL_FATAL(cp_snapshot_begin(p, &meta, &w, why,
	    sizeof(why)), CP_OK);
	s = cp_snapshot_sink(w);
	CU_ASSERT_EQUAL(s->struct_size, sizeof(*s));
	CU_ASSERT_EQUAL(s->resource(s, "aws/ec2/security-group", "sg-1",
	    "web", "ap-northeast-1",
	    "{\"GroupId\":\"sg-1\",\"IpPermissions\":[{\"FromPort\":22}]}"),
	    CP_OK);
	CU_ASSERT_EQUAL(s->resource(s, "aws/iam/user", "arn:aws:iam::1:user/a",
	    NULL, NULL, "{ \"UserName\" : \"a\" }"), CP_OK);
	CU_ASSERT_EQUAL(s->event(s, "aws/signin/console-login",
	    "2024-05-01T01:02:03Z", "ev-1",
	    "{\"sourceIPAddress\":\"1.2.3.4\"}"),
	    CP_OK);
	CU_ASSERT_EQUAL(s->cost(s, "2024-04", 1234.5, "USD"), CP_OK);
	CU_ASSERT_EQUAL(s->collector_error(s, "s3", CP_E_AUTH,
	    "AccessDenied on ListBuckets"), CP_OK);
	CU_ASSERT_EQUAL(cp_snapshot_count(w), 2);
	CU_ASSERT_EQUAL(cp_snapshot_event_count(w), 1);
	CU_ASSERT_EQUAL(cp_snapshot_error_count(w), 1);
	CU_ASSERT_STRING_EQUAL(cp_snapshot_first_error(w),
	    "s3: AccessDenied on ListBuckets");
	CU_ASSERT_EQUAL(s->collector_error(s, "iam", CP_E_AUTH, NULL), CP_OK);
	CU_ASSERT_STRING_EQUAL(cp_snapshot_first_error(w),
	    "s3: AccessDenied on ListBuckets");
	CU_ASSERT_STRING_EQUAL(cp_snapshot_first_error(NULL), "");
	/* Nothing is visible before the commit. */
	CU_ASSERT_NOT_EQUAL(access(p, F_OK), 0);
	CU_ASSERT_TRUE(tmp_exists(p, getpid()));
	CU_ASSERT_EQUAL_FATAL(cp_snapshot_commit(w, why, sizeof(why)), CP_OK);
	CU_ASSERT_FALSE(tmp_exists(p, getpid()));
	CU_ASSERT_EQUAL_FATAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);

	query1(p, "SELECT value FROM meta WHERE key = 'format_version'", v,
	    sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "1");
	query1(p, "SELECT value FROM meta WHERE key = 'collected_at'", v,
	    sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "2024-05-01T03:00:00Z");
	query1(p, "SELECT group_concat(key || '=' || value, ';') FROM "
	    "(SELECT * FROM meta ORDER BY key)", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "cloud=aws;collected_at=2024-05-01T03:00:00Z;"
	    "env=prod;format_version=1;plugin=aws;plugin_version=1.2.3;"
	    "resources=2;unit=123456789012");
	/* The JSON is stored byte for byte, spaces and all. */
	query1(p, "SELECT json FROM resources WHERE type = 'aws/iam/user'", v,
	    sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "{ \"UserName\" : \"a\" }");
	query1(p, "SELECT id || '|' || name || '|' || region || '|' || "
	    "json_extract(json, '$.IpPermissions[0].FromPort') FROM resources "
	    "WHERE type = 'aws/ec2/security-group'", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "sg-1|web|ap-northeast-1|22");
	query1(p, "SELECT count(*) FROM resources WHERE name IS NULL AND "
	    "region IS NULL", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "1");
	query1(p, "SELECT type || '|' || time || '|' || id || '|' || "
	    "json_extract(json, '$.sourceIPAddress') FROM events", v,
	    sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "aws/signin/console-login|"
	    "2024-05-01T01:02:03Z|ev-1|1.2.3.4");
	query1(p, "SELECT period || '|' || amount || '|' || currency "
	    "FROM costs", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "2024-04|1234.5|USD");
	query1(p, "SELECT collector || '|' || error || '|' || message "
	    "FROM collector_errors", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "s3|credentials refused|"
	    "AccessDenied on ListBuckets");
	/* Policies filter by type: the index is there. */
	query1(p, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
	    "AND name = 'resource_data_type'", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "1");
}

static void
test_snapshot_refuses_bad_input(void)
{
	cp_snapshot_writer *w = NULL;
	const struct cp_inventory_sink *s;
	char p[512], why[256], v[64];
	char *big, *longid;
	size_t i;

	path_of(p, sizeof(p), "bad.db");
	CU_ASSERT_EQUAL_FATAL(cp_snapshot_begin(p, &meta, &w, why,
	    sizeof(why)), CP_OK);
	s = cp_snapshot_sink(w);
	CU_ASSERT_EQUAL(s->resource(s, "t", "a", NULL, NULL, "{\"a\":"),
	    CP_E_PARSE);
	CU_ASSERT_EQUAL(s->resource(s, "t", "a", NULL, NULL, "{'a': 1}"),
	    CP_E_PARSE);
	CU_ASSERT_EQUAL(s->resource(s, "t", "a", NULL, NULL, "[1, 2]"),
	    CP_E_PARSE);
	CU_ASSERT_EQUAL(s->resource(s, "t", "a", NULL, NULL, "42"),
	    CP_E_PARSE);
	CU_ASSERT_EQUAL(s->resource(s, "t", "a", NULL, NULL, ""), CP_E_PARSE);
	CU_ASSERT_EQUAL(s->resource(s, "t", "a", NULL, NULL, NULL),
	    CP_E_PARSE);
	CU_ASSERT_EQUAL(s->event(s, "t", NULL, NULL, "{\"x\": tru}"),
	    CP_E_PARSE);
	CU_ASSERT_EQUAL(s->resource(s, NULL, "a", NULL, NULL, "{}"),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(s->resource(s, "t", "", NULL, NULL, "{}"),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(s->event(s, "", NULL, NULL, "{}"), CP_E_INVALID);
	CU_ASSERT_EQUAL(s->cost(s, "2024-05", 1.0 / 0.0, "USD"),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(s->cost(s, NULL, 1.0, "USD"), CP_E_INVALID);
	CU_ASSERT_EQUAL(s->collector_error(s, "", CP_E_AUTH, "x"),
	    CP_E_INVALID);

	/* Bounds: a field of 4097 bytes, a document of 4 MiB + 1. */
	longid = malloc(CP_SNAPSHOT_MAX_FIELD + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(longid);
	memset(longid, 'i', CP_SNAPSHOT_MAX_FIELD + 1);
	longid[CP_SNAPSHOT_MAX_FIELD + 1] = '\0';
	CU_ASSERT_EQUAL(s->resource(s, "t", longid, NULL, NULL, "{}"),
	    CP_E_LIMIT);
	longid[CP_SNAPSHOT_MAX_FIELD] = '\0';
	CU_ASSERT_EQUAL(s->resource(s, "t", longid, NULL, NULL, "{}"), CP_OK);
	free(longid);
	big = malloc(CP_SNAPSHOT_MAX_JSON + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	big[0] = '{';
	big[1] = '"';
	big[2] = 'k';
	big[3] = '"';
	big[4] = ':';
	big[5] = '"';
	for (i = 6; i < CP_SNAPSHOT_MAX_JSON - 1; i++)
		big[i] = 'v';
	big[CP_SNAPSHOT_MAX_JSON - 1] = '"';
	big[CP_SNAPSHOT_MAX_JSON] = '}';
	big[CP_SNAPSHOT_MAX_JSON + 1] = '\0';
	CU_ASSERT_EQUAL(s->resource(s, "t", "big", NULL, NULL, big),
	    CP_E_LIMIT);
	/* One byte less is a valid document of exactly the bound. */
	big[CP_SNAPSHOT_MAX_JSON - 2] = '"';
	big[CP_SNAPSHOT_MAX_JSON - 1] = '}';
	big[CP_SNAPSHOT_MAX_JSON] = '\0';
	CU_ASSERT_EQUAL(s->resource(s, "t", "big", NULL, NULL, big), CP_OK);
	free(big);

	/* A refused row is not counted and the writer goes on. */
	CU_ASSERT_EQUAL(cp_snapshot_count(w), 2);
	CU_ASSERT_EQUAL(s->resource(s, "t", "ok", NULL, NULL, "{}"), CP_OK);
	CU_ASSERT_EQUAL(cp_snapshot_count(w), 3);
	CU_ASSERT_EQUAL(cp_snapshot_commit(w, why, sizeof(why)), CP_OK);
	query1(p, "SELECT count(*) FROM resources", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "3");
}

static void
test_snapshot_message_cut_on_utf8_boundary(void)
{
	cp_snapshot_writer *w = NULL;
	const struct cp_inventory_sink *s;
	char p[512], why[256], v[64], *msg;
	size_t i;

	path_of(p, sizeof(p), "msg.db");
	CU_ASSERT_EQUAL_FATAL(cp_snapshot_begin(p, &meta, &w, why,
	    sizeof(why)), CP_OK);
	s = cp_snapshot_sink(w);
	/* "あ" is 3 bytes: 4096 is not a multiple of 3, so a cut inside. */
	msg = malloc(3 * 2000 + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	for (i = 0; i < 2000; i++)
		memcpy(msg + 3 * i, "\xe3\x81\x82", 3);
	msg[3 * 2000] = '\0';
	CU_ASSERT_EQUAL(s->collector_error(s, "entra", CP_E_HTTP, msg), CP_OK);
	free(msg);
	CU_ASSERT_EQUAL(cp_snapshot_commit(w, why, sizeof(why)), CP_OK);
	query1(p, "SELECT length(CAST(message AS BLOB)) || '/' || "
	    "length(message) FROM collector_errors", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "4095/1365");
}

static void
test_snapshot_abort_keeps_previous(void)
{
	cp_snapshot_writer *w = NULL;
	const struct cp_inventory_sink *s;
	char p[512], why[256];
	char *before, *after;
	size_t n1 = 0, n2 = 0;

	path_of(p, sizeof(p), "keep.db");
	write_snapshot(p, 3);
	before = slurp(p, &n1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);

	CU_ASSERT_EQUAL_FATAL(cp_snapshot_begin(p, &meta, &w, why,
	    sizeof(why)), CP_OK);
	s = cp_snapshot_sink(w);
	CU_ASSERT_EQUAL(s->resource(s, "t", "new", NULL, NULL, "{}"), CP_OK);
	cp_snapshot_abort(w);
	cp_snapshot_abort(NULL);
	CU_ASSERT_FALSE(tmp_exists(p, getpid()));

	after = slurp(p, &n2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(after);
	CU_ASSERT_EQUAL(n1, n2);
	CU_ASSERT_EQUAL(memcmp(before, after, n1), 0);
	free(before);
	free(after);
}

/* The sink tells the plugin when the unit was last collected (ABI 1.1). */
static void
test_snapshot_sink_since(void)
{
	struct cp_snapshot_meta m = meta;
	cp_snapshot_writer *w = NULL;
	const struct cp_inventory_sink *s;
	char p[512], why[256];

	path_of(p, sizeof(p), "since.db");
	CU_ASSERT_EQUAL_FATAL(cp_snapshot_begin(p, &m, &w, why, sizeof(why)),
	    CP_OK);
	s = cp_snapshot_sink(w);
	CU_ASSERT_TRUE(s->struct_size >= offsetof(struct cp_inventory_sink,
	    since) + sizeof(s->since));
	CU_ASSERT_PTR_NULL(s->since);
	cp_snapshot_abort(w);

	m.since = 1714528800;	/* 2024-05-01T02:00:00Z */
	CU_ASSERT_EQUAL_FATAL(cp_snapshot_begin(p, &m, &w, why, sizeof(why)),
	    CP_OK);
	s = cp_snapshot_sink(w);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->since);
	CU_ASSERT_STRING_EQUAL(s->since, "2024-05-01T02:00:00Z");
	cp_snapshot_abort(w);
}

/*
 * A collector killed with SIGKILL in the middle of writing: the old file is
 * byte-identical, the stray temporary file is the only trace, and the next
 * collection in a process of the same PID removes it.
 */
static void
test_snapshot_killed_collection_keeps_previous(void)
{
	char p[512], why[256];
	char *before, *after;
	size_t n1 = 0, n2 = 0;
	int status = 0, fds[2];
	char c = 0;
	pid_t pid;

	path_of(p, sizeof(p), "killed.db");
	write_snapshot(p, 5);
	before = slurp(p, &n1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);

	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		cp_snapshot_writer *w = NULL;
		const struct cp_inventory_sink *s;
		int i;

		close(fds[0]);
		if (cp_snapshot_begin(p, &meta, &w, why, sizeof(why)) != CP_OK)
			_exit(2);
		s = cp_snapshot_sink(w);
		for (i = 0; i < 1000; i++)
			if (s->resource(s, "t", "x", NULL, NULL, "{}") != CP_OK)
				_exit(3);
		/* Tell the parent we are in the middle, then wait to die. */
		if (write(fds[1], "k", 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(fds[1]);
	CU_ASSERT_EQUAL(read(fds[0], &c, 1), 1);
	close(fds[0]);
	CU_ASSERT_EQUAL(kill(pid, SIGKILL), 0);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CU_ASSERT_TRUE(tmp_exists(p, pid));
	after = slurp(p, &n2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(after);
	CU_ASSERT_EQUAL(n1, n2);
	CU_ASSERT_EQUAL(memcmp(before, after, n1), 0);
	free(before);
	free(after);
	{
		char tmp[600];

		snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", p, (long)pid);
		CU_ASSERT_EQUAL(unlink(tmp), 0);
	}
}

static void
test_snapshot_uncommitted_writer_invisible(void)
{
	cp_snapshot_writer *w = NULL;
	const struct cp_inventory_sink *s;
	char p[512], why[256], v[64], tmp[600];
	FILE *f;

	path_of(p, sizeof(p), "open.db");
	write_snapshot(p, 2);
	/* A stale temporary file of "this" PID from an earlier life. */
	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", p, (long)getpid());
	f = fopen(tmp, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("garbage", f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(cp_snapshot_begin(p, &meta, &w, why,
	    sizeof(why)), CP_OK);
	s = cp_snapshot_sink(w);
	CU_ASSERT_EQUAL(s->resource(s, "t", "a", NULL, NULL, "{}"), CP_OK);
	CU_ASSERT_EQUAL(s->resource(s, "t", "b", NULL, NULL, "{}"), CP_OK);
	CU_ASSERT_EQUAL(s->resource(s, "t", "c", NULL, NULL, "{}"), CP_OK);
	/* Readers still see the old snapshot while the writer is open. */
	query1(p, "SELECT count(*) FROM resources", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "2");
	CU_ASSERT_EQUAL(cp_snapshot_commit(w, why, sizeof(why)), CP_OK);
	query1(p, "SELECT count(*) FROM resources", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "3");
}

static void
test_snapshot_commit_failure_cleans_up(void)
{
	cp_snapshot_writer *w = NULL;
	char p[512], why[256], inner[600];

	/* The target is a non-empty directory: rename() cannot replace it. */
	path_of(p, sizeof(p), "adir");
	CU_ASSERT_EQUAL_FATAL(mkdir(p, 0700), 0);
	snprintf(inner, sizeof(inner), "%s/x", p);
	CU_ASSERT_EQUAL_FATAL(mkdir(inner, 0700), 0);
	CU_ASSERT_EQUAL_FATAL(cp_snapshot_begin(p, &meta, &w, why,
	    sizeof(why)), CP_OK);
	CU_ASSERT_EQUAL(cp_snapshot_commit(w, why, sizeof(why)), CP_E_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "rename"));
	CU_ASSERT_FALSE(tmp_exists(p, getpid()));
	CU_ASSERT_EQUAL(rmdir(inner), 0);
	CU_ASSERT_EQUAL(rmdir(p), 0);

	/* No directory to write in. */
	path_of(p, sizeof(p), "missing/dir/s.db");
	CU_ASSERT_EQUAL(cp_snapshot_begin(p, &meta, &w, why, sizeof(why)),
	    CP_E_NOTFOUND);
	CU_ASSERT_PTR_NULL(w);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "missing/dir"));
	CU_ASSERT_EQUAL(cp_snapshot_begin(NULL, &meta, &w, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_snapshot_commit(NULL, why, sizeof(why)),
	    CP_E_INVALID);
}

static void
test_snapshot_schema_sql(void)
{
	char buf[4096], small[64];

	CU_ASSERT_EQUAL(cp_snapshot_schema_sql("tenant", buf, sizeof(buf)),
	    CP_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf,
	    "CREATE VIEW IF NOT EXISTS tenant.resources AS"));
	CU_ASSERT_PTR_NULL(strstr(buf, "%"));
	CU_ASSERT_EQUAL(cp_snapshot_schema_sql("tenant", small, sizeof(small)),
	    CP_E_LIMIT);
	CU_ASSERT_EQUAL(cp_snapshot_schema_sql("x; DROP", buf, sizeof(buf)),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_snapshot_schema_sql(NULL, buf, sizeof(buf)),
	    CP_E_INVALID);
}

static void
rm_rf(const char *d)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{"round_trip", test_snapshot_round_trip},
		{"refuses_bad_input", test_snapshot_refuses_bad_input},
		{"message_cut_on_utf8_boundary",
		    test_snapshot_message_cut_on_utf8_boundary},
		{"abort_keeps_previous", test_snapshot_abort_keeps_previous},
		{"killed_collection_keeps_previous",
		    test_snapshot_killed_collection_keeps_previous},
		{"uncommitted_writer_invisible",
		    test_snapshot_uncommitted_writer_invisible},
		{"commit_failure_cleans_up",
		    test_snapshot_commit_failure_cleans_up},
		{"schema_sql", test_snapshot_schema_sql},
		{"sink_since", test_snapshot_sink_since},
		{NULL, NULL},
	};
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	rc = cp_test_run("snapshot", tests);
	rm_rf(dir);
	return rc;
}
