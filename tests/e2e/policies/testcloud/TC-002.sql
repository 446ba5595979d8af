SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN json_extract(json, '$.public') THEN 'fail' ELSE 'pass' END
         AS status,
       'anonymous read' AS detail,
       CASE WHEN json_extract(json, '$.public') THEN 'public' ELSE 'private'
         END AS value,
       'public=true' AS condition
FROM resources
WHERE type = 'testcloud/bucket'
