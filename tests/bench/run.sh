#!/bin/sh
# run.sh [NAME] - runs every benchmark of tests/bench, or the one called
# NAME (make bench BENCH=NAME).  Each prints its progress on stderr and
# ends with one line on stdout:
#   BENCH <name> ours=<s>s peer=<s>s ratio=<peer/ours> rss_mib=<n> [k=v...]
set -eu
: "${CP_TOP_SRCDIR:?run through make bench}"
: "${CP_TOP_BUILDDIR:?run through make bench}"

benchmarks="policy-eval aws-collect xlsx-write daemon-idle scan-full scan-hosts \
scan-identify"
want=${1:-}
ran=0
for b in $benchmarks; do
	if [ -z "$want" ] || [ "$want" = "$b" ]; then
		sh "$CP_TOP_SRCDIR/tests/bench/$b.sh"
		ran=$((ran + 1))
	fi
done
if [ "$ran" -eq 0 ]; then
	echo "no benchmark called '$want' (there are: $benchmarks)" >&2
	exit 1
fi
