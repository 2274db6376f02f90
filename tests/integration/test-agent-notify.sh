#!/bin/bash
# The agent's own notifications (--notify-webhook, --notify-ntfy,
# --notify-on): a real agent, the fake tool, an HTTP server on 127.0.0.1
# recording the POSTs, and a second webhook that accepts connections and
# never answers. The notifications of the wanted kinds arrive with the
# task; the others do not; and the agent's loop never waits on the dead
# webhook (requests are answered at once while its deliveries hang).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
export XDG_CONFIG_HOME="$T/cfg" NO_COLOR=1
export FAKETOOL_SCRIPT="$T/script"
CM="$CM_CLI"

kinds() { # the kinds the recording webhook got for a session
	$PY -c "
import json
for l in open('$T/posts.jsonl'):
    r=json.loads(l); b=r['body']
    if r['path']=='/agent' and b.get('sessionId')=='$1': print(b['kind'])" 2>/dev/null
}

touch "$T/posts.jsonl"
$PY "$HERE/notify-receiver.py" "$T/posts.jsonl" "$T/http.port" &
RECEIVER=$!
# A webhook that takes the connection and never answers.
$PY -c "
import socket,time,sys
s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(64)
open('$T/dead.port','w').write(str(s.getsockname()[1])); time.sleep(600)" &
DEAD=$!
wait_for 10 test -s "$T/http.port" && wait_for 10 test -s "$T/dead.port"
HP=$(cat "$T/http.port")
DP=$(cat "$T/dead.port")

# Bad values stop the agent at start with the reason.
for bad in "--notify-webhook ftp://x" "--notify-ntfy http://h/" "--notify-on sometimes"; do
	# shellcheck disable=SC2086
	out=$("$CM_AGENT" --port 0 --state-dir "$T/bad-state" --socket-dir "$T/bad-sock" \
		--token-file "$T/tok" $bad --notify-webhook http://127.0.0.1:1/ 2>&1)
	rc=$?
	check "cm-agent $bad is refused (exit $rc: $(echo "$out" | grep -i notify | head -n1))" \
		[ "$rc" -eq 2 ]
done

agent_start --notify-webhook "http://127.0.0.1:$HP/agent" \
	--notify-webhook "http://127.0.0.1:$DP/dead" \
	--notify-ntfy "http://127.0.0.1:$HP/agent-topic" \
	--notify-on needs-person,done --notify-dashboard "http://127.0.0.1:8787/" ||
	{ fail "agent starts"; finish; }
"$CM" ctx add here --local --port "$AGENT_PORT" --token "$AGENT_TOKEN" --path "$T/work" >/dev/null

printf 'think 200\nask bash make clean\nsay cleaned\ndone\n' >"$T/script"
S1=$("$CM" start fake "Tidy up" | sed 's|^here/||')
check "a session starts ($S1)" [ -n "$S1" ]
has_kind() { kinds "$1" | grep -qx "$2"; }
wait_for 30 has_kind "$S1" needs-person
check "the agent's webhook got needs-person" has_kind "$S1" needs-person
check "... with the task and the agent's name" $PY -c "
import json,sys,socket
for l in open('$T/posts.jsonl'):
    b=json.loads(l)['body']
    if b.get('kind')=='needs-person' and b.get('sessionId')=='$S1':
        sys.exit(0 if b['task']=='Tidy up' and b['context']==socket.gethostname() and 'make clean' in b['message'] else 1)
sys.exit(1)"
check "the ntfy topic got it too" grep -q '"topic": "agent-topic"' "$T/posts.jsonl"

# The dead webhook holds a delivery for its timeout: the loop must not notice.
t0=$(date +%s%N)
for _ in 1 2 3 4 5; do "$CM" ls >/dev/null || fail "cm ls while a delivery hangs"; done
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
echo "5 x cm ls while a webhook hangs: $ms ms"
check "requests are answered while a webhook hangs (5 x ls in $ms ms)" [ "$ms" -lt 5000 ]

check "cm approve" "$CM" approve "here/$S1"
wait_for 30 has_kind "$S1" done
check "done notified" has_kind "$S1" done
sleep 1
got_kinds=$(kinds "$S1" | sort | tr '\n' ' ')
check "only the kinds of --notify-on, each once ($got_kinds)" [ "$got_kinds" = "done needs-person " ]

t0=$(date +%s%N)
agent_stop
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
check "the agent stops within the drain time with a hung delivery ($ms ms)" [ "$ms" -lt 8000 ]
check "the dead webhook's failure was logged without its path" bash -c \
	"grep -q 'webhook http://127.0.0.1:$DP' '$T/agent.log' && ! grep -q '$DP/dead' '$T/agent.log'"

kill "$RECEIVER" "$DEAD" 2>/dev/null
wait "$RECEIVER" "$DEAD" 2>/dev/null
finish
