#!/usr/bin/python3
"""demo_sinks.py - the local peers of `cloudpatrol demo`: where it
delivers its notifications, and the services its attack-surface scan finds.

Two receivers on 127.0.0.1, ports chosen by the kernel:

  smtp   a plain SMTP server (Debian's python3-aiosmtpd) that saves every
         message as DIR/mail/NNN.eml, as the client sent it
  slack  an HTTP server taking Slack incoming-webhook POSTs to /hook/...
         and saving each body as DIR/slack/NNN.json; it answers "ok" as
         Slack does

and four "exposed" services that present themselves as old versions of
real products (they only answer with a banner and a page; nothing behind
them is vulnerable):

  a web shop as nginx 1.22.0, an SSH server as OpenSSH 9.2p1, an intranet
  as Apache httpd 2.4.57, and Outlook on the web of Exchange 2019 CU8

When all listen, {"smtp": port, "slack": port, "exposed": [port, ...]} is
written to the --ready file (through a rename, so it is never seen half
written).  It stops on
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


def web_handler(headers, title, home=None):
    """An HTTP server that answers every GET with headers and a page; with
    home, the web root redirects there (as Exchange's does to /owa/), and
    X-OWA-Version is only sent from there."""
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def version_string(self):
            return headers["Server"]

        def do_GET(self):
            body = ("<!DOCTYPE html><html><head><title>%s</title></head>"
                    "<body><h1>%s</h1></body></html>\n" % (title, title)
                    ).encode("utf-8")
            if home is not None and self.path == "/":
                self.send_response(302)
                self.send_header("Location", home)
            else:
                self.send_response(200)
                for k, v in headers.items():
                    if k != "Server":
                        self.send_header(k, v)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

    return Handler


def ssh_banner(sock, stop, banner):
    """Sends an SSH identification string to whoever connects."""
    sock.settimeout(0.5)
    while not stop.is_set():
        try:
            conn, _ = sock.accept()
        except OSError:
            continue
        try:
            conn.sendall(banner)
        except OSError:
            pass
        conn.close()


EXPOSED_WEB = [
    ({"Server": "nginx/1.22.0"}, "Demo shop", None),
    ({"Server": "Apache/2.4.57 (Debian)"}, "Intranet", None),
    ({"Server": "Microsoft-IIS/10.0", "X-Powered-By": "ASP.NET",
      "X-OWA-Version": "15.2.792.3"}, "Outlook", "/owa/"),
]
SSH_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"


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

    stop = threading.Event()
    exposed, servers = [], [httpd]
    for headers, title, home in EXPOSED_WEB:
        web = http.server.ThreadingHTTPServer((HOST, 0),
                                              web_handler(headers, title,
                                                          home))
        threading.Thread(target=web.serve_forever, daemon=True).start()
        servers.append(web)
        exposed.append(web.server_address[1])
    ssh = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ssh.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ssh.bind((HOST, 0))
    ssh.listen(16)
    threading.Thread(target=ssh_banner, args=(ssh, stop, SSH_BANNER),
                     daemon=True).start()
    exposed.append(ssh.getsockname()[1])

    tmp = args.ready + ".tmp"
    with open(tmp, "w") as fp:
        json.dump({"smtp": smtp_port, "slack": httpd.server_address[1],
                   "exposed": exposed}, fp)
    os.rename(tmp, args.ready)

    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    parent = os.getppid()
    deadline = time.monotonic() + args.lifetime
    while not stop.is_set() and time.monotonic() < deadline:
        if os.getppid() != parent:
            break
        stop.wait(0.5)
    stop.set()
    for srv in servers:
        srv.shutdown()
    ssh.close()
    smtp.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
