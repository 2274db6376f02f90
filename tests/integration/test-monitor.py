"""Real-time monitoring through real WebSocket clients, with the scripted
fake tool (tests/faketool) drawing Claude Code's screens in real tmux:
every state transition, auto-confirm answering a safe prompt, a dangerous
prompt left for a person, a person answering it, auto-confirm off, error
banners and exits."""

import asyncio
import os

from agentlib import Agent, Client, run

SAFE = """think 400
ask bash touch ok.txt
think 300
say all good
done
"""

DANGER = """think 300
ask bash rm -rf /
think 300
done
"""

EDIT_OUTSIDE = """think 200
ask write /etc/cm-test-outside.conf
done
"""


def states_of(c, sid):
    return [e["state"] for e in c.events
            if e.get("type") == "state_change" and e.get("sessionId") == sid]


def types_of(c, sid):
    return [e["type"] for e in c.events if e.get("sessionId") == sid]


async def safe_auto(t):
    agent = Agent()
    agent.script(SAFE)
    with agent:
        async with Client(agent) as c:
            r = await c.create("fake", task="make ok.txt", autoConfirm=True)
            sid = r["sessionId"]
            done = await c.wait_event(lambda e: e.get("type") == "session_completed"
                                      and e.get("sessionId") == sid, 20)
            t.check("session_completed after the task", done is not None and
                    done.get("state") == "done")
            st = states_of(c, sid)
            t.check("states went starting -> ... thinking ... waiting_confirm ... done",
                    "thinking" in st and "waiting_confirm" in st and st[-1] == "done"
                    and st.index("thinking") < st.index("waiting_confirm"), st)
            ac = [e for e in c.events if e.get("type") == "auto_confirmed"]
            t.check("one auto_confirmed event, with the prompt and the answer",
                    len(ac) == 1 and ac[0].get("answer") == "1"
                    and "proceed" in ac[0].get("prompt", "")
                    and "touch ok.txt" in ac[0].get("command", ""), ac)
            t.check("auto_confirmed carries seq and timestamp (seed shape)",
                    ac and isinstance(ac[0].get("seq"), int) and "timestamp" in ac[0])
            sc = [e for e in c.events if e.get("type") == "state_change"]
            t.check("state_change carries the rule and the evidence",
                    all(e.get("rule") for e in sc) and
                    any("esc to interrupt" in e.get("evidence", "") or
                        "…" in e.get("evidence", "") for e in sc
                        if e["state"] == "thinking"), sc[:3])
            audit = [a for a in agent.audit() if a.get("action") == "auto_confirmed"]
            t.check("the auto-answer is in the audit log", len(audit) == 1 and
                    audit[0].get("sessionId") == sid)
            n = len([e for e in c.events if e.get("type") == "session_completed"])
            t.check("session_completed is sent once per task", n == 1, n)
            # A second task in the same session completes again.
            await c.request("send_keys", sessionId=sid, keys="again", enter=True)
            second = await c.wait_event(lambda e: e.get("type") == "session_completed"
                                        and e.get("sessionId") == sid and e is not done, 20)
            t.check("a second task gives a second session_completed", second is not None)
            t.check("the fake tool never ran the command", not os.path.exists(
                os.path.join(agent.work, "ok.txt")))


async def danger(t):
    agent = Agent()
    agent.script(DANGER)
    with agent:
        async with Client(agent) as c, Client(agent) as person:
            r = await c.create("fake", task="clean up", autoConfirm=True)
            sid = r["sessionId"]
            need = await c.wait_event(lambda e: e.get("type") == "confirm_needed"
                                      and e.get("sessionId") == sid, 15)
            t.check("a dangerous prompt raises confirm_needed",
                    need is not None and "rm -rf" in need.get("command", ""), need)
            t.check("confirm_needed names the danger rule", need is not None and
                    "danger" in need.get("reason", "").lower() or
                    "rm" in (need or {}).get("reason", ""), need)
            await asyncio.sleep(1.5)
            t.check("nothing auto-answers it", not [e for e in c.events
                                                   if e.get("type") == "auto_confirmed"])
            t.check("the state stays waiting_confirm", states_of(c, sid)[-1] ==
                    "waiting_confirm")
            lst = await c.request("list_sessions")
            s = [x for x in lst["sessions"] if x["sessionId"] == sid][0]
            t.check("list_sessions shows the prompt waiting for a person",
                    s.get("prompt", {}).get("reason") and s["prompt"].get("fingerprint")
                    == need.get("fingerprint"), s.get("prompt"))
            # A stale fingerprint is refused and changes nothing.
            r = await person.request("confirm", sessionId=sid, approve=True,
                                     prompt="0000000000000000")
            t.check("confirm with a stale fingerprint -> prompt_changed",
                    r.get("code") == "prompt_changed", r)
            # The person approves.
            r = await person.request("confirm", sessionId=sid, approve=True,
                                     prompt=need["fingerprint"])
            t.check("confirm approve -> confirmed with the yes keys",
                    r.get("type") == "confirmed" and r.get("keys") == "1", r)
            ev = await c.wait_event(lambda e: e.get("type") == "prompt_answered"
                                    and e.get("sessionId") == sid, 5)
            t.check("every client sees prompt_answered", ev is not None and
                    ev.get("approve") is True)
            done = await c.wait_event(lambda e: e.get("type") == "session_completed"
                                      and e.get("sessionId") == sid, 15)
            t.check("approving moves the session on to done", done is not None)
            r = await person.request("confirm", sessionId=sid, approve=True)
            t.check("confirm with no prompt on screen -> no_prompt",
                    r.get("code") == "no_prompt", r)
            audit = [a.get("action") for a in agent.audit()]
            t.check("refusal and person's answer are audited",
                    "confirm_needed" in audit and "prompt_answered" in audit, audit)

            # Deny: Escape rejects, the tool goes back to idle.
            r = await c.create("fake", task="again", autoConfirm=False)
            sid2 = r["sessionId"]
            need = await c.wait_event(lambda e: e.get("type") == "confirm_needed"
                                      and e.get("sessionId") == sid2, 15)
            r = await person.request("confirm", sessionId=sid2, approve=False)
            t.check("confirm deny -> confirmed with Escape", r.get("keys") == "Escape", r)
            idle = await c.wait_event(lambda e: e.get("type") == "state_change" and
                                      e.get("sessionId") == sid2 and
                                      e.get("seq", 0) > need.get("seq", 0) and
                                      e.get("state") in ("idle", "done"), 10)
            t.check("denying returns the tool to its input", idle is not None)
            t.check("...as idle, saying the prompt was denied (not a green done)",
                    idle is not None and idle["state"] == "idle" and
                    idle.get("rule") == "prompt-denied", idle)
            t.check("no session_completed for a denied turn", not [
                e for e in c.events if e.get("type") == "session_completed" and
                e.get("sessionId") == sid2])
            answered = [a for a in agent.audit() if a.get("action") == "prompt_answered"
                        and a.get("sessionId") == sid2]
            t.check("the audit log says which client answered",
                    answered and answered[-1].get("client", "").startswith("127.0.0.1 #"),
                    answered)
            t.check("a denied prompt is not answered yes", not [
                e for e in c.events if e.get("type") == "auto_confirmed"])


async def auto_off_and_outside(t):
    agent = Agent()
    agent.script(SAFE)
    with agent:
        async with Client(agent) as c:
            r = await c.create("fake", task="x", autoConfirm=False)
            sid = r["sessionId"]
            need = await c.wait_event(lambda e: e.get("type") == "confirm_needed"
                                      and e.get("sessionId") == sid, 15)
            t.check("auto-confirm off: a safe prompt waits for a person",
                    need is not None and "off" in need.get("reason", ""), need)
            r = await c.request("set_auto_confirm", sessionId=sid, enabled=True)
            t.check("set_auto_confirm -> auto_confirm_set", r.get("enabled") is True)
            ac = await c.wait_event(lambda e: e.get("type") == "auto_confirmed"
                                    and e.get("sessionId") == sid, 10)
            t.check("turning auto-confirm on answers the waiting safe prompt", ac is not None)
    agent = Agent()
    agent.script(EDIT_OUTSIDE)
    with agent:
        async with Client(agent) as c:
            r = await c.create("fake", task="x", autoConfirm=True)
            sid = r["sessionId"]
            need = await c.wait_event(lambda e: e.get("type") == "confirm_needed"
                                      and e.get("sessionId") == sid, 15)
            t.check("a write outside the session's directory is left for a person",
                    need is not None, need)
            t.check("...and not auto-answered", not [e for e in c.events
                                                    if e.get("type") == "auto_confirmed"])


async def every_state(t):
    agent = Agent()
    agent.script("think 300\nask bash touch ok.txt\nthink 800\nask write notes.txt\n"
                 "think 800\ndone\n")
    with agent:
        async with Client(agent) as c:
            r = await c.create("fake", task="x", autoConfirm=True)
            sid = r["sessionId"]
            await c.wait_event(lambda e: e.get("type") == "session_completed"
                               and e.get("sessionId") == sid, 20)
            st = states_of(c, sid)
            want = ["idle", "thinking", "waiting_confirm", "running", "waiting_confirm",
                    "editing", "done"]
            t.check("every working state is seen in order: " + " -> ".join(want),
                    st == want, st)
            prev = [e.get("previous") for e in c.events if e.get("type") == "state_change"
                    and e.get("sessionId") == sid]
            t.check("each state_change names the previous state",
                    prev == ["starting"] + want[:-1], prev)


async def errors_and_exit(t):
    agent = Agent()
    agent.script("think 200\nerror 401 invalid x-api-key\n")
    with agent:
        async with Client(agent) as c:
            r = await c.create("fake", task="x")
            sid = r["sessionId"]
            ev = await c.wait_state(sid, "error", 15)
            t.check("an API error banner gives state error", ev is not None,
                    states_of(c, sid))
            await c.request("send_keys", sessionId=sid, keys="/exit", enter=True)
            ev = await c.wait_state(sid, "exited", 15)
            t.check("/exit gives state exited", ev is not None, states_of(c, sid))
            ex = await c.wait_event(lambda e: e.get("type") == "session_exited"
                                    and e.get("sessionId") == sid, 5)
            t.check("session_exited is published", ex is not None)
            screen = await c.screen(sid, lines=60)
            t.check("the last screen stays readable after exit",
                    "Resume this session with" in screen, screen[-400:])


async def quick_answer(t):
    """A task answered at once: the screen goes from the input box to the
    finished turn with no busy screen in between, as Claude Code's does for
    a short answer. The task is done all the same."""
    agent = Agent()
    agent.script("done\n")
    with agent:
        async with Client(agent) as c:
            sid = (await c.create("fake", task="say done"))["sessionId"]
            done = await c.wait_event(lambda e: e.get("type") == "session_completed"
                                      and e.get("sessionId") == sid, 20)
            t.check("a task answered without a busy screen is session_completed",
                    done is not None, states_of(c, sid))
            await asyncio.sleep(1)
            n = len([e for e in c.events if e.get("type") == "session_completed"])
            t.check("... once", n == 1, n)


async def main(t):
    await safe_auto(t)
    await quick_answer(t)
    await danger(t)
    await auto_off_and_outside(t)
    await every_state(t)
    await errors_and_exit(t)


run(main)
