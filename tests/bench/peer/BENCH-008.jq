# BENCH-008: S3 bucket has no default encryption (the same rule as BENCH-008.sql, for jq)
select(.type == "aws/s3/bucket") | [.id, (if ((.json.Encryption.Rules // []) | length) == 0 then "fail" else "pass" end)]
