# BENCH-050: API key older than allowed (the same rule as BENCH-050.sql, for jq)
def age_days: ($now - (.[0:19] + "Z" | fromdateiso8601)) / 86400 | floor;
select(.type == "oci/identity/user") | [.id, (if any(.json["api-keys"][]?; ."lifecycle-state" == "ACTIVE" and (."time-created" | age_days) > 90) then "fail" else "pass" end)]
