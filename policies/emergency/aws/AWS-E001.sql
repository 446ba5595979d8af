-- AWS-E001: an ingress rule of a security group opens an administrative
-- port (param ports) to every address, 0.0.0.0/0 or ::/0.
--
-- One row per ingress rule (IsEgress false); egress rules are no target.
-- param('ip_versions') ([4, 6] by default) limits the rules to those
-- whose source is an IPv4 or an IPv6 range: CIS counts 0.0.0.0/0 and ::/0
-- under two requirements.  Rules whose source is no range are always
-- judged.
-- A rule covers a port when its protocol is TCP and the port lies in
-- FromPort..ToPort (so 20-25 covers 22), or when its protocol is -1 (all
-- traffic, every port).  Sources that are other groups or prefix lists
-- are never "every address".
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
spans AS (
    SELECT id, name, cidr, peer,
           CASE WHEN proto IN ('-1', 'all') THEN '*'
                WHEN proto IN ('tcp', '6') AND lo IS NOT NULL
                     AND hi IS NOT NULL THEN lo || '-' || hi
           END AS span,
           CASE WHEN proto IN ('-1', 'all') THEN 'all traffic'
                WHEN proto IN ('icmp', 'icmpv6', '1', '58') OR lo IS NULL
                     THEN proto
                WHEN lo = hi THEN proto || ' ' || lo
                ELSE proto || ' ' || lo || '-' || hi
           END || ' from ' || peer AS rule
    FROM rules
),
hits AS (
    SELECT s.*,
           (SELECT group_concat(p.value, ',')
            FROM json_each(param('ports')) p
            WHERE s.span IS NOT NULL AND cidr_is_any(s.cidr)
              AND port_in(s.span, p.value)) AS open_ports
    FROM spans s
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN open_ports IS NOT NULL THEN 'fail' ELSE 'pass' END
         AS status,
       CASE WHEN open_ports IS NOT NULL
            THEN 'inbound ' || rule || ' opens administrative '
                 || CASE WHEN instr(open_ports, ',') > 0 THEN 'ports '
                         ELSE 'port ' END
                 || open_ports || ' to every address'
            ELSE 'inbound ' || rule END AS detail,
       rule AS value,
       'ports ' || param('ports') || ' closed to any address' AS condition
FROM hits
