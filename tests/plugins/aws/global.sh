#!/bin/sh
# global.sh - the aws plugin's s3, iam, iam-credential-report, cloudtrail,
# cloudtrail-events, guardduty, cost and resource-explorer collectors
# through the real CLI against the fake AWS (a copy of the demo estate,
# pages of 2): every item of the estate in the snapshot as the contract
# says (global_snapshot.py); the credential report generated in two
# polls; the second collection sees only the events after the first;
# AccessDenied on GuardDuty fails that collector alone; no Resource
# Explorer index is Enabled false; the setup guide in both variants and
# languages (check_guide.py).
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

HERE="$CP_TOP_SRCDIR/tests/plugins/aws"
PLUGDIR="$CP_TOP_BUILDDIR/plugins/aws/.libs"
ACCOUNT=123456789012
KEY=AKIAFAKEDEMO00000001
ESTATE="$T/estate"
SNAPDB=

cp -R "$CP_TOP_SRCDIR/tests/fakes/aws/estates/demo" "$ESTATE"
chmod -R u+w "$ESTATE"

. "$CP_TOP_SRCDIR/tests/fakes/aws/fake.sh"
start_fake --estate "$ESTATE" --page-size 2

# calls ACTION: how many requests for ACTION the fake has seen.
calls() {
	ctl GET "/__requests?action=$1" | "$PY" -c 'import json, sys
print(len(json.load(sys.stdin)))'
}

# edit FILE PYTHON: changes the estate file FILE.json (as d) and reloads.
edit() {
	"$PY" - "$ESTATE/$1.json" "$2" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
exec(sys.argv[2])
with open(sys.argv[1], "w") as f:
    json.dump(d, f)
PY
	ctl POST /__reset >/dev/null
}

# snap QUERY: one value from the unit's snapshot.
snap() {
	"$PY" - "$SNAPDB" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
row = db.execute(sys.argv[2]).fetchone()
print(row[0] if row else "")
PY
}

# contract [OPTION...]: global_snapshot.py on the snapshot.
contract() {
	checks=$((checks + 1))
	if ! "$PY" "$HERE/global_snapshot.py" "$SNAPDB" "$PORT" "$@"; then
		failures=$((failures + 1))
	fi
}

mkdir -p "$T/policies"
cat >"$T/cp.ini" <<INI
[core]
state_dir = $T/state
plugin_dirs = $PLUGDIR
policy_dirs = $T/policies
language = en

[plugin:aws]
endpoint = http://127.0.0.1:$PORT
region_concurrency = 2
INI
CLOUDPATROL_CONFIG="$T/cp.ini"
export CLOUDPATROL_CONFIG
printf 'demo-secret-remediate-0001\n' >"$T/secret"
chmod 600 "$T/secret"

run 0 "$CP" portal add acme
run 0 "$CP" env add aws demo --access-key-id "$KEY" \
	--secret-access-key-file "$T/secret"
has "$T/out" "environment demo (aws $ACCOUNT) registered"

# --- The first collection: everything, the report in two polls. ------
ctl DELETE /__requests >/dev/null
run 0 "$CP" inspect
has "$T/out" "demo/$ACCOUNT:"
SNAPDB=$(ls "$T"/state/snapshots/unit-*.db)
same "$(snap "SELECT count(*) FROM collector_errors")" 0
contract --events 4
same "$(calls GenerateCredentialReport)" 2
same "$(calls GetCredentialReport)" 1
same "$(snap "SELECT count(*) FROM events WHERE type = 'aws/ConsoleLogin'")" 3
same "$(snap "SELECT count(*) FROM events WHERE type = 'aws/CreateUser'")" 1
same "$(snap "SELECT json_extract(json, '\$.CloudTrailEvent.userIdentity.type') FROM events WHERE json_extract(json, '\$.CloudTrailEvent.sourceIPAddress') = '198.51.100.77'")" Root
same "$(snap "SELECT json_extract(json, '\$.CloudTrailEvent.requestParameters.userName') FROM events WHERE type = 'aws/CreateUser'")" tmp-admin
# Paged by 2: ListUsers, ListDetectors and Search followed their pages.
checks=$((checks + 1))
if [ "$(calls ListUsers)" -lt 2 ] || [ "$(calls Search)" -lt 2 ]; then
	failures=$((failures + 1))
	echo "FAIL: the listings were not paged"
fi

# --- The second collection: only the events after the first. ---------
edit cloudtrail 'd["Events"].append({"Region": "ap-northeast-3",
  "EventId": "0e0e0e0e-1111-4222-8333-944444444444",
  "EventName": "ConsoleLogin", "ReadOnly": "false", "EventTime": "@now",
  "EventSource": "signin.amazonaws.com", "Username": "carol",
  "Resources": [], "CloudTrailEvent": {"eventVersion": "1.08",
  "userIdentity": {"type": "IAMUser", "arn":
  "arn:aws:iam::123456789012:user/carol", "userName": "carol"},
  "eventTime": "", "eventSource": "signin.amazonaws.com",
  "eventName": "ConsoleLogin", "awsRegion": "ap-northeast-3",
  "sourceIPAddress": "192.0.2.10", "responseElements":
  {"ConsoleLogin": "Success"}, "additionalEventData": {"MFAUsed": "No"},
  "eventID": "", "eventType": "AwsConsoleSignIn"}})'
sleep 1
run 0 "$CP" inspect
same "$(snap "SELECT count(*) FROM collector_errors")" 0
same "$(snap "SELECT count(*) FROM events")" 1
same "$(snap "SELECT id FROM events")" 0e0e0e0e-1111-4222-8333-944444444444
same "$(snap "SELECT json_extract(json, '\$.CloudTrailEvent.sourceIPAddress') FROM events")" 192.0.2.10
contract --events 1

# --- AccessDenied on GuardDuty: that collector alone fails. -----------
ctl POST /__fault '{"service": "guardduty", "kind": "access-denied", "count": -1}' >/dev/null
run 0 "$CP" inspect
ctl DELETE /__fault >/dev/null
same "$(snap "SELECT count(*) FROM collector_errors")" 3
same "$(snap "SELECT count(DISTINCT collector) FROM collector_errors")" 1
same "$(snap "SELECT min(collector) FROM collector_errors")" guardduty
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/guardduty-region'")" 0
msg=$(snap "SELECT message FROM collector_errors WHERE message LIKE '%region us-east-1 %'")
case "$msg" in
"account $ACCOUNT region us-east-1 ListDetectors: "*AccessDenied*) same ok ok ;;
*) same "$msg" "account $ACCOUNT region us-east-1 ListDetectors: ...AccessDenied..." ;;
esac
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/iam-user'")" 4
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/s3-bucket'")" 2
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/cloudtrail-trail'")" 1
same "$(snap "SELECT count(*) FROM costs")" 1

# --- A failing report leaves the rest of iam. -------------------------
ctl POST /__fault '{"service": "iam", "action": "GetCredentialReport", "kind": "malformed", "count": -1}' >/dev/null
run 0 "$CP" inspect
ctl DELETE /__fault >/dev/null
same "$(snap "SELECT count(*) FROM collector_errors")" 1
same "$(snap "SELECT collector FROM collector_errors")" iam-credential-report
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/iam-credential-report-row'")" 0
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/iam-user'")" 4

# --- No Resource Explorer index: Enabled false, no error. -------------
# (The reload gives carol's "@now" sign-in a new time: the time of the
# reload, after the previous collection, so it is collected once more.)
edit resource-explorer 'd["Index"] = None'
sleep 1
run 0 "$CP" inspect
same "$(snap "SELECT count(*) FROM collector_errors")" 0
contract --no-index --events 1
same "$(snap "SELECT json FROM resources WHERE type = 'aws/resource-explorer'")" \
	'{"Enabled":false,"IndexRegion":null,"IndexType":null}'

# --- The setup guide, both variants, both languages. ------------------
for v in readonly remediation; do
	for l in en ja; do
		run 0 "$CP" --lang "$l" env setup-guide aws --variant "$v"
		cp "$T/out" "$T/guide-$v-$l.yaml"
		has "$T/out" "cloudpatrol env add aws NAME --role-arn"
		checks=$((checks + 1))
		if ! "$PY" "$HERE/check_guide.py" "$T/guide-$v-$l.yaml" "$v" \
			>"$T/check.out"; then
			failures=$((failures + 1))
			cat "$T/check.out"
		fi
	done
done
has "$T/guide-remediation-en.yaml" '"ec2:RevokeSecurityGroupIngress"'
lacks "$T/guide-readonly-en.yaml" '"ec2:RevokeSecurityGroupIngress"'
has "$T/guide-readonly-ja.yaml" "読み取り専用"
has "$T/guide-readonly-en.yaml" "read-only"
run 0 "$CP" env setup-guide aws
cmp -s "$T/out" "$T/guide-readonly-en.yaml" && same ok ok ||
	same "default variant" "readonly"
run 2 "$CP" env setup-guide aws --variant admin
has "$T/err" "readonly or"

finish
