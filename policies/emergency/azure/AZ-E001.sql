-- AZ-E001: an inbound Allow rule of a network security group opens an
-- administrative port (param ports) to every address: a source of "*",
-- "Internet", "Any" or a /0 prefix.
--
-- One row per inbound rule (default rules included), judged on its own
-- (a Deny of higher priority that shadows it is not taken into account).
-- A rule covers a port when its protocol is TCP or "*" and one of its
-- destination port ranges (destinationPortRange or
-- destinationPortRanges) contains it ("*" contains every port).
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
           (SELECT group_concat(DISTINCT q.value)
            FROM spans p, json_each(param('ports')) q
            WHERE p.id = j.id AND port_in(p.span, q.value)) AS open_ports
    FROM judged j
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN access = 'Allow' AND proto IN ('tcp', '*') AND from_any
                 AND open_ports IS NOT NULL THEN 'fail'
            ELSE 'pass' END AS status,
       CASE WHEN access = 'Allow' AND proto IN ('tcp', '*') AND from_any
                 AND open_ports IS NOT NULL
            THEN 'inbound ' || access || ' ' || proto || ' ' || ports
                 || ' from ' || sources || ' opens administrative port(s) '
                 || open_ports || ' to every address'
            ELSE 'inbound ' || coalesce(access, '?') || ' ' || proto || ' '
                 || coalesce(ports, '?') || ' from '
                 || coalesce(sources, '?') END AS detail,
       coalesce(access, '?') || ' ' || proto || ' ' || coalesce(ports, '?')
         || ' from ' || coalesce(sources, '?') AS value,
       'ports ' || param('ports') || ' closed to any address' AS condition
FROM hits
