# A real OpenSSH server for tunnel tests: /usr/sbin/sshd -D on 127.0.0.1 on
# a free port, as the current user, with throwaway host and user keys made
# by ssh-keygen under $T, and a private ssh_config that cm hands to ssh -F
# (cm ctx add ... --ssh-config "$SSH_CONFIG"). Source after lib.sh.
#
#   sshd_start                 # sets SSHD_PORT SSH_CONFIG SSH_HOST (an alias in SSH_CONFIG)
#   ssh_alias NAME [opts...]   # adds "Host NAME" to SSH_CONFIG with extra "Key value" lines
#   sshd_stop                  # also ends every ssh ControlMaster under $T/run
#
# As root (CI), sshd needs its privilege separation directory /run/sshd,
# created here if missing as the openssh-server package would; the config
# permits root login by key only. StrictModes is off because the keys live
# in a temporary directory.
SSHD=${SSHD:-/usr/sbin/sshd}
SSHD_PID=""

# Picks a free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Starts sshd and writes the client config; returns non-zero if it cannot.
sshd_start() {
	local d="$T/sshd" i
	mkdir -p "$d" "$T/run"
	chmod 700 "$d" "$T/run"
	export XDG_RUNTIME_DIR="$T/run"
	if [ ! -x "$SSHD" ]; then
		echo "no $SSHD (install openssh-server)"
		return 1
	fi
	if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then
		mkdir -p -m 0755 /run/sshd
	fi
	ssh-keygen -q -t ed25519 -N '' -C cm-test-host -f "$d/host_key" || return 1
	ssh-keygen -q -t ed25519 -N '' -C cm-test-user -f "$d/user_key" || return 1
	ssh-keygen -q -t ed25519 -N '' -C cm-test-other -f "$d/other_key" || return 1
	ssh-keygen -q -t ed25519 -N '' -C cm-test-fake-host -f "$d/fake_host_key" || return 1
	cp "$d/user_key.pub" "$d/authorized_keys"
	chmod 600 "$d/authorized_keys"
	for i in 1 2 3 4 5; do
		SSHD_PORT=$(free_port)
		cat >"$d/sshd_config" <<CFG
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
X11Forwarding no
PrintMotd no
MaxStartups 100
MaxSessions 100
LogLevel VERBOSE
CFG
		"$SSHD" -D -f "$d/sshd_config" -E "$T/sshd.log" &
		SSHD_PID=$!
		for _ in $(seq 1 100); do
			if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$SSHD_PORT)))" 2>/dev/null; then
				break 2
			fi
			kill -0 "$SSHD_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=""
	done
	if [ -z "$SSHD_PID" ]; then
		echo "sshd did not start"
		tail -n 20 "$T/sshd.log"
		return 1
	fi
	printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$d/host_key.pub")" >"$d/known_hosts"
	printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$d/fake_host_key.pub")" >"$d/wrong_known_hosts"
	: >"$d/empty_known_hosts"
	SSH_CONFIG="$d/ssh_config"
	SSH_HOST=cmtest
	: >"$SSH_CONFIG"
	ssh_alias "$SSH_HOST"
	export SSHD_PORT SSH_CONFIG SSH_HOST SSHD_PID
}

# ssh_alias NAME ["Key value"...]: a Host block for the test sshd; the
# extra lines come first, so they win over the defaults.
ssh_alias() {
	local name=$1 d="$T/sshd" own_key=""
	shift
	case " $* " in *IdentityFile*) own_key=1 ;; esac
	{
		echo "Host $name"
		for kv in "$@"; do echo "  $kv"; done
		echo "  HostName 127.0.0.1"
		echo "  Port $SSHD_PORT"
		echo "  User $(id -un)"
		[ -n "$own_key" ] || echo "  IdentityFile $d/user_key"
		echo "  IdentitiesOnly yes"
		echo "  UserKnownHostsFile $d/known_hosts"
		echo "  GlobalKnownHostsFile /dev/null"
		echo "  StrictHostKeyChecking yes"
		echo "  BatchMode yes"
		echo "  ConnectTimeout 5"
	} >>"$SSH_CONFIG"
}

# Ends every ssh master cm left under $T/run, then sshd.
sshd_stop() {
	local c
	for c in "$T"/run/cm/*.ctl; do
		[ -S "$c" ] && ssh -o ControlPath="$c" -O exit cm-test-any >/dev/null 2>&1
	done
	if [ -n "$SSHD_PID" ]; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=""
	fi
}

trap 'sshd_stop; cleanup' EXIT
