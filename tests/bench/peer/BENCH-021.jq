# BENCH-021: Storage account accepts plain HTTP (the same rule as BENCH-021.sql, for jq)
select(.type == "azure/storage/account") | [.id, (if .json.properties.supportsHttpsTrafficOnly == false then "fail" else "pass" end)]
