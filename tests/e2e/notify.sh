#!/bin/sh
# notify.sh - notifications end to end, through the sinknotify fixture
# plugin: destinations (mail, teams, and slack with a webhook URL that is
# never shown), one message per new risk per destination and none for a
# risk already notified, retries, failures in the outbox, the patrol
# report, and a kill -9 in the middle of a batch that loses nothing.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

estate="$CP_TOP_SRCDIR/tests/e2e/estate"
PY=${CP_PYTHON3:-/usr/bin/python3}
URL="https://hooks.example.com/services/T0001/B0001/e2e-very-secret"
mkdir -p "$T/plugins" "$T/sink"
cp "$CP_TOP_BUILDDIR/tests/fakes/.libs/testcloud.so" \
    "$CP_TOP_BUILDDIR/tests/fakes/.libs/sinknotify.so" "$T/plugins/"
cat >"$T/cp.ini" <<INI
[core]
state_dir = $T/state
plugin_dirs = $T/plugins
policy_dirs = $CP_TOP_SRCDIR/tests/e2e/policies
language = en
remediation_ceiling = 5

[plugin:sinknotify]
dir = $T/sink
INI
export CLOUDPATROL_CONFIG="$T/cp.ini"

# cloud DIR UNIT: a testcloud estate with one unit, its token in DIR.token.
cloud() {
	mkdir -p "$1/units/$2"
	echo "tok" >"$1/token"
	echo "$2" >"$1/account"
	touch "$1/remediation"
	echo '{"name": "production"}' >"$1/units/$2/unit.json"
	printf 'tok\n' >"$1.token"
	chmod 600 "$1.token"
}
cloud "$T/cloud" 111111111111
unit="$T/cloud/units/111111111111"
cp "$estate/resources-1.json" "$unit/resources.json"
printf '%s\n' "$URL" >"$T/hook"
chmod 600 "$T/hook"

# sql QUERY [DB]: one value from the store (read-only).
sql() {
	"$PY" -c 'import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(db.execute(sys.argv[2]).fetchone()[0])' "${2:-$T/state/cloudpatrol.db}" "$1"
}

# msgs DEST [KIND [SINKDIR]]: messages the sink got for DEST (of KIND).
msgs() {
	"$PY" -c 'import json, os, sys
path = os.path.join(sys.argv[3], "messages.jsonl")
lines = open(path).read().splitlines() if os.path.exists(path) else []
n = 0
for line in lines:
    r = json.loads(line)
    if r["dest"]["name"] == sys.argv[1] and sys.argv[2] in ("", r["message"]["kind"]):
        n += 1
print(n)' "$1" "${2:-}" "${3:-$T/sink}"
}

# pycheck SCRIPT ARGS...: a Python check that prints "ok" when it holds.
pycheck() {
	script=$1
	shift
	checks=$((checks + 1))
	got=$("$PY" -c "$script" "$@" 2>&1 || true)
	if [ "$got" != "ok" ]; then
		failures=$((failures + 1))
		echo "FAIL: check said: $got"
	fi
}

run 0 "$CP" portal add acme
run 0 "$CP" env add testcloud prod --fixtures "$T/cloud" --token-file "$T/cloud.token"

# ---- destinations ----
run 2 "$CP" dest add ops --type mail --to ops@example.com
has "$T/err" "--unit ENV/UNIT"
run 2 "$CP" dest add chat --type slack --webhook-url "$URL" --unit prod/111111111111
has "$T/err" "never on the command line"
lacks "$T/err" "hooks.example.com"
printf '%s\n' "$URL" >"$T/hook-open"
chmod 644 "$T/hook-open"
run 1 "$CP" dest add chat --type slack --webhook-url-file "$T/hook-open" --unit prod/111111111111
has "$T/err" "webhook URL:"
lacks "$T/err" "e2e-very-secret"
run 1 "$CP" dest add ops --type mail --to ops@example.com --unit prod/999
has "$T/err" "no unit '999'"
run 1 "$CP" dest add ops --type mail --to ops@example.com --unit lab/111111111111
has "$T/err" "no environment 'lab'"
run 2 "$CP" dest add ops --type mail --to not-an-address --unit prod/111111111111
has "$T/err" "not an e-mail address"
run 2 "$CP" dest add ops --type fax --to ops@example.com --unit prod/111111111111
touch "$T/sink/refuse"
run 1 "$CP" dest add ops --type mail --to ops@example.com --unit prod/111111111111
has "$T/err" "refused by its plugin: the sink refuses destinations"
rm "$T/sink/refuse"
# Without its notifier plugin a destination is not added.
mkdir -p "$T/plugins-nomail"
cp "$CP_TOP_BUILDDIR/tests/fakes/.libs/testcloud.so" "$T/plugins-nomail/"
sed -e "s|^plugin_dirs = .*|plugin_dirs = $T/plugins-nomail|" \
    -e '/^\[plugin:sinknotify\]/,$d' "$T/cp.ini" >"$T/nomail.ini"
run 1 env CLOUDPATROL_CONFIG="$T/nomail.ini" "$CP" dest add ops --type mail --to ops@example.com --unit prod/111111111111
has "$T/err" "no notifier plugin for mail destinations is running"
has "$T/err" "destination ops not added"
same "$(sql "SELECT count(*) FROM destinations")" 0

run 0 "$CP" dest add ops --type mail --to ops@example.com --to sec@example.com --unit prod/111111111111
has "$T/out" "destination ops (mail) added for 1 unit(s)"
run 0 "$CP" dest add chat --type slack --webhook-url-file "$T/hook" --unit prod/111111111111
lacks "$T/out" "e2e-very-secret"
run 0 "$CP" dest add broken --type teams --to channel@example.teams.ms --unit prod/111111111111
run 1 "$CP" dest add ops --type mail --to x@example.com --unit prod/111111111111
has "$T/err" "exists already"
# The URL on standard input works as well.
set +e
"$CP" dest add chat2 --type slack --webhook-url - --unit prod/111111111111 <"$T/hook" >"$T/out" 2>"$T/err"
rc=$?
set -e
same "$rc" 0
run 2 "$CP" dest remove chat2
has "$T/err" "--yes"
run 0 "$CP" dest remove chat2 --yes
run 1 "$CP" dest show chat2

# The URL is never shown, logged or stored in the clear.
run 0 "$CP" dest list
has "$T/out" "ops@example.com, sec@example.com"
has "$T/out" "webhook URL (set, hidden)"
lacks "$T/out" "e2e-very-secret"
run 0 "$CP" dest show chat
has "$T/out" "(set, hidden)"
has "$T/out" "prod/111111111111 (production)"
lacks "$T/out" "e2e-very-secret"
run 0 "$CP" --json dest show chat
has "$T/out" '"webhook_url": "(set, hidden)"'
lacks "$T/out" "e2e-very-secret"
run 0 "$CP" --json dest list
lacks "$T/out" "e2e-very-secret"
checks=$((checks + 1))
if grep -q "e2e-very-secret" "$T/state/"cloudpatrol.db*; then
	failures=$((failures + 1))
	echo "FAIL: the webhook URL is readable in the store"
fi
same "$(sql "SELECT count(*) FROM audit_log WHERE action LIKE 'destination.%'")" 5
same "$(sql "SELECT count(*) FROM audit_log WHERE detail LIKE '%hooks%'")" 0

# A test message now.
run 0 "$CP" dest test ops
has "$T/out" "test message sent to ops"
same "$(msgs ops test)" 1
run 0 "$CP" dest test chat
touch "$T/sink/failed-broken"
run 1 "$CP" dest test broken
has "$T/err" "the sink was told to fail"

# bind / unbind.
run 0 "$CP" dest unbind ops --unit prod/111111111111
has "$T/out" "1 unit(s) unbound from ops"
run 1 "$CP" dest unbind ops --unit prod/111111111111
run 0 "$CP" dest bind ops --unit prod/111111111111
run 1 "$CP" dest bind ops --unit prod/111111111111
has "$T/err" "bound to the destination already"

# ---- risks: one message per new risk per destination ----
run 0 "$CP" inspect
has "$T/out" "5 notified"
run 0 "$CP" outbox list
has "$T/out" "queued"
run 0 "$CP" notify send
has "$T/out" "5 notice(s) fanned out into 15 deliveries, 0 without a destination; sent 10, to retry 0, failed 5"
same "$(msgs ops risk)" 5
same "$(msgs chat risk)" 5
same "$(msgs broken)" 0
pycheck 'import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
risks = [r for r in rs if r["message"]["kind"] == "risk"]
ids = {r["message"]["message_id"] for r in risks}
assert len(ids) == 10, ids
for r in risks:
    m = r["message"]
    assert m["subject"].startswith("[cloudpatrol] New risk"), m["subject"]
    assert "prod/111111111111" in m["subject"]
    assert "How to fix:" in m["text"]
    assert m["lang"] == "en"
    if r["dest"]["name"] == "chat":
        assert r["dest"]["webhook_url"] == sys.argv[2]
    else:
        assert r["dest"]["to"] == ["ops@example.com", "sec@example.com"]
print("ok")' "$T/sink/messages.jsonl" "$URL"
run 0 "$CP" --json outbox list --failed
pycheck 'import json, sys
es = json.load(open(sys.argv[1]))
assert len(es) == 5, len(es)
for e in es:
    assert e["destination"] == "broken" and e["state"] == "failed", e
    assert e["last_error"] == "the sink was told to fail", e
print("ok")' "$T/out"
run 0 "$CP" outbox list --failed
has "$T/out" "the sink was told to fail"
run 0 "$CP" dest show broken
has "$T/out" "0 sent, 0 waiting, 5 failed"

# A second run with nothing new sends nothing.
run 0 "$CP" inspect
has "$T/out" "0 notified"
run 0 "$CP" notify send
has "$T/out" "0 notice(s) fanned out into 0 deliveries"
same "$(msgs ops risk)" 5
same "$(msgs chat risk)" 5

# ---- retry, then success ----
rm "$T/sink/failed-broken"
touch "$T/sink/retry-ops"
before=$(sql "SELECT count(*) FROM outbox WHERE kind = 'notify'")
cp "$estate/resources-2.json" "$unit/resources.json"
run 0 "$CP" policy set TC-001 --remediate on
run 0 "$CP" inspect
same "$(sql "SELECT count(*) > 0 FROM remediations WHERE status = 'done'")" 1
new=$(($(sql "SELECT count(*) FROM outbox WHERE kind = 'notify'") - before))
checks=$((checks + 1))
if [ "$new" -lt 3 ]; then
	failures=$((failures + 1))
	echo "FAIL: expected new notices, got $new"
fi
chat_before=$(msgs chat)
run 0 "$CP" notify send
has "$T/out" "to retry $new"
same "$(msgs chat)" $((chat_before + new))
same "$(msgs ops risk)" 5
same "$(msgs chat remediation)" "$(sql "SELECT count(*) FROM outbox WHERE kind = 'notify' AND json_extract(payload, '$.type') = 'remediation'")"
run 0 "$CP" outbox list
has "$T/out" "the sink was told to retry"
same "$(sql "SELECT count(*) FROM deliveries d JOIN destinations t ON t.id = d.destination_id WHERE t.name = 'ops' AND d.state = 'pending' AND d.attempts = 1 AND d.next_attempt > d.updated")" "$new"
# Not due yet: nothing is sent before the next attempt.
rm "$T/sink/retry-ops"
run 0 "$CP" notify send
same "$(msgs ops)" 6
# The waiting ones and the five failed ones go now.
run 0 "$CP" outbox retry
has "$T/out" "$((new + 5)) delivery(ies) due now"
run 0 "$CP" notify send
has "$T/out" "sent $((new + 5)), to retry 0, failed 0"
same "$(msgs ops)" $((6 + new))
same "$(msgs broken)" $((new + 5))
same "$(sql "SELECT count(*) FROM deliveries WHERE state != 'sent'")" 0
# Every message carried the id its delivery has.
pycheck 'import json, sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[2] + "?mode=ro", uri=True)
ids = {r[0] for r in db.execute("SELECT message_id FROM deliveries")}
sent = [json.loads(l)["message"] for l in open(sys.argv[1])]
sent = [m["message_id"] for m in sent if m["kind"] != "test"]
assert set(sent) == ids, (len(set(sent)), len(ids))
assert len(sent) == len(ids), (len(sent), len(ids))
print("ok")' "$T/sink/messages.jsonl" "$T/state/cloudpatrol.db"

# ---- the daily patrol report ----
run 0 "$CP" notify patrol --dry-run
has "$T/out" "==== destination: ops"
has "$T/out" "Daily patrol report"
has "$T/out" "A. New risks of the last 24 hours"
has "$T/out" "B. Remediable risks still open"
has "$T/out" "Off: no cost policy is enabled with notification on."
same "$(sql "SELECT count(*) FROM outbox WHERE json_extract(payload, '$.type') = 'patrol'")" 0
run 0 "$CP" --lang ja notify patrol
has "$T/out" "パトロール日報 3 件を登録しました"
run 0 "$CP" notify send
same "$(msgs ops patrol)" 1
same "$(msgs chat patrol)" 1
pycheck 'import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
p = [r["message"] for r in rs if r["message"]["kind"] == "patrol"]
assert len(p) == 3, len(p)
for m in p:
    assert m["html"].startswith("<!DOCTYPE html>")
    assert "C. This month" in m["text"]
    assert any(b["type"] == "list" for b in m["blocks"])
print("ok")' "$T/sink/messages.jsonl"

run 2 "$CP" notify
run 2 "$CP" notify fly
run 2 "$CP" outbox list extra
run 2 "$CP" outbox list --limit 0

# ---- kill -9 in the middle of a batch ----
N=30
mkdir -p "$T/ksink"
cat >"$T/k.ini" <<INI
[core]
state_dir = $T/kstate
plugin_dirs = $T/plugins
policy_dirs = $CP_TOP_SRCDIR/tests/e2e/policies
language = en

[plugin:sinknotify]
dir = $T/ksink
delay_ms = 100
INI
cloud "$T/kcloud" 222222222222
"$PY" -c 'import json, sys
n = int(sys.argv[2])
rules = [{"type": "testcloud/firewall-rule", "id": "open-%02d" % i,
          "name": "open %d" % i, "region": "tokyo",
          "raw": {"direction": "ingress", "action": "allow",
                  "source": "0.0.0.0/0", "ports": "22"}} for i in range(n)]
json.dump(rules, open(sys.argv[1], "w"))' "$T/kcloud/units/222222222222/resources.json" "$N"
export CLOUDPATROL_CONFIG="$T/k.ini"
run 0 "$CP" portal add kill
run 0 "$CP" env add testcloud k --fixtures "$T/kcloud" --token-file "$T/kcloud.token"
run 0 "$CP" dest add k --type mail --to k@example.com --unit k/222222222222
run 0 "$CP" inspect
has "$T/out" "$N notified"
"$CP" notify send >"$T/kill.out" 2>&1 &
pid=$!
i=0
while [ "$(msgs k "" "$T/ksink")" -lt 5 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -9 "$pid"
wait "$pid" || true
got=$(msgs k "" "$T/ksink")
checks=$((checks + 1))
if [ "$got" -ge "$N" ] || [ "$got" -lt 5 ]; then
	failures=$((failures + 1))
	echo "FAIL: the kill did not land mid-batch ($got of $N sent)"
fi
run 0 "$CP" notify send
same "$(sql "SELECT count(*) FROM deliveries WHERE state = 'sent'" "$T/kstate/cloudpatrol.db")" "$N"
pycheck 'import collections, json, sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[2] + "?mode=ro", uri=True)
ids = {r[0] for r in db.execute("SELECT message_id FROM deliveries")}
sent = [json.loads(l)["message"]["message_id"] for l in open(sys.argv[1])]
assert len(ids) == int(sys.argv[3]), len(ids)
assert set(sent) == ids, "lost: %s" % (ids - set(sent))
twice = [m for m, c in collections.Counter(sent).items() if c > 1]
assert len(sent) - len(ids) <= 1 and len(twice) <= 1, twice
print("ok")' "$T/ksink/messages.jsonl" "$T/kstate/cloudpatrol.db" "$N"

finish
