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
has "$T/out" "(plugin ABI 1.1)"
run 0 "$CP" --json version
has "$T/out" '"abi_major": 1'
for cmd in version plugins portal env unit config; do
	run 0 "$CP" $cmd --help
	has "$T/out" "Usage: cloudpatrol"
done
run 2 "$CP" version extra
run 2 "$CP" --lang
has "$T/err" "option '--lang' needs a value"
run 2 "$CP" --bogus version
has "$T/err" "unknown option '--bogus'"
run 2 "$CP" portal add x --lang
has "$T/err" "option '--lang' needs a value"
run 2 "$CP" -p "Not Valid" env list
has "$T/err" "bad portal name 'Not Valid'"

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

# The generic env layer, with the testcloud plugin.
cp "$CP_TOP_BUILDDIR/tests/fakes/.libs/testcloud.so" "$T/plugins/"
cloud="$T/cloud"
mkdir -p "$cloud/units/111111111111" "$cloud/units/222222222222"
echo "s3cret-token" >"$cloud/token"
echo "acct-42" >"$cloud/account"
echo '{"name": "production"}' >"$cloud/units/111111111111/unit.json"
echo '{"name": "staging"}' >"$cloud/units/222222222222/unit.json"
printf 's3cret-token\n' >"$T/token"
chmod 600 "$T/token"
printf 'wrong\n' >"$T/wrong"
chmod 600 "$T/wrong"

run 0 "$CP" plugins
has "$T/out" "testcloud"
has "$T/out" "cloud"
run 0 "$CP" env add testcloud --help
has "$T/out" "--fixtures"
has "$T/out" "--token-file"
has "$T/out" "(secret)"
run 2 "$CP" env add testcloud prod --fixtures "$cloud" --token s3cret-token
has "$T/err" "is secret"
lacks "$T/err" "s3cret"
run 2 "$CP" env add testcloud prod --fixtures "$cloud"
has "$T/err" "needs --token-file"
run 2 "$CP" env add testcloud prod --fixtures relative/dir --token-file "$T/token"
has "$T/err" "--fixtures: 'relative/dir' is not an absolute path"
run 2 "$CP" env add testcloud prod --colour blue
has "$T/err" "has no key '--colour'"
run 2 "$CP" env add testcloud "Bad Name" --fixtures "$cloud"
chmod 644 "$T/token"
run 1 "$CP" env add testcloud prod --fixtures "$cloud" --token-file "$T/token"
has "$T/err" "mode 0644"
chmod 600 "$T/token"
run 1 "$CP" env add testcloud prod --fixtures "$cloud" --token-file "$T/wrong"
has "$T/err" "credentials refused: the token was refused"
run 0 "$CP" env list
lacks "$T/out" "prod"
run 0 "$CP" env add testcloud prod --fixtures "$cloud" --token-file "$T/token"
has "$T/out" "environment prod (testcloud acct-42) registered, read-only, 2 unit(s)"
run 1 "$CP" env add testcloud prod --fixtures "$cloud" --token-file "$T/token"
has "$T/err" "has an environment 'prod' already"
# The secret by standard input, and remediation detected.
touch "$cloud/remediation"
printf 's3cret-token' >"$T/stdin-token"
run 0 "$CP" --json env add testcloud fix --fixtures "$cloud" --token - <"$T/stdin-token"
has "$T/out" '"mode": "remediation"'
has "$T/out" '"units": 2'
run 0 "$CP" env list
has "$T/out" "prod"
has "$T/out" "read-only"
has "$T/out" "remediation"
run 0 "$CP" --json env show prod
has "$T/out" '"fixtures": "'"$cloud"'"'
has "$T/out" '"label": "test"'
has "$T/out" '"token"'
lacks "$T/out" "s3cret-token"
run 0 "$CP" env show prod
has "$T/out" "token: (set, hidden)"
lacks "$T/out" "s3cret-token"
# The secret is sealed in the store, never there in clear.
checks=$((checks + 1))
if grep -rq "s3cret-token" "$T/state"; then
	failures=$((failures + 1))
	echo "FAIL: the token is in the state directory in clear"
fi
run 0 "$CP" env test prod
has "$T/out" "prod: credentials valid, remediation possible"
has "$T/out" "differs from the mode recorded"
run 0 "$CP" unit list prod
has "$T/out" "111111111111"
has "$T/out" "staging"
run 0 "$CP" unit inspect prod 222222222222 off
has "$T/out" "periodic inspection off"
run 1 "$CP" unit inspect prod 999 on
has "$T/err" "has no unit '999'"
run 2 "$CP" unit inspect prod 111111111111 maybe
# sync: a unit gone from the cloud goes from the store; the operator's
# inspection switch of the others survives.
run 0 "$CP" unit inspect prod 111111111111 off
rm -r "$cloud/units/222222222222"
run 0 "$CP" env sync prod
has "$T/out" "prod: 1 unit(s), 1 removed"
run 0 "$CP" --json unit list prod
lacks "$T/out" "222222222222"
has "$T/out" '"inspect": false'
# A wrong [plugin:...] section stops only its own plugin.
cat >"$T/badplugin.ini" <<INI
[core]
state_dir = $T/state
plugin_dirs = $T/plugins
[plugin:testcloud]
colour = blue
INI
run 1 "$CP" --config "$T/badplugin.ini" plugins
has "$T/err" "$T/badplugin.ini:5: [plugin:testcloud] key 'colour'"
has "$T/out" "testcloud"
# Without its plugin an environment is still shown, all values hidden.
run 0 "$CP" --config "$T/badplugin.ini" env show prod
has "$T/err" "every parameter is shown as hidden"
has "$T/out" "fixtures: (set, hidden)"
run 0 "$CP" env setup-guide testcloud --variant remediation
has "$T/out" "remediation file"
run 0 "$CP" --lang ja env setup-guide testcloud
has "$T/out" "フィクスチャ"
run 2 "$CP" env setup-guide testcloud --variant admin
run 2 "$CP" env remove prod
run 0 "$CP" env remove prod --yes
run 1 "$CP" env show prod
# Removing the portal removes its environments.
run 0 "$CP" portal remove acme --yes
run 1 "$CP" env list
has "$T/err" "no portal yet"

finish
