#!/bin/bash
# fleet-env: the fleet behind fleet.spec.mjs: three real agents (alpha,
# beta, gamma) reached through one real sshd (lib-sshd.sh) as three cm
# contexts (alpha and beta in pool "build"), a fake session on each that
# waits at a dangerous prompt (and two `cat` sessions more on alpha), and
# `cm dashboard` over them, in clear and over HTTPS (--tls-cert, self-signed). Prints one line "READY {json}" (the dashboard's
# URL and token, the agents' tokens and sessions), then obeys commands on
# stdin, one a line, answering "OK" to each: "stop NAME", "start NAME"
# (on its old port, with its state). EOF or "quit" tears everything down.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../integration/lib.sh"
. "$HERE/../integration/lib-sshd.sh"
exec 3>&1 1>"$T/env.log" 2>&1

export XDG_CONFIG_HOME="$T/cfg" XDG_STATE_HOME="$T/xstate" NO_COLOR=1
export FAKETOOL_SCRIPT="$T/script"
printf 'think 300\nask bash sudo rm -rf /opt/cm-fleet-test\nthink 300\ndone\n' >"$T/script"
AGENT_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$AGENT_TOKEN" >"$T/token"
chmod 600 "$T/token"
sshd_start || exit 1
declare -A PID PORT
NAMES="alpha beta gamma"
for n in $NAMES; do
	agent_spawn "$T/$n" || exit 1
	PID[$n]=$SPAWNED_PID
	PORT[$n]=$SPAWNED_PORT
	pool=()
	[ "$n" != gamma ] && pool=(--pool build)
	"$CM_CLI" ctx add "$n" --agent --host "$SSH_HOST" --user "$(id -un)" --token "$AGENT_TOKEN" \
		--port "${PORT[$n]}" --path "$T/$n/work" --ssh-config "$SSH_CONFIG" "${pool[@]}" >/dev/null || exit 1
done
SIDS=""
for n in $NAMES; do
	sid=$("$CM_CLI" start fake "task on $n" --ctx "$n" | sed "s|^$n/||") || exit 1
	SIDS="$SIDS\"$n\": \"$sid\","
done
# alpha is the busier of pool build: two more sessions (a `cat` each).
for i in 1 2; do
	"$CM_CLI" start cat "extra $i" --ctx alpha >/dev/null || exit 1
done
wait_port() {
	for _ in $(seq 1 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
DPORT=$(free_port)
"$CM_CLI" dashboard --port "$DPORT" >"$T/dashboard.log" 2>&1 &
DASH=$!
wait_port "$DPORT"
# The same fleet over HTTPS, with a self-signed certificate (the page's checks
# of --tls-cert: wss, https Origin).
mkdir -m 700 "$T/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -days 2 -keyout "$T/tls/key.pem" -out "$T/tls/cert.pem" 2>/dev/null || exit 1
TPORT=$(free_port)
"$CM_CLI" dashboard --port "$TPORT" --tls-cert "$T/tls/cert.pem" --tls-key "$T/tls/key.pem" >"$T/dashboard-tls.log" 2>&1 &
TDASH=$!
wait_port "$TPORT"
printf 'READY {"url": "http://127.0.0.1:%s/", "tlsUrl": "https://127.0.0.1:%s/", "token": "%s", "agentToken": "%s", "sessions": {%s "": ""}}\n' \
	"$DPORT" "$TPORT" "$(cat "$T/cfg/cm/dashboard-token")" "$AGENT_TOKEN" "$SIDS" >&3

while read -r cmd name; do
	case "$cmd" in
	stop)
		kill "${PID[$name]}" && wait "${PID[$name]}"
		;;
	start)
		agent_spawn "$T/$name" --port "${PORT[$name]}" && PID[$name]=$SPAWNED_PID
		;;
	*) break ;;
	esac
	echo OK >&3
done
kill "$DASH" "$TDASH"
wait "$DASH" "$TDASH"
for n in $NAMES; do
	kill "${PID[$n]}" 2>/dev/null && wait "${PID[$n]}"
done
