"""STS (Query, 2011-06-15): GetCallerIdentity, AssumeRole."""

import re

from fakeaws_core import (AwsError, Response, epoch_to_iso, aws_time,
                          query_response, role_principal, xml_escape)

SERVICE = "sts"
PROTOCOL = "query"
XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"

DEFAULT_DURATION = 3600
MIN_DURATION = 900
SESSION_NAME_RE = re.compile(r"[\w+=,.@-]{2,64}")

def _caller_identity(req, estate):
    p = req.principal
    if p.get("type") == "assumed-role":
        user_id = p.get("user_id", "")
    else:
        user_id = ""
        for c in estate.account.get("Credentials", []):
            if c.get("AccessKeyId") == req.access_key:
                user_id = c.get("UserId", "")
    inner = (f"<Arn>{xml_escape(p['arn'])}</Arn>"
             f"<UserId>{xml_escape(user_id)}</UserId>"
             f"<Account>{xml_escape(p['account'])}</Account>")
    return Response.xml(200, query_response("GetCallerIdentity", inner,
                                            XMLNS))


def _assume_role(req, estate):
    prm = req.params
    role_arn = prm.get("RoleArn")
    session = prm.get("RoleSessionName")
    if not role_arn or not session:
        missing = "roleArn" if not role_arn else "roleSessionName"
        raise AwsError(400, "ValidationError",
                       f"1 validation error detected: Value null at "
                       f"'{missing}' failed to satisfy constraint: Member "
                       "must not be null")
    if not SESSION_NAME_RE.fullmatch(session):
        raise AwsError(400, "ValidationError",
                       "1 validation error detected: Value at "
                       "'roleSessionName' failed to satisfy constraint: "
                       "Member must satisfy regular expression pattern: "
                       r"[\w+=,.@-]*")
    denied = AwsError(403, "AccessDenied",
                      f"User: {req.principal['arn']} is not authorized to "
                      f"perform: sts:AssumeRole on resource: {role_arn}")
    role = None
    for r in estate.account.get("Roles", []):
        if r.get("Arn") == role_arn:
            role = r
    if role is None:
        raise denied
    want_ext = role.get("ExternalId")
    if want_ext is not None and prm.get("ExternalId") != want_ext:
        raise denied
    max_dur = int(role.get("MaxSessionDuration", DEFAULT_DURATION))
    try:
        duration = int(prm.get("DurationSeconds", DEFAULT_DURATION))
    except ValueError:
        raise AwsError(400, "ValidationError",
                       "DurationSeconds must be a number")
    if duration < MIN_DURATION:
        raise AwsError(400, "ValidationError",
                       "1 validation error detected: Value "
                       f"'{duration}' at 'durationSeconds' failed to "
                       "satisfy constraint: Member must have value greater "
                       "than or equal to 900")
    if duration > max_dur:
        raise AwsError(400, "ValidationError",
                       "The requested DurationSeconds exceeds the "
                       "MaxSessionDuration set for this role.")
    if estate.session_duration:
        duration = estate.session_duration
    principal = role_principal(role, estate, session)
    role_id = role.get("RoleId", "AROAFAKE")
    principal["user_id"] = f"{role_id}:{session}"
    ak, secret, token, exp = estate.principals_store.issue(principal,
                                                           duration)
    exp_iso = aws_time(epoch_to_iso(exp))
    inner = ("<Credentials>"
             f"<AccessKeyId>{ak}</AccessKeyId>"
             f"<SecretAccessKey>{xml_escape(secret)}</SecretAccessKey>"
             f"<SessionToken>{xml_escape(token)}</SessionToken>"
             f"<Expiration>{exp_iso}</Expiration>"
             "</Credentials>"
             "<AssumedRoleUser>"
             f"<AssumedRoleId>{xml_escape(principal['user_id'])}"
             "</AssumedRoleId>"
             f"<Arn>{xml_escape(principal['arn'])}</Arn>"
             "</AssumedRoleUser>")
    return Response.xml(200, query_response("AssumeRole", inner, XMLNS))


ACTIONS = {"GetCallerIdentity": _caller_identity,
           "AssumeRole": _assume_role}


def handle(req, estate):
    fn = ACTIONS.get(req.action)
    if fn is None:
        raise AwsError(400, "InvalidAction",
                       f"Could not find operation {req.action} for "
                       "version 2011-06-15")
    return fn(req, estate)
