#!/usr/bin/env bash
# Runs inside `unshare -n -m` (see run.sh): loopback only, a private
# /etc/hosts naming the vendors' hosts 127.0.0.1, a throw-away CA and the
# API stand-in on 127.0.0.1 (plain HTTP on a free port, TLS on 443). Then the
# flows, in parallel, or the command after --exec.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${CM_BUILD_DIR:?}" "${CM_REAL_TOOLS:?}"

ip link set lo up || exit 1
work=$(mktemp -d /tmp/cm-real.XXXXXX)
chmod 700 "$work"
stand_pid=
cleanup() {
	[ -n "$stand_pid" ] && kill "$stand_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# Every name the tools may reach for is this machine; no route leaves it.
vendors="api.anthropic.com platform.claude.com console.anthropic.com claude.ai
statsig.anthropic.com sentry.io api.openai.com chatgpt.com auth.openai.com"
{
	echo "127.0.0.1 localhost"
	echo "::1 localhost"
	for h in $vendors; do echo "127.0.0.1 $h"; done
} >"$work/hosts"
mount --bind "$work/hosts" /etc/hosts || exit 1

# A CA that lives as long as this run, and a certificate for the vendors.
san=$(for h in $vendors; do printf 'DNS:%s,' "$h"; done)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=cm real-tool test CA" \
	-keyout "$work/ca.key" -out "$work/ca.pem" >/dev/null 2>&1 || exit 1
openssl req -newkey rsa:2048 -nodes -subj "/CN=api.anthropic.com" \
	-keyout "$work/srv.key" -out "$work/srv.csr" >/dev/null 2>&1 || exit 1
printf 'subjectAltName=%sIP:127.0.0.1\n' "$san" >"$work/ext.cnf"
openssl x509 -req -in "$work/srv.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
	-CAcreateserial -days 2 -extfile "$work/ext.cnf" -out "$work/srv.pem" >/dev/null 2>&1 || exit 1

/usr/bin/python3 "$here/standin.py" --port-file "$work/standin.port" --tls-port 443 \
	--cert "$work/srv.pem" --key "$work/srv.key" --log "$work/standin.log" \
	>"$work/standin.out" 2>&1 &
stand_pid=$!
for _ in $(seq 100); do
	[ -s "$work/standin.port" ] && break
	sleep 0.05
done
[ -s "$work/standin.port" ] || { cat "$work/standin.out"; echo "real: the stand-in did not start"; exit 1; }

export CM_REAL_PORT CM_REAL_CA=$work/ca.pem CM_REAL_STANDIN_LOG=$work/standin.log
CM_REAL_PORT=$(cat "$work/standin.port")

if [ "${1:-}" = "--exec" ]; then
	shift
	"$@"
	exit $?
fi

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(claude codex)
t0=$SECONDS
pids=()
for t in "${tests[@]}"; do
	/usr/bin/python3 "$here/test-$t.py" >"$work/$t.out" 2>&1 &
	pids+=($!)
done
rc=0
for i in "${!tests[@]}"; do
	wait "${pids[$i]}" || rc=1
	cat "$work/${tests[$i]}.out"
done
if [ $rc -ne 0 ]; then
	echo "---- stand-in requests (last 40)"
	tail -40 "$work/standin.log"
fi
echo "real: ${tests[*]}: $([ $rc -eq 0 ] && echo ok || echo FAILED) in $((SECONDS - t0)) s"
exit $rc
