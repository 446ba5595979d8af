#!/bin/sh
# awscli-services.sh - Debian's aws CLI (/usr/bin/aws, botocore's own
# client) against the fake AWS on the demo estate, for IAM, S3, S3
# Control, CloudTrail, Cost Explorer, GuardDuty and Resource Explorer:
# every answer is parsed by the CLI and checked against the estate the
# fake holds (GET /__estate/NAME).  Proof that the fake speaks AWS.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

AWS=/usr/bin/aws
FAKE="$CP_TOP_SRCDIR/tests/fakes/aws"
ACCOUNT=123456789012
if [ ! -x "$AWS" ]; then
	echo "FAIL: $AWS is missing (apt-get install awscli)"
	exit 1
fi

# A copy of the demo estate, so a test can change it and POST /__reset.
cp -R "$FAKE/estates/demo" "$T/estate"
. "$FAKE/fake.sh"
start_fake --estate "$T/estate"
KEYS=$("$PY" -c 'import json, sys
c = json.load(open(sys.argv[1]))["Credentials"][0]
print(c["AccessKeyId"], c["SecretAccessKey"])' "$T/estate/account.json")
AK=${KEYS% *}
SK=${KEYS#* }

# aws WANT-STATUS NAME REGION ARGS...: runs the CLI; its JSON output is
# kept in $T/NAME.json and its stderr in $T/NAME.err.
aws() {
	want=$1
	name=$2
	region=$3
	shift 3
	run "$want" env -u AWS_PROFILE -u AWS_SESSION_TOKEN \
	    -u AWS_DEFAULT_PROFILE -u HTTP_PROXY -u http_proxy \
	    -u HTTPS_PROXY -u https_proxy -u NO_PROXY -u no_proxy \
	    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	    AWS_EC2_METADATA_DISABLED=true \
	    AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$SK" \
	    ${AWS_EXTRA_ENV:-} \
	    "$AWS" --endpoint-url "$URL" --region "$region" \
	    --no-cli-pager --output json "$@"
	cp "$T/out" "$T/$name.json"
	cp "$T/err" "$T/$name.err"
}

# check NAME PYTHON: runs PYTHON with d = the JSON of NAME, E(x) = the
# estate file x as the fake holds it now, t(iso) = epoch seconds; the
# code asserts.
check() {
	checks=$((checks + 1))
	if ! "$PY" - "$T/$1.json" "$URL" >"$T/check.out" 2>&1 <<PY
import base64, csv, datetime, io, json, sys, urllib.request
d = json.load(open(sys.argv[1]))
_cache = {}
def E(name):
    if name not in _cache:
        with urllib.request.urlopen(sys.argv[2] + "/__estate/" + name) as r:
            _cache[name] = json.load(r)
    return _cache[name]
def t(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
$2
PY
	then
		failures=$((failures + 1))
		echo "FAIL: check of $1:"
		sed 's/^/  | /' "$T/check.out"
		sed 's/^/  output: /' "$T/$1.json" | head -40
	fi
}

# ---- IAM ----
aws 0 users us-east-1 iam list-users --page-size 2
check users '
want = E("iam")["Users"]
assert [u["UserName"] for u in d["Users"]] == [u["UserName"] for u in want], d
for got, u in zip(d["Users"], want):
    assert got["UserId"] == u["UserId"] and got["Arn"] == u["Arn"], got
    assert t(got["CreateDate"]) == t(u["CreateDate"]), got
    assert ("PasswordLastUsed" in got) == ("PasswordLastUsed" in u), got
'
aws 0 summary us-east-1 iam get-account-summary
check summary '
m = d["SummaryMap"]
assert m["AccountMFAEnabled"] == 0 and m["AccountAccessKeysPresent"] == 1, m
assert m["Users"] == len(E("iam")["Users"]), m
'
aws 0 pwpolicy us-east-1 iam get-account-password-policy
check pwpolicy 'assert d["PasswordPolicy"] == E("iam")["PasswordPolicy"], d'
aws 254 report0 us-east-1 iam get-credential-report
has "$T/report0.err" "ReportNotPresent"
aws 0 gen1 us-east-1 iam generate-credential-report
check gen1 'assert d["State"] == "STARTED", d'
aws 0 gen2 us-east-1 iam generate-credential-report
check gen2 'assert d["State"] == "COMPLETE", d'
aws 0 report us-east-1 iam get-credential-report
check report '
assert d["ReportFormat"] == "text/csv", d
rows = list(csv.DictReader(io.StringIO(base64.b64decode(d["Content"]).decode())))
assert [r["user"] for r in rows] == ["<root_account>"] + [u["UserName"] for u in E("iam")["Users"]], rows
by = {r["user"]: r for r in rows}
assert by["<root_account>"]["mfa_active"] == "false", by
assert by["<root_account>"]["access_key_1_active"] == "true", by
assert by["bob"]["password_enabled"] == "true" and by["bob"]["mfa_active"] == "false", by
assert by["carol"]["access_key_1_active"] == "true", by
'

# ---- S3 ----
aws 0 buckets us-east-1 s3api list-buckets
check buckets '
assert [b["Name"] for b in d["Buckets"]] == sorted(b["Name"] for b in E("s3")["Buckets"]), d
assert d["Owner"] == E("s3")["Owner"], d
'
aws 0 acl ap-northeast-1 s3api get-bucket-acl --bucket demo-public-assets
check acl '
want = [b for b in E("s3")["Buckets"] if b["Name"] == "demo-public-assets"][0]["Acl"]["Grants"]
assert d["Grants"] == want, d
assert {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"} in d["Grants"]
'
aws 0 location us-east-1 s3api get-bucket-location --bucket demo-app-logs
check location 'assert d["LocationConstraint"] == "ap-northeast-1", d'
aws 0 pab ap-northeast-1 s3api get-public-access-block --bucket demo-app-logs
check pab '
want = [b for b in E("s3")["Buckets"] if b["Name"] == "demo-app-logs"][0]["PublicAccessBlock"]
assert d["PublicAccessBlockConfiguration"] == want, d
'
aws 254 nopab ap-northeast-1 s3api get-public-access-block \
    --bucket demo-public-assets
has "$T/nopab.err" "NoSuchPublicAccessBlockConfiguration"
aws 0 polstat ap-northeast-1 s3api get-bucket-policy-status \
    --bucket demo-public-assets
check polstat 'assert d == {"PolicyStatus": {"IsPublic": True}}, d'
aws 254 nopolstat ap-northeast-1 s3api get-bucket-policy-status \
    --bucket demo-app-logs
has "$T/nopolstat.err" "NoSuchBucketPolicy"
aws 0 policy ap-northeast-1 s3api get-bucket-policy --bucket demo-public-assets
check policy '
want = [b for b in E("s3")["Buckets"] if b["Name"] == "demo-public-assets"][0]["Policy"]
assert json.loads(d["Policy"]) == want, d
'
aws 254 nobucket ap-northeast-1 s3api get-bucket-acl --bucket no-such-bucket
has "$T/nobucket.err" "NoSuchBucket"

# S3 Control puts the account id in front of the endpoint's host
# (123456789012.127.0.0.1), which no resolver knows: the CLI reaches the
# fake as its HTTP proxy instead, with the host it signed.
AWS_EXTRA_ENV="HTTP_PROXY=$URL"
aws 254 acctpab0 us-east-1 s3control get-public-access-block \
    --account-id "$ACCOUNT"
has "$T/acctpab0.err" "NoSuchPublicAccessBlockConfiguration"
"$PY" - "$T/estate/s3.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["AccountPublicAccessBlock"] = {"BlockPublicAcls": True,
                                 "IgnorePublicAcls": True,
                                 "BlockPublicPolicy": False,
                                 "RestrictPublicBuckets": False}
json.dump(d, open(sys.argv[1], "w"))
PY
"$PY" -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/__reset",
                                              data=b"", method="POST"))' "$URL"
aws 0 acctpab us-east-1 s3control get-public-access-block \
    --account-id "$ACCOUNT"
check acctpab '
assert d["PublicAccessBlockConfiguration"] == E("s3")["AccountPublicAccessBlock"], d
assert d["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True, d
'
AWS_EXTRA_ENV=

# ---- CloudTrail ----
aws 0 trails ap-northeast-1 cloudtrail describe-trails
check trails '
want = E("cloudtrail")["Trails"]
assert [x["Name"] for x in d["trailList"]] == [x["Name"] for x in want], d
assert d["trailList"][0]["TrailARN"] == want[0]["TrailARN"], d
assert d["trailList"][0]["IsMultiRegionTrail"] is False, d
'
aws 0 trails-us us-east-1 cloudtrail describe-trails
check trails-us 'assert d["trailList"] == [], d'
aws 0 trailstatus ap-northeast-1 cloudtrail get-trail-status \
    --name demo-trail
check trailstatus '
st = E("cloudtrail")["Trails"][0]["Status"]
assert d["IsLogging"] is True, d
assert t(d["LatestDeliveryTime"]) == t(st["LatestDeliveryTime"]), d
'
aws 0 logins ap-northeast-1 cloudtrail lookup-events --page-size 1 \
    --lookup-attributes AttributeKey=EventName,AttributeValue=ConsoleLogin
check logins '
want = sorted((e for e in E("cloudtrail")["Events"]
               if e["Region"] == "ap-northeast-1" and e["EventName"] == "ConsoleLogin"),
              key=lambda e: e["EventTime"], reverse=True)
assert [e["EventId"] for e in d["Events"]] == [e["EventId"] for e in want], d
for got, e in zip(d["Events"], want):
    assert t(got["EventTime"]) == t(e["EventTime"]), got
    rec = json.loads(got["CloudTrailEvent"])
    assert rec["sourceIPAddress"] == e["CloudTrailEvent"]["sourceIPAddress"], rec
    assert rec["additionalEventData"]["MFAUsed"] == e["CloudTrailEvent"]["additionalEventData"]["MFAUsed"], rec
    assert rec["eventID"] == got["EventId"], rec
'
aws 0 root-login us-east-1 cloudtrail lookup-events \
    --lookup-attributes AttributeKey=EventName,AttributeValue=ConsoleLogin
check root-login '
assert [e["Username"] for e in d["Events"]] == ["root"], d
assert json.loads(d["Events"][0]["CloudTrailEvent"])["userIdentity"]["type"] == "Root"
'
aws 0 createuser us-east-1 cloudtrail lookup-events \
    --start-time "$(date -u -d '2 days ago' +%Y-%m-%dT%H:%M:%SZ)" \
    --lookup-attributes AttributeKey=EventName,AttributeValue=CreateUser
check createuser '
assert len(d["Events"]) == 1, d
rec = json.loads(d["Events"][0]["CloudTrailEvent"])
assert rec["requestParameters"]["userName"] == "tmp-admin", rec
'

# ---- Cost Explorer ----
aws 0 cost us-east-1 ce get-cost-and-usage \
    --time-period "Start=$(date -u +%Y-%m-01),End=$(date -u -d tomorrow +%Y-%m-%d)" \
    --granularity MONTHLY --metrics UnblendedCost
check cost '
r = d["ResultsByTime"]
assert len(r) == 1, d
assert r[0]["Total"]["UnblendedCost"] == {"Amount": E("ce")["MonthToDate"]["UnblendedCost"], "Unit": E("ce")["Unit"]}, d
assert r[0]["Total"]["UnblendedCost"]["Amount"] == "1834.27", d
'

# ---- GuardDuty ----
aws 0 detectors ap-northeast-1 guardduty list-detectors
check detectors '
assert d["DetectorIds"] == [x["DetectorId"] for x in E("guardduty")["ap-northeast-1"]["Detectors"]], d
'
DET=$("$PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["DetectorIds"][0])' "$T/detectors.json" \
    2>/dev/null || echo none)
aws 0 detector ap-northeast-1 guardduty get-detector --detector-id "$DET"
check detector '
want = E("guardduty")["ap-northeast-1"]["Detectors"][0]
assert d["Status"] == "ENABLED" == want["Status"], d
assert d["ServiceRole"] == want["ServiceRole"], d
assert t(d["CreatedAt"]) == t(want["CreatedAt"]), d
'
for r in ap-northeast-3 us-east-1; do
	aws 0 "detectors-$r" "$r" guardduty list-detectors
	check "detectors-$r" 'assert d["DetectorIds"] == [], d'
done

# ---- Resource Explorer ----
aws 0 index ap-northeast-1 resource-explorer-2 get-index
check index '
want = E("resource-explorer")["Index"]
assert d["Type"] == "AGGREGATOR" and d["State"] == "ACTIVE", d
assert d["Arn"] == want["Arn"], d
'
aws 254 noindex us-east-1 resource-explorer-2 get-index
has "$T/noindex.err" "ResourceNotFoundException"
aws 0 search ap-northeast-1 resource-explorer-2 search --query-string '*' \
    --page-size 10
check search '
want = E("resource-explorer")["Resources"]
assert len(want) > 10, len(want)
got = {r["Arn"]: (r["ResourceType"], r["Region"], r["Service"]) for r in d["Resources"]}
assert got == {r["Arn"]: (r["ResourceType"], r["Region"], r["Service"]) for r in want}, d
assert len(d["Resources"]) == len(want), len(d["Resources"])
'

# Every request arrived signed and verified.
"$PY" -c 'import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/__requests") as r:
    reqs = json.load(r)
bad = [x for x in reqs if x["signature"] != "ok"]
print(len(reqs), "requests,", len(bad), "not verified")
for x in bad:
    print("  ", x)' "$URL" >"$T/out" 2>&1 || true
has "$T/out" " 0 not verified"

finish
