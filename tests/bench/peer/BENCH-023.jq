# BENCH-023: Storage account allows public blob access (the same rule as BENCH-023.sql, for jq)
select(.type == "azure/storage/account") | [.id, (if .json.properties.allowBlobPublicAccess == true then "fail" else "pass" end)]
