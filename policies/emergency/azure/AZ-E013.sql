-- AZ-E013: a resource lies outside param('regions').
--
-- One row per resource of the subscription's resource list with a
-- region; names are compared lower-case without spaces ("Japan East" is
-- japaneast).  Resources of location global (or none) are no target.
WITH allowed AS (
    SELECT lower(replace(value, ' ', '')) AS region
    FROM json_each(param('regions'))
),
res AS (
    SELECT r.id, r.name, lower(replace(r.region, ' ', '')) AS region,
           coalesce(json_extract(r.json, '$.type'), '?') AS kind
    FROM resources r
    WHERE r.type = 'azure/resource'
      AND coalesce(r.region, '') NOT IN ('', 'global')
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN region IN (SELECT region FROM allowed) THEN 'pass'
            ELSE 'fail' END AS status,
       kind || ' in ' || region AS detail,
       region AS value,
       'region in ' || (SELECT group_concat(region, ', ') FROM allowed)
         AS condition
FROM res
