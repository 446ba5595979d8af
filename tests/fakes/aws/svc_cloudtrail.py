"""CloudTrail (JSON 1.1, CloudTrail_20131101): DescribeTrails,
GetTrailStatus, LookupEvents.

cloudtrail.json:
    {"Trails": [{DescribeTrails trail members (Name, TrailARN,
                 HomeRegion, IsMultiRegionTrail...),
                 "Status": {GetTrailStatus members; times as ISO 8601}}],
     "Events": [{"Region", "EventId", "EventName", "ReadOnly",
                 "AccessKeyId", "EventTime", "EventSource", "Username",
                 "Resources": [{"ResourceType", "ResourceName"}],
                 "CloudTrailEvent": {the CloudTrail record}}]}

An event is seen by LookupEvents in its Region only.  The record's
eventID, eventTime, eventName and awsRegion are taken from the event, and
it is sent as a JSON string, as AWS does.  JSON timestamps are epoch
seconds.
"""

import json

from fakeaws_core import AwsError, Response, iso_to_epoch, paginate

SERVICE = "cloudtrail"
PROTOCOL = "json"

MAX_LOOKUP_RESULTS = 50
LOOKUP_KEYS = {          # LookupAttributes key -> event member
    "EventId": "EventId",
    "EventName": "EventName",
    "ReadOnly": "ReadOnly",
    "Username": "Username",
    "EventSource": "EventSource",
    "AccessKeyId": "AccessKeyId",
}
RESOURCE_KEYS = ("ResourceType", "ResourceName")
TRAIL_MEMBERS = (
    "Name", "S3BucketName", "S3KeyPrefix", "SnsTopicName", "SnsTopicARN",
    "IncludeGlobalServiceEvents", "IsMultiRegionTrail", "HomeRegion",
    "TrailARN", "LogFileValidationEnabled", "CloudWatchLogsLogGroupArn",
    "CloudWatchLogsRoleArn", "KmsKeyId", "HasCustomEventSelectors",
    "HasInsightSelectors", "IsOrganizationTrail")
# GetTrailStatus members that are timestamps (epoch seconds on the wire);
# the others (strings, booleans) go as they are.
STATUS_TIMES = (
    "LatestDeliveryTime", "LatestNotificationTime", "StartLoggingTime",
    "StopLoggingTime", "LatestCloudWatchLogsDeliveryTime",
    "LatestDigestDeliveryTime")


def _epoch(iso):
    t = iso_to_epoch(iso)
    return int(t) if t == int(t) else t


def _json(obj):
    return Response.json(200, obj)


def _trails(estate):
    return estate.data("cloudtrail").get("Trails", [])


def _visible(trail, region, shadows=True):
    if trail.get("HomeRegion") == region:
        return True
    return shadows and bool(trail.get("IsMultiRegionTrail"))


def _trail_out(t):
    return {k: t[k] for k in TRAIL_MEMBERS if k in t}


def _describe_trails(req, estate):
    body = req.json or {}
    shadows = body.get("includeShadowTrails", True)
    if not isinstance(shadows, bool):
        raise AwsError(400, "SerializationException",
                       "includeShadowTrails must be a boolean")
    names = body.get("trailNameList") or []
    with estate.lock:
        out = []
        for t in _trails(estate):
            if not _visible(t, req.region, shadows):
                continue
            if names and t.get("Name") not in names and \
                    t.get("TrailARN") not in names:
                continue
            out.append(_trail_out(t))
    return _json({"trailList": out})


def _find_trail(estate, name, region):
    for t in _trails(estate):
        if name.startswith("arn:"):
            if t.get("TrailARN") == name:
                return t
        elif t.get("Name") == name and _visible(t, region):
            return t
    return None


def _get_trail_status(req, estate):
    name = (req.json or {}).get("Name")
    if not name or not isinstance(name, str):
        raise AwsError(400, "InvalidTrailNameException",
                       "Trail name or ARN can only contain uppercase "
                       "letters, lowercase letters, numbers, periods (.), "
                       "hyphens (-), and underscores (_).")
    with estate.lock:
        t = _find_trail(estate, name, req.region)
        if t is None:
            arn = name if name.startswith("arn:") else \
                f"arn:aws:cloudtrail:{req.region}:{estate.account_id()}:" \
                f"trail/{name}"
            raise AwsError(400, "TrailNotFoundException",
                           f"Unknown trail: {arn} for the user: "
                           f"{estate.account_id()}")
        st = dict(t.get("Status") or {"IsLogging": False})
    out = {}
    for k, v in st.items():
        out[k] = _epoch(v) if k in STATUS_TIMES and isinstance(v, str) \
            else v
    return _json(out)


def _time_param(body, name):
    v = body.get(name)
    if v is None:
        return None
    if isinstance(v, bool):
        v = None
    elif isinstance(v, (int, float)):
        return float(v)
    elif isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            try:
                return iso_to_epoch(v)
            except ValueError:
                pass
    raise AwsError(400, "SerializationException",
                   f"{name} is not a timestamp: {str(v)[:40]!r}")


def event_out(ev, account):
    """The LookupEvents form of an estate event."""
    rec = dict(ev.get("CloudTrailEvent") or {})
    rec["eventID"] = ev.get("EventId")
    rec["eventTime"] = ev.get("EventTime")
    rec["eventName"] = ev.get("EventName")
    rec["awsRegion"] = ev.get("Region")
    rec.setdefault("recipientAccountId", account)
    out = {}
    for k in ("EventId", "EventName", "ReadOnly", "AccessKeyId"):
        if ev.get(k) is not None:
            out[k] = ev[k]
    out["EventTime"] = _epoch(ev["EventTime"])
    for k in ("EventSource", "Username"):
        if ev.get(k) is not None:
            out[k] = ev[k]
    out["Resources"] = [{k: r[k] for k in RESOURCE_KEYS if k in r}
                        for r in ev.get("Resources", [])]
    out["CloudTrailEvent"] = json.dumps(rec, separators=(",", ":"))
    return out


def _lookup_events(req, estate):
    body = req.json or {}
    attrs = body.get("LookupAttributes") or []
    if not isinstance(attrs, list) or len(attrs) > 1:
        raise AwsError(400, "InvalidLookupAttributesException",
                       "You cannot specify more than one lookup attribute.")
    match = None
    if attrs:
        a = attrs[0] if isinstance(attrs[0], dict) else {}
        key, value = a.get("AttributeKey"), a.get("AttributeValue")
        if key not in LOOKUP_KEYS and key not in RESOURCE_KEYS:
            raise AwsError(400, "InvalidLookupAttributesException",
                           f"Lookup attribute key {key!r} is not valid.")
        if not isinstance(value, str) or not value:
            raise AwsError(400, "InvalidLookupAttributesException",
                           "The lookup attribute value must not be empty.")
        match = (key, value)
    start = _time_param(body, "StartTime")
    end = _time_param(body, "EndTime")
    if start is not None and end is not None and start > end:
        raise AwsError(400, "InvalidTimeRangeException",
                       "Start time must be before the end time.")
    cat = body.get("EventCategory")
    if cat is not None and cat != "insight":
        raise AwsError(400, "InvalidEventCategoryException",
                       "The event category is not valid.")
    mx = body.get("MaxResults")
    if mx is not None and (isinstance(mx, bool) or not isinstance(mx, int)
                           or mx < 1 or mx > MAX_LOOKUP_RESULTS):
        raise AwsError(400, "InvalidMaxResultsException",
                       "MaxResults must be between 1 and "
                       f"{MAX_LOOKUP_RESULTS}.")
    size = min(estate.page_limit(mx), MAX_LOOKUP_RESULTS)
    with estate.lock:
        evs = []
        for ev in estate.data("cloudtrail").get("Events", []):
            if ev.get("Region") != req.region or cat == "insight":
                continue
            t = iso_to_epoch(ev["EventTime"])
            if (start is not None and t < start) or \
                    (end is not None and t > end):
                continue
            if match and not _matches(ev, match):
                continue
            evs.append((t, ev))
        evs.sort(key=lambda p: p[0], reverse=True)
        try:
            page, nxt = paginate([e for _, e in evs], body.get("NextToken"),
                                 size)
        except AwsError:
            raise AwsError(400, "InvalidNextTokenException",
                           "Invalid NextToken.")
        out = {"Events": [event_out(e, estate.account_id()) for e in page]}
    if nxt:
        out["NextToken"] = nxt
    return _json(out)


def _matches(ev, match):
    key, value = match
    if key in RESOURCE_KEYS:
        return any(r.get(key) == value for r in ev.get("Resources", []))
    return ev.get(LOOKUP_KEYS[key]) == value


ACTIONS = {
    "DescribeTrails": _describe_trails,
    "GetTrailStatus": _get_trail_status,
    "LookupEvents": _lookup_events,
}


def handle(req, estate):
    fn = ACTIONS.get(req.target)
    if fn is None or not (req.headers.get("X-Amz-Target") or "").startswith(
            "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."):
        raise AwsError(400, "UnknownOperationException",
                       f"Unknown operation {req.target}")
    return fn(req, estate)
