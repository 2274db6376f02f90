#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run), from a fresh clone:
#   1. dependencies (scripts/install-deps.sh)
#   2. formatting (clang-format) of every C file
#   3. build with -Werror; unit, integration, CLI and browser tests (ctest)
#   4. the real Claude Code and Codex CLIs (pinned npm versions) driven
#      through the suite's agent against a local API stand-in, in a private
#      network namespace (tests/real/run.sh; skipped, with the reason, where
#      that cannot be done)
#   5. the same suite built with ASan+UBSan
#   6. the unit tests and one agent run under valgrind
#   7. the static agent: built, checked self-contained, and run through the
#      protocol tests
#   8. every fuzz target (libFuzzer) for a bounded time
# Each stage prints its own results; the last line counts the stages.
# Environment: CM_FUZZ_SECONDS (default 15), CM_SKIP_STAGES="asan valgrind ..."
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${CM_JOBS:-2}
passed=0
failed=0
failed_names=()

# stage NAME COMMAND...: runs one stage and records its result.
stage() {
	local name=$1
	shift
	if [[ " ${CM_SKIP_STAGES:-} " == *" $name "* ]]; then
		echo "==== $name: skipped"
		return
	fi
	echo "==== $name"
	local t0=$SECONDS
	if "$@"; then
		passed=$((passed + 1))
		echo "==== $name: ok ($((SECONDS - t0)) s)"
	else
		failed=$((failed + 1))
		failed_names+=("$name")
		echo "==== $name: FAILED ($((SECONDS - t0)) s)"
	fi
}

deps() {
	./scripts/install-deps.sh
}

format() {
	./scripts/check-format.sh
}

# build DIR CMAKE-ARGS...: configures and builds one tree.
build() {
	local dir=$1
	shift
	cmake -S . -B "$dir" -DCM_WERROR=ON "$@" >/dev/null && cmake --build "$dir" -j"$jobs" 2>&1 |
		grep -E "error|warning:|Error" ; return "${PIPESTATUS[0]}"
}

suite() {
	build build/ci -DCMAKE_BUILD_TYPE=Debug || return 1
	ctest --test-dir build/ci -j"$jobs" --output-on-failure --timeout 600
}

real() {
	tests/real/run.sh build/ci
}

asan() {
	build build/ci-asan -DCMAKE_BUILD_TYPE=Debug -DCM_ASAN=ON -DCM_UBSAN=ON || return 1
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --test-dir build/ci-asan -j"$jobs" --output-on-failure --timeout 900
}

valgrind_stage() {
	local rc=0 t
	for t in build/ci/tests/agent_test-* build/ci/tests/cli_test-* build/ci/tests/transcript_test-*; do
		[ -x "$t" ] || continue
		if ! valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			"$t" >"$t.valgrind.log" 2>&1; then
			echo "valgrind: $t"; tail -30 "$t.valgrind.log"; rc=1
		fi
	done
	# One real agent run under valgrind, driven by the seed's client.
	CM_AGENT_PREFIX="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
		CM_BUILD_DIR=$root/build/ci CM_SOURCE_DIR=$root \
		/usr/bin/python3 tests/integration/test-seed-client.py || rc=1
	return $rc
}

static() {
	cmake -S . -B build/ci-static -DCM_WERROR=ON -DCMAKE_BUILD_TYPE=Release -DCM_STATIC=ON \
		-DCM_TESTS=OFF >/dev/null || return 1
	cmake --build build/ci-static -j"$jobs" --target cm-agent 2>&1 | grep -E "error|Error"
	[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	local bin=build/ci-static/src/agent/cm-agent
	if ! file "$bin" | grep -q "statically linked"; then
		echo "static: $bin is not statically linked"; return 1
	fi
	echo "static: $(du -h "$bin" | cut -f1) $(file -b "$bin" | cut -d, -f1-2)"
	CM_AGENT=$root/$bin CM_BUILD_DIR=$root/build/ci CM_SOURCE_DIR=$root \
		/usr/bin/python3 tests/integration/test-protocol.py
}

fuzz() {
	./scripts/run-fuzzers.sh "${CM_FUZZ_SECONDS:-15}"
}

stage deps deps
stage format format
stage suite suite
stage real real
stage asan asan
stage valgrind valgrind_stage
stage static static
stage fuzz fuzz

if [ "$failed" -gt 0 ]; then
	echo "failed stages: ${failed_names[*]}"
fi
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
