# BENCH-011: Console user without MFA (the same rule as BENCH-011.sql, for jq)
select(.type == "aws/iam/user") | [.id, (if .json.PasswordEnabled == true and ((.json.MfaDevices // []) | length) == 0 then "fail" else "pass" end)]
