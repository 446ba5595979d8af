"""S3 (REST-XML, 2006-03-01, path-style) and S3 Control (2018-08-20).

S3: ListBuckets (GET /), and on GET /BUCKET?SUBRESOURCE: location, acl,
policyStatus, policy, publicAccessBlock; GET /BUCKET lists no objects.
S3 Control: GET /v20180820/configuration/publicAccessBlock with the
x-amz-account-id header (both are signed as "s3", so both come here).

s3.json:
    {"Owner": {"ID", "DisplayName"},
     "AccountPublicAccessBlock": {the four booleans} or null,
     "Buckets": [{"Name", "CreationDate", "Region",
                  "PublicAccessBlock": {the four booleans} or null,
                  "Acl": {"Owner" (default: Owner),
                          "Grants": [{"Grantee": {"Type", "ID",
                                                  "DisplayName", "URI",
                                                  "EmailAddress"},
                                      "Permission"}]},
                  "Policy": {a bucket policy} or null,
                  "PolicyStatus": {"IsPublic"} (default: derived from
                                  Policy; absent without a policy)}]}

Requests are accepted in any signing region (real S3 wants the bucket's).
"""

import json
import uuid

from fakeaws_core import AwsError, Response, aws_time, xml_escape

SERVICE = "s3"
PROTOCOL = "rest-xml"
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
CONTROL_XMLNS = "http://awss3control.amazonaws.com/doc/2018-08-20/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CONTROL_PREFIX = "/v20180820/"
CONTROL_PAB = "/v20180820/configuration/publicAccessBlock"
PAB_MEMBERS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
               "RestrictPublicBuckets")
GRANTEE_MEMBERS = ("ID", "DisplayName", "EmailAddress", "URI")
MAX_KEYS = 1000

# subresource -> operation name
SUBRESOURCES = {
    "location": "GetBucketLocation",
    "acl": "GetBucketAcl",
    "policyStatus": "GetBucketPolicyStatus",
    "policy": "GetBucketPolicy",
    "publicAccessBlock": "GetPublicAccessBlock",
}
# The operation name S3 Control's GetPublicAccessBlock is known by here
# (faults, deny lists, /__requests): its IAM action, to tell it apart
# from the bucket's.
CONTROL_PAB_ACTION = "GetAccountPublicAccessBlock"


def _el(name, value):
    if value is None:
        return ""
    return f"<{name}>{xml_escape(value)}</{name}>"


def _xml(root, inner, xmlns=XMLNS):
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<{root} xmlns="{xmlns}">{inner}</{root}>')
    return Response(200, body, _headers(), "application/xml")


def _headers():
    rid = uuid.uuid4().hex[:16].upper()
    return {"x-amz-request-id": rid, "x-amz-id-2": "ZmFrZWF3cy1zMw=="}


def _split(req):
    """(bucket or None, key or None) of a path-style request."""
    path = req.path or "/"
    parts = path.lstrip("/").split("/", 1)
    bucket = parts[0] or None
    key = parts[1] if len(parts) > 1 and parts[1] else None
    return bucket, key


def _subresource(req):
    for name in SUBRESOURCES:
        if name in req.query:
            return name
    return None


def action_of(req):
    """The operation name of REQ (for faults and /__requests)."""
    if req.path.startswith(CONTROL_PREFIX):
        if req.path == CONTROL_PAB:
            return CONTROL_PAB_ACTION
        return None
    bucket, key = _split(req)
    if bucket is None:
        return "ListBuckets"
    if key is not None:
        return "GetObject"
    sub = _subresource(req)
    if sub:
        return SUBRESOURCES[sub]
    return "ListObjects"


def _s3(estate):
    return estate.data("s3")


def _bucket(estate, name):
    for b in _s3(estate).get("Buckets", []):
        if b.get("Name") == name:
            return b
    raise AwsError(404, "NoSuchBucket", "The specified bucket does not exist")


def policy_is_public(policy):
    """True when a statement allows everyone without a condition."""
    if not isinstance(policy, dict):
        return False
    stmts = policy.get("Statement", [])
    if isinstance(stmts, dict):
        stmts = [stmts]
    for st in stmts:
        if st.get("Effect") != "Allow" or st.get("Condition"):
            continue
        pr = st.get("Principal")
        if isinstance(pr, dict):
            pr = pr.get("AWS")
        if pr == "*" or (isinstance(pr, list) and "*" in pr):
            return True
    return False


def _owner_xml(owner):
    owner = owner or {}
    return ("<Owner>" + _el("ID", owner.get("ID"))
            + _el("DisplayName", owner.get("DisplayName")) + "</Owner>")


def _pab_xml(pab):
    return "".join(_el(k, bool(pab.get(k, False))) for k in PAB_MEMBERS)


# ------------------------------------------------------------- operations

def _list_buckets(req, estate):
    with estate.lock:
        s3 = _s3(estate)
        buckets = sorted(s3.get("Buckets", []), key=lambda b: b["Name"])
        inner = _owner_xml(s3.get("Owner")) + "<Buckets>" + "".join(
            "<Bucket>" + _el("Name", b["Name"])
            + _el("CreationDate", aws_time(b["CreationDate"])
                  if b.get("CreationDate") else None)
            + "</Bucket>" for b in buckets) + "</Buckets>"
    return _xml("ListAllMyBucketsResult", inner)


def _get_bucket_location(req, estate, b):
    region = b.get("Region", "us-east-1")
    if region == "us-east-1":
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<LocationConstraint xmlns="{XMLNS}"/>')
        return Response(200, body, _headers(), "application/xml")
    return _xml("LocationConstraint", xml_escape(region))


def _get_bucket_acl(req, estate, b):
    acl = b.get("Acl") or {}
    owner = acl.get("Owner") or _s3(estate).get("Owner")
    grants = []
    for g in acl.get("Grants", []):
        ge = g.get("Grantee", {})
        grants.append(
            "<Grant>"
            f'<Grantee xmlns:xsi="{XSI}" '
            f'xsi:type="{xml_escape(ge.get("Type", "CanonicalUser"))}">'
            + "".join(_el(k, ge.get(k)) for k in GRANTEE_MEMBERS)
            + "</Grantee>" + _el("Permission", g.get("Permission"))
            + "</Grant>")
    inner = (_owner_xml(owner) + "<AccessControlList>" + "".join(grants)
             + "</AccessControlList>")
    return _xml("AccessControlPolicy", inner)


def _no_policy(b):
    return AwsError(404, "NoSuchBucketPolicy",
                    "The bucket policy does not exist")


def _get_bucket_policy_status(req, estate, b):
    if not b.get("Policy"):
        raise _no_policy(b)
    status = b.get("PolicyStatus")
    public = status.get("IsPublic") if isinstance(status, dict) else \
        policy_is_public(b["Policy"])
    return _xml("PolicyStatus", _el("IsPublic", bool(public)))


def _get_bucket_policy(req, estate, b):
    pol = b.get("Policy")
    if not pol:
        raise _no_policy(b)
    text = pol if isinstance(pol, str) else json.dumps(
        pol, separators=(",", ":"))
    return Response(200, text, _headers(), "application/json")


def _no_pab():
    return AwsError(404, "NoSuchPublicAccessBlockConfiguration",
                    "The public access block configuration was not found")


def _get_public_access_block(req, estate, b):
    pab = b.get("PublicAccessBlock")
    if not pab:
        raise _no_pab()
    return _xml("PublicAccessBlockConfiguration", _pab_xml(pab))


def _list_objects(req, estate, b):
    inner = (_el("Name", b["Name"]) + _el("Prefix", "")
             + _el("KeyCount", 0) + _el("MaxKeys", MAX_KEYS)
             + _el("IsTruncated", False))
    return _xml("ListBucketResult", inner)


BUCKET_OPS = {
    "location": _get_bucket_location,
    "acl": _get_bucket_acl,
    "policyStatus": _get_bucket_policy_status,
    "policy": _get_bucket_policy,
    "publicAccessBlock": _get_public_access_block,
}


def _control(req, estate):
    if req.path != CONTROL_PAB:
        raise AwsError(404, "NoSuchResource",
                       "The specified resource does not exist "
                       "(this fake serves only GetPublicAccessBlock)")
    if req.method != "GET":
        raise AwsError(405, "MethodNotAllowed",
                       "The specified method is not allowed against this "
                       "resource.")
    acct = req.headers.get("x-amz-account-id")
    if not acct:
        raise AwsError(400, "InvalidRequest",
                       "Missing required header x-amz-account-id")
    if acct != estate.account_id():
        raise AwsError(403, "AccessDenied", "Access Denied")
    with estate.lock:
        pab = _s3(estate).get("AccountPublicAccessBlock")
        if not pab:
            raise _no_pab()
        return _xml("PublicAccessBlockConfiguration", _pab_xml(pab),
                    CONTROL_XMLNS)


def handle(req, estate):
    if req.path.startswith(CONTROL_PREFIX):
        return _control(req, estate)
    if req.method not in ("GET", "HEAD"):
        raise AwsError(405, "MethodNotAllowed",
                       "The specified method is not allowed against this "
                       "resource.")
    bucket, key = _split(req)
    if bucket is None:
        return _list_buckets(req, estate)
    with estate.lock:
        b = _bucket(estate, bucket)
        if key is not None:
            raise AwsError(404, "NoSuchKey",
                           "The specified key does not exist.")
        sub = _subresource(req)
        if sub is None:
            if any(k for k in req.query if k not in ("list-type", "prefix",
                                                      "max-keys",
                                                      "delimiter",
                                                      "encoding-type")):
                raise AwsError(501, "NotImplemented",
                               "A header or query you provided implies "
                               "functionality that is not implemented")
            return _list_objects(req, estate, b)
        return BUCKET_OPS[sub](req, estate, b)
