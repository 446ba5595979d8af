#!/bin/sh
# notify-volume.sh - a 10,000-finding day: 10,000 new risks in one
# inspection are all recorded, queued and delivered, each once; nothing
# queued is lost.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

PY=${CP_PYTHON3:-/usr/bin/python3}
N=10000
mkdir -p "$T/plugins" "$T/sink"
cp "$CP_TOP_BUILDDIR/tests/fakes/.libs/testcloud.so" \
    "$CP_TOP_BUILDDIR/tests/fakes/.libs/sinknotify.so" "$T/plugins/"
cat >"$T/cp.ini" <<INI
[core]
state_dir = $T/state
plugin_dirs = $T/plugins
policy_dirs = $CP_TOP_SRCDIR/tests/e2e/policies
language = en

[plugin:sinknotify]
dir = $T/sink
INI
export CLOUDPATROL_CONFIG="$T/cp.ini"

unit="$T/cloud/units/111111111111"
mkdir -p "$unit"
echo "tok" >"$T/cloud/token"
echo '{"name": "big"}' >"$unit/unit.json"
printf 'tok\n' >"$T/token"
chmod 600 "$T/token"
"$PY" -c 'import json, sys
n = int(sys.argv[2])
json.dump([{"type": "testcloud/firewall-rule", "id": "rule-%05d" % i,
            "name": "rule %d" % i, "region": "tokyo",
            "raw": {"direction": "ingress", "action": "allow",
                    "source": "0.0.0.0/0", "ports": "22"}}
           for i in range(n)], open(sys.argv[1], "w"))' "$unit/resources.json" "$N"

run 0 "$CP" portal add acme
run 0 "$CP" env add testcloud big --fixtures "$T/cloud" --token-file "$T/token"
run 0 "$CP" dest add ops --type mail --to ops@example.com --unit big/111111111111
run 0 "$CP" inspect
has "$T/out" "$N resources, 3 policies (0 undecided); findings: $N opened"
has "$T/out" "$N notified"
run 0 "$CP" notify send
has "$T/out" "sent $N"
# Every notice arrived once, each with its own Message-ID.
same "$("$PY" -c 'import json, sys
ids = [json.loads(l)["message"]["message_id"] for l in open(sys.argv[1])]
print(len(ids), len(set(ids)))' "$T/sink/messages.jsonl")" "$N $N"
run 0 "$CP" outbox list --failed
run 0 "$CP" status
has "$T/out" "Status: healthy"
# The next hour: still open, nothing sent again.
run 0 "$CP" inspect
has "$T/out" "0 opened, $N still open"
run 0 "$CP" notify send
same "$(wc -l <"$T/sink/messages.jsonl" | tr -d ' ')" "$N"

finish
