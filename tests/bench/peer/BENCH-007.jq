# BENCH-007: S3 Block Public Access is not fully on (the same rule as BENCH-007.sql, for jq)
select(.type == "aws/s3/bucket") | [.id, (if (.json.PublicAccessBlock // {}) as $b | ($b.BlockPublicAcls == true and $b.IgnorePublicAcls == true and $b.BlockPublicPolicy == true and $b.RestrictPublicBuckets == true) | not then "fail" else "pass" end)]
