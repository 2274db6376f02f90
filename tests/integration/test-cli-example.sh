#!/bin/bash
# libcm's example (examples/seed-client.c), the seed's Python example in C:
# connect, create a session, follow its states until completion, disconnect;
# directly and through a real ssh tunnel. Also checks what libcm.so exports.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"
EX="$CM_BUILD_DIR/src/lib/cm-example-seed-client"
printf 'think 300\nsay logging added\ndone\n' >"$T/script"
export FAKETOOL_SCRIPT="$T/script"
agent_start || { fail "agent starts"; finish; }
export CM_AGENT_TOKEN="$AGENT_TOKEN"
"$EX" --port "$AGENT_PORT" --tool fake --path "$T/work" "Add logging to API module" >"$T/ex.out" 2>&1
check "example: direct, exit 0 on completion ($(tr '\n' '|' <"$T/ex.out"))" [ $? -eq 0 ]
check "example printed the session and its completion" grep -q "session_completed" "$T/ex.out"
if sshd_start; then
	"$EX" --ssh "$SSH_HOST" --ssh-config "$SSH_CONFIG" --port "$AGENT_PORT" --tool fake \
		--path "$T/work" "Add logging" >"$T/ex2.out" 2>&1
	check "example: through the ssh tunnel ($(tr '\n' '|' <"$T/ex2.out"))" [ $? -eq 0 ]
else
	fail "sshd starts"
fi
CM_AGENT_TOKEN=wrong-token-wrong-token "$EX" --port "$AGENT_PORT" --tool fake x >"$T/ex3.out" 2>&1
check "example: wrong token reported as token_refused" grep -q "token_refused" "$T/ex3.out"
check "libcm.so exports only cm_* symbols" bash -c "! nm -D --defined-only '$CM_BUILD_DIR/src/lib/libcm.so' | awk '{print \$3}' | grep -v '^cm_' | grep -q ."
check "cm.pc is generated" grep -q "^Libs: .*-lcm" "$CM_BUILD_DIR/src/lib/cm.pc"
finish
