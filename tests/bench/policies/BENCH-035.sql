-- BENCH-035: VM can forward IP packets
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$.canIpForward') = 1
            THEN 'fail' ELSE 'pass' END AS status,
       'canIpForward is true' AS detail,
       json_extract(res.json, '$.name') AS value,
       'ip-forward' AS condition
FROM resources AS res
WHERE res.type = 'gcp/compute/instance'
