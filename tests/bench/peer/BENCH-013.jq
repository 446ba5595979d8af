# BENCH-013: Database instance is publicly accessible (the same rule as BENCH-013.sql, for jq)
select(.type == "aws/rds/db-instance") | [.id, (if .json.PubliclyAccessible == true then "fail" else "pass" end)]
