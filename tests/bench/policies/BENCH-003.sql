-- BENCH-003: Security group allows all traffic from the Internet
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (
           SELECT 1
           FROM json_each(res.json, '$.IpPermissions') AS p
           WHERE json_extract(res.json, p.fullkey || '.IpProtocol') = '-1'
             AND (EXISTS (SELECT 1 FROM json_each(p.value, '$.IpRanges') AS r
                          WHERE cidr_is_any(json_extract(r.value, '$.CidrIp')))
                  OR EXISTS (SELECT 1 FROM json_each(p.value, '$.Ipv6Ranges') AS r6
                             WHERE cidr_is_any(json_extract(r6.value, '$.CidrIpv6')))))
            THEN 'fail' ELSE 'pass' END AS status,
       'all protocols and ports open to the Internet' AS detail,
       json_extract(res.json, '$.GroupId') AS value,
       'all-from-anywhere' AS condition
FROM resources AS res
WHERE res.type = 'aws/ec2/security-group'
