#!/bin/sh
# libreoffice.sh - the sample workbook of test_report_xlsx converted by
# LibreOffice (headless, every sheet to its own CSV file, cells as shown)
# and read back with Python's csv module (check_csv.py): another real
# reader than openpyxl, which shows number formats as Calc applies them.
# Run once, in the plain build: it takes seconds and runs no C of ours
# that the sanitizers would look at (report-xlsx.sh does).
set -eu
: "${CP_TOP_BUILDDIR:=$(pwd)}"
: "${CP_TOP_SRCDIR:=$(cd "$(dirname "$0")/../../.." && pwd)}"
py=/usr/bin/python3
here="$CP_TOP_SRCDIR/tests/plugins/report-xlsx"
soffice=$(command -v soffice || echo /usr/bin/soffice)

if [ ! -x "$soffice" ]; then
	echo "FAIL: libreoffice: soffice not found" \
	    "(apt-get install libreoffice-calc-nogui)" >&2
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cp-xlsx-lo.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/out" "$work/home"

"$CP_TOP_BUILDDIR/tests/plugins/report-xlsx/test_report_xlsx" --sample "$work"

# A profile of its own in a writable place: CI's HOME may be read-only,
# and a profile in use by another soffice would make this one wait.
# Filter options: comma, quote, UTF-8, from line 1, -, -, -, -, cells as
# shown, -, -, every sheet (-1: one file per sheet).
if ! HOME="$work/home" timeout 300 "$soffice" \
    "-env:UserInstallation=file://$work/profile" --headless --norestore \
    --convert-to \
    'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1' \
    --outdir "$work/out" "$work/sample.xlsx" >"$work/soffice.log" 2>&1; then
	echo "FAIL: libreoffice: soffice failed:" >&2
	cat "$work/soffice.log" >&2
	exit 1
fi
"$py" "$here/check_csv.py" "$work/out" sample
