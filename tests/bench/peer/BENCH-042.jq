# BENCH-042: Security list allows SSH from the Internet (the same rule as BENCH-042.sql, for jq)
select(.type == "oci/network/security-list") | [.id, (if any(.json["ingress-security-rules"][]?; .source == "0.0.0.0/0" and (.protocol == "all" or (.protocol == "6" and (.["tcp-options"]["destination-port-range"] as $r | $r == null or ($r.min <= 22 and 22 <= $r.max))))) then "fail" else "pass" end)]
