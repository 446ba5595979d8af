-- AWS-E009: somebody signed in to the console as the root user.
--
-- One row per ConsoleLogin event: fail when CloudTrailEvent.userIdentity
-- .type is Root (successful or not: a failed attempt on root is as
-- urgent), pass for other users; an event without its CloudTrail record
-- is an error.  The resource is the event, so every sign-in is a finding
-- of its own.
WITH logins AS (
    SELECT e.id, e.time,
           json_extract(e.json, '$.CloudTrailEvent.userIdentity.type') AS kind,
           coalesce(json_extract(e.json, '$.CloudTrailEvent.userIdentity.arn'),
                    json_extract(e.json, '$.Username'), e.id) AS who,
           coalesce(json_extract(e.json, '$.CloudTrailEvent.sourceIPAddress'),
                    '?') AS ip,
           coalesce(json_extract(e.json,
               '$.CloudTrailEvent.responseElements.ConsoleLogin'), '?')
             AS result,
           coalesce(json_extract(e.json,
               '$.CloudTrailEvent.additionalEventData.MFAUsed'), '?') AS mfa
    FROM events e
    WHERE e.type = 'aws/ConsoleLogin'
)
SELECT id AS resource_id,
       who AS resource_name,
       CASE WHEN kind IS NULL THEN 'error'
            WHEN kind = 'Root' THEN 'fail'
            ELSE 'pass' END AS status,
       CASE WHEN kind IS NULL THEN 'the event has no CloudTrail record'
            ELSE CASE WHEN kind = 'Root' THEN 'root' ELSE kind END
                 || ' console sign-in at ' || time || ' from ' || ip
                 || ' (result ' || result || ', MFA ' || mfa || ')' END
         AS detail,
       ip AS value,
       'no root sign-in' AS condition
FROM logins
