#!/bin/sh
# policy-eval.sh - policy evaluation of 1,000,000 resources against jq.
#
# policy_eval writes one snapshot of BENCH_RESOURCES resources (20 types of
# the four clouds, 1-4 KB of JSON each, about 5 % breaking a rule), then
# evaluates the 50 policies of tests/bench/policies on BENCH_THREADS
# threads, BENCH_RUNS times.  The peer runs the same 50 rules written for
# jq (tests/bench/peer/*.jq: each selects its type, as the SQL does), one
# jq process per rule, BENCH_THREADS at a time, on a BENCH_SLICE percent
# sample of the same JSON; its times are scaled to the whole
# (peer_scaled=100/BENCH_SLICE):
#   peer	over the whole inventory, one JSON object a line;
#   peer_split	over a file per type, as if jq had our index by type.
#
# Prints the median of the runs:
#   BENCH policy-eval ours=<s>s peer=<s>s ratio=<peer/ours> rss_mib=<n> ...
# rp_per_s is resources x policies / ours (each policy reads only its own
# type); fails are the failing results of ours and, on the slice, of jq:
# they agree up to the sampling (exactly with BENCH_SLICE=100).
set -eu
: "${CP_TOP_SRCDIR:?run through make bench}"
: "${CP_TOP_BUILDDIR:?run through make bench}"

n=${BENCH_RESOURCES:-1000000}
pct=${BENCH_SLICE:-10}
runs=${BENCH_RUNS:-3}
threads=${BENCH_THREADS:-2}
now=1714521600		# the clock policy_eval gives the engine
prog="$CP_TOP_BUILDDIR/tests/bench/policy_eval"
policies="$CP_TOP_SRCDIR/tests/bench/policies"
rules="$CP_TOP_SRCDIR/tests/bench/peer"

# The peer: Debian's jq, installed when missing and we may.
if ! command -v jq >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] &&
    command -v apt-get >/dev/null 2>&1; then
	echo "policy-eval: installing jq" >&2
	apt-get install -y -q jq >/dev/null 2>&1 || true
fi

work=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/cp-bench-policy.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

median() {
	sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

now_s() {
	date +%s.%N
}

echo "policy-eval: writing $n resources" >&2
"$prog" gen "$work/unit.db" "$n" "$work/slice" "$pct" >&2

i=0
while [ "$i" -lt "$runs" ]; do
	"$prog" eval "$work/unit.db" "$policies" "$threads" >>"$work/ours"
	echo "policy-eval: ours run $((i + 1)): $(tail -n 1 "$work/ours")" \
	    "(seconds rss_kib results fails policies)" >&2
	i=$((i + 1))
done
ours=$(cut -d' ' -f1 "$work/ours" | median)
rss_kib=$(cut -d' ' -f2 "$work/ours" | median)
fails=$(cut -d' ' -f4 "$work/ours" | median)
npol=$(cut -d' ' -f5 "$work/ours" | median)

peer=-
ratio=-
peer_split=-
peer_fails=-

# run_jq KIND: each rule over its input, BENCH_THREADS jq at a time,
# BENCH_RUNS times; prints the median seconds of a run.
run_jq() {
	: >"$work/t.$1"
	i=0
	while [ "$i" -lt "$runs" ]; do
		t0=$(now_s)
		xargs -P "$threads" -n 3 sh -c \
		    'jq -c --argjson now '"$now"' -f "$0" "$1" >"$2"' \
		    <"$work/jobs.$1"
		t1=$(now_s)
		echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' \
		    >>"$work/t.$1"
		echo "policy-eval: jq ($1) run $((i + 1)) on the ${pct} % slice:" \
		    "$(tail -n 1 "$work/t.$1") s" >&2
		i=$((i + 1))
	done
	median <"$work/t.$1"
}

scale() {
	echo "$1 $pct" | awk '{ printf "%.2f", $1 * 100 / $2 }'
}

if command -v jq >/dev/null 2>&1 && [ "$pct" -gt 0 ]; then
	# Every rule selects its type, as the SQL does.  "all": over the
	# whole inventory (the same JSON as the snapshot); "split": over a
	# file of its type only, the selectivity our index gives a policy.
	cat "$work"/slice/*.jsonl >"$work/all.jsonl"
	: >"$work/jobs.all"
	: >"$work/jobs.split"
	for pol in "$policies"/*.json; do
		id=$(basename "$pol" .json)
		type=$(jq -r '.resource_types[0]' "$pol" | tr / _)
		echo "$rules/$id.jq $work/all.jsonl $work/all.$id" \
		    >>"$work/jobs.all"
		echo "$rules/$id.jq $work/slice/$type.jsonl $work/split.$id" \
		    >>"$work/jobs.split"
	done
	peer=$(scale "$(run_jq all)")
	peer_split=$(scale "$(run_jq split)")
	ratio=$(echo "$peer $ours" | awk '{ printf "%.1f", $1 / $2 }')
	peer_fails=$(cat "$work"/all.* | grep -c '"fail"' || true)
	split_fails=$(cat "$work"/split.* | grep -c '"fail"' || true)
	if [ "$peer_fails" != "$split_fails" ]; then
		echo "policy-eval: jq disagrees with itself:" \
		    "$peer_fails against $split_fails" >&2
		exit 1
	fi
	ratio_split=$(echo "$peer_split $ours" |
	    awk '{ printf "%.1f", $1 / $2 }')
fi

echo "$ours $rss_kib $n $npol" | awk '{ printf "%.2f %d %.0f\n", $1, $2 / 1024,
    $3 * $4 / $1 }' >"$work/fig"
read -r ours_s rss_mib rps <"$work/fig"
unit() {
	[ "$1" = - ] && echo - || echo "${1}s"
}
echo "BENCH policy-eval ours=${ours_s}s peer=$(unit "$peer") ratio=$ratio" \
    "rss_mib=$rss_mib resources=$n policies=$npol threads=$threads" \
    "rp_per_s=$rps peer_split=$(unit "$peer_split")" \
    "ratio_split=${ratio_split:--} fails=$fails peer_fails=$peer_fails" \
    "peer_scaled=$((100 / (pct > 0 ? pct : 100)))"
