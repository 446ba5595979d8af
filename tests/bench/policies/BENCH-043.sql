-- BENCH-043: Security list allows RDP from the Internet
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (
           SELECT 1 FROM json_each(res.json, '$."ingress-security-rules"') AS r
           WHERE cidr_is_any(json_extract(res.json, r.fullkey || '.source'))
             AND (json_extract(res.json, r.fullkey || '.protocol') = 'all'
                  OR (json_extract(res.json, r.fullkey || '.protocol') = '6'
                      AND (json_extract(res.json, r.fullkey || '."tcp-options"."destination-port-range"') IS NULL
                           OR port_in(json_extract(res.json, r.fullkey || '."tcp-options"."destination-port-range".min') || '-' ||
                                      json_extract(res.json, r.fullkey || '."tcp-options"."destination-port-range".max'), 3389)))))
            THEN 'fail' ELSE 'pass' END AS status,
       'ingress TCP 3389 from 0.0.0.0/0' AS detail,
       json_extract(res.json, '$."display-name"') AS value,
       'rdp-from-anywhere' AS condition
FROM resources AS res
WHERE res.type = 'oci/network/security-list'
