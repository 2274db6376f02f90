#!/usr/bin/env bash
# test-faketool-screens: the fake tool's screens, captured from a real private
# tmux, classify as expected with tests/profiles/fake.json at every step of a
# task: idle, thinking, waiting_confirm (answerable), done, exited; then a
# dangerous prompt that auto-confirm refuses, an API error banner, and the
# --exit-code option.
#
# Needs CM_BUILD_DIR (binaries) and CM_SOURCE_DIR (profiles); tmux >= 3.2.
set -u

build=${CM_BUILD_DIR:?CM_BUILD_DIR is not set}
src=${CM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
faketool=$build/tests/faketool/cm-faketool
agent=$build/src/agent/cm-agent
profile=$src/tests/profiles/fake.json

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cm-faketool-test.XXXXXX")
sock=$tmp/s
failed=0

cleanup() {
	tmux -S "$sock" kill-server 2>/dev/null
	if [ "$failed" -eq 0 ]; then
		rm -rf "$tmp"
	else
		echo "logs kept in $tmp" >&2
	fi
}
trap cleanup EXIT

for f in "$faketool" "$agent"; do
	if [ ! -x "$f" ]; then
		echo "FAIL: $f is not built" >&2
		failed=1
		exit 1
	fi
done

# Private tmux server: no user config, fixed size like the fixtures.
tm() { tmux -S "$sock" -f /dev/null "$@"; }

# classify FILE: prints the state of a capture with the fake profile.
classify() {
	"$agent" classify --profile "$profile" "$@" | cut -f2
}

# start NAME ARGS...: runs the fake tool in a new session.
start() {
	local name=$1
	shift
	tm new-session -d -x 120 -y 40 -s "$name" \
		"env FAKETOOL_SCRIPT=$tmp/script $faketool $*" || return 1
	tm set-option -t "$name" remain-on-exit on >/dev/null
}

# expect NAME STATE [TIMEOUT_S]: waits until the screen classifies as STATE.
n=0
npass=0
nfail=0
expect() {
	local name=$1 want=$2 limit=${3:-5} got="" i
	for ((i = 0; i < limit * 20; i++)); do
		n=$((n + 1))
		tm capture-pane -p -t "$name" >"$tmp/$name-$n.txt" 2>/dev/null
		got=$(classify "$tmp/$name-$n.txt")
		if [ "$got" = "$want" ]; then
			echo "PASS: $name is $want"
			npass=$((npass + 1))
			last="$tmp/$name-$n.txt"
			return 0
		fi
		sleep 0.05
	done
	echo "FAIL: $name: expected $want, last classified $got ($tmp/$name-$n.txt)" >&2
	nfail=$((nfail + 1))
	failed=1
	return 1
}

# check DESC CMD...: runs a command, records a failure.
check() {
	local desc=$1
	shift
	if "$@"; then
		echo "PASS: $desc"
		npass=$((npass + 1))
	else
		echo "FAIL: $desc" >&2
		nfail=$((nfail + 1))
		failed=1
	fi
}

cat >"$tmp/script" <<'SCRIPT'
# task 1: a safe command, an edit, then done
think 1200
say I'll run a command.
ask bash touch ok.txt
think 800
ask write hello.txt
think 600
done
---
# task 2: a dangerous command (the fake never runs it)
think 600
ask bash rm -rf /
done
---
# task 3: an API error banner
think 500
error 401 {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}
SCRIPT

start ft || exit 1
expect ft idle
tm send-keys -t ft 'create hello.txt' Enter
expect ft thinking
expect ft waiting_confirm 5
check "safe command prompt is answerable with key 1" \
	grep -q 'autoconfirm=answer:.*' <("$agent" classify -v --session-dir "$tmp" --profile "$profile" "$last")
check "the prompt shows the command" grep -q '^   touch ok.txt$' "$last"
tm send-keys -t ft 1
expect ft running 2
expect ft waiting_confirm 5
check "edit prompt asks to create hello.txt" grep -q 'Do you want to create hello.txt?' "$last"
tm send-keys -t ft Enter
expect ft done 5
check "nothing was written" test ! -e hello.txt -a ! -e "$tmp/hello.txt"

# task 2: the dangerous prompt is refused by a danger rule; Esc rejects it
tm send-keys -t ft 'clean up everything' Enter
expect ft waiting_confirm 5
check "rm -rf / is refused by a danger rule" \
	grep -q 'autoconfirm=ask:danger rule delete-outside' \
	<("$agent" classify -v --session-dir "$tmp" --profile "$profile" "$last")
tm send-keys -t ft Escape
expect ft idle 5
check "the rejection is shown" grep -q 'User rejected running rm -rf /' "$last"

# task 3: API error banner
tm send-keys -t ft 'third' Enter
expect ft error 5

# a pasted task (bracketed paste) is accepted as one input
tm set-buffer -b p 'pasted task with ; and $(x)'
tm paste-buffer -p -b p -t ft
sleep 0.2
tm send-keys -t ft Enter
expect ft thinking 3
tm send-keys -t ft Escape
expect ft idle 3

# Ctrl-C twice exits with the resume hint
tm send-keys -t ft C-c
sleep 0.1
tm send-keys -t ft C-c
expect ft exited 5
check "exit prints the resume hint" grep -q '^Resume this session with:' "$last"

# /exit exits too; an initial task from argv starts at once
start ft2 "'task from argv'" || exit 1
expect ft2 thinking 5
expect ft2 waiting_confirm 5
tm send-keys -t ft2 Escape
expect ft2 idle 3
tm send-keys -t ft2 '/exit' Enter
expect ft2 exited 5

# --api-error: the turn ends with an API Error 401 banner
printf 'think 300\n' >"$tmp/script"
start ft3 --api-error || exit 1
expect ft3 idle 5 # keys typed before the tool is in raw mode would be cooked
tm send-keys -t ft3 'x' Enter
expect ft3 error 5
check "401 banner" grep -q '● API Error: 401' "$last"

# --exit-code: exits at once with that status
"$faketool" --exit-code 7 </dev/null >/dev/null 2>&1
check "--exit-code 7 exits 7" test $? -eq 7

# classify refuses an unreadable file and a bad profile
"$agent" classify --profile "$profile" "$tmp/nonexistent" >/dev/null 2>&1
check "unreadable file: non-zero exit" test $? -ne 0
echo '{"name": "fake", "argv": ["x"], "rules": [{"name": "r", "state": "idle", "any": ["("]}]}' \
	>"$tmp/fake.json"
"$agent" classify --profile "$tmp/fake.json" "$last" >/dev/null 2>"$tmp/err"
check "bad profile: non-zero exit" test $? -ne 0
check "bad profile: reason on stderr" grep -q 'rule r: "any"\[0\]' "$tmp/err"

echo "$npass passed, $nfail failed"
exit "$failed"
