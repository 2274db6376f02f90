#!/bin/bash
# cm notify against real receivers: a real agent behind a real sshd
# (lib-sshd.sh), the fake tool, an HTTP server on 127.0.0.1 that records
# webhook and ntfy POSTs (and refuses the first two, so that retries are
# needed), a real D-Bus session bus (dbus-daemon) with a notification
# server on it, and a program of the user's. While cm notify follows, the
# agent is restarted and the ssh tunnel is killed; then cm notify itself is
# stopped and started again with events in between. Every notification must
# arrive once, with what a person needs in it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"

export XDG_CONFIG_HOME="$T/cfg" XDG_STATE_HOME="$T/xstate" NO_COLOR=1
CM="$CM_CLI"
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
export FAKETOOL_SCRIPT="$T/script"
printf 'think 200\ndone\n' >"$T/script"

# count KIND SESSION: notifications of that kind for that session the webhook got.
count() {
	$PY -c "
import json,sys
n=0
for l in open('$T/posts.jsonl'):
    r=json.loads(l)
    b=r['body']
    if r['path']=='/hook' and b.get('kind')=='$1' and b.get('sessionId')=='$2': n+=1
print(n)" 2>/dev/null || echo 0
}
got() { [ "$(count "$1" "$2")" -ge 1 ]; }
# start SCRIPT TASK: starts a fake session running SCRIPT (the tool reads it at start).
start() {
	printf '%b' "$1" >"$T/script"
	"$CM" start fake "$2" --ctx prod | sed 's|^prod/||'
}

agent_start || { fail "agent starts"; finish; }
sshd_start || { fail "sshd starts"; finish; }
"$CM" ctx add prod --agent --host "$SSH_HOST" --user "$(id -un)" --token "$AGENT_TOKEN" \
	--port "$AGENT_PORT" --path "$T/work" --ssh-config "$SSH_CONFIG" >/dev/null
# A context whose agent is not there: followed, retried, never in the way.
"$CM" ctx add gone --local --host 127.0.0.1 --port "$(free_port)" --token x >/dev/null

# Receivers.
touch "$T/posts.jsonl" "$T/desktop.jsonl" "$T/exec.jsonl"
$PY "$HERE/notify-receiver.py" "$T/posts.jsonl" "$T/http.port" 2 &
RECEIVER=$!
dbus-daemon --session --nofork --print-address=1 >"$T/dbus.addr" 2>"$T/dbus.log" &
DBUS=$!
wait_for 5 test -s "$T/dbus.addr"
DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$T/dbus.addr")
export DBUS_SESSION_BUS_ADDRESS
$PY "$HERE/notify-dbus-listener.py" "$T/desktop.jsonl" "$T/dbus.ready" 2>"$T/listener.log" &
LISTENER=$!
wait_for 10 test -s "$T/http.port" && wait_for 10 test -e "$T/dbus.ready"
check "receivers are up (HTTP and D-Bus)" [ -s "$T/http.port" ] && [ -e "$T/dbus.ready" ]
HP=$(cat "$T/http.port")
printf '#!/bin/sh\n# the event on stdin, one JSON document\ncat >>"%s"\n' "$T/exec.jsonl" >"$T/hook.sh"
chmod 700 "$T/hook.sh"
mkdir -p "$T/cfg/cm"
cat >"$T/cfg/cm/notify.json" <<EOF
{"version": 1, "dashboard": "http://127.0.0.1:8787/",
 "limits": {"dedupSeconds": 600, "perSession": 20, "windowSeconds": 60},
 "rules": [
  {"on": ["needs-person", "done", "error", "usage-limit", "exited", "stalled"],
   "to": [{"webhook": "http://127.0.0.1:$HP/hook"}, {"exec": ["$T/hook.sh"]}]},
  {"on": "needs-person", "contexts": ["prod"],
   "to": [{"ntfy": "http://127.0.0.1:$HP/cm-alerts"}, {"desktop": true},
          {"webhook": "http://127.0.0.1:$HP/hook"}]}]}
EOF
chmod 600 "$T/cfg/cm/notify.json"

# Bad rules change nothing and say why.
cp "$T/cfg/cm/notify.json" "$T/good.json"
echo '{"rules": [{"on": "needs-person", "to": [{"webhook": "ftp://x"}]}]}' >"$T/bad.json"
"$CM" notify --config "$T/bad.json" >/dev/null 2>"$T/err"
rc=$?
check "a bad destination is refused (exit 3, got $rc: $(cat "$T/err"))" [ $rc -eq 3 ]
echo '{"rules": [], "colour": 1}' >"$T/bad.json"
"$CM" notify --config "$T/bad.json" >/dev/null 2>"$T/err"
check "an unknown key is refused ($(cat "$T/err"))" grep -q 'unknown key "colour"' "$T/err"
echo '{"rules": [{"on": "sometimes", "to": [{"desktop": true}]}]}' >"$T/bad.json"
"$CM" notify --config "$T/bad.json" >/dev/null 2>"$T/err"
check "an unknown event is refused ($(cat "$T/err"))" grep -q 'unknown event "sometimes"' "$T/err"
chmod 666 "$T/bad.json"
cp "$T/good.json" "$T/bad.json" && chmod 666 "$T/bad.json"
"$CM" notify --config "$T/bad.json" >/dev/null 2>"$T/err"
check "rules others may write are refused (exit 13)" [ $? -eq 13 ]
"$CM" notify --exec "" >/dev/null 2>&1
check "an empty program is refused (exit 2)" [ $? -eq 2 ]

"$CM" -v notify >"$T/notify.out" 2>"$T/notify.log" &
NOTIFY=$!
wait_for 15 grep -q "prod: following from seq" "$T/notify.log"
check "cm notify follows prod" grep -q "prod: following from seq" "$T/notify.log"

# A prompt: webhook (after two refusals), ntfy, desktop, program.
S1=$(start 'think 200\nask bash rm -rf build\nsay removed\ndone\n' "Clean the build")
wait_for 30 got needs-person "$S1"
check "the webhook got needs-person for S1" got needs-person "$S1"
check "... after retries (logged)" grep -q "HTTP status 503; try 2 of" "$T/notify.log"
check "the ntfy message has task, prompt, command and the dashboard link" $PY -c "
import json,sys
for l in open('$T/posts.jsonl'):
    r=json.loads(l); b=r['body']
    if r['path']=='/' and b.get('topic')=='cm-alerts' and '$S1' in b['title']:
        m=b['message']
        ok=('Task: Clean the build' in m and 'rm -rf build' in m and 'Prompt:' in m
            and b['click']=='http://127.0.0.1:8787/#prod/$S1' and b['priority']==4)
        sys.exit(0 if ok else 1)
sys.exit(1)"
wait_for 10 grep -q "$S1" "$T/desktop.jsonl"
check "a desktop notification came over D-Bus" $PY -c "
import json,sys
d=[json.loads(l) for l in open('$T/desktop.jsonl')]
sys.exit(0 if any('$S1' in x['summary'] and 'rm -rf build' in x['body'] and x['app']=='cm' for x in d) else 1)"
wait_for 10 grep -q "$S1" "$T/exec.jsonl"
check "the program got the event as JSON on stdin" $PY -c "
import json,sys
d=[json.loads(l) for l in open('$T/exec.jsonl') if l.strip()]
sys.exit(0 if any(x['kind']=='needs-person' and x['event']['sessionId']=='$S1' and x['task']=='Clean the build' for x in d) else 1)"

"$CM" approve "prod/$S1" >/dev/null 2>"$T/approve.err" || { sleep 1; "$CM" approve "prod/$S1" >/dev/null 2>>"$T/approve.err"; }
check "cm approve ($(cat "$T/approve.err"))" [ $? -eq 0 ]
wait_for 30 got done "$S1"
check "done notified after the approval" got done "$S1"

# The agent restarts while cm notify follows; events after it arrive.
agent_stop
agent_spawn "$T" --port "$AGENT_PORT" || fail "agent restarts"
AGENT_PID=$SPAWNED_PID
following_twice() { [ "$(grep -c 'prod: following' "$T/notify.log")" -ge 2 ]; }
wait_for 30 following_twice
check "cm notify noticed the drop and followed again" following_twice
S2=$(start 'think 200\nerror rate limit reached, try again later\n' "Hit the limit")
check "a session starts after the agent's restart ($S2)" [ -n "$S2" ]
wait_for 30 got usage-limit "$S2"
check "usage-limit notified after the agent restarted" got usage-limit "$S2"

# The tunnel dies; an exit in the meantime is still notified.
CTL=$(ls "$T"/run/cm/*.ctl 2>/dev/null | head -n1)
MASTER=$(ssh -F "$SSH_CONFIG" -o ControlPath="$CTL" -O check "$SSH_HOST" 2>&1 |
	sed -n 's/.*pid=\([0-9]*\).*/\1/p')
check "found the ssh master ($MASTER)" [ -n "$MASTER" ]
# cm notify started it, with SIGTERM and SIGINT blocked for its signalfd: the
# master must not inherit that mask.
blk=$(awk '/^SigBlk:/ {print $2}' "/proc/$MASTER/status" 2>/dev/null)
check "the ssh master blocks no signal (SigBlk $blk)" [ "$blk" = 0000000000000000 ]
S3=$(start 'think 1500\nexit 3\n' "Exit soon")
[ -n "$MASTER" ] && kill "$MASTER"
wait_for 40 got exited "$S3"
check "exited notified across a dropped tunnel" got exited "$S3"

# cm notify stops; a prompt comes while it is away; it starts again.
kill -TERM "$NOTIFY"
wait "$NOTIFY"
check "cm notify exits 0 on SIGTERM" [ $? -eq 0 ]
SEQF="$T/xstate/cm/notify-seq.json"
check "the position file is 0600 ($(stat -c %a "$SEQF" 2>&1))" [ "$(stat -c %a "$SEQF")" = 600 ]
S4=$(start 'think 200\nask write notes.txt\n' "Write notes")
sleep 2
check "nothing notified while cm notify is away" [ "$(count needs-person "$S4")" -eq 0 ]
"$CM" -v notify >>"$T/notify.out" 2>"$T/notify2.log" &
NOTIFY=$!
wait_for 30 got needs-person "$S4"
check "the prompt that came while away is notified on restart" got needs-person "$S4"
sleep 1
kill -TERM "$NOTIFY"
wait "$NOTIFY"

check "no notification came twice" $PY -c "
import json,sys,collections
c=collections.Counter()
for l in open('$T/posts.jsonl'):
    r=json.loads(l); b=r['body']
    if r['path']=='/hook': c[(b['kind'],b['sessionId'])]+=1
dup=[k for k,v in c.items() if v>1]
print('webhook notifications:', dict(c)); sys.exit(1 if dup else 0)"
check "the program got each one once too" $PY -c "
import json,sys,collections
c=collections.Counter((x['kind'],x['sessionId']) for x in map(json.loads,open('$T/exec.jsonl')) if x)
sys.exit(0 if c and max(c.values())==1 else 1)"
check "the unreachable context was retried, not fatal" grep -q "gone: .*trying again" "$T/notify.log"
check "the webhook URL's path never reaches the log" bash -c "! grep -q '$HP/hook' '$T/notify.log'"

# --test: one made-up prompt to each destination; the exit says if all took it.
out=$("$CM" notify --test --webhook "http://127.0.0.1:$HP/test-hook" --desktop 2>"$T/test.err")
rc=$?
check "--test delivers to each destination (exit $rc: $out)" [ $rc -eq 0 ] && [ "$out" = "2 of 2 delivered" ]
check "... the webhook got it" grep -q '"/test-hook".*"context": "test"' "$T/posts.jsonl"
"$CM" notify --test --webhook "http://127.0.0.1:$(free_port)/nobody" >/dev/null 2>"$T/test.err"
check "--test with a receiver that is not there exits 1" [ $? -eq 1 ]
: >"$T/desktop.jsonl"

# A quick start: one destination on the command line, only some events.
: >"$T/posts.jsonl"
"$CM" notify --ctx prod --webhook "http://127.0.0.1:$HP/quick" --on done \
	--state "$T/quick-seq.json" 2>"$T/quick.log" &
QUICK=$!
wait_for 15 grep -q "prod: following" "$T/quick.log"
S5=$(start 'think 200\nask bash ls\n' "Ask again")
"$CM" approve "prod/$S5" >/dev/null 2>&1 || { sleep 1; "$CM" approve "prod/$S5" >/dev/null 2>&1; }
wait_for 20 grep -q "\"/quick\".*session_completed\|session_completed.*\"/quick\"" "$T/posts.jsonl"
check "--webhook --on done: the done came" grep -q '"kind": "done"' "$T/posts.jsonl"
check "... and no needs-person" bash -c "! grep -q '\"kind\": \"needs-person\"' '$T/posts.jsonl'"
kill -TERM "$QUICK"
wait "$QUICK"

# The agent comes back with a fresh state (its numbering starts again, below
# the saved position): the resync is logged, the prompt waiting in its
# snapshot is notified, and new events still arrive.
agent_stop
agent_spawn "$T/fresh" --port "$AGENT_PORT" || fail "a fresh agent starts"
AGENT_PID=$SPAWNED_PID
S6=$(start 'think 100\nask bash make\n' "Waiting before the wipe is seen")
waiting() { "$CM" ls --json --ctx prod | grep -q '"waiting_confirm"'; }
wait_for 20 waiting
"$CM" notify --ctx prod --webhook "http://127.0.0.1:$HP/resync" --on needs-person \
	--state "$T/quick-seq.json" 2>"$T/resync.log" &
QUICK=$!
wait_for 15 grep -q "prod: following" "$T/resync.log"
check "the resync is logged" grep -q "no longer holds the events after seq" "$T/resync.log"
wait_for 20 grep -q "\"/resync\".*$S6" "$T/posts.jsonl"
check "the prompt waiting in the snapshot is notified ($S6)" \
	grep -q "\"/resync\".*\"fromSnapshot\": true.*$S6\|\"/resync\".*$S6.*\"fromSnapshot\": true" "$T/posts.jsonl"
S7=$(start 'think 200\nask bash make\n' "After the wipe")
wait_for 20 grep -q "\"/resync\".*$S7" "$T/posts.jsonl"
check "a prompt after the resync is notified ($S7)" grep -q "\"/resync\".*$S7" "$T/posts.jsonl"
kill -TERM "$QUICK"
wait "$QUICK"

kill "$LISTENER" "$RECEIVER" "$DBUS" 2>/dev/null
wait "$LISTENER" "$RECEIVER" "$DBUS" 2>/dev/null
if [ "$FAILED" -gt 0 ]; then
	echo "---- notify.log"; tail -n 60 "$T/notify.log"
	echo "---- notify2.log"; tail -n 30 "$T/notify2.log"
	echo "---- posts"; cut -c1-300 "$T/posts.jsonl"
fi
finish
