# BENCH-015: Backup retention shorter than required (the same rule as BENCH-015.sql, for jq)
select(.type == "aws/rds/db-instance") | [.id, (if (.json.BackupRetentionPeriod // 0) < 7 then "fail" else "pass" end)]
