#!/bin/sh
# vuln.sh - "cloudpatrol vuln" through the CLI: an offline import and
# lookup, then online lookups against tests/fakes/fakevuln.py (NVD paging
# with an API key, EPSS batches, KEV, MyJVN paging), the cache, a stale
# refresh, NVD's 429 and 403, a source that is down, a malformed answer.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"
PY=${CP_PYTHON3:-/usr/bin/python3}
FIX="$CP_TOP_SRCDIR/tests/fixtures/asm"
FAKE_PID=
PORT=
stop_fake() {
	if [ -n "$FAKE_PID" ]; then
		kill -TERM "$FAKE_PID" 2>/dev/null || :
		wait "$FAKE_PID" 2>/dev/null || :
		FAKE_PID=
	fi
}
trap 'stop_fake; rm -rf "$T"' EXIT
start_fake() {
	rm -f "$T/port"
	"$PY" "$CP_TOP_SRCDIR/tests/fakes/fakevuln.py" --port-file "$T/port" \
	    --quiet "$@" >"$T/fake.log" 2>&1 &
	FAKE_PID=$!
	i=0
	while [ ! -s "$T/port" ]; do
		i=$((i + 1))
		if [ "$i" -gt 600 ] || ! kill -0 "$FAKE_PID" 2>/dev/null; then
			echo "FAIL: the fake did not start"
			cat "$T/fake.log"
			exit 1
		fi
		sleep 0.05
	done
	PORT=$(cat "$T/port")
}
# ctl METHOD PATH [JSON]: a control request; the body on stdout.
ctl() {
	"$PY" - "$PORT" "$@" <<'PY'
import sys, urllib.request
port, method, path = sys.argv[1], sys.argv[2], sys.argv[3]
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path),
                             data=data, method=method)
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}
# count PATH [QUERY-PART]: requests logged for PATH (with QUERY-PART).
count() {
	ctl GET /__requests | "$PY" -c 'import json, sys
n = [r for r in json.load(sys.stdin) if r["path"] == sys.argv[1]
     and sys.argv[2] in r["query"]]
print(len(n))' "$1" "${2:-}"
}
# write_ini MAX-AGE: the configuration, every source refreshed after it.
write_ini() {
	cat >"$T/cp.ini" <<INI
[core]
state_dir = $T/state
language = en

[vuln]
nvd_url  = http://127.0.0.1:$PORT/rest/json/cves/2.0
epss_url = http://127.0.0.1:$PORT/data/v1/epss
kev_url  = http://127.0.0.1:$PORT/kev.json
jvn_url  = http://127.0.0.1:$PORT/myjvn
nvd_api_key_file = $T/nvd.key
nvd_window = 0.05
nvd_page_size = 50
nvd_max_age = $1
epss_max_age = $1
kev_max_age = $1
jvn_max_age = $1
INI
}
export CLOUDPATROL_CONFIG="$T/cp.ini"
NGINX=cpe:2.3:a:f5:nginx:1.22.0:*:*:*:*:*:*:*
printf 'fake-key-1\n' >"$T/nvd.key"
chmod 600 "$T/nvd.key"

# Offline: the samples imported, then looked up from the cache only.
PORT=1
write_ini 7d
run 0 "$CP" vuln import nvd "$FIX/nvd-cve-record-CVE-2022-41741-nginx.json"
run 0 "$CP" vuln import kev "$FIX/kev-catalog.json"
run 0 "$CP" vuln lookup --offline "$NGINX"
has "$T/out" CVE-2022-41741
has "$T/out" "1 CVE(s)"
rm -rf "$T/state"

# Online: 105 nginx CVEs (the sample and clones of it): 3 NVD pages of
# 50 with the key, EPSS in batches of 100, KEV once, 3 MyJVN pages.
start_fake --nvd-clones 104 --api-key fake-key-1
write_ini 1h
run 0 "$CP" --json vuln lookup "$NGINX"
lacks "$T/err" warning
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
m = {x["cve"]: x for x in d["matches"]}
print(len(m), m["CVE-2022-41741"]["jvn_id"], m["CVE-2022-41741001"]["epss"])
' "$T/out" >"$T/sum" 2>&1 || :
has "$T/sum" "105 JVNDB-2022-041741 0.00100"
same "$(count /rest/json/cves/2.0 startIndex=)" 3
same "$(count /rest/json/cves/2.0 startIndex=100)" 1
same "$(ctl GET /__requests | grep -c '"apiKey": "fake-key-1"')" 1
same "$(count /data/v1/epss)" 2
same "$(count /kev.json)" 1
same "$(count /myjvn)" 3

# Cached: a second lookup asks nothing.
ctl POST /__reset >/dev/null
run 0 "$CP" vuln lookup "$NGINX"
has "$T/out" "105 CVE(s)"
same "$(count /rest/json/cves/2.0)" 0
same "$(count /myjvn)$(count /kev.json)$(count /data/v1/epss)" 000

# Stale (max age 0, one second later): everything asked again; NVD's
# 429 then 403 are each waited out for one (tiny) window.
write_ini 0
sleep 1
ctl POST /__fault '{"path": "/rest", "status": 429, "count": 1}' >/dev/null
ctl POST /__fault '{"path": "/rest", "status": 403, "count": 1,
    "after": 1}' >/dev/null
run 0 "$CP" vuln lookup "$NGINX"
lacks "$T/err" warning
has "$T/out" "105 CVE(s)"
same "$(count /rest/json/cves/2.0)" 5
same "$(count /kev.json)$(count /myjvn)" 13

# NVD refusing on and on: a warning with the reason, the cache served.
ctl POST /__reset >/dev/null
sleep 1
ctl POST /__fault '{"path": "/rest", "status": 403, "count": 9}' >/dev/null
run 0 "$CP" vuln lookup "$NGINX"
has "$T/err" "warning: not refreshed, cached data used: NVD"
has "$T/err" "HTTP 403 (NVD's rate limit"
has "$T/out" "105 CVE(s)"
same "$(count /rest/json/cves/2.0)" 3

# A malformed second page: nothing written, a clear error.
ctl POST /__reset >/dev/null
run 0 "$CP" --json vuln status
grep -o '"nvd": {[^}]*}' "$T/out" | sed 's/"age_seconds": [0-9]*//' \
    >"$T/before"
sleep 1
ctl POST /__fault '{"path": "/rest", "status": 200, "body": "{not json",
    "after": 1}' >/dev/null
run 0 "$CP" vuln lookup "$NGINX"
has "$T/err" "NVD:"
has "$T/err" "(page 2); the cache is unchanged"
has "$T/out" "105 CVE(s)"
run 0 "$CP" --json vuln status
grep -o '"nvd": {[^}]*}' "$T/out" | sed 's/"age_seconds": [0-9]*//' \
    >"$T/after"
same "$(cat "$T/before")" "$(cat "$T/after")"

# Down: every source warns, the cache is served with its age.
stop_fake
sleep 1	# (max age 0: stale one second later)
run 0 "$CP" vuln lookup "$NGINX"
has "$T/err" "cached data used: NVD"
has "$T/err" "cached data used: KEV"
has "$T/err" "cached data used: MyJVN"
has "$T/out" "105 CVE(s)"
has "$T/out" "Age of the data: NVD"
finish
