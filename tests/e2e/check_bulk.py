"""check_bulk.py - the bulk workbook of the demo estate, read back.

    check_bulk.py xlsx FILE.xlsx EXPECTED.txt    with openpyxl
    check_bulk.py csv DIR EXPECTED.txt           LibreOffice's CSV files
                                                 (one per sheet)

EXPECTED.txt is tests/e2e/aws-demo-expected.txt (one finding a line).
Prints what differs and exits 1; silent and 0 when the workbook is as
expected.
"""
import csv
import datetime
import glob
import os
import sys

SHEETS = ["Summary", "Risk diagnosis A", "Risk diagnosis B", "CIS audit",
          "Asset ledger", "Account ledger (AWS)", "Resource list"]
# The frameworks of the AWS unit: summary name -> framework id.
FRAMEWORKS = {"CIS AWS Foundations Benchmark 5.0.0": "cis-aws-5.0.0",
              "CIS AWS Foundations Benchmark 6.0.0": "cis-aws-6.0.0"}
UNIT = ("demo-prod", "aws", "123456789012")


def expected_findings(path):
    return {l.split("#")[0].strip() for l in open(path)} - {""}


problems = 0
_print = print


def print(*args):
    global problems
    problems += 1
    _print(*args)


def check(what, got, want):
    if got != want:
        print("%s: got %r, want %r" % (what, got, want))


def check_sheets(sheets, want_findings):
    """sheets: {name: [rows as lists of cells]} (header first)."""
    check("sheets", list(sheets), SHEETS)
    summary = sheets.get("Summary", [[]])
    check("summary header", summary[0][:4],
          ["Report", "Environment", "Cloud", "Unit"])
    scores = {r[0]: r for r in summary[1:]}
    check("summary reports", sorted(scores),
          sorted(["Risk diagnosis A", "Risk diagnosis B"] + list(FRAMEWORKS)))
    audit = sheets.get("CIS audit", [[]])
    acol = {h: i for i, h in enumerate(audit[0])}
    for name, r in scores.items():
        check(name + " unit", tuple(r[1:4]), UNIT)
        passed, failed = int(r[4]), int(r[5])
        if name in FRAMEWORKS:
            # The audit's score counts its compliant and non-compliant
            # rows of that framework.
            st = [a[acol["Status"]] for a in audit[1:]
                  if a[acol["Framework"]] == FRAMEWORKS[name]]
            check(name + " compliant", passed, st.count("compliant"))
            check(name + " non-compliant", failed, st.count("non-compliant"))
        else:
            # Every open finding is one failed judgement.
            check(name + " fail", failed, len(want_findings))
        if passed <= 0:
            print(name + ": no pass counted")
        score = r[7]
        if isinstance(score, str):
            score = float(score.rstrip("%")) / 100
        if abs(score - passed / (passed + failed)) > 0.001:
            print("%s score %r is not %d / %d" % (name, r[7], passed,
                                                  passed + failed))
    risks = sheets.get("Risk diagnosis A", [[]])
    col = {h: i for i, h in enumerate(risks[0])}
    got = {"%s %s" % (r[col["Policy ID"]], r[col["Resource ID"]])
           for r in risks[1:]}
    check("risk A findings", sorted(got), sorted(want_findings))
    check("risk B rows", len(sheets.get("Risk diagnosis B", [])) - 1,
          len(want_findings))
    check("asset rows", len(sheets.get("Asset ledger", [])) - 1, 6)
    check("account rows", len(sheets.get("Account ledger (AWS)", [])) - 1,
          5)
    check("resource rows", len(sheets.get("Resource list", [])) - 1, 53)


def from_xlsx(path):
    import openpyxl
    wb = openpyxl.load_workbook(path)
    sheets = {}
    for ws in wb.worksheets:
        sheets[ws.title] = [[c if c is not None else "" for c in row]
                            for row in ws.iter_rows(values_only=True)]
        if ws.freeze_panes != "A2":
            print("%s: header not frozen (%r)" % (ws.title,
                                                   ws.freeze_panes))
        if not ws.auto_filter.ref:
            print("%s: no autofilter" % ws.title)
        if not ws["A1"].font.b:
            print("%s: header not bold" % ws.title)
    ws = wb["Risk diagnosis A"]
    head = [c.value for c in ws[1]]
    first = ws.cell(row=2, column=head.index("First detected (UTC)") + 1)
    if not first.is_date or not isinstance(first.value, datetime.datetime):
        print("risk A: first detection is not a date cell: %r" % first.value)
    score = wb["Summary"].cell(row=2, column=8)
    if not isinstance(score.value, float) or "%" not in score.number_format:
        print("summary: score is not a percentage: %r %r" %
              (score.value, score.number_format))
    return sheets


def from_csv_dir(d):
    # LibreOffice names the files BASE-SHEET.csv, in sheet order.
    files = glob.glob(os.path.join(d, "*.csv"))
    by_name = {}
    for f in files:
        stem = os.path.basename(f)[:-4]
        for s in SHEETS:
            if stem.endswith("-" + s):
                by_name[s] = f
    sheets = {}
    for s in SHEETS:
        if s in by_name:
            with open(by_name[s], encoding="utf-8", newline="") as f:
                sheets[s] = list(csv.reader(f))
    check("csv files", len(files), len(SHEETS))
    return sheets


def main():
    mode, path, expected = sys.argv[1:4]
    want = expected_findings(expected)
    sheets = from_xlsx(path) if mode == "xlsx" else from_csv_dir(path)
    check_sheets(sheets, want)
    sys.exit(1 if problems else 0)


main()
