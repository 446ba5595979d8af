-- BENCH-039: Cloud SQL accepts connections without SSL
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$.settings.ipConfiguration.ipv4Enabled') = 1 AND coalesce(json_extract(res.json, '$.settings.ipConfiguration.requireSsl'), 0) = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'public IP without requireSsl' AS detail,
       json_extract(res.json, '$.databaseVersion') AS value,
       'no-ssl' AS condition
FROM resources AS res
WHERE res.type = 'gcp/sql/instance'
