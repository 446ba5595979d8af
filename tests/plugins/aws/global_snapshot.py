#!/usr/bin/python3
"""global_snapshot.py DB PORT [--no-index] [--events N] - checks a
snapshot of the aws plugin's global and per-region collectors (s3, iam,
iam-credential-report, cloudtrail, cloudtrail-events, guardduty, cost,
resource-explorer) against the estate the fake AWS on 127.0.0.1:PORT
serves (GET /__estate/NAME), by the contract of plugins/aws/README.md.

--no-index: the estate has no Resource Explorer index (Enabled false and
no aws/resource).  --events N: how many events the snapshot holds (the
first collection: every estate event of the last 24 hours).
Prints one line per problem; exits 1 when there is any.
"""
import datetime
import json
import sqlite3
import sys
import urllib.request

problems = []


def need(cond, what):
    if not cond:
        problems.append(what)


def estate(port, name):
    url = "http://127.0.0.1:%s/__estate/%s" % (port, name)
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read().decode())


def main(argv):
    db_path, port = argv[1], argv[2]
    no_index = "--no-index" in argv
    n_events = None
    if "--events" in argv:
        n_events = int(argv[argv.index("--events") + 1])
    db = sqlite3.connect("file:" + db_path + "?mode=ro", uri=True)
    res = {}
    for typ, rid, name, region, js in db.execute(
            "SELECT type, id, name, region, json FROM resources"):
        need((typ, rid) not in res, "duplicate %s %s" % (typ, rid))
        res[(typ, rid)] = (name, region, json.loads(js))

    def of_type(typ):
        return {k[1]: v for k, v in res.items() if k[0] == typ}

    account = estate(port, "account")
    acct = account["AccountId"]
    regions = account["Regions"]

    # --- IAM ---------------------------------------------------------
    iam = estate(port, "iam")
    users = of_type("aws/iam-user")
    need(len(users) == len(iam["Users"]), "iam users: %d" % len(users))
    for u in iam["Users"]:
        got = users.get(u["Arn"])
        need(got is not None, "iam user %s missing" % u["UserName"])
        if got is None:
            continue
        name, region, j = got
        need(name == u["UserName"] and region == "global",
             "iam user %s name/region" % u["UserName"])
        for k in ("UserName", "UserId", "Arn", "CreateDate"):
            need(j.get(k) == u[k], "iam user %s %s" % (u["UserName"], k))
        need("PasswordLastUsed" in j, "PasswordLastUsed member")
        lp = u.get("LoginProfile")
        need((j["LoginProfile"] is None) == (lp is None),
             "iam user %s LoginProfile" % u["UserName"])
        if lp is not None and j["LoginProfile"] is not None:
            need(j["LoginProfile"]["CreateDate"] == lp["CreateDate"],
                 "LoginProfile CreateDate")
        need(sorted(d["SerialNumber"] for d in j["MFADevices"]) ==
             sorted(d["SerialNumber"] for d in u.get("MFADevices", [])),
             "iam user %s MFADevices" % u["UserName"])
        want_keys = {k["AccessKeyId"]: k for k in u.get("AccessKeys", [])}
        got_keys = {k["AccessKeyId"]: k for k in j["AccessKeys"]}
        need(set(want_keys) == set(got_keys),
             "iam user %s AccessKeys" % u["UserName"])
        for kid, k in got_keys.items():
            w = want_keys.get(kid, {})
            need(k.get("Status") == w.get("Status") and
                 k.get("CreateDate") == w.get("CreateDate"),
                 "key %s status/date" % kid)
            need(k.get("LastUsedDate") ==
                 (w.get("LastUsed") or {}).get("LastUsedDate"),
                 "key %s LastUsedDate" % kid)
    summary = res.get(("aws/iam-account-summary",
                       "arn:aws:iam::%s:root" % acct))
    need(summary is not None, "iam account summary missing")
    if summary:
        root = iam["Root"]
        need(summary[2].get("AccountMFAEnabled") ==
             (1 if root["MFAEnabled"] else 0), "AccountMFAEnabled")
        need(summary[2].get("AccountAccessKeysPresent") ==
             (1 if root["AccessKeys"] else 0), "AccountAccessKeysPresent")
        need(summary[2].get("Users") == len(iam["Users"]), "Users count")
    pp = res.get(("aws/iam-password-policy",
                  "arn:aws:iam::%s:account-password-policy" % acct))
    need(pp is not None, "password policy missing")
    if pp:
        want = iam.get("PasswordPolicy")
        if want is None:
            need(pp[2] == {"PasswordPolicy": None}, "password policy null")
        else:
            for k, v in want.items():
                need(pp[2]["PasswordPolicy"].get(k) == v,
                     "password policy %s" % k)
    rows = of_type("aws/iam-credential-report-row")
    need(len(rows) == len(iam["Users"]) + 1,
         "credential report rows: %d" % len(rows))
    root_row = rows.get("arn:aws:iam::%s:root" % acct)
    need(root_row is not None and root_row[0] == "<root_account>",
         "credential report root row")
    if root_row:
        need(root_row[2]["mfa_active"] ==
             ("true" if iam["Root"]["MFAEnabled"] else "false"),
             "root mfa_active")
        need(root_row[2]["access_key_1_active"] == "true",
             "root access_key_1_active")
    for u in iam["Users"]:
        r = rows.get(u["Arn"])
        need(r is not None and r[0] == u["UserName"] and
             r[2]["user"] == u["UserName"],
             "credential report row of %s" % u["UserName"])

    # --- S3 ----------------------------------------------------------
    s3 = estate(port, "s3")
    buckets = of_type("aws/s3-bucket")
    need(len(buckets) == len(s3["Buckets"]), "buckets: %d" % len(buckets))
    for b in s3["Buckets"]:
        got = buckets.get("arn:aws:s3:::" + b["Name"])
        need(got is not None, "bucket %s missing" % b["Name"])
        if got is None:
            continue
        name, region, j = got
        need(name == b["Name"] and region == "global", "bucket name")
        need(j["Name"] == b["Name"] and j["Region"] == b["Region"],
             "bucket %s Region" % b["Name"])
        need(j["CreationDate"].startswith(b["CreationDate"][:19]),
             "bucket %s CreationDate" % b["Name"])
        need(j["PublicAccessBlock"] == b["PublicAccessBlock"],
             "bucket %s PublicAccessBlock" % b["Name"])
        want_grants = [(g["Grantee"].get("Type"), g["Grantee"].get("URI"),
                        g["Grantee"].get("ID"), g["Permission"])
                       for g in b["Acl"]["Grants"]]
        got_grants = [(g["Grantee"].get("Type"), g["Grantee"].get("URI"),
                       g["Grantee"].get("ID"), g["Permission"])
                      for g in j["Acl"]["Grants"]]
        need(sorted(want_grants, key=repr) == sorted(got_grants, key=repr),
             "bucket %s grants" % b["Name"])
        need("Owner" in j["Acl"], "bucket %s ACL owner" % b["Name"])
        if b.get("Policy") is None:
            need(j["PolicyStatus"] is None,
                 "bucket %s PolicyStatus null" % b["Name"])
        else:
            need(j["PolicyStatus"] == b["PolicyStatus"],
                 "bucket %s PolicyStatus" % b["Name"])
    apab = res.get(("aws/s3-account-public-access-block",
                    "arn:aws:s3::%s:account" % acct))
    need(apab is not None and apab[0] == acct and
         apab[2] == {"PublicAccessBlock": s3["AccountPublicAccessBlock"]},
         "account public access block")

    # --- CloudTrail --------------------------------------------------
    ct = estate(port, "cloudtrail")
    trails = of_type("aws/cloudtrail-trail")
    need(len(trails) == len(ct["Trails"]), "trails: %d" % len(trails))
    for t in ct["Trails"]:
        got = trails.get(t["TrailARN"])
        need(got is not None, "trail %s missing" % t["Name"])
        if got:
            need(got[0] == t["Name"] and got[1] == t["HomeRegion"],
                 "trail %s name/region" % t["Name"])
            need(got[2]["IsMultiRegionTrail"] == t["IsMultiRegionTrail"],
                 "trail IsMultiRegionTrail")
            need(got[2]["Status"]["IsLogging"] == t["Status"]["IsLogging"],
                 "trail Status.IsLogging")
    events = list(db.execute("SELECT type, time, id, json FROM events"))
    if n_events is not None:
        need(len(events) == n_events, "events: %d, expected %d" %
             (len(events), n_events))
    by_id = {e["EventId"]: e for e in ct["Events"]}
    for typ, when, eid, js in events:
        j = json.loads(js)
        e = by_id.get(eid)
        need(e is not None, "event %s not in the estate" % eid)
        if e is None:
            continue
        need(typ == "aws/" + e["EventName"], "event %s type" % eid)
        need(when == e["EventTime"] and j["EventTime"] == when,
             "event %s time %s" % (eid, when))
        cte = j.get("CloudTrailEvent")
        need(isinstance(cte, dict) and cte.get("sourceIPAddress") ==
             e["CloudTrailEvent"]["sourceIPAddress"] and
             cte.get("userIdentity", {}).get("type") ==
             e["CloudTrailEvent"]["userIdentity"]["type"],
             "event %s CloudTrailEvent" % eid)
        need(j.get("Username") == e.get("Username"), "event Username")

    # --- GuardDuty ---------------------------------------------------
    gd = estate(port, "guardduty")
    gds = of_type("aws/guardduty-region")
    need(len(gds) == len(regions), "guardduty regions: %d" % len(gds))
    for r in regions:
        got = gds.get("arn:aws:guardduty:%s:%s:region" % (r, acct))
        need(got is not None, "guardduty %s missing" % r)
        if got is None:
            continue
        want = [(d["DetectorId"], d["Status"])
                for d in gd.get(r, {}).get("Detectors", [])]
        need(got[0] == r and got[1] == r and got[2]["Region"] == r,
             "guardduty %s name/region" % r)
        need(sorted((d["DetectorId"], d["Status"])
                    for d in got[2]["Detectors"]) == sorted(want),
             "guardduty %s detectors" % r)

    # --- Cost --------------------------------------------------------
    ce = estate(port, "ce")
    costs = list(db.execute("SELECT period, amount, currency FROM costs"))
    month = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m")
    need(len(costs) == 1, "costs: %r" % costs)
    if len(costs) == 1:
        need(costs[0][0] == month, "cost period %s" % costs[0][0])
        need(abs(costs[0][1] - float(ce["MonthToDate"]["UnblendedCost"]))
             < 0.005, "cost amount %r" % costs[0][1])
        need(costs[0][2] == ce["Unit"], "cost currency")

    # --- Resource Explorer -------------------------------------------
    rex = estate(port, "resource-explorer")
    status = res.get(("aws/resource-explorer",
                      "arn:aws:resource-explorer-2::%s:status" % acct))
    need(status is not None and status[0] == "resource-explorer" and
         status[1] == "global", "resource-explorer status missing")
    found = of_type("aws/resource")
    if no_index:
        need(status is not None and status[2]["Enabled"] is False,
             "resource-explorer Enabled false")
        need(len(found) == 0, "no aws/resource without an index")
    else:
        idx = rex["Index"]
        need(status is not None and status[2] == {
            "Enabled": True, "IndexRegion": idx["Region"],
            "IndexType": idx["Type"]}, "resource-explorer status")
        need(set(found) == {r["Arn"] for r in rex["Resources"]},
             "aws/resource set: %d of %d" % (len(found),
                                              len(rex["Resources"])))
        for r in rex["Resources"]:
            got = found.get(r["Arn"])
            if got is None:
                continue
            for k in ("ResourceType", "Service", "OwningAccountId"):
                need(got[2].get(k) == r[k], "resource %s %s" %
                     (r["Arn"], k))
            want_region = r["Region"] or "global"
            need(got[1] == want_region, "resource %s region" % r["Arn"])
            tail = r["Arn"].rsplit("/", 1)[-1] if "/" in r["Arn"] else \
                r["Arn"].rsplit(":", 1)[-1]
            need(got[0] == tail, "resource %s name %s" % (r["Arn"], got[0]))

    for p in problems:
        print("FAIL: snapshot: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
