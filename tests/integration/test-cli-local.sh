#!/bin/bash
# cm against a real agent on this machine ("local" contexts, TCP and Unix
# socket, no ssh): contexts and their bad input, exit statuses of
# start --wait, id prefixes, pools, --json, logs -f, watch --count, help.
. "$(dirname "$0")/lib.sh"

export XDG_CONFIG_HOME="$T/cfg"
export NO_COLOR=1
CM="$CM_CLI"
CTXF="$XDG_CONFIG_HOME/cm/contexts.json"

# Profiles of the fake tool that end their task in each way.
mkdir -p "$T/profiles"
printf 'think 300\ndone\n' >"$T/done.script"
printf 'think 300\nask bash rm -rf /tmp/nothing\ndone\n' >"$T/ask.script"
printf 'think 300\nerror overloaded\n' >"$T/error.script"
printf 'think 300\nexit 3\n' >"$T/exit.script"
for k in done ask error exit; do
	python3 - "$CM_SOURCE_DIR/tests/profiles/fake.json" "$T/profiles/fake-$k.json" "fake-$k" \
		"$T/$k.script" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["name"] = sys.argv[3]
p["argv"] = [p["argv"][0], "--script", sys.argv[4]]
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY
done
# A tool that writes the clipboard (OSC 52), the window title and moves the
# cursor, then prints its task (which carries C1 controls) and waits.
python3 - "$T/profiles/hostile.json" <<'PY'
import json, sys
code = ("import sys, time\n"
        "sys.stdout.write('\\x1b]52;c;aGVsbG8=\\x07\\x1b]0;pwned-title\\x07\\x1b[2;5H'\n"
        "                 'hostile-screen ' + sys.argv[1] + ' \\u009b31m8bit\\n')\n"
        "sys.stdout.flush()\n"
        "time.sleep(600)\n")
json.dump({"schema": 1, "name": "hostile", "argv": ["python3", "-c", code],
           "task": {"via": "argv", "args": ["{task}"]}, "fallback": "idle",
           "rules": [{"name": "dead", "state": "exited", "region": {"last": 3},
                      "any": ["^Pane is dead"]}]}, open(sys.argv[1], "w"))
PY
# A tool whose program is not installed.
python3 - "$T/profiles/missing-program.json" <<'PY'
import json, sys
json.dump({"schema": 1, "name": "missing-program", "argv": ["cm-no-such-program"],
           "task": {"via": "argv", "args": ["{task}"]}, "fallback": "idle",
           "rules": [{"name": "dead", "state": "exited", "region": {"last": 3},
                      "any": ["^Pane is dead"]}]}, open(sys.argv[1], "w"))
PY
agent_start --unix "$T/agent.sock" --profiles-dir "$T/profiles" || { fail "agent starts"; finish; }

EXPECT_ONE_LINE=1 # every refusal is one line on stderr

# --- contexts and bad input
expect "no context yet" 3 "no context defined" -- ls
check "ctx add local (TCP, token file)" "$CM" ctx add loc --local --port "$AGENT_PORT" \
	--token-file "$T/token" --path "$T/work" --pool p
check "ctx add local (Unix socket, token from env)" "$CM" ctx add sock --local \
	--socket "$T/agent.sock" --token-env CM_TEST_TOKEN --pool p
export CM_TEST_TOKEN="$AGENT_TOKEN"
check "first context became the default" bash -c "'$CM' ctx ls | grep -q '^\* *loc'"
cp "$CTXF" "$T/ctx.before"
expect "duplicate ctx add" 3 "already exists" -- ctx add loc --local --token x
check "failed ctx add leaves the file as it was" cmp -s "$CTXF" "$T/ctx.before"
expect "missing context name" 2 "missing context name" -- ctx add
expect "agent without host" 2 "needs --host" -- ctx add x --agent --token t
expect "two token sources" 2 "exactly one" -- ctx add x --local --token t --token-env V
expect "bad port" 2 "not a number" -- ctx add x --local --token t --port 99999
expect "bad name" 2 "invalid context name" -- ctx add 'a/b' --local --token t
printf 'secret-token-value\n' >"$T/open-token"
chmod 644 "$T/open-token"
expect "token file readable by others refused at add" 13 "chmod 600" -- ctx add x --local --token-file "$T/open-token"
check "... file unchanged" cmp -s "$CTXF" "$T/ctx.before"
python3 - "$CTXF" "$T/open-token" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["contexts"].append({"name": "leaky", "machine": {"type": "local", "authTokenFile": sys.argv[2]}})
json.dump(d, open(sys.argv[1], "w"))
PY
expect "token file readable by others refused at use" 13 "readable by group or others" -- ls --ctx leaky
chmod 622 "$T/open-token"
expect "token file writable by others refused at use" 13 "writable by group or others.*chmod 600" -- ls --ctx leaky
"$CM" ctx rm leaky >/dev/null
# contexts.json itself, as sshd's StrictModes: nobody else may change it, nor
# read it while it holds a token; its directory is not open to others.
chmod 666 "$CTXF"
expect "contexts.json writable by others refused" 13 "contexts.json is writable by group or others (mode 0666): run chmod 600 .*contexts.json" -- ls --ctx loc
check "... and not rewritten by ctx add" bash -c "'$CM' ctx add z --local --token t 2>/dev/null; [ \$? -eq 13 ] && [ \$(stat -c %a '$CTXF') = 666 ]"
chmod 644 "$CTXF"
check "contexts.json 0644 without a token is accepted" "$CM" ctx ls
"$CM" ctx add inl0 --local --port "$AGENT_PORT" --token "$AGENT_TOKEN" >/dev/null
chmod 644 "$CTXF"
expect "contexts.json 0644 holding a token refused" 13 "holds a token and is readable by group or others.*chmod 600" -- ls --ctx loc
chmod 600 "$CTXF"
"$CM" ctx rm inl0 >/dev/null
chmod 777 "$XDG_CONFIG_HOME/cm"
expect "contexts.json in a directory others may write to refused" 13 "directory others may write to.*chmod o-w" -- ls --ctx loc
chmod 700 "$XDG_CONFIG_HOME/cm"
chown 4242 "$CTXF" 2>/dev/null && {
	expect "contexts.json owned by someone else refused" 13 "owned by uid 4242" -- ls --ctx loc
	chown "$(id -u)" "$CTXF"
}
expect "unknown context" 3 "unknown context \"nope\"" -- ls --ctx nope
expect "unknown command" 2 "unknown command" -- frobnicate
expect "ambiguous command" 2 "ambiguous" -- s
expect "unknown flag" 2 "unknown flag --bogus" -- ls --bogus
expect "flag without value" 2 "needs a value" -- start fake --ctx
expect "missing argument" 2 "missing TOOL" -- start
expect "missing session id" 2 "missing session id" -- kill
expect "extra argument after the session id" 2 "unexpected argument \"x\"" -- show cm-1 x
expect "ctx use without a name" 2 "missing context name" -- ctx use
expect "ctx rm of an unknown context" 3 "unknown context \"nope\"" -- ctx rm nope
expect "bad --auto-confirm" 2 "not on or off" -- start fake x --auto-confirm maybe
check "ctx ls --json masks nothing it must not show" bash -c "'$CM' ctx ls --json | grep -q '\"authTokenEnv\": \"CM_TEST_TOKEN\"'"
"$CM" ctx add inl --local --port "$AGENT_PORT" --token "$AGENT_TOKEN" >/dev/null
check "ctx show --json masks an inline token" bash -c "'$CM' ctx show inl --json | grep -q '\"authToken\": \"\\*\\*\\*\"' && ! '$CM' ctx show inl --json | grep -q '$AGENT_TOKEN'"
check "ctx use" "$CM" ctx use sock
check "ctx use changed the default" bash -c "'$CM' ctx show | grep -q 'name: *sock'"
check "ctx rm" "$CM" ctx rm inl
expect "ctx rm removed it" 3 "unknown context \"inl\"" -- ctx show inl
cp "$CTXF" "$T/ctx.good"
printf '{"contexts": [ {"name": "x", ' >"$CTXF"
expect "corrupt contexts.json: file and reason" 3 "contexts.json: line 1" -- ls
expect "corrupt contexts.json is not overwritten by ctx add" 3 "contexts.json" -- ctx add y --local --token t
check "... still the corrupt text" grep -q '^{"contexts": \[ {"name": "x", $' "$CTXF"
echo '{"contexts": [{"name": "x", "machine": {"type": "spaceship", "authToken": "t"}}]}' >"$CTXF"
expect "invalid machine type" 3 "machine.type" -- ls
cp "$T/ctx.good" "$CTXF"

# --- what reaches the terminal: no ESC, no C1 (raw or UTF-8) from an agent
no_controls() { # FILE: true if it holds no ESC, BEL, CR, DEL, C1 byte or UTF-8 C1
	python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
bad = [c for c in b if (c < 0x20 and c not in (0x0a, 0x09)) or c == 0x7f]
bad += [i for i in range(len(b) - 1) if b[i] == 0xc2 and 0x80 <= b[i + 1] < 0xa0]
t = b.decode("utf-8", "replace")
sys.exit(1 if bad or "\ufffd" in t or any(0x80 <= ord(c) < 0xa0 for c in t) else 0)
PY
}
HTASK=$'task \u009b2J csi \u009d0;t\u009c osc \x1b[31m esc'
"$CM" watch --ctx loc --count 2 >"$T/h-watch.txt" 2>&1 &
HWATCH=$!
sleep 0.5
HID=$("$CM" start hostile "$HTASK" --ctx loc 2>"$T/h.err" | cut -d/ -f2)
check "hostile tool started ($HID $(cat "$T/h.err"))" [ -n "$HID" ]
for _ in $(seq 1 50); do "$CM" capture "loc/$HID" 2>/dev/null | grep -q hostile-screen && break; sleep 0.1; done
"$CM" send "loc/$HID" "x" >/dev/null
"$CM" capture "loc/$HID" >"$T/h-cap.txt" 2>&1
check "capture shows the tool's text" grep -q "hostile-screen task" "$T/h-cap.txt"
check "capture: no ESC, no C1" no_controls "$T/h-cap.txt"
"$CM" ls --ctx loc >"$T/h-ls.txt" 2>&1
check "ls: no ESC, no C1 from the task" no_controls "$T/h-ls.txt"
check "ls shows the C1 of the task visibly" grep -qF 'task \u009b2J' "$T/h-ls.txt"
"$CM" ls --ctx loc --json >"$T/h-lsj.txt" 2>&1
check "ls --json: no ESC, no C1" no_controls "$T/h-lsj.txt"
"$CM" show "loc/$HID" >"$T/h-show.txt" 2>&1
check "show: no ESC, no C1" no_controls "$T/h-show.txt"
check "show shows the ESC of the task as ^[" grep -qF 'osc ^[[31m esc' "$T/h-show.txt"
"$CM" logs "loc/$HID" >"$T/h-logs.txt" 2>&1
check "logs: no ESC, no C1" no_controls "$T/h-logs.txt"
"$CM" logs -f "loc/$HID" >"$T/h-logsf.txt" 2>&1 &
HLOGS=$!
sleep 0.5
"$CM" send "loc/$HID" $'typed \x1b]52;c;eA==\x07 \u009b1m' >/dev/null
sleep 0.5
"$CM" kill "loc/$HID" >/dev/null
for _ in $(seq 1 50); do kill -0 $HLOGS 2>/dev/null || break; sleep 0.1; done
check "logs -f: no ESC, no C1 in the live output" no_controls "$T/h-logsf.txt"
for _ in $(seq 1 50); do kill -0 $HWATCH 2>/dev/null || break; sleep 0.1; done
check "watch: no ESC, no C1 from the task" no_controls "$T/h-watch.txt"
check "watch printed the session's events" grep -q "$HID" "$T/h-watch.txt"
kill $HLOGS $HWATCH 2>/dev/null
# An agent that lies: every text it sends carries controls.
PY3=python3
[ -x /usr/bin/python3 ] && PY3=/usr/bin/python3
"$PY3" "$CM_SOURCE_DIR/tests/integration/hostile-agent.py" "$T/evil.port" "$AGENT_TOKEN" \
	>>"$T/evil.log" 2>&1 &
EVIL=$!
for _ in $(seq 1 100); do [ -s "$T/evil.port" ] && break; sleep 0.05; done
"$CM" ctx add evil --local --port "$(cat "$T/evil.port")" --token-env CM_TEST_TOKEN >/dev/null
for what in "ls --ctx evil" "show evil/cm-1700000000" "capture evil/cm-1700000000" \
	"logs evil/cm-1700000000" "watch --ctx evil --count 2" "status --ctx evil" \
	"approve evil/cm-1700000000" "kill evil/cm-1700000000" "ls --ctx evil --json" \
	"show evil/cm-1700000000 --json" "watch --ctx evil --count 2 --json" \
	"ls --ctx evil --compact"; do
	# shellcheck disable=SC2086
	"$CM" $what >"$T/evil.out" 2>&1
	check "hostile agent: cm $what: no ESC, no C1 on stdout or stderr" no_controls "$T/evil.out"
done
"$CM" capture evil/cm-1700000000 >"$T/evil.out" 2>&1
check "hostile agent: capture shows the controls visibly" grep -qF 'screen^[]52;c;aGVsbG8=^G^[]0;pwned-title^G^[[2J^[[H\u009b31m\u009d0;c1-title\u009c^?^M' "$T/evil.out"
"$CM" capture -e evil/cm-1700000000 >"$T/evil.out" 2>&1
check "hostile agent: capture -e stays byte-exact" grep -qF $'screen\e]52;c;aGVsbG8=\a' "$T/evil.out"
"$CM" show evil/cm-1700000000 >"$T/evil.out" 2>&1
check "hostile agent: show prints the waiting prompt's command" grep -q '^command *rm -rf /^\[' "$T/evil.out"
"$CM" approve evil/cm-1700000000 >"$T/evil.out" 2>&1
check "hostile agent: its error message is sanitized" grep -qF 'refused^[]52;c;' "$T/evil.out"
kill "$EVIL" 2>/dev/null
wait "$EVIL" 2>/dev/null
"$CM" ctx rm evil >/dev/null
expect "an error line is printed sanitized" 4 'no session matches "cm-\^\[\]0;x\^G' -- show --ctx loc $'cm-\e]0;x\a'
check "... with no ESC" no_controls "$T/err.txt"

# --- start --wait exit statuses
expect_start() { # NAME STATUS TOOL
	local rc
	"$CM" start "$3" "task for $3" --ctx loc --wait --timeout 60 -q >"$T/start.out" 2>"$T/start.err"
	rc=$?
	if [ "$rc" -eq "$2" ]; then pass "$1 (exit $rc)"; else fail "$1: want $2, got $rc: $(cat "$T/start.err")"; fi
}
expect_start "start --wait: done" 0 fake-done
expect_start "start --wait: waiting for a person" 10 fake-ask
ASK=$(cut -d/ -f2 "$T/start.out")
expect_start "start --wait: error" 11 fake-error
expect_start "start --wait: exited" 12 fake-exit
check "the waiting session shows its prompt" bash -c "'$CM' show loc/$ASK | grep -q '^prompt'"
check "... and the command it asks to run" bash -c "'$CM' show loc/$ASK | grep -A3 '^command ' | grep -q 'rm -rf /tmp/nothing'"
check "cm deny answers it" bash -c "'$CM' deny 'loc/$ASK' | grep -qx 'denied loc/$ASK'"
expect "unknown tool" 1 "unknown_tool\|no profile\|tool" -- start no-such-tool x --ctx loc
expect "bad path" 1 "path" -- start fake-done x --ctx loc --path /does/not/exist
expect "a tool that is not installed fails, saying why" 1 'missing-program: its program "cm-no-such-program" is not installed' -- start missing-program "Task" --ctx loc
check "... and prints no session id" [ ! -s "$T/out.txt" ]
check "... and leaves no session" bash -c "! '$CM' ls --ctx loc | grep -q missing-program"
# The man page's example: a context without a path starts in the agent's home.
"$CM" start fake-done "Task" --ctx sock >"$T/nopath.out" 2>"$T/nopath.err"
check "start on a context without a path works ($(cat "$T/nopath.err"))" [ -s "$T/nopath.out" ]
check "... in the agent's home directory" bash -c "'$CM' show '$(cat "$T/nopath.out")' | grep -q '^path *$(realpath "$HOME")\$'"
check "... and no jansson message" bash -c "! grep -q 'Object item' '$T/nopath.err'"

# --- recovery options of a session
R=$("$CM" start fake-done "r" --ctx loc --restart always --auto-continue --stall-ms 5000 | cut -d/ -f2)
"$CM" ls --ctx loc --json >"$T/rec.json" 2>&1
check "start --restart/--auto-continue/--stall-ms reach the session" python3 -c "
import json, sys
s = [x for x in json.load(open(sys.argv[1])) if x.get('sessionId') == sys.argv[2]]
sys.exit(0 if s and s[0].get('restart') == 'always' and s[0].get('autoContinue') is True
         and s[0].get('stallMs') == 5000 else 1)" "$T/rec.json" "$R"
expect "a restart policy that is none of the three" 2 "never, on-failure or always" -- start fake-done x --ctx loc --restart sometimes
expect "a negative stall" 2 "stall-ms" -- start fake-done x --ctx loc --stall-ms -5

# --- ids: CTX/ID, prefixes, ambiguity, over the Unix socket context too
A=$("$CM" start fake-done "a" --ctx loc | cut -d/ -f2)
B=$("$CM" start fake-done "b" --ctx loc | cut -d/ -f2)
check "full id through the Unix-socket context" "$CM" show "sock/$A"
check "unique prefix without cm-" "$CM" show --ctx loc "${B#cm-}"
expect "ambiguous prefix lists candidates" 4 "ambiguous.*loc/" -- show --ctx loc cm-
expect "unknown session" 4 "no session matches" -- show --ctx loc cm-999
expect "unknown context in CTX/ID" 3 "unknown context" -- show nope/cm-1
# Two more agents that hold the same session id (ids are unique on one agent
# only): planted as state files, so this does not depend on how ids are made.
twin_start() { # NAME: an agent in $T/NAME holding session cm-1700000000; sets TWIN_PORT
	local d="$T/$1"
	mkdir -p "$d/state/sessions" "$d/sockets"
	chmod 700 "$d" "$d/state" "$d/state/sessions" "$d/sockets"
	printf '{"tool": "fake-done", "task": "twin %s", "path": "%s", "created": 1700000000.0}\n' \
		"$1" "$T/work" >"$d/state/sessions/cm-1700000000.json"
	"$CM_AGENT" --port 0 --bind 127.0.0.1 --token-file "$T/token" --state-dir "$d/state" \
		--socket-dir "$d/sockets" --profiles-dir "$T/profiles" >>"$T/$1.log" 2>&1 &
	echo $! >"$d/pid"
	for _ in $(seq 1 200); do [ -s "$d/state/agent.port" ] && break; sleep 0.05; done
	TWIN_PORT=$(cat "$d/state/agent.port")
}
twin_start twa
"$CM" ctx add twa --local --port "$TWIN_PORT" --token-file "$T/token" >/dev/null
twin_start twb
"$CM" ctx add twb --local --port "$TWIN_PORT" --token-file "$T/token" >/dev/null
expect "an id on two contexts is refused, listing CTX/ID" 14 "more than one context: .*twa/cm-1700000000, twb/cm-1700000000" -- approve cm-1700000000
expect "... a prefix too" 14 "twa/cm-1700000000.*twb/cm-1700000000" -- show cm-170000
expect "... without the cm-" 14 "more than one context" -- kill 1700000000
check "CTX/ID still selects" bash -c "'$CM' show twb/cm-1700000000 | grep -q 'task *twin twb'"
check "--ctx still selects" bash -c "'$CM' show --ctx twa cm-1700000000 | grep -q 'task *twin twa'"
check "both sessions are still there" bash -c "'$CM' ls --ctx twa | grep -q cm-1700000000 && '$CM' ls --ctx twb | grep -q cm-1700000000"
for w in twa twb; do
	"$CM" ctx rm $w >/dev/null
	kill "$(cat "$T/$w/pid")" 2>/dev/null
	wait "$(cat "$T/$w/pid")" 2>/dev/null
done

# --- listing, json, all contexts with one unreachable
"$CM" ctx add dead --local --port "$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')" --token-env CM_TEST_TOKEN --pool p >/dev/null
"$CM" ls --all --json >"$T/all.json" 2>"$T/all.err"
check "ls --all: unreachable context exits 8" [ $? -eq 8 ]
check "ls --all warns about it" grep -q "dead: skipped: agent not running" "$T/all.err"
check "ls --all lists loc and sock sessions" python3 -c "
import json,sys; l=json.load(open('$T/all.json')); c={x['context'] for x in l}
sys.exit(0 if {'loc','sock'}<=c else 1)"
check "ls table has the headers" bash -c "'$CM' ls --ctx loc | head -n1 | grep -q 'SESSION *TOOL *STATE'"
check "ls output has no colour with NO_COLOR" bash -c "! '$CM' ls --ctx loc | grep -q $'\033'"

# --- pools: placed on a reachable agent, the dead one skipped with a warning
out=$("$CM" start fake-done "pooled" --pool p 2>"$T/pool.err")
rc=$?
check "start --pool places the session (exit $rc: $out $(cat "$T/pool.err"))" [ $rc -eq 0 ]
check "start --pool warns about the unreachable agent" grep -q "dead: skipped" "$T/pool.err"
expect "unknown pool" 3 "no context belongs to pool" -- start fake-done x --pool nopool

# --- status
"$CM" status --json >"$T/status.json" 2>/dev/null
check "status: loc reachable with version and sessions" python3 -c "
import json,sys; r={x['context']:x for x in json.load(open('$T/status.json'))}
i=r['loc']['info']; sys.exit(0 if r['loc']['reachable'] and i['version'] and i['sessions']>=1 and not r['dead']['reachable'] else 1)"
"$CM" ctx rm dead >/dev/null

# --- logs -f and watch --count
"$CM" watch --ctx loc --json --count 3 >"$T/watch.out" 2>/dev/null &
WATCH=$!
"$CM" logs -f "loc/$A" >"$T/logs.out" 2>/dev/null &
LOGS=$!
sleep 0.5
"$CM" send "loc/$A" "hello from logs" --enter
sleep 1
"$CM" kill "loc/$A" >/dev/null
for _ in $(seq 1 50); do kill -0 $LOGS 2>/dev/null || break; sleep 0.1; done
check "logs -f ends when the session is killed" bash -c "! kill -0 $LOGS 2>/dev/null"
check "logs -f printed the live output" grep -q "hello from logs" "$T/logs.out"
for _ in $(seq 1 50); do kill -0 $WATCH 2>/dev/null || break; sleep 0.1; done
check "watch --count 3 exits after 3 events" bash -c "! kill -0 $WATCH 2>/dev/null && [ \$(wc -l <'$T/watch.out') -eq 3 ]"
kill $LOGS $WATCH 2>/dev/null

# --- help
check "cm help" bash -c "'$CM' help | grep -q 'attach'"
check "cm help start" bash -c "'$CM' help start | grep -q -- '--auto-confirm'"
check "cm help by prefix" bash -c "'$CM' help star | grep -q 'usage: cm start'"
expect "cm help of an unknown command" 2 "unknown command" -- help nope
check "cm --version" bash -c "'$CM' --version | grep -q '^cm '"

"$CM" ls --all --json 2>/dev/null | python3 -c "import json,sys; [print(x['context']+'/'+x['sessionId']) for x in json.load(sys.stdin) if x['context']=='loc']" |
	xargs -r "$CM" kill >/dev/null
finish
