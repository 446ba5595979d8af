-- AWS-E018: an IAM user was created within the last
-- param('within_days') day(s) (days_since(CreateDate) below it).
--
-- One row per IAM user.  A user's name is also matched, case-insensitive,
-- against the GLOB patterns of name_patterns ("*admin*"): a match is
-- named in the detail.  With only_matching 1 just the new users whose
-- names match fail; with 0 (the default) every new user fails.  A user
-- without a readable CreateDate is an error.
WITH users AS (
    SELECT u.id, u.name,
           json_extract(u.json, '$.CreateDate') AS created,
           days_since(json_extract(u.json, '$.CreateDate')) AS age,
           (SELECT group_concat(p.value, ', ')
            FROM json_each(param('name_patterns')) p
            WHERE lower(coalesce(json_extract(u.json, '$.UserName'), u.name))
                  GLOB lower(p.value)) AS matched
    FROM resources u
    WHERE u.type = 'aws/iam-user'
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN age IS NULL THEN 'error'
            WHEN age < param('within_days')
                 AND (param('only_matching') = 0 OR matched IS NOT NULL)
            THEN 'fail'
            ELSE 'pass' END AS status,
       CASE WHEN age IS NULL THEN 'the user has no readable CreateDate'
            ELSE 'created ' || created
                 || CASE WHEN matched IS NOT NULL
                         THEN '; the name matches ' || matched
                         ELSE '' END END AS detail,
       coalesce(created, 'unknown') AS value,
       'not created in the last ' || param('within_days') || ' day(s)'
         AS condition
FROM users
