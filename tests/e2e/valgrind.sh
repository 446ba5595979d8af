#!/bin/sh
# valgrind.sh PROGRAM... - runs each unit and plugin test program, then
# "cloudpatrol plugins" over every test plugin, under valgrind; any memory
# error or definite/indirect leak fails.  Run by "make check-valgrind" in a
# build without sanitizers.
set -eu
: "${CP_TOP_BUILDDIR:?run through make check-valgrind}"
cd "$CP_TOP_BUILDDIR"

vg="./libtool --mode=execute valgrind --quiet --leak-check=full \
--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
--error-exitcode=99 --track-fds=no"
passed=0
failed=0

# check NAME EXPECTED-STATUS CMD...: any other status (a crash, valgrind's
# 99) or a memory error in the output fails.
check() {
	name=$1
	want=$2
	shift 2
	set +e
	"$@" >"$tmp/out" 2>&1
	rc=$?
	set -e
	if [ $rc -ne "$want" ] || grep -q "definitely lost\|indirectly lost\|Invalid \(read\|write\|free\)\|uninitialised" "$tmp/out"; then
		echo "FAIL: valgrind: $name (exit $rc, expected $want)"
		cat "$tmp/out"
		failed=$((failed + 1))
	else
		echo "PASS: valgrind: $name"
		passed=$((passed + 1))
	fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cp-valgrind.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The test programs, as many at once as there are processors (valgrind
# runs one thread at a time): each writes its output and exit status to
# files named by its position, read back in order below.
jobs=$(nproc 2>/dev/null || echo 2)
n=0
for prog in "$@"; do
	case "$prog" in
	tests/unit/*|plugins/*/test_*|tests/plugins/*/test_*)
		n=$((n + 1))
		printf '%s %s\n' "$n" "$prog" ;;
	esac
done >"$tmp/list"
export tmp vg
xargs -P "$jobs" -L 1 sh -c '$vg "./$1" >"$tmp/$0.out" 2>&1; \
	echo $? >"$tmp/$0.rc"' <"$tmp/list"
while read -r i prog; do
	rc=$(cat "$tmp/$i.rc" 2>/dev/null || echo 127)
	check "$prog" 0 sh -c 'cat "$1"; exit "$2"' sh "$tmp/$i.out" "$rc"
done <"$tmp/list"

# "cloudpatrol plugins" with good and refused plugins alike.
mkdir -p "$tmp/plugins" "$tmp/state"
cp tests/plugins/.libs/*.so "$tmp/plugins/"
printf '[core]\nstate_dir = %s/state\nplugin_dirs = %s/plugins\n' \
	"$tmp" "$tmp" >"$tmp/cp.ini"
# Exit 1: the refused test plugins are among them.
check "cloudpatrol plugins" 1 $vg ./cloudpatrol --config "$tmp/cp.ini" plugins

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
