-- BENCH-037: Uniform bucket-level access is off
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$.iamConfiguration.uniformBucketLevelAccess.enabled'), 0) = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'uniformBucketLevelAccess disabled' AS detail,
       json_extract(res.json, '$.name') AS value,
       'ubla-off' AS condition
FROM resources AS res
WHERE res.type = 'gcp/storage/bucket'
