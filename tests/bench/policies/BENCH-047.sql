-- BENCH-047: Instance serves the legacy metadata endpoints
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$."instance-options"."are-legacy-imds-endpoints-disabled"'), 0) = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'legacy IMDS endpoints enabled' AS detail,
       json_extract(res.json, '$.shape') AS value,
       'legacy-imds' AS condition
FROM resources AS res
WHERE res.type = 'oci/compute/instance'
