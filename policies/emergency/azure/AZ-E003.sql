-- AZ-E003: an inbound Allow rule lets every protocol reach every port
-- from every address: protocol "*", a destination range covering
-- 1-65535 in one range ("*", "0-65535", "1-65535") and a source that
-- is any address.
WITH rules AS (
    SELECT r.id, r.name, r.json,
           lower(coalesce(json_extract(r.json, '$.properties.protocol'), '?'))
             AS proto,
           json_extract(r.json, '$.properties.access') AS access
    FROM resources r
    WHERE r.type = 'azure/network-security-rule'
      AND json_extract(r.json, '$.properties.direction') = 'Inbound'
),
srcs AS (
    SELECT id, json_extract(json, '$.properties.sourceAddressPrefix') AS src
    FROM rules
    WHERE coalesce(json_extract(json, '$.properties.sourceAddressPrefix'), '')
          <> ''
    UNION ALL
    SELECT r.id, s.value FROM rules r,
           json_each(r.json, '$.properties.sourceAddressPrefixes') s
),
spans AS (
    SELECT id, json_extract(json, '$.properties.destinationPortRange') AS span
    FROM rules
    WHERE coalesce(json_extract(json, '$.properties.destinationPortRange'), '')
          <> ''
    UNION ALL
    SELECT r.id, p.value FROM rules r,
           json_each(r.json, '$.properties.destinationPortRanges') p
),
judged AS (
    SELECT r.id, r.name, r.proto, r.access,
           (SELECT max(cidr_is_any(s.src)) FROM srcs s WHERE s.id = r.id)
             AS from_any,
           (SELECT group_concat(s.src, ',') FROM srcs s WHERE s.id = r.id)
             AS sources,
           (SELECT group_concat(p.span, ',') FROM spans p WHERE p.id = r.id)
             AS ports
    FROM rules r
),
hits AS (
    SELECT j.*,
           (SELECT max(port_in(p.span, 1) AND port_in(p.span, 65535))
            FROM spans p WHERE p.id = j.id) AS all_ports
    FROM judged j
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN access = 'Allow' AND proto = '*' AND from_any AND all_ports
            THEN 'fail' ELSE 'pass' END AS status,
       CASE WHEN access = 'Allow' AND proto = '*' AND from_any AND all_ports
            THEN 'inbound rule allows all traffic from ' || sources
            ELSE 'inbound ' || coalesce(access, '?') || ' ' || proto || ' '
                 || coalesce(ports, '?') || ' from '
                 || coalesce(sources, '?') END AS detail,
       coalesce(access, '?') || ' ' || proto || ' ' || coalesce(ports, '?')
         || ' from ' || coalesce(sources, '?') AS value,
       'no inbound allow of all traffic from any address' AS condition
FROM hits
