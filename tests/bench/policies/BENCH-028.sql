-- BENCH-028: SQL server firewall admits every address
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (SELECT 1 FROM json_each(res.json, '$.firewallRules') AS f
                  WHERE json_extract(res.json, f.fullkey || '.properties.startIpAddress') = '0.0.0.0'
                    AND json_extract(res.json, f.fullkey || '.properties.endIpAddress') = '255.255.255.255')
            THEN 'fail' ELSE 'pass' END AS status,
       'a firewall rule covers 0.0.0.0-255.255.255.255' AS detail,
       json_extract(res.json, '$.name') AS value,
       'sql-open' AS condition
FROM resources AS res
WHERE res.type = 'azure/sql/server'
