"""A manager client written only from SEED-SPEC.md's messages (no "id", no
field the seed did not have), as the seed's Python prototype would have
been: it must complete auth, create, send_keys, capture, list and kill, and
receive the seed's pushed messages (state_change, auto_confirmed,
session_completed) unchanged."""

import asyncio
import json

import websockets

from agentlib import Agent, run

SCRIPT = """think 300
ask bash touch seed.txt
think 300
done
"""


class SeedManagerClient:
    """The seed's CMManagerClient, reduced to its protocol."""

    def __init__(self, url, token):
        self.url = url
        self.token = token
        self.pushed = []

    async def connect(self):
        self.ws = await websockets.connect(self.url)
        await self.ws.send(json.dumps({"auth_token": self.token}))
        msg = await self.recv_until(lambda m: "status" in m or m.get("type") == "error")
        return msg.get("status") == "authenticated"

    async def recv_until(self, pred, timeout=20):
        """Reads messages, keeping pushed ones, until pred matches one."""
        async def loop():
            while True:
                m = json.loads(await self.ws.recv())
                if pred(m):
                    return m
                self.pushed.append(m)
        return await asyncio.wait_for(loop(), timeout)

    async def create_session(self, tool, task, context):
        await self.ws.send(json.dumps({"action": "create_session", "tool": tool, "task": task,
                                       "context": context}))
        m = await self.recv_until(lambda m: m.get("type") in ("session_created", "error"))
        return m.get("sessionId"), m

    async def send_keys(self, sid, keys):
        await self.ws.send(json.dumps({"action": "send_keys", "sessionId": sid, "keys": keys}))
        return await self.recv_until(lambda m: m.get("type") in ("keys_sent", "error"))

    async def capture_pane(self, sid, lines):
        await self.ws.send(json.dumps({"action": "capture_pane", "sessionId": sid,
                                       "lines": lines}))
        return await self.recv_until(lambda m: m.get("type") in ("pane_captured", "error"))

    async def list_sessions(self):
        await self.ws.send(json.dumps({"action": "list_sessions"}))
        return await self.recv_until(lambda m: m.get("type") in ("session_list", "error"))

    async def kill_session(self, sid):
        await self.ws.send(json.dumps({"action": "kill_session", "sessionId": sid}))
        return await self.recv_until(lambda m: m.get("type") in ("session_killed", "error"))

    async def disconnect(self):
        await self.ws.close()


async def main(t):
    agent = Agent(extra=["--auto-confirm"])
    agent.script(SCRIPT)
    with agent:
        client = SeedManagerClient(f"ws://127.0.0.1:{agent.port}", agent.token)
        t.check("seed auth: {status: authenticated}", await client.connect())
        sid, m = await client.create_session("fake", "Add logging to API module",
                                             {"path": agent.work})
        t.check("seed create_session -> session_created {sessionId, socket}",
                sid is not None and sid.startswith("cm-") and m.get("socket", "").endswith(".sock")
                and "id" not in m, m)
        done = await client.recv_until(lambda m: m.get("type") == "session_completed", 30)
        t.check("seed session_completed {sessionId, state: done, timestamp}",
                done.get("sessionId") == sid and done.get("state") == "done"
                and isinstance(done.get("timestamp"), float))
        sc = [m for m in client.pushed if m.get("type") == "state_change"]
        t.check("seed state_change pushes {sessionId, state, timestamp}",
                sc and all(m.get("sessionId") == sid and m.get("state") and
                           isinstance(m.get("timestamp"), float) for m in sc))
        ac = [m for m in client.pushed if m.get("type") == "auto_confirmed"]
        t.check("seed auto_confirmed push {sessionId, timestamp}",
                len(ac) == 1 and ac[0].get("sessionId") == sid and "timestamp" in ac[0])
        r = await client.send_keys(sid, "y")
        t.check("seed send_keys -> keys_sent", r.get("type") == "keys_sent", r)
        r = await client.capture_pane(sid, 50)
        t.check("seed capture_pane -> content of the screen",
                r.get("type") == "pane_captured" and "Done." in r.get("content", ""),
                r.get("content", "")[-300:])
        r = await client.list_sessions()
        t.check("seed list_sessions lists it",
                sid in [s.get("sessionId") for s in r.get("sessions", [])])
        r = await client.kill_session(sid)
        t.check("seed kill_session -> session_killed", r.get("type") == "session_killed" and
                r.get("sessionId") == sid, r)
        r = await client.list_sessions()
        t.check("killed session gone from the list",
                sid not in [s.get("sessionId") for s in r.get("sessions", [])])
        await client.disconnect()


run(main)
