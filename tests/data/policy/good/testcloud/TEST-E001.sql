-- Firewalls with an inbound rule from public space to a watched port.
WITH bad AS (
	SELECT r.id AS id,
	       group_concat(json_extract(rule.value, '$.source') || ':' ||
	                    p.value, ',') AS found
	FROM resources AS r,
	     json_each(r.json, '$.rules') AS rule,
	     json_each(param('ports')) AS p
	WHERE r.type = 'testcloud/net/firewall'
	  AND json_extract(rule.value, '$.direction') = 'in'
	  AND cidr_is_public(json_extract(rule.value, '$.source'))
	  AND port_in(json_extract(rule.value, '$.ports'), p.value)
	GROUP BY r.id
)
SELECT r.id AS resource_id,
       r.name AS resource_name,
       CASE WHEN bad.id IS NULL THEN 'pass' ELSE 'fail' END AS status,
       CASE WHEN bad.id IS NULL THEN 'no public ingress to watched ports'
            ELSE 'public ingress: ' || bad.found END AS detail,
       coalesce(bad.found, '') AS value,
       'public-ingress' AS condition
FROM resources AS r LEFT JOIN bad ON bad.id = r.id
WHERE r.type = 'testcloud/net/firewall';
