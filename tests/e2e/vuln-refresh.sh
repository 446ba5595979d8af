#!/bin/sh
# vuln-refresh.sh - "cloudpatrol vuln refresh": the products the portal's
# latest scans identified are looked up online in tests/fakes/fakevuln.py,
# so that "report asm" (which reads the cache only) lists their CVEs with
# CVSS, EPSS, KEV and JVN; a product seen without its version is left out;
# a source that is down makes the exit status 1 while the report keeps the
# cached data; bad input.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"
PY=${CP_PYTHON3:-/usr/bin/python3}
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null || :; done; rm -rf "$T"' EXIT

# wait_file FILE PID: until FILE exists (or PID died).
wait_file() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		if [ "$i" -gt 600 ] || ! kill -0 "$2" 2>/dev/null; then
			echo "FAIL: $1 was not written"
			cat "$T"/*.log 2>/dev/null || :
			exit 1
		fi
		sleep 0.05
	done
}
"$PY" "$CP_TOP_SRCDIR/tests/fakes/fakevuln.py" --port-file "$T/vport" \
    --quiet >"$T/fake.log" 2>&1 &
FAKE=$!
pids="$pids $FAKE"
# Three web services: nginx 1.22.0; Outlook on the web of Exchange 2019
# CU8 (IIS, ASP.NET without a version), whose web root redirects to /owa/
# where X-OWA-Version is sent; and a site redirecting to the Exchange's
# port, a redirect to another place, which the scan must not follow.
# Every request is logged as "PORT PATH" in $T/hits.
"$PY" - "$T/sports" "$T/hits" >"$T/services.log" 2>&1 <<'PY' &
import http.server, os, sys, threading
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def version_string(self): return self.server.hdr["Server"]
    def do_GET(self):
        with lock, open(sys.argv[2], "a") as f:
            f.write("%d %s\n" % (self.server.server_address[1], self.path))
        hdr = dict(self.server.hdr)
        status = 200
        to = self.server.to.get(self.path)
        if to is not None:
            status = 302
            hdr = {"Server": hdr["Server"], "Location": to(self.server)}
        elif self.path == "/owa/" or "X-OWA-Version" not in hdr:
            pass
        else:
            hdr.pop("X-OWA-Version")
        body = b"<html><head><title>t</title></head></html>"
        self.send_response(status)
        for k, v in hdr.items():
            if k != "Server": self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
ports, servers = [], []
for hdr, to in (({"Server": "nginx/1.22.0"}, {}),
                ({"Server": "Microsoft-IIS/10.0", "X-Powered-By": "ASP.NET",
                  "X-OWA-Version": "15.2.792.3"},
                 {"/": lambda s: "/owa/"}),
                ({"Server": "Microsoft-IIS/10.0"},
                 {"/": lambda s: "http://127.0.0.1:%d/owa/"
                  % servers[1].server_address[1]})):
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    s.hdr, s.to = hdr, to
    threading.Thread(target=s.serve_forever, daemon=True).start()
    servers.append(s)
    ports.append(str(s.server_address[1]))
open(sys.argv[1] + ".tmp", "w").write(",".join(ports) + "\n")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
threading.Event().wait(600)
PY
pids="$pids $!"
wait_file "$T/vport" "$FAKE"
wait_file "$T/sports" "$!"
VPORT=$(cat "$T/vport")
PORTS=$(cat "$T/sports")
ctl() {
	"$PY" - "$VPORT" "$@" <<'PY'
import sys, urllib.request
port, method, path = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path),
                             method=method)
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}

mkdir -p "$T/plugins"
cp "$CP_TOP_BUILDDIR/plugins/asm-active/.libs/asm-active.so" "$T/plugins/"
# write_ini MAX-AGE [ONLINE]
write_ini() {
	cat >"$T/cp.ini" <<INI
[core]
state_dir = $T/state
plugin_dirs = $T/plugins
language = en

[plugin:asm-active]
allow = loopback
cpe_table = $CP_TOP_SRCDIR/plugins/asm-active/cpe.tsv
timeout_ms = 500

[vuln]
nvd_url  = http://127.0.0.1:$VPORT/rest/json/cves/2.0
epss_url = http://127.0.0.1:$VPORT/data/v1/epss
kev_url  = http://127.0.0.1:$VPORT/kev.json
jvn_url  = http://127.0.0.1:$VPORT/myjvn
nvd_window = 0.05
nvd_max_age = $1
epss_max_age = $1
kev_max_age = $1
jvn_max_age = $1
online = ${2:-yes}
INI
}
write_ini 1h
export CLOUDPATROL_CONFIG="$T/cp.ini"
run 0 "$CP" portal add acme

# Nothing scanned yet: nothing to look up, no request made.
run 0 "$CP" vuln refresh
has "$T/out" "No product identified yet"
same "$(ctl GET /__requests)" "[]"

run 0 "$CP" asm target add 127.0.0.1
run 0 "$CP" asm scan --active --ports "$PORTS" 127.0.0.1
has "$T/out" "cpe:2.3:a:f5:nginx:1.22.0"
# The Exchange's redirect was followed once, to its own /owa/; the other
# site's redirect to the Exchange's port was not.
OWA=$(echo "$PORTS" | cut -d, -f2)
DECOY=$(echo "$PORTS" | cut -d, -f3)
same "$(grep -c "^$OWA /owa/\$" "$T/hits")" 1
same "$(grep -c "^$DECOY " "$T/hits")" 1
run 0 "$CP" --json asm scan --active --ports "$OWA,$DECOY" 127.0.0.1
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
ports = [p for t in (d if isinstance(d, list) else [d])
         for p in (t.get("ports") or [t])]
for p in sorted(ports, key=lambda p: p.get("port", 0)):
    h = p.get("http", {})
    r = h.get("redirect", {})
    print(p.get("port"), h.get("status"), r.get("path"), r.get("status"),
          r.get("owa_version"))
' "$T/out" >"$T/redirects" 2>&1 || :
if [ "$OWA" -lt "$DECOY" ]; then
	same "$(cat "$T/redirects")" "$OWA 302 /owa/ 200 15.2.792.3
$DECOY 302 None None None"
else
	same "$(cat "$T/redirects")" "$DECOY 302 None None None
$OWA 302 /owa/ 200 15.2.792.3"
fi
# Before the refresh the report says what is missing and how to get it.
run 0 "$CP" report asm -o "$T/before.csv"
has "$T/before.csv" "no vulnerability data cached for this product (cloudpatrol vuln refresh"

run 0 "$CP" vuln refresh
has "$T/out" "cpe:2.3:a:f5:nginx:1.22.0:*:*:*:*:*:*:*: 1 CVE(s)"
has "$T/out" "cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_8:*:*:*:*:*:*: 1 CVE(s)"
has "$T/out" "cpe:2.3:a:microsoft:asp.net:*:*:*:*:*:*:*:*: version not disclosed, not looked up"
has "$T/out" "3 product(s) looked up, 2 CVE(s) in all"
# NVD was asked for the three products with a version, never for ASP.NET.
ctl GET /__requests >"$T/requests"
same "$("$PY" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(len([x for x in r if x["path"] == "/rest/json/cves/2.0"]))' \
    "$T/requests")" 3
lacks "$T/requests" "asp.net"

run 0 "$CP" report asm -o "$T/asm.csv"
has "$T/out" "(5 row(s))"
"$PY" - "$T/asm.csv" >"$T/check" <<'PY'
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.DictReader(f))
got = sorted((r["CVE"], r["CVSS"], r["Severity"], r["KEV"], r["JVN ID"],
              bool(r["EPSS"]), r["Note"]) for r in rows)
want = sorted([
    ("", "", "", "", "", False, "no known CVE in the cache"),
    ("", "", "", "", "", False, "no known CVE in the cache"),
    ("", "", "", "", "", False, "version not disclosed: CVEs not matched"),
    ("CVE-2021-26855", "9.8", "CRITICAL", "yes", "JVNDB-2021-026855", True,
     ""),
    ("CVE-2022-41741", "7.8", "HIGH", "no", "JVNDB-2022-041741", True, ""),
])
if got != want:
    print("got  %r\nwant %r" % (got, want))
PY
same "$(cat "$T/check")" ""

# One target only, as JSON.
run 0 "$CP" --json vuln refresh --target 127.0.0.1
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["portal"], len(d["products"]), d["failed"],
      sorted(p["cpe"].split(":")[4] for p in d["products"] if p["refreshed"]))
' "$T/out" >"$T/sum"
same "$(cat "$T/sum")" "acme 4 0 ['exchange_server', 'internet_information_services', 'nginx']"

# Stale and the server down: exit 1 naming what was not refreshed; the
# report still lists the cached CVEs.
kill "$FAKE"
wait "$FAKE" 2>/dev/null || :
write_ini 0
sleep 1
run 1 "$CP" vuln refresh
has "$T/err" "cpe:2.3:a:f5:nginx:1.22.0:*:*:*:*:*:*:*: not refreshed: "
has "$T/err" "3 product(s) not refreshed (see above)"
has "$T/out" "cpe:2.3:a:f5:nginx:1.22.0:*:*:*:*:*:*:*: 1 CVE(s) (cached, not refreshed)"
run 0 "$CP" report asm -o "$T/after.csv"
has "$T/after.csv" "CVE-2022-41741"
has "$T/after.csv" "CVE-2021-26855"

# Bad input.
run 1 "$CP" vuln refresh --target 10.9.9.9
has "$T/err" "10.9.9.9 is not a target of portal acme"
run 2 "$CP" vuln refresh --target 'a b'
run 2 "$CP" vuln refresh extra
has "$T/err" "takes no argument 'extra'"
run 2 "$CP" vuln refresh --bogus
write_ini 1h no
run 1 "$CP" vuln refresh
has "$T/err" "online = no"
run 0 "$CP" --lang ja vuln --help
has "$T/out" "refresh [--target TARGET]"
finish
