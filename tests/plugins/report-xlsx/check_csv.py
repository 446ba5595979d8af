#!/usr/bin/python3
"""check_csv.py DIR BASE - reads the CSV files LibreOffice made of the
sample workbook (DIR/BASE-SHEET.csv, one per sheet, cells as shown) with
Python's csv module and checks them.  Prints one line per problem; exit 1
when there is any.
"""
import csv
import os
import sys

problems = []


def expect(what, got, want):
    if got != want:
        problems.append("%s: got %r, want %r" % (what, got, want))


def rows(sheet):
    path = os.path.join(sys.argv[1], "%s-%s.csv" % (sys.argv[2], sheet))
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.reader(f))
    except OSError as e:
        problems.append("%s: %s" % (sheet, e))
        return []


def main():
    names = sorted(n for n in os.listdir(sys.argv[1]) if n.endswith(".csv"))
    expect("files", names, sorted("%s-%s.csv" % (sys.argv[2], s) for s in
                                  ["Summary", "Types", "日本語", "Long",
                                   "Many"]))
    expect("Summary", rows("Summary"), [
        ["Environment", "Score", "Checked", "Rows"],
        ["production", "87.5%", "2025-11-25 09:00:00", "20000"],
        ["staging", "50.0%", "2025-11-25 10:00:00", "9"]])
    expect("Types", rows("Types"), [
        ["Text", "Integer", "Decimal", "Percentage", "Timestamp", "URL"],
        ["plain", "42", "3.25", "87.5%", "2025-11-25 09:00:00",
         "https://example.com/a?b=1"],
        ["", "", "", "", "", ""],
        ["'=1+1", "-7", "-0.50", "100.0%", "1970-01-01 00:00:00",
         "ftp://example.com/x"],
        ["'+x", "1234567890123456", "1000000.00", "0.1%",
         "1900-01-01 00:00:00", "javascript:alert(1)"],
        ["'-2", "0", "0.00", "0.0%", "9999-12-31 23:59:59",
         "HTTP://EXAMPLE.COM/UPPER"],
        ["'@SUM(A1)", "", "", "", "", ""],
        ["'\tx", "", "", "", "", ""],
        ["'\rx", "", "", "", "", ""],
        ["'=1+1", "", "", "", "", ""],
        ["after resume", "1", "", "", "", ""]])
    expect("日本語", rows("日本語"), [["リソース名", "リスク"],
                                  ["ウェブサーバー", "高: 22番ポートが公開"]])
    expect("Long", rows("Long"), [["Text"], ["a" * 32767],
                                  ["\u3042" * 32767]])
    many = rows("Many")
    expect("Many rows", len(many), 20001)
    expect("Many row 2", many[1] if len(many) > 1 else None,
           ["resource-000000", "0", "2025-11-25 09:00:00"])
    expect("Many last row", many[-1] if many else None,
           ["resource-019999", "19999", "2025-12-09 06:19:00"])

    for p in problems:
        print("check_csv: " + p)
    if problems:
        return 1
    print("check_csv: every sheet as LibreOffice shows it, as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
