# fake.sh - the fake AWS in a test script: started, asked, stopped.
# Sourced after tests/e2e/lib.sh (which gives $T); uses $CP_PYTHON3.
#
#   start_fake [--estate DIR] [FAKE-OPTION...]
#                  starts fakeaws.py on a free loopback port (the demo
#                  estate unless --estate is given; a second call stops the
#                  first fake); sets PORT and URL
#   stop_fake      stops it (the EXIT trap set here does too)
#   ctl METHOD PATH [JSON]
#                  a control request (/__fault, /__requests...); prints
#                  the body

PY=${CP_PYTHON3:-/usr/bin/python3}
FAKE_DIR="$CP_TOP_SRCDIR/tests/fakes/aws"
FAKE_PID=
PORT=
URL=

stop_fake() {
	if [ -n "$FAKE_PID" ]; then
		kill -TERM "$FAKE_PID" 2>/dev/null || :
		wait "$FAKE_PID" 2>/dev/null || :
		FAKE_PID=
	fi
}
trap 'stop_fake; rm -rf "$T"' EXIT

start_fake() {
	estate="$FAKE_DIR/estates/demo"
	if [ "${1:-}" = --estate ]; then
		estate=$2
		shift 2
	fi
	stop_fake
	rm -f "$T/port"
	"$PY" "$FAKE_DIR/fakeaws.py" --estate "$estate" --port-file "$T/port" \
	    --quiet "$@" >"$T/fake.log" 2>&1 &
	FAKE_PID=$!
	i=0
	while [ ! -s "$T/port" ]; do
		i=$((i + 1))
		if [ "$i" -gt 600 ] || ! kill -0 "$FAKE_PID" 2>/dev/null; then
			echo "FAIL: the fake AWS did not start"
			cat "$T/fake.log"
			exit 1
		fi
		sleep 0.05
	done
	PORT=$(cat "$T/port")
	URL="http://127.0.0.1:$PORT"
}

ctl() {
	"$PY" - "$PORT" "$@" <<'PY'
import sys, urllib.request
port, method, path = sys.argv[1], sys.argv[2], sys.argv[3]
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path),
                             data=data, method=method,
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}
