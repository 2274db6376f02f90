#!/bin/bash
# cm reads transcripts through libcm, from two real agents ("local"
# contexts): `cm logs` of a killed session (text, --raw, --cast that
# asciinema reads, --since/--until), `cm history` across contexts, `cm grep`
# over every context in parallel, and bad arguments refused.
. "$(dirname "$0")/lib.sh"

export XDG_CONFIG_HOME="$T/cfg"
export NO_COLOR=1
CM="$CM_CLI"

agent_start || { fail "agent a starts"; finish; }
agent_spawn "$T/b" || { fail "agent b starts"; finish; }
B_PID=$SPAWNED_PID
B_PORT=$SPAWNED_PORT
trap 'kill "$B_PID" 2>/dev/null; cleanup' EXIT
mkdir -p "$T/work"
"$CM" ctx add a --local --port "$AGENT_PORT" --token-file "$T/token" --path "$T/work" >/dev/null
"$CM" ctx add b --local --port "$B_PORT" --token-file "$T/token" --path "$T/b/work" >/dev/null

wait_screen() { # CTX/ID TEXT: until the screen shows TEXT (10 s)
	for _ in $(seq 1 100); do
		"$CM" capture "$1" 2>/dev/null | grep -q -- "$2" && return 0
		sleep 0.1
	done
	return 1
}

A=$("$CM" start cat --ctx a 2>/dev/null)
B=$("$CM" start cat --ctx b 2>/dev/null)
[ -n "$A" ] && [ -n "$B" ] || { fail "sessions start ($A, $B)"; finish; }
# cm start prints CTX/ID.
AID=${A#*/}
BID=${B#*/}
sleep 0.5
"$CM" send "$A" "alpha-line-one" --enter >/dev/null
"$CM" send "$B" "alpha-line-two" --enter >/dev/null
wait_screen "$A" alpha-line-one || fail "a echoes"
wait_screen "$B" alpha-line-two || fail "b echoes"
check "kill both" "$CM" kill "$A" "$B"
sleep 0.5

"$CM" logs "$A" >"$T/logs.txt" 2>"$T/logs.err"
check "cm logs of a killed session prints its transcript" grep -q alpha-line-one "$T/logs.txt"
"$CM" logs "$A" --raw >"$T/raw.txt" 2>/dev/null
check "--raw keeps the escapes the tool wrote" grep -q alpha-line-one "$T/raw.txt"
check "cm logs --cast -o FILE" "$CM" logs "$A" --cast -o "$T/a.cast"
check "the cast file is private (0600)" test "$(stat -c %a "$T/a.cast")" = 600
check "the cast starts with an asciicast v2 header" \
	python3 -c "import json,sys; h=json.loads(open(sys.argv[1]).readline()); sys.exit(h['version']!=2)" "$T/a.cast"
if command -v asciinema >/dev/null && command -v script >/dev/null; then
	script -qefc "asciinema cat $T/a.cast" /dev/null </dev/null >"$T/cat.out" 2>&1
	check "asciinema cat reads cm's cast" grep -q alpha-line-one "$T/cat.out"
else
	fail "asciinema and script are installed (scripts/install-deps.sh)"
fi
"$CM" logs "$A" --cast >"$T/stdout.cast" 2>/dev/null
check "--cast on stdout is the same cast" cmp -s "$T/a.cast" "$T/stdout.cast"
"$CM" logs "$A" --since 10m >"$T/since.txt" 2>/dev/null
check "--since 10m includes it" grep -q alpha-line-one "$T/since.txt"
"$CM" logs "$A" --until 2001-01-01 >"$T/until.txt" 2>/dev/null
check "--until a time before the session prints nothing" test ! -s "$T/until.txt"
"$CM" logs "$A" --since "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" >"$T/iso.txt" 2>/dev/null
check "--since an ISO time" grep -q alpha-line-one "$T/iso.txt"

expect "--since garbage" 2 "neither a duration" -- logs "$A" --since banana
expect "--since 5x" 2 "neither a duration" -- logs "$A" --since 5x
expect "--raw with --cast" 2 "choose one" -- logs "$A" --raw --cast
expect "-o without --cast" 2 "give --cast" -- logs "$A" -o "$T/x"
expect "--until before --since" 2 "before" -- logs "$A" --since 1m --until 2h
expect "-f with --since" 2 "not both" -- logs "$A" -f --since 1m
expect "unknown transcript" 4 "no session matches" -- logs a/cm-1-1 --raw

"$CM" history >"$T/hist.txt" 2>"$T/hist.err"
check "cm history lists the ended sessions of both contexts" \
	bash -c "grep -q 'a/$AID' '$T/hist.txt' && grep -q 'b/$BID' '$T/hist.txt'"
"$CM" history --ctx b --json >"$T/hist.json" 2>/dev/null
check "cm history --ctx b --json: only b, with a context field" python3 -c "
import json,sys
a=json.load(open(sys.argv[1]))
sys.exit(not (len(a)==1 and a[0]['context']=='b' and a[0]['sessionId']==sys.argv[2]))" "$T/hist.json" "$BID"

"$CM" grep 'alpha-line-[a-z]+' --all >"$T/grep.txt" 2>"$T/grep.err"
check "cm grep --all finds the line on both contexts as CTX/ID TIME LINE" bash -c "
grep -Eq '^a/$AID [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} .*alpha-line-one' '$T/grep.txt' &&
grep -Eq '^b/$BID [0-9-]+ [0-9:]+ .*alpha-line-two' '$T/grep.txt'"
"$CM" grep 'ALPHA-LINE-TWO' -i --ctx b >"$T/grep2.txt" 2>/dev/null
check "cm grep -i on one context" grep -q "^b/$BID" "$T/grep2.txt"
expect "cm grep with a bad pattern" 1 "regular expression" -- grep '(unclosed' --ctx a
"$CM" grep 'no-such-text-anywhere' --all >/dev/null 2>&1
check "cm grep exits 1 when nothing matches" test $? -eq 1

# A flood: many chunks of 1 MiB, followed through their cursors by libcm.
F=$("$CM" start flood "flood-line-xyz" --ctx a 2>/dev/null)
sleep 3
"$CM" kill "$F" >/dev/null 2>&1
# No pause: a read right after the kill waits for the store's writer.
"$CM" logs "$F" --cast -o "$T/flood.cast" 2>/dev/null
"$CM" logs "$F" --raw >"$T/flood.raw" 2>/dev/null
check "a flood's transcript reads whole through the cursors: --raw is the cast's output, byte for byte, and over 2 MB" python3 -c "
import json, sys
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
hdr = json.loads(lines[0])
out = ''.join(e[2] for e in map(json.loads, lines[1:]) if e[1] == 'o').encode()
raw = open(sys.argv[2], 'rb').read()
ok = hdr['version'] == 2 and out == raw and len(raw) > 2_000_000 and b'flood-line-xyz' in raw
print(len(out), len(raw), file=sys.stderr)
sys.exit(0 if ok else 1)" "$T/flood.cast" "$T/flood.raw"

kill "$B_PID" 2>/dev/null
wait "$B_PID" 2>/dev/null
agent_stop
finish
