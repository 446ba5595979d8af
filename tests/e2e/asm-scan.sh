#!/bin/sh
# asm-scan.sh - the active scan against real things on 127.0.0.1: Debian's
# nginx with HTTP, HTTPS (a test CA, a certificate with SANs) and two
# virtual hosts, an SSH-like banner service, and hostile peers (an endless
# banner, binary garbage, a 100 MB header, a stalled TLS handshake); the
# refusals (unregistered target, loopback without allow, bad port set);
# the audit trail.  With CP_ASM_NMAP=1 (asm-nmap.sh, plain build only) the
# open ports and nginx's product/version are compared with nmap -sT -sV.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"
PY=${CP_PYTHON3:-/usr/bin/python3}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ] || ! command -v openssl >/dev/null; then
	echo "SKIP: nginx or openssl is missing (quickstart.sh installs them)"
	exit 77
fi
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null || :; done; rm -rf "$T"' EXIT

# The test CA and a server certificate for a.test, b.test and 127.0.0.1.
mkdir -p "$T/pki" "$T/ng/logs" "$T/plugins"
cd "$T/pki"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt \
    -days 30 -subj "/CN=CloudPatrol Test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr \
    -subj "/CN=a.test/O=CloudPatrol Tests" 2>/dev/null
printf 'subjectAltName=DNS:a.test,DNS:b.test,IP:127.0.0.1\n' >ext.cnf
openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
    -out srv.crt -days 30 -extfile ext.cnf 2>/dev/null
cd - >/dev/null

free_ports() {
	"$PY" -c 'import socket
ss=[socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))'
}
set -- $(free_ports)
HTTP=$1 HTTPS=$2
cat >"$T/ng/nginx.conf" <<NG
daemon off;
master_process off;
pid $T/ng/nginx.pid;
error_log $T/ng/logs/error.log;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $T/ng/tmp;
	proxy_temp_path $T/ng/tmp;
	fastcgi_temp_path $T/ng/tmp;
	uwsgi_temp_path $T/ng/tmp;
	scgi_temp_path $T/ng/tmp;
	server {
		listen 127.0.0.1:$HTTP default_server;
		server_name a.test;
		location / { default_type text/html;
			return 200 "<html><head><title>Site A</title></head></html>"; }
	}
	server {
		listen 127.0.0.1:$HTTP;
		server_name b.test;
		location / { default_type text/html;
			return 200 "<html><head><title>Site B</title></head></html>"; }
	}
	server {
		listen 127.0.0.1:$HTTPS ssl;
		server_name a.test;
		ssl_certificate $T/pki/srv.crt;
		ssl_certificate_key $T/pki/srv.key;
		location / { default_type text/html;
			return 200 "<html><head><title>Secure A</title></head></html>"; }
	}
}
NG
mkdir -p "$T/ng/tmp"
"$NGINX" -p "$T/ng" -c "$T/ng/nginx.conf" &
pids="$pids $!"
"$PY" "$CP_TOP_SRCDIR/tests/e2e/asm/peers.py" "$T/peers" &
pids="$pids $!"
i=0
while [ ! -f "$T/peers" ] || ! "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $HTTPS), 1)" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "FAIL: nginx or peers did not start"; cat "$T/ng/logs/error.log"; exit 1; }
	sleep 0.1
done
port_of() { awk -v n="$1" '$1 == n { print $2 }' "$T/peers"; }
SSH=$(port_of ssh)
HOSTILE="$(port_of endless),$(port_of garbage),$(port_of bigheader),$(port_of stalltls)"

cp "$CP_TOP_BUILDDIR/plugins/asm-active/.libs/asm-active.so" "$T/plugins/"
write_ini() {
	cat >"$T/cp.ini" <<INI
[core]
state_dir = $T/state
plugin_dirs = $T/plugins
language = en

[plugin:asm-active]
$1
resolve = a.test=127.0.0.1, b.test=127.0.0.1
cpe_table = $CP_TOP_SRCDIR/plugins/asm-active/cpe.tsv
top_ports = $CP_TOP_SRCDIR/plugins/asm-active/top-ports.txt
banner_wait_ms = 300
io_timeout_ms = 1500
timeout_ms = 500
INI
}
write_ini "allow = loopback"
export CLOUDPATROL_CONFIG="$T/cp.ini"
run 0 "$CP" portal add acme
run 0 "$CP" asm target add 127.0.0.1 a.test b.test
run 0 "$CP" asm target list
has "$T/out" "a.test"

# Refusals.
run 1 "$CP" asm scan --active --ports "$HTTP" 127.0.0.2
has "$T/err" "127.0.0.2 is not a target of portal acme"
run 2 "$CP" asm scan --active --ports 70000 127.0.0.1
has "$T/err" "bad port set item '70000'"
run 1 "$CP" asm target add 169.254.169.254
has "$T/err" "never scanned"
run 1 "$CP" asm target add 10.0.0.0/8
has "$T/err" "split it"
write_ini ""
run 1 "$CP" asm scan --active --ports "$HTTP" 127.0.0.1
has "$T/err" "refused unless [plugin:asm-active] allow names loopback"
write_ini "allow = loopback"

# The scan.
PORTS="$HTTP,$HTTPS,$SSH"
run 0 "$CP" --json asm scan --active --ports "$PORTS,1-1024" 127.0.0.1 a.test b.test
cp "$T/out" "$T/scan.json"
check() {
	checks=$((checks + 1))
	if ! "$PY" - "$T/scan.json" "$@" >"$T/check" 2>&1; then
		failures=$((failures + 1))
		echo "FAIL: check $1"
		sed 's/^/  | /' "$T/check"
	fi
}
check "observations" "$HTTP" "$HTTPS" "$SSH" <<'EOF_PY'
import json, sys
obs = json.load(open(sys.argv[1]))
http, https, ssh = (int(p) for p in sys.argv[3:6])
def one(target, port):
    m = [o for o in obs if o["target"] == target and o["port"] == port]
    assert len(m) == 1, (target, port, m)
    return m[0]
ports = sorted({o["port"] for o in obs if o["target"] == "127.0.0.1"})
assert set([http, https, ssh]) <= set(ports), ports
a = one("a.test", http); b = one("b.test", http)
assert a["service"] == "http" and a["http"]["status"] == 200, a
assert a["http"]["title"] == "Site A", a
assert b["http"]["title"] == "Site B", b
assert a["http"]["server"].startswith("nginx/"), a
ver = a["http"]["server"].split("/")[1].split()[0]
assert "cpe:2.3:a:f5:nginx:%s:*:*:*:*:*:*:*" % ver in a["cpe"], a
s = one("a.test", https)
assert s["service"] == "https" and s["http"]["title"] == "Secure A", s
t = s["tls"]
assert t["protocol"].startswith("TLSv1"), t
assert "CN=a.test" in t["subject"], t
assert "CN=CloudPatrol Test CA" in t["issuer"], t
assert t["sans"] == ["DNS:a.test", "DNS:b.test", "IP:127.0.0.1"], t
assert t["key_type"] == "RSA" and t["key_bits"] == 2048, t
assert t["signature_algorithm"] == "sha256WithRSAEncryption", t
assert t["self_signed"] is False and t["expired"] is False, t
assert t["name_mismatch"] is False, t
assert t["not_after"].endswith("Z"), t
h = one("127.0.0.1", ssh)
assert h["service"] == "ssh", h
assert h["banner"] == "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", h
assert h["cpe"] == ["cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*"], h
print("ok")
EOF_PY

# Hostile peers: the scan ends, bounded, and says what it saw.
start=$(date +%s)
run 0 "$CP" --json asm scan --active --ports "$HOSTILE" 127.0.0.1
end=$(date +%s)
same "$((end - start < 15))" 1
cp "$T/out" "$T/scan.json"
check "hostile" "$(port_of endless)" "$(port_of garbage)" "$(port_of bigheader)" "$(port_of stalltls)" <<'EOF_PY'
import json, sys
obs = {o["port"]: o for o in json.load(open(sys.argv[1]))}
endless, garbage, big, stall = (int(p) for p in sys.argv[3:7])
assert set(obs) == {endless, garbage, big, stall}, obs.keys()
assert len(obs[endless]["banner"]) <= 1024, obs[endless]
assert "\\x00" in obs[garbage]["banner"] and len(obs[garbage]["banner"]) <= 5000
assert obs[big]["http"]["headers_truncated"] is True, obs[big]
assert obs[stall]["service"] == "unknown" and "tls" not in obs[stall]
print("ok")
EOF_PY

# The audit trail: every scan, the refused ones too.
run 0 "$CP" --json asm scans
cp "$T/out" "$T/scan.json"
check "audit" <<'EOF_PY'
import json, sys, pwd, os
s = json.load(open(sys.argv[1]))
assert [x["status"] for x in s] == ["ok", "ok", "refused", "refused"], s
assert s[1]["targets"] == ["127.0.0.1", "a.test", "b.test"], s[1]
assert s[1]["user_agent"] == "CloudPatrol-Scanner/1.0", s[1]
assert s[1]["source"] == "127.0.0.1", s[1]
assert s[1]["who"] == pwd.getpwuid(os.geteuid()).pw_name, s[1]
assert s[1]["open_ports"] >= 5, s[1]
print("ok")
EOF_PY

if [ "${CP_ASM_NMAP:-0}" = 1 ]; then
	if ! command -v nmap >/dev/null; then
		echo "SKIP: nmap is missing"; exit 77
	fi
	nmap -sT -sV --version-light -n -Pn -p "$HTTP,$HTTPS,$SSH" -oX - \
	    127.0.0.1 >"$T/nmap.xml" 2>/dev/null
	run 0 "$CP" --json asm scan --active --ports "$HTTP,$HTTPS,$SSH" 127.0.0.1
	cp "$T/out" "$T/scan.json"
	check "nmap" "$T/nmap.xml" "$HTTP" <<'EOF_PY'
import json, sys
import xml.etree.ElementTree as ET
ours = json.load(open(sys.argv[1]))
root = ET.parse(sys.argv[3]).getroot()
theirs = {}
for p in root.iter("port"):
    if p.find("state").get("state") == "open":
        svc = p.find("service")
        theirs[int(p.get("portid"))] = (svc.get("product"), svc.get("version"))
assert {o["port"] for o in ours} == set(theirs), (ours, theirs)
http = int(sys.argv[4])
o = [o for o in ours if o["port"] == http][0]
prod, ver = o["http"]["server"].split()[0].split("/")
assert (prod, ver) == theirs[http], (prod, ver, theirs[http])
print("ok")
EOF_PY
fi
finish
