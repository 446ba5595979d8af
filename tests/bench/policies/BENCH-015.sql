-- BENCH-015: Backup retention shorter than required
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$.BackupRetentionPeriod'), 0) < param('min_retention_days')
            THEN 'fail' ELSE 'pass' END AS status,
       'backup retention below min_retention_days' AS detail,
       json_extract(res.json, '$.BackupRetentionPeriod') AS value,
       'short-retention' AS condition
FROM resources AS res
WHERE res.type = 'aws/rds/db-instance'
