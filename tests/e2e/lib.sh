# lib.sh - what the end-to-end scripts share: a temporary directory, the
# built cloudpatrol, and checks that count and explain their failures.
# Sourced, not run.

: "${CP_TOP_BUILDDIR:?run through make check}"
: "${CP_TOP_SRCDIR:?run through make check}"

CP="$CP_TOP_BUILDDIR/cloudpatrol"
T=$(mktemp -d "${TMPDIR:-/tmp}/cp-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
checks=0
failures=0

# run EXPECTED-STATUS CMD...: runs CMD, keeps stdout in $T/out and stderr
# in $T/err, and checks its exit status.
run() {
	want=$1
	shift
	set +e
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	set -e
	checks=$((checks + 1))
	if [ "$got" -ne "$want" ]; then
		failures=$((failures + 1))
		echo "FAIL: '$*' exited $got, expected $want"
		sed 's/^/  stdout: /' "$T/out"
		sed 's/^/  stderr: /' "$T/err"
	fi
}

# has FILE TEXT: FILE ($T/out or $T/err) contains the fixed string TEXT.
has() {
	checks=$((checks + 1))
	if ! grep -qF -- "$2" "$1"; then
		failures=$((failures + 1))
		echo "FAIL: $(basename "$1") lacks: $2"
		sed 's/^/  | /' "$1"
	fi
}

# lacks FILE TEXT: FILE does not contain TEXT.
lacks() {
	checks=$((checks + 1))
	if grep -qF -- "$2" "$1"; then
		failures=$((failures + 1))
		echo "FAIL: $(basename "$1") should not contain: $2"
	fi
}

# same A B: two strings are equal.
same() {
	checks=$((checks + 1))
	if [ "$1" != "$2" ]; then
		failures=$((failures + 1))
		echo "FAIL: '$1' != '$2'"
	fi
}

# finish: the summary line, and the exit status of the script.
finish() {
	echo "$((checks - failures)) passed, $failures failed"
	[ "$failures" -eq 0 ]
}
