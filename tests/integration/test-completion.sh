#!/bin/bash
# cm completion bash|zsh|fish against a real agent: bash's script is loaded
# (complete -p) and its function driven as bash's completion would
# (COMP_WORDS/COMP_CWORD, COMPREPLY read back): commands, flags, flag
# values, context names, session ids asked of the agent, file names. fish's
# is run through `complete -C` when fish is installed; zsh's is checked
# with zsh -n and loaded after compinit when zsh is installed.
. "$(dirname "$0")/lib.sh"
export XDG_CONFIG_HOME="$T/cfg"
export NO_COLOR=1
export CM="$CM_CLI"
agent_start || { fail "agent starts"; finish; }
"$CM" ctx add here --local --port "$AGENT_PORT" --token-file "$T/token" --path "$T/work" --pool lab >/dev/null
"$CM" ctx add other --local --port 1 --token-file "$T/token" >/dev/null
S=$("$CM" start cat --ctx here 2>/dev/null)
S=${S#here/}
check "a session to complete ($S)" [ -n "$S" ]

"$CM" completion bash >"$T/cm.bash"
check "completion bash exits 0" [ $? -eq 0 ]
# comp WORD...: the candidates bash's completion gives for the last word.
comp() {
	bash -c '
		cm() { "$CM" "$@"; }
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_WORDS[0]=$CM
		_cm
		printf "%s\n" "${COMPREPLY[@]}"' comp "$T/cm.bash" "$@"
}
export -f comp
check "complete -p shows the function" bash -c "source '$T/cm.bash'; complete -p cm | grep -q -- '-F _cm cm'"
check "first word: sta -> start status" [ "$(comp cm sta | tr '\n' ' ')" = "start status " ]
check "first word lists agent and completion" bash -c "[ \"\$(comp cm '' | grep -c '^agent$\|^completion$')\" = 2 ]"
check "the hidden helper is not offered" bash -c "! comp cm '' | grep -q __complete"
check "start's flags include --wait" bash -c "comp cm start --w | grep -qx -- --wait"
check "--auto-confirm values" [ "$(comp cm start --auto-confirm o | tr '\n' ' ')" = "on off " ]
check "ctx subcommands" [ "$(comp cm ctx u | tr '\n' ' ')" = "use " ]
check "context names after ctx use" [ "$(comp cm ctx use '' | sort | tr '\n' ' ')" = "here other " ]
check "context names after --ctx" [ "$(comp cm ls --ctx h | tr '\n' ' ')" = "here " ]
check "context names after a global --ctx" [ "$(comp cm --ctx o | tr '\n' ' ')" = "other " ]
check "pool names after --pool" [ "$(comp cm start --pool '' | tr '\n' ' ')" = "lab " ]
check "session ids after capture (asked of the agent)" [ "$(comp cm capture '' | tr '\n' ' ')" = "$S " ]
check "session ids by prefix after kill" [ "$(comp cm kill "${S:0:5}" | tr '\n' ' ')" = "$S " ]
check "session ids of one context after --ctx" [ "$(comp cm show --ctx here '' | tr '\n' ' ')" = "$S " ]
check "agent subcommands" [ "$(comp cm agent '' | tr '\n' ' ')" = "install upgrade uninstall " ]
check "file names after --agent-binary" bash -c "comp cm agent install h --agent-binary '$T/tok' | grep -qx '$T/token'"
check "completion shells" [ "$(comp cm completion '' | tr '\n' ' ')" = "bash zsh fish " ]
"$CM" completion tcsh >/dev/null 2>"$T/err"
check "an unknown shell: exit 2 with a message" bash -c "[ $? -eq 2 ] && grep -q 'unknown shell \"tcsh\"' '$T/err'"

if command -v zsh >/dev/null; then
	"$CM" completion zsh >"$T/cm.zsh"
	check "zsh -n accepts the zsh script" zsh -n "$T/cm.zsh"
	check "zsh loads it after compinit and binds _cm to cm" zsh -f -c "
		autoload -Uz compinit && compinit -u -d '$T/zcompdump'
		source '$T/cm.zsh'
		[[ \${_comps[cm]} == _cm ]]"
else
	echo "SKIP: zsh is not installed"
fi
if command -v fish >/dev/null; then
	"$CM" completion fish >"$T/cm.fish"
	check "fish -n accepts the fish script" fish -n "$T/cm.fish"
	PATH="$(dirname "$CM"):$PATH" fish --no-config -c "source '$T/cm.fish'; complete -C 'cm sta'" >"$T/fish1" 2>&1
	check "fish: cm sta -> start status ($(tr '\n' ' ' <"$T/fish1"))" [ "$(cut -f1 "$T/fish1" | tr '\n' ' ')" = "start status " ]
	PATH="$(dirname "$CM"):$PATH" fish --no-config -c "source '$T/cm.fish'; complete -C 'cm ctx use '" >"$T/fish2" 2>&1
	check "fish: context names ($(tr '\n' ' ' <"$T/fish2"))" [ "$(cut -f1 "$T/fish2" | sort | tr '\n' ' ')" = "here other " ]
	PATH="$(dirname "$CM"):$PATH" fish --no-config -c "source '$T/cm.fish'; complete -C 'cm capture '" >"$T/fish3" 2>&1
	check "fish: session ids" [ "$(cut -f1 "$T/fish3" | tr '\n' ' ')" = "$S " ]
else
	echo "SKIP: fish is not installed"
fi
"$CM" kill "here/$S" >/dev/null 2>&1
finish
