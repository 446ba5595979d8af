-- BENCH-001: Security group allows SSH from the Internet
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (
           SELECT 1
           FROM json_each(res.json, '$.IpPermissions') AS p,
                json_each(p.value, '$.IpRanges') AS r
           WHERE cidr_is_any(r.value ->> '$.CidrIp')
             AND (json_extract(res.json, p.fullkey || '.IpProtocol') = '-1'
                  OR port_in(json_extract(res.json, p.fullkey || '.FromPort') || '-' ||
                             json_extract(res.json, p.fullkey || '.ToPort'), 22)))
            THEN 'fail' ELSE 'pass' END AS status,
       'inbound TCP 22 from 0.0.0.0/0' AS detail,
       json_extract(res.json, '$.GroupId') AS value,
       'ssh-from-anywhere' AS condition
FROM resources AS res
WHERE res.type = 'aws/ec2/security-group'
