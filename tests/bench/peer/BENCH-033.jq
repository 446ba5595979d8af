# BENCH-033: VM instance has an external IP (the same rule as BENCH-033.sql, for jq)
select(.type == "gcp/compute/instance") | [.id, (if any(.json.networkInterfaces[]?.accessConfigs[]?; .natIP != null) then "fail" else "pass" end)]
