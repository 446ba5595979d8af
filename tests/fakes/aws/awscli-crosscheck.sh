#!/bin/sh
# awscli-crosscheck.sh - the real aws CLI (Debian's /usr/bin/aws, on
# botocore) against the fake AWS on the demo estate: what the CLI parses
# equals the estate, a wrong secret is refused, paging is followed, and
# every fault kind reaches the CLI as AWS's would. Proof the fake speaks
# AWS.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

AWS=/usr/bin/aws
HERE="$CP_TOP_SRCDIR/tests/fakes/aws"
ESTATE="$HERE/estates/demo"
if [ ! -x "$AWS" ]; then
	echo "FAIL: $AWS is missing (apt-get install awscli python3-botocore)"
	exit 1
fi

. "$HERE/fake.sh"

# The CLI sees nothing of the machine's own AWS configuration.
export HOME="$T" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION \
	AWS_REGION AWS_ENDPOINT_URL AWS_CA_BUNDLE 2>/dev/null || :
export AWS_ACCESS_KEY_ID=AKIAFAKEDEMO00000001
export AWS_SECRET_ACCESS_KEY=demo-secret-remediate-0001
export AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=3
# A service error makes the aws CLI v2 exit 254.
CLIERR=254

# cli REGION ARGS...: the CLI against the fake.
cli() {
	r=$1
	shift
	"$AWS" --endpoint-url "$URL" --region "$r" --no-cli-pager \
		--output json "$@"
}

# check KIND FILE [ARG...]: compares what the CLI printed with the estate.
cat >"$T/check.py" <<'PY'
import json, sys, time
kind, estate, path = sys.argv[1], sys.argv[2], sys.argv[3]
args = sys.argv[4:]
got = json.load(open(path))
def load(name):
    return json.load(open(f"{estate}/{name}.json"))
acct = load("account")
bad = []
def same(what, want, have):
    if want != have:
        bad.append(f"{what}:\n  estate: {want}\n  cli:    {have}")

def perm_key(p, src):
    out = []
    for k, f in (("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6"),
                 ("UserIdGroupPairs", "GroupId"),
                 ("PrefixListIds", "PrefixListId")):
        for e in p.get(k, []):
            out.append((p["IpProtocol"], p.get("FromPort"), p.get("ToPort"),
                        k, e[f]))
    return out

def groups(gs):
    return sorted((g["GroupId"], g["GroupName"], g.get("VpcId"),
                   g.get("OwnerId"),
                   sorted(x for p in g.get("IpPermissions", [])
                          for x in perm_key(p, "in")),
                   sorted(x for p in g.get("IpPermissionsEgress", [])
                          for x in perm_key(p, "out")))
                  for g in gs)

if kind == "sgs":
    region = args[0]
    want = load("ec2")[region]["SecurityGroups"]
    same(f"security groups of {region}", groups(want),
         groups(got["SecurityGroups"]))
    if not got["SecurityGroups"]:
        bad.append(f"no security groups in {region}")
elif kind == "rules":
    region = args[0]
    want = []
    for g in load("ec2")[region]["SecurityGroups"]:
        for egress, key in ((False, "IpPermissions"),
                            (True, "IpPermissionsEgress")):
            for p in g.get(key, []):
                for k, f, rf in (("IpRanges", "CidrIp", "CidrIpv4"),
                                 ("Ipv6Ranges", "CidrIpv6", "CidrIpv6"),
                                 ("UserIdGroupPairs", "GroupId", "Ref")):
                    for e in p.get(k, []):
                        want.append((e["SecurityGroupRuleId"], g["GroupId"],
                                     egress, p["IpProtocol"],
                                     p.get("FromPort", -1),
                                     p.get("ToPort", -1), rf, e[f]))
    have = []
    for r in got["SecurityGroupRules"]:
        for rf in ("CidrIpv4", "CidrIpv6"):
            if rf in r:
                src = (rf, r[rf])
        if "ReferencedGroupInfo" in r:
            src = ("Ref", r["ReferencedGroupInfo"]["GroupId"])
        have.append((r["SecurityGroupRuleId"], r["GroupId"], r["IsEgress"],
                     r["IpProtocol"], r["FromPort"], r["ToPort"]) + src)
    same(f"security group rules of {region}", sorted(want), sorted(have))
elif kind == "instances":
    region = args[0]
    def inst(i):
        name = [t["Value"] for t in i.get("Tags", []) if t["Key"] == "Name"]
        return (i["InstanceId"], name, i["State"]["Name"],
                i.get("PublicIpAddress"), i.get("PrivateIpAddress"),
                i.get("VpcId"), i.get("SubnetId"),
                sorted(g["GroupId"] for g in i.get("SecurityGroups", [])))
    want = sorted(inst(i) for r in load("ec2")[region]["Reservations"]
                  for i in r["Instances"])
    have = sorted(inst(i) for r in got["Reservations"]
                  for i in r["Instances"])
    same(f"instances of {region}", want, have)
elif kind == "regions":
    want = acct["AllRegions"] if args and args[0] == "all" else acct["Regions"]
    same("regions", sorted(want),
         sorted(r["RegionName"] for r in got["Regions"]))
    for r in got["Regions"]:
        if r["Endpoint"] != f"ec2.{r['RegionName']}.amazonaws.com":
            bad.append(f"endpoint of {r}")
elif kind == "rds":
    region = args[0]
    def db(d):
        return (d["DBInstanceIdentifier"], d["Engine"],
                d["PubliclyAccessible"], d["Endpoint"]["Address"],
                d["Endpoint"]["Port"], d["StorageEncrypted"],
                d["DBInstanceArn"],
                sorted(v["VpcSecurityGroupId"]
                       for v in d["VpcSecurityGroups"]))
    same(f"DB instances of {region}",
         sorted(db(d) for d in load("rds")[region]["DBInstances"]),
         sorted(db(d) for d in got["DBInstances"]))
elif kind == "elbv2":
    region = args[0]
    def lb(x):
        return (x["LoadBalancerArn"], x["LoadBalancerName"], x["Scheme"],
                x["Type"], x["DNSName"], sorted(x.get("SecurityGroups", [])))
    same(f"load balancers of {region}",
         sorted(lb(x) for x in load("elbv2")[region]["LoadBalancers"]),
         sorted(lb(x) for x in got["LoadBalancers"]))
elif kind == "listeners":
    region = args[0]
    want = sorted((ln["ListenerArn"], ln["Port"], ln["Protocol"])
                  for x in load("elbv2")[region]["LoadBalancers"]
                  for ln in x["Listeners"])
    same("listeners", want, sorted((ln["ListenerArn"], ln["Port"],
                                    ln["Protocol"])
                                   for ln in got["Listeners"]))
elif kind == "identity":
    c = [c for c in acct["Credentials"] if c["AccessKeyId"] == args[0]][0]
    same("caller identity", (c["Arn"], acct["AccountId"], c["UserId"]),
         (got["Arn"], got["Account"], got["UserId"]))
elif kind == "assumed-identity":
    same("assumed identity",
         (f"arn:aws:sts::{acct['AccountId']}:assumed-role/{args[0]}/{args[1]}",
          acct["AccountId"]), (got["Arn"], got["Account"]))
elif kind == "assume-role":
    c = got["Credentials"]
    if not c["AccessKeyId"].startswith("ASIA") or not c["SessionToken"]:
        bad.append(f"not a temporary credential: {c}")
    import datetime
    exp = datetime.datetime.fromisoformat(c["Expiration"]).timestamp()
    left = exp - time.time()
    if not int(args[1]) - 60 <= left <= int(args[1]) + 5:
        bad.append(f"expires in {left} s, not {args[1]}")
    same("assumed role user", args[0], got["AssumedRoleUser"]["Arn"])
    with open(args[2], "w") as f:
        f.write(f"{c['AccessKeyId']} {c['SecretAccessKey']} "
                f"{c['SessionToken']}\n")
elif kind == "count":
    # count JSONPATH-ish: top-level list member has N items
    same(f"number of {args[0]}", int(args[1]), len(got[args[0]]))
elif kind == "requests":
    # requests ACTION MIN [MAX]: the fake saw that many such requests
    n = len([r for r in got if r["action"] == args[0]])
    hi = int(args[2]) if len(args) > 2 else 10**9
    if not int(args[1]) <= n <= hi:
        bad.append(f"{n} {args[0]} requests, expected {args[1]}..{hi}")
else:
    bad.append(f"unknown check {kind}")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
check() {
	kind=$1
	shift
	checks=$((checks + 1))
	if ! "$PY" "$T/check.py" "$kind" "$ESTATE" "$T/out" "$@" >"$T/chk" 2>&1; then
		failures=$((failures + 1))
		echo "FAIL: check $kind $*"
		sed 's/^/  | /' "$T/chk"
	fi
}
requests() {
	ctl GET /__requests >"$T/out"
}
fault() {
	ctl POST /__fault "$1" >/dev/null
}
clear_state() {
	ctl DELETE /__fault >/dev/null
	ctl DELETE /__requests >/dev/null
}

## What the CLI parses is the estate.
start_fake
regions=$("$PY" -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["Regions"]))' "$ESTATE/account.json")
same "$regions" "ap-northeast-1 ap-northeast-3 us-east-1"
for r in $regions; do
	run 0 cli "$r" ec2 describe-security-groups
	check sgs "$r"
	run 0 cli "$r" ec2 describe-security-group-rules
	check rules "$r"
	run 0 cli "$r" ec2 describe-instances
	check instances "$r"
done
run 0 cli us-east-1 ec2 describe-regions
check regions
run 0 cli us-east-1 ec2 describe-regions --all-regions
check regions all
run 0 cli ap-northeast-1 rds describe-db-instances
check rds ap-northeast-1
run 0 cli ap-northeast-1 elbv2 describe-load-balancers
check elbv2 ap-northeast-1
lb=arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/app/web-alb/0a1b2c3d4e5f0001
run 0 cli ap-northeast-1 elbv2 describe-listeners --load-balancer-arn "$lb"
check listeners ap-northeast-1
run 0 cli us-east-1 sts get-caller-identity
check identity AKIAFAKEDEMO00000001
role=arn:aws:iam::123456789012:role/CloudPatrolAudit
run 0 cli us-east-1 sts assume-role --role-arn "$role" \
	--role-session-name crosscheck --external-id cp-demo-external-7f3a \
	--duration-seconds 1800
check assume-role \
	arn:aws:sts::123456789012:assumed-role/CloudPatrolAudit/crosscheck \
	1800 "$T/session"
read -r sak ssk stok <"$T/session"
run 0 env AWS_ACCESS_KEY_ID="$sak" AWS_SECRET_ACCESS_KEY="$ssk" \
	AWS_SESSION_TOKEN="$stok" "$AWS" --endpoint-url "$URL" \
	--region us-east-1 --no-cli-pager --output json sts get-caller-identity
check assumed-identity CloudPatrolAudit crosscheck
run $CLIERR cli us-east-1 sts assume-role --role-arn "$role" \
	--role-session-name crosscheck --external-id wrong
has "$T/err" "AccessDenied"

## A wrong secret, an unknown key.
run $CLIERR env AWS_SECRET_ACCESS_KEY=wrong-secret "$AWS" --endpoint-url \
	"$URL" --region ap-northeast-1 --no-cli-pager ec2 describe-vpcs
has "$T/err" "SignatureDoesNotMatch"
run $CLIERR env AWS_SECRET_ACCESS_KEY=wrong-secret "$AWS" --endpoint-url \
	"$URL" --region us-east-1 --no-cli-pager sts get-caller-identity
has "$T/err" "SignatureDoesNotMatch"
run $CLIERR env AWS_ACCESS_KEY_ID=AKIAFAKEDEMO99999999 "$AWS" \
	--endpoint-url "$URL" --region us-east-1 --no-cli-pager \
	sts get-caller-identity
has "$T/err" "InvalidClientTokenId"

## Remediation through the CLI, seen in the estate and in the describes.
run $CLIERR cli ap-northeast-1 ec2 revoke-security-group-ingress \
	--group-id sg-0a1b2c3d4e5f00001 \
	--security-group-rule-ids sgr-0000000000000a001 --dry-run
has "$T/err" "DryRunOperation"
run $CLIERR env AWS_ACCESS_KEY_ID=AKIAFAKEDEMO00000002 \
	AWS_SECRET_ACCESS_KEY=demo-secret-readonly-0002 "$AWS" \
	--endpoint-url "$URL" --region ap-northeast-1 --no-cli-pager \
	ec2 revoke-security-group-ingress --group-id sg-0a1b2c3d4e5f00001 \
	--security-group-rule-ids sgr-0000000000000a001 --dry-run
has "$T/err" "UnauthorizedOperation"
run 0 cli ap-northeast-1 ec2 revoke-security-group-ingress \
	--group-id sg-0a1b2c3d4e5f00001 \
	--security-group-rule-ids sgr-0000000000000a001
has "$T/out" '"Return": true'
run 0 cli ap-northeast-1 ec2 modify-security-group-rules \
	--group-id sg-0a1b2c3d4e5f00003 --security-group-rules \
	'SecurityGroupRuleId=sgr-0000000000000a003,SecurityGroupRule={IpProtocol=tcp,FromPort=3306,ToPort=3306,CidrIpv4=10.0.0.0/8}'
run 0 cli ap-northeast-1 ec2 describe-security-group-rules \
	--filters Name=group-id,Values=sg-0a1b2c3d4e5f00001,sg-0a1b2c3d4e5f00003
lacks "$T/out" "sgr-0000000000000a001"
has "$T/out" '"CidrIpv4": "10.0.0.0/8"'
ctl GET /__estate/ec2 >"$T/estate-ec2.json"
"$PY" - "$T/estate-ec2.json" >"$T/rules" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["ap-northeast-1"]["SecurityGroups"]
for g in d:
    for p in g["IpPermissions"]:
        for e in p.get("IpRanges", []):
            print(g["GroupId"], p.get("FromPort"), e["CidrIp"],
                  e["SecurityGroupRuleId"])
PY
lacks "$T/rules" "sgr-0000000000000a001"
has "$T/rules" "sg-0a1b2c3d4e5f00003 3306 10.0.0.0/8 sgr-0000000000000a003"
ctl POST /__reset >/dev/null

## Paging: the fake pages by 2; the CLI follows NextToken.
start_fake --page-size 2
clear_state
run 0 cli ap-northeast-1 ec2 describe-security-groups
check sgs ap-northeast-1
check count SecurityGroups 5
requests
check requests DescribeSecurityGroups 3 3
clear_state
run 0 cli ap-northeast-1 ec2 describe-security-group-rules
check rules ap-northeast-1
requests
check requests DescribeSecurityGroupRules 7 7
clear_state
run 0 cli ap-northeast-1 rds describe-db-instances
check rds ap-northeast-1
requests
check requests DescribeDBInstances 1 1
clear_state
run 0 "$AWS" --endpoint-url "$URL" --region ap-northeast-1 --no-cli-pager \
	--output json rds describe-db-instances --page-size 20
check rds ap-northeast-1

## Faults, as the CLI sees them.
start_fake
clear_state
fault '{"service":"ec2","action":"DescribeSecurityGroups","kind":"throttle","count":-1}'
run $CLIERR cli ap-northeast-1 ec2 describe-security-groups
has "$T/err" "RequestLimitExceeded"
has "$T/err" "reached max retries: 2"
requests
check requests DescribeSecurityGroups 3 3
clear_state
fault '{"service":"sts","kind":"throttle-retry-after","count":1}'
run 0 cli us-east-1 sts get-caller-identity
check identity AKIAFAKEDEMO00000001
requests
check requests GetCallerIdentity 2 2
clear_state
fault '{"service":"sts","kind":"throttle","count":-1}'
run $CLIERR cli us-east-1 sts get-caller-identity
has "$T/err" "(Throttling)"
clear_state
fault '{"service":"rds","kind":"500","count":-1}'
run $CLIERR cli ap-northeast-1 rds describe-db-instances
has "$T/err" "InternalFailure"
requests
check requests DescribeDBInstances 3 3
clear_state
fault '{"service":"elasticloadbalancing","kind":"503","count":-1}'
run $CLIERR cli ap-northeast-1 elbv2 describe-load-balancers
has "$T/err" "ServiceUnavailable"
clear_state
fault '{"service":"ec2","region":"us-east-1","kind":"500","count":2}'
run 0 cli us-east-1 ec2 describe-instances
check instances us-east-1
clear_state
fault '{"service":"ec2","kind":"access-denied","count":1}'
run $CLIERR cli ap-northeast-1 ec2 describe-instances
has "$T/err" "UnauthorizedOperation"
clear_state
fault '{"service":"ec2","kind":"malformed","count":-1}'
run 255 cli ap-northeast-1 ec2 describe-vpcs
has "$T/err" "Unable to parse response"
clear_state
fault '{"service":"ec2","kind":"stall","seconds":4,"count":-1}'
run 255 cli ap-northeast-1 --cli-read-timeout 1 ec2 describe-vpcs
has "$T/err" "Read timeout"
clear_state
fault '{"service":"ec2","kind":"stall","seconds":1,"count":1}'
run 0 cli ap-northeast-1 ec2 describe-instances
check instances ap-northeast-1
clear_state

## ------------------------------------------------------------------
## Our collector against the CLI: on a fresh fake, cloudpatrol's aws plugin
## and the aws CLI must read the same security groups (with their rules),
## users and buckets.
## ------------------------------------------------------------------
start_fake
mkdir -p "$T/cp"
printf '[core]\nstate_dir = %s/cp/state\nlog_level = error\ngeoip_ipv4 = %s\n[plugin:aws]\nendpoint = %s\n' \
	"$T" "$ESTATE/geoip.csv" "$URL" >"$T/cp/cp.ini"
(umask 077 && printf '%s\n' "$AWS_SECRET_ACCESS_KEY" >"$T/cp/secret")
run 0 "$CP" -c "$T/cp/cp.ini" portal add x
run 0 "$CP" -c "$T/cp/cp.ini" -p x env add aws demo \
	--access-key-id "$AWS_ACCESS_KEY_ID" --secret-access-key-file "$T/cp/secret"
run 0 "$CP" -c "$T/cp/cp.ini" -p x inspect
for r in ap-northeast-1 ap-northeast-3 us-east-1; do
	run 0 cli "$r" ec2 describe-security-groups
	cp "$T/out" "$T/cli-sgs-$r.json"
done
run 0 cli us-east-1 iam list-users
cp "$T/out" "$T/cli-users.json"
run 0 cli us-east-1 s3api list-buckets
cp "$T/out" "$T/cli-buckets.json"
"$PY" - "$T" >"$T/ours.diff" <<'PY'
import glob, json, sqlite3, sys
t = sys.argv[1]
db = sqlite3.connect(glob.glob(t + "/cp/state/snapshots/unit-*.db")[0])
def ours(kind):
    return [(region, json.loads(j)) for region, j in db.execute(
        "SELECT region, json FROM resources WHERE type = ?", (kind,))]
def rules(g):
    out = []
    for p in g.get("IpPermissions", []):
        for e in p.get("IpRanges", []):
            out.append((str(p["IpProtocol"]), p.get("FromPort"),
                        p.get("ToPort"), e["CidrIp"]))
        for e in p.get("Ipv6Ranges", []):
            out.append((str(p["IpProtocol"]), p.get("FromPort"),
                        p.get("ToPort"), e["CidrIpv6"]))
    return sorted(out, key=repr)
bad = []
for r in ("ap-northeast-1", "ap-northeast-3", "us-east-1"):
    cli = json.load(open(f"{t}/cli-sgs-{r}.json"))["SecurityGroups"]
    want = sorted((g["GroupId"], g["GroupName"], repr(rules(g))) for g in cli)
    have = sorted((g["GroupId"], g["GroupName"], repr(rules(g)))
                  for region, g in ours("aws/ec2-security-group")
                  if region == r)
    if not want or want != have:
        bad.append(f"security groups of {r}:\n  cli:  {want}\n  ours: {have}")
users = sorted(u["UserName"] for u in
               json.load(open(t + "/cli-users.json"))["Users"])
have = sorted(u["UserName"] for _, u in ours("aws/iam-user"))
if not users or users != have:
    bad.append(f"users: cli {users}, ours {have}")
buckets = sorted(b["Name"] for b in
                 json.load(open(t + "/cli-buckets.json"))["Buckets"])
have = sorted(b["Name"] for _, b in ours("aws/s3-bucket"))
if not buckets or buckets != have:
    bad.append(f"buckets: cli {buckets}, ours {have}")
if bad:
    print("\n".join(bad))
PY
checks=$((checks + 1))
if [ -s "$T/ours.diff" ]; then
	failures=$((failures + 1))
	echo "FAIL: our collector and the aws CLI read different things:"
	sed 's/^/  /' "$T/ours.diff"
fi

stop_fake
finish
