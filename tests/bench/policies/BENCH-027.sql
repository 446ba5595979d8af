-- BENCH-027: Key vault is open to all networks
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$.properties.networkAcls.defaultAction'), 'Allow') = 'Allow'
            THEN 'fail' ELSE 'pass' END AS status,
       'network default action is Allow' AS detail,
       json_extract(res.json, '$.properties.networkAcls.defaultAction') AS value,
       'vault-open' AS condition
FROM resources AS res
WHERE res.type = 'azure/keyvault/vault'
