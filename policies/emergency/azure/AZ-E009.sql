-- AZ-E009: the tenant has more Global Administrators than param
-- max_admins.  One row for the Global Administrator directory role
-- (roleTemplateId 62e90394-69f5-4237-9190-012177145e10); its members are
-- the azure/directory-role-member rows whose id starts with that
-- template id.  A tenant-level finding: every subscription of the tenant
-- reports it.
WITH ga AS (
    SELECT id, name,
           (SELECT count(*) FROM resources m
            WHERE m.type = 'azure/directory-role-member'
              AND m.id LIKE '62e90394-69f5-4237-9190-012177145e10/%')
             AS members,
           (SELECT group_concat(m.name, ', ') FROM resources m
            WHERE m.type = 'azure/directory-role-member'
              AND m.id LIKE '62e90394-69f5-4237-9190-012177145e10/%')
             AS who
    FROM resources
    WHERE type = 'azure/directory-role'
      AND json_extract(json, '$.roleTemplateId')
          = '62e90394-69f5-4237-9190-012177145e10'
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN members > param('max_admins') THEN 'fail' ELSE 'pass' END
         AS status,
       members || ' Global Administrators (at most '
         || param('max_admins') || ' wanted): ' || coalesce(who, '')
         AS detail,
       members AS value,
       'at most ' || param('max_admins') || ' Global Administrators'
         AS condition
FROM ga
