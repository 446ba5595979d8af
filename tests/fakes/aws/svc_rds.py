"""RDS (Query, 2014-10-31): DescribeDBInstances with Marker paging.

rds.json: {REGION: {"DBInstances": [DBInstance...]}} in botocore's
parsed shapes.
"""

import fnmatch

from fakeaws_core import (AwsError, Response, output_xml, paginate,
                          parse_params, query_response)

SERVICE = "rds"
PROTOCOL = "query"
XMLNS = "http://rds.amazonaws.com/doc/2014-10-31/"
MIN_RECORDS = 20
MAX_RECORDS = 100

FILTERS = {
    "db-instance-id": lambda d: [d.get("DBInstanceIdentifier"),
                                 d.get("DBInstanceArn")],
    "dbi-resource-id": lambda d: [d.get("DbiResourceId")],
    "engine": lambda d: [d.get("Engine")],
    "domain": lambda d: [m.get("Domain")
                         for m in d.get("DomainMemberships", [])],
    "db-cluster-id": lambda d: [d.get("DBClusterIdentifier")],
}


def describe_db_instances(req, estate, p):
    items = estate.data("rds").get(req.region, {}).get("DBInstances", [])
    ident = p.get("DBInstanceIdentifier")
    if ident:
        items = [d for d in items
                 if ident in (d.get("DBInstanceIdentifier"),
                              d.get("DBInstanceArn"))]
        if not items:
            raise AwsError(404, "DBInstanceNotFound",
                           f"DBInstance {ident} not found.")
    for f in p.get("Filters") or []:
        fn = FILTERS.get(f.get("Name"))
        if fn is None:
            raise AwsError(400, "InvalidParameterValue",
                           f"Unrecognized filter name: {f.get('Name')}")
        want = f.get("Values") or []
        items = [d for d in items
                 if any(v is not None and fnmatch.fnmatchcase(v, w)
                        for v in fn(d) for w in want)]
    size = p.get("MaxRecords")
    if size is not None and not MIN_RECORDS <= size <= MAX_RECORDS:
        raise AwsError(400, "InvalidParameterValue",
                       f"Invalid value {size} for MaxRecords. Must be "
                       f"between {MIN_RECORDS} and {MAX_RECORDS}")
    try:
        page, nxt = paginate(items, p.get("Marker"),
                             estate.page_limit(size))
    except AwsError:
        raise AwsError(400, "InvalidParameterValue",
                       "The marker is not valid")
    return output_xml("rds", "DescribeDBInstances",
                      {"DBInstances": page, "Marker": nxt})


def handle(req, estate):
    if req.action != "DescribeDBInstances":
        raise AwsError(400, "InvalidAction",
                       f"Could not find operation {req.action} for "
                       "version 2014-10-31")
    p = parse_params("rds", req.action, req.params)
    with estate.lock:
        inner = describe_db_instances(req, estate, p)
    return Response.xml(200, query_response(req.action, inner, XMLNS))
