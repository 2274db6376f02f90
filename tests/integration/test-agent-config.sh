#!/usr/bin/env bash
# cm-agent's command line, config file, token handling and private
# directories: good values work, bad ones are refused with a clear message
# and exit status 2, and nothing is left half-started.
. "$(dirname "$0")/lib.sh"

agent() { "$CM_AGENT" "$@"; }

# expect_refused DESCRIPTION PATTERN ARGS...: exit 2 and a message matching PATTERN.
expect_refused() {
	local what=$1 pattern=$2 out rc
	shift 2
	out=$(timeout 5 "$CM_AGENT" "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ] && grep -qE -- "$pattern" <<<"$out"; then
		pass "$what"
	else
		fail "$what (exit $rc: $out)"
	fi
}

mkdir -p "$T/s" "$T/k"
chmod 700 "$T/s" "$T/k"
printf 'abcdefghijklmnop0123\n' >"$T/tok"
chmod 600 "$T/tok"
base=(--state-dir "$T/s" --socket-dir "$T/k" --port 0)

check "--version prints the version" bash -c "'$CM_AGENT' --version | grep -q '^cm-agent [0-9]'"
check "--help lists every flag" bash -c "'$CM_AGENT' --help | grep -q -- '--token-file'"

expect_refused "unknown flag" "unknown option --frobnicate" --frobnicate
expect_refused "flag without its value" "needs a value" "${base[@]}" --token-file
expect_refused "port out of range" "--port 70000: not a whole number in range" --port 70000
expect_refused "port not a number" "--port 12ab" --port 12ab
expect_refused "bad log level" "expected error, warn, info or debug" --log-level loud
expect_refused "stray argument" "unexpected argument" "${base[@]}" extra
expect_refused "bad danger rule regex" "danger rule 1" "${base[@]}" --token-file "$T/tok" \
	--danger-rule '(unclosed'

# Token files.
printf 'short\n' >"$T/short"
chmod 600 "$T/short"
expect_refused "too short a token" "openssl rand -hex 32" "${base[@]}" --token-file "$T/short"
cp "$T/tok" "$T/open"
chmod 644 "$T/open"
expect_refused "token file readable by others" "chmod 600" "${base[@]}" --token-file "$T/open"
expect_refused "missing token file" "No such file" "${base[@]}" --token-file "$T/nope"

# Private directories: refused when another user could get in or swap them.
mkdir -p "$T/open-dir"
chmod 755 "$T/open-dir"
expect_refused "state dir open to others" "accessible to group or others" \
	--state-dir "$T/open-dir" --socket-dir "$T/k" --token-file "$T/tok"
ln -s "$T/k" "$T/link"
expect_refused "socket dir that is a symlink" "symbolic link" \
	--state-dir "$T/s" --socket-dir "$T/link" --token-file "$T/tok"

# Config file.
printf '{"port": 0, "log_level": "debug", "max_sessions": 5}\n' >"$T/good.json"
printf '{"port": 0, "bogus": 1}\n' >"$T/unknown.json"
printf '{"port": \n' >"$T/broken.json"
printf '{"token": "abcdefghijklmnop0123"}\n' >"$T/inline.json"
expect_refused "config: unknown key" 'unknown key "bogus"' "${base[@]}" --config "$T/unknown.json"
expect_refused "config: broken JSON" "broken.json:2" "${base[@]}" --config "$T/broken.json"
expect_refused "config: token not read from the file" "token_file" "${base[@]}" \
	--config "$T/inline.json"
expect_refused "config: missing file" "nope.json" "${base[@]}" --config "$T/nope.json"

# A good start: generated token, port file, private files.
rm -rf "$T/s2"
timeout 3 "$CM_AGENT" --state-dir "$T/s2" --socket-dir "$T/k" --port 0 --config "$T/good.json" \
	>"$T/gen.log" 2>&1
check "no token configured: one is generated and its place said" \
	grep -q "generated one in $T/s2/token (mode 0600)" "$T/gen.log"
check "the generated token file is 0600" test "$(stat -c %a "$T/s2/token")" = 600
check "the generated token is 64 hex digits" grep -qE '^[0-9a-f]{64}$' "$T/s2/token"
check "the state directory is created 0700" test "$(stat -c %a "$T/s2")" = 700
check "the generated token never appears in the log" \
	bash -c "! grep -qF '$(cat "$T/s2/token")' '$T/gen.log'"

# --token works as the seed wrote it, with a warning.
timeout 2 "$CM_AGENT" "${base[@]}" --token abcdefghijklmnop0123 >"$T/cli.log" 2>&1
check "--token is accepted with a warning about the process list" \
	grep -q "visible to every user in the process list" "$T/cli.log"
CM_AGENT_TOKEN=abcdefghijklmnop0123 timeout 2 "$CM_AGENT" "${base[@]}" >"$T/env.log" 2>&1
check "CM_AGENT_TOKEN is accepted without a warning" \
	bash -c "! grep -q 'process list\|generated' '$T/env.log'"

# The port is taken: a clear message.
python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(15)' >"$T/port" &
holder=$!
for _ in $(seq 1 100); do
	[ -s "$T/port" ] && break
	sleep 0.1
done
busy=$(cat "$T/port")
out=$(timeout 3 "$CM_AGENT" --state-dir "$T/s" --socket-dir "$T/k" --token-file "$T/tok" \
	--port "$busy" 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && grep -q "cannot listen on 127.0.0.1:$busy" <<<"$out"; then
	pass "a port in use is reported"
else
	fail "a port in use is reported (exit $rc: $out)"
fi
kill "$holder" 2>/dev/null

# A Unix socket listener, private to the user.
timeout 5 "$CM_AGENT" --state-dir "$T/s" --socket-dir "$T/k" --token-file "$T/tok" --port -1 \
	--unix "$T/agent.sock" >"$T/unix.log" 2>&1 &
for _ in $(seq 1 40); do
	[ -S "$T/agent.sock" ] && break
	sleep 0.1
done
check "--unix listens on a socket of mode 0600" test "$(stat -c %a "$T/agent.sock" 2>/dev/null)" = 600
wait

# Past --max-clients (authenticated clients) an upgrade gets HTTP 503, and cm
# says so (not "agent not running").
AGENT_TOKEN=abcdefghijklmnop0123 agent_start --max-clients 1
/usr/bin/python3 -c "
import asyncio, websockets
async def hold():
    async with websockets.connect('$AGENT_URL') as ws:
        await ws.send('{\"auth_token\": \"abcdefghijklmnop0123\"}')
        await ws.recv()
        await asyncio.sleep(4)
asyncio.run(hold())" &
holder=$!
sleep 0.7
export XDG_CONFIG_HOME="$T/cfg"
"$CM_CLI" ctx add full --local --port "$AGENT_PORT" --token-file "$T/token" >/dev/null
"$CM_CLI" ls --ctx full >"$T/full.out" 2>&1
check "cm ls on a full agent says it refused the connection with HTTP 503" \
	grep -q "refused the connection: HTTP 503" "$T/full.out"
wait $holder
agent_stop

# classify: the compiled-in profiles by default, from any directory.
fx="$CM_SOURCE_DIR/tests/fixtures"
out=$(cd / && "$CM_AGENT" classify --profile claude "$fx/claude/perm-bash-01.txt" "$fx/claude/idle-01.txt")
check "classify uses the built-in profiles from any directory" \
	bash -c "grep -q \$'perm-bash-01.txt\twaiting_confirm' <<<'$out' && grep -q \$'idle-01.txt\tidle' <<<'$out'"
(cd / && "$CM_AGENT" classify --profile nosuch "$fx/claude/idle-01.txt" >/dev/null 2>"$T/cls.err")
check "classify with an unknown profile exits 2 and says so" \
	bash -c "[ $? -eq 2 ] && grep -q 'no built-in profile' '$T/cls.err'"
(cd / && "$CM_AGENT" classify --profile claude "$T/nope.txt" >/dev/null 2>&1)
check "classify of an unreadable file exits 1" test $? -eq 1

# classify warns when the installed tool is newer than the profile's tested_versions.
mkdir -p "$T/newer" "$T/same"
printf '#!/bin/sh\necho "9.0.0 (Claude Code)"\n' >"$T/newer/claude"
printf '#!/bin/sh\necho "codex-cli 0.169.0"\n' >"$T/same/codex"
chmod +x "$T/newer/claude" "$T/same/codex"
out=$(cd / && PATH="$T/newer:$PATH" "$CM_AGENT" classify --profile claude "$fx/claude/idle-01.txt" 2>"$T/ver.err")
check "classify of a newer claude warns on stderr, naming both versions" \
	bash -c "grep -q 'warning: claude 9.0.0 is newer than the versions profile claude was tested with (newest 2.1.197)' '$T/ver.err'"
check "...and still classifies the screen" bash -c "grep -q \$'idle-01.txt\tidle' <<<'$out'"
(cd / && PATH="$T/newer:$PATH" "$CM_AGENT" classify --profile claude --check-version >/dev/null 2>&1)
check "classify --check-version exits 1 for a newer tool" test $? -eq 1
out=$(cd / && PATH="$T/same:$PATH" "$CM_AGENT" classify --profile codex --check-version 2>&1)
check "classify --check-version says a tested tool is fine, exit 0" \
	bash -c "[ $? -eq 0 ] && grep -q 'codex 0.169.0 (tested up to 0.169.0)' <<<'$out'"
out=$(cd / && PATH=/nonexistent "$CM_AGENT" classify --profile codex "$fx/codex/codex-idle-01.txt" 2>&1)
check "classify without the tool installed gives no warning" \
	bash -c "! grep -q warning <<<'$out'"

finish
