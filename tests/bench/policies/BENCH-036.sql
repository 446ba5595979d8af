-- BENCH-036: Bucket is readable by anyone
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (SELECT 1
                  FROM json_each(res.json, '$.iamPolicy.bindings') AS b,
                       json_each(b.value, '$.members') AS m
                  WHERE m.value IN ('allUsers', 'allAuthenticatedUsers'))
            THEN 'fail' ELSE 'pass' END AS status,
       'allUsers or allAuthenticatedUsers has a role' AS detail,
       json_extract(res.json, '$.name') AS value,
       'public-bucket' AS condition
FROM resources AS res
WHERE res.type = 'gcp/storage/bucket'
