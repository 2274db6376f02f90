#!/usr/bin/env bash
# Records Claude Code's subscription usage-limit screens (run inside the
# real-tool namespace: tests/real/run.sh BUILD_DIR --exec THIS OUT_DIR).
#
# With an API key Claude Code shows a refused request as "API Error ...
# (429)"; with a subscription (OAuth) token it reads the stand-in's
# anthropic-ratelimit-unified-* headers and shows "You've hit your session
# limit · resets 3:02pm (UTC)", then opens its /rate-limit-options menu.
# Saves menu (the limit and the menu), esc (Escape closed the menu) and
# again ("continue" typed before the reset) as .txt and .ansi in OUT_DIR.
set -euo pipefail
out=${1:?usage: $0 OUT_DIR}
: "${CM_REAL_TOOLS:?run through tests/real/run.sh --exec}" "${CM_REAL_PORT:?}"
mkdir -p "$out"
home=$(mktemp -d /tmp/cm-limit.XXXXXX)
trap 'tmux -S "$home/tmux.sock" kill-server 2>/dev/null; rm -rf "$home"' EXIT
proj=$home/proj
mkdir -p "$proj"
cat >"$home/.claude.json" <<J
{"hasCompletedOnboarding": true, "theme": "dark", "numStartups": 5,
 "oauthAccount": {"accountUuid": "00000000-0000-4000-8000-000000000001",
  "emailAddress": "a@example.com", "organizationUuid": "00000000-0000-4000-8000-000000000002",
  "organizationRole": "admin", "billingType": "stripe_subscription"},
 "projects": {"$proj": {"hasTrustDialogAccepted": true, "allowedTools": [],
  "hasCompletedProjectOnboarding": true}}}
J
export HOME=$home LANG=C.UTF-8 PATH=$CM_REAL_TOOLS/node_modules/.bin:$PATH
export NODE_EXTRA_CA_CERTS=${CM_REAL_CA:-}
export ANTHROPIC_BASE_URL=http://127.0.0.1:$CM_REAL_PORT
export CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-standin-0123456789abcdef
export DISABLE_TELEMETRY=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 \
	DISABLE_ERROR_REPORTING=1
sock=$home/tmux.sock
tmux -S "$sock" -f /dev/null new-session -d -x 120 -y 40 -c "$proj" -- \
	env -- claude "usagelimit: please hit the limit"
tmux -S "$sock" set -g remain-on-exit on
snap() {
	tmux -S "$sock" capture-pane -p | sed "s#$proj#~/proj#g" >"$out/$1.txt"
	tmux -S "$sock" capture-pane -p -e | sed "s#$proj#~/proj#g" >"$out/$1.ansi"
}
sleep 8
snap menu
tmux -S "$sock" send-keys Escape
sleep 2
snap esc
tmux -S "$sock" send-keys -l continue
sleep 0.5
tmux -S "$sock" send-keys Enter
sleep 5
snap again
echo "recorded in $out"
