# BENCH-018: NSG allows RDP from the Internet (the same rule as BENCH-018.sql, for jq)
def port_in($p): if . == "*" then true else (split("-") | map(tonumber)) as $r | ($r[0] <= $p and $p <= $r[-1]) end;
select(.type == "azure/network/nsg") | [.id, (if any(.json.properties.securityRules[]?; .properties as $q | $q.access == "Allow" and $q.direction == "Inbound" and ($q.sourceAddressPrefix | IN("*", "Internet", "Any", "0.0.0.0/0")) and ($q.destinationPortRange | port_in(3389))) then "fail" else "pass" end)]
