# BENCH-036: Bucket is readable by anyone (the same rule as BENCH-036.sql, for jq)
select(.type == "gcp/storage/bucket") | [.id, (if any(.json.iamPolicy.bindings[]?.members[]?; . == "allUsers" or . == "allAuthenticatedUsers") then "fail" else "pass" end)]
