#!/bin/sh
# report-xlsx.sh - the report-xlsx plugin through test_report_xlsx (every
# refusal and fault, under the sanitizers too), then its sample workbook
# read back by Debian's openpyxl (check_xlsx.py): sheets and their order,
# header style, freeze and filter, cell values, types and formats.
set -eu
: "${CP_TOP_BUILDDIR:=$(pwd)}"
: "${CP_TOP_SRCDIR:=$(cd "$(dirname "$0")/../../.." && pwd)}"
export CP_TOP_BUILDDIR CP_TOP_SRCDIR
# Debian's python3, with Debian's modules (not the one first on PATH).
py=/usr/bin/python3
here="$CP_TOP_SRCDIR/tests/plugins/report-xlsx"

if ! "$py" -c 'import openpyxl' 2>/dev/null; then
	echo "FAIL: report-xlsx: $py cannot import openpyxl" \
	    "(apt-get install python3-openpyxl)" >&2
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cp-xlsx-test.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

CP_XLSX_KEEP="$work" "$CP_TOP_BUILDDIR/tests/plugins/report-xlsx/test_report_xlsx"
"$py" "$here/check_xlsx.py" "$work/sample.xlsx"
