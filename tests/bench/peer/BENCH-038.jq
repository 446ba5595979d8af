# BENCH-038: Cloud SQL authorizes the whole Internet (the same rule as BENCH-038.sql, for jq)
select(.type == "gcp/sql/instance") | [.id, (if any(.json.settings.ipConfiguration.authorizedNetworks[]?; .value == "0.0.0.0/0") then "fail" else "pass" end)]
