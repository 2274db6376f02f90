#!/bin/bash
# bench-cli-ls: how long `cm ls` takes through a real ssh tunnel, cold (no
# ControlMaster yet: ssh handshake + forward + WebSocket + auth + list) and
# warm (master and forward reused), and `cm ls --all` over 10 agents (10
# agents on this machine, each reached through its own tunnel to the test
# sshd). Prints the numbers; the target is warm <= 100 ms.
#
#   CM_BUILD_DIR=build/cli bash bench/bench-cli-ls.sh [RUNS]
set -u
: "${CM_BUILD_DIR:?CM_BUILD_DIR must name the build directory}"
CM_SOURCE_DIR=${CM_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
RUNS=${1:-20}
# The agents' logs would only slow what is measured.
AGENT_LOG_LEVEL=${AGENT_LOG_LEVEL:-warn}
. "$CM_SOURCE_DIR/tests/integration/lib.sh"
. "$CM_SOURCE_DIR/tests/integration/lib-sshd.sh"
export XDG_CONFIG_HOME="$T/cfg" NO_COLOR=1
CM="$CM_CLI"

# ms DURATION-IN-NS
ms() { echo "scale=1; $1 / 1000000" | bc; }
# stats NUMBERS...: p50 / p90 / max in ms
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "p50 %.1f ms  p90 %.1f ms  max %.1f ms  (n=%d)\n", a[int(NR*0.5+0.5)]/1e6, a[int(NR*0.9+0.5)]/1e6, a[NR]/1e6, NR}'; }
# timed CMD...: prints the duration in ns, fails if the command does
timed() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>"$T/bench.err" || { echo "failed: $*: $(cat "$T/bench.err")" >&2; return 1; }
	t1=$(date +%s%N)
	echo $((t1 - t0))
}

sshd_start || exit 1
PIDS=()
PORTS=()
agent_start || exit 1
PORTS+=("$AGENT_PORT")
# Waits for these agents only: a bare `wait` would also wait for the first
# agent and sshd, which are still running, and never return.
trap 'kill "${PIDS[@]}" 2>/dev/null; wait "${PIDS[@]}" 2>/dev/null; sshd_stop; cleanup' EXIT
# Nine more agents, each with its own state (same token).
for i in $(seq 2 10); do
	agent_spawn "$T/a$i" || exit 1
	PIDS+=("$SPAWNED_PID")
	PORTS+=("$SPAWNED_PORT")
done

for i in $(seq 1 10); do
	"$CM" ctx add "a$i" --agent --host "$SSH_HOST" --token-file "$T/token" \
		--port "${PORTS[$((i - 1))]}" --ssh-config "$SSH_CONFIG" >/dev/null
done
"$CM" ctx use a1 >/dev/null

cold=()
for _ in $(seq 1 5); do
	"$CM" ctx close a1 >/dev/null
	cold+=("$(timed "$CM" ls --ctx a1)") || exit 1
done
warm=()
for _ in $(seq 1 "$RUNS"); do warm+=("$(timed "$CM" ls --ctx a1)") || exit 1; done
"$CM" ctx close --all >/dev/null
allcold=$(timed "$CM" ls --all) || exit 1
all=()
for _ in $(seq 1 "$RUNS"); do all+=("$(timed "$CM" ls --all)") || exit 1; done
local_ctx() { "$CM" ctx add l1 --local --port "${PORTS[0]}" --token-file "$T/token" >/dev/null; }
local_ctx
direct=()
for _ in $(seq 1 "$RUNS"); do direct+=("$(timed "$CM" ls --ctx l1)") || exit 1; done

echo "cm ls, one agent through ssh, cold (new ControlMaster): $(stats "${cold[@]}")"
echo "cm ls, one agent through ssh, warm (master reused):     $(stats "${warm[@]}")"
echo "cm ls --all, 10 agents through ssh, all cold:            $(ms "$allcold") ms"
echo "cm ls --all, 10 agents through ssh, warm:                $(stats "${all[@]}")"
echo "cm ls, local agent (no ssh), for reference:              $(stats "${direct[@]}")"
