#!/usr/bin/python3
"""slack_sink.py - a local Slack incoming-webhook sink for the tests of
the notify-slack plugin.  Standard library only.

Binds 127.0.0.1 on a free port, prints the port on the first line of
stdout, and serves until killed or until its parent process goes away.
With --cert/--key it speaks HTTPS only.

Every POST is recorded in --dir as N.body (the body as received) and
N.json ({"method", "path", "content_type", "length"}), N counting from 1,
both complete before the answer goes out.

The first segment of the path chooses Slack's answer, as Slack documents
it for incoming webhooks:
  /ok/...                   200 ok
  /ratelimited/...          429 rate_limited, Retry-After: 30
  /error/...                500 internal_error
  /invalid_payload/...      400 invalid_payload
  /invalid_blocks/...       400 invalid_blocks
  /invalid_token/...        403 invalid_token
  /action_prohibited/...    403 action_prohibited
  /channel_not_found/...    404 channel_not_found
  /no_service/...           404 no_service
  /archived/...             410 channel_is_archived
  /leak/...                 404 no_service, with the request URL after it
  /slow/...                 200 ok after 3 seconds
"""

import argparse
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY_MAX = 4 * 1024 * 1024

ROUTES = {
    "ok": (200, "ok", {}),
    "ratelimited": (429, "rate_limited", {"Retry-After": "30"}),
    "error": (500, "internal_error", {}),
    "invalid_payload": (400, "invalid_payload", {}),
    "invalid_blocks": (400, "invalid_blocks", {}),
    "invalid_token": (403, "invalid_token", {}),
    "action_prohibited": (403, "action_prohibited", {}),
    "channel_not_found": (404, "channel_not_found", {}),
    "no_service": (404, "no_service", {}),
    "archived": (410, "channel_is_archived", {}),
}

LOCK = threading.Lock()
COUNT = [0]


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "slack-sink"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, text, headers):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > BODY_MAX:
            self.answer(413, "too_large", {})
            return
        body = self.rfile.read(length)
        with LOCK:
            COUNT[0] += 1
            n = COUNT[0]
            meta = {
                "method": "POST",
                "path": self.path,
                "content_type": self.headers.get("Content-Type"),
                "length": len(body),
            }
            base = os.path.join(self.server.record_dir, str(n))
            write_atomic(base + ".body", body)
            write_atomic(base + ".json", json.dumps(meta).encode())
        route = self.path.lstrip("/").split("/", 1)[0]
        if route == "slow":
            time.sleep(3)
            route = "ok"
        if route == "leak":
            self.answer(404, "no_service for %s%s" % (
                self.headers.get("Host", ""), self.path), {})
            return
        status, text, headers = ROUTES.get(route, (404, "no_service", {}))
        self.answer(status, text, headers)

    def do_GET(self):
        self.answer(405, "method_not_allowed", {})


def watch_parent(parent):
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.record_dir = args.dir
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=watch_parent, args=(os.getppid(),),
                     daemon=True).start()
    sys.stdout.write("%d\n" % server.server_address[1])
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
