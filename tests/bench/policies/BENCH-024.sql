-- BENCH-024: Linux VM allows password sign-in
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$.properties.osProfile.linuxConfiguration.disablePasswordAuthentication') = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'disablePasswordAuthentication is false' AS detail,
       json_extract(res.json, '$.properties.osProfile.adminUsername') AS value,
       'password-auth' AS condition
FROM resources AS res
WHERE res.type = 'azure/compute/vm'
