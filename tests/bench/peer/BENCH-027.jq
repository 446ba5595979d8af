# BENCH-027: Key vault is open to all networks (the same rule as BENCH-027.sql, for jq)
select(.type == "azure/keyvault/vault") | [.id, (if (.json.properties.networkAcls.defaultAction // "Allow") == "Allow" then "fail" else "pass" end)]
