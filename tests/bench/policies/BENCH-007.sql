-- BENCH-007: S3 Block Public Access is not fully on
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN NOT (coalesce(json_extract(res.json, '$.PublicAccessBlock.BlockPublicAcls'), 0)
                AND coalesce(json_extract(res.json, '$.PublicAccessBlock.IgnorePublicAcls'), 0)
                AND coalesce(json_extract(res.json, '$.PublicAccessBlock.BlockPublicPolicy'), 0)
                AND coalesce(json_extract(res.json, '$.PublicAccessBlock.RestrictPublicBuckets'), 0))
            THEN 'fail' ELSE 'pass' END AS status,
       'one of the four Block Public Access settings is off' AS detail,
       json_extract(res.json, '$.PublicAccessBlock') AS value,
       'public-access-block' AS condition
FROM resources AS res
WHERE res.type = 'aws/s3/bucket'
