-- BENCH-018: NSG allows RDP from the Internet
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (
           SELECT 1 FROM json_each(res.json, '$.properties.securityRules') AS r
           WHERE json_extract(res.json, r.fullkey || '.properties.access') = 'Allow'
             AND json_extract(res.json, r.fullkey || '.properties.direction') = 'Inbound'
             AND cidr_is_any(json_extract(res.json, r.fullkey || '.properties.sourceAddressPrefix'))
             AND port_in(json_extract(res.json, r.fullkey || '.properties.destinationPortRange'), 3389))
            THEN 'fail' ELSE 'pass' END AS status,
       'an Allow rule lets the Internet reach 3389' AS detail,
       json_extract(res.json, '$.name') AS value,
       'rdp-from-internet' AS condition
FROM resources AS res
WHERE res.type = 'azure/network/nsg'
