# BENCH-001: Security group allows SSH from the Internet (the same rule as BENCH-001.sql, for jq)
select(.type == "aws/ec2/security-group") | [.id, (if any(.json.IpPermissions[]?; (.IpProtocol == "-1" or (.FromPort <= 22 and 22 <= .ToPort)) and any(.IpRanges[]?; .CidrIp == "0.0.0.0/0")) then "fail" else "pass" end)]
