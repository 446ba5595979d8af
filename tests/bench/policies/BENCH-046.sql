-- BENCH-046: Bucket is not encrypted with a customer-managed key
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$."kms-key-id"') IS NULL
            THEN 'fail' ELSE 'pass' END AS status,
       'no kms-key-id' AS detail,
       json_extract(res.json, '$.name') AS value,
       'no-cmk' AS condition
FROM resources AS res
WHERE res.type = 'oci/objectstorage/bucket'
