# BENCH-022: Storage account allows TLS older than 1.2 (the same rule as BENCH-022.sql, for jq)
select(.type == "azure/storage/account") | [.id, (if (.json.properties.minimumTlsVersion // "TLS1_0") | IN("TLS1_2", "TLS1_3") | not then "fail" else "pass" end)]
