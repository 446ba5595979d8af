# BENCH-002: Security group allows RDP from the Internet (the same rule as BENCH-002.sql, for jq)
select(.type == "aws/ec2/security-group") | [.id, (if any(.json.IpPermissions[]?; (.IpProtocol == "-1" or (.FromPort <= 3389 and 3389 <= .ToPort)) and any(.IpRanges[]?; .CidrIp == "0.0.0.0/0")) then "fail" else "pass" end)]
