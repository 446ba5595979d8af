#!/usr/bin/python3
"""Unit tests of the fake AWS's IAM, S3, CloudTrail, Cost Explorer,
GuardDuty and Resource Explorer modules (svc_*.py).

Each test calls a module's handle() with a stand-in request on the demo
estate, and reads the answer back with botocore's own response parser
and the service's model (so member names, list wrappers, XML namespaces,
JSON shapes and error codes are checked the way an AWS SDK reads them),
plus the raw document where the wire form itself matters.

Run: /usr/bin/python3 test_services.py (CP_SHARED_FIXTURES: the fixtures
folder, for the credential report's documented columns and the CloudTrail
record layout; default ../../fixtures, the copy in this tree).
test_services.py --write-resource-list rewrites the demo's Resource
Explorer list from the other estate files.
"""

import base64
import copy
import csv
import datetime
import glob
import io
import json
import os
import re
import sys
import time
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import botocore.handlers  # noqa: E402
import botocore.parsers  # noqa: E402
import botocore.session  # noqa: E402

import fakeaws_core  # noqa: E402
import svc_ce  # noqa: E402
import svc_cloudtrail  # noqa: E402
import svc_guardduty  # noqa: E402
import svc_iam  # noqa: E402
import svc_resource_explorer  # noqa: E402
import svc_s3  # noqa: E402

DEMO = os.path.join(HERE, "estates", "demo")
FIXTURES = os.environ.get("CP_SHARED_FIXTURES") or os.path.join(
    HERE, "..", "..", "fixtures")
AWS_FIXTURES = os.path.join(FIXTURES, "cloud", "aws")
ACCOUNT = "123456789012"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/cloudpatrol"
DAY = 86400

SESSION = botocore.session.get_session()
MODELS = {}


def model(name):
    if name not in MODELS:
        MODELS[name] = SESSION.get_service_model(name)
    return MODELS[name]


class Req:
    """A stand-in for fakeaws_core.Request."""

    def __init__(self, service, region="us-east-1", method="POST", path="/",
                 query=None, headers=None, params=None, target=None,
                 body=None, principal=None):
        self.method = method
        self.path = path
        qs = "&".join(k if v == "" else f"{k}={v}"
                      for k, vs in (query or {}).items() for v in vs)
        self.raw_path = path + ("?" + qs if qs else "")
        self.query = dict(query or {})
        hdrs = dict(headers or {})
        if target:
            hdrs["X-Amz-Target"] = target
        self.headers = fakeaws_core.Headers(hdrs.items())
        self.json = body
        self.body = json.dumps(body).encode() if body is not None else b""
        self.service = service
        self.region = region
        self.access_key = "AKIAFAKEDEMO00000001"
        self.principal = principal or {
            "arn": USER_ARN, "can_remediate": True, "deny": [],
            "account": ACCOUNT, "access_key": self.access_key,
            "type": "user"}
        self.params = dict(params or {})
        self.action = self.params.get("Action")
        self.target = target.rsplit(".", 1)[-1] if target else None


def load_estate(page_size=fakeaws_core.DEFAULT_PAGE_SIZE):
    e = fakeaws_core.Estate(DEMO, page_size)
    e.load()
    return e


def run(mod, req, estate):
    """(Response) from handle(), errors rendered as the core renders them."""
    try:
        return mod.handle(req, estate)
    except fakeaws_core.AwsError as e:
        return fakeaws_core.render_error(mod.PROTOCOL, e.status, e.code,
                                         e.message,
                                         getattr(mod, "XMLNS", None),
                                         e.headers)


class _HttpResponse:
    """What botocore's after-call handlers read."""

    def __init__(self, resp):
        self.raw = resp.body
        self.content = resp.body
        self.status_code = resp.status


def parse(service, op, resp):
    """botocore's reading of RESP as the answer of SERVICE's OP."""
    m = model(service)
    om = m.operation_model(op)
    parser = botocore.parsers.create_parser(m.protocol)
    out = parser.parse({"status_code": resp.status,
                        "headers": {k.lower(): v
                                    for k, v in resp.headers.items()},
                        "body": resp.body}, om.output_shape)
    if (service, op) == ("s3", "GetBucketLocation") and resp.status == 200:
        # botocore reads this one by hand (handlers.py), so do the same
        botocore.handlers.parse_get_bucket_location(out,
                                                    _HttpResponse(resp))
    return out


def epoch_of(iso):
    return fakeaws_core.iso_to_epoch(iso)


class Base(unittest.TestCase):
    def setUp(self):
        self.estate = load_estate()
        self.now = time.time()

    def assertAgo(self, when, seconds, slack=120):
        """WHEN (datetime or epoch) is SECONDS before now."""
        if isinstance(when, datetime.datetime):
            when = when.timestamp()
        self.assertAlmostEqual(self.now - when, seconds, delta=slack)

    def assertError(self, parsed, status, code):
        meta = parsed.get("ResponseMetadata", {})
        self.assertEqual(meta.get("HTTPStatusCode"), status, parsed)
        self.assertEqual(parsed.get("Error", {}).get("Code"), code, parsed)


# ------------------------------------------------------------------- IAM

class TestIam(Base):
    def call(self, action, estate=None, principal=None, **params):
        params["Action"] = action
        params["Version"] = "2010-05-08"
        req = Req("iam", "us-east-1", params=params, principal=principal)
        resp = run(svc_iam, req, estate or self.estate)
        return resp, parse("iam", action, resp)

    def test_list_users(self):
        resp, out = self.call("ListUsers")
        self.assertEqual(resp.status, 200)
        root = ET.fromstring(resp.body)
        self.assertEqual(root.tag,
                         "{https://iam.amazonaws.com/doc/2010-05-08/}"
                         "ListUsersResponse")
        names = [u["UserName"] for u in out["Users"]]
        self.assertEqual(names, ["alice", "bob", "carol", "tmp-admin"])
        self.assertFalse(out["IsTruncated"])
        self.assertNotIn("Marker", out)
        by = {u["UserName"]: u for u in out["Users"]}
        self.assertEqual(by["bob"]["Arn"],
                         f"arn:aws:iam::{ACCOUNT}:user/bob")
        self.assertAgo(by["bob"]["CreateDate"], 200 * DAY)
        self.assertAgo(by["tmp-admin"]["CreateDate"], 20 * 3600)
        self.assertAgo(by["alice"]["PasswordLastUsed"], 2 * 3600)
        self.assertNotIn("PasswordLastUsed", by["carol"])

    def test_list_users_paging(self):
        _, p1 = self.call("ListUsers", MaxItems="3")
        self.assertTrue(p1["IsTruncated"])
        self.assertEqual(len(p1["Users"]), 3)
        _, p2 = self.call("ListUsers", MaxItems="3", Marker=p1["Marker"])
        self.assertFalse(p2["IsTruncated"])
        self.assertEqual([u["UserName"] for u in p2["Users"]],
                         ["tmp-admin"])
        # the estate's page size caps a larger MaxItems
        small = load_estate(page_size=2)
        seen, marker, pages = [], None, 0
        while True:
            extra = {"Marker": marker} if marker else {}
            _, p = self.call("ListUsers", estate=small, MaxItems="100",
                             **extra)
            pages += 1
            seen += [u["UserName"] for u in p["Users"]]
            if not p["IsTruncated"]:
                break
            marker = p["Marker"]
        self.assertEqual(pages, 2)
        self.assertEqual(seen, ["alice", "bob", "carol", "tmp-admin"])
        resp, bad = self.call("ListUsers", Marker="garbage!")
        self.assertError(bad, 400, "ValidationError")
        resp, bad = self.call("ListUsers", MaxItems="0")
        self.assertError(bad, 400, "ValidationError")

    def test_list_users_path_prefix(self):
        _, out = self.call("ListUsers", PathPrefix="/engineering/")
        self.assertEqual(out["Users"], [])

    def test_list_mfa_devices(self):
        _, out = self.call("ListMFADevices", UserName="alice")
        self.assertEqual(len(out["MFADevices"]), 1)
        d = out["MFADevices"][0]
        self.assertEqual(d["UserName"], "alice")
        self.assertEqual(d["SerialNumber"],
                         f"arn:aws:iam::{ACCOUNT}:mfa/alice")
        self.assertIsInstance(d["EnableDate"], datetime.datetime)
        _, out = self.call("ListMFADevices", UserName="bob")
        self.assertEqual(out["MFADevices"], [])
        self.assertFalse(out["IsTruncated"])
        resp, out = self.call("ListMFADevices", UserName="nobody")
        self.assertError(out, 404, "NoSuchEntity")
        self.assertIn(b"nobody", resp.body)
        # without UserName: the calling user (not in iam.json here)
        _, out = self.call("ListMFADevices")
        self.assertError(out, 404, "NoSuchEntity")
        role = {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/X/s",
                "type": "assumed-role", "account": ACCOUNT, "deny": []}
        _, out = self.call("ListMFADevices", principal=role)
        self.assertError(out, 400, "ValidationError")

    def test_list_access_keys(self):
        _, out = self.call("ListAccessKeys", UserName="carol")
        keys = out["AccessKeyMetadata"]
        self.assertEqual(len(keys), 1)
        self.assertEqual(keys[0]["AccessKeyId"], "AKIAFAKECAROL0000001")
        self.assertEqual(keys[0]["Status"], "Active")
        self.assertEqual(keys[0]["UserName"], "carol")
        self.assertAgo(keys[0]["CreateDate"], 400 * DAY)
        _, out = self.call("ListAccessKeys", UserName="tmp-admin")
        self.assertEqual(out["AccessKeyMetadata"], [])
        _, out = self.call("ListAccessKeys", UserName="nobody")
        self.assertError(out, 404, "NoSuchEntity")

    def test_get_login_profile(self):
        _, out = self.call("GetLoginProfile", UserName="bob")
        self.assertEqual(out["LoginProfile"]["UserName"], "bob")
        self.assertFalse(out["LoginProfile"]["PasswordResetRequired"])
        self.assertAgo(out["LoginProfile"]["CreateDate"], 200 * DAY)
        for name in ("carol", "tmp-admin"):
            resp, out = self.call("GetLoginProfile", UserName=name)
            self.assertError(out, 404, "NoSuchEntity")
            self.assertIn(f"Login Profile for User {name}".encode(),
                          resp.body)
        _, out = self.call("GetLoginProfile", UserName="nobody")
        self.assertError(out, 404, "NoSuchEntity")

    def test_get_access_key_last_used(self):
        _, out = self.call("GetAccessKeyLastUsed",
                           AccessKeyId="AKIAFAKEALICE0000001")
        self.assertEqual(out["UserName"], "alice")
        lu = out["AccessKeyLastUsed"]
        self.assertEqual(lu["ServiceName"], "ec2")
        self.assertEqual(lu["Region"], "ap-northeast-1")
        self.assertAgo(lu["LastUsedDate"], DAY)
        self.estate.data("iam")["Users"][0]["AccessKeys"][0].pop("LastUsed")
        _, out = self.call("GetAccessKeyLastUsed",
                           AccessKeyId="AKIAFAKEALICE0000001")
        self.assertEqual(out["AccessKeyLastUsed"]["ServiceName"], "N/A")
        self.assertNotIn("LastUsedDate", out["AccessKeyLastUsed"])
        _, out = self.call("GetAccessKeyLastUsed",
                           AccessKeyId="AKIAEXAMPLEEXAMPLE00")
        self.assertError(out, 404, "NoSuchEntity")

    def test_get_account_summary(self):
        resp, out = self.call("GetAccountSummary")
        root = ET.fromstring(resp.body)
        ns = {"i": svc_iam.XMLNS}
        self.assertTrue(root.findall(
            "i:GetAccountSummaryResult/i:SummaryMap/i:entry/i:key", ns))
        m = out["SummaryMap"]
        self.assertEqual(m["AccountMFAEnabled"], 0)
        self.assertEqual(m["AccountAccessKeysPresent"], 1)
        self.assertEqual(m["Users"], 4)
        self.assertEqual(m["MFADevicesInUse"], 1)
        self.assertEqual(m["UsersQuota"], 5000)
        iam = self.estate.data("iam")
        iam["Root"]["MFAEnabled"] = True
        iam["Root"]["AccessKeys"] = []
        _, out = self.call("GetAccountSummary")
        self.assertEqual(out["SummaryMap"]["AccountMFAEnabled"], 1)
        self.assertEqual(out["SummaryMap"]["AccountAccessKeysPresent"], 0)

    def test_password_policy(self):
        _, out = self.call("GetAccountPasswordPolicy")
        pp = out["PasswordPolicy"]
        self.assertEqual(pp["MinimumPasswordLength"], 8)
        self.assertFalse(pp["RequireSymbols"])
        self.assertFalse(pp["RequireNumbers"])
        self.assertNotIn("PasswordReusePrevention", pp)
        self.assertNotIn("MaxPasswordAge", pp)
        self.estate.data("iam")["PasswordPolicy"] = None
        resp, out = self.call("GetAccountPasswordPolicy")
        self.assertError(out, 404, "NoSuchEntity")
        self.assertIn(ACCOUNT.encode(), resp.body)

    def documented_columns(self):
        path = os.path.join(AWS_FIXTURES, "iam",
                            "iam-credential-report-format.awsdocs.md")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        cols = [c.replace("\\_", "_") for c in
                re.findall(r"^\*\*([a-z0-9\\_]+)\*\*\s*$", text, re.M)]
        self.assertGreater(len(cols), 20, "columns not found in " + path)
        return cols

    def test_credential_report(self):
        _, out = self.call("GetCredentialReport")
        self.assertError(out, 410, "ReportNotPresent")
        _, out = self.call("GenerateCredentialReport")
        self.assertEqual(out["State"], "STARTED")
        self.assertIn("Description", out)
        _, out = self.call("GenerateCredentialReport")
        self.assertEqual(out["State"], "COMPLETE")
        resp, out = self.call("GetCredentialReport")
        self.assertEqual(out["ReportFormat"], "text/csv")
        self.assertAgo(out["GeneratedTime"], 0)
        # botocore decodes the blob; the wire form is base64
        raw = ET.fromstring(resp.body).find(
            ".//{%s}Content" % svc_iam.XMLNS).text
        self.assertEqual(base64.b64decode(raw), out["Content"])
        rows = list(csv.reader(io.StringIO(out["Content"].decode())))
        self.assertEqual(rows[0], self.documented_columns())
        recs = [dict(zip(rows[0], r)) for r in rows[1:]]
        self.assertEqual([r["user"] for r in recs],
                         ["<root_account>", "alice", "bob", "carol",
                          "tmp-admin"])
        by = {r["user"]: r for r in recs}
        root = by["<root_account>"]
        self.assertEqual(root["arn"], f"arn:aws:iam::{ACCOUNT}:root")
        self.assertEqual(root["password_enabled"], "not_supported")
        self.assertEqual(root["mfa_active"], "false")
        self.assertEqual(root["access_key_1_active"], "true")
        self.assertEqual(root["access_key_2_active"], "false")
        self.assertEqual(by["bob"]["password_enabled"], "true")
        self.assertEqual(by["bob"]["mfa_active"], "false")
        self.assertEqual(by["alice"]["mfa_active"], "true")
        self.assertEqual(by["carol"]["password_enabled"], "false")
        self.assertEqual(by["carol"]["password_last_used"], "N/A")
        self.assertEqual(by["carol"]["access_key_1_active"], "true")
        self.assertRegex(by["carol"]["access_key_1_last_rotated"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
        self.assertAgo(epoch_of(by["carol"]["access_key_1_last_rotated"]),
                       400 * DAY)
        self.assertEqual(by["carol"]["access_key_1_last_used_service"], "s3")
        self.assertEqual(by["tmp-admin"]["access_key_1_active"], "false")
        self.assertEqual(by["tmp-admin"]["access_key_1_last_rotated"], "N/A")
        self.assertAgo(epoch_of(by["tmp-admin"]["user_creation_time"]),
                       20 * 3600)
        for r in recs:
            self.assertEqual(len(r), len(rows[0]))
        # a report older than four hours is regenerated
        rep = self.estate.cache[svc_iam.REPORT_KEY]
        rep["time"] -= svc_iam.REPORT_MAX_AGE + 1
        _, out = self.call("GetCredentialReport")
        self.assertError(out, 410, "ReportExpired")
        _, out = self.call("GenerateCredentialReport")
        self.assertEqual(out["State"], "STARTED")

    def test_list_account_aliases(self):
        _, out = self.call("ListAccountAliases")
        self.assertEqual(out["AccountAliases"], ["demo-prod"])
        self.assertFalse(out["IsTruncated"])

    def test_unknown_action(self):
        _, out = self.call("DeleteUser", UserName="bob")
        self.assertError(out, 400, "InvalidAction")


# -------------------------------------------------------------------- S3

class TestS3(Base):
    def call(self, op, path, query=None, headers=None, service="s3",
             method="GET"):
        req = Req("s3", "us-east-1", method=method, path=path,
                  query={k: [v] for k, v in (query or {}).items()},
                  headers=headers)
        resp = run(svc_s3, req, self.estate)
        return resp, parse(service, op, resp)

    def test_list_buckets(self):
        resp, out = self.call("ListBuckets", "/")
        root = ET.fromstring(resp.body)
        self.assertEqual(root.tag, "{%s}ListAllMyBucketsResult"
                         % svc_s3.XMLNS)
        self.assertEqual([b["Name"] for b in out["Buckets"]],
                         ["demo-app-logs", "demo-public-assets"])
        self.assertEqual(out["Owner"]["DisplayName"], "demo-prod")
        self.assertAgo(out["Buckets"][1]["CreationDate"], 420 * DAY)

    def test_get_bucket_location(self):
        _, out = self.call("GetBucketLocation", "/demo-public-assets",
                           {"location": ""})
        self.assertEqual(out["LocationConstraint"], "ap-northeast-1")
        self.estate.data("s3")["Buckets"][0]["Region"] = "us-east-1"
        resp, out = self.call("GetBucketLocation", "/demo-public-assets",
                              {"location": ""})
        self.assertIsNone(out.get("LocationConstraint"))
        self.assertIn(b"<LocationConstraint", resp.body)

    def test_get_bucket_acl(self):
        resp, out = self.call("GetBucketAcl", "/demo-public-assets",
                              {"acl": ""})
        grants = out["Grants"]
        self.assertIn({"Grantee": {"Type": "Group",
                                   "URI": "http://acs.amazonaws.com/groups/"
                                          "global/AllUsers"},
                       "Permission": "READ"}, grants)
        self.assertEqual(out["Owner"]["DisplayName"], "demo-prod")
        self.assertIn(b'xsi:type="Group"', resp.body)
        _, out = self.call("GetBucketAcl", "/demo-app-logs", {"acl": ""})
        self.assertEqual([g["Permission"] for g in out["Grants"]],
                         ["FULL_CONTROL"])
        self.assertEqual(out["Grants"][0]["Grantee"]["Type"],
                         "CanonicalUser")

    def test_policy_status_and_policy(self):
        _, out = self.call("GetBucketPolicyStatus", "/demo-public-assets",
                           {"policyStatus": ""})
        self.assertIs(out["PolicyStatus"]["IsPublic"], True)
        _, out = self.call("GetBucketPolicyStatus", "/demo-app-logs",
                           {"policyStatus": ""})
        self.assertError(out, 404, "NoSuchBucketPolicy")
        _, out = self.call("GetBucketPolicy", "/demo-public-assets",
                           {"policy": ""})
        pol = json.loads(out["Policy"])
        self.assertEqual(pol["Statement"][0]["Principal"], "*")
        _, out = self.call("GetBucketPolicy", "/demo-app-logs",
                           {"policy": ""})
        self.assertError(out, 404, "NoSuchBucketPolicy")
        # without an explicit PolicyStatus it is derived from the policy
        b = self.estate.data("s3")["Buckets"][0]
        b.pop("PolicyStatus")
        b["Policy"]["Statement"][0]["Principal"] = {
            "AWS": f"arn:aws:iam::{ACCOUNT}:root"}
        _, out = self.call("GetBucketPolicyStatus", "/demo-public-assets",
                           {"policyStatus": ""})
        self.assertIs(out["PolicyStatus"]["IsPublic"], False)

    def test_public_access_block(self):
        _, out = self.call("GetPublicAccessBlock", "/demo-app-logs",
                           {"publicAccessBlock": ""})
        self.assertEqual(out["PublicAccessBlockConfiguration"],
                         {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                          "BlockPublicPolicy": True,
                          "RestrictPublicBuckets": True})
        _, out = self.call("GetPublicAccessBlock", "/demo-public-assets",
                           {"publicAccessBlock": ""})
        self.assertError(out, 404, "NoSuchPublicAccessBlockConfiguration")

    def test_no_such_bucket(self):
        for op, sub in (("GetBucketAcl", "acl"),
                        ("GetBucketLocation", "location"),
                        ("GetBucketPolicyStatus", "policyStatus"),
                        ("GetPublicAccessBlock", "publicAccessBlock")):
            resp, out = self.call(op, "/no-such-bucket", {sub: ""})
            self.assertError(out, 404, "NoSuchBucket")
            self.assertEqual(ET.fromstring(resp.body).tag, "Error")

    def test_control_public_access_block(self):
        hdr = {"x-amz-account-id": ACCOUNT}
        path = "/v20180820/configuration/publicAccessBlock"
        _, out = self.call("GetPublicAccessBlock", path, headers=hdr,
                           service="s3control")
        self.assertError(out, 404, "NoSuchPublicAccessBlockConfiguration")
        self.estate.data("s3")["AccountPublicAccessBlock"] = {
            "BlockPublicAcls": True, "IgnorePublicAcls": False,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": False}
        resp, out = self.call("GetPublicAccessBlock", path, headers=hdr,
                              service="s3control")
        self.assertEqual(ET.fromstring(resp.body).tag,
                         "{%s}PublicAccessBlockConfiguration"
                         % svc_s3.CONTROL_XMLNS)
        self.assertEqual(out["PublicAccessBlockConfiguration"],
                         {"BlockPublicAcls": True, "IgnorePublicAcls": False,
                          "BlockPublicPolicy": True,
                          "RestrictPublicBuckets": False})
        _, out = self.call("GetPublicAccessBlock", path,
                           headers={"x-amz-account-id": "210987654321"},
                           service="s3control")
        self.assertError(out, 403, "AccessDenied")

    def test_action_of(self):
        cases = [("/", {}, "ListBuckets"),
                 ("/b", {"acl": [""]}, "GetBucketAcl"),
                 ("/b", {"policyStatus": [""]}, "GetBucketPolicyStatus"),
                 ("/b", {"publicAccessBlock": [""]}, "GetPublicAccessBlock"),
                 ("/v20180820/configuration/publicAccessBlock", {},
                  "GetAccountPublicAccessBlock")]
        for path, q, want in cases:
            self.assertEqual(svc_s3.action_of(Req("s3", path=path,
                                                  query=q)), want)

    def test_method_not_allowed(self):
        resp, _ = self.call("GetBucketAcl", "/demo-app-logs", {"acl": ""},
                            method="PUT")
        self.assertEqual(resp.status, 405)


# ------------------------------------------------------------ CloudTrail

CT_PREFIX = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."


class TestCloudTrail(Base):
    def call(self, op, region, body=None):
        req = Req("cloudtrail", region, target=CT_PREFIX + op,
                  body=body if body is not None else {})
        resp = run(svc_cloudtrail, req, self.estate)
        self.assertEqual(resp.headers.get("Content-Type"),
                         "application/x-amz-json-1.1")
        return resp, parse("cloudtrail", op, resp)

    def test_describe_trails(self):
        _, out = self.call("DescribeTrails", "ap-northeast-1")
        self.assertEqual(len(out["trailList"]), 1)
        t = out["trailList"][0]
        self.assertEqual(t["Name"], "demo-trail")
        self.assertEqual(t["HomeRegion"], "ap-northeast-1")
        self.assertIs(t["IsMultiRegionTrail"], False)
        self.assertNotIn("Status", t)
        for region in ("us-east-1", "ap-northeast-3"):
            _, out = self.call("DescribeTrails", region)
            self.assertEqual(out["trailList"], [])
        # a multi-region trail shows in every region unless shadows are off
        self.estate.data("cloudtrail")["Trails"][0][
            "IsMultiRegionTrail"] = True
        _, out = self.call("DescribeTrails", "us-east-1")
        self.assertEqual([t["Name"] for t in out["trailList"]],
                         ["demo-trail"])
        _, out = self.call("DescribeTrails", "us-east-1",
                           {"includeShadowTrails": False})
        self.assertEqual(out["trailList"], [])
        _, out = self.call("DescribeTrails", "ap-northeast-1",
                           {"trailNameList": ["other"]})
        self.assertEqual(out["trailList"], [])

    def test_get_trail_status(self):
        arn = f"arn:aws:cloudtrail:ap-northeast-1:{ACCOUNT}:trail/demo-trail"
        for name, region in (("demo-trail", "ap-northeast-1"),
                             (arn, "ap-northeast-1"), (arn, "us-east-1")):
            resp, out = self.call("GetTrailStatus", region, {"Name": name})
            self.assertIs(out["IsLogging"], True)
            self.assertAgo(out["LatestDeliveryTime"], 300)
            self.assertAgo(out["StartLoggingTime"], 400 * DAY)
            raw = json.loads(resp.body)
            self.assertIsInstance(raw["LatestDeliveryTime"], (int, float))
            self.assertIsInstance(raw["TimeLoggingStarted"], str)
        _, out = self.call("GetTrailStatus", "us-east-1",
                           {"Name": "demo-trail"})
        self.assertError(out, 400, "TrailNotFoundException")
        _, out = self.call("GetTrailStatus", "ap-northeast-1",
                           {"Name": "nope"})
        self.assertError(out, 400, "TrailNotFoundException")

    def lookup(self, region, name=None, **extra):
        body = dict(extra)
        if name:
            body["LookupAttributes"] = [{"AttributeKey": "EventName",
                                         "AttributeValue": name}]
        return self.call("LookupEvents", region, body)

    def test_lookup_events(self):
        resp, out = self.lookup("ap-northeast-1", "ConsoleLogin")
        evs = out["Events"]
        self.assertEqual([e["Username"] for e in evs], ["bob", "alice"])
        self.assertNotIn("NextToken", out)
        raw = json.loads(resp.body)["Events"][0]
        self.assertIsInstance(raw["EventTime"], (int, float))
        self.assertIsInstance(raw["CloudTrailEvent"], str)
        rec = json.loads(evs[0]["CloudTrailEvent"])
        self.assertEqual(rec["sourceIPAddress"], "198.51.100.20")
        self.assertEqual(rec["additionalEventData"]["MFAUsed"], "No")
        self.assertEqual(rec["responseElements"]["ConsoleLogin"], "Success")
        self.assertEqual(rec["userIdentity"]["arn"],
                         f"arn:aws:iam::{ACCOUNT}:user/bob")
        self.assertEqual(rec["eventID"], evs[0]["EventId"])
        self.assertEqual(rec["awsRegion"], "ap-northeast-1")
        self.assertEqual(epoch_of(rec["eventTime"]),
                         evs[0]["EventTime"].timestamp())
        self.assertAgo(evs[0]["EventTime"], 3600)
        alice = json.loads(evs[1]["CloudTrailEvent"])
        self.assertEqual(alice["additionalEventData"]["MFAUsed"], "Yes")
        self.assertEqual(alice["sourceIPAddress"], "203.0.113.25")

        _, out = self.lookup("us-east-1", "ConsoleLogin")
        self.assertEqual(len(out["Events"]), 1)
        rec = json.loads(out["Events"][0]["CloudTrailEvent"])
        self.assertEqual(rec["userIdentity"]["type"], "Root")
        self.assertEqual(rec["sourceIPAddress"], "198.51.100.77")
        self.assertEqual(rec["additionalEventData"]["MFAUsed"], "No")
        self.assertAgo(out["Events"][0]["EventTime"], 3 * 3600)

        _, out = self.lookup("us-east-1", "CreateUser")
        self.assertEqual(len(out["Events"]), 1)
        ev = out["Events"][0]
        self.assertEqual(ev["Username"], "alice")
        self.assertEqual(ev["Resources"],
                         [{"ResourceType": "AWS::IAM::User",
                           "ResourceName": "tmp-admin"}])
        rec = json.loads(ev["CloudTrailEvent"])
        self.assertEqual(rec["requestParameters"]["userName"], "tmp-admin")
        self.assertAgo(ev["EventTime"], 20 * 3600)

        _, out = self.lookup("ap-northeast-3", "ConsoleLogin")
        self.assertEqual(out["Events"], [])
        _, out = self.lookup("ap-northeast-1", "CreateUser")
        self.assertEqual(out["Events"], [])

    def test_record_layout_follows_fixture(self):
        path = os.path.join(AWS_FIXTURES, "cloudtrail",
                            "cloudtrail-event-consolelogin-root-success-"
                            "nomfa.awsdocs.json")
        with open(path, encoding="utf-8") as f:
            fixture = json.load(f)
        _, out = self.lookup("us-east-1", "ConsoleLogin")
        rec = json.loads(out["Events"][0]["CloudTrailEvent"])
        for k in fixture:
            self.assertIn(k, rec)
        self.assertEqual(set(rec["userIdentity"]),
                         set(fixture["userIdentity"]))
        self.assertEqual(set(rec["additionalEventData"]),
                         set(fixture["additionalEventData"]))

    def test_lookup_time_range_and_paging(self):
        now = time.time()
        _, out = self.lookup("ap-northeast-1", "ConsoleLogin",
                             StartTime=now - 5400, EndTime=now)
        self.assertEqual([e["Username"] for e in out["Events"]], ["bob"])
        _, out = self.lookup("ap-northeast-1", "ConsoleLogin",
                             StartTime=now - 10 * 3600,
                             EndTime=now - 5400)
        self.assertEqual([e["Username"] for e in out["Events"]], ["alice"])
        _, p1 = self.lookup("ap-northeast-1", None, MaxResults=1)
        self.assertEqual(len(p1["Events"]), 1)
        _, p2 = self.lookup("ap-northeast-1", None, MaxResults=1,
                            NextToken=p1["NextToken"])
        self.assertEqual(len(p2["Events"]), 1)
        self.assertNotIn("NextToken", p2)
        self.assertEqual([p1["Events"][0]["Username"],
                          p2["Events"][0]["Username"]], ["bob", "alice"])
        small = load_estate(page_size=1)
        req = Req("cloudtrail", "ap-northeast-1",
                  target=CT_PREFIX + "LookupEvents", body={})
        out = json.loads(run(svc_cloudtrail, req, small).body)
        self.assertEqual(len(out["Events"]), 1)
        self.assertIn("NextToken", out)

    def test_lookup_errors(self):
        _, out = self.lookup("ap-northeast-1", None, MaxResults=51)
        self.assertError(out, 400, "InvalidMaxResultsException")
        _, out = self.lookup("ap-northeast-1", None, NextToken="bogus")
        self.assertError(out, 400, "InvalidNextTokenException")
        _, out = self.lookup("ap-northeast-1", None,
                             StartTime=time.time(),
                             EndTime=time.time() - 60)
        self.assertError(out, 400, "InvalidTimeRangeException")
        two = [{"AttributeKey": "EventName", "AttributeValue": "A"},
               {"AttributeKey": "Username", "AttributeValue": "b"}]
        _, out = self.call("LookupEvents", "ap-northeast-1",
                           {"LookupAttributes": two})
        self.assertError(out, 400, "InvalidLookupAttributesException")
        _, out = self.call("LookupEvents", "ap-northeast-1",
                           {"LookupAttributes": [{"AttributeKey": "Nope",
                                                  "AttributeValue": "x"}]})
        self.assertError(out, 400, "InvalidLookupAttributesException")

    def test_lookup_by_username(self):
        _, out = self.call("LookupEvents", "us-east-1",
                           {"LookupAttributes": [{"AttributeKey": "Username",
                                                  "AttributeValue":
                                                  "alice"}]})
        self.assertEqual([e["EventName"] for e in out["Events"]],
                         ["CreateUser"])

    def test_wrong_target(self):
        req = Req("cloudtrail", "ap-northeast-1",
                  target="CloudTrail_20131101.DescribeTrails", body={})
        resp = run(svc_cloudtrail, req, self.estate)
        self.assertEqual(resp.status, 400)
        self.assertEqual(json.loads(resp.body)["__type"],
                         "UnknownOperationException")


# --------------------------------------------------------- Cost Explorer

class TestCostExplorer(Base):
    def call(self, body):
        req = Req("ce", "us-east-1",
                  target="AWSInsightsIndexService.GetCostAndUsage",
                  body=body)
        resp = run(svc_ce, req, self.estate)
        return resp, parse("ce", "GetCostAndUsage", resp)

    def today(self):
        return datetime.datetime.now(datetime.timezone.utc).date()

    def test_month_to_date(self):
        today = self.today()
        start = today.replace(day=1)
        end = today + datetime.timedelta(days=1)
        resp, out = self.call({"TimePeriod": {"Start": start.isoformat(),
                                              "End": end.isoformat()},
                               "Granularity": "MONTHLY",
                               "Metrics": ["UnblendedCost"]})
        self.assertEqual(resp.status, 200)
        rbt = out["ResultsByTime"]
        self.assertEqual(len(rbt), 1)
        self.assertEqual(rbt[0]["TimePeriod"],
                         {"Start": start.isoformat(), "End": end.isoformat()})
        self.assertEqual(rbt[0]["Total"],
                         {"UnblendedCost": {"Amount": "1834.27",
                                            "Unit": "USD"}})
        self.assertTrue(rbt[0]["Estimated"])
        self.assertIsInstance(json.loads(resp.body)["ResultsByTime"][0][
            "Total"]["UnblendedCost"]["Amount"], str)

    def test_two_months(self):
        today = self.today()
        first = today.replace(day=1)
        prev = (first - datetime.timedelta(days=1)).replace(day=1)
        _, out = self.call({"TimePeriod": {"Start": prev.isoformat(),
                                           "End": (today + datetime.timedelta(
                                               days=1)).isoformat()},
                            "Granularity": "MONTHLY",
                            "Metrics": ["UnblendedCost", "BlendedCost"]})
        rbt = out["ResultsByTime"]
        self.assertEqual(len(rbt), 2)
        self.assertEqual(rbt[0]["TimePeriod"]["End"], first.isoformat())
        self.assertEqual(rbt[0]["Total"]["UnblendedCost"]["Amount"],
                         "1702.55")
        self.assertFalse(rbt[0]["Estimated"])
        self.assertEqual(rbt[1]["Total"]["BlendedCost"]["Amount"], "1834.27")

    def test_group_by_service(self):
        today = self.today()
        _, out = self.call({"TimePeriod": {
            "Start": today.replace(day=1).isoformat(),
            "End": (today + datetime.timedelta(days=1)).isoformat()},
            "Granularity": "MONTHLY", "Metrics": ["UnblendedCost"],
            "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}]})
        self.assertEqual(out["GroupDefinitions"],
                         [{"Type": "DIMENSION", "Key": "SERVICE"}])
        groups = out["ResultsByTime"][0]["Groups"]
        total = sum(float(g["Metrics"]["UnblendedCost"]["Amount"])
                    for g in groups)
        self.assertAlmostEqual(total, 1834.27, places=2)

    def test_daily(self):
        today = self.today()
        start = today.replace(day=1)
        _, out = self.call({"TimePeriod": {
            "Start": start.isoformat(),
            "End": (today + datetime.timedelta(days=1)).isoformat()},
            "Granularity": "DAILY", "Metrics": ["UnblendedCost"]})
        rbt = out["ResultsByTime"]
        self.assertEqual(len(rbt), today.day)
        total = sum(float(r["Total"]["UnblendedCost"]["Amount"])
                    for r in rbt)
        self.assertAlmostEqual(total, 1834.27, places=4)

    def test_errors(self):
        _, out = self.call({"TimePeriod": {"Start": "2026-11-10",
                                           "End": "2026-11-10"},
                            "Granularity": "MONTHLY",
                            "Metrics": ["UnblendedCost"]})
        self.assertError(out, 400, "ValidationException")
        _, out = self.call({"TimePeriod": {"Start": "2026/11/01",
                                           "End": "2026-11-10"},
                            "Granularity": "MONTHLY",
                            "Metrics": ["UnblendedCost"]})
        self.assertError(out, 400, "ValidationException")
        _, out = self.call({"TimePeriod": {"Start": "2026-11-01",
                                           "End": "2026-11-10"},
                            "Granularity": "MONTHLY",
                            "Metrics": ["Dollars"]})
        self.assertError(out, 400, "ValidationException")
        _, out = self.call({"Granularity": "MONTHLY",
                            "Metrics": ["UnblendedCost"]})
        self.assertError(out, 400, "ValidationException")


# -------------------------------------------------------------- GuardDuty

class TestGuardDuty(Base):
    def call(self, op, region, path, query=None, estate=None):
        req = Req("guardduty", region, method="GET", path=path,
                  query={k: [v] for k, v in (query or {}).items()})
        self.assertEqual(svc_guardduty.action_of(req), op)
        resp = run(svc_guardduty, req, estate or self.estate)
        return resp, parse("guardduty", op, resp)

    def test_list_and_get(self):
        resp, out = self.call("ListDetectors", "ap-northeast-1", "/detector")
        self.assertEqual(resp.headers["Content-Type"], "application/json")
        self.assertEqual(out["DetectorIds"],
                         ["6ac4e2b1f9d83a7c5e0b4d2f1a9c8e70"])
        self.assertNotIn("nextToken", json.loads(resp.body))
        did = out["DetectorIds"][0]
        resp, out = self.call("GetDetector", "ap-northeast-1",
                              "/detector/" + did)
        self.assertEqual(out["Status"], "ENABLED")
        self.assertTrue(out["ServiceRole"].endswith(
            "AWSServiceRoleForAmazonGuardDuty"))
        self.assertEqual(out["FindingPublishingFrequency"], "SIX_HOURS")
        self.assertAgo(epoch_of(out["CreatedAt"]), 365 * DAY)
        self.assertIn("updatedAt", json.loads(resp.body))
        for region in ("ap-northeast-3", "us-east-1"):
            _, out = self.call("ListDetectors", region, "/detector")
            self.assertEqual(out["DetectorIds"], [])
            _, out = self.call("GetDetector", region, "/detector/" + did)
            self.assertError(out, 400, "BadRequestException")

    def test_paging_and_errors(self):
        gd = self.estate.data("guardduty")
        second = copy.deepcopy(gd["ap-northeast-1"]["Detectors"][0])
        second["DetectorId"] = "0" * 32
        second["Status"] = "DISABLED"
        gd["ap-northeast-1"]["Detectors"].append(second)
        resp, p1 = self.call("ListDetectors", "ap-northeast-1", "/detector",
                             {"maxResults": "1"})
        self.assertEqual(len(p1["DetectorIds"]), 1)
        self.assertIn("nextToken", json.loads(resp.body))
        _, p2 = self.call("ListDetectors", "ap-northeast-1", "/detector",
                          {"maxResults": "1", "nextToken": p1["NextToken"]})
        self.assertEqual(p2["DetectorIds"], ["0" * 32])
        self.assertNotIn("NextToken", p2)
        _, out = self.call("GetDetector", "ap-northeast-1",
                           "/detector/" + "0" * 32)
        self.assertEqual(out["Status"], "DISABLED")
        _, out = self.call("ListDetectors", "ap-northeast-1", "/detector",
                           {"maxResults": "0"})
        self.assertError(out, 400, "BadRequestException")
        _, out = self.call("ListDetectors", "ap-northeast-1", "/detector",
                           {"nextToken": "bogus"})
        self.assertError(out, 400, "BadRequestException")


# ------------------------------------------------------- Resource Explorer

def estate_resources(estate):
    """Every resource of the estate, as Resource Explorer lists them:
    {Arn: (ResourceType, Region, Service)}."""
    a = estate.account_id()
    out = {}

    def add(arn, rtype, region):
        out[arn] = (rtype, region, rtype.split(":")[0])
    ec2_lists = (("Vpcs", "VpcId", "vpc", "vpc"),
                 ("Subnets", "SubnetId", "subnet", "subnet"),
                 ("RouteTables", "RouteTableId", "route-table",
                  "route-table"),
                 ("InternetGateways", "InternetGatewayId",
                  "internet-gateway", "internet-gateway"),
                 ("NetworkAcls", "NetworkAclId", "network-acl",
                  "network-acl"),
                 ("SecurityGroups", "GroupId", "security-group",
                  "security-group"),
                 ("NetworkInterfaces", "NetworkInterfaceId",
                  "network-interface", "network-interface"),
                 ("Addresses", "AllocationId", "elastic-ip", "elastic-ip"))
    for region, d in estate.data("ec2").items():
        if not isinstance(d, dict):
            continue
        for key, idk, kind, rtype in ec2_lists:
            for x in d.get(key, []):
                add(f"arn:aws:ec2:{region}:{a}:{kind}/{x[idk]}",
                    "ec2:" + rtype, region)
        for r in d.get("Reservations", []):
            for i in r.get("Instances", []):
                add(f"arn:aws:ec2:{region}:{a}:instance/{i['InstanceId']}",
                    "ec2:instance", region)
        for s in d.get("Snapshots", []):
            add(f"arn:aws:ec2:{region}::snapshot/{s['SnapshotId']}",
                "ec2:snapshot", region)
        for i in d.get("Images", []):
            add(f"arn:aws:ec2:{region}::image/{i['ImageId']}", "ec2:image",
                region)
    for region, d in estate.data("rds").items():
        if not isinstance(d, dict):
            continue
        for db in d.get("DBInstances", []):
            add(db["DBInstanceArn"], "rds:db", region)
    for region, d in estate.data("elbv2").items():
        if not isinstance(d, dict):
            continue
        for lb in d.get("LoadBalancers", []):
            add(lb["LoadBalancerArn"], "elasticloadbalancing:loadbalancer/"
                + ("app" if lb.get("Type", "application") == "application"
                   else "net"), region)
            for li in lb.get("Listeners", []):
                add(li["ListenerArn"], "elasticloadbalancing:listener/"
                    + ("app" if lb.get("Type", "application") ==
                       "application" else "net"), region)
    for b in estate.data("s3").get("Buckets", []):
        add(f"arn:aws:s3:::{b['Name']}", "s3:bucket", b["Region"])
    for u in estate.data("iam").get("Users", []):
        add(u["Arn"], "iam:user", "global")
    for t in estate.data("cloudtrail").get("Trails", []):
        add(t["TrailARN"], "cloudtrail:trail", t["HomeRegion"])
    for region, d in estate.data("guardduty").items():
        for det in d.get("Detectors", []):
            add(f"arn:aws:guardduty:{region}:{a}:detector/"
                f"{det['DetectorId']}", "guardduty:detector", region)
    return out


class TestResourceExplorer(Base):
    def call(self, op, region, body=None, estate=None):
        req = Req("resource-explorer-2", region, method="POST",
                  path="/" + op, body=body if body is not None else {})
        self.assertEqual(svc_resource_explorer.action_of(req), op)
        resp = run(svc_resource_explorer, req, estate or self.estate)
        return resp, parse("resource-explorer-2", op, resp)

    def test_get_index(self):
        resp, out = self.call("GetIndex", "ap-northeast-1")
        self.assertEqual(resp.headers["Content-Type"], "application/json")
        self.assertEqual(out["Type"], "AGGREGATOR")
        self.assertEqual(out["State"], "ACTIVE")
        self.assertTrue(out["Arn"].startswith(
            f"arn:aws:resource-explorer-2:ap-northeast-1:{ACCOUNT}:index/"))
        self.assertIsInstance(out["CreatedAt"], datetime.datetime)
        self.assertIsInstance(json.loads(resp.body)["CreatedAt"], str)
        for region in ("us-east-1", "ap-northeast-3"):
            resp, out = self.call("GetIndex", region)
            self.assertError(out, 404, "ResourceNotFoundException")
            self.assertEqual(resp.headers["X-Amzn-ErrorType"],
                             "ResourceNotFoundException")

    def test_no_index(self):
        self.estate.data("resource-explorer")["Index"] = None
        for region in ("ap-northeast-1", "us-east-1"):
            _, out = self.call("GetIndex", region)
            self.assertError(out, 404, "ResourceNotFoundException")
            _, out = self.call("Search", region, {"QueryString": "*"})
            self.assertError(out, 404, "ResourceNotFoundException")
        _, out = self.call("ListIndexes", "us-east-1")
        self.assertEqual(out["Indexes"], [])

    def test_list_indexes(self):
        _, out = self.call("ListIndexes", "us-east-1")
        self.assertEqual(len(out["Indexes"]), 1)
        self.assertEqual(out["Indexes"][0]["Region"], "ap-northeast-1")
        self.assertEqual(out["Indexes"][0]["Type"], "AGGREGATOR")
        _, out = self.call("ListIndexes", "us-east-1", {"Type": "LOCAL"})
        self.assertEqual(out["Indexes"], [])

    def search_all(self, region, query="*", max_results=None, estate=None):
        seen, token, pages = [], None, 0
        while True:
            body = {"QueryString": query}
            if max_results:
                body["MaxResults"] = max_results
            if token:
                body["NextToken"] = token
            _, out = self.call("Search", region, body, estate)
            pages += 1
            seen += out["Resources"]
            self.assertEqual(out["ViewArn"],
                             self.estate.data("resource-explorer")[
                                 "ViewArn"])
            token = out.get("NextToken")
            if not token:
                return seen, pages, out["Count"]

    def test_search_is_the_estate(self):
        found, pages, count = self.search_all("ap-northeast-1")
        self.assertEqual(pages, 1)
        self.assertTrue(count["Complete"])
        self.assertEqual(count["TotalResources"], len(found))
        want = estate_resources(self.estate)
        got = {r["Arn"]: (r["ResourceType"], r["Region"], r["Service"])
               for r in found}
        self.assertEqual(len(got), len(found), "duplicate ARNs")
        self.assertEqual(got, want)
        for r in found:
            self.assertEqual(r["OwningAccountId"], ACCOUNT)
            self.assertIsInstance(r["LastReportedAt"], datetime.datetime)
        self.assertIn(f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/"
                      "i-0bbb00000000legacy", got)

    def test_search_paging_and_filters(self):
        everything, _, _ = self.search_all("ap-northeast-1")
        paged, pages, _ = self.search_all("ap-northeast-1", max_results=5)
        self.assertEqual(pages, (len(everything) + 4) // 5)
        self.assertEqual(paged, everything)
        small = load_estate(page_size=7)
        paged, pages, _ = self.search_all("ap-northeast-1", max_results=100,
                                          estate=small)
        self.assertEqual(pages, (len(everything) + 6) // 7)
        us, _, _ = self.search_all("ap-northeast-1", "region:us-east-1")
        self.assertTrue(us)
        self.assertTrue(all(r["Region"] == "us-east-1" for r in us))
        inst, _, _ = self.search_all("ap-northeast-1",
                                     "resourcetype:ec2:instance")
        self.assertEqual(len(inst), 3)
        legacy, _, _ = self.search_all("ap-northeast-1", "legacy")
        want = sorted(a for a in estate_resources(self.estate)
                      if "legacy" in a)
        self.assertEqual(sorted(r["Arn"] for r in legacy), want)
        self.assertIn(f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/"
                      "i-0bbb00000000legacy", want)

    def test_search_errors(self):
        _, out = self.call("Search", "us-east-1", {"QueryString": "*"})
        self.assertError(out, 404, "ResourceNotFoundException")
        _, out = self.call("Search", "ap-northeast-1", {})
        self.assertError(out, 400, "ValidationException")
        _, out = self.call("Search", "ap-northeast-1",
                           {"QueryString": "*", "MaxResults": 1001})
        self.assertError(out, 400, "ValidationException")
        _, out = self.call("Search", "ap-northeast-1",
                           {"QueryString": "*", "NextToken": "bogus"})
        self.assertError(out, 400, "ValidationException")


# ---------------------------------------------------------- demo estate

class TestDemoEstate(Base):
    def test_geoip(self):
        with open(os.path.join(DEMO, "geoip.csv"), encoding="ascii") as f:
            rows = list(csv.reader(f))
        want = {"203.0.113.25": "JP", "198.51.100.20": "US",
                "198.51.100.77": "US", "192.0.2.1": "DE", "10.0.0.1": "-"}
        prev = -1
        for r in rows:
            self.assertEqual(len(r), 4)
            lo, hi = int(r[0]), int(r[1])
            self.assertEqual(lo, prev + 1, "ranges must be contiguous")
            self.assertLessEqual(lo, hi)
            prev = hi
        self.assertEqual(prev, 2 ** 32 - 1)
        for ip, cc in want.items():
            n = int.from_bytes(bytes(int(x) for x in ip.split(".")), "big")
            got = [r[2] for r in rows if int(r[0]) <= n <= int(r[1])]
            self.assertEqual(got, [cc], ip)

    def test_every_event_ip_has_a_country(self):
        for ev in self.estate.data("cloudtrail")["Events"]:
            self.assertRegex(ev["CloudTrailEvent"]["sourceIPAddress"],
                             r"^(203\.0\.113|198\.51\.100)\.")

    def test_macros_expanded(self):
        for name in ("iam", "s3", "cloudtrail", "guardduty", "ce",
                     "resource-explorer"):
            self.assertNotIn("@now", json.dumps(self.estate.data(name)),
                             name)
        for path in glob.glob(os.path.join(DEMO, "*.json")):
            with open(path, encoding="utf-8") as f:
                json.load(f)


REGION_ORDER = {"global": 0, "ap-northeast-1": 1, "ap-northeast-3": 2,
                "us-east-1": 3}


def write_resource_list():
    """Rewrites the Resources of the demo's resource-explorer.json from
    the other estate files (run after changing them)."""
    path = os.path.join(DEMO, "resource-explorer.json")
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    res = estate_resources(load_estate())
    items = sorted(res.items(), key=lambda kv: (
        REGION_ORDER.get(kv[1][1], len(REGION_ORDER)), kv[1][1], kv[1][0],
        kv[0]))
    rows = [json.dumps({"Arn": arn, "ResourceType": rt, "Region": reg,
                        "Service": svc, "OwningAccountId": ACCOUNT,
                        "LastReportedAt": "@now-1h"})
            for arn, (rt, reg, svc) in items]
    text = ("{\n  \"Index\": "
            + json.dumps(raw.get("Index"), indent=2).replace("\n", "\n  ")
            + ",\n  \"ViewArn\": " + json.dumps(raw.get("ViewArn"))
            + ",\n  \"Resources\": [\n    " + ",\n    ".join(rows)
            + "\n  ]\n}\n")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
    print(f"{path}: {len(rows)} resources")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-resource-list"]:
        write_resource_list()
        sys.exit(0)
    unittest.main(verbosity=2)
