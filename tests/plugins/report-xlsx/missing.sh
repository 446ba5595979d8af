#!/bin/sh
# missing.sh - run instead of the report-xlsx tests when configure did not
# find libxlsxwriter: the plugin is not built, so this fails and says why.
echo "report-xlsx: not built: libxlsxwriter not found" \
    "(apt-get install libxlsxwriter-dev, then run configure again)" >&2
exit 1
