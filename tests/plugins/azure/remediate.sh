#!/bin/sh
# remediate.sh - the remediation chain on the fake Azure (demo estate):
# with remediation on for AZ-E001..E003, a dry run changes nothing; then
# inspect sets the open rules of the Contributor subscription to Deny (the
# history keeps each rule before and after), never sends a request that
# would change the Reader subscription, and the next inspection resolves
# the findings it fixed while the Reader subscription's stays open.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"
. "$CP_TOP_SRCDIR/tests/fakes/azure/fake.sh"

TENANT=7a1c3e52-9d4b-4f0e-8a6c-2b5d9e7f1a30
APP=3f6b8e21-4c7d-4a9e-b1f2-6d8c0e5a7b94
PROD=1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081
DEV=9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4

(umask 077 && printf 'demo-azure-secret-0001\n' >"$T/secret")

# setup: a fresh state, the tenant registered, both subscriptions on and
# remediation on for the three NSG policies.
setup() {
	rm -rf "$T/state"
	cat >"$T/cp.ini" <<INI
[core]
state_dir = $T/state
plugin_dirs = $CP_TOP_BUILDDIR/plugins/azure/.libs
policy_dirs = $CP_TOP_SRCDIR/policies
language = en

[plugin:azure]
login_url = $AZURL
arm_url = $AZURL
graph_url = $AZURL
INI
	CLOUDPATROL_CONFIG="$T/cp.ini"
	export CLOUDPATROL_CONFIG
	run 0 "$CP" portal add acme
	run 0 "$CP" env add azure demo --tenant-id "$TENANT" \
	    --client-id "$APP" --client-secret-file "$T/secret"
	run 0 "$CP" unit inspect demo "$PROD" on
	run 0 "$CP" unit inspect demo "$DEV" on
	for p in AZ-E001 AZ-E002 AZ-E003; do
		run 0 "$CP" policy set "$p" --remediate on
	done
}

# access: "rule=access" of every custom rule in the fake's estate, sorted.
access() {
	azctl GET /__estate/subscriptions | "$PY" -c 'import json, sys
out = []
for s in json.load(sys.stdin):
    for n in s.get("resources", {}).get("networkSecurityGroups", []):
        for r in n["properties"].get("securityRules", []):
            out.append(r["name"] + "=" + r["properties"]["access"])
print(" ".join(sorted(out)))'
}

# writes [TEXT]: the requests that would change something (whose path
# contains TEXT); the token requests and the cost query are POSTs that
# change nothing.
writes() {
	azctl GET /__requests | "$PY" -c 'import json, sys
t = sys.argv[1]
print(sum(1 for r in json.load(sys.stdin) if r["method"] in ("PUT", "POST", "PATCH", "DELETE")
          and "/oauth2/" not in r["path"] and not r["path"].endswith("/Microsoft.CostManagement/query")
          and t in r["path"]))' "${1:-}"
}

start_fakeaz
before=$(access)

# A dry run: five remediations looked at, nothing written.
setup
run 0 "$CP" inspect --remediation-dry-run
has "$T/out" "5 dry-run"
same "$(writes)" 0
same "$(access)" "$before"

# For real: the Contributor subscription's open rules are set to Deny;
# the Reader subscription's allow-rdp gets no request at all.
setup
azctl POST /__reset >/dev/null
run 0 "$CP" inspect
has "$T/out" "demo/$PROD"
same "$(access)" "allow-any-any=Deny allow-https=Allow allow-mgmt-office=Allow allow-rdp=Allow allow-redis-vnet=Allow allow-sql-internet=Deny allow-ssh-any=Deny deny-ssh=Deny"
same "$(writes /securityRules/)" 3
same "$(writes "$DEV")" 0
same "$(azctl GET /__requests | "$PY" -c 'import json, sys
print(sum(1 for r in json.load(sys.stdin) if "allow-rdp" in r["path"]))')" 0
run 0 "$CP" --json history
has "$T/out" "nsg-web/allow-ssh-any: Allow Inbound Tcp 22 from * (priority 110)"
has "$T/out" "nsg-web/allow-ssh-any: Deny Inbound Tcp 22 from * (priority 110)"
has "$T/out" "unchanged: already Deny"

# The next inspection resolves what was fixed; allow-rdp stays open.
run 0 "$CP" inspect
has "$T/out" "0 opened"
run 0 "$CP" --json findings --all
"$PY" - "$T/out" >"$T/left" <<'EOF'
import json, sys
rows = json.load(open(sys.argv[1]))
rows = rows if isinstance(rows, list) else rows.get("findings", [])
for f in sorted(rows, key=lambda f: (f["policy"], f["resource_name"])):
    if f["policy"] in ("AZ-E001", "AZ-E002", "AZ-E003") and not f.get("resolved_at"):
        print(f["policy"], f["resource_name"])
EOF
same "$(cat "$T/left")" "AZ-E001 allow-rdp"
finish
