-- BENCH-020: NSG allows any protocol and port from the Internet
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (
           SELECT 1 FROM json_each(res.json, '$.properties.securityRules') AS r
           WHERE json_extract(res.json, r.fullkey || '.properties.access') = 'Allow'
             AND json_extract(res.json, r.fullkey || '.properties.direction') = 'Inbound'
             AND json_extract(res.json, r.fullkey || '.properties.protocol') = '*'
             AND json_extract(res.json, r.fullkey || '.properties.destinationPortRange') = '*'
             AND cidr_is_any(json_extract(res.json, r.fullkey || '.properties.sourceAddressPrefix')))
            THEN 'fail' ELSE 'pass' END AS status,
       'an Allow rule opens everything to the Internet' AS detail,
       json_extract(res.json, '$.name') AS value,
       'any-from-internet' AS condition
FROM resources AS res
WHERE res.type = 'azure/network/nsg'
