-- BENCH-048: In-transit encryption of the boot volume is off
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$."launch-options"."is-pv-encryption-in-transit-enabled"') = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'is-pv-encryption-in-transit-enabled is false' AS detail,
       json_extract(res.json, '$.shape') AS value,
       'no-transit-encryption' AS condition
FROM resources AS res
WHERE res.type = 'oci/compute/instance'
