#!/bin/sh
# inspect.sh - the whole patrol on a fixture estate (testcloud): inspect,
# change the estate, inspect again; findings, history, the outbox and
# remediation show exactly the expected opens, resolutions, suppressions,
# exclusions and the remediation ceiling.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

estate="$CP_TOP_SRCDIR/tests/e2e/estate"
PY=${CP_PYTHON3:-/usr/bin/python3}
mkdir -p "$T/plugins"
cp "$CP_TOP_BUILDDIR/tests/fakes/.libs/testcloud.so" "$T/plugins/"
cat >"$T/cp.ini" <<INI
[core]
state_dir = $T/state
plugin_dirs = $T/plugins
policy_dirs = $CP_TOP_SRCDIR/tests/e2e/policies
language = en
remediation_ceiling = 1
INI
export CLOUDPATROL_CONFIG="$T/cp.ini"

cloud="$T/cloud"
unit="$cloud/units/111111111111"
mkdir -p "$unit"
echo "tok" >"$cloud/token"
echo "111111111111" >"$cloud/account"
touch "$cloud/remediation"
echo '{"name": "production"}' >"$unit/unit.json"
cp "$estate/resources-1.json" "$unit/resources.json"
printf 'tok\n' >"$T/token"
chmod 600 "$T/token"

# sql QUERY: one value from the store (read-only).
sql() {
	"$PY" -c 'import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(db.execute(sys.argv[2]).fetchone()[0])' "$T/state/cloudpatrol.db" "$1"
}

run 0 "$CP" portal add acme
run 0 "$CP" env add testcloud prod --fixtures "$cloud" --token-file "$T/token"
has "$T/out" "remediation enabled, 1 unit(s)"
run 0 "$CP" status
has "$T/out" "never inspected"
has "$T/out" "Status: healthy"
run 0 "$CP" policy list
has "$T/out" "TC-001"
has "$T/out" "Storage bucket readable by anyone"

# Run 1: five risks open, five notifications queued.
run 0 "$CP" inspect
has "$T/out" "prod/111111111111: 9 resources, 3 policies (0 undecided); findings: 5 opened, 0 still open, 0 resolved; 5 notified"
run 0 "$CP" --json findings
for r in rule-ssh-open rule-admin-range bucket-public user-alice user-carol; do
	has "$T/out" "\"resource\": \"$r\""
done
lacks "$T/out" "rule-ssh-office"
lacks "$T/out" "user-bob"
same "$(sql "SELECT count(*) FROM outbox WHERE kind = 'notify'")" 5
same "$(sql "SELECT count(*) FROM outbox WHERE kind = 'remediate'")" 0
same "$(sql "SELECT count(*) FROM scans WHERE status = 'ok'")" 1

# A second run with nothing changed: still open, nothing sent again.
run 0 "$CP" inspect
has "$T/out" "findings: 0 opened, 5 still open, 0 resolved; 0 notified"
same "$(sql "SELECT count(*) FROM outbox WHERE kind = 'notify'")" 5

# Change the estate: the bucket is fixed, the admin range is gone, three
# new open rules appear (one of them excluded), the identity collector
# fails, and TC-001 may now remediate.
cp "$estate/resources-2.json" "$unit/resources.json"
cp "$estate/collector-errors-identity.json" "$unit/collector-errors.json"
run 0 "$CP" policy set TC-001 --remediate on
run 2 "$CP" policy set TC-002 --remediate on
has "$T/err" "only notifies"
run 2 "$CP" policy set TC-001 --param port=70000
has "$T/err" "port"
run 0 "$CP" exclude add rule-excluded --memo "lab network, torn down monthly"
run 0 "$CP" exclude list
has "$T/out" "lab network"

# Run 3: TC-003 cannot decide (exit 1), so alice and carol stay open.
run 1 "$CP" inspect
has "$T/out" "3 policies (1 undecided); findings: 3 opened, 1 still open, 2 resolved; 2 notified"
has "$T/out" "1 excluded; remediation: 2 queued, 1 done"
has "$T/out" "1 held"
run 0 "$CP" --json findings
for r in rule-ssh-open rule-rdp-new-1 rule-rdp-new-2 rule-excluded user-alice user-carol; do
	has "$T/out" "\"resource\": \"$r\""
done
lacks "$T/out" "bucket-public"
same "$(sql "SELECT count(*) FROM outbox WHERE kind = 'notify' AND json_extract(payload, '$.type') = 'risk'")" 7
same "$(sql "SELECT count(*) FROM notifications WHERE resource = 'rule-excluded'")" 0
# Resolved at the last detection plus one hour (R-RSK-2).
same "$(sql "SELECT resolved_at - last_seen FROM findings WHERE resource = 'bucket-public'")" 3600
# Exactly one remediation reached the cloud: the ceiling held the other.
same "$(wc -l <"$unit/remediations.jsonl" | tr -d ' ')" 1
same "$(sql "SELECT count(*) FROM remediations WHERE status = 'done'")" 1
same "$(sql "SELECT count(*) FROM remediations WHERE status = 'held'")" 1
run 0 "$CP" history
has "$T/out" "remediation"
has "$T/out" "revoke-rule"

# A dry run changes nothing in the cloud.
rm "$unit/collector-errors.json"
run 0 "$CP" inspect --remediation-dry-run
same "$(wc -l <"$unit/remediations.jsonl" | tr -d ' ')" 1

# A collection that fails changes no finding (R-INS-7).
open_before=$(sql "SELECT count(*) FROM findings WHERE resolved_at IS NULL")
echo "cloud unreachable" >"$unit/fail"
run 1 "$CP" inspect
has "$T/out" "not inspected"
same "$(sql "SELECT count(*) FROM findings WHERE resolved_at IS NULL")" "$open_before"
same "$(sql "SELECT count(*) FROM scans WHERE status = 'error'")" 1
# The health view shows it, and says so in its exit status (R-OPS-1).
run 1 "$CP" status
has "$T/out" "collection failed"
has "$T/out" "Status: NOT healthy"
run 1 "$CP" --json status
has "$T/out" '"healthy": false'
has "$T/out" '"status": "error"'
rm "$unit/fail"

# The risk report.  TC-003 now tolerates 30000 idle days, so carol is
# fine for the portal (resolved at the next inspection) but still fails
# the pack's own rule: a "below the threshold" row.
run 0 "$CP" policy set TC-003 --param max_idle_days=30000
run 0 "$CP" inspect
has "$T/out" "1 resolved"
run 0 "$CP" report risk --variant A -o "$T/risk-a.csv"
has "$T/out" "wrote $T/risk-a.csv (1 unit(s))"
# csvq FILE: prints each row as "first|second|...", BOM checked.
csvq() {
	"$PY" -c 'import csv, sys
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no BOM"
for row in csv.reader(raw.decode("utf-8-sig").splitlines()):
    print("|".join(row))' "$1"
}
csvq "$T/risk-a.csv" >"$T/a.txt"
has "$T/a.txt" "Environment|Cloud|Unit|Policy ID|Policy|Category|Severity|Resource ID"
# By hand, on the last snapshot with the portal's settings:
#   TC-001 port 22: ssh-open, rdp-new-1, rdp-new-2, excluded fail;
#                   ssh-office, web pass                    -> 2 pass, 4 fail
#   TC-002: both buckets private now                        -> 2 pass
#   TC-003 (idle <= 30000): alice fails (no MFA); bob, carol -> 2 pass, 1 fail
#   score = 6 / (6 + 5) = 54.5 %
has "$T/a.txt" "Risk diagnosis A|prod|testcloud|111111111111|6|5|0|54.5%"
same "$(grep -c '|at risk|' "$T/a.txt")" 5
has "$T/a.txt" "prod|testcloud|111111111111|TC-001|Administrative port open to the whole internet|exposure|high|rule-ssh-open|ssh from anywhere|at risk|0.0.0.0/0:22|source=any port=22|"
has "$T/a.txt" "|TC-003|User signs in without multi-factor authentication|account-management|medium|user-carol|carol|below the portal's threshold|"
has "$T/a.txt" "below the threshold set for immediate notification: not notified"
has "$T/a.txt" "|rule-excluded|lab|at risk|"
has "$T/a.txt" "excluded: not notified"
has "$T/a.txt" "revoke-rule: done"
lacks "$T/a.txt" "bucket-public"
run 0 "$CP" --lang ja report risk --variant B -o "$T/risk-b.csv"
csvq "$T/risk-b.csv" >"$T/b.txt"
has "$T/b.txt" "A. 現在の状態 / B. 通知・修復履歴|環境|クラウド"
same "$(grep -c '^B. 通知・修復履歴|' "$T/b.txt")" 3
has "$T/b.txt" "B. 通知・修復履歴|prod|testcloud|111111111111|TC-002|誰でも読めるストレージバケット|危険な公開|緊急|bucket-public|press-kit|修復済み|"
has "$T/b.txt" "|rule-admin-range|"
has "$T/b.txt" "リスク診断 B|prod|testcloud|111111111111|6|5|0|54.5%"
# The resolution time in B is the last detection plus one hour.
resolved=$(sql "SELECT strftime('%Y-%m-%d %H:%M:%S', resolved_at, 'unixepoch') FROM findings WHERE resource = 'bucket-public'")
has "$T/b.txt" "$resolved"
run 0 "$CP" report risk --variant A --no-bom -o - --env prod --unit 111111111111
has "$T/out" "Risk diagnosis A,prod,testcloud,111111111111,6,5,0,54.5%"
run 2 "$CP" report risk --variant C -o "$T/x.csv"
run 2 "$CP" report risk --variant A
has "$T/err" "needs -o FILE"
run 1 "$CP" report risk --variant A --format xlsx -o "$T/x.xlsx"
has "$T/err" "no report writer for format 'xlsx'"
run 2 "$CP" report risk --variant A --format ods -o "$T/x.ods"
run 2 "$CP" report bulk -o "$T/x.csv"
has "$T/err" "give -o FILE.xlsx"
run 1 "$CP" report risk --variant A --env prod --unit 999 -o "$T/none.csv"
has "$T/err" "portal acme has no unit '999'"
# A unit alone, and the language after the command.
run 0 "$CP" report risk --variant A --unit 111111111111 --no-bom --lang ja \
    -o -
has "$T/out" "リスク診断 A,prod,testcloud,111111111111,6,5,0,54.5%"
run 1 "$CP" report risk --variant A --unit 999 -o "$T/none.csv"
has "$T/err" "portal acme has no unit '999'"
# The same unit in a second environment: --unit alone is ambiguous.
run 0 "$CP" env add testcloud prod2 --fixtures "$cloud" --token-file "$T/token"
run 1 "$CP" report risk --variant A --unit 111111111111 -o "$T/none.csv"
has "$T/err" "unit '111111111111' is in environments 'prod' and 'prod2': give --env"
run 0 "$CP" env remove prod2 --yes
run 2 "$CP" report risk --variant A --all --unit 111111111111 -o -
has "$T/err" "--all excludes --env and --unit"
run 2 "$CP" report risk --variant A --lang fr -o -
checks=$((checks + 1))
if [ -e "$T/none.csv" ]; then
	failures=$((failures + 1))
	echo "FAIL: a failed report left a file"
fi
# A full disk: standard output on /dev/full fails the report (a file on a
# full disk is in tests/unit/report/test_report.c).
run 1 sh -c 'exec "$0" "$@" >/dev/full' "$CP" report risk --variant B -o -
has "$T/err" "report risk: No space left on device"
same "$(ls "$T" | grep -c -e '\.tmp-' || true)" 0

# The bucket turns public again within 7 days of its fix: the same risk on
# the same resource opens again but is not notified again (R-NOT-3).
"$PY" -c 'import json, sys
rs = json.load(open(sys.argv[1]))
for r in rs:
    if r["id"] == "bucket-public":
        r["raw"]["public"] = True
json.dump(rs, open(sys.argv[2], "w"))' "$estate/resources-2.json" "$unit/resources.json"
notices=$(sql "SELECT count(*) FROM notifications WHERE resource = 'bucket-public'")
run 0 "$CP" inspect
has "$T/out" "findings: 1 opened"
has "$T/out" "0 notified, 1 suppressed"
same "$(sql "SELECT count(*) FROM notifications WHERE resource = 'bucket-public'")" "$notices"
same "$(sql "SELECT count(*) FROM findings WHERE resource = 'bucket-public'")" 2

# A disabled policy is not watched: out of the report and the score.
run 0 "$CP" policy set TC-002 --disable
run 0 "$CP" report risk --variant B -o - --no-bom
lacks "$T/out" "TC-002"
run 0 "$CP" policy set TC-002 --reset
run 0 "$CP" policy set TC-002 --reset
run 1 "$CP" report risk --variant A -o - --env prod --unit 999
run 1 "$CP" report risk --variant A -o - --env nosuch
has "$T/err" "portal acme has no environment 'nosuch'"
run 0 "$CP" --json report risk --variant A -o "$T/j.csv"
has "$T/out" '"units": 1'

# remediation_ceiling = 0 turns automatic remediation off.
sed -i 's/^remediation_ceiling = 1$/remediation_ceiling = 0/' "$T/cp.ini"
before=$(wc -l <"$unit/remediations.jsonl")
"$PY" -c 'import json, sys
rs = json.load(open(sys.argv[1]))
rs.append({"type": "testcloud/firewall-rule", "id": "rule-late", "name": "late",
           "region": "tokyo", "raw": {"direction": "ingress", "action": "allow",
           "source": "0.0.0.0/0", "ports": "22"}})
json.dump(rs, open(sys.argv[1], "w"))' "$unit/resources.json"
run 0 "$CP" inspect
has "$T/out" "remediation: 1 queued, 0 done"
same "$(wc -l <"$unit/remediations.jsonl")" "$before"

run 2 "$CP" exclude list --memo x
has "$T/err" "--memo goes with exclude add"
run 2 "$CP" exclude frob x
has "$T/err" "unknown exclude command 'frob'"
run 2 "$CP" inspect prod 111111111111 extra
run 1 "$CP" inspect nosuch
has "$T/err" "no environment 'nosuch'"

finish
