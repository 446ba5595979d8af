# BENCH-005: Instance has a public IP address (the same rule as BENCH-005.sql, for jq)
select(.type == "aws/ec2/instance") | [.id, (if .json.PublicIpAddress != null then "fail" else "pass" end)]
