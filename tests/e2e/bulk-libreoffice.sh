#!/bin/sh
# bulk-libreoffice.sh - the demo's bulk workbook ("report bulk" over the
# fake AWS account) opened by LibreOffice (headless, every sheet converted
# to CSV) and checked with check_bulk.py: every sheet, every score, the
# findings of aws-demo-expected.txt.  demo.sh reads the same workbook with
# openpyxl.  The plain build only: it runs LibreOffice, not our C.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

py=${CP_PYTHON3:-/usr/bin/python3}
soffice=$(command -v soffice || echo /usr/bin/soffice)
if [ ! -x "$soffice" ]; then
	echo "FAIL: soffice not found (apt-get install libreoffice-calc-nogui)"
	exit 1
fi

cd "$T"
run 0 "$CP" --lang en demo --dir demo
has "$T/out" "Workbook:       $T/demo/cloudpatrol-bulk.xlsx"
mkdir "$T/csv" "$T/home"
# A profile of its own (CI's HOME may be read-only or shared).  Filter
# options: comma, quote, UTF-8, from line 1, cells as shown, every sheet
# to its own file (-1).
run 0 env HOME="$T/home" timeout 300 "$soffice" \
    "-env:UserInstallation=file://$T/profile" --headless --norestore \
    --convert-to \
    'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1' \
    --outdir "$T/csv" "$T/demo/cloudpatrol-bulk.xlsx"
run 0 "$py" "$CP_TOP_SRCDIR/tests/e2e/check_bulk.py" csv "$T/csv" \
    "$CP_TOP_SRCDIR/tests/e2e/aws-demo-expected.txt" \
    "$CP_TOP_SRCDIR/tests/e2e/azure-demo-expected.txt"
finish
