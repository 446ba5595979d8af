# BENCH-046: Bucket is not encrypted with a customer-managed key (the same rule as BENCH-046.sql, for jq)
select(.type == "oci/objectstorage/bucket") | [.id, (if .json["kms-key-id"] == null then "fail" else "pass" end)]
