# BENCH-049: User without MFA (the same rule as BENCH-049.sql, for jq)
select(.type == "oci/identity/user") | [.id, (if .json["is-mfa-activated"] == false then "fail" else "pass" end)]
