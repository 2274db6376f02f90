#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs cm-agent on
# 127.0.0.1 (port $CM_PORT, default 9876) with its dashboard and a demo
# session of the scripted fake tool, which soon waits for a person to
# approve a command. Runs in the foreground: Ctrl-C stops the agent (the
# tmux sessions keep running and are re-adopted at the next start).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
port=${CM_PORT:-9876}
build=build/release

CM_DEPS_MINIMAL=1 ./scripts/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target cm-agent cm cm-faketool

state=${XDG_STATE_HOME:-$HOME/.local/state}/cm-agent
mkdir -p "$state"
chmod 700 "$state"
# The demo tool: it thinks, then asks before running a (harmless) command.
cat >"$state/demo.script" <<'SCRIPT'
think 2500
say I will look at the project first.
think 1500
ask bash touch demo-approved.txt
think 1500
say All set.
done
SCRIPT

export PATH="$root/$build/tests/faketool:$PATH"
export FAKETOOL_SCRIPT="$state/demo.script"
"$build/src/agent/cm-agent" --port "$port" --state-dir "$state" \
	--profiles-dir "$root/tests/profiles" &
agent=$!
trap 'kill $agent 2>/dev/null; wait $agent 2>/dev/null' INT TERM EXIT
for _ in $(seq 1 100); do
	[ -s "$state/agent.port" ] && break
	kill -0 "$agent" 2>/dev/null || { echo "quickstart: the agent did not start" >&2; exit 1; }
	sleep 0.05
done

cm="$root/$build/src/cli/cm"
"$cm" ctx show quickstart >/dev/null 2>&1 ||
	"$cm" ctx add quickstart --local --port "$port" --token-file "$state/token" --path "$root" >/dev/null
"$cm" start fake "Show me what cm does" --ctx quickstart --path "$root" --auto-confirm off

cat <<MSG

  cm-agent is running on 127.0.0.1:$port with a demo session.

  Dashboard:  http://127.0.0.1:$port/   (sign in with the token below)
  Token:      $(cat "$state/token")   (from $state/token)
  Sessions:   $cm ls --ctx quickstart
  Approve:    $cm approve ID        (the demo asks to run a command)
  Watch:      $cm watch --ctx quickstart

  Ctrl-C stops the agent; its sessions keep running in tmux.
MSG
wait "$agent"
