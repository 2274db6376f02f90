"""Automatic answers to a tool that drops keys while it draws a prompt (as
Codex 0.169.0 does with the first approval of a session, see
bench/real-confirm.py): the agent waits the profile's settle_ms before it
answers, checks that the answer took effect, answers once more if the same
prompt is still there, and only then leaves it to a person. auto_confirmed
says whether the answer took effect and after how many attempts. The fake
tool's `deaf MS` step drops keys that come within MS of drawing the prompt."""

import asyncio

from agentlib import Agent, Client, run


def script(deaf_ms):
    return f"think 200\ndeaf {deaf_ms}\nask bash touch ok.txt\nthink 200\ndone\n"


async def one(t, deaf_ms):
    agent = Agent()
    agent.script(script(deaf_ms))
    with agent:
        async with Client(agent) as c:
            r = await c.create("fake", task="make ok.txt", autoConfirm=True)
            sid = r["sessionId"]
            ac = await c.wait_event(lambda e: e.get("type") == "auto_confirmed" and
                                    e.get("sessionId") == sid, 15)
            if ac is None or ac.get("tookEffect"):
                done = await c.wait_event(lambda e: e.get("type") == "session_completed" and
                                          e.get("sessionId") == sid, 15)
            else:
                done = None
            need = [e for e in c.events if e.get("type") == "confirm_needed"]
            audit = [a for a in agent.audit() if a.get("action") == "auto_confirmed"]
            return audit, ac, done, need


async def main(t):
    # Keys lost for 40 ms after the prompt is drawn: the settle time (50 ms
    # by default) lets the first answer land.
    audit, ac, done, need = await one(t, 40)
    t.check("settle: a tool deaf for 40 ms takes the first automatic answer",
            ac is not None and ac.get("tookEffect") is True and ac.get("attempts") == 1, ac)
    t.check("settle: the task completes, nobody asked", done is not None and not need, need)

    # Deaf for 300 ms: the first answer is lost, the check 600 ms later
    # answers once more, and that one is taken.
    audit, ac, done, need = await one(t, 300)
    t.check("retry: a lost answer is given once more and takes effect",
            ac is not None and ac.get("tookEffect") is True and ac.get("attempts") == 2, ac)
    t.check("retry: the task completes, nobody asked", done is not None and not need, need)
    t.check("retry: one audit line for the answer, saying it took effect",
            len(audit) == 1, audit)

    # Deaf for 3 s: both answers are lost; a person is asked, and their
    # answer, once the tool listens, is taken.
    agent = Agent()
    agent.script(script(3000))
    with agent:
        async with Client(agent) as c:
            r = await c.create("fake", task="make ok.txt", autoConfirm=True)
            sid = r["sessionId"]
            ac = await c.wait_event(lambda e: e.get("type") == "auto_confirmed" and
                                    e.get("sessionId") == sid, 15)
            t.check("two lost answers: auto_confirmed says it did not take effect",
                    ac is not None and ac.get("tookEffect") is False and
                    ac.get("attempts") == 2, ac)
            need = await c.wait_event(lambda e: e.get("type") == "confirm_needed" and
                                      e.get("sessionId") == sid, 5)
            t.check("...and the prompt is left to a person",
                    need is not None and "did not take effect" in need.get("reason", ""), need)
            await asyncio.sleep(1.0)
            n = len([e for e in c.events if e.get("type") == "auto_confirmed"])
            t.check("never more than two automatic answers to one prompt", n == 1, n)
            await asyncio.sleep(1.5)
            r = await c.request("confirm", sessionId=sid, approve=True,
                                prompt=need["fingerprint"] if need else None)
            t.check("the person's answer is sent", r.get("type") == "confirmed", r)
            done = await c.wait_event(lambda e: e.get("type") == "session_completed" and
                                      e.get("sessionId") == sid, 15)
            t.check("...and the task completes", done is not None)


run(main)
