#!/usr/bin/env bash
# Installs everything cm needs to build and to run its whole test suite on
# Debian 12 / Ubuntu 22.04+: Debian packages (apt-get) and the pinned npm
# packages of the dashboard and of the browser tests. Idempotent: packages
# already present are not fetched again. Works as root, or as a user with
# sudo. Set CM_DEPS_MINIMAL=1 to install only what building and running
# the agent needs (no test tools, no browser).
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(build-essential cmake pkg-config git tmux
	libwebsockets-dev libjansson-dev libzstd-dev libssl-dev zlib1g-dev libcap-dev
	libcurl4-openssl-dev
	ncurses-term)
test_pkgs=(clang libclang-rt-14-dev clang-format valgrind libcmocka-dev
	python3 python3-websockets python3-prometheus-client openssh-server openssh-client
	chromium procps iproute2 lintian zsh asciinema zstd openssl util-linux
	dbus-daemon python3-dbus python3-gi libnotify-bin
	python3-venv python3-pip python3-setuptools python3-wheel)

pkgs=("${build_pkgs[@]}")
# libcmocka-dev is needed to configure with tests (the default).
pkgs+=(libcmocka-dev)
if [ "${CM_DEPS_MINIMAL:-0}" != 1 ]; then
	pkgs+=("${test_pkgs[@]}")
fi

# Node.js may come from elsewhere (NodeSource): only ask apt when it is absent.
command -v node >/dev/null || pkgs+=(nodejs)
command -v npm >/dev/null || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	# Root only for apt-get, and only when something is missing.
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || {
			echo "install-deps: missing ${missing[*]}: run as root, or install sudo" >&2
			exit 1
		}
		SUDO="sudo"
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, pinned by their lock files; nothing is fetched when present.
npm_ci() {
	local dir=$1
	shift
	if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
		echo "install-deps: npm ci in $dir"
		npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error "$@" >/dev/null
		touch "$dir/node_modules"
	fi
}
npm_ci web --omit=dev
if [ "${CM_DEPS_MINIMAL:-0}" != 1 ] && [ -f tests/browser/package-lock.json ]; then
	npm_ci tests/browser
fi
# The MCP SDK's client, for the tests of cm mcp (tests/integration/test-mcp.sh).
if [ "${CM_DEPS_MINIMAL:-0}" != 1 ] && [ -f tests/mcp/package-lock.json ]; then
	npm_ci tests/mcp
fi
# The real tool CLIs of the real-tool stage are pinned by tests/real/package-lock.json
# and installed by tests/real/run.sh into the build tree (BUILD/real-tools),
# next to the agent they are tested with.
echo "install-deps: ok"
