-- BENCH-010: Access key older than allowed
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (
           SELECT 1 FROM json_each(res.json, '$.AccessKeys') AS k
           WHERE json_extract(res.json, k.fullkey || '.Status') = 'Active'
             AND days_since(json_extract(res.json, k.fullkey || '.CreateDate')) > param('max_age_days'))
            THEN 'fail' ELSE 'pass' END AS status,
       'an active access key is older than max_age_days' AS detail,
       json_array_length(res.json, '$.AccessKeys') AS value,
       'key-age' AS condition
FROM resources AS res
WHERE res.type = 'aws/iam/user'
