#!/bin/sh
# xlsx-write.sh - a 1,000,000-row, 12-column report written as XLSX by the
# report-xlsx plugin (tests/bench/xlsx_write, through its report ops as
# the core drives it) against openpyxl in write-only mode writing the
# same rows with the same formats (xlsx_write_peer.py, Debian's
# python3-openpyxl).  BENCH_ROWS rows (default 1000000), BENCH_RUNS runs
# each (default 3); prints the medians:
#   BENCH xlsx-write ours=<s>s peer=<s>s ratio=<peer/ours> rss_mib=<n> ...
set -eu
: "${CP_TOP_SRCDIR:?run through make bench}"
: "${CP_TOP_BUILDDIR:?run through make bench}"

rows=${BENCH_ROWS:-1000000}
runs=${BENCH_RUNS:-3}
py=/usr/bin/python3
prog="$CP_TOP_BUILDDIR/tests/bench/xlsx_write"
plugin="$CP_TOP_BUILDDIR/plugins/report-xlsx/.libs/report-xlsx.so"

[ -f "$plugin" ] || { echo "xlsx-write: the report-xlsx plugin is not" \
    "built (apt-get install libxlsxwriter-dev, then configure)" >&2; exit 1; }
"$py" -c 'import openpyxl' 2>/dev/null || { echo "xlsx-write: needs" \
    "Debian's python3-openpyxl (apt-get install python3-openpyxl)" >&2
    exit 1; }

work=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/cp-bench-xlsx.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

median() {
	sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

: >"$work/ours"
: >"$work/peer"
i=0
while [ "$i" -lt "$runs" ]; do
	"$prog" "$plugin" "$work/ours.xlsx" "$rows" >>"$work/ours"
	echo "xlsx-write: ours run $((i + 1)): $(tail -n 1 "$work/ours")" \
	    "(seconds rss_kib), $(wc -c <"$work/ours.xlsx") bytes" >&2
	rm -f "$work/ours.xlsx"
	"$py" "$CP_TOP_SRCDIR/tests/bench/xlsx_write_peer.py" \
	    "$work/peer.xlsx" "$rows" >>"$work/peer"
	echo "xlsx-write: peer run $((i + 1)): $(tail -n 1 "$work/peer")" \
	    "(seconds rss_kib), $(wc -c <"$work/peer.xlsx") bytes" >&2
	rm -f "$work/peer.xlsx"
	i=$((i + 1))
done
ours=$(cut -d' ' -f1 "$work/ours" | median)
peer=$(cut -d' ' -f1 "$work/peer" | median)
rss_kib=$(cut -d' ' -f2 "$work/ours" | median)

echo "$ours $peer $rss_kib $rows" | awk '{
	printf "BENCH xlsx-write ours=%.3fs peer=%.3fs ratio=%.2f " \
	    "rss_mib=%.1f rows=%d cols=12\n", $1, $2, $2 / $1, $3 / 1024, $4 }'
