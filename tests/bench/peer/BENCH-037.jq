# BENCH-037: Uniform bucket-level access is off (the same rule as BENCH-037.sql, for jq)
select(.type == "gcp/storage/bucket") | [.id, (if (.json.iamConfiguration.uniformBucketLevelAccess.enabled // false) == false then "fail" else "pass" end)]
