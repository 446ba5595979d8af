#!/usr/bin/python3
"""demo_sinks.py - where `cloudpatrol demo` delivers its notifications.

Two local receivers on 127.0.0.1, ports chosen by the kernel:

  smtp   a plain SMTP server (Debian's python3-aiosmtpd) that saves every
         message as DIR/mail/NNN.eml, as the client sent it
  slack  an HTTP server taking Slack incoming-webhook POSTs to /hook/...
         and saving each body as DIR/slack/NNN.json; it answers "ok" as
         Slack does

When both listen, {"smtp": port, "slack": port} is written to the --ready
file (through a rename, so it is never seen half written).  It stops on
SIGTERM or SIGINT, when its parent process goes away, or after --lifetime
seconds.  Nothing here is reachable from outside this machine.
"""

import argparse
import http.server
import json
import os
import signal
import socket
import sys
import threading
import time

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
MAX_BODY = 4 * 1024 * 1024


class Counter:
    """Numbers saved files 001, 002... per folder, across threads."""

    def __init__(self, folder):
        self.folder = folder
        self.lock = threading.Lock()
        self.n = 0
        os.makedirs(folder, exist_ok=True)

    def save(self, suffix, data):
        with self.lock:
            self.n += 1
            name = "%03d%s" % (self.n, suffix)
        tmp = os.path.join(self.folder, "." + name)
        with open(tmp, "wb") as fp:
            fp.write(data)
        os.rename(tmp, os.path.join(self.folder, name))


class BoundController(Controller):
    """aiosmtpd's Controller on a socket we bound to port 0 ourselves."""

    def __init__(self, handler, sock):
        self.bound = sock
        super().__init__(handler, hostname=HOST,
                         port=sock.getsockname()[1])

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker,
                                       sock=self.bound)


class MailHandler:
    def __init__(self, counter):
        self.counter = counter

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.counter.save(".eml", data)
        return "250 OK saved"


def slack_handler(counter):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            pass

        def answer(self, status, text):
            body = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            try:
                n = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                n = -1
            if n < 0 or n > MAX_BODY:
                self.answer(413, "too_large")
                return
            body = self.rfile.read(n)
            if not self.path.startswith("/hook/"):
                self.answer(404, "no_service")
                return
            try:
                json.loads(body)
            except ValueError:
                self.answer(400, "invalid_payload")
                return
            counter.save(".json", body)
            self.answer(200, "ok")

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--lifetime", type=float, default=3600)
    args = ap.parse_args()

    mail = Counter(os.path.join(args.dir, "mail"))
    slack = Counter(os.path.join(args.dir, "slack"))

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    smtp_port = sock.getsockname()[1]
    smtp = BoundController(MailHandler(mail), sock)
    smtp.start()

    httpd = http.server.ThreadingHTTPServer((HOST, 0), slack_handler(slack))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    tmp = args.ready + ".tmp"
    with open(tmp, "w") as fp:
        json.dump({"smtp": smtp_port, "slack": httpd.server_address[1]}, fp)
    os.rename(tmp, args.ready)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    parent = os.getppid()
    deadline = time.monotonic() + args.lifetime
    while not stop.is_set() and time.monotonic() < deadline:
        if os.getppid() != parent:
            break
        stop.wait(0.5)
    httpd.shutdown()
    smtp.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
