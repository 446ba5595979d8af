#!/bin/sh
# services.sh - runs test_services.py (the unit tests of the fake AWS's
# IAM, S3, CloudTrail, Cost Explorer, GuardDuty and Resource Explorer
# modules) with the Python that has botocore.
set -eu
: "${CP_TOP_SRCDIR:?run through make check}"
exec "${CP_PYTHON3:-/usr/bin/python3}" \
    "$CP_TOP_SRCDIR/tests/fakes/aws/test_services.py"
