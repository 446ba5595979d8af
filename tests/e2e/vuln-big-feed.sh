#!/bin/sh
# vuln-big-feed.sh - "vuln import nvd" streams a feed file: a gzipped
# NVD JSON 2.0 feed of 12,000 records (104 MB uncompressed, built from the
# real nginx record) is imported by a process whose address space is
# limited to 128 MB, which holding the document whole could never fit in;
# a feed broken after its 11,999th record leaves the cache as it was.
# The plain build only (the sanitizers need far more address space).
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"
PY=${CP_PYTHON3:-/usr/bin/python3}
cat >"$T/cp.ini" <<INI
[core]
state_dir = $T/state
language = en

[vuln]
online = no
INI
export CLOUDPATROL_CONFIG="$T/cp.ini"
# gen N OUT [BROKEN]: the feed, its records named CVE-2099-NNNNNNN
# (CVE-2098-... when broken, so that any kept record would show).
gen() {
	"$PY" - "$CP_TOP_SRCDIR/tests/fixtures/asm/nvd-cve-record-CVE-2022-41741-nginx.json" "$@" <<'PY'
import gzip, json, sys
src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
broken = len(sys.argv) > 4
rec = json.load(open(src))
with gzip.open(out, "wt", compresslevel=1, encoding="utf-8") as f:
    f.write('{"resultsPerPage": %d, "startIndex": 0, "totalResults": %d, '
            '"format": "NVD_CVE", "version": "2.0", "vulnerabilities": [\n'
            % (n, n))
    for k in range(n):
        rec["id"] = "CVE-%d-%07d" % (2098 if broken else 2099, k)
        if broken and k == n - 1:
            f.write(',{"cve": {"id": ')
            break
        f.write(("," if k else "") + json.dumps({"cve": rec}) + "\n")
    else:
        f.write('], "timestamp": "2026-11-26T00:00:00.000"}\n')
PY
}
gen 12000 "$T/feed.json.gz"
same "$("$PY" -c 'import gzip, sys
print(sum(len(b) for b in iter(lambda f=gzip.open(sys.argv[1]): f.read(1 << 20), b"")) > 100 * 1000 * 1000)' "$T/feed.json.gz")" True
run 0 prlimit --as=$((128 * 1024 * 1024)) "$CP" vuln import nvd "$T/feed.json.gz"
has "$T/out" "nvd: 12000 record(s) loaded"
run 0 "$CP" --json vuln status
"$PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["nvd"]["records"])' "$T/out" >"$T/n"
same "$(cat "$T/n")" 12000
# Broken at the end: none of its 11,999 complete records is kept.
gen 12000 "$T/broken.json.gz" broken
run 1 prlimit --as=$((128 * 1024 * 1024)) "$CP" vuln import nvd "$T/broken.json.gz"
has "$T/err" "ends inside \"vulnerabilities\" (after record 11999); the cache is unchanged"
run 0 "$CP" --json vuln status
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))["nvd"]
print(d["records"], d["origin"].endswith("feed.json.gz"))' "$T/out" >"$T/n"
same "$(cat "$T/n")" "12000 True"
finish
