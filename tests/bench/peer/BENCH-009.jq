# BENCH-009: S3 bucket versioning is not enabled (the same rule as BENCH-009.sql, for jq)
select(.type == "aws/s3/bucket") | [.id, (if (.json.Versioning.Status // "") != "Enabled" then "fail" else "pass" end)]
