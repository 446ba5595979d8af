-- BENCH-026: Key vault purge protection is off
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$.properties.enablePurgeProtection'), 0) = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'enablePurgeProtection is not true' AS detail,
       json_extract(res.json, '$.name') AS value,
       'purge-protection-off' AS condition
FROM resources AS res
WHERE res.type = 'azure/keyvault/vault'
