# BENCH-006: Detailed monitoring is off (the same rule as BENCH-006.sql, for jq)
select(.type == "aws/ec2/instance") | [.id, (if .json.Monitoring.State == "disabled" then "fail" else "pass" end)]
