"""GuardDuty (REST-JSON, 2017-11-28): ListDetectors (GET /detector),
GetDetector (GET /detector/{detectorId}).

guardduty.json, per region (a region not listed has no detector):
    {"ap-northeast-1": {"Detectors": [{"DetectorId", "Status",
        "CreatedAt", "UpdatedAt", "ServiceRole",
        "FindingPublishingFrequency", "DataSources" (optional, the
        GetDetector dataSources object), "Tags": {}}]}}
createdAt and updatedAt are strings on the wire ("…T…:…:….000Z").
"""

import re

from fakeaws_core import AwsError, Response, aws_time, paginate

SERVICE = "guardduty"
PROTOCOL = "rest-json"

MAX_RESULTS = 50
DETECTOR_PATH_RE = re.compile(r"^/detector/([^/]+)/?$")


def action_of(req):
    if req.path.rstrip("/") == "/detector":
        return "ListDetectors"
    if DETECTOR_PATH_RE.match(req.path):
        return "GetDetector"
    return None


def _bad(msg):
    return AwsError(400, "BadRequestException", msg)


def _detectors(estate, region):
    return (estate.data("guardduty").get(region) or {}).get("Detectors", [])


def _json(obj):
    return Response.json(200, obj, content_type="application/json")


def _list_detectors(req, estate):
    raw = (req.query.get("maxResults") or [None])[0]
    mx = None
    if raw is not None:
        try:
            mx = int(raw)
        except ValueError:
            mx = 0
        if mx < 1 or mx > MAX_RESULTS:
            raise _bad("The request is rejected because an invalid or "
                       "out-of-range value is specified as an input "
                       "parameter.")
    token = (req.query.get("nextToken") or [None])[0] or None
    with estate.lock:
        ids = [d["DetectorId"] for d in _detectors(estate, req.region)]
    try:
        page, nxt = paginate(ids, token, estate.page_limit(mx))
    except AwsError:
        raise _bad("The request is rejected because an invalid nextToken "
                   "is specified.")
    out = {"detectorIds": page}
    if nxt:
        out["nextToken"] = nxt
    return _json(out)


def _data_sources(d):
    if d.get("DataSources") is not None:
        return d["DataSources"]
    on = "ENABLED" if d.get("Status") == "ENABLED" else "DISABLED"
    return {"cloudTrail": {"status": on}, "dnsLogs": {"status": on},
            "flowLogs": {"status": on}, "s3Logs": {"status": on},
            "kubernetes": {"auditLogs": {"status": on}}}


def _get_detector(req, estate, detector_id):
    with estate.lock:
        for d in _detectors(estate, req.region):
            if d.get("DetectorId") != detector_id:
                continue
            out = {}
            if d.get("CreatedAt"):
                out["createdAt"] = aws_time(d["CreatedAt"])
            out["findingPublishingFrequency"] = d.get(
                "FindingPublishingFrequency", "SIX_HOURS")
            out["serviceRole"] = d.get("ServiceRole", "")
            out["status"] = d.get("Status", "ENABLED")
            if d.get("UpdatedAt"):
                out["updatedAt"] = aws_time(d["UpdatedAt"])
            out["dataSources"] = _data_sources(d)
            out["tags"] = dict(d.get("Tags") or {})
            return _json(out)
    raise _bad("The request is rejected because the input detectorId is "
               "not owned by the current account.")


def handle(req, estate):
    if req.method != "GET":
        raise _bad(f"This fake serves no {req.method} {req.path}")
    if req.path.rstrip("/") == "/detector":
        return _list_detectors(req, estate)
    m = DETECTOR_PATH_RE.match(req.path)
    if m:
        return _get_detector(req, estate, m.group(1))
    raise AwsError(404, "NotFoundException",
                   f"No such resource: {req.path}")
