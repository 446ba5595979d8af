#!/usr/bin/python3
"""SMTP peers for test_notify_mail: aiosmtpd controllers on 127.0.0.1.

Each listener is an aiosmtpd Controller on a port the kernel picks:

  starttls   STARTTLS required (require_starttls), AUTH LOGIN/PLAIN only
             over TLS (auth_require_tls) and required, saves what arrives
  smtps      TLS from the first byte, AUTH required, saves what arrives
  plain      no TLS at all (no STARTTLS offered), no AUTH, saves
  tempfail   like starttls, but answers the end of DATA with 451
  othercert  like starttls, with a certificate of another CA

On every listener a recipient whose local part starts with "busy" is
answered 451 and one starting with "nobody" 550.  A message is saved as
DIR/<message-id>.eml (what the client sent, unchanged) and beside it a
.json with the envelope: mail_from, rcpt_tos, tls, login, helo.

When all listen, {"starttls": port, ...} is written to the --ready file
(through a rename, so it is never seen half written).  The server stops
on SIGTERM, when its parent goes away, or after --lifetime seconds.
"""

import argparse
import json
import logging
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
import warnings
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, TLSSetupException


class SocketController(Controller):
    """A Controller listening on a socket bound beforehand (port 0)."""

    def __init__(self, handler, sock, **kwargs):
        self.sock = sock
        super().__init__(handler, hostname="127.0.0.1",
                         port=sock.getsockname()[1], **kwargs)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self.sock,
                                       ssl=self.ssl_context)


class Saver:
    """Saves each message; refuses some recipients by their local part."""

    def __init__(self, folder, data_reply=None):
        self.folder = folder
        self.data_reply = data_reply
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("busy"):
            return "451 4.2.1 Mailbox busy, try again later"
        if local.startswith("nobody"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply is not None:
            return self.data_reply
        raw = envelope.original_content
        head = BytesHeaderParser().parsebytes(raw)
        mid = str(head.get("Message-ID", "none"))
        name = re.sub(r"[^A-Za-z0-9._@-]", "_", mid.strip("<> "))[:100]
        tls = server.transport.get_extra_info("ssl_object") is not None
        login = getattr(session.auth_data, "login", None)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": tls,
            "login": login.decode() if isinstance(login, bytes) else login,
            "helo": session.host_name,
        }
        with self.lock:
            path = os.path.join(self.folder, name)
            n = 1
            while os.path.exists(path + ".eml"):
                n += 1
                path = os.path.join(self.folder, "%s.%d" % (name, n))
            with open(path + ".json", "w") as f:
                json.dump(meta, f)
            with open(path + ".eml.tmp", "wb") as f:
                f.write(raw)
            os.rename(path + ".eml.tmp", path + ".eml")
        return "250 2.0.0 Message accepted for delivery"


class QuietExpected(logging.Filter):
    """Drops what aiosmtpd logs about things these tests do on purpose: a
    handshake the client refuses (the othercert listener exists to be
    refused), AUTH required without STARTTLS (smtps is TLS already), and
    its own use of the deprecated Session.login_data."""

    NOISE = ("login_data is deprecated", "auth_require_tls == False")

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, TLSSetupException):
            return False
        return not any(n in record.getMessage() for n in self.NOISE)


def tls_context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--other-cert", required=True)
    ap.add_argument("--other-key", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--lifetime", type=float, default=120)
    args = ap.parse_args()

    logging.getLogger("mail.log").addFilter(QuietExpected())
    warnings.filterwarnings("ignore", message="Requiring AUTH while not")
    with open(args.password_file, "rb") as f:
        password = f.read().rstrip(b"\r\n")
    user = args.user.encode()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (mechanism in ("LOGIN", "PLAIN") and
              auth_data.login == user and auth_data.password == password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    good = tls_context(args.cert, args.key)
    other = tls_context(args.other_cert, args.other_key)
    saver = Saver(args.dir)
    auth = dict(authenticator=authenticator, auth_required=True,
                auth_require_tls=True)
    specs = {
        "starttls": (saver, dict(tls_context=good, require_starttls=True,
                                 **auth)),
        # aiosmtpd 1.4 counts only STARTTLS as TLS for auth_require_tls;
        # this connection is TLS from its first byte.
        "smtps": (saver, dict(ssl_context=good, authenticator=authenticator,
                              auth_required=True, auth_require_tls=False)),
        "plain": (saver, dict()),
        "tempfail": (Saver(args.dir, "451 4.3.0 Queue full, try later"),
                     dict(tls_context=good, require_starttls=True,
                          **auth)),
        "othercert": (saver, dict(tls_context=other, require_starttls=True,
                                  **auth)),
    }
    controllers, ports = [], {}
    for name, (handler, kw) in specs.items():
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        ctl = SocketController(handler, sock, server_hostname="mx.test",
                               **kw)
        ctl.start()
        controllers.append(ctl)
        ports[name] = sock.getsockname()[1]

    tmp = args.ready + ".tmp"
    with open(tmp, "w") as f:
        json.dump(ports, f)
    os.rename(tmp, args.ready)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    parent = os.getppid()
    deadline = time.monotonic() + args.lifetime
    while not stop.wait(0.2):
        if os.getppid() != parent or time.monotonic() > deadline:
            break
    for ctl in controllers:
        ctl.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
