-- BENCH-050: API key older than allowed
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (SELECT 1 FROM json_each(res.json, '$."api-keys"') AS k
                  WHERE json_extract(res.json, k.fullkey || '."lifecycle-state"') = 'ACTIVE'
                    AND days_since(json_extract(res.json, k.fullkey || '."time-created"')) > param('max_age_days'))
            THEN 'fail' ELSE 'pass' END AS status,
       'an active API key older than max_age_days' AS detail,
       json_array_length(res.json, '$."api-keys"') AS value,
       'api-key-age' AS condition
FROM resources AS res
WHERE res.type = 'oci/identity/user'
