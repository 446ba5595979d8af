-- BENCH-012: User has AdministratorAccess attached directly
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (SELECT 1 FROM json_each(res.json, '$.AttachedPolicies') AS ap
                  WHERE json_extract(res.json, ap.fullkey || '.PolicyName') = 'AdministratorAccess')
            THEN 'fail' ELSE 'pass' END AS status,
       'AdministratorAccess attached to the user' AS detail,
       json_extract(res.json, '$.UserName') AS value,
       'admin-attached' AS condition
FROM resources AS res
WHERE res.type = 'aws/iam/user'
