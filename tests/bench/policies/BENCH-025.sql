-- BENCH-025: VM boot diagnostics are off
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$.properties.diagnosticsProfile.bootDiagnostics.enabled'), 0) = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'boot diagnostics disabled' AS detail,
       json_extract(res.json, '$.properties.hardwareProfile.vmSize') AS value,
       'boot-diag-off' AS condition
FROM resources AS res
WHERE res.type = 'azure/compute/vm'
