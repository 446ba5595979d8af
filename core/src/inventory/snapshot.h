/*
 * snapshot.h - inventory snapshots: one SQLite file per collected unit.
 *
 * A cloud plugin's collect() writes through the cp_inventory_sink this
 * module hands out.  Everything goes to PATH.tmp-PID inside one
 * transaction; cp_snapshot_commit() makes the file durable and rename()s it
 * over PATH, so a failed, aborted or killed collection never replaces the
 * last good snapshot.  Files are created 0600.
 *
 * The schema below is a contract for policy authors (policy SQL reads the
 * four views and the meta table, nothing else), so it only ever grows.
 *
 *   meta(key TEXT PRIMARY KEY, value TEXT)
 *	format_version	"1"
 *	cloud		"aws", "azure", "gcp", "oci"...
 *	env		the environment's name
 *	unit		the unit's id (account, subscription, project...)
 *	plugin		the collecting plugin's name
 *	plugin_version	its version
 *	collected_at	ISO 8601 UTC, "2024-05-01T03:00:00Z"
 *	resources	number of resources, written at commit
 *
 *   resources(type, id, name, region, json)
 *	type	"<cloud>/<service>/<kind>", e.g. "aws/ec2/security-group"
 *	id	the cloud's id of the object (ARN, Azure resource id...)
 *	name	a display name, or NULL
 *	region	region or location, or NULL for global objects
 *	json	the cloud's own JSON of the object, byte for byte
 *   events(type, time, id, json)
 *	time	ISO 8601 as the cloud wrote it
 *   costs(period, amount, currency)
 *	period	"2024-05" or "2024-05-01"; amount REAL
 *   collector_errors(collector, error, message)
 *	collector	the name a policy lists in "requires" ("ec2")
 *	error		the error's name (cp_strerror)
 *	message		what the collector said
 *
 * Resources are indexed by type, events by type: policies start with
 * "WHERE type = '...'".  Each JSON document is checked with json_valid()
 * and is at most CP_SNAPSHOT_MAX_JSON bytes; each text field at most
 * CP_SNAPSHOT_MAX_FIELD bytes; a snapshot holds at most
 * CP_SNAPSHOT_MAX_ROWS rows of each kind.
 */
#ifndef CP_INVENTORY_SNAPSHOT_H
#define CP_INVENTORY_SNAPSHOT_H

#include <stddef.h>
#include <time.h>

#include <cloudpatrol/plugin.h>

#define CP_SNAPSHOT_FORMAT_VERSION 1
#define CP_SNAPSHOT_MAX_JSON (4u * 1024 * 1024)
#define CP_SNAPSHOT_MAX_FIELD 4096u
#define CP_SNAPSHOT_MAX_MESSAGE 4096u	/* longer messages are cut */
#define CP_SNAPSHOT_MAX_ROWS 20000000u

/* What a snapshot is of; every string is copied.  NULL reads as "". */
struct cp_snapshot_meta {
	const char *cloud;
	const char *env;
	const char *unit;
	const char *plugin;
	const char *plugin_version;
	time_t collected_at;
	time_t since;		/* the unit's last good collection; 0: none */
};

typedef struct cp_snapshot_writer cp_snapshot_writer;

/*
 * Starts a snapshot that will replace path on commit.  A stale temporary
 * file of an earlier process with the same PID is removed.  The writer
 * belongs to the calling thread.  On failure *out is NULL and why says
 * what failed.
 */
cp_err cp_snapshot_begin(const char *path, const struct cp_snapshot_meta *m,
    cp_snapshot_writer **out, char *why, size_t why_size);

/*
 * The sink to give to the plugin's collect(); borrowed, valid until commit
 * or abort.  Its calls answer CP_E_PARSE for a json that is not JSON,
 * CP_E_LIMIT for a field over its bound, CP_E_INVALID for a missing type
 * or id, and the first storage error again on every later call.
 */
const struct cp_inventory_sink *cp_snapshot_sink(cp_snapshot_writer *w);

/* Resources written so far. */
size_t cp_snapshot_count(const cp_snapshot_writer *w);
/* Events and collector errors written so far. */
size_t cp_snapshot_event_count(const cp_snapshot_writer *w);
size_t cp_snapshot_error_count(const cp_snapshot_writer *w);
/* The first collector error as "collector: message" ("" for none). */
const char *cp_snapshot_first_error(const cp_snapshot_writer *w);

/*
 * Ends the transaction, syncs the file and renames it over the path given
 * to begin (then syncs the directory).  Frees w whatever the outcome; on
 * failure the temporary file is removed and the old snapshot stays.
 */
cp_err cp_snapshot_commit(cp_snapshot_writer *w, char *why, size_t why_size);

/* Drops the temporary file and frees w.  NULL is a no-op. */
void cp_snapshot_abort(cp_snapshot_writer *w);

/*
 * Writes into buf the statements that create the tables and views of the
 * schema above (no rows, no indexes) in the database schema
 * ("main", "tenant"...).  The engine uses them to give a unit without a
 * tenant snapshot an empty "tenant" schema.  CP_E_LIMIT when n is short.
 */
cp_err cp_snapshot_schema_sql(const char *schema, char *buf, size_t n);

#endif /* CP_INVENTORY_SNAPSHOT_H */
