-- BENCH-016: EBS volume is not encrypted
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$.Encrypted') = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'Encrypted is false' AS detail,
       json_extract(res.json, '$.Size') AS value,
       'volume-unencrypted' AS condition
FROM resources AS res
WHERE res.type = 'aws/ec2/volume'
