#!/usr/bin/python3
"""Reads a saved .eml with Python's email package and prints what
test_notify_mail checks, as one JSON object: the decoded headers, the
text and HTML bodies, the MIME layout, the longest line and any line end
that is not CRLF, and the defects the parser found."""

import email.policy
import email.utils
import json
import sys
from email.parser import BytesParser


def main():
    with open(sys.argv[1], "rb") as f:
        raw = f.read()
    msg = BytesParser(policy=email.policy.default).parsebytes(raw)

    head, _, _ = raw.partition(b"\r\n\r\n")
    lines = raw.split(b"\r\n")
    sender = msg["From"].addresses[0] if msg["From"] else None
    date_ok = False
    try:
        date_ok = email.utils.parsedate_to_datetime(msg["Date"]) is not None
    except (TypeError, ValueError):
        pass

    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    defects = [type(d).__name__ for part in msg.walk() for d in part.defects]
    out = {
        "from_name": sender.display_name if sender else None,
        "from_addr": sender.addr_spec if sender else None,
        "from_raw": msg.get("From").__str__() if msg["From"] else None,
        "to": [a.addr_spec for a in msg["To"].addresses] if msg["To"]
        else [],
        "subject": str(msg["Subject"]),
        "message_id": str(msg["Message-ID"]),
        "date": str(msg["Date"]),
        "date_ok": date_ok,
        "mime_version": str(msg["MIME-Version"]),
        "auto_submitted": str(msg["Auto-Submitted"]),
        "content_type": msg.get_content_type(),
        "parts": [p.get_content_type() for p in msg.walk()],
        "text": text.get_content().replace("\r\n", "\n") if text else None,
        "html": html.get_content().replace("\r\n", "\n") if html else None,
        "charset": text.get_content_charset() if text else None,
        "cte": text["Content-Transfer-Encoding"] if text else None,
        "max_header_line": max(len(x) for x in head.split(b"\r\n")),
        "max_line": max(len(x) for x in lines),
        "bare_lf": sum(1 for x in lines if b"\n" in x or b"\r" in x),
        "defects": defects,
    }
    json.dump(out, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
