SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN days_since(json_extract(json, '$.key_created')) >
                 param('max_age_days')
            THEN 'fail' ELSE 'pass' END AS status,
       'access key age in days' AS detail,
       days_since(json_extract(json, '$.key_created')) AS value,
       'key-age' AS condition
FROM resources
WHERE type = 'testcloud/iam/user'
  AND json_extract(json, '$.key_created') IS NOT NULL
