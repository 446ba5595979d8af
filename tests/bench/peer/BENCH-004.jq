# BENCH-004: Instance metadata service allows IMDSv1 (the same rule as BENCH-004.sql, for jq)
select(.type == "aws/ec2/instance") | [.id, (if (.json.MetadataOptions.HttpTokens // "optional") != "required" then "fail" else "pass" end)]
