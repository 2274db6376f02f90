#!/usr/bin/env bash
# Fails if any C file of the project differs from clang-format's output
# (.clang-format at the top). With --fix, rewrites them instead.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h')
if [ "${1:-}" = "--fix" ]; then
	clang-format -i $files
	exit 0
fi
bad=0
for f in $files; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "format: $f differs from clang-format (run scripts/check-format.sh --fix)"
		bad=1
	fi
done
[ "$bad" -eq 0 ] && echo "format: $(echo "$files" | wc -w) files ok"
exit $bad
