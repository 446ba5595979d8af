-- AWS-E006: an RDS DB instance with a public endpoint
-- (PubliclyAccessible).  An absent flag is an error, not a pass.
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN json_extract(json, '$.PubliclyAccessible') IN (1, 'true')
            THEN 'fail'
            WHEN json_extract(json, '$.PubliclyAccessible') IN (0, 'false')
            THEN 'pass'
            ELSE 'error' END AS status,
       coalesce(json_extract(json, '$.Engine'), 'database') || ' at '
         || coalesce(json_extract(json, '$.Endpoint.Address'), '?') || ':'
         || coalesce(json_extract(json, '$.Endpoint.Port'), '?')
         || CASE WHEN json_extract(json, '$.PubliclyAccessible') IN (1, 'true')
                 THEN ' resolves to a public address'
                 WHEN json_extract(json, '$.PubliclyAccessible') IN (0, 'false')
                 THEN ' is reachable from its VPC only'
                 ELSE ': PubliclyAccessible is missing' END AS detail,
       'PubliclyAccessible='
         || CASE WHEN json_extract(json, '$.PubliclyAccessible') IN (1, 'true')
                 THEN 'true'
                 WHEN json_extract(json, '$.PubliclyAccessible') IN (0, 'false')
                 THEN 'false' ELSE 'unknown' END AS value,
       'PubliclyAccessible=false' AS condition
FROM resources
WHERE type = 'aws/rds-db-instance'
