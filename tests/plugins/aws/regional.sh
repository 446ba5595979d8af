#!/bin/sh
# regional.sh - the aws plugin's ec2, ec2-images, elbv2 and rds collectors
# and its validation through the real CLI against the fake AWS (a copy of
# the demo estate, pages of 2): env add with the remediation key and with
# the read-only key records the right mode (env list, env show); a wrong
# secret is refused with AWS's words; inspect stores every EC2, ELBv2
# and RDS resource of the estate as the contract says
# (regional_snapshot.py); throttling on DescribeSecurityGroups is retried
# and the collection completes; AccessDenied on RDS fails "rds" alone.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

HERE="$CP_TOP_SRCDIR/tests/plugins/aws"
PLUGDIR="$CP_TOP_BUILDDIR/plugins/aws/.libs"
ACCOUNT=123456789012
ESTATE="$T/estate"
SNAPDB=

cp -R "$CP_TOP_SRCDIR/tests/fakes/aws/estates/demo" "$ESTATE"
chmod -R u+w "$ESTATE"

. "$CP_TOP_SRCDIR/tests/fakes/aws/fake.sh"
start_fake --estate "$ESTATE" --page-size 2

# calls ACTION [STATUS]: the requests for ACTION the fake has seen.
calls() {
	ctl GET /__requests | "$PY" -c 'import json, sys
want = sys.argv[2] if len(sys.argv) > 2 else None
print(sum(1 for r in json.load(sys.stdin) if r.get("action") == sys.argv[1]
          and (want is None or str(r.get("status")) == want)))' "$@"
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

# contract: regional_snapshot.py on the snapshot and the estate.
contract() {
	checks=$((checks + 1))
	if ! "$PY" "$HERE/regional_snapshot.py" "$SNAPDB" "$ESTATE"; then
		failures=$((failures + 1))
		echo "FAIL: the snapshot does not hold the estate as promised"
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
printf 'demo-secret-remediate-0001\n' >"$T/secret-rw"
printf 'demo-secret-readonly-0002\n' >"$T/secret-ro"
printf 'not-the-secret\n' >"$T/secret-bad"
chmod 600 "$T/secret-rw" "$T/secret-ro" "$T/secret-bad"

# --- Registration: the remediation probe decides the mode. ------------
run 0 "$CP" portal add acme
run 0 "$CP" portal add other
run 0 "$CP" -p acme env add aws demo --access-key-id AKIAFAKEDEMO00000001 \
	--secret-access-key-file "$T/secret-rw"
has "$T/out" "environment demo (aws $ACCOUNT) registered, remediation enabled"
has "$T/out" "arn:aws:iam::$ACCOUNT:user/cloudpatrol;"
checks=$((checks + 1))
if [ "$(calls RevokeSecurityGroupIngress 412)" -lt 1 ]; then
	failures=$((failures + 1))
	echo "FAIL: no dry run of RevokeSecurityGroupIngress was answered"
fi
run 0 "$CP" -p acme env list
has "$T/out" "remediation"
run 0 "$CP" -p acme --json env show demo
has "$T/out" '"mode": "remediation"'
run 0 "$CP" -p other env add aws demo-ro --access-key-id \
	AKIAFAKEDEMO00000002 --secret-access-key-file "$T/secret-ro"
has "$T/out" "registered, read-only"
has "$T/out" "UnauthorizedOperation"
run 0 "$CP" -p other --json env show demo-ro
has "$T/out" '"mode": "read-only"'
run 0 "$CP" -p other env list
has "$T/out" "read-only"
lacks "$T/out" "remediation"
# A wrong secret: refused with AWS's own words, nothing registered.
run 1 "$CP" -p other env add aws bad --access-key-id AKIAFAKEDEMO00000001 \
	--secret-access-key-file "$T/secret-bad"
has "$T/err" "SignatureDoesNotMatch"
run 0 "$CP" -p other env list
lacks "$T/out" "bad"

# --- inspect: every EC2, ELBv2 and RDS resource, paged by 2. ----------
ctl DELETE /__requests >/dev/null
run 0 "$CP" -p acme inspect
has "$T/out" "demo/$ACCOUNT:"
SNAPDB=$(ls "$T"/state/snapshots/unit-*.db)
contract
same "$(snap "SELECT json_type(json, '\$.IpPermissions[0].FromPort') FROM resources WHERE name = 'web-frontend' AND type = 'aws/ec2-security-group'")" integer
same "$(snap "SELECT json_type(json, '\$.IpPermissions[0].IpRanges') FROM resources WHERE name = 'web-frontend' AND type = 'aws/ec2-security-group'")" array
same "$(snap "SELECT json_extract(json, '\$.Public') FROM resources WHERE id LIKE '%snap-0000000000000pub1'")" 1
same "$(snap "SELECT json_extract(json, '\$.Public') FROM resources WHERE id LIKE '%snap-0000000000000prv1'")" 0
checks=$((checks + 1))
if [ "$(calls DescribeSecurityGroups)" -lt 5 ] ||
    [ "$(calls DescribeSecurityGroupRules)" -lt 8 ] ||
    [ "$(calls DescribeListeners)" -lt 1 ]; then
	failures=$((failures + 1))
	echo "FAIL: the listings were not paged"
fi

# --- Throttling is retried; the collection completes. -----------------
ctl DELETE /__requests >/dev/null
ctl POST /__fault '{"service": "ec2", "action": "DescribeSecurityGroups", "kind": "throttle", "count": 3}' >/dev/null
run 0 "$CP" -p acme inspect
ctl DELETE /__fault >/dev/null
same "$(calls DescribeSecurityGroups 503)" 3
same "$(snap "SELECT count(*) FROM collector_errors WHERE collector IN ('ec2', 'ec2-images', 'elbv2', 'rds')")" 0
contract

# --- AccessDenied on RDS: "rds" fails alone, EC2 is still there. ------
ctl POST /__fault '{"service": "rds", "kind": "access-denied", "count": -1}' >/dev/null
run 0 "$CP" -p acme inspect
ctl DELETE /__fault >/dev/null
same "$(snap "SELECT count(*) FROM collector_errors WHERE collector = 'rds'")" 3
same "$(snap "SELECT count(*) FROM collector_errors WHERE collector IN ('ec2', 'ec2-images', 'elbv2')")" 0
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/rds-db-instance'")" 0
same "$(snap "SELECT count(*) FROM resources WHERE type = 'aws/ec2-security-group'")" 8
msg=$(snap "SELECT message FROM collector_errors WHERE collector = 'rds' AND message LIKE '%region ap-northeast-1 %'")
case "$msg" in
"account $ACCOUNT region ap-northeast-1 DescribeDBInstances: "*AccessDenied*) same ok ok ;;
*) same "$msg" "account $ACCOUNT region ap-northeast-1 DescribeDBInstances: ...AccessDenied..." ;;
esac

finish
