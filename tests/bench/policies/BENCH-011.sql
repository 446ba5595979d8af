-- BENCH-011: Console user without MFA
SELECT res.id AS resource_id,
       res.name AS resource_name,
       CASE WHEN json_extract(res.json, '$.PasswordEnabled') = 1 AND coalesce(json_array_length(res.json, '$.MfaDevices'), 0) = 0
            THEN 'fail' ELSE 'pass' END AS status,
       'console password without an MFA device' AS detail,
       json_extract(res.json, '$.UserName') AS value,
       'no-mfa' AS condition
FROM resources AS res
WHERE res.type = 'aws/iam/user'
