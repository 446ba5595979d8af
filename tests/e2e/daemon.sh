#!/bin/sh
# daemon.sh - a real "cloudpatrol daemon" against the fake AWS, its
# periods scaled down to a second ([core] schedule_scale, a testing knob):
# it inspects, notifies the sink, sends the patrol report and writes the
# monthly risk report; a second daemon on the store is refused; SIGHUP
# with a broken INI keeps it running on the old one; SIGTERM stops it with
# no lease held, also while a SIGHUP waits for a hanging job; a restart carries on with no period run twice (every
# inspection made one scan, every patrol run one report, every monthly run
# one file) and none left behind; detached, it answers once it runs.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"
. "$CP_TOP_SRCDIR/tests/fakes/aws/fake.sh"

DPID=
stop_daemon() {
	if [ -n "$DPID" ]; then
		kill -TERM "$DPID" 2>/dev/null || :
		wait "$DPID" 2>/dev/null || :
		DPID=
	fi
}
trap 'stop_daemon; stop_fake; rm -rf "$T"' EXIT

# sql QUERY: one value from the store (read-only).
sql() {
	"$PY" -c 'import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
db.execute("PRAGMA busy_timeout = 5000")
print(db.execute(sys.argv[2]).fetchone()[0])' "$T/state/cloudpatrol.db" "$1"
}
runs() {
	sql "SELECT count(*) FROM job_runs r JOIN jobs j ON j.id = r.job_id
	    WHERE j.kind = '$1'"
}
sink() {
	"$PY" -c 'import json, os, sys
p = os.path.join(sys.argv[1], "messages.jsonl")
rows = [json.loads(l) for l in open(p)] if os.path.exists(p) else []
print(sum(1 for r in rows if r["message"]["kind"] == sys.argv[2]))' \
	    "$T/sink" "$1"
}

# until CMD...: polls CMD (at most 20 s); a failure counts once.
until_ok() {
	i=0
	while ! "$@"; do
		i=$((i + 1))
		if [ "$i" -gt 200 ]; then
			checks=$((checks + 1))
			failures=$((failures + 1))
			echo "FAIL: timed out waiting for: $*"
			sed 's/^/  log: /' "$T/daemon.log" | grep -v 'policy:' |
			    tail -20
			return 0
		fi
		sleep 0.1
	done
}
at_least() { [ "$(runs "$1")" -ge "$2" ]; }
logged() { grep -qF -- "$1" "$T/daemon.log"; }

# consistent: every recorded period did its work exactly once.
consistent() {
	same "$(sql 'SELECT count(*) FROM scans')" "$(runs inspect)"
	same "$(sql "SELECT count(*) FROM outbox WHERE payload LIKE
	    '%\"type\": \"patrol\"%' OR payload LIKE '%\"type\":\"patrol\"%'")" \
	    "$(runs patrol)"
	same "$(sink patrol)" "$(runs patrol)"
	same "$(ls "$T/state/reports/p" | grep -c '^risk-A-.*\.csv$')" \
	    "$(runs monthly-risk)"
	same "$(sql "SELECT count(*) FROM jobs WHERE lease_owner != ''")" 0
}

start_fake
mkdir -p "$T/plugins" "$T/sink"
cp "$CP_TOP_BUILDDIR/plugins/aws/.libs/aws.so" \
    "$CP_TOP_BUILDDIR/tests/fakes/.libs/sinknotify.so" "$T/plugins/"
ini() {
	cat <<INI
[core]
state_dir = $T/state
plugin_dirs = $T/plugins
policy_dirs = $CP_TOP_SRCDIR/policies
workers = 2
language = en
; testing only: every period becomes one second
schedule_scale = 2592000
[plugin:aws]
endpoint = $URL
[plugin:sinknotify]
dir = $T/sink
INI
}
ini >"$T/cp.ini"
(umask 077 && echo demo-secret-remediate-0001 >"$T/secret")
cpp() { "$CP" -c "$T/cp.ini" "$@"; }
run 0 cpp portal add p --lang en
run 0 cpp -p p env add aws prod --access-key-id AKIAFAKEDEMO00000001 \
    --secret-access-key-file "$T/secret"
run 0 cpp -p p dest add ops --type mail --to ops@example.com \
    --unit prod/123456789012
run 0 cpp portal set p --patrol-time 09:30 --timezone Asia/Tokyo

# ---- first life ----
"$CP" -c "$T/cp.ini" daemon --foreground 2>"$T/daemon.log" &
DPID=$!
until_ok at_least inspect 1
until_ok at_least patrol 1
until_ok at_least monthly-risk 1
checks=$((checks + 1))
[ "$(sink risk)" -gt 0 ] || { failures=$((failures + 1));
	echo "FAIL: no risk notice reached the sink"; }
run 1 cpp daemon --foreground
has "$T/err" "another cloudpatrol daemon (pid $DPID) is running"
# (Its exit status follows the last inspection, which may be partial.)
cpp --json status >"$T/out" 2>"$T/err" || :
has "$T/out" "\"pid\": $DPID"
has "$T/out" '"kind": "inspect"'
has "$T/out" '"asm-passive": "the daily ASM passive check is not available yet'
# The daily resource list of the unit, from its latest snapshot.
until_ok at_least resources 1
checks=$((checks + 1))
grep -q 'Environment,Cloud,Unit,Region,Service' \
    "$T/state/reports/p/resources-prod-123456789012.csv" 2>/dev/null ||
	{ failures=$((failures + 1)); echo "FAIL: no resource list written"; }
cpp status >"$T/out" 2>"$T/err" || :
has "$T/out" "Daemon: running (pid $DPID)"
has "$T/out" "NEXT INSPECTION"

# SIGHUP with a broken file: refused, logged, still running and working.
cp "$T/cp.ini" "$T/good.ini"
sed 's/^workers = 2$/workers = lots/' "$T/good.ini" >"$T/cp.ini"
kill -HUP "$DPID"
until_ok logged "reload refused"
has "$T/daemon.log" "workers = lots: not a whole number"
n=$(runs patrol)
until_ok at_least patrol $((n + 1))
checks=$((checks + 1))
kill -0 "$DPID" 2>/dev/null || { failures=$((failures + 1));
	echo "FAIL: the daemon died of a broken configuration"; }
cp "$T/good.ini" "$T/cp.ini"
kill -HUP "$DPID"
until_ok logged "configuration reloaded"

# SIGTERM: the running jobs finish, nothing stays claimed.
kill -TERM "$DPID"
set +e
wait "$DPID"
st=$?
set -e
DPID=
same "$st" 0
has "$T/daemon.log" "daemon: stopped"
consistent
before_inspect=$(runs inspect)
before_patrol=$(runs patrol)
# What each job waits for: the restart must carry on from there.
sql "SELECT group_concat(id || ':' || period, ' ') FROM jobs
    WHERE enabled = 1" >"$T/pending"

# ---- second life ----
"$CP" -c "$T/cp.ini" daemon --foreground 2>"$T/daemon.log" &
DPID=$!
until_ok at_least inspect $((before_inspect + 1))
until_ok at_least patrol $((before_patrol + 1))
# SIGHUP while a job hangs, then SIGTERM: the reload waits for the job
# without holding up the main thread, so the SIGTERM is answered at once
# (the pending reload dropped) while the job still hangs; the job then
# ends within the grace and the daemon exits 0.
ctl POST /__fault '{"service":null,"region":null,"action":null,
    "kind":"stall","count":1,"seconds":3}' >/dev/null
stall_taken() { ! ctl GET /__fault | grep -q stall; }
until_ok stall_taken
kill -HUP "$DPID"
until_ok logged "the new configuration applies once"
kill -TERM "$DPID"
set +e
wait "$DPID"
st=$?
set -e
DPID=
same "$st" 0
has "$T/daemon.log" "the pending reload is dropped: stopping"
# Answered while the job still hung (not after it, as a blocked reload
# would): the stop found it running.
checks=$((checks + 1))
grep -Eq 'stopping: no new jobs; waiting up to [0-9]+ s for [1-9]' \
    "$T/daemon.log" || { failures=$((failures + 1));
	echo "FAIL: SIGTERM was answered only after the hanging job"; }
consistent
# Each job ran again after the restart, starting at the period it waited
# for (or a later one, when that was overdue), never an earlier one.
checks=$((checks + 1))
got=$("$PY" - "$T/state/cloudpatrol.db" $(cat "$T/pending") <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
bad = []
for jp in sys.argv[2:]:
    job, period = (int(x) for x in jp.split(":"))
    kind = db.execute("SELECT kind FROM jobs WHERE id = ?", (job,)).fetchone()[0]
    after = db.execute("SELECT count(*) FROM job_runs WHERE job_id = ? AND "
                       "period >= ?", (job, period)).fetchone()[0]
    if kind in ("inspect", "patrol") and after == 0:
        bad.append("%s: no run after the restart" % kind)
print("; ".join(bad) or "ok")
PY
)
[ "$got" = ok ] || { failures=$((failures + 1)); echo "FAIL: $got"; }

# ---- errors and detaching ----
rm -f "$T/state/cloudpatrol.pid"
mkdir "$T/state/cloudpatrol.pid"
run 1 cpp daemon --foreground
has "$T/err" "cannot open pid file $T/state/cloudpatrol.pid"
rmdir "$T/state/cloudpatrol.pid"
printf '[core]\nworkers = 0\n' >"$T/bad.ini"
run 1 "$CP" -c "$T/bad.ini" daemon --foreground
has "$T/err" "workers = 0: out of range"
# Detached, on a store of its own with nothing to run (quick to stop).
sed "s|^state_dir = .*|state_dir = $T/state2|" "$T/good.ini" >"$T/two.ini"
run 0 "$CP" -c "$T/two.ini" daemon
pid=$(cat "$T/state2/cloudpatrol.pid")
checks=$((checks + 1))
kill -0 "$pid" 2>/dev/null || { failures=$((failures + 1));
	echo "FAIL: the detached daemon is not running"; }
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 300 ]; do
	i=$((i + 1))
	sleep 0.1
done
checks=$((checks + 1))
! kill -0 "$pid" 2>/dev/null || { failures=$((failures + 1));
	echo "FAIL: the detached daemon did not stop"; }

stop_fake
finish
