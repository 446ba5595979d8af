# BENCH-032: Firewall rule logging is off (the same rule as BENCH-032.sql, for jq)
select(.type == "gcp/compute/firewall") | [.id, (if (.json.logConfig.enable // false) == false then "fail" else "pass" end)]
