-- BENCH-044: Security list allows every protocol from the Internet
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (SELECT 1 FROM json_each(res.json, '$."ingress-security-rules"') AS r
                  WHERE json_extract(res.json, r.fullkey || '.protocol') = 'all'
                    AND cidr_is_any(json_extract(res.json, r.fullkey || '.source')))
            THEN 'fail' ELSE 'pass' END AS status,
       'protocol all from 0.0.0.0/0' AS detail,
       json_extract(res.json, '$."display-name"') AS value,
       'all-from-anywhere' AS condition
FROM resources AS res
WHERE res.type = 'oci/network/security-list'
