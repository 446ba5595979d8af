# BENCH-041: Service account key older than allowed (the same rule as BENCH-041.sql, for jq)
def age_days: ($now - (.[0:19] + "Z" | fromdateiso8601)) / 86400 | floor;
select(.type == "gcp/iam/service-account-key") | [.id, (if .json.keyType == "USER_MANAGED" and (.json.validAfterTime | age_days) > 90 then "fail" else "pass" end)]
