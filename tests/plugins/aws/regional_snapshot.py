#!/usr/bin/python3
"""regional_snapshot.py SNAPSHOT.db ESTATE-DIR

Checks that a snapshot of the demo account holds every EC2, ELBv2 and RDS
resource of the fake's estate (ec2.json, elbv2.json, rds.json) with the
id, name, region and JSON members plugins/aws/README.md promises, and no
collector error of ec2, ec2-images, elbv2 or rds.  Prints one line per
problem and exits 1 when there is any.
"""

import json
import sqlite3
import sys

OURS = ("ec2", "ec2-images", "elbv2", "rds")
problems = []


def bad(msg):
    problems.append(msg)


def name_tag(item, default):
    for t in item.get("Tags") or []:
        if t.get("Key") == "Name":
            return t.get("Value")
    return default


class Snapshot:
    def __init__(self, path, account):
        db = sqlite3.connect("file:" + path + "?mode=ro", uri=True)
        self.account = account
        self.rows = {}
        self.by_type = {}
        for typ, rid, name, region, text in db.execute(
                "SELECT type, id, name, region, json FROM resources"):
            if (typ, rid) in self.rows:
                bad(f"{typ} {rid} is there twice")
            self.rows[(typ, rid)] = (name, region, json.loads(text))
            self.by_type.setdefault(typ, set()).add(rid)
        self.errors = db.execute(
            "SELECT collector, error, message FROM collector_errors"
        ).fetchall()
        db.close()

    def get(self, typ, rid, name, region):
        """The JSON of one resource, its name and region checked."""
        row = self.rows.get((typ, rid))
        if row is None:
            bad(f"missing {typ} {rid}")
            return None
        if row[0] != name:
            bad(f"{typ} {rid}: name {row[0]!r}, expected {name!r}")
        if row[1] != region:
            bad(f"{typ} {rid}: region {row[1]!r}, expected {region!r}")
        return row[2]


def expect(what, got, want):
    if got != want or type(got) is not type(want):
        bad(f"{what}: {got!r}, expected {want!r}")


def is_list(what, v, n=None):
    if not isinstance(v, list):
        bad(f"{what} is not an array: {v!r}")
        return False
    if n is not None and len(v) != n:
        bad(f"{what} has {len(v)} elements, expected {n}")
        return False
    return True


def arn(region, kind, rid, account):
    return f"arn:aws:ec2:{region}:{account}:{kind}/{rid}"


# Sources of a permission: estate member, our member, CIDR key, rule key.
SOURCES = (("IpRanges", "IpRanges", "CidrIp", "CidrIpv4"),
           ("Ipv6Ranges", "Ipv6Ranges", "CidrIpv6", "CidrIpv6"),
           ("PrefixListIds", "PrefixListIds", "PrefixListId",
            "PrefixListId"),
           ("UserIdGroupPairs", "Groups", "GroupId", None))


def check_perm(what, ours, theirs):
    expect(what + ".IpProtocol", str(ours.get("IpProtocol")),
           str(theirs["IpProtocol"]))
    for port in ("FromPort", "ToPort"):
        if port in theirs:
            expect(f"{what}.{port}", ours.get(port), theirs[port])
    for src, member, key, _ in SOURCES:
        if is_list(f"{what}.{member}", ours.get(member),
                   len(theirs.get(src) or [])):
            expect(f"{what}.{member}",
                   [e.get(key) for e in ours[member]],
                   [e.get(key) for e in theirs.get(src) or []])


def check_groups(s, region, groups):
    rules = 0
    for g in groups:
        gid = g["GroupId"]
        j = s.get("aws/ec2-security-group", arn(region, "security-group",
                  gid, s.account), g["GroupName"], region)
        if j is None:
            continue
        expect(gid + " GroupId", j.get("GroupId"), gid)
        expect(gid + " Description", j.get("Description"),
               g["Description"])
        expect(gid + " VpcId", j.get("VpcId"), g["VpcId"])
        for key in ("IpPermissions", "IpPermissionsEgress"):
            want = g.get(key) or []
            if not is_list(f"{gid} {key}", j.get(key), len(want)):
                continue
            for i, (ours, theirs) in enumerate(zip(j[key], want)):
                check_perm(f"{gid} {key}[{i}]", ours, theirs)
                for src, _, ckey, rkey in SOURCES:
                    for e in theirs.get(src) or []:
                        rules += 1
                        check_rule(s, region, g, key, theirs, e, ckey,
                                   rkey)
    return rules


def check_rule(s, region, g, key, perm, entry, ckey, rkey):
    rid = entry.get("SecurityGroupRuleId")
    if rid is None:
        return
    j = s.get("aws/ec2-security-group-rule",
              arn(region, "security-group-rule", rid, s.account),
              f"{g['GroupName']}/{rid}", region)
    if j is None:
        return
    expect(rid + " GroupId", j.get("GroupId"), g["GroupId"])
    expect(rid + " GroupName", j.get("GroupName"), g["GroupName"])
    expect(rid + " IsEgress", j.get("IsEgress"),
           key == "IpPermissionsEgress")
    expect(rid + " IpProtocol", str(j.get("IpProtocol")),
           str(perm["IpProtocol"]))
    if "FromPort" in perm:
        expect(rid + " FromPort", j.get("FromPort"), perm["FromPort"])
        expect(rid + " ToPort", j.get("ToPort"), perm["ToPort"])
    if rkey is not None:
        expect(rid + " " + rkey, j.get(rkey), entry[ckey])
    else:
        ref = j.get("ReferencedGroupInfo") or {}
        expect(rid + " ReferencedGroupInfo.GroupId", ref.get("GroupId"),
               entry["GroupId"])


def check_instances(s, region, reservations):
    n = 0
    for res in reservations:
        for inst in res.get("Instances") or []:
            n += 1
            iid = inst["InstanceId"]
            j = s.get("aws/ec2-instance", arn(region, "instance", iid,
                      s.account), name_tag(inst, iid), region)
            if j is None:
                continue
            expect(iid + " State.Name", (j.get("State") or {}).get("Name"),
                   inst["State"]["Name"])
            expect(iid + " InstanceType", j.get("InstanceType"),
                   inst["InstanceType"])
            expect(iid + " PublicIpAddress", j.get("PublicIpAddress"),
                   inst.get("PublicIpAddress"))
            expect(iid + " PrivateIpAddress", j.get("PrivateIpAddress"),
                   inst.get("PrivateIpAddress"))
            want = inst.get("SecurityGroups") or []
            if is_list(iid + " GroupSet", j.get("GroupSet"), len(want)):
                expect(iid + " GroupSet",
                       [(x.get("GroupId"), x.get("GroupName"))
                        for x in j["GroupSet"]],
                       [(x["GroupId"], x["GroupName"]) for x in want])
            is_list(iid + " TagSet", j.get("TagSet"),
                    len(inst.get("Tags") or []))
    return n


# Estate list, type, ARN kind, id member, name, (estate list, our list).
PLAIN = (
    ("NetworkInterfaces", "aws/ec2-network-interface", "network-interface",
     "NetworkInterfaceId", "id", ("Groups", "GroupSet")),
    ("Addresses", "aws/ec2-address", "elastic-ip", "AllocationId",
     "PublicIp", ("Tags", "TagSet")),
    ("Vpcs", "aws/ec2-vpc", "vpc", "VpcId", "tag",
     ("CidrBlockAssociationSet", "CidrBlockAssociationSet")),
    ("Subnets", "aws/ec2-subnet", "subnet", "SubnetId", "tag",
     ("Ipv6CidrBlockAssociationSet", "Ipv6CidrBlockAssociationSet")),
    ("RouteTables", "aws/ec2-route-table", "route-table", "RouteTableId",
     "tag", ("Routes", "RouteSet")),
    ("InternetGateways", "aws/ec2-internet-gateway", "internet-gateway",
     "InternetGatewayId", "tag", ("Attachments", "AttachmentSet")),
    ("NetworkAcls", "aws/ec2-network-acl", "network-acl", "NetworkAclId",
     "tag", ("Entries", "EntrySet")),
)


def check_plain(s, region, data):
    for key, typ, kind, idm, naming, (theirs, ours) in PLAIN:
        for item in data.get(key) or []:
            rid = item[idm]
            name = rid if naming == "id" else item[naming] \
                if naming != "tag" else name_tag(item, rid)
            j = s.get(typ, arn(region, kind, rid, s.account), name, region)
            if j is None:
                continue
            expect(f"{rid} {idm}", j.get(idm), rid)
            is_list(f"{rid} {ours}", j.get(ours),
                    len(item.get(theirs) or []))


def check_images(s, region, data):
    for snap in data.get("Snapshots") or []:
        sid = snap["SnapshotId"]
        j = s.get("aws/ec2-snapshot", f"arn:aws:ec2:{region}::snapshot/{sid}",
                  sid, region)
        if j is None:
            continue
        public = any(p.get("Group") == "all"
                     for p in snap.get("CreateVolumePermissions") or [])
        expect(sid + " Public", j.get("Public"), public)
        expect(sid + " VolumeSize", j.get("VolumeSize"), snap["VolumeSize"])
        expect(sid + " Encrypted", j.get("Encrypted"), snap["Encrypted"])
    for img in data.get("Images") or []:
        iid = img["ImageId"]
        j = s.get("aws/ec2-image", f"arn:aws:ec2:{region}::image/{iid}",
                  img.get("Name", iid), region)
        if j is None:
            continue
        expect(iid + " IsPublic", j.get("IsPublic"),
               img.get("IsPublic", img.get("Public")))
        is_list(iid + " BlockDeviceMapping", j.get("BlockDeviceMapping"),
                len(img.get("BlockDeviceMappings") or []))


def check_elbv2(s, region, data):
    for lb in data.get("LoadBalancers") or []:
        j = s.get("aws/elbv2-load-balancer", lb["LoadBalancerArn"],
                  lb["LoadBalancerName"], region)
        if j is None:
            continue
        expect(lb["LoadBalancerName"] + " Scheme", j.get("Scheme"),
               lb["Scheme"])
        is_list(lb["LoadBalancerName"] + " SecurityGroups",
                j.get("SecurityGroups"), len(lb.get("SecurityGroups", [])))
        want = lb.get("Listeners") or []
        if is_list(lb["LoadBalancerName"] + " Listeners", j.get("Listeners"),
                   len(want)):
            expect(lb["LoadBalancerName"] + " listener ports",
                   sorted(x.get("Port") for x in j["Listeners"]),
                   sorted(x["Port"] for x in want))
            for x in j["Listeners"]:
                is_list(lb["LoadBalancerName"] + " DefaultActions",
                        x.get("DefaultActions"))


def check_rds(s, region, data):
    for db in data.get("DBInstances") or []:
        name = db["DBInstanceIdentifier"]
        rid = db.get("DBInstanceArn") or \
            f"arn:aws:rds:{region}:{s.account}:db:{name}"
        j = s.get("aws/rds-db-instance", rid, name, region)
        if j is None:
            continue
        expect(name + " Engine", j.get("Engine"), db["Engine"])
        expect(name + " PubliclyAccessible", j.get("PubliclyAccessible"),
               db["PubliclyAccessible"])
        expect(name + " StorageEncrypted", j.get("StorageEncrypted"),
               db.get("StorageEncrypted"))
        expect(name + " Endpoint.Port", (j.get("Endpoint") or {}).get("Port"),
               db["Endpoint"]["Port"])
        is_list(name + " VpcSecurityGroups", j.get("VpcSecurityGroups"),
                len(db.get("VpcSecurityGroups") or []))


def main():
    path, estate = sys.argv[1], sys.argv[2]

    def load(name):
        with open(f"{estate}/{name}.json", encoding="utf-8") as f:
            return json.load(f)

    account = load("account")
    acct = str(account.get("AccountId") or account.get("account_id") or
               "123456789012")
    s = Snapshot(path, acct)
    for c, err, msg in s.errors:
        if c in OURS:
            bad(f"collector error {c}: {err}: {msg}")
    ec2, elb, rds = load("ec2"), load("elbv2"), load("rds")
    totals = {"rules": 0, "instances": 0}
    for region, data in ec2.items():
        if not isinstance(data, dict) or "SecurityGroups" not in data:
            continue
        totals["rules"] += check_groups(s, region, data["SecurityGroups"])
        totals["instances"] += check_instances(
            s, region, data.get("Reservations") or [])
        check_plain(s, region, data)
        check_images(s, region, data)
    for region, data in elb.items():
        if isinstance(data, dict):
            check_elbv2(s, region, data)
    for region, data in rds.items():
        if isinstance(data, dict):
            check_rds(s, region, data)
    # Nothing more than the estate: one rule per source of a permission.
    expect("rules in the snapshot",
           len(s.by_type.get("aws/ec2-security-group-rule", ())),
           totals["rules"])
    expect("instances in the snapshot",
           len(s.by_type.get("aws/ec2-instance", ())), totals["instances"])
    for p in problems:
        print(p)
    counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(s.by_type.items())
                       if k.startswith(("aws/ec2", "aws/elbv2", "aws/rds")))
    print(f"{len(problems)} problem(s); {counts}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
