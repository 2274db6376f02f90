#!/bin/bash
# cm through a real ssh tunnel: a real sshd on 127.0.0.1 (lib-sshd.sh), a
# real agent, the fake tool. Every command is driven through the tunnel; the
# tunnel is killed in the middle of a watch and the watch must go on with no
# event lost; each connection failure gives its own message and exit status.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"

export XDG_CONFIG_HOME="$T/cfg"
export NO_COLOR=1
CM="$CM_CLI"
# Each task of the fake tool: think a little, say something, done.
printf 'think 400\nsay working on it\ndone\n' >"$T/script"
export FAKETOOL_SCRIPT="$T/script"

agent_start || { fail "agent starts"; finish; }
sshd_start || { fail "sshd starts"; finish; }
USER_NAME=$(id -un)

# The seed's command, plus what the test setup needs.
check "ctx add (seed form + --ssh-config)" \
	"$CM" ctx add prod --agent --host "$SSH_HOST" --user "$USER_NAME" --token "$AGENT_TOKEN" \
	--port "$AGENT_PORT" --path "$T/work" --ssh-config "$SSH_CONFIG"
mode=$(stat -c %a "$XDG_CONFIG_HOME/cm/contexts.json")
check "contexts.json is 0600 (was $mode)" [ "$mode" = 600 ]

# Cold: the tunnel is built; warm: reused without a new handshake.
out=$("$CM" ls 2>&1)
check "cm ls through a cold tunnel ($out)" [ $? -eq 0 ]
check "a ControlMaster socket exists" compgen -G "$T/run/cm/*.ctl" >/dev/null
PROD_CTL=$(ls "$T"/run/cm/*.ctl | head -n1)
check "the forward is a Unix socket, no TCP port" compgen -G "$T/run/cm/*.sock" >/dev/null
t0=$(date +%s%N)
"$CM" ls >/dev/null 2>&1
t1=$(date +%s%N)
check "cm ls warm exits 0" [ $? -eq 0 ]
echo "warm cm ls: $(((t1 - t0) / 1000000)) ms"

# The seed's cm start, waited to completion.
out=$("$CM" start fake "Write hello" --ctx prod --wait --timeout 60 2>"$T/start.err")
rc=$?
check "cm start --wait ends done (exit 0, got $rc)" [ "$rc" -eq 0 ]
S1=${out#prod/}
check "cm start prints CTX/ID ($out)" [ -n "$S1" ] && [[ "$out" == prod/cm-* ]]
check "progress shows the task done" grep -q "session_completed\|state=done" "$T/start.err"

"$CM" ls --json >"$T/ls.json"
check "cm ls --json lists it as done" python3 -c "
import json,sys; l=json.load(open('$T/ls.json'))
s=[x for x in l if x['sessionId']=='$S1']
sys.exit(0 if s and s[0]['state']=='done' and s[0]['context']=='prod' else 1)"
check "cm show by prefix" bash -c "'$CM' show '${S1:0:8}' | grep -q 'state *done'"
check "cm capture shows the tool's screen" bash -c "'$CM' capture prod/$S1 | grep -q 'Done'"
check "cm status: reachable" bash -c "'$CM' status | grep -q '^prod *ok'"

# A watch that outlives its tunnel.
"$CM" watch --json --ctx prod >"$T/watch.out" 2>"$T/watch.err" &
WATCH=$!
sleep 0.5
S2=$("$CM" start fake "Second task" --ctx prod)
S2=${S2#prod/}
sleep 0.2
MASTER=$(ssh -F "$SSH_CONFIG" -o ControlPath="$PROD_CTL" -O check "$SSH_HOST" 2>&1 |
	sed -n 's/.*pid=\([0-9]*\).*/\1/p')
check "found the ssh master ($MASTER)" [ -n "$MASTER" ]
[ -n "$MASTER" ] && kill "$MASTER"
# Events of S2 happen while the watch is cut off; S3 is started through a new tunnel.
sleep 1.5
S3=$("$CM" start fake "Third task" --ctx prod --wait --timeout 60 2>/dev/null)
check "start through a rebuilt tunnel ($S3)" [ $? -eq 0 ]
S3=${S3#prod/}
for _ in $(seq 1 100); do
	grep -q "\"session_completed\".*\"$S3\"\|\"$S3\".*\"session_completed\"" "$T/watch.out" && break
	sleep 0.1
done
kill "$WATCH" 2>/dev/null
wait "$WATCH" 2>/dev/null
check "watch said it reconnected" grep -q "reconnect" "$T/watch.err"
check "watch saw S2 created and completed, and S3 completed" python3 -c "
import json,sys
ev=[json.loads(l) for l in open('$T/watch.out') if l.strip()]
def has(t,s): return any(e.get('type')==t and e.get('sessionId')==s for e in ev)
ok=has('session_created','$S2') and has('session_completed','$S2') and has('session_completed','$S3')
sys.exit(0 if ok else 1)"
check "watch lost no event and repeated none (seq contiguous)" python3 -c "
import json,sys
seqs=[json.loads(l)['seq'] for l in open('$T/watch.out') if l.strip() and 'seq' in json.loads(l)]
sys.exit(0 if seqs and seqs==list(range(seqs[0],seqs[0]+len(seqs))) else 1)"

# send, logs, approve/deny errors
check "cm send --enter" "$CM" send "prod/$S1" "next task please" --enter
sleep 1.5
check "cm logs shows the typed task" bash -c "'$CM' logs prod/$S1 | grep -q 'next task please'"
"$CM" approve "prod/$S1" >/dev/null 2>"$T/approve.err"
check "cm approve with no prompt fails (exit 1)" [ $? -eq 1 ]
check "... saying so" grep -q -i "prompt" "$T/approve.err"

# attach in a private tmux server: see the tool, type, detach with Ctrl-\.
TM="tmux -L cmtest$$ -f /dev/null"
$TM new-session -d -x 100 -y 30 "'$CM' attach prod/$S1; echo ATTACH-EXIT=\$?; sleep 30"
attached=""
for _ in $(seq 1 50); do
	$TM capture-pane -p >"$T/attach.txt" 2>/dev/null
	grep -q "❯" "$T/attach.txt" && attached=1 && break
	sleep 0.1
done
check "attach draws the tool's screen" [ -n "$attached" ]
check "attach resized the session to the terminal" bash -c "'$CM' show prod/$S1 | grep -q 'size *100x30'"
$TM send-keys -l "typed-in-attach"
sleep 0.5
check "keys typed in attach reach the tool" bash -c "'$CM' capture prod/$S1 | grep -q typed-in-attach"
$TM send-keys C-'\'
for _ in $(seq 1 50); do
	$TM capture-pane -p >"$T/attach.txt"
	grep -q "ATTACH-EXIT=" "$T/attach.txt" && break
	sleep 0.1
done
check "Ctrl-\\ detaches (exit 0)" grep -q "ATTACH-EXIT=0" "$T/attach.txt"
check "detach message" grep -q "detached from prod/$S1" "$T/attach.txt"
$TM kill-server 2>/dev/null

# kill
check "cm kill" "$CM" kill "prod/$S1"
"$CM" show "prod/$S1" >/dev/null 2>&1
check "killed session is gone (exit 4)" [ $? -eq 4 ]
"$CM" kill "$S2" "$S3" >/dev/null

# Each failure has its own message and exit status.
expect_fail() { # NAME STATUS PATTERN -- cm args...
	local name=$1 want=$2 pat=$3 rc
	shift 4
	"$CM" "$@" >/dev/null 2>"$T/err.txt"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -i -- "$pat" "$T/err.txt"; then
		pass "$name (exit $rc: $(head -c 200 "$T/err.txt"))"
	else
		fail "$name: want exit $want and /$pat/, got $rc: $(cat "$T/err.txt")"
	fi
	[ "$(wc -l <"$T/err.txt")" -le 1 ] || fail "$name: more than one line on stderr"
}
ssh_alias cm-down "Port $(free_port)"
ssh_alias cm-badkey "IdentityFile $T/sshd/other_key"
ssh_alias cm-hostkey "UserKnownHostsFile $T/sshd/wrong_known_hosts"
ssh_alias cm-unknownkey "UserKnownHostsFile $T/sshd/empty_known_hosts"
add() { "$CM" ctx add "$@" --ssh-config "$SSH_CONFIG" >/dev/null; }
add down --agent --host cm-down --token "$AGENT_TOKEN" --port "$AGENT_PORT"
add badkey --agent --host cm-badkey --token "$AGENT_TOKEN" --port "$AGENT_PORT"
add hostkey --agent --host cm-hostkey --token "$AGENT_TOKEN" --port "$AGENT_PORT"
add unknownkey --agent --host cm-unknownkey --token "$AGENT_TOKEN" --port "$AGENT_PORT"
add noagent --agent --host "$SSH_HOST" --token "$AGENT_TOKEN" --port "$(free_port)"
add badtoken --agent --host "$SSH_HOST" --token "not-the-right-token-at-all" --port "$AGENT_PORT"
expect_fail "host unreachable" 5 "cannot reach host" -- ls --ctx down
expect_fail "ssh authentication refused" 6 "authentication refused" -- ls --ctx badkey
expect_fail "host key mismatch" 7 "does not match known_hosts" -- ls --ctx hostkey
expect_fail "host key unknown" 7 "not trusted" -- ls --ctx unknownkey
expect_fail "agent not running" 8 "agent not running" -- ls --ctx noagent
expect_fail "wrong token" 9 "refused the token" -- ls --ctx badtoken

# cm status over all contexts reports each, reachable or not.
"$CM" status --json >"$T/status.json" 2>"$T/status.err"
echo "status exit $?: $(cat "$T/status.json" "$T/status.err")" >"$T/status.log"
if python3 -c "
import json,sys; l={r['context']:r for r in json.load(open('$T/status.json'))}
ok=l['prod']['reachable'] and l['down']['error']=='host_unreachable' and l['badtoken']['error']=='token_refused' and l['noagent']['error']=='agent_not_running'
sys.exit(0 if ok else 1)"; then
	pass "cm status --json reports every context"
else
	fail "cm status --json reports every context: $(cat "$T/status.log")"
fi

check "cm ctx close stops the master" "$CM" ctx close prod
check "no master left for prod" bash -c "! ssh -F '$SSH_CONFIG' -o ControlPath='$PROD_CTL' -O check '$SSH_HOST' 2>/dev/null"
finish
