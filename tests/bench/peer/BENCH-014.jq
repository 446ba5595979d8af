# BENCH-014: Database storage is not encrypted (the same rule as BENCH-014.sql, for jq)
select(.type == "aws/rds/db-instance") | [.id, (if (.json.StorageEncrypted // false) == false then "fail" else "pass" end)]
