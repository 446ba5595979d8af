# fake.sh - the fake Azure in a test script: started, asked, stopped.
# Sourced after tests/e2e/lib.sh (which gives $T); uses $CP_PYTHON3.
#
#   start_fakeaz [--estate DIR] [FAKE-OPTION...]
#                  starts fakeazure.py on a free loopback port (the demo
#                  estate unless --estate is given; a second call stops the
#                  first fake); sets AZPORT and AZURL
#   stop_fakeaz    stops it (the EXIT trap set here does too)
#   azctl METHOD PATH [JSON]
#                  a control request (/__fault, /__requests, /__reset,
#                  /__estate/...); prints the body

PY=${CP_PYTHON3:-/usr/bin/python3}
AZFAKE_DIR="$CP_TOP_SRCDIR/tests/fakes/azure"
AZFAKE_PID=
AZPORT=
AZURL=

stop_fakeaz() {
	if [ -n "$AZFAKE_PID" ]; then
		kill -TERM "$AZFAKE_PID" 2>/dev/null || :
		wait "$AZFAKE_PID" 2>/dev/null || :
		AZFAKE_PID=
	fi
}
trap 'stop_fakeaz; rm -rf "$T"' EXIT

start_fakeaz() {
	estate="$AZFAKE_DIR/estates/demo"
	if [ "${1:-}" = --estate ]; then
		estate=$2
		shift 2
	fi
	stop_fakeaz
	rm -f "$T/azport"
	PYTHONDONTWRITEBYTECODE=1 "$PY" "$AZFAKE_DIR/fakeazure.py" \
	    --estate "$estate" --port-file "$T/azport" --quiet "$@" \
	    >"$T/fakeaz.log" 2>&1 &
	AZFAKE_PID=$!
	i=0
	while [ ! -s "$T/azport" ]; do
		i=$((i + 1))
		if [ "$i" -gt 600 ] || ! kill -0 "$AZFAKE_PID" 2>/dev/null; then
			echo "FAIL: the fake Azure did not start"
			cat "$T/fakeaz.log"
			exit 1
		fi
		sleep 0.05
	done
	AZPORT=$(cat "$T/azport")
	AZURL="http://127.0.0.1:$AZPORT"
}

azctl() {
	"$PY" - "$AZPORT" "$@" <<'PY'
import sys, urllib.request
port, method, path = sys.argv[1], sys.argv[2], sys.argv[3]
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path),
                             data=data, method=method,
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}
