#!/bin/sh
# aws.sh - the whole chain on the fake AWS: a read-only credential is
# registered read-only and never remediates; with the remediation
# credential and remediation on for the admin-port policy, inspect revokes
# the open rules (the fake's estate loses them, the history shows the rule
# before and after), and the next inspection resolves the findings; a dry
# run changes nothing.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

. "$CP_TOP_SRCDIR/tests/fakes/aws/fake.sh"
ESTATE="$FAKE_DIR/estates/demo"

# rules: the ids of the ingress rules the fake's estate holds now.
rules() {
	ctl GET /__estate/ec2 | "$PY" -c 'import json, sys
ids = set()
for region in json.load(sys.stdin).values():
    for g in region.get("SecurityGroups", []):
        for p in g.get("IpPermissions", []):
            for k in ("IpRanges", "Ipv6Ranges"):
                for e in p.get(k, []):
                    if e.get("SecurityGroupRuleId"):
                        ids.add(e["SecurityGroupRuleId"])
print(" ".join(sorted(ids)))'
}

# setup NAME KEY SECRET: a fresh state with portal p and environment NAME.
setup() {
	rm -rf "$T/state"
	printf '[core]\nstate_dir = %s/state\nlog_level = error\ngeoip_ipv4 = %s\n[plugin:aws]\nendpoint = %s\n' \
	    "$T" "$ESTATE/geoip.csv" "$URL" >"$T/cp.ini"
	(umask 077 && printf '%s\n' "$3" >"$T/secret")
	run 0 "$CP" -c "$T/cp.ini" portal add p --lang en
	run 0 "$CP" -c "$T/cp.ini" -p p env add aws "$1" \
	    --access-key-id "$2" --secret-access-key-file "$T/secret"
}
cpp() {
	"$CP" -c "$T/cp.ini" -p p "$@"
}

OPEN="sgr-0000000000000a001 sgr-0000000000000a002 sgr-0000000000000a005"

# Read-only: registered as such; remediation on changes nothing.
start_fake
before=$(rules)
setup ro AKIAFAKEDEMO00000002 demo-secret-readonly-0002
has "$T/out" "read-only"
run 0 cpp policy set AWS-E001 --remediate on
run 0 cpp inspect
has "$T/out" "0 done"
same "$(rules)" "$before"

# A dry run with the remediation credential changes nothing either.
setup rw AKIAFAKEDEMO00000001 demo-secret-remediate-0001
has "$T/out" "remediation enabled"
run 0 cpp policy set AWS-E001 --remediate on
run 0 cpp inspect --remediation-dry-run
has "$T/out" "3 dry-run"
same "$(rules)" "$before"

# Data missing is not data fixed: with EC2 refused, the open findings stay
# open, and the inspection says which collector failed and why.
setup rw AKIAFAKEDEMO00000001 demo-secret-remediate-0001
run 0 cpp inspect
ctl POST /__fault '{"service":"ec2","kind":"access-denied","count":-1}' \
    >/dev/null
run 1 cpp inspect
has "$T/out" "0 resolved"
has "$T/out" "10 undecided"
has "$T/out" "7 collector error(s)"
run 1 cpp status
has "$T/out" "partial: 7 collector error(s), the first"
has "$T/out" "DescribeRegions: UnauthorizedOperation"
has "$T/out" "Status: NOT healthy"
run 0 cpp --json findings
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
rows = d if isinstance(d, list) else d.get("findings", [])
print(sum(1 for f in rows if f["policy"] == "AWS-E001"
          and not f.get("resolved_at")))' "$T/out" >"$T/n"
same "$(cat "$T/n")" 3
ctl DELETE /__fault >/dev/null

# For real: the three open admin rules are revoked...
setup rw AKIAFAKEDEMO00000001 demo-secret-remediate-0001
run 0 cpp policy set AWS-E001 --remediate on
run 0 cpp inspect
has "$T/out" "3 done"
after=$(rules)
for r in $OPEN; do
	checks=$((checks + 1))
	case " $after " in
	*" $r "*) failures=$((failures + 1)); echo "FAIL: $r still open" ;;
	esac
done
# ...and nothing else: the rules that were fine are still there.
same "$(echo "$before" | tr ' ' '\n' | grep -v 'a00[125]$' | tr '\n' ' ')" \
    "$(echo "$after" | tr ' ' '\n' | tr '\n' ' ')"
run 0 cpp --json history
has "$T/out" "sgr-0000000000000a001"
has "$T/out" "tcp 22 from 0.0.0.0/0"
has "$T/out" "revoked"

# The next inspection resolves what the remediation fixed.
run 0 cpp inspect
has "$T/out" "0 opened"
run 0 cpp --json findings --all
"$PY" - "$T/out" >"$T/left" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
rows = d if isinstance(d, list) else d.get("findings", [])
for f in rows:
    if f["policy"] in ("AWS-E001", "AWS-E003") and not f.get("resolved_at"):
        print(f["policy"], f["resource"])
EOF
checks=$((checks + 1))
if [ -s "$T/left" ]; then
	failures=$((failures + 1))
	echo "FAIL: still open after the remediation:"
	cat "$T/left"
fi

# A wrong secret is refused with AWS's reason.
(umask 077 && echo not-the-secret >"$T/secret")
run 1 cpp env add aws bad --access-key-id AKIAFAKEDEMO00000001 \
    --secret-access-key-file "$T/secret"
has "$T/err" "SignatureDoesNotMatch"

stop_fake
finish
