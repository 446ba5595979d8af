#!/bin/sh
# test-core.sh - the fake AWS's own tests (test_core.py): authentication,
# faults, control endpoints, remediation, @now, scale, loopback, SIGTERM.
set -eu
: "${CP_TOP_SRCDIR:?run through make check}"
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
exec "${CP_PYTHON3:-/usr/bin/python3}" \
	"$CP_TOP_SRCDIR/tests/fakes/aws/test_core.py"
