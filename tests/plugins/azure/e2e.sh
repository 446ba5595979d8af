#!/bin/sh
# e2e.sh - the azure plugin through the real CLI against the fake Azure
# (tests/fakes/azure, demo estate, pages of 2): env add with a client
# secret and with a certificate (Reader and Contributor told apart, units
# off until switched on), a wrong secret, inspect and the snapshot it
# leaves (every page, the tenant's Entra data and sign-ins in both
# subscriptions, the month-to-date cost, the blob containers of every
# storage account),
# faults (a 429 storm, a 403 on one provider or on one storage account's
# containers, an expired token, Graph without a premium licence) and env
# sync when a subscription comes and goes.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"
. "$CP_TOP_SRCDIR/tests/fakes/azure/fake.sh"

PLUGDIR="$CP_TOP_BUILDDIR/plugins/azure/.libs"
ESTATE="$CP_TOP_SRCDIR/tests/fakes/azure/estates/demo"
TENANT=7a1c3e52-9d4b-4f0e-8a6c-2b5d9e7f1a30
APP=3f6b8e21-4c7d-4a9e-b1f2-6d8c0e5a7b94
PROD=1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081
DEV=9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4
NEW=0f0f0f0f-0000-4000-8000-000000000001

# setup NAME: a state directory and configuration of its own.
setup() {
	d="$T/$1"
	mkdir -p "$d/policies"
	cat >"$d/cp.ini" <<INI
[core]
state_dir = $d/state
plugin_dirs = $PLUGDIR
policy_dirs = $d/policies
language = en

[http]
timeout = 10

[plugin:azure]
login_url = $AZURL
arm_url = $AZURL
graph_url = $AZURL
INI
	CLOUDPATROL_CONFIG="$d/cp.ini"
	export CLOUDPATROL_CONFIG
	STATE="$d/state"
	run 0 "$CP" portal add acme
}

# snap QUERY [UNIT]: one value from the newest snapshot (of UNIT).
snap() {
	"$PY" - "$STATE" "$1" "${2:-}" <<'PY'
import glob, os, sqlite3, sys
dbs = sorted(glob.glob(sys.argv[1] + "/snapshots/*.db"), key=os.path.getmtime)
if sys.argv[3]:
    def unit_of(p):
        db = sqlite3.connect("file:" + p + "?mode=ro", uri=True)
        try:
            return db.execute("SELECT count(*) FROM resources WHERE "
                              "type = 'azure/subscription' AND id = ?",
                              ("/subscriptions/" + sys.argv[3],)).fetchone()[0]
        finally:
            db.close()
    dbs = [p for p in dbs if unit_of(p)]
db = sqlite3.connect("file:" + dbs[-1] + "?mode=ro", uri=True)
row = db.execute(sys.argv[2]).fetchone()
print(row[0] if row else "")
PY
}

count() {
	snap "SELECT count(*) FROM resources WHERE type = 'azure/$1'" "${2:-}"
}

printf 'demo-azure-secret-0001\n' >"$T/secret"
printf 'not-the-secret\n' >"$T/wrong"
cp "$ESTATE/app-client.pem" "$T/cert.pem"
chmod 600 "$T/secret" "$T/wrong" "$T/cert.pem"

start_fakeaz --page-size 2

# --- Registration. -----------------------------------------------------
setup withsecret
run 1 "$CP" env add azure bad --tenant-id "$TENANT" --client-id "$APP" \
	--client-secret-file "$T/wrong"
has "$T/err" "tenant $TENANT: sign-in failed: invalid_client: AADSTS7000215"
lacks "$T/err" "not-the-secret"
run 1 "$CP" env add azure nosecret --tenant-id "$TENANT" --client-id "$APP"
has "$T/err" "give either a client secret or a certificate"
run 0 "$CP" env add azure demo --tenant-id "$TENANT" --client-id "$APP" \
	--client-secret-file "$T/secret"
has "$T/out" "environment demo (azure $TENANT) registered, remediation enabled, 2 unit(s)"
has "$T/out" "1 with remediation (Contributor), 1 read-only (Reader)"
run 0 "$CP" --json unit list demo
same "$("$PY" -c 'import json, sys
print(sorted((u["name"], u["remediation"], u["inspect"]) for u in json.load(sys.stdin)))' <"$T/out")" \
	"[('cp-demo-dev', False, False), ('cp-demo-prod', True, False)]"
lacks "$T/err" "demo-azure-secret"

# --- Nothing is inspected until switched on; then both subscriptions. --
run 0 "$CP" inspect
same "$(ls "$STATE/snapshots" 2>/dev/null | grep -c '\.db$' || :)" 0
run 0 "$CP" unit inspect demo "$PROD" on
run 0 "$CP" unit inspect demo "$DEV" on
azctl POST /__reset >/dev/null
run 0 "$CP" inspect
same "$(count network-security-group "$PROD")" 3
same "$(count network-security-rule "$PROD")" 24
same "$(count network-interface "$PROD")" 3
same "$(count public-ip "$PROD")" 3
same "$(count virtual-machine "$PROD")" 3
same "$(count subnet "$PROD")" 3
same "$(count storage-account "$PROD")" 3
same "$(count blob-container "$PROD")" 6
same "$(count blob-container "$DEV")" 2
same "$(snap "SELECT group_concat(name || ':' || region || ':' || json_extract(json, '\$.properties.publicAccess'), ' ') FROM (SELECT * FROM resources WHERE type = 'azure/blob-container' AND id LIKE '%/stcpdemopublic/%' ORDER BY name)" "$PROD")" \
	"app-logs:japaneast:None partner-exports:japaneast:Container site-assets:japaneast:Blob"
same "$(count sql-firewall-rule "$PROD")" 3
same "$(count key-vault "$PROD")" 2
same "$(count role-assignment "$PROD")" 2
same "$(count load-balancer "$PROD")" 1
same "$(count application-gateway "$PROD")" 1
same "$(count resource "$PROD")" 21
same "$(snap "SELECT json_extract(json, '\$.properties.instanceView.statuses[1].code') FROM resources WHERE name = 'vm-app01'" "$PROD")" \
	PowerState/deallocated
same "$(snap "SELECT count(*) FROM collector_errors" "$PROD")" 0
# Month-to-date cost (Cost Management query), per subscription.
same "$(snap "SELECT (period = strftime('%Y-%m', 'now')) || ' ' || amount || ' ' || currency FROM costs" "$PROD")" \
	"1 1523.4 USD"
same "$(snap "SELECT amount || ' ' || currency FROM costs" "$DEV")" "48.1 USD"
# The tenant's Entra data, collected once, in both snapshots.
same "$(count entra-user "$PROD")" 8
same "$(count entra-user "$DEV")" 8
same "$(count directory-role-member "$DEV")" 7
same "$(snap "SELECT count(*) FROM resources WHERE type = 'azure/directory-role-member' AND id LIKE '62e90394-69f5-4237-9190-012177145e10/%'" "$PROD")" 6
same "$(snap "SELECT json_extract(json, '\$.signInActivity') FROM resources WHERE type = 'azure/tenant'" "$DEV")" available
same "$(snap "SELECT json_extract(json, '\$.signInActivity.lastSignInDateTime') FROM resources WHERE name LIKE 'aoi@%'" "$PROD")" \
	2024-05-18T08:12:00Z
same "$(count network-security-group "$DEV")" 1
# Sign-ins of the last day (the first collection), in both snapshots.
same "$(snap "SELECT count(*) FROM events WHERE type = 'azure/sign-in'" "$PROD")" 3
same "$(snap "SELECT count(*) FROM events WHERE type = 'azure/sign-in'" "$DEV")" 3
same "$(snap "SELECT json_extract(json, '\$.signInLogs') FROM resources WHERE type = 'azure/tenant'" "$PROD")" available
same "$(azctl GET /__requests | "$PY" -c 'import json, sys
print(sum(1 for r in json.load(sys.stdin) if r["path"] == "/v1.0/auditLogs/signIns"
          and "$skiptoken" not in r["query"]))')" 1
same "$(azctl GET /__requests | "$PY" -c 'import json, sys
print(sum(1 for r in json.load(sys.stdin) if r["path"] == "/v1.0/directoryRoles"))')" 1
# stcpdemopublic's three containers come in two pages.
same "$(azctl GET /__requests | "$PY" -c 'import json, sys
print(sum(1 for r in json.load(sys.stdin) if r["path"].endswith("/stcpdemopublic/blobServices/default/containers")))')" 2

# --- The certificate credential. ---------------------------------------
setup withcert
run 0 "$CP" env add azure viacert --tenant-id "$TENANT" --client-id "$APP" \
	--certificate-file "$T/cert.pem"
has "$T/out" "environment viacert (azure $TENANT) registered"
lacks "$T/err" "PRIVATE KEY"

# --- Faults. -----------------------------------------------------------
setup faults
run 0 "$CP" env add azure demo --tenant-id "$TENANT" --client-id "$APP" \
	--client-secret-file "$T/secret"
run 0 "$CP" unit inspect demo "$PROD" on
# Throttled calls (Retry-After 0) complete; SQL, Cost Management and the
# containers of one storage account refused alone, each its own
# collector error (the other accounts' containers are read); a token
# that dies half-way is replaced; a tenant without the licence for
# sign-in activity still gives its users.
azctl POST /__fault '{"kind": "throttle", "match": "networkInterfaces", "count": 4}' >/dev/null
azctl POST /__fault '{"kind": "throttle", "match": "/users", "count": 3}' >/dev/null
azctl POST /__fault '{"kind": "forbidden", "match": "Microsoft.Sql", "count": -1}' >/dev/null
azctl POST /__fault '{"kind": "expired-token", "match": "storageAccounts", "count": 1}' >/dev/null
azctl POST /__fault '{"kind": "forbidden", "match": "CostManagement", "count": -1}' >/dev/null
azctl POST /__fault '{"kind": "forbidden", "match": "stcpdemopublic/blobServices", "count": -1}' >/dev/null
azctl POST /__fault '{"kind": "throttle", "match": "stcpdemolegacy/blobServices", "count": 3}' >/dev/null
azctl POST /__estate/tenant '{"premium": false}' >/dev/null
run 0 "$CP" inspect
same "$(count network-interface)" 3
same "$(count storage-account)" 3
same "$(snap "SELECT group_concat(name, ' ') FROM (SELECT name FROM resources WHERE type = 'azure/blob-container' ORDER BY name)")" \
	"backups data invoices"
same "$(count sql-server)" 0
same "$(count entra-user)" 8
same "$(snap "SELECT json_extract(json, '\$.signInActivity') FROM resources WHERE type = 'azure/tenant'")" not-licensed
same "$(snap "SELECT count(*) FROM resources WHERE type = 'azure/entra-user' AND json_extract(json, '\$.signInActivity') IS NOT NULL")" 0
same "$(snap "SELECT json_extract(json, '\$.signInLogs') || ' ' || json_extract(json, '\$.signInLogsReason') FROM resources WHERE type = 'azure/tenant'")" \
	"not-licensed Authentication_RequestFromNonPremiumTenantOrB2CTenant"
same "$(snap "SELECT count(*) FROM events")" 0
same "$(snap "SELECT group_concat(collector) FROM collector_errors")" blob-containers,sql-servers,cost
has "$T/err" "tenant $TENANT subscription $PROD Microsoft.Storage/storageAccounts/blobServices/containers (storage account stcpdemopublic): AuthorizationFailed"
has "$T/err" "subscription $PROD Microsoft.CostManagement/query: AuthorizationFailed"
has "$T/err" "tenant $TENANT subscription $PROD Microsoft.Sql/servers: AuthorizationFailed"
# Throttled beyond the retries: that collector fails, the rest completes.
azctl POST /__reset >/dev/null
azctl POST /__fault '{"kind": "throttle", "match": "loadBalancers", "count": -1}' >/dev/null
azctl POST /__fault '{"kind": "malformed", "match": "applicationGateways", "count": 1}' >/dev/null
# The storage accounts' list broken: their containers are incomplete too.
azctl POST /__fault '{"kind": "malformed", "match": "Microsoft.Storage/storageAccounts?", "count": 1}' >/dev/null
run 0 "$CP" inspect demo "$PROD"
same "$(snap "SELECT group_concat(collector) FROM collector_errors")" \
	load-balancers,application-gateways,storage-accounts,blob-containers
same "$(count network-security-group)" 3
same "$(count blob-container)" 0
has "$T/err" "Microsoft.Network/loadBalancers: TooManyRequests"
has "$T/err" "Microsoft.Storage/storageAccounts/blobServices/containers: not listed for every account: Microsoft.Storage/storageAccounts failed"

# --- env sync: a subscription comes, another goes. -----------------------
azctl POST /__reset >/dev/null
# Its one storage account is a FileStorage one: no blob service, so its
# containers are not asked for (ARM would refuse), and no error.
FILES="{\"id\": \"/subscriptions/$NEW/resourceGroups/rg-new/providers/Microsoft.Storage/storageAccounts/stcpdemofiles\", \"name\": \"stcpdemofiles\", \"type\": \"Microsoft.Storage/storageAccounts\", \"kind\": \"FileStorage\", \"location\": \"japaneast\", \"properties\": {\"allowBlobPublicAccess\": false}}"
azctl POST /__estate/subscriptions "{\"subscriptionId\": \"$NEW\", \"tenantId\": \"$TENANT\", \"displayName\": \"cp-demo-new\", \"principalRoles\": [{\"appId\": \"$APP\", \"role\": \"Reader\"}], \"resources\": {\"storageAccounts\": [$FILES]}}" >/dev/null
azctl DELETE "/__estate/subscriptions/$DEV" >/dev/null
run 0 "$CP" env sync demo
has "$T/out" "demo: 2 unit(s), 1 removed"
run 0 "$CP" unit list demo
has "$T/out" "cp-demo-new"
lacks "$T/out" "cp-demo-dev"
run 0 "$CP" unit inspect demo "$NEW" on
run 0 "$CP" inspect demo "$NEW"
same "$(count storage-account "$NEW")" 1
same "$(count blob-container "$NEW")" 0
same "$(snap "SELECT count(*) FROM collector_errors" "$NEW")" 0
same "$(azctl GET /__requests | "$PY" -c 'import json, sys
print(sum(1 for r in json.load(sys.stdin) if "/blobServices/" in r["path"]))')" 0
# A subscription gone since the last sync: named, and nothing collected.
azctl DELETE "/__estate/subscriptions/$PROD" >/dev/null
run 1 "$CP" inspect demo "$PROD"
has "$T/err" "tenant $TENANT subscription $PROD: SubscriptionNotFound"

# --- The setup guide. --------------------------------------------------
run 0 "$CP" env setup-guide azure
has "$T/out" "az ad sp create-for-rbac --name cloudpatrol --role Reader"
run 0 "$CP" env setup-guide azure --variant remediation
has "$T/out" "--role Contributor"
has "$T/out" "az role assignment create"
checks=$((checks + 1)); sh -n "$T/out" || { failures=$((failures + 1)); echo "FAIL: the guide is not a shell script"; }
run 0 "$CP" --lang ja env setup-guide azure
has "$T/out" "Azure 設定ガイド"

finish
