-- AWS-E013: no CloudTrail trail records every region.
--
-- One row for the account (the snapshot's unit, the account id): pass
-- when at least one trail is multi-region (IsMultiRegionTrail) and
-- logging (Status.IsLogging), which includes an organization trail seen
-- from a member account.  When no trail qualifies but a multi-region
-- trail's status could not be read, the result is an error.
WITH unit AS (
    SELECT value AS account FROM meta WHERE key = 'unit'
),
trails AS (
    SELECT name,
           json_extract(json, '$.IsMultiRegionTrail') IN (1, 'true') AS multi,
           json_extract(json, '$.Status.IsLogging') AS logging
    FROM resources
    WHERE type = 'aws/cloudtrail-trail'
),
summary AS (
    SELECT count(*) AS n,
           coalesce(sum(multi AND logging IN (1, 'true')), 0) AS good,
           coalesce(sum(multi AND logging IS NULL), 0) AS unknown,
           group_concat(name || ' ('
               || CASE WHEN multi THEN 'all regions' ELSE 'one region' END
               || ', ' || CASE WHEN logging IN (1, 'true') THEN 'logging'
                               WHEN logging IS NULL THEN 'status unknown'
                               ELSE 'stopped' END || ')', ', ') AS list
    FROM (SELECT * FROM trails ORDER BY name)
)
SELECT u.account AS resource_id,
       coalesce((SELECT name FROM resources WHERE type = 'aws/account'
                 ORDER BY id LIMIT 1), u.account) AS resource_name,
       CASE WHEN s.good > 0 THEN 'pass'
            WHEN s.unknown > 0 THEN 'error'
            ELSE 'fail' END AS status,
       CASE WHEN s.n = 0 THEN 'the account has no trail'
            ELSE 'trails: ' || s.list END AS detail,
       s.good || ' of ' || s.n || ' trails log all regions' AS value,
       'a multi-region trail is logging' AS condition
FROM unit u, summary s
