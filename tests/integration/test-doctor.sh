#!/bin/bash
# cm doctor against a real agent: a healthy tool, a tool newer than its
# profile was tested with (warning), a profile whose program is missing and
# a token file others can read (failures, exit 1, with what to fix), the
# quick report, cm status's HEALTH column, --json, bad arguments, and an
# agent that is not running.
. "$(dirname "$0")/lib.sh"

export XDG_CONFIG_HOME="$T/cfg"
export NO_COLOR=1
CM="$CM_CLI"

mkdir -p "$T/profiles" "$T/bin"
# A tool that says its version (from a file the test changes) and waits.
cat >"$T/bin/mytool" <<EOF
#!/bin/sh
if [ "\$1" = --version ]; then echo "mytool \$(cat '$T/mytool.version') (test)"; exit 0; fi
exec cat
EOF
chmod 755 "$T/bin/mytool"
echo 1.4.0 >"$T/mytool.version"
python3 - "$T/profiles" <<'PY'
import json, sys
rules = [{"name": "dead", "state": "exited", "region": {"last": 3}, "any": ["^Pane is dead"]}]
json.dump({"schema": 1, "name": "mytool", "argv": ["mytool"], "task": {"via": "none"},
           "tested_versions": {"mytool": ["1.2.0", "1.4.0"]},
           "fallback": "idle", "rules": rules}, open(sys.argv[1] + "/mytool.json", "w"))
json.dump({"schema": 1, "name": "missing-program", "argv": ["cm-no-such-program"],
           "task": {"via": "none"}, "fallback": "idle", "rules": rules},
          open(sys.argv[1] + "/missing-program.json", "w"))
PY
export PATH="$T/bin:$PATH"
agent_start --profiles-dir "$T/profiles" || { fail "agent starts"; finish; }
export CM_TEST_TOKEN="$AGENT_TOKEN"
"$CM" ctx add loc --local --port "$AGENT_PORT" --token-env CM_TEST_TOKEN >/dev/null ||
	fail "ctx add"

has() { grep -q -- "$1" "$T/out.txt"; }
doctor() { "$CM" doctor "$@" >"$T/out.txt" 2>"$T/err.txt"; }

doctor
rc=$?
check "a profile whose program is missing: exit 1" [ "$rc" -eq 1 ]
check "... says which program and how to fix it" \
	has "fail  profile missing-program: cm-no-such-program is not installed"
check "... with a fix" has "fix: install cm-no-such-program on the agent's PATH"
check "tmux and its version" has "ok    tmux: tmux [0-9]"
check "a tool at a tested version is ok" has "ok    profile mytool: mytool 1.4.0 (tested up to 1.4.0)"
check "a shipped profile nobody uses is not a problem" \
	bash -c "grep -q 'ok    profile claude' '$T/out.txt' || grep -q 'profile claude: claude' '$T/out.txt'"
check "disk space of the state directory" has "ok    disk state: .* free"
check "the transcripts' disk (recording is on by default)" has "ok    disk transcripts: .* free .* in $T/state/transcripts"
check "the token file's mode" has "ok    token: $T/token is mode 0600"
check "the private directories" has "ok    state directory: $T/state is mode 0700"
check "the clock skew from this machine" has "ok    clock skew: "
check "the systemd unit (none here)" has "systemd: not run by a systemd unit"
check "a summary line" has "1 problem, "

echo 2.0.1 >"$T/mytool.version"
doctor
check "a tool newer than tested: a warning with what to do" \
	has "warn  profile mytool: mytool 2.0.1 is newer than the versions the profile was tested with (up to 1.4.0)"
echo 1.0 >"$T/mytool.version"
doctor
check "a tool older than tested: a warning" has "warn  profile mytool: mytool 1.0 is older"

rm "$T/profiles/missing-program.json"
kill -HUP "$AGENT_PID"
sleep 0.3
echo 1.4.0 >"$T/mytool.version"
doctor
rc=$?
check "fixed (profile removed, reloaded): exit 0 with warnings only" [ "$rc" -eq 0 ]
check "... and no failure listed" bash -c "! grep -q '^fail' '$T/out.txt'"

chmod 644 "$T/token"
doctor
rc=$?
check "a token file others can read: exit 1" [ "$rc" -eq 1 ]
check "... says its mode and the chmod" has "fail  token: $T/token is mode 0644"
check "... fix: chmod 600" has "fix: chmod 600 $T/token"

"$CM" doctor --json >"$T/out.json" 2>"$T/err.txt"
rc=$?
check "--json: exit 1 too" [ "$rc" -eq 1 ]
check "--json: the doctor_report with the context and the skew check" python3 - "$T/out.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
names = {c["name"]: c for c in r["checks"]}
assert r["type"] == "doctor_report" and r["context"] == "loc" and r["status"] == "fail", r
assert names["token"]["status"] == "fail" and "chmod 600" in names["token"]["fix"], names
assert names["clock skew"]["status"] == "ok", names
assert all(set(c) <= {"name", "status", "message", "fix"} for c in r["checks"])
PY

start=$(date +%s%N)
doctor --quick
check "--quick runs no program: no version in the report" has "ok    profile mytool: mytool is installed (version not asked)"
check "--quick is quick (under 2 s)" [ $(($(date +%s%N) - start)) -lt 2000000000 ]

"$CM" status >"$T/out.txt" 2>"$T/err.txt"
check "cm status has a HEALTH column" has "HEALTH"
check "... showing the failed check" bash -c "grep -qE '^loc .*fail 1' '$T/out.txt'"
chmod 600 "$T/token"
"$CM" status --json >"$T/out.json"
check "cm status --json carries health" python3 -c "
import json; r = json.load(open('$T/out.json')); assert r[0]['health'] == 'warn', r"

"$CM" doctor extra >/dev/null 2>"$T/err.txt"
check "an extra argument: usage error (2)" [ $? -eq 2 ]
"$CM" doctor --bogus >/dev/null 2>"$T/err.txt"
check "an unknown flag: usage error (2)" [ $? -eq 2 ]
"$CM" doctor --ctx nope >/dev/null 2>"$T/err.txt"
check "an unknown context: 3" [ $? -eq 3 ]
agent_stop
"$CM" doctor >/dev/null 2>"$T/err.txt"
rc=$?
check "no agent: exit 8, and says so" bash -c "[ $rc -eq 8 ] && [ -s '$T/err.txt' ]"
finish
