#!/usr/bin/python3
"""http_test_server.py - a local HTTP(S) server for the HTTP client's tests.

Binds 127.0.0.1 on a free port, prints the port on the first line of
stdout, and serves until killed (or until its parent process goes away).
With --cert/--key it speaks HTTPS only.  Standard library only.

Every request carries a counting key, ?key=K (default: the path); the
server records per key how many requests came, the most that were in
flight at once and when each arrived (monotonic seconds), and /stats?key=K
returns them as JSON.  A 200 answer echoes the request as JSON:
{"method", "path", "headers": [[name, value], ...], "body_len"}.

Routes:
  /echo                     200 echo
  /status?code=C            status C with the echo
  /flaky?code=C&n=N[&ra=R]  the first N requests of the key get status C
                            (with Retry-After R; R "date" sends an HTTP
                            date one second ahead), later ones 200 echo
  /sleep?ms=M               waits M ms, then 200 echo
  /truncated?n=N            the first N (default: all) announce 1000 bytes,
                            send 100 and close; later ones 200 echo
  /big?bytes=B[&chunked=1]  a body of B bytes, with Content-Length or
                            chunked (no length announced)
  /headers?n=N              200 with N extra header lines X-H-i
  /pages?n=N&per=K[&page=P] page P (from 0) of N, K items each:
                            {"items": [...], "next": URL or null}
  /stats?key=K              the records of key K
"""

import argparse
import email.utils
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
COUNT = {}
ACTIVE = {}
MAX_ACTIVE = {}
TIMES = {}


def arg(query, name, default):
    values = query.get(name)
    return values[0] if values else default


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cp-test-server"
    # Headers and body go out in separate writes: without this, Nagle's
    # algorithm and delayed ACKs add 40 ms to every request.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)

    def handle(self):
        try:
            super().handle()
        except (OSError, ValueError):
            pass

    def do_GET(self):
        self.route()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def send(self, status, body, ctype="application/json", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def echo(self, status=200, extra=()):
        doc = {
            "method": self.command,
            "path": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body_len": self.body_len,
        }
        self.send(status, json.dumps(doc).encode(), extra=extra)

    def route(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length", "0") or "0")
        self.body_len = len(self.rfile.read(length)) if length > 0 else 0
        if url.path == "/stats":
            self.stats(arg(query, "key", ""))
            return
        key = arg(query, "key", url.path)
        with LOCK:
            COUNT[key] = COUNT.get(key, 0) + 1
            nth = COUNT[key]
            ACTIVE[key] = ACTIVE.get(key, 0) + 1
            MAX_ACTIVE[key] = max(MAX_ACTIVE.get(key, 0), ACTIVE[key])
            TIMES.setdefault(key, []).append(time.monotonic())
        # A request is active while the server works on it (/sleep's
        # wait), not while its answer travels: the client may send its
        # next request as soon as it has read the answer, before this
        # thread runs again, and that must not count as an overlap.
        try:
            if url.path == "/sleep":
                time.sleep(int(arg(query, "ms", "100")) / 1000.0)
        finally:
            with LOCK:
                ACTIVE[key] -= 1
        self.serve(url.path, query, nth)

    def stats(self, key):
        with LOCK:
            doc = {
                "count": COUNT.get(key, 0),
                "max_concurrent": MAX_ACTIVE.get(key, 0),
                "times": TIMES.get(key, []),
            }
        self.send(200, json.dumps(doc).encode())

    def serve(self, path, query, nth):
        if path == "/echo":
            self.echo()
        elif path == "/status":
            self.echo(int(arg(query, "code", "200")))
        elif path == "/flaky":
            if nth <= int(arg(query, "n", "1")):
                extra = []
                ra = arg(query, "ra", None)
                if ra == "date":
                    ra = email.utils.formatdate(time.time() + 1,
                                                usegmt=True)
                if ra is not None:
                    extra.append(("Retry-After", ra))
                self.send(int(arg(query, "code", "500")), b"{}",
                          extra=extra)
            else:
                self.echo()
        elif path == "/sleep":
            self.echo()  # the wait was in route()
        elif path == "/truncated":
            if nth <= int(arg(query, "n", "1000000")):
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.write(b"t" * 100)
                self.wfile.flush()
                self.close_connection = True
            else:
                self.echo()
        elif path == "/big":
            self.big(int(arg(query, "bytes", "0")),
                     arg(query, "chunked", "0") == "1")
        elif path == "/headers":
            n = int(arg(query, "n", "0"))
            self.echo(extra=[("X-H-%d" % i, "v%d" % i) for i in range(n)])
        elif path == "/pages":
            self.page(query)
        else:
            self.send(404, b'{"error": "no such route"}')

    def big(self, size, chunked):
        if not chunked:
            self.send(200, b"b" * size, ctype="text/plain")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        left = size
        while left > 0:
            n = min(left, 16384)
            self.wfile.write(b"%x\r\n" % n + b"b" * n + b"\r\n")
            left -= n
        self.wfile.write(b"0\r\n\r\n")

    def page(self, query):
        n = int(arg(query, "n", "1"))
        per = int(arg(query, "per", "10"))
        p = int(arg(query, "page", "0"))
        items = [{"id": p * per + i} for i in range(per)]
        nxt = None
        if p + 1 < n:
            scheme = "https" if self.server.tls else "http"
            nxt = "%s://127.0.0.1:%d/pages?n=%d&per=%d&page=%d&key=%s" % (
                scheme, self.server.server_address[1], n, per, p + 1,
                arg(query, "key", "/pages"))
        self.send(200, json.dumps({"items": items, "next": nxt}).encode())


class Server(ThreadingHTTPServer):
    daemon_threads = True
    tls = None

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.tls is not None:
            # The handshake happens in the request's thread (setup()).
            sock = self.tls.wrap_socket(sock, server_side=True,
                                        do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        pass


def watch_parent(parent):
    """Exits when the test that started us is gone."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert")
    ap.add_argument("--key")
    opts = ap.parse_args()
    server = Server(("127.0.0.1", 0), Handler)
    if opts.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.cert, opts.key)
        server.tls = ctx
    threading.Thread(target=watch_parent, args=(os.getppid(),),
                     daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
