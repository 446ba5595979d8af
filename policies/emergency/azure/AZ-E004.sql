-- AZ-E004: blobs readable by anyone, now or at one click.  Two kinds of
-- row:
-- * each storage account fails while allowBlobPublicAccess is true or
--   not set (accounts created before the property existed lack it and
--   Azure treats them as allowing; so do we): any container in it can
--   then be made public.  The detail names its public containers.
-- * each blob container fails while its publicAccess is Blob or
--   Container AND its account allows public access: its blobs are
--   readable without credentials now.  A container set to Blob or
--   Container in an account with allowBlobPublicAccess false passes:
--   Azure refuses every anonymous request to that account, so the
--   setting has no effect (the detail says so); turning the account's
--   switch on would make it public, and the account's row would then
--   fail too.
-- A container whose account is not in the snapshot is judged as if the
-- account allowed public access (its switch is unknown).
WITH acc0 AS (
    SELECT id, name, lower(id) AS akey,
           json_type(json, '$.properties.allowBlobPublicAccess') AS t,
           json_extract(json, '$.properties.allowBlobPublicAccess') AS v
    FROM resources
    WHERE type = 'azure/storage-account'
),
acc AS (
    SELECT id, name, akey,
           coalesce(nullif(t, 'null'), 'unset') = 'unset' AS unset,
           (coalesce(nullif(t, 'null'), 'unset') = 'unset'
            OR v IN (1, 'true')) AS allows,
           CASE WHEN coalesce(nullif(t, 'null'), 'unset') = 'unset'
                THEN 'unset'
                WHEN v IN (1, 'true') THEN 'true'
                WHEN v IN (0, 'false') THEN 'false'
                ELSE quote(v) END AS shown
    FROM acc0
),
cont AS (
    SELECT id, name,
           coalesce(json_extract(json, '$.properties.publicAccess'), 'None')
             AS access,
           lower(substr(id, 1, instr(lower(id),
                 '/blobservices/default/containers/') - 1)) AS akey
    FROM resources
    WHERE type = 'azure/blob-container'
),
judged AS (
    SELECT c.id, c.name, c.access, c.akey, a.name AS account, a.shown,
           lower(c.access) IN ('blob', 'container') AS set_public,
           coalesce(a.allows, 1) AS allows
    FROM cont c LEFT JOIN acc a ON a.akey = c.akey
),
public AS (
    SELECT akey, count(*) AS n,
           group_concat(name || ' (' || access || ')', ', ') AS names
    FROM (SELECT * FROM judged WHERE set_public AND allows ORDER BY name)
    GROUP BY akey
)
SELECT a.id AS resource_id,
       a.name AS resource_name,
       CASE WHEN a.allows THEN 'fail' ELSE 'pass' END AS status,
       CASE WHEN a.unset
            THEN 'allowBlobPublicAccess is not set (public access allowed)'
            WHEN a.allows
            THEN 'containers may be made public (allowBlobPublicAccess)'
            ELSE 'public access to containers is disabled' END
         || CASE WHEN p.n > 0 THEN '; public containers: ' || p.names
                 WHEN a.allows THEN '; no container is public yet'
                 ELSE '' END AS detail,
       'allowBlobPublicAccess=' || a.shown
         || CASE WHEN p.n > 0 THEN ', public containers: ' || p.n
                 ELSE '' END AS value,
       'allowBlobPublicAccess=false' AS condition
FROM acc a LEFT JOIN public p ON p.akey = a.akey
UNION ALL
SELECT id AS resource_id,
       coalesce(account, '?') || '/' || name AS resource_name,
       CASE WHEN set_public AND allows THEN 'fail' ELSE 'pass' END AS status,
       CASE WHEN set_public AND allows AND account IS NULL
            THEN 'container is public (' || access || '); its storage '
                 || 'account is not in the snapshot'
            WHEN set_public AND allows
            THEN 'container is public (' || access || '): anyone can read '
                 || CASE WHEN lower(access) = 'container'
                         THEN 'and list its blobs'
                         ELSE 'its blobs by URL' END
            WHEN set_public
            THEN 'container is set to ' || access || ' but the account '
                 || 'disallows public access: no effect'
            ELSE 'container is private' END AS detail,
       'publicAccess=' || access || ', allowBlobPublicAccess='
         || coalesce(shown, 'unknown') AS value,
       'publicAccess=None, or allowBlobPublicAccess=false on the account'
         AS condition
FROM judged
