SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN NOT json_extract(json, '$.mfa') THEN 'fail'
            WHEN days_since(json_extract(json, '$.last_login'))
                 > param('max_idle_days') THEN 'fail'
            ELSE 'pass' END AS status,
       CASE WHEN NOT json_extract(json, '$.mfa') THEN 'no second factor'
            ELSE 'idle for ' || days_since(json_extract(json, '$.last_login'))
                 || ' days' END AS detail,
       CASE WHEN NOT json_extract(json, '$.mfa') THEN 'mfa=off'
            ELSE days_since(json_extract(json, '$.last_login')) || ' days'
            END AS value,
       CASE WHEN NOT json_extract(json, '$.mfa') THEN 'mfa=required'
            ELSE 'idle<=' || param('max_idle_days') END AS condition
FROM resources
WHERE type = 'testcloud/user'
