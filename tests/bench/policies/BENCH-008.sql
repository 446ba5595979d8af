-- BENCH-008: S3 bucket has no default encryption
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_array_length(res.json, '$.Encryption.Rules'), 0) = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'no server-side encryption rule' AS detail,
       json_extract(res.json, '$.Name') AS value,
       'no-encryption' AS condition
FROM resources AS res
WHERE res.type = 'aws/s3/bucket'
