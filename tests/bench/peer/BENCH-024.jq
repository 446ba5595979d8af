# BENCH-024: Linux VM allows password sign-in (the same rule as BENCH-024.sql, for jq)
select(.type == "azure/compute/vm") | [.id, (if .json.properties.osProfile.linuxConfiguration.disablePasswordAuthentication == false then "fail" else "pass" end)]
