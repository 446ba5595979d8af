-- BENCH-023: Storage account allows public blob access
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$.properties.allowBlobPublicAccess') = 1
            THEN 'fail' ELSE 'pass' END AS status,
       'allowBlobPublicAccess is true' AS detail,
       json_extract(res.json, '$.name') AS value,
       'public-blob' AS condition
FROM resources AS res
WHERE res.type = 'azure/storage/account'
