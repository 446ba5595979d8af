-- BENCH-014: Database storage is not encrypted
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$.StorageEncrypted'), 0) = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'StorageEncrypted is false' AS detail,
       json_extract(res.json, '$.Engine') AS value,
       'db-unencrypted' AS condition
FROM resources AS res
WHERE res.type = 'aws/rds/db-instance'
