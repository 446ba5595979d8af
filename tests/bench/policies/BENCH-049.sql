-- BENCH-049: User without MFA
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$."is-mfa-activated"') = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'is-mfa-activated is false' AS detail,
       json_extract(res.json, '$.name') AS value,
       'no-mfa' AS condition
FROM resources AS res
WHERE res.type = 'oci/identity/user'
