-- BENCH-013: Database instance is publicly accessible
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$.PubliclyAccessible') = 1
            THEN 'fail' ELSE 'pass' END AS status,
       'PubliclyAccessible is true' AS detail,
       json_extract(res.json, '$.Endpoint.Address') AS value,
       'public-db' AS condition
FROM resources AS res
WHERE res.type = 'aws/rds/db-instance'
