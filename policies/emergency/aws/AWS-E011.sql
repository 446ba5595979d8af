-- AWS-E011: an IAM user has an active access key older than
-- param('max_age_days') days.
--
-- One row per user who has at least one access key (users without keys
-- are no target): fail when any Active key was created more than
-- max_age_days ago; inactive keys do not count.  An active key whose
-- creation date cannot be read makes the row an error.  value is the age
-- in days of the user's oldest active key.
WITH keys AS (
    SELECT u.id, u.name,
           json_extract(u.json, k.fullkey || '.AccessKeyId') AS key_id,
           json_extract(u.json, k.fullkey || '.Status') = 'Active' AS active,
           days_since(json_extract(u.json, k.fullkey || '.CreateDate')) AS age
    FROM resources u, json_each(u.json, '$.AccessKeys') k
    WHERE u.type = 'aws/iam-user'
),
users AS (
    SELECT id, name,
           sum(active AND age > param('max_age_days')) AS old,
           sum(active AND age IS NULL) AS unknown,
           max(CASE WHEN active THEN age END) AS oldest,
           group_concat(CASE WHEN active AND age > param('max_age_days')
                             THEN key_id || ' (' || age || ' days)' END, ', ')
             AS old_keys,
           sum(active) AS n_active
    FROM keys
    GROUP BY id, name
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN old > 0 THEN 'fail'
            WHEN unknown > 0 THEN 'error'
            ELSE 'pass' END AS status,
       CASE WHEN old > 0 THEN 'active key(s) older than '
                 || param('max_age_days') || ' days: ' || old_keys
            WHEN unknown > 0 THEN 'an active key has no readable CreateDate'
            WHEN n_active = 0 THEN 'no active key'
            ELSE 'the oldest active key is ' || oldest || ' days old' END
         AS detail,
       coalesce(oldest || ' days', 'no active key') AS value,
       'active keys <= ' || param('max_age_days') || ' days old' AS condition
FROM users
