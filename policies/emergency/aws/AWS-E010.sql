-- AWS-E010: an IAM user who can sign in to the console (LoginProfile is
-- set) has no MFA device.  Users without a console password are no
-- target; a user whose MFA devices were not listed is an error.
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN json_type(json, '$.MFADevices') IS NOT 'array' THEN 'error'
            WHEN json_array_length(json, '$.MFADevices') = 0 THEN 'fail'
            ELSE 'pass' END AS status,
       CASE WHEN json_type(json, '$.MFADevices') IS NOT 'array'
            THEN 'the user''s MFA devices are not in the snapshot'
            WHEN json_array_length(json, '$.MFADevices') = 0
            THEN 'console password without a second factor'
            ELSE 'console password with '
                 || json_array_length(json, '$.MFADevices')
                 || ' MFA device(s)' END AS detail,
       'mfa_devices=' || coalesce(json_array_length(json, '$.MFADevices'),
                                  'unknown') AS value,
       'console user has MFA' AS condition
FROM resources
WHERE type = 'aws/iam-user'
  AND json_type(json, '$.LoginProfile') = 'object'
