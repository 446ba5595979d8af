# BENCH-003: Security group allows all traffic from the Internet (the same rule as BENCH-003.sql, for jq)
select(.type == "aws/ec2/security-group") | [.id, (if any(.json.IpPermissions[]?; .IpProtocol == "-1" and (any(.IpRanges[]?; .CidrIp == "0.0.0.0/0") or any(.Ipv6Ranges[]?; .CidrIpv6 == "::/0"))) then "fail" else "pass" end)]
