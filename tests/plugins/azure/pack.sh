#!/bin/sh
# pack.sh - the Azure emergency pack (policies/emergency/azure) through
# the real CLI on the fake Azure's demo estate: exactly the findings
# listed below open (the tenant-level AZ-E009, AZ-E011 and AZ-E012 in both
# subscriptions, in the findings of each), a
# second inspection keeps them open, and a 403 on one resource provider
# leaves its policy undecided instead of resolving its findings.  AZ-E004
# both ways: a container made public opens its finding and made private
# resolves it; a 403 on one account's containers decides nothing.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"
. "$CP_TOP_SRCDIR/tests/fakes/azure/fake.sh"

TENANT=7a1c3e52-9d4b-4f0e-8a6c-2b5d9e7f1a30
APP=3f6b8e21-4c7d-4a9e-b1f2-6d8c0e5a7b94
PROD=1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081
DEV=9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4

start_fakeaz
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
(umask 077 && printf 'demo-azure-secret-0001\n' >"$T/secret")

# open: the open findings as "POLICY UNIT-PREFIX RESOURCE-NAME", sorted.
open() {
	"$CP" --json findings | "$PY" -c 'import json, sys
for f in sorted(json.load(sys.stdin), key=lambda f: (f["policy"], f["unit"], f["resource_name"])):
    if not f.get("resolved_at"):
        print(f["policy"], f["unit"][:8], f["resource_name"])' >"$T/open"
}

run 0 "$CP" portal add acme
run 0 "$CP" env add azure demo --tenant-id "$TENANT" --client-id "$APP" \
	--client-secret-file "$T/secret"
run 0 "$CP" unit inspect demo "$PROD" on
run 0 "$CP" unit inspect demo "$DEV" on
run 0 "$CP" inspect
has "$T/out" "demo/$PROD: 99 resources, 13 policies (0 undecided); findings: 17 opened"
has "$T/out" "demo/$DEV: 45 resources, 13 policies (0 undecided); findings: 4 opened"
open
cat >"$T/want" <<'WANT'
AZ-E001 1b2c3d4e allow-any-any
AZ-E001 1b2c3d4e allow-ssh-any
AZ-E001 9e8d7c6b allow-rdp
AZ-E002 1b2c3d4e allow-any-any
AZ-E002 1b2c3d4e allow-sql-internet
AZ-E003 1b2c3d4e allow-any-any
AZ-E004 1b2c3d4e stcpdemolegacy
AZ-E004 1b2c3d4e stcpdemopublic
AZ-E004 1b2c3d4e stcpdemopublic/partner-exports
AZ-E004 1b2c3d4e stcpdemopublic/site-assets
AZ-E005 1b2c3d4e stcpdemolegacy
AZ-E006 1b2c3d4e AllowAll
AZ-E007 1b2c3d4e kv-cp-demo-open
AZ-E008 1b2c3d4e vm-jump01
AZ-E009 1b2c3d4e Global Administrator
AZ-E009 9e8d7c6b Global Administrator
AZ-E010 1b2c3d4e cp-demo-prod
AZ-E011 1b2c3d4e ren@contoso-demo.onmicrosoft.com
AZ-E011 9e8d7c6b ren@contoso-demo.onmicrosoft.com
AZ-E012 1b2c3d4e dev_contractor.example#EXT#@contoso-demo.onmicrosoft.com
AZ-E012 9e8d7c6b dev_contractor.example#EXT#@contoso-demo.onmicrosoft.com
WANT
checks=$((checks + 1))
if ! cmp -s "$T/want" "$T/open"; then
	failures=$((failures + 1))
	echo "FAIL: the open findings differ from the list"
	diff "$T/want" "$T/open" || :
fi

# AZ-E004 says which containers are public; stcpdemodev's container set
# to Container is no finding (the account disallows public access).
detail() {
	"$CP" --json findings | "$PY" -c 'import json, sys
for f in json.load(sys.stdin):
    if f["policy"] == sys.argv[1] and f["resource_name"] == sys.argv[2] \
            and not f.get("resolved_at"):
        print(f["detail"])' "$1" "$2"
}
same "$(detail AZ-E004 stcpdemopublic)" \
	"containers may be made public (allowBlobPublicAccess); public containers: partner-exports (Container), site-assets (Blob)"
same "$(detail AZ-E004 stcpdemolegacy)" \
	"allowBlobPublicAccess is not set (public access allowed); no container is public yet"
same "$(detail AZ-E004 stcpdemopublic/site-assets)" \
	"container is public (Blob): anyone can read its blobs by URL"
same "$(detail AZ-E004 stcpdemopublic/partner-exports)" \
	"container is public (Container): anyone can read and list its blobs"

# The tenant-level findings are in both subscriptions' risk reports.
for u in "$PROD" "$DEV"; do
	run 0 "$CP" report risk --variant A --env demo --unit "$u" \
	    --format csv --no-bom -o "$T/risk-$u.csv"
	has "$T/risk-$u.csv" "ren@contoso-demo.onmicrosoft.com"
	has "$T/risk-$u.csv" "dev_contractor.example#EXT#"
	has "$T/risk-$u.csv" "AZ-E009"
done

# SQL refused: AZ-E006 decides nothing, its finding stays open.  The
# sign-in seen last time is outside the new window (since the last
# collection): its event finding closes, as events do.
azctl POST /__fault '{"kind": "forbidden", "match": "Microsoft.Sql", "count": -1}' >/dev/null
run 1 "$CP" inspect demo "$PROD"
has "$T/out" "13 policies (1 undecided); findings: 0 opened, 15 still open, 1 resolved"
has "$T/out" "1 collector error(s)"
open
grep -v "^AZ-E011 1b2c3d4e" "$T/want" >"$T/want2"
checks=$((checks + 1))
cmp -s "$T/want2" "$T/open" || {
	failures=$((failures + 1))
	echo "FAIL: a finding changed for lack of data"
}

# A container made public opens its finding; the account's finding
# names it.
azctl POST /__reset >/dev/null
ACC=/subscriptions/$PROD/resourceGroups/rg-prod/providers/Microsoft.Storage/storageAccounts
azctl POST /__estate/resource "{\"id\": \"$ACC/stcpdemolegacy/blobServices/default/containers/backups\", \"properties\": {\"publicAccess\": \"Blob\"}}" >/dev/null
run 0 "$CP" inspect demo "$PROD"
has "$T/out" "13 policies (0 undecided); findings: 1 opened, 16 still open, 0 resolved"
same "$(detail AZ-E004 stcpdemolegacy/backups)" \
	"container is public (Blob): anyone can read its blobs by URL"
same "$(detail AZ-E004 stcpdemolegacy)" \
	"allowBlobPublicAccess is not set (public access allowed); public containers: backups (Blob)"
# The containers of stcpdemopublic refused (403) while site-assets is
# made private: named in the error, the other accounts' containers still
# read, and AZ-E004 decides nothing (site-assets stays open).
azctl POST /__fault '{"kind": "forbidden", "match": "stcpdemopublic/blobServices", "count": 1}' >/dev/null
azctl POST /__estate/resource "{\"id\": \"$ACC/stcpdemopublic/blobServices/default/containers/site-assets\", \"properties\": {\"publicAccess\": \"None\"}}" >/dev/null
run 1 "$CP" inspect demo "$PROD"
has "$T/out" "13 policies (1 undecided); findings: 0 opened, 12 still open, 0 resolved"
has "$T/out" "1 collector error(s)"
has "$T/err" "tenant $TENANT subscription $PROD Microsoft.Storage/storageAccounts/blobServices/containers (storage account stcpdemopublic): AuthorizationFailed"
same "$(detail AZ-E004 stcpdemopublic/site-assets)" \
	"container is public (Blob): anyone can read its blobs by URL"
# Answered again: the container made private resolves its finding.
run 0 "$CP" inspect demo "$PROD"
has "$T/out" "13 policies (0 undecided); findings: 0 opened, 16 still open, 1 resolved"
same "$(detail AZ-E004 stcpdemopublic/site-assets)" ""
same "$(detail AZ-E004 stcpdemopublic)" \
	"containers may be made public (allowBlobPublicAccess); public containers: partner-exports (Container)"
open
grep '^AZ-E004' "$T/open" >"$T/e004"
cat >"$T/want3" <<'WANT'
AZ-E004 1b2c3d4e stcpdemolegacy
AZ-E004 1b2c3d4e stcpdemolegacy/backups
AZ-E004 1b2c3d4e stcpdemopublic
AZ-E004 1b2c3d4e stcpdemopublic/partner-exports
WANT
checks=$((checks + 1))
cmp -s "$T/want3" "$T/e004" || {
	failures=$((failures + 1))
	echo "FAIL: AZ-E004's open findings:"
	diff "$T/want3" "$T/e004" || :
}

# Regions: with japaneast alone allowed, the development subscription's
# seven resources in japanwest are outside it.
azctl POST /__reset >/dev/null
run 0 "$CP" policy set AZ-E013 --param 'regions=["japaneast"]'
run 0 "$CP" inspect demo "$DEV"
has "$T/out" "findings: 7 opened"
"$CP" --json findings demo "$DEV" | "$PY" -c 'import json, sys
print(sum(1 for f in json.load(sys.stdin) if f["policy"] == "AZ-E013"))' >"$T/n"
same "$(cat "$T/n")" 7
finish
