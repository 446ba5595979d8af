/*
 * migrate.c - the schema of the state store, as a list of migrations.
 *
 * The schema version of a store is its PRAGMA user_version: the number of
 * migrations applied.  Migration i (counting from 1) is migrations[i - 1];
 * each runs in a transaction of its own (BEGIN IMMEDIATE, so that several
 * processes opening one store migrate it once), which also sets
 * user_version, so a store is always at a version some binary knew.
 *
 * To change the schema, append ONE entry at the end of migrations[]:
 *
 *	{ "findings", "CREATE TABLE findings (...) STRICT;" },
 *
 * Never edit or reorder an entry that has shipped: stores in the field
 * have run it.  Rules for the SQL:
 * - no BEGIN, COMMIT or SAVEPOINT (the runner owns the transaction);
 * - foreign keys are on; a table owned by a portal, an environment or a
 *   unit references it with ON DELETE CASCADE (R-REG-6);
 * - a migration that rebuilds a table (CREATE new, copy, DROP, RENAME)
 *   starts with PRAGMA defer_foreign_keys = ON, since foreign_keys cannot
 *   be switched off inside a transaction;
 * - prefer STRICT tables and CHECK constraints that repeat the C checks.
 */
#include <stdio.h>
#include <stdlib.h>

#include "store/migrate.h"
#include "store/store_priv.h"

static const struct cp_migration migrations[] = {
    {"portals, environments, units, audit log",
	/* AUTOINCREMENT: the id of a removed row is never reused. */
	"CREATE TABLE portals ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 63"
	"  AND name NOT GLOB '*[^a-z0-9-]*'),"
	" lang TEXT NOT NULL CHECK (lang IN ('ja', 'en')),"
	" created TEXT NOT NULL"
	") STRICT;"
	"CREATE TABLE environments ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" portal_id INTEGER NOT NULL"
	"  REFERENCES portals (id) ON DELETE CASCADE,"
	" name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 63"
	"  AND name NOT GLOB '*[^a-z0-9-]*'),"
	" cloud TEXT NOT NULL CHECK (length(cloud) BETWEEN 1 AND 15),"
	" account TEXT NOT NULL DEFAULT '' CHECK (length(account) < 128),"
	" remediation INTEGER NOT NULL DEFAULT 0"
	"  CHECK (remediation IN (0, 1)),"
	/* JSON is checked in C: with trusted_schema off, json_valid()
	 * may not appear in a schema. */
	" params TEXT NOT NULL DEFAULT '{}',"
	" secrets BLOB,"
	" created TEXT NOT NULL,"
	" UNIQUE (portal_id, name)"
	") STRICT;"
	"CREATE TABLE units ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" env_id INTEGER NOT NULL"
	"  REFERENCES environments (id) ON DELETE CASCADE,"
	" unit TEXT NOT NULL CHECK (length(unit) BETWEEN 1 AND 127),"
	" name TEXT NOT NULL DEFAULT '' CHECK (length(name) < 128),"
	" remediation INTEGER NOT NULL DEFAULT 0"
	"  CHECK (remediation IN (0, 1)),"
	" inspect INTEGER NOT NULL DEFAULT 0 CHECK (inspect IN (0, 1)),"
	" UNIQUE (env_id, unit)"
	") STRICT;"
	/* portal_id NULL: an installation-wide action. */
	"CREATE TABLE audit_log ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" portal_id INTEGER REFERENCES portals (id) ON DELETE CASCADE,"
	" time TEXT NOT NULL,"
	" actor TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" detail TEXT NOT NULL DEFAULT ''"
	") STRICT;"
	"CREATE INDEX audit_log_portal ON audit_log (portal_id, id);"},
    {"policy settings, scans, findings, notifications, exclusions, outbox,"
     " remediations",
	/* R-INS-2: one set of policy choices per portal; a policy with
	 * no row runs with its pack's defaults. */
	"CREATE TABLE policy_settings ("
	" portal_id INTEGER NOT NULL"
	"  REFERENCES portals (id) ON DELETE CASCADE,"
	" policy TEXT NOT NULL CHECK (length(policy) BETWEEN 1 AND 63),"
	" enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),"
	" notify INTEGER NOT NULL CHECK (notify IN (0, 1)),"
	" remediate INTEGER NOT NULL CHECK (remediate IN (0, 1)),"
	" params TEXT NOT NULL DEFAULT '{}',"	/* JSON object */
	" updated INTEGER NOT NULL,"
	" PRIMARY KEY (portal_id, policy)"
	") STRICT;"
	/* One inspection of one unit (R-INS-7: a failed one says why). */
	"CREATE TABLE scans ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" unit_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,"
	" started INTEGER NOT NULL,"
	" finished INTEGER,"
	" status TEXT NOT NULL"
	"  CHECK (status IN ('running', 'ok', 'error')),"
	" error TEXT NOT NULL DEFAULT '',"
	" resources INTEGER NOT NULL DEFAULT 0,"
	" results INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE INDEX scans_unit ON scans (unit_id, id);"
	/* DESIGN 6: key (unit, policy, resource, condition); times are
	 * Unix seconds.  At most one open finding per key. */
	"CREATE TABLE findings ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" unit_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,"
	" policy TEXT NOT NULL,"
	" resource TEXT NOT NULL,"
	" resource_name TEXT NOT NULL DEFAULT '',"
	" condition TEXT NOT NULL DEFAULT '',"
	" detail TEXT NOT NULL DEFAULT '',"
	" value TEXT NOT NULL DEFAULT '',"
	" first_seen INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL,"
	" resolved_at INTEGER"
	") STRICT;"
	"CREATE UNIQUE INDEX findings_open ON findings"
	" (unit_id, policy, resource, condition) WHERE resolved_at IS NULL;"
	"CREATE INDEX findings_key ON findings"
	" (unit_id, policy, resource, condition, id);"
	/* Notifications sent or queued, kept 37 days (R-NOT-3, R-HIS-1). */
	"CREATE TABLE notifications ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" unit_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,"
	" finding_id INTEGER REFERENCES findings (id) ON DELETE SET NULL,"
	" policy TEXT NOT NULL,"
	" resource TEXT NOT NULL,"
	" condition TEXT NOT NULL DEFAULT '',"
	" kind TEXT NOT NULL CHECK (kind IN ('risk', 'remediation')),"
	" time INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX notifications_key ON notifications"
	" (unit_id, policy, resource, condition, time);"
	/* R-HIS-2: per-resource exclusion, forever, memo <= 1000 chars. */
	"CREATE TABLE exclusions ("
	" portal_id INTEGER NOT NULL"
	"  REFERENCES portals (id) ON DELETE CASCADE,"
	" resource TEXT NOT NULL CHECK (length(resource) BETWEEN 1 AND 2048),"
	" memo TEXT NOT NULL DEFAULT '' CHECK (length(memo) <= 1000),"
	" created INTEGER NOT NULL,"
	" PRIMARY KEY (portal_id, resource)"
	") STRICT;"
	/* Work queued in the transaction that decided it (DESIGN 1.4). */
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" portal_id INTEGER NOT NULL"
	"  REFERENCES portals (id) ON DELETE CASCADE,"
	" unit_id INTEGER REFERENCES units (id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL CHECK (kind IN ('notify', 'remediate')),"
	" payload TEXT NOT NULL,"	/* JSON object */
	" state TEXT NOT NULL DEFAULT 'pending'"
	"  CHECK (state IN ('pending', 'claimed', 'done', 'failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt INTEGER NOT NULL,"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL,"
	" last_error TEXT NOT NULL DEFAULT ''"
	") STRICT;"
	"CREATE INDEX outbox_due ON outbox (state, next_attempt);"
	/* What remediation did (R-INS-4), shown in history. */
	"CREATE TABLE remediations ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" unit_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,"
	" finding_id INTEGER REFERENCES findings (id) ON DELETE SET NULL,"
	" policy TEXT NOT NULL,"
	" resource TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('done', 'failed',"
	"  'dry-run', 'held')),"
	" before TEXT NOT NULL DEFAULT '',"
	" after TEXT NOT NULL DEFAULT '',"
	" error TEXT NOT NULL DEFAULT '',"
	" time INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX remediations_unit ON remediations (unit_id, time);"},
    {"notification destinations, their units, deliveries",
	/* R-NOT-2: where a portal's notices go.  params holds the public
	 * settings (addresses) as a JSON object, secrets the sealed ones
	 * (a Slack webhook URL). */
	"CREATE TABLE destinations ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" portal_id INTEGER NOT NULL"
	"  REFERENCES portals (id) ON DELETE CASCADE,"
	" name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 63"
	"  AND name NOT GLOB '*[^a-z0-9-]*'),"
	" type TEXT NOT NULL CHECK (type IN ('mail', 'teams', 'slack')),"
	" params TEXT NOT NULL DEFAULT '{}',"
	" secrets BLOB,"
	" created INTEGER NOT NULL,"
	" UNIQUE (portal_id, name)"
	") STRICT;"
	"CREATE TABLE destination_units ("
	" destination_id INTEGER NOT NULL"
	"  REFERENCES destinations (id) ON DELETE CASCADE,"
	" unit_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,"
	" PRIMARY KEY (destination_id, unit_id)"
	") STRICT;"
	"CREATE INDEX destination_units_unit ON destination_units (unit_id);"
	/* One notice to one destination.  A claimed row's next_attempt is
	 * the end of its lease; claimed_by names the process holding it. */
	"CREATE TABLE deliveries ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" outbox_id INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,"
	" destination_id INTEGER NOT NULL"
	"  REFERENCES destinations (id) ON DELETE CASCADE,"
	" state TEXT NOT NULL DEFAULT 'pending'"
	"  CHECK (state IN ('pending', 'claimed', 'sent', 'failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	/* claims taken over from a sender that died (not retries) */
	" crashes INTEGER NOT NULL DEFAULT 0,"
	" first_attempt INTEGER,"
	" next_attempt INTEGER NOT NULL,"
	" claimed_by TEXT NOT NULL DEFAULT '',"
	" last_error TEXT NOT NULL DEFAULT '',"
	" message_id TEXT NOT NULL DEFAULT '',"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL,"
	" UNIQUE (outbox_id, destination_id)"
	") STRICT;"
	"CREATE INDEX deliveries_due ON deliveries (state, next_attempt);"
	"CREATE INDEX deliveries_destination ON deliveries (destination_id);"},
    {"jobs of the daemon, patrol time and time zone of portals",
	/* R-NOT-4: the daily patrol report at a time of day (minutes, in
	 * 30-minute steps) in the portal's time zone. */
	"ALTER TABLE portals ADD COLUMN patrol_minute INTEGER NOT NULL"
	" DEFAULT 540 CHECK (patrol_minute BETWEEN 0 AND 1410"
	" AND patrol_minute % 30 = 0);"
	"ALTER TABLE portals ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC'"
	" CHECK (length(timezone) BETWEEN 1 AND 63);"
	/* DESIGN 7: one row per periodic job (sched.h).  period is the
	 * period the job waits for; lease_owner/lease_until the claim of a
	 * running one. */
	"CREATE TABLE jobs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" kind TEXT NOT NULL CHECK (kind IN ('inspect', 'resources',"
	"  'asm-passive', 'patrol', 'monthly-risk', 'retention', 'deliver')),"
	" key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 47),"
	" portal_id INTEGER REFERENCES portals (id) ON DELETE CASCADE,"
	" unit_id INTEGER REFERENCES units (id) ON DELETE CASCADE,"
	" cloud TEXT NOT NULL DEFAULT '',"
	" rule TEXT NOT NULL,"
	" minute INTEGER NOT NULL DEFAULT 0,"
	" tz TEXT NOT NULL DEFAULT 'UTC',"
	" jitter INTEGER NOT NULL DEFAULT 0 CHECK (jitter >= 0),"
	" scale INTEGER NOT NULL DEFAULT 1 CHECK (scale >= 1),"
	" enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
	" period INTEGER NOT NULL,"
	" next_due INTEGER NOT NULL,"
	" last_period INTEGER,"
	" last_start INTEGER,"
	" last_end INTEGER,"
	" result TEXT NOT NULL DEFAULT '' CHECK (result IN ('', 'ok',"
	"  'error', 'unavailable', 'abandoned')),"
	" error TEXT NOT NULL DEFAULT '',"
	" lease_owner TEXT NOT NULL DEFAULT '',"
	" lease_until INTEGER NOT NULL DEFAULT 0,"
	" runs INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE INDEX jobs_due ON jobs (enabled, next_due);"
	"CREATE INDEX jobs_unit ON jobs (unit_id);"
	/* One row per period run: the key makes a second run of a period
	 * impossible to record. */
	"CREATE TABLE job_runs ("
	" job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
	" period INTEGER NOT NULL,"
	" started INTEGER NOT NULL,"
	" finished INTEGER NOT NULL,"
	" result TEXT NOT NULL CHECK (result IN ('ok', 'error',"
	"  'unavailable')),"
	" error TEXT NOT NULL DEFAULT '',"
	" owner TEXT NOT NULL DEFAULT '',"
	" PRIMARY KEY (job_id, period)"
	") STRICT;"
	"CREATE INDEX job_runs_finished ON job_runs (finished);"},
    {"ASM targets, active scans (the audit trail), their observations",
	/* The targets a portal may scan: an address, a CIDR block or an
	 * FQDN, as cp_asm_target_parse normalised it. */
	"CREATE TABLE asm_targets ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" portal_id INTEGER NOT NULL"
	"  REFERENCES portals (id) ON DELETE CASCADE,"
	" target TEXT NOT NULL CHECK (length(target) BETWEEN 1 AND 253),"
	" kind TEXT NOT NULL CHECK (kind IN ('ip', 'cidr', 'fqdn')),"
	" created TEXT NOT NULL,"
	" UNIQUE (portal_id, target)"
	") STRICT;"
	/* Every active scan, refused ones too (R-ASM-3): who (the OS user),
	 * when, which targets (a JSON array, the first 1,000) and ports,
	 * from which source address, with which User-Agent, and how it
	 * ended. */
	"CREATE TABLE asm_scans ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" portal_id INTEGER NOT NULL"
	"  REFERENCES portals (id) ON DELETE CASCADE,"
	" who TEXT NOT NULL,"
	" started TEXT NOT NULL,"
	" finished TEXT,"
	" targets TEXT NOT NULL DEFAULT '[]',"
	" n_targets INTEGER NOT NULL DEFAULT 0,"
	" ports TEXT NOT NULL,"
	" source TEXT NOT NULL DEFAULT '',"
	" user_agent TEXT NOT NULL DEFAULT '',"
	" status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'error',"
	"  'refused')),"
	" outcome TEXT NOT NULL DEFAULT '',"
	" open_ports INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE INDEX asm_scans_portal ON asm_scans (portal_id, id);"
	/* What a scan saw, one row per open port; the ASM report joins it
	 * with the vulnerability intelligence by cpe.  target: what was
	 * asked (an address or FQDN); address: what was connected to;
	 * service: http, https, tls, ssh, ftp, smtp or unknown; banner: a
	 * server-first line, printable; http: {status, server, powered_by,
	 * title, location} as JSON or NULL; tls: {protocol, cipher, subject,
	 * issuer, sans, not_before, not_after, key_type, key_bits,
	 * signature_algorithm, self_signed, expired, name_mismatch} as JSON
	 * or NULL; cpe: a JSON array of CPE 2.3 names; data: the whole
	 * observation. */
	"CREATE TABLE asm_observations ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" scan_id INTEGER NOT NULL"
	"  REFERENCES asm_scans (id) ON DELETE CASCADE,"
	" portal_id INTEGER NOT NULL"
	"  REFERENCES portals (id) ON DELETE CASCADE,"
	" target TEXT NOT NULL,"
	" address TEXT NOT NULL,"
	" port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),"
	" service TEXT NOT NULL DEFAULT 'unknown',"
	" banner TEXT,"
	" http TEXT,"
	" tls TEXT,"
	" cpe TEXT NOT NULL DEFAULT '[]',"
	" data TEXT NOT NULL,"
	" seen TEXT NOT NULL"
	") STRICT;"
	"CREATE INDEX asm_observations_scan ON asm_observations (scan_id);"
	"CREATE INDEX asm_observations_target ON asm_observations"
	" (portal_id, target, port);"},
    {"vulnerability intelligence cache (NVD, EPSS, KEV, JVN)",
	/* CVE records as NVD gave them; configurations is NVD's JSON,
	 * matched against CPE names at lookup (asm/vuln_match.c). */
	"CREATE TABLE vuln_cve ("
	" cve_id TEXT PRIMARY KEY CHECK (length(cve_id) BETWEEN 13 AND 31),"
	" status TEXT NOT NULL DEFAULT '',"
	" published TEXT NOT NULL DEFAULT '',"
	" modified TEXT NOT NULL DEFAULT '',"
	" cvss REAL CHECK (cvss IS NULL OR cvss BETWEEN 0 AND 10),"
	" severity TEXT NOT NULL DEFAULT '',"
	" cvss_source TEXT NOT NULL DEFAULT '',"
	" cvss_vector TEXT NOT NULL DEFAULT '',"
	" description TEXT NOT NULL DEFAULT '',"
	" configurations TEXT NOT NULL DEFAULT '[]',"
	" fetched INTEGER NOT NULL"
	") STRICT;"
	/* Which CVEs name a vendor:product in a vulnerable criterion. */
	"CREATE TABLE vuln_cve_product ("
	" vendor TEXT NOT NULL,"
	" product TEXT NOT NULL,"
	" cve_id TEXT NOT NULL REFERENCES vuln_cve (cve_id) ON DELETE CASCADE,"
	" PRIMARY KEY (vendor, product, cve_id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX vuln_cve_product_cve ON vuln_cve_product (cve_id);"
	/* Refreshes by key (NVD and MyJVN: vendor:product). */
	"CREATE TABLE vuln_query ("
	" source TEXT NOT NULL CHECK (source IN ('nvd', 'jvn')),"
	" key TEXT NOT NULL,"
	" fetched INTEGER NOT NULL,"
	" items INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (source, key)"
	") STRICT;"
	"CREATE TABLE vuln_epss ("
	" cve_id TEXT PRIMARY KEY,"
	" epss REAL NOT NULL CHECK (epss BETWEEN 0 AND 1),"
	" percentile REAL NOT NULL CHECK (percentile BETWEEN 0 AND 1),"
	" score_date TEXT NOT NULL DEFAULT '',"
	" fetched INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE vuln_kev ("
	" cve_id TEXT PRIMARY KEY,"
	" date_added TEXT NOT NULL,"
	" vendor TEXT NOT NULL DEFAULT '',"
	" product TEXT NOT NULL DEFAULT '',"
	" name TEXT NOT NULL DEFAULT '',"
	" due_date TEXT NOT NULL DEFAULT '',"
	" ransomware TEXT NOT NULL DEFAULT ''"
	") STRICT;"
	"CREATE TABLE vuln_jvn ("
	" jvn_id TEXT PRIMARY KEY,"
	" title TEXT NOT NULL,"
	" link TEXT NOT NULL DEFAULT '',"
	" cvss REAL,"
	" severity TEXT NOT NULL DEFAULT '',"
	" published TEXT NOT NULL DEFAULT '',"
	" modified TEXT NOT NULL DEFAULT '',"
	" fetched INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE vuln_jvn_cve ("
	" cve_id TEXT NOT NULL,"
	" jvn_id TEXT NOT NULL REFERENCES vuln_jvn (jvn_id) ON DELETE CASCADE,"
	" PRIMARY KEY (cve_id, jvn_id)"
	") STRICT, WITHOUT ROWID;"
	/* The last update of each source: when, from where (URL or file). */
	"CREATE TABLE vuln_source ("
	" source TEXT PRIMARY KEY"
	"  CHECK (source IN ('nvd', 'epss', 'kev', 'jvn')),"
	" updated INTEGER NOT NULL,"
	" origin TEXT NOT NULL,"
	" items INTEGER NOT NULL,"
	" detail TEXT NOT NULL DEFAULT ''"
	") STRICT;"},
    {"idempotency key of outbox rows, retries of a job within its period",
	/* A job that queues a notice names it (job key, period,
	 * destination): a rerun of a period whose record a crash lost
	 * queues nothing twice. */
	"ALTER TABLE outbox ADD COLUMN idem_key TEXT"
	" CHECK (idem_key IS NULL OR length(idem_key) BETWEEN 1 AND 200);"
	"CREATE UNIQUE INDEX outbox_idem ON outbox (idem_key)"
	" WHERE idem_key IS NOT NULL;"
	/* Failed runs of the current period (calendar jobs retry). */
	"ALTER TABLE jobs ADD COLUMN tries INTEGER NOT NULL DEFAULT 0"
	" CHECK (tries >= 0);"},
    {"ASM exclusions: snapshot-derived targets never to be scanned",
	/* A target derived from a snapshot (a public address or DNS name
	 * of the portal's units) that the operator removed: as
	 * cp_asm_target_parse normalised it.  It stays excluded while the
	 * resource comes and goes; 'asm target add' lifts it. */
	"CREATE TABLE asm_target_exclusions ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" portal_id INTEGER NOT NULL"
	"  REFERENCES portals (id) ON DELETE CASCADE,"
	" target TEXT NOT NULL CHECK (length(target) BETWEEN 1 AND 253),"
	" created TEXT NOT NULL,"
	" UNIQUE (portal_id, target)"
	") STRICT;"},
};

const struct cp_migration *
cp_store_migrations(size_t *n)
{
	*n = CP_ARRAY_LEN(migrations);
	return migrations;
}

int
cp_store_schema_version(void)
{
	return (int)CP_ARRAY_LEN(migrations);
}

static cp_err
read_version(cp_store *st, long *v)
{
	sqlite3_stmt *stmt = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(
	    st, "PRAGMA user_version", &stmt, "reading the schema version");
	if (r != CP_OK)
		return r;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*v = (long)sqlite3_column_int(stmt, 0);
	else
		r = cp_store_sqlfail(st, rc, "reading the schema version");
	sqlite3_finalize(stmt);
	if (r == CP_OK && *v < 0)
		r = cp_store_fail(st, CP_E_STORE,
		    "store %s has a negative schema version (%ld)", st->db_path,
		    *v);
	return r;
}

static cp_err
too_new(cp_store *st, long v, size_t n)
{
	return cp_store_fail(st, CP_E_STORE_VERSION,
	    "store %s is at schema version %ld, this cloudpatrol knows up to "
	    "%zu: upgrade cloudpatrol",
	    st->db_path, v, n);
}

/* Applies migration v + 1 (list[v]) in the open transaction. */
static cp_err
apply_one(cp_store *st, const struct cp_migration *m, long v)
{
	char pragma[64];
	char *err = NULL;
	cp_err r;
	int rc;

	rc = sqlite3_exec(st->db, m->sql, NULL, NULL, &err);
	if (rc == SQLITE_OK && sqlite3_get_autocommit(st->db) != 0) {
		cp_store_fail(st, CP_E_STORE,
		    "store %s: migration %ld (%s) "
		    "ended its own transaction; it may be partly applied",
		    st->db_path, v + 1, m->what);
		return CP_E_STORE;
	}
	if (rc == SQLITE_OK) {
		snprintf(
		    pragma, sizeof(pragma), "PRAGMA user_version = %ld", v + 1);
		rc = sqlite3_exec(st->db, pragma, NULL, NULL, &err);
	}
	if (rc != SQLITE_OK) {
		r = (rc & 0xff) == SQLITE_BUSY ? CP_E_BUSY : CP_E_STORE;
		cp_store_fail(st, r,
		    "store %s: migration %ld (%s) failed: "
		    "%s; the store stays at schema version %ld",
		    st->db_path, v + 1, m->what,
		    err != NULL ? err : sqlite3_errstr(rc), v);
		sqlite3_free(err);
		return r;
	}
	return CP_OK;
}

cp_err
cp_store_migrate_with(cp_store *st, const struct cp_migration *list, size_t n)
{
	long v;
	cp_err r;

	r = read_version(st, &v);
	if (r != CP_OK)
		return r;
	if ((size_t)v > n)
		return too_new(st, v, n);
	while ((size_t)v < n) {
		r = cp_store_begin(st);
		if (r != CP_OK)
			return r;
		/* Another connection may have migrated meanwhile. */
		r = read_version(st, &v);
		if (r == CP_OK && (size_t)v > n)
			r = too_new(st, v, n);
		if (r == CP_OK && (size_t)v < n)
			r = apply_one(st, &list[v], v);
		if (r != CP_OK) {
			cp_store_rollback(st);
			return r;
		}
		r = cp_store_commit(st);
		if (r != CP_OK)
			return r;
		r = read_version(st, &v);
		if (r != CP_OK)
			return r;
	}
	return CP_OK;
}

cp_err
cp_store_migrate(cp_store *st)
{
	return cp_store_migrate_with(st, migrations, CP_ARRAY_LEN(migrations));
}

cp_err
cp_store_check_version(cp_store *st)
{
	size_t n = CP_ARRAY_LEN(migrations);
	long v;
	cp_err r;

	r = read_version(st, &v);
	if (r != CP_OK)
		return r;
	if ((size_t)v > n)
		return too_new(st, v, n);
	if ((size_t)v < n)
		return cp_store_fail(st, CP_E_STORE,
		    "store %s is at schema version %ld, this cloudpatrol needs "
		    "%zu: open it once read-write to migrate it",
		    st->db_path, v, n);
	return CP_OK;
}
