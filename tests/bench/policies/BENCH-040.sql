-- BENCH-040: Cloud SQL automated backups are off
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$.settings.backupConfiguration.enabled'), 0) = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'backupConfiguration.enabled is false' AS detail,
       json_extract(res.json, '$.name') AS value,
       'no-backup' AS condition
FROM resources AS res
WHERE res.type = 'gcp/sql/instance'
