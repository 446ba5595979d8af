-- AZ-E004: a storage account lets its containers be made public
-- (allowBlobPublicAccess true).  With it on, one container set to
-- "blob" or "container" access is readable by anyone; the account-level
-- switch is what closes every container at once.  Accounts created
-- before the property existed may lack it: ARM then treats it as
-- allowed, and so do we.
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN coalesce(json_extract(json,
                 '$.properties.allowBlobPublicAccess'), 1) IN (1, 'true')
            THEN 'fail' ELSE 'pass' END AS status,
       CASE WHEN json_type(json, '$.properties.allowBlobPublicAccess')
                 IS NULL
            THEN 'allowBlobPublicAccess is not set (public access allowed)'
            WHEN json_extract(json, '$.properties.allowBlobPublicAccess')
                 IN (1, 'true')
            THEN 'containers may be made public (allowBlobPublicAccess)'
            ELSE 'public access to containers is disabled' END AS detail,
       'allowBlobPublicAccess='
         || coalesce(json_extract(json, '$.properties.allowBlobPublicAccess'),
                     'unset') AS value,
       'allowBlobPublicAccess=false' AS condition
FROM resources
WHERE type = 'azure/storage-account'
