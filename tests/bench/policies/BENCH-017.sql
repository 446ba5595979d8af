-- BENCH-017: Large unattached EBS volume
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$.State') = 'available' AND json_extract(res.json, '$.Size') > param('max_unattached_gib')
            THEN 'fail' ELSE 'pass' END AS status,
       'an unattached volume larger than max_unattached_gib' AS detail,
       json_extract(res.json, '$.Size') AS value,
       'unattached-volume' AS condition
FROM resources AS res
WHERE res.type = 'aws/ec2/volume'
