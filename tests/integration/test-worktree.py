"""Sessions in git worktrees of their own, against real git repositories:
two fake-tool sessions edit the same file in parallel, each in its worktree,
with .cmworktreeinclude files copied and CM_WORKTREE_INDEX / CM_PORT_BASE
set; every submitted task is a turn with its own exact diff; a clean merge
lands in the main checkout, a conflicting one is refused with the files and
leaves the main checkout as it was, so does a dirty main checkout; clean
keeps worktrees holding work unless forced (and says what force threw away),
copes with a worktree deleted by hand; bad branch names and refs are
refused before git runs."""

import asyncio
import os
import shutil
import subprocess

import json
import tempfile
import time

from agentlib import BUILD, Agent, Client, run

CHECKER = os.path.join(BUILD, "tests", "cm-protocheck")
FRAMES = []


class Recorder(Client):
    """A client that keeps every text frame it receives, for the table check."""

    def _file(self, m, *rest):
        FRAMES.append(m)
        super()._file(m, *rest)

SCRIPT = "append shared.txt %task\nthink 100\ndone\n"


def git(repo, *args, check=True):
    r = subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True,
                       env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})
    if check and r.returncode != 0:
        raise RuntimeError(f"git {args}: {r.stderr}")
    return r.stdout


def make_repo(path):
    os.makedirs(path)
    git(path, "init", "-q", "-b", "main")
    with open(os.path.join(path, "shared.txt"), "w") as f:
        f.write("line 0\n")
    with open(os.path.join(path, ".gitignore"), "w") as f:
        f.write(".env\n")
    with open(os.path.join(path, ".cmworktreeinclude"), "w") as f:
        f.write("# copied into every worktree\n.env\n../escape\n/etc/passwd\nmissing.txt\n"
                "outlink/x\n")
    # A tracked link to a directory outside the repository: never followed.
    os.makedirs(os.path.join(path, "..", "outside"))
    with open(os.path.join(path, "..", "outside", "x"), "w") as f:
        f.write("outside\n")
    os.symlink("../outside", os.path.join(path, "outlink"))
    with open(os.path.join(path, ".env"), "w") as f:
        f.write("SECRET=1\n")
    git(path, "add", "shared.txt", ".gitignore", ".cmworktreeinclude", "outlink")
    git(path, "commit", "-q", "-m", "first")


async def done_once(c, sid, start):
    await c.wait_event(lambda e: e.get("type") == "session_completed" and
                       e.get("sessionId") == sid, timeout=20, start=start)


async def main(t):
    agent = Agent().script(SCRIPT)
    with agent:
        repo = os.path.join(agent.root, "repo")
        make_repo(repo)
        head0 = git(repo, "rev-parse", "HEAD").strip()
        async with Recorder(agent) as c:
            # Two sessions at once, each in its own worktree.
            ra, rb = await asyncio.gather(
                c.create("fake", "from A", path=repo, worktree={}, timeout=30),
                c.create("fake", "from B", path=repo, worktree={"branch": "feat/b"},
                         timeout=30))
            t.check("both sessions are created", ra.get("type") == rb.get("type") ==
                    "session_created", f"{ra} {rb}")
            a, b = ra["sessionId"], rb["sessionId"]
            wa, wb = ra.get("worktree", {}), rb.get("worktree", {})
            t.check("each has its own worktree beside the repository",
                    wa.get("path") != wb.get("path") and
                    wa.get("path", "").startswith(repo + ".cm-worktrees/") and
                    wb.get("path") == repo + ".cm-worktrees/feat-b", f"{wa} {wb}")
            t.check("branch, base and index are told", wb.get("branch") == "feat/b" and
                    wa.get("base") == "main" and wa.get("branch", "").startswith("cm/fake-") and
                    {wa.get("index"), wb.get("index")} == {1, 2}, f"{wa} {wb}")
            await asyncio.gather(done_once(c, a, 0), done_once(c, b, 0))
            with open(os.path.join(wa["path"], "shared.txt")) as f:
                text_a = f.read()
            with open(os.path.join(wb["path"], "shared.txt")) as f:
                text_b = f.read()
            with open(os.path.join(repo, "shared.txt")) as f:
                text_main = f.read()
            t.check("each tool edited the file in its own worktree only",
                    text_a == "line 0\nfrom A\n" and text_b == "line 0\nfrom B\n" and
                    text_main == "line 0\n", repr((text_a, text_b, text_main)))
            t.check(".cmworktreeinclude's file is copied, nothing outside the repository",
                    os.path.exists(os.path.join(wa["path"], ".env")) and
                    not os.path.exists(os.path.join(wa["path"], "passwd")) and
                    not os.path.exists(os.path.join(agent.root, "escape")) and
                    not os.path.exists(repo + ".cm-worktrees/outside"))
            mode = os.stat(repo + ".cm-worktrees").st_mode & 0o777
            t.check("the worktrees' directory is private", mode == 0o700, oct(mode))
            ls = await c.request("list_sessions")
            listed = {s["sessionId"]: s.get("worktree") for s in ls.get("sessions", [])}
            t.check("list_sessions shows the worktree", listed.get(b, {}).get("branch") ==
                    "feat/b" and listed.get(a, {}).get("turns") == 1, f"{listed}")
            state = os.path.join(agent.state_dir, "sessions", b + ".json")
            with open(state) as f:
                t.check("the session's state file records its worktree",
                        '"feat/b"' in f.read())

            # Environment of the tool.
            env = await c.create("wt-env", path=repo, worktree={"branch": "envcheck"},
                                 timeout=30)
            scr = await c.wait_screen(env["sessionId"], "WT<3> PORT<20020> CWD<" + repo +
                                      ".cm-worktrees/envcheck>")
            t.check("the tool gets CM_WORKTREE_INDEX and CM_PORT_BASE and runs in the worktree",
                    scr is not None)
            await c.request("kill_session", sessionId=env["sessionId"])

            # Per-turn diffs: a second task in A.
            mark = len(c.events)
            r = await c.request("send_keys", sessionId=a, keys="second of A", enter=True)
            t.check("a submitted task is typed after its snapshot", r.get("type") == "keys_sent",
                    f"{r}")
            await done_once(c, a, mark)
            d1 = await c.request("diff", sessionId=a, turn=1)
            d2 = await c.request("diff", sessionId=a, turn=2)
            dall = await c.request("diff", sessionId=a)
            t.check("turn 1's diff is exactly its own edit",
                    "+from A" in d1.get("patch", "") and "second of A" not in d1.get("patch", ""),
                    f"{d1}")
            t.check("turn 2's diff is exactly its own edit",
                    "+second of A" in d2.get("patch", "") and
                    "+from A" not in d2.get("patch", "") and d2.get("turn") == 2, f"{d2}")
            t.check("the whole diff against the base has both, with files and counts",
                    "+from A" in dall.get("patch", "") and "+second of A" in dall["patch"] and
                    dall.get("files") == [{"path": "shared.txt", "status": "M", "added": 2,
                                           "deleted": 0}], f"{dall}")
            adir = os.path.basename(wa["path"])
            refs = git(repo, "for-each-ref", "--format=%(objecttype) %(refname)",
                       f"refs/cm/snapshots/{adir}/").splitlines()
            t.check("each turn's snapshot is kept by a ref (gc never prunes it), no branch or log",
                    len(refs) == 2 and all(r.startswith("tree ") for r in refs) and
                    git(repo, "log", "--all", "--oneline").count("\n") == 1, f"{refs}")
            with open(os.path.join(wa["path"], "new.txt"), "w") as f:
                f.write("untracked\n")
            st = await c.request("diff", sessionId=a, stat=True)
            t.check("diff includes untracked files; stat has no patch",
                    "patch" not in st and {"path": "new.txt", "status": "A", "added": 1,
                                           "deleted": 0} in st.get("files", []), f"{st}")
            r = await c.request("diff", sessionId=a, turn=9)
            t.check("a turn that is not there is refused", r.get("code") == "bad_request" and
                    "2 turns" in r.get("message", ""), f"{r}")
            t.check("the worktree's own index is untouched by snapshots",
                    git(wa["path"], "status", "--porcelain") == " M shared.txt\n?? new.txt\n",
                    git(wa["path"], "status", "--porcelain"))

            # A dirty main checkout refuses the merge.
            with open(os.path.join(repo, "shared.txt"), "a") as f:
                f.write("dirty\n")
            r = await c.request("merge", sessionId=a)
            t.check("a dirty main checkout refuses the merge, naming the file",
                    r.get("code") == "dirty" and "shared.txt" in r.get("message", ""), f"{r}")
            git(repo, "checkout", "--", "shared.txt")

            # A clean merge.
            r = await c.request("merge", sessionId=a, timeout=30)
            t.check("the merge succeeds", r.get("type") == "merged" and
                    r.get("committed") is True and r.get("base") == "main", f"{r}")
            with open(os.path.join(repo, "shared.txt")) as f:
                merged = f.read()
            t.check("the main checkout has A's work", merged ==
                    "line 0\nfrom A\nsecond of A\n" and
                    os.path.exists(os.path.join(repo, "new.txt")), repr(merged))
            t.check("the main checkout is clean after the merge",
                    git(repo, "status", "--porcelain", "--untracked-files=no") == "")

            # A conflicting merge is refused and leaves nothing behind.
            head1 = git(repo, "rev-parse", "HEAD").strip()
            r = await c.request("merge", sessionId=b, timeout=30)
            t.check("a conflicting merge is refused, listing the conflicts",
                    r.get("code") == "merge_conflict" and "shared.txt" in r.get("message", ""),
                    f"{r}")
            t.check("the main checkout is left as it was", git(repo, "rev-parse", "HEAD").strip()
                    == head1 and git(repo, "status", "--porcelain") == "" and
                    not os.path.exists(os.path.join(repo, ".git", "MERGE_HEAD")),
                    git(repo, "status", "--porcelain"))
            for mode in ("squash", "rebase"):
                r = await c.request("merge", sessionId=b, mode=mode, timeout=30)
                t.check(f"--{mode}: refused too, nothing half merged",
                        r.get("code") == "merge_conflict" and
                        git(repo, "status", "--porcelain") == "" and
                        git(wb["path"], "status", "--porcelain") == "", f"{r}")
            r = await c.request("merge", sessionId=b, mode="octopus")
            t.check("an unknown merge mode is refused", r.get("code") == "bad_request", f"{r}")

            # Clean: live sessions and work are protected.
            r = await c.request("clean_worktrees", sessionId=b)
            t.check("a live session's worktree is not cleaned", r.get("code") == "busy" and
                    "kill it first" in r.get("message", ""), f"{r}")
            for sid in (a, b):
                await c.request("kill_session", sessionId=sid)
            r = await c.request("diff", sessionId=b, stat=True)
            t.check("a killed session's worktree can still be reviewed",
                    r.get("type") == "diff", f"{r}")
            r = await c.request("clean_worktrees")
            kept = {k["sessionId"]: k["reason"] for k in r.get("kept", [])}
            removed = {k["sessionId"]: k for k in r.get("removed", [])}
            t.check("its snapshot refs go with it",
                    git(repo, "for-each-ref", f"refs/cm/snapshots/{adir}/") == "")
            t.check("the merged worktree is removed, its branch too", a in removed and
                    not os.path.exists(wa["path"]) and
                    git(repo, "branch", "--list", wa["branch"]) == "", f"{r}")
            t.check("a worktree with unmerged work is kept, saying why", b in kept and
                    "not merged" in kept[b] and os.path.exists(wb["path"]), f"{r}")
            with open(os.path.join(wb["path"], "scratch.txt"), "w") as f:
                f.write("x\n")
            r = await c.request("clean_worktrees", sessionId=b, force=True)
            gone = (r.get("removed") or [{}])[0]
            t.check("force removes it and says what it threw away",
                    gone.get("sessionId") == b and not os.path.exists(wb["path"]) and
                    any("untracked" in x and "scratch.txt" in x for x in gone["discarded"]) and
                    any("not merged" in x for x in gone["discarded"]), f"{r}")

            # Uncommitted work in an ended session's worktree.
            rc_ = await c.create("fake", "dirty work", path=repo, worktree={"branch": "dirty"},
                                 timeout=30)
            csid = rc_["sessionId"]
            await done_once(c, csid, 0)
            await c.request("kill_session", sessionId=csid)
            r = await c.request("clean_worktrees", sessionId=csid)
            t.check("uncommitted changes keep a worktree", r.get("removed") == [] and
                    "uncommitted" in r["kept"][0]["reason"] and
                    os.path.exists(rc_["worktree"]["path"]), f"{r}")

            # A worktree deleted by hand.
            rd = await c.create("cat", path=repo, worktree={"branch": "byhand"}, timeout=30)
            dsid = rd["sessionId"]
            await c.request("kill_session", sessionId=dsid)
            shutil.rmtree(rd["worktree"]["path"])
            ls = await c.request("list_worktrees")
            row = [w for w in ls.get("worktrees", []) if w["sessionId"] == dsid]
            t.check("list_worktrees shows a worktree deleted by hand as gone",
                    row and row[0]["exists"] is False and row[0]["live"] is False, f"{ls}")
            r = await c.request("diff", sessionId=dsid)
            t.check("its diff says it is gone", r.get("code") == "git_failed" and
                    "gone" in r.get("message", ""), f"{r}")
            r = await c.request("clean_worktrees", sessionId=dsid)
            t.check("clean forgets it and prunes git's record",
                    [x["sessionId"] for x in r.get("removed", [])] == [dsid] and
                    "byhand" not in git(repo, "worktree", "list"), f"{r}")

            # An existing branch is checked out, and kept when its worktree goes.
            git(repo, "branch", "existing", head0)
            re_ = await c.create("cat", path=repo, worktree={"branch": "existing"}, timeout=30)
            wpath = re_.get("worktree", {}).get("path", "")
            t.check("an existing branch is checked out in the new worktree",
                    re_.get("type") == "session_created" and
                    git(wpath, "rev-parse", "HEAD").strip() == head0 and
                    git(wpath, "symbolic-ref", "--short", "HEAD").strip() == "existing", f"{re_}")
            await c.request("kill_session", sessionId=re_["sessionId"])
            r = await c.request("clean_worktrees", sessionId=re_["sessionId"])
            t.check("cleaning it removes the worktree but not the branch it did not make",
                    len(r.get("removed", [])) == 1 and not os.path.exists(wpath) and
                    git(repo, "branch", "--list", "existing").strip() == "existing", f"{r}")
            r = await c.create("cat", path=repo, worktree={"branch": "main"}, timeout=30)
            t.check("a branch checked out elsewhere is refused with git's reason",
                    r.get("code") == "git_failed" and "main" in r.get("message", ""), f"{r}")

            # Keys typed after a submission never overtake it (its snapshot comes first).
            rk = await c.create("cat", path=repo, worktree={"branch": "order"}, timeout=30)
            ksid = rk["sessionId"]
            await c.wait_state(ksid, "idle")
            sends = [c.request("send_keys", sessionId=ksid, keys="one", enter=True),
                     c.request("send_keys", sessionId=ksid, keys="two"),
                     c.request("send_keys", sessionId=ksid, key="Enter"),
                     c.request("send_keys", sessionId=ksid, keys="three\r")]
            replies = await asyncio.gather(*sends)
            t.check("every key request is answered", all(r.get("type") == "keys_sent"
                                                         for r in replies), f"{replies}")
            scr = await c.wait_screen(ksid, "three\nthree")
            text = (await c.screen(ksid)) or ""
            t.check("keys are typed in the order asked, snapshots or not",
                    scr is not None and text.find("one") < text.find("two") < text.find("three"),
                    repr(text[:200]))
            ls = await c.request("list_sessions")
            turns = [s["worktree"]["turns"] for s in ls["sessions"] if s["sessionId"] == ksid]
            t.check("Enter as a key and a typed newline are submissions too (3 turns)",
                    turns == [3], f"{turns}")
            await c.request("kill_session", sessionId=ksid)
            await c.request("clean_worktrees", sessionId=ksid, force=True)

            # Git runs off the loop: the agent answers while a slow snapshot hashes.
            rl = await c.create("cat", path=repo, worktree={"branch": "loop"}, timeout=30)
            with open(os.path.join(rl["worktree"]["path"], "big.bin"), "wb") as f:
                f.write(os.urandom(24 << 20))
            started = time.time()
            diff = asyncio.ensure_future(c.request("diff", sessionId=rl["sessionId"], stat=True,
                                                   timeout=120))
            pongs = []
            while not diff.done() and len(pongs) < 1000:
                t0 = time.time()
                r = await c.request("ping")
                if r.get("type") == "pong" and not diff.done():
                    pongs.append(time.time() - t0)
            d = await diff
            took = time.time() - started
            t.check("pings are answered while git hashes a 24 MiB file for a diff",
                    d.get("type") == "diff" and len(pongs) >= 3,
                    f"{len(pongs)} pongs in {took:.2f} s, diff {d.get('type')}")
            print(f"measure: diff --stat of a 24 MiB untracked file took {took:.2f} s; "
                  f"{len(pongs)} pings answered meanwhile, slowest "
                  f"{max(pongs or [0]) * 1000:.1f} ms", flush=True)
            await c.request("kill_session", sessionId=rl["sessionId"])
            await c.request("clean_worktrees", sessionId=rl["sessionId"], force=True)

            # Bad names and refs never reach git.
            before = git(repo, "branch", "--list")
            for bad in ("-x", "../..", ";rm", "a b", "x..y", "HEAD", "a/", "x.lock", "é"):
                r = await c.create("cat", path=repo, worktree={"branch": bad})
                t.check(f"branch {bad!r} is refused with a reason",
                        r.get("code") == "bad_request" and "branch" in r.get("message", ""),
                        f"{r}")
            for bad in ("-x", "main;rm", "main..x", "$(id)"):
                r = await c.create("cat", path=repo, worktree={"base": bad})
                t.check(f"base {bad!r} is refused with a reason",
                        r.get("code") == "bad_request" and "base" in r.get("message", ""),
                        f"{r}")
            r = await c.create("cat", path=repo, worktree={"branch": "x" * 201})
            t.check("an oversized branch is refused", r.get("code") == "bad_request", f"{r}")
            r = await c.create("cat", path=repo, worktree={"branch": "ok", "extra": 1})
            t.check("an unknown worktree field is refused", r.get("code") == "bad_request",
                    f"{r}")
            r = await c.create("cat", path=repo, worktree={"base": "nosuchbranch"}, timeout=30)
            t.check("a base that is not a commit is refused by git's answer",
                    r.get("code") == "git_failed" and "nosuchbranch" in r.get("message", ""),
                    f"{r}")
            r = await c.create("cat", path=agent.work, worktree={}, timeout=30)
            t.check("a directory outside any repository is refused",
                    r.get("code") == "git_failed" and "git repository" in r.get("message", ""),
                    f"{r}")
            t.check("no refused request made a branch", git(repo, "branch", "--list") == before)
            r = await c.request("merge", sessionId="cm-1-1")
            t.check("merge of an unknown session is refused",
                    r.get("code") == "unknown_session", f"{r}")
            plain = await c.new_session("cat")
            r = await c.request("diff", sessionId=plain)
            t.check("diff of a session without worktree says so",
                    r.get("code") == "no_worktree", f"{r}")
            t.check("the main checkout's history gained A's work and the merge, no snapshot",
                    git(repo, "rev-list", "--count", head0 + "..HEAD").strip() == "2",
                    git(repo, "log", "--oneline"))
        # The records outlive the agent.
        agent.stop()
        agent.start()
        async with Recorder(agent) as c:
            ls = await c.request("list_worktrees")
            t.check("a restarted agent still knows the worktrees",
                    {w["sessionId"] for w in ls.get("worktrees", [])} == {csid}, f"{ls}")
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as f:
            for m in FRAMES:
                f.write(json.dumps(m) + "\n")
            f.flush()
            res = subprocess.run([CHECKER, f.name], capture_output=True, text=True)
        seen = set(res.stdout.strip().splitlines()[-1].split()[1:]) if res.stdout else set()
        t.check(f"every one of {len(FRAMES)} replies and events fits the protocol table",
                res.returncode == 0 and {"diff", "merged", "worktree_list",
                                         "worktrees_cleaned"} <= seen,
                res.stdout[-3000:] + res.stderr)

async def limits(t):
    """Worktrees outlive sessions, so they have a bound of their own (4 per session)."""
    with Agent(extra=["--max-sessions", "1"]) as agent:
        repo = os.path.join(agent.root, "repo")
        make_repo(repo)
        async with Client(agent) as c:
            for i in range(4):
                r = await c.create("cat", path=repo, worktree={"branch": f"w{i}"}, timeout=30)
                await c.request("kill_session", sessionId=r["sessionId"])
            r = await c.create("cat", path=repo, worktree={"branch": "w4"}, timeout=30)
            t.check("past the bound, a worktree is refused with limit_reached and what to do",
                    r.get("code") == "limit_reached" and "cm worktree clean" in
                    r.get("message", "") and not os.path.exists(repo + ".cm-worktrees/w4"),
                    f"{r}")
            await c.request("clean_worktrees")
            r = await c.create("cat", path=repo, worktree={"branch": "w4"}, timeout=30)
            t.check("after a clean there is room again", r.get("type") == "session_created",
                    f"{r}")


async def all_tests(t):
    await main(t)
    await limits(t)

run(all_tests)
