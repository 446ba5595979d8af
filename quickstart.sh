#!/bin/sh
# Quick start on a fresh Debian 12 machine.
#
#   ./quickstart.sh         install what the build needs, build, run the
#                           main job: the demo patrol ("cloudpatrol demo",
#                           a fake AWS account on this machine; its files
#                           go to ./build/cloudpatrol-demo)
#   ./quickstart.sh test    the same set-up, then every test: make check,
#                           the sanitizer build's make check, the valgrind
#                           checks and make distcheck
#
# The build lives in ./build (out of tree); nothing is installed system-wide
# except the Debian packages listed below.
set -eu

cd "$(dirname "$0")"
top=$(pwd)
mode=${1:-run}
case "$mode" in
run|test) ;;
-h|--help)
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 0 ;;
*)
	echo "usage: $0 [test]" >&2
	exit 2 ;;
esac

# Debian packages: build tools, the libraries configure looks for, and the
# real peers the tests talk to.
packages="build-essential autoconf automake libtool pkg-config \
libcurl4-openssl-dev libjansson-dev libssl-dev libltdl-dev libsqlite3-dev \
libinih-dev libcunit1-dev libexpat1-dev zlib1g-dev python3 python3-aiosmtpd openssl \
python3-botocore awscli \
libxlsxwriter-dev python3-openpyxl libreoffice-calc-nogui \
ca-certificates valgrind xz-utils nginx-light nmap"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "quickstart: installing:$missing"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends $missing
fi

jobs=$(nproc 2>/dev/null || echo 2)

# Generates configure when it is missing or older than its sources.
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	./autogen.sh
fi

# build DIR [configure options]: configures once, then builds.
build() {
	dir=$1
	shift
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		(cd "$dir" && "$top/configure" --enable-werror "$@")
	fi
	make -C "$dir" -j"$jobs"
}

build build

if [ "$mode" = run ]; then
	cd build
	exec ./cloudpatrol demo
fi

# Tests: run every step to the end, keep its output, then sum up.
log=$(mktemp)
trap 'rm -f "$log" "$log.step"' EXIT
failed_steps=""
run_step() {
	name=$1
	shift
	echo "=== $name"
	set +e
	( "$@" ) > "$log.step" 2>&1
	rc=$?
	set -e
	cat "$log.step"
	cat "$log.step" >> "$log"
	rm -f "$log.step"
	[ $rc -eq 0 ] || failed_steps="$failed_steps $name"
}

run_step "make check" make -C build -j"$jobs" check VERBOSE=1
build build-sanitizers --enable-sanitizers
run_step "make check (ASan+UBSan)" make -C build-sanitizers -j"$jobs" check \
	VERBOSE=1
run_step "valgrind" make -C build check-valgrind
run_step "make distcheck" make -C build -j"$jobs" distcheck \
	DISTCHECK_CONFIGURE_FLAGS=--enable-werror VERBOSE=1

passed=$(grep -c '^PASS: ' "$log" || true)
failed=$(grep -c '^FAIL: \|^ERROR: ' "$log" || true)
echo
[ -z "$failed_steps" ] || echo "quickstart: failed steps:$failed_steps"
echo "$passed passed, $failed failed"
[ -z "$failed_steps" ] && [ "$failed" -eq 0 ]
