# BENCH-026: Key vault purge protection is off (the same rule as BENCH-026.sql, for jq)
select(.type == "azure/keyvault/vault") | [.id, (if (.json.properties.enablePurgeProtection // false) == false then "fail" else "pass" end)]
