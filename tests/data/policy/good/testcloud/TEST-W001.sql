SELECT id AS resource_id,
       json_extract(json, '$.user') AS resource_name,
       CASE WHEN country_of(json_extract(json, '$.source_ip')) IN
                 (SELECT value FROM json_each(param('allowed_countries')))
            THEN 'pass' ELSE 'fail' END AS status,
       'sign-in from ' || coalesce(country_of(json_extract(json,
           '$.source_ip')), 'an unknown country') AS detail,
       json_extract(json, '$.source_ip') AS value,
       'login-country' AS condition
FROM events
WHERE type = 'testcloud/signin/login'
