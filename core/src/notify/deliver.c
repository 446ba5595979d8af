/*
 * deliver.c - fan-out of the outbox into deliveries, and sending them.
 *
 * Why one delivery at a time: a claim is a promise that this process is
 * sending the message now.  Claiming a whole batch up front would leave,
 * after a crash, a batch of claims that nobody is working on; claiming
 * each just before it is sent (in the transaction that records the
 * previous outcome, so a message costs one commit) leaves at most one.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cloudpatrol/message.h>

#include "inspect/inspect.h"
#include "notify/deliver.h"
#include "notify/dest.h"
#include "notify/message.h"
#include "store/store_priv.h"

#define OWNER_MAX 256
#define HOST_MAX 128
#define STAT_MAX 4096

/* ---- who we are: host, boot and process ---- */

/* gethostname() made safe for a message id and an owner name. */
void
cp_notify_hostname(char *buf, size_t n)
{
	char raw[HOST_MAX];
	size_t i, j = 0;

	if (gethostname(raw, sizeof(raw)) != 0)
		raw[0] = '\0';
	raw[sizeof(raw) - 1] = '\0';
	for (i = 0; raw[i] != '\0' && j + 1 < n; i++)
		if (isalnum((unsigned char)raw[i]) || raw[i] == '.' ||
		    raw[i] == '-')
			buf[j++] = raw[i];
	buf[j] = '\0';
	if (j == 0)
		cp_strlcpy(buf, "cloudpatrol", n);
}

/* Reads a small file of /proc into buf; 0 on success. */
static int
read_small(const char *path, char *buf, size_t n)
{
	FILE *fp = fopen(path, "re");
	size_t got;

	if (fp == NULL)
		return -1;
	got = fread(buf, 1, n - 1, fp);
	fclose(fp);
	buf[got] = '\0';
	return got > 0 ? 0 : -1;
}

static void
boot_id(char *buf, size_t n)
{
	if (read_small("/proc/sys/kernel/random/boot_id", buf, n) != 0)
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n|")] = '\0';
}

/*
 * The start time (field 22 of /proc/PID/stat) of pid: 0 when it runs, 1
 * when it is a zombie (dead, not yet reaped), -1 when /proc cannot tell.
 */
static int
start_time(pid_t pid, unsigned long long *out)
{
	char path[64], buf[STAT_MAX], *p, *end;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (read_small(path, buf, sizeof(buf)) != 0)
		return -1;
	/* The command name (field 2) may hold spaces and parentheses: the
	 * fields go on after its last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	p++;
	if (p[0] == ' ' && (p[1] == 'Z' || p[1] == 'X'))
		return 1;
	for (field = 3; field < 22; field++) {
		while (*p == ' ')
			p++;
		while (*p != ' ' && *p != '\0')
			p++;
		if (*p == '\0')
			return -1;
	}
	errno = 0;
	*out = strtoull(p, &end, 10);
	return errno == 0 && end != p ? 0 : -1;
}

cp_err
cp_notify_owner(pid_t pid, char *buf, size_t n)
{
	char host[HOST_MAX], boot[64];
	unsigned long long start = 0;

	switch (start_time(pid, &start)) {
	case 0:
		break;
	case 1:
		return CP_E_NOTFOUND;
	default:
		if (kill(pid, 0) != 0 && errno == ESRCH)
			return CP_E_NOTFOUND;
		start = 0;
	}
	cp_notify_hostname(host, sizeof(host));
	boot_id(boot, sizeof(boot));
	return cp_snprintf(buf, n, "%s|%s|%ld|%llu", host, boot, (long)pid,
	    start);
}

/*
 * Whether the claimer named owner is known to be dead: a process of this
 * host and boot whose pid is gone or belongs to a process started at
 * another time, or any process of an earlier boot of this host.  Claims of
 * other hosts wait for their lease.
 */
static int
owner_dead(const char *owner, const char *host, const char *boot)
{
	char copy[OWNER_MAX], *f[4], *p;
	unsigned long long start, now_start;
	long long pid;
	size_t i;

	if (cp_strlcpy(copy, owner, sizeof(copy)) >= sizeof(copy))
		return 0;
	p = copy;
	for (i = 0; i < 4; i++) {
		f[i] = p;
		p = strchr(p, '|');
		if (p == NULL && i < 3)
			return 0;
		if (p != NULL)
			*p++ = '\0';
	}
	if (strcmp(f[0], host) != 0 || boot[0] == '\0' || f[1][0] == '\0')
		return 0;
	if (strcmp(f[1], boot) != 0)
		return 1;
	if (cp_parse_ll(f[2], 1, 0x7fffffff, &pid) != CP_OK)
		return 0;
	start = strtoull(f[3], NULL, 10);
	switch (start_time((pid_t)pid, &now_start)) {
	case 0:
		return now_start != start;
	case 1:
		return 1;
	default:
		return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
	}
}

/* ---- the drain ---- */

struct drain {
	cp_store *st;
	const struct cp_notify_router *rt;
	const cp_policy_set *set;
	time_t fixed;		/* the injected clock; 0: time() */
	struct cp_notify_limits lim;
	struct cp_notify_summary *sum;
	char msg_host[HOST_MAX];	/* of message ids */
	char host[HOST_MAX];		/* this host, for claims */
	char boot[64];
	char me[OWNER_MAX];		/* our claims' name */
};

/* One claimed delivery and what it needs to be sent. */
struct job {
	int64_t id;
	int64_t outbox_id;
	int64_t dest_id;
	int64_t portal_id;
	int64_t unit_id;
	long long attempts;	/* counting this one */
	time_t first_attempt;
	char message_id[256];
	char dest_type[8];
	char dest_name[64];
	char portal[64];
	char lang[8];
	char *payload;		/* owned */
	/* The outcome. */
	int result;		/* enum cp_send_result */
	char why[CP_NOTIFY_ERROR_MAX + 1];
};

static time_t
now_of(const struct drain *dr)
{
	return dr->fixed != 0 ? dr->fixed : time(NULL);
}

static void
job_clear(struct job *j)
{
	free(j->payload);
	memset(j, 0, sizeof(*j));
}

time_t
cp_notify_retry_delay(unsigned attempt)
{
	static const time_t delays[] = { 60, 300, 900, 1800, 3600, 7200,
	    14400, 28800 };

	if (attempt == 0)
		attempt = 1;
	if (attempt > CP_ARRAY_LEN(delays))
		attempt = CP_ARRAY_LEN(delays);
	return delays[attempt - 1];
}

/* Steps a bound statement that returns no row. */
static cp_err
step_done(cp_store *st, sqlite3_stmt *s, int rc, const char *what)
{
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	return rc == SQLITE_DONE ? CP_OK : cp_store_sqlfail(st, rc, what);
}

/* The length of the UTF-8 text s cut to at most max bytes. */
static int
cut_len(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return (int)n;
}

/* ---- fan-out ---- */

struct fanout {
	cp_store *st;
	sqlite3_stmt *to_units;
	sqlite3_stmt *to_dest;
	sqlite3_stmt *ids;
	sqlite3_stmt *done;
};

static void
fanout_fini(struct fanout *f)
{
	sqlite3_finalize(f->to_units);
	sqlite3_finalize(f->to_dest);
	sqlite3_finalize(f->ids);
	sqlite3_finalize(f->done);
}

static cp_err
fanout_init(struct fanout *f, cp_store *st)
{
	cp_err r;

	memset(f, 0, sizeof(*f));
	f->st = st;
	r = cp_store_prepare(st,
	    "INSERT OR IGNORE INTO deliveries (outbox_id, destination_id, "
	    "next_attempt, created, updated) "
	    "SELECT ?1, d.id, ?2, ?2, ?2 FROM destination_units du "
	    "JOIN destinations d ON d.id = du.destination_id "
	    "WHERE du.unit_id = ?3 AND d.portal_id = ?4 ORDER BY d.id",
	    &f->to_units, "fanning out a notice");
	if (r == CP_OK)
		r = cp_store_prepare(st,
		    "INSERT OR IGNORE INTO deliveries (outbox_id, "
		    "destination_id, next_attempt, created, updated) "
		    "SELECT ?1, d.id, ?2, ?2, ?2 FROM destinations d "
		    "WHERE d.id = ?3 AND d.portal_id = ?4",
		    &f->to_dest, "fanning out a report");
	if (r == CP_OK)
		r = cp_store_prepare(st,
		    "UPDATE deliveries SET message_id = '<cp.' || outbox_id "
		    "|| '.' || id || '@' || ?2 || '>' "
		    "WHERE outbox_id = ?1 AND message_id = ''",
		    &f->ids, "naming deliveries");
	if (r == CP_OK)
		r = cp_store_prepare(st,
		    "UPDATE outbox SET state = ?2, last_error = ?3, "
		    "updated = ?4 WHERE id = ?1",
		    &f->done, "closing a notice");
	if (r != CP_OK)
		fanout_fini(f);
	return r;
}

/* Fans out outbox row id; *made gets the deliveries made. */
static cp_err
fanout_one(struct drain *dr, struct fanout *f, int64_t id, int64_t portal,
    int64_t unit, const char *text, time_t now)
{
	sqlite3_stmt *s;
	json_t *pl;
	const char *type, *state = "done", *err = "";
	int64_t dest = 0;
	int made = 0, rc;
	cp_err r = CP_OK;

	pl = text != NULL ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) :
	    NULL;
	type = json_string_value(json_object_get(pl, "type"));
	if (type != NULL && strcmp(type, "patrol") == 0)
		dest = (int64_t)json_integer_value(json_object_get(pl,
		    "destination_id"));
	if (!json_is_object(pl) || type == NULL ||
	    (strcmp(type, "patrol") == 0 && dest <= 0)) {
		state = "failed";
		err = "the notice cannot be read (malformed payload)";
		dr->sum->malformed++;
		goto close;
	}
	s = dest > 0 ? f->to_dest : f->to_units;
	rc = sqlite3_bind_int64(s, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, (sqlite3_int64)now);
	if (rc == SQLITE_OK)
		rc = dest > 0 ? sqlite3_bind_int64(s, 3, dest) :
		    sqlite3_bind_int64(s, 3, unit);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 4, portal);
	r = step_done(dr->st, s, rc, "fanning out a notice");
	if (r == CP_OK)
		made = sqlite3_changes(cp_store_db(dr->st));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (r != CP_OK)
		goto out;
	rc = sqlite3_bind_int64(f->ids, 1, id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(f->ids, 2, dr->msg_host);
	r = step_done(dr->st, f->ids, rc, "naming deliveries");
	sqlite3_reset(f->ids);
	sqlite3_clear_bindings(f->ids);
	if (r != CP_OK)
		goto out;
	dr->sum->deliveries += (size_t)made;
	if (made == 0) {
		err = "no destination";
		dr->sum->no_destination++;
	} else
		dr->sum->fanned_out++;
close:
	rc = sqlite3_bind_int64(f->done, 1, id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(f->done, 2, state);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(f->done, 3, err);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(f->done, 4, (sqlite3_int64)now);
	r = step_done(dr->st, f->done, rc, "closing a notice");
	sqlite3_reset(f->done);
	sqlite3_clear_bindings(f->done);
out:
	json_decref(pl);
	return r;
}

/* One batch of pending notices in one transaction; *n gets its size. */
static cp_err
fanout_batch(struct drain *dr, struct fanout *f, size_t *n)
{
	sqlite3_stmt *s = NULL;
	time_t now = now_of(dr);
	cp_err r;
	int rc;

	*n = 0;
	r = cp_store_begin(dr->st);
	if (r != CP_OK)
		return r;
	r = cp_store_prepare(dr->st,
	    "SELECT id, portal_id, unit_id, payload FROM outbox "
	    "WHERE kind = 'notify' AND state = 'pending' ORDER BY id "
	    "LIMIT ?1", &s, "listing notices");
	if (r != CP_OK)
		goto out;
	rc = sqlite3_bind_int(s, 1, CP_NOTIFY_FANOUT_BATCH);
	while (r == CP_OK && rc == SQLITE_OK &&
	    (rc = sqlite3_step(s)) == SQLITE_ROW) {
		r = fanout_one(dr, f, sqlite3_column_int64(s, 0),
		    sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2),
		    (const char *)sqlite3_column_text(s, 3), now);
		(*n)++;
		rc = SQLITE_OK;
	}
	if (r == CP_OK && rc != SQLITE_DONE)
		r = cp_store_sqlfail(dr->st, rc, "listing notices");
out:
	sqlite3_finalize(s);
	if (r == CP_OK)
		return cp_store_commit(dr->st);
	cp_store_rollback(dr->st);
	*n = 0;
	return r;
}

static cp_err
fanout_all(struct drain *dr)
{
	struct fanout f;
	size_t n;
	cp_err r;

	r = fanout_init(&f, dr->st);
	if (r != CP_OK)
		return r;
	do
		r = fanout_batch(dr, &f, &n);
	while (r == CP_OK && n == CP_NOTIFY_FANOUT_BATCH &&
	    (dr->lim.cancel == NULL || *dr->lim.cancel == 0));
	fanout_fini(&f);
	return r;
}

/* ---- claims ---- */

/*
 * Makes the claims of dead claimers of this host due now, so that a
 * restart after a crash delivers at once rather than after the lease.
 */
static cp_err
wake_dead_claims(struct drain *dr)
{
	sqlite3_stmt *s = NULL, *u = NULL;
	char owners[16][OWNER_MAX];
	size_t n = 0, i;
	time_t now = now_of(dr);
	cp_err r;
	int rc;

	r = cp_store_prepare(dr->st,
	    "SELECT DISTINCT claimed_by FROM deliveries WHERE state = "
	    "'claimed' AND next_attempt > ?1 AND claimed_by != ?2 LIMIT 64",
	    &s, "listing claims");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, (sqlite3_int64)now);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, dr->me);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *o = (const char *)sqlite3_column_text(s, 0);

		rc = SQLITE_OK;
		if (o != NULL && n < CP_ARRAY_LEN(owners) &&
		    owner_dead(o, dr->host, dr->boot))
			cp_strlcpy(owners[n++], o, OWNER_MAX);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return cp_store_sqlfail(dr->st, rc, "listing claims");
	if (n == 0)
		return CP_OK;
	r = cp_store_prepare(dr->st,
	    "UPDATE deliveries SET next_attempt = ?1 WHERE state = 'claimed' "
	    "AND claimed_by = ?2", &u, "taking over claims");
	for (i = 0; i < n && r == CP_OK; i++) {
		rc = sqlite3_bind_int64(u, 1, (sqlite3_int64)now);
		if (rc == SQLITE_OK)
			rc = cp_store_bind_text(u, 2, owners[i]);
		r = step_done(dr->st, u, rc, "taking over claims");
		sqlite3_reset(u);
		if (r == CP_OK && dr->lim.log != NULL)
			cp_log_msg(dr->lim.log, CP_LOG_INFO, "notify",
			    "taking over the deliveries of %s, which stopped",
			    owners[i]);
	}
	sqlite3_finalize(u);
	return r;
}

/* Sets the state of delivery id (claimed by us). */
static cp_err
set_state(struct drain *dr, int64_t id, const char *state, time_t next,
    const char *err)
{
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(dr->st,
	    "UPDATE deliveries SET state = ?2, next_attempt = ?3, "
	    "last_error = ?4, updated = ?5, claimed_by = '' "
	    "WHERE id = ?1 AND state = 'claimed' AND claimed_by = ?6",
	    &s, "recording a delivery");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 2, state);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, (sqlite3_int64)next);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 4, err,
		    cut_len(err, CP_NOTIFY_ERROR_MAX), SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 5, (sqlite3_int64)now_of(dr));
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(s, 6, dr->me);
	r = step_done(dr->st, s, rc, "recording a delivery");
	sqlite3_finalize(s);
	return r;
}

/* Records the outcome of j (claimed by us). */
static cp_err
record(struct drain *dr, const struct job *j)
{
	time_t now = now_of(dr), next, end;

	if (j->result == CP_SEND_OK) {
		dr->sum->sent++;
		return set_state(dr, j->id, "sent", now, "");
	}
	end = j->first_attempt + (time_t)dr->lim.max_age;
	if (j->result == CP_SEND_RETRY && now < end) {
		next = now + cp_notify_retry_delay((unsigned)j->attempts);
		if (next > end)
			next = end;
		dr->sum->retry++;
		if (dr->lim.log != NULL)
			cp_log_msg(dr->lim.log, CP_LOG_WARNING, "notify",
			    "delivery %lld to %s: %s; trying again in %lld s",
			    (long long)j->id, j->dest_name, j->why,
			    (long long)(next - now));
		return set_state(dr, j->id, "pending", next, j->why);
	}
	dr->sum->failed++;
	if (dr->lim.log != NULL)
		cp_log_msg(dr->lim.log, CP_LOG_ERROR, "notify",
		    "delivery %lld to %s failed for good: %s",
		    (long long)j->id, j->dest_name, j->why);
	return set_state(dr, j->id, "failed", now, j->why);
}

/* Fails delivery id whose claimers kept dying. */
static cp_err
abandon(struct drain *dr, int64_t id, time_t now)
{
	sqlite3_stmt *u = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(dr->st,
	    "UPDATE deliveries SET state = 'failed', claimed_by = '', "
	    "last_error = ?2, updated = ?3 WHERE id = ?1", &u,
	    "failing a delivery");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(u, 1, id);
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(u, 2, "abandoned: the sending process "
		    "stopped during this delivery too often");
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(u, 3, (sqlite3_int64)now);
	r = step_done(dr->st, u, rc, "failing a delivery");
	sqlite3_finalize(u);
	if (r == CP_OK) {
		dr->sum->failed++;
		if (dr->lim.log != NULL)
			cp_log_msg(dr->lim.log, CP_LOG_ERROR, "notify",
			    "delivery %lld abandoned: the sending process "
			    "stopped during it too often", (long long)id);
	}
	return r;
}

/*
 * Reads the next due delivery into j (j->id 0: none is due); *claimed says
 * that it was claimed before and its lease ran out or its claimer died.
 */
static cp_err
next_due(struct drain *dr, time_t now, struct job *j, int *claimed)
{
	sqlite3_stmt *s = NULL;
	const char *payload;
	cp_err r;
	int rc;

	memset(j, 0, sizeof(*j));
	*claimed = 0;
	r = cp_store_prepare(dr->st,
	    "SELECT d.id, d.state = 'claimed', d.attempts, d.first_attempt, "
	    "d.message_id, d.outbox_id, d.destination_id, o.portal_id, "
	    "o.unit_id, o.payload, dst.type, dst.name, p.name, p.lang "
	    "FROM deliveries d JOIN outbox o ON o.id = d.outbox_id "
	    "JOIN destinations dst ON dst.id = d.destination_id "
	    "JOIN portals p ON p.id = o.portal_id "
	    "WHERE d.state IN ('pending', 'claimed') AND d.next_attempt <= ?1 "
	    "ORDER BY d.next_attempt, d.id LIMIT 1", &s, "claiming a delivery");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, (sqlite3_int64)now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		goto out;
	if (rc != SQLITE_ROW) {
		r = cp_store_sqlfail(dr->st, rc, "claiming a delivery");
		goto out;
	}
	j->id = sqlite3_column_int64(s, 0);
	*claimed = sqlite3_column_int(s, 1);
	j->attempts = sqlite3_column_int64(s, 2) + 1;
	j->first_attempt = sqlite3_column_type(s, 3) == SQLITE_NULL ? now :
	    (time_t)sqlite3_column_int64(s, 3);
	cp_store_column_text(s, 4, j->message_id, sizeof(j->message_id));
	j->outbox_id = sqlite3_column_int64(s, 5);
	j->dest_id = sqlite3_column_int64(s, 6);
	j->portal_id = sqlite3_column_int64(s, 7);
	j->unit_id = sqlite3_column_int64(s, 8);
	payload = (const char *)sqlite3_column_text(s, 9);
	cp_store_column_text(s, 10, j->dest_type, sizeof(j->dest_type));
	cp_store_column_text(s, 11, j->dest_name, sizeof(j->dest_name));
	cp_store_column_text(s, 12, j->portal, sizeof(j->portal));
	cp_store_column_text(s, 13, j->lang, sizeof(j->lang));
	j->payload = strdup(payload != NULL ? payload : "");
	if (j->payload == NULL)
		r = cp_store_fail(dr->st, CP_E_NOMEM, "out of memory");
out:
	sqlite3_finalize(s);
	if (r != CP_OK)
		job_clear(j);
	return r;
}

/*
 * Claims the next due delivery into j (j->id 0: none is due).  A claim
 * whose claimers died too often is failed on the way instead.
 */
static cp_err
claim_next(struct drain *dr, struct job *j)
{
	sqlite3_stmt *u = NULL;
	time_t now = now_of(dr);
	int claimed, rc;
	cp_err r;

	for (;;) {
		sqlite3_int64 crashes = 0;

		r = next_due(dr, now, j, &claimed);
		if (r != CP_OK || j->id == 0)
			return r;
		if (!claimed)
			break;
		/* Only takeovers from a dead sender count here: ordinary
		 * retries have their own schedule. */
		dr->sum->reclaimed++;
		r = cp_store_prepare(dr->st, "UPDATE deliveries SET crashes = "
		    "crashes + 1 WHERE id = ?1 RETURNING crashes", &u,
		    "counting a crashed claim");
		if (r == CP_OK) {
			rc = sqlite3_bind_int64(u, 1, j->id);
			if (rc == SQLITE_OK)
				rc = sqlite3_step(u);
			if (rc == SQLITE_ROW)
				crashes = sqlite3_column_int64(u, 0);
			else
				r = cp_store_sqlfail(dr->st, rc,
				    "counting a crashed claim");
			sqlite3_finalize(u);
			u = NULL;
		}
		if (r == CP_OK && crashes <= CP_NOTIFY_CRASHES)
			break;
		if (r == CP_OK)
			r = abandon(dr, j->id, now);
		job_clear(j);
		if (r != CP_OK)
			return r;
	}
	r = cp_store_prepare(dr->st,
	    "UPDATE deliveries SET state = 'claimed', attempts = ?2, "
	    "first_attempt = ?3, next_attempt = ?4, claimed_by = ?5, "
	    "updated = ?6 WHERE id = ?1", &u, "claiming a delivery");
	if (r != CP_OK)
		goto out;
	rc = sqlite3_bind_int64(u, 1, j->id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(u, 2, j->attempts);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(u, 3, (sqlite3_int64)j->first_attempt);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(u, 4,
		    (sqlite3_int64)(now + (time_t)dr->lim.lease));
	if (rc == SQLITE_OK)
		rc = cp_store_bind_text(u, 5, dr->me);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(u, 6, (sqlite3_int64)now);
	r = step_done(dr->st, u, rc, "claiming a delivery");
out:
	sqlite3_finalize(u);
	if (r != CP_OK)
		job_clear(j);
	return r;
}

/* ---- sending one ---- */

/* The unit's environment, cloud and names for the message. */
struct unit_info {
	char env[64];
	char cloud[16];
	char name[128];
};

static void
unit_info(struct drain *dr, int64_t unit_id, struct unit_info *ui)
{
	sqlite3_stmt *s = NULL;

	memset(ui, 0, sizeof(*ui));
	if (unit_id <= 0 || cp_store_prepare(dr->st,
	    "SELECT e.name, e.cloud, u.name FROM units u JOIN environments e "
	    "ON e.id = u.env_id WHERE u.id = ?1", &s, "reading a unit") !=
	    CP_OK)
		return;
	if (sqlite3_bind_int64(s, 1, unit_id) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		cp_store_column_text(s, 0, ui->env, sizeof(ui->env));
		cp_store_column_text(s, 1, ui->cloud, sizeof(ui->cloud));
		cp_store_column_text(s, 2, ui->name, sizeof(ui->name));
	}
	sqlite3_finalize(s);
}

static void CP_FMT(3, 4)
outcome(struct job *j, int result, const char *fmt, ...)
{
	va_list ap;

	j->result = result;
	va_start(ap, fmt);
	vsnprintf(j->why, sizeof(j->why), fmt, ap);
	va_end(ap);
}

/*
 * Renders and sends j with no transaction open; the outcome goes into j,
 * to be recorded with the next claim.
 */
static void
send_one(struct drain *dr, struct job *j)
{
	const struct cp_notifier_ops *ops;
	const struct cp_policy *p = NULL;
	struct cp_lc_setting set;
	struct cp_render_ctx rc;
	struct unit_info ui;
	json_t *pl = NULL, *msg = NULL, *dest = NULL;
	const char *type;
	void *ctx = NULL;
	char why[CP_NOTIFY_ERROR_MAX + 1];
	int res;
	cp_err r;

	memset(&set, 0, sizeof(set));
	pl = json_loads(j->payload, JSON_REJECT_DUPLICATES, NULL);
	if (pl == NULL) {
		outcome(j, CP_SEND_FAILED, "the notice cannot be read "
		    "(malformed payload)");
		goto out;
	}
	unit_info(dr, j->unit_id, &ui);
	if (dr->set != NULL && json_is_string(json_object_get(pl, "policy")))
		p = cp_policy_set_find(dr->set, json_string_value(
		    json_object_get(pl, "policy")));
	/* The configured values shown beside the detected one; a notice
	 * without them is still worth sending. */
	type = json_string_value(json_object_get(pl, "type"));
	if (p != NULL && type != NULL && strcmp(type, "risk") == 0 &&
	    cp_inspect_setting(dr->st, j->portal_id, p, &set) != CP_OK)
		cp_lc_setting_clear(&set);
	memset(&rc, 0, sizeof(rc));
	rc.lang = j->lang;
	rc.message_id = j->message_id;
	rc.set = dr->set;
	rc.portal = j->portal;
	rc.env = ui.env[0] != '\0' ? ui.env : NULL;
	rc.cloud = ui.cloud[0] != '\0' ? ui.cloud : NULL;
	rc.unit_name = ui.name[0] != '\0' ? ui.name : NULL;
	rc.params = set.params;
	r = cp_notify_render(pl, &rc, &msg, why, sizeof(why));
	if (r != CP_OK) {
		outcome(j, r == CP_E_INVALID ? CP_SEND_FAILED : CP_SEND_RETRY,
		    "cannot render the message: %s", why);
		goto out;
	}
	ops = dr->rt != NULL && dr->rt->find != NULL ?
	    dr->rt->find(dr->rt->ud, j->dest_type, &ctx) : NULL;
	if (ops == NULL) {
		outcome(j, CP_SEND_RETRY, "no notifier plugin for %s "
		    "destinations is running (see 'cloudpatrol plugins')",
		    j->dest_type);
		goto out;
	}
	r = cp_dest_plugin_json(dr->st, j->dest_id, &dest);
	if (r != CP_OK) {
		outcome(j, r == CP_E_CRYPTO || r == CP_E_PARSE ?
		    CP_SEND_FAILED : CP_SEND_RETRY, "cannot read the "
		    "destination: %s", cp_store_errmsg(dr->st));
		goto out;
	}
	why[0] = '\0';
	res = ops->send(ctx, dest, msg, why, sizeof(why));
	why[sizeof(why) - 1] = '\0';
	if (res == CP_SEND_OK)
		outcome(j, CP_SEND_OK, "%s", "");
	else if (res == CP_SEND_RETRY || res == CP_SEND_FAILED)
		outcome(j, res, "%s", why[0] != '\0' ? why :
		    "the plugin gave no reason");
	else
		outcome(j, CP_SEND_FAILED, "the plugin answered %d, which is "
		    "not a send result", res);
out:
	json_decref(dest);
	json_decref(msg);
	json_decref(pl);
	cp_lc_setting_clear(&set);
}

/* One transaction: the previous outcome recorded, the next claimed. */
static cp_err
step(struct drain *dr, struct job *prev, struct job *next)
{
	cp_err r;

	r = cp_store_begin(dr->st);
	if (r != CP_OK)
		return r;
	if (prev->id != 0)
		r = record(dr, prev);
	if (r == CP_OK)
		r = next != NULL ? claim_next(dr, next) : CP_OK;
	if (r == CP_OK)
		r = cp_store_commit(dr->st);
	else
		cp_store_rollback(dr->st);
	return r;
}

static void
limits_of(struct cp_notify_limits *l, const struct cp_notify_limits *in)
{
	memset(l, 0, sizeof(*l));
	if (in != NULL)
		*l = *in;
	if (l->max_sends == 0)
		l->max_sends = CP_NOTIFY_MAX_SENDS;
	if (l->lease == 0)
		l->lease = CP_NOTIFY_LEASE;
	if (l->max_age == 0)
		l->max_age = CP_NOTIFY_MAX_AGE;
}

static cp_err
drain_init(struct drain *dr, cp_store *st, time_t now,
    const struct cp_notify_limits *lim, struct cp_notify_summary *sum)
{
	char pid[64];

	memset(dr, 0, sizeof(*dr));
	memset(sum, 0, sizeof(*sum));
	dr->st = st;
	dr->fixed = now;
	dr->sum = sum;
	limits_of(&dr->lim, lim);
	cp_notify_hostname(dr->host, sizeof(dr->host));
	if (dr->lim.hostname != NULL)
		cp_strlcpy(dr->msg_host, dr->lim.hostname,
		    sizeof(dr->msg_host));
	else
		cp_strlcpy(dr->msg_host, dr->host, sizeof(dr->msg_host));
	boot_id(dr->boot, sizeof(dr->boot));
	if (cp_notify_owner(getpid(), dr->me, sizeof(dr->me)) != CP_OK) {
		snprintf(pid, sizeof(pid), "%ld", (long)getpid());
		cp_strlcpy(dr->me, pid, sizeof(dr->me));
	}
	return CP_OK;
}

cp_err
cp_notify_fanout(cp_store *st, time_t now, const struct cp_notify_limits *lim,
    struct cp_notify_summary *sum)
{
	struct cp_notify_summary local;
	struct drain dr;

	drain_init(&dr, st, now, lim, sum != NULL ? sum : &local);
	return fanout_all(&dr);
}

cp_err
cp_notify_drain_with(cp_store *st, const struct cp_notify_router *rt,
    const cp_policy_set *set, time_t now, const struct cp_notify_limits *lim,
    struct cp_notify_summary *sum)
{
	struct cp_notify_summary local;
	struct job prev, next;
	struct drain dr;
	unsigned n;
	cp_err r;

	drain_init(&dr, st, now, lim, sum != NULL ? sum : &local);
	dr.rt = rt;
	dr.set = set;
	memset(&prev, 0, sizeof(prev));
	memset(&next, 0, sizeof(next));
	r = fanout_all(&dr);
	if (r == CP_OK)
		r = wake_dead_claims(&dr);
	for (n = 0; r == CP_OK; n++) {
		int stop = n >= dr.lim.max_sends || (dr.lim.cancel != NULL &&
		    *dr.lim.cancel != 0);

		r = step(&dr, &prev, stop ? NULL : &next);
		job_clear(&prev);
		if (r != CP_OK || stop || next.id == 0)
			break;
		send_one(&dr, &next);
		prev = next;
		memset(&next, 0, sizeof(next));
	}
	job_clear(&prev);
	job_clear(&next);
	return r;
}

/* The registry as a router. */
static const struct cp_notifier_ops *
registry_find(void *ud, const char *type, void **ctx)
{
	return cp_notify_find(ud, type, ctx);
}

const struct cp_notifier_ops *
cp_notify_find(cp_registry *reg, const char *type, void **ctx)
{
	const void *ops = NULL;

	*ctx = NULL;
	if (reg == NULL || type == NULL)
		return NULL;
	if (cp_registry_find(reg, CP_CAP_NOTIFIER, strcmp(type, "teams") == 0 ?
	    "mail" : type, &ops, ctx) == NULL)
		return NULL;
	return ops;
}

cp_err
cp_notify_drain(cp_store *st, cp_registry *reg, const cp_policy_set *set,
    time_t now, const struct cp_notify_limits *lim,
    struct cp_notify_summary *sum)
{
	struct cp_notify_router rt;

	rt.find = registry_find;
	rt.ud = reg;
	return cp_notify_drain_with(st, &rt, set, now, lim, sum);
}

/* ---- the operator's view ---- */

cp_err
cp_notify_list(cp_store *st, int64_t portal_id, unsigned flags, size_t limit,
    cp_notify_entry_fn fn, void *ud)
{
	struct cp_notify_entry e;
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

#define TXT(i) ((const char *)sqlite3_column_text(s, (i)))
	r = cp_store_prepare(st,
	    "SELECT d.id, d.outbox_id, d.state, dst.name, dst.type, "
	    "coalesce(json_extract(o.payload, '$.type'), ''), "
	    "coalesce(json_extract(o.payload, '$.policy'), ''), "
	    "coalesce(json_extract(o.payload, '$.unit'), ''), "
	    "coalesce(json_extract(o.payload, '$.resource'), ''), "
	    "d.attempts, d.next_attempt, d.last_error, d.message_id, "
	    "d.created, d.updated "
	    "FROM deliveries d JOIN destinations dst "
	    "ON dst.id = d.destination_id JOIN outbox o ON o.id = d.outbox_id "
	    "WHERE o.portal_id = ?1 AND (?2 = 0 OR d.state = 'failed') "
	    "UNION ALL "
	    "SELECT 0, o.id, CASE o.state WHEN 'failed' THEN 'failed' "
	    "WHEN 'done' THEN 'undelivered' ELSE 'queued' END, '', '', "
	    "coalesce(json_extract(o.payload, '$.type'), ''), "
	    "coalesce(json_extract(o.payload, '$.policy'), ''), "
	    "coalesce(json_extract(o.payload, '$.unit'), ''), "
	    "coalesce(json_extract(o.payload, '$.resource'), ''), "
	    "o.attempts, o.next_attempt, o.last_error, '', o.created, "
	    "o.updated FROM outbox o WHERE o.portal_id = ?1 AND "
	    "o.kind = 'notify' AND (o.state IN ('pending', 'claimed', "
	    "'failed') OR (o.state = 'done' AND o.last_error != '')) AND "
	    "(?2 = 0 OR o.state = 'failed') "
	    "ORDER BY 2 DESC, 1 DESC LIMIT ?3", &s, "listing the outbox");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 2,
		    (flags & CP_NOTIFY_LIST_FAILED) != 0);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, limit == 0 || limit > INT64_MAX ?
		    -1 : (sqlite3_int64)limit);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		e.id = sqlite3_column_int64(s, 0);
		e.outbox_id = sqlite3_column_int64(s, 1);
		e.state = TXT(2);
		e.destination = TXT(3);
		e.dest_type = TXT(4);
		e.kind = TXT(5);
		e.policy = TXT(6);
		e.unit = TXT(7);
		e.resource = TXT(8);
		e.attempts = sqlite3_column_int64(s, 9);
		e.next_attempt = (time_t)sqlite3_column_int64(s, 10);
		e.last_error = TXT(11);
		e.message_id = TXT(12);
		e.created = (time_t)sqlite3_column_int64(s, 13);
		e.updated = (time_t)sqlite3_column_int64(s, 14);
		if (e.state == NULL || e.destination == NULL ||
		    e.dest_type == NULL || e.kind == NULL || e.policy == NULL ||
		    e.unit == NULL || e.resource == NULL ||
		    e.last_error == NULL || e.message_id == NULL) {
			r = cp_store_fail(st, CP_E_NOMEM, "out of memory");
			goto out;
		}
		r = fn(ud, &e);
		if (r != CP_OK)
			goto out;
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		r = cp_store_sqlfail(st, rc, "listing the outbox");
out:
#undef TXT
	sqlite3_finalize(s);
	return r;
}

cp_err
cp_notify_retry_now(cp_store *st, int64_t portal_id, time_t now, size_t *n)
{
	sqlite3_stmt *s = NULL;
	cp_err r;
	int rc;

	r = cp_store_prepare(st,
	    "UPDATE deliveries SET "
	    "first_attempt = CASE state WHEN 'failed' THEN NULL "
	    "ELSE first_attempt END, "
	    "attempts = CASE state WHEN 'failed' THEN 0 ELSE attempts END, "
	    "state = 'pending', next_attempt = ?2, updated = ?2 "
	    "WHERE state IN ('pending', 'failed') AND outbox_id IN "
	    "(SELECT id FROM outbox WHERE portal_id = ?1)", &s,
	    "retrying deliveries");
	if (r != CP_OK)
		return r;
	rc = sqlite3_bind_int64(s, 1, portal_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, (sqlite3_int64)now);
	r = step_done(st, s, rc, "retrying deliveries");
	if (r == CP_OK && n != NULL)
		*n = (size_t)sqlite3_changes(cp_store_db(st));
	sqlite3_finalize(s);
	return r;
}
