-- BENCH-045: Bucket allows public reads
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$."public-access-type"'), 'NoPublicAccess') <> 'NoPublicAccess'
            THEN 'fail' ELSE 'pass' END AS status,
       'public-access-type is not NoPublicAccess' AS detail,
       json_extract(res.json, '$."public-access-type"') AS value,
       'public-bucket' AS condition
FROM resources AS res
WHERE res.type = 'oci/objectstorage/bucket'
