# Shared helpers for integration tests: a real cm-agent with private state,
# socket and tmux directories under a throwaway $T, torn down on exit.
# Logs are kept (and printed) only when a test fails.
#
#   . "$(dirname "$0")/lib.sh"
#   agent_start [extra cm-agent flags]   # sets AGENT_PID AGENT_PORT AGENT_TOKEN AGENT_URL
#   ... ws_client / python3 / cm ...
#   agent_stop
#   finish                               # prints "N passed, N failed", exits accordingly
#
# The agent is started as agentlib.py's Agent starts it (same flags, same
# defaults, same environment: CM_BUILD_DIR, CM_SOURCE_DIR, CM_AGENT,
# CM_AGENT_PREFIX), but as a child of the test's shell, so that the test can
# signal it and `wait` for its exit status. AGENT_LOG_LEVEL (default debug)
# sets --log-level; AGENT_TOKEN, if set, is the token.
set -u
: "${CM_BUILD_DIR:?CM_BUILD_DIR must name the build directory}"
: "${CM_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# Absolute: the agent and its tools run in other working directories.
CM_BUILD_DIR=$(cd "$CM_BUILD_DIR" && pwd) || exit 2
CM_SOURCE_DIR=$(cd "$CM_SOURCE_DIR" && pwd) || exit 2
CM_AGENT=$(realpath -m "${CM_AGENT:-$CM_BUILD_DIR/src/agent/cm-agent}")
CM_CLI=$(realpath -m "${CM_CLI:-$CM_BUILD_DIR/src/cli/cm}")
CM_FAKETOOL=$(realpath -m "${CM_FAKETOOL:-$CM_BUILD_DIR/tests/faketool/cm-faketool}")
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

# expect NAME STATUS PATTERN -- ARGS...: runs cm ($CM, else $CM_CLI) with
# ARGS; passes if it exits STATUS with PATTERN (any case) on stderr. With
# EXPECT_ONE_LINE=1, that stderr must also be one line at most. The output
# is left in $T/out.txt and $T/err.txt.
expect() {
	local name=$1 want=$2 pat=$3 rc
	shift 4
	"${CM:-$CM_CLI}" "$@" >"$T/out.txt" 2>"$T/err.txt"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -i -- "$pat" "$T/err.txt"; then
		pass "$name (exit $rc: $(head -c 160 "$T/err.txt"))"
	else
		fail "$name: want exit $want and /$pat/, got $rc: $(cat "$T/err.txt")"
	fi
	if [ "${EXPECT_ONE_LINE:-0}" = 1 ] && [ "$(wc -l <"$T/err.txt")" -gt 1 ]; then
		fail "$name: more than one line on stderr"
	fi
}

# wait_for SECONDS COMMAND...: polls until the command succeeds (1, if never).
wait_for() {
	local n=$(($1 * 10))
	shift
	for _ in $(seq 1 "$n"); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Kills everything the test started, keeps logs if anything failed.
cleanup() {
	agent_stop
	# Every tmux server of this test lives under $T: kill them all.
	for s in "$T"/sockets/*.sock "$T"/*/sockets/*.sock "$T"/tmux-*/*; do
		[ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null
	done
	if [ "$FAILED" -gt 0 ]; then
		for f in "$T"/*.log "$T"/*/agent.log; do
			[ -f "$f" ] || continue
			echo "---- $f (last 60 lines)"
			tail -n 60 "$f"
		done
	fi
	rm -rf "$T"
}
trap cleanup EXIT

# agent_spawn DIR [flags...]: starts cm-agent on a free loopback port with
# the token in $T/token and private state, socket and work dirs under DIR,
# its log in DIR/agent.log; waits until it listens. Sets SPAWNED_PID and
# SPAWNED_PORT. Several agents of one test each get their own DIR.
agent_spawn() {
	local dir=$1 prefix=() tries=200
	shift
	read -r -a prefix <<<"${CM_AGENT_PREFIX:-}"
	[ "${#prefix[@]}" -gt 0 ] && tries=1200
	mkdir -p "$dir/state" "$dir/sockets" "$dir/work"
	chmod 700 "$dir" "$dir/state" "$dir/sockets" "$dir/work"
	rm -f "$dir/state/agent.port"
	# TMUX_TMPDIR: never the user's tmux server, whatever a tool runs.
	env -u TMUX TMUX_TMPDIR="$T" "${prefix[@]}" "$CM_AGENT" --port 0 --bind 127.0.0.1 \
		--token-file "$T/token" --state-dir "$dir/state" --socket-dir "$dir/sockets" \
		--profiles-dir "$CM_SOURCE_DIR/profiles" --profiles-dir "$CM_SOURCE_DIR/tests/profiles" \
		--log-level "${AGENT_LOG_LEVEL:-debug}" "$@" >>"$dir/agent.log" 2>&1 &
	SPAWNED_PID=$!
	for _ in $(seq 1 "$tries"); do
		if [ -s "$dir/state/agent.port" ]; then
			SPAWNED_PORT=$(cat "$dir/state/agent.port")
			return 0
		fi
		if ! kill -0 "$SPAWNED_PID" 2>/dev/null; then
			echo "agent exited at start"
			tail -n 30 "$dir/agent.log"
			SPAWNED_PID=""
			return 1
		fi
		sleep 0.05
	done
	echo "agent did not start listening"
	return 1
}

# agent_start [flags...]: agent_spawn in $T with a fresh token (or
# $AGENT_TOKEN); sets AGENT_PID AGENT_PORT AGENT_TOKEN AGENT_URL.
agent_start() {
	AGENT_TOKEN=${AGENT_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
	printf '%s\n' "$AGENT_TOKEN" >"$T/token"
	chmod 600 "$T/token"
	if ! agent_spawn "$T" "$@"; then
		AGENT_PID=$SPAWNED_PID
		return 1
	fi
	AGENT_PID=$SPAWNED_PID
	AGENT_PORT=$SPAWNED_PORT
	AGENT_URL="ws://127.0.0.1:$AGENT_PORT/"
	export AGENT_PID AGENT_PORT AGENT_TOKEN AGENT_URL
}

# agent_stop [SIGNAL]: stops the agent (TERM by default) and waits for it.
# Under CM_AGENT_PREFIX (valgrind --error-exitcode=99), exit status 99 fails.
agent_stop() {
	local sig=${1:-TERM} rc=0
	if [ -n "$AGENT_PID" ]; then
		kill -s "$sig" "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null || rc=$?
		AGENT_PID=""
		if [ "$rc" -eq 99 ] && [ -n "${CM_AGENT_PREFIX:-}" ]; then
			fail "no memory error or leak in the agent (valgrind)"
		fi
	fi
	return 0
}

# finish: prints the closing count line and exits non-zero on any failure.
finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit $?
}
