#!/usr/bin/env bash
# Builds every fuzz target with clang (ASan+UBSan+libFuzzer) and runs each for
# a bounded time from its seed corpus. Usage: scripts/run-fuzzers.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-${CM_FUZZ_SECONDS:-20}}
cmake --preset fuzz >/dev/null
cmake --build build/fuzz -j2 --target fuzzers >/dev/null
status=0
for bin in build/fuzz/fuzz/*-fuzzer; do
	name=$(basename "$bin" -fuzzer)
	corpus=$(mktemp -d)
	if [ -d "tests/data/$name" ]; then cp -r "tests/data/$name/." "$corpus/"; fi
	dict=()
	if [ -f "fuzz/$name-fuzzer.dict" ]; then dict=(-dict="fuzz/$name-fuzzer.dict"); fi
	echo "fuzz: $name for ${secs}s"
	if ! "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		"${dict[@]}" "$corpus" >"build/fuzz/$name.log" 2>&1; then
		echo "fuzz: $name FAILED (see build/fuzz/$name.log)"; tail -40 "build/fuzz/$name.log"
		status=1
	fi
	rm -rf "$corpus"
done
exit $status
