"""Sessions come back in their own conversation: a tool that crashes is
started again in its directory with --resume and the id the agent gave it
(--session-id), announced by session_recovered; a clean exit stays exited
under on-failure and comes back under always; kill_session is never undone;
after every tmux server and the agent are killed (a reboot), the next agent
brings the sessions back the same way. The fake tool writes each start's
directory and argv to $FAKETOOL_ARGV_FILE, so the test sees what was run.
(Profile fake-recover: the claude profile's resume section, restart
on-failure after 200 ms.)"""

import asyncio
import os
import subprocess
import time

from agentlib import Agent, Client, pids_matching, run


def argv_lines(agent):
    try:
        with open(agent.env["FAKETOOL_ARGV_FILE"]) as f:
            return [ln.split() for ln in f.read().splitlines()]
    except OSError:
        return []


def with_id(lines, flag, cid):
    """The starts whose argv has flag followed by cid."""
    return [ln for ln in lines if any(ln[i] == flag and ln[i + 1] == cid
                                      for i in range(len(ln) - 1))]


def new_agent(t, script):
    agent = Agent().script(script)
    agent.env["FAKETOOL_ARGV_FILE"] = os.path.join(agent.root, "argv.txt")
    return agent


def of(c, sid, kind):
    return [e for e in c.events if e.get("type") == kind and e.get("sessionId") == sid]


async def listed(c, sid):
    r = await c.request("list_sessions")
    return next((s for s in r["sessions"] if s["sessionId"] == sid), None)


async def crash_and_exit(t):
    with new_agent(t, "think 300\nexit 3\n") as agent:
        async with Client(agent) as c:
            sid = await c.new_session("fake-recover", task="go")
            ent = await listed(c, sid)
            cid = ent and ent.get("conversationId")
            t.check("the session is given a conversation id, listed", cid and len(cid) == 36, ent)
            rec = await c.wait_event(lambda e: e.get("type") == "session_recovered" and
                                     e.get("sessionId") == sid, 15)
            t.check("a crash (status 3) is followed by session_recovered",
                    rec is not None and rec.get("reason") == "crashed" and
                    rec.get("attempt") == 1 and rec.get("resumed") is True and
                    rec.get("conversationId") == cid and isinstance(rec.get("seq"), int) and
                    "timestamp" in rec, rec)
            # (tmux may tell the death before the status: the event may lack it)
            t.check("session_exited came first, with the status if known",
                    rec is not None and any(e.get("exitStatus", 3) == 3 and e["seq"] < rec["seq"]
                        for e in of(c, sid, "session_exited")),
                    of(c, sid, "session_exited"))
            back = await c.wait_listed(sid, ("idle", "done"), 15)
            t.check("the tool is back and waits for input", back is not None, back)
            t.check("listed with its restart count and the same conversation",
                    back.get("restarts") == 1 and back.get("conversationId") == cid, back)
            lines = argv_lines(agent)
            first, resumed = with_id(lines, "--session-id", cid), with_id(lines, "--resume", cid)
            t.check("first started with --session-id ID and the task",
                    len(first) == 1 and first[0][-1] == "go", lines)
            t.check("started again with --resume ID, no task, in the same directory",
                    len(resumed) == 1 and resumed[0][-1] == cid and
                    resumed[0][0] == agent.work == first[0][0], lines)

            # A clean exit under on-failure stays; under always it comes back.
            plain = await c.new_session("fake-recover")
            always = await c.new_session("fake-recover", restart="always")
            for s in (plain, always):
                await c.wait_listed(s, ("idle",), 15)
                await c.request("send_keys", sessionId=s, keys="/exit", enter=True)
            rec = await c.wait_event(lambda e: e.get("type") == "session_recovered" and
                                     e.get("sessionId") == always, 15)
            t.check("restart always: a clean exit is started again (reason exited)",
                    rec is not None and rec.get("reason") == "exited", rec)
            ex = await c.wait_event(lambda e: e.get("type") == "session_exited" and
                                    e.get("sessionId") == plain, 10)
            t.check("the /exit ends the tool with status 0",
                    ex is not None and ex.get("exitStatus", 0) == 0, ex)
            await asyncio.sleep(1.0)  # longer than the profile's backoff
            ent = await listed(c, plain)
            t.check("restart on-failure: a clean exit stays exited",
                    ent is not None and ent["state"] == "exited" and
                    not of(c, plain, "session_recovered"), ent)
            t.check("list_sessions names the policy asked for",
                    (await listed(c, always)).get("restart") == "always")

            # kill_session is never undone.
            killed = await c.new_session("fake-recover", restart="always")
            await c.wait_listed(killed, ("idle",), 15)
            r = await c.request("kill_session", sessionId=killed)
            t.check("killed", r.get("type") == "session_killed", r)
            await asyncio.sleep(1.5)
            t.check("a killed session is not started again",
                    not of(c, killed, "session_recovered") and await listed(c, killed) is None)

            r = await c.create("fake-recover", restart="sometimes")
            t.check("a restart policy that does not exist is refused",
                    r.get("type") == "error" and r.get("code") == "bad_request", r)
            for bad in ({"restart": 5}, {"restart": "x" * 1000}, {"autoContinue": "yes"},
                        {"stallMs": 86400001}, {"stallMs": 1.5}, {"restart": None}):
                r = await c.create("fake-recover", **bad)
                t.check(f"create_session with {str(bad)[:40]} is refused, nothing started",
                        r.get("type") == "error" and r.get("code") in ("bad_request",
                                                                       "too_large"), r)
            n = len((await c.request("list_sessions"))["sessions"])
            t.check("no session came of the refused requests", n == 3, n)


async def resume_fails(t):
    agent = new_agent(t, "think 300\nexit 3\n")
    agent.env["FAKETOOL_RESUME_FAIL"] = "1"
    with agent:
        # A directory tmux would read as formats or a command end, and a shell as more.
        odd = os.path.join(agent.work, "odd#{d};ir$(x)")
        os.mkdir(odd)
        async with Client(agent) as c:
            sid = await c.new_session("fake-recover", task="go", path=odd)
            cid = (await listed(c, sid)).get("conversationId")
            second = await c.wait_event(lambda e: e.get("type") == "session_recovered" and
                                        e.get("sessionId") == sid and e.get("attempt") == 2, 20)
            t.check("a resume that fails is followed by a fresh start (resumed false)",
                    second is not None and second.get("resumed") is False, of(c, sid,
                                                                              "session_recovered"))
            back = await c.wait_listed(sid, ("idle", "done"), 15)
            t.check("the fresh tool waits at its input", back is not None, back)
            lines = argv_lines(agent)
            t.check("the fresh start keeps the id (--session-id) and gives no task again",
                    len(lines) == 3 and with_id(lines[2:], "--session-id", cid) and
                    lines[2][-1] == cid, lines)
            t.check("every start ran in the session's directory, byte for byte",
                    len(lines) == 3 and all(ln[0] == odd for ln in lines), lines)


async def reboot(t):
    with new_agent(t, "think 200\ndone\n") as agent:
        async with Client(agent) as c:
            sid = await c.new_session("fake-recover", task="go")
            done = await c.wait_event(lambda e: e.get("type") == "session_completed" and
                                      e.get("sessionId") == sid, 15)
            t.check("the task is done before the reboot", done is not None)
            cid = (await listed(c, sid)).get("conversationId")
        agent.stop(__import__("signal").SIGKILL)
        agent.kill_tmux()
        t0 = time.time()
        agent.start()
        async with Client(agent) as c:
            rec = await c.wait_event(lambda e: e.get("type") == "session_recovered" and
                                     e.get("sessionId") == sid, 15)
            t.check("after the reboot: session_recovered, reason tmux-server-gone",
                    rec is not None and rec.get("reason") == "tmux-server-gone" and
                    rec.get("resumed") is True and rec.get("conversationId") == cid, rec)
            back = await c.wait_listed(sid, ("idle", "done"), 15)
            t.check("listed as back at the input, not exited", back is not None, back)
            print(f"reboot -> back at the input: {time.time() - t0:.2f} s")
            lines = argv_lines(agent)
            resumed = with_id(lines, "--resume", cid)
            t.check("the tool was started with --resume ID in its directory",
                    len(resumed) == 1 and resumed[0][0] == agent.work, lines)


async def hostile_state(t):
    """A state file whose conversation id is not an id is not put on a command line."""
    import json
    import signal
    with new_agent(t, "think 200\ndone\n") as agent:
        async with Client(agent) as c:
            sid = await c.new_session("fake-recover", task="go")
            await c.wait_event(lambda e: e.get("type") == "session_completed" and
                               e.get("sessionId") == sid, 15)
        agent.stop(signal.SIGKILL)
        agent.kill_tmux()
        path = os.path.join(agent.state_dir, "sessions", sid + ".json")
        with open(path) as f:
            st = json.load(f)
        st["conversationId"] = "--dangerously-skip-permissions"
        st["restart"] = "sometimes"
        st["stallMs"] = -7
        with open(path, "w") as f:
            json.dump(st, f)
        agent.start()
        async with Client(agent) as c:
            rec = await c.wait_event(lambda e: e.get("type") == "session_recovered" and
                                     e.get("sessionId") == sid, 15)
            t.check("still recovered by the profile's policy, not resumed",
                    rec is not None and rec.get("resumed") is False and
                    "conversationId" not in rec, rec)
            lines = argv_lines(agent)
            t.check("the bad id never reached a command line",
                    not any("--dangerously-skip-permissions" in ln for ln in lines), lines)
            ent = await listed(c, sid)
            t.check("and is not listed", ent and "conversationId" not in ent and
                    "stallMs" not in ent and "restart" not in ent, ent)


def tmux_server_pid(sock):
    r = subprocess.run(["tmux", "-S", sock, "display-message", "-p", "#{pid}"],
                       capture_output=True, text=True, timeout=10)
    return int(r.stdout) if r.returncode == 0 and r.stdout.strip().isdigit() else None


async def observer_lags(t):
    """A second control client (iTerm2's tmux -CC, say) that reads nothing
    while the tool floods its pane: the crash that follows is restarted in
    the same tmux server. (tmux up to 3.6a dies when a pane is respawned
    while a control client is behind on it; the restart must not do that.)"""
    import signal
    with Agent() as agent:
        async with Client(agent) as c:
            sid = await c.new_session("flood-recover", task="cm-flood-" + str(os.getpid()))
            await c.wait_listed(sid, ("running",), 15)
            sock = os.path.join(agent.socket_dir, sid + ".sock")
            server = tmux_server_pid(sock)
            observer = subprocess.Popen(["tmux", "-S", sock, "-C", "attach-session"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
            await asyncio.sleep(0.5)
            observer.send_signal(signal.SIGSTOP)  # it reads nothing from now on
            await asyncio.sleep(1.5)
            tool = [p for p in pids_matching("cm-flood-" + str(os.getpid()))
                    if open(f"/proc/{p}/comm").read().strip() == "yes"]
            t.check("the flooding tool runs", len(tool) == 1, tool)
            for p in tool:
                os.kill(p, signal.SIGKILL)
            rec = await c.wait_event(lambda e: e.get("type") == "session_recovered" and
                                     e.get("sessionId") == sid, 15)
            t.check("the killed tool is started again (crashed)",
                    rec is not None and rec.get("reason") == "crashed", rec)
            back = await c.wait_listed(sid, ("running",), 15)
            await asyncio.sleep(1.0)
            t.check("the restarted tool floods its pane again", back is not None, back)
            t.check("the tmux server that lived through the restart is the same one",
                    server is not None and tmux_server_pid(sock) == server,
                    (server, tmux_server_pid(sock)))
            again = of(c, sid, "session_recovered")
            t.check("one restart, none for a lost tmux server",
                    len(again) == 1 and (await listed(c, sid) or {}).get("state") == "running",
                    again)
            observer.send_signal(signal.SIGCONT)
            observer.kill()
            observer.wait()


async def agent_dies_in_backoff(t):
    """The agent dies while a restart waits out its backoff (the tool has
    crashed, tmux keeps the dead pane): the next agent starts the tool."""
    import signal
    with new_agent(t, "think 300\nexit 3\n") as agent:
        async with Client(agent) as c:
            sid = await c.new_session("fake-recover", task="go")
            cid = (await listed(c, sid)).get("conversationId")
            deadline = time.monotonic() + 15
            while "starting it again in" not in agent.log() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            agent.stop(signal.SIGKILL)  # within the 200 ms backoff
        t.check("the restart was scheduled, and the agent killed before it ran",
                "starting it again in" in agent.log() and "tool started again" not in
                agent.log(), agent.log()[-400:])
        agent.start()
        async with Client(agent) as c:
            rec = await c.wait_event(lambda e: e.get("type") == "session_recovered" and
                                     e.get("sessionId") == sid, 15)
            t.check("the next agent starts it again, in the same conversation",
                    rec is not None and rec.get("reason") == "crashed" and
                    rec.get("conversationId") == cid and rec.get("resumed") is True, rec)
            back = await c.wait_listed(sid, ("idle", "done"), 15)
            t.check("and it is back at its input", back is not None, back)


async def main(t):
    await crash_and_exit(t)
    await resume_fails(t)
    await reboot(t)
    await hostile_state(t)
    await observer_lags(t)
    await agent_dies_in_backoff(t)


run(main)
