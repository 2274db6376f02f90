"""The tmux command queue of a session always drains: bursts of send_keys
that do not fit in one write to the control client's pipe (a paste of many
control characters, thousands of keystrokes with Enter) all get their
reply, the text reaches the tool, and the session can still be killed."""

import asyncio
import json
import os
import signal
import subprocess
import time

from agentlib import Agent, Client, run


async def burst(c, msgs):
    """Sends every message at once with fresh ids; returns the ids."""
    ids = []
    for m in msgs:
        rid = c.next_id
        c.next_id += 1
        m = dict(m, id=rid)
        ids.append(rid)
        await c.send_raw(json.dumps(m))
    return ids


async def replies(c, ids, timeout=60):
    """Waits until every id has its reply; returns {id: reply} of those that came."""
    deadline = time.time() + timeout
    while time.time() < deadline and not all(i in c.replies for i in ids):
        await asyncio.sleep(0.02)
    return {i: c.replies.pop(i) for i in ids if i in c.replies}


async def big_paste(t, c):
    r = await c.create("cat")
    sid = r["sessionId"]
    await c.wait_state(sid, "idle")
    # Each control character is quoted as 4 bytes: 6 pastes of 10000 are
    # about 240 kB of commands, more than one pipe buffer. The text is cut
    # into lines shorter than the terminal's line buffer (4095 bytes): a
    # longer line would keep only its first 4095 bytes, and the marker would
    # be on screen only as the terminal's echo, which the kernel drops when
    # tmux reads the pane late.
    text = ("\x01" * 990 + "\n") * 10 + "PASTED"
    ids = await burst(c, [{"action": "send_keys", "sessionId": sid, "keys": text,
                           "enter": True} for _ in range(6)])
    got = await replies(c, ids)
    t.check("every big paste gets its reply", len(got) == len(ids),
            f"{len(got)} of {len(ids)}")
    t.check("the pastes are answered keys_sent",
            all(m.get("type") == "keys_sent" for m in got.values()), list(got.values())[:2])
    ok = await c.wait_screen(sid, "PASTED", 20)
    t.check("the pasted text reached the tool", ok is not None,
            (await c.screen(sid))[-400:] if ok is None else "")
    r = await c.request("kill_session", timeout=20, sessionId=sid)
    t.check("the session can be killed after the burst", r.get("type") == "session_killed", r)


async def many_enters(t, c):
    r = await c.create("cat")
    sid, sock = r["sessionId"], r["socket"]
    await c.wait_state(sid, "idle")
    # With its tmux server stopped nothing is answered, so the burst fills
    # the queue (4096 commands awaiting replies) for sure.
    pid = int(subprocess.run(["tmux", "-S", sock, "display-message", "-p", "#{pid}"],
                             capture_output=True, text=True).stdout)
    os.kill(pid, signal.SIGSTOP)
    n = 3000
    ids = await burst(c, [{"action": "send_keys", "sessionId": sid, "keys": f"k{i}",
                           "enter": True} for i in range(n)])
    await asyncio.sleep(1)
    refused = [m for m in c.replies.values() if m.get("type") == "error"]
    t.check("a full queue is refused at once with limit_reached", len(refused) > 0 and
            all(m.get("code") == "limit_reached" for m in refused), refused[:1])
    os.kill(pid, signal.SIGCONT)
    got = await replies(c, ids, 90)
    t.check("every send_keys of the burst gets one reply", len(got) == n,
            f"{len(got)} of {n}")
    kinds = {}
    for m in got.values():
        k = m.get("type") if m.get("type") != "error" else "error:" + m.get("code", "")
        kinds[k] = kinds.get(k, 0) + 1
    t.check("replies are keys_sent, or a clear limit error when the queue is full",
            set(kinds) <= {"keys_sent", "error:limit_reached"} and
            kinds.get("keys_sent", 0) > 0, kinds)
    errs = [m for m in got.values() if m.get("type") == "error"]
    t.check("a full-queue error says what happened",
            all("queue" in m.get("message", "") and m.get("action") == "send_keys"
                for m in errs), errs[:1])
    last = max(i for i, rid in enumerate(ids) if got.get(rid, {}).get("type") == "keys_sent") \
        if kinds.get("keys_sent") else None
    if last is not None:
        # The tool echoes thousands of lines after the burst: give it time.
        deadline = time.monotonic() + 20
        while True:
            r = await c.request("capture_pane", sessionId=sid, lines=10000)
            if f"k{last}" in r.get("content", "") or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        t.check("the last accepted keys reached the tool",
                f"k{last}" in r.get("content", ""), last)
    r = await c.request("send_keys", sessionId=sid, keys="AFTER", enter=True)
    t.check("the session takes keys after the burst", r.get("type") == "keys_sent", r)
    t.check("and they reach the tool", await c.wait_screen(sid, "AFTER", 10) is not None)
    r = await c.request("kill_session", timeout=20, sessionId=sid)
    t.check("the session can be killed after the burst", r.get("type") == "session_killed", r)


async def main(t):
    with Agent(extra=["--enter-delay-ms", "1"]) as agent:
        async with Client(agent) as c:
            await big_paste(t, c)
            await many_enters(t, c)
        t.check("the agent is still running", agent.alive())


run(main)
