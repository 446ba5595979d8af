-- AWS-E008: the root user has access keys (GetAccountSummary's
-- AccountAccessKeysPresent is 1).  When the summary is not in the
-- snapshot the result is an error, never a pass.
WITH unit AS (
    SELECT value AS account FROM meta WHERE key = 'unit'
),
s AS (
    SELECT id, name, json_extract(json, '$.AccountAccessKeysPresent') AS keys
    FROM resources
    WHERE type = 'aws/iam-account-summary'
)
SELECT coalesce(s.id, 'arn:aws:iam::' || u.account || ':root') AS resource_id,
       coalesce(s.name, 'root') AS resource_name,
       CASE WHEN s.id IS NULL OR s.keys IS NULL THEN 'error'
            WHEN s.keys > 0 THEN 'fail'
            ELSE 'pass' END AS status,
       CASE WHEN s.id IS NULL THEN 'the account summary is not in the snapshot'
            WHEN s.keys IS NULL THEN 'AccountAccessKeysPresent is missing'
            WHEN s.keys > 0 THEN 'the root user has an access key'
            ELSE 'the root user has no access key' END AS detail,
       'AccountAccessKeysPresent=' || coalesce(s.keys, 'unknown') AS value,
       'AccountAccessKeysPresent=0' AS condition
FROM unit u LEFT JOIN s ON 1
