#!/usr/bin/env bash
# The real-tool stage: the real Claude Code and Codex CLIs (pinned in
# package-lock.json) driven through cm-agent, with a local stand-in for the
# model APIs, in a private network namespace that has only loopback.
#
#   tests/real/run.sh BUILD_DIR [TEST...]      run the flows (all by default)
#   tests/real/run.sh BUILD_DIR --exec CMD...  run CMD in the prepared namespace
#                                              (scripts/record-fixtures.sh, bench/)
#
# BUILD_DIR is a build tree with cm-agent (build/ci in scripts/test.sh).
# The CLIs are installed with `npm ci` into BUILD_DIR/real-tools, once.
# Skips (exit 0, with the reason) where a namespace cannot be made or npm
# cannot install the CLIs. Environment: CM_REAL_RUNS (runs of each flow,
# default 3).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [TEST...] | --exec CMD..." >&2; exit 2; }
build=$(cd "$1" && pwd) || exit 2
shift
[ -x "$build/src/agent/cm-agent" ] || { echo "real: no cm-agent in $build" >&2; exit 1; }

skip() {
	echo "real: SKIPPED: $*"
	exit 0
}

# Namespaces: root and a working unshare, or nothing to do here.
[ "$(id -u)" -eq 0 ] || skip "not root: a private network namespace needs root (unshare -n -m)"
command -v unshare >/dev/null || skip "unshare is not installed (util-linux)"
command -v ip >/dev/null || skip "ip is not installed (iproute2)"
unshare -n -m true 2>/dev/null || skip "unshare -n -m fails here: no network namespaces"
for t in openssl tmux node npm; do
	command -v "$t" >/dev/null || skip "$t is not installed"
done

# The CLIs, pinned by the lock file; installed again only when it changes.
tools=$build/real-tools
if [ ! -d "$tools/node_modules" ] || [ "$here/package-lock.json" -nt "$tools/node_modules" ]; then
	mkdir -p "$tools"
	cp "$here/package.json" "$here/package-lock.json" "$tools/"
	echo "real: npm ci (@anthropic-ai/claude-code, @openai/codex) into $tools"
	if ! npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error >"$tools/npm.log" 2>&1; then
		tail -5 "$tools/npm.log"
		rm -rf "$tools/node_modules"
		skip "npm ci could not install the pinned CLIs (see $tools/npm.log)"
	fi
	touch "$tools/node_modules"
fi
claude_v=$("$tools/node_modules/.bin/claude" --version 2>/dev/null | cut -d' ' -f1)
codex_v=$("$tools/node_modules/.bin/codex" --version 2>/dev/null | awk '{print $2}')
[ -n "$claude_v" ] || skip "the installed claude does not run (see $tools/npm.log)"
[ -n "$codex_v" ] || skip "the installed codex does not run (see $tools/npm.log)"
echo "real: claude $claude_v, codex $codex_v"
printf 'claude\t%s\ncodex\t%s\n' "$claude_v" "$codex_v" >"$tools/versions.tsv"

export CM_BUILD_DIR=$build CM_SOURCE_DIR=$src CM_REAL_TOOLS=$tools
exec unshare -n -m bash "$here/netns.sh" "$@"
