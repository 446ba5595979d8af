# BENCH-012: User has AdministratorAccess attached directly (the same rule as BENCH-012.sql, for jq)
select(.type == "aws/iam/user") | [.id, (if any(.json.AttachedPolicies[]?; .PolicyName == "AdministratorAccess") then "fail" else "pass" end)]
