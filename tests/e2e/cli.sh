#!/bin/sh
# cli.sh - the cloudpatrol command line: help, usage errors and exit codes,
# config check, portals and the store's file modes.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

mkdir -p "$T/plugins"
cat >"$T/cp.ini" <<INI
[core]
state_dir = $T/state
plugin_dirs = $T/plugins
language = en
INI
export CLOUDPATROL_CONFIG="$T/cp.ini"

# Help and exit codes: 0 ok, 1 error, 2 usage.
run 0 "$CP" --help
has "$T/out" "Usage: cloudpatrol"
has "$T/out" "portal"
run 0 "$CP" --lang ja --help
has "$T/out" "使い方"
run 2 "$CP"
run 2 "$CP" frobnicate
has "$T/err" "unknown command 'frobnicate'"
run 2 "$CP" --lang fr version
run 0 "$CP" version
has "$T/out" "cloudpatrol "
has "$T/out" "(plugin ABI 1.0)"
run 0 "$CP" --json version
has "$T/out" '"abi_major": 1'
for cmd in version plugins portal env unit config; do
	run 0 "$CP" $cmd --help
	has "$T/out" "Usage: cloudpatrol"
done
run 2 "$CP" version extra

# config check: the sample configuration is valid as shipped.
run 0 "$CP" config check "$CP_TOP_SRCDIR/etc/cloudpatrol.ini"
has "$T/out" "cloudpatrol.ini: ok"
run 0 "$CP" config check
has "$T/out" "$T/cp.ini: ok"
cat >"$T/bad.ini" <<'INI'
[core]
workers = lots
[plugin:nosuch]
key = 1
INI
run 1 "$CP" config check "$T/bad.ini"
has "$T/err" "$T/bad.ini:2: [core] workers = lots: not a whole number"
run 1 "$CP" --json config check "$T/bad.ini"
has "$T/out" '"ok": false'
has "$T/out" "$T/bad.ini:2: [core] workers = lots: not a whole number"
run 1 "$CP" config check "$T/missing.ini"
has "$T/err" "$T/missing.ini: cannot read: no such file"
run 2 "$CP" config check a b

# Portals.
run 0 "$CP" portal list
run 0 "$CP" portal add acme --lang ja
has "$T/out" "portal acme added (language ja)"
run 1 "$CP" portal add acme
has "$T/err" "portal 'acme' exists already"
run 2 "$CP" portal add "Bad Name"
has "$T/err" "bad portal name 'Bad Name'"
run 0 "$CP" portal add globex
run 0 "$CP" --json portal list
has "$T/out" '"name": "acme"'
has "$T/out" '"lang": "ja"'
has "$T/out" '"name": "globex"'
run 0 "$CP" --lang ja portal list
has "$T/out" "名前"
run 2 "$CP" portal remove globex
has "$T/err" "add --yes to confirm"
run 0 "$CP" portal remove globex --yes
run 1 "$CP" portal remove globex --yes
has "$T/err" "no portal named 'globex'"
run 0 "$CP" portal list
lacks "$T/out" "globex"

# The store is private: dir 0700, files 0600.
same "$(stat -c %a "$T/state")" 700
same "$(stat -c %a "$T/state/cloudpatrol.db")" 600
same "$(stat -c %a "$T/state/secret.key")" 600
chmod 644 "$T/state/cloudpatrol.db"
run 1 "$CP" portal list
has "$T/err" "chmod 600"
chmod 600 "$T/state/cloudpatrol.db"

# env needs a portal and a plugin for the cloud.
run 1 "$CP" env add nocloud prod
has "$T/err" "no running plugin offers cloud 'nocloud'"
run 1 "$CP" env show prod
has "$T/err" "portal acme has no environment 'prod'"

finish
