#!/usr/bin/python3
"""fakeazure: a fake Microsoft Entra ID, Azure Resource Manager and
Microsoft Graph on one loopback port, for cloudpatrol's tests.

Standard library only (the certificate assertion is checked with
python3-cryptography when it is installed, else with "openssl dgst").
README.md beside this file says what it serves and how to steer it.
"""

import argparse
import base64
import copy
import hashlib
import http.server
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

MAX_BODY = 1 << 20                  # largest request body read
MAX_REQUEST_LOG = 100000            # entries kept for GET /__requests
DEFAULT_PAGE_SIZE = 100
DEFAULT_TOKEN_LIFETIME = 3599
ARM_SCOPE = "https://management.azure.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
GLOBAL_ADMIN_TEMPLATE = "62e90394-69f5-4237-9190-012177145e10"

# The list APIs of a subscription: path below /subscriptions/{id}, the
# estate key of the subscription file, the api-versions accepted.
ARM_LISTS = {
    "/providers/Microsoft.Network/networkSecurityGroups":
        ("networkSecurityGroups", ("2023-09-01", "2023-11-01", "2024-05-01")),
    "/providers/Microsoft.Network/networkInterfaces":
        ("networkInterfaces", ("2023-09-01", "2023-11-01", "2024-05-01")),
    "/providers/Microsoft.Network/publicIPAddresses":
        ("publicIPAddresses", ("2023-09-01", "2023-11-01", "2024-05-01")),
    "/providers/Microsoft.Network/loadBalancers":
        ("loadBalancers", ("2023-09-01", "2023-11-01", "2024-05-01")),
    "/providers/Microsoft.Network/applicationGateways":
        ("applicationGateways", ("2023-09-01", "2023-11-01", "2024-05-01")),
    "/providers/Microsoft.Network/virtualNetworks":
        ("virtualNetworks", ("2023-09-01", "2023-11-01", "2024-05-01")),
    "/providers/Microsoft.Compute/virtualMachines":
        ("virtualMachines", ("2023-09-01", "2024-03-01", "2024-07-01")),
    "/providers/Microsoft.Storage/storageAccounts":
        ("storageAccounts", ("2023-01-01", "2023-05-01", "2024-01-01")),
    "/providers/Microsoft.Sql/servers":
        ("sqlServers", ("2021-11-01", "2023-08-01")),
    "/providers/Microsoft.KeyVault/vaults":
        ("keyVaults", ("2023-07-01", "2024-11-01")),
    "/providers/Microsoft.Authorization/roleAssignments":
        ("roleAssignments", ("2022-04-01",)),
}
SUBSCRIPTION_VERSIONS = ("2020-01-01", "2022-12-01")
RESOURCES_VERSIONS = ("2021-04-01", "2022-09-01")
PERMISSIONS_VERSIONS = ("2015-07-01", "2022-04-01")
FIREWALL_VERSIONS = ("2021-11-01", "2023-08-01")
STORAGE_VERSIONS = ARM_LISTS[
    "/providers/Microsoft.Storage/storageAccounts"][1]
NETWORK_VERSIONS = ARM_LISTS[
    "/providers/Microsoft.Network/networkSecurityGroups"][1]
COMPUTE_VERSIONS = ARM_LISTS[
    "/providers/Microsoft.Compute/virtualMachines"][1]
COST_VERSIONS = ("2023-03-01", "2023-11-01", "2024-08-01")
RULE_ACCESS = ("Allow", "Deny")
RULE_DIRECTION = ("Inbound", "Outbound")
RULE_PROTOCOLS = ("Tcp", "Udp", "Icmp", "Esp", "Ah", "*")

# What each built-in role allows, as the permissions API answers it.
ROLE_PERMISSIONS = {
    "Reader": [{"actions": ["*/read"], "notActions": [],
                "dataActions": [], "notDataActions": []}],
    "Contributor": [{"actions": ["*"], "notActions": [
        "Microsoft.Authorization/*/Delete",
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete",
        "Microsoft.Compute/galleries/share/action"],
        "dataActions": [], "notDataActions": []}],
    "Owner": [{"actions": ["*"], "notActions": [],
               "dataActions": [], "notDataActions": []}],
}


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Reply(Exception):
    """An answer other than 200 (raised from deep inside a handler)."""

    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def arm_error(status, code, message):
    return Reply(status, {"error": {"code": code, "message": message}})


def graph_error(status, code, message):
    return Reply(status, {"error": {
        "code": code, "message": message,
        "innerError": {"date": iso(time.time()),
                       "request-id": secrets.token_hex(16)}}})


def entra_error(status, error, aadsts, description):
    return Reply(status, {
        "error": error,
        "error_description": f"AADSTS{aadsts}: {description}\r\n"
                             f"Trace ID: {secrets.token_hex(16)}",
        "error_codes": [aadsts],
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
    })


# ------------------------------------------------------------ certificate

def verify_rs256(cert_pem, signing_input, signature):
    """Whether signature is an RS256 signature of signing_input by the key
    of cert_pem."""
    try:
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
    except ImportError:
        return verify_rs256_openssl(cert_pem, signing_input, signature)
    cert = x509.load_pem_x509_certificate(cert_pem)
    try:
        cert.public_key().verify(signature, signing_input,
                                 padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def verify_rs256_openssl(cert_pem, signing_input, signature):
    with tempfile.TemporaryDirectory() as d:
        pub = os.path.join(d, "pub.pem")
        sig = os.path.join(d, "sig")
        with open(sig, "wb") as f:
            f.write(signature)
        key = subprocess.run(["openssl", "x509", "-pubkey", "-noout"],
                             input=cert_pem, capture_output=True,
                             timeout=10)
        if key.returncode != 0:
            return False
        with open(pub, "wb") as f:
            f.write(key.stdout)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub,
                            "-signature", sig], input=signing_input,
                           capture_output=True, timeout=10)
        return r.returncode == 0


def cert_der(cert_pem):
    body = re.search(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE",
                     cert_pem, re.S)
    return base64.b64decode(b"".join(body.group(1).split()))


# ------------------------------------------------------------ estate

class Estate:
    """tenant.json and subscriptions.json of one estate directory."""

    def __init__(self, directory):
        self.directory = directory
        self.lock = threading.RLock()
        self.load()

    def load(self):
        with self.lock:
            with open(os.path.join(self.directory, "tenant.json")) as f:
                self.tenant = json.load(f)
            with open(os.path.join(self.directory,
                                   "subscriptions.json")) as f:
                self.subs = json.load(f)["subscriptions"]
            self.certs = {}
            for app in self.tenant["applications"]:
                name = app.get("certificate")
                if name:
                    with open(os.path.join(self.directory, name), "rb") as f:
                        self.certs[app["appId"]] = f.read()

    def merge_properties(self, rid, props):
        """Merges props into the properties of the estate object whose id
        is rid (ARM ids compare without case): a resource of a
        subscription, or an element of one of its fake: lists (a
        container, a firewall rule).  Whether it was found; hold
        self.lock."""
        rid = rid.lower()
        for sub in self.subs:
            for items in sub.get("resources", {}).values():
                for o in items:
                    parts = [o] + [p for k, v in o.items()
                                   if k.startswith("fake:") and
                                   isinstance(v, list) for p in v]
                    for p in parts:
                        if isinstance(p, dict) and \
                                str(p.get("id", "")).lower() == rid:
                            p.setdefault("properties", {}).update(props)
                            return True
        return False

    def app(self, client_id):
        for a in self.tenant["applications"]:
            if a["appId"] == client_id:
                return a
        return None

    def sub(self, sub_id):
        for s in self.subs:
            if s["subscriptionId"].lower() == sub_id.lower():
                return s
        return None


class Faults:
    """Faults on demand: each matches requests whose path contains match
    (and whose method is method, when given) and fires count times."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, spec):
        kinds = ("throttle", "error500", "stall", "malformed",
                 "expired-token", "forbidden")
        if spec.get("kind") not in kinds:
            raise ValueError(f"kind must be one of {', '.join(kinds)}")
        spec = dict(spec)
        spec.setdefault("match", "")
        spec.setdefault("count", 1)
        with self.lock:
            self.items.append(spec)

    def take(self, method, path_qs):
        with self.lock:
            for f in self.items:
                if f["match"] in path_qs and \
                        f.get("method", method) == method and \
                        f["count"] != 0:
                    if f["count"] > 0:
                        f["count"] -= 1
                    return f
        return None


class Fake:
    def __init__(self, estate, page_size, token_lifetime, quiet):
        self.estate = estate
        self.page_size = page_size
        self.token_lifetime = token_lifetime
        self.quiet = quiet
        self.faults = Faults()
        self.tokens = {}            # value -> {app, tenant, audience, exp}
        self.revoked = set()
        self.requests = []
        self.operations = {}        # asynchronous operation id -> state
        self.lock = threading.Lock()

    def record(self, entry):
        with self.lock:
            if len(self.requests) < MAX_REQUEST_LOG:
                self.requests.append(entry)

    # ---------------------------------------------------- token endpoint

    def token(self, tenant, form, base_url):
        est = self.estate
        t = est.tenant
        if tenant.lower() not in (t["tenantId"], t["domain"].lower()):
            raise entra_error(400, "invalid_request", 90002,
                              f"Tenant '{tenant}' not found. Check to make "
                              "sure you have the correct tenant ID and are "
                              "signing into the correct cloud.")
        if form.get("grant_type") != "client_credentials":
            raise entra_error(400, "unsupported_grant_type", 70003,
                              "The app requested an unsupported grant "
                              "type.")
        client_id = form.get("client_id", "")
        app = est.app(client_id)
        if app is None:
            raise entra_error(400, "unauthorized_client", 700016,
                              f"Application with identifier '{client_id}' "
                              f"was not found in the directory "
                              f"'{t['domain']}'.")
        scope = form.get("scope", "")
        if scope not in (ARM_SCOPE, GRAPH_SCOPE):
            raise entra_error(400, "invalid_scope", 70011,
                              "The provided value for the input parameter "
                              f"'scope' is not valid. The scope {scope} is "
                              "not valid.")
        if "client_secret" in form:
            if not secrets.compare_digest(form["client_secret"],
                                          app.get("secret", "")):
                raise entra_error(401, "invalid_client", 7000215,
                                  "Invalid client secret provided. Ensure "
                                  "the secret being sent in the request is "
                                  "the client secret value, not the client "
                                  f"secret ID, for a secret added to app "
                                  f"'{client_id}'.")
        elif form.get("client_assertion_type") == ASSERTION_TYPE:
            self.check_assertion(app, form.get("client_assertion", ""),
                                 f"{base_url}/{tenant}/oauth2/v2.0/token")
        else:
            raise entra_error(401, "invalid_client", 7000218,
                              "The request body must contain the following "
                              "parameter: 'client_assertion' or "
                              "'client_secret'.")
        value = "fake." + secrets.token_urlsafe(24)
        now = time.time()
        with self.lock:
            self.tokens[value] = {
                "app": client_id, "tenant": t["tenantId"],
                "audience": "arm" if scope == ARM_SCOPE else "graph",
                "exp": now + self.token_lifetime}
        return {"token_type": "Bearer", "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": value}

    def check_assertion(self, app, assertion, audience):
        def bad(why):
            return entra_error(401, "invalid_client", 700027,
                               f"Client assertion failed signature "
                               f"validation: {why}.")
        cert = self.estate.certs.get(app["appId"])
        parts = assertion.split(".")
        if cert is None or len(parts) != 3:
            raise bad("no certificate registered, or not a JWT")
        try:
            head = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except ValueError:
            raise bad("the JWT does not decode")
        if head.get("alg") != "RS256":
            raise bad("alg must be RS256")
        thumb = b64url(hashlib.sha256(cert_der(cert)).digest())
        if head.get("x5t#S256") != thumb:
            raise bad("x5t#S256 names no registered certificate")
        if not verify_rs256(cert, (parts[0] + "." + parts[1]).encode(), sig):
            raise bad("the signature does not verify")
        now = time.time()
        if claims.get("aud") != audience:
            raise bad(f"aud must be {audience}")
        if claims.get("iss") != app["appId"] or \
                claims.get("sub") != app["appId"]:
            raise bad("iss and sub must be the client id")
        if not isinstance(claims.get("exp"), int) or claims["exp"] < now:
            raise bad("the assertion has expired")
        if isinstance(claims.get("nbf"), int) and claims["nbf"] > now + 300:
            raise bad("the assertion is not valid yet")
        if not claims.get("jti"):
            raise bad("jti is missing")

    def bearer(self, headers, audience):
        """The token of a request to ARM or Graph (raises 401)."""
        auth = headers.get("Authorization", "")
        err = arm_error if audience == "arm" else graph_error
        code = "AuthenticationFailed" if audience == "arm" else \
            "InvalidAuthenticationToken"
        if not auth.startswith("Bearer "):
            raise err(401, code, "Authentication failed. The "
                      "'Authorization' header is missing.")
        value = auth[7:]
        with self.lock:
            tok = self.tokens.get(value)
            revoked = value in self.revoked
        if tok is None or tok["audience"] != audience:
            raise err(401, "InvalidAuthenticationToken",
                      "The access token is invalid.")
        if revoked or tok["exp"] < time.time():
            if audience == "arm":
                raise err(401, "ExpiredAuthenticationToken",
                          "The access token expiry UTC time "
                          f"'{iso(tok['exp'])}' is earlier than current "
                          f"UTC time '{iso(time.time())}'.")
            raise err(401, "InvalidAuthenticationToken",
                      "Lifetime validation failed, the token is expired.")
        return tok, value

    # ---------------------------------------------------- paging

    def page(self, items, qs, base_url, path, next_key):
        try:
            start = int(qs.get("$skiptoken", "0"))
        except ValueError:
            start = -1
        if start < 0 or start > len(items):
            raise arm_error(400, "InvalidSkipToken",
                            "The skip token is not valid.")
        size = self.page_size
        for top in ("$top", "$maxpagesize"):
            if top in qs:
                try:
                    size = max(1, min(size, int(qs[top])))
                except ValueError:
                    pass
        out = {"value": items[start:start + size]}
        if start + size < len(items):
            q = dict(qs)
            q["$skiptoken"] = str(start + size)
            out[next_key] = base_url + path + "?" + \
                urllib.parse.urlencode(q, safe="$'")
        return out

    # ---------------------------------------------------- ARM

    @staticmethod
    def api_version(qs, allowed, rtype):
        v = qs.get("api-version")
        if v is None:
            raise arm_error(400, "MissingApiVersionParameter",
                            "The api-version query parameter "
                            "(?api-version=) is required for all requests.")
        if v not in allowed:
            raise arm_error(400, "NoRegisteredProviderFound",
                            f"No registered resource provider found for "
                            f"location 'global' and API version '{v}' for "
                            f"type '{rtype}'. The supported api-versions are "
                            f"'{', '.join(allowed)}'.")

    def role(self, sub, app):
        for ra in sub.get("principalRoles", []):
            if ra["appId"] == app:
                return ra["role"]
        return None

    def arm(self, method, path, qs, headers, base_url, body=b""):
        tok, _ = self.bearer(headers, "arm")
        est = self.estate
        if path == "/subscriptions":
            self.api_version(qs, SUBSCRIPTION_VERSIONS, "subscriptions")
            with est.lock:
                subs = [self.sub_object(s) for s in est.subs
                        if self.role(s, tok["app"])]
            return self.page(subs, qs, base_url, path, "nextLink")
        m = re.match(r"^/subscriptions/([^/]+)(/.*)?$", path)
        if not m:
            raise arm_error(404, "InvalidResourceType",
                            f"The resource path '{path}' is not known.")
        sub_id, rest = m.group(1), m.group(2) or ""
        with est.lock:
            sub = est.sub(sub_id)
            sub = copy.deepcopy(sub) if sub else None
        if sub is None:
            raise arm_error(404, "SubscriptionNotFound",
                            f"The subscription '{sub_id}' could not be "
                            "found.")
        role = self.role(sub, tok["app"])
        if role is None:
            raise arm_error(403, "AuthorizationFailed",
                            f"The client '{tok['app']}' does not have "
                            f"authorization to perform action "
                            f"'Microsoft.Resources/subscriptions/read' over "
                            f"scope '/subscriptions/{sub_id}' or the scope "
                            "is invalid.")
        m = re.match(r"^/resourceGroups/([^/]+)/providers/Microsoft\.Network/"
                     r"networkSecurityGroups/([^/]+)/securityRules/([^/]+)$",
                     rest)
        if m:
            return self.security_rule(method, sub_id, role, m.groups(), qs,
                                      headers, body, base_url)
        m = re.match(r"^/resourceGroups/([^/]+)/providers/Microsoft\.Compute/"
                     r"virtualMachines/([^/]+)/(instanceView|deallocate)$",
                     rest)
        if m:
            return self.vm_call(method, sub_id, role, m.groups(), qs,
                                base_url)
        if rest == "/providers/Microsoft.CostManagement/query":
            return self.cost_query(method, sub, qs, body)
        m = re.match(r"^/providers/Microsoft\.(Network|Compute)/locations/"
                     r"([^/]+)/operations/([^/]+)$", rest)
        if m:
            return self.operation(m.group(1), m.group(3), qs)
        if method != "GET":
            raise arm_error(405, "MethodNotAllowed",
                            f"The fake serves only GET on '{path}'.")
        if rest == "":
            self.api_version(qs, SUBSCRIPTION_VERSIONS, "subscriptions")
            return self.sub_object(sub)
        if rest == "/providers/Microsoft.Authorization/permissions":
            self.api_version(qs, PERMISSIONS_VERSIONS, "permissions")
            return {"value": ROLE_PERMISSIONS[role]}
        if rest == "/resources":
            self.api_version(qs, RESOURCES_VERSIONS, "resources")
            return self.page(self.all_resources(sub), qs, base_url, path,
                             "nextLink")
        if rest in ARM_LISTS:
            key, versions = ARM_LISTS[rest]
            rtype = rest[len("/providers/"):]
            self.api_version(qs, versions, rtype)
            items = sub.get("resources", {}).get(key, [])
            if key == "virtualMachines":
                items = [self.vm(v, qs.get("statusOnly") == "true")
                         for v in items]
            else:
                items = [self.strip(i) for i in items]
            return self.page(items, qs, base_url, path, "nextLink")
        m = re.match(r"^/resourceGroups/([^/]+)/providers/Microsoft\.Sql/"
                     r"servers/([^/]+)/firewallRules$", rest)
        if m:
            self.api_version(qs, FIREWALL_VERSIONS,
                             "servers/firewallRules")
            for s in sub.get("resources", {}).get("sqlServers", []):
                if s["name"] == m.group(2) and \
                        f"/resourceGroups/{m.group(1)}/".lower() in \
                        s["id"].lower():
                    return self.page(s.get("fake:firewallRules", []), qs,
                                     base_url, path, "nextLink")
            raise arm_error(404, "ResourceNotFound",
                            f"The Resource 'Microsoft.Sql/servers/"
                            f"{m.group(2)}' under resource group "
                            f"'{m.group(1)}' was not found.")
        m = re.match(r"^/resourceGroups/([^/]+)/providers/Microsoft\.Storage/"
                     r"storageAccounts/([^/]+)/blobServices/default/"
                     r"containers$", rest)
        if m:
            self.api_version(qs, STORAGE_VERSIONS,
                             "storageAccounts/blobServices/containers")
            for a in sub.get("resources", {}).get("storageAccounts", []):
                if a["name"] == m.group(2) and \
                        f"/resourceGroups/{m.group(1)}/".lower() in \
                        a["id"].lower():
                    if a.get("kind") == "FileStorage":
                        raise arm_error(400, "FeatureNotSupportedForAccount",
                                        "Blob is not supported for the "
                                        "account.")
                    return self.page(a.get("fake:containers", []), qs,
                                     base_url, path, "nextLink")
            raise arm_error(404, "ResourceNotFound",
                            f"The Resource 'Microsoft.Storage/"
                            f"storageAccounts/{m.group(2)}' under resource "
                            f"group '{m.group(1)}' was not found.")
        raise arm_error(404, "InvalidResourceType",
                        f"The resource path '{rest}' is not known.")

    # ---------------------------------------------------- ARM writes

    @staticmethod
    def write_refused(role, sub_id, action):
        if role == "Reader":
            raise arm_error(403, "AuthorizationFailed",
                            f"The client does not have authorization to "
                            f"perform action '{action}' over scope "
                            f"'/subscriptions/{sub_id}' or the scope is "
                            "invalid. If access was recently granted, "
                            "please refresh your credentials.")

    def find(self, sub_id, key, group, name):
        """The estate's own object (not a copy): hold estate.lock."""
        sub = self.estate.sub(sub_id)
        for o in sub.get("resources", {}).get(key, []) if sub else []:
            if o["name"].lower() == name.lower() and \
                    f"/resourcegroups/{group.lower()}/" in o["id"].lower():
                return o
        return None

    def start_operation(self, provider, location, sub_id, base_url):
        """An asynchronous operation that reports InProgress to its first
        poll and Succeeded after."""
        op = secrets.token_hex(16)
        with self.lock:
            self.operations[op] = {"polls": 0, "start": iso(time.time())}
        v = NETWORK_VERSIONS[0] if provider == "Network" else \
            COMPUTE_VERSIONS[1]
        url = (f"{base_url}/subscriptions/{sub_id}/providers/Microsoft."
               f"{provider}/locations/{location}/operations/{op}")
        return {"Azure-AsyncOperation": f"{url}?api-version={v}",
                "Location": f"{url}?monitor=true&api-version={v}",
                "Retry-After": "0"}

    def operation(self, provider, op, qs):
        versions = NETWORK_VERSIONS if provider == "Network" else \
            COMPUTE_VERSIONS
        self.api_version(qs, versions, "locations/operations")
        with self.lock:
            o = self.operations.get(op)
            if o is None:
                raise arm_error(404, "OperationNotFound",
                                f"The operation '{op}' was not found.")
            o["polls"] += 1
            done = o["polls"] > 1
        if qs.get("monitor") == "true":
            if not done:
                raise Reply(202, None, {"Retry-After": "0"})
            return None
        out = {"name": op, "status": "Succeeded" if done else "InProgress",
               "startTime": o["start"]}
        if not done:
            raise Reply(200, out, {"Retry-After": "0"})
        out["endTime"] = iso(time.time())
        return out

    def security_rule(self, method, sub_id, role, ids, qs, headers, body,
                      base_url):
        group, nsg_name, rule_name = ids
        self.api_version(qs, NETWORK_VERSIONS,
                         "networkSecurityGroups/securityRules")
        if method not in ("GET", "PUT"):
            raise arm_error(405, "MethodNotAllowed",
                            f"The fake serves GET and PUT on rules.")
        if method == "PUT":
            self.write_refused(role, sub_id, "Microsoft.Network/"
                               "networkSecurityGroups/securityRules/write")
            try:
                doc = json.loads(body or b"null")
                props = doc["properties"]
            except (ValueError, TypeError, KeyError):
                raise arm_error(400, "InvalidRequestFormat",
                                "Cannot parse the request.")
            for key, allowed in (("access", RULE_ACCESS),
                                 ("direction", RULE_DIRECTION),
                                 ("protocol", RULE_PROTOCOLS)):
                if props.get(key) not in allowed:
                    raise arm_error(400, "InvalidRequestFormat",
                                    f"Value for '{key}' must be one of "
                                    f"{', '.join(allowed)}.")
            if not isinstance(props.get("priority"), int) or \
                    not 100 <= props["priority"] <= 4096:
                raise arm_error(400, "SecurityRuleInvalidPriority",
                                "Security rule has invalid Priority. Value "
                                "provided: "
                                f"{props.get('priority')}. Allowed values "
                                "are from 100 to 4096.")
        with self.estate.lock:
            nsg = self.find(sub_id, "networkSecurityGroups", group,
                            nsg_name)
            if nsg is None:
                raise arm_error(404, "ResourceNotFound",
                                f"The Resource 'Microsoft.Network/"
                                f"networkSecurityGroups/{nsg_name}' under "
                                f"resource group '{group}' was not found.")
            rules = nsg.setdefault("properties", {}).setdefault(
                "securityRules", [])
            rule = next((r for r in rules
                         if r["name"].lower() == rule_name.lower()), None)
            if method == "GET":
                if rule is None:
                    raise arm_error(404, "NotFound",
                                    f"Resource '{rule_name}' not found.")
                return copy.deepcopy(rule)
            match = headers.get("If-Match")
            if match is not None and match != "*" and \
                    (rule is None or rule.get("etag") != match):
                raise arm_error(412, "PreconditionFailed",
                                "The etag does not match the rule's "
                                "current etag.")
            props = {k: v for k, v in props.items()
                     if k != "provisioningState"}
            props["provisioningState"] = "Succeeded"
            status = 200
            if rule is None:
                rule = {"name": rule_name,
                        "id": f"{nsg['id']}/securityRules/{rule_name}",
                        "type": "Microsoft.Network/networkSecurityGroups/"
                                "securityRules"}
                rules.append(rule)
                status = 201
            rule["properties"] = props
            rule["etag"] = f'W/"{secrets.token_hex(8)}"'
            out = copy.deepcopy(rule)
            location = nsg.get("location", "japaneast")
        out["properties"]["provisioningState"] = "Updating"
        hdrs = self.start_operation("Network", location, sub_id, base_url)
        del hdrs["Location"]
        raise Reply(status, out, hdrs)

    def vm_call(self, method, sub_id, role, ids, qs, base_url):
        group, name, what = ids
        self.api_version(qs, COMPUTE_VERSIONS,
                         "virtualMachines/" + what)
        want = "GET" if what == "instanceView" else "POST"
        if method != want:
            raise arm_error(405, "MethodNotAllowed",
                            f"The fake serves {want} on {what}.")
        if want == "POST":
            self.write_refused(role, sub_id, "Microsoft.Compute/"
                               "virtualMachines/deallocate/action")
        with self.estate.lock:
            vm = self.find(sub_id, "virtualMachines", group, name)
            if vm is None:
                raise arm_error(404, "ResourceNotFound",
                                f"The Resource 'Microsoft.Compute/"
                                f"virtualMachines/{name}' under resource "
                                f"group '{group}' was not found.")
            if want == "GET":
                return self.vm(vm, True)["properties"]["instanceView"]
            vm["fake:powerState"] = "deallocated"
            location = vm.get("location", "japaneast")
        raise Reply(202, None, self.start_operation("Compute", location,
                                                    sub_id, base_url))

    @staticmethod
    def cost_query(method, sub, qs, body):
        """Cost Management's query: the month-to-date cost of the estate's
        "fake:cost" ({"amount", "currency"}), one row per currency."""
        Fake.api_version(qs, COST_VERSIONS, "query")
        if method != "POST":
            raise arm_error(405, "MethodNotAllowed",
                            "The query is a POST.")
        try:
            q = json.loads(body or b"null")
            agg = q["dataset"]["aggregation"]
        except (ValueError, TypeError, KeyError):
            raise arm_error(400, "BadRequest", "Invalid query definition: "
                            "the dataset and its aggregation are needed.")
        if q.get("type") not in ("Usage", "ActualCost", "AmortizedCost") \
                or q.get("timeframe") != "MonthToDate":
            raise arm_error(400, "BadRequest", "Invalid query definition: "
                            "the fake answers MonthToDate queries of type "
                            "Usage, ActualCost or AmortizedCost.")
        if q["dataset"].get("granularity", "None") != "None" or \
                len(agg) != 1:
            raise arm_error(400, "BadRequest", "Invalid query definition: "
                            "the fake answers one total, without "
                            "granularity.")
        column = next(iter(agg.values())).get("name", "Cost")
        rows = [[c["amount"], c["currency"]]
                for c in sub.get("fake:cost", [])]
        name = secrets.token_hex(16)
        return {"id": f"subscriptions/{sub['subscriptionId']}/providers/"
                      f"Microsoft.CostManagement/query/{name}",
                "name": name, "type": "Microsoft.CostManagement/query",
                "location": None, "sku": None, "eTag": None,
                "properties": {"nextLink": None,
                               "columns": [{"name": column,
                                            "type": "Number"},
                                           {"name": "Currency",
                                            "type": "String"}],
                               "rows": rows}}

    @staticmethod
    def strip(obj):
        """An estate object as ARM answers it (without fake: keys)."""
        return {k: v for k, v in obj.items() if not k.startswith("fake:")}

    @staticmethod
    def vm(obj, status_only):
        out = Fake.strip(obj)
        if status_only:
            out = copy.deepcopy(out)
            power = obj.get("fake:powerState", "running")
            out.setdefault("properties", {})["instanceView"] = {
                "statuses": [
                    {"code": "ProvisioningState/succeeded",
                     "level": "Info",
                     "displayStatus": "Provisioning succeeded"},
                    {"code": f"PowerState/{power}", "level": "Info",
                     "displayStatus": "VM " + power}]}
        return out

    @staticmethod
    def sub_object(s):
        return {"id": f"/subscriptions/{s['subscriptionId']}",
                "authorizationSource": "RoleBased",
                "managedByTenants": [],
                "subscriptionId": s["subscriptionId"],
                "tenantId": s["tenantId"],
                "displayName": s["displayName"],
                "state": s.get("state", "Enabled"),
                "subscriptionPolicies": {
                    "locationPlacementId": "Public_2014-09-01",
                    "quotaId": "PayAsYouGo_2014-09-01",
                    "spendingLimit": "Off"}}

    @staticmethod
    def all_resources(sub):
        out = []
        for key, items in sorted(sub.get("resources", {}).items()):
            if key == "roleAssignments":
                continue
            for i in items:
                r = {"id": i["id"], "name": i["name"], "type": i["type"],
                     "location": i.get("location", "global")}
                if "tags" in i:
                    r["tags"] = i["tags"]
                out.append(r)
        return out

    # ---------------------------------------------------- Graph

    def graph(self, path, qs, headers, base_url):
        self.bearer(headers, "graph")
        t = self.estate.tenant
        if path == "/v1.0/users":
            users = t.get("users", [])
            flt = qs.get("$filter")
            if flt is not None:
                m = re.match(r"^userType eq '(Guest|Member)'$", flt)
                if not m:
                    raise graph_error(400, "Request_UnsupportedQuery",
                                      f"Unsupported query: {flt}")
                users = [u for u in users if u.get("userType") == m.group(1)]
            select = [s for s in qs.get("$select", "").split(",") if s]
            if "signInActivity" in select and not t.get("premium"):
                raise graph_error(
                    403, "Authentication_RequestFromNonPremiumTenantOr"
                    "B2CTenant",
                    "Neither tenant is B2C or tenant doesn't have premium "
                    "license")
            out = []
            for u in users:
                u = self.relative(u, "fake:createdMinutesAgo",
                                  "createdDateTime")
                if select:
                    u = {k: u[k] for k in select if k in u}
                elif "signInActivity" in u:
                    u = {k: v for k, v in u.items() if k != "signInActivity"}
                out.append(u)
            return self.page(out, qs, base_url, path, "@odata.nextLink")
        if path == "/v1.0/auditLogs/signIns":
            return self.signins(qs, base_url, path)
        if path == "/v1.0/directoryRoles":
            roles = [{k: v for k, v in r.items() if k != "members"}
                     for r in t.get("directoryRoles", [])]
            return {"value": roles}
        m = re.match(r"^/v1.0/directoryRoles/([^/]+)/members$", path)
        if m:
            for r in t.get("directoryRoles", []):
                if r["id"] == m.group(1):
                    ids = r.get("members", [])
                    members = [dict({"@odata.type": "#microsoft.graph.user"},
                                    **{k: u[k] for k in
                                       ("id", "displayName",
                                        "userPrincipalName", "userType")
                                       if k in u})
                               for u in t.get("users", []) if u["id"] in ids]
                    return self.page(members, qs, base_url, path,
                                     "@odata.nextLink")
            raise graph_error(404, "Request_ResourceNotFound",
                              f"Resource '{m.group(1)}' does not exist or "
                              "one of its queried reference-property "
                              "objects are not present.")
        raise graph_error(400, "BadRequest",
                          f"Resource not found for the segment "
                          f"'{path.rsplit('/', 1)[-1]}'.")


    @staticmethod
    def relative(obj, key, field):
        """obj with field set key minutes before now (and no fake: keys)."""
        out = {k: v for k, v in obj.items() if not k.startswith("fake:")}
        if key in obj:
            out[field] = iso(time.time() - 60 * obj[key])
        return out

    def signins(self, qs, base_url, path):
        t = self.estate.tenant
        if not t.get("premium"):
            raise graph_error(
                403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                "Neither tenant is B2C or tenant doesn't have premium "
                "license")
        since = ""
        flt = qs.get("$filter")
        if flt is not None:
            m = re.match(r"^createdDateTime ge (\d{4}-\d\d-\d\dT"
                         r"\d\d:\d\d:\d\d(?:\.\d+)?Z)$", flt)
            if not m:
                raise graph_error(400, "Request_UnsupportedQuery",
                                  f"Invalid filter clause: {flt}")
            since = m.group(1)
        items = [self.relative(e, "fake:minutesAgo", "createdDateTime")
                 for e in t.get("signIns", [])]
        items = sorted((e for e in items if e["createdDateTime"] >= since),
                       key=lambda e: e["createdDateTime"], reverse=True)
        return self.page(items, qs, base_url, path, "@odata.nextLink")


def make_handler(fake):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            # Headers and body go out in two writes: without this, Nagle
            # and the client's delayed ACK cost 40 ms per answer.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY,
                                    1)

        def log_message(self, fmt, *args):
            if not fake.quiet:
                sys.stderr.write("fakeazure: " + (fmt % args) + "\n")

        def do_GET(self):
            self.serve()

        def do_POST(self):
            self.serve()

        def do_PUT(self):
            self.serve()

        def do_PATCH(self):
            self.serve()

        def do_DELETE(self):
            self.serve()

        def send(self, status, body, headers=None, raw=None):
            data = raw if raw is not None else \
                b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; "
                             "charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def read_body(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n < 0 or n > MAX_BODY:
                raise Reply(413, {"error": {"code": "RequestTooLarge",
                                            "message": "body too large"}})
            return self.rfile.read(n) if n else b""

        def serve(self):
            try:
                body = self.read_body()
            except Reply as r:
                self.send(r.status, r.body, r.headers)
                return
            u = urllib.parse.urlsplit(self.path)
            path = urllib.parse.unquote(u.path)
            qs = dict(urllib.parse.parse_qsl(u.query,
                                             keep_blank_values=True))
            host = self.headers.get("Host", "127.0.0.1")
            base_url = f"http://{host}"
            if path.startswith("/__"):
                self.control(path, body)
                return
            fake.record({"method": self.command, "path": path,
                         "query": qs})
            f = fake.faults.take(self.command, self.path)
            try:
                if f is not None:
                    raw = self.fault(f)
                    if raw is not None:
                        self.send(200, None, raw=raw)
                        return
                m = re.match(r"^/([^/]+)/oauth2/v2\.0/token$", path)
                if m and self.command == "POST":
                    form = dict(urllib.parse.parse_qsl(body.decode(
                        "utf-8", "replace"), keep_blank_values=True))
                    out = fake.token(m.group(1), form, base_url)
                elif path.startswith("/v1.0/"):
                    out = fake.graph(path, qs, self.headers, base_url)
                elif path.startswith("/subscriptions"):
                    out = fake.arm(self.command, path, qs, self.headers,
                                   base_url, body)
                else:
                    raise arm_error(404, "NotFound",
                                    f"No route for '{path}'.")
                self.send(200, out)
            except Reply as r:
                self.send(r.status, r.body, r.headers)

        def fault(self, f):
            """Raises the fault's answer, or returns a raw 200 body (None:
            serve the request as usual)."""
            kind = f["kind"]
            if kind == "throttle":
                raise Reply(429, {"error": {
                    "code": "TooManyRequests",
                    "message": "The request is being throttled as the "
                               "limit has been reached for operation "
                               "type - Read."}},
                    {"Retry-After": str(f.get("retry_after", 0))})
            if kind == "error500":
                raise arm_error(500, "InternalServerError",
                                "Encountered internal server error.")
            if kind == "stall":
                time.sleep(float(f.get("seconds", 1)))
                return None
            if kind == "malformed":
                return b'{"value": [{"id": "/subscriptions/'
            if kind == "expired-token":
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Bearer "):
                    with fake.lock:
                        fake.revoked.add(auth[7:])
                return None
            if kind == "forbidden":
                raise arm_error(403, "AuthorizationFailed",
                                "The client does not have authorization to "
                                f"perform this action on '{self.path}' or "
                                "the scope is invalid.")
            return None

        def control(self, path, body):
            m = self.command
            try:
                data = json.loads(body) if body else None
                if path == "/__fault" and m == "POST":
                    fake.faults.add(data)
                    self.send(200, {"ok": True})
                elif path == "/__requests" and m == "GET":
                    with fake.lock:
                        self.send(200, list(fake.requests))
                elif path == "/__reset" and m == "POST":
                    with fake.lock:
                        fake.requests.clear()
                        fake.revoked.clear()
                        fake.operations.clear()
                    with fake.faults.lock:
                        fake.faults.items.clear()
                    fake.estate.load()
                    self.send(200, {"ok": True})
                elif path == "/__estate/tenant" and m == "POST":
                    with fake.estate.lock:
                        fake.estate.tenant.update(data)
                    self.send(200, {"ok": True})
                elif path == "/__estate/subscriptions" and m == "POST":
                    with fake.estate.lock:
                        fake.estate.subs.append(data)
                    self.send(200, {"ok": True})
                elif path == "/__estate/resource" and m == "POST":
                    with fake.estate.lock:
                        found = fake.estate.merge_properties(
                            data["id"], data["properties"])
                    if found:
                        self.send(200, {"ok": True})
                    else:
                        self.send(404, {"error": "no resource " +
                                        data["id"]})
                elif path.startswith("/__estate/subscriptions/") and \
                        m == "DELETE":
                    sid = path.rsplit("/", 1)[-1]
                    with fake.estate.lock:
                        fake.estate.subs = [
                            s for s in fake.estate.subs
                            if s["subscriptionId"] != sid]
                    self.send(200, {"ok": True})
                elif path.startswith("/__estate/") and m == "GET":
                    name = path[len("/__estate/"):]
                    with fake.estate.lock:
                        if name == "tenant":
                            self.send(200, fake.estate.tenant)
                        elif name == "subscriptions":
                            self.send(200, fake.estate.subs)
                        else:
                            self.send(404, {"error": "no such part"})
                else:
                    self.send(404, {"error": f"no control {m} {path}"})
            except (ValueError, KeyError, TypeError) as e:
                self.send(400, {"error": str(e)})

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv=None):
    ap = argparse.ArgumentParser(description="A fake Azure for tests.")
    ap.add_argument("--estate", required=True,
                    help="estate directory (tenant.json, "
                         "subscriptions.json)")
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--port-file", help="write the port number here")
    ap.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE,
                    help="largest page any list answers with")
    ap.add_argument("--token-lifetime", type=int,
                    default=DEFAULT_TOKEN_LIFETIME,
                    help="seconds every access token lasts")
    ap.add_argument("--quiet", action="store_true",
                    help="no access log on stderr")
    a = ap.parse_args(argv)
    if a.page_size < 1:
        ap.error("--page-size must be at least 1")
    if a.token_lifetime < 1:
        ap.error("--token-lifetime must be at least 1")
    if not os.path.isdir(a.estate):
        ap.error(f"--estate {a.estate}: no such directory")
    fake = Fake(Estate(a.estate), a.page_size, a.token_lifetime, a.quiet)
    # Loopback only: the fake holds no real secret but takes any request.
    srv = Server(("127.0.0.1", a.port), make_handler(fake))
    port = srv.server_address[1]

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, a.port_file)
    print(f"fakeazure: listening on http://127.0.0.1:{port}", flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
