# BENCH-040: Cloud SQL automated backups are off (the same rule as BENCH-040.sql, for jq)
select(.type == "gcp/sql/instance") | [.id, (if (.json.settings.backupConfiguration.enabled // false) == false then "fail" else "pass" end)]
