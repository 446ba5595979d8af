# BENCH-017: Large unattached EBS volume (the same rule as BENCH-017.sql, for jq)
select(.type == "aws/ec2/volume") | [.id, (if .json.State == "available" and .json.Size > 100 then "fail" else "pass" end)]
