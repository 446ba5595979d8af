"""check_bulk.py - the bulk workbook of the demo estate, read back.

    check_bulk.py xlsx FILE.xlsx AWS.txt [AZURE.txt]   with openpyxl
    check_bulk.py csv DIR AWS.txt [AZURE.txt]          LibreOffice's CSV
                                                       files (one a sheet)

AWS.txt is tests/e2e/aws-demo-expected.txt, AZURE.txt
tests/e2e/azure-demo-expected.txt (one finding a line): the AWS unit is
checked in detail; with AZURE.txt the Azure subscriptions are there too
(summary rows, their findings, their own account ledger).
Prints what differs and exits 1; silent and 0 when the workbook is as
expected.
"""
import csv
import datetime
import glob
import os
import sys

SHEETS = ["Summary", "Risk diagnosis A", "Risk diagnosis B", "CIS audit",
          "Asset ledger", "Account ledger (AWS)", "Resource list", "ASM"]
AZURE_SHEETS = ["Summary", "Risk diagnosis A", "Risk diagnosis B",
                "CIS audit", "Asset ledger", "Account ledger (AWS)",
                "Account ledger (Azure)", "Resource list", "ASM"]
# The demo's exposed services: CVE -> (CVSS, KEV) from the fake intel.
ASM_CVES = {"CVE-2021-26855": ("9.8", "yes"), "CVE-2022-41741": ("7.8", "no"),
            "CVE-2023-38408": ("9.8", "no"), "CVE-2023-45802": ("5.9", "no")}
# The demo tenant's subscriptions and its Entra users.
AZURE_UNITS = ("1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081",
               "9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4")
AZURE_USERS = 8
# The frameworks of the AWS unit: summary name -> framework id.
FRAMEWORKS = {"CIS AWS Foundations Benchmark 5.0.0": "cis-aws-5.0.0",
              "CIS AWS Foundations Benchmark 6.0.0": "cis-aws-6.0.0"}
UNIT = ("demo-prod", "aws", "123456789012")


def expected_lines(path):
    """The findings of an expected file, one per line (repeats kept)."""
    return [l.split("#")[0].strip() for l in open(path)
            if l.split("#")[0].strip()]


def expected_findings(path):
    return set(expected_lines(path))


problems = 0
_print = print


def print(*args):
    global problems
    problems += 1
    _print(*args)


def check(what, got, want):
    if got != want:
        print("%s: got %r, want %r" % (what, got, want))


def score_ok(name, r):
    passed, failed = int(r[4]), int(r[5])
    score = r[7]
    if isinstance(score, str):
        score = float(score.rstrip("%")) / 100
    if passed + failed and abs(score - passed / (passed + failed)) > 0.001:
        print("%s score %r is not %d / %d" % (name, r[7], passed,
                                              passed + failed))


def check_sheets(sheets, want_findings, azure=None):
    """sheets: {name: [rows as lists of cells]} (header first); azure: the
    Azure findings, one a line, or None when the demo had no Azure."""
    check("sheets", list(sheets), SHEETS if azure is None else AZURE_SHEETS)
    summary = sheets.get("Summary", [[]])
    check("summary header", summary[0][:4],
          ["Report", "Environment", "Cloud", "Unit"])
    # The AWS unit's rows, by report.
    scores = {r[0]: r for r in summary[1:] if tuple(r[1:4]) == UNIT}
    check("summary reports", sorted(scores),
          sorted(["Risk diagnosis A", "Risk diagnosis B"] + list(FRAMEWORKS)))
    audit = sheets.get("CIS audit", [[]])
    acol = {h: i for i, h in enumerate(audit[0])}
    for name, r in scores.items():
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
        score_ok(name, r)
    n_azure = len(azure) if azure is not None else 0
    if azure is not None:
        # A row per subscription, and the "All" rows count every finding.
        for report in ("Risk diagnosis A", "Risk diagnosis B"):
            units = sorted(str(r[3]) for r in summary[1:]
                           if r[0] == report and r[2] == "azure" and r[3])
            check(report + " azure units", units, sorted(AZURE_UNITS))
            total = [r for r in summary[1:]
                     if r[0] == report and r[1] == "All"]
            check(report + " all fail", [int(r[5]) for r in total],
                  [len(want_findings) + n_azure])
        for r in summary[1:]:
            score_ok("%s %s" % (r[0], r[3]), r)
    risks = sheets.get("Risk diagnosis A", [[]])
    col = {h: i for i, h in enumerate(risks[0])}
    got = {"%s %s" % (r[col["Policy ID"]], r[col["Resource ID"]])
           for r in risks[1:]}
    check("risk A findings", sorted(got),
          sorted(set(want_findings) | set(azure or [])))
    check("risk B rows", len(sheets.get("Risk diagnosis B", [])) - 1,
          len(want_findings) + n_azure)

    def aws_rows(name):
        rows = sheets.get(name, [])
        return [r for r in rows[1:] if len(r) > 2 and str(r[2]) == UNIT[2]]
    check("asset rows", len(aws_rows("Asset ledger")), 6)
    check("account rows", len(aws_rows("Account ledger (AWS)")), 5)
    check("resource rows", len(aws_rows("Resource list")), 53)
    asm = sheets.get("ASM", [[]])
    col = {h: i for i, h in enumerate(asm[0])}
    if "CVE" in col:
        got = {str(r[col["CVE"]]): ("%.1f" % float(r[col["CVSS"]]),
                                    str(r[col["KEV"]]))
               for r in asm[1:] if r[col["CVE"]]}
        check("asm cves", got, ASM_CVES)
    else:
        print("asm: no CVE column in %r" % asm[0])
    if azure is not None:
        users = sheets.get("Account ledger (Azure)", [[]])
        check("azure account header", users[0][2:10],
              ["Subscription", "Object ID", "Display name",
               "User principal name", "Mail", "Member or guest",
               "Invitation state", "Created (UTC)"])
        check("azure account rows", sorted(str(r[2]) for r in users[1:]),
              sorted(list(AZURE_UNITS) * AZURE_USERS))
        check("azure guests", sum(1 for r in users[1:] if r[7] == "guest"),
              2 * len(AZURE_UNITS))


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
        for s in AZURE_SHEETS:
            if stem.endswith("-" + s):
                by_name[s] = f
    sheets = {}
    for s in AZURE_SHEETS:
        if s in by_name:
            with open(by_name[s], encoding="utf-8", newline="") as f:
                sheets[s] = list(csv.reader(f))
    check("csv files", len(files), len(sheets))
    return sheets


def main():
    mode, path, expected = sys.argv[1:4]
    want = expected_findings(expected)
    azure = expected_lines(sys.argv[4]) if len(sys.argv) > 4 else None
    sheets = from_xlsx(path) if mode == "xlsx" else from_csv_dir(path)
    check_sheets(sheets, want, azure)
    sys.exit(1 if problems else 0)


main()
