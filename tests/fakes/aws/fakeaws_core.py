"""fakeaws_core: the core of the fake AWS.

Request parsing, SigV4 verification (with botocore's own signer), routing
to the svc_*.py modules, estate loading, fault injection, the control
endpoints, and the helpers the service modules render their answers with.

The module interface (every svc_*.py beside fakeaws.py):
    SERVICE = "iam"          # the SigV4 signing name routed here
    PROTOCOL = "query"       # "ec2" | "query" | "json" | "rest-xml" | "rest-json"
    def handle(req, estate): -> Response
  raising AwsError(status, code, message) for AWS errors.
  Optional extras (the core works without them):
    XMLNS = "https://..."    # namespace of Query error documents
    def action_of(req): -> the operation name of a REST request (so faults
                           and /__requests can name it), or None
    def on_load(estate):     # called after every (re)load of the estate

account.json (the principals and regions, read by the core):
    {"AccountId": "123456789012", "AccountAlias": "demo-prod",
     "Regions": [enabled region names], "AllRegions": [every region name],
     "Credentials": [{"AccessKeyId", "SecretAccessKey", "Arn",
                      "CanRemediate": bool, "Deny": ["s3", "ec2:Action"...]}],
     "Roles": [{"Arn", "ExternalId", "CanRemediate", "Deny",
                "MaxSessionDuration"}]}
"""

import base64
import calendar
import collections
import datetime
import hashlib
import http.server
import importlib.util
import json
import os
import re
import threading
import time
import traceback
import urllib.parse
import uuid

from botocore.auth import SigV4Auth, S3SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"
PROTOCOLS = ("ec2", "query", "json", "rest-xml", "rest-json")
MAX_BODY = 16 * 1024 * 1024          # largest request body accepted
MAX_CLOCK_SKEW = 15 * 60             # seconds X-Amz-Date may be off
MAX_REQUEST_LOG = 200000             # entries kept for GET /__requests
DEFAULT_PAGE_SIZE = 1000
DEFAULT_STALL = 30.0
FAULT_KINDS = ("throttle", "throttle-retry-after", "500", "503", "stall",
               "malformed", "access-denied")
NOW_RE = re.compile(r"@now(?:([+-])(\d+)([dhms]))?(?![A-Za-z0-9_])")
UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*"
    r"SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$")


class AwsError(Exception):
    """An AWS error; the core renders it in the module's protocol."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(f"{status} {code}: {message}")
        self.status = int(status)
        self.code = code
        self.message = message
        self.headers = headers or {}


class Response:
    """An HTTP answer: status, body bytes, headers."""

    def __init__(self, status, body=b"", headers=None,
                 content_type="text/xml"):
        self.status = int(status)
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body
        self.headers = dict(headers or {})
        if content_type and not any(k.lower() == "content-type"
                                    for k in self.headers):
            self.headers["Content-Type"] = content_type

    @classmethod
    def xml(cls, status, text, headers=None):
        return cls(status, text, headers, "text/xml")

    @classmethod
    def json(cls, status, obj, headers=None,
             content_type="application/x-amz-json-1.1"):
        return cls(status, json.dumps(obj), headers, content_type)


class Headers:
    """Case-insensitive view of the request headers."""

    def __init__(self, pairs):
        self._pairs = list(pairs)
        self._map = {}
        for k, v in self._pairs:
            self._map.setdefault(k.lower(), []).append(v)

    def get(self, name, default=None):
        vals = self._map.get(name.lower())
        return vals[0] if vals else default

    def get_all(self, name):
        return list(self._map.get(name.lower(), []))

    def __contains__(self, name):
        return name.lower() in self._map

    def items(self):
        return list(self._pairs)


class Request:
    """One parsed request, as the service modules see it."""

    def __init__(self):
        self.method = "GET"
        self.path = "/"
        self.raw_path = "/"
        self.query = {}
        self.headers = Headers([])
        self.body = b""
        self.service = None
        self.region = None
        self.access_key = None
        self.principal = None
        self.params = {}
        self.action = None
        self.target = None
        self.json = None


# ---------------------------------------------------------------- helpers

def xml_escape(s):
    """Text for an XML element or attribute."""
    if s is None:
        return ""
    if isinstance(s, bool):
        return "true" if s else "false"
    s = str(s)
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;")
            .replace("'", "&apos;"))


def iso_to_epoch(s):
    """'2026-11-25T09:30:00Z' (fraction and offset allowed) -> seconds."""
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    dt = datetime.datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()


def epoch_to_iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def aws_time(iso):
    """ISO 8601 -> the EC2/Query XML form '2026-11-25T09:30:00.000Z'."""
    t = iso_to_epoch(iso)
    ms = int(round((t - int(t)) * 1000)) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(t))) + \
        ".%03dZ" % ms


def new_request_id():
    return str(uuid.uuid4())


def _encode_token(offset):
    return base64.urlsafe_b64encode(
        f"fakeaws-page:{offset}".encode()).decode().rstrip("=")


def _decode_token(token):
    try:
        pad = "=" * (-len(token) % 4)
        raw = base64.urlsafe_b64decode(token + pad).decode()
        tag, _, num = raw.partition(":")
        if tag != "fakeaws-page":
            raise ValueError(raw)
        offset = int(num)
        if offset < 0:
            raise ValueError(raw)
        return offset
    except Exception:
        raise AwsError(400, "InvalidNextToken",
                       "The specified token is invalid: %r" % token[:64])


def paginate(items, token, size):
    """(page_items, next_token or None) for the opaque token TOKEN."""
    offset = _decode_token(token) if token else 0
    size = max(1, int(size))
    page = items[offset:offset + size]
    nxt = offset + size
    return page, (_encode_token(nxt) if nxt < len(items) else None)


def query_response(action, inner_xml, xmlns):
    """The Query protocol envelope."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<{action}Response xmlns="{xmlns}">'
            f'<{action}Result>{inner_xml}</{action}Result>'
            '<ResponseMetadata><RequestId>'
            f'{new_request_id()}</RequestId></ResponseMetadata>'
            f'</{action}Response>')


def ec2_response(action, inner_xml):
    """The EC2 protocol envelope."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<{action}Response xmlns="{EC2_XMLNS}">'
            f'<requestId>{new_request_id()}</requestId>{inner_xml}'
            f'</{action}Response>')


def expand_now(value, now):
    """Replaces the @now macros in every string of VALUE."""
    if isinstance(value, str):
        if "@now" not in value:
            return value

        def repl(m):
            t = now
            if m.group(1):
                delta = int(m.group(2)) * UNIT_SECONDS[m.group(3)]
                t = now + delta if m.group(1) == "+" else now - delta
            return epoch_to_iso(t)
        return NOW_RE.sub(repl, value)
    if isinstance(value, list):
        return [expand_now(v, now) for v in value]
    if isinstance(value, dict):
        return {k: expand_now(v, now) for k, v in value.items()}
    return value


# ------------------------------------------------- botocore model helpers
#
# The service modules keep their data in botocore's parsed shapes; these
# turn Query/EC2 request parameters into those shapes and those shapes into
# the XML of the protocol, guided by botocore's own service model (read at
# run time from the installed botocore, never copied).

_models = {}
_models_lock = threading.Lock()


def service_model(name):
    """botocore's ServiceModel of NAME ("ec2", "rds", "elbv2", "iam"...)."""
    with _models_lock:
        m = _models.get(name)
        if m is None:
            import botocore.loaders
            import botocore.model
            loader = botocore.loaders.Loader()
            m = botocore.model.ServiceModel(
                loader.load_service_model(name, "service-2"), name)
            _models[name] = m
        return m


def _trie(params):
    root = {}
    for key, value in params.items():
        node = root
        for part in key.split("."):
            node = node.setdefault(part, {})
        node[None] = value
    return root


def _scalar(shape, raw):
    t = shape.type_name
    if t in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            raise AwsError(400, "InvalidParameterValue",
                           f"Invalid value '{raw}' for an integer parameter")
    if t in ("float", "double"):
        try:
            return float(raw)
        except ValueError:
            raise AwsError(400, "InvalidParameterValue",
                           f"Invalid value '{raw}' for a number parameter")
    if t == "boolean":
        return raw.lower() == "true"
    return raw


def _from_trie(shape, node, ec2):
    t = shape.type_name
    if t == "structure":
        out = {}
        for name, mshape in shape.members.items():
            if ec2:
                key = mshape.serialization.get("queryName")
                if not key:
                    key = mshape.serialization.get("name")
                    key = key[0].upper() + key[1:] if key else name
            else:
                key = mshape.serialization.get("name", name)
            if mshape.type_name == "list" and not ec2 and \
                    mshape.serialization.get("flattened") and \
                    mshape.member.serialization.get("name"):
                key = mshape.member.serialization["name"]
            sub = node.get(key)
            if sub is None:
                continue
            out[name] = _from_trie(mshape, sub, ec2)
        return out
    if t == "list":
        if not ec2 and not shape.serialization.get("flattened"):
            node = node.get(shape.member.serialization.get("name", "member"),
                            {})
        idx = sorted((int(k), k) for k in node if k is not None and
                     k.isdigit())
        return [_from_trie(shape.member, node[k], ec2) for _, k in idx]
    if t == "map":
        entries = node if shape.serialization.get("flattened") else \
            node.get("entry", {})
        kname = shape.key.serialization.get("name", "key")
        vname = shape.value.serialization.get("name", "value")
        out = {}
        for k in sorted((k for k in entries if k and k.isdigit()), key=int):
            e = entries[k]
            if kname in e and None in e[kname]:
                out[e[kname][None]] = _from_trie(shape.value,
                                                 e.get(vname, {}), ec2)
        return out
    raw = node.get(None, "")
    return _scalar(shape, raw)


def parse_params(service, operation, params):
    """The input of OPERATION as botocore's parameter dict, from the flat
    EC2/Query PARAMS ("Filter.1.Name" ...)."""
    sm = service_model(service)
    op = sm.operation_model(operation)
    if op.input_shape is None:
        return {}
    ec2 = sm.metadata.get("protocol") == "ec2"
    return _from_trie(op.input_shape, _trie(params), ec2)


def _xml_scalar(shape, value):
    t = shape.type_name
    if t == "boolean":
        return "true" if value else "false"
    if t == "timestamp":
        if isinstance(value, (int, float)):
            return aws_time(epoch_to_iso(value))
        return aws_time(value)
    if t == "blob":
        if isinstance(value, str):
            value = value.encode("utf-8")
        return base64.b64encode(value).decode()
    return xml_escape(value)


def shape_xml(shape, value):
    """The XML content of VALUE (botocore's parsed form) as SHAPE."""
    t = shape.type_name
    if t == "structure":
        parts = []
        for name, mshape in shape.members.items():
            v = value.get(name)
            if v is None:
                continue
            if mshape.type_name == "list" and \
                    mshape.serialization.get("flattened"):
                tag = mshape.member.serialization.get(
                    "name", mshape.serialization.get("name", name))
                for item in v:
                    parts.append(f"<{tag}>{shape_xml(mshape.member, item)}"
                                 f"</{tag}>")
                continue
            tag = mshape.serialization.get("name", name)
            parts.append(f"<{tag}>{shape_xml(mshape, v)}</{tag}>")
        return "".join(parts)
    if t == "list":
        tag = shape.member.serialization.get("name", "member")
        return "".join(f"<{tag}>{shape_xml(shape.member, it)}</{tag}>"
                       for it in value)
    if t == "map":
        kt = shape.key.serialization.get("name", "key")
        vt = shape.value.serialization.get("name", "value")
        return "".join(f"<entry><{kt}>{xml_escape(k)}</{kt}><{vt}>"
                       f"{shape_xml(shape.value, v)}</{vt}></entry>"
                       for k, v in value.items())
    return _xml_scalar(shape, value)


def member_xml(service, shape_name, value):
    """shape_xml() of the model's shape named SHAPE_NAME."""
    return shape_xml(service_model(service).shape_for(shape_name), value)


def output_xml(service, operation, value):
    """The inner XML of OPERATION's output VALUE: what goes inside
    ec2_response() or query_response()."""
    op = service_model(service).operation_model(operation)
    if op.output_shape is None:
        return ""
    return shape_xml(op.output_shape, value)


# ----------------------------------------------------------------- estate

class Estate:
    """The fake account's state, loaded from estates/DIR/*.json."""

    def __init__(self, directory, page_size=DEFAULT_PAGE_SIZE,
                 scale_sgs=0, scale_regions=0, session_duration=None):
        self.dir = os.path.abspath(directory)
        self.page_size = int(page_size)
        self.scale_sgs = int(scale_sgs)
        self.scale_regions = int(scale_regions)
        self.session_duration = session_duration
        self.lock = threading.RLock()
        self.modules = {}
        self.account = {}
        self.regions = []
        self.all_regions = []
        self.loaded_at = 0.0
        self.cache = {}
        self.principals_store = None
        self._data = {}

    def now(self):
        return time.time()

    def page_limit(self, requested=None):
        """The page size of a request that asked for REQUESTED items."""
        try:
            if requested is not None and int(requested) > 0:
                return min(int(requested), self.page_size)
        except (TypeError, ValueError):
            pass
        return self.page_size

    def load(self):
        with self.lock:
            now = time.time()
            data = {}
            for name in sorted(os.listdir(self.dir)):
                if not name.endswith(".json"):
                    continue
                path = os.path.join(self.dir, name)
                with open(path, encoding="utf-8") as f:
                    try:
                        raw = json.load(f)
                    except ValueError as e:
                        raise SystemExit(f"fakeaws: {path}: {e}")
                data[name[:-len(".json")]] = expand_now(raw, now)
            self._data = data
            self.account = data.get("account", {})
            self.all_regions = list(self.account.get("AllRegions", []))
            self.regions = list(self.account.get("Regions", []))
            if self.scale_regions > 0:
                self.regions = self.all_regions[:self.scale_regions]
            self.loaded_at = now
            self.cache = {}
            for mod in self.modules.values():
                hook = getattr(mod, "on_load", None)
                if hook:
                    hook(self)

    def data(self, name):
        """The mutable dict of NAME.json ({} when there is no such file)."""
        with self.lock:
            return self._data.setdefault(name, {})

    def account_id(self):
        return self.account.get("AccountId", "000000000000")


# ------------------------------------------------------------- principals

class Principals:
    """Long-term keys from account.json and issued temporary credentials.
    Temporary credentials survive /__reset."""

    def __init__(self):
        self.lock = threading.Lock()
        self.temporary = {}

    def lookup(self, estate, access_key):
        """(secret, principal, session_token or None, expiration or None)."""
        for c in estate.account.get("Credentials", []):
            if c.get("AccessKeyId") == access_key:
                return (c.get("SecretAccessKey", ""),
                        _principal(c, estate, access_key), None, None)
        with self.lock:
            t = self.temporary.get(access_key)
        if t:
            return t["secret"], dict(t["principal"]), t["token"], \
                t["expiration"]
        return None

    def issue(self, principal, duration):
        ak = "ASIA" + uuid.uuid4().hex[:16].upper()
        secret = base64.b64encode(os.urandom(30)).decode()
        token = "FQoGZXIvYXdzE" + base64.b64encode(os.urandom(96)).decode()
        exp = time.time() + duration
        with self.lock:
            self.temporary[ak] = {"secret": secret, "token": token,
                                  "expiration": exp,
                                  "principal": dict(principal,
                                                    access_key=ak)}
        return ak, secret, token, exp


def _principal(entry, estate, access_key):
    return {"arn": entry.get("Arn", ""),
            "can_remediate": bool(entry.get("CanRemediate", False)),
            "deny": list(entry.get("Deny", [])),
            "account": estate.account_id(),
            "access_key": access_key,
            "type": "user"}


def role_principal(role, estate, session_name):
    """The principal of an assumed-role session of ROLE (account.json)."""
    arn = role.get("Arn", "")
    name = arn.split("/")[-1]
    return {"arn": f"arn:aws:sts::{estate.account_id()}:assumed-role/"
                   f"{name}/{session_name}",
            "role_arn": arn,
            "can_remediate": bool(role.get("CanRemediate", False)),
            "deny": list(role.get("Deny", [])),
            "account": estate.account_id(),
            "type": "assumed-role"}


# ----------------------------------------------------------- error render

def render_error(protocol, status, code, message, xmlns=None, headers=None):
    rid = new_request_id()
    hdrs = dict(headers or {})
    if protocol == "ec2":
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors>'
                f'<Error><Code>{xml_escape(code)}</Code><Message>'
                f'{xml_escape(message)}</Message></Error></Errors>'
                f'<RequestID>{rid}</RequestID></Response>')
        return Response(status, body, hdrs, "text/xml")
    if protocol == "query":
        kind = "Receiver" if status >= 500 else "Sender"
        ns = f' xmlns="{xmlns}"' if xmlns else ""
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse{ns}>'
                f'<Error><Type>{kind}</Type><Code>{xml_escape(code)}</Code>'
                f'<Message>{xml_escape(message)}</Message></Error>'
                f'<RequestId>{rid}</RequestId></ErrorResponse>')
        return Response(status, body, hdrs, "text/xml")
    if protocol == "json":
        hdrs.setdefault("x-amzn-RequestId", rid)
        return Response(status, json.dumps({"__type": code,
                                            "message": message}),
                        hdrs, "application/x-amz-json-1.1")
    if protocol == "rest-json":
        hdrs.setdefault("x-amzn-RequestId", rid)
        hdrs["X-Amzn-ErrorType"] = code
        return Response(status, json.dumps({"message": message}), hdrs,
                        "application/json")
    # rest-xml (S3)
    hdrs.setdefault("x-amz-request-id", rid[:16].upper())
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
            f'<Code>{xml_escape(code)}</Code><Message>{xml_escape(message)}'
            f'</Message><RequestId>{rid[:16].upper()}</RequestId>'
            '<HostId>ZmFrZWF3cw==</HostId></Error>')
    return Response(status, body, hdrs, "application/xml")


# (status, code) of each core error, per protocol.
UNKNOWN_KEY = {"ec2": (401, "AuthFailure"),
               "query": (403, "InvalidClientTokenId"),
               "rest-xml": (403, "InvalidAccessKeyId"),
               "json": (400, "UnrecognizedClientException"),
               "rest-json": (403, "UnrecognizedClientException")}
EXPIRED = {"ec2": (400, "ExpiredToken"), "query": (403, "ExpiredToken"),
           "rest-xml": (400, "ExpiredToken"),
           "json": (400, "ExpiredTokenException"),
           "rest-json": (403, "ExpiredTokenException")}
DENIED = {"ec2": (403, "UnauthorizedOperation"),
          "query": (403, "AccessDenied"), "rest-xml": (403, "AccessDenied"),
          "json": (400, "AccessDeniedException"),
          "rest-json": (403, "AccessDeniedException")}
THROTTLE = {"ec2": (503, "RequestLimitExceeded"),
            "query": (400, "Throttling"), "rest-xml": (503, "SlowDown"),
            "json": (400, "ThrottlingException"),
            "rest-json": (429, "TooManyRequestsException")}
INTERNAL = {"ec2": (500, "InternalError"), "query": (500, "InternalFailure"),
            "rest-xml": (500, "InternalError"),
            "json": (500, "InternalFailure"),
            "rest-json": (500, "InternalServerException")}
UNAVAILABLE = {"ec2": (503, "Unavailable"),
               "query": (503, "ServiceUnavailable"),
               "rest-xml": (503, "ServiceUnavailable"),
               "json": (503, "ServiceUnavailableException"),
               "rest-json": (503, "ServiceUnavailableException")}


# ------------------------------------------------------------------ faults

class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.faults = []

    def add(self, spec):
        kind = spec.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of "
                             + ", ".join(FAULT_KINDS))
        count = int(spec.get("count", 1))
        if count == 0 or count < -1:
            raise ValueError("count must be positive or -1")
        f = {"service": spec.get("service"), "region": spec.get("region"),
             "action": spec.get("action"), "kind": kind, "count": count,
             "seconds": float(spec.get("seconds", DEFAULT_STALL))}
        with self.lock:
            self.faults.append(f)
        return f

    def clear(self):
        with self.lock:
            self.faults = []

    def take(self, service, region, action):
        with self.lock:
            for f in self.faults:
                if f["service"] not in (None, service):
                    continue
                if f["region"] not in (None, region):
                    continue
                if f["action"] not in (None, action):
                    continue
                if f["count"] > 0:
                    f["count"] -= 1
                    if f["count"] == 0:
                        self.faults.remove(f)
                return dict(f)
        return None


# -------------------------------------------------------------- the server

class Fake:
    """Everything one running fake holds."""

    def __init__(self, estate, modules, quiet=False):
        self.estate = estate
        self.modules = modules          # signing name -> module
        self.estate.modules = modules
        self.principals = Principals()
        self.estate.principals_store = self.principals
        self.faults = Faults()
        self.quiet = quiet
        self.log_lock = threading.Lock()
        self.requests = collections.deque(maxlen=MAX_REQUEST_LOG)

    def record(self, entry):
        with self.log_lock:
            self.requests.append(entry)


def load_modules(directory):
    mods = {}
    for name in sorted(os.listdir(directory)):
        if not (name.startswith("svc_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(
            name[:-3], os.path.join(directory, name))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        service = getattr(mod, "SERVICE", None)
        protocol = getattr(mod, "PROTOCOL", None)
        if not service or protocol not in PROTOCOLS or \
                not callable(getattr(mod, "handle", None)):
            raise SystemExit(f"fakeaws: {name}: needs SERVICE, PROTOCOL "
                             f"(one of {', '.join(PROTOCOLS)}) and handle()")
        if service in mods:
            raise SystemExit(f"fakeaws: {name}: service {service} is "
                             "already served")
        mods[service] = mod
    return mods


def _guess_protocol(req):
    if req.headers.get("X-Amz-Target"):
        return "json"
    if req.params.get("Action"):
        if req.params.get("Version") == "2016-11-15":
            return "ec2"
        return "query"
    return "rest-xml"


class _ExactHeaders:
    """Mixin: sign exactly the headers the request says it signed."""

    signed_names = ()

    def headers_to_sign(self, request):
        hm = HTTPHeaders()
        for name in self.signed_names:
            for v in request.headers.get_all(name) or []:
                hm[name] = v
        return hm


class _V4(_ExactHeaders, SigV4Auth):
    pass


class _S3V4(_ExactHeaders, S3SigV4Auth):
    pass


def expected_signature(req, secret, token, service, region, signed_names,
                       amz_date, scheme="http"):
    """The signature botocore computes for REQ (a Request)."""
    host = req.headers.get("Host", "localhost")
    url = f"{scheme}://{host}{req.raw_path}"
    aws_req = AWSRequest(method=req.method, url=url, data=req.body)
    for k, v in req.headers.items():
        # HTTPHeaders (an email.message.Message) keeps repeated headers.
        aws_req.headers[k] = v
    aws_req.context["timestamp"] = amz_date
    cls = _S3V4 if service == "s3" else _V4
    signer = cls(Credentials("X", secret, token), service, region)
    signer.signed_names = list(signed_names)
    cr = signer.canonical_request(aws_req)
    sts = signer.string_to_sign(aws_req, cr)
    return signer.signature(sts, aws_req)


def _parse_amz_date(s):
    try:
        return calendar.timegm(time.strptime(s, "%Y%m%dT%H%M%SZ"))
    except (TypeError, ValueError):
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakeaws"
    sys_version = ""

    fake = None          # set on the subclass by make_handler()
    scheme = "http"

    def log_message(self, fmt, *args):
        if not self.fake.quiet:
            super().log_message(fmt, *args)

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def do_PUT(self):
        self._serve()

    def do_DELETE(self):
        self._serve()

    def do_HEAD(self):
        self._serve()

    def do_PATCH(self):
        self._serve()

    # ---- plumbing

    def _send(self, resp):
        body = resp.body
        try:
            self.send_response(resp.status)
            have_len = False
            for k, v in resp.headers.items():
                if k.lower() == "content-length":
                    have_len = True
                self.send_header(k, str(v))
            if not have_len:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD" and body:
                self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _read_body(self):
        n = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(1024).strip()
                size = int(line.split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline(1024).strip():
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    raise ValueError("request body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(16)
            return b"".join(chunks)
        if not n:
            return b""
        n = int(n)
        if n < 0 or n > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(n)

    def _serve(self):
        try:
            body = self._read_body()
        except (ValueError, OSError) as e:
            self.close_connection = True
            self._send(Response(400, f"bad request body: {e}\n", None,
                                "text/plain"))
            return
        raw_path = self.path
        if raw_path.startswith("http://") or raw_path.startswith("https://"):
            raw_path = "/" + raw_path.split("/", 3)[-1] \
                if raw_path.count("/") >= 3 else "/"
        path_part, _, qs = raw_path.partition("?")
        if path_part.startswith("/__"):
            self._control(urllib.parse.unquote(path_part), qs, body)
            return
        try:
            resp = self._aws(raw_path, path_part, qs, body)
        except Exception:  # a bug in a module: a real 500, and say why
            traceback.print_exc()
            resp = Response(500, "fakeaws internal error\n", None,
                            "text/plain")
        self._send(resp)

    # ---- control endpoints

    def _control(self, path, qs, body):
        fake = self.fake
        m = self.command
        try:
            if path == "/__fault" and m == "POST":
                spec = json.loads(body or b"{}")
                f = fake.faults.add(spec)
                self._send(Response.json(200, f, content_type=
                                         "application/json"))
            elif path == "/__fault" and m == "DELETE":
                fake.faults.clear()
                self._send(Response.json(200, {"cleared": True},
                                         content_type="application/json"))
            elif path == "/__fault" and m == "GET":
                with fake.faults.lock:
                    lst = [dict(f) for f in fake.faults.faults]
                self._send(Response.json(200, lst,
                                         content_type="application/json"))
            elif path == "/__requests" and m == "GET":
                q = urllib.parse.parse_qs(qs)
                with fake.log_lock:
                    lst = list(fake.requests)
                for key in ("service", "region", "action"):
                    if key in q:
                        lst = [r for r in lst if r.get(key) == q[key][0]]
                self._send(Response.json(200, lst,
                                         content_type="application/json"))
            elif path == "/__requests" and m == "DELETE":
                with fake.log_lock:
                    fake.requests.clear()
                self._send(Response.json(200, {"cleared": True},
                                         content_type="application/json"))
            elif path == "/__reset" and m == "POST":
                fake.estate.load()
                self._send(Response.json(200, {"reset": True},
                                         content_type="application/json"))
            elif path.startswith("/__estate/") and m == "GET":
                name = path[len("/__estate/"):]
                if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                    raise ValueError(f"bad estate name {name!r}")
                with fake.estate.lock:
                    text = json.dumps(fake.estate.data(name))
                self._send(Response(200, text, None, "application/json"))
            elif path == "/__health" and m == "GET":
                self._send(Response.json(200, {"ok": True},
                                         content_type="application/json"))
            else:
                self._send(Response(404, f"no control endpoint {m} {path}\n",
                                    None, "text/plain"))
        except (ValueError, TypeError, AttributeError) as e:
            self._send(Response(400, f"bad control request: {e}\n", None,
                                "text/plain"))

    # ---- AWS requests

    def _aws(self, raw_path, path_part, qs, body):
        fake = self.fake
        req = Request()
        req.method = self.command
        req.raw_path = raw_path
        req.path = urllib.parse.unquote(path_part) or "/"
        req.query = urllib.parse.parse_qs(qs, keep_blank_values=True)
        req.headers = Headers(self.headers.items())
        req.body = body
        params = {k: v[0] for k, v in req.query.items()}
        ctype = (req.headers.get("Content-Type") or "").lower()
        if "x-www-form-urlencoded" in ctype and body:
            try:
                form = urllib.parse.parse_qs(body.decode("utf-8"),
                                             keep_blank_values=True)
            except UnicodeDecodeError:
                form = {}
            params.update({k: v[0] for k, v in form.items()})
        req.params = params
        req.action = params.get("Action")
        target = req.headers.get("X-Amz-Target")
        if target:
            req.target = target.rsplit(".", 1)[-1]
        entry = {"service": None, "region": None, "action": req.action,
                 "status": None, "signature": "none", "method": req.method,
                 "path": req.path, "access_key": None, "error": None,
                 "time": time.time()}
        resp = self._aws_inner(req, entry)
        entry["status"] = resp.status
        fake.record(entry)
        return resp

    def _aws_inner(self, req, entry):
        fake = self.fake
        estate = fake.estate

        def fail(protocol, pair, message, mod=None, headers=None):
            entry["error"] = pair[1]
            return render_error(protocol, pair[0], pair[1], message,
                                getattr(mod, "XMLNS", None), headers)

        auth = req.headers.get("Authorization")
        guess = _guess_protocol(req)
        if not auth:
            return fail(guess, (403, "MissingAuthenticationToken"),
                        "Request is missing Authentication Token")
        m = AUTH_RE.match(auth.strip())
        scope = m.group(1).split("/") if m else []
        if not m or len(scope) != 5 or scope[4] != "aws4_request":
            return fail(guess, (403, "IncompleteSignature"),
                        "Authorization header requires 'Credential', "
                        "'SignedHeaders' and 'Signature' parameters "
                        "(AWS4-HMAC-SHA256)")
        access_key, scope_date, region, service, _ = scope
        signed_names = m.group(2).lower().split(";")
        signature = m.group(3).lower()
        req.service, req.region, req.access_key = service, region, access_key
        entry.update(service=service, region=region, access_key=access_key)
        mod = fake.modules.get(service)
        protocol = mod.PROTOCOL if mod else guess
        if mod and protocol in ("json", "rest-json") and req.body:
            try:
                req.json = json.loads(req.body)
            except ValueError:
                return fail(protocol, (400, "SerializationException"),
                            "The request body is not valid JSON", mod)
        if mod and protocol == "json":
            req.action = req.target
        elif mod and protocol in ("rest-xml", "rest-json"):
            hook = getattr(mod, "action_of", None)
            req.action = hook(req) if hook else None
        entry["action"] = req.action

        if "host" not in signed_names:
            return fail(protocol, (403, "IncompleteSignature"),
                        "SignedHeaders must include host")
        amz_date = req.headers.get("X-Amz-Date")
        when = _parse_amz_date(amz_date)
        if when is None:
            return fail(protocol, (403, "IncompleteSignature"),
                        "Missing or malformed X-Amz-Date header")
        if amz_date[:8] != scope_date:
            entry["signature"] = "bad"
            return fail(protocol, (403, "SignatureDoesNotMatch"),
                        "Credential should be scoped to a valid date "
                        f"('{amz_date[:8]}' is not '{scope_date}')", mod)
        now = time.time()
        if abs(now - when) > MAX_CLOCK_SKEW:
            entry["signature"] = "bad"
            return fail(protocol, (403, "SignatureDoesNotMatch"),
                        f"Signature expired: {amz_date} is now earlier "
                        f"than {time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now - MAX_CLOCK_SKEW))} "
                        f"({time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now))}"
                        " - 15 min.)", mod)
        found = fake.principals.lookup(estate, access_key)
        if not found:
            msg = ("The security token included in the request is invalid."
                   if protocol != "ec2" else
                   "AWS was not able to validate the provided access "
                   "credentials")
            if protocol == "rest-xml":
                msg = ("The AWS Access Key Id you provided does not exist "
                       "in our records.")
            return fail(protocol, UNKNOWN_KEY[protocol], msg, mod)
        secret, principal, token, expiration = found
        sent_token = req.headers.get("X-Amz-Security-Token")
        if token is not None and sent_token != token:
            return fail(protocol, UNKNOWN_KEY[protocol],
                        "The security token included in the request is "
                        "invalid.", mod)
        expected = expected_signature(req, secret, sent_token, service,
                                      region, signed_names, amz_date,
                                      self.scheme)
        if expected != signature:
            entry["signature"] = "bad"
            return fail(protocol, (403, "SignatureDoesNotMatch"),
                        "The request signature we calculated does not "
                        "match the signature you provided. Check your AWS "
                        "Secret Access Key and signing method. Consult the "
                        "service documentation for details.", mod)
        entry["signature"] = "ok"
        claimed = (req.headers.get("X-Amz-Content-SHA256") or "").lower()
        if re.fullmatch(r"[0-9a-f]{64}", claimed) and \
                claimed != hashlib.sha256(req.body).hexdigest():
            return fail(protocol, (400, "XAmzContentSHA256Mismatch"),
                        "The provided 'x-amz-content-sha256' header does "
                        "not match what was computed.", mod)
        if expiration is not None and now >= expiration:
            return fail(protocol, EXPIRED[protocol],
                        "The security token included in the request is "
                        "expired", mod)
        req.principal = principal
        if not mod:
            return fail(protocol, (400, "UnknownService"),
                        f"fakeaws serves no service {service!r}")
        for d in principal.get("deny", []):
            svc, _, act = d.partition(":")
            if svc == service and (not act or act == req.action):
                return fail(protocol, DENIED[protocol],
                            f"User: {principal['arn']} is not authorized "
                            f"to perform: {service}:{req.action or '*'}",
                            mod)

        fault = fake.faults.take(service, region, req.action)
        malformed = False
        if fault:
            kind = fault["kind"]
            entry["fault"] = kind
            if kind == "throttle":
                return fail(protocol, THROTTLE[protocol], "Rate exceeded",
                            mod)
            if kind == "throttle-retry-after":
                return fail(protocol, THROTTLE[protocol], "Rate exceeded",
                            mod, {"Retry-After": "1"})
            if kind == "500":
                return fail(protocol, INTERNAL[protocol],
                            "We encountered an internal error. Please try "
                            "again.", mod)
            if kind == "503":
                return fail(protocol, UNAVAILABLE[protocol],
                            "Service is unavailable. Please try again.",
                            mod)
            if kind == "access-denied":
                return fail(protocol, DENIED[protocol],
                            f"User: {principal['arn']} is not authorized "
                            f"to perform: {service}:{req.action or '*'}",
                            mod)
            if kind == "stall":
                time.sleep(fault["seconds"])
            if kind == "malformed":
                malformed = True

        try:
            resp = mod.handle(req, estate)
        except AwsError as e:
            entry["error"] = e.code
            return render_error(protocol, e.status, e.code, e.message,
                                getattr(mod, "XMLNS", None), e.headers)
        if malformed:
            resp.body = resp.body[:max(1, len(resp.body) // 2)]
            resp.status = 200
            resp.headers = {k: v for k, v in resp.headers.items()
                            if k.lower() != "content-length"}
        return resp


def make_handler(fake, scheme="http"):
    return type("FakeAwsHandler", (Handler,),
                {"fake": fake, "scheme": scheme})
