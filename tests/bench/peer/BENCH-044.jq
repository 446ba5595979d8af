# BENCH-044: Security list allows every protocol from the Internet (the same rule as BENCH-044.sql, for jq)
select(.type == "oci/network/security-list") | [.id, (if any(.json["ingress-security-rules"][]?; .protocol == "all" and .source == "0.0.0.0/0") then "fail" else "pass" end)]
