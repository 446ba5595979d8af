"""IAM (Query, 2010-05-08, global; signed in us-east-1).

ListUsers, ListMFADevices, ListAccessKeys, GetLoginProfile,
GetAccessKeyLastUsed, GetAccountSummary, GetAccountPasswordPolicy,
GenerateCredentialReport, GetCredentialReport, ListAccountAliases.

iam.json:
    {"Root": {"CreateDate", "MFAEnabled": bool, "PasswordLastUsed",
              "AccessKeys": [{"Status", "CreateDate",
                              "LastUsed": {"LastUsedDate", "ServiceName",
                                           "Region"}}]},
     "Users": [{"Path", "UserName", "UserId", "Arn", "CreateDate",
                "PasswordLastUsed", "Tags",
                "LoginProfile": {"CreateDate", "PasswordResetRequired"}
                                or null,
                "MFADevices": [{"SerialNumber", "EnableDate"}],
                "AccessKeys": [{"AccessKeyId", "Status", "CreateDate",
                                "LastUsed": {"LastUsedDate", "ServiceName",
                                             "Region"} or absent}]}],
     "PasswordPolicy": {GetAccountPasswordPolicy members} or null,
     "AccountAliases": ["demo-prod"]}

The credential report is built from the users when it is generated and
kept (like AWS) until it is four hours old; /__reset forgets it.
"""

import base64
import csv
import io
import time

from fakeaws_core import (AwsError, Response, epoch_to_iso, iso_to_epoch,
                          paginate, query_response, xml_escape)

SERVICE = "iam"
PROTOCOL = "query"
XMLNS = "https://iam.amazonaws.com/doc/2010-05-08/"
VERSION = "2010-05-08"

MAX_ITEMS = 1000                  # IAM's upper bound of MaxItems
REPORT_MAX_AGE = 4 * 3600         # a report older than this is regenerated
REPORT_KEY = "iam.credential-report"

# Account quotas GetAccountSummary reports beside the counts (AWS's
# defaults).
SUMMARY_QUOTAS = {
    "AccessKeysPerUserQuota": 2,
    "AssumeRolePolicySizeQuota": 2048,
    "AttachedPoliciesPerGroupQuota": 10,
    "AttachedPoliciesPerRoleQuota": 10,
    "AttachedPoliciesPerUserQuota": 10,
    "GlobalEndpointTokenVersion": 1,
    "GroupPolicySizeQuota": 5120,
    "GroupsPerUserQuota": 10,
    "GroupsQuota": 300,
    "InstanceProfilesQuota": 1000,
    "PoliciesQuota": 1500,
    "PolicySizeQuota": 6144,
    "PolicyVersionsInUseQuota": 10000,
    "RolePolicySizeQuota": 10240,
    "RolesQuota": 1000,
    "ServerCertificatesQuota": 20,
    "SigningCertificatesPerUserQuota": 2,
    "UserPolicySizeQuota": 2048,
    "UsersQuota": 5000,
    "VersionsPerPolicyQuota": 5,
}

# The credential report's columns, in AWS's documented order.
REPORT_COLUMNS = (
    "user", "arn", "user_creation_time", "password_enabled",
    "password_last_used", "password_last_changed", "password_next_rotation",
    "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated",
    "access_key_1_last_used_date", "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated",
    "access_key_2_last_used_date", "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated",
    "cert_2_active", "cert_2_last_rotated",
)
ROOT_NAME = "<root_account>"
NOT_SUPPORTED = "not_supported"
NA = "N/A"


# ---------------------------------------------------------------- helpers

def _el(name, value):
    """<name>value</name>, or "" when value is None."""
    if value is None:
        return ""
    return f"<{name}>{xml_escape(value)}</{name}>"


def _users(estate):
    return estate.data("iam").setdefault("Users", [])


def _user(estate, name):
    for u in _users(estate):
        if u.get("UserName") == name:
            return u
    raise AwsError(404, "NoSuchEntity",
                   f"The user with name {name} cannot be found.")


def _caller_user_name(req):
    """The user name of the calling IAM user (UserName omitted)."""
    arn = (req.principal or {}).get("arn", "")
    if (req.principal or {}).get("type", "user") == "user" and \
            ":user/" in arn:
        return arn.rsplit("/", 1)[-1]
    raise AwsError(400, "ValidationError",
                   "Must specify userName when calling with non-User "
                   "credentials")


def _max_items(req):
    raw = req.params.get("MaxItems")
    if raw is None:
        return None
    try:
        n = int(raw)
    except ValueError:
        raise AwsError(400, "ValidationError",
                       f"1 validation error detected: Value '{raw}' at "
                       "'maxItems' failed to satisfy constraint: Member must "
                       "be a number")
    if n < 1 or n > MAX_ITEMS:
        raise AwsError(400, "ValidationError",
                       f"1 validation error detected: Value '{n}' at "
                       "'maxItems' failed to satisfy constraint: Member must "
                       f"have value between 1 and {MAX_ITEMS}")
    return n


def _page(req, estate, items):
    """(page, marker or None) by Marker/MaxItems and the estate's size."""
    size = estate.page_limit(_max_items(req))
    try:
        return paginate(items, req.params.get("Marker"), size)
    except AwsError:
        raise AwsError(400, "ValidationError", "Invalid Marker")


def _list_tail(marker):
    if marker:
        return f"<IsTruncated>true</IsTruncated>{_el('Marker', marker)}"
    return "<IsTruncated>false</IsTruncated>"


def _answer(action, inner):
    return Response.xml(200, query_response(action, inner, XMLNS))


# ---------------------------------------------------------------- actions

def _list_users(req, estate):
    prefix = req.params.get("PathPrefix", "/")
    with estate.lock:
        users = [u for u in _users(estate)
                 if u.get("Path", "/").startswith(prefix)]
        page, marker = _page(req, estate, users)
        parts = []
        for u in page:
            parts.append(
                "<member>"
                + _el("Path", u.get("Path", "/"))
                + _el("UserName", u["UserName"])
                + _el("UserId", u.get("UserId"))
                + _el("Arn", u.get("Arn"))
                + _el("CreateDate", u.get("CreateDate"))
                + _el("PasswordLastUsed", u.get("PasswordLastUsed"))
                + "</member>")
    return _answer("ListUsers", "<Users>" + "".join(parts) + "</Users>"
                   + _list_tail(marker))


def _list_mfa_devices(req, estate):
    name = req.params.get("UserName") or _caller_user_name(req)
    with estate.lock:
        user = _user(estate, name)
        page, marker = _page(req, estate, list(user.get("MFADevices", [])))
        parts = ["<member>" + _el("UserName", name)
                 + _el("SerialNumber", d.get("SerialNumber"))
                 + _el("EnableDate", d.get("EnableDate")) + "</member>"
                 for d in page]
    return _answer("ListMFADevices", "<MFADevices>" + "".join(parts)
                   + "</MFADevices>" + _list_tail(marker))


def _list_access_keys(req, estate):
    name = req.params.get("UserName") or _caller_user_name(req)
    with estate.lock:
        user = _user(estate, name)
        page, marker = _page(req, estate, list(user.get("AccessKeys", [])))
        parts = ["<member>" + _el("UserName", name)
                 + _el("AccessKeyId", k.get("AccessKeyId"))
                 + _el("Status", k.get("Status", "Active"))
                 + _el("CreateDate", k.get("CreateDate")) + "</member>"
                 for k in page]
    return _answer("ListAccessKeys", _el("UserName", name)
                   + "<AccessKeyMetadata>" + "".join(parts)
                   + "</AccessKeyMetadata>" + _list_tail(marker))


def _get_login_profile(req, estate):
    name = req.params.get("UserName")
    if not name:
        raise AwsError(400, "ValidationError",
                       "1 validation error detected: Value null at "
                       "'userName' failed to satisfy constraint: Member "
                       "must not be null")
    with estate.lock:
        lp = _user(estate, name).get("LoginProfile")
        if not lp:
            raise AwsError(404, "NoSuchEntity",
                           f"Login Profile for User {name} cannot be found.")
        inner = ("<LoginProfile>" + _el("UserName", name)
                 + _el("CreateDate", lp.get("CreateDate"))
                 + _el("PasswordResetRequired",
                       bool(lp.get("PasswordResetRequired", False)))
                 + "</LoginProfile>")
    return _answer("GetLoginProfile", inner)


def _get_access_key_last_used(req, estate):
    key_id = req.params.get("AccessKeyId")
    if not key_id:
        raise AwsError(400, "ValidationError",
                       "1 validation error detected: Value null at "
                       "'accessKeyId' failed to satisfy constraint: Member "
                       "must not be null")
    with estate.lock:
        for u in _users(estate):
            for k in u.get("AccessKeys", []):
                if k.get("AccessKeyId") != key_id:
                    continue
                lu = k.get("LastUsed") or {}
                inner = (_el("UserName", u["UserName"])
                         + "<AccessKeyLastUsed>"
                         + _el("LastUsedDate", lu.get("LastUsedDate"))
                         + _el("ServiceName", lu.get("ServiceName", NA))
                         + _el("Region", lu.get("Region", NA))
                         + "</AccessKeyLastUsed>")
                return _answer("GetAccessKeyLastUsed", inner)
    raise AwsError(404, "NoSuchEntity",
                   f"The Access Key with id {key_id} cannot be found.")


def summary_map(estate):
    """GetAccountSummary's SummaryMap, from the estate (a dict)."""
    iam = estate.data("iam")
    users = iam.get("Users", [])
    root = iam.get("Root", {})
    mfa = sum(len(u.get("MFADevices", [])) for u in users)
    m = dict(SUMMARY_QUOTAS)
    m.update({
        "AccountAccessKeysPresent": 1 if root.get("AccessKeys") else 0,
        "AccountMFAEnabled": 1 if root.get("MFAEnabled") else 0,
        "AccountSigningCertificatesPresent": 0,
        "Groups": 0,
        "InstanceProfiles": 0,
        "MFADevices": mfa + (1 if root.get("MFAEnabled") else 0),
        "MFADevicesInUse": mfa + (1 if root.get("MFAEnabled") else 0),
        "Policies": 0,
        "PolicyVersionsInUse": 0,
        "Providers": 0,
        "Roles": 0,
        "ServerCertificates": 0,
        "Users": len(users),
    })
    return m


def _get_account_summary(req, estate):
    with estate.lock:
        m = summary_map(estate)
    entries = "".join(f"<entry><key>{k}</key><value>{v}</value></entry>"
                      for k, v in sorted(m.items()))
    return _answer("GetAccountSummary",
                   "<SummaryMap>" + entries + "</SummaryMap>")


PASSWORD_POLICY_MEMBERS = (
    "MinimumPasswordLength", "RequireSymbols", "RequireNumbers",
    "RequireUppercaseCharacters", "RequireLowercaseCharacters",
    "AllowUsersToChangePassword", "ExpirePasswords", "MaxPasswordAge",
    "PasswordReusePrevention", "HardExpiry")


def _get_account_password_policy(req, estate):
    with estate.lock:
        pp = estate.data("iam").get("PasswordPolicy")
        if not pp:
            raise AwsError(404, "NoSuchEntity",
                           "The Password Policy with domain name "
                           f"{estate.account_id()} cannot be found.")
        inner = "".join(_el(k, pp.get(k)) for k in PASSWORD_POLICY_MEMBERS)
    return _answer("GetAccountPasswordPolicy",
                   "<PasswordPolicy>" + inner + "</PasswordPolicy>")


def _report_time(iso):
    """The credential report's time form: 2026-11-25T09:30:00+00:00."""
    if not iso:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00",
                         time.gmtime(iso_to_epoch(iso)))


def _tf(b):
    return "true" if b else "false"


def _key_columns(keys, n):
    """The access_key_N_* columns of a list of keys."""
    k = keys[n - 1] if len(keys) >= n else None
    if not k:
        return ["false", NA, NA, NA, NA]
    active = k.get("Status", "Active") == "Active"
    lu = k.get("LastUsed") or {}
    if not lu.get("LastUsedDate"):
        lu = {}
    return [_tf(active),
            _report_time(k.get("CreateDate")) if active else NA,
            _report_time(lu.get("LastUsedDate")) or NA,
            lu.get("Region") or NA,
            lu.get("ServiceName") or NA]


def report_rows(estate):
    """The credential report as a list of rows (lists of text)."""
    iam = estate.data("iam")
    acct = estate.account_id()
    root = iam.get("Root", {})
    pp = iam.get("PasswordPolicy") or {}
    rows = []
    rkeys = root.get("AccessKeys", [])
    rows.append([ROOT_NAME, f"arn:aws:iam::{acct}:root",
                 _report_time(root.get("CreateDate")) or NA,
                 NOT_SUPPORTED,
                 _report_time(root.get("PasswordLastUsed")) or
                 "no_information",
                 NOT_SUPPORTED, NOT_SUPPORTED,
                 _tf(root.get("MFAEnabled"))]
                + _key_columns(rkeys, 1) + _key_columns(rkeys, 2)
                + ["false", NA, "false", NA])
    for u in iam.get("Users", []):
        lp = u.get("LoginProfile")
        if lp:
            last_used = _report_time(u.get("PasswordLastUsed")) or \
                "no_information"
            changed = _report_time(lp.get("CreateDate")) or NA
            nxt = NA
            if pp.get("ExpirePasswords") and pp.get("MaxPasswordAge") \
                    and lp.get("CreateDate"):
                nxt = time.strftime(
                    "%Y-%m-%dT%H:%M:%S+00:00",
                    time.gmtime(iso_to_epoch(lp["CreateDate"])
                                + int(pp["MaxPasswordAge"]) * 86400))
        else:
            last_used = changed = nxt = NA
        keys = u.get("AccessKeys", [])
        rows.append([u["UserName"], u.get("Arn", ""),
                     _report_time(u.get("CreateDate")) or NA,
                     _tf(bool(lp)), last_used, changed, nxt,
                     _tf(bool(u.get("MFADevices")))]
                    + _key_columns(keys, 1) + _key_columns(keys, 2)
                    + ["false", NA, "false", NA])
    return rows


def report_csv(estate):
    """The credential report's CSV text (header and rows, \\n lines)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(REPORT_COLUMNS)
    for row in report_rows(estate):
        w.writerow(row)
    return out.getvalue().rstrip("\n")


def _generate_credential_report(req, estate):
    now = estate.now()
    with estate.lock:
        rep = estate.cache.get(REPORT_KEY)
        if rep and now - rep["time"] < REPORT_MAX_AGE:
            inner = _el("State", "COMPLETE")
        else:
            had = rep is not None
            estate.cache[REPORT_KEY] = {"time": now,
                                        "csv": report_csv(estate)}
            desc = ("No report exists. Starting a new report generation "
                    "task" if not had else
                    "The report is older than four hours. Starting a new "
                    "report generation task")
            inner = _el("State", "STARTED") + _el("Description", desc)
    return _answer("GenerateCredentialReport", inner)


def _get_credential_report(req, estate):
    with estate.lock:
        rep = estate.cache.get(REPORT_KEY)
    if not rep:
        raise AwsError(410, "ReportNotPresent",
                       "Credential report not present. Please call "
                       "GenerateCredentialReport first.")
    if estate.now() - rep["time"] >= REPORT_MAX_AGE:
        raise AwsError(410, "ReportExpired",
                       "The credential report is older than four hours. "
                       "Please call GenerateCredentialReport again.")
    content = base64.b64encode(rep["csv"].encode("utf-8")).decode("ascii")
    inner = (_el("Content", content) + _el("ReportFormat", "text/csv")
             + _el("GeneratedTime", epoch_to_iso(rep["time"])))
    return _answer("GetCredentialReport", inner)


def _list_account_aliases(req, estate):
    with estate.lock:
        aliases = list(estate.data("iam").get("AccountAliases", []))
    page, marker = _page(req, estate, aliases)
    return _answer("ListAccountAliases",
                   "<AccountAliases>"
                   + "".join(_el("member", a) for a in page)
                   + "</AccountAliases>" + _list_tail(marker))


ACTIONS = {
    "ListUsers": _list_users,
    "ListMFADevices": _list_mfa_devices,
    "ListAccessKeys": _list_access_keys,
    "GetLoginProfile": _get_login_profile,
    "GetAccessKeyLastUsed": _get_access_key_last_used,
    "GetAccountSummary": _get_account_summary,
    "GetAccountPasswordPolicy": _get_account_password_policy,
    "GenerateCredentialReport": _generate_credential_report,
    "GetCredentialReport": _get_credential_report,
    "ListAccountAliases": _list_account_aliases,
}


def handle(req, estate):
    fn = ACTIONS.get(req.action)
    if fn is None:
        raise AwsError(400, "InvalidAction",
                       f"Could not find operation {req.action} for "
                       f"version {VERSION}")
    return fn(req, estate)
