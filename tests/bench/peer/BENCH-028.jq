# BENCH-028: SQL server firewall admits every address (the same rule as BENCH-028.sql, for jq)
select(.type == "azure/sql/server") | [.id, (if any(.json.firewallRules[]?; .properties.startIpAddress == "0.0.0.0" and .properties.endIpAddress == "255.255.255.255") then "fail" else "pass" end)]
