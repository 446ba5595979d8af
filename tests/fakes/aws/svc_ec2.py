"""EC2 (EC2 protocol, 2016-11-15): the describes the aws plugin collects,
and the two security-group remediations.

ec2.json: {REGION: {"SecurityGroups": [...], "Reservations": [...],
"NetworkInterfaces", "Addresses", "Vpcs", "Subnets", "RouteTables",
"InternetGateways", "NetworkAcls", "Snapshots", "Images"}} in botocore's
parsed shapes. Extras the model does not have: every IpRanges / Ipv6Ranges
/ UserIdGroupPairs / PrefixListIds entry of a group carries its
"SecurityGroupRuleId" (derived at load when absent); a snapshot carries
"CreateVolumePermissions" ([{"Group": "all"}] when public).
"""

import fnmatch
import gc
import hashlib

from fakeaws_core import (AwsError, Response, ec2_response, output_xml,
                          paginate, parse_params, service_model, shape_xml)

SERVICE = "ec2"
PROTOCOL = "ec2"

SOURCES = (("IpRanges", "CidrIp", "CidrIpv4"),
           ("Ipv6Ranges", "CidrIpv6", "CidrIpv6"),
           ("PrefixListIds", "PrefixListId", "PrefixListId"),
           ("UserIdGroupPairs", "GroupId", "ReferencedGroupInfo"))
MIN_RESULTS = 5
MAX_RESULTS = 1000
MAX_RESULTS_ROUTE_TABLES = 100
SCALE_PORTS = (22, 80, 443, 3306, 3389, 5432, 6379, 8080, 8443, 9200)
SCALE_OPEN_PERCENT = 30      # share of generated rules open to 0.0.0.0/0
SCALED = "_scaled"           # marks a generated group (not serialised)
DRY_RUN_OK = AwsError(412, "DryRunOperation",
                      "Request would have succeeded, but DryRun flag is "
                      "set.")
REGION_SKELETON_KEYS = ("Vpcs", "Subnets", "RouteTables", "InternetGateways",
                        "NetworkAcls", "SecurityGroups", "Reservations",
                        "NetworkInterfaces", "Addresses", "Snapshots",
                        "Images")


def _unauthorized():
    return AwsError(403, "UnauthorizedOperation",
                    "You are not authorized to perform this operation.")


# ------------------------------------------------------------ load / scale

def _rule_id(*parts):
    h = hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()
    return "sgr-" + h[:17]


def _materialize_rule_ids(group):
    for egress, key in ((False, "IpPermissions"),
                        (True, "IpPermissionsEgress")):
        for pi, perm in enumerate(group.get(key, [])):
            for src, field, _ in SOURCES:
                for ei, entry in enumerate(perm.get(src, [])):
                    if not entry.get("SecurityGroupRuleId"):
                        entry["SecurityGroupRuleId"] = _rule_id(
                            group["GroupId"], egress, pi, src, ei,
                            entry.get(field))


def _skeleton(estate, region, index):
    acct = estate.account_id()
    tag = "%04x" % index
    vpc = f"vpc-0sc{tag}0000000001"
    sg = f"sg-0sc{tag}00000000def"
    return {
        "Vpcs": [{"VpcId": vpc, "CidrBlock": "172.31.0.0/16",
                  "State": "available", "IsDefault": True, "OwnerId": acct,
                  "InstanceTenancy": "default"}],
        "Subnets": [], "RouteTables": [], "InternetGateways": [],
        "NetworkAcls": [],
        "SecurityGroups": [{
            "GroupId": sg, "GroupName": "default", "OwnerId": acct,
            "Description": "default VPC security group", "VpcId": vpc,
            "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [
                {"GroupId": sg, "UserId": acct}]}],
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [
                {"CidrIp": "0.0.0.0/0"}]}],
            "Tags": []}],
        "Reservations": [], "NetworkInterfaces": [], "Addresses": [],
        "Snapshots": [], "Images": []}


def _scale(estate, data):
    n = estate.scale_sgs
    regions = estate.regions
    if n <= 0 or not regions:
        return
    acct = estate.account_id()
    for ri, r in enumerate(regions):
        if r not in data:
            data[r] = _skeleton(estate, r, ri)
    vpcs = {r: (data[r].get("Vpcs") or [{"VpcId": None}])[0]["VpcId"]
            for r in regions}
    nports = len(SCALE_PORTS)
    rule_no = 0
    # Plain arithmetic instead of random: fast, and the same every time.
    for i in range(n):
        r = regions[i % len(regions)]
        gid = "sg-5ca1e%012x" % i
        perms = []
        for k in range(1 + (i * 7 + i // 3) % 3):
            port = SCALE_PORTS[(i * 31 + k * 17) % nports]
            if (i * 13 + k * 5) % 100 < SCALE_OPEN_PERCENT:
                cidr = "0.0.0.0/0"
            else:
                cidr = "10.%d.%d.0/24" % ((i >> 8) & 255, (i + k) & 255)
            rule_no += 1
            perms.append({"IpProtocol": "tcp", "FromPort": port,
                          "ToPort": port,
                          "IpRanges": [{"CidrIp": cidr,
                                        "SecurityGroupRuleId":
                                        "sgr-5ca1e%012x" % rule_no}]})
        rule_no += 1
        name = "scale-%d" % i
        data[r]["SecurityGroups"].append({
            "GroupId": gid, "GroupName": name,
            "Description": "generated group %d" % i, "OwnerId": acct,
            "VpcId": vpcs[r], "IpPermissions": perms,
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [
                {"CidrIp": "0.0.0.0/0",
                 "SecurityGroupRuleId": "sgr-5ca1e%012x" % rule_no}]}],
            "Tags": [{"Key": "Name", "Value": name}],
            SCALED: True})


def on_load(estate):
    data = estate.data("ec2")
    # Many small dicts: the cyclic collector would rescan them over and
    # over while they are made.
    gc.disable()
    try:
        _scale(estate, data)
    finally:
        gc.enable()
    for region in data.values():
        for key in REGION_SKELETON_KEYS:
            region.setdefault(key, [])
        for g in region["SecurityGroups"]:
            if SCALED not in g:
                _materialize_rule_ids(g)
    estate.cache["ec2"] = {}


# ------------------------------------------------------------------ caches

def _cache(estate, region):
    """Per-region indexes and XML, rebuilt after any change."""
    top = estate.cache.setdefault("ec2", {})
    c = top.get(region)
    if c is None:
        groups = _region(estate, region)["SecurityGroups"]
        c = {"by_id": {g["GroupId"]: g for g in groups},
             "sg_xml": {}, "rules": None, "rule_by_id": None}
        top[region] = c
    return c


def _invalidate(estate, region):
    estate.cache.setdefault("ec2", {}).pop(region, None)


def _sg_xml(estate, region, g):
    c = _cache(estate, region)
    x = c["sg_xml"].get(g["GroupId"])
    if x is None:
        shape = service_model("ec2").shape_for("SecurityGroup")
        x = "<item>" + shape_xml(shape, g) + "</item>"
        c["sg_xml"][g["GroupId"]] = x
    return x


def _rules_of(g):
    acct = g.get("OwnerId")
    out = []
    for egress, key in ((False, "IpPermissions"),
                        (True, "IpPermissionsEgress")):
        for perm in g.get(key, []):
            for src, field, rfield in SOURCES:
                for entry in perm.get(src, []):
                    r = {"SecurityGroupRuleId": entry["SecurityGroupRuleId"],
                         "GroupId": g["GroupId"], "GroupOwnerId": acct,
                         "IsEgress": egress,
                         "IpProtocol": perm.get("IpProtocol"),
                         "FromPort": perm.get("FromPort", -1),
                         "ToPort": perm.get("ToPort", -1)}
                    if rfield == "ReferencedGroupInfo":
                        r[rfield] = {"GroupId": entry.get("GroupId"),
                                     "UserId": entry.get("UserId", acct)}
                        if entry.get("VpcId"):
                            r[rfield]["VpcId"] = entry["VpcId"]
                    else:
                        r[rfield] = entry.get(field)
                    if entry.get("Description"):
                        r["Description"] = entry["Description"]
                    r["Tags"] = []
                    out.append(r)
    return out


def _rules(estate, region):
    """[(rule, xml)] of every rule of the region, in group order."""
    c = _cache(estate, region)
    if c["rules"] is None:
        shape = service_model("ec2").shape_for("SecurityGroupRule")
        rules = []
        for g in _region(estate, region)["SecurityGroups"]:
            for r in _rules_of(g):
                rules.append((r, "<item>" + shape_xml(shape, r) + "</item>"))
        c["rules"] = rules
        c["rule_by_id"] = {r["SecurityGroupRuleId"]: r for r, _ in rules}
    return c["rules"]


# ----------------------------------------------------------------- helpers

def _region(estate, region):
    data = estate.data("ec2")
    reg = data.get(region)
    if reg is None:
        reg = {k: [] for k in REGION_SKELETON_KEYS}
        data[region] = reg
    return reg


def _limit(estate, p, op):
    mx = MAX_RESULTS_ROUTE_TABLES if op == "DescribeRouteTables" \
        else MAX_RESULTS
    m = p.get("MaxResults")
    if m is not None and not MIN_RESULTS <= m <= mx:
        raise AwsError(400, "InvalidParameterValue",
                       f"Value ( {m} ) for parameter maxResults is invalid. "
                       f"Expecting a value between {MIN_RESULTS} and {mx}.")
    return estate.page_limit(m)


def _page(estate, items, p, op):
    size = _limit(estate, p, op)
    try:
        return paginate(items, p.get("NextToken"), size)
    except AwsError:
        raise AwsError(400, "InvalidParameterValue",
                       "The token is not valid: "
                       + str(p.get("NextToken"))[:64])


def _camel(part):
    return "".join(w[:1].upper() + w[1:] for w in part.split("-"))


def _resolve(item, path):
    """Values at a dotted filter path ('attachment.vpc-id')."""
    vals = [item]
    for part in path.split("."):
        key = _camel(part)
        nxt = []
        for v in vals:
            if not isinstance(v, dict):
                continue
            for k in (key, key + "s", key + "Set", key.replace("Id", "ID")):
                if k in v:
                    x = v[k]
                    nxt.extend(x if isinstance(x, list) else [x])
                    break
        vals = nxt
    return vals


def _str(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _tags(item):
    return item.get("Tags") or item.get("TagSet") or []


def _values(item, name, special):
    if name.startswith("tag:"):
        k = name[4:]
        return [t.get("Value", "") for t in _tags(item) if t.get("Key") == k]
    if name == "tag-key":
        return [t.get("Key") for t in _tags(item)]
    if name == "tag-value":
        return [t.get("Value") for t in _tags(item)]
    fn = special.get(name)
    if fn is not None:
        return fn(item)
    return _resolve(item, name)


def _filtered(items, filters, special, strict=False):
    if not filters:
        return items
    for f in filters:
        name = f.get("Name")
        if not name:
            raise AwsError(400, "InvalidParameterValue",
                           "The filter 'null' is invalid")
        if strict and name not in special and not name.startswith("tag"):
            raise AwsError(400, "InvalidParameterValue",
                           f"The filter '{name}' is invalid")
    out = []
    for it in items:
        ok = True
        for f in filters:
            want = f.get("Values", [])
            have = [_str(v) for v in _values(it, f["Name"], special)]
            if not any(fnmatch.fnmatchcase(h, w) for h in have
                       for w in want):
                ok = False
                break
        if ok:
            out.append(it)
    return out


def _perm_values(key, field):
    def get(g):
        return [e.get(field) for p in g.get(key, [])
                for e in p.get(field == "CidrIp" and "IpRanges" or
                               field == "CidrIpv6" and "Ipv6Ranges" or
                               "UserIdGroupPairs", [])]
    return get


def _perm_scalar(key, field):
    def get(g):
        return [p.get(field) for p in g.get(key, []) if field in p]
    return get


SG_FILTERS = {
    "group-id": lambda g: [g.get("GroupId")],
    "group-name": lambda g: [g.get("GroupName")],
    "description": lambda g: [g.get("Description")],
    "vpc-id": lambda g: [g.get("VpcId")],
    "owner-id": lambda g: [g.get("OwnerId")],
    "ip-permission.cidr": _perm_values("IpPermissions", "CidrIp"),
    "ip-permission.ipv6-cidr": _perm_values("IpPermissions", "CidrIpv6"),
    "ip-permission.group-id": _perm_values("IpPermissions", "GroupId"),
    "ip-permission.protocol": _perm_scalar("IpPermissions", "IpProtocol"),
    "ip-permission.from-port": _perm_scalar("IpPermissions", "FromPort"),
    "ip-permission.to-port": _perm_scalar("IpPermissions", "ToPort"),
    "egress.ip-permission.cidr": _perm_values("IpPermissionsEgress",
                                              "CidrIp"),
    "egress.ip-permission.protocol": _perm_scalar("IpPermissionsEgress",
                                                  "IpProtocol"),
}

RULE_FILTERS = {
    "group-id": lambda r: [r.get("GroupId")],
    "security-group-rule-id": lambda r: [r.get("SecurityGroupRuleId")],
}

INSTANCE_FILTERS = {
    "instance-state-name": lambda i: [i.get("State", {}).get("Name")],
    "instance-state-code": lambda i: [i.get("State", {}).get("Code")],
    "instance.group-id": lambda i: [g.get("GroupId")
                                    for g in i.get("SecurityGroups", [])],
    "instance.group-name": lambda i: [g.get("GroupName")
                                      for g in i.get("SecurityGroups", [])],
    "availability-zone": lambda i: [i.get("Placement", {})
                                    .get("AvailabilityZone")],
    "ip-address": lambda i: [i.get("PublicIpAddress")],
}


def _dry_run(p):
    if p.get("DryRun"):
        raise DRY_RUN_OK


# --------------------------------------------------------------- describes

def describe_regions(req, estate, p):
    _dry_run(p)
    enabled = set(estate.regions)
    if p.get("AllRegions"):
        names = list(estate.all_regions)
    else:
        names = list(estate.regions)
    for r in p.get("RegionNames", []):
        if r not in estate.all_regions:
            raise AwsError(400, "InvalidParameterValue",
                           f"Invalid region: {r}")
    if p.get("RegionNames"):
        names = [n for n in names if n in p["RegionNames"]]
    items = [{"RegionName": n, "Endpoint": f"ec2.{n}.amazonaws.com",
              "OptInStatus": "opt-in-not-required" if n in enabled
              else "not-opted-in"} for n in names]
    items = _filtered(items, p.get("Filters"), {
        "region-name": lambda r: [r["RegionName"]],
        "endpoint": lambda r: [r["Endpoint"]],
        "opt-in-status": lambda r: [r["OptInStatus"]]}, strict=True)
    return output_xml("ec2", "DescribeRegions", {"Regions": items})


def describe_security_groups(req, estate, p):
    _dry_run(p)
    region = req.region
    groups = _region(estate, region)["SecurityGroups"]
    ids = p.get("GroupIds") or []
    names = p.get("GroupNames") or []
    if (ids or names) and p.get("MaxResults") is not None:
        raise AwsError(400, "InvalidParameterCombination",
                       "The parameter groupIds cannot be used with the "
                       "parameter maxResults")
    by_id = _cache(estate, region)["by_id"]
    if ids:
        for gid in ids:
            if gid not in by_id:
                raise AwsError(400, "InvalidGroup.NotFound",
                               f"The security group '{gid}' does not "
                               "exist")
        wanted = set(ids)
        groups = [g for g in groups if g["GroupId"] in wanted]
    if names:
        have = {g["GroupName"] for g in groups}
        for n in names:
            if n not in have:
                raise AwsError(400, "InvalidGroup.NotFound",
                               f"The security group '{n}' does not exist "
                               "in default VPC")
        wanted = set(names)
        groups = [g for g in groups if g["GroupName"] in wanted]
    groups = _filtered(groups, p.get("Filters"), SG_FILTERS, strict=True)
    page, nxt = _page(estate, groups, p, "DescribeSecurityGroups")
    parts = ["<securityGroupInfo>"]
    parts.extend(_sg_xml(estate, region, g) for g in page)
    parts.append("</securityGroupInfo>")
    if nxt:
        parts.append(f"<nextToken>{nxt}</nextToken>")
    return "".join(parts)


def describe_security_group_rules(req, estate, p):
    _dry_run(p)
    region = req.region
    rules = _rules(estate, region)
    ids = p.get("SecurityGroupRuleIds") or []
    if ids:
        by_id = _cache(estate, region)["rule_by_id"]
        for rid in ids:
            if rid not in by_id:
                raise AwsError(400, "InvalidSecurityGroupRuleId.NotFound",
                               f"The security group rule ID '{rid}' does "
                               "not exist")
        wanted = set(ids)
        rules = [x for x in rules if x[0]["SecurityGroupRuleId"] in wanted]
    filters = p.get("Filters")
    if filters:
        # group-id alone is the common case: answer it from the index.
        kept = _filtered([r for r, _ in rules], filters, RULE_FILTERS,
                         strict=True)
        keep = {id(r) for r in kept}
        rules = [x for x in rules if id(x[0]) in keep]
    page, nxt = _page(estate, rules, p, "DescribeSecurityGroupRules")
    parts = ["<securityGroupRuleSet>"]
    parts.extend(x for _, x in page)
    parts.append("</securityGroupRuleSet>")
    if nxt:
        parts.append(f"<nextToken>{nxt}</nextToken>")
    return "".join(parts)


def describe_instances(req, estate, p):
    _dry_run(p)
    res = _region(estate, req.region)["Reservations"]
    ids = p.get("InstanceIds") or []
    known = {i["InstanceId"] for r in res for i in r.get("Instances", [])}
    for iid in ids:
        if iid not in known:
            raise AwsError(400, "InvalidInstanceID.NotFound",
                           f"The instance ID '{iid}' does not exist")
    if ids and p.get("MaxResults") is not None:
        raise AwsError(400, "InvalidParameterCombination",
                       "The parameter instancesSet cannot be used with the "
                       "parameter maxResults")
    out = []
    for r in res:
        insts = r.get("Instances", [])
        if ids:
            insts = [i for i in insts if i["InstanceId"] in ids]
        insts = _filtered(insts, p.get("Filters"), INSTANCE_FILTERS)
        if insts:
            out.append(dict(r, Instances=insts))
    page, nxt = _page(estate, out, p, "DescribeInstances")
    return output_xml("ec2", "DescribeInstances",
                      {"Reservations": page, "NextToken": nxt})


# (operation, estate key, ids parameter, id member, not-found code, noun)
SIMPLE = {
    "DescribeVpcs": ("Vpcs", "VpcIds", "VpcId", "InvalidVpcID.NotFound",
                     "vpc ID"),
    "DescribeSubnets": ("Subnets", "SubnetIds", "SubnetId",
                        "InvalidSubnetID.NotFound", "subnet ID"),
    "DescribeRouteTables": ("RouteTables", "RouteTableIds", "RouteTableId",
                            "InvalidRouteTableID.NotFound",
                            "routeTable ID"),
    "DescribeInternetGateways": ("InternetGateways", "InternetGatewayIds",
                                 "InternetGatewayId",
                                 "InvalidInternetGatewayID.NotFound",
                                 "internetGateway ID"),
    "DescribeNetworkAcls": ("NetworkAcls", "NetworkAclIds", "NetworkAclId",
                            "InvalidNetworkAclID.NotFound",
                            "networkAcl ID"),
    "DescribeNetworkInterfaces": ("NetworkInterfaces", "NetworkInterfaceIds",
                                  "NetworkInterfaceId",
                                  "InvalidNetworkInterfaceID.NotFound",
                                  "networkInterface ID"),
    "DescribeAddresses": ("Addresses", "AllocationIds", "AllocationId",
                          "InvalidAllocationID.NotFound", "allocation ID"),
}


def describe_simple(req, estate, p):
    key, ids_param, id_member, code, noun = SIMPLE[req.action]
    _dry_run(p)
    items = _region(estate, req.region)[key]
    ids = p.get(ids_param) or []
    if ids:
        known = {i.get(id_member) for i in items}
        for x in ids:
            if x not in known:
                raise AwsError(400, code, f"The {noun} '{x}' does not exist")
        items = [i for i in items if i.get(id_member) in ids]
    if req.action == "DescribeAddresses" and p.get("PublicIps"):
        known = {i.get("PublicIp") for i in items}
        for ip in p["PublicIps"]:
            if ip not in known:
                raise AwsError(400, "InvalidAddress.NotFound",
                               f"Address '{ip}' not found.")
        items = [i for i in items if i.get("PublicIp") in p["PublicIps"]]
    items = _filtered(items, p.get("Filters"), {})
    value = {key: items}
    op = service_model("ec2").operation_model(req.action)
    if "NextToken" in op.input_shape.members:
        value[key], value["NextToken"] = _page(estate, items, p, req.action)
    return output_xml("ec2", req.action, value)


def _owned(item, owners, acct):
    if not owners:
        return True
    for o in owners:
        if o == "self" and item.get("OwnerId") == acct:
            return True
        if o == item.get("OwnerId"):
            return True
    return False


def _public_snapshot(s):
    return any(c.get("Group") == "all"
               for c in s.get("CreateVolumePermissions", []))


def describe_snapshots(req, estate, p):
    _dry_run(p)
    acct = estate.account_id()
    items = _region(estate, req.region)["Snapshots"]
    ids = p.get("SnapshotIds") or []
    known = {s["SnapshotId"] for s in items}
    for x in ids:
        if x not in known:
            raise AwsError(400, "InvalidSnapshot.NotFound",
                           f"The snapshot '{x}' does not exist.")
    if ids:
        items = [s for s in items if s["SnapshotId"] in ids]
    items = [s for s in items if _owned(s, p.get("OwnerIds"), acct)]
    rb = p.get("RestorableByUserIds") or []
    if rb:
        def restorable(s):
            if s.get("OwnerId") == acct and ("self" in rb or acct in rb):
                return True
            for c in s.get("CreateVolumePermissions", []):
                if c.get("Group") == "all" and "all" in rb:
                    return True
                if c.get("UserId") and c["UserId"] in rb:
                    return True
            return False
        items = [s for s in items if restorable(s)]
    items = _filtered(items, p.get("Filters"), {
        "owner-id": lambda s: [s.get("OwnerId")],
        "snapshot-id": lambda s: [s.get("SnapshotId")],
        "volume-id": lambda s: [s.get("VolumeId")]})
    page, nxt = _page(estate, items, p, "DescribeSnapshots")
    return output_xml("ec2", "DescribeSnapshots",
                      {"Snapshots": page, "NextToken": nxt})


def describe_snapshot_attribute(req, estate, p):
    _dry_run(p)
    sid = p.get("SnapshotId")
    attr = p.get("Attribute")
    if not sid or not attr:
        raise AwsError(400, "MissingParameter",
                       "The request must contain the parameter "
                       + ("snapshotId" if not sid else "attribute"))
    if attr not in ("createVolumePermission", "productCodes"):
        raise AwsError(400, "InvalidParameterValue",
                       f"Value ({attr}) for parameter attribute is invalid.")
    snap = None
    for s in _region(estate, req.region)["Snapshots"]:
        if s["SnapshotId"] == sid:
            snap = s
    if snap is None:
        raise AwsError(400, "InvalidSnapshot.NotFound",
                       f"The snapshot '{sid}' does not exist.")
    value = {"SnapshotId": sid}
    if attr == "createVolumePermission":
        value["CreateVolumePermissions"] = \
            snap.get("CreateVolumePermissions", [])
    else:
        value["ProductCodes"] = snap.get("ProductCodes", [])
    return output_xml("ec2", "DescribeSnapshotAttribute", value)


def describe_images(req, estate, p):
    _dry_run(p)
    acct = estate.account_id()
    items = _region(estate, req.region)["Images"]
    ids = p.get("ImageIds") or []
    known = {i["ImageId"] for i in items}
    missing = [x for x in ids if x not in known]
    if missing:
        raise AwsError(400, "InvalidAMIID.NotFound",
                       f"The image id '[{', '.join(missing)}]' does not "
                       "exist")
    if ids:
        items = [i for i in items if i["ImageId"] in ids]
    items = [i for i in items if _owned(i, p.get("Owners"), acct)]
    eu = p.get("ExecutableUsers") or []
    if eu:
        items = [i for i in items
                 if (i.get("Public") and "all" in eu) or
                 (i.get("OwnerId") == acct and "self" in eu)]
    items = _filtered(items, p.get("Filters"), {
        "is-public": lambda i: [bool(i.get("Public"))],
        "owner-id": lambda i: [i.get("OwnerId")],
        "image-id": lambda i: [i.get("ImageId")]})
    return output_xml("ec2", "DescribeImages", {"Images": items})


# ------------------------------------------------------------- remediation

def _find_group(estate, region, p):
    gid = p.get("GroupId")
    groups = _region(estate, region)["SecurityGroups"]
    if gid:
        for g in groups:
            if g["GroupId"] == gid:
                return g
        raise AwsError(400, "InvalidGroup.NotFound",
                       f"The security group '{gid}' does not exist")
    name = p.get("GroupName")
    if name:
        for g in groups:
            if g["GroupName"] == name:
                return g
        raise AwsError(400, "InvalidGroup.NotFound",
                       f"The security group '{name}' does not exist in "
                       "default VPC")
    raise AwsError(400, "MissingParameter",
                   "The request must contain the parameter groupId")


def _entries(g, key):
    """(perm, source list name, entry) of every source in G[KEY]."""
    for perm in g.get(key, []):
        for src, _, _ in SOURCES:
            for e in perm.get(src, []):
                yield perm, src, e


def _drop(g, key, perm, src, entry):
    perm[src] = [e for e in perm[src] if e is not entry]
    if not any(perm.get(s) for s, _, _ in SOURCES):
        g[key] = [x for x in g[key] if x is not perm]


def _same_ports(perm, want):
    proto = str(want.get("IpProtocol", "")).lower()
    if proto in ("all", "-1"):
        proto = "-1"
    if str(perm.get("IpProtocol")) != proto:
        return False
    if proto == "-1":
        return True
    return perm.get("FromPort") == want.get("FromPort") and \
        perm.get("ToPort") == want.get("ToPort")


def _check_remediate(req):
    if not req.principal.get("can_remediate"):
        raise _unauthorized()


def revoke_ingress(req, estate, p):
    _check_remediate(req)
    region = req.region
    g = _find_group(estate, region, p)
    doomed = []
    rule_ids = p.get("SecurityGroupRuleIds") or []
    by_rule = {e.get("SecurityGroupRuleId"): (perm, src, e)
               for perm, src, e in _entries(g, "IpPermissions")}
    for rid in rule_ids:
        if rid not in by_rule:
            raise AwsError(400, "InvalidSecurityGroupRuleId.NotFound",
                           f"The security group rule ID '{rid}' does not "
                           "exist")
        doomed.append(by_rule[rid])
    perms = list(p.get("IpPermissions") or [])
    if p.get("IpProtocol") or p.get("CidrIp"):
        legacy = {"IpProtocol": p.get("IpProtocol", "-1"),
                  "FromPort": p.get("FromPort"), "ToPort": p.get("ToPort")}
        if p.get("CidrIp"):
            legacy["IpRanges"] = [{"CidrIp": p["CidrIp"]}]
        perms.append(legacy)
    for want in perms:
        asked = 0
        for src, field, _ in SOURCES:
            for w in want.get(src, []):
                asked += 1
                hit = None
                for perm, s, e in _entries(g, "IpPermissions"):
                    if s == src and e.get(field) == w.get(field) and \
                            _same_ports(perm, want):
                        hit = (perm, s, e)
                if hit is None:
                    raise AwsError(400, "InvalidPermission.NotFound",
                                   "The specified rule does not exist in "
                                   "this security group.")
                doomed.append(hit)
        if asked == 0:
            raise AwsError(400, "InvalidParameterValue",
                           "IpPermissions must name at least one source")
    if not doomed:
        raise AwsError(400, "MissingParameter",
                       "Either 'ipPermissions' or 'securityGroupRuleIds' "
                       "should be provided.")
    _dry_run(p)
    for perm, src, e in doomed:
        if e in perm.get(src, []):
            _drop(g, "IpPermissions", perm, src, e)
    _invalidate(estate, region)
    return output_xml("ec2", "RevokeSecurityGroupIngress", {"Return": True})


def modify_rules(req, estate, p):
    _check_remediate(req)
    region = req.region
    g = _find_group(estate, region, p)
    changes = p.get("SecurityGroupRules") or []
    if not changes:
        raise AwsError(400, "MissingParameter",
                       "The request must contain the parameter "
                       "SecurityGroupRule")
    plan = []
    for ch in changes:
        rid = ch.get("SecurityGroupRuleId")
        new = ch.get("SecurityGroupRule") or {}
        found = None
        for key in ("IpPermissions", "IpPermissionsEgress"):
            for perm, src, e in _entries(g, key):
                if e.get("SecurityGroupRuleId") == rid:
                    found = (key, perm, src, e)
        if found is None:
            raise AwsError(400, "InvalidSecurityGroupRuleId.NotFound",
                           f"The security group rule ID '{rid}' does not "
                           "exist")
        given = [k for k in ("CidrIpv4", "CidrIpv6", "PrefixListId",
                             "ReferencedGroupId") if new.get(k)]
        if len(given) != 1:
            raise AwsError(400, "InvalidParameterValue",
                           "Exactly one of CidrIpv4, CidrIpv6, PrefixListId "
                           "and ReferencedGroupId must be given")
        plan.append((found, new, given[0]))
    _dry_run(p)
    for (key, perm, src, e), new, kind in plan:
        proto = new.get("IpProtocol", perm.get("IpProtocol"))
        want = {"IpProtocol": proto,
                "FromPort": new.get("FromPort", perm.get("FromPort")),
                "ToPort": new.get("ToPort", perm.get("ToPort"))}
        if str(proto) in ("-1", "all"):
            want = {"IpProtocol": "-1"}
        rid = e["SecurityGroupRuleId"]
        _drop(g, key, perm, src, e)
        if kind == "CidrIpv4":
            nsrc, entry = "IpRanges", {"CidrIp": new[kind]}
        elif kind == "CidrIpv6":
            nsrc, entry = "Ipv6Ranges", {"CidrIpv6": new[kind]}
        elif kind == "PrefixListId":
            nsrc, entry = "PrefixListIds", {"PrefixListId": new[kind]}
        else:
            nsrc, entry = "UserIdGroupPairs", {
                "GroupId": new[kind], "UserId": g.get("OwnerId")}
        desc = new.get("Description", e.get("Description"))
        if desc:
            entry["Description"] = desc
        entry["SecurityGroupRuleId"] = rid
        target = None
        for perm2 in g.setdefault(key, []):
            if _same_ports(perm2, want):
                target = perm2
        if target is None:
            target = dict(want)
            g[key].append(target)
        target.setdefault(nsrc, []).append(entry)
    _invalidate(estate, region)
    return output_xml("ec2", "ModifySecurityGroupRules", {"Return": True})


ACTIONS = {
    "DescribeRegions": describe_regions,
    "DescribeSecurityGroups": describe_security_groups,
    "DescribeSecurityGroupRules": describe_security_group_rules,
    "DescribeInstances": describe_instances,
    "DescribeSnapshots": describe_snapshots,
    "DescribeSnapshotAttribute": describe_snapshot_attribute,
    "DescribeImages": describe_images,
    "RevokeSecurityGroupIngress": revoke_ingress,
    "ModifySecurityGroupRules": modify_rules,
}
for _op in SIMPLE:
    ACTIONS[_op] = describe_simple


def handle(req, estate):
    fn = ACTIONS.get(req.action)
    if fn is None:
        raise AwsError(400, "InvalidAction",
                       f"The action {req.action} is not valid for this web "
                       "service.")
    if req.action != "DescribeRegions" and req.region not in estate.regions:
        raise AwsError(401, "AuthFailure",
                       "AWS was not able to validate the provided access "
                       "credentials")
    p = parse_params("ec2", req.action, req.params)
    with estate.lock:
        inner = fn(req, estate, p)
    return Response.xml(200, ec2_response(req.action, inner))

