/*
 * record.c - the audit trail of active scans (asm_scans) and what they
 * observed (asm_observations); the tables are described in migrate.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm/asm.h"
#include "store/store_priv.h"

cp_err
cp_asm_scan_begin(cp_store *st, const struct cp_asm_scan *s,
    const char *status, const char *outcome, int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	char now[32];
	cp_err r;
	int rc = SQLITE_DONE;

	r = cp_store_prepare(st, "INSERT INTO asm_scans (portal_id, who, "
	    "started, finished, targets, n_targets, ports, source, user_agent,"
	    " status, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11)", &stmt, "recording a scan");
	if (r != CP_OK)
		return r;
	cp_store_now(now, sizeof(now));
	sqlite3_bind_int64(stmt, 1, s->portal_id);
	cp_store_bind_text(stmt, 2, s->who);
	cp_store_bind_text(stmt, 3, now);
	cp_store_bind_text(stmt, 4, strcmp(status, "running") == 0 ? NULL :
	    now);
	cp_store_bind_text(stmt, 5, s->targets);
	sqlite3_bind_int64(stmt, 6, (sqlite3_int64)s->n_targets);
	cp_store_bind_text(stmt, 7, s->ports);
	cp_store_bind_text(stmt, 8, s->source != NULL ? s->source : "");
	cp_store_bind_text(stmt, 9, s->user_agent != NULL ? s->user_agent :
	    "");
	cp_store_bind_text(stmt, 10, status);
	cp_store_bind_text(stmt, 11, outcome != NULL ? outcome : "");
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "recording a scan");
	else
		*id = (int64_t)sqlite3_last_insert_rowid(
		    sqlite3_db_handle(stmt));
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_asm_scan_finish(cp_store *st, int64_t id, const char *status,
    const char *outcome, size_t open_ports)
{
	sqlite3_stmt *stmt = NULL;
	char now[32];
	cp_err r;
	int rc = SQLITE_DONE;

	r = cp_store_prepare(st, "UPDATE asm_scans SET finished = ?2, "
	    "status = ?3, outcome = ?4, open_ports = ?5 WHERE id = ?1", &stmt,
	    "recording the end of a scan");
	if (r != CP_OK)
		return r;
	cp_store_now(now, sizeof(now));
	sqlite3_bind_int64(stmt, 1, id);
	cp_store_bind_text(stmt, 2, now);
	cp_store_bind_text(stmt, 3, status);
	cp_store_bind_text(stmt, 4, outcome);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)open_ports);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "recording the end of a scan");
	sqlite3_finalize(stmt);
	return r;
}

/* obj[key] as compact JSON text bound at i, or NULL. */
static void
bind_json(sqlite3_stmt *stmt, int i, const json_t *v)
{
	char *s;

	if (v == NULL || json_is_null(v)) {
		sqlite3_bind_null(stmt, i);
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s == NULL)
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_text(stmt, i, s, -1, free);
}

cp_err
cp_asm_observation_add(cp_store *st, int64_t scan_id, int64_t portal_id,
    const char *target, const json_t *obs)
{
	sqlite3_stmt *stmt = NULL;
	const json_t *cpe = json_object_get(obs, "cpe");
	json_int_t port = json_integer_value(json_object_get(obs, "port"));
	const char *addr = json_string_value(json_object_get(obs, "address"));
	const char *svc = json_string_value(json_object_get(obs, "service"));
	char now[32];
	cp_err r;
	int rc = SQLITE_DONE;

	if (port < 1 || port > 65535 || addr == NULL)
		return cp_store_fail(st, CP_E_INVALID, "an observation of %s "
		    "without an address and a port", target);
	r = cp_store_prepare(st, "INSERT INTO asm_observations (scan_id, "
	    "portal_id, target, address, port, service, banner, http, tls, "
	    "cpe, data, seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
	    " ?11, ?12)", &stmt, "storing an observation");
	if (r != CP_OK)
		return r;
	cp_store_now(now, sizeof(now));
	sqlite3_bind_int64(stmt, 1, scan_id);
	sqlite3_bind_int64(stmt, 2, portal_id);
	cp_store_bind_text(stmt, 3, target);
	cp_store_bind_text(stmt, 4, addr);
	sqlite3_bind_int64(stmt, 5, port);
	cp_store_bind_text(stmt, 6, svc != NULL ? svc : "unknown");
	cp_store_bind_text(stmt, 7,
	    json_string_value(json_object_get(obs, "banner")));
	bind_json(stmt, 8, json_object_get(obs, "http"));
	bind_json(stmt, 9, json_object_get(obs, "tls"));
	if (json_is_array(cpe))
		bind_json(stmt, 10, cpe);
	else
		cp_store_bind_text(stmt, 10, "[]");
	bind_json(stmt, 11, obs);
	cp_store_bind_text(stmt, 12, now);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "storing an observation");
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_asm_scan_list(cp_store *st, int64_t portal_id, size_t limit,
    cp_asm_scan_fn fn, void *ud)
{
	sqlite3_stmt *stmt = NULL;
	struct cp_asm_scan_row row;
	cp_err r;
	int rc = SQLITE_DONE;

	r = cp_store_prepare(st, "SELECT id, who, started, finished, targets,"
	    " n_targets, ports, source, user_agent, status, outcome, "
	    "open_ports FROM asm_scans WHERE portal_id = ?1 ORDER BY id DESC "
	    "LIMIT ?2", &stmt, "listing scans");
	if (r != CP_OK)
		return r;
	sqlite3_bind_int64(stmt, 1, portal_id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)limit);
	while (r == CP_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		row.id = sqlite3_column_int64(stmt, 0);
		cp_store_column_text(stmt, 1, row.who, sizeof(row.who));
		cp_store_column_text(stmt, 2, row.started, sizeof(row.started));
		cp_store_column_text(stmt, 3, row.finished,
		    sizeof(row.finished));
		cp_store_column_text(stmt, 4, row.targets, sizeof(row.targets));
		row.n_targets = sqlite3_column_int64(stmt, 5);
		cp_store_column_text(stmt, 6, row.ports, sizeof(row.ports));
		cp_store_column_text(stmt, 7, row.source, sizeof(row.source));
		cp_store_column_text(stmt, 8, row.user_agent,
		    sizeof(row.user_agent));
		cp_store_column_text(stmt, 9, row.status, sizeof(row.status));
		cp_store_column_text(stmt, 10, row.outcome,
		    sizeof(row.outcome));
		row.open_ports = sqlite3_column_int64(stmt, 11);
		r = fn(ud, &row);
	}
	if (r == CP_OK && rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "listing scans");
	sqlite3_finalize(stmt);
	return r;
}

cp_err
cp_asm_cpes(cp_store *st, int64_t portal_id, const char *target,
    json_t **out)
{
	sqlite3_stmt *stmt = NULL;
	json_t *a;
	cp_err r;
	int rc = SQLITE_DONE;

	*out = NULL;
	a = json_array();
	if (a == NULL)
		return CP_E_NOMEM;
	/* The same rows as the ASM report: the latest of each port. */
	r = cp_store_prepare(st, "SELECT DISTINCT j.value FROM "
	    "asm_observations o, json_each(o.cpe) j WHERE o.portal_id = ?1 "
	    "AND (?2 IS NULL OR o.target = ?2) AND json_valid(o.cpe) "
	    "AND j.type = 'text' AND o.id = (SELECT max(p.id) FROM "
	    "asm_observations p WHERE p.portal_id = o.portal_id AND "
	    "p.target = o.target AND p.address = o.address AND "
	    "p.port = o.port) ORDER BY j.value", &stmt,
	    "listing the observed products");
	if (r != CP_OK) {
		json_decref(a);
		return r;
	}
	sqlite3_bind_int64(stmt, 1, portal_id);
	if (target != NULL)
		sqlite3_bind_text(stmt, 2, target, -1, SQLITE_TRANSIENT);
	while (r == CP_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if (json_array_append_new(a, json_string((const char *)
		    sqlite3_column_text(stmt, 0))) != 0)
			r = CP_E_NOMEM;
	if (r == CP_OK && rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "listing the observed products");
	sqlite3_finalize(stmt);
	if (r != CP_OK) {
		json_decref(a);
		return r;
	}
	*out = a;
	return CP_OK;
}
