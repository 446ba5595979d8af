"""Tests of the fake AWS's core and of its EC2/STS behaviour over HTTP:
authentication, faults, control endpoints, remediation, @now macros,
scale, loopback-only binding, SIGTERM.

Run by test-core.sh with /usr/bin/python3 (botocore needed)."""

import datetime
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import fakeaws_core  # noqa: E402

FAKE = os.path.join(HERE, "fakeaws.py")
DEMO = os.path.join(HERE, "estates", "demo")
PY = sys.executable
RW = ("AKIAFAKEDEMO00000001", "demo-secret-remediate-0001")
RO = ("AKIAFAKEDEMO00000002", "demo-secret-readonly-0002")
AUDIT_ROLE = "arn:aws:iam::123456789012:role/CloudPatrolAudit"
AUDIT_EXT = "cp-demo-external-7f3a"
RO_ROLE = "arn:aws:iam::123456789012:role/CloudPatrolReadOnly"
RO_EXT = "cp-demo-external-ro"
EC2_VERSION = "2016-11-15"
STS_VERSION = "2011-06-15"
START_TIMEOUT = 30.0
TOKYO = "ap-northeast-1"


class Fake:
    """One fakeaws process."""

    def __init__(self, *args, estate=DEMO, host="127.0.0.1"):
        self.dir = tempfile.mkdtemp(prefix="fakeaws-test.")
        self.port_file = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "log"), "w+")
        self.host = host
        t0 = time.time()
        self.proc = subprocess.Popen(
            [PY, FAKE, "--estate", estate, "--port-file", self.port_file,
             "--quiet", "--host", host] + list(args),
            stdout=self.log, stderr=subprocess.STDOUT)
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise RuntimeError("fakeaws exited: " + self.output())
            if time.time() - t0 > START_TIMEOUT:
                raise RuntimeError("fakeaws did not start: " + self.output())
            time.sleep(0.02)
        self.start_seconds = time.time() - t0
        with open(self.port_file) as f:
            self.port = int(f.read())

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- raw HTTP

    def http(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            conn.close()

    def control(self, method, path, obj=None):
        body = json.dumps(obj).encode() if obj is not None else None
        st, _, data = self.http(method, path, body,
                                {"Content-Type": "application/json"})
        return st, (json.loads(data) if data and st == 200 else data)

    # ---- signed AWS requests

    def call(self, service, region, params, creds=RW, token=None,
             when=None, tamper=None, timeout=30):
        """A form-encoded Query/EC2 POST signed by botocore; returns
        (status, headers, body)."""
        host = f"{self.host}:{self.port}"
        url = f"http://{host}/"
        body = urllib.parse.urlencode(params).encode()
        req = AWSRequest(method="POST", url=url, data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded; "
                            "charset=utf-8",
            "Host": host})
        signer = SigV4Auth(Credentials(creds[0], creds[1], token), service,
                           region)
        ts = (when or datetime.datetime.utcnow()).strftime("%Y%m%dT%H%M%SZ")
        req.context["timestamp"] = ts
        signer._modify_request_before_signing(req)
        sig = signer.signature(
            signer.string_to_sign(req, signer.canonical_request(req)), req)
        signer._inject_signature_to_request(req, sig)
        headers = dict(req.headers.items())
        if tamper:
            tamper(headers)
        return self.http("POST", "/", body, headers, timeout)

    def ec2(self, action, region=TOKYO, creds=RW, token=None, **params):
        p = {"Action": action, "Version": EC2_VERSION}
        p.update(params)
        return self.call("ec2", region, p, creds, token)

    def sts(self, action, creds=RW, token=None, **params):
        p = {"Action": action, "Version": STS_VERSION}
        p.update(params)
        return self.call("sts", "us-east-1", p, creds, token)


def strip_ns(elem):
    for e in elem.iter():
        if "}" in e.tag:
            e.tag = e.tag.split("}", 1)[1]
    return elem


def xml(body):
    return strip_ns(ET.fromstring(body))


def error_code(body):
    root = xml(body)
    code = root.find("./Code") if root.tag == "Error" else \
        root.find(".//Error/Code")
    return code.text if code is not None else None


def sg_ids(body):
    return [e.text for e in xml(body).findall(
        "./securityGroupInfo/item/groupId")]


def rule_ids(body):
    return [e.text for e in xml(body).findall(
        "./securityGroupRuleSet/item/securityGroupRuleId")]


class DemoTestCase(unittest.TestCase):
    """A fake on the demo estate per test class; reset between tests."""

    args = ()

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake(*cls.args)

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        self.fake.control("DELETE", "/__fault")
        self.fake.control("POST", "/__reset")
        self.fake.control("DELETE", "/__requests")

    def assertAwsError(self, resp, status, code):
        st, _, body = resp
        self.assertEqual((st, error_code(body)), (status, code),
                         body.decode(errors="replace"))


class AuthTest(DemoTestCase):
    def test_good_signature(self):
        st, _, body = self.fake.sts("GetCallerIdentity")
        self.assertEqual(st, 200, body)
        root = xml(body)
        self.assertEqual(root.findtext(".//Arn"),
                         "arn:aws:iam::123456789012:user/cloudpatrol")
        self.assertEqual(root.findtext(".//Account"), "123456789012")
        _, log = self.fake.control("GET", "/__requests")
        self.assertEqual([(r["service"], r["action"], r["signature"],
                           r["status"]) for r in log],
                         [("sts", "GetCallerIdentity", "ok", 200)])

    def test_unknown_key(self):
        bad = ("AKIAFAKEDEMO99999999", "whatever")
        self.assertAwsError(self.fake.ec2("DescribeVpcs", creds=bad),
                            401, "AuthFailure")
        self.assertAwsError(self.fake.sts("GetCallerIdentity", creds=bad),
                            403, "InvalidClientTokenId")

    def test_bad_signature(self):
        bad = (RW[0], "not-the-secret")
        self.assertAwsError(self.fake.ec2("DescribeVpcs", creds=bad),
                            403, "SignatureDoesNotMatch")
        self.assertAwsError(self.fake.sts("GetCallerIdentity", creds=bad),
                            403, "SignatureDoesNotMatch")
        _, log = self.fake.control("GET", "/__requests")
        self.assertEqual([r["signature"] for r in log], ["bad", "bad"])

    def test_tampered_body(self):
        # Signed for one body, sent with a header changed afterwards.
        def tamper(h):
            # Another second than the one signed (never the same one).
            sec = "01" if h["X-Amz-Date"].endswith("00Z") else "00"
            h["X-Amz-Date"] = h["X-Amz-Date"][:-3] + sec + "Z"
        self.assertAwsError(
            self.fake.call("sts", "us-east-1",
                           {"Action": "GetCallerIdentity",
                            "Version": STS_VERSION}, tamper=tamper),
            403, "SignatureDoesNotMatch")

    def test_wrong_scope_region(self):
        # The scope names a region the signature was not computed for.
        def tamper(h):
            h["Authorization"] = h["Authorization"].replace(
                "/us-east-1/", "/us-west-2/")
        self.assertAwsError(
            self.fake.call("sts", "us-east-1",
                           {"Action": "GetCallerIdentity",
                            "Version": STS_VERSION}, tamper=tamper),
            403, "SignatureDoesNotMatch")

    def test_clock_skew(self):
        old = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
        st, _, body = self.fake.call(
            "sts", "us-east-1",
            {"Action": "GetCallerIdentity", "Version": STS_VERSION},
            when=old)
        self.assertEqual((st, error_code(body)),
                         (403, "SignatureDoesNotMatch"))
        self.assertIn(b"Signature expired", body)

    def test_missing_and_garbled_authorization(self):
        body = b"Action=DescribeVpcs&Version=2016-11-15"
        hdr = {"Content-Type": "application/x-www-form-urlencoded"}
        st, _, data = self.fake.http("POST", "/", body, hdr)
        self.assertEqual((st, error_code(data)),
                         (403, "MissingAuthenticationToken"))
        hdr["Authorization"] = "AWS4-HMAC-SHA256 Credential=nonsense"
        st, _, data = self.fake.http("POST", "/", body, hdr)
        self.assertEqual((st, error_code(data)), (403, "IncompleteSignature"))
        _, log = self.fake.control("GET", "/__requests")
        self.assertEqual([r["signature"] for r in log], ["none", "none"])

    def test_wrong_external_id_and_unknown_role(self):
        self.assertAwsError(self.fake.sts(
            "AssumeRole", RoleArn=AUDIT_ROLE, RoleSessionName="cp",
            ExternalId="wrong"), 403, "AccessDenied")
        self.assertAwsError(self.fake.sts(
            "AssumeRole", RoleArn=AUDIT_ROLE, RoleSessionName="cp"),
            403, "AccessDenied")
        self.assertAwsError(self.fake.sts(
            "AssumeRole", RoleArn="arn:aws:iam::123456789012:role/Nope",
            RoleSessionName="cp", ExternalId=AUDIT_EXT), 403, "AccessDenied")

    def assume(self, role, ext, **extra):
        st, _, body = self.fake.sts("AssumeRole", RoleArn=role,
                                    RoleSessionName="cp-test",
                                    ExternalId=ext, **extra)
        self.assertEqual(st, 200, body)
        c = xml(body).find(".//Credentials")
        return (c.findtext("AccessKeyId"), c.findtext("SecretAccessKey"),
                c.findtext("SessionToken"), c.findtext("Expiration"))

    def test_assume_role(self):
        ak, sk, tok, exp = self.assume(AUDIT_ROLE, AUDIT_EXT,
                                       DurationSeconds="900")
        self.assertTrue(ak.startswith("ASIA"), ak)
        left = fakeaws_core.iso_to_epoch(exp) - time.time()
        self.assertTrue(890 <= left <= 901, left)
        st, _, body = self.fake.sts("GetCallerIdentity", creds=(ak, sk),
                                    token=tok)
        self.assertEqual(st, 200, body)
        self.assertEqual(xml(body).findtext(".//Arn"),
                         "arn:aws:sts::123456789012:assumed-role/"
                         "CloudPatrolAudit/cp-test")
        # The session token is part of the credential.
        self.assertAwsError(self.fake.sts("GetCallerIdentity",
                                          creds=(ak, sk), token="forged"),
                            403, "InvalidClientTokenId")
        self.assertAwsError(self.fake.sts("GetCallerIdentity",
                                          creds=(ak, sk)),
                            403, "InvalidClientTokenId")

    def test_temporary_credentials_inherit_rights(self):
        ak, sk, tok, _ = self.assume(AUDIT_ROLE, AUDIT_EXT)
        self.assertAwsError(self.fake.ec2(
            "RevokeSecurityGroupIngress", creds=(ak, sk), token=tok,
            GroupId="sg-0a1b2c3d4e5f00001",
            **{"SecurityGroupRuleId.1": "sgr-0000000000000a001",
               "DryRun": "true"}), 412, "DryRunOperation")
        ak, sk, tok, _ = self.assume(RO_ROLE, RO_EXT)
        self.assertAwsError(self.fake.ec2(
            "RevokeSecurityGroupIngress", creds=(ak, sk), token=tok,
            GroupId="sg-0a1b2c3d4e5f00001",
            **{"SecurityGroupRuleId.1": "sgr-0000000000000a001",
               "DryRun": "true"}), 403, "UnauthorizedOperation")


class ExpiryTest(DemoTestCase):
    args = ("--session-duration", "2")

    def test_expired_token(self):
        st, _, body = self.fake.sts("AssumeRole", RoleArn=AUDIT_ROLE,
                                    RoleSessionName="short",
                                    ExternalId=AUDIT_EXT)
        self.assertEqual(st, 200, body)
        c = xml(body).find(".//Credentials")
        creds = (c.findtext("AccessKeyId"), c.findtext("SecretAccessKey"))
        tok = c.findtext("SessionToken")
        left = fakeaws_core.iso_to_epoch(c.findtext("Expiration")) - \
            time.time()
        self.assertLess(left, 3)
        st, _, body = self.fake.ec2("DescribeVpcs", creds=creds, token=tok)
        self.assertEqual(st, 200, body)
        time.sleep(2.5)
        self.assertAwsError(self.fake.ec2("DescribeVpcs", creds=creds,
                                          token=tok), 400, "ExpiredToken")
        self.assertAwsError(self.fake.sts("GetCallerIdentity", creds=creds,
                                          token=tok), 403, "ExpiredToken")


class DenyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fakeaws-estate.")
        est = os.path.join(cls.tmp, "estate")
        shutil.copytree(DEMO, est)
        with open(os.path.join(est, "account.json")) as f:
            acct = json.load(f)
        acct["Credentials"][1]["Deny"] = ["rds", "ec2:DescribeInstances"]
        acct["Roles"][1]["Deny"] = ["elasticloadbalancing"]
        with open(os.path.join(est, "account.json"), "w") as f:
            json.dump(acct, f)
        cls.fake = Fake(estate=est)

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_deny_service_and_action(self):
        f = self.fake
        st, _, body = f.call("rds", TOKYO, {"Action": "DescribeDBInstances",
                                            "Version": "2014-10-31"},
                             creds=RO)
        self.assertEqual((st, error_code(body)), (403, "AccessDenied"))
        st, _, body = f.ec2("DescribeInstances", creds=RO)
        self.assertEqual((st, error_code(body)),
                         (403, "UnauthorizedOperation"))
        st, _, body = f.ec2("DescribeVpcs", creds=RO)
        self.assertEqual(st, 200, body)
        st, _, body = f.ec2("DescribeInstances", creds=RW)
        self.assertEqual(st, 200, body)

    def test_role_deny_inherited(self):
        f = self.fake
        st, _, body = f.sts("AssumeRole", RoleArn=RO_ROLE,
                            RoleSessionName="deny", ExternalId=RO_EXT)
        self.assertEqual(st, 200, body)
        c = xml(body).find(".//Credentials")
        creds = (c.findtext("AccessKeyId"), c.findtext("SecretAccessKey"))
        st, _, body = f.call("elasticloadbalancing", TOKYO,
                             {"Action": "DescribeLoadBalancers",
                              "Version": "2015-12-01"}, creds=creds,
                             token=c.findtext("SessionToken"))
        self.assertEqual((st, error_code(body)), (403, "AccessDenied"))


class FaultTest(DemoTestCase):
    def fault(self, **spec):
        st, f = self.fake.control("POST", "/__fault", spec)
        self.assertEqual(st, 200, f)
        return f

    def test_throttle_per_protocol(self):
        self.fault(kind="throttle", service="ec2", count=1)
        self.assertAwsError(self.fake.ec2("DescribeVpcs"), 503,
                            "RequestLimitExceeded")
        st, _, _ = self.fake.ec2("DescribeVpcs")
        self.assertEqual(st, 200)
        self.fault(kind="throttle", service="sts")
        st, hdr, body = self.fake.sts("GetCallerIdentity")
        self.assertEqual((st, error_code(body)), (400, "Throttling"))
        self.assertEqual(xml(body).findtext(".//Error/Type"), "Sender")
        self.assertNotIn("Retry-After", hdr)

    def test_throttle_retry_after(self):
        self.fault(kind="throttle-retry-after", service="ec2")
        st, hdr, body = self.fake.ec2("DescribeVpcs")
        self.assertEqual((st, error_code(body)),
                         (503, "RequestLimitExceeded"))
        self.assertEqual(hdr.get("Retry-After"), "1")

    def test_500_503_access_denied(self):
        self.fault(kind="500", service="ec2")
        self.assertAwsError(self.fake.ec2("DescribeVpcs"), 500,
                            "InternalError")
        self.fault(kind="503", service="ec2")
        self.assertAwsError(self.fake.ec2("DescribeVpcs"), 503,
                            "Unavailable")
        self.fault(kind="500", service="sts")
        st, _, body = self.fake.sts("GetCallerIdentity")
        self.assertEqual((st, error_code(body)), (500, "InternalFailure"))
        self.assertEqual(xml(body).findtext(".//Error/Type"), "Receiver")
        self.fault(kind="access-denied", service="ec2")
        self.assertAwsError(self.fake.ec2("DescribeVpcs"), 403,
                            "UnauthorizedOperation")
        self.fault(kind="access-denied", service="sts")
        self.assertAwsError(self.fake.sts("GetCallerIdentity"), 403,
                            "AccessDenied")

    def test_stall(self):
        self.fault(kind="stall", service="ec2", seconds=1.5)
        t0 = time.time()
        st, _, _ = self.fake.ec2("DescribeVpcs")
        self.assertEqual(st, 200)
        self.assertGreaterEqual(time.time() - t0, 1.4)
        self.fault(kind="stall", service="ec2", seconds=5)
        with self.assertRaises(socket.timeout):
            self.fake.call("ec2", TOKYO, {"Action": "DescribeVpcs",
                                          "Version": EC2_VERSION},
                           timeout=1)

    def test_malformed(self):
        self.fault(kind="malformed", service="ec2",
                   action="DescribeSecurityGroups")
        st, _, body = self.fake.ec2("DescribeSecurityGroups")
        self.assertEqual(st, 200)
        with self.assertRaises(ET.ParseError):
            ET.fromstring(body)
        st, _, body = self.fake.ec2("DescribeSecurityGroups")
        self.assertEqual(len(sg_ids(body)), 5)

    def test_matching_and_count(self):
        self.fault(kind="throttle", service="ec2", region="us-east-1",
                   action="DescribeInstances", count=2)
        self.assertEqual(self.fake.ec2("DescribeInstances")[0], 200)
        self.assertEqual(self.fake.ec2("DescribeVpcs",
                                       region="us-east-1")[0], 200)
        for _ in range(2):
            self.assertEqual(self.fake.ec2("DescribeInstances",
                                           region="us-east-1")[0], 503)
        self.assertEqual(self.fake.ec2("DescribeInstances",
                                       region="us-east-1")[0], 200)
        self.fault(kind="throttle", count=-1)
        for _ in range(3):
            self.assertEqual(self.fake.sts("GetCallerIdentity")[0], 400)
        st, lst = self.fake.control("GET", "/__fault")
        self.assertEqual(len(lst), 1)
        self.fake.control("DELETE", "/__fault")
        self.assertEqual(self.fake.sts("GetCallerIdentity")[0], 200)

    def test_faults_come_after_authentication(self):
        self.fault(kind="throttle", count=-1)
        self.assertAwsError(self.fake.sts("GetCallerIdentity",
                                          creds=(RW[0], "bad")),
                            403, "SignatureDoesNotMatch")

    def test_bad_fault_requests(self):
        st, _ = self.fake.control("POST", "/__fault", {"kind": "explode"})
        self.assertEqual(st, 400)
        st, _ = self.fake.control("POST", "/__fault", {"kind": "500",
                                                       "count": 0})
        self.assertEqual(st, 400)
        st, _, _ = self.fake.http("GET", "/__nothing")
        self.assertEqual(st, 404)


class ControlTest(DemoTestCase):
    def test_requests_log(self):
        self.fake.ec2("DescribeVpcs", region="us-east-1")
        self.fake.sts("GetCallerIdentity")
        st, log = self.fake.control("GET", "/__requests")
        self.assertEqual(st, 200)
        self.assertEqual([(r["service"], r["region"], r["action"],
                           r["status"], r["signature"]) for r in log],
                         [("ec2", "us-east-1", "DescribeVpcs", 200, "ok"),
                          ("sts", "us-east-1", "GetCallerIdentity", 200,
                           "ok")])
        st, log = self.fake.control("GET", "/__requests?service=sts")
        self.assertEqual(len(log), 1)
        self.fake.control("DELETE", "/__requests")
        self.assertEqual(self.fake.control("GET", "/__requests")[1], [])

    def test_reset_restores_estate(self):
        st, _, body = self.fake.ec2(
            "RevokeSecurityGroupIngress", GroupId="sg-0a1b2c3d4e5f00001",
            **{"SecurityGroupRuleId.1": "sgr-0000000000000a001"})
        self.assertEqual(st, 200, body)
        self.assertNotIn("sgr-0000000000000a001",
                         json.dumps(self.fake.control("GET",
                                                      "/__estate/ec2")[1]))
        self.fake.control("POST", "/__reset")
        self.assertIn("sgr-0000000000000a001",
                      json.dumps(self.fake.control("GET",
                                                   "/__estate/ec2")[1]))
        st, _, body = self.fake.ec2(
            "DescribeSecurityGroupRules",
            **{"SecurityGroupRuleId.1": "sgr-0000000000000a001"})
        self.assertEqual(rule_ids(body), ["sgr-0000000000000a001"])

    def test_estate_endpoint(self):
        st, acct = self.fake.control("GET", "/__estate/account")
        self.assertEqual(acct["AccountId"], "123456789012")
        st, _, _ = self.fake.http("GET", "/__estate/..%2Fx")
        self.assertEqual(st, 400)


def estate_rules(fake, group):
    est = fake.control("GET", "/__estate/ec2")[1]
    for g in est[TOKYO]["SecurityGroups"]:
        if g["GroupId"] == group:
            return [(p["IpProtocol"], p.get("FromPort"), r.get("CidrIp") or
                     r.get("CidrIpv6"), r["SecurityGroupRuleId"])
                    for p in g["IpPermissions"]
                    for k in ("IpRanges", "Ipv6Ranges")
                    for r in p.get(k, [])]
    raise AssertionError(group)


class RemediationTest(DemoTestCase):
    def test_dry_run(self):
        args = {"GroupId": "sg-0a1b2c3d4e5f00001", "DryRun": "true",
                "SecurityGroupRuleId.1": "sgr-0000000000000a001"}
        before = estate_rules(self.fake, "sg-0a1b2c3d4e5f00001")
        self.assertAwsError(self.fake.ec2("RevokeSecurityGroupIngress",
                                          **args), 412, "DryRunOperation")
        self.assertAwsError(self.fake.ec2("RevokeSecurityGroupIngress",
                                          creds=RO, **args),
                            403, "UnauthorizedOperation")
        margs = {"GroupId": "sg-0a1b2c3d4e5f00003", "DryRun": "true",
                 "SecurityGroupRule.1.SecurityGroupRuleId":
                 "sgr-0000000000000a003",
                 "SecurityGroupRule.1.SecurityGroupRule.IpProtocol": "tcp",
                 "SecurityGroupRule.1.SecurityGroupRule.FromPort": "3306",
                 "SecurityGroupRule.1.SecurityGroupRule.ToPort": "3306",
                 "SecurityGroupRule.1.SecurityGroupRule.CidrIpv4":
                 "10.0.0.0/8"}
        self.assertAwsError(self.fake.ec2("ModifySecurityGroupRules",
                                          **margs), 412, "DryRunOperation")
        self.assertAwsError(self.fake.ec2("ModifySecurityGroupRules",
                                          creds=RO, **margs),
                            403, "UnauthorizedOperation")
        self.assertEqual(estate_rules(self.fake, "sg-0a1b2c3d4e5f00001"),
                         before)
        # Describes answer DryRun too.
        self.assertAwsError(self.fake.ec2("DescribeSecurityGroups",
                                          DryRun="true"),
                            412, "DryRunOperation")

    def test_revoke_by_rule_id(self):
        st, _, body = self.fake.ec2(
            "RevokeSecurityGroupIngress", GroupId="sg-0a1b2c3d4e5f00001",
            **{"SecurityGroupRuleId.1": "sgr-0000000000000a001"})
        self.assertEqual(st, 200, body)
        self.assertEqual(xml(body).findtext("return"), "true")
        self.assertEqual(estate_rules(self.fake, "sg-0a1b2c3d4e5f00001"),
                         [("tcp", 443, "0.0.0.0/0", "sgr-0000000000000b001"),
                          ("tcp", 80, "0.0.0.0/0", "sgr-0000000000000b002")])
        st, _, body = self.fake.ec2(
            "DescribeSecurityGroups", **{"GroupId.1": "sg-0a1b2c3d4e5f00001"})
        ports = [e.text for e in xml(body).findall(
            ".//ipPermissions/item/fromPort")]
        self.assertEqual(ports, ["443", "80"])
        self.assertAwsError(self.fake.ec2(
            "DescribeSecurityGroupRules",
            **{"SecurityGroupRuleId.1": "sgr-0000000000000a001"}),
            400, "InvalidSecurityGroupRuleId.NotFound")
        # Revoking it again: it is gone.
        self.assertAwsError(self.fake.ec2(
            "RevokeSecurityGroupIngress", GroupId="sg-0a1b2c3d4e5f00001",
            **{"SecurityGroupRuleId.1": "sgr-0000000000000a001"}),
            400, "InvalidSecurityGroupRuleId.NotFound")

    def test_revoke_by_permissions(self):
        st, _, body = self.fake.ec2(
            "RevokeSecurityGroupIngress", GroupId="sg-0a1b2c3d4e5f00002",
            **{"IpPermissions.1.IpProtocol": "tcp",
               "IpPermissions.1.FromPort": "3389",
               "IpPermissions.1.ToPort": "3389",
               "IpPermissions.1.Ipv6Ranges.1.CidrIpv6": "::/0"})
        self.assertEqual(st, 200, body)
        self.assertEqual(estate_rules(self.fake, "sg-0a1b2c3d4e5f00002"), [])
        self.assertAwsError(self.fake.ec2(
            "RevokeSecurityGroupIngress", GroupId="sg-0a1b2c3d4e5f00004",
            **{"IpPermissions.1.IpProtocol": "tcp",
               "IpPermissions.1.FromPort": "22",
               "IpPermissions.1.ToPort": "22",
               "IpPermissions.1.IpRanges.1.CidrIp": "0.0.0.0/0"}),
            400, "InvalidPermission.NotFound")

    def test_modify_narrows(self):
        st, _, body = self.fake.ec2(
            "ModifySecurityGroupRules", GroupId="sg-0a1b2c3d4e5f00003",
            **{"SecurityGroupRule.1.SecurityGroupRuleId":
               "sgr-0000000000000a003",
               "SecurityGroupRule.1.SecurityGroupRule.IpProtocol": "tcp",
               "SecurityGroupRule.1.SecurityGroupRule.FromPort": "3306",
               "SecurityGroupRule.1.SecurityGroupRule.ToPort": "3306",
               "SecurityGroupRule.1.SecurityGroupRule.CidrIpv4":
               "10.20.0.0/16"})
        self.assertEqual(st, 200, body)
        self.assertEqual(sorted(estate_rules(self.fake,
                                             "sg-0a1b2c3d4e5f00003")),
                         [("tcp", 3306, "10.20.0.0/16",
                           "sgr-0000000000000a003"),
                          ("tcp", 5432, "10.0.0.0/8",
                           "sgr-0000000000000b003")])
        st, _, body = self.fake.ec2(
            "DescribeSecurityGroupRules",
            **{"SecurityGroupRuleId.1": "sgr-0000000000000a003"})
        r = xml(body).find("./securityGroupRuleSet/item")
        self.assertEqual((r.findtext("cidrIpv4"), r.findtext("fromPort"),
                          r.findtext("isEgress")),
                         ("10.20.0.0/16", "3306", "false"))

    def test_not_found(self):
        self.assertAwsError(self.fake.ec2(
            "RevokeSecurityGroupIngress", GroupId="sg-0000000000000dead",
            **{"SecurityGroupRuleId.1": "sgr-0000000000000a001"}),
            400, "InvalidGroup.NotFound")
        self.assertAwsError(self.fake.ec2(
            "ModifySecurityGroupRules", GroupId="sg-0a1b2c3d4e5f00003",
            **{"SecurityGroupRule.1.SecurityGroupRuleId":
               "sgr-0000000000000a001",
               "SecurityGroupRule.1.SecurityGroupRule.CidrIpv4":
               "10.0.0.0/8"}),
            400, "InvalidSecurityGroupRuleId.NotFound")
        self.assertAwsError(self.fake.ec2(
            "DescribeSecurityGroups",
            **{"GroupId.1": "sg-0a1b2c3d4e5f00001",
               "GroupId.2": "sg-0000000000000dead"}),
            400, "InvalidGroup.NotFound")


class DescribeTest(DemoTestCase):
    def test_filters_and_id_lists(self):
        st, _, body = self.fake.ec2(
            "DescribeSecurityGroups",
            **{"Filter.1.Name": "group-id",
               "Filter.1.Value.1": "sg-0a1b2c3d4e5f00002",
               "Filter.1.Value.2": "sg-0a1b2c3d4e5f00004"})
        self.assertEqual(sg_ids(body), ["sg-0a1b2c3d4e5f00002",
                                        "sg-0a1b2c3d4e5f00004"])
        st, _, body = self.fake.ec2(
            "DescribeSecurityGroupRules",
            **{"Filter.1.Name": "group-id",
               "Filter.1.Value.1": "sg-0a1b2c3d4e5f00001"})
        self.assertEqual(rule_ids(body), [
            "sgr-0000000000000b001", "sgr-0000000000000b002",
            "sgr-0000000000000a001", "sgr-0000000000000e001"])
        st, _, body = self.fake.ec2(
            "DescribeSecurityGroupRules",
            **{"Filter.1.Name": "security-group-rule-id",
               "Filter.1.Value.1": "sgr-0000000000000a00*"})
        self.assertEqual(rule_ids(body), ["sgr-0000000000000a001",
                                          "sgr-0000000000000a002",
                                          "sgr-0000000000000a003"])
        self.assertAwsError(self.fake.ec2(
            "DescribeSecurityGroups",
            **{"Filter.1.Name": "no-such-filter", "Filter.1.Value.1": "x"}),
            400, "InvalidParameterValue")

    def test_paging(self):
        seen, token, pages = [], None, 0
        while True:
            args = {"MaxResults": "5"}
            if token:
                args["NextToken"] = token
            st, _, body = self.fake.ec2("DescribeSecurityGroupRules",
                                        **args)
            self.assertEqual(st, 200, body)
            seen += rule_ids(body)
            pages += 1
            token = xml(body).findtext("nextToken")
            if not token:
                break
        self.assertEqual(pages, 3)        # 13 rules, 5 a page
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(len(seen), 13)
        self.assertAwsError(self.fake.ec2("DescribeSecurityGroups",
                                          MaxResults="2"),
                            400, "InvalidParameterValue")
        self.assertAwsError(self.fake.ec2("DescribeSecurityGroups",
                                          NextToken="garbage"),
                            400, "InvalidParameterValue")

    def test_regions(self):
        st, _, body = self.fake.ec2("DescribeRegions")
        names = [e.text for e in xml(body).findall(
            "./regionInfo/item/regionName")]
        self.assertEqual(names, ["ap-northeast-1", "ap-northeast-3",
                                 "us-east-1"])
        st, _, body = self.fake.ec2("DescribeRegions", AllRegions="true")
        self.assertEqual(len(xml(body).findall("./regionInfo/item")), 17)
        self.assertAwsError(self.fake.ec2("DescribeVpcs",
                                          region="eu-west-1"),
                            401, "AuthFailure")

    def test_now_macros(self):
        st, _, body = self.fake.ec2(
            "DescribeInstances", **{"InstanceId.1": "i-0aaa000000000web1"})
        launch = xml(body).findtext(".//instancesSet/item/launchTime")
        self.assertRegex(launch, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")
        age = time.time() - fakeaws_core.iso_to_epoch(launch)
        self.assertAlmostEqual(age, 120 * 86400, delta=120)


class MarkerPagingTest(DemoTestCase):
    args = ("--page-size", "1")

    def pages(self, service, params, item_path, marker_tag, marker_param):
        seen, marker = [], None
        while True:
            p = dict(params)
            if marker:
                p[marker_param] = marker
            st, _, body = self.fake.call(service, TOKYO, p)
            self.assertEqual(st, 200, body)
            root = xml(body)
            found = [e.text for e in root.findall(item_path)]
            self.assertEqual(len(found), 1, body)
            seen += found
            marker = root.findtext(".//" + marker_tag)
            if not marker:
                return seen

    def test_rds_marker(self):
        self.assertEqual(self.pages(
            "rds", {"Action": "DescribeDBInstances", "Version": "2014-10-31"},
            ".//DBInstances/DBInstance/DBInstanceIdentifier", "Marker",
            "Marker"), ["orders-db", "analytics-db"])

    def test_elbv2_marker(self):
        lb = ("arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:"
              "loadbalancer/app/web-alb/0a1b2c3d4e5f0001")
        self.assertEqual(self.pages(
            "elasticloadbalancing",
            {"Action": "DescribeListeners", "Version": "2015-12-01",
             "LoadBalancerArn": lb},
            ".//Listeners/member/Port", "NextMarker", "Marker"),
            ["80", "443"])
        self.assertEqual(self.pages(
            "elasticloadbalancing",
            {"Action": "DescribeLoadBalancers", "Version": "2015-12-01"},
            ".//LoadBalancers/member/LoadBalancerName", "NextMarker",
            "Marker"), ["web-alb"])

    def test_ec2_page_size_caps_requests(self):
        st, _, body = self.fake.ec2("DescribeSecurityGroups",
                                    MaxResults="1000")
        self.assertEqual(len(sg_ids(body)), 1)
        self.assertTrue(xml(body).findtext("nextToken"))


class NowMacroTest(unittest.TestCase):
    def test_expand(self):
        now = 1700000000
        got = fakeaws_core.expand_now(
            {"a": "@now", "b": ["@now-400d", "x @now-3h y"],
             "c": {"d": "@now+30m", "e": "@now-10s"}, "f": "@nowhere",
             "g": 5}, now)
        self.assertEqual(got, {
            "a": "2023-11-14T22:13:20Z",
            "b": ["2022-10-10T22:13:20Z", "x 2023-11-14T19:13:20Z y"],
            "c": {"d": "2023-11-14T22:43:20Z", "e": "2023-11-14T22:13:10Z"},
            "f": "@nowhere", "g": 5})

    def test_loaded_estate(self):
        tmp = tempfile.mkdtemp(prefix="fakeaws-now.")
        try:
            with open(os.path.join(tmp, "account.json"), "w") as f:
                json.dump({"AccountId": "111111111111",
                           "Regions": ["us-east-1"],
                           "AllRegions": ["us-east-1"]}, f)
            with open(os.path.join(tmp, "probe.json"), "w") as f:
                json.dump({"t": ["@now-1d", "@now+2h"]}, f)
            fake = Fake(estate=tmp)
            try:
                t0 = time.time()
                st, d = fake.control("GET", "/__estate/probe")
                a, b = (fakeaws_core.iso_to_epoch(x) for x in d["t"])
                self.assertAlmostEqual(a, t0 - 86400, delta=60)
                self.assertAlmostEqual(b, t0 + 7200, delta=60)
            finally:
                fake.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class RenderTest(unittest.TestCase):
    """The error document of every protocol, as botocore parses it."""

    def test_protocol_errors(self):
        from botocore import parsers
        for proto, parser in (("ec2", "ec2"), ("query", "query"),
                              ("json", "json"), ("rest-xml", "rest-xml"),
                              ("rest-json", "rest-json")):
            r = fakeaws_core.render_error(proto, 403, "SomeCode", "boom")
            p = parsers.create_parser(parser)
            from botocore.model import OperationModel, ServiceModel
            sm = ServiceModel({"metadata": {"protocol": parser,
                                            "apiVersion": "1"},
                               "operations": {"Op": {"name": "Op",
                                                     "http": {}}},
                               "shapes": {}})
            headers = {k.lower(): v for k, v in r.headers.items()}
            got = p.parse({"status_code": r.status, "headers": headers,
                           "body": r.body},
                          OperationModel(sm._service_description[
                              "operations"]["Op"], sm).output_shape)
            self.assertEqual((got["Error"]["Code"], got["Error"]["Message"]),
                             ("SomeCode", "boom"), (proto, r.body))


class ProcessTest(unittest.TestCase):
    def test_refuses_non_loopback(self):
        for host in ("0.0.0.0", "::", "192.0.2.1", "127.0.0.2"):
            r = subprocess.run([PY, FAKE, "--estate", DEMO, "--host", host],
                               capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 2, host)
            self.assertIn(b"only loopback", r.stderr)

    def test_sigterm_and_listening_address(self):
        fake = Fake()
        try:
            self.assertIn(f"listening on http://127.0.0.1:{fake.port}",
                          fake.output())
            out = subprocess.run(["ss", "-ltnH"], capture_output=True,
                                 text=True).stdout if shutil.which("ss") \
                else ""
            for line in out.splitlines():
                if line.split()[3].endswith(f":{fake.port}"):
                    self.assertIn("127.0.0.1:", line.split()[3])
            fake.proc.send_signal(signal.SIGTERM)
            self.assertEqual(fake.proc.wait(10), 0)
        finally:
            fake.stop()

    def test_ipv6_loopback(self):
        try:
            s = socket.socket(socket.AF_INET6)
            s.bind(("::1", 0))
            s.close()
        except OSError as e:
            self.fail(f"this host has no ::1 ({e}); the fake must serve "
                      "it")
        fake = Fake(host="::1")
        try:
            st, _, body = fake.ec2("DescribeRegions")
            self.assertEqual(st, 200, body)
        finally:
            fake.stop()


def client(fake, service, region="us-east-1", creds=RW, scheme="http",
           verify=None):
    import botocore.session
    from botocore.config import Config
    sess = botocore.session.get_session()
    return sess.create_client(
        service, region_name=region,
        endpoint_url=f"{scheme}://127.0.0.1:{fake.port}",
        aws_access_key_id=creds[0], aws_secret_access_key=creds[1],
        verify=verify,
        config=Config(retries={"total_max_attempts": 1},
                      s3={"addressing_style": "path"}))


class ProtocolTest(DemoTestCase):
    """The core's errors in each protocol, through botocore clients of
    services of every protocol (S3 rest-xml, CloudTrail json, GuardDuty
    rest-json, IAM query, EC2)."""

    CALLS = (("s3", "list_buckets", {}, "rest-xml"),
             ("cloudtrail", "describe_trails", {}, "json"),
             ("guardduty", "list_detectors", {}, "rest-json"),
             ("iam", "get_account_summary", {}, "query"),
             ("ec2", "describe_vpcs", {}, "ec2"))

    def errors(self, creds, fault=None):
        from botocore.exceptions import ClientError
        out = {}
        for svc, op, args, proto in self.CALLS:
            if fault:
                self.fake.control("POST", "/__fault",
                                  dict(fault, count=1))
            c = client(self.fake, svc, creds=creds)
            try:
                getattr(c, op)(**args)
                out[proto] = (200, None)
            except ClientError as e:
                out[proto] = (e.response["ResponseMetadata"]
                              ["HTTPStatusCode"], e.response["Error"]["Code"])
            finally:
                c.close()
        return out

    def test_all_protocols_succeed(self):
        self.assertEqual(set(self.errors(RW).values()), {(200, None)})

    def test_unknown_key(self):
        self.assertEqual(self.errors(("AKIAFAKEDEMO99999999", "x")), {
            "rest-xml": (403, "InvalidAccessKeyId"),
            "json": (400, "UnrecognizedClientException"),
            "rest-json": (403, "UnrecognizedClientException"),
            "query": (403, "InvalidClientTokenId"),
            "ec2": (401, "AuthFailure")})

    def test_bad_signature(self):
        got = self.errors((RW[0], "wrong"))
        self.assertEqual(set(got.values()), {(403, "SignatureDoesNotMatch")},
                         got)

    def test_throttle(self):
        self.assertEqual(self.errors(RW, {"kind": "throttle"}), {
            "rest-xml": (503, "SlowDown"),
            "json": (400, "ThrottlingException"),
            "rest-json": (429, "TooManyRequestsException"),
            "query": (400, "Throttling"),
            "ec2": (503, "RequestLimitExceeded")})

    def test_access_denied(self):
        self.assertEqual(self.errors(RW, {"kind": "access-denied"}), {
            "rest-xml": (403, "AccessDenied"),
            "json": (400, "AccessDeniedException"),
            "rest-json": (403, "AccessDeniedException"),
            "query": (403, "AccessDenied"),
            "ec2": (403, "UnauthorizedOperation")})

    def test_payload_hash_mismatch(self):
        # A signed x-amz-content-sha256 that is not the body's hash.
        host = f"127.0.0.1:{self.fake.port}"
        req = AWSRequest(method="PUT", url=f"http://{host}/demo-app-logs",
                         data=b"hello", headers={
                             "Host": host,
                             "X-Amz-Content-SHA256": "0" * 64})
        from botocore.auth import S3SigV4Auth
        signer = S3SigV4Auth(Credentials(*RW), "s3", "us-east-1")
        req.context["timestamp"] = datetime.datetime.utcnow().strftime(
            "%Y%m%dT%H%M%SZ")
        SigV4Auth._modify_request_before_signing(signer, req)
        sig = signer.signature(
            signer.string_to_sign(req, signer.canonical_request(req)), req)
        signer._inject_signature_to_request(req, sig)
        st, _, body = self.fake.http("PUT", "/demo-app-logs", b"hello",
                                     dict(req.headers.items()))
        self.assertEqual((st, error_code(body)),
                         (400, "XAmzContentSHA256Mismatch"), body)


class TlsTest(unittest.TestCase):
    def test_https(self):
        tmp = tempfile.mkdtemp(prefix="fakeaws-tls.")
        try:
            cert, key = (os.path.join(tmp, n) for n in ("c.pem", "k.pem"))
            r = subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                 "-keyout", key, "-out", cert, "-days", "1", "-subj",
                 "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                capture_output=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            fake = Fake("--tls-cert", cert, "--tls-key", key)
            try:
                self.assertIn(f"listening on https://127.0.0.1:{fake.port}",
                              fake.output())
                # A client that connects and says nothing does not hold
                # up the others.
                idle = socket.create_connection(("127.0.0.1", fake.port))
                try:
                    c = client(fake, "sts", scheme="https", verify=cert)
                    ident = c.get_caller_identity()
                    c.close()
                    self.assertEqual(ident["Account"], "123456789012")
                    c = client(fake, "ec2", region=TOKYO, scheme="https",
                               verify=cert)
                    groups = c.describe_security_groups()["SecurityGroups"]
                    c.close()
                    self.assertEqual(len(groups), 5)
                finally:
                    idle.close()
            finally:
                fake.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class ScaleTest(unittest.TestCase):
    def test_scale(self):
        # Big enough for several pages per region; how fast the fake
        # serves a big estate is the aws-collect benchmark's business.
        fake = Fake("--scale-sgs", "10000", "--scale-regions", "5")
        try:
            st, _, body = fake.ec2("DescribeRegions")
            names = [e.text for e in xml(body).findall(
                "./regionInfo/item/regionName")]
            self.assertEqual(len(names), 5)
            total = 0
            for r in names:
                token, n, pages = None, 0, 0
                while True:
                    args = {"NextToken": token} if token else {}
                    st, _, body = fake.ec2("DescribeSecurityGroups",
                                           region=r, **args)
                    self.assertEqual(st, 200)
                    n += len(sg_ids(body))
                    pages += 1
                    token = xml(body).findtext("nextToken")
                    if not token:
                        break
                # 2,000 generated + the region's default group
                self.assertEqual(n, 2001 + (4 if r == TOKYO else 0) +
                                 (1 if r == "us-east-1" else 0), r)
                self.assertEqual(pages, 3, r)
                total += n
            self.assertEqual(total, 10000 + 5 + 5)
            st, _, body = fake.ec2("DescribeSecurityGroupRules",
                                   region="eu-west-1" if "eu-west-1" in
                                   names else names[-1])
            self.assertEqual(st, 200)
            self.assertEqual(len(rule_ids(body)), 1000)
        finally:
            fake.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
