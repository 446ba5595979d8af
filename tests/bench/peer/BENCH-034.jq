# BENCH-034: VM uses the default service account with full API access (the same rule as BENCH-034.sql, for jq)
select(.type == "gcp/compute/instance") | [.id, (if any(.json.serviceAccounts[]?; (.email | endswith("-compute@developer.gserviceaccount.com")) and any(.scopes[]?; . == "https://www.googleapis.com/auth/cloud-platform")) then "fail" else "pass" end)]
