-- AZ-E011: a successful sign-in came from a country outside
-- param('allowed_countries') (ISO 3166 codes).
--
-- One row per sign-in event whose status.errorCode is 0 (failed attempts
-- are no target).  The country is the sign-in's location.countryOrRegion,
-- else country_of(ipAddress) ([core] geoip_ipv4/geoip_ipv6); a sign-in
-- neither places is an error, not a pass.
WITH signins AS (
    SELECT e.id, e.time,
           coalesce(json_extract(e.json, '$.userPrincipalName'),
                    json_extract(e.json, '$.userId'), e.id) AS who,
           coalesce(json_extract(e.json, '$.ipAddress'), '?') AS ip,
           coalesce(json_extract(e.json, '$.appDisplayName'), '?') AS app,
           nullif(upper(trim(coalesce(json_extract(e.json,
               '$.location.countryOrRegion'), ''))), '') AS said
    FROM events e
    WHERE e.type = 'azure/sign-in'
      AND json_extract(e.json, '$.status.errorCode') = 0
),
placed AS (
    SELECT s.*, coalesce(s.said, country_of(s.ip)) AS cc FROM signins s
)
SELECT id AS resource_id,
       who AS resource_name,
       CASE WHEN cc IS NULL THEN 'error'
            WHEN cc IN (SELECT upper(value)
                        FROM json_each(param('allowed_countries')))
            THEN 'pass'
            ELSE 'fail' END AS status,
       'sign-in to ' || app || ' at ' || time || ' from ' || ip || ' ('
         || coalesce(cc, 'country unknown') || ')' AS detail,
       coalesce(cc, 'unknown') AS value,
       'country in ' || (SELECT group_concat(upper(value), ', ')
                         FROM json_each(param('allowed_countries')))
         AS condition
FROM placed
