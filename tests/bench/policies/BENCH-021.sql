-- BENCH-021: Storage account accepts plain HTTP
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$.properties.supportsHttpsTrafficOnly') = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'supportsHttpsTrafficOnly is false' AS detail,
       json_extract(res.json, '$.name') AS value,
       'http-allowed' AS condition
FROM resources AS res
WHERE res.type = 'azure/storage/account'
