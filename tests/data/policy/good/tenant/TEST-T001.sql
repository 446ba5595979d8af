/* Reads the tenant snapshot, attached as schema "tenant". */
SELECT id AS resource_id, name AS resource_name,
       CASE WHEN json_extract(json, '$.mfa') THEN 'pass' ELSE 'fail' END AS status,
       'multi-factor authentication' AS detail,
       CASE WHEN json_extract(json, '$.mfa') THEN 'on' ELSE 'off' END AS value,
       'mfa' AS condition
FROM tenant.resources
WHERE type = 'testcloud/directory/user'
