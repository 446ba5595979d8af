-- BENCH-032: Firewall rule logging is off
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$.logConfig.enable'), 0) = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'logConfig.enable is not true' AS detail,
       json_extract(res.json, '$.name') AS value,
       'fw-logging-off' AS condition
FROM resources AS res
WHERE res.type = 'gcp/compute/firewall'
