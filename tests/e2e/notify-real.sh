#!/bin/sh
# notify-real.sh - notifications end to end through the real notifier
# plugins: notify-mail sends to an aiosmtpd server (STARTTLS on a
# throwaway test CA, AUTH), notify-slack posts to a local webhook sink.
# One mail and one Slack post per new risk, nothing for a risk already
# notified, a Japanese portal's subjects, and the daily patrol report.
set -eu
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

estate="$CP_TOP_SRCDIR/tests/e2e/estate"
PY=${CP_PYTHON3:-/usr/bin/python3}
MAILDIR="$CP_TOP_SRCDIR/plugins/notify-mail"
SLACKDIR="$CP_TOP_SRCDIR/plugins/notify-slack"
smtp_pid=
slack_pid=
trap 'for p in $smtp_pid $slack_pid; do kill "$p" 2>/dev/null || true; done
rm -rf "$T"' EXIT

mkdir -p "$T/plugins" "$T/mail" "$T/slack" "$T/pki"
cp "$CP_TOP_BUILDDIR/tests/fakes/.libs/testcloud.so" \
    "$CP_TOP_BUILDDIR/plugins/notify-mail/.libs/notify-mail.so" \
    "$CP_TOP_BUILDDIR/plugins/notify-slack/.libs/notify-slack.so" \
    "$T/plugins/"

# ---- a throwaway CA and a certificate for 127.0.0.1 ----
pki="$T/pki"
cat >"$pki/server.ext" <<EXT
subjectAltName=IP:127.0.0.1,DNS:localhost
basicConstraints=CA:FALSE
keyUsage=digitalSignature
extendedKeyUsage=serverAuth
EXT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 2 \
    -subj "/CN=cloudpatrol e2e test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$pki/server.key" -out "$pki/server.csr" \
    -subj "/CN=127.0.0.1" >/dev/null 2>&1
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" \
    -CAkey "$pki/ca.key" -set_serial 2 -days 2 -extfile "$pki/server.ext" \
    -out "$pki/server.pem" >/dev/null 2>&1
printf 'e2e-smtp-pass\n' >"$T/smtp.pass"
chmod 600 "$T/smtp.pass"

# ---- the peers ----
"$PY" "$MAILDIR/smtp_server.py" --dir "$T/mail" --ready "$T/ports.json" \
    --cert "$pki/server.pem" --key "$pki/server.key" \
    --other-cert "$pki/server.pem" --other-key "$pki/server.key" \
    --user patrol --password-file "$T/smtp.pass" --lifetime 120 \
    >"$T/smtp.log" 2>&1 &
smtp_pid=$!
"$PY" "$SLACKDIR/slack_sink.py" --dir "$T/slack" --cert "$pki/server.pem" \
    --key "$pki/server.key" >"$T/slack.port" 2>"$T/slack.log" &
slack_pid=$!
i=0
while { [ ! -s "$T/ports.json" ] || [ ! -s "$T/slack.port" ]; } &&
    [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -s "$T/ports.json" ] || [ ! -s "$T/slack.port" ]; then
	echo "FAIL: the SMTP server or the Slack sink did not start"
	cat "$T/smtp.log" "$T/slack.log"
	exit 1
fi
smtp_port=$("$PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["starttls"])' "$T/ports.json")
slack_port=$(head -n 1 "$T/slack.port")

# ini STATE-DIR: the configuration, in $T/STATE-DIR.ini.
ini() {
	cat >"$T/$1.ini" <<INI
[core]
state_dir = $T/$1
plugin_dirs = $T/plugins
policy_dirs = $CP_TOP_SRCDIR/tests/e2e/policies
language = en

[http]
ca_file = $pki/ca.pem

[plugin:notify-mail]
url = smtp://127.0.0.1:$smtp_port
from = patrol@example.com
from_name = cloudpatrol e2e
username = patrol
password_file = $T/smtp.pass
ca_file = $pki/ca.pem
helo = localhost

[plugin:notify-slack]
timeout = 10
INI
}
ini state
export CLOUDPATROL_CONFIG="$T/state.ini"

# cloud DIR UNIT: a testcloud estate with one unit, its token in DIR.token.
cloud() {
	mkdir -p "$1/units/$2"
	echo "tok" >"$1/token"
	echo "$2" >"$1/account"
	echo '{"name": "production"}' >"$1/units/$2/unit.json"
	cp "$estate/resources-1.json" "$1/units/$2/resources.json"
	printf 'tok\n' >"$1.token"
	chmod 600 "$1.token"
}

# count DIR EXT: how many DIR/*.EXT files there are.
count() {
	"$PY" -c 'import glob, os, sys
print(len(glob.glob(os.path.join(sys.argv[1], "*." + sys.argv[2]))))' "$1" "$2"
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

# The summaries of every .eml in DIR, as a JSON list in DIR.summary.
summarize() {
	"$PY" -c 'import glob, json, os, subprocess, sys
out = []
for p in sorted(glob.glob(os.path.join(sys.argv[2], "*.eml"))):
    s = json.loads(subprocess.run([sys.executable, sys.argv[1], p],
        check=True, capture_output=True).stdout)
    env = json.load(open(p[:-4] + ".json"))
    s["envelope"] = env
    out.append(s)
json.dump(out, open(sys.argv[3], "w"), ensure_ascii=False)' \
	    "$MAILDIR/eml_summary.py" "$1" "$1.summary"
}

cloud "$T/cloud" 111111111111
hook="https://127.0.0.1:$slack_port/ok/T0001/B0001/e2e-real-secret"
printf '%s\n' "$hook" >"$T/hook"
chmod 600 "$T/hook"

run 0 "$CP" portal add acme
run 0 "$CP" env add testcloud prod --fixtures "$T/cloud" --token-file "$T/cloud.token"
run 0 "$CP" plugins
has "$T/out" "notify-mail"
has "$T/out" "notify-slack"
run 0 "$CP" dest add ops --type mail --to ops@example.com --to sec@example.com --unit prod/111111111111
has "$T/out" "destination ops (mail) added for 1 unit(s)"
run 0 "$CP" dest add chat --type slack --webhook-url-file "$T/hook" --unit prod/111111111111
lacks "$T/out" "e2e-real-secret"

# ---- one mail and one Slack post per new risk ----
run 0 "$CP" inspect
has "$T/out" "5 notified"
run 0 "$CP" notify send
has "$T/out" "sent 10, to retry 0, failed 0"
same "$(count "$T/mail" eml)" 5
same "$(count "$T/slack" body)" 5
summarize "$T/mail"
pycheck 'import json, sys
ms = json.load(open(sys.argv[1]))
assert len(ms) == 5, len(ms)
ids = set()
pols = set()
for m in ms:
    assert m["defects"] == [], m["defects"]
    assert m["subject"].startswith("[cloudpatrol] New risk"), m["subject"]
    assert "prod/111111111111" in m["subject"], m["subject"]
    assert m["to"] == ["ops@example.com", "sec@example.com"], m["to"]
    assert m["from_addr"] == "patrol@example.com", m["from_addr"]
    assert m["from_name"] == "cloudpatrol e2e", m["from_name"]
    assert m["message_id"].startswith("<") and "@" in m["message_id"]
    ids.add(m["message_id"])
    env = m["envelope"]
    assert env["tls"] and env["login"] == "patrol", env
    assert sorted(env["rcpt_tos"]) == ["ops@example.com",
                                       "sec@example.com"], env
    t = m["text"]
    pol = [p for p in ("TC-001", "TC-002", "TC-003") if p in t]
    assert len(pol) == 1, t
    pols.add(pol[0])
    assert any(r in t for r in ("rule-ssh-open", "rule-web",
        "rule-admin-range", "bucket-public", "user-alice", "user-carol")), t
    assert "How to fix:" in t, t
assert len(ids) == 5, ids
assert pols == {"TC-001", "TC-002", "TC-003"}, pols
print("ok")' "$T/mail.summary"
pycheck 'import glob, json, os, sys
n = 0
texts = []
for p in glob.glob(os.path.join(sys.argv[1], "*.body")):
    meta = json.load(open(p[:-5] + ".json"))
    assert meta["path"] == "/ok/T0001/B0001/e2e-real-secret", meta
    assert meta["content_type"].startswith("application/json"), meta
    b = json.load(open(p))
    assert isinstance(b["text"], str) and b["text"], b
    assert isinstance(b["blocks"], list) and b["blocks"], b
    assert "prod/111111111111" in b["text"], b["text"]
    texts.append(b["text"])
    n += 1
assert n == 5, n
subjects = [m["subject"] for m in json.load(open(sys.argv[2]))]
assert sorted(texts) == sorted(subjects), (texts, subjects)
print("ok")' "$T/slack" "$T/mail.summary"

# ---- nothing new: nothing sent ----
run 0 "$CP" inspect
has "$T/out" "0 notified"
run 0 "$CP" notify send
has "$T/out" "0 notice(s) fanned out into 0 deliveries"
same "$(count "$T/mail" eml)" 5
same "$(count "$T/slack" body)" 5

# ---- the daily patrol report ----
run 0 "$CP" notify patrol
run 0 "$CP" notify send
has "$T/out" "sent 2, to retry 0, failed 0"
same "$(count "$T/mail" eml)" 6
same "$(count "$T/slack" body)" 6
summarize "$T/mail"
pycheck 'import json, sys
ms = json.load(open(sys.argv[1]))
p = [m for m in ms if m["html"] is not None]
assert len(p) == 1, len(p)
m = p[0]
assert m["content_type"] == "multipart/alternative", m["parts"]
assert "text/plain" in m["parts"] and "text/html" in m["parts"], m["parts"]
assert "Daily patrol report" in m["subject"], m["subject"]
assert m["to"] == ["ops@example.com", "sec@example.com"], m["to"]
assert "A. New risks of the last 24 hours" in m["text"], m["text"]
assert m["html"].startswith("<!DOCTYPE html>"), m["html"][:40]
print("ok")' "$T/mail.summary"
pycheck 'import json, sys
b = json.load(open(sys.argv[1]))
assert "Daily patrol report" in b["text"], b["text"]
assert isinstance(b["blocks"], list) and b["blocks"], b
print("ok")' "$T/slack/6.body"
run 0 "$CP" --json outbox list
run 0 "$CP" outbox list
has "$T/out" "sent"
lacks "$T/out" "queued"
lacks "$T/out" "failed"
run 0 "$CP" --json outbox list
pycheck 'import json, sys
es = json.load(open(sys.argv[1]))
ms = json.load(open(sys.argv[2]))
assert len(es) == 12, len(es)
assert all(e["state"] == "sent" for e in es), es
pat = sorted((e["destination"], e["type"]) for e in es
             if e["kind"] == "patrol")
assert pat == [("chat", "slack"), ("ops", "mail")], pat
assert sum(e["kind"] == "risk" for e in es) == 10, es
mail_ids = {e["message_id"] for e in es if e["destination"] == "ops"}
assert mail_ids == {m["message_id"] for m in ms}, (mail_ids, ms)
print("ok")' "$T/out" "$T/mail.summary"

# ---- a portal in Japanese: Japanese subjects ----
ini state-ja
export CLOUDPATROL_CONFIG="$T/state-ja.ini"
cloud "$T/jcloud" 222222222222
run 0 "$CP" portal add jp --lang ja
run 0 "$CP" env add testcloud prod --fixtures "$T/jcloud" --token-file "$T/jcloud.token"
run 0 "$CP" dest add ja --type mail --to ja@example.com --unit prod/222222222222
run 0 "$CP" inspect
run 0 "$CP" notify send
has "$T/out" "sent 5, to retry 0, failed 0"
same "$(count "$T/mail" eml)" 11
summarize "$T/mail"
pycheck 'import json, sys
ms = json.load(open(sys.argv[1]))
ja = [m for m in ms if m["to"] == ["ja@example.com"]]
assert len(ja) == 5, len(ja)
for m in ja:
    s = m["subject"]
    assert s.startswith("[cloudpatrol] "), s
    assert "prod/222222222222" in s, s
    assert any(0x3040 <= ord(c) <= 0x30ff or 0x4e00 <= ord(c) <= 0x9fff
               for c in s), s
    assert m["charset"] == "utf-8", m["charset"]
    assert m["defects"] == [], m["defects"]
print("ok")' "$T/mail.summary"

finish
