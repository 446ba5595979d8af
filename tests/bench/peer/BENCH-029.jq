# BENCH-029: SQL server allows TLS older than 1.2 (the same rule as BENCH-029.sql, for jq)
select(.type == "azure/sql/server") | [.id, (if (.json.properties.minimalTlsVersion // "1.0") | IN("1.2", "1.3") | not then "fail" else "pass" end)]
