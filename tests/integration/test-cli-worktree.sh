#!/bin/bash
# cm start --worktree, cm diff, cm merge and cm worktree ls/clean against a
# real agent and a real git repository: what a person types and reads.
. "$(dirname "$0")/lib.sh"

export XDG_CONFIG_HOME="$T/cfg"
export NO_COLOR=1
CM="$CM_CLI"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t

mkdir -p "$T/profiles"
printf 'append notes.txt %%task\nthink 200\ndone\n' >"$T/edit.script"
python3 - "$CM_SOURCE_DIR/tests/profiles/fake.json" "$T/profiles/fake-edit.json" "$T/edit.script" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["name"] = "fake-edit"
p["argv"] = [p["argv"][0], "--script", sys.argv[3]]
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY
REPO="$T/repo"
mkdir -p "$REPO"
git -C "$REPO" init -q -b main
echo "start" >"$REPO/notes.txt"
git -C "$REPO" add notes.txt
git -C "$REPO" commit -q -m first

agent_start --profiles-dir "$T/profiles" || { fail "agent starts"; finish; }
"$CM" ctx add loc --local --port "$AGENT_PORT" --token-file "$T/token" >/dev/null
"$CM" ctx use loc >/dev/null


"$CM" start fake-edit "from the cli" --path "$REPO" --worktree=feat/cli --wait -q \
	>"$T/start.out" 2>"$T/start.err"
check "cm start --worktree --wait ends done" test $? -eq 0
check "it says where the worktree is" grep -q "worktree $REPO.cm-worktrees/feat-cli (branch feat/cli from main)" "$T/start.err"
A=$(cut -d/ -f2 "$T/start.out")
check "the tool edited the worktree, not the main checkout" bash -c \
	"grep -q 'from the cli' '$REPO.cm-worktrees/feat-cli/notes.txt' && ! grep -q 'from the cli' '$REPO/notes.txt'"
"$CM" diff "$A" --stat >"$T/stat.out" 2>&1
check "cm diff --stat lists the file and counts" grep -q "^M  notes.txt  +1 -0" "$T/stat.out"
"$CM" diff "$A" --turn 1 >"$T/turn.out" 2>&1
check "cm diff --turn 1 prints the turn's patch" grep -q "^+from the cli" "$T/turn.out"
"$CM" show "$A" >"$T/show.out" 2>&1
check "cm show names the branch, base and turns" bash -c \
	"grep -q '^branch  *feat/cli' '$T/show.out' && grep -q '^base  *main' '$T/show.out' && grep -q '^turns  *1' '$T/show.out'"
"$CM" worktree ls >"$T/ls.out" 2>&1
check "cm worktree ls shows it live with its change" bash -c \
	"grep 'feat/cli' '$T/ls.out' | grep -q 'live.*1 changed'"
expect "clean of a live session is refused" 1 "kill it first" -- worktree clean "$A"
expect "--base without --worktree" 2 "needs --worktree" -- start fake-edit x --base main
expect "a branch that reads as an option" 1 "must not start with '-'" -- start fake-edit x --path "$REPO" --worktree=-x
expect "a branch with a shell character" 1 "only letters" -- start fake-edit x --path "$REPO" --worktree=';rm'
expect "--rebase and --squash together" 2 "not both" -- merge "$A" --rebase --squash
# A second session from the same base edits the same line: it will conflict.
B=$("$CM" start fake-edit "other" --path "$REPO" --worktree=feat/two --base main --wait -q 2>/dev/null | cut -d/ -f2)
"$CM" merge "$A" >"$T/merge.out" 2>&1
check "cm merge merges into main" bash -c "grep -q 'merged feat/cli into main' '$T/merge.out' && grep -q 'from the cli' '$REPO/notes.txt'"

expect "a conflicting merge is refused with the file" 1 "conflicts in: notes.txt" -- merge "$B"
check "the main checkout is left clean" test -z "$(git -C "$REPO" status --porcelain)"
"$CM" kill "$A" "$B" >/dev/null
"$CM" worktree clean >"$T/clean.out" 2>&1
check "clean removes the merged one and keeps the other, saying why" bash -c \
	"grep -q '^removed loc/$A' '$T/clean.out' && grep -q '^kept loc/$B.*not merged' '$T/clean.out'"
"$CM" worktree clean "$B" --force >"$T/force.out" 2>&1
check "clean --force says what it threw away" grep -q "threw away 1 commit not merged" "$T/force.out"
check "nothing is left" bash -c "[ -z \"\$('$CM' worktree ls --json | python3 -c 'import json,sys; print(json.load(sys.stdin) or \"\")')\" ]"
expect "diff of an unknown id" 4 "no worktree session matches" -- diff nosuch
finish
