"""Elastic Load Balancing v2 (Query, 2015-12-01): DescribeLoadBalancers,
DescribeListeners, with Marker paging.

elbv2.json: {REGION: {"LoadBalancers": [LoadBalancer + "Listeners":
[Listener...]]}} in botocore's parsed shapes.
"""

from fakeaws_core import (AwsError, Response, output_xml, paginate,
                          parse_params, query_response)

SERVICE = "elasticloadbalancing"
PROTOCOL = "query"
XMLNS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
MIN_PAGE = 1
MAX_PAGE = 400


def _lbs(estate, region):
    return estate.data("elbv2").get(region, {}).get("LoadBalancers", [])


def _page(estate, items, p):
    size = p.get("PageSize")
    if size is not None and not MIN_PAGE <= size <= MAX_PAGE:
        raise AwsError(400, "ValidationError",
                       f"1 validation error detected: Value '{size}' at "
                       "'pageSize' failed to satisfy constraint: Member "
                       f"must have value between {MIN_PAGE} and {MAX_PAGE}")
    try:
        return paginate(items, p.get("Marker"), estate.page_limit(size))
    except AwsError:
        raise AwsError(400, "ValidationError", "Invalid Marker")


def describe_load_balancers(req, estate, p):
    lbs = _lbs(estate, req.region)
    arns = p.get("LoadBalancerArns") or []
    names = p.get("Names") or []
    if arns and names:
        raise AwsError(400, "ValidationError",
                       "Load balancer names and load balancer ARNs cannot "
                       "be specified at the same time")
    if arns or names:
        key, want = ("LoadBalancerArn", arns) if arns else \
            ("LoadBalancerName", names)
        have = {lb.get(key) for lb in lbs}
        missing = [w for w in want if w not in have]
        if missing:
            raise AwsError(400, "LoadBalancerNotFound",
                           "One or more load balancers not found")
        lbs = [lb for lb in lbs if lb.get(key) in want]
    page, nxt = _page(estate, lbs, p)
    return output_xml("elbv2", "DescribeLoadBalancers",
                      {"LoadBalancers": page, "NextMarker": nxt})


def describe_listeners(req, estate, p):
    lbs = _lbs(estate, req.region)
    arn = p.get("LoadBalancerArn")
    larns = p.get("ListenerArns") or []
    if not arn and not larns:
        raise AwsError(400, "ValidationError",
                       "You must specify either listener ARNs or a load "
                       "balancer ARN")
    if arn and larns:
        raise AwsError(400, "ValidationError",
                       "Listener ARNs and a load balancer ARN cannot be "
                       "specified at the same time")
    if arn:
        found = [lb for lb in lbs if lb.get("LoadBalancerArn") == arn]
        if not found:
            raise AwsError(400, "LoadBalancerNotFound",
                           f"Load balancer '{arn}' not found")
        items = list(found[0].get("Listeners", []))
    else:
        every = {ln["ListenerArn"]: ln for lb in lbs
                 for ln in lb.get("Listeners", [])}
        missing = [a for a in larns if a not in every]
        if missing:
            raise AwsError(400, "ListenerNotFound",
                           "One or more listeners not found")
        items = [every[a] for a in larns]
    page, nxt = _page(estate, items, p)
    return output_xml("elbv2", "DescribeListeners",
                      {"Listeners": page, "NextMarker": nxt})


ACTIONS = {"DescribeLoadBalancers": describe_load_balancers,
           "DescribeListeners": describe_listeners}


def handle(req, estate):
    fn = ACTIONS.get(req.action)
    if fn is None:
        raise AwsError(400, "InvalidAction",
                       f"Could not find operation {req.action} for "
                       "version 2015-12-01")
    p = parse_params("elbv2", req.action, req.params)
    with estate.lock:
        inner = fn(req, estate, p)
    return Response.xml(200, query_response(req.action, inner, XMLNS))
