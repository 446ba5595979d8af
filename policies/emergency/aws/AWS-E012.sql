-- AWS-E012: the account password policy is missing or weaker than the
-- parameters ask.
--
-- One row for the account.  fail when GetAccountPasswordPolicy found no
-- policy (PasswordPolicy null: AWS then applies its own defaults, which
-- nobody chose), or when the policy has MinimumPasswordLength below
-- min_length, remembers fewer than reuse_prevention passwords
-- (0: not checked), lets passwords live longer than max_age_days
-- (0: not checked), or does not require a character class listed in
-- required_characters ("uppercase", "lowercase", "numbers", "symbols").
-- When the password policy resource is not in the snapshot the result is
-- an error.
WITH unit AS (
    SELECT value AS account FROM meta WHERE key = 'unit'
),
pp AS (
    SELECT r.id, r.name, json_type(r.json, '$.PasswordPolicy') AS kind,
           json_extract(r.json, '$.PasswordPolicy.MinimumPasswordLength') AS len,
           json_extract(r.json, '$.PasswordPolicy.PasswordReusePrevention')
             AS reuse,
           json_extract(r.json, '$.PasswordPolicy.MaxPasswordAge') AS max_age,
           (SELECT group_concat(c.value, ', ')
            FROM json_each(param('required_characters')) c
            WHERE (lower(c.value) = 'uppercase' AND NOT coalesce(json_extract(
                       r.json, '$.PasswordPolicy.RequireUppercaseCharacters'), 0))
               OR (lower(c.value) = 'lowercase' AND NOT coalesce(json_extract(
                       r.json, '$.PasswordPolicy.RequireLowercaseCharacters'), 0))
               OR (lower(c.value) = 'numbers' AND NOT coalesce(json_extract(
                       r.json, '$.PasswordPolicy.RequireNumbers'), 0))
               OR (lower(c.value) = 'symbols' AND NOT coalesce(json_extract(
                       r.json, '$.PasswordPolicy.RequireSymbols'), 0)))
             AS classes
    FROM resources r
    WHERE r.type = 'aws/iam-password-policy'
),
judged AS (
    SELECT coalesce(pp.id, 'arn:aws:iam::' || u.account
                           || ':account-password-policy') AS id,
           coalesce(pp.name, 'password-policy') AS name,
           pp.id IS NULL AS absent,
           pp.kind, pp.len, pp.reuse, pp.max_age,
           rtrim(
               CASE WHEN coalesce(pp.len, 0) < param('min_length')
                    THEN 'minimum length ' || coalesce(pp.len, 'unset')
                         || ' is below ' || param('min_length') || '; '
                    ELSE '' END
            || CASE WHEN param('reuse_prevention') > 0
                         AND coalesce(pp.reuse, 0) < param('reuse_prevention')
                    THEN 'remembers ' || coalesce(pp.reuse, 0)
                         || ' previous passwords, not '
                         || param('reuse_prevention') || '; '
                    ELSE '' END
            || CASE WHEN param('max_age_days') > 0
                         AND (pp.max_age IS NULL
                              OR pp.max_age > param('max_age_days'))
                    THEN 'passwords expire after '
                         || coalesce(pp.max_age || ' days', 'never')
                         || ', not ' || param('max_age_days') || '; '
                    ELSE '' END
            || CASE WHEN pp.classes IS NOT NULL
                    THEN 'does not require ' || pp.classes || '; '
                    ELSE '' END, '; ') AS problems
    FROM unit u LEFT JOIN pp ON 1
)
SELECT id AS resource_id,
       name AS resource_name,
       CASE WHEN absent THEN 'error'
            WHEN kind IS NOT 'object' THEN 'fail'
            WHEN problems <> '' THEN 'fail'
            ELSE 'pass' END AS status,
       CASE WHEN absent THEN 'the password policy is not in the snapshot'
            WHEN kind IS NOT 'object'
            THEN 'the account has no password policy'
            WHEN problems <> '' THEN problems
            ELSE 'the password policy meets the parameters' END AS detail,
       CASE WHEN absent THEN 'unknown'
            WHEN kind IS NOT 'object' THEN 'no policy'
            ELSE 'length=' || coalesce(len, 'unset')
                 || ' reuse=' || coalesce(reuse, 0)
                 || ' max_age=' || coalesce(max_age, 'none') END AS value,
       'password policy meets the parameters' AS condition
FROM judged
