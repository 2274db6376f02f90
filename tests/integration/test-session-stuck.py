"""A session whose screen no rule knows does not stay "starting" silently:
after the profile's ready timeout the agent publishes session_stuck with
the last lines of the screen; a tool that gets ready in time never does.
(The stuck profile runs `tail -f` on a file the test writes.)"""

import asyncio
import os

from agentlib import Agent, Client, run


async def main(t):
    with Agent() as agent:
        async with Client(agent) as c:
            unknown = os.path.join(agent.work, "unknown.txt")
            with open(unknown, "w") as f:
                f.write("Welcome to version 99\n\nA screen nobody has seen before\n  ❯ \n")
            known = os.path.join(agent.work, "known.txt")
            with open(known, "w") as f:
                f.write("hello\n> ready\n")
            r = await c.create("stuck", task=unknown)
            sid = r["sessionId"]
            r2 = await c.create("stuck", task=known)
            sid2 = r2["sessionId"]
            ev = await c.wait_event(lambda e: e.get("type") == "session_stuck" and
                                    e.get("sessionId") == sid, 10)
            t.check("an unknown screen gives session_stuck after the ready timeout",
                    ev is not None, c.events)
            if ev:
                t.check("session_stuck says the state and how long it waited",
                        ev.get("state") == "starting" and ev.get("waitedMs") == 1000, ev)
                t.check("session_stuck carries the last lines of the screen",
                        "A screen nobody has seen before" in ev.get("evidence", "") and
                        "Welcome to version 99" in ev.get("evidence", ""), ev)
                t.check("session_stuck has seq and timestamp",
                        isinstance(ev.get("seq"), int) and "timestamp" in ev, ev)
            await asyncio.sleep(1.0)
            n = [e for e in c.events if e.get("type") == "session_stuck"]
            t.check("said once per session, never for a tool that got ready",
                    len(n) == 1 and n[0].get("sessionId") == sid, n)
            st = [e["state"] for e in c.events if e.get("type") == "state_change"
                  and e.get("sessionId") == sid2]
            t.check("the known screen is idle", st and st[-1] == "idle", st)
            lst = await c.request("list_sessions")
            s = [x for x in lst["sessions"] if x["sessionId"] == sid]
            t.check("the stuck session is still listed, starting",
                    s and s[0].get("state") == "starting", s)
            # A late reader of the event log sees it too.
            async with Client(agent, since=0) as late:
                await asyncio.sleep(0.3)
                t.check("session_stuck is replayed to a client that subscribes later",
                        any(e.get("type") == "session_stuck" for e in late.events))


run(main)
