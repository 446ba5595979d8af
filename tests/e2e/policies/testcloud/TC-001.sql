-- An ingress allow rule from anywhere that covers param('port').
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN json_extract(json, '$.action') = 'allow'
             AND cidr_is_any(json_extract(json, '$.source'))
             AND port_in(json_extract(json, '$.ports'), param('port'))
            THEN 'fail' ELSE 'pass' END AS status,
       'inbound ' || json_extract(json, '$.ports') || ' from '
         || json_extract(json, '$.source') AS detail,
       json_extract(json, '$.source') || ':' || json_extract(json, '$.ports')
         AS value,
       'source=any port=' || param('port') AS condition
FROM resources
WHERE type = 'testcloud/firewall-rule'
  AND json_extract(json, '$.direction') = 'ingress'
