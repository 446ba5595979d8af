-- BENCH-034: VM uses the default service account with full API access
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN EXISTS (SELECT 1 FROM json_each(res.json, '$.serviceAccounts') AS sa
                  WHERE json_extract(res.json, sa.fullkey || '.email') LIKE '%-compute@developer.gserviceaccount.com'
                    AND EXISTS (SELECT 1 FROM json_each(sa.value, '$.scopes') AS sc
                                WHERE sc.value = 'https://www.googleapis.com/auth/cloud-platform'))
            THEN 'fail' ELSE 'pass' END AS status,
       'default compute service account with the cloud-platform scope' AS detail,
       json_extract(res.json, '$.serviceAccounts[0].email') AS value,
       'default-sa-full' AS condition
FROM resources AS res
WHERE res.type = 'gcp/compute/instance'
