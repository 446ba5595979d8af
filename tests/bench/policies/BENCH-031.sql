-- BENCH-031: Firewall rule allows RDP from the Internet
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$.direction') = 'INGRESS'
         AND NOT coalesce(json_extract(res.json, '$.disabled'), 0)
         AND EXISTS (SELECT 1 FROM json_each(res.json, '$.sourceRanges') AS s
                     WHERE cidr_is_any(s.value))
         AND EXISTS (SELECT 1 FROM json_each(res.json, '$.allowed') AS a
                     WHERE json_extract(res.json, a.fullkey || '.IPProtocol') IN ('tcp', 'all')
                       AND port_in(coalesce(json_extract(res.json, a.fullkey || '.ports'), '*'), 3389))
            THEN 'fail' ELSE 'pass' END AS status,
       'ingress 3389 from 0.0.0.0/0' AS detail,
       json_extract(res.json, '$.network') AS value,
       'rdp-from-anywhere' AS condition
FROM resources AS res
WHERE res.type = 'gcp/compute/firewall'
