#!/bin/sh
# core-e2e.sh - the aws plugin through the real CLI against the fake AWS
# (tests/fakes/aws, demo estate): env add with keys and with a role,
# inspect, and the snapshot it leaves; credentials that do not work;
# throttling, a stalled call, AccessDenied on one service and a malformed
# answer, each recorded for its own collector while the rest completes;
# DescribeRegions refused, which leaves every regional collector failed
# (with the reason) and the global ones collected.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

PLUGDIR="$CP_TOP_BUILDDIR/plugins/aws/.libs"
ACCOUNT=123456789012
KEY=AKIAFAKEDEMO00000001
ROLE=arn:aws:iam::123456789012:role/CloudPatrolAudit
EXT=cp-demo-external-7f3a

. "$CP_TOP_SRCDIR/tests/fakes/aws/fake.sh"

# assumes: how many AssumeRole requests the fake has seen.
assumes() {
	ctl GET /__requests | "$PY" -c 'import json, sys
print(sum(1 for r in json.load(sys.stdin) if r.get("action") == "AssumeRole"))'
}

# setup NAME [HTTP-TIMEOUT [REGIONS]]: a state directory and configuration
# of its own.
setup() {
	d="$T/$1"
	mkdir -p "$d/policies"
	cat >"$d/cp.ini" <<INI
[core]
state_dir = $d/state
plugin_dirs = $PLUGDIR
policy_dirs = $d/policies
language = en

[http]
timeout = ${2:-30}

[plugin:aws]
endpoint = http://127.0.0.1:$PORT
access_key_id = $KEY
secret_access_key_file = $T/secret
region_concurrency = 2
${3:+regions = $3}
INI
	CLOUDPATROL_CONFIG="$d/cp.ini"
	export CLOUDPATROL_CONFIG
	STATE="$d/state"
	run 0 "$CP" portal add acme
}

# snap QUERY: one value from the newest snapshot.
snap() {
	"$PY" - "$STATE" "$1" <<'PY'
import glob, os, sqlite3, sys
dbs = sorted(glob.glob(sys.argv[1] + "/snapshots/*.db"), key=os.path.getmtime)
db = sqlite3.connect("file:" + dbs[-1] + "?mode=ro", uri=True)
row = db.execute(sys.argv[2]).fetchone()
print(row[0] if row else "")
PY
}

sgs_in() {
	snap "SELECT count(*) FROM resources WHERE type = 'aws/ec2-security-group' AND region = '$1'"
}

printf 'demo-secret-remediate-0001\n' >"$T/secret"
printf 'not-the-secret\n' >"$T/wrong"
chmod 600 "$T/secret" "$T/wrong"

# --- Keys: register, inspect, the snapshot. --------------------------
start_fake --session-duration 301
setup keys
run 0 "$CP" env add aws demo --access-key-id "$KEY" \
	--secret-access-key-file "$T/secret"
has "$T/out" "environment demo (aws $ACCOUNT) registered"
has "$T/out" "1 unit(s)"
run 0 "$CP" inspect
has "$T/out" "demo/$ACCOUNT:"
same "$(snap "SELECT name FROM resources WHERE type = 'aws/account'")" \
	demo-prod
same "$(snap "SELECT json FROM resources WHERE type = 'aws/account'")" \
	'{"AccountId":"123456789012","Regions":["ap-northeast-1","ap-northeast-3","us-east-1"]}'
same "$(snap "SELECT region FROM resources WHERE type = 'aws/account'")" \
	global
same "$(sgs_in ap-northeast-1)" 5
same "$(sgs_in ap-northeast-3)" 1
same "$(sgs_in us-east-1)" 2
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/iam-user'")" 4
same "$(snap "SELECT count(*) FROM collector_errors")" 0
lacks "$T/err" "demo-secret"

# --- Credentials that do not work. ------------------------------------
run 1 "$CP" env add aws wrong --access-key-id "$KEY" \
	--secret-access-key-file "$T/wrong"
has "$T/err" "SignatureDoesNotMatch"
run 1 "$CP" env add aws badrole --role-arn "$ROLE" --external-id wrong-id
has "$T/err" "AccessDenied"
has "$T/err" "sts:AssumeRole"

# --- A role, assumed with the plugin's own key, refreshed while the
# collection runs (the fake's sessions last 301 s, so they are due one
# second after they start; a Retry-After of 1 s makes sure the
# collection lasts longer than that). ----------------------------------
# Only the configured regions that are enabled are collected.
setup role 30 "us-east-1, eu-west-1,ap-northeast-1"
run 0 "$CP" env add aws audit --role-arn "$ROLE" --external-id "$EXT"
has "$T/out" "environment audit (aws $ACCOUNT) registered"
before=$(assumes)
ctl POST /__fault '{"service": "iam", "action": "ListUsers", "kind": "throttle-retry-after", "count": 1}' >/dev/null
run 0 "$CP" inspect
after=$(assumes)
checks=$((checks + 1))
if [ $((after - before)) -lt 2 ]; then
	failures=$((failures + 1))
	echo "FAIL: $((after - before)) AssumeRole in one collection, expected a refresh"
fi
same "$(snap "SELECT count(*) FROM collector_errors")" 0
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/iam-user'")" 4
same "$(sgs_in ap-northeast-1)" 5
same "$(sgs_in ap-northeast-3)" 0
same "$(snap "SELECT json FROM resources WHERE type = 'aws/account'")" \
	'{"AccountId":"123456789012","Regions":["ap-northeast-1","us-east-1"]}'
has "$T/err" "region eu-west-1 (in regions) is not enabled"
lacks "$T/err" "ExpiredToken"
ctl DELETE /__fault >/dev/null

# --- Faults: each one recorded for its own collector. -----------------
setup faults 1
run 0 "$CP" env add aws demo --access-key-id "$KEY" \
	--secret-access-key-file "$T/secret"
ctl POST /__fault '{"service": "ec2", "region": "ap-northeast-1", "action": "DescribeSecurityGroups", "kind": "throttle", "count": 2}' >/dev/null
ctl POST /__fault '{"service": "ec2", "region": "ap-northeast-3", "action": "DescribeSecurityGroups", "kind": "stall", "count": -1, "seconds": 3}' >/dev/null
ctl POST /__fault '{"service": "guardduty", "kind": "access-denied", "count": -1}' >/dev/null
ctl POST /__fault '{"service": "rds", "action": "DescribeDBInstances", "kind": "malformed", "count": -1}' >/dev/null
run 0 "$CP" inspect
ctl DELETE /__fault >/dev/null
# Throttled twice, then answered: nothing missing.
same "$(sgs_in ap-northeast-1)" 5
same "$(sgs_in us-east-1)" 2
# The stalled call: its region's security groups are missing, the
# collector says so; that region's other resources are there.
same "$(sgs_in ap-northeast-3)" 0
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/ec2-vpc' AND region = 'ap-northeast-3'")" 1
same "$(snap "SELECT count(*) FROM collector_errors WHERE collector = 'ec2'")" 1
msg=$(snap "SELECT message FROM collector_errors WHERE collector = 'ec2'")
case "$msg" in
"account $ACCOUNT region ap-northeast-3 DescribeSecurityGroups: "*"timed out"*) same ok ok ;;
*) same "$msg" "account $ACCOUNT region ap-northeast-3 DescribeSecurityGroups: ... timed out ..." ;;
esac
# AccessDenied on GuardDuty: only its collector, in every region.
same "$(snap "SELECT count(*) FROM collector_errors WHERE collector = 'guardduty'")" 3
msg=$(snap "SELECT message FROM collector_errors WHERE collector = 'guardduty' ORDER BY message LIMIT 1")
case "$msg" in
"account $ACCOUNT region ap-northeast-1 "*": AccessDeniedException: "*) same ok ok ;;
*) same "$msg" "account $ACCOUNT region ap-northeast-1 ...: AccessDeniedException: ..." ;;
esac
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/guardduty-region'")" 0
# A malformed answer: CP_E_PARSE (8), naming the API.
same "$(snap "SELECT min(code) || max(code) FROM collector_error_data WHERE collector = 'rds'")" 88
msg=$(snap "SELECT message FROM collector_errors WHERE collector = 'rds' ORDER BY message LIMIT 1")
case "$msg" in
"account $ACCOUNT region "*" DescribeDBInstances: the response is not valid XML"*) same ok ok ;;
*) same "$msg" "account $ACCOUNT region ... DescribeDBInstances: the response is not valid XML ..." ;;
esac
same "$(snap "SELECT count(*) FROM collector_errors WHERE collector NOT IN ('ec2', 'guardduty', 'rds')")" 0
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/iam-user'")" 4
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/s3-bucket'")" 2

# --- Without the region list no regional collector runs; the rest does.
ctl POST /__fault '{"service": "ec2", "action": "DescribeRegions", "kind": "access-denied", "count": -1}' >/dev/null
run 0 "$CP" inspect
lacks "$T/out" "not inspected"
same "$(snap "SELECT group_concat(collector, ' ') FROM (SELECT collector FROM collector_errors ORDER BY collector)")" \
    "cloudtrail cloudtrail-events ec2 ec2-images elbv2 guardduty rds"
same "$(snap "SELECT count(*) FROM collector_errors WHERE message LIKE '%DescribeRegions: UnauthorizedOperation%'")" 7
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/ec2-security-group'")" 0
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/iam-user'")" 4
ctl DELETE /__fault >/dev/null

stop_fake
finish
