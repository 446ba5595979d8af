# BENCH-016: EBS volume is not encrypted (the same rule as BENCH-016.sql, for jq)
select(.type == "aws/ec2/volume") | [.id, (if .json.Encrypted == false then "fail" else "pass" end)]
