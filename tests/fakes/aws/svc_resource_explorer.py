"""Resource Explorer (REST-JSON, resource-explorer-2, 2022-07-28):
GetIndex, ListIndexes, Search (POST /GetIndex, /ListIndexes, /Search).

resource-explorer.json:
    {"Index": {"Region", "Type": "AGGREGATOR" | "LOCAL", "State", "Arn",
               "CreatedAt", "LastUpdatedAt"} or null (no index anywhere),
     "ViewArn": the default view of the index region,
     "Resources": [{"Arn", "ResourceType", "Region", "Service",
                    "OwningAccountId", "LastReportedAt"}]}

GetIndex answers in the index's region only (elsewhere 404
ResourceNotFoundException, as in a region without an index); Search the
same.  Search's QueryString: "*" (everything), free text (matched against
the ARN, any term), and the filters region:, service:, resourcetype:,
accountid: (all must hold).  Timestamps are ISO 8601 strings.
"""

from fakeaws_core import AwsError, Response, aws_time, paginate

SERVICE = "resource-explorer-2"
PROTOCOL = "rest-json"

MAX_SEARCH_RESULTS = 1000
MAX_INDEX_RESULTS = 100
MAX_QUERY = 1011                  # QueryString's length limit
OPERATIONS = {"/GetIndex": "GetIndex", "/ListIndexes": "ListIndexes",
              "/Search": "Search"}
FILTERS = {"region": "Region", "service": "Service",
           "resourcetype": "ResourceType", "accountid": "OwningAccountId"}


def action_of(req):
    return OPERATIONS.get(req.path.rstrip("/") or "/")


def _json(obj):
    return Response.json(200, obj, content_type="application/json")


def _validation(msg):
    return AwsError(400, "ValidationException", msg)


def _not_found(what):
    return AwsError(404, "ResourceNotFoundException", what)


def _re(estate):
    return estate.data("resource-explorer")


def _index(estate):
    return _re(estate).get("Index") or None


def _index_here(estate, region):
    idx = _index(estate)
    if not idx or idx.get("Region") != region:
        raise _not_found(f"Index in region {region} was not found")
    return idx


def _max_results(body, limit):
    mx = body.get("MaxResults")
    if mx is None:
        return None
    if isinstance(mx, bool) or not isinstance(mx, int) or mx < 1 or \
            mx > limit:
        raise _validation(f"MaxResults must be between 1 and {limit}")
    return mx


def _page(estate, items, body, limit):
    size = estate.page_limit(_max_results(body, limit))
    try:
        return paginate(items, body.get("NextToken"), size)
    except AwsError:
        raise _validation("The NextToken is not valid")


def _get_index(req, estate, body):
    with estate.lock:
        idx = dict(_index_here(estate, req.region))
    out = {"Arn": idx.get("Arn"),
           "ReplicatingFrom": list(idx.get("ReplicatingFrom", [])),
           "ReplicatingTo": list(idx.get("ReplicatingTo", [])),
           "State": idx.get("State", "ACTIVE"),
           "Tags": dict(idx.get("Tags") or {}),
           "Type": idx.get("Type", "LOCAL")}
    for k in ("CreatedAt", "LastUpdatedAt"):
        if idx.get(k):
            out[k] = aws_time(idx[k])
    return _json(out)


def _list_indexes(req, estate, body):
    typ = body.get("Type")
    if typ is not None and typ not in ("LOCAL", "AGGREGATOR"):
        raise _validation(f"Type {typ!r} is not LOCAL or AGGREGATOR")
    regions = body.get("Regions")
    with estate.lock:
        idx = _index(estate)
        items = []
        if idx and (typ is None or idx.get("Type") == typ) and \
                (not regions or idx.get("Region") in regions):
            items.append({"Arn": idx.get("Arn"), "Region": idx.get("Region"),
                          "Type": idx.get("Type", "LOCAL")})
    page, nxt = _page(estate, items, body, MAX_INDEX_RESULTS)
    out = {"Indexes": page}
    if nxt:
        out["NextToken"] = nxt
    return _json(out)


def parse_query(q):
    """(filters [(member, value)], free-text terms, match everything)."""
    filters, terms, everything = [], [], False
    for tok in q.split():
        key, sep, val = tok.partition(":")
        if sep and key.lower() in FILTERS and val:
            filters.append((FILTERS[key.lower()], val))
        elif tok == "*":
            everything = True
        else:
            terms.append(tok.lower())
    return filters, terms, everything or not terms


def _matches(r, filters, terms, everything):
    for member, val in filters:
        if str(r.get(member, "")).lower() != val.lower():
            return False
    if everything:
        return True
    arn = r.get("Arn", "").lower()
    return any(t in arn for t in terms)


def _resource_out(r, account):
    out = {"Arn": r.get("Arn"),
           "OwningAccountId": r.get("OwningAccountId", account),
           "Properties": [],
           "Region": r.get("Region"),
           "ResourceType": r.get("ResourceType"),
           "Service": r.get("Service")}
    if r.get("LastReportedAt"):
        out["LastReportedAt"] = aws_time(r["LastReportedAt"])
    return out


def _search(req, estate, body):
    q = body.get("QueryString")
    if not isinstance(q, str):
        raise _validation("1 validation error detected: Value null at "
                          "'QueryString' failed to satisfy constraint: "
                          "Member must not be null")
    if len(q) > MAX_QUERY:
        raise _validation(f"QueryString is longer than {MAX_QUERY}")
    filters, terms, everything = parse_query(q)
    with estate.lock:
        _index_here(estate, req.region)
        view = _re(estate).get("ViewArn")
        want = body.get("ViewArn")
        if want is not None and want != view:
            raise _not_found(f"View {want} was not found")
        acct = estate.account_id()
        hits = [_resource_out(r, acct) for r in _re(estate).get(
            "Resources", []) if _matches(r, filters, terms, everything)]
    page, nxt = _page(estate, hits, body, MAX_SEARCH_RESULTS)
    out = {"Count": {"Complete": True, "TotalResources": len(hits)},
           "Resources": page, "ViewArn": view}
    if nxt:
        out["NextToken"] = nxt
    return _json(out)


HANDLERS = {"GetIndex": _get_index, "ListIndexes": _list_indexes,
            "Search": _search}


def handle(req, estate):
    op = action_of(req)
    if op is None or req.method != "POST":
        raise AwsError(404, "ResourceNotFoundException",
                       f"No operation at {req.method} {req.path}")
    body = req.json if req.json is not None else {}
    if not isinstance(body, dict):
        raise _validation("The request body must be a JSON object")
    return HANDLERS[op](req, estate, body)
