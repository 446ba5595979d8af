-- AWS-E014: GuardDuty is not watching an enabled region.
--
-- One row per aws/guardduty-region (the collector writes one for every
-- region the account has enabled): pass when one of its detectors has
-- Status ENABLED; fail when it has none or only suspended ones; error
-- when the detector list is missing.
SELECT r.id AS resource_id,
       r.name AS resource_name,
       CASE WHEN json_type(r.json, '$.Detectors') IS NOT 'array' THEN 'error'
            WHEN EXISTS (SELECT 1 FROM json_each(r.json, '$.Detectors') d
                         WHERE json_extract(d.value, '$.Status') = 'ENABLED')
            THEN 'pass'
            ELSE 'fail' END AS status,
       CASE WHEN json_type(r.json, '$.Detectors') IS NOT 'array'
            THEN 'the region''s detectors are not in the snapshot'
            WHEN json_array_length(r.json, '$.Detectors') = 0
            THEN 'no GuardDuty detector in ' || coalesce(r.region, r.name)
            ELSE 'detectors in ' || coalesce(r.region, r.name) || ': '
                 || (SELECT group_concat(
                         coalesce(json_extract(d.value, '$.DetectorId'), '?')
                         || ' ' || coalesce(json_extract(d.value, '$.Status'),
                                            '?'), ', ')
                     FROM (SELECT d.value FROM json_each(r.json,
                               '$.Detectors') d ORDER BY d.key) d) END
         AS detail,
       CASE WHEN json_type(r.json, '$.Detectors') IS NOT 'array' THEN 'unknown'
            WHEN EXISTS (SELECT 1 FROM json_each(r.json, '$.Detectors') d
                         WHERE json_extract(d.value, '$.Status') = 'ENABLED')
            THEN 'ENABLED'
            WHEN json_array_length(r.json, '$.Detectors') = 0 THEN 'none'
            ELSE 'SUSPENDED' END AS value,
       'a detector is ENABLED' AS condition
FROM resources r
WHERE r.type = 'aws/guardduty-region'
