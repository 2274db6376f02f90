#!/bin/sh
# Runs every cm benchmark and prints a summary table (see bench/README.md).
#   bench/run-all.sh            (build dir: build/bench, or $CM_BUILD_DIR)
#   bench/run-all.sh --quick    every step with tiny numbers: checks that it
#                               runs, measures nothing (a few seconds a step)
# Everything runs with private directories under one temporary directory
# (TMPDIR for the scripts); at the end, or on interruption, every agent and
# tmux server started under it is ended. The default tmux server is never
# touched. Takes about 3 minutes.
set -eu
quick=
case "${1:-}" in
--quick) quick=1 ;;
"") ;;
*) echo "usage: bench/run-all.sh [--quick]" >&2; exit 2 ;;
esac
# Absolute before the cd below: a relative CM_BUILD_DIR names a directory
# relative to where the script was started.
if [ -n "${CM_BUILD_DIR:-}" ]; then
	CM_BUILD_DIR=$(cd "$CM_BUILD_DIR" && pwd) || { echo "no directory $CM_BUILD_DIR" >&2; exit 1; }
fi
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
CM_BUILD_DIR=${CM_BUILD_DIR:-$PWD/build/bench}
export CM_BUILD_DIR
if [ -f "$CM_BUILD_DIR/CMakeCache.txt" ]; then
	cmake --build "$CM_BUILD_DIR" --target cm-agent cm-bench-flip >"${TMPDIR:-/tmp}/cm-bench-build.log" 2>&1 ||
		echo "warning: build failed (see ${TMPDIR:-/tmp}/cm-bench-build.log); running the binaries already built" >&2
else
	echo "no build in $CM_BUILD_DIR: cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCM_WEB=OFF && cmake --build build/bench -j2" >&2
	exit 1
fi
top=$(mktemp -d /tmp/cm-bench.XXXXXX)
results=${CM_BENCH_RESULTS:-$top/results}
mkdir -p "$top/tmp" "$results"
child=
cleanup() {
	set +e
	[ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child" 2>/dev/null
	TMPDIR=/tmp "$PY" bench/benchlib.py --cleanup "$top/tmp" || true
	rm -rf "$top/tmp"
	[ "$results" = "$top/results" ] && rm -rf "$top"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export TMPDIR="$top/tmp"

# Runs one step in the background and waits, so that a signal reaches the
# trap at once (the step gets SIGTERM and its own cleanup runs).
step() {
	"$PY" "$@" &
	child=$!
	wait "$child"
	child=
}

start=$(date +%s)
[ -n "$quick" ] && echo "QUICK RUN (--quick): tiny numbers to check that every step runs; nothing here is a measurement"
echo "cm benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(tmux -V), agent $CM_BUILD_DIR/src/agent/cm-agent"
echo
if [ -n "$quick" ]; then
	rss="--sessions 3 --clients 2" latency="--samples 4 --echo-samples 4 --sessions 2"
	wakeups="--sessions 2 --seconds 1 --settle 0.5" throughput="--mb 0.5 --runs 1"
	seed="--sessions 2 --seconds 1 --settle 0.5 --samples 4"
else
	rss= latency= wakeups= throughput= seed=
fi
# shellcheck disable=SC2086 # the parameters above are words on purpose
step bench/rss.py $rss --json "$results/rss.json"
echo
# shellcheck disable=SC2086
step bench/latency.py $latency --json "$results/latency.json"
echo
# shellcheck disable=SC2086
step bench/wakeups.py $wakeups --json "$results/wakeups.json"
echo
# shellcheck disable=SC2086
step bench/throughput.py $throughput --json "$results/throughput.json"
echo
# shellcheck disable=SC2086
step bench/seed-baseline.py $seed --agent-latency "$results/latency.json" \
	--agent-wakeups "$results/wakeups.json" --json "$results/seed.json"
echo
echo "== summary ($(($(date +%s) - start)) s)"
"$PY" bench/summary.py "$results"
