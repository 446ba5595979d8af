# BENCH-035: VM can forward IP packets (the same rule as BENCH-035.sql, for jq)
select(.type == "gcp/compute/instance") | [.id, (if .json.canIpForward == true then "fail" else "pass" end)]
