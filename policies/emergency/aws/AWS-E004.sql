-- AWS-E004: a bucket anyone can read or write.
--
-- A bucket is public when
--   its ACL grants anything to the AllUsers or AuthenticatedUsers group
--   and neither the bucket's nor the account's public access block has
--   IgnorePublicAcls on, or
--   its bucket policy is public (PolicyStatus.IsPublic) and neither block
--   has RestrictPublicBuckets on.
-- BlockPublicAcls and BlockPublicPolicy only refuse new public grants and
-- policies; what already exists stays in force, so they do not count.
-- A bucket whose ACL could not be read is an error unless its policy
-- already makes it public.
WITH acct AS (
    SELECT coalesce(max(json_extract(json,
               '$.PublicAccessBlock.IgnorePublicAcls') IS 1), 0) AS ignore_acls,
           coalesce(max(json_extract(json,
               '$.PublicAccessBlock.RestrictPublicBuckets') IS 1), 0)
             AS restrict_policy
    FROM resources
    WHERE type = 'aws/s3-account-public-access-block'
),
buckets AS (
    SELECT b.id, b.name,
           json_type(b.json, '$.Acl') AS acl_type,
           (SELECT group_concat(
                       replace(replace(json_extract(g.value, '$.Grantee.URI'),
                           'http://acs.amazonaws.com/groups/global/', ''),
                           'https://acs.amazonaws.com/groups/global/', '')
                       || ':' || json_extract(g.value, '$.Permission'), ',')
            FROM json_each(b.json, '$.Acl.Grants') g
            WHERE json_extract(g.value, '$.Grantee.URI') LIKE
                      '%acs.amazonaws.com/groups/global/AllUsers'
               OR json_extract(g.value, '$.Grantee.URI') LIKE
                      '%acs.amazonaws.com/groups/global/AuthenticatedUsers')
             AS grants,
           json_extract(b.json, '$.PolicyStatus.IsPublic') IS 1 AS policy_public,
           json_extract(b.json, '$.PublicAccessBlock.IgnorePublicAcls') IS 1
             AS ignore_acls,
           json_extract(b.json, '$.PublicAccessBlock.RestrictPublicBuckets') IS 1
             AS restrict_policy
    FROM resources b
    WHERE b.type = 'aws/s3-bucket'
),
judged AS (
    SELECT b.*,
           b.grants IS NOT NULL AND NOT (b.ignore_acls OR a.ignore_acls)
             AS acl_open,
           b.policy_public AND NOT (b.restrict_policy OR a.restrict_policy)
             AS policy_open,
           b.ignore_acls OR a.ignore_acls AS acls_ignored,
           b.restrict_policy OR a.restrict_policy AS policy_restricted
    FROM buckets b, acct a
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN acl_open OR policy_open THEN 'fail'
            WHEN acl_type IS NOT 'object' THEN 'error'
            ELSE 'pass' END AS status,
       CASE WHEN acl_open OR policy_open THEN
                 'public through '
                 || CASE WHEN acl_open AND policy_open
                         THEN 'its ACL (' || grants || ') and its bucket policy'
                         WHEN acl_open THEN 'its ACL (' || grants || ')'
                         ELSE 'its bucket policy' END
            WHEN acl_type IS NOT 'object' THEN 'the bucket ACL is missing'
            WHEN grants IS NOT NULL OR policy_public THEN
                 'public grants are neutralised by a public access block'
            ELSE 'not public' END AS detail,
       'acl=' || CASE WHEN grants IS NULL THEN 'private'
                      WHEN acls_ignored THEN grants || ' (ignored)'
                      ELSE grants END
       || ' policy=' || CASE WHEN NOT policy_public THEN 'private'
                             WHEN policy_restricted THEN 'public (restricted)'
                             ELSE 'public' END AS value,
       'no public ACL or policy in force' AS condition
FROM judged
