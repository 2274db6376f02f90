"""The protocol table (src/proto/protocol.def) against a real agent: every
frame the agent sends while a client goes through every request, prompts
answered by policy and by a person, output streamed, errors, replay and
resync, is checked by the table's own validator (tests/tools/cm-protocheck,
with the ranges the agent enforces). A field the agent sends that the
table does not list, a wrong type or a missing required field fails here,
so the table that libcm, the CLI, the dashboard and docs/PROTOCOL.md are
checked against is itself the agent's behaviour."""

import asyncio
import json
import os
import subprocess
import tempfile

from agentlib import BUILD, Agent, Client, run

SAFE = """think 200
ask bash touch ok.txt
think 200
done
"""

CHECKER = os.path.join(BUILD, "tests", "cm-protocheck")


class Recorder(Client):
    """A client that keeps every text frame it receives, in order."""

    def __init__(self, agent, frames, **kw):
        super().__init__(agent, **kw)
        self.frames = frames

    def _file(self, m, *rest):
        self.frames.append(m)
        super()._file(m, *rest)

    async def __aenter__(self):
        await super().__aenter__()
        if self.auth_reply is not None:
            self.frames.append(self.auth_reply)
        return self


def is_type(t, sid=None):
    return lambda e: e.get("type") == t and (sid is None or e.get("sessionId") == sid)


async def main(t):
    frames = []
    sent = []
    agent = Agent()
    agent.script(SAFE)
    with agent:
        async with Recorder(agent, frames) as c:
            orig = c.request

            async def request(action, timeout=10, **fields):
                sent.append(dict(action=action, **fields))
                return await orig(action, timeout, **fields)
            c.request = request
            # The requests meant to be refused are sent past the recorder.
            bad = orig

            # A prompt answered by policy, then one answered by a person.
            r = await c.create("fake", task="make ok.txt", autoConfirm=True)
            sid = r.get("sessionId")
            t.check("a session is created", r.get("type") == "session_created", r)
            t.check("it completes after an auto-confirmed prompt",
                    await c.wait_event(is_type("session_completed", sid), 20) is not None)
            r = await c.create("fake", task="wait for me", autoConfirm=False)
            sid2 = r.get("sessionId")
            need = await c.wait_event(is_type("confirm_needed", sid2), 20)
            t.check("a prompt waits for a person", need is not None)
            await c.request("list_sessions")
            if need:
                r = await c.request("confirm", sessionId=sid2, approve=True,
                                    prompt=need.get("fingerprint"))
                t.check("the person's answer is confirmed", r.get("type") == "confirmed", r)
                await c.wait_event(is_type("prompt_answered", sid2), 10)
            await c.wait_event(is_type("session_completed", sid2), 20)

            # Keys, screen, output, size, settings, the agent itself.
            await c.request("send_keys", sessionId=sid, keys="hi")
            await c.request("send_keys", sessionId=sid, key="BSpace")
            await c.request("capture_pane", sessionId=sid, lines=5, escapes=True)
            r = await c.request("subscribe_output", sessionId=sid, format="base64")
            t.check("output subscribed", r.get("type") == "output_subscribed", r)
            await c.request("send_keys", sessionId=sid, keys="x")
            t.check("output comes as JSON",
                    await c.wait_unsolicited(is_type("output"), 10) is not None)
            await c.request("resize", sessionId=sid, cols=100, rows=30)
            await c.request("unsubscribe_output", sessionId=sid)
            await c.request("set_auto_confirm", sessionId=sid, enabled=False)
            await c.request("list_profiles")
            await c.request("agent_info")
            await c.request("ping")
            await c.request("doctor", timeout=20)
            await c.request("doctor", quick=True)

            # A tool that exits, a session killed.
            r = await c.create("cat")
            sid3 = r.get("sessionId")
            await c.wait_event(is_type("state_change", sid3), 10)
            await c.request("send_keys", sessionId=sid3, key="C-d")
            t.check("the tool's exit is an event",
                    await c.wait_event(is_type("session_exited", sid3), 15) is not None)
            await c.request("kill_session", sessionId=sid3)

            # Errors.
            for action, fields in (("kill_session", {"sessionId": "cm-1"}),
                                   ("kill_session", {"sessionId": "../x"}),
                                   ("ping", {"loud": True}),
                                   ("doctor", {"quick": "yes"}),
                                   ("doctor", {"fix": True}),
                                   ("make_coffee", {}),
                                   ("confirm", {"sessionId": sid, "approve": True})):
                r = await bad(action, **fields)
                t.check(f"{action} {fields} is an error", r.get("type") == "error", r)

            # Replay and resync.
            r = await c.request("subscribe", since=0)
            t.check("replay from 0", r.get("type") == "subscribed", r)
            r = await c.request("subscribe", since=10 ** 9)
            t.check("replay from the future is a resync", r.get("type") == "resync", r)
            await asyncio.sleep(0.2)
        async with Recorder(agent, frames, since=0) as c2:
            t.check("auth with since replays", c2.auth_reply.get("replayed", 0) > 0,
                    c2.auth_reply)
            await asyncio.sleep(0.2)
        t.check("agent still runs", agent.alive())

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as f:
        for m in frames + sent:
            f.write(json.dumps(m) + "\n")
        f.flush()
        res = subprocess.run([CHECKER, f.name], capture_output=True, text=True)
    t.check(f"every one of {len(frames)} frames and {len(sent)} requests fits the table",
            res.returncode == 0, res.stdout[-4000:] + res.stderr)
    seen = set(res.stdout.strip().splitlines()[-1].split()[1:]) if res.stdout else set()
    want = {"authenticated", "session_created", "state_change", "auto_confirmed",
            "confirm_needed", "prompt_answered", "session_completed", "session_list",
            "confirmed", "keys_sent", "pane_captured", "output_subscribed", "output",
            "resized", "output_unsubscribed", "auto_confirm_set", "profile_list",
            "agent_info", "pong", "doctor_report", "session_exited", "session_killed", "error",
            "subscribed", "resync", "agent_started"}
    t.check("the agent sent every kind of message the test asked for",
            want <= seen, sorted(want - seen))


run(main)
