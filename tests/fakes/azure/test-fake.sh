#!/bin/sh
# test-fake.sh - the fake Azure's own tests (test_fakeazure.py): tokens,
# certificate assertions, ARM paging and api-version errors, Graph,
# faults, control endpoints.
set -eu
: "${CP_TOP_SRCDIR:?run through make check}"
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
exec "${CP_PYTHON3:-/usr/bin/python3}" \
	"$CP_TOP_SRCDIR/tests/fakes/azure/test_fakeazure.py"
