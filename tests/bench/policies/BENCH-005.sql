-- BENCH-005: Instance has a public IP address
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN cidr_is_public(json_extract(res.json, '$.PublicIpAddress'))
            THEN 'fail' ELSE 'pass' END AS status,
       'reachable at a public address' AS detail,
       json_extract(res.json, '$.PublicIpAddress') AS value,
       'public-ip' AS condition
FROM resources AS res
WHERE res.type = 'aws/ec2/instance'
