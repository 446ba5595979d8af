-- AWS-E017: a resource that holds or serves data lives in a region
-- outside param('domestic_regions').
--
-- Looked at: EC2 instances (not terminated), RDS DB instances, ELBv2 load
-- balancers, S3 buckets (by their Region member: the bucket rows
-- themselves are "global"; an empty location means us-east-1 and "EU"
-- eu-west-1), and the account's own EBS snapshots and AMIs.  Networking
-- that AWS creates in every region (default VPCs, subnets, groups) is not
-- a target.  A bucket whose region is missing is an error.
WITH items AS (
    SELECT id, name, type,
           CASE WHEN type <> 'aws/s3-bucket' THEN region
                WHEN json_extract(json, '$.Region') = '' THEN 'us-east-1'
                WHEN json_extract(json, '$.Region') = 'EU' THEN 'eu-west-1'
                ELSE json_extract(json, '$.Region') END AS place
    FROM resources
    WHERE type IN ('aws/ec2-instance', 'aws/rds-db-instance',
                   'aws/elbv2-load-balancer', 'aws/s3-bucket',
                   'aws/ec2-snapshot', 'aws/ec2-image')
      AND NOT (type = 'aws/ec2-instance'
               AND json_extract(json, '$.State.Name') = 'terminated')
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN place IS NULL OR place IN ('', 'global') THEN 'error'
            WHEN place IN (SELECT value
                           FROM json_each(param('domestic_regions')))
            THEN 'pass'
            ELSE 'fail' END AS status,
       substr(type, 5) || ' in '
         || CASE WHEN place IS NULL OR place IN ('', 'global')
                 THEN 'an unknown region'
                 ELSE place END
         || CASE WHEN place IN (SELECT value
                                FROM json_each(param('domestic_regions')))
                 THEN ', a domestic region'
                 WHEN place IS NULL OR place IN ('', 'global') THEN ''
                 ELSE ', outside the domestic regions' END AS detail,
       coalesce(nullif(place, ''), 'unknown') AS value,
       'region in ' || param('domestic_regions') AS condition
FROM items
