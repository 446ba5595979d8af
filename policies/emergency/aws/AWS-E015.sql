-- AWS-E015: a successful console sign-in came from a country outside
-- param('allowed_countries') (ISO 3166 codes).  The original service
-- called this check W050.
--
-- One row per ConsoleLogin event that did not fail (refused attempts are
-- no target).  The country is country_of(sourceIPAddress) from the
-- IP2Location database of [core] geoip_ipv4/geoip_ipv6: an address the
-- database does not place (no database, a private or reserved address,
-- no source address) is an error, not a pass.
WITH logins AS (
    SELECT e.id, e.time,
           coalesce(json_extract(e.json, '$.CloudTrailEvent.userIdentity.arn'),
                    json_extract(e.json, '$.Username'), e.id) AS who,
           json_extract(e.json, '$.CloudTrailEvent.sourceIPAddress') AS ip
    FROM events e
    WHERE e.type = 'aws/ConsoleLogin'
      AND json_extract(e.json,
              '$.CloudTrailEvent.responseElements.ConsoleLogin')
            IS NOT 'Failure'
),
placed AS (
    SELECT l.*, country_of(l.ip) AS cc FROM logins l
)
SELECT id AS resource_id,
       who AS resource_name,
       CASE WHEN cc IS NULL THEN 'error'
            WHEN cc IN (SELECT upper(value)
                        FROM json_each(param('allowed_countries')))
            THEN 'pass'
            ELSE 'fail' END AS status,
       'console sign-in at ' || time || ' from ' || coalesce(ip, '?')
         || CASE WHEN cc IS NULL THEN ', a place the GeoIP database does '
                                      || 'not know'
                 ELSE ' in ' || cc END AS detail,
       coalesce(cc, '?') || ' ' || coalesce(ip, '?') AS value,
       'country in ' || param('allowed_countries') AS condition
FROM placed
