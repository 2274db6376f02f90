"""Requests still waiting for tmux when their session goes away (its tmux
server killed behind the agent's back, or kill_session in the same burst)
are each answered exactly once, with their own action name and no bytes
from elsewhere; the agent does not crash (run it under the ASan build with
CM_BUILD_DIR pointing there to see memory errors abort it)."""

import asyncio
import json
import os
import signal
import subprocess
import time

from agentlib import Agent, Client, run

NAMES = {"pane_captured": "capture_pane", "resized": "resize",
         "session_killed": "kill_session"}


class CountingClient(Client):
    """Counts how many replies each request id gets."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.count = {}

    def _file(self, m, *rest):
        if "id" in m:
            self.count[m["id"]] = self.count.get(m["id"], 0) + 1
        super()._file(m, *rest)


async def burst(c, msgs):
    ids = {}
    for m in msgs:
        rid = c.next_id
        c.next_id += 1
        ids[rid] = m["action"]
        await c.send_raw(json.dumps(dict(m, id=rid)))
    return ids


async def settle(c, ids, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline and not all(i in c.count for i in ids):
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)  # a second reply, if any, would come now


def printable(v):
    if isinstance(v, str):
        return v.isprintable()
    if isinstance(v, dict):
        return all(printable(x) for k, x in v.items() if k != "content")
    if isinstance(v, list):
        return all(printable(x) for x in v)
    return True


def check_replies(t, c, ids, what):
    once = [i for i in ids if c.count.get(i) == 1]
    t.check(f"{what}: every request gets exactly one reply", len(once) == len(ids),
            {i: c.count.get(i) for i in ids if c.count.get(i) != 1})
    bad = []
    for i, action in ids.items():
        m = c.replies.get(i)
        if m is None:
            continue
        name = m.get("action") if m.get("type") == "error" else NAMES.get(m.get("type"))
        if name != action or not printable(m):
            bad.append(m)
    t.check(f"{what}: each reply names its request and carries no foreign bytes",
            not bad, bad[:3])
    errs = [m for m in c.replies.values() if m.get("type") == "error"]
    return errs


def ops(sid, n):
    out = []
    for k in range(n):
        out.append({"action": "capture_pane", "sessionId": sid, "lines": 10000,
                    "escapes": True})
        out.append({"action": "resize", "sessionId": sid, "cols": 80 + k % 40, "rows": 30})
    return out


async def stopped_session(c):
    """A live session whose tmux server is stopped (SIGSTOP): requests wait."""
    r = await c.create("cat")
    sid, sock = r["sessionId"], r["socket"]
    await c.wait_state(sid, "idle")
    pid = int(subprocess.run(["tmux", "-S", sock, "display-message", "-p", "#{pid}"],
                             capture_output=True, text=True).stdout)
    os.kill(pid, signal.SIGSTOP)
    return sid, sock, pid


async def server_killed(t, c):
    sid, sock, pid = await stopped_session(c)
    ids = await burst(c, ops(sid, 50))
    await asyncio.sleep(0.5)  # every request is now waiting for tmux
    os.kill(pid, signal.SIGKILL)
    await settle(c, ids)
    errs = check_replies(t, c, ids, "tmux server killed (SIGKILL)")
    t.check("the waiting requests were answered with errors", len(errs) == len(ids),
            f"{len(errs)} of {len(ids)}")
    c.replies.clear()

    sid, sock, pid = await stopped_session(c)
    ids = await burst(c, ops(sid, 50))
    await asyncio.sleep(0.5)
    killer = subprocess.Popen(["tmux", "-S", sock, "kill-server"], stderr=subprocess.DEVNULL)
    await asyncio.sleep(0.2)
    os.kill(pid, signal.SIGCONT)
    killer.wait(10)
    await settle(c, ids)
    check_replies(t, c, ids, "tmux kill-server")
    c.replies.clear()


async def killed_in_burst(t, c):
    sid, sock, pid = await stopped_session(c)
    msgs = ops(sid, 20) + [{"action": "kill_session", "sessionId": sid}] + ops(sid, 20)
    ids = await burst(c, msgs)
    await asyncio.sleep(0.5)
    os.kill(pid, signal.SIGCONT)
    await settle(c, ids)
    errs = check_replies(t, c, ids, "kill_session in the burst")
    t.check("the requests queued behind kill_session got errors", len(errs) > 0, errs[:1])
    c.replies.clear()


async def main(t):
    with Agent() as agent:
        async with CountingClient(agent) as c:
            await server_killed(t, c)
            await killed_in_burst(t, c)
            r = await c.request("list_sessions")
            t.check("the agent still answers", r.get("type") == "session_list", r)
        t.check("the agent did not crash", agent.alive())


run(main)
