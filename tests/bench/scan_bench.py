#!/usr/bin/python3
"""scan_bench.py NAME - the active scan benchmarks (DESIGN.md section 11).

scan-full      all 65,535 ports of 127.0.0.1 with a few listeners,
               against nmap -sT -T5 -n -Pn -p-
scan-hosts     the top 1,000 ports of 127.0.0.1-127.0.0.64, against nmap
               -sT -T5 -n -Pn -p <the same 1,000 ports>
scan-identify  HTTP/HTTPS identification of 10 services (python
               http.server, half behind TLS), against nmap -sT -sV
Identical open-port sets are required; each figure is the median of three
runs; the last line is "BENCH name ours=... peer=... ratio=... rss_mib=...".
"""
import json, os, resource, shutil, socket, ssl, statistics, subprocess
import sys, tempfile, threading, time
import http.server
import xml.etree.ElementTree as ET

SRC = os.environ["CP_TOP_SRCDIR"]
BUILD = os.environ["CP_TOP_BUILDDIR"]
CP = os.path.join(BUILD, "cloudpatrol")
RUNS = 3


def listeners(n, hosts=("127.0.0.1",)):
    socks = []
    for h in hosts:
        for _ in range(n):
            s = socket.socket()
            s.bind((h, 0))
            s.listen(128)
            socks.append(s)
    return socks


class Quiet(http.server.BaseHTTPRequestHandler):
    server_version = "nginx/1.22.1"
    sys_version = ""

    def do_GET(self):
        body = b"<html><title>bench</title></html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def http_servers(tmp, n):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", tmp + "/k.pem", "-out",
                    tmp + "/c.pem", "-days", "2", "-subj", "/CN=bench"],
                   check=True, capture_output=True)
    ports = []
    for i in range(n):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
        if i % 2:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tmp + "/c.pem", tmp + "/k.pem")
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        ports.append(srv.server_address[1])
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    return ports


def timed(cmd, env=None):
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, env=env)
    dt = time.monotonic() - t
    if p.returncode != 0:
        sys.exit("%s failed: %s" % (cmd[0], p.stderr.decode()[-2000:]))
    return dt, p.stdout


def listening():
    """(address, port) of every TCP listener, from /proc/net/tcp."""
    out = set()
    with open("/proc/net/tcp") as f:
        for line in list(f)[1:]:
            w = line.split()
            if w[3] == "0A":
                a, p = w[1].split(":")
                ip = ".".join(str(int(a[i:i + 2], 16)) for i in (6, 4, 2, 0))
                out.add((ip, int(p, 16)))
    return out


def nmap_open(xml):
    root = ET.fromstring(xml)
    out = set()
    for host in root.iter("host"):
        addr = host.find("address").get("addr")
        for p in host.iter("port"):
            if p.find("state").get("state") == "open":
                out.add((addr, int(p.get("portid"))))
    return out


def main():
    name = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="cp-bench-scan.")
    keep = []
    try:
        identify = "yes" if name == "scan-identify" else "no"
        os.makedirs(tmp + "/plugins")
        shutil.copy(BUILD + "/plugins/asm-active/.libs/asm-active.so",
                    tmp + "/plugins/")
        with open(tmp + "/cp.ini", "w") as f:
            f.write("[core]\nstate_dir = %s/state\nplugin_dirs = %s/plugins\n"
                    "language = en\n\n[plugin:asm-active]\nallow = loopback\n"
                    "identify = %s\ncpe_table = %s/plugins/asm-active/cpe.tsv\n"
                    "top_ports = %s/plugins/asm-active/top-ports.txt\n"
                    "concurrency = 8192\nper_host = 4096\n"
                    "banner_wait_ms = 300\n"
                    % (tmp, tmp, identify, SRC, SRC))
        env = dict(os.environ, CLOUDPATROL_CONFIG=tmp + "/cp.ini")
        subprocess.run([CP, "portal", "add", "bench"], env=env, check=True,
                       capture_output=True)
        if name == "scan-full":
            keep = listeners(5)
            targets = ["127.0.0.1"]
            ours_ports, peer_ports = "all", ["-p-"]
            peer = ["nmap", "-sT", "-T5", "-n", "-Pn"]
        elif name == "scan-hosts":
            hosts = ["127.0.0.%d" % i for i in range(1, 65)]
            keep = listeners(1, hosts[::8])
            with open(SRC + "/plugins/asm-active/top-ports.txt") as f:
                words = " ".join(l.split("#")[0] for l in f).split()
            spec = ",".join(words)
            targets = ["127.0.0.0/26"]
            hosts_n = hosts  # 127.0.0.0/26 holds .0-.63; add .64 below
            targets.append("127.0.0.64")
            ours_ports, peer_ports = spec, ["-p", spec]
            peer = ["nmap", "-sT", "-T5", "-n", "-Pn"]
            # our listeners are on random ports: add them to both sets
            extra = ",".join(str(s.getsockname()[1]) for s in keep)
            ours_ports += "," + extra
            peer_ports = ["-p", spec + "," + extra]
            del hosts_n
        elif name == "scan-identify":
            ports = http_servers(tmp, 10)
            targets = ["127.0.0.1"]
            ours_ports = ",".join(map(str, ports))
            peer_ports = ["-p", ours_ports]
            peer = ["nmap", "-sT", "-sV", "-n", "-Pn"]
        else:
            sys.exit("unknown benchmark " + name)
        for t in targets:
            subprocess.run([CP, "asm", "target", "add", t], env=env,
                           check=True, capture_output=True)
        peer_targets = (["127.0.0.0/26", "127.0.0.64"]
                        if name == "scan-hosts" else ["127.0.0.1"])
        ours_t, peer_t, ours_set, peer_set = [], [], None, None
        for _ in range(RUNS):
            before = listening()
            dt, out = timed([CP, "--json", "asm", "scan", "--active",
                             "--ports", ours_ports] + targets, env)
            ours_t.append(dt)
            ours_set = {(o["address"], o["port"]) for o in json.loads(out)}
            ours_raw = ours_set
            dt, out = timed(peer + peer_ports + ["-oX", "-"] + peer_targets)
            peer_t.append(dt)
            # nmap's own probes may connect to themselves on loopback
            # (simultaneous open): keep what really listens.
            # Other programs of the machine open and close listeners
            # meanwhile: compare what listened before and after both.
            live = before & listening()
            def stable(x):
                return x in live or ("0.0.0.0", x[1]) in live
            peer_set = {x for x in nmap_open(out) if stable(x)}
            ours_set = {x for x in ours_raw if stable(x)}
            if ours_set != peer_set:
                sys.exit("open ports differ: ours only %s, nmap only %s" % (
                    sorted(ours_set - peer_set)[:10],
                    sorted(peer_set - ours_set)[:10]))
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        o, p = statistics.median(ours_t), statistics.median(peer_t)
        print("BENCH %s ours=%.3fs peer=%.3fs ratio=%.2f rss_mib=%.1f "
              "open=%d runs=%d" % (name, o, p, p / o, rss, len(ours_set),
                                   RUNS))
    finally:
        for s in keep:
            s.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
