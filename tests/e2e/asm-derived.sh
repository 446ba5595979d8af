#!/bin/sh
# asm-derived.sh - the targets a portal gets from its snapshots, through
# the CLI: the fake AWS serves tests/e2e/estate/asm-aws (an instance whose
# public address is 127.0.0.2 with a DNS name, one on 198.51.100.7, an
# Elastic IP on the private 10.9.9.9); after an inspection, 'asm target
# list' shows them with their source; 198.51.100.7 is excluded before any
# scan (so no packet leaves loopback), and 'asm scan --active' with no
# target finds the port a listener opened on 127.0.0.2, skipping the
# private address with a note; refusals and the audit trail.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"
. "$CP_TOP_SRCDIR/tests/fakes/aws/fake.sh"
ESTATE="$CP_TOP_SRCDIR/tests/e2e/estate/asm-aws"
LISTENER=
stop_all() {
	[ -z "$LISTENER" ] || kill "$LISTENER" 2>/dev/null || :
	stop_fake
	rm -rf "$T"
}
trap stop_all EXIT

# A banner service on 127.0.0.2 (a free port); its port in $T/lport.
"$PY" - "$T/lport" <<'PY' &
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.2", 0))
s.listen(16)
tmp = sys.argv[1] + ".tmp"
with open(tmp, "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(tmp, sys.argv[1])
while True:
    c, _ = s.accept()
    try:
        c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    except OSError:
        pass
    c.close()
PY
LISTENER=$!
i=0
while [ ! -s "$T/lport" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "FAIL: the listener did not start"; exit 1; }
	sleep 0.1
done
LPORT=$(cat "$T/lport")

start_fake --estate "$ESTATE"
write_ini() {
	cat >"$T/cp.ini" <<INI
[core]
state_dir = $T/state
log_level = error
language = en

[plugin:aws]
endpoint = $URL

[plugin:asm-active]
$1
resolve = ec2-local.example.test=127.0.0.2
cpe_table = $CP_TOP_SRCDIR/plugins/asm-active/cpe.tsv
top_ports = $CP_TOP_SRCDIR/plugins/asm-active/top-ports.txt
banner_wait_ms = 300
io_timeout_ms = 1500
timeout_ms = 500

[vuln]
online = no
INI
}
write_ini "allow = loopback"
export CLOUDPATROL_CONFIG="$T/cp.ini"
(umask 077 && printf 'asm-derived-secret-0001\n' >"$T/secret")
run 0 "$CP" portal add p --lang en
run 0 "$CP" -p p env add aws prod --access-key-id AKIAFAKEASMDERIVED01 \
    --secret-access-key-file "$T/secret"

# Before the inspection: no snapshot, no derived target, and a note.
run 0 "$CP" -p p asm target list
has "$T/err" "note: prod/210987654321: never inspected"
run 1 "$CP" -p p asm scan --active --ports "$LPORT"
has "$T/err" "portal p has no targets"

run 0 "$CP" -p p inspect
run 0 "$CP" -p p asm target add 127.0.0.9
run 0 "$CP" -p p asm target list
has "$T/out" "SOURCE"
has "$T/out" "127.0.0.9"
has "$T/out" "manual"
has "$T/out" "prod/210987654321 aws/ec2-instance"
has "$T/out" "ec2-local.example.test"
has "$T/out" "198.51.100.7"
run 0 "$CP" -p p --json asm target list
cp "$T/out" "$T/list.json"
check() {
	checks=$((checks + 1))
	if ! "$PY" - "$@" >"$T/check" 2>&1; then
		failures=$((failures + 1))
		echo "FAIL: check $2"
		sed 's/^/  | /' "$T/check"
	fi
}
check "$T/list.json" "list" <<'EOF_PY'
import json, sys
rows = json.load(open(sys.argv[1]))
by = {r["target"]: r for r in rows}
assert [r["target"] for r in rows] == ["127.0.0.9", "127.0.0.2",
    "ec2-local.example.test", "198.51.100.7", "10.9.9.9"], rows
m = by["127.0.0.9"]
assert m["origin"] == "manual" and m["source"] == "manual", m
assert m["classes"] == ["loopback"], m
d = by["127.0.0.2"]
assert d["origin"] == "snapshot" and d["kind"] == "ip", d
assert d["env"] == "prod" and d["cloud"] == "aws", d
assert d["unit"] == "210987654321", d
assert d["resource_type"] == "aws/ec2-instance", d
assert d["resource_id"].endswith("i-0a5e00000000local"), d
assert d["source"] == "prod/210987654321 aws/ec2-instance " + d["resource_id"]
assert d["classes"] == ["loopback"] and d["excluded"] is False, d
assert d["seen"].endswith("Z"), d
assert by["ec2-local.example.test"]["kind"] == "fqdn"
assert by["198.51.100.7"]["classes"] == [], by["198.51.100.7"]
assert by["10.9.9.9"]["classes"] == ["private"], by["10.9.9.9"]
assert by["10.9.9.9"]["resource_type"] == "aws/ec2-address"
print("ok")
EOF_PY

# Never scan 198.51.100.7: excluded before any scan, and refused by name.
run 0 "$CP" -p p asm target remove 198.51.100.7
has "$T/out" "excluded 198.51.100.7 (derived from prod/210987654321"
run 0 "$CP" -p p asm target remove 198.51.100.7
has "$T/out" "198.51.100.7 is excluded already"
run 1 "$CP" -p p asm scan --active --ports "$LPORT" 198.51.100.7
has "$T/err" "198.51.100.7 is excluded from the targets of portal p"
run 1 "$CP" -p p asm scan --active --ports "$LPORT" 127.0.0.3
has "$T/err" "127.0.0.3 is not a target of portal p"
run 1 "$CP" -p p asm target remove 127.0.0.3
has "$T/err" "127.0.0.3 is not a target of portal p"
run 0 "$CP" -p p --json asm target list
has "$T/out" '"excluded": true'

# Without allow, every derived target is skipped and the scan refused;
# the added 127.0.0.9 goes first, it would refuse the scan anyway.
run 0 "$CP" -p p asm target remove 127.0.0.9
has "$T/out" "removed target 127.0.0.9"
write_ini ""
run 1 "$CP" -p p asm scan --active --ports "$LPORT"
has "$T/err" "skipped derived target 10.9.9.9"
has "$T/err" "skipped derived target 127.0.0.2"
has "$T/err" "every target of portal p was skipped (3, and 0 excluded address(es))"
write_ini "allow = loopback"

# All the portal's targets: the derived ones on loopback are scanned, the
# private one is skipped with a note, the scan goes on.
run 0 "$CP" -p p --json asm scan --active --ports "$LPORT"
has "$T/err" "skipped derived target 10.9.9.9 (prod/210987654321 aws/ec2-address"
has "$T/err" "a private address: refused unless [plugin:asm-active] allow names private"
cp "$T/out" "$T/scan.json"
check "$T/scan.json" "scan" "$LPORT" <<'EOF_PY'
import json, sys
obs = json.load(open(sys.argv[1]))
port = int(sys.argv[3])
got = sorted((o["target"], o["port"], o["service"]) for o in obs)
assert got == [("127.0.0.2", port, "ssh"),
               ("ec2-local.example.test", port, "ssh")], got
print("ok")
EOF_PY
# A derived target named on the command line.
run 0 "$CP" -p p asm scan --active --ports "$LPORT" 127.0.0.2
has "$T/out" "OpenSSH_9.2p1"

# 'add' lifts the exclusion (and adds it); it is not scanned here.
run 0 "$CP" -p p asm target add 198.51.100.7
has "$T/out" "lifted the exclusion of 198.51.100.7"
run 0 "$CP" -p p asm target remove 198.51.100.7
has "$T/out" "198.51.100.7 is still derived from prod/210987654321"
run 0 "$CP" -p p asm target remove 198.51.100.7
has "$T/out" "excluded 198.51.100.7"

# So does vuln refresh: a derived target is one of the portal's (it gets
# as far as the sources, which are off here), another address is not.
run 1 "$CP" -p p vuln refresh --target 127.0.0.2
has "$T/err" "online = no"
run 1 "$CP" -p p vuln refresh --target 127.0.0.3
has "$T/err" "127.0.0.3 is not a target of portal p"

# The ASM report knows the derived target.
run 0 "$CP" -p p report asm --target 127.0.0.2 -o "$T/asm.csv"
has "$T/asm.csv" "127.0.0.2"

# The audit trail: every scan, the refused ones too.
run 0 "$CP" -p p --json asm scans
cp "$T/out" "$T/scans.json"
check "$T/scans.json" "audit" "$LPORT" <<'EOF_PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert [x["status"] for x in s] == ["ok", "ok", "refused", "refused",
                                    "refused"], s
assert s[0]["targets"] == ["127.0.0.2"], s[0]
assert s[1]["targets"] == ["127.0.0.2", "ec2-local.example.test"], s[1]
assert s[1]["n_targets"] == 2 and s[1]["open_ports"] == 2, s[1]
assert s[1]["source"] == "127.0.0.1" or s[1]["source"].startswith("127."), s[1]
assert "skipped 1 derived target(s): 10.9.9.9" in s[1]["outcome"], s[1]
assert "every target of portal p was skipped" in s[2]["outcome"], s[2]
assert s[2]["n_targets"] == 0, s[2]
assert s[3]["targets"] == ["127.0.0.3"], s[3]
assert s[4]["targets"] == ["198.51.100.7"], s[4]
assert "excluded" in s[4]["outcome"], s[4]
assert all("198.51.100.7" not in x["targets"] for x in s if x["status"] == "ok")
print("ok")
EOF_PY

# An excluded address is never probed, however it comes: as what a
# derived name resolves to, or inside an added block (the listener on
# 127.0.0.2 would show as open).  Twice in one command is fine.
run 0 "$CP" -p p asm target remove 127.0.0.2 127.0.0.2
has "$T/out" "excluded 127.0.0.2"
has "$T/out" "127.0.0.2 is excluded already"
run 1 "$CP" -p p --json asm scan --active --ports "$LPORT"
has "$T/err" "left out excluded address 127.0.0.2 (ec2-local.example.test)"
has "$T/err" "every target of portal p was skipped (1, and 1 excluded address(es))"
run 0 "$CP" -p p asm target add 127.0.0.0/30
run 0 "$CP" -p p --json asm scan --active --ports "$LPORT" 127.0.0.0/30
has "$T/err" "left out excluded address 127.0.0.2 (127.0.0.0/30)"
lacks "$T/out" "127.0.0.2"
run 0 "$CP" -p p --json asm scans
has "$T/out" "left out 1 excluded address(es)"
finish
