# BENCH-039: Cloud SQL accepts connections without SSL (the same rule as BENCH-039.sql, for jq)
select(.type == "gcp/sql/instance") | [.id, (if .json.settings.ipConfiguration.ipv4Enabled == true and (.json.settings.ipConfiguration.requireSsl // false) == false then "fail" else "pass" end)]
