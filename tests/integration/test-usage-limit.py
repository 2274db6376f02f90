"""A usage limit is a state of its own, with the reset time as evidence; with
autoContinue the agent types the profile's continue text once the limit has
reset (plus a random spread), and sees the tool work again; without it, or
when someone typed in the meantime, it leaves the session to a person. The
fake tool draws Claude Code's limit line with a reset a few seconds ahead
("resets in 2s"); the next task (the continue text) works and finishes.
A working session that prints nothing for its stallMs raises
session_stalled, once."""

import asyncio
import time

from agentlib import Agent, Client, run

LIMIT = "think 200\nlimit You've hit your session limit · resets in 2s\n---\nthink 300\ndone\n"


def of(c, sid, kind):
    return [e for e in c.events if e.get("type") == kind and e.get("sessionId") == sid]


async def limits(t):
    with Agent().script(LIMIT) as agent:
        async with Client(agent) as c:
            t0 = time.time()
            auto = await c.new_session("fake-recover", task="go", autoContinue=True)
            manual = await c.new_session("fake-recover", task="go")
            typed = await c.new_session("fake-recover", task="go", autoContinue=True)
            ev = await c.wait_event(lambda e: e.get("type") == "state_change" and
                                    e.get("sessionId") == auto and
                                    e.get("state") == "usage_limit", 10)
            t.check("the limit screen is state usage_limit, rule usage-limit",
                    ev is not None and ev.get("rule") == "usage-limit" and
                    "hit your session limit" in ev.get("evidence", ""), ev)
            t.check("its reset time is parsed: resetsAt about 2 s ahead",
                    ev is not None and abs(ev.get("resetsAt", 0) - (ev["timestamp"] + 2)) < 1.5,
                    ev)
            r = await c.request("list_sessions")
            ent = next(s for s in r["sessions"] if s["sessionId"] == auto)
            t.check("list_sessions shows resetsAt and autoContinue",
                    ent.get("resetsAt") == ev.get("resetsAt") and ent.get("autoContinue") is True,
                    ent)
            await c.wait_state(typed, "usage_limit", 10)
            await c.request("send_keys", sessionId=typed, keys="wait")

            done = await c.wait_event(lambda e: e.get("type") == "auto_continued" and
                                      e.get("sessionId") == auto, 15)
            took = time.time() - t0
            t.check("auto_continued: continued, once the tool works again",
                    done is not None and done.get("outcome") == "continued" and
                    done.get("resetsAt") == ev.get("resetsAt"), done)
            t.check("not before the reset time", done is not None and
                    done["timestamp"] >= ev["resetsAt"], (done, ev))
            print(f"limit seen -> continued: {took:.2f} s (reset 2 s, spread up to 0.3 s)")
            comp = await c.wait_event(lambda e: e.get("type") == "session_completed" and
                                      e.get("sessionId") == auto and
                                      e["seq"] > ev["seq"], 10)
            t.check("the continued turn finishes (session_completed)", comp is not None)
            left = await c.wait_event(lambda e: e.get("type") == "auto_continued" and
                                      e.get("sessionId") == typed, 10)
            t.check("someone typed since the limit: left to a person (outcome typed)",
                    left is not None and left.get("outcome") == "typed", left)
            await asyncio.sleep(0.5)
            t.check("without autoContinue nothing is typed and it stays usage_limit",
                    not of(c, manual, "auto_continued") and
                    [e["state"] for e in of(c, manual, "state_change")][-1] == "usage_limit",
                    of(c, manual, "state_change"))
            scr = await c.screen(typed)
            t.check("nothing was typed after the person's keys", "waitcontinue" not in scr)


async def still_limited(t):
    # Every turn hits the limit: the continue text starts one that ends
    # on the limit again.
    with Agent().script("think 100\nlimit You've hit your session limit · resets in 1s\n") as agent:
        async with Client(agent) as c:
            sid = await c.new_session("fake-recover", task="go", autoContinue=True)
            ev = await c.wait_event(lambda e: e.get("type") == "auto_continued" and
                                    e.get("sessionId") == sid, 15)
            t.check("a tool still limited after the continue: outcome still_limited",
                    ev is not None and ev.get("outcome") == "still_limited", ev)
            await asyncio.sleep(2.0)
            t.check("and it is left to a person: no second attempt",
                    len(of(c, sid, "auto_continued")) == 1, of(c, sid, "auto_continued"))


async def stalls(t):
    # The agent's --stall-ms, and a session's own stallMs over it.
    with Agent(extra=["--stall-ms", "700"]).script("think 200\nhang 2500\ndone\n") as agent:
        async with Client(agent) as c:
            sid = await c.new_session("fake-recover", task="go")
            quiet = await c.new_session("fake-recover", task="go", stallMs=0)
            patient = await c.new_session("fake-recover", task="go", stallMs=5000)
            ev = await c.wait_event(lambda e: e.get("type") == "session_stalled" and
                                    e.get("sessionId") == sid, 10)
            t.check("working with no output for stallMs: session_stalled",
                    ev is not None and ev.get("state") == "thinking" and
                    ev.get("silentMs", 0) >= 700, ev)
            await c.wait_event(lambda e: e.get("type") == "session_completed" and
                               e.get("sessionId") == sid, 10)
            t.check("raised once for one silence", len(of(c, sid, "session_stalled")) == 1,
                    of(c, sid, "session_stalled"))
            t.check("stallMs 0: never", not of(c, quiet, "session_stalled"))
            t.check("a longer stallMs than the silence: none",
                    not of(c, patient, "session_stalled"))
            r = await c.create("fake-recover", stallMs=-5)
            t.check("a negative stallMs is refused", r.get("code") == "bad_request", r)


async def main(t):
    await limits(t)
    await still_limited(t)
    await stalls(t)


run(main)
