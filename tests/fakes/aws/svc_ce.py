"""Cost Explorer (JSON 1.1, AWSInsightsIndexService; signed in us-east-1):
GetCostAndUsage.

ce.json:
    {"Unit": "USD",
     "MonthToDate": {"UnblendedCost": "1834.27", ...},   # current month
     "PreviousMonths": {"UnblendedCost": "1702.50", ...}, # each month before
     "ByService": {"Amazon Elastic Compute Cloud - Compute": {metric:
                   amount, ...}, ...}}   # the month-to-date split, for
                                         # GroupBy SERVICE

MONTHLY answers one result per calendar month of [Start, End) (End
exclusive, as AWS); the current month carries MonthToDate and is
Estimated.  DAILY spreads each month's amount evenly over its days up to
today.  Months after the current one cost nothing.
"""

import calendar
import datetime
import re
from decimal import ROUND_HALF_EVEN, Decimal

from fakeaws_core import AwsError, Response

SERVICE = "ce"
PROTOCOL = "json"
TARGET_PREFIX = "AWSInsightsIndexService."

METRICS = ("AmortizedCost", "BlendedCost", "NetAmortizedCost",
           "NetUnblendedCost", "NormalizedUsageAmount", "UnblendedCost",
           "UsageQuantity")
USAGE_METRICS = ("UsageQuantity", "NormalizedUsageAmount")
GRANULARITIES = ("MONTHLY", "DAILY")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DAILY_PLACES = Decimal("0.0000000001")


def _validation(msg):
    return AwsError(400, "ValidationException", msg)


def _date(s, name):
    if not isinstance(s, str) or not DATE_RE.match(s):
        raise _validation(f"{name} date is not in the format yyyy-MM-dd: "
                          f"{str(s)[:40]}")
    try:
        return datetime.date.fromisoformat(s)
    except ValueError:
        raise _validation(f"{name} date is invalid: {s}")


def _month_start(d):
    return d.replace(day=1)


def _next_month(d):
    y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return datetime.date(y, m, 1)


def _amounts(ce, month, today):
    """{metric: Decimal} of the whole calendar month starting at MONTH."""
    if month == _month_start(today):
        src = ce.get("MonthToDate", {})
    elif month < _month_start(today):
        src = ce.get("PreviousMonths", ce.get("MonthToDate", {}))
    else:
        src = {}
    return {k: Decimal(str(v)) for k, v in src.items()}


def _metric(amount, metric, unit):
    u = "N/A" if metric in USAGE_METRICS else unit
    return {"Amount": format(amount, "f"), "Unit": u}


def _periods(start, end, gran, today):
    """[(period start, period end, month start, share)] of [start, end)."""
    out = []
    if gran == "MONTHLY":
        d = start
        while d < end:
            nxt = min(_next_month(d), end)
            out.append((d, nxt, _month_start(d), None))
            d = nxt
        return out
    d = start
    while d < end:
        m = _month_start(d)
        if m == _month_start(today):
            days = max(1, (today - m).days + 1)
            share = Decimal(1) / days if d <= today else Decimal(0)
        else:
            days = calendar.monthrange(d.year, d.month)[1]
            share = Decimal(1) / days
        out.append((d, d + datetime.timedelta(days=1), m, share))
        d += datetime.timedelta(days=1)
    return out


def _get_cost_and_usage(req, estate):
    body = req.json or {}
    tp = body.get("TimePeriod")
    if not isinstance(tp, dict):
        raise _validation("1 validation error detected: Value null at "
                          "'timePeriod' failed to satisfy constraint: Member "
                          "must not be null")
    start = _date(tp.get("Start"), "Start")
    end = _date(tp.get("End"), "End")
    if start >= end:
        raise _validation("Start date (and hour) should be before end date "
                          "(and hour)")
    gran = body.get("Granularity")
    if gran not in GRANULARITIES:
        raise _validation(f"Granularity {gran!r} is not supported here "
                          f"(one of {', '.join(GRANULARITIES)})")
    metrics = body.get("Metrics")
    if not isinstance(metrics, list) or not metrics:
        raise _validation("Metrics must not be empty")
    for m in metrics:
        if m not in METRICS:
            raise _validation(f"Invalid metric: {m}. Valid metrics are "
                              + ", ".join(METRICS))
    group_by = body.get("GroupBy") or []
    for g in group_by:
        if not isinstance(g, dict) or g.get("Type") != "DIMENSION" or \
                g.get("Key") != "SERVICE":
            raise _validation("This fake groups only by DIMENSION SERVICE")
    today = datetime.datetime.fromtimestamp(
        estate.now(), datetime.timezone.utc).date()
    with estate.lock:
        ce = estate.data("ce")
        unit = ce.get("Unit", "USD")
        by_service = ce.get("ByService", {})
        results = []
        for p_start, p_end, month, share in _periods(start, end, gran,
                                                     today):
            amounts = _amounts(ce, month, today)
            r = {"TimePeriod": {"Start": p_start.isoformat(),
                                "End": p_end.isoformat()},
                 "Total": {}, "Groups": [],
                 "Estimated": month >= _month_start(today)}
            if group_by:
                if month == _month_start(today):
                    for svc in sorted(by_service):
                        vals = by_service[svc]
                        r["Groups"].append({
                            "Keys": [svc],
                            "Metrics": {m: _metric(
                                _scaled(Decimal(str(vals.get(m, "0"))),
                                        share), m, unit)
                                for m in metrics}})
            else:
                for m in metrics:
                    r["Total"][m] = _metric(
                        _scaled(amounts.get(m, Decimal(0)), share), m,
                        unit)
            results.append(r)
    out = {"GroupDefinitions": [{"Type": "DIMENSION", "Key": "SERVICE"}]
           if group_by else [],
           "ResultsByTime": results, "DimensionValueAttributes": []}
    return Response.json(200, out)


def _scaled(amount, share):
    if share is None:
        return amount
    return (amount * share).quantize(DAILY_PLACES, ROUND_HALF_EVEN)


def handle(req, estate):
    target = req.headers.get("X-Amz-Target") or ""
    if target != TARGET_PREFIX + "GetCostAndUsage":
        raise AwsError(400, "UnknownOperationException",
                       f"Unknown operation {req.target}")
    return _get_cost_and_usage(req, estate)
