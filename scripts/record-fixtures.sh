#!/usr/bin/env bash
# Records the screens of the real tools into tests/fixtures: runs every flow
# of the real-tool stage once (tests/real/run.sh, the pinned CLIs, the API
# stand-in, a private network namespace), keeps every distinct screen with
# the state the agent gave it, and adds the new ones, with a row each in
# tests/fixtures/labels.tsv. Review the new rows (the state is the agent's
# answer, to be checked by a person) and commit them with the profile change
# they go with; then set the profile's "tested_versions".
#
#   scripts/record-fixtures.sh [BUILD_DIR]     (default build/ci)
#
# To record a newer tool, change its version in tests/real/package.json,
# run `npm install --package-lock-only --prefix tests/real`, then this.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/ci}
rec=$(mktemp -d /tmp/cm-record.XXXXXX)
trap 'rm -rf "$rec"' EXIT
# A failing flow is worth recording too (that is often why one records).
CM_REAL_RECORD=$rec CM_REAL_RUNS=${CM_REAL_RUNS:-1} tests/real/run.sh "$build" || true
if [ ! -s "$rec/labels.tsv" ]; then
	echo "record-fixtures: nothing recorded (see above)" >&2
	exit 1
fi
/usr/bin/python3 tests/real/fixtures.py "$rec" tests/fixtures "$build/src/agent/cm-agent"
