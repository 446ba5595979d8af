# BENCH-047: Instance serves the legacy metadata endpoints (the same rule as BENCH-047.sql, for jq)
select(.type == "oci/compute/instance") | [.id, (if (.json["instance-options"]["are-legacy-imds-endpoints-disabled"] // false) == false then "fail" else "pass" end)]
