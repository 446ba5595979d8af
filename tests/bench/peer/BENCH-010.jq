# BENCH-010: Access key older than allowed (the same rule as BENCH-010.sql, for jq)
def age_days: ($now - (.[0:19] + "Z" | fromdateiso8601)) / 86400 | floor;
select(.type == "aws/iam/user") | [.id, (if any(.json.AccessKeys[]?; .Status == "Active" and (.CreateDate | age_days) > 90) then "fail" else "pass" end)]
