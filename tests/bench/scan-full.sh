#!/bin/sh
# scan-full.sh - see scan_bench.py.
exec "${CP_PYTHON3:-/usr/bin/python3}" "$CP_TOP_SRCDIR/tests/bench/scan_bench.py" scan-full
