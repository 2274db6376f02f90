"""Sessions outlive accidents of the agent: an agent SIGKILLed right after
create_session leaves no tmux server behind that the next start does not
know (the session is adopted, or nothing of it runs), and a control client
killed by hand is replaced: the session stays live, its output and state
keep flowing, and no session_exited is sent."""

import asyncio
import json
import os
import signal
import subprocess

from agentlib import Agent, Client, run


def live_servers(agent):
    """Socket paths of the tmux servers that answer."""
    out = []
    for name in os.listdir(agent.socket_dir):
        path = os.path.join(agent.socket_dir, name)
        r = subprocess.run(["tmux", "-S", path, "list-sessions"], capture_output=True)
        if r.returncode == 0:
            out.append(path)
    return out


async def killed_after_create(t):
    agent = Agent()
    with agent:
        for delay in (0, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1):
            c = Client(agent)
            await c.__aenter__()
            await c.send_raw(json.dumps({"action": "create_session", "id": 1, "tool": "cat",
                                         "context": {"path": agent.work}}))
            if delay:
                await asyncio.sleep(delay)
            agent.stop(signal.SIGKILL)
            try:
                await c.close()
            except Exception:
                pass
            agent.start()
            await asyncio.sleep(1.5)  # tmux settles, adoption re-attaches
            async with Client(agent) as c:
                r = await c.request("list_sessions")
            listed = {s["socket"]: s for s in r.get("sessions", [])}
            servers = live_servers(agent)
            orphans = [p for p in servers if p not in listed or
                       listed[p].get("state") == "exited"]
            t.check(f"killed {delay * 1000:.0f} ms after create_session: every running tmux "
                    "server is a live session of the next agent", not orphans,
                    (orphans, r.get("sessions")))
            ghosts = [s for s in listed.values() if s.get("state") != "exited"
                      and s["socket"] not in servers]
            t.check(f"killed {delay * 1000:.0f} ms after create_session: no live session "
                    "without its tmux server", not ghosts, ghosts)


async def control_client_killed(t):
    with Agent() as agent:
        async with Client(agent) as c:
            r = await c.create("cat")
            sid = r["sessionId"]
            await c.wait_state(sid, "idle")
            r = await c.request("subscribe_output", sessionId=sid)
            t.check("subscribed to the output", r.get("type") == "output_subscribed", r)
            for round_ in range(2):
                pids = subprocess.run(["pgrep", "-P", str(agent.proc.pid), "tmux"],
                                      capture_output=True, text=True).stdout.split()
                t.check(f"round {round_}: the agent has one control client", len(pids) == 1,
                        pids)
                for p in pids:
                    os.kill(int(p), signal.SIGTERM)
                await asyncio.sleep(1)  # the attach completes once tmux runs again
                r = await c.request("list_sessions")
                st = [s for s in r.get("sessions", []) if s["sessionId"] == sid]
                t.check(f"round {round_}: the session is still live after its control client "
                        "was killed", st and st[0].get("state") != "exited", st)
                c.binary.clear()
                word = f"AFTERKILL{round_}"
                r = await c.request("send_keys", sessionId=sid, keys=word, enter=True)
                t.check(f"round {round_}: keys are accepted", r.get("type") == "keys_sent", r)
                t.check(f"round {round_}: they reach the tool",
                        await c.wait_screen(sid, word, 10) is not None)
                await asyncio.sleep(0.3)
                t.check(f"round {round_}: output still streams to subscribers",
                        word.encode() in b"".join(c.binary))
            t.check("no session_exited was sent",
                    not [e for e in c.events if e.get("type") == "session_exited"],
                    [e for e in c.events if e.get("type") == "session_exited"])
            # The state machine still runs: the tool's exit is seen.
            r = await c.request("send_keys", sessionId=sid, key="C-d")
            ev = await c.wait_state(sid, "exited", 15)
            t.check("the tool's exit is still noticed (state flows)", ev is not None)
            r = await c.request("kill_session", sessionId=sid)
            t.check("the session can be killed", r.get("type") == "session_killed", r)
            t.check("its tmux server is gone", not live_servers(agent))


async def server_gone(t):
    with Agent() as agent:
        async with Client(agent) as c:
            r = await c.create("cat")
            sid = r["sessionId"]
            await c.wait_state(sid, "idle")
            agent.kill_tmux()
            ev = await c.wait_event(lambda e: e.get("type") == "session_exited", 15)
            t.check("a tmux server really gone still ends as exited, after bounded retries",
                    ev is not None)
            await asyncio.sleep(1)  # the attach completes once tmux runs again
            pids = subprocess.run(["pgrep", "-P", str(agent.proc.pid), "tmux"],
                                  capture_output=True, text=True).stdout.split()
            t.check("and the agent stops trying", not pids, pids)


async def listed_while_attaching(t):
    """A re-adopted session is listed at once, before its tmux has answered the
    attach: a client listing right after agent_started sees every session."""
    with Agent() as agent:
        async with Client(agent) as c:
            r = await c.create("cat")
            sid = r["sessionId"]
            await c.wait_state(sid, "idle")
            lst = await c.request("list_sessions")
            sock = [s["socket"] for s in lst["sessions"] if s["sessionId"] == sid][0]
        agent.stop(signal.SIGKILL)
        pid = subprocess.run(["tmux", "-S", sock, "display-message", "-p", "#{pid}"],
                             capture_output=True, text=True).stdout.strip()
        os.kill(int(pid), signal.SIGSTOP)  # the attach cannot be answered yet
        try:
            agent.start()
            async with Client(agent) as c:
                lst = await c.request("list_sessions")
                ids = [s["sessionId"] for s in lst["sessions"]]
                t.check("a re-adopted session is listed while its attach is pending",
                        sid in ids, ids)
        finally:
            os.kill(int(pid), signal.SIGCONT)
        async with Client(agent) as c:
            await asyncio.sleep(1)  # the attach completes once tmux runs again
            r = await c.request("send_keys", sessionId=sid, keys="still here", enter=True)
            lst = await c.request("list_sessions")
            t.check("...and it is controllable once tmux answers",
                    await c.wait_screen(sid, "still here") is not None, (r, lst, agent.log()[-1500:]))


async def late_socket(t):
    """An agent killed while tmux was still starting: the next agent waits for
    the socket that start makes (bounded) and adopts the session, instead of
    forgetting it while its server comes up behind its back."""
    with Agent() as agent:
        agent.stop(signal.SIGKILL)
        sid = "cm-1700000000-42"
        sock = os.path.join(agent.socket_dir, sid + ".sock")
        with open(os.path.join(agent.state_dir, "sessions", sid + ".json"), "w") as f:
            json.dump({"sessionId": sid, "tool": "cat", "task": "", "path": agent.work,
                       "created": 1.0, "state": "starting", "stateSince": 1.0,
                       "creating": True}, f)
        # A tmux start still under way: its argv names the socket, which
        # appears half a second later.
        late = subprocess.Popen(
            ["python3", "-c", "import os, sys, time; time.sleep(0.5); "
             "os.execvp('tmux', ['tmux', '-S', sys.argv[2], 'new-session', '-d', '-s', "
             "sys.argv[3], '-x', '120', '-y', '40', 'cat'])", "-S", sock, sid])
        agent.start()
        late.wait()
        async with Client(agent) as c:
            lst = await c.request("list_sessions")
            mine = [x for x in lst["sessions"] if x["sessionId"] == sid]
            t.check("a session whose tmux came up after the agent's start is adopted",
                    mine and mine[0]["state"] != "exited", lst)
            t.check("...and no tmux server runs that the agent does not know",
                    all(p in [x["socket"] for x in lst["sessions"]] for p in live_servers(agent)))


async def main(t):
    await killed_after_create(t)
    await control_client_killed(t)
    await server_gone(t)
    await listed_while_attaching(t)
    await late_socket(t)


run(main)
