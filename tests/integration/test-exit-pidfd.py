"""A tool that exits without printing anything is seen as exited at once:
the agent watches a pidfd of the pane's process, so neither it nor the tmux
server needs a timer, and an idle tmux server does not wake up at all.
A session re-adopted by a restarted agent is watched the same way. With
pidfds switched off (CM_AGENT_NO_PIDFD=1, as on a kernel without
pidfd_open) the exit is still seen, through tmux's #{pane_dead}
subscription, within its one-second timer."""

import asyncio
import os
import time

from agentlib import Agent, Client, _read, pids_matching, run

SLEEPS = (1.1, 1.3, 1.5, 1.7, 1.9)


def ppid(pid):
    stat = _read(f"/proc/{pid}/stat")
    return int(stat[stat.rindex(")") + 2:].split()[1])


def tmux_servers(socket_dir):
    """The tmux servers of socket_dir (not a pane's process caught between
    the server's fork and its exec, which has the server's name too)."""
    found = set()
    for p in pids_matching(socket_dir):
        try:
            if _read(f"/proc/{p}/comm").strip() == "tmux: server":
                found.add(p)
        except OSError:
            pass
    out = []
    for p in found:
        try:
            if ppid(p) not in found:
                out.append(p)
        except OSError:
            pass
    return out


def children(parents):
    """The pids whose parent is one of parents (the panes' processes)."""
    out = []
    for d in os.listdir("/proc"):
        try:
            stat = _read(f"/proc/{d}/stat") if d.isdigit() else ""
        except OSError:
            continue
        if stat and int(stat[stat.rindex(")") + 2:].split()[1]) in parents:
            out.append(int(d))
    return out


def tool_pids(agent, arg):
    """The pids of `sleep ARG` running in agent's sessions."""
    out = []
    for p in children(tmux_servers(agent.socket_dir)):
        try:
            if _read(f"/proc/{p}/cmdline").split("\0")[:2] == ["sleep", arg]:
                out.append(p)
        except OSError:
            pass
    return out


def ctxt(pid):
    n = 0
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
            n += int(line.split()[1])
    return n


async def exits(t, env, label, slack):
    """Quiet tools that exit after SLEEPS seconds; each must be exited within slack."""
    with Agent(env=env) as agent:
        async with Client(agent) as c:
            if label == "pidfd":
                # Idle: the sessions' tmux servers sleep (no pane_dead timer).
                # Tools that stay a minute, settled first, then watched a second.
                idle = [await c.new_session("quiet-exit", task="60") for _ in range(3)]
                for sid in idle:
                    await c.wait_listed(sid, ("idle",))
                await asyncio.sleep(1.0)
                servers = tmux_servers(agent.socket_dir)
                a = sum(ctxt(p) for p in servers)
                await asyncio.sleep(1.0)
                b = sum(ctxt(p) for p in servers)
                t.check("pidfd: idle tmux servers do not wake up",
                        len(servers) == len(idle) and b - a <= 1, (len(servers), b - a))
                for sid in idle:
                    await c.request("kill_session", sessionId=sid)
                for sid in idle:
                    await c.wait_event(lambda e, sid=sid: e.get("type") == "session_killed"
                                       and e.get("sessionId") == sid, 10)
            started = {}
            for s in SLEEPS:
                r = await c.create("quiet-exit", task=str(s))
                started[r["sessionId"]] = (time.time(), s)
            for sid in started:
                await c.wait_listed(sid, ("idle", "exited"))
            late = []
            for sid, (t0, s) in started.items():
                ev = await c.wait_event(lambda e, sid=sid: e.get("type") == "state_change"
                                        and e.get("sessionId") == sid
                                        and e.get("state") == "exited", 10)
                if ev is None:
                    late.append((sid, "never"))
                    continue
                seen = c.event_times[c.events.index(ev)]
                if seen - t0 - s > slack:
                    late.append((sid, round(seen - t0 - s, 3)))
            t.check(f"{label}: every quiet exit is seen within {slack} s", not late, late)
            lst = await c.request("list_sessions")
            t.check(f"{label}: every session is listed exited",
                    all(x["state"] == "exited" for x in lst["sessions"]), lst)
            t.check(f"{label}: the exit status is known",
                    all(x.get("exitStatus", 0) == 0 for x in lst["sessions"]), lst)
        log = agent.log()
        used = "through a pidfd" in log
        t.check(f"{label}: the agent {'uses' if label == 'pidfd' else 'does not use'} pidfds",
                used == (label == "pidfd"))


async def main(t):
    await exits(t, {}, "pidfd", 0.35)
    await exits(t, {"CM_AGENT_NO_PIDFD": "1"}, "fallback", 1.4)
    # A tool killed from outside (a crash) is seen just as fast.
    with Agent() as agent:
        async with Client(agent) as c:
            sid = (await c.create("quiet-exit", task="600"))["sessionId"]
            await c.wait_listed(sid, ("idle",))
            await asyncio.sleep(0.3)
            pids = tool_pids(agent, "600")
            t.check("the tool runs", len(pids) == 1, pids)
            t0 = time.monotonic()
            for p in pids:
                os.kill(p, 9)
            ev = await c.wait_event(lambda e: e.get("type") == "state_change" and
                                    e.get("sessionId") == sid and e.get("state") == "exited", 5)
            t.check("a killed tool is exited within 0.35 s",
                    ev is not None and time.monotonic() - t0 < 0.35 + 0.1,
                    time.monotonic() - t0)
            # Re-adopted by a restarted agent, a tool is watched the same way.
            sid2 = (await c.create("quiet-exit", task="601"))["sessionId"]
            await c.wait_listed(sid2, ("idle",))
        agent.stop()
        agent.start()
        async with Client(agent) as c:
            await c.wait_listed(sid2, ("idle",))
            await asyncio.sleep(0.3)
            pids = tool_pids(agent, "601")
            t.check("after a restart the tool still runs", len(pids) == 1, pids)
            t0 = time.monotonic()
            for p in pids:
                os.kill(p, 9)
            ev = await c.wait_event(lambda e: e.get("type") == "state_change" and
                                    e.get("sessionId") == sid2 and e.get("state") == "exited",
                                    5)
            t.check("a re-adopted session's tool is seen exiting within 0.35 s",
                    ev is not None and time.monotonic() - t0 < 0.35 + 0.1,
                    time.monotonic() - t0)


run(main)
