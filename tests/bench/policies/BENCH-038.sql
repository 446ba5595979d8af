-- BENCH-038: Cloud SQL authorizes the whole Internet
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (SELECT 1 FROM json_each(res.json, '$.settings.ipConfiguration.authorizedNetworks') AS n
                  WHERE cidr_is_any(json_extract(res.json, n.fullkey || '.value')))
            THEN 'fail' ELSE 'pass' END AS status,
       'authorized network 0.0.0.0/0' AS detail,
       json_extract(res.json, '$.name') AS value,
       'sql-open' AS condition
FROM resources AS res
WHERE res.type = 'gcp/sql/instance'
