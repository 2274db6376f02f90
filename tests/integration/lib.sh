# Shared helpers for integration tests: a real cm-agent with private state,
# socket and tmux directories under a throwaway $T, torn down on exit.
# Logs are kept (and printed) only when a test fails.
#
#   . "$(dirname "$0")/lib.sh"
#   agent_start [extra cm-agent flags]   # sets AGENT_PID AGENT_PORT AGENT_TOKEN AGENT_URL
#   ... ws_client / python3 / cm ...
#   agent_stop
#   finish                               # prints "N passed, N failed", exits accordingly
set -u
: "${CM_BUILD_DIR:?CM_BUILD_DIR must name the build directory}"
: "${CM_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
CM_AGENT=${CM_AGENT:-$CM_BUILD_DIR/src/agent/cm-agent}
CM_CLI=${CM_CLI:-$CM_BUILD_DIR/src/cli/cm}
CM_FAKETOOL=${CM_FAKETOOL:-$CM_BUILD_DIR/tests/faketool/cm-faketool}
export CM_AGENT CM_CLI CM_FAKETOOL CM_SOURCE_DIR CM_BUILD_DIR
# The fake tool is found by its profile through PATH.
export PATH="$(dirname "$CM_FAKETOOL"):$PATH"

T=$(mktemp -d "${TMPDIR:-/tmp}/cmt.XXXXXX")
chmod 700 "$T"
export T
TEST_NAME=$(basename "$0")
PASSED=0
FAILED=0
AGENT_PID=""

# Records a passing check.
pass() {
	PASSED=$((PASSED + 1))
	echo "PASS: $TEST_NAME: $*"
}

# Records a failing check (the test goes on, so one run shows every failure).
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL: $TEST_NAME: $*"
}

# check DESCRIPTION COMMAND...: pass if the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# Kills everything the test started, keeps logs if anything failed.
cleanup() {
	agent_stop
	# Every tmux server of this test lives under $T: kill them all.
	for s in "$T"/sockets/*.sock "$T"/tmux-*/*; do
		[ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null
	done
	if [ "$FAILED" -gt 0 ]; then
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $f (last 60 lines)"
			tail -n 60 "$f"
		done
	fi
	rm -rf "$T"
}
trap cleanup EXIT

# agent_start [flags...]: starts cm-agent on a free loopback port with a fresh
# token and private dirs; waits until it listens.
agent_start() {
	AGENT_TOKEN=${AGENT_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
	printf '%s\n' "$AGENT_TOKEN" >"$T/token"
	chmod 600 "$T/token"
	mkdir -p "$T/state" "$T/sockets" "$T/work"
	chmod 700 "$T/state" "$T/sockets"
	rm -f "$T/state/agent.port"
	"$CM_AGENT" --port 0 --bind 127.0.0.1 --token-file "$T/token" \
		--state-dir "$T/state" --socket-dir "$T/sockets" \
		--profiles-dir "$CM_SOURCE_DIR/profiles" --profiles-dir "$CM_SOURCE_DIR/tests/profiles" \
		--log-level debug "$@" >>"$T/agent.log" 2>&1 &
	AGENT_PID=$!
	for _ in $(seq 1 200); do
		if [ -s "$T/state/agent.port" ]; then
			AGENT_PORT=$(cat "$T/state/agent.port")
			AGENT_URL="ws://127.0.0.1:$AGENT_PORT/"
			export AGENT_PID AGENT_PORT AGENT_TOKEN AGENT_URL
			return 0
		fi
		if ! kill -0 "$AGENT_PID" 2>/dev/null; then
			echo "agent exited at start"
			tail -n 30 "$T/agent.log"
			AGENT_PID=""
			return 1
		fi
		sleep 0.05
	done
	echo "agent did not start listening"
	return 1
}

# agent_stop [SIGNAL]: stops the agent (TERM by default) and waits for it.
agent_stop() {
	local sig=${1:-TERM}
	if [ -n "$AGENT_PID" ]; then
		kill -s "$sig" "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
		AGENT_PID=""
	fi
}

# finish: prints the closing count line and exits non-zero on any failure.
finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit $?
}
