-- BENCH-029: SQL server allows TLS older than 1.2
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$.properties.minimalTlsVersion'), '1.0') NOT IN ('1.2', '1.3')
            THEN 'fail' ELSE 'pass' END AS status,
       'minimalTlsVersion below 1.2' AS detail,
       json_extract(res.json, '$.properties.minimalTlsVersion') AS value,
       'sql-old-tls' AS condition
FROM resources AS res
WHERE res.type = 'azure/sql/server'
