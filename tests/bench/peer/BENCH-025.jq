# BENCH-025: VM boot diagnostics are off (the same rule as BENCH-025.sql, for jq)
select(.type == "azure/compute/vm") | [.id, (if (.json.properties.diagnosticsProfile.bootDiagnostics.enabled // false) == false then "fail" else "pass" end)]
