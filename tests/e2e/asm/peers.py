#!/usr/bin/python3
"""peers.py - the banner service and the hostile peers of asm-scan.sh.

peers.py PORTFILE: listens on free ports of 127.0.0.1 and writes
"name port" lines to PORTFILE:
  ssh      an OpenSSH-like identification string, then closes
  endless  a banner that never ends (no newline, ever)
  garbage  binary garbage
  bigheader an HTTP answer whose header is 100 MB long
  stalltls accepts, reads, never answers (a stalled TLS handshake)
Every connection has its own thread; a peer that resets is ignored.
"""
import os
import socket
import sys
import threading


def serve(sock, fn):
    while True:
        c, _ = sock.accept()
        threading.Thread(target=guard, args=(c, fn), daemon=True).start()


def guard(c, fn):
    try:
        fn(c)
    except OSError:
        pass
    finally:
        c.close()


def ssh(c):
    c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")


def endless(c):
    chunk = b"A" * 65536
    for _ in range(2000):
        c.sendall(chunk)


def garbage(c):
    data = bytes(range(256)) * 64
    for _ in range(100):
        c.sendall(data)


def bigheader(c):
    c.settimeout(5)
    c.recv(4096)
    c.sendall(b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nX-Big: ")
    chunk = b"b" * 65536
    for _ in range(100 * 16):
        c.sendall(chunk)


def stalltls(c):
    c.settimeout(10)
    while c.recv(4096):
        pass


def main():
    peers = {"ssh": ssh, "endless": endless, "garbage": garbage,
             "bigheader": bigheader, "stalltls": stalltls}
    lines = []
    for name, fn in peers.items():
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        lines.append("%s %d\n" % (name, s.getsockname()[1]))
        threading.Thread(target=serve, args=(s, fn), daemon=True).start()
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.writelines(lines)
    os.rename(tmp, sys.argv[1])
    threading.Event().wait()


if __name__ == "__main__":
    main()
