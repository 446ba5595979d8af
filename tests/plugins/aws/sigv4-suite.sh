#!/bin/sh
# sigv4-suite.sh - AWS's official Signature Version 4 test suite against
# plugins/aws/sigv4.c, through tests/plugins/aws/sigv4-sign.
#
# Every folder of the suite holding a NAME.req is a case (found, not
# listed: fewer than MIN_CASES fails).  For each, sigv4-sign signs NAME.req
# with the suite's credentials and time, and its creq, sts, authz and sreq
# parts must equal NAME.creq, .sts, .authz and .sreq byte for byte (no
# newline is added or dropped).  One line per case; any mismatch fails.
#
# Two things the suite gives only in its expected files:
# - the session token of a case whose NAME.req has none but whose
#   NAME.sreq adds X-Amz-Security-Token is read from that NAME.sreq line;
#   it is signed (--session-token) when NAME.creq signs it and added
#   after signing (--session-token-after, post-sts-header-after) when not.
# - get-vanilla-with-session-token.sreq carries get-vanilla's signature
#   while its own .authz (and .sts) carry the right one.  A case whose
#   .sreq Authorization line disagrees with its own .authz is compared
#   against its .sreq with that line taken from .authz, and says so.
set -eu
: "${CP_SHARED_FIXTURES:?run through make check}"
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

MIN_CASES=25
SUITE="$CP_SHARED_FIXTURES/cloud/aws/sigv4-test-suite"
SIGN="$CP_TOP_BUILDDIR/tests/plugins/aws/sigv4-sign"

if [ ! -d "$SUITE" ] || [ ! -x "$SIGN" ]; then
	echo "FAIL: the suite ($SUITE) or sigv4-sign ($SIGN) is missing"
	exit 1
fi

find "$SUITE" -name '*.req' -type f | LC_ALL=C sort >"$T/cases"
ncases=$(wc -l <"$T/cases")

while IFS= read -r req; do
	dir=$(dirname "$req")
	name=$(basename "$req" .req)
	base="$dir/$name"
	checks=$((checks + 1))
	bad=""
	note=""
	for part in creq sts authz sreq; do
		[ -f "$base.$part" ] || bad="$bad $part(no $name.$part)"
	done
	if [ -n "$bad" ]; then
		failures=$((failures + 1))
		echo "FAIL: $name:$bad"
		continue
	fi

	set --
	if ! grep -qi '^X-Amz-Security-Token:' "$req" &&
	    grep -qi '^X-Amz-Security-Token:' "$base.sreq"; then
		token=$(sed -n 's/^[Xx]-[Aa]mz-[Ss]ecurity-[Tt]oken://p' \
		    "$base.sreq")
		if grep -q '^x-amz-security-token:' "$base.creq"; then
			set -- --session-token "$token"
		else
			set -- --session-token-after "$token"
		fi
	fi

	# The signed request to expect, mended when the suite contradicts
	# itself (see the head of this file).
	authz=$(cat "$base.authz")
	cp "$base.sreq" "$T/want.sreq"
	if ! grep -qxF "Authorization: $authz" "$base.sreq"; then
		esc=$(printf '%s' "$authz" | sed 's/[|&\\]/\\&/g')
		sed "s|^Authorization: .*|Authorization: $esc|" \
		    "$base.sreq" >"$T/want.sreq"
		note=" (the suite's .sreq disagrees with its .authz: its"
		note="$note Authorization line was taken from .authz)"
	fi

	for part in creq sts authz sreq; do
		want="$base.$part"
		[ "$part" = sreq ] && want="$T/want.sreq"
		rc=0
		"$SIGN" "$@" --part "$part" "$req" >"$T/got.$part" \
		    2>"$T/err" || rc=$?
		if [ "$rc" -ne 0 ]; then
			bad="$bad $part(exit $rc: $(cat "$T/err"))"
		elif ! cmp -s "$T/got.$part" "$want"; then
			bad="$bad $part"
			echo "--- $name.$part: expected, then got"
			diff "$want" "$T/got.$part" | sed 's/^/  /' || :
		fi
	done
	if [ -n "$bad" ]; then
		failures=$((failures + 1))
		echo "FAIL: $name:$bad"
	else
		echo "PASS: $name$note"
	fi
done <"$T/cases"

checks=$((checks + 1))
if [ "$ncases" -lt "$MIN_CASES" ]; then
	failures=$((failures + 1))
	echo "FAIL: only $ncases cases found in $SUITE (want $MIN_CASES+)"
else
	echo "PASS: $ncases cases found"
fi
finish
