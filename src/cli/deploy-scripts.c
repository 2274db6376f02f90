/*
 * deploy-scripts: the /bin/sh scripts `cm agent` runs on a server (through
 * remote_run(): data arrives only as "$1"..., never inside the text). Each
 * prints KEY=value or one line per thing done on stdout, and its errors
 * on stderr; exit statuses: 0 done, 1 failed, 3 damaged upload, 4 the
 * binary does not run there, 5 the agent did not start.
 */
#include "deploy.h"

/* The paths of deploy.h, and the running agent (pid in its lock file). */
#define DEPLOY_SH_COMMON                                                                           \
	"set -u\n"                                                                                 \
	"B=\"$HOME/.local/bin/cm-agent\"\n"                                                        \
	"C=\"$HOME/.config/cm-agent\"\n"                                                           \
	"S=\"$HOME/.local/state/cm-agent\"\n"                                                      \
	"U=\"$HOME/.config/systemd/user\"\n"                                                       \
	"pid=$(cat \"$S/agent.lock\" 2>/dev/null | tr -dc 0-9)\n"                                  \
	"alive() {\n"                                                                              \
	"	[ -n \"$pid\" ] && kill -0 \"$pid\" 2>/dev/null &&\n"                                    \
	"	case \"$(readlink \"/proc/$pid/exe\" 2>/dev/null)\" in \"$B\"|\"$B (deleted)\") "        \
	";; "                                                                                      \
	"*) false ;; esac\n"                                                                       \
	"}\n"                                                                                      \
	"user_systemd() {\n"                                                                       \
	"	command -v systemctl >/dev/null 2>&1 && systemctl --user show-environment "              \
	">/dev/null 2>&1\n"                                                                        \
	"}\n"                                                                                      \
	"stop_detached() {\n"                                                                      \
	"	kill \"$pid\" 2>/dev/null\n"                                                             \
	"	i=0\n"                                                                                   \
	"	while kill -0 \"$pid\" 2>/dev/null; do\n"                                                \
	"		i=$((i + 1))\n"                                                                         \
	"		if [ $i -ge 100 ]; then echo \"the agent (pid $pid) does not stop\" >&2; "              \
	"exit 5; fi\n"                                                                             \
	"		sleep 0.1\n"                                                                            \
	"	done\n"                                                                                  \
	"}\n"

/* What the server is: architecture, tmux, systemd, the login shell's PATH. */
const char deploy_script_probe[] = DEPLOY_SH_COMMON
    "echo \"arch=$(uname -m)\"\n"
    "if command -v tmux >/dev/null 2>&1; then echo \"tmux=$(tmux -V 2>&1 | head -n 1)\"; "
    "else echo tmux=; fi\n"
    "if user_systemd; then echo systemd=yes; else echo systemd=no; fi\n"
    "if command -v loginctl >/dev/null 2>&1; then\n"
    "	echo \"linger=$(loginctl show-user \"$(id -un)\" --property=Linger --value 2>/dev/null)\"\n"
    "fi\n"
    "echo \"home=$HOME\"\n"
    "echo \"login=$(id -un)\"\n"
    "if [ -f \"$B\" ]; then echo \"agent_sha=$(sha256sum <\"$B\" 2>/dev/null | cut -d ' ' -f 1)\"; "
    "fi\n"
    "if alive; then echo \"running=$pid\"; fi\n"
    "if [ -f \"$U/cm-agent.service\" ]; then echo unit=yes; fi\n"
    /* The PATH of an interactive login shell (where ~/.profile, ~/.bashrc and
     * the like add ~/.local/bin or an npm prefix), else of a login shell,
     * else ssh's own. */
    "sh_=${SHELL:-/bin/sh}\n"
    "t=\n"
    "command -v timeout >/dev/null 2>&1 && t='timeout 10'\n"
    "q='printf \"\\n__cm_path=%s\\n\" \"$PATH\"'\n"
    "p=$($t \"$sh_\" -l -i -c \"$q\" </dev/null 2>/dev/null | sed -n 's/^__cm_path=//p' | tail -n "
    "1)\n"
    "[ -n \"$p\" ] || p=$($t \"$sh_\" -l -c \"$q\" </dev/null 2>/dev/null | sed -n "
    "'s/^__cm_path=//p' | tail -n 1)\n"
    "[ -n \"$p\" ] || p=$PATH\n"
    "echo \"login_path=$p\"\n";

/* $1: the sha256 of the binary arriving on stdin. Installs it atomically. */
const char deploy_script_upload[] = DEPLOY_SH_COMMON
    "d=$(dirname \"$B\")\n"
    "mkdir -p \"$d\" || exit 1\n"
    "t=$(mktemp \"$d/.cm-agent.XXXXXX\") || exit 1\n"
    "if ! cat >\"$t\"; then rm -f \"$t\"; exit 1; fi\n"
    "if command -v sha256sum >/dev/null 2>&1; then\n"
    "	got=$(sha256sum <\"$t\" | cut -d ' ' -f 1)\n"
    "	if [ \"$got\" != \"$1\" ]; then\n"
    "		rm -f \"$t\"\n"
    "		echo \"the copy arrived damaged (sha256 $got, expected $1)\" >&2\n"
    "		exit 3\n"
    "	fi\n"
    "fi\n"
    "chmod 755 \"$t\"\n"
    "if ! v=$(\"$t\" --version 2>&1); then\n"
    "	rm -f \"$t\"\n"
    "	echo \"the agent binary does not run on this server: $v\" >&2\n"
    "	exit 4\n"
    "fi\n"
    /* rename(2): a running agent keeps its old file, the next start gets the new one. */
    "if ! mv -f \"$t\" \"$B\"; then rm -f \"$t\"; exit 1; fi\n"
    "echo \"version=$v\"\n";

/*
 * $1 mode (systemd|detached), $2 unit, $3 PATH drop-in, $4 agent config,
 * $5 PATH, $6 port, $7 restart (1 after a new binary). Writes what differs,
 * makes the token if there is none, (re)starts the agent when anything
 * changed or it does not run, and waits until it listens.
 */
const char deploy_script_setup[] = DEPLOY_SH_COMMON
    "mode=$1 port=$6 restart=$7 changed=0\n"
    "put() {\n"
    "	if [ -f \"$1\" ] && printf '%s' \"$2\" | cmp -s - \"$1\"; then return 0; fi\n"
    "	mkdir -p \"$(dirname \"$1\")\" || exit 1\n"
    "	if ! (umask 077 && printf '%s' \"$2\" >\"$1.cm-new\" && chmod \"$3\" \"$1.cm-new\" && "
    "mv -f \"$1.cm-new\" \"$1\"); then\n"
    "		rm -f \"$1.cm-new\"\n"
    "		echo \"cannot write $1\" >&2\n"
    "		exit 1\n"
    "	fi\n"
    "	echo \"wrote $1\"\n"
    "	changed=1\n"
    "}\n"
    "logs() {\n"
    "	if [ \"$mode\" = systemd ]; then journalctl --user -u cm-agent.service -n 15 --no-pager "
    ">&2 2>/dev/null\n"
    "	else tail -n 15 \"$S/agent.log\" >&2 2>/dev/null; fi\n"
    "}\n"
    "mkdir -p \"$S\" && chmod 700 \"$S\" || exit 1\n"
    "if [ ! -s \"$S/token\" ]; then\n"
    "	if ! (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' >\"$S/token.new\" "
    "&& mv -f \"$S/token.new\" \"$S/token\"); then\n"
    "		echo \"cannot make the token in $S\" >&2\n"
    "		exit 1\n"
    "	fi\n"
    "	echo \"made the token $S/token\"\n"
    "	changed=1\n"
    "fi\n"
    "put \"$C/agent.json\" \"$4\" 600\n"
    "put \"$C/path\" \"$5\" 600\n"
    "if [ \"$mode\" = systemd ]; then\n"
    "	put \"$U/cm-agent.service\" \"$2\" 644\n"
    "	put \"$U/cm-agent.service.d/path.conf\" \"$3\" 644\n"
    "	[ \"$changed\" = 0 ] || systemctl --user daemon-reload || exit 1\n"
    "	if ! systemctl --user is-enabled --quiet cm-agent.service 2>/dev/null; then\n"
    "		systemctl --user enable --quiet cm-agent.service || exit 1\n"
    "		echo \"enabled cm-agent.service\"\n"
    "		changed=1\n"
    "	fi\n"
    "	if systemctl --user is-active --quiet cm-agent.service; then\n"
    "		if [ \"$changed\" = 1 ] || [ \"$restart\" = 1 ]; then\n"
    "			systemctl --user restart cm-agent.service || { logs; exit 5; }\n"
    "			echo restarted\n"
    "		else\n"
    "			echo running\n"
    "		fi\n"
    "	else\n"
    "		if alive; then stop_detached; fi\n"
    "		systemctl --user start cm-agent.service || { logs; exit 5; }\n"
    "		echo started\n"
    "	fi\n"
    "elif alive && [ \"$changed\" = 0 ] && [ \"$restart\" = 0 ]; then\n"
    "	echo running\n"
    "else\n"
    "	if alive; then stop_detached; was=restarted; else was=started; fi\n"
    "	cd \"$HOME\" || exit 1\n"
    "	s=$(command -v setsid || command -v nohup)\n"
    "	PATH=$5 \"$s\" \"$B\" --config \"$C/agent.json\" >>\"$S/agent.log\" 2>&1 </dev/null &\n"
    "	echo \"$was\"\n"
    "fi\n"
    /* Listening on the port (kernel's table, hex port, state 0A) by our agent. */
    "hex=$(printf '%04X' \"$port\")\n"
    "i=0\n"
    "while :; do\n"
    "	pid=$(cat \"$S/agent.lock\" 2>/dev/null | tr -dc 0-9)\n"
    "	if alive && grep -q \"^ *[0-9]*: [0-9A-F]*:$hex [0-9A-F]*:0000 0A\" /proc/net/tcp "
    "/proc/net/tcp6 2>/dev/null; then break; fi\n"
    "	i=$((i + 1))\n"
    "	if [ $i -ge 150 ]; then\n"
    "		echo \"the agent does not listen on 127.0.0.1:$port after 15 s; its last log "
    "lines:\" "
    ">&2\n"
    "		logs\n"
    "		exit 5\n"
    "	fi\n"
    "	sleep 0.1\n"
    "done\n"
    "echo \"pid=$pid\"\n";

/* Prints the token (read over ssh's stdout: never on a command line). */
const char deploy_script_token[] = DEPLOY_SH_COMMON "cat \"$S/token\"\n";

/* $1 purge (0|1). Removes what install added; state and sessions unless purge. */
const char deploy_script_uninstall[] = DEPLOY_SH_COMMON
    "n=0\n"
    "if [ -f \"$U/cm-agent.service\" ]; then\n"
    "	if user_systemd; then\n"
    "		systemctl --user disable --now --quiet cm-agent.service 2>/dev/null\n"
    "		echo \"stopped and disabled cm-agent.service\"\n"
    "	fi\n"
    "	rm -f \"$U/cm-agent.service\" \"$U/cm-agent.service.d/path.conf\"\n"
    "	rmdir \"$U/cm-agent.service.d\" 2>/dev/null\n"
    "	echo \"removed $U/cm-agent.service\"\n"
    "	user_systemd && systemctl --user daemon-reload 2>/dev/null\n"
    "	n=1\n"
    "fi\n"
    "if alive; then stop_detached; echo \"stopped the agent (pid $pid)\"; n=1; fi\n"
    "for f in \"$B\" \"$C/agent.json\" \"$C/path\"; do\n"
    "	if [ -e \"$f\" ]; then rm -f \"$f\" && echo \"removed $f\"; n=1; fi\n"
    "done\n"
    "rmdir \"$C\" 2>/dev/null\n"
    "if [ \"$1\" = 1 ]; then\n"
    "	for s in \"${XDG_RUNTIME_DIR:-/nonexistent}\"/cm/*.sock /tmp/cm-\"$(id -u)\"/*.sock; do\n"
    "		[ -S \"$s\" ] && tmux -S \"$s\" kill-server 2>/dev/null && echo \"ended the "
    "session "
    "of $s\"\n"
    "	done\n"
    "	if [ -d \"$S\" ]; then rm -rf \"$S\" && echo \"removed $S\"; n=1; fi\n"
    "elif [ -d \"$S\" ]; then\n"
    "	echo \"kept=$S\"\n"
    "fi\n"
    "[ \"$n\" = 1 ] || echo nothing=1\n";
