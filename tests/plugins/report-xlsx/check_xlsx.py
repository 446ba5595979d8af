#!/usr/bin/python3
"""check_xlsx.py SAMPLE.xlsx - reads the sample workbook test_report_xlsx
wrote with Debian's openpyxl and checks what a reader sees: the sheets
and their order, the bold frozen header with its autofilter, the widths,
every cell's value, type and number format, hyperlinks, and formula
neutralisation.  Prints one line per problem; exit 1 when there is any.
"""
import datetime
import sys

import openpyxl

problems = []


def expect(what, got, want):
    if got != want:
        problems.append("%s: got %r, want %r" % (what, got, want))


def check_header(ws, titles):
    expect("%s freeze" % ws.title, ws.freeze_panes, "A2")
    last = openpyxl.utils.get_column_letter(len(titles))
    expect("%s autofilter" % ws.title, ws.auto_filter.ref,
           "A1:%s%d" % (last, ws.max_row))
    for i, title in enumerate(titles, 1):
        c = ws.cell(row=1, column=i)
        expect("%s header %d" % (ws.title, i), c.value, title)
        expect("%s header %d bold" % (ws.title, i), bool(c.font.b), True)


def check_cell(ws, ref, value, kind, fmt=None, link=None):
    """kind: openpyxl's data_type ('s', 'n', 'd'), or None for empty."""
    c = ws[ref]
    where = "%s!%s" % (ws.title, ref)
    if isinstance(value, float):
        if not isinstance(c.value, (int, float)) or \
                abs(c.value - value) > 1e-9:
            problems.append("%s: got %r, want %r" % (where, c.value, value))
    elif isinstance(value, datetime.datetime):
        # A serial day number: compare to the second.
        got = c.value
        if isinstance(got, datetime.datetime):
            got = (got + datetime.timedelta(microseconds=500000)).replace(
                microsecond=0)
        expect(where, got, value)
    else:
        expect(where, c.value, value)
    if value is None:
        return
    expect(where + " type", c.data_type, kind)
    if fmt is not None:
        expect(where + " format", c.number_format, fmt)
    got_link = c.hyperlink.target if c.hyperlink is not None else None
    expect(where + " hyperlink", got_link, link)


def main():
    wb = openpyxl.load_workbook(sys.argv[1])
    expect("sheets", wb.sheetnames,
           ["Summary", "Types", "日本語", "Long", "Many"])
    expect("title", wb.properties.title, "cloudpatrol test")
    D = datetime.datetime
    PCT, DEC, INT, TS = "0.0%", "0.00", "0", "yyyy-mm-dd hh:mm:ss"

    # The summary, added first and filled last through "resume".
    ws = wb["Summary"]
    check_header(ws, ["Environment", "Score", "Checked", "Rows"])
    expect("Summary rows", ws.max_row, 3)
    check_cell(ws, "A2", "production", "s")
    check_cell(ws, "B2", 0.875, "n", PCT)
    check_cell(ws, "C2", D(2025, 11, 25, 9, 0, 0), "d", TS)
    check_cell(ws, "D2", 20000, "n", INT)
    check_cell(ws, "A3", "staging", "s")
    check_cell(ws, "B3", 0.5, "n", PCT)
    check_cell(ws, "C3", D(2025, 11, 25, 10, 0, 0), "d", TS)
    check_cell(ws, "D3", 9, "n", INT)
    # The width hint, and widths from the titles (at least 8; dates 20).
    widths = {k: round(v.width) for k, v in ws.column_dimensions.items()}
    expect("Summary width A", widths.get("A"), 25)
    expect("Summary width C", widths.get("C"), 21)

    ws = wb["Types"]
    check_header(ws, ["Text", "Integer", "Decimal", "Percentage",
                      "Timestamp", "URL"])
    expect("Types rows", ws.max_row, 11)
    check_cell(ws, "A2", "plain", "s")
    check_cell(ws, "B2", 42, "n", INT)
    check_cell(ws, "C2", 3.25, "n", DEC)
    check_cell(ws, "D2", 0.875, "n", PCT)
    check_cell(ws, "E2", D(2025, 11, 25, 9, 0, 0), "d", TS)
    check_cell(ws, "F2", "https://example.com/a?b=1", "s",
               link="https://example.com/a?b=1")
    for col in "ABCDEF":
        check_cell(ws, col + "3", None, None)
    # Formula-like text is neutralised; nothing is a formula.
    check_cell(ws, "A4", "'=1+1", "s")
    check_cell(ws, "A5", "'+x", "s")
    check_cell(ws, "A6", "'-2", "s")
    check_cell(ws, "A7", "'@SUM(A1)", "s")
    check_cell(ws, "A8", "'\tx", "s")
    # openpyxl leaves the OOXML escape of CR (_x000D_) in inline strings
    # as it is; LibreOffice reads a CR (libreoffice.sh).
    if ws["A9"].value not in ("'\rx", "'_x000D_x"):
        problems.append("Types!A9: got %r, want \"'\\rx\"" % ws["A9"].value)
    check_cell(ws, "A10", "'=1+1", "s")	# neutralised by the core: kept
    for row in ws.iter_rows():
        for c in row:
            if c.data_type == "f":
                problems.append("%s!%s is a formula" % (ws.title,
                                                       c.coordinate))
    check_cell(ws, "B4", -7, "n", INT)
    check_cell(ws, "C4", -0.5, "n", DEC)
    check_cell(ws, "D4", 1.0, "n", PCT)
    check_cell(ws, "E4", D(1970, 1, 1), "d", TS)
    check_cell(ws, "F4", "ftp://example.com/x", "s")
    # Past Excel's exact integers and dates: text, nothing lost.
    check_cell(ws, "B5", "1234567890123456", "s")
    check_cell(ws, "C5", 1000000.0, "n", DEC)
    check_cell(ws, "D5", 0.0005, "n", PCT)
    check_cell(ws, "E5", "1900-01-01 00:00:00", "s")
    check_cell(ws, "F5", "javascript:alert(1)", "s")
    check_cell(ws, "E6", D(9999, 12, 31, 23, 59, 59), "d", TS)
    check_cell(ws, "F6", "HTTP://EXAMPLE.COM/UPPER", "s",
               link="HTTP://EXAMPLE.COM/UPPER")
    check_cell(ws, "A11", "after resume", "s")
    check_cell(ws, "B11", 1, "n", INT)

    ws = wb["日本語"]
    check_header(ws, ["リソース名", "リスク"])
    check_cell(ws, "A2", "ウェブサーバー", "s")
    check_cell(ws, "B2", "高: 22番ポートが公開", "s")
    widths = {k: round(v.width) for k, v in ws.column_dimensions.items()}
    expect("日本語 width A (5 wide characters)", widths.get("A"), 14)

    ws = wb["Long"]
    check_header(ws, ["Text"])
    check_cell(ws, "A2", "a" * 32767, "s")
    check_cell(ws, "A3", "\u3042" * 32767, "s")

    ws = wb["Many"]
    check_header(ws, ["Resource", "N", "At"])
    expect("Many rows", ws.max_row, 20001)
    t0 = D(2025, 11, 25, 9, 0, 0)
    n = 0
    for i, (a, b, c) in enumerate(ws.iter_rows(min_row=2,
                                               values_only=True)):
        ok = a == "resource-%06d" % i and b == i and \
            isinstance(c, datetime.datetime) and \
            abs((c - t0).total_seconds() - i * 60) < 0.5
        if not ok:
            problems.append("Many row %d: %r %r %r" % (i + 2, a, b, c))
            break
        n += 1
    expect("Many data rows", n, 20000)

    for p in problems:
        print("check_xlsx: " + p)
    if problems:
        return 1
    print("check_xlsx: %s: every sheet as expected" % sys.argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
