# BENCH-048: In-transit encryption of the boot volume is off (the same rule as BENCH-048.sql, for jq)
select(.type == "oci/compute/instance") | [.id, (if .json["launch-options"]["is-pv-encryption-in-transit-enabled"] == false then "fail" else "pass" end)]
