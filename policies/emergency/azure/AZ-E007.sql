-- AZ-E007: a key vault is reachable from every network: public network
-- access is not disabled and its network rules let everything in
-- (networkAcls.defaultAction Allow, or no network rules at all).
WITH kv AS (
    SELECT id, name,
           coalesce(json_extract(json, '$.properties.publicNetworkAccess'),
                    'Enabled') AS public_access,
           coalesce(json_extract(json,
                    '$.properties.networkAcls.defaultAction'), 'Allow')
             AS default_action
    FROM resources
    WHERE type = 'azure/key-vault'
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN public_access <> 'Disabled' AND default_action = 'Allow'
            THEN 'fail' ELSE 'pass' END AS status,
       CASE WHEN public_access <> 'Disabled' AND default_action = 'Allow'
            THEN 'public network access ' || public_access
                 || ' and the network rules allow every address'
            WHEN public_access = 'Disabled'
            THEN 'public network access disabled'
            ELSE 'public access limited by network rules (default '
                 || default_action || ')' END AS detail,
       'publicNetworkAccess=' || public_access || ' defaultAction='
         || default_action AS value,
       'public network access disabled, or network rules deny by default'
         AS condition
FROM kv
