#!/usr/bin/python3
"""xlsx_write_peer.py OUT.xlsx ROWS - the peer of the xlsx-write benchmark:
openpyxl in write-only mode (its fast, streaming mode) writing the rows
tests/bench/xlsx_write.c writes through our plugin: the same 12 columns
and values, a bold frozen header, an autofilter, typed cells with the
same number formats.  Prints "<seconds> <peak RSS KiB>".
"""
import datetime
import resource
import sys
import time

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

T0 = 1764061200
EPOCH = datetime.datetime(1970, 1, 1)
TYPES = ["aws/ec2-instance", "aws/s3-bucket", "aws/iam-user",
         "aws/rds-db-instance"]
REGIONS = ["ap-northeast-1", "us-east-1", "eu-west-1"]
TITLES = ["Resource", "Type", "Region", "Findings", "Open ports", "Cost",
          "CPU", "Score", "Coverage", "Created", "Checked", "Owner"]


def main():
    out, rows = sys.argv[1], int(sys.argv[2])
    t0 = time.monotonic()
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Resources")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = "A1:L%d" % (rows + 1)
    bold = Font(bold=True)
    header = []
    for t in TITLES:
        c = WriteOnlyCell(ws, value=t)
        c.font = bold
        header.append(c)
    ws.append(header)

    def cell(value, fmt):
        c = WriteOnlyCell(ws, value=value)
        c.number_format = fmt
        return c

    for i in range(rows):
        ws.append([
            "i-%012x" % i, TYPES[i % 4], REGIONS[i % 3],
            cell(i % 17, "0"), cell((i * 7) % 65536, "0"),
            cell((i % 100000) / 4.0, "0.00"), cell((i % 1000) / 8.0, "0.00"),
            cell((i % 1000) / 1000.0, "0.0%"), cell((i % 200) / 200.0, "0.0%"),
            cell(EPOCH + datetime.timedelta(seconds=T0 - i * 60),
                 "yyyy-mm-dd hh:mm:ss"),
            cell(EPOCH + datetime.timedelta(seconds=T0 + i),
                 "yyyy-mm-dd hh:mm:ss"),
            "チーム%d" % (i % 50),
        ])
    wb.save(out)
    t1 = time.monotonic()
    print("%.3f %d" % (t1 - t0,
                       resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


if __name__ == "__main__":
    main()
