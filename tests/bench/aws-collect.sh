#!/bin/sh
# aws-collect.sh - collection of one AWS account against the aws CLI.
#
# The fake AWS (tests/fakes/aws) serves the demo account grown to
# BENCH_SGS security groups (default 50,000) over BENCH_REGIONS regions
# (default 17).  Ours: tests/bench/aws_collect has the aws plugin collect
# the whole account (every collector of every region, security groups and
# their rules included) into a snapshot.  The peer: Debian's aws CLI runs
# "ec2 describe-security-groups" region by region over the same fake, as
# an operator's script would.  Both read the same pages (1,000 groups a
# page) and every request of both is checked for its SigV4 signature.
# BENCH_RUNS runs each (default 3); prints the medians:
#   BENCH aws-collect ours=<s>s peer=<s>s ratio=<peer/ours> rss_mib=<n> ...
set -eu
: "${CP_TOP_SRCDIR:?run through make bench}"
: "${CP_TOP_BUILDDIR:?run through make bench}"

sgs=${BENCH_SGS:-50000}
regions=${BENCH_REGIONS:-17}
runs=${BENCH_RUNS:-3}
py=${CP_PYTHON3:-/usr/bin/python3}
aws=/usr/bin/aws
fakes="$CP_TOP_SRCDIR/tests/fakes/aws"
prog="$CP_TOP_BUILDDIR/tests/bench/aws_collect"

if [ ! -x "$aws" ] && [ "$(id -u)" -eq 0 ] &&
    command -v apt-get >/dev/null 2>&1; then
	echo "aws-collect: installing awscli" >&2
	apt-get install -y -q awscli python3-botocore >/dev/null 2>&1 || true
fi
[ -x "$aws" ] || { echo "aws-collect: needs Debian's awscli" >&2; exit 1; }

work=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/cp-bench-aws.XXXXXX")
fake=
cleanup() {
	[ -n "$fake" ] && kill "$fake" 2>/dev/null && wait "$fake" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

median() {
	sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

echo "aws-collect: starting the fake with $sgs security groups over" \
    "$regions regions" >&2
"$py" "$fakes/fakeaws.py" --estate "$fakes/estates/demo" \
    --scale-sgs "$sgs" --scale-regions "$regions" \
    --port-file "$work/port" --quiet 2>"$work/fake.log" &
fake=$!
i=0
while [ ! -s "$work/port" ]; do
	i=$((i + 1))
	if [ "$i" -gt 600 ] || ! kill -0 "$fake" 2>/dev/null; then
		echo "aws-collect: the fake did not start:" >&2
		cat "$work/fake.log" >&2
		exit 1
	fi
	sleep 0.1
done
endpoint="http://127.0.0.1:$(cat "$work/port")"

# The demo estate's first credential and account.
set -- $("$py" -c 'import json, sys
a = json.load(open(sys.argv[1]))
c = a["Credentials"][0]
print(a["AccountId"], c["AccessKeyId"], c["SecretAccessKey"])' \
    "$fakes/estates/demo/account.json")
account=$1 key_id=$2
(umask 077 && printf '%s\n' "$3" >"$work/secret")
secret=$3

cat >"$work/cloudpatrol.ini" <<EOF
[core]
state_dir = $work/state
log_level = error
[plugin:aws]
endpoint = $endpoint
EOF

: >"$work/ours"
i=0
while [ "$i" -lt "$runs" ]; do
	"$prog" "$work/cloudpatrol.ini" "$key_id" "$work/secret" "$account" \
	    "$work/unit.db" >>"$work/ours"
	echo "aws-collect: ours run $((i + 1)): $(tail -n 1 "$work/ours")" \
	    "(seconds rss_kib resources security_groups errors)" >&2
	i=$((i + 1))
done
ours=$(cut -d' ' -f1 "$work/ours" | median)
rss_kib=$(cut -d' ' -f2 "$work/ours" | median)
ours_sgs=$(cut -d' ' -f4 "$work/ours" | median)

# The peer, region by region, as the CLI is used.
export AWS_ACCESS_KEY_ID="$key_id" AWS_SECRET_ACCESS_KEY="$secret"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_PAGER=""
region_list=$("$aws" --endpoint-url "$endpoint" --region us-east-1 \
    ec2 describe-regions --query 'Regions[].RegionName' --output text)
: >"$work/peer"
i=0
while [ "$i" -lt "$runs" ]; do
	n=0
	t0=$(date +%s.%N)
	for r in $region_list; do
		"$aws" --endpoint-url "$endpoint" --region "$r" --output json \
		    ec2 describe-security-groups >"$work/peer.json"
		c=$("$py" -c 'import json, sys
print(len(json.load(open(sys.argv[1]))["SecurityGroups"]))' \
		    "$work/peer.json")
		n=$((n + c))
	done
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' >>"$work/peer"
	echo "aws-collect: peer run $((i + 1)): $(tail -n 1 "$work/peer")s," \
	    "$n security groups" >&2
	i=$((i + 1))
done
peer=$(median <"$work/peer")
if [ "$n" != "$ours_sgs" ]; then
	echo "aws-collect: ours read $ours_sgs security groups, the CLI $n" >&2
	exit 1
fi

echo "$ours $peer $rss_kib $n $(echo $region_list | wc -w)" | awk '{
	printf "BENCH aws-collect ours=%.3fs peer=%.3fs ratio=%.2f " \
	    "rss_mib=%.1f security_groups=%d regions=%d\n",
	    $1, $2, $2 / $1, $3 / 1024, $4, $5 }'
