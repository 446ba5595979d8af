#!/bin/sh
# daemon-idle.sh - the daemon with 1,000 units of the testcloud fixture
# plugin: how long its first cycle takes (every unit inspected once), its
# peak RSS, then its RSS and CPU while idle (nothing due: it must sleep in
# poll(2) until the next job, not spin).
#
# Each run registers BENCH_UNITS units (default 1000) in a fresh state dir,
# starts "cloudpatrol daemon --foreground" (BENCH_WORKERS workers, default
# 4) with the real schedule, makes every inspection due at once (the worst
# hour: all units together) and wakes the daemon with SIGHUP; the cycle
# ends when every unit has been inspected.  Idle is then measured over
# BENCH_IDLE seconds (default 20) from /proc.  BENCH_RUNS runs (default 3);
# prints the medians:
#   BENCH daemon-idle ours=<s>s peer=- ratio=- rss_mib=<peak>
#	idle_rss_mib=<n> idle_cpu_pct=<n> units=<n>
set -eu
: "${CP_TOP_SRCDIR:?run through make bench}"
: "${CP_TOP_BUILDDIR:?run through make bench}"

units=${BENCH_UNITS:-1000}
workers=${BENCH_WORKERS:-4}
idle=${BENCH_IDLE:-20}
runs=${BENCH_RUNS:-3}
py=${CP_PYTHON3:-/usr/bin/python3}
cp="$CP_TOP_BUILDDIR/cloudpatrol"
plugin="$CP_TOP_BUILDDIR/tests/fakes/.libs/testcloud.so"

[ -f "$plugin" ] || (cd "$CP_TOP_BUILDDIR" && make tests/fakes/testcloud.la \
    >/dev/null)
work=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/cp-bench-daemon.XXXXXX")
dpid=
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

median() {
	sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# The estate: environments of at most 250 units (testcloud lists 256 at
# most), $units units in all, of a few resources each.
envs=$(( (units + 249) / 250 ))
mkdir -p "$work/plugins"
cp "$plugin" "$work/plugins/"
(umask 077 && echo tok >"$work/token")
"$py" - "$work" "$units" \
    "$CP_TOP_SRCDIR/tests/e2e/estate/resources-1.json" <<'PY'
import os, shutil, sys
work, n, res = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(n):
    cloud = os.path.join(work, "cloud%d" % (i // 250))
    d = os.path.join(cloud, "units", "%012d" % (100000000000 + i))
    os.makedirs(d)
    for name, text in (("token", "tok"), ("account", "bench")):
        with open(os.path.join(cloud, name), "w") as f:
            f.write(text + "\n")
    with open(os.path.join(d, "unit.json"), "w") as f:
        f.write('{"name": "unit %d"}' % i)
    shutil.copy(res, os.path.join(d, "resources.json"))
PY

# sql DB QUERY: one value.
sql() {
	"$py" -c 'import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
db.execute("PRAGMA busy_timeout = 5000")
print(db.execute(sys.argv[2]).fetchone()[0])' "$1" "$2"
}

# ticks PID: user + system CPU time of PID, in clock ticks.
ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
kib() {
	awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"
}

hz=$(getconf CLK_TCK)
: >"$work/cycle"
: >"$work/peak"
: >"$work/idle_rss"
: >"$work/idle_cpu"
r=0
while [ "$r" -lt "$runs" ]; do
	r=$((r + 1))
	rm -rf "$work/state"
	cat >"$work/cp.ini" <<INI
[core]
state_dir = $work/state
plugin_dirs = $work/plugins
policy_dirs = $CP_TOP_SRCDIR/tests/e2e/policies
workers = $workers
log_level = warning
INI
	export CLOUDPATROL_CONFIG="$work/cp.ini"
	"$cp" portal add bench >/dev/null
	e=0
	while [ "$e" -lt "$envs" ]; do
		"$cp" env add testcloud "prod$e" --fixtures "$work/cloud$e" \
		    --token-file "$work/token" >/dev/null
		e=$((e + 1))
	done
	db="$work/state/cloudpatrol.db"
	"$cp" daemon --foreground 2>"$work/daemon.log" &
	dpid=$!
	i=0
	until [ "$(sql "$db" "SELECT count(*) FROM jobs WHERE kind =
	    'inspect'" 2>/dev/null || echo 0)" -ge "$units" ]; do
		i=$((i + 1))
		[ "$i" -lt 600 ] || { cat "$work/daemon.log" >&2; exit 1; }
		sleep 0.1
	done
	# The worst hour: every inspection due now.
	"$py" -c 'import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30)
db.execute("UPDATE jobs SET next_due = ? WHERE kind = ?",
           (int(time.time()), "inspect"))
db.commit()' "$db"
	t0=$(date +%s.%N)
	kill -HUP "$dpid"
	until [ "$(sql "$db" "SELECT count(*) FROM job_runs r JOIN jobs j ON
	    j.id = r.job_id WHERE j.kind = 'inspect'")" -ge "$units" ]; do
		sleep 0.2
	done
	t1=$(date +%s.%N)
	echo "$t1 $t0" | awk '{ printf "%.2f\n", $1 - $2 }' >>"$work/cycle"
	sleep 2
	c0=$(ticks "$dpid")
	w0=$(date +%s.%N)
	sleep "$idle"
	c1=$(ticks "$dpid")
	w1=$(date +%s.%N)
	echo "$c0 $c1 $w0 $w1 $hz" | awk '{ printf "%.3f\n",
	    100 * ($2 - $1) / $5 / ($4 - $3) }' >>"$work/idle_cpu"
	kib "$dpid" VmRSS | awk '{ printf "%.1f\n", $1 / 1024 }' \
	    >>"$work/idle_rss"
	kib "$dpid" VmHWM | awk '{ printf "%.1f\n", $1 / 1024 }' \
	    >>"$work/peak"
	kill -TERM "$dpid"
	wait "$dpid" || { cat "$work/daemon.log" >&2; exit 1; }
	dpid=
	echo "daemon-idle: run $r: cycle $(tail -1 "$work/cycle") s," \
	    "peak $(tail -1 "$work/peak") MiB, idle $(tail -1 \
	    "$work/idle_rss") MiB, $(tail -1 "$work/idle_cpu") % CPU" >&2
done
echo "BENCH daemon-idle ours=$(median <"$work/cycle")s peer=- ratio=-" \
    "rss_mib=$(median <"$work/peak")" \
    "idle_rss_mib=$(median <"$work/idle_rss")" \
    "idle_cpu_pct=$(median <"$work/idle_cpu") units=$units"
