-- BENCH-009: S3 bucket versioning is not enabled
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$.Versioning.Status'), '') <> 'Enabled'
            THEN 'fail' ELSE 'pass' END AS status,
       'versioning is off or suspended' AS detail,
       json_extract(res.json, '$.Versioning.Status') AS value,
       'versioning-off' AS condition
FROM resources AS res
WHERE res.type = 'aws/s3/bucket'
