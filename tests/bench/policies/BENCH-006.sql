-- BENCH-006: Detailed monitoring is off
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$.Monitoring.State') = 'disabled'
            THEN 'fail' ELSE 'pass' END AS status,
       'CloudWatch detailed monitoring disabled' AS detail,
       json_extract(res.json, '$.InstanceType') AS value,
       'monitoring-off' AS condition
FROM resources AS res
WHERE res.type = 'aws/ec2/instance'
