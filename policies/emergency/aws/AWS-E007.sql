-- AWS-E007: the root user has no MFA device (GetAccountSummary's
-- AccountMFAEnabled is 0).  The account is the unit of the snapshot; when
-- the summary is not in the snapshot the result is an error, never a pass.
WITH unit AS (
    SELECT value AS account FROM meta WHERE key = 'unit'
),
s AS (
    SELECT id, name, json_extract(json, '$.AccountMFAEnabled') AS mfa
    FROM resources
    WHERE type = 'aws/iam-account-summary'
)
SELECT coalesce(s.id, 'arn:aws:iam::' || u.account || ':root') AS resource_id,
       coalesce(s.name, 'root') AS resource_name,
       CASE WHEN s.id IS NULL OR s.mfa IS NULL THEN 'error'
            WHEN s.mfa = 0 THEN 'fail'
            ELSE 'pass' END AS status,
       CASE WHEN s.id IS NULL THEN 'the account summary is not in the snapshot'
            WHEN s.mfa IS NULL THEN 'AccountMFAEnabled is missing'
            WHEN s.mfa = 0 THEN 'the root user signs in with a password alone'
            ELSE 'the root user has an MFA device' END AS detail,
       'AccountMFAEnabled=' || coalesce(s.mfa, 'unknown') AS value,
       'AccountMFAEnabled=1' AS condition
FROM unit u LEFT JOIN s ON 1
