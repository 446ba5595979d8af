-- AWS-E003: an ingress rule of a security group lets all traffic in from
-- every address: protocol -1, or TCP or UDP over the whole port range
-- (0-65535 or 1-65535), from 0.0.0.0/0 or ::/0.
--
-- One row per ingress rule (IsEgress false); egress rules are no target.
-- param('ip_versions') ([4, 6] by default) limits the rules to those
-- whose source is an IPv4 or an IPv6 range: CIS counts 0.0.0.0/0 and ::/0
-- under two requirements.  Rules whose source is no range are always
-- judged.
WITH rules AS (
    SELECT r.id, r.name,
           lower(CAST(json_extract(r.json, '$.IpProtocol') AS TEXT)) AS proto,
           json_extract(r.json, '$.FromPort') AS lo,
           json_extract(r.json, '$.ToPort') AS hi,
           coalesce(json_extract(r.json, '$.CidrIpv4'),
                    json_extract(r.json, '$.CidrIpv6')) AS cidr,
           coalesce(json_extract(r.json, '$.CidrIpv4'),
                    json_extract(r.json, '$.CidrIpv6'),
                    json_extract(r.json, '$.ReferencedGroupInfo.GroupId'),
                    json_extract(r.json, '$.PrefixListId'), '?') AS peer
    FROM resources r
    WHERE r.type = 'aws/ec2-security-group-rule'
      AND json_extract(r.json, '$.IsEgress') IN (0, 'false')
      AND (json_extract(r.json, '$.CidrIpv4') IS NULL
           OR EXISTS (SELECT 1 FROM json_each(param('ip_versions')) v
                      WHERE v.value = 4))
      AND (json_extract(r.json, '$.CidrIpv6') IS NULL
           OR EXISTS (SELECT 1 FROM json_each(param('ip_versions')) v
                      WHERE v.value = 6))
),
judged AS (
    SELECT id, name,
           coalesce(cidr_is_any(cidr), 0) AND
           (proto IN ('-1', 'all') OR
            (proto IN ('tcp', 'udp', '6', '17') AND lo <= 1 AND hi >= 65535))
             AS open_all,
           CASE WHEN proto IN ('-1', 'all') THEN 'all traffic'
                WHEN proto IN ('icmp', 'icmpv6', '1', '58') OR lo IS NULL
                     THEN proto
                WHEN lo = hi THEN proto || ' ' || lo
                ELSE proto || ' ' || lo || '-' || hi
           END || ' from ' || peer AS rule
    FROM rules
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN open_all THEN 'fail' ELSE 'pass' END AS status,
       CASE WHEN open_all
            THEN 'inbound ' || rule || ' lets every port in from every address'
            ELSE 'inbound ' || rule END AS detail,
       rule AS value,
       'not every port open to any address' AS condition
FROM judged
