-- AZ-E006: a firewall rule of an Azure SQL server admits every IPv4
-- address (0.0.0.0 up to 255.255.255.255, or a range that wide with
-- its start at 0.0.0.0 and its end at 255.255.255.255).  The special
-- rule 0.0.0.0-0.0.0.0 ("allow Azure services") is not this: it passes.
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN json_extract(json, '$.properties.startIpAddress') = '0.0.0.0'
                 AND json_extract(json, '$.properties.endIpAddress')
                     = '255.255.255.255'
            THEN 'fail' ELSE 'pass' END AS status,
       'firewall rule '
         || coalesce(json_extract(json, '$.properties.startIpAddress'), '?')
         || ' - '
         || coalesce(json_extract(json, '$.properties.endIpAddress'), '?')
         || CASE WHEN json_extract(json, '$.properties.startIpAddress')
                      = '0.0.0.0'
                      AND json_extract(json, '$.properties.endIpAddress')
                          = '255.255.255.255'
                 THEN ' admits every address' ELSE '' END AS detail,
       coalesce(json_extract(json, '$.properties.startIpAddress'), '?')
         || '-' || coalesce(json_extract(json, '$.properties.endIpAddress'), '?')
         AS value,
       'no rule from 0.0.0.0 to 255.255.255.255' AS condition
FROM resources
WHERE type = 'azure/sql-firewall-rule'
