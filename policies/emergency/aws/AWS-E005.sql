-- AWS-E005: an EBS snapshot anyone may restore (Public) or an AMI anyone
-- may launch (IsPublic).  Only snapshots and images the account owns are
-- collected.  A flag that is absent is an error, not a pass.
WITH items AS (
    SELECT id, name, 'snapshot' AS kind,
           json_extract(json, '$.Public') AS flag
    FROM resources
    WHERE type = 'aws/ec2-snapshot'
    UNION ALL
    SELECT id, name, 'image' AS kind,
           json_extract(json, '$.IsPublic') AS flag
    FROM resources
    WHERE type = 'aws/ec2-image'
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN flag IN (1, 'true') THEN 'fail'
            WHEN flag IN (0, 'false') THEN 'pass'
            ELSE 'error' END AS status,
       CASE WHEN flag IN (1, 'true') THEN
                 CASE kind WHEN 'snapshot'
                      THEN 'any AWS account can restore this snapshot'
                      ELSE 'any AWS account can launch this image' END
            WHEN flag IN (0, 'false') THEN 'shared with no one outside'
            ELSE 'the public flag is missing' END AS detail,
       kind || ' public=' || CASE WHEN flag IN (1, 'true') THEN 'true'
                                 WHEN flag IN (0, 'false') THEN 'false'
                                 ELSE 'unknown' END AS value,
       'not public' AS condition
FROM items
