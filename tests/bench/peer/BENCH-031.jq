# BENCH-031: Firewall rule allows RDP from the Internet (the same rule as BENCH-031.sql, for jq)
def port_in($p): if . == "*" then true else (split("-") | map(tonumber)) as $r | ($r[0] <= $p and $p <= $r[-1]) end;
select(.type == "gcp/compute/firewall") | [.id, (if .json as $j | $j.direction == "INGRESS" and (($j.disabled // false) | not) and any($j.sourceRanges[]?; . == "0.0.0.0/0") and any($j.allowed[]?; (.IPProtocol == "tcp" or .IPProtocol == "all") and any((.ports // ["*"])[]; port_in(3389))) then "fail" else "pass" end)]
