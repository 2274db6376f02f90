#!/bin/bash
# cm ctx edit / rename, cm tools, config.json defaults and its strict
# parsing, and the --compact form of every listing, against a real agent.
. "$(dirname "$0")/lib.sh"

export XDG_CONFIG_HOME="$T/cfg"
export NO_COLOR=1
CM="$CM_CLI"
CFG="$XDG_CONFIG_HOME/cm"
printf 'think 200\ndone\n' >"$T/script"
export FAKETOOL_SCRIPT="$T/script"
agent_start || { fail "agent starts"; finish; }

"$CM" ctx add one --local --port "$AGENT_PORT" --token "$AGENT_TOKEN" --path "$T/work" >/dev/null
"$CM" ctx add two --local --port 1 --token x --pool p1 >/dev/null

# --- ctx edit: only what the flags name changes; bad input changes nothing.
before=$(cat "$CFG/contexts.json")
"$CM" ctx edit two --port 0 2>"$T/e1"
check "edit with a bad port is a usage error (exit 2)" [ $? -eq 2 ]
"$CM" ctx edit two 2>"$T/e2"
check "edit without a flag says there is nothing to change" grep -q "nothing to change" "$T/e2"
"$CM" ctx edit nosuch --pool x 2>/dev/null
check "edit of an unknown context exits 3" [ $? -eq 3 ]
"$CM" ctx edit two --host "$(printf 'a\001b')" 2>"$T/e3"
check "edit with a control character is refused" [ $? -ne 0 ]
check "...and the file is unchanged" [ "$before" = "$(cat "$CFG/contexts.json")" ]
"$CM" ctx edit two --port "$AGENT_PORT" --token-env CM_T2 --pool '' --path /srv >"$T/e4"
check "edit succeeds ($(cat "$T/e4"))" grep -q "changed context two" "$T/e4"
check "edit: the port, token source and path are new; the pool is gone" python3 -c "
import json,sys
c=[x for x in json.load(open('$CFG/contexts.json'))['contexts'] if x['name']=='two'][0]
m=c['machine']
sys.exit(0 if m['agentPort']==$AGENT_PORT and m.get('authTokenEnv')=='CM_T2' and
 'authToken' not in m and 'pool' not in c and c['path']=='/srv' else 1)"
check "contexts.json stays 0600" [ "$(stat -c %a "$CFG/contexts.json")" = 600 ]
CM_T2=$AGENT_TOKEN "$CM" ls --ctx two >/dev/null
check "the edited context reaches the agent" [ $? -eq 0 ]

# --- ctx rename: name, id and default follow; names follow src/proto's rule.
"$CM" ctx use one >/dev/null
"$CM" ctx rename one -bad 2>/dev/null
check "rename to an invalid name is refused (exit 2)" [ $? -eq 2 ]
"$CM" ctx rename one two 2>"$T/r1"
check "rename onto an existing name is refused (exit 3)" [ $? -eq 3 ]
"$CM" ctx rename one "$(head -c 80 /dev/zero | tr '\0' a)" 2>/dev/null
check "rename to a 80-character name is refused" [ $? -eq 2 ]
"$CM" ctx rename one main >/dev/null
check "rename succeeds" [ $? -eq 0 ]
check "rename: id ctx-main, still the default" python3 -c "
import json,sys
d=json.load(open('$CFG/contexts.json'))
c=[x for x in d['contexts'] if x['name']=='main']
sys.exit(0 if c and c[0]['id']=='ctx-main' and d['current']=='main' else 1)"
"$CM" ls >/dev/null
check "the renamed default context is used" [ $? -eq 0 ]

# --- cm tools: the agent's tools with program, found and tested versions.
"$CM" tools >"$T/tools.txt" 2>&1
check "cm tools lists the fake tool and claude's tested version" \
	bash -c "grep -q '^main *fake' '$T/tools.txt' && grep -q 'claude 2.1.197' '$T/tools.txt'"
"$CM" tools --json >"$T/tools.json"
check "cm tools --json: fake is available, a missing program is not" python3 -c "
import json,sys
l={p['name']:p for p in json.load(open('$T/tools.json'))}
sys.exit(0 if l['fake']['available'] is True and l['fake']['context']=='main' and
 l['fake']['program'] and l['claude'].get('testedVersions',{}).get('claude') else 1)"

CAT_VERSION=$(cat --version | head -n1 | grep -o '[0-9][0-9.]*' | head -n1)
check "cm tools --json: the installed version of cat is $CAT_VERSION (asked of cat by the agent)" python3 -c "
import json,sys
l={p['name']:p for p in json.load(open('$T/tools.json'))}
sys.exit(0 if l['cat'].get('version')=='$CAT_VERSION' and 'versionPending' not in l['cat'] else 1)"
check "cm tools: a tool whose program is missing has no version and is not found" python3 -c "
import json,sys
l=[p for p in json.load(open('$T/tools.json')) if p.get('available') is False]
sys.exit(0 if l and all('version' not in p and 'versionPending' not in p for p in l) else 1)"

# --- --compact: one record a line, tab-separated, no header, no colour.
S=$("$CM" start fake "compact $(printf 'tab\there')" --wait --timeout 30 2>/dev/null)
"$CM" ls --compact >"$T/ls.c"
check "ls --compact: no header, CTX/ID first, 6 tab-separated fields" python3 -c "
import sys
lines=open('$T/ls.c').read().splitlines()
ok=lines and all(len(l.split('\t'))==6 for l in lines) and lines[0].split('\t')[0]=='$S'
ok=ok and not any('SESSION' in l or '\x1b' in l for l in lines)
sys.exit(0 if ok else 1)"
"$CM" ctx ls --compact >"$T/ctx.c"
check "ctx ls --compact: 7 fields, the default marked" python3 -c "
import sys
l=[x.split('\t') for x in open('$T/ctx.c').read().splitlines()]
sys.exit(0 if len(l)==2 and all(len(x)==7 for x in l) and ['*','main'] in [x[:2] for x in l] else 1)"
"$CM" status --ctx main --compact >"$T/st.c"
check "status --compact: one line, context then ok" grep -qP '^main\tok\t' "$T/st.c"
"$CM" history --ctx main --compact >"$T/hist.c" 2>&1
check "history --compact: no header ($(head -c 200 "$T/hist.c"))" \
	bash -c "! grep -q '^SESSION' '$T/hist.c' && awk -F'\t' 'NF!=6{exit 1}' '$T/hist.c'"
"$CM" tools --compact >"$T/tools.c"
check "tools --compact: 7 fields" bash -c "awk -F'\t' 'NF!=7{exit 1}' '$T/tools.c'"
check "tools --compact: one line a tool" bash -c "[ \$(grep -cP '^main\t' '$T/tools.c') -eq \$(wc -l <'$T/tools.c') ]"
"$CM" --compact ls >"$T/ls2.c"
# (SINCE, the 4th field, may have moved on between the two runs.)
check "--compact works as a global flag too" \
	bash -c "cmp -s <(cut -f1-3,5- '$T/ls.c') <(cut -f1-3,5- '$T/ls2.c')"

# --- config.json: defaults, and strict parsing.
printf '{"defaults": {"context": "two", "autoConfirm": true}}\n' >"$CFG/config.json"
CM_T2=$AGENT_TOKEN "$CM" start fake "by default" --json >"$T/start.json" 2>/dev/null
check "defaults.context is used without --ctx" grep -q '"context": "two"' "$T/start.json"
check "defaults.autoConfirm is sent" grep -q '"autoConfirm": true' "$T/start.json"
"$CM" start fake "flag wins" --ctx main --auto-confirm off --json >"$T/start2.json" 2>/dev/null
check "flags win over the defaults" bash -c "grep -q '\"context\": \"main\"' '$T/start2.json' && grep -q '\"autoConfirm\": false' '$T/start2.json'"

bad() { # bad DESCRIPTION EXPECTED-MESSAGE-REGEX CONTENT
	printf '%b' "$3" >"$CFG/config.json"
	"$CM" ls >/dev/null 2>"$T/bad.err"
	local rc=$?
	check "config: $1 (exit 3, got $rc: $(cat "$T/bad.err"))" \
		bash -c "[ $rc -eq 3 ] && grep -qE '$2' '$T/bad.err'"
}
bad "an unknown top key, with its line" 'config.json: line 3: colour: unknown key' \
	'{\n  "version": 1,\n  "colour": true\n}\n'
bad "an unknown key in defaults" 'line 2: defaults.contxt: unknown key' \
	'{"version": 1,\n "defaults": {"contxt": "main"}}\n'
bad "a notification key (none exists yet)" 'notifications.email: unknown key' \
	'{"notifications": {"email": "a@b"}}'
bad "a wrong type" 'defaults.autoConfirm: must be true or false' \
	'{"defaults": {"autoConfirm": "yes"}}'
bad "a hostile context name" 'defaults.context: must be a name' \
	'{"defaults": {"context": "../../etc\\u001b[2J"}}'
bad "an unknown mcp action" 'mcp.actions: every entry' '{"mcp": {"actions": ["read", "rm -rf"]}}'
bad "a duplicate key" 'duplicate' '{"defaults": {}, "defaults": {}}'
bad "not JSON" 'line 1 column' '{"defaults": '
bad "version 2" 'version: must be 1' '{"version": 2}'
bad "a key with an escape sequence is shown safely" 'unknown key "\?\[31m' '{"\\u001b[31m": 1}'
head -c 300000 /dev/zero | tr '\0' ' ' >"$CFG/config.json"
"$CM" ls >/dev/null 2>"$T/big.err"
check "a config over 256 KiB is refused ($(cat "$T/big.err"))" grep -q "larger than 256 KiB" "$T/big.err"
rm -f "$CFG/config.json"

# --- completion follows the command table.
check "completion offers tools and mcp" bash -c "'$CM' __complete '' | grep -qx tools && '$CM' __complete '' | grep -qx mcp"
check "completion offers ctx edit and rename" bash -c "'$CM' __complete ctx '' | grep -qx edit && '$CM' __complete ctx '' | grep -qx rename"
check "completion offers --compact" bash -c "'$CM' __complete ls --co | grep -qx -- --compact"
check "completion of ctx rename offers context names" bash -c "'$CM' __complete ctx rename '' | grep -qx main"
# --- COMMAND --help: the command's help, as cm help COMMAND prints it.
"$CM" ls --help >"$T/h1" 2>&1
check "cm ls --help exits 0" [ $? -eq 0 ]
check "...and prints cm ls's usage" grep -q "^usage: cm ls " "$T/h1"
"$CM" ctx add x -h >"$T/h2" 2>&1
check "cm ctx add x -h prints cm ctx's usage, adds nothing" grep -q "^usage: cm ctx " "$T/h2"
check "...and no context x was added" bash -c "! grep -q '\"x\"' '$CFG/contexts.json'"
"$CM" send one/cm-1 -- --help >"$T/h3" 2>&1
check "after --, --help is an argument like any other" bash -c "! grep -q '^usage:' '$T/h3'"

finish
