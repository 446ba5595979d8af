#!/usr/bin/python3
"""fakeaws: a fake AWS on one loopback port, for cloudpatrol's tests.

Speaks the real wire protocols (EC2, Query, JSON 1.1, REST-XML,
REST-JSON) with SigV4 verification; see README.md.
"""

import argparse
import http.server
import os
import signal
import socket
import ssl
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True       # leave no __pycache__ in the tree

import fakeaws_core  # noqa: E402

LOOPBACK_NAMES = ("localhost", "ip6-localhost")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class Server6(Server):
    address_family = socket.AF_INET6


def loopback_only(host):
    """Only 127.0.0.1 and ::1 (or the names of the two)."""
    return host in LOOPBACK_NAMES or host in ("127.0.0.1", "::1")


def main(argv=None):
    ap = argparse.ArgumentParser(description="A fake AWS for tests.")
    ap.add_argument("--estate", required=True,
                    help="estate directory (account.json, ec2.json, ...)")
    ap.add_argument("--host", default="127.0.0.1",
                    help="loopback address to listen on (127.0.0.1, ::1)")
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--port-file", help="write the port number here")
    ap.add_argument("--page-size", type=int,
                    default=fakeaws_core.DEFAULT_PAGE_SIZE,
                    help="largest page any list answers with")
    ap.add_argument("--scale-sgs", type=int, default=0,
                    help="generate this many extra security groups")
    ap.add_argument("--scale-regions", type=int, default=0,
                    help="spread them over (and enable) the first N "
                         "regions of AllRegions")
    ap.add_argument("--session-duration", type=int,
                    help="seconds every AssumeRole credential lasts "
                         "(overrides DurationSeconds)")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--quiet", action="store_true",
                    help="no access log on stderr")
    a = ap.parse_args(argv)

    if not loopback_only(a.host):
        ap.error(f"--host {a.host}: only loopback addresses are allowed")
    if a.page_size < 1:
        ap.error("--page-size must be at least 1")
    if a.scale_sgs < 0 or a.scale_regions < 0:
        ap.error("--scale-sgs and --scale-regions must not be negative")
    if a.scale_sgs and not a.scale_regions:
        a.scale_regions = 1
    if a.session_duration is not None and a.session_duration < 1:
        ap.error("--session-duration must be at least 1")
    if bool(a.tls_cert) != bool(a.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if not os.path.isdir(a.estate):
        ap.error(f"--estate {a.estate}: no such directory")

    modules = fakeaws_core.load_modules(HERE)
    estate = fakeaws_core.Estate(a.estate, a.page_size, a.scale_sgs,
                                 a.scale_regions, a.session_duration)
    fake = fakeaws_core.Fake(estate, modules, quiet=a.quiet)
    estate.load()
    if a.scale_regions > len(estate.all_regions):
        ap.error(f"--scale-regions {a.scale_regions}: the estate has only "
                 f"{len(estate.all_regions)} regions")

    scheme = "https" if a.tls_cert else "http"
    handler = fakeaws_core.make_handler(fake, scheme)
    host = "127.0.0.1" if a.host == "localhost" else a.host
    host = "::1" if host == "ip6-localhost" else host
    cls = Server6 if ":" in host else Server
    srv = cls((host, a.port), handler)
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        # The handshake happens in the request's thread, on first read,
        # so a silent client cannot hold up accept().
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    port = srv.server_address[1]
    shown = f"[{host}]" if ":" in host else host

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, a.port_file)
    print(f"fakeaws: listening on {scheme}://{shown}:{port}", flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
