#!/bin/bash
# cm mcp with the official MCP SDK's client (tests/mcp, npm, pinned by its
# lock file): a real agent, the fake tool, two contexts (one unreachable).
. "$(dirname "$0")/lib.sh"

export XDG_CONFIG_HOME="$T/cfg"
export NO_COLOR=1
MCP_DIR="$CM_SOURCE_DIR/tests/mcp"

# All the input at once, then its end, with an unreachable context to try:
# every line is answered, the server exits at once, and (under valgrind,
# when installed) no memory error: lws closes the stdin watch at its end.
piped_input_check() {
	local reqs rc VG=()
	reqs='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_sessions","arguments":{}}}
{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_screen","arguments":{"session":"down/cm-1"}}}'
	command -v valgrind >/dev/null && [ -z "${ASAN_OPTIONS:-}" ] &&
		VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite)
	printf '%s\n' "$reqs" | timeout 120 "${VG[@]}" "$CM_CLI" mcp >"$T/eof.out" 2>"$T/eof.err"
	rc=$?
	check "cm mcp answers piped input and exits 0 at its end (exit $rc: $(grep -v '^cm' "$T/eof.err" | head -3))" \
		[ "$rc" -eq 0 ]
	check "both piped requests are answered" [ "$(grep -c '"id":[12],' "$T/eof.out")" -eq 2 ]
}

if [ ! -d "$MCP_DIR/node_modules/@modelcontextprotocol/sdk" ]; then
	fail "the MCP SDK is installed in tests/mcp (scripts/install-deps.sh)"
	piped_input_check
	finish
fi
# A first task that works, asks, works and finishes; later ones just finish.
printf 'think 1500\nask bash touch seed.txt\nthink 300\ndone\n---\nthink 200\nsay got it\ndone\n' \
	>"$T/script"
export FAKETOOL_SCRIPT="$T/script"
agent_start || { fail "agent starts"; finish; }
"$CM_CLI" ctx add main --local --port "$AGENT_PORT" --token "$AGENT_TOKEN" --path "$T/work" \
	--pool p1 --default >/dev/null
# Nothing listens on port 1: a context cm mcp must report and skip.
"$CM_CLI" ctx add down --local --port 1 --token x >/dev/null
"$CM_CLI" start cat --ctx main >/dev/null || fail "a session to list"
node "$MCP_DIR/mcp.test.mjs"
check "the MCP SDK client checks pass" [ $? -eq 0 ]
check "the approval through cm mcp is in the agent's audit log" \
	grep -q '"prompt_answered".*"approve": *true\|"approve": *true.*"prompt_answered"' "$T/state/audit.log"

piped_input_check
finish
