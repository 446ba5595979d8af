-- BENCH-041: Service account key older than allowed
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$.keyType') = 'USER_MANAGED' AND days_since(json_extract(res.json, '$.validAfterTime')) > param('max_age_days')
            THEN 'fail' ELSE 'pass' END AS status,
       'a user-managed key older than max_age_days' AS detail,
       days_since(json_extract(res.json, '$.validAfterTime')) AS value,
       'sa-key-age' AS condition
FROM resources AS res
WHERE res.type = 'gcp/iam/service-account-key'
