-- BENCH-004: Instance metadata service allows IMDSv1
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN coalesce(json_extract(res.json, '$.MetadataOptions.HttpTokens'), 'optional') <> 'required'
            THEN 'fail' ELSE 'pass' END AS status,
       'HttpTokens is not "required"' AS detail,
       json_extract(res.json, '$.MetadataOptions.HttpTokens') AS value,
       'imdsv1' AS condition
FROM resources AS res
WHERE res.type = 'aws/ec2/instance'
