#!/usr/bin/python3
"""fakevuln: NVD, EPSS, KEV and MyJVN on one loopback port, for tests.

Answers are built from the real samples in tests/fixtures/asm:
  GET /rest/json/cves/2.0?virtualMatchString=cpe:2.3:P:V:PROD
      (or cpeName=...)&startIndex=&resultsPerPage=   the NVD records whose
      configurations name P:V:PROD, paged (--nvd-page-size caps a page)
  GET /data/v1/epss?cve=ID,ID,...    EPSS: the sample's scores, made up
      for the other ids (at most 100 ids per request, like FIRST)
  GET /kev.json                      the KEV catalog sample
  GET /myjvn?method=getVulnOverviewList&cpeName=cpe:/P:V:PROD&startItem=
      &maxCountItem=                 one JVNDB entry per NVD CVE of the
      product, in the sample's XML, paged (--jvn-page-size caps a page)
Control (POST, JSON body):
  /__fault {"path": "/rest", "status": 429, "count": 1, "after": 0}
      after AFTER more of them, the next COUNT requests whose path starts with PATH get STATUS
      (an empty body; status 200 with "body" sends that body instead)
  /__reset   forget faults and the request log
  GET /__requests   the request log: [{"path", "query", "apiKey"}]
"""

import argparse
import glob
import html
import json
import os
import re
import sys
import threading
import urllib.parse
import http.server

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures", "asm")
MAX_BODY = 1 << 16


def clone(entry, k):
    """A copy of a sample record under another id (for paging tests)."""
    c = json.loads(json.dumps(entry))
    c["cve"]["id"] = "%s%03d" % (entry["cve"]["id"], k)
    return c


def load_nvd(clones):
    """The sample CVE records, as {"cve": record} entries, and clones."""
    out = []
    for f in sorted(glob.glob(os.path.join(FIX, "nvd-*.json"))):
        with open(f, encoding="utf-8") as fp:
            d = json.load(fp)
        if "vulnerabilities" in d:
            out.extend(d["vulnerabilities"])
        else:
            out.append({"cve": d})
    return out + [clone(e, k) for e in out for k in range(clones)]


def products(entry):
    """part:vendor:product of every criteria of a record."""
    got = set()
    for c in entry["cve"].get("configurations", []):
        for n in c.get("nodes", []):
            for m in n.get("cpeMatch", []):
                f = m.get("criteria", "").split(":")
                if len(f) > 5:
                    got.add(":".join(f[2:5]))
    return got


def nvd_product(q):
    """P:V:PROD of virtualMatchString or cpeName."""
    name = (q.get("virtualMatchString") or q.get("cpeName") or [""])[0]
    f = name.split(":")
    return ":".join(f[2:5]) if name.startswith("cpe:2.3:") and len(f) > 4 \
        else None


def jvn_parts():
    """Head, one item and the status element of the MyJVN sample."""
    with open(os.path.join(FIX, "myjvn-getVulnOverviewList-hnd-sample.xml"),
              encoding="utf-8") as fp:
        x = fp.read()
    head = x[:x.index("<item ")]
    head = re.sub(r"<items>.*?</items>", "<items><rdf:Seq/></items>", head,
                  flags=re.S)
    item = re.search(r"<item .*?</item>", x, re.S).group(0)
    status = re.search(r"<status:Status.*?/>", x, re.S).group(0)
    return head, item, status


class State:
    def __init__(self, a):
        self.a = a
        self.lock = threading.Lock()
        self.log = []
        self.faults = []
        self.nvd = load_nvd(a.nvd_clones)
        with open(os.path.join(FIX, "kev-catalog.json"), "rb") as fp:
            self.kev = fp.read()
        with open(os.path.join(FIX, "epss-v1-api-cve-CVE-2014-9900.json"),
                  encoding="utf-8") as fp:
            self.epss = json.load(fp)
        self.jvn = jvn_parts()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakevuln"

    def log_message(self, fmt, *args):
        if not self.server.st.a.quiet:
            sys.stderr.write(fmt % args + "\n")

    def send(self, status, body, ctype="application/json"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        st = self.server.st
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            return self.send(413, "{}")
        body = json.loads(self.rfile.read(n) or b"{}")
        with st.lock:
            if self.path == "/__fault":
                st.faults.append({"path": body["path"],
                                  "status": int(body.get("status", 500)),
                                  "count": int(body.get("count", 1)),
                                  "after": int(body.get("after", 0)),
                                  "body": body.get("body")})
            elif self.path == "/__reset":
                st.faults, st.log = [], []
            else:
                return self.send(404, "{}")
        self.send(200, "{}")

    def do_GET(self):
        st = self.server.st
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path == "/__requests":
            with st.lock:
                return self.send(200, json.dumps(st.log))
        with st.lock:
            st.log.append({"path": u.path, "query": u.query,
                           "apiKey": self.headers.get("apiKey")})
            fault = next((f for f in st.faults
                          if u.path.startswith(f["path"])), None)
            if fault is not None and fault["after"] > 0:
                fault["after"] -= 1
                fault = None
            elif fault is not None:
                fault["count"] -= 1
                if fault["count"] <= 0:
                    st.faults.remove(fault)
        if fault is not None:
            return self.send(fault["status"], fault["body"] or "")
        if u.path == "/rest/json/cves/2.0":
            return self.nvd(q)
        if u.path == "/data/v1/epss":
            return self.epss(q)
        if u.path == "/kev.json":
            return self.send(200, st.kev)
        if u.path == "/myjvn":
            return self.jvn(q)
        self.send(404, "{}")

    def nvd(self, q):
        st = self.server.st
        if st.a.api_key and self.headers.get("apiKey") != st.a.api_key:
            return self.send(404, "")       # NVD's answer to a bad key
        prod = nvd_product(q)
        if prod is None:
            return self.send(404, "")
        try:
            start = int(q.get("startIndex", ["0"])[0])
            per = int(q.get("resultsPerPage", ["2000"])[0])
        except ValueError:
            return self.send(404, "")
        per = max(0, min(per, 2000, st.a.nvd_page_size))
        hits = [e for e in st.nvd if prod in products(e)]
        page = hits[start:start + per]
        self.send(200, json.dumps({
            "resultsPerPage": len(page), "startIndex": start,
            "totalResults": len(hits), "format": "NVD_CVE",
            "version": "2.0", "timestamp": "2026-01-01T00:00:00.000",
            "vulnerabilities": page}))

    def epss(self, q):
        st = self.server.st
        ids = [i for i in ",".join(q.get("cve", [])).split(",") if i]
        if len(ids) > 100:
            return self.send(400, "{}")
        data = []
        for i, cve in enumerate(ids):
            known = [d for d in st.epss["data"] if d["cve"] == cve]
            data.append(known[0] if known else {
                "cve": cve, "epss": "0.%09d" % (1000000 + 37 * i),
                "percentile": "0.%09d" % (500000000 + i),
                "date": "2026-01-01"})
        doc = dict(st.epss, total=len(data), data=data)
        self.send(200, json.dumps(doc))

    def jvn(self, q):
        st = self.server.st
        head, item, status = st.jvn
        name = q.get("cpeName", [""])[0]
        f = name.split(":")
        if q.get("method", [""])[0] != "getVulnOverviewList" or len(f) < 4:
            return self.send(400, "", "text/xml")
        prod = ":".join([f[1].lstrip("/")] + f[2:4])
        cves = sorted({e["cve"]["id"] for e in st.nvd
                       if prod in products(e)})
        try:
            first = max(1, int(q.get("startItem", ["1"])[0]))
            per = int(q.get("maxCountItem", ["50"])[0])
        except ValueError:
            return self.send(400, "", "text/xml")
        per = max(1, min(per, 50, st.a.jvn_page_size))
        page = cves[first - 1:first - 1 + per]
        items = []
        for cve in page:
            jid = "JVNDB-%s-%06d" % (cve.split("-")[1],
                                     int(cve.split("-")[2]) % 1000000)
            it = re.sub(r"JVNDB-\d{4}-\d+", jid, item)
            it = re.sub(r"CVE-\d{4}-\d+", cve, it)
            it = re.sub(r"<title>.*?</title>", "<title>%s</title>" %
                        html.escape("%s の脆弱性 (%s)" % (prod, cve)), it,
                        count=1, flags=re.S)
            it = re.sub(r"cpe:/[^<\s]+", "cpe:/" + prod, it)
            items.append(it)
        stat = re.sub(r'totalRes="\d+"', 'totalRes="%d"' % len(cves), status)
        stat = re.sub(r'totalResRet="\d+"', 'totalResRet="%d"' % len(page),
                      stat)
        stat = re.sub(r'firstRes="\d+"', 'firstRes="%d"' % first, stat)
        stat = re.sub(r'maxCountItem="\d+"', 'maxCountItem="%d"' % per, stat)
        self.send(200, head + "\n".join(items) + "\n" + stat + "\n</rdf:RDF>\n",
                  "text/xml; charset=utf-8")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv=None):
    global FIX
    ap = argparse.ArgumentParser(description="A fake NVD/EPSS/KEV/MyJVN.")
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--port-file", help="write the port number here")
    ap.add_argument("--nvd-page-size", type=int, default=2000)
    ap.add_argument("--jvn-page-size", type=int, default=50)
    ap.add_argument("--nvd-clones", type=int, default=0,
                    help="N copies of each record under other ids")
    ap.add_argument("--api-key", help="NVD answers only this apiKey header")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--fixtures", help="the samples (default: %s)" % FIX)
    a = ap.parse_args(argv)
    if a.fixtures:
        FIX = a.fixtures
    if a.nvd_page_size < 1 or a.jvn_page_size < 1:
        ap.error("page sizes must be at least 1")
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.st = State(a)
    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as fp:
            fp.write("%d\n" % port)
        os.rename(tmp, a.port_file)
    else:
        print(port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    main()
