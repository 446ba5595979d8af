-- AZ-E005: a storage account accepts plain HTTP
-- (supportsHttpsTrafficOnly false) or TLS older than 1.2
-- (minimumTlsVersion TLS1_0 or TLS1_1, or not set, which ARM takes as
-- TLS1_0).
WITH acc AS (
    SELECT id, name,
           json_extract(json, '$.properties.supportsHttpsTrafficOnly')
             AS https_only,
           coalesce(json_extract(json, '$.properties.minimumTlsVersion'),
                    'unset') AS tls
    FROM resources
    WHERE type = 'azure/storage-account'
),
judged AS (
    SELECT *,
           https_only IS NOT 1 AS http_ok,
           tls IN ('TLS1_0', 'TLS1_1', 'unset') AS old_tls
    FROM acc
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN http_ok OR old_tls THEN 'fail' ELSE 'pass' END AS status,
       CASE WHEN http_ok AND old_tls
            THEN 'accepts HTTP and TLS older than 1.2 (minimumTlsVersion '
                 || tls || ')'
            WHEN http_ok THEN 'accepts HTTP (supportsHttpsTrafficOnly off)'
            WHEN old_tls THEN 'accepts TLS older than 1.2 (minimumTlsVersion '
                 || tls || ')'
            ELSE 'HTTPS only, TLS 1.2 or newer' END AS detail,
       'httpsOnly=' || coalesce(https_only, 'unset') || ' minimumTls=' || tls
         AS value,
       'supportsHttpsTrafficOnly=true and minimumTlsVersion TLS1_2 or newer'
         AS condition
FROM judged
