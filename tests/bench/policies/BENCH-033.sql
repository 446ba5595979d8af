-- BENCH-033: VM instance has an external IP
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (SELECT 1
                  FROM json_each(res.json, '$.networkInterfaces') AS ni,
                       json_each(ni.value, '$.accessConfigs') AS ac
                  WHERE json_extract(ac.value, '$.natIP') IS NOT NULL)
            THEN 'fail' ELSE 'pass' END AS status,
       'an access config with a NAT IP' AS detail,
       json_extract(res.json, '$.networkInterfaces[0].accessConfigs[0].natIP') AS value,
       'external-ip' AS condition
FROM resources AS res
WHERE res.type = 'gcp/compute/instance'
