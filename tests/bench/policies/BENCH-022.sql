-- BENCH-022: Storage account allows TLS older than 1.2
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$.properties.minimumTlsVersion'), 'TLS1_0') NOT IN ('TLS1_2', 'TLS1_3')
            THEN 'fail' ELSE 'pass' END AS status,
       'minimumTlsVersion below TLS1_2' AS detail,
       json_extract(res.json, '$.properties.minimumTlsVersion') AS value,
       'old-tls' AS condition
FROM resources AS res
WHERE res.type = 'azure/storage/account'
