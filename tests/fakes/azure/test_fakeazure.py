#!/usr/bin/python3
"""The fake Azure's own tests: tokens (secret, certificate assertion,
scope, expiry), ARM paging and api-version errors, the writes of
remediation (a rule PUT, a VM deallocated, asynchronous operations,
Reader refused), Graph filters and the
licence answer, faults, and the control endpoints.  The fake runs in this
process on a loopback port."""

import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import fakeazure  # noqa: E402

ESTATE = os.path.join(HERE, "estates", "demo")
SAMPLES = os.path.join(HERE, "..", "..", "fixtures", "cloud", "azure")
TENANT = "7a1c3e52-9d4b-4f0e-8a6c-2b5d9e7f1a30"
APP = "3f6b8e21-4c7d-4a9e-b1f2-6d8c0e5a7b94"
SECRET = "demo-azure-secret-0001"
PROD = "1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081"
DEV = "9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4"
ARM = fakeazure.ARM_SCOPE
GRAPH = fakeazure.GRAPH_SCOPE
NET = "2023-09-01"


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class FakeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = fakeazure.Fake(fakeazure.Estate(ESTATE), 2, 3599, True)
        cls.srv = fakeazure.Server(("127.0.0.1", 0),
                                   fakeazure.make_handler(cls.fake))
        cls.url = "http://127.0.0.1:%d" % cls.srv.server_address[1]
        cls.thread = threading.Thread(target=cls.srv.serve_forever,
                                      kwargs={"poll_interval": 0.05},
                                      daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.shutdown()
        cls.srv.server_close()

    def setUp(self):
        self.call("POST", "/__reset")

    def call(self, method, path, body=None, headers=None, form=None):
        data = None
        h = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data,
                                     method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def token(self, scope=ARM, secret=SECRET, tenant=TENANT, client=APP):
        st, body, _ = self.call("POST", f"/{tenant}/oauth2/v2.0/token",
                                form={"grant_type": "client_credentials",
                                      "client_id": client,
                                      "client_secret": secret,
                                      "scope": scope})
        return st, json.loads(body)

    def get(self, path, scope=ARM):
        st, tok = self.token(scope)
        self.assertEqual(st, 200)
        st, body, h = self.call("GET", path, headers={
            "Authorization": "Bearer " + tok["access_token"]})
        try:
            return st, json.loads(body), h
        except ValueError:
            return st, body, h

    # ------------------------------------------------------------ tokens

    def test_secret_token(self):
        st, tok = self.token()
        self.assertEqual(st, 200)
        self.assertEqual(tok["token_type"], "Bearer")
        self.assertEqual(tok["expires_in"], 3599)

    def test_wrong_secret(self):
        st, err = self.token(secret="nope")
        self.assertEqual(st, 401)
        self.assertEqual(err["error"], "invalid_client")
        self.assertIn("AADSTS7000215", err["error_description"])

    def test_bad_scope_tenant_client(self):
        st, err = self.token(scope="https://foo.microsoft.com/.default")
        self.assertEqual((st, err["error"]), (400, "invalid_scope"))
        st, err = self.token(tenant="00000000-0000-0000-0000-000000000000")
        self.assertEqual(err["error_codes"], [90002])
        st, err = self.token(client="00000000-0000-0000-0000-000000000001")
        self.assertEqual(err["error_codes"], [700016])

    def assertion(self, aud=None, key=os.path.join(ESTATE, "app-client.pem"),
                  exp_in=600):
        with open(os.path.join(ESTATE, "app-cert.pem"), "rb") as f:
            der = fakeazure.cert_der(f.read())
        head = {"alg": "RS256", "typ": "JWT",
                "x5t#S256": b64url(hashlib.sha256(der).digest())}
        now = int(time.time())
        claims = {"aud": aud or f"{self.url}/{TENANT}/oauth2/v2.0/token",
                  "iss": APP, "sub": APP, "jti": "j-%d" % now,
                  "nbf": now, "iat": now, "exp": now + exp_in}
        signing = (b64url(json.dumps(head).encode()) + "." +
                   b64url(json.dumps(claims).encode()))
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key],
                             input=signing.encode(), capture_output=True,
                             check=True).stdout
        return signing + "." + b64url(sig)

    def cert_token(self, assertion):
        st, body, _ = self.call("POST", f"/{TENANT}/oauth2/v2.0/token", form={
            "grant_type": "client_credentials", "client_id": APP,
            "scope": GRAPH, "client_assertion_type":
            fakeazure.ASSERTION_TYPE, "client_assertion": assertion})
        return st, json.loads(body)

    def test_certificate_assertion(self):
        st, tok = self.cert_token(self.assertion())
        self.assertEqual(st, 200, tok)
        st, err = self.cert_token(self.assertion(aud="https://elsewhere/"))
        self.assertEqual(err["error_codes"], [700027])
        st, err = self.cert_token(self.assertion(exp_in=-10))
        self.assertEqual(st, 401)
        # Signed by another key: the signature does not verify.
        with tempfile.TemporaryDirectory() as d:
            other = os.path.join(d, "k.pem")
            subprocess.run(["openssl", "genrsa", "-out", other, "2048"],
                           capture_output=True, check=True)
            st, err = self.cert_token(self.assertion(key=other))
        self.assertIn("signature", err["error_description"])

    def test_openssl_fallback_verifies(self):
        a = self.assertion().split(".")
        with open(os.path.join(ESTATE, "app-cert.pem"), "rb") as f:
            cert = f.read()
        sig = fakeazure.b64url_decode(a[2])
        signing = (a[0] + "." + a[1]).encode()
        self.assertTrue(fakeazure.verify_rs256_openssl(cert, signing, sig))
        self.assertFalse(fakeazure.verify_rs256_openssl(cert, signing + b"x",
                                                        sig))

    def test_audiences_do_not_mix(self):
        st, body, _ = self.get("/v1.0/users", scope=ARM)
        self.assertEqual(st, 401)
        st, body, _ = self.get(f"/subscriptions?api-version=2022-12-01",
                               scope=GRAPH)
        self.assertEqual(body["error"]["code"], "InvalidAuthenticationToken")
        st, body, _ = self.call("GET", "/subscriptions?api-version=2022-12-01")
        self.assertEqual(st, 401)

    def test_token_expiry(self):
        self.fake.token_lifetime = 1
        try:
            st, tok = self.token()
        finally:
            self.fake.token_lifetime = 3599
        with self.fake.lock:
            self.fake.tokens[tok["access_token"]]["exp"] = time.time() - 1
        st, body, _ = self.call("GET", "/subscriptions?api-version=2022-12-01",
                                headers={"Authorization": "Bearer " +
                                         tok["access_token"]})
        self.assertEqual(st, 401)
        self.assertEqual(json.loads(body)["error"]["code"],
                         "ExpiredAuthenticationToken")

    # ------------------------------------------------------------ ARM

    def test_subscriptions_and_permissions(self):
        st, body, _ = self.get("/subscriptions?api-version=2022-12-01")
        self.assertEqual(st, 200)
        ids = [s["subscriptionId"] for s in body["value"]]
        self.assertEqual(ids, [PROD, DEV])
        perms = "/providers/Microsoft.Authorization/permissions?" \
                "api-version=2022-04-01"
        st, body, _ = self.get(f"/subscriptions/{PROD}{perms}")
        self.assertEqual(body["value"][0]["actions"], ["*"])
        st, body, _ = self.get(f"/subscriptions/{DEV}{perms}")
        self.assertEqual(body["value"][0]["actions"], ["*/read"])

    def test_api_version_errors(self):
        p = f"/subscriptions/{PROD}/providers/Microsoft.Network/" \
            "networkSecurityGroups"
        st, body, _ = self.get(p)
        self.assertEqual((st, body["error"]["code"]),
                         (400, "MissingApiVersionParameter"))
        st, body, _ = self.get(p + "?api-version=1999-01-01")
        self.assertEqual(body["error"]["code"], "NoRegisteredProviderFound")
        self.assertIn(NET, body["error"]["message"])

    def write(self, method, path, body=None, headers=None):
        st, tok = self.token()
        h = {"Authorization": "Bearer " + tok["access_token"],
             "Content-Type": "application/json"}
        h.update(headers or {})
        st, raw, hdrs = self.call(method, path, body=body, headers=h)
        return st, json.loads(raw) if raw else None, hdrs

    def test_rule_put_and_operation(self):
        rule = f"/subscriptions/{PROD}/resourceGroups/rg-prod/providers/" \
            "Microsoft.Network/networkSecurityGroups/nsg-web/securityRules/" \
            "allow-ssh-any"
        st, body, _ = self.write("PUT", rule, {"properties": {}})
        self.assertEqual(body["error"]["code"], "MissingApiVersionParameter")
        st, cur, _ = self.get(rule + "?api-version=" + NET)
        self.assertEqual((st, cur["properties"]["access"]), (200, "Allow"))
        props = dict(cur["properties"], access="Maybe")
        st, body, _ = self.write("PUT", rule + "?api-version=" + NET,
                                 {"properties": props})
        self.assertEqual((st, body["error"]["code"]),
                         (400, "InvalidRequestFormat"))
        props["access"] = "Deny"
        st, body, _ = self.write("PUT", rule + "?api-version=" + NET,
                                 {"properties": props},
                                 {"If-Match": 'W/"stale"'})
        self.assertEqual(st, 412)
        st, body, h = self.write("PUT", rule + "?api-version=" + NET,
                                 {"properties": props},
                                 {"If-Match": cur["etag"]})
        self.assertEqual((st, body["properties"]["access"]), (200, "Deny"))
        op = urllib.parse.urlsplit(h["Azure-AsyncOperation"])
        st, body, _ = self.get(op.path + "?" + op.query)
        self.assertEqual(body["status"], "InProgress")
        st, body, _ = self.get(op.path + "?" + op.query)
        self.assertEqual(body["status"], "Succeeded")
        st, cur, _ = self.get(rule + "?api-version=" + NET)
        self.assertEqual(cur["properties"]["access"], "Deny")

    def test_deallocate_and_reader(self):
        vm = f"/subscriptions/{PROD}/resourceGroups/rg-prod/providers/" \
            "Microsoft.Compute/virtualMachines/vm-jump01"
        st, body, h = self.write("POST", vm + "/deallocate?api-version="
                                 "2024-03-01")
        self.assertEqual((st, body), (202, None))
        loc = urllib.parse.urlsplit(h["Location"])
        st, _, _ = self.get(loc.path + "?" + loc.query)
        self.assertEqual(st, 202)
        st, _, _ = self.get(loc.path + "?" + loc.query)
        self.assertEqual(st, 200)
        st, view, _ = self.get(vm + "/instanceView?api-version=2024-03-01")
        self.assertEqual(view["statuses"][1]["code"],
                         "PowerState/deallocated")
        dev = f"/subscriptions/{DEV}/resourceGroups/rg-dev/providers/" \
            "Microsoft.Compute/virtualMachines/vm-dev01/deallocate" \
            "?api-version=2024-03-01"
        st, body, _ = self.write("POST", dev)
        self.assertEqual((st, body["error"]["code"]),
                         (403, "AuthorizationFailed"))

    def test_cost_query(self):
        q = f"/subscriptions/{PROD}/providers/Microsoft.CostManagement/query"
        ask = {"type": "ActualCost", "timeframe": "MonthToDate",
               "dataset": {"granularity": "None", "aggregation": {
                   "totalCost": {"name": "Cost", "function": "Sum"}}}}
        st, body, _ = self.write("POST", q, ask)
        self.assertEqual(body["error"]["code"], "MissingApiVersionParameter")
        st, body, _ = self.write("POST", q + "?api-version=2023-03-01", ask)
        self.assertEqual(st, 200)
        self.assertEqual(body["type"], "Microsoft.CostManagement/query")
        self.assertEqual([c["name"] for c in body["properties"]["columns"]],
                         ["Cost", "Currency"])
        self.assertEqual(body["properties"]["rows"], [[1523.4, "USD"]])
        st, body, _ = self.write("POST", q + "?api-version=2023-03-01",
                                 dict(ask, timeframe="Custom"))
        self.assertEqual((st, body["error"]["code"]), (400, "BadRequest"))

    def test_signins(self):
        st, body, _ = self.get("/v1.0/auditLogs/signIns?$top=10", GRAPH)
        self.assertEqual(st, 200)
        times = [e["createdDateTime"] for e in body["value"]]
        self.assertEqual(len(times), 2)            # pages of 2
        self.assertEqual(times, sorted(times, reverse=True))
        self.assertIn("@odata.nextLink", body)
        self.assertNotIn("fake:minutesAgo", body["value"][0])
        since = fakeazure.iso(time.time() - 40 * 60)
        q = urllib.parse.quote(f"createdDateTime ge {since}")
        st, body, _ = self.get(f"/v1.0/auditLogs/signIns?$filter={q}",
                               GRAPH)
        self.assertEqual(len(body["value"]), 1)
        self.assertEqual(body["value"][0]["location"]["countryOrRegion"],
                         "RU")
        self.call("POST", "/__estate/tenant", {"premium": False})
        st, body, _ = self.get("/v1.0/auditLogs/signIns", GRAPH)
        self.assertEqual((st, body["error"]["code"]), (
            403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant"))

    def test_paging(self):
        p = f"/subscriptions/{PROD}/providers/Microsoft.Network/" \
            f"networkSecurityGroups?api-version={NET}"
        names = []
        st, tok = self.token()
        url = self.url + p
        while url:
            self.assertTrue(url.startswith(self.url))
            st, body, _ = self.call("GET", url[len(self.url):], headers={
                "Authorization": "Bearer " + tok["access_token"]})
            page = json.loads(body)
            self.assertLessEqual(len(page["value"]), 2)
            names += [n["name"] for n in page["value"]]
            url = page.get("nextLink")
        self.assertEqual(names, ["nsg-web", "nsg-app", "nsg-db"])

    def test_vm_status_and_firewall(self):
        p = f"/subscriptions/{PROD}/providers/Microsoft.Compute/" \
            "virtualMachines?api-version=2024-03-01&statusOnly=true"
        st, body, _ = self.get(p)
        codes = [v["properties"]["instanceView"]["statuses"][1]["code"]
                 for v in body["value"]]
        self.assertEqual(codes, ["PowerState/running", "PowerState/running"])
        self.assertNotIn("fake:powerState", body["value"][0])
        p = f"/subscriptions/{PROD}/resourceGroups/rg-prod/providers/" \
            "Microsoft.Sql/servers/sql-cp-demo/firewallRules?" \
            "api-version=2021-11-01"
        st, body, _ = self.get(p)
        self.assertEqual(body["value"][0]["properties"]["endIpAddress"],
                         "255.255.255.255")

    def test_blob_containers(self):
        acc = f"/subscriptions/{PROD}/resourceGroups/rg-prod/providers/" \
            "Microsoft.Storage/storageAccounts/stcpdemopublic"
        p = acc + "/blobServices/default/containers?api-version=2023-01-01"
        st, body, _ = self.get(p)
        self.assertEqual(st, 200)
        self.assertEqual(len(body["value"]), 2)
        self.assertIn("$skiptoken=2", body["nextLink"])
        self.assertNotIn("fake:containers", json.dumps(body))
        c = body["value"][0]
        self.assertEqual((c["name"], c["properties"]["publicAccess"]),
                         ("site-assets", "Blob"))
        self.assertEqual(c["id"],
                         acc + "/blobServices/default/containers/site-assets")
        st, body, _ = self.get(p + "&$maxpagesize=1")
        self.assertEqual(len(body["value"]), 1)
        st, body, _ = self.get(p.replace("2023-01-01", "2019-01-01"))
        self.assertEqual((st, body["error"]["code"]),
                         (400, "NoRegisteredProviderFound"))
        st, body, _ = self.get(p.replace("stcpdemopublic", "stnone"))
        self.assertEqual((st, body["error"]["code"]),
                         (404, "ResourceNotFound"))
        # The control endpoint changes one container's properties.
        cid = acc + "/blobServices/default/containers/site-assets"
        st, _, _ = self.call("POST", "/__estate/resource", {
            "id": cid.upper(), "properties": {"publicAccess": "None"}})
        self.assertEqual(st, 200)
        st, body, _ = self.get(p)
        self.assertEqual(body["value"][0]["properties"]["publicAccess"],
                         "None")
        self.assertEqual(body["value"][0]["properties"]["leaseState"],
                         "Available")
        st, _, _ = self.call("POST", "/__estate/resource", {
            "id": cid + "x", "properties": {}})
        self.assertEqual(st, 404)

    def test_unknown_subscription(self):
        st, body, _ = self.get("/subscriptions/00000000-0000-0000-0000-"
                               "000000000000?api-version=2022-12-01")
        self.assertEqual((st, body["error"]["code"]),
                         (404, "SubscriptionNotFound"))

    # ------------------------------------------------------------ Graph

    def test_graph_users(self):
        st, body, _ = self.get("/v1.0/users?$select=id,userType,"
                               "signInActivity", scope=GRAPH)
        self.assertEqual(st, 200)
        self.assertIn("@odata.nextLink", body)
        self.assertIn("signInActivity", body["value"][0])
        q = urllib.parse.quote("userType eq 'Guest'")
        st, body, _ = self.get("/v1.0/users?$filter=" + q, scope=GRAPH)
        self.assertEqual([u["userType"] for u in body["value"]],
                         ["Guest", "Guest"])
        self.call("POST", "/__estate/tenant", {"premium": False})
        st, body, _ = self.get("/v1.0/users?$select=id,signInActivity",
                               scope=GRAPH)
        self.assertEqual(st, 403)
        self.assertIn("NonPremium", body["error"]["code"])

    def test_directory_roles(self):
        st, body, _ = self.get("/v1.0/directoryRoles", scope=GRAPH)
        ga = [r for r in body["value"]
              if r["roleTemplateId"] == fakeazure.GLOBAL_ADMIN_TEMPLATE][0]
        st, body, _ = self.get(f"/v1.0/directoryRoles/{ga['id']}/members"
                               "?$top=100", scope=GRAPH)
        self.assertEqual(len(body["value"]), 2)     # page size 2
        self.assertIn("@odata.nextLink", body)

    # ------------------------------------------------------------ shapes

    @staticmethod
    def sample(name):
        with open(os.path.join(SAMPLES, name)) as f:
            return json.load(f)

    def test_shapes_match_published_samples(self):
        """The fake answers with the members real answers have."""
        tok = self.sample("oauth2-v2.0-token.success.response."
                          "entra-docs-example.json")
        st, ours = self.token()
        self.assertLessEqual(set(tok), set(ours))
        real = self.sample("networkSecurityGroups.listAll.api2020-08-01."
                           "c7n-recorded.json")["value"][0]
        st, body, _ = self.get(f"/subscriptions/{PROD}/providers/"
                               f"Microsoft.Network/networkSecurityGroups"
                               f"?api-version={NET}")
        nsg = body["value"][0]
        self.assertLessEqual(set(real) - {"tags"}, set(nsg))
        for key in ("securityRules", "defaultSecurityRules"):
            rr, ours_r = real["properties"][key][0], \
                nsg["properties"][key][0]
            self.assertLessEqual(set(rr), set(ours_r) | {"description"})
            self.assertLessEqual(set(rr["properties"]) - {"description"},
                                 set(ours_r["properties"]))
        self.assertEqual(
            sorted(r["name"] for r in real["properties"]
                   ["defaultSecurityRules"]),
            sorted(r["name"] for r in nsg["properties"]
                   ["defaultSecurityRules"]))
        users = self.sample("users.list.select-signInActivity."
                            "graph-docs-example.json")
        st, body, _ = self.get("/v1.0/users?$select=displayName,"
                               "userPrincipalName,id,signInActivity",
                               scope=GRAPH)
        self.assertEqual(set(users["value"][0]), set(body["value"][0]))
        self.assertLessEqual(set(users["value"][0]["signInActivity"]) -
                             {"lastSignInRequestId",
                              "lastNonInteractiveSignInRequestId"},
                             set(body["value"][0]["signInActivity"]))

    # ------------------------------------------------------------ faults

    def test_faults(self):
        p = f"/subscriptions?api-version=2022-12-01"
        self.call("POST", "/__fault", {"kind": "throttle", "count": 1,
                                       "retry_after": 2,
                                       "match": "/subscriptions?"})
        st, body, h = self.get(p)
        self.assertEqual((st, h.get("Retry-After")), (429, "2"))
        self.assertEqual(self.get(p)[0], 200)
        self.call("POST", "/__fault", {"kind": "error500", "match": p})
        self.assertEqual(self.get(p)[0], 500)
        self.call("POST", "/__fault", {"kind": "malformed", "match": p})
        st, body, _ = self.get(p)
        self.assertIsInstance(body, bytes)
        self.call("POST", "/__fault", {"kind": "forbidden",
                                       "match": "Microsoft.Sql"})
        st, body, _ = self.get(f"/subscriptions/{PROD}/providers/"
                               "Microsoft.Sql/servers?api-version=2021-11-01")
        self.assertEqual(st, 403)
        self.call("POST", "/__fault", {"kind": "stall", "seconds": 0.2,
                                       "match": p})
        t0 = time.monotonic()
        self.assertEqual(self.get(p)[0], 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.2)

    def test_expired_token_fault(self):
        st, tok = self.token()
        h = {"Authorization": "Bearer " + tok["access_token"]}
        p = "/subscriptions?api-version=2022-12-01"
        self.call("POST", "/__fault", {"kind": "expired-token", "match": p})
        st, body, _ = self.call("GET", p, headers=h)
        self.assertEqual(st, 401)
        self.assertEqual(json.loads(body)["error"]["code"],
                         "ExpiredAuthenticationToken")
        st, body, _ = self.call("GET", p, headers=h)
        self.assertEqual(st, 401)       # that token stays dead
        self.assertEqual(self.get(p)[0], 200)   # a new one works

    def test_control(self):
        self.get("/subscriptions?api-version=2022-12-01")
        st, body, _ = self.call("GET", "/__requests")
        paths = [r["path"] for r in json.loads(body)]
        self.assertIn("/subscriptions", paths)
        new = "0f0f0f0f-0000-4000-8000-000000000001"
        self.call("POST", "/__estate/subscriptions", {
            "subscriptionId": new, "tenantId": TENANT,
            "displayName": "cp-demo-new",
            "principalRoles": [{"appId": APP, "role": "Reader"}],
            "resources": {}})
        st, body, _ = self.get("/subscriptions?api-version=2022-12-01")
        self.assertEqual(len(body["value"]), 2)
        self.assertIn("nextLink", body)         # page size 2
        self.call("DELETE", f"/__estate/subscriptions/{DEV}")
        st, body, _ = self.get("/subscriptions?api-version=2022-12-01")
        self.assertEqual([s["subscriptionId"] for s in body["value"]],
                         [PROD, new])
        st, body, _ = self.call("POST", "/__fault", {"kind": "nope"})
        self.assertEqual(st, 400)


if __name__ == "__main__":
    unittest.main(verbosity=1)
