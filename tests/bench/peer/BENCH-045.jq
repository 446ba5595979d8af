# BENCH-045: Bucket allows public reads (the same rule as BENCH-045.sql, for jq)
select(.type == "oci/objectstorage/bucket") | [.id, (if (.json["public-access-type"] // "NoPublicAccess") != "NoPublicAccess" then "fail" else "pass" end)]
