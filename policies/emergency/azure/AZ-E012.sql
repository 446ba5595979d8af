-- AZ-E012: a guest user was created within the last
-- param('within_days') day(s) (days_since(createdDateTime) below it).
--
-- One row per guest (userType Guest); members are no target.  A guest
-- without a readable createdDateTime is an error.
WITH guests AS (
    SELECT u.id, u.name,
           json_extract(u.json, '$.createdDateTime') AS created,
           days_since(json_extract(u.json, '$.createdDateTime')) AS age,
           coalesce(json_extract(u.json, '$.externalUserState'), '?')
             AS state
    FROM resources u
    WHERE u.type = 'azure/entra-user'
      AND json_extract(u.json, '$.userType') = 'Guest'
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN age IS NULL THEN 'error'
            WHEN age < param('within_days') THEN 'fail'
            ELSE 'pass' END AS status,
       CASE WHEN age IS NULL THEN 'no readable createdDateTime'
            ELSE 'guest created ' || created || ' (invitation ' || state
                 || ')' END AS detail,
       coalesce(created, '?') AS value,
       'created more than ' || param('within_days') || ' day(s) ago'
         AS condition
FROM guests
