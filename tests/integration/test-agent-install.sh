#!/bin/bash
# cm agent install/upgrade/uninstall against the real sshd on 127.0.0.1
# (lib-sshd.sh), as a throwaway user made here with useradd (root only;
# skipped otherwise). This container has no systemd user manager, so the
# agent runs detached. The fake tool is only in ~/tools/bin, which only the
# user's ~/.profile puts in PATH: a session that runs it shows that the
# agent got the login shell's PATH. Bad inputs: an unknown host, a refused
# key, a wrong architecture and a missing or old tmux (PATH shims through
# the user's login shell), each with its message and exit status.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"

if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null; then
	echo "SKIP: needs root and useradd to make a throwaway user"
	exit 0
fi
export XDG_CONFIG_HOME="$T/cfg"
export NO_COLOR=1
CM="$CM_CLI"
U="cmdep$$"
UHOME="$T/home"
# The remote side must reach its home and sshd's authorized_keys under $T.
chmod 711 "$T"
sshd_start || { fail "sshd starts"; finish; }
chmod 711 "$T/sshd"
chmod 644 "$T/sshd/authorized_keys"

# The login shell: bash, with extra PATH entries from ~/.shim (the shims).
cat >"$T/ushell" <<'SH'
#!/bin/bash
[ -s "$HOME/.shim" ] && PATH="$(cat "$HOME/.shim"):$PATH"
exec /bin/bash "$@"
SH
chmod 755 "$T/ushell"
useradd -M -d "$UHOME" -s "$T/ushell" -p '*' "$U" || { fail "useradd"; finish; }
user_cleanup() {
	local pid s
	# Only what this test started runs as this user: end it by pid.
	for s in /tmp/cm-"$(id -u "$U")"/*.sock; do
		[ -S "$s" ] && su -s /bin/sh "$U" -c "tmux -S '$s' kill-server" 2>/dev/null
	done
	for pid in $(ps -o pid= -u "$U" 2>/dev/null); do kill "$pid" 2>/dev/null; done
	sleep 0.2
	for pid in $(ps -o pid= -u "$U" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
	userdel "$U" 2>/dev/null
	rm -rf "/tmp/cm-$(id -u "$U" 2>/dev/null)"
}
trap 'user_cleanup; sshd_stop; cleanup' EXIT
mkdir -p "$UHOME/tools/bin" "$UHOME/.config/cm/profiles" "$UHOME/shim"
cp "$CM_FAKETOOL" "$UHOME/tools/bin/"
cp "$CM_SOURCE_DIR/tests/profiles/fake.json" "$UHOME/.config/cm/profiles/"
echo 'export PATH="$HOME/tools/bin:$PATH"' >"$UHOME/.profile"
chown -R "$U:" "$UHOME"
chmod 700 "$UHOME"
ssh_alias srv "User $U"
AGENT_BIN="$T/cm-agent"
cp "$CM_AGENT" "$AGENT_BIN"
PORT=$(free_port)
run() { "$CM" agent "$@" >"$T/out" 2>"$T/err"; echo $? >"$T/rc"; }
rc() { cat "$T/rc"; }
INSTALL=(install srv --ssh-config "$SSH_CONFIG" --agent-binary "$AGENT_BIN" --port "$PORT" --path "$UHOME")

# --- bad inputs first: nothing may be left behind by them.
run install nosuchhost.invalid --ssh-config "$SSH_CONFIG" --agent-binary "$AGENT_BIN"
check "unknown host: exit 5 ($(rc): $(cat "$T/err"))" [ "$(rc)" = 5 ]
check "unknown host: says it cannot reach it" grep -q "cannot reach host nosuchhost.invalid" "$T/err"
ssh_alias badkey "User $U" "IdentityFile $T/sshd/other_key"
run install badkey --ssh-config "$SSH_CONFIG" --agent-binary "$AGENT_BIN"
check "refused key: exit 6 ($(rc): $(cat "$T/err"))" [ "$(rc)" = 6 ]
check "refused key: says authentication was refused" grep -q "authentication refused" "$T/err"
printf '#!/bin/sh\n[ "$1" = -m ] && echo aarch64 || exec /bin/uname "$@"\n' >"$UHOME/shim/uname"
printf '#!/bin/sh\necho "tmux 3.1c"\n' >"$UHOME/shim/tmux"
chmod 755 "$UHOME/shim/uname" "$UHOME/shim/tmux"
chown -R "$U:" "$UHOME/shim"
echo "$UHOME/shim" >"$UHOME/.shim"
chown "$U:" "$UHOME/.shim"
run "${INSTALL[@]}"
check "wrong architecture: exit 15 ($(rc): $(cat "$T/err"))" [ "$(rc)" = 15 ]
check "wrong architecture: names both" grep -q "srv is aarch64, but .* is built for x86_64" "$T/err"
rm "$UHOME/shim/uname"
run "${INSTALL[@]}"
check "old tmux: exit 15 ($(rc))" [ "$(rc)" = 15 ]
check "old tmux: says 3.1 is too old ($(cat "$T/err"))" grep -q "tmux 3.1 is too old" "$T/err"
# A PATH without tmux: links to the few tools the scripts use, nothing else.
mkdir -p "$UHOME/notmux"
for t in sh cat tr head cut sed uname id sha256sum readlink mkdir dirname chmod mv rm tail \
	kill sleep grep printf od cmp mktemp bash timeout; do
	p=$(command -v "$t") && ln -sf "$p" "$UHOME/notmux/$t"
done
echo "$UHOME/notmux" >"$UHOME/.shim"
chown -R "$U:" "$UHOME/notmux" "$UHOME/.shim"
# /usr/bin holds tmux: for this case the wrapper replaces PATH instead of prefixing it.
cat >"$T/ushell" <<'SH'
#!/bin/bash
if [ -s "$HOME/.shim" ]; then
	case "$(cat "$HOME/.shim")" in */notmux) PATH="$(cat "$HOME/.shim")" ;; *) PATH="$(cat "$HOME/.shim"):$PATH" ;; esac
fi
exec /bin/bash "$@"
SH
run "${INSTALL[@]}"
check "tmux missing: exit 15 ($(rc))" [ "$(rc)" = 15 ]
check "tmux missing: says so ($(cat "$T/err"))" grep -q "tmux is not installed" "$T/err"
rm -f "$UHOME/.shim"
printf 'some-token-some-token\n' >"$T/othertoken"
chmod 600 "$T/othertoken"
"$CM" ctx add clash --agent --host elsewhere --token-file "$T/othertoken" >/dev/null
run "${INSTALL[@]}" --ctx clash
check "a context of that name with other settings: exit 3 ($(rc))" [ "$(rc)" = 3 ]
check "it says to choose another name ($(cat "$T/err"))" grep -q 'context "clash" exists with other settings' "$T/err"
"$CM" ctx rm clash >/dev/null
check "bad inputs created no context" bash -c "! grep -qs '\"srv\"' '$XDG_CONFIG_HOME/cm/contexts.json'"
check "bad inputs copied no binary" [ ! -e "$UHOME/.local/bin/cm-agent" ]

# --- a fresh install (detached: no systemd user manager here).
run "${INSTALL[@]}"
check "install exits 0 ($(rc): $(cat "$T/err"))" [ "$(rc)" = 0 ]
cat "$T/out"
check "install copied the binary" grep -q "copied .* to ~/.local/bin/cm-agent" "$T/out"
check "install says it runs detached and will not survive a reboot" grep -q "does not survive a reboot" "$T/out"
check "install ends with a status row: ok" grep -q "^srv *ok" "$T/out"
check "the binary is in ~/.local/bin, owned by the user" \
	[ "$(stat -c %U "$UHOME/.local/bin/cm-agent")" = "$U" ]
check "the token file on the server is 0600" [ "$(stat -c %a "$UHOME/.local/state/cm-agent/token")" = 600 ]
check "the local token file is 0600" [ "$(stat -c %a "$XDG_CONFIG_HOME/cm/tokens/srv")" = 600 ]
check "the tokens match" cmp -s "$XDG_CONFIG_HOME/cm/tokens/srv" "$UHOME/.local/state/cm-agent/token"
check "the token was never on a command line (sshd log)" \
	bash -c "! grep -qF \"\$(cat '$XDG_CONFIG_HOME/cm/tokens/srv')\" '$T/sshd.log'"
check "the recorded PATH has ~/.profile's tools dir" grep -q "$UHOME/tools/bin" "$UHOME/.config/cm-agent/path"
check "the recorded PATH starts with ~/.local/bin" grep -q "^$UHOME/.local/bin:" "$UHOME/.config/cm-agent/path"
PID1=$(tr -dc 0-9 <"$UHOME/.local/state/cm-agent/agent.lock")
check "the agent runs as the user ($PID1)" [ "$(ps -o user= -p "$PID1" | tr -d ' ')" = "$U" ]

# --- idempotent.
run "${INSTALL[@]}"
check "re-install exits 0 ($(rc))" [ "$(rc)" = 0 ]
check "re-install says nothing changed ($(head -n 3 "$T/out" | tr '\n' '|'))" grep -q "already installed, nothing changed" "$T/out"
check "re-install copied nothing" bash -c "! grep -q 'copied\|wrote\|started' '$T/out'"
check "re-install left the same agent" [ "$(tr -dc 0-9 <"$UHOME/.local/state/cm-agent/agent.lock")" = "$PID1" ]

# --- a session through the new context, with the tool found through the login PATH.
S=$("$CM" start fake "Write hello" --ctx srv --wait --timeout 60 2>"$T/start.err")
src=$?
# The fake tool's built-in task asks to create hello.txt: it waits (10) for a person.
check "the tool runs in a session through the new context (exit $src: $S)" [ "$src" -eq 10 ]
S=${S#srv/}

# --- upgrade: a different binary; the session survives.
printf 'x' >>"$AGENT_BIN"
run upgrade --ctx srv --agent-binary "$AGENT_BIN"
check "upgrade exits 0 ($(rc): $(cat "$T/err"))" [ "$(rc)" = 0 ]
check "upgrade copied the new binary" grep -q "copied" "$T/out"
check "upgrade restarted the agent" grep -q "restarted" "$T/out"
PID2=$(tr -dc 0-9 <"$UHOME/.local/state/cm-agent/agent.lock")
check "a new agent process ($PID1 -> $PID2)" [ "$PID2" != "$PID1" ]
check "the server has the new binary" cmp -s "$AGENT_BIN" "$UHOME/.local/bin/cm-agent"
"$CM" ls --ctx srv --json >"$T/ls.json" 2>&1
check "after upgrade the session is there, same id, not exited" python3 -c "
import json,sys; l=json.load(open('$T/ls.json'))
s=[x for x in l if x['sessionId']=='$S']
sys.exit(0 if s and s[0]['state'] not in ('exited',) else 1)"
check "after upgrade the session's screen is still live" bash -c "'$CM' capture srv/$S | grep -q 'hello.txt'"
run upgrade --ctx srv --agent-binary "$AGENT_BIN"
check "a second upgrade changes nothing" grep -q "already up to date, nothing changed" "$T/out"

# --- uninstall keeps the session, state and transcripts.
run uninstall --ctx srv
check "uninstall exits 0 ($(rc): $(cat "$T/err"))" [ "$(rc)" = 0 ]
cat "$T/out"
check "uninstall stopped the agent" bash -c "! kill -0 $PID2 2>/dev/null"
check "uninstall removed the binary" [ ! -e "$UHOME/.local/bin/cm-agent" ]
check "uninstall removed the context" bash -c "! '$CM' ctx show srv >/dev/null 2>&1"
check "uninstall removed the local token file" [ ! -e "$XDG_CONFIG_HOME/cm/tokens/srv" ]
check "uninstall kept the state dir and says so" grep -q "kept .*cm-agent (sessions" "$T/out"
check "uninstall kept the session's state file" [ -f "$UHOME/.local/state/cm-agent/sessions/$S.json" ]
check "the session's tmux server still runs" su -s /bin/sh "$U" -c "tmux -S /tmp/cm-\$(id -u)/$S.sock has-session"

# The user unit's syntax (with systemd-analyze, when present).
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/unit"
	sed "s|@CM_AGENT_BIN@|$CM_AGENT --config %h/.config/cm-agent/agent.json|" \
		"$CM_SOURCE_DIR/packaging/cm-agent-user.service" >"$T/unit/cm-agent.service"
	check "systemd-analyze verify accepts the user unit" \
		systemd-analyze verify --man=no "$T/unit/cm-agent.service"
else
	echo "SKIP: no systemd-analyze to verify the unit"
fi
finish
